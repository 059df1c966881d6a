#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_set>

#include "ledger/storage/hash_set64.hpp"

namespace {

using ledger::HashSet64;

TEST(HashSet64, AnEmptySetHasNothingNotEvenZero) {
  HashSet64 set;
  EXPECT_FALSE(set.contains(0));
  EXPECT_FALSE(set.contains(1));
  EXPECT_FALSE(set.contains(UINT64_MAX));
  EXPECT_EQ(set.size(), 0u);
}

// Zero marks an empty slot: as a key it is kept apart, and it is found.
TEST(HashSet64, ZeroAndTheLargestKeyAreKeysLikeAnyOther) {
  HashSet64 set;
  set.insert(0);
  EXPECT_TRUE(set.contains(0));
  EXPECT_FALSE(set.contains(UINT64_MAX));
  set.insert(UINT64_MAX);
  set.insert(0);
  EXPECT_TRUE(set.contains(UINT64_MAX));
  EXPECT_EQ(set.size(), 2u);
  set.clear();
  EXPECT_FALSE(set.contains(0));
  EXPECT_FALSE(set.contains(UINT64_MAX));
  EXPECT_EQ(set.size(), 0u);
}

// Keys that land on one slot (multiples of a large power of two give the
// same top bits of their product) probe past each other, across growths.
TEST(HashSet64, KeysOnOneSlotAreAllFoundAcrossGrowths) {
  HashSet64 set;
  for (std::uint64_t i = 1; i <= 5000; ++i) set.insert(i << 40);
  EXPECT_EQ(set.size(), 5000u);
  for (std::uint64_t i = 1; i <= 5000; ++i) ASSERT_TRUE(set.contains(i << 40)) << i;
  EXPECT_FALSE(set.contains(5001ull << 40));
  EXPECT_FALSE(set.contains((1ull << 40) + 1));
}

// Against std::unordered_set: the same answers for a million random keys,
// half of them added, some twice, through clears of a large and a small set.
TEST(HashSet64, AnswersAsTheStandardSetDoes) {
  std::mt19937_64 random(20171026);
  HashSet64 set;
  std::unordered_set<std::uint64_t> expected;
  for (int round = 0; round < 3; ++round) {
    const int keys = round == 1 ? 1000 : 500000;
    std::vector<std::uint64_t> asked;
    for (int i = 0; i < keys; ++i) {
      std::uint64_t key = random() >> (round * 20);  // round 2: small keys, many alike
      asked.push_back(key);
      if (i % 2 == 0) {
        set.insert(key);
        expected.insert(key);
      }
    }
    EXPECT_EQ(set.size(), expected.size());
    for (std::uint64_t key : asked) ASSERT_EQ(set.contains(key), expected.contains(key)) << key;
    for (int i = 0; i < 1000; ++i) {
      std::uint64_t key = random();
      ASSERT_EQ(set.contains(key), expected.contains(key)) << key;
    }
    set.clear();
    expected.clear();
    for (std::uint64_t key : asked) ASSERT_FALSE(set.contains(key)) << key;
  }
}

}  // namespace
