#include "ledger/storage/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include "ledger/audit/merkle.hpp"
#include "ledger/error.hpp"
#include "ledger/journal/postings.hpp"
#include "schema_sql.hpp"

namespace ledger {
namespace {

// The page cache of a bulk load's write, in KiB (SQLite's default: 2,000).
constexpr std::int64_t kBulkCacheKib = 16 * 1024;

[[noreturn]] void throw_storage(const std::string& message) { throw Error(ErrorKind::Storage, message); }
[[noreturn]] void throw_busy(const std::string& message) { throw Error(ErrorKind::Storage, message, Reason::Busy); }

struct DbCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

std::string busy_message(sqlite3* db);

// One use of a cached prepared statement: binds parameters by position,
// steps through rows, and resets and clears its bindings when it goes out of
// scope so that the next use starts clean.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  Query& bind(const std::string& text) {
    check(sqlite3_bind_text(stmt_, ++index_, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Query& bind(std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, ++index_, value));
    return *this;
  }
  Query& bind(const Date& date) { return bind(format_date(date)); }
  // A source's details: three parameters, source_url, source_accessed and
  // source_quote, in that order.
  Query& bind(const SourceDetails& details) { return bind(details.url).bind(details.accessed).bind(details.quote); }
  Query& bind_blob(const std::string& bytes) {
    check(sqlite3_bind_blob(stmt_, ++index_, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT));
    return *this;
  }
  template <std::size_t N>
  Query& bind_blob(const std::array<std::uint8_t, N>& bytes) {
    check(sqlite3_bind_blob(stmt_, ++index_, bytes.data(), static_cast<int>(N), SQLITE_TRANSIENT));
    return *this;
  }
  template <typename T>
  Query& bind(const std::optional<T>& value) {
    if (value) return bind(*value);
    check(sqlite3_bind_null(stmt_, ++index_));
    return *this;
  }

  // Steps once; true while there is a row.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(rc);
  }
  void run() {
    while (step()) {
    }
  }

  sqlite3_stmt* statement() const { return stmt_; }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  std::optional<std::string> opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
  }
  std::string blob(int col) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  std::optional<std::int64_t> opt_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
  }
  Date date(int col) const { return parse_date(text(col), "stored date"); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(rc);
  }
  [[noreturn]] void fail(int rc) {
    int extended = sqlite3_extended_errcode(db_);
    std::string message = sqlite3_errmsg(db_);
    if (extended == SQLITE_CONSTRAINT_PRIMARYKEY || extended == SQLITE_CONSTRAINT_UNIQUE)
      throw Error(ErrorKind::Rule, "duplicate: " + message);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) throw Error(ErrorKind::Rule, "refused by the ledger schema: " + message);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) throw_busy(busy_message(db_));
    throw_storage("sqlite: " + message);
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int index_ = 0;
};

// The integer forms of version 7's spend rows (schemas/migrations/7.sql).
// A currency is its three letters in base 26; a day its Julian day number.
std::int64_t currency_number(const Currency& c) {
  const std::string& code = c.code();
  return (code[0] - 'A') * 676 + (code[1] - 'A') * 26 + (code[2] - 'A');
}

Currency currency_of_number(std::int64_t n) {
  if (n < 0 || n >= 26 * 26 * 26) throw_storage("currency number " + std::to_string(n) + " is not a currency code");
  std::string code{static_cast<char>('A' + n / 676), static_cast<char>('A' + n / 26 % 26),
                   static_cast<char>('A' + n % 26)};
  return Currency::from_code(code);
}

std::int64_t day_number(const Date& d) { return static_cast<std::int64_t>(d.day_number()); }

Date date_of_day(std::int64_t n) {
  std::optional<Date> day = date_of_day_number(n);
  if (!day) throw_storage("day number " + std::to_string(n) + " is not a day adledger records");
  return *day;
}

// Which process holds the write lock, when the system says: in WAL mode
// SQLite's writer holds a POSIX lock on byte 120 of the -shm file.
std::optional<long> writer_pid(const std::string& db_path) {
  int fd = ::open((db_path + "-shm").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 120;
  lock.l_len = 1;
  std::optional<long> pid;
  if (::fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK && lock.l_pid > 0) pid = lock.l_pid;
  ::close(fd);
  return pid;
}

// Busy is not damage: another adledger holds the ledger, and waiting
// longer, or later, will do.
std::string busy_message(sqlite3* db) {
  const char* file = sqlite3_db_filename(db, "main");
  std::string path = file ? file : "";
  std::optional<long> pid = path.empty() ? std::nullopt : writer_pid(path);
  return "database " + quote(path) + ": the ledger is busy: another adledger is writing" +
         (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
         " and did not finish within the wait; retry, or raise --wait";
}

// Waits for a busy ledger with backoff, up to the store's wait: 1 ms,
// doubling to at most 100 ms a sleep.
struct BusyWait {
  std::int64_t wait_ms = 30'000;
  std::int64_t waited_ms = 0;
};
int on_busy(void* context, int attempt) {
  auto* wait = static_cast<BusyWait*>(context);
  if (attempt == 0) wait->waited_ms = 0;
  if (wait->waited_ms >= wait->wait_ms) return 0;
  std::int64_t sleep_ms = std::min<std::int64_t>(std::int64_t{1} << std::min(attempt, 7), 100);
  sleep_ms = std::min(sleep_ms, wait->wait_ms - wait->waited_ms);
  sqlite3_sleep(static_cast<int>(sleep_ms));
  wait->waited_ms += sleep_ms;
  return 1;
}

// The append-only triggers a ledger of this version has, by name, with the
// text schemas/migrations/7.sql, 8.sql, 10.sql, 11.sql and 12.sql give them.
std::vector<std::pair<std::string, std::string>> expected_triggers() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* table : {"platform", "advertiser", "handle", "account", "source_text", "tag_set", "spend_entry",
                            "spend_reversal", "policy_action", "policy_action_advertiser", "policy_withdrawal",
                            "pledge", "disbursement", "disclosed_total", "exchange_rate", "record_log", "log_tree",
                            "log_tree_node", "api_token", "api_token_revocation", "api_idempotency",
                            "pledge_withdrawal", "disbursement_withdrawal", "disclosed_total_withdrawal"}) {
    for (const auto& [op, verb] : {std::pair{"update", "changed"}, std::pair{"delete", "deleted"}}) {
      std::string name = std::string(table) + "_append_only_" + op;
      std::string upper = op == std::string("update") ? "UPDATE" : "DELETE";
      out.emplace_back(name, "CREATE TRIGGER " + name + " BEFORE " + upper + " ON " + table +
                                 " BEGIN SELECT RAISE(ABORT, 'append-only: " + table + " rows are never " + verb +
                                 "'); END");
    }
  }
  for (const char* table : {"account_total", "currency_total"})
    out.emplace_back(std::string(table) + "_no_delete", std::string("CREATE TRIGGER ") + table +
                                                             "_no_delete BEFORE DELETE ON " + table +
                                                             " BEGIN SELECT RAISE(ABORT, 'append-only: " + table +
                                                             " rows are never deleted'); END");
  return out;
}

std::string trigger_guards(const std::string& name) {
  if (name == "account_total_no_delete") return "account totals can be deleted";
  if (name == "currency_total_no_delete") return "the sums kept per currency can be deleted";
  if (name.starts_with("api_token_revocation_")) return "a revoked token can be made valid again";
  if (name.starts_with("api_token_")) return "the tokens that may write can be changed";
  if (name.starts_with("api_idempotency_")) return "the answers kept for repeated writes can be changed";
  std::string table = name.substr(0, name.find("_append_only_"));
  return "table " + table + " is no longer append-only";
}

// SQL text with its runs of white space made one space, for comparison.
std::string normalise_sql(std::string_view sql) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(DbHandle db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  // The schema version the tables now have: the ladder sets it as it goes.
  void set_schema_version(std::int64_t version) { schema_version_ = version; }
  ~SqliteStore() override {
    statements_.clear();  // finalize before the connection closes
  }

  void exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errmsg(db_.get());
      sqlite3_free(error);
      int rc = sqlite3_extended_errcode(db_.get());
      if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) throw_busy(busy_message(db_.get()));
      throw_storage("sqlite: " + message);
    }
  }

  std::int64_t pragma_int(const char* pragma) {
    Query q = query(pragma);
    return q.step() ? q.int64(0) : 0;
  }
  std::string journal_mode() {
    Query q = query("PRAGMA journal_mode");
    return q.step() ? q.text(0) : std::string();
  }
  // How long a busy ledger is waited for before the command gives up.
  void set_wait(std::int64_t wait_ms) {
    busy_.wait_ms = wait_ms;
    sqlite3_busy_handler(db_.get(), on_busy, &busy_);
  }

  LogFormat log_format() const noexcept override { return schema_version_ >= 7 ? LogFormat::Tree : LogFormat::Chain; }

  void begin_write() override {
    assert(!in_write_ && "write transactions do not nest");
    exec("BEGIN IMMEDIATE");
    in_write_ = true;
    ++write_generation_;
    try {
      // Under the lock: whether another connection committed since this
      // store's last commit (its own commits leave data_version as it was).
      // If none did, what was cached then is still right.
      version_at_begin_ = pragma_int("PRAGMA data_version");
    } catch (...) {
      rollback();
      throw;
    }
    if (!committed_version_ || *committed_version_ != version_at_begin_) ++cache_generation_;
    committed_version_.reset();
    pending_totals_.clear();
    pending_sums_.clear();
    next_txn_id_ = 0;
    head_.reset();
    tree_.reset();
    tree_dirty_ = false;
  }
  void begin_restartable_write() override {
    begin_write();
    try {
      exec("SAVEPOINT adledger_restart");
    } catch (...) {
      rollback();
      throw;
    }
  }
  void restart_write() override {
    assert(in_write_ && "restart_write without begin_restartable_write");
    // ROLLBACK TO keeps the savepoint, and the transaction's lock.
    exec("ROLLBACK TO adledger_restart");
    forget_write();
    ++write_generation_;
    ++cache_generation_;  // what was read may have been undone
    next_txn_id_ = 0;
    tree_dirty_ = false;
  }
  // A read transaction for the life of the store (it ends when the store
  // closes): taking the shared lock now fixes the state the reads see.
  void begin_read() {
    exec("BEGIN DEFERRED");
    exec("SELECT count(*) FROM sqlite_master");
  }
  void renew_read() override {
    assert(!in_write_ && "renew_read within a write");
    if (!sqlite3_get_autocommit(db_.get())) exec("COMMIT");
    begin_read();
  }
  std::uint64_t write_generation() const noexcept override { return write_generation_; }
  void commit() override {
    assert(in_write_ && "commit without begin_write");
    flush_totals();
    flush_tree();
    if (deferred_index_) {
      exec(deferred_index_->c_str());  // the statement that made it, as it made it
      deferred_index_.reset();
    }
    exec("COMMIT");
    in_write_ = false;
    committed_version_ = version_at_begin_;
    head_.reset();
    tree_.reset();
    end_bulk_load();
  }
  void rollback() noexcept override {
    if (!in_write_) return;
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    in_write_ = false;
    committed_version_.reset();
    ++cache_generation_;
    forget_write();
  }
  std::uint64_t cache_generation() const noexcept override { return cache_generation_; }
  // What the store remembers of a write it has just undone.
  void forget_write() noexcept {
    pending_totals_.clear();
    pending_sums_.clear();
    head_.reset();
    tree_.reset();
    // Ids handed out inside the transaction are gone with it.
    for (auto& cache : interned_) cache.clear();
    for (auto& last : last_interned_) last.reset();
    spend_accounts_.clear();
    deferred_index_.reset();  // the rollback put it back
    end_bulk_load();
  }

  // A bulk load's rows go to indexes in no particular order (an ad
  // library's ids, sources by line number): with SQLite's default page
  // cache of 2 MiB, pages spill to the WAL and are read back many times
  // over. The load gets a cache of kBulkCacheKib for the rest of its write.
  void begin_bulk_load() override {
    if (!in_write_ || bulk_cache_) return;
    exec(("PRAGMA cache_size = -" + std::to_string(kBulkCacheKib)).c_str());
    bulk_cache_ = true;
  }
  void end_bulk_load() noexcept {
    if (!bulk_cache_) return;
    sqlite3_exec(db_.get(), "PRAGMA cache_size = -2000", nullptr, nullptr, nullptr);  // SQLite's default
    bulk_cache_ = false;
  }
  bool defer_spend_index() override {
    if (!in_write_ || schema_version_ < 7 || deferred_index_ || has_spend()) return false;
    std::string sql;
    {
      Query q = query("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'spend_by_account'");
      if (!q.step()) return false;
      sql = q.text(0);
    }  // done reading the schema before changing it
    exec("DROP INDEX spend_by_account");
    deferred_index_ = std::move(sql);
    return true;
  }
  bool has_spend() override {
    Query q = query("SELECT EXISTS (SELECT 1 FROM spend_entry)");
    return q.step() && q.int64(0) != 0;
  }
  bool in_write() const noexcept override { return in_write_; }

  void add_platform(const Platform& p) override {
    query("INSERT INTO platform (id, name) VALUES (?, ?)").bind(p.id).bind(p.name).run();
  }

  void add_advertiser(const Advertiser& a) override {
    query("INSERT INTO advertiser (id, name, country, state_affiliated) VALUES (?, ?, ?, ?)")
        .bind(a.id).bind(a.name).bind(a.country).bind(std::int64_t{a.state_affiliated ? 1 : 0}).run();
  }

  void add_handle(const Handle& h) override {
    query("INSERT INTO handle (platform_id, handle, advertiser_id) VALUES (?, ?, ?)")
        .bind(h.platform_id).bind(h.handle).bind(h.advertiser_id).run();
  }

  // From version 7 a transaction is not a row of its own: the record that
  // posts it carries its accounts and amount (schemas/migrations/7.sql).
  // Here it gets its number, and its postings add to the kept totals.
  std::int64_t add_journal_txn(const JournalTxn& txn) override {
    assert(in_write_);
    assert(schema_version_ >= 7 && "journal transactions are written at the current schema version only");
    if (next_txn_id_ == 0) next_txn_id_ = last_txn_id() + 1;
    std::int64_t id = next_txn_id_++;
    for (const Posting& p : txn.postings) {
      const std::string& code = p.amount.currency().code();
      auto found = pending_totals_.find(StringPairView(p.account, code));
      if (found == pending_totals_.end()) found = pending_totals_.emplace(std::make_pair(p.account, code), PendingTotal{}).first;
      PendingTotal& pending = found->second;
      std::int64_t sum = 0;
      if (__builtin_add_overflow(pending.balance_minor, p.amount.minor(), &sum))
        checked_add(pending.balance_minor, p.amount.minor(), "the balance of " + p.account);  // throws
      pending.balance_minor = sum;
      ++pending.postings;
    }
    pending_sums_.add_debits(txn);
    return id;
  }

  std::int64_t add_spend(const SpendEntry& e) override {
    assert(in_write_);
    auto lane = spend_accounts_.find(StringPairView(e.advertiser_id, e.platform_id));
    if (lane == spend_accounts_.end()) {
      if (spend_accounts_.size() >= kInternCacheMax) spend_accounts_.clear();
      std::int64_t debit = intern_account(spend_expense_account(e.advertiser_id, e.platform_id), &e);
      std::int64_t credit = intern_account(spend_income_account(e.platform_id, e.advertiser_id), nullptr);
      lane = spend_accounts_.emplace(std::make_pair(e.advertiser_id, e.platform_id), std::make_pair(debit, credit)).first;
    }
    const auto [debit, credit] = lane->second;
    std::int64_t source = intern(Interned::Source, e.source);
    std::optional<std::int64_t> tags;
    if (!e.tags.empty()) {
      std::string set = "[";  // canonical JSON, as json_each and read_spend read it
      for (std::size_t i = 0; i < e.tags.size(); ++i) {
        if (i) set += ',';
        append_json_string(set, e.tags[i]);
      }
      set += ']';
      tags = intern(Interned::Tags, set);
    }
    query("INSERT INTO spend_entry (txn_id, debit, credit, amount_minor, upper_minor, currency, first_day, last_day,"
          " items, market, precision, source, tags, handle, external_id, note, items_precision, source_url,"
          " source_accessed, source_quote) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(e.txn_id).bind(debit).bind(credit).bind(e.amount.minor())
        .bind(e.upper ? std::optional<std::int64_t>(e.upper->minor()) : std::nullopt)
        .bind(currency_number(e.amount.currency())).bind(day_number(e.period.first()))
        .bind(day_number(e.period.last())).bind(e.items).bind(e.market)
        .bind(static_cast<std::int64_t>(e.precision)).bind(source).bind(tags).bind(e.handle).bind(e.external_id)
        .bind(e.note).bind(static_cast<std::int64_t>(e.items_precision)).bind(e.source_details).run();
    if (e.upper) pending_sums_.add_upper(*e.upper);
    return sqlite3_last_insert_rowid(db_.get());
  }

  void add_policy_action(const PolicyAction& a) override {
    assert(in_write_);
    query("INSERT INTO policy_action (id, kind, platform_id, date, end_date, lifts_action_id, account_count,"
          " description, source, note, source_url, source_accessed, source_quote)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(a.id).bind(std::string(to_string(a.kind))).bind(a.platform_id).bind(a.date).bind(a.end_date)
        .bind(a.lifts_action_id).bind(a.account_count).bind(a.description).bind(a.source).bind(a.note)
        .bind(a.source_details).run();
    for (const std::string& advertiser : a.advertiser_ids)
      query("INSERT INTO policy_action_advertiser (action_id, advertiser_id) VALUES (?, ?)")
          .bind(a.id).bind(advertiser).run();
  }

  void add_pledge(const Pledge& p) override {
    assert(in_write_);
    std::optional<Date> first, last;
    if (p.basis_period) {
      first = p.basis_period->first();
      last = p.basis_period->last();
    }
    std::int64_t debit = intern_account(pledge_expense_account(p.platform_id), nullptr);
    std::int64_t credit = intern_account(pledge_liability_account(p.platform_id, p.id), nullptr);
    query("INSERT INTO pledge (id, txn_id, debit, credit, platform_id, amount_minor, currency, date, beneficiary,"
          " basis_advertiser_id, basis_first, basis_last, source, note, source_url, source_accessed, source_quote)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(p.id).bind(p.txn_id).bind(debit).bind(credit).bind(p.platform_id).bind(p.amount.minor())
        .bind(p.amount.currency().code()).bind(p.date).bind(p.beneficiary).bind(p.basis_advertiser_id).bind(first)
        .bind(last).bind(p.source).bind(p.note).bind(p.source_details).run();
  }

  void add_disbursement(const Disbursement& d) override {
    assert(in_write_);
    std::optional<Pledge> pledge = find_pledge(d.pledge_id);
    if (!pledge) throw Error(ErrorKind::Rule, "pledge " + quote(d.pledge_id) + ": no such pledge");
    std::int64_t debit = intern_account(pledge_liability_account(pledge->platform_id, pledge->id), nullptr);
    std::int64_t credit = intern_account(disbursement_cash_account(pledge->platform_id), nullptr);
    query("INSERT INTO disbursement (id, txn_id, pledge_id, debit, credit, amount_minor, date, source, source_url,"
          " source_accessed, source_quote) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(d.id).bind(d.txn_id).bind(d.pledge_id).bind(debit).bind(credit).bind(d.amount.minor()).bind(d.date)
        .bind(d.source).bind(d.source_details).run();
  }

  void add_disclosed_total(const DisclosedTotal& d) override {
    assert(in_write_);
    query("INSERT INTO disclosed_total (id, platform_id, advertiser_id, amount_minor, currency, period_first,"
          " period_last, date, precision, source, note, source_url, source_accessed, source_quote)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(d.id).bind(d.platform_id).bind(d.advertiser_id).bind(d.amount.minor()).bind(d.amount.currency().code())
        .bind(d.period.first()).bind(d.period.last()).bind(d.date).bind(std::string(to_string(d.precision)))
        .bind(d.source).bind(d.note).bind(d.source_details).run();
  }

  void add_rate(const ExchangeRate& r) override {
    assert(in_write_);
    query("INSERT INTO exchange_rate (from_currency, to_currency, date, rate, source, source_url, source_accessed,"
          " source_quote) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(r.from.code()).bind(r.to.code()).bind(r.date).bind(r.rate.to_string()).bind(r.source)
        .bind(r.source_details).run();
  }

  std::optional<ExchangeRate> find_rate(const Currency& from, const Currency& to, const Date& date) override {
    Query q = query(select_rate() + " WHERE from_currency = ? AND to_currency = ? AND date = ?");
    q.bind(from.code()).bind(to.code()).bind(date);
    if (!q.step()) return std::nullopt;
    return read_rate(q);
  }

  std::optional<ExchangeRate> rate_on(const Currency& from, const Currency& to, const Date& date) override {
    Query q = query(select_rate() +
                    " WHERE from_currency = ? AND to_currency = ? AND date <= ? ORDER BY date DESC LIMIT 1");
    q.bind(from.code()).bind(to.code()).bind(date);
    if (!q.step()) return std::nullopt;
    return read_rate(q);
  }

  std::vector<ExchangeRate> rates() override {
    std::vector<ExchangeRate> out;
    if (schema_version_ < 5) return out;
    Query q = query(select_rate() + " ORDER BY from_currency, to_currency, date");
    while (q.step()) out.push_back(read_rate(q));
    return out;
  }

  void add_policy_withdrawal(const PolicyWithdrawal& w) override {
    assert(in_write_);
    query("INSERT INTO policy_withdrawal (action_id, reason, source, source_url, source_accessed, source_quote)"
          " VALUES (?, ?, ?, ?, ?, ?)")
        .bind(w.action_id).bind(w.reason).bind(w.source).bind(w.source_details).run();
  }

  void add_withdrawal(Withdrawable record, const std::string& id, const RecordWithdrawal& w) override {
    assert(in_write_);
    switch (record) {
      case Withdrawable::Pledge:
        query("INSERT INTO pledge_withdrawal (pledge_id, txn_id, reason, source, source_url, source_accessed,"
              " source_quote) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(id).bind(w.txn_id).bind(w.reason).bind(w.source).bind(w.source_details).run();
        return;
      case Withdrawable::Disbursement:
        query("INSERT INTO disbursement_withdrawal (disbursement_id, txn_id, reason, source, source_url,"
              " source_accessed, source_quote) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(id).bind(w.txn_id).bind(w.reason).bind(w.source).bind(w.source_details).run();
        return;
      case Withdrawable::DisclosedTotal:
        query("INSERT INTO disclosed_total_withdrawal (disclosed_total_id, reason, source, source_url,"
              " source_accessed, source_quote) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(id).bind(w.reason).bind(w.source).bind(w.source_details).run();
        return;
    }
  }

  void add_spend_reversal(const SpendReversal& r) override {
    assert(in_write_);
    query("INSERT INTO spend_reversal (entry_id, txn_id, reason, source, source_url, source_accessed, source_quote)"
          " VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(r.entry_id).bind(r.txn_id).bind(r.reason).bind(r.source).bind(r.source_details).run();
  }

  void append_log(const LogRecord& r) override {
    assert(in_write_);
    if (schema_version_ < 7) {
      // A migration to version 3 logs what was recorded before the log,
      // in the log of that version: the record's JSON and a chain.
      query("INSERT INTO record_log (seq, kind, ref, recorded_at, content, hash) VALUES (?, ?, ?, ?, ?, ?)")
          .bind(r.seq).bind(r.kind).bind(r.ref).bind(r.recorded_at).bind(r.content).bind_blob(r.hash).run();
      head_ = r;
      return;
    }
    CompactRange& tree = current_tree();
    if (tree.size() + 1 != r.seq)
      throw_storage("record " + std::to_string(r.seq) + " follows a log of " + std::to_string(tree.size()) +
                    " records: the log is not whole (run adledger verify)");
    if (schema_version_ >= 9) {
      Query q = query("INSERT INTO record_log (seq, kind, ref, recorded_at, hash, author) VALUES (?, ?, ?, ?, ?, ?)");
      q.bind(r.seq).bind(r.kind).bind(r.ref).bind(timestamp_ms(r.recorded_at)).bind_blob(r.hash);
      if (r.author.empty())
        q.bind(std::optional<std::string>());
      else
        q.bind(r.author);
      q.run();
    } else {
      if (!r.author.empty()) throw_storage("a record's author needs schema version 9; this ledger is older");
      query("INSERT INTO record_log (seq, kind, ref, recorded_at, hash) VALUES (?, ?, ?, ?, ?)")
          .bind(r.seq).bind(r.kind).bind(r.ref).bind(timestamp_ms(r.recorded_at)).bind_blob(r.hash).run();
    }
    completed_.clear();
    tree.append(r.hash, kKeptNodeLevel, completed_);
    for (const TreeNode& node : completed_) insert_tree_node(node);
    tree_dirty_ = true;
    head_ = r;
  }

  void each_txn_author(const std::function<void(std::int64_t, const std::string&)>& visit) override {
    if (schema_version_ < 9) return;
    Query q = query(std::string(kSelectTxnAuthors) + (schema_version_ >= 12 ? kSelectWithdrawalAuthors : ""));
    while (q.step()) visit(q.int64(0), q.text(1));
  }

  std::string default_author() override { return {}; }

  std::string record_author(const std::string& kind, const std::string& ref) override {
    if (schema_version_ < 9) return {};
    Query q = query("SELECT author FROM record_log WHERE kind = ? AND ref = ?");
    q.bind(kind).bind(ref);
    return q.step() && !q.is_null(0) ? q.text(0) : std::string();
  }

  std::optional<LogRecord> log_head() override {
    if (in_write_ && head_) return head_;
    std::optional<LogRecord> r;
    {
      Query q = query(std::string(select_log()) + " ORDER BY seq DESC LIMIT 1");
      if (!q.step()) return std::nullopt;
      r = read_log(q);
    }
    if (!in_write_) fill_content(*r);  // within a write the head only extends the log
    else head_ = r;
    return r;
  }

  TreeHead tree_head() override {
    if (schema_version_ < 7) return TreeHead{0, empty_root()};
    if (in_write_ && tree_) return TreeHead{tree_->size(), tree_->root()};
    CompactRange tree = stored_tree();
    return TreeHead{tree.size(), tree.root()};
  }

  std::vector<Hash> leaf_hashes(std::int64_t first_seq, std::int64_t count) override {
    std::vector<Hash> out;
    Query q = query("SELECT seq, hash FROM record_log WHERE seq >= ? AND seq < ? ORDER BY seq");
    q.bind(first_seq).bind(first_seq + count);
    while (q.step()) {
      // A gap would shift every leaf after it: a proof made of them would
      // be wrong, not refused.
      const std::int64_t expected = first_seq + static_cast<std::int64_t>(out.size());
      if (q.int64(0) != expected)
        throw_storage("record " + std::to_string(expected) + " is missing from the log (run adledger verify)");
      out.push_back(hash_column(q, 1, "record_log"));
    }
    return out;
  }

  std::optional<Hash> tree_node(int level, std::int64_t index) override {
    Query q = query("SELECT hash FROM log_tree_node WHERE level = ? AND idx = ?");
    q.bind(std::int64_t{level}).bind(index);
    if (!q.step()) return std::nullopt;
    return hash_column(q, 0, "log_tree_node");
  }

  void each_tree_node(const std::function<void(const TreeNode&)>& visit) override {
    Query q = query("SELECT level, idx, hash FROM log_tree_node ORDER BY level, idx");
    while (q.step()) {
      std::int64_t level = q.int64(0);
      if (level < 0 || level > 63) throw_storage("log_tree_node has a node of level " + std::to_string(level));
      visit(TreeNode{static_cast<int>(level), q.int64(1), hash_column(q, 2, "log_tree_node")});
    }
  }

  std::optional<LogRecord> log_record(std::int64_t seq) override {
    std::optional<LogRecord> r;
    {
      Query q = query(std::string(select_log()) + " WHERE seq = ?");
      q.bind(seq);
      if (!q.step()) return std::nullopt;
      r = read_log(q);
    }
    fill_content(*r);
    return r;
  }

  std::optional<LogRecord> find_log(const std::string& kind, const std::string& ref) override {
    std::optional<LogRecord> r;
    {
      Query q = query(std::string(select_log()) + " WHERE kind = ? AND ref = ?");
      q.bind(kind).bind(ref);
      if (!q.step()) return std::nullopt;
      r = read_log(q);
    }
    fill_content(*r);
    return r;
  }

  std::optional<std::int64_t> find_log_seq(const std::string& kind, const std::string& ref) override {
    Query q = query("SELECT seq FROM record_log WHERE kind = ? AND ref = ?");
    q.bind(kind).bind(ref);
    if (!q.step()) return std::nullopt;
    return q.int64(0);
  }

  void each_log(const std::function<void(const LogRecord&)>& visit) override {
    // The records are read a page at a time, and each one's content is
    // rebuilt from its rows between pages: the log's statement is never
    // left open across another query of the same table.
    constexpr std::int64_t kPage = 4096;
    std::int64_t after = 0;
    for (;;) {
      std::vector<LogRecord> page;
      {
        Query q = query(std::string(select_log()) + " WHERE seq > ? ORDER BY seq LIMIT ?");
        q.bind(after).bind(kPage);
        while (q.step()) page.push_back(read_log(q));
      }
      if (page.empty()) return;
      for (LogRecord& r : page) {
        fill_content(r);
        visit(r);
      }
      after = page.back().seq;
    }
  }

  std::vector<std::string> integrity_problems() override {
    std::vector<std::string> out;
    {
      Query q = query("PRAGMA foreign_key_check");
      while (q.step())
        out.push_back("table " + q.text(0) + " row " + q.text(1) + ": refers to a missing row of " + q.text(2));
    }
    {
      // A damaged file can have thousands of problems: the first few are
      // named, the rest counted, so the report stays readable.
      constexpr std::size_t kShown = 10;
      std::size_t more = 0;
      Query q = query("PRAGMA quick_check(1000)");
      while (q.step()) {
        std::string line = q.text(0);
        if (line == "ok") continue;
        if (out.size() < kShown) {
          if (line.size() > 200) line = line.substr(0, 200) + "...";
          out.push_back("SQLite quick_check: " + line);
        } else {
          ++more;
        }
      }
      if (more) out.push_back("SQLite quick_check: " + std::to_string(more) + " more problems");
    }
    // The append-only triggers: dropping one, or replacing it with one that
    // does nothing, is the first step of editing the ledger behind
    // adledger's back. Each must be there with the text adledger gave it.
    for (const auto& [name, expected] : expected_triggers()) {
      Query q = query("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?");
      q.bind(name);
      if (!q.step()) {
        out.push_back("trigger " + name + " is gone: " + trigger_guards(name));
        continue;
      }
      if (normalise_sql(q.text(0)) != normalise_sql(expected))
        out.push_back("trigger " + name + " was replaced by one adledger did not write: " + trigger_guards(name));
    }
    return out;
  }

  std::optional<Platform> find_platform(const std::string& id) override {
    Query q = query("SELECT id, name FROM platform WHERE id = ?");
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return Platform{q.text(0), q.text(1)};
  }

  std::vector<Platform> platforms() override {
    std::vector<Platform> out;
    Query q = query("SELECT id, name FROM platform ORDER BY id");
    while (q.step()) out.push_back(Platform{q.text(0), q.text(1)});
    return out;
  }

  std::optional<Advertiser> find_advertiser(const std::string& id) override {
    Query q = query("SELECT id, name, country, state_affiliated FROM advertiser WHERE id = ?");
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return read_advertiser(q);
  }

  std::vector<Advertiser> advertisers() override {
    std::vector<Advertiser> out;
    Query q = query("SELECT id, name, country, state_affiliated FROM advertiser ORDER BY id");
    while (q.step()) out.push_back(read_advertiser(q));
    return out;
  }

  std::optional<Handle> find_handle(const std::string& platform_id, const std::string& handle) override {
    Query q = query("SELECT advertiser_id, platform_id, handle FROM handle WHERE platform_id = ? AND handle = ?");
    q.bind(platform_id).bind(handle);
    if (!q.step()) return std::nullopt;
    return Handle{q.text(0), q.text(1), q.text(2)};
  }

  std::vector<Handle> handles_of(const std::string& advertiser_id) override {
    std::vector<Handle> out;
    Query q = query("SELECT advertiser_id, platform_id, handle FROM handle WHERE advertiser_id = ?"
                    " ORDER BY platform_id, handle");
    q.bind(advertiser_id);
    while (q.step()) out.push_back(Handle{q.text(0), q.text(1), q.text(2)});
    return out;
  }

  std::vector<Handle> handles() override {
    std::vector<Handle> out;
    Query q = query("SELECT advertiser_id, platform_id, handle FROM handle ORDER BY platform_id, handle");
    while (q.step()) out.push_back(Handle{q.text(0), q.text(1), q.text(2)});
    return out;
  }

  std::optional<SpendEntry> find_spend(std::int64_t entry_id) override {
    assert(schema_version_ >= 7);
    static const SpendStatement sql(" WHERE s.id = ?");
    Query q = query(sql_of(sql));
    q.bind(entry_id);
    if (!q.step()) return std::nullopt;
    return read_spend(q);
  }

  std::optional<SpendEntry> find_spend_by_external_id(const std::string& external_id) override {
    static const SpendStatement sql(" WHERE s.external_id = ?");
    Query q = query(sql_of(sql));
    q.bind(external_id);
    if (!q.step()) return std::nullopt;
    return read_spend(q);
  }

  std::vector<SpendEntry> spend(const SpendQuery& sq) override {
    if (schema_version_ < 7) return legacy_spend();
    std::optional<std::int64_t> first, last;
    if (sq.overlapping) {
      first = day_number(sq.overlapping->first());
      last = day_number(sq.overlapping->last());
    }
    std::vector<SpendEntry> out;
    // NULL parameters mean "no filter", so one prepared statement serves
    // every combination, except the advertiser: one advertiser's entries
    // are read through its expense accounts (spend_by_account), never by
    // reading every entry of the ledger.
    const char* advertiser = sq.advertiser_id
                                 ? " WHERE s.debit IN (SELECT id FROM account WHERE advertiser_id = ?1"
                                   " AND (?2 IS NULL OR platform_id = ?2))"
                                 : " WHERE ?1 IS NULL AND (?2 IS NULL OR a.platform_id = ?2)";
    const bool lookup = sq.match != SpendQuery::Match::Overlap && sq.advertiser_id && sq.platform_id && sq.overlapping;
    const char* period = !lookup ? " AND (?3 IS NULL OR s.last_day >= ?3) AND (?4 IS NULL OR s.first_day <= ?4)"
                         : sq.match == SpendQuery::Match::Exact ? " AND s.first_day = ?3 AND s.last_day = ?4"
                                                                : " AND s.first_day = ?3 AND s.last_day >= ?4";
    Query q = query(std::string(select_spend()) + advertiser + period + " ORDER BY s.first_day, s.id");
    q.bind(sq.advertiser_id).bind(sq.platform_id).bind(first).bind(last);
    while (q.step()) out.push_back(read_spend(q));
    return out;
  }

  void each_spend(const std::function<void(const SpendEntry&)>& visit) override {
    if (schema_version_ < 7) {
      for (const SpendEntry& e : legacy_spend()) visit(e);
      return;
    }
    // The visitor may read the store: another statement than this one.
    static const SpendStatement sql(" ORDER BY s.id");
    Query q = query(sql_of(sql));
    while (q.step()) visit(read_spend(q));
  }

  void each_spend_after(std::int64_t after, const std::function<bool(const SpendEntry&)>& visit) override {
    if (schema_version_ < 7) {
      for (const SpendEntry& e : legacy_spend())
        if (e.entry_id > after && !visit(e)) return;
      return;
    }
    static const SpendStatement sql(" WHERE s.id > ? ORDER BY s.id");
    Query q = query(sql_of(sql));
    q.bind(after);
    while (q.step())
      if (!visit(read_spend(q))) return;
  }

  std::optional<PolicyAction> find_policy_action(const std::string& id) override {
    std::optional<PolicyAction> out;
    {
      Query q = query(select_policy() + std::string(" WHERE p.id = ?"));
      q.bind(id);
      if (q.step()) out = read_policy(q);
    }
    if (out) out->advertiser_ids = advertisers_named_by(out->id);
    return out;
  }

  std::vector<PolicyAction> policy_actions(const std::optional<std::string>& platform_id) override {
    std::vector<PolicyAction> out;
    {
      Query q =
          query(select_policy() + std::string(" WHERE (?1 IS NULL OR p.platform_id = ?1) ORDER BY p.date, p.id"));
      q.bind(platform_id);
      while (q.step()) out.push_back(read_policy(q));
    }
    for (PolicyAction& a : out) a.advertiser_ids = advertisers_named_by(a.id);
    return out;
  }

  std::optional<Pledge> find_pledge(const std::string& id) override {
    Query q = query(select_pledge() + std::string(" WHERE pledge.id = ?"));
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return read_pledge(q);
  }

  std::vector<Pledge> pledges() override {
    std::vector<Pledge> out;
    Query q = query(select_pledge() + std::string(" ORDER BY pledge.date, pledge.id"));
    while (q.step()) out.push_back(read_pledge(q));
    return out;
  }

  std::vector<Disbursement> disbursements_of(const std::string& pledge_id) override {
    std::vector<Disbursement> out;
    Query q = query(select_disbursement() + " WHERE d.pledge_id = ? ORDER BY d.date, d.id");
    q.bind(pledge_id);
    while (q.step()) out.push_back(read_disbursement(q));
    return out;
  }

  std::optional<DisclosedTotal> find_disclosed_total(const std::string& id) override {
    Query q = query(select_disclosed() + std::string(" WHERE disclosed_total.id = ?"));
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return read_disclosed(q);
  }

  std::optional<Disbursement> find_disbursement(const std::string& id) override {
    if (auto found = find_disbursement_on_platform(id)) return std::move(found->first);
    return std::nullopt;
  }

  std::vector<DisclosedTotal> disclosed_totals(const std::optional<std::string>& advertiser_id,
                                               const std::optional<std::string>& platform_id) override {
    std::vector<DisclosedTotal> out;
    Query q = query(select_disclosed() + std::string(" WHERE (?1 IS NULL OR advertiser_id = ?1)"
                                                   " AND (?2 IS NULL OR platform_id = ?2)"
                                                   " ORDER BY platform_id, advertiser_id, period_first,"
                                                   " disclosed_total.id"));
    q.bind(advertiser_id).bind(platform_id);
    while (q.step()) out.push_back(read_disclosed(q));
    return out;
  }

  bool disbursement_exists(const std::string& id) override {
    Query q = query("SELECT 1 FROM disbursement WHERE id = ?");
    q.bind(id);
    return q.step();
  }

  std::vector<JournalTxn> journal() override {
    std::vector<JournalTxn> out;
    each_txn(std::nullopt, [&](const JournalTxn& t) { out.push_back(t); });
    return out;
  }

  std::optional<JournalTxn> find_txn(std::int64_t id) override {
    if (schema_version_ < 7) return legacy_find_txn(id);
    // Which record posted it: read by number, rarely (reports read a
    // record's transaction from the record itself).
    {
      Query q = query(std::string(select_spend()) + " WHERE s.txn_id = ?1 OR r.txn_id = ?1");
      q.bind(id);
      if (q.step()) {
        SpendEntry e = read_spend(q);
        return e.txn_id == id ? spend_txn(e) : reversal_txn(e);
      }
    }
    {
      Query q = query(select_pledge() + std::string(" WHERE pledge.txn_id = ?1") +
                      (schema_version_ >= 12 ? " OR w.txn_id = ?1" : ""));
      q.bind(id);
      if (q.step()) {
        Pledge p = read_pledge(q);
        return p.txn_id == id ? pledge_txn(p) : withdrawal_txn(p);
      }
    }
    Query q = query(select_disbursement() + " WHERE d.txn_id = ?1" + (schema_version_ >= 12 ? " OR w.txn_id = ?1" : ""));
    q.bind(id);
    if (!q.step()) return std::nullopt;
    Disbursement d = read_disbursement(q);
    const std::string platform = q.text(kDisbursementPlatformColumn);
    return d.txn_id == id ? disbursement_txn(d, platform) : withdrawal_txn(d, platform);
  }

  // The sums kept per currency (schemas/migrations/10.sql), with what this
  // write has added.
  CurrencyTotal kept_sums(const std::string& currency) {
    CurrencyTotal out{currency, 0, 0};
    Query q = query("SELECT debits_minor, upper_minor FROM currency_total WHERE currency = ?");
    q.bind(currency);
    if (q.step()) {
      out.debits_minor = q.int64(0);
      out.upper_minor = q.int64(1);
    }
    return pending_sums_.plus(out);
  }

  std::int64_t upper_bound_total(const std::string& currency) override { return kept_sums(currency).upper_minor; }
  std::int64_t posted_volume(const std::string& currency) override { return kept_sums(currency).debits_minor; }

  std::vector<CurrencyTotal> currency_totals() override {
    std::set<std::string> currencies;
    {
      Query q = query("SELECT currency FROM currency_total");
      while (q.step()) currencies.insert(q.text(0));
    }
    for (const auto& [currency, pending] : pending_sums_.by_currency()) currencies.insert(currency);
    std::vector<CurrencyTotal> out;
    for (const std::string& currency : currencies) out.push_back(kept_sums(currency));
    return out;
  }

  std::int64_t account_balance(const std::string& account, const std::string& currency) override {
    Query q = query("SELECT balance_minor FROM account_total WHERE account = ? AND currency = ?");
    q.bind(account).bind(currency);
    std::int64_t stored = !q.step() || q.is_null(0) ? 0 : q.int64(0);
    auto pending = pending_totals_.find({account, currency});
    if (pending == pending_totals_.end()) return stored;
    if (std::int64_t sum = 0; !__builtin_add_overflow(stored, pending->second.balance_minor, &sum)) return sum;
    return checked_add(stored, pending->second.balance_minor, "the balance of " + account);  // throws
  }

  std::vector<BalanceRow> trial_balance() override {
    flush_totals();
    std::vector<BalanceRow> out;
    Query q = query("SELECT account, currency, balance_minor FROM account_total ORDER BY account, currency");
    while (q.step()) out.push_back(BalanceRow{q.text(0), q.text(1), q.int64(2)});
    return out;
  }

  std::vector<BalanceRow> posting_totals() override {
    // Summed here, from the transactions the records post, with overflow
    // checked: an account whose balance does not fit in int64 is an
    // error, not a lie.
    std::map<std::pair<std::string, std::string>, std::int64_t> sums;
    each_txn(std::nullopt, [&](const JournalTxn& t) {
      for (const Posting& p : t.postings) {
        std::int64_t& sum = sums[{p.account, p.amount.currency().code()}];
        sum = checked_add(sum, p.amount.minor(), "the balance of " + p.account);
      }
    });
    std::vector<BalanceRow> out;
    for (const auto& [key, sum] : sums) out.push_back(BalanceRow{key.first, key.second, sum});
    return out;
  }

  void add_api_token(const ApiToken& t) override {
    assert(in_write_);
    query("INSERT INTO api_token (name, role, token_sha256, created_at) VALUES (?, ?, ?, ?)")
        .bind(t.name).bind(t.role).bind_blob(t.token_sha256).bind(t.created_at).run();
  }

  void revoke_api_token(const std::string& name, const std::string& revoked_at) override {
    assert(in_write_);
    query("INSERT INTO api_token_revocation (name, revoked_at) VALUES (?, ?)").bind(name).bind(revoked_at).run();
  }

  std::vector<ApiToken> api_tokens() override {
    std::vector<ApiToken> out;
    if (schema_version_ < 11) return out;
    Query q = query(std::string(kSelectToken) + " ORDER BY t.name");
    while (q.step()) out.push_back(read_token(q));
    return out;
  }

  std::optional<ApiToken> find_api_token(const Hash& token_sha256) override {
    if (schema_version_ < 11) return std::nullopt;
    Query q = query(std::string(kSelectToken) + " WHERE t.token_sha256 = ?");
    q.bind_blob(token_sha256);
    if (!q.step()) return std::nullopt;
    return read_token(q);
  }

  void add_idempotent_write(const IdempotentWrite& w) override {
    assert(in_write_);
    query("INSERT INTO api_idempotency (token_name, key, request_sha256, status, answer, created_at)"
          " VALUES (?, ?, ?, ?, ?, ?)")
        .bind(w.token_name).bind(w.key).bind_blob(w.request_sha256).bind(std::int64_t{w.status}).bind(w.answer)
        .bind(w.created_at).run();
  }

  std::optional<IdempotentWrite> find_idempotent_write(const std::string& token_name, const std::string& key) override {
    if (schema_version_ < 11) return std::nullopt;
    Query q = query("SELECT request_sha256, status, answer, created_at FROM api_idempotency"
                    " WHERE token_name = ? AND key = ?");
    q.bind(token_name).bind(key);
    if (!q.step()) return std::nullopt;
    return IdempotentWrite{token_name, key, hash_column(q, 0, "api_idempotency"), static_cast<int>(q.int64(1)),
                           q.text(2), q.text(3)};
  }

  void each_txn(const std::optional<Period>& range, const std::function<void(const JournalTxn&)>& visit) override {
    // One pass in journal order (date, then transaction number), a
    // transaction at a time. Spend entries, nearly all of the journal, are
    // streamed; the other records' transactions (reversals, pledges,
    // disbursements) are read first and merged in.
    auto in_range = [&](const Date& d) { return !range || range->contains(d); };
    std::vector<JournalTxn> others;
    {
      Query q = query(std::string(select_spend()) + " WHERE r.txn_id IS NOT NULL");
      while (q.step()) {
        SpendEntry e = read_spend(q);
        if (in_range(e.period.first())) others.push_back(reversal_txn(e));
      }
    }
    for (const Pledge& p : pledges()) {
      if (!in_range(p.date)) continue;
      others.push_back(pledge_txn(p));
      if (p.withdrawal) others.push_back(withdrawal_txn(p));
    }
    {
      Query q = query(select_disbursement() + " ORDER BY d.txn_id");
      while (q.step()) {
        Disbursement d = read_disbursement(q);
        if (!in_range(d.date)) continue;
        others.push_back(disbursement_txn(d, q.text(kDisbursementPlatformColumn)));
        if (d.withdrawal) others.push_back(withdrawal_txn(d, q.text(kDisbursementPlatformColumn)));
      }
    }
    auto before = [](const JournalTxn& a, const JournalTxn& b) { return std::tie(a.date, a.id) < std::tie(b.date, b.id); };
    std::sort(others.begin(), others.end(), before);
    std::optional<std::int64_t> first, last;
    if (range) {
      first = day_number(range->first());
      last = day_number(range->last());
    }
    Query q = query(std::string(select_spend()) +
                    " WHERE (?1 IS NULL OR s.first_day >= ?1) AND (?2 IS NULL OR s.first_day <= ?2)"
                    " ORDER BY s.first_day, s.txn_id");
    q.bind(first).bind(last);
    auto next = others.begin();
    while (q.step()) {
      JournalTxn t = spend_txn(read_spend(q));
      for (; next != others.end() && before(*next, t); ++next) visit(*next);
      visit(t);
    }
    for (; next != others.end(); ++next) visit(*next);
  }

  // Version 6 to 7 (schemas/migrations/7.sql): checks the version-6 chain
  // and gives each record its leaf hash before the SQL moves the rows, then
  // checks that every record rebuilt from the new rows is the record that
  // was logged, and stores the tree's edge.
  void migrate_to_7() {
    exec("CREATE TEMP TABLE IF NOT EXISTS legacy_leaf (seq INTEGER PRIMARY KEY, leaf BLOB NOT NULL)");
    exec("DELETE FROM temp.legacy_leaf");
    std::vector<Hash> leaves;
    {
      Hash previous{};
      std::int64_t expected = 1;
      Query q = query("SELECT seq, kind, ref, recorded_at, content, hash FROM record_log ORDER BY seq");
      while (q.step()) {
        LogRecord r;
        r.seq = q.int64(0);
        r.kind = q.text(1);
        r.ref = q.text(2);
        r.recorded_at = q.text(3);
        r.content = q.text(4);
        std::string stored = q.blob(5);
        std::string line = chain_line(r.seq, r.kind, r.ref, r.recorded_at, r.content);
        Hash h = chain_hash(previous, line);
        if (r.seq != expected || stored.size() != h.size() || std::memcmp(h.data(), stored.data(), h.size()) != 0)
          throw_storage("record " + std::to_string(r.seq) + " of the log does not follow from the one before;"
                        " the ledger was changed behind adledger's back (run adledger verify)");
        previous = h;
        ++expected;
        leaves.push_back(leaf_hash(line));
      }
    }
    for (std::size_t i = 0; i < leaves.size(); ++i)
      query("INSERT INTO temp.legacy_leaf (seq, leaf) VALUES (?, ?)")
          .bind(static_cast<std::int64_t>(i + 1)).bind_blob(leaves[i]).run();
    exec(generated::kMigrations[7 - 2]);
    exec("DROP TABLE temp.legacy_leaf");
    set_schema_version(7);
    CompactRange tree;
    each_log([&](const LogRecord& r) {
      if (!r.row_problem.empty() || leaf_hash(chain_line(r.seq, r.kind, r.ref, r.recorded_at, r.content)) != r.hash)
        throw_storage("record " + std::to_string(r.seq) + " (" + r.kind + " " + r.ref +
                      ") does not match its rows: " +
                      (r.row_problem.empty() ? std::string("its content differs") : r.row_problem) +
                      " (run adledger verify)");
      tree.append(r.hash);
    });
    if (tree.size() > 0)
      query("INSERT INTO log_tree (size, frontier) VALUES (?, ?)").bind(tree.size()).bind_blob(tree.serialize()).run();
  }

  // Version 8 stores the complete subtrees of the tree (log_tree_node): they
  // are computed from the leaves, whose tree must be the one log_tree keeps.
  // `checked`: refuse a log whose leaves are not whole or not the kept
  // tree. A command that only reads migrates unchecked, so that verify can
  // say what is wrong; the subtrees then stop at the first gap.
  void migrate_to_8(bool checked) {
    exec(generated::kMigrations[8 - 2]);
    set_schema_version(8);
    CompactRange tree;
    std::vector<TreeNode> completed;
    {
      Query q = query("SELECT seq, hash FROM record_log ORDER BY seq");
      while (q.step()) {
        std::int64_t seq = q.int64(0);
        if (seq != tree.size() + 1) {
          if (!checked) return;
          throw_storage("record " + std::to_string(tree.size() + 1) + " is missing from the log (run adledger verify)");
        }
        completed.clear();
        tree.append(hash_column(q, 1, "record_log"), kKeptNodeLevel, completed);
        for (const TreeNode& node : completed) insert_tree_node(node);
      }
    }
    CompactRange stored = stored_tree();
    if (checked && (stored.size() != tree.size() || stored.root() != tree.root()))
      throw_storage("the tree the ledger keeps (" + std::to_string(stored.size()) + " records, root " +
                    to_hex(stored.root()) + ") is not the tree of its leaves (" + std::to_string(tree.size()) +
                    " records, root " + to_hex(tree.root()) + ") (run adledger verify)");
  }

  // A new ledger: the base schema, every migration, the marks.
  void create_schema() {
    exec(generated::kSchemaSql);
    // Version 7's migration moves the log's leaves through a temporary table.
    exec("CREATE TEMP TABLE legacy_leaf (seq INTEGER PRIMARY KEY, leaf BLOB NOT NULL)");
    for (const char* migration : generated::kMigrations) exec(migration);
    exec("DROP TABLE temp.legacy_leaf");
  }

 private:
  // The columns of a spend entry as read_spend reads them: before version
  // 12 an item count had no precision (exact), and before version 13 a
  // source had no details.
  std::string select_spend() const { return spend_select(schema_version_); }
  static std::string spend_select(std::int64_t version) {
    return std::string(
               "SELECT s.id, a.advertiser_id, a.platform_id, s.handle, s.amount_minor, s.currency, s.first_day,"
               " s.last_day, s.items, s.market, s.precision, t.text, s.external_id, s.note, s.txn_id,"
               " r.txn_id, r.reason, r.source, s.upper_minor, g.tags, a.name, c.name, ") +
           (version >= 12 ? "s.items_precision" : "0") + details_columns(version, "s") +
           details_columns(version, "r") +
           " FROM spend_entry s JOIN account a ON a.id = s.debit JOIN account c ON c.id = s.credit"
           " JOIN source_text t ON t.id = s.source"
           " LEFT JOIN tag_set g ON g.id = s.tags LEFT JOIN spend_reversal r ON r.entry_id = s.id";
  }
  // A statement over the spend columns, its text built once for each
  // version that has other columns.
  struct SpendStatement {
    explicit SpendStatement(const char* tail)
        : current(spend_select(13) + tail), before_13(spend_select(12) + tail), before_12(spend_select(11) + tail) {}
    std::string current, before_13, before_12;
  };
  const char* sql_of(const SpendStatement& statement) const {
    return (schema_version_ >= 13   ? statement.current
            : schema_version_ >= 12 ? statement.before_13
                                    : statement.before_12)
        .c_str();
  }
  // The details of a source as the next three columns of a select (table
  // `alias`); NULL before version 13. read_details reads them.
  static std::string details_columns(std::int64_t version, const char* alias) {
    if (version < 13) return ", NULL, NULL, NULL";
    const std::string a(alias);
    return ", " + a + ".source_url, " + a + ".source_accessed, " + a + ".source_quote";
  }
  std::string details_columns(const char* alias) const { return details_columns(schema_version_, alias); }
  static SourceDetails read_details(const Query& q, int column) {
    SourceDetails d;
    d.url = q.opt_text(column);
    if (!q.is_null(column + 1)) d.accessed = q.date(column + 1);
    d.quote = q.opt_text(column + 2);
    return d;
  }
  // The transaction of each record that posts and names its author.
  static constexpr const char* kSelectTxnAuthors =
      "SELECT s.txn_id, l.author FROM record_log l JOIN spend_entry s ON s.id = CAST(l.ref AS INTEGER)"
      " WHERE l.kind = 'spend' AND l.author IS NOT NULL"
      " UNION ALL SELECT r.txn_id, l.author FROM record_log l JOIN spend_reversal r"
      " ON r.entry_id = CAST(l.ref AS INTEGER) WHERE l.kind = 'spend_reversal' AND l.author IS NOT NULL"
      " UNION ALL SELECT p.txn_id, l.author FROM record_log l JOIN pledge p ON p.id = l.ref"
      " WHERE l.kind = 'pledge' AND l.author IS NOT NULL"
      " UNION ALL SELECT d.txn_id, l.author FROM record_log l JOIN disbursement d ON d.id = l.ref"
      " WHERE l.kind = 'disbursement' AND l.author IS NOT NULL";
  static constexpr const char* kSelectWithdrawalAuthors =
      " UNION ALL SELECT w.txn_id, l.author FROM record_log l JOIN pledge_withdrawal w ON w.pledge_id = l.ref"
      " WHERE l.kind = 'pledge_withdrawal' AND l.author IS NOT NULL"
      " UNION ALL SELECT w.txn_id, l.author FROM record_log l JOIN disbursement_withdrawal w"
      " ON w.disbursement_id = l.ref WHERE l.kind = 'disbursement_withdrawal' AND l.author IS NOT NULL";
  std::string select_rate() const {
    return "SELECT from_currency, to_currency, date, rate, source" + details_columns("exchange_rate") +
           " FROM exchange_rate";
  }
  static ExchangeRate read_rate(const Query& q) {
    return ExchangeRate{Currency::from_code(q.text(0)), Currency::from_code(q.text(1)), q.date(2),
                        Rate::parse(q.text(3)), q.text(4), read_details(q, 5)};
  }

  const char* select_log() const {
    if (schema_version_ >= 9) return "SELECT seq, kind, ref, recorded_at, hash, author FROM record_log";
    return schema_version_ >= 7 ? "SELECT seq, kind, ref, recorded_at, hash FROM record_log"
                                : "SELECT seq, kind, ref, recorded_at, hash, content FROM record_log";
  }
  LogRecord read_log(const Query& q) const {
    LogRecord r;
    r.seq = q.int64(0);
    r.kind = q.text(1);
    r.ref = q.text(2);
    r.recorded_at = schema_version_ >= 7 ? format_timestamp_ms(q.int64(3)) : q.text(3);
    std::string hash = q.blob(4);
    if (hash.size() == r.hash.size()) std::copy(hash.begin(), hash.end(), r.hash.begin());
    if (schema_version_ < 7) r.content = q.text(5);
    if (schema_version_ >= 9) r.author = q.text(5);  // NULL: nobody named
    return r;
  }

  // Rebuilds a record's canonical content from its rows (version 7 keeps
  // no other copy); names what is wrong when the rows are gone or cannot
  // be read.
  void fill_content(LogRecord& r) {
    if (schema_version_ < 7) return;
    try {
      std::optional<nlohmann::json> c = content_from_rows(r.kind, r.ref);
      if (c)
        r.content = canonical(*c);
      else
        r.row_problem = "its row is gone from the tables";
    } catch (const std::exception& e) {
      r.row_problem = std::string("its row cannot be read: ") + e.what();
    }
  }

  std::optional<nlohmann::json> content_from_rows(const std::string& kind, const std::string& ref) {
    if (kind == "platform") {
      if (auto p = find_platform(ref)) return content_of(*p);
    } else if (kind == "advertiser") {
      if (auto a = find_advertiser(ref)) return content_of(*a);
    } else if (kind == "handle") {
      std::size_t slash = ref.find('/');
      if (slash == std::string::npos) return std::nullopt;
      if (auto h = find_handle(ref.substr(0, slash), ref.substr(slash + 1))) return content_of(*h);
    } else if (kind == "spend" || kind == "spend_reversal") {
      std::int64_t id = 0;
      auto [end, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), id);
      if (ec != std::errc() || end != ref.data() + ref.size()) return std::nullopt;
      std::optional<SpendEntry> e = find_spend(id);
      if (!e) return std::nullopt;
      if (kind == "spend") return content_of(*e, spend_txn(*e));
      if (e->reversal) return content_of(*e->reversal, reversal_txn(*e));
    } else if (kind == "policy_action" || kind == "policy_withdrawal") {
      std::optional<PolicyAction> a = find_policy_action(ref);
      if (!a) return std::nullopt;
      if (kind == "policy_withdrawal") {
        if (a->withdrawal) return content_of(*a->withdrawal);
        return std::nullopt;
      }
      a->withdrawal.reset();  // a record of its own
      return content_of(*a);
    } else if (kind == "pledge") {
      if (auto p = find_pledge(ref)) return content_of(*p, pledge_txn(*p));
    } else if (kind == "pledge_withdrawal") {
      if (auto p = find_pledge(ref); p && p->withdrawal) return content_of_withdrawal(*p, withdrawal_txn(*p));
    } else if (kind == "disbursement") {
      if (auto d = find_disbursement_on_platform(ref))
        return content_of(d->first, disbursement_txn(d->first, d->second));
    } else if (kind == "disbursement_withdrawal") {
      if (auto d = find_disbursement_on_platform(ref); d && d->first.withdrawal)
        return content_of_withdrawal(d->first, withdrawal_txn(d->first, d->second));
    } else if (kind == "disclosed_total") {
      if (auto d = find_disclosed_total(ref)) return content_of(*d);
    } else if (kind == "disclosed_total_withdrawal") {
      if (auto d = find_disclosed_total(ref); d && d->withdrawal) return content_of_withdrawal(*d);
    } else if (kind == "rate") {
      // USD/EUR/2019-05-31
      if (ref.size() != 18 || ref[3] != '/' || ref[7] != '/') return std::nullopt;
      if (auto r = find_rate(Currency::from_code(ref.substr(0, 3)), Currency::from_code(ref.substr(4, 3)),
                             parse_date(ref.substr(8), "rate date")))
        return content_of(*r);
    }
    return std::nullopt;
  }

  // A disbursement and its pledge's platform.
  std::optional<std::pair<Disbursement, std::string>> find_disbursement_on_platform(const std::string& id) {
    Query q = query(select_disbursement() + " WHERE d.id = ?");
    q.bind(id);
    if (!q.step()) return std::nullopt;
    Disbursement d = read_disbursement(q);
    return std::make_pair(std::move(d), q.text(kDisbursementPlatformColumn));
  }

  // From version 7 a disbursement carries its accounts, which must be its
  // pledge's; from version 12 it may be withdrawn (w).
  std::string select_disbursement() const {
    if (schema_version_ >= 12)
      return "SELECT d.id, d.pledge_id, d.amount_minor, p.currency, d.date, d.source, d.txn_id, p.platform_id,"
             " (SELECT name FROM account WHERE account.id = d.debit),"
             " (SELECT name FROM account WHERE account.id = d.credit), w.txn_id, w.reason, w.source" +
             details_columns("d") + details_columns("w") +
             " FROM disbursement d JOIN pledge p ON p.id = d.pledge_id"
             " LEFT JOIN disbursement_withdrawal w ON w.disbursement_id = d.id";
    return schema_version_ >= 7
               ? "SELECT d.id, d.pledge_id, d.amount_minor, p.currency, d.date, d.source, d.txn_id, p.platform_id,"
                 " (SELECT name FROM account WHERE account.id = d.debit),"
                 " (SELECT name FROM account WHERE account.id = d.credit), NULL, NULL, NULL, NULL, NULL, NULL,"
                 " NULL, NULL, NULL FROM disbursement d JOIN pledge p ON p.id = d.pledge_id"
               : "SELECT d.id, d.pledge_id, d.amount_minor, p.currency, d.date, d.source, d.txn_id, p.platform_id,"
                 " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
                 " FROM disbursement d JOIN pledge p ON p.id = d.pledge_id";
  }
  static constexpr int kDisbursementPlatformColumn = 7;
  static Disbursement read_disbursement(const Query& q) {
    Disbursement d{q.text(0), q.text(1), Money(q.int64(2), Currency::from_code(q.text(3))), q.date(4), q.text(5),
                   read_details(q, 13), q.int64(6), std::nullopt};
    const std::string platform = q.text(kDisbursementPlatformColumn);
    if (!q.is_null(8) && (q.text(8) != pledge_liability_account(platform, d.pledge_id) ||
                          q.text(9) != disbursement_cash_account(platform)))
      throw_storage("disbursement " + quote(d.id) + ": it debits " + q.text(8) + " and credits " + q.text(9) +
                    ", not the accounts of pledge " + d.pledge_id);
    if (!q.is_null(10)) d.withdrawal = RecordWithdrawal{q.text(11), q.text(12), read_details(q, 16), q.int64(10)};
    return d;
  }

  std::string select_policy() const {
    return "SELECT p.id, p.kind, p.platform_id, p.date, p.end_date, p.lifts_action_id, p.account_count,"
           " p.description, p.source, p.note, w.reason, w.source" +
           details_columns("p") + details_columns("w") +
           " FROM policy_action p LEFT JOIN policy_withdrawal w ON w.action_id = p.id";
  }
  // Before version 7 pledges carried no accounts; from version 12 a pledge
  // may be withdrawn (w).
  std::string select_pledge() const {
    if (schema_version_ >= 12)
      return "SELECT pledge.id, platform_id, amount_minor, currency, date, beneficiary, basis_advertiser_id,"
             " basis_first, basis_last, pledge.source, note, pledge.txn_id,"
             " (SELECT name FROM account WHERE account.id = pledge.debit),"
             " (SELECT name FROM account WHERE account.id = pledge.credit), w.txn_id, w.reason, w.source" +
             details_columns("pledge") + details_columns("w") +
             " FROM pledge LEFT JOIN pledge_withdrawal w ON w.pledge_id = pledge.id";
    return schema_version_ >= 7
               ? "SELECT id, platform_id, amount_minor, currency, date, beneficiary, basis_advertiser_id, basis_first,"
                 " basis_last, source, note, txn_id, (SELECT name FROM account WHERE account.id = pledge.debit),"
                 " (SELECT name FROM account WHERE account.id = pledge.credit), NULL, NULL, NULL,"
                 " NULL, NULL, NULL, NULL, NULL, NULL FROM pledge"
               : "SELECT id, platform_id, amount_minor, currency, date, beneficiary, basis_advertiser_id, basis_first,"
                 " basis_last, source, note, txn_id, NULL, NULL, NULL, NULL, NULL,"
                 " NULL, NULL, NULL, NULL, NULL, NULL FROM pledge";
  }

  // From version 12 a disclosed total may be withdrawn (w).
  std::string select_disclosed() const {
    if (schema_version_ >= 12)
      return "SELECT disclosed_total.id, platform_id, advertiser_id, amount_minor, currency, period_first,"
             " period_last, date, precision, disclosed_total.source, note, w.reason, w.source" +
             details_columns("disclosed_total") + details_columns("w") +
             " FROM disclosed_total LEFT JOIN disclosed_total_withdrawal w"
             " ON w.disclosed_total_id = disclosed_total.id";
    return "SELECT id, platform_id, advertiser_id, amount_minor, currency, period_first, period_last, date, precision,"
           " source, note, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM disclosed_total";
  }

  static DisclosedTotal read_disclosed(const Query& q) {
    DisclosedTotal d;
    d.id = q.text(0);
    d.platform_id = q.text(1);
    d.advertiser_id = q.text(2);
    d.amount = Money(q.int64(3), Currency::from_code(q.text(4)));
    d.period = Period(q.date(5), q.date(6));
    d.date = q.date(7);
    d.precision = parse_precision(q.text(8));
    d.source = q.text(9);
    d.note = q.opt_text(10);
    d.source_details = read_details(q, 13);
    if (!q.is_null(11)) d.withdrawal = RecordWithdrawal{q.text(11), q.text(12), read_details(q, 16), 0};
    return d;
  }

  static Advertiser read_advertiser(const Query& q) {
    return Advertiser{q.text(0), q.text(1), q.opt_text(2), q.int64(3) != 0};
  }

  static SpendEntry read_spend(const Query& q) {
    SpendEntry e;
    e.entry_id = q.int64(0);
    e.advertiser_id = q.text(1);
    e.platform_id = q.text(2);
    e.handle = q.opt_text(3);
    e.amount = Money(q.int64(4), currency_of_number(q.int64(5)));
    e.period = Period(date_of_day(q.int64(6)), date_of_day(q.int64(7)));
    e.items = q.opt_int64(8);
    e.market = q.text(9);
    std::int64_t precision = q.int64(10);
    if (precision < 0 || precision > static_cast<std::int64_t>(Precision::Range))
      throw_storage("spend entry #" + std::to_string(e.entry_id) + ": precision " + std::to_string(precision) +
                    " is not one adledger writes");
    e.precision = static_cast<Precision>(precision);
    std::int64_t items_precision = q.int64(22);
    if (items_precision < 0 || items_precision >= static_cast<std::int64_t>(Precision::Range))
      throw_storage("spend entry #" + std::to_string(e.entry_id) + ": items precision " +
                    std::to_string(items_precision) + " is not one adledger writes");
    e.items_precision = static_cast<Precision>(items_precision);
    e.source = q.text(11);
    e.external_id = q.opt_text(12);
    e.note = q.opt_text(13);
    e.txn_id = q.int64(14);
    e.source_details = read_details(q, 23);
    if (!q.is_null(15))
      e.reversal = SpendReversal{e.entry_id, q.text(16), q.text(17), read_details(q, 26), q.int64(15)};
    if (!q.is_null(18)) e.upper = Money(q.int64(18), e.amount.currency());
    // The accounts the row carries are the ones its advertiser and platform
    // post to: the journal is rebuilt from them.
    if (q.text(20) != spend_expense_account(e.advertiser_id, e.platform_id) ||
        q.text(21) != spend_income_account(e.platform_id, e.advertiser_id))
      throw_storage("spend entry #" + std::to_string(e.entry_id) + ": it debits " + q.text(20) + " and credits " +
                    q.text(21) + ", not the accounts of advertiser " + e.advertiser_id + " on " + e.platform_id);
    if (!q.is_null(19)) {
      nlohmann::json tags = nlohmann::json::parse(q.text(19), nullptr, /*allow_exceptions=*/false);
      if (!tags.is_array()) throw_storage("spend entry #" + std::to_string(e.entry_id) + ": its tag set is not a list");
      for (const auto& tag : tags) {
        if (!tag.is_string()) throw_storage("spend entry #" + std::to_string(e.entry_id) + ": a tag is not text");
        e.tags.push_back(tag.get<std::string>());
      }
    }
    return e;
  }

  static PolicyAction read_policy(const Query& q) {
    PolicyAction a;
    a.id = q.text(0);
    a.kind = parse_policy_kind(q.text(1));
    a.platform_id = q.text(2);
    a.date = q.date(3);
    if (!q.is_null(4)) a.end_date = q.date(4);
    a.lifts_action_id = q.opt_text(5);
    a.account_count = q.opt_int64(6);
    a.description = q.text(7);
    a.source = q.text(8);
    a.note = q.opt_text(9);
    a.source_details = read_details(q, 12);
    if (!q.is_null(10)) a.withdrawal = PolicyWithdrawal{a.id, q.text(10), q.text(11), read_details(q, 15)};
    return a;
  }

  static Pledge read_pledge(const Query& q) {
    Pledge p;
    p.id = q.text(0);
    p.platform_id = q.text(1);
    p.amount = Money(q.int64(2), Currency::from_code(q.text(3)));
    p.date = q.date(4);
    p.beneficiary = q.text(5);
    p.basis_advertiser_id = q.opt_text(6);
    if (!q.is_null(7)) p.basis_period = Period(q.date(7), q.date(8));
    p.source = q.text(9);
    p.note = q.opt_text(10);
    p.txn_id = q.int64(11);
    if (!q.is_null(12) && (q.text(12) != pledge_expense_account(p.platform_id) ||
                           q.text(13) != pledge_liability_account(p.platform_id, p.id)))
      throw_storage("pledge " + quote(p.id) + ": it debits " + q.text(12) + " and credits " + q.text(13) +
                    ", not the accounts of a pledge by " + p.platform_id);
    p.source_details = read_details(q, 17);
    if (!q.is_null(14)) p.withdrawal = RecordWithdrawal{q.text(15), q.text(16), read_details(q, 20), q.int64(14)};
    return p;
  }

  std::vector<std::string> advertisers_named_by(const std::string& action_id) {
    std::vector<std::string> ids;
    Query q = query("SELECT advertiser_id FROM policy_action_advertiser WHERE action_id = ? ORDER BY advertiser_id");
    q.bind(action_id);
    while (q.step()) ids.push_back(q.text(0));
    return ids;
  }

  // Before version 7, while a migration logs what was recorded before the
  // log (version 3): the entries and transactions of those versions.
  std::vector<SpendEntry> legacy_spend() {
    std::vector<SpendEntry> out;
    {
      Query q = query(std::string("SELECT s.id, s.advertiser_id, s.platform_id, s.handle, s.amount_minor, s.currency,"
                                  " s.period_first, s.period_last, s.items, s.market, s.precision, s.source,"
                                  " s.external_id, s.note, s.txn_id, ") +
                      (schema_version_ >= 4 ? "s.upper_minor" : "NULL") + " FROM spend s ORDER BY s.id");
      while (q.step()) {
        SpendEntry e;
        e.entry_id = q.int64(0);
        e.advertiser_id = q.text(1);
        e.platform_id = q.text(2);
        e.handle = q.opt_text(3);
        e.amount = Money(q.int64(4), Currency::from_code(q.text(5)));
        e.period = Period(q.date(6), q.date(7));
        e.items = q.opt_int64(8);
        e.market = q.text(9);
        e.precision = parse_precision(q.text(10));
        e.source = q.text(11);
        e.external_id = q.opt_text(12);
        e.note = q.opt_text(13);
        e.txn_id = q.int64(14);
        if (!q.is_null(15)) e.upper = Money(q.int64(15), e.amount.currency());
        out.push_back(std::move(e));
      }
    }
    for (SpendEntry& e : out) {
      Query q = query("SELECT tag FROM spend_tag WHERE spend_id = ? ORDER BY tag");
      q.bind(e.entry_id);
      while (q.step()) e.tags.push_back(q.text(0));
    }
    return out;
  }

  std::optional<JournalTxn> legacy_find_txn(std::int64_t id) {
    JournalTxn t;
    {
      Query q = query("SELECT id, date, kind, description FROM journal_txn WHERE id = ?");
      q.bind(id);
      if (!q.step()) return std::nullopt;
      t.id = q.int64(0);
      t.date = q.date(1);
      std::string kind = q.text(2);
      t.kind = kind == "spend" ? TxnKind::Spend : kind == "pledge" ? TxnKind::Pledge : TxnKind::Disbursement;
      t.description = q.text(3);
    }
    Query q = query("SELECT account, currency, amount_minor FROM posting WHERE txn_id = ? ORDER BY id");
    q.bind(id);
    while (q.step()) t.postings.push_back(Posting{q.text(0), Money(q.int64(2), Currency::from_code(q.text(1)))});
    return t;
  }

  // The highest transaction number in use. Spend entries take increasing
  // numbers as they are recorded, so the last entry holds the highest of
  // theirs; the other records are few.
  std::int64_t last_txn_id() {
    Query q = query(
        "SELECT max(coalesce((SELECT txn_id FROM spend_entry ORDER BY id DESC LIMIT 1), 0),"
        " coalesce((SELECT max(txn_id) FROM spend_reversal), 0), coalesce((SELECT max(txn_id) FROM pledge), 0),"
        " coalesce((SELECT max(txn_id) FROM disbursement), 0))");
    std::int64_t last = q.step() ? q.int64(0) : 0;
    if (schema_version_ >= 12) {
      Query w = query("SELECT max(coalesce((SELECT max(txn_id) FROM pledge_withdrawal), 0),"
                      " coalesce((SELECT max(txn_id) FROM disbursement_withdrawal), 0))");
      if (w.step()) last = std::max(last, w.int64(0));
    }
    return last;
  }

  // Interned values: an account name, a source text, a tag set. The ids
  // are cached for the life of the store, and forgotten on a rollback,
  // which takes back the rows that gave them. The cache is bounded: an
  // import of a million distinct sources does not keep them all.
  enum class Interned { Account, Source, Tags };
  static constexpr std::size_t kInternCacheMax = 16384;
  std::int64_t intern(Interned what, const std::string& value, const SpendEntry* spend_of = nullptr) {
    // Most files give one source to many entries in a row: the last value
    // is compared before the cache is hashed.
    auto& last = last_interned_[static_cast<int>(what)];
    if (last && last->first == value) return last->second;
    std::int64_t id = intern_uncached(what, value, spend_of);
    last.emplace(value, id);
    return id;
  }
  std::int64_t intern_uncached(Interned what, const std::string& value, const SpendEntry* spend_of) {
    auto& cache = interned_[static_cast<int>(what)];
    if (auto it = cache.find(value); it != cache.end()) return it->second;
    if (cache.size() >= kInternCacheMax) cache.clear();
    static constexpr const char* kFind[] = {"SELECT id FROM account WHERE name = ?",
                                            "SELECT id FROM source_text WHERE text = ?",
                                            "SELECT id FROM tag_set WHERE tags = ?"};
    std::optional<std::int64_t> id;
    {
      Query q = query(kFind[static_cast<int>(what)]);
      q.bind(value);
      if (q.step()) id = q.int64(0);
    }
    if (!id) {
      if (what == Interned::Account)
        query("INSERT INTO account (name, advertiser_id, platform_id) VALUES (?, ?, ?)")
            .bind(value).bind(spend_of ? std::optional<std::string>(spend_of->advertiser_id) : std::nullopt)
            .bind(spend_of ? std::optional<std::string>(spend_of->platform_id) : std::nullopt).run();
      else if (what == Interned::Source)
        query("INSERT INTO source_text (text) VALUES (?)").bind(value).run();
      else
        query("INSERT INTO tag_set (tags) VALUES (?)").bind(value).run();
      id = sqlite3_last_insert_rowid(db_.get());
    }
    cache.emplace(value, *id);
    return *id;
  }
  std::int64_t intern_account(const std::string& name, const SpendEntry* spend_of) {
    return intern(Interned::Account, name, spend_of);
  }

  // The Merkle tree's edge: as last stored, then as this write grows it.
  CompactRange stored_tree() {
    Query q = query("SELECT size, frontier FROM log_tree ORDER BY size DESC LIMIT 1");
    if (!q.step()) return CompactRange{};
    return CompactRange::parse(q.int64(0), q.blob(1));
  }
  CompactRange& current_tree() {
    if (!tree_) tree_ = stored_tree();
    return *tree_;
  }
  void insert_tree_node(const TreeNode& node) {
    query("INSERT INTO log_tree_node (level, idx, hash) VALUES (?, ?, ?)")
        .bind(std::int64_t{node.level}).bind(node.index).bind_blob(node.hash).run();
  }
  static constexpr const char* kSelectToken =
      "SELECT t.name, t.role, t.token_sha256, t.created_at, r.revoked_at FROM api_token t"
      " LEFT JOIN api_token_revocation r ON r.name = t.name";
  ApiToken read_token(Query& q) {
    ApiToken t;
    t.name = q.text(0);
    t.role = q.text(1);
    t.token_sha256 = hash_column(q, 2, "api_token");
    t.created_at = q.text(3);
    if (!q.is_null(4)) t.revoked_at = q.text(4);
    return t;
  }
  Hash hash_column(Query& q, int column, const char* table) {
    std::string bytes = q.blob(column);
    if (bytes.size() != 32)
      throw_storage(std::string("a hash in ") + table + " has " + std::to_string(bytes.size()) +
                    " bytes, not 32 (run adledger verify)");
    Hash h{};
    std::memcpy(h.data(), bytes.data(), h.size());
    return h;
  }
  void flush_tree() {
    if (!tree_ || !tree_dirty_) return;
    query("INSERT INTO log_tree (size, frontier) VALUES (?, ?)").bind(tree_->size()).bind_blob(tree_->serialize()).run();
    tree_dirty_ = false;
  }

  // Prepares each distinct SQL text once and reuses it. A text with static
  // storage (a literal, or a function's static string) is found by its
  // address, without hashing or comparing it: the import's hot path asks
  // for a statement several times an entry.
  Query query(const char* static_sql) {
    auto it = static_statements_.find(static_sql);
    if (it == static_statements_.end()) {
      sqlite3_stmt* stmt = query(std::string(static_sql)).statement();
      it = static_statements_.emplace(static_sql, stmt).first;
    }
    return Query(db_.get(), it->second);
  }
  Query query(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                             &raw, nullptr) != SQLITE_OK) {
        std::string message = sqlite3_errmsg(db_.get());
        int rc = sqlite3_extended_errcode(db_.get());
        sqlite3_finalize(raw);
        if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) throw_busy(busy_message(db_.get()));
        if ((rc & 0xff) == SQLITE_NOTADB) throw_storage("not an adledger ledger: " + message);
        throw_storage("sqlite: " + message);
      }
      it = statements_.emplace(sql, StmtHandle(raw)).first;
    }
    return Query(db_.get(), it->second.get());
  }

  // Version 6 keeps each account's total (schemas/migrations/6.sql). The
  // postings of a write transaction add to these, in memory, and commit()
  // writes them in one statement per account touched rather than one per
  // posting: a million-entry import touches ten thousand accounts.
  struct PendingTotal {
    std::int64_t balance_minor = 0;
    std::int64_t postings = 0;
  };
  StringPairMap<PendingTotal> pending_totals_;
  // The same for the sums kept per currency (schemas/migrations/10.sql).
  PendingCurrencySums pending_sums_;
  void flush_totals() {
    // In account order: the same file whatever order the postings came in.
    std::vector<std::pair<const std::pair<std::string, std::string>*, const PendingTotal*>> sorted;
    sorted.reserve(pending_totals_.size());
    for (const auto& [key, pending] : pending_totals_) sorted.emplace_back(&key, &pending);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
    for (const auto& [key_of, pending_of] : sorted) {
      const auto& key = *key_of;
      const PendingTotal& pending = *pending_of;
      // A sum beyond int64 becomes a REAL, which the STRICT column refuses:
      // the commit fails rather than wrap (Ledger::post refuses it first).
      query("INSERT INTO account_total (account, currency, balance_minor, postings) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account, currency) DO UPDATE"
            " SET balance_minor = balance_minor + excluded.balance_minor, postings = postings + excluded.postings")
          .bind(key.first).bind(key.second).bind(pending.balance_minor).bind(pending.postings).run();
    }
    pending_totals_.clear();
    for (const auto& [currency, pending] : pending_sums_.by_currency()) {
      // As for account_total: a sum beyond int64 becomes a REAL, which the
      // STRICT column refuses (the Ledger refuses it first).
      query("INSERT INTO currency_total (currency, debits_minor, upper_minor) VALUES (?, ?, ?)"
            " ON CONFLICT (currency) DO UPDATE"
            " SET debits_minor = debits_minor + excluded.debits_minor,"
            " upper_minor = upper_minor + excluded.upper_minor")
          .bind(currency).bind(pending.debits_minor).bind(pending.upper_minor).run();
    }
    pending_sums_.clear();
  }

  DbHandle db_;
  std::string path_;
  // Keyed by the SQL text, hashed: a million-entry import asks for a
  // statement several times an entry, and comparing long SQL texts in an
  // ordered map showed up in its profile.
  std::unordered_map<std::string, StmtHandle> statements_;
  std::unordered_map<const char*, sqlite3_stmt*> static_statements_;  // into statements_
  std::unordered_map<std::string, std::int64_t> interned_[3];  // by Interned
  std::optional<std::pair<std::string, std::int64_t>> last_interned_[3];  // by Interned
  // A spend entry's two accounts, by its advertiser and platform: interned
  // once a pair, not by their names once an entry.
  StringPairMap<std::pair<std::int64_t, std::int64_t>> spend_accounts_;
  // The statement that made spend_by_account, while a bulk load into a
  // ledger without spend entries holds it back (defer_spend_index).
  std::optional<std::string> deferred_index_;
  bool bulk_cache_ = false;  // the page cache is kBulkCacheKib for this write
  std::int64_t schema_version_ = kSchemaVersion;  // as the migration ladder goes
  bool in_write_ = false;
  std::uint64_t write_generation_ = 0;
  // cache_generation(); PRAGMA data_version as this write began, and as
  // the store's last commit left it (none after a rollback, or once
  // another write began).
  std::uint64_t cache_generation_ = 0;
  std::int64_t version_at_begin_ = 0;
  std::optional<std::int64_t> committed_version_;
  std::int64_t next_txn_id_ = 0;  // 0: not yet read in this write
  std::optional<LogRecord> head_;     // the log's last record, within a write
  std::optional<CompactRange> tree_;  // the tree's edge, within a write
  bool tree_dirty_ = false;
  std::vector<TreeNode> completed_;  // the subtrees a logged record completed
  BusyWait busy_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, OpenMode mode, const StoreOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path file(path);
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  if (!fs::is_directory(dir, ec)) throw_storage("database " + quote(path) + ": directory " + quote(dir.string()) + " does not exist");
  bool exists = fs::exists(file, ec);
  if (mode == OpenMode::CreateNew && exists)
    throw_storage("database " + quote(path) + ": already exists; adledger init creates a new ledger only");
  if (mode != OpenMode::CreateNew && !exists)
    throw_storage("database " + quote(path) + ": no ledger there; create one with adledger init");
  if (exists && fs::is_directory(file, ec)) throw_storage("database " + quote(path) + ": is a directory");

  // SQLite counts every allocation under a global mutex unless told not
  // to, before its first use; adledger reads no memory statistics.
  static const bool configured = [] { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK; }();
  (void)configured;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (mode == OpenMode::CreateNew ? SQLITE_OPEN_CREATE : 0);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK)
    throw_storage("database " + quote(path) + ": cannot open: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_extended_result_codes(raw, 1);

  auto store = std::make_unique<SqliteStore>(std::move(db), path);
  store->set_wait(options.wait_ms);
  auto refuse = [&](const std::string& why) { throw_storage("database " + quote(path) + ": " + why); };
  std::int64_t app_id = 0;
  try {
    store->exec("PRAGMA foreign_keys = ON");
    app_id = store->pragma_int("PRAGMA application_id");
  } catch (const Error& e) {
    // A ledger another process holds is busy, not foreign.
    if (e.reason() == Reason::Busy) throw;
    refuse("not an adledger ledger (not an SQLite database)");
  }

  if (mode == OpenMode::CreateNew) {
    // Write-ahead logging: readers are never blocked by a writer, and a
    // writer by readers. FULL synchronisation keeps a committed write on
    // disk through a power cut, as the rollback journal did. The schema
    // and the marks that make the file a ledger are written in one
    // transaction: a failure leaves an empty file, never half a schema.
    try {
      store->exec("PRAGMA journal_mode = WAL");
      store->exec("PRAGMA synchronous = FULL");
      store->begin_write();
      store->create_schema();
      store->exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
      store->exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
      store->commit();
    } catch (...) {
      store->rollback();
      throw;
    }
    return store;
  }

  if (app_id != kApplicationId) refuse("not an adledger ledger (its application_id is not adledger's)");
  std::int64_t version = store->pragma_int("PRAGMA user_version");
  // A version a little above ours is a newer adledger's; anything else is
  // not a number adledger ever wrote: the header was damaged.
  constexpr std::int64_t kVersionPlausible = 999;
  if (version > kSchemaVersion && version <= kVersionPlausible)
    refuse("written by a newer adledger (schema version " + std::to_string(version) + ", this binary knows up to " +
           std::to_string(kSchemaVersion) + "); upgrade adledger");
  if (version > kVersionPlausible || version < 0)
    refuse("its schema version " + std::to_string(version) +
           " is not one any adledger wrote: the file's header is damaged; restore it from a copy");
  if (version < 1) refuse("not an adledger ledger (schema version " + std::to_string(version) + ")");
  store->exec("PRAGMA synchronous = FULL");
  // The migration ladder: each step in one transaction with the version it
  // reaches, so that a failure leaves the ledger at the version before. A
  // command that only reads migrates in one transaction that it never
  // commits: it reads the current schema, and the file stays as it was.
  static_assert(std::size(generated::kMigrations) == kSchemaVersion - 1, "one migration per version after 1");
  const bool keep_file = mode == OpenMode::ReadExisting;
  // Migrations run with foreign keys off, as SQLite's procedure for
  // rebuilding a table asks (version 4 rebuilds spend), and check every
  // foreign key before they commit. The pragma only takes effect outside a
  // transaction: it is set before the first step begins.
  const bool migrating = version < kSchemaVersion;
  if (migrating) store->exec("PRAGMA foreign_keys = OFF");
  if (keep_file && migrating) store->begin_write();
  store->set_schema_version(version);
  for (; version < kSchemaVersion; ++version) {
    try {
      if (!keep_file) store->begin_write();
      // Another process may have migrated it while we waited for the lock.
      std::int64_t now = store->pragma_int("PRAGMA user_version");
      if (now > kSchemaVersion)
        refuse("written by a newer adledger (schema version " + std::to_string(now) + ", this binary knows up to " +
               std::to_string(kSchemaVersion) + "); upgrade adledger");
      if (now == version) {
        if (version + 1 == 7) {
          store->migrate_to_7();
        } else if (version + 1 == 8) {
          store->migrate_to_8(/*checked=*/!keep_file);
        } else {
          store->exec(generated::kMigrations[version - 1]);
          store->set_schema_version(version + 1);
        }
        // Version 3 starts the record log: what is already recorded goes
        // into it first, stamped with the time of the migration.
        if (version + 1 == 3) backfill_log(*store, utc_now());
        if (store->pragma_int("SELECT count(*) FROM pragma_foreign_key_check") != 0)
          refuse("cannot bring it from schema version " + std::to_string(version) + " to " +
                 std::to_string(version + 1) + ": a reference does not resolve (PRAGMA foreign_key_check)");
        store->exec(("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
      } else {
        store->set_schema_version(now);
      }
      if (!keep_file) store->commit();
    } catch (const Error& e) {
      store->rollback();
      if (e.kind() == ErrorKind::Storage && std::string(e.what()).starts_with("database "))
        throw;
      refuse("cannot bring it from schema version " + std::to_string(version) + " to " +
             std::to_string(version + 1) + ": " + e.what());
    } catch (...) {
      store->rollback();
      throw;
    }
  }
  store->set_schema_version(kSchemaVersion);
  // Back on for writes; a command that only reads is still inside its
  // uncommitted migration, where the pragma waits, and writes nothing.
  if (migrating) store->exec("PRAGMA foreign_keys = ON");
  // A ledger from before version 7 kept a rollback journal: a command
  // that writes moves it to write-ahead logging (see CreateNew above).
  // The switch needs the file to itself for a moment: with another adledger
  // reading it, the command goes on in the old mode and a later one
  // switches.
  if (!keep_file && store->journal_mode() != "wal") {
    try {
      store->exec("PRAGMA journal_mode = WAL");
    } catch (const Error&) {
    }
  }
  // A command that reads does all its reading in one read transaction, so
  // it sees one state of the ledger even while another process writes:
  // verify must not take a half-written record for tampering.
  if (keep_file && !store->in_write()) store->begin_read();
  return store;
}

}  // namespace ledger
