#!/usr/bin/python3
"""The Bash completion (`adledger completion bash`, installed with the
binary), run in a real bash: what it offers for a word being typed after
the words before it, commands, aliases, options, fixed values, and the
advertiser and platform ids of the ledger named by --db.

Usage: check_completion.py --adledger BIN --root REPO
"""

import argparse
import os
import pathlib
import shlex
import subprocess
import sys
import tempfile

# (the words typed, the last being completed) -> words that must be offered,
# and words that must not.
CASES = [
    (["rep"], ["report"], ["register"]),
    (["re"], ["report", "register", "reg"], ["rate", "init"]),
    (["report", ""], ["advertiser", "platform", "policies", "pledges"], ["init"]),
    (["bal"], ["balance", "bal"], []),
    (["report", "advertiser", "--fr"], ["--from"], ["--format"]),
    (["report", "advertiser", "--f"], ["--from", "--format", "--file"], []),
    (["report", "advertiser", "rt", "--by", ""], ["year", "quarter", "month", "week"], []),
    (["--format", ""], ["table", "json", "csv", "markdown", "html"], []),
    (["export", "--format", ""], ["ledger", "hledger", "beancount", "jsonl"], ["markdown"]),
    (["--db", "{DB}", "report", "advertiser", ""], ["rt", "sputnik"], ["report"]),
    (["--db", "{DB}", "spend", "list", "--platform", "tw"], ["twitter"], ["facebook"]),
    (["-f", "{DB}", "ban-status", "--advertiser", "r"], ["rt"], ["sputnik"]),
    (["--db", "{DB}", "report", "policies", "--kind", ""], ["ad_ban", "ban_lift"], []),
    (["--wait", "5", "rep"], ["report"], []),
    (["serve", "--"], ["--listen", "--threads", "--rate-limit"], []),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adledger", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    failures, checks = [], 0
    binary = pathlib.Path(args.adledger).resolve()
    with tempfile.TemporaryDirectory(prefix="adledger-completion-") as tmp:
        tmp = pathlib.Path(tmp)
        db = tmp / "l.db"
        env = dict(os.environ, PATH=f"{binary.parent}:{os.environ.get('PATH', '')}")
        env.pop("ADLEDGER_DB", None)
        for step in (["init"], ["import", str(pathlib.Path(args.root) / "fixtures" / "founding-case.json")]):
            subprocess.run([str(binary), "--db", str(db), *step], env=env, check=True, capture_output=True)
        script = tmp / "adledger.bash"
        script.write_bytes(subprocess.run([str(binary), "completion", "bash"], env=env, check=True,
                                          capture_output=True).stdout)
        for typed, wanted, unwanted in CASES:
            words = ["adledger"] + [w.replace("{DB}", str(db)) for w in typed]
            program = (f"source {shlex.quote(str(script))}\n"
                       f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
                       f"COMP_CWORD={len(words) - 1}\n"
                       "_adledger\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
            r = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], env=env, capture_output=True,
                               text=True, timeout=60)
            offered = set(r.stdout.split())
            label = "adledger " + " ".join(typed) + "<TAB>"
            checks += 1
            if r.returncode != 0 or r.stderr:
                failures.append(f"{label}: bash exited {r.returncode}: {r.stderr.strip()}")
                continue
            missing = [w for w in wanted if w not in offered]
            extra = [w for w in unwanted if w in offered]
            if missing or extra:
                failures.append(f"{label}: offered {sorted(offered)}; missing {missing}, not expected {extra}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"check_completion: {checks - len(failures)} cases passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
