#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "ledger/money/currency.hpp"
#include "ledger/money/money.hpp"
#include "test_support.hpp"

namespace {

using ledger::Currency;
using ledger::ErrorKind;
using ledger::Grouping;
using ledger::Money;

const Currency& USD() {
  static const Currency c = Currency::from_code("USD");
  return c;
}
const Currency& JPY() {
  static const Currency c = Currency::from_code("JPY");
  return c;
}
const Currency& KWD() {
  static const Currency c = Currency::from_code("KWD");
  return c;
}

std::int64_t minor_of(const char* text, const Currency& currency) {
  return Money::parse_positive(text, currency).minor();
}

TEST(MoneyParse, AcceptsPlainDecimalAndGroupedForms) {
  EXPECT_EQ(minor_of("274100", USD()), 27410000);
  EXPECT_EQ(minor_of("274100.00", USD()), 27410000);
  EXPECT_EQ(minor_of("274,100.00", USD()), 27410000);
  EXPECT_EQ(minor_of("274100.5", USD()), 27410050);
  EXPECT_EQ(minor_of("1,000,000.00", USD()), 100000000);
  EXPECT_EQ(minor_of("0.01", USD()), 1);
  EXPECT_EQ(minor_of("999", USD()), 99900);
  Money m = Money::parse_positive("274,100.00", USD());
  EXPECT_EQ(m.currency(), USD());
  EXPECT_EQ(m.currency().code(), "USD");
}

TEST(MoneyParse, RefusesMoreDecimalsThanTheCurrencyHas) {
  auto e = adledger_test::error_of([] { Money::parse_positive("274100.001", USD()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Input);
  EXPECT_STREQ(e->what(), "amount \"274100.001\": USD has 2 decimal places");
  EXPECT_ERROR(ErrorKind::Input, "USD has 2 decimal places", Money::parse_positive("274,100.001", USD()));
}

TEST(MoneyParse, NamesTheFieldInTheMessage) {
  EXPECT_ERROR(ErrorKind::Input, "spend[0].amount \"abc\"", Money::parse_positive("abc", USD(), "spend[0].amount"));
}

TEST(MoneyParse, RefusesSignsAndZero) {
  EXPECT_ERROR(ErrorKind::Input, "amount \"-5\": must be positive", Money::parse_positive("-5", USD()));
  EXPECT_ERROR(ErrorKind::Input, "must be positive", Money::parse_positive("-0.01", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"+5\"", Money::parse_positive("+5", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"0\": must be greater than zero", Money::parse_positive("0", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"0.00\": must be greater than zero", Money::parse_positive("0.00", USD()));
  EXPECT_ERROR(ErrorKind::Input, "must be greater than zero", Money::parse_positive("0", JPY()));
}

TEST(MoneyParse, RefusesMalformedText) {
  EXPECT_ERROR(ErrorKind::Input, "amount \"abc\"", Money::parse_positive("abc", USD()));
  EXPECT_ERROR(ErrorKind::Input, "exponents", Money::parse_positive("1e5", USD()));
  EXPECT_ERROR(ErrorKind::Input, "exponents", Money::parse_positive("1.5E3", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"\"", Money::parse_positive("", USD()));
  EXPECT_ERROR(ErrorKind::Input, "commas must separate groups of three digits", Money::parse_positive("12,34.00", USD()));
  EXPECT_ERROR(ErrorKind::Input, "commas must separate groups of three digits", Money::parse_positive("1,2345", USD()));
  EXPECT_ERROR(ErrorKind::Input, "commas", Money::parse_positive(",100", USD()));
  EXPECT_ERROR(ErrorKind::Input, "commas", Money::parse_positive("1000,000", USD()));
  EXPECT_ERROR(ErrorKind::Input, "commas", Money::parse_positive("1,,000", USD()));
  EXPECT_ERROR(ErrorKind::Input, "commas", Money::parse_positive("1,000,", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \".5\"", Money::parse_positive(".5", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"5.\"", Money::parse_positive("5.", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"1.2.3\"", Money::parse_positive("1.2.3", KWD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \" 5\"", Money::parse_positive(" 5", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"5 \"", Money::parse_positive("5 ", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"1.00,0\"", Money::parse_positive("1.00,0", KWD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"$5\"", Money::parse_positive("$5", USD()));
  EXPECT_ERROR(ErrorKind::Input, "amount \"0x10\"", Money::parse_positive("0x10", USD()));
}

TEST(MoneyParse, RefusesVeryLongText) {
  std::string text(1000, '1');
  auto e = adledger_test::error_of([&] { Money::parse_positive(text, USD()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Input);
  // The value is cut in the message, never the whole 1000 characters.
  EXPECT_LT(std::string(e->what()).size(), 200u);
}

TEST(MoneyParse, Int64Boundaries) {
  EXPECT_EQ(minor_of("9223372036854775807", JPY()), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(minor_of("9,223,372,036,854,775,807", JPY()), std::numeric_limits<std::int64_t>::max());
  EXPECT_ERROR(ErrorKind::Input, "exceeds the largest amount", Money::parse_positive("9223372036854775808", JPY()));
  EXPECT_ERROR(ErrorKind::Input, "exceeds the largest amount",
               Money::parse_positive("99999999999999999999", JPY()));
  EXPECT_EQ(minor_of("92233720368547758.07", USD()), std::numeric_limits<std::int64_t>::max());
  EXPECT_ERROR(ErrorKind::Input, "exceeds the largest amount", Money::parse_positive("92233720368547758.08", USD()));
  // Padding the fraction to the currency's places must be checked too.
  EXPECT_ERROR(ErrorKind::Input, "exceeds the largest amount", Money::parse_positive("92233720368547758.1", USD()));
  EXPECT_ERROR(ErrorKind::Input, "exceeds the largest amount", Money::parse_positive("92233720368547759", USD()));
}

TEST(MoneyParse, LeadingZerosAreDigits) {
  EXPECT_EQ(minor_of("007", JPY()), 7);
  EXPECT_EQ(minor_of("0.50", USD()), 50);
}

TEST(MoneyParse, CurrencyExponents) {
  EXPECT_EQ(minor_of("100", JPY()), 100);
  auto e = adledger_test::error_of([] { Money::parse_positive("100.5", JPY()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Input);
  EXPECT_STREQ(e->what(), "amount \"100.5\": JPY has no decimal places");
  EXPECT_ERROR(ErrorKind::Input, "JPY has no decimal places", Money::parse_positive("100.0", JPY()));
  EXPECT_EQ(minor_of("1.234", KWD()), 1234);
  EXPECT_EQ(minor_of("1.2", KWD()), 1200);
  EXPECT_EQ(minor_of("1", KWD()), 1000);
  EXPECT_ERROR(ErrorKind::Input, "KWD has 3 decimal places", Money::parse_positive("1.2345", KWD()));
}

TEST(Currency, FromCodeKnowsExponents) {
  EXPECT_EQ(Currency::from_code("USD").decimals(), 2);
  EXPECT_EQ(Currency::from_code("JPY").decimals(), 0);
  EXPECT_EQ(Currency::from_code("KWD").decimals(), 3);
  EXPECT_EQ(Currency::from_code("EUR").decimals(), 2);
  EXPECT_EQ(Currency::from_code("RUB").decimals(), 2);
  EXPECT_EQ(Currency::from_code("RUB").code(), "RUB");
  EXPECT_EQ(Currency::from_code("EUR"), Currency::from_code("EUR"));
  EXPECT_NE(Currency::from_code("EUR"), Currency::from_code("USD"));
  EXPECT_LT(Currency::from_code("EUR"), Currency::from_code("USD"));
}

TEST(Currency, DefaultIsTheNoCurrencyPlaceholder) {
  Currency c;
  EXPECT_EQ(c.code(), "XXX");
  EXPECT_EQ(c.decimals(), 0);
  Money m;
  EXPECT_EQ(m.minor(), 0);
  EXPECT_EQ(m.currency().code(), "XXX");
}

TEST(Currency, RefusesUnknownAndMisshapenCodes) {
  EXPECT_ERROR(ErrorKind::Input, "currency \"usd\": a currency is a three-letter ISO 4217 code in capitals",
               Currency::from_code("usd"));
  EXPECT_ERROR(ErrorKind::Input, "currency \"XYZ\": not an ISO 4217 currency code", Currency::from_code("XYZ"));
  EXPECT_ERROR(ErrorKind::Input, "currency \"US\": a currency is a three-letter", Currency::from_code("US"));
  EXPECT_ERROR(ErrorKind::Input, "currency \"\"", Currency::from_code(""));
  EXPECT_ERROR(ErrorKind::Input, "currency \"USDX\"", Currency::from_code("USDX"));
  EXPECT_ERROR(ErrorKind::Input, "spend[0].currency \"XYZ\"", Currency::from_code("XYZ", "spend[0].currency"));
}

TEST(MoneyFormat, FormatMinor) {
  using ledger::format_minor;
  EXPECT_EQ(format_minor(27410000, 2, Grouping::None), "274100.00");
  EXPECT_EQ(format_minor(27410000, 2, Grouping::Thousands), "274,100.00");
  EXPECT_EQ(format_minor(-500, 2, Grouping::None), "-5.00");
  EXPECT_EQ(format_minor(-500, 2, Grouping::Thousands), "-5.00");
  EXPECT_EQ(format_minor(5, 2, Grouping::None), "0.05");
  EXPECT_EQ(format_minor(-5, 2, Grouping::None), "-0.05");
  EXPECT_EQ(format_minor(0, 2, Grouping::None), "0.00");
  EXPECT_EQ(format_minor(0, 0, Grouping::None), "0");
  EXPECT_EQ(format_minor(1234, 3, Grouping::None), "1.234");
  EXPECT_EQ(format_minor(100000000, 2, Grouping::Thousands), "1,000,000.00");
  EXPECT_EQ(format_minor(-100000000, 2, Grouping::Thousands), "-1,000,000.00");
  EXPECT_EQ(format_minor(99999, 2, Grouping::Thousands), "999.99");
  EXPECT_EQ(format_minor(100000, 2, Grouping::Thousands), "1,000.00");
}

TEST(MoneyFormat, ExtremesDoNotCrash) {
  using ledger::format_minor;
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(format_minor(kMin, 2, Grouping::None), "-92233720368547758.08");
  EXPECT_EQ(format_minor(kMin, 0, Grouping::Thousands), "-9,223,372,036,854,775,808");
  EXPECT_EQ(format_minor(kMax, 2, Grouping::None), "92233720368547758.07");
  EXPECT_EQ(format_minor(kMax, 0, Grouping::None), "9223372036854775807");
}

TEST(MoneyFormat, MoneyFormatUsesCurrencyPlaces) {
  EXPECT_EQ(Money(27410000, USD()).format(), "274100.00");
  EXPECT_EQ(Money(27410000, USD()).format(Grouping::Thousands), "274,100.00");
  EXPECT_EQ(Money(-500, USD()).format(), "-5.00");
  EXPECT_EQ(Money(5, USD()).format(), "0.05");
  EXPECT_EQ(Money(1234567, JPY()).format(), "1234567");
  EXPECT_EQ(Money(1234567, JPY()).format(Grouping::Thousands), "1,234,567");
  EXPECT_EQ(Money(1234, KWD()).format(), "1.234");
  EXPECT_EQ(Money(5, KWD()).format(), "0.005");
}

TEST(MoneyFormat, ParseFormatRoundTrip) {
  for (const char* text : {"0.01", "274100.00", "1.50", "92233720368547758.07"}) {
    EXPECT_EQ(Money::parse_positive(text, USD()).format(), text);
  }
  for (const char* text : {"274,100.00", "1,000,000.00", "999.00"}) {
    EXPECT_EQ(Money::parse_positive(text, USD()).format(Grouping::Thousands), text);
  }
}

TEST(MoneyFormat, FormatCount) {
  EXPECT_EQ(ledger::format_count(1234567, Grouping::Thousands), "1,234,567");
  EXPECT_EQ(ledger::format_count(1234567, Grouping::None), "1234567");
  EXPECT_EQ(ledger::format_count(0, Grouping::Thousands), "0");
}

TEST(MoneyArithmetic, Negated) {
  EXPECT_EQ(Money(500, USD()).negated(), Money(-500, USD()));
  EXPECT_EQ(Money(std::numeric_limits<std::int64_t>::max(), USD()).negated().minor(),
            -std::numeric_limits<std::int64_t>::max());
  EXPECT_ERROR(ErrorKind::Input, "cannot be negated", Money(std::numeric_limits<std::int64_t>::min(), USD()).negated());
}

TEST(MoneyArithmetic, CheckedAddAndSub) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(ledger::checked_add(2, 3), 5);
  EXPECT_EQ(ledger::checked_add(kMax, 0), kMax);
  EXPECT_EQ(ledger::checked_add(kMax, kMin), -1);
  EXPECT_EQ(ledger::checked_sub(5, 7), -2);
  EXPECT_EQ(ledger::checked_sub(kMin, 0), kMin);
  EXPECT_ERROR(ErrorKind::Input, "spend total overflows", ledger::checked_add(kMax, 1, "spend total"));
  EXPECT_ERROR(ErrorKind::Input, "overflows", ledger::checked_add(kMin, -1));
  EXPECT_ERROR(ErrorKind::Input, "outstanding overflows", ledger::checked_sub(kMin, 1, "outstanding"));
  EXPECT_ERROR(ErrorKind::Input, "overflows", ledger::checked_sub(kMax, -1));
  EXPECT_ERROR(ErrorKind::Input, "overflows", ledger::checked_sub(0, kMin));
}

}  // namespace
