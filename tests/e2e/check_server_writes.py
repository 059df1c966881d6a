#!/usr/bin/python3
"""Writes through adledger serve, end to end, on a real server over real
HTTP connections:

1. Tokens: `token add` prints a token once and the ledger keeps only its
   hash (the token's bytes are nowhere in an SQLite ledger's file);
   `token list` shows names, roles and dates; a name is never given twice.
2. Who may write: no token, an unknown token, a revoked token (revoked by
   the command line while the server runs) are 401 with a Bearer
   challenge; a reader's token is 403; a recorder cannot correct (reverse
   spend, withdraw a policy action or a pledge) and an admin can. Every refusal leaves
   the ledger's head as it was.
3. Writes: a record, an array of records, JSON Lines, an import document,
   CSV and an ad library's export, each in one transaction, answered with
   the import's counts (validated against schemas/import-result.schema.json);
   each record carries the token's name as its author; the same record
   again is 200, unchanged; a ban refuses the spend it covers (422); the
   same id with other content is 409; bad bodies are 400, 413, 415.
4. Idempotency-Key: the same request again gets the same answer, marked
   Idempotent-Replayed, and records nothing; another request under the same
   key is 422.
5. --private: reads need a token too.
6. 16 writers at once over HTTP: every acknowledged write is in the ledger
   afterwards, no write is recorded twice, and verify passes; each writer
   reads back what it wrote, on another connection among 4 readers asking
   all the while, and finds it.
7. The server killed (SIGKILL) at random moments of a large import over
   HTTP: each time, all of the import or none of it, and verify passes.

Usage: check_server_writes.py --adledger BIN --root REPO [--backend postgresql
--postgresql-state FILE] [--seconds N] [--kills N]
"""

import argparse
import http.client
import json
import os
import pathlib
import random
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "postgresql"))

from check_schemas import load_schemas, validator_for, first_error  # noqa: E402
from check_server import Checker, Server, TIMEOUT, TODAY, check_problem, founding_ledger  # noqa: E402


def token_of(ck, ledger, name, role):
    r = ledger.run(["--format", "json", "token", "add", name, "--role", role])
    if not ck.check(f"token add {name} --role {role}: exit 0", r.returncode == 0, r.stderr.decode()):
        raise SystemExit(1)
    made = json.loads(r.stdout)
    ck.check(f"token add {name}: name, role, a token adl_ of 47 characters",
             made["name"] == name and made["role"] == role and made["revoked_at"] is None
             and made["token"].startswith("adl_") and len(made["token"]) == 47, repr(made))
    return made["token"]


def bearer(token, extra=None):
    h = {"Authorization": f"Bearer {token}"}
    h.update(extra or {})
    return h


def head(ledger):
    r = ledger.run(["--format", "json", "head"])
    return json.loads(r.stdout) if r.returncode == 0 else r.stderr


def spend_line(external_id, advertiser="sputnik", platform="facebook", amount="10.00", period="2016-03"):
    return {"type": "spend", "id": external_id, "advertiser": advertiser, "platform": platform, "amount": amount,
            "currency": "USD", "period": period, "market": "US",
            "source": "written over HTTP by check_server_writes"}


def authors_of(ledger, external_id):
    r = ledger.run(["--format", "json", "spend", "list", "--search", external_id])
    return [e.get("author") for e in json.loads(r.stdout)["entries"]] if r.returncode == 0 else r.stderr


def check_tokens(ck, ledger, args):
    tokens = {role: token_of(ck, ledger, f"{role}-desk", role) for role in ("reader", "recorder", "admin")}
    r = ledger.run(["--format", "json", "token", "list"])
    listed = json.loads(r.stdout) if r.returncode == 0 else []
    ck.check("token list: names and roles, no token and no hash",
             [(t["name"], t["role"]) for t in listed] == [("admin-desk", "admin"), ("reader-desk", "reader"),
                                                           ("recorder-desk", "recorder")]
             and all(set(t) == {"name", "role", "created_at", "revoked_at"} for t in listed), repr(listed))
    r = ledger.run(["token", "list"])
    ck.check("token list (a table): one line a token", r.returncode == 0 and len(r.stdout.splitlines()) == 4
             and b"adl_" not in r.stdout, r.stdout.decode())
    r = ledger.run(["token", "add", "recorder-desk"])
    ck.check("token add: a name already used is refused (exit 4)", r.returncode == 4
             and b"never given twice" in r.stderr, r.stderr.decode())
    r = ledger.run(["token", "add", "no spaces"])
    ck.check("token add: a bad name is refused (exit 3)", r.returncode == 3 and b"name" in r.stderr,
             r.stderr.decode())
    r = ledger.run(["token", "revoke", "nobody"])
    ck.check("token revoke: an unknown name is refused (exit 4)", r.returncode == 4, r.stderr.decode())
    if args.backend == "sqlite":
        data = pathlib.Path(ledger.db).read_bytes()
        for role, token in tokens.items():
            ck.check(f"the {role}'s token is not in the ledger's file", token.encode() not in data)
    return tokens


def post(server, path, body, content_type, headers=None):
    h = {"Content-Type": content_type}
    h.update(headers or {})
    return server.request("POST", path, body=body.encode() if isinstance(body, str) else body, headers=h)


def check_refusals(ck, ledger, server, tokens):
    """Who may not write, and bodies that are refused: the head stays as it was."""
    before = head(ledger)
    record = json.dumps(spend_line("refused-1"))
    for label, headers, status, challenge in (
            ("no token", {}, 401, 'Bearer realm="adledger"'),
            ("an unknown token", bearer("adl_" + "A" * 43), 401, 'error="invalid_token"'),
            ("not a bearer token", {"Authorization": "Basic dXNlcjpwYXNz"}, 401, 'error="invalid_token"'),
            ("a reader's token", bearer(tokens["reader"]), 403, 'error="insufficient_scope"')):
        h = {"Content-Type": "application/json"}
        h.update(headers)
        doc = check_problem(ck, f"POST /api/v1/records with {label}", server, "POST", "/api/v1/records", status,
                            body=record.encode(), headers=h)
        _, hh, _ = server.request("POST", "/api/v1/records", body=record.encode(), headers=h)
        ck.check(f"POST with {label}: WWW-Authenticate", challenge in hh.get("www-authenticate", ""),
                 repr(hh.get("www-authenticate")))
        ck.check(f"POST with {label}: the detail says why", doc is not None and "authorization" in doc["detail"],
                 repr(doc))
    rec = tokens["recorder"]
    check_problem(ck, "records: a media type not taken (415)", server, "POST", "/api/v1/records", 415,
                  body=b"x", headers=bearer(rec, {"Content-Type": "text/plain"}))
    check_problem(ck, "records: malformed JSON (400)", server, "POST", "/api/v1/records", 400,
                  body=b"{\"type\": ", headers=bearer(rec, {"Content-Type": "application/json"}))
    check_problem(ck, "records: an unknown field (400)", server, "POST", "/api/v1/records", 400,
                  body=json.dumps(dict(spend_line("refused-2"), colour="red")).encode(),
                  headers=bearer(rec, {"Content-Type": "application/json"}))
    check_problem(ck, "records: an unknown advertiser (404)", server, "POST", "/api/v1/records", 404,
                  body=json.dumps(spend_line("refused-3", advertiser="nobody")).encode(),
                  headers=bearer(rec, {"Content-Type": "application/json"}))
    check_problem(ck, "import: an unknown format (400)", server, "POST", "/api/v1/import?format=xml", 400,
                  body=b"<x/>", headers=bearer(rec, {"Content-Type": "application/xml"}))
    check_problem(ck, "import: an ad library's option for JSON Lines (400)", server, "POST",
                  "/api/v1/import?market=FR", 400, body=record.encode(),
                  headers=bearer(rec, {"Content-Type": "application/jsonl"}))
    check_problem(ck, "records: GET (405)", server, "GET", "/api/v1/records", 405)
    # The body's size is judged from Content-Length, before it is read.
    for path, size in (("/api/v1/records", 9 << 20), ("/api/v1/import", 65 << 20)):
        c = server.connection()
        try:
            c.putrequest("POST", path)
            for k, v in bearer(rec, {"Content-Type": "application/jsonl", "Content-Length": str(size)}).items():
                c.putheader(k, v)
            c.endheaders()
            resp = c.getresponse()
            detail = json.loads(resp.read() or b"{}").get("detail", "")
            limit = str((64 if path.endswith("import") else 8) << 20)
            ck.check(f"{path}: a body of {size} bytes is refused before it is sent (413), naming the path's limit",
                     resp.status == 413 and limit in detail, f"{resp.status} {detail!r}")
        finally:
            c.close()
    # A rule refusal: the ban of RT on Twitter from 2017-10-26 refuses spend in it.
    doc = check_problem(ck, "records: spend a ban forbids (422)", server, "POST", "/api/v1/records", 422,
                        body=json.dumps(spend_line("refused-4", "rt", "twitter", period="2018-01")).encode(),
                        headers=bearer(rec, {"Content-Type": "application/json"}))
    ck.check("records: the 422 names the ban", doc is not None and "ban" in doc["detail"], repr(doc))
    # All or nothing: a good record before a bad one is not kept.
    lines = json.dumps(spend_line("refused-5")) + "\n" + json.dumps(spend_line("refused-6", advertiser="nobody"))
    check_problem(ck, "records: a bad second line refuses the first (404)", server, "POST", "/api/v1/records", 404,
                  body=lines.encode(), headers=bearer(rec, {"Content-Type": "application/jsonl"}))
    ck.check("refusals: the ledger's head is as it was", head(ledger) == before, f"{head(ledger)} != {before}")


def check_writes(ck, ledger, server, tokens, schemas, store, root):
    rec, admin = tokens["recorder"], tokens["admin"]
    validate = validator_for(schemas, store, "import-result.schema.json")

    def written(label, status, raw, expect_status, **counts):
        ck.check(f"{label}: status {expect_status}", status == expect_status, f"{status}: {raw[:300]!r}")
        try:
            doc = json.loads(raw)
        except ValueError:
            return ck.check(f"{label}: JSON", False, repr(raw[:200]))
        error = first_error(validate, doc)
        ck.check(f"{label}: valid against import-result.schema.json", error is None, str(error))
        for name, value in counts.items():
            ck.check(f"{label}: {name} = {value}", doc.get(name) == value, repr(doc))
        return doc

    status, h, raw = post(server, "/api/v1/records", json.dumps(spend_line("http-1")), "application/json",
                          bearer(rec))
    written("records: one spend entry", status, raw, 201, spend=1, unchanged=0)
    ck.check("records: the entry's author is the token's name", authors_of(ledger, "http-1") == ["recorder-desk"],
             repr(authors_of(ledger, "http-1")))
    status, h, raw = post(server, "/api/v1/records", json.dumps(spend_line("http-1")), "application/json",
                          bearer(rec))
    written("records: the same again", status, raw, 200, spend=1, unchanged=1)
    doc = check_problem(ck, "records: the same id with another amount (409)", server, "POST", "/api/v1/records",
                        409, body=json.dumps(spend_line("http-1", amount="11.00")).encode(),
                        headers=bearer(rec, {"Content-Type": "application/json"}))
    # A source's details go in as the import takes them; a link that would
    # run script is refused, and nothing is written.
    cited = dict(spend_line("http-cited"), source_url="https://example.org/report?a=1&b=2",
                 source_accessed="2024-01-01", source_quote="\"10 USD\" in March")
    status, h, raw = post(server, "/api/v1/records", json.dumps(cited), "application/json", bearer(rec))
    written("records: an entry whose source has details", status, raw, 201, spend=1)
    r = ledger.run(["--format", "json", "spend", "list", "--search", "http-cited"])
    listed = json.loads(r.stdout)["entries"] if r.returncode == 0 else []
    ck.check("records: the details are stored as given",
             [e.get("source_details") for e in listed] == [{"url": "https://example.org/report?a=1&b=2",
                                                              "accessed": "2024-01-01", "quote": "\"10 USD\" in March"}],
             repr(listed)[:300])
    doc = check_problem(ck, "records: a javascript: address (400)", server, "POST", "/api/v1/records", 400,
                        body=json.dumps(dict(spend_line("http-js"), source_url="javascript:alert(1)")).encode(),
                        headers=bearer(rec, {"Content-Type": "application/json"}))
    ck.check("records: the refused address is named", "source_url" in json.dumps(doc), repr(doc)[:300])
    ck.check("records: nothing of the refused entry is written", authors_of(ledger, "http-js") == [],
             repr(authors_of(ledger, "http-js")))
    status, h, raw = post(server, "/api/v1/records",
                          json.dumps([spend_line("http-2"), spend_line("http-3", period="2016-04"),
                                      {"type": "platform", "id": "snapchat", "name": "Snapchat"}]),
                          "application/json", bearer(rec))
    written("records: an array", status, raw, 201, spend=2, platforms=1)
    status, h, raw = post(server, "/api/v1/import",
                          "\n".join(json.dumps(spend_line(f"http-lines-{i}")) for i in range(5)) + "\n",
                          "application/x-ndjson", bearer(rec))
    written("import: JSON Lines", status, raw, 201, spend=5, file="body")
    csv_body = ("id,advertiser,platform,amount,currency,period,market,source\r\n"
                "http-csv-1,sputnik,facebook,1.50,USD,2016-05,US,=HYPERLINK(\"x\")\r\n")
    status, h, raw = post(server, "/api/v1/import?name=desk.csv", csv_body, "text/csv", bearer(rec))
    written("import: CSV", status, raw, 201, spend=1, file="desk.csv")
    document = {"format": "adledger/1", "spend": [spend_line("http-doc-1")]}
    del document["spend"][0]["type"]
    status, h, raw = post(server, "/api/v1/import", json.dumps(document), "application/json", bearer(rec))
    written("import: an import document", status, raw, 201, spend=1)
    meta = (root / "fixtures" / "meta-ad-library-api.jsonl").read_text(encoding="utf-8")
    status, h, raw = post(server, "/api/v1/import?format=meta-api&market=FR&name=meta-ad-library-api.jsonl", meta,
                          "application/jsonl", bearer(rec))
    doc = written("import: a Meta API export", status, raw, 201, file="meta-ad-library-api.jsonl")
    cli = ledger.run(["--format", "json", "import", "--input", "meta-api", "--market", "FR",
                      str(root / "fixtures" / "meta-ad-library-api.jsonl")])
    ck.check("import: the command line then finds the same export already recorded",
             cli.returncode == 0 and doc is not None and json.loads(cli.stdout)["unchanged"] == doc.get("spend"),
             cli.stdout.decode() + cli.stderr.decode())

    # Corrections: an admin's.
    reversal = {"type": "spend_reversal", "spend": "http-2", "reason": "entered twice", "source": "desk"}
    before = head(ledger)
    doc = check_problem(ck, "records: a recorder may not reverse spend (403)", server, "POST", "/api/v1/records",
                        403, body=json.dumps(reversal).encode(),
                        headers=bearer(rec, {"Content-Type": "application/json"}))
    ck.check("records: the refused reversal left the head as it was", head(ledger) == before)
    status, h, raw = post(server, "/api/v1/records", json.dumps(reversal), "application/json", bearer(admin))
    written("records: an admin reverses spend", status, raw, 201, spend_reversals=1)
    pledge = {"type": "pledge", "id": "http-pledge", "platform": "twitter", "amount": "10.00", "currency": "USD",
              "date": "2018-01-01", "beneficiary": "a fund", "source": "desk"}
    status, h, raw = post(server, "/api/v1/records", json.dumps(pledge), "application/json", bearer(rec))
    written("records: a pledge", status, raw, 201, pledges=1)
    withdrawal = {"type": "pledge_withdrawal", "pledge": "http-pledge", "reason": "mistyped", "source": "desk"}
    before = head(ledger)
    check_problem(ck, "records: a recorder may not withdraw a pledge (403)", server, "POST", "/api/v1/records", 403,
                  body=json.dumps(withdrawal).encode(), headers=bearer(rec, {"Content-Type": "application/json"}))
    ck.check("records: the refused withdrawal left the head as it was", head(ledger) == before)
    status, h, raw = post(server, "/api/v1/records", json.dumps(withdrawal), "application/json", bearer(admin))
    written("records: an admin withdraws a pledge", status, raw, 201, withdrawals=1)

    # Idempotency-Key.
    key = {"Idempotency-Key": "desk-2026-11-22-0001"}
    body = json.dumps(spend_line("http-key-1"))
    s1, h1, r1 = post(server, "/api/v1/records", body, "application/json", bearer(rec, key))
    written("Idempotency-Key: first", s1, r1, 201, spend=1)
    after_first = head(ledger)
    s2, h2, r2 = post(server, "/api/v1/records", body, "application/json", bearer(rec, key))
    ck.check("Idempotency-Key: the same request again: the same status and body", (s2, r2) == (s1, r1),
             f"{s2} {r2[:200]!r}")
    ck.check("Idempotency-Key: marked Idempotent-Replayed", h2.get("idempotent-replayed") == "true", repr(h2))
    ck.check("Idempotency-Key: nothing more recorded", head(ledger) == after_first)
    check_problem(ck, "Idempotency-Key: another request under the same key (422)", server, "POST",
                  "/api/v1/records", 422, body=json.dumps(spend_line("http-key-2")).encode(),
                  headers=bearer(rec, dict(key, **{"Content-Type": "application/json"})))
    check_problem(ck, "Idempotency-Key: a key with a space (400)", server, "POST", "/api/v1/records", 400,
                  body=body.encode(), headers=bearer(rec, {"Content-Type": "application/json",
                                                           "Idempotency-Key": "a b"}))
    s3, _, r3 = post(server, "/api/v1/records", body, "application/json", bearer(admin, key))
    written("Idempotency-Key: keys are per token", s3, r3, 200, unchanged=1)

    # Revoked while the server runs: refused from the next request.
    r = ledger.run(["token", "revoke", "recorder-desk"])
    ck.check("token revoke: exit 0", r.returncode == 0 and b"revoked token recorder-desk" in r.stdout,
             r.stderr.decode())
    r = ledger.run(["token", "revoke", "recorder-desk"])
    ck.check("token revoke again: unchanged, exit 0", r.returncode == 0 and b"already revoked" in r.stdout,
             r.stdout.decode())
    before = head(ledger)
    doc = check_problem(ck, "a revoked token (401)", server, "POST", "/api/v1/records", 401,
                        body=json.dumps(spend_line("http-revoked")).encode(),
                        headers=bearer(rec, {"Content-Type": "application/json"}))
    ck.check("a revoked token: the detail says so", doc is not None and "revoked" in doc["detail"], repr(doc))
    ck.check("a revoked token: the head is as it was", head(ledger) == before)
    r = ledger.run(["--format", "json", "token", "add", "recorder-desk"])
    ck.check("token add: a revoked token's name is not given again", r.returncode == 4, r.stderr.decode())


def check_private(ck, ledger, tokens):
    server = Server(ledger, ["--private"])
    try:
        check_problem(ck, "--private: a read without a token (401)", server, "GET", "/api/v1/head", 401)
        status, _, raw = server.request("GET", "/")
        ck.check("--private: the home page without a token (401, a page)", status == 401 and b"<html" in raw,
                 f"{status} {raw[:200]!r}")
        status, _, raw = server.request("GET", "/api/v1/head", headers=bearer(tokens["reader"]))
        ck.check("--private: a reader's token reads", status == 200 and b"records" in raw, f"{status} {raw[:200]!r}")
        check_problem(ck, "--private: a reader's token still cannot write (403)", server, "POST", "/api/v1/records",
                      403, body=json.dumps(spend_line("private-1")).encode(),
                      headers=bearer(tokens["reader"], {"Content-Type": "application/json"}))
    finally:
        ck.check("--private: stops with exit 0", server.stop() == 0)


def check_concurrent_writers(ck, ledger, server, token, seconds):
    """16 writers at once: every write acknowledged is there, once; every
    write refused (an advertiser the ledger does not have, mixed in among
    the others, so that the server takes it out of its group) is not.
    Each writer then reads what it wrote on another connection, among the
    reads of 4 readers asking all the while (the server answers reads that
    arrive together from one snapshot): a write acknowledged is in every
    answer to a request sent after it."""
    acknowledged, refused, errors, unknown = [], [], [], []
    stale, reads = [], [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def ask(c, method, path, **kw):
        """One request on c: (c, the response, its body), or, when it failed,
        (a new connection, None, the error)."""
        try:
            c.request(method, path, **kw)
            r = c.getresponse()
            return c, r, r.read()
        except (OSError, http.client.HTTPException) as e:
            c.close()
            return http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT), None, repr(e)

    def reader(n):
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
        paths = ("/api/v1/head", "/api/v1/ban-status?advertiser=rt&platform=twitter&on=2017-11-01")
        while time.monotonic() < stop_at:
            c, r, raw = ask(c, "GET", paths[n % 2])
            with lock:
                reads[0] += 1
                if r is None:
                    errors.append(f"reader {n}: {raw}")
                elif r.status != 200:
                    errors.append(f"reader {n}: {r.status} {raw[:200]!r}")
        c.close()

    def writer(n):
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
        rc = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            ext = f"w{n}-{i}"
            # A few contended pairs, and the same request sent twice under a key.
            advertiser = "nobody" if i % 7 == 3 else ("sputnik", "rt")[i % 2]
            line = spend_line(ext, advertiser=advertiser, platform=("facebook", "google")[n % 2],
                              period=f"2016-{1 + i % 12:02d}")
            body = json.dumps(line).encode()
            headers = bearer(token, {"Content-Type": "application/json", "Idempotency-Key": ext})
            for attempt in range(2):
                c, r, raw = ask(c, "POST", "/api/v1/records", body=body, headers=headers)
                if r is None:
                    with lock:
                        errors.append(f"{ext}: {raw}")
                    continue
                with lock:
                    if advertiser == "nobody":
                        if r.status == 404:
                            unknown.append(ext)
                        else:
                            errors.append(f"{ext}: an unknown advertiser answered {r.status} {raw[:200]!r}")
                    elif r.status in (200, 201):
                        acknowledged.append(ext)
                    elif r.status == 503:
                        refused.append(ext)
                    else:
                        errors.append(f"{ext}: {r.status} {raw[:200]!r}")
                if r.status in (200, 201) and advertiser != "nobody":
                    # Read back on another connection, sent after the answer.
                    rc, back, raw = ask(rc, "GET", f"/api/v1/spend?search={ext}&limit=1000")
                    with lock:
                        if back is None or back.status != 200:
                            errors.append(f"{ext}: read back: {raw if back is None else back.status}")
                        elif not any(e.get("id") == ext for e in json.loads(raw)["entries"]):
                            stale.append(ext)
        c.close()
        rc.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ck.check("16 writers: no error but busy", not errors, "; ".join(errors[:5]))
    ck.check("16 writers: each acknowledged write is in the answer to a read sent after it", not stale,
             f"{len(stale)} not: " + ", ".join(stale[:5]))
    ck.check("16 writers: the readers were answered", reads[0] > 0, str(reads[0]))
    unique = set(acknowledged)
    found = []
    after = None
    while True:
        page_args = ["--format", "json", "spend", "list", "--search", "w", "--limit", "1000"]
        r = ledger.run(page_args + (["--after", str(after)] if after else []))
        if not ck.check("16 writers: spend list", r.returncode == 0, r.stderr.decode()):
            break
        page = json.loads(r.stdout)
        found += [e["id"] for e in page["entries"] if (e.get("id") or "").startswith("w")]
        if not page["more"]:
            break
        after = page["next_after"]
    ck.check("16 writers: some writes acknowledged", len(unique) > 16, str(len(unique)))
    ck.check("16 writers: every acknowledged write is in the ledger", unique <= set(found),
             f"{len(unique - set(found))} missing")
    ck.check("16 writers: no write recorded twice", len(found) == len(set(found)),
             f"{len(found)} entries, {len(set(found))} ids")
    ck.check("16 writers: some writes refused (404)", len(unknown) > 0, str(len(unknown)))
    ck.check("16 writers: no refused write is in the ledger", not set(unknown) & set(found),
             repr(sorted(set(unknown) & set(found))[:5]))
    r = ledger.run(["verify"])
    ck.check("16 writers: verify passes", r.returncode == 0, r.stdout.decode()[-400:] + r.stderr.decode())
    print(f"16 writers over HTTP for {seconds} s: {len(unique)} writes acknowledged, {len(unknown)} refused, "
          f"{len(refused)} busy; {reads[0]} reads beside them")


def check_kill_during_import(ck, ledger, token, kills):
    """SIGKILL of the server at random moments of a large import."""
    lines = "".join(json.dumps(spend_line(f"bulk-{i}", period=f"2016-{1 + i % 12:02d}")) + "\n"
                    for i in range(60000))
    rng = random.Random(20261206)
    for k in range(kills):
        before = head(ledger)
        server = Server(ledger)
        delay = rng.uniform(0.05, 1.4)
        result = {}

        def send():
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
            try:
                c.request("POST", "/api/v1/import", body=lines.encode(),
                          headers=bearer(token, {"Content-Type": "application/jsonl"}))
                result["status"] = c.getresponse().status
            except (OSError, http.client.HTTPException) as e:
                result["error"] = repr(e)
            finally:
                c.close()

        t = threading.Thread(target=send)
        t.start()
        time.sleep(delay)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        t.join()
        after = head(ledger)
        grew = after != before
        r = ledger.run(["verify"])
        ck.check(f"SIGKILL {k + 1} at {delay:.2f} s: verify passes", r.returncode == 0,
                 r.stdout.decode()[-400:] + r.stderr.decode())
        ck.check(f"SIGKILL {k + 1}: an import acknowledged is in the ledger", grew or result.get("status") != 201,
                 f"{before} -> {after} {result}")
        if grew:
            ck.check(f"SIGKILL {k + 1}: the import is whole (60,000 records more)",
                     after["records"] - before["records"] == 60000, f"{before} -> {after} {result}")
        print(f"SIGKILL {k + 1} at {delay:.2f} s: {'all' if grew else 'none'} of the import; {result}")
        if grew:
            break  # the import is in: another would be a no-op


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--adledger", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--postgresql-state")
    p.add_argument("--seconds", type=float, default=8)
    p.add_argument("--kills", type=int, default=4)
    args = p.parse_args()
    root = pathlib.Path(args.root)
    ck = Checker()
    schemas, store = load_schemas(root / "schemas", ck)

    with tempfile.TemporaryDirectory(prefix="adledger-writes-") as tmp:
        tmp = pathlib.Path(tmp)
        env = dict(os.environ, ADLEDGER_TODAY=TODAY)
        for name in ("ADLEDGER_DB", "ADLEDGER_AUTHOR", "ADLEDGER_NOW"):
            env.pop(name, None)
        with founding_ledger(args, root, tmp, env, "written") as ledger:
            openapi = json.loads((root / "schemas" / "openapi.json").read_text(encoding="utf-8"))
            writes = sorted(f"{m.upper()} {p}" for p, ops in openapi["paths"].items() for m, op in ops.items()
                            if "writes" in op.get("tags", []))
            ck.check("the paths that write, as the OpenAPI document lists them, are those this test asks",
                     writes == ["POST /api/v1/import", "POST /api/v1/records"], repr(writes))
            tokens = check_tokens(ck, ledger, args)
            server = Server(ledger)
            try:
                check_refusals(ck, ledger, server, tokens)
                check_writes(ck, ledger, server, tokens, schemas, store, root)
                check_concurrent_writers(ck, ledger, server, tokens["admin"], args.seconds)
            finally:
                ck.check("the server stops with exit 0", server.stop() == 0)
            check_private(ck, ledger, tokens)
            check_kill_during_import(ck, ledger, tokens["admin"], args.kills)
            r = ledger.run(["verify"])
            ck.check("at the end: verify passes", r.returncode == 0, r.stdout.decode()[-400:])

    for f in ck.failures:
        print(f"FAIL {f}")
    print(f"check_server_writes ({args.backend}): {ck.passed} checks passed, {len(ck.failures)} failed")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())
