// A property of the ledger's sums, over seeded random sequences of writes:
// whatever amounts are recorded, up to the largest one, a write the ledger
// accepts leaves every figure formable, and a write it refuses leaves the
// ledger as it was.
//
// Each sequence records spend (exact amounts and ranges), reversals,
// pledges and disbursements in two currencies on two advertisers and two
// platforms, with amounts drawn from the largest one, near it, halves and
// thirds of it, and small ones. After every write, accepted or refused:
// the balance, the trial balance, each advertiser's and each platform's
// report build; every few writes, and at the end, verify passes. A refusal
// is an input error that names the overflow, or a rule the write broke
// (paying more than a pledge's outstanding amount, reversing twice), and
// the ledger's head is unchanged.
#include <gtest/gtest.h>

#include <iostream>
#include <limits>
#include <random>

#include "ledger/audit/verify.hpp"
#include "ledger/report/advertiser_report.hpp"
#include "ledger/report/other_reports.hpp"
#include "tests/unit/test_support.hpp"

namespace {

using adledger_test::TempLedger;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

std::int64_t amount_of(std::mt19937_64& rng) {
  switch (rng() % 7) {
    case 0: return kMax;
    case 1: return kMax - static_cast<std::int64_t>(rng() % 1000);
    case 2: return kMax / 2 + static_cast<std::int64_t>(rng() % 3);
    case 3: return kMax / 3;
    case 4: return 1 + static_cast<std::int64_t>(rng() % 100000);
    case 5: return 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(kMax));
    default: return 1;
  }
}

ledger::Money money(std::int64_t minor, std::mt19937_64& rng) {
  return ledger::Money(minor, ledger::Currency::from_code(rng() % 2 ? "USD" : "EUR"));
}

// Every figure a user can ask for, built: none may fail on a ledger that
// accepted its writes.
void check_figures(TempLedger& t, const std::string& step) {
  ledger::Ledger reader(*t.store);
  EXPECT_NO_THROW(ledger::build_balance(reader, ledger::BalanceOptions{})) << step;
  EXPECT_NO_THROW(t.store->trial_balance()) << step;
  for (const char* advertiser : {"a", "b"})
    EXPECT_NO_THROW(ledger::build_advertiser_report(
        reader, advertiser, {std::nullopt, std::nullopt, ledger::Granularity::Year, adledger_test::date("2020-01-01"),
                             std::nullopt}))
        << step << " advertiser " << advertiser;
  for (const char* platform : {"p", "q"})
    EXPECT_NO_THROW(ledger::build_platform_report(
        reader, platform, {std::nullopt, std::nullopt, ledger::Granularity::Quarter,
                           adledger_test::date("2020-01-01"), std::nullopt}))
        << step << " platform " << platform;
}

void expect_verified(TempLedger& t, const std::string& step) {
  ledger::VerifyResult r = ledger::verify_ledger(*t.store, ledger::VerifyOptions{});
  EXPECT_TRUE(r.ok()) << step << ": " << r.first_problem().value_or("");
}

TEST(OverflowProperty, AcceptedWritesLeaveEveryFigureFormableAndRefusedOnesChangeNothing) {
  std::size_t accepted = 0, refused_overflow = 0, refused_rule = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    TempLedger t;
    t.write([&] {
      t.ledger.add_platform({"p", "P"});
      t.ledger.add_platform({"q", "Q"});
      t.ledger.add_advertiser({"a", "A", std::nullopt, false});
      t.ledger.add_advertiser({"b", "B", std::nullopt, false});
    });
    std::mt19937_64 rng(seed);
    std::vector<std::int64_t> entries;
    std::vector<std::string> pledges;
    for (int step = 0; step < 120; ++step) {
      const std::string label = "seed " + std::to_string(seed) + " step " + std::to_string(step);
      const ledger::TreeHead before = t.store->tree_head();
      const unsigned op = static_cast<unsigned>(rng() % 10);
      try {
        t.write([&] {
          if (op < 5) {  // spend, exact or a range
            ledger::SpendEntry e;
            e.advertiser_id = rng() % 2 ? "a" : "b";
            e.platform_id = rng() % 2 ? "p" : "q";
            e.amount = money(amount_of(rng), rng);
            e.period = ledger::Period::parse(std::to_string(2015 + rng() % 4));
            e.market = "US";
            e.source = "property " + label;
            if (op == 4) {
              e.precision = ledger::Precision::Range;
              const std::int64_t lower = e.amount.minor() / 2;
              e.upper = ledger::Money(e.amount.minor(), e.amount.currency());
              e.amount = ledger::Money(lower, e.amount.currency());
            }
            entries.push_back(t.ledger.record_spend(e).entry_id);
          } else if (op < 7 && !entries.empty()) {  // a reversal, maybe of one already reversed
            t.ledger.reverse_spend(entries[rng() % entries.size()], "property", "property " + label);
          } else if (op < 9) {  // a pledge
            ledger::Pledge p;
            p.platform_id = rng() % 2 ? "p" : "q";
            p.amount = money(amount_of(rng), rng);
            p.date = adledger_test::date("2017-10-26");
            p.beneficiary = "research";
            p.source = "property " + label;
            pledges.push_back(t.ledger.record_pledge(p).id);
          } else if (!pledges.empty()) {  // a disbursement, maybe more than is outstanding
            const std::string id = pledges[rng() % pledges.size()];
            ledger::Disbursement d;
            d.pledge_id = id;
            d.amount = ledger::Money(amount_of(rng), t.store->find_pledge(id)->amount.currency());
            d.date = adledger_test::date("2018-01-15");
            d.source = "property " + label;
            t.ledger.disburse(d);
          }
        });
        ++accepted;
      } catch (const ledger::Error& e) {
        const std::string what = e.what();
        if (what.find("overflow") != std::string::npos || what.find("the largest amount") != std::string::npos) {
          ++refused_overflow;
          EXPECT_EQ(e.kind(), ledger::ErrorKind::Input) << label << ": " << what;
        } else {
          ++refused_rule;
          EXPECT_EQ(e.kind(), ledger::ErrorKind::Rule) << label << ": " << what;
        }
        const ledger::TreeHead after = t.store->tree_head();
        EXPECT_EQ(after.size, before.size) << label;
        EXPECT_EQ(after.root, before.root) << label;
      }
      check_figures(t, label);
      if (step % 30 == 29) expect_verified(t, label);
      if (::testing::Test::HasFailure()) return;
    }
    expect_verified(t, "seed " + std::to_string(seed) + " at the end");
  }
  // The property bites: both kinds of refusal happened, and over a hundred
  // writes were taken (near the largest amount, most later ones overflow).
  EXPECT_GT(refused_overflow, 20u);
  EXPECT_GT(refused_rule, 0u);
  EXPECT_GT(accepted, 100u);
  std::cout << accepted << " writes accepted, " << refused_overflow << " refused as they would overflow, " << refused_rule
            << " refused by another rule\n";
}

}  // namespace
