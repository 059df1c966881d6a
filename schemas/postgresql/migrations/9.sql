-- Version 9: who recorded each record (schemas/migrations/9.sql says the
-- same for SQLite).
--
-- A record may carry its author: the name given with --author (or
-- $ADLEDGER_AUTHOR), else the database role that recorded it, or the name
-- of the token a write came through over HTTP. The author is part of the
-- record's line in the record log, and so of its leaf hash. A record with
-- no author (NULL: every record written before version 9) has no author
-- key in its line, so its hash is the one it always had.
--
-- Adding a column that is NULL in every existing row changes no row, and
-- the append-only triggers stay as they are. The role that owns the schema
-- runs this, as it ran ledger.sql.
ALTER TABLE record_log ADD COLUMN author text
  CHECK (author IS NULL OR (octet_length(author) BETWEEN 1 AND 200 AND author !~ '^ ' AND author !~ ' $'
                            AND author !~ '[\x01-\x1f\x7f]'));
