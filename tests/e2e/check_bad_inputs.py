#!/usr/bin/python3
"""Feeds adledger import every file of a corpus of bad input documents.

    check_bad_inputs.py --adledger BIN --root ROOT [--only NAME ...] [--list]

The corpus is tests/e2e/data/bad/ plus inputs too large or too odd to commit,
generated here at test time (a 10 MB string, 100,000 levels of nesting, a
directory). For each input, in a fresh ledger holding the founding fixture:

  * `adledger import FILE` must exit 3 (an input error),
  * print nothing on stdout,
  * print exactly one line on stderr, `error: ` then a message that names
    the file (with `FILE:LINE:` where a line makes sense) and says why,
    matching the case's expectation below; the line must be valid UTF-8,
    hold no control characters (a file must not drive the terminal), and
    stay short (a 10 MB value must not flood the terminal),
  * finish within the time limit and the memory limit,
  * leave the ledger file byte for byte as it was, with no journal beside it.

Every file in the corpus must have an entry in CASES, so that adding a file
means saying what it must produce. Prints one line per case and a summary;
exits 1 if any case fails.
"""

import argparse
import hashlib
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

TIMEOUT_SECONDS = 60
MEMORY_LIMIT_MB = 2048  # address space of the command; a runaway parse fails, not the machine
STDERR_MAX = 1024  # bytes beyond the file's name

# name -> (line, reason): `line` is the line the message must give (None: no
# line, such as for a file that is not a document at all); `reason` is a
# regular expression the message after the location must match.
CASES = {
    # Truncated documents.
    "truncated.json": (38, r"malformed JSON: .*(end of input|missing closing quote)"),
    "truncated-in-string.json": (3, r"malformed JSON: .*(end of input|missing closing quote)"),
    # Wrong types.
    "number-for-string.json": (4, r"platforms\[0\]\.name: must be a string"),
    "string-for-number.json": (4, r"spend\[0\]\.items: must be a whole number"),
    "object-for-array.json": (3, r"platforms: must be an array"),
    "array-for-object.json": (6, r"pledges\[0\]\.basis: must be an object"),
    "record-not-object.json": (4, r"spend\[0\]: must be an object"),
    "format-number.json": (2, r"format: must be a string"),
    "boolean-as-string.json": (4, r"advertisers\[0\]\.state_affiliated: must be true or false"),
    "top-level-array.json": (1, r"document: must be an object"),
    "null.json": (1, r"document: must be an object"),
    "empty.json": (1, r"malformed JSON: .*(empty input|end of input)"),
    # Huge numbers.
    "amount-exponent-string.json": (4, r"spend\[0\]\.amount \"1e400\": exponents are not accepted"),
    "amount-huge-string.json": (4, r"spend\[0\]\.amount \"99999999999999999999999\": exceeds the largest amount"),
    # A JSON number beyond a double is refused while the text is read, on
    # its line, before any field is looked at.
    "amount-exponent-number.json": (4, r"malformed JSON: a number too large to read"),
    "items-huge-number.json": (4, r"spend\[0\]\.items: .*(whole number|larger than the limit|between 0 and)"),
    "items-exponent-number.json": (4, r"malformed JSON: a number too large to read"),
    "items-negative.json": (4, r"spend\[0\].*items.*between 0 and"),
    "items-fraction.json": (4, r"spend\[0\]\.items: must be a whole number"),
    # Encodings.
    "invalid-utf8.json": (4, r"malformed JSON: .*UTF-8"),
    "invalid-utf8-overlong.json": (4, r"malformed JSON: .*UTF-8"),
    "invalid-utf8-cut.json": (4, r"malformed JSON: .*UTF-8"),
    "invalid-utf8-outside-string.json": (3, r"malformed JSON: "),
    "lone-surrogate.json": (4, r"malformed JSON: .*surrogate"),
    "bom-bad-amount.json": (9, r"spend\[0\]\.amount \"274,100\.001\": USD has 2 decimal places"),
    "utf16le-bom.json": (1, r"malformed JSON: |UTF-16|UTF-8"),
    # Duplicate keys: one of the values would be silently dropped.
    # nlohmann would keep the last of two equal keys silently: refused.
    "duplicate-keys.json": (4, r"malformed JSON: key \"name\" appears twice in one object"),
    "duplicate-sections.json": (6, r"malformed JSON: key \"spend\" appears twice in one object"),
    # NUL bytes.
    "nul-in-string.json": (4, r"malformed JSON: .*(U\+0000|NUL|control character)"),
    "nul-outside-string.json": (3, r"malformed JSON: "),
    "nul-after-document.json": (2, r"malformed JSON: |NUL"),
    "nul-escaped-in-id.json": (4, r"platforms\[0\].*(id|platform) \"vk\\x00x\""),
    # Other malformed text.
    "trailing-garbage.json": (2, r"malformed JSON: .*end of input"),
    "comment.json": (1, r"malformed JSON: "),
    "terminal-escape-in-key.json": (4, r"platforms\[0\]\..*unknown field"),
}

TEN_MB = 10 * 1024 * 1024
DEPTH = 100_000
SPEND = ('"advertiser": "rt", "platform": "twitter", "amount": "1.00", "currency": "USD", "period": "2016", '
         '"market": "US", "source": "s"')


def spend_doc(extra):
    return '{\n  "format": "adledger/1",\n  "spend": [\n    {' + SPEND + ", " + extra + "}\n  ]\n}\n"


# Inputs made at test time: name -> (maker(path), line, reason). A maker
# writes the input at `path` (or makes a directory there).
def write(text):
    def make(path):
        with open(path, "wb") as f:
            f.write(text() if callable(text) else text)
    return make


def make_directory(path):
    os.mkdir(path)


GENERATED = {
    "deep-nesting-open.json": (write(lambda: b"[" * DEPTH), 1, r"malformed JSON: .*end of input|nest"),
    "deep-nesting-closed.json": (write(lambda: b"[" * DEPTH + b"]" * DEPTH), 1, r"document: must be an object|nest"),
    "deep-nesting-in-field.json": (write(lambda: spend_doc('"items": ' + "[" * DEPTH + "]" * DEPTH).encode()), 4,
                                   r"spend\[0\]\.items: |nest"),
    "ten-mb-amount.json": (write(lambda: spend_doc('"note": "n"').replace('"1.00"', '"' + "1" * TEN_MB + '"').encode()),
                           4, r"spend\[0\]\.amount \"1{80}\.\.\.\": too long"),
    "ten-mb-name.json": (write(lambda: ('{\n  "format": "adledger/1",\n  "platforms": [\n    {"id": "vk", "name": "'
                                        + "n" * TEN_MB + '"}\n  ]\n}\n').encode()), 4,
                         r"platforms\[0\].*name \"n{80}\.\.\.\": longer than"),
    "ten-mb-string-for-number.json": (write(lambda: spend_doc('"items": "' + "9" * TEN_MB + '"').encode()), 4,
                                      r"spend\[0\]\.items: must be a whole number"),
    "ten-mb-unknown-key.json": (write(lambda: ('{\n  "format": "adledger/1",\n  "platforms": [\n    {"id": "vk", "name": "VK", "'
                                               + "k" * TEN_MB + '": 1}\n  ]\n}\n').encode()), 4,
                                r"platforms\[0\]\..*unknown field"),
    "ten-mb-unterminated-string.json": (write(lambda: ('{\n  "format": "adledger/1",\n  "platforms": [\n    {"id": "vk", "name": "'
                                                       + "n" * TEN_MB).encode()), 4,
                                        r"malformed JSON: .*(end of input|missing closing quote)"),
    "a-directory": (make_directory, None, r"directory|cannot be read|not a (regular )?file"),
    # CSV and JSON Lines, streamed: a header of a million columns, a row of
    # a million, a 10 MB cell, and a JSON Lines record nested too deep.
    "million-column-header.csv": (write(lambda: (",".join(f"c{i}" for i in range(1_000_000)) + "\n").encode()), 1,
                                  r"more than 1024 columns in a row"),
    "million-column-row.csv": (write(lambda: ("id,advertiser\n" + "x," * 999_999 + "x\n").encode()), 2,
                               r"more than 1024 columns in a row"),
    "ten-mb-cell.csv": (write(lambda: ("id,advertiser,platform,amount,currency,period,market,source\n"
                                       "x,rt,twitter," + "1" * TEN_MB + ",USD,2016,US,s\n").encode()), 2,
                        r"spend\.amount \"1{80}\.\.\.\": too long"),
    "deep-line.jsonl": (write(lambda: b'{"type":"platform","id":"x","name":"X"}\n' + b"[" * DEPTH + b"]" * DEPTH + b"\n"), 2,
                        r"malformed JSON: nested deeper than"),
}


def digest(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


memory_limit_mb = MEMORY_LIMIT_MB


def limit_memory():
    if memory_limit_mb:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run(adledger, words, env, cwd):
    try:
        r = subprocess.run([adledger] + words, env=env, cwd=cwd, capture_output=True, timeout=TIMEOUT_SECONDS,
                           preexec_fn=limit_memory)
        return r.returncode, r.stdout, r.stderr, False
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b"", e.stderr or b"", True


def show(data, limit=300):
    text = data.decode("utf-8", "backslashreplace")
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[:limit] + f"... ({len(data)} bytes)"


def check_one(args, name, path, line, reason, base_env, tmp):
    """Returns the list of problems (empty: the case passed) and what stderr said."""
    db = os.path.join(tmp, "ledger.db")
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    env = dict(base_env, ADLEDGER_DB=db)
    for words in (["init"], ["import", os.path.join(args.root, "fixtures", "founding-case.json")]):
        code, _, err, _ = run(args.adledger, words, env, tmp)
        if code != 0:
            sys.exit(f"setup: adledger {' '.join(words)} failed: {show(err)}")
    before = digest(db)
    neighbours = sorted(os.listdir(tmp))
    code, out, err, timed_out = run(args.adledger, ["import", path], env, tmp)
    problems = []
    if timed_out:
        problems.append(f"did not finish in {TIMEOUT_SECONDS} s")
    elif code != 3:
        what = {0: "succeeded", 70: "internal error"}.get(code, "")
        if code is not None and code < 0:
            what = f"killed by signal {-code}"
        problems.append(f"exit status {code}{' (' + what + ')' if what else ''}, expected 3")
    if out:
        problems.append(f"printed on stdout: {show(out)}")
    lines = err.split(b"\n")
    if not err:
        problems.append("printed nothing on stderr")
    elif not err.endswith(b"\n") or len(lines) != 2:
        count = err.count(b"\n") + (not err.endswith(b"\n"))
        problems.append(f"printed {count} lines on stderr, expected one")
    message = lines[0] if err else b""
    try:
        text = message.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(f"stderr is not valid UTF-8 (byte {e.start}: {message[e.start:e.start + 4]!r})")
        text = message.decode("utf-8", "replace")
    controls = sorted({f"U+{ord(c):04X}" for c in text if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0})
    if controls:
        problems.append("stderr holds control characters " + ", ".join(controls))
    if len(message) > STDERR_MAX + len(path.encode()):
        problems.append(f"stderr line is {len(message)} bytes long (a flood, not a message)")
    if err and not timed_out:
        prefix = f"error: {path}"
        if not text.startswith(prefix) and f'"{path}"' not in text:
            problems.append("the message does not name the file")
        rest = text[len(prefix):] if text.startswith(prefix) else text
        if line is not None:
            m = re.match(r":(\d+): ", rest)
            if not m:
                problems.append(f"the message gives no line (expected {path}:{line}:)")
            else:
                if int(m.group(1)) != line:
                    problems.append(f"the message gives line {m.group(1)}, expected {line}")
                rest = rest[m.end():]
        if code == 3 and not re.search(reason, rest):
            problems.append(f"the reason does not match /{reason}/")
    after = digest(db)
    if after != before:
        problems.append("the ledger file changed")
    leftovers = sorted(set(os.listdir(tmp)) - set(neighbours))
    if leftovers:
        problems.append("left files beside the ledger: " + ", ".join(leftovers))
    summary = f"exit {code}{' (timeout)' if timed_out else ''}; stderr: {show(message)}"
    return problems, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--adledger", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--only", action="append", help="run only this case (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--memory-limit-mb", type=int, default=MEMORY_LIMIT_MB,
                    help="address-space limit of each command (0: none; an ASan build needs 0)")
    args = ap.parse_args()
    global memory_limit_mb
    memory_limit_mb = args.memory_limit_mb
    args.adledger = os.path.abspath(args.adledger)
    args.root = os.path.abspath(args.root)
    corpus = os.path.join(args.root, "tests", "e2e", "data", "bad")

    on_disk = sorted(os.listdir(corpus))
    unlisted = [n for n in on_disk if n not in CASES]
    missing = [n for n in CASES if n not in on_disk]
    if unlisted or missing:
        for n in unlisted:
            print(f"FAIL corpus: {n} has no entry in CASES (say what it must produce)")
        for n in missing:
            print(f"FAIL corpus: {n} is in CASES but not in {corpus}")
        sys.exit(1)
    names = on_disk + sorted(GENERATED)
    if args.list:
        print("\n".join(names))
        return
    if args.only:
        unknown = [n for n in args.only if n not in names]
        if unknown:
            sys.exit(f"unknown case(s): {', '.join(unknown)}")
        names = [n for n in names if n in args.only]

    base_env = dict(os.environ, ADLEDGER_TODAY="2026-11-22", TZ="UTC", LC_ALL="C.UTF-8")
    for k in ("ADLEDGER_FORMAT", "ADLEDGER_DB"):
        base_env.pop(k, None)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="adledger-bad-") as tmp:
        inputs = os.path.join(tmp, "inputs")
        work = os.path.join(tmp, "work")
        os.mkdir(inputs)
        os.mkdir(work)
        for name in names:
            if name in GENERATED:
                make, line, reason = GENERATED[name]
                path = os.path.join(inputs, name)
                make(path)
            else:
                line, reason = CASES[name]
                path = os.path.join(corpus, name)
            problems, summary = check_one(args, name, path, line, reason, base_env, work)
            if name in GENERATED:
                if os.path.isdir(path):
                    shutil.rmtree(path)
                else:
                    os.remove(path)
            if problems:
                failures += 1
                print(f"FAIL {name}: {summary}")
                for p in problems:
                    print(f"       {p}")
            else:
                print(f"ok   {name}: {summary}")
    print(f"{len(names) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
