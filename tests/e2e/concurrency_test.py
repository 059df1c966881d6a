#!/usr/bin/python3
"""Runs many adledger writers against one ledger at once and checks that
nothing is lost, duplicated or left out of the hash chain.

What: creates one ledger (init + the founding case + a platform and an
advertiser for the test), then runs one of two scenarios.

Writers, an import and readers at once (the default) start, all at the same
moment:

  - --procs writers, each recording --each spend entries one `adledger spend
    record` command at a time, every one with its own --id;
  - one `adledger import` of a document of --import-entries spend entries
    (with ids) on the same platform and advertiser;
  - --readers readers, each running `adledger verify` and `adledger --format
    json head` in a loop until the writers are done.

Every command must exit 0: a writer that finds the ledger busy must wait
(SQLite busy timeout, BEGIN IMMEDIATE), not fail. Every verify run while the
writers work must pass too, and every head a reader sees must be a record
count that only grows. Afterwards: `adledger verify` exits 0; exactly
procs*each + import-entries spend entries exist, each id exactly once (in
the spend table and in `--format json report platform`); entry numbers and
the record log's seq are contiguous from 1; the log holds one record per
row; and the head count is the base count plus every record written.

Readers and writers during a long JSON Lines import (--long-import N, run
instead of the first): tests/bench/generate.py writes a JSON Lines ledger of
5 platforms, 1,000 advertisers, N spend entries, 400 bans and lifts and 20
pledges. Its platforms and advertisers are imported first, on their own, so
that the readers have an advertiser to report on while the rest is
uncommitted; then `adledger import FILE.jsonl` starts, and once it holds the
write lock (seen by a probe that takes and drops the lock until it cannot)
these start:

  - --readers readers (default 8), each looping over `report advertiser
    adv-0000 --by month`, `--format json balance`, `ban-status --advertiser
    adv-0001 --platform twitter --on 2019-06-01` (exit 0, or 1: banned) and
    `--format json head` until the import and the writers are done, with the
    default --wait: a reader must never need to wait for a writer;
  - --procs writers (default 4), each recording --each spend entries on the
    test's own platform and advertiser with `--wait 600`. The import is one
    transaction, and on two cores with eight readers an import of 200,000
    entries holds it for longer than the default 30 seconds; a writer queued
    behind it is meant to wait. The default wait is the first scenario's.

Every reader exits 0 (ban-status 0 or 1), every writer and the import exit
0, and no command says "not an SQLite database" or "database is locked".
Reads of each of the four kinds must complete while the import holds the
lock; every head a reader sees is the ledger before the import or after all
of it, never part of it. It prints the p50, p95, p99 and maximum latency of
the report during the import and how many reads completed during it.
Afterwards: `adledger verify` exits 0; the N imported ids and every writer's
ids are in the spend view exactly once and it has no other new rows; the
head count is the base count plus every record of the file after its
definitions plus every writer's entry, and the log has as many rows.

Why: a ledger is a file that several people or scripts may write at once
(a cron import while someone records a figure by hand). SQLite serialises
the writers, but only if every write takes the lock up front and waits for
it; a writer that reads the head of the log before taking the write lock
would fork the chain, and one that gives up on SQLITE_BUSY would lose a
record. This test makes them collide. A long import is where write-ahead
logging matters: without it, readers would queue behind the import's
transaction, and a report would hang while a bulk load runs.

Exit 0 with a summary when every check holds; exit 1 with FAIL lines
otherwise.
"""

import argparse
import collections
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

NOW = "2026-11-22T12:00:00.000Z"
PLATFORM = "conc-platform"
ADVERTISER = "conc-advertiser"
# What no command may say: a busy ledger is waited for, never taken for a
# damaged or foreign file, and SQLite's own busy error never reaches a user.
FORBIDDEN_STDERR = ("not an SQLite database", "database is locked")
# Writers during the long import wait for its one transaction (see above).
LONG_IMPORT_WRITER_WAIT_S = 600
# The reads of the long-import scenario: name, arguments, accepted exits.
LONG_IMPORT_READS = [
    ("report", ["report", "advertiser", "adv-0000", "--by", "month"], (0,)),
    ("balance", ["--format", "json", "balance"], (0,)),
    ("ban-status", ["ban-status", "--advertiser", "adv-0001", "--platform", "twitter", "--on", "2019-06-01"], (0, 1)),
    ("head", ["--format", "json", "head"], (0,)),
]


def import_document(entries):
    return {
        "format": "adledger/1",
        "spend": [{
            "id": f"imp-{i:05d}",
            "advertiser": ADVERTISER,
            "platform": PLATFORM,
            "amount": f"{i + 1}.{i % 100:02d}",
            "currency": "EUR",
            "period": ["2019", "2019-Q3", "2019-05", "2019-W20"][i % 4],
            "items": i,
            "market": "FR",
            "tags": ["import"],
            "source": "concurrency-import.txt",
        } for i in range(entries)],
    }


class Harness:
    """One temporary ledger, the adledger binary that runs on it, and the
    failures found so far (threads report them as they go)."""

    def __init__(self, binary, tmp):
        self.binary = binary
        self.tmp = tmp
        self.db = os.path.join(tmp, "ledger.db")
        self.env = dict(os.environ, ADLEDGER_TODAY="2026-11-22", TZ="UTC", LC_ALL="C.UTF-8")
        for k in ("ADLEDGER_DB", "ADLEDGER_FORMAT", "ADLEDGER_NOW"):
            self.env.pop(k, None)
        self.failures = []
        self.lock = threading.Lock()

    def fail(self, message):
        with self.lock:
            self.failures.append(message)
            print("FAIL " + message, flush=True)

    def check_stderr(self, who, stderr):
        for text in FORBIDDEN_STDERR:
            if text in stderr:
                self.fail(f"{who}: says {text!r}: {stderr.strip()}")

    def thread(self, who, target, *args):
        """A thread that counts an exception it raises as a failure: a reader
        that dies quietly would make the test pass on fewer reads."""
        def guarded():
            try:
                target(*args)
            except Exception as e:
                self.fail(f"{who}: {type(e).__name__}: {e}")
        return threading.Thread(target=guarded)

    def command(self, words):
        return [self.binary, "--db", self.db] + words

    def run(self, words, timeout=120):
        t0 = time.monotonic()
        r = subprocess.run(self.command(words), env=self.env, cwd=self.tmp, capture_output=True, text=True,
                           timeout=timeout)
        took = time.monotonic() - t0
        self.check_stderr("adledger " + " ".join(words), r.stderr)
        return r, took

    def head(self):
        r, _ = self.run(["--format", "json", "head"])
        if r.returncode != 0:
            raise RuntimeError(f"head exits {r.returncode}: {r.stderr.strip()}")
        j = json.loads(r.stdout)
        return j["records"], j["head"]

    def set_up(self, fixture):
        """init, the founding case, and the test's platform and advertiser;
        False (after saying why) when one of them fails."""
        for words in (["init"], ["import", fixture], ["platform", "add", PLATFORM, "--name", "Concurrency Platform"],
                      ["advertiser", "add", ADVERTISER, "--name", "Concurrency Advertiser"]):
            r, _ = self.run(words)
            if r.returncode != 0:
                self.fail(f"setup: adledger {' '.join(words)} exits {r.returncode}: {r.stderr.strip()}")
                return False
        return True


def percentile(sorted_values, p):
    """The nearest-rank p-th percentile of an ascending, non-empty list."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def wait_for_write_lock(db, proc):
    """The moment `proc` is seen holding the ledger's write lock, or None if
    it exits first. Probes with a BEGIN IMMEDIATE that does not wait: while it
    succeeds, nobody holds the lock yet, and it is dropped at once."""
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        while proc.poll() is None:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                if "locked" in str(e) or "busy" in str(e):
                    return time.monotonic()
                raise
            con.execute("ROLLBACK")
            time.sleep(0.002)
        return None
    finally:
        con.close()


def mixed_writers(h, args, fixture):
    """Writers, an import and readers at once; the summary, or None on a
    failure."""
    run, fail, lock, db = h.run, h.fail, h.lock, h.db
    if not h.set_up(fixture):
        return None
    base_count, base_head = h.head()
    doc = os.path.join(h.tmp, "import.json")
    with open(doc, "w", encoding="utf-8") as f:
        json.dump(import_document(args.import_entries), f, indent=1)

    writer_ids = [[f"w{w}-{j:04d}" for j in range(args.each)] for w in range(args.procs)]
    barrier = threading.Barrier(args.procs + 1 + args.readers)
    writers_done = threading.Event()
    latencies = []
    import_time = [None]
    reader_stats = {"verify": 0, "head": 0}

    def writer(w):
        barrier.wait()
        for j, ext_id in enumerate(writer_ids[w]):
            r, took = run(["spend", "record", "--advertiser", ADVERTISER, "--platform", PLATFORM,
                           "--amount", f"{w * 1000 + j + 1}.{j % 100:02d}", "--currency", "USD",
                           "--period", f"2019-{j % 12 + 1:02d}", "--market", "US", "--items", str(j),
                           "--tag", f"writer-{w}", "--source", f"writer-{w}.txt", "--id", ext_id])
            with lock:
                latencies.append(took)
            if r.returncode != 0:
                fail(f"writer {w}: spend record --id {ext_id} exits {r.returncode} after {took:.2f} s: "
                     f"{r.stderr.strip()}")

    def importer():
        barrier.wait()
        r, took = run(["--format", "json", "import", doc])
        import_time[0] = took
        if r.returncode != 0:
            fail(f"import exits {r.returncode} after {took:.2f} s: {r.stderr.strip()}")
            return
        j = json.loads(r.stdout)
        if j.get("spend") != args.import_entries or j.get("unchanged") != 0:
            fail(f"import reports {j}, expected {args.import_entries} spend entries, none unchanged")

    def reader(k):
        barrier.wait()
        last = base_count
        while not writers_done.is_set():
            r, took = run(["verify"])
            with lock:
                reader_stats["verify"] += 1
            if r.returncode != 0:
                fail(f"reader {k}: verify while writers run exits {r.returncode} after {took:.2f} s: "
                     f"{r.stderr.strip()}")
            try:
                count, _ = h.head()
            except Exception as e:
                fail(f"reader {k}: {e}")
                continue
            with lock:
                reader_stats["head"] += 1
            if count < last:
                fail(f"reader {k}: the head went back from {last} to {count} records")
            last = count

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(args.procs)]
    threads.append(threading.Thread(target=importer))
    readers = [threading.Thread(target=reader, args=(k,)) for k in range(args.readers)]
    t0 = time.monotonic()
    for t in threads + readers:
        t.start()
    for t in threads:
        t.join()
    writers_done.set()
    for t in readers:
        t.join()
    write_time = time.monotonic() - t0

    # Afterwards: the ledger, its log and its head.
    r, _ = run(["verify"])
    if r.returncode != 0:
        fail(f"verify after the writers exits {r.returncode}: {r.stderr.strip()}")
    expected_ids = [i for ids in writer_ids for i in ids] + [f"imp-{i:05d}" for i in range(args.import_entries)]
    expected_spend = len(expected_ids)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT id, external_id FROM spend WHERE platform_id = ? ORDER BY id",
                           (PLATFORM,)).fetchall()
        all_entries = [r[0] for r in con.execute("SELECT id FROM spend ORDER BY id")]
        seqs = [r[0] for r in con.execute("SELECT seq FROM record_log ORDER BY seq")]
        logged_spend = con.execute("SELECT count(*) FROM record_log WHERE kind = 'spend'").fetchone()[0]
        spend_rows = con.execute("SELECT count(*) FROM spend").fetchone()[0]
        txns = con.execute("SELECT count(*) FROM journal_txn").fetchone()[0]
    finally:
        con.close()
    got = [r[1] for r in rows]
    missing = sorted(set(expected_ids) - set(got))
    extra = sorted(set(got) - set(expected_ids))
    dups = sorted({i for i in got if got.count(i) > 1}) if len(got) != len(set(got)) else []
    if len(got) != expected_spend:
        fail(f"{len(got)} spend entries on {PLATFORM}, expected {expected_spend}")
    if missing:
        fail(f"{len(missing)} ids lost: {', '.join(missing[:10])}")
    if extra:
        fail(f"{len(extra)} unexpected ids: {', '.join(map(str, extra[:10]))}")
    if dups:
        fail(f"{len(dups)} ids recorded twice: {', '.join(dups[:10])}")
    if all_entries != list(range(1, len(all_entries) + 1)):
        fail(f"entry numbers are not contiguous from 1: {len(all_entries)} entries, last #{all_entries[-1]}")
    if seqs != list(range(1, len(seqs) + 1)):
        gaps = [b for a, b in zip(seqs, seqs[1:]) if b != a + 1]
        fail(f"record_log seq is not contiguous from 1 ({len(seqs)} records, breaks before {gaps[:10]})")
    if logged_spend != spend_rows:
        fail(f"the log holds {logged_spend} spend records for {spend_rows} spend rows")
    count, final_head = h.head()
    if count != base_count + expected_spend or count != len(seqs):
        fail(f"head says {count} records; expected {base_count} + {expected_spend} = "
             f"{base_count + expected_spend} (the log has {len(seqs)} rows)")
    r, _ = run(["--format", "json", "report", "platform", PLATFORM])
    if r.returncode != 0:
        fail(f"report platform exits {r.returncode}: {r.stderr.strip()}")
    else:
        ids = [e["id"] for e in json.loads(r.stdout)["entries"]]
        if sorted(ids) != sorted(expected_ids):
            fail(f"report platform lists {len(ids)} entries ({len(set(ids))} distinct ids), "
                 f"expected exactly the {expected_spend} ids written")
    if h.failures:
        return None
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    return (f"{args.procs} writers x {args.each} `spend record` commands, one import of "
            f"{args.import_entries} entries ({import_time[0]:.2f} s) and {args.readers} reader(s) "
            f"({reader_stats['verify']} verify and {reader_stats['head']} head runs, all exit 0, the head only "
            f"grew) ran at once for {write_time:.1f} s; every command exited 0 (spend record median "
            f"{p50 * 1000:.0f} ms, slowest {latencies[-1] * 1000:.0f} ms, waiting for the lock). Afterwards "
            f"verify exits 0, exactly {expected_spend} entries exist, each id once (spend table and report), "
            f"entry numbers 1..{len(all_entries)} and record_log seq 1..{len(seqs)} are contiguous, "
            f"{txns} journal transactions, head {count} records = {base_count} + {expected_spend} "
            f"({final_head[:16]}...).")


def long_import(h, args, root, fixture):
    """Readers and writers during a long JSON Lines import; the summary, or
    None on a failure."""
    entries = args.long_import
    readers_n = 8 if args.readers is None else args.readers
    if not h.set_up(fixture):
        return None

    # The file, and its platforms and advertisers (its first lines) on their
    # own: the readers report on adv-0000 and ask about twitter while the
    # rest of the file is uncommitted, so these must be in before.
    t = time.monotonic()
    jsonl = os.path.join(h.tmp, "long.jsonl")
    subprocess.run([sys.executable, os.path.join(root, "tests", "bench", "generate.py"), "--entries", str(entries),
                    "--out", jsonl], check=True, timeout=600)
    generate_time = time.monotonic() - t
    definitions = []
    with open(jsonl, encoding="utf-8") as f:
        lines = f.readlines()
    for line in lines:
        if json.loads(line)["type"] not in ("platform", "advertiser"):
            break
        definitions.append(line)
    new_records = len(lines) - len(definitions)  # one record a line: spend, ban, lift, pledge
    del lines
    defs = os.path.join(h.tmp, "definitions.jsonl")
    with open(defs, "w", encoding="utf-8") as f:
        f.writelines(definitions)
    r, _ = h.run(["import", defs])
    if r.returncode != 0:
        h.fail(f"setup: import of the file's platforms and advertisers exits {r.returncode}: {r.stderr.strip()}")
        return None
    base_count, _ = h.head()
    con = sqlite3.connect(f"file:{h.db}?mode=ro", uri=True)
    try:
        base_spend = con.execute("SELECT count(*) FROM spend").fetchone()[0]
    finally:
        con.close()

    writer_ids = [[f"lw{w}-{j:04d}" for j in range(args.each)] for w in range(args.procs)]
    go = threading.Event()
    stop = threading.Event()
    reads = []  # (name, start, end, head records or None)
    writes = []  # (start, end)

    def writer(w):
        go.wait()
        for j, ext_id in enumerate(writer_ids[w]):
            words = ["--wait", str(LONG_IMPORT_WRITER_WAIT_S), "spend", "record", "--advertiser", ADVERTISER,
                     "--platform", PLATFORM, "--amount", f"{w * 1000 + j + 1}.{j % 100:02d}", "--currency", "USD",
                     "--period", f"2019-{j % 12 + 1:02d}", "--market", "US", "--source", f"writer-{w}.txt",
                     "--id", ext_id]
            t0 = time.monotonic()
            try:
                r, took = h.run(words, timeout=LONG_IMPORT_WRITER_WAIT_S + 60)
            except subprocess.TimeoutExpired as e:
                h.fail(f"writer {w}: spend record --id {ext_id}: {e}")
                return
            with h.lock:
                writes.append((t0, t0 + took))
            if r.returncode != 0:
                h.fail(f"writer {w}: spend record --id {ext_id} exits {r.returncode} after {took:.2f} s: "
                       f"{r.stderr.strip()}")
                return  # one line a writer, not one a command

    def reader(k):
        go.wait()
        last = base_count
        n = k  # each reader starts with a different command, so all four run from the start
        while not stop.is_set():
            name, words, exits = LONG_IMPORT_READS[n % len(LONG_IMPORT_READS)]
            n += 1
            t0 = time.monotonic()
            try:
                r, took = h.run(words)
            except subprocess.TimeoutExpired as e:
                h.fail(f"reader {k}: {name}: {e}")
                return
            records = None
            if r.returncode not in exits:
                h.fail(f"reader {k}: adledger {' '.join(words)} exits {r.returncode} after {took:.2f} s: "
                       f"{r.stderr.strip()}")
                return  # one line a reader, not one a loop
            elif name in ("balance", "head"):
                try:
                    j = json.loads(r.stdout)
                except ValueError as e:
                    h.fail(f"reader {k}: {name} prints no JSON ({e}): {r.stdout[:200]!r}")
                    return
                if name == "head":
                    records = j["records"]
                    if records < last:
                        h.fail(f"reader {k}: the head went back from {last} to {records} records")
                    last = records
            with h.lock:
                reads.append((name, t0, t0 + took, records))

    threads = [h.thread(f"writer {w}", writer, w) for w in range(args.procs)]
    readers = [h.thread(f"reader {k}", reader, k) for k in range(readers_n)]
    for t in threads + readers:
        t.start()
    import_words = ["--format", "json", "import", jsonl]
    t_start = time.monotonic()
    imp = subprocess.Popen(h.command(import_words), env=h.env, cwd=h.tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        t_lock = wait_for_write_lock(h.db, imp)
        go.set()  # even when the import was not seen holding the lock: the threads must end
        try:
            out, err = imp.communicate(timeout=1800)
        except subprocess.TimeoutExpired:
            imp.kill()
            out, err = imp.communicate()
            h.fail("import: still running after 1800 s; killed")
        t_end = time.monotonic()
    finally:
        go.set()
        for t in threads:
            t.join()
        stop.set()
        for t in readers:
            t.join()
    import_time = t_end - t_start
    h.check_stderr("import", err)
    if imp.returncode != 0:
        h.fail(f"import exits {imp.returncode} after {import_time:.2f} s: {err.strip()}")
    else:
        j = json.loads(out)
        if j.get("spend") != entries or j.get("unchanged") != len(definitions):
            h.fail(f"import reports {j}, expected {entries} spend entries and {len(definitions)} unchanged "
                   f"(the platforms and advertisers imported before)")
    if t_lock is None:
        h.fail(f"the import ({import_time:.2f} s) ended before it was seen holding the write lock; "
               f"raise --long-import")
        t_lock = t_end

    # Reads while the import held the lock: started after it was seen holding
    # it, ended before it exited.
    during = [x for x in reads if x[1] >= t_lock and x[2] <= t_end]
    during_by_name = collections.Counter(x[0] for x in during)
    for name, _, _ in LONG_IMPORT_READS:
        if during_by_name[name] == 0:
            h.fail(f"no {name} completed while the import held the write lock ({t_end - t_lock:.2f} s): "
                   f"readers are blocked by the writer, or the import is too short (raise --long-import)")
    # A head is the ledger before the import or after all of it (and perhaps
    # writers' entries after it), never a part of it.
    for name, _, _, records in reads:
        if records is not None and records != base_count and \
                not base_count + new_records <= records <= base_count + new_records + args.procs * args.each:
            h.fail(f"a reader saw a head of {records} records: neither the {base_count} before the import nor "
                   f"the {base_count + new_records} or more after it")
    heads_before = sum(1 for x in during if x[0] == "head" and x[3] == base_count)

    # Afterwards: the ledger, its log and its head.
    r, _ = h.run(["verify"], timeout=1800)
    if r.returncode != 0:
        h.fail(f"verify after the import exits {r.returncode}: {r.stderr.strip()}")
    expected_ids = [f"s{n:07d}" for n in range(1, entries + 1)] + [i for ids in writer_ids for i in ids]
    con = sqlite3.connect(f"file:{h.db}?mode=ro", uri=True)
    try:
        spend_rows = con.execute("SELECT count(*) FROM spend").fetchone()[0]
        ids = collections.Counter(r[0] for r in con.execute("SELECT external_id FROM spend"))
        log_rows = con.execute("SELECT count(*) FROM record_log").fetchone()[0]
    finally:
        con.close()
    if spend_rows != base_spend + len(expected_ids):
        h.fail(f"{spend_rows} spend entries; expected {base_spend} + {entries} imported + "
               f"{args.procs * args.each} written = {base_spend + len(expected_ids)}")
    missing = [i for i in expected_ids if ids[i] == 0]
    twice = [i for i in expected_ids if ids[i] > 1]
    if missing:
        h.fail(f"{len(missing)} ids lost: {', '.join(missing[:10])}")
    if twice:
        h.fail(f"{len(twice)} ids recorded more than once: {', '.join(twice[:10])}")
    count, final_head = h.head()
    expected_count = base_count + new_records + args.procs * args.each
    if count != expected_count or count != log_rows:
        h.fail(f"head says {count} records; expected {base_count} + {new_records} imported + "
               f"{args.procs * args.each} written = {expected_count} (the log has {log_rows} rows)")
    if h.failures:
        return None

    reports = sorted(x[2] - x[1] for x in during if x[0] == "report")
    writes.sort()
    first_waits = max((end - start for start, end in writes[:args.procs]), default=0)
    figures = ", ".join(f"p{p} {percentile(reports, p) * 1000:.0f} ms" for p in (50, 95, 99))
    return (f"long import: generated {entries} spend entries ({len(definitions)} platforms and advertisers "
            f"imported first; {generate_time:.1f} s), then `import` ran {import_time:.2f} s, holding the write "
            f"lock for at least {t_end - t_lock:.2f} s. While it held it, {len(during)} reads completed ("
            + ", ".join(f"{during_by_name[n]} {n}" for n, _, _ in LONG_IMPORT_READS)
            + f"; {heads_before} heads saw the ledger before the import), {readers_n} readers in all "
            f"{len(reads)} reads, each exit 0 (ban-status 0 or 1). report advertiser during the import: "
            f"{figures}, max {reports[-1] * 1000:.0f} ms ({len(reports)} runs). {args.procs} writers x {args.each} "
            f"`spend record --wait {LONG_IMPORT_WRITER_WAIT_S}` all exit 0 (the first ones waited up to "
            f"{first_waits:.2f} s for the import). Afterwards verify exits 0, {spend_rows} spend entries = "
            f"{base_spend} + {entries} + {args.procs * args.each}, each id once, head {count} records = "
            f"{base_count} + {new_records} + {args.procs * args.each} ({final_head[:16]}...).")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--adledger", required=True, help="the adledger binary")
    ap.add_argument("--root", required=True, help="the repository root (for fixtures/)")
    ap.add_argument("--procs", type=int, default=4, help="concurrent writers (default 4)")
    ap.add_argument("--each", type=int, default=25, help="spend records per writer (default 25)")
    ap.add_argument("--import-entries", type=int, default=300,
                    help="spend entries in the concurrently imported document (default 300)")
    ap.add_argument("--readers", type=int, default=None,
                    help="concurrent readers (default 1; with --long-import, 8)")
    ap.add_argument("--long-import", type=int, default=0, metavar="N",
                    help="instead, readers and writers during a JSON Lines import of N spend entries "
                         "(default 0: off)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if args.long_import < 0:
        ap.error("--long-import must be 0 or more")
    binary = os.path.abspath(args.adledger)
    root = os.path.abspath(args.root)
    fixture = os.path.join(root, "fixtures", "founding-case.json")
    started = time.monotonic()

    tmp = tempfile.mkdtemp(prefix="adledger-concurrency-")
    h = Harness(binary, tmp)
    try:
        if args.long_import:
            summary = long_import(h, args, root, fixture)
        else:
            if args.readers is None:
                args.readers = 1
            summary = mixed_writers(h, args, fixture)
        elapsed = time.monotonic() - started
        if h.failures or summary is None:
            print(f"concurrency_test: {len(h.failures)} failure(s) in {elapsed:.1f} s; files kept in {tmp}")
            args.keep = True
            return 1
        print(f"concurrency_test: OK. {summary} Total {elapsed:.1f} s.")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
