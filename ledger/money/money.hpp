// Money: an exact amount, an int64 count of a currency's minor units.
//
// There is no floating point anywhere on money. Amounts are parsed from and
// formatted to decimal strings exactly, and every sum is checked for
// overflow: a total that would not fit in int64 is an error, never a wrapped
// figure. Amounts a user records are always positive; signed amounts appear
// only in postings and balances, where the sign is the side of the entry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/money/currency.hpp"

namespace ledger {

enum class Grouping { None, Thousands };

class Money {
 public:
  Money() : minor_(0) {}  // a placeholder: zero of XXX, the "no currency" code
  Money(std::int64_t minor, Currency currency) : minor_(minor), currency_(std::move(currency)) {}

  // Parses a positive decimal amount: `274100`, `274100.00` or `274,100.00`
  // (commas only as thousands separators). Refuses signs, zero, exponents,
  // more decimal places than the currency has, and values past int64, with
  // an input error naming `field`.
  static Money parse_positive(std::string_view text, const Currency& currency,
                              std::string_view field = "amount");
  // The same, accepting zero: a range's lower bound ("less than 100").
  static Money parse_nonnegative(std::string_view text, const Currency& currency,
                                 std::string_view field = "amount");

  std::int64_t minor() const noexcept { return minor_; }
  const Currency& currency() const noexcept { return currency_; }

  // `274100.00` or, with Grouping::Thousands, `274,100.00`; `-5.00` for a
  // negative amount. Never rounds.
  std::string format(Grouping grouping = Grouping::None) const;

  Money negated() const;  // throws on the one value that has no negation

  friend bool operator==(const Money&, const Money&) = default;

 private:
  static Money parse(std::string_view text, const Currency& currency, std::string_view field, bool zero_allowed);

  std::int64_t minor_;
  Currency currency_;
};

// Overflow-checked integer arithmetic on minor units. Each throws an input
// error saying which total overflowed, never wraps.
std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what = "total");
std::int64_t checked_sub(std::int64_t a, std::int64_t b, std::string_view what = "total");

// Formats a count of minor units with the given number of decimal places.
std::string format_minor(std::int64_t minor, int decimals, Grouping grouping);
// Formats a plain integer count (items) with or without thousands separators.
std::string format_count(std::int64_t count, Grouping grouping);

}  // namespace ledger
