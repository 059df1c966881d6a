#include <iostream>

#include "cli/context.hpp"

namespace adledger::cli {

void setup_init(CLI::App& app, GlobalOptions& global) {
  auto* sub = app.add_subcommand("init", "create a new, empty ledger file");
  sub->callback([&global] {
    require_simple_format(global);
    std::string path = resolve_db_path(global);
    open_ledger(global, ledger::OpenMode::CreateNew);
    if (output_format(global) == Format::Json) {
      print_json(std::cout, {{"created", path}, {"schema_version", ledger::kSchemaVersion}});
      return;
    }
    std::cout << "created ledger " << path << " (schema version " << ledger::kSchemaVersion << ")\n";
  });
}

}  // namespace adledger::cli
