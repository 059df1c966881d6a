// The per-advertiser transparency report.
//
// Everything a reader needs about one advertiser, each figure traceable to
// the entries and sources behind it: identity and handles; spend per
// platform, currency and precision (exact and approximate figures are never
// merged); spend per calendar period, tag, market and precision; the totals
// platforms disclosed beside the spend itemised here; ban status per platform; the policy
// actions that name it; the pledges computed from its spend; spend recorded
// inside a ban (violations); and the sources cited.
//
// When a range or a period granularity is asked for, figures for entries
// that straddle its edges are pro rata by days (allocation.hpp) and the
// report says so.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.hpp"
#include "ledger/report/allocation.hpp"
#include "ledger/report/conversion.hpp"
#include "ledger/report/spend_rollup.hpp"

namespace ledger {

struct AdvertiserReportOptions {
  std::optional<Date> from;
  std::optional<Date> to;
  std::optional<Granularity> by;
  Date today;  // ban status is given as of `to`, else today
  std::optional<Currency> convert;  // spend figures in this currency (conversion.hpp)
};

struct Violation {
  SpendEntry entry;
  PolicyAction ban;
  Period overlap;  // the days of the entry inside the ban
  std::int64_t inside_minor = 0;  // the entry's amount on those days, pro rata by days
};

// A source as the records cite it: its text and details. Records that cite
// the same text with other details (another address, another quotation)
// cite another source.
struct SourceCitation {
  std::string source;
  SourceDetails details;
  std::vector<std::string> cited_by;  // "spend #1", "policy twitter-ad-ban-2017-10-26", "pledge ..."
};

// Adds a citation of `source` with `details` by `by`, keeping sources in
// order of first citation.
void cite(std::vector<SourceCitation>& sources, const std::string& source, const SourceDetails& details,
          std::string by);
// Cites a disclosed total, or a pledge and its disbursements, and the
// withdrawal of each that was withdrawn.
void cite(std::vector<SourceCitation>& sources, const DisclosedTotal& disclosed);
void cite(std::vector<SourceCitation>& sources, const PledgeStatus& pledge);

struct AdvertiserReport {
  Advertiser advertiser;
  std::vector<Handle> handles;
  std::optional<Date> from;      // as asked; either may be open
  std::optional<Date> to;
  std::optional<Period> range;   // [from, to] with open ends filled in
  std::optional<Granularity> by;
  Date status_on;
  std::vector<SpendEntry> entries;  // every entry overlapping the range
  // Grouped by platform. The period rows are by `by`, else by year (the
  // HTML chart draws them; the other formats show them only with `by`).
  SpendRollup spend;
  std::optional<Converted> converted;  // with --convert: how the figures were converted
  std::vector<DisclosureCheck> disclosures;
  std::vector<BanCheck> ban_status;  // one per platform in the ledger
  std::vector<PolicyAction> actions;
  std::map<std::string, std::optional<Date>> ban_ends;  // each ad ban's first free day, lifts included
  std::vector<PledgeStatus> pledges;
  std::vector<Violation> violations;
  std::vector<SourceCitation> sources;
};

AdvertiserReport build_advertiser_report(Ledger& ledger, const std::string& advertiser_id,
                                         const AdvertiserReportOptions& options);

}  // namespace ledger
