-- adledger ledger schema for PostgreSQL, at schema version 8.
--
-- A ledger in PostgreSQL is the schema `adledger` of a database. It holds
-- the same records as an SQLite ledger of the same version, and the same
-- record log: the same record hashes to the same leaf on either backend, so
-- a ledger moves between them with its head unchanged. Schema versions are
-- shared with the SQLite ledger (schemas/ledger.sql and migrations/): one
-- number names one set of records and one log format on both. This file
-- creates version 8, the first on PostgreSQL; a later version adds a file
-- migrations/N.sql beside it, which a ledger of the version before runs.
--
-- `adledger init` runs this file in one transaction and writes the version
-- into ledger_mark last. The role that runs it owns the tables; the role
-- that records needs only USAGE on the schema and SELECT and INSERT on the
-- tables (docs/postgresql.md): nothing here is ever updated or deleted,
-- except ledger_mark's version, by a migration, as the owner.
--
-- Money is bigint minor units beside its ISO 4217 currency code, never a
-- floating-point number. Days are `date`; when a record was recorded is
-- milliseconds since 1970-01-01T00:00:00Z, as the record log hashes it.
-- adledger checks every value before it writes it; the checks here are the
-- last line, for writes that do not come through adledger.

CREATE SCHEMA adledger;

-- Which database is an adledger ledger, and of which schema version.
CREATE TABLE ledger_mark (
  one            boolean PRIMARY KEY DEFAULT true CHECK (one),
  application    text NOT NULL CHECK (application = 'adledger'),
  schema_version integer NOT NULL CHECK (schema_version > 0)
);

CREATE TABLE platform (
  id   text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,64}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 4096)
);

CREATE TABLE advertiser (
  id               text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,64}$'),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 4096),
  country          text CHECK (country ~ '^[A-Z]{2}$'),
  state_affiliated boolean NOT NULL
);

-- An advertiser's account on a platform. A handle belongs to one advertiser.
CREATE TABLE handle (
  platform_id   text NOT NULL REFERENCES platform (id),
  handle        text NOT NULL CHECK (length(handle) BETWEEN 1 AND 4096),
  advertiser_id text NOT NULL REFERENCES advertiser (id),
  PRIMARY KEY (platform_id, handle)
);
CREATE INDEX handle_by_advertiser ON handle (advertiser_id);

-- Spend entries. The journal transaction an entry posts (debit its
-- advertiser's expense account on the platform, credit the platform's
-- income account from it) is rebuilt from the row, as on SQLite.
CREATE TABLE spend_entry (
  id            bigint PRIMARY KEY CHECK (id > 0),
  txn_id        bigint NOT NULL UNIQUE CHECK (txn_id > 0),
  advertiser_id text NOT NULL REFERENCES advertiser (id),
  platform_id   text NOT NULL REFERENCES platform (id),
  amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),  -- a range's lower bound
  upper_minor   bigint CHECK (upper_minor >= amount_minor), -- a range's upper bound, if it has one
  currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  first_day     date NOT NULL,
  last_day      date NOT NULL CHECK (last_day >= first_day),
  items         bigint CHECK (items >= 0),
  market        text NOT NULL,
  precision     smallint NOT NULL CHECK (precision BETWEEN 0 AND 3),  -- exact, approximate, estimated, range
  source        text NOT NULL CHECK (length(source) > 0),
  tags          text,  -- a JSON array of the tags, sorted, or NULL for none
  handle        text,
  external_id   text UNIQUE,
  note          text,
  FOREIGN KEY (platform_id, handle) REFERENCES handle (platform_id, handle)
);
CREATE INDEX spend_by_advertiser ON spend_entry (advertiser_id, platform_id, first_day);
CREATE INDEX spend_by_day ON spend_entry (first_day, txn_id);

CREATE TABLE spend_reversal (
  entry_id bigint PRIMARY KEY REFERENCES spend_entry (id),
  txn_id   bigint NOT NULL UNIQUE CHECK (txn_id > 0),
  reason   text NOT NULL CHECK (length(reason) > 0),
  source   text NOT NULL CHECK (length(source) > 0)
);

CREATE TABLE policy_action (
  id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,64}$'),
  kind            text NOT NULL CHECK (kind IN ('ad_ban', 'ban_lift', 'suspension', 'disclosure', 'targeting_change')),
  platform_id     text NOT NULL REFERENCES platform (id),
  date            date NOT NULL,
  end_date        date CHECK (end_date IS NULL OR (kind = 'ad_ban' AND end_date > date)),
  lifts_action_id text REFERENCES policy_action (id) CHECK (lifts_action_id IS NULL OR kind = 'ban_lift'),
  account_count   bigint CHECK (account_count IS NULL OR (kind = 'suspension' AND account_count > 0)),
  description     text NOT NULL CHECK (length(description) > 0),
  source          text NOT NULL CHECK (length(source) > 0),
  note            text
);
CREATE INDEX policy_action_by_platform ON policy_action (platform_id, date);

CREATE TABLE policy_action_advertiser (
  action_id     text NOT NULL REFERENCES policy_action (id),
  advertiser_id text NOT NULL REFERENCES advertiser (id),
  PRIMARY KEY (action_id, advertiser_id)
);
CREATE INDEX policy_action_by_advertiser ON policy_action_advertiser (advertiser_id);

CREATE TABLE policy_withdrawal (
  action_id text PRIMARY KEY REFERENCES policy_action (id),
  reason    text NOT NULL CHECK (length(reason) > 0),
  source    text NOT NULL CHECK (length(source) > 0)
);

CREATE TABLE pledge (
  id                  text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,64}$'),
  txn_id              bigint NOT NULL UNIQUE CHECK (txn_id > 0),
  platform_id         text NOT NULL REFERENCES platform (id),
  amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
  currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  date                date NOT NULL,
  beneficiary         text NOT NULL CHECK (length(beneficiary) > 0),
  basis_advertiser_id text REFERENCES advertiser (id),
  basis_first         date,
  basis_last          date CHECK (basis_last >= basis_first),
  source              text NOT NULL CHECK (length(source) > 0),
  note                text,
  CHECK ((basis_first IS NULL) = (basis_last IS NULL))
);

CREATE TABLE disbursement (
  id           text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,64}$'),
  txn_id       bigint NOT NULL UNIQUE CHECK (txn_id > 0),
  pledge_id    text NOT NULL REFERENCES pledge (id),
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  date         date NOT NULL,
  source       text NOT NULL CHECK (length(source) > 0)
);
CREATE INDEX disbursement_by_pledge ON disbursement (pledge_id);

CREATE TABLE disclosed_total (
  id            text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,64}$'),
  platform_id   text NOT NULL REFERENCES platform (id),
  advertiser_id text NOT NULL REFERENCES advertiser (id),
  amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
  currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  period_first  date NOT NULL,
  period_last   date NOT NULL CHECK (period_last >= period_first),
  date          date NOT NULL,
  precision     text NOT NULL CHECK (precision IN ('exact', 'approximate', 'estimated')),
  source        text NOT NULL CHECK (length(source) > 0),
  note          text
);
CREATE INDEX disclosed_total_by_advertiser ON disclosed_total (advertiser_id, platform_id);

CREATE TABLE exchange_rate (
  from_currency text NOT NULL CHECK (from_currency ~ '^[A-Z]{3}$'),
  to_currency   text NOT NULL CHECK (to_currency ~ '^[A-Z]{3}$' AND to_currency <> from_currency),
  date          date NOT NULL,
  rate          text NOT NULL CHECK (rate ~ '^[0-9.]{1,40}$'),
  source        text NOT NULL CHECK (length(source) > 0),
  PRIMARY KEY (from_currency, to_currency, date)
);

-- What each write transaction added to each account's balance: a row per
-- account and currency a write posted to, at the log's size when it
-- committed. An account's balance is the sum of its rows, so that no row
-- is ever updated and the role that records needs no UPDATE right.
CREATE TABLE account_total (
  account       text NOT NULL CHECK (length(account) > 0),
  currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  log_size      bigint NOT NULL CHECK (log_size > 0),
  balance_minor bigint NOT NULL,
  postings      bigint NOT NULL CHECK (postings > 0),
  PRIMARY KEY (account, currency, log_size)
);

-- The record log: one row per record, in one total order (seq), with the
-- record's leaf hash in the Merkle tree (RFC 9162). Its content is
-- rebuilt from the record's rows.
CREATE TABLE record_log (
  seq         bigint PRIMARY KEY CHECK (seq > 0),
  kind        text NOT NULL,
  ref         text NOT NULL,
  recorded_at bigint NOT NULL,  -- milliseconds since 1970-01-01T00:00:00Z
  hash        bytea NOT NULL CHECK (length(hash) = 32),
  UNIQUE (kind, ref)
);

-- The tree's edge after each write: its size and the roots of its
-- complete subtrees (ledger/audit/merkle.hpp's CompactRange).
CREATE TABLE log_tree (
  size     bigint PRIMARY KEY CHECK (size > 0),
  frontier bytea NOT NULL
);

-- The root of every complete subtree of 2^6 records or more, by level and
-- index: a proof reads these rather than every leaf.
CREATE TABLE log_tree_node (
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
  idx   bigint NOT NULL CHECK (idx >= 0),
  hash  bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);

-- Append-only: a row, once written, is never changed or deleted, and no
-- table is emptied. adledger's verify checks that every one of these
-- triggers is there and enabled, and that this function is as written.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'append-only: % rows are never %', TG_TABLE_NAME,
    CASE TG_OP WHEN 'UPDATE' THEN 'changed' WHEN 'DELETE' THEN 'deleted' ELSE 'truncated' END
    USING ERRCODE = 'integrity_constraint_violation';
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['platform', 'advertiser', 'handle', 'spend_entry', 'spend_reversal', 'policy_action',
                           'policy_action_advertiser', 'policy_withdrawal', 'pledge', 'disbursement',
                           'disclosed_total', 'exchange_rate', 'account_total', 'record_log', 'log_tree',
                           'log_tree_node'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION refuse_change()',
                   t || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()',
                   t || '_no_truncate', t);
  END LOOP;
END
$$;
