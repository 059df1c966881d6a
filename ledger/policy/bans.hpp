// Ban logic: when is an advertiser banned from buying ads on a platform?
//
// An advertiser is banned on a platform on day D when an ad ban naming it is
// effective on or before D, and neither the ban's end date nor a later lift
// is on or before D. So a ban covers the half-open span [effective, end):
// the day before the effective date is allowed, the effective date is
// banned, and the end date (or the lift's date) is the first day allowed
// again. A lift ends a ban when it names the advertiser on the same
// platform, is dated on or after the ban's effective date, and either names
// that ban or names none. A withdrawn ban or lift (recorded by mistake)
// counts for nothing.
//
// Of the lifts that could end a ban, the earliest does (the first in the
// actions' order, where two share a date); a lift ends a ban that has an
// end date only when it is dated before that end date.
//
// Computing the spans sorts the lifts once and finds each ban's lift by
// binary search, so it costs O(n log n) in the actions read. A BanIndex does
// that once for every advertiser and platform, for callers that ask many
// questions (`ban-status --batch`); a BanTimeline answers a day in
// O(log n) of the pair's spans. Ledger::ban_status and the batch both
// answer through BanTimeline::verdict, so they cannot disagree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/records.hpp"

namespace ledger {

struct BanSpan {
  const PolicyAction* ban = nullptr;  // the AdBan
  Date first;                         // effective date
  std::optional<Date> end;            // first day allowed again; none: open-ended
  const PolicyAction* lifted_by = nullptr;  // the lift that set `end`, if any

  bool covers(const Date& day) const { return first <= day && (!end || day < *end); }
  // The days of `period` that fall in the span, if any.
  std::optional<Period> overlap(const Period& period) const;
};

// The spans during which `advertiser` is banned on `platform`, from the
// platform's policy actions (others are ignored), ordered by effective date
// (in the actions' order, where two share a date).
// The returned spans point into `actions`, which must outlive them.
std::vector<BanSpan> ban_spans(const std::vector<PolicyAction>& actions, const std::string& advertiser,
                               const std::string& platform);

// When each ad ban among `actions` ends, lifts included: the first day on
// which none of the advertisers it names is banned by it any more; none
// while it still bans one of them. Keyed by the ban's id.
std::map<std::string, std::optional<Date>> ban_ends(const std::vector<PolicyAction>& actions);

// The span covering `day`, if the advertiser is banned that day. Where
// several bans overlap, the earliest is returned.
std::optional<BanSpan> ban_on(const std::vector<BanSpan>& spans, const Date& day);

// The first span that shares a day with `period`, if any.
std::optional<BanSpan> first_ban_overlapping(const std::vector<BanSpan>& spans, const Period& period);

// What the ban rule says about one advertiser on one platform on one day.
struct BanVerdict {
  // The ban in force that day (the earliest, where several are); null when
  // the advertiser is not banned.
  const PolicyAction* ban = nullptr;
  // The first day the advertiser may buy ads again: where bans overlap or
  // follow one another without a gap, the first day that none covers. None
  // when the last ban of that chain has no end.
  std::optional<Date> until;
  // The lift that ends the last ban of the chain, if a lift ends it.
  const PolicyAction* lifted_by = nullptr;

  bool banned() const { return ban != nullptr; }
};

// One advertiser's spans on one platform, ready to answer any day: which
// span covers it, and where the chain of overlapping or abutting spans that
// starts there ends. Built in O(n log n), answers in O(log n).
class BanTimeline {
 public:
  BanTimeline() = default;
  // `spans` ordered as ban_spans orders them.
  explicit BanTimeline(std::vector<BanSpan> spans);

  const std::vector<BanSpan>& spans() const { return spans_; }
  bool empty() const { return spans_.empty(); }

  // The verdict on `day`. Where several spans cover it, the earliest (in
  // the spans' order) is the ban in force, as ban_on says; `until` follows
  // the chain as ban_on would, span by span, to the first day none covers.
  BanVerdict verdict(const Date& day) const;

 private:
  // The index of the first span that covers the day numbered `day`, or
  // SIZE_MAX when none does.
  std::size_t covering(std::uint32_t day) const;

  std::vector<BanSpan> spans_;
  std::vector<std::uint32_t> first_;  // spans_[i].first, as a day number
  std::vector<std::uint32_t> reach_;  // the latest end among spans_[0..i]; kOpen: no end
  std::vector<std::size_t> chain_last_;  // the span whose end closes the chain from span i
};

// Every advertiser's ban timeline on every platform, from all the policy
// actions of a ledger, built once in O(n log n) (n: the actions times the
// advertisers each names). It owns the actions, and the spans point into
// them: it can be moved but not copied.
class BanIndex {
 public:
  // One advertiser on one platform that some ban names.
  struct Pair {
    std::string advertiser;
    std::string platform;
    BanTimeline timeline;
  };

  explicit BanIndex(std::vector<PolicyAction> actions);
  BanIndex(const BanIndex&) = delete;
  BanIndex& operator=(const BanIndex&) = delete;
  BanIndex(BanIndex&&) = default;
  BanIndex& operator=(BanIndex&&) = default;

  const std::vector<PolicyAction>& actions() const { return actions_; }
  // The pairs that some ban names, in no particular order.
  const std::vector<Pair>& pairs() const { return pairs_; }
  // The timeline of `advertiser` on `platform` (empty if no ban names that
  // pair), in O(1) on average.
  const BanTimeline& timeline(std::string_view advertiser, std::string_view platform) const;
  const std::vector<BanSpan>& spans(std::string_view advertiser, std::string_view platform) const {
    return timeline(advertiser, platform).spans();
  }

 private:
  std::vector<PolicyAction> actions_;
  std::vector<Pair> pairs_;
  std::unordered_map<std::string, std::size_t> by_key_;  // advertiser '\n' platform -> pairs_ index
  BanTimeline empty_;
};

}  // namespace ledger
