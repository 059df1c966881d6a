-- Version 7: one row per spend entry, and a record log of hashes.
--
-- Before version 7 a spend entry wrote six rows (a journal transaction, two
-- postings, the entry, its tags, and a log row holding the record again as
-- JSON). From version 7:
--
-- * Every record that moves money carries its double entry in its own row:
--   the account it debits, the account it credits, the amount and the
--   currency. The journal (journal_txn) and its postings (posting) are views
--   over those rows, two postings a row (none for a range whose lower bound
--   is zero): double entry by construction, as TigerBeetle stores a
--   transfer. A reversal carries the entry it reverses; its postings are
--   the entry's with their signs turned.
-- * A spend entry is one narrow row: accounts, sources and tag sets are
--   interned (account, source_text, tag_set); the currency is an integer
--   (the three letters in base 26: A = 0) and days are Julian day numbers,
--   which SQLite's date() reads as they are. The view `spend` shows the
--   entry with its names, codes and dates spelled out.
-- * The record log keeps, per record, its number, kind, key, the time it
--   was recorded (milliseconds since 1970, UTC) and its leaf hash: SHA-256
--   of 0x00 and the record's canonical line, as RFC 9162 hashes a leaf of a
--   Merkle tree. The line is rebuilt from the record's rows whenever it is
--   needed (ledger/audit/chain.hpp), so the rows are the only copy of the
--   record, and changing one changes its leaf. log_tree keeps the right
--   edge of the Merkle tree after each write, so the head (the tree's size
--   and root) is read without reading every leaf.
--
-- adledger runs this file inside the step to version 7 after it has
-- checked the version-6 log (every hash following from the one before) and
-- put each record's leaf hash in temp.legacy_leaf; afterwards it checks
-- that every record rebuilt from the new rows is the record that was
-- logged, before it commits. Checks that only repeated adledger's own rules
-- (dates, codes, lengths) are not repeated here: `adledger verify` checks
-- every row against its record.

CREATE TABLE account (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  -- The advertiser and platform of a spend entry's expense account, which
  -- names them both: one advertiser's entries are found through it.
  advertiser_id TEXT REFERENCES advertiser (id),
  platform_id   TEXT REFERENCES platform (id)
) STRICT;
CREATE INDEX account_by_advertiser ON account (advertiser_id, platform_id) WHERE advertiser_id IS NOT NULL;

CREATE TABLE source_text (
  id   INTEGER PRIMARY KEY,
  text TEXT NOT NULL UNIQUE
) STRICT;

-- A set of tags, as a JSON array of distinct strings in order.
CREATE TABLE tag_set (
  id   INTEGER PRIMARY KEY,
  tags TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE spend_entry (
  id           INTEGER PRIMARY KEY,
  txn_id       INTEGER NOT NULL,
  debit        INTEGER NOT NULL REFERENCES account (id),
  credit       INTEGER NOT NULL REFERENCES account (id),
  amount_minor INTEGER NOT NULL,   -- a range's lower bound
  upper_minor  INTEGER,            -- a range's upper bound; NULL when open or not a range
  currency     INTEGER NOT NULL,   -- ISO 4217 code in base 26
  first_day    INTEGER NOT NULL,   -- Julian day numbers
  last_day     INTEGER NOT NULL,
  items        INTEGER,
  market       TEXT NOT NULL,
  precision    INTEGER NOT NULL,   -- 0 exact, 1 approximate, 2 estimated, 3 range
  source       INTEGER NOT NULL REFERENCES source_text (id),
  tags         INTEGER REFERENCES tag_set (id),
  handle       TEXT,
  external_id  TEXT UNIQUE,
  note         TEXT
) STRICT;
CREATE INDEX spend_by_account ON spend_entry (debit, first_day);

CREATE TABLE spend_reversal_v7 (
  entry_id INTEGER PRIMARY KEY REFERENCES spend_entry (id),
  txn_id   INTEGER NOT NULL,
  reason   TEXT NOT NULL,
  source   TEXT NOT NULL
) STRICT;

CREATE TABLE pledge_v7 (
  id                  TEXT PRIMARY KEY,
  txn_id              INTEGER NOT NULL,
  debit               INTEGER NOT NULL REFERENCES account (id),
  credit              INTEGER NOT NULL REFERENCES account (id),
  platform_id         TEXT NOT NULL REFERENCES platform (id),
  amount_minor        INTEGER NOT NULL,
  currency            TEXT NOT NULL,
  date                TEXT NOT NULL,
  beneficiary         TEXT NOT NULL,
  basis_advertiser_id TEXT REFERENCES advertiser (id),
  basis_first         TEXT,
  basis_last          TEXT,
  source              TEXT NOT NULL,
  note                TEXT
) STRICT;

CREATE TABLE disbursement_v7 (
  id           TEXT PRIMARY KEY,
  txn_id       INTEGER NOT NULL,
  pledge_id    TEXT NOT NULL REFERENCES pledge_v7 (id),
  debit        INTEGER NOT NULL REFERENCES account (id),
  credit       INTEGER NOT NULL REFERENCES account (id),
  amount_minor INTEGER NOT NULL,
  date         TEXT NOT NULL,
  source       TEXT NOT NULL
) STRICT;
CREATE INDEX disbursement_by_pledge_v7 ON disbursement_v7 (pledge_id);

CREATE TABLE record_log_v7 (
  seq         INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  ref         TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,   -- milliseconds since 1970-01-01T00:00:00Z
  hash        BLOB NOT NULL,      -- the leaf hash
  UNIQUE (kind, ref)
) STRICT;

-- The Merkle tree's right edge after each write that appended: the roots
-- of its perfect subtrees, largest first, 32 bytes each.
CREATE TABLE log_tree (
  size     INTEGER PRIMARY KEY,
  frontier BLOB NOT NULL
) STRICT;

-- The copy. Accounts first: each spend entry's expense account, which
-- names its advertiser and platform (one advertiser's entries are found
-- through it), then every other account the postings name, then the
-- accounts of records that posted nothing (a range from zero).
INSERT INTO account (name, advertiser_id, platform_id)
  SELECT 'expenses:ads:' || advertiser_id || ':' || platform_id, advertiser_id, platform_id
  FROM spend GROUP BY advertiser_id, platform_id ORDER BY min(id);
INSERT OR IGNORE INTO account (name)
  SELECT account FROM posting GROUP BY account ORDER BY min(id);
INSERT OR IGNORE INTO account (name)
  SELECT 'income:ads:' || platform_id || ':' || advertiser_id FROM spend GROUP BY advertiser_id, platform_id
  ORDER BY min(id);
INSERT OR IGNORE INTO account (name) SELECT 'expenses:pledges:' || platform_id FROM pledge ORDER BY txn_id;
INSERT OR IGNORE INTO account (name) SELECT 'liabilities:pledges:' || platform_id || ':' || id FROM pledge ORDER BY txn_id;
INSERT OR IGNORE INTO account (name) SELECT 'assets:cash:' || p.platform_id
  FROM disbursement d JOIN pledge p ON p.id = d.pledge_id ORDER BY d.txn_id;

INSERT OR IGNORE INTO source_text (text) SELECT source FROM spend ORDER BY id;
INSERT OR IGNORE INTO tag_set (tags)
  SELECT json_group_array(tag) FROM (SELECT spend_id, tag FROM spend_tag ORDER BY spend_id, tag) GROUP BY spend_id
  ORDER BY spend_id;

INSERT INTO spend_entry (id, txn_id, debit, credit, amount_minor, upper_minor, currency, first_day, last_day, items,
                         market, precision, source, tags, handle, external_id, note)
  SELECT s.id, s.txn_id,
         (SELECT id FROM account WHERE name = 'expenses:ads:' || s.advertiser_id || ':' || s.platform_id),
         (SELECT id FROM account WHERE name = 'income:ads:' || s.platform_id || ':' || s.advertiser_id),
         s.amount_minor, s.upper_minor,
         (unicode(substr(s.currency, 1, 1)) - 65) * 676 + (unicode(substr(s.currency, 2, 1)) - 65) * 26
           + unicode(substr(s.currency, 3, 1)) - 65,
         CAST(julianday(s.period_first) AS INTEGER) + 1, CAST(julianday(s.period_last) AS INTEGER) + 1,
         s.items, s.market,
         CASE s.precision WHEN 'exact' THEN 0 WHEN 'approximate' THEN 1 WHEN 'estimated' THEN 2 ELSE 3 END,
         (SELECT id FROM source_text WHERE text = s.source),
         (SELECT id FROM tag_set WHERE tags = (SELECT json_group_array(tag)
                                               FROM (SELECT tag FROM spend_tag WHERE spend_id = s.id ORDER BY tag))),
         s.handle, s.external_id, s.note
  FROM spend s ORDER BY s.id;

INSERT INTO spend_reversal_v7 (entry_id, txn_id, reason, source)
  SELECT entry_id, txn_id, reason, source FROM spend_reversal ORDER BY entry_id;

INSERT INTO pledge_v7 (id, txn_id, debit, credit, platform_id, amount_minor, currency, date, beneficiary,
                       basis_advertiser_id, basis_first, basis_last, source, note)
  SELECT id, txn_id, (SELECT a.id FROM account a WHERE a.name = 'expenses:pledges:' || p.platform_id),
         (SELECT a.id FROM account a WHERE a.name = 'liabilities:pledges:' || p.platform_id || ':' || p.id),
         platform_id, amount_minor, currency, date, beneficiary, basis_advertiser_id, basis_first, basis_last,
         source, note
  FROM pledge p ORDER BY txn_id;

INSERT INTO disbursement_v7 (id, txn_id, pledge_id, debit, credit, amount_minor, date, source)
  SELECT d.id, d.txn_id, d.pledge_id,
         (SELECT a.id FROM account a WHERE a.name = 'liabilities:pledges:' || p.platform_id || ':' || p.id),
         (SELECT a.id FROM account a WHERE a.name = 'assets:cash:' || p.platform_id),
         d.amount_minor, d.date, d.source
  FROM disbursement d JOIN pledge p ON p.id = d.pledge_id ORDER BY d.txn_id;

INSERT INTO record_log_v7 (seq, kind, ref, recorded_at, hash)
  SELECT l.seq, l.kind, l.ref,
         CAST(round((julianday(substr(l.recorded_at, 1, 23)) - 2440587.5) * 86400000) AS INTEGER), t.leaf
  FROM record_log l JOIN temp.legacy_leaf t ON t.seq = l.seq ORDER BY l.seq;

DROP TABLE spend_tag;
DROP TABLE spend_reversal;
DROP TABLE spend;
DROP TABLE disbursement;
DROP TABLE pledge;
DROP TABLE posting;
DROP TABLE journal_txn;
DROP TABLE record_log;
ALTER TABLE spend_reversal_v7 RENAME TO spend_reversal;
ALTER TABLE pledge_v7 RENAME TO pledge;
ALTER TABLE disbursement_v7 RENAME TO disbursement;
ALTER TABLE record_log_v7 RENAME TO record_log;
DROP INDEX disbursement_by_pledge_v7;
CREATE INDEX disbursement_by_pledge ON disbursement (pledge_id);

-- The views: the journal and the records as a reader of the file expects
-- them, codes and dates spelled out.
CREATE VIEW spend (id, txn_id, advertiser_id, platform_id, handle, amount_minor, currency, period_first,
                   period_last, items, market, precision, source, external_id, note, upper_minor) AS
  SELECT s.id, s.txn_id, a.advertiser_id, a.platform_id, s.handle, s.amount_minor,
         char(65 + s.currency / 676, 65 + s.currency / 26 % 26, 65 + s.currency % 26),
         date(s.first_day), date(s.last_day), s.items, s.market,
         CASE s.precision WHEN 0 THEN 'exact' WHEN 1 THEN 'approximate' WHEN 2 THEN 'estimated' ELSE 'range' END,
         t.text, s.external_id, s.note, s.upper_minor
  FROM spend_entry s JOIN account a ON a.id = s.debit JOIN source_text t ON t.id = s.source;

CREATE VIEW spend_tag (spend_id, tag) AS
  SELECT s.id, j.value FROM spend_entry s JOIN tag_set g ON g.id = s.tags, json_each(g.tags) j;

CREATE VIEW journal_txn (id, date, kind) AS
  SELECT txn_id, date(first_day), 'spend' FROM spend_entry
  UNION ALL SELECT r.txn_id, date(s.first_day), 'spend' FROM spend_reversal r JOIN spend_entry s ON s.id = r.entry_id
  UNION ALL SELECT txn_id, date, 'pledge' FROM pledge
  UNION ALL SELECT txn_id, date, 'disbursement' FROM disbursement;

-- Line 0 debits, line 1 credits. A reversal posts its entry's accounts with
-- the signs turned; an amount of zero posts nothing.
CREATE VIEW posting (txn_id, line, account, currency, amount_minor) AS
  SELECT s.txn_id, 0, a.name, char(65 + s.currency / 676, 65 + s.currency / 26 % 26, 65 + s.currency % 26),
         s.amount_minor
    FROM spend_entry s JOIN account a ON a.id = s.debit WHERE s.amount_minor <> 0
  UNION ALL
  SELECT s.txn_id, 1, a.name, char(65 + s.currency / 676, 65 + s.currency / 26 % 26, 65 + s.currency % 26),
         -s.amount_minor
    FROM spend_entry s JOIN account a ON a.id = s.credit WHERE s.amount_minor <> 0
  UNION ALL
  SELECT r.txn_id, 0, a.name, char(65 + s.currency / 676, 65 + s.currency / 26 % 26, 65 + s.currency % 26),
         -s.amount_minor
    FROM spend_reversal r JOIN spend_entry s ON s.id = r.entry_id JOIN account a ON a.id = s.debit
    WHERE s.amount_minor <> 0
  UNION ALL
  SELECT r.txn_id, 1, a.name, char(65 + s.currency / 676, 65 + s.currency / 26 % 26, 65 + s.currency % 26),
         s.amount_minor
    FROM spend_reversal r JOIN spend_entry s ON s.id = r.entry_id JOIN account a ON a.id = s.credit
    WHERE s.amount_minor <> 0
  UNION ALL
  SELECT p.txn_id, 0, a.name, p.currency, p.amount_minor FROM pledge p JOIN account a ON a.id = p.debit
  UNION ALL
  SELECT p.txn_id, 1, a.name, p.currency, -p.amount_minor FROM pledge p JOIN account a ON a.id = p.credit
  UNION ALL
  SELECT d.txn_id, 0, a.name, p.currency, d.amount_minor
    FROM disbursement d JOIN pledge p ON p.id = d.pledge_id JOIN account a ON a.id = d.debit
  UNION ALL
  SELECT d.txn_id, 1, a.name, p.currency, -d.amount_minor
    FROM disbursement d JOIN pledge p ON p.id = d.pledge_id JOIN account a ON a.id = d.credit;

-- Append-only, whatever the client: every table refuses UPDATE and DELETE.
-- `adledger verify` compares each of these triggers with this text.
DROP TRIGGER IF EXISTS platform_append_only_update;
DROP TRIGGER IF EXISTS platform_append_only_delete;
DROP TRIGGER IF EXISTS advertiser_append_only_update;
DROP TRIGGER IF EXISTS advertiser_append_only_delete;
DROP TRIGGER IF EXISTS handle_append_only_update;
DROP TRIGGER IF EXISTS handle_append_only_delete;
DROP TRIGGER IF EXISTS policy_action_append_only_update;
DROP TRIGGER IF EXISTS policy_action_append_only_delete;
DROP TRIGGER IF EXISTS policy_action_advertiser_append_only_update;
DROP TRIGGER IF EXISTS policy_action_advertiser_append_only_delete;
DROP TRIGGER IF EXISTS policy_withdrawal_append_only_update;
DROP TRIGGER IF EXISTS policy_withdrawal_append_only_delete;
DROP TRIGGER IF EXISTS disclosed_total_append_only_update;
DROP TRIGGER IF EXISTS disclosed_total_append_only_delete;
DROP TRIGGER IF EXISTS exchange_rate_append_only_update;
DROP TRIGGER IF EXISTS exchange_rate_append_only_delete;
DROP TRIGGER IF EXISTS account_total_no_delete;
CREATE TRIGGER platform_append_only_update BEFORE UPDATE ON platform BEGIN SELECT RAISE(ABORT, 'append-only: platform rows are never changed'); END;
CREATE TRIGGER platform_append_only_delete BEFORE DELETE ON platform BEGIN SELECT RAISE(ABORT, 'append-only: platform rows are never deleted'); END;
CREATE TRIGGER advertiser_append_only_update BEFORE UPDATE ON advertiser BEGIN SELECT RAISE(ABORT, 'append-only: advertiser rows are never changed'); END;
CREATE TRIGGER advertiser_append_only_delete BEFORE DELETE ON advertiser BEGIN SELECT RAISE(ABORT, 'append-only: advertiser rows are never deleted'); END;
CREATE TRIGGER handle_append_only_update BEFORE UPDATE ON handle BEGIN SELECT RAISE(ABORT, 'append-only: handle rows are never changed'); END;
CREATE TRIGGER handle_append_only_delete BEFORE DELETE ON handle BEGIN SELECT RAISE(ABORT, 'append-only: handle rows are never deleted'); END;
CREATE TRIGGER account_append_only_update BEFORE UPDATE ON account BEGIN SELECT RAISE(ABORT, 'append-only: account rows are never changed'); END;
CREATE TRIGGER account_append_only_delete BEFORE DELETE ON account BEGIN SELECT RAISE(ABORT, 'append-only: account rows are never deleted'); END;
CREATE TRIGGER source_text_append_only_update BEFORE UPDATE ON source_text BEGIN SELECT RAISE(ABORT, 'append-only: source_text rows are never changed'); END;
CREATE TRIGGER source_text_append_only_delete BEFORE DELETE ON source_text BEGIN SELECT RAISE(ABORT, 'append-only: source_text rows are never deleted'); END;
CREATE TRIGGER tag_set_append_only_update BEFORE UPDATE ON tag_set BEGIN SELECT RAISE(ABORT, 'append-only: tag_set rows are never changed'); END;
CREATE TRIGGER tag_set_append_only_delete BEFORE DELETE ON tag_set BEGIN SELECT RAISE(ABORT, 'append-only: tag_set rows are never deleted'); END;
CREATE TRIGGER spend_entry_append_only_update BEFORE UPDATE ON spend_entry BEGIN SELECT RAISE(ABORT, 'append-only: spend_entry rows are never changed'); END;
CREATE TRIGGER spend_entry_append_only_delete BEFORE DELETE ON spend_entry BEGIN SELECT RAISE(ABORT, 'append-only: spend_entry rows are never deleted'); END;
CREATE TRIGGER spend_reversal_append_only_update BEFORE UPDATE ON spend_reversal BEGIN SELECT RAISE(ABORT, 'append-only: spend_reversal rows are never changed'); END;
CREATE TRIGGER spend_reversal_append_only_delete BEFORE DELETE ON spend_reversal BEGIN SELECT RAISE(ABORT, 'append-only: spend_reversal rows are never deleted'); END;
CREATE TRIGGER policy_action_append_only_update BEFORE UPDATE ON policy_action BEGIN SELECT RAISE(ABORT, 'append-only: policy_action rows are never changed'); END;
CREATE TRIGGER policy_action_append_only_delete BEFORE DELETE ON policy_action BEGIN SELECT RAISE(ABORT, 'append-only: policy_action rows are never deleted'); END;
CREATE TRIGGER policy_action_advertiser_append_only_update BEFORE UPDATE ON policy_action_advertiser BEGIN SELECT RAISE(ABORT, 'append-only: policy_action_advertiser rows are never changed'); END;
CREATE TRIGGER policy_action_advertiser_append_only_delete BEFORE DELETE ON policy_action_advertiser BEGIN SELECT RAISE(ABORT, 'append-only: policy_action_advertiser rows are never deleted'); END;
CREATE TRIGGER policy_withdrawal_append_only_update BEFORE UPDATE ON policy_withdrawal BEGIN SELECT RAISE(ABORT, 'append-only: policy_withdrawal rows are never changed'); END;
CREATE TRIGGER policy_withdrawal_append_only_delete BEFORE DELETE ON policy_withdrawal BEGIN SELECT RAISE(ABORT, 'append-only: policy_withdrawal rows are never deleted'); END;
CREATE TRIGGER pledge_append_only_update BEFORE UPDATE ON pledge BEGIN SELECT RAISE(ABORT, 'append-only: pledge rows are never changed'); END;
CREATE TRIGGER pledge_append_only_delete BEFORE DELETE ON pledge BEGIN SELECT RAISE(ABORT, 'append-only: pledge rows are never deleted'); END;
CREATE TRIGGER disbursement_append_only_update BEFORE UPDATE ON disbursement BEGIN SELECT RAISE(ABORT, 'append-only: disbursement rows are never changed'); END;
CREATE TRIGGER disbursement_append_only_delete BEFORE DELETE ON disbursement BEGIN SELECT RAISE(ABORT, 'append-only: disbursement rows are never deleted'); END;
CREATE TRIGGER disclosed_total_append_only_update BEFORE UPDATE ON disclosed_total BEGIN SELECT RAISE(ABORT, 'append-only: disclosed_total rows are never changed'); END;
CREATE TRIGGER disclosed_total_append_only_delete BEFORE DELETE ON disclosed_total BEGIN SELECT RAISE(ABORT, 'append-only: disclosed_total rows are never deleted'); END;
CREATE TRIGGER exchange_rate_append_only_update BEFORE UPDATE ON exchange_rate BEGIN SELECT RAISE(ABORT, 'append-only: exchange_rate rows are never changed'); END;
CREATE TRIGGER exchange_rate_append_only_delete BEFORE DELETE ON exchange_rate BEGIN SELECT RAISE(ABORT, 'append-only: exchange_rate rows are never deleted'); END;
CREATE TRIGGER record_log_append_only_update BEFORE UPDATE ON record_log BEGIN SELECT RAISE(ABORT, 'append-only: record_log rows are never changed'); END;
CREATE TRIGGER record_log_append_only_delete BEFORE DELETE ON record_log BEGIN SELECT RAISE(ABORT, 'append-only: record_log rows are never deleted'); END;
CREATE TRIGGER log_tree_append_only_update BEFORE UPDATE ON log_tree BEGIN SELECT RAISE(ABORT, 'append-only: log_tree rows are never changed'); END;
CREATE TRIGGER log_tree_append_only_delete BEFORE DELETE ON log_tree BEGIN SELECT RAISE(ABORT, 'append-only: log_tree rows are never deleted'); END;
CREATE TRIGGER account_total_no_delete BEFORE DELETE ON account_total BEGIN SELECT RAISE(ABORT, 'append-only: account_total rows are never deleted'); END;
