#!/usr/bin/python3
"""Projects adledger's figures on a Citus cluster from single-node figures.

    /usr/bin/python3 tools/scale_out_sim.py [FLAGS]        prints the table
    /usr/bin/python3 tools/scale_out_sim.py --self-test    checks the model

A model, not a measurement: it turns figures measured on one PostgreSQL
server into projections for a Citus cluster of 1, 2, 4, 8, 16 and 32 worker
nodes, under the distribution that docs/scale-out.md describes (every table
that names an advertiser is distributed by the advertiser, one record log per
shard). Python 3's standard library only.

Workers = 1 is the single PostgreSQL server the figures were measured on: no
coordinator, no two-phase commit, every figure exactly as given. From 2
workers on there is a coordinator in front of the workers, and:

Import throughput (entries/s, every shard importing at once: the input split
by shard, one import per part, each in its own transaction)
    The ledger has --shards shards; a shard's record log takes one writer
    at a time, so a shard is the unit of parallelism and workers beyond the
    number of shards add nothing. The busiest worker holds ceil(S/w) of the
    S shards, and --skew more rows than an even split would give it:

        share(w)   = min(1, ceil(S/w) / S * (1 + skew))
        speedup(w) = 1 / (serial + (1 - serial) * share(w))          (Amdahl)

    `serial` (--serial-fraction) is the part of the single-node work per
    entry that stays on one node whatever the number of workers: parsing,
    checking and routing on the coordinator. A fraction --cross-shard-fraction
    of the write transactions (each of --txn-entries entries) touch more than
    one node (a new platform, handle or policy action: reference tables are
    written on every node) and pay --two-pc-ms for the two-phase commit while
    they hold their shards' locks:

        rate(w) = R * speedup / (1 + x * t2pc * R * speedup / n)

    with R the single-node rate, x the cross-shard fraction, t2pc in seconds
    and n the entries per transaction.

One advertiser's report (ms)
    Every statement goes to the advertiser's shard, or to the reference
    tables' copy on one node: the latency does not depend on the number of
    workers. Each of its --report-statements statements pays the
    coordinator's routing (--coordinator-overhead-ms: planning, one more
    network round trip):

        report(w) = report_ms + statements * overhead

Ban status (ms): one statement on the advertiser's shard:

        ban(w) = ban_ms + overhead

A platform-wide report (ms): runs on every shard; the busiest worker's scan
decides when the last part arrives, and the coordinator merges w sorted
streams (a cost growing with log2 w):

        platform(w) = overhead + P * (f * share(w) + (1 - f)) + merge_ms * log2(w)

    with P the single-node figure and f (--platform-scan-fraction) the part
    of it that is the scan of the shards' rows; the rest (formatting, the
    rows' trip to the client) is not divided.

A small write (ms), such as `spend record`: on one shard it pays the routing;
across shards (a ban naming advertisers on several shards, any write of a
reference table) it pays the two-phase commit too:

        write_1(w) = write_ms + overhead
        write_x(w) = write_ms + overhead + t2pc

The defaults of the single-node figures are placeholders of the order of the
SQLite ledger's (docs/performance.md); replace them with the PostgreSQL
backend's measured figures. The cluster figures (overhead, two-phase commit,
serial fraction, skew) are assumptions: the table says which values were
given and which are defaults.

--self-test checks the model's invariants over a grid of parameters (and
over the flags given) and exits 0, or prints what failed and exits 1.
"""

import argparse
import itertools
import math
import sys

WORKERS = (1, 2, 4, 8, 16, 32)

# name: (default, unit, what it is, group)
PARAMETERS = {
    "import_rate": (50000.0, "entries/s", "single-node import rate", "single node"),
    "report_ms": (20.0, "ms", "single-node `report advertiser` of one advertiser", "single node"),
    "ban_status_ms": (2.0, "ms", "single-node `ban-status` of one advertiser on one platform", "single node"),
    "platform_report_ms": (400.0, "ms", "single-node `report platform` of one platform", "single node"),
    "write_ms": (5.0, "ms", "single-node small write (`spend record`)", "single node"),
    "coordinator_overhead_ms": (0.5, "ms", "coordinator's routing per statement", "cluster"),
    "report_statements": (6, "", "statements of one advertiser's report", "cluster"),
    "serial_fraction": (0.05, "", "part of the import's work per entry that stays serial", "cluster"),
    "skew": (0.10, "", "busiest worker's rows above an even split", "cluster"),
    "shards": (32, "", "Citus shards (one record log each)", "cluster"),
    "cross_shard_fraction": (0.05, "", "write transactions that touch more than one node", "cluster"),
    "two_pc_ms": (4.0, "ms", "extra time of a two-phase commit", "cluster"),
    "txn_entries": (10000, "", "entries per import transaction", "cluster"),
    "merge_ms": (1.0, "ms", "coordinator's merge per doubling of workers", "cluster"),
    "platform_scan_fraction": (0.8, "", "part of a platform report that is the shards' scan", "cluster"),
}


class Model:
    """The projections for one set of parameters (attributes named as PARAMETERS)."""

    def __init__(self, **params):
        for name, (default, _, _, _) in PARAMETERS.items():
            setattr(self, name, params.get(name, default))

    # The busiest worker's share of the rows (1 on a single node).
    def share(self, w):
        if w == 1:
            return 1.0
        return min(1.0, math.ceil(self.shards / w) / self.shards * (1.0 + self.skew))

    def speedup(self, w):
        if w == 1:
            return 1.0
        s = self.serial_fraction
        return 1.0 / (s + (1.0 - s) * self.share(w))

    def import_rate_at(self, w):
        if w == 1:
            return float(self.import_rate)
        sp = self.speedup(w)
        penalty = self.cross_shard_fraction * (self.two_pc_ms / 1000.0) * self.import_rate * sp / self.txn_entries
        return self.import_rate * sp / (1.0 + penalty)

    def overhead(self, w):
        return 0.0 if w == 1 else float(self.coordinator_overhead_ms)

    def report_at(self, w):
        return self.report_ms + self.report_statements * self.overhead(w)

    def ban_status_at(self, w):
        return self.ban_status_ms + self.overhead(w)

    def platform_report_at(self, w):
        if w == 1:
            return float(self.platform_report_ms)
        f = self.platform_scan_fraction
        return (self.overhead(w) + self.platform_report_ms * (f * self.share(w) + (1.0 - f)) +
                self.merge_ms * math.log2(w))

    def write_one_shard_at(self, w):
        return self.write_ms + self.overhead(w)

    def write_cross_shard_at(self, w):
        return self.write_ms + (0.0 if w == 1 else self.overhead(w) + self.two_pc_ms)

    def rows(self, workers=WORKERS):
        out = []
        for w in workers:
            out.append({
                "workers": w,
                "busiest": 1 if w == 1 else min(self.shards, math.ceil(self.shards / w)),
                "import": self.import_rate_at(w),
                "speedup": self.import_rate_at(w) / self.import_rate,
                "report": self.report_at(w),
                "ban": self.ban_status_at(w),
                "platform": self.platform_report_at(w),
                "write1": self.write_one_shard_at(w),
                "writex": self.write_cross_shard_at(w),
            })
        return out


def format_table(model):
    header = ("workers", "shards on busiest", "import entries/s", "x single node", "advertiser report ms",
              "ban-status ms", "platform report ms", "write 1 shard ms", "write cross-shard ms")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    for r in model.rows():
        cells = (str(r["workers"]), "all" if r["workers"] == 1 else str(r["busiest"]), f"{r['import']:,.0f}",
                 f"{r['speedup']:.2f}", f"{r['report']:.1f}", f"{r['ban']:.1f}", f"{r['platform']:.1f}",
                 f"{r['write1']:.1f}", f"{r['writex']:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_inputs(model, given):
    lines = []
    for group in ("single node", "cluster"):
        lines.append(f"{group} figures:")
        for name, (default, unit, what, g) in PARAMETERS.items():
            if g != group:
                continue
            value = getattr(model, name)
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            flag = "--" + name.replace("_", "-")
            source = "given" if name in given else "default"
            lines.append(f"  {flag} {shown}{(' ' + unit) if unit else ''}  ({source}: {what})")
    return "\n".join(lines)


# --- self-test -----------------------------------------------------------

def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def invariant_failures(model, label):
    """What this parameter set breaks of the model's invariants (empty: none)."""
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(f"{label}: {what}")

    rows = model.rows()
    one = rows[0]
    # A single worker is the single node as measured.
    check(one["import"] == model.import_rate, "1 worker's import rate is not the input figure")
    check(one["report"] == model.report_ms, "1 worker's report is not the input figure")
    check(one["ban"] == model.ban_status_ms, "1 worker's ban status is not the input figure")
    check(one["platform"] == model.platform_report_ms, "1 worker's platform report is not the input figure")
    check(one["write1"] == model.write_ms and one["writex"] == model.write_ms,
          "1 worker's writes are not the input figure")
    for r in rows:
        w = r["workers"]
        # Never beyond linear, never beyond Amdahl's ceiling.
        check(r["import"] <= w * model.import_rate * (1 + 1e-12), f"{w} workers: import beyond linear")
        if model.serial_fraction > 0:
            check(r["import"] <= model.import_rate / model.serial_fraction * (1 + 1e-12),
                  f"{w} workers: import beyond the serial fraction's ceiling")
        check(r["import"] > 0, f"{w} workers: import rate not positive")
        # One advertiser stays on one shard: its report and ban check do not
        # depend on the number of workers (from 2 on), and cost at least the
        # single node's figure.
        if w > 1:
            check(close(r["report"], rows[1]["report"]), f"{w} workers: one advertiser's report depends on workers")
            check(close(r["ban"], rows[1]["ban"]), f"{w} workers: ban status depends on workers")
        check(r["report"] >= model.report_ms, f"{w} workers: report faster than on one node")
        check(r["ban"] >= model.ban_status_ms, f"{w} workers: ban status faster than on one node")
        # A cross-shard write never costs less than a single-shard one.
        check(r["writex"] >= r["write1"], f"{w} workers: cross-shard write cheaper than single-shard")
        # The platform report never goes below its undivided part.
        floor = model.platform_report_ms * (1 - model.platform_scan_fraction)
        check(r["platform"] >= floor - 1e-9, f"{w} workers: platform report below its undivided part")
    # Throughput never decreases as workers are added to a cluster (from 2
    # workers on; 1 -> 2 adds the coordinator and may cost, see below).
    for a, b in zip(rows[1:], rows[2:]):
        check(b["import"] >= a["import"] * (1 - 1e-12),
              f"import falls from {a['workers']} to {b['workers']} workers")
        check(b["speedup"] >= a["speedup"] * (1 - 1e-12), f"speedup falls from {a['workers']} to {b['workers']}")
    # Workers beyond the shards add nothing: a shard's log takes one writer.
    big = [r for r in rows if r["workers"] >= max(2, model.shards)]
    for a, b in zip(big, big[1:]):
        check(close(a["import"], b["import"]), f"import grows beyond {model.shards} shards")
    return failures


def self_test(extra_models):
    failures = []
    checked = 0
    grid = itertools.product((0.0, 0.05, 0.3, 1.0),        # serial fraction
                             (0.0, 0.1, 0.5),               # skew
                             (1, 8, 32, 64),                # shards
                             (0.0, 0.05, 1.0),              # cross-shard fraction
                             (0.0, 4.0, 50.0),              # 2PC ms
                             (1, 10000))                    # entries per transaction
    for serial, skew, shards, cross, twopc, txn in grid:
        m = Model(serial_fraction=serial, skew=skew, shards=shards, cross_shard_fraction=cross, two_pc_ms=twopc,
                  txn_entries=txn)
        failures += invariant_failures(m, f"serial={serial} skew={skew} shards={shards} cross={cross} "
                                          f"2pc={twopc} txn={txn}")
        checked += 1
    for label, m in extra_models:
        failures += invariant_failures(m, label)
        checked += 1

    def expect(ok, what):
        if not ok:
            failures.append(what)

    # Exact cases.
    ideal = Model(serial_fraction=0.0, skew=0.0, shards=32, cross_shard_fraction=0.0)
    for w in WORKERS:
        expect(close(ideal.import_rate_at(w), w * ideal.import_rate),
               f"ideal model: {w} workers do not reach linear ({ideal.import_rate_at(w)})")
    serial = Model(serial_fraction=1.0, cross_shard_fraction=0.0)
    for w in WORKERS:
        expect(close(serial.import_rate_at(w), serial.import_rate), f"all-serial model: {w} workers change the rate")
    amdahl = Model(serial_fraction=0.1, skew=0.0, shards=32, cross_shard_fraction=0.0)
    expect(close(amdahl.import_rate_at(32), amdahl.import_rate / (0.1 + 0.9 / 32)), "Amdahl's law at 32 workers")
    uneven = Model(shards=32, skew=0.0)
    expect(close(uneven.share(3), 11 / 32), "32 shards on 3 workers: the busiest does not hold 11")
    few = Model(shards=4, skew=0.0, serial_fraction=0.0, cross_shard_fraction=0.0)
    expect(close(few.import_rate_at(32), 4 * few.import_rate), "4 shards: 32 workers go beyond 4 times")
    costly = Model(cross_shard_fraction=1.0, two_pc_ms=50.0, txn_entries=1, serial_fraction=0.0)
    expect(costly.import_rate_at(2) < costly.import_rate,
           "a two-phase commit per entry does not make 2 workers slower than one node")
    d = Model()
    expect(d.import_rate_at(2) >= d.import_rate, "defaults: 2 workers import slower than one node")
    expect(close(d.report_at(32) - d.report_ms, d.report_statements * d.coordinator_overhead_ms),
           "defaults: report's extra cost is not its statements' routing")
    expect(d.platform_report_at(32) < d.platform_report_ms, "defaults: the platform report does not gain from 32 workers")
    expect(close(d.write_cross_shard_at(8) - d.write_one_shard_at(8), d.two_pc_ms),
           "defaults: a cross-shard write does not pay exactly the two-phase commit")
    table = format_table(d)
    expect(len(table.splitlines()) == 2 + len(WORKERS), "the table does not have a row per worker count")
    expect("| 1 | all | 50,000 | 1.00 | 20.0 | 2.0 | 400.0 | 5.0 | 5.0 |" in table,
           "the table's single-node row is not the input figures")

    for f in failures[:20]:
        print(f"FAILED {f}")
    if len(failures) > 20:
        print(f"... and {len(failures) - 20} more")
    print(f"self-test: {checked} parameter sets and {len(WORKERS)} worker counts each, "
          f"{len(failures)} failure{'s' if len(failures) != 1 else ''}")
    return 1 if failures else 0


# --- command line --------------------------------------------------------

def positive(kind):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number")
        if not v > 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return v
    return parse


def non_negative(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    if not (v >= 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return v


def fraction(text):
    v = non_negative(text)
    if v > 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 1")
    return v


def count(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    if v < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return v


PARSERS = {
    "import_rate": positive(float), "report_ms": non_negative, "ban_status_ms": non_negative,
    "platform_report_ms": non_negative, "write_ms": non_negative, "coordinator_overhead_ms": non_negative,
    "report_statements": count, "serial_fraction": fraction, "skew": non_negative, "shards": positive(int),
    "cross_shard_fraction": fraction, "two_pc_ms": non_negative, "txn_entries": positive(int),
    "merge_ms": non_negative, "platform_scan_fraction": fraction,
}


def main(argv):
    parser = argparse.ArgumentParser(
        description="Projects adledger's import throughput and report latencies on a Citus cluster of 1 to 32 "
                    "workers from single-node figures (a model; see the module's documentation).")
    for name, (default, unit, what, _) in PARAMETERS.items():
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=PARSERS[name], default=None,
                            metavar=unit.upper().replace("/", "_").replace(" ", "_") or "N",
                            help=f"{what} (default {default:g}{(' ' + unit) if unit else ''})")
    parser.add_argument("--self-test", action="store_true", help="check the model's invariants and exit")
    args = parser.parse_args(argv)
    given = {name for name in PARAMETERS if getattr(args, name) is not None}
    model = Model(**{name: getattr(args, name) for name in given})
    if args.self_test:
        extra = [("the flags given", model)] if given else []
        return self_test(extra)
    print("adledger on Citus: projections from single-node figures (a model, not a measurement)")
    print()
    print(format_inputs(model, given))
    print()
    print(format_table(model))
    best = max(model.rows(), key=lambda r: r["import"])
    print()
    print(f"Import: at most {best['import']:,.0f} entries/s ({best['speedup']:.2f} x) at {best['workers']} workers; "
          f"the serial fraction alone caps it at "
          + ("no limit" if model.serial_fraction == 0 else f"{model.import_rate / model.serial_fraction:,.0f} entries/s")
          + f", the {model.shards} shards at {model.shards} x.")
    if model.import_rate_at(2) < model.import_rate:
        print("Note: with these figures 2 workers import slower than the single node (the coordinator and the "
              "two-phase commits cost more than the second worker gives).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
