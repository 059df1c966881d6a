// copy --from LEDGER --to LEDGER: moves a ledger between backends (an SQLite
// file and a PostgreSQL database, either way) with every record, the time it
// was recorded and its hash: head and verify answer the same on both sides.
#include <iostream>

#include "cli/context.hpp"
#include "ledger/audit/chain.hpp"
#include "ledger/audit/replay.hpp"
#include "ledger/error.hpp"

namespace adledger::cli {

void setup_copy(CLI::App& app, GlobalOptions& global) {
  struct Options {
    std::string from, to;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand(
      "copy", "copy a ledger into a new or empty one, between an SQLite file and a PostgreSQL database");
  sub->add_option("--from", o->from, "the ledger to copy: a file, or a postgresql:// URL")->required();
  sub->add_option("--to", o->to,
                  "where to: a file or database that holds no ledger yet (created), or an empty ledger")
      ->required();
  sub->callback([&global, o] {
    require_simple_format(global);
    if (!global.db.empty())
      throw CLI::ValidationError("--db", global.db + ": copy names its ledgers with --from and --to");
    if (o->from == o->to)
      throw ledger::Error(ledger::ErrorKind::Input, "to " + ledger::quote(ledger::display_location(o->to)) +
                                                        ": the same ledger as --from; copy into another");
    const ledger::StoreOptions options{std::int64_t{global.wait_s} * 1000};
    std::unique_ptr<ledger::Store> source = ledger::open_store(o->from, ledger::OpenMode::ReadExisting, options);
    std::unique_ptr<ledger::Store> destination;
    try {
      destination = ledger::open_store(o->to, ledger::OpenMode::OpenExisting, options);
    } catch (const ledger::Error& e) {
      // No ledger there yet: create one, empty, then copy into it.
      if (std::string_view(e.what()).find("no ledger there") == std::string_view::npos) throw;
      destination = ledger::open_store(o->to, ledger::OpenMode::CreateNew, options);
    }
    if (std::int64_t held = destination->tree_head().size; held != 0)
      throw ledger::Error(ledger::ErrorKind::Rule, "to " + ledger::quote(ledger::display_location(o->to)) +
                                                       ": already holds " + std::to_string(held) +
                                                       " records; a ledger is copied into a new or empty one only");
    std::int64_t copied = ledger::copy_log(*source, *destination);
    ledger::TreeHead head = destination->tree_head();
    if (output_format(global) == Format::Json) {
      print_json(std::cout, {{"from", ledger::display_location(o->from)},
                             {"to", ledger::display_location(o->to)},
                             {"records", copied},
                             {"root", ledger::to_hex(head.root)}});
      return;
    }
    std::cout << "copied " << copied << " records from " << ledger::display_location(o->from) << " to "
              << ledger::display_location(o->to) << "; head: " << head.size << " records, "
              << ledger::to_hex(head.root) << "\n";
  });
}

}  // namespace adledger::cli
