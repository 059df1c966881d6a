#!/usr/bin/env python3
"""Import progress: shown on a terminal, never otherwise.

`adledger import` reports progress (records, rate, elapsed) on stderr at
most four times a second when stderr is a terminal, and prints nothing there
when it is not. This runs one import with stderr on a pseudo-terminal and
one with stderr on a pipe, and checks both.

  /usr/bin/python3 tests/e2e/check_progress.py --adledger BIN --root ROOT
"""
import argparse
import json
import os
import pty
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adledger", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--entries", type=int, default=150000)
    args = parser.parse_args()
    env = dict(os.environ, TZ="UTC", ADLEDGER_NOW="2026-11-22T12:00:00.000Z")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        lines = os.path.join(tmp, "many.jsonl")
        with open(lines, "w") as f:
            f.write(json.dumps({"type": "platform", "id": "tw", "name": "Twitter"}) + "\n")
            f.write(json.dumps({"type": "advertiser", "id": "a", "name": "A"}) + "\n")
            for i in range(args.entries):
                f.write(json.dumps({"type": "spend", "id": f"e{i}", "advertiser": "a", "platform": "tw",
                                    "amount": f"{i % 1000 + 1}.00", "currency": "USD",
                                    "period": f"2016-02-{i % 28 + 1:02d}", "market": "US",
                                    "source": "generated"}) + "\n")

        def run(db, on_terminal):
            subprocess.run([args.adledger, "--db", db, "init"], check=True, env=env, capture_output=True)
            if not on_terminal:
                return subprocess.run([args.adledger, "--db", db, "import", lines], env=env, capture_output=True)
            leader, follower = pty.openpty()
            proc = subprocess.Popen([args.adledger, "--db", db, "import", lines], env=env,
                                    stdout=subprocess.PIPE, stderr=follower)
            os.close(follower)
            seen = b""
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the terminal closed with the process
                    break
                if not chunk:
                    break
                seen += chunk
            out, _ = proc.communicate()
            os.close(leader)
            return subprocess.CompletedProcess(proc.args, proc.returncode, out, seen)

        piped = run(os.path.join(tmp, "piped.db"), False)
        if piped.returncode != 0:
            failures.append(f"import on a pipe exited {piped.returncode}: {piped.stderr.decode()!r}")
        if piped.stderr:
            failures.append(f"import printed on stderr that is not a terminal: {piped.stderr[:200]!r}")

        shown = run(os.path.join(tmp, "tty.db"), True)
        text = shown.stderr.decode(errors="replace")
        updates = text.count("\rimporting: ")
        if shown.returncode != 0:
            failures.append(f"import on a terminal exited {shown.returncode}: {text[-300:]!r}")
        if updates < 1 or "records/s" not in text:
            failures.append(f"no progress shown on a terminal: {text[:300]!r}")
        if not text.endswith("\n") and updates:
            failures.append("the progress line is not ended before exit")
        if b"imported" not in shown.stdout:
            failures.append(f"the result line is missing on stdout: {shown.stdout!r}")

    if failures:
        for f in failures:
            print("FAIL", f)
        return 1
    print(f"check_progress: OK. {args.entries} entries: {updates} progress updates on a terminal "
          f"(at most four a second), none on a pipe.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
