-- Version 11: who may write through `adledger serve`, and what each write
-- over HTTP answered.
--
-- A token is made by `adledger token add NAME --role ROLE`, which prints it
-- once; the ledger keeps only its SHA-256, so that a copy of the ledger
-- gives no one the right to write. A token's name is the author of every
-- record written with it. Revoking a token adds a row to api_token_revocation;
-- no row is ever changed or deleted, so the history of who could write when
-- stays in the ledger. These tables are not records: they are not in the
-- record log, its hashes or its exports, and `copy` does not carry them.
CREATE TABLE api_token (
  name         TEXT PRIMARY KEY CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 64),
  role         TEXT NOT NULL CHECK (role IN ('reader', 'recorder', 'admin')),
  token_sha256 BLOB NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
  created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE api_token_revocation (
  name       TEXT PRIMARY KEY REFERENCES api_token (name),
  revoked_at TEXT NOT NULL
) STRICT;

-- A write sent with an Idempotency-Key header: the key, per token, with the
-- digest of the request and the answer given, kept in the write's own
-- transaction, so that the same request sent again is answered the same
-- and recorded once.
CREATE TABLE api_idempotency (
  token_name     TEXT NOT NULL REFERENCES api_token (name),
  key            TEXT NOT NULL CHECK (length(CAST(key AS BLOB)) BETWEEN 1 AND 255),
  request_sha256 BLOB NOT NULL CHECK (length(request_sha256) = 32),
  status         INTEGER NOT NULL,
  answer         TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  PRIMARY KEY (token_name, key)
) STRICT;

CREATE TRIGGER api_token_append_only_update BEFORE UPDATE ON api_token
  BEGIN SELECT RAISE(ABORT, 'append-only: api_token rows are never changed'); END;
CREATE TRIGGER api_token_append_only_delete BEFORE DELETE ON api_token
  BEGIN SELECT RAISE(ABORT, 'append-only: api_token rows are never deleted'); END;
CREATE TRIGGER api_token_revocation_append_only_update BEFORE UPDATE ON api_token_revocation
  BEGIN SELECT RAISE(ABORT, 'append-only: api_token_revocation rows are never changed'); END;
CREATE TRIGGER api_token_revocation_append_only_delete BEFORE DELETE ON api_token_revocation
  BEGIN SELECT RAISE(ABORT, 'append-only: api_token_revocation rows are never deleted'); END;
CREATE TRIGGER api_idempotency_append_only_update BEFORE UPDATE ON api_idempotency
  BEGIN SELECT RAISE(ABORT, 'append-only: api_idempotency rows are never changed'); END;
CREATE TRIGGER api_idempotency_append_only_delete BEFORE DELETE ON api_idempotency
  BEGIN SELECT RAISE(ABORT, 'append-only: api_idempotency rows are never deleted'); END;
