// adledger verify: proves, from the ledger file alone, that nothing recorded
// was changed or lost.
//
// It checks that the record log is numbered without a gap and that the
// Merkle tree the ledger keeps is the tree of the stored leaves
// (merkle.hpp); rebuilds every record from its rows and checks that it
// hashes to its leaf, so a changed amount, a changed date, a deleted row or
// a row added behind adledger's back is found; checks that every journal
// transaction balances, that the trial balance is zero in every currency
// and that the totals kept per account are the postings' sums; runs
// SQLite's foreign-key and integrity checks and compares the append-only
// triggers with the ones adledger wrote; and re-applies the ban rule to
// every spend entry against the bans recorded before it. Given a head
// published earlier (a count and a hash: the tree's root, or the linear
// chain's hash of a head published before version 7), it also proves that
// ledger is a prefix of this one: it only grew. It reads the ledger a
// record at a time, keeping a few bytes for each.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/audit/chain.hpp"
#include "ledger/storage/store.hpp"

namespace ledger {

// A checkpoint published earlier (checkpoint.hpp), its signature already
// checked, and optionally the log published with it (the lines of
// `adledger log` then), which names the first record that differs.
struct SinceCheckpoint {
  std::string origin;
  std::int64_t size = 0;
  Hash root{};
  std::optional<std::vector<Hash>> published_leaves;  // the published log's leaves, in order
  bool signature_checked = false;                     // by the caller, with the publisher's key
};

struct VerifyOptions {
  std::optional<std::int64_t> count;  // a published head: its number of records
  std::optional<Hash> head;           // and its hash
  std::optional<SinceCheckpoint> since = std::nullopt;
};

struct VerifyCheck {
  std::string name;     // "chain", "records", "journal", "references", "bans", "published head", "checkpoint"
  bool ok = true;
  std::string summary;  // what was checked, or the first problem
  std::vector<std::string> problems;  // every problem, the first one first
};

struct VerifyResult {
  std::int64_t records = 0;
  std::optional<Hash> head;  // the last record's hash (none for an empty log)
  std::vector<VerifyCheck> checks;
  bool ok() const;
  // The first problem found, for a one-line error.
  std::optional<std::string> first_problem() const;
};

VerifyResult verify_ledger(Store& store, const VerifyOptions& options);

}  // namespace ledger
