-- Version 4: spend entries given as ranges, as ad libraries publish them
-- ("at least 5,000, at most 9,999"; "less than 100"; "1,000,000 or more").
-- A range entry has precision 'range': amount_minor is its lower bound,
-- which is what it posts to the journal (a lower bound of zero posts
-- nothing), and upper_minor its upper bound, NULL when open at the top.
--
-- SQLite cannot change a column's CHECK in place, so the table is rebuilt
-- as https://www.sqlite.org/lang_altertable.html#otheralter says: adledger
-- runs each migration with foreign keys off (and checks them all before it
-- commits), so that the new table can take the old one's place under the
-- name that spend_tag and spend_reversal refer to. Every row is copied, id
-- for id; DROP TABLE fires no trigger; the index and the append-only
-- triggers are made again on the new table.
CREATE TABLE spend_v4 (
  id            INTEGER PRIMARY KEY,
  txn_id        INTEGER NOT NULL UNIQUE REFERENCES journal_txn (id),
  advertiser_id TEXT NOT NULL REFERENCES advertiser (id),
  platform_id   TEXT NOT NULL REFERENCES platform (id),
  handle        TEXT,
  amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0 OR (amount_minor = 0 AND precision = 'range')),
  currency      TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  period_first  TEXT NOT NULL CHECK (date(period_first) IS period_first),
  period_last   TEXT NOT NULL CHECK (date(period_last) IS period_last AND period_last >= period_first),
  items         INTEGER CHECK (items IS NULL OR items >= 0),
  market        TEXT NOT NULL CHECK (length(market) > 0),
  precision     TEXT NOT NULL CHECK (precision IN ('exact', 'approximate', 'estimated', 'range')),
  source        TEXT NOT NULL CHECK (length(source) > 0),
  external_id   TEXT UNIQUE,
  note          TEXT,
  upper_minor   INTEGER CHECK (upper_minor IS NULL OR (precision = 'range' AND upper_minor > 0
                                                       AND upper_minor >= amount_minor)),
  FOREIGN KEY (platform_id, handle) REFERENCES handle (platform_id, handle)
) STRICT;

INSERT INTO spend_v4 (id, txn_id, advertiser_id, platform_id, handle, amount_minor, currency, period_first,
                      period_last, items, market, precision, source, external_id, note, upper_minor)
  SELECT id, txn_id, advertiser_id, platform_id, handle, amount_minor, currency, period_first, period_last, items,
         market, precision, source, external_id, note, NULL
  FROM spend;

DROP TABLE spend;
ALTER TABLE spend_v4 RENAME TO spend;
CREATE INDEX spend_by_advertiser ON spend (advertiser_id, platform_id, period_first);

CREATE TRIGGER spend_append_only_update BEFORE UPDATE ON spend
  BEGIN SELECT RAISE(ABORT, 'append-only: spend rows are never changed'); END;
CREATE TRIGGER spend_append_only_delete BEFORE DELETE ON spend
  BEGIN SELECT RAISE(ABORT, 'append-only: spend rows are never deleted'); END;
