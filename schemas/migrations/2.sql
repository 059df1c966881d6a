-- Version 2: disclosed totals, figures a platform published for a whole range
-- ("1.9 million USD from RT since 2011"). They post nothing to the journal:
-- reports compare them with the spend itemised for the same range.
CREATE TABLE disclosed_total (
  id            TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9_-]*'),
  platform_id   TEXT NOT NULL REFERENCES platform (id),
  advertiser_id TEXT NOT NULL REFERENCES advertiser (id),
  amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
  currency      TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  period_first  TEXT NOT NULL CHECK (date(period_first) IS period_first),
  period_last   TEXT NOT NULL CHECK (date(period_last) IS period_last AND period_last >= period_first),
  date          TEXT NOT NULL CHECK (date(date) IS date),
  precision     TEXT NOT NULL CHECK (precision IN ('exact', 'approximate', 'estimated')),
  source        TEXT NOT NULL CHECK (length(source) > 0),
  note          TEXT
) STRICT;
CREATE INDEX disclosed_total_by_advertiser ON disclosed_total (advertiser_id, platform_id);
