#!/usr/bin/python3
"""Compares adledger's reports with a direct computation over the journal.

  check_fast_paths.py --adledger PATH_TO_BINARY --root REPO_ROOT
                      [--entries N] [--seed S] [--keep]

Whatever makes the reports fast (summary tables, indexes, streaming)
must keep every report identical to the slow path. This script builds a
generated ledger, recomputes the figures itself, in Python, straight from the
SQLite file's journal (the views journal_txn, posting, spend and spend_tag of
schema version 7, and the tables spend_reversal, pledge, disbursement,
policy_action, policy_action_advertiser, policy_withdrawal, disclosed_total;
opened read-only), and compares them exactly, in integer minor units, with
what adledger prints as JSON. The file keeps no transaction descriptions:
they are derived here from each record, as ledger/journal/postings.cpp does.

1. Ledger: tests/bench/generate.py --entries N (seeded; default 12,000, so
   that the whole run stays well under a minute on a Debug build, where
   import and verify each take about a millisecond per entry), then
   by command: spend in JPY (0 decimals) and KWD (3) beside the generator's
   USD and EUR; ranges with and without an upper bound and from zero (a
   transaction without postings); reversals (of an exact entry, of a range,
   of the zero range); pledges in USD, EUR and JPY, one without a basis,
   with partial and full disbursements; disclosed totals; bans, lifts and
   withdrawals that exercise every clause of the ban rule (abutting and
   overlapping bans, a lift before and after an end date, a lift naming no
   ban, a lift on the effective day, a withdrawn ban and a withdrawn lift).
   So every kind of journal transaction is present: spend, its reversal,
   pledge, disbursement, and a spend transaction of no postings.
2. balance --format json: every (account, currency) row and every total row,
   whole journal and with --by month/quarter/year/week, --from/--to cutting
   months, --depth 1/2/3, an account regex, --advertiser, --platform and
   combinations. Rows, columns and totals are compared one by one, all of
   them: the balance, every period cell, and the row order. (--by over the
   whole journal is asked for where the columns are few, or with --depth:
   its JSON has an amount per account and column.)
3. register --advertiser / --platform / ACCOUNT: every posting line (txn,
   date, kind, description, account, amount) and its running balance.
4. report advertiser (and one report platform) --format json, with and
   without --by and --from/--to: totals, periods, by_tag, by_market and
   by_precision recomputed from the spend entries (reversed ones left out;
   exact, approximate, estimated and range kept apart; the documented
   two-step largest-remainder split by days), with items, items_complete,
   pro_rata, entries and upper bounds; the period rows must sum to the
   totals; entries, violations, ban status, pledges and disclosed totals.
5. ban-status --format json for several hundred (advertiser, platform, day)
   triples, the days before, on and after every ban, end and lift of the
   sampled pairs included, against an independent implementation of the
   ban rule of ledger/policy/bans.hpp; the exit status too (1 = banned).
6. adledger verify passes, and the reads left the journal as it was.
7. Sensitivity: with the expectations perturbed (one spend entry and its
   postings one minor unit larger, one ban a day later), balance, register,
   report advertiser and ban-status must report mismatches, and the
   comparisons that do not cover them must still agree; so a comparison
   that silently compares nothing fails here.

Each mismatch prints the command, the key, the expected and the printed
value. Ends with "check_fast_paths: N passed, M failed"; exits 1 if any check
failed.
"""

import argparse
import collections
import copy
import datetime
import functools
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from decimal import Decimal

NOW = "2026-11-22T12:00:00.000Z"
TODAY = "2024-06-15"
SOURCE = "check_fast_paths.py"
PRECISIONS = ("exact", "approximate", "estimated", "range")  # adledger's order
MIN_DAY = datetime.date(1400, 1, 1)
MAX_DAY = datetime.date(9999, 12, 31)
ONE_DAY = datetime.timedelta(days=1)
# Decimal places of the currencies this test records (docs/formats.md, "Currencies").
DECIMALS = {"JPY": 0, "KWD": 3}
MAX_SHOWN = 25  # mismatches printed per command; the rest are counted

D = datetime.date.fromisoformat


def decimals(currency):
    return DECIMALS.get(currency, 2)


def money_text(minor, currency):
    """Minor units as adledger's JSON `amount` writes them: '-1234.50'."""
    places = decimals(currency)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor))
    if places == 0:
        return sign + digits
    digits = digits.rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


# ---------------------------------------------------------------------------
# Reporting

class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1
        print(f"PASS {name}", flush=True)

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL {name}: {why}", flush=True)


class Diff:
    """Mismatches of one command: each is (key, expected, got)."""

    def __init__(self, command):
        self.command = command
        self.items = []
        self.compared = 0  # values compared, so that a PASS that compared nothing shows

    def add(self, key, expected, got):
        self.items.append((key, expected, got))

    def eq(self, key, expected, got):
        self.compared += 1
        if expected != got:
            self.add(key, expected, got)

    def amount(self, key, currency, minor, got):
        """An amount object {amount, currency, minor} against minor units."""
        self.compared += 1
        if not isinstance(got, dict):
            self.add(key, f"{money_text(minor, currency)} {currency} ({minor} minor)", got)
            return
        want = {"amount": money_text(minor, currency), "currency": currency, "minor": minor}
        gmin = got.get("minor")
        if (got.get("currency") != currency or type(gmin) is not int or gmin != minor
                or got.get("amount") != want["amount"]):
            self.add(key, want, got)
            return
        # The decimal string and the integer must say the same, exactly.
        if Decimal(got["amount"]).scaleb(decimals(currency)) != Decimal(gmin):
            self.add(key + " (amount vs minor)", want, got)

    def period(self, key, first, last, got):
        self.compared += 1
        if not isinstance(got, dict) or got.get("first") != first.isoformat() or got.get("last") != last.isoformat():
            self.add(key, f"{first}..{last}", got)

    def done(self, checker, name=None):
        name = name or self.command
        if not self.items:
            checker.ok(f"{name} ({self.compared} values)")
            return True
        lines = [f"{len(self.items)} mismatch(es) in `{self.command}`"]
        for key, expected, got in self.items[:MAX_SHOWN]:
            lines.append(f"    {key}: expected {short(expected)}, got {short(got)}")
        if len(self.items) > MAX_SHOWN:
            lines.append(f"    ... and {len(self.items) - MAX_SHOWN} more")
        checker.fail(name, "\n".join(lines))
        return False


def short(value, limit=400):
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------------------
# Running adledger

class Adledger:
    def __init__(self, binary, db, env, cwd):
        self.binary = binary
        self.db = db
        self.env = env
        self.cwd = cwd
        self.calls = 0
        self.seconds = 0.0
        self.slowest = []

    def run(self, *words, db=None, ok=(0,)):
        cmd = [self.binary, "--db", db or self.db, *words]
        start = time.monotonic()
        r = subprocess.run(cmd, env=self.env, cwd=self.cwd, capture_output=True, text=True, timeout=600)
        took = time.monotonic() - start
        self.seconds += took
        self.slowest.append((took, " ".join(words)))
        self.calls += 1
        if ok is not None and r.returncode not in ok:
            raise RuntimeError(f"`adledger {' '.join(words)}` exits {r.returncode}: {r.stderr.strip()[:800]}")
        return r

    def json(self, *words, db=None, ok=(0,)):
        r = self.run("--format", "json", *words, db=db, ok=ok)
        try:
            return json.loads(r.stdout), r.returncode
        except json.JSONDecodeError as e:
            raise RuntimeError(f"`adledger --format json {' '.join(words)}` printed no JSON ({e}): {r.stdout[:300]}")


# ---------------------------------------------------------------------------
# The journal, read straight from the SQLite file

class Journal:
    def __init__(self, path):
        uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
        con = sqlite3.connect(uri, uri=True)
        try:
            self._load(con)
        finally:
            con.close()

    def _load(self, con):
        q = con.execute
        self.reversal = {}  # spend id -> {txn, reason, source, source_details}
        for entry, tid, reason, source, url, accessed, quote in q(
                "SELECT entry_id, txn_id, reason, source, source_url, source_accessed, source_quote"
                " FROM spend_reversal"):
            self.reversal[entry] = {"txn": tid, "reason": reason, "source": source,
                                    "source_details": source_details(url, accessed, quote)}
        tags = collections.defaultdict(list)
        for sid, tag in q("SELECT spend_id, tag FROM spend_tag"):
            tags[sid].append(tag)
        self.spend = []
        for row in q("SELECT id, txn_id, advertiser_id, platform_id, amount_minor, currency, period_first,"
                     " period_last, items, market, precision, upper_minor, external_id FROM spend"):
            (sid, tid, adv, plat, minor, cur, first, last, items, market, precision, upper, ext) = row
            self.spend.append({
                "id": sid, "txn": tid, "advertiser": adv, "platform": plat, "minor": minor, "currency": cur,
                "first": D(first), "last": D(last), "items": items, "market": market, "precision": precision,
                "upper": upper, "external_id": ext, "tags": sorted(tags[sid]), "reversal": self.reversal.get(sid)})
        self.spend.sort(key=lambda e: (e["first"], e["id"]))

        self.pledges = []
        for row in q("SELECT id, txn_id, platform_id, amount_minor, currency, date, basis_advertiser_id,"
                     " basis_first, basis_last FROM pledge"):
            pid, tid, plat, minor, cur, day, basis, bfirst, blast = row
            self.pledges.append({"id": pid, "txn": tid, "platform": plat, "minor": minor, "currency": cur,
                                 "date": D(day), "basis": basis, "basis_first": bfirst and D(bfirst),
                                 "basis_last": blast and D(blast), "disbursements": []})
        self.pledges.sort(key=lambda p: (p["date"], p["id"]))
        by_id = {p["id"]: p for p in self.pledges}
        for did, tid, pid, minor, day in q("SELECT id, txn_id, pledge_id, amount_minor, date FROM disbursement"):
            by_id[pid]["disbursements"].append({"id": did, "txn": tid, "minor": minor, "date": D(day)})
        for p in self.pledges:
            p["disbursements"].sort(key=lambda d: (d["date"], d["id"]))

        # Schema version 7 stores no descriptions: each transaction's is
        # derived from its record, as ledger/journal/postings.cpp words it.
        described = {}
        for e in self.spend:
            described[e["txn"]] = (f"spend {e['advertiser']} on {e['platform']} "
                                   f"{period_text(e['first'], e['last'])}")
            if e["reversal"]:
                described[e["reversal"]["txn"]] = f"reversal of spend #{e['id']}: {e['reversal']['reason']}"
        for p in self.pledges:
            described[p["txn"]] = f"pledge {p['id']} by {p['platform']}"
            for d in p["disbursements"]:
                described[d["txn"]] = f"disbursement {d['id']} of pledge {p['id']}"
        self.txns = []  # (date, id, kind, description), in journal order
        for tid, day, kind in q("SELECT id, date, kind FROM journal_txn"):
            if tid not in described:
                raise RuntimeError(f"journal_txn {tid} ({day}, {kind}) belongs to no spend entry, reversal, "
                                   f"pledge or disbursement")
            self.txns.append((D(day), tid, kind, described[tid]))
        self.txns.sort()
        if len(self.txns) != len(described):
            missing = sorted(set(described) - {t[1] for t in self.txns})
            raise RuntimeError(f"{len(missing)} record(s) have no journal_txn row, such as txn {missing[:5]}")
        # Line 0 debits, line 1 credits: line order is posting order.
        self.postings = collections.defaultdict(list)  # txn id -> [(account, currency, minor)], posting order
        for tid, _line, account, currency, minor in q(
                "SELECT txn_id, line, account, currency, amount_minor FROM posting ORDER BY txn_id, line"):
            self.postings[tid].append((account, currency, minor))

        withdrawn = {a for (a,) in q("SELECT action_id FROM policy_withdrawal")}
        named = collections.defaultdict(set)
        for aid, adv in q("SELECT action_id, advertiser_id FROM policy_action_advertiser"):
            named[aid].add(adv)
        self.actions = []
        for aid, kind, plat, day, end, lifts, desc, source, url, accessed, quote in q(
                "SELECT id, kind, platform_id, date, end_date, lifts_action_id, description, source,"
                " source_url, source_accessed, source_quote FROM policy_action"):
            self.actions.append({"id": aid, "kind": kind, "platform": plat, "date": D(day),
                                 "end": end and D(end), "lifts": lifts, "description": desc, "source": source,
                                 "source_details": source_details(url, accessed, quote),
                                 "advertisers": named[aid], "withdrawn": aid in withdrawn})
        self.actions.sort(key=lambda a: (a["date"], a["id"]))

        self.disclosed = []
        for row in q("SELECT id, platform_id, advertiser_id, amount_minor, currency, period_first, period_last"
                     " FROM disclosed_total"):
            did, plat, adv, minor, cur, first, last = row
            self.disclosed.append({"id": did, "platform": plat, "advertiser": adv, "minor": minor,
                                   "currency": cur, "first": D(first), "last": D(last)})
        self.disclosed.sort(key=lambda d: (d["platform"], d["advertiser"], d["first"], d["id"]))
        self.platforms = sorted(p for (p,) in q("SELECT id FROM platform"))
        self.advertisers = sorted(a for (a,) in q("SELECT id FROM advertiser"))
        self._spans = {}

    # -- the journal's transactions a filter keeps (docs/commands.md, register) -------

    def transactions_of(self, advertiser, platform):
        if advertiser is None and platform is None:
            return None
        keep = set()
        for e in self.spend:
            if (advertiser is None or e["advertiser"] == advertiser) and (platform is None or e["platform"] == platform):
                keep.add(e["txn"])
                if e["reversal"]:
                    keep.add(e["reversal"]["txn"])
        for p in self.pledges:
            if (platform is None or p["platform"] == platform) and (advertiser is None or p["basis"] == advertiser):
                keep.add(p["txn"])
                keep.update(d["txn"] for d in p["disbursements"])
        return keep

    def lines(self, account=None, advertiser=None, platform=None, start=None, end=None):
        """The postings kept, in journal order: (date, txn, kind, description, account, currency, minor)."""
        keep = self.transactions_of(advertiser, platform)
        pattern = re.compile(account, re.IGNORECASE) if account else None
        for day, tid, kind, desc in self.txns:
            if (start and day < start) or (end and day > end) or (keep is not None and tid not in keep):
                continue
            for acct, cur, minor in self.postings.get(tid, ()):
                if pattern is None or pattern.search(acct):
                    yield day, tid, kind, desc, acct, cur, minor

    # -- the ban rule (ledger/policy/bans.hpp, docs/audit.md, "The ban rule") -------

    def spans(self, advertiser, platform):
        """(ban, first, end, lifted_by) of every ban naming the advertiser on the platform, by effective date."""
        key = (advertiser, platform)
        if key not in self._spans:
            mine = [a for a in self.actions if a["platform"] == platform and advertiser in a["advertisers"]
                    and not a["withdrawn"]]
            out = []
            for ban in (a for a in mine if a["kind"] == "ad_ban"):
                end, lifted = ban["end"], None
                for lift in (a for a in mine if a["kind"] == "ban_lift"):
                    if lift["lifts"] not in (None, ban["id"]) or lift["date"] < ban["date"]:
                        continue
                    if end is None or lift["date"] < end:
                        end, lifted = lift["date"], lift
                out.append((ban, ban["date"], end, lifted))
            out.sort(key=lambda s: (s[1], s[0]["id"]))
            self._spans[key] = out
        return self._spans[key]

    def ban_status(self, advertiser, platform, day):
        """None, or (ban, until, lifted_by) as ban-status reports them."""
        spans = self.spans(advertiser, platform)

        def covering(d):
            return [s for s in spans if s[1] <= d and (s[2] is None or d < s[2])]

        here = covering(day)
        if not here:
            return None
        # until: the first day from `day` on that no ban covers (none if the
        # bans never end); computed over the union of the spans.
        until = day
        while True:
            cover = covering(until)
            if not cover:
                break
            if any(s[2] is None for s in cover):
                until = None
                break
            until = max(s[2] for s in cover)
        # lifted_by: the lift that ends the last ban of the chain, following
        # from the ban in force the earliest ban covering each end.
        last = here[0]
        while last[2] is not None:
            nxt = covering(last[2])
            if not nxt:
                break
            last = nxt[0]
        if last[2] != until:
            raise AssertionError(f"ban rule: chain ends {last[2]}, union ends {until} ({advertiser}, {platform}, {day})")
        return here[0][0], until, last[3]


# ---------------------------------------------------------------------------
# Expected figures

def largest_remainder(total, weights):
    """The documented split: floors, then one unit each to the largest remainders (ties: earlier part)."""
    wsum = sum(weights)
    parts = [total * w // wsum for w in weights]
    rema = [total * w % wsum for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -rema[i])  # sorted() is stable
    for i in order[:total - sum(parts)]:
        parts[i] += 1
    return parts


@functools.lru_cache(maxsize=None)
def bucket(day, by):
    if by == "year":
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    if by == "quarter":
        m = (day.month - 1) // 3 * 3 + 1
        return datetime.date(day.year, m, 1), month_end(day.year, m + 2)
    if by == "month":
        return datetime.date(day.year, day.month, 1), month_end(day.year, day.month)
    if by == "week":
        monday = day - datetime.timedelta(days=day.weekday())
        return monday, monday + datetime.timedelta(days=6)
    raise ValueError(by)


def month_end(year, month):
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - ONE_DAY


def period_text(first, last):
    """A period as Period::to_string (ledger/time/period.cpp) writes it: 2016-10-26, 2016-W05, 2016,
    2016-10, 2016-Q4, else 2016-01-01..2016-06-30."""
    if first == last:
        return first.isoformat()
    if days(first, last) == 7 and first.weekday() == 0:
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    if first.day == 1 and last == month_end(last.year, last.month) and first.year == last.year:
        m1, m2 = first.month, last.month
        if (m1, m2) == (1, 12):
            return f"{first.year:04d}"
        if m1 == m2:
            return first.isoformat()[:7]
        if (m1 - 1) % 3 == 0 and m2 == m1 + 2:
            return f"{first.year:04d}-Q{(m1 - 1) // 3 + 1}"
    return f"{first.isoformat()}..{last.isoformat()}"


def days(first, last):
    return (last - first).days + 1


def split(first, last, minor, items, by, rng):
    """[(part_first, part_last, minor, items)]: the entry's share of `rng`, split over the buckets of `by`."""
    lo, hi, amount, count = first, last, minor, items
    if rng:
        if rng[1] < first or last < rng[0]:
            return []
        lo, hi = max(first, rng[0]), min(last, rng[1])
        if (lo, hi) != (first, last):
            weights = [(lo - first).days, days(lo, hi), (last - hi).days]
            amount = largest_remainder(minor, weights)[1]
            count = largest_remainder(items, weights)[1]
    parts = []
    day = lo
    while day <= hi:
        end = min(hi, bucket(day, by)[1]) if by else hi
        parts.append((day, end))
        day = end + ONE_DAY
    weights = [days(a, b) for a, b in parts]
    amounts = largest_remainder(amount, weights)
    counts = largest_remainder(count, weights)
    return [(a, b, m, c) for (a, b), m, c in zip(parts, amounts, counts)]


class Figure:
    def __init__(self, currency, precision):
        self.currency = currency
        self.precision = precision
        self.minor = 0
        self.items = 0
        self.items_complete = True
        self.pro_rata = False
        self.entries = []
        self.upper = 0
        self.upper_open = False

    def add(self, e, minor, items, pro_rata, upper, upper_open):
        self.minor += minor
        self.items += items
        self.items_complete = self.items_complete and e["items"] is not None
        self.pro_rata = self.pro_rata or pro_rata
        if not self.entries or self.entries[-1] != e["id"]:
            self.entries.append(e["id"])
        if e["precision"] == "range":
            self.upper += upper
            self.upper_open = self.upper_open or upper_open


def roll_up(entries, group_key, by, rng):
    """adledger's five tables of spend, keyed as adledger orders them."""
    tables = {name: {} for name in ("totals", "periods", "by_tag", "by_market", "by_precision")}

    def put(table, key, e, minor, items, pro_rata, upper, upper_open):
        fig = tables[table].get(key)
        if fig is None:
            fig = tables[table][key] = Figure(e["currency"], e["precision"])
        fig.add(e, minor, items, pro_rata, upper, upper_open)

    for e in entries:
        if e["reversal"]:
            continue
        shares = split(e["first"], e["last"], e["minor"], e["items"] or 0, by or "year", rng)
        if not shares:
            continue
        ranged = e["precision"] == "range"
        open_ = ranged and e["upper"] is None
        uppers = ([s[2] for s in split(e["first"], e["last"], e["upper"], 0, by or "year", rng)]
                  if ranged and not open_ else [0] * len(shares))
        p = PRECISIONS.index(e["precision"])
        cur = e["currency"]
        group = e[group_key]
        for (a, b, minor, items), up in zip(shares, uppers):
            put("periods", (bucket(a, by or "year")[0], group, cur, p), e, minor, items,
                (a, b) != (e["first"], e["last"]), up, open_)
        minor = sum(s[2] for s in shares)
        items = sum(s[3] for s in shares)
        up = sum(uppers)
        cut = bool(rng) and not (rng[0] <= e["first"] and e["last"] <= rng[1])
        put("totals", (group, cur, p), e, minor, items, cut, up, open_)
        put("by_market", (e["market"], cur, p), e, minor, items, cut, up, open_)
        put("by_precision", (cur, p), e, minor, items, cut, up, open_)
        for tag in e["tags"] or ["(untagged)"]:
            put("by_tag", (tag, cur, p), e, minor, items, cut, up, open_)
    return tables


def compare_figures(diff, table, expected, got, group_field, by):
    """Every row, in adledger's order (by period, group, currency, precision)."""
    if not isinstance(got, list):
        diff.add(table, "a list", got)
        return
    keys = sorted(expected)
    if len(got) != len(keys):
        diff.add(f"{table}: number of rows", len(keys), len(got))
    shown = {}
    for i, row in enumerate(got):
        try:
            k = []
            if table == "periods":
                k.append(D(row["period"]["first"]))
            if group_field:
                k.append(row[group_field])
            k += [row["amount"]["currency"], PRECISIONS.index(row["precision"])]
            shown[tuple(k)] = (i, row)
        except (KeyError, TypeError, ValueError):
            diff.add(f"{table}[{i}]", "a figure", row)
    for pos, key in enumerate(keys):
        name = f"{table}[{'/'.join(str(x) for x in key[:-1])}/{PRECISIONS[key[-1]]}]"
        if key not in shown:
            diff.add(name, "a row", "missing")
            continue
        i, row = shown.pop(key)
        f = expected[key]
        if i != pos:
            diff.add(name + " position", pos, i)
        if table == "periods":
            diff.period(name + ".period", key[0], bucket(key[0], by)[1], row.get("period"))
        diff.amount(name + ".amount", f.currency, f.minor, row.get("amount"))
        diff.eq(name + ".items", f.items, row.get("items"))
        diff.eq(name + ".items_complete", f.items_complete, row.get("items_complete"))
        diff.eq(name + ".pro_rata", f.pro_rata, row.get("pro_rata"))
        diff.eq(name + ".entries", f.entries, row.get("entries"))
        if f.precision == "range":
            if f.upper_open:
                diff.eq(name + ".upper", None, row.get("upper", "absent"))
            else:
                diff.amount(name + ".upper", f.currency, f.upper, row.get("upper"))
        elif "upper" in row:
            diff.add(name + ".upper", "absent (not a range)", row["upper"])
    for key, (i, row) in shown.items():
        diff.add(f"{table}[{i}]", "no such row", row)


# ---------------------------------------------------------------------------
# The comparisons

def expect_balance(j, account=None, advertiser=None, platform=None, start=None, end=None, by=None, depth=None):
    posted = []
    for day, _tid, _kind, _desc, acct, cur, minor in j.lines(account, advertiser, platform, start, end):
        if depth:
            acct = ":".join(acct.split(":")[:depth])
        posted.append((day, acct, cur, minor))
    columns = []
    if by and (posted or (start and end)):
        first = start or min(p[0] for p in posted)
        last = end or max(p[0] for p in posted)
        day = first
        while day <= last:
            b = bucket(day, by)
            columns.append(b)
            if b[1] >= last:
                break
            day = b[1] + ONE_DAY
    index = {b[0]: i for i, b in enumerate(columns)}
    rows, totals = {}, {}
    for day, acct, cur, minor in posted:
        for table, key in ((rows, (acct, cur)), (totals, cur)):
            row = table.setdefault(key, [0, [0] * len(columns)])
            row[0] += minor
            if by:
                row[1][index[bucket(day, by)[0]]] += minor
    return columns, rows, totals


def check_balance(ck, adl, j, account=None, advertiser=None, platform=None, start=None, end=None, by=None,
                  depth=None, db=None):
    words = ["balance"]
    if account:
        words.append(account)
    for opt, val in (("--advertiser", advertiser), ("--platform", platform), ("--from", start), ("--to", end),
                     ("--by", by), ("--depth", depth)):
        if val is not None:
            words += [opt, str(val)]
    diff = Diff("adledger --format json " + " ".join(words))
    got, _ = adl.json(*words, db=db)
    columns, rows, totals = expect_balance(j, account, advertiser, platform, start and D(start), end and D(end),
                                           by, depth)
    gcols = got.get("columns", [])
    if len(gcols) != len(columns):
        diff.add("columns: number", len(columns), len(gcols))
    for i, (c, g) in enumerate(zip(columns, gcols)):
        diff.period(f"columns[{i}]", c[0], c[1], g)

    def compare(table, expected, got_rows, key_of, name_of):
        if len(got_rows) != len(expected):
            diff.add(f"{table}: number of rows", len(expected), len(got_rows))
        seen = {}
        for i, row in enumerate(got_rows):
            seen.setdefault(key_of(row), (i, row))
        for pos, key in enumerate(sorted(expected)):
            total, cells = expected[key]
            name = f"{table}[{name_of(key)}]"
            if key not in seen:
                diff.add(name, f"{money_text(total, key[-1] if isinstance(key, tuple) else key)}", "missing")
                continue
            i, row = seen.pop(key)
            cur = key[1] if isinstance(key, tuple) else key
            if i != pos:
                diff.add(name + " position", pos, i)
            diff.amount(name + ".balance", cur, total, row.get("balance"))
            periods = row.get("periods", [])
            if len(periods) != len(cells):
                diff.add(name + ".periods: number", len(cells), len(periods))
            for c, (cell, g) in enumerate(zip(cells, periods)):
                diff.amount(f"{name}.periods[{columns[c][0]}]", cur, cell, g)
        for key, (i, row) in seen.items():
            diff.add(f"{table}[{i}]", "no such row", row)

    compare("accounts", rows, got.get("accounts", []), lambda r: (r.get("account"), r.get("currency")),
            lambda k: f"{k[0]} {k[1]}")
    compare("totals", totals, got.get("totals", []), lambda r: r.get("currency"), lambda k: k)
    if not rows:
        diff.add("accounts", "some rows (the filter should keep postings)", "none")
    return diff.done(ck)


def check_register(ck, adl, j, account=None, advertiser=None, platform=None, start=None, end=None, db=None):
    words = ["register"]
    if account:
        words.append(account)
    for opt, val in (("--advertiser", advertiser), ("--platform", platform), ("--from", start), ("--to", end)):
        if val is not None:
            words += [opt, val]
    diff = Diff("adledger --format json " + " ".join(words))
    got, _ = adl.json(*words, db=db)
    lines = got.get("postings", [])
    expected = list(j.lines(account, advertiser, platform, start and D(start), end and D(end)))
    if not expected:
        diff.add("postings", "some (the filter should keep postings)", "none")
    if len(lines) != len(expected):
        diff.add("postings: number", len(expected), len(lines))
    running = collections.Counter()
    for i, (want, line) in enumerate(zip(expected, lines)):
        day, tid, kind, desc, acct, cur, minor = want
        running[cur] += minor
        key = f"postings[{i}] (txn {tid}, {acct})"
        diff.eq(key + ".txn", tid, line.get("txn"))
        diff.eq(key + ".date", day.isoformat(), line.get("date"))
        diff.eq(key + ".kind", kind, line.get("kind"))
        diff.eq(key + ".description", desc, line.get("description"))
        diff.eq(key + ".account", acct, line.get("account"))
        diff.amount(key + ".amount", cur, minor, line.get("amount"))
        diff.amount(key + ".running", cur, running[cur], line.get("running"))
    return diff.done(ck)


def check_report(ck, adl, j, kind, subject, start=None, end=None, by=None, db=None):
    words = ["report", kind, subject]
    for opt, val in (("--from", start), ("--to", end), ("--by", by)):
        if val is not None:
            words += [opt, val]
    diff = Diff("adledger --format json " + " ".join(words))
    got, _ = adl.json(*words, db=db)
    rng = None
    if start or end:
        rng = (D(start) if start else MIN_DAY, D(end) if end else MAX_DAY)
    field = "advertiser" if kind == "advertiser" else "platform"
    group = "platform" if kind == "advertiser" else "advertiser"
    entries = [e for e in j.spend if e[field] == subject and (rng is None or (e["last"] >= rng[0] and e["first"] <= rng[1]))]
    tables = roll_up(entries, group, by, rng)

    for table in ("totals", "by_tag", "by_market", "by_precision"):
        gf = {"totals": group, "by_tag": "tag", "by_market": "market", "by_precision": None}[table]
        compare_figures(diff, table, tables[table], got.get(table), gf, by)
    if by:
        compare_figures(diff, "periods", tables["periods"], got.get("periods"), group, by)
    elif got.get("periods") != []:
        diff.add("periods", "[] without --by", got.get("periods"))

    # The period rows add up to the totals, and the totals to the entries.
    sums = collections.Counter()
    for row in got.get("periods") or []:
        sums[(row[group], row["amount"]["currency"], row["precision"])] += row["amount"]["minor"]
    if by:
        for row in got.get("totals") or []:
            k = (row[group], row["amount"]["currency"], row["precision"])
            diff.eq(f"periods sum to totals[{'/'.join(k)}]", row["amount"]["minor"], sums.pop(k, 0))
        for k, v in sums.items():
            diff.add(f"periods sum to totals[{'/'.join(k)}]", "no period rows outside the totals", v)
    if rng is None:
        whole = collections.Counter()
        for e in entries:
            if not e["reversal"]:
                whole[(e[group], e["currency"], e["precision"])] += e["minor"]
        for row in got.get("totals") or []:
            k = (row[group], row["amount"]["currency"], row["precision"])
            diff.eq(f"totals equal the unreversed entries[{'/'.join(k)}]", whole.pop(k, None), row["amount"]["minor"])
        for k, v in whole.items():
            diff.add(f"totals equal the unreversed entries[{'/'.join(k)}]", v, "no row")

    # The entries, with their reversals.
    gentries = got.get("entries", [])
    diff.eq("entries: numbers, in order", [e["id"] for e in entries], [g.get("entry") for g in gentries])
    for e, g in zip(entries, gentries):
        if g.get("entry") != e["id"]:
            break
        key = f"entries[#{e['id']}]"
        diff.amount(key + ".amount", e["currency"], e["minor"], g.get("amount"))
        if e["upper"] is None:
            diff.eq(key + ".upper", None, g.get("upper"))
        else:
            diff.amount(key + ".upper", e["currency"], e["upper"], g.get("upper"))
        diff.period(key + ".period", e["first"], e["last"], g.get("period"))
        diff.eq(key + ".precision", e["precision"], g.get("precision"))
        diff.eq(key + ".items", e["items"], g.get("items"))
        diff.eq(key + ".market", e["market"], g.get("market"))
        diff.eq(key + ".tags", e["tags"], g.get("tags"))
        diff.eq(key + ".txn", e["txn"], g.get("txn"))
        diff.eq(key + ".id", e["external_id"], g.get("id"))
        diff.eq(key + ".reversal", e["reversal"], g.get("reversal"))
        diff.eq(key + "." + group, e[group], g.get(group))

    if kind == "advertiser":
        check_report_advertiser_extras(diff, j, subject, entries, start, end, got)
    return diff.done(ck)


def check_report_advertiser_extras(diff, j, adv, entries, start, end, got):
    # Violations: every unreversed entry's days inside a ban (recorded at any time).
    want = []
    for e in entries:
        if e["reversal"]:
            continue
        for ban, first, stop, _lift in j.spans(adv, e["platform"]):
            lo = max(first, e["first"])
            hi = e["last"] if stop is None else min(e["last"], stop - ONE_DAY)
            if hi < lo:
                continue
            inside = sum(s[2] for s in split(e["first"], e["last"], e["minor"], 0, None, (lo, hi)))
            want.append((e, ban, lo, hi, inside))
    gv = got.get("violations", [])
    diff.eq("violations: (entry, ban), in order", [(w[0]["id"], w[1]["id"]) for w in want],
            [(v.get("entry"), v.get("ban")) for v in gv])
    for (e, ban, lo, hi, inside), v in zip(want, gv):
        key = f"violations[#{e['id']} {ban['id']}]"
        diff.period(key + ".overlap", lo, hi, v.get("overlap"))
        diff.amount(key + ".inside", e["currency"], inside, v.get("inside"))
        diff.amount(key + ".amount", e["currency"], e["minor"], v.get("amount"))
        diff.eq(key + ".pro_rata", (lo, hi) != (e["first"], e["last"]), v.get("pro_rata"))
        diff.eq(key + ".ban_effective", ban["date"].isoformat(), v.get("ban_effective"))

    # Ban status on every platform, as of --to or today.
    on = D(end) if end else D(TODAY)
    gb = got.get("ban_status", [])
    diff.eq("ban_status: platforms", j.platforms, [b.get("platform") for b in gb])
    for plat, b in zip(j.platforms, gb):
        compare_ban(diff, f"ban_status[{plat}]", j.ban_status(adv, plat, on), b)

    # Pledges whose basis is the advertiser.
    pledges = [p for p in j.pledges if p["basis"] == adv]
    gp = got.get("pledges", [])
    diff.eq("pledges: ids", [p["id"] for p in pledges], [p.get("id") for p in gp])
    for p, g in zip(pledges, gp):
        disbursed = sum(d["minor"] for d in p["disbursements"])
        key = f"pledges[{p['id']}]"
        diff.amount(key + ".pledged", p["currency"], p["minor"], g.get("pledged"))
        diff.amount(key + ".disbursed", p["currency"], disbursed, g.get("disbursed"))
        diff.amount(key + ".outstanding", p["currency"], p["minor"] - disbursed, g.get("outstanding"))
        diff.eq(key + ".disbursements", [d["id"] for d in p["disbursements"]],
                [d.get("id") for d in g.get("disbursements", [])])

    # Disclosed totals whose range overlaps the report's, each beside the
    # spend itemised over its own whole range.
    rng = (D(start) if start else MIN_DAY, D(end) if end else MAX_DAY)
    want = [d for d in j.disclosed if d["advertiser"] == adv and d["last"] >= rng[0] and d["first"] <= rng[1]]
    gd = got.get("disclosures", [])
    diff.eq("disclosures: ids", [d["id"] for d in want], [d.get("id") for d in gd])
    for d, g in zip(want, gd):
        key = f"disclosures[{d['id']}]"
        other, rows = [], {}
        for e in j.spend:
            if (e["advertiser"] != adv or e["platform"] != d["platform"] or e["reversal"]
                    or e["last"] < d["first"] or e["first"] > d["last"]):
                continue
            if e["currency"] != d["currency"]:
                other.append(e["id"])
                continue
            row = rows.setdefault(PRECISIONS.index(e["precision"]), Figure(e["currency"], e["precision"]))
            part = sum(s[2] for s in split(e["first"], e["last"], e["minor"], 0, None, (d["first"], d["last"])))
            up, open_ = 0, False
            if e["precision"] == "range":
                open_ = e["upper"] is None
                if not open_:
                    up = sum(s[2] for s in split(e["first"], e["last"], e["upper"], 0, None, (d["first"], d["last"])))
            row.add(e, part, 0, not (d["first"] <= e["first"] and e["last"] <= d["last"]), up, open_)
        diff.eq(key + ".other_currency_entries", other, g.get("other_currency_entries"))
        gi = g.get("itemised", [])
        diff.eq(key + ".itemised: precisions", [PRECISIONS[p] for p in sorted(rows)], [i.get("precision") for i in gi])
        for p, i in zip(sorted(rows), gi):
            f = rows[p]
            k = f"{key}.itemised[{f.precision}]"
            diff.amount(k + ".amount", f.currency, f.minor, i.get("amount"))
            diff.eq(k + ".entries", f.entries, i.get("entries"))
            diff.eq(k + ".pro_rata", f.pro_rata, i.get("pro_rata"))
            tenths = (f.minor * 1000 + d["minor"] // 2) // d["minor"]
            diff.eq(k + ".share", f"{tenths // 10}.{tenths % 10}%", i.get("share"))
            if f.precision == "range":
                if f.upper_open:
                    diff.eq(k + ".upper", None, i.get("upper"))
                else:
                    diff.amount(k + ".upper", f.currency, f.upper, i.get("upper"))


def source_details(url, accessed, quote):
    """A source's details as the JSON output gives them: null when none."""
    if url is None and accessed is None and quote is None:
        return None
    return {"url": url, "accessed": accessed, "quote": quote}


def compare_ban(diff, key, want, g):
    if not isinstance(g, dict):
        diff.add(key, "a ban status", g)
        return
    diff.eq(key + ".banned", want is not None, g.get("banned"))
    if want is None:
        diff.eq(key + ".ban", None, g.get("ban"))
        return
    ban, until, lifted = want
    exp = {"action": ban["id"], "since": ban["date"].isoformat(), "until": until and until.isoformat(),
           "lifted_by": lifted and lifted["id"], "reason": ban["description"], "source": ban["source"],
           "source_details": ban["source_details"]}
    diff.eq(key + ".ban", exp, g.get("ban"))


def check_ban_status(ck, adl, j, triples, rng_seed):
    """ban-status for every (advertiser, platform, day); a few without --platform (every platform at once)."""
    diff = Diff("adledger --format json ban-status --advertiser A --platform P --on D")
    rng = random.Random(rng_seed)
    banned_seen = 0
    for adv, plat, day in triples:
        got, code = adl.json("ban-status", "--advertiser", adv, "--platform", plat, "--on", day.isoformat(),
                             ok=(0, 1))
        want = j.ban_status(adv, plat, day)
        banned_seen += want is not None
        key = f"{adv} {plat} {day}"
        diff.eq(key + " exit status", 1 if want else 0, code)
        diff.eq(key + " .banned", want is not None, got.get("banned"))
        ps = got.get("platforms", [])
        if len(ps) != 1:
            diff.add(key + " .platforms", "one", ps)
            continue
        diff.eq(key + " .platforms[0] (advertiser, platform, on)", [adv, plat, day.isoformat()],
                [ps[0].get("advertiser"), ps[0].get("platform"), ps[0].get("on")])
        compare_ban(diff, key, want, ps[0])
    ok = diff.done(ck, f"ban-status --platform: {len(triples)} (advertiser, platform, day), "
                       f"{banned_seen} of them banned")

    diff = Diff("adledger --format json ban-status --advertiser A --on D")
    sample = rng.sample(triples, min(30, len(triples)))
    for adv, _plat, day in sample:
        got, code = adl.json("ban-status", "--advertiser", adv, "--on", day.isoformat(), ok=(0, 1))
        wants = [j.ban_status(adv, p, day) for p in j.platforms]
        key = f"{adv} {day}"
        diff.eq(key + " exit status", 1 if any(wants) else 0, code)
        ps = got.get("platforms", [])
        diff.eq(key + " platforms", j.platforms, [p.get("platform") for p in ps])
        for p, want, g in zip(j.platforms, wants, ps):
            compare_ban(diff, f"{key} {p}", want, g)
    ok = diff.done(ck, f"ban-status, every platform: {len(sample)} (advertiser, day)") and ok
    if banned_seen < len(triples) // 5 or banned_seen == len(triples):
        ck.fail("ban-status sample", f"{banned_seen} of {len(triples)} banned: the sample should mix both")
        ok = False
    return ok


def ban_triples(j, rng, count):
    """Days around every ban, end and lift of sampled pairs, plus random days."""
    pairs = sorted({(adv, a["platform"]) for a in j.actions if a["kind"] in ("ad_ban", "ban_lift")
                    for adv in a["advertisers"]})
    special = [p for p in pairs if p[0].startswith("fp-")]
    chosen = special + rng.sample([p for p in pairs if p not in special], min(25, len(pairs) - len(special)))
    out = set()
    for adv, plat in chosen:
        for a in j.actions:
            if a["platform"] != plat or adv not in a["advertisers"]:
                continue
            for day in (a["date"], a["end"]):
                if day:
                    out.update((adv, plat, day + k * ONE_DAY) for k in (-1, 0, 1))
    # Random pairs and days, bans or not.
    first, last = D("2013-06-01").toordinal(), D("2025-06-30").toordinal()
    while len(out) < count:
        adv = rng.choice(j.advertisers)
        plat = rng.choice(j.platforms)
        if rng.random() < 0.5:
            adv, plat = rng.choice(pairs)
        out.add((adv, plat, datetime.date.fromordinal(rng.randint(first, last))))
    return sorted(out)


# ---------------------------------------------------------------------------
# Building the ledger

def build(adl, root, work, entries, seed):
    gen = os.path.join(work, "generated.jsonl")
    subprocess.run([sys.executable, os.path.join(root, "tests", "bench", "generate.py"), "--entries", str(entries),
                    "--seed", str(seed), "--out", gen], check=True)
    adl.run("init")
    t = time.monotonic()
    adl.run("import", gen)
    print(f"  imported {entries} generated spend entries in {time.monotonic() - t:.1f} s", flush=True)

    j = Journal(adl.db)
    counts = collections.Counter(e["advertiser"] for e in j.spend)
    busiest = max(sorted(counts), key=lambda a: counts[a])
    reversed_adv = sorted((a for a in counts if a != busiest), key=lambda a: (-counts[a], a))[0]

    def spend(adv, plat, amount, currency, period, precision="exact", upper=None, items=None, tags=(),
              market="FR", refusable=False):
        words = ["spend", "record", "--advertiser", adv, "--platform", plat, "--amount", amount,
                 "--currency", currency, "--period", period, "--market", market, "--precision", precision,
                 "--source", SOURCE]
        if upper:
            words += ["--upper", upper]
        if items is not None:
            words += ["--items", str(items)]
        for tag in tags:
            words += ["--tag", tag]
        r = adl.json(*words, ok=(0, 4) if refusable else (0,))
        return r[0].get("entry") if r[1] == 0 else None

    # New advertisers: one with spend in four currencies and ranges, one
    # with no spend at all (but a pledge based on it), one for the bans.
    adl.run("advertiser", "add", "fp-multi", "--name", "Fast paths: multi-currency media")
    adl.run("advertiser", "add", "fp-nospend", "--name", "Fast paths: no spend", "--country", "FR")
    adl.run("advertiser", "add", "fp-banned", "--name", "Fast paths: banned", "--state-affiliated")

    multi = []
    multi.append(spend("fp-multi", "twitter", "1,234,567", "JPY", "2019-01-15..2019-03-20", items=77,
                       tags=("video", "political")))
    multi.append(spend("fp-multi", "twitter", "999", "JPY", "2019-02", precision="approximate"))
    multi.append(spend("fp-multi", "facebook", "12.345", "KWD", "2019-Q2", precision="estimated", items=3))
    multi.append(spend("fp-multi", "facebook", "100", "EUR", "2019-03-10..2019-04-09", precision="range",
                       upper="199.99", tags=("display",)))
    multi.append(spend("fp-multi", "facebook", "0", "EUR", "2019-05", precision="range", upper="99"))
    multi.append(spend("fp-multi", "google", "1,000,000", "USD", "2020-W10", precision="range"))
    multi.append(spend("fp-multi", "google", "5000", "JPY", "2018-12-20..2019-01-10", precision="range",
                       upper="9999", items=4))
    multi.append(spend("fp-multi", "tiktok", "250.50", "USD", "2020-02-10..2020-03-05", items=5))
    multi.append(spend("fp-multi", "youtube", "0", "JPY", "2019-11-30..2019-12-02", precision="range"))
    multi.append(spend("fp-multi", "youtube", "77.7", "USD", "2020-12-28..2021-01-03", precision="estimated"))
    multi.append(spend("fp-multi", "tiktok", "3", "USD", "2020-03-09..2020-03-12"))  # inside a ban recorded later
    multi.append(spend("fp-multi", "tiktok", "8.000", "KWD", "2020-07-01..2020-09-30", items=0))  # later banned too

    # The busiest advertiser and the one with reversals get a 0-decimal and
    # a 3-decimal currency and ranges too, wherever no ban refuses them.
    added = collections.defaultdict(list)
    candidates = ["2014-02-03..2014-02-17", "2015-06", "2016-11-20..2016-12-05", "2017-Q3", "2021-08-08",
                  "2022-01-10..2022-02-10", "2023-05"]
    for adv in (busiest, reversed_adv):
        for plat, amount, cur, prec, upper in (("google", "480000", "JPY", "exact", None),
                                               ("twitter", "2.500", "KWD", "approximate", None),
                                               ("facebook", "1000", "USD", "range", "4999.99"),
                                               ("youtube", "0", "EUR", "range", "100"),
                                               ("tiktok", "7", "JPY", "estimated", None)):
            for period in candidates:
                entry = spend(adv, plat, amount, cur, period, precision=prec, upper=upper, refusable=True)
                if entry:
                    added[adv].append(entry)
                    break

    # Reversals: three generated entries and one added of the advertiser
    # with reversals, one of the busiest, two ranges (one from zero).
    own = [e["id"] for e in j.spend if e["advertiser"] == reversed_adv]
    to_reverse = own[:: max(1, len(own) // 3)][:3] + added[reversed_adv][:1]
    to_reverse.append([e["id"] for e in j.spend if e["advertiser"] == busiest][2])
    to_reverse += [multi[3], multi[4]]
    for n, entry in enumerate(to_reverse):
        # Every other reversal's source has details.
        details = ["--source-url", f"https://example.org/correction/{entry}", "--source-quote", "counted twice"]
        adl.run("spend", "reverse", str(entry), "--reason", "recorded in error (check_fast_paths)",
                "--source", SOURCE, *(details if n % 2 else []))

    # Pledges and disbursements: on generated pledges, and new ones in EUR
    # and JPY, one without a basis.
    gen_pledges = [p["id"] for p in j.pledges][:3]
    adl.run("pledge", "disburse", gen_pledges[0], "--amount", "1000.01", "--date", "2024-01-02", "--source", SOURCE)
    adl.run("pledge", "disburse", gen_pledges[0], "--amount", "2,000", "--date", "2024-02-03", "--source", SOURCE)
    outstanding = j.pledges[1]["minor"]
    adl.run("pledge", "disburse", gen_pledges[1], "--amount", money_text(outstanding, "USD"), "--date",
            "2024-03-04", "--source", SOURCE)
    adl.run("pledge", "record", "--platform", "facebook", "--amount", "50,000", "--currency", "EUR", "--date",
            "2020-01-15", "--beneficiary", "fund A", "--basis-advertiser", "fp-nospend", "--basis-period",
            "2018..2019", "--id", "fp-pledge-eur", "--source", SOURCE)
    adl.run("pledge", "disburse", "fp-pledge-eur", "--amount", "12,345.67", "--date", "2020-02-01", "--source", SOURCE)
    adl.run("pledge", "record", "--platform", "twitter", "--amount", "3,000,000", "--currency", "JPY", "--date",
            "2019-06-30", "--beneficiary", "fund B", "--basis-advertiser", "fp-multi", "--basis-period",
            "2019-01..2019-06", "--id", "fp-pledge-jpy", "--source", SOURCE)
    adl.run("pledge", "disburse", "fp-pledge-jpy", "--amount", "1", "--date", "2019-07-01", "--source", SOURCE)
    adl.run("pledge", "disburse", "fp-pledge-jpy", "--amount", "2,999,999", "--date", "2019-08-01", "--source", SOURCE)
    adl.run("pledge", "record", "--platform", "google", "--amount", "10", "--currency", "USD", "--date",
            "2021-03-03", "--beneficiary", "fund C", "--id", "fp-pledge-nobasis", "--source", SOURCE)
    adl.run("pledge", "record", "--platform", "youtube", "--amount", "777.77", "--currency", "USD", "--date",
            "2021-04-04", "--beneficiary", "fund D", "--basis-advertiser", reversed_adv, "--id", "fp-pledge-rev",
            "--source", SOURCE)
    adl.run("pledge", "disburse", "fp-pledge-rev", "--amount", "700", "--date", "2021-05-05", "--source", SOURCE)

    # Disclosed totals, beside the itemised spend.
    adl.run("disclosure", "record", "--platform", "facebook", "--advertiser", "fp-multi", "--amount", "20000",
            "--currency", "EUR", "--period", "2019", "--date", "2020-01-10", "--source", SOURCE)
    adl.run("disclosure", "record", "--platform", "twitter", "--advertiser", "fp-multi", "--amount", "2,000,000",
            "--currency", "JPY", "--period", "2019-02-01..2019-12-31", "--date", "2020-01-10", "--precision",
            "estimated", "--source", SOURCE)
    top_platform = collections.Counter(e["platform"] for e in j.spend if e["advertiser"] == busiest).most_common(1)[0][0]
    adl.run("disclosure", "record", "--platform", top_platform, "--advertiser", busiest, "--amount", "100000",
            "--currency", "USD", "--period", "2016-03-15..2019-09-14", "--date", "2019-10-01", "--source", SOURCE)

    # Bans, lifts and withdrawals, recorded after the spend they cover: every
    # clause of the ban rule. tiktok: two bans that overlap, the second
    # lifted; youtube: a ban with an end date and an earlier lift; google: a
    # lift naming no ban, later withdrawn; facebook: a withdrawn ban;
    # twitter: a lift on the effective day, an end date with a later lift,
    # and abutting bans.
    def ban(plat, adv, effective, ident, until=None):
        words = ["policy", "ban", "--platform", plat, "--advertiser", adv, "--effective", effective,
                 "--reason", f"check_fast_paths ban {ident}", "--source", SOURCE, "--id", ident,
                 "--source-url", f"https://example.org/bans/{ident}", "--source-accessed", "2024-05-01"]
        if until:
            words += ["--until", until]
        adl.run(*words)

    def lift(plat, adv, date, ident, of=None):
        words = ["policy", "lift", "--platform", plat, "--date", date, "--reason", f"lift {ident}",
                 "--source", SOURCE, "--id", ident]
        words += ["--ban", of] if of else ["--advertiser", adv]
        if of and adv:
            words += ["--advertiser", adv]
        adl.run(*words)

    for adv in ("fp-banned", "fp-multi"):
        p = adv.replace("fp-", "")
        ban("tiktok", adv, "2020-03-10", f"fp-{p}-b1", until="2020-06-01")
        ban("tiktok", adv, "2020-05-15", f"fp-{p}-b2")
        lift("tiktok", adv, "2020-08-01", f"fp-{p}-l2", of=f"fp-{p}-b2")
        ban("youtube", adv, "2021-01-01", f"fp-{p}-b3", until="2021-12-01")
        lift("youtube", adv, "2021-06-01", f"fp-{p}-l3", of=f"fp-{p}-b3")
        ban("google", adv, "2019-01-01", f"fp-{p}-b4")
        lift("google", adv, "2019-06-01", f"fp-{p}-l4")
        adl.run("policy", "withdraw", f"fp-{p}-l4", "--reason", "recorded by mistake", "--source", SOURCE)
        ban("facebook", adv, "2018-01-01", f"fp-{p}-b5")
        adl.run("policy", "withdraw", f"fp-{p}-b5", "--reason", "recorded by mistake", "--source", SOURCE)
        ban("twitter", adv, "2022-01-01", f"fp-{p}-b6")
        lift("twitter", adv, "2022-01-01", f"fp-{p}-l6", of=f"fp-{p}-b6")
        ban("twitter", adv, "2023-01-01", f"fp-{p}-b7", until="2023-03-01")
        lift("twitter", adv, "2023-04-01", f"fp-{p}-l7", of=f"fp-{p}-b7")
        ban("twitter", adv, "2023-03-01", f"fp-{p}-b8", until="2023-05-01")
        ban("twitter", adv, "2023-05-01", f"fp-{p}-b9", until="2023-05-02")
    return busiest, reversed_adv


# ---------------------------------------------------------------------------
# The checks

def run_checks(ck, adl, j, busiest, reversed_adv, db=None, bans=True, rng_seed=6):
    """Every comparison; returns True when all agree."""
    ok = True
    plat = collections.Counter(e["platform"] for e in j.spend).most_common()[-1][0]
    mid = ("2017-03-17", "2019-08-14")  # both cut through a month, a quarter and an ISO week
    # 2: balance. Every row of the whole journal; --by over the whole journal
    # where the columns are few (a row per account and column: 10,000
    # accounts by month would print 1.3 million amounts), else with --depth
    # or a filter.
    for kw in ({}, {"depth": 2}, {"account": "^expenses:ads:adv-00[0-4]"}, {"account": "PLEDGES", "depth": 3},
               {"start": mid[0], "end": mid[1]}, {"start": mid[0]}, {"end": mid[1]},
               {"by": "month", "start": "2019-11-14", "end": "2020-02-17"},
               {"by": "year", "start": mid[0], "end": mid[1]},
               {"by": "month", "start": "2023-09-10"}, {"by": "year", "end": "2015-05-20"},
               {"by": "year", "depth": 3}, {"by": "month", "depth": 2},
               {"by": "week", "start": "2019-12-25", "end": "2020-01-08"},
               {"by": "quarter", "depth": 3, "start": mid[0], "end": mid[1]}, {"depth": 1, "by": "year"},
               {"account": "^expenses:ads:adv-00[0-4]", "by": "month"}, {"account": "PLEDGES", "by": "quarter"},
               {"advertiser": busiest, "by": "month"},
               {"advertiser": reversed_adv, "by": "year", "start": mid[0], "end": mid[1]},
               {"advertiser": "fp-multi", "by": "week", "start": "2019-01-09", "end": "2020-03-11"},
               {"advertiser": "fp-nospend"}, {"platform": plat},
               {"platform": "facebook", "by": "month", "start": mid[0], "end": mid[1], "depth": 3},
               {"platform": plat, "advertiser": reversed_adv, "by": "year"},
               {"platform": "google", "account": "^(assets|liabilities)", "by": "year"}):
        ok = check_balance(ck, adl, j, db=db, **kw) and ok
    # 3: register
    for kw in ({"advertiser": busiest}, {"advertiser": reversed_adv}, {"advertiser": "fp-multi"},
               {"advertiser": "fp-nospend"}, {"platform": plat, "start": mid[0], "end": mid[1]},
               {"account": "^liabilities|^assets"}):
        ok = check_register(ck, adl, j, db=db, **kw) and ok
    # 4: reports
    for adv in (busiest, reversed_adv, "fp-multi", "fp-nospend"):
        for kw in ({}, {"by": "month"}, {"by": "quarter", "start": mid[0], "end": mid[1]}):
            ok = check_report(ck, adl, j, "advertiser", adv, db=db, **kw) and ok
    ok = check_report(ck, adl, j, "advertiser", "fp-multi", by="week", start="2019-01-09", end="2020-03-11",
                      db=db) and ok
    ok = check_report(ck, adl, j, "advertiser", busiest, by="year", start=mid[0], db=db) and ok
    ok = check_report(ck, adl, j, "advertiser", reversed_adv, by="month", end=mid[1], db=db) and ok
    ok = check_report(ck, adl, j, "platform", plat, by="year", start=mid[0], end=mid[1], db=db) and ok
    # 5: ban status
    if bans:
        rng = random.Random(rng_seed)
        ok = check_ban_status(ck, adl, j, ban_triples(j, rng, 280), rng_seed) and ok
    return ok


def check_coverage(ck, j, busiest, reversed_adv):
    """The ledger holds every kind of transaction the checks are meant to see."""
    kinds = collections.Counter(k for _d, _t, k, _desc in j.txns)
    rev = sum(1 for e in j.spend if e["reversal"])
    empty = sum(1 for _d, t, _k, _desc in j.txns if not j.postings.get(t))
    currencies = {e["currency"] for e in j.spend}
    precisions = {e["precision"] for e in j.spend}
    disb = sum(len(p["disbursements"]) for p in j.pledges)
    withdrawn = sum(1 for a in j.actions if a["withdrawn"])
    facts = {"spend transactions": kinds["spend"] - rev, "reversals": rev, "pledges": kinds["pledge"],
             "disbursements": kinds["disbursement"], "transactions without postings": empty,
             "currencies": len(currencies), "precisions": len(precisions), "withdrawn actions": withdrawn,
             "reversed entries of " + reversed_adv: sum(1 for e in j.spend if e["reversal"]
                                                         and e["advertiser"] == reversed_adv)}
    missing = [k for k, v in facts.items() if not v]
    if missing or len(currencies) < 4 or len(precisions) < 4 or disb != kinds["disbursement"]:
        ck.fail("coverage", f"the ledger lacks something: {facts}, currencies {sorted(currencies)}")
        return False
    ck.ok(f"coverage: {facts}; currencies {sorted(currencies)}; busiest advertiser {busiest}")
    return True


def check_verify(ck, adl):
    r = adl.run("--format", "json", "verify", ok=None)
    try:
        out = json.loads(r.stdout)
    except json.JSONDecodeError:
        out = {}
    name = "verify passes"
    if r.returncode == 0 and out.get("ok") is True and out.get("checks") and all(c.get("ok") for c in out["checks"]):
        ck.ok(f"{name} ({out.get('records')} records, {len(out['checks'])} checks)")
        return True
    failed = [c.get("check") + ": " + c.get("summary", "") for c in out.get("checks", []) if not c.get("ok")]
    ck.fail(name, f"exit {r.returncode}; failed checks: {failed}; stderr: {r.stderr.strip()[:500]}")
    return False


def sensitivity(ck, adl, j, busiest, reversed_adv):
    """The comparisons must see a difference of one minor unit, or of one day.

    The expectations are perturbed, not the ledger: one spend entry of the
    busiest advertiser is taken to be one minor unit larger (its postings
    too), and one ban to start a day later. Checked against the unchanged
    ledger, each comparison that covers them must report a mismatch, and
    those that do not must still agree. Perturbing the ledger behind
    adledger's back instead would test how adledger reads a tampered file
    (summary tables may keep the old figure), which is verify's business.
    """
    m = copy.deepcopy(j)
    m._spans = {}
    mine = [e for e in m.spend if e["advertiser"] == busiest and not e["reversal"] and e["minor"] > 0]
    entry = next((e for e in mine if e["first"].year == 2018), mine[0])
    entry["minor"] += 1
    m.postings[entry["txn"]] = [(a, c, v + (1 if v > 0 else -1)) for a, c, v in m.postings[entry["txn"]]]
    ban = next(a for a in m.actions if a["id"] == "fp-banned-b1")
    ban["date"] += ONE_DAY
    quiet = Checker()

    def status(day):
        got, _ = adl.json("ban-status", "--advertiser", "fp-banned", "--platform", "tiktok", "--on", day, ok=(0, 1))
        diff = Diff("ban-status")
        compare_ban(diff, day, m.ban_status("fp-banned", "tiktok", D(day)), got["platforms"][0])
        return diff.done(quiet)

    # (what, must it disagree?, the comparison with the perturbed expectations)
    rows = [
        ("balance", True, lambda: check_balance(quiet, adl, m)),
        ("balance --by month --depth 2", True, lambda: check_balance(quiet, adl, m, by="month", depth=2)),
        ("balance --advertiser", True, lambda: check_balance(quiet, adl, m, advertiser=busiest)),
        ("register --advertiser", True, lambda: check_register(quiet, adl, m, advertiser=busiest)),
        ("report advertiser", True, lambda: check_report(quiet, adl, m, "advertiser", busiest)),
        ("report advertiser --by month", True, lambda: check_report(quiet, adl, m, "advertiser", busiest, by="month")),
        ("ban-status on the ban's first day", True, lambda: status("2020-03-10")),
        ("report advertiser fp-banned --to that day", True,
         lambda: check_report(quiet, adl, m, "advertiser", "fp-banned", end="2020-03-10")),
        ("balance --advertiser (another advertiser)", False, lambda: check_balance(quiet, adl, m, advertiser=reversed_adv)),
        ("ban-status a month before", False, lambda: status("2020-02-10")),
    ]
    stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")
    try:
        results = [(name, must, fn()) for name, must, fn in rows]
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    wrong = [name for name, must, agreed in results if agreed == must]
    if wrong:
        ck.fail("sensitivity", f"expectations with entry #{entry['id']} one minor unit larger and ban "
                               f"fp-banned-b1 a day later: these comparisons did not do what they should: {wrong}")
    else:
        ck.ok(f"sensitivity: expectations with entry #{entry['id']} one minor unit larger and ban fp-banned-b1 "
              f"a day later are refused by {sum(must for _n, must, _a in results)} comparisons; the "
              f"{sum(not must for _n, must, _a in results)} that do not cover them still agree")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adledger", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--entries", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    start = time.monotonic()
    work = tempfile.mkdtemp(prefix="adledger-fast-paths-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADLEDGER")}
    env.update(ADLEDGER_NOW=NOW, ADLEDGER_TODAY=TODAY, TZ="UTC", LC_ALL="C.UTF-8")
    adl = Adledger(os.path.abspath(args.adledger), os.path.join(work, "ledger.db"), env, work)
    ck = Checker()
    try:
        busiest, reversed_adv = build(adl, args.root, work, args.entries, args.seed)
        built = time.monotonic()
        print(f"  ledger built in {built - start:.1f} s", flush=True)
        j = Journal(adl.db)
        check_coverage(ck, j, busiest, reversed_adv)
        run_checks(ck, adl, j, busiest, reversed_adv, rng_seed=args.seed)
        checked = time.monotonic()
        print(f"  reports compared in {checked - built:.1f} s", flush=True)
        # 6: verify
        check_verify(ck, adl)
        print(f"  verify ran in {time.monotonic() - checked:.1f} s", flush=True)
        # Reading never changes the ledger: the journal is as it was.
        after = Journal(adl.db)
        if (after.txns, dict(after.postings)) != (j.txns, dict(j.postings)):
            ck.fail("reads change nothing", "the journal changed while only reading commands ran")
        else:
            ck.ok("reads change nothing: the journal is as it was before the reports")
        # 7: the comparisons can fail
        sensitivity(ck, adl, j, busiest, reversed_adv)
    except Exception as e:  # a command that fails, or a bug here: a failure either way, never a pass
        ck.fail("run", f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
    finally:
        if args.keep:
            print(f"  work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"  {adl.calls} adledger runs, {adl.seconds:.1f} s; total {time.monotonic() - start:.1f} s")
    for took, words in sorted(adl.slowest, reverse=True)[:5]:
        print(f"    {took:.1f} s: adledger {words[:100]}")
    print(f"check_fast_paths: {ck.passed} passed, {ck.failed} failed")
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
