#include <gtest/gtest.h>

#include <boost/date_time/gregorian/gregorian.hpp>

#include "ledger/time/period.hpp"
#include "test_support.hpp"

namespace {

using ledger::Date;
using ledger::ErrorKind;
using ledger::Granularity;
using ledger::Period;
using ledger::parse_date;

Date ymd(int y, int m, int d) {
  return Date(static_cast<unsigned short>(y), static_cast<unsigned short>(m), static_cast<unsigned short>(d));
}

TEST(ParseDate, AcceptsIsoDays) {
  EXPECT_EQ(parse_date("2017-10-26"), ymd(2017, 10, 26));
  EXPECT_EQ(parse_date("2016-02-29"), ymd(2016, 2, 29));
  EXPECT_EQ(parse_date("2000-02-29"), ymd(2000, 2, 29));
  EXPECT_EQ(parse_date("2017-12-31"), ymd(2017, 12, 31));
  EXPECT_EQ(ledger::format_date(ymd(2017, 10, 26)), "2017-10-26");
  EXPECT_EQ(ledger::format_date(ymd(2017, 1, 5)), "2017-01-05");
}

// format_date is written by hand for speed: it must write every day boost
// can hold exactly as boost does, and parse_date must read it back.
TEST(FormatDate, WritesDaysAsBoostDoes) {
  auto check = [](const Date& d) {
    std::string text = ledger::format_date(d);
    ASSERT_EQ(text, boost::gregorian::to_iso_extended_string(d));
    ASSERT_EQ(parse_date(text), d);
  };
  // Every day near the ends of boost's range and around today; the first
  // and last day of every month in between.
  for (auto [from, to] : {std::pair{ymd(1400, 1, 1), ymd(1410, 12, 31)}, std::pair{ymd(1890, 1, 1), ymd(2110, 12, 31)},
                          std::pair{ymd(9990, 1, 1), ymd(9999, 12, 31)}})
    for (Date d = from; d <= to; d += boost::gregorian::days(1)) check(d);
  for (int year = 1400; year <= 9999; ++year)
    for (int month = 1; month <= 12; ++month) {
      check(ymd(year, month, 1));
      check(Date(static_cast<unsigned short>(year), static_cast<unsigned short>(month), 1).end_of_month());
    }
  EXPECT_EQ(ledger::format_date(Date()), "not-a-date-time");
}

TEST(ParseDate, RefusesImpossibleDays) {
  auto e = adledger_test::error_of([] { parse_date("2017-02-30"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Input);
  EXPECT_STREQ(e->what(), "date \"2017-02-30\": no such day: 2017-02 has 28 days");
  EXPECT_ERROR(ErrorKind::Input, "2017-02 has 28 days", parse_date("2017-02-29"));
  EXPECT_ERROR(ErrorKind::Input, "1900-02 has 28 days", parse_date("1900-02-29"));
  EXPECT_ERROR(ErrorKind::Input, "2017-04 has 30 days", parse_date("2017-04-31"));
  EXPECT_ERROR(ErrorKind::Input, "date \"2017-01-00\"", parse_date("2017-01-00"));
  EXPECT_ERROR(ErrorKind::Input, "there is no month 13", parse_date("2017-13-01"));
  EXPECT_ERROR(ErrorKind::Input, "there is no month 0", parse_date("2017-00-01"));
}

TEST(ParseDate, RefusesOtherShapes) {
  EXPECT_ERROR(ErrorKind::Input, "date \"2017-1-1\": write a date as YYYY-MM-DD", parse_date("2017-1-1"));
  EXPECT_ERROR(ErrorKind::Input, "write a date as YYYY-MM-DD", parse_date("20171026"));
  EXPECT_ERROR(ErrorKind::Input, "write a date as YYYY-MM-DD", parse_date(""));
  EXPECT_ERROR(ErrorKind::Input, "write a date as YYYY-MM-DD", parse_date("2017/10/26"));
  EXPECT_ERROR(ErrorKind::Input, "write a date as YYYY-MM-DD", parse_date("2017-10-26 "));
  EXPECT_ERROR(ErrorKind::Input, "write a date as YYYY-MM-DD", parse_date("2017-10-2a"));
  EXPECT_ERROR(ErrorKind::Input, "write a date as YYYY-MM-DD", parse_date("+017-10-26"));
  EXPECT_ERROR(ErrorKind::Input, "end_date \"26-10-2017\"", parse_date("26-10-2017", "end_date"));
}

TEST(ParseDate, RefusesYearsOutsideTheCalendar) {
  EXPECT_ERROR(ErrorKind::Input, "the year must be between 1400 and 9999", parse_date("0000-01-01"));
  EXPECT_ERROR(ErrorKind::Input, "the year must be between 1400 and 9999", parse_date("1399-12-31"));
  EXPECT_EQ(parse_date("1400-01-01"), ymd(1400, 1, 1));
  EXPECT_EQ(parse_date("9999-12-31"), ymd(9999, 12, 31));
}

TEST(PeriodParse, SingleForms) {
  EXPECT_EQ(Period::parse("2016"), Period(ymd(2016, 1, 1), ymd(2016, 12, 31)));
  EXPECT_EQ(Period::parse("2016-Q1"), Period(ymd(2016, 1, 1), ymd(2016, 3, 31)));
  EXPECT_EQ(Period::parse("2016-Q2"), Period(ymd(2016, 4, 1), ymd(2016, 6, 30)));
  EXPECT_EQ(Period::parse("2016-Q3"), Period(ymd(2016, 7, 1), ymd(2016, 9, 30)));
  EXPECT_EQ(Period::parse("2016-Q4"), Period(ymd(2016, 10, 1), ymd(2016, 12, 31)));
  EXPECT_EQ(Period::parse("2016-10"), Period(ymd(2016, 10, 1), ymd(2016, 10, 31)));
  EXPECT_EQ(Period::parse("2016-02"), Period(ymd(2016, 2, 1), ymd(2016, 2, 29)));
  EXPECT_EQ(Period::parse("2017-02"), Period(ymd(2017, 2, 1), ymd(2017, 2, 28)));
  EXPECT_EQ(Period::parse("2016-10-26"), Period(ymd(2016, 10, 26), ymd(2016, 10, 26)));
}

TEST(PeriodParse, Ranges) {
  EXPECT_EQ(Period::parse("2016-01-01..2016-06-30"), Period(ymd(2016, 1, 1), ymd(2016, 6, 30)));
  EXPECT_EQ(Period::parse("2016-01..2016-06"), Period(ymd(2016, 1, 1), ymd(2016, 6, 30)));
  EXPECT_EQ(Period::parse("2016..2017"), Period(ymd(2016, 1, 1), ymd(2017, 12, 31)));
  EXPECT_EQ(Period::parse("2016-Q2..2016-10-15"), Period(ymd(2016, 4, 1), ymd(2016, 10, 15)));
  EXPECT_EQ(Period::parse("2016-10-26..2016-10-26"), Period(ymd(2016, 10, 26), ymd(2016, 10, 26)));
  // Overlapping ends: from the start of the first to the end of the second.
  EXPECT_EQ(Period::parse("2016..2016-06"), Period(ymd(2016, 1, 1), ymd(2016, 6, 30)));
}

TEST(PeriodParse, RefusesReversedRanges) {
  auto e = adledger_test::error_of([] { Period::parse("2016-06-30..2016-01-01"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Input);
  EXPECT_STREQ(e->what(), "period \"2016-06-30..2016-01-01\": ends before it starts");
  EXPECT_ERROR(ErrorKind::Input, "ends before it starts", Period::parse("2017..2016"));
  EXPECT_ERROR(ErrorKind::Input, "ends before it starts", Period::parse("2016-10-02..2016-10-01"));
}

TEST(PeriodParse, RefusesMalformedText) {
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-Q5\": a quarter is Q1 to Q4", Period::parse("2016-Q5"));
  EXPECT_ERROR(ErrorKind::Input, "a quarter is Q1 to Q4", Period::parse("2016-Q0"));
  EXPECT_ERROR(ErrorKind::Input, "there is no month 13", Period::parse("2016-13"));
  EXPECT_ERROR(ErrorKind::Input, "2017-02 has 28 days", Period::parse("2017-02-29"));
  EXPECT_ERROR(ErrorKind::Input, "period \"\"", Period::parse(""));
  EXPECT_ERROR(ErrorKind::Input, "period \"16\"", Period::parse("16"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-\"", Period::parse("2016-"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-1\"", Period::parse("2016-1"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016..\"", Period::parse("2016.."));
  EXPECT_ERROR(ErrorKind::Input, "period \"..2016\"", Period::parse("..2016"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-01-01..2016-02-01..2016-03-01\"",
               Period::parse("2016-01-01..2016-02-01..2016-03-01"));
  EXPECT_ERROR(ErrorKind::Input, "period \"2016-10-26x\"", Period::parse("2016-10-26x"));
  EXPECT_ERROR(ErrorKind::Input, "basis.period \"abcd\"", Period::parse("abcd", "basis.period"));
  EXPECT_ERROR(ErrorKind::Input, "too long to be a period", Period::parse(std::string(100, '2')));
}

TEST(Period, Days) {
  EXPECT_EQ(Period::parse("2016").days(), 366);
  EXPECT_EQ(Period::parse("2017").days(), 365);
  EXPECT_EQ(Period::parse("2016-02").days(), 29);
  EXPECT_EQ(Period::parse("2016-10-26").days(), 1);
  EXPECT_EQ(Period::parse("2016-Q4").days(), 92);
  EXPECT_EQ(Period::parse("2016-01..2016-06").days(), 182);
}

TEST(Period, ContainsAndOverlaps) {
  Period q4 = Period::parse("2016-Q4");
  EXPECT_TRUE(q4.contains(ymd(2016, 10, 1)));
  EXPECT_TRUE(q4.contains(ymd(2016, 12, 31)));
  EXPECT_FALSE(q4.contains(ymd(2016, 9, 30)));
  EXPECT_FALSE(q4.contains(ymd(2017, 1, 1)));
  EXPECT_TRUE(q4.overlaps(Period::parse("2016-12-31..2017-01-05")));
  EXPECT_TRUE(q4.overlaps(Period::parse("2016")));
  EXPECT_FALSE(q4.overlaps(Period::parse("2017-01")));
  EXPECT_FALSE(q4.overlaps(Period::parse("2016-09")));
}

TEST(Period, ToStringIsCanonical) {
  for (const char* text : {"2016", "2016-Q1", "2016-Q4", "2016-10", "2016-02", "2016-10-26",
                           "2016-01-01..2016-06-30", "2016-01-15..2016-02-14", "2016-01-01..2017-12-31",
                           "2016-12-01..2017-01-31", "2016-02-01..2016-04-30"}) {
    EXPECT_EQ(Period::parse(text).to_string(), text);
  }
  EXPECT_EQ(Period::parse("2016-01..2016-06").to_string(), "2016-01-01..2016-06-30");
  EXPECT_EQ(Period::parse("2016-01-01..2016-12-31").to_string(), "2016");
  EXPECT_EQ(Period::parse("2016-10..2016-12").to_string(), "2016-Q4");
  EXPECT_EQ(Period::parse("2016-10-01..2016-10-31").to_string(), "2016-10");
  EXPECT_EQ(Period::parse("2016-10-26..2016-10-26").to_string(), "2016-10-26");
  EXPECT_EQ(Period::parse("2016-Q4..2016-Q4").to_string(), "2016-Q4");
}

TEST(Period, ToStringParsesBack) {
  for (const char* text : {"2016", "2016-Q3", "2016-10", "2016-10-26", "2016-01-01..2016-06-30",
                           "2016-Q2..2017-Q1", "2015-12-31..2016-01-01"}) {
    Period p = Period::parse(text);
    EXPECT_EQ(Period::parse(p.to_string()), p) << text;
  }
}

TEST(Period, BucketOf) {
  EXPECT_EQ(ledger::bucket_of(ymd(2016, 2, 29), Granularity::Year), Period::parse("2016"));
  EXPECT_EQ(ledger::bucket_of(ymd(2016, 1, 1), Granularity::Quarter), Period::parse("2016-Q1"));
  EXPECT_EQ(ledger::bucket_of(ymd(2016, 3, 31), Granularity::Quarter), Period::parse("2016-Q1"));
  EXPECT_EQ(ledger::bucket_of(ymd(2016, 4, 1), Granularity::Quarter), Period::parse("2016-Q2"));
  EXPECT_EQ(ledger::bucket_of(ymd(2016, 8, 15), Granularity::Quarter), Period::parse("2016-Q3"));
  EXPECT_EQ(ledger::bucket_of(ymd(2016, 12, 31), Granularity::Quarter), Period::parse("2016-Q4"));
  EXPECT_EQ(ledger::bucket_of(ymd(2016, 2, 10), Granularity::Month), Period::parse("2016-02"));
  EXPECT_EQ(ledger::bucket_of(ymd(2016, 2, 10), Granularity::Month).days(), 29);
  EXPECT_EQ(ledger::bucket_of(ymd(2017, 2, 28), Granularity::Month).days(), 28);
  EXPECT_EQ(ledger::bucket_of(ymd(2016, 12, 31), Granularity::Month), Period::parse("2016-12"));
}

TEST(Period, Granularity) {
  EXPECT_EQ(ledger::parse_granularity("year"), Granularity::Year);
  EXPECT_EQ(ledger::parse_granularity("quarter"), Granularity::Quarter);
  EXPECT_EQ(ledger::parse_granularity("month"), Granularity::Month);
  EXPECT_EQ(ledger::to_string(Granularity::Year), "year");
  EXPECT_EQ(ledger::to_string(Granularity::Quarter), "quarter");
  EXPECT_EQ(ledger::to_string(Granularity::Month), "month");
  EXPECT_EQ(ledger::parse_granularity("week"), Granularity::Week);
  EXPECT_EQ(ledger::to_string(Granularity::Week), "week");
  EXPECT_ERROR(ErrorKind::Input, "by \"fortnight\": expected year, quarter, month or week",
               ledger::parse_granularity("fortnight"));
  EXPECT_ERROR(ErrorKind::Input, "by \"Month\"", ledger::parse_granularity("Month"));
  EXPECT_ERROR(ErrorKind::Input, "by \"\"", ledger::parse_granularity(""));
}

}  // namespace
