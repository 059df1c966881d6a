#!/usr/bin/python3
"""Runs many adledger writers against one ledger at once and checks that
nothing is lost, duplicated or left out of the hash chain.

What: creates one ledger (init + the founding case + a platform and an
advertiser for the test), then starts, all at the same moment:

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

Why: a ledger is a file that several people or scripts may write at once
(a cron import while someone records a figure by hand). SQLite serialises
the writers, but only if every write takes the lock up front and waits for
it; a writer that reads the head of the log before taking the write lock
would fork the chain, and one that gives up on SQLITE_BUSY would lose a
record. This test makes them collide.

Exit 0 with a summary when every check holds; exit 1 with FAIL lines
otherwise.
"""

import argparse
import json
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--adledger", required=True, help="the adledger binary")
    ap.add_argument("--root", required=True, help="the repository root (for fixtures/)")
    ap.add_argument("--procs", type=int, default=4, help="concurrent writers (default 4)")
    ap.add_argument("--each", type=int, default=25, help="spend records per writer (default 25)")
    ap.add_argument("--import-entries", type=int, default=300,
                    help="spend entries in the concurrently imported document (default 300)")
    ap.add_argument("--readers", type=int, default=1, help="concurrent verify/head readers (default 1)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    binary = os.path.abspath(args.adledger)
    fixture = os.path.join(os.path.abspath(args.root), "fixtures", "founding-case.json")
    started = time.monotonic()

    failures = []
    lock = threading.Lock()

    def fail(message):
        with lock:
            failures.append(message)
            print("FAIL " + message, flush=True)

    tmp = tempfile.mkdtemp(prefix="adledger-concurrency-")
    env = dict(os.environ, ADLEDGER_TODAY="2026-11-22", TZ="UTC", LC_ALL="C.UTF-8")
    for k in ("ADLEDGER_DB", "ADLEDGER_FORMAT", "ADLEDGER_NOW"):
        env.pop(k, None)
    db = os.path.join(tmp, "ledger.db")

    def run(words, timeout=120):
        t0 = time.monotonic()
        r = subprocess.run([binary, "--db", db] + words, env=env, cwd=tmp, capture_output=True, text=True,
                           timeout=timeout)
        return r, time.monotonic() - t0

    def head():
        r, _ = run(["--format", "json", "head"])
        if r.returncode != 0:
            raise RuntimeError(f"head exits {r.returncode}: {r.stderr.strip()}")
        j = json.loads(r.stdout)
        return j["records"], j["head"]

    try:
        for words in (["init"], ["import", fixture], ["platform", "add", PLATFORM, "--name", "Concurrency Platform"],
                      ["advertiser", "add", ADVERTISER, "--name", "Concurrency Advertiser"]):
            r, _ = run(words)
            if r.returncode != 0:
                fail(f"setup: adledger {' '.join(words)} exits {r.returncode}: {r.stderr.strip()}")
                return 1
        base_count, base_head = head()
        doc = os.path.join(tmp, "import.json")
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
                    count, _ = head()
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
        count, final_head = head()
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

        elapsed = time.monotonic() - started
        if failures:
            print(f"concurrency_test: {len(failures)} failure(s) in {elapsed:.1f} s; files kept in {tmp}")
            args.keep = True
            return 1
        latencies.sort()
        p50 = latencies[len(latencies) // 2]
        print(f"concurrency_test: OK. {args.procs} writers x {args.each} `spend record` commands, one import of "
              f"{args.import_entries} entries ({import_time[0]:.2f} s) and {args.readers} reader(s) "
              f"({reader_stats['verify']} verify and {reader_stats['head']} head runs, all exit 0, the head only "
              f"grew) ran at once for {write_time:.1f} s; every command exited 0 (spend record median "
              f"{p50 * 1000:.0f} ms, slowest {latencies[-1] * 1000:.0f} ms, waiting for the lock). Afterwards "
              f"verify exits 0, exactly {expected_spend} entries exist, each id once (spend table and report), "
              f"entry numbers 1..{len(all_entries)} and record_log seq 1..{len(seqs)} are contiguous, "
              f"{txns} journal transactions, head {count} records = {base_count} + {expected_spend} "
              f"({final_head[:16]}...). Total {elapsed:.1f} s.")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
