-- Version 11: who may write through `adledger serve`, and what each write
-- over HTTP answered (schemas/migrations/11.sql says the same for SQLite).
--
-- The ledger keeps a token's SHA-256, never the token. Revoking adds a row;
-- no row is ever changed or deleted. These tables are not records: they are
-- not in the record log, its hashes or its exports, and `copy` does not
-- carry them. On a Citus cluster they are small reference tables.
CREATE TABLE api_token (
  name         text PRIMARY KEY CHECK (octet_length(name) BETWEEN 1 AND 64),
  role         text NOT NULL CHECK (role IN ('reader', 'recorder', 'admin')),
  token_sha256 bytea NOT NULL UNIQUE CHECK (octet_length(token_sha256) = 32),
  created_at   text NOT NULL
);

CREATE TABLE api_token_revocation (
  name       text PRIMARY KEY REFERENCES api_token (name),
  revoked_at text NOT NULL
);

CREATE TABLE api_idempotency (
  token_name     text NOT NULL REFERENCES api_token (name),
  key            text NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 255),
  request_sha256 bytea NOT NULL CHECK (octet_length(request_sha256) = 32),
  status         integer NOT NULL,
  answer         text NOT NULL,
  created_at     text NOT NULL,
  PRIMARY KEY (token_name, key)
);

CREATE TRIGGER api_token_append_only BEFORE UPDATE OR DELETE ON api_token
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER api_token_no_truncate BEFORE TRUNCATE ON api_token
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER api_token_revocation_append_only BEFORE UPDATE OR DELETE ON api_token_revocation
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER api_token_revocation_no_truncate BEFORE TRUNCATE ON api_token_revocation
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER api_idempotency_append_only BEFORE UPDATE OR DELETE ON api_idempotency
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER api_idempotency_no_truncate BEFORE TRUNCATE ON api_idempotency
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
