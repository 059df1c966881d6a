#include "ledger/storage/sqlite_store.hpp"

#include <sqlite3.h>

#include <cassert>
#include <filesystem>
#include <iterator>
#include <map>
#include <unordered_map>

#include "ledger/error.hpp"
#include "schema_sql.hpp"

namespace ledger {
namespace {

[[noreturn]] void throw_storage(const std::string& message) { throw Error(ErrorKind::Storage, message); }

struct DbCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

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
    throw_storage("sqlite: " + message);
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int index_ = 0;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(DbHandle db) : db_(std::move(db)) {}
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
      throw_storage("sqlite: " + message);
    }
  }

  std::int64_t pragma_int(const char* pragma) {
    Query q = query(pragma);
    return q.step() ? q.int64(0) : 0;
  }

  void begin_write() override {
    assert(!in_write_ && "write transactions do not nest");
    exec("BEGIN IMMEDIATE");
    in_write_ = true;
    ++write_generation_;
    pending_totals_.clear();
  }
  // A read transaction for the life of the store (it ends when the store
  // closes): taking the shared lock now fixes the state the reads see.
  void begin_read() {
    exec("BEGIN DEFERRED");
    exec("SELECT count(*) FROM sqlite_master");
  }
  std::uint64_t write_generation() const noexcept override { return write_generation_; }
  void commit() override {
    assert(in_write_ && "commit without begin_write");
    flush_totals();
    exec("COMMIT");
    in_write_ = false;
  }
  void rollback() noexcept override {
    if (!in_write_) return;
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    in_write_ = false;
    pending_totals_.clear();
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

  std::int64_t add_journal_txn(const JournalTxn& txn) override {
    assert(in_write_);
    query("INSERT INTO journal_txn (date, kind, description) VALUES (?, ?, ?)")
        .bind(txn.date).bind(std::string(to_string(txn.kind))).bind(txn.description).run();
    std::int64_t id = sqlite3_last_insert_rowid(db_.get());
    for (const Posting& p : txn.postings) {
      query("INSERT INTO posting (txn_id, account, currency, amount_minor) VALUES (?, ?, ?, ?)")
          .bind(id).bind(p.account).bind(p.amount.currency().code()).bind(p.amount.minor()).run();
      PendingTotal& pending = pending_totals_[{p.account, p.amount.currency().code()}];
      std::int64_t sum = 0;
      if (__builtin_add_overflow(pending.balance_minor, p.amount.minor(), &sum))
        checked_add(pending.balance_minor, p.amount.minor(), "the balance of " + p.account);  // throws
      pending.balance_minor = sum;
      ++pending.postings;
    }
    return id;
  }

  std::int64_t add_spend(const SpendEntry& e) override {
    assert(in_write_);
    query("INSERT INTO spend (txn_id, advertiser_id, platform_id, handle, amount_minor, currency, period_first,"
          " period_last, items, market, precision, source, external_id, note, upper_minor)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(e.txn_id).bind(e.advertiser_id).bind(e.platform_id).bind(e.handle).bind(e.amount.minor())
        .bind(e.amount.currency().code()).bind(e.period.first()).bind(e.period.last()).bind(e.items)
        .bind(e.market).bind(std::string(to_string(e.precision))).bind(e.source).bind(e.external_id)
        .bind(e.note).bind(e.upper ? std::optional<std::int64_t>(e.upper->minor()) : std::nullopt).run();
    std::int64_t id = sqlite3_last_insert_rowid(db_.get());
    for (const std::string& tag : e.tags)
      query("INSERT INTO spend_tag (spend_id, tag) VALUES (?, ?)").bind(id).bind(tag).run();
    return id;
  }

  void add_policy_action(const PolicyAction& a) override {
    assert(in_write_);
    query("INSERT INTO policy_action (id, kind, platform_id, date, end_date, lifts_action_id, account_count,"
          " description, source, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(a.id).bind(std::string(to_string(a.kind))).bind(a.platform_id).bind(a.date).bind(a.end_date)
        .bind(a.lifts_action_id).bind(a.account_count).bind(a.description).bind(a.source).bind(a.note).run();
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
    query("INSERT INTO pledge (id, txn_id, platform_id, amount_minor, currency, date, beneficiary,"
          " basis_advertiser_id, basis_first, basis_last, source, note)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(p.id).bind(p.txn_id).bind(p.platform_id).bind(p.amount.minor()).bind(p.amount.currency().code())
        .bind(p.date).bind(p.beneficiary).bind(p.basis_advertiser_id).bind(first).bind(last).bind(p.source)
        .bind(p.note).run();
  }

  void add_disbursement(const Disbursement& d) override {
    assert(in_write_);
    query("INSERT INTO disbursement (id, txn_id, pledge_id, amount_minor, date, source)"
          " VALUES (?, ?, ?, ?, ?, ?)")
        .bind(d.id).bind(d.txn_id).bind(d.pledge_id).bind(d.amount.minor()).bind(d.date).bind(d.source).run();
  }

  void add_disclosed_total(const DisclosedTotal& d) override {
    assert(in_write_);
    query("INSERT INTO disclosed_total (id, platform_id, advertiser_id, amount_minor, currency, period_first,"
          " period_last, date, precision, source, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(d.id).bind(d.platform_id).bind(d.advertiser_id).bind(d.amount.minor()).bind(d.amount.currency().code())
        .bind(d.period.first()).bind(d.period.last()).bind(d.date).bind(std::string(to_string(d.precision)))
        .bind(d.source).bind(d.note).run();
  }

  void add_rate(const ExchangeRate& r) override {
    assert(in_write_);
    query("INSERT INTO exchange_rate (from_currency, to_currency, date, rate, source) VALUES (?, ?, ?, ?, ?)")
        .bind(r.from.code()).bind(r.to.code()).bind(r.date).bind(r.rate.to_string()).bind(r.source).run();
  }

  std::optional<ExchangeRate> find_rate(const Currency& from, const Currency& to, const Date& date) override {
    Query q = query(std::string(kSelectRate) + " WHERE from_currency = ? AND to_currency = ? AND date = ?");
    q.bind(from.code()).bind(to.code()).bind(date);
    if (!q.step()) return std::nullopt;
    return read_rate(q);
  }

  std::optional<ExchangeRate> rate_on(const Currency& from, const Currency& to, const Date& date) override {
    Query q = query(std::string(kSelectRate) +
                    " WHERE from_currency = ? AND to_currency = ? AND date <= ? ORDER BY date DESC LIMIT 1");
    q.bind(from.code()).bind(to.code()).bind(date);
    if (!q.step()) return std::nullopt;
    return read_rate(q);
  }

  std::vector<ExchangeRate> rates() override {
    std::vector<ExchangeRate> out;
    if (schema_version_ < 5) return out;
    Query q = query(std::string(kSelectRate) + " ORDER BY from_currency, to_currency, date");
    while (q.step()) out.push_back(read_rate(q));
    return out;
  }

  void add_policy_withdrawal(const PolicyWithdrawal& w) override {
    assert(in_write_);
    query("INSERT INTO policy_withdrawal (action_id, reason, source) VALUES (?, ?, ?)")
        .bind(w.action_id).bind(w.reason).bind(w.source).run();
  }

  void add_spend_reversal(const SpendReversal& r) override {
    assert(in_write_);
    query("INSERT INTO spend_reversal (entry_id, txn_id, reason, source) VALUES (?, ?, ?, ?)")
        .bind(r.entry_id).bind(r.txn_id).bind(r.reason).bind(r.source).run();
  }

  void append_log(const LogRecord& r) override {
    assert(in_write_);
    query("INSERT INTO record_log (seq, kind, ref, recorded_at, content, hash) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(r.seq).bind(r.kind).bind(r.ref).bind(r.recorded_at).bind(r.content).bind_blob(r.hash).run();
  }

  std::optional<LogRecord> log_head() override {
    Query q = query(std::string(kSelectLog) + " ORDER BY seq DESC LIMIT 1");
    if (!q.step()) return std::nullopt;
    return read_log(q);
  }

  std::optional<LogRecord> log_record(std::int64_t seq) override {
    Query q = query(std::string(kSelectLog) + " WHERE seq = ?");
    q.bind(seq);
    if (!q.step()) return std::nullopt;
    return read_log(q);
  }

  std::optional<LogRecord> find_log(const std::string& kind, const std::string& ref) override {
    Query q = query(std::string(kSelectLog) + " WHERE kind = ? AND ref = ?");
    q.bind(kind).bind(ref);
    if (!q.step()) return std::nullopt;
    return read_log(q);
  }

  void each_log(const std::function<void(const LogRecord&)>& visit) override {
    Query q = query(std::string(kSelectLog) + " ORDER BY seq");
    while (q.step()) visit(read_log(q));
  }

  std::vector<std::string> integrity_problems() override {
    std::vector<std::string> out;
    {
      Query q = query("PRAGMA foreign_key_check");
      while (q.step())
        out.push_back("table " + q.text(0) + " row " + q.text(1) + ": refers to a missing row of " + q.text(2));
    }
    {
      Query q = query("PRAGMA quick_check");
      while (q.step())
        if (q.text(0) != "ok") out.push_back("SQLite quick_check: " + q.text(0));
    }
    // The append-only triggers: dropping one is the first step of editing
    // the ledger behind adledger's back.
    // Version 6's account totals are never deleted.
    if (schema_version_ >= 6) {
      Query q = query("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'account_total_no_delete'");
      if (!q.step()) out.push_back("trigger account_total_no_delete is gone: account totals can be deleted");
    }
    for (const char* table : {"platform", "advertiser", "handle", "journal_txn", "posting", "spend", "spend_tag",
                              "spend_reversal", "policy_action", "policy_action_advertiser", "policy_withdrawal",
                              "pledge",
                              "disbursement", "disclosed_total", "exchange_rate", "record_log"}) {
      for (const char* op : {"update", "delete"}) {
        std::string name = std::string(table) + "_append_only_" + op;
        Query q = query("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?");
        q.bind(name);
        if (!q.step()) out.push_back("trigger " + name + " is gone: table " + table + " is no longer append-only");
      }
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
    std::optional<SpendEntry> e;
    {
      Query q = query(select_spend() + std::string(" WHERE s.id = ?"));
      q.bind(entry_id);
      if (q.step()) e = read_spend(q);
    }
    if (e) e->tags = tags_of(e->entry_id);
    return e;
  }

  std::optional<SpendEntry> find_spend_by_external_id(const std::string& external_id) override {
    std::optional<std::int64_t> id;
    {
      Query q = query("SELECT id FROM spend WHERE external_id = ?");
      q.bind(external_id);
      if (q.step()) id = q.int64(0);
    }
    if (!id) return std::nullopt;
    Query q = query(select_spend() + std::string(" WHERE s.id = ?"));
    q.bind(*id);
    if (!q.step()) return std::nullopt;
    SpendEntry e = read_spend(q);
    e.tags = tags_of(e.entry_id);
    return e;
  }

  std::vector<SpendEntry> spend(const SpendQuery& sq) override {
    std::optional<std::string> first, last;
    if (sq.overlapping) {
      first = format_date(sq.overlapping->first());
      last = format_date(sq.overlapping->last());
    }
    std::vector<SpendEntry> out;
    {
      // NULL parameters mean "no filter", so one prepared statement serves
      // every combination, except the advertiser: "?1 IS NULL OR ..." would
      // keep SQLite from using spend_by_advertiser, and one advertiser's
      // report would read every entry of the ledger.
      const char* advertiser = sq.advertiser_id ? " WHERE s.advertiser_id = ?1" : " WHERE ?1 IS NULL";
      Query q = query(select_spend() + std::string(advertiser) +
                      " AND (?2 IS NULL OR s.platform_id = ?2)"
                      " AND (?3 IS NULL OR s.period_last >= ?3) AND (?4 IS NULL OR s.period_first <= ?4)"
                      " ORDER BY s.period_first, s.id");
      q.bind(sq.advertiser_id).bind(sq.platform_id).bind(first).bind(last);
      while (q.step()) out.push_back(read_spend(q));
    }
    for (SpendEntry& e : out) e.tags = tags_of(e.entry_id);
    return out;
  }

  std::optional<PolicyAction> find_policy_action(const std::string& id) override {
    std::optional<PolicyAction> out;
    {
      Query q = query(kSelectPolicy + std::string(" WHERE p.id = ?"));
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
          query(kSelectPolicy + std::string(" WHERE (?1 IS NULL OR p.platform_id = ?1) ORDER BY p.date, p.id"));
      q.bind(platform_id);
      while (q.step()) out.push_back(read_policy(q));
    }
    for (PolicyAction& a : out) a.advertiser_ids = advertisers_named_by(a.id);
    return out;
  }

  std::optional<Pledge> find_pledge(const std::string& id) override {
    Query q = query(kSelectPledge + std::string(" WHERE id = ?"));
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return read_pledge(q);
  }

  std::vector<Pledge> pledges() override {
    std::vector<Pledge> out;
    Query q = query(kSelectPledge + std::string(" ORDER BY date, id"));
    while (q.step()) out.push_back(read_pledge(q));
    return out;
  }

  std::vector<Disbursement> disbursements_of(const std::string& pledge_id) override {
    std::vector<Disbursement> out;
    Query q = query("SELECT d.id, d.pledge_id, d.amount_minor, p.currency, d.date, d.source, d.txn_id"
                    " FROM disbursement d JOIN pledge p ON p.id = d.pledge_id"
                    " WHERE d.pledge_id = ? ORDER BY d.date, d.id");
    q.bind(pledge_id);
    while (q.step()) {
      out.push_back(Disbursement{q.text(0), q.text(1), Money(q.int64(2), Currency::from_code(q.text(3))),
                                 q.date(4), q.text(5), q.int64(6)});
    }
    return out;
  }

  std::optional<DisclosedTotal> find_disclosed_total(const std::string& id) override {
    Query q = query(kSelectDisclosed + std::string(" WHERE id = ?"));
    q.bind(id);
    if (!q.step()) return std::nullopt;
    return read_disclosed(q);
  }

  std::vector<DisclosedTotal> disclosed_totals(const std::optional<std::string>& advertiser_id,
                                               const std::optional<std::string>& platform_id) override {
    std::vector<DisclosedTotal> out;
    Query q = query(kSelectDisclosed + std::string(" WHERE (?1 IS NULL OR advertiser_id = ?1)"
                                                   " AND (?2 IS NULL OR platform_id = ?2)"
                                                   " ORDER BY platform_id, advertiser_id, period_first, id"));
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
    std::map<std::int64_t, std::size_t> index;
    {
      Query q = query("SELECT id, date, kind, description FROM journal_txn ORDER BY date, id");
      while (q.step()) {
        JournalTxn t = read_txn_head(q);
        index[t.id] = out.size();
        out.push_back(std::move(t));
      }
    }
    Query q = query("SELECT txn_id, account, currency, amount_minor FROM posting ORDER BY txn_id, id");
    while (q.step()) {
      auto it = index.find(q.int64(0));
      // The foreign key forbids it; only a ledger edited behind adledger's
      // back (verify's business) can get here.
      if (it == index.end())
        throw_storage("posting of transaction " + std::to_string(q.int64(0)) + ", which has no journal_txn row");
      out[it->second].postings.push_back(Posting{q.text(1), Money(q.int64(3), Currency::from_code(q.text(2)))});
    }
    return out;
  }

  std::optional<JournalTxn> find_txn(std::int64_t id) override {
    JournalTxn t;
    {
      Query q = query("SELECT id, date, kind, description FROM journal_txn WHERE id = ?");
      q.bind(id);
      if (!q.step()) return std::nullopt;
      t = read_txn_head(q);
    }
    Query q = query("SELECT account, currency, amount_minor FROM posting WHERE txn_id = ? ORDER BY id");
    q.bind(id);
    while (q.step()) t.postings.push_back(Posting{q.text(0), Money(q.int64(2), Currency::from_code(q.text(1)))});
    return t;
  }

  std::int64_t upper_bound_total(const std::string& currency) override {
    Query q = query("SELECT coalesce(sum(upper_minor), 0) FROM spend WHERE currency = ? AND upper_minor IS NOT NULL");
    q.bind(currency);
    return q.step() ? q.int64(0) : 0;
  }

  std::int64_t account_balance(const std::string& account, const std::string& currency) override {
    // Version 6 keeps every account's total (schemas/migrations/6.sql);
    // before it, while a migration runs, the postings are summed.
    Query q = schema_version_ >= 6
                  ? query("SELECT balance_minor FROM account_total WHERE account = ? AND currency = ?")
                  : query("SELECT sum(amount_minor) FROM posting WHERE account = ? AND currency = ?");
    q.bind(account).bind(currency);
    std::int64_t stored = !q.step() || q.is_null(0) ? 0 : q.int64(0);
    auto pending = pending_totals_.find({account, currency});
    if (pending == pending_totals_.end()) return stored;
    if (std::int64_t sum = 0; !__builtin_add_overflow(stored, pending->second.balance_minor, &sum)) return sum;
    return checked_add(stored, pending->second.balance_minor, "the balance of " + account);  // throws
  }

  std::vector<BalanceRow> trial_balance() override {
    if (schema_version_ < 6) return posting_totals();
    flush_totals();
    std::vector<BalanceRow> out;
    Query q = query("SELECT account, currency, balance_minor FROM account_total ORDER BY account, currency");
    while (q.step()) out.push_back(BalanceRow{q.text(0), q.text(1), q.int64(2)});
    return out;
  }

  std::vector<BalanceRow> posting_totals() override {
    std::vector<BalanceRow> out;
    // SQLite's sum() raises "integer overflow" rather than wrapping, so an
    // account whose balance does not fit in int64 is an error, not a lie.
    Query q = query("SELECT account, currency, sum(amount_minor) FROM posting"
                    " GROUP BY account, currency ORDER BY account, currency");
    while (q.step()) out.push_back(BalanceRow{q.text(0), q.text(1), q.int64(2)});
    return out;
  }

  void each_txn(const std::optional<Period>& range, const std::function<void(const JournalTxn&)>& visit) override {
    // One pass in journal order, a transaction at a time: the journal is
    // never held whole. journal_txn_by_date (version 6) gives the order
    // and the range; each transaction's postings follow by posting_by_txn.
    Query q = query(
        "SELECT t.id, t.date, t.kind, t.description, p.account, p.currency, p.amount_minor"
        " FROM journal_txn t LEFT JOIN posting p ON p.txn_id = t.id"
        " WHERE (?1 IS NULL OR t.date >= ?1) AND (?2 IS NULL OR t.date <= ?2)"
        " ORDER BY t.date, t.id, p.id");
    q.bind(range ? std::optional<Date>(range->first()) : std::nullopt)
        .bind(range ? std::optional<Date>(range->last()) : std::nullopt);
    JournalTxn t;
    bool open = false;
    while (q.step()) {
      std::int64_t id = q.int64(0);
      if (!open || id != t.id) {
        if (open) visit(t);
        t = read_txn_head(q);
        open = true;
      }
      if (!q.is_null(4)) t.postings.push_back(Posting{q.text(4), Money(q.int64(6), Currency::from_code(q.text(5)))});
    }
    if (open) visit(t);
  }

 private:
  static constexpr const char* kSelectSpend =
      "SELECT s.id, s.advertiser_id, s.platform_id, s.handle, s.amount_minor, s.currency, s.period_first,"
      " s.period_last, s.items, s.market, s.precision, s.source, s.external_id, s.note, s.txn_id,"
      " r.txn_id, r.reason, r.source, s.upper_minor FROM spend s LEFT JOIN spend_reversal r ON r.entry_id = s.id";
  // Before version 4 (while a migration backfills the log) spend has no
  // upper bound column.
  static constexpr const char* kSelectSpendV3 =
      "SELECT s.id, s.advertiser_id, s.platform_id, s.handle, s.amount_minor, s.currency, s.period_first,"
      " s.period_last, s.items, s.market, s.precision, s.source, s.external_id, s.note, s.txn_id,"
      " r.txn_id, r.reason, r.source, NULL FROM spend s LEFT JOIN spend_reversal r ON r.entry_id = s.id";
  const char* select_spend() const { return schema_version_ >= 4 ? kSelectSpend : kSelectSpendV3; }
  static constexpr const char* kSelectRate = "SELECT from_currency, to_currency, date, rate, source FROM exchange_rate";
  static ExchangeRate read_rate(const Query& q) {
    return ExchangeRate{Currency::from_code(q.text(0)), Currency::from_code(q.text(1)), q.date(2),
                        Rate::parse(q.text(3)), q.text(4)};
  }
  // A transaction without its postings, from columns id, date, kind,
  // description.
  static JournalTxn read_txn_head(const Query& q) {
    JournalTxn t;
    t.id = q.int64(0);
    t.date = q.date(1);
    std::string kind = q.text(2);
    t.kind = kind == "spend" ? TxnKind::Spend : kind == "pledge" ? TxnKind::Pledge : TxnKind::Disbursement;
    t.description = q.text(3);
    return t;
  }
  static constexpr const char* kSelectLog = "SELECT seq, kind, ref, recorded_at, content, hash FROM record_log";

  static LogRecord read_log(const Query& q) {
    LogRecord r;
    r.seq = q.int64(0);
    r.kind = q.text(1);
    r.ref = q.text(2);
    r.recorded_at = q.text(3);
    r.content = q.text(4);
    std::string hash = q.blob(5);
    if (hash.size() == r.hash.size()) std::copy(hash.begin(), hash.end(), r.hash.begin());
    return r;
  }
  static constexpr const char* kSelectPolicy =
      "SELECT p.id, p.kind, p.platform_id, p.date, p.end_date, p.lifts_action_id, p.account_count, p.description,"
      " p.source, p.note, w.reason, w.source FROM policy_action p LEFT JOIN policy_withdrawal w ON w.action_id = p.id";
  static constexpr const char* kSelectPledge =
      "SELECT id, platform_id, amount_minor, currency, date, beneficiary, basis_advertiser_id, basis_first,"
      " basis_last, source, note, txn_id FROM pledge";

  static constexpr const char* kSelectDisclosed =
      "SELECT id, platform_id, advertiser_id, amount_minor, currency, period_first, period_last, date, precision,"
      " source, note FROM disclosed_total";

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
    e.amount = Money(q.int64(4), Currency::from_code(q.text(5)));
    e.period = Period(q.date(6), q.date(7));
    e.items = q.opt_int64(8);
    e.market = q.text(9);
    e.precision = parse_precision(q.text(10));
    e.source = q.text(11);
    e.external_id = q.opt_text(12);
    e.note = q.opt_text(13);
    e.txn_id = q.int64(14);
    if (!q.is_null(15)) e.reversal = SpendReversal{e.entry_id, q.text(16), q.text(17), q.int64(15)};
    if (!q.is_null(18)) e.upper = Money(q.int64(18), e.amount.currency());
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
    if (!q.is_null(10)) a.withdrawal = PolicyWithdrawal{a.id, q.text(10), q.text(11)};
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
    return p;
  }

  std::vector<std::string> tags_of(std::int64_t entry_id) {
    std::vector<std::string> tags;
    Query q = query("SELECT tag FROM spend_tag WHERE spend_id = ? ORDER BY tag");
    q.bind(entry_id);
    while (q.step()) tags.push_back(q.text(0));
    return tags;
  }

  std::vector<std::string> advertisers_named_by(const std::string& action_id) {
    std::vector<std::string> ids;
    Query q = query("SELECT advertiser_id FROM policy_action_advertiser WHERE action_id = ? ORDER BY advertiser_id");
    q.bind(action_id);
    while (q.step()) ids.push_back(q.text(0));
    return ids;
  }

  // Prepares each distinct SQL text once and reuses it.
  Query query(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                             &raw, nullptr) != SQLITE_OK) {
        std::string message = sqlite3_errmsg(db_.get());
        sqlite3_finalize(raw);
        if (message.find("not a database") != std::string::npos) throw_storage("not an adledger ledger: " + message);
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
  std::map<std::pair<std::string, std::string>, PendingTotal> pending_totals_;
  void flush_totals() {
    if (schema_version_ < 6) return;
    for (const auto& [key, pending] : pending_totals_)
      // A sum beyond int64 becomes a REAL, which the STRICT column refuses:
      // the commit fails rather than wrap (Ledger::post refuses it first).
      query("INSERT INTO account_total (account, currency, balance_minor, postings) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account, currency) DO UPDATE"
            " SET balance_minor = balance_minor + excluded.balance_minor, postings = postings + excluded.postings")
          .bind(key.first).bind(key.second).bind(pending.balance_minor).bind(pending.postings).run();
    pending_totals_.clear();
  }

  DbHandle db_;
  // Keyed by the SQL text, hashed: a million-entry import asks for a
  // statement several times an entry, and comparing long SQL texts in an
  // ordered map showed up in its profile.
  std::unordered_map<std::string, StmtHandle> statements_;
  std::int64_t schema_version_ = kSchemaVersion;  // as the migration ladder goes
  bool in_write_ = false;
  std::uint64_t write_generation_ = 0;

};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, OpenMode mode) {
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

  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (mode == OpenMode::CreateNew ? SQLITE_OPEN_CREATE : 0);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK)
    throw_storage("database " + quote(path) + ": cannot open: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 10'000);

  auto store = std::make_unique<SqliteStore>(std::move(db));
  auto refuse = [&](const std::string& why) { throw_storage("database " + quote(path) + ": " + why); };
  std::int64_t app_id = 0;
  try {
    store->exec("PRAGMA foreign_keys = ON");
    app_id = store->pragma_int("PRAGMA application_id");
  } catch (const Error&) {
    refuse("not an adledger ledger (not an SQLite database)");
  }

  if (mode == OpenMode::CreateNew) {
    // The schema and the marks that make the file a ledger are written in
    // one transaction: a failure leaves an empty file, never half a schema.
    try {
      store->begin_write();
      store->exec(generated::kSchemaSql);
      for (const char* migration : generated::kMigrations) store->exec(migration);
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
  if (version > kSchemaVersion)
    refuse("written by a newer adledger (schema version " + std::to_string(version) + ", this binary knows up to " +
           std::to_string(kSchemaVersion) + "); upgrade adledger");
  if (version < 1) refuse("not an adledger ledger (schema version " + std::to_string(version) + ")");
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
        store->exec(generated::kMigrations[version - 1]);
        store->set_schema_version(version + 1);
        // Version 3 starts the record log: what is already recorded goes
        // into it first, stamped with the time of the migration.
        if (version + 1 == 3) backfill_log(*store, utc_now());
        if (store->pragma_int("SELECT count(*) FROM pragma_foreign_key_check") != 0)
          refuse("cannot bring it from schema version " + std::to_string(version) + " to " +
                 std::to_string(version + 1) + ": a reference does not resolve (PRAGMA foreign_key_check)");
        store->exec(("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
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
  // A command that reads does all its reading in one read transaction, so
  // it sees one state of the ledger even while another process writes:
  // verify must not take a half-written record for tampering.
  if (keep_file && !store->in_write()) store->begin_read();
  return store;
}

}  // namespace ledger
