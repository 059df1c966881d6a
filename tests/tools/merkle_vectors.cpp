// Prints the Merkle tree proofs adledger's own code makes over a synthetic
// log, for tests/e2e/check_proofs.py to compare with an independent
// implementation of RFC 9162 written in Python.
//
//   merkle_vectors all N KEEP            every root, inclusion and consistency
//                                        proof of every size from 1 to N
//   merkle_vectors sample N COUNT SEED KEEP
//                                        the root of size N and COUNT random
//                                        proofs of each kind at sizes up to N
//
// Leaf i (from 0) is leaf_hash("leaf i"). The subtrees are stored from level
// KEEP up as the ledger stores them (CompactRange::append reports them), the
// levels below hashed from the leaves: KEEP 0 proves the stored nodes alone,
// KEEP 8 is the ledger's own layout.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ledger/audit/proof.hpp"

namespace {

using ledger::Hash;

class MemorySubtrees final : public ledger::SubtreeHashes {
 public:
  MemorySubtrees(std::int64_t n, int keep) : keep_(keep) {
    ledger::CompactRange tree;
    std::vector<ledger::TreeNode> completed;
    for (std::int64_t i = 0; i < n; ++i) {
      leaves_.push_back(ledger::leaf_hash("leaf " + std::to_string(i)));
      completed.clear();
      tree.append(leaves_.back(), keep, completed);
      for (const ledger::TreeNode& node : completed) nodes_[{node.level, node.index}] = node.hash;
    }
  }
  Hash perfect(int level, std::int64_t index) override {
    if (level >= keep_) {
      auto it = nodes_.find({level, index});
      if (it == nodes_.end()) {
        std::cerr << "no stored node " << level << "/" << index << '\n';
        std::exit(1);
      }
      return it->second;
    }
    std::vector<Hash> hashes(leaves_.begin() + (index << level), leaves_.begin() + ((index + 1) << level));
    while (hashes.size() > 1) {
      for (std::size_t i = 0; i < hashes.size() / 2; ++i) hashes[i] = ledger::node_hash(hashes[2 * i], hashes[2 * i + 1]);
      hashes.resize(hashes.size() / 2);
    }
    return hashes.front();
  }

 private:
  int keep_;
  std::vector<Hash> leaves_;
  std::map<std::pair<int, std::int64_t>, Hash> nodes_;
};

void print_path(const std::vector<Hash>& path) {
  std::fputs("[", stdout);
  for (std::size_t i = 0; i < path.size(); ++i) std::printf("%s\"%s\"", i ? "," : "", ledger::to_hex(path[i]).c_str());
  std::fputs("]}\n", stdout);
}

void root(MemorySubtrees& t, std::int64_t s) {
  std::printf("{\"kind\":\"root\",\"size\":%lld,\"root\":\"%s\"}\n", static_cast<long long>(s),
              ledger::to_hex(ledger::subtree_root(t, 0, s)).c_str());
}
void inclusion(MemorySubtrees& t, std::int64_t s, std::int64_t i) {
  std::printf("{\"kind\":\"inclusion\",\"size\":%lld,\"index\":%lld,\"path\":", static_cast<long long>(s),
              static_cast<long long>(i));
  print_path(ledger::inclusion_path(t, i, s));
}
void consistency(MemorySubtrees& t, std::int64_t m, std::int64_t s) {
  std::printf("{\"kind\":\"consistency\",\"first\":%lld,\"second\":%lld,\"path\":", static_cast<long long>(m),
              static_cast<long long>(s));
  print_path(ledger::consistency_path(t, m, s));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "all") {
    std::int64_t n = std::stoll(args[1]);
    MemorySubtrees t(n, std::stoi(args[2]));
    for (std::int64_t s = 1; s <= n; ++s) {
      root(t, s);
      for (std::int64_t i = 0; i < s; ++i) inclusion(t, s, i);
      for (std::int64_t m = 1; m <= s; ++m) consistency(t, m, s);
    }
    return 0;
  }
  if (args.size() == 5 && args[0] == "sample") {
    std::int64_t n = std::stoll(args[1]);
    std::int64_t count = std::stoll(args[2]);
    std::mt19937_64 random(std::stoull(args[3]));
    MemorySubtrees t(n, std::stoi(args[4]));
    root(t, n);
    auto pick = [&](std::int64_t lo, std::int64_t hi) {
      return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
    };
    for (std::int64_t k = 0; k < count; ++k) {
      std::int64_t s = pick(1, n);
      inclusion(t, s, pick(0, s - 1));
    }
    for (std::int64_t k = 0; k < count; ++k) {
      std::int64_t s = pick(1, n);
      consistency(t, pick(1, s), s);
    }
    return 0;
  }
  std::cerr << "usage: merkle_vectors all N KEEP | sample N COUNT SEED KEEP\n";
  return 2;
}
