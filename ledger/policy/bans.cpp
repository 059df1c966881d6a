#include "ledger/policy/bans.hpp"

#include <algorithm>

namespace ledger {
namespace {

bool names(const PolicyAction& action, const std::string& advertiser) {
  return std::binary_search(action.advertiser_ids.begin(), action.advertiser_ids.end(), advertiser);
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
  std::vector<BanSpan> spans;
  for (const PolicyAction& ban : actions) {
    if (ban.kind != PolicyKind::AdBan || ban.platform_id != platform || !names(ban, advertiser)) continue;
    if (ban.withdrawal) continue;  // recorded by mistake: it bans no one
    BanSpan span{&ban, ban.date, ban.end_date, nullptr};
    for (const PolicyAction& lift : actions) {
      if (lift.kind != PolicyKind::BanLift || lift.platform_id != platform || !names(lift, advertiser)) continue;
      if (lift.withdrawal) continue;
      if (lift.lifts_action_id && *lift.lifts_action_id != ban.id) continue;
      if (lift.date < ban.date) continue;
      if (!span.end || lift.date < *span.end) {
        span.end = lift.date;
        span.lifted_by = &lift;
      }
    }
    // A ban whose end is on its effective date never covers a day; it stays
    // in the list so that reports can still show it.
    spans.push_back(span);
  }
  std::stable_sort(spans.begin(), spans.end(),
                   [](const BanSpan& a, const BanSpan& b) { return a.first < b.first; });
  return spans;
}

std::map<std::string, std::optional<Date>> ban_ends(const std::vector<PolicyAction>& actions) {
  std::map<std::string, std::optional<Date>> out;
  for (const PolicyAction& ban : actions) {
    if (ban.kind != PolicyKind::AdBan) continue;
    std::optional<Date> end = ban.date;  // no advertiser, or withdrawn: it bans no one
    if (ban.withdrawal) {
      out[ban.id] = end;
      continue;
    }
    for (const std::string& advertiser : ban.advertiser_ids) {
      for (const BanSpan& span : ban_spans(actions, advertiser, ban.platform_id)) {
        if (span.ban != &ban) continue;
        if (!span.end) end = std::nullopt;
        else if (end) end = std::max(*end, *span.end);
      }
      if (!end) break;
    }
    out[ban.id] = end;
  }
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

}  // namespace ledger
