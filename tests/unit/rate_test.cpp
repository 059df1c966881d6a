// Exchange rates: exact decimals, conversion rounded half to even once,
// overflow refused; rates as records (append-only, idempotent, logged).
#include <gtest/gtest.h>

#include "ledger/money/rate.hpp"
#include "ledger/report/conversion.hpp"
#include "test_support.hpp"

namespace {

using ledger::Currency;
using ledger::ErrorKind;
using ledger::Money;
using ledger::Rate;

Money m(std::int64_t minor, const char* code) { return Money(minor, Currency::from_code(code)); }

TEST(Rate, ParsesExactDecimals) {
  EXPECT_EQ(Rate::parse("1.0823").to_string(), "1.0823");
  EXPECT_EQ(Rate::parse("1.0800").to_string(), "1.08");  // canonical: the same rate
  EXPECT_EQ(Rate::parse("1.0800"), Rate::parse("1.08"));
  EXPECT_EQ(Rate::parse("154").to_string(), "154");
  EXPECT_EQ(Rate::parse("0.000000000001").to_string(), "0.000000000001");
}

TEST(Rate, RefusesWhatIsNotARate) {
  EXPECT_ERROR(ErrorKind::Input, "rate \"0\": must be greater than zero", Rate::parse("0"));
  EXPECT_ERROR(ErrorKind::Input, "must be greater than zero", Rate::parse("0.000"));
  EXPECT_ERROR(ErrorKind::Input, "must be positive", Rate::parse("-1.2"));
  EXPECT_ERROR(ErrorKind::Input, "exponents are not accepted", Rate::parse("1e3"));
  EXPECT_ERROR(ErrorKind::Input, "not a decimal number", Rate::parse("1,08"));
  EXPECT_ERROR(ErrorKind::Input, "not a decimal number", Rate::parse("1."));
  EXPECT_ERROR(ErrorKind::Input, "not a decimal number", Rate::parse(".5"));
  EXPECT_ERROR(ErrorKind::Input, "not a decimal number", Rate::parse("1.2.3"));
  EXPECT_ERROR(ErrorKind::Input, "more than 12 decimal places", Rate::parse("0.1234567890123"));
  EXPECT_ERROR(ErrorKind::Input, "too large to be a rate", Rate::parse("99999999999999999999"));
  EXPECT_ERROR(ErrorKind::Input, "a rate is required", Rate::parse(""));
}

TEST(Rate, ConvertsBetweenMinorUnitsOfAnyDecimals) {
  // 274,100.00 USD at 0.9235 EUR = 253,131.35 EUR.
  EXPECT_EQ(Rate::parse("0.9235").convert(m(27410000, "USD"), Currency::from_code("EUR")), m(25313135, "EUR"));
  // To a currency without minor units, and with three.
  EXPECT_EQ(Rate::parse("154.12").convert(m(1000, "USD"), Currency::from_code("JPY")), m(1541, "JPY"));
  EXPECT_EQ(Rate::parse("0.3071").convert(m(100, "USD"), Currency::from_code("KWD")), m(307, "KWD"));
  EXPECT_EQ(Rate::parse("3.2563").convert(m(1000, "KWD"), Currency::from_code("USD")), m(326, "USD"));
}

TEST(Rate, RoundsHalfToEvenOnce) {
  // 0.05 * 0.5 = 0.025 -> 0.02 (even); 0.07 * 0.5 = 0.035 -> 0.04 (even).
  EXPECT_EQ(Rate::parse("0.5").convert(m(5, "USD"), Currency::from_code("EUR")), m(2, "EUR"));
  EXPECT_EQ(Rate::parse("0.5").convert(m(7, "USD"), Currency::from_code("EUR")), m(4, "EUR"));
  // Negative amounts (a reversal's postings) round the same on the magnitude.
  EXPECT_EQ(Rate::parse("0.5").convert(m(-5, "USD"), Currency::from_code("EUR")), m(-2, "EUR"));
  EXPECT_EQ(Rate::parse("0.5").convert(m(-7, "USD"), Currency::from_code("EUR")), m(-4, "EUR"));
  // Not half: nearest.
  EXPECT_EQ(Rate::parse("0.51").convert(m(5, "USD"), Currency::from_code("EUR")), m(3, "EUR"));
}

TEST(Rate, RefusesAResultPastTheLargestAmount) {
  Money most = m(std::numeric_limits<std::int64_t>::max(), "USD");
  EXPECT_ERROR(ErrorKind::Rule, "exceeds the largest amount", Rate::parse("2").convert(most, Currency::from_code("EUR")));
  EXPECT_ERROR(ErrorKind::Rule, "exceeds the largest amount",
               Rate::parse("154").convert(most, Currency::from_code("JPY")));
  EXPECT_EQ(Rate::parse("1").convert(most, Currency::from_code("EUR")).minor(), most.minor());
}

struct RateLedgerTest : ::testing::Test {
  adledger_test::TempLedger t;
  ledger::ExchangeRate rate(const char* on, const char* value, const char* source = "ECB (sample)") {
    return ledger::ExchangeRate{Currency::from_code("EUR"), Currency::from_code("USD"), adledger_test::date(on),
                                Rate::parse(value), source, {}};
  }
};

TEST_F(RateLedgerTest, ARateIsRecordedOnceAndNeverChanged) {
  t.write([&] { t.ledger.set_rate(rate("2019-05-31", "1.1208")); });
  t.write([&] { t.ledger.set_rate(rate("2019-05-31", "1.12080")); });
  EXPECT_EQ(t.ledger.last_outcome(), ledger::Outcome::Unchanged);
  EXPECT_ERROR(ErrorKind::Rule, "rate EUR USD on 2019-05-31: already recorded with a different rate",
               t.write([&] { t.ledger.set_rate(rate("2019-05-31", "1.13")); }));
  ledger::ExchangeRate same = rate("2019-05-31", "1.1208");
  same.to = same.from;
  EXPECT_ERROR(ErrorKind::Input, "is the currency converted from", t.write([&] { t.ledger.set_rate(same); }));
  EXPECT_EQ(t.store->rates().size(), 1u);
}

TEST_F(RateLedgerTest, TheLatestRateOnOrBeforeThePeriodsEndConverts) {
  t.write([&] {
    t.ledger.set_rate(rate("2019-01-31", "1.10"));
    t.ledger.set_rate(rate("2019-03-31", "1.20"));
  });
  auto entry = [](std::int64_t id, const char* when, std::int64_t minor, const char* code) {
    ledger::SpendEntry e;
    e.entry_id = id;
    e.amount = m(minor, code);
    e.period = adledger_test::period(when);
    return e;
  };
  std::vector<ledger::SpendEntry> entries = {entry(1, "2019-02", 10000, "EUR"), entry(2, "2019-04", 10000, "EUR"),
                                             entry(3, "2019-01-01..2019-01-30", 10000, "EUR"),
                                             entry(4, "2019-02", 500, "USD")};
  ledger::Converted c = ledger::convert_entries(*t.store, entries, Currency::from_code("USD"));
  ASSERT_EQ(c.conversions.size(), 2u);
  EXPECT_EQ(entries[0].amount, m(11000, "USD"));  // the January rate: the latest by 2019-02-28
  EXPECT_EQ(entries[1].amount, m(12000, "USD"));  // the March rate
  EXPECT_EQ(entries[2].amount, m(10000, "EUR"));  // no rate by 2019-01-30: kept, and listed
  EXPECT_EQ(c.unconverted, std::vector<std::int64_t>{3});
  EXPECT_EQ(entries[3].amount, m(500, "USD"));  // already in USD
}

}  // namespace
