// The storage interface: everything adledger keeps, and nothing about how.
//
// All SQL lives behind this interface (storage/sqlite/ is the embedded
// default), so that another backend can follow without touching the domain
// rules in ledger.hpp or the reports. A Store stores and finds records; it
// does not decide whether a record is allowed. Writes happen only inside a
// write transaction (see WriteTransaction below), and a failed write leaves
// the store exactly as it was before the transaction began.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ledger/audit/chain.hpp"
#include "ledger/audit/merkle.hpp"
#include "ledger/journal/journal.hpp"
#include "ledger/records.hpp"

namespace ledger {

struct BalanceRow {
  std::string account;
  std::string currency;
  std::int64_t balance_minor = 0;
};

// The sums the ledger keeps per currency (schema version 10): its debits,
// and the upper bounds of its spend ranges.
struct CurrencyTotal {
  std::string currency;
  std::int64_t debits_minor = 0;
  std::int64_t upper_minor = 0;
};

// What a write transaction adds to those sums, held until it commits; a
// store gives plus(kept) as the sums the write sees. Overflow checked.
class PendingCurrencySums {
 public:
  void add_debits(const JournalTxn& txn) {  // its positive postings
    for (const Posting& p : txn.postings)
      if (p.amount.minor() > 0) {
        CurrencyTotal& sums = of(p.amount.currency().code());
        std::int64_t sum = 0;  // the message is made only for an overflow: this runs once an entry
        if (__builtin_add_overflow(sums.debits_minor, p.amount.minor(), &sum))
          checked_add(sums.debits_minor, p.amount.minor(), "the debits in " + sums.currency);  // throws
        sums.debits_minor = sum;
      }
  }
  void add_upper(const Money& upper) {
    CurrencyTotal& sums = of(upper.currency().code());
    sums.upper_minor = checked_add(sums.upper_minor, upper.minor(), "the upper bounds in " + sums.currency);
  }
  CurrencyTotal plus(CurrencyTotal kept) const {
    if (auto it = sums_.find(kept.currency); it != sums_.end()) {
      kept.debits_minor = checked_add(kept.debits_minor, it->second.debits_minor, "the debits in " + kept.currency);
      kept.upper_minor = checked_add(kept.upper_minor, it->second.upper_minor, "the upper bounds in " + kept.currency);
    }
    return kept;
  }
  const std::map<std::string, CurrencyTotal>& by_currency() const { return sums_; }
  void clear() { sums_.clear(); }

 private:
  CurrencyTotal& of(const std::string& currency) {
    return sums_.try_emplace(currency, CurrencyTotal{currency, 0, 0}).first->second;
  }
  std::map<std::string, CurrencyTotal> sums_;
};

// Which spend entries to fetch: all of an advertiser's, optionally on one
// platform, optionally only those whose period overlaps a range.
struct SpendQuery {
  std::optional<std::string> advertiser_id;
  std::optional<std::string> platform_id;
  std::optional<Period> overlapping;
  // With `overlapping`, and an advertiser and a platform: Exact, only the
  // entries of that very period; SameStart, only those that start on its
  // first day (the versions of one ad, whatever their last day). Both are
  // index lookups, where an overlap reads every earlier entry of the
  // advertiser.
  enum class Match { Overlap, Exact, SameStart };
  Match match = Match::Overlap;
};

// The log's head as a Merkle tree (audit/merkle.hpp): its size and root.
struct TreeHead {
  std::int64_t size = 0;
  Hash root{};
};

// A token that may use `adledger serve` (schema version 11): the ledger
// keeps its SHA-256, never the token itself.
struct ApiToken {
  std::string name;  // the author of what is written with it
  std::string role;  // reader, recorder or admin
  Hash token_sha256{};
  std::string created_at;
  std::optional<std::string> revoked_at;  // set once revoked; never cleared
};

// The answer a write over HTTP gave, kept under the Idempotency-Key it was
// sent with, so that the same request sent again gets the same answer.
struct IdempotentWrite {
  std::string token_name;
  std::string key;
  Hash request_sha256{};  // of the method, target, content type and body
  int status = 0;
  std::string answer;     // the response body
  std::string created_at;
};

// How the log hashes its records: a linear chain (schema versions 3 to 6,
// which a migration still writes) or the leaves of a Merkle tree.
enum class LogFormat { Chain, Tree };

class Store {
 public:
  virtual ~Store() = default;

  // Transactions. begin_write takes the write lock at once (SQLite's BEGIN
  // IMMEDIATE), so that a busy ledger is waited for, not failed mid-write.
  virtual void begin_write() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  virtual bool in_write() const noexcept = 0;
  // A write that can be undone part way and go on under the same lock:
  // restart_write() undoes everything it wrote since it began, as a
  // rollback would, but keeps the lock, so that no other writer comes
  // between (the server commits many requests' records in one transaction,
  // and takes out a refused one this way). A savepoint costs a little on
  // every later change (SQLite keeps the pages it changes), so a write
  // asks for it only when it may need it.
  virtual void begin_restartable_write() = 0;
  virtual void restart_write() = 0;
  // A store opened to read (OpenMode::ReadExisting) reads one snapshot of
  // the ledger for its life. A reader that lives long (the server) takes a
  // new one, the ledger as it is now, between two questions.
  virtual void renew_read() = 0;
  // Counts write transactions begun: a cache of what the store holds is
  // good for one write transaction, the one this number names.
  virtual std::uint64_t write_generation() const noexcept = 0;
  // Names the state of the committed ledger that a cache of it (balances,
  // policy actions, advertisers) was read in, for write transactions: it
  // stays the same from one write to the next only when the first
  // committed and nothing else was committed between them, so that what a
  // cache holds after a commit is still right at the next write. A store
  // that cannot tell changes it every write transaction.
  virtual std::uint64_t cache_generation() const noexcept { return write_generation(); }
  // A bulk load into a ledger that holds no spend entry: the index of the
  // entries by account is dropped for the rest of this write and built once
  // as it commits, as a bulk load into an empty table is best done (a
  // rollback restores it). False, and nothing done, when the ledger holds
  // spend entries or outside a write.
  virtual bool defer_spend_index() = 0;
  // A bulk load begins in the write under way: the store may prepare for
  // many rows (SQLite: a larger page cache until the write ends). Nothing
  // outside a write.
  virtual void begin_bulk_load() {}
  // Whether the ledger holds a spend entry.
  virtual bool has_spend() = 0;

  // Writes. Each throws a rule error on a duplicate key.
  virtual void add_platform(const Platform& platform) = 0;
  virtual void add_advertiser(const Advertiser& advertiser) = 0;
  virtual void add_handle(const Handle& handle) = 0;
  virtual std::int64_t add_journal_txn(const JournalTxn& txn) = 0;  // returns its id
  virtual std::int64_t add_spend(const SpendEntry& entry) = 0;      // returns its entry id
  virtual void add_policy_action(const PolicyAction& action) = 0;
  virtual void add_pledge(const Pledge& pledge) = 0;
  virtual void add_disbursement(const Disbursement& disbursement) = 0;
  virtual void add_disclosed_total(const DisclosedTotal& disclosed) = 0;
  virtual void add_spend_reversal(const SpendReversal& reversal) = 0;
  virtual void add_policy_withdrawal(const PolicyWithdrawal& withdrawal) = 0;
  // The withdrawal of the pledge, disbursement or disclosed total `id`.
  virtual void add_withdrawal(Withdrawable record, const std::string& id, const RecordWithdrawal& withdrawal) = 0;
  virtual void add_rate(const ExchangeRate& rate) = 0;
  // Appends to the record log; the caller has computed seq and hash (the
  // chain hash, or the leaf hash, as log_format() says).
  virtual void append_log(const LogRecord& record) = 0;
  virtual LogFormat log_format() const noexcept = 0;

  // Reads.
  virtual std::optional<Platform> find_platform(const std::string& id) = 0;
  virtual std::vector<Platform> platforms() = 0;
  virtual std::optional<Advertiser> find_advertiser(const std::string& id) = 0;
  virtual std::vector<Advertiser> advertisers() = 0;
  virtual std::optional<Handle> find_handle(const std::string& platform_id, const std::string& handle) = 0;
  virtual std::vector<Handle> handles_of(const std::string& advertiser_id) = 0;
  virtual std::vector<Handle> handles() = 0;  // every handle, by platform then handle
  virtual std::optional<SpendEntry> find_spend(std::int64_t entry_id) = 0;
  virtual std::optional<SpendEntry> find_spend_by_external_id(const std::string& external_id) = 0;
  // A hint, within a write: find_spend_by_external_id will be asked for
  // this id before the write stores any entry with it. A store that pays a
  // round trip a question may send it with the next question it sends.
  virtual void prefetch_spend_by_external_id(const std::string& /*external_id*/) {}
  virtual std::vector<SpendEntry> spend(const SpendQuery& query) = 0;
  // Every spend entry, by entry number, one at a time: never held whole.
  virtual void each_spend(const std::function<void(const SpendEntry&)>& visit) = 0;
  // The entries numbered after `after`, by number, until `visit` returns
  // false: a page of a list reads that page, not the ledger.
  virtual void each_spend_after(std::int64_t after, const std::function<bool(const SpendEntry&)>& visit) = 0;
  virtual std::optional<PolicyAction> find_policy_action(const std::string& id) = 0;
  // Policy actions on a platform (or all platforms), ordered by date then id.
  virtual std::vector<PolicyAction> policy_actions(const std::optional<std::string>& platform_id) = 0;
  // The ad bans and ban lifts on a platform that name an advertiser,
  // withdrawn or not, in the same order: what its ban status there is
  // made of. A store a round trip away asks only for these.
  virtual std::vector<PolicyAction> bans_naming(const std::string& advertiser_id, const std::string& platform_id) {
    std::vector<PolicyAction> out;
    for (PolicyAction& a : policy_actions(platform_id))
      if ((a.kind == PolicyKind::AdBan || a.kind == PolicyKind::BanLift) &&
          std::binary_search(a.advertiser_ids.begin(), a.advertiser_ids.end(), advertiser_id))
        out.push_back(std::move(a));
    return out;
  }
  virtual std::optional<Pledge> find_pledge(const std::string& id) = 0;
  virtual std::vector<Pledge> pledges() = 0;
  virtual std::vector<Disbursement> disbursements_of(const std::string& pledge_id) = 0;
  virtual bool disbursement_exists(const std::string& id) = 0;
  virtual std::optional<Disbursement> find_disbursement(const std::string& id) = 0;
  virtual std::optional<DisclosedTotal> find_disclosed_total(const std::string& id) = 0;
  // Disclosed totals, optionally of one advertiser and/or on one platform,
  // ordered by platform, advertiser, period start, id.
  virtual std::vector<DisclosedTotal> disclosed_totals(const std::optional<std::string>& advertiser_id,
                                                       const std::optional<std::string>& platform_id) = 0;
  // The rate of `from` in `to` given for exactly `date`, and the latest on
  // or before it; every rate, by currencies then date.
  virtual std::optional<ExchangeRate> find_rate(const Currency& from, const Currency& to, const Date& date) = 0;
  virtual std::optional<ExchangeRate> rate_on(const Currency& from, const Currency& to, const Date& date) = 0;
  virtual std::vector<ExchangeRate> rates() = 0;
  virtual std::vector<JournalTxn> journal() = 0;  // by date, then id
  // The journal's transactions dated within `range` (all without one), by
  // date then id, one at a time: the journal is never held whole.
  virtual void each_txn(const std::optional<Period>& range, const std::function<void(const JournalTxn&)>& visit) = 0;
  virtual std::optional<JournalTxn> find_txn(std::int64_t id) = 0;

  // The record log (audit/chain.hpp).
  // A record's content is rebuilt from its rows (the log keeps only its
  // hash); a record whose rows are gone or unreadable has none, and says
  // why in row_problem. Within a write, log_head() leaves the content out:
  // there the head only extends the log.
  virtual std::optional<LogRecord> log_head() = 0;  // the last record
  virtual TreeHead tree_head() = 0;                 // the Merkle tree of every record
  virtual std::optional<LogRecord> log_record(std::int64_t seq) = 0;
  virtual std::optional<LogRecord> find_log(const std::string& kind, const std::string& ref) = 0;
  virtual std::optional<std::int64_t> find_log_seq(const std::string& kind, const std::string& ref) = 0;
  virtual void each_log(const std::function<void(const LogRecord&)>& visit) = 0;  // by seq
  // Who recorded each journal transaction whose record names an author:
  // the spend entry, reversal, pledge or disbursement behind it. In no
  // particular order; transactions with no author are not visited.
  virtual void each_txn_author(const std::function<void(std::int64_t txn_id, const std::string& author)>& visit) = 0;
  // Who recorded one record, by its kind and ref (empty: nobody named, or
  // no such record): an index lookup, for a page of a list.
  virtual std::string record_author(const std::string& kind, const std::string& ref) = 0;
  // The same for several records of one kind, in the order of `refs`: one
  // question, where the store is a round trip away.
  virtual std::vector<std::string> record_authors(const std::string& kind, const std::vector<std::string>& refs) {
    std::vector<std::string> out;
    out.reserve(refs.size());
    for (const std::string& ref : refs) out.push_back(record_author(kind, ref));
    return out;
  }
  // Who a write records as its author when none is named: the database role
  // on PostgreSQL; nobody (empty) for an SQLite file, which has no users.
  virtual std::string default_author() = 0;
  // The leaf hashes of records first_seq to first_seq + count - 1 (fewer if
  // the log ends before), in order.
  virtual std::vector<Hash> leaf_hashes(std::int64_t first_seq, std::int64_t count) = 0;
  // The stored root of a complete subtree of the log's tree (level
  // kKeptNodeLevel or more; merkle.hpp), and every one stored, by level
  // then index.
  virtual std::optional<Hash> tree_node(int level, std::int64_t index) = 0;
  virtual void each_tree_node(const std::function<void(const TreeNode&)>& visit) = 0;
  // What SQLite's own checks find wrong (foreign keys, page integrity), one
  // line each; empty when all is well.
  virtual std::vector<std::string> integrity_problems() = 0;
  // The sum of an account's postings in one currency (0 if none).
  virtual std::int64_t account_balance(const std::string& account, const std::string& currency) = 0;
  // Whether each question to the store is a round trip to a server, so
  // that the hints below pay for the work of giving them.
  virtual bool asks_in_round_trips() const noexcept { return false; }
  // A hint, within a write: account_balance will be asked for each of these
  // (account, currency) pairs, now or after other questions. A store that
  // pays a round trip a question asks them all at once, with the next
  // question it sends.
  virtual void prefetch_balances(const std::vector<std::pair<std::string, std::string>>& /*pairs*/) {}
  // The sum of the upper bounds of the spend ranges in `currency`.
  virtual std::int64_t upper_bound_total(const std::string& currency) = 0;
  // The sum of the debits (the positive postings) in `currency`, which is
  // that of the credits: every sum of postings that a report, the trial
  // balance or a check forms lies within plus or minus it.
  // Both read the sums the store keeps (currency_totals), with what the
  // write transaction has added so far: no entry is summed to answer.
  virtual std::int64_t posted_volume(const std::string& currency) = 0;
  // The kept sums, by currency, as committed and as the write transaction
  // has added to them; verify compares them with the postings and entries.
  virtual std::vector<CurrencyTotal> currency_totals() = 0;
  // Balance per account and currency, ordered by account then currency:
  // the totals the store keeps as it posts (an account whose postings net
  // to zero has a row of 0).
  virtual std::vector<BalanceRow> trial_balance() = 0;
  // The same computed from the postings themselves, which verify compares
  // with trial_balance().
  virtual std::vector<BalanceRow> posting_totals() = 0;

  // Who may use the server, and what its writes answered: rows outside the
  // record log, append-only like it. Adding and revoking happen in a write
  // transaction; a name or hash already there is a rule error.
  virtual void add_api_token(const ApiToken& token) = 0;
  virtual void revoke_api_token(const std::string& name, const std::string& revoked_at) = 0;
  virtual std::vector<ApiToken> api_tokens() = 0;  // by name
  virtual std::optional<ApiToken> find_api_token(const Hash& token_sha256) = 0;
  virtual void add_idempotent_write(const IdempotentWrite& write) = 0;
  virtual std::optional<IdempotentWrite> find_idempotent_write(const std::string& token_name,
                                                               const std::string& key) = 0;
};

// Runs a write transaction for the life of a scope: begins in the
// constructor, rolls back in the destructor unless commit() was called.
class WriteTransaction {
 public:
  explicit WriteTransaction(Store& store) : store_(store) { store_.begin_write(); }
  struct Restartable {};
  WriteTransaction(Store& store, Restartable) : store_(store) { store_.begin_restartable_write(); }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction() {
    if (!done_) store_.rollback();
  }
  void commit() {
    store_.commit();
    done_ = true;
  }

 private:
  Store& store_;
  bool done_ = false;
};

}  // namespace ledger
