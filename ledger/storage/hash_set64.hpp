// A set of 64-bit hashes in one array.
//
// A write remembers the hashes of the external ids it has recorded, to
// know which look-ups it can answer without the database. An import adds
// one a spend entry and asks twice, a million times over: a node-based
// std::unordered_set allocates a node for each and misses the cache twice
// a look-up, where this misses once and allocates only when it doubles.
// Open addressing with linear probing, at most half full.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ledger {

class HashSet64 {
 public:
  bool contains(std::uint64_t key) const {
    if (key == 0) return has_zero_;
    if (slots_.empty()) return false;
    for (std::size_t i = slot(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == key) return true;
      if (slots_[i] == 0) return false;
    }
  }

  void insert(std::uint64_t key) {
    if (key == 0) {
      has_zero_ = true;
      return;
    }
    if (2 * (size_ + 1) > slots_.size()) grow();
    if (place(key)) ++size_;
  }

  std::size_t size() const { return size_ + (has_zero_ ? 1 : 0); }

  // Empties the set; a large table is given back rather than kept for the
  // next write, which is most often a few records.
  void clear() {
    if (slots_.size() > kKeptSlots) {
      slots_ = std::vector<std::uint64_t>();
      bits_ = 0;
    } else {
      std::fill(slots_.begin(), slots_.end(), 0);
    }
    size_ = 0;
    has_zero_ = false;
  }

 private:
  static constexpr std::size_t kKeptSlots = 1 << 12;
  static constexpr int kFirstBits = 10;

  // Fibonacci hashing: the product's top bits, as many as the table has.
  std::size_t slot(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - bits_));
  }

  bool place(std::uint64_t key) {
    for (std::size_t i = slot(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == key) return false;
      if (slots_[i] == 0) {
        slots_[i] = key;
        return true;
      }
    }
  }

  void grow() {
    std::vector<std::uint64_t> old = std::move(slots_);
    bits_ = old.empty() ? kFirstBits : bits_ + 1;
    slots_.assign(std::size_t{1} << bits_, 0);
    for (std::uint64_t key : old)
      if (key != 0) place(key);
  }

  std::vector<std::uint64_t> slots_;  // 0 marks an empty slot; key 0 is has_zero_
  std::size_t size_ = 0;              // keys in slots_
  int bits_ = 0;                      // slots_ has 2^bits_ slots (none at 0)
  bool has_zero_ = false;
};

}  // namespace ledger
