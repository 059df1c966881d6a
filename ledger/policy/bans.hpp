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
#pragma once

#include <map>
#include <optional>
#include <string>
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
// platform's policy actions (others are ignored), ordered by effective date.
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

}  // namespace ledger
