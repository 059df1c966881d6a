#include "ledger/report/other_reports.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "ledger/error.hpp"
#include "ledger/journal/postings.hpp"

namespace ledger {
namespace {

bool in_range(const std::optional<Period>& range, const Date& day) { return !range || range->contains(day); }

const Period kAllTime(first_day(), last_day());

}  // namespace

PlatformReport build_platform_report(Ledger& ledger, const std::string& platform_id,
                                     const PlatformReportOptions& options) {
  Store& store = ledger.store();
  PlatformReport r;
  r.platform = ledger.platform(platform_id);
  r.from = options.from;
  r.to = options.to;
  r.by = options.by;
  r.status_on = options.to.value_or(options.today);
  r.range = report_range(options.from, options.to);
  r.entries = store.spend(SpendQuery{std::nullopt, platform_id, r.range});
  std::vector<SpendEntry> figures = r.entries;  // converted, with --convert; the entries stay as recorded
  if (options.convert) r.converted = convert_entries(store, figures, *options.convert);
  r.revenue = roll_up(
      figures, [](const SpendEntry& e) { return e.advertiser_id; }, r.by.value_or(Granularity::Year), r.range);
  r.disclosures = check_disclosures(store, std::nullopt, platform_id, r.range);
  std::vector<PolicyAction> platform_actions = store.policy_actions(platform_id);
  r.ban_ends = ban_ends(platform_actions);
  for (PolicyAction& a : platform_actions)
    if (in_range(r.range, a.date)) r.actions.push_back(std::move(a));
  for (const Pledge& p : store.pledges())
    if (p.platform_id == platform_id && in_range(r.range, p.date)) r.pledges.push_back(ledger.pledge_status(p.id));

  for (const SpendEntry& e : r.entries) {
    cite(r.sources, e.source, e.source_details, "spend #" + std::to_string(e.entry_id));
    if (e.reversal) cite(r.sources, e.reversal->source, e.reversal->source_details,
                         "reversal of spend #" + std::to_string(e.entry_id));
  }
  if (r.converted)
    for (const Conversion& c : r.converted->conversions) cite(r.sources, c.rate.source, c.rate.source_details,
                                                              "rate " + rate_ref(c.rate));
  for (const PolicyAction& a : r.actions) {
    cite(r.sources, a.source, a.source_details, "policy " + a.id);
    if (a.withdrawal) cite(r.sources, a.withdrawal->source, a.withdrawal->source_details,
                           "withdrawal of policy " + a.id);
  }
  for (const DisclosureCheck& d : r.disclosures) cite(r.sources, d.disclosed);
  for (const PledgeStatus& p : r.pledges) cite(r.sources, p);
  return r;
}

PolicyTimeline build_policy_timeline(Ledger& ledger, const PolicyFilter& filter, const Date& today) {
  if (filter.platform_id) ledger.platform(*filter.platform_id);
  if (filter.advertiser_id) ledger.advertiser(*filter.advertiser_id);
  std::optional<Period> range = report_range(filter.from, filter.to);
  PolicyTimeline t{filter, today, {}, {}};
  std::vector<PolicyAction> all = ledger.store().policy_actions(filter.platform_id);
  t.ban_ends = ban_ends(all);
  for (PolicyAction& a : all) {
    if (filter.kind && a.kind != *filter.kind) continue;
    if (!in_range(range, a.date)) continue;
    if (filter.advertiser_id &&
        !std::binary_search(a.advertiser_ids.begin(), a.advertiser_ids.end(), *filter.advertiser_id))
      continue;
    t.actions.push_back(std::move(a));
  }
  return t;
}

PledgesReport build_pledges_report(Ledger& ledger, const std::optional<std::string>& platform_id,
                                   const std::optional<std::string>& advertiser_id) {
  if (platform_id) ledger.platform(*platform_id);
  if (advertiser_id) ledger.advertiser(*advertiser_id);
  Store& store = ledger.store();
  PledgesReport r{platform_id, advertiser_id, {}};
  for (const Pledge& p : store.pledges()) {
    if (platform_id && p.platform_id != *platform_id) continue;
    if (advertiser_id && p.basis_advertiser_id != *advertiser_id) continue;
    PledgeCheck check;
    check.status = ledger.pledge_status(p.id);
    if (p.basis_advertiser_id) {
      Period range = p.basis_period.value_or(kAllTime);
      check.basis_range = range;
      std::vector<SpendEntry> entries = store.spend(SpendQuery{*p.basis_advertiser_id, p.platform_id, range});
      check.basis_spend = compare_itemised(entries, range, p.amount.currency());
      check.disclosed = check_disclosures(store, *p.basis_advertiser_id, p.platform_id, range);
    }
    r.pledges.push_back(std::move(check));
  }
  return r;
}

namespace {

// The journal transactions a filter keeps, or none to mean all: each
// rebuilt from the record that posts it (journal/postings.hpp).
std::optional<std::vector<JournalTxn>> transactions_of(Ledger& ledger, const JournalFilter& f) {
  if (!f.advertiser_id && !f.platform_id) return std::nullopt;
  if (f.advertiser_id) ledger.advertiser(*f.advertiser_id);
  if (f.platform_id) ledger.platform(*f.platform_id);
  Store& store = ledger.store();
  std::vector<JournalTxn> txns;
  for (const SpendEntry& e : store.spend(SpendQuery{f.advertiser_id, f.platform_id, std::nullopt})) {
    txns.push_back(spend_txn(e));
    if (e.reversal) txns.push_back(reversal_txn(e));
  }
  for (const Pledge& p : store.pledges()) {
    if (f.platform_id && p.platform_id != *f.platform_id) continue;
    if (f.advertiser_id && p.basis_advertiser_id != *f.advertiser_id) continue;
    txns.push_back(pledge_txn(p));
    for (const Disbursement& d : store.disbursements_of(p.id)) txns.push_back(disbursement_txn(d, p.platform_id));
  }
  return txns;
}

std::optional<std::regex> account_regex(const std::optional<std::string>& pattern) {
  if (!pattern) return std::nullopt;
  if (pattern->size() > kSlugMax * 4) throw_input("account", *pattern, "a pattern may be at most 256 bytes");
  try {
    // libstdc++'s __polynomial makes matching breadth-first, polynomial in
    // the pattern and the account name: a pattern such as (.|.)*! cannot
    // make a report hang. It refuses back-references, which accounts do not
    // need.
    return std::regex(*pattern, std::regex::ECMAScript | std::regex::icase | std::regex::nosubs |
                                    std::regex_constants::__polynomial);
  } catch (const std::regex_error& e) {
    throw_input("account", *pattern, std::string("is not a regular expression: ") + e.what());
  }
}

bool account_matches(const std::optional<std::regex>& re, const std::string& account) {
  return !re || std::regex_search(account, *re);
}

// The postings a filter keeps, with their transactions, in journal order.
template <typename F>
void each_posting(Ledger& ledger, const JournalFilter& f, F visit) {
  std::optional<Period> range = report_range(f.from, f.to);
  std::optional<std::regex> re = account_regex(f.account_pattern);
  std::optional<std::vector<JournalTxn>> txns = transactions_of(ledger, f);
  auto postings_of = [&](const JournalTxn& txn) {
    for (const Posting& p : txn.postings)
      if (account_matches(re, p.account)) visit(txn, p);
  };
  if (!txns) {
    ledger.store().each_txn(range, postings_of);
    return;
  }
  // One advertiser's or one platform's transactions: those alone are read,
  // and put in journal order (date, then id).
  std::vector<JournalTxn> kept;
  for (JournalTxn& txn : *txns)
    if (in_range(range, txn.date)) kept.push_back(std::move(txn));
  std::sort(kept.begin(), kept.end(),
            [](const JournalTxn& a, const JournalTxn& b) { return std::tie(a.date, a.id) < std::tie(b.date, b.id); });
  for (const JournalTxn& txn : kept) postings_of(txn);
}

std::string truncate_account(const std::string& account, const std::optional<int>& depth) {
  if (!depth) return account;
  std::size_t pos = 0;
  for (int i = 0; i < *depth; ++i) {
    pos = account.find(':', pos);
    if (pos == std::string::npos) return account;
    if (i + 1 < *depth) ++pos;
  }
  return account.substr(0, pos);
}

}  // namespace

Register build_register(Ledger& ledger, const JournalFilter& filter) {
  Register r{filter, {}};
  std::map<std::string, std::int64_t> running;
  TxnAuthors authors(ledger.store());
  each_posting(ledger, filter, [&](const JournalTxn& txn, const Posting& p) {
    std::int64_t& balance = running[p.amount.currency().code()];
    balance = checked_add(balance, p.amount.minor(), "running balance");
    r.lines.push_back(
        RegisterLine{txn.id, txn.date, txn.kind, txn.description, p.account, p.amount, balance, authors.of(txn.id)});
  });
  return r;
}

BalanceReport build_balance(Ledger& ledger, const BalanceOptions& options) {
  if (options.depth && *options.depth < 1)
    throw_input("depth", std::to_string(*options.depth), "must be 1 or more");
  BalanceReport r;
  r.options = options;
  struct Posted {
    Date date;
    std::string account;
    Money amount;
  };
  std::vector<Posted> posted;
  const JournalFilter& f = options.filter;
  if (!options.by && !f.from && !f.to && !f.advertiser_id && !f.platform_id) {
    // The whole ledger to date, no columns: the totals the store keeps per
    // account are these sums already (tests/e2e/check_fast_paths.py
    // compares the two ways).
    std::optional<std::regex> re = account_regex(f.account_pattern);
    for (const BalanceRow& row : ledger.store().trial_balance())
      if (account_matches(re, row.account))
        posted.push_back(Posted{Date(), truncate_account(row.account, options.depth),
                                Money(row.balance_minor, Currency::from_code(row.currency))});
  } else {
    each_posting(ledger, f, [&](const JournalTxn& txn, const Posting& p) {
      posted.push_back(Posted{txn.date, truncate_account(p.account, options.depth), p.amount});
    });
  }

  // Columns: every bucket from the first posting to the last (or the
  // range's ends, when given), empty ones included, as hledger shows them.
  std::map<Date, std::size_t> column_of;
  if (options.by && (!posted.empty() || (f.from && f.to))) {
    auto [lo, hi] = std::minmax_element(posted.begin(), posted.end(),
                                        [](const Posted& a, const Posted& b) { return a.date < b.date; });
    Date first = f.from ? *f.from : lo->date, last = f.to ? *f.to : hi->date;
    for (Date day = first; day <= last;) {
      // A column per bucket: a ledger whose dates span centuries would
      // make more columns than anyone can read, and hold them all.
      if (r.columns.size() == kBalanceColumnsMax)
        throw_input("by", std::string(to_string(*options.by)),
                    "more than " + std::to_string(kBalanceColumnsMax) + " columns from " + format_date(first) +
                        " to " + format_date(last) + "; choose a longer period or give --from and --to");
      Period bucket = bucket_of(day, *options.by);
      column_of[bucket.first()] = r.columns.size();
      r.columns.push_back(bucket);
      if (bucket.last() >= last) break;
      day = bucket.last() + boost::gregorian::days(1);
    }
  }
  const std::size_t ncol = r.columns.size();
  std::map<std::pair<std::string, std::string>, BalanceReport::Row> rows;
  std::map<std::string, BalanceReport::Row> totals;
  auto add = [&](BalanceReport::Row& row, const Posted& p, const std::string& account) {
    if (row.amounts.size() != ncol) {
      row.account = account;
      row.currency = p.amount.currency();
      row.amounts.assign(ncol, 0);
    }
    if (ncol) {
      std::size_t c = column_of.at(bucket_of(p.date, *options.by).first());
      row.amounts[c] = checked_add(row.amounts[c], p.amount.minor(), "balance");
    }
    row.total = checked_add(row.total, p.amount.minor(), "balance");
    row.account = account;
    row.currency = p.amount.currency();
  };
  for (const Posted& p : posted) {
    add(rows[{p.account, p.amount.currency().code()}], p, p.account);
    add(totals[p.amount.currency().code()], p, "");
  }
  for (auto& [key, row] : rows) r.rows.push_back(std::move(row));
  for (auto& [key, row] : totals) r.totals.push_back(std::move(row));
  return r;
}

}  // namespace ledger
