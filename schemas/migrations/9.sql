-- Version 9: who recorded each record.
--
-- A record may carry its author: the name given with --author (or
-- $ADLEDGER_AUTHOR), the database role on PostgreSQL, or the name of the
-- token a write came through over HTTP. The author is part of the record's
-- line in the record log, and so of its leaf hash: {"author":"desk",
-- "content":...}. A record with no author (NULL here: every record written
-- before version 9, and a record nobody was named for) has no author key in
-- its line, so its hash is the one it always had, and heads published
-- before this version still hold.
--
-- record_log is append-only (its triggers refuse UPDATE and DELETE); adding
-- a column that is NULL in every existing row changes no row.
ALTER TABLE record_log ADD COLUMN author TEXT
  CHECK (author IS NULL OR (length(CAST(author AS BLOB)) BETWEEN 1 AND 200 AND author NOT GLOB ' *'
                            AND author NOT GLOB '* '));
