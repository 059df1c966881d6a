// adledger verify: proves, from the ledger file alone, that nothing recorded
// was changed or lost.
//
// It recomputes the record log's hash chain (chain.hpp); checks every row of
// every table against the record that logged it, so a changed amount, a
// changed date, a deleted row or a row added behind adledger's back is
// found; checks that every journal transaction balances and the trial
// balance is zero in every currency; runs SQLite's foreign-key and integrity
// checks; and re-applies the ban rule to every spend entry against the bans
// recorded before it. Given a head published earlier (a count and a hash),
// it also proves that ledger is a prefix of this one: it only grew.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/audit/chain.hpp"
#include "ledger/storage/store.hpp"

namespace ledger {

struct VerifyOptions {
  std::optional<std::int64_t> count;  // a published head: its number of records
  std::optional<Hash> head;           // and its hash
};

struct VerifyCheck {
  std::string name;     // "chain", "records", "journal", "references", "bans", "published head"
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
