// The PostgreSQL store (ledger/storage/postgresql/) against a real server:
// the throwaway cluster that ctest starts (tests/postgresql/cluster.py) and
// names in $ADLEDGER_TEST_POSTGRESQL_STATE. Each test gets a database of its
// own. A missing server fails these tests; it never skips them.
//
// What is checked: the same records give the same log, hashes and totals as
// on SQLite; the tables are append-only, and a role with no UPDATE or
// DELETE right records; edits made behind adledger's back are found by
// verify, as on SQLite; a second writer waits for the first, and is told
// the ledger is busy after its wait; opening refuses what is not a ledger.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "ledger/audit/replay.hpp"
#include "ledger/audit/verify.hpp"
#include "ledger/journal/postings.hpp"
#include "ledger/ledger.hpp"
#include "ledger/storage/open.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::date;
using adledger_test::period;
using adledger_test::TempDir;
using adledger_test::usd;
using ledger::ErrorKind;
using ledger::OpenMode;
using ledger::VerifyCheck;
using ledger::VerifyResult;

constexpr const char* kNow = "2026-11-22T10:00:00.000Z";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

struct Psql {
  int status = 0;
  std::string output;  // stdout and stderr
};

// Runs SQL with psql, Debian's client, as the cluster's administrator or
// as whoever the URL names: edits made behind adledger's back.
Psql psql(const std::string& url, const std::string& sql) {
  std::string command = "psql -X -q -At -v ON_ERROR_STOP=1 " + shell_quote(url) + " -c " + shell_quote(sql) + " 2>&1";
  Psql r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    r.status = -1;
    return r;
  }
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  r.status = ::pclose(pipe);
  return r;
}

void psql_ok(const std::string& url, const std::string& sql) {
  Psql r = psql(url, sql);
  ASSERT_EQ(r.status, 0) << sql << "\n" << r.output;
}

// The URL of the test cluster's administrator, from the state file ctest's
// fixture wrote.
std::string admin_url() {
  const char* state = std::getenv("ADLEDGER_TEST_POSTGRESQL_STATE");
  if (!state || !*state)
    throw std::runtime_error("ADLEDGER_TEST_POSTGRESQL_STATE is not set: run these tests through ctest, which "
                             "starts a PostgreSQL cluster for them (tests/postgresql/cluster.py)");
  std::ifstream in(state);
  if (!in) throw std::runtime_error(std::string("cannot read ") + state + ": is the test cluster running?");
  return nlohmann::json::parse(in).at("url").get<std::string>();
}

// The URL with another database, or another user, in it.
std::string with_database(const std::string& url, const std::string& name) {
  std::size_t slash = url.find('/', url.find("://") + 3);
  std::size_t query = url.find('?', slash);
  return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}
std::string with_user(const std::string& url, const std::string& user) {
  std::size_t at = url.find("user=");
  if (at == std::string::npos) return url + (url.find('?') == std::string::npos ? "?" : "&") + "user=" + user;
  std::size_t end = url.find('&', at);
  return url.substr(0, at) + "user=" + user + (end == std::string::npos ? "" : url.substr(end));
}

// A login role of its own, named `name`, granted `rights` ("SELECT, INSERT")
// on the ledger's tables at `url`; the test drops it at its end.
void make_role(const std::string& admin, const std::string& url, const std::string& name, const std::string& rights) {
  psql(admin, "DROP ROLE IF EXISTS " + name);
  psql_ok(admin, "CREATE ROLE " + name + " LOGIN");
  psql_ok(url, "GRANT USAGE ON SCHEMA adledger TO " + name + "; GRANT " + rights +
                   " ON ALL TABLES IN SCHEMA adledger TO " + name);
}

// A database of its own, dropped at the end of the test.
class Database {
 public:
  Database() : admin_(admin_url()) {
    static int counter = 0;
    name_ = "unit_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    psql(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    Psql r = psql(admin_, "CREATE DATABASE " + name_);
    if (r.status != 0) throw std::runtime_error("cannot create database " + name_ + ": " + r.output);
    url_ = with_database(admin_, name_);
  }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database() { psql(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }

  const std::string& url() const { return url_; }
  const std::string& admin() const { return admin_; }
  const std::string& name() const { return name_; }

 private:
  std::string admin_;
  std::string name_;
  std::string url_;
};

ledger::SpendEntry spend_of(const char* advertiser, const char* platform, const char* when, std::int64_t minor) {
  ledger::SpendEntry e;
  e.advertiser_id = advertiser;
  e.platform_id = platform;
  e.amount = usd(minor);
  e.period = period(when);
  e.market = "US";
  e.source = "https://example.org/spend";
  return e;
}

// A ledger whose clock is pinned, at `location`.
struct Pinned {
  std::string location;
  std::unique_ptr<ledger::Store> store;
  std::unique_ptr<ledger::Ledger> ledger;

  explicit Pinned(std::string where, OpenMode mode = OpenMode::CreateNew) : location(std::move(where)) {
    store = ledger::open_store(location, mode);
    ledger = std::make_unique<ledger::Ledger>(*store, [] { return std::string(kNow); });
  }
  template <typename F>
  void write(F&& f) {
    ledger::WriteTransaction txn(*store);
    std::forward<F>(f)();
    txn.commit();
  }
  VerifyResult verify() {
    // verify reads a fresh snapshot, as the command does.
    auto reading = ledger::open_store(location, OpenMode::ReadExisting);
    return ledger::verify_ledger(*reading, {});
  }
};

// One of everything (as the audit tests record it), with a range, a
// withdrawal and a rate besides: 16 records. Its debits in USD: the three
// spend entries, the reversal of the second, the pledge and the
// disbursement; the range's upper bound is 49,999.
constexpr std::int64_t kEverythingDebits = 27410000 + 500 + 10000 + 500 + 190000000 + 50000000;
// `details`: some sources carry details (a ledger of version 13 or later).
void record_everything(Pinned& t, bool details = true) {
  t.write([&] {
    t.ledger->add_platform({"twitter", "Twitter"});
    t.ledger->add_platform({"vk-ru", "VK"});
    t.ledger->add_advertiser({"rt", "RT", std::string("RU"), true});
    t.ledger->add_advertiser({"sputnik", "Sputnik", std::nullopt, false});
    t.ledger->link_handle({"rt", "twitter", "@RT_com"});
    ledger::SpendEntry first = spend_of("rt", "twitter", "2016", 27410000);
    first.handle = "@RT_com";
    first.items = 1823;
    first.tags = {"zeta", "election"};
    first.precision = ledger::Precision::Approximate;
    first.external_id = "tw-2016";
    first.note = "Спутник";
    t.ledger->record_spend(first);
    ledger::SpendEntry second = t.ledger->record_spend(spend_of("rt", "twitter", "2017-01", 500));
    ledger::SpendEntry range = spend_of("sputnik", "vk-ru", "2017-Q2", 10000);
    range.precision = ledger::Precision::Range;
    range.upper = usd(49999);
    t.ledger->record_spend(range);
    ledger::PolicyAction ban;
    ban.kind = ledger::PolicyKind::AdBan;
    ban.platform_id = "twitter";
    ban.advertiser_ids = {"rt", "sputnik"};
    ban.date = date("2017-10-26");
    ban.description = "state-backed media";
    ban.source = "https://example.org/ban";
    ban = t.ledger->record_policy_action(ban);
    ledger::PolicyAction disclosure;
    disclosure.kind = ledger::PolicyKind::Disclosure;
    disclosure.platform_id = "vk-ru";
    disclosure.date = date("2018-01-19");
    disclosure.description = "disclosed";
    disclosure.source = "https://example.org/disclosure";
    disclosure = t.ledger->record_policy_action(disclosure);
    t.ledger->withdraw_action(disclosure.id, "recorded by mistake", "https://example.org/withdrawn");
    ledger::Pledge pledge;
    pledge.platform_id = "twitter";
    pledge.amount = usd(190000000);
    pledge.date = date("2017-10-26");
    pledge.beneficiary = "academic research";
    pledge.basis_advertiser_id = "rt";
    pledge.basis_period = period("2011..2017");
    pledge.source = "https://example.org/pledge";
    pledge = t.ledger->record_pledge(pledge);
    t.ledger->disburse(ledger::Disbursement{"", pledge.id, usd(50000000), date("2018-01-15"),
                                            "https://example.org/grant", {}, 0, std::nullopt});
    ledger::DisclosedTotal disclosed;
    disclosed.platform_id = "twitter";
    disclosed.advertiser_id = "rt";
    disclosed.amount = usd(190000000);
    disclosed.period = period("2011..2017");
    disclosed.date = date("2018-01-19");
    disclosed.precision = ledger::Precision::Approximate;
    disclosed.source = "https://example.org/disclosed";
    // Sources' details, of each kind, on three of the records.
    if (details)
      disclosed.source_details = {"https://example.org/disclosed?lang=en&page=2", date("2017-10-27"),
                                  "\"we will donate the $1.9 million\"\tas quoted"};
    t.ledger->record_disclosed_total(disclosed);
    t.ledger->set_rate(ledger::ExchangeRate{ledger::Currency::from_code("USD"), ledger::Currency::from_code("EUR"),
                                            date("2016-12-30"), ledger::Rate::parse("0.9487"),
                                            "https://example.org/rates",
                                            details ? ledger::SourceDetails{"https://example.org/rates.csv", {}, {}}
                                                    : ledger::SourceDetails{}});
    t.ledger->reverse_spend(second.entry_id, "duplicate of the 2016 report", "https://example.org/correction",
                            details ? ledger::SourceDetails{{}, {}, "the 2016 report counts it already"}
                                    : ledger::SourceDetails{});
  });
}

std::optional<VerifyCheck> check_named(const VerifyResult& r, const std::string& name) {
  for (const VerifyCheck& c : r.checks)
    if (c.name == name) return c;
  return std::nullopt;
}

std::string describe(const VerifyResult& r) {
  std::ostringstream out;
  for (const VerifyCheck& c : r.checks) out << (c.ok ? "ok   " : "FAIL ") << c.name << ": " << c.summary << "\n";
  return out.str();
}

void expect_only_failing(const VerifyResult& r, const std::set<std::string>& failing) {
  for (const VerifyCheck& c : r.checks)
    EXPECT_EQ(c.ok, !failing.contains(c.name)) << c.name << ": " << c.summary << "\n" << describe(r);
  EXPECT_FALSE(r.ok());
}

// ---------------------------------------------------------------------------
// The same records as on SQLite

TEST(PostgresqlStore, OneOfEverythingLogsTheSameRecordsAsOnSqlite) {
  Database db;
  TempDir dir;
  Pinned pg(db.url());
  Pinned lite(dir.file("ledger.db"));
  record_everything(pg);
  record_everything(lite);

  ledger::TreeHead pg_head = pg.store->tree_head();
  ledger::TreeHead lite_head = lite.store->tree_head();
  EXPECT_EQ(pg_head.size, 16);
  EXPECT_EQ(pg_head.size, lite_head.size);
  EXPECT_EQ(ledger::to_hex(pg_head.root), ledger::to_hex(lite_head.root));

  std::vector<ledger::LogRecord> pg_log, lite_log;
  pg.store->each_log([&](const ledger::LogRecord& r) { pg_log.push_back(r); });
  lite.store->each_log([&](const ledger::LogRecord& r) { lite_log.push_back(r); });
  ASSERT_EQ(pg_log.size(), lite_log.size());
  for (std::size_t i = 0; i < pg_log.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i + 1));
    EXPECT_EQ(pg_log[i].seq, lite_log[i].seq);
    EXPECT_EQ(pg_log[i].kind, lite_log[i].kind);
    EXPECT_EQ(pg_log[i].ref, lite_log[i].ref);
    EXPECT_EQ(pg_log[i].recorded_at, lite_log[i].recorded_at);
    EXPECT_EQ(pg_log[i].content, lite_log[i].content);
    EXPECT_EQ(pg_log[i].hash, lite_log[i].hash);
    EXPECT_EQ(pg_log[i].row_problem, "");
  }

  auto balances = [](ledger::Store& s) {
    std::vector<std::string> out;
    for (const ledger::BalanceRow& row : s.trial_balance())
      out.push_back(row.account + " " + row.currency + " " + std::to_string(row.balance_minor));
    return out;
  };
  EXPECT_EQ(balances(*pg.store), balances(*lite.store));
  auto journal = [](ledger::Store& s) {
    std::vector<std::string> out;
    for (const ledger::JournalTxn& t : s.journal()) out.push_back(std::to_string(t.id) + " " + ledger::format_date(t.date));
    return out;
  };
  EXPECT_EQ(journal(*pg.store), journal(*lite.store));
  EXPECT_EQ(pg.store->posted_volume("USD"), lite.store->posted_volume("USD"));
  EXPECT_EQ(pg.store->upper_bound_total("USD"), 49999);
  EXPECT_EQ(pg.store->account_balance("expenses:ads:rt:twitter", "USD"), 27410000);

  VerifyResult r = pg.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.records, 16);
}

TEST(PostgresqlStore, QueriesReturnWhatSqliteReturns) {
  Database db;
  TempDir dir;
  Pinned pg(db.url());
  Pinned lite(dir.file("ledger.db"));
  record_everything(pg);
  record_everything(lite);
  auto spend_refs = [](const std::vector<ledger::SpendEntry>& entries) {
    std::vector<std::int64_t> ids;
    for (const auto& e : entries) ids.push_back(e.entry_id);
    return ids;
  };
  for (const ledger::SpendQuery& q :
       {ledger::SpendQuery{}, ledger::SpendQuery{std::string("rt"), std::nullopt, std::nullopt},
        ledger::SpendQuery{std::string("rt"), std::string("twitter"), period("2017")},
        ledger::SpendQuery{std::nullopt, std::string("vk-ru"), std::nullopt},
        ledger::SpendQuery{std::nullopt, std::nullopt, period("2017-06")}})
    EXPECT_EQ(spend_refs(pg.store->spend(q)), spend_refs(lite.store->spend(q)));
  // The lookups of one period, and of the entries starting on one day.
  using Match = ledger::SpendQuery::Match;
  for (const auto& [q, expected] : std::vector<std::pair<ledger::SpendQuery, std::vector<std::int64_t>>>{
           {{std::string("rt"), std::string("twitter"), period("2016"), Match::Exact}, {1}},
           {{std::string("rt"), std::string("twitter"), period("2016-01"), Match::Exact}, {}},
           {{std::string("rt"), std::string("twitter"), period("2016-01-01"), Match::SameStart}, {1}},
           {{std::string("rt"), std::string("twitter"), period("2017-01-01"), Match::SameStart}, {2}},
           {{std::string("rt"), std::string("twitter"), period("2016-01-02"), Match::SameStart}, {}},
           {{std::string("rt"), std::string("vk-ru"), period("2016-01-01"), Match::SameStart}, {}}}) {
    EXPECT_EQ(spend_refs(pg.store->spend(q)), expected);
    EXPECT_EQ(spend_refs(lite.store->spend(q)), expected);
  }
  ASSERT_TRUE(pg.store->find_spend_by_external_id("tw-2016"));
  EXPECT_EQ(pg.store->find_spend_by_external_id("tw-2016")->tags, (std::vector<std::string>{"election", "zeta"}));
  EXPECT_EQ(pg.store->find_spend(3)->upper, usd(49999));
  EXPECT_EQ(pg.store->policy_actions(std::nullopt).size(), lite.store->policy_actions(std::nullopt).size());
  EXPECT_EQ(pg.store->policy_actions(std::string("twitter"))[0].advertiser_ids,
            (std::vector<std::string>{"rt", "sputnik"}));
  EXPECT_TRUE(pg.store->policy_actions(std::string("vk-ru"))[0].withdrawal);
  EXPECT_EQ(pg.store->rate_on(ledger::Currency::from_code("USD"), ledger::Currency::from_code("EUR"),
                              date("2017-03-01"))->rate.to_string(),
            "0.9487");
  EXPECT_FALSE(pg.store->rate_on(ledger::Currency::from_code("USD"), ledger::Currency::from_code("EUR"),
                                 date("2016-12-29")));
  EXPECT_EQ(pg.store->disbursements_of(pg.store->pledges()[0].id).size(), 1u);
  EXPECT_EQ(pg.store->handles_of("rt").size(), 1u);
  for (std::int64_t txn = 1; txn <= 6; ++txn) {
    SCOPED_TRACE("transaction " + std::to_string(txn));
    std::optional<ledger::JournalTxn> a = pg.store->find_txn(txn), b = lite.store->find_txn(txn);
    ASSERT_EQ(a.has_value(), b.has_value());
    if (a) {
      EXPECT_EQ(a->description, b->description);
    }
  }
}

// A policy action of `kind` on `platform` naming `named` from `day`.
ledger::PolicyAction policy_action(ledger::PolicyKind kind, const std::string& platform,
                                   std::vector<std::string> named, const char* day) {
  ledger::PolicyAction a;
  a.kind = kind;
  a.platform_id = platform;
  a.advertiser_ids = std::move(named);
  a.date = date(day);
  a.description = "action";
  a.source = "https://example.org/action";
  if (kind == ledger::PolicyKind::Suspension) a.account_count = 3;
  return a;
}

// What an advertiser's ban status on a platform is made of: the ad bans and
// lifts there that name it, withdrawn or not, in order; not its
// suspensions, not another platform's bans, not the bans naming others.
TEST(PostgresqlStore, TheBansNamingAnAdvertiserAreThoseSqliteFinds) {
  Database db;
  TempDir dir;
  Pinned pg(db.url());
  Pinned lite(dir.file("ledger.db"));
  for (Pinned* t : {&pg, &lite}) {
    t->write([&] {
      t->ledger->add_platform({"twitter", "Twitter"});
      t->ledger->add_platform({"vk-ru", "VK"});
      t->ledger->add_advertiser({"rt", "RT", std::string("RU"), true});
      t->ledger->add_advertiser({"sputnik", "Sputnik", std::nullopt, false});
      t->ledger->add_advertiser({"rt-x", "RT X", std::nullopt, false});
      ledger::PolicyAction both = t->ledger->record_policy_action(
          policy_action(ledger::PolicyKind::AdBan, "twitter", {"rt", "sputnik"}, "2017-10-26"));
      t->ledger->record_policy_action(policy_action(ledger::PolicyKind::AdBan, "twitter", {"sputnik"}, "2017-01-01"));
      t->ledger->record_policy_action(policy_action(ledger::PolicyKind::AdBan, "twitter", {"rt-x"}, "2016-01-01"));
      t->ledger->record_policy_action(policy_action(ledger::PolicyKind::Suspension, "twitter", {"rt"}, "2016-06-01"));
      t->ledger->record_policy_action(policy_action(ledger::PolicyKind::AdBan, "vk-ru", {"rt"}, "2016-06-01"));
      ledger::PolicyAction lift = policy_action(ledger::PolicyKind::BanLift, "twitter", {"rt"}, "2019-01-01");
      lift.lifts_action_id = both.id;
      t->ledger->record_policy_action(lift);
      ledger::PolicyAction mistaken =
          t->ledger->record_policy_action(policy_action(ledger::PolicyKind::AdBan, "twitter", {"rt"}, "2015-03-01"));
      t->ledger->withdraw_action(mistaken.id, "recorded by mistake", "https://example.org/withdrawn");
    });
  }
  auto described = [](const std::vector<ledger::PolicyAction>& actions) {
    std::vector<std::string> out;
    for (const ledger::PolicyAction& a : actions) {
      std::string line = ledger::format_date(a.date) + " " + a.platform_id + ":";
      for (const std::string& id : a.advertiser_ids) line += " " + id;
      out.push_back(line + (a.withdrawal ? " (withdrawn)" : ""));
    }
    return out;
  };
  EXPECT_EQ(described(pg.store->bans_naming("rt", "twitter")),
            (std::vector<std::string>{"2015-03-01 twitter: rt (withdrawn)", "2017-10-26 twitter: rt sputnik",
                                      "2019-01-01 twitter: rt"}));
  for (const char* advertiser : {"rt", "sputnik", "rt-x", "nobody"})
    for (const char* platform : {"twitter", "vk-ru", "nowhere"}) {
      SCOPED_TRACE(std::string(advertiser) + " on " + platform);
      std::vector<ledger::PolicyAction> a = pg.store->bans_naming(advertiser, platform);
      EXPECT_EQ(described(a), described(lite.store->bans_naming(advertiser, platform)));
      for (const ledger::PolicyAction& action : a)
        EXPECT_TRUE(action.kind == ledger::PolicyKind::AdBan || action.kind == ledger::PolicyKind::BanLift);
    }
  // And the status they give is the one the whole platform's actions give.
  for (Pinned* t : {&pg, &lite})
    for (const char* day : {"2015-06-01", "2017-12-31", "2019-06-01"}) {
      ledger::BanCheck check = t->ledger->ban_status("rt", "twitter", date(day));
      EXPECT_EQ(check.banned, std::string(day) == "2017-12-31") << day;
    }
}

// A ledger copied from SQLite to PostgreSQL and back keeps every record,
// its time and its hash.
// Withdrawals of a pledge, its payment and a disclosed total, and an
// approximate item count (schema version 12): the same records, hashes,
// balances and journal on both backends, verify passes on both, and a copy
// from one to the other keeps the head.
TEST(PostgresqlStore, Version12RecordsAreTheSameAsOnSqlite) {
  Database db;
  TempDir dir;
  Pinned pg(db.url());
  Pinned lite(dir.file("ledger.db"));
  auto withdraw_some = [](Pinned& t) {
    record_everything(t);
    t.write([&] {
      ledger::Pledge p = t.store->pledges().at(0);
      p.id = "twitter-pledge-mistyped";
      p.txn_id = 0;
      p = t.ledger->record_pledge(p);
      ledger::Disbursement d = t.ledger->disburse(
          ledger::Disbursement{"", p.id, usd(100), date("2018-02-01"), "https://example.org/grant-2", {}, 0, std::nullopt});
      ledger::DisclosedTotal total = t.store->disclosed_totals(std::nullopt, std::nullopt).at(0);
      total.id.clear();
      total.date = date("2018-01-20");
      total = t.ledger->record_disclosed_total(total);
      t.ledger->withdraw(ledger::Withdrawable::Disbursement, d.id, "paid on another pledge", "https://example.org/f1");
      t.ledger->withdraw(ledger::Withdrawable::Pledge, p.id, "amount mistyped", "https://example.org/f2");
      t.ledger->withdraw(ledger::Withdrawable::DisclosedTotal, total.id, "date mistyped", "https://example.org/f3");
      // And an item count given as approximate.
      ledger::SpendEntry about = spend_of("rt", "twitter", "2017-03", 100);
      about.items = 2200;
      about.items_precision = ledger::Precision::Approximate;
      t.ledger->record_spend(about);
    });
  };
  withdraw_some(pg);
  withdraw_some(lite);
  EXPECT_EQ(pg.store->tree_head().size, 23);
  EXPECT_EQ(ledger::to_hex(pg.store->tree_head().root), ledger::to_hex(lite.store->tree_head().root));
  std::vector<std::string> pg_log, lite_log;
  pg.store->each_log([&](const ledger::LogRecord& r) { pg_log.push_back(r.kind + " " + r.ref + " " + r.content + r.row_problem); });
  lite.store->each_log([&](const ledger::LogRecord& r) { lite_log.push_back(r.kind + " " + r.ref + " " + r.content + r.row_problem); });
  EXPECT_EQ(pg_log, lite_log);
  auto journal = [](ledger::Store& s) {
    std::vector<std::string> out;
    for (const ledger::JournalTxn& txn : s.journal()) {
      std::string line = std::to_string(txn.id) + " " + ledger::format_date(txn.date) + " " + txn.description;
      for (const ledger::Posting& p : txn.postings) line += " " + p.account + " " + p.amount.format();
      out.push_back(line);
    }
    return out;
  };
  EXPECT_EQ(journal(*pg.store), journal(*lite.store));
  ASSERT_TRUE(pg.store->find_pledge("twitter-pledge-mistyped")->withdrawal);
  EXPECT_EQ(pg.store->find_pledge("twitter-pledge-mistyped")->withdrawal->reason, "amount mistyped");
  EXPECT_EQ(pg.store->find_txn(pg.store->find_pledge("twitter-pledge-mistyped")->withdrawal->txn_id)->description,
            "withdrawal of pledge twitter-pledge-mistyped: amount mistyped");
  EXPECT_EQ(pg.store->account_balance("liabilities:pledges:twitter:twitter-pledge-mistyped", "USD"), 0);
  std::vector<ledger::SpendEntry> about = pg.store->spend(ledger::SpendQuery{std::string("rt"), std::string("twitter"),
                                                                              period("2017-03"),
                                                                              ledger::SpendQuery::Match::Exact});
  ASSERT_EQ(about.size(), 1u);
  EXPECT_EQ(about[0].items_precision, ledger::Precision::Approximate);
  VerifyResult r = pg.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  r = lite.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  auto back = ledger::open_store(dir.file("back.db"), OpenMode::CreateNew);
  EXPECT_EQ(ledger::copy_log(*pg.store, *back), 23);
  EXPECT_EQ(ledger::to_hex(back->tree_head().root), ledger::to_hex(lite.store->tree_head().root));
}

TEST(PostgresqlCopy, SqliteToPostgresqlAndBackKeepsTheHead) {
  Database db;
  TempDir dir;
  Pinned lite(dir.file("ledger.db"));
  record_everything(lite);
  ledger::TreeHead head = lite.store->tree_head();
  {
    auto destination = ledger::open_store(db.url(), OpenMode::CreateNew);
    EXPECT_EQ(ledger::copy_log(*lite.store, *destination), 16);
    EXPECT_EQ(ledger::to_hex(destination->tree_head().root), ledger::to_hex(head.root));
    // Into a ledger that holds records: refused, and nothing added.
    EXPECT_TRUE(adledger_test::is_error(adledger_test::error_of([&] { ledger::copy_log(*lite.store, *destination); }),
                                        ErrorKind::Rule, "already holds 16 records"));
    EXPECT_EQ(destination->tree_head().size, 16);
  }
  VerifyResult r = Pinned(db.url(), OpenMode::ReadExisting).verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  auto source = ledger::open_store(db.url(), OpenMode::ReadExisting);
  auto back = ledger::open_store(dir.file("back.db"), OpenMode::CreateNew);
  EXPECT_EQ(ledger::copy_log(*source, *back), 16);
  EXPECT_EQ(ledger::to_hex(back->tree_head().root), ledger::to_hex(head.root));
  std::vector<std::string> a, b;
  lite.store->each_log([&](const ledger::LogRecord& x) { a.push_back(x.recorded_at + x.content); });
  back->each_log([&](const ledger::LogRecord& x) { b.push_back(x.recorded_at + x.content); });
  EXPECT_EQ(a, b);
}

// ---------------------------------------------------------------------------
// Append-only, and the role that records

TEST(PostgresqlAppendOnly, NoRowIsUpdatedDeletedOrTruncatedEvenByTheOwner) {
  Database db;
  Pinned t(db.url());
  record_everything(t);
  t.store.reset();
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"platform", "name"},       {"advertiser", "name"},      {"handle", "handle"},
      {"spend_entry", "note"},    {"spend_reversal", "reason"}, {"policy_action", "note"},
      {"policy_action_advertiser", "advertiser_id"},           {"policy_withdrawal", "reason"},
      {"pledge", "note"},         {"disbursement", "source"},   {"disclosed_total", "note"},
      {"exchange_rate", "source"}, {"account_total", "balance_minor"}, {"record_log", "kind"},
      {"log_tree", "frontier"},   {"ledger_mark", "application"}};
  for (const auto& [table, column] : tables) {
    if (table == "ledger_mark") continue;  // a migration changes its version
    SCOPED_TRACE(table);
    Psql update = psql(db.url(), "UPDATE adledger." + table + " SET " + column + " = " + column);
    EXPECT_NE(update.status, 0);
    EXPECT_NE(update.output.find("append-only: " + table + " rows are never changed"), std::string::npos)
        << update.output;
    Psql erase = psql(db.url(), "DELETE FROM adledger." + table);
    EXPECT_NE(erase.output.find("append-only: " + table + " rows are never deleted"), std::string::npos)
        << erase.output;
    Psql truncate = psql(db.url(), "TRUNCATE adledger." + table + " CASCADE");
    EXPECT_NE(truncate.output.find("rows are never truncated"), std::string::npos) << truncate.output;
  }
  Pinned again(db.url(), OpenMode::ReadExisting);
  EXPECT_TRUE(again.verify().ok());
  EXPECT_EQ(again.store->tree_head().size, 16);
}

// The role adledger records as needs SELECT and INSERT, and nothing more
// (docs/postgresql.md): its writes succeed, and an UPDATE of its own is
// refused by the server before any trigger.
TEST(PostgresqlAppendOnly, ARecorderWithoutUpdateOrDeleteRightsRecords) {
  Database db;
  { Pinned created(db.url()); }
  const std::string role = db.name() + "_recorder";
  make_role(db.admin(), db.url(), role, "SELECT, INSERT");
  {
    Pinned recorder(with_user(db.url(), role), OpenMode::OpenExisting);
    record_everything(recorder);
    EXPECT_TRUE(recorder.verify().ok()) << describe(recorder.verify());
    Psql update = psql(with_user(db.url(), role), "UPDATE adledger.platform SET name = 'X'");
    EXPECT_NE(update.status, 0);
    EXPECT_NE(update.output.find("permission denied"), std::string::npos) << update.output;
  }
  psql(db.admin(), "DROP DATABASE IF EXISTS " + db.name() + " WITH (FORCE)");
  psql(db.admin(), "DROP ROLE IF EXISTS " + role);
}

// ---------------------------------------------------------------------------
// Edits behind adledger's back, as the SQLite tests make them

// Runs `sql` as the owner with the append-only triggers off, puts them
// back, and verifies.
VerifyResult tamper(const Database& db, const std::string& table, const std::string& sql) {
  psql_ok(db.url(), "ALTER TABLE adledger." + table + " DISABLE TRIGGER USER; " + sql + "; ALTER TABLE adledger." +
                        table + " ENABLE TRIGGER USER");
  Pinned t(db.url(), OpenMode::ReadExisting);
  return t.verify();
}

// ---------------------------------------------------------------------------
// Authorship: the role that records, or a name given

// With no name given, a write records the role adledger connected as; a
// name given overrides it. Both are in the chain, and copying the ledger
// to SQLite keeps them and the head.
TEST(PostgresqlAuthor, TheRoleRecordsUnlessANameIsGiven) {
  Database db;
  { Pinned created(db.url()); }
  const std::string role = db.name() + "_desk";
  make_role(db.admin(), db.url(), role, "SELECT, INSERT");
  TempDir dir;
  {
    Pinned t(with_user(db.url(), role), OpenMode::OpenExisting);
    EXPECT_EQ(t.store->default_author(), role);
    t.ledger->set_author(t.store->default_author());
    t.write([&] { t.ledger->add_platform({"twitter", "Twitter"}); });
    t.ledger->set_author("Редакция");
    t.write([&] { t.ledger->add_advertiser({"rt", "RT", std::string("RU"), true}); });
    std::vector<ledger::LogRecord> log;
    t.store->each_log([&](const ledger::LogRecord& r) { log.push_back(r); });
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[0].author, role);
    EXPECT_EQ(log[1].author, "Редакция");
    EXPECT_EQ(log[1].hash, ledger::leaf_hash(ledger::chain_line(log[1])));
    EXPECT_EQ(t.store->record_author("advertiser", "rt"), "Редакция");
    EXPECT_EQ(t.store->record_author("advertiser", "nobody"), "");
    // Several at once, in the order asked, each as asked alone; refs that
    // PostgreSQL's array syntax would read otherwise are only refs.
    const std::vector<std::string> refs = {"nobody", "rt", "a\"b\\c", "{", "NULL", "", "rt,x", "rt"};
    EXPECT_EQ(t.store->record_authors("advertiser", refs),
              (std::vector<std::string>{"", "Редакция", "", "", "", "", "", "Редакция"}));
    EXPECT_EQ(t.store->record_authors("platform", {"twitter"}), std::vector<std::string>{role});
    EXPECT_TRUE(t.store->record_authors("platform", {}).empty());
    VerifyResult r = t.verify();
    EXPECT_TRUE(r.ok()) << describe(r);

    auto back = ledger::open_store(dir.file("copy.db"), OpenMode::CreateNew);
    EXPECT_EQ(ledger::copy_log(*t.store, *back), 2);
    EXPECT_EQ(ledger::to_hex(back->tree_head().root), ledger::to_hex(t.store->tree_head().root));
    std::vector<std::string> authors;
    back->each_log([&](const ledger::LogRecord& x) { authors.push_back(x.author); });
    EXPECT_EQ(authors, (std::vector<std::string>{role, "Редакция"}));
  }
  // The name cannot be changed afterwards unnoticed.
  VerifyResult r = tamper(db, "record_log", "UPDATE adledger.record_log SET author = 'someone else' WHERE seq = 2");
  expect_only_failing(r, {"records"});
  EXPECT_NE(check_named(r, "records")->summary.find("record 2 (advertiser rt): the tables now differ"),
            std::string::npos)
      << describe(r);
  psql(db.admin(), "DROP DATABASE IF EXISTS " + db.name() + " WITH (FORCE)");
  psql(db.admin(), "DROP ROLE IF EXISTS " + role);
}

// A ledger of version 8 is brought to the current version when opened for
// writing: its records keep their hashes and have no author.
TEST(PostgresqlAuthor, AVersion8LedgerMigratesKeepingItsHead) {
  Database db;
  ledger::TreeHead head;
  {
    Pinned t(db.url());
    record_everything(t, /*details=*/false);
    head = t.store->tree_head();
  }
  std::string drop_source_details;
  for (const char* table : {"spend_entry", "spend_reversal", "policy_action", "policy_withdrawal", "pledge",
                            "disbursement", "disclosed_total", "exchange_rate"})
    drop_source_details += std::string(" ALTER TABLE adledger.") + table +
                           " DROP COLUMN source_url, DROP COLUMN source_accessed, DROP COLUMN source_quote;";
  psql_ok(db.url(), drop_source_details +
                    " DROP TABLE adledger.disclosed_total_withdrawal, adledger.disbursement_withdrawal,"
                    " adledger.pledge_withdrawal; ALTER TABLE adledger.spend_entry DROP COLUMN items_precision;"
                    " DROP TABLE adledger.api_idempotency, adledger.api_token_revocation, adledger.api_token;"
                    " DROP TABLE adledger.currency_total; ALTER TABLE adledger.record_log DROP COLUMN author;"
                    " ALTER TABLE adledger.ledger_mark DISABLE TRIGGER USER;"
                    " UPDATE adledger.ledger_mark SET schema_version = 8;"
                    " ALTER TABLE adledger.ledger_mark ENABLE TRIGGER USER");
  // A role that does not own the schema cannot add to it: refused, and
  // nothing changes.
  const std::string reader = db.name() + "_reader";
  make_role(db.admin(), db.url(), reader, "SELECT");
  const std::string refused = ERROR_MESSAGE(ledger::open_store(with_user(db.url(), reader), OpenMode::ReadExisting));
  EXPECT_NE(refused.find("cannot bring it from schema version 8 to " + std::to_string(ledger::kSchemaVersion) +
                         " (connect once as the role that owns the schema adledger)"),
            std::string::npos)
      << refused;
  EXPECT_EQ(psql(db.url(), "SELECT schema_version FROM adledger.ledger_mark").output, "8\n");
  {
    Pinned t(db.url(), OpenMode::OpenExisting);
    EXPECT_EQ(ledger::to_hex(t.store->tree_head().root), ledger::to_hex(head.root));
    // Version 10 keeps the sums of what was there.
    std::vector<ledger::CurrencyTotal> sums = t.store->currency_totals();
    ASSERT_EQ(sums.size(), 1u);
    EXPECT_EQ(sums[0].currency, "USD");
    EXPECT_EQ(sums[0].debits_minor, kEverythingDebits);
    EXPECT_EQ(sums[0].upper_minor, 49999);
    t.ledger->set_author("desk");
    t.write([&] { t.ledger->add_platform({"meta", "Meta"}); });
    std::vector<std::string> authors;
    t.store->each_log([&](const ledger::LogRecord& x) { authors.push_back(x.author); });
    ASSERT_EQ(authors.size(), 17u);
    EXPECT_EQ(std::count(authors.begin(), authors.end(), ""), 16);
    EXPECT_EQ(authors.back(), "desk");
    VerifyResult r = t.verify();
    EXPECT_TRUE(r.ok()) << describe(r);
  }
  EXPECT_EQ(psql(db.url(), "SELECT schema_version FROM adledger.ledger_mark").output,
            std::to_string(ledger::kSchemaVersion) + "\n");
  psql(db.admin(), "DROP DATABASE IF EXISTS " + db.name() + " WITH (FORCE)");
  psql(db.admin(), "DROP ROLE IF EXISTS " + reader);
}

TEST(PostgresqlTamper, ADroppedTriggerAloneIsFound) {
  Database db;
  { Pinned t(db.url()); record_everything(t); }
  psql_ok(db.url(), "DROP TRIGGER spend_entry_append_only ON adledger.spend_entry");
  VerifyResult r = Pinned(db.url(), OpenMode::ReadExisting).verify();
  expect_only_failing(r, {"references"});
  EXPECT_EQ(r.first_problem(),
            "references: trigger spend_entry_append_only is gone: table spend_entry is no longer append-only");
}

TEST(PostgresqlTamper, ADisabledTriggerIsFound) {
  Database db;
  { Pinned t(db.url()); record_everything(t); }
  psql_ok(db.url(), "ALTER TABLE adledger.record_log DISABLE TRIGGER record_log_no_truncate");
  VerifyResult r = Pinned(db.url(), OpenMode::ReadExisting).verify();
  expect_only_failing(r, {"references"});
  EXPECT_EQ(r.first_problem(),
            "references: trigger record_log_no_truncate is disabled: table record_log is no longer append-only");
}

TEST(PostgresqlTamper, AGuardFunctionThatDoesNothingIsFound) {
  Database db;
  { Pinned t(db.url()); record_everything(t); }
  psql_ok(db.url(), "CREATE OR REPLACE FUNCTION adledger.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$"
                    " BEGIN RETURN NEW; END $$");
  VerifyResult r = Pinned(db.url(), OpenMode::ReadExisting).verify();
  expect_only_failing(r, {"references"});
  EXPECT_EQ(r.first_problem(),
            "references: function refuse_change was replaced by one adledger did not write: no table is append-only");
}

TEST(PostgresqlTamper, ASpendAmountChanged) {
  Database db;
  { Pinned t(db.url()); record_everything(t); }
  VerifyResult r = tamper(db, "spend_entry", "UPDATE adledger.spend_entry SET amount_minor = 27410001 WHERE id = 1");
  expect_only_failing(r, {"records", "journal"});
  EXPECT_EQ(check_named(r, "records")->summary,
            "record 6 (spend 1): the tables now differ from what was recorded (its rows no longer hash to its leaf)");
}

TEST(PostgresqlTamper, APolicyActionDeletedAndAPlatformInsertedDirectly) {
  Database db;
  { Pinned t(db.url()); record_everything(t); }
  VerifyResult r = tamper(db, "platform", "INSERT INTO adledger.platform (id, name) VALUES ('vk', 'VK')");
  expect_only_failing(r, {"records"});
  EXPECT_NE(check_named(r, "records")->summary.find("never recorded in the log"), std::string::npos) << describe(r);
  r = tamper(db, "policy_withdrawal", "DELETE FROM adledger.policy_withdrawal");
  EXPECT_FALSE(check_named(r, "records")->ok) << describe(r);
  EXPECT_NE(check_named(r, "records")->summary.find("its row is gone from the tables"), std::string::npos)
      << describe(r);
}

TEST(PostgresqlTamper, AnAccountTotalChanged) {
  Database db;
  { Pinned t(db.url()); record_everything(t); }
  VerifyResult r = tamper(db, "account_total",
                          "UPDATE adledger.account_total SET balance_minor = balance_minor + 7"
                          " WHERE account = 'expenses:ads:rt:twitter'");
  expect_only_failing(r, {"journal"});
  EXPECT_NE(check_named(r, "journal")->summary.find("account expenses:ads:rt:twitter in USD: the ledger keeps a total of"),
            std::string::npos)
      << describe(r);
}

// A row of sums added behind adledger's back, as the latest: named.
TEST(PostgresqlTamper, TheSumsKeptPerCurrency) {
  Database db;
  {
    Pinned t(db.url());
    record_everything(t);
    std::vector<ledger::CurrencyTotal> sums = t.store->currency_totals();
    ASSERT_EQ(sums.size(), 1u);
    EXPECT_EQ(sums[0].debits_minor, kEverythingDebits);
    EXPECT_EQ(sums[0].upper_minor, 49999);
    EXPECT_EQ(t.store->posted_volume("USD"), kEverythingDebits);
  }
  VerifyResult r = tamper(db, "currency_total",
                          "INSERT INTO adledger.currency_total VALUES ('USD', 1000, 5, 49999)");
  expect_only_failing(r, {"journal"});
  EXPECT_NE(describe(r).find("the ledger keeps debits in USD of 5 minor units, and its postings' debits sum to " +
                             std::to_string(kEverythingDebits)),
            std::string::npos)
      << describe(r);
}

TEST(PostgresqlTamper, ARecordsHashAndTheLastRecordChanged) {
  Database db;
  { Pinned t(db.url()); record_everything(t); }
  VerifyResult r = tamper(db, "record_log",
                          "UPDATE adledger.record_log SET hash = decode(repeat('00', 32), 'hex') WHERE seq = 3");
  expect_only_failing(r, {"chain", "records"});
  r = tamper(db, "record_log",
             "UPDATE adledger.record_log SET hash = (SELECT hash FROM adledger.record_log WHERE seq = 2)"
             " WHERE seq = 3; DELETE FROM adledger.record_log WHERE seq = 16");
  EXPECT_FALSE(check_named(r, "chain")->ok) << describe(r);
  EXPECT_FALSE(r.ok());
}

// ---------------------------------------------------------------------------
// Writers, readers, failures

TEST(PostgresqlWriters, ASecondWriterWaitsAndIsToldTheLedgerIsBusy) {
  Database db;
  { Pinned t(db.url()); record_everything(t); }
  auto first = ledger::open_store(db.url(), OpenMode::OpenExisting);
  auto second = ledger::open_store(db.url(), OpenMode::OpenExisting, ledger::StoreOptions{300});
  first->begin_write();
  std::string message = ERROR_MESSAGE(second->begin_write());
  EXPECT_EQ(message, "database \"" + db.url() +
                         "\": the ledger is busy: another adledger is writing and did not finish within the wait;"
                         " retry, or raise --wait");
  EXPECT_FALSE(second->in_write());
  first->rollback();
  second->begin_write();  // free again
  second->rollback();
}

TEST(PostgresqlWriters, ARolledBackWriteLeavesNothingAndIdsAreReused) {
  Database db;
  Pinned t(db.url());
  record_everything(t);
  ledger::TreeHead before = t.store->tree_head();
  {
    ledger::WriteTransaction txn(*t.store);
    t.ledger->record_spend(spend_of("sputnik", "vk-ru", "2018-03", 700));
    t.ledger->add_platform({"meta", "Meta"});
  }  // rolled back
  EXPECT_EQ(t.store->tree_head().size, before.size);
  EXPECT_FALSE(t.store->find_platform("meta"));
  ledger::SpendEntry e;
  t.write([&] { e = t.ledger->record_spend(spend_of("sputnik", "vk-ru", "2018-03", 700)); });
  EXPECT_EQ(e.entry_id, 4);
  EXPECT_TRUE(t.verify().ok());
  // A page from entry 2 on, stopped after one.
  std::vector<std::int64_t> seen;
  t.store->each_spend_after(1, [&](const ledger::SpendEntry& x) {
    seen.push_back(x.entry_id);
    return false;
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{2}));
}

// A walk over the spend entries reads pages that start small and grow
// (32, 64, 128 ... rows): every entry comes once, in order, across the
// pages' edges, and a walk stopped on an edge stops there.
TEST(PostgresqlWriters, AWalkOverTheSpendEntriesCrossesItsGrowingPagesInOrder) {
  Database db;
  Pinned t(db.url());
  record_everything(t);
  t.write([&] {
    for (int i = 0; i < 600; ++i) {  // a month each, from 1950-01: no two alike to compare
      char month[8];
      std::snprintf(month, sizeof month, "%04d-%02d", 1950 + i / 12, i % 12 + 1);
      t.ledger->record_spend(spend_of("sputnik", "vk-ru", month, 100 + i));
    }
  });
  std::int64_t last = 0;
  std::int64_t count = 0;
  t.store->each_spend_after(0, [&](const ledger::SpendEntry& e) {
    EXPECT_EQ(e.entry_id, last + 1);
    last = e.entry_id;
    ++count;
    return true;
  });
  EXPECT_EQ(count, last);
  EXPECT_GE(count, 603);  // record_everything's entries and the 600
  for (std::int64_t stop : {1, 31, 32, 33, 96, 97, 450}) {
    std::vector<std::int64_t> seen;
    t.store->each_spend_after(2, [&](const ledger::SpendEntry& e) {
      seen.push_back(e.entry_id);
      return static_cast<std::int64_t>(seen.size()) < stop;
    });
    ASSERT_EQ(static_cast<std::int64_t>(seen.size()), stop);
    EXPECT_EQ(seen.front(), 3);
    EXPECT_EQ(seen.back(), 2 + stop);
  }
}

// A restartable write undone part way (the server takes a refused request
// out of a group this way) leaves nothing of what it wrote, rows sent by
// COPY included, keeps the lock, so that no other writer comes between, and
// goes on to commit what follows as if it had begun then.
TEST(PostgresqlWriters, ARestartUndoesTheWriteAndKeepsTheLock) {
  Database db;
  Pinned t(db.url());
  record_everything(t);
  const ledger::TreeHead before = t.store->tree_head();
  auto other = ledger::open_store(db.url(), OpenMode::OpenExisting, ledger::StoreOptions{200});
  ledger::SpendEntry kept;
  {
    ledger::WriteTransaction txn(*t.store, ledger::WriteTransaction::Restartable{});
    t.ledger->add_platform({"meta", "Meta"});
    for (int i = 0; i < 20000; ++i) {  // several batches of COPY, sent while the write goes on
      ledger::SpendEntry e = spend_of("sputnik", "vk-ru", "2018-03", 100 + i);
      e.external_id = "undone-" + std::to_string(i);
      t.ledger->record_spend(e);
    }
    t.store->restart_write();
    EXPECT_FALSE(t.store->find_platform("meta"));
    EXPECT_EQ(t.store->tree_head().size, before.size);
    EXPECT_ERROR(ErrorKind::Storage, "the ledger is busy", other->begin_write());
    kept = t.ledger->record_spend(spend_of("sputnik", "vk-ru", "2018-04", 700));
    t.store->restart_write();  // again: the savepoint stays
    kept = t.ledger->record_spend(spend_of("sputnik", "vk-ru", "2018-04", 700));
    txn.commit();
  }
  EXPECT_EQ(kept.entry_id, 4);  // the ids of what was undone are handed out again
  EXPECT_EQ(t.store->tree_head().size, before.size + 1);
  EXPECT_EQ(psql(db.url(), "SELECT count(*) FROM adledger.spend_entry").output, "4\n");
  EXPECT_FALSE(t.store->find_platform("meta"));
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  other->begin_write();  // the lock went with the commit
  other->rollback();
}

// The balances a transaction will ask for, read in one statement, are
// those read one at a time: an account with postings, one without, the
// same pair twice, and what the write itself posted on top.
TEST(PostgresqlWriters, BalancesReadTogetherAreThoseReadAlone) {
  Database db;
  Pinned t(db.url());
  record_everything(t);
  const std::string expense = ledger::spend_expense_account("sputnik", "vk-ru");
  const std::string income = ledger::spend_income_account("vk-ru", "sputnik");
  auto alone = ledger::open_store(db.url(), OpenMode::OpenExisting);
  std::map<std::string, std::int64_t> expected;
  {
    ledger::WriteTransaction txn(*alone);
    for (const std::string& account : {expense, income, std::string("expenses:nobody")})
      expected[account] = alone->account_balance(account, "USD");
  }
  ASSERT_NE(expected[expense], 0);
  ledger::WriteTransaction txn(*t.store);
  t.store->prefetch_balances({{expense, "USD"}, {income, "USD"}, {expense, "USD"}, {"expenses:nobody", "USD"}});
  for (const auto& [account, balance] : expected) EXPECT_EQ(t.store->account_balance(account, "USD"), balance) << account;
  t.ledger->record_spend(spend_of("sputnik", "vk-ru", "2018-05", 700));
  EXPECT_EQ(t.store->account_balance(expense, "USD"), expected[expense] + 700);
  EXPECT_EQ(t.store->account_balance(income, "USD"), expected[income] - 700);
}

// Questions a write says it will ask go to the server with its next
// statement: each gets the answer it gets asked alone, the statement they
// went with too, and nothing said ahead outlives the write or its restart.
TEST(PostgresqlWriters, QuestionsSentAheadGetTheAnswersAskedAlone) {
  Database db;
  Pinned t(db.url());
  record_everything(t);
  ledger::SpendEntry committed = spend_of("sputnik", "vk-ru", "2018-05", 700);
  committed.external_id = "ahead-1";
  t.write([&] { committed = t.ledger->record_spend(committed); });
  const std::string expense = ledger::spend_expense_account("sputnik", "vk-ru");
  const std::string income = ledger::spend_income_account("vk-ru", "sputnik");
  std::int64_t expense_alone = 0, income_alone = 0;
  {
    auto alone = ledger::open_store(db.url(), OpenMode::OpenExisting);
    ledger::WriteTransaction txn(*alone);
    expense_alone = alone->account_balance(expense, "USD");
    income_alone = alone->account_balance(income, "USD");
  }
  ASSERT_GT(expense_alone, 700);
  ASSERT_TRUE(t.store->asks_in_round_trips());
  {
    ledger::WriteTransaction txn(*t.store, ledger::WriteTransaction::Restartable{});
    t.store->prefetch_spend_by_external_id("ahead-1");
    t.store->prefetch_spend_by_external_id("ahead-2");
    t.store->prefetch_balances({{expense, "USD"}, {income, "USD"}, {"expenses:nobody", "USD"}});
    // The statement they go with answers as it would alone.
    ASSERT_TRUE(t.store->find_advertiser("sputnik"));
    EXPECT_FALSE(t.store->find_advertiser("nobody"));
    std::optional<ledger::SpendEntry> found = t.store->find_spend_by_external_id("ahead-1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->entry_id, committed.entry_id);
    EXPECT_EQ(found->amount.minor(), 700);
    EXPECT_FALSE(t.store->find_spend_by_external_id("ahead-2"));
    EXPECT_EQ(t.store->account_balance(expense, "USD"), expense_alone);
    EXPECT_EQ(t.store->account_balance(income, "USD"), income_alone);
    EXPECT_EQ(t.store->account_balance("expenses:nobody", "USD"), 0);
    // Asked again, an answer comes from the server, as it stands now.
    ledger::SpendEntry second = spend_of("sputnik", "vk-ru", "2018-06", 300);
    second.external_id = "ahead-2";
    second = t.ledger->record_spend(second);
    EXPECT_EQ(t.ledger->last_outcome(), ledger::Outcome::Recorded);
    found = t.store->find_spend_by_external_id("ahead-2");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->entry_id, second.entry_id);
    t.ledger->record_spend(second);  // the same entry again, said ahead again
    EXPECT_EQ(t.ledger->last_outcome(), ledger::Outcome::Unchanged);
    EXPECT_EQ(t.store->account_balance(expense, "USD"), expense_alone + 300);
    // A restart forgets what was sent ahead and what came back.
    t.store->prefetch_spend_by_external_id("ahead-3");
    t.store->restart_write();
    EXPECT_FALSE(t.store->find_spend_by_external_id("ahead-2"));
    EXPECT_EQ(t.store->account_balance(expense, "USD"), expense_alone);
    second = t.ledger->record_spend(second);
    EXPECT_EQ(t.ledger->last_outcome(), ledger::Outcome::Recorded);
    t.ledger->record_spend(committed);
    EXPECT_EQ(t.ledger->last_outcome(), ledger::Outcome::Unchanged);
    txn.commit();
  }
  // Outside a write nothing is held back: the answer is read when asked.
  t.store->prefetch_spend_by_external_id("ahead-2");
  ASSERT_TRUE(t.store->find_spend_by_external_id("ahead-2"));
  EXPECT_EQ(psql(db.url(), "SELECT count(*) FROM adledger.spend_entry WHERE external_id LIKE 'ahead-%'").output, "2\n");
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
}

// A Ledger kept from one write to the next (as the server keeps one) goes
// on with what it read only while nothing else was committed: a ban
// another writer committed meanwhile refuses the next spend, and a ban its
// own write recorded and then rolled back refuses nothing.
TEST(PostgresqlWriters, WhatALedgerReadOutlivesAWriteOnlyWhileNothingElseIsCommitted) {
  Database db;
  Pinned t(db.url());
  record_everything(t);
  auto ban_on_vk = [](const char* id, const char* from) {
    ledger::PolicyAction ban;
    ban.id = id;
    ban.kind = ledger::PolicyKind::AdBan;
    ban.platform_id = "vk-ru";
    ban.advertiser_ids = {"sputnik"};
    ban.date = date(from);
    ban.description = "banned";
    ban.source = "https://example.org/ban";
    return ban;
  };
  t.write([&] { t.ledger->record_spend(spend_of("sputnik", "vk-ru", "2019-01", 100)); });
  const std::uint64_t after_commit = t.store->cache_generation();
  t.write([&] {
    EXPECT_EQ(t.store->cache_generation(), after_commit);  // nothing between: the caches stay
    t.ledger->record_spend(spend_of("sputnik", "vk-ru", "2019-02", 100));
  });
  EXPECT_EQ(t.store->cache_generation(), after_commit);

  // Another writer bans Sputnik on VK from 2019-03.
  Pinned other(db.url(), OpenMode::OpenExisting);
  other.write([&] { other.ledger->record_policy_action(ban_on_vk("vk-ban", "2019-03-01")); });
  {
    ledger::WriteTransaction txn(*t.store);
    EXPECT_NE(t.store->cache_generation(), after_commit);
    EXPECT_ERROR(ErrorKind::Rule, "is banned on vk-ru from 2019-03-01",
                 t.ledger->record_spend(spend_of("sputnik", "vk-ru", "2019-04", 100)));
  }

  // This store's own ban, rolled back, bans nothing at the next write.
  Pinned fresh(db.url(), OpenMode::OpenExisting);
  fresh.write([&] { fresh.ledger->record_spend(spend_of("rt", "vk-ru", "2019-01", 100)); });
  {
    ledger::WriteTransaction txn(*fresh.store);
    fresh.ledger->record_policy_action(ban_on_vk("rolled-back", "2018-01-01"));
    ledger::PolicyAction rt_ban = ban_on_vk("rt-ban", "2018-01-01");
    rt_ban.advertiser_ids = {"rt"};
    fresh.ledger->record_policy_action(rt_ban);
    EXPECT_ERROR(ErrorKind::Rule, "is banned on vk-ru", fresh.ledger->record_spend(spend_of("rt", "vk-ru", "2019-02", 1)));
  }  // rolled back
  fresh.write([&] { fresh.ledger->record_spend(spend_of("rt", "vk-ru", "2019-02", 100)); });
  EXPECT_EQ(fresh.ledger->last_outcome(), ledger::Outcome::Recorded);
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
}

// Spend entries enough for several batches of COPY (about 1 MB each):
// kManyEntries of them, about 3 MB of spend rows.
constexpr int kManyEntries = 20000;
void record_many(Pinned& t, const std::string& prefix) {
  for (int i = 0; i < kManyEntries; ++i) {
    ledger::SpendEntry e = spend_of("sputnik", "vk-ru", "2018-03", 100 + i);
    e.external_id = prefix + std::to_string(i);
    t.ledger->record_spend(e);
  }
}

// A write big enough that its rows go to the server in several batches
// while it goes on (each COPY on a thread of its own) is still all or
// nothing: a record refused after batches were sent leaves nothing, and the
// same write committed holds every row.
TEST(PostgresqlWriters, AWriteSentInBatchesIsAllOrNothing) {
  Database db;
  Pinned t(db.url());
  record_everything(t);
  const ledger::TreeHead before = t.store->tree_head();
  {
    ledger::WriteTransaction txn(*t.store);
    record_many(t, "batch-");
    EXPECT_ERROR(ErrorKind::Rule, "no such advertiser",
                 t.ledger->record_spend(spend_of("nobody", "vk-ru", "2018-03", 1)));
  }  // rolled back
  EXPECT_EQ(t.store->tree_head().size, before.size);
  EXPECT_EQ(psql(db.url(), "SELECT count(*) FROM adledger.spend_entry").output, "3\n");
  t.write([&] { record_many(t, "batch-"); });
  EXPECT_EQ(t.store->tree_head().size, before.size + kManyEntries);
  EXPECT_EQ(psql(db.url(), "SELECT count(*) FROM adledger.spend_entry").output,
            std::to_string(3 + kManyEntries) + "\n");
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
}

// ---------------------------------------------------------------------------
// A first load: spend_entry's foreign keys and plain indexes, and
// record_log's key of (kind, ref), dropped for an import into a ledger
// without spend entries, and made again before commit

// The definitions of spend_entry's and record_log's indexes and
// constraints, and the oids of those a first load drops and makes again
// (new oids once made again).
struct SpendChecks {
  std::string definitions;
  std::string oids;
};
SpendChecks spend_checks(const std::string& url) {
  const std::string tables = "('adledger.spend_entry'::regclass, 'adledger.record_log'::regclass)";
  SpendChecks c;
  c.definitions = psql(url, "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid IN " + tables +
                                " UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' ||"
                                " pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid IN " + tables +
                                " ORDER BY 1").output;
  c.oids = psql(url, "SELECT indexrelid FROM pg_index WHERE indrelid = 'adledger.spend_entry'::regclass"
                     " AND NOT indisunique"
                     " UNION ALL SELECT oid FROM pg_constraint WHERE conrelid = 'adledger.spend_entry'::regclass"
                     " AND contype = 'f'"
                     " UNION ALL SELECT oid FROM pg_constraint WHERE conrelid = 'adledger.record_log'::regclass"
                     " AND contype = 'u'"
                     " ORDER BY 1").output;
  return c;
}

// A ledger with a platform and an advertiser, and no spend entry yet.
void record_names(Pinned& t) {
  t.write([&] {
    t.ledger->add_platform({"vk-ru", "VK"});
    t.ledger->add_advertiser({"sputnik", "Sputnik", std::nullopt, false});
  });
}

TEST(PostgresqlFirstLoad, TheChecksAreMadeAgainAsTheyWereAndAFailedLoadTakesTheDropsBack) {
  Database db;
  Pinned t(db.url());
  record_names(t);
  const SpendChecks before = spend_checks(db.url());
  ASSERT_NE(before.definitions.find("FOREIGN KEY (advertiser_id)"), std::string::npos) << before.definitions;
  ASSERT_NE(before.definitions.find("spend_by_advertiser"), std::string::npos) << before.definitions;
  ASSERT_NE(before.definitions.find("record_log_kind_ref_key UNIQUE (kind, ref)"), std::string::npos)
      << before.definitions;
  {
    ledger::WriteTransaction txn(*t.store);
    record_many(t, "failed-");
    EXPECT_ERROR(ErrorKind::Rule, "no such advertiser",
                 t.ledger->record_spend(spend_of("nobody", "vk-ru", "2018-03", 1)));
  }  // rolled back, the drops with it
  SpendChecks after_failure = spend_checks(db.url());
  EXPECT_EQ(after_failure.definitions, before.definitions);
  EXPECT_EQ(after_failure.oids, before.oids);
  EXPECT_EQ(psql(db.url(), "SELECT count(*) FROM adledger.spend_entry").output, "0\n");

  t.write([&] { record_many(t, "first-"); });
  SpendChecks loaded = spend_checks(db.url());
  EXPECT_EQ(loaded.definitions, before.definitions);
  EXPECT_NE(loaded.oids, before.oids) << "the first load made its checks again";
  EXPECT_EQ(psql(db.url(), "SELECT count(*) FROM adledger.spend_entry").output, "20000\n");
  // The keys made again hold: a row naming no advertiser is refused.
  Psql orphan = psql(db.url(),
                     "INSERT INTO adledger.spend_entry (id, txn_id, advertiser_id, platform_id, amount_minor, currency,"
                     " first_day, last_day, market, precision, source) VALUES (900000, 900000, 'nobody', 'vk-ru', 1,"
                     " 'USD', '2018-01-01', '2018-01-01', 'US', 0, 'x')");
  EXPECT_NE(orphan.status, 0);
  EXPECT_NE(orphan.output.find("spend_entry_advertiser_id_fkey"), std::string::npos) << orphan.output;
  // And a record under the kind and ref of another.
  Psql twice = psql(db.url(),
                    "INSERT INTO adledger.record_log (seq, kind, ref, recorded_at, hash)"
                    " SELECT 900000, kind, ref, recorded_at, hash FROM adledger.record_log WHERE seq = 3");
  EXPECT_NE(twice.status, 0);
  EXPECT_NE(twice.output.find("record_log_kind_ref_key"), std::string::npos) << twice.output;
  // The reports' index is there for the planner.
  EXPECT_NE(psql(db.url(), "SET enable_seqscan = off; EXPLAIN SELECT * FROM adledger.spend_entry"
                           " WHERE advertiser_id = 'sputnik' AND platform_id = 'vk-ru'")
                .output.find("spend_by_advertiser"),
            std::string::npos);

  // A second load, into a ledger with entries, goes row by row.
  t.write([&] { record_many(t, "second-"); });
  EXPECT_EQ(spend_checks(db.url()).oids, loaded.oids);
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(t.store->tree_head().size, 2 + 40000);
}

// A first load looks a record up by its kind and ref only to find one given
// again in the same file: the key is made again first, and the load goes on
// with it.
TEST(PostgresqlFirstLoad, ALookUpByKindAndRefInTheLoadMakesTheLogKeyAgainFirst) {
  Database db;
  Pinned t(db.url());
  record_names(t);
  const SpendChecks before = spend_checks(db.url());
  const ledger::PolicyAction ban = policy_action(ledger::PolicyKind::AdBan, "vk-ru", {"sputnik"}, "2019-01-01");
  t.write([&] {
    record_many(t, "first-");  // the drops
    t.ledger->record_policy_action(ban);
    // The same action without an id, again: the one before it is looked up
    // by kind and ref, to tell whether it was recorded before this write.
    t.ledger->record_policy_action(ban);
    record_many(t, "then-");
  });
  SpendChecks loaded = spend_checks(db.url());
  EXPECT_EQ(loaded.definitions, before.definitions);
  EXPECT_NE(loaded.oids, before.oids);
  EXPECT_EQ(psql(db.url(), "SELECT count(*) FROM adledger.policy_action").output, "2\n");
  EXPECT_EQ(t.store->tree_head().size, 2 + 2 * kManyEntries + 2);
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
}

// The drops need spend_entry to the load alone and the right to alter it:
// a reader's open snapshot, or a role that may only record, and the load
// goes row by row, as committed as any.
TEST(PostgresqlFirstLoad, AReaderHoldingTheTableOrARecorderRoleMakesTheLoadGoRowByRow) {
  Database db;
  Pinned t(db.url());
  record_names(t);
  const SpendChecks before = spend_checks(db.url());
  {
    auto reader = ledger::open_store(db.url(), OpenMode::ReadExisting);
    EXPECT_FALSE(reader->has_spend());  // its snapshot holds spend_entry until it ends
    t.write([&] { record_many(t, "read-"); });
    EXPECT_FALSE(reader->has_spend());
  }
  EXPECT_EQ(spend_checks(db.url()).oids, before.oids);

  Database other;
  { Pinned created(other.url()); }
  const std::string role = other.name() + "_recorder";
  make_role(other.admin(), other.url(), role, "SELECT, INSERT");
  {
    Pinned recorder(with_user(other.url(), role), OpenMode::OpenExisting);
    record_names(recorder);
    const SpendChecks unloaded = spend_checks(other.url());
    recorder.write([&] { record_many(recorder, "recorded-"); });
    EXPECT_EQ(spend_checks(other.url()).oids, unloaded.oids);
    VerifyResult r = recorder.verify();
    EXPECT_TRUE(r.ok()) << describe(r);
  }
  psql(other.admin(), "DROP DATABASE IF EXISTS " + other.name() + " WITH (FORCE)");
  psql(other.admin(), "DROP ROLE IF EXISTS " + role);
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
}

// A small write's last rows go with its COMMIT in one round trip: a row
// the server refuses there fails the write, leaves nothing behind, and the
// connection goes on writing.
TEST(PostgresqlWriters, ARowRefusedWithTheCommitLeavesNothing) {
  Database db;
  Pinned t(db.url());
  record_everything(t);
  const ledger::TreeHead before = t.store->tree_head();
  psql_ok(db.url(),
          "CREATE FUNCTION adledger.refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS"
          " $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$;"
          " CREATE TRIGGER refuse_for_test BEFORE INSERT ON adledger.record_log FOR EACH ROW"
          " WHEN (NEW.kind = 'platform') EXECUTE FUNCTION adledger.refuse_for_test()");
  EXPECT_ERROR(ErrorKind::Storage, "refused for the test", t.write([&] { t.ledger->add_platform({"meta", "Meta"}); }));
  EXPECT_EQ(t.store->tree_head().size, before.size);
  EXPECT_EQ(ledger::to_hex(t.store->tree_head().root), ledger::to_hex(before.root));
  EXPECT_FALSE(t.store->find_platform("meta"));
  psql_ok(db.url(), "DROP TRIGGER refuse_for_test ON adledger.record_log; DROP FUNCTION adledger.refuse_for_test()");
  t.write([&] { t.ledger->add_platform({"meta", "Meta"}); });
  // Text that COPY's format escapes goes through the INSERTs as it is.
  ledger::SpendEntry e = spend_of("sputnik", "vk-ru", "2018-04", 700);
  e.note = "\\N alone, a tab\there, a backslash \\ and \\t";
  e.external_id = "\\N";
  t.write([&] { e = t.ledger->record_spend(e); });
  EXPECT_EQ(t.store->find_spend(e.entry_id)->note, e.note);
  EXPECT_EQ(t.store->find_spend_by_external_id("\\N")->entry_id, e.entry_id);
  EXPECT_EQ(t.store->tree_head().size, before.size + 2);
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
}

// A reader's snapshot holds for its whole run: a write committed after it
// began is not half seen.
TEST(PostgresqlWriters, AReaderSeesOneSnapshot) {
  Database db;
  Pinned writer(db.url());
  record_everything(writer);
  auto reader = ledger::open_store(db.url(), OpenMode::ReadExisting);
  EXPECT_EQ(reader->tree_head().size, 16);
  writer.write([&] { writer.ledger->add_platform({"meta", "Meta"}); });
  EXPECT_EQ(reader->tree_head().size, 16);
  EXPECT_FALSE(reader->find_platform("meta"));
  EXPECT_EQ(ledger::open_store(db.url(), OpenMode::ReadExisting)->tree_head().size, 17);
  // A renewed snapshot (a server's reader, once a request) reads the log's
  // head with its start: the head of now, then kept while it lasts.
  for (const char* id : {"meta", "vk"}) {
    reader->renew_read();
    const ledger::TreeHead renewed = reader->tree_head();
    const ledger::TreeHead now = ledger::open_store(db.url(), OpenMode::ReadExisting)->tree_head();
    EXPECT_EQ(renewed.size, now.size);
    EXPECT_EQ(renewed.root, now.root);
    writer.write([&] { writer.ledger->add_platform({std::string(id) + "-2", "Another"}); });
    EXPECT_EQ(reader->tree_head().size, renewed.size);
    EXPECT_EQ(reader->tree_head().root, renewed.root);
  }
  reader->renew_read();
  EXPECT_EQ(reader->tree_head().size, 19);
  EXPECT_TRUE(reader->find_platform("vk-2"));
}

TEST(PostgresqlOpen, WhatIsNotALedgerIsRefused) {
  Database db;
  const std::string shown = db.url();
  EXPECT_EQ(ERROR_MESSAGE(ledger::open_store(db.url(), OpenMode::OpenExisting)),
            "database \"" + shown + "\": no ledger there; create one with adledger init");
  { Pinned t(db.url()); }
  EXPECT_EQ(ERROR_MESSAGE(ledger::open_store(db.url(), OpenMode::CreateNew)),
            "database \"" + shown + "\": already exists; adledger init creates a new ledger only");
  psql_ok(db.url(), "ALTER TABLE adledger.ledger_mark DISABLE TRIGGER USER;"
                    " UPDATE adledger.ledger_mark SET schema_version = 99");
  EXPECT_EQ(ERROR_MESSAGE(ledger::open_store(db.url(), OpenMode::ReadExisting)),
            "database \"" + shown + "\": written by a newer adledger (schema version 99, this binary knows up to " +
                std::to_string(ledger::kSchemaVersion) + "); upgrade adledger");
  psql_ok(db.url(), "DELETE FROM adledger.ledger_mark");
  EXPECT_EQ(ERROR_MESSAGE(ledger::open_store(db.url(), OpenMode::OpenExisting)),
            "database \"" + shown + "\": not an adledger ledger (its ledger mark is missing)");
  // A command that only reads begins its snapshot with the read of the
  // mark, and says the same.
  EXPECT_EQ(ERROR_MESSAGE(ledger::open_store(db.url(), OpenMode::ReadExisting)),
            "database \"" + shown + "\": not an adledger ledger (its ledger mark is missing)");
  psql_ok(db.url(), "DROP TABLE adledger.ledger_mark");
  for (OpenMode mode : {OpenMode::OpenExisting, OpenMode::ReadExisting})
    EXPECT_EQ(ERROR_MESSAGE(ledger::open_store(db.url(), mode)),
              "database \"" + shown + "\": not an adledger ledger (its schema adledger has no ledger_mark table)");
  psql_ok(db.url(), "DROP SCHEMA adledger CASCADE");
  for (OpenMode mode : {OpenMode::OpenExisting, OpenMode::ReadExisting})
    EXPECT_EQ(ERROR_MESSAGE(ledger::open_store(db.url(), mode)),
              "database \"" + shown + "\": no ledger there; create one with adledger init");
  std::string missing = with_database(db.url(), db.name() + "_missing");
  std::string message = ERROR_MESSAGE(ledger::open_store(missing, OpenMode::OpenExisting));
  EXPECT_TRUE(message.starts_with("database \"" + missing + "\": cannot connect: ")) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  message = ERROR_MESSAGE(ledger::open_store("postgresql://h/db?nosuchoption=1", OpenMode::OpenExisting));
  EXPECT_TRUE(message.starts_with("database \"postgresql://h/db?nosuchoption=1\": not a PostgreSQL connection URL: "))
      << message;
}

TEST(PostgresqlOpen, MessagesNeverShowAPassword) {
  EXPECT_EQ(ledger::display_url("postgresql://alice:s3cret@db.example.org:5432/news"),
            "postgresql://alice:***@db.example.org:5432/news");
  EXPECT_EQ(ledger::display_url("postgres://db/news?user=alice&password=s3cret&sslmode=require"),
            "postgres://db/news?user=alice&password=***&sslmode=require");
  EXPECT_EQ(ledger::display_url("postgresql:///news?host=/run/pg"), "postgresql:///news?host=/run/pg");
  EXPECT_EQ(ledger::display_url("postgresql://alice@db/news"), "postgresql://alice@db/news");
  std::string message = ERROR_MESSAGE(
      ledger::open_store("postgresql://alice:s3cret@127.0.0.1:1/news?connect_timeout=2", OpenMode::OpenExisting));
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
  EXPECT_TRUE(message.starts_with("database \"postgresql://alice:***@127.0.0.1:1/news?connect_timeout=2\": cannot connect"))
      << message;
}

}  // namespace
