// Currencies: ISO 4217 codes and their minor-unit exponents.
//
// An amount is stored as an integer count of the currency's minor unit (cents
// for USD, yen for JPY, fils for KWD), so the number of decimal places is part
// of the currency, not of the amount. The table holds the active ISO 4217
// codes; an unknown code is refused rather than guessed at.
#pragma once

#include <string>
#include <string_view>

namespace ledger {

class Currency {
 public:
  // XXX, ISO 4217's "no currency": only a placeholder before assignment.
  Currency() : code_("XXX"), decimals_(0) {}

  // Looks the code up in the ISO 4217 table; throws an input error naming
  // `field` for a code that is not there.
  static Currency from_code(std::string_view code, std::string_view field = "currency");

  const std::string& code() const noexcept { return code_; }
  int decimals() const noexcept { return decimals_; }

  friend bool operator==(const Currency& a, const Currency& b) { return a.code_ == b.code_; }
  friend auto operator<=>(const Currency& a, const Currency& b) { return a.code_ <=> b.code_; }

 private:
  Currency(std::string code, int decimals) : code_(std::move(code)), decimals_(decimals) {}
  std::string code_;
  int decimals_;
};

}  // namespace ledger
