// The record log and verify (ledger/audit/): the hash chain on known
// vectors, that every write logs exactly one record and a refused or repeated
// write logs none, the append-only triggers, verify on a clean ledger and on
// ledgers edited behind adledger's back, published heads, the version 3
// migration's backfill, and spend reversal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ledger/audit/chain.hpp"
#include "ledger/audit/merkle.hpp"
#include "ledger/audit/proof.hpp"
#include "ledger/journal/postings.hpp"
#include "ledger/audit/verify.hpp"
#include "ledger/journal/journal.hpp"
#include "ledger/ledger.hpp"
#include "ledger/storage/sqlite/sqlite_store.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::date;
using adledger_test::period;
using adledger_test::TempDir;
using adledger_test::usd;
using ledger::ErrorKind;
using ledger::Hash;
using ledger::LogRecord;
using ledger::OpenMode;
using ledger::open_sqlite_store;
using ledger::Outcome;
using ledger::VerifyCheck;
using ledger::VerifyOptions;
using ledger::VerifyResult;

constexpr const char* kNow = "2026-11-22T10:00:00.000Z";

// ---------------------------------------------------------------------------
// Helpers

// Quotes `s` for /bin/sh: inside single quotes nothing is special but the
// single quote itself.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct ShellResult {
  int status = 0;      // std::system's: 0 only for a zero exit
  std::string output;  // stdout and stderr
};

// Runs the sqlite3 shell on `path` with each of `args` as one argument (SQL
// or a dot-command), behind adledger's back.
ShellResult run_sqlite(const TempDir& dir, const std::string& path, const std::vector<std::string>& args) {
  std::string out = dir.file("sqlite3-output.txt");
  std::string command = "/usr/bin/sqlite3 -bail " + shell_quote(path);
  for (const std::string& a : args) command += " " + shell_quote(a);
  command += " > " + shell_quote(out) + " 2>&1";
  ShellResult r;
  r.status = std::system(command.c_str());
  r.output = read_bytes(out);
  return r;
}

void sqlite_ok(const TempDir& dir, const std::string& path, const std::string& sql) {
  ShellResult r = run_sqlite(dir, path, {sql});
  ASSERT_EQ(r.status, 0) << sql << "\n" << r.output;
}

std::vector<LogRecord> whole_log(ledger::Store& store) {
  std::vector<LogRecord> out;
  store.each_log([&](const LogRecord& r) { out.push_back(r); });
  return out;
}

std::optional<VerifyCheck> check_named(const VerifyResult& r, const std::string& name) {
  for (const VerifyCheck& c : r.checks)
    if (c.name == name) return c;
  return std::nullopt;
}

std::string describe(const VerifyResult& r) {
  std::string out;
  for (const VerifyCheck& c : r.checks) {
    out += (c.ok ? "ok     " : "FAILED ") + c.name + ": " + c.summary + "\n";
    for (std::size_t i = 1; i < c.problems.size(); ++i) out += "         also: " + c.problems[i] + "\n";
  }
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The canonical content of the record (kind, ref) as the tables hold it now,
// read back through the store: what the log must hold for it.
std::optional<std::string> content_from_tables(ledger::Store& store, const std::string& kind,
                                               const std::string& ref) {
  using ledger::canonical;
  using ledger::content_of;
  if (kind == "platform") {
    if (auto p = store.find_platform(ref)) return canonical(content_of(*p));
  } else if (kind == "advertiser") {
    if (auto a = store.find_advertiser(ref)) return canonical(content_of(*a));
  } else if (kind == "handle") {
    std::size_t slash = ref.find('/');  // platform ids hold no '/', handles may
    if (slash == std::string::npos) return std::nullopt;
    if (auto h = store.find_handle(ref.substr(0, slash), ref.substr(slash + 1))) return canonical(content_of(*h));
  } else if (kind == "spend") {
    if (auto e = store.find_spend(std::stoll(ref)))
      if (auto t = store.find_txn(e->txn_id)) return canonical(content_of(*e, *t));
  } else if (kind == "spend_reversal") {
    if (auto e = store.find_spend(std::stoll(ref)); e && e->reversal)
      if (auto t = store.find_txn(e->reversal->txn_id)) return canonical(content_of(*e->reversal, *t));
  } else if (kind == "policy_action") {
    if (auto a = store.find_policy_action(ref)) return canonical(content_of(*a));
  } else if (kind == "pledge") {
    if (auto p = store.find_pledge(ref))
      if (auto t = store.find_txn(p->txn_id)) return canonical(content_of(*p, *t));
  } else if (kind == "disbursement") {
    for (const ledger::Pledge& p : store.pledges())
      for (const ledger::Disbursement& d : store.disbursements_of(p.id))
        if (d.id == ref)
          if (auto t = store.find_txn(d.txn_id)) return canonical(content_of(d, *t));
  } else if (kind == "disclosed_total") {
    if (auto d = store.find_disclosed_total(ref)) return canonical(content_of(*d));
  }
  return std::nullopt;
}

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

// A ledger on disk whose clock is pinned, so that every record's time is
// known.
struct PinnedLedger {
  TempDir dir;
  std::string path = dir.file("ledger.db");
  std::unique_ptr<ledger::Store> store = open_sqlite_store(path, OpenMode::CreateNew);
  std::unique_ptr<ledger::Ledger> ledger = make_ledger();

  std::unique_ptr<ledger::Ledger> make_ledger() {
    return std::make_unique<ledger::Ledger>(*store, [] { return std::string(kNow); });
  }

  // Runs `f` in one committed write transaction.
  template <typename F>
  void write(F&& f) {
    ledger::WriteTransaction txn(*store);
    std::forward<F>(f)();
    txn.commit();
  }

  // Closes the file, for the sqlite3 shell; reopen() opens it again.
  void close() {
    ledger.reset();
    store.reset();
  }
  void reopen() {
    store = open_sqlite_store(path, OpenMode::OpenExisting);
    ledger = make_ledger();
  }

  VerifyResult verify(VerifyOptions options = {}) { return ledger::verify_ledger(*store, options); }
};

// One of everything, recorded in one transaction:
//   1 platform twitter          7 policy_action (the lift)
//   2 advertiser rt             8 pledge
//   3 handle twitter/@RT_com    9 disbursement
//   4 spend 1                  10 disclosed_total
//   5 spend 2                  11 spend_reversal 2
//   6 policy_action (the ban)
// The *_in members are what was given, the others what was recorded.
struct Everything : PinnedLedger {
  ledger::SpendEntry spend1_in, spend1, spend2;
  ledger::PolicyAction ban_in, ban, lift_in, lift;
  ledger::Pledge pledge_in, pledge;
  ledger::Disbursement disbursement_in, disbursement;
  ledger::DisclosedTotal disclosed_in, disclosed;
  ledger::SpendReversal reversal;
  // Recorded by mistake and withdrawn: a pledge after its payment, and a
  // disclosed total.
  ledger::Pledge mistaken_pledge;
  ledger::Disbursement mistaken_payment;
  ledger::DisclosedTotal mistaken_total;
  const std::string reversal_reason = "duplicate of the 2016 report";
  const std::string reversal_source = "https://example.org/correction";

  // `withdrawals`: also record the mistaken records and withdraw them (a
  // ledger for a migration from before version 12 holds none).
  explicit Everything(bool withdrawals = false) {
    spend1_in = spend_of("rt", "twitter", "2016", 27410000);
    spend1_in.handle = "@RT_com";
    spend1_in.items = 1823;
    spend1_in.tags = {"zeta", "election"};
    spend1_in.precision = ledger::Precision::Approximate;
    spend1_in.external_id = "tw-2016";
    spend1_in.note = "Спутник";

    ban_in.kind = ledger::PolicyKind::AdBan;
    ban_in.platform_id = "twitter";
    ban_in.advertiser_ids = {"rt"};
    ban_in.date = date("2017-10-26");
    ban_in.description = "state-backed media";
    ban_in.source = "https://example.org/ban";

    pledge_in.platform_id = "twitter";
    pledge_in.amount = usd(190000000);
    pledge_in.date = date("2017-10-26");
    pledge_in.beneficiary = "academic research";
    pledge_in.basis_advertiser_id = "rt";
    pledge_in.basis_period = period("2011..2017");
    pledge_in.source = "https://example.org/pledge";

    disclosed_in.platform_id = "twitter";
    disclosed_in.advertiser_id = "rt";
    disclosed_in.amount = usd(190000000);
    disclosed_in.period = period("2011..2017");
    disclosed_in.date = date("2018-01-19");
    disclosed_in.precision = ledger::Precision::Approximate;
    disclosed_in.source = "https://example.org/disclosed";

    write([&] {
      ledger->add_platform({"twitter", "Twitter"});
      ledger->add_advertiser({"rt", "RT", std::string("RU"), true});
      ledger->link_handle({"rt", "twitter", "@RT_com"});
      spend1 = ledger->record_spend(spend1_in);
      spend2 = ledger->record_spend(spend_of("rt", "twitter", "2017-01", 500));
      ban = ledger->record_policy_action(ban_in);
      // A lift as a user often gives it: naming the ban, not the advertisers.
      lift_in.kind = ledger::PolicyKind::BanLift;
      lift_in.platform_id = "twitter";
      lift_in.date = date("2018-01-01");
      lift_in.lifts_action_id = ban.id;
      lift_in.description = "lifted";
      lift_in.source = "https://example.org/lift";
      lift = ledger->record_policy_action(lift_in);
      pledge = ledger->record_pledge(pledge_in);
      disbursement_in = ledger::Disbursement{"", pledge.id, usd(50000000), date("2018-01-15"),
                                             "https://example.org/grant", {}, 0, std::nullopt};
      disbursement = ledger->disburse(disbursement_in);
      disclosed = ledger->record_disclosed_total(disclosed_in);
      reversal = ledger->reverse_spend(spend2.entry_id, reversal_reason, reversal_source);
      if (!withdrawals) return;
      ledger::Pledge mistyped = pledge_in;
      mistyped.id = "twitter-pledge-mistyped";
      mistyped.amount = usd(19000000);
      mistaken_pledge = ledger->record_pledge(mistyped);
      mistaken_payment = ledger->disburse(ledger::Disbursement{"", mistaken_pledge.id, usd(100), date("2018-02-01"),
                                                               "https://example.org/grant-2", {}, 0, std::nullopt});
      ledger::DisclosedTotal other = disclosed_in;
      other.advertiser_id = "rt";
      other.date = date("2018-01-20");
      mistaken_total = ledger->record_disclosed_total(other);
      ledger->withdraw(ledger::Withdrawable::Disbursement, mistaken_payment.id, "paid on another pledge",
                       "https://example.org/fix-1");
      ledger->withdraw(ledger::Withdrawable::Pledge, mistaken_pledge.id, "amount mistyped", "https://example.org/fix-2");
      ledger->withdraw(ledger::Withdrawable::DisclosedTotal, mistaken_total.id, "date mistyped",
                       "https://example.org/fix-3");
    });
  }
};

// ---------------------------------------------------------------------------
// The chain on known vectors

// line(1), byte for byte (ASCII, 128 bytes):
//   {"content":{"id":"twitter","name":"Twitter"},"kind":"platform","recorded_at":"2026-11-22T10:00:00.000Z","ref":"twitter","seq":1}
// line(2):
//   {"content":{"country":"RU","id":"rt","name":"RT","state_affiliated":true},"kind":"advertiser","recorded_at":"2026-11-22T10:00:01.000Z","ref":"rt","seq":2}
// The hashes were computed independently of adledger, with Python's hashlib:
//   /usr/bin/python3 -c 'import hashlib; l1=b"<line 1>"; l2=b"<line 2>";
//     h1=hashlib.sha256(bytes(32)+l1).digest(); print(h1.hex()); print(hashlib.sha256(h1+l2).hexdigest())'
// (bytes(32) is hash(0), 32 zero bytes.)
constexpr const char* kLine1 =
    R"({"content":{"id":"twitter","name":"Twitter"},"kind":"platform","recorded_at":"2026-11-22T10:00:00.000Z","ref":"twitter","seq":1})";
constexpr const char* kHash1 = "7d8d50cb14de702358d58647dd22cbdc17716bf076d718b068141877888417a4";
constexpr const char* kLine2 =
    R"({"content":{"country":"RU","id":"rt","name":"RT","state_affiliated":true},"kind":"advertiser","recorded_at":"2026-11-22T10:00:01.000Z","ref":"rt","seq":2})";
constexpr const char* kHash2 = "bd1a134f95d24e287c7a1fc8820511ec814422fa2820cd745d9d6c659e292365";

TEST(ChainHash, KnownVectorForTheFirstRecord) {
  std::string content = ledger::canonical(ledger::content_of(ledger::Platform{"twitter", "Twitter"}));
  EXPECT_EQ(content, R"({"id":"twitter","name":"Twitter"})");
  std::string line = ledger::chain_line(1, "platform", "twitter", "2026-11-22T10:00:00.000Z", content);
  EXPECT_EQ(line, kLine1);
  EXPECT_EQ(line.size(), 128u);
  Hash zero{};
  for (std::uint8_t b : zero) EXPECT_EQ(b, 0);
  EXPECT_EQ(ledger::to_hex(ledger::chain_hash(zero, line)), kHash1);
}

TEST(ChainHash, KnownVectorForASecondRecordChainedToTheFirst) {
  std::string content =
      ledger::canonical(ledger::content_of(ledger::Advertiser{"rt", "RT", std::string("RU"), true}));
  EXPECT_EQ(content, R"({"country":"RU","id":"rt","name":"RT","state_affiliated":true})");
  std::string line = ledger::chain_line(2, "advertiser", "rt", "2026-11-22T10:00:01.000Z", content);
  EXPECT_EQ(line, kLine2);
  Hash h1 = ledger::chain_hash(Hash{}, kLine1);
  EXPECT_EQ(ledger::to_hex(ledger::chain_hash(h1, line)), kHash2);
  // The chain is order-dependent: the same line after hash(0) is another hash.
  EXPECT_NE(ledger::to_hex(ledger::chain_hash(Hash{}, line)), kHash2);
}

// UTF-8 goes into the line as is, not \u-escaped:
//   {"content":{"country":null,"id":"sputnik","name":"Спутник","state_affiliated":false},"kind":"advertiser","recorded_at":"2026-11-22T10:00:00.000Z","ref":"sputnik","seq":1}
// (177 bytes; "Спутник" is 14 of them). Hash from
//   /usr/bin/python3 -c 'import hashlib; l="<line>".encode("utf-8"); print(hashlib.sha256(bytes(32)+l).hexdigest())'
TEST(ChainHash, KnownVectorWithUtf8Content) {
  std::string content =
      ledger::canonical(ledger::content_of(ledger::Advertiser{"sputnik", "Спутник", std::nullopt, false}));
  EXPECT_EQ(content, R"({"country":null,"id":"sputnik","name":"Спутник","state_affiliated":false})");
  std::string line = ledger::chain_line(1, "advertiser", "sputnik", kNow, content);
  EXPECT_EQ(line.size(), 177u);
  EXPECT_EQ(ledger::to_hex(ledger::chain_hash(Hash{}, line)),
            "cc838f13cfe5c9c98b0417a3da68df302ae9283daec56188164c5de3afc986e0");
}

TEST(ChainHash, HexRoundTrip) {
  Hash h = ledger::parse_hash(kHash1);
  EXPECT_EQ(ledger::to_hex(h), kHash1);
  EXPECT_EQ(h[0], 0x7d);
  EXPECT_EQ(h[31], 0xa4);
  Hash every{};
  for (std::size_t i = 0; i < every.size(); ++i) every[i] = static_cast<std::uint8_t>(i * 8 + 7);
  EXPECT_EQ(ledger::parse_hash(ledger::to_hex(every)), every);
  Hash ones{};
  ones.fill(0xff);
  EXPECT_EQ(ledger::to_hex(ones), std::string(64, 'f'));
  EXPECT_EQ(ledger::parse_hash(std::string(64, 'f')), ones);
  EXPECT_EQ(ledger::to_hex(Hash{}), std::string(64, '0'));
  // Capitals are read too; to_hex always writes lowercase.
  EXPECT_EQ(ledger::parse_hash("7D8D50CB14DE702358D58647DD22CBDC17716BF076D718B068141877888417A4"), h);
}

TEST(ChainHash, ParseHashRefusesAnythingButSixtyFourHexDigits) {
  std::string good = kHash1;
  for (const std::string& bad : {good.substr(0, 63), good + "0", std::string(), good.substr(0, 62) + "0g",
                                  "x" + good.substr(1), good.substr(0, 31) + " " + good.substr(32),
                                  "0x" + good.substr(0, 62), good.substr(0, 63) + "-"}) {
    SCOPED_TRACE(bad);
    auto e = adledger_test::error_of([&] { ledger::parse_hash(bad); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind(), ErrorKind::Input);
    EXPECT_TRUE(std::string(e->what()).starts_with("head \"")) << e->what();
    EXPECT_TRUE(contains(e->what(), "64 hexadecimal digits")) << e->what();
    // The field given is the one named.
    auto named = adledger_test::error_of([&] { ledger::parse_hash(bad, "--head"); });
    ASSERT_TRUE(named);
    EXPECT_EQ(named->kind(), ErrorKind::Input);
    EXPECT_TRUE(std::string(named->what()).starts_with("--head \"")) << named->what();
  }
}

TEST(ChainTimestamp, AcceptsUtcWithMilliseconds) {
  for (const char* ok : {"2026-11-22T10:00:00.000Z", "2026-11-22T23:59:59.999Z", "2026-11-22T00:00:00.000Z",
                         "2024-02-29T12:30:45.123Z"}) {
    SCOPED_TRACE(ok);
    EXPECT_NO_THROW(ledger::check_timestamp(ok, "ADLEDGER_NOW"));
  }
  EXPECT_NO_THROW(ledger::check_timestamp(ledger::utc_now(), "now"));
  EXPECT_EQ(ledger::utc_now().size(), 24u);
}

TEST(ChainTimestamp, RefusesEverythingElseNamingTheField) {
  for (const char* bad : {
           "2026-11-22T24:00:00.000Z",   // hour 24
           "2026-11-22T10:60:00.000Z",   // minute 60
           "2026-11-22T10:00:60.000Z",   // second 60
           "2026-11-22T10:00:00.000",    // no Z
           "2026-11-22T10:00:00Z",       // no milliseconds
           "2026-11-22T10:00:00.00Z",    // two digits of milliseconds
           "2026-11-22T10:00:00.0000Z",  // four
           "2017-02-30T10:00:00.000Z",   // no such day
           "2026-13-01T10:00:00.000Z",   // no such month
           "2026-11-22 10:00:00.000Z",   // space for T
           "2026-11-22T10:00:00,000Z",   // comma for the point
           "2026-11-22T1a:00:00.000Z",   // not a digit
           "2026-11-22T10:00:00.00aZ",   // not a digit
           "2026-11-22T10:00:00.000+",   // an offset, not Z
           "",
       }) {
    SCOPED_TRACE(bad);
    auto e = adledger_test::error_of([&] { ledger::check_timestamp(bad, "ADLEDGER_NOW"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind(), ErrorKind::Input);
    EXPECT_TRUE(std::string(e->what()).starts_with("ADLEDGER_NOW \"")) << e->what();
  }
}

// ---------------------------------------------------------------------------
// Every write logs once

// The write just made appended exactly one record after `before`: of this
// kind and ref, at the pinned time, holding what the tables hold, chained.
void expect_appended(PinnedLedger& t, const std::optional<LogRecord>& before, const std::string& kind,
                     const std::string& ref) {
  SCOPED_TRACE(kind + " " + ref);
  std::int64_t before_seq = before ? before->seq : 0;
  std::optional<LogRecord> head = t.store->log_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, before_seq + 1);
  EXPECT_EQ(head->kind, kind);
  EXPECT_EQ(head->ref, ref);
  EXPECT_EQ(head->recorded_at, kNow);
  EXPECT_EQ(std::optional<std::string>(head->content), content_from_tables(*t.store, kind, ref));
  // Its leaf in the Merkle tree: the hash of its canonical line alone.
  EXPECT_EQ(head->hash, ledger::leaf_hash(ledger::chain_line(head->seq, kind, ref, kNow, head->content)));
  EXPECT_EQ(static_cast<std::int64_t>(whole_log(*t.store).size()), head->seq);
  std::optional<LogRecord> found = t.store->find_log(kind, ref);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->seq, head->seq);
  std::optional<LogRecord> by_seq = t.store->log_record(head->seq);
  ASSERT_TRUE(by_seq);
  EXPECT_EQ(by_seq->hash, head->hash);
  EXPECT_EQ(t.ledger->last_outcome(), Outcome::Recorded);
}

TEST(AuditLog, EveryKindOfWriteAppendsOneRecord) {
  PinnedLedger t;
  std::optional<LogRecord> before = t.store->log_head();
  EXPECT_FALSE(before);
  auto next = [&](const std::string& kind, const std::string& ref) {
    expect_appended(t, before, kind, ref);
    before = t.store->log_head();
  };

  t.write([&] { t.ledger->add_platform({"twitter", "Twitter"}); });
  next("platform", "twitter");
  t.write([&] { t.ledger->add_advertiser({"rt", "RT", std::string("RU"), true}); });
  next("advertiser", "rt");
  t.write([&] { t.ledger->add_advertiser({"sputnik", "Спутник", std::nullopt, false}); });
  next("advertiser", "sputnik");
  t.write([&] { t.ledger->link_handle({"rt", "twitter", "@RT/com"}); });
  next("handle", "twitter/@RT/com");

  ledger::SpendEntry e = spend_of("rt", "twitter", "2016", 27410000);
  e.handle = "@RT/com";
  e.items = 12;
  e.tags = {"b", "a", "b"};
  e.external_id = "tw-2016";
  e.note = "note";
  ledger::SpendEntry recorded;
  t.write([&] { recorded = t.ledger->record_spend(e); });
  next("spend", std::to_string(recorded.entry_id));

  ledger::PolicyAction ban;
  ban.kind = ledger::PolicyKind::AdBan;
  ban.platform_id = "twitter";
  ban.advertiser_ids = {"sputnik", "rt"};
  ban.date = date("2017-10-26");
  ban.end_date = date("2019-01-01");
  ban.description = "state-backed media";
  ban.source = "https://example.org/ban";
  ban.note = "n";
  t.write([&] { ban = t.ledger->record_policy_action(ban); });
  next("policy_action", ban.id);

  ledger::PolicyAction lift;
  lift.kind = ledger::PolicyKind::BanLift;
  lift.platform_id = "twitter";
  lift.advertiser_ids = {"rt"};
  lift.date = date("2018-01-01");
  lift.lifts_action_id = ban.id;
  lift.description = "lifted";
  lift.source = "https://example.org/lift";
  t.write([&] { lift = t.ledger->record_policy_action(lift); });
  next("policy_action", lift.id);

  ledger::PolicyAction suspension;
  suspension.kind = ledger::PolicyKind::Suspension;
  suspension.platform_id = "twitter";
  suspension.date = date("2018-02-01");
  suspension.account_count = 3;
  suspension.description = "accounts suspended";
  suspension.source = "https://example.org/suspension";
  t.write([&] { suspension = t.ledger->record_policy_action(suspension); });
  next("policy_action", suspension.id);

  for (ledger::PolicyKind kind : {ledger::PolicyKind::Disclosure, ledger::PolicyKind::TargetingChange}) {
    ledger::PolicyAction a;
    a.kind = kind;
    a.platform_id = "twitter";
    a.date = date("2018-03-01");
    a.description = "a change";
    a.source = "https://example.org/change";
    t.write([&] { a = t.ledger->record_policy_action(a); });
    next("policy_action", a.id);
  }

  ledger::Pledge p;
  p.platform_id = "twitter";
  p.amount = usd(190000000);
  p.date = date("2017-10-26");
  p.beneficiary = "research";
  p.basis_advertiser_id = "rt";
  p.basis_period = period("2011..2017");
  p.source = "https://example.org/pledge";
  t.write([&] { p = t.ledger->record_pledge(p); });
  next("pledge", p.id);

  ledger::Disbursement d{"", p.id, usd(1000), date("2018-01-15"), "https://example.org/grant", {}, 0, std::nullopt};
  t.write([&] { d = t.ledger->disburse(d); });
  next("disbursement", d.id);

  ledger::DisclosedTotal dt;
  dt.platform_id = "twitter";
  dt.advertiser_id = "rt";
  dt.amount = usd(190000000);
  dt.period = period("2011..2017");
  dt.date = date("2018-01-19");
  dt.source = "https://example.org/disclosed";
  t.write([&] { dt = t.ledger->record_disclosed_total(dt); });
  next("disclosed_total", dt.id);

  t.write([&] { t.ledger->reverse_spend(recorded.entry_id, "wrong amount", "https://example.org/fix"); });
  next("spend_reversal", std::to_string(recorded.entry_id));

  ASSERT_TRUE(before);
  EXPECT_EQ(before->seq, 14);
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
}

TEST(AuditLog, WritesInOneTransactionGetConsecutiveRecords) {
  Everything t;
  std::vector<LogRecord> log = whole_log(*t.store);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"platform", "twitter"},
      {"advertiser", "rt"},
      {"handle", "twitter/@RT_com"},
      {"spend", std::to_string(t.spend1.entry_id)},
      {"spend", std::to_string(t.spend2.entry_id)},
      {"policy_action", t.ban.id},
      {"policy_action", t.lift.id},
      {"pledge", t.pledge.id},
      {"disbursement", t.disbursement.id},
      {"disclosed_total", t.disclosed.id},
      {"spend_reversal", std::to_string(t.spend2.entry_id)},
  };
  ASSERT_EQ(log.size(), expected.size());
  ledger::CompactRange tree;
  for (std::size_t i = 0; i < log.size(); ++i) {
    const LogRecord& r = log[i];
    SCOPED_TRACE(r.kind + " " + r.ref);
    EXPECT_EQ(r.seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(r.kind, expected[i].first);
    EXPECT_EQ(r.ref, expected[i].second);
    EXPECT_EQ(r.recorded_at, kNow);
    EXPECT_EQ(std::optional<std::string>(r.content), content_from_tables(*t.store, r.kind, r.ref));
    EXPECT_EQ(r.hash, ledger::leaf_hash(ledger::chain_line(r.seq, r.kind, r.ref, r.recorded_at, r.content)));
    tree.append(r.hash);
  }
  // The head the ledger keeps is the root of the tree of those leaves.
  ledger::TreeHead head = t.store->tree_head();
  EXPECT_EQ(head.size, 11);
  EXPECT_EQ(head.root, tree.root());
}

// Runs `f`, which must be refused with an error of `kind` naming `needle`, in
// a write transaction that is then rolled back, as the CLI does; the log
// head must not move, neither inside the transaction nor after it.
template <typename F>
void expect_refused_without_record(PinnedLedger& t, ErrorKind kind, const std::string& needle, F&& f) {
  SCOPED_TRACE(needle);
  std::optional<LogRecord> before = t.store->log_head();
  ASSERT_TRUE(before);
  {
    ledger::WriteTransaction txn(*t.store);
    EXPECT_ERROR(kind, needle, f());
    std::optional<LogRecord> inside = t.store->log_head();
    ASSERT_TRUE(inside);
    EXPECT_EQ(inside->seq, before->seq);
    EXPECT_EQ(inside->hash, before->hash);
  }
  std::optional<LogRecord> after = t.store->log_head();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->seq, before->seq);
  EXPECT_EQ(after->hash, before->hash);
}

TEST(AuditLog, RefusedWritesAppendNothing) {
  Everything t;
  ledger::Ledger& l = *t.ledger;
  // The ban runs from 2017-10-26 to the lift on 2018-01-01.
  expect_refused_without_record(t, ErrorKind::Rule, "spend refused",
                                [&] { return l.record_spend(spend_of("rt", "twitter", "2017-11", 100)); });
  expect_refused_without_record(t, ErrorKind::Input, "amount",
                                [&] { return l.record_spend(spend_of("rt", "twitter", "2016", 0)); });
  expect_refused_without_record(t, ErrorKind::Rule, "no such advertiser",
                                [&] { return l.record_spend(spend_of("nobody", "twitter", "2016", 1)); });
  expect_refused_without_record(t, ErrorKind::Input, "platform", [&] { l.add_platform({"Not A Slug", "x"}); });
  expect_refused_without_record(t, ErrorKind::Rule, "already recorded with a different name",
                                [&] { l.add_platform({"twitter", "Twitter, Inc."}); });
  expect_refused_without_record(t, ErrorKind::Rule, "no such advertiser",
                                [&] { l.link_handle({"nobody", "twitter", "@x"}); });
  t.write([&] { l.add_advertiser({"sputnik", "Sputnik", std::nullopt, false}); });
  expect_refused_without_record(t, ErrorKind::Rule, "already linked",
                                [&] { l.link_handle({"sputnik", "twitter", "@RT_com"}); });
  expect_refused_without_record(t, ErrorKind::Rule, "exceeds what is outstanding", [&] {
    return l.disburse({"", t.pledge.id, usd(140000001), date("2018-02-01"), "https://example.org/x", {}, 0, std::nullopt});
  });
  expect_refused_without_record(t, ErrorKind::Rule, "no such pledge", [&] {
    return l.disburse({"", "nope", usd(1), date("2018-02-01"), "https://example.org/x", {}, 0, std::nullopt});
  });
  ledger::DisclosedTotal early = t.disclosed_in;
  early.date = date("2010-12-31");
  expect_refused_without_record(t, ErrorKind::Input, "date", [&] { return l.record_disclosed_total(early); });
  ledger::Pledge nowhere = t.pledge_in;
  nowhere.platform_id = "myspace";
  expect_refused_without_record(t, ErrorKind::Rule, "no such platform", [&] { return l.record_pledge(nowhere); });
  ledger::PolicyAction early_lift = t.lift_in;
  early_lift.date = date("2017-10-01");
  expect_refused_without_record(t, ErrorKind::Input, "cannot precede",
                                [&] { return l.record_policy_action(early_lift); });
  expect_refused_without_record(t, ErrorKind::Rule, "no such spend entry",
                                [&] { return l.reverse_spend(999, "r", "s"); });
  expect_refused_without_record(t, ErrorKind::Rule, "already reversed",
                                [&] { return l.reverse_spend(t.spend2.entry_id, "another reason", "s"); });
  expect_refused_without_record(t, ErrorKind::Input, "reason",
                                [&] { return l.reverse_spend(t.spend1.entry_id, "", "s"); });

  EXPECT_EQ(whole_log(*t.store).size(), 12u);  // the 11 and sputnik
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
}

// Runs `f` in a committed transaction: it must find the very record already
// there, and append nothing.
template <typename F>
void expect_unchanged(PinnedLedger& t, const std::string& what, F&& f) {
  SCOPED_TRACE(what);
  std::optional<LogRecord> before = t.store->log_head();
  ASSERT_TRUE(before);
  auto e = adledger_test::error_of([&] { t.write([&] { (void)f(); }); });
  EXPECT_FALSE(e) << e->what();
  EXPECT_EQ(t.ledger->last_outcome(), Outcome::Unchanged);
  std::optional<LogRecord> after = t.store->log_head();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->seq, before->seq);
  EXPECT_EQ(after->hash, before->hash);
}

TEST(AuditLog, TheSameRecordAgainAppendsNothing) {
  Everything t;
  ledger::Ledger& l = *t.ledger;
  expect_unchanged(t, "platform", [&] { l.add_platform({"twitter", "Twitter"}); });
  expect_unchanged(t, "advertiser", [&] { l.add_advertiser({"rt", "RT", std::string("RU"), true}); });
  expect_unchanged(t, "handle", [&] { l.link_handle({"rt", "twitter", "@RT_com"}); });
  expect_unchanged(t, "spend by external id", [&] { return l.record_spend(t.spend1_in); });
  expect_unchanged(t, "ban as given", [&] { return l.record_policy_action(t.ban_in); });
  expect_unchanged(t, "ban as recorded", [&] { return l.record_policy_action(t.ban); });
  expect_unchanged(t, "lift as recorded", [&] { return l.record_policy_action(t.lift); });
  expect_unchanged(t, "pledge as given", [&] { return l.record_pledge(t.pledge_in); });
  expect_unchanged(t, "pledge as recorded", [&] { return l.record_pledge(t.pledge); });
  expect_unchanged(t, "disbursement as given", [&] { return l.disburse(t.disbursement_in); });
  expect_unchanged(t, "disbursement as recorded", [&] { return l.disburse(t.disbursement); });
  expect_unchanged(t, "disclosed total as given", [&] { return l.record_disclosed_total(t.disclosed_in); });
  expect_unchanged(t, "disclosed total as recorded", [&] { return l.record_disclosed_total(t.disclosed); });
  expect_unchanged(t, "reversal",
                   [&] { return l.reverse_spend(t.spend2.entry_id, t.reversal_reason, t.reversal_source); });
  EXPECT_EQ(whole_log(*t.store).size(), 11u);
  EXPECT_EQ(t.store->policy_actions(std::nullopt).size(), 2u);
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
}

// A lift given as users give it, naming the ban and not the advertisers
// (ledger.cpp then takes the ban's advertisers), and given again the same
// way: the same record again, so nothing new. (Importing the same file
// twice does exactly this.)
TEST(AuditLog, ALiftGivenAgainAsFirstGivenAppendsNothing) {
  Everything t;
  ASSERT_TRUE(t.lift_in.advertiser_ids.empty());
  ASSERT_EQ(t.lift.advertiser_ids, std::vector<std::string>{"rt"});
  expect_unchanged(t, "lift as given, without an id", [&] { return t.ledger->record_policy_action(t.lift_in); });
  EXPECT_EQ(t.store->policy_actions(std::nullopt).size(), 2u) << "a second lift was recorded";

  // The same with an id of the user's choosing.
  ledger::PolicyAction named = t.lift_in;
  named.id = "lift-by-name";
  named.date = date("2018-06-01");
  t.write([&] { t.ledger->record_policy_action(named); });
  expect_unchanged(t, "lift as given, with its id", [&] { return t.ledger->record_policy_action(named); });
}

// ---------------------------------------------------------------------------
// Append-only

TEST(AppendOnly, TheSqliteShellCannotUpdateOrDeleteAnyRow) {
  Everything t;
  t.close();
  const std::string before = read_bytes(t.path);
  ASSERT_FALSE(before.empty());
  std::vector<std::string> statements = {
      "UPDATE spend_entry SET amount_minor = 1 WHERE id = 1",
      "DELETE FROM spend_entry WHERE id = 1",
      "UPDATE record_log SET recorded_at = 0 WHERE seq = 1",
      "UPDATE record_log SET hash = zeroblob(32) WHERE seq = 11",
      "DELETE FROM record_log WHERE seq = 11",
      "DELETE FROM record_log",
      "UPDATE platform SET name = 'X' WHERE id = 'twitter'",
      "DELETE FROM platform WHERE id = 'twitter'",
  };
  // And every other table, both ways.
  for (const char* table : {"advertiser", "handle", "account", "source_text", "tag_set", "spend_reversal",
                            "policy_action", "policy_action_advertiser", "pledge", "disbursement", "disclosed_total",
                            "log_tree"}) {
    statements.push_back(std::string("UPDATE ") + table + " SET rowid = rowid");
    statements.push_back(std::string("DELETE FROM ") + table);
  }
  for (const std::string& sql : statements) {
    SCOPED_TRACE(sql);
    ShellResult r = run_sqlite(t.dir, t.path, {sql});
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "append-only")) << r.output;
  }
  EXPECT_TRUE(read_bytes(t.path) == before) << "the file changed";
  t.reopen();
  VerifyResult v = t.verify();
  EXPECT_TRUE(v.ok()) << describe(v);
  EXPECT_EQ(v.records, 11);
}

// ---------------------------------------------------------------------------
// Verify on a clean ledger

TEST(VerifyClean, OneOfEverythingPassesEveryCheck) {
  Everything t;
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_FALSE(r.first_problem());
  std::vector<std::string> names;
  for (const VerifyCheck& c : r.checks) {
    names.push_back(c.name);
    EXPECT_TRUE(c.ok) << c.name << ": " << c.summary;
    EXPECT_TRUE(c.problems.empty()) << c.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"chain", "records", "journal", "references", "bans"}));
  EXPECT_EQ(r.records, 11);
  EXPECT_EQ(r.records, static_cast<std::int64_t>(whole_log(*t.store).size()));
  std::optional<LogRecord> head = t.store->log_head();
  ASSERT_TRUE(head);
  ASSERT_TRUE(r.head);
  EXPECT_EQ(*r.head, t.store->tree_head().root);
  EXPECT_EQ(check_named(r, "chain")->summary,
            "11 records in order; the Merkle tree of their leaves has root " + ledger::to_hex(*r.head));
  EXPECT_EQ(check_named(r, "records")->summary, "11 rows, each as recorded");
  EXPECT_EQ(check_named(r, "journal")->summary, "5 transactions balance; the trial balance is zero in 1 currency");
  EXPECT_EQ(check_named(r, "bans")->summary, "2 spend entries, none inside a ban recorded before it");

  // The same after closing and reopening the file.
  t.close();
  t.reopen();
  VerifyResult again = t.verify();
  EXPECT_TRUE(again.ok()) << describe(again);
  EXPECT_EQ(again.head, r.head);
}

TEST(VerifyClean, AnEmptyLedger) {
  PinnedLedger t;
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.records, 0);
  EXPECT_FALSE(r.head);
  EXPECT_FALSE(t.store->log_head());
}

// ---------------------------------------------------------------------------
// Tampering behind adledger's back

// Edits the closed ledger with the sqlite3 shell, reopens it and verifies.
// The append-only triggers of schemas/migrations/7.sql (and 8.sql, 12.sql), each made
// "IF NOT EXISTS": a careful tamperer puts back what it dropped.
std::string restore_triggers() {
  std::string sql;
  for (const char* file : {ADLEDGER_SOURCE_DIR "/schemas/migrations/7.sql", ADLEDGER_SOURCE_DIR "/schemas/migrations/8.sql",
                           ADLEDGER_SOURCE_DIR "/schemas/migrations/12.sql"}) {
    std::ifstream in(file);
    std::string line;
    bool in_trigger = false;
    while (std::getline(in, line)) {
      if (line.starts_with("CREATE TRIGGER ")) {
        in_trigger = true;
        line.replace(0, 15, "CREATE TRIGGER IF NOT EXISTS ");
      }
      if (in_trigger) sql += line + "\n";
      if (in_trigger && line.find("END;") != std::string::npos) in_trigger = false;
    }
  }
  return sql;
}

// Edits the file behind adledger's back (dropping the triggers in its way),
// puts the triggers back, and verifies.
VerifyResult tamper(PinnedLedger& t, const std::string& sql, VerifyOptions options = {}) {
  t.close();
  sqlite_ok(t.dir, t.path, sql);
  sqlite_ok(t.dir, t.path, restore_triggers());
  t.reopen();
  return t.verify(options);
}


// `name` fails and every other check holds.
void expect_only_failing(const VerifyResult& r, const std::set<std::string>& failing) {
  for (const VerifyCheck& c : r.checks)
    EXPECT_EQ(c.ok, !failing.contains(c.name)) << c.name << ": " << c.summary << "\n" << describe(r);
  EXPECT_FALSE(r.ok());
}

TEST(TamperTables, ADroppedTriggerAloneIsFound) {
  Everything t;
  t.close();
  sqlite_ok(t.dir, t.path, "DROP TRIGGER spend_entry_append_only_update;");
  t.reopen();
  VerifyResult r = t.verify({});
  expect_only_failing(r, {"references"});
  EXPECT_EQ(r.first_problem(),
            "references: trigger spend_entry_append_only_update is gone: table spend_entry is no longer append-only");
}

// A trigger that is there by name but does nothing is no guard: verify
// compares each trigger's text with the one adledger wrote.
TEST(TamperTables, ATriggerReplacedByOneThatDoesNothingIsFound) {
  Everything t;
  t.close();
  sqlite_ok(t.dir, t.path,
            "DROP TRIGGER spend_entry_append_only_update;"
            " CREATE TRIGGER spend_entry_append_only_update BEFORE UPDATE ON spend_entry WHEN 0"
            " BEGIN SELECT RAISE(ABORT, 'append-only: spend_entry rows are never changed'); END;"
            " UPDATE spend_entry SET items = 1 WHERE id = 1;");
  t.reopen();
  VerifyResult r = t.verify({});
  std::optional<VerifyCheck> references = check_named(r, "references");
  ASSERT_TRUE(references);
  EXPECT_FALSE(references->ok);
  EXPECT_EQ(references->summary, "trigger spend_entry_append_only_update was replaced by one adledger did not write: "
                                 "table spend_entry is no longer append-only");
  EXPECT_FALSE(check_named(r, "records")->ok) << describe(r);
}

TEST(TamperTables, ASpendAmountChanged) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER spend_entry_append_only_update;"
                             " UPDATE spend_entry SET amount_minor = 27410001 WHERE id = 1;");
  // The entry's postings follow its row, so the totals kept for its two
  // accounts no longer match them either.
  expect_only_failing(r, {"records", "journal"});
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  ASSERT_EQ(records->problems.size(), 1u) << describe(r);
  EXPECT_EQ(records->summary, "record 4 (spend 1): the tables now differ from what was recorded (its rows no longer "
                              "hash to its leaf)");
  EXPECT_EQ(r.first_problem(), "records: " + records->summary);
  std::optional<VerifyCheck> journal = check_named(r, "journal");
  ASSERT_TRUE(journal);
  EXPECT_TRUE(contains(journal->summary, "account expenses:ads:rt:twitter in USD: the ledger keeps a total of"))
      << journal->summary;
}

TEST(TamperTables, ASpendPeriodChanged) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER spend_entry_append_only_update;"
                             " UPDATE spend_entry SET first_day = first_day + 60 WHERE id = 1;");
  expect_only_failing(r, {"records"});
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  ASSERT_EQ(records->problems.size(), 1u) << describe(r);
  EXPECT_TRUE(contains(records->summary, "record 4 (spend 1)")) << records->summary;
  EXPECT_TRUE(contains(records->summary, "differ from what was recorded")) << records->summary;
  ASSERT_TRUE(r.first_problem());
  EXPECT_TRUE(r.first_problem()->starts_with("records: record 4 (spend 1)")) << *r.first_problem();
}

TEST(TamperTables, APolicyActionDeleted) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER policy_action_append_only_delete;"
                             " DROP TRIGGER policy_action_advertiser_append_only_delete;"
                             " DELETE FROM policy_action_advertiser WHERE action_id = '" + t.ban.id + "';"
                             " DELETE FROM policy_action WHERE id = '" + t.ban.id + "';");
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  EXPECT_FALSE(records->ok);
  ASSERT_EQ(records->problems.size(), 1u) << describe(r);
  EXPECT_EQ(records->summary, "record 6 (policy_action " + t.ban.id + "): its row is gone from the tables");
  EXPECT_TRUE(check_named(r, "chain")->ok);
  EXPECT_TRUE(check_named(r, "journal")->ok);
  // The lift still names the ban: a dangling reference too.
  EXPECT_FALSE(check_named(r, "references")->ok) << describe(r);
  EXPECT_EQ(r.first_problem(), "records: " + records->summary);
}

TEST(TamperTables, APlatformInsertedDirectly) {
  Everything t;
  VerifyResult r = tamper(t, "INSERT INTO platform (id, name) VALUES ('vk', 'VK');");
  expect_only_failing(r, {"records"});
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  ASSERT_EQ(records->problems.size(), 1u) << describe(r);
  EXPECT_TRUE(contains(records->summary, "platform vk")) << records->summary;
  EXPECT_TRUE(contains(records->summary, "never recorded in the log")) << records->summary;
  EXPECT_EQ(r.first_problem(), "records: " + records->summary);
  EXPECT_EQ(r.records, 11);
}

// Withdrawals are records of their own: logged, rebuilt from their rows,
// and found when added, changed or deleted behind adledger's back.
TEST(VerifyClean, WithdrawalsPassEveryCheck) {
  Everything t(/*withdrawals=*/true);
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.records, 17);
  EXPECT_EQ(check_named(r, "records")->summary, "17 rows, each as recorded");
  // The pledge, its payment and the undoing of each.
  EXPECT_EQ(check_named(r, "journal")->summary, "9 transactions balance; the trial balance is zero in 1 currency");
  for (const char* kind : {"pledge_withdrawal", "disbursement_withdrawal", "disclosed_total_withdrawal"})
    EXPECT_TRUE(t.store->find_log(kind, kind == std::string("pledge_withdrawal")         ? t.mistaken_pledge.id
                                        : kind == std::string("disbursement_withdrawal") ? t.mistaken_payment.id
                                                                                         : t.mistaken_total.id))
        << kind;
}

TEST(TamperTables, AWithdrawalInsertedDirectly) {
  Everything t(/*withdrawals=*/true);
  VerifyResult r = tamper(t, "INSERT INTO disclosed_total_withdrawal (disclosed_total_id, reason, source) VALUES ('" +
                                 t.disclosed.id + "', 'inconvenient', 'nobody');");
  expect_only_failing(r, {"records"});
  EXPECT_TRUE(contains(check_named(r, "records")->summary,
                       "disclosed_total_withdrawal " + t.disclosed.id + ": in the tables but never recorded"))
      << describe(r);
}

TEST(TamperTables, AWithdrawalsReasonChangedOrItsRowDeleted) {
  {
    Everything t(/*withdrawals=*/true);
    VerifyResult r = tamper(t, "DROP TRIGGER pledge_withdrawal_append_only_update;"
                               " UPDATE pledge_withdrawal SET reason = 'rewritten';");
    expect_only_failing(r, {"records"});
    EXPECT_TRUE(contains(check_named(r, "records")->summary, "pledge_withdrawal " + t.mistaken_pledge.id))
        << describe(r);
  }
  {
    Everything t(/*withdrawals=*/true);
    VerifyResult r = tamper(t, "DROP TRIGGER disbursement_withdrawal_append_only_delete;"
                               " DELETE FROM disbursement_withdrawal;");
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(contains(check_named(r, "records")->summary, "its row is gone from the tables")) << describe(r);
  }
}

// An entry's double entry is in its row: pointing its credit at its debit
// account changes the record, and the postings no longer match the totals
// kept for those accounts.
TEST(TamperTables, AnEntrysCreditAccountChanged) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER spend_entry_append_only_update;"
                             " UPDATE spend_entry SET credit = debit WHERE id = " +
                                 std::to_string(t.spend1.entry_id) + ";");
  // The entry can no longer be read as a record, so neither the journal
  // nor the ban rule can be checked over it.
  expect_only_failing(r, {"records", "journal", "bans"});
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  EXPECT_EQ(records->summary, "record 4 (spend 1): its row cannot be read: spend entry #1: it debits "
                              "expenses:ads:rt:twitter and credits expenses:ads:rt:twitter, not the accounts of "
                              "advertiser rt on twitter");
  std::optional<VerifyCheck> journal = check_named(r, "journal");
  ASSERT_TRUE(journal);
  EXPECT_TRUE(contains(journal->summary, "the journal cannot be read")) << describe(r);
}

// A spend row whose currency number is not a currency, or whose day is
// not a day adledger records, cannot be read: verify says so, for that
// record, rather than stopping.
TEST(TamperTables, AnUnreadableSpendRowIsNamed) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER spend_entry_append_only_update;"
                             " UPDATE spend_entry SET first_day = -5 WHERE id = 1;");
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  EXPECT_FALSE(records->ok);
  EXPECT_TRUE(contains(records->summary, "record 4 (spend 1): its row cannot be read: day number -5")) << describe(r);
}

// The totals kept per account (schema version 6) are a summary: verify
// sums the postings again and names the account whose total disagrees.
TEST(TamperTables, AnAccountTotalChanged) {
  Everything t;
  VerifyResult r = tamper(t, "UPDATE account_total SET balance_minor = balance_minor + 7"
                             " WHERE account = 'expenses:ads:rt:twitter' AND currency = 'USD';");
  expect_only_failing(r, {"journal"});
  std::optional<VerifyCheck> journal = check_named(r, "journal");
  ASSERT_TRUE(journal);
  ASSERT_EQ(journal->problems.size(), 1u) << describe(r);
  EXPECT_TRUE(contains(journal->summary, "account expenses:ads:rt:twitter in USD: the ledger keeps a total of"))
      << journal->summary;
}

TEST(TamperTables, AnAccountTotalDeletedAndItsTriggerDropped) {
  Everything t;
  // The tamperer puts the trigger back (tamper() restores every trigger):
  // the missing total is found all the same.
  VerifyResult r = tamper(t, "DROP TRIGGER account_total_no_delete;"
                             " DELETE FROM account_total WHERE account = 'expenses:ads:rt:twitter';");
  expect_only_failing(r, {"journal"});
  std::optional<VerifyCheck> journal = check_named(r, "journal");
  ASSERT_TRUE(journal);
  EXPECT_TRUE(contains(journal->summary, "the ledger keeps no total")) << journal->summary;
}

// The log keeps no copy of a record: the row is the record, and its leaf
// hash is what binds it.
TEST(TamperRecordLog, AnAdvertisersNameChanged) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER advertiser_append_only_update;"
                             " UPDATE advertiser SET name = 'RT (edited)' WHERE id = 'rt';");
  expect_only_failing(r, {"records"});
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  ASSERT_EQ(records->problems.size(), 1u) << describe(r);
  EXPECT_TRUE(records->summary.starts_with("record 2 (advertiser rt): the tables now differ")) << records->summary;
}

TEST(TamperRecordLog, ARecordsTimeChanged) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER record_log_append_only_update;"
                             " UPDATE record_log SET recorded_at = recorded_at - 86400000 WHERE seq = 5;");
  expect_only_failing(r, {"records"});
  ASSERT_TRUE(r.first_problem());
  EXPECT_TRUE(r.first_problem()->starts_with("records: record 5 (spend 2): the tables now differ"))
      << *r.first_problem();
}

TEST(TamperRecordLog, ARecordsHashChanged) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER record_log_append_only_update;"
                             " UPDATE record_log SET hash = zeroblob(32) WHERE seq = 3;");
  expect_only_failing(r, {"chain", "records"});
  // The tree of the stored leaves is no longer the tree the ledger kept,
  // and record 3's row no longer hashes to its stored leaf.
  std::optional<VerifyCheck> chain = check_named(r, "chain");
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->problems.size(), 1u) << describe(r);
  EXPECT_TRUE(chain->summary.starts_with("the tree the ledger keeps has 11 records and root ")) << chain->summary;
  EXPECT_TRUE(contains(chain->summary, ": the log was changed")) << chain->summary;
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  ASSERT_EQ(records->problems.size(), 1u) << describe(r);
  EXPECT_TRUE(records->summary.starts_with("record 3 (handle twitter/@RT_com)")) << records->summary;
}

// The tree's edge the ledger keeps is checked against the leaves too.
TEST(TamperRecordLog, TheKeptTreeChanged) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER log_tree_append_only_update;"
                             " UPDATE log_tree SET frontier = zeroblob(length(frontier))"
                             " WHERE size = (SELECT max(size) FROM log_tree);");
  expect_only_failing(r, {"chain"});
}

TEST(TamperRecordLog, TheLastRecordDeleted) {
  Everything t;
  std::optional<LogRecord> old_head = t.store->log_head();
  ASSERT_TRUE(old_head);
  ASSERT_EQ(old_head->seq, 11);
  ledger::CompactRange first_ten;
  for (const LogRecord& rec : whole_log(*t.store))
    if (rec.seq <= 10) first_ten.append(rec.hash);
  VerifyOptions published{11, t.store->tree_head().root};
  VerifyResult r = tamper(t, "DROP TRIGGER record_log_append_only_delete; DELETE FROM record_log WHERE seq = 11;",
                          published);
  EXPECT_EQ(r.records, 10);
  EXPECT_EQ(r.head, std::optional<Hash>(first_ten.root()));
  std::optional<VerifyCheck> head = check_named(r, "published head");
  ASSERT_TRUE(head);
  EXPECT_FALSE(head->ok);
  EXPECT_TRUE(contains(head->summary, "the ledger has 10 records, not 11")) << head->summary;
  // The ledger kept the tree of 11.
  std::optional<VerifyCheck> chain = check_named(r, "chain");
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->ok);
  EXPECT_TRUE(chain->summary.starts_with("the tree the ledger keeps has 11 records")) << describe(r);
  // Its row is still in the tables, now unlogged.
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  EXPECT_FALSE(records->ok);
  EXPECT_TRUE(contains(records->summary, "spend_reversal " + std::to_string(t.spend2.entry_id))) << records->summary;
  EXPECT_EQ(r.first_problem(), "chain: " + chain->summary);
}

// The last record and everything it recorded, deleted consistently: only a
// head published earlier can tell.
TEST(TamperRecordLog, TheLastRecordAndItsRowsDeleted) {
  Everything t;
  Hash old_head = t.store->tree_head().root;
  std::string txn = std::to_string(t.reversal.txn_id);
  // A careful tamperer stores the tree of the ten records left, as adledger
  // would have after a write of ten.
  ledger::CompactRange ten;
  for (const LogRecord& rec : whole_log(*t.store))
    if (rec.seq <= 10) ten.append(rec.hash);
  std::string frontier_hex;
  for (char c : ten.serialize()) {
    static const char* digits = "0123456789abcdef";
    auto byte = static_cast<unsigned char>(c);
    frontier_hex += digits[byte >> 4];
    frontier_hex += digits[byte & 15];
  }
  std::string sql =
      "DROP TRIGGER record_log_append_only_delete; DROP TRIGGER spend_reversal_append_only_delete;"
      " DROP TRIGGER log_tree_append_only_delete;"
      // The totals the ledger keeps (version 6), taken back first, while
      // the posting view still shows the reversal's postings.
      " UPDATE account_total SET balance_minor = balance_minor - (SELECT sum(amount_minor) FROM posting p"
      "   WHERE p.txn_id = " + txn + " AND p.account = account_total.account AND p.currency = account_total.currency)"
      " WHERE (account, currency) IN (SELECT account, currency FROM posting WHERE txn_id = " + txn + ");"
      // And the debits kept per currency (version 10).
      " UPDATE currency_total SET debits_minor = debits_minor - (SELECT sum(amount_minor) FROM posting p"
      "   WHERE p.txn_id = " + txn + " AND p.amount_minor > 0 AND p.currency = currency_total.currency);"
      " DELETE FROM record_log WHERE seq = 11; DELETE FROM spend_reversal WHERE txn_id = " + txn + ";"
      " DELETE FROM log_tree WHERE size = 11; INSERT OR IGNORE INTO log_tree (size, frontier) VALUES (10, X'" +
      frontier_hex + "');";
  VerifyResult alone = tamper(t, sql);
  EXPECT_TRUE(alone.ok()) << describe(alone);
  EXPECT_EQ(alone.records, 10);
  VerifyResult r = t.verify({11, old_head});
  expect_only_failing(r, {"published head"});
  ASSERT_TRUE(r.first_problem());
  EXPECT_TRUE(r.first_problem()->starts_with("published head: the ledger has 10 records, not 11"))
      << *r.first_problem();
}

TEST(TamperRecordLog, AMiddleRecordDeleted) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER record_log_append_only_delete; DELETE FROM record_log WHERE seq = 5;");
  std::optional<VerifyCheck> chain = check_named(r, "chain");
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->ok);
  EXPECT_EQ(chain->summary, "record 5 is missing (the next is 6): records were deleted");
  // And the tree of the leaves left is not the tree the ledger kept.
  ASSERT_EQ(chain->problems.size(), 2u) << describe(r);
  EXPECT_TRUE(chain->problems[1].starts_with("the tree the ledger keeps has 11 records")) << chain->problems[1];
  std::optional<VerifyCheck> records = check_named(r, "records");
  ASSERT_TRUE(records);
  EXPECT_FALSE(records->ok);
  EXPECT_TRUE(contains(records->summary, "spend " + std::to_string(t.spend2.entry_id) + ": in the tables but never"))
      << records->summary;
  EXPECT_EQ(r.first_problem(), "chain: " + chain->summary);
}

TEST(TamperRecordLog, TheFirstRecordDeleted) {
  Everything t;
  VerifyResult r = tamper(t, "DROP TRIGGER record_log_append_only_delete; DELETE FROM record_log WHERE seq = 1;");
  ASSERT_TRUE(r.first_problem());
  EXPECT_EQ(*r.first_problem(), "chain: record 1 is missing (the next is 2): records were deleted");
}

// A head published when the ledger had 11 records, given to a ledger that
// has since lost record 5 (and so holds 10 records, the last numbered 11).
// The ledger published is not a prefix of this one; and verify must say so
// from the records it holds, never from a 11th it does not have.
TEST(TamperRecordLog, AMiddleRecordDeletedAndTheOldHeadGiven) {
  Everything t;
  Hash old_head = t.store->tree_head().root;
  std::set<std::string> real_hashes;
  for (const LogRecord& rec : whole_log(*t.store)) real_hashes.insert(ledger::to_hex(rec.hash));
  VerifyResult r = tamper(t, "DROP TRIGGER record_log_append_only_delete; DELETE FROM record_log WHERE seq = 5;",
                          {11, old_head});
  EXPECT_FALSE(r.ok());
  std::optional<VerifyCheck> published = check_named(r, "published head");
  ASSERT_TRUE(published);
  EXPECT_FALSE(published->ok) << published->summary;
  std::size_t at = published->summary.find("has hash ");
  if (at != std::string::npos) {
    EXPECT_TRUE(real_hashes.contains(published->summary.substr(at + 9, 64)))
        << "a hash no record ever had: " << published->summary;
  }
}

// ---------------------------------------------------------------------------
// Published heads

TEST(VerifyPublishedHead, AnEarlierHeadIsAPrefixOfTheLedgerNow) {
  PinnedLedger t;
  t.write([&] {
    t.ledger->add_platform({"twitter", "Twitter"});
    t.ledger->add_advertiser({"rt", "RT", std::string("RU"), true});
  });
  ledger::TreeHead earlier = t.store->tree_head();
  ASSERT_EQ(earlier.size, 2);
  std::string line1 = ledger::chain_line(1, "platform", "twitter", kNow, R"({"id":"twitter","name":"Twitter"})");
  EXPECT_EQ(ledger::to_hex(t.store->log_record(1)->hash), ledger::to_hex(ledger::leaf_hash(line1)));
  // A tree of two leaves: node(leaf 1, leaf 2).
  EXPECT_EQ(earlier.root, ledger::node_hash(t.store->log_record(1)->hash, t.store->log_record(2)->hash));
  t.write([&] {
    t.ledger->record_spend(spend_of("rt", "twitter", "2016", 100));
    t.ledger->add_platform({"facebook", "Facebook"});
  });
  VerifyResult r = t.verify({2, earlier.root});
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.records, 4);
  ASSERT_EQ(r.checks.size(), 6u);
  EXPECT_EQ(r.checks.back().name, "published head");
  EXPECT_TRUE(contains(r.checks.back().summary, "published with 2 records and head " + ledger::to_hex(earlier.root) +
                                                    " is a prefix of this one"))
      << r.checks.back().summary;
  // The head now, and the first record alone (a tree of one leaf), verify too.
  EXPECT_TRUE(t.verify({4, t.store->tree_head().root}).ok());
  EXPECT_TRUE(t.verify({1, t.store->log_record(1)->hash}).ok());
  // So does a head in the form published before the Merkle tree: the end
  // of the linear chain of the same lines.
  Hash chained{};
  for (const LogRecord& rec : whole_log(*t.store))
    if (rec.seq <= 3) chained = ledger::chain_hash(chained, ledger::chain_line(rec.seq, rec.kind, rec.ref, rec.recorded_at, rec.content));
  EXPECT_TRUE(t.verify({3, chained}).ok()) << describe(t.verify({3, chained}));
}

TEST(VerifyPublishedHead, WrongHeadsAreProblems) {
  Everything t;
  Hash head = t.store->tree_head().root;
  ledger::CompactRange three;
  for (const LogRecord& rec : whole_log(*t.store))
    if (rec.seq <= 3) three.append(rec.hash);

  auto expect_problem = [&](const VerifyOptions& o, const std::string& needle) {
    SCOPED_TRACE(needle);
    VerifyResult r = t.verify(o);
    expect_only_failing(r, {"published head"});
    ASSERT_TRUE(r.first_problem());
    EXPECT_TRUE(r.first_problem()->starts_with("published head: ")) << *r.first_problem();
    EXPECT_TRUE(contains(*r.first_problem(), needle)) << *r.first_problem();
  };
  Hash wrong = three.root();
  wrong[0] = static_cast<std::uint8_t>(wrong[0] ^ 1);
  expect_problem({3, wrong}, "the first 3 records have head " + ledger::to_hex(three.root()) + ", not the published " +
                                 ledger::to_hex(wrong));
  expect_problem({4, three.root()}, "the first 4 records have head");  // a real head, of another size
  expect_problem({12, head}, "the ledger has 11 records, not 12");
  expect_problem({0, head}, "not 0");
  expect_problem({-1, head}, "not -1");
  expect_problem(VerifyOptions{11, std::nullopt}, "give both");
  expect_problem(VerifyOptions{std::nullopt, head}, "give both");
}

TEST(VerifyPublishedHead, AnEmptyLedgerHasNoPrefix) {
  PinnedLedger t;
  VerifyResult r = t.verify({1, ledger::parse_hash(kHash1)});
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(r.first_problem());
  EXPECT_TRUE(contains(*r.first_problem(), "the ledger has 0 records, not 1")) << *r.first_problem();
}

// ---------------------------------------------------------------------------
// Migration from version 2

const char* kSchemaQuery = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name;";

// A version 2 ledger as adledger 0.2 left it: the base schema and migration
// 2 run by the sqlite3 shell, the marks, and `rows` inserted with SQL.
std::string version_2_ledger(const TempDir& dir, const std::string& name, const std::string& rows) {
  std::string path = dir.file(name);
  ShellResult r = run_sqlite(dir, path,
                             {".read " ADLEDGER_SOURCE_DIR "/schemas/ledger.sql",
                              ".read " ADLEDGER_SOURCE_DIR "/schemas/migrations/2.sql",
                              "PRAGMA application_id = " + std::to_string(ledger::kApplicationId) + ";",
                              "PRAGMA user_version = 2;", rows});
  EXPECT_EQ(r.status, 0) << r.output;
  return path;
}

std::string shell_output(const TempDir& dir, const std::string& path, const std::string& sql) {
  ShellResult r = run_sqlite(dir, path, {sql});
  EXPECT_EQ(r.status, 0) << r.output;
  return r.output;
}

const char* kVersion2Rows =
    "INSERT INTO platform (id, name) VALUES ('twitter', 'Twitter'), ('facebook', 'Facebook');"
    "INSERT INTO advertiser (id, name, country, state_affiliated) VALUES"
    "  ('sputnik', 'Sputnik', NULL, 0), ('rt', 'RT', 'RU', 1);"
    "INSERT INTO handle (platform_id, handle, advertiser_id) VALUES ('twitter', '@RT_com', 'rt');"
    "INSERT INTO journal_txn (id, date, kind, description) VALUES"
    "  (1, '2016-01-01', 'spend', 'spend rt on twitter 2016'),"
    "  (2, '2017-10-26', 'pledge', 'pledge twitter-pledge by twitter'),"
    "  (3, '2018-01-15', 'disbursement', 'disbursement twitter-pledge-1 of pledge twitter-pledge');"
    "INSERT INTO posting (txn_id, account, currency, amount_minor) VALUES"
    "  (1, 'expenses:ads:rt:twitter', 'USD', 27410000), (1, 'income:ads:twitter:rt', 'USD', -27410000),"
    "  (2, 'expenses:pledges:twitter', 'USD', 190000000),"
    "  (2, 'liabilities:pledges:twitter:twitter-pledge', 'USD', -190000000),"
    "  (3, 'liabilities:pledges:twitter:twitter-pledge', 'USD', 50000000),"
    "  (3, 'assets:cash:twitter', 'USD', -50000000);"
    "INSERT INTO spend (id, txn_id, advertiser_id, platform_id, handle, amount_minor, currency, period_first,"
    "  period_last, items, market, precision, source, external_id, note) VALUES"
    "  (1, 1, 'rt', 'twitter', '@RT_com', 27410000, 'USD', '2016-01-01', '2016-12-31', 1823, 'worldwide',"
    "   'approximate', 'https://example.org/spend', 'tw-2016', NULL);"
    "INSERT INTO spend_tag (spend_id, tag) VALUES (1, 'election');"
    "INSERT INTO policy_action (id, kind, platform_id, date, description, source) VALUES"
    "  ('twitter-disclosure-2017-10-26', 'disclosure', 'twitter', '2017-10-26', 'published', 'https://x.org/d');"
    "INSERT INTO policy_action_advertiser (action_id, advertiser_id) VALUES ('twitter-disclosure-2017-10-26', 'rt');"
    "INSERT INTO pledge (id, txn_id, platform_id, amount_minor, currency, date, beneficiary, source) VALUES"
    "  ('twitter-pledge', 2, 'twitter', 190000000, 'USD', '2017-10-26', 'research', 'https://x.org/p');"
    "INSERT INTO disbursement (id, txn_id, pledge_id, amount_minor, date, source) VALUES"
    "  ('twitter-pledge-1', 3, 'twitter-pledge', 50000000, '2018-01-15', 'https://x.org/g');"
    "INSERT INTO disclosed_total (id, platform_id, advertiser_id, amount_minor, currency, period_first,"
    "  period_last, date, precision, source) VALUES ('twitter-rt-disclosed', 'twitter', 'rt', 190000000, 'USD',"
    "  '2011-01-01', '2017-12-31', '2018-01-19', 'approximate', 'https://x.org/t');";

TEST(MigrationFromVersion2, EveryRowIsLoggedInTheDocumentedOrderAndVerifies) {
  TempDir dir;
  std::string path = version_2_ledger(dir, "v2.db", kVersion2Rows);
  ASSERT_EQ(shell_output(dir, path, "PRAGMA user_version;"), "2\n");
  std::vector<LogRecord> log;
  {
    auto store = open_sqlite_store(path, OpenMode::OpenExisting);
    log = whole_log(*store);
    // Platforms, advertisers, handles, spend, policy actions, pledges with
    // their disbursements, disclosed totals; each kind as the store lists it.
    std::vector<std::pair<std::string, std::string>> expected = {
        {"platform", "facebook"},
        {"platform", "twitter"},
        {"advertiser", "rt"},
        {"advertiser", "sputnik"},
        {"handle", "twitter/@RT_com"},
        {"spend", "1"},
        {"policy_action", "twitter-disclosure-2017-10-26"},
        {"pledge", "twitter-pledge"},
        {"disbursement", "twitter-pledge-1"},
        {"disclosed_total", "twitter-rt-disclosed"},
    };
    ASSERT_EQ(log.size(), expected.size());
    Hash previous{};  // the chain version 3 wrote; published heads of it still verify
    for (std::size_t i = 0; i < log.size(); ++i) {
      const LogRecord& r = log[i];
      SCOPED_TRACE(r.kind + " " + r.ref);
      EXPECT_EQ(r.seq, static_cast<std::int64_t>(i + 1));
      EXPECT_EQ(r.kind, expected[i].first);
      EXPECT_EQ(r.ref, expected[i].second);
      EXPECT_NO_THROW(ledger::check_timestamp(r.recorded_at, "recorded_at"));
      EXPECT_EQ(r.recorded_at, log[0].recorded_at) << "all stamped with the time of the migration";
      EXPECT_EQ(std::optional<std::string>(r.content), content_from_tables(*store, r.kind, r.ref));
      std::string line = ledger::chain_line(r.seq, r.kind, r.ref, r.recorded_at, r.content);
      EXPECT_EQ(r.hash, ledger::leaf_hash(line));
      previous = ledger::chain_hash(previous, line);
    }
    EXPECT_TRUE(ledger::verify_ledger(*store, {10, previous}).ok());
    // The spend's content carries its postings.
    EXPECT_TRUE(contains(log[5].content, R"("account":"expenses:ads:rt:twitter")")) << log[5].content;
    VerifyResult v = ledger::verify_ledger(*store, {});
    EXPECT_TRUE(v.ok()) << describe(v);
    EXPECT_EQ(v.records, 10);

    // And it takes new records after the backfilled ones.
    ledger::Ledger l(*store, [] { return std::string(kNow); });
    {
      ledger::WriteTransaction txn(*store);
      l.add_platform({"vk", "VK"});
      txn.commit();
    }
    EXPECT_EQ(store->log_head()->seq, 11);
    EXPECT_TRUE(ledger::verify_ledger(*store, {}).ok());
  }
  EXPECT_EQ(shell_output(dir, path, "PRAGMA user_version;"), std::to_string(ledger::kSchemaVersion) + "\n");
  // Opening it again migrates nothing and logs nothing more.
  {
    auto store = open_sqlite_store(path, OpenMode::OpenExisting);
    EXPECT_EQ(whole_log(*store).size(), 11u);
  }
  // The schema is the one a new ledger gets, text for text.
  std::string fresh = dir.file("fresh.db");
  open_sqlite_store(fresh, OpenMode::CreateNew);
  EXPECT_EQ(shell_output(dir, path, kSchemaQuery), shell_output(dir, fresh, kSchemaQuery));
}

TEST(MigrationFromVersion2, AnEmptyLedgerGetsAnEmptyLog) {
  TempDir dir;
  std::string path = version_2_ledger(dir, "v2.db", "SELECT 1;");
  auto store = open_sqlite_store(path, OpenMode::OpenExisting);
  EXPECT_FALSE(store->log_head());
  EXPECT_TRUE(ledger::verify_ledger(*store, {}).ok());
}

// Version 2 refused spend inside a ban already recorded, so spend in a v2
// ledger that falls inside a ban was recorded before that ban (the reports
// list it as a violation). The migrated ledger must still verify: the
// backfill cannot claim the ban came first.
TEST(MigrationFromVersion2, SpendRecordedBeforeABanStillVerifies) {
  TempDir dir;
  std::string path = version_2_ledger(
      dir, "v2.db",
      "INSERT INTO platform (id, name) VALUES ('twitter', 'Twitter');"
      "INSERT INTO advertiser (id, name, country, state_affiliated) VALUES ('rt', 'RT', 'RU', 1);"
      "INSERT INTO journal_txn (id, date, kind, description) VALUES"
      "  (1, '2017-01-01', 'spend', 'spend rt on twitter 2017');"
      "INSERT INTO posting (txn_id, account, currency, amount_minor) VALUES"
      "  (1, 'expenses:ads:rt:twitter', 'USD', 500), (1, 'income:ads:twitter:rt', 'USD', -500);"
      "INSERT INTO spend (id, txn_id, advertiser_id, platform_id, amount_minor, currency, period_first,"
      "  period_last, market, precision, source) VALUES"
      "  (1, 1, 'rt', 'twitter', 500, 'USD', '2017-01-01', '2017-12-31', 'US', 'exact', 'https://x.org/s');"
      "INSERT INTO policy_action (id, kind, platform_id, date, description, source) VALUES"
      "  ('twitter-ad-ban-2017-10-26', 'ad_ban', 'twitter', '2017-10-26', 'state media', 'https://x.org/b');"
      "INSERT INTO policy_action_advertiser (action_id, advertiser_id) VALUES ('twitter-ad-ban-2017-10-26', 'rt');");
  auto store = open_sqlite_store(path, OpenMode::OpenExisting);
  VerifyResult v = ledger::verify_ledger(*store, {});
  EXPECT_TRUE(v.ok()) << describe(v);
}

// A version-6 ledger whose journal holds a description adledger never
// wrote (edited by hand, and logged so) cannot be rebuilt from one row per
// entry: the step to version 7 refuses it, names the record, and leaves the
// ledger as it was.
TEST(MigrationFromVersion2, ARecordItsRowsCannotRebuildIsRefused) {
  TempDir dir;
  std::string path = version_2_ledger(
      dir, "v2.db",
      "INSERT INTO platform (id, name) VALUES ('twitter', 'Twitter');"
      "INSERT INTO advertiser (id, name, country, state_affiliated) VALUES ('rt', 'RT', 'RU', 1);"
      "INSERT INTO journal_txn (id, date, kind, description) VALUES (1, '2017-01-01', 'spend', 'edited by hand');"
      "INSERT INTO posting (txn_id, account, currency, amount_minor) VALUES"
      "  (1, 'expenses:ads:rt:twitter', 'USD', 500), (1, 'income:ads:twitter:rt', 'USD', -500);"
      "INSERT INTO spend (id, txn_id, advertiser_id, platform_id, amount_minor, currency, period_first,"
      "  period_last, market, precision, source) VALUES"
      "  (1, 1, 'rt', 'twitter', 500, 'USD', '2017-01-01', '2017-12-31', 'US', 'exact', 'https://x.org/s');");
  auto e = adledger_test::error_of([&] { open_sqlite_store(path, OpenMode::OpenExisting); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Storage);
  EXPECT_TRUE(contains(e->what(), "cannot bring it from schema version 6 to 7: record 3 (spend 1) does not match "
                                  "its rows"))
      << e->what();
  EXPECT_EQ(shell_output(dir, path, "PRAGMA user_version;"), "6\n");
  EXPECT_EQ(shell_output(dir, path, "SELECT count(*) FROM record_log;"), "3\n");
}

// ---------------------------------------------------------------------------
// Spend reversal

TEST(ReverseSpend, UndoesTheEntrysPostingsAndIsLogged) {
  PinnedLedger t;
  std::string expense = ledger::spend_expense_account("rt", "twitter");
  std::string income = ledger::spend_income_account("twitter", "rt");
  ledger::SpendEntry entry;
  t.write([&] {
    t.ledger->add_platform({"twitter", "Twitter"});
    t.ledger->add_advertiser({"rt", "RT", std::string("RU"), true});
    t.ledger->record_spend(spend_of("rt", "twitter", "2016", 100));  // stays
  });
  std::int64_t expense_before = t.store->account_balance(expense, "USD");
  std::int64_t income_before = t.store->account_balance(income, "USD");
  EXPECT_EQ(expense_before, 100);
  EXPECT_EQ(income_before, -100);
  t.write([&] { entry = t.ledger->record_spend(spend_of("rt", "twitter", "2017-01", 27410000)); });
  EXPECT_EQ(t.store->account_balance(expense, "USD"), 27410100);

  ledger::SpendReversal r;
  t.write([&] { r = t.ledger->reverse_spend(entry.entry_id, "wrong amount", "https://example.org/fix"); });
  EXPECT_EQ(t.ledger->last_outcome(), Outcome::Recorded);
  EXPECT_EQ(r.entry_id, entry.entry_id);
  EXPECT_EQ(r.reason, "wrong amount");
  EXPECT_EQ(r.source, "https://example.org/fix");
  EXPECT_GT(r.txn_id, 0);
  EXPECT_NE(r.txn_id, entry.txn_id);

  // The accounts are back where they were before the entry, and the trial
  // balance is still zero.
  EXPECT_EQ(t.store->account_balance(expense, "USD"), expense_before);
  EXPECT_EQ(t.store->account_balance(income, "USD"), income_before);
  std::map<std::string, std::int64_t> totals;
  for (const ledger::BalanceRow& row : t.store->trial_balance()) totals[row.currency] += row.balance_minor;
  for (const auto& [currency, total] : totals) EXPECT_EQ(total, 0) << currency;

  // The reversing transaction: the entry's postings with their signs turned,
  // on its date.
  std::optional<ledger::JournalTxn> original = t.store->find_txn(entry.txn_id);
  std::optional<ledger::JournalTxn> reversing = t.store->find_txn(r.txn_id);
  ASSERT_TRUE(original);
  ASSERT_TRUE(reversing);
  EXPECT_EQ(reversing->date, original->date);
  ASSERT_EQ(reversing->postings.size(), original->postings.size());
  for (std::size_t i = 0; i < original->postings.size(); ++i) {
    EXPECT_EQ(reversing->postings[i].account, original->postings[i].account);
    EXPECT_EQ(reversing->postings[i].amount, original->postings[i].amount.negated());
  }
  EXPECT_NO_THROW(ledger::check_balanced(*reversing));

  // The entry stays, marked.
  std::optional<ledger::SpendEntry> stored = t.store->find_spend(entry.entry_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->amount, usd(27410000));
  ASSERT_TRUE(stored->reversal);
  EXPECT_EQ(stored->reversal->txn_id, r.txn_id);

  // In the log, as its own kind.
  std::optional<LogRecord> head = t.store->log_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 5);
  EXPECT_EQ(head->kind, "spend_reversal");
  EXPECT_EQ(head->ref, std::to_string(entry.entry_id));
  EXPECT_EQ(head->recorded_at, kNow);
  EXPECT_EQ(head->content, ledger::canonical(ledger::content_of(*stored->reversal, *reversing)));
  EXPECT_TRUE(contains(head->content, R"("reason":"wrong amount")")) << head->content;

  VerifyResult v = t.verify();
  EXPECT_TRUE(v.ok()) << describe(v);
}

TEST(ReverseSpend, AgainTheSameIsUnchangedOtherwiseRefused) {
  PinnedLedger t;
  ledger::SpendEntry entry;
  ledger::SpendReversal first;
  t.write([&] {
    t.ledger->add_platform({"twitter", "Twitter"});
    t.ledger->add_advertiser({"rt", "RT", std::string("RU"), true});
    entry = t.ledger->record_spend(spend_of("rt", "twitter", "2016", 100));
    first = t.ledger->reverse_spend(entry.entry_id, "duplicate", "https://example.org/fix");
  });
  std::optional<LogRecord> before = t.store->log_head();
  ASSERT_TRUE(before);
  std::size_t txns = t.store->journal().size();

  ledger::SpendReversal again;
  t.write([&] { again = t.ledger->reverse_spend(entry.entry_id, "duplicate", "https://example.org/fix"); });
  EXPECT_EQ(t.ledger->last_outcome(), Outcome::Unchanged);
  EXPECT_EQ(again.txn_id, first.txn_id);
  EXPECT_EQ(t.store->log_head()->seq, before->seq);
  EXPECT_EQ(t.store->journal().size(), txns);

  auto in_write = [&](auto&& f) {
    ledger::WriteTransaction txn(*t.store);
    f();
    txn.commit();
  };
  EXPECT_ERROR(ErrorKind::Rule, "already reversed (duplicate)",
               in_write([&] { t.ledger->reverse_spend(entry.entry_id, "another reason", "https://example.org/fix"); }));
  EXPECT_ERROR(ErrorKind::Rule, "already reversed",
               in_write([&] { t.ledger->reverse_spend(entry.entry_id, "duplicate", "https://example.org/other"); }));
  EXPECT_ERROR(ErrorKind::Rule, "entry \"999\": no such spend entry",
               in_write([&] { t.ledger->reverse_spend(999, "r", "s"); }));
  EXPECT_ERROR(ErrorKind::Rule, "no such spend entry", in_write([&] { t.ledger->reverse_spend(0, "r", "s"); }));
  EXPECT_ERROR(ErrorKind::Rule, "no such spend entry", in_write([&] { t.ledger->reverse_spend(-1, "r", "s"); }));
  EXPECT_ERROR(ErrorKind::Input, "source", in_write([&] { t.ledger->reverse_spend(entry.entry_id, "r", ""); }));
  EXPECT_EQ(t.store->log_head()->seq, before->seq);
  EXPECT_EQ(t.store->journal().size(), txns);
  VerifyResult v = t.verify();
  EXPECT_TRUE(v.ok()) << describe(v);
}

}  // namespace

namespace {

// The import writes a spend record's canonical content by hand, without
// building a JSON value: it must be byte for byte what canonical(content_of())
// gives, for every shape of entry and every character a text may hold.
TEST(CanonicalSpend, IsByteForByteTheJsonDump) {
  const std::vector<std::string> texts = {
      "", "plain", "quote \" backslash \\ slash /", "tab\there", "nl\ncr\rbs\bff\f", std::string("nul\0x", 5),
      "\x01\x1f\x7f", "é ü 漢字 🙂", "\u2028\u2029", "\xEF\xBB\xBF" "bom", "a,b;c", "=SUM(A1)"};
  std::uint64_t state = 7;
  auto next = [&](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  int checked = 0;
  for (int i = 0; i < 2000; ++i) {
    ledger::SpendEntry e = spend_of("rt", "twitter", "2016", static_cast<std::int64_t>(next(1000000)));
    e.entry_id = static_cast<std::int64_t>(next(5000000)) + 1;
    e.txn_id = static_cast<std::int64_t>(next(5000000)) + 1;
    e.market = texts[next(texts.size())] + "m";
    e.source = texts[next(texts.size())] + "s";
    if (next(2)) e.handle = texts[next(texts.size())];
    if (next(2)) e.external_id = texts[next(texts.size())];
    if (next(2)) e.note = texts[next(texts.size())];
    if (next(2)) e.items = static_cast<std::int64_t>(next(1000000000000ULL));
    if (e.items) e.items_precision = static_cast<ledger::Precision>(next(3));
    if (next(2)) e.source_details.url = "https://example.org/" + texts[next(texts.size())];
    if (next(2)) e.source_details.accessed = date("2017-10-27");
    if (next(2)) e.source_details.quote = texts[next(texts.size())];
    for (std::uint64_t t = next(4); t > 0; --t) e.tags.push_back(texts[next(texts.size())] + std::to_string(t));
    std::sort(e.tags.begin(), e.tags.end());
    e.precision = static_cast<ledger::Precision>(next(4));
    if (e.precision == ledger::Precision::Range && next(2)) e.upper = usd(e.amount.minor() + 1);
    if (i % 7 == 0) e.amount = usd(0);  // posts nothing
    if (i % 11 == 0) e.amount = usd(INT64_MAX);
    ledger::JournalTxn txn = ledger::spend_txn(e);
    SCOPED_TRACE(i);
    ASSERT_EQ(ledger::canonical_spend(e, txn), ledger::canonical(ledger::content_of(e, txn)));
    ++checked;
  }
  EXPECT_EQ(checked, 2000);
}

// ---------------------------------------------------------------------------
// Proofs from a ledger: the subtrees stored as records are logged

// A ledger of `n` records: platforms p0000, p0001, ...
struct ManyRecords : PinnedLedger {
  explicit ManyRecords(int n) {
    write([&] {
      for (int i = 0; i < n; ++i) {
        std::string id = "p" + std::to_string(10000 + i);
        ledger->add_platform({id, "Platform " + id});
      }
    });
  }
};

TEST(LedgerProofs, EveryRecordsInclusionProofLeadsToTheHead) {
  ManyRecords t(600);  // stored subtrees of levels 6 to 9
  const ledger::TreeHead head = t.store->tree_head();
  ASSERT_EQ(head.size, 600);
  for (std::int64_t seq = 1; seq <= 600; seq += 7) {
    ledger::InclusionProof p = ledger::prove_inclusion(*t.store, seq, 600);
    EXPECT_EQ(p.leaf, ledger::leaf_hash(p.line));
    EXPECT_EQ(p.root, head.root);
    EXPECT_EQ(ledger::root_from_inclusion(seq - 1, 600, p.leaf, p.path), std::optional<Hash>(head.root)) << seq;
  }
  // An earlier size: its root is the one the ledger had then.
  ledger::CompactRange first;
  for (const LogRecord& r : whole_log(*t.store))
    if (r.seq <= 300) first.append(r.hash);
  EXPECT_EQ(ledger::log_root_at(*t.store, 300), first.root());
  ledger::InclusionProof early = ledger::prove_inclusion(*t.store, 257, 300);
  EXPECT_EQ(ledger::root_from_inclusion(256, 300, early.leaf, early.path), std::optional<Hash>(first.root()));
}

TEST(LedgerProofs, ConsistencyProofsLeadToBothRoots) {
  ManyRecords t(530);
  for (std::int64_t m : {1, 2, 255, 256, 257, 300, 512, 529, 530}) {
    ledger::ConsistencyProof p = ledger::prove_consistency(*t.store, m, 530);
    EXPECT_EQ(p.first_root, ledger::log_root_at(*t.store, m));
    std::optional<ledger::ConsistencyRoots> roots = ledger::roots_from_consistency(m, 530, p.first_root, p.path);
    ASSERT_TRUE(roots) << m;
    EXPECT_EQ(roots->first, p.first_root);
    EXPECT_EQ(roots->second, t.store->tree_head().root);
  }
}

TEST(LedgerProofs, SizesAndRecordsOutsideTheLogAreRefused) {
  ManyRecords t(20);
  EXPECT_ERROR(ErrorKind::Input, "record 0: the tree of 20 records holds records 1 to 20", ledger::prove_inclusion(*t.store, 0, 20));
  EXPECT_ERROR(ErrorKind::Input, "--size 21: the ledger has 20 records; a size is 1 to 20", ledger::prove_inclusion(*t.store, 5, 21));
  EXPECT_ERROR(ErrorKind::Input, "record 6: the tree of 5 records holds records 1 to 5", ledger::prove_inclusion(*t.store, 6, 5));
  EXPECT_ERROR(ErrorKind::Input, "--from 6: the earlier size is 1 to --to (5)", ledger::prove_consistency(*t.store, 6, 5));
  EXPECT_ERROR(ErrorKind::Input, "--from 0: the earlier size is 1 to --to (5)", ledger::prove_consistency(*t.store, 0, 5));
}

TEST(TamperTreeNodes, AChangedStoredSubtreeIsFound) {
  ManyRecords t(300);
  t.close();
  sqlite_ok(t.dir, t.path,
            "DROP TRIGGER log_tree_node_append_only_update; UPDATE log_tree_node SET hash = zeroblob(32);");
  sqlite_ok(t.dir, t.path, restore_triggers());
  t.reopen();
  VerifyResult r = t.verify();
  expect_only_failing(r, {"chain"});
  EXPECT_EQ(check_named(r, "chain")->summary,
            "the stored subtree of records 1 to 64 (level 6) is not the root of its records' leaves: the log was "
            "changed");
}

TEST(TamperTreeNodes, AMissingAndAnExtraSubtreeAreFound) {
  ManyRecords t(300);
  t.close();
  sqlite_ok(t.dir, t.path,
            "DROP TRIGGER log_tree_node_append_only_delete; DELETE FROM log_tree_node;"
            " INSERT INTO log_tree_node (level, idx, hash) VALUES (9, 0, zeroblob(32));");
  sqlite_ok(t.dir, t.path, restore_triggers());
  t.reopen();
  VerifyResult r = t.verify();
  expect_only_failing(r, {"chain"});
  std::optional<VerifyCheck> chain = check_named(r, "chain");
  ASSERT_EQ(chain->problems.size(), 8u) << describe(r);  // 4 + 2 + 1 missing below level 9, 1 extra
  EXPECT_EQ(chain->problems[0],
            "the stored subtree of records 1 to 64 (level 6) is missing: proofs that need it cannot be made");
  EXPECT_EQ(chain->problems[7],
            "the stored subtree of records 1 to 512 (level 9) is stored, but the log has no such complete subtree");
  // A proof that needs the missing subtree says so, and what to run.
  EXPECT_ERROR(ErrorKind::Storage, "the ledger's tree has no node of level 8 at 0: its stored tree is not whole (run adledger "
                       "verify)", ledger::prove_inclusion(*t.store, 290, 300));
}

TEST(TamperTreeNodes, TheSubtreeTableIsAppendOnly) {
  ManyRecords t(256);
  t.close();
  ShellResult update = run_sqlite(t.dir, t.path, {"UPDATE log_tree_node SET hash = zeroblob(32);"});
  EXPECT_NE(update.status, 0);
  EXPECT_TRUE(contains(update.output, "append-only: log_tree_node rows are never changed")) << update.output;
  ShellResult remove = run_sqlite(t.dir, t.path, {"DELETE FROM log_tree_node;"});
  EXPECT_NE(remove.status, 0);
  EXPECT_TRUE(contains(remove.output, "append-only: log_tree_node rows are never deleted")) << remove.output;
}

TEST(VerifySince, AnExtendedLedgerPassesAndARewrittenOneIsNamed) {
  ManyRecords t(40);
  ledger::TreeHead at40 = t.store->tree_head();
  std::vector<Hash> published;
  for (const LogRecord& r : whole_log(*t.store)) published.push_back(r.hash);
  t.write([&] { t.ledger->add_platform({"later", "Later"}); });
  VerifyOptions since;
  since.since = ledger::SinceCheckpoint{"example.org/log", 40, at40.root, std::nullopt, true};
  VerifyResult ok = t.verify(since);
  EXPECT_TRUE(ok.ok()) << describe(ok);
  EXPECT_EQ(check_named(ok, "checkpoint")->summary,
            "this ledger extends the checkpoint of example.org/log at 40 records (root " + ledger::to_hex(at40.root) +
                ")");
  // A checkpoint of another ledger: its root differs; the published log
  // names the first record that differs.
  published[11] = ledger::leaf_hash("another record");
  ledger::CompactRange other;
  for (const Hash& h : published) other.append(h);
  since.since = ledger::SinceCheckpoint{"example.org/log", 40, other.root(), published, true};
  VerifyResult forked = t.verify(since);
  expect_only_failing(forked, {"checkpoint"});
  EXPECT_EQ(check_named(forked, "checkpoint")->summary,
            "the first 40 records have root " + ledger::to_hex(at40.root) +
                ", not the root of the checkpoint of example.org/log at 40 records (" + ledger::to_hex(other.root()) +
                "): a record was rewritten, or this is another ledger (a fork); record 12 (platform p10011) is not "
                "the one in the published log");
  // A checkpoint of a larger ledger: this one was rolled back.
  since.since = ledger::SinceCheckpoint{"example.org/log", 45, other.root(), std::nullopt, true};
  VerifyResult rolled = t.verify(since);
  EXPECT_EQ(check_named(rolled, "checkpoint")->summary,
            "the ledger has 41 records, fewer than the checkpoint of example.org/log at 45 records: it was rolled "
            "back to an older copy or truncated");
}

// What versions 9 to 12 added, taken away (the names say up to which
// version 11 is undone; version 12's withdrawal tables go too): with the
// version 8 or 7 adds and a lower user_version, a ledger as an older
// adledger left it. The ledgers these undo hold no withdrawal.
// Version 12's withdrawal tables, its items_precision column and the views
// that read them, taken away; the views as version 7 made them
// (schemas/migrations/7.sql) put back.
// The text of `view`'s CREATE statement in migration `version`.
std::string view_of_migration(int version, const char* view) {
  std::ifstream in(ADLEDGER_SOURCE_DIR "/schemas/migrations/" + std::to_string(version) + ".sql");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // (A view not found leaves it out, and the migration tests fail.)
  std::size_t start = text.find(view);
  return start == std::string::npos ? "" : " " + text.substr(start, text.find(';', start) + 1 - start);
}
// Version 13 added columns, and the view spend that shows them: dropped
// from every table that has them, with the view of version 12 restored.
std::string drop_source_details() {
  std::string sql;
  for (const char* table : {"spend_entry", "spend_reversal", "policy_action", "policy_withdrawal", "pledge",
                            "pledge_withdrawal", "disbursement", "disbursement_withdrawal", "disclosed_total",
                            "disclosed_total_withdrawal", "exchange_rate"})
    for (const char* column : {"source_url", "source_accessed", "source_quote"})
      sql += std::string(" ALTER TABLE ") + table + " DROP COLUMN " + column + ";";
  return sql;
}
std::string undo_version_13() {
  return "DROP VIEW spend;" + drop_source_details() + view_of_migration(12, "CREATE VIEW spend ");
}
std::string undo_version_12() {
  std::string sql = "DROP VIEW journal_txn; DROP VIEW posting; DROP VIEW spend;" + drop_source_details() +
                    " DROP TABLE disclosed_total_withdrawal; DROP TABLE disbursement_withdrawal;"
                    " DROP TABLE pledge_withdrawal; ALTER TABLE spend_entry DROP COLUMN items_precision;";
  for (const char* view : {"CREATE VIEW spend ", "CREATE VIEW journal_txn ", "CREATE VIEW posting "})
    sql += view_of_migration(7, view);
  return sql;
}
const std::string kUndoVersion11 =
    undo_version_12() + " DROP TABLE api_idempotency; DROP TABLE api_token_revocation; DROP TABLE api_token;";
const std::string kUndoVersions9To11 =
    kUndoVersion11 + " DROP TABLE currency_total; ALTER TABLE record_log DROP COLUMN author;";

// A ledger of version 7 has no stored subtrees: the migration builds them
// from the leaves, and proofs and verify work at once.
TEST(MigrationTo8, TheSubtreesAreBuiltFromTheLeaves) {
  ManyRecords t(600);
  const ledger::TreeHead head = t.store->tree_head();
  t.close();
  sqlite_ok(t.dir, t.path, std::string(kUndoVersions9To11) + " DROP TABLE log_tree_node; PRAGMA user_version = 7;");
  t.reopen();
  EXPECT_EQ(t.store->tree_head().root, head.root);
  VerifyResult r = t.verify();
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(contains(check_named(r, "chain")->summary, "and the 16 subtrees stored for proofs are its own"))
      << check_named(r, "chain")->summary;
  ledger::InclusionProof p = ledger::prove_inclusion(*t.store, 100, 600);
  EXPECT_EQ(ledger::root_from_inclusion(99, 600, p.leaf, p.path), std::optional<Hash>(head.root));
}

TEST(MigrationTo8, ALogWhoseKeptTreeIsNotItsLeavesIsRefused) {
  ManyRecords t(300);
  t.close();
  sqlite_ok(t.dir, t.path,
            std::string(kUndoVersions9To11) +
                " DROP TABLE log_tree_node; PRAGMA user_version = 7; DROP TRIGGER log_tree_append_only_update;"
            " UPDATE log_tree SET frontier = zeroblob(length(frontier));");
  const std::string before = read_bytes(t.path);
  EXPECT_ERROR(ErrorKind::Storage, "cannot bring it from schema version 7 to 8: the tree the ledger keeps (300 records",
               open_sqlite_store(t.path, OpenMode::OpenExisting));
  EXPECT_EQ(read_bytes(t.path), before);
}

// verify --since a checkpoint of the untouched ledger, given the log
// published with it: each way of undoing what was published fails the
// checkpoint check, naming the first record that differs or is missing.
TEST(VerifySince, TruncatedReorderedAndRewrittenLogsAreNamed) {
  struct Case {
    const char* name;
    const char* sql;
    const char* named;  // in the checkpoint check's summary
  };
  const Case cases[] = {
      {"truncated", "DROP TRIGGER record_log_append_only_delete; DELETE FROM record_log WHERE seq = 11;",
       "the ledger has 10 records, fewer than the checkpoint of example.org/log at 11 records: it was rolled back "
       "to an older copy or truncated; record 11 of the published log is missing here"},
      {"reordered",
       "DROP TRIGGER record_log_append_only_update; UPDATE record_log SET seq = 100 WHERE seq = 4;"
       " UPDATE record_log SET seq = 4 WHERE seq = 5; UPDATE record_log SET seq = 5 WHERE seq = 100;",
       "record 4 (spend 2) is not the one in the published log"},
      {"a leaf rewritten",
       "DROP TRIGGER record_log_append_only_update; UPDATE record_log SET hash = zeroblob(32) WHERE seq = 3;",
       "record 3 (handle twitter/@RT_com) is not the one in the published log"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Everything t;
    std::vector<Hash> published;
    for (const LogRecord& r : whole_log(*t.store)) published.push_back(r.hash);
    VerifyOptions since;
    since.since = ledger::SinceCheckpoint{"example.org/log", 11, t.store->tree_head().root, published, true};
    ASSERT_TRUE(t.verify(since).ok());
    VerifyResult r = tamper(t, c.sql, since);
    std::optional<VerifyCheck> check = check_named(r, "checkpoint");
    ASSERT_TRUE(check);
    EXPECT_FALSE(check->ok);
    EXPECT_TRUE(contains(check->summary, c.named)) << check->summary;
  }
}

// A damaged ledger of version 7 cannot be migrated for good, but a command
// that only reads migrates it unchecked, so that verify says what is wrong.
TEST(MigrationTo8, ADamagedLogIsVerifiedNotRefused) {
  ManyRecords t(300);
  t.close();
  sqlite_ok(t.dir, t.path,
            std::string(kUndoVersions9To11) +
                " DROP TABLE log_tree_node; PRAGMA user_version = 7; DROP TRIGGER record_log_append_only_delete;"
            " DELETE FROM record_log WHERE seq = 100;");
  EXPECT_ERROR(ErrorKind::Storage, "cannot bring it from schema version 7 to 8: record 100 is missing from the log",
               open_sqlite_store(t.path, OpenMode::OpenExisting));
  std::unique_ptr<ledger::Store> store = open_sqlite_store(t.path, OpenMode::ReadExisting);
  VerifyResult r = ledger::verify_ledger(*store, VerifyOptions{});
  std::optional<VerifyCheck> chain = check_named(r, "chain");
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->ok);
  EXPECT_EQ(chain->summary, "record 100 is missing (the next is 101): records were deleted") << describe(r);
}

// A record missing from the middle of a block of leaves would shift the
// leaves after it: the proof is refused, naming the record, never made wrong.
TEST(TamperTreeNodes, ARecordMissingInsideABlockOfLeavesIsNamed) {
  ManyRecords t(100);
  t.close();
  sqlite_ok(t.dir, t.path, "DROP TRIGGER record_log_append_only_delete; DELETE FROM record_log WHERE seq = 10;");
  sqlite_ok(t.dir, t.path, restore_triggers());
  t.reopen();
  EXPECT_ERROR(ErrorKind::Storage, "record 10 is missing from the log (run adledger verify)",
               ledger::prove_inclusion(*t.store, 5, 100));
}

}  // namespace

// ---------------------------------------------------------------------------
// Authorship: who recorded a record is in its line, and so in its hash

// A record nobody was named for has the line it always had; a named one
// begins with its author, which changes the hash.
TEST(ChainAuthor, AnAuthorBeginsTheLineAndNoAuthorLeavesItAsItWas) {
  const std::string content = R"({"id":"twitter","name":"Twitter"})";
  EXPECT_EQ(ledger::chain_line(1, "platform", "twitter", "2026-11-22T10:00:00.000Z", content, ""), kLine1);
  const std::string named = ledger::chain_line(1, "platform", "twitter", "2026-11-22T10:00:00.000Z", content, "desk");
  EXPECT_EQ(named, std::string(R"({"author":"desk",)") + (kLine1 + 1));
  EXPECT_NE(ledger::leaf_hash(named), ledger::leaf_hash(kLine1));
  // Escaped as any text of the line is, UTF-8 as is.
  const std::string escaped =
      ledger::chain_line(1, "platform", "twitter", "2026-11-22T10:00:00.000Z", content, "Редакция \"A\"");
  EXPECT_TRUE(escaped.starts_with(R"({"author":"Редакция \"A\"","content":)")) << escaped;
  LogRecord r;
  r.seq = 1;
  r.kind = "platform";
  r.ref = "twitter";
  r.recorded_at = "2026-11-22T10:00:00.000Z";
  r.content = content;
  r.author = "desk";
  EXPECT_EQ(ledger::chain_line(r), named);
}

TEST(ChainAuthor, ANameIsOneToTwoHundredBytesOfPlainText) {
  EXPECT_NO_THROW(ledger::check_author("desk"));
  EXPECT_NO_THROW(ledger::check_author("Редакция RT-watch"));
  EXPECT_NO_THROW(ledger::check_author(std::string(200, 'a')));
  EXPECT_ERROR(ErrorKind::Input, "author \"\": must not be empty", ledger::check_author(""));
  EXPECT_ERROR(ErrorKind::Input, "author", ledger::check_author(std::string(201, 'a')));
  EXPECT_ERROR(ErrorKind::Input, "author", ledger::check_author(" desk"));
  EXPECT_ERROR(ErrorKind::Input, "author", ledger::check_author("desk "));
  EXPECT_ERROR(ErrorKind::Input, "author", ledger::check_author("news\tdesk"));
  EXPECT_ERROR(ErrorKind::Input, "author", ledger::check_author("news\ndesk"));
  EXPECT_ERROR(ErrorKind::Input, "author", ledger::check_author("\xff\xfe"));
  EXPECT_ERROR(ErrorKind::Input, "token name", ledger::check_author("", "token name"));
  PinnedLedger t;
  EXPECT_ERROR(ErrorKind::Input, "author", t.ledger->set_author(" desk"));
  EXPECT_EQ(t.ledger->author(), "");
}

// Records written under a name carry it, in the log and for the journal's
// transactions; those written before carry none; verify holds; and the name
// cannot be changed afterwards unnoticed: the record no longer hashes to
// its leaf.
TEST(ChainAuthor, WritesCarryTheirAuthorAndVerifyHoldsTheNameToTheHash) {
  PinnedLedger t;
  t.write([&] {
    t.ledger->add_platform({"twitter", "Twitter"});
    t.ledger->add_advertiser({"rt", "RT", std::string("RU"), true});
  });
  t.ledger->set_author("newsdesk");
  ledger::SpendEntry spend;
  t.write([&] { spend = t.ledger->record_spend(spend_of("rt", "twitter", "2016", 27410000)); });
  std::vector<LogRecord> log = whole_log(*t.store);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].author, "");
  EXPECT_EQ(log[1].author, "");
  EXPECT_EQ(log[2].author, "newsdesk");
  EXPECT_EQ(log[2].hash, ledger::leaf_hash(ledger::chain_line(log[2])));
  EXPECT_EQ(t.store->record_author("spend", std::to_string(spend.entry_id)), "newsdesk");
  EXPECT_EQ(t.store->record_author("platform", "twitter"), "");
  EXPECT_EQ(t.store->record_author("spend", "999"), "");
  ledger::TxnAuthors authors(*t.store);
  EXPECT_EQ(authors.of(spend.txn_id), "newsdesk");
  EXPECT_EQ(authors.of(spend.txn_id + 1000), "");
  EXPECT_TRUE(t.verify().ok()) << describe(t.verify());

  VerifyResult r = tamper(
      t, "DROP TRIGGER record_log_append_only_update; UPDATE record_log SET author = 'someone else' WHERE seq = 3;");
  expect_only_failing(r, {"records"});
  EXPECT_TRUE(contains(check_named(r, "records")->summary, "record 3 (spend 1): the tables now differ"))
      << describe(r);
}

// A ledger of version 8 gains the author column; its records keep their
// hashes and have no author; new ones may.
TEST(MigrationTo9, RecordsKeepTheirHashesAndGainNoAuthor) {
  Everything t;
  const ledger::TreeHead head = t.store->tree_head();
  t.close();
  sqlite_ok(t.dir, t.path, std::string(kUndoVersions9To11) + " PRAGMA user_version = 8;");
  t.reopen();
  EXPECT_EQ(shell_output(t.dir, t.path, "PRAGMA user_version;"), std::to_string(ledger::kSchemaVersion) + "\n");
  EXPECT_EQ(t.store->tree_head().root, head.root);
  for (const LogRecord& r : whole_log(*t.store)) EXPECT_EQ(r.author, "") << r.seq;
  t.ledger->set_author("desk");
  t.write([&] { t.ledger->add_platform({"vk-ru", "VK"}); });
  EXPECT_EQ(whole_log(*t.store).back().author, "desk");
  EXPECT_TRUE(t.verify().ok()) << describe(t.verify());
}

// ---------------------------------------------------------------------------
// The sums kept per currency (schema version 10)

// Debits: spend 1 and 2, the reversal of 2, the pledge and the
// disbursement; no ranges.
constexpr std::int64_t kEverythingDebits = 27410000 + 500 + 500 + 190000000 + 50000000;

std::vector<ledger::CurrencyTotal> kept_sums(ledger::Store& store) { return store.currency_totals(); }

TEST(CurrencySums, EveryWriteAddsToThemAndVerifyHoldsThemToThePostings) {
  Everything t;
  std::vector<ledger::CurrencyTotal> sums = kept_sums(*t.store);
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_EQ(sums[0].currency, "USD");
  EXPECT_EQ(sums[0].debits_minor, kEverythingDebits);
  EXPECT_EQ(sums[0].upper_minor, 0);
  EXPECT_EQ(t.store->posted_volume("USD"), kEverythingDebits);
  EXPECT_EQ(t.store->posted_volume("EUR"), 0);
  ledger::SpendEntry range = spend_of("rt", "twitter", "2019", 10000);
  range.precision = ledger::Precision::Range;
  range.upper = usd(49999);
  t.write([&] { t.ledger->record_spend(range); });
  EXPECT_EQ(t.store->posted_volume("USD"), kEverythingDebits + 10000);
  EXPECT_EQ(t.store->upper_bound_total("USD"), 49999);
  EXPECT_TRUE(t.verify().ok()) << describe(t.verify());

  // A sum changed behind adledger's back is named.
  VerifyResult r = tamper(t, "UPDATE currency_total SET upper_minor = 1");
  expect_only_failing(r, {"journal"});
  EXPECT_TRUE(contains(describe(r), "the ledger keeps upper bounds in USD of 1 minor units, and its spend ranges' "
                                    "upper bounds sum to 49999"))
      << describe(r);
}

// The kept sums, not a new count of the entries, bound a write: a ledger
// whose debits in USD are one unit short of the largest amount takes no
// spend of 2 units, and is left as it was.
TEST(CurrencySums, AWriteBeyondTheLargestSumIsRefused) {
  Everything t;
  t.close();
  sqlite_ok(t.dir, t.path, "UPDATE currency_total SET debits_minor = 9223372036854775806");
  t.reopen();
  const std::string before = read_bytes(t.path);
  EXPECT_ERROR(ErrorKind::Input, "the ledger's debits in USD would add up to more than",
               t.write([&] { t.ledger->record_spend(spend_of("rt", "twitter", "2019", 2)); }));
  EXPECT_EQ(read_bytes(t.path), before);
}

// A ledger of version 9 gains the sums of what it holds.
// Version 11 adds the server's tokens, outside the record log: the head
// stays, the tables are there and append-only, and verify passes.
TEST(MigrationTo11, AddsTheTokensOutsideTheLog) {
  Everything t;
  const ledger::TreeHead head = t.store->tree_head();
  t.close();
  sqlite_ok(t.dir, t.path, std::string(kUndoVersion11) + " PRAGMA user_version = 10;");
  t.reopen();
  EXPECT_EQ(shell_output(t.dir, t.path, "PRAGMA user_version;"), std::to_string(ledger::kSchemaVersion) + "\n");
  EXPECT_EQ(t.store->tree_head().root, head.root);
  EXPECT_TRUE(t.store->api_tokens().empty());
  t.write([&] {
    t.store->add_api_token(ledger::ApiToken{"desk", "recorder", ledger::sha256("adl_x"), "2026-12-06T00:00:00.000Z", {}});
  });
  EXPECT_EQ(t.store->find_api_token(ledger::sha256("adl_x"))->name, "desk");
  EXPECT_EQ(t.store->tree_head().root, head.root);  // not a record
  EXPECT_TRUE(t.verify().ok()) << describe(t.verify());
  t.close();
  for (const char* sql : {"UPDATE api_token SET role = 'admin';", "DELETE FROM api_token;"}) {
    ShellResult r = run_sqlite(t.dir, t.path, {sql});
    EXPECT_NE(r.status, 0) << sql;
    EXPECT_NE(r.output.find("append-only"), std::string::npos) << r.output;
  }
}

// Version 12 adds the withdrawals of pledges, disbursements and disclosed
// totals: a ledger of version 11 keeps its head, verify passes, and a
// withdrawal recorded afterwards is in the journal's views and in verify.
TEST(MigrationTo12, AddsWithdrawalsAndTheirPostings) {
  Everything t;
  const ledger::TreeHead head = t.store->tree_head();
  t.close();
  sqlite_ok(t.dir, t.path, undo_version_12() + " PRAGMA user_version = 11;");
  t.reopen();
  EXPECT_EQ(shell_output(t.dir, t.path, "PRAGMA user_version;"), std::to_string(ledger::kSchemaVersion) + "\n");
  EXPECT_EQ(t.store->tree_head().root, head.root);
  EXPECT_FALSE(t.store->find_pledge(t.pledge.id)->withdrawal);
  EXPECT_TRUE(t.verify().ok()) << describe(t.verify());
  ledger::RecordWithdrawal w;
  t.write([&] {
    w = t.ledger->withdraw(ledger::Withdrawable::Disbursement, t.disbursement.id, "paid twice", "https://example.org/w");
  });
  EXPECT_TRUE(t.verify().ok()) << describe(t.verify());
  t.close();
  // The views a reader of the file queries show the undoing postings.
  EXPECT_EQ(shell_output(t.dir, t.path,
                         "SELECT kind, date FROM journal_txn WHERE id = " + std::to_string(w.txn_id) +
                             "; SELECT account, amount_minor FROM posting WHERE txn_id = " +
                             std::to_string(w.txn_id) + " ORDER BY line;"),
            "disbursement|2018-01-15\nliabilities:pledges:twitter:" + t.pledge.id + "|-50000000\nassets:cash:twitter|50000000\n");
  EXPECT_EQ(shell_output(t.dir, t.path, "SELECT sum(amount_minor) FROM posting;"), "0\n");
  for (const char* sql : {"UPDATE disbursement_withdrawal SET reason = 'x';", "DELETE FROM disbursement_withdrawal;"}) {
    ShellResult r = run_sqlite(t.dir, t.path, {sql});
    EXPECT_NE(r.status, 0) << sql;
    EXPECT_NE(r.output.find("append-only"), std::string::npos) << r.output;
  }
}

// Version 13 adds the details of sources: a ledger of version 12 keeps its
// head and passes verify, and a record given with details afterwards keeps
// them in its row, its hash and the view a reader of the file queries.
TEST(MigrationTo13, AddsTheDetailsOfSources) {
  Everything t(/*withdrawals=*/true);
  const ledger::TreeHead head = t.store->tree_head();
  t.close();
  sqlite_ok(t.dir, t.path, undo_version_13() + " PRAGMA user_version = 12;");
  t.reopen();
  EXPECT_EQ(shell_output(t.dir, t.path, "PRAGMA user_version;"), std::to_string(ledger::kSchemaVersion) + "\n");
  EXPECT_EQ(t.store->tree_head().root, head.root);
  EXPECT_TRUE(t.store->find_spend(t.spend1.entry_id)->source_details.empty());
  EXPECT_TRUE(t.verify().ok()) << describe(t.verify());
  ledger::SpendEntry e = spend_of("rt", "twitter", "2015", 700);
  e.source_details = {"https://example.org/letter", date("2017-10-27"), "RT spent $7"};
  ledger::SpendEntry recorded;
  t.write([&] { recorded = t.ledger->record_spend(e); });
  EXPECT_EQ(t.store->find_spend(recorded.entry_id)->source_details, e.source_details);
  EXPECT_TRUE(t.verify().ok()) << describe(t.verify());
  t.close();
  EXPECT_EQ(shell_output(t.dir, t.path,
                         "SELECT source_url, source_accessed, source_quote FROM spend WHERE id = " +
                             std::to_string(recorded.entry_id) + ";"),
            "https://example.org/letter|2017-10-27|RT spent $7\n");
}

TEST(MigrationTo10, TheSumsAreThoseOfTheRecords) {
  Everything t;
  ledger::SpendEntry range = spend_of("rt", "twitter", "2019", 10000);
  range.precision = ledger::Precision::Range;
  range.upper = usd(49999);
  t.write([&] { t.ledger->record_spend(range); });
  const ledger::TreeHead head = t.store->tree_head();
  t.close();
  sqlite_ok(t.dir, t.path, std::string(kUndoVersion11) + " DROP TABLE currency_total; PRAGMA user_version = 9;");
  t.reopen();
  EXPECT_EQ(t.store->tree_head().root, head.root);
  std::vector<ledger::CurrencyTotal> sums = kept_sums(*t.store);
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_EQ(sums[0].debits_minor, kEverythingDebits + 10000);
  EXPECT_EQ(sums[0].upper_minor, 49999);
  EXPECT_TRUE(t.verify().ok()) << describe(t.verify());
}

// A page of entries reads from the entry after the last one shown and
// stops when the visitor says so.
TEST(SpendPages, EachSpendAfterStartsAfterAndStopsWhenAsked) {
  Everything t;
  t.write([&] {
    for (int i = 0; i < 5; ++i) t.ledger->record_spend(spend_of("rt", "twitter", "2015", 100 + i));
  });  // entries 1 to 7
  std::vector<std::int64_t> seen;
  t.store->each_spend_after(3, [&](const ledger::SpendEntry& e) {
    seen.push_back(e.entry_id);
    return seen.size() < 2;
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{4, 5}));
  seen.clear();
  t.store->each_spend_after(6, [&](const ledger::SpendEntry& e) {
    seen.push_back(e.entry_id);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{7}));
}
