// import FILE.json: a whole document in one transaction.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/context.hpp"
#include "ledger/error.hpp"
#include "ledger/io/import.hpp"

namespace adledger::cli {
namespace {

struct ImportOptions {
  std::string file;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ledger::Error(ledger::ErrorKind::Input, "file " + ledger::quote(path) + ": cannot be read");
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  if (size > ledger::kImportBytesMax)
    throw ledger::Error(ledger::ErrorKind::Input, path + ": larger than the " +
                                                      std::to_string(ledger::kImportBytesMax / (1024 * 1024)) +
                                                      " MiB an import document may be");
  in.seekg(0);
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  return text;
}

void run_import(const GlobalOptions& global, const ImportOptions& o) {
  std::string text = read_file(o.file);
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::ImportCounts c = ledger::import_document(*open.ledger, text, o.file);
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, {{"file", o.file},
                           {"platforms", c.platforms},
                           {"advertisers", c.advertisers},
                           {"handles", c.handles},
                           {"policy_actions", c.policy_actions},
                           {"spend", c.spend},
                           {"pledges", c.pledges},
                           {"disbursements", c.disbursements},
                           {"disclosures", c.disclosures},
                           {"unchanged", c.unchanged}});
    return;
  }
  std::cout << "imported " << o.file << ": " << c.platforms << " platforms, " << c.advertisers << " advertisers, "
            << c.handles << " handles, " << c.policy_actions << " policy actions, " << c.spend
            << " spend entries, " << c.pledges << " pledges, " << c.disbursements << " disbursements, "
            << c.disclosures << " disclosed totals";
  if (c.unchanged) std::cout << "; " << c.unchanged << " of them already recorded, unchanged";
  std::cout << '\n';
}

}  // namespace

void setup_import(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<ImportOptions>();
  auto* sub = app.add_subcommand("import", "import a JSON document (schemas/import.schema.json) in one transaction");
  sub->add_option("file", o->file, "the JSON document")->required();
  sub->callback([&global, o] {
    require_simple_format(global);
    run_import(global, *o);
  });
}

}  // namespace adledger::cli
