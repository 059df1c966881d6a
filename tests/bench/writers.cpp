// Many writers at once: single-record commits from N client threads, each
// with its own connection, as an ad system or a newsroom's tools would write
// (one spend entry a transaction), against an SQLite file or a PostgreSQL
// database. Prints the commits per second and the commit latency, then
// checks the ledger with verify.
//
//   adledger_writers --db LEDGER [--clients 16] [--seconds 10] [--pairs 6]
//                    [--existing] [--engine [--control lock|serializable|pair-locks]]
//
// LEDGER is a new SQLite file or an empty PostgreSQL database (URL); the
// benchmark creates the ledger, the platforms twitter and facebook and
// `pairs` advertisers adv-0000, adv-0001, ... (one pair each, alternating
// between the platforms), then runs the clients. With --existing the ledger
// is used as it is: one that tests/bench/generate.py's file was imported
// into has them, so the commits are measured on a ledger of that size. A
// spend that a ban refuses counts as refused, not as a failure. Each
// client loops: open a write transaction, record one spend entry (the
// validation, ban check, journal postings, account totals and record log of
// `adledger spend record`), commit; it does not reconnect, so the figure is
// the ledger's, not a process start-up's.
//
// --engine measures the engine's own limit for the same shape of work, with
// nothing of adledger's: each client commits one row a transaction, under
// the same one-writer-at-a-time rule adledger keeps (on PostgreSQL a
// transaction-level advisory lock, on SQLite BEGIN IMMEDIATE), with the same
// durability (fsync at every commit: PostgreSQL's defaults, SQLite's WAL
// with synchronous = FULL).
//
// --engine --control MODE (PostgreSQL) measures how concurrent writers could
// be kept to the ban rule, on the engine alone, for the shape of work a spend
// entry is: a transaction checks the pair's bans (a read), adds the spend
// row, and extends the one record log (reads its head and writes the next
// record, with the SHA-256 of the head's hash and its own). MODE is how the
// writers are kept apart:
//   lock          one transaction-level advisory lock for the whole
//                 transaction, as adledger takes;
//   serializable  no lock: SERIALIZABLE isolation, a transaction that fails
//                 with a serialization failure (40001), a deadlock (40P01)
//                 or the log's next record taken (23505) rolled back and
//                 run again;
//   pair-locks    an advisory lock on the advertiser and platform for the
//                 ban check and the row, and the log's lock only from the
//                 log's append to the commit.
// The latencies include the retries; `retries` counts them.
//
// Output: one line of key=value pairs, for tests/bench/run.py and the docs.

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ledger/audit/verify.hpp"
#include "ledger/error.hpp"
#include "ledger/ledger.hpp"
#include "ledger/money/money.hpp"
#include "ledger/storage/open.hpp"
#include "ledger/storage/store.hpp"
#include "ledger/time/period.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string db;
  int clients = 16;
  int seconds = 10;
  int pairs = 6;
  bool engine = false;
  bool existing = false;
  std::string control;  // --engine: lock, serializable or pair-locks; empty: one row a transaction
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "adledger_writers: %s\n", why.c_str());
  std::fprintf(stderr,
               "usage: adledger_writers --db LEDGER [--clients N] [--seconds S] [--pairs P] [--existing] "
               "[--engine [--control lock|serializable|pair-locks]]\n");
  std::exit(2);
}

int positive(const char* text, const char* name) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!*text || *end || v < 1 || v > 10000)
    usage(std::string(name) + " " + text + ": not a whole number from 1 to 10000");
  return static_cast<int>(v);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--db") o.db = value();
    else if (a == "--clients") o.clients = positive(value(), "--clients");
    else if (a == "--seconds") o.seconds = positive(value(), "--seconds");
    else if (a == "--pairs") o.pairs = positive(value(), "--pairs");
    else if (a == "--engine") o.engine = true;
    else if (a == "--existing") o.existing = true;
    else if (a == "--control") o.control = value();
    else usage("unknown argument " + a);
  }
  if (o.db.empty()) usage("--db is required");
  if (!o.control.empty()) {
    if (o.control != "lock" && o.control != "serializable" && o.control != "pair-locks")
      usage("--control " + o.control + ": not lock, serializable or pair-locks");
    if (!o.engine) usage("--control needs --engine");
  }
  return o;
}

bool is_postgresql(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

// Latencies of every commit, merged from the clients at the end.
struct Results {
  std::mutex mutex;
  std::vector<double> latencies_ms;
  std::int64_t failures = 0;
  std::int64_t refused = 0;  // by a rule (a ban): a valid answer, not a commit
  std::atomic<std::int64_t> retries{0};  // --control: transactions run again
  std::string first_failure;

  void add(std::vector<double>& mine, std::int64_t failed, std::int64_t refusals, const std::string& failure) {
    std::lock_guard<std::mutex> lock(mutex);
    latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    failures += failed;
    refused += refusals;
    if (first_failure.empty()) first_failure = failure;
  }
};

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  std::size_t at = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(at, sorted.size() - 1)];
}

// Runs `work(client)` on every client until the deadline; work returns
// after one commit, or throws.
template <typename Work>
void run_clients(const Options& o, Results& results, Work&& make_client) {
  std::atomic<bool> ready{false};
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  Clock::time_point deadline;
  std::mutex deadline_mutex;
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      std::vector<double> mine;
      std::int64_t failed = 0;
      std::int64_t refusals = 0;
      std::string failure;
      try {
        auto commit_one = make_client(c);  // connects
        ++started;
        while (!ready.load()) std::this_thread::yield();
        Clock::time_point end;
        {
          std::lock_guard<std::mutex> lock(deadline_mutex);
          end = deadline;
        }
        for (std::int64_t n = 0; Clock::now() < end; ++n) {
          Clock::time_point t0 = Clock::now();
          try {
            commit_one(n);
            mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          } catch (const ledger::Error& e) {
            if (e.kind() == ledger::ErrorKind::Rule) {
              ++refusals;
            } else {
              ++failed;
              if (failure.empty()) failure = e.what();
            }
          } catch (const std::exception& e) {
            ++failed;
            if (failure.empty()) failure = e.what();
          }
        }
      } catch (const std::exception& e) {
        ++started;
        ++failed;
        failure = std::string("client ") + std::to_string(c) + ": " + e.what();
      }
      results.add(mine, failed, refusals, failure);
    });
  }
  while (started.load() < o.clients) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  {
    std::lock_guard<std::mutex> lock(deadline_mutex);
    deadline = Clock::now() + std::chrono::seconds(o.seconds);
  }
  ready = true;
  for (auto& t : threads) t.join();
}

ledger::SpendEntry spend(int pair, std::int64_t n, int client) {
  ledger::SpendEntry e;
  char id[16];
  std::snprintf(id, sizeof id, "adv-%04d", pair);
  e.advertiser_id = id;
  e.platform_id = pair % 2 == 0 ? "twitter" : "facebook";
  e.amount = ledger::Money(100 + (n % 9000), ledger::Currency::from_code("USD"));
  // A day of 2016 to 2019, different for each client and commit.
  int day = static_cast<int>((n * 37 + client * 101) % 1400);
  ledger::Date first = ledger::parse_date("2016-01-01") + boost::gregorian::days(day);
  e.period = ledger::Period(first, first);
  e.market = "US";
  e.source = "https://example.org/bench/writers";
  return e;
}

void setup_ledger(const Options& o) {
  auto store = ledger::open_store(o.db, ledger::OpenMode::CreateNew);
  ledger::Ledger l(*store);
  ledger::WriteTransaction txn(*store);
  l.add_platform({"twitter", "Twitter"});
  l.add_platform({"facebook", "Facebook"});
  for (int p = 0; p < o.pairs; ++p) {
    char id[16];
    std::snprintf(id, sizeof id, "adv-%04d", p);
    l.add_advertiser({id, std::string("Advertiser ") + (id + 4), "US", false});
  }
  txn.commit();
}

void run_ledger(const Options& o, Results& results) {
  if (!o.existing) setup_ledger(o);
  run_clients(o, results, [&](int client) {
    auto store = std::shared_ptr<ledger::Store>(
        ledger::open_store(o.db, ledger::OpenMode::OpenExisting, ledger::StoreOptions{600'000}));
    auto l = std::make_shared<ledger::Ledger>(*store);
    l->set_author("writer-" + std::to_string(client));
    return [store, l, client, &o](std::int64_t n) {
      ledger::WriteTransaction txn(*store);
      l->record_spend(spend(static_cast<int>((n + client) % o.pairs), n, client));
      txn.commit();
    };
  });
}

// The engine alone -----------------------------------------------------------

void pg_ok(PGconn* conn, const char* sql) {
  PGresult* r = PQexec(conn, sql);
  ExecStatusType s = PQresultStatus(r);
  std::string message = PQresultErrorMessage(r);
  PQclear(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) throw std::runtime_error("postgresql: " + message);
}

void sqlite_ok(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("sqlite: " + message);
  }
}

constexpr const char* kEngineTable =
    "CREATE TABLE spend (id INTEGER PRIMARY KEY, advertiser TEXT NOT NULL, platform TEXT NOT NULL,"
    " minor BIGINT NOT NULL, day TEXT NOT NULL, source TEXT NOT NULL)";

// What a statement of --control gave: whether it found a row, or the
// SQLSTATE of a failure that running the transaction again cures (a
// serialization failure, a deadlock, the log's next record taken by
// another); any other failure throws.
struct Outcome {
  std::string retry;  // "" unless the transaction is to run again
  bool row = false;
};
Outcome outcome_of(PGresult* r) {
  const ExecStatusType s = PQresultStatus(r);
  Outcome out;
  if (s == PGRES_TUPLES_OK) out.row = PQntuples(r) > 0;
  else if (s != PGRES_COMMAND_OK) {
    const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    out.retry = code ? code : "?";
    if (out.retry != "40001" && out.retry != "40P01" && out.retry != "23505") {
      std::string message = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error("postgresql: " + message);
    }
  }
  PQclear(r);
  return out;
}
Outcome pg_step(PGconn* conn, const char* name, int n, const char* const* values) {
  return outcome_of(PQexecPrepared(conn, name, n, values, nullptr, nullptr, 0));
}

// --control: the ban check, the spend row and the log's next record, kept
// apart as MODE says (see the top of this file).
void run_control(const Options& o, Results& results) {
  {
    PGconn* conn = PQconnectdb(o.db.c_str());
    if (PQstatus(conn) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn));
    pg_ok(conn,
          "CREATE TABLE ban (advertiser TEXT NOT NULL, platform TEXT NOT NULL, since DATE NOT NULL);"
          " CREATE INDEX ban_by_pair ON ban (advertiser, platform);"
          " CREATE TABLE spend (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, advertiser TEXT NOT NULL,"
          " platform TEXT NOT NULL, minor BIGINT NOT NULL, day DATE NOT NULL, source TEXT NOT NULL);"
          " CREATE TABLE log (seq BIGINT PRIMARY KEY, hash BYTEA NOT NULL);"
          " INSERT INTO log VALUES (0, sha256(''));"
          " INSERT INTO ban VALUES ('adv-0', 'twitter', '2019-01-01')");
    PQfinish(conn);
  }
  const bool serializable = o.control == "serializable";
  const bool pair_locks = o.control == "pair-locks";
  run_clients(o, results, [&](int client) {
    std::shared_ptr<PGconn> conn(PQconnectdb(o.db.c_str()), PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
    for (const auto& [name, sql] : std::vector<std::pair<const char*, const char*>>{
             {"pair_lock", "SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))"},
             {"log_lock", "SELECT pg_advisory_xact_lock(4242)"},
             {"banned", "SELECT 1 FROM ban WHERE advertiser = $1 AND platform = $2 AND since <= $3 LIMIT 1"},
             {"spend", "INSERT INTO spend (advertiser, platform, minor, day, source) VALUES ($1, $2, $3, $4, $5)"},
             {"append", "INSERT INTO log (seq, hash) SELECT seq + 1, sha256(hash || $1::bytea) FROM log"
                        " ORDER BY seq DESC LIMIT 1"}}) {
      PGresult* p = PQprepare(conn.get(), name, sql, 0, nullptr);
      const bool prepared = PQresultStatus(p) == PGRES_COMMAND_OK;
      std::string why = PQresultErrorMessage(p);
      PQclear(p);
      if (!prepared) throw std::runtime_error("postgresql: " + why);
    }
    return [conn, client, serializable, pair_locks, &o, &results](std::int64_t n) {
      PGconn* c = conn.get();
      const std::string adv = "adv-" + std::to_string((n + client) % o.pairs);
      const char* platform = "twitter";
      const std::string minor = std::to_string(100 + n % 9000);
      // A day of 2016 to 2019: the ban of adv-0 from 2019 refuses some.
      char day[16];
      std::snprintf(day, sizeof day, "%04lld-%02lld-15", static_cast<long long>(2016 + (n / 12) % 4),
                    static_cast<long long>(1 + n % 12));
      const std::string record = adv + "/" + minor + "/" + day;
      const char* pair[2] = {adv.c_str(), platform};
      const char* check[3] = {adv.c_str(), platform, day};
      const char* row[5] = {adv.c_str(), platform, minor.c_str(), day, "https://example.org/bench/writers"};
      const char* hashed[1] = {record.c_str()};
      for (;;) {
        pg_ok(c, serializable ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN");
        Outcome step;
        if (pair_locks) step = pg_step(c, "pair_lock", 2, pair);
        else if (!serializable) step = pg_step(c, "log_lock", 0, nullptr);
        bool banned = false;
        if (step.retry.empty()) {
          step = pg_step(c, "banned", 3, check);
          banned = step.row;
        }
        if (banned) {
          pg_ok(c, "ROLLBACK");
          throw ledger::Error(ledger::ErrorKind::Rule, adv + " is banned on " + platform + " on " + day);
        }
        if (step.retry.empty()) step = pg_step(c, "spend", 5, row);
        if (step.retry.empty() && pair_locks) step = pg_step(c, "log_lock", 0, nullptr);
        if (step.retry.empty()) step = pg_step(c, "append", 1, hashed);
        if (step.retry.empty()) {
          step = outcome_of(PQexec(c, "COMMIT"));  // a COMMIT that fails ends the transaction itself
          if (step.retry.empty()) return;
        } else {
          pg_ok(c, "ROLLBACK");
        }
        ++results.retries;
      }
    };
  });
  // What each mode must keep: one spend row and one log record a commit,
  // the log one chain (0, 1, 2, ... with no gap), and no spend the ban
  // forbids.
  std::shared_ptr<PGconn> conn(PQconnectdb(o.db.c_str()), PQfinish);
  PGresult* r = PQexec(conn.get(),
                       "SELECT (SELECT count(*) FROM spend), (SELECT count(*) FROM log), (SELECT max(seq) FROM log),"
                       " (SELECT count(*) FROM spend s JOIN ban b USING (advertiser, platform) WHERE s.day >= b.since)");
  const bool read = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  const std::string spends = read ? PQgetvalue(r, 0, 0) : "?", records = read ? PQgetvalue(r, 0, 1) : "?",
                    last = read ? PQgetvalue(r, 0, 2) : "?", forbidden = read ? PQgetvalue(r, 0, 3) : "?";
  PQclear(r);
  const std::string commits = std::to_string(results.latencies_ms.size());
  if (spends != commits || records != std::to_string(results.latencies_ms.size() + 1) || last != commits ||
      forbidden != "0")
    throw std::runtime_error("--control " + o.control + ": " + commits + " commits left " + spends + " spend rows, " +
                             records + " log records (the last " + last + ") and " + forbidden +
                             " spend rows the ban forbids");
}

void run_engine(const Options& o, Results& results) {
  if (!o.control.empty()) {
    if (!is_postgresql(o.db)) throw std::runtime_error("--control is measured on PostgreSQL only");
    return run_control(o, results);
  }
  if (is_postgresql(o.db)) {
    {
      PGconn* conn = PQconnectdb(o.db.c_str());
      if (PQstatus(conn) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn));
      pg_ok(conn, "CREATE TABLE spend (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, advertiser TEXT NOT NULL,"
                  " platform TEXT NOT NULL, minor BIGINT NOT NULL, day TEXT NOT NULL, source TEXT NOT NULL)");
      PQfinish(conn);
    }
    run_clients(o, results, [&](int client) {
      std::shared_ptr<PGconn> conn(PQconnectdb(o.db.c_str()), PQfinish);
      if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
      PGresult* p = PQprepare(conn.get(), "insert",
                              "INSERT INTO spend (advertiser, platform, minor, day, source)"
                              " VALUES ($1, $2, $3, $4, $5)",
                              5, nullptr);
      const bool prepared = PQresultStatus(p) == PGRES_COMMAND_OK;
      std::string why = PQresultErrorMessage(p);
      PQclear(p);
      if (!prepared) throw std::runtime_error("postgresql: " + why);
      return [conn, client, &o](std::int64_t n) {
        pg_ok(conn.get(), "BEGIN");
        pg_ok(conn.get(), "SELECT pg_advisory_xact_lock(4242)");
        std::string adv = "adv-" + std::to_string((n + client) % o.pairs);
        std::string minor = std::to_string(100 + n % 9000);
        const char* values[5] = {adv.c_str(), "twitter", minor.c_str(), "2016-01-01",
                                 "https://example.org/bench/writers"};
        PGresult* r = PQexecPrepared(conn.get(), "insert", 5, values, nullptr, nullptr, 0);
        ExecStatusType s = PQresultStatus(r);
        std::string message = PQresultErrorMessage(r);
        PQclear(r);
        if (s != PGRES_COMMAND_OK) {
          pg_ok(conn.get(), "ROLLBACK");
          throw std::runtime_error("postgresql: " + message);
        }
        pg_ok(conn.get(), "COMMIT");
      };
    });
    return;
  }
  {
    sqlite3* db = nullptr;
    if (sqlite3_open(o.db.c_str(), &db) != SQLITE_OK) throw std::runtime_error("sqlite: cannot open " + o.db);
    sqlite_ok(db, "PRAGMA journal_mode = WAL");
    sqlite_ok(db, kEngineTable);
    sqlite3_close(db);
  }
  run_clients(o, results, [&](int client) {
    sqlite3* raw = nullptr;
    if (sqlite3_open(o.db.c_str(), &raw) != SQLITE_OK) throw std::runtime_error("sqlite: cannot open " + o.db);
    std::shared_ptr<sqlite3> db(raw, sqlite3_close);
    sqlite3_busy_timeout(raw, 600'000);
    sqlite_ok(raw, "PRAGMA synchronous = FULL");
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(raw,
                           "INSERT INTO spend (advertiser, platform, minor, day, source) VALUES (?, ?, ?, ?, ?)", -1,
                           &stmt, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(raw));
    std::shared_ptr<sqlite3_stmt> insert(stmt, sqlite3_finalize);
    return [db, insert, client, &o](std::int64_t n) {
      sqlite_ok(db.get(), "BEGIN IMMEDIATE");
      std::string adv = "adv-" + std::to_string((n + client) % o.pairs);
      sqlite3_bind_text(insert.get(), 1, adv.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert.get(), 2, "twitter", -1, SQLITE_STATIC);
      sqlite3_bind_int64(insert.get(), 3, 100 + n % 9000);
      sqlite3_bind_text(insert.get(), 4, "2016-01-01", -1, SQLITE_STATIC);
      sqlite3_bind_text(insert.get(), 5, "https://example.org/bench/writers", -1, SQLITE_STATIC);
      int rc = sqlite3_step(insert.get());
      sqlite3_reset(insert.get());
      if (rc != SQLITE_DONE) {
        std::string message = sqlite3_errmsg(db.get());
        sqlite_ok(db.get(), "ROLLBACK");
        throw std::runtime_error("sqlite: " + message);
      }
      sqlite_ok(db.get(), "COMMIT");
    };
  });
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  Results results;
  try {
    if (o.engine) run_engine(o, results);
    else run_ledger(o, results);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "adledger_writers: %s\n", e.what());
    return 1;
  }
  std::vector<double>& l = results.latencies_ms;
  std::sort(l.begin(), l.end());
  std::printf("backend=%s mode=%s clients=%d seconds=%d commits=%zu refused=%lld failures=%lld commits_per_s=%.0f "
              "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f",
              is_postgresql(o.db) ? "postgresql" : "sqlite", o.engine ? "engine" : "adledger", o.clients, o.seconds,
              l.size(), static_cast<long long>(results.refused), static_cast<long long>(results.failures),
              static_cast<double>(l.size()) / o.seconds,
              percentile(l, 0.50), percentile(l, 0.99), l.empty() ? 0.0 : l.back());
  if (!o.control.empty())
    std::printf(" control=%s retries=%lld", o.control.c_str(), static_cast<long long>(results.retries.load()));
  if (!o.engine) {
    auto store = ledger::open_store(o.db, ledger::OpenMode::ReadExisting);
    ledger::VerifyResult v = ledger::verify_ledger(*store, ledger::VerifyOptions{});
    std::printf(" records=%lld verify=%s", static_cast<long long>(store->tree_head().size), v.ok() ? "ok" : "FAILED");
    if (!v.ok()) {
      std::printf("\n");
      for (const auto& c : v.checks)
        if (!c.ok) std::fprintf(stderr, "adledger_writers: verify: %s: %s\n", c.name.c_str(), c.summary.c_str());
      return 1;
    }
  }
  std::printf("\n");
  if (!results.first_failure.empty())
    std::fprintf(stderr, "adledger_writers: %lld failed commits; the first: %s\n",
                 static_cast<long long>(results.failures), results.first_failure.c_str());
  return results.failures == 0 ? 0 : 1;
}
