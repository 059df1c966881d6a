// The records a ledger holds: platforms, advertisers and their handles,
// spend entries, policy actions, pledges and disbursements.
//
// These are plain values. The rules that relate them (a spend entry must not
// fall in a ban, a disbursement must not exceed what is outstanding) live in
// ledger.hpp; how they are stored lives in storage/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/money/money.hpp"
#include "ledger/money/rate.hpp"
#include "ledger/time/period.hpp"

namespace ledger {

struct Platform {
  std::string id;  // slug: also the account-name segment
  std::string name;
};

struct Advertiser {
  std::string id;  // slug
  std::string name;
  std::optional<std::string> country;  // ISO 3166-1 alpha-2
  bool state_affiliated = false;
};

// An advertiser's account on one platform (@RT_com on Twitter). A ban on
// the advertiser covers all of its handles.
struct Handle {
  std::string advertiser_id;
  std::string platform_id;
  std::string handle;
};

// Where a reader finds what a record's source says, beside the source's
// own text ("Twitter blog, 2017-10-26"): the address it was read at, the
// day it was read there, and the words that support the record. Each is
// optional; an access date needs an address.
struct SourceDetails {
  std::optional<std::string> url;
  std::optional<Date> accessed;
  std::optional<std::string> quote;
  bool empty() const { return !url && !accessed && !quote; }
  bool operator==(const SourceDetails&) const = default;
};
// Checks the details of `source`: the address is an http or https URL of
// at most 2,048 bytes with a host and no spaces (it becomes a link in HTML
// reports); the access date is not after `today`; the quotation is text
// (check_text). `prefix` names the fields (`source` gives `source_url`, ...).
void check_source_details(const SourceDetails& details, const Date& today, std::string_view prefix = "source");

// How exact a figure is. A Range is given by bounds, as ad libraries
// publish spend ("at least 5,000, at most 9,999"): its amount is the lower
// bound, and SpendEntry::upper the upper bound (none: open at the top).
enum class Precision { Exact, Approximate, Estimated, Range };
Precision parse_precision(std::string_view text, std::string_view field = "precision");
// The precision of a count (an entry's items): exact, approximate or
// estimated; a count is never a range.
Precision parse_count_precision(std::string_view text, std::string_view field = "items_precision");
std::string_view to_string(Precision precision);

// A correction: the entry stays as recorded, and a transaction reversing
// its postings is recorded beside it. Reports leave reversed entries out of
// every figure and list them apart.
struct SpendReversal {
  std::int64_t entry_id = 0;
  std::string reason;
  std::string source;
  SourceDetails source_details;
  std::int64_t txn_id = 0;  // the reversing journal transaction
};

struct SpendEntry {
  std::int64_t entry_id = 0;  // assigned by the store
  std::string advertiser_id;
  std::string platform_id;
  std::optional<std::string> handle;
  Money amount;
  Period period;
  std::optional<std::int64_t> items;  // promoted posts or ads, when known
  // How exact `items` is, as its source gives it ("about 2,200 ads" is
  // approximate): exact, approximate or estimated; exact without items.
  Precision items_precision = Precision::Exact;
  std::string market;                 // `US`, `worldwide`, ...
  std::vector<std::string> tags;      // sorted, unique
  Precision precision = Precision::Exact;
  std::string source;
  SourceDetails source_details;
  std::optional<std::string> external_id;
  std::optional<std::string> note;
  std::optional<Money> upper;  // Range only: the upper bound; none when open at the top
  std::int64_t txn_id = 0;  // the journal transaction that posts it
  std::optional<SpendReversal> reversal;  // set when the entry was reversed
};

enum class PolicyKind { AdBan, BanLift, Suspension, Disclosure, TargetingChange };
PolicyKind parse_policy_kind(std::string_view text, std::string_view field = "kind");
std::string_view to_string(PolicyKind kind);

// A policy action recorded by mistake is withdrawn: it stays in the ledger,
// and stops counting (a withdrawn ban bans no one).
struct PolicyWithdrawal {
  std::string action_id;
  std::string reason;
  std::string source;
  SourceDetails source_details;
};

// Something a platform did. Which optional fields apply depends on the kind:
// an ad ban may carry an end date (the first day the advertiser may buy ads
// again); a lift may name the ban it lifts; a suspension may count accounts
// that are attributed to no advertiser.
struct PolicyAction {
  std::string id;
  PolicyKind kind = PolicyKind::Disclosure;
  std::string platform_id;
  std::vector<std::string> advertiser_ids;  // sorted, unique
  Date date;                                // effective date
  std::optional<Date> end_date;             // AdBan only
  std::optional<std::string> lifts_action_id;  // BanLift only
  std::optional<std::int64_t> account_count;   // Suspension only
  std::string description;                     // the reason or what was done
  std::string source;
  SourceDetails source_details;
  std::optional<std::string> note;
  std::optional<PolicyWithdrawal> withdrawal;  // set when it was withdrawn
};

// A pledge, a disbursement or a disclosed total recorded by mistake is
// withdrawn: it stays in the ledger, and stops counting. A pledge or a
// disbursement moved money in the journal, so its withdrawal records a
// transaction that undoes those postings, as a spend reversal does; a
// disclosed total posted nothing, and its withdrawal posts nothing.
struct RecordWithdrawal {
  std::string reason;
  std::string source;
  SourceDetails source_details;
  std::int64_t txn_id = 0;  // the undoing transaction; 0 for a disclosed total
};

struct Pledge {
  std::string id;
  std::string platform_id;
  Money amount;
  Date date;
  std::string beneficiary;
  std::optional<std::string> basis_advertiser_id;
  std::optional<Period> basis_period;
  std::string source;
  SourceDetails source_details;
  std::optional<std::string> note;
  std::int64_t txn_id = 0;
  std::optional<RecordWithdrawal> withdrawal;  // set when it was withdrawn
};

struct Disbursement {
  std::string id;
  std::string pledge_id;
  Money amount;
  Date date;
  std::string source;
  SourceDetails source_details;
  std::int64_t txn_id = 0;
  std::optional<RecordWithdrawal> withdrawal;  // set when it was withdrawn
};

// A total that a platform published for a whole range, such as Twitter's
// "1.9 million USD from RT since 2011". It is evidence, not money moved: it
// posts nothing to the journal, and reports show it beside the spend
// itemised for the same advertiser, platform and range, so that nothing is
// counted twice.
struct DisclosedTotal {
  std::string id;
  std::string platform_id;
  std::string advertiser_id;
  Money amount;
  Period period;  // the range the total covers
  Date date;      // when the platform published it
  Precision precision = Precision::Exact;
  std::string source;
  SourceDetails source_details;
  std::optional<std::string> note;
  std::optional<RecordWithdrawal> withdrawal;  // set when it was withdrawn
};

// The records that are withdrawn with a RecordWithdrawal, and the kind each
// withdrawal has in the record log (`pledge_withdrawal`, ...).
enum class Withdrawable { Pledge, Disbursement, DisclosedTotal };
std::string_view log_kind_of_withdrawal(Withdrawable record);

// An exchange rate: one unit of `from` was worth `rate` units of `to` on
// `date`, as `source` gives it. Reports convert with it (--convert).
struct ExchangeRate {
  Currency from;
  Currency to;
  Date date;
  Rate rate;
  std::string source;
  SourceDetails source_details;
};

// Limits on what a record may hold, checked on every way in.
inline constexpr std::size_t kSlugMax = 64;
inline constexpr std::size_t kTextMax = 4096;  // names, reasons, sources
inline constexpr std::size_t kUrlMax = 2048;   // a source's address
inline constexpr std::int64_t kCountMax = 1'000'000'000'000;  // items, accounts

// Checks an id slug (`rt`, `twitter`, `unattributed-fb`): 1 to 64 of a-z,
// 0-9, `-` and `_`, starting with a letter or digit. Slugs become account
// name segments, so they may hold no `:` or space.
void check_slug(std::string_view text, std::string_view field);
// Checks free text: not empty (unless optional), at most kTextMax bytes,
// valid UTF-8 and no control characters but tab.
void check_text(std::string_view text, std::string_view field);

}  // namespace ledger
