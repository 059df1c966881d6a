// Many writers at once: single-record commits from N client threads, each
// with its own connection, as an ad system or a newsroom's tools would write
// (one spend entry a transaction), against an SQLite file or a PostgreSQL
// database. Prints the commits per second and the commit latency, then
// checks the ledger with verify.
//
//   adledger_writers --db LEDGER [--clients 16] [--seconds 10] [--pairs 6]
//                    [--existing] [--engine]
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
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "adledger_writers: %s\n", why.c_str());
  std::fprintf(stderr,
               "usage: adledger_writers --db LEDGER [--clients N] [--seconds S] [--pairs P] [--existing] "
               "[--engine]\n");
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
    else usage("unknown argument " + a);
  }
  if (o.db.empty()) usage("--db is required");
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

void run_engine(const Options& o, Results& results) {
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
