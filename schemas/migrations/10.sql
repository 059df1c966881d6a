-- Version 10: the ledger's sums per currency, kept as it posts.
--
-- Every write checks that the sum of the ledger's debits in a currency (a
-- spend entry, a reversal, a pledge and a disbursement each debit their
-- amount once), and the sum of the upper bounds of its spend ranges, stay
-- within the largest amount: every report, balance and check can then form
-- its sums. Until version 9 each write summed every entry of the ledger for
-- it, a cost that grew with the ledger. currency_total keeps the two sums,
-- one row per currency, added to in the transaction that posts, as
-- account_total keeps each account's balance; verify checks them against
-- the postings and the entries.
CREATE TABLE currency_total (
  currency     TEXT PRIMARY KEY CHECK (length(currency) = 3),
  debits_minor INTEGER NOT NULL CHECK (debits_minor >= 0),
  upper_minor  INTEGER NOT NULL CHECK (upper_minor >= 0)
) STRICT;

-- The sums of what is already recorded. SQLite's sum() fails on an integer
-- overflow rather than wrap, so a ledger whose sums do not fit is not
-- migrated.
INSERT INTO currency_total (currency, debits_minor, upper_minor)
  SELECT currency, sum(debits), sum(upper)
  FROM (SELECT currency, amount_minor AS debits, 0 AS upper FROM posting WHERE amount_minor > 0
        UNION ALL
        SELECT char(65 + currency / 676, 65 + currency / 26 % 26, 65 + currency % 26), 0, upper_minor
        FROM spend_entry WHERE upper_minor IS NOT NULL)
  GROUP BY currency;

CREATE TRIGGER currency_total_no_delete BEFORE DELETE ON currency_total
  BEGIN SELECT RAISE(ABORT, 'append-only: currency_total rows are never deleted'); END;
