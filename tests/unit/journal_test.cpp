#include <gtest/gtest.h>

#include "ledger/journal/journal.hpp"
#include "test_support.hpp"

namespace {

using ledger::Currency;
using ledger::ErrorKind;
using ledger::JournalTxn;
using ledger::Money;
using ledger::Posting;
using ledger::TxnKind;

Money usd(std::int64_t minor) { return Money(minor, Currency::from_code("USD")); }
Money eur(std::int64_t minor) { return Money(minor, Currency::from_code("EUR")); }

JournalTxn txn_of(std::vector<Posting> postings) {
  JournalTxn txn;
  txn.date = ledger::parse_date("2017-10-26");
  txn.kind = TxnKind::Spend;
  txn.description = "test txn";
  txn.postings = std::move(postings);
  return txn;
}

TEST(CheckBalanced, AcceptsTwoPostings) {
  EXPECT_NO_THROW(ledger::check_balanced(txn_of({{"expenses:ads:rt:twitter", usd(500)},
                                                  {"income:ads:twitter:rt", usd(-500)}})));
}

TEST(CheckBalanced, AcceptsMultiCurrencyBalancedPerCurrency) {
  EXPECT_NO_THROW(ledger::check_balanced(txn_of({{"a", usd(500)},
                                                  {"b", eur(300)},
                                                  {"c", usd(-500)},
                                                  {"d", eur(-100)},
                                                  {"e", eur(-200)}})));
  EXPECT_NO_THROW(ledger::check_balanced(txn_of({{"a", usd(700)}, {"b", usd(-300)}, {"c", usd(-400)}})));
}

TEST(CheckBalanced, RefusesOnePosting) {
  EXPECT_ERROR(ErrorKind::Rule, "transaction \"test txn\": needs at least two postings, has 1",
               ledger::check_balanced(txn_of({{"a", usd(500)}})));
}

// A transaction of no postings posts nothing: the journal side of a spend
// range whose lower bound is zero. make_transfer of zero makes one.
TEST(CheckBalanced, AcceptsNoPostings) {
  EXPECT_NO_THROW(ledger::check_balanced(txn_of({})));
  ledger::JournalTxn t = ledger::make_transfer(ledger::parse_date("2019-05-01"), ledger::TxnKind::Spend, "zero", "a",
                                               "b", usd(0));
  EXPECT_TRUE(t.postings.empty());
  EXPECT_EQ(ledger::make_transfer(ledger::parse_date("2019-05-01"), ledger::TxnKind::Spend, "one", "a", "b", usd(1))
                .postings.size(),
            2u);
}

TEST(CheckBalanced, RefusesAZeroPosting) {
  EXPECT_ERROR(ErrorKind::Rule, "posting to b is zero",
               ledger::check_balanced(txn_of({{"a", usd(500)}, {"b", usd(0)}, {"c", usd(-500)}})));
}

TEST(CheckBalanced, RefusesUnbalanced) {
  auto e = adledger_test::error_of([] { ledger::check_balanced(txn_of({{"a", usd(500)}, {"b", usd(-400)}})); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Rule);
  EXPECT_STREQ(e->what(), "transaction \"test txn\": does not balance, USD postings sum to 1.00");
}

TEST(CheckBalanced, RefusesBalancedOnlyAcrossCurrencies) {
  EXPECT_ERROR(ErrorKind::Rule, "does not balance",
               ledger::check_balanced(txn_of({{"a", usd(500)}, {"b", eur(-500)}})));
  EXPECT_ERROR(ErrorKind::Rule, "does not balance",
               ledger::check_balanced(txn_of({{"a", usd(500)}, {"b", usd(-500)}, {"c", eur(5)}, {"d", usd(-5)}})));
}

TEST(CheckBalanced, RefusesOverflowingSums) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_ERROR(ErrorKind::Input, "overflows",
               ledger::check_balanced(txn_of({{"a", usd(kMax)}, {"b", usd(kMax)}, {"c", usd(-kMax)}})));
}

TEST(MakeTransfer, DebitsAndCredits) {
  JournalTxn txn = ledger::make_transfer(ledger::parse_date("2017-10-26"), TxnKind::Pledge, "pledge x",
                                         "expenses:pledges:twitter", "liabilities:pledges:twitter:p1", usd(190000000));
  EXPECT_EQ(txn.date, ledger::parse_date("2017-10-26"));
  EXPECT_EQ(txn.kind, TxnKind::Pledge);
  EXPECT_EQ(txn.description, "pledge x");
  ASSERT_EQ(txn.postings.size(), 2u);
  EXPECT_EQ(txn.postings[0].account, "expenses:pledges:twitter");
  EXPECT_EQ(txn.postings[0].amount, usd(190000000));
  EXPECT_EQ(txn.postings[1].account, "liabilities:pledges:twitter:p1");
  EXPECT_EQ(txn.postings[1].amount, usd(-190000000));
  EXPECT_NO_THROW(ledger::check_balanced(txn));
}

TEST(ChartOfAccounts, Names) {
  EXPECT_EQ(ledger::spend_expense_account("rt", "twitter"), "expenses:ads:rt:twitter");
  EXPECT_EQ(ledger::spend_income_account("twitter", "rt"), "income:ads:twitter:rt");
  EXPECT_EQ(ledger::pledge_expense_account("twitter"), "expenses:pledges:twitter");
  EXPECT_EQ(ledger::pledge_liability_account("twitter", "p1"), "liabilities:pledges:twitter:p1");
  EXPECT_EQ(ledger::disbursement_cash_account("twitter"), "assets:cash:twitter");
}

TEST(ChartOfAccounts, TxnKindNames) {
  EXPECT_EQ(ledger::to_string(TxnKind::Spend), "spend");
  EXPECT_EQ(ledger::to_string(TxnKind::Pledge), "pledge");
  EXPECT_EQ(ledger::to_string(TxnKind::Disbursement), "disbursement");
}

}  // namespace
