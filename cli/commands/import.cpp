// import FILE: a JSON document, JSON Lines, CSV or an ad library's export,
// streamed, in one transaction.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/context.hpp"
#include "ledger/error.hpp"
#include "ledger/io/adlib_import.hpp"
#include "ledger/io/import.hpp"

namespace adledger::cli {
namespace {

struct ImportOptions {
  std::string file;
  std::string input;  // json, jsonl, csv or an ad library's format; empty: by the file's extension
  // For the ad libraries' exports only.
  std::string market, from, to, platform, map, source;
};

bool ad_library(const std::string& format) {
  return format == "meta-report" || format == "meta-api" || format == "google-weekly";
}

// The options of an ad library's import, checked before the ledger opens.
ledger::AdLibraryOptions ad_library_options(const ImportOptions& o) {
  ledger::AdLibraryOptions a;
  // The file's name, not its path: where it sits on this machine is no
  // part of the citation, and a published ledger should not tell.
  a.source = o.source.empty() ? std::filesystem::path(o.file).filename().string() : o.source;
  // A country code, the same however it is typed: it is part of the ids.
  a.market = o.market;
  for (char& c : a.market)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (!o.platform.empty()) a.platform = o.platform;
  if (!o.from.empty() || !o.to.empty()) {
    if (o.from.empty() || o.to.empty())
      throw ledger::Error(ledger::ErrorKind::Input, "from, to: give both: the range the report covers");
    ledger::Date first = ledger::parse_date(o.from, "from"), last = ledger::parse_date(o.to, "to");
    if (last < first) throw ledger::Error(ledger::ErrorKind::Input, "to " + ledger::quote(o.to) + ": before from " + ledger::quote(o.from));
    a.period = ledger::Period(first, last);
  }
  if (!o.map.empty()) {
    std::ifstream in(o.map, std::ios::binary);
    if (!in) throw ledger::Error(ledger::ErrorKind::Input, "map " + ledger::quote(o.map) + ": cannot be read");
    a.advertiser_of = ledger::read_advertiser_map(in, o.map);
  }
  return a;
}

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
  std::string format = input_format(o);
  if (!ad_library(format)) {
    for (const auto& [name, value] : {std::pair{"market", &o.market}, std::pair{"from", &o.from},
                                      std::pair{"to", &o.to}, std::pair{"platform", &o.platform},
                                      std::pair{"map", &o.map}, std::pair{"source", &o.source}})
      if (!value->empty())
        throw ledger::Error(ledger::ErrorKind::Input, std::string(name) + " " + ledger::quote(*value) +
                                                          ": only for an ad library's export (--input meta-report, "
                                                          "meta-api or google-weekly)");
  }
  if (ad_library(format) && format != "meta-report" && (!o.from.empty() || !o.to.empty()))
    throw ledger::Error(ledger::ErrorKind::Input, "from, to: only for --input meta-report: the other exports give "
                                                  "each row's dates");
  if (format == "meta-report" && o.from.empty() && o.to.empty())
    throw ledger::Error(ledger::ErrorKind::Input, "from, to: required: a Meta Ad Library report holds no dates; give "
                                                  "the range it covers (its file name ends with the last day)");
  ledger::AdLibraryOptions library = ad_library(format) ? ad_library_options(o) : ledger::AdLibraryOptions{};
  std::ifstream in = open_input(o.file);
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::Ledger& l = *open.ledger;
  if (format == "csv") c = ledger::import_csv(l, in, o.file, report);
  else if (format == "jsonl") c = ledger::import_lines(l, in, o.file, report);
  else if (format == "meta-report") c = ledger::import_meta_report(l, in, o.file, library, report);
  else if (format == "meta-api") c = ledger::import_meta_api(l, in, o.file, library, report);
  else if (format == "google-weekly") c = ledger::import_google_weekly(l, in, o.file, library, report);
  else c = ledger::import_document(l, in, o.file, report);
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
                           {"rates", c.rates},
                           {"running", c.running},
                           {"unchanged", c.unchanged}});
    return;
  }
  std::cout << "imported " << o.file << ": " << c.platforms << " platforms, " << c.advertisers << " advertisers, "
            << c.handles << " handles, " << c.policy_actions << " policy actions, " << c.spend
            << " spend entries, " << c.pledges << " pledges, " << c.disbursements << " disbursements, "
            << c.disclosures << " disclosed totals";
  if (c.policy_withdrawals) std::cout << ", " << c.policy_withdrawals << " policy withdrawals";
  if (c.spend_reversals) std::cout << ", " << c.spend_reversals << " spend reversals";
  if (c.rates) std::cout << ", " << c.rates << " exchange rates";
  if (c.unchanged) std::cout << "; " << c.unchanged << " of them already recorded, unchanged";
  if (c.running)
    std::cout << "; " << c.running << (c.running == 1 ? " ad" : " ads")
              << " still running, not recorded (their spend is not final: import a later export)";
  std::cout << '\n';
}

}  // namespace

void setup_import(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<ImportOptions>();
  auto* sub = app.add_subcommand("import",
                                 "import a JSON document (schemas/import.schema.json), JSON Lines, CSV or an ad "
                                 "library's export, in one transaction");
  sub->add_option("file", o->file, "the file: a JSON document, JSON Lines (.jsonl, .ndjson) or CSV (.csv)")
      ->required();
  sub->add_option("--input", o->input,
                  "the file's format: json, jsonl or csv (by default from its extension), or an ad library's "
                  "export: meta-report (Meta Ad Library report CSV), meta-api (Meta Ad Library API records, one a "
                  "line), google-weekly (Google political ads advertiser weekly spend CSV)")
      ->check(CLI::IsMember({"json", "jsonl", "csv", "meta-report", "meta-api", "google-weekly"}));
  sub->add_option("--market", o->market, "ad library: the country the export covers (FR, US, ...)");
  sub->add_option("--from", o->from, "meta-report: the first day of the report's range");
  sub->add_option("--to", o->to, "meta-report: the last day of the report's range (the date in its file name)");
  sub->add_option("--platform", o->platform, "ad library: the platform paid (default: facebook for Meta, google)");
  sub->add_option("--map", o->map,
                  "ad library: a CSV file `source,advertiser` naming the advertiser of a payer (`page:ID` for a Meta "
                  "page whose ads name no payer; a Google Advertiser_ID)");
  sub->add_option("--source", o->source, "ad library: the export as cited in each entry (default: the file name)");
  sub->callback([&global, o] {
    require_simple_format(global);
    run_import(global, *o);
  });
}

}  // namespace adledger::cli
