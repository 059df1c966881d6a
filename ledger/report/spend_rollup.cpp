#include "ledger/report/spend_rollup.hpp"

#include <map>
#include <tuple>

#include "ledger/error.hpp"

namespace ledger {
namespace {

__extension__ typedef __int128 Wide;

using Key = std::tuple<Date, std::string, std::string, Precision>;  // bucket start, group, currency, precision

void add_entry_id(std::vector<std::int64_t>& ids, std::int64_t id) {
  if (ids.empty() || ids.back() != id) ids.push_back(id);
}

// The upper bound of a range entry's share: the same split as its lower
// bound, of the upper bound.
struct Upper {
  std::int64_t minor = 0;
  bool open = false;
};

void add_share(std::map<Key, SpendFigure>& rows, const Key& key, const std::optional<Period>& bucket,
               const std::string& group, const SpendEntry& e, std::int64_t amount, std::int64_t items, bool pro_rata,
               const Upper& upper) {
  auto [it, fresh] = rows.try_emplace(key);
  SpendFigure& f = it->second;
  if (fresh) {
    f.bucket = bucket;
    f.group = group;
    f.currency = e.amount.currency();
    f.precision = e.precision;
  }
  f.amount_minor = checked_add(f.amount_minor, amount, "spend total");
  f.items = checked_add(f.items, items, "item total");
  f.items_complete = f.items_complete && e.items.has_value();
  if (e.items && e.items_precision > f.items_precision) f.items_precision = e.items_precision;
  f.pro_rata = f.pro_rata || pro_rata;
  add_entry_id(f.entry_ids, e.entry_id);
  if (e.precision == Precision::Range) {
    f.upper_minor = checked_add(f.upper_minor, upper.minor, "spend upper bound");
    f.upper_open = f.upper_open || upper.open;
  }
}

// The shares of an entry's upper bound, one per share of its lower bound
// (split_entry cuts by days alone, so the parts match).
std::vector<Upper> upper_shares(const SpendEntry& e, std::size_t parts, const std::optional<Granularity>& by,
                                const std::optional<Period>& range) {
  std::vector<Upper> out(parts);
  if (e.precision != Precision::Range) return out;
  if (!e.upper) {
    for (Upper& u : out) u.open = true;
    return out;
  }
  std::vector<PeriodShare> shares = split_entry(e.period, e.upper->minor(), 0, by, range);
  for (std::size_t i = 0; i < parts && i < shares.size(); ++i) out[i].minor = shares[i].amount_minor;
  return out;
}

std::vector<SpendFigure> values(std::map<Key, SpendFigure>& rows) {
  std::vector<SpendFigure> out;
  out.reserve(rows.size());
  for (auto& [key, f] : rows) out.push_back(std::move(f));
  return out;
}

}  // namespace

SpendRollup roll_up(const std::vector<SpendEntry>& entries, const std::function<std::string(const SpendEntry&)>& group_of,
                    Granularity by, const std::optional<Period>& range) {
  const Date none = first_day();  // the bucket key of rows without a period
  std::map<Key, SpendFigure> groups, periods, tags, markets, precisions;
  for (const SpendEntry& e : entries) {
    if (e.reversal) continue;  // a reversed entry counts in no figure
    std::vector<PeriodShare> shares = split_entry(e.period, e.amount.minor(), e.items.value_or(0), by, range);
    if (shares.empty()) continue;
    std::vector<Upper> uppers = upper_shares(e, shares.size(), by, range);
    const std::string group = group_of(e);
    const std::string& code = e.amount.currency().code();
    std::int64_t amount = 0, items = 0;
    Upper upper;
    for (std::size_t i = 0; i < shares.size(); ++i) {
      const PeriodShare& s = shares[i];
      amount = checked_add(amount, s.amount_minor, "spend total");
      items = checked_add(items, s.items, "item total");
      upper.minor = checked_add(upper.minor, uppers[i].minor, "spend upper bound");
      upper.open = upper.open || uppers[i].open;
      Period bucket = bucket_of(s.part.first(), by);
      add_share(periods, Key{bucket.first(), group, code, e.precision}, bucket, group, e, s.amount_minor, s.items,
                s.part != e.period, uppers[i]);
    }
    bool cut = range && !(range->first() <= e.period.first() && e.period.last() <= range->last());
    add_share(groups, Key{none, group, code, e.precision}, std::nullopt, group, e, amount, items, cut, upper);
    add_share(markets, Key{none, e.market, code, e.precision}, std::nullopt, e.market, e, amount, items, cut, upper);
    add_share(precisions, Key{none, "", code, e.precision}, std::nullopt, "", e, amount, items, cut, upper);
    if (e.tags.empty())
      add_share(tags, Key{none, kUntagged, code, e.precision}, std::nullopt, kUntagged, e, amount, items, cut, upper);
    for (const std::string& tag : e.tags)
      add_share(tags, Key{none, tag, code, e.precision}, std::nullopt, tag, e, amount, items, cut, upper);
  }
  return SpendRollup{values(groups), values(periods), values(tags), values(markets), values(precisions)};
}

std::optional<Period> report_range(const std::optional<Date>& from, const std::optional<Date>& to) {
  if (!from && !to) return std::nullopt;
  Date first = from.value_or(first_day());
  Date last = to.value_or(last_day());
  if (last < first) throw_input("to", format_date(last), "is before --from " + format_date(first));
  return Period(first, last);
}

std::string share_text(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) throw Error(ErrorKind::Input, "a share needs a positive whole");
  // Rounded half away from zero, on the magnitude: C++ division truncates.
  bool negative = part < 0;
  Wide magnitude = negative ? -static_cast<Wide>(part) : static_cast<Wide>(part);
  Wide tenths = (magnitude * 1000 + whole / 2) / whole;  // tenths of a percent
  if (tenths == 0) negative = false;
  std::string integral;
  Wide units = tenths / 10;
  do {
    integral.insert(integral.begin(), static_cast<char>('0' + static_cast<int>(units % 10)));
    units /= 10;
  } while (units > 0);
  return (negative ? "-" : "") + integral + "." + static_cast<char>('0' + static_cast<int>(tenths % 10)) + "%";
}

Comparison compare_itemised(const std::vector<SpendEntry>& entries, const Period& range, const Currency& currency) {
  Comparison out;
  std::map<Precision, Itemised> by_precision;
  for (const SpendEntry& e : entries) {
    if (!e.period.overlaps(range) || e.reversal) continue;
    if (e.amount.currency() != currency) {
      out.other_currency.push_back(e.entry_id);
      continue;
    }
    std::vector<PeriodShare> shares = split_entry(e.period, e.amount.minor(), 0, std::nullopt, range);
    std::vector<Upper> uppers = upper_shares(e, shares.size(), std::nullopt, range);
    Itemised& row = by_precision[e.precision];
    row.precision = e.precision;
    for (const PeriodShare& s : shares) row.amount_minor = checked_add(row.amount_minor, s.amount_minor, "itemised spend");
    for (const Upper& u : uppers) {
      row.upper_minor = checked_add(row.upper_minor, u.minor, "itemised upper bound");
      row.upper_open = row.upper_open || u.open;
    }
    row.pro_rata = row.pro_rata || !(range.first() <= e.period.first() && e.period.last() <= range.last());
    add_entry_id(row.entry_ids, e.entry_id);
  }
  for (auto& [precision, row] : by_precision) out.itemised.push_back(std::move(row));
  return out;
}

std::vector<DisclosureCheck> check_disclosures(Store& store, const std::optional<std::string>& advertiser_id,
                                               const std::optional<std::string>& platform_id,
                                               const std::optional<Period>& range) {
  std::vector<DisclosureCheck> out;
  for (DisclosedTotal& d : store.disclosed_totals(advertiser_id, platform_id)) {
    if (range && !range->overlaps(d.period)) continue;
    std::vector<SpendEntry> entries = store.spend(SpendQuery{d.advertiser_id, d.platform_id, d.period});
    Comparison c = compare_itemised(entries, d.period, d.amount.currency());
    out.push_back(DisclosureCheck{std::move(d), std::move(c)});
  }
  return out;
}

}  // namespace ledger
