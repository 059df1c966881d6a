#include "ledger/report/advertiser_report.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "ledger/error.hpp"

namespace ledger {
namespace {

void add_entry_id(std::vector<std::int64_t>& ids, std::int64_t id) {
  if (ids.empty() || ids.back() != id) ids.push_back(id);
}

}  // namespace

AdvertiserReport build_advertiser_report(Ledger& ledger, const std::string& advertiser_id,
                                         const AdvertiserReportOptions& options) {
  Store& store = ledger.store();
  AdvertiserReport report;
  report.advertiser = ledger.advertiser(advertiser_id);
  report.handles = store.handles_of(advertiser_id);
  report.by = options.by;
  report.from = options.from;
  report.to = options.to;
  report.status_on = options.to.value_or(options.today);
  if (options.from || options.to) {
    Date first = options.from.value_or(Date(1400, 1, 1));
    Date last = options.to.value_or(Date(9999, 12, 31));
    if (last < first)
      throw_input("to", format_date(last), "is before --from " + format_date(first));
    report.range = Period(first, last);
  }

  report.entries = store.spend(SpendQuery{advertiser_id, std::nullopt, report.range});

  // Totals per platform, currency and precision; periods per bucket,
  // platform and currency. Both come from the same exact split.
  std::map<std::tuple<std::string, std::string, Precision>, SpendTotal> totals;
  std::map<std::tuple<Date, std::string, std::string, Precision>, PeriodTotal> periods;
  for (const SpendEntry& e : report.entries) {
    std::int64_t items = e.items.value_or(0);
    auto key = std::make_tuple(e.platform_id, e.amount.currency().code(), e.precision);
    auto [it, fresh] = totals.try_emplace(key);
    SpendTotal& total = it->second;
    if (fresh) {
      total.platform_id = e.platform_id;
      total.currency = e.amount.currency();
      total.precision = e.precision;
    }
    // One split serves both tables, so that a report's totals are always
    // the sum of its period rows, to the minor unit.
    std::vector<PeriodShare> shares = split_entry(e.period, e.amount.minor(), items, report.by, report.range);
    for (const PeriodShare& share : shares) {
      total.amount_minor = checked_add(total.amount_minor, share.amount_minor, "spend total");
      total.items = checked_add(total.items, share.items, "item total");
    }
    bool cut = report.range && !(report.range->first() <= e.period.first() && e.period.last() <= report.range->last());
    total.items_complete = total.items_complete && e.items.has_value();
    total.pro_rata = total.pro_rata || cut;
    add_entry_id(total.entry_ids, e.entry_id);

    if (!report.by) continue;
    for (const PeriodShare& share : shares) {
      Period bucket = bucket_of(share.part.first(), *report.by);
      auto pkey = std::make_tuple(bucket.first(), e.platform_id, e.amount.currency().code(), e.precision);
      auto [pit, pfresh] = periods.try_emplace(pkey);
      PeriodTotal& row = pit->second;
      if (pfresh) {
        row.bucket = bucket;
        row.platform_id = e.platform_id;
        row.currency = e.amount.currency();
        row.precision = e.precision;
      }
      row.amount_minor = checked_add(row.amount_minor, share.amount_minor, "period total");
      row.items = checked_add(row.items, share.items, "period item total");
      row.items_complete = row.items_complete && e.items.has_value();
      row.pro_rata = row.pro_rata || share.part != e.period;
      add_entry_id(row.entry_ids, e.entry_id);
    }
  }
  for (auto& [key, total] : totals) report.totals.push_back(std::move(total));
  for (auto& [key, row] : periods) report.periods.push_back(std::move(row));

  // Ban status on every platform, and the actions that name the advertiser.
  for (const Platform& p : store.platforms())
    report.ban_status.push_back(ledger.ban_status(advertiser_id, p.id, report.status_on));
  std::vector<PolicyAction> all_actions = store.policy_actions(std::nullopt);
  for (const PolicyAction& a : all_actions) {
    if (std::binary_search(a.advertiser_ids.begin(), a.advertiser_ids.end(), advertiser_id))
      report.actions.push_back(a);
  }

  // Violations: entries with days inside a ban, whenever the ban was recorded.
  std::map<std::string, std::vector<BanSpan>> spans_by_platform;
  for (const SpendEntry& e : report.entries) {
    auto [it, fresh] = spans_by_platform.try_emplace(e.platform_id);
    if (fresh) it->second = ban_spans(all_actions, advertiser_id, e.platform_id);
    for (const BanSpan& span : it->second) {
      if (auto overlap = span.overlap(e.period)) report.violations.push_back(Violation{e, *span.ban, *overlap});
    }
  }

  for (const Pledge& p : store.pledges()) {
    if (p.basis_advertiser_id == advertiser_id) report.pledges.push_back(ledger.pledge_status(p.id));
  }

  // Sources, in order of first citation.
  std::vector<SourceCitation>& sources = report.sources;
  auto cite = [&](const std::string& source, std::string by) {
    auto it = std::find_if(sources.begin(), sources.end(), [&](const SourceCitation& s) { return s.source == source; });
    if (it == sources.end()) {
      sources.push_back(SourceCitation{source, {}});
      it = sources.end() - 1;
    }
    it->cited_by.push_back(std::move(by));
  };
  for (const SpendEntry& e : report.entries) cite(e.source, "spend #" + std::to_string(e.entry_id));
  for (const PolicyAction& a : report.actions) cite(a.source, "policy " + a.id);
  for (const PledgeStatus& p : report.pledges) {
    cite(p.pledge.source, "pledge " + p.pledge.id);
    for (const Disbursement& d : p.disbursements) cite(d.source, "disbursement " + d.id);
  }
  return report;
}

}  // namespace ledger
