// adledger: the command line. It parses arguments, calls the library and
// prints; every rule lives in ledger/.
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "cli/context.hpp"
#include "ledger/error.hpp"

namespace {

int exit_code_of(ledger::ErrorKind kind) {
  using adledger::cli::ExitCode;
  switch (kind) {
    case ledger::ErrorKind::Input: return adledger::cli::kExitInput;
    case ledger::ErrorKind::Rule: return adledger::cli::kExitRule;
    case ledger::ErrorKind::Storage: return adledger::cli::kExitStorage;
  }
  return adledger::cli::kExitInternal;
}

// CLI11 reports an unknown command word only as "a subcommand is required";
// name the word instead. Returns the first word that is neither an option
// nor an option's value, if it is not a command.
std::optional<std::string> unknown_command(CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    // A global option that takes a value: the next word is its value.
    auto takes_value =
        app.get_options([&](CLI::Option* opt) { return opt->get_type_size() != 0 && opt->check_name(arg); });
    if (!takes_value.empty()) {
      ++i;
      continue;
    }
    if (arg.starts_with("-")) continue;
    auto known = app.get_subcommands([&](CLI::App* sub) { return sub->check_name(arg); });
    if (known.empty()) return arg;
    return std::nullopt;
  }
  return std::nullopt;
}

// One line, whatever the message holds.
std::string one_line(std::string message) {
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace adledger::cli;
  CLI::App app{"adledger: an ad-transparency ledger of sponsored-content spend, platform policy actions and pledges",
               "adledger"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  GlobalOptions global;
  int exit_code = kExitOk;
  app.add_option("--db,-f,--file", global.db, "ledger file (default: $ADLEDGER_DB, else ./adledger.db)");
  app.add_option("--format", global.format, "output format")
      ->check(CLI::IsMember({"table", "json", "csv", "markdown", "html"}))
      ->default_str("table");
  app.add_option("--table", global.table,
                 "with --format csv: the table to write (a report's first table by default; an unknown name lists "
                 "them; all: every table, each after a line # table: ID)");
  app.add_option("--output", global.output,
                 "with --format csv: write every table of a report to DIR/ID.csv, a file each (DIR is made if "
                 "need be)")
      ->option_text("DIR");
  app.add_option("--as-of", global.as_of,
                 "reports, register, balance, ban-status, export, rate list and spend list read the ledger as it stood at this time "
                 "(2026-11-22T10:00:00.000Z, UTC) or at the end of this day (2026-11-22)");
  app.add_option("--wait", global.wait_s,
                 "seconds to wait for a ledger another adledger is writing before giving up (default 30)")
      ->check(CLI::Range(0, 86400));
  app.add_option("--author", global.author,
                 "who is recording: kept with every record this command writes, in the record log and its hashes "
                 "(default: $ADLEDGER_AUTHOR, else the database role on PostgreSQL, else none)");
  app.set_version_flag("--version", std::string("adledger ") + ADLEDGER_VERSION);

  setup_init(app, global);
  setup_platform(app, global);
  setup_advertiser(app, global);
  setup_spend(app, global);
  setup_policy(app, global);
  setup_pledge(app, global);
  setup_import(app, global);
  setup_ban_status(app, global, exit_code);
  setup_report(app, global);
  setup_register(app, global);
  setup_balance(app, global);
  setup_disclosure(app, global);
  setup_lists(app, global);
  setup_audit(app, global, exit_code);
  setup_export(app, global);
  setup_copy(app, global);
  setup_rate(app, global);
  setup_proof(app, global, exit_code);
  setup_serve(app, global);
  setup_token(app, global);
  setup_completion(app);

  if (argc == 1) {  // as ledger and hledger do: the usage, not an error
    std::cout << app.help();
    return kExitOk;
  }
  if (auto word = unknown_command(app, argc, argv)) {
    std::cerr << "error: unknown command " << ledger::quote(*word) << " (see adledger --help)\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << one_line(e.what()) << " (see adledger --help)\n";
    return kExitUsage;
  } catch (const ledger::Error& e) {
    std::cerr << "error: " << one_line(e.what()) << '\n';
    return exit_code_of(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << one_line(e.what()) << '\n';
    return kExitInternal;
  }
  return exit_code;
}
