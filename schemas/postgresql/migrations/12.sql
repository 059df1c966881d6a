-- Version 12: corrections for pledges, disbursements and disclosed totals,
-- and how exact an item count is (schemas/migrations/12.sql says the same
-- for SQLite).
--
-- A pledge, a disbursement or a disclosed total recorded by mistake is
-- withdrawn: the record stays, a row here says why, and it counts for
-- nothing from then on. A pledge's or a disbursement's withdrawal posts its
-- postings with the signs turned, on its date, as journal transaction
-- txn_id. On a Citus cluster these are small reference tables, as the
-- tables they refer to are.
CREATE TABLE pledge_withdrawal (
  pledge_id text PRIMARY KEY REFERENCES pledge (id),
  txn_id    bigint NOT NULL UNIQUE CHECK (txn_id > 0),
  reason    text NOT NULL CHECK (length(reason) > 0),
  source    text NOT NULL CHECK (length(source) > 0)
);

CREATE TABLE disbursement_withdrawal (
  disbursement_id text PRIMARY KEY REFERENCES disbursement (id),
  txn_id          bigint NOT NULL UNIQUE CHECK (txn_id > 0),
  reason          text NOT NULL CHECK (length(reason) > 0),
  source          text NOT NULL CHECK (length(source) > 0)
);

CREATE TABLE disclosed_total_withdrawal (
  disclosed_total_id text PRIMARY KEY REFERENCES disclosed_total (id),
  reason             text NOT NULL CHECK (length(reason) > 0),
  source             text NOT NULL CHECK (length(source) > 0)
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['pledge_withdrawal', 'disbursement_withdrawal', 'disclosed_total_withdrawal'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION refuse_change()',
                   t || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()',
                   t || '_no_truncate', t);
  END LOOP;
END
$$;

-- How exact a spend entry's item count is: 0 exact (and every entry
-- recorded before), 1 approximate, 2 estimated.
ALTER TABLE spend_entry ADD COLUMN items_precision smallint NOT NULL DEFAULT 0
  CHECK (items_precision BETWEEN 0 AND 2);
