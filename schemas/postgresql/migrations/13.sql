-- Version 13: a source's details (schemas/migrations/13.sql says the same
-- for SQLite).
--
-- Every record that cites a source may say where a reader finds it and
-- what it says: the address (source_url, an http or https URL), the day it
-- was read there (source_accessed) and the words that support the record
-- (source_quote). Each is NULL when not given, as in every row recorded
-- before; adding a column that may be NULL rewrites no table. On a Citus
-- cluster the columns go with their rows.
ALTER TABLE spend_entry ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE spend_reversal ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE policy_action ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE policy_withdrawal ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE pledge ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE pledge_withdrawal ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE disbursement ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE disbursement_withdrawal ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE disclosed_total ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE disclosed_total_withdrawal ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
ALTER TABLE exchange_rate ADD COLUMN source_url text CHECK (length(source_url) > 0),
  ADD COLUMN source_accessed date,
  ADD COLUMN source_quote text CHECK (length(source_quote) > 0);
