#include "ledger/report/advertiser_report.hpp"

#include <algorithm>
#include <map>

#include "ledger/audit/chain.hpp"
#include "ledger/error.hpp"

namespace ledger {

void cite(std::vector<SourceCitation>& sources, const std::string& source, const SourceDetails& details,
          std::string by) {
  auto it = std::find_if(sources.begin(), sources.end(),
                         [&](const SourceCitation& s) { return s.source == source && s.details == details; });
  if (it == sources.end()) {
    sources.push_back(SourceCitation{source, details, {}});
    it = sources.end() - 1;
  }
  if (std::find(it->cited_by.begin(), it->cited_by.end(), by) == it->cited_by.end()) it->cited_by.push_back(std::move(by));
}

void cite(std::vector<SourceCitation>& sources, const DisclosedTotal& d) {
  cite(sources, d.source, d.source_details, "disclosure " + d.id);
  if (d.withdrawal) cite(sources, d.withdrawal->source, d.withdrawal->source_details,
                         "withdrawal of disclosure " + d.id);
}

void cite(std::vector<SourceCitation>& sources, const PledgeStatus& p) {
  cite(sources, p.pledge.source, p.pledge.source_details, "pledge " + p.pledge.id);
  for (const Disbursement& d : p.disbursements) {
    cite(sources, d.source, d.source_details, "disbursement " + d.id);
    if (d.withdrawal) cite(sources, d.withdrawal->source, d.withdrawal->source_details,
                           "withdrawal of disbursement " + d.id);
  }
  if (p.pledge.withdrawal) cite(sources, p.pledge.withdrawal->source, p.pledge.withdrawal->source_details,
                                "withdrawal of pledge " + p.pledge.id);
}

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
  report.range = report_range(options.from, options.to);

  report.entries = store.spend(SpendQuery{advertiser_id, std::nullopt, report.range});

  std::vector<SpendEntry> figures = report.entries;  // converted, with --convert; the entries stay as recorded
  if (options.convert) report.converted = convert_entries(store, figures, *options.convert);
  report.spend = roll_up(
      figures, [](const SpendEntry& e) { return e.platform_id; }, report.by.value_or(Granularity::Year),
      report.range);
  report.disclosures = check_disclosures(store, advertiser_id, std::nullopt, report.range);

  // Ban status on every platform, and the actions that name the advertiser,
  // from the policy actions read once (as Ledger::ban_status answers it).
  // Each platform's bans serve the violations below too.
  std::vector<PolicyAction> all_actions = store.policy_actions(std::nullopt);
  std::map<std::string, std::vector<BanSpan>> spans_by_platform;
  for (const Platform& p : store.platforms()) {
    const std::vector<BanSpan>& spans = spans_by_platform[p.id] = ban_spans(all_actions, advertiser_id, p.id);
    report.ban_status.push_back(ban_check_of(BanTimeline(spans), advertiser_id, p.id, report.status_on));
  }
  report.ban_ends = ban_ends(all_actions);
  for (const PolicyAction& a : all_actions) {
    if (std::binary_search(a.advertiser_ids.begin(), a.advertiser_ids.end(), advertiser_id))
      report.actions.push_back(a);
  }

  // Violations: entries with days inside a ban, whenever the ban was recorded.
  for (const SpendEntry& e : report.entries) {
    if (e.reversal) continue;
    auto [it, fresh] = spans_by_platform.try_emplace(e.platform_id);
    if (fresh) it->second = ban_spans(all_actions, advertiser_id, e.platform_id);
    for (const BanSpan& span : it->second) {
      if (auto overlap = span.overlap(e.period)) {
        std::int64_t inside = 0;
        for (const PeriodShare& s : split_entry(e.period, e.amount.minor(), 0, std::nullopt, *overlap))
          inside = checked_add(inside, s.amount_minor, "spend inside a ban");
        report.violations.push_back(Violation{e, *span.ban, *overlap, inside});
      }
    }
  }

  for (const Pledge& p : store.pledges()) {
    if (p.basis_advertiser_id == advertiser_id) report.pledges.push_back(ledger.pledge_status(p.id));
  }

  // Sources, in order of first citation.
  std::vector<SourceCitation>& sources = report.sources;
  for (const SpendEntry& e : report.entries) {
    cite(sources, e.source, e.source_details, "spend #" + std::to_string(e.entry_id));
    if (e.reversal) cite(sources, e.reversal->source, e.reversal->source_details,
                         "reversal of spend #" + std::to_string(e.entry_id));
  }
  for (const PolicyAction& a : report.actions) {
    cite(sources, a.source, a.source_details, "policy " + a.id);
    if (a.withdrawal) cite(sources, a.withdrawal->source, a.withdrawal->source_details, "withdrawal of policy " + a.id);
  }
  for (const DisclosureCheck& d : report.disclosures) cite(sources, d.disclosed);
  if (report.converted)
    for (const Conversion& c : report.converted->conversions)
      cite(sources, c.rate.source, c.rate.source_details, "rate " + rate_ref(c.rate));
  for (const PledgeStatus& p : report.pledges) cite(sources, p);
  return report;
}

}  // namespace ledger
