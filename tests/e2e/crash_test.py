#!/usr/bin/python3
"""Kills `adledger import` with SIGKILL at random moments and checks that the
ledger always holds the whole file or none of it.

What: builds a base ledger (init + the founding case) and a large, valid
import document (one platform, one advertiser and spend entries with ids,
as many as make the import take about --target-seconds, or --entries),
measures how long importing it takes, then --runs times: copies the base
ledger, starts `adledger import big.json`, and sends SIGKILL after a delay
drawn uniformly over the measured duration. A tenth of the runs die in its
first 5%; a fifth between 85% and 130% of it, so that some imports finish
first and some die in their last moments; a fifth within 5 ms of the moment
the journal turns hot (SQLite is about to write into the database file, at
a cache spill or at the commit), found by watching the journal's header;
the rest anywhere. After each kill:

  - `adledger verify` exits 0 (it is the first process to open the file, so
    it is the one that rolls back a hot journal);
  - the ledger holds all of the file or none of it: `--format json head` is
    the base head exactly (count and hash) or base + every record of the
    file, and the spend ids of the file in the spend table are all or none;
    an import that exited 0 must have left all of it;
  - importing the file again succeeds and leaves the whole file in, with the
    very head of an import that was never interrupted (entry numbers,
    transactions and hashes identical: a rolled-back import leaves no trace),
    and importing it once more reports every record unchanged.

Why: the README promises that an import "goes in whole or not at all" and
that a failed command leaves the ledger exactly as it was. SIGKILL is the
harshest failure a process can meet short of a power cut: no handler, no
destructor, no rollback by adledger itself. Only SQLite's journal stands
between a half-written import and the ledger.

The seed is fixed and printed (override it with --seed) so that a failing
run can be repeated: it fixes each run's kind and kill moment, as a
fraction of the import's duration (in seconds, the moment follows the
duration measured as the test goes, since a loaded machine imports more
slowly). The checks of
one run overlap the next run's kill (one checker thread), to keep the test
under a minute on two cores.

Exit 0 with a summary when every run holds; exit 1 with FAIL lines
otherwise.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

DEFAULT_SEED = 20261122
NOW = "2026-11-22T12:00:00.000Z"
PLATFORM = "crash-platform"
ADVERTISER = "crash-advertiser"


def pad_bytes(entries):
    """Text per entry that makes the whole import write about 4 MB: more
    than SQLite's page cache (2 MiB by default), so that uncommitted pages
    reach the database file before the commit and a kill leaves a hot
    journal that must be rolled back, not merely one that is ignored."""
    return max(500, min(8000, 2_000_000 // max(1, entries)))


def big_document(entries, text_bytes):
    """A valid import document: one platform, one advertiser, `entries`
    spend entries with ids, with varied periods, amounts and tags, and about
    `text_bytes` of note and source on each (each at most 4000 bytes, under
    adledger's 4096-byte limit on free text)."""
    periods = ["2018", "2018-Q2", "2018-03", "2018-W10", "2018-07-14", "2018-01-01..2018-06-30", "2017-12..2018-02"]
    precisions = ["exact", "approximate", "estimated"]
    spend = []
    for i in range(entries):
        e = {
            "id": f"crash-{i:06d}",
            "advertiser": ADVERTISER,
            "platform": PLATFORM,
            "amount": f"{(i * 7919) % 100000 + 1}.{i % 100:02d}",
            "currency": "USD" if i % 5 else "EUR",
            "period": periods[i % len(periods)],
            "items": (i * 31) % 5000,
            "market": ["US", "FR", "DE", "worldwide"][i % 4],
            "tags": ["crash", f"t{i % 7}"],
            "precision": precisions[i % 3],
            "source": f"crash-source-{i % 13}.txt",
        }
        note = f"entrée n° {i}: « noté » "
        filler = "".join(chr(0x61 + (i * k) % 26) for k in range(min(4000, text_bytes)))
        e["note"] = note + filler[:max(0, min(4000, text_bytes) - len(note.encode()))]
        if text_bytes > 4000:
            e["source"] += " " + filler[:min(3900, text_bytes - 4000)]
        spend.append(e)
    return {
        "format": "adledger/1",
        "platforms": [{"id": PLATFORM, "name": "Crash Test Platform"}],
        "advertisers": [{"id": ADVERTISER, "name": "Crash Test Advertiser", "country": "FR",
                         "state_affiliated": False}],
        "spend": spend,
    }


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Env:
    def __init__(self, binary, tmp):
        self.binary = binary
        self.tmp = tmp
        self.env = dict(os.environ, ADLEDGER_TODAY="2026-11-22", TZ="UTC", LC_ALL="C.UTF-8", ADLEDGER_NOW=NOW)
        for k in ("ADLEDGER_DB", "ADLEDGER_FORMAT"):
            self.env.pop(k, None)

    def argv(self, db, words):
        return [self.binary, "--db", db] + words

    def run(self, db, words):
        return subprocess.run(self.argv(db, words), env=self.env, cwd=self.tmp, capture_output=True, text=True,
                              timeout=120)

    def head(self, db):
        r = self.run(db, ["--format", "json", "head"])
        if r.returncode != 0:
            raise RuntimeError(f"head exits {r.returncode}: {r.stderr.strip()}")
        j = json.loads(r.stdout)
        return j["records"], j["head"]

    def import_json(self, db, path):
        r = self.run(db, ["--format", "json", "import", path])
        if r.returncode != 0:
            raise RuntimeError(f"import exits {r.returncode}: {r.stderr.strip()}")
        return json.loads(r.stdout)


def journal_state(db):
    """What a kill left beside the database: no journal, a journal SQLite
    ignores (its header is still zero: nothing of the transaction reached the
    database file), or a hot journal (first byte non-zero), which the next
    process to open the file must roll back."""
    path = db + "-journal"
    if not os.path.exists(path):
        return "none"
    with open(path, "rb") as f:
        first = f.read(1)
    return "hot" if first not in (b"", b"\0") else "cold"


def file_ids(db):
    """The crash-* spend ids in the ledger (read-only; only after adledger
    has opened the file and rolled back any hot journal)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        ids = [r[0] for r in con.execute("SELECT external_id FROM spend WHERE external_id LIKE 'crash-%'")]
        platforms = con.execute("SELECT count(*) FROM platform WHERE id = ?", (PLATFORM,)).fetchone()[0]
        return ids, platforms
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--adledger", required=True, help="the adledger binary")
    ap.add_argument("--root", required=True, help="the repository root (for fixtures/)")
    ap.add_argument("--runs", type=int, default=50, help="kills to try (default 50)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    ap.add_argument("--entries", type=int, default=None,
                    help="spend entries in the big document (default: scaled so that the import takes "
                         "--target-seconds; 1000 to start with)")
    ap.add_argument("--target-seconds", type=float, default=0.6,
                    help="how long the import should take, with another beside it, when --entries is not "
                         "given (default 0.6: fifty runs then fit in a minute on two cores)")
    ap.add_argument("--text-bytes", type=int, default=None,
                    help="note and source text per entry (default: enough for the import to write about 4 MB, "
                         "more than SQLite's page cache)")
    ap.add_argument("--verify-every", type=int, default=5,
                    help="also run verify after the re-import on every Nth run (default 5)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    binary = os.path.abspath(args.adledger)
    fixture = os.path.join(os.path.abspath(args.root), "fixtures", "founding-case.json")
    rng = random.Random(args.seed)
    started = time.monotonic()
    print(f"crash_test: seed {args.seed} (repeat with --seed {args.seed}), {args.runs} runs", flush=True)

    failures = []
    lock = threading.Lock()

    def fail(message):
        with lock:
            failures.append(message)
            print("FAIL " + message, flush=True)

    tmp = tempfile.mkdtemp(prefix="adledger-crash-")
    try:
        env = Env(binary, tmp)
        base = os.path.join(tmp, "base.db")
        for words in (["init"], ["import", fixture]):
            r = env.run(base, words)
            if r.returncode != 0:
                fail(f"setup: adledger {' '.join(words)} exits {r.returncode}: {r.stderr.strip()}")
                return 1
        base_count, base_head = env.head(base)
        base_digest = digest(base)
        big = os.path.join(tmp, "big.json")

        def calibrate(entries, repeats=3):
            """Writes the document and times uninterrupted imports of it, the
            way the runs are timed and under the same load: while a run is
            killed, the checker thread is busy re-importing the previous
            run's ledger, so each timed import has another one beside it.
            Returns (median duration, durations, head after the import)."""
            with open(big, "w", encoding="utf-8") as f:
                json.dump(big_document(entries, args.text_bytes or pad_bytes(entries)), f, ensure_ascii=False, indent=1)
            durations = []
            heads = set()
            for i in range(repeats):
                db = os.path.join(tmp, f"calibrate-{i}.db")
                load_db = os.path.join(tmp, f"load-{i}.db")
                shutil.copyfile(base, db)
                shutil.copyfile(base, load_db)
                load = subprocess.Popen(env.argv(load_db, ["import", big]), env=env.env, cwd=tmp,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                t0 = time.monotonic()
                p = subprocess.Popen(env.argv(db, ["import", big]), env=env.env, cwd=tmp,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                _, err = p.communicate(timeout=300)
                durations.append(time.monotonic() - t0)
                load.wait(timeout=300)
                os.remove(load_db)
                if p.returncode != 0:
                    raise RuntimeError(f"calibration: import exits {p.returncode}: "
                                       f"{err.decode(errors='replace').strip()}")
                count, head = env.head(db)
                if count != base_count + entries + 2:
                    fail(f"calibration: {count} records after an uninterrupted import, expected "
                         f"{base_count + entries + 2}")
                if not heads:
                    r = env.run(db, ["verify"])
                    if r.returncode != 0:
                        fail(f"calibration: verify exits {r.returncode}: {r.stderr.strip()}")
                heads.add(head)
                os.remove(db)
            if len(heads) != 1:
                fail(f"calibration: uninterrupted imports of the same file give different heads: {sorted(heads)}")
            return statistics.median(durations), durations, sorted(heads)[0]

        entries = args.entries or 400
        try:
            # Scale the document with single timed imports first (cheap),
            # then time the one kept three times.
            for _ in range(3 if args.entries is None else 0):
                duration, _, _ = calibrate(entries, repeats=1)
                if 0.75 <= duration / args.target_seconds <= 1.35:
                    break
                scaled = max(100, min(20000, int(entries * args.target_seconds / duration)))
                print(f"calibration: {entries} entries take {duration:.3f} s; trying {scaled} for about "
                      f"{args.target_seconds} s", flush=True)
                entries = scaled
            duration, durations, full_head = calibrate(entries)
        except RuntimeError as e:
            fail(str(e))
            return 1
        if failures:
            return 1
        file_records = entries + 2  # the platform, the advertiser, the entries
        all_ids = {f"crash-{i:06d}" for i in range(entries)}
        full_count = base_count + file_records
        print(f"calibration: import of {file_records} records ({os.path.getsize(big) / 1e6:.1f} MB) takes "
              f"{duration:.3f} s with another beside it "
              f"(runs: {', '.join(f'{d:.3f}' for d in durations)}); base ledger {base_count} records", flush=True)
        if not 0.5 <= duration <= 2:
            print(f"note: the import takes {duration:.2f} s, outside the 0.5-2 s aimed at")

        # The kill moments. A tenth very early (the first 5% of the
        # duration); a fifth around the end (85% to 130%: an import runs a
        # little slower or faster from one run to the next, so some of these
        # finish first and some die in their last moments); a fifth at the
        # moment the journal turns hot (SQLite has written the journal header
        # and is about to write into the database file, at a cache spill or at
        # the commit), plus 0-5 ms; and the rest uniformly over the duration.
        # A delay is drawn as a fraction of the duration and turned into
        # seconds at each run with the duration measured live: the checker
        # times its re-imports (the same file, on the same base, beside the
        # next run's import), and the median of the last five stands in for
        # the calibration once there are three.
        early, late, hot_runs = max(1, args.runs // 10), max(1, args.runs // 5), max(1, args.runs // 5)
        schedule = ([("early", rng.uniform(0, 0.05)) for _ in range(early)] +
                    [("late", rng.uniform(0.85, 1.3)) for _ in range(late)] +
                    [("hot", rng.uniform(0, 0.005)) for _ in range(hot_runs)] +
                    [("uniform", rng.uniform(0, 1))
                     for _ in range(max(0, args.runs - early - late - hot_runs))])[:args.runs]
        rng.shuffle(schedule)
        live = []

        def current_duration():
            with lock:
                recent = live[-5:]
            return statistics.median(recent) if len(recent) >= 3 else duration

        def check(run, db, mode, fraction, delay, killed, returncode, stderr, journal_left, db_written):
            """Everything after the kill, for one run. Returns its outcome."""
            moment = (f"{fraction * 1000:.1f} ms after the journal turned hot" if mode == "hot"
                      else f"at {fraction:.3f} of the duration")
            where = f"run {run} (kill {moment}, {delay:.4f} s after the start, seed {args.seed})"
            out = {"run": run, "mode": mode, "killed": killed, "state": None, "journal": journal_left,
                   "written": db_written}
            try:
                if not killed and returncode != 0:
                    fail(f"{where}: import exited {returncode} on its own: {stderr.strip()}")
                r = env.run(db, ["verify"])
                if r.returncode != 0:
                    fail(f"{where}: verify after the kill exits {r.returncode}: {r.stderr.strip()} "
                         f"(stdout: {r.stdout.strip()})")
                if journal_state(db) == "hot":
                    fail(f"{where}: a hot journal is still there after verify: the kill was not rolled back")
                count, head = env.head(db)
                ids, platforms = file_ids(db)
                if count == base_count and head == base_head and not ids and platforms == 0:
                    out["state"] = "none"
                elif count == full_count and set(ids) == all_ids and len(ids) == len(all_ids) and platforms == 1:
                    out["state"] = "all"
                    if head != full_head:
                        fail(f"{where}: all records are in, but the head {head} is not that of an uninterrupted "
                             f"import ({full_head})")
                else:
                    fail(f"{where}: PARTIAL import: {count} records (base {base_count}, full {full_count}), "
                         f"head {head}, {len(ids)} of {len(all_ids)} spend ids ({len(set(ids))} distinct), "
                         f"platform present: {platforms}")
                    return out
                if not killed and out["state"] != "all":
                    fail(f"{where}: import exited 0 but the ledger does not hold the file")
                t_import = time.monotonic()
                first = env.import_json(db, big)
                if out["state"] == "none":
                    with lock:
                        live.append(time.monotonic() - t_import)
                expected_unchanged = file_records if out["state"] == "all" else 0
                if first.get("spend") != entries or first.get("unchanged") != expected_unchanged:
                    fail(f"{where}: re-import reports {first}, expected spend {entries} and unchanged "
                         f"{expected_unchanged}")
                count, head = env.head(db)
                if count != full_count or head != full_head:
                    fail(f"{where}: after the re-import the ledger has {count} records, head {head}; an "
                         f"uninterrupted import gives {full_count}, {full_head}")
                if out["state"] == "none":
                    second = env.import_json(db, big)
                    if second.get("unchanged") != file_records:
                        fail(f"{where}: importing again reports {second}, expected all {file_records} unchanged")
                    if env.head(db) != (full_count, full_head):
                        fail(f"{where}: importing the same file again changed the head")
                if args.verify_every and run % args.verify_every == 0:
                    r = env.run(db, ["verify"])
                    if r.returncode != 0:
                        fail(f"{where}: verify after the re-import exits {r.returncode}: {r.stderr.strip()}")
            except Exception as e:  # a crash of the checker is a failure, not a traceback
                fail(f"{where}: {type(e).__name__}: {e}")
            finally:
                if not args.keep and not failures:
                    shutil.rmtree(os.path.dirname(db), ignore_errors=True)
            return out

        outcomes = []
        kill_times = []
        estimates = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as checker:
            futures = []
            for run, (mode, fraction) in enumerate(schedule, 1):
                estimate = current_duration()
                estimates.append(estimate)
                run_dir = os.path.join(tmp, f"run-{run:03d}")
                os.mkdir(run_dir)
                db = os.path.join(run_dir, "ledger.db")
                shutil.copyfile(base, db)
                errfile = open(os.path.join(run_dir, "stderr"), "w+b")
                t0 = time.monotonic()
                p = subprocess.Popen(env.argv(db, ["import", big]), env=env.env, cwd=run_dir,
                                     stdout=subprocess.DEVNULL, stderr=errfile)
                if mode == "hot":
                    # Poll the journal's first byte until it turns non-zero.
                    give_up = t0 + 3 * estimate + 1
                    while p.poll() is None and time.monotonic() < give_up and journal_state(db) != "hot":
                        time.sleep(0.0002)
                    time.sleep(fraction)
                else:
                    remaining = t0 + fraction * estimate - time.monotonic()
                    if remaining > 0:
                        time.sleep(remaining)
                delay = time.monotonic() - t0
                killed = p.poll() is None
                if killed:
                    os.kill(p.pid, signal.SIGKILL)  # not yet waited for: the pid cannot have been reused
                    kill_times.append(time.monotonic() - t0)
                returncode = p.wait(timeout=120)
                killed = killed and returncode == -signal.SIGKILL
                errfile.seek(0)
                stderr = errfile.read().decode(errors="replace")
                errfile.close()
                journal_left = journal_state(db)
                db_written = digest(db) != base_digest
                futures.append(checker.submit(check, run, db, mode, fraction, delay, killed, returncode, stderr,
                                              journal_left, db_written))
            outcomes = [f.result() for f in futures]

        elapsed = time.monotonic() - started
        killed_none = sum(1 for o in outcomes if o["killed"] and o["state"] == "none")
        killed_all = sum(1 for o in outcomes if o["killed"] and o["state"] == "all")
        finished = sum(1 for o in outcomes if not o["killed"])
        hot = sum(1 for o in outcomes if o["journal"] == "hot")
        by_mode = {}
        for o in outcomes:
            by_mode.setdefault(o["mode"], []).append(o)
        modes = ", ".join(f"{m} {len(v)} ({sum(1 for o in v if o['killed'])} killed)"
                          for m, v in sorted(by_mode.items()))
        cold = sum(1 for o in outcomes if o["journal"] == "cold")
        written = sum(1 for o in outcomes if o["written"] and o["state"] == "none")
        if failures:
            print(f"crash_test: {len(failures)} failure(s) in {args.runs} runs, seed {args.seed}, {elapsed:.1f} s; "
                  f"temporary files kept in {tmp}")
            args.keep = True
            return 1
        kt = (f"kills landed {min(kill_times):.3f}-{max(kill_times):.3f} s after the start"
              if kill_times else "no kill landed")
        kt += (f", against a live import duration of {min(estimates):.3f}-{max(estimates):.3f} s "
               f"(median of recent re-imports)")
        print(f"crash_test: OK. {args.runs} runs (seed {args.seed}) of a {file_records}-record import that takes "
              f"{duration:.3f} s uninterrupted (calibration): {killed_none} killed mid-import and left no trace, "
              f"{killed_all} killed after the commit with the whole file in, {finished} finished before the kill; "
              f"{kt}. Kill moments by kind: {modes}. {hot} kills left a hot journal and {cold} a journal SQLite "
              f"ignores (zeroed header); {written} of "
              f"the rolled-back ledgers had uncommitted pages in the database file itself, undone from the "
              f"journal. Every time verify exited 0, the ledger "
              f"held the whole file or none of it (base head {base_head[:16]}... exactly), the re-import "
              f"completed it with the head of an uninterrupted import ({full_head[:16]}...), and importing again "
              f"reported all {file_records} records unchanged. Total {elapsed:.1f} s.")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
