#!/usr/bin/env python3
"""adledger's benchmarks: whole-process wall time and peak memory.

    run.py [--adledger PATH] [--sizes "100000 1000000"] [--runs 5] [--out DIR]
    run.py --smoke            # N = 1,000, one run of each: proves the script works
    run.py --postgresql [--postgresql-state FILE]   # PostgreSQL beside SQLite too

Without --adledger it builds adledger in Release mode from this checkout into
DIR/build (never into the checkout). It builds tests/bench/sqlite_baseline.cpp
with $CXX (default g++) -O2. For each N it generates a synthetic ledger
(generate.py), then times, as the median of the runs, each command as a whole
process (wall time by the clock around it; peak RSS from /usr/bin/time -v):

- adledger init + import into a new ledger (entries/s, peak RSS, bytes of
  database per entry); then the same platforms, advertisers and spend entries
  (the bans, lifts and pledges left out, which a document would record
  before the spend) as one JSON document and as CSV, each into a new ledger;
- adledger report advertiser adv-0000 --by month, as a table and as JSON;
- adledger balance, and balance --advertiser adv-0000 --by month;
- adledger ban-status for one advertiser, platform and day;
- adledger ban-status --batch over a file of --checks checks (generate.py's,
  1,000,000 by default, 1,000 with --smoke), as CSV and as JSON Lines
  (checks/s, peak RSS);
- adledger export --format ledger / hledger (one run), then ledger's and
  hledger's balance and monthly balance of the same advertiser on those files
  (3 runs at N <= 100,000 and 1 above, unless --tool-runs says otherwise);
- the SQLite baseline: the same number of spend rows, and of whole entries,
  inserted with prepared statements in one transaction: schema version 6's
  rows (rows, entries), and version 7's (v7, and v7-bulk, which indexes the
  entries after loading them), with adledger's pragmas. The v7 baseline's
  tables are checked against those of the ledger adledger made (the same
  CREATE statements, comments and spacing aside): a difference fails the run;
- with --postgresql, the same file imported into a PostgreSQL database (by
  COPY), and the same report advertiser, ban-status and verify on it, beside
  SQLite's (verify on both); the report and ban-status again through
  PgBouncer in session pooling mode (tests/postgresql/pooler.py), which
  this script starts in front of the cluster and warms with one untimed
  command (its server connection open, as a pooler in use has). The
  cluster is --postgresql-state FILE's (tests/postgresql/cluster.py's state
  file), or a throwaway one this script starts and stops; each run gets a
  new database, dropped afterwards.
  --skip-tools leaves out ledger and hledger (long at 1,000,000).

It writes DIR/results.md (tables with the machine it ran on) and
DIR/results.json (every run). Python 3 standard library only; no timing is
asserted. Run from anywhere: paths are relative to this file.
"""

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "postgresql"))
import cluster  # noqa: E402  (tests/postgresql/cluster.py, for --postgresql)
import pooler  # noqa: E402  (tests/postgresql/pooler.py: PgBouncer, for --postgresql)
ADVERTISER = "adv-0000"
BAN_PLATFORM = "twitter"
BAN_DAY = "2019-12-31"  # inside ban-0001 (2019-06-01, lifted 2020-06-01): ban-status exits 1
# The tables schema version 7 writes for a spend entry, which
# sqlite_baseline --mode v7 copies from schemas/migrations/7.sql and 6.sql.
V7_TABLES = ("account", "source_text", "tag_set", "spend_entry", "record_log", "log_tree", "account_total",
             "currency_total")
BASELINE_MODES = ("rows", "entries", "v7", "v7-bulk")


CSV_COLUMNS = ["type", "id", "name", "country", "state_affiliated", "advertiser", "platform", "amount",
               "currency", "period", "items", "market", "precision", "source", "tags"]


def write_other_formats(jsonl, document, csv_file):
    """The platforms, advertisers and spend of a generated file, as one JSON
    document and as CSV (a type column, tags joined with ";")."""
    import csv
    sections = {"platform": "platforms", "advertiser": "advertisers", "spend": "spend"}
    counts = dict.fromkeys(sections.values(), 0)
    with open(jsonl, encoding="utf-8") as src, open(document, "w", encoding="utf-8") as doc, \
            open(csv_file, "w", encoding="utf-8", newline="") as table:
        writer = csv.writer(table, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        doc.write('{"format": "adledger/1"')
        current = None
        for text in src:
            record = json.loads(text)
            section = sections.get(record["type"])
            if section is None:
                continue
            if section != current:  # the generator writes each kind in one run
                doc.write("]" if current else "")
                doc.write(f',\n"{section}": [\n')
                current = section
            else:
                doc.write(",\n")
            kind = record.pop("type")
            doc.write(json.dumps(record))
            counts[section] += 1
            row = dict(record, type=kind)
            if "tags" in row:
                row["tags"] = ";".join(row["tags"])
            if "state_affiliated" in row:
                row["state_affiliated"] = "true" if row["state_affiliated"] else "false"
            writer.writerow([row.get(column, "") for column in CSV_COLUMNS])
        doc.write("]}\n" if current else "}\n")
    return counts["spend"]


def db_bytes(path):
    """The size of a database: the file and its write-ahead log, if any is left."""
    wal = Path(f"{path}-wal")
    return Path(path).stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def remove_db(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def v7_schema(path):
    """The CREATE statements of V7_TABLES and their indexes, comments and spacing removed."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(V7_TABLES))
        rows = db.execute(f"SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', 'index')"
                          f" AND tbl_name IN ({marks}) AND sql IS NOT NULL", V7_TABLES).fetchall()
    finally:
        db.close()
    schema = {}
    for kind, name, sql in rows:
        sql = re.sub(r"--[^\n]*", "", sql)
        sql = sql.replace("IF NOT EXISTS ", "").replace(f'"{name}"', name)
        schema[(kind, name)] = re.sub(r"\s+", " ", re.sub(r"\s*([(),])\s*", r"\1", sql)).strip()
    return schema


def compare_v7_schema(ledger_db, baseline_db):
    """What differs between the ledger's v7 tables and the baseline's: [] when nothing."""
    ours, theirs = v7_schema(ledger_db), v7_schema(baseline_db)
    problems = [f"{kind} {name}: not in the baseline" for kind, name in sorted(ours.keys() - theirs.keys())]
    problems += [f"{kind} {name}: not in adledger's ledger" for kind, name in sorted(theirs.keys() - ours.keys())]
    problems += [f"{key[0]} {key[1]}: adledger has `{ours[key]}`, the baseline `{theirs[key]}`"
                 for key in sorted(ours.keys() & theirs.keys()) if ours[key] != theirs[key]]
    if not any(kind == "table" for kind, _ in ours):
        problems.append(f"{ledger_db}: none of the tables {', '.join(V7_TABLES)} (not schema version 7?)")
    return problems


def log(message):
    print(message, file=sys.stderr, flush=True)


def measure(cmd, stdout=subprocess.DEVNULL, ok=(0,), timeout=None, env=None):
    """Runs cmd once under /usr/bin/time -v: (wall seconds, peak RSS in KiB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        try:
            proc = subprocess.run(["/usr/bin/time", "-v", "-o", report.name, *cmd], stdout=stdout,
                                  stderr=subprocess.PIPE, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"timed out after {timeout} s: {' '.join(cmd)}") from None
        wall = time.perf_counter() - start
        if proc.returncode not in ok:
            raise RuntimeError(f"exit {proc.returncode}: {' '.join(cmd)}\n{proc.stderr.decode(errors='replace')[-2000:]}")
        rss = None
        for line in report.read().splitlines():
            if "Maximum resident set size" in line:
                rss = int(line.rsplit(":", 1)[1])
        return wall, rss


class Bench:
    def __init__(self, args):
        self.args = args
        self.out = Path(args.out)
        self.rows = []  # one dict per measurement
        self.env = dict(os.environ, TZ="UTC", ADLEDGER_TODAY="2026-01-01", LC_ALL="C.UTF-8")
        self.env.pop("ADLEDGER_DB", None)
        self.pg_state = None  # the cluster, with --postgresql

    def record(self, n, name, cmd, runs, prepare=None, stdout_path=None, ok=(0,), timeout=None):
        walls, rsss = [], []
        for run in range(runs):
            if prepare:
                prepare()
            if stdout_path:
                with open(stdout_path, "wb") as stdout:
                    wall, rss = measure(cmd, stdout=stdout, ok=ok, timeout=timeout, env=self.env)
            else:
                wall, rss = measure(cmd, ok=ok, timeout=timeout, env=self.env)
            walls.append(wall)
            rsss.append(rss or 0)
            log(f"  N={n} {name} run {run + 1}/{runs}: {wall:.3f} s, {(rss or 0) / 1024:.1f} MiB")
        row = {"n": n, "name": name, "cmd": " ".join(str(c) for c in cmd), "runs": runs, "walls": walls,
               "rss_kib": rsss, "wall": statistics.median(walls), "rss": statistics.median(rsss)}
        self.rows.append(row)
        return row

    def failed(self, n, name, cmd, error):
        log(f"  N={n} {name}: FAILED: {error}")
        self.rows.append({"n": n, "name": name, "cmd": " ".join(str(c) for c in cmd), "runs": 0,
                          "error": str(error).splitlines()[0]})

    def run_size(self, n, adledger, baseline):
        args = self.args
        work = self.out / f"n{n}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        data = work / "ledger.jsonl"
        log(f"N={n}: generating {data}")
        checks = work / "checks.csv"
        checks_count = 1000 if args.smoke else args.checks
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--entries", str(n), "--seed", str(args.seed),
                        "--out", str(data), "--checks", str(checks_count), "--checks-out", str(checks)], check=True)
        runs = args.runs if n < 1_000_000 else args.large_runs
        tool_runs = args.tool_runs if args.tool_runs else (3 if n <= 100_000 else 1)
        if args.smoke:
            runs = tool_runs = 1
        db = work / "ledger.db"

        def new_ledger():
            remove_db(db)
            subprocess.run([adledger, "--db", str(db), "init"], check=True, stdout=subprocess.DEVNULL, env=self.env)

        ad = [adledger, "--db", str(db)]
        row = self.record(n, "adledger import", [*ad, "import", str(data)], runs, prepare=new_ledger)
        row["entries_per_s"] = n / row["wall"]
        row["db_bytes_per_entry"] = db_bytes(db) / n if n else 0

        for fmt in ("json", "csv"):
            other = work / f"ledger.{fmt}"
            if not other.exists():
                write_other_formats(data, work / "ledger.json", work / "ledger.csv")
            other_db = work / f"ledger-{fmt}.db"

            def new_other(other_db=other_db):
                remove_db(other_db)
                subprocess.run([adledger, "--db", str(other_db), "init"], check=True, stdout=subprocess.DEVNULL,
                               env=self.env)

            name = "adledger import (JSON document)" if fmt == "json" else "adledger import (CSV)"
            other_row = self.record(n, name, [adledger, "--db", str(other_db), "import", str(other)], runs,
                                    prepare=new_other)
            other_row["entries_per_s"] = n / other_row["wall"]
            other_row["db_bytes_per_entry"] = db_bytes(other_db) / n if n else 0
            remove_db(other_db)

        self.record(n, "adledger report advertiser --by month",
                    [*ad, "report", "advertiser", ADVERTISER, "--by", "month"], runs)
        self.record(n, "adledger report advertiser --by month --format json",
                    [*ad, "--format", "json", "report", "advertiser", ADVERTISER, "--by", "month"], runs)
        self.record(n, "adledger balance", [*ad, "balance"], runs)
        self.record(n, "adledger balance --advertiser --by month",
                    [*ad, "balance", "--advertiser", ADVERTISER, "--by", "month"], runs)
        self.record(n, "adledger ban-status",
                    [*ad, "ban-status", "--advertiser", ADVERTISER, "--platform", BAN_PLATFORM, "--on", BAN_DAY],
                    runs, ok=(1,))
        if self.pg_state:
            self.run_postgresql(n, adledger, data, runs)
            self.record(n, "adledger verify", [*ad, "verify"], 1)
        # Exit 1: some of the checks are banned.
        for label, fmt in (("", []), (" --format json", ["--format", "json"])):
            row = self.record(n, f"adledger ban-status --batch{label}",
                              [*ad, *fmt, "ban-status", "--batch", str(checks)], runs, ok=(1,))
            row["checks"] = checks_count
            row["checks_per_s"] = checks_count / row["wall"]

        journals = {"ledger": work / "export.ledger", "hledger": work / "export.journal"}
        for fmt, path in journals.items():
            self.record(n, f"adledger export --format {fmt}", [*ad, "export", "--format", fmt], 1, stdout_path=path)

        account = f"expenses:ads:{ADVERTISER}:"
        tools = [
            ("ledger balance", ["ledger", "-f", journals["ledger"], "balance"]),
            ("ledger register -M (advertiser)", ["ledger", "-f", journals["ledger"], "register", "-M", f"^{account}"]),
            ("hledger balance", ["hledger", "-f", journals["hledger"], "balance"]),
            ("hledger balance -M (advertiser)", ["hledger", "-f", journals["hledger"], "balance", "-M", f"^{account}"]),
        ]
        for name, cmd in ([] if args.skip_tools else tools):
            if shutil.which(cmd[0]) is None:
                self.failed(n, name, cmd, f"{cmd[0]} is not installed")
                continue
            try:
                self.record(n, name, [str(c) for c in cmd], tool_runs, timeout=args.tool_timeout)
            except RuntimeError as error:
                self.failed(n, name, cmd, error)

        base_db = work / "baseline.db"
        for mode in BASELINE_MODES:
            cmd = [baseline, "--mode", mode, str(n), str(base_db)]
            row = self.record(n, f"sqlite baseline ({mode})", cmd, runs, prepare=lambda: remove_db(base_db))
            row["entries_per_s"] = n / row["wall"]
            row["db_bytes_per_entry"] = db_bytes(base_db) / n if n else 0
            if mode.startswith("v7"):
                # The ceiling means something only while its tables are adledger's.
                try:
                    problems = compare_v7_schema(db, base_db)
                except sqlite3.Error as error:
                    problems = [f"cannot read the schemas: {error}"]
                if problems:
                    self.failed(n, f"sqlite baseline ({mode}) schema", cmd,
                                "the baseline's tables are not the ledger's: " + "; ".join(problems))
        if not args.keep:
            for path in (data, checks, work / "ledger.json", work / "ledger.csv", *journals.values()):
                path.unlink(missing_ok=True)
            remove_db(db)
            remove_db(base_db)

    def run_postgresql(self, n, adledger, data, runs):
        """The import, a report, ban-status and verify on a PostgreSQL database."""
        name = f"bench_n{n}_{os.getpid()}"
        url = None

        def new_database():
            nonlocal url
            cluster.drop_database(self.pg_state, name)
            url = cluster.create_database(self.pg_state, name)
            subprocess.run([adledger, "--db", url, "init"], check=True, stdout=subprocess.DEVNULL, env=self.env)

        try:
            new_database()
            row = self.record(n, "adledger import (PostgreSQL)", [adledger, "--db", url, "import", str(data)], runs,
                              prepare=new_database)
            row["entries_per_s"] = n / row["wall"]
            row["db_bytes_per_entry"] = 0
            pg = [adledger, "--db", url]
            self.record(n, "adledger report advertiser --by month (PostgreSQL)",
                        [*pg, "report", "advertiser", ADVERTISER, "--by", "month"], runs)
            self.record(n, "adledger ban-status (PostgreSQL)",
                        [*pg, "ban-status", "--advertiser", ADVERTISER, "--platform", BAN_PLATFORM, "--on", BAN_DAY],
                        runs, ok=(1,))
            self.record(n, "adledger verify (PostgreSQL)", [*pg, "verify"], 1)
            # The same two questions through PgBouncer (session pooling), as
            # a deployment with many short commands runs them: each command
            # reuses a server connection instead of starting a new server
            # process.
            with pooler.PgBouncer(self.pg_state) as bouncer:
                pooled = [adledger, "--db", bouncer.url(name)]
                # A pooler in use has its server connection: one command,
                # not timed, opens it.
                subprocess.run([*pooled, "head"], check=True, stdout=subprocess.DEVNULL, env=self.env)
                self.record(n, "adledger report advertiser --by month (PostgreSQL through PgBouncer)",
                            [*pooled, "report", "advertiser", ADVERTISER, "--by", "month"], runs)
                self.record(n, "adledger ban-status (PostgreSQL through PgBouncer)",
                            [*pooled, "ban-status", "--advertiser", ADVERTISER, "--platform", BAN_PLATFORM,
                             "--on", BAN_DAY], runs, ok=(1,))
        finally:
            cluster.drop_database(self.pg_state, name)

    def build(self):
        build = self.out / "build"
        if self.args.adledger:
            adledger = str(Path(self.args.adledger).resolve())
        else:
            log(f"building adledger (Release) in {build}")
            subprocess.run(["cmake", "-S", str(REPO), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                            "-DBUILD_TESTING=OFF"], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(["cmake", "--build", str(build), "--target", "adledger", "-j", str(self.args.jobs)],
                           check=True, stdout=subprocess.DEVNULL)
            adledger = str(build / "cli" / "adledger")
        build.mkdir(parents=True, exist_ok=True)
        baseline = str(build / "sqlite_baseline")
        subprocess.run([os.environ.get("CXX", "g++"), "-O2", "-std=c++20", str(HERE / "sqlite_baseline.cpp"),
                        "-lsqlite3", "-o", baseline], check=True)
        return adledger, baseline


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.splitlines()[0].strip()
        except (OSError, IndexError):
            return "not installed"

    return {"uname": " ".join(platform.uname()), "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "ledger": version(["ledger", "--version"]), "hledger": version(["hledger", "--version"]),
            "sqlite": version(["sqlite3", "--version"]) if shutil.which("sqlite3") else "library only",
            "python": sys.version.split()[0]}


def fmt_mib(kib):
    return f"{kib / 1024:.1f}"


def write_results(bench, info, adledger, sizes):
    rows = bench.rows
    lines = ["# adledger benchmarks", "",
             f"- machine: `{info['uname']}`",
             f"- CPU: {info['cpu']}, {info['cores']} cores; memory {info['memory']}",
             f"- adledger: `{adledger}` (Release); {info['ledger']}; {info['hledger']}; Python {info['python']}",
             f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; seed {bench.args.seed}",
             "- wall: median of the runs, whole process, seconds; peak RSS: median of /usr/bin/time -v's"
             " maximum resident set size, MiB", ""]
    for n in sizes:
        lines += [f"## N = {n:,} spend entries", "",
                  "| measurement | runs | wall (s) | min..max (s) | peak RSS (MiB) | figure |",
                  "|---|---:|---:|---:|---:|---|"]
        by_name = {r["name"]: r for r in rows if r["n"] == n and "error" not in r}
        imp = by_name.get("adledger import")
        for r in (r for r in rows if r["n"] == n):
            if "error" in r:
                lines.append(f"| {r['name']} | 0 | - | - | - | failed: {r['error']} |")
                continue
            figure = ""
            sqlite_twin = by_name.get(r["name"].replace(" (PostgreSQL)", "")
                                      .replace(" (PostgreSQL through PgBouncer)", ""))
            if r["name"].endswith(("(PostgreSQL)", "(PostgreSQL through PgBouncer)")) and sqlite_twin is not None:
                figure = f"{r['wall'] / sqlite_twin['wall']:.1f}x the time on SQLite"
            if "checks_per_s" in r:
                figure = f"{r['checks']:,} checks, {r['checks_per_s']:,.0f} checks/s"
            if "entries_per_s" in r and r["name"].endswith("(PostgreSQL)"):
                figure = f"{r['entries_per_s']:,.0f} entries/s; " + figure
            elif "entries_per_s" in r:
                figure = f"{r['entries_per_s']:,.0f} entries/s, {r['db_bytes_per_entry']:.0f} B/entry of database"
                if imp is not None and r["name"].startswith("sqlite baseline"):
                    figure += f"; adledger import is {imp['entries_per_s'] / r['entries_per_s']:.2%} of it"
            for tool, ours in (("ledger balance", "adledger balance"), ("hledger balance", "adledger balance"),
                               ("ledger register -M (advertiser)", "adledger balance --advertiser --by month"),
                               ("hledger balance -M (advertiser)", "adledger balance --advertiser --by month")):
                if r["name"] == tool and ours in by_name:
                    figure = f"{r['wall'] / by_name[ours]['wall']:.1f}x the time of `{ours}`"
            lines.append(f"| {r['name']} | {r['runs']} | {r['wall']:.3f} | {min(r['walls']):.3f}..{max(r['walls']):.3f}"
                         f" | {fmt_mib(r['rss'])} | {figure} |")
        lines.append("")
        v7, bulk = by_name.get("sqlite baseline (v7)"), by_name.get("sqlite baseline (v7-bulk)")
        if imp is not None and v7 is not None:
            line = (f"adledger import: {imp['entries_per_s']:,.0f} entries/s, **{imp['entries_per_s'] / v7['entries_per_s']:.1%}"
                    f" of the v7 baseline** ({v7['entries_per_s']:,.0f} entries/s, the storage's share alone")
            if bulk is not None:
                line += (f"; {imp['entries_per_s'] / bulk['entries_per_s']:.1%} of v7-bulk,"
                         f" {bulk['entries_per_s']:,.0f} entries/s, spend_by_account built after the load")
            for other in ("adledger import (JSON document)", "adledger import (CSV)"):
                if other in by_name:
                    line += (f"; {other[len('adledger import '):]}: {by_name[other]['entries_per_s']:,.0f} entries/s,"
                             f" {by_name[other]['entries_per_s'] / v7['entries_per_s']:.1%}")
            lines += [line + ").", ""]
    lines += ["Commands (as run at the first N):", ""]
    seen = set()
    for r in rows:
        if r["name"] not in seen:
            seen.add(r["name"])
            lines.append(f"- {r['name']}: `{r['cmd']}`")
    lines.append("")
    (bench.out / "results.md").write_text("\n".join(lines))
    (bench.out / "results.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adledger", help="an adledger binary to measure (default: build one in Release)")
    parser.add_argument("--sizes", default="100000 1000000", help="the N to run, space-separated")
    parser.add_argument("--runs", type=int, default=5, help="runs of each adledger and SQLite measurement")
    parser.add_argument("--large-runs", type=int, help="runs at N >= 1,000,000 (default: --runs)")
    parser.add_argument("--tool-runs", type=int, help="runs of ledger and hledger (default 3 at N <= 100,000, else 1)")
    parser.add_argument("--tool-timeout", type=float, default=3600, help="seconds before a ledger/hledger run is given up")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--checks", type=int, default=1_000_000,
                        help="checks in the file for ban-status --batch (--smoke: 1,000)")
    parser.add_argument("--out", default="/tmp/adledger-bench", help="output directory")
    parser.add_argument("--jobs", type=int, default=1, help="parallel jobs for the Release build")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and databases")
    parser.add_argument("--smoke", action="store_true", help="N = 1,000 and one run of each")
    parser.add_argument("--postgresql", action="store_true", help="measure a PostgreSQL ledger beside SQLite's")
    parser.add_argument("--postgresql-state", help="a running cluster's state file (default: start one)")
    parser.add_argument("--skip-tools", action="store_true", help="leave out ledger and hledger")
    args = parser.parse_args()
    if args.large_runs is None:
        args.large_runs = args.runs
    sizes = [1000] if args.smoke else [int(s) for s in args.sizes.split()]
    bench = Bench(args)
    bench.out.mkdir(parents=True, exist_ok=True)
    adledger, baseline = bench.build()
    started = None
    try:
        if args.postgresql:
            state_file = args.postgresql_state
            if not state_file:
                started = state_file = str(bench.out / "cluster.json")
                subprocess.run([sys.executable, str(REPO / "tests" / "postgresql" / "cluster.py"), "start", "--state",
                                state_file], check=True, stdout=subprocess.DEVNULL)
            bench.pg_state = cluster.load_state(state_file)
        for n in sizes:
            bench.run_size(n, adledger, baseline)
            write_results(bench, machine(), adledger, sizes[: sizes.index(n) + 1])
    finally:
        if started:
            subprocess.run([sys.executable, str(REPO / "tests" / "postgresql" / "cluster.py"), "stop", "--state",
                            started], stdout=subprocess.DEVNULL)
    log(f"wrote {bench.out / 'results.md'}")
    print((bench.out / "results.md").read_text())
    return 1 if any("error" in r for r in bench.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
