#!/usr/bin/env python3
"""Checks the manual page, docs/adledger.1: groff formats it without a
warning, it names every command and global option that `adledger --help`
lists, and `cmake --install` puts it under share/man/man1.

    check_man.py --adledger PATH --root DIR --build DIR

Python 3 standard library, and groff (Debian's groff-base).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adledger", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--build", required=True)
    args = ap.parse_args()
    page = os.path.join(args.root, "docs", "adledger.1")
    problems = []

    groff = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True)
    if groff.returncode != 0 or groff.stderr.strip():
        problems.append(f"groff -man -ww: exit {groff.returncode}: {groff.stderr.strip()}")
    text = subprocess.run(["groff", "-man", "-Tutf8", "-P", "-c", page], capture_output=True, text=True,
                          env=dict(os.environ, LC_ALL="C.UTF-8")).stdout
    text = re.sub(r".\x08", "", text).replace("\u2010", "-").replace("\u2212", "-")

    usage = subprocess.run([args.adledger, "--help"], capture_output=True, text=True).stdout
    commands = re.findall(r"^  ([a-z][a-z-]*)[ ,]", usage.split("Subcommands:")[1], re.M)
    options = re.findall(r"(--[a-z][a-z-]*)", usage.split("Subcommands:")[0])
    if len(commands) < 10 or len(options) < 5:
        problems.append(f"could not read adledger --help: {commands} {options}")
    for command in commands:
        if not re.search(r"(?<![\w-])" + re.escape(command) + r"(?![\w-])", text):
            problems.append(f"the page does not name the command {command}")
    for option in options:
        if option not in ("--help", "--version") and option not in text:
            problems.append(f"the page does not name the global option {option}")

    with tempfile.TemporaryDirectory(prefix="adledger-man-") as prefix:
        install = subprocess.run(["cmake", "--install", args.build, "--prefix", prefix, "--component", "Unspecified"],
                                 capture_output=True, text=True)
        installed = os.path.join(prefix, "share", "man", "man1", "adledger.1")
        if install.returncode != 0:
            problems.append(f"cmake --install: {install.stderr.strip()}")
        elif not os.path.isfile(installed):
            problems.append(f"cmake --install did not write {installed}")

    for p in problems:
        print("FAIL " + p)
    if problems:
        sys.exit(1)
    print(f"check_man: OK ({len(commands)} commands, {len(options)} global options named; installed)")


if __name__ == "__main__":
    main()
