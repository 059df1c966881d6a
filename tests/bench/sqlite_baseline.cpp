// What SQLite itself can do: the ceiling for `adledger import` (issue 6).
//
//   sqlite_baseline [--mode rows|entries] N DB
//
// Creates DB (which must not exist) and inserts N spend entries in one
// transaction, each INSERT through a prepared statement made once, then
// prints one line: mode, N, seconds, entries per second, microseconds per
// entry, database bytes per entry.
//
// --mode rows (the default): one row per entry into a table of the width and
//   constraints of adledger's `spend` table (schemas/ledger.sql and
//   migrations/4.sql: same columns, STRICT, same CHECKs, UNIQUE external id,
//   the spend_by_advertiser index; no foreign keys, since there is no table
//   to refer to). The issue's "same number of rows of the same width".
// --mode entries: every row adledger writes for one spend entry, with the
//   same tables, indices and foreign keys (PRAGMA foreign_keys = ON, as
//   adledger runs): a journal_txn, two postings, the spend row, one spend_tag
//   and a record_log row with the record's JSON and a 32-byte hash, and
//   schema version 6's journal_txn_by_date index (migrations/6.sql). The hash
//   is not computed (a fixed pattern), and no JSON is parsed or validated:
//   this is the storage's share of an import, with nothing of adledger's own.
//
// Build: g++ -O2 -std=c++20 sqlite_baseline.cpp -lsqlite3 -o sqlite_baseline
// (or tests/bench/CMakeLists.txt).

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void die(sqlite3* db, const char* what) {
  std::fprintf(stderr, "sqlite_baseline: %s: %s\n", what, db != nullptr ? sqlite3_errmsg(db) : "");
  std::exit(2);
}

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite_baseline: %s\n", error != nullptr ? error : "exec failed");
    sqlite3_free(error);
    std::exit(2);
  }
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) die(db, sql);
  return stmt;
}

void step(sqlite3* db, sqlite3_stmt* stmt) {
  if (sqlite3_step(stmt) != SQLITE_DONE) die(db, "insert");
  sqlite3_reset(stmt);
}

void text(sqlite3_stmt* stmt, int column, std::string_view value) {
  sqlite3_bind_text(stmt, column, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

constexpr const char* kSpendColumns = R"(
  advertiser_id TEXT NOT NULL,
  platform_id   TEXT NOT NULL,
  handle        TEXT,
  amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0 OR (amount_minor = 0 AND precision = 'range')),
  currency      TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  period_first  TEXT NOT NULL CHECK (date(period_first) IS period_first),
  period_last   TEXT NOT NULL CHECK (date(period_last) IS period_last AND period_last >= period_first),
  items         INTEGER CHECK (items IS NULL OR items >= 0),
  market        TEXT NOT NULL CHECK (length(market) > 0),
  precision     TEXT NOT NULL CHECK (precision IN ('exact', 'approximate', 'estimated', 'range')),
  source        TEXT NOT NULL CHECK (length(source) > 0),
  external_id   TEXT UNIQUE,
  note          TEXT,
  upper_minor   INTEGER CHECK (upper_minor IS NULL OR (precision = 'range' AND upper_minor > 0
                                                       AND upper_minor >= amount_minor)))";

constexpr std::array<const char*, 5> kPlatforms = {"twitter", "facebook", "google", "youtube", "tiktok"};
constexpr std::array<const char*, 8> kMarkets = {"US", "FR", "DE", "GB", "BR", "IN", "RU", "UA"};
constexpr std::array<const char*, 3> kPrecisions = {"exact", "approximate", "estimated"};
constexpr std::string_view kSource = "synthetic ledger, tests/bench/generate.py --seed 6";

// A deterministic entry of the generator's shape (not its values).
struct Entry {
  char advertiser[16];
  const char* platform;
  std::int64_t amount_minor;
  const char* currency;
  char first[16];
  char last[16];
  std::int64_t items;
  const char* market;
  const char* precision;
  char external_id[24];
  char account_expense[64];
  char account_income[64];
};

std::uint64_t next(std::uint64_t& state) {  // splitmix64
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Entry make_entry(std::int64_t n, std::uint64_t& state) {
  Entry e{};
  std::snprintf(e.advertiser, sizeof e.advertiser, "adv-%04u", static_cast<unsigned>(next(state) % 1000));
  e.platform = kPlatforms[next(state) % kPlatforms.size()];
  e.amount_minor = static_cast<std::int64_t>(next(state) % 5'000'000) + 1;
  e.currency = next(state) % 10 == 0 ? "EUR" : "USD";
  const unsigned year = 2014 + static_cast<unsigned>(next(state) % 10);
  const unsigned month = 1 + static_cast<unsigned>(next(state) % 12);
  std::snprintf(e.first, sizeof e.first, "%04u-%02u-01", year, month);
  std::snprintf(e.last, sizeof e.last, "%04u-%02u-28", year, month);
  e.items = static_cast<std::int64_t>(next(state) % 5000);
  e.market = kMarkets[next(state) % kMarkets.size()];
  e.precision = kPrecisions[next(state) % kPrecisions.size()];
  std::snprintf(e.external_id, sizeof e.external_id, "s%07lld", static_cast<long long>(n));
  std::snprintf(e.account_expense, sizeof e.account_expense, "expenses:ads:%s:%s", e.advertiser, e.platform);
  std::snprintf(e.account_income, sizeof e.account_income, "income:ads:%s:%s", e.platform, e.advertiser);
  return e;
}

void bind_spend(sqlite3_stmt* stmt, const Entry& e, int first_column) {
  int c = first_column;
  text(stmt, c++, e.advertiser);
  text(stmt, c++, e.platform);
  sqlite3_bind_int64(stmt, c++, e.amount_minor);
  text(stmt, c++, e.currency);
  text(stmt, c++, e.first);
  text(stmt, c++, e.last);
  sqlite3_bind_int64(stmt, c++, e.items);
  text(stmt, c++, e.market);
  text(stmt, c++, e.precision);
  text(stmt, c++, kSource);
  text(stmt, c, e.external_id);
}

void run_rows(sqlite3* db, std::int64_t count) {
  exec(db, (std::string("CREATE TABLE spend (id INTEGER PRIMARY KEY,") + kSpendColumns + ") STRICT;"
            "CREATE INDEX spend_by_advertiser ON spend (advertiser_id, platform_id, period_first);")
               .c_str());
  exec(db, "BEGIN");
  sqlite3_stmt* insert = prepare(db,
                                 "INSERT INTO spend (advertiser_id, platform_id, amount_minor, currency, period_first,"
                                 " period_last, items, market, precision, source, external_id)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  std::uint64_t state = 6;
  for (std::int64_t n = 1; n <= count; ++n) {
    bind_spend(insert, make_entry(n, state), 1);
    step(db, insert);
  }
  sqlite3_finalize(insert);
  exec(db, "COMMIT");
}

void run_entries(sqlite3* db, std::int64_t count) {
  exec(db, "PRAGMA foreign_keys = ON");
  exec(db, (std::string(R"(
CREATE TABLE journal_txn (
  id          INTEGER PRIMARY KEY,
  date        TEXT NOT NULL CHECK (date(date) IS date),
  kind        TEXT NOT NULL CHECK (kind IN ('spend', 'pledge', 'disbursement')),
  description TEXT NOT NULL
) STRICT;
CREATE TABLE posting (
  id           INTEGER PRIMARY KEY,
  txn_id       INTEGER NOT NULL REFERENCES journal_txn (id),
  account      TEXT NOT NULL CHECK (length(account) > 0),
  currency     TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  amount_minor INTEGER NOT NULL CHECK (amount_minor <> 0)
) STRICT;
CREATE INDEX posting_by_txn ON posting (txn_id);
CREATE INDEX posting_by_account ON posting (account, currency);
-- Schema version 6: the journal by date. (Its account totals are written
-- once per account as the import commits, not per entry: not counted here.)
CREATE INDEX journal_txn_by_date ON journal_txn (date);
CREATE TABLE spend (
  id            INTEGER PRIMARY KEY,
  txn_id        INTEGER NOT NULL UNIQUE REFERENCES journal_txn (id),)") +
                kSpendColumns + R"() STRICT;
CREATE INDEX spend_by_advertiser ON spend (advertiser_id, platform_id, period_first);
CREATE TABLE spend_tag (
  spend_id INTEGER NOT NULL REFERENCES spend (id),
  tag      TEXT NOT NULL CHECK (length(tag) > 0),
  PRIMARY KEY (spend_id, tag)
) STRICT;
CREATE TABLE record_log (
  seq         INTEGER PRIMARY KEY CHECK (seq > 0),
  kind        TEXT NOT NULL,
  ref         TEXT NOT NULL CHECK (length(ref) > 0),
  recorded_at TEXT NOT NULL,
  content     TEXT NOT NULL CHECK (json_valid(content)),
  hash        BLOB NOT NULL CHECK (length(hash) = 32),
  UNIQUE (kind, ref)
) STRICT;)")
               .c_str());
  exec(db, "BEGIN");
  sqlite3_stmt* txn = prepare(db, "INSERT INTO journal_txn (date, kind, description) VALUES (?, 'spend', ?)");
  sqlite3_stmt* posting =
      prepare(db, "INSERT INTO posting (txn_id, account, currency, amount_minor) VALUES (?, ?, ?, ?)");
  sqlite3_stmt* spend = prepare(db,
                                "INSERT INTO spend (txn_id, advertiser_id, platform_id, amount_minor, currency,"
                                " period_first, period_last, items, market, precision, source, external_id)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  sqlite3_stmt* tag = prepare(db, "INSERT INTO spend_tag (spend_id, tag) VALUES (?, 'political')");
  sqlite3_stmt* log = prepare(db,
                              "INSERT INTO record_log (kind, ref, recorded_at, content, hash)"
                              " VALUES ('spend', ?, '2026-01-01T00:00:00.000Z', ?, ?)");
  std::array<unsigned char, 32> hash{};
  std::uint64_t state = 6;
  std::string description;
  std::string content;
  for (std::int64_t n = 1; n <= count; ++n) {
    const Entry e = make_entry(n, state);
    description = std::string("spend ") + e.advertiser + " on " + e.platform + " " + e.first + ".." + e.last;
    text(txn, 1, e.first);
    text(txn, 2, description);
    step(db, txn);
    const std::int64_t txn_id = sqlite3_last_insert_rowid(db);

    sqlite3_bind_int64(posting, 1, txn_id);
    text(posting, 2, e.account_expense);
    text(posting, 3, e.currency);
    sqlite3_bind_int64(posting, 4, e.amount_minor);
    step(db, posting);
    sqlite3_bind_int64(posting, 1, txn_id);
    text(posting, 2, e.account_income);
    text(posting, 3, e.currency);
    sqlite3_bind_int64(posting, 4, -e.amount_minor);
    step(db, posting);

    sqlite3_bind_int64(spend, 1, txn_id);
    bind_spend(spend, e, 2);
    step(db, spend);
    sqlite3_bind_int64(tag, 1, sqlite3_last_insert_rowid(db));
    step(db, tag);

    content = std::string(R"({"advertiser":")") + e.advertiser + R"(","amount":")" +
              std::to_string(e.amount_minor / 100) + "." + std::to_string(e.amount_minor % 100 + 100).substr(1) +
              R"(","currency":")" + e.currency + R"(","id":")" + e.external_id + R"(","items":)" +
              std::to_string(e.items) + R"(,"market":")" + e.market + R"(","period":")" + e.first + ".." + e.last +
              R"(","platform":")" + e.platform + R"(","precision":")" + e.precision + R"(","source":")" +
              std::string(kSource) + R"(","tags":["political"]})";
    for (std::size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<unsigned char>(n + static_cast<std::int64_t>(i));
    text(log, 1, e.external_id);
    text(log, 2, content);
    sqlite3_bind_blob(log, 3, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
    step(db, log);
  }
  for (sqlite3_stmt* stmt : {txn, posting, spend, tag, log}) sqlite3_finalize(stmt);
  exec(db, "COMMIT");
}

int usage() {
  std::fprintf(stderr, "usage: sqlite_baseline [--mode rows|entries] N DB\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "rows";
  int arg = 1;
  if (argc > arg + 1 && std::string_view(argv[arg]) == "--mode") {
    mode = argv[arg + 1];
    arg += 2;
  }
  if (argc - arg != 2 || (mode != "rows" && mode != "entries")) return usage();
  char* end = nullptr;
  const long long count = std::strtoll(argv[arg], &end, 10);
  if (end == argv[arg] || *end != '\0' || count < 0) return usage();
  const std::string path = argv[arg + 1];
  if (std::filesystem::exists(path)) {
    std::fprintf(stderr, "sqlite_baseline: %s exists; give a new file\n", path.c_str());
    return 2;
  }

  const auto start = std::chrono::steady_clock::now();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    die(db, "open");
  }
  if (mode == "rows") {
    run_rows(db, count);
  } else {
    run_entries(db, count);
  }
  if (sqlite3_close(db) != SQLITE_OK) die(db, "close");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto bytes = static_cast<double>(std::filesystem::file_size(path));
  const double per = count > 0 ? static_cast<double>(count) : 1.0;
  std::printf("mode=%s entries=%lld seconds=%.3f entries_per_second=%.0f us_per_entry=%.3f bytes_per_entry=%.1f\n",
              mode.c_str(), count, seconds, static_cast<double>(count) / seconds, seconds * 1e6 / per, bytes / per);
  return 0;
}
