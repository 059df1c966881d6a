#!/usr/bin/python3
"""A throwaway PostgreSQL cluster for adledger's tests (Python 3 stdlib only).

    cluster.py start --state FILE              initdb a fresh cluster in a new
                                               temporary directory, start it and
                                               write FILE (JSON: dir, url, bin,
                                               user, port)
    cluster.py stop --state FILE               stop it (fast), remove its
                                               directory and FILE; succeeds if
                                               it is already stopped or gone
    cluster.py restart-immediate --state FILE  stop it as a crash would
                                               (immediate), then start it again
    cluster.py createdb --state FILE NAME      create an empty database NAME and
                                               print its URL
    cluster.py dropdb --state FILE NAME        drop database NAME (if it exists)

The cluster listens on a Unix socket only, in its own directory under /tmp
(mode 0700), with trust authentication for the user adledger_admin: no
password is needed, nothing reaches it over TCP, and only the directory's
owner and root reach the socket. initdb refuses to run as root, so as root
the cluster belongs to the unprivileged system user adledger-test (created if
missing); root still connects over the socket. fsync is on (the fault tests
stop the server as a crash would) and max_connections is 200.

A URL has the form postgresql:///DBNAME?host=DIR&user=adledger_admin.

Other Python tests import this file:

    state = cluster.load_state(os.environ["ADLEDGER_TEST_POSTGRESQL_STATE"])
    url = cluster.create_database(state, "e2e_session_1a2b")
    ...
    cluster.drop_database(state, "e2e_session_1a2b")

database_digest(state, name) hashes a database's content (its schema objects
and every row of every table, not the sequences' counters): equal before and
after a command, the command changed nothing. database_dump(state, name)
gives the text it hashes.

A missing PostgreSQL is a failure, never a skip: every failure exits non-zero
with one line on stderr.
"""

import argparse
import glob
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile

ADMIN_USER = "adledger_admin"
SYSTEM_USER = "adledger-test"
PORT = 5432
DIR_PREFIX = "pg-"  # short: the URLs stay short (adledger quotes at most 80 characters in a message)
MARKER = "adledger-test-cluster"  # a file in the directory: cluster.py made it
TIMEOUT = 120  # seconds, for pg_ctl -w and each client command


class ClusterError(Exception):
    pass


# --- helpers ------------------------------------------------------------------

def _find_bin():
    """The directory of PostgreSQL's server binaries (initdb, pg_ctl, psql)."""
    override = os.environ.get("ADLEDGER_PG_BIN")
    if override:
        candidates = [override]
    else:
        def version(d):
            m = re.search(r"/postgresql/(\d+)/bin$", d)
            return int(m.group(1)) if m else 0
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
        initdb = shutil.which("initdb")
        if initdb:
            candidates.append(os.path.dirname(os.path.realpath(initdb)))
    for d in candidates:
        if d and all(os.access(os.path.join(d, t), os.X_OK) for t in ("initdb", "pg_ctl", "postgres", "psql")):
            return d
    raise ClusterError("PostgreSQL's server binaries (initdb, pg_ctl, postgres, psql) are not installed; "
                       "run `bash .ci/install-deps` (Debian package postgresql-15)")


def _clean_env():
    """The environment without libpq's PG* variables, which would redirect a
    client or the server (PGPORT, PGHOST, PGDATA, ...)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C.UTF-8"
    env.pop("LANG", None)
    return env


def _as_user(user, argv):
    """argv, run as user (via runuser) when we are root and user is not."""
    if user and os.geteuid() == 0 and user != "root":
        return ["runuser", "-u", user, "--"] + argv
    return argv


def _run(argv, what, user=None, cwd=None, check=True, timeout=TIMEOUT, input=None):
    try:
        r = subprocess.run(_as_user(user, argv), cwd=cwd or "/", env=_clean_env(), input=input,
                           stdin=None if input is not None else subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as e:
        raise ClusterError(f"{what}: {e.filename} not found; run `bash .ci/install-deps`")
    except subprocess.TimeoutExpired:
        raise ClusterError(f"{what}: no answer after {timeout} s")
    if check and r.returncode != 0:
        raise ClusterError(f"{what} failed (exit {r.returncode}): {_last_line(r.stderr or r.stdout)}")
    return r


def _last_line(text):
    lines = [l.strip() for l in (text or "").splitlines() if l.strip()]
    return lines[-1] if lines else "no message"


def _log_tail(d):
    try:
        with open(os.path.join(d, "log"), encoding="utf-8", errors="replace") as f:
            return _last_line(f.read())
    except OSError:
        return "no server log"


def _ensure_system_user():
    try:
        pwd.getpwnam(SYSTEM_USER)
        return
    except KeyError:
        pass
    r = _run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
             f"useradd {SYSTEM_USER}", check=False)
    try:
        pwd.getpwnam(SYSTEM_USER)  # created, by us or by a concurrent start
    except KeyError:
        raise ClusterError(f"could not create the system user {SYSTEM_USER} (useradd exit {r.returncode}): "
                           f"{_last_line(r.stderr)}")


def _url(state, dbname):
    return f"postgresql:///{dbname}?host={state['dir']}&user={ADMIN_USER}"


def _check_name(name):
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name or ""):
        raise ClusterError(f"database name {name!r}: use 1 to 63 lower-case letters, digits or _, "
                           "not starting with a digit")


def _quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def _datadir(state):
    return os.path.join(state["dir"], "data")


def _pg_ctl(state, *args, check=True, what=None):
    return _run([os.path.join(state["bin"], "pg_ctl"), "-D", _datadir(state), *args],
                what or "pg_ctl " + " ".join(args), user=state.get("user"), cwd=state["dir"], check=check,
                timeout=TIMEOUT + 30)


def _running(state):
    """pg_ctl status: 0 running, 3 not running, 4 no data directory."""
    if not os.path.isdir(_datadir(state)):
        return False
    return _pg_ctl(state, "status", check=False).returncode == 0


def _start_server(state):
    r = _pg_ctl(state, "-w", "-t", str(TIMEOUT), "-l", os.path.join(state["dir"], "log"), "start", check=False)
    if r.returncode != 0:
        raise ClusterError(f"pg_ctl start failed (exit {r.returncode}): {_log_tail(state['dir'])}")


def psql(state, dbname, sql, what=None):
    """Runs SQL (psql -c) on database dbname as adledger_admin; returns stdout."""
    r = _run([os.path.join(state["bin"], "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
              "-d", _url(state, dbname), "-c", sql], what or f"psql -c {sql!r}")
    return r.stdout


# --- the importable API -------------------------------------------------------

def load_state(path):
    """The state that `start` wrote: {"dir", "url", "bin", "user", "port"}."""
    try:
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
    except FileNotFoundError:
        raise ClusterError(f"state file {path} does not exist: start the cluster first "
                           "(ctest runs the fixture postgresql.start)")
    except (OSError, ValueError) as e:
        raise ClusterError(f"state file {path}: {e}")
    for key in ("dir", "url", "bin"):
        if not isinstance(state.get(key), str):
            raise ClusterError(f"state file {path}: no {key!r}")
    return state


def url_for(state, name):
    """The URL of database name on the cluster (whether or not it exists)."""
    return _url(state, name)


def create_database(state, name):
    """Creates the empty database name (from template0) and returns its URL."""
    _check_name(name)
    psql(state, "postgres", f"CREATE DATABASE {_quote_ident(name)} TEMPLATE template0 ENCODING 'UTF8'",
         what=f"create database {name}")
    return _url(state, name)


def drop_database(state, name):
    """Drops database name if it exists, ending its sessions first."""
    _check_name(name)
    psql(state, "postgres", f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)",
         what=f"drop database {name}")


# One read-only statement: the definitions of everything in the database's
# own schemas, then, for every table, its row count and an MD5 of its rows,
# sorted by their text so that their physical order (which VACUUM or an
# UPDATE may change) does not count. Sequences count by name only:
# nextval() is not transactional, so a rolled-back insert advances a
# sequence although nothing was written. One statement, not one per table
# (query_to_xml runs each table's query): each round trip costs.
_DIGEST_SQL = r"""
WITH n AS (
  SELECT oid, nspname, nspowner FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_)'
), r AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c JOIN n ON n.oid = c.relnamespace
), counted AS (
  SELECT nspname, relname,
         query_to_xml(format('SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) AS h '
                             'FROM ONLY %I.%I t', nspname, relname), false, true, '') AS x
  FROM r WHERE relkind IN ('r', 'm')
), lines(line) AS (
  SELECT concat_ws('|', 'schema', nspname, pg_get_userbyid(nspowner)) FROM n
  UNION ALL SELECT concat_ws('|', 'relation', nspname, relname, relkind, relrowsecurity, relforcerowsecurity) FROM r
  UNION ALL SELECT concat_ws('|', 'column', r.nspname, r.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
                             a.attnotnull, a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid))
    FROM r JOIN pg_attribute a ON a.attrelid = r.oid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL SELECT concat_ws('|', 'constraint', r.nspname, r.relname, c.conname, pg_get_constraintdef(c.oid))
    FROM r JOIN pg_constraint c ON c.conrelid = r.oid
  UNION ALL SELECT concat_ws('|', 'index', nspname, relname, pg_get_indexdef(oid)) FROM r WHERE relkind IN ('i', 'I')
  UNION ALL SELECT concat_ws('|', 'view', nspname, relname, pg_get_viewdef(oid)) FROM r WHERE relkind IN ('v', 'm')
  UNION ALL SELECT concat_ws('|', 'trigger', r.nspname, r.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled)
    FROM r JOIN pg_trigger t ON t.tgrelid = r.oid WHERE NOT t.tgisinternal
  UNION ALL SELECT concat_ws('|', 'policy', r.nspname, r.relname, p.polname, p.polcmd,
                             pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
    FROM r JOIN pg_policy p ON p.polrelid = r.oid
  UNION ALL SELECT concat_ws('|', 'routine', p.oid::regprocedure::text,
                             CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END)
    FROM pg_proc p JOIN n ON n.oid = p.pronamespace
  UNION ALL SELECT concat_ws('|', 'type', n.nspname, t.typname, t.typtype,
                             (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                              FROM pg_enum e WHERE e.enumtypid = t.oid))
    FROM pg_type t JOIN n ON n.oid = t.typnamespace WHERE t.typtype IN ('e', 'd', 'r', 'm')
  UNION ALL SELECT concat_ws('|', 'extension', extname, extversion) FROM pg_extension
  UNION ALL SELECT concat_ws('|', 'rows', nspname, relname, (xpath('/row/n/text()', x))[1]::text,
                             (xpath('/row/h/text()', x))[1]::text)
    FROM counted
)
SELECT line FROM lines ORDER BY line COLLATE "C";
"""


def database_dump(state, name):
    """What database_digest hashes, as text: one line per schema object and
    one per table ("rows|SCHEMA|TABLE|COUNT|MD5"), to see what changed."""
    _check_name(name)
    return _run([os.path.join(state["bin"], "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                 "-d", _url(state, name), "-f", "-"],
                f"digest of database {name}", input=_DIGEST_SQL).stdout


def database_digest(state, name):
    """A SHA-256 of the database's content: the definitions in its own schemas
    and every row of every table. Equal digests: nothing that a reader of the
    database could see has changed. One psql session, one statement."""
    return hashlib.sha256(database_dump(state, name).encode("utf-8")).hexdigest()


# --- the commands -------------------------------------------------------------

def start(state_path):
    if os.path.exists(state_path):
        stop(state_path)  # a cluster left behind by an interrupted run
    bindir = _find_bin()
    if os.geteuid() == 0:
        _ensure_system_user()
        user = SYSTEM_USER
    else:
        user = pwd.getpwuid(os.geteuid()).pw_name
    os.makedirs(os.path.dirname(os.path.abspath(state_path)), exist_ok=True)
    d = tempfile.mkdtemp(prefix=DIR_PREFIX, dir="/tmp")
    state = {"dir": d, "url": None, "bin": bindir, "user": user, "port": PORT}
    state["url"] = _url(state, "postgres")
    try:
        open(os.path.join(d, MARKER), "w").close()
        # Written first, so that a start killed half-way is still undone by
        # stop (as .ci/run's trap does).
        _write_state(state_path, state)
        if len(os.path.join(d, f".s.PGSQL.{PORT}")) > 107:
            raise ClusterError(f"socket path under {d} is too long for a Unix socket")
        if user:
            pw = pwd.getpwnam(user)
            os.chown(d, pw.pw_uid, pw.pw_gid)
        os.chmod(d, 0o700)  # trust authentication: only its owner (and root) may reach the socket
        initdb = [os.path.join(bindir, "initdb"), "-D", _datadir(state), "--auth=trust", "-U", ADMIN_USER,
                  "--encoding=UTF8", "--no-instructions"]
        r = _run(initdb + ["--locale=C.UTF-8"], "initdb", user=user, cwd=d, check=False)
        if r.returncode != 0 and "locale" in (r.stderr + r.stdout).lower():
            shutil.rmtree(_datadir(state), ignore_errors=True)
            r = _run(initdb + ["--locale=C"], "initdb", user=user, cwd=d, check=False)
        if r.returncode != 0:
            raise ClusterError(f"initdb failed (exit {r.returncode}): {_last_line(r.stderr or r.stdout)}")
        conf = os.path.join(_datadir(state), "postgresql.conf")
        with open(conf, "a", encoding="utf-8") as f:
            f.write("\n# adledger tests (tests/postgresql/cluster.py)\n"
                    "listen_addresses = ''\n"
                    f"unix_socket_directories = '{d}'\n"
                    f"port = {PORT}\n"
                    "fsync = on\n"
                    "max_connections = 200\n"
                    "logging_collector = off\n")
        _start_server(state)
        psql(state, "postgres", "SELECT 1", what="connecting to the new cluster")
    except BaseException:
        _ignore_signals()  # a second Ctrl-C must not stop the clean-up
        try:
            if os.path.isdir(_datadir(state)) and _running(state):
                _pg_ctl(state, "stop", "-m", "immediate", check=False)
        finally:
            shutil.rmtree(d, ignore_errors=True)
            if os.path.exists(state_path):
                os.remove(state_path)
        raise
    print(f"PostgreSQL cluster running in {d}: {state['url']}")


def _write_state(state_path, state):
    tmp = state_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)
        f.write("\n")
    os.replace(tmp, state_path)


class Interrupted(BaseException):
    pass


def _raise_interrupted(signum, frame):
    raise Interrupted(f"interrupted by {signal.Signals(signum).name}")


def _catch_signals():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupted)


def _ignore_signals():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)


def _safe_dir(d):
    """Only a directory that start made is ever removed."""
    d = os.path.realpath(d)
    return (os.path.dirname(d) == "/tmp" and os.path.basename(d).startswith(DIR_PREFIX)
            and os.path.exists(os.path.join(d, MARKER)))


def stop(state_path):
    if not os.path.exists(state_path):
        print(f"no cluster: {state_path} does not exist")
        return
    state = load_state(state_path)
    d = state["dir"]
    if os.path.isdir(_datadir(state)) and _running(state):
        r = _pg_ctl(state, "-w", "-t", str(TIMEOUT), "stop", "-m", "fast", check=False)
        if r.returncode != 0 and _running(state):
            _pg_ctl(state, "-w", "-t", str(TIMEOUT), "stop", "-m", "immediate", check=False)
        if _running(state):
            raise ClusterError(f"the cluster in {d} does not stop: {_log_tail(d)}")
    if os.path.isdir(d):
        if not _safe_dir(d):
            raise ClusterError(f"state file {state_path}: {d} is not a directory that cluster.py made; "
                               "not removing it")
        shutil.rmtree(d)
    os.remove(state_path)
    print(f"PostgreSQL cluster in {d} stopped and removed")


def restart_immediate(state_path):
    state = load_state(state_path)
    if not os.path.isdir(_datadir(state)):
        raise ClusterError(f"no cluster in {state['dir']}")
    if _running(state):
        r = _pg_ctl(state, "-w", "-t", str(TIMEOUT), "stop", "-m", "immediate", check=False)
        if r.returncode != 0 and _running(state):
            raise ClusterError(f"pg_ctl stop -m immediate failed: {_last_line(r.stderr or r.stdout)}")
    _start_server(state)
    psql(state, "postgres", "SELECT 1", what="connecting after the restart")
    print(f"PostgreSQL cluster in {state['dir']} restarted after an immediate stop")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "restart-immediate"):
        p = sub.add_parser(name)
        p.add_argument("--state", required=True)
    for name in ("createdb", "dropdb"):
        p = sub.add_parser(name)
        p.add_argument("--state", required=True)
        p.add_argument("name")
    args = ap.parse_args(argv)
    if args.command == "stop":
        _ignore_signals()  # short, and bounded by pg_ctl's timeout: let it finish
    else:
        _catch_signals()  # undo a half-made cluster (start) before exiting
    try:
        if args.command == "start":
            start(args.state)
        elif args.command == "stop":
            stop(args.state)
        elif args.command == "restart-immediate":
            restart_immediate(args.state)
        elif args.command == "createdb":
            print(create_database(load_state(args.state), args.name))
        elif args.command == "dropdb":
            drop_database(load_state(args.state), args.name)
    except ClusterError as e:
        print(f"cluster.py {args.command}: {e}", file=sys.stderr)
        return 1
    except (OSError, Interrupted) as e:
        print(f"cluster.py {args.command}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
