// Answers to the questions that are not reports (the ledger's head, ban
// status, the lists), built once for every front end: the command line's
// `--format json` and the server's JSON are the same document because both
// come from here.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "ledger/ledger.hpp"
#include "ledger/report/spend_rollup.hpp"

namespace ledger {

// The log's head: its number of records, the root of its Merkle tree and
// when the last record was recorded (null for an empty ledger).
struct HeadAnswer {
  TreeHead tree;
  std::optional<std::string> recorded_at;  // of the last record
};
HeadAnswer head_of(Store& store);
nlohmann::json to_json(const HeadAnswer& head);

// Whether an advertiser is banned on one platform, or on each platform of
// the ledger, on a day. Throws a rule error for an unknown id.
struct BanStatusAnswer {
  std::string advertiser_id;
  Date on;
  std::vector<BanCheck> checks;  // one per platform asked about
  bool banned = false;           // on any of them
};
BanStatusAnswer ban_status_of(Ledger& ledger, const std::string& advertiser_id,
                              const std::optional<std::string>& platform_id, const Date& on);
nlohmann::json to_json(const BanStatusAnswer& answer);

// Every ban of a ledger, indexed once, with its advertisers and platforms:
// answers any number of ban-status questions without reading the store
// again (a server keeps one per state of the ledger).
struct BanSnapshot {
  explicit BanSnapshot(Store& store);
  BanIndex index;
  std::unordered_set<std::string> advertisers;
  std::vector<std::string> platforms;  // in the order Store::platforms gives
};
// The same answer as ban_status_of with a Ledger; none when the snapshot
// holds no such advertiser or platform (the Ledger's refusal, with its "did
// you mean", is then the answer).
std::optional<BanStatusAnswer> ban_status_of(const BanSnapshot& snapshot, const std::string& advertiser_id,
                                             const std::optional<std::string>& platform_id, const Date& on);

nlohmann::json platforms_json(Store& store);
nlohmann::json advertisers_json(Store& store);  // with their handles

// Whether `haystack` holds `text`, ignoring ASCII case (an empty text is in
// every haystack): how the spend list and the website search text.
bool holds_text(std::string_view haystack, std::string_view text);

// A page of spend entries, filtered as a reader searches a ledger, oldest
// first: by advertiser, platform, a period they overlap, market, tag, and
// text (case-insensitive) in their source, or in their source, note or
// external id.
struct SpendFilter {
  std::optional<std::string> advertiser_id;
  std::optional<std::string> platform_id;
  std::optional<Date> first;  // entries whose period ends on or after it
  std::optional<Date> last;   // entries whose period starts on or before it
  std::optional<std::string> market;
  std::optional<std::string> tag;
  std::optional<std::string> source;  // text in the source
  std::optional<std::string> search;  // text in the source, note or external id
  std::int64_t after = 0;             // entries numbered after this one
  std::optional<std::int64_t> limit;  // at most this many (none: all)
};
// Checks a filter's values (an input error names the first bad one) before
// the ledger is opened.
void check_spend_filter(const SpendFilter& filter);
struct SpendPage {
  std::vector<SpendEntry> entries;
  std::vector<std::string> authors;  // each entry's, empty for none
  bool more = false;                 // entries past the page match too
};
// Throws a rule error for an unknown advertiser or platform.
SpendPage list_spend(Ledger& ledger, const SpendFilter& filter);
nlohmann::json to_json(const SpendPage& page);

// The other records' lists, by date then id: policy actions, pledges and
// disclosed totals, filtered by platform, advertiser (an action that names
// it, a pledge whose basis is its spend, a total of it), a range (an
// action's or a pledge's date in it, a total's range overlapping it) and,
// for policy actions, a kind. Throws a rule error for an unknown id, an
// input error for a range that ends before it starts.
struct RecordFilter {
  std::optional<std::string> platform_id;
  std::optional<std::string> advertiser_id;
  std::optional<Date> first;
  std::optional<Date> last;
  std::optional<PolicyKind> kind;  // policy actions only
};
// The filter as a user types it (an empty text: not given): --from and
// --to take a day or a period (2016, 2016-Q3), --kind a kind's name. An
// input error names the first bad value.
RecordFilter parse_record_filter(const std::string& platform_id, const std::string& advertiser_id,
                                 const std::string& from, const std::string& to, const std::string& kind);
std::vector<PolicyAction> list_policy_actions(Ledger& ledger, const RecordFilter& filter);
std::vector<PledgeStatus> list_pledges(Ledger& ledger, const RecordFilter& filter);
std::vector<DisclosureCheck> list_disclosures(Ledger& ledger, const RecordFilter& filter);
// Each list as a JSON array of the records as their commands print them.
nlohmann::json to_json(const std::vector<PolicyAction>& actions);
nlohmann::json to_json(const std::vector<PledgeStatus>& pledges);
nlohmann::json to_json(const std::vector<DisclosureCheck>& disclosures);

}  // namespace ledger
