// Spend rolled up for a report: by a grouping key, by period, by tag, by
// market and by precision, all from one exact split of each entry.
//
// Every figure keeps currency and precision apart (exact and approximate
// figures are never added together), says whether it holds a pro rata part
// of an entry, and lists the entries behind it, so that a reader can trace
// it. Totals are the sums of the same parts as the period rows, so that a
// report's period rows always add up to its totals to the minor unit.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ledger/records.hpp"
#include "ledger/report/allocation.hpp"
#include "ledger/storage/store.hpp"

namespace ledger {

struct SpendFigure {
  std::optional<Period> bucket;  // set in period rows
  std::string group;             // a platform, an advertiser, a tag or a market
  Currency currency;
  Precision precision = Precision::Exact;
  std::int64_t amount_minor = 0;
  std::int64_t items = 0;
  bool items_complete = true;  // false when an entry's item count is unknown
  // The least exact of the item counts summed (exact, approximate,
  // estimated, in that order): "about 2,200" makes the sum approximate.
  Precision items_precision = Precision::Exact;
  bool pro_rata = false;       // true when a part of an entry was split off
  std::vector<std::int64_t> entry_ids;
  // Ranges only (precision Range): amount_minor is the sum of the lower
  // bounds, upper_minor of the upper bounds, split pro rata like them;
  // upper_open when some entry has no upper bound (then there is none).
  std::int64_t upper_minor = 0;
  bool upper_open = false;
};

struct SpendRollup {
  std::vector<SpendFigure> by_group;      // ordered by group, currency, precision
  std::vector<SpendFigure> by_period;     // by bucket, group, currency, precision
  std::vector<SpendFigure> by_tag;        // an entry with two tags counts under each
  std::vector<SpendFigure> by_market;
  std::vector<SpendFigure> by_precision;  // group is empty
};

// The tag under which entries without tags are shown.
inline constexpr const char* kUntagged = "(untagged)";

// Rolls `entries` up over `range` (all of each entry when empty), with
// period rows by `by`; `group_of` names an entry's group.
SpendRollup roll_up(const std::vector<SpendEntry>& entries, const std::function<std::string(const SpendEntry&)>& group_of,
                    Granularity by, const std::optional<Period>& range);

// A report's range from its --from and --to, either of which may be open
// (an open end reaches the first or last day a date can have); none when
// both are open. Throws an input error when `to` is before `from`.
std::optional<Period> report_range(const std::optional<Date>& from, const std::optional<Date>& to);

// `part` as a share of `whole`, rounded half up to a tenth of a percent:
// share_text(27410000, 190000000) is "14.4%". `whole` must be positive.
std::string share_text(std::int64_t part, std::int64_t whole);

// Spend in one currency and one precision that falls inside a range.
struct Itemised {
  Precision precision = Precision::Exact;
  std::int64_t amount_minor = 0;
  bool pro_rata = false;
  std::vector<std::int64_t> entry_ids;
  std::int64_t upper_minor = 0;  // ranges only, as in SpendFigure
  bool upper_open = false;
};

// A figure set beside the spend itemised for the same advertiser, platform
// and range: a disclosed total, or a pledge's basis.
struct Comparison {
  std::vector<Itemised> itemised;           // one per precision present, in the compared currency
  std::vector<std::int64_t> other_currency;  // entries in the range in other currencies: not compared
};

// Compares with the entries (all of one advertiser on one platform) the
// spend that falls in `range`, pro rata, in `currency`.
Comparison compare_itemised(const std::vector<SpendEntry>& entries, const Period& range, const Currency& currency);

// A disclosed total beside the spend itemised for its advertiser, platform
// and range (its whole range, whatever range the report asks for).
struct DisclosureCheck {
  DisclosedTotal disclosed;
  Comparison comparison;
};

// The disclosed totals of an advertiser and/or on a platform whose range
// overlaps `range` (all of them when it is empty), each compared.
std::vector<DisclosureCheck> check_disclosures(Store& store, const std::optional<std::string>& advertiser_id,
                                               const std::optional<std::string>& platform_id,
                                               const std::optional<Period>& range);

}  // namespace ledger
