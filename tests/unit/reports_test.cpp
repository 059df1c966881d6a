// The reports: spend roll-ups, shares, disclosed totals beside itemised
// spend, and the platform, policy, pledges, register and balance reports,
// with the documents they print as.
//
// Every expected figure is worked out by hand in a comment beside it. Pro
// rata splits use the largest-remainder rule of report/allocation.hpp: each
// part gets floor(amount x days / total days), and the units left over go
// to the largest remainders, ties to the earlier part.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/ledger.hpp"
#include "ledger/render/document.hpp"
#include "ledger/report/advertiser_report.hpp"
#include "ledger/report/documents.hpp"
#include "ledger/report/other_reports.hpp"
#include "ledger/report/spend_rollup.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::date;
using adledger_test::period;
using adledger_test::TempLedger;
using adledger_test::usd;
using ledger::DisclosedTotal;
using ledger::ErrorKind;
using ledger::Granularity;
using ledger::Money;
using ledger::Period;
using ledger::PolicyAction;
using ledger::PolicyKind;
using ledger::Precision;
using ledger::SpendEntry;
using ledger::SpendFigure;

using Ids = std::vector<std::int64_t>;
using Names = std::vector<std::string>;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

Money money(std::int64_t minor, const char* code) { return Money(minor, ledger::Currency::from_code(code)); }

// A spend entry as a store would hand it back, for the functions that take
// entries directly (roll_up, compare_itemised).
SpendEntry entry(std::int64_t id, const char* platform, const char* when, Money amount,
                 Precision precision = Precision::Exact) {
  SpendEntry e;
  e.entry_id = id;
  e.advertiser_id = "rt";
  e.platform_id = platform;
  e.amount = std::move(amount);
  e.period = period(when);
  e.market = "US";
  e.precision = precision;
  e.source = "https://example.org/spend";
  return e;
}

// A spend entry to record.
SpendEntry spend(const char* advertiser, const char* platform, const char* when, Money amount,
                 const char* source = "https://example.org/spend") {
  SpendEntry e;
  e.advertiser_id = advertiser;
  e.platform_id = platform;
  e.amount = std::move(amount);
  e.period = period(when);
  e.market = "US";
  e.source = source;
  return e;
}

DisclosedTotal disclosed(const char* id, const char* platform, const char* advertiser, const char* range, Money amount,
                         const char* on, const char* source = "https://example.org/disclosed") {
  DisclosedTotal d;
  d.id = id;
  d.platform_id = platform;
  d.advertiser_id = advertiser;
  d.amount = std::move(amount);
  d.period = period(range);
  d.date = date(on);
  d.source = source;
  return d;
}

PolicyAction action(PolicyKind kind, const char* platform, std::vector<std::string> advertisers, const char* on,
                    const char* source = "https://example.org/policy") {
  PolicyAction a;
  a.kind = kind;
  a.platform_id = platform;
  a.advertiser_ids = std::move(advertisers);
  a.date = date(on);
  a.description = "what the platform did";
  a.source = source;
  return a;
}

ledger::Pledge pledge(const char* platform, Money amount, const char* on, std::optional<std::string> basis_advertiser,
                      std::optional<const char*> basis_period, const char* source = "https://example.org/pledge") {
  ledger::Pledge p;
  p.platform_id = platform;
  p.amount = std::move(amount);
  p.date = date(on);
  p.beneficiary = "academic research";
  p.basis_advertiser_id = std::move(basis_advertiser);
  if (basis_period) p.basis_period = period(*basis_period);
  p.source = source;
  return p;
}

ledger::Disbursement disbursement(const std::string& pledge_id, Money amount, const char* on,
                                  const char* source = "https://example.org/grant") {
  ledger::Disbursement d;
  d.pledge_id = pledge_id;
  d.amount = std::move(amount);
  d.date = date(on);
  d.source = source;
  return d;
}

Names action_ids(const std::vector<PolicyAction>& actions) {
  Names out;
  for (const PolicyAction& a : actions) out.push_back(a.id);
  return out;
}

Names pledge_ids(const ledger::PledgesReport& r) {
  Names out;
  for (const ledger::PledgeCheck& c : r.pledges) out.push_back(c.status.pledge.id);
  return out;
}

Names disclosure_ids(const std::vector<ledger::DisclosureCheck>& checks) {
  Names out;
  for (const ledger::DisclosureCheck& c : checks) out.push_back(c.disclosed.id);
  return out;
}

Ids entry_ids(const std::vector<SpendEntry>& entries) {
  Ids out;
  for (const SpendEntry& e : entries) out.push_back(e.entry_id);
  return out;
}

// A figure, spelled out for comparison.
struct Fig {
  std::string group;
  std::string currency;
  Precision precision;
  std::int64_t amount;
  std::int64_t items;
  bool items_complete;
  bool pro_rata;
  Ids entries;
};

::testing::AssertionResult figure_is(const SpendFigure& f, const Fig& want) {
  std::string diffs;
  if (f.group != want.group) diffs += " group " + f.group + " != " + want.group + ";";
  if (f.currency.code() != want.currency) diffs += " currency " + f.currency.code() + " != " + want.currency + ";";
  if (f.precision != want.precision)
    diffs += " precision " + std::string(ledger::to_string(f.precision)) + " != " +
             std::string(ledger::to_string(want.precision)) + ";";
  if (f.amount_minor != want.amount)
    diffs += " amount " + std::to_string(f.amount_minor) + " != " + std::to_string(want.amount) + ";";
  if (f.items != want.items) diffs += " items " + std::to_string(f.items) + " != " + std::to_string(want.items) + ";";
  if (f.items_complete != want.items_complete) diffs += " items_complete differs;";
  if (f.pro_rata != want.pro_rata) diffs += " pro_rata differs;";
  if (f.entry_ids != want.entries) diffs += " entry_ids differ;";
  if (diffs.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "figure " << want.group << " " << want.currency << ":" << diffs;
}

// ---------------------------------------------------------------------------
// share_text

TEST(ShareText, FoundingCase) {
  // 274,100.00 of 1,900,000.00 USD: tenths of a percent =
  // (27,410,000 x 1000 + 190,000,000 / 2) / 190,000,000
  // = (27,410,000,000 + 95,000,000) / 190,000,000 = 27,505,000,000 / 190,000,000 = 144.76 -> 144 -> 14.4%.
  EXPECT_EQ(ledger::share_text(27410000, 190000000), "14.4%");
}

TEST(ShareText, RoundsHalfUpAtTheTenth) {
  // 1 / 2000 = 0.05% exactly, a half tenth: (1000 + 1000) / 2000 = 1 -> 0.1%.
  EXPECT_EQ(ledger::share_text(1, 2000), "0.1%");
  // 1 / 2001 = 0.04998%, just under the half: (1000 + 1000) / 2001 = 0 -> 0.0%.
  EXPECT_EQ(ledger::share_text(1, 2001), "0.0%");
  // 3 / 2000 = 0.15%: (3000 + 1000) / 2000 = 2 -> 0.2%.
  EXPECT_EQ(ledger::share_text(3, 2000), "0.2%");
  // 1 / 3 = 33.33%: (1000 + 1) / 3 = 333 -> 33.3%; 2 / 3 = 66.67%: (2000 + 1) / 3 = 667 -> 66.7%.
  EXPECT_EQ(ledger::share_text(1, 3), "33.3%");
  EXPECT_EQ(ledger::share_text(2, 3), "66.7%");
  // 9994 / 10000 = 99.94%: (9,994,000 + 5000) / 10000 = 999 -> 99.9%;
  // 9995 / 10000 = 99.95%: (9,995,000 + 5000) / 10000 = 1000 -> 100.0%.
  EXPECT_EQ(ledger::share_text(9994, 10000), "99.9%");
  EXPECT_EQ(ledger::share_text(9995, 10000), "100.0%");
}

TEST(ShareText, ZeroWholeAndMoreThanTheWhole) {
  EXPECT_EQ(ledger::share_text(0, 190000000), "0.0%");
  EXPECT_EQ(ledger::share_text(0, 1), "0.0%");
  EXPECT_EQ(ledger::share_text(190000000, 190000000), "100.0%");
  EXPECT_EQ(ledger::share_text(1, 1), "100.0%");
  // 3 / 2: (3000 + 1) / 2 = 1500 -> 150.0%; 285,000,000 / 190,000,000 = 1.5 -> 150.0%.
  EXPECT_EQ(ledger::share_text(3, 2), "150.0%");
  EXPECT_EQ(ledger::share_text(285000000, 190000000), "150.0%");
  // 19 / 1 = 1900%.
  EXPECT_EQ(ledger::share_text(19, 1), "1900.0%");
}

TEST(ShareText, HugePartDoesNotOverflow) {
  // INT64_MAX x 1000 = 9,223,372,036,854,775,807,000 tenths: 922,337,203,685,477,580,700.0%.
  EXPECT_EQ(ledger::share_text(kMax, 1), "922337203685477580700.0%");
  // (INT64_MAX x 1000 + 1) / 2 = 4,611,686,018,427,387,903,500 tenths.
  EXPECT_EQ(ledger::share_text(kMax, 2), "461168601842738790350.0%");
  EXPECT_EQ(ledger::share_text(kMax, kMax), "100.0%");
  // (INT64_MAX - 1) / INT64_MAX is 100% less 1e-19: rounds to 100.0%.
  EXPECT_EQ(ledger::share_text(kMax - 1, kMax), "100.0%");
  // floor(INT64_MAX / 2) / INT64_MAX is 50% less 5e-20: (x 1000 + half) / whole = 500 -> 50.0%.
  EXPECT_EQ(ledger::share_text(kMax / 2, kMax), "50.0%");
  // 1 / INT64_MAX: (1000 + INT64_MAX / 2) / INT64_MAX = 0.
  EXPECT_EQ(ledger::share_text(1, kMax), "0.0%");
}

TEST(ShareText, NegativePartsRoundLikePositiveOnes) {
  // -4 of 2000 is exactly -0.2%; -1 of 2000 is -0.05%, half away from zero
  // -0.1%; -1 of 2001 rounds to zero, shown without a sign.
  EXPECT_EQ(ledger::share_text(-4, 2000), "-0.2%");
  EXPECT_EQ(ledger::share_text(-1, 2000), "-0.1%");
  EXPECT_EQ(ledger::share_text(-1, 2001), "0.0%");
}

TEST(ShareText, WholeMustBePositive) {
  EXPECT_ERROR(ErrorKind::Input, "positive whole", ledger::share_text(1, 0));
  EXPECT_ERROR(ErrorKind::Input, "positive whole", ledger::share_text(0, 0));
  EXPECT_ERROR(ErrorKind::Input, "positive whole", ledger::share_text(1, -5));
  EXPECT_ERROR(ErrorKind::Input, "positive whole", ledger::share_text(1, std::numeric_limits<std::int64_t>::min()));
}

// ---------------------------------------------------------------------------
// report_range

TEST(ReportRange, BothOpenIsNoRange) { EXPECT_FALSE(ledger::report_range(std::nullopt, std::nullopt)); }

TEST(ReportRange, AnOpenEndReachesTheFirstOrLastDay) {
  auto from_only = ledger::report_range(date("2017-01-01"), std::nullopt);
  ASSERT_TRUE(from_only);
  EXPECT_EQ(*from_only, Period(date("2017-01-01"), date("9999-12-31")));
  auto to_only = ledger::report_range(std::nullopt, date("2017-10-26"));
  ASSERT_TRUE(to_only);
  EXPECT_EQ(*to_only, Period(date("1400-01-01"), date("2017-10-26")));
}

TEST(ReportRange, OneDayAndToBeforeFrom) {
  auto one_day = ledger::report_range(date("2017-10-26"), date("2017-10-26"));
  ASSERT_TRUE(one_day);
  EXPECT_EQ(one_day->days(), 1);
  EXPECT_ERROR(ErrorKind::Input, "to \"2016-12-31\": is before --from 2017-01-01",
               ledger::report_range(date("2017-01-01"), date("2016-12-31")));
  // The day before is refused too: the check is strict, not off by one.
  EXPECT_ERROR(ErrorKind::Input, "to \"2017-10-25\"", ledger::report_range(date("2017-10-26"), date("2017-10-25")));
}

// ---------------------------------------------------------------------------
// roll_up

auto by_platform = [](const SpendEntry& e) { return e.platform_id; };

TEST(Rollup, GroupsNeverMergeCurrencyOrPrecision) {
  std::vector<SpendEntry> entries{
      entry(1, "twitter", "2016", usd(10000)),
      entry(2, "twitter", "2016-Q1", usd(500), Precision::Approximate),
      entry(3, "twitter", "2016-01", money(300, "EUR")),
      entry(4, "facebook", "2016-06", usd(700)),
      entry(5, "twitter", "2017-01", usd(200)),
  };
  entries[0].items = 10;
  entries[2].items = 3;
  entries[3].items = 7;
  entries[4].items = 2;
  ledger::SpendRollup r = ledger::roll_up(entries, by_platform, Granularity::Year, std::nullopt);

  // By group, currency, precision; exact sorts before approximate.
  // twitter USD exact: #1 10,000 + #5 200 = 10,200, items 10 + 2 = 12.
  // twitter USD approximate: #2 500 alone, even though it is the same platform and currency.
  ASSERT_EQ(r.by_group.size(), 4u);
  EXPECT_TRUE(figure_is(r.by_group[0], {"facebook", "USD", Precision::Exact, 700, 7, true, false, {4}}));
  EXPECT_TRUE(figure_is(r.by_group[1], {"twitter", "EUR", Precision::Exact, 300, 3, true, false, {3}}));
  EXPECT_TRUE(figure_is(r.by_group[2], {"twitter", "USD", Precision::Exact, 10200, 12, true, false, {1, 5}}));
  EXPECT_TRUE(figure_is(r.by_group[3], {"twitter", "USD", Precision::Approximate, 500, 0, false, false, {2}}));
  for (const SpendFigure& f : r.by_group) EXPECT_FALSE(f.bucket);

  // By year: 2016 holds #1..#4 whole, 2017 holds #5. No entry is split, so
  // no period row is pro rata.
  ASSERT_EQ(r.by_period.size(), 5u);
  EXPECT_EQ(r.by_period[0].bucket, std::optional<Period>(period("2016")));
  EXPECT_TRUE(figure_is(r.by_period[0], {"facebook", "USD", Precision::Exact, 700, 7, true, false, {4}}));
  EXPECT_TRUE(figure_is(r.by_period[1], {"twitter", "EUR", Precision::Exact, 300, 3, true, false, {3}}));
  EXPECT_TRUE(figure_is(r.by_period[2], {"twitter", "USD", Precision::Exact, 10000, 10, true, false, {1}}));
  EXPECT_TRUE(figure_is(r.by_period[3], {"twitter", "USD", Precision::Approximate, 500, 0, false, false, {2}}));
  EXPECT_EQ(r.by_period[4].bucket, std::optional<Period>(period("2017")));
  EXPECT_TRUE(figure_is(r.by_period[4], {"twitter", "USD", Precision::Exact, 200, 2, true, false, {5}}));
}

TEST(Rollup, ByPrecisionHasNoGroupAndKeepsCurrenciesApart) {
  std::vector<SpendEntry> entries{
      entry(1, "twitter", "2016", usd(10000)),
      entry(2, "twitter", "2016-Q1", usd(500), Precision::Approximate),
      entry(3, "twitter", "2016-01", money(300, "EUR")),
      entry(4, "facebook", "2016-06", usd(700)),
      entry(5, "twitter", "2017-01", usd(200), Precision::Estimated),
  };
  ledger::SpendRollup r = ledger::roll_up(entries, by_platform, Granularity::Year, std::nullopt);
  // EUR exact 300; USD exact #1 10,000 + #4 700 = 10,700; USD approximate 500; USD estimated 200.
  ASSERT_EQ(r.by_precision.size(), 4u);
  EXPECT_TRUE(figure_is(r.by_precision[0], {"", "EUR", Precision::Exact, 300, 0, false, false, {3}}));
  EXPECT_TRUE(figure_is(r.by_precision[1], {"", "USD", Precision::Exact, 10700, 0, false, false, {1, 4}}));
  EXPECT_TRUE(figure_is(r.by_precision[2], {"", "USD", Precision::Approximate, 500, 0, false, false, {2}}));
  EXPECT_TRUE(figure_is(r.by_precision[3], {"", "USD", Precision::Estimated, 200, 0, false, false, {5}}));
}

TEST(Rollup, ByTagCountsAnEntryUnderEachTagAndUntaggedApart) {
  std::vector<SpendEntry> entries{
      entry(1, "twitter", "2016", usd(1000)),
      entry(2, "twitter", "2016", usd(300)),
      entry(3, "twitter", "2016", usd(50)),
  };
  entries[0].tags = {"election", "news"};
  entries[2].tags = {"news"};
  ledger::SpendRollup r = ledger::roll_up(entries, by_platform, Granularity::Year, std::nullopt);
  // "(untagged)" sorts before the letters ('(' is 0x28).
  // election: #1 1,000; news: #1 1,000 + #3 50 = 1,050; (untagged): #2 300.
  // The tag rows add up to 2,350, more than the 1,350 recorded: #1 counts twice.
  ASSERT_EQ(r.by_tag.size(), 3u);
  EXPECT_TRUE(figure_is(r.by_tag[0], {ledger::kUntagged, "USD", Precision::Exact, 300, 0, false, false, {2}}));
  EXPECT_TRUE(figure_is(r.by_tag[1], {"election", "USD", Precision::Exact, 1000, 0, false, false, {1}}));
  EXPECT_TRUE(figure_is(r.by_tag[2], {"news", "USD", Precision::Exact, 1050, 0, false, false, {1, 3}}));
  EXPECT_EQ(std::string(ledger::kUntagged), "(untagged)");
  ASSERT_EQ(r.by_group.size(), 1u);
  EXPECT_EQ(r.by_group[0].amount_minor, 1350);  // 1,000 + 300 + 50: the group counts #1 once
}

TEST(Rollup, ByMarket) {
  std::vector<SpendEntry> entries{
      entry(1, "twitter", "2016", usd(1000)),
      entry(2, "facebook", "2016", usd(300)),
      entry(3, "twitter", "2016", usd(50)),
      entry(4, "twitter", "2016", money(70, "EUR")),
  };
  entries[1].market = "worldwide";
  // US EUR: #4 70; US USD: #1 1,000 + #3 50 = 1,050; worldwide USD: #2 300 (on
  // facebook: the market rows ignore the grouping key).
  ledger::SpendRollup r = ledger::roll_up(entries, by_platform, Granularity::Year, std::nullopt);
  ASSERT_EQ(r.by_market.size(), 3u);
  EXPECT_TRUE(figure_is(r.by_market[0], {"US", "EUR", Precision::Exact, 70, 0, false, false, {4}}));
  EXPECT_TRUE(figure_is(r.by_market[1], {"US", "USD", Precision::Exact, 1050, 0, false, false, {1, 3}}));
  EXPECT_TRUE(figure_is(r.by_market[2], {"worldwide", "USD", Precision::Exact, 300, 0, false, false, {2}}));
}

TEST(Rollup, PeriodRowsSumToGroupTotalsWhenTheRangeCutsEntries) {
  std::vector<SpendEntry> entries{
      entry(1, "twitter", "2016", usd(27410000)),
      entry(2, "twitter", "2016-03-15..2016-04-10", usd(999)),
      entry(3, "facebook", "2016-02-15", usd(100)),
      entry(4, "twitter", "2016-05", usd(5555)),                  // after the range
      entry(5, "twitter", "2016-01-15..2016-02-09", usd(7777)),  // ends the day before it
  };
  entries[0].items = 1000;
  entries[2].items = 1;
  entries[3].items = 1;
  entries[4].items = 1;
  Period range = period("2016-02-10..2016-03-31");
  ledger::SpendRollup r = ledger::roll_up(entries, by_platform, Granularity::Month, range);

  // #1, 2016 (366 days), 27,410,000: before the range 2016-01-01..02-09 is
  // 40 days, inside 02-10..03-31 is 20 + 31 = 51 days, after is 275 days.
  //   before 27,410,000 x 40 / 366 = 2,995,628 r 152
  //   inside 27,410,000 x 51 / 366 = 3,819,426 r 84
  //   after  27,410,000 x 275 / 366 = 20,594,945 r 130
  //   floors sum to 27,409,999; the 1 left goes to the largest remainder (before),
  //   so inside = 3,819,426.
  // Inside over months: February 20 days, March 31 days.
  //   Feb 3,819,426 x 20 / 51 = 1,497,814 r 6; Mar 3,819,426 x 31 / 51 = 2,321,611 r 45;
  //   1 left -> March: Feb 1,497,814, Mar 2,321,612 (sum 3,819,426).
  // Items 1000: before 109 r 106, inside 139 r 126, after 751 r 134 -> after +1; inside 139.
  //   Feb 139 x 20 / 51 = 54 r 26, Mar 139 x 31 / 51 = 84 r 25 -> Feb +1: 55 and 84.
  // #2, 2016-03-15..04-10 (27 days), 999 = 37 a day: 17 days inside -> 629, all in March; no item count.
  // #3, one day inside: 100, 1 item, not pro rata.
  // #4 and #5 do not overlap the range and are left out.
  ASSERT_EQ(r.by_group.size(), 2u);
  EXPECT_TRUE(figure_is(r.by_group[0], {"facebook", "USD", Precision::Exact, 100, 1, true, false, {3}}));
  // twitter: 3,819,426 + 629 = 3,820,055; items 139 + 0 (unknown) -> incomplete.
  EXPECT_TRUE(figure_is(r.by_group[1], {"twitter", "USD", Precision::Exact, 3820055, 139, false, true, {1, 2}}));

  ASSERT_EQ(r.by_period.size(), 3u);
  EXPECT_EQ(r.by_period[0].bucket, std::optional<Period>(period("2016-02")));
  EXPECT_TRUE(figure_is(r.by_period[0], {"facebook", "USD", Precision::Exact, 100, 1, true, false, {3}}));
  EXPECT_EQ(r.by_period[1].bucket, std::optional<Period>(period("2016-02")));
  EXPECT_TRUE(figure_is(r.by_period[1], {"twitter", "USD", Precision::Exact, 1497814, 55, true, true, {1}}));
  EXPECT_EQ(r.by_period[2].bucket, std::optional<Period>(period("2016-03")));
  // March: 2,321,612 + 629 = 2,322,241; items 84.
  EXPECT_TRUE(figure_is(r.by_period[2], {"twitter", "USD", Precision::Exact, 2322241, 84, false, true, {1, 2}}));

  // Each group's period rows add up to its total to the minor unit:
  // 1,497,814 + 2,322,241 = 3,820,055.
  std::map<std::string, std::int64_t> period_sums, period_items;
  for (const SpendFigure& f : r.by_period) {
    period_sums[f.group] += f.amount_minor;
    period_items[f.group] += f.items;
  }
  for (const SpendFigure& f : r.by_group) {
    EXPECT_EQ(period_sums[f.group], f.amount_minor) << f.group;
    EXPECT_EQ(period_items[f.group], f.items) << f.group;
  }
  // And the tag, market and precision totals are the same figures.
  ASSERT_EQ(r.by_precision.size(), 1u);
  EXPECT_EQ(r.by_precision[0].amount_minor, 3820055 + 100);
  EXPECT_TRUE(r.by_precision[0].pro_rata);
  ASSERT_EQ(r.by_tag.size(), 1u);
  EXPECT_EQ(r.by_tag[0].amount_minor, 3820155);
  EXPECT_EQ(r.by_tag[0].entry_ids, (Ids{1, 2, 3}));
}

TEST(Rollup, ProRataMarksSplitsNotWholeEntries) {
  // 2016-03-01..04-30 is 61 days: 6,100 is 100 a day, March 3,100, April 3,000.
  std::vector<SpendEntry> entries{entry(1, "twitter", "2016-03-01..2016-04-30", usd(6100))};
  ledger::SpendRollup r = ledger::roll_up(entries, by_platform, Granularity::Quarter, std::nullopt);
  // Without a range the total holds the whole entry; the period rows hold parts of it.
  ASSERT_EQ(r.by_group.size(), 1u);
  EXPECT_FALSE(r.by_group[0].pro_rata);
  EXPECT_EQ(r.by_group[0].amount_minor, 6100);
  ASSERT_EQ(r.by_period.size(), 2u);
  EXPECT_EQ(r.by_period[0].bucket, std::optional<Period>(period("2016-Q1")));
  EXPECT_EQ(r.by_period[0].amount_minor, 3100);
  EXPECT_TRUE(r.by_period[0].pro_rata);
  EXPECT_EQ(r.by_period[1].bucket, std::optional<Period>(period("2016-Q2")));
  EXPECT_EQ(r.by_period[1].amount_minor, 3000);
  EXPECT_TRUE(r.by_period[1].pro_rata);

  // A range exactly the entry's days cuts nothing.
  ledger::SpendRollup same = ledger::roll_up(entries, by_platform, Granularity::Year, period("2016-03-01..2016-04-30"));
  ASSERT_EQ(same.by_group.size(), 1u);
  EXPECT_FALSE(same.by_group[0].pro_rata);
  EXPECT_EQ(same.by_group[0].amount_minor, 6100);
  ASSERT_EQ(same.by_period.size(), 1u);
  EXPECT_FALSE(same.by_period[0].pro_rata);

  // A range one day short at each end cuts it: 59 days inside, 5,900.
  ledger::SpendRollup cut = ledger::roll_up(entries, by_platform, Granularity::Year, period("2016-03-02..2016-04-29"));
  ASSERT_EQ(cut.by_group.size(), 1u);
  EXPECT_TRUE(cut.by_group[0].pro_rata);
  EXPECT_EQ(cut.by_group[0].amount_minor, 5900);
  ASSERT_EQ(cut.by_market.size(), 1u);
  EXPECT_TRUE(cut.by_market[0].pro_rata);
  ASSERT_EQ(cut.by_tag.size(), 1u);
  EXPECT_TRUE(cut.by_tag[0].pro_rata);
}

TEST(Rollup, ItemsIncompleteWhenAnEntryHasNoCount) {
  std::vector<SpendEntry> entries{entry(1, "twitter", "2016", usd(100)), entry(2, "twitter", "2017", usd(100))};
  entries[0].items = 1823;
  ledger::SpendRollup r = ledger::roll_up(entries, by_platform, Granularity::Year, std::nullopt);
  ASSERT_EQ(r.by_group.size(), 1u);
  EXPECT_EQ(r.by_group[0].items, 1823);  // a lower bound
  EXPECT_FALSE(r.by_group[0].items_complete);
  ASSERT_EQ(r.by_period.size(), 2u);
  EXPECT_TRUE(r.by_period[0].items_complete);  // 2016: #1 has a count
  EXPECT_EQ(r.by_period[0].items, 1823);
  EXPECT_FALSE(r.by_period[1].items_complete);  // 2017: #2 has none
  EXPECT_EQ(r.by_period[1].items, 0);

  entries[1].items = 0;  // a known zero is complete
  ledger::SpendRollup known = ledger::roll_up(entries, by_platform, Granularity::Year, std::nullopt);
  ASSERT_EQ(known.by_group.size(), 1u);
  EXPECT_TRUE(known.by_group[0].items_complete);
}

TEST(Rollup, NothingInRangeGivesNoRows) {
  std::vector<SpendEntry> entries{entry(1, "twitter", "2016", usd(100))};
  ledger::SpendRollup r = ledger::roll_up(entries, by_platform, Granularity::Year, period("2017"));
  EXPECT_TRUE(r.by_group.empty());
  EXPECT_TRUE(r.by_period.empty());
  EXPECT_TRUE(r.by_tag.empty());
  EXPECT_TRUE(r.by_market.empty());
  EXPECT_TRUE(r.by_precision.empty());
}

// ---------------------------------------------------------------------------
// compare_itemised

// One advertiser on one platform; the compared range is 2017-01-01..02-14.
std::vector<SpendEntry> compared_entries() {
  return {
      entry(4, "twitter", "2016-12-01..2017-01-10", usd(4100)),  // 41 days, 100 a day; straddles the start
      entry(1, "twitter", "2017-01", usd(3100)),                  // inside
      entry(3, "twitter", "2017-01", money(500, "EUR")),          // another currency
      entry(2, "twitter", "2017-02", usd(28000), Precision::Approximate),  // 28 days, 1,000 a day; straddles the end
      entry(5, "twitter", "2017-03", usd(9999)),                  // after the range
      entry(6, "twitter", "2017-04", money(600, "EUR")),          // after the range, other currency
  };
}

TEST(DisclosureCompare, OtherCurrencyEntriesAreListedNotCompared) {
  ledger::Comparison c = ledger::compare_itemised(compared_entries(), period("2017-01-01..2017-02-14"),
                                                  ledger::Currency::from_code("USD"));
  EXPECT_EQ(c.other_currency, (Ids{3}));  // #6 is EUR too but outside the range
  // In EUR the roles swap: the USD entries in the range are listed.
  ledger::Comparison eur = ledger::compare_itemised(compared_entries(), period("2017-01-01..2017-02-14"),
                                                    ledger::Currency::from_code("EUR"));
  EXPECT_EQ(eur.other_currency, (Ids{4, 1, 2}));
  ASSERT_EQ(eur.itemised.size(), 1u);
  EXPECT_EQ(eur.itemised[0].amount_minor, 500);
  EXPECT_EQ(eur.itemised[0].entry_ids, (Ids{3}));
}

TEST(DisclosureCompare, ExactAndApproximateApartStraddlersProRata) {
  ledger::Comparison c = ledger::compare_itemised(compared_entries(), period("2017-01-01..2017-02-14"),
                                                  ledger::Currency::from_code("USD"));
  ASSERT_EQ(c.itemised.size(), 2u);
  // Exact: #4 has 31 days before the range and 10 inside: 4,100 x 10 / 41 = 1,000;
  // #1 is wholly inside: 3,100. 1,000 + 3,100 = 4,100, pro rata because of #4.
  EXPECT_EQ(c.itemised[0].precision, Precision::Exact);
  EXPECT_EQ(c.itemised[0].amount_minor, 4100);
  EXPECT_TRUE(c.itemised[0].pro_rata);
  EXPECT_EQ(c.itemised[0].entry_ids, (Ids{4, 1}));
  // Approximate: #2 has 14 days inside of 28: 28,000 x 14 / 28 = 14,000.
  EXPECT_EQ(c.itemised[1].precision, Precision::Approximate);
  EXPECT_EQ(c.itemised[1].amount_minor, 14000);
  EXPECT_TRUE(c.itemised[1].pro_rata);
  EXPECT_EQ(c.itemised[1].entry_ids, (Ids{2}));
}

TEST(DisclosureCompare, EntriesWhollyInsideAreNotProRata) {
  ledger::Comparison c =
      ledger::compare_itemised(compared_entries(), period("2017-01"), ledger::Currency::from_code("USD"));
  // 2017-01: #4's 10 January days (1,000) and #1 (3,100). #2 starts in February.
  ASSERT_EQ(c.itemised.size(), 1u);
  EXPECT_EQ(c.itemised[0].amount_minor, 4100);
  EXPECT_TRUE(c.itemised[0].pro_rata);

  ledger::Comparison inside =
      ledger::compare_itemised(compared_entries(), period("2017-01-11..2017-01-31"), ledger::Currency::from_code("USD"));
  // Only 21 of #1's 31 days: 3,100 x 21 / 31 = 2,100. #4 ends on 01-10.
  ASSERT_EQ(inside.itemised.size(), 1u);
  EXPECT_EQ(inside.itemised[0].amount_minor, 2100);
  EXPECT_TRUE(inside.itemised[0].pro_rata);
  EXPECT_EQ(inside.itemised[0].entry_ids, (Ids{1}));

  ledger::Comparison whole = ledger::compare_itemised(compared_entries(), period("2016-12-01..2017-01-31"),
                                                      ledger::Currency::from_code("USD"));
  ASSERT_EQ(whole.itemised.size(), 1u);
  EXPECT_EQ(whole.itemised[0].amount_minor, 4100 + 3100);
  EXPECT_FALSE(whole.itemised[0].pro_rata);
}

TEST(DisclosureCompare, NothingInTheRange) {
  ledger::Comparison c = ledger::compare_itemised(compared_entries(), period("2015"), ledger::Currency::from_code("USD"));
  EXPECT_TRUE(c.itemised.empty());
  EXPECT_TRUE(c.other_currency.empty());
}

// ---------------------------------------------------------------------------
// Ledgers on disk

// twitter and facebook; rt and sputnik.
struct LedgerFixture : ::testing::Test {
  TempLedger t;
  ledger::Ledger& ledger = t.ledger;

  void SetUp() override {
    t.write([&] {
      ledger.add_platform({"twitter", "Twitter"});
      ledger.add_platform({"facebook", "Facebook"});
      ledger.add_advertiser({"rt", "RT", std::string("RU"), true});
      ledger.add_advertiser({"sputnik", "Sputnik", std::string("RU"), true});
    });
  }

  template <typename F>
  auto in_write(F&& f) -> decltype(f()) {
    ledger::WriteTransaction txn(*t.store);
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      txn.commit();
    } else {
      auto result = f();
      txn.commit();
      return result;
    }
  }
};

// ---------------------------------------------------------------------------
// Ledger::record_disclosed_total

struct DisclosedTotalTest : LedgerFixture {};

TEST_F(DisclosedTotalTest, UnknownPlatformOrAdvertiserIsARuleError) {
  DisclosedTotal d = disclosed("", "myspace", "rt", "2011-01-01..2017-10-26", usd(190000000), "2017-10-26");
  EXPECT_ERROR(ErrorKind::Rule, "platform \"myspace\": no such platform",
               in_write([&] { return ledger.record_disclosed_total(d); }));
  d = disclosed("", "twitter", "nobody", "2011-01-01..2017-10-26", usd(190000000), "2017-10-26");
  EXPECT_ERROR(ErrorKind::Rule, "advertiser \"nobody\": no such advertiser",
               in_write([&] { return ledger.record_disclosed_total(d); }));
  EXPECT_TRUE(t.store->disclosed_totals(std::nullopt, std::nullopt).empty());
}

TEST_F(DisclosedTotalTest, AmountMustBePositive) {
  DisclosedTotal d = disclosed("", "twitter", "rt", "2017", usd(0), "2018-01-01");
  EXPECT_ERROR(ErrorKind::Input, "amount \"0.00\": must be greater than zero",
               in_write([&] { return ledger.record_disclosed_total(d); }));
  d.amount = usd(-1);
  EXPECT_ERROR(ErrorKind::Input, "must be greater than zero", in_write([&] { return ledger.record_disclosed_total(d); }));
  d.amount = usd(1);  // the smallest amount is fine
  EXPECT_NO_THROW(in_write([&] { return ledger.record_disclosed_total(d); }));
  EXPECT_EQ(t.store->disclosed_totals(std::nullopt, std::nullopt).size(), 1u);
}

TEST_F(DisclosedTotalTest, DateBeforeTheRangeIsAnInputError) {
  DisclosedTotal d = disclosed("", "twitter", "rt", "2011-01-01..2017-10-26", usd(190000000), "2010-12-31");
  EXPECT_ERROR(ErrorKind::Input, "date \"2010-12-31\": precedes the range it discloses (2011-01-01..2017-10-26)",
               in_write([&] { return ledger.record_disclosed_total(d); }));
  EXPECT_TRUE(t.store->disclosed_totals(std::nullopt, std::nullopt).empty());
  // Published on the range's first day: allowed.
  d.date = date("2011-01-01");
  EXPECT_NO_THROW(in_write([&] { return ledger.record_disclosed_total(d); }));
}

TEST_F(DisclosedTotalTest, DuplicateIdIsARuleError) {
  DisclosedTotal d = disclosed("tw-rt", "twitter", "rt", "2016", usd(100), "2017-01-01");
  in_write([&] { return ledger.record_disclosed_total(d); });
  DisclosedTotal again = disclosed("tw-rt", "facebook", "sputnik", "2015", usd(200), "2016-01-01");
  EXPECT_ERROR(ErrorKind::Rule,
               "disclosed total \"tw-rt\": already recorded with a different advertiser, date, period, amount, platform",
               in_write([&] { return ledger.record_disclosed_total(again); }));
  // The same one again is a no-op.
  EXPECT_NO_THROW(in_write([&] { return ledger.record_disclosed_total(d); }));
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  again.id = "Not A Slug";
  EXPECT_ERROR(ErrorKind::Input, "id \"Not A Slug\"", in_write([&] { return ledger.record_disclosed_total(again); }));
  EXPECT_EQ(t.store->disclosed_totals(std::nullopt, std::nullopt).size(), 1u);
}

TEST_F(DisclosedTotalTest, GeneratedIdsAreSuffixedAndStoredAsGiven) {
  DisclosedTotal d = disclosed("", "twitter", "rt", "2011-01-01..2017-10-26", usd(190000000), "2017-10-26");
  d.precision = Precision::Approximate;
  d.note = std::string("1.9 million USD since 2011");
  DisclosedTotal first = in_write([&] { return ledger.record_disclosed_total(d); });
  // The same total again, without an id, is the one already recorded.
  DisclosedTotal same = in_write([&] { return ledger.record_disclosed_total(d); });
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  EXPECT_EQ(same.id, first.id);
  // Another total published the same day gets the next free suffix.
  DisclosedTotal other = d;
  other.amount = usd(100);
  DisclosedTotal second = in_write([&] { return ledger.record_disclosed_total(other); });
  other.amount = usd(200);
  DisclosedTotal third = in_write([&] { return ledger.record_disclosed_total(other); });
  EXPECT_EQ(first.id, "twitter-rt-disclosed-2017-10-26");
  EXPECT_EQ(second.id, "twitter-rt-disclosed-2017-10-26-2");
  EXPECT_EQ(third.id, "twitter-rt-disclosed-2017-10-26-3");

  auto stored = t.store->find_disclosed_total("twitter-rt-disclosed-2017-10-26");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->platform_id, "twitter");
  EXPECT_EQ(stored->advertiser_id, "rt");
  EXPECT_EQ(stored->amount, usd(190000000));
  EXPECT_EQ(stored->period, period("2011-01-01..2017-10-26"));
  EXPECT_EQ(stored->date, date("2017-10-26"));
  EXPECT_EQ(stored->precision, Precision::Approximate);
  EXPECT_EQ(stored->source, "https://example.org/disclosed");
  EXPECT_EQ(stored->note, std::optional<std::string>("1.9 million USD since 2011"));
}

TEST_F(DisclosedTotalTest, LongSlugsStillGiveValidIds) {
  std::string platform(64, 'p'), advertiser(64, 'a');
  in_write([&] {
    ledger.add_platform({platform, "Long"});
    ledger.add_advertiser({advertiser, "Long", std::nullopt, false});
  });
  DisclosedTotal d = disclosed("", "twitter", "rt", "2016", usd(100), "2017-01-01");
  d.platform_id = platform;
  d.advertiser_id = advertiser;
  DisclosedTotal first = in_write([&] { return ledger.record_disclosed_total(d); });
  d.amount = usd(200);
  DisclosedTotal second = in_write([&] { return ledger.record_disclosed_total(d); });
  EXPECT_NO_THROW(ledger::check_slug(first.id, "id"));
  EXPECT_NO_THROW(ledger::check_slug(second.id, "id"));
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(second.id, first.id + "-2");
}

TEST_F(DisclosedTotalTest, PostsNothingToTheJournal) {
  in_write([&] { ledger.record_spend(spend("rt", "twitter", "2016", usd(27410000))); });
  std::vector<ledger::BalanceRow> before = t.store->trial_balance();
  std::size_t journal_before = t.store->journal().size();
  ASSERT_EQ(journal_before, 1u);
  in_write([&] {
    return ledger.record_disclosed_total(
        disclosed("", "twitter", "rt", "2011-01-01..2017-10-26", usd(190000000), "2017-10-26"));
  });
  std::vector<ledger::BalanceRow> after = t.store->trial_balance();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].account, before[i].account);
    EXPECT_EQ(after[i].currency, before[i].currency);
    EXPECT_EQ(after[i].balance_minor, before[i].balance_minor);
  }
  EXPECT_EQ(t.store->journal().size(), journal_before);
  EXPECT_EQ(t.store->account_balance("income:ads:twitter:rt", "USD"), -27410000);
}

// ---------------------------------------------------------------------------
// check_disclosures

struct DisclosureCheckTest : LedgerFixture {
  void SetUp() override {
    LedgerFixture::SetUp();
    in_write([&] {
      ledger.record_spend(spend("rt", "twitter", "2017-01", usd(3100)));                   // #1
      SpendEntry approx = spend("rt", "twitter", "2017-02", usd(28000));                   // #2
      approx.precision = Precision::Approximate;
      ledger.record_spend(approx);
      ledger.record_spend(spend("rt", "twitter", "2017-01", money(500, "EUR")));            // #3
      ledger.record_spend(spend("rt", "twitter", "2016-12-01..2017-01-10", usd(4100)));    // #4
      ledger.record_spend(spend("sputnik", "twitter", "2017-01", usd(777)));               // #5
      ledger.record_spend(spend("rt", "facebook", "2017-01", usd(888)));                   // #6
      ledger.record_disclosed_total(
          disclosed("d1", "twitter", "rt", "2017-01-01..2017-02-14", usd(100000), "2017-03-01"));
      ledger.record_disclosed_total(disclosed("d2", "twitter", "rt", "2015", usd(5000), "2016-01-05"));
      ledger.record_disclosed_total(disclosed("d3", "facebook", "rt", "2017-01", usd(1000), "2017-02-01"));
    });
  }
};

TEST_F(DisclosureCheckTest, ComparesEachOverItsWholeRange) {
  auto checks = ledger::check_disclosures(*t.store, std::string("rt"), std::nullopt, period("2017"));
  // d2 (2015) does not overlap 2017; by platform: facebook before twitter.
  ASSERT_EQ(disclosure_ids(checks), (Names{"d3", "d1"}));

  // d3: rt on facebook in 2017-01: #6, 888, wholly inside. sputnik's #5 and
  // rt's twitter entries are not its advertiser/platform.
  const ledger::Comparison& d3 = checks[0].comparison;
  ASSERT_EQ(d3.itemised.size(), 1u);
  EXPECT_EQ(d3.itemised[0].amount_minor, 888);
  EXPECT_FALSE(d3.itemised[0].pro_rata);
  EXPECT_EQ(d3.itemised[0].entry_ids, (Ids{6}));
  EXPECT_TRUE(d3.other_currency.empty());

  // d1: 2017-01-01..02-14, rt on twitter.
  //   exact: #4 10 of 41 days, 4,100 x 10 / 41 = 1,000, plus #1 3,100 = 4,100, pro rata;
  //   approximate: #2 14 of 28 days, 28,000 x 14 / 28 = 14,000, pro rata;
  //   #3 is EUR: listed, not compared.
  const ledger::Comparison& d1 = checks[1].comparison;
  EXPECT_EQ(checks[1].disclosed.amount, usd(100000));
  ASSERT_EQ(d1.itemised.size(), 2u);
  EXPECT_EQ(d1.itemised[0].precision, Precision::Exact);
  EXPECT_EQ(d1.itemised[0].amount_minor, 4100);
  EXPECT_TRUE(d1.itemised[0].pro_rata);
  EXPECT_EQ(std::set<std::int64_t>(d1.itemised[0].entry_ids.begin(), d1.itemised[0].entry_ids.end()),
            (std::set<std::int64_t>{1, 4}));
  EXPECT_EQ(d1.itemised[1].precision, Precision::Approximate);
  EXPECT_EQ(d1.itemised[1].amount_minor, 14000);
  EXPECT_TRUE(d1.itemised[1].pro_rata);
  EXPECT_EQ(d1.other_currency, (Ids{3}));
  // 4,100 of 100,000 = 4.1%: (4,100,000 + 50,000) / 100,000 = 41 tenths.
  EXPECT_EQ(ledger::share_text(d1.itemised[0].amount_minor, checks[1].disclosed.amount.minor()), "4.1%");
}

TEST_F(DisclosureCheckTest, ARangeThatOnlyTouchesTheReportCountsInFullNotCut) {
  // The report asks for 2017-02-14..2017-02-20: d1 overlaps it by one day,
  // and is still compared over its whole range.
  auto checks = ledger::check_disclosures(*t.store, std::string("rt"), std::string("twitter"),
                                          period("2017-02-14..2017-02-20"));
  ASSERT_EQ(disclosure_ids(checks), (Names{"d1"}));
  ASSERT_EQ(checks[0].comparison.itemised.size(), 2u);
  EXPECT_EQ(checks[0].comparison.itemised[0].amount_minor, 4100);
  // A day later it is left out.
  EXPECT_TRUE(ledger::check_disclosures(*t.store, std::string("rt"), std::string("twitter"),
                                        period("2017-02-15..2017-02-20"))
                  .empty());
}

TEST_F(DisclosureCheckTest, FiltersAndOpenRange) {
  // All of rt's on twitter, no range: by period start, 2015 first. d2 has nothing itemised.
  auto all = ledger::check_disclosures(*t.store, std::string("rt"), std::string("twitter"), std::nullopt);
  ASSERT_EQ(disclosure_ids(all), (Names{"d2", "d1"}));
  EXPECT_TRUE(all[0].comparison.itemised.empty());
  EXPECT_TRUE(all[0].comparison.other_currency.empty());
  EXPECT_EQ(disclosure_ids(ledger::check_disclosures(*t.store, std::nullopt, std::string("facebook"), std::nullopt)),
            (Names{"d3"}));
  EXPECT_TRUE(ledger::check_disclosures(*t.store, std::string("sputnik"), std::nullopt, std::nullopt).empty());
  // The range's edges: 2015-12-31 is d2's last day, 2016-01-01 the day after.
  EXPECT_EQ(disclosure_ids(ledger::check_disclosures(*t.store, std::string("rt"), std::nullopt,
                                                     period("2015-12-31..2016-06-30"))),
            (Names{"d2"}));
  EXPECT_TRUE(
      ledger::check_disclosures(*t.store, std::string("rt"), std::nullopt, period("2016-01-01..2016-06-30")).empty());
}

// ---------------------------------------------------------------------------
// build_platform_report

struct PlatformReportTest : LedgerFixture {
  void SetUp() override {
    LedgerFixture::SetUp();
    in_write([&] {
      ledger.record_spend(spend("rt", "twitter", "2017-01", usd(3100), "https://example.org/archive"));        // #1
      ledger.record_spend(spend("sputnik", "twitter", "2017-02", usd(2800), "https://example.org/archive"));   // #2
      ledger.record_spend(
          spend("rt", "twitter", "2016-12-01..2017-01-10", usd(4100), "https://example.org/invoice-3"));      // #3
      ledger.record_spend(spend("rt", "facebook", "2017-01", usd(999)));                                      // #4
      ledger.record_spend(spend("sputnik", "twitter", "2018-01", usd(500)));                                  // #5

      ledger.record_policy_action(action(PolicyKind::AdBan, "twitter", {"rt"}, "2017-10-26", "https://example.org/ban"));
      ledger.record_policy_action(action(PolicyKind::Disclosure, "twitter", {}, "2018-01-19"));
      ledger.record_policy_action(action(PolicyKind::TargetingChange, "facebook", {}, "2017-05-01"));

      ledger::Pledge p = ledger.record_pledge(
          pledge("twitter", usd(190000000), "2017-10-26", std::string("rt"), "2011-01-01..2017-10-26"));
      ledger.record_pledge(pledge("facebook", usd(1000), "2017-06-01", std::nullopt, std::nullopt));
      ledger.record_pledge(pledge("twitter", usd(500), "2018-03-01", std::nullopt, std::nullopt));
      ledger.disburse(disbursement(p.id, usd(50000000), "2018-01-15"));

      ledger.record_disclosed_total(disclosed("tw-rt-2017-01", "twitter", "rt", "2017-01", usd(10000), "2017-02-01",
                                              "https://example.org/transparency"));
      ledger.record_disclosed_total(disclosed("tw-rt-2015", "twitter", "rt", "2015", usd(5000), "2016-01-05"));
      ledger.record_disclosed_total(disclosed("fb-rt-2017", "facebook", "rt", "2017", usd(2000), "2018-01-01"));
    });
  }

  ledger::PlatformReport report(std::optional<const char*> from, std::optional<const char*> to,
                                std::optional<Granularity> by = std::nullopt) {
    ledger::PlatformReportOptions o;
    if (from) o.from = date(*from);
    if (to) o.to = date(*to);
    o.by = by;
    o.today = date("2020-01-01");
    return ledger::build_platform_report(ledger, "twitter", o);
  }
};

TEST_F(PlatformReportTest, RevenueByAdvertiserOverTheRange) {
  ledger::PlatformReport r = report("2017-01-01", "2017-12-31");
  EXPECT_EQ(r.platform.id, "twitter");
  EXPECT_EQ(r.platform.name, "Twitter");
  EXPECT_EQ(r.range, std::optional<Period>(period("2017")));
  // Twitter's entries overlapping 2017, by period start: #3 (2016-12-01), #1, #2.
  // #4 is on facebook, #5 in 2018.
  EXPECT_EQ(entry_ids(r.entries), (Ids{3, 1, 2}));
  // rt: #3 has 31 days in 2016 and 10 in 2017: 4,100 x 10 / 41 = 1,000; + #1 3,100 = 4,100, pro rata.
  // sputnik: #2 2,800 whole.
  ASSERT_EQ(r.revenue.by_group.size(), 2u);
  EXPECT_TRUE(figure_is(r.revenue.by_group[0], {"rt", "USD", Precision::Exact, 4100, 0, false, true, {3, 1}}));
  EXPECT_TRUE(figure_is(r.revenue.by_group[1], {"sputnik", "USD", Precision::Exact, 2800, 0, false, false, {2}}));
  // Without --by the period rows are by year, clipped to the range: only 2017.
  ASSERT_EQ(r.revenue.by_period.size(), 2u);
  for (const SpendFigure& f : r.revenue.by_period) EXPECT_EQ(f.bucket, std::optional<Period>(period("2017")));
  EXPECT_EQ(r.revenue.by_period[0].amount_minor, 4100);
  EXPECT_EQ(r.revenue.by_period[1].amount_minor, 2800);
}

TEST_F(PlatformReportTest, ActionsPledgesAndDisclosuresOfThePlatformInTheRange) {
  ledger::PlatformReport r = report("2017-01-01", "2017-12-31");
  // The 2018 disclosure is outside; facebook's targeting change is another platform's.
  EXPECT_EQ(action_ids(r.actions), (Names{"twitter-ad-ban-2017-10-26"}));
  // facebook's pledge is another platform's; twitter's 2018 pledge is outside.
  ASSERT_EQ(r.pledges.size(), 1u);
  EXPECT_EQ(r.pledges[0].pledge.id, "twitter-pledge-2017-10-26");
  // Its disbursement is dated 2018 but belongs to it.
  ASSERT_EQ(r.pledges[0].disbursements.size(), 1u);
  EXPECT_EQ(r.pledges[0].disbursed_minor, 50000000);
  EXPECT_EQ(r.pledges[0].outstanding_minor, 190000000 - 50000000);
  // tw-rt-2015 is outside; fb-rt-2017 another platform's.
  ASSERT_EQ(disclosure_ids(r.disclosures), (Names{"tw-rt-2017-01"}));
  // 2017-01, rt on twitter: #3's 10 January days 1,000 + #1 3,100 = 4,100 of 10,000 = 41.0%.
  ASSERT_EQ(r.disclosures[0].comparison.itemised.size(), 1u);
  EXPECT_EQ(r.disclosures[0].comparison.itemised[0].amount_minor, 4100);
  EXPECT_TRUE(r.disclosures[0].comparison.itemised[0].pro_rata);
  EXPECT_EQ(ledger::share_text(4100, 10000), "41.0%");
}

TEST_F(PlatformReportTest, SourcesCitedInOrderOfFirstCitation) {
  ledger::PlatformReport r = report("2017-01-01", "2017-12-31");
  ASSERT_EQ(r.sources.size(), 6u);
  EXPECT_EQ(r.sources[0].source, "https://example.org/invoice-3");
  EXPECT_EQ(r.sources[0].cited_by, (Names{"spend #3"}));
  EXPECT_EQ(r.sources[1].source, "https://example.org/archive");  // one source, two entries
  EXPECT_EQ(r.sources[1].cited_by, (Names{"spend #1", "spend #2"}));
  EXPECT_EQ(r.sources[2].source, "https://example.org/ban");
  EXPECT_EQ(r.sources[2].cited_by, (Names{"policy twitter-ad-ban-2017-10-26"}));
  EXPECT_EQ(r.sources[3].source, "https://example.org/transparency");
  EXPECT_EQ(r.sources[3].cited_by, (Names{"disclosure tw-rt-2017-01"}));
  EXPECT_EQ(r.sources[4].source, "https://example.org/pledge");
  EXPECT_EQ(r.sources[4].cited_by, (Names{"pledge twitter-pledge-2017-10-26"}));
  EXPECT_EQ(r.sources[5].source, "https://example.org/grant");
  EXPECT_EQ(r.sources[5].cited_by, (Names{"disbursement twitter-pledge-2017-10-26-1"}));
}

TEST_F(PlatformReportTest, RangeEdgesAndOpenRange) {
  // Up to the day before the ban and pledge: neither is in.
  ledger::PlatformReport before = report("2017-01-01", "2017-10-25");
  EXPECT_TRUE(before.actions.empty());
  EXPECT_TRUE(before.pledges.empty());
  // Up to their day: both are.
  ledger::PlatformReport on = report("2017-01-01", "2017-10-26");
  EXPECT_EQ(action_ids(on.actions), (Names{"twitter-ad-ban-2017-10-26"}));
  EXPECT_EQ(on.pledges.size(), 1u);

  EXPECT_EQ(on.status_on, date("2017-10-26"));  // `to`

  ledger::PlatformReport all = report(std::nullopt, std::nullopt);
  EXPECT_FALSE(all.range);
  EXPECT_EQ(all.status_on, date("2020-01-01"));  // today
  EXPECT_EQ(entry_ids(all.entries), (Ids{3, 1, 2, 5}));
  EXPECT_EQ(action_ids(all.actions), (Names{"twitter-ad-ban-2017-10-26", "twitter-disclosure-2018-01-19"}));
  EXPECT_EQ(all.pledges.size(), 2u);
  EXPECT_EQ(disclosure_ids(all.disclosures), (Names{"tw-rt-2015", "tw-rt-2017-01"}));
  // No range: nothing is cut. rt 4,100 + 3,100 = 7,200; sputnik 2,800 + 500 = 3,300.
  ASSERT_EQ(all.revenue.by_group.size(), 2u);
  EXPECT_TRUE(figure_is(all.revenue.by_group[0], {"rt", "USD", Precision::Exact, 7200, 0, false, false, {3, 1}}));
  EXPECT_TRUE(figure_is(all.revenue.by_group[1], {"sputnik", "USD", Precision::Exact, 3300, 0, false, false, {2, 5}}));
}

TEST_F(PlatformReportTest, Errors) {
  ledger::PlatformReportOptions o;
  EXPECT_ERROR(ErrorKind::Rule, "platform \"myspace\": no such platform",
               ledger::build_platform_report(ledger, "myspace", o));
  o.from = date("2018-01-01");
  o.to = date("2017-01-01");
  EXPECT_ERROR(ErrorKind::Input, "to \"2017-01-01\"", ledger::build_platform_report(ledger, "twitter", o));
}

// ---------------------------------------------------------------------------
// build_policy_timeline

struct PolicyTimelineTest : LedgerFixture {
  void SetUp() override {
    LedgerFixture::SetUp();
    in_write([&] {
      ledger.record_policy_action(action(PolicyKind::AdBan, "twitter", {"rt", "sputnik"}, "2017-10-26"));
      PolicyAction suspension = action(PolicyKind::Suspension, "facebook", {"rt"}, "2017-09-06");
      suspension.account_count = 470;
      ledger.record_policy_action(suspension);
      ledger.record_policy_action(action(PolicyKind::Disclosure, "twitter", {}, "2018-01-19"));
      ledger.record_policy_action(action(PolicyKind::TargetingChange, "facebook", {}, "2018-05-01"));
      PolicyAction lift = action(PolicyKind::BanLift, "twitter", {"sputnik"}, "2019-03-01");
      lift.lifts_action_id = "twitter-ad-ban-2017-10-26";
      ledger.record_policy_action(lift);
    });
  }

  Names timeline(ledger::PolicyFilter f) {
    return action_ids(ledger::build_policy_timeline(ledger, f, date("2020-01-01")).actions);
  }
};

TEST_F(PolicyTimelineTest, AllByDate) {
  ledger::PolicyTimeline all = ledger::build_policy_timeline(ledger, {}, date("2020-01-01"));
  EXPECT_EQ(all.today, date("2020-01-01"));
  EXPECT_EQ(action_ids(all.actions),
            (Names{"facebook-suspension-2017-09-06", "twitter-ad-ban-2017-10-26", "twitter-disclosure-2018-01-19",
                   "facebook-targeting-change-2018-05-01", "twitter-ban-lift-2019-03-01"}));
}

TEST_F(PolicyTimelineTest, FiltersByPlatformAdvertiserAndKind) {
  ledger::PolicyFilter f;
  f.platform_id = "twitter";
  EXPECT_EQ(timeline(f), (Names{"twitter-ad-ban-2017-10-26", "twitter-disclosure-2018-01-19",
                                "twitter-ban-lift-2019-03-01"}));
  f = {};
  f.advertiser_id = "rt";  // the lift names sputnik only
  EXPECT_EQ(timeline(f), (Names{"facebook-suspension-2017-09-06", "twitter-ad-ban-2017-10-26"}));
  f.advertiser_id = "sputnik";
  EXPECT_EQ(timeline(f), (Names{"twitter-ad-ban-2017-10-26", "twitter-ban-lift-2019-03-01"}));
  f = {};
  f.kind = PolicyKind::AdBan;
  EXPECT_EQ(timeline(f), (Names{"twitter-ad-ban-2017-10-26"}));
  f.kind = PolicyKind::Suspension;
  f.platform_id = "twitter";
  EXPECT_TRUE(timeline(f).empty());
  f = {};
  f.platform_id = "twitter";
  f.advertiser_id = "sputnik";
  f.kind = PolicyKind::BanLift;
  EXPECT_EQ(timeline(f), (Names{"twitter-ban-lift-2019-03-01"}));
}

TEST_F(PolicyTimelineTest, FromAndToAreInclusive) {
  ledger::PolicyFilter f;
  f.from = date("2017-10-26");
  f.to = date("2018-01-19");
  EXPECT_EQ(timeline(f), (Names{"twitter-ad-ban-2017-10-26", "twitter-disclosure-2018-01-19"}));
  f.from = date("2017-10-27");
  f.to.reset();
  EXPECT_EQ(timeline(f), (Names{"twitter-disclosure-2018-01-19", "facebook-targeting-change-2018-05-01",
                                "twitter-ban-lift-2019-03-01"}));
  f.from.reset();
  f.to = date("2017-10-25");
  EXPECT_EQ(timeline(f), (Names{"facebook-suspension-2017-09-06"}));
}

TEST_F(PolicyTimelineTest, Errors) {
  ledger::PolicyFilter f;
  f.platform_id = "myspace";
  EXPECT_ERROR(ErrorKind::Rule, "platform \"myspace\": no such platform",
               ledger::build_policy_timeline(ledger, f, date("2020-01-01")));
  f = {};
  f.advertiser_id = "nobody";
  EXPECT_ERROR(ErrorKind::Rule, "advertiser \"nobody\": no such advertiser",
               ledger::build_policy_timeline(ledger, f, date("2020-01-01")));
  f = {};
  f.from = date("2018-01-01");
  f.to = date("2017-12-31");
  EXPECT_ERROR(ErrorKind::Input, "to \"2017-12-31\": is before --from 2018-01-01",
               ledger::build_policy_timeline(ledger, f, date("2020-01-01")));
}

// ---------------------------------------------------------------------------
// build_pledges_report

struct PledgesReportTest : LedgerFixture {
  void SetUp() override {
    LedgerFixture::SetUp();
    in_write([&] {
      ledger.record_spend(spend("rt", "twitter", "2016", usd(27410000)));     // #1: the founding case
      ledger.record_spend(spend("rt", "twitter", "2010", usd(5000)));         // #2: before the basis
      ledger.record_spend(spend("sputnik", "twitter", "2016", usd(1234)));    // #3: another advertiser
      ledger.record_spend(spend("rt", "facebook", "2016", usd(4321)));        // #4: another platform
      ledger::Pledge p1 = ledger.record_pledge(
          pledge("twitter", usd(190000000), "2017-10-26", std::string("rt"), "2011-01-01..2017-10-26"));
      ledger.record_pledge(pledge("facebook", usd(10000), "2018-01-01", std::string("rt"), std::nullopt));
      ledger.record_pledge(pledge("twitter", usd(100000), "2018-02-01", std::nullopt, std::nullopt));
      ledger.record_pledge(pledge("twitter", money(5000, "EUR"), "2018-03-01", std::string("rt"), "2016"));
      ledger.disburse(disbursement(p1.id, usd(50000000), "2018-01-15"));
      DisclosedTotal since = disclosed("tw-rt-since-2011", "twitter", "rt", "2011-01-01..2017-10-26",
                                       usd(190000000), "2017-10-26");
      since.precision = Precision::Approximate;
      ledger.record_disclosed_total(since);
      ledger.record_disclosed_total(disclosed("tw-rt-2010", "twitter", "rt", "2010", usd(5000), "2011-01-05"));
      ledger.record_disclosed_total(disclosed("fb-rt-2016", "facebook", "rt", "2016", usd(4321), "2017-01-10"));
      ledger.record_disclosed_total(
          disclosed("tw-sputnik-2016", "twitter", "sputnik", "2016", usd(1234), "2017-01-10"));
    });
  }

  ledger::PledgesReport pledges(std::optional<std::string> platform, std::optional<std::string> advertiser) {
    return ledger::build_pledges_report(ledger, platform, advertiser);
  }
};

TEST_F(PledgesReportTest, FoundingCase) {
  ledger::PledgesReport r = pledges(std::nullopt, std::nullopt);
  ASSERT_EQ(pledge_ids(r), (Names{"twitter-pledge-2017-10-26", "facebook-pledge-2018-01-01",
                                  "twitter-pledge-2018-02-01", "twitter-pledge-2018-03-01"}));
  const ledger::PledgeCheck& c = r.pledges[0];
  EXPECT_EQ(c.status.pledge.amount, usd(190000000));  // 1,900,000.00 USD
  EXPECT_EQ(c.status.disbursed_minor, 50000000);
  EXPECT_EQ(c.status.outstanding_minor, 140000000);  // 190,000,000 - 50,000,000
  EXPECT_EQ(c.basis_range, std::optional<Period>(period("2011-01-01..2017-10-26")));
  ASSERT_TRUE(c.basis_spend);
  // Only #1 falls in the basis: 2010's #2 is before it, #3 and #4 are not rt on twitter.
  ASSERT_EQ(c.basis_spend->itemised.size(), 1u);
  const ledger::Itemised& i = c.basis_spend->itemised[0];
  EXPECT_EQ(i.precision, Precision::Exact);
  EXPECT_EQ(i.amount_minor, 27410000);  // 274,100.00 USD
  EXPECT_FALSE(i.pro_rata);
  EXPECT_EQ(i.entry_ids, (Ids{1}));
  EXPECT_TRUE(c.basis_spend->other_currency.empty());
  // 27,410,000 / 190,000,000 = 14.43% -> 14.4% (worked out in ShareText.FoundingCase).
  EXPECT_EQ(ledger::share_text(i.amount_minor, c.status.pledge.amount.minor()), "14.4%");
  // The disclosed totals of rt on twitter overlapping the basis: tw-rt-2010 ends
  // the day before it starts; tw-sputnik-2016 is another advertiser's.
  ASSERT_EQ(disclosure_ids(c.disclosed), (Names{"tw-rt-since-2011"}));
  ASSERT_EQ(c.disclosed[0].comparison.itemised.size(), 1u);
  EXPECT_EQ(c.disclosed[0].comparison.itemised[0].amount_minor, 27410000);
  EXPECT_EQ(c.disclosed[0].disclosed.precision, Precision::Approximate);
}

TEST_F(PledgesReportTest, BasisWithoutPeriodOrAdvertiserAndInAnotherCurrency) {
  ledger::PledgesReport r = pledges(std::nullopt, std::nullopt);
  ASSERT_EQ(r.pledges.size(), 4u);
  // facebook's: basis rt, no period -> all time: #4 4,321.
  const ledger::PledgeCheck& fb = r.pledges[1];
  EXPECT_EQ(fb.basis_range, std::optional<Period>(Period(date("1400-01-01"), date("9999-12-31"))));
  ASSERT_TRUE(fb.basis_spend);
  ASSERT_EQ(fb.basis_spend->itemised.size(), 1u);
  EXPECT_EQ(fb.basis_spend->itemised[0].amount_minor, 4321);
  EXPECT_EQ(fb.basis_spend->itemised[0].entry_ids, (Ids{4}));
  EXPECT_EQ(disclosure_ids(fb.disclosed), (Names{"fb-rt-2016"}));
  // twitter's 2018-02-01: no basis advertiser, nothing compared.
  const ledger::PledgeCheck& none = r.pledges[2];
  EXPECT_FALSE(none.basis_range);
  EXPECT_FALSE(none.basis_spend);
  EXPECT_TRUE(none.disclosed.empty());
  // twitter's EUR pledge on rt's 2016: #1 is USD, listed and not compared.
  const ledger::PledgeCheck& eur = r.pledges[3];
  EXPECT_EQ(eur.basis_range, std::optional<Period>(period("2016")));
  ASSERT_TRUE(eur.basis_spend);
  EXPECT_TRUE(eur.basis_spend->itemised.empty());
  EXPECT_EQ(eur.basis_spend->other_currency, (Ids{1}));
  EXPECT_EQ(disclosure_ids(eur.disclosed), (Names{"tw-rt-since-2011"}));
}

TEST_F(PledgesReportTest, Filters) {
  EXPECT_EQ(pledge_ids(pledges(std::string("twitter"), std::nullopt)),
            (Names{"twitter-pledge-2017-10-26", "twitter-pledge-2018-02-01", "twitter-pledge-2018-03-01"}));
  EXPECT_EQ(pledge_ids(pledges(std::nullopt, std::string("rt"))),
            (Names{"twitter-pledge-2017-10-26", "facebook-pledge-2018-01-01", "twitter-pledge-2018-03-01"}));
  EXPECT_EQ(pledge_ids(pledges(std::string("facebook"), std::string("rt"))), (Names{"facebook-pledge-2018-01-01"}));
  EXPECT_TRUE(pledges(std::nullopt, std::string("sputnik")).pledges.empty());
  ledger::PledgesReport r = pledges(std::string("twitter"), std::string("rt"));
  EXPECT_EQ(r.platform_id, std::optional<std::string>("twitter"));
  EXPECT_EQ(r.advertiser_id, std::optional<std::string>("rt"));
  EXPECT_ERROR(ErrorKind::Rule, "platform \"myspace\": no such platform", pledges(std::string("myspace"), std::nullopt));
  EXPECT_ERROR(ErrorKind::Rule, "advertiser \"nobody\": no such advertiser", pledges(std::nullopt, std::string("nobody")));
}

TEST_F(PledgesReportTest, BasisStraddlingEntryCountsProRata) {
  in_write([&] {
    ledger.record_spend(spend("sputnik", "facebook", "2016-12-01..2017-01-10", usd(4100)));  // 41 days, 100 a day
    ledger.record_pledge(pledge("facebook", usd(2000), "2018-06-01", std::string("sputnik"), "2017"));
  });
  ledger::PledgesReport r = pledges(std::string("facebook"), std::string("sputnik"));
  ASSERT_EQ(r.pledges.size(), 1u);
  ASSERT_TRUE(r.pledges[0].basis_spend);
  ASSERT_EQ(r.pledges[0].basis_spend->itemised.size(), 1u);
  // 10 of its 41 days are in 2017: 4,100 x 10 / 41 = 1,000; 1,000 of 2,000 = 50.0%.
  EXPECT_EQ(r.pledges[0].basis_spend->itemised[0].amount_minor, 1000);
  EXPECT_TRUE(r.pledges[0].basis_spend->itemised[0].pro_rata);
  EXPECT_EQ(ledger::share_text(1000, 2000), "50.0%");
}

// ---------------------------------------------------------------------------
// build_register and build_balance

// One journal: three spends (two USD, one EUR), a pledge and a disbursement.
struct JournalFixture : LedgerFixture {
  std::int64_t t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;
  void SetUp() override {
    LedgerFixture::SetUp();
    in_write([&] {
      t1 = ledger.record_spend(spend("rt", "twitter", "2016", usd(27410000))).txn_id;               // 2016-01-01
      t2 = ledger.record_spend(spend("sputnik", "facebook", "2017-03", money(5000, "EUR"))).txn_id;  // 2017-03-01
      ledger::Pledge p = ledger.record_pledge(
          pledge("twitter", usd(190000000), "2017-10-26", std::string("rt"), "2011-01-01..2017-10-26"));
      t3 = p.txn_id;                                                                                  // 2017-10-26
      t4 = ledger.disburse(disbursement(p.id, usd(50000000), "2018-01-15")).txn_id;                  // 2018-01-15
      t5 = ledger.record_spend(spend("sputnik", "twitter", "2017-01", usd(700))).txn_id;             // 2017-01-01
    });
  }

  ledger::Register reg(const ledger::JournalFilter& f) { return ledger::build_register(ledger, f); }
  ledger::BalanceReport balance(const ledger::BalanceOptions& o) { return ledger::build_balance(ledger, o); }
};

Ids txn_ids(const ledger::Register& r) {
  Ids out;
  for (const ledger::RegisterLine& l : r.lines) out.push_back(l.txn_id);
  return out;
}

struct RegisterTest : JournalFixture {};

TEST_F(RegisterTest, RunningBalancePerCurrencyInDateOrder) {
  ledger::Register r = reg({});
  // By date: t1 2016-01-01, t5 2017-01-01 (recorded last), t2 2017-03-01, t3 2017-10-26, t4 2018-01-15.
  ASSERT_EQ(txn_ids(r), (Ids{t1, t1, t5, t5, t2, t2, t3, t3, t4, t4}));
  // Each transaction balances, so the running balance is back at 0 after each.
  std::vector<std::int64_t> running;
  for (const auto& l : r.lines) running.push_back(l.running_minor);
  EXPECT_EQ(running, (std::vector<std::int64_t>{27410000, 0, 700, 0, 5000, 0, 190000000, 0, 50000000, 0}));
  EXPECT_EQ(r.lines[0].account, "expenses:ads:rt:twitter");
  EXPECT_EQ(r.lines[0].date, date("2016-01-01"));
  EXPECT_EQ(r.lines[0].kind, ledger::TxnKind::Spend);
  EXPECT_EQ(r.lines[0].description, "spend rt on twitter 2016");
  EXPECT_EQ(r.lines[1].account, "income:ads:twitter:rt");
  EXPECT_EQ(r.lines[1].amount, usd(-27410000));
  EXPECT_EQ(r.lines[4].amount, money(5000, "EUR"));
  EXPECT_EQ(r.lines[6].kind, ledger::TxnKind::Pledge);
  EXPECT_EQ(r.lines[8].kind, ledger::TxnKind::Disbursement);
  EXPECT_EQ(r.lines[8].account, "liabilities:pledges:twitter:twitter-pledge-2017-10-26");
  EXPECT_EQ(r.lines[9].account, "assets:cash:twitter");
}

TEST_F(RegisterTest, AccountPatternIsCaseInsensitive) {
  ledger::JournalFilter f;
  f.account_pattern = "^INCOME";
  ledger::Register r = reg(f);
  ASSERT_EQ(r.lines.size(), 3u);
  // USD: -27,410,000, then -27,410,000 - 700 = -27,410,700; EUR on its own: -5,000.
  EXPECT_EQ(r.lines[0].account, "income:ads:twitter:rt");
  EXPECT_EQ(r.lines[0].running_minor, -27410000);
  EXPECT_EQ(r.lines[1].account, "income:ads:twitter:sputnik");
  EXPECT_EQ(r.lines[1].running_minor, -27410700);
  EXPECT_EQ(r.lines[2].account, "income:ads:facebook:sputnik");
  EXPECT_EQ(r.lines[2].amount, money(-5000, "EUR"));
  EXPECT_EQ(r.lines[2].running_minor, -5000);

  // A search, not a whole match: "pledges" finds both pledge accounts.
  // expenses:pledges +190,000,000 (190,000,000); liabilities -190,000,000 (0);
  // liabilities +50,000,000 (50,000,000).
  f.account_pattern = "PLEDGES";
  ledger::Register p = reg(f);
  ASSERT_EQ(p.lines.size(), 3u);
  EXPECT_EQ(p.lines[0].running_minor, 190000000);
  EXPECT_EQ(p.lines[1].running_minor, 0);
  EXPECT_EQ(p.lines[2].running_minor, 50000000);

  f.account_pattern = "^nothing-matches$";
  EXPECT_TRUE(reg(f).lines.empty());
}

TEST_F(RegisterTest, InvalidPatternIsAnInputErrorNamingAccount) {
  ledger::JournalFilter f;
  f.account_pattern = "(";
  EXPECT_ERROR(ErrorKind::Input, "account \"(\": is not a regular expression", reg(f));
  f.account_pattern = std::string(257, 'a');
  EXPECT_ERROR(ErrorKind::Input, "at most 256 bytes", reg(f));
  f.account_pattern = std::string(256, 'a');
  EXPECT_NO_THROW(reg(f));
}

TEST_F(RegisterTest, AdvertiserAndPlatformFilters) {
  ledger::JournalFilter f;
  f.advertiser_id = "rt";  // its spend, the pledge based on it and that pledge's disbursement
  EXPECT_EQ(txn_ids(reg(f)), (Ids{t1, t1, t3, t3, t4, t4}));
  f.advertiser_id = "sputnik";  // spends only: no pledge is based on it
  EXPECT_EQ(txn_ids(reg(f)), (Ids{t5, t5, t2, t2}));
  f = {};
  f.platform_id = "twitter";
  EXPECT_EQ(txn_ids(reg(f)), (Ids{t1, t1, t5, t5, t3, t3, t4, t4}));
  f.platform_id = "facebook";
  EXPECT_EQ(txn_ids(reg(f)), (Ids{t2, t2}));
  f.advertiser_id = "rt";  // rt on facebook: nothing
  EXPECT_TRUE(reg(f).lines.empty());
  f.platform_id = "twitter";
  EXPECT_EQ(txn_ids(reg(f)), (Ids{t1, t1, t3, t3, t4, t4}));
  // Combined with an account pattern, the running balance is over what is shown.
  f.account_pattern = "^expenses";
  ledger::Register r = reg(f);
  ASSERT_EQ(txn_ids(r), (Ids{t1, t3}));
  EXPECT_EQ(r.lines[1].running_minor, 27410000 + 190000000);

  f = {};
  f.advertiser_id = "nobody";
  EXPECT_ERROR(ErrorKind::Rule, "advertiser \"nobody\": no such advertiser", reg(f));
  f = {};
  f.platform_id = "myspace";
  EXPECT_ERROR(ErrorKind::Rule, "platform \"myspace\": no such platform", reg(f));
}

TEST_F(RegisterTest, FromAndToOnTransactionDates) {
  ledger::JournalFilter f;
  f.from = date("2017-01-01");
  f.to = date("2017-10-26");
  EXPECT_EQ(txn_ids(reg(f)), (Ids{t5, t5, t2, t2, t3, t3}));
  f.from = date("2017-01-02");
  f.to.reset();
  EXPECT_EQ(txn_ids(reg(f)), (Ids{t2, t2, t3, t3, t4, t4}));
  // The 2016 spend is dated its first day: from 2016-06-01 leaves it out, though it covers June.
  f.from = date("2016-06-01");
  f.to = date("2016-12-31");
  EXPECT_TRUE(reg(f).lines.empty());
  f.from = date("2018-01-01");
  f.to = date("2017-01-01");
  EXPECT_ERROR(ErrorKind::Input, "to \"2017-01-01\"", reg(f));
}

struct BalanceTest : JournalFixture {};

struct Row {
  std::string account;
  std::string currency;
  std::int64_t total;
};

std::vector<Row> rows_of(const std::vector<ledger::BalanceReport::Row>& rows) {
  std::vector<Row> out;
  for (const auto& r : rows) out.push_back({r.account, r.currency.code(), r.total});
  return out;
}

::testing::AssertionResult rows_are(const std::vector<ledger::BalanceReport::Row>& got, const std::vector<Row>& want) {
  std::vector<Row> have = rows_of(got);
  auto text = [](const std::vector<Row>& rows) {
    std::string s;
    for (const Row& r : rows) s += "\n  " + r.account + " " + r.currency + " " + std::to_string(r.total);
    return s;
  };
  bool same = have.size() == want.size();
  for (std::size_t i = 0; same && i < have.size(); ++i)
    same = have[i].account == want[i].account && have[i].currency == want[i].currency && have[i].total == want[i].total;
  if (same) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "rows:" << text(have) << "\nexpected:" << text(want);
}

TEST_F(BalanceTest, OneTotalPerRowAndTotalsSumToZero) {
  ledger::BalanceReport b = balance({});
  EXPECT_TRUE(b.columns.empty());
  // liabilities: -190,000,000 + 50,000,000 = -140,000,000.
  EXPECT_TRUE(rows_are(b.rows, {{"assets:cash:twitter", "USD", -50000000},
                                {"expenses:ads:rt:twitter", "USD", 27410000},
                                {"expenses:ads:sputnik:facebook", "EUR", 5000},
                                {"expenses:ads:sputnik:twitter", "USD", 700},
                                {"expenses:pledges:twitter", "USD", 190000000},
                                {"income:ads:facebook:sputnik", "EUR", -5000},
                                {"income:ads:twitter:rt", "USD", -27410000},
                                {"income:ads:twitter:sputnik", "USD", -700},
                                {"liabilities:pledges:twitter:twitter-pledge-2017-10-26", "USD", -140000000}}));
  for (const auto& row : b.rows) EXPECT_TRUE(row.amounts.empty());
  // USD: -50,000,000 + 27,410,000 + 700 + 190,000,000 - 27,410,000 - 700 - 140,000,000 = 0; EUR: 5,000 - 5,000 = 0.
  EXPECT_TRUE(rows_are(b.totals, {{"", "EUR", 0}, {"", "USD", 0}}));
  // The same figures as the store's trial balance.
  std::vector<ledger::BalanceRow> trial = t.store->trial_balance();
  ASSERT_EQ(trial.size(), b.rows.size());
  for (std::size_t i = 0; i < trial.size(); ++i) {
    EXPECT_EQ(b.rows[i].account, trial[i].account);
    EXPECT_EQ(b.rows[i].total, trial[i].balance_minor);
  }
}

TEST_F(BalanceTest, FilteredTotalsNeedNotBeZero) {
  ledger::BalanceOptions o;
  o.filter.account_pattern = "^expenses";
  ledger::BalanceReport b = balance(o);
  // USD 27,410,000 + 700 + 190,000,000 = 217,410,700; EUR 5,000.
  EXPECT_TRUE(rows_are(b.totals, {{"", "EUR", 5000}, {"", "USD", 217410700}}));
}

TEST_F(BalanceTest, DepthTruncatesAndSums) {
  ledger::BalanceOptions o;
  o.depth = 1;
  // expenses USD: 27,410,000 + 700 + 190,000,000 = 217,410,700; income USD: -27,410,700.
  EXPECT_TRUE(rows_are(balance(o).rows, {{"assets", "USD", -50000000},
                                         {"expenses", "EUR", 5000},
                                         {"expenses", "USD", 217410700},
                                         {"income", "EUR", -5000},
                                         {"income", "USD", -27410700},
                                         {"liabilities", "USD", -140000000}}));
  o.depth = 2;
  EXPECT_TRUE(rows_are(balance(o).rows, {{"assets:cash", "USD", -50000000},
                                         {"expenses:ads", "EUR", 5000},
                                         {"expenses:ads", "USD", 27410700},
                                         {"expenses:pledges", "USD", 190000000},
                                         {"income:ads", "EUR", -5000},
                                         {"income:ads", "USD", -27410700},
                                         {"liabilities:pledges", "USD", -140000000}}));
  EXPECT_TRUE(rows_are(balance(o).totals, {{"", "EUR", 0}, {"", "USD", 0}}));
  // Deeper than any account: as without a depth.
  o.depth = 10;
  EXPECT_EQ(rows_of(balance(o).rows).size(), 9u);
  o.depth = 0;
  EXPECT_ERROR(ErrorKind::Input, "depth \"0\": must be 1 or more", balance(o));
  o.depth = -1;
  EXPECT_ERROR(ErrorKind::Input, "depth \"-1\"", balance(o));
}

TEST_F(BalanceTest, ByQuarterRunsFromFirstToLastPostingWithEmptyBuckets) {
  ledger::BalanceOptions o;
  o.by = Granularity::Quarter;
  ledger::BalanceReport b = balance(o);
  // 2016-01-01 .. 2018-01-15: 2016-Q1..Q4, 2017-Q1..Q4, 2018-Q1 = 9 columns,
  // 2016-Q2..Q4 and 2017-Q2..Q3 empty.
  ASSERT_EQ(b.columns.size(), 9u);
  std::vector<std::string> names;
  for (const Period& p : b.columns) names.push_back(p.to_string());
  EXPECT_EQ(names, (Names{"2016-Q1", "2016-Q2", "2016-Q3", "2016-Q4", "2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4",
                          "2018-Q1"}));
  for (const auto& row : b.rows) {
    ASSERT_EQ(row.amounts.size(), 9u) << row.account;
    std::int64_t sum = 0;
    for (std::int64_t v : row.amounts) sum += v;
    EXPECT_EQ(sum, row.total) << row.account;
  }
  for (const auto& row : b.totals) {
    ASSERT_EQ(row.amounts.size(), 9u);
    for (std::int64_t v : row.amounts) EXPECT_EQ(v, 0) << row.currency.code();
  }
  // liabilities: -190,000,000 in 2017-Q4 (index 7), +50,000,000 in 2018-Q1 (index 8).
  auto liabilities = std::find_if(b.rows.begin(), b.rows.end(),
                                  [](const auto& r) { return r.account.starts_with("liabilities:"); });
  ASSERT_NE(liabilities, b.rows.end());
  EXPECT_EQ(liabilities->amounts, (std::vector<std::int64_t>{0, 0, 0, 0, 0, 0, 0, -190000000, 50000000}));
  EXPECT_EQ(liabilities->total, -140000000);
  // expenses:ads:sputnik:twitter (2017-01-01) and :facebook (2017-03-01) both in 2017-Q1 (index 4).
  auto sputnik = std::find_if(b.rows.begin(), b.rows.end(),
                              [](const auto& r) { return r.account == "expenses:ads:sputnik:twitter"; });
  ASSERT_NE(sputnik, b.rows.end());
  EXPECT_EQ(sputnik->amounts, (std::vector<std::int64_t>{0, 0, 0, 0, 700, 0, 0, 0, 0}));
}

TEST_F(BalanceTest, FromAndToSetTheColumnsEnds) {
  ledger::BalanceOptions o;
  o.by = Granularity::Year;
  o.filter.from = date("2015-06-01");
  o.filter.to = date("2018-12-31");
  ledger::BalanceReport b = balance(o);
  // The columns run over the range, not just the postings: 2015 (empty) .. 2018.
  std::vector<std::string> names;
  for (const Period& p : b.columns) names.push_back(p.to_string());
  EXPECT_EQ(names, (Names{"2015", "2016", "2017", "2018"}));
  EXPECT_TRUE(rows_are(b.totals, {{"", "EUR", 0}, {"", "USD", 0}}));

  // A range inside the journal: 2017-02-15..2017-11-30 keeps t2 (2017-03-01)
  // and t3 (2017-10-26); t5 (2017-01-01) is before it.
  o.by = Granularity::Quarter;
  o.filter.from = date("2017-02-15");
  o.filter.to = date("2017-11-30");
  b = balance(o);
  names.clear();
  for (const Period& p : b.columns) names.push_back(p.to_string());
  EXPECT_EQ(names, (Names{"2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"}));
  EXPECT_TRUE(rows_are(b.rows, {{"expenses:ads:sputnik:facebook", "EUR", 5000},
                                {"expenses:pledges:twitter", "USD", 190000000},
                                {"income:ads:facebook:sputnik", "EUR", -5000},
                                {"liabilities:pledges:twitter:twitter-pledge-2017-10-26", "USD", -190000000}}));
  for (const auto& row : b.rows) {
    std::int64_t sum = 0;
    for (std::int64_t v : row.amounts) sum += v;
    EXPECT_EQ(sum, row.total) << row.account;
  }
  // Only `from`: the columns run to the last posting (2018-01-15, 2018-Q1).
  o.filter.to.reset();
  b = balance(o);
  ASSERT_FALSE(b.columns.empty());
  EXPECT_EQ(b.columns.front(), period("2017-Q1"));
  EXPECT_EQ(b.columns.back(), period("2018-Q1"));
  EXPECT_EQ(b.columns.size(), 5u);
}

TEST_F(BalanceTest, FromAndToGiveColumnsEvenWithNoPostings) {
  ledger::BalanceOptions o;
  o.by = Granularity::Quarter;
  o.filter.account_pattern = "^nothing-matches$";
  o.filter.from = date("2017-01-01");
  o.filter.to = date("2017-06-30");
  ledger::BalanceReport b = balance(o);
  ASSERT_EQ(b.columns.size(), 2u);
  EXPECT_EQ(b.columns[0], period("2017-Q1"));
  EXPECT_EQ(b.columns[1], period("2017-Q2"));
  EXPECT_TRUE(b.rows.empty());
  EXPECT_TRUE(b.totals.empty());
  // With one end open there is no posting to take the other end from.
  o.filter.to.reset();
  EXPECT_TRUE(balance(o).columns.empty());
  o.filter.to = date("2017-06-30");
  o.filter.from.reset();
  EXPECT_TRUE(balance(o).columns.empty());
}

// ---------------------------------------------------------------------------
// to_document: every report's tables have ids, unique within the document,
// and CSV can select each by its id.

struct ReportDocuments : LedgerFixture {
  void SetUp() override {
    LedgerFixture::SetUp();
    in_write([&] {
      ledger.link_handle({"rt", "twitter", "@RT_com"});
      SpendEntry founding = spend("rt", "twitter", "2016", usd(27410000));
      founding.tags = {"news", "election"};
      founding.items = 1823;
      founding.handle = "@RT_com";
      ledger.record_spend(founding);
      SpendEntry approx = spend("rt", "twitter", "2017-Q1", usd(100000));
      approx.precision = Precision::Approximate;
      approx.market = "worldwide";
      ledger.record_spend(approx);
      ledger.record_spend(spend("rt", "facebook", "2017-01", money(5000, "EUR")));
      ledger.record_spend(spend("sputnik", "twitter", "2017-02", usd(2800)));
      SpendEntry october = spend("rt", "twitter", "2017-10", usd(3100));
      october.note = std::string("bought before the ban was announced");
      ledger.record_spend(october);
      // Recorded after the spend it covers: a violation in rt's report.
      ledger.record_policy_action(action(PolicyKind::AdBan, "twitter", {"rt"}, "2017-10-26"));
      PolicyAction suspension = action(PolicyKind::Suspension, "facebook", {"sputnik"}, "2017-09-06");
      suspension.account_count = 10;
      ledger.record_policy_action(suspension);
      ledger.record_policy_action(action(PolicyKind::Disclosure, "twitter", {}, "2018-01-19"));
      ledger::Pledge p = ledger.record_pledge(
          pledge("twitter", usd(190000000), "2017-10-26", std::string("rt"), "2011-01-01..2017-10-26"));
      ledger.record_pledge(pledge("facebook", money(1000, "EUR"), "2018-01-01", std::string("rt"), std::nullopt));
      ledger.disburse(disbursement(p.id, usd(50000000), "2018-01-15"));
      DisclosedTotal since = disclosed("tw-rt-since-2011", "twitter", "rt", "2011-01-01..2017-10-26", usd(190000000),
                                       "2017-10-26");
      since.precision = Precision::Approximate;
      ledger.record_disclosed_total(since);
    });
  }
};

::testing::AssertionResult tables_are(const ledger::render::Document& doc, const Names& want) {
  Names ids;
  std::set<std::string> seen;
  for (const auto& s : doc.sections) {
    if (s.title.empty()) return ::testing::AssertionFailure() << "a section has no title";
    if (!s.table) continue;
    if (s.table->id.empty()) return ::testing::AssertionFailure() << "section \"" << s.title << "\" has a table without an id";
    if (!seen.insert(s.table->id).second)
      return ::testing::AssertionFailure() << "table id \"" << s.table->id << "\" is used twice in " << doc.title;
    for (const auto& row : s.table->rows)
      if (row.size() != s.table->columns.size())
        return ::testing::AssertionFailure() << "table " << s.table->id << " has a row of " << row.size()
                                             << " cells for " << s.table->columns.size() << " columns";
    ids.push_back(s.table->id);
    // CSV selects the table by its id: its header is this table's columns.
    std::string csv = ledger::render::render_csv(doc, s.table->id);
    std::string header;
    for (std::size_t i = 0; i < s.table->columns.size(); ++i)
      header += (i ? "," : "") + ledger::render::csv_field(s.table->columns[i].name);
    if (!csv.starts_with(header + "\r\n"))
      return ::testing::AssertionFailure() << "CSV for " << s.table->id << " starts " << csv.substr(0, 80);
  }
  if (ids != want) {
    std::string got;
    for (const auto& id : ids) got += " " + id;
    return ::testing::AssertionFailure() << doc.title << ": tables" << got;
  }
  return ::testing::AssertionSuccess();
}

TEST_F(ReportDocuments, AdvertiserReportTablesHaveUniqueIds) {
  ledger::AdvertiserReportOptions o;
  o.today = date("2018-06-01");
  ledger::AdvertiserReport plain = ledger::build_advertiser_report(ledger, "rt", o);
  EXPECT_TRUE(tables_are(ledger::to_document(plain), {"totals", "tags", "markets", "precision", "disclosures",
                                                      "ban-status", "actions", "pledges", "violations", "entries",
                                                      "sources"}));
  o.from = date("2016-07-01");
  o.to = date("2017-12-31");
  o.by = Granularity::Quarter;
  ledger::AdvertiserReport by = ledger::build_advertiser_report(ledger, "rt", o);
  ledger::render::Document doc = ledger::to_document(by);
  EXPECT_TRUE(tables_are(doc, {"totals", "periods", "tags", "markets", "precision", "disclosures", "ban-status",
                               "actions", "pledges", "violations", "entries", "sources"}));
  EXPECT_ERROR(ErrorKind::Input, "there is no such table here", ledger::render::render_csv(doc, std::string("nope")));
  ASSERT_EQ(by.violations.size(), 1u);
  EXPECT_EQ(by.violations[0].overlap, period("2017-10-26..2017-10-31"));
}

TEST_F(ReportDocuments, EveryOtherReportTablesHaveUniqueIds) {
  ledger::PlatformReportOptions po;
  po.today = date("2018-06-01");
  EXPECT_TRUE(tables_are(ledger::to_document(ledger::build_platform_report(ledger, "twitter", po)),
                         {"totals", "tags", "markets", "precision", "disclosures", "actions", "pledges", "entries",
                          "sources"}));
  po.by = Granularity::Month;
  po.from = date("2017-01-01");
  EXPECT_TRUE(tables_are(ledger::to_document(ledger::build_platform_report(ledger, "twitter", po)),
                         {"totals", "periods", "tags", "markets", "precision", "disclosures", "actions", "pledges",
                          "entries", "sources"}));
  EXPECT_TRUE(tables_are(ledger::to_document(ledger::build_policy_timeline(ledger, {}, date("2018-06-01"))),
                         {"actions", "sources"}));
  EXPECT_TRUE(tables_are(ledger::to_document(ledger::build_pledges_report(ledger, std::nullopt, std::nullopt)),
                         {"pledges", "bases", "disclosures", "disbursements", "sources"}));
  EXPECT_TRUE(tables_are(ledger::to_document(ledger::build_register(ledger, {})), {"register"}));
  ledger::BalanceOptions bo;
  EXPECT_TRUE(tables_are(ledger::to_document(ledger::build_balance(ledger, bo)), {"balance"}));
  bo.by = Granularity::Quarter;
  bo.depth = 2;
  EXPECT_TRUE(tables_are(ledger::to_document(ledger::build_balance(ledger, bo)), {"balance"}));
}

TEST_F(ReportDocuments, PledgesDocumentShowsTheFoundingShare) {
  ledger::render::Document doc = ledger::to_document(ledger::build_pledges_report(ledger, std::nullopt, std::nullopt));
  const ledger::render::Table* bases = nullptr;
  for (const auto& s : doc.sections)
    if (s.table && s.table->id == "bases") bases = &*s.table;
  ASSERT_NE(bases, nullptr);
  // Columns: pledge, advertiser, basis range, currency, pledged, itemised, precision, share, entries.
  // The twitter pledge, basis rt 2011-01-01..2017-10-26:
  //   exact: 2016's 27,410,000 whole, plus 26 of 2017-10's 31 days of 3,100
  //   (100 a day) = 2,600: 27,412,600, pro rata (marked *). Share:
  //   (27,412,600,000 + 95,000,000) / 190,000,000 = 144.78 -> 14.4%.
  //   approximate: 2017-Q1's 100,000, wholly inside the basis: 100,000 / 190,000,000 =
  //   0.053% -> (100,000,000 + 95,000,000) / 190,000,000 = 1 tenth -> 0.1%.
  ASSERT_GE(bases->rows.size(), 2u);
  EXPECT_EQ(bases->rows[0][0].text, "twitter-pledge-2017-10-26");
  EXPECT_EQ(bases->rows[0][5].machine(), "274126.00");
  EXPECT_EQ(bases->rows[0][5].text, "274,126.00*");
  EXPECT_EQ(bases->rows[0][6].text, "exact");
  EXPECT_EQ(bases->rows[0][7].text, "14.4%");
  EXPECT_EQ(bases->rows[1][5].machine(), "1000.00");
  EXPECT_EQ(bases->rows[1][6].text, "approximate");
  EXPECT_EQ(bases->rows[1][7].text, "0.1%");
}

}  // namespace
