// The record log as a Merkle tree, hashed as RFC 9162 (Certificate
// Transparency 2.0, section 2.1.1) hashes one:
//
//   leaf(entry)  = SHA-256(0x00 || entry)
//   node(l, r)   = SHA-256(0x01 || l || r)
//   root(empty)  = SHA-256("")
//
// and a tree of n leaves splits at the largest power of two below n. An
// entry is a record's canonical line (chain.hpp). The tree grows a leaf at a
// time: CompactRange keeps only its right edge (the roots of its perfect
// subtrees, at most 63 of them), so an append costs one leaf hash and, on
// average, one node hash, and the root of the tree so far is a fold of the
// edge. The edge is stored after each write (log_tree), so the head of a
// ledger of any size is read, not recomputed.
//
// The ledger also keeps the hash of every complete subtree of at least
// 2^kKeptNodeLevel leaves (log_tree_node; about one node for every 32
// records), so that a proof (proof.hpp) reads a few dozen stored hashes
// and at most two blocks of 64 leaves, whatever the size of the log.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/audit/chain.hpp"

namespace ledger {

Hash leaf_hash(std::string_view entry);
Hash node_hash(const Hash& left, const Hash& right);
Hash empty_root();

// The lowest level of the tree whose nodes the ledger stores: a node of
// level L is the root of 2^L leaves.
inline constexpr int kKeptNodeLevel = 6;

// A complete subtree: the root of leaves [index * 2^level, (index + 1) * 2^level).
struct TreeNode {
  int level = 0;
  std::int64_t index = 0;
  Hash hash{};
};

class CompactRange {
 public:
  CompactRange() = default;

  std::int64_t size() const { return size_; }
  void append(const Hash& leaf);
  // The same, adding to `completed` every subtree of level `min_level` or
  // more that the leaf completes, lowest first.
  void append(const Hash& leaf, int min_level, std::vector<TreeNode>& completed);
  // The root of the tree of size() leaves (empty_root() for none).
  Hash root() const;

  // The edge as stored: size() is implied by its bits, the hashes are
  // 32 bytes each, largest subtree first.
  std::string serialize() const;
  // Throws a storage error when `bytes` is not an edge of `size` leaves.
  static CompactRange parse(std::int64_t size, std::string_view bytes);

 private:
  std::int64_t size_ = 0;
  std::vector<Hash> nodes_;  // one per bit set in size_, largest first
};

}  // namespace ledger
