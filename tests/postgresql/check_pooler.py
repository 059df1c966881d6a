#!/usr/bin/python3
"""adledger through a connection pooler (Python 3 stdlib only).

Starts PgBouncer (tests/postgresql/pooler.py, session pooling) in front of
the test cluster (--postgresql-state FILE, default
$ADLEDGER_TEST_POSTGRESQL_STATE), creates a fresh database, and runs
adledger through the pooler, one command after another: init, an import of
the founding case, reads (ban-status, a report, the spend list, verify), a
write, a write the ban rule refuses, and reads that fail (an advertiser the
ledger does not have). Checks:

  (a) every command gives what it gives on a direct connection to the same
      database: the same exit code and the same output (the reads), or the
      same error line;
  (b) every command leaves its server connection idle, so that the pooler
      gives it to the next: after each command the database has exactly one
      server session, the same one from the first command to the last (a
      command that left a transaction open would make the pooler close it,
      and the next command would start a new server process);
  (c) the settings and prepared statements of one command never reach the
      next (the pooler resets the session): the commands above would fail
      otherwise.

Exit 0 with a summary when every check holds; exit 1 with FAIL lines
otherwise.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import cluster  # noqa: E402
import pooler  # noqa: E402

FIXTURE = os.path.join(ROOT, "fixtures", "founding-case.json")
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL {message}", flush=True)


def run(adledger, url, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "ADLEDGER_DB"}
    r = subprocess.run([adledger, "--db", url, *args], capture_output=True, text=True, env=env, timeout=120)
    return r.returncode, r.stdout, r.stderr


def server_sessions(state, name):
    """The database's client sessions but the one asking, as pid:start."""
    out = cluster.psql(state, "postgres",
                       "SELECT pid || ':' || backend_start FROM pg_stat_activity WHERE datname = "
                       f"'{name}' AND backend_type = 'client backend' AND pid <> pg_backend_pid() ORDER BY pid")
    return [line for line in out.splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--adledger", default=os.path.join(ROOT, "build", "cli", "adledger"))
    ap.add_argument("--postgresql-state", default=os.environ.get("ADLEDGER_TEST_POSTGRESQL_STATE"))
    args = ap.parse_args()
    if not args.postgresql_state:
        print("error: --postgresql-state FILE or $ADLEDGER_TEST_POSTGRESQL_STATE is needed", file=sys.stderr)
        return 2
    state = cluster.load_state(args.postgresql_state)
    name = f"pooler_{os.getpid()}"
    cluster.drop_database(state, name)
    direct = cluster.create_database(state, name)
    commands = 0
    try:
        with pooler.PgBouncer(state) as bouncer:
            pooled = bouncer.url(name)
            seen = set()

            def through_pooler(label, argv, expect_exit, compare=True):
                nonlocal commands
                commands += 1
                code, out, err = run(args.adledger, pooled, argv)
                if code != expect_exit:
                    fail(f"{label}: exit {code} through the pooler, expected {expect_exit}: {err.strip()}")
                sessions = server_sessions(state, name)
                if len(sessions) != 1:
                    fail(f"{label}: the database has {len(sessions)} server sessions after the command, not 1 "
                         f"(the pooler's, idle): {sessions}")
                seen.update(sessions)
                if compare:
                    d_code, d_out, d_err = run(args.adledger, direct, argv)
                    if (code, out) != (d_code, d_out):
                        fail(f"{label}: through the pooler exit {code} and {len(out)} bytes, "
                             f"directly exit {d_code} and {len(d_out)} bytes")
                    if err.replace(pooled, "URL") != d_err.replace(direct, "URL"):
                        fail(f"{label}: stderr through the pooler {err.strip()!r}, directly {d_err.strip()!r}")
                    # The direct command's server process ends after it
                    # does: gone before the next command is counted.
                    deadline = time.monotonic() + 30
                    while len(server_sessions(state, name)) > 1 and time.monotonic() < deadline:
                        time.sleep(0.02)
                return out

            through_pooler("init", ["init"], 0, compare=False)
            through_pooler("import", ["import", FIXTURE], 0, compare=False)
            banned = through_pooler("ban-status", ["ban-status", "--advertiser", "rt", "--platform", "twitter",
                                                   "--on", "2017-11-01"], 1)
            if "banned since 2017-10-26" not in banned:
                fail(f"ban-status: {banned.strip()!r} does not say RT is banned since 2017-10-26")
            through_pooler("report", ["--format", "json", "report", "advertiser", "rt", "--by", "quarter"], 0)
            through_pooler("spend list", ["--format", "json", "spend", "list"], 0)
            through_pooler("an unknown advertiser", ["ban-status", "--advertiser", "nobody"], 4)
            through_pooler("spend record", ["spend", "record", "--advertiser", "rt", "--platform", "twitter",
                                            "--amount", "5000", "--currency", "USD", "--period", "2015-Q1",
                                            "--market", "US", "--source", "pooler test", "--id", "pooler-1"], 0, compare=False)
            through_pooler("a spend the ban forbids",
                           ["spend", "record", "--advertiser", "rt", "--platform", "twitter", "--amount", "5000",
                            "--currency", "USD", "--period", "2018-Q1", "--market", "US", "--source", "pooler test",
                            "--id", "pooler-2"], 4, compare=False)
            through_pooler("verify", ["verify"], 0)
            through_pooler("head", ["head"], 0)
            through_pooler("the report after the write", ["report", "advertiser", "rt"], 0)
            if len(seen) != 1:
                fail(f"the commands had {len(seen)} server sessions in all, not one reused: {sorted(seen)}")
    finally:
        cluster.drop_database(state, name)
    if failures:
        print(f"{len(failures)} failure(s) in {commands} commands through PgBouncer")
        return 1
    print(f"ok: {commands} commands through PgBouncer (session pooling) gave what they give directly, "
          "and shared one server session")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except cluster.ClusterError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
