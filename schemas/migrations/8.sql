-- Schema version 8: the stored nodes of the record log's Merkle tree.
--
-- A proof (an inclusion proof of one record, a consistency proof between
-- two sizes of the log; RFC 9162) needs the roots of about log2(n) complete
-- subtrees. Version 7 keeps only the tree's right edge (log_tree), so a
-- proof would rehash up to half of the leaves. Version 8 also keeps the
-- root of every complete subtree of 64 leaves or more: level L holds the
-- roots of leaves [idx * 2^L, (idx + 1) * 2^L), for L >= 6, written once,
-- when the record that completes the subtree is logged (about one row for
-- every 32 records). The levels below are hashed from the leaves at once.
--
-- adledger fills the table from the leaves as it migrates a ledger of
-- version 7, and checks that the tree they make is the one log_tree keeps.
-- verify recomputes every node from the leaves and names one that differs.

CREATE TABLE log_tree_node (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER log_tree_node_append_only_update BEFORE UPDATE ON log_tree_node BEGIN SELECT RAISE(ABORT, 'append-only: log_tree_node rows are never changed'); END;
CREATE TRIGGER log_tree_node_append_only_delete BEFORE DELETE ON log_tree_node BEGIN SELECT RAISE(ABORT, 'append-only: log_tree_node rows are never deleted'); END;
