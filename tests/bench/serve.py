#!/usr/bin/python3
"""adledger serve under load: wrk against a ledger of N entries, on loopback.

    serve.py --adledger BIN [--entries 1000000] [--seconds 15] [--connections 64] [--soak SECONDS]
             [--postgresql [--postgresql-state FILE]] [--out FILE]

Builds an SQLite ledger of --entries entries (generate.py's; 1,000
advertisers, 5 platforms, 400 policy actions), starts `adledger serve` on a
free loopback port, and runs wrk (Debian package wrk) against it, one
question at a time, each for --seconds with --connections keep-alive
connections on 2 threads:

- GET /api/v1/ban-status for one advertiser on one platform on a day;
- GET /api/v1/reports/advertiser/ID?by=month, one advertiser's report, for
  each of the 1,000 advertisers in turn (no answer kept helps), on 1
  connection (its latency) and on --connections; then one report asked
  again and again (the answer kept);
- GET /api/v1/spend?limit=20&after=K, a page of the spend list from
  anywhere in the ledger, K in turn;
- GET /api/v1/head with the ETag it answered, so 304;
- with --writers-seconds, 16 writers at once, each posting one spend entry
  a request to POST /api/v1/records with a recorder's token, keep-alive;
  afterwards the ledger holds exactly one record more for each write
  acknowledged, and `verify` passes. Beside it, what a user would
  otherwise run: 16 `adledger spend record` processes at once.

Beside them, what a user would otherwise run for the same ban-status
answer: one `adledger ban-status` process a question (the rate of a loop of
them). The server's resident memory is sampled every second through the
runs; its peak and its last are reported, to show it does not grow. With
--soak, a last run of that many seconds mixes the three (reports of every
advertiser in turn, pages from anywhere, ban-status) and reports the memory
minute by minute.

With --postgresql, the read questions and the process a question are
asked again, the same way, of the same entries imported into a PostgreSQL
database, and a second table gives each beside its SQLite figure. Both
servers keep their connections to the database, so the comparison is of
the queries, where the process a question also pays for connecting.
PostgreSQL is the cluster of --postgresql-state (tests/postgresql/cluster.py's
state file); without one, a throwaway cluster is started and stopped.

Prints a Markdown table; no figure is asserted (timings are measured, not
tested).
"""

import argparse
import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "postgresql"))
import cluster  # noqa: E402  (tests/postgresql/cluster.py)


# What both wrk scripts below start with: each wrk thread counts requests
# from a start of its own.
COUNTER = """
local threads = 0
function setup(thread) thread:set("first", threads * 7919); threads = threads + 1 end
local n = nil
function request()
  if n == nil then n = first end
  n = n + 1
"""

# A wrk script that asks a different path each request: the PATTERN with
# the request's number (from 0 to COUNT - 1), so that no answer is asked
# twice in a row and the server's kept answers do not help.
ROTATE = COUNTER + """  return wrk.format(nil, string.format("%s", n %% %d))
end
"""


# Reports of every advertiser in turn, pages from anywhere and ban-status,
# one after the other.
MIXED = COUNTER + """  local k = n % 3
  if k == 0 then return wrk.format(nil, string.format("/api/v1/reports/advertiser/adv-%04d?by=month", n % 1000)) end
  if k == 1 then return wrk.format(nil, string.format("/api/v1/spend?limit=20&after=%d", (n * 7919) % ENTRIES)) end
  return wrk.format(nil, string.format("/api/v1/ban-status?advertiser=adv-%04d&on=2019-07-01", n % 1000))
end
"""


def wrk(url, seconds, connections, headers=(), script=None):
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        lat[pct] = float(m.group(1)) * scale
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return rate, lat["50"], lat["99"], errors


def writers(port, token, seconds, clients=16):
    """clients threads posting one spend entry a request: (acknowledged, refused, errors, latencies in ms)."""
    acknowledged, refused, errors, latencies = [0], [0], [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(n):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = 0
        mine = []
        while time.monotonic() < stop_at:
            i += 1
            body = json.dumps({"type": "spend", "id": f"http-{n}-{i}", "advertiser": f"adv-{1 + (n * 61 + i) % 999:04d}",
                               "platform": "facebook", "amount": "12.34", "currency": "USD", "period": "2009-01",
                               "market": "US", "source": "serve.py writers"})
            started = time.monotonic()
            try:
                c.request("POST", "/api/v1/records", body=body.encode(),
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                r = c.getresponse()
                raw = r.read()
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    errors.append(repr(e))
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append(1000 * (time.monotonic() - started))
            with lock:
                if r.status == 201:
                    acknowledged[0] += 1
                elif r.status in (422, 503):
                    refused[0] += 1
                else:
                    errors.append(f"{r.status} {raw[:200]!r}")
        c.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return acknowledged[0], refused[0], errors, latencies


def cli_writers(adledger, db, env, seconds, clients=16):
    """clients loops of `adledger spend record`, one process a write, at once: writes acknowledged."""
    done = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(n):
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            r = subprocess.run([adledger, "--db", str(db), "spend", "record", "--advertiser",
                                f"adv-{1 + (n * 61 + i) % 999:04d}", "--platform", "google", "--amount", "12.34",
                                "--currency", "USD", "--period", "2009-01", "--market", "US", "--source",
                                "serve.py cli writers", "--id", f"cli-{n}-{i}"], env=env, capture_output=True)
            if r.returncode == 0:
                with lock:
                    done[0] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0]


def head_records(adledger, db, env):
    r = subprocess.run([adledger, "--db", str(db), "--format", "json", "head"], env=env, capture_output=True,
                       check=True)
    return json.loads(r.stdout)["records"]


def rss_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def start_server(adledger, db, env):
    """`adledger serve` on a free loopback port: the process and its base URL."""
    server = subprocess.Popen([adledger, "--db", str(db), "serve", "--listen", "127.0.0.1:0"], env=env,
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    if "http://127.0.0.1:" not in line:
        server.kill()
        sys.exit(f"adledger serve did not start on {db}: {line!r}")
    port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
    return server, f"http://127.0.0.1:{port}"


def read_questions(base, tmp, entries, connections):
    """The read questions asked of a server: (label, path, headers, wrk script, connections)."""
    etag = subprocess.run(["curl", "-sI", f"{base}/api/v1/head"], capture_output=True, text=True).stdout
    etag = re.search(r"^ETag: (.*?)\r?$", etag, re.M | re.I).group(1)

    def rotating(name, pattern, count):
        path = tmp / f"{name}.lua"
        path.write_text(ROTATE.replace('"%s", n %% %d', f'"{pattern}", n % {count}'), encoding="utf-8")
        return path
    reports = rotating("reports", "/api/v1/reports/advertiser/adv-%04d?by=month", 1000)
    pages = rotating("pages", "/api/v1/spend?limit=20&after=%d", entries - 20)
    c = connections
    return [
        ("GET /api/v1/ban-status (one advertiser, platform, day)",
         "/api/v1/ban-status?advertiser=adv-0000&platform=twitter&on=2019-07-01", (), None, c),
        ("GET /api/v1/reports/advertiser/ID?by=month, 1,000 advertisers in turn, 1 connection",
         "/", (), reports, 1),
        (f"the same, {c} connections", "/", (), reports, c),
        ("GET /api/v1/reports/advertiser/adv-0000?by=month, asked again (an answer kept)",
         "/api/v1/reports/advertiser/adv-0000?by=month", (), None, c),
        ("GET /api/v1/spend?limit=20&after=K, a page from anywhere in the ledger", "/", (), pages, c),
        ("GET /api/v1/head with If-None-Match (304)", "/api/v1/head", (f"If-None-Match: {etag}",), None, c),
    ]


def ask_reads(base, tmp, args):
    """Each read question for --seconds: a table row each."""
    rows = []
    for label, path, headers, script, connections in read_questions(base, tmp, args.entries, args.connections):
        rate, p50, p99, errors = wrk(base + path, args.seconds, connections, headers, script)
        rows.append((label, f"{rate:,.0f}", f"{p50:.2f}", f"{p99:.2f}", str(errors)))
    return rows


def process_a_question(adledger, db, env, seconds):
    """The same ban-status answer, one `adledger ban-status` process a question: a table row."""
    count, started = 0, time.monotonic()
    while time.monotonic() - started < min(seconds, 10):
        subprocess.run([adledger, "--db", str(db), "ban-status", "--advertiser", "adv-0000", "--platform", "twitter",
                        "--on", "2019-07-01", "--format", "json"], env=env, capture_output=True)
        count += 1
    elapsed = time.monotonic() - started
    return ("`adledger ban-status` (a process a question, 1 at a time)", f"{count / elapsed:,.0f}",
            f"{1000 * elapsed / count:.2f}", "", "0")


def on_postgresql(args, jsonl, env, tmp):
    """The read questions and the process a question on a PostgreSQL ledger of the same entries: rows."""
    state_file = args.postgresql_state
    if not state_file:
        state_file = str(tmp / "cluster.json")
        subprocess.run([sys.executable, str(HERE.parent / "postgresql" / "cluster.py"), "start", "--state",
                        state_file], check=True, capture_output=True)
    name = f"serve_bench_{os.getpid()}"
    state = cluster.load_state(state_file)
    try:
        url = cluster.create_database(state, name)
        subprocess.run([args.adledger, "--db", url, "init"], check=True, env=env, capture_output=True)
        started = time.monotonic()
        subprocess.run([args.adledger, "--db", url, "import", str(jsonl)], check=True, env=env, capture_output=True)
        print(f"imported {args.entries:,} entries into PostgreSQL in {time.monotonic() - started:.1f} s",
              file=sys.stderr)
        server, base = start_server(args.adledger, url, env)
        try:
            rows = ask_reads(base, tmp, args)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
        rows.append(process_a_question(args.adledger, url, env, args.seconds))
        return rows
    finally:
        cluster.drop_database(state, name)
        if not args.postgresql_state:
            subprocess.run([sys.executable, str(HERE.parent / "postgresql" / "cluster.py"), "stop", "--state",
                            state_file], capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--adledger", required=True)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--soak", type=int, default=0, help="seconds of a last, mixed run, memory reported by minute")
    ap.add_argument("--writers-seconds", type=int, default=0,
                    help="seconds of 16 writers over HTTP (and of 16 command-line writers beside them)")
    ap.add_argument("--postgresql", action="store_true",
                    help="also the read questions on a PostgreSQL ledger of the same entries")
    ap.add_argument("--postgresql-state", help="a running cluster's state file (default: start one)")
    ap.add_argument("--out", help="also write the table to this file")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian package wrk): run `bash .ci/install-deps`")

    with tempfile.TemporaryDirectory(prefix="adledger-serve-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        jsonl, db = tmp / "ledger.jsonl", tmp / "ledger.db"
        env = dict(os.environ, ADLEDGER_TODAY="2024-06-30")
        env.pop("ADLEDGER_DB", None)
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--entries", str(args.entries), "--out", str(jsonl)],
                       check=True)
        subprocess.run([args.adledger, "--db", str(db), "init"], check=True, env=env, capture_output=True)
        started = time.monotonic()
        subprocess.run([args.adledger, "--db", str(db), "import", str(jsonl)], check=True, env=env,
                       capture_output=True)
        print(f"imported {args.entries:,} entries in {time.monotonic() - started:.1f} s", file=sys.stderr)

        server, base = start_server(args.adledger, db, env)
        port = int(base.rsplit(":", 1)[1])
        samples = []
        done = threading.Event()

        def sample():
            while not done.wait(1.0):
                samples.append(rss_kib(server.pid))
        sampler = threading.Thread(target=sample)
        sampler.start()
        rows = []
        try:
            rows += ask_reads(base, tmp, args)
            rows.append(process_a_question(args.adledger, db, env, args.seconds))
            written = None
            if args.writers_seconds:
                made = subprocess.run([args.adledger, "--db", str(db), "--format", "json", "token", "add", "bench",
                                       "--role", "recorder"], env=env, capture_output=True, check=True)
                token = json.loads(made.stdout)["token"]
                before = head_records(args.adledger, db, env)
                acked, refused, errors, lat = writers(port, token, args.writers_seconds)
                after = head_records(args.adledger, db, env)
                verified = subprocess.run([args.adledger, "--db", str(db), "verify"], env=env,
                                          capture_output=True).returncode == 0
                by_cli = cli_writers(args.adledger, db, env, min(args.writers_seconds, 15))
                written = (acked, refused, errors, lat, after - before, verified, by_cli,
                           min(args.writers_seconds, 15))
            soak = None
            if args.soak:
                mixed = tmp / "mixed.lua"
                mixed.write_text(MIXED.replace("ENTRIES", str(args.entries - 20)), encoding="utf-8")
                first = len(samples)
                rate, p50, p99, errors = wrk(base + "/", args.soak, args.connections, (), mixed)
                soak = (rate, p50, p99, errors, samples[first:])
        finally:
            done.set()
            sampler.join()
            server.send_signal(signal.SIGTERM)
            server.wait(60)
        pg_rows = on_postgresql(args, jsonl, env, tmp) if args.postgresql else None

    lines = [f"At {args.entries:,} entries, {args.connections} keep-alive connections unless said, wrk -t2, "
             f"{args.seconds} s each, on loopback; the server on the same 2 cores as wrk.", "",
             "| question | requests/s | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {' | '.join(r)} |" for r in rows]
    peak = max(samples) if samples else 0
    last = samples[-1] if samples else 0
    lines += ["", f"Server memory (RSS), sampled each second over {len(samples)} s: peak {peak / 1024:.1f} MiB, "
                  f"at the end {last / 1024:.1f} MiB."]
    if written:
        acked, refused, errors, lat, grew, verified, by_cli, cli_seconds = written
        pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else 0  # noqa: E731
        lines += ["", f"16 writers over HTTP for {args.writers_seconds} s (POST /api/v1/records, one spend entry a "
                      f"request, keep-alive): {acked:,} writes acknowledged ({acked / args.writers_seconds:,.0f} "
                      f"commits/s), p50 {pct(0.5):.2f} ms, p99 {pct(0.99):.2f} ms; {refused} refused (busy or a "
                      f"rule), {len(errors)} errors; the ledger grew by {grew:,} records "
                      f"({'exactly one per acknowledged write' if grew == acked else 'NOT one per write'}); "
                      f"verify {'passed' if verified else 'FAILED'}. 16 `adledger spend record` processes at once "
                      f"for {cli_seconds} s: {by_cli / cli_seconds:,.0f} commits/s."]
    if soak:
        rate, p50, p99, errors, kept = soak
        by_minute = [kept[i] for i in range(59, len(kept), 60)] or kept[-1:]
        lines += ["", f"A mixed run of {args.soak} s (reports of every advertiser in turn, pages from anywhere, "
                      f"ban-status): {rate:,.0f} requests/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, {errors} errors; "
                      "memory at each minute: " + ", ".join(f"{k / 1024:.0f}" for k in by_minute) +
                      f" MiB (peak {max(kept) / 1024:.0f} MiB)."]
    if pg_rows:
        lines += ["", "The read questions on PostgreSQL (the same entries, the same server, its connections to the "
                      "database kept), beside SQLite's:", "",
                  "| question | requests/s | p50 ms | p99 ms | errors | SQLite requests/s | SQLite p50 ms | "
                  "p50, PostgreSQL / SQLite |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        by_label = {r[0]: r for r in rows}
        for r in pg_rows:
            lite = by_label[r[0]]
            ratio = f"{float(r[2]) / float(lite[2]):.1f}x" if float(lite[2]) > 0 else ""
            lines.append(f"| {' | '.join(r)} | {lite[1]} | {lite[2]} | {ratio} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
