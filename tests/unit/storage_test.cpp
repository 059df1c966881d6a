#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "ledger/audit/verify.hpp"
#include "ledger/ledger.hpp"
#include "ledger/storage/sqlite/sqlite_store.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::date;
using adledger_test::period;
using adledger_test::TempDir;
using adledger_test::TempLedger;
using adledger_test::usd;
using ledger::ErrorKind;
using ledger::OpenMode;
using ledger::open_sqlite_store;

const std::string kInjection = "Robert'); DROP TABLE spend;--";
const std::string kCyrillic = "Спутник";
const std::string kFrench = "RT en français";

// Runs the sqlite3 shell on `path`; the paths here hold no quotes.
void sqlite_shell(const std::string& path, const std::string& sql) {
  std::string command = "/usr/bin/sqlite3 '" + path + "' \"" + sql + "\" >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(SqliteStoreOpen, CreateThenOpenExisting) {
  TempDir dir;
  std::string path = dir.file("ledger.db");
  {
    auto store = open_sqlite_store(path, OpenMode::CreateNew);
    ASSERT_TRUE(store);
    EXPECT_FALSE(store->in_write());
    EXPECT_TRUE(store->platforms().empty());
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  auto store = open_sqlite_store(path, OpenMode::OpenExisting);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->platforms().empty());
  EXPECT_TRUE(store->journal().empty());
  EXPECT_TRUE(store->trial_balance().empty());
}

TEST(SqliteStoreOpen, OpenExistingMissingFile) {
  TempDir dir;
  std::string path = dir.file("missing.db");
  auto e = adledger_test::error_of([&] { open_sqlite_store(path, OpenMode::OpenExisting); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Storage);
  EXPECT_EQ(std::string(e->what()), "database \"" + path + "\": no ledger there; create one with adledger init");
  EXPECT_FALSE(std::filesystem::exists(path)) << "opening must not create the file";
}

TEST(SqliteStoreOpen, CreateNewOnExistingFile) {
  TempDir dir;
  std::string path = dir.file("ledger.db");
  open_sqlite_store(path, OpenMode::CreateNew);
  EXPECT_ERROR(ErrorKind::Storage, "already exists", open_sqlite_store(path, OpenMode::CreateNew));
  EXPECT_ERROR(ErrorKind::Storage, path, open_sqlite_store(path, OpenMode::CreateNew));
  // An existing file of any kind, not only a ledger.
  std::string text = dir.file("notes.txt");
  std::ofstream(text) << "hello\n";
  EXPECT_ERROR(ErrorKind::Storage, "already exists", open_sqlite_store(text, OpenMode::CreateNew));
  std::ifstream in(text);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "hello") << "CreateNew must not touch an existing file";
}

TEST(SqliteStoreOpen, MissingDirectory) {
  TempDir dir;
  std::string path = dir.file("no-such-dir/ledger.db");
  EXPECT_ERROR(ErrorKind::Storage, "does not exist", open_sqlite_store(path, OpenMode::CreateNew));
  EXPECT_ERROR(ErrorKind::Storage, "does not exist", open_sqlite_store(path, OpenMode::OpenExisting));
  EXPECT_ERROR(ErrorKind::Storage, "no-such-dir", open_sqlite_store(path, OpenMode::CreateNew));
}

TEST(SqliteStoreOpen, PathIsADirectory) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "sub");
  EXPECT_ERROR(ErrorKind::Storage, "is a directory", open_sqlite_store(dir.file("sub"), OpenMode::OpenExisting));
}

TEST(SqliteStoreOpen, TextFileIsNotALedger) {
  TempDir dir;
  std::string path = dir.file("notes.txt");
  std::ofstream(path) << "this is a text file, not a database\nsecond line\n";
  auto e = adledger_test::error_of([&] { open_sqlite_store(path, OpenMode::OpenExisting); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Storage);
  EXPECT_NE(std::string(e->what()).find("not an adledger ledger"), std::string::npos) << e->what();
  EXPECT_NE(std::string(e->what()).find(path), std::string::npos) << e->what();
}

TEST(SqliteStoreOpen, LargeBinaryFileIsNotALedger) {
  TempDir dir;
  std::string path = dir.file("blob.bin");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 20000; ++i) out.put(static_cast<char>(i * 7 % 251));
  }
  EXPECT_ERROR(ErrorKind::Storage, "not an adledger ledger", open_sqlite_store(path, OpenMode::OpenExisting));
}

TEST(SqliteStoreOpen, EmptyFileIsNotALedger) {
  TempDir dir;
  std::string path = dir.file("empty.db");
  std::ofstream(path).close();
  EXPECT_ERROR(ErrorKind::Storage, "not an adledger ledger", open_sqlite_store(path, OpenMode::OpenExisting));
}

TEST(SqliteStoreOpen, OtherApplicationsDatabaseIsRefused) {
  TempDir dir;
  std::string path = dir.file("other.db");
  sqlite_shell(path, "PRAGMA application_id = 1234; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
  auto e = adledger_test::error_of([&] { open_sqlite_store(path, OpenMode::OpenExisting); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Storage);
  EXPECT_NE(std::string(e->what()).find("not an adledger ledger"), std::string::npos) << e->what();
  EXPECT_NE(std::string(e->what()).find("application_id"), std::string::npos) << e->what();

  std::string plain = dir.file("plain.db");
  sqlite_shell(plain, "CREATE TABLE t(x);");
  EXPECT_ERROR(ErrorKind::Storage, "not an adledger ledger", open_sqlite_store(plain, OpenMode::OpenExisting));
}

TEST(SqliteStoreOpen, NewerLedgerIsRefused) {
  TempDir dir;
  std::string path = dir.file("ledger.db");
  open_sqlite_store(path, OpenMode::CreateNew);
  sqlite_shell(path, "PRAGMA user_version = 99;");
  auto e = adledger_test::error_of([&] { open_sqlite_store(path, OpenMode::OpenExisting); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Storage);
  std::string what = e->what();
  EXPECT_NE(what.find("newer adledger"), std::string::npos) << what;
  EXPECT_NE(what.find("99"), std::string::npos) << what;
}

TEST(SqliteStoreOpen, LedgerMarkWithoutSchemaVersionIsRefused) {
  TempDir dir;
  std::string path = dir.file("ledger.db");
  sqlite_shell(path, "PRAGMA application_id = " + std::to_string(ledger::kApplicationId) + "; CREATE TABLE t(x);");
  EXPECT_ERROR(ErrorKind::Storage, "not an adledger ledger (schema version 0)",
               open_sqlite_store(path, OpenMode::OpenExisting));
}

TEST(SqliteStoreOpen, CreatedFileCarriesTheMarks) {
  TempDir dir;
  std::string path = dir.file("ledger.db");
  open_sqlite_store(path, OpenMode::CreateNew);
  std::string out = dir.file("pragmas.txt");
  std::string command = "/usr/bin/sqlite3 '" + path + "' 'PRAGMA application_id; PRAGMA user_version;' > '" + out + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(out);
  std::string app_id, version;
  std::getline(in, app_id);
  std::getline(in, version);
  EXPECT_EQ(app_id, std::to_string(ledger::kApplicationId));
  EXPECT_EQ(version, std::to_string(ledger::kSchemaVersion));
}

// Runs the sqlite3 shell on `path` and returns what it prints.
std::string sqlite_output(const TempDir& dir, const std::string& path, const std::string& sql) {
  std::string out = dir.file("shell-output.txt");
  std::string command = "/usr/bin/sqlite3 '" + path + "' \"" + sql + "\" > '" + out + "' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(out);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const char* kSchemaQuery = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name;";

// A version 1 ledger: what adledger 0.1 created, the base schema alone.
std::string version_1_ledger(const TempDir& dir, const std::string& name) {
  std::string path = dir.file(name);
  std::string command = "/usr/bin/sqlite3 '" + path + "' '.read " ADLEDGER_SOURCE_DIR "/schemas/ledger.sql' " +
                        "'PRAGMA application_id = " + std::to_string(ledger::kApplicationId) +
                        "' 'PRAGMA user_version = 1' >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return path;
}

TEST(SqliteStoreMigration, Version1LedgerIsBroughtToTheCurrentSchema) {
  TempDir dir;
  std::string old_path = version_1_ledger(dir, "old.db");
  EXPECT_EQ(sqlite_output(dir, old_path, "PRAGMA user_version;"), "1\n");
  {
    auto store = open_sqlite_store(old_path, OpenMode::OpenExisting);
    EXPECT_TRUE(store->disclosed_totals(std::nullopt, std::nullopt).empty());
  }
  EXPECT_EQ(sqlite_output(dir, old_path, "PRAGMA user_version;"), std::to_string(ledger::kSchemaVersion) + "\n");
  // The same SQL made both, so the schemas are the same, text for text.
  std::string fresh_path = dir.file("fresh.db");
  open_sqlite_store(fresh_path, OpenMode::CreateNew);
  EXPECT_EQ(sqlite_output(dir, old_path, kSchemaQuery), sqlite_output(dir, fresh_path, kSchemaQuery));
}

TEST(SqliteStoreMigration, FailedMigrationLeavesTheLedgerAsItWas) {
  TempDir dir;
  std::string path = version_1_ledger(dir, "old.db");
  // A table in the way makes migration 2 fail half way through.
  sqlite_shell(path, "CREATE TABLE disclosed_total (x);");
  std::string before = sqlite_output(dir, path, kSchemaQuery);
  EXPECT_ERROR(ErrorKind::Storage, "disclosed_total", open_sqlite_store(path, OpenMode::OpenExisting));
  EXPECT_EQ(sqlite_output(dir, path, "PRAGMA user_version;"), "1\n");
  EXPECT_EQ(sqlite_output(dir, path, kSchemaQuery), before);
}

// A ledger with one of everything, names chosen to break naive SQL.
struct Populated : TempLedger {
  ledger::SpendEntry spend_in;
  ledger::SpendEntry spend_out;
  ledger::PolicyAction ban_out;
  ledger::Pledge pledge_out;
  ledger::Disbursement disbursement_out;

  Populated() {
    write([&] {
      ledger.add_platform({"twitter", kInjection});
      ledger.add_platform({"facebook", "Facebook \"Meta\"; SELECT * FROM platform"});
      ledger.add_advertiser({"rt", kFrench, std::string("RU"), true});
      ledger.add_advertiser({"sputnik", kCyrillic, std::nullopt, false});
      ledger.link_handle({"rt", "twitter", "@RT_com"});
      ledger.link_handle({"sputnik", "twitter", "@SputnikInt ' OR 1=1 --"});

      spend_in.advertiser_id = "rt";
      spend_in.platform_id = "twitter";
      spend_in.handle = "@RT_com";
      spend_in.amount = usd(27410000);
      spend_in.period = period("2016");
      spend_in.items = 1823;
      spend_in.market = "worldwide";
      spend_in.tags = {"zeta", "election", "zeta", "Кампания"};
      spend_in.precision = ledger::Precision::Approximate;
      spend_in.source = "https://blog.twitter.com/?q=a'b;c";
      spend_in.external_id = "tw-2016";
      spend_in.note = kInjection + " / " + kCyrillic + "\ttab";
      spend_out = ledger.record_spend(spend_in);

      ledger::PolicyAction ban;
      ban.kind = ledger::PolicyKind::AdBan;
      ban.platform_id = "twitter";
      ban.advertiser_ids = {"sputnik", "rt"};
      ban.date = date("2017-10-26");
      ban.end_date = date("2019-01-01");
      ban.description = "reason: " + kInjection;
      ban.source = "https://blog.twitter.com/ban";
      ban.note = kFrench;
      ban_out = ledger.record_policy_action(ban);

      ledger::Pledge pledge;
      pledge.platform_id = "twitter";
      pledge.amount = usd(190000000);
      pledge.date = date("2017-10-26");
      pledge.beneficiary = "research on \"civic engagement\"; " + kCyrillic;
      pledge.basis_advertiser_id = "rt";
      pledge.basis_period = period("2011..2017");
      pledge.source = "https://blog.twitter.com/pledge";
      pledge.note = "note";
      pledge_out = ledger.record_pledge(pledge);

      ledger::Disbursement d;
      d.pledge_id = pledge_out.id;
      d.amount = usd(50000000);
      d.date = date("2018-01-15");
      d.source = "https://example.org/grant'1";
      disbursement_out = ledger.disburse(d);
    });
  }
};

void expect_populated_contents(ledger::Store& store, const Populated& p) {
  auto platforms = store.platforms();
  ASSERT_EQ(platforms.size(), 2u);
  EXPECT_EQ(platforms[0].id, "facebook");
  EXPECT_EQ(platforms[0].name, "Facebook \"Meta\"; SELECT * FROM platform");
  EXPECT_EQ(platforms[1].id, "twitter");
  EXPECT_EQ(platforms[1].name, kInjection);

  auto rt = store.find_advertiser("rt");
  ASSERT_TRUE(rt);
  EXPECT_EQ(rt->name, kFrench);
  EXPECT_EQ(rt->country, std::optional<std::string>("RU"));
  EXPECT_TRUE(rt->state_affiliated);
  auto sputnik = store.find_advertiser("sputnik");
  ASSERT_TRUE(sputnik);
  EXPECT_EQ(sputnik->name, kCyrillic);
  EXPECT_FALSE(sputnik->country);
  EXPECT_FALSE(sputnik->state_affiliated);
  EXPECT_EQ(store.advertisers().size(), 2u);
  EXPECT_FALSE(store.find_advertiser("nobody"));

  auto handle = store.find_handle("twitter", "@SputnikInt ' OR 1=1 --");
  ASSERT_TRUE(handle);
  EXPECT_EQ(handle->advertiser_id, "sputnik");
  EXPECT_FALSE(store.find_handle("facebook", "@RT_com"));
  auto rt_handles = store.handles_of("rt");
  ASSERT_EQ(rt_handles.size(), 1u);
  EXPECT_EQ(rt_handles[0].handle, "@RT_com");
  EXPECT_EQ(rt_handles[0].platform_id, "twitter");

  auto spend = store.spend({});
  ASSERT_EQ(spend.size(), 1u);
  const ledger::SpendEntry& e = spend[0];
  EXPECT_EQ(e.entry_id, p.spend_out.entry_id);
  EXPECT_EQ(e.txn_id, p.spend_out.txn_id);
  EXPECT_EQ(e.advertiser_id, "rt");
  EXPECT_EQ(e.platform_id, "twitter");
  EXPECT_EQ(e.handle, std::optional<std::string>("@RT_com"));
  EXPECT_EQ(e.amount, usd(27410000));
  EXPECT_EQ(e.period, period("2016"));
  EXPECT_EQ(e.items, std::optional<std::int64_t>(1823));
  EXPECT_EQ(e.market, "worldwide");
  EXPECT_EQ(e.tags, (std::vector<std::string>{"election", "zeta", "Кампания"}));
  EXPECT_EQ(e.precision, ledger::Precision::Approximate);
  EXPECT_EQ(e.source, "https://blog.twitter.com/?q=a'b;c");
  EXPECT_EQ(e.external_id, std::optional<std::string>("tw-2016"));
  EXPECT_EQ(e.note, std::optional<std::string>(kInjection + " / " + kCyrillic + "\ttab"));
  auto by_id = store.find_spend_by_external_id("tw-2016");
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->entry_id, e.entry_id);
  EXPECT_EQ(by_id->tags, e.tags);
  EXPECT_FALSE(store.find_spend_by_external_id("tw-2016' OR '1'='1"));

  auto ban = store.find_policy_action(p.ban_out.id);
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->id, "twitter-ad-ban-2017-10-26");
  EXPECT_EQ(ban->kind, ledger::PolicyKind::AdBan);
  EXPECT_EQ(ban->platform_id, "twitter");
  EXPECT_EQ(ban->advertiser_ids, (std::vector<std::string>{"rt", "sputnik"}));
  EXPECT_EQ(ban->date, date("2017-10-26"));
  EXPECT_EQ(ban->end_date, std::optional<ledger::Date>(date("2019-01-01")));
  EXPECT_FALSE(ban->lifts_action_id);
  EXPECT_FALSE(ban->account_count);
  EXPECT_EQ(ban->description, "reason: " + kInjection);
  EXPECT_EQ(ban->note, std::optional<std::string>(kFrench));
  EXPECT_EQ(store.policy_actions("twitter").size(), 1u);
  EXPECT_TRUE(store.policy_actions("facebook").empty());
  EXPECT_EQ(store.policy_actions(std::nullopt).size(), 1u);

  auto pledge = store.find_pledge(p.pledge_out.id);
  ASSERT_TRUE(pledge);
  EXPECT_EQ(pledge->id, "twitter-pledge-2017-10-26");
  EXPECT_EQ(pledge->amount, usd(190000000));
  EXPECT_EQ(pledge->beneficiary, "research on \"civic engagement\"; " + kCyrillic);
  EXPECT_EQ(pledge->basis_advertiser_id, std::optional<std::string>("rt"));
  EXPECT_EQ(pledge->basis_period, std::optional<ledger::Period>(period("2011..2017")));
  EXPECT_EQ(pledge->txn_id, p.pledge_out.txn_id);

  auto ds = store.disbursements_of(p.pledge_out.id);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].id, p.disbursement_out.id);
  EXPECT_EQ(ds[0].amount, usd(50000000));
  EXPECT_EQ(ds[0].date, date("2018-01-15"));
  EXPECT_EQ(ds[0].source, "https://example.org/grant'1");
  EXPECT_TRUE(store.disbursement_exists(p.disbursement_out.id));
  EXPECT_FALSE(store.disbursement_exists("nope"));

  auto journal = store.journal();
  ASSERT_EQ(journal.size(), 3u);
  for (const ledger::JournalTxn& t : journal) EXPECT_NO_THROW(ledger::check_balanced(t));
  EXPECT_EQ(journal[0].kind, ledger::TxnKind::Spend);
  EXPECT_EQ(journal[0].date, date("2016-01-01"));
  ASSERT_EQ(journal[0].postings.size(), 2u);
  EXPECT_EQ(journal[0].postings[0].account, "expenses:ads:rt:twitter");
  EXPECT_EQ(journal[0].postings[0].amount, usd(27410000));
  EXPECT_EQ(journal[0].postings[1].account, "income:ads:twitter:rt");
  EXPECT_EQ(journal[0].postings[1].amount, usd(-27410000));
  EXPECT_EQ(journal[1].kind, ledger::TxnKind::Pledge);
  EXPECT_EQ(journal[2].kind, ledger::TxnKind::Disbursement);
}

TEST(SqliteStoreRoundTrip, EveryRecordReadsBackExactly) {
  Populated p;
  expect_populated_contents(*p.store, p);
}

TEST(SqliteStoreRoundTrip, SurvivesReopening) {
  Populated p;
  p.store.reset();
  auto reopened = open_sqlite_store(p.path, OpenMode::OpenExisting);
  expect_populated_contents(*reopened, p);
}

TEST(SqliteStoreRoundTrip, TrialBalance) {
  Populated p;
  auto rows = p.store->trial_balance();
  std::map<std::string, std::int64_t> by_account;
  std::int64_t sum = 0;
  for (const ledger::BalanceRow& r : rows) {
    EXPECT_EQ(r.currency, "USD");
    by_account[r.account] = r.balance_minor;
    sum += r.balance_minor;
  }
  EXPECT_EQ(sum, 0);
  EXPECT_EQ(by_account["expenses:ads:rt:twitter"], 27410000);
  EXPECT_EQ(by_account["income:ads:twitter:rt"], -27410000);
  EXPECT_EQ(by_account["expenses:pledges:twitter"], 190000000);
  EXPECT_EQ(by_account["liabilities:pledges:twitter:twitter-pledge-2017-10-26"], -140000000);
  EXPECT_EQ(by_account["assets:cash:twitter"], -50000000);
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.account < b.account; }));
}

TEST(SqliteStoreRoundTrip, SpendQueryFilters) {
  Populated p;
  ledger::SpendQuery q;
  q.advertiser_id = "rt";
  EXPECT_EQ(p.store->spend(q).size(), 1u);
  q.advertiser_id = "sputnik";
  EXPECT_TRUE(p.store->spend(q).empty());
  q.advertiser_id = std::nullopt;
  q.platform_id = "facebook";
  EXPECT_TRUE(p.store->spend(q).empty());
  q.platform_id = std::nullopt;
  q.overlapping = period("2016-12-31..2017-06-30");
  EXPECT_EQ(p.store->spend(q).size(), 1u);
  q.overlapping = period("2017");
  EXPECT_TRUE(p.store->spend(q).empty());
  q.overlapping = period("2015-06..2016-01-01");
  EXPECT_EQ(p.store->spend(q).size(), 1u);
  q.overlapping = period("2015");
  EXPECT_TRUE(p.store->spend(q).empty());
}

TEST(SqliteStoreRoundTrip, StoreRefusesDuplicateKeys) {
  TempLedger t;
  ledger::WriteTransaction txn(*t.store);
  t.store->add_platform({"twitter", "Twitter"});
  EXPECT_ERROR(ErrorKind::Rule, "duplicate", t.store->add_platform({"twitter", "Twitter again"}));
}

TEST(SqliteStoreTransactions, DestroyedWithoutCommitLeavesNothing) {
  TempLedger t;
  {
    ledger::WriteTransaction txn(*t.store);
    EXPECT_TRUE(t.store->in_write());
    t.ledger.add_platform({"twitter", "Twitter"});
    t.ledger.add_advertiser({"rt", "RT", std::nullopt, false});
    ledger::SpendEntry e;
    e.advertiser_id = "rt";
    e.platform_id = "twitter";
    e.amount = usd(100);
    e.period = period("2016");
    e.market = "US";
    e.source = "s";
    t.ledger.record_spend(e);
    EXPECT_EQ(t.store->spend({}).size(), 1u);  // visible inside the transaction
  }
  EXPECT_FALSE(t.store->in_write());
  EXPECT_TRUE(t.store->platforms().empty());
  EXPECT_TRUE(t.store->advertisers().empty());
  EXPECT_TRUE(t.store->spend({}).empty());
  EXPECT_TRUE(t.store->journal().empty());
  EXPECT_TRUE(t.store->trial_balance().empty());
  // And nothing on disk either.
  t.store.reset();
  auto reopened = open_sqlite_store(t.path, OpenMode::OpenExisting);
  EXPECT_TRUE(reopened->platforms().empty());
}

TEST(SqliteStoreTransactions, ExceptionMidTransactionLeavesLedgerUnchanged) {
  Populated p;
  auto balance_before = p.store->trial_balance();
  auto spend_before = p.store->spend({});
  auto journal_before = p.store->journal();
  auto e = adledger_test::error_of([&] {
    ledger::WriteTransaction txn(*p.store);
    p.ledger.add_platform({"vk", "VK"});
    ledger::SpendEntry ok;
    ok.advertiser_id = "sputnik";
    ok.platform_id = "vk";
    ok.amount = usd(12345);
    ok.period = period("2017");
    ok.market = "RU";
    ok.source = "s";
    p.ledger.record_spend(ok);
    ledger::SpendEntry banned = ok;
    banned.platform_id = "twitter";
    banned.period = period("2017-11");
    p.ledger.record_spend(banned);  // refused: the ban covers it
    txn.commit();
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Rule);
  EXPECT_FALSE(p.store->in_write());
  EXPECT_FALSE(p.store->find_platform("vk"));
  auto balance_after = p.store->trial_balance();
  ASSERT_EQ(balance_after.size(), balance_before.size());
  for (std::size_t i = 0; i < balance_after.size(); ++i) {
    EXPECT_EQ(balance_after[i].account, balance_before[i].account);
    EXPECT_EQ(balance_after[i].currency, balance_before[i].currency);
    EXPECT_EQ(balance_after[i].balance_minor, balance_before[i].balance_minor);
  }
  auto spend_after = p.store->spend({});
  ASSERT_EQ(spend_after.size(), spend_before.size());
  EXPECT_EQ(spend_after[0].entry_id, spend_before[0].entry_id);
  EXPECT_EQ(p.store->journal().size(), journal_before.size());

  // The store is usable afterwards, and ids continue cleanly.
  ledger::SpendEntry later;
  later.advertiser_id = "sputnik";
  later.platform_id = "facebook";
  later.amount = usd(1);
  later.period = period("2018");
  later.market = "RU";
  later.source = "s";
  ledger::SpendEntry recorded;
  p.write([&] { recorded = p.ledger.record_spend(later); });
  EXPECT_EQ(p.store->spend({}).size(), 2u);
  EXPECT_GT(recorded.entry_id, spend_before[0].entry_id);
}

TEST(SqliteStoreTransactions, TwoConnectionsSeeCommittedWrites) {
  TempLedger t;
  auto second = open_sqlite_store(t.path, OpenMode::OpenExisting);
  t.write([&] { t.ledger.add_platform({"twitter", "Twitter"}); });
  auto found = second->find_platform("twitter");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "Twitter");
}

}  // namespace

namespace {

// Account totals (schema version 6) are added up in memory during a write
// and written as it commits: reads inside the write see them, a rollback
// drops them, and after the commit they are the postings' sums.
TEST(AccountTotals, ReadInTheWriteWrittenAtCommitDroppedOnRollback) {
  TempLedger t;
  auto spend = [](std::int64_t minor) {
    ledger::SpendEntry e;
    e.advertiser_id = "a";
    e.platform_id = "b";
    e.amount = adledger_test::usd(minor);
    e.period = adledger_test::period("2016");
    e.market = "US";
    e.source = "test";
    return e;
  };
  const std::string expense = ledger::spend_expense_account("a", "b"), income = ledger::spend_income_account("b", "a");
  t.write([&] {
    t.ledger.add_platform({"b", "B"});
    t.ledger.add_advertiser({"a", "A", std::nullopt, false});
    t.ledger.record_spend(spend(100));
    EXPECT_EQ(t.store->account_balance(expense, "USD"), 100);
    t.ledger.record_spend(spend(50));
    EXPECT_EQ(t.store->account_balance(expense, "USD"), 150);
    EXPECT_EQ(t.store->account_balance(income, "USD"), -150);
    EXPECT_EQ(t.store->trial_balance().size(), 2u);  // written before it is read
    t.ledger.record_spend(spend(1));
    EXPECT_EQ(t.store->account_balance(expense, "USD"), 151);
  });
  {
    ledger::WriteTransaction txn(*t.store);
    t.ledger.record_spend(spend(1000));
    EXPECT_EQ(t.store->account_balance(expense, "USD"), 1151);
  }  // rolled back
  EXPECT_EQ(t.store->account_balance(expense, "USD"), 151);
  std::vector<ledger::BalanceRow> kept = t.store->trial_balance(), summed = t.store->posting_totals();
  ASSERT_EQ(kept.size(), 2u);
  ASSERT_EQ(summed.size(), 2u);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].account, summed[i].account);
    EXPECT_EQ(kept[i].balance_minor, summed[i].balance_minor);
  }
  EXPECT_EQ(kept[0].balance_minor, 151);
  // The rolled-back entry is gone, and the next one takes its number.
  t.write([&] { EXPECT_EQ(t.ledger.record_spend(spend(2)).entry_id, 4); });
  EXPECT_EQ(t.store->find_spend(4)->txn_id, 4);
}

}  // namespace

// A bulk load into a ledger without spend entries holds the index of the
// entries by account back and builds it as the write commits: the schema
// after is the schema before, text for text, whether the write commits or
// rolls back; a ledger that holds entries keeps its index throughout.
struct BulkLoad : ::testing::Test, TempLedger {
  ledger::SpendEntry entry(const char* id) {
    ledger::SpendEntry e;
    e.advertiser_id = "rt";
    e.platform_id = "twitter";
    e.amount = usd(100);
    e.period = period("2016");
    e.market = "US";
    e.source = "test";
    if (id) e.external_id = id;
    return e;
  }
  std::string schema() { return sqlite_output(dir, path, kSchemaQuery); }
};

TEST_F(BulkLoad, TheSpendIndexIsBuiltAsTheWriteCommitsOrRestoredByARollback) {
  write([&] {
    ledger.add_platform({"twitter", "Twitter"});
    ledger.add_advertiser({"rt", "RT", std::nullopt, false});
  });
  const std::string before = schema();
  ASSERT_NE(before.find("CREATE INDEX spend_by_account ON spend_entry (debit, first_day)"), std::string::npos);
  {
    ledger::WriteTransaction txn(*store);
    EXPECT_TRUE(store->defer_spend_index());
    EXPECT_FALSE(store->defer_spend_index());  // once a write
    ledger.record_spend(entry("a"));
  }  // rolled back
  EXPECT_EQ(schema(), before);
  EXPECT_FALSE(store->has_spend());

  write([&] {
    EXPECT_TRUE(store->defer_spend_index());
    ledger.record_spend(entry("a"));
    ledger.record_spend(entry(nullptr));
    ledger.record_spend(entry(nullptr));  // the same content in one write: two entries
  });
  EXPECT_EQ(schema(), before);
  EXPECT_EQ(store->spend({}).size(), 3u);

  write([&] {
    EXPECT_FALSE(store->defer_spend_index());  // the ledger holds entries
    ledger.record_spend(entry(nullptr));       // recorded before this write: the same entry
    EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Unchanged);
  });
  EXPECT_EQ(store->spend({}).size(), 3u);
  EXPECT_EQ(schema(), before);
}

// A restartable write undone part way leaves nothing of what it wrote, a
// deferred index included, keeps the write lock, and goes on to commit what
// follows as if it had begun then.
TEST_F(BulkLoad, ARestartUndoesTheWriteAndKeepsTheLock) {
  write([&] {
    ledger.add_platform({"twitter", "Twitter"});
    ledger.add_advertiser({"rt", "RT", std::nullopt, false});
  });
  const std::string before = schema();
  auto other = open_sqlite_store(path, OpenMode::OpenExisting, ledger::StoreOptions{200});
  ledger::SpendEntry kept;
  {
    ledger::WriteTransaction txn(*store, ledger::WriteTransaction::Restartable{});
    EXPECT_TRUE(store->defer_spend_index());
    ledger.add_platform({"meta", "Meta"});
    ledger.record_spend(entry("a"));
    store->restart_write();
    EXPECT_FALSE(store->find_platform("meta"));
    EXPECT_FALSE(store->has_spend());
    EXPECT_EQ(store->tree_head().size, 2);
    EXPECT_ERROR(ErrorKind::Storage, "busy", other->begin_write());
    kept = ledger.record_spend(entry("b"));
    store->restart_write();  // again: the savepoint stays
    kept = ledger.record_spend(entry("b"));
    txn.commit();
  }
  EXPECT_EQ(kept.entry_id, 1);  // the id of what was undone is handed out again
  EXPECT_EQ(schema(), before);  // the index the undone part dropped is back
  EXPECT_EQ(store->spend({}).size(), 1u);
  EXPECT_FALSE(store->find_platform("meta"));
  EXPECT_TRUE(ledger::verify_ledger(*store, {}).ok());
  other->begin_write();  // the lock went with the commit
  other->rollback();
}

// A Ledger kept from one write to the next (as the server keeps one) goes
// on with what it read only while no other connection committed: a ban
// another writer committed meanwhile refuses the next spend, and a ban its
// own write recorded and then rolled back refuses nothing.
TEST_F(BulkLoad, WhatALedgerReadOutlivesAWriteOnlyWhileNothingElseIsCommitted) {
  auto ban = [](const char* id, const char* advertiser) {
    ledger::PolicyAction b;
    b.id = id;
    b.kind = ledger::PolicyKind::AdBan;
    b.platform_id = "twitter";
    b.advertiser_ids = {advertiser};
    b.date = date("2017-10-26");
    b.description = "banned";
    b.source = "https://example.org/ban";
    return b;
  };
  write([&] {
    ledger.add_platform({"twitter", "Twitter"});
    ledger.add_advertiser({"rt", "RT", std::nullopt, false});
    ledger.add_advertiser({"sputnik", "Sputnik", std::nullopt, false});
    ledger.record_spend(entry("2016"));
  });
  const std::uint64_t after_commit = store->cache_generation();
  write([&] {
    EXPECT_EQ(store->cache_generation(), after_commit);  // nothing between: the caches stay
    ledger::SpendEntry e = entry("2017-01");
    e.period = period("2017-01");
    ledger.record_spend(e);
  });
  EXPECT_EQ(store->cache_generation(), after_commit);

  // Another connection bans RT on Twitter from 2017-10-26.
  {
    auto other_store = open_sqlite_store(path, OpenMode::OpenExisting);
    ledger::Ledger other(*other_store);
    ledger::WriteTransaction txn(*other_store);
    other.record_policy_action(ban("rt-ban", "rt"));
    txn.commit();
  }
  {
    ledger::WriteTransaction txn(*store);
    EXPECT_NE(store->cache_generation(), after_commit);
    ledger::SpendEntry e = entry("2018");
    e.period = period("2018");
    EXPECT_ERROR(ErrorKind::Rule, "is banned on twitter from 2017-10-26", ledger.record_spend(e));
  }

  // This store's own ban, rolled back, bans nothing at the next write.
  ledger::SpendEntry sputnik = entry("sputnik-2018");
  sputnik.advertiser_id = "sputnik";
  sputnik.period = period("2018");
  {
    ledger::WriteTransaction txn(*store);
    ledger.record_policy_action(ban("sputnik-ban", "sputnik"));
    EXPECT_ERROR(ErrorKind::Rule, "is banned on twitter", ledger.record_spend(sputnik));
  }  // rolled back
  write([&] { ledger.record_spend(sputnik); });
  EXPECT_EQ(ledger.last_outcome(), ledger::Outcome::Recorded);
  EXPECT_TRUE(ledger::verify_ledger(*store, {}).ok());
}
