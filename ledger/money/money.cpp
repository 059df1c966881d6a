#include "ledger/money/money.hpp"

#include <limits>

#include "ledger/error.hpp"

namespace ledger {
namespace {

constexpr std::size_t kAmountTextMax = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Inserts a comma every three digits from the right of a run of digits.
std::string group_thousands(const std::string& digits) {
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

Money Money::parse_positive(std::string_view text, const Currency& currency, std::string_view field) {
  return parse(text, currency, field, /*zero_allowed=*/false);
}

Money Money::parse_nonnegative(std::string_view text, const Currency& currency, std::string_view field) {
  return parse(text, currency, field, /*zero_allowed=*/true);
}

Money Money::parse(std::string_view text, const Currency& currency, std::string_view field, bool zero_allowed) {
  auto fail = [&](std::string_view reason) { throw_input(field, text, reason); };
  if (text.empty()) fail("an amount is required");
  if (text.size() > kAmountTextMax) fail("too long to be an amount");
  if (text.front() == '-') fail(zero_allowed ? "must not be negative" : "must be positive");
  if (text.front() == '+') fail("write the amount without a sign");

  // Split into integer and fraction parts, validating the thousands grouping.
  std::string_view int_part = text;
  std::string_view frac_part;
  bool has_point = false;
  if (auto dot = text.find('.'); dot != std::string_view::npos) {
    has_point = true;
    int_part = text.substr(0, dot);
    frac_part = text.substr(dot + 1);
  }
  for (char c : frac_part) {
    if (!is_digit(c)) {
      if (c == 'e' || c == 'E') fail("exponents are not accepted; write the digits out");
      fail("not a decimal number");
    }
  }
  std::string digits;
  bool grouped = int_part.find(',') != std::string_view::npos;
  std::size_t run = 0;
  bool first_group = true;
  for (char c : int_part) {
    if (c == ',') {
      if ((first_group && (run == 0 || run > 3)) || (!first_group && run != 3))
        fail("commas must separate groups of three digits");
      first_group = false;
      run = 0;
      continue;
    }
    if (!is_digit(c)) {
      if (c == 'e' || c == 'E') fail("exponents are not accepted; write the digits out");
      fail("not a decimal number");
    }
    digits += c;
    ++run;
  }
  if (grouped && run != 3) fail("commas must separate groups of three digits");
  if (digits.empty()) fail("needs at least one digit before the decimal point");
  if (has_point && frac_part.empty()) fail("needs digits after the decimal point");

  int decimals = currency.decimals();
  if (frac_part.size() > static_cast<std::size_t>(decimals)) {
    if (decimals == 0) fail(currency.code() + " has no decimal places");
    fail(currency.code() + " has " + std::to_string(decimals) + " decimal place" +
         (decimals == 1 ? "" : "s"));
  }

  // Accumulate digits, then pad the fraction to the currency's exponent,
  // checking every step against int64.
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t minor = 0;
  auto push_digit = [&](int d) {
    if (minor > (kMax - d) / 10) fail("exceeds the largest amount this ledger can hold");
    minor = minor * 10 + d;
  };
  for (char c : digits) push_digit(c - '0');
  for (char c : frac_part) push_digit(c - '0');
  for (std::size_t i = frac_part.size(); i < static_cast<std::size_t>(decimals); ++i) push_digit(0);
  if (minor == 0 && !zero_allowed) fail("must be greater than zero");
  return Money(minor, currency);
}

std::string format_minor(std::int64_t minor, int decimals, Grouping grouping) {
  bool negative = minor < 0;
  // Work in unsigned so that INT64_MIN formats too.
  std::uint64_t magnitude = negative ? (~static_cast<std::uint64_t>(minor) + 1)
                                     : static_cast<std::uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  auto width = static_cast<std::size_t>(decimals) + 1;
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  std::string int_part = digits.substr(0, digits.size() - static_cast<std::size_t>(decimals));
  std::string frac_part = digits.substr(digits.size() - static_cast<std::size_t>(decimals));
  std::string out = negative ? "-" : "";
  out += grouping == Grouping::Thousands ? group_thousands(int_part) : int_part;
  if (decimals > 0) out += "." + frac_part;
  return out;
}

std::string format_count(std::int64_t count, Grouping grouping) {
  return format_minor(count, 0, grouping);
}

std::string Money::format(Grouping grouping) const {
  return format_minor(minor_, currency_.decimals(), grouping);
}

Money Money::negated() const {
  if (minor_ == std::numeric_limits<std::int64_t>::min())
    throw Error(ErrorKind::Input, "amount " + format() + " " + currency_.code() + " cannot be negated");
  return Money(-minor_, currency_);
}

std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t out;
  if (__builtin_add_overflow(a, b, &out))
    throw Error(ErrorKind::Input, std::string(what) + " overflows the largest amount this ledger can hold");
  return out;
}

std::int64_t checked_sub(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t out;
  if (__builtin_sub_overflow(a, b, &out))
    throw Error(ErrorKind::Input, std::string(what) + " overflows the largest amount this ledger can hold");
  return out;
}

}  // namespace ledger
