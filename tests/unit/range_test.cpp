// Spend given as a range, as ad libraries publish it: posted at its lower
// bound (nothing when that is zero), its upper bound kept, and its totals
// reported as ranges, never added to other figures.
#include <gtest/gtest.h>

#include "ledger/audit/chain.hpp"
#include "ledger/audit/verify.hpp"
#include "ledger/report/spend_rollup.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::period;
using adledger_test::TempLedger;
using adledger_test::usd;
using ledger::ErrorKind;
using ledger::Precision;
using ledger::SpendEntry;

struct RangeTest : ::testing::Test {
  TempLedger t;
  RangeTest() {
    t.write([&] {
      t.ledger.add_platform({"facebook", "Facebook"});
      t.ledger.add_advertiser({"acme", "Acme", std::nullopt, false});
    });
  }
  static SpendEntry range(std::int64_t lower, std::optional<std::int64_t> upper, const char* when = "2019-05") {
    SpendEntry e;
    e.advertiser_id = "acme";
    e.platform_id = "facebook";
    e.amount = usd(lower);
    if (upper) e.upper = usd(*upper);
    e.period = period(when);
    e.market = "FR";
    e.precision = Precision::Range;
    e.source = "meta ad library";
    return e;
  }
  SpendEntry record(const SpendEntry& e) {
    SpendEntry out;
    t.write([&] { out = t.ledger.record_spend(e); });
    return out;
  }
};

TEST_F(RangeTest, PostsItsLowerBound) {
  SpendEntry e = record(range(500000, 999900));
  std::optional<ledger::JournalTxn> txn = t.store->find_txn(e.txn_id);
  ASSERT_TRUE(txn);
  ASSERT_EQ(txn->postings.size(), 2u);
  EXPECT_EQ(txn->postings[0].amount, usd(500000));
  std::optional<SpendEntry> back = t.store->find_spend(e.entry_id);
  ASSERT_TRUE(back && back->upper);
  EXPECT_EQ(*back->upper, usd(999900));
  EXPECT_EQ(back->precision, Precision::Range);
}

TEST_F(RangeTest, ALowerBoundOfZeroPostsNothingAndVerifies) {
  SpendEntry e = record(range(0, 9900));
  std::optional<ledger::JournalTxn> txn = t.store->find_txn(e.txn_id);
  ASSERT_TRUE(txn);
  EXPECT_TRUE(txn->postings.empty());
  EXPECT_EQ(t.store->account_balance("expenses:ads:acme:facebook", "USD"), 0);
  // Reversed, it still posts nothing, and the ledger verifies.
  t.write([&] { t.ledger.reverse_spend(e.entry_id, "recorded twice", "test"); });
  ledger::VerifyResult v = ledger::verify_ledger(*t.store, {});
  for (const ledger::VerifyCheck& c : v.checks) EXPECT_TRUE(c.ok) << c.name << ": " << (c.problems.empty() ? "" : c.problems[0]);
}

TEST_F(RangeTest, OpenAtTheTop) {
  SpendEntry e = record(range(100000000, std::nullopt));
  EXPECT_FALSE(e.upper);
  EXPECT_EQ(t.store->account_balance("expenses:ads:acme:facebook", "USD"), 100000000);
}

TEST_F(RangeTest, BoundsAreChecked) {
  EXPECT_ERROR(ErrorKind::Input, "upper \"50.00\": must be greater than zero and not below the lower bound 100.00",
               record(range(10000, 5000)));
  SpendEntry euro = range(100, std::nullopt);
  euro.upper = ledger::Money(200, ledger::Currency::from_code("EUR"));
  EXPECT_ERROR(ErrorKind::Input, "must be in the entry's currency, USD", record(euro));
  SpendEntry exact = range(100, 200);
  exact.precision = Precision::Exact;
  EXPECT_ERROR(ErrorKind::Input, "only a range has an upper bound", record(exact));
  SpendEntry zero = range(0, std::nullopt);
  zero.precision = Precision::Approximate;
  EXPECT_ERROR(ErrorKind::Input, "amount \"0.00\": must be greater than zero", record(zero));
  EXPECT_TRUE(t.store->spend({}).empty());
}

// Only a range's logged content holds an upper bound, so that an entry
// recorded before ranges existed keeps the content (and hash) it had.
TEST_F(RangeTest, OnlyARangesContentHasAnUpperBound) {
  SpendEntry exact = range(100, std::nullopt);
  exact.precision = Precision::Exact;
  EXPECT_FALSE(ledger::content_of(exact, ledger::JournalTxn{}).contains("upper"));
  nlohmann::json open = ledger::content_of(range(100, std::nullopt), ledger::JournalTxn{});
  ASSERT_TRUE(open.contains("upper"));
  EXPECT_TRUE(open.at("upper").is_null());
  EXPECT_EQ(ledger::content_of(range(100, 200), ledger::JournalTxn{}).at("upper"), 200);
}

TEST_F(RangeTest, TheSameRangeAgainIsUnchangedAnotherUpperIsRefused) {
  SpendEntry e = range(100, 200);
  e.external_id = "meta-1";
  record(e);
  record(e);
  EXPECT_EQ(t.ledger.last_outcome(), ledger::Outcome::Unchanged);
  e.upper = usd(300);
  EXPECT_ERROR(ErrorKind::Rule, "upper", record(e));
}

// Totals: the lower bounds add up as the amount, the upper ones beside
// them, split pro rata the same way; one open range opens the total.
TEST(RangeRollup, TotalsAreRangesAndStayApart) {
  auto entry = [](std::int64_t id, const char* when, std::int64_t lower, std::optional<std::int64_t> upper,
                  Precision p = Precision::Range) {
    SpendEntry e = RangeTest::range(lower, upper, when);
    e.entry_id = id;
    e.precision = p;
    if (p != Precision::Range) e.upper.reset();
    return e;
  };
  std::vector<SpendEntry> entries = {entry(1, "2019-01-01..2019-02-28", 0, 5900), entry(2, "2019-02", 10000, 19900),
                                     entry(3, "2019-02", 70000, std::nullopt, Precision::Exact)};
  auto by_platform = [](const SpendEntry& e) { return e.platform_id; };
  ledger::SpendRollup r = ledger::roll_up(entries, by_platform, ledger::Granularity::Month, std::nullopt);
  ASSERT_EQ(r.by_group.size(), 2u);  // exact and range, never added together
  const ledger::SpendFigure& exact = r.by_group[0];
  const ledger::SpendFigure& ranged = r.by_group[1];
  EXPECT_EQ(exact.precision, Precision::Exact);
  EXPECT_EQ(exact.amount_minor, 70000);
  EXPECT_EQ(ranged.precision, Precision::Range);
  EXPECT_EQ(ranged.amount_minor, 10000);
  EXPECT_EQ(ranged.upper_minor, 25800);
  EXPECT_FALSE(ranged.upper_open);
  // Entry 1 (59 days) splits 3,100 / 2,800 by days; its upper bound in
  // January is 31/59 of 5,900.
  std::int64_t upper_sum = 0;
  for (const ledger::SpendFigure& f : r.by_period)
    if (f.precision == Precision::Range) {
      upper_sum += f.upper_minor;
      if (f.bucket->to_string() == "2019-01") {
        EXPECT_EQ(f.upper_minor, 3100);
      }
    }
  EXPECT_EQ(upper_sum, 25800);

  entries.push_back(entry(4, "2019-03", 100, std::nullopt));
  r = ledger::roll_up(entries, by_platform, ledger::Granularity::Month, std::nullopt);
  EXPECT_TRUE(r.by_group[1].upper_open);
  EXPECT_EQ(r.by_group[1].amount_minor, 10100);
}

}  // namespace
