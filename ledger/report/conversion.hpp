// Spend converted to one currency for a report (--convert CUR).
//
// Each entry not already in the currency is converted at the latest rate on
// or before the last day of its period (a rate recorded with `rate set`),
// rounded half to even once, for the entry as a whole; its upper bound, for
// a range, the same way. An entry with no such rate keeps its currency and
// is listed: it is never dropped, and never converted at a guessed rate
// (an inverse rate is not a rate that was published).
#pragma once

#include <optional>
#include <vector>

#include "ledger/records.hpp"
#include "ledger/storage/store.hpp"

namespace ledger {

struct Conversion {
  std::int64_t entry_id = 0;
  Money from;                      // as recorded
  std::optional<Money> from_upper;
  ExchangeRate rate;
  Money to;                        // converted
  std::optional<Money> to_upper;
};

struct Converted {
  Currency currency;
  std::vector<Conversion> conversions;    // by entry
  std::vector<std::int64_t> unconverted;  // entries with no rate on or before their period's end
};

// Converts `entries` in place (their amount and upper bound) and says how.
Converted convert_entries(Store& store, std::vector<SpendEntry>& entries, const Currency& to);

}  // namespace ledger
