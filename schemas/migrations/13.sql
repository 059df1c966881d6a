-- Version 13: a source's details.
--
-- Every record that cites a source (spend entries and their reversals,
-- policy actions, pledges, disbursements, disclosed totals, rates, and the
-- withdrawals) may say where a reader finds it and what it says: the
-- address (source_url, an http or https URL), the day it was read there
-- (source_accessed, YYYY-MM-DD) and the words that support the record
-- (source_quote). Each is NULL when not given, as in every row recorded
-- before. They are part of the record's hashed content when given.
ALTER TABLE spend_entry ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE spend_entry ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE spend_entry ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE spend_reversal ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE spend_reversal ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE spend_reversal ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE policy_action ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE policy_action ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE policy_action ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE policy_withdrawal ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE policy_withdrawal ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE policy_withdrawal ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE pledge ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE pledge ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE pledge ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE pledge_withdrawal ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE pledge_withdrawal ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE pledge_withdrawal ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE disbursement ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE disbursement ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE disbursement ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE disbursement_withdrawal ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE disbursement_withdrawal ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE disbursement_withdrawal ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE disclosed_total ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE disclosed_total ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE disclosed_total ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE disclosed_total_withdrawal ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE disclosed_total_withdrawal ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE disclosed_total_withdrawal ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);
ALTER TABLE exchange_rate ADD COLUMN source_url TEXT CHECK (length(source_url) > 0);
ALTER TABLE exchange_rate ADD COLUMN source_accessed TEXT CHECK (date(source_accessed) IS source_accessed);
ALTER TABLE exchange_rate ADD COLUMN source_quote TEXT CHECK (length(source_quote) > 0);

DROP VIEW spend;
CREATE VIEW spend (id, txn_id, advertiser_id, platform_id, handle, amount_minor, currency, period_first,
                   period_last, items, market, precision, source, external_id, note, upper_minor, items_precision,
                   source_url, source_accessed, source_quote) AS
  SELECT s.id, s.txn_id, a.advertiser_id, a.platform_id, s.handle, s.amount_minor,
         char(65 + s.currency / 676, 65 + s.currency / 26 % 26, 65 + s.currency % 26),
         date(s.first_day), date(s.last_day), s.items, s.market,
         CASE s.precision WHEN 0 THEN 'exact' WHEN 1 THEN 'approximate' WHEN 2 THEN 'estimated' ELSE 'range' END,
         t.text, s.external_id, s.note, s.upper_minor,
         CASE s.items_precision WHEN 0 THEN 'exact' WHEN 1 THEN 'approximate' ELSE 'estimated' END,
         s.source_url, s.source_accessed, s.source_quote
  FROM spend_entry s JOIN account a ON a.id = s.debit JOIN source_text t ON t.id = s.source;
