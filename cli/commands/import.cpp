// import FILE: a JSON document, JSON Lines or CSV, streamed, in one transaction.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdio>
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
  std::string input;  // json or jsonl; empty: by the file's extension
};

std::string input_format(const ImportOptions& o) {
  if (!o.input.empty()) return o.input;
  auto ends = [&](const char* ext) { return o.file.ends_with(ext); };
  if (ends(".jsonl") || ends(".ndjson")) return "jsonl";
  if (ends(".csv")) return "csv";
  return "json";
}

// Progress on a terminal, on stderr, at most four times a second: records,
// rate, elapsed. Nothing when stderr is not a terminal.
class Progress {
 public:
  Progress() : on_(isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_(start_) {}
  ~Progress() {
    if (shown_) std::cerr << '\n';
  }
  void operator()(const ledger::ImportCounts& c) {
    if (!on_) return;
    auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    double seconds = std::chrono::duration<double>(now - start_).count();
    char line[160];
    std::snprintf(line, sizeof line, "\rimporting: %zu records, %.0f records/s, %.1f s", c.records,
                  seconds > 0 ? static_cast<double>(c.records) / seconds : 0.0, seconds);
    std::cerr << line << std::flush;
    shown_ = true;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool on_;
  bool shown_ = false;
  Clock::time_point start_, last_;
};

// The file to import, opened; a directory is refused by name.
std::ifstream open_input(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ledger::Error(ledger::ErrorKind::Input, "file " + ledger::quote(path) + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ledger::Error(ledger::ErrorKind::Input, "file " + ledger::quote(path) + ": cannot be read");
  return in;
}

void run_import(const GlobalOptions& global, const ImportOptions& o) {
  Progress progress;
  ledger::ImportProgress report = [&progress](const ledger::ImportCounts& c) { progress(c); };
  ledger::ImportCounts c;
  std::ifstream in = open_input(o.file);
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  std::string format = input_format(o);
  c = format == "csv"     ? ledger::import_csv(*open.ledger, in, o.file, report)
      : format == "jsonl" ? ledger::import_lines(*open.ledger, in, o.file, report)
                          : ledger::import_document(*open.ledger, in, o.file, report);
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
                           {"policy_withdrawals", c.policy_withdrawals},
                           {"spend_reversals", c.spend_reversals},
                           {"unchanged", c.unchanged}});
    return;
  }
  std::cout << "imported " << o.file << ": " << c.platforms << " platforms, " << c.advertisers << " advertisers, "
            << c.handles << " handles, " << c.policy_actions << " policy actions, " << c.spend
            << " spend entries, " << c.pledges << " pledges, " << c.disbursements << " disbursements, "
            << c.disclosures << " disclosed totals";
  if (c.policy_withdrawals) std::cout << ", " << c.policy_withdrawals << " policy withdrawals";
  if (c.spend_reversals) std::cout << ", " << c.spend_reversals << " spend reversals";
  if (c.unchanged) std::cout << "; " << c.unchanged << " of them already recorded, unchanged";
  std::cout << '\n';
}

}  // namespace

void setup_import(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<ImportOptions>();
  auto* sub = app.add_subcommand(
      "import", "import a JSON document (schemas/import.schema.json) or JSON Lines, in one transaction");
  sub->add_option("file", o->file, "the file: a JSON document, JSON Lines (.jsonl, .ndjson) or CSV (.csv)")
      ->required();
  sub->add_option("--input", o->input, "the file's format when its extension does not say: json, jsonl or csv")
      ->check(CLI::IsMember({"json", "jsonl", "csv"}));
  sub->callback([&global, o] {
    require_simple_format(global);
    run_import(global, *o);
  });
}

}  // namespace adledger::cli
