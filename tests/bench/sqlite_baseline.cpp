// What SQLite itself can do: the ceiling for `adledger import`.
//
//   sqlite_baseline [--mode rows|entries|v7|v7-bulk] N DB
//
// Creates DB (which must not exist) and inserts N spend entries in one
// transaction, each INSERT through a prepared statement made once, then
// prints one line: mode, N, seconds, entries per second, microseconds per
// entry, database bytes per entry (the file and any -wal left beside it).
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
//   (Schema version 6's rows, in the rollback journal: kept to compare with
//   the figures measured before version 7.)
// --mode v7: the rows adledger writes for one spend entry with an external
//   id since schema version 7, with adledger's pragmas (foreign_keys = ON,
//   journal_mode = WAL, synchronous = FULL; page and cache size left as they
//   are): one spend_entry row (with its spend_by_account index, the UNIQUE
//   external id and its three REFERENCES) and one record_log row (seq,
//   'spend', the entry's id as text, milliseconds, a 32-byte hash of a fixed
//   pattern: no hashing) with its UNIQUE (kind, ref); and, once, as adledger
//   commits, one account_total upsert per account and currency touched, one
//   currency_total upsert per currency and one log_tree row. The rows an entry refers to (10,000 accounts: 1,000
//   advertisers on 5 platforms, an expense and an income account each; 50
//   sources; 8 tag sets) are inserted first, in the same transaction, as
//   adledger interns them on first sight; the advertiser and platform tables
//   are stand-ins holding only the keys the accounts refer to. The CREATE
//   TABLE statements are copied from schemas/migrations/7.sql (account_total
//   from 6.sql, currency_total from 10.sql); run.py compares them with a ledger `adledger init` made.
// --mode v7-bulk: the same rows, with spend_by_account created after the
//   entries are in (still inside the one transaction): what a bulk path that
//   builds the index once could gain.
//
// Build: g++ -O2 -std=c++20 sqlite_baseline.cpp -lsqlite3 -o sqlite_baseline
// (or tests/bench/CMakeLists.txt).

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

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
  std::size_t advertiser_index;  // 0..999
  std::size_t platform_index;    // into kPlatforms
  std::int64_t amount_minor;
  const char* currency;
  char first[16];
  char last[16];
  std::int64_t first_day;  // Julian day numbers, as schema version 7 keeps days
  std::int64_t last_day;
  std::int64_t items;
  const char* market;
  const char* precision;
  std::int64_t precision_code;  // version 7's: 0 exact, 1 approximate, 2 estimated
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

// The Julian day number of a civil date, as schema version 7 stores it
// (CAST(julianday(date) AS INTEGER) + 1; 1970-01-01 is 2440588). Howard
// Hinnant's days_from_civil.
std::int64_t julian_day(unsigned year, unsigned month, unsigned day) {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = y / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 + 2440588;
}

Entry make_entry(std::int64_t n, std::uint64_t& state) {
  Entry e{};
  e.advertiser_index = static_cast<std::size_t>(next(state) % 1000);
  std::snprintf(e.advertiser, sizeof e.advertiser, "adv-%04u", static_cast<unsigned>(e.advertiser_index));
  e.platform_index = static_cast<std::size_t>(next(state) % kPlatforms.size());
  e.platform = kPlatforms[e.platform_index];
  e.amount_minor = static_cast<std::int64_t>(next(state) % 5'000'000) + 1;
  e.currency = next(state) % 10 == 0 ? "EUR" : "USD";
  const unsigned year = 2014 + static_cast<unsigned>(next(state) % 10);
  const unsigned month = 1 + static_cast<unsigned>(next(state) % 12);
  std::snprintf(e.first, sizeof e.first, "%04u-%02u-01", year, month);
  std::snprintf(e.last, sizeof e.last, "%04u-%02u-28", year, month);
  e.first_day = julian_day(year, month, 1);
  e.last_day = julian_day(year, month, 28);
  e.items = static_cast<std::int64_t>(next(state) % 5000);
  e.market = kMarkets[next(state) % kMarkets.size()];
  e.precision_code = static_cast<std::int64_t>(next(state) % kPrecisions.size());
  e.precision = kPrecisions[static_cast<std::size_t>(e.precision_code)];
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

// Schema version 7's tables that an import of spend entries writes, as
// schemas/migrations/7.sql creates them (account_total: 6.sql;
// record_log.author: 9.sql), copied verbatim; run.py checks that they are
// still the tables of a new ledger.
// advertiser and platform are stand-ins: the accounts refer to their keys.
constexpr const char* kV7Schema = R"(
CREATE TABLE advertiser (id TEXT PRIMARY KEY) STRICT;
CREATE TABLE platform (id TEXT PRIMARY KEY) STRICT;

CREATE TABLE account (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  -- The advertiser and platform of a spend entry's expense account, which
  -- names them both: one advertiser's entries are found through it.
  advertiser_id TEXT REFERENCES advertiser (id),
  platform_id   TEXT REFERENCES platform (id)
) STRICT;
CREATE INDEX account_by_advertiser ON account (advertiser_id, platform_id) WHERE advertiser_id IS NOT NULL;

CREATE TABLE source_text (
  id   INTEGER PRIMARY KEY,
  text TEXT NOT NULL UNIQUE
) STRICT;

-- A set of tags, as a JSON array of distinct strings in order.
CREATE TABLE tag_set (
  id   INTEGER PRIMARY KEY,
  tags TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE spend_entry (
  id           INTEGER PRIMARY KEY,
  txn_id       INTEGER NOT NULL,
  debit        INTEGER NOT NULL REFERENCES account (id),
  credit       INTEGER NOT NULL REFERENCES account (id),
  amount_minor INTEGER NOT NULL,   -- a range's lower bound
  upper_minor  INTEGER,            -- a range's upper bound; NULL when open or not a range
  currency     INTEGER NOT NULL,   -- ISO 4217 code in base 26
  first_day    INTEGER NOT NULL,   -- Julian day numbers
  last_day     INTEGER NOT NULL,
  items        INTEGER,
  market       TEXT NOT NULL,
  precision    INTEGER NOT NULL,   -- 0 exact, 1 approximate, 2 estimated, 3 range
  source       INTEGER NOT NULL REFERENCES source_text (id),
  tags         INTEGER REFERENCES tag_set (id),
  handle       TEXT,
  external_id  TEXT UNIQUE,
  note         TEXT,
  items_precision INTEGER NOT NULL DEFAULT 0,  -- version 12: 0 exact, 1 approximate, 2 estimated
  -- version 13: the source's details, NULL when not given
  source_url      TEXT CHECK (length(source_url) > 0),
  source_accessed TEXT CHECK (date(source_accessed) IS source_accessed),
  source_quote    TEXT CHECK (length(source_quote) > 0)
) STRICT;

CREATE TABLE record_log (
  seq         INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  ref         TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,   -- milliseconds since 1970-01-01T00:00:00Z
  hash        BLOB NOT NULL,      -- the leaf hash
  author      TEXT CHECK (author IS NULL OR (length(CAST(author AS BLOB)) BETWEEN 1 AND 200 AND author NOT GLOB ' *'
                            AND author NOT GLOB '* ')),  -- 9.sql; NULL: nobody named, as on SQLite by default
  UNIQUE (kind, ref)
) STRICT;

-- The Merkle tree's right edge after each write that appended: the roots
-- of its perfect subtrees, largest first, 32 bytes each.
CREATE TABLE log_tree (
  size     INTEGER PRIMARY KEY,
  frontier BLOB NOT NULL
) STRICT;

CREATE TABLE account_total (
  account       TEXT NOT NULL CHECK (length(account) > 0),
  currency      TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
  balance_minor INTEGER NOT NULL,
  postings      INTEGER NOT NULL CHECK (postings > 0),
  PRIMARY KEY (account, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE currency_total (
  currency     TEXT PRIMARY KEY CHECK (length(currency) = 3),
  debits_minor INTEGER NOT NULL CHECK (debits_minor >= 0),
  upper_minor  INTEGER NOT NULL CHECK (upper_minor >= 0)
) STRICT;
)";
constexpr const char* kV7SpendIndex = "CREATE INDEX spend_by_account ON spend_entry (debit, first_day);";

struct Finalize {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalize>;

constexpr std::size_t kV7Advertisers = 1000;
constexpr std::size_t kV7Sources = 50;
constexpr std::size_t kV7TagSets = 8;
constexpr std::int64_t kV7RecordedAtMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

// ISO 4217 code in base 26 (A = 0), as version 7 keeps a currency.
std::int64_t currency_number(const char* code) {
  return (code[0] - 'A') * 676 + (code[1] - 'A') * 26 + (code[2] - 'A');
}

// Accounts are numbered as they are inserted: pair p (advertiser p / 5 on
// platform p % 5) has its expense account 2p + 1 and its income account 2p + 2.
std::size_t account_pair(const Entry& e) { return e.advertiser_index * kPlatforms.size() + e.platform_index; }

enum class SpendIndex { BeforeLoad, AfterLoad };

void run_v7(sqlite3* db, std::int64_t count, SpendIndex spend_index) {
  exec(db, "PRAGMA foreign_keys = ON");
  exec(db, "PRAGMA journal_mode = WAL");
  exec(db, "PRAGMA synchronous = FULL");
  exec(db, kV7Schema);
  if (spend_index == SpendIndex::BeforeLoad) exec(db, kV7SpendIndex);
  exec(db, "BEGIN IMMEDIATE");

  // The rows the entries refer to, as adledger interns them.
  std::vector<std::string> account_names;
  {
    Statement advertiser(prepare(db, "INSERT INTO advertiser (id) VALUES (?)"));
    Statement platform(prepare(db, "INSERT INTO platform (id) VALUES (?)"));
    Statement account(prepare(db, "INSERT INTO account (name, advertiser_id, platform_id) VALUES (?, ?, ?)"));
    Statement source(prepare(db, "INSERT INTO source_text (text) VALUES (?)"));
    Statement tags(prepare(db, "INSERT INTO tag_set (tags) VALUES (?)"));
    for (const char* id : kPlatforms) {
      text(platform.get(), 1, id);
      step(db, platform.get());
    }
    char name[64];
    for (std::size_t a = 0; a < kV7Advertisers; ++a) {
      char id[16];
      std::snprintf(id, sizeof id, "adv-%04u", static_cast<unsigned>(a));
      text(advertiser.get(), 1, id);
      step(db, advertiser.get());
      for (const char* p : kPlatforms) {
        std::snprintf(name, sizeof name, "expenses:ads:%s:%s", id, p);
        account_names.emplace_back(name);
        text(account.get(), 1, name);
        text(account.get(), 2, id);
        text(account.get(), 3, p);
        step(db, account.get());
        std::snprintf(name, sizeof name, "income:ads:%s:%s", p, id);
        account_names.emplace_back(name);
        text(account.get(), 1, name);
        sqlite3_bind_null(account.get(), 2);
        sqlite3_bind_null(account.get(), 3);
        step(db, account.get());
      }
    }
    for (std::size_t i = 0; i < kV7Sources; ++i) {
      const std::string value = std::string(kSource) + " #" + std::to_string(i);
      text(source.get(), 1, value);
      step(db, source.get());
    }
    const std::array<const char*, kV7TagSets> sets = {
        R"(["political"])", R"(["election"])", R"(["issue"])", R"(["display"])",
        R"(["political","search"])", R"(["promoted-tweets","search"])", R"(["election","video"])",
        R"(["display","issue","political"])"};
    for (const char* set : sets) {
      text(tags.get(), 1, set);
      step(db, tags.get());
    }
  }

  Statement spend(prepare(db,
                          "INSERT INTO spend_entry (txn_id, debit, credit, amount_minor, upper_minor, currency,"
                          " first_day, last_day, items, market, precision, source, tags, handle, external_id, note,"
                          " items_precision, source_url, source_accessed, source_quote)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  Statement log(prepare(db, "INSERT INTO record_log (seq, kind, ref, recorded_at, hash) VALUES (?, ?, ?, ?, ?)"));
  // adledger adds up each account's postings in memory and writes each
  // (account, currency) once, in order, as it commits.
  std::map<std::pair<std::size_t, std::string_view>, std::pair<std::int64_t, std::int64_t>> totals;
  std::array<unsigned char, 32> hash{};
  std::uint64_t state = 6;
  for (std::int64_t n = 1; n <= count; ++n) {
    const Entry e = make_entry(n, state);
    const std::size_t pair = account_pair(e);
    const auto debit = static_cast<std::int64_t>(2 * pair + 1);
    sqlite3_stmt* s = spend.get();
    sqlite3_bind_int64(s, 1, n);  // txn_id
    sqlite3_bind_int64(s, 2, debit);
    sqlite3_bind_int64(s, 3, debit + 1);
    sqlite3_bind_int64(s, 4, e.amount_minor);
    sqlite3_bind_null(s, 5);
    sqlite3_bind_int64(s, 6, currency_number(e.currency));
    sqlite3_bind_int64(s, 7, e.first_day);
    sqlite3_bind_int64(s, 8, e.last_day);
    sqlite3_bind_int64(s, 9, e.items);
    text(s, 10, e.market);
    sqlite3_bind_int64(s, 11, e.precision_code);
    sqlite3_bind_int64(s, 12, 1 + n % static_cast<std::int64_t>(kV7Sources));
    // About three entries in four have tags, as in generate.py's ledgers.
    if (n % 4 == 0) {
      sqlite3_bind_null(s, 13);
    } else {
      sqlite3_bind_int64(s, 13, 1 + n % static_cast<std::int64_t>(kV7TagSets));
    }
    sqlite3_bind_null(s, 14);
    text(s, 15, e.external_id);
    sqlite3_bind_null(s, 16);
    sqlite3_bind_int64(s, 17, 0);  // an exact count
    for (int i = 18; i <= 20; ++i) sqlite3_bind_null(s, i);  // a source given without details
    step(db, s);
    const std::int64_t id = sqlite3_last_insert_rowid(db);

    for (std::size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<unsigned char>(n + static_cast<std::int64_t>(i));
    const std::string ref = std::to_string(id);
    sqlite3_bind_int64(log.get(), 1, n);
    text(log.get(), 2, "spend");
    text(log.get(), 3, ref);
    sqlite3_bind_int64(log.get(), 4, kV7RecordedAtMs + n);
    sqlite3_bind_blob(log.get(), 5, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
    step(db, log.get());

    auto& expense = totals[{2 * pair, e.currency}];
    expense.first += e.amount_minor;
    ++expense.second;
    auto& income = totals[{2 * pair + 1, e.currency}];
    income.first -= e.amount_minor;
    ++income.second;
  }

  if (spend_index == SpendIndex::AfterLoad) exec(db, kV7SpendIndex);
  {
    Statement total(prepare(db,
                            "INSERT INTO account_total (account, currency, balance_minor, postings) VALUES (?, ?, ?, ?)"
                            " ON CONFLICT (account, currency) DO UPDATE"
                            " SET balance_minor = balance_minor + excluded.balance_minor,"
                            " postings = postings + excluded.postings"));
    // In the order of the names, as adledger writes them.
    std::vector<std::pair<std::pair<std::string_view, std::string_view>, std::pair<std::int64_t, std::int64_t>>> sorted;
    sorted.reserve(totals.size());
    for (const auto& [key, sum] : totals) sorted.push_back({{account_names[key.first], key.second}, sum});
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [key, sum] : sorted) {
      text(total.get(), 1, key.first);
      text(total.get(), 2, key.second);
      sqlite3_bind_int64(total.get(), 3, sum.first);
      sqlite3_bind_int64(total.get(), 4, sum.second);
      step(db, total.get());
    }
    // The debits per currency: each entry's amount, once.
    std::map<std::string_view, std::int64_t> debits;
    for (const auto& [key, sum] : sorted)
      if (sum.first > 0) debits[key.second] += sum.first;
    Statement sums(prepare(db, "INSERT INTO currency_total (currency, debits_minor, upper_minor) VALUES (?, ?, 0)"
                               " ON CONFLICT (currency) DO UPDATE"
                               " SET debits_minor = debits_minor + excluded.debits_minor"));
    for (const auto& [currency, sum] : debits) {
      text(sums.get(), 1, currency);
      sqlite3_bind_int64(sums.get(), 2, sum);
      step(db, sums.get());
    }
    // The tree's edge: one 32-byte root per perfect subtree, a set bit of N.
    const std::vector<unsigned char> frontier(32 * static_cast<std::size_t>(__builtin_popcountll(
                                                        static_cast<unsigned long long>(count))),
                                              0xab);
    Statement tree(prepare(db, "INSERT INTO log_tree (size, frontier) VALUES (?, ?)"));
    sqlite3_bind_int64(tree.get(), 1, count);
    sqlite3_bind_blob(tree.get(), 2, frontier.data(), static_cast<int>(frontier.size()), SQLITE_TRANSIENT);
    step(db, tree.get());
  }
  spend.reset();
  log.reset();
  exec(db, "COMMIT");
}

int usage() {
  std::fprintf(stderr, "usage: sqlite_baseline [--mode rows|entries|v7|v7-bulk] N DB\n");
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
  if (argc - arg != 2 || (mode != "rows" && mode != "entries" && mode != "v7" && mode != "v7-bulk")) return usage();
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
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // as adledger opens a ledger
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    die(db, "open");
  }
  if (mode == "rows") {
    run_rows(db, count);
  } else if (mode == "entries") {
    run_entries(db, count);
  } else {
    run_v7(db, count, mode == "v7" ? SpendIndex::BeforeLoad : SpendIndex::AfterLoad);
  }
  if (sqlite3_close(db) != SQLITE_OK) die(db, "close");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The last connection's close checkpoints the write-ahead log into the
  // file and removes it; count what is left of it all the same.
  auto bytes = static_cast<double>(std::filesystem::file_size(path));
  if (std::error_code error; std::filesystem::exists(path + "-wal", error))
    bytes += static_cast<double>(std::filesystem::file_size(path + "-wal"));
  const double per = count > 0 ? static_cast<double>(count) : 1.0;
  std::printf("mode=%s entries=%lld seconds=%.3f entries_per_second=%.0f us_per_entry=%.3f bytes_per_entry=%.1f\n",
              mode.c_str(), count, seconds, static_cast<double>(count) / seconds, seconds * 1e6 / per, bytes / per);
  return 0;
}
