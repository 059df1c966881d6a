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

json source_details_json(const SourceDetails& d) {
  if (d.empty()) return nullptr;
  return json{
      {"url", optional_json(d.url)}, {"accessed", optional_date(d.accessed)}, {"quote", optional_json(d.quote)}};
}

json to_json(const SpendEntry& e) {
  return json{{"entry", e.entry_id},
              {"advertiser", e.advertiser_id},
              {"platform", e.platform_id},
              {"handle", optional_json(e.handle)},
              {"amount", amount_json(e.amount.minor(), e.amount.currency())},
              {"period", period_json(e.period)},
              {"items", optional_json(e.items)},
              {"items_precision", e.items ? json(std::string(to_string(e.items_precision))) : json(nullptr)},
              {"market", e.market},
              {"tags", e.tags},
              {"precision", std::string(to_string(e.precision))},
              {"source", e.source},
              {"source_details", source_details_json(e.source_details)},
              {"id", optional_json(e.external_id)},
              {"note", optional_json(e.note)},
              {"upper", e.upper ? amount_json(e.upper->minor(), e.upper->currency()) : json(nullptr)},
              {"txn", e.txn_id},
              {"reversal", e.reversal ? json{{"reason", e.reversal->reason},
                                             {"source", e.reversal->source},
                                             {"source_details", source_details_json(e.reversal->source_details)},
                                             {"txn", e.reversal->txn_id}}
                                      : json(nullptr)}};
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
              {"source_details", source_details_json(a.source_details)},
              {"note", optional_json(a.note)},
              {"withdrawal", a.withdrawal ? json{{"reason", a.withdrawal->reason},
                                                 {"source", a.withdrawal->source},
                                                 {"source_details", source_details_json(a.withdrawal->source_details)}}
                                          : json(nullptr)}};
}

// A record's withdrawal, or null: the reason, the source, and the
// transaction that undid its postings (null for a disclosed total, which
// posted nothing).
namespace {

json withdrawal_json(const std::optional<RecordWithdrawal>& w) {
  if (!w) return nullptr;
  return json{{"reason", w->reason},
              {"source", w->source},
              {"source_details", source_details_json(w->source_details)},
              {"txn", w->txn_id > 0 ? json(w->txn_id) : json(nullptr)}};
}

}  // namespace

json to_json(const Disbursement& d) {
  return json{{"id", d.id},
              {"pledge", d.pledge_id},
              {"amount", amount_json(d.amount.minor(), d.amount.currency())},
              {"date", format_date(d.date)},
              {"source", d.source},
              {"source_details", source_details_json(d.source_details)},
              {"txn", d.txn_id},
              {"withdrawal", withdrawal_json(d.withdrawal)}};
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
              {"source_details", source_details_json(p.source_details)},
              {"note", optional_json(p.note)},
              {"txn", p.txn_id},
              {"withdrawal", withdrawal_json(p.withdrawal)}};
}

json to_json(const BanCheck& c) {
  json ban = nullptr;
  if (c.ban) {
    ban = json{{"action", c.ban->id},
               {"since", format_date(c.ban->date)},
               {"until", optional_date(c.until)},
               {"lifted_by", c.lifted_by ? json(c.lifted_by->id) : json(nullptr)},
               {"reason", c.ban->description},
               {"source", c.ban->source},
               {"source_details", source_details_json(c.ban->source_details)}};
  }
  return json{{"advertiser", c.advertiser_id},
              {"platform", c.platform_id},
              {"on", format_date(c.on)},
              {"banned", c.banned},
              {"ban", ban}};
}

namespace {

json figure_json(const SpendFigure& f, const char* group_key) {
  json out = json::object();
  if (f.bucket) out["period"] = period_json(*f.bucket);
  if (group_key) out[group_key] = f.group;
  out["precision"] = std::string(to_string(f.precision));
  out["amount"] = amount_json(f.amount_minor, f.currency);
  out["items"] = f.items;
  out["items_complete"] = f.items_complete;
  out["items_precision"] = std::string(to_string(f.items_precision));
  out["pro_rata"] = f.pro_rata;
  out["entries"] = f.entry_ids;
  if (f.precision == Precision::Range) out["upper"] = f.upper_open ? json(nullptr) : amount_json(f.upper_minor, f.currency);
  return out;
}

json figures_json(const std::vector<SpendFigure>& figures, const char* group_key) {
  json out = json::array();
  for (const SpendFigure& f : figures) out.push_back(figure_json(f, group_key));
  return out;
}

json comparison_json(const Comparison& c, std::int64_t whole_minor, const Currency& currency) {
  json itemised = json::array();
  for (const Itemised& i : c.itemised) {
    json row{{"precision", std::string(to_string(i.precision))},
             {"amount", amount_json(i.amount_minor, currency)},
             {"share", share_text(i.amount_minor, whole_minor)},
             {"pro_rata", i.pro_rata},
             {"entries", i.entry_ids}};
    if (i.precision == Precision::Range) row["upper"] = i.upper_open ? json(nullptr) : amount_json(i.upper_minor, currency);
    itemised.push_back(std::move(row));
  }
  return json{{"itemised", itemised}, {"other_currency_entries", c.other_currency}};
}

json rollup_json(json out, const SpendRollup& spend, bool with_periods, const char* group_key) {
  out["totals"] = figures_json(spend.by_group, group_key);
  out["periods"] = with_periods ? figures_json(spend.by_period, group_key) : json::array();
  out["by_tag"] = figures_json(spend.by_tag, "tag");
  out["by_market"] = figures_json(spend.by_market, "market");
  out["by_precision"] = figures_json(spend.by_precision, nullptr);
  return out;
}

template <typename T>
json array_of(const std::vector<T>& items) {
  json out = json::array();
  for (const T& x : items) out.push_back(to_json(x));
  return out;
}

json sources_json(const std::vector<SourceCitation>& sources) {
  json out = json::array();
  for (const SourceCitation& s : sources)
    out.push_back(
        json{{"source", s.source}, {"source_details", source_details_json(s.details)}, {"cited_by", s.cited_by}});
  return out;
}

json range_json(const std::optional<Date>& from, const std::optional<Date>& to) {
  return json{{"from", optional_date(from)}, {"to", optional_date(to)}};
}

json by_json(const std::optional<Granularity>& by) { return by ? json(std::string(to_string(*by))) : json(nullptr); }

}  // namespace

json to_json(const DisclosureCheck& c) {
  const DisclosedTotal& d = c.disclosed;
  json out = json{{"id", d.id},
                  {"platform", d.platform_id},
                  {"advertiser", d.advertiser_id},
                  {"period", period_json(d.period)},
                  {"date", format_date(d.date)},
                  {"precision", std::string(to_string(d.precision))},
                  {"disclosed", amount_json(d.amount.minor(), d.amount.currency())},
                  {"source", d.source},
                  {"source_details", source_details_json(d.source_details)},
                  {"note", optional_json(d.note)},
                  {"withdrawal", withdrawal_json(d.withdrawal)}};
  json compared = comparison_json(c.comparison, d.amount.minor(), d.amount.currency());
  out["itemised"] = compared["itemised"];
  out["other_currency_entries"] = compared["other_currency_entries"];
  return out;
}

// How the figures were converted (--convert), when they were.
json conversion_json(const Converted& c) {
  json converted = json::array();
  for (const Conversion& x : c.conversions)
    converted.push_back(json{{"entry", x.entry_id},
                             {"from", amount_json(x.from.minor(), x.from.currency())},
                             {"from_upper", x.from_upper ? amount_json(x.from_upper->minor(), x.from.currency()) : json(nullptr)},
                             {"rate", x.rate.rate.to_string()},
                             {"rate_date", format_date(x.rate.date)},
                             {"rate_source", x.rate.source},
                             {"to", amount_json(x.to.minor(), c.currency)},
                             {"to_upper", x.to_upper ? amount_json(x.to_upper->minor(), c.currency) : json(nullptr)}});
  return json{{"currency", c.currency.code()}, {"converted", converted}, {"unconverted", c.unconverted}};
}

json to_json(const AdvertiserReport& r) {
  const Advertiser& a = r.advertiser;
  json handles = json::array();
  for (const Handle& h : r.handles) handles.push_back(json{{"platform", h.platform_id}, {"handle", h.handle}});
  json violations = json::array();
  for (const Violation& v : r.violations) {
    violations.push_back(json{{"entry", v.entry.entry_id},
                              {"platform", v.entry.platform_id},
                              {"period", period_json(v.entry.period)},
                              {"ban", v.ban.id},
                              {"ban_effective", format_date(v.ban.date)},
                              {"overlap", period_json(v.overlap)},
                              {"precision", std::string(to_string(v.entry.precision))},
                              {"amount", amount_json(v.entry.amount.minor(), v.entry.amount.currency())},
                              {"inside", amount_json(v.inside_minor, v.entry.amount.currency())},
                              {"pro_rata", v.overlap != v.entry.period}});
  }
  json out = json{{"report", "advertiser"},
                  {"advertiser",
                   json{{"id", a.id}, {"name", a.name}, {"country", optional_json(a.country)},
                        {"state_affiliated", a.state_affiliated}}},
                  {"handles", handles},
                  {"range", range_json(r.from, r.to)},
                  {"by", by_json(r.by)},
                  {"status_on", format_date(r.status_on)}};
  out = rollup_json(std::move(out), r.spend, r.by.has_value(), "platform");
  out["conversion"] = r.converted ? conversion_json(*r.converted) : json(nullptr);
  out["disclosures"] = array_of(r.disclosures);
  out["ban_status"] = array_of(r.ban_status);
  out["policy_actions"] = array_of(r.actions);
  out["pledges"] = array_of(r.pledges);
  out["violations"] = violations;
  out["entries"] = array_of(r.entries);
  out["sources"] = sources_json(r.sources);
  return out;
}

json to_json(const PlatformReport& r) {
  json out = json{{"report", "platform"},
                  {"platform", json{{"id", r.platform.id}, {"name", r.platform.name}}},
                  {"range", range_json(r.from, r.to)},
                  {"by", by_json(r.by)},
                  {"status_on", format_date(r.status_on)}};
  out = rollup_json(std::move(out), r.revenue, r.by.has_value(), "advertiser");
  out["conversion"] = r.converted ? conversion_json(*r.converted) : json(nullptr);
  out["disclosures"] = array_of(r.disclosures);
  out["policy_actions"] = array_of(r.actions);
  out["pledges"] = array_of(r.pledges);
  out["entries"] = array_of(r.entries);
  out["sources"] = sources_json(r.sources);
  return out;
}

json to_json(const PolicyTimeline& t) {
  const PolicyFilter& f = t.filter;
  return json{{"report", "policies"},
              {"filter", json{{"platform", optional_json(f.platform_id)},
                              {"advertiser", optional_json(f.advertiser_id)},
                              {"kind", f.kind ? json(std::string(to_string(*f.kind))) : json(nullptr)},
                              {"from", optional_date(f.from)},
                              {"to", optional_date(f.to)}}},
              {"policy_actions", array_of(t.actions)}};
}

json to_json(const PledgesReport& r) {
  json pledges = json::array();
  for (const PledgeCheck& c : r.pledges) {
    json p = to_json(c.status);
    const Money& pledged = c.status.pledge.amount;
    p["basis_range"] = c.basis_range ? period_json(*c.basis_range) : json(nullptr);
    p["basis_spend"] =
        c.basis_spend ? comparison_json(*c.basis_spend, pledged.minor(), pledged.currency()) : json(nullptr);
    p["disclosed"] = array_of(c.disclosed);
    pledges.push_back(std::move(p));
  }
  return json{{"report", "pledges"},
              {"filter", json{{"platform", optional_json(r.platform_id)}, {"advertiser", optional_json(r.advertiser_id)}}},
              {"pledges", pledges}};
}

namespace {

json filter_json(const JournalFilter& f) {
  return json{{"account", optional_json(f.account_pattern)},
              {"advertiser", optional_json(f.advertiser_id)},
              {"platform", optional_json(f.platform_id)},
              {"from", optional_date(f.from)},
              {"to", optional_date(f.to)}};
}

}  // namespace

json to_json(const Register& r) {
  json postings = json::array();
  for (const RegisterLine& l : r.lines) {
    postings.push_back(json{{"txn", l.txn_id},
                            {"date", format_date(l.date)},
                            {"kind", std::string(to_string(l.kind))},
                            {"description", l.description},
                            {"account", l.account},
                            {"amount", amount_json(l.amount.minor(), l.amount.currency())},
                            {"running", amount_json(l.running_minor, l.amount.currency())},
                            {"author", l.author.empty() ? json(nullptr) : json(l.author)}});
  }
  return json{{"report", "register"}, {"filter", filter_json(r.filter)}, {"postings", postings}};
}

json to_json(const BalanceReport& r) {
  json columns = json::array();
  for (const Period& p : r.columns) columns.push_back(period_json(p));
  auto row_json = [](const BalanceReport::Row& row, bool with_account) {
    json periods = json::array();
    for (std::int64_t v : row.amounts) periods.push_back(amount_json(v, row.currency));
    json out = json::object();
    if (with_account) out["account"] = row.account;
    out["currency"] = row.currency.code();
    out["balance"] = amount_json(row.total, row.currency);
    out["periods"] = periods;
    return out;
  };
  json accounts = json::array(), totals = json::array();
  for (const auto& row : r.rows) accounts.push_back(row_json(row, true));
  for (const auto& row : r.totals) totals.push_back(row_json(row, false));
  return json{{"report", "balance"},
              {"filter", filter_json(r.options.filter)},
              {"by", by_json(r.options.by)},
              {"depth", optional_json(r.options.depth)},
              {"columns", columns},
              {"accounts", accounts},
              {"totals", totals}};
}

}  // namespace ledger
