#include "ledger/report/answers.hpp"

#include <algorithm>
#include <tuple>

#include "ledger/audit/chain.hpp"
#include "ledger/error.hpp"
#include "ledger/io/json_output.hpp"

namespace ledger {
namespace {

nlohmann::json or_null(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

std::string folded(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool holds(const std::string& haystack, const std::string& folded_needle) {
  return folded_needle.empty() || folded(haystack).find(folded_needle) != std::string::npos;
}

constexpr std::size_t kSearchTextMax = 256;
constexpr std::int64_t kSpendPageMax = 1000000;
// Who recorded each entry shown: a lookup each for a page, or every author
// of the ledger read once for a long list.
constexpr std::size_t kAuthorsLookedUp = 1000;

}  // namespace

bool holds_text(std::string_view haystack, std::string_view text) { return holds(std::string(haystack), folded(text)); }

HeadAnswer head_of(Store& store) {
  HeadAnswer out;
  out.tree = store.tree_head();
  if (std::optional<LogRecord> last = store.log_head()) out.recorded_at = last->recorded_at;
  return out;
}

nlohmann::json to_json(const HeadAnswer& head) {
  return {{"records", head.tree.size},
          {"head", head.recorded_at ? nlohmann::json(to_hex(head.tree.root)) : nlohmann::json(nullptr)},
          {"recorded_at", or_null(head.recorded_at)}};
}

BanStatusAnswer ban_status_of(Ledger& ledger, const std::string& advertiser_id,
                              const std::optional<std::string>& platform_id, const Date& on) {
  BanStatusAnswer out{advertiser_id, on, {}, false};
  if (platform_id) {
    out.checks.push_back(ledger.ban_status(advertiser_id, *platform_id, on));
  } else {
    (void)ledger.advertiser(advertiser_id);
    for (const auto& p : ledger.store().platforms()) out.checks.push_back(ledger.ban_status(advertiser_id, p.id, on));
  }
  for (const auto& c : out.checks) out.banned = out.banned || c.banned;
  return out;
}

BanSnapshot::BanSnapshot(Store& store) : index(store.policy_actions(std::nullopt)) {
  for (const auto& a : store.advertisers()) advertisers.insert(a.id);
  for (const auto& p : store.platforms()) platforms.push_back(p.id);
}

std::optional<BanStatusAnswer> ban_status_of(const BanSnapshot& snapshot, const std::string& advertiser_id,
                                             const std::optional<std::string>& platform_id, const Date& on) {
  if (!snapshot.advertisers.contains(advertiser_id)) return std::nullopt;
  if (platform_id &&
      std::find(snapshot.platforms.begin(), snapshot.platforms.end(), *platform_id) == snapshot.platforms.end())
    return std::nullopt;
  BanStatusAnswer out{advertiser_id, on, {}, false};
  if (platform_id) {
    out.checks.push_back(
        ban_check_of(snapshot.index.timeline(advertiser_id, *platform_id), advertiser_id, *platform_id, on));
  } else {
    for (const auto& p : snapshot.platforms)
      out.checks.push_back(ban_check_of(snapshot.index.timeline(advertiser_id, p), advertiser_id, p, on));
  }
  for (const auto& c : out.checks) out.banned = out.banned || c.banned;
  return out;
}

nlohmann::json to_json(const BanStatusAnswer& answer) {
  nlohmann::json platforms = nlohmann::json::array();
  for (const auto& c : answer.checks) platforms.push_back(to_json(c));
  return {{"advertiser", answer.advertiser_id},
          {"on", format_date(answer.on)},
          {"banned", answer.banned},
          {"platforms", std::move(platforms)}};
}

nlohmann::json platforms_json(Store& store) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : store.platforms()) out.push_back({{"id", p.id}, {"name", p.name}});
  return out;
}

nlohmann::json advertisers_json(Store& store) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : store.advertisers()) {
    nlohmann::json handles = nlohmann::json::array();
    for (const auto& h : store.handles_of(a.id)) handles.push_back({{"platform", h.platform_id}, {"handle", h.handle}});
    out.push_back({{"id", a.id},
                   {"name", a.name},
                   {"country", or_null(a.country)},
                   {"state_affiliated", a.state_affiliated},
                   {"handles", std::move(handles)}});
  }
  return out;
}

void check_spend_filter(const SpendFilter& f) {
  for (const auto& [field, value] : {std::pair{"source", &f.source}, std::pair{"search", &f.search},
                                     std::pair{"market", &f.market}, std::pair{"tag", &f.tag}})
    if (*value && (*value)->size() > kSearchTextMax)
      throw Error(ErrorKind::Input, std::string(field) + ": at most " + std::to_string(kSearchTextMax) +
                                        " bytes to search for");
  if (f.first && f.last && *f.last < *f.first)
    throw Error(ErrorKind::Input, "to " + quote(format_date(*f.last)) + ": before from " + quote(format_date(*f.first)));
  if (f.after < 0) throw_input("after", std::to_string(f.after), "must be 0 or more");
  if (f.limit && (*f.limit < 1 || *f.limit > kSpendPageMax))
    throw_input("limit", std::to_string(*f.limit), "must be between 1 and " + std::to_string(kSpendPageMax));
}

SpendPage list_spend(Ledger& ledger, const SpendFilter& f) {
  check_spend_filter(f);
  Store& store = ledger.store();
  if (f.advertiser_id) (void)ledger.advertiser(*f.advertiser_id);  // unknown: "did you mean"
  if (f.platform_id) (void)ledger.platform(*f.platform_id);
  const std::string source = folded(f.source.value_or(""));
  const std::string search = folded(f.search.value_or(""));
  SpendPage page;
  auto consider = [&](const SpendEntry& e) {
    if (page.more || e.entry_id <= f.after) return;
    if (f.advertiser_id && e.advertiser_id != *f.advertiser_id) return;
    if (f.platform_id && e.platform_id != *f.platform_id) return;
    if (f.first && e.period.last() < *f.first) return;
    if (f.last && *f.last < e.period.first()) return;
    if (f.market && e.market != *f.market) return;
    if (f.tag && std::find(e.tags.begin(), e.tags.end(), *f.tag) == e.tags.end()) return;
    if (!holds(e.source, source)) return;
    if (!search.empty() && !holds(e.source, search) && !holds(e.note.value_or(""), search) &&
        !holds(e.external_id.value_or(""), search))
      return;
    if (f.limit && static_cast<std::int64_t>(page.entries.size()) == *f.limit) {
      page.more = true;
      return;
    }
    page.entries.push_back(e);
  };
  // An advertiser's entries are found by index (its accounts); any other
  // filter reads the entries by number from `after`, no further than the
  // page: a platform's page of 20 on a ledger of a million reads about a
  // hundred entries, where fetching all of the platform's read 200,000.
  if (f.advertiser_id) {
    SpendQuery query;
    query.advertiser_id = f.advertiser_id;
    query.platform_id = f.platform_id;
    std::vector<SpendEntry> entries = store.spend(query);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.entry_id < b.entry_id; });
    for (const auto& e : entries) consider(e);
  } else {
    // By entry number from `after`, and no further than the page.
    store.each_spend_after(f.after, [&](const SpendEntry& e) {
      consider(e);
      return !page.more;
    });
  }
  page.authors.reserve(page.entries.size());
  if (page.entries.size() > kAuthorsLookedUp) {
    const TxnAuthors all(store);
    for (const auto& e : page.entries) page.authors.push_back(all.of(e.txn_id));
  } else {
    std::vector<std::string> refs;
    refs.reserve(page.entries.size());
    for (const auto& e : page.entries) refs.push_back(std::to_string(e.entry_id));
    page.authors = store.record_authors("spend", refs);
  }
  return page;
}

nlohmann::json to_json(const SpendPage& page) {
  nlohmann::json entries = nlohmann::json::array();
  for (std::size_t i = 0; i < page.entries.size(); ++i) {
    nlohmann::json j = to_json(page.entries[i]);
    j["author"] = page.authors[i].empty() ? nlohmann::json(nullptr) : nlohmann::json(page.authors[i]);
    entries.push_back(std::move(j));
  }
  return {{"entries", std::move(entries)},
          {"more", page.more},
          {"next_after", page.more && !page.entries.empty() ? nlohmann::json(page.entries.back().entry_id)
                                                             : nlohmann::json(nullptr)}};
}

namespace {

// The filter's ids checked against the ledger (with "did you mean"), and
// its range.
void check_record_filter(Ledger& ledger, const RecordFilter& f) {
  if (f.first && f.last && *f.last < *f.first)
    throw_input("to", format_date(*f.last), "before from " + quote(format_date(*f.first)));
  if (f.platform_id) ledger.platform(*f.platform_id);
  if (f.advertiser_id) ledger.advertiser(*f.advertiser_id);
}

bool in_range(const RecordFilter& f, const Date& day) {
  return (!f.first || *f.first <= day) && (!f.last || day <= *f.last);
}

}  // namespace

RecordFilter parse_record_filter(const std::string& platform_id, const std::string& advertiser_id,
                                 const std::string& from, const std::string& to, const std::string& kind) {
  RecordFilter f;
  if (!platform_id.empty()) f.platform_id = platform_id;
  if (!advertiser_id.empty()) f.advertiser_id = advertiser_id;
  f.first = range_bound(from, "from", true);
  f.last = range_bound(to, "to", false);
  if (f.first && f.last && *f.last < *f.first) throw_input("to", to, "before from " + quote(from));
  if (!kind.empty()) f.kind = parse_policy_kind(kind, "kind");
  return f;
}

std::vector<PolicyAction> list_policy_actions(Ledger& ledger, const RecordFilter& f) {
  check_record_filter(ledger, f);
  std::vector<PolicyAction> out;
  for (PolicyAction& a : ledger.store().policy_actions(f.platform_id)) {
    if (f.kind && a.kind != *f.kind) continue;
    if (f.advertiser_id && !std::binary_search(a.advertiser_ids.begin(), a.advertiser_ids.end(), *f.advertiser_id))
      continue;
    if (!in_range(f, a.date)) continue;
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<PledgeStatus> list_pledges(Ledger& ledger, const RecordFilter& f) {
  check_record_filter(ledger, f);
  std::vector<PledgeStatus> out;
  for (const Pledge& p : ledger.store().pledges()) {
    if (f.platform_id && p.platform_id != *f.platform_id) continue;
    if (f.advertiser_id && p.basis_advertiser_id != f.advertiser_id) continue;
    if (!in_range(f, p.date)) continue;
    out.push_back(ledger.pledge_status(p.id));
  }
  std::sort(out.begin(), out.end(), [](const PledgeStatus& a, const PledgeStatus& b) {
    return std::tie(a.pledge.date, a.pledge.id) < std::tie(b.pledge.date, b.pledge.id);
  });
  return out;
}

std::vector<DisclosureCheck> list_disclosures(Ledger& ledger, const RecordFilter& f) {
  check_record_filter(ledger, f);
  std::vector<DisclosureCheck> out =
      check_disclosures(ledger.store(), f.advertiser_id, f.platform_id, report_range(f.first, f.last));
  std::sort(out.begin(), out.end(), [](const DisclosureCheck& a, const DisclosureCheck& b) {
    return std::tie(a.disclosed.date, a.disclosed.id) < std::tie(b.disclosed.date, b.disclosed.id);
  });
  return out;
}

nlohmann::json to_json(const std::vector<PolicyAction>& actions) {
  nlohmann::json out = nlohmann::json::array();
  for (const PolicyAction& a : actions) out.push_back(to_json(a));
  return out;
}

nlohmann::json to_json(const std::vector<PledgeStatus>& pledges) {
  nlohmann::json out = nlohmann::json::array();
  for (const PledgeStatus& p : pledges) out.push_back(to_json(p));
  return out;
}

nlohmann::json to_json(const std::vector<DisclosureCheck>& disclosures) {
  nlohmann::json out = nlohmann::json::array();
  for (const DisclosureCheck& d : disclosures) out.push_back(to_json(d));
  return out;
}

}  // namespace ledger
