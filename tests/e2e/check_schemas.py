#!/usr/bin/python3
"""Checks the JSON Schemas in schemas/ against the fixtures and the program.

  check_schemas.py --adledger PATH_TO_BINARY --root REPO_ROOT

1. Every schema is itself a valid draft 2020-12 schema.
2. Every fixtures/*.json validates against schemas/import.schema.json.
3. Deliberately wrong import documents are rejected by the import schema
   (so that it is not vacuous), and by the importer too (so that the schema
   and the importer agree); documents using null for optional fields are
   accepted by both.
4. In a fresh ledger in a temporary directory, every command that prints
   JSON is run with --format json and what it prints validates against its
   schema. Some outputs are then deliberately broken and must be rejected.

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
    return d


GOOD_DOCUMENTS = [
    ("minimal document", lambda d: d),
    ("format only", lambda d: {"format": "adledger/1"}),
    ("empty sections as null", lambda d: {"format": "adledger/1", "platforms": None, "advertisers": None,
                                          "policy_actions": None, "spend": None, "pledges": None}),
    ("optional fields as null", null_optionals),
    ("currencies with 0, 3 and 4 decimals",
     lambda d: (d["spend"].extend([
         dict(d["spend"][0], currency="JPY", amount="1,000", period="2020-04"),
         dict(d["spend"][0], currency="KWD", amount="1.125", period="2020-05"),
         dict(d["spend"][0], currency="UYW", amount="0.0001", period="2020-06")]), d)[1]),
]


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
                "advertiser.schema.json", "advertiser-link.schema.json", "advertiser-list.schema.json"]
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
                             ("wrong-format.json", False), ("bad-amount.json", False),
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

        def cmd(label, args, schema_file, exit_codes=(0,)):
            r = led.run(args)
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
                             "--items", "40", "--market", "FR", "--tag", "political", "--tag", "video",
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

        cmd("platform list", ["platform", "list"], "platform-list.schema.json")
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

        cmd("report", ["report", "advertiser", "rt"], "report-advertiser.schema.json")
        cmd("report --by quarter", ["report", "advertiser", "rt", "--by", "quarter"],
            "report-advertiser.schema.json")
        cmd("report --by month", ["report", "advertiser", "rt", "--by", "month"], "report-advertiser.schema.json")
        cmd("report --from --to", ["report", "advertiser", "rt", "--from", "2016-10-01", "--to", "2017-12-31"],
            "report-advertiser.schema.json")
        cmd("report --from only", ["report", "advertiser", "fb-unattributed-ru", "--from", "2016-01-01",
                                   "--by", "year"], "report-advertiser.schema.json")
        cmd("report, violation", ["report", "advertiser", "acme", "--by", "quarter"],
            "report-advertiser.schema.json")
        cmd("report, empty", ["report", "advertiser", "sputnik", "--to", "2017-12-31"],
            "report-advertiser.schema.json")
        cmd("balance", ["balance"], "balance.schema.json")

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
        disb = outputs.get("pledge disburse again")
        if disb:
            checker.check("pledge after two disbursements lists both", len(disb["disbursements"]) == 2,
                          f"{len(disb['disbursements'])} disbursements")
        bal = outputs.get("balance")
        if bal:
            checker.check("balance has totals in several currencies", len(bal["totals"]) >= 3,
                          f"totals: {bal['totals']!r}")

        # Deliberately broken outputs must be rejected.
        def broken(label, schema_file, edit):
            out = outputs.get(label)
            if out is None:
                return
            out = copy.deepcopy(out)
            edit(out)
            reject(f"{schema_file} rejects a broken '{label}' output", schema_file, out)

        broken("spend record", "spend-entry.schema.json", lambda o: o.update(extra=1))
        broken("spend record", "spend-entry.schema.json", lambda o: o.pop("note"))
        broken("spend record", "spend-entry.schema.json", lambda o: o["amount"].update(amount=123.45))
        broken("spend record", "spend-entry.schema.json", lambda o: o["amount"].update(amount="12345.6"))
        broken("spend record, minimal", "spend-entry.schema.json", lambda o: o["amount"].update(amount="5000.00"))
        broken("policy ban", "policy-action.schema.json", lambda o: o.update(kind="ban"))
        broken("pledge record", "pledge.schema.json", lambda o: o["pledged"].pop("minor"))
        broken("ban-status, one platform", "ban-status.schema.json", lambda o: o["platforms"][0].update(ban=None))
        broken("ban-status, one platform", "ban-status.schema.json", lambda o: o.update(banned=False))
        broken("report", "report-advertiser.schema.json", lambda o: o["advertiser"].update(handles=[]))
        broken("report", "report-advertiser.schema.json", lambda o: o["entries"][0]["period"].update(text="2016-Q9"))
        broken("balance", "balance.schema.json", lambda o: o["totals"][0].update(minor=1, amount="0.01"))
        broken("import", "import-result.schema.json", lambda o: o.update(spend="2"))

    print(f"{checker.passed} passed, {checker.failed} failed")
    return 0 if checker.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
