-- Version 6: what makes reports fast at a million entries.
--
-- account_total holds each account's balance per currency, written in the
-- same transaction as the postings that change it (the store adds up a
-- transaction's postings per account and writes each account's total once,
-- as it commits): `balance` reads one row per account instead of summing
-- every posting, and the ledger's overflow check reads one row per account
-- it posts to. It is a summary, never a source: `adledger verify` sums the
-- postings again and reports any account whose row disagrees. An account
-- whose postings net to zero keeps its row, as a GROUP BY over the postings
-- keeps it. A sum beyond int64 becomes a REAL in SQLite, which the STRICT
-- INTEGER column refuses, so the commit fails rather than wrap (the ledger
-- refuses such a posting before it gets here).
CREATE TABLE account_total (
  account       TEXT NOT NULL CHECK (length(account) > 0),
  currency      TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  balance_minor INTEGER NOT NULL,
  postings      INTEGER NOT NULL CHECK (postings > 0),
  PRIMARY KEY (account, currency)
) STRICT, WITHOUT ROWID;

INSERT INTO account_total (account, currency, balance_minor, postings)
  SELECT account, currency, sum(amount_minor), count(*) FROM posting GROUP BY account, currency;

-- Postings are never changed or deleted (version 3's triggers), so nothing
-- takes from a total; the totals themselves are never deleted.
CREATE TRIGGER account_total_no_delete BEFORE DELETE ON account_total
  BEGIN SELECT RAISE(ABORT, 'append-only: account_total rows are never deleted'); END;

-- The journal by date: `balance --from/--to` and `register` read the days
-- they ask for, in order, without sorting the whole journal.
CREATE INDEX journal_txn_by_date ON journal_txn (date);
