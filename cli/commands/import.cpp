// import FILE: a JSON document, JSON Lines, CSV or an ad library's export,
// streamed, in one transaction.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ext/stdio_filebuf.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "cli/context.hpp"
#include "ledger/error.hpp"
#include "ledger/io/adlib_import.hpp"
#include "ledger/io/import.hpp"

namespace adledger::cli {
namespace {

struct ImportOptions {
  std::vector<std::string> files;  // one, or the pages of a Meta API response
  std::string file;                // the first
  std::string input;               // json, jsonl, csv or an ad library's format; empty: by the file's extension
  // For the ad libraries' exports only.
  std::string market, from, to, platform, map, source, geo;
};

bool ad_library(const std::string& format) { return ledger::is_ad_library_format(format); }

// The formats whose files hold no dates: the range comes from --from and
// --to (or, for a Meta report, from its file's name).
bool dated_by_options(const std::string& format) {
  return format == "meta-report" || format == "google-geo" || format == "google-advertiser-geo";
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
  if (!o.geo.empty()) {
    std::ifstream in(o.geo, std::ios::binary);
    if (!in) throw ledger::Error(ledger::ErrorKind::Input, "geo " + ledger::quote(o.geo) + ": cannot be read");
    a.countries = ledger::read_advertiser_countries(in, o.geo);
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

// A file to import, opened for reading, with what the progress shows of
// it: its size (none for a pipe) and how far it has been read, which the
// writing thread asks while a second thread reads (the file offset, from
// the kernel, which orders the two).
class InputFile {
 public:
  // A directory is refused by name.
  explicit InputFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw ledger::Error(ledger::ErrorKind::Input, "file " + ledger::quote(path) + ": cannot be read");
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd_);
      throw ledger::Error(ledger::ErrorKind::Input, "file " + ledger::quote(path) + ": is a directory");
    }
    if (S_ISREG(st.st_mode)) size_ = static_cast<std::uint64_t>(st.st_size);
    buf_ = std::make_unique<__gnu_cxx::stdio_filebuf<char>>(fd_, std::ios::in | std::ios::binary, kBuffer);
    in_ = std::make_unique<std::istream>(buf_.get());
  }
  std::istream& stream() { return *in_; }
  std::optional<std::uint64_t> size() const { return size_; }
  // Bytes read so far (ahead of the records recorded by a buffer or two).
  std::uint64_t read() const {
    off_t at = ::lseek(fd_, 0, SEEK_CUR);
    return at < 0 ? 0 : static_cast<std::uint64_t>(at);
  }

 private:
  static constexpr std::size_t kBuffer = 64 * 1024;
  int fd_ = -1;  // owned by buf_, which closes it
  std::optional<std::uint64_t> size_;
  std::unique_ptr<__gnu_cxx::stdio_filebuf<char>> buf_;
  std::unique_ptr<std::istream> in_;
};

// Progress on a terminal, on stderr, at most four times a second. Files
// whose size is known: a bar of the share read, the bytes, the rate and the
// time left, reckoned from the bytes; a pipe: the records, the rate and
// the time so far. Nothing when stderr is not a terminal.
class Progress {
 public:
  explicit Progress(const std::vector<std::unique_ptr<InputFile>>& files)
      : files_(files), on_(isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_(start_) {
    for (const auto& f : files_) {
      if (!f->size()) {
        total_.reset();
        break;
      }
      total_ = total_.value_or(0) + *f->size();
    }
  }
  ~Progress() {
    if (shown_) std::cerr << '\n';
  }
  void operator()(const ledger::ImportCounts& c) {
    if (!on_) return;
    auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    double seconds = std::chrono::duration<double>(now - start_).count();
    double rate = seconds > 0 ? static_cast<double>(c.records) / seconds : 0.0;
    char line[200];
    if (total_ && *total_ > 0) {
      std::uint64_t done = 0;
      for (const auto& f : files_) done += f->read();
      done = std::min(done, *total_);
      double share = static_cast<double>(done) / static_cast<double>(*total_);
      constexpr int kWidth = 24;
      int filled = static_cast<int>(share * kWidth);
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.append(static_cast<std::size_t>(kWidth - filled), '.');
      char left[32] = "";
      if (done > 0 && done < *total_)
        std::snprintf(left, sizeof left, ", %.0f s left", seconds * (1.0 / share - 1.0));
      std::snprintf(line, sizeof line, "\rimporting: [%s] %3.0f %%, %.1f of %.1f MB, %.0f records/s%s\x1b[K",
                    bar.c_str(), share * 100.0, static_cast<double>(done) / 1e6,
                    static_cast<double>(*total_) / 1e6, rate, left);
    } else {
      std::snprintf(line, sizeof line, "\rimporting: %zu records, %.0f records/s, %.1f s\x1b[K", c.records, rate,
                    seconds);
    }
    std::cerr << line << std::flush;
    shown_ = true;
  }

 private:
  using Clock = std::chrono::steady_clock;
  const std::vector<std::unique_ptr<InputFile>>& files_;
  std::optional<std::uint64_t> total_;  // none: a file's size is not known (a pipe)
  bool on_;
  bool shown_ = false;
  Clock::time_point start_, last_;
};

// The pages of a Meta API response, each cited by its own name (after the
// source given, when there are several).
std::vector<ledger::AdLibraryInput> meta_api_inputs(const ImportOptions& o,
                                                     const std::vector<std::unique_ptr<InputFile>>& files) {
  std::vector<ledger::AdLibraryInput> inputs;
  for (std::size_t i = 0; i < o.files.size(); ++i) {
    std::string name = std::filesystem::path(o.files[i]).filename().string();
    std::string source = o.source.empty() ? name : o.files.size() == 1 ? o.source : o.source + ", " + name;
    inputs.push_back({&files[i]->stream(), o.files[i], source});
  }
  return inputs;
}

// The options that only some formats take, refused by name elsewhere.
void check_options(const std::string& format, const ImportOptions& o) {
  if (!ad_library(format)) {
    for (const auto& [name, value] : {std::pair{"market", &o.market}, std::pair{"from", &o.from},
                                      std::pair{"to", &o.to}, std::pair{"platform", &o.platform},
                                      std::pair{"map", &o.map}, std::pair{"source", &o.source},
                                      std::pair{"geo", &o.geo}})
      if (!value->empty())
        throw ledger::Error(ledger::ErrorKind::Input, std::string(name) + " " + ledger::quote(*value) +
                                                          ": only for an ad library's export (--input meta-report, "
                                                          "meta-api, google-weekly, google-creative, google-geo or "
                                                          "google-advertiser-geo)");
  }
  if (ad_library(format) && !dated_by_options(format) && (!o.from.empty() || !o.to.empty()))
    throw ledger::Error(ledger::ErrorKind::Input, "from, to: only for --input meta-report, google-geo and "
                                                  "google-advertiser-geo: the other exports give each row's dates");
  if (!o.geo.empty() && format != "google-weekly")
    throw ledger::Error(ledger::ErrorKind::Input, "geo " + ledger::quote(o.geo) + ": only for --input google-weekly: "
                                                  "the advertiser geo file that gives its markets");
  if (!o.geo.empty() && !o.market.empty())
    throw ledger::Error(ledger::ErrorKind::Input, "geo, market: give one: the markets come from the advertiser "
                                                  "geo file, or are the one given");
  if ((format == "google-creative" || format == "google-advertiser-geo") && !o.market.empty())
    throw ledger::Error(ledger::ErrorKind::Input, "market " + ledger::quote(o.market) + ": not for --input " + format +
                                                      ": its rows name their regions");
  if (format == "google-geo" && (!o.market.empty() || !o.map.empty()))
    throw ledger::Error(ledger::ErrorKind::Input, std::string(o.market.empty() ? "map" : "market") +
                                                      ": not for --input google-geo: its rows name their country and "
                                                      "no advertiser");
  // Every file is opened before the import starts, within the process's
  // limit on open files.
  constexpr std::size_t kFilesMax = 500;
  if (o.files.size() > kFilesMax)
    throw ledger::Error(ledger::ErrorKind::Input, "file: " + std::to_string(o.files.size()) + " files; at most " +
                                                      std::to_string(kFilesMax) + " in one import (the pages of a "
                                                      "Graph API response may also be given together, in one file)");
  if (o.files.size() > 1 && format != "meta-api")
    throw ledger::Error(ledger::ErrorKind::Input, "file " + ledger::quote(o.files[1]) + ": one file only, except "
                                                  "for --input meta-api (the pages of a Graph API response)");
}

void run_import(const GlobalOptions& global, const ImportOptions& o) {
  std::string format = input_format(o);
  check_options(format, o);
  ledger::AdLibraryOptions library = ad_library(format) ? ad_library_options(o) : ledger::AdLibraryOptions{};
  std::vector<std::unique_ptr<InputFile>> opened;
  for (const std::string& file : o.files) opened.push_back(std::make_unique<InputFile>(file));
  std::vector<ledger::AdLibraryInput> inputs =
      format == "meta-api" ? meta_api_inputs(o, opened)
                           : std::vector<ledger::AdLibraryInput>{{&opened.front()->stream(), o.file, library.source}};
  Progress progress(opened);
  ledger::ImportProgress report = [&progress](const ledger::ImportCounts& c) { progress(c); };
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::AdLibraryCounts c = ledger::import_format(*open.ledger, format, inputs, library, report);
  txn.commit();
  std::string files;
  for (const std::string& file : o.files) files += (files.empty() ? "" : ", ") + file;
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::import_result_json(files, c, ad_library(format)));
    return;
  }
  std::cout << "imported " << files << ": " << c.platforms << " platforms, " << c.advertisers << " advertisers, "
            << c.handles << " handles, " << c.policy_actions << " policy actions, " << c.spend
            << " spend entries, " << c.pledges << " pledges, " << c.disbursements << " disbursements, "
            << c.disclosures << " disclosed totals";
  if (c.policy_withdrawals) std::cout << ", " << c.policy_withdrawals << " policy withdrawals";
  if (c.spend_reversals) std::cout << ", " << c.spend_reversals << " spend reversals";
  if (c.withdrawals)
    std::cout << ", " << c.withdrawals << " withdrawals of pledges, disbursements or disclosed totals";
  if (c.rates) std::cout << ", " << c.rates << " exchange rates";
  if (c.unchanged) std::cout << "; " << c.unchanged << " of them already recorded, unchanged";
  if (c.running)
    std::cout << "; " << c.running << (c.running == 1 ? " ad" : " ads")
              << " still running, not recorded (their spend is not final: import a later export)";
  if (c.without_spend) {
    const char* what = format == "meta-report" ? (c.without_spend == 1 ? " row" : " rows")
                                               : (c.without_spend == 1 ? " ad" : " ads");
    std::cout << "; " << c.without_spend << what << " without spend skipped";
  }
  if (c.superseded)
    std::cout << "; " << c.superseded << (c.superseded == 1 ? " earlier figure" : " earlier figures")
              << " superseded by this later download (reversed)";
  if (c.older_skipped)
    std::cout << "; " << c.older_skipped << (c.older_skipped == 1 ? " figure" : " figures")
              << " skipped: the ledger has a later download of them";
  if (c.reversed_skipped)
    std::cout << "; " << c.reversed_skipped << (c.reversed_skipped == 1 ? " figure" : " figures")
              << " skipped: their ads' entries were reversed";
  std::cout << '\n';
}

}  // namespace

void setup_import(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<ImportOptions>();
  auto* sub = app.add_subcommand("import",
                                 "import a JSON document (schemas/import.schema.json), JSON Lines, CSV or an ad "
                                 "library's export, in one transaction");
  sub->add_option("file", o->files,
                  "the file: a JSON document, JSON Lines (.jsonl, .ndjson) or CSV (.csv); for --input meta-api, "
                  "one or several (the pages of a Graph API response)")
      ->required();
  sub->add_option("--input", o->input,
                  "the file's format: json, jsonl or csv (by default from its extension), or an ad library's "
                  "export: meta-report (Meta Ad Library report CSV), meta-api (Meta Ad Library API: the Graph API's "
                  "response as saved, or one ad a line), google-weekly (Google political ads advertiser weekly spend "
                  "CSV), google-creative (Google political ads creative stats CSV), google-geo (Google political ads "
                  "geo spend CSV), google-advertiser-geo (Google political ads advertiser geo spend CSV)")
      ->check(CLI::IsMember({"json", "jsonl", "csv", "meta-report", "meta-api", "google-weekly", "google-creative",
                             "google-geo", "google-advertiser-geo"}));
  sub->add_option("--market", o->market,
                  "ad library: the country the export covers (FR, US, ...); a Meta report's comes from its file "
                  "name, Google's from their rows (google-weekly: unknown, or --geo)");
  sub->add_option("--from", o->from,
                  "meta-report, google-geo, google-advertiser-geo: the first day of the range the file covers (a "
                  "Meta report's comes from its file name)");
  sub->add_option("--to", o->to,
                  "meta-report, google-geo, google-advertiser-geo: the last day of the range the file covers (a "
                  "Meta report's is the date in its file name)");
  sub->add_option("--platform", o->platform, "ad library: the platform paid (default: facebook for Meta, google)");
  sub->add_option("--map", o->map,
                  "ad library: a CSV file `source,advertiser` naming the advertiser of a payer (`page:ID` for a Meta "
                  "page whose ads name no payer; a Google Advertiser_ID)");
  sub->add_option("--source", o->source, "ad library: the export as cited in each entry (default: the file name)");
  sub->add_option("--geo", o->geo,
                  "google-weekly: Google's advertiser geo spend CSV, beside it: an advertiser's spend in a currency "
                  "is filed under the one country where that file shows it (else unknown)");
  sub->callback([&global, o] {
    require_simple_format(global);
    o->file = o->files.front();
    run_import(global, *o);
  });
}

}  // namespace adledger::cli
