#include "ledger/audit/replay.hpp"

#include "ledger/audit/chain.hpp"
#include "ledger/error.hpp"
#include "ledger/ledger.hpp"
#include "ledger/storage/sqlite/sqlite_store.hpp"

namespace ledger {
namespace {

using json = nlohmann::json;

template <typename T>
std::optional<T> opt(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<T>();
}

std::optional<Date> opt_date(const json& j, const char* key) {
  auto text = opt<std::string>(j, key);
  if (!text) return std::nullopt;
  return parse_date(*text, key);
}

Money money(const json& j) { return Money(j.at("minor").get<std::int64_t>(), Currency::from_code(j.at("currency").get<std::string>())); }

Period period(const json& j, const char* first, const char* last) {
  return Period(parse_date(j.at(first).get<std::string>(), first), parse_date(j.at(last).get<std::string>(), last));
}

// Replays one logged record through the ledger's write methods.
void replay(Ledger& ledger, const LogRecord& r) {
  json c = json::parse(r.content);
  const std::string& k = r.kind;
  if (k == "platform") {
    ledger.add_platform(Platform{c.at("id"), c.at("name")});
  } else if (k == "advertiser") {
    ledger.add_advertiser(Advertiser{c.at("id"), c.at("name"), opt<std::string>(c, "country"), c.at("state_affiliated")});
  } else if (k == "handle") {
    ledger.link_handle(Handle{c.at("advertiser"), c.at("platform"), c.at("handle")});
  } else if (k == "spend") {
    SpendEntry e;
    e.advertiser_id = c.at("advertiser");
    e.platform_id = c.at("platform");
    e.handle = opt<std::string>(c, "handle");
    e.amount = money(c);
    e.period = period(c, "first", "last");
    e.items = opt<std::int64_t>(c, "items");
    if (auto items_precision = opt<std::string>(c, "items_precision"))
      e.items_precision = parse_count_precision(*items_precision);
    e.market = c.at("market");
    e.tags = c.at("tags").get<std::vector<std::string>>();
    e.precision = parse_precision(c.at("precision").get<std::string>());
    e.source = c.at("source");
    e.source_details = source_details_in(c);
    e.external_id = opt<std::string>(c, "external_id");
    e.note = opt<std::string>(c, "note");
    if (auto upper = opt<std::int64_t>(c, "upper")) e.upper = Money(*upper, e.amount.currency());
    SpendEntry recorded = ledger.record_spend(e);
    if (recorded.entry_id != c.at("entry").get<std::int64_t>())
      throw Error(ErrorKind::Storage, "record " + std::to_string(r.seq) + " replays as spend entry #" +
                                          std::to_string(recorded.entry_id) + ", not #" + c.at("entry").dump());
  } else if (k == "spend_reversal") {
    ledger.reverse_spend(c.at("entry"), c.at("reason"), c.at("source"), source_details_in(c));
  } else if (k == "policy_action") {
    PolicyAction a;
    a.id = c.at("id");
    a.kind = parse_policy_kind(c.at("kind").get<std::string>());
    a.platform_id = c.at("platform");
    a.advertiser_ids = c.at("advertisers").get<std::vector<std::string>>();
    a.date = parse_date(c.at("date").get<std::string>());
    a.end_date = opt_date(c, "end_date");
    a.lifts_action_id = opt<std::string>(c, "lifts");
    a.account_count = opt<std::int64_t>(c, "accounts");
    a.description = c.at("description");
    a.source = c.at("source");
    a.source_details = source_details_in(c);
    a.note = opt<std::string>(c, "note");
    ledger.record_policy_action(a);
  } else if (k == "policy_withdrawal") {
    ledger.withdraw_action(c.at("action"), c.at("reason"), c.at("source"), source_details_in(c));
  } else if (k == "pledge") {
    Pledge p;
    p.id = c.at("id");
    p.platform_id = c.at("platform");
    p.amount = money(c);
    p.date = parse_date(c.at("date").get<std::string>());
    p.beneficiary = c.at("beneficiary");
    p.basis_advertiser_id = opt<std::string>(c, "basis_advertiser");
    if (!c.at("basis_first").is_null()) p.basis_period = period(c, "basis_first", "basis_last");
    p.source = c.at("source");
    p.source_details = source_details_in(c);
    p.note = opt<std::string>(c, "note");
    ledger.record_pledge(p);
  } else if (k == "disbursement") {
    Disbursement d;
    d.id = c.at("id");
    d.pledge_id = c.at("pledge");
    d.amount = money(c);
    d.date = parse_date(c.at("date").get<std::string>());
    d.source = c.at("source");
    d.source_details = source_details_in(c);
    ledger.disburse(d);
  } else if (k == "rate") {
    ledger.set_rate(ExchangeRate{Currency::from_code(c.at("from").get<std::string>()),
                                 Currency::from_code(c.at("to").get<std::string>()),
                                 parse_date(c.at("date").get<std::string>()), Rate::parse(c.at("rate").get<std::string>()),
                                 c.at("source"), source_details_in(c)});
  } else if (k == "disclosed_total") {
    DisclosedTotal d;
    d.id = c.at("id");
    d.platform_id = c.at("platform");
    d.advertiser_id = c.at("advertiser");
    d.amount = money(c);
    d.period = period(c, "first", "last");
    d.date = parse_date(c.at("date").get<std::string>());
    d.precision = parse_precision(c.at("precision").get<std::string>());
    d.source = c.at("source");
    d.source_details = source_details_in(c);
    d.note = opt<std::string>(c, "note");
    ledger.record_disclosed_total(d);
  } else if (k == "pledge_withdrawal") {
    ledger.withdraw(Withdrawable::Pledge, c.at("pledge"), c.at("reason"), c.at("source"), source_details_in(c));
  } else if (k == "disbursement_withdrawal") {
    ledger.withdraw(Withdrawable::Disbursement, c.at("disbursement"), c.at("reason"), c.at("source"),
                    source_details_in(c));
  } else if (k == "disclosed_total_withdrawal") {
    ledger.withdraw(Withdrawable::DisclosedTotal, c.at("disclosure"), c.at("reason"), c.at("source"),
                    source_details_in(c));
  } else {
    throw Error(ErrorKind::Storage, "record " + std::to_string(r.seq) + ": unknown kind " + quote(k));
  }
}

// Replays one record at the time it was recorded and checks that it
// hashes to the leaf the source logged.
void replay_checked(Ledger& ledger, Store& destination, const LogRecord& r, std::string& now) {
  now = r.recorded_at;
  ledger.set_author(r.author);
  try {
    replay(ledger, r);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::Storage, "record " + std::to_string(r.seq) + " (" + r.kind + " " + r.ref +
                                        "): cannot be replayed: " + e.what());
  } catch (const Error& e) {
    throw Error(ErrorKind::Storage, "record " + std::to_string(r.seq) + " (" + r.kind + " " + r.ref +
                                        "): cannot be replayed: " + e.what());
  }
  std::optional<LogRecord> head = destination.log_head();
  if (!head || head->seq != r.seq || head->hash != r.hash)
    throw Error(ErrorKind::Storage, "record " + std::to_string(r.seq) + " (" + r.kind + " " + r.ref +
                                        "): replays to another hash; run adledger verify");
}

}  // namespace

std::string as_of_timestamp(const std::string& as_of) {
  if (as_of.size() == 10) {
    parse_date(as_of, "as-of");
    return as_of + "T23:59:59.999Z";
  }
  check_timestamp(as_of, "as-of");
  return as_of;
}

std::unique_ptr<Store> ledger_as_of(Store& source, const std::string& as_of) {
  const std::string until = as_of_timestamp(as_of);
  std::vector<LogRecord> records;
  source.each_log([&](const LogRecord& r) {
    // The log is in recording order; recorded_at only grows along it (one
    // clock), so the records up to the moment are a prefix.
    if (r.recorded_at <= until) records.push_back(r);
  });
  std::unique_ptr<Store> snapshot = open_sqlite_store(":memory:", OpenMode::CreateNew);
  std::string now;
  Ledger ledger(*snapshot, [&now] { return now; });
  ledger.set_replaying(true);
  WriteTransaction txn(*snapshot);
  for (const LogRecord& r : records) replay_checked(ledger, *snapshot, r, now);
  txn.commit();
  return snapshot;
}

std::int64_t copy_log(Store& source, Store& destination) {
  if (std::int64_t held = destination.tree_head().size; held != 0)
    throw Error(ErrorKind::Rule, "the destination already holds " + std::to_string(held) +
                                     " records; a ledger is copied into a new or empty one only");
  std::string now;
  Ledger ledger(destination, [&now] { return now; });
  ledger.set_replaying(true);
  WriteTransaction txn(destination);
  std::int64_t copied = 0;
  source.each_log([&](const LogRecord& r) {
    if (!r.row_problem.empty())
      throw Error(ErrorKind::Storage, "record " + std::to_string(r.seq) + " (" + r.kind + " " + r.ref +
                                          ") of the source cannot be copied: " + r.row_problem + " (run adledger verify)");
    replay_checked(ledger, destination, r, now);
    ++copied;
  });
  TreeHead from = source.tree_head();
  TreeHead to = destination.tree_head();
  if (from.size != to.size || from.root != to.root)
    throw Error(ErrorKind::Storage, "the copy's tree (" + std::to_string(to.size) + " records, root " + to_hex(to.root) +
                                        ") is not the source's (" + std::to_string(from.size) + " records, root " +
                                        to_hex(from.root) + "); nothing was copied (run adledger verify on the source)");
  txn.commit();
  return copied;
}

}  // namespace ledger
