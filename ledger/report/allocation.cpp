#include "ledger/report/allocation.hpp"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace ledger {
namespace {
// amount x days needs up to 64 + 22 bits; GCC and Clang's 128-bit integer
// holds it exactly (__extension__ keeps -Wpedantic quiet about it).
__extension__ typedef __int128 Wide;
}  // namespace

std::vector<std::int64_t> allocate_largest_remainder(std::int64_t total, const std::vector<std::int64_t>& weights) {
  assert(total >= 0 && !weights.empty());
  Wide weight_sum = 0;
  for (std::int64_t w : weights) {
    assert(w >= 0);
    weight_sum += w;
  }
  assert(weight_sum > 0);
  std::vector<std::int64_t> parts(weights.size());
  std::vector<Wide> remainders(weights.size());
  Wide given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    Wide exact = static_cast<Wide>(total) * weights[i];
    parts[i] = static_cast<std::int64_t>(exact / weight_sum);
    remainders[i] = exact % weight_sum;
    given += parts[i];
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  auto left = static_cast<std::int64_t>(total - given);
  assert(left >= 0 && static_cast<std::size_t>(left) < weights.size() + 1);
  for (std::size_t k = 0; k < static_cast<std::size_t>(left); ++k) ++parts[order[k]];
  return parts;
}

std::vector<PeriodShare> split_entry(const Period& period, std::int64_t amount_minor, std::int64_t items,
                                     const std::optional<Granularity>& by, const std::optional<Period>& range) {
  // First the range: the entry's days before, inside and after it share
  // the whole, so the inside gets exactly its share whatever the buckets.
  Period inside = period;
  std::int64_t amount = amount_minor, count = items;
  if (range) {
    if (!range->overlaps(period)) return {};
    inside = Period(std::max(period.first(), range->first()), std::min(period.last(), range->last()));
    if (inside != period) {
      std::int64_t before = period.first() < inside.first() ? (inside.first() - period.first()).days() : 0;
      std::int64_t after = inside.last() < period.last() ? (period.last() - inside.last()).days() : 0;
      std::vector<std::int64_t> weights{before, inside.days(), after};
      amount = allocate_largest_remainder(amount_minor, weights)[1];
      count = allocate_largest_remainder(items, weights)[1];
    }
  }
  // Then the buckets, over what is inside.
  std::vector<Period> parts;
  for (Date day = inside.first(); day <= inside.last();) {
    Date last = by ? std::min(inside.last(), bucket_of(day, *by).last()) : inside.last();
    parts.emplace_back(day, last);
    day = last + boost::gregorian::days(1);
  }
  std::vector<std::int64_t> weights;
  weights.reserve(parts.size());
  for (const Period& p : parts) weights.push_back(p.days());
  std::vector<std::int64_t> amounts = allocate_largest_remainder(amount, weights);
  std::vector<std::int64_t> counts = allocate_largest_remainder(count, weights);
  std::vector<PeriodShare> out;
  out.reserve(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) out.push_back(PeriodShare{parts[i], amounts[i], counts[i]});
  return out;
}

}  // namespace ledger
