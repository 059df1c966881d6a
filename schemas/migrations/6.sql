-- Version 6: what makes reports fast at a million entries (issue 6).
--
-- account_total holds each account's balance per currency, kept by a
-- trigger in the same transaction as the posting that changes it: `balance`
-- reads one row per account instead of summing every posting, and the
-- ledger's overflow check reads one row per account it posts to. It is a
-- summary, never a source: `audit verify` sums the postings again and
-- reports any account whose row disagrees. An account whose postings net to
-- zero keeps its row, as a GROUP BY over the postings keeps it.
--
-- The sum is checked by SQLite too: `balance_minor + NEW.amount_minor`
-- beyond int64 becomes a REAL, which a STRICT INTEGER column refuses, so
-- the insert fails rather than wrapping (the ledger refuses such a posting
-- before it gets here).
CREATE TABLE account_total (
  account       TEXT NOT NULL CHECK (length(account) > 0),
  currency      TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  balance_minor INTEGER NOT NULL,
  postings      INTEGER NOT NULL CHECK (postings > 0),
  PRIMARY KEY (account, currency)
) STRICT, WITHOUT ROWID;

INSERT INTO account_total (account, currency, balance_minor, postings)
  SELECT account, currency, sum(amount_minor), count(*) FROM posting GROUP BY account, currency;

CREATE TRIGGER posting_adds_to_account_total AFTER INSERT ON posting
BEGIN
  INSERT INTO account_total (account, currency, balance_minor, postings)
    VALUES (NEW.account, NEW.currency, NEW.amount_minor, 1)
    ON CONFLICT (account, currency) DO UPDATE
      SET balance_minor = balance_minor + excluded.balance_minor, postings = postings + 1;
END;

-- Postings are never changed or deleted (version 3's triggers), so nothing
-- else moves a total; the totals themselves change only through the
-- trigger above, and are never deleted.
CREATE TRIGGER account_total_no_delete BEFORE DELETE ON account_total
  BEGIN SELECT RAISE(ABORT, 'append-only: account_total rows are never deleted'); END;

-- The journal by date: `balance --from/--to` and `register` read the days
-- they ask for, in order, without sorting the whole journal.
CREATE INDEX journal_txn_by_date ON journal_txn (date);
