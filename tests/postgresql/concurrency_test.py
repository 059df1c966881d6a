#!/usr/bin/python3
"""Concurrency and fault tests of adledger's PostgreSQL backend (Python 3
stdlib only). Each mode creates a fresh database on the test cluster
(--postgresql-state FILE, default $ADLEDGER_TEST_POSTGRESQL_STATE; see
cluster.py) and drops it at the end.

--bank SECONDS (the default, 60 s), in the spirit of Jepsen's bank test:
init, 2 platforms and 3 advertisers (6 contended pairs). 16 client threads
run `adledger` commands one after the other for SECONDS, each picked at
random: spend record (a unique --id, a period in 2016..2019 on one of the
pairs), policy ban (with --effective, mostly with --until), policy lift of
a ban acknowledged earlier (by --ban, or by --advertiser), policy withdraw
of an acknowledged ban or lift, spend reverse of an acknowledged entry, and
pledge record. Every command runs with --wait 120. Exit 0 is an
acknowledged write and exit 4 (a rule refused it: a ban, an entry already
reversed, a lift that ends nothing) a legitimate answer; any other exit
(5, "the ledger is busy", included), "unchanged" for a write that was
never given before, stderr that is not one line starting "error:", or
stderr that carries a raw driver message (ERROR:, FATAL:, SQLSTATE,
postgresql:) is a failure. Afterwards:

  (a) `adledger verify` exits 0; the log's seq runs 1..N and head counts N;
  (b) every acknowledged write is in the log under its id (spend by its
      external id and the entry number it printed, bans, lifts, pledges by
      id, withdrawals and reversals with their reason), every refused write
      is not, and the log holds no record that no acknowledged command
      wrote; `--format json spend list` lists exactly the logged spend ids,
      with the logged reversals;
  (c) replaying the log in seq order with the ban rule of
      ledger/policy/bans.cpp (bans, end dates, lifts by ban or by advertiser,
      withdrawals: each as recorded before the spend), no spend overlaps a
      ban in force; and each refused spend overlaps some ban of its pair;
  (d) the balances equal a serial replay: per advertiser and platform, the
      spend minus the reversed spend from the log equals
      expenses:ads:ADV:PLATFORM in `--format json balance`, and every other
      account equals the sum of the logged transactions' postings;
  (e) real-time order: a write acknowledged before another began has the
      smaller seq (the log is a linearization of the acknowledged writes).

It prints the commands run, acknowledged, refused, commits/s and the p50
and p99 latency of the acknowledged commands (each records one record).

--faults N: (i) N times, in a fresh ledger, `adledger import` of a JSON
Lines file of tests/bench/generate.py --entries 20000 is SIGKILLed at a
random moment (every other one anywhere in the duration of a whole import
measured first, the others late in it, from 0.6 to 1.05 times it, near the
commit); once the killed session is gone from the server, `adledger verify`
passes and the head counts either none of the file's records or all of
them; importing the file again then succeeds and holds all of it.
(ii) Twice, an import is started and, while it runs,
`cluster.py restart-immediate` stops the server as a crash would and starts
it again: the import must fail (non-zero, one line "error: ...", no raw
driver message) within a timeout, verify passes, the ledger holds all or
none of the file, and importing it again succeeds. restart-immediate ends
every session on the shared cluster: in ctest this test runs RUN_SERIAL.

Exit 0 with a summary when every check holds; exit 1 with FAIL lines
otherwise.
"""

import argparse
import collections
import datetime
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import cluster  # noqa: E402

DEFAULT_ADLEDGER = os.path.join(ROOT, "build", "cli", "adledger")
GENERATE = os.path.join(ROOT, "tests", "bench", "generate.py")
PLATFORMS = ["bank-p1", "bank-p2"]
ADVERTISERS = ["bank-a1", "bank-a2", "bank-a3"]
CLIENTS = 16
WAIT = "120"  # --wait: a writer queues behind the others, it never gives up
COMMAND_TIMEOUT = 180
# What stderr must never carry: the driver's or the server's own words
# instead of adledger's (a server message passed through, libpq's notices).
# adledger may quote the database's URL, in quotes: database "postgresql:...".
RAW_DRIVER = ("ERROR:", "FATAL:", "PANIC:", "WARNING:", "NOTICE:", "SQLSTATE")
FIRST_DAY = datetime.date(2016, 1, 1)
LAST_DAY = datetime.date(2019, 12, 31)


def percentile(sorted_values, p):
    """The nearest-rank p-th percentile of an ascending, non-empty list."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def iso(d):
    return d.isoformat()


def parse_day(s):
    return datetime.date.fromisoformat(s)


class Harness:
    def __init__(self, binary, state, state_path, dbname):
        self.binary = binary
        self.state = state
        self.state_path = state_path
        self.dbname = dbname
        self.url = None
        self.env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
        for k in ("ADLEDGER_DB", "ADLEDGER_FORMAT", "ADLEDGER_NOW", "ADLEDGER_TODAY"):
            self.env.pop(k, None)
        self.failures = []
        self.lock = threading.Lock()

    def fail(self, message):
        with self.lock:
            self.failures.append(message)
            print("FAIL " + message, flush=True)

    def create(self):
        self.url = cluster.create_database(self.state, self.dbname)

    def drop(self):
        try:
            cluster.drop_database(self.state, self.dbname)
        except cluster.ClusterError as e:
            self.fail(f"dropping database {self.dbname}: {e}")

    def command(self, words):
        return [self.binary, "--db", self.url, "--wait", WAIT] + words

    def run(self, words, timeout=COMMAND_TIMEOUT):
        r = subprocess.run(self.command(words), env=self.env, capture_output=True, text=True, timeout=timeout)
        return r

    def run_ok(self, words, what=None):
        r = self.run(words)
        if r.returncode != 0:
            raise RuntimeError(f"adledger {what or ' '.join(words)} exits {r.returncode}: {r.stderr.strip()}")
        return r

    def stderr_problem(self, stderr):
        """Why stderr is not a clean adledger error, or None."""
        for text in RAW_DRIVER:
            if text in stderr:
                return f"carries a raw driver message ({text!r})"
        if "postgresql:" in stderr.replace('"postgresql:', ""):
            return "carries a raw driver message (an unquoted 'postgresql:')"
        lines = stderr.strip("\n").split("\n")
        if stderr.strip() and (len(lines) != 1 or not lines[0].startswith("error: ")):
            return "is not one line starting 'error: '"
        return None

    def head_records(self):
        return json.loads(self.run_ok(["--format", "json", "head"]).stdout)["records"]

    def log(self):
        r = self.run_ok(["log"])
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def verify(self, when):
        r = self.run(["verify"])
        if r.returncode != 0:
            self.fail(f"verify {when} exits {r.returncode}: {(r.stderr or r.stdout).strip()}")
            return False
        return True

    def other_sessions(self):
        out = cluster.psql(self.state, "postgres",
                           f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{self.dbname}' "
                           "AND pid <> pg_backend_pid()")
        return int(out.strip() or "0")

    def wait_sessions_gone(self, timeout=60):
        """Waits until no session is open on the database: a killed client's
        backend may still be finishing (or committing) its transaction."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.other_sessions() == 0:
                return True
            time.sleep(0.1)
        self.fail(f"a session on {self.dbname} is still open {timeout} s after its client was killed")
        return False


# --- the ban rule, as ledger/policy/bans.cpp states it --------------------------

def ban_spans(actions, advertiser, platform):
    """The spans [first, end) (end None: open) during which advertiser is
    banned on platform, from `actions` (policy actions in log order, each a
    dict with kind, id, platform, advertisers, date, end_date, lifts,
    withdrawn), as spans_of computes them."""
    bans, lifts = [], []
    for pos, a in enumerate(actions):
        if a["kind"] not in ("ad_ban", "ban_lift") or a["withdrawn"]:
            continue
        if a["platform"] != platform or advertiser not in a["advertisers"]:
            continue
        (bans if a["kind"] == "ad_ban" else lifts).append((pos, a))
    spans = []
    for _, ban in bans:
        first = ban["date"]
        end = ban["end_date"]
        # The earliest lift dated on or after the ban's effective date, of
        # those naming no ban and those naming this one; on one date, the
        # first in the actions' order.
        candidates = [(lift["date"], pos) for pos, lift in lifts
                      if lift["date"] >= first and (lift["lifts"] is None or lift["lifts"] == ban["id"])]
        if candidates:
            lift_date = min(candidates)[0]
            if end is None or lift_date < end:
                end = lift_date
        spans.append((first, end, ban["id"]))
    return spans


def overlaps(span, first, last):
    b_first, b_end, _ = span
    lo = max(b_first, first)
    hi = last if b_end is None else min(last, b_end - datetime.timedelta(days=1))
    return lo <= hi


def policy_of(content, withdrawn=False):
    return {
        "kind": content["kind"], "id": content["id"], "platform": content["platform"],
        "advertisers": set(content["advertisers"] or []), "date": parse_day(content["date"]),
        "end_date": parse_day(content["end_date"]) if content["end_date"] else None,
        "lifts": content["lifts"], "withdrawn": withdrawn,
    }


# --- the bank scenario ----------------------------------------------------------

class Op:
    __slots__ = ("kind", "key", "reason", "words", "exit", "stdout", "stderr", "start", "end", "entry",
                 "outcome", "pair", "first", "last")

    def __init__(self, kind, key, words):
        self.kind, self.key, self.words = kind, key, words
        self.reason = None
        self.entry = None
        self.pair = None
        self.first = self.last = None
        self.outcome = None


class Bank:
    def __init__(self, h, seconds, seed):
        self.h = h
        self.seconds = seconds
        self.seed = seed
        self.lock = threading.Lock()
        self.ops = []
        self.bans = []      # (id, platform, advertiser, effective) acknowledged
        self.actions = []   # ids of acknowledged bans and lifts
        self.entries = []   # entry numbers of acknowledged spend
        self.counter = 0

    def next_id(self, prefix):
        with self.lock:
            self.counter += 1
            return f"{prefix}-{self.counter:06d}"

    def random_period(self, rnd):
        year = rnd.randint(2016, 2019)
        form = rnd.random()
        if form < 0.35:
            m = rnd.randint(1, 12)
            first = datetime.date(year, m, 1)
            last = (datetime.date(year + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1))
            return f"{year}-{m:02d}", first, last
        if form < 0.5:
            q = rnd.randint(1, 4)
            first = datetime.date(year, 3 * q - 2, 1)
            last = (datetime.date(year + (q == 4), (3 * q) % 12 + 1, 1) - datetime.timedelta(days=1))
            return f"{year}-Q{q}", first, last
        first = FIRST_DAY + datetime.timedelta(days=rnd.randint(0, (LAST_DAY - FIRST_DAY).days))
        last = min(LAST_DAY, first + datetime.timedelta(days=rnd.choice([0, 1, 6, 13, 30])))
        if first == last:
            return iso(first), first, last
        return f"{iso(first)}..{iso(last)}", first, last

    def make_op(self, rnd):
        p = rnd.random()
        platform = rnd.choice(PLATFORMS)
        advertiser = rnd.choice(ADVERTISERS)
        with self.lock:
            bans = list(self.bans[-40:])
            actions = list(self.actions[-60:])
            entries = list(self.entries[-200:])
        if p < 0.55:
            sid = self.next_id("spend")
            text, first, last = self.random_period(rnd)
            amount = f"{rnd.randint(1, 5000)}.{rnd.randint(0, 99):02d}"
            currency = rnd.choice(["EUR", "EUR", "USD"])
            op = Op("spend", sid, ["spend", "record", "--advertiser", advertiser, "--platform", platform,
                                   "--amount", amount, "--currency", currency, "--period", text, "--market", "FR",
                                   "--source", "bank.txt", "--id", sid])
            op.pair, op.first, op.last = (advertiser, platform), first, last
            return op
        if p < 0.67:
            bid = self.next_id("ban")
            eff = FIRST_DAY + datetime.timedelta(days=rnd.randint(0, (LAST_DAY - FIRST_DAY).days))
            words = ["policy", "ban", "--platform", platform, "--advertiser", advertiser, "--effective", iso(eff),
                     "--reason", "bank test", "--source", "bank.txt", "--id", bid]
            if rnd.random() < 0.85:
                words += ["--until", iso(eff + datetime.timedelta(days=rnd.randint(1, 60)))]
            op = Op("ban", bid, words)
            op.pair = (advertiser, platform)
            return op
        if p < 0.77 and bans:
            lid = self.next_id("lift")
            ban_id, b_platform, b_adv, eff = rnd.choice(bans)
            date = eff + datetime.timedelta(days=rnd.randint(0, 30))
            words = ["policy", "lift", "--platform", b_platform, "--date", iso(date), "--reason", "bank test",
                     "--source", "bank.txt", "--id", lid]
            words += ["--ban", ban_id] if rnd.random() < 0.7 else ["--advertiser", b_adv]
            return Op("lift", lid, words)
        if p < 0.82 and actions:
            action = rnd.choice(actions)
            reason = self.next_id("withdrawal")
            op = Op("withdraw", action, ["policy", "withdraw", action, "--reason", reason, "--source", "bank.txt"])
            op.reason = reason
            return op
        if p < 0.92 and entries:
            entry = rnd.choice(entries)
            reason = self.next_id("reversal")
            op = Op("reverse", str(entry), ["spend", "reverse", str(entry), "--reason", reason, "--source", "bank.txt"])
            op.reason = reason
            return op
        pid = self.next_id("pledge")
        date = FIRST_DAY + datetime.timedelta(days=rnd.randint(0, (LAST_DAY - FIRST_DAY).days))
        return Op("pledge", pid, ["pledge", "record", "--platform", platform, "--amount", f"{rnd.randint(1, 900)}.00",
                                  "--currency", "EUR", "--date", iso(date), "--beneficiary", "a fund",
                                  "--source", "bank.txt", "--id", pid])

    def client(self, n, deadline):
        rnd = random.Random(self.seed * 1000 + n)
        while time.monotonic() < deadline:
            op = self.make_op(rnd)
            op.start = time.monotonic()
            try:
                r = self.h.run(op.words)
                op.exit, op.stdout, op.stderr = r.returncode, r.stdout, r.stderr
            except subprocess.TimeoutExpired:
                op.exit, op.stdout, op.stderr = None, "", "(timed out)"
            op.end = time.monotonic()
            self.judge(op)
            with self.lock:
                self.ops.append(op)

    def judge(self, op):
        what = f"client {op.kind} {op.key}: adledger {' '.join(op.words)}"
        problem = self.h.stderr_problem(op.stderr)
        if problem:
            self.h.fail(f"{what}: stderr {problem}: {op.stderr.strip()}")
        if op.exit == 0:
            if op.stdout.startswith("unchanged"):
                op.outcome = "unchanged"
                self.h.fail(f"{what}: 'unchanged' for a write never given before: {op.stdout.strip()}")
                return
            op.outcome = "recorded"
            if op.kind == "spend":
                try:
                    op.entry = int(op.stdout.split("#", 1)[1].split(":", 1)[0])
                except (IndexError, ValueError):
                    self.h.fail(f"{what}: no entry number in {op.stdout.strip()!r}")
                    return
                with self.lock:
                    self.entries.append(op.entry)
            elif op.kind == "ban":
                eff = parse_day(op.words[op.words.index("--effective") + 1])
                with self.lock:
                    self.bans.append((op.key, op.words[op.words.index("--platform") + 1], op.pair[0], eff))
                    self.actions.append(op.key)
            elif op.kind == "lift":
                with self.lock:
                    self.actions.append(op.key)
        elif op.exit == 4:
            op.outcome = "refused"
            if op.kind == "spend" and "error: spend refused: advertiser " not in op.stderr:
                self.h.fail(f"{what}: refused, but not by a ban: {op.stderr.strip()}")
        elif op.exit == 5 and "busy" in op.stderr:
            op.outcome = "failed"
            self.h.fail(f"{what}: the ledger was busy for --wait {WAIT} s: {op.stderr.strip()}")
        else:
            op.outcome = "failed"
            self.h.fail(f"{what}: exits {op.exit}: {op.stderr.strip()}")

    def set_up(self):
        self.h.run_ok(["init"])
        for p in PLATFORMS:
            self.h.run_ok(["platform", "add", p, "--name", p.upper()])
        for a in ADVERTISERS:
            self.h.run_ok(["advertiser", "add", a, "--name", a.upper()])
        return self.h.head_records()

    def run(self):
        h = self.h
        base = self.set_up()
        deadline = time.monotonic() + self.seconds
        t0 = time.monotonic()
        threads = []
        for n in range(CLIENTS):
            def guarded(n=n):
                try:
                    self.client(n, deadline)
                except Exception as e:
                    h.fail(f"client {n}: {type(e).__name__}: {e}")
            threads.append(threading.Thread(target=guarded))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        self.check(base)
        return self.summary(elapsed)

    # -- the checks --

    def check(self, base):
        h = self.h
        # (a)
        h.verify("after the bank run")
        log = h.log()
        seqs = [r["seq"] for r in log]
        if seqs != list(range(1, len(log) + 1)):
            h.fail(f"log: seq is not 1..{len(log)} in order")
        records = h.head_records()
        if records != len(log):
            h.fail(f"head counts {records} records, the log has {len(log)} lines")
        by_key = {(r["kind"], r["ref"]): r for r in log}
        spend_by_id = {r["content"]["external_id"]: r for r in log if r["kind"] == "spend"}

        # (b) every acknowledged write is logged, every refused one is not
        where = {}  # op -> seq of its record
        for op in self.ops:
            rec = None
            if op.kind == "spend":
                rec = spend_by_id.get(op.key)
            elif op.kind in ("ban", "lift"):
                rec = by_key.get(("policy_action", op.key))
            elif op.kind == "pledge":
                rec = by_key.get(("pledge", op.key))
            elif op.kind == "withdraw":
                rec = by_key.get(("policy_withdrawal", op.key))
                if rec and rec["content"]["reason"] != op.reason:
                    rec = None
            elif op.kind == "reverse":
                rec = by_key.get(("spend_reversal", op.key))
                if rec and rec["content"]["reason"] != op.reason:
                    rec = None
            if op.outcome == "recorded":
                if rec is None:
                    h.fail(f"lost write: {op.kind} {op.key} was acknowledged ({op.stdout.strip()}) "
                           "but is not in the log")
                    continue
                if op.kind == "spend" and rec["content"]["entry"] != op.entry:
                    h.fail(f"spend {op.key}: acknowledged as entry #{op.entry}, logged as #{rec['content']['entry']}")
                where[op] = rec["seq"]
            elif op.outcome == "refused" and rec is not None:
                h.fail(f"{op.kind} {op.key}: refused (exit 4: {op.stderr.strip()}) but in the log at seq {rec['seq']}")
        acked = sum(1 for op in self.ops if op.outcome == "recorded")
        indeterminate = sum(1 for op in self.ops if op.exit is None)
        new_records = len(log) - base
        if new_records != acked and not (indeterminate and acked <= new_records <= acked + indeterminate):
            h.fail(f"the log holds {new_records} records after the set-up, and {acked} writes were acknowledged")

        listed = json.loads(h.run_ok(["--format", "json", "spend", "list", "--limit", "1000000"]).stdout)
        if listed.get("more"):
            h.fail("spend list --limit 1000000 says there are more entries")
        listed_ids = {e["id"]: e for e in listed["entries"]}
        if set(listed_ids) != set(spend_by_id):
            h.fail(f"spend list and the log disagree: {len(set(listed_ids) ^ set(spend_by_id))} ids differ")
        reversed_entries = {int(r["ref"]) for r in log if r["kind"] == "spend_reversal"}
        for sid, e in listed_ids.items():
            if (e["reversal"] is not None) != (e["entry"] in reversed_entries):
                h.fail(f"spend list: entry #{e['entry']} ({sid}) reversal {e['reversal']} disagrees with the log")

        # (c) replay the ban rule in log order
        actions = []          # policy actions so far, in log order
        action_at = {}
        violations = 0
        for r in log:
            c = r["content"]
            if r["kind"] == "policy_action" and c["kind"] in ("ad_ban", "ban_lift"):
                action_at[c["id"]] = len(actions)
                actions.append(policy_of(c))
            elif r["kind"] == "policy_withdrawal" and c["action"] in action_at:
                actions[action_at[c["action"]]]["withdrawn"] = True
            elif r["kind"] == "spend":
                first, last = parse_day(c["first"]), parse_day(c["last"])
                for span in ban_spans(actions, c["advertiser"], c["platform"]):
                    if overlaps(span, first, last):
                        violations += 1
                        h.fail(f"ban rule: spend #{c['entry']} ({c['external_id']}, {c['first']}..{c['last']}, "
                               f"{c['advertiser']} on {c['platform']}, seq {r['seq']}) overlaps ban {span[2]} "
                               f"[{span[0]}, {span[1] or 'open'}) in force when it was recorded")
                        break
        all_bans = [policy_of(r["content"]) for r in log
                    if r["kind"] == "policy_action" and r["content"]["kind"] == "ad_ban"]
        for op in self.ops:
            if op.kind == "spend" and op.outcome == "refused":
                adv, plat = op.pair
                if not any(b["platform"] == plat and adv in b["advertisers"]
                           and overlaps((b["date"], b["end_date"], b["id"]), op.first, op.last) for b in all_bans):
                    h.fail(f"spend {op.key} was refused, and no ban of {adv} on {plat} overlaps {op.first}..{op.last}")

        # (d) the balances equal a serial replay of the log
        expected = collections.Counter()
        spend_minor = {}
        for r in log:
            c = r["content"]
            if r["kind"] == "spend":
                acct = f"expenses:ads:{c['advertiser']}:{c['platform']}"
                expected[(acct, c["currency"])] += c["minor"]
                spend_minor[c["entry"]] = (acct, c["currency"], c["minor"])
            elif r["kind"] == "spend_reversal":
                acct, cur, minor = spend_minor[c["entry"]]
                expected[(acct, cur)] -= minor
            txn = c.get("txn") if isinstance(c, dict) else None
            if txn:
                for p in txn["postings"]:
                    if not p["account"].startswith("expenses:ads:"):
                        expected[(p["account"], p["currency"])] += p["minor"]
        balance = json.loads(h.run_ok(["--format", "json", "balance"]).stdout)
        got = {(a["account"], a["balance"]["currency"]): a["balance"]["minor"] for a in balance["accounts"]}
        for key in sorted(set(got) | set(expected)):
            if got.get(key, 0) != expected.get(key, 0):
                h.fail(f"balance of {key[0]} in {key[1]}: {got.get(key, 0)} minor units, "
                       f"the log's serial replay gives {expected.get(key, 0)}")
        for t in balance["totals"]:
            if t["balance"]["minor"] != 0:
                h.fail(f"the trial balance in {t['currency']} is {t['balance']['minor']}, not zero")

        # (e) real time: acknowledged before another began -> logged before it
        max_start, max_op = -1.0, None
        for op, seq in sorted(where.items(), key=lambda kv: kv[1]):
            if op.end < max_start:
                h.fail(f"real-time order: {op.kind} {op.key} (seq {seq}) was acknowledged before "
                       f"{max_op.kind} {max_op.key} (seq {where[max_op]}) began, but is logged after it")
                break
            if op.start > max_start:
                max_start, max_op = op.start, op
        self.checked = {"records": len(log), "spend_logged": len(spend_by_id), "reversals": len(reversed_entries),
                        "ban_violations": violations}

    def summary(self, elapsed):
        ops = self.ops
        acked = [op for op in ops if op.outcome == "recorded"]
        refused = [op for op in ops if op.outcome == "refused"]
        lat = sorted(op.end - op.start for op in acked)
        kinds = collections.Counter((op.kind, op.outcome) for op in ops)
        lines = [f"bank: {CLIENTS} clients for {elapsed:.1f} s: {len(ops)} commands, {len(acked)} acknowledged, "
                 f"{len(refused)} refused (exit 4), {len(ops) - len(acked) - len(refused)} failed",
                 f"  commits/s: {len(acked) / elapsed:.1f}; commands/s: {len(ops) / elapsed:.1f}"]
        if lat:
            lines.append(f"  latency of acknowledged commands: p50 {percentile(lat, 50) * 1000:.0f} ms, "
                         f"p99 {percentile(lat, 99) * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
        lines.append("  by kind: " + ", ".join(
            f"{k} {kinds[(k, 'recorded')]}/{kinds[(k, 'refused')]}"
            for k in ("spend", "ban", "lift", "withdraw", "reverse", "pledge")) + " (acknowledged/refused)")
        lines.append(f"  log: {self.checked['records']} records, {self.checked['spend_logged']} spend entries, "
                     f"{self.checked['reversals']} reversed")
        if not acked:
            self.h.fail("bank: no write was acknowledged")
        if not any(op.kind == "spend" and op.outcome == "refused" for op in ops):
            self.h.fail("bank: no spend was refused by a ban: the run did not exercise the ban rule")
        return "\n".join(lines)


# --- the fault scenarios --------------------------------------------------------

class Faults:
    def __init__(self, h_factory, state_path, n, tmp, seed):
        self.h_factory = h_factory
        self.state_path = state_path
        self.n = n
        self.tmp = tmp
        self.rnd = random.Random(seed)
        self.file = os.path.join(tmp, "import.jsonl")
        self.lines = []
        self.failures = []

    def generate(self):
        subprocess.run([sys.executable, GENERATE, "--entries", "20000", "--out", self.file], check=True,
                       capture_output=True)
        with open(self.file, encoding="utf-8") as f:
            return sum(1 for line in f if line.strip())

    def fresh(self, tag):
        h = self.h_factory(tag)
        h.create()
        h.run_ok(["init"])
        return h

    def start_import(self, h):
        return subprocess.Popen(h.command(["import", self.file]), env=h.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def all_or_nothing(self, h, base, k, when):
        n = h.head_records() - base
        if n not in (0, k):
            h.fail(f"{when}: the ledger holds {n} of the file's {k} records: not all or nothing")
        return n

    def import_again(self, h, base, k, when):
        r = h.run(["import", self.file])
        if r.returncode != 0:
            h.fail(f"{when}: importing the file again exits {r.returncode}: {r.stderr.strip()}")
            return
        if h.head_records() - base != k:
            h.fail(f"{when}: after importing again the ledger does not hold the whole file")
        h.verify(f"{when}, after importing again")

    def run(self):
        lines = []
        k_lines = self.generate()
        # Reference: one whole import, its duration and record count.
        h = self.fresh("ref")
        try:
            base = h.head_records()
            t0 = time.monotonic()
            h.run_ok(["import", self.file])
            took = time.monotonic() - t0
            k = h.head_records() - base
            if k != k_lines:
                h.fail(f"reference import: {k} records for a file of {k_lines} lines")
        finally:
            h.drop()
            self.failures += h.failures
        lines.append(f"faults: a whole import of {k} records takes {took:.2f} s")

        # (i) SIGKILL at a random moment
        outcomes = collections.Counter()
        for i in range(self.n):
            h = self.fresh(f"kill{i}")
            try:
                base = h.head_records()
                # Half of the kills anywhere, half around the commit.
                delay = self.rnd.uniform(0.0, took) if i % 2 == 0 else self.rnd.uniform(0.6 * took, 1.05 * took)
                p = self.start_import(h)
                time.sleep(delay)
                finished = p.poll() is not None
                if not finished:
                    p.send_signal(signal.SIGKILL)
                _, err = p.communicate(timeout=COMMAND_TIMEOUT)
                h.wait_sessions_gone()
                if finished and p.returncode != 0:
                    h.fail(f"kill {i}: the import exited {p.returncode} before it was killed: {err.strip()}")
                h.verify(f"after SIGKILL {i} at {delay:.2f} s")
                n = self.all_or_nothing(h, base, k, f"kill {i} at {delay:.2f} s")
                outcomes["finished before the kill" if finished else ("killed, all" if n else "killed, none")] += 1
                self.import_again(h, base, k, f"kill {i}")
            finally:
                h.drop()
                self.failures += h.failures
        lines.append(f"  (i) {self.n} SIGKILLed imports: " +
                     ", ".join(f"{v} {key}" for key, v in sorted(outcomes.items())) + "; verify and all-or-nothing held"
                     if not self.failures else f"  (i) {self.n} SIGKILLed imports: FAILED")

        # (ii) the server restarts (immediate stop) mid-import
        done = 0
        attempts = 0
        while done < 2 and attempts < 6:
            attempts += 1
            h = self.fresh(f"restart{attempts}")
            try:
                base = h.head_records()
                delay = self.rnd.uniform(0.2, max(0.3, took * 0.5))
                p = self.start_import(h)
                time.sleep(delay)
                if p.poll() is not None:
                    p.communicate()
                    lines.append(f"  (ii) attempt {attempts}: the import ended before {delay:.2f} s; again")
                    continue
                t0 = time.monotonic()
                r = subprocess.run([sys.executable, os.path.join(HERE, "cluster.py"), "restart-immediate",
                                    "--state", self.state_path], capture_output=True, text=True,
                                   timeout=cluster.TIMEOUT + 60)
                if r.returncode != 0:
                    h.fail(f"restart-immediate exits {r.returncode}: {r.stderr.strip()}")
                    p.kill()
                    p.communicate()
                    break
                try:
                    _, err = p.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.communicate()
                    h.fail(f"restart {attempts}: the import still runs 60 s after the server restarted (a hang)")
                    continue
                failed_after = time.monotonic() - t0
                if p.returncode == 0:
                    # It may have committed just before the crash; then the
                    # restart did not interrupt it, and it must hold all.
                    lines.append(f"  (ii) attempt {attempts}: the import committed before the crash; again")
                    h.verify(f"restart {attempts}")
                    self.all_or_nothing(h, base, k, f"restart {attempts}")
                    continue
                problem = h.stderr_problem(err)
                if problem or not err.strip():
                    h.fail(f"restart {attempts}: the failed import's stderr {problem or 'is empty'}: {err.strip()!r}")
                h.verify(f"after the restart {attempts}")
                n = self.all_or_nothing(h, base, k, f"restart {attempts}")
                self.import_again(h, base, k, f"restart {attempts}")
                done += 1
                lines.append(f"  (ii) restart at {delay:.2f} s into the import: it exits {p.returncode} "
                             f"{failed_after:.1f} s later with {err.strip()!r}; the ledger held "
                             f"{'all' if n else 'none'} of it; importing again succeeded")
            finally:
                h.drop()
                self.failures += h.failures
        if done < 2:
            self.failures.append(f"restart: only {done} of 2 restarts landed inside an import in {attempts} attempts")
            print("FAIL " + self.failures[-1], flush=True)
        return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--bank", type=float, metavar="SECONDS", help="the bank scenario for SECONDS (default 60)")
    mode.add_argument("--faults", type=int, metavar="N", help="N SIGKILLed imports and 2 server restarts")
    ap.add_argument("--postgresql-state", default=os.environ.get("ADLEDGER_TEST_POSTGRESQL_STATE"),
                    help="the cluster's state file (default $ADLEDGER_TEST_POSTGRESQL_STATE)")
    ap.add_argument("--adledger", default=DEFAULT_ADLEDGER, help="the adledger binary")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    if not args.postgresql_state:
        print("FAIL no --postgresql-state and no $ADLEDGER_TEST_POSTGRESQL_STATE", file=sys.stderr)
        return 1
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    try:
        state = cluster.load_state(args.postgresql_state)
    except cluster.ClusterError as e:
        print(f"FAIL {e}", file=sys.stderr)
        return 1
    tag = f"{os.getpid()}_{random.randrange(1 << 20):05x}"
    print(f"seed {seed}", flush=True)
    t0 = time.monotonic()
    if args.faults is not None:
        with tempfile.TemporaryDirectory(prefix="adledger-pgfaults-") as tmp:
            faults = Faults(lambda name: Harness(args.adledger, state, args.postgresql_state, f"conc_{name}_{tag}"),
                            args.postgresql_state, args.faults, tmp, seed)
            try:
                summary = faults.run()
            except Exception as e:
                faults.failures.append(f"{type(e).__name__}: {e}")
                print("FAIL " + faults.failures[-1], flush=True)
                summary = ""
            failures = faults.failures
    else:
        h = Harness(args.adledger, state, args.postgresql_state, f"conc_bank_{tag}")
        h.create()
        try:
            summary = Bank(h, args.bank if args.bank is not None else 60.0, seed).run()
        except Exception as e:
            h.fail(f"{type(e).__name__}: {e}")
            summary = ""
        finally:
            h.drop()
        failures = h.failures
    print(summary)
    print(f"took {time.monotonic() - t0:.1f} s")
    if failures:
        print(f"FAIL {len(failures)} failed check(s); the first: {failures[0]}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
