// libFuzzer target: Period::parse and parse_date.
//
// For any bytes, Period::parse either throws an input error or gives a
// period that runs forwards and whose to_string() parses back to the same
// period; parse_date either throws an input error or gives a day that
// format_date() writes back as the very same text (the form is strict). The
// calendar buckets of the period's ends hold them. Any other exception, an
// assert, or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "fuzz_message.hpp"
#include "ledger/error.hpp"
#include "ledger/time/period.hpp"

namespace {

[[noreturn]] void bug(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_period: BUG: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void check_message(const ledger::Error& e, std::string_view field) {
  std::string_view m = e.what();
  if (e.kind() != ledger::ErrorKind::Input) bug("not an input error", m);
  if (!m.starts_with(std::string(field) + " ")) bug("message does not name the field", m);
  if (const char* why = unprintable(m)) bug(why, m);
  if (m.size() > 400) bug("message too long", m);
}

void check_buckets(const ledger::Date& day) {
  for (auto g : {ledger::Granularity::Year, ledger::Granularity::Quarter, ledger::Granularity::Month,
                 ledger::Granularity::Week}) {
    ledger::Period bucket = ledger::bucket_of(day, g);
    if (!bucket.contains(day)) bug("bucket_of does not contain the day", ledger::format_date(day));
    std::string name = bucket.to_string();
    ledger::Period again;
    try {
      again = ledger::Period::parse(name, "period");
    } catch (const ledger::Error& e) {
      bug("a bucket's to_string() does not parse back", name + ": " + e.what());
    }
    if (!(again == bucket)) bug("a bucket's to_string() parses back to another period", name);
  }
}

void period(std::string_view text) {
  ledger::Period p;
  try {
    p = ledger::Period::parse(text, "period");
  } catch (const ledger::Error& e) {
    check_message(e, "period");
    return;
  }
  if (p.last() < p.first()) bug("period runs backwards", text);
  if (p.days() < 1) bug("period has no days", text);
  std::string shown = p.to_string();
  ledger::Period again;
  try {
    again = ledger::Period::parse(shown, "period");
  } catch (const ledger::Error& e) {
    bug("to_string() does not parse back", shown + " <- " + std::string(text) + ": " + e.what());
  }
  if (!(again == p))
    bug("to_string() parses back to another period", shown + " <- " + std::string(text) + " = " +
                                                         again.to_string());
  if (again.to_string() != shown) bug("to_string() is not canonical", shown);
  check_buckets(p.first());
  check_buckets(p.last());
}

void date(std::string_view text) {
  ledger::Date d;
  try {
    d = ledger::parse_date(text, "date");
  } catch (const ledger::Error& e) {
    check_message(e, "date");
    return;
  }
  if (d.is_special()) bug("parse_date gave a special date", text);
  if (ledger::format_date(d) != text) bug("format_date() does not give back the text", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    period(text);
    date(text);
  } catch (const std::exception& e) {
    bug("unexpected exception", e.what());
  }
  return 0;
}
