#!/usr/bin/env python3
"""Checks that adledger loads libpq only for a PostgreSQL ledger: the binary
does not name it (or the libraries it brings: Kerberos, LDAP) among those it
needs, a command on an SQLite file never loads it, and a command given a
PostgreSQL URL loads it before it reads the URL.

    check_libraries.py --adledger PATH

Python 3 standard library, readelf (binutils) and glibc's LD_DEBUG.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

LAZY = ("libpq.so", "libgssapi_krb5.so", "libldap")


def loaded(adledger, args):
    """The command's exit code, and the libraries the dynamic loader loaded
    for it (LD_DEBUG=files), by name."""
    env = dict(os.environ, LD_DEBUG="files")
    env.pop("ADLEDGER_DB", None)
    r = subprocess.run([adledger, *args], capture_output=True, text=True, env=env, timeout=60)
    names = set(re.findall(r"file=(\S+)\s+\[\d+\];\s+(?:needed|dynamically loaded)", r.stderr))
    return r.returncode, names, r.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adledger", required=True)
    args = ap.parse_args()
    problems = []

    dynamic = subprocess.run(["readelf", "--dynamic", "--wide", args.adledger], capture_output=True, text=True,
                             check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    if not needed:
        problems.append(f"readelf lists no library that {args.adledger} needs")
    for name in needed:
        if name.startswith(LAZY):
            problems.append(f"the binary needs {name} at start; it is loaded when a PostgreSQL ledger is opened")

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "ledger.db")
        for command in (["--db", db, "init"], ["--db", db, "ban-status", "--advertiser", "nobody"],
                        ["--version"]):
            code, names, _ = loaded(args.adledger, command)
            if not names:
                problems.append(f"adledger {' '.join(command)}: LD_DEBUG=files listed no library")
            if any(n.startswith(LAZY) for n in names):
                problems.append(f"adledger {' '.join(command)} loaded {sorted(n for n in names if n.startswith(LAZY))}")
        # A URL libpq cannot parse: refused by libpq's own words, without a
        # server, after the library is loaded.
        url = "postgresql://h/db?nosuchoption=1"
        code, names, stderr = loaded(args.adledger, ["--db", url, "head"])
        last = [line for line in stderr.splitlines() if line.startswith("error:")]
        if code == 0 or not last or "not a PostgreSQL connection URL" not in last[-1]:
            problems.append(f"adledger --db {url} head: exit {code}, {last[-1:] or 'no error line'}")
        if "libpq.so.5" not in names:
            problems.append(f"adledger --db {url} head did not load libpq.so.5: {sorted(names)}")

    for p in problems:
        print(f"FAIL {p}")
    if problems:
        return 1
    print(f"ok: {len(needed)} libraries needed at start, none of them libpq's; libpq loaded for a PostgreSQL URL only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
