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

}  // namespace ledger
