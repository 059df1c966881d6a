// The reports beside the per-advertiser one: per platform, the policy
// timeline, pledges, the register and the balance.
//
// Each is a plain structure built from the store; report/documents.hpp turns
// it into a printable document and io/json_output.hpp into JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.hpp"
#include "ledger/report/advertiser_report.hpp"
#include "ledger/report/spend_rollup.hpp"

namespace ledger {

// report platform ID: what a platform earned, from whom, per period; what
// it did; what it pledged; what it disclosed.
struct PlatformReportOptions {
  std::optional<Date> from;
  std::optional<Date> to;
  std::optional<Granularity> by;
  Date today;  // bans still in force are drawn up to `to`, else today
  std::optional<Currency> convert;  // revenue figures in this currency (conversion.hpp)
};

struct PlatformReport {
  Platform platform;
  std::optional<Date> from;
  std::optional<Date> to;
  std::optional<Period> range;
  std::optional<Granularity> by;
  Date status_on;  // `to`, else today
  std::vector<SpendEntry> entries;
  SpendRollup revenue;  // grouped by advertiser; periods by `by`, else by year
  std::optional<Converted> converted;  // with --convert: how the figures were converted
  std::vector<DisclosureCheck> disclosures;
  std::vector<PolicyAction> actions;  // on the platform, dated inside the range
  std::map<std::string, std::optional<Date>> ban_ends;  // each ad ban's first free day, lifts included
  std::vector<PledgeStatus> pledges;  // made by the platform, dated inside the range
  std::vector<SourceCitation> sources;
};

PlatformReport build_platform_report(Ledger& ledger, const std::string& platform_id, const PlatformReportOptions& options);

// report policies: the timeline of policy actions.
struct PolicyFilter {
  std::optional<std::string> platform_id;
  std::optional<std::string> advertiser_id;
  std::optional<PolicyKind> kind;
  std::optional<Date> from;
  std::optional<Date> to;
};

struct PolicyTimeline {
  PolicyFilter filter;
  Date today;                         // bans still in force run to here
  std::vector<PolicyAction> actions;  // by date, then id
  std::map<std::string, std::optional<Date>> ban_ends;  // each ad ban's first free day, lifts included
};

PolicyTimeline build_policy_timeline(Ledger& ledger, const PolicyFilter& filter, const Date& today);

// report pledges: each pledge with what it rests on.
struct PledgeCheck {
  PledgeStatus status;
  std::optional<Period> basis_range;      // the basis period, or all time when only an advertiser is named
  std::optional<Comparison> basis_spend;  // the spend itemised for the basis, when it names an advertiser
  std::vector<DisclosureCheck> disclosed;  // disclosed totals of that advertiser on that platform overlapping it
};

struct PledgesReport {
  std::optional<std::string> platform_id;
  std::optional<std::string> advertiser_id;
  std::vector<PledgeCheck> pledges;
};

PledgesReport build_pledges_report(Ledger& ledger, const std::optional<std::string>& platform_id,
                                   const std::optional<std::string>& advertiser_id);

// register: the journal, one posting a line, with a running balance per
// currency over the postings shown (ledger register's).
struct JournalFilter {
  std::optional<std::string> account_pattern;  // a case-insensitive regular expression
  std::optional<std::string> advertiser_id;    // transactions of its spend and of pledges based on it
  std::optional<std::string> platform_id;      // transactions of spend on it and of its pledges
  std::optional<Date> from;
  std::optional<Date> to;
};

struct RegisterLine {
  std::int64_t txn_id = 0;
  Date date;
  TxnKind kind = TxnKind::Spend;
  std::string description;
  std::string account;
  Money amount;
  std::int64_t running_minor = 0;  // in the posting's currency
  std::string author;              // who recorded the transaction's record; empty: nobody named
};

struct Register {
  JournalFilter filter;
  std::vector<RegisterLine> lines;
};

Register build_register(Ledger& ledger, const JournalFilter& filter);

// balance: the trial balance, optionally per period (the change in each,
// as hledger balance -M gives) and summed to an account depth.
struct BalanceOptions {
  JournalFilter filter;
  std::optional<Granularity> by;
  std::optional<int> depth;  // keep this many account segments (>= 1)
};

struct BalanceReport {
  BalanceOptions options;
  std::vector<Period> columns;  // the buckets, when `by` was given
  struct Row {
    std::string account;  // "total" rows have an empty account
    Currency currency;
    std::vector<std::int64_t> amounts;  // one per column (none without `by`)
    std::int64_t total = 0;
  };
  std::vector<Row> rows;    // by account, then currency
  std::vector<Row> totals;  // per currency, over the rows shown: zero in every column when no filter drops an account
};

// A balance by period has at most this many columns (a century of months).
inline constexpr std::size_t kBalanceColumnsMax = 1200;
BalanceReport build_balance(Ledger& ledger, const BalanceOptions& options);

}  // namespace ledger
