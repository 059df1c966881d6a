#include "ledger/audit/verify.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "ledger/error.hpp"
#include "ledger/policy/bans.hpp"

namespace ledger {
namespace {

using json = nlohmann::json;

std::string record_name(const LogRecord& r) {
  return "record " + std::to_string(r.seq) + " (" + r.kind + " " + r.ref + ")";
}

void add_problem(VerifyCheck& check, std::string problem) {
  if (check.problems.empty()) check.summary = problem;
  check.ok = false;
  check.problems.push_back(std::move(problem));
}

// Reads everything from the tables, keyed as the log keys it, with each
// row's content as it is now.
struct Current {
  std::map<std::pair<std::string, std::string>, std::string> content;  // (kind, ref) -> canonical JSON
  std::vector<std::string> problems;                                   // rows that cannot even be read
};

Current read_current(Store& store) {
  Current out;
  auto put = [&](const std::string& kind, const std::string& ref, const json& content) {
    out.content[{kind, ref}] = canonical(content);
  };
  std::map<std::int64_t, JournalTxn> txns;
  for (JournalTxn& t : store.journal()) txns.emplace(t.id, std::move(t));
  auto txn_of = [&](std::int64_t id) {
    auto it = txns.find(id);
    if (it != txns.end()) return it->second;
    JournalTxn missing;
    missing.id = id;
    missing.description = "(missing)";
    return missing;
  };
  for (const Platform& p : store.platforms()) put("platform", p.id, content_of(p));
  for (const Advertiser& a : store.advertisers()) put("advertiser", a.id, content_of(a));
  for (const Handle& h : store.handles()) put("handle", handle_ref(h), content_of(h));
  for (const PolicyAction& a : store.policy_actions(std::nullopt)) {
    PolicyAction as_recorded = a;
    as_recorded.withdrawal.reset();  // the withdrawal is its own record
    put("policy_action", a.id, content_of(as_recorded));
    if (a.withdrawal) put("policy_withdrawal", a.id, content_of(*a.withdrawal));
  }
  for (const SpendEntry& e : store.spend(SpendQuery{})) {
    put("spend", std::to_string(e.entry_id), content_of(e, txn_of(e.txn_id)));
    if (e.reversal) put("spend_reversal", std::to_string(e.entry_id), content_of(*e.reversal, txn_of(e.reversal->txn_id)));
  }
  for (const Pledge& p : store.pledges()) {
    put("pledge", p.id, content_of(p, txn_of(p.txn_id)));
    for (const Disbursement& d : store.disbursements_of(p.id)) put("disbursement", d.id, content_of(d, txn_of(d.txn_id)));
  }
  for (const ExchangeRate& r : store.rates()) put("rate", rate_ref(r), content_of(r));
  for (const DisclosedTotal& d : store.disclosed_totals(std::nullopt, std::nullopt))
    put("disclosed_total", d.id, content_of(d));
  return out;
}

// Names the top-level fields in which two canonical contents differ.
std::string differing(const std::string& logged, const std::string& now) {
  json a = json::parse(logged, nullptr, false), b = json::parse(now, nullptr, false);
  if (a.is_discarded() || b.is_discarded() || !a.is_object() || !b.is_object()) return "content";
  std::string out;
  for (const auto& n : differing_fields(a, b)) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "content" : out;
}

}  // namespace

bool VerifyResult::ok() const {
  for (const VerifyCheck& c : checks)
    if (!c.ok) return false;
  return true;
}

std::optional<std::string> VerifyResult::first_problem() const {
  for (const VerifyCheck& c : checks)
    if (!c.ok) return c.name + ": " + c.summary;
  return std::nullopt;
}

VerifyResult verify_ledger(Store& store, const VerifyOptions& options) {
  VerifyResult result;

  // 1. The chain: consecutive numbers, each hash following from the last.
  VerifyCheck chain{"chain", true, "", {}};
  std::vector<LogRecord> log;
  Hash previous{};
  std::int64_t expected = 1;
  store.each_log([&](const LogRecord& r) {
    log.push_back(r);
    if (r.seq != expected)
      add_problem(chain, "record " + std::to_string(expected) + " is missing (the next is " + std::to_string(r.seq) +
                             "): records were deleted");
    expected = r.seq + 1;
    Hash h = chain_hash(previous, chain_line(r.seq, r.kind, r.ref, r.recorded_at, r.content));
    if (h != r.hash)
      add_problem(chain, record_name(r) + ": its hash does not follow from the record before: the log was changed");
    previous = r.hash;
  });
  result.records = static_cast<std::int64_t>(log.size());
  if (!log.empty()) result.head = log.back().hash;
  if (chain.ok)
    chain.summary = std::to_string(log.size()) + " records, each hash follows from the one before";
  result.checks.push_back(chain);

  // 2. The records: every row as logged, and nothing that was not logged.
  VerifyCheck records{"records", true, "", {}};
  Current current;
  try {
    current = read_current(store);
  } catch (const Error& e) {
    add_problem(records, std::string("the tables cannot be read: ") + e.what());
  }
  std::set<std::pair<std::string, std::string>> logged;
  for (const LogRecord& r : log) {
    logged.insert({r.kind, r.ref});
    auto it = current.content.find({r.kind, r.ref});
    if (it == current.content.end()) {
      add_problem(records, record_name(r) + ": its row is gone from the tables");
    } else if (it->second != r.content) {
      add_problem(records, record_name(r) + ": the tables now differ from what was recorded, in " +
                               differing(r.content, it->second));
    }
  }
  for (const auto& [key, content] : current.content)
    if (!logged.contains(key))
      add_problem(records, key.first + " " + key.second + ": in the tables but never recorded in the log (added "
                                                          "behind adledger's back)");
  if (records.ok) records.summary = std::to_string(current.content.size()) + " rows, each as recorded";
  result.checks.push_back(records);

  // 3. The journal: every transaction balances, every account sums to zero
  //    over the ledger in each currency.
  VerifyCheck journal{"journal", true, "", {}};
  try {
    std::vector<JournalTxn> txns = store.journal();
    for (const JournalTxn& t : txns) {
      try {
        check_balanced(t);
      } catch (const Error& e) {
        add_problem(journal, "transaction " + std::to_string(t.id) + " (" + t.description + "): " + e.what());
      }
    }
    // From the postings themselves, not from the totals the store keeps;
    // then the kept totals must be these, account by account.
    std::vector<BalanceRow> summed = store.posting_totals();
    std::map<std::string, std::int64_t> totals;
    for (const BalanceRow& row : summed)
      totals[row.currency] = checked_add(totals[row.currency], row.balance_minor, "trial balance");
    for (const auto& [currency, total] : totals)
      if (total != 0)
        add_problem(journal, "the trial balance in " + currency + " is " + std::to_string(total) +
                                 " minor units, not zero");
    std::map<std::pair<std::string, std::string>, std::int64_t> kept;
    for (const BalanceRow& row : store.trial_balance()) kept[{row.account, row.currency}] = row.balance_minor;
    for (const BalanceRow& row : summed) {
      auto it = kept.find({row.account, row.currency});
      if (it == kept.end())
        add_problem(journal, "account " + row.account + " in " + row.currency + ": its postings sum to " +
                                 std::to_string(row.balance_minor) + " minor units, and the ledger keeps no total");
      else if (it->second != row.balance_minor)
        add_problem(journal, "account " + row.account + " in " + row.currency + ": the ledger keeps a total of " +
                                 std::to_string(it->second) + " minor units, and its postings sum to " +
                                 std::to_string(row.balance_minor));
      if (it != kept.end()) kept.erase(it);
    }
    for (const auto& [key, balance] : kept)
      add_problem(journal, "account " + key.first + " in " + key.second + ": the ledger keeps a total of " +
                               std::to_string(balance) + " minor units, and it has no postings");
    if (journal.ok)
      journal.summary = std::to_string(txns.size()) + " transactions balance; the trial balance is zero in " +
                        std::to_string(totals.size()) + (totals.size() == 1 ? " currency" : " currencies");
  } catch (const Error& e) {
    add_problem(journal, std::string("the journal cannot be read: ") + e.what());
  }
  result.checks.push_back(journal);

  // 4. References and the file itself.
  VerifyCheck references{"references", true, "", {}};
  for (std::string& p : store.integrity_problems()) add_problem(references, std::move(p));
  if (references.ok) references.summary = "every reference resolves; SQLite's quick check passes; the append-only triggers are in place";
  result.checks.push_back(references);

  // 5. The ban rule, as each spend entry was recorded: no day of it inside
  //    a ban recorded before it. (A ban recorded after spend is allowed and
  //    reported as a violation by the reports.)
  VerifyCheck bans{"bans", true, "", {}};
  try {
    std::map<std::pair<std::string, std::string>, std::int64_t> seq_of;
    for (const LogRecord& r : log) seq_of[{r.kind, r.ref}] = r.seq;
    // Only the actions that name an advertiser on a platform can ban it
    // there (policy/bans.hpp): grouped so, each entry looks at a handful.
    std::map<std::pair<std::string, std::string>, std::vector<PolicyAction>> naming;
    for (PolicyAction& a : store.policy_actions(std::nullopt))
      for (const std::string& advertiser : a.advertiser_ids) naming[{advertiser, a.platform_id}].push_back(a);
    const std::vector<PolicyAction> none;
    std::size_t checked = 0;
    for (const SpendEntry& e : store.spend(SpendQuery{})) {
      auto spend_seq = seq_of.find({"spend", std::to_string(e.entry_id)});
      if (spend_seq == seq_of.end()) continue;  // reported under "records"
      auto named = naming.find({e.advertiser_id, e.platform_id});
      std::vector<PolicyAction> before;
      for (const PolicyAction& a : named == naming.end() ? none : named->second) {
        auto a_seq = seq_of.find({"policy_action", a.id});
        if (a_seq != seq_of.end() && a_seq->second < spend_seq->second) {
          before.push_back(a);
          // As it stood then: a withdrawal recorded after the spend did not
          // count yet.
          auto w_seq = seq_of.find({"policy_withdrawal", a.id});
          if (w_seq == seq_of.end() || w_seq->second > spend_seq->second) before.back().withdrawal.reset();
        }
      }
      std::vector<BanSpan> spans = ban_spans(before, e.advertiser_id, e.platform_id);
      if (auto span = first_ban_overlapping(spans, e.period))
        add_problem(bans, "spend " + std::to_string(e.entry_id) + ": recorded inside ban " + span->ban->id +
                              ", which was recorded before it (on " + span->overlap(e.period)->to_string() + ")");
      ++checked;
    }
    if (bans.ok) bans.summary = std::to_string(checked) + " spend entries, none inside a ban recorded before it";
  } catch (const Error& e) {
    add_problem(bans, std::string("cannot be checked: ") + e.what());
  }
  result.checks.push_back(bans);

  // 6. A head published earlier: this ledger must extend it.
  if (options.count || options.head) {
    VerifyCheck published{"published head", true, "", {}};
    if (!options.count || !options.head) {
      add_problem(published, "give both --count and --head");
    } else if (*options.count < 1 || log.empty() || *options.count > log.back().seq) {
      add_problem(published, "the ledger has " + std::to_string(result.records) + " records, not " +
                                 std::to_string(*options.count) + ": it is not the ledger that head was published from");
    } else {
      // By seq, not by position: records may be missing (the chain check
      // names them), and then the published head cannot be matched.
      auto it = std::find_if(log.begin(), log.end(), [&](const LogRecord& x) { return x.seq == *options.count; });
      bool whole = it != log.end() && static_cast<std::int64_t>(it - log.begin()) + 1 == *options.count;
      if (!whole)
        add_problem(published, "records before or at " + std::to_string(*options.count) +
                                   " are missing: the published ledger is not a prefix of this one");
      else if (it->hash != *options.head)
        add_problem(published, "record " + std::to_string(*options.count) + " has hash " + to_hex(it->hash) +
                                   ", not the published " + to_hex(*options.head));
      else
        published.summary = "the ledger published with " + std::to_string(*options.count) + " records and head " +
                            to_hex(*options.head) + " is a prefix of this one";
    }
    result.checks.push_back(published);
  }
  return result;
}

}  // namespace ledger
