-- adledger ledger schema: version 1, the base. Each later version is a file
-- in schemas/migrations/ (2.sql, ...); a new ledger runs this file and then
-- every migration in order, and an older ledger runs the migrations it lacks,
-- so both end with the same schema from the same SQL.
--
-- This file is compiled into the adledger binary (ledger/CMakeLists.txt) and
-- run in one transaction when a ledger is created; PRAGMA user_version is
-- written last, by the code, once everything here has succeeded.
--
-- Money is INTEGER minor units beside its ISO 4217 currency code; never REAL.
-- Dates are TEXT in ISO 8601 (YYYY-MM-DD), checked to be real calendar days:
-- SQLite's date() normalises 2017-02-30 to 2017-03-02, so `date(x) IS x`
-- refuses it. Every table is STRICT, so a value of the wrong type is an error,
-- not a silent conversion.

CREATE TABLE platform (
  id   TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9_-]*'),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 4096)
) STRICT;

CREATE TABLE advertiser (
  id               TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9_-]*'),
  name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 4096),
  country          TEXT CHECK (country IS NULL OR (length(country) = 2 AND country GLOB '[A-Z][A-Z]')),
  state_affiliated INTEGER NOT NULL CHECK (state_affiliated IN (0, 1))
) STRICT;

-- An advertiser's account on a platform. A handle belongs to one advertiser.
CREATE TABLE handle (
  platform_id   TEXT NOT NULL REFERENCES platform (id),
  handle        TEXT NOT NULL CHECK (length(handle) BETWEEN 1 AND 4096),
  advertiser_id TEXT NOT NULL REFERENCES advertiser (id),
  PRIMARY KEY (platform_id, handle)
) STRICT;
CREATE INDEX handle_by_advertiser ON handle (advertiser_id);

-- The journal: double-entry transactions. Postings of a transaction sum to
-- zero per currency; the library refuses any other before it reaches here.
CREATE TABLE journal_txn (
  id          INTEGER PRIMARY KEY,
  date        TEXT NOT NULL CHECK (date(date) IS date),
  kind        TEXT NOT NULL CHECK (kind IN ('spend', 'pledge', 'disbursement')),
  description TEXT NOT NULL
) STRICT;

CREATE TABLE posting (
  id           INTEGER PRIMARY KEY,
  txn_id       INTEGER NOT NULL REFERENCES journal_txn (id),
  account      TEXT NOT NULL CHECK (length(account) > 0),
  currency     TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  amount_minor INTEGER NOT NULL CHECK (amount_minor <> 0)
) STRICT;
CREATE INDEX posting_by_txn ON posting (txn_id);
CREATE INDEX posting_by_account ON posting (account, currency);

CREATE TABLE spend (
  id            INTEGER PRIMARY KEY,
  txn_id        INTEGER NOT NULL UNIQUE REFERENCES journal_txn (id),
  advertiser_id TEXT NOT NULL REFERENCES advertiser (id),
  platform_id   TEXT NOT NULL REFERENCES platform (id),
  handle        TEXT,
  amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
  currency      TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  period_first  TEXT NOT NULL CHECK (date(period_first) IS period_first),
  period_last   TEXT NOT NULL CHECK (date(period_last) IS period_last AND period_last >= period_first),
  items         INTEGER CHECK (items IS NULL OR items >= 0),
  market        TEXT NOT NULL CHECK (length(market) > 0),
  precision     TEXT NOT NULL CHECK (precision IN ('exact', 'approximate', 'estimated')),
  source        TEXT NOT NULL CHECK (length(source) > 0),
  external_id   TEXT UNIQUE,
  note          TEXT,
  FOREIGN KEY (platform_id, handle) REFERENCES handle (platform_id, handle)
) STRICT;
CREATE INDEX spend_by_advertiser ON spend (advertiser_id, platform_id, period_first);

CREATE TABLE spend_tag (
  spend_id INTEGER NOT NULL REFERENCES spend (id),
  tag      TEXT NOT NULL CHECK (length(tag) > 0),
  PRIMARY KEY (spend_id, tag)
) STRICT;

CREATE TABLE policy_action (
  id              TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9_-]*'),
  kind            TEXT NOT NULL
                  CHECK (kind IN ('ad_ban', 'ban_lift', 'suspension', 'disclosure', 'targeting_change')),
  platform_id     TEXT NOT NULL REFERENCES platform (id),
  date            TEXT NOT NULL CHECK (date(date) IS date),
  end_date        TEXT CHECK (end_date IS NULL OR (kind = 'ad_ban' AND date(end_date) IS end_date
                                                    AND end_date > date)),
  lifts_action_id TEXT REFERENCES policy_action (id) CHECK (lifts_action_id IS NULL OR kind = 'ban_lift'),
  account_count   INTEGER CHECK (account_count IS NULL OR (kind = 'suspension' AND account_count > 0)),
  description     TEXT NOT NULL CHECK (length(description) > 0),
  source          TEXT NOT NULL CHECK (length(source) > 0),
  note            TEXT
) STRICT;
CREATE INDEX policy_action_by_platform ON policy_action (platform_id, date);

CREATE TABLE policy_action_advertiser (
  action_id     TEXT NOT NULL REFERENCES policy_action (id),
  advertiser_id TEXT NOT NULL REFERENCES advertiser (id),
  PRIMARY KEY (action_id, advertiser_id)
) STRICT;
CREATE INDEX policy_action_by_advertiser ON policy_action_advertiser (advertiser_id);

CREATE TABLE pledge (
  id                  TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9_-]*'),
  txn_id              INTEGER NOT NULL UNIQUE REFERENCES journal_txn (id),
  platform_id         TEXT NOT NULL REFERENCES platform (id),
  amount_minor        INTEGER NOT NULL CHECK (amount_minor > 0),
  currency            TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  date                TEXT NOT NULL CHECK (date(date) IS date),
  beneficiary         TEXT NOT NULL CHECK (length(beneficiary) > 0),
  basis_advertiser_id TEXT REFERENCES advertiser (id),
  basis_first         TEXT CHECK (basis_first IS NULL OR date(basis_first) IS basis_first),
  basis_last          TEXT CHECK (basis_last IS NULL OR (date(basis_last) IS basis_last AND basis_last >= basis_first)),
  source              TEXT NOT NULL CHECK (length(source) > 0),
  note                TEXT,
  CHECK ((basis_first IS NULL) = (basis_last IS NULL))
) STRICT;

CREATE TABLE disbursement (
  id           TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9_-]*'),
  txn_id       INTEGER NOT NULL UNIQUE REFERENCES journal_txn (id),
  pledge_id    TEXT NOT NULL REFERENCES pledge (id),
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  date         TEXT NOT NULL CHECK (date(date) IS date),
  source       TEXT NOT NULL CHECK (length(source) > 0)
) STRICT;
CREATE INDEX disbursement_by_pledge ON disbursement (pledge_id);

