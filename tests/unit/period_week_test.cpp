// ISO 8601 weeks (Granularity::Week): buckets, names, parsing, the calendar's
// edges, and exact allocation over weeks and over a leap year's months.
//
// Calendar facts used below (2016 is a leap year of 366 days):
//   2015-12-28 Mon .. 2016-01-03 Sun  2015-W53 (2015 began on a Thursday: 53 weeks)
//   2016-01-01 Fri                    in 2015-W53
//   2016-01-04 Mon .. 2016-01-10 Sun  2016-W01 (the week holding 4 January)
//   2016-02-01 Mon                    2016-W05 = 2016-01-04 + 4 x 7 days
//   2016-02-29 Mon                    2016-W09 runs 02-29 .. 03-06
//   2016-12-26 Mon .. 2017-01-01 Sun  2016-W52, the last (2016 began on a Friday: 52 weeks)
//   2019-12-30 Mon .. 2020-01-05 Sun  2020-W01 (it holds Thursday 2020-01-02)
//   2020-12-28 Mon .. 2021-01-03 Sun  2020-W53 (2020 began on a Wednesday and is leap: 53 weeks)
//   1400-01-01 Wed, 9999-12-31 Fri    the ends of the representable calendar
#include <gtest/gtest.h>

#include <numeric>
#include <optional>
#include <vector>

#include "ledger/report/allocation.hpp"
#include "ledger/time/period.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::period;
using ledger::bucket_of;
using ledger::Date;
using ledger::ErrorKind;
using ledger::Granularity;
using ledger::Period;
using ledger::PeriodShare;
using ledger::split_entry;

Date ymd(int y, int m, int d) {
  return Date(static_cast<unsigned short>(y), static_cast<unsigned short>(m), static_cast<unsigned short>(d));
}

Period span(int y1, int m1, int d1, int y2, int m2, int d2) { return Period(ymd(y1, m1, d1), ymd(y2, m2, d2)); }

std::int64_t sum_amounts(const std::vector<PeriodShare>& shares) {
  std::int64_t sum = 0;
  for (const PeriodShare& s : shares) sum += s.amount_minor;
  return sum;
}

std::int64_t sum_items(const std::vector<PeriodShare>& shares) {
  std::int64_t sum = 0;
  for (const PeriodShare& s : shares) sum += s.items;
  return sum;
}

// ------------------------------------------------------------ buckets

TEST(PeriodWeek, BucketRunsMondayToSunday) {
  // Every day of 2016-W01 is in the same bucket.
  for (int d = 4; d <= 10; ++d)
    EXPECT_EQ(bucket_of(ymd(2016, 1, d), Granularity::Week), span(2016, 1, 4, 2016, 1, 10)) << "day " << d;
  EXPECT_EQ(bucket_of(ymd(2016, 1, 11), Granularity::Week), span(2016, 1, 11, 2016, 1, 17));
  // A week that crosses a month and a year end is not cut by either.
  EXPECT_EQ(bucket_of(ymd(2016, 1, 1), Granularity::Week), span(2015, 12, 28, 2016, 1, 3));
  EXPECT_EQ(bucket_of(ymd(2015, 12, 31), Granularity::Week), span(2015, 12, 28, 2016, 1, 3));
  EXPECT_EQ(bucket_of(ymd(2016, 3, 1), Granularity::Week), span(2016, 2, 29, 2016, 3, 6));
  EXPECT_EQ(bucket_of(ymd(2016, 12, 31), Granularity::Week), span(2016, 12, 26, 2017, 1, 1));
}

TEST(PeriodWeek, EveryBucketIsSevenDaysFromAMonday) {
  for (Date d = ymd(2015, 12, 1); d <= ymd(2017, 1, 31); d += boost::gregorian::days(1)) {
    Period week = bucket_of(d, Granularity::Week);
    EXPECT_EQ(week.days(), 7) << ledger::format_date(d);
    EXPECT_EQ(week.first().day_of_week().as_number(), 1) << ledger::format_date(d);  // Monday
    EXPECT_EQ(week.last().day_of_week().as_number(), 0) << ledger::format_date(d);   // Sunday
    EXPECT_TRUE(week.contains(d)) << ledger::format_date(d);
  }
}

// ------------------------------------------------------------ names

TEST(PeriodWeek, ToStringUsesTheWeekNumberingYear) {
  EXPECT_EQ(span(2016, 1, 4, 2016, 1, 10).to_string(), "2016-W01");
  EXPECT_EQ(bucket_of(ymd(2016, 1, 4), Granularity::Week).to_string(), "2016-W01");
  // 2015-12-31 is in 2015-W53, which ends in 2016.
  EXPECT_EQ(bucket_of(ymd(2015, 12, 31), Granularity::Week).to_string(), "2015-W53");
  EXPECT_EQ(bucket_of(ymd(2016, 1, 3), Granularity::Week).to_string(), "2015-W53");
  // 2019-12-30 is in 2020-W01, which starts in 2019.
  EXPECT_EQ(bucket_of(ymd(2019, 12, 30), Granularity::Week).to_string(), "2020-W01");
  EXPECT_EQ(bucket_of(ymd(2019, 12, 31), Granularity::Week).to_string(), "2020-W01");
  // 2021-01-03 is in 2020-W53.
  EXPECT_EQ(bucket_of(ymd(2021, 1, 3), Granularity::Week).to_string(), "2020-W53");
  EXPECT_EQ(bucket_of(ymd(2016, 2, 3), Granularity::Week).to_string(), "2016-W05");
  EXPECT_EQ(bucket_of(ymd(2016, 12, 31), Granularity::Week).to_string(), "2016-W52");
}

TEST(PeriodWeek, OnlyMondayToSundayIsNamedAsAWeek) {
  // Seven days from a Tuesday are a plain range.
  EXPECT_EQ(span(2016, 1, 5, 2016, 1, 11).to_string(), "2016-01-05..2016-01-11");
  // Two weeks are a plain range.
  EXPECT_EQ(span(2016, 1, 4, 2016, 1, 17).to_string(), "2016-01-04..2016-01-17");
  // Six days from a Monday are a plain range.
  EXPECT_EQ(span(2016, 1, 4, 2016, 1, 9).to_string(), "2016-01-04..2016-01-09");
}

// ------------------------------------------------------------ parsing

TEST(PeriodWeek, ParsesIsoWeeks) {
  EXPECT_EQ(Period::parse("2016-W05"), span(2016, 2, 1, 2016, 2, 7));
  EXPECT_EQ(Period::parse("2016-W01"), span(2016, 1, 4, 2016, 1, 10));
  EXPECT_EQ(Period::parse("2016-W52"), span(2016, 12, 26, 2017, 1, 1));
  EXPECT_EQ(Period::parse("2015-W53"), span(2015, 12, 28, 2016, 1, 3));
  EXPECT_EQ(Period::parse("2020-W01"), span(2019, 12, 30, 2020, 1, 5));
  EXPECT_EQ(Period::parse("2020-W53"), span(2020, 12, 28, 2021, 1, 3));
}

TEST(PeriodWeek, WeekNamesParseBack) {
  for (const char* text : {"2015-W53", "2016-W01", "2016-W05", "2016-W09", "2016-W52", "2020-W01", "2020-W53"}) {
    Period p = Period::parse(text);
    EXPECT_EQ(p.to_string(), text);
    EXPECT_EQ(Period::parse(p.to_string()), p) << text;
  }
}

TEST(PeriodWeek, RefusesWeeksTheYearDoesNotHave) {
  // 2016 began on a Friday and is not a Wednesday-starting leap year: 52 weeks.
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-W53\"", Period::parse("2016-W53"));
  EXPECT_ERROR(ErrorKind::Input, "W52", Period::parse("2016-W53"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-W00\"", Period::parse("2016-W00"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-W99\"", Period::parse("2016-W99"));
  // The field is the one the caller names.
  EXPECT_ERROR(ErrorKind::Input, "basis.period \"2016-W53\"", Period::parse("2016-W53", "basis.period"));
  // A range names its whole text.
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-W01..2016-W53\"", Period::parse("2016-W01..2016-W53"));
}

TEST(PeriodWeek, RefusesMalformedWeeks) {
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-W5\"", Period::parse("2016-W5"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-W005\"", Period::parse("2016-W005"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-Wx1\"", Period::parse("2016-Wx1"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-W-1\"", Period::parse("2016-W-1"));
  EXPECT_ERROR(ErrorKind::Input, "period \"16-W01\"", Period::parse("16-W01"));
}

TEST(PeriodWeek, Ranges) {
  EXPECT_EQ(Period::parse("2016-W01..2016-W02"), span(2016, 1, 4, 2016, 1, 17));
  EXPECT_EQ(Period::parse("2015-W53..2016-W01"), span(2015, 12, 28, 2016, 1, 10));
  EXPECT_EQ(Period::parse("2016-W05..2016-02"), span(2016, 2, 1, 2016, 2, 29));
  EXPECT_EQ(Period::parse("2016-01..2016-W05"), span(2016, 1, 1, 2016, 2, 7));
  EXPECT_ERROR(ErrorKind::Input, "ends before it starts", Period::parse("2016-W02..2016-W01"));
}

TEST(PeriodWeek, Granularity) {
  EXPECT_EQ(ledger::parse_granularity("week"), Granularity::Week);
  EXPECT_EQ(ledger::to_string(Granularity::Week), "week");
  EXPECT_ERROR(ErrorKind::Input, "by \"fortnight\"", ledger::parse_granularity("fortnight"));
  EXPECT_ERROR(ErrorKind::Input, "week", ledger::parse_granularity("fortnight"));  // the list names week
  EXPECT_ERROR(ErrorKind::Input, "by \"Week\"", ledger::parse_granularity("Week"));
  EXPECT_ERROR(ErrorKind::Input, "by \"weeks\"", ledger::parse_granularity("weeks"));
}

// ------------------------------------------------------------ the calendar's edges

TEST(PeriodWeek, BucketAtTheFirstRepresentableDayIsClipped) {
  // 1400-01-01 is a Wednesday; its week would start on 1399-12-29, which
  // Boost cannot represent, so the bucket starts on 1400-01-01.
  Period first;
  EXPECT_NO_THROW(first = bucket_of(ymd(1400, 1, 1), Granularity::Week));
  EXPECT_EQ(first, span(1400, 1, 1, 1400, 1, 5));
  EXPECT_EQ(bucket_of(ymd(1400, 1, 2), Granularity::Week), span(1400, 1, 1, 1400, 1, 5));
  EXPECT_EQ(bucket_of(ymd(1400, 1, 6), Granularity::Week), span(1400, 1, 6, 1400, 1, 12));
  EXPECT_EQ(Period::parse("1400-W01"), span(1400, 1, 1, 1400, 1, 5));
}

TEST(PeriodWeek, BucketAtTheLastRepresentableDayIsClipped) {
  // 9999-12-31 is a Friday; its week runs 9999-12-27 (Monday) to 10000-01-02.
  Period last;
  EXPECT_NO_THROW(last = bucket_of(ymd(9999, 12, 31), Granularity::Week));
  EXPECT_EQ(last, span(9999, 12, 27, 9999, 12, 31));
  EXPECT_EQ(bucket_of(ymd(9999, 12, 27), Granularity::Week), span(9999, 12, 27, 9999, 12, 31));
  EXPECT_EQ(Period::parse("9999-W52"), span(9999, 12, 27, 9999, 12, 31));
  EXPECT_NO_THROW((void)split_entry(span(9999, 12, 1, 9999, 12, 31), 3100, 31, Granularity::Week, std::nullopt));
  EXPECT_NO_THROW((void)split_entry(span(1400, 1, 1, 1400, 1, 31), 3100, 31, Granularity::Week, std::nullopt));
}

// ------------------------------------------------------------ allocation by week

TEST(PeriodWeek, SplitLeapYearByWeek) {
  // 2016 by week: 2016-01-01..01-03 (3 days, the end of 2015-W53), 51 whole
  // weeks W01..W51 (357 days), and 2016-12-26..12-31 (6 days of W52):
  // 3 + 357 + 6 = 366.
  //   27410000 x 3 / 366 = 82230000 / 366  = 224672 rem 48    (366 x 224672 = 82229952)
  //   27410000 x 7 / 366 = 191870000 / 366 = 524234 rem 356   (366 x 524234 = 191869644)
  //   27410000 x 6 / 366 = 164460000 / 366 = 449344 rem 96    (366 x 449344 = 164459904)
  // Floors: 224672 + 51 x 524234 + 449344 = 27409950; 50 units left.
  // (Remainders: 48 + 51 x 356 + 96 = 18300 = 50 x 366.)
  // The 50 go to the largest remainders, the weeks' 356, ties to the
  // earlier: W01..W50 get 524235, W51 keeps 524234.
  auto shares = split_entry(period("2016"), 27410000, 0, Granularity::Week, std::nullopt);
  ASSERT_EQ(shares.size(), 53u);
  EXPECT_EQ(sum_amounts(shares), 27410000);
  EXPECT_EQ(shares[0].part, span(2016, 1, 1, 2016, 1, 3));
  EXPECT_EQ(shares[0].amount_minor, 224672);
  EXPECT_EQ(shares[1].part, period("2016-W01"));
  for (std::size_t i = 1; i <= 50; ++i) EXPECT_EQ(shares[i].amount_minor, 524235) << "part " << i;
  EXPECT_EQ(shares[51].part, period("2016-W51"));
  EXPECT_EQ(shares[51].amount_minor, 524234);
  EXPECT_EQ(shares[52].part, span(2016, 12, 26, 2016, 12, 31));
  EXPECT_EQ(shares[52].amount_minor, 449344);
  // Each part lies inside its week, and the parts tile the year.
  Date next = ymd(2016, 1, 1);
  for (const PeriodShare& s : shares) {
    Period week = bucket_of(s.part.first(), Granularity::Week);
    EXPECT_TRUE(week.contains(s.part.first()) && week.contains(s.part.last())) << s.part.to_string();
    EXPECT_EQ(s.part.first(), next);
    next = s.part.last() + boost::gregorian::days(1);
  }
  EXPECT_EQ(next, ymd(2017, 1, 1));
}

TEST(PeriodWeek, ItemsSplitByWeekByTheSameRule) {
  // 100 items over 2016 by week:
  //   100 x 3 / 366 = 0 rem 300;  100 x 7 / 366 = 1 rem 334;  100 x 6 / 366 = 1 rem 234.
  // Floors: 0 + 51 x 1 + 1 = 52; 48 left (300 + 51 x 334 + 234 = 17568 = 48 x 366),
  // all to weeks (334 is the largest remainder): W01..W48 get 2, W49..W51 get 1.
  auto shares = split_entry(period("2016"), 27410000, 100, Granularity::Week, std::nullopt);
  ASSERT_EQ(shares.size(), 53u);
  EXPECT_EQ(sum_items(shares), 100);
  EXPECT_EQ(shares[0].items, 0);
  for (std::size_t i = 1; i <= 48; ++i) EXPECT_EQ(shares[i].items, 2) << "part " << i;
  for (std::size_t i = 49; i <= 51; ++i) EXPECT_EQ(shares[i].items, 1) << "part " << i;
  EXPECT_EQ(shares[52].items, 1);
}

TEST(PeriodWeek, ClippedRangeKeepsItsExactShare) {
  // 2016 by week, kept for March only. First the range: 2016 is 60 days
  // before March, 31 inside and 275 after:
  //   27410000 x 60 / 366  = 4493442 rem 228    (366 x 4493442 = 1644599772)
  //   27410000 x 31 / 366  = 2321612 rem 8      (366 x 2321612 = 849709992)
  //   27410000 x 275 / 366 = 20594945 rem 130   (366 x 20594945 = 7537749870)
  // Floors 27409999: the one unit left goes to the days before (228), so
  // March's share is 2321612. Then that share over March's parts of weeks:
  // 03-01..03-06 (6 days, the end of W09), W10, W11, W12 (7 days each),
  // 03-28..03-31 (4 days, the start of W13), 31 days in all:
  //   2321612 x 6 = 13929672 = 31 x 449344 + 8
  //   2321612 x 7 = 16251284 = 31 x 524234 + 30
  //   2321612 x 4 =  9286448 = 31 x 299562 + 26
  // Floors 449344 + 3 x 524234 + 299562 = 2321608: 4 left, to the three
  // weeks (30 each) and then the four days (26). The parts add up to
  // March's share exactly: 449344 + 3 x 524235 + 299563 = 2321612.
  auto kept = split_entry(period("2016"), 27410000, 0, Granularity::Week, period("2016-03"));
  ASSERT_EQ(kept.size(), 5u);
  EXPECT_EQ(kept[0].part, span(2016, 3, 1, 2016, 3, 6));
  EXPECT_EQ(kept[0].amount_minor, 449344);
  EXPECT_EQ(kept[1].part, period("2016-W10"));
  EXPECT_EQ(kept[2].part, period("2016-W11"));
  EXPECT_EQ(kept[3].part, period("2016-W12"));
  for (std::size_t i = 1; i <= 3; ++i) EXPECT_EQ(kept[i].amount_minor, 524235) << "part " << i;
  EXPECT_EQ(kept[4].part, span(2016, 3, 28, 2016, 3, 31));
  EXPECT_EQ(kept[4].amount_minor, 299563);
  for (const PeriodShare& s : kept) {
    EXPECT_TRUE(period("2016-03").contains(s.part.first()) && period("2016-03").contains(s.part.last()));
    Period week = bucket_of(s.part.first(), Granularity::Week);
    EXPECT_TRUE(week.contains(s.part.last())) << s.part.to_string();
  }
  EXPECT_EQ(sum_amounts(kept), 2321612);

  // Without weeks, March is one part with the same share: the range is
  // allocated before the buckets, so the two always agree.
  auto whole = split_entry(period("2016"), 27410000, 0, std::nullopt, period("2016-03"));
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].part, period("2016-03"));
  EXPECT_EQ(whole[0].amount_minor, 2321612);
  EXPECT_EQ(sum_amounts(kept), whole[0].amount_minor);
}

TEST(PeriodWeek, ClippedShareDoesNotDependOnTheGranularity) {
  // One unit over three days (01-09..01-11, a Saturday to a Monday), kept
  // for 01-09 only: the range split is 0, 1 and 2 days, exact shares 1/3
  // and 2/3 of a unit, floors 0 and 0; the unit goes to the two days after
  // (remainder 2 > 1). So the day keeps 0, by week, by month and whole.
  for (auto by : {std::optional<Granularity>(Granularity::Week), std::optional<Granularity>(Granularity::Month),
                  std::optional<Granularity>()}) {
    auto kept = split_entry(span(2016, 1, 9, 2016, 1, 11), 1, 0, by, span(2016, 1, 9, 2016, 1, 9));
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept[0].amount_minor, 0);
  }
  // Kept for 01-10..01-11 (two days, across the week boundary): the unit,
  // then split over 01-10 (W01) and 01-11 (W02), one day each: a tie,
  // which goes to the earlier part.
  auto kept = split_entry(span(2016, 1, 9, 2016, 1, 11), 1, 0, Granularity::Week, span(2016, 1, 10, 2016, 1, 11));
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].amount_minor, 1);
  EXPECT_EQ(kept[1].amount_minor, 0);
}

TEST(PeriodWeek, ClippedRangeItemsSumToTheirParts) {
  // The same cut, 366 items: one item a day, so every part's share is exact.
  auto kept = split_entry(period("2016"), 27410000, 366, Granularity::Week, period("2016-03"));
  ASSERT_EQ(kept.size(), 5u);
  EXPECT_EQ(kept[0].items, 6);
  EXPECT_EQ(kept[1].items, 7);
  EXPECT_EQ(kept[4].items, 4);
  EXPECT_EQ(sum_items(kept), 31);
}

TEST(PeriodWeek, EntryOutsideTheRangeGivesNoParts) {
  EXPECT_TRUE(split_entry(period("2016-W05"), 1000, 5, Granularity::Week, period("2016-03")).empty());
  EXPECT_TRUE(split_entry(period("2016-02"), 1000, 5, Granularity::Week, period("2016-W10")).empty());
  EXPECT_TRUE(split_entry(period("2016-02"), 1000, 5, Granularity::Month, period("2017")).empty());
}

// ------------------------------------------------------------ leap years

TEST(PeriodWeek, LeapFebruaryByWeek) {
  // 2016-02 (29 days) from Monday 02-01: four whole weeks W05..W08 and
  // 02-29, the Monday of W09.
  //   1000 x 7 / 29 = 7000 / 29 = 241 rem 11   (29 x 241 = 6989)
  //   1000 x 1 / 29 = 34 rem 14                 (29 x 34 = 986)
  // Floors 4 x 241 + 34 = 998: 2 left (4 x 11 + 14 = 58 = 2 x 29), one to
  // 02-29 (14), one to W05 (the earliest of the 11s).
  auto shares = split_entry(period("2016-02"), 1000, 0, Granularity::Week, std::nullopt);
  ASSERT_EQ(shares.size(), 5u);
  EXPECT_EQ(shares[0].part, period("2016-W05"));
  EXPECT_EQ(shares[1].part, period("2016-W06"));
  EXPECT_EQ(shares[2].part, period("2016-W07"));
  EXPECT_EQ(shares[3].part, period("2016-W08"));
  EXPECT_EQ(shares[4].part, period("2016-02-29"));
  EXPECT_EQ(shares[0].amount_minor, 242);
  EXPECT_EQ(shares[1].amount_minor, 241);
  EXPECT_EQ(shares[2].amount_minor, 241);
  EXPECT_EQ(shares[3].amount_minor, 241);
  EXPECT_EQ(shares[4].amount_minor, 35);
  EXPECT_EQ(sum_amounts(shares), 1000);
}

TEST(PeriodWeek, LeapYearByMonthGivesFebruary29Of366) {
  // 1000000 over 2016's months:
  //   31 days: 31000000 / 366 = 84699 rem 166   (366 x 84699 = 30999834)
  //   30 days: 30000000 / 366 = 81967 rem 78    (366 x 81967 = 29999922)
  //   29 days: 29000000 / 366 = 79234 rem 356   (366 x 79234 = 28999644)
  // Floors: 7 x 84699 + 4 x 81967 + 79234 = 999995: 5 left
  // (7 x 166 + 4 x 78 + 356 = 1830 = 5 x 366). February (356) gets one, then
  // the first four 31-day months (166): January, March, May, July.
  auto shares = split_entry(period("2016"), 1000000, 0, Granularity::Month, std::nullopt);
  ASSERT_EQ(shares.size(), 12u);
  const std::vector<std::int64_t> expected{84700, 79235, 84700, 81967, 84700, 81967,
                                           84700, 84699, 81967, 84699, 81967, 84699};
  for (std::size_t i = 0; i < shares.size(); ++i) EXPECT_EQ(shares[i].amount_minor, expected[i]) << "month " << i + 1;
  EXPECT_EQ(shares[1].part, period("2016-02"));
  EXPECT_EQ(shares[1].part.days(), 29);
  EXPECT_EQ(sum_amounts(shares), 1000000);
}

TEST(PeriodWeek, SingleDayEntryIsOnePart) {
  for (auto by : {Granularity::Week, Granularity::Month}) {
    auto leap_day = split_entry(period("2016-02-29"), 12345, 7, by, std::nullopt);
    ASSERT_EQ(leap_day.size(), 1u);
    EXPECT_EQ(leap_day[0].part, period("2016-02-29"));
    EXPECT_EQ(leap_day[0].amount_minor, 12345);
    EXPECT_EQ(leap_day[0].items, 7);

    // A Sunday, the last day of its week, inside a range.
    auto sunday = split_entry(period("2016-01-03"), 999, 1, by, period("2016-01"));
    ASSERT_EQ(sunday.size(), 1u);
    EXPECT_EQ(sunday[0].part, period("2016-01-03"));
    EXPECT_EQ(sunday[0].amount_minor, 999);
    EXPECT_EQ(sunday[0].items, 1);
  }
}

}  // namespace
