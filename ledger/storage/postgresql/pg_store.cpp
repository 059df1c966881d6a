#include "ledger/storage/postgresql/pg_store.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <climits>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "ledger/audit/merkle.hpp"
#include "ledger/error.hpp"
#include "ledger/journal/postings.hpp"
#include "ledger/storage/hash_set64.hpp"
#include "ledger/storage/postgresql/libpq.hpp"
#include "pg_schema_sql.hpp"

namespace ledger {

bool is_postgresql_url(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string display_url(std::string_view url) {
  std::string out(url);
  // postgresql://user:secret@host/db: the secret is between the first ':'
  // after the scheme and the '@' that ends the user part.
  std::size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    std::size_t start = scheme + 3;
    std::size_t end = out.find_first_of("/?", start);
    std::size_t at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= start) {
      std::size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=secret&...
  for (std::size_t at = out.find("password="); at != std::string::npos; at = out.find("password=", at + 1)) {
    if (at > 0 && out[at - 1] != '?' && out[at - 1] != '&') continue;
    std::size_t value = at + std::strlen("password=");
    std::size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

namespace {

[[noreturn]] void throw_storage(const std::string& message) { throw Error(ErrorKind::Storage, message); }
[[noreturn]] void throw_busy(const std::string& message) { throw Error(ErrorKind::Storage, message, Reason::Busy); }

// The lock a writer holds for its transaction (pg_advisory_xact_lock):
// "ADLG", the mark an SQLite ledger carries as its application_id.
constexpr std::int64_t kWriteLock = 0x41444C47;

// The first line of a libpq message, without its trailing newline.
std::string first_line(const char* message) {
  std::string s = message ? message : "";
  if (std::size_t nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

struct ResultClear {
  void operator()(PGresult* r) const noexcept { pq::PQclear(r); }
};
using ResultHandle = std::unique_ptr<PGresult, ResultClear>;
struct ConnFinish {
  void operator()(PGconn* c) const noexcept { pq::PQfinish(c); }
};
using ConnHandle = std::unique_ptr<PGconn, ConnFinish>;

// Parameters of one statement, in text form, bound by position: values
// never become part of the SQL.
class Params {
 public:
  Params& add(const std::string& text) {
    values_.emplace_back(text);
    return *this;
  }
  Params& add(const char* text) { return add(std::string(text)); }
  Params& add(std::int64_t value) { return add(std::to_string(value)); }
  Params& add(const Date& date) { return add(format_date(date)); }
  Params& add(bool value) { return add(std::string(value ? "true" : "false")); }
  // A source's details: three parameters, source_url, source_accessed and
  // source_quote, in that order.
  Params& add(const SourceDetails& details) { return add(details.url).add(details.accessed).add(details.quote); }
  Params& add_hash(const Hash& hash) { return add("\\x" + to_hex(hash)); }
  Params& add_bytes(const std::string& bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text = "\\x";
    text.reserve(2 + bytes.size() * 2);
    for (char c : bytes) {
      const auto byte = static_cast<unsigned char>(c);
      text += kHex[byte >> 4];
      text += kHex[byte & 15];
    }
    return add(text);
  }
  template <typename T>
  Params& add(const std::optional<T>& value) {
    if (value) return add(*value);
    values_.emplace_back(std::nullopt);
    return *this;
  }
  int size() const { return static_cast<int>(values_.size()); }
  std::vector<const char*> pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
    return out;
  }

 private:
  std::vector<std::optional<std::string>> values_;
};

// The rows of one statement's result, read as text.
class Rows {
 public:
  explicit Rows(ResultHandle result) : result_(std::move(result)) {}
  int size() const { return pq::PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  bool is_null(int row, int col) const { return pq::PQgetisnull(result_.get(), row, col) != 0; }
  std::string text(int row, int col) const {
    return std::string(pq::PQgetvalue(result_.get(), row, col),
                       static_cast<std::size_t>(pq::PQgetlength(result_.get(), row, col)));
  }
  std::optional<std::string> opt_text(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return text(row, col);
  }
  std::int64_t int64(int row, int col) const {
    const char* p = pq::PQgetvalue(result_.get(), row, col);
    const char* end = p + pq::PQgetlength(result_.get(), row, col);
    std::int64_t value = 0;
    auto [stop, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || stop != end)
      throw_storage("the database returned " + quote(std::string(p, end)) + " where a whole number fits in 64 bits" +
                    " (a sum beyond the largest amount?)");
    return value;
  }
  std::optional<std::int64_t> opt_int64(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return int64(row, col);
  }
  bool boolean(int row, int col) const { return text(row, col) == "t"; }
  Date date(int row, int col) const { return parse_date(text(row, col), "stored date"); }
  std::string bytes(int row, int col) const {
    std::string hex = text(row, col);
    if (hex.size() < 2 || hex[0] != '\\' || hex[1] != 'x' || hex.size() % 2 != 0)
      throw_storage("the database returned bytes not in hex form");
    std::string out;
    out.reserve((hex.size() - 2) / 2);
    for (std::size_t i = 2; i < hex.size(); i += 2) {
      unsigned value = 0;
      auto [stop, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
      if (ec != std::errc() || stop != hex.data() + i + 2) throw_storage("the database returned bytes not in hex form");
      out += static_cast<char>(value);
    }
    return out;
  }
  Hash hash(int row, int col, const char* table) const {
    std::string b = bytes(row, col);
    if (b.size() != 32)
      throw_storage(std::string("a hash in ") + table + " has " + std::to_string(b.size()) +
                    " bytes, not 32 (run adledger verify)");
    Hash h{};
    std::memcpy(h.data(), b.data(), h.size());
    return h;
  }

 private:
  ResultHandle result_;
};

// A text[] parameter in PostgreSQL's array syntax: every element quoted, its
// backslashes and double quotes escaped, so that no text is read as NULL,
// a separator or a nested array.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + '}';
}

std::string tags_json(const std::vector<std::string>& tags) {
  std::string set = "[";
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (i) set += ',';
    append_json_string(set, tags[i]);
  }
  return set + ']';
}

class PgStore final : public Store {
 public:
  PgStore(ConnHandle conn, std::string url) : conn_(std::move(conn)), url_(std::move(url)) {}
  ~PgStore() override {
    // A COPY still in flight (a write abandoned by an exception) finishes
    // before the connection closes; the transaction is then rolled back
    // with it.
    if (copy_in_flight_.valid()) copy_in_flight_.wait();
    // A transaction still open ends before the connection closes: a
    // connection pooler reuses a server connection only when it is idle,
    // and opens a new one (a new server process) otherwise.
    if ((in_read_ || in_write_) && pq::PQstatus(conn_.get()) == CONNECTION_OK) exec_quietly("ROLLBACK");
  }

  const std::string& url() const { return url_; }

  // The session's settings: the server's messages stay on the server
  // (adledger says what happened in its own words), names resolve in the
  // schema adledger, dates and bytes come in the forms adledger reads, and
  // a statement waits at most `lock_timeout_ms` (--wait) for a lock before
  // the ledger is said to be busy. One statement.
  static std::string session_settings(std::int64_t lock_timeout_ms) {
    return "SELECT set_config('client_min_messages', 'warning', false), set_config('search_path', 'adledger', false),"
           " set_config('datestyle', 'ISO', false), set_config('bytea_output', 'hex', false),"
           " set_config('lock_timeout', '" +
           std::to_string(lock_timeout_ms) + "', false)";
  }
  void set_session(std::int64_t lock_timeout_ms) {
    exec(session_settings(lock_timeout_ms));
    lock_timeout_ms_ = lock_timeout_ms;
  }

  // A command's first round trip on an existing ledger: the session's
  // settings, the ledger's mark and, for a command that only reads, the
  // start of its snapshot (begin_read). Each is its own transaction, so
  // that the settings stay whatever the mark's read gives. Nothing when
  // the mark's table or schema is not there.
  std::optional<Rows> open_session(std::int64_t lock_timeout_ms, bool read) {
    finish_copy();
    PGconn* c = conn_.get();
    if (pq::PQenterPipelineMode(c) != 1) check(nullptr);  // the connection's own error
    const std::string settings = session_settings(lock_timeout_ms);
    const char* steps[] = {settings.c_str(), "SELECT application, schema_version FROM adledger.ledger_mark",
                           "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"};
    const int count = read ? 3 : 2;
    bool sent = true;
    for (int i = 0; i < count; ++i)
      sent = sent && pq::PQsendQueryParams(c, steps[i], 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
             pq::PQpipelineSync(c) == 1;
    // Each step's first failure, and the mark's rows; a step's results end
    // at its sync.
    ResultHandle failed[3];
    std::optional<Rows> mark;
    for (int step = 0; sent && step < count;) {
      ResultHandle r(pq::PQgetResult(c));
      if (!r) {
        if (pq::PQstatus(c) == CONNECTION_BAD) break;
        continue;  // the end of the step's command
      }
      ExecStatusType status = pq::PQresultStatus(r.get());
      if (status == PGRES_PIPELINE_SYNC) ++step;
      else if (status == PGRES_TUPLES_OK && step == 1) mark.emplace(std::move(r));
      else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !failed[step]) failed[step] = std::move(r);
    }
    const bool lost = !sent || pq::PQstatus(c) == CONNECTION_BAD;
    pq::PQexitPipelineMode(c);
    if (lost) check(nullptr);
    if (failed[0]) check(failed[0].get());
    lock_timeout_ms_ = lock_timeout_ms;
    if (read && !failed[2]) {
      in_read_ = true;
      snapshot_tree_.reset();
    }
    if (failed[1] || !mark) {
      if (in_read_) {
        exec_quietly("ROLLBACK");
        in_read_ = false;
      }
      const char* state = failed[1] ? pq::PQresultErrorField(failed[1].get(), PG_DIAG_SQLSTATE) : nullptr;
      if (state && (std::strcmp(state, "42P01") == 0 || std::strcmp(state, "3F000") == 0)) return std::nullopt;
      check(failed[1].get());
    }
    if (failed[2]) check(failed[2].get());
    return mark;
  }

  // Runs SQL without parameters (several statements may be given).
  void exec(const std::string& sql) { run_unprepared(sql.c_str()); }

  // The same, giving the last statement's rows: for a statement that runs
  // once a write at most (not prepared) and does not wait for the rows
  // held back.
  Rows run_unprepared(const char* sql) {
    finish_copy();
    ResultHandle r(pq::PQexec(conn_.get(), sql));
    check(r.get());
    return Rows(std::move(r));
  }

  // The same, for a statement whose failure changes nothing (a rollback).
  void exec_quietly(const char* sql) noexcept {
    if (copy_in_flight_.valid()) copy_in_flight_.wait();
    copy_in_flight_ = {};
    ResultHandle r(pq::PQexec(conn_.get(), sql));
  }

  // Runs a statement with parameters, prepared once per connection. The
  // rows a write holds back for COPY are sent first whenever the statement
  // may read them or refer to them.
  Rows query(const std::string& sql, const Params& params = Params{}) {
    const Prepared& statement = named(sql, sql.find("spend") != std::string::npos ||
                                               sql.find("record_log") != std::string::npos ||
                                               sql.find("log_tree") != std::string::npos);
    if (statement.reads_held_rows) send_held_rows();
    return run_prepared(statement, params);
  }

  LogFormat log_format() const noexcept override { return LogFormat::Tree; }

  // Rows held back for COPY: a bulk load sends its spend entries, log
  // records and tree nodes in batches rather than a statement each. They
  // are sent before any statement that may read them, before commit, and
  // whenever a batch grows past kCopyBatchBytes.
  struct CopyBuffer {
    const char* target;  // table (columns), as COPY names them
    std::string data;    // COPY's text format, a line a row
  };
  static constexpr std::size_t kCopyBatchBytes = 1 << 20;
  void send_held_rows() {
    for (CopyBuffer* buffer : {&spend_rows_, &log_rows_, &node_rows_}) send_copy(*buffer);
  }

  void begin_write() override { begin_write_reading(kWriteState); }
  void begin_restartable_write() override { begin_write_reading(kWriteState, /*restartable=*/true); }
  void restart_write() override {
    assert(in_write_ && "restart_write without begin_restartable_write");
    // A COPY in flight belongs to what is undone, failed or not.
    if (copy_in_flight_.valid()) copy_in_flight_.wait();
    copy_in_flight_ = {};
    ++write_generation_;
    ++cache_generation_;  // what was read may have been undone
    reset_write_state();
    // The savepoint stays, and so does the lock, taken before it.
    Rows state = pipeline({Statement{nullptr, {}, "ROLLBACK TO SAVEPOINT adledger_restart"},
                           Statement{&prepare(kWriteState), {}}});
    apply_write_state(state);
  }
  // `then`: a statement without parameters to run once the lock is held,
  // giving what the write extends (kWriteState); none for a migration,
  // whose tables may not yet be those the statement reads.
  void begin_write_reading(const char* then, bool restartable = false) {
    assert(!in_write_ && "write transactions do not nest");
    if (in_read_) {
      exec("COMMIT");
      in_read_ = false;
    }
    in_write_ = true;
    ++write_generation_;
    reset_write_state();
    try {
      // One writer at a time, as on SQLite: the lock is held to the end of
      // the transaction, and every read after it (each statement reads as
      // of its own start) sees every write committed before it. Sent with
      // the BEGIN and the read of what the write extends, in one round
      // trip.
      std::vector<Statement> begin = {
          Statement{nullptr, {}, "BEGIN ISOLATION LEVEL READ COMMITTED"},
          Statement{&prepare("SELECT pg_advisory_xact_lock($1)"), Params().add(kWriteLock)}};
      if (restartable) begin.push_back(Statement{nullptr, {}, "SAVEPOINT adledger_restart"});
      if (then) begin.push_back(Statement{&prepare(then), {}});
      Rows state = pipeline(begin);
      if (then) apply_write_state(state);
      // The log's head is where this store's last commit left it: nothing
      // was committed since (every record goes through the log), and what
      // was cached then is still right.
      if (!then || !committed_head_ || *committed_head_ != head_seq_and_hash()) ++cache_generation_;
      committed_head_.reset();
    } catch (...) {
      rollback();
      throw;
    }
  }
  // A snapshot for a command that only reads: it sees one state of the
  // ledger however long it runs, while others write.
  void begin_read() {
    exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    in_read_ = true;
    snapshot_tree_.reset();
  }
  bool reading() const noexcept { return in_read_; }
  void renew_read() override {
    assert(!in_write_ && "renew_read within a write");
    if (!in_read_) return begin_read();
    // The server's readers renew their snapshot once a request, and a
    // request asks first for the log's head: the end of the last snapshot,
    // the start of the next and the tree's edge in it go in one round trip.
    in_read_ = false;
    Rows tree = pipeline({Statement{nullptr, {}, "COMMIT"},
                          Statement{nullptr, {}, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"},
                          Statement{&named(kStoredTree, /*reads_held_rows=*/true), {}}});
    in_read_ = true;
    snapshot_tree_ = tree_of(tree);
  }
  std::uint64_t write_generation() const noexcept override { return write_generation_; }
  void commit() override {
    assert(in_write_ && "commit without begin_write");
    try {
      // The rows still held, and the totals and tree edge the write ends
      // with, go with the COMMIT in one round trip, unless they are many
      // (a bulk load's last batch goes by COPY first). A first load's
      // checks are made again first, over all its rows.
      if (!checks_to_restore_.empty() || !log_keys_to_restore_.empty()) restore_checks_of_a_first_load();
      std::vector<Statement> last;
      flush_totals(&last);
      flush_tree(&last);
      for (CopyBuffer* buffer : {&spend_rows_, &log_rows_, &node_rows_, &total_rows_}) {
        if (buffer->data.size() > kInsertedBytesMax) send_copy(*buffer);
        else held_as_inserts(*buffer, last);
      }
      last.push_back(Statement{nullptr, {}, "COMMIT"});
      pipeline(last);
    } catch (...) {
      rollback();
      throw;
    }
    in_write_ = false;
    committed_head_ = head_seq_and_hash();
    reset_write_state();
  }
  void rollback() noexcept override {
    if (!in_write_) return;
    exec_quietly("ROLLBACK");
    in_write_ = false;
    committed_head_.reset();
    ++cache_generation_;
    reset_write_state();
  }
  std::uint64_t cache_generation() const noexcept override { return cache_generation_; }
  bool in_write() const noexcept override { return in_write_; }
  bool defer_spend_index() override { return false; }
  bool has_spend() override {
    // Append-only: a ledger that has committed a spend entry always has
    // one. Entries seen by a write that has written none are committed.
    if (spend_committed_) return true;
    bool any = !query("SELECT 1 FROM spend_entry LIMIT 1").empty();
    if (any && entries_written_ == 0) spend_committed_ = true;
    return any;
  }

  void add_platform(const Platform& p) override {
    query("INSERT INTO platform (id, name) VALUES ($1, $2)", Params().add(p.id).add(p.name));
    written_names_.insert(p.id);
  }

  void add_advertiser(const Advertiser& a) override {
    query("INSERT INTO advertiser (id, name, country, state_affiliated) VALUES ($1, $2, $3, $4)",
          Params().add(a.id).add(a.name).add(a.country).add(a.state_affiliated));
    written_names_.insert(a.id);
  }

  void add_handle(const Handle& h) override {
    query("INSERT INTO handle (platform_id, handle, advertiser_id) VALUES ($1, $2, $3)",
          Params().add(h.platform_id).add(h.handle).add(h.advertiser_id));
  }

  // A transaction is not a row of its own: the record that posts it
  // carries its amount. Here it gets its number, and its postings add to
  // the account totals this write keeps.
  std::int64_t add_journal_txn(const JournalTxn& txn) override {
    assert(in_write_);
    read_write_state();
    std::int64_t id = next_txn_id_++;
    for (const Posting& p : txn.postings) {
      const std::string& code = p.amount.currency().code();
      auto found = pending_totals_.find(StringPairView(p.account, code));
      if (found == pending_totals_.end())
        found = pending_totals_.emplace(std::make_pair(p.account, code), PendingTotal{}).first;
      PendingTotal& pending = found->second;
      std::int64_t sum = 0;  // the message is made only for an overflow: this runs twice an entry
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
    read_write_state();
    std::int64_t id = next_entry_id_;
    std::optional<std::string> tags;
    if (!e.tags.empty()) tags = tags_json(e.tags);
    std::string& row = spend_rows_.data;
    copy_field(row, id);
    copy_field(row, e.txn_id);
    copy_field(row, e.advertiser_id);
    copy_field(row, e.platform_id);
    copy_field(row, e.amount.minor());
    copy_field(row, e.upper ? std::optional<std::int64_t>(e.upper->minor()) : std::nullopt);
    copy_field(row, e.amount.currency().code());
    if (e.upper) pending_sums_.add_upper(*e.upper);
    copy_field(row, format_date(e.period.first()));
    copy_field(row, format_date(e.period.last()));
    copy_field(row, e.items);
    copy_field(row, e.market);
    copy_field(row, static_cast<std::int64_t>(e.precision));
    copy_field(row, e.source);
    copy_field(row, tags);
    copy_field(row, e.handle);
    copy_field(row, e.external_id);
    copy_field(row, e.note);
    copy_field(row, static_cast<std::int64_t>(e.items_precision));
    copy_field(row, e.source_details.url);
    copy_field(row, e.source_details.accessed ? std::optional<std::string>(format_date(*e.source_details.accessed))
                                              : std::nullopt);
    copy_field(row, e.source_details.quote, /*last=*/true);
    if (e.external_id) written_external_ids_.insert(std::hash<std::string>{}(*e.external_id));
    if (row.size() > kCopyBatchBytes) {
      if (!first_load_considered_) defer_checks_of_a_first_load();
      send_copy(spend_rows_);
    }
    ++next_entry_id_;
    ++entries_written_;
    return id;
  }

  void add_policy_action(const PolicyAction& a) override {
    assert(in_write_);
    query("INSERT INTO policy_action (id, kind, platform_id, date, end_date, lifts_action_id, account_count,"
          " description, source, note, source_url, source_accessed, source_quote)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
          Params().add(a.id).add(std::string(to_string(a.kind))).add(a.platform_id).add(a.date).add(a.end_date)
              .add(a.lifts_action_id).add(a.account_count).add(a.description).add(a.source).add(a.note)
              .add(a.source_details));
    for (const std::string& advertiser : a.advertiser_ids)
      query("INSERT INTO policy_action_advertiser (action_id, advertiser_id) VALUES ($1, $2)",
            Params().add(a.id).add(advertiser));
  }

  void add_pledge(const Pledge& p) override {
    assert(in_write_);
    std::optional<Date> first, last;
    if (p.basis_period) {
      first = p.basis_period->first();
      last = p.basis_period->last();
    }
    query("INSERT INTO pledge (id, txn_id, platform_id, amount_minor, currency, date, beneficiary,"
          " basis_advertiser_id, basis_first, basis_last, source, note, source_url, source_accessed, source_quote)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
          Params().add(p.id).add(p.txn_id).add(p.platform_id).add(p.amount.minor()).add(p.amount.currency().code())
              .add(p.date).add(p.beneficiary).add(p.basis_advertiser_id).add(first).add(last).add(p.source)
              .add(p.note).add(p.source_details));
  }

  void add_disbursement(const Disbursement& d) override {
    assert(in_write_);
    if (!find_pledge(d.pledge_id)) throw Error(ErrorKind::Rule, "pledge " + quote(d.pledge_id) + ": no such pledge");
    query("INSERT INTO disbursement (id, txn_id, pledge_id, amount_minor, date, source, source_url, source_accessed,"
          " source_quote) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          Params().add(d.id).add(d.txn_id).add(d.pledge_id).add(d.amount.minor()).add(d.date).add(d.source)
              .add(d.source_details));
  }

  void add_disclosed_total(const DisclosedTotal& d) override {
    assert(in_write_);
    query("INSERT INTO disclosed_total (id, platform_id, advertiser_id, amount_minor, currency, period_first,"
          " period_last, date, precision, source, note, source_url, source_accessed, source_quote)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
          Params().add(d.id).add(d.platform_id).add(d.advertiser_id).add(d.amount.minor())
              .add(d.amount.currency().code()).add(d.period.first()).add(d.period.last()).add(d.date)
              .add(std::string(to_string(d.precision))).add(d.source).add(d.note).add(d.source_details));
  }

  void add_rate(const ExchangeRate& r) override {
    assert(in_write_);
    query("INSERT INTO exchange_rate (from_currency, to_currency, date, rate, source, source_url, source_accessed,"
          " source_quote) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          Params().add(r.from.code()).add(r.to.code()).add(r.date).add(r.rate.to_string()).add(r.source)
              .add(r.source_details));
  }

  void add_policy_withdrawal(const PolicyWithdrawal& w) override {
    assert(in_write_);
    query("INSERT INTO policy_withdrawal (action_id, reason, source, source_url, source_accessed, source_quote)"
          " VALUES ($1, $2, $3, $4, $5, $6)",
          Params().add(w.action_id).add(w.reason).add(w.source).add(w.source_details));
  }

  void add_withdrawal(Withdrawable record, const std::string& id, const RecordWithdrawal& w) override {
    assert(in_write_);
    switch (record) {
      case Withdrawable::Pledge:
        query("INSERT INTO pledge_withdrawal (pledge_id, txn_id, reason, source, source_url, source_accessed,"
              " source_quote) VALUES ($1, $2, $3, $4, $5, $6, $7)",
              Params().add(id).add(w.txn_id).add(w.reason).add(w.source).add(w.source_details));
        return;
      case Withdrawable::Disbursement:
        query("INSERT INTO disbursement_withdrawal (disbursement_id, txn_id, reason, source, source_url,"
              " source_accessed, source_quote) VALUES ($1, $2, $3, $4, $5, $6, $7)",
              Params().add(id).add(w.txn_id).add(w.reason).add(w.source).add(w.source_details));
        return;
      case Withdrawable::DisclosedTotal:
        query("INSERT INTO disclosed_total_withdrawal (disclosed_total_id, reason, source, source_url,"
              " source_accessed, source_quote) VALUES ($1, $2, $3, $4, $5, $6)",
              Params().add(id).add(w.reason).add(w.source).add(w.source_details));
        return;
    }
  }

  void add_spend_reversal(const SpendReversal& r) override {
    assert(in_write_);
    query("INSERT INTO spend_reversal (entry_id, txn_id, reason, source, source_url, source_accessed, source_quote)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7)",
          Params().add(r.entry_id).add(r.txn_id).add(r.reason).add(r.source).add(r.source_details));
  }

  void append_log(const LogRecord& r) override {
    assert(in_write_);
    CompactRange& tree = current_tree();
    if (tree.size() + 1 != r.seq)
      throw_storage("record " + std::to_string(r.seq) + " follows a log of " + std::to_string(tree.size()) +
                    " records: the log is not whole (run adledger verify)");
    std::string& row = log_rows_.data;
    copy_field(row, r.seq);
    copy_field(row, r.kind);
    copy_field(row, r.ref);
    copy_field(row, timestamp_ms(r.recorded_at));
    copy_field(row, "\\x" + to_hex(r.hash));
    copy_field(row, r.author.empty() ? std::nullopt : std::optional<std::string>(r.author), /*last=*/true);
    if (row.size() > kCopyBatchBytes) send_copy(log_rows_);
    completed_.clear();
    tree.append(r.hash, kKeptNodeLevel, completed_);
    for (const TreeNode& node : completed_) insert_tree_node(node);
    tree_dirty_ = true;
    head_ = r;
  }

  void each_txn_author(const std::function<void(std::int64_t, const std::string&)>& visit) override {
    Rows rows = query(
        "SELECT s.txn_id, l.author FROM record_log l JOIN spend_entry s ON l.ref = s.id::text"
        " WHERE l.kind = 'spend' AND l.author IS NOT NULL"
        " UNION ALL SELECT r.txn_id, l.author FROM record_log l JOIN spend_reversal r ON l.ref = r.entry_id::text"
        " WHERE l.kind = 'spend_reversal' AND l.author IS NOT NULL"
        " UNION ALL SELECT p.txn_id, l.author FROM record_log l JOIN pledge p ON p.id = l.ref"
        " WHERE l.kind = 'pledge' AND l.author IS NOT NULL"
        " UNION ALL SELECT d.txn_id, l.author FROM record_log l JOIN disbursement d ON d.id = l.ref"
        " WHERE l.kind = 'disbursement' AND l.author IS NOT NULL"
        " UNION ALL SELECT w.txn_id, l.author FROM record_log l JOIN pledge_withdrawal w ON w.pledge_id = l.ref"
        " WHERE l.kind = 'pledge_withdrawal' AND l.author IS NOT NULL"
        " UNION ALL SELECT w.txn_id, l.author FROM record_log l JOIN disbursement_withdrawal w"
        " ON w.disbursement_id = l.ref WHERE l.kind = 'disbursement_withdrawal' AND l.author IS NOT NULL");
    for (int i = 0; i < rows.size(); ++i) visit(rows.int64(i, 0), rows.text(i, 1));
  }

  // The role this connection records as (current_user, read once).
  std::string default_author() override {
    if (!role_) role_ = query("SELECT current_user").text(0, 0);
    return *role_;
  }

  std::optional<LogRecord> log_head() override {
    if (in_write_) {
      read_write_state();  // within a write the head only extends the log: no content
      return head_;
    }
    Rows rows = query(std::string(kSelectLog) + " ORDER BY seq DESC LIMIT 1");
    if (rows.empty()) return std::nullopt;
    LogRecord r = read_log(rows, 0);
    fill_content(r);
    return r;
  }

  TreeHead tree_head() override {
    if (in_write_) return TreeHead{current_tree().size(), current_tree().root()};
    CompactRange tree = stored_tree();
    return TreeHead{tree.size(), tree.root()};
  }

  std::vector<Hash> leaf_hashes(std::int64_t first_seq, std::int64_t count) override {
    std::vector<Hash> out;
    Rows rows = query("SELECT seq, hash FROM record_log WHERE seq >= $1 AND seq < $2 ORDER BY seq",
                      Params().add(first_seq).add(first_seq + count));
    for (int i = 0; i < rows.size(); ++i) {
      const std::int64_t expected = first_seq + static_cast<std::int64_t>(out.size());
      if (rows.int64(i, 0) != expected)
        throw_storage("record " + std::to_string(expected) + " is missing from the log (run adledger verify)");
      out.push_back(rows.hash(i, 1, "record_log"));
    }
    return out;
  }

  std::optional<Hash> tree_node(int level, std::int64_t index) override {
    Rows rows = query("SELECT hash FROM log_tree_node WHERE level = $1 AND idx = $2",
                      Params().add(std::int64_t{level}).add(index));
    if (rows.empty()) return std::nullopt;
    return rows.hash(0, 0, "log_tree_node");
  }

  void each_tree_node(const std::function<void(const TreeNode&)>& visit) override {
    Rows rows = query("SELECT level, idx, hash FROM log_tree_node ORDER BY level, idx");
    for (int i = 0; i < rows.size(); ++i)
      visit(TreeNode{static_cast<int>(rows.int64(i, 0)), rows.int64(i, 1), rows.hash(i, 2, "log_tree_node")});
  }

  std::optional<LogRecord> log_record(std::int64_t seq) override {
    Rows rows = query(std::string(kSelectLog) + " WHERE seq = $1", Params().add(seq));
    if (rows.empty()) return std::nullopt;
    LogRecord r = read_log(rows, 0);
    fill_content(r);
    return r;
  }

  std::optional<LogRecord> find_log(const std::string& kind, const std::string& ref) override {
    restore_log_key();
    Rows rows = query(std::string(kSelectLog) + " WHERE kind = $1 AND ref = $2", Params().add(kind).add(ref));
    if (rows.empty()) return std::nullopt;
    LogRecord r = read_log(rows, 0);
    fill_content(r);
    return r;
  }

  std::optional<std::int64_t> find_log_seq(const std::string& kind, const std::string& ref) override {
    restore_log_key();
    Rows rows = query("SELECT seq FROM record_log WHERE kind = $1 AND ref = $2", Params().add(kind).add(ref));
    if (rows.empty()) return std::nullopt;
    return rows.int64(0, 0);
  }

  void each_log(const std::function<void(const LogRecord&)>& visit) override {
    // A page of records at a time, each one's content rebuilt from its
    // rows between pages: a million records are never held at once.
    constexpr std::int64_t kPage = 4096;
    std::int64_t after = 0;
    for (;;) {
      std::vector<LogRecord> page;
      {
        Rows rows = query(std::string(kSelectLog) + " WHERE seq > $1 ORDER BY seq LIMIT $2",
                          Params().add(after).add(kPage));
        for (int i = 0; i < rows.size(); ++i) page.push_back(read_log(rows, i));
      }
      if (page.empty()) return;
      prefetch_spend(page);
      for (LogRecord& r : page) {
        fill_content(r);
        visit(r);
      }
      page_spend_.clear();
      after = page.back().seq;
    }
  }

  // The spend entries a page of the log names, read in one statement
  // rather than one a record: verify reads every record. An entry that
  // cannot be read leaves the page to be read a record at a time, so
  // that the record is named.
  void prefetch_spend(const std::vector<LogRecord>& page) {
    page_spend_.clear();
    std::int64_t low = INT64_MAX, high = 0, count = 0;
    for (const LogRecord& r : page) {
      if (r.kind != "spend" && r.kind != "spend_reversal") continue;
      std::int64_t id = 0;
      auto [end, ec] = std::from_chars(r.ref.data(), r.ref.data() + r.ref.size(), id);
      if (ec != std::errc() || end != r.ref.data() + r.ref.size()) continue;
      low = std::min(low, id);
      high = std::max(high, id);
      ++count;
    }
    if (count < 16 || high - low >= 4 * count) return;
    try {
      Rows rows = query(std::string(kSelectSpend) + " WHERE s.id BETWEEN $1 AND $2",
                        Params().add(low).add(high));
      for (int i = 0; i < rows.size(); ++i) {
        SpendEntry e = read_spend(rows, i);
        page_spend_.emplace(e.entry_id, std::move(e));
      }
    } catch (const Error&) {
      page_spend_.clear();
    }
  }

  std::vector<std::string> integrity_problems() override {
    // PostgreSQL enforces the keys itself. What it does not guard is its
    // own schema: dropping or disabling an append-only trigger, or
    // rewriting the function they run, is the first step of editing the
    // ledger behind adledger's back.
    std::vector<std::string> out;
    for (const char* table : kAppendOnlyTables) {
      for (const char* suffix : {"_append_only", "_no_truncate"}) {
        std::string name = std::string(table) + suffix;
        Rows rows = query(
            "SELECT t.tgenabled, p.proname, n.nspname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace cn ON cn.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE cn.nspname = 'adledger' AND c.relname = $1 AND t.tgname = $2",
            Params().add(table).add(name));
        if (rows.empty()) {
          out.push_back("trigger " + name + " is gone: table " + table + " is no longer append-only");
        } else if (rows.text(0, 0) == "D") {
          out.push_back("trigger " + name + " is disabled: table " + table + " is no longer append-only");
        } else if (rows.text(0, 1) != "refuse_change" || rows.text(0, 2) != "adledger") {
          out.push_back("trigger " + name + " was replaced by one adledger did not write: table " + table +
                        " is no longer append-only");
        }
      }
    }
    Rows source = query(
        "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'adledger' AND p.proname = 'refuse_change'");
    if (source.empty())
      out.push_back("function refuse_change is gone: no table is append-only");
    else if (normalise_space(source.text(0, 0)) != normalise_space(expected_refuse_change()))
      out.push_back("function refuse_change was replaced by one adledger did not write: no table is append-only");
    return out;
  }

  std::optional<Platform> find_platform(const std::string& id) override {
    if (in_write_)
      if (auto known = committed_platforms_.find(id); known != committed_platforms_.end()) return known->second;
    Rows rows = query("SELECT id, name FROM platform WHERE id = $1", Params().add(id));
    if (rows.empty()) return std::nullopt;
    Platform p{rows.text(0, 0), rows.text(0, 1)};
    if (in_write_ && !written_names_.contains(id)) remember_committed(committed_platforms_, id, p);
    return p;
  }

  std::vector<Platform> platforms() override {
    std::vector<Platform> out;
    Rows rows = query("SELECT id, name FROM platform ORDER BY id COLLATE \"C\"");
    for (int i = 0; i < rows.size(); ++i) out.push_back(Platform{rows.text(i, 0), rows.text(i, 1)});
    return out;
  }

  std::optional<Advertiser> find_advertiser(const std::string& id) override {
    if (in_write_)
      if (auto known = committed_advertisers_.find(id); known != committed_advertisers_.end()) return known->second;
    Rows rows = query("SELECT id, name, country, state_affiliated FROM advertiser WHERE id = $1", Params().add(id));
    if (rows.empty()) return std::nullopt;
    Advertiser a = read_advertiser(rows, 0);
    if (in_write_ && !written_names_.contains(id)) remember_committed(committed_advertisers_, id, a);
    return a;
  }

  std::vector<Advertiser> advertisers() override {
    std::vector<Advertiser> out;
    Rows rows = query("SELECT id, name, country, state_affiliated FROM advertiser ORDER BY id COLLATE \"C\"");
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_advertiser(rows, i));
    return out;
  }

  std::optional<Handle> find_handle(const std::string& platform_id, const std::string& handle) override {
    Rows rows = query("SELECT advertiser_id, platform_id, handle FROM handle WHERE platform_id = $1 AND handle = $2",
                      Params().add(platform_id).add(handle));
    if (rows.empty()) return std::nullopt;
    return Handle{rows.text(0, 0), rows.text(0, 1), rows.text(0, 2)};
  }

  std::vector<Handle> handles_of(const std::string& advertiser_id) override {
    return read_handles(query("SELECT advertiser_id, platform_id, handle FROM handle WHERE advertiser_id = $1"
                              " ORDER BY platform_id COLLATE \"C\", handle COLLATE \"C\"",
                              Params().add(advertiser_id)));
  }

  std::vector<Handle> handles() override {
    return read_handles(query("SELECT advertiser_id, platform_id, handle FROM handle"
                              " ORDER BY platform_id COLLATE \"C\", handle COLLATE \"C\""));
  }

  std::optional<SpendEntry> find_spend(std::int64_t entry_id) override {
    Rows rows = query(std::string(kSelectSpend) + " WHERE s.id = $1", Params().add(entry_id));
    if (rows.empty()) return std::nullopt;
    return read_spend(rows, 0);
  }

  std::optional<SpendEntry> find_spend_by_external_id(const std::string& external_id) override {
    // An import asks this once an entry. Within a write, an id not among
    // those this write holds is looked up among the committed entries
    // alone (no held row can have it), and not at all when no committed
    // entry has an external id.
    if (in_write_ && !written_external_ids_.contains(std::hash<std::string>{}(external_id))) {
      if (is_deferred(external_id)) ask_deferred(nullptr, Params());
      if (auto answered = looked_up_external_ids_.find(external_id); answered != looked_up_external_ids_.end()) {
        std::optional<SpendEntry> found = std::move(answered->second);
        looked_up_external_ids_.erase(answered);
        return found;
      }
      if (!committed_external_ids_)
        committed_external_ids_ =
            !run_prepared(prepare(kAnyCommittedExternalId), Params().add(first_entry_of_write())).empty();
      if (!*committed_external_ids_) return std::nullopt;
      Rows rows = run_prepared(prepare(std::string(kSelectSpend) + " WHERE s.external_id = $1"), Params().add(external_id));
      if (rows.empty()) return std::nullopt;
      return read_spend(rows, 0);
    }
    Rows rows = query(std::string(kSelectSpend) + " WHERE s.external_id = $1", Params().add(external_id));
    if (rows.empty()) return std::nullopt;
    return read_spend(rows, 0);
  }

  std::vector<SpendEntry> spend(const SpendQuery& sq) override {
    std::vector<SpendEntry> out;
    // A NULL parameter is no filter; one advertiser's entries are read
    // through spend_by_advertiser. The entries of one period on one
    // platform are a lookup in it: every filter is a key there, so a
    // generic plan of the statement still uses the whole key.
    const bool lookup = sq.match != SpendQuery::Match::Overlap && sq.advertiser_id && sq.platform_id && sq.overlapping;
    const char* where = lookup ? (sq.match == SpendQuery::Match::Exact
                                      ? " WHERE s.advertiser_id = $1 AND s.platform_id = $2 AND s.first_day = $3"
                                        " AND s.last_day = $4"
                                      : " WHERE s.advertiser_id = $1 AND s.platform_id = $2 AND s.first_day = $3"
                                        " AND s.last_day >= $4")
                        : sq.advertiser_id ? " WHERE s.advertiser_id = $1"
                                             " AND ($2::text IS NULL OR s.platform_id = $2)"
                                             " AND ($3::date IS NULL OR s.last_day >= $3)"
                                             " AND ($4::date IS NULL OR s.first_day <= $4)"
                                           : " WHERE $1::text IS NULL AND ($2::text IS NULL OR s.platform_id = $2)"
                                             " AND ($3::date IS NULL OR s.last_day >= $3)"
                                             " AND ($4::date IS NULL OR s.first_day <= $4)";
    Rows rows = query(std::string(kSelectSpend) + where + " ORDER BY s.first_day, s.id",
                      Params().add(sq.advertiser_id).add(sq.platform_id)
                          .add(sq.overlapping ? std::optional<Date>(sq.overlapping->first()) : std::nullopt)
                          .add(sq.overlapping ? std::optional<Date>(sq.overlapping->last()) : std::nullopt));
    out.reserve(static_cast<std::size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_spend(rows, i));
    return out;
  }

  void each_spend(const std::function<void(const SpendEntry&)>& visit) override {
    // A page at a time, by entry number: the visitor may read the store.
    std::int64_t after = 0;
    for (;;) {
      std::vector<SpendEntry> page = spend_page(" WHERE s.id > $1 ORDER BY s.id LIMIT $2", Params().add(after));
      if (page.empty()) return;
      for (const SpendEntry& e : page) visit(e);
      after = page.back().entry_id;
    }
  }

  void each_spend_after(std::int64_t after, const std::function<bool(const SpendEntry&)>& visit) override {
    // The visitor may stop early (a page of the spend list wants 20): the
    // pages start small and double, so that a short walk reads a few rows
    // and a long one still reads 8,192 a statement.
    for (std::int64_t limit = kFirstWalkPage;; limit = std::min(2 * limit, kSpendPage)) {
      std::vector<SpendEntry> page =
          spend_page(" WHERE s.id > $1 ORDER BY s.id LIMIT $2", Params().add(after), limit);
      if (page.empty()) return;
      for (const SpendEntry& e : page)
        if (!visit(e)) return;
      after = page.back().entry_id;
    }
  }

  std::string record_author(const std::string& kind, const std::string& ref) override {
    restore_log_key();
    Rows rows = query("SELECT author FROM record_log WHERE kind = $1 AND ref = $2", Params().add(kind).add(ref));
    return rows.empty() || rows.is_null(0, 0) ? std::string() : rows.text(0, 0);
  }
  std::vector<std::string> record_authors(const std::string& kind, const std::vector<std::string>& refs) override {
    restore_log_key();
    std::vector<std::string> out(refs.size());
    if (refs.empty()) return out;
    Rows rows = query("SELECT ref, author FROM record_log WHERE kind = $1 AND ref = ANY ($2::text[])",
                      Params().add(kind).add(text_array(refs)));
    std::unordered_map<std::string, std::string> by_ref;
    for (int i = 0; i < rows.size(); ++i)
      if (!rows.is_null(i, 1)) by_ref.emplace(rows.text(i, 0), rows.text(i, 1));
    for (std::size_t i = 0; i < refs.size(); ++i)
      if (auto found = by_ref.find(refs[i]); found != by_ref.end()) out[i] = found->second;
    return out;
  }

  std::optional<PolicyAction> find_policy_action(const std::string& id) override {
    Rows rows = query(std::string(kPolicyColumns) + kPolicyFrom + " WHERE p.id = $1", Params().add(id));
    if (rows.empty()) return std::nullopt;
    PolicyAction a = read_policy(rows, 0);
    a.advertiser_ids = advertisers_named_by(a.id);
    return a;
  }

  std::vector<PolicyAction> policy_actions(const std::optional<std::string>& platform_id) override {
    return read_policies_naming(query(select_policies_naming() +
                                          " WHERE ($1::text IS NULL OR p.platform_id = $1)"
                                          " ORDER BY p.date, p.id COLLATE \"C\"",
                                      Params().add(platform_id)));
  }

  std::vector<PolicyAction> bans_naming(const std::string& advertiser_id, const std::string& platform_id) override {
    return read_policies_naming(
        query(select_policies_naming() +
                  " WHERE p.platform_id = $1 AND p.kind IN ('ad_ban', 'ban_lift') AND EXISTS (SELECT 1 FROM"
                  " policy_action_advertiser n WHERE n.action_id = p.id AND n.advertiser_id = $2)"
                  " ORDER BY p.date, p.id COLLATE \"C\"",
              Params().add(platform_id).add(advertiser_id)));
  }

  // Policy actions with the advertisers each names, in the same statement
  // (a write reads this under the ledger's lock), joined by commas in a
  // last column: ids have none.
  static std::string select_policies_naming() {
    return std::string(kPolicyColumns) +
           ", (SELECT string_agg(a.advertiser_id, ',' ORDER BY a.advertiser_id COLLATE \"C\")"
           " FROM policy_action_advertiser a WHERE a.action_id = p.id)" + kPolicyFrom;
  }
  static std::vector<PolicyAction> read_policies_naming(const Rows& rows) {
    std::vector<PolicyAction> out;
    for (int i = 0; i < rows.size(); ++i) {
      PolicyAction& a = out.emplace_back(read_policy(rows, i));
      if (rows.is_null(i, kPolicyAdvertisersColumn)) continue;
      const std::string named = rows.text(i, kPolicyAdvertisersColumn);
      for (std::size_t from = 0; from <= named.size();) {
        std::size_t comma = std::min(named.find(',', from), named.size());
        a.advertiser_ids.push_back(named.substr(from, comma - from));
        from = comma + 1;
      }
    }
    return out;
  }

  std::optional<Pledge> find_pledge(const std::string& id) override {
    Rows rows = query(std::string(kSelectPledge) + " WHERE p.id = $1", Params().add(id));
    if (rows.empty()) return std::nullopt;
    return read_pledge(rows, 0);
  }

  std::vector<Pledge> pledges() override {
    std::vector<Pledge> out;
    Rows rows = query(std::string(kSelectPledge) + " ORDER BY p.date, p.id COLLATE \"C\"");
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_pledge(rows, i));
    return out;
  }

  std::vector<Disbursement> disbursements_of(const std::string& pledge_id) override {
    std::vector<Disbursement> out;
    Rows rows = query(std::string(kSelectDisbursement) + " WHERE d.pledge_id = $1 ORDER BY d.date, d.id COLLATE \"C\"",
                      Params().add(pledge_id));
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_disbursement(rows, i));
    return out;
  }

  bool disbursement_exists(const std::string& id) override {
    return !query("SELECT 1 FROM disbursement WHERE id = $1", Params().add(id)).empty();
  }

  std::optional<Disbursement> find_disbursement(const std::string& id) override {
    Rows rows = query(std::string(kSelectDisbursement) + " WHERE d.id = $1", Params().add(id));
    if (rows.empty()) return std::nullopt;
    return read_disbursement(rows, 0);
  }

  std::optional<DisclosedTotal> find_disclosed_total(const std::string& id) override {
    Rows rows = query(std::string(kSelectDisclosed) + " WHERE t.id = $1", Params().add(id));
    if (rows.empty()) return std::nullopt;
    return read_disclosed(rows, 0);
  }

  std::vector<DisclosedTotal> disclosed_totals(const std::optional<std::string>& advertiser_id,
                                               const std::optional<std::string>& platform_id) override {
    std::vector<DisclosedTotal> out;
    Rows rows = query(std::string(kSelectDisclosed) +
                          " WHERE ($1::text IS NULL OR advertiser_id = $1) AND ($2::text IS NULL OR platform_id = $2)"
                          " ORDER BY platform_id COLLATE \"C\", advertiser_id COLLATE \"C\", period_first,"
                          " t.id COLLATE \"C\"",
                      Params().add(advertiser_id).add(platform_id));
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_disclosed(rows, i));
    return out;
  }

  std::optional<ExchangeRate> find_rate(const Currency& from, const Currency& to, const Date& date) override {
    Rows rows = query(std::string(kSelectRate) + " WHERE from_currency = $1 AND to_currency = $2 AND date = $3",
                      Params().add(from.code()).add(to.code()).add(date));
    if (rows.empty()) return std::nullopt;
    return read_rate(rows, 0);
  }

  std::optional<ExchangeRate> rate_on(const Currency& from, const Currency& to, const Date& date) override {
    Rows rows = query(std::string(kSelectRate) +
                          " WHERE from_currency = $1 AND to_currency = $2 AND date <= $3 ORDER BY date DESC LIMIT 1",
                      Params().add(from.code()).add(to.code()).add(date));
    if (rows.empty()) return std::nullopt;
    return read_rate(rows, 0);
  }

  std::vector<ExchangeRate> rates() override {
    std::vector<ExchangeRate> out;
    Rows rows = query(std::string(kSelectRate) +
                      " ORDER BY from_currency COLLATE \"C\", to_currency COLLATE \"C\", date");
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_rate(rows, i));
    return out;
  }

  std::vector<JournalTxn> journal() override {
    std::vector<JournalTxn> out;
    each_txn(std::nullopt, [&](const JournalTxn& t) { out.push_back(t); });
    return out;
  }

  void each_txn(const std::optional<Period>& range, const std::function<void(const JournalTxn&)>& visit) override {
    // In journal order (date, then transaction number): the spend entries,
    // nearly all of the journal, a page at a time; the other records'
    // transactions (reversals, pledges, disbursements) read first and
    // merged in.
    auto in_range = [&](const Date& d) { return !range || range->contains(d); };
    std::vector<JournalTxn> others;
    {
      Rows rows = query(std::string(kSelectSpend) + " WHERE r.txn_id IS NOT NULL");
      for (int i = 0; i < rows.size(); ++i) {
        SpendEntry e = read_spend(rows, i);
        if (in_range(e.period.first())) others.push_back(reversal_txn(e));
      }
    }
    for (const Pledge& p : pledges()) {
      if (!in_range(p.date)) continue;
      others.push_back(pledge_txn(p));
      if (p.withdrawal) others.push_back(withdrawal_txn(p));
    }
    {
      Rows rows = query(std::string(kSelectDisbursement) + " ORDER BY d.txn_id");
      for (int i = 0; i < rows.size(); ++i) {
        Disbursement d = read_disbursement(rows, i);
        if (!in_range(d.date)) continue;
        others.push_back(disbursement_txn(d, rows.text(i, kDisbursementPlatformColumn)));
        if (d.withdrawal) others.push_back(withdrawal_txn(d, rows.text(i, kDisbursementPlatformColumn)));
      }
    }
    auto before = [](const JournalTxn& a, const JournalTxn& b) { return std::tie(a.date, a.id) < std::tie(b.date, b.id); };
    std::sort(others.begin(), others.end(), before);
    auto next = others.begin();
    std::optional<Date> first, last;
    if (range) {
      first = range->first();
      last = range->last();
    }
    // Keyset pages over (first_day, txn_id), which spend_by_day orders.
    std::optional<Date> after_day;
    std::int64_t after_txn = 0;
    for (;;) {
      Params params;
      params.add(first).add(last).add(after_day).add(after_txn);
      std::vector<SpendEntry> page = spend_page(
          " WHERE ($1::date IS NULL OR s.first_day >= $1) AND ($2::date IS NULL OR s.first_day <= $2)"
          " AND ($3::date IS NULL OR (s.first_day, s.txn_id) > ($3, $4)) ORDER BY s.first_day, s.txn_id LIMIT $5",
          params);
      if (page.empty()) break;
      for (const SpendEntry& e : page) {
        JournalTxn t = spend_txn(e);
        for (; next != others.end() && before(*next, t); ++next) visit(*next);
        visit(t);
      }
      after_day = page.back().period.first();
      after_txn = page.back().txn_id;
    }
    for (; next != others.end(); ++next) visit(*next);
  }

  std::optional<JournalTxn> find_txn(std::int64_t id) override {
    {
      Rows rows = query(std::string(kSelectSpend) + " WHERE s.txn_id = $1 OR r.txn_id = $1", Params().add(id));
      if (!rows.empty()) {
        SpendEntry e = read_spend(rows, 0);
        return e.txn_id == id ? spend_txn(e) : reversal_txn(e);
      }
    }
    {
      Rows rows = query(std::string(kSelectPledge) + " WHERE p.txn_id = $1 OR w.txn_id = $1", Params().add(id));
      if (!rows.empty()) {
        Pledge p = read_pledge(rows, 0);
        return p.txn_id == id ? pledge_txn(p) : withdrawal_txn(p);
      }
    }
    Rows rows = query(std::string(kSelectDisbursement) + " WHERE d.txn_id = $1 OR w.txn_id = $1", Params().add(id));
    if (rows.empty()) return std::nullopt;
    Disbursement d = read_disbursement(rows, 0);
    const std::string platform = rows.text(0, kDisbursementPlatformColumn);
    return d.txn_id == id ? disbursement_txn(d, platform) : withdrawal_txn(d, platform);
  }

  std::int64_t account_balance(const std::string& account, const std::string& currency) override {
    if (!in_write_) return committed_balance(account, currency);
    // A write that asks about a few accounts (a record from the command
    // line or the server) asks for each: an index lookup. One that asks
    // about many (an import) reads every account's balance in one
    // statement once it has asked about kBalancesAskedAlone, since a round
    // trip each would then cost more than the whole sum.
    constexpr std::size_t kBalancesAskedAlone = 64;
    if (std::any_of(deferred_balances_.begin(), deferred_balances_.end(),
                    [&](const auto& pair) { return pair.first == account && pair.second == currency; }))
      ask_deferred(nullptr, Params());
    auto committed = committed_balances_.find(StringPairView(account, currency));
    std::int64_t stored = 0;
    if (committed != committed_balances_.end()) {
      stored = committed->second;
    } else if (!all_balances_read_ && committed_balances_.size() < kBalancesAskedAlone) {
      stored = committed_balance(account, currency);
      committed_balances_.emplace(std::make_pair(account, currency), stored);
    } else if (!all_balances_read_) {
      read_all_balances();
      auto found = committed_balances_.find(StringPairView(account, currency));
      stored = found == committed_balances_.end() ? 0 : found->second;
    }
    auto pending = pending_totals_.find(StringPairView(account, currency));
    if (pending == pending_totals_.end()) return stored;
    return checked_add(stored, pending->second.balance_minor, "the balance of " + account);
  }

  bool asks_in_round_trips() const noexcept override { return true; }

  // The balances a write will ask for, asked with its next statement
  // (ask_deferred) rather than in a round trip each: a spend entry posts
  // to two accounts, and its lookups go before its postings.
  void prefetch_balances(const std::vector<std::pair<std::string, std::string>>& pairs) override {
    if (!in_write_ || all_balances_read_) return;
    for (const auto& pair : pairs) {
      if (deferred_balances_.size() >= kDeferredMax || committed_balances_.size() + deferred_balances_.size() >= 64)
        return;  // the rest one at a time, or every balance at once
      if (!committed_balances_.contains(StringPairView(pair.first, pair.second)) &&
          std::find(deferred_balances_.begin(), deferred_balances_.end(), pair) == deferred_balances_.end())
        deferred_balances_.push_back(pair);
    }
  }

  void prefetch_spend_by_external_id(const std::string& external_id) override {
    if (!in_write_ || (committed_external_ids_ && !*committed_external_ids_) ||
        deferred_external_ids_.size() >= kDeferredMax ||
        written_external_ids_.contains(std::hash<std::string>{}(external_id)) ||
        looked_up_external_ids_.contains(external_id) || is_deferred(external_id))
      return;
    deferred_external_ids_.push_back(external_id);
  }
  bool is_deferred(const std::string& external_id) const {
    return std::find(deferred_external_ids_.begin(), deferred_external_ids_.end(), external_id) !=
           deferred_external_ids_.end();
  }

  // An account's committed balance: the sum of its rows (one per write
  // that posted to it), by the primary key's index.
  std::int64_t committed_balance(const std::string& account, const std::string& currency) {
    Rows rows = query("SELECT coalesce(sum(balance_minor), 0)::text FROM account_total"
                      " WHERE account = $1 AND currency = $2",
                      Params().add(account).add(currency));
    return sum_column(rows, "the balance of " + account);
  }
  void read_all_balances() {
    committed_balances_.clear();
    Rows rows =
        query("SELECT account, currency, sum(balance_minor)::text FROM account_total GROUP BY account, currency");
    for (int i = 0; i < rows.size(); ++i)
      committed_balances_.emplace(std::make_pair(rows.text(i, 0), rows.text(i, 1)),
                                  stored_balance(rows.text(i, 0), rows.text(i, 2)));
    all_balances_read_ = true;
  }

  // The sums kept per currency (schemas/postgresql/migrations/10.sql): the
  // latest row of the currency, read once a write.
  CurrencyTotal committed_sums(const std::string& currency) {
    auto found = committed_sums_.find(currency);
    if (found != committed_sums_.end()) return found->second;
    CurrencyTotal kept{currency, 0, 0};
    Rows rows = query("SELECT debits_minor, upper_minor FROM currency_total WHERE currency = $1"
                      " ORDER BY log_size DESC LIMIT 1",
                      Params().add(currency));
    if (!rows.empty()) {
      kept.debits_minor = rows.int64(0, 0);
      kept.upper_minor = rows.int64(0, 1);
    }
    if (in_write_) committed_sums_.emplace(currency, kept);
    return kept;
  }
  CurrencyTotal kept_sums(const std::string& currency) { return pending_sums_.plus(committed_sums(currency)); }

  std::int64_t upper_bound_total(const std::string& currency) override { return kept_sums(currency).upper_minor; }
  std::int64_t posted_volume(const std::string& currency) override { return kept_sums(currency).debits_minor; }

  std::vector<CurrencyTotal> currency_totals() override {
    std::set<std::string> currencies;
    Rows rows = query("SELECT DISTINCT currency FROM currency_total");
    for (int i = 0; i < rows.size(); ++i) currencies.insert(rows.text(i, 0));
    for (const auto& [currency, pending] : pending_sums_.by_currency()) currencies.insert(currency);
    std::vector<CurrencyTotal> out;
    for (const std::string& currency : currencies) out.push_back(kept_sums(currency));
    return out;
  }

  std::vector<BalanceRow> trial_balance() override {
    flush_totals();
    std::vector<BalanceRow> out;
    Rows rows = query("SELECT account, currency, sum(balance_minor)::text FROM account_total GROUP BY account, currency"
                      " ORDER BY account COLLATE \"C\", currency COLLATE \"C\"");
    for (int i = 0; i < rows.size(); ++i) out.push_back(BalanceRow{rows.text(i, 0), rows.text(i, 1), rows.int64(i, 2)});
    return out;
  }

  std::vector<BalanceRow> posting_totals() override {
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
    query("INSERT INTO api_token (name, role, token_sha256, created_at) VALUES ($1, $2, $3, $4)",
          Params().add(t.name).add(t.role).add_hash(t.token_sha256).add(t.created_at));
  }

  void revoke_api_token(const std::string& name, const std::string& revoked_at) override {
    assert(in_write_);
    query("INSERT INTO api_token_revocation (name, revoked_at) VALUES ($1, $2)", Params().add(name).add(revoked_at));
  }

  std::vector<ApiToken> api_tokens() override {
    std::vector<ApiToken> out;
    Rows rows = query(std::string(kSelectToken) + " ORDER BY t.name COLLATE \"C\"");
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_token(rows, i));
    return out;
  }

  std::optional<ApiToken> find_api_token(const Hash& token_sha256) override {
    Rows rows = query(std::string(kSelectToken) + " WHERE t.token_sha256 = $1", Params().add_hash(token_sha256));
    if (rows.empty()) return std::nullopt;
    return read_token(rows, 0);
  }

  void add_idempotent_write(const IdempotentWrite& w) override {
    assert(in_write_);
    query("INSERT INTO api_idempotency (token_name, key, request_sha256, status, answer, created_at)"
          " VALUES ($1, $2, $3, $4, $5, $6)",
          Params().add(w.token_name).add(w.key).add_hash(w.request_sha256).add(std::int64_t{w.status}).add(w.answer)
              .add(w.created_at));
  }

  std::optional<IdempotentWrite> find_idempotent_write(const std::string& token_name, const std::string& key) override {
    Rows rows = query("SELECT request_sha256, status, answer, created_at FROM api_idempotency"
                      " WHERE token_name = $1 AND key = $2",
                      Params().add(token_name).add(key));
    if (rows.empty()) return std::nullopt;
    return IdempotentWrite{token_name, key, rows.hash(0, 0, "api_idempotency"), static_cast<int>(rows.int64(0, 1)),
                           rows.text(0, 2), rows.text(0, 3)};
  }

 private:
  static constexpr const char* kSelectToken =
      "SELECT t.name, t.role, t.token_sha256, t.created_at, r.revoked_at FROM api_token t"
      " LEFT JOIN api_token_revocation r ON r.name = t.name";
  static ApiToken read_token(const Rows& rows, int i) {
    ApiToken t;
    t.name = rows.text(i, 0);
    t.role = rows.text(i, 1);
    t.token_sha256 = rows.hash(i, 2, "api_token");
    t.created_at = rows.text(i, 3);
    if (!rows.is_null(i, 4)) t.revoked_at = rows.text(i, 4);
    return t;
  }

 public:
  static_assert(generated::kPostgresqlBaseVersion + static_cast<int>(std::size(generated::kPostgresqlMigrations)) ==
                    kSchemaVersion,
                "one PostgreSQL migration per version after the base schema");
  // Brings the ledger to kSchemaVersion, in a write transaction of its own.
  void migrate() {
    begin_write_reading(nullptr);
    try {
      std::int64_t version = query("SELECT schema_version FROM ledger_mark").int64(0, 0);
      if (version < kSchemaVersion) {  // else another adledger migrated it while we waited for the lock
        for (; version < kSchemaVersion; ++version)
          exec(generated::kPostgresqlMigrations[version - generated::kPostgresqlBaseVersion]);
        query("UPDATE ledger_mark SET schema_version = $1", Params().add(std::int64_t{kSchemaVersion}));
      }
      commit();
    } catch (...) {
      rollback();
      throw;
    }
  }

  // A new ledger: the schema and its mark, in the caller's transaction.
  void create_schema() {
    exec(generated::kPostgresqlSchemaSql);
    for (const char* migration : generated::kPostgresqlMigrations) exec(migration);
    query("INSERT INTO ledger_mark (application, schema_version) VALUES ('adledger', $1)",
          Params().add(std::int64_t{kSchemaVersion}));
  }

  // Maps a failed statement to adledger's errors: a duplicate or a refused
  // row is a rule error, a lock not granted in time is busy, anything else
  // a storage error with the server's message.
  void check(PGresult* r) {
    ExecStatusType status = pq::PQresultStatus(r);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    const char* state_field = r ? pq::PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string state = state_field ? state_field : "";
    const char* primary = r ? pq::PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = primary ? primary : first_line(pq::PQerrorMessage(conn_.get()));
    if (message.empty()) message = "no answer";
    if (const char* detail = r ? pq::PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : nullptr) message += " (" + std::string(detail) + ")";
    if (state == "23505") throw Error(ErrorKind::Rule, "duplicate: " + message, Reason::Conflict);
    if (state.starts_with("23")) throw Error(ErrorKind::Rule, "refused by the ledger schema: " + message);
    if (state == "55P03" || state == "57014")
      throw_busy("database " + quote(display_url(url_)) +
                 ": the ledger is busy: another adledger is writing and did not finish within the wait;"
                 " retry, or raise --wait");
    if (state == "40001" || state == "40P01")
      throw_busy("database " + quote(display_url(url_)) + ": the write conflicted with another and was not made: " +
                 message + "; retry");
    if (state == "42501")
      throw_storage("database " + quote(display_url(url_)) + ": permission denied: " + message);
    // An error with no SQLSTATE comes from libpq itself: the connection
    // failed (the server went away, or closed it).
    if (pq::PQstatus(conn_.get()) == CONNECTION_BAD || state.empty() || state.starts_with("08") || state.starts_with("57P"))
      throw_storage("database " + quote(display_url(url_)) + ": the connection to the server was lost: " + message +
                    "; nothing of this command was recorded unless it said so");
    throw_storage("database " + quote(display_url(url_)) + ": postgresql: " + message);
  }

 private:
  struct Prepared;
  // A statement sent in a pipeline (a write's beginning, its last rows and
  // its COMMIT): prepared, with its parameters, or SQL without any.
  struct Statement {
    const Prepared* prepared;
    Params params;
    const char* sql = nullptr;
  };

  static constexpr const char* kAppendOnlyTables[] = {
      "platform", "advertiser", "handle", "spend_entry", "spend_reversal", "policy_action",
      "policy_action_advertiser", "policy_withdrawal", "pledge", "disbursement", "disclosed_total",
      "exchange_rate", "account_total", "record_log", "log_tree", "log_tree_node", "currency_total",
      "api_token", "api_token_revocation", "api_idempotency", "pledge_withdrawal", "disbursement_withdrawal",
      "disclosed_total_withdrawal"};

  // The body schemas/postgresql/ledger.sql gives refuse_change().
  static std::string expected_refuse_change() {
    std::string_view sql = generated::kPostgresqlSchemaSql;
    std::size_t start = sql.find("AS $$");
    std::size_t end = start == std::string_view::npos ? start : sql.find("$$;", start + 5);
    if (end == std::string_view::npos) return std::string();
    return std::string(sql.substr(start + 5, end - start - 5));
  }
  static std::string normalise_space(std::string_view text) {
    std::string out;
    bool space = false;
    for (char c : text) {
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

  static constexpr const char* kSelectLog = "SELECT seq, kind, ref, recorded_at, hash, author FROM record_log";
  static LogRecord read_log(const Rows& rows, int i) {
    LogRecord r;
    r.seq = rows.int64(i, 0);
    r.kind = rows.text(i, 1);
    r.ref = rows.text(i, 2);
    r.recorded_at = format_timestamp_ms(rows.int64(i, 3));
    std::string hash = rows.bytes(i, 4);
    if (hash.size() == r.hash.size()) std::memcpy(r.hash.data(), hash.data(), hash.size());
    if (!rows.is_null(i, 5)) r.author = rows.text(i, 5);
    return r;
  }

  // Rebuilds a record's canonical content from its rows; names what is
  // wrong when they are gone or cannot be read.
  void fill_content(LogRecord& r) {
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
      std::optional<SpendEntry> e;
      if (auto found = page_spend_.find(id); found != page_spend_.end())
        e = found->second;
      else
        e = find_spend(id);
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
    } else if (kind == "disbursement" || kind == "disbursement_withdrawal") {
      Rows rows = query(std::string(kSelectDisbursement) + " WHERE d.id = $1", Params().add(ref));
      if (rows.empty()) return std::nullopt;
      Disbursement d = read_disbursement(rows, 0);
      const std::string platform = rows.text(0, kDisbursementPlatformColumn);
      if (kind == "disbursement") return content_of(d, disbursement_txn(d, platform));
      if (d.withdrawal) return content_of_withdrawal(d, withdrawal_txn(d, platform));
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

  // Whether an entry committed before this write has an external id.
  static constexpr const char* kAnyCommittedExternalId =
      "SELECT 1 FROM spend_entry s WHERE s.external_id IS NOT NULL AND s.id < $1 LIMIT 1";
  static constexpr const char* kSelectSpend =
      "SELECT s.id, s.advertiser_id, s.platform_id, s.handle, s.amount_minor, s.currency, s.first_day,"
      " s.last_day, s.items, s.market, s.precision, s.source, s.external_id, s.note, s.txn_id,"
      " r.txn_id, r.reason, r.source, s.upper_minor, s.tags, s.items_precision,"
      " s.source_url, s.source_accessed, s.source_quote, r.source_url, r.source_accessed, r.source_quote"
      " FROM spend_entry s LEFT JOIN spend_reversal r ON r.entry_id = s.id";
  // The details of a source, in three columns from `column` on.
  static SourceDetails read_details(const Rows& rows, int i, int column) {
    SourceDetails d;
    d.url = rows.opt_text(i, column);
    if (!rows.is_null(i, column + 1)) d.accessed = rows.date(i, column + 1);
    d.quote = rows.opt_text(i, column + 2);
    return d;
  }
  static SpendEntry read_spend(const Rows& rows, int i) {
    SpendEntry e;
    e.entry_id = rows.int64(i, 0);
    e.advertiser_id = rows.text(i, 1);
    e.platform_id = rows.text(i, 2);
    e.handle = rows.opt_text(i, 3);
    e.amount = Money(rows.int64(i, 4), Currency::from_code(rows.text(i, 5)));
    e.period = Period(rows.date(i, 6), rows.date(i, 7));
    e.items = rows.opt_int64(i, 8);
    e.market = rows.text(i, 9);
    std::int64_t precision = rows.int64(i, 10);
    if (precision < 0 || precision > static_cast<std::int64_t>(Precision::Range))
      throw_storage("spend entry #" + std::to_string(e.entry_id) + ": precision " + std::to_string(precision) +
                    " is not one adledger writes");
    e.precision = static_cast<Precision>(precision);
    std::int64_t items_precision = rows.int64(i, 20);
    if (items_precision < 0 || items_precision >= static_cast<std::int64_t>(Precision::Range))
      throw_storage("spend entry #" + std::to_string(e.entry_id) + ": items precision " +
                    std::to_string(items_precision) + " is not one adledger writes");
    e.items_precision = static_cast<Precision>(items_precision);
    e.source = rows.text(i, 11);
    e.external_id = rows.opt_text(i, 12);
    e.note = rows.opt_text(i, 13);
    e.txn_id = rows.int64(i, 14);
    e.source_details = read_details(rows, i, 21);
    if (!rows.is_null(i, 15))
      e.reversal = SpendReversal{e.entry_id, rows.text(i, 16), rows.text(i, 17), read_details(rows, i, 24),
                                 rows.int64(i, 15)};
    if (!rows.is_null(i, 18)) e.upper = Money(rows.int64(i, 18), e.amount.currency());
    if (!rows.is_null(i, 19)) {
      nlohmann::json tags = nlohmann::json::parse(rows.text(i, 19), nullptr, /*allow_exceptions=*/false);
      if (!tags.is_array()) throw_storage("spend entry #" + std::to_string(e.entry_id) + ": its tag set is not a list");
      for (const auto& tag : tags) {
        if (!tag.is_string()) throw_storage("spend entry #" + std::to_string(e.entry_id) + ": a tag is not text");
        e.tags.push_back(tag.get<std::string>());
      }
    }
    return e;
  }
  // Spend entries a page at a time; `params` holds every parameter but
  // the last, the page's size.
  static constexpr std::int64_t kSpendPage = 8192;
  static constexpr std::int64_t kFirstWalkPage = 32;
  std::vector<SpendEntry> spend_page(const char* rest, Params params, std::int64_t limit = kSpendPage) {
    params.add(limit);
    Rows rows = query(std::string(kSelectSpend) + rest, params);
    std::vector<SpendEntry> out;
    out.reserve(static_cast<std::size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_spend(rows, i));
    return out;
  }

  static constexpr const char* kPolicyColumns =
      "SELECT p.id, p.kind, p.platform_id, p.date, p.end_date, p.lifts_action_id, p.account_count, p.description,"
      " p.source, p.note, w.reason, w.source, p.source_url, p.source_accessed, p.source_quote, w.source_url,"
      " w.source_accessed, w.source_quote";
  static constexpr int kPolicyAdvertisersColumn = 18;  // a column after kPolicyColumns
  static constexpr const char* kPolicyFrom = " FROM policy_action p LEFT JOIN policy_withdrawal w ON w.action_id = p.id";
  static PolicyAction read_policy(const Rows& rows, int i) {
    PolicyAction a;
    a.id = rows.text(i, 0);
    a.kind = parse_policy_kind(rows.text(i, 1));
    a.platform_id = rows.text(i, 2);
    a.date = rows.date(i, 3);
    if (!rows.is_null(i, 4)) a.end_date = rows.date(i, 4);
    a.lifts_action_id = rows.opt_text(i, 5);
    a.account_count = rows.opt_int64(i, 6);
    a.description = rows.text(i, 7);
    a.source = rows.text(i, 8);
    a.note = rows.opt_text(i, 9);
    a.source_details = read_details(rows, i, 12);
    if (!rows.is_null(i, 10))
      a.withdrawal = PolicyWithdrawal{a.id, rows.text(i, 10), rows.text(i, 11), read_details(rows, i, 15)};
    return a;
  }
  std::vector<std::string> advertisers_named_by(const std::string& action_id) {
    std::vector<std::string> ids;
    Rows rows = query("SELECT advertiser_id FROM policy_action_advertiser WHERE action_id = $1"
                      " ORDER BY advertiser_id COLLATE \"C\"",
                      Params().add(action_id));
    for (int i = 0; i < rows.size(); ++i) ids.push_back(rows.text(i, 0));
    return ids;
  }

  static constexpr const char* kSelectPledge =
      "SELECT p.id, p.platform_id, p.amount_minor, p.currency, p.date, p.beneficiary, p.basis_advertiser_id,"
      " p.basis_first, p.basis_last, p.source, p.note, p.txn_id, w.txn_id, w.reason, w.source,"
      " p.source_url, p.source_accessed, p.source_quote, w.source_url, w.source_accessed, w.source_quote"
      " FROM pledge p LEFT JOIN pledge_withdrawal w ON w.pledge_id = p.id";
  static Pledge read_pledge(const Rows& rows, int i) {
    Pledge p;
    p.id = rows.text(i, 0);
    p.platform_id = rows.text(i, 1);
    p.amount = Money(rows.int64(i, 2), Currency::from_code(rows.text(i, 3)));
    p.date = rows.date(i, 4);
    p.beneficiary = rows.text(i, 5);
    p.basis_advertiser_id = rows.opt_text(i, 6);
    if (!rows.is_null(i, 7)) p.basis_period = Period(rows.date(i, 7), rows.date(i, 8));
    p.source = rows.text(i, 9);
    p.note = rows.opt_text(i, 10);
    p.txn_id = rows.int64(i, 11);
    p.source_details = read_details(rows, i, 15);
    if (!rows.is_null(i, 12))
      p.withdrawal = RecordWithdrawal{rows.text(i, 13), rows.text(i, 14), read_details(rows, i, 18), rows.int64(i, 12)};
    return p;
  }

  static constexpr const char* kSelectDisbursement =
      "SELECT d.id, d.pledge_id, d.amount_minor, p.currency, d.date, d.source, d.txn_id, p.platform_id,"
      " w.txn_id, w.reason, w.source, d.source_url, d.source_accessed, d.source_quote, w.source_url,"
      " w.source_accessed, w.source_quote"
      " FROM disbursement d JOIN pledge p ON p.id = d.pledge_id"
      " LEFT JOIN disbursement_withdrawal w ON w.disbursement_id = d.id";
  static constexpr int kDisbursementPlatformColumn = 7;
  static Disbursement read_disbursement(const Rows& rows, int i) {
    Disbursement d{rows.text(i, 0), rows.text(i, 1), Money(rows.int64(i, 2), Currency::from_code(rows.text(i, 3))),
                   rows.date(i, 4), rows.text(i, 5), read_details(rows, i, 11), rows.int64(i, 6), std::nullopt};
    if (!rows.is_null(i, 8))
      d.withdrawal = RecordWithdrawal{rows.text(i, 9), rows.text(i, 10), read_details(rows, i, 14), rows.int64(i, 8)};
    return d;
  }

  static constexpr const char* kSelectDisclosed =
      "SELECT t.id, t.platform_id, t.advertiser_id, t.amount_minor, t.currency, t.period_first, t.period_last, t.date,"
      " t.precision, t.source, t.note, w.reason, w.source, t.source_url, t.source_accessed, t.source_quote,"
      " w.source_url, w.source_accessed, w.source_quote"
      " FROM disclosed_total t LEFT JOIN disclosed_total_withdrawal w ON w.disclosed_total_id = t.id";
  static DisclosedTotal read_disclosed(const Rows& rows, int i) {
    DisclosedTotal d;
    d.id = rows.text(i, 0);
    d.platform_id = rows.text(i, 1);
    d.advertiser_id = rows.text(i, 2);
    d.amount = Money(rows.int64(i, 3), Currency::from_code(rows.text(i, 4)));
    d.period = Period(rows.date(i, 5), rows.date(i, 6));
    d.date = rows.date(i, 7);
    d.precision = parse_precision(rows.text(i, 8));
    d.source = rows.text(i, 9);
    d.note = rows.opt_text(i, 10);
    d.source_details = read_details(rows, i, 13);
    if (!rows.is_null(i, 11))
      d.withdrawal = RecordWithdrawal{rows.text(i, 11), rows.text(i, 12), read_details(rows, i, 16), 0};
    return d;
  }

  static constexpr const char* kSelectRate =
      "SELECT from_currency, to_currency, date, rate, source, source_url, source_accessed, source_quote"
      " FROM exchange_rate";
  static ExchangeRate read_rate(const Rows& rows, int i) {
    return ExchangeRate{Currency::from_code(rows.text(i, 0)), Currency::from_code(rows.text(i, 1)), rows.date(i, 2),
                        Rate::parse(rows.text(i, 3)), rows.text(i, 4), read_details(rows, i, 5)};
  }

  static Advertiser read_advertiser(const Rows& rows, int i) {
    return Advertiser{rows.text(i, 0), rows.text(i, 1), rows.opt_text(i, 2), rows.boolean(i, 3)};
  }
  static std::vector<Handle> read_handles(const Rows& rows) {
    std::vector<Handle> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(Handle{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2)});
    return out;
  }

  // A sum PostgreSQL formed exactly, which must fit in int64.
  static std::int64_t sum_column(const Rows& rows, const std::string& what) {
    std::string text = rows.text(0, 0);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
      throw_storage(what + " in the ledger is " + text + ", beyond the largest amount adledger keeps (run adledger verify)");
    return value;
  }

  static constexpr const char* kStoredTree = "SELECT size, frontier FROM log_tree ORDER BY size DESC LIMIT 1";
  static CompactRange tree_of(const Rows& rows) {
    if (rows.empty()) return CompactRange{};
    return CompactRange::parse(rows.int64(0, 0), rows.bytes(0, 1));
  }
  CompactRange stored_tree() {
    if (in_read_ && snapshot_tree_) return *snapshot_tree_;  // read with the snapshot, which it cannot outlive
    return tree_of(query(kStoredTree));
  }
  CompactRange& current_tree() {
    if (in_write_) read_write_state();
    if (!tree_) tree_ = stored_tree();
    return *tree_;
  }

  // What a write extends, read under its lock as it begins, in one
  // statement: the log's head, the last transaction and entry numbers, and
  // the edge of the log's tree.
  static constexpr const char* kWriteState =
      "SELECT l.seq, l.kind, l.ref, l.recorded_at, l.hash, l.author, n.txn, n.entry, t.size, t.frontier"
      " FROM (SELECT greatest(coalesce((SELECT max(txn_id) FROM spend_entry), 0),"
      "  coalesce((SELECT max(txn_id) FROM spend_reversal), 0), coalesce((SELECT max(txn_id) FROM pledge), 0),"
      "  coalesce((SELECT max(txn_id) FROM disbursement), 0),"
      "  coalesce((SELECT max(txn_id) FROM pledge_withdrawal), 0),"
      "  coalesce((SELECT max(txn_id) FROM disbursement_withdrawal), 0)) AS txn,"
      "  (SELECT coalesce(max(id), 0) + 1 FROM spend_entry) AS entry) n"
      " LEFT JOIN (SELECT seq, kind, ref, recorded_at, hash, author FROM record_log ORDER BY seq DESC LIMIT 1) l"
      " ON true"
      " LEFT JOIN (SELECT size, frontier FROM log_tree ORDER BY size DESC LIMIT 1) t ON true";
  void read_write_state() {
    if (!write_state_read_) apply_write_state(query(kWriteState));
  }
  // The log's last record, as the write holds it: its number and hash
  // (none: 0 and zeros).
  std::pair<std::int64_t, Hash> head_seq_and_hash() const {
    return head_ ? std::make_pair(head_->seq, head_->hash) : std::make_pair(std::int64_t{0}, Hash{});
  }
  void apply_write_state(const Rows& rows) {
    if (rows.size() != 1) throw_storage("the state of the ledger's log could not be read");
    if (rows.is_null(0, 0)) head_.reset();
    else head_ = read_log(rows, 0);
    next_txn_id_ = rows.int64(0, 6) + 1;
    next_entry_id_ = rows.int64(0, 7);
    tree_ = rows.is_null(0, 8) ? CompactRange{} : CompactRange::parse(rows.int64(0, 8), rows.bytes(0, 9));
    write_state_read_ = true;
  }
  void insert_tree_node(const TreeNode& node) {
    std::string& row = node_rows_.data;
    copy_field(row, std::int64_t{node.level});
    copy_field(row, node.index);
    copy_field(row, "\\x" + to_hex(node.hash), /*last=*/true);
  }
  void flush_tree(std::vector<Statement>* later) {
    if (!tree_ || !tree_dirty_) return;
    run_or_defer(Statement{&prepare("INSERT INTO log_tree (size, frontier) VALUES ($1, $2)"),
                           Params().add(tree_->size()).add_bytes(tree_->serialize())},
                 later);
    tree_dirty_ = false;
  }

  // The postings of a write add to the account totals in memory; commit()
  // writes one row per account touched, at the log's size then.
  struct PendingTotal {
    std::int64_t balance_minor = 0;
    std::int64_t postings = 0;
  };
  // `later`: the statements commit() sends with its COMMIT; without it,
  // the rows are written now.
  void flush_totals(std::vector<Statement>* later = nullptr) {
    // A row per currency this write posted in: the sums as they stand
    // after it, at the log's size now, so that no row is ever updated.
    for (const auto& [currency, pending] : pending_sums_.by_currency()) {
      CurrencyTotal now = kept_sums(currency);
      run_or_defer(Statement{&prepare("INSERT INTO currency_total (currency, log_size, debits_minor, upper_minor)"
                                      " VALUES ($1, $2, $3, $4)"),
                             Params().add(currency).add(current_tree().size()).add(now.debits_minor)
                                 .add(now.upper_minor)},
                   later);
    }
    pending_sums_.clear();
    committed_sums_.clear();
    if (pending_totals_.empty()) return;
    // The balances asked for so far no longer include what this write
    // posted once it is written: asked again, they are read again.
    committed_balances_.clear();
    all_balances_read_ = false;
    const std::int64_t log_size = current_tree().size();
    std::vector<std::pair<const std::pair<std::string, std::string>*, const PendingTotal*>> sorted;
    for (const auto& [key, pending] : pending_totals_) sorted.emplace_back(&key, &pending);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
    std::string& rows = total_rows_.data;
    for (const auto& [key, pending] : sorted) {
      copy_field(rows, key->first);
      copy_field(rows, key->second);
      copy_field(rows, log_size);
      copy_field(rows, pending->balance_minor);
      copy_field(rows, pending->postings, /*last=*/true);
    }
    if (!later) send_copy(total_rows_);  // else commit() sends them
    pending_totals_.clear();
  }

  // The first entry number this write gives (entries before it were
  // committed before the write began).
  std::int64_t first_entry_of_write() {
    read_write_state();
    return next_entry_id_ - static_cast<std::int64_t>(entries_this_write());
  }
  std::size_t entries_this_write() const { return entries_written_; }

  // A statement prepared once per connection, by name. The server is sent
  // it with its first use, in the same round trip (pipeline_all): a
  // command that runs a statement once pays one round trip for it, not two.
  struct Prepared {
    std::string name;
    const std::string* sql = nullptr;  // prepared_'s key
    bool reads_held_rows = false;
    mutable bool made = false;  // the server has it
  };
  const Prepared& named(const std::string& sql, bool reads_held_rows) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      Prepared statement;
      statement.name = "adledger_" + std::to_string(prepared_.size() + 1);
      statement.reads_held_rows = reads_held_rows;
      it = prepared_.emplace(sql, std::move(statement)).first;
      it->second.sql = &it->first;
    }
    return it->second;
  }
  const Prepared& prepare(const std::string& sql) { return named(sql, /*reads_held_rows=*/true); }
  Rows run_prepared(const Prepared& statement, const Params& params) {
    if (!deferred_balances_.empty() || !deferred_external_ids_.empty()) return ask_deferred(&statement, params);
    if (!statement.made) return pipeline({Statement{&statement, params}});
    finish_copy();
    std::vector<const char*> values = params.pointers();
    ResultHandle r(pq::PQexecPrepared(conn_.get(), statement.name.c_str(), params.size(), values.data(), nullptr, nullptr, 0));
    check(r.get());
    return Rows(std::move(r));
  }

  // Sends the questions a write said it would ask (prefetch_balances,
  // prefetch_spend_by_external_id) ahead of `then`, if any, in one round
  // trip, keeps their answers for when they are asked, and gives then's
  // rows.
  Rows ask_deferred(const Prepared* then, const Params& then_params) {
    std::vector<std::pair<std::string, std::string>> balances = std::move(deferred_balances_);
    std::vector<std::string> ids = std::move(deferred_external_ids_);
    deferred_balances_.clear();
    deferred_external_ids_.clear();
    std::vector<Statement> statements;
    if (!balances.empty()) {
      std::string sql = "SELECT account, currency, sum(balance_minor)::text FROM account_total WHERE ";
      Params params;
      for (std::size_t i = 0; i < balances.size(); ++i) {
        sql += (i ? " OR " : "") + std::string("(account = $") + std::to_string(2 * i + 1) + " AND currency = $" +
               std::to_string(2 * i + 2) + ")";
        params.add(balances[i].first).add(balances[i].second);
      }
      statements.push_back(Statement{&prepare(sql + " GROUP BY account, currency"), std::move(params)});
    }
    const bool probe = !ids.empty() && !committed_external_ids_;
    if (probe) statements.push_back(Statement{&prepare(kAnyCommittedExternalId), Params().add(first_entry_of_write())});
    for (const std::string& id : ids)
      statements.push_back(Statement{&prepare(std::string(kSelectSpend) + " WHERE s.external_id = $1"), Params().add(id)});
    if (then) statements.push_back(Statement{then, then_params});
    if (statements.empty()) return Rows(ResultHandle());
    std::vector<Rows> answers = pipeline_all(statements);
    std::size_t next = 0;
    if (!balances.empty()) {
      const Rows& rows = answers[next++];
      for (const auto& pair : balances) committed_balances_.emplace(pair, 0);  // none posted yet
      for (int i = 0; i < rows.size(); ++i)
        committed_balances_[std::make_pair(rows.text(i, 0), rows.text(i, 1))] =
            stored_balance(rows.text(i, 0), rows.text(i, 2));
    }
    if (probe) committed_external_ids_ = !answers[next++].empty();
    for (const std::string& id : ids) {
      const Rows& rows = answers[next++];
      looked_up_external_ids_.insert_or_assign(id, rows.empty() ? std::nullopt : std::optional(read_spend(rows, 0)));
    }
    return then ? std::move(answers[next]) : Rows(ResultHandle());
  }
  // A balance as the server summed it, which must fit the amounts adledger
  // keeps.
  static std::int64_t stored_balance(const std::string& account, const std::string& text) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
      throw_storage("the balance of " + account + " in the ledger is " + text +
                    ", beyond the largest amount adledger keeps (run adledger verify)");
    return value;
  }

  // A field in COPY's text format: tab between fields, newline after the
  // last, \N for NULL, and backslash, tab, newline and carriage return
  // escaped.
  static void copy_field(std::string& row, std::string_view text, bool last = false) {
    std::size_t plain = 0;  // the start of the run of bytes copied as they are
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char* escaped;
      switch (text[i]) {
        case '\\': escaped = "\\\\"; break;
        case '\t': escaped = "\\t"; break;
        case '\n': escaped = "\\n"; break;
        case '\r': escaped = "\\r"; break;
        default: continue;
      }
      row.append(text.data() + plain, i - plain);
      row += escaped;
      plain = i + 1;
    }
    row.append(text.data() + plain, text.size() - plain);
    row += last ? '\n' : '\t';
  }
  static void copy_field(std::string& row, const std::string& text, bool last = false) {
    copy_field(row, std::string_view(text), last);
  }
  static void copy_field(std::string& row, const char* text, bool last = false) {
    copy_field(row, std::string_view(text), last);
  }
  static void copy_field(std::string& row, std::int64_t value, bool last = false) {
    row += std::to_string(value);
    row += last ? '\n' : '\t';
  }
  template <typename T>
  static void copy_field(std::string& row, const std::optional<T>& value, bool last = false) {
    if (value) return copy_field(row, *value, last);
    row += "\\N";
    row += last ? '\n' : '\t';
  }
  // Sends a batch with COPY on a thread of its own, so that the write goes
  // on (checking, hashing and holding the next batch) while the server
  // takes this one in: an import's client and server work overlap. The
  // connection is the sender's until finish_copy(), which every other use
  // of the connection calls first, and which reports the COPY's failure.
  void send_copy(CopyBuffer& buffer) {
    if (buffer.data.empty()) return;
    finish_copy();
    auto data = std::make_shared<std::string>(std::move(buffer.data));
    buffer.data = std::string();
    buffer.data.reserve(data->capacity());
    std::string sql = "COPY " + std::string(buffer.target) + " FROM STDIN";
    copy_in_flight_ = std::async(std::launch::async, [conn = conn_.get(), sql = std::move(sql), data] {
      ResultHandle start(pq::PQexec(conn, sql.c_str()));
      if (pq::PQresultStatus(start.get()) != PGRES_COPY_IN) return start;
      constexpr std::size_t kChunk = 1 << 20;
      bool sent = true;
      for (std::size_t at = 0; at < data->size() && sent; at += kChunk) {
        std::size_t n = std::min(kChunk, data->size() - at);
        sent = pq::PQputCopyData(conn, data->data() + at, static_cast<int>(n)) == 1;
      }
      pq::PQputCopyEnd(conn, sent ? nullptr : "adledger could not send the rows");
      ResultHandle end(pq::PQgetResult(conn));
      while (ResultHandle more{pq::PQgetResult(conn)}) {
      }
      return end;
    });
  }
  void finish_copy() {
    if (!copy_in_flight_.valid()) return;
    ResultHandle end = copy_in_flight_.get();
    check(end.get());
  }

  // A first load: an import of more than one batch of spend entries into
  // a ledger that has none yet, by a role that owns spend_entry and
  // record_log. As PostgreSQL's manual advises for populating a database,
  // spend_entry's foreign keys and the indexes that no uniqueness rests
  // on, and record_log's key of (kind, ref), are dropped for the load and
  // made again before the commit, in the same transaction: each is then
  // checked or built once over all the rows, in about half the server's
  // time, rather than row by row. Nothing goes unchecked (the keys are
  // checked again when made) and an import that fails takes the drops back
  // with it. The load itself never looks a record up by its kind and ref
  // but to find one given again in the same file; the first such look-up
  // makes that key again at once (restore_log_key), so that none reads
  // the whole log. The drops need the tables to themselves: if a reader
  // holds them (an open snapshot, adledger serve's), or the role may not
  // alter them, the load goes row by row.
  void defer_checks_of_a_first_load() {
    first_load_considered_ = true;
    if (next_entry_id_ - static_cast<std::int64_t>(entries_written_) != 1) return;  // entries committed before
    Rows checks = run_unprepared(
        "SELECT d.drop_sql, d.make_sql FROM ("
        " SELECT 0 AS step, indexrelid::regclass::text AS name,"
        "  'DROP INDEX ' || indexrelid::regclass::text AS drop_sql, pg_get_indexdef(indexrelid) AS make_sql"
        "  FROM pg_index WHERE indrelid = 'spend_entry'::regclass AND NOT indisunique"
        " UNION ALL"
        " SELECT 1, conname, 'ALTER TABLE spend_entry DROP CONSTRAINT ' || quote_ident(conname),"
        "  'ALTER TABLE spend_entry ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid)"
        "  FROM pg_constraint WHERE conrelid = 'spend_entry'::regclass AND contype = 'f'"
        " UNION ALL"
        " SELECT 2, conname, 'ALTER TABLE record_log DROP CONSTRAINT ' || quote_ident(conname),"
        "  'ALTER TABLE record_log ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid)"
        "  FROM pg_constraint WHERE conrelid = 'record_log'::regclass AND contype = 'u') d"
        " WHERE pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'spend_entry'::regclass), 'USAGE')"
        " AND pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'record_log'::regclass), 'USAGE')"
        " ORDER BY d.step, d.name");
    if (checks.empty()) return;
    std::string drops = "SAVEPOINT adledger_first_load; SET LOCAL lock_timeout TO " +
                        std::to_string(kFirstLoadLockWaitMs) + ";";
    std::vector<std::string> makes, log_keys;
    for (int i = 0; i < checks.size(); ++i) {
      drops += ' ' + checks.text(i, 0) + ';';
      (checks.text(i, 1).starts_with("ALTER TABLE record_log") ? log_keys : makes).push_back(checks.text(i, 1));
    }
    drops += " SET LOCAL lock_timeout TO " + std::to_string(lock_timeout_ms_) + ";";
    drops += " RELEASE SAVEPOINT adledger_first_load";
    finish_copy();
    ResultHandle r(pq::PQexec(conn_.get(), drops.c_str()));
    if (pq::PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      // Not to be had now: the load goes row by row, the savepoint taking
      // back whatever of the drops was done (and the lock timeout).
      exec("ROLLBACK TO SAVEPOINT adledger_first_load; RELEASE SAVEPOINT adledger_first_load");
      return;
    }
    checks_to_restore_ = std::move(makes);
    log_keys_to_restore_ = std::move(log_keys);
  }
  // record_log's keys, made again over every record so far (those held
  // for COPY sent first), before a look-up by kind and ref.
  void restore_log_key() {
    if (log_keys_to_restore_.empty()) return;
    send_copy(log_rows_);
    std::string makes;
    for (const std::string& make : log_keys_to_restore_) makes += make + ';';
    log_keys_to_restore_.clear();
    exec(makes);
  }
  void restore_checks_of_a_first_load() {
    send_copy(spend_rows_);
    if (!log_keys_to_restore_.empty()) send_copy(log_rows_);  // record_log's key is made over them too
    for (std::string& make : log_keys_to_restore_) checks_to_restore_.push_back(std::move(make));
    log_keys_to_restore_.clear();
    // Memory enough to sort a million rows' keys without spilling to disk,
    // or what the server's settings give, whichever is more.
    std::string makes =
        "SELECT set_config('maintenance_work_mem', greatest(pg_size_bytes(current_setting('maintenance_work_mem')),"
        " pg_size_bytes('256MB')) / 1024 || 'kB', true);";
    for (const std::string& make : checks_to_restore_) makes += ' ' + make + ';';
    exec(makes);
    checks_to_restore_.clear();
  }
  // How long a first load waits for spend_entry to itself before it goes
  // row by row.
  static constexpr std::int64_t kFirstLoadLockWaitMs = 1000;

  void run_or_defer(Statement statement, std::vector<Statement>* later) {
    if (later) later->push_back(std::move(statement));
    else run_prepared(*statement.prepared, statement.params);
  }

  // Held rows of at most this many bytes are inserted with the COMMIT
  // rather than sent by COPY, which takes two round trips of its own.
  static constexpr std::size_t kInsertedBytesMax = 64 * 1024;

  // Turns the rows held in COPY's text format (copy_field) back into an
  // INSERT each: fields between tabs, a row a line, \N for NULL, and
  // backslash, tab, newline and carriage return escaped.
  void held_as_inserts(CopyBuffer& buffer, std::vector<Statement>& out) {
    if (buffer.data.empty()) return;
    const std::string_view target = buffer.target;
    const auto columns = static_cast<int>(std::count(target.begin(), target.end(), ',')) + 1;
    std::string sql = "INSERT INTO " + std::string(target) + " VALUES (";
    for (int i = 1; i <= columns; ++i) sql += (i > 1 ? ", $" : "$") + std::to_string(i);
    const Prepared& insert = prepare(sql + ")");
    Params params;
    std::size_t start = 0;
    const std::string& data = buffer.data;
    for (std::size_t at = 0; at < data.size(); ++at) {
      if (data[at] != '\t' && data[at] != '\n') continue;
      std::string_view raw(data.data() + start, at - start);
      if (raw == "\\N") {
        params.add(std::optional<std::string>());
      } else {
        std::string field;
        field.reserve(raw.size());
        for (std::size_t k = 0; k < raw.size(); ++k) {
          char c = raw[k];
          if (c == '\\' && k + 1 < raw.size()) {
            char e = raw[++k];
            c = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
          }
          field += c;
        }
        params.add(field);
      }
      start = at + 1;
      if (data[at] == '\n') {
        if (params.size() != columns)
          throw_storage("a row held for " + std::string(target) + " has " + std::to_string(params.size()) +
                        " fields, not " + std::to_string(columns));
        out.push_back(Statement{&insert, std::move(params)});
        params = Params();
      }
    }
    buffer.data.clear();
  }

  // Runs statements in one round trip (libpq's pipeline mode) and gives
  // the last one's rows. The first that fails aborts the rest; its error is
  // thrown.
  Rows pipeline(const std::vector<Statement>& statements) {
    std::vector<Rows> rows = pipeline_all(statements);
    return rows.empty() ? Rows(ResultHandle()) : std::move(rows.back());
  }
  // The same, giving each statement's rows, in order.
  std::vector<Rows> pipeline_all(const std::vector<Statement>& statements) {
    finish_copy();
    PGconn* c = conn_.get();
    if (pq::PQenterPipelineMode(c) != 1) check(nullptr);  // the connection's own error
    bool sent = true;
    std::vector<std::vector<const char*>> values;  // alive until every result is read
    values.reserve(statements.size());
    // Each command sent, in order: the preparation of a statement the
    // server does not have yet (sent just before its first use), or null
    // for a statement to run. `preparing`: the statements prepared here.
    std::vector<const Prepared*> commands;
    std::vector<const Prepared*> preparing;
    commands.reserve(statements.size());
    for (const Statement& s : statements) {
      values.push_back(s.params.pointers());
      if (s.prepared && !s.prepared->made &&
          std::find(preparing.begin(), preparing.end(), s.prepared) == preparing.end()) {
        sent = sent && pq::PQsendPrepare(c, s.prepared->name.c_str(), s.prepared->sql->c_str(), 0, nullptr) == 1;
        commands.push_back(s.prepared);
        preparing.push_back(s.prepared);
      }
      if (s.prepared)
        sent = sent && pq::PQsendQueryPrepared(c, s.prepared->name.c_str(), s.params.size(), values.back().data(),
                                           nullptr, nullptr, 0) == 1;
      else
        sent = sent && pq::PQsendQueryParams(c, s.sql, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
      commands.push_back(nullptr);
    }
    sent = sent && pq::PQpipelineSync(c) == 1;
    ResultHandle failed;
    std::vector<Rows> answers;
    answers.reserve(statements.size());
    std::size_t command = 0;  // whose results PQgetResult gives
    while (sent) {
      ResultHandle r(pq::PQgetResult(c));
      if (!r) {
        if (pq::PQstatus(c) == CONNECTION_BAD) break;
        ++command;  // the end of one command's results
        continue;
      }
      ExecStatusType status = pq::PQresultStatus(r.get());
      if (status == PGRES_PIPELINE_SYNC) break;
      const Prepared* prepared = command < commands.size() ? commands[command] : nullptr;
      if (prepared && status == PGRES_COMMAND_OK) prepared->made = true;
      else if (!prepared && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) answers.emplace_back(std::move(r));
      else if (status != PGRES_PIPELINE_ABORTED && !failed) failed = std::move(r);
    }
    const bool lost = !sent || pq::PQstatus(c) == CONNECTION_BAD;
    pq::PQexitPipelineMode(c);
    if (lost || failed || answers.size() != statements.size())
      check(failed.get());  // without a result: the connection's own error
    return answers;
  }

  template <typename T>
  static void remember_committed(std::unordered_map<std::string, T>& cache, const std::string& id, const T& value) {
    if (cache.size() >= 4096) cache.clear();
    cache.emplace(id, value);
  }

  void reset_write_state() {
    spend_rows_.data.clear();
    log_rows_.data.clear();
    node_rows_.data.clear();
    written_external_ids_.clear();
    committed_external_ids_.reset();
    deferred_balances_.clear();
    deferred_external_ids_.clear();
    looked_up_external_ids_.clear();
    committed_balances_.clear();
    all_balances_read_ = false;
    committed_sums_.clear();
    pending_sums_.clear();
    entries_written_ = 0;
    first_load_considered_ = false;
    checks_to_restore_.clear();
    log_keys_to_restore_.clear();
    pending_totals_.clear();
    next_txn_id_ = 0;
    next_entry_id_ = 0;
    head_.reset();
    tree_.reset();
    tree_dirty_ = false;
    write_state_read_ = false;
    written_names_.clear();
  }

  ConnHandle conn_;
  std::string url_;
  // The COPY send_copy() started, until finish_copy() (declared after
  // conn_, so destroyed, and waited for, before the connection closes).
  std::future<ResultHandle> copy_in_flight_;
  std::unordered_map<std::string, Prepared> prepared_;  // by SQL text
  CopyBuffer spend_rows_{"spend_entry (id, txn_id, advertiser_id, platform_id, amount_minor, upper_minor, currency,"
                         " first_day, last_day, items, market, precision, source, tags, handle, external_id, note,"
                         " items_precision, source_url, source_accessed, source_quote)", {}};
  std::optional<std::string> role_;  // current_user, once asked
  CopyBuffer log_rows_{"record_log (seq, kind, ref, recorded_at, hash, author)", {}};
  CopyBuffer node_rows_{"log_tree_node (level, idx, hash)", {}};
  CopyBuffer total_rows_{"account_total (account, currency, log_size, balance_minor, postings)", {}};
  // Account balances as committed before this write: those it asked
  // about, or every account's once all_balances_read_.
  StringPairMap<std::int64_t> committed_balances_;
  bool all_balances_read_ = false;
  // The sums kept per currency as committed before this write, and what
  // the write adds to them.
  std::map<std::string, CurrencyTotal> committed_sums_;
  PendingCurrencySums pending_sums_;
  // Hashes of the external ids of the entries this write recorded, and
  // whether an entry committed before it has one (not yet known: unset).
  HashSet64 written_external_ids_;
  std::optional<bool> committed_external_ids_;
  // Questions the write said it would ask, not yet sent (ask_deferred), at
  // most kDeferredMax of each kind, and the answers to lookups by external
  // id sent ahead, until asked.
  static constexpr std::size_t kDeferredMax = 8;
  std::vector<std::pair<std::string, std::string>> deferred_balances_;
  std::vector<std::string> deferred_external_ids_;
  std::unordered_map<std::string, std::optional<SpendEntry>> looked_up_external_ids_;
  std::size_t entries_written_ = 0;
  // Whether this write considered loading its spend entries as a first
  // load, and the statements that make again the checks it dropped.
  bool first_load_considered_ = false;
  std::vector<std::string> checks_to_restore_;
  std::vector<std::string> log_keys_to_restore_;  // record_log's, apart: see restore_log_key
  std::int64_t lock_timeout_ms_ = 1;  // the connection's lock_timeout, as open_postgresql_store set it
  // The spend entries of the page of the log each_log is visiting.
  std::unordered_map<std::int64_t, SpendEntry> page_spend_;
  bool in_write_ = false;
  bool in_read_ = false;
  std::optional<CompactRange> snapshot_tree_;  // the tree's edge, read as renew_read began this snapshot
  std::uint64_t write_generation_ = 0;
  // cache_generation(), and the log's head as this store's last write
  // committed it (none after a rollback, or once another write began).
  std::uint64_t cache_generation_ = 0;
  std::optional<std::pair<std::int64_t, Hash>> committed_head_;
  StringPairMap<PendingTotal> pending_totals_;
  std::int64_t next_txn_id_ = 0;    // 0: not yet read in this write
  std::int64_t next_entry_id_ = 0;  // 0: not yet read in this write
  std::optional<LogRecord> head_;
  std::optional<CompactRange> tree_;
  bool write_state_read_ = false;  // head_, tree_ and the next numbers, read under the lock
  // Kept across transactions, since no row is ever changed or deleted:
  // whether the ledger has committed a spend entry, and advertisers and
  // platforms seen committed (consulted in writes only). written_names_:
  // the ids this write added, not committed until it is.
  bool spend_committed_ = false;
  std::unordered_map<std::string, Advertiser> committed_advertisers_;
  std::unordered_map<std::string, Platform> committed_platforms_;
  std::unordered_set<std::string> written_names_;
  bool tree_dirty_ = false;
  std::vector<TreeNode> completed_;
};

}  // namespace

std::unique_ptr<Store> open_postgresql_store(const std::string& url, OpenMode mode, const StoreOptions& options) {
  const std::string shown = display_url(url);
  auto refuse = [&](const std::string& why) -> void { throw_storage("database " + quote(shown) + ": " + why); };
  try {
    pq::load();
  } catch (const Error& e) {
    refuse(e.what());
  }
  // Parsed first, so that a malformed URL is named as one, not as a
  // server that cannot be reached.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = pq::PQconninfoParse(url.c_str(), &parse_error);
  if (!parsed) {
    std::string why = first_line(parse_error);
    pq::PQfreemem(parse_error);
    refuse("not a PostgreSQL connection URL: " + why);
  }
  pq::PQconninfoFree(parsed);
  // The command's --wait bounds the wait for the server too.
  std::string connect_timeout = std::to_string(std::max<std::int64_t>(2, options.wait_ms / 1000));
  const char* keywords[] = {"dbname", "connect_timeout", "application_name", "client_encoding", nullptr};
  const char* values[] = {url.c_str(), connect_timeout.c_str(), "adledger", "UTF8", nullptr};
  ConnHandle conn(pq::PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (!conn) refuse("cannot connect: out of memory");
  if (pq::PQstatus(conn.get()) != CONNECTION_OK) refuse("cannot connect: " + first_line(pq::PQerrorMessage(conn.get())));

  // The server's notices and warnings (a shutdown's "terminating
  // connection" among them) are not printed: adledger says what happened
  // in its own words, on one line.
  pq::PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  auto store = std::make_unique<PgStore>(std::move(conn), url);
  const std::int64_t lock_timeout_ms = std::max<std::int64_t>(1, options.wait_ms);

  // Statements run once a connection are not prepared: the server need
  // not keep them.
  auto has_schema = [&] {
    return store->run_unprepared("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'adledger')").boolean(0, 0);
  };
  if (mode == OpenMode::CreateNew) {
    store->set_session(lock_timeout_ms);
    if (has_schema()) refuse("already exists; adledger init creates a new ledger only");
    try {
      store->exec("BEGIN");
      store->create_schema();
      store->exec("COMMIT");
    } catch (const Error& e) {
      store->exec_quietly("ROLLBACK");
      // Another adledger init got there first.
      if (std::string_view(e.what()).find("already exists") != std::string_view::npos)
        refuse("already exists; adledger init creates a new ledger only");
      throw;
    }
    return store;
  }
  // The ledger's mark, in one statement (which reads the catalogs for it);
  // only when it is not there do they say why.
  std::optional<Rows> mark = store->open_session(lock_timeout_ms, mode == OpenMode::ReadExisting);
  if (!mark) {
    if (!has_schema()) refuse("no ledger there; create one with adledger init");
    refuse("not an adledger ledger (its schema adledger has no ledger_mark table)");
  }
  if (mark->empty() || mark->text(0, 0) != "adledger") refuse("not an adledger ledger (its ledger mark is missing)");
  std::int64_t version = mark->int64(0, 1);
  if (version > kSchemaVersion)
    refuse("written by a newer adledger (schema version " + std::to_string(version) + ", this binary knows up to " +
           std::to_string(kSchemaVersion) + "); upgrade adledger");
  if (version < generated::kPostgresqlBaseVersion)
    refuse("its schema version " + std::to_string(version) + " is not one adledger writes on PostgreSQL");
  if (version < kSchemaVersion) {
    // The migration ladder, in one transaction under the writers' lock: a
    // failure leaves the ledger at the version it had. Adding to the schema
    // needs the role that owns it.
    try {
      store->migrate();
    } catch (const Error& e) {
      refuse("cannot bring it from schema version " + std::to_string(version) + " to " +
             std::to_string(kSchemaVersion) + " (connect once as the role that owns the schema adledger): " +
             e.what());
    }
  }
  if (mode == OpenMode::ReadExisting && !store->reading()) store->begin_read();  // after a migration
  return store;
}

}  // namespace ledger
