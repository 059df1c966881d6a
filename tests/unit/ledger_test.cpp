#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <random>

#include "ledger/ledger.hpp"
#include "ledger/audit/verify.hpp"
#include "ledger/report/advertiser_report.hpp"
#include "ledger/report/other_reports.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::date;
using adledger_test::period;
using adledger_test::TempLedger;
using adledger_test::usd;
using ledger::ErrorKind;
using ledger::PolicyAction;
using ledger::PolicyKind;
using ledger::SpendEntry;

constexpr const char* kBanSource = "https://blog.twitter.com/official/en_us/topics/company/2017/announcement-rt-and-sputnik-advertising.html";

SpendEntry spend(const char* advertiser, const char* platform, const char* when, std::int64_t minor) {
  SpendEntry e;
  e.advertiser_id = advertiser;
  e.platform_id = platform;
  e.amount = usd(minor);
  e.period = period(when);
  e.market = "US";
  e.source = "https://example.org/spend";
  return e;
}

PolicyAction ad_ban(const char* platform, std::vector<std::string> advertisers, const char* on) {
  PolicyAction a;
  a.kind = PolicyKind::AdBan;
  a.platform_id = platform;
  a.advertiser_ids = std::move(advertisers);
  a.date = date(on);
  a.description = "state-backed media";
  a.source = kBanSource;
  return a;
}

ledger::Pledge pledge(std::int64_t minor) {
  ledger::Pledge p;
  p.platform_id = "twitter";
  p.amount = usd(minor);
  p.date = date("2017-10-26");
  p.beneficiary = "academic research";
  p.basis_advertiser_id = "rt";
  p.source = "https://example.org/pledge";
  return p;
}

// twitter and facebook; rt and sputnik.
struct RulesTest : ::testing::Test {
  TempLedger t;
  ledger::Ledger& ledger = t.ledger;

  void SetUp() override {
    t.write([&] {
      ledger.add_platform({"twitter", "Twitter"});
      ledger.add_platform({"facebook", "Facebook"});
      ledger.add_advertiser({"rt", "RT", std::string("RU"), true});
      ledger.add_advertiser({"sputnik", "Sputnik", std::string("RU"), true});
    });
  }

  template <typename F>
  auto in_write(F&& f) -> decltype(f()) {
    ledger::WriteTransaction txn(*t.store);
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      txn.commit();
    } else {
      auto result = f();
      txn.commit();
      return result;
    }
  }
};

TEST_F(RulesTest, SpendWithUnknownAdvertiserOrPlatform) {
  EXPECT_ERROR(ErrorKind::Rule, "advertiser \"nobody\": no such advertiser",
               in_write([&] { return ledger.record_spend(spend("nobody", "twitter", "2016", 100)); }));
  EXPECT_ERROR(ErrorKind::Rule, "platform \"myspace\": no such platform",
               in_write([&] { return ledger.record_spend(spend("rt", "myspace", "2016", 100)); }));
  EXPECT_TRUE(t.store->spend({}).empty());
}

TEST_F(RulesTest, LookupsOfUnknownIds) {
  EXPECT_ERROR(ErrorKind::Rule, "no such advertiser", ledger.advertiser("nobody"));
  EXPECT_ERROR(ErrorKind::Rule, "no such platform", ledger.platform("nobody"));
  EXPECT_ERROR(ErrorKind::Rule, "pledge \"nope\": no such pledge", ledger.pledge_status("nope"));
  EXPECT_EQ(ledger.advertiser("rt").name, "RT");
  EXPECT_EQ(ledger.platform("twitter").name, "Twitter");
}

TEST_F(RulesTest, RecordSpendAssignsIdsAndSortsTags) {
  SpendEntry e = spend("rt", "twitter", "2016", 27410000);
  e.tags = {"b", "a", "b"};
  SpendEntry out = in_write([&] { return ledger.record_spend(e); });
  EXPECT_EQ(out.entry_id, 1);
  EXPECT_GT(out.txn_id, 0);
  EXPECT_EQ(out.tags, (std::vector<std::string>{"a", "b"}));
  SpendEntry second = in_write([&] { return ledger.record_spend(spend("rt", "twitter", "2017-01", 5)); });
  EXPECT_EQ(second.entry_id, 2);
  EXPECT_NE(second.txn_id, out.txn_id);
}

TEST_F(RulesTest, DuplicateExternalId) {
  SpendEntry e = spend("rt", "twitter", "2016", 100);
  e.external_id = "tw-1";
  in_write([&] { ledger.record_spend(e); });
  SpendEntry again = spend("sputnik", "facebook", "2017", 200);
  again.external_id = "tw-1";
  auto err = adledger_test::error_of([&] { in_write([&] { ledger.record_spend(again); }); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), ErrorKind::Rule);
  EXPECT_STREQ(err->what(),
               "id \"tw-1\": spend entry #1: already recorded with a different advertiser, period, amount, platform");
  EXPECT_EQ(t.store->spend({}).size(), 1u);

  // The same entry again is a no-op, reported as such, and logs nothing.
  auto head = t.store->log_head();
  SpendEntry same = in_write([&] { return ledger.record_spend(e); });
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  EXPECT_EQ(same.entry_id, 1);
  EXPECT_EQ(t.store->spend({}).size(), 1u);
  EXPECT_EQ(t.store->log_head()->seq, head->seq);
  // One field off is named alone.
  SpendEntry note = e;
  note.note = "a later note";
  EXPECT_ERROR(ErrorKind::Rule, "already recorded with a different note", in_write([&] { ledger.record_spend(note); }));
}

TEST_F(RulesTest, SpendInputChecks) {
  SpendEntry zero = spend("rt", "twitter", "2016", 100);
  zero.amount = usd(0);
  EXPECT_ERROR(ErrorKind::Input, "must be greater than zero", in_write([&] { ledger.record_spend(zero); }));
  SpendEntry negative = spend("rt", "twitter", "2016", 100);
  negative.amount = usd(-5);
  EXPECT_ERROR(ErrorKind::Input, "must be greater than zero", in_write([&] { ledger.record_spend(negative); }));
  SpendEntry no_source = spend("rt", "twitter", "2016", 100);
  no_source.source = "";
  EXPECT_ERROR(ErrorKind::Input, "source", in_write([&] { ledger.record_spend(no_source); }));
  SpendEntry bad_items = spend("rt", "twitter", "2016", 100);
  bad_items.items = -1;
  EXPECT_ERROR(ErrorKind::Input, "items \"-1\"", in_write([&] { ledger.record_spend(bad_items); }));
  SpendEntry control = spend("rt", "twitter", "2016", 100);
  control.note = std::string("line one\nline two");
  EXPECT_ERROR(ErrorKind::Input, "control characters", in_write([&] { ledger.record_spend(control); }));
  SpendEntry bad_utf8 = spend("rt", "twitter", "2016", 100);
  bad_utf8.market = std::string("\xff\xfe");
  EXPECT_ERROR(ErrorKind::Input, "not valid UTF-8", in_write([&] { ledger.record_spend(bad_utf8); }));
  SpendEntry unlinked = spend("rt", "twitter", "2016", 100);
  unlinked.handle = "@RT_com";
  EXPECT_ERROR(ErrorKind::Rule, "not linked to advertiser rt on twitter", in_write([&] { ledger.record_spend(unlinked); }));
  EXPECT_TRUE(t.store->spend({}).empty());
}

TEST_F(RulesTest, HandlesLinkOnce) {
  in_write([&] { ledger.link_handle({"rt", "twitter", "@RT_com"}); });
  EXPECT_ERROR(ErrorKind::Rule, "handle \"@RT_com\": already linked to advertiser rt on twitter",
               in_write([&] { ledger.link_handle({"sputnik", "twitter", "@RT_com"}); }));
  // The same handle on another platform is another account.
  EXPECT_NO_THROW(in_write([&] { ledger.link_handle({"sputnik", "facebook", "@RT_com"}); }));
  SpendEntry wrong = spend("sputnik", "twitter", "2016", 100);
  wrong.handle = "@RT_com";
  EXPECT_ERROR(ErrorKind::Rule, "not linked to advertiser sputnik on twitter",
               in_write([&] { ledger.record_spend(wrong); }));
  SpendEntry right = spend("rt", "twitter", "2016", 100);
  right.handle = "@RT_com";
  EXPECT_NO_THROW(in_write([&] { ledger.record_spend(right); }));
}

TEST_F(RulesTest, SpendOverlappingABanIsRefused) {
  PolicyAction ban = in_write([&] { return ledger.record_policy_action(ad_ban("twitter", {"rt"}, "2017-10-26")); });
  EXPECT_EQ(ban.id, "twitter-ad-ban-2017-10-26");
  auto err = adledger_test::error_of([&] { in_write([&] { ledger.record_spend(spend("rt", "twitter", "2017-10", 100)); }); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), ErrorKind::Rule);
  std::string what = err->what();
  EXPECT_EQ(what, std::string("spend refused: advertiser rt is banned on twitter from 2017-10-26 by policy action "
                              "twitter-ad-ban-2017-10-26 (source: ") +
                      kBanSource + "); period 2017-10 overlaps it on 2017-10-26..2017-10-31");
  for (const char* needle : {"twitter-ad-ban-2017-10-26", "twitter", "rt", "2017-10-26", kBanSource})
    EXPECT_NE(what.find(needle), std::string::npos) << needle;
  EXPECT_TRUE(t.store->spend({}).empty());
  EXPECT_TRUE(t.store->trial_balance().empty());
}

TEST_F(RulesTest, SpendUpToTheDayBeforeABanIsAccepted) {
  in_write([&] { ledger.record_policy_action(ad_ban("twitter", {"rt"}, "2017-10-26")); });
  EXPECT_NO_THROW(in_write([&] { ledger.record_spend(spend("rt", "twitter", "2017-10-25", 100)); }));
  EXPECT_NO_THROW(in_write([&] { ledger.record_spend(spend("rt", "twitter", "2017-01-01..2017-10-25", 100)); }));
  EXPECT_ERROR(ErrorKind::Rule, "overlaps it on 2017-10-26",
               in_write([&] { ledger.record_spend(spend("rt", "twitter", "2017-10-26", 100)); }));
  // Other platforms and other advertisers are not covered.
  EXPECT_NO_THROW(in_write([&] { ledger.record_spend(spend("rt", "facebook", "2017-11", 100)); }));
  EXPECT_NO_THROW(in_write([&] { ledger.record_spend(spend("sputnik", "twitter", "2017-11", 100)); }));
  EXPECT_EQ(t.store->spend({}).size(), 4u);
}

// Within one write (an import), the ledger caches what it has looked up:
// a ban, a lift or a withdrawal recorded in the same write must change
// what the next entry is checked against, and a write rolled back must
// leave nothing cached behind.
TEST_F(RulesTest, BansRecordedInTheSameWriteApplyToTheNextEntry) {
  in_write([&] {
    ledger.record_spend(spend("rt", "twitter", "2017-11", 100));  // caches rt on twitter: no ban
    PolicyAction ban = ledger.record_policy_action(ad_ban("twitter", {"rt"}, "2017-10-26"));
    EXPECT_ERROR(ErrorKind::Rule, "period 2017-12 overlaps it on 2017-12",
                 ledger.record_spend(spend("rt", "twitter", "2017-12", 100)));
    ledger.withdraw_action(ban.id, "recorded by mistake", "https://example.org/correction");
    EXPECT_NO_THROW(ledger.record_spend(spend("rt", "twitter", "2018-01", 100)));
    PolicyAction again = ledger.record_policy_action(ad_ban("twitter", {"rt"}, "2018-02-01"));
    EXPECT_ERROR(ErrorKind::Rule, "period 2018-02 overlaps it on 2018-02",
                 ledger.record_spend(spend("rt", "twitter", "2018-02", 100)));
    PolicyAction lift = ad_ban("twitter", {"rt"}, "2018-03-01");
    lift.kind = ledger::PolicyKind::BanLift;
    lift.lifts_action_id = again.id;
    ledger.record_policy_action(lift);
    EXPECT_NO_THROW(ledger.record_spend(spend("rt", "twitter", "2018-03", 100)));
  });
  EXPECT_EQ(t.store->spend({}).size(), 3u);

  // A write that records a ban and is rolled back: the ban is gone, and so
  // is what was cached from it.
  {
    ledger::WriteTransaction txn(*t.store);
    ledger.record_policy_action(ad_ban("facebook", {"sputnik"}, "2019-01-01"));
    EXPECT_ERROR(ErrorKind::Rule, "banned on facebook", ledger.record_spend(spend("sputnik", "facebook", "2019-01", 100)));
  }  // rolled back
  EXPECT_NO_THROW(in_write([&] { ledger.record_spend(spend("sputnik", "facebook", "2019-01", 100)); }));
  EXPECT_EQ(t.store->spend({}).size(), 4u);
}

TEST_F(RulesTest, BanWithEndDateAndLift) {
  PolicyAction ban = ad_ban("twitter", {"rt"}, "2017-10-26");
  ban.end_date = date("2018-01-01");
  ban = in_write([&] { return ledger.record_policy_action(ban); });
  EXPECT_ERROR(ErrorKind::Rule, "from 2017-10-26 until 2018-01-01",
               in_write([&] { ledger.record_spend(spend("rt", "twitter", "2017-12-31", 100)); }));
  EXPECT_NO_THROW(in_write([&] { ledger.record_spend(spend("rt", "twitter", "2018-01-01", 100)); }));

  auto banned = ledger.ban_status("rt", "twitter", date("2017-12-31"));
  EXPECT_TRUE(banned.banned);
  ASSERT_TRUE(banned.ban);
  EXPECT_EQ(banned.ban->id, ban.id);
  EXPECT_EQ(banned.until, std::optional<ledger::Date>(date("2018-01-01")));
  EXPECT_FALSE(banned.lifted_by);
  EXPECT_FALSE(ledger.ban_status("rt", "twitter", date("2018-01-01")).banned);
}

TEST_F(RulesTest, BanStatus) {
  in_write([&] { ledger.record_policy_action(ad_ban("twitter", {"rt", "sputnik"}, "2017-10-26")); });
  auto before = ledger.ban_status("rt", "twitter", date("2017-10-25"));
  EXPECT_FALSE(before.banned);
  EXPECT_FALSE(before.ban);
  EXPECT_EQ(before.advertiser_id, "rt");
  EXPECT_EQ(before.platform_id, "twitter");
  EXPECT_EQ(before.on, date("2017-10-25"));
  auto on = ledger.ban_status("rt", "twitter", date("2017-10-26"));
  EXPECT_TRUE(on.banned);
  ASSERT_TRUE(on.ban);
  EXPECT_EQ(on.ban->id, "twitter-ad-ban-2017-10-26");
  EXPECT_FALSE(on.until);
  EXPECT_FALSE(ledger.ban_status("rt", "facebook", date("2017-10-26")).banned);
  EXPECT_ERROR(ErrorKind::Rule, "no such advertiser", ledger.ban_status("nobody", "twitter", date("2017-10-26")));
  EXPECT_ERROR(ErrorKind::Rule, "no such platform", ledger.ban_status("rt", "nowhere", date("2017-10-26")));

  PolicyAction lift;
  lift.kind = PolicyKind::BanLift;
  lift.platform_id = "twitter";
  lift.lifts_action_id = "twitter-ad-ban-2017-10-26";
  lift.advertiser_ids = {"sputnik"};
  lift.date = date("2019-03-01");
  lift.description = "lifted";
  lift.source = "https://example.org/lift";
  PolicyAction recorded = in_write([&] { return ledger.record_policy_action(lift); });
  EXPECT_EQ(recorded.id, "twitter-ban-lift-2019-03-01");
  auto sputnik = ledger.ban_status("sputnik", "twitter", date("2019-02-28"));
  EXPECT_TRUE(sputnik.banned);
  EXPECT_EQ(sputnik.until, std::optional<ledger::Date>(date("2019-03-01")));
  ASSERT_TRUE(sputnik.lifted_by);
  EXPECT_EQ(sputnik.lifted_by->id, "twitter-ban-lift-2019-03-01");
  EXPECT_FALSE(ledger.ban_status("sputnik", "twitter", date("2019-03-01")).banned);
  // The lift names sputnik only: rt stays banned.
  EXPECT_TRUE(ledger.ban_status("rt", "twitter", date("2019-03-01")).banned);
}

TEST_F(RulesTest, LiftChecks) {
  in_write([&] { ledger.record_policy_action(ad_ban("twitter", {"rt"}, "2017-10-26")); });
  PolicyAction lift;
  lift.kind = PolicyKind::BanLift;
  lift.platform_id = "twitter";
  lift.date = date("2017-10-01");
  lift.lifts_action_id = "twitter-ad-ban-2017-10-26";
  lift.description = "lifted";
  lift.source = "s";
  EXPECT_ERROR(ErrorKind::Input, "a lift cannot precede the ban it lifts",
               in_write([&] { ledger.record_policy_action(lift); }));
  lift.date = date("2018-01-01");
  lift.lifts_action_id = "no-such-ban";
  EXPECT_ERROR(ErrorKind::Rule, "lifts \"no-such-ban\": no such ad ban",
               in_write([&] { ledger.record_policy_action(lift); }));
  lift.lifts_action_id = "twitter-ad-ban-2017-10-26";
  lift.advertiser_ids = {"sputnik"};
  EXPECT_ERROR(ErrorKind::Rule, "not named by ban twitter-ad-ban-2017-10-26",
               in_write([&] { ledger.record_policy_action(lift); }));
  lift.advertiser_ids.clear();
  lift.platform_id = "facebook";
  EXPECT_ERROR(ErrorKind::Rule, "that ban is on twitter, not facebook",
               in_write([&] { ledger.record_policy_action(lift); }));
  lift.platform_id = "twitter";
  PolicyAction ok = in_write([&] { return ledger.record_policy_action(lift); });
  EXPECT_EQ(ok.advertiser_ids, (std::vector<std::string>{"rt"}));  // taken from the ban
}

TEST_F(RulesTest, PolicyActionInputChecks) {
  PolicyAction ban = ad_ban("twitter", {}, "2017-10-26");
  EXPECT_ERROR(ErrorKind::Input, "an ad ban names at least one advertiser",
               in_write([&] { ledger.record_policy_action(ban); }));
  ban.advertiser_ids = {"rt"};
  ban.end_date = date("2017-10-26");
  EXPECT_ERROR(ErrorKind::Input, "must be after the effective date 2017-10-26",
               in_write([&] { ledger.record_policy_action(ban); }));
  ban.end_date.reset();
  ban.advertiser_ids = {"rt", "nobody"};
  EXPECT_ERROR(ErrorKind::Rule, "advertiser \"nobody\": no such advertiser",
               in_write([&] { ledger.record_policy_action(ban); }));
  ban.advertiser_ids = {"rt"};
  ban.account_count = 5;
  EXPECT_ERROR(ErrorKind::Input, "only a suspension counts accounts", in_write([&] { ledger.record_policy_action(ban); }));
  ban.account_count.reset();
  ban.id = "Bad Id";
  EXPECT_ERROR(ErrorKind::Input, "id \"Bad Id\"", in_write([&] { ledger.record_policy_action(ban); }));
  PolicyAction disclosure = ad_ban("twitter", {}, "2017-10-26");
  disclosure.kind = PolicyKind::Disclosure;
  disclosure.end_date = date("2018-01-01");
  EXPECT_ERROR(ErrorKind::Input, "only an ad_ban has an end date, not a disclosure",
               in_write([&] { ledger.record_policy_action(disclosure); }));
  PolicyAction suspension = ad_ban("twitter", {}, "2017-10-26");
  suspension.kind = PolicyKind::Suspension;
  EXPECT_ERROR(ErrorKind::Input, "a suspension names an advertiser or a count of accounts",
               in_write([&] { ledger.record_policy_action(suspension); }));
  suspension.account_count = 0;
  EXPECT_ERROR(ErrorKind::Input, "accounts \"0\"", in_write([&] { ledger.record_policy_action(suspension); }));
  suspension.account_count = 2752;
  EXPECT_EQ(in_write([&] { return ledger.record_policy_action(suspension); }).id, "twitter-suspension-2017-10-26");
  EXPECT_EQ(t.store->policy_actions(std::nullopt).size(), 1u);
}

TEST_F(RulesTest, PolicyIdsAreGeneratedAndSuffixed) {
  PolicyAction first = in_write([&] { return ledger.record_policy_action(ad_ban("twitter", {"rt"}, "2017-10-26")); });
  PolicyAction second =
      in_write([&] { return ledger.record_policy_action(ad_ban("twitter", {"sputnik"}, "2017-10-26")); });
  // The second given again, without an id, is the second: not a third.
  PolicyAction same = in_write([&] { return ledger.record_policy_action(ad_ban("twitter", {"sputnik"}, "2017-10-26")); });
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  PolicyAction other = ad_ban("twitter", {"sputnik", "rt"}, "2017-10-26");
  PolicyAction third = in_write([&] { return ledger.record_policy_action(other); });
  EXPECT_EQ(first.id, "twitter-ad-ban-2017-10-26");
  EXPECT_EQ(second.id, "twitter-ad-ban-2017-10-26-2");
  EXPECT_EQ(same.id, "twitter-ad-ban-2017-10-26-2");
  EXPECT_EQ(third.id, "twitter-ad-ban-2017-10-26-3");
  PolicyAction targeting = ad_ban("facebook", {}, "2018-05-01");
  targeting.kind = PolicyKind::TargetingChange;
  EXPECT_EQ(in_write([&] { return ledger.record_policy_action(targeting); }).id,
            "facebook-targeting-change-2018-05-01");
  PolicyAction named = ad_ban("twitter", {"rt"}, "2017-10-27");
  named.id = "twitter-ad-ban-2017-10-26";
  EXPECT_ERROR(ErrorKind::Rule, "policy action \"twitter-ad-ban-2017-10-26\": already recorded with a different",
               in_write([&] { ledger.record_policy_action(named); }));
  // The same action again, with or without its id, changes nothing.
  PolicyAction again = ad_ban("twitter", {"sputnik"}, "2017-10-26");
  again.id = "twitter-ad-ban-2017-10-26-2";
  EXPECT_EQ(in_write([&] { return ledger.record_policy_action(again); }).id, "twitter-ad-ban-2017-10-26-2");
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  EXPECT_EQ(t.store->policy_actions(std::nullopt).size(), 4u);
}

TEST_F(RulesTest, SpendWithoutAnIdGivenAgainIsTheSameEntry) {
  SpendEntry e = spend("rt", "twitter", "2016", 100);
  SpendEntry first = in_write([&] { return ledger.record_spend(e); });
  SpendEntry again = in_write([&] { return ledger.record_spend(e); });
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  EXPECT_EQ(again.entry_id, first.entry_id);
  // Any field that differs makes it another entry.
  e.amount = ledger::Money(101, e.amount.currency());
  EXPECT_NE(in_write([&] { return ledger.record_spend(e); }).entry_id, first.entry_id);
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Recorded);
  EXPECT_EQ(t.store->spend({}).size(), 2u);
}

TEST_F(RulesTest, BanRecordedAfterSpendIsAcceptedAndReportedAsViolation) {
  SpendEntry e = in_write([&] { return ledger.record_spend(spend("rt", "twitter", "2017-10", 3100)); });
  PolicyAction ban;
  EXPECT_NO_THROW(ban = in_write([&] { return ledger.record_policy_action(ad_ban("twitter", {"rt"}, "2017-10-26")); }));
  ledger::AdvertiserReportOptions options;
  options.today = date("2018-01-01");
  ledger::AdvertiserReport report = ledger::build_advertiser_report(ledger, "rt", options);
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_EQ(report.violations[0].entry.entry_id, e.entry_id);
  EXPECT_EQ(report.violations[0].ban.id, ban.id);
  EXPECT_EQ(report.violations[0].overlap, period("2017-10-26..2017-10-31"));
  // The ban status on each platform, as of today.
  ASSERT_EQ(report.ban_status.size(), 2u);
  std::map<std::string, bool> banned;
  for (const ledger::BanCheck& c : report.ban_status) banned[c.platform_id] = c.banned;
  EXPECT_TRUE(banned["twitter"]);
  EXPECT_FALSE(banned["facebook"]);
  ASSERT_EQ(report.actions.size(), 1u);
  EXPECT_EQ(report.actions[0].id, ban.id);
  // Sputnik's report has neither.
  auto other = ledger::build_advertiser_report(ledger, "sputnik", options);
  EXPECT_TRUE(other.violations.empty());
  EXPECT_TRUE(other.actions.empty());
}

TEST_F(RulesTest, ReportTotalsAndPeriods) {
  in_write([&] {
    ledger.record_spend(spend("rt", "twitter", "2016", 27410000));
    ledger.record_spend(spend("rt", "twitter", "2017-01", 100));
  });
  ledger::AdvertiserReportOptions options;
  options.today = date("2018-01-01");
  options.from = date("2016-01-01");
  options.to = date("2016-01-31");
  options.by = ledger::Granularity::Month;
  auto report = ledger::build_advertiser_report(ledger, "rt", options);
  ASSERT_EQ(report.entries.size(), 1u);
  ASSERT_EQ(report.spend.by_group.size(), 1u);
  EXPECT_EQ(report.spend.by_group[0].amount_minor, 2321612);  // January's share of 2016
  EXPECT_TRUE(report.spend.by_group[0].pro_rata);
  ASSERT_EQ(report.spend.by_period.size(), 1u);
  EXPECT_EQ(report.spend.by_period[0].bucket, period("2016-01"));
  EXPECT_EQ(report.spend.by_period[0].amount_minor, 2321612);

  options.from.reset();
  options.to.reset();
  auto whole = ledger::build_advertiser_report(ledger, "rt", options);
  ASSERT_EQ(whole.spend.by_group.size(), 1u);
  EXPECT_EQ(whole.spend.by_group[0].amount_minor, 27410100);
  EXPECT_FALSE(whole.spend.by_group[0].pro_rata);
  EXPECT_EQ(whole.spend.by_period.size(), 13u);
  std::int64_t sum = 0;
  for (const auto& p : whole.spend.by_period) sum += p.amount_minor;
  EXPECT_EQ(sum, 27410100);

  options.from = date("2017-01-01");
  options.to = date("2016-01-01");
  EXPECT_ERROR(ErrorKind::Input, "is before --from", ledger::build_advertiser_report(ledger, "rt", options));
  EXPECT_ERROR(ErrorKind::Rule, "no such advertiser", ledger::build_advertiser_report(ledger, "nobody", options));
}

TEST_F(RulesTest, PledgesAndDisbursements) {
  ledger::Pledge p = in_write([&] { return ledger.record_pledge(pledge(190000000)); });
  EXPECT_EQ(p.id, "twitter-pledge-2017-10-26");
  auto status = ledger.pledge_status(p.id);
  EXPECT_EQ(status.disbursed_minor, 0);
  EXPECT_EQ(status.outstanding_minor, 190000000);

  ledger::Disbursement d;
  d.pledge_id = p.id;
  d.amount = usd(50000000);
  d.date = date("2018-01-15");
  d.source = "https://example.org/grant";
  ledger::Disbursement first = in_write([&] { return ledger.disburse(d); });
  EXPECT_EQ(first.id, "twitter-pledge-2017-10-26-1");
  // The same disbursement given again (same amount, date and source) is a
  // no-op; a second one on the same day differs in something.
  EXPECT_EQ(in_write([&] { return ledger.disburse(d); }).id, "twitter-pledge-2017-10-26-1");
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  d.source = "https://example.org/grant-2";
  ledger::Disbursement second = in_write([&] { return ledger.disburse(d); });
  EXPECT_EQ(second.id, "twitter-pledge-2017-10-26-2");
  status = ledger.pledge_status(p.id);
  EXPECT_EQ(status.disbursements.size(), 2u);
  EXPECT_EQ(status.disbursed_minor, 100000000);
  EXPECT_EQ(status.outstanding_minor, 190000000 - 100000000);

  d.amount = usd(90000001);
  auto err = adledger_test::error_of([&] { in_write([&] { ledger.disburse(d); }); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), ErrorKind::Rule);
  EXPECT_STREQ(err->what(),
               "amount \"900000.01\": exceeds what is outstanding on pledge twitter-pledge-2017-10-26 (900,000.00 USD)");
  // Exactly what is outstanding is allowed, and then nothing more.
  d.amount = usd(90000000);
  EXPECT_NO_THROW(in_write([&] { ledger.disburse(d); }));
  EXPECT_EQ(ledger.pledge_status(p.id).outstanding_minor, 0);
  d.amount = usd(1);
  EXPECT_ERROR(ErrorKind::Rule, "exceeds what is outstanding", in_write([&] { ledger.disburse(d); }));

  // Another pledge the same day without an id is refused, naming the one
  // there and what differs (a typo must not become a second pledge that
  // stays in every figure); with its own id it is a second pledge.
  EXPECT_ERROR(ErrorKind::Rule,
               "pledge: twitter already has a pledge on 2017-10-26, twitter-pledge-2017-10-26 (1,900,000.00 USD to ",
               in_write([&] { return ledger.record_pledge(pledge(100)); }));
  auto differs = adledger_test::error_of([&] { in_write([&] { ledger.record_pledge(pledge(100)); }); });
  ASSERT_TRUE(differs);
  EXPECT_EQ(differs->reason(), ledger::Reason::Conflict);
  EXPECT_NE(std::string(differs->what()).find("differs in its amount;"), std::string::npos) << differs->what();
  ledger::Pledge second_pledge = pledge(100);
  second_pledge.id = "twitter-pledge-2017-10-26-research-2";
  EXPECT_EQ(in_write([&] { return ledger.record_pledge(second_pledge); }).id, "twitter-pledge-2017-10-26-research-2");
}

// A pledge, a payment or a disclosed total recorded by mistake is
// withdrawn: it stays, counts for nothing, and the journal undoes what it
// posted. A pledge goes after its payments; the same withdrawal again is a
// no-op, another refused; nothing refused leaves a trace.
TEST_F(RulesTest, PledgesDisbursementsAndDisclosedTotalsAreWithdrawn) {
  using ledger::Withdrawable;
  ledger::Pledge p = in_write([&] { return ledger.record_pledge(pledge(190000000)); });
  ledger::Disbursement d;
  d.pledge_id = p.id;
  d.amount = usd(50000000);
  d.date = date("2018-01-15");
  d.source = "https://example.org/grant";
  d = in_write([&] { return ledger.disburse(d); });
  auto seq = [&] { return t.store->log_head()->seq; };
  const std::int64_t before = seq();

  EXPECT_ERROR(ErrorKind::Rule, "pledge \"twitter-pledge-2017-10-26\": has disbursements (twitter-pledge-2017-10-26-1); "
                                "withdraw them first",
               in_write([&] { ledger.withdraw(Withdrawable::Pledge, p.id, "typo", "https://example.org/fix"); }));
  EXPECT_ERROR(ErrorKind::Rule, "pledge \"nope\": no such pledge",
               in_write([&] { ledger.withdraw(Withdrawable::Pledge, "nope", "typo", "s"); }));
  EXPECT_ERROR(ErrorKind::Rule, "disbursement \"nope\": no such disbursement",
               in_write([&] { ledger.withdraw(Withdrawable::Disbursement, "nope", "typo", "s"); }));
  EXPECT_ERROR(ErrorKind::Rule, "disclosed total \"nope\": no such disclosed total",
               in_write([&] { ledger.withdraw(Withdrawable::DisclosedTotal, "nope", "typo", "s"); }));
  EXPECT_ERROR(ErrorKind::Input, "reason", in_write([&] { ledger.withdraw(Withdrawable::Disbursement, d.id, "", "s"); }));
  EXPECT_EQ(seq(), before);

  // The payment first: it no longer counts as paid, and its postings are undone.
  ledger::RecordWithdrawal w =
      in_write([&] { return ledger.withdraw(Withdrawable::Disbursement, d.id, "paid to another pledge", "s1"); });
  EXPECT_GT(w.txn_id, d.txn_id);
  EXPECT_EQ(seq(), before + 1);
  ledger::PledgeStatus status = ledger.pledge_status(p.id);
  EXPECT_EQ(status.disbursed_minor, 0);
  EXPECT_EQ(status.outstanding_minor, 190000000);
  ASSERT_TRUE(status.disbursements.at(0).withdrawal);
  EXPECT_EQ(status.disbursements.at(0).withdrawal->txn_id, w.txn_id);
  EXPECT_EQ(t.store->account_balance("assets:cash:twitter", "USD"), 0);
  EXPECT_EQ(t.store->find_log_seq("disbursement_withdrawal", d.id), seq());

  // Given again: a no-op; another reason: refused.
  in_write([&] { ledger.withdraw(Withdrawable::Disbursement, d.id, "paid to another pledge", "s1"); });
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  EXPECT_EQ(seq(), before + 1);
  auto again = adledger_test::error_of(
      [&] { in_write([&] { ledger.withdraw(Withdrawable::Disbursement, d.id, "another", "s1"); }); });
  ASSERT_TRUE(again);
  EXPECT_EQ(again->reason(), ledger::Reason::Conflict);
  EXPECT_STREQ(again->what(), "disbursement \"twitter-pledge-2017-10-26-1\": already withdrawn (paid to another pledge)");

  // Then the pledge: it owes nothing and takes no payment.
  in_write([&] { ledger.withdraw(Withdrawable::Pledge, p.id, "recorded twice", "s2"); });
  status = ledger.pledge_status(p.id);
  ASSERT_TRUE(status.pledge.withdrawal);
  EXPECT_EQ(status.outstanding_minor, 0);
  EXPECT_EQ(t.store->account_balance("expenses:pledges:twitter", "USD"), 0);
  EXPECT_EQ(t.store->account_balance("liabilities:pledges:twitter:twitter-pledge-2017-10-26", "USD"), 0);
  d.id.clear();
  d.source = "https://example.org/grant-2";
  EXPECT_ERROR(ErrorKind::Rule, "pledge \"twitter-pledge-2017-10-26\": withdrawn (recorded twice); it takes no payment",
               in_write([&] { ledger.disburse(d); }));
  // The corrected pledge of that day is recorded beside the withdrawn one.
  EXPECT_EQ(in_write([&] { return ledger.record_pledge(pledge(180000000)); }).id, "twitter-pledge-2017-10-26-2");

  // A disclosed total posts nothing, and neither does its withdrawal.
  ledger::DisclosedTotal total;
  total.platform_id = "twitter";
  total.advertiser_id = "rt";
  total.amount = usd(190000000);
  total.period = period("2011-01-01..2017-10-26");
  total.date = date("2017-10-26");
  total.source = "https://example.org/disclosed";
  total = in_write([&] { return ledger.record_disclosed_total(total); });
  const std::size_t transactions = t.store->journal().size();
  w = in_write([&] { return ledger.withdraw(Withdrawable::DisclosedTotal, total.id, "wrong advertiser", "s3"); });
  EXPECT_EQ(w.txn_id, 0);
  EXPECT_EQ(t.store->journal().size(), transactions);
  ASSERT_TRUE(t.store->find_disclosed_total(total.id)->withdrawal);
  EXPECT_EQ(t.store->find_disclosed_total(total.id)->withdrawal->reason, "wrong advertiser");

  // Every transaction balances, every row is logged, and the log rebuilds.
  ledger::VerifyResult verified = ledger::verify_ledger(*t.store, {});
  EXPECT_TRUE(verified.ok()) << verified.first_problem().value_or("");
  for (const char* kind : {"pledge_withdrawal", "disbursement_withdrawal", "disclosed_total_withdrawal"}) {
    std::optional<ledger::LogRecord> r = t.store->find_log(kind, kind == std::string("pledge_withdrawal") ? p.id
                                                               : kind == std::string("disbursement_withdrawal") ? "twitter-pledge-2017-10-26-1"
                                                                                                                : total.id);
    ASSERT_TRUE(r) << kind;
    EXPECT_TRUE(r->row_problem.empty()) << kind << ": " << r->row_problem;
  }
}

// An item count given as "about 2,200 ads" is recorded as approximate: in
// the entry's content only when it is not exact (older entries keep their
// hashes), compared when the entry is given again, and summed in the
// reports as the least exact of the counts.
TEST_F(RulesTest, AnItemCountCarriesItsPrecision) {
  SpendEntry about = spend("rt", "twitter", "2016-01", 100);
  about.items = 2200;
  about.items_precision = ledger::Precision::Approximate;
  about = in_write([&] { return ledger.record_spend(about); });
  EXPECT_EQ(t.store->find_spend(about.entry_id)->items_precision, ledger::Precision::Approximate);
  EXPECT_NE(t.store->find_log("spend", std::to_string(about.entry_id))->content.find("\"items_precision\":\"approximate\""),
            std::string::npos);
  SpendEntry exact = spend("rt", "twitter", "2016-02", 100);
  exact.items = 3;
  exact = in_write([&] { return ledger.record_spend(exact); });
  EXPECT_EQ(t.store->find_log("spend", std::to_string(exact.entry_id))->content.find("items_precision"),
            std::string::npos);

  // The same entry with a count of another precision is another entry.
  SpendEntry again = spend("rt", "twitter", "2016-01", 100);
  again.items = 2200;
  EXPECT_NE(in_write([&] { return ledger.record_spend(again); }).entry_id, about.entry_id);
  again.items_precision = ledger::Precision::Approximate;
  EXPECT_EQ(in_write([&] { return ledger.record_spend(again); }).entry_id, about.entry_id);
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);

  const std::int64_t before = t.store->log_head()->seq;
  SpendEntry bad = spend("rt", "twitter", "2016-03", 100);
  bad.items_precision = ledger::Precision::Estimated;
  EXPECT_ERROR(ErrorKind::Input, "items_precision \"estimated\": given without items",
               in_write([&] { return ledger.record_spend(bad); }));
  bad.items = 5;
  bad.items_precision = ledger::Precision::Range;
  EXPECT_ERROR(ErrorKind::Input, "items_precision \"range\": an item count is one figure",
               in_write([&] { return ledger.record_spend(bad); }));
  EXPECT_EQ(t.store->log_head()->seq, before);

  // Summed: approximate wins over exact; estimated over both.
  ledger::AdvertiserReportOptions options;
  options.today = date("2026-01-01");
  ledger::AdvertiserReport report = ledger::build_advertiser_report(ledger, "rt", options);
  ASSERT_EQ(report.spend.by_group.size(), 1u);
  EXPECT_EQ(report.spend.by_group[0].items, 2200 + 3 + 2200);
  EXPECT_EQ(report.spend.by_group[0].items_precision, ledger::Precision::Approximate);
  SpendEntry estimated = spend("rt", "twitter", "2016-04", 100);
  estimated.items = 10;
  estimated.items_precision = ledger::Precision::Estimated;
  in_write([&] { return ledger.record_spend(estimated); });
  report = ledger::build_advertiser_report(ledger, "rt", options);
  EXPECT_EQ(report.spend.by_group[0].items_precision, ledger::Precision::Estimated);
}

// A source's details: checked on the way in, stored with the record, in
// its hashed content only when given, and part of what makes a record the
// same record.
TEST_F(RulesTest, SourcesCarryTheirDetails) {
  const ledger::SourceDetails details{"https://example.org/report?page=2&lang=en", date("2017-10-27"),
                                      "RT spent $274,100\ton 1,823 promoted tweets"};
  SpendEntry cited = spend("rt", "twitter", "2016", 27410000);
  cited.source_details = details;
  cited = in_write([&] { return ledger.record_spend(cited); });
  EXPECT_EQ(t.store->find_spend(cited.entry_id)->source_details, details);
  const std::string content = t.store->find_log("spend", std::to_string(cited.entry_id))->content;
  EXPECT_NE(content.find("\"source_accessed\":\"2017-10-27\""), std::string::npos) << content;
  EXPECT_NE(content.find("\"source_url\":\"https://example.org/report?page=2&lang=en\""), std::string::npos);
  SpendEntry plain = in_write([&] { return ledger.record_spend(spend("rt", "twitter", "2015", 100)); });
  EXPECT_EQ(t.store->find_log("spend", std::to_string(plain.entry_id))->content.find("source_"), std::string::npos);

  // The same entry with the same details is unchanged; with other details
  // it is another entry.
  SpendEntry again = spend("rt", "twitter", "2016", 27410000);
  again.source_details = details;
  EXPECT_EQ(in_write([&] { return ledger.record_spend(again); }).entry_id, cited.entry_id);
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  again.source_details.quote = "another quotation";
  EXPECT_NE(in_write([&] { return ledger.record_spend(again); }).entry_id, cited.entry_id);

  // A pledge given again under its id with other details is refused.
  ledger::Pledge p = pledge(190000000);
  p.source_details.url = "https://example.org/pledge.html";
  p = in_write([&] { return ledger.record_pledge(p); });
  EXPECT_EQ(t.store->find_pledge(p.id)->source_details.url, std::optional<std::string>("https://example.org/pledge.html"));
  ledger::Pledge changed = p;
  changed.source_details.url = "https://example.org/other.html";
  EXPECT_ERROR(ErrorKind::Rule, "already recorded", in_write([&] { return ledger.record_pledge(changed); }));

  // Refused, and nothing written: each way a detail can be wrong.
  const std::int64_t before = t.store->log_head()->seq;
  struct Bad {
    ledger::SourceDetails details;
    const char* message;
  };
  const std::vector<Bad> bad = {
      {{"javascript:alert(1)", {}, {}}, "source_url \"javascript:alert(1)\": not an http:// or https:// address"},
      {{"ftp://example.org/x", {}, {}}, "not an http:// or https:// address"},
      {{"https://", {}, {}}, "source_url \"https://\": the address names no host"},
      {{"http:///path", {}, {}}, "the address names no host"},
      {{"https://example.org/a b", {}, {}}, "an address holds no spaces or control characters"},
      {{"https://example.org/\x01", {}, {}}, "an address holds no spaces or control characters"},
      {{"https://example.org/\xff", {}, {}}, "not valid UTF-8"},
      {{"https://example.org/" + std::string(2048, 'x'), {}, {}}, "longer than 2048 bytes"},
      {{{}, date("2017-10-27"), {}}, "source_accessed \"2017-10-27\": an access date needs source_url"},
      {{"https://example.org", date("9999-01-01"), {}}, "source_accessed \"9999-01-01\": after today"},
      {{{}, {}, ""}, "source_quote \"\": must not be empty"},
      {{{}, {}, "line\nbreak"}, "source_quote"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.message);
    SpendEntry e = spend("rt", "twitter", "2014", 100);
    e.source_details = b.details;
    EXPECT_ERROR(ErrorKind::Input, b.message, in_write([&] { return ledger.record_spend(e); }));
    ledger::PolicyAction a = ad_ban("facebook", {"sputnik"}, "2018-01-01");
    a.source_details = b.details;
    EXPECT_ERROR(ErrorKind::Input, b.message, in_write([&] { return ledger.record_policy_action(a); }));
    EXPECT_ERROR(ErrorKind::Input, b.message,
                 in_write([&] { return ledger.reverse_spend(plain.entry_id, "typo", "s", b.details); }));
  }
  EXPECT_EQ(t.store->log_head()->seq, before);
  SpendEntry upper_case = spend("rt", "twitter", "2014", 100);
  upper_case.source_details.url = "HTTPS://Example.org";
  EXPECT_NO_THROW(in_write([&] { return ledger.record_spend(upper_case); }));

  // A correction's source has details too: the same again is a no-op, other
  // details are refused.
  const ledger::SourceDetails why{{}, {}, "counted twice in the letter"};
  ledger::SpendReversal r = in_write([&] { return ledger.reverse_spend(plain.entry_id, "typo", "s", why); });
  EXPECT_EQ(t.store->find_spend(plain.entry_id)->reversal->source_details, why);
  in_write([&] { return ledger.reverse_spend(plain.entry_id, "typo", "s", why); });
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  EXPECT_ERROR(ErrorKind::Rule, "already reversed",
               in_write([&] { return ledger.reverse_spend(plain.entry_id, "typo", "s", {}); }));
  in_write([&] { return ledger.withdraw(ledger::Withdrawable::Pledge, p.id, "mistyped", "s", why); });
  EXPECT_EQ(t.store->find_pledge(p.id)->withdrawal->source_details, why);

  // The report lists a source once for each of its details.
  ledger::AdvertiserReportOptions options;
  options.today = date("2026-01-01");
  ledger::AdvertiserReport report = ledger::build_advertiser_report(ledger, "rt", options);
  int spend_source = 0;
  for (const ledger::SourceCitation& c : report.sources)
    if (c.source == "https://example.org/spend") ++spend_source;
  EXPECT_EQ(spend_source, 4);  // none, `details`, another quotation, the upper-case address
}

TEST_F(RulesTest, DisbursementChecks) {
  ledger::Pledge p = in_write([&] { return ledger.record_pledge(pledge(10000)); });
  ledger::Disbursement d;
  d.pledge_id = p.id;
  d.amount = ledger::Money(100, ledger::Currency::from_code("EUR"));
  d.date = date("2018-01-15");
  d.source = "s";
  EXPECT_ERROR(ErrorKind::Input, "currency \"EUR\": pledge twitter-pledge-2017-10-26 is in USD",
               in_write([&] { ledger.disburse(d); }));
  d.amount = usd(100);
  d.date = date("2017-10-25");
  EXPECT_ERROR(ErrorKind::Input, "precedes the pledge it pays (2017-10-26)", in_write([&] { ledger.disburse(d); }));
  d.date = date("2017-10-26");
  d.pledge_id = "nope";
  EXPECT_ERROR(ErrorKind::Rule, "no such pledge", in_write([&] { ledger.disburse(d); }));
  d.pledge_id = p.id;
  d.amount = usd(0);
  EXPECT_ERROR(ErrorKind::Input, "must be greater than zero", in_write([&] { ledger.disburse(d); }));
  d.amount = usd(100);
  d.id = "grant-1";
  EXPECT_NO_THROW(in_write([&] { ledger.disburse(d); }));
  EXPECT_NO_THROW(in_write([&] { ledger.disburse(d); }));  // the same again: a no-op
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  d.amount = usd(200);
  EXPECT_ERROR(ErrorKind::Rule, "disbursement \"grant-1\": already recorded with a different amount",
               in_write([&] { ledger.disburse(d); }));
}

TEST_F(RulesTest, PledgeChecks) {
  ledger::Pledge p = pledge(0);
  EXPECT_ERROR(ErrorKind::Input, "must be greater than zero", in_write([&] { ledger.record_pledge(p); }));
  p = pledge(100);
  p.platform_id = "nowhere";
  EXPECT_ERROR(ErrorKind::Rule, "no such platform", in_write([&] { ledger.record_pledge(p); }));
  p = pledge(100);
  p.basis_advertiser_id = "nobody";
  EXPECT_ERROR(ErrorKind::Rule, "no such advertiser", in_write([&] { ledger.record_pledge(p); }));
  p = pledge(100);
  p.id = "p1";
  in_write([&] { ledger.record_pledge(p); });
  EXPECT_NO_THROW(in_write([&] { ledger.record_pledge(p); }));  // the same again: a no-op
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  p.beneficiary = "someone else";
  EXPECT_ERROR(ErrorKind::Rule, "pledge \"p1\": already recorded with a different beneficiary",
               in_write([&] { ledger.record_pledge(p); }));
}

TEST_F(RulesTest, TrialBalanceSumsToZeroPerCurrency) {
  in_write([&] {
    ledger.record_spend(spend("rt", "twitter", "2016", 27410000));
    SpendEntry rub = spend("sputnik", "facebook", "2017", 1);
    rub.amount = ledger::Money(123456789, ledger::Currency::from_code("RUB"));
    ledger.record_spend(rub);
    SpendEntry jpy = spend("sputnik", "twitter", "2017", 1);
    jpy.amount = ledger::Money(5000, ledger::Currency::from_code("JPY"));
    ledger.record_spend(jpy);
    ledger::Pledge p = ledger.record_pledge(pledge(190000000));
    ledger::Disbursement d;
    d.pledge_id = p.id;
    d.amount = usd(1000);
    d.date = date("2018-01-01");
    d.source = "s";
    ledger.disburse(d);
  });
  std::map<std::string, std::int64_t> sums;
  for (const ledger::BalanceRow& r : t.store->trial_balance()) sums[r.currency] += r.balance_minor;
  ASSERT_EQ(sums.size(), 3u);
  for (const auto& [currency, sum] : sums) EXPECT_EQ(sum, 0) << currency;
  for (const ledger::JournalTxn& txn : t.store->journal()) EXPECT_NO_THROW(ledger::check_balanced(txn));
}

TEST_F(RulesTest, BanStatusUntilIsAnAllowedDayWhenBansOverlap) {
  // A ban with an end date, and a later open-ended ban that overlaps it.
  PolicyAction first = ad_ban("twitter", {"rt"}, "2017-10-26");
  first.end_date = date("2018-01-01");
  in_write([&] { ledger.record_policy_action(first); });
  in_write([&] { ledger.record_policy_action(ad_ban("twitter", {"rt"}, "2017-12-01")); });
  auto status = ledger.ban_status("rt", "twitter", date("2017-12-15"));
  EXPECT_TRUE(status.banned);
  EXPECT_TRUE(ledger.ban_status("rt", "twitter", date("2018-01-01")).banned);
  // `until` is "the first day allowed again": it must not name a day on
  // which the advertiser is still banned.
  if (status.until) {
    EXPECT_FALSE(ledger.ban_status("rt", "twitter", *status.until).banned)
        << "ban_status says banned until " << ledger::format_date(*status.until)
        << " but the advertiser is still banned that day";
  }
}

TEST_F(RulesTest, DuplicatePlatformAndAdvertiser) {
  EXPECT_ERROR(ErrorKind::Rule, "platform \"twitter\": already recorded with a different name",
               in_write([&] { ledger.add_platform({"twitter", "Twitter again"}); }));
  EXPECT_ERROR(ErrorKind::Rule, "advertiser \"rt\": already recorded with a different",
               in_write([&] { ledger.add_advertiser({"rt", "RT again", std::nullopt, false}); }));
  EXPECT_NO_THROW(in_write([&] { ledger.add_platform({"twitter", "Twitter"}); }));
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  EXPECT_EQ(ledger.platform("twitter").name, "Twitter");
  EXPECT_EQ(ledger.advertiser("rt").name, "RT");
}

TEST_F(RulesTest, IdAndNameChecks) {
  EXPECT_ERROR(ErrorKind::Input, "platform \"Twitter\"", in_write([&] { ledger.add_platform({"Twitter", "x"}); }));
  EXPECT_ERROR(ErrorKind::Input, "platform \"a:b\"", in_write([&] { ledger.add_platform({"a:b", "x"}); }));
  EXPECT_ERROR(ErrorKind::Input, "platform \"\"", in_write([&] { ledger.add_platform({"", "x"}); }));
  EXPECT_ERROR(ErrorKind::Input, "platform", in_write([&] { ledger.add_platform({std::string(65, 'a'), "x"}); }));
  EXPECT_NO_THROW(in_write([&] { ledger.add_platform({std::string(64, 'a'), "x"}); }));
  EXPECT_ERROR(ErrorKind::Input, "name", in_write([&] { ledger.add_platform({"vk", ""}); }));
  EXPECT_ERROR(ErrorKind::Input, "country \"ru\"",
               in_write([&] { ledger.add_advertiser({"x", "X", std::string("ru"), false}); }));
  EXPECT_ERROR(ErrorKind::Input, "country \"RUS\"",
               in_write([&] { ledger.add_advertiser({"x", "X", std::string("RUS"), false}); }));
  EXPECT_FALSE(t.store->find_advertiser("x"));
}

}  // namespace

// Amounts up to the largest one, recorded at random as spend (some of it
// reversed), pledges and disbursements on two platforms and advertisers:
// each write either goes in or is refused whole, and whatever went in, the
// trial balance, every report, the register and verify can still be formed.
TEST_F(RulesTest, NoRecordedAmountMakesAReportOrCheckOverflow) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::mt19937_64 rng(20261205);
  auto amount = [&] {
    switch (rng() % 4) {
      case 0: return static_cast<std::int64_t>(rng() % 1000 + 1);
      case 1: return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(kMax / 8)) + 1;
      case 2: return kMax - static_cast<std::int64_t>(rng() % 1000);
      default: return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(kMax)) + 1;
    }
  };
  const char* advertisers[] = {"rt", "sputnik"};
  const char* platforms[] = {"twitter", "facebook"};
  int recorded = 0, refused = 0;
  std::vector<std::int64_t> entries;
  for (int i = 0; i < 200; ++i) {
    std::int64_t records_before = t.store->log_head() ? t.store->log_head()->seq : 0;
    auto e = adledger_test::error_of([&] {
      in_write([&] {
        switch (rng() % 4) {
          case 0:
          case 1: {
            SpendEntry s = spend(advertisers[rng() % 2], platforms[rng() % 2], "2016", amount());
            entries.push_back(ledger.record_spend(s).entry_id);
            break;
          }
          case 2:
            if (!entries.empty()) {
              ledger.reverse_spend(entries[rng() % entries.size()], "mistyped", "https://example.org/fix");
              break;
            }
            [[fallthrough]];
          default: {
            ledger::Pledge p = pledge(amount());
            p.id = "pledge-" + std::to_string(i);
            ledger.record_pledge(p);
          }
        }
      });
    });
    std::int64_t records_after = t.store->log_head() ? t.store->log_head()->seq : 0;
    if (e) {
      ++refused;
      EXPECT_EQ(records_after, records_before) << "a refused write left records: " << e->what();
    } else {
      ++recorded;
    }
  }
  EXPECT_GT(recorded, 5);
  EXPECT_GT(refused, 5);

  ledger::BalanceReport balance = ledger::build_balance(ledger, {});
  EXPECT_FALSE(balance.totals.empty());
  for (const auto& total : balance.totals) EXPECT_EQ(total.total, 0);
  (void)ledger::build_balance(ledger, ledger::BalanceOptions{{}, ledger::Granularity::Year, std::nullopt});
  (void)ledger::build_register(ledger, {});
  for (const char* a : advertisers)
    (void)ledger::build_advertiser_report(ledger, a, {std::nullopt, std::nullopt, ledger::Granularity::Quarter,
                                                      date("2026-01-01"), std::nullopt});
  for (const char* p : platforms)
    (void)ledger::build_platform_report(ledger, p, {std::nullopt, std::nullopt, ledger::Granularity::Month,
                                                    date("2026-01-01"), std::nullopt});
  (void)ledger::build_pledges_report(ledger, std::nullopt, std::nullopt);
  ledger::VerifyResult verified = ledger::verify_ledger(*t.store, {});
  EXPECT_TRUE(verified.ok()) << verified.first_problem().value_or("");
}

// An unknown id is answered with the ids close to it: the same but for
// case, or a typo away; none when nothing is close.
TEST_F(RulesTest, AnUnknownIdNamesTheIdsCloseToIt) {
  EXPECT_EQ(ERROR_MESSAGE(ledger.advertiser("RT")), "advertiser \"RT\": no such advertiser; did you mean rt?");
  EXPECT_EQ(ERROR_MESSAGE(ledger.advertiser("sputnk")),
            "advertiser \"sputnk\": no such advertiser; did you mean sputnik?");
  EXPECT_EQ(ERROR_MESSAGE(ledger.platform("facebok")), "platform \"facebok\": no such platform; did you mean facebook?");
  EXPECT_EQ(ERROR_MESSAGE(ledger.advertiser("nobody")), "advertiser \"nobody\": no such advertiser");
  // A long text is not compared (the distance is quadratic in it).
  EXPECT_EQ(ERROR_MESSAGE(ledger.advertiser(std::string(10'000, 'r'))).find("did you mean"), std::string::npos);
}
