#!/usr/bin/python3
"""Checks `adledger export` against ledger, hledger and beancount themselves.

  check_exports.py --adledger PATH_TO_BINARY --root REPO_ROOT [--entries N] [--keep]
  check_exports.py --self-test        (only step 0: the tool-output parsers)

What: the journal exported as `--format ledger|hledger|beancount`
must be accepted by the real tools (Debian 12's ledger 3.3, hledger 1.25,
beancount 2.3), and every account's balance they print must equal
`adledger balance` to the cent; `--format jsonl` must import into an empty
ledger and give the same balances and reports; `--format csv` must be CSV.

0. Self-test: hand-written journals with known balances (0, 2, 3 and 4
   decimal currencies, an amount of 2^63-1 minor units, a multi-currency
   account, an account that nets to zero, hostile metadata) go through each
   tool and the parsers below, so a parser that misreads a tool's output
   fails here, not as a false "export mismatch".
1. Ledger A: fixtures/founding-case.json, plus a `spend reverse` of entry 2
   (hostile reason and source), so that a reversal is exported, and a
   payment, its withdrawal (hostile reason), its pledge's withdrawal, a
   disclosed total's withdrawal and an entry with an approximate item count.
   Ledger C: every ad-library sample of fixtures/, each imported with its
   --input (ranges, unknown markets, disclosed totals).
   Ledger B: a generated JSON Lines file of >= 10,000 spend entries (USD,
   EUR, GBP, JPY (0 decimals), KWD (3), CLF (4); years 1400 to 9999; days,
   months, quarters, years, ISO weeks (W53, weeks that start in the year
   before), ranges; tags, items, handles; hostile text in names, notes,
   sources, tags, markets and external ids), pledges with disbursements,
   disclosed totals, bans recorded before and after spend, a lift, then by
   command: reversals, a withdrawal, a late handle, a disbursement, an entry.
   Ids are slugs, some with '_', some starting with a digit, and some that
   differ only by '_' versus '-' (acme_media / acme-media, tik_tok /
   tik-tok): a beancount mapping that turns '_' into '-' must not merge them.
2. For A and B and each tool: `adledger --db X export --format F > out`,
   then
     ledger  --args-only -f out balance --flat --no-total --empty
             --balance-format '%(account)\\t%(scrub(display_total))\\n'
     hledger -f out balance --flat --no-total --empty -O csv --layout bare
     bean-check out   (must exit 0 and print nothing), then beancount's
             own loader and realization (Python API) for the balances:
             bean-query's text output cuts numbers to the column's most
             common number of decimals (1236.067 KWD prints as 1236.06)
   parsed to exact decimals per (account, currency) and compared with
   `adledger --format json balance` (the `amount` decimal strings). Zero
   balances are compared as "account present", since the tools print them
   without a currency (ledger) or not at all. Each tool's register (every
   posting's date, account and amount) is compared with `adledger register`
   too, which catches redated postings. Beancount account names are mapped
   from adledger's: an `open` directive whose metadata holds a string equal
   to an adledger account name maps to it; otherwise the plan's mapping
   (capitalise each segment, '_' -> '-') is used, and must be one-to-one.
3. `export --from D1 --to D2` through each tool against
   `adledger balance --from D1 --to D2`; and the full export filtered by the
   tool itself (ledger/hledger -b D1 -e D2+1, beancount by date) against
   the same balance, so every journal date is checked.
4. jsonl round trip: `export --format jsonl` imports into a fresh ledger;
   balance (also --depth 2, and --by month and --by week over a range:
   without one, --by makes a column for every period from 1400 to 9999,
   which takes adledger past 17 GB), register, every report advertiser and
   report platform, report policies, report pledges, platform list and
   advertiser list print the very same JSON; the fresh ledger passes
   verify; its own jsonl export is byte-identical; importing the export
   into the original ledger changes nothing (same head). Heads of the two
   ledgers are compared and reported (a NOTE, not a failure).
5. csv: parses with Python's csv module, has a header row with account,
   currency and amount columns (amount may carry the currency), every row
   has as many fields as the header, and the amounts summed per account and
   currency equal the balance; with --from/--to too.

A missing tool is a failure telling how to install it, never a skip.
Prints PASS/FAIL lines and ends with "check_exports: N passed, M failed";
exits 1 if any check failed.
"""

import argparse
import collections
import csv
import datetime
import importlib.util
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

NOW = "2026-11-22T12:00:00.000Z"
TODAY = "2026-11-22"
TOOLS = ("ledger", "hledger", "beancount")
INSTALL = "install them with `apt-get install ledger hledger beancount` (see .ci/install-deps)"
# How long one tool run may take on the 10,000-entry ledger.
TOOL_TIMEOUT = 600

# A tool's printed amount: plain digits, '.' as decimal mark, no grouping.
# hledger 1.25 reads "1,500" as 1.5 where ledger reads 1500, so an export
# that groups digits is wrong even when one tool happens to agree.
AMOUNT_SUFFIX = re.compile(r"^(-?\d+(?:\.\d+)?) ([A-Z][A-Z0-9]{2})$")
AMOUNT_PREFIX = re.compile(r"^([A-Z][A-Z0-9]{2}) (-?\d+(?:\.\d+)?)$")
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.notes = []

    def ok(self, name):
        self.passed += 1
        print(f"PASS {name}", flush=True)

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL {name}: {why}", flush=True)

    def check(self, name, condition, why=""):
        if condition:
            self.ok(name)
        else:
            self.fail(name, why or "condition not met")
        return condition

    def note(self, text):
        self.notes.append(text)
        print(f"NOTE {text}", flush=True)


# ---------------------------------------------------------------------------
# Amounts and account names

def parse_amount(text):
    """'274100.00 USD' (or 'USD 274100.00') -> (Decimal, 'USD'); '0' -> (0, None)."""
    text = text.strip()
    if text == "0":
        return Decimal(0), None
    m = AMOUNT_SUFFIX.match(text)
    if m:
        return Decimal(m.group(1)), m.group(2)
    m = AMOUNT_PREFIX.match(text)
    if m:
        return Decimal(m.group(2)), m.group(1)
    raise ValueError(f"amount {text!r} is not 'DIGITS[.DIGITS] CODE' (no digit grouping, ISO code)")


def parse_number(text):
    text = text.strip()
    if not NUMBER.match(text):
        raise ValueError(f"number {text!r} is not plain digits with '.' as the decimal mark")
    return Decimal(text)


def bean_default(account):
    """The plan's beancount name: capitalise each segment, '_' -> '-'."""
    return ":".join(s[:1].upper() + s[1:].replace("_", "-") for s in account.split(":"))


def fmt(d):
    return format(d, "f")


def next_day(day):
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()


def nonzero(balances):
    return {k: v for k, v in balances.items() if v != 0}


# ---------------------------------------------------------------------------
# Running the tools. Each returns (balances {(account, currency): Decimal},
# accounts shown, problems) or (postings Counter, problems).

def tool_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER")}
    env.update(TZ="UTC", LC_ALL="C.UTF-8", HOME=home)
    env.pop("COLUMNS", None)
    return env


def run_tool(cmd, env, label):
    try:
        r = subprocess.run(cmd, env=env, capture_output=True, timeout=TOOL_TIMEOUT)
    except FileNotFoundError:
        return None, f"{label}: {cmd[0]} is not installed; {INSTALL}"
    except subprocess.TimeoutExpired:
        return None, f"{label}: `{' '.join(cmd)}` did not finish in {TOOL_TIMEOUT} s"
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace").strip()
    if r.returncode != 0 or err:
        err = "\n".join(err.splitlines()[:8])[:1500]
        return None, (f"{label}: `{' '.join(cmd)}` exits {r.returncode}"
                      f"{': ' + err if err else ''}")
    return out, None


def ledger_cmd(path, *words):
    return ["ledger", "--args-only", "--no-pager", "-f", path, *words]


def ledger_balance(path, env, begin=None, end=None):
    """`ledger balance --flat --empty`, one '%(account)<TAB>amount' line an
    account; the other commodities of a multi-commodity total follow on lines
    of their own (no tab). A zero total prints as '0'."""
    words = ["balance", "--flat", "--no-total", "--empty",
             "--balance-format", "%(account)\t%(scrub(display_total))\n"]
    if begin:
        words += ["-b", begin]
    if end:
        words += ["-e", next_day(end)]
    out, problem = run_tool(ledger_cmd(path, *words), env, "ledger balance")
    if problem:
        return None, None, [problem]
    balances, accounts, problems, current = {}, set(), [], None
    for line in out.splitlines():
        if not line.strip():
            continue
        if "\t" in line:
            current, amount = line.split("\t", 1)
            accounts.add(current)
        elif current is None:
            problems.append(f"ledger balance: line {line!r} before any account")
            continue
        else:
            amount = line
        try:
            value, currency = parse_amount(amount)
        except ValueError as e:
            problems.append(f"ledger balance, account {current}: {e}")
            continue
        if currency is not None:
            key = (current, currency)
            if key in balances:
                problems.append(f"ledger balance: {current} {currency} printed twice")
            balances[key] = value
    return balances, accounts, problems


def ledger_register(path, env, loaded=None):
    words = ["register", "--date-format", "%Y-%m-%d",
             "--register-format", "%(date)\t%(account)\t%(scrub(amount))\n"]
    out, problem = run_tool(ledger_cmd(path, *words), env, "ledger register")
    if problem:
        return None, [problem]
    postings, problems = collections.Counter(), []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or not DATE.match(parts[0]):
            problems.append(f"ledger register: unexpected line {line!r}")
            continue
        try:
            value, currency = parse_amount(parts[2])
        except ValueError as e:
            problems.append(f"ledger register, {parts[0]} {parts[1]}: {e}")
            continue
        postings[(parts[0], parts[1], currency, value)] += 1
    return postings, problems


def hledger_balance(path, env, begin=None, end=None):
    """`hledger balance --flat -O csv --layout bare`: account, commodity,
    balance columns, one row per account and commodity."""
    cmd = ["hledger", "-f", path, "balance", "--flat", "--no-total", "--empty", "-O", "csv", "--layout", "bare"]
    if begin:
        cmd += ["-b", begin]
    if end:
        cmd += ["-e", next_day(end)]
    out, problem = run_tool(cmd, env, "hledger balance")
    if problem:
        return None, None, [problem]
    rows = list(csv.reader(io.StringIO(out)))
    if not rows or rows[0] != ["account", "commodity", "balance"]:
        return None, None, [f"hledger balance: header {rows[:1]!r}, expected account, commodity, balance"]
    balances, accounts, problems = {}, set(), []
    for row in rows[1:]:
        if len(row) != 3:
            problems.append(f"hledger balance: row {row!r}")
            continue
        account, commodity, amount = row
        accounts.add(account)
        try:
            value = parse_number(amount)
        except ValueError as e:
            problems.append(f"hledger balance, account {account}: {e}")
            continue
        if value == 0:
            continue
        if not re.match(r"^[A-Z][A-Z0-9]{2}$", commodity):
            problems.append(f"hledger balance, account {account}: commodity {commodity!r} is not an ISO code")
            continue
        if (account, commodity) in balances:
            problems.append(f"hledger balance: {account} {commodity} printed twice")
        balances[(account, commodity)] = value
    return balances, accounts, problems


def hledger_register(path, env, loaded=None):
    out, problem = run_tool(["hledger", "-f", path, "register", "-O", "csv"], env, "hledger register")
    if problem:
        return None, [problem]
    rows = list(csv.reader(io.StringIO(out)))
    if not rows or rows[0][:6] != ["txnidx", "date", "code", "description", "account", "amount"]:
        return None, [f"hledger register: header {rows[:1]!r}"]
    postings, problems = collections.Counter(), []
    for row in rows[1:]:
        try:
            value, currency = parse_amount(row[5])
        except (ValueError, IndexError) as e:
            problems.append(f"hledger register, row {row[:6]!r}: {e}")
            continue
        postings[(row[1], row[4], currency, value)] += 1
    return postings, problems


def bean_check(path, env):
    out, problem = run_tool(["bean-check", path], env, "bean-check")
    if problem:
        return [problem]
    if out.strip():
        return [f"bean-check printed {out.strip()[:1500]!r}"]
    return []


def bean_load(path):
    """Beancount's own loader (parse, booking, validation, as bean-check
    runs it), with its pickle cache off. Returns (entries, problems)."""
    try:
        from beancount import loader
    except ImportError as e:
        return None, [f"beancount's Python package does not import under {sys.executable}: {e}; {INSTALL}"]
    loader.initialize(use_cache=False)
    entries, errors, _options = loader.load_file(path)
    problems = [f"beancount: {getattr(e, 'source', {}).get('lineno', '?')}: {e.message}" for e in errors[:5]]
    return entries, problems


def bean_balance(path, env, begin=None, end=None, loaded=None):
    """Each account's balance as beancount computes it (realization of the
    transactions dated begin..end), per currency, exact.

    Not bean-query: beancount 2.3.5 renders a number column at the most
    common number of decimals and cuts longer numbers (`sum(number)` over
    1.500 KWD, 1234.567 KWD and 274100.00 USD prints 1236.06 for KWD and
    0.00 for 0.0001 CLF), and `sum(position)` raises InvalidOperation on a
    balance of a billion units or more (its display context allows 9
    integer digits)."""
    from beancount.core import data, realization
    entries, problems = loaded if loaded else bean_load(path)
    if entries is None or problems:
        return None, None, problems
    if begin or end:
        lo = datetime.date.fromisoformat(begin) if begin else datetime.date.min
        hi = datetime.date.fromisoformat(end) if end else datetime.date.max
        entries = [e for e in entries if not isinstance(e, data.Transaction) or lo <= e.date <= hi]
    posted = {p.account for e in entries if isinstance(e, data.Transaction) for p in e.postings}
    real = realization.realize(entries)
    balances, accounts = {}, set()
    for acc in realization.iter_children(real):
        if acc.account not in posted:
            continue
        accounts.add(acc.account)
        for pos in acc.balance:
            if pos.cost is not None:
                problems.append(f"beancount: {acc.account} holds a position at cost: {pos}")
            if pos.units.number != 0:
                balances[(acc.account, pos.units.currency)] = pos.units.number
    return balances, accounts, problems


def bean_register(path, env, loaded=None):
    from beancount.core import data
    entries, problems = loaded if loaded else bean_load(path)
    if entries is None or problems:
        return None, problems
    postings = collections.Counter()
    for e in entries:
        if isinstance(e, data.Transaction):
            for p in e.postings:
                postings[(e.date.isoformat(), p.account, p.units.currency, p.units.number)] += 1
    return postings, []


def bean_open_names(path):
    """{beancount account: [metadata string values]} from the open directives."""
    opens, current = {}, None
    open_line = re.compile(r"^\d{4}-\d{2}-\d{2}\s+open\s+(\S+)")
    meta_line = re.compile(r'^\s+[a-z][A-Za-z0-9_-]*:\s*"((?:[^"\\]|\\.)*)"\s*$')
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = open_line.match(line)
            if m:
                current = m.group(1)
                opens.setdefault(current, [])
                continue
            m = meta_line.match(line) if current else None
            if m:
                opens[current].append(re.sub(r"\\(.)", r"\1", m.group(1)))
            else:
                current = None
    return opens


# ---------------------------------------------------------------------------
# Self-test: the parsers on hand-written journals

SELFTEST_LEDGER = """\
; hand-written: what an export should look like for ledger and hledger
2016-01-01 * spend rt on twitter 2016
    ; entry: 1
    ; note: a "quoted"; b | c # :x:y: key2: v2 [2017-05-05] @ é, and: more
    ; source: 003.txt; [2018-03-03] date:2019-01-01
    ; tags: promoted-tweets, a:b, with space
    expenses:ads:rt:twitter    274100.00 USD
    income:ads:twitter:rt    -274100.00 USD

2015-12-28 * spend 1abc on x-y_z 2015-W53
    expenses:ads:1abc:x-y_z    500 JPY
    income:ads:x-y_z:1abc    -500 JPY

2016-02-29 * spend rt on twitter 2016-02-29
    expenses:ads:rt:twitter    1.500 KWD
    income:ads:twitter:rt    -1.500 KWD

2016-03-01 * spend rt on twitter 2016-03
    expenses:ads:rt:twitter    1234.567 KWD
    income:ads:twitter:rt    -1234.567 KWD

2016-03-01 * spend rt on twitter 2016-03
    expenses:ads:rt:twitter    0.0001 CLF
    income:ads:twitter:rt    -0.0001 CLF

1400-01-01 * spend big on p_9 1400
    expenses:ads:big:p_9    92233720368547758.07 USD
    income:ads:p_9:big    -92233720368547758.07 USD

9999-12-31 * spend zero on p 9999-12-31
    expenses:ads:zero:p    10.00 EUR
    income:ads:p:zero    -10.00 EUR

9999-12-31 * reversal of spend #7
    expenses:ads:zero:p    -10.00 EUR
    income:ads:p:zero    10.00 EUR

2017-10-26 * pledge twitter-pledge-2017-10-26 by twitter
    expenses:pledges:twitter    1900000.00 USD
    liabilities:pledges:twitter:twitter-pledge-2017-10-26    -1900000.00 USD

2018-01-01 * disbursement twitter-pledge-2017-10-26-1
    liabilities:pledges:twitter:twitter-pledge-2017-10-26    0.01 USD
    assets:cash:twitter    -0.01 USD
"""

SELFTEST_BALANCES = {
    ("expenses:ads:rt:twitter", "USD"): "274100.00",
    ("income:ads:twitter:rt", "USD"): "-274100.00",
    ("expenses:ads:rt:twitter", "KWD"): "1236.067",
    ("income:ads:twitter:rt", "KWD"): "-1236.067",
    ("expenses:ads:rt:twitter", "CLF"): "0.0001",
    ("income:ads:twitter:rt", "CLF"): "-0.0001",
    ("expenses:ads:1abc:x-y_z", "JPY"): "500",
    ("income:ads:x-y_z:1abc", "JPY"): "-500",
    ("expenses:ads:big:p_9", "USD"): "92233720368547758.07",
    ("income:ads:p_9:big", "USD"): "-92233720368547758.07",
    ("expenses:pledges:twitter", "USD"): "1900000.00",
    ("liabilities:pledges:twitter:twitter-pledge-2017-10-26", "USD"): "-1899999.99",
    ("assets:cash:twitter", "USD"): "-0.01",
}
SELFTEST_ZERO = {"expenses:ads:zero:p", "income:ads:p:zero"}
SELFTEST_RANGE = ("2016-01-01", "2016-02-29")  # the 2016-01-01 USD and 2016-02-29 KWD entries only


def selftest_beancount(text):
    """The ledger journal above, rewritten by hand-rules into beancount."""
    accounts = sorted({line.split()[0] for line in text.splitlines()
                       if line.startswith("    ") and not line.strip().startswith(";")})
    out = ['option "title" "self-test"', ""]
    out += [f"1400-01-01 open {bean_default(a)}\n  adledger-account: \"{a}\"" for a in accounts]
    out.append("")
    for line in text.splitlines():
        if line.startswith(";"):
            continue
        m = re.match(r"^(\d{4}-\d{2}-\d{2}) \* (.*)$", line)
        if m:
            out.append(f'{m.group(1)} * "{m.group(2)}" #adledger')
        elif line.startswith("    ; "):
            key, _, value = line[6:].partition(": ")
            value = value.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'  {key}: "{value}"')
        elif line.startswith("    "):
            account, amount = line.split(None, 1)
            out.append(f"  {bean_default(account)}  {amount.strip()}")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def self_test(checker, tmp, env):
    path = os.path.join(tmp, "selftest.ledger")
    with open(path, "w", encoding="utf-8") as f:
        f.write(SELFTEST_LEDGER)
    bpath = os.path.join(tmp, "selftest.beancount")
    with open(bpath, "w", encoding="utf-8") as f:
        f.write(selftest_beancount(SELFTEST_LEDGER))
    expected = {k: Decimal(v) for k, v in SELFTEST_BALANCES.items()}
    accounts = {a for a, _ in expected} | SELFTEST_ZERO
    begin, end = SELFTEST_RANGE
    ranged = {k: v for k, v in expected.items()
              if k in {("expenses:ads:rt:twitter", "USD"), ("income:ads:twitter:rt", "USD")}}
    ranged[("expenses:ads:rt:twitter", "KWD")] = Decimal("1.500")
    ranged[("income:ads:twitter:rt", "KWD")] = Decimal("-1.500")
    n_postings = sum(1 for line in SELFTEST_LEDGER.splitlines()
                     if line.startswith("    ") and not line.strip().startswith(";"))
    to_bean = {a: bean_default(a) for a in accounts}

    def rename(bal, mapping):
        return {(mapping.get(a, a), c): v for (a, c), v in bal.items()}

    for tool in TOOLS:
        name = f"self-test: {tool} reads a hand-written journal and its output parses to the known balances"
        if tool == "ledger":
            got, shown, problems = ledger_balance(path, env)
            got_r, _, p2 = ledger_balance(path, env, begin, end)
            postings, p3 = ledger_register(path, env)
            want, want_r, want_accounts = expected, ranged, accounts
        elif tool == "hledger":
            got, shown, problems = hledger_balance(path, env)
            got_r, _, p2 = hledger_balance(path, env, begin, end)
            postings, p3 = hledger_register(path, env)
            want, want_r, want_accounts = expected, ranged, accounts
        else:
            problems = bean_check(bpath, env)
            got, shown, p1 = bean_balance(bpath, env)
            got_r, _, p2 = bean_balance(bpath, env, begin, end)
            postings, p3 = bean_register(bpath, env)
            problems += p1
            want, want_r = rename(expected, to_bean), rename(ranged, to_bean)
            want_accounts = {to_bean[a] for a in accounts}
            opens = bean_open_names(bpath)
            if {v[0] for v in opens.values() if v} != accounts:
                problems.append(f"open-directive metadata read back as {sorted(opens.items())[:3]}...")
        problems += p2 + p3
        if not problems:
            if got != want:
                problems.append(f"balances {sorted(set(got.items()) ^ set(want.items()))[:4]} differ")
            if shown != want_accounts:
                problems.append(f"accounts shown differ: {sorted(shown ^ want_accounts)}")
            if got_r != want_r:
                problems.append(f"balances {begin}..{end}: {sorted(set(got_r.items()) ^ set(want_r.items()))[:4]}")
            if postings is not None and sum(postings.values()) != n_postings:
                problems.append(f"register has {sum(postings.values())} postings, the journal {n_postings}")
            if postings is not None and postings.get(("1400-01-01", to_bean["expenses:ads:big:p_9"]
                                                      if tool == "beancount" else "expenses:ads:big:p_9",
                                                      "USD", Decimal("92233720368547758.07"))) != 1:
                problems.append("register lacks the 1400-01-01 posting of 92233720368547758.07 USD")
        checker.check(name, not problems, "; ".join(problems[:5]))


# ---------------------------------------------------------------------------
# adledger

class Adledger:
    def __init__(self, binary, tmp):
        self.binary = binary
        self.tmp = tmp
        self.env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", ADLEDGER_NOW=NOW, ADLEDGER_TODAY=TODAY)
        for k in ("ADLEDGER_DB", "ADLEDGER_FORMAT"):
            self.env.pop(k, None)

    def run(self, db, words, stdout=None, timeout=900):
        cmd = [self.binary, "--db", db, *words]
        if stdout is None:
            return subprocess.run(cmd, env=self.env, cwd=self.tmp, capture_output=True, timeout=timeout)
        with open(stdout, "wb") as f:
            return subprocess.run(cmd, env=self.env, cwd=self.tmp, stdout=f, stderr=subprocess.PIPE,
                                  timeout=timeout)

    def must(self, checker, db, words, label=None):
        r = self.run(db, words)
        if r.returncode != 0:
            checker.fail(label or f"adledger {' '.join(words)[:200]}",
                         f"exit {r.returncode}: {r.stderr.decode('utf-8', 'replace').strip()[:800]}")
            return None
        return r.stdout.decode("utf-8")

    def json(self, checker, db, words, label=None):
        out = self.must(checker, db, ["--format", "json", *words], label)
        if out is None:
            return None
        try:
            return json.loads(out)
        except ValueError as e:
            checker.fail(label or f"adledger --format json {' '.join(words)}", f"not JSON: {e}")
            return None

    def export(self, db, fmt_name, dest, extra=()):
        """`adledger --db DB export --format F [--from --to] > dest`; returns
        an error string or None."""
        words = ["export", "--format", fmt_name, *extra]
        r = self.run(db, words, stdout=dest)
        err = r.stderr.decode("utf-8", "replace").strip()
        if r.returncode != 0:
            return f"`adledger {' '.join(words)}` exits {r.returncode}: {err[:800]}"
        if err:
            return f"`adledger {' '.join(words)}` printed on stderr: {err[:800]}"
        with open(dest, "rb") as f:
            data = f.read()
        if not data.strip():
            return f"`adledger {' '.join(words)}` printed nothing"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            return f"`adledger {' '.join(words)}` printed invalid UTF-8: {e}"
        return None


def expected_balance(adl, checker, db, begin=None, end=None):
    words = ["balance"] + (["--from", begin] if begin else []) + (["--to", end] if end else [])
    j = adl.json(checker, db, words)
    if j is None:
        return None, None
    balances, accounts = {}, set()
    for row in j["accounts"]:
        accounts.add(row["account"])
        balances[(row["account"], row["currency"])] = Decimal(row["balance"]["amount"])
    return balances, accounts


def expected_register(adl, checker, db):
    j = adl.json(checker, db, ["register"])
    if j is None:
        return None
    c = collections.Counter()
    for p in j["postings"]:
        c[(p["date"], p["account"], p["amount"]["currency"], Decimal(p["amount"]["amount"]))] += 1
    return c


# ---------------------------------------------------------------------------
# Ledger B: the generated ledger

PLATFORMS = [
    ("twitter", "Twitter"),
    ("facebook", "Facebook; \"Meta\" | #1 @fb"),
    ("google", "(Google) * ! leading paren"),
    ("1tube", "1Tube ü 中文 😀"),
    ("tik_tok", "Tik_Tok: key: value, date:2019-01-01"),
    ("tik-tok", "Tik-Tok [2018-03-03] ; two  spaces\ttab"),
    ("p_9", "p 9 \\ back\\slash \"q\""),
]
ADVERTISERS = [
    ("rt", "RT (Russia Today)", "RU", True),
    ("sputnik", "Sputnik; \"state\" media | #ru", "RU", True),
    ("acme_media", "Acme_Media @acme", "FR", False),
    ("acme-media", "Acme-Media (the other one)", "FR", False),
    ("9news", "9News ü \u2028 line sep", None, False),
    ("x_y-z", "(x y z", None, False),
    ("plain", "Plain", "US", False),
]
CURRENCIES = [("USD", 2), ("EUR", 2), ("GBP", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)]
TAG_POOL = ["promoted-tweets", "political", "a:b", "with space", "ü", "#hash", "UPPER", "1digit",
            "semi;colon", "q\"uote", "tab\there", ":colons:", "date:2019-01-01", "[2018-03-03]"]
HOSTILE = [
    "a \"quoted\" note; with | pipe # hash @ at",
    "; [2018-03-03] a bracketed date after a semicolon",
    "date:2019-01-01 and date2:2019-02-02, tag: value",
    "(leading paren",
    "* leading star",
    "! leading bang",
    ":: leading colons",
    "key:: 1 + expression",
    "back\\slash \\n \\\" escapes",
    "two  spaces ;  then\ttab\t; semicolon",
    "{curly} ^caret ~tilde = equals $ dollar",
    "é ü ß 中文 😀 \U0001F1EB\U0001F1F7 e\u0301 مرحبا \u2028LS \u2029PS \u0085NEL \ufeffBOM",
    "1,500 EUR and 1.500 KWD in words",
    "  leading and trailing spaces  ",
    "= 2016-01-01 looks like an automated transaction",
    "~ monthly looks like a periodic one",
    "x" * 4000,
]


def amount_text(rng, decimals, big=False):
    minor = rng.randint(1, 10 ** 9 if not big else 10 ** 6)
    if decimals == 0:
        text = str(minor)
    else:
        text = f"{minor // 10 ** decimals}.{minor % 10 ** decimals:0{decimals}d}"
    if rng.random() < 0.05 and decimals > 0:
        whole, frac = text.split(".")
        text = f"{int(whole):,}.{frac}"  # grouped input is accepted; the export must not group
    return text


def random_period(rng):
    y = rng.randint(2010, 2024)
    kind = rng.random()
    if kind < 0.15:
        return str(y)
    if kind < 0.35:
        return f"{y}-Q{rng.randint(1, 4)}"
    if kind < 0.55:
        return f"{y}-{rng.randint(1, 12):02d}"
    if kind < 0.75:
        return f"{y}-W{rng.randint(1, 52):02d}"
    if kind < 0.92:
        return f"{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    m = rng.randint(1, 6)
    return f"{y}-{m:02d}-01..{y}-{m + rng.randint(0, 6):02d}-15"


def generated_lines(n_entries, seed=20261122):
    """The records of ledger B as JSON Lines, in the order they are recorded."""
    rng = random.Random(seed)
    lines = []
    add = lines.append
    for pid, name in PLATFORMS:
        add({"type": "platform", "id": pid, "name": name})
    for aid, name, country, state in ADVERTISERS:
        rec = {"type": "advertiser", "id": aid, "name": name, "state_affiliated": state}
        if country:
            rec["country"] = country
        if aid == "rt":
            rec["handles"] = [{"platform": "twitter", "handle": "@RT_com"},
                              {"platform": "tik_tok", "handle": "@rt \"tok\"; | #x"}]
        lines.append(rec)
    # Bans recorded before the spend: no spend may fall inside them.
    add({"type": "policy_action", "id": "google-ad-ban-2030", "kind": "ad_ban", "platform": "google",
         "advertisers": ["sputnik"], "date": "2030-01-01", "end_date": "2031-01-01",
         "description": HOSTILE[0], "source": HOSTILE[1]})
    add({"type": "policy_action", "id": "facebook-ad-ban-2040", "kind": "ad_ban", "platform": "facebook",
         "advertisers": ["x_y-z"], "date": "2040-01-01", "description": "bans x_y-z", "source": "s"})
    add({"type": "policy_action", "id": "facebook-lift-2041", "kind": "ban_lift", "platform": "facebook",
         "advertisers": ["x_y-z"], "date": "2041-01-01", "lifts": "facebook-ad-ban-2040",
         "description": HOSTILE[2], "source": "s"})
    add({"type": "policy_action", "kind": "suspension", "platform": "tik-tok", "date": "2019-04-21",
         "accounts": 5000, "description": HOSTILE[3], "source": HOSTILE[4], "note": HOSTILE[5]})
    # Fixed entries: the extremes.
    fixed = [
        # 9e17 USD and 9e18 JPY: near the 2^63-1 minor-unit limit, alone in their accounts, and small
        # enough that no sum over accounts (totals, depth 1) overflows.
        {"advertiser": "acme-media", "platform": "p_9", "amount": "9000000000000000.00", "currency": "USD",
         "period": "2016-W01", "precision": "estimated"},
        {"advertiser": "9news", "platform": "p_9", "amount": "9000000000000000000", "currency": "JPY",
         "period": "2015-W53"},
        {"advertiser": "plain", "platform": "1tube", "amount": "1.00", "currency": "USD", "period": "1400-01-01"},
        {"advertiser": "plain", "platform": "1tube", "amount": "2.00", "currency": "USD", "period": "9999-12"},
        {"advertiser": "plain", "platform": "1tube", "amount": "0.001", "currency": "KWD", "period": "2020-W53"},
        {"advertiser": "plain", "platform": "1tube", "amount": "0.0001", "currency": "CLF", "period": "2019-W01"},
        {"advertiser": "acme_media", "platform": "tik_tok", "amount": "1,234.567", "currency": "KWD",
         "period": "2015-W01"},
        {"advertiser": "acme-media", "platform": "tik-tok", "amount": "1.500", "currency": "KWD",
         "period": "2016-02-29"},
        {"advertiser": "acme_media", "platform": "tik-tok", "amount": "1500", "currency": "JPY", "period": "2016"},
        {"advertiser": "acme-media", "platform": "tik_tok", "amount": "1,500", "currency": "EUR", "period": "2016"},
    ]
    for i, f in enumerate(fixed):
        rec = {"type": "spend", "id": f"fixed_{i}", "market": "US", "source": f"fixed {i}", **f}
        add(rec)
    big_pairs = {("acme-media", "p_9"), ("9news", "p_9")}
    pairs = [(a, p) for a, *_ in ADVERTISERS for p, _ in PLATFORMS if (a, p) not in big_pairs]
    for i in range(n_entries - len(fixed)):
        adv, plat = rng.choice(pairs)
        code, decimals = rng.choice(CURRENCIES)
        rec = {"type": "spend", "advertiser": adv, "platform": plat, "amount": amount_text(rng, decimals),
               "currency": code, "period": random_period(rng),
               "market": rng.choice(["US", "FR", "RU", "Üb\u2028er\tmarket; | #"]),
               "source": rng.choice(HOSTILE[:16]) if rng.random() < 0.3 else f"src-{i % 97}.txt"}
        r = rng.random()
        if r < 0.5:
            rec["id"] = f"e{i}" if rng.random() < 0.9 else f"ext/{i} \"x\"; | # @ ü"
        if rng.random() < 0.6:
            rec["items"] = rng.randint(0, 10 ** 6)
        if rng.random() < 0.5:
            rec["tags"] = rng.sample(TAG_POOL, rng.randint(1, 3))
        if rng.random() < 0.2:
            rec["note"] = rng.choice(HOSTILE)
        rec["precision"] = rng.choice(["exact", "exact", "approximate", "estimated"])
        if adv == "rt" and plat == "twitter" and rng.random() < 0.5:
            rec["handle"] = "@RT_com"
        add(rec)
    pledges = [
        ("twitter-pledge-2017-10-26", "twitter", "1900000.00", "USD", "2017-10-26", 2),
        ("1tube_pledge-2019", "1tube", "1000000", "JPY", "2019-07-01", 3),
        ("9-pledge_x", "tik_tok", "10.000", "KWD", "2019-01-01", 2),
        ("p_9-pledge", "p_9", "100.0000", "CLF", "2020-02-29", 1),
        ("facebook-pledge-eur", "facebook", "5,000.00", "EUR", "2018-03-01", 0),
    ]
    for pid, plat, amount, cur, day, n_disb in pledges:
        rec = {"type": "pledge", "id": pid, "platform": plat, "amount": amount, "currency": cur, "date": day,
               "beneficiary": rng.choice(HOSTILE), "source": rng.choice(HOSTILE[:16]),
               "basis": {"advertiser": "rt", "period": "2016"}, "note": HOSTILE[6]}
        d = datetime.date.fromisoformat(day)
        rec["disbursements"] = [
            {"amount": {"USD": "100000.01", "JPY": "1", "KWD": "0.001", "CLF": "0.0001"}[cur],
             "date": (d + datetime.timedelta(days=30 * (k + 1))).isoformat(), "source": HOSTILE[(k + 7) % 16]}
            for k in range(n_disb)]
        add(rec)
    add({"type": "disclosure", "id": "twitter-rt-disclosed", "platform": "twitter", "advertiser": "rt",
         "amount": "1900000.00", "currency": "USD", "period": "2011-01-01..2017-10-26", "date": "2017-10-26",
         "precision": "estimated", "source": HOSTILE[8], "note": HOSTILE[9]})
    # A ban recorded after the spend it covers: accepted, the spend becomes violations.
    add({"type": "policy_action", "id": "twitter-ad-ban-late_1", "kind": "ad_ban", "platform": "twitter",
         "advertisers": ["plain", "9news"], "date": "2012-01-01", "description": HOSTILE[10], "source": "late"})
    add({"type": "policy_action", "id": "twitter-ad-ban-late_2", "kind": "ad_ban", "platform": "twitter",
         "advertisers": ["rt"], "date": "2017-10-26", "description": HOSTILE[11], "source": "late"})
    return lines


def build_ledger_b(adl, checker, tmp, n_entries):
    db = os.path.join(tmp, "B.db")
    lines = generated_lines(n_entries)
    path = os.path.join(tmp, "generated.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for rec in lines:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    n_spend = sum(1 for r in lines if r["type"] == "spend")
    if adl.must(checker, db, ["init"]) is None:
        return None
    if adl.must(checker, db, ["import", path], f"ledger B: import of {n_spend} generated spend entries") is None:
        return None
    steps = [
        ["spend", "reverse", "13", "--reason", HOSTILE[0], "--source", HOSTILE[1]],
        ["spend", "reverse", "11", "--reason", "; [2018-03-03] " + HOSTILE[11], "--source", HOSTILE[2]],
        ["spend", "reverse", "20", "--reason", "plain", "--source", "s", "--source-url",
         "https://example.org/x?q=1;2&r=[3]#frag|pipe", "--source-accessed", "2024-01-01", "--source-quote", HOSTILE[0]],
        ["policy", "withdraw", "twitter-ad-ban-late_2", "--reason", HOSTILE[3], "--source", HOSTILE[12],
         "--source-quote", HOSTILE[9]],
        ["advertiser", "link", "acme_media", "--platform", "tik-tok", "--handle", "@acme_ \"late\"; |"],
        ["pledge", "disburse", "facebook-pledge-eur", "--amount", "1,234.56", "--date", "2019-01-01",
         "--source", HOSTILE[13]],
        ["spend", "record", "--advertiser", "acme_media", "--platform", "tik-tok", "--handle",
         "@acme_ \"late\"; |", "--amount", "0.01", "--currency", "USD", "--period", "2024-W52",
         "--market", "FR", "--source", HOSTILE[14], "--note", HOSTILE[15], "--tag", "a:b", "--tag", "ü",
         "--id", "cli_1", "--source-url", "HTTPS://example.org/é/\"q\"", "--source-quote", HOSTILE[16]],
    ]
    for words in steps:
        if adl.must(checker, db, words, f"ledger B: adledger {' '.join(words[:3])}") is None:
            return None
    checker.ok(f"ledger B built: {n_spend + 1} spend entries (3 reversed), {len(PLATFORMS)} platforms, "
               f"{len(ADVERTISERS)} advertisers, 5 pledges, {len(CURRENCIES)} currencies")
    return db


def build_ledger_a(adl, checker, tmp, root):
    db = os.path.join(tmp, "A.db")
    fixture = os.path.join(root, "fixtures", "founding-case.json")
    if adl.must(checker, db, ["init"]) is None or adl.must(checker, db, ["import", fixture]) is None:
        return None
    if adl.must(checker, db, ["spend", "reverse", "2", "--reason",
                              "recorded in error; \"test\" | #x [2018-03-03] date:2019-01-01",
                              "--source", "(erratum.txt; ü)"]) is None:
        return None
    # A payment withdrawn, then its pledge, and a disclosed total: their
    # undoing transactions go through the tools as any other.
    for args in (["pledge", "disburse", "twitter-pledge-2017-10-26", "--amount", "1500", "--date", "2018-03-01",
                  "--source", "grant letter"],
                 ["pledge", "withdraw-disbursement", "twitter-pledge-2017-10-26-1", "--reason",
                  "paid by another; \"test\" | #x [2018-03-03] date:2019-01-01", "--source", "(fix.txt; ü)"],
                 ["pledge", "withdraw", "twitter-pledge-2017-10-26", "--reason", "mistyped", "--source", "review"],
                 ["disclosure", "withdraw", "twitter-rt-disclosed-2017-10-26", "--reason", "duplicate",
                  "--source", "review"],
                 ["spend", "record", "--advertiser", "fb-unattributed-ru", "--platform", "facebook", "--amount", "10",
                  "--currency", "USD", "--period", "2017-06", "--items", "2200", "--items-precision", "approximate",
                  "--market", "US", "--source", "about.txt", "--source-url", "https://example.org/about#p2",
                  "--source-accessed", "2024-01-01", "--source-quote", "about 2,200 ads; \"politically\" oriented"]):
        if adl.must(checker, db, args) is None:
            return None
    checker.ok("ledger A built: fixtures/founding-case.json, the reversal of entry 2, a payment and its pledge "
               "withdrawn, a disclosed total withdrawn, and an approximate item count whose source has details")
    return db


def build_ledger_c(adl, checker, tmp, root):
    """Every ad-library sample of fixtures/, each imported with its own
    --input, and a later download of Google's creative stats: ranges,
    unknown markets, shared regions, superseded figures and disclosed totals
    go through the tools as any entry does. (Without the founding case: the
    tools list an account with no posting in a range, adledger does not.)"""
    db = os.path.join(tmp, "C.db")
    fx = lambda name: os.path.join(root, "fixtures", name)
    imports = [
        ["import", "--input", "meta-api", fx("meta-ad-library-api.jsonl"), "--market", "FR"],
        ["import", "--input", "meta-api", fx("meta-ad-library-api-response.txt"), "--market", "FR"],
        ["import", "--input", "meta-report", fx("meta-ad-library-report.csv"), "--from", "2019-05-05",
         "--to", "2019-05-11", "--market", "FR"],
        ["import", "--input", "meta-report", fx("FacebookAdLibraryReport_2024-06-08_FR_last_7_days_advertisers.csv")],
        ["import", "--input", "google-weekly", fx("google-political-ads-weekly-spend.csv"),
         "--geo", fx("google-political-ads-advertiser-geo-spend.csv")],
        ["import", "--input", "google-creative", fx("google-political-ads-creative-stats.csv")],
        # A later download: two ads' figures superseded, their entries reversed.
        ["import", "--input", "google-creative", os.path.join(root, "tests", "e2e", "data", "adlib",
                                                               "google-creative-later.csv")],
        ["import", "--input", "google-advertiser-geo", fx("google-political-ads-advertiser-geo-spend.csv"),
         "--from", "2018-05-31", "--to", "2019-06-01"],
        ["import", "--input", "google-geo", fx("google-political-ads-geo-spend.csv"),
         "--from", "2018-05-31", "--to", "2019-06-01"],
    ]
    if adl.must(checker, db, ["init"]) is None:
        return None
    for args in imports:
        if adl.must(checker, db, args) is None:
            return None
    checker.ok("ledger C built: every ad-library sample of fixtures/, and a later download of the creative stats")
    return db


# ---------------------------------------------------------------------------
# Comparisons

def journal_lines(path, needles, limit=4):
    """Lines of the export holding every needle, with the transaction header
    above each: the offending journal lines for a failure message."""
    found = []
    header = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if line[:1].isdigit():
                header = (n, line.rstrip("\n"))
            if all(x in line for x in needles):
                shown = f"line {n}: {line.rstrip()[:200]!r}"
                if header and header[0] != n:
                    shown = f"line {header[0]}: {header[1][:160]!r} ... " + shown
                found.append(shown)
                if len(found) >= limit:
                    break
    return found


def compare_balances(label, want, want_accounts, got, got_accounts, to_tool, journal):
    """Problems, each naming the account, currency, expected and printed
    values and the journal lines of that account."""
    problems = []
    want_nz = {(to_tool(a), c): v for (a, c), v in nonzero(want).items()}
    got_nz = nonzero(got)
    for key in sorted(set(want_nz) | set(got_nz)):
        w, g = want_nz.get(key), got_nz.get(key)
        if w != g:
            lines = journal_lines(journal, [key[0], key[1]], 2)
            problems.append(f"{label}: {key[0]} {key[1]}: adledger balance {fmt(w) if w is not None else 'none'}, "
                            f"the tool prints {fmt(g) if g is not None else 'none'}"
                            + (f"; journal: {' | '.join(lines)}" if lines else "; no journal line has it"))
    mapped = {to_tool(a) for a in want_accounts}
    if got_accounts is not None:
        for a in sorted(mapped - got_accounts)[:5]:
            problems.append(f"{label}: account {a} is in adledger balance but not in the tool's")
        for a in sorted(got_accounts - mapped)[:5]:
            problems.append(f"{label}: the tool shows account {a}, which adledger balance has not")
    return problems


def compare_postings(label, want, got, to_tool, journal):
    want = collections.Counter({(d, to_tool(a), c, v): n for (d, a, c, v), n in want.items()})
    missing, extra = want - got, got - want
    problems = []
    for (d, a, c, v), n in sorted(missing.items())[:4]:
        lines = journal_lines(journal, [a, fmt(abs(v))], 2)
        problems.append(f"{label}: posting {d} {a} {fmt(v)} {c} (x{n}) is in adledger register but not in the "
                        f"tool's" + (f"; journal: {' | '.join(lines)}" if lines else ""))
    for (d, a, c, v), n in sorted(extra.items())[:4]:
        lines = journal_lines(journal, [a, fmt(abs(v))], 2)
        problems.append(f"{label}: the tool has posting {d} {a} {fmt(v)} {c} (x{n}), adledger register has not"
                        + (f"; journal: {' | '.join(lines)}" if lines else ""))
    if missing or extra:
        problems.append(f"{label}: {sum(missing.values())} postings missing and {sum(extra.values())} extra in all")
    return problems


def bean_mapping(journal, accounts, posted):
    """adledger account -> beancount account, and problems. `accounts` are
    all the ledger's accounts, `posted` those the export must open.

    An open directive whose metadata holds a string equal to an adledger
    account name maps it; otherwise the plan's mapping (capitalise each
    segment, '_' -> '-') applies, which merges ids that differ only by '_'
    and '-' (acme_media, acme-media): for those, the metadata is required."""
    problems = []
    opens = bean_open_names(journal)
    by_meta = {}
    for bean, values in opens.items():
        for v in values:
            if v in accounts:
                by_meta[v] = bean
    default = collections.defaultdict(list)
    for a in accounts:
        default[bean_default(a)].append(a)
    mapping = {a: by_meta.get(a, bean_default(a)) for a in accounts}
    merged = sorted({tuple(sorted(group)) for group in default.values()
                     if len(group) > 1 and any(a not in by_meta for a in group)})
    for group in merged[:3]:
        problems.append(f"beancount: adledger accounts {' and '.join(group)} are one account, "
                        f"{bean_default(group[0])}, under the plan's mapping (capitalise each segment, '_' -> '-'), "
                        f"and no open directive says which is which: the export must keep them apart and name "
                        f"the adledger account in each open directive's metadata "
                        f"(e.g. `adledger-account: \"{group[0]}\"`)")
    if len(merged) > 3:
        problems.append(f"beancount: {len(merged)} such groups of accounts in all")
    for bean, n in collections.Counter(by_meta.values()).items():
        if n > 1:
            problems.append(f"beancount: open {bean} names {n} adledger accounts in its metadata")
    missing = sorted({mapping[a] for a in posted} - set(opens))
    if missing:
        problems.append(f"beancount: no open directive for {len(missing)} accounts, e.g. {missing[:3]} (names "
                        f"mapped by capitalising each segment and '_' -> '-'; an export that maps names otherwise "
                        f"should put the adledger name in the open directive's metadata, e.g. "
                        f"`adledger-account: \"expenses:ads:acme_media:twitter\"`)")
    return mapping, problems


def check_tool(checker, adl, tool, label, journal, db, want, want_accounts, want_postings, env, all_accounts,
               tool_range=None):
    """Runs one tool on one export; compares balance, register, and the
    balance over the tool's own date filter."""
    name = f"{label}: {tool} accepts the export and prints adledger's balance for every account and currency"
    to_tool = lambda a: a  # noqa: E731
    problems = []
    kw = {}
    if tool == "beancount":
        problems += bean_check(journal, env)
        mapping, mp = bean_mapping(journal, all_accounts, want_accounts)
        if problems:
            checker.fail(name, "\n    ".join([problems[0][:1500]] + mp[:4] + [first_lines(journal)]))
            return
        problems += mp
        to_tool = lambda a: mapping.get(a, bean_default(a))  # noqa: E731
        kw["loaded"] = bean_load(journal)
    balance_fn = {"ledger": ledger_balance, "hledger": hledger_balance, "beancount": bean_balance}[tool]
    register_fn = {"ledger": ledger_register, "hledger": hledger_register, "beancount": bean_register}[tool]
    got, shown, p = balance_fn(journal, env, **kw)
    problems += p
    if got is None:
        # The tool refused the file: the register and date-filter checks would only say so again.
        checker.fail(name, "\n    ".join(problems[:12]) + "\n    (so this export's register and date-filter "
                     "checks were not run)")
        return
    problems += compare_balances(f"{tool} balance", want, want_accounts, got, shown, to_tool, journal)
    checker.check(name, not problems, "\n    ".join(problems[:12]))
    if want_postings is not None:
        name = f"{label}: {tool} register has adledger's postings (date, account, amount)"
        got_p, p = register_fn(journal, env, **kw)
        problems = p or compare_postings(f"{tool} register", want_postings, got_p, to_tool, journal)
        checker.check(name, not problems, "\n    ".join(problems[:10]))
    if tool_range:
        begin, end, rwant, raccounts = tool_range
        name = (f"{label}: {tool}'s own date filter {begin}..{end} on the full export gives adledger balance "
                f"--from {begin} --to {end}")
        got, shown, p = balance_fn(journal, env, begin, end, **kw)
        problems = p or compare_balances(f"{tool} balance {begin}..{end}", rwant, raccounts, got, shown, to_tool,
                                         journal)
        checker.check(name, not problems, "\n    ".join(problems[:12]))


def first_lines(path, n=6):
    with open(path, encoding="utf-8", errors="replace") as f:
        head = [next(f, "").rstrip("\n") for _ in range(n)]
    return "the export begins: " + " | ".join(repr(h[:120]) for h in head if h)


def json_difference(a, b, where="$"):
    if type(a) is not type(b):
        return f"{where}: {json.dumps(a, ensure_ascii=False)[:200]} vs {json.dumps(b, ensure_ascii=False)[:200]}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}.{k}: present in {'the original' if k in a else 'the round trip'} only"
            d = json_difference(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = json_difference(x, y, f"{where}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            return f"{where}: {len(a)} items vs {len(b)}"
        return None
    if a != b:
        return f"{where}: {json.dumps(a, ensure_ascii=False)[:200]} vs {json.dumps(b, ensure_ascii=False)[:200]}"
    return None


def check_round_trip(checker, adl, label, db, tmp):
    jsonl = os.path.join(tmp, f"{label}-export.jsonl")
    err = adl.export(db, "jsonl", jsonl)
    if not checker.check(f"{label}: export --format jsonl", err is None, err):
        return
    bad = []
    with open(jsonl, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict) or "type" not in rec:
                    bad.append(f"line {n}: no \"type\"")
            except ValueError as e:
                bad.append(f"line {n}: {e}")
    checker.check(f"{label}: every jsonl line is a JSON object with a type", not bad, "; ".join(bad[:3]))
    fresh = os.path.join(tmp, f"{label}-roundtrip.db")
    if adl.must(checker, fresh, ["init"]) is None:
        return
    r = adl.run(fresh, ["import", jsonl])
    if not checker.check(f"{label}: the jsonl export imports into an empty ledger", r.returncode == 0,
                         f"exit {r.returncode}: {r.stderr.decode('utf-8', 'replace').strip()[:800]}"):
        return
    # balance --by gets a column per period from the first posting to the last, whatever the range
    # holds: ledger B spans 1400 to 9999, 103,000 months, which takes adledger past 17 GB. So a range.
    commands = [["balance"], ["balance", "--by", "month", "--from", "2015-12-01", "--to", "2017-01-31"],
                ["balance", "--by", "week", "--from", "2015-12-21", "--to", "2016-01-17"],
                ["balance", "--depth", "2"], ["register"],
                ["report", "policies"], ["report", "pledges"], ["platform", "list"], ["advertiser", "list"]]
    advertisers = adl.json(checker, db, ["advertiser", "list"]) or []
    platforms = adl.json(checker, db, ["platform", "list"]) or []
    commands += [["report", "advertiser", a["id"], "--by", "quarter"] for a in advertisers]
    commands += [["report", "platform", p["id"], "--by", "week"] for p in platforms]
    differing = []
    for words in commands:
        a = adl.json(checker, db, words)
        b = adl.json(checker, fresh, words)
        if a is None or b is None:
            differing.append(f"{' '.join(words)}: no JSON")
            continue
        d = json_difference(a, b)
        if d:
            differing.append(f"{' '.join(words)}: first difference at {d}")
    checker.check(f"{label}: round trip: {len(commands)} outputs (balance, register, every report advertiser "
                  f"and platform, policies, pledges, lists) print the same JSON", not differing,
                  "\n    ".join(differing[:10]))
    r = adl.run(fresh, ["verify"])
    checker.check(f"{label}: round trip: the reimported ledger passes verify", r.returncode == 0,
                  r.stdout.decode("utf-8", "replace")[-800:])
    again = os.path.join(tmp, f"{label}-export-again.jsonl")
    err = adl.export(fresh, "jsonl", again)
    if err is None:
        with open(jsonl, "rb") as f1, open(again, "rb") as f2:
            l1, l2 = f1.read().split(b"\n"), f2.read().split(b"\n")
        diff = next((i for i, (x, y) in enumerate(zip(l1, l2)) if x != y), None)
        if diff is None and len(l1) != len(l2):
            diff = min(len(l1), len(l2))
        checker.check(f"{label}: round trip: the reimported ledger exports the same jsonl, byte for byte",
                      diff is None,
                      f"line {diff + 1 if diff is not None else 0}: {l1[diff][:300]!r} vs {l2[diff][:300]!r}"
                      if diff is not None and diff < min(len(l1), len(l2)) else f"{len(l1)} vs {len(l2)} lines")
    else:
        checker.fail(f"{label}: round trip: export of the reimported ledger", err)
    h1 = adl.json(checker, db, ["head"])
    h2 = adl.json(checker, fresh, ["head"])
    if h1 and h2:
        if (h1["records"], h1["head"]) == (h2["records"], h2["head"]):
            checker.note(f"{label}: the reimported ledger has the very same head ({h1['records']} records, "
                         f"{h1['head']})")
        else:
            checker.note(f"{label}: heads differ after the round trip: original {h1['records']} records "
                         f"{h1['head']}, reimported {h2['records']} records {h2['head']} (the log records "
                         f"what was imported, so this may be legitimate; the reports above are what must agree)")
    # Importing the export into the ledger it came from records nothing.
    before = h1
    r = adl.run(db, ["import", jsonl])
    after = adl.json(checker, db, ["head"])
    checker.check(f"{label}: importing the jsonl export into its own ledger changes nothing",
                  r.returncode == 0 and before == after,
                  f"exit {r.returncode}: {r.stderr.decode('utf-8', 'replace').strip()[:400]}; "
                  f"head {before} -> {after}")


def check_csv(checker, adl, label, db, tmp, want, rng_args=(), rng_label=""):
    path = os.path.join(tmp, f"{label}-export{'-range' if rng_args else ''}.csv")
    err = adl.export(db, "csv", path, rng_args)
    name = f"{label}: export --format csv{rng_label} is CSV whose amounts sum to the balance per account"
    if err:
        checker.fail(name, err)
        return
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, strict=True))
    if not rows:
        checker.fail(name, "no rows")
        return
    header = [h.strip().lower() for h in rows[0]]
    problems = []
    for col in ("account", "amount"):
        if col not in header:
            problems.append(f"header {rows[0]!r} has no {col!r} column")
    if problems:
        checker.fail(name, "; ".join(problems))
        return
    ia, iam = header.index("account"), header.index("amount")
    ic = header.index("currency") if "currency" in header else None
    sums = collections.defaultdict(Decimal)
    for n, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            problems.append(f"row {n} has {len(row)} fields, the header {len(header)}: {row[:6]!r}")
            continue
        try:
            if ic is not None:
                value, cur = parse_number(row[iam]), row[ic]
            else:
                value, cur = parse_amount(row[iam])
        except ValueError as e:
            problems.append(f"row {n}: {e}")
            continue
        sums[(row[ia], cur)] += value
    if not problems:
        w, g = nonzero(want), nonzero(dict(sums))
        for key in sorted(set(w) | set(g))[:1000]:
            if w.get(key) != g.get(key):
                problems.append(f"{key[0]} {key[1]}: adledger balance {w.get(key)}, CSV sums to {g.get(key)}")
    checker.check(name, not problems, "\n    ".join(problems[:8]))


def check_ledger(checker, adl, label, db, tmp, env, from_to, tool_range):
    want, want_accounts = expected_balance(adl, checker, db)
    want_postings = expected_register(adl, checker, db)
    if want is None:
        return
    begin, end = from_to
    rwant, raccounts = expected_balance(adl, checker, db, begin, end)
    tbegin, tend = tool_range
    twant, taccounts = expected_balance(adl, checker, db, tbegin, tend)
    for tool in TOOLS:
        journal = os.path.join(tmp, f"{label}.{tool}")
        t0 = time.monotonic()
        err = adl.export(db, tool, journal)
        if not checker.check(f"{label}: export --format {tool}", err is None, err):
            continue
        check_tool(checker, adl, tool, label, journal, db, want, want_accounts, want_postings, env,
                   want_accounts, (tbegin, tend, twant, taccounts))
        ranged = os.path.join(tmp, f"{label}-range.{tool}")
        err = adl.export(db, tool, ranged, ["--from", begin, "--to", end])
        rlabel = f"{label} export --from {begin} --to {end}"
        if checker.check(f"{rlabel}: export --format {tool}", err is None, err):
            check_tool(checker, adl, tool, rlabel, ranged, db, rwant, raccounts, None, env, want_accounts)
        print(f"     ({label}, {tool}: {time.monotonic() - t0:.1f} s)", flush=True)
    check_csv(checker, adl, label, db, tmp, want)
    check_csv(checker, adl, label, db, tmp, rwant, ["--from", begin, "--to", end], f" --from {begin} --to {end}")
    check_round_trip(checker, adl, label, db, tmp)


def tools_present(checker):
    missing = [t for t in ("ledger", "hledger", "bean-check") if shutil.which(t) is None]
    if importlib.util.find_spec("beancount") is None:
        missing.append(f"beancount's Python package (for {sys.executable})")
    return checker.check("ledger, hledger and beancount are installed", not missing,
                         f"missing {', '.join(missing)}: {INSTALL}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--adledger", help="the adledger binary")
    ap.add_argument("--root", help="the repository root (for fixtures/)")
    ap.add_argument("--entries", type=int, default=10000, help="spend entries in the generated ledger (>= 10000)")
    ap.add_argument("--self-test", action="store_true", help="only check the tool-output parsers")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    args = ap.parse_args()
    if not args.self_test and not (args.adledger and args.root):
        ap.error("--adledger and --root are required (or --self-test)")
    started = time.monotonic()
    checker = Checker()
    tmp = tempfile.mkdtemp(prefix="adledger-exports-")
    try:
        env = tool_env(tmp)
        if not tools_present(checker):
            return finish(checker, started)
        for tool, cmd in (("ledger", ["ledger", "--version"]), ("hledger", ["hledger", "--version"]),
                          ("beancount", ["bean-check", "--version"])):
            r = subprocess.run(cmd, capture_output=True, text=True, env=env)
            print(f"     {tool}: {(r.stdout or r.stderr).splitlines()[0] if (r.stdout or r.stderr) else '?'}")
        self_test(checker, tmp, env)
        if args.self_test:
            return finish(checker, started)
        adl = Adledger(os.path.abspath(args.adledger), tmp)
        r = adl.run(os.path.join(tmp, "none.db"), ["export", "--help"])
        if not checker.check("adledger has an export command", r.returncode == 0,
                             f"`adledger export --help` exits {r.returncode}: "
                             f"{r.stderr.decode('utf-8', 'replace').strip()[:300]}"):
            return finish(checker, started)
        a = build_ledger_a(adl, checker, tmp, os.path.abspath(args.root))
        if a:
            check_ledger(checker, adl, "A", a, tmp, env, ("2016-01-01", "2017-10-26"), ("2015-06-01", "2016-01-01"))
        c = build_ledger_c(adl, checker, tmp, os.path.abspath(args.root))
        if c:
            check_ledger(checker, adl, "C", c, tmp, env, ("2018-01-01", "2024-12-31"), ("2018-01-01", "2025-01-01"))
        b = build_ledger_b(adl, checker, tmp, max(args.entries, 10000))
        if b:
            check_ledger(checker, adl, "B", b, tmp, env, ("2015-12-28", "2020-12-27"), ("2014-12-29", "2019-12-30"))
        return finish(checker, started)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def finish(checker, started):
    print(f"check_exports: {checker.passed} passed, {checker.failed} failed, {len(checker.notes)} notes "
          f"({time.monotonic() - started:.1f} s)")
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main())
