// The server's service, without sockets: routes, parameters, statuses,
// problem documents, entity tags and headers (tests/e2e/check_server.py runs
// the same over real HTTP, against the command line's answers).
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "ledger/audit/verify.hpp"
#include "ledger/report/answers.hpp"
#include "server/service.hpp"
#include "server/tokens.hpp"
#include "tests/unit/test_support.hpp"

namespace {

using adledger::server::Request;
using adledger::server::Response;
using adledger::server::Service;
using adledger::server::ServiceOptions;
using adledger_test::TempLedger;

// Twitter's ban of RT from `from`.
ledger::PolicyAction twitter_ban_of_rt(const char* from, const char* description, const char* source) {
  ledger::PolicyAction ban;
  ban.platform_id = "twitter";
  ban.kind = ledger::PolicyKind::AdBan;
  ban.date = adledger_test::date(from);
  ban.advertiser_ids = {"rt"};
  ban.description = description;
  ban.source = source;
  return ban;
}

// A ledger with RT and Twitter, a spend entry and Twitter's ban of RT.
struct Served {
  TempLedger ledger;
  std::unique_ptr<Service> service;

  Served() {
    ledger.write([&] {
      ledger.ledger.add_platform({"twitter", "Twitter"});
      ledger.ledger.add_advertiser({"rt", "RT", std::string("RU"), true});
      ledger::SpendEntry e;
      e.advertiser_id = "rt";
      e.platform_id = "twitter";
      e.amount = adledger_test::usd(27410000);
      e.period = adledger_test::period("2016");
      e.market = "US";
      e.source = "Twitter's testimony";
      ledger.ledger.record_spend(e);
      ledger.ledger.record_policy_action(twitter_ban_of_rt("2017-10-26", "no more ads", "Twitter's blog"));
    });
    ServiceOptions options;
    options.db = ledger.path;
    options.today = [] { return adledger_test::date("2026-11-22"); };
    service = std::make_unique<Service>(std::move(options));
  }

  Response get(const std::string& target, std::map<std::string, std::string> headers = {}) {
    return service->handle(Request{"GET", target, std::move(headers), ""});
  }

  // A token of `role` named `name`, made as `adledger token add` makes it.
  std::string token(const std::string& name, adledger::server::Role role) {
    std::string secret;
    ledger.write([&] { secret = adledger::server::add_token(*ledger.store, name, role, "2026-11-22T09:00:00.000Z").secret; });
    return secret;
  }

  Response post(const std::string& target, const std::string& body, const std::string& secret,
                std::map<std::string, std::string> headers = {}) {
    headers.emplace("content-type", "application/json");
    if (!secret.empty()) headers.emplace("authorization", "Bearer " + secret);
    return service->handle(Request{"POST", target, std::move(headers), body});
  }

  std::int64_t records() { return ledger.store->tree_head().size; }
};

const char* kSpend =
    R"({"type": "spend", "id": "fb-1", "advertiser": "rt", "platform": "twitter", "amount": "12.00",
        "currency": "USD", "period": "2016-03", "market": "US", "source": "desk"})";

std::string header(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

nlohmann::json body(const Response& r) { return nlohmann::json::parse(r.body); }

TEST(Service, AnswersBanStatusAsTheCommandLineDoes) {
  Served s;
  Response r = s.get("/api/v1/ban-status?advertiser=rt&platform=twitter&on=2017-11-01");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  ledger::Ledger ledger(*s.ledger.store);
  EXPECT_EQ(r.body, ledger::to_json(ledger::ban_status_of(ledger, "rt", std::string("twitter"),
                                                          adledger_test::date("2017-11-01")))
                            .dump(2) +
                        "\n");
  EXPECT_TRUE(body(r)["banned"].get<bool>());
  // Without `on`: today, as the service was told it.
  EXPECT_EQ(body(s.get("/api/v1/ban-status?advertiser=rt"))["on"], "2026-11-22");
}

TEST(BanSnapshot, AnswersAsTheLedgerDoesOnEveryDayAroundABanAndItsLift) {
  Served s;
  s.ledger.write([&] {
    s.ledger.ledger.add_platform({"facebook", "Facebook"});
    ledger::PolicyAction lift;
    lift.platform_id = "twitter";
    lift.kind = ledger::PolicyKind::BanLift;
    lift.date = adledger_test::date("2018-03-01");
    lift.advertiser_ids = {"rt"};
    lift.lifts_action_id = s.ledger.store->policy_actions(std::string("twitter")).front().id;
    lift.description = "lifted";
    lift.source = "a test";
    s.ledger.ledger.record_policy_action(lift);
  });
  ledger::Ledger ledger(*s.ledger.store);
  const ledger::BanSnapshot snapshot(*s.ledger.store);
  for (ledger::Date day = adledger_test::date("2017-10-24"); day <= adledger_test::date("2018-03-03");
       day += boost::gregorian::days(1)) {
    for (const std::optional<std::string>& platform : {std::optional<std::string>("twitter"),
                                                      std::optional<std::string>("facebook"), std::optional<std::string>()}) {
      auto fast = ledger::ban_status_of(snapshot, "rt", platform, day);
      ASSERT_TRUE(fast);
      EXPECT_EQ(ledger::to_json(*fast), ledger::to_json(ledger::ban_status_of(ledger, "rt", platform, day)))
          << ledger::format_date(day) << " " << platform.value_or("every platform");
    }
  }
  // Ids the snapshot does not hold: no answer, so that the ledger's refusal
  // (with its "did you mean") is given.
  EXPECT_FALSE(ledger::ban_status_of(snapshot, "RT", std::nullopt, adledger_test::date("2017-11-01")));
  EXPECT_FALSE(ledger::ban_status_of(snapshot, "rt", std::string("myspace"), adledger_test::date("2017-11-01")));
}

TEST(Service, ProblemsCarryAFittingStatusAndTheMessage) {
  Served s;
  struct Case {
    std::string target;
    int status;
    std::string detail;  // a part of it
  } cases[] = {
      {"/api/v1/reports/advertiser/RT", 404, "advertiser \"RT\": no such advertiser; did you mean rt?"},
      {"/api/v1/ban-status?advertiser=rt&platform=myspace", 404, "no such platform"},
      {"/api/v1/ban-status", 400, "parameter \"advertiser\": is required"},
      {"/api/v1/ban-status?advertiser=rt&on=2017-13-01", 400, "on \"2017-13-01\""},
      {"/api/v1/ban-status?advertiser=rt&sort=x", 400, "parameter \"sort\": /api/v1/ban-status takes"},
      {"/api/v1/ban-status?advertiser=rt&advertiser=rt", 400, "given twice"},
      {"/api/v1/ban-status?advertiser=%4", 400, "a % not followed by two hex digits"},
      {"/api/v1/ban-status?advertiser=%FF", 400, "not valid UTF-8"},
      {"/api/v1/spend?limit=1001", 400, "limit \"1001\""},
      {"/api/v1/spend?after=-1", 400, "after \"-1\""},
      {"/api/v1/spend?after=99999999999999999999", 400, "after \"99999999999999999999\""},
      {"/api/v1/spend?limit=%2B5", 400, "limit \"+5\""},
      {"/api/v1/balance?account=.*", 400, "no other regular expression"},
      {"/api/v1/head?x=1", 400, "takes no parameters"},
      {"/api/v1/nothing", 404, "no such path in the API"},
      {"/api/v1/schemas/nothing.json", 404, "no such schema"},
  };
  for (const auto& c : cases) {
    Response r = s.get(c.target);
    EXPECT_EQ(r.status, c.status) << c.target << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json") << c.target;
    nlohmann::json doc = body(r);
    EXPECT_EQ(doc["status"], c.status) << c.target;
    EXPECT_EQ(doc["type"], "about:blank");
    EXPECT_NE(doc["detail"].get<std::string>().find(c.detail), std::string::npos)
        << c.target << ": " << doc["detail"];
  }
}

TEST(Service, RefusesOtherMethodsNamingThoseItTakes) {
  Served s;
  Response r = s.service->handle(Request{"PUT", "/api/v1/head", {}, ""});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET, HEAD");
}

TEST(Service, AnUnchangedLedgerAnswersNotModifiedAndAWriteChangesTheTag) {
  Served s;
  Response first = s.get("/api/v1/head");
  std::string tag = header(first, "ETag");
  // Asked twice: the answer kept is the same answer.
  EXPECT_EQ(body(s.get("/api/v1/platforms")).size(), 1u);
  EXPECT_EQ(s.get("/api/v1/platforms").body, s.get("/api/v1/platforms").body);
  ASSERT_FALSE(tag.empty());
  EXPECT_EQ(s.get("/api/v1/head", {{"if-none-match", tag}}).status, 304);
  EXPECT_EQ(s.get("/api/v1/head", {{"if-none-match", "W/" + tag}}).status, 304);
  EXPECT_EQ(s.get("/api/v1/head", {{"if-none-match", "\"other\""}}).status, 200);
  // A write by another connection, while the service keeps its own open:
  // the next request reads the ledger as it is now.
  s.ledger.write([&] { s.ledger.ledger.add_platform({"facebook", "Facebook"}); });
  Response after = s.get("/api/v1/head", {{"if-none-match", tag}});
  EXPECT_EQ(after.status, 200);
  EXPECT_NE(header(after, "ETag"), tag);
  EXPECT_EQ(body(after)["records"], body(first)["records"].get<int>() + 1);
  // An answer kept before the write is not given after it.
  EXPECT_EQ(body(s.get("/api/v1/platforms")).size(), 2u);
}

TEST(Service, EveryAnswerCarriesTheSecurityHeaders) {
  Served s;
  for (const std::string target : {"/api/v1/head", "/api/v1/nothing", "/", "/advertisers/nobody"}) {
    Response r = s.get(target);
    std::string csp = header(r, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << target;
    EXPECT_EQ(csp.find("script-src"), std::string::npos) << target;
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff") << target;
    EXPECT_EQ(header(r, "X-Frame-Options"), "DENY") << target;
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "") << target;
  }
  Response refused = s.service->refusal(413, "body: too large");
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(header(refused, "X-Content-Type-Options"), "nosniff");
}

TEST(Service, PagesEscapeWhatTheyAreGivenAndNameTheHead) {
  Served s;
  Response r = s.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("<script>"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;"), std::string::npos);
  Response page = s.get("/advertisers/rt");
  ASSERT_EQ(page.status, 200) << page.body;
  const ledger::TreeHead head = s.ledger.store->tree_head();
  EXPECT_NE(page.body.find(ledger::to_hex(head.root)), std::string::npos);
  EXPECT_NE(page.body.find("274,100.00"), std::string::npos);
  Response unknown = s.get("/advertisers/nobody");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.content_type, "text/html; charset=utf-8");
}

TEST(Service, AStoreThatCannotBeOpenedIsAProblemNotACrash) {
  adledger_test::TempDir dir;
  ServiceOptions options;
  options.db = dir.file("missing.db");
  Service service(std::move(options));
  EXPECT_NO_THROW(service.open_stores_ahead());  // each write will say why
  Response r = service.handle(Request{"GET", "/api/v1/head", {}, ""});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(r.body)["kind"], "storage");
}

TEST(Tokens, AreMadeRandomKeptAsTheirHashAndNeverNamedTwice) {
  Served s;
  const std::string a = s.token("desk", adledger::server::Role::Recorder);
  const std::string b = s.token("editor", adledger::server::Role::Admin);
  EXPECT_TRUE(a.starts_with("adl_"));
  EXPECT_EQ(a.size(), 47u);
  EXPECT_NE(a, b);
  std::vector<ledger::ApiToken> tokens = s.ledger.store->api_tokens();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].name, "desk");
  EXPECT_EQ(tokens[0].token_sha256, ledger::sha256(a));
  EXPECT_EQ(adledger::server::presented_token(*s.ledger.store, "bearer  " + a)->name, "desk");
  EXPECT_FALSE(adledger::server::presented_token(*s.ledger.store, "Basic " + a));
  EXPECT_FALSE(adledger::server::presented_token(*s.ledger.store, "Bearer " + a + "x"));
  try {
    s.token("desk", adledger::server::Role::Reader);
    ADD_FAILURE() << "a name given twice";
  } catch (const ledger::Error& e) {
    EXPECT_EQ(e.reason(), ledger::Reason::Conflict);
  }
  for (const char* bad : {"", " desk", "desk desk", "-desk", "d\xc3\xa9sk"})
    EXPECT_THROW(adledger::server::check_token_name(bad, "name"), ledger::Error) << bad;
  EXPECT_THROW(adledger::server::check_token_name(std::string(65, 'a'), "name"), ledger::Error);
  EXPECT_THROW(adledger::server::parse_role("owner", "role"), ledger::Error);
  // Revoked once; again, nothing changes; an unknown name is not found.
  s.ledger.write([&] { EXPECT_TRUE(adledger::server::revoke_token(*s.ledger.store, "desk", "2026-11-23T00:00:00.000Z")); });
  s.ledger.write([&] { EXPECT_FALSE(adledger::server::revoke_token(*s.ledger.store, "desk", "2026-11-24T00:00:00.000Z")); });
  EXPECT_EQ(s.ledger.store->api_tokens()[0].revoked_at, "2026-11-23T00:00:00.000Z");
  s.ledger.write([&] {
    try {
      adledger::server::revoke_token(*s.ledger.store, "nobody", "2026-11-24T00:00:00.000Z");
      ADD_FAILURE() << "an unknown token revoked";
    } catch (const ledger::Error& e) {
      EXPECT_EQ(e.reason(), ledger::Reason::NotFound);
    }
  });
}

TEST(Service, AWriteNeedsATokenWhoseRoleMayWriteIt) {
  Served s;
  const std::string reader = s.token("reader", adledger::server::Role::Reader);
  const std::string recorder = s.token("desk", adledger::server::Role::Recorder);
  const std::string admin = s.token("editor", adledger::server::Role::Admin);
  const std::int64_t before = s.records();
  Response none = s.post("/api/v1/records", kSpend, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(header(none, "WWW-Authenticate"), "Bearer realm=\"adledger\"");
  Response unknown = s.post("/api/v1/records", kSpend, "adl_" + std::string(43, 'A'));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_NE(header(unknown, "WWW-Authenticate").find("invalid_token"), std::string::npos);
  Response read_only = s.post("/api/v1/records", kSpend, reader);
  EXPECT_EQ(read_only.status, 403);
  EXPECT_EQ(s.records(), before);

  Response written = s.post("/api/v1/records", kSpend, recorder);
  ASSERT_EQ(written.status, 201) << written.body;
  EXPECT_EQ(body(written)["spend"], 1);
  EXPECT_EQ(s.records(), before + 1);
  EXPECT_EQ(s.ledger.store->log_head()->author, "desk");
  Response again = s.post("/api/v1/records", kSpend, recorder);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(body(again)["unchanged"], 1);

  // A correction is an admin's.
  const std::string reversal = R"({"type": "spend_reversal", "spend": "fb-1", "reason": "twice", "source": "desk"})";
  EXPECT_EQ(s.post("/api/v1/records", reversal, recorder).status, 403);
  EXPECT_EQ(s.records(), before + 1);
  EXPECT_EQ(s.post("/api/v1/records", reversal, admin).status, 201);
  EXPECT_EQ(s.ledger.store->log_head()->author, "editor");

  // Revoked: refused from the next request.
  s.ledger.write([&] { adledger::server::revoke_token(*s.ledger.store, "desk", "2026-11-23T00:00:00.000Z"); });
  Response revoked = s.post("/api/v1/records", kSpend, recorder);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(body(revoked)["detail"].get<std::string>().find("revoked"), std::string::npos);
}

TEST(Service, AWriteIsAllOrNothingWithTheStatusOfItsRefusal) {
  Served s;
  const std::string recorder = s.token("desk", adledger::server::Role::Recorder);
  const std::int64_t before = s.records();
  // The ban of 2017-10-26 refuses spend after it: 422, and the first
  // record of the array is not kept either.
  const std::string banned =
      std::string("[") + kSpend +
      R"(, {"type": "spend", "advertiser": "rt", "platform": "twitter", "amount": "1.00", "currency": "USD",
           "period": "2018-01", "market": "US", "source": "desk"}])";
  Response refused = s.post("/api/v1/records", banned, recorder);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.content_type, "application/problem+json");
  EXPECT_EQ(s.records(), before);
  ASSERT_EQ(s.post("/api/v1/records", kSpend, recorder).status, 201);
  std::string other = kSpend;
  other.replace(other.find("12.00"), 5, "13.00");
  EXPECT_EQ(s.post("/api/v1/records", other, recorder).status, 409);
  EXPECT_EQ(s.post("/api/v1/records", "{", recorder).status, 400);
  EXPECT_EQ(s.post("/api/v1/records", "[]", recorder).status, 400);
  EXPECT_EQ(s.post("/api/v1/records", kSpend, recorder, {{"content-type", "text/plain"}}).status, 415);
  EXPECT_EQ(s.post("/api/v1/import?format=xml", kSpend, recorder).status, 400);
  EXPECT_EQ(s.post("/api/v1/import?market=FR", kSpend, recorder, {{"content-type", "application/jsonl"}}).status,
            400);
  EXPECT_EQ(s.get("/api/v1/import").status, 405);
  EXPECT_EQ(adledger::server::Service::body_max("/api/v1/import"), adledger::server::kImportBodyMax);
  EXPECT_EQ(adledger::server::Service::body_max("/api/v1/records"), adledger::server::kBanChecksBodyMax);
}

// Stores opened before the first request hold nothing back: what another
// connection commits after they were opened (here a token, then a ban from
// 2016) is what the first write is checked against.
TEST(Service, RequestsAnsweredTogetherShareASnapshotTakenAfterTheyCame) {
  Served s;
  const int first = body(s.get("/api/v1/head"))["records"].get<int>();
  // Committed before the requests are handed over: all of them see it.
  s.ledger.write([&] { s.ledger.ledger.add_platform({"facebook", "Facebook"}); });
  const Request head{"GET", "/api/v1/head", {}, ""};
  const Request platforms{"GET", "/api/v1/platforms", {}, ""};
  const Request missing{"GET", "/api/v1/reports/advertiser/nobody", {}, ""};
  std::vector<Response> answers(4);
  s.service->handle_together({&head, &missing, &platforms, &head}, [&](std::size_t i, Response r) {
    answers.at(i) = std::move(r);
    // Committed while they are answered: none of them sees it, as none of
    // them was sent after it.
    if (i == 0) s.ledger.write([&] { s.ledger.ledger.add_platform({"google", "Google"}); });
  });
  EXPECT_EQ(body(answers[0])["records"], first + 1);
  EXPECT_EQ(answers[1].status, 404);  // a problem leaves the snapshot to the rest
  EXPECT_EQ(body(answers[2]).size(), 2u);
  EXPECT_EQ(body(answers[3])["records"], first + 1);
  EXPECT_EQ(header(answers[3], "ETag"), header(answers[0], "ETag"));
  EXPECT_FALSE(header(answers[2], "X-Content-Type-Options").empty());
  // The next requests, alone or together, see it.
  EXPECT_EQ(body(s.get("/api/v1/head"))["records"], first + 2);
  s.service->handle_together({&platforms}, [&](std::size_t, Response r) { EXPECT_EQ(body(r).size(), 3u); });
  // None at all: nothing is answered.
  s.service->handle_together({}, [&](std::size_t, Response) { ADD_FAILURE() << "an answer to no request"; });
}

TEST(Service, StoresOpenedAheadSeeWhatWasCommittedSince) {
  Served s;
  s.service->open_stores_ahead();
  const std::string recorder = s.token("desk", adledger::server::Role::Recorder);
  const std::int64_t before = s.records();
  s.ledger.write([&] {
    ledger::PolicyAction ban = twitter_ban_of_rt("2016-01-01", "an earlier ban", "a test");
    ban.id = "ban-2016";
    s.ledger.ledger.record_policy_action(ban);
  });
  Response refused = s.post("/api/v1/records", kSpend, recorder);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("ban-2016"), std::string::npos) << refused.body;
  EXPECT_EQ(s.records(), before + 1);  // the ban alone
}

TEST(Service, AnIdempotencyKeyAnswersTheSameRequestAsTheFirstTime) {
  Served s;
  const std::string recorder = s.token("desk", adledger::server::Role::Recorder);
  const std::string admin = s.token("editor", adledger::server::Role::Admin);
  const std::string spend_without_id =
      R"({"type": "spend", "advertiser": "rt", "platform": "twitter", "amount": "5.00", "currency": "USD",
          "period": "2016-04", "market": "US", "source": "desk"})";
  Response first = s.post("/api/v1/records", spend_without_id, recorder, {{"idempotency-key", "k-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  const std::int64_t after = s.records();
  Response second = s.post("/api/v1/records", spend_without_id, recorder, {{"idempotency-key", "\"k-1\""}});
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(header(second, "Idempotent-Replayed"), "true");
  EXPECT_EQ(s.records(), after);  // an entry without an id, not recorded twice
  EXPECT_EQ(s.post("/api/v1/records", kSpend, recorder, {{"idempotency-key", "k-1"}}).status, 422);
  EXPECT_EQ(s.post("/api/v1/records", kSpend, recorder, {{"idempotency-key", "a b"}}).status, 400);
  EXPECT_EQ(s.post("/api/v1/records", kSpend, recorder, {{"idempotency-key", std::string(256, 'k')}}).status, 400);
  // Keys are per token: another's k-1 is another request (the same entry,
  // found already recorded).
  Response others = s.post("/api/v1/records", spend_without_id, admin, {{"idempotency-key", "k-1"}});
  EXPECT_EQ(others.status, 200);
  EXPECT_EQ(body(others)["unchanged"], 1);
  EXPECT_EQ(header(others, "Idempotent-Replayed"), "");
  EXPECT_EQ(s.records(), after);
  // A refused write keeps nothing under its key: sent again, it is tried again.
  std::string bad = kSpend;
  bad.replace(bad.find("\"rt\""), 4, "\"xx\"");
  EXPECT_EQ(s.post("/api/v1/records", bad, recorder, {{"idempotency-key", "k-2"}}).status, 404);
  EXPECT_EQ(s.post("/api/v1/records", kSpend, recorder, {{"idempotency-key", "k-2"}}).status, 201);
}

// Writes sent at once are committed in groups, one transaction each; a
// refused write is taken out of its group, and each write is answered as
// it would be alone: every write answered 201 is in the ledger, once, and
// nothing of a refused one.
TEST(Service, WritesSentAtOnceAreAnsweredAsIfOneAfterAnother) {
  Served s;
  const std::string recorder = s.token("desk", adledger::server::Role::Recorder);
  const std::int64_t before = s.records();
  constexpr std::size_t kWriters = 48;
  auto spend = [](const std::string& id, const char* advertiser, const char* period) {
    return std::string(R"({"type": "spend", "id": ")") + id + R"(", "advertiser": ")" + advertiser +
           R"(", "platform": "twitter", "amount": "3.00", "currency": "USD", "period": ")" + period +
           R"(", "market": "US", "source": "desk"})";
  };
  std::vector<Response> answers(kWriters);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kWriters; ++i)
    threads.emplace_back([&, i] {
      const std::string id = "at-once-" + std::to_string(i);
      std::string body;
      switch (i % 4) {
        case 0: body = spend(id, "rt", "2018-01"); break;        // after the ban: 422
        case 1: body = spend(id, "rt", "2016-05"); break;        // 201
        case 2: body = spend(id, "nobody", "2016-05"); break;    // no such advertiser: 404
        default: body = "[" + spend(id, "rt", "2016-06") + ", " + spend(id + "-b", "rt", "2019-02") + "]";  // 422
      }
      while (!go.load()) std::this_thread::yield();
      answers[i] = s.post("/api/v1/records", body, recorder, {{"idempotency-key", id}});
    });
  go = true;
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < kWriters; ++i) {
    const int expected[] = {422, 201, 404, 422};
    EXPECT_EQ(answers[i].status, expected[i % 4]) << i << ": " << answers[i].body;
  }
  EXPECT_EQ(s.records(), before + static_cast<std::int64_t>(kWriters / 4));
  std::set<std::string> ids;
  for (const ledger::SpendEntry& e : s.ledger.store->spend({}))
    if (e.external_id) ids.insert(*e.external_id);
  for (std::size_t i = 0; i < kWriters; ++i)
    EXPECT_EQ(ids.count("at-once-" + std::to_string(i)), i % 4 == 1 ? 1u : 0u) << i;
  EXPECT_EQ(ids.count("at-once-3-b"), 0u);
  EXPECT_TRUE(ledger::verify_ledger(*s.ledger.store, {}).ok());
  // Each key keeps the answer its write was given, and only a write's that
  // was recorded.
  Response again = s.post("/api/v1/records", spend("at-once-1", "rt", "2016-05"), recorder,
                          {{"idempotency-key", "at-once-1"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(header(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(s.post("/api/v1/records", spend("at-once-2", "nobody", "2016-05"), recorder,
                   {{"idempotency-key", "at-once-2"}}).status, 404);
}

TEST(Service, APrivateLedgerNeedsATokenToRead) {
  Served s;
  const std::string reader = s.token("reader", adledger::server::Role::Reader);
  ServiceOptions options;
  options.db = s.ledger.path;
  options.private_reads = true;
  Service private_service(std::move(options));
  Response api = private_service.handle(Request{"GET", "/api/v1/head", {}, ""});
  EXPECT_EQ(api.status, 401);
  EXPECT_EQ(api.content_type, "application/problem+json");
  Response page = private_service.handle(Request{"GET", "/", {}, ""});
  EXPECT_EQ(page.status, 401);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  Response read = private_service.handle(Request{"GET", "/api/v1/head", {{"authorization", "Bearer " + reader}}, ""});
  EXPECT_EQ(read.status, 200);
  // The public service answers without one.
  EXPECT_EQ(s.get("/api/v1/head").status, 200);
}

}  // namespace
