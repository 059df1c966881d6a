#!/usr/bin/python3
"""Checks adledger's HTML reports in a real browser: Debian 12's headless Chromium.

`adledger report ... --format html` promises one self-contained page: no
script, nothing fetched from anywhere (a Content-Security-Policy of
`default-src 'none'` says so to the browser), inline SVG charts, and every
piece of recorded text escaped. Reading the HTML as a string cannot show
that a browser agrees, so this test does both:

1. It builds two pages with the binary under test: the founding case's RT
   report split by quarter, and a hostile page whose platform, advertiser,
   source and note are HTML and script.
2. Static checks on each page's bytes: the doctype; the CSP meta; no
   <script>, <link>, @import, src= or off-page href= attribute, event
   handler attribute or URL other than the SVG namespace; on the hostile
   page, the payloads appear escaped and never as markup.
3. Chromium checks: `--dump-dom` loads the page and prints the DOM the
   browser built, which is parsed here: the page loaded (<h1>), the bar
   chart has its bars, axis labels and legend, the timeline is there, and
   on the hostile page the payloads are text, not elements. Chromium's
   stderr log (--enable-logging=stderr) is scanned for console messages,
   CSP violations and failed loads, after dropping the lines Chromium prints
   whatever the page (D-Bus, GPU, sandbox: see NOISE); and Chromium's
   NetLog (--log-net-log) must show no request made by the page (Chromium
   156 does not log a failed load to stderr, so the NetLog is what sees a
   load that the CSP did not stop).
4. With --screenshot OUT.png, a screenshot of the report, checked to be a
   PNG of the window's size that is not blank.

A scanner that cannot see errors passes everything, so before trusting the
log and the NetLog the test loads two deliberately broken pages (the
canaries) and fails unless each fault is seen. If a Chromium upgrade changes
its log format, the canaries fail rather than the checks going blind.

Usage (run by ctest with /usr/bin/python3; standard library only):

    check_html.py --adledger BIN --root REPO [--screenshot OUT.png]
    check_html.py --html-only FILE.html [--screenshot OUT.png]

--html-only skips adledger and checks one given page, with structural
expectations only (at least one bar, an amount axis label, a legend, a
timeline). Exit status 0 when every check passes, printing a summary;
1 with one line per failure.
"""

import argparse
import html.parser
import json
import os
import pathlib
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

TODAY = "2026-11-22"
CHROMIUM_TIMEOUT = 120  # seconds, per Chromium run
ADLEDGER_TIMEOUT = 60
SVG_NS = "http://www.w3.org/2000/svg"
WINDOW = (1000, 2400)
MIN_PNG_BYTES = 10 * 1024
# A blank white 1000x2400 screenshot is already about 12 kB, so size alone
# does not show that anything was drawn; its decompressed pixel data holds
# only a handful of distinct byte values, a drawn page's nearly all 256.
MIN_DISTINCT_PIXEL_BYTES = 32

# Flags for a container running as root without network or D-Bus. The Debian
# wrapper /usr/bin/chromium moves the leading `--flags` behind the first
# argument that is not one, which would part `--flag value` from its value:
# every flag with a value is spelt `--flag=value`.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # root in a container: the setuid/user-namespace sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--log-level=0",  # console messages are logged at INFO
    "--v=0",
]

# Lines Chromium 156 prints to stderr whatever the page, in a container with
# no D-Bus, no GPU and no sandbox. Only these are ignored.
NOISE = [
    # The Debian wrapper's /etc/chromium.d/dev-shm runs `[` on findmnt's
    # output, which has two lines when /dev/shm is mounted twice.
    re.compile(r"^\S*chromium: \d+: \[: .*unexpected operator$"),
    # No system or session bus in the container.
    re.compile(r":(ERROR|WARNING):dbus/"),
    re.compile(r":WARNING:device/bluetooth/dbus/"),
    re.compile(r":WARNING:ui/base/idle/idle_linux\.cc:\d+\] None of the known D-Bus ScreenSaver services"),
    # No GPU device; --disable-gpu still starts a GPU process for software drawing.
    re.compile(r":WARNING:media/gpu/vaapi/vaapi_wrapper\.cc:\d+\] drmGetDevices2\(\) has not found any devices"),
    re.compile(r":WARNING:sandbox/policy/linux/sandbox_linux\.cc:\d+\] "
               r"InitializeSandbox\(\) called with multiple threads"),
    # The software compositor's frame clock; seen about once in fifty runs.
    re.compile(r":ERROR:components/viz/service/display/display\.cc:\d+\] Frame latency is negative: -?[\d.]+ ms$"),
    # Seen about once in fifty runs while the browser shuts down.
    re.compile(r":ERROR:mojo/public/cpp/bindings/lib/interface_endpoint_client\.cc:\d+\] "
               r"Message \d+ rejected by interface blink\.mojom\.FrameWidgetHost$"),
]

# What in a log line means the page had a problem. Chromium 156 logs every
# console message, whatever its level, as `INFO:CONSOLE:<line>] "text",
# source: URL (line)`, and says a CSP violation as "... violates the following
# Content Security Policy directive ..." (older versions: "Refused to ...").
CONSOLE = re.compile(r"^\[[^\]]*:CONSOLE[:(]")
CONSOLE_SOURCE = re.compile(r', source: (\S*) \(\d+\)\s*$')
BROWSER_SCHEMES = ("chrome://", "chrome-extension://", "chrome-untrusted://", "devtools://")
PROBLEMS = [
    ("Content-Security-Policy message", re.compile(r"Content Security Policy|Refused to")),
    ("failed load", re.compile(r"net::ERR_|Failed to load resource")),
]
LOG_LEVEL = re.compile(r"^\[[^\]]*:(ERROR|FATAL):")

QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
CATEGORY_LABELS = ("year", "quarter", "month")

# Attributes that make a browser fetch, navigate or run something.
FETCHING_ATTRIBUTES = {"src", "srcset", "action", "formaction", "data", "poster", "background",
                       "ping", "manifest", "codebase", "archive", "longdesc", "lowsrc", "dynsrc"}
LINK_ATTRIBUTES = {"href", "xlink:href"}  # allowed only as a link inside the page: "#id"
# Elements that load, embed or run something, or send the reader elsewhere.
EMBEDDING_ELEMENTS = {"script", "noscript", "iframe", "frame", "object", "embed", "applet", "link", "base",
                      "img", "image", "picture", "audio", "video", "source", "track", "form", "foreignobject"}
HOSTILE = {
    "platform": "<script>alert(1)</script>",
    "advertiser": "<img src=x onerror=alert(2)>",
    "source": "<b>s</b>",
    "note": "<script>alert(3)</script>",
}


class CheckFailed(Exception):
    """A failure that stops the run (a page could not be built or loaded)."""


# --------------------------------------------------------------------------
# A small DOM, from html.parser


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = attrs  # list of (name, value), names lower-case
        self.parent = parent
        self.children = []  # Elements and strings

    def attr(self, name):
        for key, value in self.attrs:
            if key == name:
                return value
        return None

    def classes(self):
        return (self.attr("class") or "").split()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag, cls=None):
        return [e for e in self.iter() if e.tag == tag and (cls is None or cls in e.classes())]

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class TreeBuilder(html.parser.HTMLParser):
    """Builds a tree of Elements. Both adledger's output and Chromium's DOM
    serialisation close every element that is not void, so the tree needs
    no HTML error recovery beyond ignoring a stray end tag."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "param", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", [], None)
        self.stack = [self.root]
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        element = Element(tag, [(k.lower(), v or "") for k, v in attrs], self.stack[-1])
        self.stack[-1].children.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        element = Element(tag, [(k.lower(), v or "") for k, v in attrs], self.stack[-1])
        self.stack[-1].children.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text):
    builder = TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


# --------------------------------------------------------------------------
# Building the pages with adledger


class Page:
    """A page to check, and what its DOM is expected to hold."""

    def __init__(self, label, path, chart=None, hostile=False):
        self.label = label
        self.path = pathlib.Path(path).resolve()
        self.chart = chart  # None, or the expectations for the bar chart
        self.hostile = hostile

    @property
    def url(self):
        return self.path.as_uri()


def run_adledger(binary, db, args, env):
    command = [binary, "--db", str(db)] + args
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=ADLEDGER_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"adledger {' '.join(args)}: no answer in {ADLEDGER_TIMEOUT} s")
    except OSError as e:
        raise CheckFailed(f"cannot run adledger {binary}: {e}")
    if done.returncode != 0:
        message = (done.stderr.strip() or done.stdout.strip()).replace("\n", " | ")
        raise CheckFailed(f"adledger {' '.join(args)}: exit status {done.returncode}: {message}")
    return done.stdout


def build_pages(binary, root, tmp):
    env = dict(os.environ, ADLEDGER_TODAY=TODAY, TZ="UTC")
    env.pop("ADLEDGER_DB", None)

    db = tmp / "l.db"
    run_adledger(binary, db, ["init"], env)
    run_adledger(binary, db, ["import", str(root / "fixtures" / "founding-case.json")], env)
    rt = tmp / "rt.html"
    rt.write_text(run_adledger(binary, db, ["report", "advertiser", "rt", "--by", "quarter", "--format", "html"], env),
                  encoding="utf-8")

    db = tmp / "h.db"
    run_adledger(binary, db, ["init"], env)
    run_adledger(binary, db, ["platform", "add", "evil", "--name", HOSTILE["platform"]], env)
    run_adledger(binary, db, ["advertiser", "add", "x", "--name", HOSTILE["advertiser"]], env)
    run_adledger(binary, db, ["spend", "record", "--advertiser", "x", "--platform", "evil", "--amount", "10.00",
                              "--currency", "USD", "--period", "2016", "--market", "US",
                              "--source", HOSTILE["source"], "--note", HOSTILE["note"]], env)
    hostile = tmp / "hostile.html"
    hostile.write_text(run_adledger(binary, db, ["report", "advertiser", "x", "--format", "html"], env),
                       encoding="utf-8")

    return [
        Page("rt.html", rt, chart={"bars": 4, "quarters": 4, "currency": "USD", "category": "quarter",
                                   "legend": "twitter", "pro_rata": 4}),
        Page("hostile.html", hostile, hostile=True),
    ]


# --------------------------------------------------------------------------
# Static checks on the page's bytes


def csp_problems(content):
    """What is wrong with a Content-Security-Policy for a page that must
    fetch nothing: default-src 'none', and no directive allowing anything
    but inline style."""
    directives = {}
    for part in content.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    problems = []
    if directives.get("default-src") != ["'none'"]:
        problems.append(f"default-src is {' '.join(directives.get('default-src', [])) or 'missing'}, not 'none'")
    for name, sources in directives.items():
        if name in ("sandbox", "upgrade-insecure-requests", "block-all-mixed-content"):
            continue  # these only take away
        allowed = ["'none'", "'unsafe-inline'"] if name.startswith("style-src") else ["'none'"]
        extra = [s for s in sources if s not in allowed]
        if extra:
            problems.append(f"{name} has {' '.join(extra)}; expected only {' or '.join(allowed)}")
    return problems


def static_checks(page, text):
    failures = []

    def fail(message):
        failures.append(f"{page.label}: {message}")

    if not text.startswith("<!DOCTYPE html>") and not text.lower().startswith("<!doctype html>"):
        fail(f"does not start with <!DOCTYPE html> but with {text[:30]!r}")
    lower = text.lower()
    if "<script" in lower:
        fail("has a <script")
    if "<link" in lower:
        fail("has a <link")
    if "@import" in lower:
        fail("has an @import")
    # A URL in the text (a source may be one) fetches nothing; what could
    # fetch is an attribute or a style, checked below on the parsed page.

    dom = parse_html(text)
    csps = [m for m in dom.find_all("meta")
            if (m.attr("http-equiv") or "").lower() == "content-security-policy"]
    if not csps:
        fail("has no <meta http-equiv=\"Content-Security-Policy\">")
    for meta in csps:
        if not any(a.tag == "head" for a in meta.ancestors()):
            fail("its Content-Security-Policy meta is not in <head>")
        for problem in csp_problems(meta.attr("content") or ""):
            fail(f"Content-Security-Policy: {problem}")
    for element in dom.iter():
        for name, value in element.attrs:
            if name in FETCHING_ATTRIBUTES:
                fail(f"<{element.tag}> has {name}={value!r}")
            elif name in LINK_ATTRIBUTES and not value.startswith("#"):
                fail(f"<{element.tag}> has {name}={value!r} (only links inside the page, #id, are allowed)")
            elif name.startswith("on"):
                fail(f"<{element.tag}> has an event handler {name}={value!r}")
            elif name == "style" and "url(" in value.lower():
                fail(f"<{element.tag}> has a style attribute with url(): {value!r}")
        if element.tag in EMBEDDING_ELEMENTS:
            fail(f"has a <{element.tag}> element")
    for style in dom.find_all("style"):
        if "url(" in style.text().lower():
            fail("its <style> has a url()")

    if page.hostile:
        for field, payload in HOSTILE.items():
            if payload.lower() in lower:
                fail(f"the {field} {payload!r} appears unescaped")
        if "<img src=x" in lower:
            fail("'<img src=x' appears unescaped")
        for expected in ("&lt;script&gt;", "&lt;img src=x"):
            if expected not in text:
                fail(f"{expected!r} does not appear: the escaped payload is missing")
    return failures


# --------------------------------------------------------------------------
# Chromium


def find_chromium(given):
    path = given or shutil.which("chromium") or "/usr/bin/chromium"
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise CheckFailed(f"Chromium is not installed ({path} not found; Debian package chromium): "
                          "run `bash .ci/install-deps`")
    return path


class ChromiumRun:
    def __init__(self, returncode, stdout, stderr, netlog, seconds):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.netlog = netlog
        self.seconds = seconds


class Chromium:
    def __init__(self, path, tmp):
        self.path = path
        self.tmp = tmp
        self.runs = 0
        # Chromium's crash handler writes to $HOME/.config/chromium whatever
        # --user-data-dir says: keep it in the temporary directory.
        home = tmp / "home"
        home.mkdir(exist_ok=True)
        self.env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                        XDG_CACHE_HOME=str(home / ".cache"), TZ="UTC", LANG="C.UTF-8")

    def run(self, url, extra):
        self.runs += 1
        profile = self.tmp / f"profile-{self.runs}"
        netlog = self.tmp / f"netlog-{self.runs}.json"
        command = [self.path] + CHROMIUM_FLAGS + [f"--user-data-dir={profile}", f"--log-net-log={netlog}"] \
            + extra + [url]
        start = time.monotonic()
        # A session of its own, so that a run that hangs is ended with all of
        # its processes (zygote, renderer, GPU, crash handler) and no others.
        proc = subprocess.Popen(command, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=CHROMIUM_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise CheckFailed(f"chromium {' '.join(extra)} {url}: no answer in {CHROMIUM_TIMEOUT} s")
        return ChromiumRun(proc.returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"),
                           netlog, time.monotonic() - start)


def scan_log(stderr):
    """Splits Chromium's stderr into (problems, unknown): the lines that say
    the page had a console message, a CSP violation or a failed load, and
    the ERROR lines that are neither that nor known noise (reported, not
    failed: they come and go with Chromium's internals)."""
    problems, unknown = [], []
    for line in stderr.splitlines():
        kind = next((k for k, p in PROBLEMS if p.search(line)), None)
        if CONSOLE.search(line):  # before NOISE: a message's text is the page's to choose
            source = CONSOLE_SOURCE.search(line)
            if not (source and source.group(1).startswith(BROWSER_SCHEMES)):
                problems.append((kind or "console message", line))
        elif not line.strip() or any(p.search(line) for p in NOISE):
            continue
        elif kind:
            problems.append((kind, line))
        elif LOG_LEVEL.search(line):
            unknown.append(line)
    return problems, unknown


def log_message(line, limit=400):
    """A log line without its [pid:tid:time:level:file] prefix, cut short."""
    message = re.sub(r"^\[[^\]]*\]\s*", "", line.strip())
    return message if len(message) <= limit else message[:limit] + "..."


def read_netlog(path):
    """The URL requests in a NetLog, as (url, initiator). Chromium's own
    requests (the update and time services it calls even with
    --disable-background-networking) have the initiator "not an origin";
    a page's requests have its origin, "null" for a file:// page."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CheckFailed(f"Chromium wrote no NetLog: {e}")
    try:
        log = json.loads(text)
    except json.JSONDecodeError:
        try:  # a log cut short lacks its closing brackets
            log = json.loads(text.rstrip().rstrip(",") + "]}")
        except json.JSONDecodeError as e:
            raise CheckFailed(f"cannot read Chromium's NetLog {path}: {e}")
    try:
        start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        events = log.get("events", [])
    except (KeyError, TypeError):
        raise CheckFailed(f"Chromium's NetLog {path} has no URL_REQUEST_START_JOB event type")
    requests = []
    for event in events:
        params = event.get("params") or {}
        if event.get("type") == start_job and "url" in params:
            requests.append((params["url"], params.get("initiator", "")))
    return requests


def page_requests(requests):
    return [(url, who) for url, who in requests if who != "not an origin"]


def check_run(label, run, what):
    """Failures common to every Chromium run: exit status, log, NetLog."""
    failures = []
    if run.returncode != 0:
        tail = " | ".join(run.stderr.strip().splitlines()[-3:])
        failures.append(f"{label}: chromium {what} exited with status {run.returncode}: {tail}")
    problems, unknown = scan_log(run.stderr)
    for kind, line in problems:
        failures.append(f"{label}: {kind} in Chromium's log: {log_message(line)}")
    try:
        requests = read_netlog(run.netlog)
    except CheckFailed as e:
        failures.append(f"{label}: {e}")
        requests = []
    for url, who in page_requests(requests):
        failures.append(f"{label}: the page requested {url} (initiator {who}, seen in the NetLog)")
    notes = [f"{label}: unrecognised Chromium log line (ignored): {log_message(line)}" for line in unknown]
    return failures, notes, len(requests) - len(page_requests(requests))


# --------------------------------------------------------------------------
# Checks on the DOM Chromium built


def overlapping_marks(timeline):
    """Two marks of a timeline (dots and bars) whose boxes intersect, as a
    text naming them, or None."""
    boxes = []
    for c in timeline.find_all("circle", "event"):
        x, y, r = (float(c.attr(a)) for a in ("cx", "cy", "r"))
        boxes.append((x - r, y - r, x + r, y + r, f"dot at {x:.0f},{y:.0f}"))
    for b in timeline.find_all("rect", "ban"):
        x, y, w, h = (float(b.attr(a)) for a in ("x", "y", "width", "height"))
        boxes.append((x, y, x + w, y + h, f"bar at {x:.0f},{y:.0f}"))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                return f"{a[4]} and {b[4]}"
    return None


def dom_checks(page, dom_text):
    failures, facts = [], []

    def fail(message):
        failures.append(f"{page.label}: {message}")

    dom = parse_html(dom_text)
    if not dom.find_all("body") or not dom.text().strip():
        fail(f"Chromium printed no page: it did not load ({len(dom_text)} bytes of DOM)")
        return failures, facts
    if not any(h.text().strip() for h in dom.find_all("h1")):
        fail("Chromium's DOM has no <h1> with text")

    if page.chart is not None:
        expect = page.chart
        charts = dom.find_all("svg", "chart")
        bars = [b for c in charts for b in c.find_all("rect", "bar")]
        texts = [t.text().strip() for c in charts for t in c.find_all("text")]
        legends = [g.text().strip() for c in charts for g in c.find_all("g", "legend")]
        timelines = dom.find_all("svg", "timeline")
        if not charts:
            fail("has no <svg class=\"chart\">")
        if len(bars) < expect["bars"]:
            fail(f"its charts have {len(bars)} <rect class=\"bar\">, expected at least {expect['bars']}")
        quarters = sorted({t for t in texts if QUARTER.match(t)})
        if len(quarters) < expect["quarters"]:
            fail(f"its charts label {len(quarters)} quarters ({', '.join(quarters) or 'none'}), "
                 f"expected {expect['quarters']}")
        currency = re.escape(expect["currency"]) if expect["currency"] else "[A-Z]{3}"
        amount = re.compile(r"amount \(" + currency + r"\)")
        if not any(amount.search(t) for t in texts):
            fail(f"its charts have no axis label \"amount ({expect['currency'] or 'currency code'})\"")
        categories = (expect["category"],) if expect["category"] else CATEGORY_LABELS
        if not any(t in categories for t in texts):
            fail(f"its charts have no category axis label ({' or '.join(categories)})")
        if not legends or not any(legends):
            fail("its charts have no <g class=\"legend\"> with text")
        elif expect["legend"] and not any(expect["legend"].lower() in g.lower() for g in legends):
            fail(f"its chart legend ({', '.join(legends)}) does not name {expect['legend']}")
        # Bars that hold a share of a longer period's figure are hatched
        # (a pattern of their colour), and the legend says what hatching means.
        split = [b for b in bars if "pro-rata" in b.classes()]
        if "pro_rata" in expect:
            if len(split) != expect["pro_rata"]:
                fail(f"its charts have {len(split)} hatched (pro rata) bars, expected {expect['pro_rata']}")
            elif split and not all((b.attr("fill") or "").startswith("url(#") for b in split):
                fail("a pro rata bar is not filled with a hatching pattern")
            elif split and not any("pro rata" in g.lower() for g in legends):
                fail(f"its chart legend ({', '.join(legends)}) does not say what hatching means")
        if not timelines:
            fail("has no <svg class=\"timeline\">")
        for timeline in timelines:
            overlap = overlapping_marks(timeline)
            if overlap:
                fail(f"its timeline draws two marks over each other: {overlap}")
        facts.append(f"{len(charts)} chart(s), {len(bars)} bars, quarters {', '.join(quarters) or 'none'}, "
                     f"legend {', '.join(legends) or 'none'}, {len(timelines)} timeline(s)")

    if page.hostile:
        # Recorded markup must reach the reader as the characters recorded.
        # The platform's name is only checked when the report shows it.
        body_text = dom.text()
        shown = [field for field, payload in HOSTILE.items() if payload in body_text]
        for field in ("advertiser", "source", "note"):
            if field not in shown:
                fail(f"the {field} {HOSTILE[field]!r} is not shown as text in Chromium's DOM")
        for element in dom.iter():
            if element.tag in ("script", "img") or (element.tag == "b" and element.text() == "s"):
                fail(f"Chromium's DOM has a <{element.tag}> element: recorded text became markup")
            for name, _ in element.attrs:
                if name.startswith("on"):
                    fail(f"Chromium's DOM has an event handler {name} on <{element.tag}>")
        facts.append(f"payloads shown as text ({', '.join(shown) or 'none'}), none became an element")
    return failures, facts


# --------------------------------------------------------------------------
# Screenshot


def png_checks(label, path):
    """Failures for a screenshot: missing, small, not a PNG, of the wrong
    size or blank. Returns (failures, description)."""
    if not path.exists():
        return [f"{label}: Chromium wrote no screenshot {path}"], ""
    data = path.read_bytes()
    failures = []
    if len(data) <= MIN_PNG_BYTES:
        failures.append(f"{label}: screenshot {path} is {len(data)} bytes, expected more than {MIN_PNG_BYTES}")
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return failures + [f"{label}: screenshot {path} is not a PNG"], ""
    width, height = struct.unpack(">II", data[16:24])
    if (width, height) != WINDOW:
        failures.append(f"{label}: screenshot is {width}x{height}, expected {WINDOW[0]}x{WINDOW[1]}")
    idat, pos = bytearray(), 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        if data[pos + 4:pos + 8] == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    try:
        distinct = len(set(zlib.decompress(bytes(idat))))
    except zlib.error as e:
        return failures + [f"{label}: screenshot's image data is corrupt: {e}"], ""
    if distinct < MIN_DISTINCT_PIXEL_BYTES:
        failures.append(f"{label}: screenshot looks blank ({distinct} distinct byte values in its pixel data)")
    return failures, f"{width}x{height}, {len(data)} bytes, {distinct} distinct pixel byte values"


# --------------------------------------------------------------------------
# Canaries: the error detection must see known faults


CANARY_CSP = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>canary</title></head><body><h1>canary</h1>
<img src="https://example.invalid/canary.png" alt="">
<script>console.error('adledger-canary-csp')</script>
</body></html>
"""

CANARY_OPEN = """<!DOCTYPE html>
<html><head><title>canary</title></head><body><h1>canary</h1>
<img src="https://example.invalid/canary.png" alt="">
<script>console.error('adledger-canary-console')</script>
</body></html>
"""


def canaries(chromium, tmp):
    """Loads two broken pages and fails unless the log scan and the NetLog
    see what is wrong with them: a CSP-blocked image and inline script, and
    (without a CSP) a console.error() and a request to the network."""
    failures, evidence = [], []
    for name, text, expected in (
        ("canary-csp.html", CANARY_CSP, {"Content-Security-Policy message"}),
        ("canary-open.html", CANARY_OPEN, {"console message", "request"}),
    ):
        path = tmp / name
        path.write_text(text, encoding="utf-8")
        run = chromium.run(path.as_uri(), ["--dump-dom"])
        problems, _ = scan_log(run.stderr)
        seen = {kind for kind, _ in problems}
        requests = page_requests(read_netlog(run.netlog))
        if requests:
            seen.add("request")
        missing = expected - seen
        if missing:
            failures.append(f"{name}: the error detection is blind: on a page made to fail it saw no "
                            f"{' and no '.join(sorted(missing))} (has Chromium's log format changed?)")
        evidence.append(f"{name}: {len(problems)} log problem(s), {len(requests)} page request(s)")
    return failures, evidence


# --------------------------------------------------------------------------


def check_page(chromium, page, screenshot):
    failures, notes, facts = [], [], []
    try:
        text = page.path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"{page.label}: is not UTF-8: {e}"], notes, facts
    failures += static_checks(page, text)
    facts.append(f"{len(text)} bytes")

    run = chromium.run(page.url, ["--dump-dom"])
    f, n, own = check_run(page.label, run, "--dump-dom")
    failures += f
    notes += n
    f, dom_facts = dom_checks(page, run.stdout)
    failures += f
    facts += dom_facts
    facts.append(f"Chromium {run.seconds:.1f} s, log clean of page errors, 0 page requests "
                 f"({own} of Chromium's own ignored)")

    if screenshot:
        screenshot.unlink(missing_ok=True)
        size = f"--window-size={WINDOW[0]},{WINDOW[1]}"
        run = chromium.run(page.url, [f"--screenshot={screenshot}", size])
        f, n, _ = check_run(page.label, run, "--screenshot")
        failures += f
        notes += n
        f, described = png_checks(page.label, screenshot)
        failures += f
        facts.append(f"screenshot {screenshot}: {described}")
    return failures, notes, facts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--adledger", help="the adledger binary under test")
    parser.add_argument("--root", help="the repository root (for fixtures/)")
    parser.add_argument("--screenshot", type=pathlib.Path,
                        help="also write a screenshot of the report here and check it")
    parser.add_argument("--html-only", type=pathlib.Path, metavar="FILE",
                        help="check this page only, without running adledger")
    parser.add_argument("--chromium", help="the Chromium to use (default: chromium on PATH, else /usr/bin/chromium)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and say where it is")
    args = parser.parse_args()
    if not args.html_only and not (args.adledger and args.root):
        parser.error("give --adledger and --root, or --html-only FILE")
    if args.html_only and not args.html_only.is_file():
        parser.error(f"--html-only: no such file {args.html_only}")
    screenshot = args.screenshot.resolve() if args.screenshot else None

    start = time.monotonic()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="adledger-html-"))
    failures, notes, summary = [], [], []
    try:
        chromium = Chromium(find_chromium(args.chromium), tmp)
        if args.html_only:
            pages = [Page(args.html_only.name, args.html_only,
                          chart={"bars": 1, "quarters": 0, "currency": None, "category": None, "legend": None})]
        else:
            pages = build_pages(os.path.abspath(args.adledger), pathlib.Path(args.root).resolve(), tmp)
        f, evidence = canaries(chromium, tmp)
        failures += f
        summary.append("error detection canaries: " + "; ".join(evidence))
        for i, page in enumerate(pages):
            f, n, facts = check_page(chromium, page, screenshot if i == 0 else None)
            failures += f
            notes += n
            summary.append(f"{page.label}: " + "; ".join(facts))
    except CheckFailed as e:
        failures.append(str(e))
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    for note in dict.fromkeys(notes):
        print(f"note: {note}")
    if failures:
        for failure in dict.fromkeys(failures):  # the same fault found twice is said once
            print(f"FAIL {failure}")
        return 1
    print(f"HTML checks passed in {time.monotonic() - start:.1f} s ({chromium.runs} Chromium runs):")
    print("  static: doctype, CSP default-src 'none', no script/link/@import/src/off-page href/event handler/URL"
          + ("" if args.html_only else "; hostile text escaped"))
    for line in summary:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
