#!/usr/bin/env python3
"""Import progress: shown on a terminal, never otherwise.

`adledger import` reports progress on stderr at most four times a second
when stderr is a terminal, and prints nothing there when it is not: for a
file, a bar with the share of the file read, the bytes, the rate and the
time left; for a pipe, whose size is not known, the records, the rate and
the time so far. This runs one import with stderr on a pipe, one from a
file and one from a named pipe with stderr on a pseudo-terminal, and checks
each.

  /usr/bin/python3 tests/e2e/check_progress.py --adledger BIN --root ROOT
"""
import argparse
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import threading


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

        def run(db, on_terminal, source=lines):
            subprocess.run([args.adledger, "--db", db, "init"], check=True, env=env, capture_output=True)
            if not on_terminal:
                return subprocess.run([args.adledger, "--db", db, "import", source], env=env, capture_output=True)
            leader, follower = pty.openpty()
            proc = subprocess.Popen([args.adledger, "--db", db, "import", "--input", "jsonl", source], env=env,
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
        # A file's size is known: a bar, the share read, the bytes and the
        # time left, the share never going back.
        shares = [int(m) for m in re.findall(r"\] +(\d+) %, [0-9.]+ of [0-9.]+ MB, \d+ records/s", text)]
        if not shares or " s left" not in text or "[#" not in text:
            failures.append(f"no bar, share or time left for a file: {text[:300]!r}")
        if shares != sorted(shares) or any(not 0 <= x <= 100 for x in shares):
            failures.append(f"the share read goes back or beyond 100 %: {shares}")

        # A pipe's size is not known: records and rate, no share.
        fifo = os.path.join(tmp, "fifo")
        os.mkfifo(fifo)

        def feed():
            with open(fifo, "wb") as out, open(lines, "rb") as f:
                shutil.copyfileobj(f, out)

        feeder = threading.Thread(target=feed)
        feeder.start()
        piped_shown = run(os.path.join(tmp, "fifo.db"), True, fifo)
        feeder.join()
        fifo_text = piped_shown.stderr.decode(errors="replace")
        if piped_shown.returncode != 0:
            failures.append(f"import from a pipe on a terminal exited {piped_shown.returncode}: {fifo_text[-300:]!r}")
        if "records, " not in fifo_text or "%" in fifo_text or "left" in fifo_text:
            failures.append(f"a pipe's progress is not records and rate alone: {fifo_text[:300]!r}")

    if failures:
        for f in failures:
            print("FAIL", f)
        return 1
    print(f"check_progress: OK. {args.entries} entries: {updates} progress updates on a terminal "
          f"(at most four a second), none on a pipe.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
