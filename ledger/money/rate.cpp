#include "ledger/money/rate.hpp"

#include <limits>

#include "ledger/error.hpp"

namespace ledger {
namespace {

__extension__ typedef __int128 Wide;

Wide pow10(int n) {
  Wide out = 1;
  for (int i = 0; i < n; ++i) out *= 10;
  return out;
}

}  // namespace

Rate Rate::parse(std::string_view text, std::string_view field) {
  auto fail = [&](std::string_view why) { throw_input(field, text, why); };
  if (text.empty()) fail("a rate is required");
  if (text.size() > 40) fail("too long to be a rate");
  std::int64_t units = 0;
  int scale = 0;
  bool point = false, digits = false;
  for (char c : text) {
    if (c == '.') {
      if (point) fail("not a decimal number");
      point = true;
      continue;
    }
    if (c < '0' || c > '9') {
      if (c == 'e' || c == 'E') fail("exponents are not accepted; write the digits out");
      if (c == '-') fail("must be positive");
      fail("not a decimal number (digits, and a point for decimals)");
    }
    digits = true;
    if (point && ++scale > kScaleMax) fail("has more than 12 decimal places");
    if (units > (std::numeric_limits<std::int64_t>::max() - (c - '0')) / 10) fail("too large to be a rate");
    units = units * 10 + (c - '0');
  }
  if (!digits || text.front() == '.' || text.back() == '.') fail("not a decimal number");
  if (units == 0) fail("must be greater than zero");
  while (scale > 0 && units % 10 == 0) {
    units /= 10;
    --scale;
  }
  return Rate(units, scale);
}

std::string Rate::to_string() const { return format_minor(units_, scale_, Grouping::None); }

Money Rate::convert(const Money& amount, const Currency& to) const {
  // amount.minor / 10^dec_from * units / 10^scale, in minor units of `to`:
  // minor * units * 10^dec_to / 10^(scale + dec_from).
  Wide num = static_cast<Wide>(amount.minor()) * units_;  // < 2^126
  Wide den = pow10(scale_ + amount.currency().decimals());  // <= 10^16
  int up = to.decimals();
  const Wide limit = (static_cast<Wide>(1) << 126) / 10000;
  if ((num < 0 ? -num : num) > limit)
    throw Error(ErrorKind::Rule, amount.format() + " " + amount.currency().code() + " at " + to_string() +
                                     " exceeds the largest amount this ledger can hold");
  num *= pow10(up);
  Wide q = num / den, r = num % den;
  if (r < 0) r = -r;
  // Half to even, on the magnitude.
  if (2 * r > den || (2 * r == den && (q % 2 != 0))) q += num < 0 ? -1 : 1;
  if (q > std::numeric_limits<std::int64_t>::max() || q < -std::numeric_limits<std::int64_t>::max())
    throw Error(ErrorKind::Rule, amount.format() + " " + amount.currency().code() + " at " + to_string() +
                                     " exceeds the largest amount this ledger can hold");
  return Money(static_cast<std::int64_t>(q), to);
}

}  // namespace ledger
