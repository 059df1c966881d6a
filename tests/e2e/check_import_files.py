#!/usr/bin/env python3
"""An import of many files: the pages of a Graph API response saved one a file.

`adledger import --input meta-api` takes up to 500 files in one import, each
page's entries citing their own file. This imports 500 pages (one ad each)
and checks that every entry is there, citing its page; then gives 501 files
and checks the refusal: exit 3, one line on stderr naming the limit, and the
ledger byte for byte as it was.

  /usr/bin/python3 tests/e2e/check_import_files.py --adledger BIN
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

FILES_MAX = 500


def page(i):
    ad = {"id": str(700000000000000 + i), "page_id": "100000000000001", "bylines": "Payer", "currency": "EUR",
          "ad_delivery_start_time": "2024-06-01", "ad_delivery_stop_time": "2024-06-02",
          "spend": {"lower_bound": "100", "upper_bound": "199"}}
    return json.dumps({"data": [ad], "paging": {"cursors": {"after": str(i)}}}, indent=2) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adledger", required=True)
    args = parser.parse_args()
    env = dict(os.environ, TZ="UTC", ADLEDGER_NOW="2026-12-06T12:00:00.000Z")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i in range(FILES_MAX + 1):
            files.append(os.path.join(tmp, f"page-{i:03d}.json"))
            with open(files[-1], "w") as f:
                f.write(page(i))
        db = os.path.join(tmp, "l.db")

        def adledger(*words):
            return subprocess.run([args.adledger, "--db", db, *words], env=env, capture_output=True, text=True)

        adledger("init")
        r = adledger("--format", "json", "import", "--input", "meta-api", "--market", "FR", *files[:FILES_MAX])
        if r.returncode != 0:
            failures.append(f"{FILES_MAX} files: exit {r.returncode}: {r.stderr.strip()}")
        elif json.loads(r.stdout)["spend"] != FILES_MAX:
            failures.append(f"{FILES_MAX} files: {r.stdout.strip()}")
        listed = json.loads(adledger("--format", "json", "spend", "list", "--limit", "1000").stdout)
        sources = sorted(e["source"] for e in listed["entries"])
        expected = sorted(f"page-{i:03d}.json, line 3" for i in range(FILES_MAX))
        if sources != expected:
            failures.append(f"sources: {sources[:3]}... (expected {expected[:3]}...)")

        with open(db, "rb") as f:
            before = hashlib.sha256(f.read()).hexdigest()
        r = adledger("import", "--input", "meta-api", "--market", "FR", *files)
        lines = r.stderr.splitlines()
        if r.returncode != 3 or r.stdout or len(lines) != 1 or f"at most {FILES_MAX}" not in lines[0]:
            failures.append(f"{FILES_MAX + 1} files: exit {r.returncode}, stdout {r.stdout!r}, stderr {r.stderr!r}")
        with open(db, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != before:
                failures.append(f"{FILES_MAX + 1} files: the ledger changed")
    for f in failures:
        print("FAIL", f)
    if not failures:
        print("all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
