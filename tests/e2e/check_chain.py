#!/usr/bin/python3
"""Recomputes adledger's hash chain with nothing but Python's standard library.

What: builds a ledger from fixtures/founding-case.json (init + import, with
ADLEDGER_NOW pinned), reads the record log straight from the SQLite file
with Python's sqlite3, and recomputes every hash exactly as
ledger/audit/chain.hpp documents it:

    line(n) = {"content":<content>,"kind":...,"recorded_at":...,"ref":...,"seq":n}
    hash(n) = SHA-256(hash(n-1) || line(n)),   hash(0) = 32 zero bytes

where line(n) is the stored content string spliced into the sorted-key,
compact dump of the other fields (built here with json.dumps(sort_keys=True,
separators=(',', ':'), ensure_ascii=False)). Every recomputed hash must equal
the stored one, and `adledger head` and `adledger --format json head` must
print the same record count and head hash.

It also checks that every stored content string is canonical for Python too
(json.loads then json.dumps with sorted keys, compact separators and
ensure_ascii=False gives back the very same string), so that a line can be
rebuilt from the parsed record without adledger's JSON library. A second
phase records a probe document and CLI writes full of text that JSON
encoders are known to disagree on (quotes, backslashes, '/', tab, C1
controls, U+2028/U+2029, BOM, emoji, combining marks, right-to-left text) and
extreme integers (2^63-1 minor units, 10^12 items and accounts, negative
postings), covering all nine record kinds, and checks everything again; the
head published after phase 1 must still be reproduced from the grown log and
accepted by `adledger verify --head --count`. Finally, a negative control:
a copy with one logged content changed behind adledger's back (after
dropping the append-only trigger) must be caught both here and by
`adledger verify` (exit 1).

Why: the point of the chain is that anyone can verify a published head with
other tools. This test is that proof, written against the documented format
only, not against adledger's code.

Exit 0 with a summary when every check holds; exit 1 with FAIL lines
otherwise.
"""

import argparse
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
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
HEAD_TEXT = re.compile(r"^(\d+) records, head ([0-9a-f]{64}) \(last recorded (\S+)\)$")
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

# Text that JSON encoders disagree on. Control characters other than tab
# are refused by adledger (check_text), so they cannot be stored.
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
    return f"at character {i}: stored {a[max(0, i - 20):i + 20]!r} vs python {b[max(0, i - 20):i + 20]!r}"


def read_log(db):
    """Every record_log row, byte for byte (TEXT columns cast to BLOB so that
    Python's decoding cannot hide anything)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(
            "SELECT seq, CAST(kind AS BLOB), CAST(ref AS BLOB), CAST(recorded_at AS BLOB),"
            " CAST(content AS BLOB), hash, typeof(hash) FROM record_log ORDER BY seq").fetchall()
    finally:
        con.close()


def table_counts(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        logged = dict(con.execute("SELECT kind, count(*) FROM record_log GROUP BY kind").fetchall())
        rows = {k: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for k, t in KIND_TABLES.items()}
        return logged, rows
    finally:
        con.close()


def recompute(rows):
    """Recomputes the chain. Returns (problems, computed hashes by seq, stats)."""
    problems = []
    hashes = {}
    stats = {"records": 0, "canonical": 0, "non_ascii": 0}
    previous = bytes(32)
    expected_seq = 1
    mismatches = 0
    for seq, kind_b, ref_b, at_b, content_b, stored, hash_type in rows:
        stats["records"] += 1
        where = f"record {seq}"
        if seq != expected_seq:
            problems.append(f"{where}: seq is not contiguous (expected {expected_seq})")
        expected_seq = seq + 1
        try:
            kind, ref, at, content = (b.decode("utf-8", "strict") for b in (kind_b, ref_b, at_b, content_b))
        except UnicodeDecodeError as e:
            problems.append(f"{where}: a column is not valid UTF-8: {e}")
            continue
        where = f"record {seq} ({kind} {ref})"
        if hash_type != "blob" or len(stored) != 32:
            problems.append(f"{where}: stored hash is a {hash_type} of {len(stored)} bytes, not a 32-byte blob")
            continue
        if not TIMESTAMP.match(at):
            problems.append(f"{where}: recorded_at {at!r} is not YYYY-MM-DDTHH:MM:SS.mmmZ")
        if any(ord(c) > 127 for c in content + ref):
            stats["non_ascii"] += 1

        # The documented line: content spliced, byte for byte, into the
        # canonical dump of the other fields.
        rest = canon({"kind": kind, "recorded_at": at, "ref": ref, "seq": seq}).encode("utf-8")
        line = b'{"content":' + content_b + b"," + rest[1:]
        computed = hashlib.sha256(previous + line).digest()
        hashes[seq] = computed
        if computed != stored:
            mismatches += 1
            if mismatches == 1:
                problems.append(f"{where}: SHA-256(hash({seq - 1}) || line({seq})) = {computed.hex()}, "
                                f"stored {stored.hex()}; line was {line.decode('utf-8', 'replace')[:300]!r}")
        previous = computed

        # Canonical content: parse and dump again with Python's encoder.
        try:
            parsed = strict_loads(content)
        except (ValueError, NotStrictJson) as e:
            problems.append(f"{where}: content is not strict JSON: {e}")
            continue
        if not isinstance(parsed, dict):
            problems.append(f"{where}: content is not a JSON object")
        again = canon(parsed)
        if again != content:
            problems.append(f"{where}: content is not canonical for Python's json.dumps, "
                            f"{first_difference(content, again)}")
        else:
            stats["canonical"] += 1
        # And the line rebuilt entirely by Python, from the parsed record.
        whole = canon({"content": parsed, "kind": kind, "recorded_at": at, "ref": ref, "seq": seq}).encode("utf-8")
        if whole != line:
            problems.append(f"{where}: the line rebuilt from the parsed record differs from the spliced line, "
                            f"{first_difference(line.decode('utf-8'), whole.decode('utf-8'))}")
    if mismatches > 1:
        problems.append(f"{mismatches} records in all have a hash that does not follow")
    return problems, hashes, stats


class Runner:
    def __init__(self, binary, tmp):
        self.binary = binary
        self.tmp = tmp
        self.env = dict(os.environ, ADLEDGER_TODAY="2026-11-22", TZ="UTC", LC_ALL="C.UTF-8")
        for k in ("ADLEDGER_DB", "ADLEDGER_FORMAT", "ADLEDGER_NOW"):
            self.env.pop(k, None)

    def run(self, db, words, now=None):
        env = dict(self.env)
        if now:
            env["ADLEDGER_NOW"] = now
        return subprocess.run([self.binary, "--db", db] + words, env=env, cwd=self.tmp,
                              capture_output=True, text=True, timeout=120)

    def must(self, failures, db, words, now=None):
        r = self.run(db, words, now)
        if r.returncode != 0:
            failures.add(f"adledger {' '.join(words)}: exit {r.returncode}: {r.stderr.strip()}")
        return r


def check_heads(failures, runner, db, rows, hashes, label):
    """`head` and `--format json head` against the log recomputed here."""
    last_seq = rows[-1][0] if rows else 0
    last_hash = hashes.get(last_seq, b"").hex()
    last_at = rows[-1][3].decode() if rows else None
    r = runner.must(failures, db, ["head"])
    m = HEAD_TEXT.match(r.stdout.strip())
    if not m:
        failures.add(f"{label}: `adledger head` printed {r.stdout.strip()!r}, "
                     f"not 'N records, head HEX (last recorded T)'")
    else:
        if int(m.group(1)) != last_seq or m.group(2) != last_hash or m.group(3) != last_at:
            failures.add(f"{label}: `adledger head` says {m.group(1)} records, head {m.group(2)}, at {m.group(3)}; "
                         f"recomputed here: {last_seq} records, head {last_hash}, at {last_at}")
    r = runner.must(failures, db, ["--format", "json", "head"])
    try:
        j = json.loads(r.stdout)
    except ValueError:
        failures.add(f"{label}: `adledger --format json head` printed no JSON: {r.stdout!r}")
        return last_seq, last_hash
    if j.get("records") != last_seq or j.get("head") != last_hash or j.get("recorded_at") != last_at:
        failures.add(f"{label}: `adledger --format json head` says {j}; recomputed here: "
                     f"records {last_seq}, head {last_hash}, recorded_at {last_at}")
    return last_seq, last_hash


def check_ledger(failures, runner, db, label):
    rows = read_log(db)
    problems, hashes, stats = recompute(rows)
    for p in problems:
        failures.add(f"{label}: {p}")
    logged, table_rows = table_counts(db)
    for kind, n in table_rows.items():
        if logged.get(kind, 0) != n:
            failures.add(f"{label}: table {KIND_TABLES[kind]} has {n} rows but the log holds {logged.get(kind, 0)} "
                         f"records of kind {kind}")
    count, head = check_heads(failures, runner, db, rows, hashes, label)
    r = runner.run(db, ["verify"])
    if r.returncode != 0:
        failures.add(f"{label}: adledger verify exits {r.returncode}: {r.stderr.strip()}")
    return rows, hashes, stats, count, head, logged


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
    tmp = tempfile.mkdtemp(prefix="adledger-chain-")
    try:
        runner = Runner(binary, tmp)
        db = os.path.join(tmp, "ledger.db")

        # Phase 1: the founding case, at a pinned time.
        runner.must(failures, db, ["init"], NOW)
        runner.must(failures, db, ["import", fixture], NOW)
        if failures.lines:
            return finish(failures, started, None)
        rows1, hashes1, stats1, count1, head1, _ = check_ledger(failures, runner, db, "founding case")
        if count1 == 0:
            failures.add("founding case: the record log is empty")
        for seq, _k, _r, at, *_ in rows1:
            if at.decode() != NOW:
                failures.add(f"founding case: record {seq} recorded_at {at.decode()!r}, not ADLEDGER_NOW {NOW}")
                break

        # Phase 2: hostile text and extreme integers, in every record kind,
        # by import and by single commands, at the real clock.
        probe = os.path.join(tmp, "probe.json")
        with open(probe, "w", encoding="utf-8") as f:
            json.dump(probe_document(), f, ensure_ascii=False, indent=1)
        runner.must(failures, db, ["import", probe])
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
        runner.must(failures, db, ["policy", "ban", "--platform", "probe-2", "--advertiser", "probe-adv",
                                   "--effective", "2020-02-29", "--until", "2024-02-29", "--reason", HOSTILE,
                                   "--source", "s"])
        runner.must(failures, db, ["policy", "lift", "--platform", "probe-2", "--advertiser", "probe-adv",
                                   "--date", "2021-01-01", "--reason", HOSTILE, "--source", "s"])
        rows2, hashes2, stats2, count2, head2, logged2 = check_ledger(failures, runner, db, "probe")
        missing_kinds = sorted(set(KIND_TABLES) - set(logged2))
        if missing_kinds:
            failures.add(f"probe: no record of kind {', '.join(missing_kinds)} was exercised")
        # The head published after phase 1 is still reproduced from the grown log...
        if hashes2.get(count1, b"").hex() != head1:
            failures.add(f"the head published after the founding case ({count1} records, {head1}) is not "
                         f"reproduced from the grown log ({hashes2.get(count1, b'').hex()})")
        # ...and adledger accepts it as a prefix, and refuses a wrong one.
        r = runner.run(db, ["verify", "--head", head1, "--count", str(count1)])
        if r.returncode != 0:
            failures.add(f"verify --head {head1} --count {count1} (the published head) exits {r.returncode}: "
                         f"{r.stderr.strip()}")
        wrong = head1[:-1] + ("0" if head1[-1] != "0" else "1")
        r = runner.run(db, ["verify", "--head", wrong, "--count", str(count1)])
        if r.returncode != 1:
            failures.add(f"verify with a wrong published head exits {r.returncode}, expected 1")

        # Negative control: change one logged content behind adledger's back.
        tampered = os.path.join(tmp, "tampered.db")
        shutil.copyfile(db, tampered)
        victim = next(s for s, k, *_ in rows2 if k == b"spend")
        con = sqlite3.connect(tampered)
        con.execute("DROP TRIGGER record_log_append_only_update")
        (content,) = con.execute("SELECT content FROM record_log WHERE seq = ?", (victim,)).fetchone()
        doc = json.loads(content)
        doc["minor"] += 1
        con.execute("UPDATE record_log SET content = ? WHERE seq = ?", (canon(doc), victim))
        con.commit()
        con.close()
        problems, _, _ = recompute(read_log(tampered))
        if not any(p.startswith(f"record {victim} ") for p in problems):
            failures.add(f"negative control: content of record {victim} changed, but this checker did not notice")
        r = runner.run(tampered, ["verify"])
        if r.returncode != 1:
            failures.add(f"negative control: adledger verify on a tampered log exits {r.returncode}, expected 1")

        summary = (f"check_chain: OK. Recomputed the SHA-256 chain of {count1} records (founding case, "
                   f"head {head1}) and then of {count2} records after a probe of hostile text and extreme "
                   f"integers in all {len(logged2)} record kinds ({stats2['non_ascii']} records with non-ASCII "
                   f"text), from the SQLite file with Python's sqlite3 and hashlib only; every hash matches, "
                   f"`head` and `--format json head` agree (head {head2}), every content is canonical for "
                   f"Python's json.dumps (sort_keys, compact, ensure_ascii=False) and the whole line rebuilt from "
                   f"the parsed record is byte-identical, so no number or escape is formatted differently from "
                   f"nlohmann::json; the phase-1 head is reproduced from the grown log and accepted by "
                   f"verify --head/--count, a wrong head is refused, and a tampered content is caught here and by "
                   f"adledger verify.")
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
