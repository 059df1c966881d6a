// The ledger: the domain rules over a Store.
//
// This is where a request becomes a record or is refused: references must
// exist, ids must be new, money must balance, and spend that a ban forbids is
// refused with a message naming the ban. Every write method must be called
// inside a WriteTransaction on the same store, so that a caller decides what
// one transaction is (one command, or one whole import file) and a refusal
// anywhere leaves nothing behind.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ledger/audit/chain.hpp"
#include "ledger/journal/journal.hpp"
#include "ledger/policy/bans.hpp"
#include "ledger/records.hpp"
#include "ledger/storage/store.hpp"

namespace ledger {

// Whether an advertiser is banned on a platform on a day, and by what.
struct BanCheck {
  std::string advertiser_id;
  std::string platform_id;
  Date on;
  bool banned = false;
  std::optional<PolicyAction> ban;        // the ban in force, if banned
  std::optional<Date> until;              // first day allowed again, if known
  std::optional<PolicyAction> lifted_by;  // the lift that ends it, if any
};

// The check of one pair on one day from its ban timeline (the verdict that
// `ban-status --batch` gives too).
BanCheck ban_check_of(const BanTimeline& timeline, const std::string& advertiser_id, const std::string& platform_id,
                      const Date& on);

struct PledgeStatus {
  Pledge pledge;
  std::vector<Disbursement> disbursements;
  std::int64_t disbursed_minor = 0;
  std::int64_t outstanding_minor = 0;
};

// What a write did: recorded something new, or found the very same record
// already there (a no-op: recording the same thing twice changes nothing).
enum class Outcome { Recorded, Unchanged };

class Ledger {
 public:
  // `clock` gives the time each record is recorded at (audit/chain.hpp's
  // utc_now by default; tests and reproducible runs pin it).
  explicit Ledger(Store& store, std::function<std::string()> clock = utc_now)
      : store_(store), clock_(std::move(clock)) {}

  Store& store() { return store_; }

  // Whether the last write recorded something or found it already there.
  Outcome last_outcome() const { return outcome_; }

  // Who records what this ledger records from now on: a name each record
  // carries in the record log (audit/chain.hpp), or empty for nobody named.
  // Throws an input error for a name check_author refuses.
  void set_author(std::string author);
  const std::string& author() const { return author_; }

  // Replaying a log (audit/replay.hpp) records what was recorded, in the
  // order it was: rules that relate a record to others recorded before it
  // (a ban refusing spend, a lift needing a ban) were applied then and are
  // not applied again, since a migrated log may order them differently.
  void set_replaying(bool replaying) { replaying_ = replaying; }

  // Another write begins inside the same transaction (the server commits
  // a group of requests in one): what this write finds "recorded before
  // it" is the log as it stands now. What the ledger keeps of the
  // transaction (balances, bans) stays good.
  void begin_part();
  // Many records follow in this write (an import): the store may prepare
  // for them (Store::begin_bulk_load) and hold back what it can build once
  // at the end (Store::defer_spend_index).
  void bulk_load();

  // Writes. Each checks its input fully before it stores anything.
  void add_platform(const Platform& platform);
  void add_advertiser(const Advertiser& advertiser);
  void link_handle(const Handle& handle);
  SpendEntry record_spend(SpendEntry entry);               // sets entry_id, txn_id
  PolicyAction record_policy_action(PolicyAction action);  // assigns an id if empty
  Pledge record_pledge(Pledge pledge);                     // assigns an id if empty
  Disbursement disburse(Disbursement disbursement);        // assigns an id if empty
  DisclosedTotal record_disclosed_total(DisclosedTotal disclosed);  // assigns an id if empty
  // A rate for one day: the same again is a no-op, another for that day is
  // refused (a rate is never edited; another day takes another rate).
  ExchangeRate set_rate(const ExchangeRate& rate);
  // Reverses a spend entry: records a transaction that undoes its postings.
  SpendReversal reverse_spend(std::int64_t entry_id, const std::string& reason, const std::string& source,
                              const SourceDetails& details = {});
  // Withdraws a policy action recorded by mistake: it stays, and counts for
  // nothing (a withdrawn ban refuses no spend and bans no one).
  PolicyWithdrawal withdraw_action(const std::string& action_id, const std::string& reason, const std::string& source,
                                   const SourceDetails& details = {});
  // Withdraws a pledge, a disbursement or a disclosed total recorded by
  // mistake: it stays, and counts for nothing. A pledge or a disbursement
  // records a transaction that undoes its postings; a pledge with payments
  // not withdrawn is refused (they are withdrawn first). The same
  // withdrawal again is a no-op; another one is refused.
  RecordWithdrawal withdraw(Withdrawable record, const std::string& id, const std::string& reason,
                            const std::string& source, const SourceDetails& details = {});

  // Writes, like every write, go into the record log; this is the one way in.
  void log(const std::string& kind, const std::string& ref, const nlohmann::json& content);
  void log(const std::string& kind, const std::string& ref, std::string canonical_content);

  // Reads.
  Advertiser advertiser(const std::string& id);  // throws a rule error if unknown
  Platform platform(const std::string& id);      // throws a rule error if unknown
  BanCheck ban_status(const std::string& advertiser_id, const std::string& platform_id, const Date& on);
  PledgeStatus pledge_status(const std::string& pledge_id);

 private:
  void require_write() const;
  // Checks a record's source and its details (check_source_details).
  void check_source(const std::string& source, const SourceDetails& details) const;
  // Whether a record was logged before the current write transaction began
  // (a record given again matches only those).
  bool recorded_before_this_write(const std::string& kind, const std::string& ref);
  void note_write_start();
  std::int64_t post(const JournalTxn& txn);
  std::string unused_action_id(const std::string& base);

  Store& store_;
  std::function<std::string()> clock_;
  std::string author_;
  Outcome outcome_ = Outcome::Recorded;
  bool replaying_ = false;
  // Account balances read or written in the current write transaction, so
  // that posting N entries to one account costs N, not N^2 (post() checks
  // every balance stays within int64).
  // Keyed by account and currency code, hashed: an import posts twice an
  // entry, and ordered comparisons of account names showed in its profile.
  StringPairMap<std::int64_t> balances_;
  // The sum of the upper bounds of the ranges recorded, per currency: kept
  // within an amount, as balances are, so that no report's sum of them can
  // overflow. Cached like the balances.
  std::map<std::string, std::int64_t> upper_totals_;
  // The sum of the debits (the positive postings), per currency: kept within
  // an amount too, so that no sum of postings that a report, the trial
  // balance or verify forms can overflow. Cached like the balances.
  std::map<std::string, std::int64_t> posted_volumes_;
  // Advertisers and platforms found to exist, and each pair's ban spans
  // (over its platform's policy actions), so that an import of a million
  // entries reads them once, not once an entry. A policy action or a
  // withdrawal recorded empties the ban caches.
  std::unordered_set<std::string> known_advertisers_;
  std::unordered_set<std::string> known_platforms_;
  std::map<std::string, std::vector<PolicyAction>> actions_by_platform_;
  StringPairMap<std::vector<BanSpan>> spans_;
  const std::vector<BanSpan>& cached_ban_spans(const std::string& advertiser_id, const std::string& platform_id);
  void forget_bans();
  std::uint64_t caches_generation_ = 0;  // the store's cache_generation() the caches belong to
  std::uint64_t spend_generation_ = 0;   // the write transaction spend_before_write_ belongs to
  // Whether the ledger held a spend entry before this write, found at its
  // first spend entry: when it held none, no entry without an id can be one
  // recorded before, and none is looked for.
  std::optional<bool> spend_before_write_;
  void refresh_caches();  // empties them when another transaction began
  std::int64_t txn_start_seq_ = 0;
  std::uint64_t txn_start_generation_ = 0;
};

}  // namespace ledger
