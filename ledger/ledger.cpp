#include "ledger/ledger.hpp"

#include <algorithm>
#include <cassert>
#include <boost/container/small_vector.hpp>
#include <limits>

#include "ledger/error.hpp"
#include "ledger/journal/journal.hpp"
#include "ledger/journal/postings.hpp"

namespace ledger {
namespace {

constexpr std::size_t kShortTextMax = 256;  // markets, tags, handles, external ids

[[noreturn]] void refuse(const std::string& message, Reason reason = Reason::None) {
  throw Error(ErrorKind::Rule, message, reason);
}

void check_short_text(std::string_view text, std::string_view field) {
  check_text(text, field);
  if (text.size() > kShortTextMax)
    throw_input(field, text, "longer than " + std::to_string(kShortTextMax) + " bytes");
}

void check_optional_text(const std::optional<std::string>& text, std::string_view field) {
  if (text) check_text(*text, field);
}

void check_count(std::int64_t count, std::int64_t min, std::string_view field) {
  if (count < min || count > kCountMax)
    throw_input(field, std::to_string(count),
                "must be between " + std::to_string(min) + " and " + format_count(kCountMax, Grouping::Thousands));
}

void sort_unique(std::vector<std::string>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

// Cuts a generated id's base so that a suffix still fits in a slug.
std::string id_base(std::string base) {
  if (base.size() > kSlugMax - 8) base.resize(kSlugMax - 8);
  while (!base.empty() && (base.back() == '-' || base.back() == '_')) base.pop_back();
  return base;
}

// The fields a record given again differs in from the one recorded, named
// as the user names them. Generated fields (entry numbers, transactions)
// are left out: they are the ledger's, not the record's.
std::vector<std::string> record_differences(nlohmann::json recorded, nlohmann::json given) {
  for (const char* generated : {"entry", "txn"}) {
    recorded.erase(generated);
    given.erase(generated);
  }
  return ledger::differing_fields(recorded, given);
}

std::string join_fields(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + fields[i];
  return out;
}

// A record given again under an id already used: the same content is a
// no-op; different content is refused, naming the fields that differ.
bool same_or_refuse(const std::string& what, const nlohmann::json& recorded, const nlohmann::json& given) {
  std::vector<std::string> fields = record_differences(recorded, given);
  if (fields.empty()) return true;
  refuse(what + ": already recorded with a different " + join_fields(fields), Reason::Conflict);
}

// A record given without an id is the same as one recorded under a
// generated id (base, base-2, base-3, ...) when their contents, ids aside,
// are equal: that record, if any.
// Only records from before the current write transaction count: two
// identical records in one import file are two records, not one given twice.
template <typename T, typename Find, typename Content, typename Before>
std::optional<T> same_generated(const std::string& base, T given, Find find, Content content, Before before) {
  for (int n = 1;; ++n) {
    given.id = n == 1 ? base : base + "-" + std::to_string(n);
    std::optional<T> existing = find(given.id);
    if (!existing) return std::nullopt;
    if (before(existing->id) && record_differences(content(*existing), content(given)).empty()) return existing;
  }
}

std::string kind_slug(PolicyKind kind) {
  std::string s(to_string(kind));
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

}  // namespace

void Ledger::check_source(const std::string& source, const SourceDetails& details) const {
  check_text(source, "source");
  if (details.empty()) return;
  // An access date is checked against the day of the write: today for a
  // new record, the day it was recorded for one replayed from the log.
  check_source_details(details, details.accessed ? parse_date(clock_().substr(0, 10), "now") : Date());
}

void Ledger::require_write() const {
  assert(store_.in_write() && "ledger writes run inside a WriteTransaction");
}

// Notes the log's head as the current write transaction found it, at the
// first log() or check in it: every record goes through log(), so until
// then the head is where the transaction began.
void Ledger::note_write_start() {
  if (txn_start_generation_ == store_.write_generation()) return;
  std::optional<LogRecord> head = store_.log_head();
  txn_start_seq_ = head ? head->seq : 0;
  txn_start_generation_ = store_.write_generation();
}

void Ledger::begin_part() {
  txn_start_generation_ = 0;  // no transaction's: noted again at the next record
  spend_before_write_.reset();
}

void Ledger::set_author(std::string author) {
  if (!author.empty()) check_author(author);
  author_ = std::move(author);
}

bool Ledger::recorded_before_this_write(const std::string& kind, const std::string& ref) {
  note_write_start();
  std::optional<std::int64_t> seq = store_.find_log_seq(kind, ref);
  return !seq || *seq <= txn_start_seq_;
}

void Ledger::log(const std::string& kind, const std::string& ref, const nlohmann::json& content) {
  note_write_start();
  append_record(store_, kind, ref, content, clock_(), author_);
}

void Ledger::log(const std::string& kind, const std::string& ref, std::string canonical_content) {
  note_write_start();
  append_record(store_, kind, ref, std::move(canonical_content), clock_(), author_);
}

// Empties what the Ledger read from the store when it may no longer be
// right (Store::cache_generation), and forgets at each write transaction
// whether the ledger held spend entries before it.
void Ledger::refresh_caches() {
  // What a Ledger kept from one write to the next (the server's) caches is
  // bounded: past this many entries, a write starts with the caches empty.
  constexpr std::size_t kCachesKeptMax = std::size_t{1} << 18;
  bool stale = caches_generation_ != store_.cache_generation();
  if (spend_generation_ != store_.write_generation()) {
    spend_before_write_.reset();  // a question about each write transaction
    spend_generation_ = store_.write_generation();
    stale = stale || balances_.size() + spans_.size() + known_advertisers_.size() > kCachesKeptMax;
  }
  if (!stale) return;
  // What was cached may have been rolled back, or another writer may have
  // committed since.
  balances_.clear();
  upper_totals_.clear();
  posted_volumes_.clear();
  known_advertisers_.clear();
  known_platforms_.clear();
  forget_bans();
  caches_generation_ = store_.cache_generation();
}

void Ledger::bulk_load() {
  if (!store_.in_write()) return;
  store_.begin_bulk_load();
  store_.defer_spend_index();
}

void Ledger::forget_bans() {
  spans_.clear();  // before the actions they point into
  actions_by_platform_.clear();
}

const std::vector<BanSpan>& Ledger::cached_ban_spans(const std::string& advertiser_id, const std::string& platform_id) {
  refresh_caches();
  auto found = spans_.find(StringPairView(advertiser_id, platform_id));
  if (found != spans_.end()) return found->second;
  auto actions = actions_by_platform_.find(platform_id);
  if (actions == actions_by_platform_.end())
    actions = actions_by_platform_.emplace(platform_id, store_.policy_actions(platform_id)).first;
  return spans_.emplace(std::make_pair(advertiser_id, platform_id), ban_spans(actions->second, advertiser_id, platform_id))
      .first->second;
}

// Checks and stores a journal transaction. Besides balancing, no account's
// balance may leave int64: a write that would make `balance` overflow later
// is refused now, while nothing has been stored.
std::int64_t Ledger::post(const JournalTxn& txn) {
  check_balanced(txn);
  refresh_caches();
  // The balances each posting adds to, and those to set once the
  // transaction is stored: pointers to the map's values, which stay valid
  // when an insert rehashes the map. A transaction has a few postings:
  // these stay off the heap (this runs once a spend entry).
  boost::container::small_vector<std::int64_t*, 4> kept;
  boost::container::small_vector<std::pair<std::int64_t*, std::int64_t>, 4> next;
  std::vector<std::pair<std::string, std::string>> unknown;
  for (const Posting& p : txn.postings) {
    auto it = balances_.find(StringPairView(p.account, p.amount.currency().code()));
    kept.push_back(it == balances_.end() ? nullptr : &it->second);
    if (!kept.back()) unknown.emplace_back(p.account, p.amount.currency().code());
  }
  if (unknown.size() > 1) store_.prefetch_balances(unknown);
  for (std::size_t i = 0; i < txn.postings.size(); ++i) {
    const Posting& p = txn.postings[i];
    const std::string& code = p.amount.currency().code();
    std::int64_t* balance = kept[i];
    if (!balance) {
      auto it = balances_.find(StringPairView(p.account, code));  // an earlier posting's account, perhaps
      if (it == balances_.end())
        it = balances_.emplace(std::make_pair(p.account, code), store_.account_balance(p.account, code)).first;
      balance = &it->second;
    }
    // Two postings of one transaction to the same account add up.
    std::int64_t base = *balance;
    for (const auto& [other, value] : next)
      if (other == balance) base = value;
    std::int64_t sum = 0;
    if (__builtin_add_overflow(base, p.amount.minor(), &sum))
      checked_add(base, p.amount.minor(), "the balance of " + p.account + " in " + code);  // throws, with its name
    next.emplace_back(balance, sum);
  }
  // Every sum of postings in a currency lies within plus or minus the sum
  // of its debits: a transaction that would take that past the largest
  // amount is refused, so that every report, balance and check of the
  // ledger can still be formed.
  boost::container::small_vector<std::pair<std::int64_t*, std::int64_t>, 4> volumes;
  for (const Posting& p : txn.postings) {
    if (p.amount.minor() <= 0) continue;  // a credit: balanced by the debits
    const std::string& code = p.amount.currency().code();
    auto it = posted_volumes_.find(code);
    if (it == posted_volumes_.end()) it = posted_volumes_.emplace(code, store_.posted_volume(code)).first;
    std::int64_t base = it->second;
    for (const auto& [volume, value] : volumes)
      if (volume == &it->second) base = value;
    std::int64_t magnitude = p.amount.minor();
    std::int64_t sum = 0;
    if (__builtin_add_overflow(base, magnitude, &sum))
      throw Error(ErrorKind::Input,
                  "amount " + Money(magnitude, p.amount.currency()).format() + " " + code + ": the ledger's debits in " +
                      code + " would add up to more than " +
                      Money(std::numeric_limits<std::int64_t>::max(), p.amount.currency()).format() + " " + code +
                      ", the largest amount it can hold; its balance, reports and checks could not sum them");
    volumes.emplace_back(&it->second, sum);
  }
  std::int64_t id = store_.add_journal_txn(txn);
  for (const auto& [balance, value] : next) *balance = value;  // only once the transaction is stored
  for (const auto& [volume, value] : volumes) *volume = value;
  return id;
}

namespace {

// The edit distance of two short ids (Levenshtein), case ignored.
std::size_t id_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean rt?" when some ids are close to `given` (the same but for
// case, or a typo or two away), nearest first, at most three; else empty.
std::string did_you_mean(const std::string& given, const std::vector<std::string>& ids) {
  if (given.size() > 2 * kSlugMax) return {};
  const std::size_t allowed = std::max<std::size_t>(1, given.size() / 4);
  std::vector<std::pair<std::size_t, std::string>> close;
  for (const std::string& id : ids)
    if (std::size_t d = id_distance(given, id); d <= allowed) close.emplace_back(d, id);
  if (close.empty()) return {};
  std::sort(close.begin(), close.end());
  std::string out = "; did you mean ";
  for (std::size_t i = 0; i < close.size() && i < 3; ++i) out += (i ? " or " : "") + close[i].second;
  return out + "?";
}

}  // namespace

Advertiser Ledger::advertiser(const std::string& id) {
  auto found = store_.find_advertiser(id);
  if (!found) {
    std::vector<std::string> ids;
    for (const Advertiser& a : store_.advertisers()) ids.push_back(a.id);
    refuse("advertiser " + quote(id) + ": no such advertiser" + did_you_mean(id, ids), Reason::NotFound);
  }
  return *found;
}

Platform Ledger::platform(const std::string& id) {
  auto found = store_.find_platform(id);
  if (!found) {
    std::vector<std::string> ids;
    for (const Platform& p : store_.platforms()) ids.push_back(p.id);
    refuse("platform " + quote(id) + ": no such platform" + did_you_mean(id, ids), Reason::NotFound);
  }
  return *found;
}

ExchangeRate Ledger::set_rate(const ExchangeRate& r) {
  require_write();
  if (r.from == r.to) throw_input("to", r.to.code(), "is the currency converted from");
  check_source(r.source, r.source_details);
  const std::string what = "rate " + r.from.code() + " " + r.to.code() + " on " + format_date(r.date);
  if (auto existing = store_.find_rate(r.from, r.to, r.date)) {
    same_or_refuse(what, content_of(*existing), content_of(r));
    outcome_ = Outcome::Unchanged;
    return *existing;
  }
  store_.add_rate(r);
  log("rate", rate_ref(r), content_of(r));
  outcome_ = Outcome::Recorded;
  return r;
}

void Ledger::add_platform(const Platform& p) {
  require_write();
  check_slug(p.id, "platform");
  check_text(p.name, "name");
  if (auto existing = store_.find_platform(p.id)) {
    same_or_refuse("platform " + quote(p.id), content_of(*existing), content_of(p));
    outcome_ = Outcome::Unchanged;
    return;
  }
  store_.add_platform(p);
  log("platform", p.id, content_of(p));
  outcome_ = Outcome::Recorded;
}

void Ledger::add_advertiser(const Advertiser& a) {
  require_write();
  check_slug(a.id, "advertiser");
  check_text(a.name, "name");
  if (a.country) {
    const std::string& c = *a.country;
    if (c.size() != 2 || !std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
      throw_input("country", c, "a country is a two-letter ISO 3166-1 code in capitals, such as RU");
  }
  if (auto existing = store_.find_advertiser(a.id)) {
    same_or_refuse("advertiser " + quote(a.id), content_of(*existing), content_of(a));
    outcome_ = Outcome::Unchanged;
    return;
  }
  store_.add_advertiser(a);
  log("advertiser", a.id, content_of(a));
  outcome_ = Outcome::Recorded;
}

void Ledger::link_handle(const Handle& h) {
  require_write();
  check_short_text(h.handle, "handle");
  advertiser(h.advertiser_id);
  platform(h.platform_id);
  if (auto existing = store_.find_handle(h.platform_id, h.handle)) {
    if (existing->advertiser_id == h.advertiser_id) {
      outcome_ = Outcome::Unchanged;
      return;
    }
    refuse("handle " + quote(h.handle) + ": already linked to advertiser " + existing->advertiser_id + " on " +
           h.platform_id);
  }
  store_.add_handle(h);
  log("handle", handle_ref(h), content_of(h));
  outcome_ = Outcome::Recorded;
}

SpendEntry Ledger::record_spend(SpendEntry e) {
  require_write();
  refresh_caches();
  if (store_.asks_in_round_trips()) {
    // What this entry will ask the store, said first, so that a server
    // gets the questions with the first of them rather than one each.
    if (e.external_id && e.external_id->size() <= kShortTextMax) store_.prefetch_spend_by_external_id(*e.external_id);
    const std::string& code = e.amount.currency().code();
    std::string expense = spend_expense_account(e.advertiser_id, e.platform_id);
    std::string income = spend_income_account(e.platform_id, e.advertiser_id);
    if (!balances_.contains(StringPairView(expense, code)) || !balances_.contains(StringPairView(income, code)))
      store_.prefetch_balances({{std::move(expense), code}, {std::move(income), code}});
  }
  // Read at the write's first spend entry, before it stores any: whether
  // entries recorded before this write are there to be found again.
  if (!spend_before_write_) spend_before_write_ = store_.has_spend();
  if (!known_advertisers_.contains(e.advertiser_id)) {
    advertiser(e.advertiser_id);
    known_advertisers_.insert(e.advertiser_id);
  }
  if (!known_platforms_.contains(e.platform_id)) {
    platform(e.platform_id);
    known_platforms_.insert(e.platform_id);
  }
  if (e.precision == Precision::Range) {
    // A range posts its lower bound, which may be zero ("less than 100").
    if (e.amount.minor() < 0) throw_input("amount", e.amount.format(), "a lower bound must not be negative");
    if (e.upper) {
      if (e.upper->currency() != e.amount.currency())
        throw_input("upper", e.upper->format(), "must be in the entry's currency, " + e.amount.currency().code());
      if (e.upper->minor() <= 0 || e.upper->minor() < e.amount.minor())
        throw_input("upper", e.upper->format(),
                    "must be greater than zero and not below the lower bound " + e.amount.format());
    }
  } else {
    if (e.amount.minor() <= 0) throw_input("amount", e.amount.format(), "must be greater than zero");
    if (e.upper)
      throw_input("upper", e.upper->format(),
                  "only a range has an upper bound (precision range; this entry is " +
                      std::string(to_string(e.precision)) + ")");
  }
  if (e.handle) {
    check_short_text(*e.handle, "handle");
    auto linked = store_.find_handle(e.platform_id, *e.handle);
    if (!linked || linked->advertiser_id != e.advertiser_id)
      refuse("handle " + quote(*e.handle) + ": not linked to advertiser " + e.advertiser_id + " on " +
             e.platform_id + " (use adledger advertiser link)");
  }
  if (e.items) check_count(*e.items, 0, "items");
  if (e.items_precision == Precision::Range)
    throw_input("items_precision", "range", "an item count is one figure: exact, approximate or estimated");
  if (!e.items && e.items_precision != Precision::Exact)
    throw_input("items_precision", to_string(e.items_precision),
                "given without items: only an item count has a precision");
  check_short_text(e.market, "market");
  for (const std::string& tag : e.tags) check_short_text(tag, "tag");
  sort_unique(e.tags);
  check_source(e.source, e.source_details);
  check_optional_text(e.note, "note");
  if (e.external_id) {
    check_short_text(*e.external_id, "id");
    if (auto existing = store_.find_spend_by_external_id(*e.external_id)) {
      same_or_refuse("id " + quote(*e.external_id) + ": spend entry #" + std::to_string(existing->entry_id),
                     content_of(*existing, JournalTxn{}), content_of(e, JournalTxn{}));
      outcome_ = Outcome::Unchanged;
      return *existing;
    }
  } else {
    // Without an id, an entry with the very same content (and no id either)
    // recorded before this write is this one given again. Two identical
    // entries in one file are two entries.
    std::vector<SpendEntry> earlier;
    if (*spend_before_write_)
      earlier = store_.spend(SpendQuery{e.advertiser_id, e.platform_id, e.period, SpendQuery::Match::Exact});
    for (const SpendEntry& existing : earlier) {
      if (existing.external_id || existing.period != e.period) continue;
      if (!recorded_before_this_write("spend", std::to_string(existing.entry_id))) continue;
      if (record_differences(content_of(existing, JournalTxn{}), content_of(e, JournalTxn{})).empty()) {
        outcome_ = Outcome::Unchanged;
        return existing;
      }
    }
  }

  // Enforcement: no day of the entry's period may fall in a ban.
  if (auto span = first_ban_overlapping(cached_ban_spans(e.advertiser_id, e.platform_id), e.period);
      span && !replaying_) {
    const PolicyAction& ban = *span->ban;
    refuse("spend refused: advertiser " + e.advertiser_id + " is banned on " + e.platform_id + " from " +
           format_date(ban.date) + (span->end ? " until " + format_date(*span->end) : std::string()) +
           " by policy action " + ban.id + " (source: " + ban.source + "); period " + e.period.to_string() +
           " overlaps it on " + span->overlap(e.period)->to_string());
  }

  // Upper bounds are never posted, so their sum is bounded here, as
  // post() bounds balances: every report's sum of them then fits.
  std::int64_t* upper_total = nullptr;
  std::int64_t upper_next = 0;
  if (e.upper) {
    refresh_caches();
    const std::string& code = e.amount.currency().code();
    auto it = upper_totals_.find(code);
    if (it == upper_totals_.end()) it = upper_totals_.emplace(code, store_.upper_bound_total(code)).first;
    upper_next = checked_add(it->second, e.upper->minor(), "the sum of the ledger's upper bounds in " + code);
    upper_total = &it->second;
  }

  JournalTxn txn = spend_txn(e);
  e.txn_id = post(txn);
  e.entry_id = store_.add_spend(e);
  if (upper_total) *upper_total = upper_next;  // only once the entry is stored
  txn.id = e.txn_id;
  log("spend", std::to_string(e.entry_id), canonical_spend(e, txn));  // written by hand: the import's hot path
  outcome_ = Outcome::Recorded;
  return e;
}

PolicyWithdrawal Ledger::withdraw_action(const std::string& action_id, const std::string& reason,
                                         const std::string& source, const SourceDetails& details) {
  require_write();
  check_text(reason, "reason");
  check_source(source, details);
  std::optional<PolicyAction> a = store_.find_policy_action(action_id);
  if (!a) refuse("policy action " + quote(action_id) + ": no such policy action", Reason::NotFound);
  if (a->withdrawal) {
    if (a->withdrawal->reason == reason && a->withdrawal->source == source &&
        a->withdrawal->source_details == details) {
      outcome_ = Outcome::Unchanged;
      return *a->withdrawal;
    }
    refuse("policy action " + quote(action_id) + ": already withdrawn (" + a->withdrawal->reason + ")", Reason::Conflict);
  }
  PolicyWithdrawal w{action_id, reason, source, details};
  store_.add_policy_withdrawal(w);
  forget_bans();  // a withdrawn ban refuses nothing from now on
  log("policy_withdrawal", action_id, content_of(w));
  outcome_ = Outcome::Recorded;
  return w;
}

RecordWithdrawal Ledger::withdraw(Withdrawable record, const std::string& id, const std::string& reason,
                                  const std::string& source, const SourceDetails& details) {
  require_write();
  check_text(reason, "reason");
  check_source(source, details);
  const std::string kind(log_kind_of_withdrawal(record));
  // The same withdrawal again is a no-op; another one is refused.
  auto already = [&](const std::string& what, const RecordWithdrawal& w) -> bool {
    if (w.reason == reason && w.source == source && w.source_details == details) {
      outcome_ = Outcome::Unchanged;
      return true;
    }
    refuse(what + " " + quote(id) + ": already withdrawn (" + w.reason + ")", Reason::Conflict);
  };
  RecordWithdrawal w{reason, source, details, 0};
  switch (record) {
    case Withdrawable::Pledge: {
      std::optional<Pledge> p = store_.find_pledge(id);
      if (!p) refuse("pledge " + quote(id) + ": no such pledge", Reason::NotFound);
      if (p->withdrawal && already("pledge", *p->withdrawal)) return *p->withdrawal;
      // What was paid on it stays paid until its payments are withdrawn
      // too: a pledge is withdrawn after them, so that no payment is left
      // on a pledge that counts for nothing.
      std::string paid;
      for (const Disbursement& d : store_.disbursements_of(id))
        if (!d.withdrawal) paid += (paid.empty() ? "" : ", ") + d.id;
      if (!paid.empty())
        refuse("pledge " + quote(id) + ": has disbursements (" + paid + "); withdraw them first", Reason::Conflict);
      p->withdrawal = w;
      JournalTxn txn = withdrawal_txn(*p);
      w.txn_id = p->withdrawal->txn_id = post(txn);
      txn.id = w.txn_id;
      store_.add_withdrawal(record, id, w);
      log(kind, id, content_of_withdrawal(*p, txn));
      break;
    }
    case Withdrawable::Disbursement: {
      std::optional<Disbursement> d = store_.find_disbursement(id);
      if (!d) refuse("disbursement " + quote(id) + ": no such disbursement", Reason::NotFound);
      if (d->withdrawal && already("disbursement", *d->withdrawal)) return *d->withdrawal;
      std::optional<Pledge> pledge = store_.find_pledge(d->pledge_id);
      if (!pledge) refuse("pledge " + quote(d->pledge_id) + ": no such pledge", Reason::NotFound);
      d->withdrawal = w;
      JournalTxn txn = withdrawal_txn(*d, pledge->platform_id);
      w.txn_id = d->withdrawal->txn_id = post(txn);
      txn.id = w.txn_id;
      store_.add_withdrawal(record, id, w);
      log(kind, id, content_of_withdrawal(*d, txn));
      break;
    }
    case Withdrawable::DisclosedTotal: {
      std::optional<DisclosedTotal> d = store_.find_disclosed_total(id);
      if (!d) refuse("disclosed total " + quote(id) + ": no such disclosed total", Reason::NotFound);
      if (d->withdrawal && already("disclosed total", *d->withdrawal)) return *d->withdrawal;
      d->withdrawal = w;
      store_.add_withdrawal(record, id, w);
      log(kind, id, content_of_withdrawal(*d));
      break;
    }
  }
  outcome_ = Outcome::Recorded;
  return w;
}

SpendReversal Ledger::reverse_spend(std::int64_t entry_id, const std::string& reason, const std::string& source,
                                    const SourceDetails& details) {
  require_write();
  check_text(reason, "reason");
  check_source(source, details);
  std::optional<SpendEntry> e = store_.find_spend(entry_id);
  if (!e) refuse("entry " + quote(std::to_string(entry_id)) + ": no such spend entry", Reason::NotFound);
  if (e->reversal) {
    if (e->reversal->reason == reason && e->reversal->source == source && e->reversal->source_details == details) {
      outcome_ = Outcome::Unchanged;
      return *e->reversal;
    }
    refuse("entry " + quote(std::to_string(entry_id)) + ": already reversed (" + e->reversal->reason + ")", Reason::Conflict);
  }
  // The same postings with their signs turned, on the original's date, so
  // that balances by date net to zero where the entry was.
  SpendReversal r{entry_id, reason, source, details, 0};
  e->reversal = r;
  JournalTxn txn = reversal_txn(*e);
  r.txn_id = post(txn);
  txn.id = r.txn_id;
  store_.add_spend_reversal(r);
  log("spend_reversal", std::to_string(entry_id), content_of(r, txn));
  outcome_ = Outcome::Recorded;
  return r;
}

std::string Ledger::unused_action_id(const std::string& base) {
  std::string b = id_base(base);
  if (!store_.find_policy_action(b)) return b;
  for (int n = 2;; ++n) {
    std::string candidate = b + "-" + std::to_string(n);
    if (!store_.find_policy_action(candidate)) return candidate;
  }
}

PolicyAction Ledger::record_policy_action(PolicyAction a) {
  require_write();
  platform(a.platform_id);
  sort_unique(a.advertiser_ids);
  for (const std::string& id : a.advertiser_ids) advertiser(id);
  check_text(a.description, a.kind == PolicyKind::AdBan || a.kind == PolicyKind::BanLift ? "reason" : "description");
  check_source(a.source, a.source_details);
  check_optional_text(a.note, "note");
  std::string kind(to_string(a.kind));

  // A lift that names the ban it lifts and no advertiser lifts it for every
  // advertiser the ban names: filled in first, so that the same lift given
  // again compares equal to the one recorded.
  if (a.kind == PolicyKind::BanLift && a.lifts_action_id && a.advertiser_ids.empty()) {
    if (auto ban = store_.find_policy_action(*a.lifts_action_id); ban && ban->kind == PolicyKind::AdBan)
      a.advertiser_ids = ban->advertiser_ids;
  }

  // Given again: by its id, or without one, as the action its generated id
  // names. The same action is a no-op, before any rule is applied again.
  if (a.id.empty()) {
    auto existing = same_generated(
        id_base(a.platform_id + "-" + kind_slug(a.kind) + "-" + format_date(a.date)), a,
        [&](const std::string& id) { return store_.find_policy_action(id); },
        [](const PolicyAction& x) { return content_of(x); },
        [&](const std::string& id) { return recorded_before_this_write("policy_action", id); });
    if (existing) {
      outcome_ = Outcome::Unchanged;
      return *existing;
    }
  } else {
    check_slug(a.id, "id");
    if (auto existing = store_.find_policy_action(a.id)) {
      same_or_refuse("policy action " + quote(a.id), content_of(*existing), content_of(a));
      outcome_ = Outcome::Unchanged;
      return *existing;
    }
  }

  if (a.end_date && a.kind != PolicyKind::AdBan)
    throw_input("end_date", format_date(*a.end_date), "only an ad_ban has an end date, not a " + kind);
  if (a.lifts_action_id && a.kind != PolicyKind::BanLift)
    throw_input("lifts", *a.lifts_action_id, "only a ban_lift lifts a ban, not a " + kind);
  if (a.account_count && a.kind != PolicyKind::Suspension)
    throw_input("accounts", std::to_string(*a.account_count), "only a suspension counts accounts, not a " + kind);

  switch (a.kind) {
    case PolicyKind::AdBan:
      if (a.advertiser_ids.empty()) throw Error(ErrorKind::Input, "advertiser: an ad ban names at least one advertiser");
      if (a.end_date && *a.end_date <= a.date)
        throw_input("end_date", format_date(*a.end_date),
                    "must be after the effective date " + format_date(a.date));
      break;
    case PolicyKind::BanLift:
      if (a.lifts_action_id) {
        auto ban = store_.find_policy_action(*a.lifts_action_id);
        if (!ban || ban->kind != PolicyKind::AdBan)
          refuse("lifts " + quote(*a.lifts_action_id) + ": no such ad ban");
        if (ban->platform_id != a.platform_id)
          refuse("lifts " + quote(*a.lifts_action_id) + ": that ban is on " + ban->platform_id + ", not " +
                 a.platform_id);
        if (a.date < ban->date)
          throw_input("date", format_date(a.date),
                      "a lift cannot precede the ban it lifts (effective " + format_date(ban->date) + ")");
        if (a.advertiser_ids.empty()) a.advertiser_ids = ban->advertiser_ids;
        for (const std::string& id : a.advertiser_ids) {
          if (!std::binary_search(ban->advertiser_ids.begin(), ban->advertiser_ids.end(), id))
            refuse("advertiser " + quote(id) + ": not named by ban " + ban->id);
        }
      }
      if (a.advertiser_ids.empty())
        throw Error(ErrorKind::Input, "advertiser: a ban lift names at least one advertiser or the ban it lifts");
      if (!a.lifts_action_id && !replaying_) {
        // A lift must end something: each advertiser needs a ban on this
        // platform that is effective by the lift's date.
        std::vector<PolicyAction> actions = store_.policy_actions(a.platform_id);
        for (const std::string& id : a.advertiser_ids) {
          std::vector<BanSpan> spans = ban_spans(actions, id, a.platform_id);
          bool any = std::any_of(spans.begin(), spans.end(), [&](const BanSpan& s) { return s.first <= a.date; });
          if (!any)
            refuse("advertiser " + quote(id) + ": no ban on " + a.platform_id + " effective by " +
                   format_date(a.date) + " for this lift to end");
        }
      }
      break;
    case PolicyKind::Suspension:
      if (a.account_count) check_count(*a.account_count, 1, "accounts");
      if (a.advertiser_ids.empty() && !a.account_count)
        throw Error(ErrorKind::Input, "advertiser: a suspension names an advertiser or a count of accounts");
      break;
    case PolicyKind::Disclosure:
    case PolicyKind::TargetingChange:
      break;
  }

  if (a.id.empty()) {
    a.id = unused_action_id(a.platform_id + "-" + kind_slug(a.kind) + "-" + format_date(a.date));
  } else {
    check_slug(a.id, "id");
  }
  store_.add_policy_action(a);
  forget_bans();  // a new ban refuses spend from now on
  log("policy_action", a.id, content_of(a));
  outcome_ = Outcome::Recorded;
  return a;
}

Pledge Ledger::record_pledge(Pledge p) {
  require_write();
  platform(p.platform_id);
  if (p.amount.minor() <= 0) throw_input("amount", p.amount.format(), "must be greater than zero");
  check_text(p.beneficiary, "beneficiary");
  check_source(p.source, p.source_details);
  check_optional_text(p.note, "note");
  if (p.basis_advertiser_id) advertiser(*p.basis_advertiser_id);
  std::string base = id_base(p.platform_id + "-pledge-" + format_date(p.date));
  if (!p.id.empty()) check_slug(p.id, "id");
  {
    auto content = [](const Pledge& x) { return content_of(x, JournalTxn{}); };
    std::optional<Pledge> existing;
    if (p.id.empty()) {
      existing = same_generated(
          base, p, [&](const std::string& id) { return store_.find_pledge(id); }, content,
          [&](const std::string& id) { return recorded_before_this_write("pledge", id); });
    } else if ((existing = store_.find_pledge(p.id))) {
      same_or_refuse("pledge " + quote(p.id), content(*existing), content(p));
    }
    if (existing) {
      outcome_ = Outcome::Unchanged;
      return *existing;
    }
  }
  if (p.id.empty()) {
    // Another pledge by the platform that day, recorded before, not
    // withdrawn, and not the same: most likely this one mistyped, so it is
    // refused rather than recorded beside it (the mistyped one is withdrawn
    // first; a second pledge that day names itself with an id). Two pledges
    // of one day in one file are two pledges, as two identical records in a
    // file are two records.
    std::optional<Pledge> other = store_.find_pledge(base);
    if (other && !other->withdrawal && recorded_before_this_write("pledge", other->id)) {
      Pledge given = p;
      given.id = other->id;
      refuse("pledge: " + p.platform_id + " already has a pledge on " + format_date(p.date) + ", " + other->id +
                 " (" + other->amount.format(Grouping::Thousands) + " " + other->amount.currency().code() + " to " +
                 other->beneficiary + "), and this one differs in its " +
                 join_fields(record_differences(content_of(*other, JournalTxn{}), content_of(given, JournalTxn{}))) +
                 "; a pledge is never corrected by recording it again: if this is a second pledge that day, give "
                 "it its own id",
             Reason::Conflict);
    }
    p.id = base;
    for (int n = 2; store_.find_pledge(p.id); ++n) p.id = base + "-" + std::to_string(n);
  }
  JournalTxn txn = pledge_txn(p);
  p.txn_id = post(txn);
  store_.add_pledge(p);
  txn.id = p.txn_id;
  log("pledge", p.id, content_of(p, txn));
  outcome_ = Outcome::Recorded;
  return p;
}

DisclosedTotal Ledger::record_disclosed_total(DisclosedTotal d) {
  require_write();
  platform(d.platform_id);
  advertiser(d.advertiser_id);
  if (d.amount.minor() <= 0) throw_input("amount", d.amount.format(), "must be greater than zero");
  if (d.precision == Precision::Range)
    throw_input("precision", "range", "a disclosed total is one figure: exact, approximate or estimated");
  if (d.period.first() > d.date)
    throw_input("date", format_date(d.date), "precedes the range it discloses (" + d.period.to_string() + ")");
  check_source(d.source, d.source_details);
  check_optional_text(d.note, "note");
  std::string base = id_base(d.platform_id + "-" + d.advertiser_id + "-disclosed-" + format_date(d.date));
  if (!d.id.empty()) check_slug(d.id, "id");
  {
    auto content = [](const DisclosedTotal& x) { return content_of(x); };
    std::optional<DisclosedTotal> existing;
    if (d.id.empty()) {
      existing =
          same_generated(base, d, [&](const std::string& id) { return store_.find_disclosed_total(id); }, content,
                         [&](const std::string& id) { return recorded_before_this_write("disclosed_total", id); });
    } else if ((existing = store_.find_disclosed_total(d.id))) {
      same_or_refuse("disclosed total " + quote(d.id), content(*existing), content(d));
    }
    if (existing) {
      outcome_ = Outcome::Unchanged;
      return *existing;
    }
  }
  if (d.id.empty()) {
    d.id = base;
    for (int n = 2; store_.find_disclosed_total(d.id); ++n) d.id = base + "-" + std::to_string(n);
  }
  store_.add_disclosed_total(d);
  log("disclosed_total", d.id, content_of(d));
  outcome_ = Outcome::Recorded;
  return d;
}

Disbursement Ledger::disburse(Disbursement d) {
  require_write();
  PledgeStatus status = pledge_status(d.pledge_id);
  const Pledge& pledge = status.pledge;
  if (d.amount.currency() != pledge.amount.currency())
    throw_input("currency", d.amount.currency().code(),
                "pledge " + pledge.id + " is in " + pledge.amount.currency().code());
  if (d.amount.minor() <= 0) throw_input("amount", d.amount.format(), "must be greater than zero");
  if (!d.id.empty()) check_slug(d.id, "id");
  // Given again (by its id, or without one as the same amount, date and
  // source on this pledge): a no-op, before the outstanding check.
  for (const Disbursement& existing : status.disbursements) {
    Disbursement same = d;
    if (same.id.empty()) {
      if (!recorded_before_this_write("disbursement", existing.id)) continue;  // an identical one in this file
      same.id = existing.id;
    }
    if (same.id != existing.id) continue;
    nlohmann::json recorded = content_of(existing, JournalTxn{}), given = content_of(same, JournalTxn{});
    if (!d.id.empty()) same_or_refuse("disbursement " + quote(d.id), recorded, given);
    if (!d.id.empty() || record_differences(recorded, given).empty()) {
      outcome_ = Outcome::Unchanged;
      return existing;
    }
  }
  if (!d.id.empty() && store_.disbursement_exists(d.id))
    refuse("disbursement " + quote(d.id) + ": already recorded, on another pledge", Reason::Conflict);
  // A payment recorded before is the same again (above); a new one on a
  // withdrawn pledge is refused.
  if (pledge.withdrawal)
    refuse("pledge " + quote(pledge.id) + ": withdrawn (" + pledge.withdrawal->reason + "); it takes no payment",
           Reason::Conflict);
  if (d.amount.minor() > status.outstanding_minor) {
    refuse("amount " + quote(d.amount.format()) + ": exceeds what is outstanding on pledge " + pledge.id + " (" +
           format_minor(status.outstanding_minor, pledge.amount.currency().decimals(), Grouping::Thousands) + " " +
           pledge.amount.currency().code() + ")");
  }
  if (d.date < pledge.date)
    throw_input("date", format_date(d.date), "precedes the pledge it pays (" + format_date(pledge.date) + ")");
  check_source(d.source, d.source_details);
  if (d.id.empty()) {
    std::string base = id_base(pledge.id);
    std::size_t n = status.disbursements.size() + 1;
    do {
      d.id = base + "-" + std::to_string(n++);
    } while (store_.disbursement_exists(d.id));
  }
  JournalTxn txn = disbursement_txn(d, pledge.platform_id);
  d.txn_id = post(txn);
  store_.add_disbursement(d);
  txn.id = d.txn_id;
  log("disbursement", d.id, content_of(d, txn));
  outcome_ = Outcome::Recorded;
  return d;
}

BanCheck Ledger::ban_status(const std::string& advertiser_id, const std::string& platform_id, const Date& on) {
  advertiser(advertiser_id);
  platform(platform_id);
  std::vector<PolicyAction> actions = store_.bans_naming(advertiser_id, platform_id);
  return ban_check_of(BanTimeline(ban_spans(actions, advertiser_id, platform_id)), advertiser_id, platform_id, on);
}

BanCheck ban_check_of(const BanTimeline& timeline, const std::string& advertiser_id, const std::string& platform_id,
                      const Date& on) {
  // The verdict that `ban-status --batch` gives too (BanTimeline::verdict):
  // the ban in force, and the first day no ban covers, following bans that
  // overlap or abut to the end of the chain.
  BanCheck check{advertiser_id, platform_id, on, false, std::nullopt, std::nullopt, std::nullopt};
  BanVerdict verdict = timeline.verdict(on);
  if (verdict.banned()) {
    check.banned = true;
    check.ban = *verdict.ban;
    check.until = verdict.until;
    if (verdict.lifted_by) check.lifted_by = *verdict.lifted_by;
  }
  return check;
}

PledgeStatus Ledger::pledge_status(const std::string& pledge_id) {
  auto pledge = store_.find_pledge(pledge_id);
  if (!pledge) refuse("pledge " + quote(pledge_id) + ": no such pledge", Reason::NotFound);
  PledgeStatus status{*pledge, store_.disbursements_of(pledge_id), 0, 0};
  for (const Disbursement& d : status.disbursements)
    if (!d.withdrawal)
      status.disbursed_minor = checked_add(status.disbursed_minor, d.amount.minor(), "disbursed total");
  // A withdrawn pledge owes nothing (and has no payment left on it).
  status.outstanding_minor =
      pledge->withdrawal ? 0 : checked_sub(pledge->amount.minor(), status.disbursed_minor, "outstanding amount");
  return status;
}

}  // namespace ledger
