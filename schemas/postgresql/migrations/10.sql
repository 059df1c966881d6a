-- Version 10: the ledger's sums per currency, kept as it posts
-- (schemas/migrations/10.sql says the same for SQLite).
--
-- Every write checks that the sum of the ledger's debits in a currency (a
-- spend entry, a reversal, a pledge and a disbursement each debit their
-- amount once), and the sum of the upper bounds of its spend ranges, stay
-- within the largest amount. Until version 9 each write summed every entry
-- of the ledger for it, a cost that grew with the ledger. currency_total
-- keeps the two sums: a write that posts adds a row per currency it posted
-- in, with the sums as they stand after it, at the log's size then, so that
-- no row is ever updated; the latest row of a currency is its sums. verify
-- checks them against the postings and the entries.
CREATE TABLE currency_total (
  currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  log_size     bigint NOT NULL CHECK (log_size >= 0),
  debits_minor bigint NOT NULL CHECK (debits_minor >= 0),
  upper_minor  bigint NOT NULL CHECK (upper_minor >= 0),
  PRIMARY KEY (currency, log_size)
);

-- The sums of what is already recorded, at the log's size now. A sum that
-- does not fit in bigint fails the migration rather than wrap.
INSERT INTO currency_total (currency, log_size, debits_minor, upper_minor)
  SELECT currency, (SELECT coalesce(max(seq), 0) FROM record_log), sum(debits)::bigint, sum(upper)::bigint
  FROM (SELECT currency, amount_minor AS debits, 0 AS upper FROM spend_entry
        UNION ALL
        SELECT s.currency, s.amount_minor, 0 FROM spend_reversal r JOIN spend_entry s ON s.id = r.entry_id
        UNION ALL
        SELECT currency, amount_minor, 0 FROM pledge
        UNION ALL
        SELECT p.currency, d.amount_minor, 0 FROM disbursement d JOIN pledge p ON p.id = d.pledge_id
        UNION ALL
        SELECT currency, 0, upper_minor FROM spend_entry WHERE upper_minor IS NOT NULL) AS sums
  GROUP BY currency;

CREATE TRIGGER currency_total_append_only BEFORE UPDATE OR DELETE ON currency_total
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER currency_total_no_truncate BEFORE TRUNCATE ON currency_total
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
