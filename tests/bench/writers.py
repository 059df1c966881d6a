#!/usr/bin/python3
"""Many writers at once, side by side: adledger on SQLite and on PostgreSQL,
and each engine alone, in one run.

    writers.py --writers PATH --adledger PATH [--entries 100000]
               [--clients "1 16"] [--seconds 10] [--http] [--control]
               [--postgresql-state FILE] [--out FILE]

PATH --writers is the built tests/bench/adledger_writers (writers.cpp says
what it measures). For each number of clients it runs, each for --seconds:

- adledger on an SQLite file and on a PostgreSQL database, each holding
  --entries generated entries first (generate.py, imported with adledger
  import; 0: an empty ledger), every client recording one spend entry a
  transaction through its own connection;
- the engine alone (--engine): one row a transaction under the same
  one-writer-at-a-time rule and the same durability, nothing of adledger's.

With --control, beside them on PostgreSQL: the engine alone doing what a
spend entry's write needs (the pair's bans read, the row written, the one
record log extended from its head), the writers kept apart three ways:
one lock for the whole transaction (adledger's way), SERIALIZABLE isolation
with retries, and a lock on the advertiser and platform with the log's lock
taken only for its append (writers.cpp, --control). Each run checks that
the log is one chain and that no spend the ban forbids was committed.

With --http, beside them: the same writes over HTTP. `adledger serve`
runs on each ledger, and wrk (Debian's package) keeps one connection per
client, each posting one spend entry a request to POST /api/v1/records
with a recorder's token; the server commits the writes that arrive
together in one transaction (group commit). One write goes first, alone,
and is timed on its own (first_ms): the server's first write opens its
connection to the database. A commit here is a write answered 201;
afterwards the ledger must hold one record more for each (and at most one
more for each connection: wrk stops with a write in flight on each), and
verify must pass.

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
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "postgresql"))
import cluster  # noqa: E402  (tests/postgresql/cluster.py)


# writers.cpp's --control modes, as the table names them.
CONTROLS = {"lock": "one lock", "serializable": "SERIALIZABLE with retries",
            "pair-locks": "a lock by pair, the log's at its append"}


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


# Each wrk thread posts spend entries with ids of its own, and counts the
# answers by status; done() sums the threads' counts.
WRK_POST = """
local threads = {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args) created = 0; refused = 0; other = 0; n = 0 end
function request()
  n = n + 1
  local body = string.format('{"type": "spend", "id": "http-%d-%d", "advertiser": "adv-%04d", '
    .. '"platform": "facebook", "amount": "12.34", "currency": "USD", "period": "2009-01", "market": "US", '
    .. '"source": "writers.py over HTTP"}', id, n, (id * 61 + n) % 1000)
  return wrk.format("POST", "/api/v1/records", {["Content-Type"] = "application/json",
                                                 ["Authorization"] = "Bearer TOKEN"}, body)
end
function response(status, headers, body)
  if status == 201 then created = created + 1 elseif status == 422 then refused = refused + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local c, r, o = 0, 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); r = r + t:get("refused"); o = o + t:get("other") end
  io.write(string.format("created=%d refused=%d other=%d\\n", c, r, o))
end
"""


def over_http(adledger, db, clients, seconds, tmp):
    """Single-record writes over HTTP through `adledger serve`: the fields adledger_writers prints."""
    env = dict(os.environ, ADLEDGER_DB=db)
    made = run([adledger, "--format", "json", "token", "add", f"bench-{uuid.uuid4().hex[:8]}", "--role", "recorder"],
               "adledger token add", env)
    token = json.loads(made)["token"]
    script = tmp / "post.lua"
    script.write_text(WRK_POST.replace("TOKEN", token), encoding="utf-8")
    before = json.loads(run([adledger, "--format", "json", "head"], "adledger head", env))["records"]
    server = subprocess.Popen([adledger, "serve", "--listen", "127.0.0.1:0"], env=env, stdout=subprocess.PIPE,
                              text=True)
    try:
        line = server.stdout.readline()
        if "http://127.0.0.1:" not in line:
            fail(f"adledger serve did not start: {line!r}")
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        # One write first, timed on its own: the server's first write opens
        # its connection to the database and reads what it keeps. wrk
        # corrects its percentiles for coordinated omission (a slow answer
        # counts again for each request it held back), so left in the run
        # this one cold start would stand for the p99 of a PostgreSQL run.
        started = time.monotonic()
        first = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/records", method="POST",
            data=json.dumps({"type": "spend", "id": "http-first", "advertiser": "adv-0000", "platform": "facebook",
                             "amount": "12.34", "currency": "USD", "period": "2009-01", "market": "US",
                             "source": "writers.py over HTTP"}).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
        with urllib.request.urlopen(first, timeout=60) as answer:
            if answer.status != 201:
                fail(f"over HTTP: the first write was answered {answer.status}")
        first_ms = (time.monotonic() - started) * 1000
        out = run(["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "--latency",
                   "-s", str(script), f"http://127.0.0.1:{port}/"], "wrk")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    counts = dict(part.split("=") for part in re.search(r"^created=.*$", out, re.M).group(0).split())
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    elapsed = float(m.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[m.group(3)]
    latency = {}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        latency[pct] = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    m = re.search(r"Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+)(us|ms|s)", out)
    max_ms = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    after = json.loads(run([adledger, "--format", "json", "head"], "adledger head", env))["records"]
    verified = subprocess.run([adledger, "verify"], env=env, capture_output=True).returncode == 0
    created = int(counts["created"])
    failures = int(counts["other"])
    # wrk stops with a write in flight on each connection: those may be
    # committed without their answer being read.
    if not created + 1 <= after - before <= created + 1 + clients:
        fail(f"over HTTP: the first write and {created} writes answered 201 on {clients} connections, but the "
             f"ledger grew by {after - before} records")
    return {"commits_per_s": f"{created / elapsed:.0f}", "p50_ms": f"{latency['50']:.2f}",
            "p99_ms": f"{latency['99']:.2f}", "max_ms": f"{max_ms:.2f}", "refused": counts["refused"],
            "failures": str(failures), "verify": "ok" if verified else "FAILED", "first_ms": f"{first_ms:.1f}"}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--writers", required=True, help="the built adledger_writers")
    ap.add_argument("--adledger", required=True, help="the built adledger")
    ap.add_argument("--entries", type=int, default=100000, help="entries in each ledger first (default 100000)")
    ap.add_argument("--clients", default="1 16", help="numbers of clients, each a run (default \"1 16\")")
    ap.add_argument("--seconds", type=int, default=10, help="length of each run (default 10)")
    ap.add_argument("--postgresql-state", default=os.environ.get("ADLEDGER_TEST_POSTGRESQL_STATE"),
                    help="a running cluster's state file (default: start one)")
    ap.add_argument("--http", action="store_true", help="also the same writes over HTTP, through adledger serve")
    ap.add_argument("--control", action="store_true",
                    help="also the engine alone on PostgreSQL under a lock, SERIALIZABLE and locks by pair")
    ap.add_argument("--out", help="also write the table to this file")
    args = ap.parse_args(argv)
    clients = [int(c) for c in args.clients.split()]
    if not clients or min(clients) < 1 or args.seconds < 1 or args.entries < 0:
        fail("--clients, --seconds and --entries must be positive (--entries may be 0)")
    if args.http and args.entries < 1:
        fail("--http writes for the advertisers of generate.py's entries: give --entries 1 or more")

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
                    modes = ["adledger", "http", "engine"] if args.http else ["adledger", "engine"]
                    if args.control and backend == "postgresql":
                        modes += [f"control-{c}" for c in CONTROLS]
                    for mode in modes:
                        name = f"w_{backend}_{mode.replace('-', '_')}_{n}_{uuid.uuid4().hex[:8]}"
                        if backend == "sqlite":
                            db = str(tmp / f"{name}.db")
                        else:
                            db = cluster.create_database(state, name)
                        try:
                            command = [args.writers, "--db", db, "--clients", str(n), "--seconds", str(args.seconds)]
                            if mode == "engine":
                                command.append("--engine")
                            elif mode.startswith("control-"):
                                command += ["--engine", "--control", mode[len("control-"):]]
                            elif data:
                                env = dict(os.environ, ADLEDGER_DB=db)
                                run([args.adledger, "init"], f"adledger init ({backend})", env)
                                run([args.adledger, "import", str(data)], f"adledger import ({backend})", env)
                                command.append("--existing")
                            if mode == "http":
                                fields = over_http(args.adledger, db, n, args.seconds, tmp)
                                line = " ".join(f"{k}={v}" for k, v in fields.items())
                            else:
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
        what = {"adledger": "adledger spend record", "http": "adledger serve, over HTTP",
                "engine": "the engine alone, one row"}.get(mode)
        if mode.startswith("control-"):
            what = f"the engine alone, ban check, row and log record: {CONTROLS[mode[len('control-'):]]}, " \
                   f"{int(f['retries']):,} retries"
        lines.append(f"| {n} | {backend} | {what} | {float(f['commits_per_s']):,.0f} | {f['p50_ms']} | {f['p99_ms']} "
                     f"| {f['max_ms']} | {f['refused']} | {f.get('verify', 'n/a')} |")
    table = "\n".join(lines) + "\n"
    print(table, end="")
    if args.out:
        Path(args.out).write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
