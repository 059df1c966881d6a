// rate set FROM TO RATE --on DATE --source TEXT, rate list: exchange rates
// for reports that convert (--convert).
#include <algorithm>
#include <iostream>

#include "cli/context.hpp"
#include "ledger/audit/chain.hpp"
#include "ledger/error.hpp"
#include "ledger/io/json_output.hpp"

namespace adledger::cli {
namespace {

nlohmann::json rate_json(const ledger::ExchangeRate& r) {
  return {{"from", r.from.code()}, {"to", r.to.code()}, {"date", ledger::format_date(r.date)},
          {"rate", r.rate.to_string()}, {"source", r.source},
          {"source_details", ledger::source_details_json(r.source_details)}};
}

}  // namespace

void setup_rate(CLI::App& app, GlobalOptions& global) {
  auto* rate = app.add_subcommand("rate", "exchange rates, for reports that convert amounts (--convert)");
  rate->require_subcommand(1);

  struct SetOptions {
    std::string from, to, rate, on, source;
    SourceDetailOptions details;
  };
  auto o = std::make_shared<SetOptions>();
  auto* set = rate->add_subcommand("set", "record that one unit of FROM was worth RATE units of TO on a day");
  set->add_option("from", o->from, "the currency converted from, e.g. USD")->required();
  set->add_option("to", o->to, "the currency converted to, e.g. EUR")->required();
  set->add_option("rate", o->rate, "units of TO for one FROM, an exact decimal such as 0.9235")->required();
  set->add_option("--on", o->on, "the day of the rate, YYYY-MM-DD")->required();
  set->add_option("--source", o->source, "the citation (a central bank's reference rate, ...)")->required();
  add_source_detail_options(*set, o->details);
  set->callback([&global, o] {
    require_simple_format(global);
    ledger::ExchangeRate r{ledger::Currency::from_code(o->from, "from"), ledger::Currency::from_code(o->to, "to"),
                           ledger::parse_date(o->on, "on"), ledger::Rate::parse(o->rate, "rate"), o->source,
                           o->details.details()};
    OpenLedger open = open_ledger(global);
    ledger::WriteTransaction txn(*open.store);
    ledger::ExchangeRate recorded = open.ledger->set_rate(r);
    txn.commit();
    if (output_format(global) == Format::Json) {
      print_json(std::cout, rate_json(recorded));
      return;
    }
    std::cout << said(*open.ledger, "recorded") << " rate: 1 " << recorded.from.code() << " = "
              << recorded.rate.to_string() << " " << recorded.to.code() << " on " << ledger::format_date(recorded.date)
              << '\n';
  });

  auto* list = rate->add_subcommand("list", "list the exchange rates, by currencies then day");
  list->callback([&global] {
    require_simple_format(global, /*reads_as_of=*/true);
    OpenLedger open = open_for_reading(global);
    std::vector<ledger::ExchangeRate> rates = open.store->rates();
    if (output_format(global) == Format::Json) {
      nlohmann::json out = nlohmann::json::array();
      for (const ledger::ExchangeRate& r : rates) out.push_back(rate_json(r));
      print_json(std::cout, out);
      return;
    }
    std::size_t width = 4;  // "rate"
    for (const ledger::ExchangeRate& r : rates) width = std::max(width, r.rate.to_string().size());
    std::cout << "from  to   date        " << std::string("rate") + std::string(width - 4, ' ') << "  source\n";
    for (const ledger::ExchangeRate& r : rates) {
      std::string text = r.rate.to_string();
      std::cout << r.from.code() << "   " << r.to.code() << "  " << ledger::format_date(r.date) << "  " << text
                << std::string(width - text.size(), ' ') << "  " << r.source << '\n';
    }
  });
}

}  // namespace adledger::cli
