#!/usr/bin/python3
"""Checks the JSON Schemas in schemas/ against the fixtures and the program.

  check_schemas.py --adledger PATH_TO_BINARY --root REPO_ROOT

1. Every schema is itself a valid draft 2020-12 schema.
2. Every fixtures/*.json validates against schemas/import.schema.json.
3. Deliberately wrong import documents are rejected by the import schema
   (so that it is not vacuous), and by the importer too (so that the schema
   and the importer agree); documents using null for optional fields are
   accepted by both.
4. In a fresh ledger in a temporary directory, the fixture is imported and
   every command that prints JSON is run with --format json (the reports
   advertiser, platform, policies and pledges, register and balance with
   and without their options and filters; disclosure record on a copy of
   the ledger), and what it prints validates against its schema.
5. What a schema cannot say is checked on those outputs: figures add up
   (period rows to totals, totals to by_precision and by_market) and trace
   to the report's entries and sources; shares of disclosed totals and
   pledges are right (RT's 274,100 USD is 14.4% of Twitter's 1.9 million);
   filters keep what they should; the register's running balances hold;
   the balance's totals are zero in every column.
6. Some outputs are then deliberately broken and must be rejected.

Uses Debian's python3-jsonschema (4.10): cross-file "$ref"s are resolved by
a RefResolver whose store holds every schema under its "$id", so nothing is
fetched from the network.

Prints one line per check and ends with "N passed, M failed"; exits 1 if
any check failed.
"""

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
from jsonschema import Draft202012Validator, RefResolver

TODAY = "2026-11-22"


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1
        print(f"PASS {name}")

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL {name}: {why}")

    def check(self, name, condition, why=""):
        if condition:
            self.ok(name)
        else:
            self.fail(name, why or "condition not met")
        return condition


def load_schemas(schema_dir, checker):
    """Loads schemas/*.schema.json; returns {file name: schema} and the store."""
    schemas = {}
    store = {}
    for path in sorted(schema_dir.glob("*.schema.json")):
        name = f"schema {path.name} is a valid draft 2020-12 schema"
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
        except (ValueError, jsonschema.exceptions.SchemaError) as e:
            checker.fail(name, str(e).splitlines()[0])
            continue
        sid = schema.get("$id", "")
        if not sid.endswith("/" + path.name):
            checker.fail(name, f'"$id" {sid!r} does not end with /{path.name}')
            continue
        schemas[path.name] = schema
        store[sid] = schema
        checker.ok(name)
    return schemas, store


def validator_for(schemas, store, file_name):
    schema = schemas[file_name]
    resolver = RefResolver.from_schema(schema, store=store)
    return Draft202012Validator(schema, resolver=resolver)


def first_error(validator, instance):
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    e = errors[0]
    where = "/" + "/".join(str(p) for p in e.absolute_path)
    return f"at {where}: {e.message[:300]}"


def amounts_consistent(value, where="$"):
    """Every {"currency","amount","minor"} object: amount and minor agree."""
    problems = []
    if isinstance(value, dict):
        if set(value) == {"currency", "amount", "minor"} and isinstance(value["amount"], str):
            text = value["amount"]
            negative = text.startswith("-")
            digits = text.lstrip("-").replace(".", "")
            try:
                minor = int(digits) * (-1 if negative else 1)
            except ValueError:
                minor = None
            if minor != value["minor"]:
                problems.append(f"{where}: amount {text!r} but minor {value['minor']!r}")
        for k, v in value.items():
            problems += amounts_consistent(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            problems += amounts_consistent(v, f"{where}[{i}]")
    return problems


# Import documents the schema must reject (and the importer must refuse),
# each derived from a minimal valid document by `mutate`.
def minimal_document():
    return {
        "format": "adledger/1",
        "platforms": [{"id": "zz-platform", "name": "ZZ"}],
        "advertisers": [{"id": "zz-adv", "name": "ZZ advertiser", "country": "FR", "state_affiliated": False,
                         "handles": [{"platform": "zz-platform", "handle": "@zz"}]}],
        "policy_actions": [{"id": "zz-disclosure", "kind": "disclosure", "platform": "zz-platform",
                            "advertisers": ["zz-adv"], "date": "2020-01-02", "description": "discloses",
                            "source": "test"}],
        "spend": [{"advertiser": "zz-adv", "platform": "zz-platform", "amount": "1,000.50", "currency": "USD",
                   "period": "2020-Q1", "market": "US", "precision": "exact", "source": "test"}],
        "pledges": [{"id": "zz-pledge", "platform": "zz-platform", "amount": "100", "currency": "USD",
                     "date": "2020-01-01", "beneficiary": "someone", "source": "test",
                     "basis": {"advertiser": "zz-adv", "period": "2020"},
                     "disbursements": [{"amount": "10.00", "date": "2020-02-01", "source": "test"}]}],
        "disclosures": [{"id": "zz-disclosed", "platform": "zz-platform", "advertiser": "zz-adv",
                         "amount": "2,000.00", "currency": "USD", "period": "2020-01-01..2020-06-30",
                         "date": "2020-07-15", "precision": "estimated", "source": "test", "note": "a note"}],
    }


def set_path(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def del_path(doc, path):
    target = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]


BAD_DOCUMENTS = [
    ("amount as a JSON number", lambda d: set_path(d, ["spend", 0, "amount"], 1000.5)),
    ("amount with an exponent", lambda d: set_path(d, ["spend", 0, "amount"], "1e3")),
    ("amount with bad grouping", lambda d: set_path(d, ["spend", 0, "amount"], "1,00.00")),
    ("amount of zero", lambda d: set_path(d, ["pledges", 0, "amount"], "0.00")),
    ("negative amount", lambda d: set_path(d, ["pledges", 0, "disbursements", 0, "amount"], "-10")),
    ("unknown top-level field", lambda d: set_path(d, ["version"], 1)),
    ("unknown spend field", lambda d: set_path(d, ["spend", 0, "amount_usd"], "1.00")),
    ("unknown handle field", lambda d: set_path(d, ["advertisers", 0, "handles", 0, "url"], "x")),
    ("unknown basis field", lambda d: set_path(d, ["pledges", 0, "basis", "platform"], "zz-platform")),
    ("unknown disbursement field", lambda d: set_path(d, ["pledges", 0, "disbursements", 0, "currency"], "USD")),
    ("lowercase currency", lambda d: set_path(d, ["spend", 0, "currency"], "usd")),
    ("four-letter currency", lambda d: set_path(d, ["pledges", 0, "currency"], "USDT")),
    ("USD amount with three decimals", lambda d: set_path(d, ["spend", 0, "amount"], "274,100.001")),
    ("JPY amount with decimals",
     lambda d: (set_path(d, ["spend", 0, "currency"], "JPY"), set_path(d, ["spend", 0, "amount"], "1000.50"))),
    ("disbursement with more decimals than its pledge's currency",
     lambda d: set_path(d, ["pledges", 0, "disbursements", 0, "amount"], "10.005")),
    ("three capitals that are not a currency", lambda d: set_path(d, ["spend", 0, "currency"], "XYZ")),
    ("wrong format", lambda d: set_path(d, ["format"], "adledger/2")),
    ("missing format", lambda d: del_path(d, ["format"])),
    ("missing spend source", lambda d: del_path(d, ["spend", 0, "source"])),
    ("unknown policy kind", lambda d: set_path(d, ["policy_actions", 0, "kind"], "ban")),
    ("unknown precision", lambda d: set_path(d, ["spend", 0, "precision"], "rough")),
    ("bad period", lambda d: set_path(d, ["spend", 0, "period"], "2020-Q5")),
    ("bad date", lambda d: set_path(d, ["policy_actions", 0, "date"], "2020-1-2")),
    ("uppercase id", lambda d: set_path(d, ["platforms", 0, "id"], "ZZ")),
    ("negative items", lambda d: set_path(d, ["spend", 0, "items"], -1)),
    ("items as a string", lambda d: set_path(d, ["spend", 0, "items"], "12")),
    ("zero accounts on a suspension",
     lambda d: d["policy_actions"].append({"kind": "suspension", "platform": "zz-platform", "date": "2020-03-01",
                                           "accounts": 0, "description": "suspends", "source": "test"})),
    ("end_date on a disclosure", lambda d: set_path(d, ["policy_actions", 0, "end_date"], "2020-02-01")),
    ("ad_ban naming no advertiser",
     lambda d: d["policy_actions"].append({"kind": "ad_ban", "platform": "zz-platform", "date": "2021-01-01",
                                           "description": "bans", "source": "test"})),
    ("state_affiliated as a string", lambda d: set_path(d, ["advertisers", 0, "state_affiliated"], "yes")),
    ("lowercase country", lambda d: set_path(d, ["advertisers", 0, "country"], "fr")),
    ("empty description", lambda d: set_path(d, ["policy_actions", 0, "description"], "")),
    ("tags not an array", lambda d: set_path(d, ["spend", 0, "tags"], "political")),
    ("basis not an object", lambda d: set_path(d, ["pledges", 0, "basis"], "zz-adv")),
    ("ISO week 54", lambda d: set_path(d, ["spend", 0, "period"], "2020-W54")),
    ("ISO week 0", lambda d: set_path(d, ["spend", 0, "period"], "2020-W00")),
    # Disclosed totals: the same rules as the other sections.
    ("disclosure missing amount", lambda d: del_path(d, ["disclosures", 0, "amount"])),
    ("disclosure amount as a JSON number", lambda d: set_path(d, ["disclosures", 0, "amount"], 2000)),
    ("disclosure amount of zero", lambda d: set_path(d, ["disclosures", 0, "amount"], "0")),
    ("disclosure amount with an exponent", lambda d: set_path(d, ["disclosures", 0, "amount"], "2e3")),
    ("disclosure with an unknown precision", lambda d: set_path(d, ["disclosures", 0, "precision"], "rough")),
    ("unknown disclosure field", lambda d: set_path(d, ["disclosures", 0, "url"], "https://example.org")),
    ("disclosure with an empty id", lambda d: set_path(d, ["disclosures", 0, "id"], "")),
    ("disclosure with an uppercase id", lambda d: set_path(d, ["disclosures", 0, "id"], "ZZ-Disclosed")),
    ("disclosure missing advertiser", lambda d: del_path(d, ["disclosures", 0, "advertiser"])),
    ("disclosure missing date", lambda d: del_path(d, ["disclosures", 0, "date"])),
    ("disclosure missing source", lambda d: del_path(d, ["disclosures", 0, "source"])),
    ("disclosure with an empty source", lambda d: set_path(d, ["disclosures", 0, "source"], "")),
    ("disclosure in a lowercase currency", lambda d: set_path(d, ["disclosures", 0, "currency"], "usd")),
    ("JPY disclosure with decimals",
     lambda d: set_path(d, ["disclosures", 0], dict(d["disclosures"][0], currency="JPY", amount="2000.50"))),
    ("disclosure with a bad period", lambda d: set_path(d, ["disclosures", 0, "period"], "2020-H1")),
    ("disclosure with a bad date", lambda d: set_path(d, ["disclosures", 0, "date"], "2020-7-15")),
    ("disclosure note as a number", lambda d: set_path(d, ["disclosures", 0, "note"], 1)),
    ("disclosures not an array", lambda d: set_path(d, ["disclosures"], d["disclosures"][0])),
]


def null_optionals(d):
    """The minimal document with every optional field given as null."""
    d["advertisers"][0].update({"country": None, "state_affiliated": None})
    d["advertisers"].append({"id": "zz-adv2", "name": "ZZ 2", "handles": None})
    d["policy_actions"][0].update({"id": None, "end_date": None, "lifts": None, "accounts": None, "note": None,
                                   "advertisers": None})
    d["spend"][0].update({"id": None, "handle": None, "items": None, "tags": None, "note": None,
                          "precision": None})
    d["pledges"][0].update({"id": None, "note": None, "basis": {"advertiser": None, "period": None}})
    d["pledges"][0]["disbursements"][0]["id"] = None
    d["pledges"].append({"platform": "zz-platform", "amount": "5", "currency": "JPY", "date": "2020-01-01",
                         "beneficiary": "someone else", "source": "test", "basis": None, "disbursements": None})
    d["disclosures"][0].update({"id": None, "precision": None, "note": None})
    return d


GOOD_DOCUMENTS = [
    ("minimal document", lambda d: d),
    ("format only", lambda d: {"format": "adledger/1"}),
    ("empty sections as null", lambda d: {"format": "adledger/1", "platforms": None, "advertisers": None,
                                          "policy_actions": None, "spend": None, "pledges": None,
                                          "disclosures": None}),
    ("optional fields as null", null_optionals),
    ("currencies with 0, 3 and 4 decimals",
     lambda d: (d["spend"].extend([
         dict(d["spend"][0], currency="JPY", amount="1,000", period="2020-04"),
         dict(d["spend"][0], currency="KWD", amount="1.125", period="2020-05"),
         dict(d["spend"][0], currency="UYW", amount="0.0001", period="2020-06")]), d)[1]),
    ("ISO week periods, W53 in a year that has one",
     lambda d: (d["spend"].append(dict(d["spend"][0], period="2020-W53", amount="12")),
                d["disclosures"].append(dict(d["disclosures"][0], id="zz-weeks", period="2020-w01..2020-W10",
                                             date="2020-03-08")), d)[2]),
    ("disclosures in JPY and KWD, and without an id",
     lambda d: (d["disclosures"].extend([
         dict(d["disclosures"][0], id="zz-jpy", currency="JPY", amount="1,000,000"),
         dict(d["disclosures"][0], id="zz-kwd", currency="KWD", amount="1.125", precision="approximate"),
         {"platform": "zz-platform", "advertiser": "zz-adv", "amount": "1", "currency": "USD", "period": "2019",
          "date": "2020-01-01", "source": "test"}]), d)[1]),
]


# Facts about report outputs that a schema cannot state: each function
# returns a list of problems (empty when all is well).

PRECISIONS = ["exact", "approximate", "estimated"]


def share_text(part, whole):
    """ledger::share_text: part as a share of whole, rounded half up to a tenth of a percent."""
    tenths = (part * 1000 + whole // 2) // whole
    return f"{tenths // 10}.{tenths % 10}%"


def ascending(numbers):
    return all(a < b for a, b in zip(numbers, numbers[1:]))


def rollup_problems(out, group_key):
    """The spend figures of an advertiser or platform report add up and trace to its entries.

    A reversed entry counts in no figure. With --convert, an entry converted
    counts at its converted amount (the report's "conversion" says which and
    at what rate); the rest in their own currency."""
    problems = []
    conversion = out.get("conversion")
    converted = {c["entry"]: c for c in conversion["converted"]} if conversion else {}
    entries = {}
    for e in out["entries"]:
        if e["reversal"] is not None:
            continue
        e = dict(e)
        if e["entry"] in converted:
            c = converted[e["entry"]]
            e["amount"], e["upper"] = c["to"], c["to_upper"]
        entries[e["entry"]] = e
    if conversion:
        for n in conversion["unconverted"]:
            if n in entries and entries[n]["amount"]["currency"] == conversion["currency"]:
                problems.append(f"conversion: entry #{n} is listed as unconverted but is in {conversion['currency']}")
        for n, e in entries.items():
            if e["amount"]["currency"] != conversion["currency"] and n not in conversion["unconverted"]:
                problems.append(f"conversion: entry #{n} is in {e['amount']['currency']} and not listed as unconverted")
    lists = {"totals": group_key, "periods": group_key, "by_tag": "tag", "by_market": "market", "by_precision": None}
    for name, key in lists.items():
        seen = set()
        for i, f in enumerate(out[name]):
            where = f"{name}[{i}]"
            if not ascending(f["entries"]):
                problems.append(f"{where}: entries {f['entries']} not ascending")
            row_key = (f.get("period", {}).get("text"), f.get(key) if key else None, f["amount"]["currency"],
                       f["precision"])
            if row_key in seen:
                problems.append(f"{where}: {row_key} appears twice")
            seen.add(row_key)
            for n in f["entries"]:
                e = entries.get(n)
                if e is None:
                    problems.append(f"{where}: entry #{n} is not among the report's entries")
                    continue
                if e["amount"]["currency"] != f["amount"]["currency"] or e["precision"] != f["precision"]:
                    problems.append(f"{where}: entry #{n} is in {e['amount']['currency']}/{e['precision']}")
                if key in ("platform", "advertiser", "market") and e[key] != f[key]:
                    problems.append(f"{where}: entry #{n} has {key} {e[key]!r}, not {f[key]!r}")
                if key == "tag" and f["tag"] not in (e["tags"] or ["(untagged)"]):
                    problems.append(f"{where}: entry #{n} has no tag {f['tag']!r}")

    def sums(rows, key_of):
        acc = {}
        for f in rows:
            a = acc.setdefault(key_of(f), [0, 0, set()])
            a[0] += f["amount"]["minor"]
            a[1] += f["items"]
            a[2] |= set(f["entries"])
        return acc

    def same(label, a, b):
        if a != b:
            problems.append(f"{label}: {sorted(a.items())[:3]} != {sorted(b.items())[:3]}")

    group = lambda f: (f[group_key], f["amount"]["currency"], f["precision"])
    money = lambda f: (f["amount"]["currency"], f["precision"])
    totals = sums(out["totals"], group)
    if out["by"] is not None:
        same("period rows do not add up to the totals", sums(out["periods"], group), totals)
    by_precision = sums(out["by_precision"], money)
    same("totals do not add up to by_precision", sums(out["totals"], money), by_precision)
    same("by_market does not add up to by_precision", sums(out["by_market"], money), by_precision)
    tag_entries = {k: v[2] for k, v in sums(out["by_tag"], money).items()}
    same("by_tag does not cover the entries of by_precision", tag_entries,
         {k: v[2] for k, v in by_precision.items()})
    covered = set().union(*[v[2] for v in totals.values()]) if totals else set()
    if covered != set(entries):
        problems.append(f"totals cover entries {sorted(covered)}, the report lists {sorted(entries)}")
    if out["range"] == {"from": None, "to": None}:
        whole, whole_upper = {}, {}
        for e in entries.values():
            k = (e[group_key], e["amount"]["currency"], e["precision"])
            whole[k] = whole.get(k, 0) + e["amount"]["minor"]
            if e["precision"] == "range":
                u = whole_upper.get(k, 0)
                whole_upper[k] = None if u is None or e["upper"] is None else u + e["upper"]["minor"]
        figure_upper = {group(f): (f["upper"]["minor"] if f["upper"] else None)
                        for f in out["totals"] if f["precision"] == "range"}
        same("without a range the totals' upper bounds are not the entries'", figure_upper, whole_upper)
        same("without a range the totals are not the entries' sums", {k: v[0] for k, v in totals.items()}, whole)
        if any(f["pro_rata"] for f in out["totals"]):
            problems.append("a total is pro rata without a range")
    return problems


def comparison_problems(where, itemised, other_currency, whole):
    """Itemised rows beside a figure `whole` (an amount object): its currency, one row a precision, shares."""
    problems = []
    precisions = [i["precision"] for i in itemised]
    if precisions != sorted(precisions, key=PRECISIONS.index) or len(set(precisions)) != len(precisions):
        problems.append(f"{where}: itemised precisions {precisions} not one each in order")
    for i in itemised:
        if i["amount"]["currency"] != whole["currency"]:
            problems.append(f"{where}: itemised in {i['amount']['currency']}, compared with {whole['currency']}")
        expected = share_text(i["amount"]["minor"], whole["minor"])
        if i["share"] != expected:
            problems.append(f"{where}: share {i['share']} of {i['amount']['amount']} in {whole['amount']}, "
                            f"expected {expected}")
        if not ascending(i["entries"]):
            problems.append(f"{where}: itemised entries {i['entries']} not ascending")
    if not ascending(other_currency):
        problems.append(f"{where}: other_currency_entries {other_currency} not ascending")
    return problems


def disclosure_problems(where, d):
    problems = comparison_problems(where, d["itemised"], d["other_currency_entries"], d["disclosed"])
    if d["date"] < d["period"]["first"]:
        problems.append(f"{where}: dated {d['date']}, before its range {d['period']['text']}")
    return problems


def sources_problems(out):
    """Every record of a report cites its source with its details, once, and
    nothing else is cited; a source is listed once for each of its details."""
    def citation(x, source_key="source"):
        return json.dumps([x[source_key], x.get("source_details")], sort_keys=True)

    expected = {}
    for e in out["entries"]:
        expected[f"spend #{e['entry']}"] = citation(e)
        if e["reversal"] is not None:
            expected[f"reversal of spend #{e['entry']}"] = citation(e["reversal"])
    for a in out["policy_actions"]:
        expected[f"policy {a['id']}"] = citation(a)
        if a.get("withdrawal"):
            expected[f"withdrawal of policy {a['id']}"] = citation(a["withdrawal"])
    conversion = out.get("conversion")
    for c in (conversion or {}).get("converted", []):
        # A conversion names its rate's source, not its details: compared
        # by text alone.
        expected[f"rate {c['from']['currency']}/{conversion['currency']}/{c['rate_date']}"] = c["rate_source"]
    for d in out["disclosures"]:
        expected[f"disclosure {d['id']}"] = citation(d)
        if d["withdrawal"]:
            expected[f"withdrawal of disclosure {d['id']}"] = citation(d["withdrawal"])
    for p in out["pledges"]:
        expected[f"pledge {p['id']}"] = citation(p)
        if p["withdrawal"]:
            expected[f"withdrawal of pledge {p['id']}"] = citation(p["withdrawal"])
        for d in p["disbursements"]:
            expected[f"disbursement {d['id']}"] = citation(d)
            if d["withdrawal"]:
                expected[f"withdrawal of disbursement {d['id']}"] = citation(d["withdrawal"])
    cited = {}
    problems = []
    for s in out["sources"]:
        for by in s["cited_by"]:
            if by in cited:
                problems.append(f"{by} cited twice")
            cited[by] = s["source"] if by.startswith("rate ") else citation(s)
    if len({citation(s) for s in out["sources"]}) != len(out["sources"]):
        problems.append("a source is listed twice with the same details")
    if cited != expected:
        problems.append(f"cited {sorted(cited.items())[:3]}, expected {sorted(expected.items())[:3]}")
    return problems


def register_problems(out):
    problems = []
    f = out["filter"]
    running = {}
    by_txn = {}
    last = None
    for i, p in enumerate(out["postings"]):
        cur = p["amount"]["currency"]
        running[cur] = running.get(cur, 0) + p["amount"]["minor"]
        if p["running"]["currency"] != cur or p["running"]["minor"] != running[cur]:
            problems.append(f"postings[{i}]: running {p['running']} but the postings shown sum to {running[cur]}")
        if last and p["date"] < last:
            problems.append(f"postings[{i}]: dated {p['date']} after {last}")
        last = p["date"]
        if f["from"] and p["date"] < f["from"] or f["to"] and p["date"] > f["to"]:
            problems.append(f"postings[{i}]: dated {p['date']}, outside the filter")
        if f["account"] and not re.search(f["account"], p["account"], re.IGNORECASE):
            problems.append(f"postings[{i}]: account {p['account']} does not match {f['account']!r}")
        if f["advertiser"] and p["kind"] == "spend" and f["advertiser"] not in p["account"].split(":"):
            problems.append(f"postings[{i}]: {p['account']} is not spend of {f['advertiser']}")
        if f["platform"] and f["platform"] not in p["account"].split(":"):
            problems.append(f"postings[{i}]: {p['account']} is not on {f['platform']}")
        by_txn.setdefault((p["txn"], cur), 0)
        by_txn[(p["txn"], cur)] += p["amount"]["minor"]
    if f["account"] is None:
        unbalanced = [k for k, v in by_txn.items() if v != 0]
        if unbalanced:
            problems.append(f"transactions {unbalanced[:3]} do not balance")
    return problems


def balance_problems(out):
    problems = []
    ncol = len(out["columns"])
    for name in ("accounts", "totals"):
        for i, row in enumerate(out[name]):
            where = f"{name}[{i}]"
            if row["balance"]["currency"] != row["currency"] or any(
                    a["currency"] != row["currency"] for a in row["periods"]):
                problems.append(f"{where}: amounts not all in {row['currency']}")
            if len(row["periods"]) != ncol:
                problems.append(f"{where}: {len(row['periods'])} periods for {ncol} columns")
            if ncol and sum(a["minor"] for a in row["periods"]) != row["balance"]["minor"]:
                problems.append(f"{where}: periods do not add up to the balance")
    every_account = out["filter"]["account"] is None
    for i, row in enumerate(out["totals"]):
        if every_account and (row["balance"]["minor"] != 0 or any(a["minor"] != 0 for a in row["periods"])):
            problems.append(f"totals[{i}] ({row['currency']}) is not zero in every column")
    keys = [(r["account"], r["currency"]) for r in out["accounts"]]
    if keys != sorted(set(keys)):
        problems.append("accounts are not by account, then currency, once each")
    currencies = [r["currency"] for r in out["totals"]]
    if currencies != sorted(set(r["currency"] for r in out["accounts"])):
        problems.append(f"totals in {currencies}, accounts in {sorted(set(c for _, c in keys))}")
    for total in out["totals"]:
        cur = total["currency"]
        rows = [r for r in out["accounts"] if r["currency"] == cur]
        if sum(r["balance"]["minor"] for r in rows) != total["balance"]["minor"]:
            problems.append(f"the {cur} accounts do not sum to the {cur} total")
        for c in range(min(ncol, len(total["periods"]))):
            column = sum(r["periods"][c]["minor"] for r in rows if len(r["periods"]) == ncol)
            if column != total["periods"][c]["minor"]:
                problems.append(f"the {cur} accounts do not sum to the {cur} total in column {c}")
    if out["depth"] is not None:
        deep = [a for a, _ in keys if a.count(":") + 1 > out["depth"]]
        if deep:
            problems.append(f"accounts deeper than --depth {out['depth']}: {deep[:3]}")
    elif out["filter"]["account"]:
        unmatched = [a for a, _ in keys if not re.search(out["filter"]["account"], a, re.IGNORECASE)]
        if unmatched:
            problems.append(f"accounts not matching {out['filter']['account']!r}: {unmatched[:3]}")
    for a, b in zip(out["columns"], out["columns"][1:]):
        if a["last"] >= b["first"]:
            problems.append(f"columns {a['text']} and {b['text']} are not in order")
    return problems


def policies_problems(out, everything):
    """The timeline keeps exactly the actions of `everything` (the unfiltered timeline) that pass its filter."""
    f = out["filter"]
    expected = [a for a in everything
                if (f["platform"] is None or a["platform"] == f["platform"])
                and (f["advertiser"] is None or f["advertiser"] in a["advertisers"])
                and (f["kind"] is None or a["kind"] == f["kind"])
                and (f["from"] is None or a["date"] >= f["from"])
                and (f["to"] is None or a["date"] <= f["to"])]
    problems = []
    if out["policy_actions"] != expected:
        problems.append(f"kept {[a['id'] for a in out['policy_actions']]}, expected {[a['id'] for a in expected]}")
    return problems


def pledges_problems(out):
    problems = []
    f = out["filter"]
    for i, p in enumerate(out["pledges"]):
        where = f"pledges[{i}] ({p['id']})"
        if f["platform"] and p["platform"] != f["platform"]:
            problems.append(f"{where}: on {p['platform']}, filter is {f['platform']}")
        basis_advertiser = (p["basis"] or {}).get("advertiser")
        if f["advertiser"] and basis_advertiser != f["advertiser"]:
            problems.append(f"{where}: based on {basis_advertiser}, filter is {f['advertiser']}")
        if p["withdrawal"]:
            if p["outstanding"]["minor"] != 0 or p["disbursed"]["minor"] != 0:
                problems.append(f"{where}: withdrawn, and yet disbursed or outstanding is not 0")
        elif p["pledged"]["minor"] != p["disbursed"]["minor"] + p["outstanding"]["minor"]:
            problems.append(f"{where}: pledged is not disbursed + outstanding")
        if sum(d["amount"]["minor"] for d in p["disbursements"] if not d["withdrawal"]) != p["disbursed"]["minor"]:
            problems.append(f"{where}: the disbursements not withdrawn do not add up to disbursed")
        if basis_advertiser:
            period = (p["basis"] or {}).get("period")
            expected = period or {"text": "1400-01-01..9999-12-31", "first": "1400-01-01", "last": "9999-12-31"}
            if p["basis_range"] != expected:
                problems.append(f"{where}: basis_range {p['basis_range']}, expected {expected}")
            problems += comparison_problems(where, p["basis_spend"]["itemised"],
                                            p["basis_spend"]["other_currency_entries"], p["pledged"])
        for j, d in enumerate(p["disclosed"]):
            if d["advertiser"] != basis_advertiser or d["platform"] != p["platform"]:
                problems.append(f"{where}.disclosed[{j}]: about {d['advertiser']} on {d['platform']}")
            if p["basis_range"] and (d["period"]["last"] < p["basis_range"]["first"]
                                     or d["period"]["first"] > p["basis_range"]["last"]):
                problems.append(f"{where}.disclosed[{j}]: {d['period']['text']} outside the basis range")
            problems += disclosure_problems(f"{where}.disclosed[{j}]", d)
    return problems


class Ledger:
    def __init__(self, adledger, workdir, checker):
        self.adledger = adledger
        self.workdir = workdir
        self.db = str(Path(workdir) / "ledger.db")
        self.checker = checker
        self.env = dict(os.environ, ADLEDGER_TODAY=TODAY)
        self.env.pop("ADLEDGER_DB", None)

    def run(self, args, db=None):
        cmd = [self.adledger, "--db", db or self.db, *args, "--format", "json"]
        return subprocess.run(cmd, cwd=self.workdir, env=self.env, capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adledger", required=True, help="the adledger binary")
    parser.add_argument("--root", required=True, help="the repository root")
    opts = parser.parse_args()
    root = Path(opts.root).resolve()
    adledger = str(Path(opts.adledger).resolve())
    checker = Checker()

    schemas, store = load_schemas(root / "schemas", checker)
    required = ["common.schema.json", "import.schema.json", "report-advertiser.schema.json",
                "ban-status.schema.json", "balance.schema.json", "spend-entry.schema.json",
                "policy-action.schema.json", "pledge.schema.json", "import-result.schema.json",
                "init.schema.json", "platform.schema.json", "platform-list.schema.json",
                "advertiser.schema.json", "advertiser-link.schema.json", "advertiser-list.schema.json",
                "report-platform.schema.json", "report-policies.schema.json", "report-pledges.schema.json",
                "register.schema.json", "disclosure.schema.json", "proof.schema.json", "spend-list.schema.json",
                "head.schema.json", "policy-action-list.schema.json", "pledge-list.schema.json",
                "disclosure-list.schema.json"]
    missing = [n for n in required if n not in schemas]
    if not checker.check("every schema is present and valid", not missing, f"missing or invalid: {missing}"):
        print(f"{checker.passed} passed, {checker.failed} failed")
        return 1
    validators = {name: validator_for(schemas, store, name) for name in schemas}

    def validate(name, schema_file, instance):
        err = first_error(validators[schema_file], instance)
        if err:
            checker.fail(name, f"{schema_file}: {err}")
            return False
        problems = amounts_consistent(instance)
        if problems:
            checker.fail(name, "; ".join(problems[:3]))
            return False
        checker.ok(name)
        return True

    def reject(name, schema_file, instance):
        ok = not validators[schema_file].is_valid(instance)
        checker.check(name, ok, f"{schema_file} accepted it")

    # The currency table in the schemas must be the ledger's own.
    currency_cpp = root / "ledger" / "money" / "currency.cpp"
    if currency_cpp.exists():
        rows = re.findall(r'\{"([A-Z]{3})", ([0-9])\}', currency_cpp.read_text(encoding="utf-8"))
        defs = schemas["common.schema.json"]["$defs"]
        table = {code: int(n) for code, n in rows}
        in_schema = {code: 2 for code in defs["currency"]["enum"]}
        for n in (0, 3, 4):
            for code in defs[f"currency_{n}_decimals"]["enum"]:
                in_schema[code] = n
        diff = sorted(set(table.items()) ^ set(in_schema.items()))
        checker.check("common.schema.json currencies and decimals match ledger/money/currency.cpp",
                      bool(table) and not diff, f"differences: {diff[:10]}")

    # 2. Fixtures.
    fixtures = sorted((root / "fixtures").glob("*.json"))
    checker.check("fixtures/*.json is not empty", bool(fixtures), "no fixtures found")
    for path in fixtures:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as e:
            checker.fail(f"fixture {path.name} parses", str(e))
            continue
        validate(f"fixture {path.name} validates against import.schema.json", "import.schema.json", doc)

    # The importer's own test documents: those it refuses for their shape
    # must be rejected by the schema; one it refuses for a ledger rule (a
    # spend inside a ban) is valid.
    data = root / "tests" / "e2e" / "data"
    for file_name, valid in [("number-amount.json", False), ("unknown-field.json", False),
                             ("wrong-format.json", False), ("bad-amount.json", False), ("empty-id.json", False),
                             ("late-failure.json", True)]:
        path = data / file_name
        if not path.exists():
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if valid:
            validate(f"tests/e2e/data/{file_name} validates against import.schema.json", "import.schema.json", doc)
        else:
            reject(f"import schema rejects tests/e2e/data/{file_name}", "import.schema.json", doc)

    with tempfile.TemporaryDirectory(prefix="adledger-schemas-") as tmp:
        tmpdir = Path(tmp)
        led = Ledger(adledger, tmp, checker)

        # 3. Import documents, good and bad, against the schema and the importer.
        def import_into_scratch(doc, tag):
            db = str(tmpdir / f"scratch-{tag}.db")
            doc_path = tmpdir / f"doc-{tag}.json"
            doc_path.write_text(json.dumps(doc), encoding="utf-8")
            r = led.run(["init"], db=db)
            if r.returncode != 0:
                return r
            return led.run(["import", str(doc_path)], db=db)

        for i, (what, mutate) in enumerate(GOOD_DOCUMENTS):
            doc = mutate(minimal_document())
            validate(f"import schema accepts: {what}", "import.schema.json", doc)
            r = import_into_scratch(doc, f"good{i}")
            checker.check(f"importer accepts: {what}", r.returncode == 0,
                          f"exit {r.returncode}: {r.stderr.strip()[:300]}")
        for i, (what, mutate) in enumerate(BAD_DOCUMENTS):
            doc = minimal_document()
            mutate(doc)
            reject(f"import schema rejects: {what}", "import.schema.json", doc)
            r = import_into_scratch(doc, f"bad{i}")
            checker.check(f"importer refuses: {what}", r.returncode >= 2,
                          f"exit {r.returncode} (expected 2 or more): {r.stdout.strip()[:200]}")

        # 4. Every command that prints JSON, in a fresh ledger.
        outputs = {}

        def cmd(label, args, schema_file, exit_codes=(0,), db=None):
            r = led.run(args, db=db)
            name = f"{label} ({' '.join(args)})"
            if r.returncode not in exit_codes:
                checker.fail(name, f"exit {r.returncode}: {r.stderr.strip()[:300]}")
                return None
            try:
                out = json.loads(r.stdout)
            except ValueError as e:
                checker.fail(name, f"stdout is not JSON: {e}: {r.stdout[:200]!r}")
                return None
            validate(f"{name} matches {schema_file}", schema_file, out)
            outputs[label] = out
            return out

        fixture = str(root / "fixtures" / "founding-case.json")
        cmd("init", ["init"], "init.schema.json")
        cmd("head of an empty ledger", ["head"], "head.schema.json")
        cmd("import", ["import", fixture], "import-result.schema.json")
        cmd("platform add", ["platform", "add", "meta", "--name", "Meta"], "platform.schema.json")
        cmd("advertiser add", ["advertiser", "add", "acme", "--name", "Acme Media", "--country", "FR",
                               "--state-affiliated"], "advertiser.schema.json")
        cmd("advertiser add, no country", ["advertiser", "add", "plain", "--name", "Plain"],
            "advertiser.schema.json")
        cmd("advertiser link", ["advertiser", "link", "acme", "--platform", "meta", "--handle", "@acme"],
            "advertiser-link.schema.json")
        cmd("spend record", ["spend", "record", "--advertiser", "acme", "--platform", "meta",
                             "--amount", "12,345.67", "--currency", "USD", "--period", "2018",
                             "--items", "40", "--items-precision", "estimated", "--market", "FR", "--tag",
                             "political", "--tag", "video",
                             "--precision", "approximate", "--source", "test source", "--handle", "@acme",
                             "--id", "acme-2018", "--note", "a note"], "spend-entry.schema.json")
        cmd("spend record, minimal", ["spend", "record", "--advertiser", "plain", "--platform", "meta",
                                      "--amount", "5000", "--currency", "JPY", "--period", "2019-03..2019-Q2",
                                      "--market", "worldwide", "--source", "test source"],
            "spend-entry.schema.json")
        cmd("spend record, no items", ["spend", "record", "--advertiser", "acme", "--platform", "meta",
                                       "--amount", "100.5", "--currency", "EUR", "--period", "2019-02-10",
                                       "--market", "FR", "--precision", "estimated", "--source", "test source"],
            "spend-entry.schema.json")
        # A ban recorded after spend it covers: the report shows a violation.
        cmd("policy ban", ["policy", "ban", "--platform", "meta", "--advertiser", "acme",
                           "--effective", "2018-07-01", "--until", "2021-01-01", "--reason", "state media",
                           "--source", "test source", "--id", "meta-ban-acme", "--note", "recorded late"],
            "policy-action.schema.json")
        cmd("policy lift", ["policy", "lift", "--platform", "meta", "--ban", "meta-ban-acme",
                            "--date", "2020-06-01", "--reason", "appeal granted", "--source", "test source"],
            "policy-action.schema.json")
        cmd("policy ban, no end", ["policy", "ban", "--platform", "meta", "--advertiser", "plain",
                                   "--effective", "2022-01-01", "--reason", "manipulation",
                                   "--source", "test source"], "policy-action.schema.json")
        cmd("policy record suspension", ["policy", "record", "--kind", "suspension", "--platform", "meta",
                                         "--date", "2019-04-21", "--accounts", "5000",
                                         "--description", "suspends a bot network", "--source", "test source"],
            "policy-action.schema.json")
        cmd("policy record disclosure", ["policy", "record", "--kind", "disclosure", "--platform", "meta",
                                         "--advertiser", "acme", "--date", "2019-05-01",
                                         "--description", "discloses spend", "--source", "test source"],
            "policy-action.schema.json")
        cmd("policy record targeting_change", ["policy", "record", "--kind", "targeting_change",
                                               "--platform", "meta", "--date", "2019-05-02",
                                               "--description", "removes filters", "--source", "test source",
                                               "--note", "n"], "policy-action.schema.json")
        cmd("pledge record", ["pledge", "record", "--platform", "meta", "--amount", "10000", "--currency", "USD",
                              "--date", "2020-01-15", "--beneficiary", "researchers",
                              "--basis-advertiser", "acme", "--basis-period", "2018-01-01..2019-12-31",
                              "--source", "test source", "--id", "meta-pledge", "--note", "n"],
            "pledge.schema.json")
        cmd("pledge record, no basis", ["pledge", "record", "--platform", "meta", "--amount", "7", "--currency",
                                        "EUR", "--date", "2020-02-01", "--beneficiary", "a charity",
                                        "--source", "test source"], "pledge.schema.json")
        cmd("pledge record, basis period only", ["pledge", "record", "--platform", "twitter", "--amount", "1",
                                                 "--currency", "USD", "--date", "2020-02-01",
                                                 "--beneficiary", "a fund", "--basis-period", "2016",
                                                 "--source", "test source"], "pledge.schema.json")
        cmd("pledge disburse", ["pledge", "disburse", "meta-pledge", "--amount", "2,500.00", "--date",
                                "2020-03-01", "--source", "test source"], "pledge.schema.json")
        cmd("pledge disburse again", ["pledge", "disburse", "meta-pledge", "--amount", "0.01", "--currency",
                                      "USD", "--date", "2020-04-01", "--source", "test source 2",
                                      "--id", "meta-pledge-final"], "pledge.schema.json")
        second = tmpdir / "second.json"
        second.write_text(json.dumps(null_optionals(minimal_document())), encoding="utf-8")
        cmd("import, second document", ["import", str(second)], "import-result.schema.json")

        cmd("prove a record", ["prove", "3"], "proof.schema.json")
        cmd("prove a record in an earlier tree", ["prove", "2", "--size", "4"], "proof.schema.json")
        cmd("prove consistency", ["prove", "--from", "3"], "proof.schema.json")
        cmd("prove consistency of equal sizes", ["prove", "--from", "5", "--to", "5"], "proof.schema.json")
        key = tmpdir / "publisher.key"
        led.run(["key", "generate", "example.org/adledger", "--out", str(key)])
        checkpoint = tmpdir / "checkpoint.txt"
        checkpoint.write_text(led.run(["head", "--sign", str(key)]).stdout, encoding="utf-8")
        cmd("report advertiser with proofs", ["report", "advertiser", "rt", "--proofs", str(checkpoint)],
            "report-advertiser.schema.json")
        cmd("report platform with proofs", ["report", "platform", "twitter", "--proofs", str(checkpoint)],
            "report-platform.schema.json")
        cmd("report pledges with proofs", ["report", "pledges", "--proofs", str(checkpoint)],
            "report-pledges.schema.json")
        cmd("spend list", ["spend", "list"], "spend-list.schema.json")
        cmd("spend list, a page", ["spend", "list", "--limit", "1", "--after", "1"], "spend-list.schema.json")
        cmd("spend list, nothing matches", ["spend", "list", "--search", "no such text"], "spend-list.schema.json")
        cmd("platform list", ["platform", "list"], "platform-list.schema.json")
        cmd("policy list", ["policy", "list"], "policy-action-list.schema.json")
        cmd("policy list, one kind on one platform", ["policy", "list", "--platform", "twitter", "--kind", "ad_ban"],
            "policy-action-list.schema.json")
        cmd("pledge list", ["pledge", "list"], "pledge-list.schema.json")
        cmd("disclosure list", ["disclosure", "list"], "disclosure-list.schema.json")
        cmd("disclosure list, nothing matches", ["disclosure", "list", "--to", "1990"], "disclosure-list.schema.json")
        cmd("head", ["head"], "head.schema.json")
        cmd("advertiser list", ["advertiser", "list"], "advertiser-list.schema.json")

        banned = (0, 1)  # ban-status exits 1 when banned
        cmd("ban-status, all platforms", ["ban-status", "--advertiser", "rt", "--on", "2017-11-01"],
            "ban-status.schema.json", banned)
        cmd("ban-status, one platform", ["ban-status", "--advertiser", "rt", "--platform", "twitter",
                                         "--on", "2017-11-01"], "ban-status.schema.json", banned)
        cmd("ban-status, not banned", ["ban-status", "--advertiser", "rt", "--platform", "twitter",
                                       "--on", "2017-01-01"], "ban-status.schema.json", banned)
        cmd("ban-status, lifted ban", ["ban-status", "--advertiser", "acme", "--platform", "meta",
                                       "--on", "2019-01-01"], "ban-status.schema.json", banned)
        cmd("ban-status, today", ["ban-status", "--advertiser", "acme"], "ban-status.schema.json", banned)

        # ban-status --batch --format json: JSON Lines, each line one of the
        # single check's "platforms", so each is checked inside a document
        # of the single check's shape.
        checks = tmpdir / "checks.csv"
        checks.write_text("rt,twitter,2017-10-25\nrt,twitter,2017-11-01\nacme,meta,2019-01-01\n"
                          "acme,meta,2020-06-01\nplain,meta,2022-01-01\n", encoding="utf-8")
        r = led.run(["ban-status", "--batch", str(checks)])
        lines = r.stdout.splitlines()
        if checker.check("ban-status --batch --format json: exit 1, one line per check",
                         r.returncode == 1 and len(lines) == 5,
                         f"exit {r.returncode}, {len(lines)} lines: {r.stderr.strip()[:300]}"):
            for i, line in enumerate(lines, 1):
                try:
                    check = json.loads(line)
                except ValueError as e:
                    checker.fail(f"ban-status --batch line {i}", f"not JSON: {e}: {line[:200]!r}")
                    continue
                doc = {"advertiser": check.get("advertiser"), "on": check.get("on"),
                       "banned": check.get("banned"), "platforms": [check]}
                validate(f"ban-status --batch line {i} matches ban-status.schema.json's ban_check",
                         "ban-status.schema.json", doc)

        # Reports of the fixture's scenario (and of what the commands above added).
        ADV = "report-advertiser.schema.json"
        advertiser_options = [[], ["--by", "quarter"], ["--by", "week"],
                              ["--from", "2016-07-01", "--to", "2017-12-31", "--by", "month"]]
        for adv in ["rt", "sputnik", "fb-unattributed-ru"]:
            for options in advertiser_options:
                cmd(f"report advertiser {adv} {' '.join(options)}".strip(),
                    ["report", "advertiser", adv, *options], ADV)
        cmd("report", ["report", "advertiser", "rt"], ADV)
        cmd("report --by month", ["report", "advertiser", "rt", "--by", "month"], ADV)
        cmd("report --from --to", ["report", "advertiser", "rt", "--from", "2016-10-01", "--to", "2017-12-31"], ADV)
        cmd("report --from only", ["report", "advertiser", "fb-unattributed-ru", "--from", "2016-01-01",
                                   "--by", "year"], ADV)
        cmd("report, violation", ["report", "advertiser", "acme", "--by", "quarter"], ADV)
        cmd("report, several currencies", ["report", "advertiser", "acme"], ADV)
        cmd("report, JPY", ["report", "advertiser", "plain", "--by", "week"], ADV)
        cmd("report, empty", ["report", "advertiser", "sputnik", "--to", "2017-12-31"], ADV)

        PLAT = "report-platform.schema.json"
        for plat in ["twitter", "facebook", "google"]:
            cmd(f"report platform {plat}", ["report", "platform", plat], PLAT)
            cmd(f"report platform {plat} --by quarter", ["report", "platform", plat, "--by", "quarter"], PLAT)
        cmd("report platform twitter --by week", ["report", "platform", "twitter", "--by", "week"], PLAT)
        cmd("report platform twitter, range", ["report", "platform", "twitter", "--from", "2016-07-01",
                                               "--to", "2017-12-31", "--by", "month"], PLAT)
        cmd("report platform facebook --by year", ["report", "platform", "facebook", "--by", "year"], PLAT)
        cmd("report platform meta", ["report", "platform", "meta"], PLAT)
        cmd("report platform meta --by year", ["report", "platform", "meta", "--by", "year"], PLAT)

        POL = "report-policies.schema.json"
        policy_filters = [[], ["--platform", "twitter"], ["--platform", "meta"], ["--advertiser", "rt"],
                          ["--advertiser", "fb-unattributed-ru"], ["--kind", "ad_ban"], ["--kind", "ban_lift"],
                          ["--kind", "suspension"], ["--kind", "disclosure"], ["--kind", "targeting_change"],
                          ["--from", "2017-09-22"], ["--to", "2017-09-30"],
                          ["--from", "2017-09-22", "--to", "2017-10-26"],
                          ["--platform", "twitter", "--advertiser", "rt", "--kind", "ad_ban",
                           "--from", "2017-01-01", "--to", "2017-12-31"],
                          ["--platform", "google", "--kind", "ad_ban"]]
        for options in policy_filters:
            cmd(f"report policies {' '.join(options)}".strip(), ["report", "policies", *options], POL)

        PLE = "report-pledges.schema.json"
        for options in [[], ["--platform", "twitter"], ["--platform", "meta"], ["--platform", "facebook"],
                        ["--advertiser", "rt"], ["--advertiser", "acme"],
                        ["--platform", "twitter", "--advertiser", "rt"]]:
            cmd(f"report pledges {' '.join(options)}".strip(), ["report", "pledges", *options], PLE)

        REG = "register.schema.json"
        for options in [[], ["twitter"], ["^income"], ["--advertiser", "rt"], ["--platform", "meta"],
                        ["--platform", "twitter"], ["--from", "2016-01-01", "--to", "2017-12-31"],
                        ["pledges", "--platform", "meta", "--from", "2020-01-01"]]:
            cmd(f"register {' '.join(options)}".strip(), ["register", *options], REG)

        BAL = "balance.schema.json"
        for options in [[], ["--by", "quarter"], ["--by", "year"], ["--by", "week"], ["--depth", "1"],
                        ["--depth", "2"], ["--by", "year", "--depth", "2"], ["^expenses"], ["twitter"],
                        ["--advertiser", "rt"], ["--platform", "meta", "--by", "year"],
                        ["--from", "2016-01-01", "--to", "2016-12-31", "--by", "month"]]:
            cmd(f"balance {' '.join(options)}".strip(), ["balance", *options], BAL)

        # disclosure record, on a copy of the ledger so that the reports
        # above stay those of the scenario.
        copy_db = str(tmpdir / "copy.db")
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(led.db + suffix):
                shutil.copyfile(led.db + suffix, copy_db + suffix)
        DIS = "disclosure.schema.json"
        cmd("disclosure record", ["disclosure", "record", "--platform", "twitter", "--advertiser", "rt",
                                  "--amount", "300,000", "--currency", "USD", "--period", "2016",
                                  "--date", "2017-09-28", "--precision", "approximate", "--source", "test source",
                                  "--id", "twitter-rt-2016", "--note", "a note"], DIS, db=copy_db)
        cmd("disclosure record, pro rata", ["disclosure", "record", "--platform", "twitter", "--advertiser", "rt",
                                            "--amount", "100000", "--currency", "USD", "--period",
                                            "2016-07..2017-06", "--date", "2017-10-26", "--source", "test source"],
            DIS, db=copy_db)
        cmd("disclosure record, other currency", ["disclosure", "record", "--platform", "twitter",
                                                  "--advertiser", "rt", "--amount", "1000", "--currency", "EUR",
                                                  "--period", "2016", "--date", "2017-01-15",
                                                  "--source", "test source"], DIS, db=copy_db)
        cmd("disclosure record, nothing itemised", ["disclosure", "record", "--platform", "twitter",
                                                    "--advertiser", "sputnik", "--amount", "5,000.00",
                                                    "--currency", "USD", "--period", "2017-W01..2017-W52",
                                                    "--date", "2018-01-01", "--precision", "estimated",
                                                    "--source", "test source"], DIS, db=copy_db)
        cmd("spend record on the copy", ["spend", "record", "--advertiser", "acme", "--platform", "meta",
                                         "--amount", "1000", "--currency", "USD", "--period", "2017",
                                         "--market", "FR", "--source", "test source"],
            "spend-entry.schema.json", db=copy_db)
        cmd("disclosure record, two precisions", ["disclosure", "record", "--platform", "meta", "--advertiser",
                                                  "acme", "--amount", "20000", "--currency", "USD", "--period",
                                                  "2017..2019", "--date", "2020-01-01", "--source", "test source"],
            DIS, db=copy_db)
        cmd("disclosure record, JPY", ["disclosure", "record", "--platform", "meta", "--advertiser", "plain",
                                       "--amount", "10000", "--currency", "JPY", "--period", "2019-Q1..2019-Q2",
                                       "--date", "2019-07-01", "--source", "test source"], DIS, db=copy_db)
        cmd("pledge record on the copy, basis advertiser only",
            ["pledge", "record", "--platform", "twitter", "--amount", "500,000", "--currency", "USD",
             "--date", "2018-01-01", "--beneficiary", "a fund", "--basis-advertiser", "rt",
             "--source", "test source", "--id", "twitter-rt-all-time"], "pledge.schema.json", db=copy_db)
        for adv in ["rt", "acme", "sputnik", "plain"]:
            cmd(f"copy: report advertiser {adv}", ["report", "advertiser", adv], ADV, db=copy_db)
        cmd("copy: report advertiser rt, range", ["report", "advertiser", "rt", "--from", "2017-01-01",
                                                  "--by", "quarter"], ADV, db=copy_db)
        for plat in ["twitter", "meta"]:
            cmd(f"copy: report platform {plat}", ["report", "platform", plat], PLAT, db=copy_db)
        cmd("copy: report pledges", ["report", "pledges"], PLE, db=copy_db)
        cmd("copy: balance", ["balance"], BAL, db=copy_db)

        # Ranges, corrections and exchange rates on the copy: reports that
        # show "upper", cite reversals, withdrawals and rates, and convert.
        cmd("copy: import ranges", ["import", str(root / "tests" / "e2e" / "data" / "lines-ranges.jsonl")],
            "import-result.schema.json", db=copy_db)
        cmd("copy: import rates", ["import", str(root / "tests" / "e2e" / "data" / "lines-rates.jsonl")],
            "import-result.schema.json", db=copy_db)
        cmd("copy: range entry", ["spend", "record", "--advertiser", "plain", "--platform", "meta", "--amount", "0",
                                  "--upper", "99", "--currency", "EUR", "--period", "2019-05", "--market", "FR",
                                  "--precision", "range", "--source", "test source", "--source-url",
                                  "https://example.org/range", "--source-accessed", "2024-01-01", "--source-quote",
                                  "less than 100"],
            "spend-entry.schema.json", db=copy_db)
        r = led.run(["spend", "reverse", "1", "--reason", "a test", "--source", "reversal source",
                     "--source-url", "https://example.org/reversal", "--source-quote", "a \"quoted\" reason"],
                    db=copy_db)
        checker.check("copy: spend reverse exits 0", r.returncode == 0, r.stderr.strip()[:200])
        r = led.run(["policy", "withdraw", "twitter-suspension-2019-04-21", "--reason", "a test",
                     "--source", "withdrawal source"], db=copy_db)
        checker.check("copy: policy withdraw exits 0", r.returncode == 0, r.stderr.strip()[:200])
        # Payments withdrawn, then their pledge, and a disclosed total.
        for args in (["pledge", "withdraw-disbursement", "meta-pledge-final", "--reason", "a test",
                      "--source", "payment withdrawal source"],
                     ["pledge", "withdraw-disbursement", "meta-pledge-1", "--reason", "a test",
                      "--source", "payment withdrawal source"],
                     ["pledge", "withdraw", "meta-pledge", "--reason", "a test", "--source", "pledge withdrawal source",
                      "--source-url", "https://example.org/withdrawn", "--source-accessed", "2024-01-01"],
                     ["disclosure", "withdraw", "twitter-rt-2016", "--reason", "a test",
                      "--source", "disclosure withdrawal source"]):
            r = led.run(args, db=copy_db)
            checker.check(f"copy: {' '.join(args[:2])} {args[2]} exits 0", r.returncode == 0, r.stderr.strip()[:200])
        cmd("copy: report pledges, with withdrawals", ["report", "pledges"], PLE, db=copy_db)
        cmd("copy: pledge list, with withdrawals", ["pledge", "list"], "pledge-list.schema.json", db=copy_db)
        for adv in ["rt", "sputnik", "plain"]:
            for options in [[], ["--convert", "USD"], ["--convert", "EUR", "--by", "month"]]:
                cmd(f"copy: report advertiser {adv} {' '.join(options)}".strip(),
                    ["report", "advertiser", adv, *options], ADV, db=copy_db)
        for plat in ["twitter", "facebook", "meta"]:
            for options in [[], ["--convert", "EUR"]]:
                cmd(f"copy: report platform {plat} {' '.join(options)}".strip(),
                    ["report", "platform", plat, *options], PLAT, db=copy_db)

        # 5. What the schemas cannot say.
        def facts(label, problems):
            if label in outputs:
                checker.check(f"{label}: {facts.what}", not problems, "; ".join(problems[:4]))

        def advertiser_outputs():
            return [(k, v) for k, v in outputs.items() if isinstance(v, dict) and v.get("report") == "advertiser"]

        def report_outputs(kind):
            return [(k, v) for k, v in outputs.items() if isinstance(v, dict) and v.get("report") == kind]

        facts.what = "figures add up and trace to the entries"
        for label, out in report_outputs("advertiser"):
            facts(label, rollup_problems(out, "platform"))
        for label, out in report_outputs("platform"):
            facts(label, rollup_problems(out, "advertiser"))
        facts.what = "every record cites its source, once"
        for label, out in report_outputs("advertiser") + report_outputs("platform"):
            facts(label, sources_problems(out))
        facts.what = "disclosures are compared in their own currency, with the right shares"
        for label, out in report_outputs("advertiser") + report_outputs("platform"):
            problems = []
            for i, d in enumerate(out["disclosures"]):
                problems += disclosure_problems(f"disclosures[{i}]", d)
                key = "advertiser" if out["report"] == "advertiser" else "platform"
                if d[key] != out[key]["id"]:
                    problems.append(f"disclosures[{i}] is about {key} {d[key]}")
            facts(label, problems)
        for label, out in outputs.items():
            if label.startswith("disclosure record"):
                facts.what = "the share of each itemised row is right"
                facts(label, disclosure_problems("disclosure", out))

        # RT: Twitter's 1.9 million USD since 2011 beside the 274,100 USD itemised for 2016.
        facts.what = "RT's disclosed total is 1,900,000.00 USD, 14.4% itemised (entry 1, exact)"
        rt_entry = None
        for label, out in report_outputs("advertiser") + report_outputs("platform"):
            if label.startswith("copy:") or out.get("report") == "platform" and out["platform"]["id"] != "twitter":
                continue
            if out["report"] == "advertiser" and out["advertiser"]["id"] != "rt":
                continue
            found = [d for d in out["disclosures"] if d["id"] == "twitter-rt-disclosed-2017-10-26"]
            problems = []
            if len(found) != 1:
                problems.append(f"{len(found)} disclosures twitter-rt-disclosed-2017-10-26")
            else:
                d = found[0]
                rt_entry = d["itemised"][0]["entries"][0] if d["itemised"] else rt_entry
                if d["disclosed"] != {"currency": "USD", "amount": "1900000.00", "minor": 190000000}:
                    problems.append(f"disclosed {d['disclosed']}")
                if [(i["precision"], i["amount"]["amount"], i["share"], i["pro_rata"]) for i in d["itemised"]] != \
                        [("exact", "274100.00", "14.4%", False)]:
                    problems.append(f"itemised {d['itemised']}")
                if d["precision"] != "estimated" or d["period"]["text"] != "2011-01-01..2017-10-26":
                    problems.append(f"precision {d['precision']}, period {d['period']['text']}")
            facts(label, problems)
        facts.what = "the pledge's basis is 14.4% itemised and shows the disclosed total"
        for label, out in report_outputs("pledges"):
            twitter = [p for p in out["pledges"] if p["id"] == "twitter-pledge-2017-10-26"]
            if not twitter or label == "copy: report pledges, with withdrawals":  # entry 1 is reversed by then
                continue
            p = twitter[0]
            facts(label, [] if [i["share"] for i in p["basis_spend"]["itemised"]] == ["14.4%"]
                  and "twitter-rt-disclosed-2017-10-26" in [d["id"] for d in p["disclosed"]]
                  else [f"basis_spend {p['basis_spend']}, disclosed {[d['id'] for d in p['disclosed']]}"])

        facts.what = "pledges pass the filter, add up, and their bases are compared"
        for label, out in report_outputs("pledges"):
            facts(label, pledges_problems(out))
        everything = outputs.get("report policies", {}).get("policy_actions")
        if everything is not None:
            facts.what = "exactly the actions that pass the filter, by date then id"
            keys = [(a["date"], a["id"]) for a in everything]
            checker.check("report policies: by date, then id, every action", keys == sorted(keys) and len(keys) >= 11,
                          f"{keys}")
            for label, out in report_outputs("policies"):
                facts(label, policies_problems(out, everything))
        facts.what = "running balances, dates and the filter hold"
        for label, out in report_outputs("register"):
            facts(label, register_problems(out))
        facts.what = "rows add up to the totals, zero in every column when every account is shown"
        for label, out in report_outputs("balance"):
            facts(label, balance_problems(out))

        # The register and the balance agree.
        reg, bal = outputs.get("register"), outputs.get("balance")
        if reg and bal:
            sums = {}
            for p in reg["postings"]:
                k = (p["account"], p["amount"]["currency"])
                sums[k] = sums.get(k, 0) + p["amount"]["minor"]
            checker.check("balance is the sum of the register's postings per account and currency",
                          sums == {(a["account"], a["currency"]): a["balance"]["minor"] for a in bal["accounts"]},
                          f"{sorted(sums.items())[:4]}")
        # A platform's totals per advertiser are the advertiser's per platform.
        for plat_label, plat in report_outputs("platform"):
            if plat_label.startswith("copy:") or plat["range"] != {"from": None, "to": None}:
                continue
            for f in plat["totals"]:
                adv = outputs.get(f"report advertiser {f['advertiser']}")
                if adv is None:
                    continue
                mine = [g for g in adv["totals"] if g["platform"] == plat["platform"]["id"]
                        and g["amount"]["currency"] == f["amount"]["currency"] and g["precision"] == f["precision"]]
                checker.check(f"{plat_label}: {f['advertiser']}'s total is the advertiser report's",
                              len(mine) == 1 and mine[0]["amount"] == f["amount"]
                              and mine[0]["entries"] == f["entries"],
                              f"{f} vs {mine}")

        # The cases above must exercise the non-null branches of the schemas.
        lifted = outputs.get("ban-status, lifted ban")
        if lifted:
            ban = lifted["platforms"][0]["ban"] if lifted["platforms"] else None
            checker.check("lifted ban has non-null until and lifted_by",
                          bool(ban) and ban.get("until") is not None and ban.get("lifted_by") is not None,
                          f"got {ban!r}")
        one = outputs.get("ban-status, one platform")
        if one:
            checker.check("ban-status --platform reports one platform, banned",
                          len(one["platforms"]) == 1 and one["banned"] is True, f"got {one!r}"[:300])
        viol = outputs.get("report, violation")
        if viol:
            checker.check("report shows the violation", len(viol["violations"]) >= 1, "no violations")
            checker.check("report --by quarter has periods", len(viol["periods"]) >= 1, "no periods")
        month = outputs.get("report --by month")
        if month:
            checker.check("report --by month has by=month and periods",
                          month["by"] == "month" and len(month["periods"]) >= 1, f"by={month['by']!r}")
        plain = outputs.get("report")
        if plain:
            checker.check("report with no options has an open range, null by, status today",
                          plain["range"] == {"from": None, "to": None} and plain["by"] is None
                          and plain["status_on"] == TODAY,
                          f"range={plain['range']!r} by={plain['by']!r} status_on={plain['status_on']!r}")
        week = outputs.get("report advertiser rt --by week")
        if week:
            texts = [f["period"]["text"] for f in week["periods"]]
            checker.check("report --by week has the 53 ISO weeks 2015-W53 to 2016-W52",
                          week["by"] == "week" and len(texts) == 53 and texts[0] == "2015-W53"
                          and texts[-1] == "2016-W52", f"{texts[:2]}..{texts[-2:]} ({len(texts)})")
        cut = outputs.get("report advertiser fb-unattributed-ru --from 2016-07-01 --to 2017-12-31 --by month")
        if cut:
            checker.check("a range that cuts an entry makes its total pro rata",
                          cut["range"] == {"from": "2016-07-01", "to": "2017-12-31"}
                          and [f["pro_rata"] for f in cut["totals"]] == [True]
                          and len(cut["periods"]) == 11, f"totals {cut['totals']}, {len(cut['periods'])} periods")
        empty = outputs.get("report advertiser sputnik")
        if empty:
            checker.check("sputnik has no spend, no disclosure, a ban",
                          not empty["totals"] and not empty["by_tag"] and not empty["disclosures"]
                          and any(c["banned"] for c in empty["ban_status"]), "")
        disb = outputs.get("pledge disburse again")
        if disb:
            checker.check("pledge after two disbursements lists both", len(disb["disbursements"]) == 2,
                          f"{len(disb['disbursements'])} disbursements")
        bal = outputs.get("balance")
        if bal:
            checker.check("balance has totals in several currencies", len(bal["totals"]) >= 3,
                          f"totals: {bal['totals']!r}")
        weeks = outputs.get("balance --by week")
        if weeks:
            checker.check("balance --by week has a column per ISO week, empty ones included",
                          len(weeks["columns"]) > 250
                          and all(re.fullmatch(r"[0-9]{4}-W[0-9]{2}", c["text"]) for c in weeks["columns"]),
                          f"{len(weeks['columns'])} columns")
        depth1 = outputs.get("balance --depth 1")
        if depth1:
            checker.check("balance --depth 1 sums to the four top accounts",
                          sorted({a["account"] for a in depth1["accounts"]})
                          == ["assets", "expenses", "income", "liabilities"], f"{depth1['accounts']}"[:300])
        imported = outputs.get("import")
        if imported:
            checker.check("import counts the fixture's disclosed total", imported["disclosures"] == 1,
                          f"{imported}")
        pol = outputs.get("report policies --platform twitter --advertiser rt --kind ad_ban "
                          "--from 2017-01-01 --to 2017-12-31")
        if pol:
            checker.check("report policies with every filter keeps Twitter's ban of RT",
                          [a["id"] for a in pol["policy_actions"]] == ["twitter-ad-ban-2017-10-26"]
                          and pol["filter"] == {"platform": "twitter", "advertiser": "rt", "kind": "ad_ban",
                                                "from": "2017-01-01", "to": "2017-12-31"}, f"{pol}"[:300])

        d = outputs.get("disclosure record")
        if d:
            checker.check("disclosure record: 274,100 of 300,000 is 91.4%",
                          [(i["precision"], i["amount"]["amount"], i["share"]) for i in d["itemised"]]
                          == [("exact", "274100.00", "91.4%")] and d["precision"] == "approximate"
                          and d["note"] == "a note" and d["id"] == "twitter-rt-2016", f"{d}"[:300])
        d = outputs.get("disclosure record, pro rata")
        if d:
            checker.check("disclosure record with no id, note or precision: the id is made, -2 as taken",
                          d["id"] == "twitter-rt-disclosed-2017-10-26-2" and d["note"] is None
                          and d["precision"] == "exact", f"{d}"[:300])
            checker.check("disclosure record over part of an entry is pro rata",
                          [i["pro_rata"] for i in d["itemised"]] == [True]
                          and 0 < d["itemised"][0]["amount"]["minor"] < 27410000, f"{d['itemised']}")
        d = outputs.get("disclosure record, other currency")
        if d:
            checker.check("disclosure record in EUR compares nothing and lists the USD entry",
                          d["itemised"] == [] and len(d["other_currency_entries"]) == 1, f"{d}"[:300])
        d = outputs.get("disclosure record, nothing itemised")
        if d:
            checker.check("disclosure record with nothing itemised", d["itemised"] == []
                          and d["other_currency_entries"] == [] and d["period"]["first"] == "2017-01-02",
                          f"{d}"[:300])
        d = outputs.get("disclosure record, two precisions")
        if d:
            checker.check("disclosure record: one itemised row per precision, and the EUR entry apart",
                          [(i["precision"], i["amount"]["amount"], i["share"]) for i in d["itemised"]]
                          == [("exact", "1000.00", "5.0%"), ("approximate", "12345.67", "61.7%")]
                          and len(d["other_currency_entries"]) == 1, f"{d}"[:400])
        pledges = outputs.get("copy: report pledges")
        if pledges:
            all_time = [p for p in pledges["pledges"] if p["id"] == "twitter-rt-all-time"]
            checker.check("a pledge based on an advertiser's spend over all time",
                          len(all_time) == 1 and all_time[0]["basis_range"]["text"] == "1400-01-01..9999-12-31"
                          and [i["share"] for i in all_time[0]["basis_spend"]["itemised"]] == ["54.8%"]
                          and len(all_time[0]["disclosed"]) == 4, f"{all_time}"[:400])
        copy_rt = outputs.get("copy: report advertiser rt")
        if copy_rt:
            checker.check("the advertiser report lists the disclosures recorded on the copy",
                          len(copy_rt["disclosures"]) == 4
                          and any(c.startswith("disclosure twitter-rt-2016") for s in copy_rt["sources"]
                                  for c in s["cited_by"]), f"{[d['id'] for d in copy_rt['disclosures']]}")
        main_rt = outputs.get("report advertiser rt")
        if main_rt:
            checker.check("the disclosures on the copy did not reach the ledger it was copied from",
                          len(main_rt["disclosures"]) == 1, f"{[d['id'] for d in main_rt['disclosures']]}")

        # 6. Deliberately broken outputs must be rejected.
        def broken(label, schema_file, edit, what=""):
            out = outputs.get(label)
            if out is None:
                checker.fail(f"{schema_file} rejects a broken '{label}' output", "no such output")
                return
            out = copy.deepcopy(out)
            edit(out)
            reject(f"{schema_file} rejects a broken '{label}' output{': ' + what if what else ''}", schema_file, out)

        broken("spend record", "spend-entry.schema.json", lambda o: o.update(extra=1))
        broken("spend record", "spend-entry.schema.json", lambda o: o.pop("note"))
        broken("spend record", "spend-entry.schema.json", lambda o: o["amount"].update(amount=123.45))
        broken("spend record", "spend-entry.schema.json", lambda o: o["amount"].update(amount="12345.6"))
        broken("spend record, minimal", "spend-entry.schema.json", lambda o: o["amount"].update(amount="5000.00"))
        broken("policy ban", "policy-action.schema.json", lambda o: o.update(kind="ban"))
        broken("pledge record", "pledge.schema.json", lambda o: o["pledged"].pop("minor"))
        broken("pledge record", "pledge.schema.json", lambda o: o.update(basis_range=None), "a pledges-report field")
        broken("pledge record", "pledge.schema.json", lambda o: o.pop("txn"))
        broken("pledge disburse", "pledge.schema.json",
               lambda o: o["outstanding"].update(amount="-1.00", minor=-100), "negative outstanding")
        broken("ban-status, one platform", "ban-status.schema.json", lambda o: o["platforms"][0].update(ban=None))
        broken("ban-status, one platform", "ban-status.schema.json", lambda o: o.update(banned=False))
        broken("import", "import-result.schema.json", lambda o: o.update(spend="2"))
        broken("import", "import-result.schema.json", lambda o: o.pop("disclosures"))

        broken("report", ADV, lambda o: o["advertiser"].update(handles=[]))
        broken("report", ADV, lambda o: o["entries"][0]["period"].update(text="2016-Q9"))
        broken("report", ADV, lambda o: o.pop("by_market"))
        broken("report", ADV, lambda o: o.update(by="day"))
        broken("report", ADV, lambda o: o["totals"][0].update(advertiser="rt"), "a platform report's key")
        broken("report", ADV, lambda o: o["totals"][0].pop("platform"))
        broken("report", ADV, lambda o: o["totals"][0].update(period=o["entries"][0]["period"]),
               "a period in a total")
        broken("report", ADV, lambda o: o["totals"][0]["amount"].update(amount="-1.00", minor=-100),
               "a negative total")
        broken("report", ADV, lambda o: o["totals"][0].update(entries=[]))
        broken("report", ADV, lambda o: o.update(periods=copy.deepcopy(
            outputs["report advertiser rt --by quarter"]["periods"])), "period rows without --by")
        broken("report advertiser rt --by week", ADV, lambda o: o.update(by="quarter"), "week rows under --by quarter")
        broken("report advertiser rt --by quarter", ADV, lambda o: o["periods"][0].pop("period"))
        broken("report advertiser rt --by quarter", ADV, lambda o: o["periods"][0]["period"].update(text="2016-W01"))
        broken("report", ADV, lambda o: o["by_tag"][0].pop("tag"))
        broken("report", ADV, lambda o: o["by_tag"][0].update(market="US"), "a market in a tag row")
        broken("report", ADV, lambda o: o["by_market"][0].update(tag="x"))
        broken("report", ADV, lambda o: o["by_precision"][0].update(platform="twitter"), "a key in by_precision")
        broken("report", ADV, lambda o: o["by_precision"][0].update(precision="rough"))
        broken("report", ADV, lambda o: o["disclosures"][0]["itemised"][0].update(share=14.4))
        broken("report", ADV, lambda o: o["disclosures"][0]["itemised"][0].update(share="14.4"))
        broken("report", ADV, lambda o: o["disclosures"][0]["itemised"][0].update(share="14%"))
        broken("report", ADV, lambda o: o["disclosures"][0].update(comparison={}))
        broken("report", ADV, lambda o: o["disclosures"][0].pop("other_currency_entries"))
        broken("report", ADV, lambda o: o["disclosures"][0].update(other_currency_entries=[1, 1]))
        broken("report", ADV, lambda o: o["sources"][0]["cited_by"].append("report rt"))
        broken("report", ADV, lambda o: o["range"].update(until=None))

        broken("report platform twitter", PLAT, lambda o: o["totals"][0].update(platform="twitter"),
               "an advertiser report's key")
        broken("report platform twitter", PLAT, lambda o: o["totals"][0].pop("advertiser"))
        broken("report platform twitter", PLAT, lambda o: o.update(report="advertiser"))
        broken("report platform twitter", PLAT, lambda o: o.update(status_on="2026-13-01"))
        broken("report platform twitter", PLAT, lambda o: o["platform"].update(country="US"))
        broken("report platform twitter --by quarter", PLAT, lambda o: o.update(by=None))
        broken("report platform twitter --by week", PLAT,
               lambda o: o["periods"][0]["period"].update(text="2016-01", first="2016-01-01", last="2016-01-31"))

        broken("report policies", POL, lambda o: o["filter"].update(kind="ban"))
        broken("report policies", POL, lambda o: o["filter"].pop("to"))
        broken("report policies", POL, lambda o: o.update(report="policy"))
        broken("report policies", POL, lambda o: o["policy_actions"][0].update(kind="ban"))

        broken("report pledges", PLE, lambda o: o["pledges"][0].update(basis_spend=None),
               "no basis spend for a basis advertiser")
        broken("report pledges", PLE, lambda o: o["pledges"][0].pop("basis_range"))
        broken("report pledges", PLE, lambda o: o["pledges"][0].update(extra=1))
        broken("report pledges", PLE, lambda o: o["pledges"][0]["basis_spend"].update(itemised=None))
        broken("report pledges --platform meta", PLE, lambda o: o["pledges"][-1].update(
            basis_range=o["pledges"][0]["basis_range"]), "a basis range with no basis advertiser")
        broken("report pledges", PLE, lambda o: o["filter"].update(kind=None))

        broken("register", REG, lambda o: o["postings"][0].update(account="expenses:rt"))
        broken("register", REG, lambda o: o["postings"][0].update(kind="refund"))
        broken("register", REG, lambda o: o["postings"][0].pop("running"))
        broken("register", REG, lambda o: o["postings"][0].update(account="liabilities:pledges:twitter:p"),
               "a spend posted to a pledge account")
        broken("register", REG, lambda o: o["postings"][0]["amount"].update(amount="0.00", minor=0))
        broken("register", REG, lambda o: o["filter"].pop("account"))

        broken("balance", BAL, lambda o: o["totals"][0]["balance"].update(minor=1, amount="0.01"))
        broken("balance --by quarter", BAL, lambda o: o["totals"][0]["periods"][0].update(minor=1, amount="0.01"))
        broken("balance", BAL, lambda o: o.update(columns=copy.deepcopy(outputs["balance --by year"]["columns"])),
               "columns without --by")
        broken("balance --by quarter", BAL, lambda o: o.update(by="year"), "quarter columns under --by year")
        broken("balance", BAL, lambda o: o["accounts"][0].update(extra=1))
        broken("balance", BAL, lambda o: o["accounts"][0].update(account="expenses:ads:rt:twitter:x"))
        broken("balance", BAL, lambda o: o["accounts"][0].pop("currency"))
        broken("balance", BAL, lambda o: o.update(depth=0))
        broken("balance --depth 1", BAL, lambda o: o["accounts"][0].update(account="revenue"))

        broken("disclosure record", DIS, lambda o: o["itemised"][0].update(share="91.4"))
        broken("disclosure record", DIS, lambda o: o["disclosed"].update(amount="0.00", minor=0))
        broken("disclosure record", DIS, lambda o: o.pop("note"))
        broken("disclosure record", DIS, lambda o: o.pop("other_currency_entries"))
        broken("disclosure record", DIS, lambda o: o.update(precision="rough"))
        broken("disclosure record", DIS, lambda o: o["itemised"][0].update(entries=[]))
        broken("disclosure record", DIS, lambda o: o["itemised"][0].update(currency="USD"))
        broken("disclosure record", DIS, lambda o: o["period"].update(text="2016-H1"))
        broken("disclosure record", DIS, lambda o: o.update(id="Twitter RT"))

    print(f"{checker.passed} passed, {checker.failed} failed")
    return 0 if checker.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
