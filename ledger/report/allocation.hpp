// Exact pro-rata allocation of an amount over days.
//
// A spend entry covers a range of days; a report by month or quarter, or
// clipped to a range, needs the part of it that falls in each bucket. The
// part is proportional to the days, in integer minor units, by the
// largest-remainder rule: each part gets the floor of its exact share, and
// the units left over go one each to the parts with the largest fractional
// remainders, ties to the earlier part. The parts always add up exactly to
// the whole, so a report's buckets add up to its entries to the cent.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ledger/time/period.hpp"

namespace ledger {

// Splits `total` (>= 0) over `weights` (each >= 0, sum > 0).
std::vector<std::int64_t> allocate_largest_remainder(std::int64_t total, const std::vector<std::int64_t>& weights);

struct PeriodShare {
  Period part;  // the days of the entry in one bucket (and in the range)
  std::int64_t amount_minor = 0;
  std::int64_t items = 0;
};

// Splits an entry over `period` into the buckets of `by` (or one part when
// `by` is empty), keeping only the days inside `range` when given. It
// allocates in two steps: first the whole over the days before, inside and
// after the range, then the inside share over the buckets. So the parts
// always add up exactly to the entry's share of the range, whatever the
// granularity, and to the whole entry when the range covers it.
std::vector<PeriodShare> split_entry(const Period& period, std::int64_t amount_minor, std::int64_t items,
                                     const std::optional<Granularity>& by, const std::optional<Period>& range);

}  // namespace ledger
