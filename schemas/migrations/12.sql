-- Version 12: corrections for pledges, disbursements and disclosed totals,
-- and how exact an item count is.
--
-- A pledge, a disbursement or a disclosed total recorded by mistake is
-- withdrawn, as a policy action is: the record stays, a row here says why
-- and on whose authority, and the record counts for nothing from then on.
-- A pledge and a disbursement moved money, so their withdrawal posts the
-- record's postings with the signs turned, on the record's date, in its
-- own journal transaction (txn_id), as a spend reversal does. A pledge is
-- withdrawn after its disbursements are. Each withdrawal is a record of the
-- log of its own (pledge_withdrawal, disbursement_withdrawal,
-- disclosed_total_withdrawal), keyed by the record's id.
CREATE TABLE pledge_withdrawal (
  pledge_id TEXT PRIMARY KEY REFERENCES pledge (id),
  txn_id    INTEGER NOT NULL UNIQUE,
  reason    TEXT NOT NULL CHECK (length(reason) > 0),
  source    TEXT NOT NULL CHECK (length(source) > 0)
) STRICT;

CREATE TABLE disbursement_withdrawal (
  disbursement_id TEXT PRIMARY KEY REFERENCES disbursement (id),
  txn_id          INTEGER NOT NULL UNIQUE,
  reason          TEXT NOT NULL CHECK (length(reason) > 0),
  source          TEXT NOT NULL CHECK (length(source) > 0)
) STRICT;

CREATE TABLE disclosed_total_withdrawal (
  disclosed_total_id TEXT PRIMARY KEY REFERENCES disclosed_total (id),
  reason             TEXT NOT NULL CHECK (length(reason) > 0),
  source             TEXT NOT NULL CHECK (length(source) > 0)
) STRICT;

CREATE TRIGGER pledge_withdrawal_append_only_update BEFORE UPDATE ON pledge_withdrawal
  BEGIN SELECT RAISE(ABORT, 'append-only: pledge_withdrawal rows are never changed'); END;
CREATE TRIGGER pledge_withdrawal_append_only_delete BEFORE DELETE ON pledge_withdrawal
  BEGIN SELECT RAISE(ABORT, 'append-only: pledge_withdrawal rows are never deleted'); END;
CREATE TRIGGER disbursement_withdrawal_append_only_update BEFORE UPDATE ON disbursement_withdrawal
  BEGIN SELECT RAISE(ABORT, 'append-only: disbursement_withdrawal rows are never changed'); END;
CREATE TRIGGER disbursement_withdrawal_append_only_delete BEFORE DELETE ON disbursement_withdrawal
  BEGIN SELECT RAISE(ABORT, 'append-only: disbursement_withdrawal rows are never deleted'); END;
CREATE TRIGGER disclosed_total_withdrawal_append_only_update BEFORE UPDATE ON disclosed_total_withdrawal
  BEGIN SELECT RAISE(ABORT, 'append-only: disclosed_total_withdrawal rows are never changed'); END;
CREATE TRIGGER disclosed_total_withdrawal_append_only_delete BEFORE DELETE ON disclosed_total_withdrawal
  BEGIN SELECT RAISE(ABORT, 'append-only: disclosed_total_withdrawal rows are never deleted'); END;

-- The journal's views gain the withdrawals' transactions: the withdrawn
-- record's postings with their signs turned.
DROP VIEW journal_txn;
CREATE VIEW journal_txn (id, date, kind) AS
  SELECT txn_id, date(first_day), 'spend' FROM spend_entry
  UNION ALL SELECT r.txn_id, date(s.first_day), 'spend' FROM spend_reversal r JOIN spend_entry s ON s.id = r.entry_id
  UNION ALL SELECT txn_id, date, 'pledge' FROM pledge
  UNION ALL SELECT w.txn_id, p.date, 'pledge' FROM pledge_withdrawal w JOIN pledge p ON p.id = w.pledge_id
  UNION ALL SELECT txn_id, date, 'disbursement' FROM disbursement
  UNION ALL SELECT w.txn_id, d.date, 'disbursement'
    FROM disbursement_withdrawal w JOIN disbursement d ON d.id = w.disbursement_id;

DROP VIEW posting;
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
  SELECT w.txn_id, 0, a.name, p.currency, -p.amount_minor
    FROM pledge_withdrawal w JOIN pledge p ON p.id = w.pledge_id JOIN account a ON a.id = p.debit
  UNION ALL
  SELECT w.txn_id, 1, a.name, p.currency, p.amount_minor
    FROM pledge_withdrawal w JOIN pledge p ON p.id = w.pledge_id JOIN account a ON a.id = p.credit
  UNION ALL
  SELECT d.txn_id, 0, a.name, p.currency, d.amount_minor
    FROM disbursement d JOIN pledge p ON p.id = d.pledge_id JOIN account a ON a.id = d.debit
  UNION ALL
  SELECT d.txn_id, 1, a.name, p.currency, -d.amount_minor
    FROM disbursement d JOIN pledge p ON p.id = d.pledge_id JOIN account a ON a.id = d.credit
  UNION ALL
  SELECT w.txn_id, 0, a.name, p.currency, -d.amount_minor
    FROM disbursement_withdrawal w JOIN disbursement d ON d.id = w.disbursement_id
    JOIN pledge p ON p.id = d.pledge_id JOIN account a ON a.id = d.debit
  UNION ALL
  SELECT w.txn_id, 1, a.name, p.currency, d.amount_minor
    FROM disbursement_withdrawal w JOIN disbursement d ON d.id = w.disbursement_id
    JOIN pledge p ON p.id = d.pledge_id JOIN account a ON a.id = d.credit;

-- How exact a spend entry's item count is, as its source gives it ("about
-- 2,200 ads"): 0 exact (and every entry recorded before), 1 approximate,
-- 2 estimated. The view spend spells it out.
ALTER TABLE spend_entry ADD COLUMN items_precision INTEGER NOT NULL DEFAULT 0;

DROP VIEW spend;
CREATE VIEW spend (id, txn_id, advertiser_id, platform_id, handle, amount_minor, currency, period_first,
                   period_last, items, market, precision, source, external_id, note, upper_minor, items_precision) AS
  SELECT s.id, s.txn_id, a.advertiser_id, a.platform_id, s.handle, s.amount_minor,
         char(65 + s.currency / 676, 65 + s.currency / 26 % 26, 65 + s.currency % 26),
         date(s.first_day), date(s.last_day), s.items, s.market,
         CASE s.precision WHEN 0 THEN 'exact' WHEN 1 THEN 'approximate' WHEN 2 THEN 'estimated' ELSE 'range' END,
         t.text, s.external_id, s.note, s.upper_minor,
         CASE s.items_precision WHEN 0 THEN 'exact' WHEN 1 THEN 'approximate' ELSE 'estimated' END
  FROM spend_entry s JOIN account a ON a.id = s.debit JOIN source_text t ON t.id = s.source;
