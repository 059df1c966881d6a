#include "ledger/io/json_output.hpp"

#include <map>

namespace ledger {

using json = nlohmann::json;

namespace {

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json optional_date(const std::optional<Date>& value) {
  return value ? json(format_date(*value)) : json(nullptr);
}

json period_json(const Period& period) {
  return json{{"text", period.to_string()}, {"first", format_date(period.first())}, {"last", format_date(period.last())}};
}

}  // namespace

json amount_json(std::int64_t minor, const Currency& currency) {
  return json{{"currency", currency.code()},
              {"amount", format_minor(minor, currency.decimals(), Grouping::None)},
              {"minor", minor}};
}

json to_json(const SpendEntry& e) {
  return json{{"entry", e.entry_id},
              {"advertiser", e.advertiser_id},
              {"platform", e.platform_id},
              {"handle", optional_json(e.handle)},
              {"amount", amount_json(e.amount.minor(), e.amount.currency())},
              {"period", period_json(e.period)},
              {"items", optional_json(e.items)},
              {"market", e.market},
              {"tags", e.tags},
              {"precision", std::string(to_string(e.precision))},
              {"source", e.source},
              {"id", optional_json(e.external_id)},
              {"note", optional_json(e.note)},
              {"txn", e.txn_id}};
}

json to_json(const PolicyAction& a) {
  return json{{"id", a.id},
              {"kind", std::string(to_string(a.kind))},
              {"platform", a.platform_id},
              {"advertisers", a.advertiser_ids},
              {"date", format_date(a.date)},
              {"end_date", optional_date(a.end_date)},
              {"lifts", optional_json(a.lifts_action_id)},
              {"accounts", optional_json(a.account_count)},
              {"description", a.description},
              {"source", a.source},
              {"note", optional_json(a.note)}};
}

json to_json(const Disbursement& d) {
  return json{{"id", d.id},
              {"pledge", d.pledge_id},
              {"amount", amount_json(d.amount.minor(), d.amount.currency())},
              {"date", format_date(d.date)},
              {"source", d.source},
              {"txn", d.txn_id}};
}

json to_json(const PledgeStatus& s) {
  const Pledge& p = s.pledge;
  json basis = nullptr;
  if (p.basis_advertiser_id || p.basis_period) {
    basis = json{{"advertiser", optional_json(p.basis_advertiser_id)},
                 {"period", p.basis_period ? period_json(*p.basis_period) : json(nullptr)}};
  }
  json disbursements = json::array();
  for (const Disbursement& d : s.disbursements) disbursements.push_back(to_json(d));
  return json{{"id", p.id},
              {"platform", p.platform_id},
              {"date", format_date(p.date)},
              {"beneficiary", p.beneficiary},
              {"basis", basis},
              {"pledged", amount_json(p.amount.minor(), p.amount.currency())},
              {"disbursed", amount_json(s.disbursed_minor, p.amount.currency())},
              {"outstanding", amount_json(s.outstanding_minor, p.amount.currency())},
              {"disbursements", disbursements},
              {"source", p.source},
              {"note", optional_json(p.note)},
              {"txn", p.txn_id}};
}

json to_json(const BanCheck& c) {
  json ban = nullptr;
  if (c.ban) {
    ban = json{{"action", c.ban->id},
               {"since", format_date(c.ban->date)},
               {"until", optional_date(c.until)},
               {"lifted_by", c.lifted_by ? json(c.lifted_by->id) : json(nullptr)},
               {"reason", c.ban->description},
               {"source", c.ban->source}};
  }
  return json{{"advertiser", c.advertiser_id},
              {"platform", c.platform_id},
              {"on", format_date(c.on)},
              {"banned", c.banned},
              {"ban", ban}};
}

json to_json(const AdvertiserReport& r) {
  const Advertiser& a = r.advertiser;
  json handles = json::array();
  for (const Handle& h : r.handles) handles.push_back(json{{"platform", h.platform_id}, {"handle", h.handle}});
  json entries = json::array();
  for (const SpendEntry& e : r.entries) entries.push_back(to_json(e));
  json totals = json::array();
  for (const SpendTotal& t : r.totals) {
    totals.push_back(json{{"platform", t.platform_id},
                          {"precision", std::string(to_string(t.precision))},
                          {"amount", amount_json(t.amount_minor, t.currency)},
                          {"items", t.items},
                          {"items_complete", t.items_complete},
                          {"pro_rata", t.pro_rata},
                          {"entries", t.entry_ids}});
  }
  json periods = json::array();
  for (const PeriodTotal& p : r.periods) {
    periods.push_back(json{{"period", period_json(p.bucket)},
                           {"platform", p.platform_id},
                           {"precision", std::string(to_string(p.precision))},
                           {"amount", amount_json(p.amount_minor, p.currency)},
                           {"items", p.items},
                           {"items_complete", p.items_complete},
                           {"pro_rata", p.pro_rata},
                           {"entries", p.entry_ids}});
  }
  json bans = json::array();
  for (const BanCheck& c : r.ban_status) bans.push_back(to_json(c));
  json actions = json::array();
  for (const PolicyAction& x : r.actions) actions.push_back(to_json(x));
  json pledges = json::array();
  for (const PledgeStatus& p : r.pledges) pledges.push_back(to_json(p));
  json violations = json::array();
  for (const Violation& v : r.violations) {
    violations.push_back(json{{"entry", v.entry.entry_id},
                              {"platform", v.entry.platform_id},
                              {"period", period_json(v.entry.period)},
                              {"ban", v.ban.id},
                              {"ban_effective", format_date(v.ban.date)},
                              {"overlap", period_json(v.overlap)}});
  }
  json sources = json::array();
  for (const SourceCitation& s : r.sources) sources.push_back(json{{"source", s.source}, {"cited_by", s.cited_by}});
  return json{{"report", "advertiser"},
              {"advertiser",
               json{{"id", a.id}, {"name", a.name}, {"country", optional_json(a.country)},
                    {"state_affiliated", a.state_affiliated}}},
              {"handles", handles},
              {"range", json{{"from", optional_date(r.from)}, {"to", optional_date(r.to)}}},
              {"by", r.by ? json(std::string(to_string(*r.by))) : json(nullptr)},
              {"status_on", format_date(r.status_on)},
              {"totals", totals},
              {"periods", periods},
              {"ban_status", bans},
              {"policy_actions", actions},
              {"pledges", pledges},
              {"violations", violations},
              {"entries", entries},
              {"sources", sources}};
}

json trial_balance_json(const std::vector<BalanceRow>& rows) {
  json accounts = json::array();
  std::map<std::string, std::int64_t> totals;
  for (const BalanceRow& row : rows) {
    Currency c = Currency::from_code(row.currency);
    accounts.push_back(json{{"account", row.account}, {"balance", amount_json(row.balance_minor, c)}});
    auto& t = totals[row.currency];
    t = checked_add(t, row.balance_minor, "trial balance total");
  }
  json total = json::array();
  for (const auto& [code, minor] : totals) total.push_back(amount_json(minor, Currency::from_code(code)));
  return json{{"accounts", accounts}, {"totals", total}};
}

}  // namespace ledger
