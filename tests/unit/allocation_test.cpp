#include <gtest/gtest.h>

#include <limits>
#include <numeric>

#include "ledger/report/allocation.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::period;
using ledger::allocate_largest_remainder;
using ledger::Granularity;
using ledger::PeriodShare;
using ledger::split_entry;

using Parts = std::vector<std::int64_t>;

std::int64_t sum_amounts(const std::vector<PeriodShare>& shares) {
  std::int64_t sum = 0;
  for (const PeriodShare& s : shares) sum += s.amount_minor;
  return sum;
}

TEST(LargestRemainder, TiesGoToTheEarlierPart) {
  EXPECT_EQ(allocate_largest_remainder(100, {1, 1, 1}), (Parts{34, 33, 33}));
  EXPECT_EQ(allocate_largest_remainder(101, {1, 1, 1}), (Parts{34, 34, 33}));
  EXPECT_EQ(allocate_largest_remainder(1, {1, 1, 1, 1}), (Parts{1, 0, 0, 0}));
}

TEST(LargestRemainder, RemaindersGoToLargestFractions) {
  // 10 x {1, 2} / 3 = {3.33, 6.67}: the unit left goes to the second part.
  EXPECT_EQ(allocate_largest_remainder(10, {1, 2}), (Parts{3, 7}));
  // 10 x {3, 3, 1} / 7 = {4.29, 4.29, 1.43}: the unit goes to the largest fraction.
  EXPECT_EQ(allocate_largest_remainder(10, {3, 3, 1}), (Parts{4, 4, 2}));
  // 100 x {1, 2, 4} / 7 = {14.29, 28.57, 57.14}: 99 given, the unit goes to 28.57.
  EXPECT_EQ(allocate_largest_remainder(100, {1, 2, 4}), (Parts{14, 29, 57}));
}

TEST(LargestRemainder, ExactAndDegenerateCases) {
  EXPECT_EQ(allocate_largest_remainder(90, {1, 1, 1}), (Parts{30, 30, 30}));
  EXPECT_EQ(allocate_largest_remainder(0, {1, 2, 3}), (Parts{0, 0, 0}));
  EXPECT_EQ(allocate_largest_remainder(5, {0, 1}), (Parts{0, 5}));
  EXPECT_EQ(allocate_largest_remainder(5, {0, 1, 0}), (Parts{0, 5, 0}));
  EXPECT_EQ(allocate_largest_remainder(7, {9}), (Parts{7}));
}

TEST(LargestRemainder, SumsExactlyToTheTotal) {
  const std::vector<std::vector<std::int64_t>> weight_sets{
      {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}, {1, 1, 1, 1, 1, 1, 1}, {365, 1}, {3, 7, 11, 13}};
  for (const auto& weights : weight_sets) {
    for (std::int64_t total : {1LL, 7LL, 99LL, 27410000LL, 123456789012LL}) {
      Parts parts = allocate_largest_remainder(total, weights);
      ASSERT_EQ(parts.size(), weights.size());
      EXPECT_EQ(std::accumulate(parts.begin(), parts.end(), std::int64_t{0}), total);
      for (std::int64_t p : parts) EXPECT_GE(p, 0);
    }
  }
}

TEST(LargestRemainder, HugeTotalsDoNotOverflow) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  Parts parts = allocate_largest_remainder(kMax, {1, 1});
  EXPECT_EQ(parts, (Parts{kMax / 2 + 1, kMax / 2}));
  Parts year = allocate_largest_remainder(kMax, {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31});
  std::int64_t sum = 0;
  for (std::int64_t p : year) sum = ledger::checked_add(sum, p);
  EXPECT_EQ(sum, kMax);
}

TEST(SplitEntry, LeapYearByMonth) {
  auto shares = split_entry(period("2016"), 27410000, 0, Granularity::Month, std::nullopt);
  ASSERT_EQ(shares.size(), 12u);
  EXPECT_EQ(sum_amounts(shares), 27410000);
  // 27410000 x 31 / 366 = 2321612.02; Feb: x 29 / 366 = 2171830.60, which
  // gets one of the two units left over; the other goes to April, the first
  // of the four 30-day months whose remainders tie.
  const Parts expected{2321612, 2171831, 2321612, 2246722, 2321612, 2246721,
                       2321612, 2321612, 2246721, 2321612, 2246721, 2321612};
  for (std::size_t i = 0; i < shares.size(); ++i) {
    EXPECT_EQ(shares[i].amount_minor, expected[i]) << "month " << i + 1;
    EXPECT_EQ(shares[i].part, ledger::bucket_of(shares[i].part.first(), Granularity::Month));
  }
  EXPECT_EQ(shares[0].part, period("2016-01"));
  EXPECT_EQ(shares[1].part, period("2016-02"));
  EXPECT_EQ(shares[1].part.days(), 29);
  EXPECT_EQ(shares[11].part, period("2016-12"));
}

TEST(SplitEntry, ByQuarterAndYear) {
  auto quarters = split_entry(period("2016-02-15..2016-07-14"), 1000, 0, Granularity::Quarter, std::nullopt);
  ASSERT_EQ(quarters.size(), 3u);
  EXPECT_EQ(quarters[0].part, period("2016-02-15..2016-03-31"));
  EXPECT_EQ(quarters[1].part, period("2016-Q2"));
  EXPECT_EQ(quarters[2].part, period("2016-07-01..2016-07-14"));
  EXPECT_EQ(sum_amounts(quarters), 1000);

  auto years = split_entry(period("2016-12-31..2017-01-01"), 3, 2, Granularity::Year, std::nullopt);
  ASSERT_EQ(years.size(), 2u);
  EXPECT_EQ(years[0].part, period("2016-12-31"));
  EXPECT_EQ(years[0].amount_minor, 2);
  EXPECT_EQ(years[1].amount_minor, 1);
  EXPECT_EQ(years[0].items, 1);
  EXPECT_EQ(years[1].items, 1);
}

TEST(SplitEntry, ItemsSplitByTheSameRule) {
  auto shares = split_entry(period("2016-Q1"), 91, 100, Granularity::Month, std::nullopt);
  ASSERT_EQ(shares.size(), 3u);
  // 31, 29, 31 days of 91.
  EXPECT_EQ(shares[0].amount_minor, 31);
  EXPECT_EQ(shares[1].amount_minor, 29);
  EXPECT_EQ(shares[2].amount_minor, 31);
  std::int64_t items = 0;
  for (const PeriodShare& s : shares) items += s.items;
  EXPECT_EQ(items, 100);
  // 100 x {31, 29, 31} / 91 = {34.07, 31.87, 34.07}: the unit left goes to February.
  EXPECT_EQ(shares[0].items, 34);
  EXPECT_EQ(shares[1].items, 32);
  EXPECT_EQ(shares[2].items, 34);
}

TEST(SplitEntry, SingleDay) {
  auto shares = split_entry(period("2016-10-26"), 12345, 7, Granularity::Month, std::nullopt);
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0].part, period("2016-10-26"));
  EXPECT_EQ(shares[0].amount_minor, 12345);
  EXPECT_EQ(shares[0].items, 7);
}

TEST(SplitEntry, NoGranularityNoRangeIsOnePart) {
  auto shares = split_entry(period("2016"), 27410000, 0, std::nullopt, std::nullopt);
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0].part, period("2016"));
  EXPECT_EQ(shares[0].amount_minor, 27410000);
}

TEST(SplitEntry, RangeClippingKeepsExactShares) {
  // 2016 is cut at the range's ends into 60, 31 and 275 days. 1000 x those
  // / 366 = 163.93, 84.70, 751.37: floors 998, one unit each to the first
  // two. March keeps its share of the whole: 85, not 1000.
  auto shares = split_entry(period("2016"), 1000, 0, std::nullopt, period("2016-03"));
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0].part, period("2016-03"));
  EXPECT_EQ(shares[0].amount_minor, 85);

  auto tail = split_entry(period("2016"), 1000, 0, std::nullopt, period("2016-03-01..2017-12-31"));
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].part, period("2016-03-01..2016-12-31"));
  EXPECT_EQ(tail[0].amount_minor, 1000 - 164);
}

TEST(SplitEntry, RangeAndGranularityTogether) {
  auto all = split_entry(period("2016-01-15..2016-03-15"), 6100, 0, Granularity::Month, std::nullopt);
  auto kept = split_entry(period("2016-01-15..2016-03-15"), 6100, 0, Granularity::Month,
                          period("2016-02-01..2016-12-31"));
  ASSERT_EQ(all.size(), 3u);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(all[0].part, period("2016-01-15..2016-01-31"));
  EXPECT_EQ(all[0].amount_minor, 1700);
  EXPECT_EQ(kept[0].part, period("2016-02"));
  EXPECT_EQ(kept[0].amount_minor, 2900);
  EXPECT_EQ(kept[1].part, period("2016-03-01..2016-03-15"));
  EXPECT_EQ(kept[1].amount_minor, 1500);
  EXPECT_EQ(kept[0].amount_minor, all[1].amount_minor);
  EXPECT_EQ(kept[1].amount_minor, all[2].amount_minor);
}

TEST(SplitEntry, RangeInsideOneBucket) {
  // A range that cuts inside a month splits that month too.
  auto shares = split_entry(period("2016-10"), 3100, 0, Granularity::Month, period("2016-10-10..2016-10-19"));
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0].part, period("2016-10-10..2016-10-19"));
  EXPECT_EQ(shares[0].amount_minor, 1000);
}

TEST(SplitEntry, EntryOutsideTheRangeGivesNoParts) {
  EXPECT_TRUE(split_entry(period("2016-01"), 1000, 5, std::nullopt, period("2016-06")).empty());
  EXPECT_TRUE(split_entry(period("2016-01"), 1000, 5, Granularity::Month, period("2015-12")).empty());
  EXPECT_TRUE(split_entry(period("2016-01"), 1000, 5, Granularity::Year, period("2016-02-01..2016-02-01")).empty());
}

TEST(SplitEntry, RangeCoveringTheEntryKeepsEverything) {
  auto shares = split_entry(period("2016-Q4"), 9200, 0, Granularity::Month, period("2016"));
  ASSERT_EQ(shares.size(), 3u);
  EXPECT_EQ(sum_amounts(shares), 9200);
  EXPECT_EQ(shares[0].amount_minor, 3100);
  EXPECT_EQ(shares[1].amount_minor, 3000);
  EXPECT_EQ(shares[2].amount_minor, 3100);
}

}  // namespace
