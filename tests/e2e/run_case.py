#!/usr/bin/python3
"""Runs one golden end-to-end case against the built adledger binary.

A case file (tests/e2e/cases/NAME.test) is a list of commands, each with the
output it must produce, in the manner of ledger-cli's regression tests:

    # comment
    %fixture                      import fixtures/founding-case.json first
    %noinit                       do not create the ledger before the case
    $ adledger spend record --amount abc ...
    expected stdout, line by line
    >>>2
    expected stderr, line by line
    >>>= 3

A command block runs until the next `$` line. Without `>>>2` stderr must be
empty; without `>>>=` the exit status must be 0. `VAR=value` words before
`adledger` set the environment for that command, and `< FILE` at its end
feeds FILE to its stdin. `{DB}`, `{TMP}` and `{ROOT}` stand for the ledger
path, the case's temporary directory and the repository root, in commands and
in expected output alike.

Before the first command, a case may give input files, written into the
case's temporary directory (the commands' working directory) before they run,
each line ending in LF:

    %file checks.csv
    rt,twitter,2017-10-26
    %end

Every command runs with ADLEDGER_DB={DB}, ADLEDGER_TODAY=2026-11-22,
ADLEDGER_NOW=2026-11-22T12:00:00.000Z, ADLEDGER_AUTHOR=newsdesk and TZ=UTC,
so that record hashes are reproducible and the same on both backends
(without a name, a PostgreSQL ledger records the database role). Whenever a
command exits non-zero, the runner also checks that the ledger file is byte
for byte what it was before the command: a refused write must leave nothing
behind.

With --backend postgresql (and --postgresql-state FILE, or
$ADLEDGER_TEST_POSTGRESQL_STATE: the cluster that tests/postgresql/cluster.py
started), the ledger is instead a fresh database on that cluster, named
e2e_<case>_<random> and dropped after the case however it ends; {DB} and
ADLEDGER_DB are its URL. A command that exits non-zero although the case
expects it to succeed fails the case by its exit status alone, so the
database's content (see cluster.database_digest: its schema objects and every
row of every table, without the sequences' counters) is compared only around
the commands that the case expects to fail, one psql session (about 20 ms)
before and one after each, the one after also serving as the one before the
next command. A case about the SQLite file itself says

    %sqlite-only

and is skipped with the postgresql backend (exit status 0, one line saying
so).
"""

import argparse
import contextlib
import hashlib
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile


def parse_case(path):
    directives = set()
    files = {}  # name -> lines, from %file NAME ... %end
    commands = []
    current = None
    section = None
    file_lines = None
    with open(path, encoding="utf-8", newline="") as f:
        for raw in f.read().split("\n"):
            line = raw
            if file_lines is not None:
                if line == "%end":
                    file_lines = None
                else:
                    file_lines.append(line)
                continue
            if current is None and (line.startswith("#") or not line.strip()):
                continue
            if current is None and line.startswith("%file "):
                name = line[len("%file "):].strip()
                if not name or "/" in name or name in files:
                    raise SystemExit(f"{path}: %file needs a new name without a slash: {line!r}")
                file_lines = files[name] = []
                continue
            if current is None and line.startswith("%"):
                directives.add(line[1:].strip())
                continue
            if line.startswith("$ "):
                current = {"command": line[2:], "stdout": [], "stderr": [], "exit": 0}
                commands.append(current)
                section = "stdout"
                continue
            if current is None:
                raise SystemExit(f"{path}: text before the first command: {line!r}")
            if line == ">>>2":
                section = "stderr"
                continue
            if line.startswith(">>>= "):
                current["exit"] = int(line[5:])
                section = None
                continue
            if section is None:
                if line.strip():
                    raise SystemExit(f"{path}: text after the exit status: {line!r}")
                continue
            current[section].append(line)
    if file_lines is not None:
        raise SystemExit(f"{path}: %file without its %end")
    for c in commands:
        for key in ("stdout", "stderr"):
            while c[key] and c[key][-1] == "":
                c[key].pop()
    return directives, files, commands


def file_digest(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class SqliteLedger:
    """The ledger as an SQLite file in the case's temporary directory."""

    def __init__(self, tmp):
        self.db = os.path.join(tmp, "ledger.db")

    def digest(self):
        return file_digest(self.db)

    def wants_digest(self, command):
        return True  # hashing a small file costs nothing

    def close(self):
        pass


URL_MAX = 80


class PostgresqlLedger:
    """The ledger as a fresh database on the test cluster."""

    def __init__(self, state_path, case):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "postgresql"))
        import cluster
        self.cluster = cluster
        try:
            self.state = cluster.load_state(state_path)
            # adledger quotes at most 80 characters of a database's name in
            # its messages ("..." after them): a longer URL would not match
            # {DB} in the expected output. The case's name is cut to fit.
            stem = re.sub(r"[^a-z0-9_]", "_", os.path.splitext(os.path.basename(case))[0].lower())
            room = URL_MAX - len(cluster.url_for(self.state, "")) - len("e2e__") - 6
            self.name = f"e2e_{stem[:max(room, 0)]}_{secrets.token_hex(3)}"
            if len(cluster.url_for(self.state, self.name)) > URL_MAX:
                sys.exit(f"setup: the cluster's URLs are longer than {URL_MAX} characters: "
                         f"{cluster.url_for(self.state, self.name)}")
            self.db = cluster.create_database(self.state, self.name)
        except cluster.ClusterError as e:
            sys.exit(f"setup: {e}")

    def digest(self):
        try:
            return self.cluster.database_digest(self.state, self.name)
        except self.cluster.ClusterError as e:
            sys.exit(f"the ledger's content: {e}")

    def wants_digest(self, command):
        return command["exit"] != 0

    def close(self):
        try:
            self.cluster.drop_database(self.state, self.name)
        except self.cluster.ClusterError as e:
            print(f"warning: {e}", file=sys.stderr)


@contextlib.contextmanager
def open_ledger(args, tmp):
    """The case's ledger, dropped (a database) when the case ends, however it ends."""
    if args.backend == "postgresql":
        ledger = PostgresqlLedger(args.postgresql_state, args.case)
    else:
        ledger = SqliteLedger(tmp)
    try:
        yield ledger
    finally:
        ledger.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adledger", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                    help="where the ledger lives: an SQLite file (default) or a database on the test cluster")
    ap.add_argument("--postgresql-state", default=os.environ.get("ADLEDGER_TEST_POSTGRESQL_STATE"),
                    help="the state file of tests/postgresql/cluster.py start "
                         "(default: $ADLEDGER_TEST_POSTGRESQL_STATE)")
    ap.add_argument("--bless", action="store_true",
                    help="rewrite the case's expected output with what the binary prints (review the diff!)")
    ap.add_argument("case")
    args = ap.parse_args()

    args.adledger = os.path.abspath(args.adledger)
    args.root = os.path.abspath(args.root)
    directives, files, commands = parse_case(args.case)
    if args.backend == "postgresql":
        if "sqlite-only" in directives:
            print(f"skipped with the postgresql backend: {os.path.basename(args.case)} is %sqlite-only")
            sys.exit(0)
        if not args.postgresql_state:
            sys.exit("--backend postgresql needs --postgresql-state FILE or $ADLEDGER_TEST_POSTGRESQL_STATE")
    # A SIGTERM (ctest's timeout, a stopped CI run) unwinds like Ctrl-C, so that
    # the case's database is dropped and its temporary directory removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    failures = 0
    with tempfile.TemporaryDirectory(prefix="adledger-e2e-") as tmp, open_ledger(args, tmp) as ledger:
        db = ledger.db
        subst = {"{DB}": db, "{TMP}": tmp, "{ROOT}": args.root}

        def expand(text):
            for k, v in subst.items():
                text = text.replace(k, v)
            return text

        # libpq's PG* variables (PGHOST, PGPORT, ...) would fill in what a URL
        # leaves out; the cases name their ledger in full.
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        base_env.update(ADLEDGER_DB=db, ADLEDGER_TODAY="2026-11-22",
                        ADLEDGER_NOW="2026-11-22T12:00:00.000Z", ADLEDGER_AUTHOR="newsdesk", TZ="UTC",
                        LC_ALL="C.UTF-8")
        base_env.pop("ADLEDGER_FORMAT", None)

        def run(words, env, stdin=None):
            return subprocess.run([args.adledger] + words, env=env, cwd=tmp, stdin=stdin, capture_output=True,
                                  timeout=120)

        for name, lines in files.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8", newline="") as f:
                f.write("".join(expand(l) + "\n" for l in lines))

        if "noinit" not in directives:
            r = run(["init"], base_env)
            if r.returncode != 0:
                sys.exit(f"setup: init failed: {r.stderr.decode()}")
        if "fixture" in directives:
            r = run(["import", os.path.join(args.root, "fixtures", "founding-case.json")], base_env)
            if r.returncode != 0:
                sys.exit(f"setup: fixture import failed: {r.stderr.decode()}")

        known = None  # the ledger's digest, while nothing may have changed it since
        for i, c in enumerate(commands, 1):
            words = shlex.split(expand(c["command"]))
            env = dict(base_env)
            while words and "=" in words[0] and words[0] != "adledger":
                k, v = words.pop(0).split("=", 1)
                env[k] = v
            if not words or words[0] != "adledger":
                sys.exit(f"{args.case}: command {i} must run adledger: {c['command']}")
            stdin_path = None
            if len(words) >= 3 and words[-2] == "<":
                stdin_path = os.path.join(tmp, words[-1])
                words = words[:-2]
            check_ledger = ledger.wants_digest(c)
            if check_ledger and known is None:
                known = ledger.digest()
            before = known if check_ledger else None
            if stdin_path:
                with open(stdin_path, "rb") as stdin:
                    r = run(words[1:], env, stdin)
            else:
                r = run(words[1:], env)
            after = before
            known = None
            if check_ledger and r.returncode != 0:
                # The ledger as it is now: the digest before the next command too.
                after = known = ledger.digest()
            out = r.stdout.decode("utf-8", "replace").rstrip("\n").split("\n") if r.stdout else []
            err = r.stderr.decode("utf-8", "replace").rstrip("\n").split("\n") if r.stderr else []
            want_out = [expand(l) for l in c["stdout"]]
            want_err = [expand(l) for l in c["stderr"]]
            problems = []
            if r.returncode != c["exit"]:
                problems.append(f"exit status {r.returncode}, expected {c['exit']}")
            if out != want_out:
                problems.append("stdout differs:\n" + diff(want_out, out))
            if err != want_err:
                problems.append("stderr differs:\n" + diff(want_err, err))
            if r.returncode != 0 and before != after:
                problems.append("the ledger changed although the command failed")
            c["actual"] = (out, err, r.returncode)
            if problems:
                failures += 1
                print(f"FAIL command {i}: $ {c['command']}")
                for p in problems:
                    print("  " + p.replace("\n", "\n  "))
            else:
                print(f"ok   command {i}: $ {c['command']}")
        if args.bless:
            bless(args.case, commands, subst)
    print(f"{len(commands) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


def bless(path, commands, subst):
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    head = []
    for line in lines:
        if line.startswith("$ "):
            break
        head.append(line)
    while head and head[-1] == "":
        head.pop()

    def unexpand(text):
        for k, v in subst.items():
            text = text.replace(v, k)
        return text

    body = []
    for c in commands:
        out, err, code = c["actual"]
        body.append("$ " + c["command"])
        body.extend(unexpand(l) for l in out)
        if err:
            body.append(">>>2")
            body.extend(unexpand(l) for l in err)
        if code != 0:
            body.append(f">>>= {code}")
        body.append("")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(head + [""] + body))


def diff(want, got):
    import difflib
    return "\n".join(difflib.unified_diff(want, got, "expected", "actual", lineterm=""))


if __name__ == "__main__":
    main()
