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
ADLEDGER_NOW=2026-11-22T12:00:00.000Z (so record hashes are reproducible) and
TZ=UTC. Whenever a command exits non-zero, the runner also checks that the
ledger file is byte for byte what it was before the command: a refused
write must leave nothing behind.
"""

import argparse
import hashlib
import os
import shlex
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adledger", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--bless", action="store_true",
                    help="rewrite the case's expected output with what the binary prints (review the diff!)")
    ap.add_argument("case")
    args = ap.parse_args()

    args.adledger = os.path.abspath(args.adledger)
    args.root = os.path.abspath(args.root)
    directives, files, commands = parse_case(args.case)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="adledger-e2e-") as tmp:
        db = os.path.join(tmp, "ledger.db")
        subst = {"{DB}": db, "{TMP}": tmp, "{ROOT}": args.root}

        def expand(text):
            for k, v in subst.items():
                text = text.replace(k, v)
            return text

        base_env = dict(os.environ, ADLEDGER_DB=db, ADLEDGER_TODAY="2026-11-22",
                        ADLEDGER_NOW="2026-11-22T12:00:00.000Z", TZ="UTC", LC_ALL="C.UTF-8")
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
            before = file_digest(db)
            if stdin_path:
                with open(stdin_path, "rb") as stdin:
                    r = run(words[1:], env, stdin)
            else:
                r = run(words[1:], env)
            after = file_digest(db)
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
                problems.append("the ledger file changed although the command failed")
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
