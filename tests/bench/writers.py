#!/usr/bin/python3
"""Many writers at once, side by side: adledger on SQLite and on PostgreSQL,
and each engine alone, in one run.

    writers.py --writers PATH --adledger PATH [--entries 100000]
               [--clients "1 16"] [--seconds 10] [--postgresql-state FILE]
               [--out FILE]

PATH --writers is the built tests/bench/adledger_writers (writers.cpp says
what it measures). For each number of clients it runs, each for --seconds:

- adledger on an SQLite file and on a PostgreSQL database, each holding
  --entries generated entries first (generate.py, imported with adledger
  import; 0: an empty ledger), every client recording one spend entry a
  transaction through its own connection;
- the engine alone (--engine): one row a transaction under the same
  one-writer-at-a-time rule and the same durability, nothing of adledger's.

PostgreSQL is the cluster of --postgresql-state (tests/postgresql/cluster.py's
state file; default $ADLEDGER_TEST_POSTGRESQL_STATE); without one, this
script starts a throwaway cluster with cluster.py and stops it at the end.
A database is created for each run and dropped after it.

Prints a Markdown table (and writes it to --out): commits/s, the commit
latency's p50, p99 and maximum, the refusals (a ban refused the spend) and
whether verify passed afterwards. Exits non-zero if a run fails, a commit
fails for any reason but a ban, or verify does not pass; no timing is
asserted. Python 3 standard library only.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "postgresql"))
import cluster  # noqa: E402  (tests/postgresql/cluster.py)


def fail(message):
    print(f"writers.py: {message}", file=sys.stderr)
    sys.exit(1)


def run(command, what, env=None):
    r = subprocess.run(command, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        fail(f"{what} failed (exit {r.returncode}): {(r.stderr or r.stdout).strip()}")
    return r.stdout


def parse_result(line):
    fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
    for key in ("commits_per_s", "p50_ms", "p99_ms", "max_ms", "refused", "failures"):
        if key not in fields:
            fail(f"adledger_writers printed no {key}: {line!r}")
    return fields


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--writers", required=True, help="the built adledger_writers")
    ap.add_argument("--adledger", required=True, help="the built adledger")
    ap.add_argument("--entries", type=int, default=100000, help="entries in each ledger first (default 100000)")
    ap.add_argument("--clients", default="1 16", help="numbers of clients, each a run (default \"1 16\")")
    ap.add_argument("--seconds", type=int, default=10, help="length of each run (default 10)")
    ap.add_argument("--postgresql-state", default=os.environ.get("ADLEDGER_TEST_POSTGRESQL_STATE"),
                    help="a running cluster's state file (default: start one)")
    ap.add_argument("--out", help="also write the table to this file")
    args = ap.parse_args(argv)
    clients = [int(c) for c in args.clients.split()]
    if not clients or min(clients) < 1 or args.seconds < 1 or args.entries < 0:
        fail("--clients, --seconds and --entries must be positive (--entries may be 0)")

    with tempfile.TemporaryDirectory(prefix="adledger-writers-") as tmp:
        tmp = Path(tmp)
        state_file = args.postgresql_state
        started = False
        if not state_file:
            state_file = str(tmp / "cluster.json")
            run([sys.executable, str(REPO / "tests" / "postgresql" / "cluster.py"), "start", "--state", state_file],
                "starting a PostgreSQL cluster")
            started = True
        try:
            try:
                state = cluster.load_state(state_file)
            except cluster.ClusterError as e:
                fail(str(e))
            data = None
            if args.entries:
                data = tmp / "entries.jsonl"
                run([sys.executable, str(HERE / "generate.py"), "--entries", str(args.entries), "--out", str(data)],
                    "generate.py")
            rows = []
            for n in clients:
                for backend in ("sqlite", "postgresql"):
                    for mode in ("adledger", "engine"):
                        name = f"w_{backend}_{mode}_{n}_{uuid.uuid4().hex[:8]}"
                        if backend == "sqlite":
                            db = str(tmp / f"{name}.db")
                        else:
                            db = cluster.create_database(state, name)
                        try:
                            command = [args.writers, "--db", db, "--clients", str(n), "--seconds", str(args.seconds)]
                            if mode == "engine":
                                command.append("--engine")
                            elif data:
                                env = dict(os.environ, ADLEDGER_DB=db)
                                run([args.adledger, "init"], f"adledger init ({backend})", env)
                                run([args.adledger, "import", str(data)], f"adledger import ({backend})", env)
                                command.append("--existing")
                            r = subprocess.run(command, capture_output=True, text=True)
                            line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
                            if r.returncode != 0:
                                fail(f"{' '.join(command[1:])}: exit {r.returncode}: {r.stderr.strip() or line}")
                            fields = parse_result(line)
                            if fields["failures"] != "0":
                                fail(f"{' '.join(command[1:])}: {fields['failures']} commits failed")
                            rows.append((n, backend, mode, fields))
                            print(f"  {n} client(s), {backend}, {mode}: {line}", file=sys.stderr)
                        finally:
                            if backend == "postgresql":
                                cluster.drop_database(state, name)
        finally:
            if started:
                subprocess.run([sys.executable, str(REPO / "tests" / "postgresql" / "cluster.py"), "stop",
                                "--state", state_file], capture_output=True)

    size = f"{args.entries:,} entries first" if args.entries else "an empty ledger"
    lines = [f"Single-record commits, {args.seconds} s a run, {size} (adledger rows; the engine's table is empty)",
             "",
             "| clients | backend | what | commits/s | p50 (ms) | p99 (ms) | max (ms) | refused by a ban | verify |",
             "|---:|---|---|---:|---:|---:|---:|---:|---|"]
    for n, backend, mode, f in rows:
        what = "adledger spend record" if mode == "adledger" else "the engine alone, one row"
        lines.append(f"| {n} | {backend} | {what} | {float(f['commits_per_s']):,.0f} | {f['p50_ms']} | {f['p99_ms']} "
                     f"| {f['max_ms']} | {f['refused']} | {f.get('verify', 'n/a')} |")
    table = "\n".join(lines) + "\n"
    print(table, end="")
    if args.out:
        Path(args.out).write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
