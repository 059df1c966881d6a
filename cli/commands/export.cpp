// export --format ledger|hledger|beancount|csv|jsonl: the journal for the
// tools users already have (ledger/export/export.hpp).
#include <iostream>

#include "cli/context.hpp"
#include "ledger/error.hpp"
#include "ledger/export/export.hpp"

namespace adledger::cli {

void setup_export(CLI::App& app, GlobalOptions& global) {
  struct Options {
    std::string format;
    std::string from, to;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand(
      "export", "write the journal for ledger, hledger or beancount, as CSV, or as JSON Lines that re-import");
  sub->add_option("--format", o->format, "ledger, hledger, beancount, csv (a posting a row) or jsonl (every record)")
      ->required();
  sub->add_option("--from", o->from, "first day of the transactions written, YYYY-MM-DD (inclusive)");
  sub->add_option("--to", o->to, "last day, YYYY-MM-DD (inclusive)");
  sub->callback([&global, o] {
    // The global --format is the reports'; an export's is its own, given
    // after the command. Both given is a mistake, never silently resolved.
    if (global.format != "table")
      throw ledger::Error(ledger::ErrorKind::Input, "format " + ledger::quote(global.format) +
                                                        ": export takes its own --format, after the command "
                                                        "(ledger, hledger, beancount, csv or jsonl)");
    for (const auto& [option, value] : {std::pair{"--table", &global.table}, std::pair{"--output", &global.output}})
      if (!value->empty()) throw CLI::ValidationError(option, *value + ": applies to --format csv of a report");
    ledger::ExportFormat format = ledger::parse_export_format(o->format);
    ledger::ExportOptions options;
    if (!o->from.empty()) options.from = ledger::parse_date(o->from, "from");
    if (!o->to.empty()) options.to = ledger::parse_date(o->to, "to");
    OpenLedger open = open_for_reading(global);
    ledger::export_journal(*open.ledger, format, options, std::cout);
    std::cout.flush();
    if (!std::cout) throw ledger::Error(ledger::ErrorKind::Storage, "standard output: cannot be written");
  });
}

}  // namespace adledger::cli
