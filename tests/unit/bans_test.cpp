#include <gtest/gtest.h>

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

}  // namespace
