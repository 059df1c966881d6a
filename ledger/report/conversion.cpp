#include "ledger/report/conversion.hpp"

#include <algorithm>

namespace ledger {

Converted convert_entries(Store& store, std::vector<SpendEntry>& entries, const Currency& to) {
  Converted out;
  out.currency = to;
  for (SpendEntry& e : entries) {
    if (e.amount.currency() == to) continue;
    std::optional<ExchangeRate> rate = store.rate_on(e.amount.currency(), to, e.period.last());
    if (!rate) {
      out.unconverted.push_back(e.entry_id);
      continue;
    }
    Conversion c{e.entry_id, e.amount, e.upper, *rate, rate->rate.convert(e.amount, to), std::nullopt};
    if (e.upper) c.to_upper = rate->rate.convert(*e.upper, to);
    // A range's upper bound stays at or above its lower bound: both round
    // the same way from values in that order.
    e.amount = c.to;
    e.upper = c.to_upper;
    out.conversions.push_back(std::move(c));
  }
  std::sort(out.conversions.begin(), out.conversions.end(),
            [](const Conversion& a, const Conversion& b) { return a.entry_id < b.entry_id; });
  std::sort(out.unconverted.begin(), out.unconverted.end());
  return out;
}

}  // namespace ledger
