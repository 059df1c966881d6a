// Exchange rates as exact decimals, and conversion at them.
//
// A rate is written as a decimal (`0.9235`, `1.0823`, `154.12`) and kept
// exactly: an integer and a power of ten, never a binary floating-point
// number. Converting an amount multiplies in 128-bit integers and rounds
// once, half to even, to the target currency's minor unit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/money/money.hpp"

namespace ledger {

class Rate {
 public:
  static constexpr int kScaleMax = 12;  // decimal places a rate may have

  // A positive decimal: digits, optionally a point and at most kScaleMax
  // decimals; no sign, no exponent, no grouping. Throws an input error
  // naming `field`.
  static Rate parse(std::string_view text, std::string_view field = "rate");
  Rate() : Rate(1, 0) {}  // one: a placeholder

  std::int64_t units() const noexcept { return units_; }
  int scale() const noexcept { return scale_; }
  // The canonical text, without trailing zeros: 1.0800 is "1.08".
  std::string to_string() const;

  // `amount` (in the rate's FROM currency) in `to`, rounded half to even
  // once. Throws a rule error when the result exceeds what an amount holds.
  Money convert(const Money& amount, const Currency& to) const;

  friend bool operator==(const Rate&, const Rate&) = default;

 private:
  Rate(std::int64_t units, int scale) : units_(units), scale_(scale) {}
  std::int64_t units_;  // the value is units / 10^scale, in lowest terms of ten
  int scale_;
};

}  // namespace ledger
