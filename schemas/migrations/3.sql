-- Version 3: nothing recorded is ever changed or lost, and anyone can check.
--
-- record_log holds every record once, in the order it was recorded, with
-- when (recorded_at, UTC) and its content in a canonical JSON encoding, and
-- a SHA-256 hash chain over them: hash(n) = SHA-256(hash(n-1) || line(n)),
-- with hash(0) 32 zero bytes (ledger/audit/chain.hpp gives line(n)).
-- `adledger verify` recomputes the chain and checks every table against
-- it. Records from before version 3 are logged by the migration, in a fixed
-- order, with the time of the migration.
CREATE TABLE record_log (
  seq         INTEGER PRIMARY KEY CHECK (seq > 0),
  kind        TEXT NOT NULL CHECK (kind IN ('platform', 'advertiser', 'handle', 'spend', 'spend_reversal',
                                           'policy_action', 'policy_withdrawal', 'pledge', 'disbursement',
                                           'disclosed_total')),
  ref         TEXT NOT NULL CHECK (length(ref) > 0),
  recorded_at TEXT NOT NULL CHECK (recorded_at GLOB
                 '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  content     TEXT NOT NULL CHECK (json_valid(content)),
  hash        BLOB NOT NULL CHECK (length(hash) = 32),
  UNIQUE (kind, ref)
) STRICT;

-- A correction: the spend entry stays, and a transaction that reverses its
-- postings is recorded beside it. Reports net the two.
CREATE TABLE spend_reversal (
  entry_id INTEGER PRIMARY KEY REFERENCES spend (id),
  txn_id   INTEGER NOT NULL UNIQUE REFERENCES journal_txn (id),
  reason   TEXT NOT NULL CHECK (length(reason) > 0),
  source   TEXT NOT NULL CHECK (length(source) > 0)
) STRICT;

-- A policy action recorded by mistake: it stays, and this withdraws it.
-- A withdrawn ban refuses no spend and bans no one; reports show both.
CREATE TABLE policy_withdrawal (
  action_id TEXT PRIMARY KEY REFERENCES policy_action (id),
  reason    TEXT NOT NULL CHECK (length(reason) > 0),
  source    TEXT NOT NULL CHECK (length(source) > 0)
) STRICT;

-- Append-only: every table refuses UPDATE and DELETE, whatever the client.
CREATE TRIGGER platform_append_only_update BEFORE UPDATE ON platform
  BEGIN SELECT RAISE(ABORT, 'append-only: platform rows are never changed'); END;
CREATE TRIGGER platform_append_only_delete BEFORE DELETE ON platform
  BEGIN SELECT RAISE(ABORT, 'append-only: platform rows are never deleted'); END;
CREATE TRIGGER advertiser_append_only_update BEFORE UPDATE ON advertiser
  BEGIN SELECT RAISE(ABORT, 'append-only: advertiser rows are never changed'); END;
CREATE TRIGGER advertiser_append_only_delete BEFORE DELETE ON advertiser
  BEGIN SELECT RAISE(ABORT, 'append-only: advertiser rows are never deleted'); END;
CREATE TRIGGER handle_append_only_update BEFORE UPDATE ON handle
  BEGIN SELECT RAISE(ABORT, 'append-only: handle rows are never changed'); END;
CREATE TRIGGER handle_append_only_delete BEFORE DELETE ON handle
  BEGIN SELECT RAISE(ABORT, 'append-only: handle rows are never deleted'); END;
CREATE TRIGGER journal_txn_append_only_update BEFORE UPDATE ON journal_txn
  BEGIN SELECT RAISE(ABORT, 'append-only: journal_txn rows are never changed'); END;
CREATE TRIGGER journal_txn_append_only_delete BEFORE DELETE ON journal_txn
  BEGIN SELECT RAISE(ABORT, 'append-only: journal_txn rows are never deleted'); END;
CREATE TRIGGER posting_append_only_update BEFORE UPDATE ON posting
  BEGIN SELECT RAISE(ABORT, 'append-only: posting rows are never changed'); END;
CREATE TRIGGER posting_append_only_delete BEFORE DELETE ON posting
  BEGIN SELECT RAISE(ABORT, 'append-only: posting rows are never deleted'); END;
CREATE TRIGGER spend_append_only_update BEFORE UPDATE ON spend
  BEGIN SELECT RAISE(ABORT, 'append-only: spend rows are never changed'); END;
CREATE TRIGGER spend_append_only_delete BEFORE DELETE ON spend
  BEGIN SELECT RAISE(ABORT, 'append-only: spend rows are never deleted'); END;
CREATE TRIGGER spend_tag_append_only_update BEFORE UPDATE ON spend_tag
  BEGIN SELECT RAISE(ABORT, 'append-only: spend_tag rows are never changed'); END;
CREATE TRIGGER spend_tag_append_only_delete BEFORE DELETE ON spend_tag
  BEGIN SELECT RAISE(ABORT, 'append-only: spend_tag rows are never deleted'); END;
CREATE TRIGGER spend_reversal_append_only_update BEFORE UPDATE ON spend_reversal
  BEGIN SELECT RAISE(ABORT, 'append-only: spend_reversal rows are never changed'); END;
CREATE TRIGGER spend_reversal_append_only_delete BEFORE DELETE ON spend_reversal
  BEGIN SELECT RAISE(ABORT, 'append-only: spend_reversal rows are never deleted'); END;
CREATE TRIGGER policy_action_append_only_update BEFORE UPDATE ON policy_action
  BEGIN SELECT RAISE(ABORT, 'append-only: policy_action rows are never changed'); END;
CREATE TRIGGER policy_action_append_only_delete BEFORE DELETE ON policy_action
  BEGIN SELECT RAISE(ABORT, 'append-only: policy_action rows are never deleted'); END;
CREATE TRIGGER policy_action_advertiser_append_only_update BEFORE UPDATE ON policy_action_advertiser
  BEGIN SELECT RAISE(ABORT, 'append-only: policy_action_advertiser rows are never changed'); END;
CREATE TRIGGER policy_action_advertiser_append_only_delete BEFORE DELETE ON policy_action_advertiser
  BEGIN SELECT RAISE(ABORT, 'append-only: policy_action_advertiser rows are never deleted'); END;
CREATE TRIGGER policy_withdrawal_append_only_update BEFORE UPDATE ON policy_withdrawal
  BEGIN SELECT RAISE(ABORT, 'append-only: policy_withdrawal rows are never changed'); END;
CREATE TRIGGER policy_withdrawal_append_only_delete BEFORE DELETE ON policy_withdrawal
  BEGIN SELECT RAISE(ABORT, 'append-only: policy_withdrawal rows are never deleted'); END;
CREATE TRIGGER pledge_append_only_update BEFORE UPDATE ON pledge
  BEGIN SELECT RAISE(ABORT, 'append-only: pledge rows are never changed'); END;
CREATE TRIGGER pledge_append_only_delete BEFORE DELETE ON pledge
  BEGIN SELECT RAISE(ABORT, 'append-only: pledge rows are never deleted'); END;
CREATE TRIGGER disbursement_append_only_update BEFORE UPDATE ON disbursement
  BEGIN SELECT RAISE(ABORT, 'append-only: disbursement rows are never changed'); END;
CREATE TRIGGER disbursement_append_only_delete BEFORE DELETE ON disbursement
  BEGIN SELECT RAISE(ABORT, 'append-only: disbursement rows are never deleted'); END;
CREATE TRIGGER disclosed_total_append_only_update BEFORE UPDATE ON disclosed_total
  BEGIN SELECT RAISE(ABORT, 'append-only: disclosed_total rows are never changed'); END;
CREATE TRIGGER disclosed_total_append_only_delete BEFORE DELETE ON disclosed_total
  BEGIN SELECT RAISE(ABORT, 'append-only: disclosed_total rows are never deleted'); END;
CREATE TRIGGER record_log_append_only_update BEFORE UPDATE ON record_log
  BEGIN SELECT RAISE(ABORT, 'append-only: record_log rows are never changed'); END;
CREATE TRIGGER record_log_append_only_delete BEFORE DELETE ON record_log
  BEGIN SELECT RAISE(ABORT, 'append-only: record_log rows are never deleted'); END;
