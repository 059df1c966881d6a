#include "ledger/audit/verify.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "ledger/audit/merkle.hpp"
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

// What the log says of each record, kept while the log is read: enough to
// find unlogged rows and to order bans and spend as they were recorded.
struct Logged {
  std::vector<std::int64_t> spend_seq;     // by entry id; 0 when not logged
  std::vector<char> reversal_logged;       // by entry id
  std::set<std::pair<std::string, std::string>> other;  // (kind, ref) of every other record
  std::map<std::string, std::int64_t> action_seq, withdrawal_seq;
};

// An entry id from a log reference, or 0 for one that is not a number.
std::int64_t entry_of(const std::string& ref) {
  std::int64_t id = 0;
  for (char c : ref) {
    if (c < '0' || c > '9' || id > (INT64_MAX - 9) / 10) return 0;
    id = id * 10 + (c - '0');
  }
  return id;
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

  // 1. The log: consecutive numbers, each record's leaf hash the hash of
  //    the record as its rows hold it now, and the tree the ledger keeps
  //    the tree of those leaves. A record whose rows changed has another
  //    leaf; a record that was deleted leaves a gap.
  VerifyCheck chain{"chain", true, "", {}};
  VerifyCheck records{"records", true, "", {}};
  Logged logged;
  CompactRange tree;
  std::vector<TreeNode> nodes;  // the complete subtrees the ledger should keep, by level later
  Hash chained{};  // the linear chain of the same lines, for heads published before version 7
  std::optional<Hash> root_at_count, chain_at_count;
  std::int64_t expected = 1;
  std::int64_t rebuilt = 0;
  const std::int64_t count = options.count.value_or(0);
  const std::int64_t since_size = options.since ? options.since->size : 0;
  const std::vector<Hash>* published_log = options.since && options.since->published_leaves
                                           ? &*options.since->published_leaves : nullptr;
  std::optional<Hash> root_at_since;
  std::optional<std::string> first_differing;  // the first record that differs from the published log
  store.each_log([&](const LogRecord& r) {
    if (r.seq != expected)
      add_problem(chain, "record " + std::to_string(expected) + " is missing (the next is " + std::to_string(r.seq) +
                             "): records were deleted");
    expected = r.seq + 1;
    tree.append(r.hash, kKeptNodeLevel, nodes);
    if (!r.row_problem.empty()) {
      add_problem(records, record_name(r) + ": " + r.row_problem);
    } else {
      std::string line = chain_line(r);
      if (leaf_hash(line) != r.hash)
        add_problem(records, record_name(r) + ": the tables now differ from what was recorded (its rows no longer "
                                              "hash to its leaf)");
      else
        ++rebuilt;
      if (r.seq <= count) chained = chain_hash(chained, line);
    }
    if (r.seq == count) {
      root_at_count = tree.root();
      chain_at_count = chained;
    }
    if (r.seq == since_size) root_at_since = tree.root();
    if (published_log && !first_differing && r.seq <= static_cast<std::int64_t>(published_log->size()) &&
        (*published_log)[static_cast<std::size_t>(r.seq - 1)] != r.hash)
      first_differing = record_name(r) + " is not the one in the published log";
    if (r.kind == "spend" || r.kind == "spend_reversal") {
      std::int64_t id = entry_of(r.ref);
      if (id > 0) {
        auto index = static_cast<std::size_t>(id);
        if (logged.spend_seq.size() <= index) {
          logged.spend_seq.resize(index + 1, 0);
          logged.reversal_logged.resize(index + 1, 0);
        }
        if (r.kind == "spend") logged.spend_seq[index] = r.seq;
        else logged.reversal_logged[index] = 1;
        return;
      }
    }
    if (r.kind == "policy_action") logged.action_seq[r.ref] = r.seq;
    if (r.kind == "policy_withdrawal") logged.withdrawal_seq[r.ref] = r.seq;
    logged.other.insert({r.kind, r.ref});
  });
  result.records = tree.size();
  TreeHead stored = store.tree_head();
  if (tree.size() > 0) result.head = tree.root();
  if (stored.size != tree.size() || stored.root != tree.root())
    add_problem(chain, "the tree the ledger keeps has " + std::to_string(stored.size) + " records and root " +
                           to_hex(stored.root) + ", and its records give " + std::to_string(tree.size()) +
                           " and root " + to_hex(tree.root()) + ": the log was changed");
  // The stored subtrees that proofs are made of: each the root of its
  // leaves, none missing and none more.
  std::sort(nodes.begin(), nodes.end(),
            [](const TreeNode& a, const TreeNode& b) { return std::tie(a.level, a.index) < std::tie(b.level, b.index); });
  std::size_t next_node = 0;
  auto node_name = [](const TreeNode& n) {
    return "the stored subtree of records " + std::to_string((n.index << n.level) + 1) + " to " +
           std::to_string((n.index + 1) << n.level) + " (level " + std::to_string(n.level) + ")";
  };
  try {
    store.each_tree_node([&](const TreeNode& stored_node) {
      auto key = [](const TreeNode& n) { return std::tie(n.level, n.index); };
      while (next_node < nodes.size() && key(nodes[next_node]) < key(stored_node))
        add_problem(chain, node_name(nodes[next_node++]) + " is missing: proofs that need it cannot be made");
      if (next_node < nodes.size() && key(nodes[next_node]) == key(stored_node)) {
        if (nodes[next_node].hash != stored_node.hash)
          add_problem(chain, node_name(stored_node) + " is not the root of its records' leaves: the log was changed");
        ++next_node;
      } else {
        add_problem(chain, node_name(stored_node) + " is stored, but the log has no such complete subtree");
      }
    });
  } catch (const Error& e) {
    add_problem(chain, std::string("the stored subtrees cannot be read: ") + e.what());
  }
  for (; next_node < nodes.size(); ++next_node)
    add_problem(chain, node_name(nodes[next_node]) + " is missing: proofs that need it cannot be made");
  if (chain.ok)
    chain.summary = std::to_string(tree.size()) + " records in order; the Merkle tree of their leaves has root " +
                    to_hex(tree.root()) +
                    (nodes.empty() ? std::string()
                                   : ", and the " + std::to_string(nodes.size()) + " subtrees stored for proofs are its own");
  result.checks.push_back(chain);

  // 2. The records: every row as logged (above), and nothing that was not
  //    logged.
  auto unlogged = [&](const std::string& kind, const std::string& ref) {
    add_problem(records, kind + " " + ref + ": in the tables but never recorded in the log (added behind adledger's back)");
  };
  auto check_other = [&](const std::string& kind, const std::string& ref) {
    if (!logged.other.contains({kind, ref})) unlogged(kind, ref);
  };
  std::int64_t rows = 0;
  try {
    for (const Platform& p : store.platforms()) check_other("platform", p.id), ++rows;
    for (const Advertiser& a : store.advertisers()) check_other("advertiser", a.id), ++rows;
    for (const Handle& h : store.handles()) check_other("handle", handle_ref(h)), ++rows;
    for (const PolicyAction& a : store.policy_actions(std::nullopt)) {
      check_other("policy_action", a.id), ++rows;
      if (a.withdrawal) check_other("policy_withdrawal", a.id), ++rows;
    }
    for (const Pledge& p : store.pledges()) {
      check_other("pledge", p.id), ++rows;
      if (p.withdrawal) check_other("pledge_withdrawal", p.id), ++rows;
      for (const Disbursement& d : store.disbursements_of(p.id)) {
        check_other("disbursement", d.id), ++rows;
        if (d.withdrawal) check_other("disbursement_withdrawal", d.id), ++rows;
      }
    }
    for (const ExchangeRate& r : store.rates()) check_other("rate", rate_ref(r)), ++rows;
    for (const DisclosedTotal& d : store.disclosed_totals(std::nullopt, std::nullopt)) {
      check_other("disclosed_total", d.id), ++rows;
      if (d.withdrawal) check_other("disclosed_total_withdrawal", d.id), ++rows;
    }
  } catch (const Error& e) {
    add_problem(records, std::string("the tables cannot be read: ") + e.what());
  }

  // 5 (in the same pass). The ban rule, as each spend entry was recorded:
  //    no day of it inside a ban recorded before it. (A ban recorded after
  //    spend is allowed and reported as a violation by the reports.)
  VerifyCheck bans{"bans", true, "", {}};
  // Only the actions that name an advertiser on a platform can ban it there
  // (policy/bans.hpp): grouped so, each entry looks at a handful.
  std::map<std::pair<std::string, std::string>, std::vector<PolicyAction>> naming;
  std::size_t checked = 0;
  try {
    for (PolicyAction& a : store.policy_actions(std::nullopt))
      for (const std::string& advertiser : a.advertiser_ids) naming[{advertiser, a.platform_id}].push_back(a);
  } catch (const Error& e) {
    add_problem(bans, std::string("cannot be checked: ") + e.what());
  }
  const std::vector<PolicyAction> none;
  auto check_ban = [&](const SpendEntry& e) {
    auto index = static_cast<std::size_t>(e.entry_id);
    if (index >= logged.spend_seq.size() || logged.spend_seq[index] == 0) return;  // reported under "records"
    std::int64_t spend_seq = logged.spend_seq[index];
    auto named = naming.find({e.advertiser_id, e.platform_id});
    std::vector<PolicyAction> before;
    for (const PolicyAction& a : named == naming.end() ? none : named->second) {
      auto a_seq = logged.action_seq.find(a.id);
      if (a_seq != logged.action_seq.end() && a_seq->second < spend_seq) {
        before.push_back(a);
        // As it stood then: a withdrawal recorded after the spend did not
        // count yet.
        auto w_seq = logged.withdrawal_seq.find(a.id);
        if (w_seq == logged.withdrawal_seq.end() || w_seq->second > spend_seq) before.back().withdrawal.reset();
      }
    }
    std::vector<BanSpan> spans = ban_spans(before, e.advertiser_id, e.platform_id);
    if (auto span = first_ban_overlapping(spans, e.period))
      add_problem(bans, "spend " + std::to_string(e.entry_id) + ": recorded inside ban " + span->ban->id +
                            ", which was recorded before it (on " + span->overlap(e.period)->to_string() + ")");
    ++checked;
  };
  std::map<std::string, std::int64_t> upper_sums;  // the upper bounds of the ranges, per currency
  try {
    store.each_spend([&](const SpendEntry& e) {
      if (e.upper) {
        std::int64_t& sum = upper_sums[e.amount.currency().code()];
        sum = checked_add(sum, e.upper->minor(), "the upper bounds in " + e.amount.currency().code());
      }
      auto index = static_cast<std::size_t>(e.entry_id);
      bool known = e.entry_id > 0 && index < logged.spend_seq.size();
      if (!known || logged.spend_seq[index] == 0) unlogged("spend", std::to_string(e.entry_id));
      if (e.reversal && (!known || !logged.reversal_logged[index]))
        unlogged("spend_reversal", std::to_string(e.entry_id));
      rows += e.reversal ? 2 : 1;
      check_ban(e);
    });
  } catch (const Error& e) {
    add_problem(records, std::string("the tables cannot be read: ") + e.what());
    add_problem(bans, std::string("cannot be checked: ") + e.what());
  }
  if (records.ok) records.summary = std::to_string(rows) + " rows, each as recorded";
  result.checks.push_back(records);

  // 3. The journal: every transaction balances, every account sums to zero
  //    over the ledger in each currency.
  VerifyCheck journal{"journal", true, "", {}};
  try {
    // One pass over the journal, a transaction at a time: each balances,
    // and the postings are summed per account (overflow checked), from the
    // postings themselves, not from the totals the store keeps; then the
    // kept totals must be these, account by account.
    std::size_t txns = 0;
    std::map<std::pair<std::string, std::string>, std::int64_t> sums;
    std::map<std::string, std::int64_t> debits;  // per currency
    store.each_txn(std::nullopt, [&](const JournalTxn& t) {
      ++txns;
      try {
        check_balanced(t);
      } catch (const Error& e) {
        add_problem(journal, "transaction " + std::to_string(t.id) + " (" + t.description + "): " + e.what());
      }
      for (const Posting& p : t.postings) {
        std::int64_t& sum = sums[{p.account, p.amount.currency().code()}];
        sum = checked_add(sum, p.amount.minor(), "the balance of " + p.account);
        if (p.amount.minor() > 0) {
          std::int64_t& debit = debits[p.amount.currency().code()];
          debit = checked_add(debit, p.amount.minor(), "the debits in " + p.amount.currency().code());
        }
      }
    });
    std::vector<BalanceRow> summed;
    summed.reserve(sums.size());
    for (const auto& [key, sum] : sums) summed.push_back(BalanceRow{key.first, key.second, sum});
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
    // The sums kept per currency, which bound every write: the debits of
    // the postings, and the upper bounds of the spend ranges.
    std::map<std::string, CurrencyTotal> kept_sums;
    for (CurrencyTotal& t : store.currency_totals()) kept_sums[t.currency] = t;
    std::set<std::string> currencies;
    for (const auto& [currency, sum] : debits) currencies.insert(currency);
    for (const auto& [currency, sum] : upper_sums) currencies.insert(currency);
    for (const auto& [currency, t] : kept_sums) currencies.insert(currency);
    for (const std::string& currency : currencies) {
      auto it = kept_sums.find(currency);
      const std::int64_t kept_debits = it == kept_sums.end() ? 0 : it->second.debits_minor;
      const std::int64_t kept_upper = it == kept_sums.end() ? 0 : it->second.upper_minor;
      const std::int64_t summed_debits = debits.contains(currency) ? debits[currency] : 0;
      const std::int64_t summed_upper = upper_sums.contains(currency) ? upper_sums[currency] : 0;
      if (kept_debits != summed_debits)
        add_problem(journal, "the ledger keeps debits in " + currency + " of " + std::to_string(kept_debits) +
                                 " minor units, and its postings' debits sum to " + std::to_string(summed_debits));
      if (kept_upper != summed_upper)
        add_problem(journal, "the ledger keeps upper bounds in " + currency + " of " + std::to_string(kept_upper) +
                                 " minor units, and its spend ranges' upper bounds sum to " +
                                 std::to_string(summed_upper));
    }
    if (journal.ok)
      journal.summary = std::to_string(txns) + " transactions balance; the trial balance is zero in " +
                        std::to_string(totals.size()) + (totals.size() == 1 ? " currency" : " currencies");
  } catch (const Error& e) {
    add_problem(journal, std::string("the journal cannot be read: ") + e.what());
  }
  result.checks.push_back(journal);

  // 4. References and the file itself.
  VerifyCheck references{"references", true, "", {}};
  for (std::string& p : store.integrity_problems()) add_problem(references, std::move(p));
  if (references.ok) references.summary = "every reference resolves; the database's own checks pass; the append-only triggers are in place";
  result.checks.push_back(references);

  // 5. The bans, checked above with the records.
  if (bans.ok) bans.summary = std::to_string(checked) + " spend entries, none inside a ban recorded before it";
  result.checks.push_back(bans);

  // 6. A head published earlier: this ledger must extend it. A head is
  //    the root of the Merkle tree of the first `count` records; a head
  //    published before version 7 is the hash that ended the linear chain
  //    of the same records (chain.hpp). Either proves the prefix.
  if (options.count || options.head) {
    VerifyCheck published{"published head", true, "", {}};
    if (!options.count || !options.head) {
      add_problem(published, "give both --count and --head");
    } else if (*options.count < 1) {
      add_problem(published, "a published head counts at least 1 record, not " + std::to_string(*options.count));
    } else if (*options.count > result.records) {
      add_problem(published, "the ledger has " + std::to_string(result.records) + " records, not " +
                                 std::to_string(*options.count) + ": it is not the ledger that head was published from");
    } else if (!chain.ok || !records.ok) {
      add_problem(published, "the log up to record " + std::to_string(*options.count) +
                                 " is not whole (see above): the published head cannot be matched");
    } else if (root_at_count != options.head && chain_at_count != options.head) {
      add_problem(published, "the first " + std::to_string(*options.count) + " records have head " +
                                 to_hex(*root_at_count) + ", not the published " + to_hex(*options.head));
    } else {
      published.summary = "the ledger published with " + std::to_string(*options.count) + " records and head " +
                          to_hex(*options.head) + " is a prefix of this one";
    }
    result.checks.push_back(published);
  }

  // 7. A checkpoint published earlier: the tree of its size must have its
  //    root. When it does not, the log published with it names the first
  //    record that differs (a rewritten record, another ledger sharing a
  //    prefix) or is missing (a ledger rolled back to an older copy, or
  //    truncated).
  if (options.since) {
    const SinceCheckpoint& since = *options.since;
    VerifyCheck check{"checkpoint", true, "", {}};
    const std::string of = "the checkpoint of " + since.origin + " at " + std::to_string(since.size) + " records";
    std::string where;
    if (published_log) {
      if (static_cast<std::int64_t>(published_log->size()) < since.size)
        add_problem(check, "the published log has " + std::to_string(published_log->size()) + " records, fewer than " + of);
      if (first_differing)
        where = "; " + *first_differing;
      else if (result.records < since.size)
        where = "; record " + std::to_string(result.records + 1) + " of the published log is missing here";
    }
    if (!check.ok) {
    } else if (since.size < 1) {
      add_problem(check, of + " proves nothing (it holds no record)");
    } else if (result.records < since.size) {
      add_problem(check, "the ledger has " + std::to_string(result.records) + " records, fewer than " + of +
                             ": it was rolled back to an older copy or truncated" + where);
    } else if (!chain.ok) {
      add_problem(check, "the log is not whole (see above): " + of + " cannot be matched" + where);
    } else if (root_at_since != since.root) {
      add_problem(check, "the first " + std::to_string(since.size) + " records have root " + to_hex(*root_at_since) +
                             ", not the root of " + of + " (" + to_hex(since.root) +
                             "): a record was rewritten, or this is another ledger (a fork)" +
                             (where.empty() && !published_log ? "; give the log published with the checkpoint (--log) to "
                                                            "name the first record that differs"
                                                          : where));
    } else {
      check.summary = "this ledger extends " + of + " (root " + to_hex(since.root) + ")" +
                      (since.signature_checked ? "" : "; its signature was not checked (give --key)");
    }
    result.checks.push_back(check);
  }
  return result;
}

}  // namespace ledger
