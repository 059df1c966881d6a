#!/usr/bin/python3
"""adledger serve, end to end: a real server on a free loopback port, asked
over real HTTP connections, its answers compared with the command line's.

1. Every JSON answer of the API is byte for byte what the command line
   prints with --format json for the same question, and validates against
   the schema the OpenAPI document names for it; every path of the OpenAPI
   document is asked.
2. Every error is a problem document (RFC 9457) with a fitting status and
   the command line's message: 400, 404, 405, 413, 415, 422, 431, 503.
3. ETag and 304; a write made meanwhile by the command line is seen at the
   next request, with another ETag; HEAD; the security headers; no CORS.
4. Hardening: a client that sends its request too slowly is cut off while
   others are served; past --max-connections, 503; past --rate-limit, 429;
   SIGTERM lets a request in flight finish, closes idle connections and
   exits 0.
5. The pages in headless Chromium: the ban-status form's answer, the home
   page, a report page carrying the ledger's head; no console message, no
   Content-Security-Policy violation, nothing fetched.

Usage: check_server.py --adledger BIN --root REPO [--backend postgresql
--postgresql-state FILE] [--chromium PATH | --no-browser]
"""

import argparse
import contextlib
import http.client
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "postgresql"))

from check_schemas import load_schemas, validator_for, first_error  # noqa: E402

TODAY = "2026-11-22"
TIMEOUT = 60


class Checker:
    def __init__(self):
        self.passed = 0
        self.failures = []

    def check(self, name, condition, why=""):
        if condition:
            self.passed += 1
        else:
            self.failures.append(f"{name}: {why}" if why else name)
        return condition

    # What check_schemas.load_schemas reports to.
    def ok(self, name):
        self.passed += 1

    def fail(self, name, why):
        self.failures.append(f"{name}: {why}")


class Ledger:
    def __init__(self, binary, db, env):
        self.binary = binary
        self.db = db
        self.env = env

    def run(self, args, stdin=None):
        return subprocess.run([self.binary, "--db", self.db] + args, env=self.env, input=stdin,
                              capture_output=True, timeout=TIMEOUT)


@contextlib.contextmanager
def founding_ledger(args, root, tmp, env, name):
    """A ledger holding the founding case, in an SQLite file in `tmp` or,
    with --backend postgresql, in a database of the test cluster, dropped
    afterwards."""
    drop = None
    if getattr(args, "backend", "sqlite") == "postgresql":
        import cluster  # tests/postgresql/cluster.py
        import secrets
        state = cluster.load_state(args.postgresql_state)
        database = f"{name}_{secrets.token_hex(4)}"
        db = cluster.create_database(state, database)
        drop = lambda: cluster.drop_database(state, database)  # noqa: E731
    else:
        db = str(tmp / f"{name}.db")
    ledger = Ledger(args.adledger, db, env)
    try:
        for step in (["init"], ["import", str(root / "fixtures" / "founding-case.json")]):
            r = ledger.run(step)
            if r.returncode != 0:
                raise SystemExit(f"setting up the ledger: {step}: {r.stderr.decode()}")
        yield ledger
    finally:
        if drop:
            drop()


class Server:
    def __init__(self, ledger, extra=()):
        self.proc = subprocess.Popen([ledger.binary, "--db", ledger.db, "serve", "--listen", "127.0.0.1:0"]
                                     + list(extra), env=ledger.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        if "http://" not in line:
            self.proc.kill()
            raise SystemExit(f"adledger serve did not start: {line!r} {self.proc.stderr.read()!r}")
        self.port = int(line.split("http://127.0.0.1:")[1].split("/")[0])

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)

    def request(self, method, path, body=None, headers=None):
        c = self.connection()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


SECURITY_HEADERS = {
    "content-security-policy": lambda v: "default-src 'none'" in v and "script-src" not in v,
    "x-content-type-options": lambda v: v == "nosniff",
    "x-frame-options": lambda v: v == "DENY",
    "referrer-policy": lambda v: v == "no-referrer",
}


def check_headers(ck, label, headers):
    for name, good in SECURITY_HEADERS.items():
        ck.check(f"{label}: header {name}", name in headers and good(headers[name]), repr(headers.get(name)))
    ck.check(f"{label}: no CORS header", "access-control-allow-origin" not in headers)


def check_problem(ck, label, server, method, path, status, detail=None, body=None, headers=None):
    got, h, raw = server.request(method, path, body=body, headers=headers)
    ck.check(f"{label}: status {status}", got == status, f"got {got}: {raw[:300]!r}")
    ck.check(f"{label}: application/problem+json", h.get("content-type") == "application/problem+json",
             repr(h.get("content-type")))
    check_headers(ck, label, h)
    try:
        doc = json.loads(raw)
    except ValueError:
        ck.check(f"{label}: a JSON problem document", False, repr(raw[:200]))
        return None
    ck.check(f"{label}: problem fields", doc.get("status") == status and doc.get("type") == "about:blank"
             and isinstance(doc.get("title"), str) and isinstance(doc.get("detail"), str), repr(doc))
    if detail is not None:
        ck.check(f"{label}: the command line's message", doc.get("detail") == detail,
                 f"{doc.get('detail')!r} != {detail!r}")
    return doc


def read_all(sock):
    """What a socket receives until the server closes it (or resets it)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    return data


def cli_error(ledger, args):
    """The message the command line prints for a mistake, without 'error: '."""
    r = ledger.run(args)
    line = r.stderr.decode().strip()
    return line[len("error: "):] if line.startswith("error: ") else line


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--adledger", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--postgresql-state")
    p.add_argument("--chromium")
    p.add_argument("--no-browser", action="store_true")
    args = p.parse_args()
    root = pathlib.Path(args.root)
    ck = Checker()
    schemas, store = load_schemas(root / "schemas", ck)
    openapi = json.loads((root / "schemas" / "openapi.json").read_text(encoding="utf-8"))

    with tempfile.TemporaryDirectory(prefix="adledger-serve-") as tmp:
        tmp = pathlib.Path(tmp)
        env = dict(os.environ, ADLEDGER_TODAY=TODAY, ADLEDGER_AUTHOR="newsdesk")
        env.pop("ADLEDGER_DB", None)
        with founding_ledger(args, root, tmp, env, "served") as ledger:
            run_checks(ck, ledger, root, schemas, store, openapi, args, tmp)

    for f in ck.failures:
        print(f"FAIL {f}")
    print(f"check_server ({args.backend}): {ck.passed} checks passed, {len(ck.failures)} failed")
    return 1 if ck.failures else 0


def operation_schema(openapi, path, method="get"):
    op = openapi["paths"][path][method]
    content = op["responses"]["200"]["content"]
    ref = next(iter(content.values()))["schema"].get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("/api/v1/schemas/") else None


def run_checks(ck, ledger, root, schemas, store, openapi, args, tmp):
    server = Server(ledger, ["--read-timeout", "1"])
    asked = set()
    try:
        # 1. The same documents as the command line, valid against their schemas.
        questions = [
            ("/api/v1/head", {}, ["head"]),
            ("/api/v1/ban-status", {"advertiser": "rt", "platform": "twitter", "on": "2017-11-01"},
             ["ban-status", "--advertiser", "rt", "--platform", "twitter", "--on", "2017-11-01"]),
            ("/api/v1/ban-status", {"advertiser": "rt"}, ["ban-status", "--advertiser", "rt"]),
            ("/api/v1/ban-status", {"advertiser": "rt", "platform": "twitter", "on": "2017-11-01",
                                    "as_of": time.strftime("%Y-%m-%d", time.gmtime())},
             ["ban-status", "--advertiser", "rt", "--platform", "twitter", "--on", "2017-11-01"]),
            ("/api/v1/advertisers", {}, ["advertiser", "list"]),
            ("/api/v1/platforms", {}, ["platform", "list"]),
            ("/api/v1/spend", {"limit": "1"}, ["spend", "list", "--limit", "1"]),
            ("/api/v1/spend", {"limit": "1", "after": "1"}, ["spend", "list", "--limit", "1", "--after", "1"]),
            ("/api/v1/spend", {"search": "TWITTER", "advertiser": "rt"},
             ["spend", "list", "--search", "TWITTER", "--advertiser", "rt", "--limit", "100"]),
            ("/api/v1/policy-actions", {}, ["policy", "list"]),
            ("/api/v1/policy-actions", {"platform": "twitter", "kind": "ad_ban", "from": "2017"},
             ["policy", "list", "--platform", "twitter", "--kind", "ad_ban", "--from", "2017"]),
            ("/api/v1/pledges", {"advertiser": "rt"}, ["pledge", "list", "--advertiser", "rt"]),
            ("/api/v1/disclosures", {"to": "2016-Q4"}, ["disclosure", "list", "--to", "2016-Q4"]),
            ("/api/v1/reports/advertiser/{advertiser}", {"by": "quarter"},
             ["report", "advertiser", "rt", "--by", "quarter"]),
            ("/api/v1/reports/advertiser/{advertiser}", {"from": "2016", "to": "2016-Q4", "convert": "EUR"},
             ["report", "advertiser", "rt", "--from", "2016", "--to", "2016-Q4", "--convert", "EUR"]),
            ("/api/v1/reports/platform/{platform}", {"by": "year"}, ["report", "platform", "twitter", "--by", "year"]),
            ("/api/v1/reports/policies", {"platform": "twitter"}, ["report", "policies", "--platform", "twitter"]),
            ("/api/v1/reports/pledges", {}, ["report", "pledges"]),
            ("/api/v1/register", {"advertiser": "rt"}, ["register", "--advertiser", "rt"]),
            ("/api/v1/balance", {"account": "^expenses"}, ["balance", "^expenses"]),
            ("/api/v1/balance", {"by": "year", "depth": "2"}, ["balance", "--by", "year", "--depth", "2"]),
            ("/api/v1/balance", {"as_of": "2000-01-01"}, ["balance"]),
        ]
        for template, params, cli in questions:
            path = template.replace("{advertiser}", "rt").replace("{platform}", "twitter")
            url = path + ("?" + urllib.parse.urlencode(params) if params else "")
            status, headers, body = server.request("GET", url)
            label = f"GET {url}"
            asked.add((template, "get"))
            if not ck.check(f"{label}: 200", status == 200, f"{status}: {body[:300]!r}"):
                continue
            ck.check(f"{label}: application/json", headers.get("content-type") == "application/json")
            check_headers(ck, label, headers)
            ck.check(f"{label}: an ETag", headers.get("etag", "").startswith('"'))
            if cli is not None:
                if "as_of" in params:
                    cli = cli + ["--as-of", params["as_of"]]
                r = ledger.run(cli + ["--format", "json"])
                ck.check(f"{label}: the same bytes as adledger {' '.join(cli)} --format json",
                         r.stdout == body, f"CLI {r.stdout[:200]!r} vs server {body[:200]!r}")
            schema = operation_schema(openapi, template)
            if ck.check(f"{label}: the OpenAPI document names a schema", schema in schemas, repr(schema)):
                error = first_error(validator_for(schemas, store, schema), json.loads(body))
                ck.check(f"{label}: matches {schema}", error is None, str(error))

        # The description itself, and the schemas it points at.
        status, headers, body = server.request("GET", "/api/v1/openapi.json")
        asked.add(("/api/v1/openapi.json", "get"))
        ck.check("openapi.json is served as kept in schemas/",
                 status == 200 and json.loads(body) == openapi, f"{status}")
        status, headers, body = server.request("GET", "/api/v1/schemas/ban-status.schema.json")
        asked.add(("/api/v1/schemas/{name}", "get"))
        ck.check("a schema is served as kept in schemas/", status == 200 and json.loads(body) == schemas[
            "ban-status.schema.json"], f"{status}")
        for path, ops in openapi["paths"].items():
            for method, op in ops.items():
                for code, response in op["responses"].items():
                    for media in response.get("content", {}).values():
                        ref = media["schema"].get("$ref", "")
                        if ref.startswith("/api/v1/schemas/"):
                            ck.check(f"openapi {method} {path} {code}: {ref} exists",
                                     ref.rsplit("/", 1)[-1] in schemas)

        # The batch endpoint: what ban-status --batch prints.
        checks = "rt,twitter,2017-11-01\nsputnik,twitter,2017-01-01\nrt,facebook,2017-11-01\n"
        (tmp / "checks.csv").write_text(checks, encoding="utf-8")
        for media, fmt in (("text/csv", []), ("application/jsonl", ["--format", "json"]),
                           ("application/x-ndjson", ["--format", "json"])):
            status, headers, body = server.request("POST", "/api/v1/ban-status", body=checks.encode(),
                                                   headers={"Content-Type": media})
            asked.add(("/api/v1/ban-status", "post"))
            r = ledger.run(["ban-status", "--batch", str(tmp / "checks.csv")] + fmt)
            ck.check(f"POST ban-status as {media}: what ban-status --batch prints",
                     status == 200 and body == r.stdout, f"{status} {body[:200]!r} vs {r.stdout[:200]!r}")
        for path, ops in openapi["paths"].items():
            for method, op in ops.items():
                if "writes" in op.get("tags", []):
                    continue  # check_server_writes.py asks the paths that write
                ck.check(f"the test asks {method.upper()} {path}", (path, method) in asked)

        # 2. Problems, with the command line's messages.
        check_problem(ck, "unknown advertiser", server, "GET", "/api/v1/reports/advertiser/RT", 404,
                      cli_error(ledger, ["report", "advertiser", "RT"]))
        check_problem(ck, "ban-status of an unknown platform", server, "GET",
                      "/api/v1/ban-status?advertiser=rt&platform=myspace", 404,
                      cli_error(ledger, ["ban-status", "--advertiser", "rt", "--platform", "myspace"]))
        check_problem(ck, "a bad day", server, "GET", "/api/v1/ban-status?advertiser=rt&on=2017-02-30", 400,
                      cli_error(ledger, ["ban-status", "--advertiser", "rt", "--on", "2017-02-30"]))
        check_problem(ck, "a bad period", server, "GET", "/api/v1/reports/advertiser/rt?from=2016-Q5", 400,
                      cli_error(ledger, ["report", "advertiser", "rt", "--from", "2016-Q5"]))
        check_problem(ck, "a misspelt parameter", server, "GET", "/api/v1/ban-status?advertiser=rt&platfrom=x", 400)
        check_problem(ck, "a list of an unknown platform", server, "GET", "/api/v1/pledges?platform=Twiter", 404,
                      cli_error(ledger, ["pledge", "list", "--platform", "Twiter"]))
        check_problem(ck, "a list whose range ends before it starts", server, "GET",
                      "/api/v1/disclosures?from=2018&to=2017", 400,
                      cli_error(ledger, ["disclosure", "list", "--from", "2018", "--to", "2017"]))
        check_problem(ck, "a list of an unknown kind", server, "GET", "/api/v1/policy-actions?kind=ban", 400,
                      cli_error(ledger, ["policy", "list", "--kind", "ban"]))
        check_problem(ck, "a parameter given twice", server, "GET", "/api/v1/ban-status?advertiser=rt&advertiser=x",
                      400)
        check_problem(ck, "a required parameter missing", server, "GET", "/api/v1/ban-status", 400)
        check_problem(ck, "a bad percent escape", server, "GET", "/api/v1/ban-status?advertiser=%zz", 400)
        check_problem(ck, "a control character", server, "GET", "/api/v1/ban-status?advertiser=a%0Ab", 400)
        check_problem(ck, "a limit out of range", server, "GET", "/api/v1/spend?limit=0", 400)
        check_problem(ck, "a regular expression over HTTP", server, "GET", "/api/v1/balance?account=(a%2B)%2B%24",
                      400)
        check_problem(ck, "an unknown path", server, "GET", "/api/v1/nothing", 404)
        # Hostile paths and ids: no file is ever read by a path, an encoded
        # slash is refused, and nothing asked is echoed into a header.
        check_problem(ck, "a path that climbs", server, "GET", "/api/v1/schemas/../../../etc/passwd", 404)
        check_problem(ck, "an encoded slash", server, "GET", "/api/v1/schemas/..%2F..%2Fetc%2Fpasswd", 400)
        check_problem(ck, "a schema that climbs", server, "GET", "/api/v1/schemas/..", 404)
        check_problem(ck, "a CR LF in an id (no header is made of it)", server, "GET",
                      "/api/v1/reports/advertiser/rt%0D%0ASet-Cookie:%20x=1", 400)
        status, h, raw = server.request("GET", "/advertisers/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        ck.check("a hostile id on a page: 400 or 404, escaped", status in (400, 404) and b"<script>" not in raw,
                 f"{status} {raw[:200]!r}")
        with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as raw_sock:
            raw_sock.sendall(b"GET /api/v1/head HTTP/1.1\r\nHost: x\r\nX-Injected: a\rSet-Cookie: x=1\r\n\r\n")
            answer = read_all(raw_sock)
        ck.check("a bare CR in a header is refused (400)", answer.startswith(b"HTTP/1.1 400")
                 and b"Set-Cookie" not in answer, repr(answer[:200]))
        check_problem(ck, "another method", server, "DELETE", "/api/v1/head", 405)
        check_problem(ck, "a batch in another format", server, "POST", "/api/v1/ban-status", 415,
                      body=b"rt,twitter,2017-11-01\n", headers={"Content-Type": "text/plain"})
        check_problem(ck, "a batch naming an unknown advertiser", server, "POST", "/api/v1/ban-status", 422,
                      body=b"rt,twitter,2017-11-01\nnobody,twitter,2017-11-01\n",
                      headers={"Content-Type": "text/csv"})
        # A body over the limit: refused from its Content-Length, before it is
        # read; a client that sends it all the same still gets the answer.
        for expect in (False, True):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            head = (f"POST /api/v1/ban-status HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                    f"Content-Length: {9 << 20}\r\n" + ("Expect: 100-continue\r\n" if expect else "") + "\r\n")
            try:
                s.sendall(head.encode())
                if not expect:
                    s.sendall(b"x" * (9 << 20))
            except OSError:
                pass
            answer = read_all(s)
            s.close()
            label = "a body over the limit" + (", announced with Expect: 100-continue" if expect else ", sent")
            ck.check(f"{label}: 413, a problem document", answer.startswith(b"HTTP/1.1 413")
                     and b"application/problem+json" in answer and b"100 Continue" not in answer, repr(answer[:120]))
        check_problem(ck, "headers over the limit", server, "GET", "/api/v1/head", 431,
                      headers={"X-Long": "a" * 20000})
        status, headers, body = server.request("GET", "/no/such/page")
        ck.check("an unknown page: 404, as a page", status == 404 and headers.get("content-type", "").startswith(
            "text/html"), f"{status} {headers.get('content-type')}")

        # 3. ETag, 304, a write seen at once, HEAD.
        status, headers, body = server.request("GET", "/api/v1/head")
        etag = headers.get("etag")
        status, h304, body304 = server.request("GET", "/api/v1/head", headers={"If-None-Match": etag})
        ck.check("If-None-Match of the current ETag: 304, no body", status == 304 and body304 == b"", f"{status}")
        status, _, _ = server.request("GET", "/api/v1/head", headers={"If-None-Match": '"other", W/' + etag})
        ck.check("If-None-Match with a list holding it, weakly: 304", status == 304, f"{status}")
        r = ledger.run(["spend", "record", "--advertiser", "sputnik", "--platform", "twitter", "--amount", "100",
                        "--currency", "USD", "--period", "2016-03", "--market", "US",
                        "--source", "a test of the server"])
        ck.check("a write by the command line while the server runs", r.returncode == 0, r.stderr.decode())
        status, headers, body = server.request("GET", "/api/v1/head", headers={"If-None-Match": etag})
        cli_head = ledger.run(["head", "--format", "json"]).stdout
        ck.check("after a write: 200, another ETag, the new head", status == 200 and headers.get("etag") != etag
                 and body == cli_head, f"{status} {headers.get('etag')} {body[:120]!r}")
        _, get_h, get_body = server.request("GET", "/api/v1/advertisers")
        status, head_h, head_body = server.request("HEAD", "/api/v1/advertisers")
        ck.check("HEAD: the GET's headers, no body", status == 200 and head_body == b""
                 and head_h.get("content-length") == str(len(get_body)) and head_h.get("etag") == get_h.get("etag"),
                 f"{status} {head_h.get('content-length')} vs {len(get_body)}")

        # 4. Hardening. A slow client is cut off after --read-timeout (1 s),
        # and others are served meanwhile.
        slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        slow.sendall(b"GET /api/v1/head HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        status, _, _ = server.request("GET", "/api/v1/head")
        ck.check("a request is served while a slow client sends its headers", status == 200)
        try:
            data = slow.recv(1000)
        except OSError:
            data = b""
        waited = time.monotonic() - started
        ck.check("the slow client is cut off at the read timeout", data == b"" and 0.5 < waited < 8,
                 f"after {waited:.1f} s, got {data[:100]!r}")
        slow.close()
        # 5. The pages, in a real browser.
        if not args.no_browser:
            check_pages(ck, server, ledger, args, tmp)
        else:
            for page in ("/", "/ban-status?advertiser=rt&platform=twitter&on=2017-11-01", "/advertisers/rt",
                         "/platforms/twitter", "/policies", "/pledges", "/search?q=twitter"):
                status, headers, body = server.request("GET", page)
                ck.check(f"page {page}: 200 HTML", status == 200 and headers["content-type"].startswith("text/html"))

    finally:
        server.stop()

    # Past --max-connections, and SIGTERM, on a server that keeps an idle
    # connection 30 s: held connections stay held, and only the stop closes
    # an idle one.
    patient = Server(ledger, ["--read-timeout", "30", "--max-connections", "8"])
    try:
        held = [socket.create_connection(("127.0.0.1", patient.port), timeout=10) for _ in range(8)]
        time.sleep(0.2)
        extra = socket.create_connection(("127.0.0.1", patient.port), timeout=10)
        answer = read_all(extra)
        ck.check("past --max-connections: 503 and closed", answer.startswith(b"HTTP/1.1 503"), repr(answer[:80]))
        for sock in held + [extra]:
            sock.close()
        time.sleep(0.2)
        status, _, _ = patient.request("GET", "/api/v1/head")
        ck.check("once they close, served again", status == 200, f"{status}")

        # SIGTERM while a request is being sent: it is read to its end and
        # answered whole; an idle keep-alive connection is closed; exit 0.
        idle = patient.connection()
        idle.request("GET", "/api/v1/head")
        idle.getresponse().read()
        big = "".join(f"rt,twitter,2017-11-{1 + i % 28:02d}\n" for i in range(150000)).encode()
        sending = socket.create_connection(("127.0.0.1", patient.port), timeout=TIMEOUT)
        sending.sendall(f"POST /api/v1/ban-status HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                        f"Content-Length: {len(big)}\r\n\r\n".encode() + big[:-1000])
        time.sleep(0.2)
        stopped_at = time.monotonic()
        patient.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        sending.sendall(big[-1000:])
        answer = read_all(sending)
        sending.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = body.count(b"\n")
        ck.check("SIGTERM: the request in flight is answered whole",
                 head.startswith(b"HTTP/1.1 200") and b"Connection: close" in head and lines == 150001,
                 f"{head[:200]!r}, {lines} lines")
        try:
            idle_read = idle.sock.recv(100)
        except OSError:
            idle_read = b""
        ck.check("SIGTERM: the idle connection is closed", idle_read == b"", repr(idle_read))
        code = patient.proc.wait(TIMEOUT)
        waited = time.monotonic() - stopped_at
        out = patient.proc.stdout.read()
        ck.check("SIGTERM: the server stops at once, exit 0, says so", code == 0 and "stopped" in out and waited < 10,
                 f"{code} after {waited:.1f} s: {out!r}")
    finally:
        patient.stop()

    # --rate-limit: past it, 429 with Retry-After, and served again once
    # the client slows down.
    limited = Server(ledger, ["--rate-limit", "5"])
    try:
        c = limited.connection()
        statuses = []
        for _ in range(30):
            c.request("GET", "/api/v1/head")
            r = c.getresponse()
            body = r.read()
            statuses.append(r.status)
            if r.status == 429:
                refused = (r.getheader("Retry-After"), r.getheader("Content-Type"), json.loads(body))
        c.close()
        ck.check("--rate-limit 5: a burst of 10 served, then 429", statuses[:10] == [200] * 10 and 429 in statuses,
                 repr(statuses))
        if 429 in statuses:
            ck.check("429: Retry-After and a problem document", refused[0] == "1"
                     and refused[1] == "application/problem+json" and refused[2]["status"] == 429, repr(refused))
        time.sleep(1.2)
        status, _, _ = limited.request("GET", "/api/v1/head")
        ck.check("--rate-limit: served again a second later", status == 200, f"{status}")
    finally:
        limited.stop()

    # A ledger that is not there: refused before anything listens.
    r = subprocess.run([args.adledger, "--db", str(tmp / "missing.db"), "serve", "--listen", "127.0.0.1:0"],
                       capture_output=True, timeout=TIMEOUT, env=ledger.env)
    ck.check("serve without a ledger: exit 5, one line", r.returncode == 5 and len(r.stderr.splitlines()) == 1,
             f"{r.returncode} {r.stderr!r}")
    r = subprocess.run([args.adledger, "--db", ledger.db, "serve", "--listen", "localhost"],
                       capture_output=True, timeout=TIMEOUT, env=ledger.env)
    ck.check("serve --listen without a port: exit 3, one line", r.returncode == 3 and len(r.stderr.splitlines()) == 1,
             f"{r.returncode} {r.stderr!r}")


def check_pages(ck, server, ledger, args, tmp):
    from check_html import Chromium, find_chromium, check_run, CheckFailed
    try:
        chromium = Chromium(find_chromium(args.chromium), tmp)
    except CheckFailed as e:
        ck.check("Chromium", False, str(e))
        return
    head = json.loads(ledger.run(["head", "--format", "json"]).stdout)
    base = f"http://127.0.0.1:{server.port}"
    pages = [
        ("/ban-status?advertiser=rt&platform=twitter&on=2017-11-01", ["twitter: banned", "twitter-ad-ban-2017-10-26"]),
        ("/ban-status?advertiser=sputnik&platform=twitter&on=2017-01-01", ["twitter: not banned"]),
        ("/", ["<form", "action=\"/ban-status\"", "RT"]),
        ("/advertisers/rt", ["274,100.00", head["head"]]),
        ("/platforms/twitter", [head["head"]]),
        ("/policies", ["twitter-ad-ban-2017-10-26"]),
        ("/search?q=twitter", ["Spend entries"]),
    ]
    for page, wanted in pages:
        url = base + page
        run = chromium.run(url, ["--dump-dom", "--virtual-time-budget=2000"])
        failures, notes, _ = check_run(page, run, "--dump-dom")
        # The page itself is the one request a navigation makes.
        failures = [f for f in failures if "the page requested " + url not in f]
        for f in failures:
            ck.check(f, False)
        for text in wanted:
            ck.check(f"page {page} shows {text!r} in Chromium", text in run.stdout, run.stdout[:300])


if __name__ == "__main__":
    sys.exit(main())
