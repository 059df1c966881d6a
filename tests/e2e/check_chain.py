#!/usr/bin/python3
"""Checks adledger's record log with nothing but Python's standard library.

What: builds a ledger from fixtures/founding-case.json (init + import, with
ADLEDGER_NOW pinned) and checks its record log as schema version 7 and
ledger/audit/{chain,merkle}.hpp document it, with Python's sqlite3, json and
hashlib only:

* The record content lives only in the record's own rows; record_log keeps,
  per record, (seq, kind, ref, recorded_at, hash, author): recorded_at an
  INTEGER of milliseconds since 1970-01-01T00:00:00Z, hash a 32-byte BLOB,
  author TEXT or NULL. `adledger log` rebuilds and prints each record's
  canonical line, one a line:

      line(n) = {"content":{...},"kind":...,"recorded_at":"YYYY-MM-DDTHH:MM:SS.mmmZ","ref":...,"seq":n}

  and, for a record whose author is not NULL, {"author":...,"content":...}:
  the key is there exactly when the row names an author, with its value.
  The founding case is recorded with no author; the probe's writes name
  hostile (but valid) authors.

  Every line must be canonical for Python too: json.loads (refusing
  duplicate keys, NaN and non-integer numbers) then json.dumps(sort_keys=True,
  separators=(',', ':'), ensure_ascii=False) gives back the very same bytes,
  so a line can be rebuilt from the parsed record without adledger's JSON
  library. Its seq, kind, ref and recorded_at must be the record_log row's
  (the time converted here from the text to milliseconds and back), and
  seq runs 1, 2, ... n.
* The stored hash is the line's leaf hash (RFC 9162 section 2.1.1):
  leaf(n) = SHA-256(0x00 || line(n)), recomputed here from the printed line.
* The head is (n, MTH(leaf(1..n))), the RFC 9162 Merkle tree hash,
  implemented here independently and first checked against the reference
  vectors of Certificate Transparency's implementations:

      MTH({})       = SHA-256("")
      MTH({d})      = leaf(d)
      MTH(D[0:n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])),  k the largest power of two < n

  `adledger head` and `adledger --format json head` must print that root,
  the count and the last record's time.
* log_tree(size, frontier) holds, after each write, the tree's right edge:
  the roots of its perfect subtrees, largest first, 32 bytes each. Each row
  must be the edge of the first `size` leaves recomputed here, and the last
  row's size must be n.
* `adledger verify --count m --head H` must accept both the Merkle root of
  the first m records and the linear chain hash of the same lines, as heads
  were published before version 7: chain(m) = SHA-256(chain(m-1) || line(m)),
  chain(0) = 32 zero bytes. It must refuse a wrong head (exit 1).

A second phase records a probe document and CLI writes full of text that
JSON encoders are known to disagree on (quotes, backslashes, '/', tab, C1
controls, U+2028/U+2029, BOM, emoji, combining marks, right-to-left text)
and extreme integers (2^63-1 minor units, 10^12 items and accounts, negative
postings), covering all nine record kinds, and checks everything again. The
head published after phase 1 must be reproduced from the grown log, whose
first lines must be byte-identical to phase 1's, and be accepted by
`adledger verify --head --count`, as must the old chain heads of phase 1
and of the grown log and Merkle roots at other sizes; a wrong root, and a
right root with the wrong count, must be refused. Finally, negative
controls, each on a copy of the file: a spend entry's amount and a
platform's name changed in their rows (after dropping the append-only
trigger) must change the line `adledger log` rebuilds, so that the leaf
recomputed here differs from the stored hash, and `adledger verify` must
exit 1; a changed log_tree edge must be caught here and by verify too.

Why: the point of the log is that anyone can verify a published head with
other tools. This test is that proof, written against the documented format
only, not against adledger's code.

Exit 0 with a summary when every check holds; exit 1 with FAIL lines
otherwise.
"""

import argparse
import calendar
import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

NOW = "2026-11-22T12:00:00.000Z"
TIMESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$")
HEAD_TEXT = re.compile(r"^(\d+) records, head ([0-9a-f]{64}) \(last recorded (\S+)\)$")
LINE_KEYS = {"content", "kind", "recorded_at", "ref", "seq"}
KIND_TABLES = {
    "platform": "platform",
    "advertiser": "advertiser",
    "handle": "handle",
    "spend": "spend",
    "spend_reversal": "spend_reversal",
    "policy_action": "policy_action",
    "pledge": "pledge",
    "disbursement": "disbursement",
    "disclosed_total": "disclosed_total",
}

# RFC 6962/9162 reference vectors, as Certificate Transparency's
# implementations test their trees (transparency-dev/merkle,
# testonly/constants.go): eight leaf inputs and the root of the tree of the
# first 1, 2, ... 8 of them. They pin this file's MTH to the RFC's, not to
# adledger's.
CT_LEAF_INPUTS = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
                  bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256("")

# Text that JSON encoders disagree on. Control characters other than tab
# are refused by adledger (check_text), so they cannot be stored.
# An author as hostile as an author may be: quotes, a backslash, markup,
# non-ASCII and a character outside the BMP (no control characters).
AUTHOR = '"Ünï" back\\slash/😀 <b>&amp;</b> \u2028'
HOSTILE = ('"quoted" back\\slash for/ward\ttab <b>&amp;</b> \' apostrophe '
           "é ü ß 中文 😀 \U0001F1EB\U0001F1F7 e\u0301 مرحبا \u2028LS \u2029PS \u0085NEL \u009fAPC "
           "\ufeffBOM \u200bZWSP \ufffd \uffff end")


class Failures:
    def __init__(self):
        self.lines = []

    def add(self, message):
        self.lines.append(message)
        print("FAIL " + message, flush=True)


def canon(value):
    """The canonical dump chain.hpp documents: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class NotStrictJson(ValueError):
    pass


def strict_loads(text):
    """json.loads that refuses what canonical JSON must not hold: duplicate
    keys, NaN/Infinity, and non-integer numbers (amounts are minor units)."""

    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise NotStrictJson(f"duplicate key {k!r}")
            out[k] = v
        return out

    def constant(name):
        raise NotStrictJson(f"non-JSON constant {name}")

    def floating(text):
        raise NotStrictJson(f"non-integer number {text}")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_float=floating)


def first_difference(a, b):
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return f"at character {i}: adledger {a[max(0, i - 20):i + 20]!r} vs python {b[max(0, i - 20):i + 20]!r}"


# RFC 9162 section 2.1.1, written from the RFC.

def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n):
    """The largest power of two smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    """The Merkle tree hash of a list of leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split_point(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def right_edge(leaves):
    """The roots of the perfect subtrees the first len(leaves) leaves make,
    largest first: one per bit set in the size."""
    edge = []
    start = 0
    remaining = len(leaves)
    while remaining:
        width = 1 << (remaining.bit_length() - 1)
        edge.append(mth(leaves[start:start + width]))
        start += width
        remaining -= width
    return edge


def check_mth_vectors(failures):
    leaves = [leaf_hash(d) for d in CT_LEAF_INPUTS]
    if mth([]).hex() != EMPTY_ROOT:
        failures.add("this checker's MTH of the empty tree is not SHA-256(\"\")")
    for n, expected in enumerate(CT_ROOTS, start=1):
        if mth(leaves[:n]).hex() != expected:
            failures.add(f"this checker's MTH of the first {n} reference leaves is {mth(leaves[:n]).hex()}, "
                         f"RFC 9162's reference vector says {expected}")


def chain_hashes(lines):
    """The version-6 linear chain over the lines: chain[m] is the head of the
    first m records."""
    chain = [bytes(32)]
    for line in lines:
        chain.append(hashlib.sha256(chain[-1] + line).digest())
    return chain


def ms_of(text):
    """Milliseconds since 1970 UTC of a YYYY-MM-DDTHH:MM:SS.mmmZ time, or None."""
    m = TIMESTAMP.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second, milli = (int(g) for g in m.groups())
    try:
        datetime.datetime(year, month, day, hour, minute, second)  # refuses Feb 30, hour 24...
    except ValueError:
        return None
    return calendar.timegm((year, month, day, hour, minute, second)) * 1000 + milli


def text_of(ms):
    """The YYYY-MM-DDTHH:MM:SS.mmmZ time of milliseconds since 1970 UTC, or
    None outside years 1 to 9999."""
    try:
        moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)
    except OverflowError:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def connect_ro(db):
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


RECORD_LOG_COLUMNS = ["seq", "kind", "ref", "recorded_at", "hash", "author"]


def record_log_columns(db):
    con = connect_ro(db)
    try:
        return [row[1] for row in con.execute("PRAGMA table_info(record_log)")]
    finally:
        con.close()


def read_rows(db):
    """Every record_log row, with its column types (TEXT cast to BLOB so that
    Python's decoding cannot hide anything)."""
    con = connect_ro(db)
    try:
        return con.execute(
            "SELECT seq, CAST(kind AS BLOB), CAST(ref AS BLOB), recorded_at, typeof(recorded_at), hash, typeof(hash),"
            " CAST(author AS BLOB) FROM record_log ORDER BY seq").fetchall()
    finally:
        con.close()


def read_tree(db):
    con = connect_ro(db)
    try:
        return con.execute("SELECT size, frontier, typeof(frontier) FROM log_tree ORDER BY size").fetchall()
    finally:
        con.close()


def table_counts(db):
    con = connect_ro(db)
    try:
        logged = dict(con.execute("SELECT kind, count(*) FROM record_log GROUP BY kind").fetchall())
        rows = {k: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for k, t in KIND_TABLES.items()}
        return logged, rows
    finally:
        con.close()


def split_lines(out):
    """`adledger log`'s output as a list of lines (bytes), or a problem."""
    if not out:
        return [], None
    if not out.endswith(b"\n"):
        return None, "the output does not end with a newline"
    lines = out[:-1].split(b"\n")
    if any(not line for line in lines):
        return None, "the output holds an empty line"
    return lines, None


def check_log(rows, lines):
    """Checks each printed line against its record_log row and recomputes its
    leaf. Returns (problems, leaf hashes in order, stats). A problem about one
    record starts with "record SEQ "."""
    problems = []
    leaves = []
    stats = {"records": 0, "canonical": 0, "non_ascii": 0}
    if len(lines) != len(rows):
        problems.append(f"`adledger log` prints {len(lines)} lines but record_log has {len(rows)} rows")
    mismatches = 0
    for index, (row, line) in enumerate(zip(rows, lines)):
        seq, kind_b, ref_b, at_ms, at_type, stored, hash_type, author_b = row
        stats["records"] += 1
        where = f"record {seq}"
        if seq != index + 1:
            problems.append(f"{where}: seq is not contiguous (expected {index + 1})")
        # The leaf covers the printed bytes, whatever they hold.
        leaf = leaf_hash(line)
        leaves.append(leaf)
        try:
            kind, ref = kind_b.decode("utf-8", "strict"), ref_b.decode("utf-8", "strict")
        except UnicodeDecodeError as e:
            problems.append(f"{where}: kind or ref is not valid UTF-8: {e}")
            continue
        where = f"record {seq} ({kind} {ref})"
        if hash_type != "blob" or len(stored) != 32:
            problems.append(f"{where}: stored hash is a {hash_type} {stored!r:.80}, not a 32-byte blob")
        elif leaf != stored:
            mismatches += 1
            if mismatches == 1:
                problems.append(f"{where}: leaf SHA-256(0x00 || line) = {leaf.hex()}, stored {stored.hex()}; "
                                f"line is {line.decode('utf-8', 'replace')[:300]!r}")
            else:
                problems.append(f"{where}: leaf differs from the stored hash")
        if at_type != "integer":
            problems.append(f"{where}: recorded_at is stored as {at_type}, not an integer of milliseconds")
            continue

        try:
            text = line.decode("utf-8", "strict")
        except UnicodeDecodeError as e:
            problems.append(f"{where}: the line is not valid UTF-8: {e}")
            continue
        if any(ord(c) > 127 for c in text):
            stats["non_ascii"] += 1
        try:
            record = strict_loads(text)
        except ValueError as e:
            problems.append(f"{where}: the line is not strict JSON: {e}")
            continue
        expected_keys = LINE_KEYS | ({"author"} if author_b is not None else set())
        if not isinstance(record, dict) or set(record) != expected_keys:
            keys = sorted(record) if isinstance(record, dict) else type(record).__name__
            problems.append(f"{where}: the line has keys {keys}, not {sorted(expected_keys)}")
            continue
        if author_b is not None:
            stats["authored"] = stats.get("authored", 0) + 1
            if record["author"] != author_b.decode("utf-8", "replace"):
                problems.append(f"{where}: the line's author is {record['author']!r}, the row's {author_b!r}")
        again = canon(record)
        if again != text:
            problems.append(f"{where}: the line is not canonical for Python's json.dumps, "
                            f"{first_difference(text, again)}")
        else:
            stats["canonical"] += 1
        if not isinstance(record["content"], dict):
            problems.append(f"{where}: content is not a JSON object")
        for field, row_value in (("seq", seq), ("kind", kind), ("ref", ref)):
            if record[field] != row_value or type(record[field]) is not type(row_value):
                problems.append(f"{where}: the line's {field} is {record[field]!r}, the row's {row_value!r}")
        at = record["recorded_at"]
        at_line_ms = ms_of(at) if isinstance(at, str) else None
        if at_line_ms is None:
            problems.append(f"{where}: recorded_at {at!r} is not a YYYY-MM-DDTHH:MM:SS.mmmZ time")
        elif at_line_ms != at_ms or text_of(at_ms) != at:
            problems.append(f"{where}: the line's recorded_at {at} is {at_line_ms} ms, "
                            f"the row's is {at_ms} ms ({text_of(at_ms)})")
    if mismatches > 1:
        problems.append(f"{mismatches} records in all have a leaf that differs from the stored hash")
    return problems, leaves, stats


def check_tree(tree, leaves):
    """Each log_tree row against the right edge of the first `size` leaves."""
    problems = []
    if leaves and (not tree or tree[-1][0] != len(leaves)):
        problems.append(f"log_tree's largest size is {tree[-1][0] if tree else None}, "
                        f"not the {len(leaves)} records of the log")
    for size, frontier, frontier_type in tree:
        if size < 1 or size > len(leaves):
            problems.append(f"log_tree row of size {size}: the log has {len(leaves)} records")
            continue
        expected = b"".join(right_edge(leaves[:size]))
        if frontier_type != "blob" or frontier != expected:
            shown = frontier.hex() if isinstance(frontier, bytes) else repr(frontier)
            problems.append(f"log_tree row of size {size}: frontier {shown[:140]} ({frontier_type}), "
                            f"recomputed {expected.hex()[:140]}")
    return problems


class Runner:
    def __init__(self, binary, tmp):
        self.binary = binary
        self.tmp = tmp
        self.env = dict(os.environ, ADLEDGER_TODAY="2026-11-22", TZ="UTC", LC_ALL="C.UTF-8")
        for k in ("ADLEDGER_DB", "ADLEDGER_FORMAT", "ADLEDGER_NOW", "ADLEDGER_AUTHOR"):
            self.env.pop(k, None)

    def run(self, db, words, now=None, text=True):
        env = dict(self.env)
        if now:
            env["ADLEDGER_NOW"] = now
        return subprocess.run([self.binary, "--db", db] + words, env=env, cwd=self.tmp,
                              capture_output=True, text=text, timeout=120)

    def must(self, failures, db, words, now=None, text=True):
        r = self.run(db, words, now, text)
        if r.returncode != 0:
            stderr = r.stderr if text else r.stderr.decode("utf-8", "replace")
            failures.add(f"adledger {' '.join(words)}: exit {r.returncode}: {stderr.strip()}")
        return r


def read_lines(failures, runner, db, label, words=()):
    """The lines `adledger log` prints, as bytes."""
    r = runner.must(failures, db, ["log"] + list(words), text=False)
    lines, problem = split_lines(r.stdout)
    if problem:
        failures.add(f"{label}: adledger log {' '.join(words)}: {problem}")
        return []
    return lines


def check_heads(failures, runner, db, lines, root, label):
    """`head` and `--format json head` against the tree recomputed here."""
    count = len(lines)
    try:
        last_at = json.loads(lines[-1])["recorded_at"] if lines else None
    except (ValueError, KeyError, TypeError):
        last_at = None  # check_log has said why
    r = runner.must(failures, db, ["head"])
    m = HEAD_TEXT.match(r.stdout.strip())
    if not m:
        failures.add(f"{label}: `adledger head` printed {r.stdout.strip()!r}, "
                     f"not 'N records, head HEX (last recorded T)'")
    elif int(m.group(1)) != count or m.group(2) != root or m.group(3) != last_at:
        failures.add(f"{label}: `adledger head` says {m.group(1)} records, head {m.group(2)}, at {m.group(3)}; "
                     f"recomputed here: {count} records, Merkle root {root}, at {last_at}")
    r = runner.must(failures, db, ["--format", "json", "head"])
    try:
        j = json.loads(r.stdout)
    except ValueError:
        failures.add(f"{label}: `adledger --format json head` printed no JSON: {r.stdout!r}")
        return
    if j != {"records": count, "head": root, "recorded_at": last_at}:
        failures.add(f"{label}: `adledger --format json head` says {j}; recomputed here: "
                     f"records {count}, head {root}, recorded_at {last_at}")


class Ledger:
    """What check_ledger read and recomputed."""

    def __init__(self, rows, lines, leaves, stats, logged):
        self.rows, self.lines, self.leaves, self.stats, self.logged = rows, lines, leaves, stats, logged
        self.count = len(lines)
        self.root = mth(leaves).hex()


def check_ledger(failures, runner, db, label):
    # The narrow row: the record's content is in its own rows only.
    columns = record_log_columns(db)
    if columns != RECORD_LOG_COLUMNS:
        failures.add(f"{label}: record_log has columns {columns}, not {RECORD_LOG_COLUMNS}")
    rows = read_rows(db)
    lines = read_lines(failures, runner, db, label)
    problems, leaves, stats = check_log(rows, lines)
    problems += check_tree(read_tree(db), leaves)
    for p in problems:
        failures.add(f"{label}: {p}")
    logged, table_rows = table_counts(db)
    for kind, n in table_rows.items():
        if logged.get(kind, 0) != n:
            failures.add(f"{label}: table {KIND_TABLES[kind]} has {n} rows but the log holds {logged.get(kind, 0)} "
                         f"records of kind {kind}")
    ledger = Ledger(rows, lines, leaves, stats, logged)
    check_heads(failures, runner, db, lines, ledger.root, label)
    # A range of the log is the same lines as the whole.
    if ledger.count >= 3:
        part = read_lines(failures, runner, db, label, ["--from", "2", "--to", str(ledger.count - 1)])
        if part != lines[1:-1]:
            failures.add(f"{label}: adledger log --from 2 --to {ledger.count - 1} does not print lines 2 to "
                         f"{ledger.count - 1} of adledger log")
    r = runner.run(db, ["verify"])
    if r.returncode != 0:
        failures.add(f"{label}: adledger verify exits {r.returncode}: {r.stderr.strip()}")
    return ledger


def expect_verify(failures, runner, db, count, head, expected, what):
    r = runner.run(db, ["verify", "--count", str(count), "--head", head])
    if r.returncode != expected:
        failures.add(f"verify --count {count} --head {head} ({what}) exits {r.returncode}, expected {expected}: "
                     f"{r.stderr.strip()}")


def tamper(failures, runner, db, tmp, name, statements, victim, original_line):
    """Changes a copy of the file with `statements`, then checks that the line
    of record `victim` changed, that its leaf no longer matches here, and that
    adledger verify exits 1."""
    copy = os.path.join(tmp, f"tampered-{name}.db")
    shutil.copyfile(db, copy)
    con = sqlite3.connect(copy)
    for sql, params in statements:
        con.execute(sql, params)
    con.commit()
    con.close()
    label = f"negative control ({name})"
    lines = read_lines(failures, runner, copy, label)
    if len(lines) < victim:
        failures.add(f"{label}: adledger log printed {len(lines)} lines, not record {victim}")
        return
    if lines[victim - 1] == original_line:
        failures.add(f"{label}: the row changed but adledger log prints record {victim}'s line unchanged")
    problems, _, _ = check_log(read_rows(copy), lines)
    if not any(p.startswith(f"record {victim} ") and "leaf" in p for p in problems):
        failures.add(f"{label}: record {victim}'s row changed, but this checker's leaf did not notice")
    r = runner.run(copy, ["verify"])
    if r.returncode != 1:
        failures.add(f"{label}: adledger verify exits {r.returncode}, expected 1")


def tamper_tree(failures, runner, db, tmp):
    """Changes the stored right edge of the largest tree in a copy."""
    copy = os.path.join(tmp, "tampered-tree.db")
    shutil.copyfile(db, copy)
    con = sqlite3.connect(copy)
    size, frontier = con.execute("SELECT size, frontier FROM log_tree ORDER BY size DESC LIMIT 1").fetchone()
    con.execute("DROP TRIGGER log_tree_append_only_update")
    con.execute("UPDATE log_tree SET frontier = ? WHERE size = ?", (bytes([frontier[0] ^ 1]) + frontier[1:], size))
    con.commit()
    con.close()
    label = "negative control (log_tree)"
    rows = read_rows(copy)
    _, leaves, _ = check_log(rows, read_lines(failures, runner, copy, label))
    if not any(p.startswith(f"log_tree row of size {size}:") for p in check_tree(read_tree(copy), leaves)):
        failures.add(f"{label}: the edge of size {size} changed, but this checker did not notice")
    r = runner.run(copy, ["verify"])
    if r.returncode != 1:
        failures.add(f"{label}: adledger verify exits {r.returncode}, expected 1")


def probe_document():
    """Records whose content holds every string and integer shape worth
    testing. Ids must be slugs; everything else may be hostile text."""
    return {
        "format": "adledger/1",
        "platforms": [{"id": "probe", "name": "Probe " + HOSTILE}],
        "advertisers": [{
            "id": "probe-adv", "name": HOSTILE, "country": "FR", "state_affiliated": False,
            "handles": [{"platform": "probe", "handle": '@pröbe\t"x"/\\😀\u2028'}],
        }, {
            "id": "probe-adv-2", "name": "Ünïcödé \u05e9\u05dc\u05d5\u05dd", "state_affiliated": True,
        }],
        "policy_actions": [{
            "id": "probe-suspension-2019-01-01", "kind": "suspension", "platform": "probe",
            "advertisers": ["probe-adv-2"], "date": "2019-01-01", "accounts": 1000000000000,
            "description": HOSTILE, "source": "probe/src\\file \"1\".txt", "note": "\u2029" + HOSTILE,
        }],
        "spend": [{
            "id": 'probe/ext\\id "1" 😀', "advertiser": "probe-adv", "platform": "probe",
            "handle": '@pröbe\t"x"/\\😀\u2028', "amount": "9223372036854775807", "currency": "JPY",
            "period": "2015-W53", "items": 1000000000000,
            "market": "Üb\u2028er\tmarket", "tags": ["😀", "a\tb", '"q"', "ü", "Z", "a", "a"],
            "precision": "estimated", "source": HOSTILE, "note": HOSTILE,
        }, {
            "advertiser": "probe-adv-2", "platform": "probe", "amount": "0.001", "currency": "KWD",
            "period": "2016-02-29", "items": 0, "market": "KW", "precision": "approximate", "source": "s",
        }],
        "pledges": [{
            "id": "probe-pledge", "platform": "probe", "amount": "1.234", "currency": "KWD", "date": "2019-02-01",
            "beneficiary": HOSTILE, "basis": {"advertiser": "probe-adv-2", "period": "2016"},
            "source": "s", "note": HOSTILE,
            "disbursements": [{"amount": "0.001", "date": "2019-03-01", "source": HOSTILE}],
        }],
        "disclosures": [{
            "id": "probe-disclosed", "platform": "probe", "advertiser": "probe-adv", "amount": "1.2345",
            "currency": "CLF", "period": "2016..2017", "date": "2018-01-01", "precision": "approximate",
            "source": HOSTILE, "note": HOSTILE,
        }],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--adledger", required=True, help="the adledger binary")
    ap.add_argument("--root", required=True, help="the repository root (for fixtures/)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    args = ap.parse_args()
    binary = os.path.abspath(args.adledger)
    fixture = os.path.join(os.path.abspath(args.root), "fixtures", "founding-case.json")
    started = time.monotonic()
    failures = Failures()
    check_mth_vectors(failures)
    tmp = tempfile.mkdtemp(prefix="adledger-chain-")
    try:
        runner = Runner(binary, tmp)
        db = os.path.join(tmp, "ledger.db")

        # Phase 1: the founding case, at a pinned time.
        runner.must(failures, db, ["init"], NOW)
        runner.must(failures, db, ["import", fixture], NOW)
        if failures.lines:
            return finish(failures, started, None)
        first = check_ledger(failures, runner, db, "founding case")
        if first.count == 0:
            failures.add("founding case: the record log is empty")
        for seq, _k, _r, at_ms, *_ in first.rows:
            if at_ms != ms_of(NOW):
                failures.add(f"founding case: record {seq} recorded_at {at_ms} ms, not ADLEDGER_NOW {NOW} "
                             f"({ms_of(NOW)} ms)")
                break
        chain1 = chain_hashes(first.lines)[-1].hex()

        # Phase 2: hostile text and extreme integers, in every record kind,
        # by import and by single commands, at the real clock.
        probe = os.path.join(tmp, "probe.json")
        with open(probe, "w", encoding="utf-8") as f:
            json.dump(probe_document(), f, ensure_ascii=False, indent=1)
        runner.must(failures, db, ["--author", AUTHOR, "import", probe])
        runner.must(failures, db, ["platform", "add", "probe-2", "--name", "Two\t\"" + HOSTILE[-30:]])
        runner.must(failures, db, ["advertiser", "link", "probe-adv", "--platform", "probe",
                                   "--handle", "@ＦＵＬＬ／ｗｉｄｔｈ\\"])
        r = runner.must(failures, db, ["--format", "json", "spend", "record", "--advertiser", "probe-adv-2",
                                       "--platform", "probe-2", "--amount", "0.01", "--currency", "USD",
                                       "--period", "2016-01-01..2016-06-30", "--market", "\u00a0nbsp\u00a0",
                                       "--source", HOSTILE, "--tag", "ß", "--tag", "ss", "--id", "probe-cli-1",
                                       "--note", "x" * 4000])
        try:
            entry = json.loads(r.stdout)["entry"]
        except (ValueError, KeyError, TypeError):
            entry = None
            failures.add(f"spend record --format json printed no entry: {r.stdout!r}")
        if entry is not None:
            runner.must(failures, db, ["spend", "reverse", str(entry), "--reason", HOSTILE, "--source", "r\\s/\"t\""])
        runner.must(failures, db, ["--author", "\u05e9\u05dc\u05d5\u05dd desk", "policy", "ban", "--platform", "probe-2", "--advertiser", "probe-adv",
                                   "--effective", "2020-02-29", "--until", "2024-02-29", "--reason", HOSTILE,
                                   "--source", "s"])
        runner.must(failures, db, ["policy", "lift", "--platform", "probe-2", "--advertiser", "probe-adv",
                                   "--date", "2021-01-01", "--reason", HOSTILE, "--source", "s"])
        grown = check_ledger(failures, runner, db, "probe")
        if not any(row[7] is not None for row in grown.rows) or any(row[7] is not None for row in first.rows):
            failures.add("probe: the probe's records name their authors and the founding case's none; "
                         "the log does not show that")
        missing_kinds = sorted(set(KIND_TABLES) - set(grown.logged))
        if missing_kinds:
            failures.add(f"probe: no record of kind {', '.join(missing_kinds)} was exercised")

        # The log only grew: its first lines are phase 1's, byte for byte,
        # and the root published after phase 1 is the root of its prefix.
        if grown.lines[:first.count] != first.lines:
            failures.add(f"the first {first.count} lines of the grown log are not the lines of the founding case")
        if mth(grown.leaves[:first.count]).hex() != first.root:
            failures.add(f"the head published after the founding case ({first.count} records, {first.root}) is "
                         f"not the root of the grown log's first {first.count} leaves "
                         f"({mth(grown.leaves[:first.count]).hex()})")
        # adledger accepts the published heads, Merkle and linear, as
        # prefixes, and roots at other sizes; it refuses a wrong root and a
        # right root given with the wrong count.
        expect_verify(failures, runner, db, first.count, first.root, 0, "the Merkle root published after phase 1")
        expect_verify(failures, runner, db, first.count, chain1, 0, "the linear chain head of phase 1")
        expect_verify(failures, runner, db, grown.count, chain_hashes(grown.lines)[-1].hex(), 0,
                      "the linear chain head of the grown log")
        expect_verify(failures, runner, db, grown.count, grown.root, 0, "the Merkle root of the grown log")
        for size in sorted({1, split_point(grown.count), grown.count - 1} - {first.count}):
            expect_verify(failures, runner, db, size, mth(grown.leaves[:size]).hex(), 0,
                          f"the Merkle root of the first {size} records")
        wrong = first.root[:-1] + ("0" if first.root[-1] != "0" else "1")
        expect_verify(failures, runner, db, first.count, wrong, 1, "a wrong root")
        expect_verify(failures, runner, db, first.count + 1, first.root, 1, "a root with the wrong count")

        # Negative controls: change rows behind adledger's back. A spend
        # record's ref is its entry's id.
        spend_seq, spend_ref = next((s, k_r[1].decode()) for s, *k_r in grown.rows if k_r[0] == b"spend")
        tamper(failures, runner, db, tmp, "spend amount",
               [("DROP TRIGGER spend_entry_append_only_update", ()),
                ("UPDATE spend_entry SET amount_minor = amount_minor + 1 WHERE id = ?", (int(spend_ref),))],
               spend_seq, grown.lines[spend_seq - 1])
        platform_seq, platform_ref = next((s, k_r[1].decode()) for s, *k_r in grown.rows if k_r[0] == b"platform")
        tamper(failures, runner, db, tmp, "platform name",
               [("DROP TRIGGER platform_append_only_update", ()),
                ("UPDATE platform SET name = name || ' (renamed)' WHERE id = ?", (platform_ref,))],
               platform_seq, grown.lines[platform_seq - 1])
        tamper_tree(failures, runner, db, tmp)

        summary = (f"check_chain: OK. Checked the record log of {first.count} records (founding case, Merkle root "
                   f"{first.root}) and then of {grown.count} records after a probe of hostile text and extreme "
                   f"integers in all {len(grown.logged)} record kinds ({grown.stats['non_ascii']} records with "
                   f"non-ASCII text), with Python's sqlite3, json and hashlib only: every line `adledger log` "
                   f"prints is canonical for Python's json.dumps (sort_keys, compact, ensure_ascii=False) and "
                   f"agrees with its record_log row (seq, kind, ref, recorded_at in ms); every leaf "
                   f"SHA-256(0x00 || line) equals the stored hash; the RFC 9162 Merkle root computed here (its "
                   f"MTH checked against the 8 reference vectors first) is what `head` and `--format json head` "
                   f"print (head {grown.root}), and every log_tree row is the tree's right edge; verify "
                   f"--count/--head accepts the phase-1 root and the linear chain heads of phase 1 and of the "
                   f"grown log and Merkle roots at other sizes, refuses a wrong root and a wrong count; a changed "
                   f"spend amount, platform name and log_tree edge are caught here and by adledger verify.")
        return finish(failures, started, summary)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def finish(failures, started, summary):
    elapsed = time.monotonic() - started
    if failures.lines:
        print(f"check_chain: {len(failures.lines)} failure(s) in {elapsed:.1f} s")
        return 1
    print(f"{summary} ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
