#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "ledger/policy/bans.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::date;
using adledger_test::period;
using ledger::BanSpan;
using ledger::PolicyAction;
using ledger::PolicyKind;

PolicyAction ban(std::string id, std::string platform, std::vector<std::string> advertisers, const char* on,
                 std::optional<const char*> end = std::nullopt) {
  PolicyAction a;
  a.id = std::move(id);
  a.kind = PolicyKind::AdBan;
  a.platform_id = std::move(platform);
  a.advertiser_ids = std::move(advertisers);
  a.date = date(on);
  if (end) a.end_date = date(*end);
  a.description = "ban";
  a.source = "https://example.org/ban";
  return a;
}

PolicyAction lift(std::string id, std::string platform, std::vector<std::string> advertisers, const char* on,
                  std::optional<std::string> lifts = std::nullopt) {
  PolicyAction a;
  a.id = std::move(id);
  a.kind = PolicyKind::BanLift;
  a.platform_id = std::move(platform);
  a.advertiser_ids = std::move(advertisers);
  a.date = date(on);
  a.lifts_action_id = std::move(lifts);
  a.description = "lift";
  a.source = "https://example.org/lift";
  return a;
}

TEST(Bans, EffectiveDateIsTheFirstBannedDay) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt", "sputnik"}, "2017-10-26")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].ban, &actions[0]);
  EXPECT_EQ(spans[0].first, date("2017-10-26"));
  EXPECT_FALSE(spans[0].end);
  EXPECT_EQ(spans[0].lifted_by, nullptr);
  EXPECT_FALSE(ledger::ban_on(spans, date("2017-10-25")));
  auto on = ledger::ban_on(spans, date("2017-10-26"));
  ASSERT_TRUE(on);
  EXPECT_EQ(on->ban->id, "b1");
  EXPECT_TRUE(ledger::ban_on(spans, date("2030-01-01")));
  // The other advertiser named by the same ban is banned too.
  EXPECT_TRUE(ledger::ban_on(ledger::ban_spans(actions, "sputnik", "twitter"), date("2017-10-26")));
}

TEST(Bans, EndDateIsTheFirstAllowedDay) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26", "2018-01-01")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_TRUE(spans[0].end);
  EXPECT_EQ(*spans[0].end, date("2018-01-01"));
  EXPECT_EQ(spans[0].lifted_by, nullptr);
  EXPECT_TRUE(ledger::ban_on(spans, date("2017-12-31")));
  EXPECT_FALSE(ledger::ban_on(spans, date("2018-01-01")));
  EXPECT_FALSE(ledger::ban_on(spans, date("2017-10-25")));
}

TEST(Bans, LiftEndsTheBanOnItsDate) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26"),
                                    lift("l1", "twitter", {"rt"}, "2018-03-01")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_TRUE(spans[0].end);
  EXPECT_EQ(*spans[0].end, date("2018-03-01"));
  EXPECT_EQ(spans[0].lifted_by, &actions[1]);
  EXPECT_TRUE(ledger::ban_on(spans, date("2018-02-28")));
  EXPECT_FALSE(ledger::ban_on(spans, date("2018-03-01")));
}

TEST(Bans, LiftNamingTheBanEndsIt) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26"),
                                    lift("l1", "twitter", {"rt"}, "2018-03-01", "b1")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_FALSE(ledger::ban_on(spans, date("2018-03-01")));
  EXPECT_EQ(spans[0].lifted_by, &actions[1]);
}

TEST(Bans, LiftNamingAnotherBanDoesNotEndIt) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26"),
                                    lift("l1", "twitter", {"rt"}, "2018-03-01", "b-other")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_FALSE(spans[0].end);
  EXPECT_TRUE(ledger::ban_on(spans, date("2018-03-01")));
  EXPECT_TRUE(ledger::ban_on(spans, date("2019-01-01")));
}

TEST(Bans, LiftBeforeTheBanDoesNotEndIt) {
  std::vector<PolicyAction> actions{lift("l0", "twitter", {"rt"}, "2017-01-01"),
                                    ban("b1", "twitter", {"rt"}, "2017-10-26")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_FALSE(spans[0].end);
  EXPECT_TRUE(ledger::ban_on(spans, date("2018-01-01")));
}

TEST(Bans, LiftOnTheEffectiveDateLeavesNoBannedDay) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26"),
                                    lift("l1", "twitter", {"rt"}, "2017-10-26")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);  // still listed, for reports
  EXPECT_FALSE(ledger::ban_on(spans, date("2017-10-26")));
  EXPECT_FALSE(ledger::first_ban_overlapping(spans, period("2017")));
}

TEST(Bans, EarlierOfEndDateAndLiftWins) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26", "2018-06-01"),
                                    lift("l1", "twitter", {"rt"}, "2018-03-01"),
                                    lift("l2", "twitter", {"rt"}, "2018-09-01")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_TRUE(spans[0].end);
  EXPECT_EQ(*spans[0].end, date("2018-03-01"));
  EXPECT_EQ(spans[0].lifted_by, &actions[1]);

  std::vector<PolicyAction> late{ban("b1", "twitter", {"rt"}, "2017-10-26", "2018-06-01"),
                                 lift("l2", "twitter", {"rt"}, "2018-09-01")};
  auto late_spans = ledger::ban_spans(late, "rt", "twitter");
  ASSERT_EQ(late_spans.size(), 1u);
  EXPECT_EQ(*late_spans[0].end, date("2018-06-01"));
  EXPECT_EQ(late_spans[0].lifted_by, nullptr);
}

TEST(Bans, LiftOfAnotherAdvertiserOrPlatformDoesNotEndIt) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt", "sputnik"}, "2017-10-26"),
                                    lift("l1", "twitter", {"sputnik"}, "2018-03-01"),
                                    lift("l2", "facebook", {"rt"}, "2018-03-01")};
  auto rt = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(rt.size(), 1u);
  EXPECT_TRUE(ledger::ban_on(rt, date("2018-04-01")));
  auto sputnik = ledger::ban_spans(actions, "sputnik", "twitter");
  ASSERT_EQ(sputnik.size(), 1u);
  EXPECT_FALSE(ledger::ban_on(sputnik, date("2018-04-01")));
}

TEST(Bans, OtherPlatformOrAdvertiserDoesNotApply) {
  std::vector<PolicyAction> actions{ban("b1", "facebook", {"rt"}, "2017-10-26"),
                                    ban("b2", "twitter", {"sputnik"}, "2017-10-26")};
  EXPECT_TRUE(ledger::ban_spans(actions, "rt", "twitter").empty());
  EXPECT_TRUE(ledger::ban_spans(actions, "sputnik", "facebook").empty());
  EXPECT_EQ(ledger::ban_spans(actions, "rt", "facebook").size(), 1u);
}

TEST(Bans, OtherKindsAreNotBans) {
  PolicyAction suspension = ban("s1", "twitter", {"rt"}, "2017-10-26");
  suspension.kind = PolicyKind::Suspension;
  PolicyAction disclosure = ban("d1", "twitter", {"rt"}, "2017-10-26");
  disclosure.kind = PolicyKind::Disclosure;
  std::vector<PolicyAction> actions{suspension, disclosure};
  EXPECT_TRUE(ledger::ban_spans(actions, "rt", "twitter").empty());
}

TEST(Bans, SpansOrderedByEffectiveDateAndEarliestWins) {
  std::vector<PolicyAction> actions{ban("late", "twitter", {"rt"}, "2018-01-01"),
                                    ban("early", "twitter", {"rt"}, "2017-10-26")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].ban->id, "early");
  EXPECT_EQ(spans[1].ban->id, "late");
  auto on = ledger::ban_on(spans, date("2018-02-01"));
  ASSERT_TRUE(on);
  EXPECT_EQ(on->ban->id, "early");
}

TEST(Bans, OverlapOfAPeriodStraddlingTheStart) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  auto overlap = spans[0].overlap(period("2017-10"));
  ASSERT_TRUE(overlap);
  EXPECT_EQ(*overlap, period("2017-10-26..2017-10-31"));
  EXPECT_FALSE(spans[0].overlap(period("2017-10-01..2017-10-25")));
  EXPECT_EQ(*spans[0].overlap(period("2017-10-26")), period("2017-10-26"));

  auto found = ledger::first_ban_overlapping(spans, period("2017"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->ban->id, "b1");
  EXPECT_FALSE(ledger::first_ban_overlapping(spans, period("2017-01-01..2017-10-25")));
}

TEST(Bans, OverlapOfAPeriodStraddlingTheEnd) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26", "2018-01-01")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(*spans[0].overlap(period("2017-12-15..2018-01-15")), period("2017-12-15..2017-12-31"));
  EXPECT_EQ(*spans[0].overlap(period("2017")), period("2017-10-26..2017-12-31"));
  EXPECT_FALSE(spans[0].overlap(period("2018")));
  EXPECT_FALSE(ledger::first_ban_overlapping(spans, period("2018-01-01..2018-12-31")));
  EXPECT_TRUE(ledger::first_ban_overlapping(spans, period("2017-12-31..2018-12-31")));
}

TEST(Bans, CoversIsHalfOpen) {
  BanSpan span;
  span.first = date("2017-10-26");
  span.end = date("2017-10-28");
  EXPECT_FALSE(span.covers(date("2017-10-25")));
  EXPECT_TRUE(span.covers(date("2017-10-26")));
  EXPECT_TRUE(span.covers(date("2017-10-27")));
  EXPECT_FALSE(span.covers(date("2017-10-28")));
}

// BanTimeline::verdict, the answer Ledger::ban_status and ban-status --batch
// share.

TEST(BanVerdict, DayBeforeBanDayAndLiftDay) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26"),
                                    lift("l1", "twitter", {"rt"}, "2018-03-01")};
  ledger::BanTimeline timeline(ledger::ban_spans(actions, "rt", "twitter"));
  EXPECT_FALSE(timeline.verdict(date("2017-10-25")).banned());
  auto on = timeline.verdict(date("2017-10-26"));
  ASSERT_TRUE(on.banned());
  EXPECT_EQ(on.ban, &actions[0]);
  EXPECT_EQ(on.until, date("2018-03-01"));
  EXPECT_EQ(on.lifted_by, &actions[1]);
  EXPECT_TRUE(timeline.verdict(date("2018-02-28")).banned());
  EXPECT_FALSE(timeline.verdict(date("2018-03-01")).banned());
}

TEST(BanVerdict, OpenBanHasNoUntil) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26")};
  auto v = ledger::BanTimeline(ledger::ban_spans(actions, "rt", "twitter")).verdict(date("2030-01-01"));
  ASSERT_TRUE(v.banned());
  EXPECT_FALSE(v.until);
  EXPECT_EQ(v.lifted_by, nullptr);
}

TEST(BanVerdict, EmptyTimelineBansNothing) {
  ledger::BanTimeline timeline;
  EXPECT_TRUE(timeline.empty());
  EXPECT_FALSE(timeline.verdict(date("2017-10-26")).banned());
}

TEST(BanVerdict, UntilFollowsAbuttingAndOverlappingBansToTheFirstFreeDay) {
  // b1 [10-26, 12-01), b2 abuts it [12-01, lifted 2018-02-01), b3 overlaps
  // b2 [2018-01-15, 2018-03-01). Then a gap, and b4 from 2018-03-02.
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26", "2017-12-01"),
                                    ban("b2", "twitter", {"rt"}, "2017-12-01"),
                                    lift("l2", "twitter", {"rt"}, "2018-02-01", "b2"),
                                    ban("b3", "twitter", {"rt"}, "2018-01-15", "2018-03-01"),
                                    ban("b4", "twitter", {"rt"}, "2018-03-02")};
  ledger::BanTimeline timeline(ledger::ban_spans(actions, "rt", "twitter"));
  auto v = timeline.verdict(date("2017-11-01"));
  ASSERT_TRUE(v.banned());
  EXPECT_EQ(v.ban->id, "b1");  // the ban in force on the day asked about
  EXPECT_EQ(v.until, date("2018-03-01"));
  EXPECT_EQ(v.lifted_by, nullptr);  // b3 ends on its end date
  auto in_b2 = timeline.verdict(date("2018-01-20"));
  ASSERT_TRUE(in_b2.banned());
  EXPECT_EQ(in_b2.ban->id, "b2");  // b2 and b3 both cover it: the earlier
  EXPECT_EQ(in_b2.until, date("2018-03-01"));
  EXPECT_FALSE(timeline.verdict(date("2018-03-01")).banned());
  auto in_b4 = timeline.verdict(date("2018-03-02"));
  ASSERT_TRUE(in_b4.banned());
  EXPECT_EQ(in_b4.ban->id, "b4");
  EXPECT_FALSE(in_b4.until);
}

TEST(BanVerdict, UntilNamesTheLiftThatEndsTheChain) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26", "2017-12-01"),
                                    ban("b2", "twitter", {"rt"}, "2017-11-01"),
                                    lift("l2", "twitter", {"rt"}, "2018-02-01", "b2")};
  auto v = ledger::BanTimeline(ledger::ban_spans(actions, "rt", "twitter")).verdict(date("2017-10-30"));
  ASSERT_TRUE(v.banned());
  EXPECT_EQ(v.ban->id, "b1");
  EXPECT_EQ(v.until, date("2018-02-01"));
  ASSERT_NE(v.lifted_by, nullptr);
  EXPECT_EQ(v.lifted_by->id, "l2");
}

TEST(Bans, WithdrawnBanOrLiftCountsForNothing) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26"),
                                    lift("l1", "twitter", {"rt"}, "2018-03-01"),
                                    ban("b2", "twitter", {"rt"}, "2019-01-01")};
  actions[1].withdrawal = ledger::PolicyWithdrawal{};
  actions[2].withdrawal = ledger::PolicyWithdrawal{};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_FALSE(spans[0].end);
  EXPECT_EQ(ledger::ban_ends(actions).at("b2"), date("2019-01-01"));  // bans no one
}

TEST(Bans, OfTwoLiftsOnTheSameDayTheFirstRecordedEndsTheBan) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26"),
                                    lift("l1", "twitter", {"rt"}, "2018-03-01", "b1"),
                                    lift("l0", "twitter", {"rt"}, "2018-03-01")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].lifted_by, &actions[1]);
}

TEST(Bans, ALiftOnTheEndDateLeavesTheEndDate) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26", "2018-03-01"),
                                    lift("l1", "twitter", {"rt"}, "2018-03-01")};
  auto spans = ledger::ban_spans(actions, "rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].end, date("2018-03-01"));
  EXPECT_EQ(spans[0].lifted_by, nullptr);
}

TEST(BanIndex, GivesEachPairItsSpans) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt", "sputnik"}, "2017-10-26"),
                                    lift("l1", "twitter", {"sputnik"}, "2018-03-01"),
                                    ban("b2", "facebook", {"rt"}, "2019-01-01", "2019-02-01"),
                                    lift("l9", "youtube", {"rt"}, "2019-01-01")};
  ledger::BanIndex index(actions);
  EXPECT_EQ(index.pairs().size(), 3u);  // a lift alone makes no pair
  const auto& rt = index.spans("rt", "twitter");
  ASSERT_EQ(rt.size(), 1u);
  EXPECT_EQ(rt[0].ban, &index.actions()[0]);
  EXPECT_FALSE(rt[0].end);
  const auto& sputnik = index.spans("sputnik", "twitter");
  ASSERT_EQ(sputnik.size(), 1u);
  EXPECT_EQ(sputnik[0].lifted_by, &index.actions()[1]);
  EXPECT_EQ(index.spans("rt", "facebook").size(), 1u);
  EXPECT_TRUE(index.spans("rt", "youtube").empty());
  EXPECT_TRUE(index.spans("nobody", "twitter").empty());
  EXPECT_TRUE(index.timeline("sputnik", "facebook").empty());
  EXPECT_TRUE(index.timeline("sputnik", "twitter").verdict(date("2018-02-28")).banned());
  EXPECT_FALSE(index.timeline("sputnik", "twitter").verdict(date("2018-03-01")).banned());
}

TEST(BanIndex, KeysCannotCollide) {
  // "ab" on "c" and "a" on "bc" are different pairs.
  std::vector<PolicyAction> actions{ban("b1", "c", {"ab"}, "2017-10-26")};
  ledger::BanIndex index(actions);
  EXPECT_EQ(index.spans("ab", "c").size(), 1u);
  EXPECT_TRUE(index.spans("a", "bc").empty());
}

TEST(BanIndex, SpansStayValidWhenTheIndexMoves) {
  std::vector<PolicyAction> actions{ban("b1", "twitter", {"rt"}, "2017-10-26")};
  ledger::BanIndex first(actions);
  ledger::BanIndex moved(std::move(first));
  const auto& spans = moved.spans("rt", "twitter");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].ban, &moved.actions()[0]);
  EXPECT_EQ(spans[0].ban->id, "b1");
}

// The reference: the straightforward quadratic algorithm that was the
// implementation before BanIndex (for each ban, every action is read for
// lifts), with the chain that Ledger::ban_status followed span by span.
namespace reference {

bool names(const PolicyAction& action, const std::string& advertiser) {
  return std::binary_search(action.advertiser_ids.begin(), action.advertiser_ids.end(), advertiser);
}

std::vector<BanSpan> ban_spans(const std::vector<PolicyAction>& actions, const std::string& advertiser,
                               const std::string& platform) {
  std::vector<BanSpan> spans;
  for (const PolicyAction& ban : actions) {
    if (ban.kind != PolicyKind::AdBan || ban.platform_id != platform || !names(ban, advertiser)) continue;
    if (ban.withdrawal) continue;
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
    spans.push_back(span);
  }
  std::stable_sort(spans.begin(), spans.end(),
                   [](const BanSpan& a, const BanSpan& b) { return a.first < b.first; });
  return spans;
}

ledger::BanVerdict verdict(const std::vector<BanSpan>& spans, const ledger::Date& on) {
  ledger::BanVerdict v;
  auto span = ledger::ban_on(spans, on);
  if (!span) return v;
  v.ban = span->ban;
  std::optional<BanSpan> last = span;
  while (last->end) {
    auto next = ledger::ban_on(spans, *last->end);
    if (!next) break;
    last = next;
  }
  v.until = last->end;
  v.lifted_by = last->lifted_by;
  return v;
}

std::map<std::string, std::optional<ledger::Date>> ban_ends(const std::vector<PolicyAction>& actions) {
  std::map<std::string, std::optional<ledger::Date>> out;
  for (const PolicyAction& ban : actions) {
    if (ban.kind != PolicyKind::AdBan) continue;
    std::optional<ledger::Date> end = ban.date;
    if (ban.withdrawal) {
      out[ban.id] = end;
      continue;
    }
    for (const std::string& advertiser : ban.advertiser_ids) {
      for (const BanSpan& span : reference::ban_spans(actions, advertiser, ban.platform_id)) {
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

}  // namespace reference

// The place of `action` in `actions`, -1 for none: spans of different
// vectors of the same actions are compared by place.
std::ptrdiff_t place(const PolicyAction* action, const std::vector<PolicyAction>& actions) {
  return action ? action - actions.data() : -1;
}

// Random histories crowded into a few weeks, so that bans overlap, abut and
// share dates with each other, with lifts and with end dates, and lifts name
// bans that exist, bans that do not, or none.
std::vector<PolicyAction> random_history(std::mt19937& rng) {
  const std::vector<std::string> advertisers{"a", "b", "c"};
  const std::vector<std::string> platforms{"p", "q"};
  const ledger::Date base = date("2017-01-01");
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto day = [&] { return base + boost::gregorian::days(pick(40)); };
  std::vector<PolicyAction> actions;
  int count = pick(25);
  int bans = 0;
  for (int i = 0; i < count; ++i) {
    PolicyAction a;
    int kind = pick(10);
    a.kind = kind < 5 ? PolicyKind::AdBan : kind < 9 ? PolicyKind::BanLift : PolicyKind::Suspension;
    a.platform_id = platforms[static_cast<std::size_t>(pick(2))];
    for (const std::string& id : advertisers)
      if (pick(2)) a.advertiser_ids.push_back(id);
    a.date = day();
    if (a.kind == PolicyKind::AdBan) {
      a.id = "b" + std::to_string(++bans);
      if (pick(3) == 0) a.end_date = a.date + boost::gregorian::days(pick(20) - 3);  // some end first
    } else {
      a.id = "l" + std::to_string(i);
      if (a.kind == PolicyKind::BanLift && pick(2)) a.lifts_action_id = "b" + std::to_string(1 + pick(bans + 2));
    }
    if (pick(8) == 0) a.withdrawal = ledger::PolicyWithdrawal{};
    a.description = "random";
    a.source = "random";
    actions.push_back(std::move(a));
  }
  return actions;
}

TEST(BanIndex, AgreesWithTheQuadraticReferenceOnRandomHistories) {
  std::mt19937 rng(6);
  const ledger::Date base = date("2017-01-01");
  int banned_days = 0, chained = 0, lifted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<PolicyAction> actions = random_history(rng);
    ledger::BanIndex index(actions);
    const std::vector<PolicyAction>& own = index.actions();
    ASSERT_EQ(ledger::ban_ends(actions), reference::ban_ends(actions)) << "round " << round;
    for (const char* advertiser : {"a", "b", "c", "z"}) {
      for (const char* platform : {"p", "q", "r"}) {
        SCOPED_TRACE(::testing::Message() << "round " << round << ", " << advertiser << " on " << platform);
        auto want = reference::ban_spans(actions, advertiser, platform);
        auto got = ledger::ban_spans(actions, advertiser, platform);
        const auto& indexed = index.spans(advertiser, platform);
        ASSERT_EQ(got.size(), want.size());
        ASSERT_EQ(indexed.size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
          EXPECT_EQ(got[i].ban, want[i].ban);
          EXPECT_EQ(got[i].first, want[i].first);
          EXPECT_EQ(got[i].end, want[i].end);
          EXPECT_EQ(got[i].lifted_by, want[i].lifted_by);
          EXPECT_EQ(place(indexed[i].ban, own), place(want[i].ban, actions));
          EXPECT_EQ(indexed[i].first, want[i].first);
          EXPECT_EQ(indexed[i].end, want[i].end);
          EXPECT_EQ(place(indexed[i].lifted_by, own), place(want[i].lifted_by, actions));
        }
        ledger::BanTimeline timeline(got);
        const ledger::BanTimeline& index_timeline = index.timeline(advertiser, platform);
        for (int d = -1; d < 75; ++d) {
          ledger::Date on = base + boost::gregorian::days(d);
          ledger::BanVerdict w = reference::verdict(want, on);
          ledger::BanVerdict v = timeline.verdict(on);
          ledger::BanVerdict iv = index_timeline.verdict(on);
          ASSERT_EQ(v.ban, w.ban) << ledger::format_date(on);
          ASSERT_EQ(v.until, w.until) << ledger::format_date(on);
          ASSERT_EQ(v.lifted_by, w.lifted_by) << ledger::format_date(on);
          ASSERT_EQ(place(iv.ban, own), place(w.ban, actions)) << ledger::format_date(on);
          ASSERT_EQ(iv.until, w.until) << ledger::format_date(on);
          ASSERT_EQ(place(iv.lifted_by, own), place(w.lifted_by, actions)) << ledger::format_date(on);
          if (w.banned()) {
            ++banned_days;
            auto span = ledger::ban_on(want, on);
            if (span->end != w.until) ++chained;
            if (w.lifted_by) ++lifted;
          }
        }
      }
    }
  }
  // The histories exercise what they are for: bans, chains and lifts.
  EXPECT_GT(banned_days, 10000);
  EXPECT_GT(chained, 1000);
  EXPECT_GT(lifted, 1000);
}

TEST(BanIndex, ALongChainIsFollowedToItsEnd) {
  // 2,000 bans, each abutting the next: every day of the chain is banned
  // until the day after the last.
  std::vector<PolicyAction> actions;
  ledger::Date start = date("2000-01-01");
  for (int i = 0; i < 2000; ++i) {
    ledger::Date from = start + boost::gregorian::days(i);
    PolicyAction b = ban("b" + std::to_string(i), "twitter", {"rt"}, "2000-01-01");
    b.date = from;
    b.end_date = from + boost::gregorian::days(1);
    actions.push_back(b);
  }
  ledger::BanIndex index(actions);
  const auto& timeline = index.timeline("rt", "twitter");
  for (int i : {0, 1, 999, 1999}) {
    auto v = timeline.verdict(start + boost::gregorian::days(i));
    ASSERT_TRUE(v.banned());
    EXPECT_EQ(v.ban->id, "b" + std::to_string(i));
    EXPECT_EQ(v.until, start + boost::gregorian::days(2000));
  }
  EXPECT_FALSE(timeline.verdict(start + boost::gregorian::days(2000)).banned());
}

}  // namespace
