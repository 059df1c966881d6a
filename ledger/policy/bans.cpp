#include "ledger/policy/bans.hpp"

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>
#include <numeric>

namespace ledger {
namespace {

constexpr std::uint32_t kOpen = std::numeric_limits<std::uint32_t>::max();  // a span without an end
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();      // no span

bool names(const PolicyAction& action, const std::string& advertiser) {
  return std::binary_search(action.advertiser_ids.begin(), action.advertiser_ids.end(), advertiser);
}

std::uint32_t day_number(const Date& day) { return static_cast<std::uint32_t>(day.day_number()); }

// Where a lift goes among the lifts of one advertiser on one platform: the
// lifts that name no ban first, then those that name one, grouped by the
// ban they name; in each group by date, then by place in the actions (the
// pointers all point into one vector, so their order is the actions').
struct LiftKey {
  const std::string* ban_id;  // null: names no ban
  Date date;
};

int compare_group(const std::string* a, const std::string* b) {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  return a->compare(*b);
}

const std::string* named_ban(const PolicyAction* lift) {
  return lift->lifts_action_id ? &*lift->lifts_action_id : nullptr;
}

bool lift_before(const PolicyAction* a, const PolicyAction* b) {
  if (int c = compare_group(named_ban(a), named_ban(b)); c != 0) return c < 0;
  if (a->date != b->date) return a->date < b->date;
  return std::less<const PolicyAction*>()(a, b);
}

// The first lift of the group `ban_id` dated on or after `from`, if any.
// `lifts` is sorted by lift_before.
const PolicyAction* first_lift_from(const std::vector<const PolicyAction*>& lifts, const std::string* ban_id,
                                    const Date& from) {
  LiftKey key{ban_id, from};
  auto it = std::lower_bound(lifts.begin(), lifts.end(), key, [](const PolicyAction* lift, const LiftKey& k) {
    if (int c = compare_group(named_ban(lift), k.ban_id); c != 0) return c < 0;
    return lift->date < k.date;
  });
  if (it == lifts.end() || compare_group(named_ban(*it), ban_id) != 0) return nullptr;
  return *it;
}

// The spans of the `bans` of one advertiser on one platform, given with
// the `lifts` that name that advertiser there; none withdrawn, all
// pointing into one vector of actions, each list in the actions' order.
std::vector<BanSpan> spans_of(const std::vector<const PolicyAction*>& bans, std::vector<const PolicyAction*> lifts) {
  std::sort(lifts.begin(), lifts.end(), lift_before);
  std::vector<BanSpan> spans;
  spans.reserve(bans.size());
  for (const PolicyAction* ban : bans) {
    BanSpan span{ban, ban->date, ban->end_date, nullptr};
    // The earliest lift that may end this ban: of those naming no ban and
    // of those naming this one, the earlier; on the same date, the first
    // in the actions' order.
    const PolicyAction* lift = first_lift_from(lifts, nullptr, ban->date);
    if (const PolicyAction* named = first_lift_from(lifts, &ban->id, ban->date)) {
      if (!lift || named->date < lift->date || (named->date == lift->date && std::less<const PolicyAction*>()(named, lift)))
        lift = named;
    }
    // A lift ends the ban only before its end date: the earlier wins, and
    // on the same day the end date does.
    if (lift && (!span.end || lift->date < *span.end)) {
      span.end = lift->date;
      span.lifted_by = lift;
    }
    // A ban whose end is on its effective date never covers a day; it stays
    // in the list so that reports can still show it.
    spans.push_back(span);
  }
  std::stable_sort(spans.begin(), spans.end(), [](const BanSpan& a, const BanSpan& b) { return a.first < b.first; });
  return spans;
}

std::string pair_key(std::string_view advertiser, std::string_view platform) {
  // Length-prefixed, so that no two pairs share a key whatever the ids hold.
  std::string key = std::to_string(advertiser.size());
  key += ':';
  key += advertiser;
  key += platform;
  return key;
}

}  // namespace

std::optional<Period> BanSpan::overlap(const Period& period) const {
  Date from = std::max(first, period.first());
  Date to = period.last();
  if (end) to = std::min(to, *end - boost::gregorian::days(1));
  if (to < from) return std::nullopt;
  return Period(from, to);
}

std::vector<BanSpan> ban_spans(const std::vector<PolicyAction>& actions, const std::string& advertiser,
                               const std::string& platform) {
  std::vector<const PolicyAction*> bans, lifts;
  for (const PolicyAction& action : actions) {
    if (action.kind != PolicyKind::AdBan && action.kind != PolicyKind::BanLift) continue;
    if (action.withdrawal) continue;  // recorded by mistake: it bans or lifts nothing
    if (action.platform_id != platform || !names(action, advertiser)) continue;
    (action.kind == PolicyKind::AdBan ? bans : lifts).push_back(&action);
  }
  return spans_of(bans, std::move(lifts));
}

std::map<std::string, std::optional<Date>> ban_ends(const std::vector<PolicyAction>& actions) {
  // A ban ends on the latest end of its spans, one per advertiser it names,
  // and never while one of them is open. A ban that names no advertiser, or
  // was withdrawn, bans no one: it ends on its effective date.
  BanIndex index(actions);
  const std::vector<PolicyAction>& own = index.actions();
  std::vector<std::optional<Date>> ends(own.size());
  for (std::size_t i = 0; i < own.size(); ++i) ends[i] = own[i].date;
  for (const BanIndex::Pair& pair : index.pairs()) {
    for (const BanSpan& span : pair.timeline.spans()) {
      std::optional<Date>& end = ends[static_cast<std::size_t>(span.ban - own.data())];
      if (!span.end) end = std::nullopt;
      else if (end) end = std::max(*end, *span.end);
    }
  }
  std::map<std::string, std::optional<Date>> out;
  for (std::size_t i = 0; i < own.size(); ++i)
    if (own[i].kind == PolicyKind::AdBan) out[own[i].id] = ends[i];
  return out;
}

std::optional<BanSpan> ban_on(const std::vector<BanSpan>& spans, const Date& day) {
  for (const BanSpan& span : spans)
    if (span.covers(day)) return span;
  return std::nullopt;
}

std::optional<BanSpan> first_ban_overlapping(const std::vector<BanSpan>& spans, const Period& period) {
  for (const BanSpan& span : spans)
    if (span.overlap(period)) return span;
  return std::nullopt;
}

BanTimeline::BanTimeline(std::vector<BanSpan> spans) : spans_(std::move(spans)) {
  assert(std::is_sorted(spans_.begin(), spans_.end(),
                        [](const BanSpan& a, const BanSpan& b) { return a.first < b.first; }) &&
         "spans are ordered by effective date");
  std::size_t n = spans_.size();
  first_.resize(n);
  reach_.resize(n);
  chain_last_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    first_[i] = day_number(spans_[i].first);
    std::uint32_t end = spans_[i].end ? day_number(*spans_[i].end) : kOpen;
    reach_[i] = i == 0 ? end : std::max(reach_[i - 1], end);
  }
  // The chain from a span goes on with the span that covers its end, whose
  // end is later. So, taken from the latest end back, each span's next is
  // already resolved.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto end_of = [this](std::size_t i) { return spans_[i].end ? day_number(*spans_[i].end) : kOpen; };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return end_of(a) > end_of(b); });
  for (std::size_t i : order) {
    chain_last_[i] = i;
    if (!spans_[i].end) continue;
    std::size_t next = covering(end_of(i));
    if (next == kNone) continue;
    assert(end_of(next) > end_of(i) && "the chain moves forwards");
    chain_last_[i] = chain_last_[next];
  }
}

std::size_t BanTimeline::covering(std::uint32_t day) const {
  // Spans effective by `day` are a prefix; the first of them whose end is
  // after `day` is the first whose reach is after it.
  auto effective = static_cast<std::size_t>(std::upper_bound(first_.begin(), first_.end(), day) - first_.begin());
  auto reach_end = reach_.begin() + static_cast<std::ptrdiff_t>(effective);
  auto it = std::partition_point(reach_.begin(), reach_end, [day](std::uint32_t reach) { return reach <= day; });
  if (it == reach_end) return kNone;
  return static_cast<std::size_t>(it - reach_.begin());
}

BanVerdict BanTimeline::verdict(const Date& day) const {
  BanVerdict verdict;
  if (spans_.empty()) return verdict;
  std::size_t i = covering(day_number(day));
  if (i == kNone) return verdict;
  const BanSpan& last = spans_[chain_last_[i]];
  verdict.ban = spans_[i].ban;
  verdict.until = last.end;
  verdict.lifted_by = last.lifted_by;
  return verdict;
}

BanIndex::BanIndex(std::vector<PolicyAction> actions) : actions_(std::move(actions)) {
  struct Group {
    std::string_view advertiser, platform;
    std::vector<const PolicyAction*> bans, lifts;
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, std::size_t> group_of;
  for (const PolicyAction& action : actions_) {
    if (action.kind != PolicyKind::AdBan && action.kind != PolicyKind::BanLift) continue;
    if (action.withdrawal) continue;  // recorded by mistake: it bans or lifts nothing
    for (std::size_t k = 0; k < action.advertiser_ids.size(); ++k) {
      const std::string& advertiser = action.advertiser_ids[k];
      if (k > 0 && advertiser == action.advertiser_ids[k - 1]) continue;  // named twice: one span
      auto [it, added] = group_of.try_emplace(pair_key(advertiser, action.platform_id), groups.size());
      if (added) groups.push_back(Group{advertiser, action.platform_id, {}, {}});
      Group& group = groups[it->second];
      (action.kind == PolicyKind::AdBan ? group.bans : group.lifts).push_back(&action);
    }
  }
  for (Group& group : groups) {
    if (group.bans.empty()) continue;  // lifts of nothing
    by_key_.emplace(pair_key(group.advertiser, group.platform), pairs_.size());
    pairs_.push_back(Pair{std::string(group.advertiser), std::string(group.platform),
                          BanTimeline(spans_of(group.bans, std::move(group.lifts)))});
  }
}

const BanTimeline& BanIndex::timeline(std::string_view advertiser, std::string_view platform) const {
  auto it = by_key_.find(pair_key(advertiser, platform));
  return it == by_key_.end() ? empty_ : pairs_[it->second].timeline;
}

}  // namespace ledger
