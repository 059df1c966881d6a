#!/usr/bin/python3
"""Checks the PostgreSQL schema against Citus's rules, under adledger's plan.

    check_citus_rules.py [--schema FILE ...] [--plan FILE] [--doc FILE]
    check_citus_rules.py --as-is [--schema FILE ...] [--plan FILE]
    check_citus_rules.py --list-plan | --list-rewrites | --print-plan
    check_citus_rules.py --self-test

docs/scale-out.md describes how adledger's schema distributes on a Citus
cluster: which tables are distributed, and by which column, which are
reference tables (a copy on every node), and which keys must change for
Citus to accept them. This script holds that plan as data (PLAN and
REWRITES below; --plan FILE replaces it with a JSON file of the same form,
{"tables": {...}, "rewrites": [...]}) and checks it against the schema a
new ledger gets: schemas/postgresql/ledger.sql and then every migration of
schemas/postgresql/migrations/, in order of version (--schema, given once
or more, reads those files instead, in that order).

By default it applies the plan's rewrites to the schema (each rewrite names
the constraint it replaces as the schema has it today: a rewrite that no
longer finds its constraint is a violation too) and checks the result:

  (a) every PRIMARY KEY and UNIQUE constraint (and unique index) of a
      distributed table includes its distribution column;
  (b) a foreign key from a distributed table goes to a reference table, or
      to a distributed table of the same co-location group with the two
      distribution columns paired in the key;
  (c) a reference table has no foreign key to a distributed table;
  (d) a distribution column exists and is NOT NULL (Citus refuses a row
      whose distribution column is NULL), and the tables of a co-location
      group are distributed by columns of one type;
  (e) every table of the schema is in the plan, and every table of the
      plan is in the schema;
  (f) every foreign key's referenced columns are exactly those of a
      PRIMARY KEY or UNIQUE constraint of the referenced table (PostgreSQL's
      own rule, which a rewritten key could break);
  (g) every rewrite applies (the constraint it replaces or drops is there).

With --doc (default docs/scale-out.md, when it exists) it also checks that
the document lists the plan: every line that --list-plan and --list-rewrites
print must appear in it as is, so that the plan and its description do not
drift apart.

--as-is checks the schema as it is, without the rewrites: today's schema is
not ready for Citus, and this lists why.

Prints each violation on a line of its own, "table: constraint: rule (x):
why", then a summary line; exits 1 if there is any violation, 0 otherwise
(2 on a usage error or a schema it cannot read). Python 3's standard library
only.
"""

import argparse
import json
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_SCHEMA = os.path.join(ROOT, "schemas", "postgresql", "ledger.sql")
MIGRATIONS = os.path.join(ROOT, "schemas", "postgresql", "migrations")


def default_schema_files():
    """ledger.sql, then each migration N.sql in order of N."""
    versions = sorted(int(name[:-4]) for name in os.listdir(MIGRATIONS)
                      if name.endswith(".sql") and name[:-4].isdigit()) if os.path.isdir(MIGRATIONS) else []
    return [DEFAULT_SCHEMA] + [os.path.join(MIGRATIONS, f"{v}.sql") for v in versions]
DEFAULT_DOC = os.path.join(ROOT, "docs", "scale-out.md")

# --- the plan (docs/scale-out.md, "Where each table goes") ------------------
#
# {"distributed": COLUMN, "colocate": GROUP} or {"reference": True}. Every
# table distributed in the group "advertiser" has its rows for one advertiser
# on one shard; the tables of the record log are distributed by the key of
# their log, a value chosen to fall on the log's shard (docs/scale-out.md).

PLAN = {
    "ledger_mark": {"reference": True},
    "platform": {"reference": True},
    "advertiser": {"distributed": "id", "colocate": "advertiser"},
    "handle": {"reference": True},
    "spend_entry": {"distributed": "advertiser_id", "colocate": "advertiser"},
    "spend_reversal": {"distributed": "advertiser_id", "colocate": "advertiser"},
    "policy_action": {"reference": True},
    "policy_action_advertiser": {"distributed": "advertiser_id", "colocate": "advertiser"},
    "policy_withdrawal": {"reference": True},
    "pledge": {"reference": True},
    "disbursement": {"reference": True},
    "disclosed_total": {"distributed": "advertiser_id", "colocate": "advertiser"},
    "pledge_withdrawal": {"reference": True},
    "disbursement_withdrawal": {"reference": True},
    "disclosed_total_withdrawal": {"distributed": "advertiser_id", "colocate": "advertiser"},
    "exchange_rate": {"reference": True},
    "account_total": {"distributed": "log_key", "colocate": "advertiser"},
    "currency_total": {"distributed": "log_key", "colocate": "advertiser"},
    "record_log": {"distributed": "log_key", "colocate": "advertiser"},
    "log_tree": {"distributed": "log_key", "colocate": "advertiser"},
    "log_tree_node": {"distributed": "log_key", "colocate": "advertiser"},
    "ledger_log": {"reference": True},
    "api_token": {"reference": True},
    "api_token_revocation": {"reference": True},
    "api_idempotency": {"reference": True},
}

# --- the key changes (docs/scale-out.md, "Keys that change") ----------------
#
# Constraints are written as this script normalises them: a column's own
# PRIMARY KEY, UNIQUE or REFERENCES becomes the table constraint it stands
# for ("PRIMARY KEY (id)", "FOREIGN KEY (platform_id) REFERENCES platform
# (id)"). Each rewrite is one of
#   ["add table", SQL]                          a CREATE TABLE statement
#   ["add column", TABLE, COLUMN DEFINITION]
#   ["replace", TABLE, OLD CONSTRAINT, NEW CONSTRAINT]
#   ["drop", TABLE, CONSTRAINT]
#   ["add", TABLE, CONSTRAINT]

REWRITES = [
    ["add table", "CREATE TABLE ledger_log (log_key text PRIMARY KEY, log_index integer NOT NULL UNIQUE, "
                  "shard_id bigint UNIQUE)"],
    ["drop", "handle", "FOREIGN KEY (advertiser_id) REFERENCES advertiser (id)"],
    ["replace", "spend_entry", "PRIMARY KEY (id)", "PRIMARY KEY (advertiser_id, id)"],
    ["replace", "spend_entry", "UNIQUE (txn_id)", "UNIQUE (advertiser_id, txn_id)"],
    ["replace", "spend_entry", "UNIQUE (external_id)", "UNIQUE (advertiser_id, external_id)"],
    ["add column", "spend_reversal", "advertiser_id text NOT NULL"],
    ["replace", "spend_reversal", "PRIMARY KEY (entry_id)", "PRIMARY KEY (advertiser_id, entry_id)"],
    ["replace", "spend_reversal", "UNIQUE (txn_id)", "UNIQUE (advertiser_id, txn_id)"],
    ["replace", "spend_reversal", "FOREIGN KEY (entry_id) REFERENCES spend_entry (id)",
     "FOREIGN KEY (advertiser_id, entry_id) REFERENCES spend_entry (advertiser_id, id)"],
    ["drop", "pledge", "FOREIGN KEY (basis_advertiser_id) REFERENCES advertiser (id)"],
    ["replace", "disclosed_total", "PRIMARY KEY (id)", "PRIMARY KEY (advertiser_id, id)"],
    ["add column", "disclosed_total_withdrawal", "advertiser_id text NOT NULL"],
    ["replace", "disclosed_total_withdrawal", "PRIMARY KEY (disclosed_total_id)",
     "PRIMARY KEY (advertiser_id, disclosed_total_id)"],
    ["replace", "disclosed_total_withdrawal", "FOREIGN KEY (disclosed_total_id) REFERENCES disclosed_total (id)",
     "FOREIGN KEY (advertiser_id, disclosed_total_id) REFERENCES disclosed_total (advertiser_id, id)"],
    ["add column", "account_total", "log_key text NOT NULL"],
    ["replace", "account_total", "PRIMARY KEY (account, currency, log_size)",
     "PRIMARY KEY (log_key, account, currency, log_size)"],
    ["add", "account_total", "FOREIGN KEY (log_key) REFERENCES ledger_log (log_key)"],
    ["add column", "currency_total", "log_key text NOT NULL"],
    ["replace", "currency_total", "PRIMARY KEY (currency, log_size)", "PRIMARY KEY (log_key, currency, log_size)"],
    ["add", "currency_total", "FOREIGN KEY (log_key) REFERENCES ledger_log (log_key)"],
    ["add column", "record_log", "log_key text NOT NULL"],
    ["add column", "record_log", "advertiser_id text"],
    ["replace", "record_log", "PRIMARY KEY (seq)", "PRIMARY KEY (log_key, seq)"],
    ["replace", "record_log", "UNIQUE (kind, ref)", "UNIQUE (log_key, kind, ref)"],
    ["add", "record_log", "FOREIGN KEY (log_key) REFERENCES ledger_log (log_key)"],
    ["add column", "log_tree", "log_key text NOT NULL"],
    ["replace", "log_tree", "PRIMARY KEY (size)", "PRIMARY KEY (log_key, size)"],
    ["add", "log_tree", "FOREIGN KEY (log_key) REFERENCES ledger_log (log_key)"],
    ["add column", "log_tree_node", "log_key text NOT NULL"],
    ["replace", "log_tree_node", "PRIMARY KEY (level, idx)", "PRIMARY KEY (log_key, level, idx)"],
    ["add", "log_tree_node", "FOREIGN KEY (log_key) REFERENCES ledger_log (log_key)"],
]


class SchemaError(Exception):
    """A schema this script cannot read."""


# --- reading SQL -----------------------------------------------------------

def statements(sql):
    """The statements of an SQL text, comments removed, split at top-level
    semicolons; quoted strings, quoted identifiers and dollar-quoted bodies
    are kept whole."""
    out, cur, i, n = [], [], 0, len(sql)
    while i < n:
        c = sql[i]
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            cur.append(" ")
        elif sql.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            if depth:
                raise SchemaError("a comment /* ... is not closed")
            i = j
            cur.append(" ")
        elif c == "'" or c == '"':
            j = i + 1
            while True:
                j = sql.find(c, j)
                if j < 0:
                    raise SchemaError(f"a quoted {'string' if c == chr(39) else 'name'} is not closed")
                if sql.startswith(c + c, j):
                    j += 2
                    continue
                break
            cur.append(sql[i:j + 1])
            i = j + 1
        elif c == "$":
            m = re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", sql[i:])
            if m:
                tag = m.group(0)
                j = sql.find(tag, i + len(tag))
                if j < 0:
                    raise SchemaError(f"a body quoted with {tag} is not closed")
                cur.append(sql[i:j + len(tag)])
                i = j + len(tag)
            else:
                cur.append(c)
                i += 1
        elif c == ";":
            text = "".join(cur).strip()
            if text:
                out.append(text)
            cur = []
            i += 1
        else:
            cur.append(c)
            i += 1
    text = "".join(cur).strip()
    if text:
        out.append(text)
    return out


TOKEN = re.compile(r"""\s*(?:('(?:[^']|'')*')|("(?:[^"]|"")*")|(\$[A-Za-z_0-9]*\$)|([A-Za-z_][A-Za-z_0-9$]*)|"""
                   r"""(\d+(?:\.\d+)?)|(::|<>|<=|>=|!=|~\*|!~|[(),.;=<>+\-*/~!|&^%\[\]:@#?]))""")


def tokens(text):
    out, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] == "$" and re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", text[i:]):
            tag = re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", text[i:]).group(0)
            j = text.find(tag, i + len(tag))
            out.append(text[i:j + len(tag)])
            i = j + len(tag)
            continue
        m = TOKEN.match(text, i)
        if not m or m.end() == i:
            raise SchemaError(f"cannot read {text[i:i + 20]!r}")
        out.append(m.group(0).strip())
        i = m.end()
    return out


def ident(tok):
    """An identifier as PostgreSQL folds it."""
    if tok.startswith('"'):
        return tok[1:-1].replace('""', '"')
    return tok.lower()


def split_top(toks, sep=","):
    """Splits tokens at top-level separators (outside parentheses)."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
        if t == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


def paren_group(toks, i):
    """The tokens inside the parentheses opening at toks[i], and the index after them."""
    if i >= len(toks) or toks[i] != "(":
        raise SchemaError(f"expected '(' at {' '.join(toks[i:i + 5])!r}")
    depth, j = 0, i
    while j < len(toks):
        if toks[j] == "(":
            depth += 1
        elif toks[j] == ")":
            depth -= 1
            if depth == 0:
                return toks[i + 1:j], j + 1
        j += 1
    raise SchemaError("a parenthesis is not closed")


def column_list(toks, i):
    inner, j = paren_group(toks, i)
    cols = []
    for part in split_top(inner):
        if len(part) != 1 or not (part[0][:1].isalpha() or part[0][:1] in '_"'):
            raise SchemaError(f"not a list of columns: ({' '.join(inner)})")
        cols.append(ident(part[0]))
    return cols, j


def qualified_name(toks, i):
    """schema.name or name at toks[i]: the name without its schema, and the index after it."""
    name = ident(toks[i])
    i += 1
    if i + 1 < len(toks) and toks[i] == ".":
        name = ident(toks[i + 1])
        i += 2
    return name, i


class Constraint:
    def __init__(self, kind, columns, ref_table=None, ref_columns=None):
        self.kind = kind  # "PRIMARY KEY", "UNIQUE", "FOREIGN KEY"
        self.columns = list(columns)
        self.ref_table = ref_table
        self.ref_columns = None if ref_columns is None else list(ref_columns)

    def text(self):
        s = f"{self.kind} ({', '.join(self.columns)})"
        if self.kind == "FOREIGN KEY":
            s += f" REFERENCES {self.ref_table}"
            if self.ref_columns is not None:
                s += f" ({', '.join(self.ref_columns)})"
        return s


class Column:
    def __init__(self, name, type_, not_null):
        self.name, self.type, self.not_null = name, type_, not_null


class Table:
    def __init__(self, name):
        self.name = name
        self.columns = {}
        self.constraints = []

    def unique_keys(self):
        return [c for c in self.constraints if c.kind in ("PRIMARY KEY", "UNIQUE")]


CONSTRAINT_WORDS = {"constraint", "primary", "unique", "references", "not", "null", "check", "default",
                    "collate", "generated", "deferrable", "initially"}


def parse_table_constraint(toks):
    """A table constraint's tokens (CONSTRAINT name already removed): a Constraint, or None for CHECK/EXCLUDE."""
    head = toks[0].lower()
    if head == "check":
        return None
    if head == "exclude":
        raise SchemaError("EXCLUDE constraints are not checked by this script")
    if head == "primary":
        if len(toks) < 2 or toks[1].lower() != "key":
            raise SchemaError(f"cannot read {' '.join(toks)!r}")
        cols, _ = column_list(toks, 2)
        return Constraint("PRIMARY KEY", cols)
    if head == "unique":
        i = 1
        if i < len(toks) and toks[i].lower() == "nulls":  # UNIQUE NULLS [NOT] DISTINCT
            i += 2 if toks[i + 1].lower() == "distinct" else 3
        cols, _ = column_list(toks, i)
        return Constraint("UNIQUE", cols)
    if head == "foreign":
        if len(toks) < 2 or toks[1].lower() != "key":
            raise SchemaError(f"cannot read {' '.join(toks)!r}")
        cols, i = column_list(toks, 2)
        if i >= len(toks) or toks[i].lower() != "references":
            raise SchemaError(f"a foreign key without REFERENCES: {' '.join(toks)!r}")
        ref, i = qualified_name(toks, i + 1)
        ref_cols = None
        if i < len(toks) and toks[i] == "(":
            ref_cols, i = column_list(toks, i)
        return Constraint("FOREIGN KEY", cols, ref, ref_cols)
    raise SchemaError(f"cannot read the table constraint {' '.join(toks)!r}")


def parse_column(toks):
    """A column definition: (Column, [Constraint])."""
    name = ident(toks[0])
    i = 1
    type_toks = []
    depth = 0
    while i < len(toks):
        t = toks[i]
        if depth == 0 and t.lower() in CONSTRAINT_WORDS:
            break
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        type_toks.append(t.lower())
        i += 1
    if not type_toks:
        raise SchemaError(f"column {name} has no type")
    type_ = " ".join(type_toks).replace(" ( ", "(").replace(" )", ")").replace(" , ", ",")
    not_null = False
    constraints = []
    while i < len(toks):
        t = toks[i].lower()
        if t == "constraint":
            i += 2
            continue
        if t == "not" and i + 1 < len(toks) and toks[i + 1].lower() == "null":
            not_null = True
            i += 2
        elif t == "null":
            i += 1
        elif t == "primary":
            if i + 1 >= len(toks) or toks[i + 1].lower() != "key":
                raise SchemaError(f"column {name}: cannot read {' '.join(toks[i:])!r}")
            constraints.append(Constraint("PRIMARY KEY", [name]))
            not_null = True
            i += 2
        elif t == "unique":
            constraints.append(Constraint("UNIQUE", [name]))
            i += 1
        elif t == "references":
            ref, i = qualified_name(toks, i + 1)
            ref_cols = None
            if i < len(toks) and toks[i] == "(":
                ref_cols, i = column_list(toks, i)
            constraints.append(Constraint("FOREIGN KEY", [name], ref, ref_cols))
            # ON DELETE / ON UPDATE / MATCH ... actions
            while i < len(toks) and toks[i].lower() in ("on", "match", "delete", "update", "cascade", "restrict",
                                                        "set", "no", "action", "full", "simple", "partial",
                                                        "default"):
                if toks[i].lower() == "set" and i + 1 < len(toks) and toks[i + 1].lower() in ("null", "default"):
                    i += 2
                    continue
                i += 1
        elif t == "check":
            _, i = paren_group(toks, i + 1)
        elif t == "default":
            # up to the next constraint word at the top level
            i += 1
            depth = 0
            while i < len(toks):
                if depth == 0 and toks[i].lower() in CONSTRAINT_WORDS - {"null", "default"}:
                    break
                if toks[i] == "(":
                    depth += 1
                elif toks[i] == ")":
                    depth -= 1
                i += 1
        elif t == "collate":
            i += 2
        elif t == "generated":
            raise SchemaError(f"column {name}: generated columns are not checked by this script")
        elif t in ("deferrable", "initially", "immediate", "deferred"):
            i += 1
        else:
            raise SchemaError(f"column {name}: cannot read {' '.join(toks[i:])!r}")
    return Column(name, type_, not_null), constraints


def parse_create_table(toks):
    i = 2
    if toks[i].lower() == "if":  # IF NOT EXISTS
        i += 3
    name, i = qualified_name(toks, i)
    inner, j = paren_group(toks, i)
    table = Table(name)
    for item in split_top(inner):
        if not item:
            raise SchemaError(f"table {name}: an empty item between commas")
        if item[0].lower() == "constraint":
            item = item[2:]
        if item[0].lower() in ("primary", "unique", "foreign", "check", "exclude") and not (
                item[0].lower() == "unique" and len(item) > 1 and item[1] not in ("(",) and
                item[1].lower() != "nulls"):
            c = parse_table_constraint(item)
            if c:
                table.constraints.append(c)
        elif item[0].lower() == "like":
            raise SchemaError(f"table {name}: LIKE is not checked by this script")
        else:
            col, cs = parse_column(item)
            if col.name in table.columns:
                raise SchemaError(f"table {name}: column {col.name} twice")
            table.columns[col.name] = col
            table.constraints.extend(cs)
    if j < len(toks) and toks[j].lower() == "inherits":
        raise SchemaError(f"table {name}: INHERITS is not checked by this script")
    if j < len(toks) and toks[j].lower() == "partition":
        raise SchemaError(f"table {name}: partitioned tables are not checked by this script")
    return table


def parse_schema(sql):
    """{table name: Table} of an SQL text; raises SchemaError on what it cannot read."""
    tables = {}
    pending = []  # (table, Constraint or ("not null", column)) from ALTER TABLE / CREATE UNIQUE INDEX
    for stmt in statements(sql):
        toks = tokens(stmt)
        if not toks:
            continue
        words = [t.lower() for t in toks[:6]]
        if words[:2] == ["create", "table"] or words[:3] in (["create", "unlogged", "table"],):
            if words[1] == "unlogged":
                toks = toks[:1] + toks[2:]
            t = parse_create_table(toks)
            if t.name in tables:
                raise SchemaError(f"table {t.name} is created twice")
            tables[t.name] = t
        elif words[:2] in (["create", "temporary"], ["create", "temp"]):
            continue
        elif words[:3] == ["create", "unique", "index"]:
            i = 3
            if toks[i].lower() == "concurrently":
                i += 1
            if toks[i].lower() == "if":
                i += 3
            if toks[i].lower() != "on":
                i += 1  # the index's name
            if toks[i].lower() != "on":
                raise SchemaError(f"cannot read {stmt[:60]!r}")
            i += 1
            if toks[i].lower() == "only":
                i += 1
            table, i = qualified_name(toks, i)
            if toks[i].lower() == "using":
                i += 2
            inner, j = paren_group(toks, i)
            cols = []
            for part in split_top(inner):
                if len(part) != 1:
                    raise SchemaError(f"unique index on {table}: an expression ({' '.join(part)}) is not checked "
                                      f"by this script")
                cols.append(ident(part[0]))
            if j < len(toks) and toks[j].lower() == "where":
                raise SchemaError(f"unique index on {table}: a partial unique index is not checked by this script")
            pending.append((table, Constraint("UNIQUE", cols)))
        elif words[:2] == ["alter", "table"]:
            i = 2
            while toks[i].lower() in ("only", "if", "exists"):
                i += 1
            table, i = qualified_name(toks, i)
            for action in split_top(toks[i:]):
                a = [t.lower() for t in action]
                if a[:1] == ["add"] and len(a) > 1 and a[1] in ("constraint", "primary", "unique", "foreign",
                                                                 "check"):
                    rest = action[1:]
                    if rest[0].lower() == "constraint":
                        rest = rest[2:]
                    c = parse_table_constraint(rest)
                    if c:
                        pending.append((table, c))
                elif a[:1] == ["add"]:
                    rest = action[1:]
                    if rest and rest[0].lower() == "column":
                        rest = rest[1:]
                    if rest and rest[0].lower() == "if":
                        rest = rest[3:]
                    col, cs = parse_column(rest)
                    pending.append((table, ("column", col)))
                    for c in cs:
                        pending.append((table, c))
                elif a[:2] == ["alter", "column"] and a[3:6] == ["set", "not", "null"]:
                    pending.append((table, ("not null", ident(action[2]))))
                elif a[:1] == ["alter"] and a[2:5] == ["set", "not", "null"]:
                    pending.append((table, ("not null", ident(action[1]))))
                elif a[:2] in (["enable", "row"], ["disable", "row"], ["owner", "to"]) or \
                        a[:3] == ["alter", "column", a[2] if len(a) > 2 else ""] and "default" in a:
                    continue
                else:
                    raise SchemaError(f"ALTER TABLE {table}: {' '.join(action)!r} is not checked by this script")
        # Everything else (CREATE SCHEMA, INDEX, FUNCTION, TRIGGER, DO, GRANT,
        # COMMENT, SET, ...) declares no key.
    for table, item in pending:
        if table not in tables:
            raise SchemaError(f"a key or column is added to table {table}, which the schema does not create")
        t = tables[table]
        if isinstance(item, Constraint):
            t.constraints.append(item)
            if item.kind == "PRIMARY KEY":
                for c in item.columns:
                    if c in t.columns:
                        t.columns[c].not_null = True
        elif item[0] == "column":
            t.columns[item[1].name] = item[1]
        elif item[0] == "not null" and item[1] in t.columns:
            t.columns[item[1]].not_null = True
    for t in tables.values():
        for c in t.constraints:
            if c.kind == "PRIMARY KEY":
                for col in c.columns:
                    if col in t.columns:
                        t.columns[col].not_null = True
    return tables


def parse_constraint_text(text):
    return parse_table_constraint(tokens(text))


def normalised(text):
    return parse_constraint_text(text).text()


# --- rewrites --------------------------------------------------------------

def apply_rewrites(tables, rewrites):
    """Applies the rewrites to the tables in place; returns the violations of rule (g)."""
    problems = []
    for rw in rewrites:
        op = rw[0]
        try:
            if op == "add table":
                added = parse_schema(rw[1])
                for name, t in added.items():
                    if name in tables:
                        problems.append(f"{name}: CREATE TABLE: rule (g): the plan adds a table the schema already "
                                        f"has")
                    else:
                        tables[name] = t
                continue
            table = rw[1]
            if table not in tables:
                problems.append(f"{table}: {rw[2]}: rule (g): the plan rewrites a table the schema does not have")
                continue
            t = tables[table]
            if op == "add column":
                col, cs = parse_column(tokens(rw[2]))
                if col.name in t.columns:
                    problems.append(f"{table}: column {col.name}: rule (g): the plan adds a column the table "
                                    f"already has")
                    continue
                t.columns[col.name] = col
                t.constraints.extend(cs)
            elif op in ("replace", "drop"):
                old = normalised(rw[2])
                found = [c for c in t.constraints if c.text() == old]
                if not found:
                    problems.append(f"{table}: {old}: rule (g): the plan {'replaces' if op == 'replace' else 'drops'} "
                                    f"this constraint, and the table no longer has it")
                    continue
                t.constraints.remove(found[0])
                if op == "replace":
                    new = parse_constraint_text(rw[3])
                    t.constraints.append(new)
                    if new.kind == "PRIMARY KEY":
                        for col in new.columns:
                            if col in t.columns:
                                t.columns[col].not_null = True
            elif op == "add":
                new = parse_constraint_text(rw[2])
                if any(c.text() == new.text() for c in t.constraints):
                    problems.append(f"{table}: {new.text()}: rule (g): the plan adds a constraint the table already "
                                    f"has")
                    continue
                t.constraints.append(new)
            else:
                problems.append(f"{table}: {op}: rule (g): not a rewrite this script knows")
        except SchemaError as e:
            problems.append(f"{rw[1] if len(rw) > 1 else '?'}: {' '.join(rw[2:]) or rw[1]}: rule (g): cannot read "
                            f"the rewrite: {e}")
    return problems


# --- the rules -------------------------------------------------------------

def check(tables, plan):
    """The violations of rules (a) to (f), one string each."""
    out = []
    for name in sorted(tables):
        if name not in plan:
            out.append(f"{name}: table: rule (e): the table is in the schema and not in the distribution plan")
    for name in sorted(plan):
        if name not in tables:
            out.append(f"{name}: table: rule (e): the plan places a table the schema does not have")
    for name, entry in sorted(plan.items()):
        kinds = [k for k in ("distributed", "reference") if k in entry]
        if len(kinds) != 1 or ("reference" in entry and entry["reference"] is not True):
            out.append(f"{name}: plan: rule (e): a table is either {{\"distributed\": COLUMN}} or "
                       f"{{\"reference\": true}}")

    def placement(name):
        e = plan.get(name)
        if e is None:
            return ("local", None, None)
        if "distributed" in e:
            return ("distributed", e["distributed"], e.get("colocate", "default"))
        return ("reference", None, None)

    group_types = {}
    for name in sorted(tables):
        t = tables[name]
        kind, dist, group = placement(name)
        if kind == "distributed":
            col = t.columns.get(dist)
            if col is None:
                out.append(f"{name}: distribution column {dist}: rule (d): the table has no such column")
            elif not col.not_null:
                out.append(f"{name}: distribution column {dist}: rule (d): the column may be NULL, and Citus refuses "
                           f"a row whose distribution column is NULL")
            if col is not None:
                group_types.setdefault(group, []).append((name, dist, col.type))
            for c in t.unique_keys():
                if dist not in c.columns:
                    what = "primary key" if c.kind == "PRIMARY KEY" else "unique constraint"
                    out.append(f"{name}: {c.text()}: rule (a): a {what} of a distributed table must include its "
                               f"distribution column {dist}")
    for group, members in sorted(group_types.items()):
        types = sorted({typ for _, _, typ in members})
        if len(types) > 1:
            listed = ", ".join(f"{n}.{d} {typ}" for n, d, typ in members)
            out.append(f"{group}: co-location group: rule (d): its tables are distributed by columns of different "
                       f"types ({listed})")

    for name in sorted(tables):
        t = tables[name]
        kind, dist, group = placement(name)
        for c in t.constraints:
            if c.kind != "FOREIGN KEY":
                continue
            target = tables.get(c.ref_table)
            if target is None:
                out.append(f"{name}: {c.text()}: rule (f): the referenced table is not in the schema")
                continue
            ref_cols = c.ref_columns
            if ref_cols is None:
                pk = [k for k in target.constraints if k.kind == "PRIMARY KEY"]
                if not pk:
                    out.append(f"{name}: {c.text()}: rule (f): the referenced table has no primary key")
                    continue
                ref_cols = pk[0].columns
            if len(ref_cols) != len(c.columns):
                out.append(f"{name}: {c.text()}: rule (f): {len(c.columns)} columns refer to {len(ref_cols)}")
                continue
            for col in c.columns:
                if col not in t.columns:
                    out.append(f"{name}: {c.text()}: rule (f): the table has no column {col}")
            missing = [col for col in ref_cols if col not in target.columns]
            if missing:
                out.append(f"{name}: {c.text()}: rule (f): {c.ref_table} has no column {', '.join(missing)}")
            elif not any(set(k.columns) == set(ref_cols) and len(k.columns) == len(ref_cols)
                         for k in target.unique_keys()):
                out.append(f"{name}: {c.text()}: rule (f): ({', '.join(ref_cols)}) is not a primary key or unique "
                           f"constraint of {c.ref_table}, as PostgreSQL requires of a referenced key")
            tkind, tdist, tgroup = placement(c.ref_table)
            if kind == "distributed":
                if tkind == "reference":
                    continue
                if tkind == "local":
                    out.append(f"{name}: {c.text()}: rule (b): a distributed table may not refer to a table "
                               f"outside the plan")
                elif tgroup != group:
                    out.append(f"{name}: {c.text()}: rule (b): {c.ref_table} is distributed in another co-location "
                               f"group ({tgroup}, not {group})")
                elif not any(a == dist and b == tdist for a, b in zip(c.columns, ref_cols)):
                    out.append(f"{name}: {c.text()}: rule (b): a foreign key between distributed tables must pair "
                               f"the distribution columns ({name}.{dist} with {c.ref_table}.{tdist})")
            elif kind == "reference":
                if tkind == "distributed":
                    out.append(f"{name}: {c.text()}: rule (c): a reference table may not refer to a distributed "
                               f"table ({c.ref_table} is distributed by {tdist})")
    # By table, in the order the rules were checked within each.
    return sorted(out, key=lambda v: v.split(":", 1)[0])


def run_checks(schema_sql, plan, rewrites, as_is):
    tables = parse_schema(schema_sql)
    problems = [] if as_is else apply_rewrites(tables, rewrites)
    return problems + check(tables, plan), tables


# --- listings shared with docs/scale-out.md --------------------------------

def plan_lines(plan):
    lines = []
    for name, entry in sorted(plan.items(), key=lambda kv: ("distributed" not in kv[1], kv[0])):
        if "distributed" in entry:
            lines.append(f"| `{name}` | distributed by `{entry['distributed']}` (co-located: "
                         f"{entry.get('colocate', 'default')}) |")
        else:
            lines.append(f"| `{name}` | reference |")
    return lines


def rewrite_lines(rewrites):
    lines = []
    for rw in rewrites:
        op = rw[0]
        if op == "add table":
            lines.append(f"| (new) | add table | `{rw[1]}` |")
        elif op == "add column":
            lines.append(f"| `{rw[1]}` | add column | `{rw[2]}` |")
        elif op == "replace":
            lines.append(f"| `{rw[1]}` | replace `{normalised(rw[2])}` | `{normalised(rw[3])}` |")
        elif op == "drop":
            lines.append(f"| `{rw[1]}` | drop | `{normalised(rw[2])}` |")
        elif op == "add":
            lines.append(f"| `{rw[1]}` | add | `{normalised(rw[2])}` |")
    return lines


def doc_problems(doc_text, plan, rewrites):
    out = []
    for line in plan_lines(plan):
        if line not in doc_text:
            out.append(f"docs: plan: the document does not list this line of the plan: {line}")
    for line in rewrite_lines(rewrites):
        if line not in doc_text:
            out.append(f"docs: rewrites: the document does not list this key change: {line}")
    return out


# --- self-test -------------------------------------------------------------

def self_test():
    failures = []

    def expect(ok, what):
        if not ok:
            failures.append(what)

    def violations(sql, plan, rewrites=(), as_is=False):
        found, _ = run_checks(sql, plan, list(rewrites), as_is)
        return found

    def has(found, *parts):
        return any(all(p in v for p in parts) for v in found)

    D = lambda col, g="g": {"distributed": col, "colocate": g}  # noqa: E731
    R = {"reference": True}

    # Parsing: comments, strings holding commas, parentheses, semicolons and
    # "--", dollar-quoted bodies, quoted and schema-qualified names, every
    # form of key.
    sql = """
    -- a comment; with a semicolon
    CREATE SCHEMA s; /* block ; comment */
    CREATE TABLE s.t (
      "Id" bigint NOT NULL CHECK ("Id" > 0 AND 'a,b);--' <> ''),
      tenant text NOT NULL DEFAULT 'x(,)',
      other text REFERENCES u (id),
      fourth text REFERENCES w,
      third text CONSTRAINT named UNIQUE,
      PRIMARY KEY (tenant, "Id"),
      CONSTRAINT fk FOREIGN KEY (tenant, other) REFERENCES s.u (tenant, id) ON DELETE SET NULL
    );
    CREATE TABLE IF NOT EXISTS u (tenant text NOT NULL, id text, PRIMARY KEY (tenant, id), UNIQUE (id));
    CREATE UNLOGGED TABLE w (code char(2) PRIMARY KEY, "name" text);
    CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'x; y'; END $$;
    DO $body$ BEGIN EXECUTE 'CREATE TABLE nope (a int PRIMARY KEY)'; END $body$;
    CREATE INDEX i ON t (tenant);
    CREATE UNIQUE INDEX ui ON s.t (third, tenant);
    """
    tables = parse_schema(sql)
    expect(sorted(tables) == ["t", "u", "w"], f"parser: tables {sorted(tables)}")
    t = tables.get("t")
    if t:
        texts = sorted(c.text() for c in t.constraints)
        expect(texts == sorted(["FOREIGN KEY (other) REFERENCES u (id)", "FOREIGN KEY (fourth) REFERENCES w",
                                "UNIQUE (third)", "PRIMARY KEY (tenant, Id)",
                                "FOREIGN KEY (tenant, other) REFERENCES u (tenant, id)", "UNIQUE (third, tenant)"]),
               f"parser: constraints of t: {texts}")
        expect(sorted(t.columns) == ["Id", "fourth", "other", "tenant", "third"],
               f"parser: columns of t: {sorted(t.columns)}")
        expect(t.columns["Id"].not_null and not t.columns["other"].not_null, "parser: NOT NULL")
    found = violations(sql, {"t": D("tenant"), "u": D("tenant"), "w": R})
    expect(has(found, "t: UNIQUE (third):", "rule (a)"), f"column-level UNIQUE without the column: {found}")
    expect(not has(found, "UNIQUE (third, tenant)"), f"unique index with the column flagged: {found}")
    expect(has(found, "t: FOREIGN KEY (other) REFERENCES u (id):", "rule (b)"), f"FK not pairing the columns: {found}")
    expect(has(found, "u: UNIQUE (id):", "rule (a)"), f"table-level UNIQUE without the column: {found}")
    expect(not has(found, "FOREIGN KEY (tenant, other)"), f"good co-located FK flagged: {found}")
    expect(not has(found, "FOREIGN KEY (fourth)"), f"FK to a reference table's primary key flagged: {found}")
    expect(len(found) == 3, f"synthetic schema: {len(found)} violations, not 3: {found}")

    # (a) primary key without the distribution column.
    base = "CREATE TABLE a (id bigint PRIMARY KEY, k text NOT NULL);"
    expect(has(violations(base, {"a": D("k")}), "a: PRIMARY KEY (id):", "rule (a)"), "(a) not found")
    expect(violations(base, {"a": R}) == [], "a reference table's keys were held to rule (a)")
    expect(violations(base, {"a": D("id")}) == [], "a distribution column in the primary key flagged")

    # (b) distributed -> distributed of another group; -> a local table.
    sql_b = ("CREATE TABLE p (k text PRIMARY KEY); "
             "CREATE TABLE c (k text NOT NULL REFERENCES p (k), PRIMARY KEY (k));")
    expect(has(violations(sql_b, {"p": D("k", "one"), "c": D("k", "two")}), "c: FOREIGN KEY (k) REFERENCES p (k)",
               "rule (b)", "another co-location group"), "(b) other group not found")
    expect(violations(sql_b, {"p": D("k"), "c": D("k")}) == [], "a good co-located FK flagged")
    expect(violations(sql_b, {"p": R, "c": D("k")}) == [], "distributed -> reference flagged")
    # The FK pairs the wrong columns.
    sql_b2 = ("CREATE TABLE p (k text NOT NULL, id bigint NOT NULL, PRIMARY KEY (k, id)); "
              "CREATE TABLE c (k text NOT NULL, pid bigint NOT NULL, kk text NOT NULL, PRIMARY KEY (k, pid), "
              "FOREIGN KEY (kk, pid) REFERENCES p (k, id));")
    expect(has(violations(sql_b2, {"p": D("k"), "c": D("k")}), "rule (b)", "pair the distribution columns"),
           "(b) unpaired columns not found")

    # (c) reference -> distributed.
    sql_c = ("CREATE TABLE d (k text PRIMARY KEY); "
             "CREATE TABLE r (id text PRIMARY KEY, k text REFERENCES d (k));")
    expect(has(violations(sql_c, {"d": D("k"), "r": R}), "r: FOREIGN KEY (k) REFERENCES d (k):", "rule (c)"),
           "(c) not found")
    expect(violations(sql_c, {"d": R, "r": R}) == [], "reference -> reference flagged")

    # (d) a nullable distribution column; a missing one; mixed types in a group.
    expect(has(violations("CREATE TABLE n (id bigint PRIMARY KEY, k text, UNIQUE (k, id));", {"n": D("k")}),
               "n: distribution column k:", "rule (d)", "NULL"), "(d) nullable not found")
    expect(has(violations("CREATE TABLE n (id bigint PRIMARY KEY);", {"n": D("k")}), "rule (d)", "no such column"),
           "(d) missing column not found")
    expect(has(violations("CREATE TABLE x (k text PRIMARY KEY); CREATE TABLE y (k bigint PRIMARY KEY);",
                          {"x": D("k"), "y": D("k")}), "rule (d)", "different types"), "(d) mixed types not found")

    # (e) a table outside the plan, a plan entry without a table.
    found = violations("CREATE TABLE a (id bigint PRIMARY KEY); CREATE TABLE z (id bigint PRIMARY KEY);",
                       {"a": R, "gone": R})
    expect(has(found, "z: table: rule (e)"), "(e) table outside the plan not found")
    expect(has(found, "gone: table: rule (e)"), "(e) stale plan entry not found")

    # (f) a rewrite that breaks the key a foreign key refers to.
    sql_f = ("CREATE TABLE e (id bigint PRIMARY KEY, k text NOT NULL); "
             "CREATE TABLE f (eid bigint PRIMARY KEY REFERENCES e (id));")
    found = violations(sql_f, {"e": D("k"), "f": R}, [["replace", "e", "PRIMARY KEY (id)", "PRIMARY KEY (k, id)"]])
    expect(has(found, "f: FOREIGN KEY (eid) REFERENCES e (id):", "rule (f)"), f"(f) not found: {found}")

    # (g) rewrites: one that applies, one whose constraint is gone.
    found = violations(base, {"a": D("k")}, [["replace", "a", "PRIMARY KEY (id)", "PRIMARY KEY (k, id)"]])
    expect(found == [], f"a rewrite that makes the table Citus-ready leaves {found}")
    found = violations(base, {"a": D("k")}, [["replace", "a", "UNIQUE (id)", "UNIQUE (k, id)"]])
    expect(has(found, "a: UNIQUE (id):", "rule (g)"), f"(g) stale rewrite not found: {found}")
    found = violations(base, {"a": D("k"), "b": R},
                       [["add table", "CREATE TABLE b (x text PRIMARY KEY)"],
                        ["add column", "a", "x text REFERENCES b (x)"],
                        ["replace", "a", "PRIMARY KEY (id)", "PRIMARY KEY (k, id)"]])
    expect(found == [], f"add table / add column rewrites: {found}")
    found = violations(base, {"a": D("k")}, [["replace", "a", "PRIMARY KEY (id)", "PRIMARY KEY (k, id)"]],
                       as_is=True)
    expect(has(found, "rule (a)"), "--as-is applied the rewrites")

    # ALTER TABLE ... ADD CONSTRAINT is seen; what the script cannot read is an error, never a pass.
    found = violations(base + " ALTER TABLE a ADD CONSTRAINT u UNIQUE (id);", {"a": D("id")})
    expect(found == [], f"ALTER TABLE ADD UNIQUE with the column: {found}")
    found = violations(base + " ALTER TABLE a ADD CONSTRAINT u UNIQUE (k);", {"a": D("id")})
    expect(has(found, "a: UNIQUE (k):", "rule (a)"), "ALTER TABLE ADD UNIQUE not checked")
    for bad in ("CREATE UNIQUE INDEX ON a (lower(k));", "ALTER TABLE a RENAME TO b;",
                "CREATE TABLE q (a int PRIMARY KEY) PARTITION BY HASH (a);"):
        try:
            parse_schema(base + bad)
            failures.append(f"the script read {bad!r} without complaint")
        except SchemaError:
            pass

    # The documentation's listings come from the plan itself.
    doc = "\n".join(plan_lines(PLAN) + rewrite_lines(REWRITES))
    expect(doc_problems(doc, PLAN, REWRITES) == [], "the listings do not match themselves")
    expect(len(doc_problems(doc.replace("`log_key`", "`key`"), PLAN, REWRITES)) > 0,
           "a document that no longer lists the plan passes")

    for f in failures:
        print(f"FAILED {f}")
    print(f"self-test: {len(failures)} failure{'s' if len(failures) != 1 else ''}")
    return 1 if failures else 0


# --- command line ----------------------------------------------------------

def load_plan(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict) or \
            not isinstance(data.get("rewrites", []), list):
        raise SchemaError(f"{path}: a plan is {{\"tables\": {{...}}, \"rewrites\": [...]}}")
    return data["tables"], data.get("rewrites", [])


def main(argv):
    ap = argparse.ArgumentParser(description="Checks schemas/postgresql/ledger.sql against Citus's rules under "
                                             "the distribution plan of docs/scale-out.md.")
    ap.add_argument("--schema", action="append",
                    help="a file of the schema, read in the order given (default: schemas/postgresql/ledger.sql "
                         "and then schemas/postgresql/migrations/N.sql in order of N)")
    ap.add_argument("--plan", help="a JSON plan {\"tables\": {...}, \"rewrites\": [...]} instead of the built-in one")
    ap.add_argument("--doc", help="the document that must list the plan (default: docs/scale-out.md when it exists)")
    ap.add_argument("--no-doc", action="store_true", help="do not check the document")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--as-is", action="store_true", help="check the schema without the plan's key changes")
    mode.add_argument("--list-plan", action="store_true", help="print the plan's table placements (Markdown rows)")
    mode.add_argument("--list-rewrites", action="store_true", help="print the plan's key changes (Markdown rows)")
    mode.add_argument("--print-plan", action="store_true", help="print the plan as JSON (the form --plan reads)")
    mode.add_argument("--self-test", action="store_true", help="check this script against small synthetic schemas")
    args = ap.parse_args(argv)

    if args.self_test:
        return self_test()
    try:
        plan, rewrites = load_plan(args.plan) if args.plan else (PLAN, REWRITES)
        if args.print_plan:
            print(json.dumps({"tables": plan, "rewrites": rewrites}, indent=2))
            return 0
        if args.list_plan:
            print("\n".join(plan_lines(plan)))
            return 0
        if args.list_rewrites:
            print("\n".join(rewrite_lines(rewrites)))
            return 0
        files = args.schema or default_schema_files()
        sql = ""
        for path in files:
            with open(path, encoding="utf-8") as f:
                sql += f.read() + "\n;\n"

        found, tables = run_checks(sql, plan, rewrites, args.as_is)
    except (OSError, ValueError, SchemaError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    doc_checked = None
    if not args.as_is and not args.no_doc:
        doc = args.doc or (DEFAULT_DOC if os.path.exists(DEFAULT_DOC) else None)
        if doc:
            try:
                with open(doc, encoding="utf-8") as f:
                    found += doc_problems(f.read(), plan, rewrites)
                doc_checked = doc
            except OSError as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
    for v in found:
        print(v)
    shown = " + ".join(os.path.relpath(p, ROOT) if p.startswith(ROOT) else p for p in files) \
        if args.schema else "schemas/postgresql/ledger.sql and its migrations"
    distributed = sum(1 for e in plan.values() if "distributed" in e)
    what = "as it is" if args.as_is else f"with the plan's {len(rewrites)} key changes"
    docs = f", listed in {os.path.relpath(doc_checked, ROOT) if doc_checked.startswith(ROOT) else doc_checked}" \
        if doc_checked else ""
    if found:
        print(f"{len(found)} violation{'s' if len(found) != 1 else ''}: {shown} {what} "
              f"({len(tables)} tables; plan: {distributed} distributed, {len(plan) - distributed} reference)")
        return 1
    print(f"ok: {shown} {what} follows Citus's rules ({len(tables)} tables; plan: {distributed} distributed, "
          f"{len(plan) - distributed} reference{docs})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
