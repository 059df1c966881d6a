#!/usr/bin/env python3
"""Synthetic adledger ledger for the benchmarks, as JSON Lines.

Seeded and deterministic: the same --entries and --seed write the same bytes.

    generate.py --entries N [--seed S] --out FILE.jsonl

The file holds, in this order:

- 5 platforms and 1,000 advertisers (adv-0000 .. adv-0999);
- N spend entries, each with an external id (s0000001, ...) so that importing
  the file again changes nothing; spread over the advertisers and platforms,
  over 2014-01-01..2023-12-31, with periods from a day to a year, written in
  every form adledger reads (YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY, first..last);
  mostly USD, some EUR;
- 300 ad bans and 100 lifts, after all the spend: adledger refuses spend
  inside a ban recorded before it, but accepts a ban recorded after spend that
  it covers, and reports that spend as a violation. So the file imports
  whole, and the reports have violations to find.
- 20 pledges.

The first ban is fixed, for the benchmark's ban-status query: adv-0000 on
twitter from 2019-06-01, lifted on 2020-06-01 (ban-0001, lift-0001).

With --checks M --checks-out FILE it also writes M checks for
`adledger ban-status --batch FILE`, one a line, `advertiser,platform,YYYY-MM-DD`:
half of them any advertiser, platform and day of 2013..2024, half of them an
advertiser a ban names, on its platform, from the day before the ban to a
year and a half after it (so many are banned, and some fall on the first or
last day of a ban). They come from a generator of their own, seeded with the
same seed, so the ledger file is the same with or without them.
"""

import argparse
import datetime
import json
import random
import sys

PLATFORMS = [("twitter", "Twitter"), ("facebook", "Facebook"), ("google", "Google"),
             ("youtube", "YouTube"), ("tiktok", "TikTok")]
ADVERTISERS = 1000
BANS = 300
LIFTS = 100
PLEDGES = 20
FIRST = datetime.date(2014, 1, 1)
LAST = datetime.date(2023, 12, 31)
MARKETS = ["US", "FR", "DE", "GB", "BR", "IN", "RU", "UA"]
TAGS = ["political", "election", "issue", "promoted-tweets", "video", "search", "display"]
PRECISIONS = ["exact", "approximate", "estimated"]


def advertiser_id(i):
    return f"adv-{i:04d}"


def day(ordinal):
    return datetime.date.fromordinal(ordinal)


def random_period(rng):
    """A period from a day to a year inside FIRST..LAST, in one of the forms."""
    year = rng.randint(FIRST.year, LAST.year)
    form = rng.random()
    if form < 0.35:  # a day
        d = day(rng.randint(datetime.date(year, 1, 1).toordinal(), datetime.date(year, 12, 31).toordinal()))
        return d.isoformat()
    if form < 0.60:  # a month
        return f"{year}-{rng.randint(1, 12):02d}"
    if form < 0.75:  # a quarter
        return f"{year}-Q{rng.randint(1, 4)}"
    if form < 0.85:  # a year
        return f"{year}"
    # a range of days, 2 to 366 days long, inside FIRST..LAST
    length = rng.randint(2, 366)
    start = rng.randint(FIRST.toordinal(), LAST.toordinal() - length + 1)
    return f"{day(start).isoformat()}..{day(start + length - 1).isoformat()}"


def line(record):
    return json.dumps(record, separators=(", ", ": ")) + "\n"


def write_checks(count, seed, bans, out):
    """`count` lines of advertiser,platform,day for ban-status --batch."""
    rng = random.Random(f"checks-{seed}")
    platform_ids = [p for p, _ in PLATFORMS]
    first, last = datetime.date(2013, 1, 1).toordinal(), datetime.date(2024, 12, 31).toordinal()
    lines = []
    for _ in range(count):
        if rng.random() < 0.5:
            lines.append(f"{advertiser_id(rng.randrange(ADVERTISERS))},{rng.choice(platform_ids)},"
                         f"{day(rng.randint(first, last)).isoformat()}\n")
        else:
            _ban_id, platform, named, effective, _until = rng.choice(bans)
            on = day(effective.toordinal() + rng.randint(-1, 540))
            lines.append(f"{rng.choice(named)},{platform},{on.isoformat()}\n")
        if len(lines) >= 10000:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))


def generate(entries, seed, out, checks=0, checks_out=None):
    rng = random.Random(seed)
    source = f"synthetic ledger, tests/bench/generate.py --seed {seed}"

    for pid, name in PLATFORMS:
        out.write(line({"type": "platform", "id": pid, "name": name}))
    for i in range(ADVERTISERS):
        record = {"type": "advertiser", "id": advertiser_id(i), "name": f"Advertiser {i:04d}"}
        if i % 10 == 0:
            record["country"] = rng.choice(MARKETS)
        if i % 50 == 0:
            record["state_affiliated"] = True
        out.write(line(record))

    platform_ids = [p for p, _ in PLATFORMS]
    for n in range(1, entries + 1):
        currency = "EUR" if rng.random() < 0.1 else "USD"
        record = {
            "type": "spend",
            "id": f"s{n:07d}",
            "advertiser": advertiser_id(rng.randrange(ADVERTISERS)),
            "platform": rng.choice(platform_ids),
            "amount": f"{rng.randint(1, 5_000_000) / 100:.2f}",
            "currency": currency,
            "period": random_period(rng),
            "market": rng.choice(MARKETS),
            "precision": rng.choice(PRECISIONS),
            "source": source,
        }
        if rng.random() < 0.7:
            record["items"] = rng.randint(1, 5000)
        k = rng.choice((0, 1, 1, 2))
        if k:
            record["tags"] = rng.sample(TAGS, k)
        out.write(line(record))

    # Bans after the spend (see the module's docstring). The first is fixed.
    bans = [("ban-0001", "twitter", ["adv-0000"], datetime.date(2019, 6, 1), None)]
    for b in range(2, BANS + 1):
        platform = rng.choice(platform_ids)
        named = sorted({advertiser_id(rng.randrange(ADVERTISERS)) for _ in range(rng.randint(1, 3))})
        effective = day(rng.randint(FIRST.toordinal(), LAST.toordinal()))
        until = None
        if rng.random() < 0.3:
            until = day(effective.toordinal() + rng.randint(30, 720))
        bans.append((f"ban-{b:04d}", platform, named, effective, until))
    for ban_id, platform, named, effective, until in bans:
        record = {"type": "policy_action", "id": ban_id, "kind": "ad_ban", "platform": platform,
                  "advertisers": named, "date": effective.isoformat(),
                  "description": f"synthetic ban {ban_id}", "source": source}
        if until is not None:
            record["end_date"] = until.isoformat()
        out.write(line(record))

    # Lifts of bans without an end date; the first lifts ban-0001 on 2020-06-01.
    open_bans = [b for b in bans[1:] if b[4] is None]
    lifted = [(bans[0], datetime.date(2020, 6, 1))]
    for ban in rng.sample(open_bans, min(LIFTS - 1, len(open_bans))):
        lifted.append((ban, day(ban[3].toordinal() + rng.randint(1, 720))))
    for n, ((ban_id, platform, _named, _effective, _until), date) in enumerate(lifted, start=1):
        out.write(line({"type": "policy_action", "id": f"lift-{n:04d}", "kind": "ban_lift",
                        "platform": platform, "lifts": ban_id, "date": date.isoformat(),
                        "description": f"synthetic lift of {ban_id}", "source": source}))

    if checks_out is not None:
        write_checks(checks, seed, bans, checks_out)

    for n in range(1, PLEDGES + 1):
        date = day(rng.randint(FIRST.toordinal(), LAST.toordinal()))
        basis_first = day(rng.randint(FIRST.toordinal(), date.toordinal()))
        out.write(line({"type": "pledge", "id": f"pledge-{n:04d}", "platform": rng.choice(platform_ids),
                        "amount": f"{rng.randint(100_000, 500_000_000) / 100:.2f}", "currency": "USD",
                        "date": date.isoformat(), "beneficiary": f"synthetic beneficiary {n}",
                        "basis": {"advertiser": advertiser_id(rng.randrange(ADVERTISERS)),
                                  "period": f"{basis_first.isoformat()}..{date.isoformat()}"},
                        "source": source}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, required=True, help="number of spend entries")
    parser.add_argument("--seed", type=int, default=6, help="random seed (default 6)")
    parser.add_argument("--out", required=True, help="the JSON Lines file to write ('-' for stdout)")
    parser.add_argument("--checks", type=int, default=0,
                        help="with --checks-out: how many ban-status --batch checks to write")
    parser.add_argument("--checks-out", help="the file of checks for ban-status --batch to write")
    args = parser.parse_args()
    if args.entries < 0:
        parser.error("--entries must be 0 or more")
    if args.checks < 0:
        parser.error("--checks must be 0 or more")
    if args.checks and not args.checks_out:
        parser.error("--checks needs --checks-out")
    checks_out = None
    if args.checks_out:
        checks_out = open(args.checks_out, "w", encoding="utf-8", newline="\n")
    try:
        if args.out == "-":
            generate(args.entries, args.seed, sys.stdout, args.checks, checks_out)
        else:
            with open(args.out, "w", encoding="utf-8", newline="\n") as out:
                generate(args.entries, args.seed, out, args.checks, checks_out)
    finally:
        if checks_out is not None:
            checks_out.close()


if __name__ == "__main__":
    main()
