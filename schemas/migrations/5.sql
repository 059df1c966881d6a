-- Version 5: exchange rates, for reports that convert amounts to one
-- currency (--convert). A rate says that one unit of from_currency was
-- worth `rate` units of to_currency on `date`; it is kept as the exact
-- decimal it was given (canonical: no trailing zeros), never as a binary
-- floating-point number. A report converts an amount at the latest rate on
-- or before the end of its entry's period. Rates are records like any
-- other: logged, hashed, append-only.
CREATE TABLE exchange_rate (
  from_currency TEXT NOT NULL CHECK (length(from_currency) = 3 AND from_currency GLOB '[A-Z][A-Z][A-Z]'),
  to_currency   TEXT NOT NULL CHECK (length(to_currency) = 3 AND to_currency GLOB '[A-Z][A-Z][A-Z]'
                                     AND to_currency <> from_currency),
  date          TEXT NOT NULL CHECK (date(date) IS date),
  rate          TEXT NOT NULL CHECK (length(rate) BETWEEN 1 AND 40 AND rate NOT GLOB '*[^0-9.]*'),
  source        TEXT NOT NULL CHECK (length(source) > 0),
  PRIMARY KEY (from_currency, to_currency, date)
) STRICT;

CREATE TRIGGER exchange_rate_append_only_update BEFORE UPDATE ON exchange_rate
  BEGIN SELECT RAISE(ABORT, 'append-only: exchange_rate rows are never changed'); END;
CREATE TRIGGER exchange_rate_append_only_delete BEFORE DELETE ON exchange_rate
  BEGIN SELECT RAISE(ABORT, 'append-only: exchange_rate rows are never deleted'); END;

-- The record log gains the kind 'rate'. Its CHECK cannot change in place,
-- so it is rebuilt as spend was in version 4: every row copied as it is,
-- seq, time, content and hash alike, so the chain is the same chain.
CREATE TABLE record_log_v5 (
  seq         INTEGER PRIMARY KEY CHECK (seq > 0),
  kind        TEXT NOT NULL CHECK (kind IN ('platform', 'advertiser', 'handle', 'spend', 'spend_reversal',
                                           'policy_action', 'policy_withdrawal', 'pledge', 'disbursement',
                                           'disclosed_total', 'rate')),
  ref         TEXT NOT NULL CHECK (length(ref) > 0),
  recorded_at TEXT NOT NULL CHECK (recorded_at GLOB
                 '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  content     TEXT NOT NULL CHECK (json_valid(content)),
  hash        BLOB NOT NULL CHECK (length(hash) = 32),
  UNIQUE (kind, ref)
) STRICT;
INSERT INTO record_log_v5 (seq, kind, ref, recorded_at, content, hash)
  SELECT seq, kind, ref, recorded_at, content, hash FROM record_log;
DROP TABLE record_log;
ALTER TABLE record_log_v5 RENAME TO record_log;
CREATE TRIGGER record_log_append_only_update BEFORE UPDATE ON record_log
  BEGIN SELECT RAISE(ABORT, 'append-only: record_log rows are never changed'); END;
CREATE TRIGGER record_log_append_only_delete BEFORE DELETE ON record_log
  BEGIN SELECT RAISE(ABORT, 'append-only: record_log rows are never deleted'); END;
