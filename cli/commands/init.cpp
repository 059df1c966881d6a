#include <iostream>

#include "cli/context.hpp"

namespace adledger::cli {

void setup_init(CLI::App& app, GlobalOptions& global) {
  auto* sub = app.add_subcommand("init", "create a new, empty ledger (an SQLite file or a PostgreSQL database)");
  sub->callback([&global] {
    require_simple_format(global);
    std::string path = ledger::display_location(resolve_db_path(global));
    open_ledger(global, ledger::OpenMode::CreateNew);
    if (output_format(global) == Format::Json) {
      print_json(std::cout, {{"created", path}, {"schema_version", ledger::kSchemaVersion}});
      return;
    }
    std::cout << "created ledger " << path << " (schema version " << ledger::kSchemaVersion << ")\n";
  });
}

}  // namespace adledger::cli
