// report advertiser ID: the per-advertiser transparency report.
#include <iostream>

#include "cli/context.hpp"
#include "ledger/io/json_output.hpp"
#include "ledger/report/advertiser_report.hpp"

namespace adledger::cli {
namespace {

using Align = Table::Align;

struct ReportAdvertiserOptions {
  std::string advertiser;
  std::string from;
  std::string to;
  std::string by;
};

std::string entry_refs(const std::vector<std::int64_t>& ids) {
  std::vector<std::string> parts;
  for (auto id : ids) parts.push_back("#" + std::to_string(id));
  return join(parts, " ");
}

// An item count where some entries have none is a lower bound: "1,823+";
// where no entry has one, it is unknown: "-".
std::string items_cell(std::int64_t items, bool complete) {
  if (!complete && items == 0) return "-";
  std::string text = ledger::format_count(items, ledger::Grouping::Thousands);
  return complete ? text : text + "+";
}

void print_table(const ledger::AdvertiserReport& r) {
  const ledger::Advertiser& a = r.advertiser;
  std::cout << "Advertiser " << a.id << ": " << a.name << '\n';
  std::cout << "  country: " << a.country.value_or("unknown")
            << ", state-affiliated: " << (a.state_affiliated ? "yes" : "no") << '\n';
  std::vector<std::string> handles;
  for (const auto& h : r.handles) handles.push_back(h.handle + " (" + h.platform_id + ")");
  std::cout << "  handles: " << (handles.empty() ? "none recorded" : join(handles, ", ")) << '\n';
  if (r.from || r.to) {
    std::cout << "  range:";
    if (r.from) std::cout << " from " << ledger::format_date(*r.from);
    if (r.to) std::cout << " to " << ledger::format_date(*r.to);
    std::cout << " (inclusive)\n";
  }

  bool any_pro_rata = false;
  std::cout << "\nSpend by platform\n";
  if (r.totals.empty()) {
    std::cout << "  none recorded\n";
  } else {
    Table t({"platform", "currency", "amount", "items", "precision", "entries"},
            {Align::Left, Align::Left, Align::Right, Align::Right, Align::Left, Align::Left});
    for (const auto& x : r.totals) {
      any_pro_rata = any_pro_rata || x.pro_rata;
      t.add_row({x.platform_id, x.currency.code(), amount_cell(x.amount_minor, x.currency) + (x.pro_rata ? "*" : ""),
                 items_cell(x.items, x.items_complete), std::string(ledger::to_string(x.precision)),
                 entry_refs(x.entry_ids)});
    }
    t.print(std::cout);
  }

  if (r.by) {
    std::cout << "\nSpend by " << ledger::to_string(*r.by) << '\n';
    if (r.periods.empty()) {
      std::cout << "  none recorded\n";
    } else {
      Table t({"period", "platform", "currency", "amount", "items", "precision", "entries"},
              {Align::Left, Align::Left, Align::Left, Align::Right, Align::Right, Align::Left, Align::Left});
      for (const auto& p : r.periods) {
        any_pro_rata = any_pro_rata || p.pro_rata;
        t.add_row({p.bucket.to_string(), p.platform_id, p.currency.code(),
                   amount_cell(p.amount_minor, p.currency) + (p.pro_rata ? "*" : ""), items_cell(p.items, p.items_complete),
                   std::string(ledger::to_string(p.precision)), entry_refs(p.entry_ids)});
      }
      t.print(std::cout);
    }
  }
  if (any_pro_rata)
    std::cout << "  * pro rata: part of an entry, split by days (largest remainder, exact to the minor unit)\n";

  std::cout << "\nBan status on " << ledger::format_date(r.status_on) << '\n';
  if (r.ban_status.empty()) std::cout << "  no platforms recorded\n";
  for (const auto& c : r.ban_status) {
    std::cout << "  " << c.platform_id << ": ";
    if (!c.banned) {
      std::cout << "not banned\n";
      continue;
    }
    std::cout << "banned since " << ledger::format_date(c.ban->date)
              << (c.until ? " until " + ledger::format_date(*c.until) : std::string(", no end date")) << ", by "
              << c.ban->id << '\n';
  }

  std::cout << "\nPolicy actions naming " << a.id << '\n';
  if (r.actions.empty()) {
    std::cout << "  none recorded\n";
  } else {
    Table t({"date", "platform", "kind", "id", "description"},
            {Align::Left, Align::Left, Align::Left, Align::Left, Align::Left});
    for (const auto& x : r.actions) {
      std::string what = x.description;
      if (x.end_date) what += " (until " + ledger::format_date(*x.end_date) + ")";
      t.add_row({ledger::format_date(x.date), x.platform_id, std::string(ledger::to_string(x.kind)), x.id, what});
    }
    t.print(std::cout);
  }

  std::cout << "\nPledges computed from " << a.id << "'s spend\n";
  if (r.pledges.empty()) {
    std::cout << "  none recorded\n";
  } else {
    Table t({"pledge", "platform", "date", "pledged", "disbursed", "outstanding", "basis"},
            {Align::Left, Align::Left, Align::Left, Align::Right, Align::Right, Align::Right, Align::Left});
    for (const auto& s : r.pledges) {
      const auto& c = s.pledge.amount.currency();
      t.add_row({s.pledge.id, s.pledge.platform_id, ledger::format_date(s.pledge.date),
                 money_text(s.pledge.amount.minor(), c), amount_cell(s.disbursed_minor, c),
                 amount_cell(s.outstanding_minor, c),
                 s.pledge.basis_period ? s.pledge.basis_period->to_string() : std::string("-")});
    }
    t.print(std::cout);
  }

  std::cout << "\nSpend inside a ban (violations)\n";
  if (r.violations.empty()) std::cout << "  none\n";
  for (const auto& v : r.violations) {
    std::cout << "  #" << v.entry.entry_id << " " << v.entry.platform_id << " " << v.entry.period.to_string() << " ("
              << money_text(v.entry.amount.minor(), v.entry.amount.currency()) << ") overlaps ban " << v.ban.id
              << " from " << ledger::format_date(v.ban.date) << " on " << v.overlap.to_string() << '\n';
  }

  std::cout << "\nSpend entries\n";
  if (r.entries.empty()) {
    std::cout << "  none recorded\n";
  } else {
    Table t({"entry", "period", "platform", "amount", "items", "market", "precision", "tags"},
            {Align::Left, Align::Left, Align::Left, Align::Right, Align::Right, Align::Left, Align::Left, Align::Left});
    for (const auto& e : r.entries) {
      t.add_row({"#" + std::to_string(e.entry_id), e.period.to_string(), e.platform_id,
                 money_text(e.amount.minor(), e.amount.currency()),
                 e.items ? ledger::format_count(*e.items, ledger::Grouping::Thousands) : std::string("-"), e.market,
                 std::string(ledger::to_string(e.precision)), join(e.tags, ",")});
    }
    t.print(std::cout);
    for (const auto& e : r.entries)
      if (e.note) std::cout << "  note on #" << e.entry_id << ": " << *e.note << '\n';
  }

  std::cout << "\nSources\n";
  if (r.sources.empty()) std::cout << "  none\n";
  for (std::size_t i = 0; i < r.sources.size(); ++i)
    std::cout << "  [" << i + 1 << "] " << r.sources[i].source << "\n      cited by: " << join(r.sources[i].cited_by, ", ")
              << '\n';
}

void run_report_advertiser(const GlobalOptions& global, const ReportAdvertiserOptions& o) {
  ledger::AdvertiserReportOptions options;
  if (!o.from.empty()) options.from = ledger::parse_date(o.from, "from");
  if (!o.to.empty()) options.to = ledger::parse_date(o.to, "to");
  if (!o.by.empty()) options.by = ledger::parse_granularity(o.by, "by");
  options.today = today();
  OpenLedger open = open_ledger(global);
  ledger::AdvertiserReport report = ledger::build_advertiser_report(*open.ledger, o.advertiser, options);
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(report));
    return;
  }
  print_table(report);
}

}  // namespace

void setup_report(CLI::App& app, GlobalOptions& global) {
  auto* report = app.add_subcommand("report", "transparency reports");
  report->require_subcommand(1);
  auto o = std::make_shared<ReportAdvertiserOptions>();
  auto* adv = report->add_subcommand("advertiser", "everything recorded about one advertiser, with its sources");
  adv->add_option("advertiser", o->advertiser, "advertiser id")->required();
  adv->add_option("--from", o->from, "first day of the range, YYYY-MM-DD");
  adv->add_option("--to", o->to, "last day of the range, YYYY-MM-DD (ban status is given as of this day)");
  adv->add_option("--by", o->by, "split spend by year, quarter or month (pro rata by days)");
  adv->callback([&global, o] { run_report_advertiser(global, *o); });
}

}  // namespace adledger::cli
