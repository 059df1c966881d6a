#!/usr/bin/python3
"""report ... --format csv --output DIR: one file per table, each the very
bytes that --table ID prints, for every report; the files listed on stdout;
a second run replaces them; no temporary file left behind.

Usage: check_report_files.py --adledger BIN --root REPO
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

REPORTS = [
    ["report", "advertiser", "rt", "--by", "quarter"],
    ["report", "platform", "twitter", "--by", "year"],
    ["report", "policies"],
    ["report", "pledges"],
    ["register"],
    ["balance", "--by", "year"],
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adledger", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    failures, checks = [], 0
    with tempfile.TemporaryDirectory(prefix="adledger-files-") as tmp:
        tmp = pathlib.Path(tmp)
        env = dict(os.environ, ADLEDGER_DB=str(tmp / "l.db"), ADLEDGER_TODAY="2026-11-22")

        def run(*words):
            return subprocess.run([args.adledger, *words], env=env, capture_output=True, timeout=60)
        run("init")
        run("import", str(pathlib.Path(args.root) / "fixtures" / "founding-case.json"))
        for i, report in enumerate(REPORTS):
            out = tmp / f"out-{i}"
            for attempt in (1, 2):  # the second run replaces the files
                r = run(*report, "--format", "csv", "--output", str(out))
                checks += 1
                if r.returncode != 0:
                    failures.append(f"{' '.join(report)} --output: exit {r.returncode}: {r.stderr!r}")
                    continue
                listed = [line[len("wrote "):] for line in r.stdout.decode().splitlines()]
                files = sorted(p.name for p in out.iterdir())
                checks += 1
                if sorted(pathlib.Path(p).name for p in listed) != files:
                    failures.append(f"{' '.join(report)}: listed {listed}, the directory holds {files}")
                for name in files:
                    table = name[:-len(".csv")]
                    want = run(*report, "--format", "csv", "--table", table).stdout
                    checks += 1
                    if (out / name).read_bytes() != want:
                        failures.append(f"{' '.join(report)}: {name} is not what --table {table} prints "
                                        f"(run {attempt})")
    for f in failures:
        print(f"FAIL {f}")
    print(f"check_report_files: {checks - len(failures)} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
