// Proofs over the record log's Merkle tree, as RFC 9162 (Certificate
// Transparency 2.0) defines them in sections 2.1.3 and 2.1.4:
//
//   an inclusion proof shows that a record is leaf i of the tree of size n,
//   given that tree's root: PATH(i, D[n]), at most ceil(log2 n) hashes;
//   a consistency proof shows that the tree of size m is a prefix of the
//   tree of size n, given both roots: PROOF(m, D[n]), likewise short.
//
// Proofs are produced from the hashes of complete subtrees (SubtreeHashes)
// and checked with the RFC's verification algorithms, which need nothing
// but the proof, the leaf and the roots: a reader checks them without the
// ledger (tools/adledger-check does the same in Python).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "ledger/audit/chain.hpp"
#include "ledger/audit/merkle.hpp"

namespace ledger {

class Store;

// Where a proof's hashes come from: the root of any complete subtree.
class SubtreeHashes {
 public:
  virtual ~SubtreeHashes() = default;
  // The root of leaves [index * 2^level, (index + 1) * 2^level), all of
  // which exist.
  virtual Hash perfect(int level, std::int64_t index) = 0;
};

// The log of a store: stored nodes from kKeptNodeLevel up, the levels below
// hashed from the leaves (read a block of 2^kKeptNodeLevel at a time).
class StoredSubtrees final : public SubtreeHashes {
 public:
  explicit StoredSubtrees(Store& store) : store_(store) {}
  Hash perfect(int level, std::int64_t index) override;

 private:
  Store& store_;
  std::int64_t block_ = -1;     // the index of the block of leaves held
  std::vector<Hash> leaves_;    // its leaves
  std::map<std::pair<int, std::int64_t>, Hash> nodes_;  // stored nodes read so far: proofs share the upper ones
};

// MTH(D[begin:end]), the root of the tree of leaves begin..end-1, for the
// ranges the RFC's recursion visits (begin a multiple of a power of two at
// least end - begin); the root of the first `size` leaves is (0, size).
Hash subtree_root(SubtreeHashes& hashes, std::int64_t begin, std::int64_t end);

// PATH(index, D[size]) and PROOF(first, D[second]). Preconditions (asserted):
// 0 <= index < size; 1 <= first <= second.
std::vector<Hash> inclusion_path(SubtreeHashes& hashes, std::int64_t index, std::int64_t size);
std::vector<Hash> consistency_path(SubtreeHashes& hashes, std::int64_t first, std::int64_t second);

// The RFC's verification algorithms. Each returns the root(s) the proof
// leads to, or nothing when the proof's shape does not fit the sizes (too
// many or too few hashes); the caller compares the roots with published
// ones. A consistency proof of first == second is the empty path, and
// leads to equal roots.
std::optional<Hash> root_from_inclusion(std::int64_t index, std::int64_t size, const Hash& leaf,
                                        const std::vector<Hash>& path);
struct ConsistencyRoots {
  Hash first;
  Hash second;
};
std::optional<ConsistencyRoots> roots_from_consistency(std::int64_t first, std::int64_t second, const Hash& first_root,
                                                       const std::vector<Hash>& path);

// The proofs as adledger prints them (schemas/proof.schema.json).
struct InclusionProof {
  std::int64_t tree_size = 0;
  std::int64_t leaf_index = 0;  // the record's seq - 1
  LogRecord record;             // with its content: the line is part of the proof
  std::string line;             // the record's canonical line, whose leaf is proven
  Hash leaf{};
  Hash root{};
  std::vector<Hash> path;
};
struct ConsistencyProof {
  std::int64_t first_size = 0;
  std::int64_t second_size = 0;
  Hash first_root{};
  Hash second_root{};
  std::vector<Hash> path;
};

// Proofs from the ledger's log. Throw an input error for a record or a
// size the log does not have, and a storage error for a record whose rows
// no longer hash to its leaf (verify says more).
InclusionProof prove_inclusion(Store& store, std::int64_t seq, std::int64_t size);
ConsistencyProof prove_consistency(Store& store, std::int64_t first, std::int64_t second);
// The root of the log's first `size` records (1 <= size <= the log's size).
Hash log_root_at(Store& store, std::int64_t size);

// A record of the log by what it records: ("spend", "12"), ("pledge", id).
struct RecordRef {
  std::string kind;
  std::string ref;
  auto operator<=>(const RecordRef&) const = default;
};

// The records a report's figures were computed from, as its JSON cites
// them: the spend entries each figure lists ("entries", "entry", and those
// a basis or a conversion leaves out) and their reversals, the disclosed
// totals, pledges, disbursements, and policy actions with their
// withdrawals. Each once.
std::vector<RecordRef> records_cited(Store& store, const nlohmann::json& report);
// An inclusion proof of each in the tree of `size` records, by seq. A
// record the log does not hold, or holds after `size`, is an input error.
std::vector<InclusionProof> prove_records(Store& store, const std::vector<RecordRef>& records, std::int64_t size);

nlohmann::json to_json(const InclusionProof& proof);
nlohmann::json to_json(const ConsistencyProof& proof);
// Reads a proof as printed; throws an input error naming `where` and the
// field that is wrong. The result is the proof as given, not yet checked.
std::variant<InclusionProof, ConsistencyProof> parse_proof(const nlohmann::json& value, const std::string& where);

}  // namespace ledger
