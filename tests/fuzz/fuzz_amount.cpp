// libFuzzer target: Money::parse_positive.
//
// For any bytes and each of USD (2 decimals), JPY (0) and KWD (3), parsing
// either throws an input error (one line of valid UTF-8, naming the field)
// or gives a positive Money whose format(), plain and with thousands
// separators, parses back to the same minor units. Anything else -- another
// exception, an assert, a sanitizer report -- is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "fuzz_message.hpp"
#include "ledger/error.hpp"
#include "ledger/money/currency.hpp"
#include "ledger/money/money.hpp"

namespace {

[[noreturn]] void bug(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_amount: BUG: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// An error message must be one line of valid UTF-8 without control
// characters: quote() escapes whatever the user typed.
void check_message(const ledger::Error& e) {
  std::string_view m = e.what();
  if (e.kind() != ledger::ErrorKind::Input) bug("not an input error", m);
  if (!m.starts_with("amount ")) bug("message does not name the field", m);
  if (const char* why = unprintable(m)) bug(why, m);
  if (m.size() > 400) bug("message too long", m);
}

void round_trip(std::string_view text, const ledger::Currency& currency) {
  ledger::Money money;
  try {
    money = ledger::Money::parse_positive(text, currency, "amount");
  } catch (const ledger::Error& e) {
    check_message(e);
    return;
  }
  if (money.minor() <= 0) bug("parsed a non-positive amount", text);
  if (money.currency() != currency) bug("currency changed", text);
  for (auto grouping : {ledger::Grouping::None, ledger::Grouping::Thousands}) {
    std::string shown = money.format(grouping);
    ledger::Money again;
    try {
      again = ledger::Money::parse_positive(shown, currency, "amount");
    } catch (const ledger::Error& e) {
      bug("format() does not parse back", shown + " <- " + std::string(text) + ": " + e.what());
    }
    if (again.minor() != money.minor()) bug("format() parses back to other minor units", shown);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ledger::Currency usd = ledger::Currency::from_code("USD");
  static const ledger::Currency jpy = ledger::Currency::from_code("JPY");
  static const ledger::Currency kwd = ledger::Currency::from_code("KWD");
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    round_trip(text, usd);
    round_trip(text, jpy);
    round_trip(text, kwd);
  } catch (const std::exception& e) {
    bug("unexpected exception", e.what());
  }
  return 0;
}
