// ban-status: is this advertiser banned on that platform on that day?
// Exit 0 when not banned, 1 when banned (on any platform asked about).
// With --batch FILE, the same question for every line of a file
// (ledger/io/ban_checks.hpp), answered as CSV or JSON Lines.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/context.hpp"
#include "ledger/error.hpp"
#include "ledger/io/ban_checks.hpp"
#include "ledger/io/json_output.hpp"
#include "ledger/report/answers.hpp"

namespace adledger::cli {
namespace {

struct BanStatusOptions {
  std::string advertiser;
  std::string platform;
  std::string on;
  std::string batch;  // a file of checks, or "-" for stdin
};

std::string describe(const ledger::BanCheck& c) {
  std::string line = c.advertiser_id + " on " + c.platform_id + " on " + ledger::format_date(c.on) + ": ";
  if (!c.banned) return line + "not banned";
  line += "banned since " + ledger::format_date(c.ban->date);
  if (c.until)
    line += " until " + ledger::format_date(*c.until) + (c.lifted_by ? " (lifted by " + c.lifted_by->id + ")" : "");
  else
    line += ", no end date";
  return line + ", by " + c.ban->id;
}

int run_ban_status(const GlobalOptions& global, const BanStatusOptions& o) {
  ledger::Date on = o.on.empty() ? today() : ledger::parse_date(o.on, "on");
  OpenLedger open = open_for_reading(global);
  const ledger::BanStatusAnswer answer = ledger::ban_status_of(
      *open.ledger, o.advertiser, o.platform.empty() ? std::nullopt : std::optional(o.platform), on);
  const std::vector<ledger::BanCheck>& checks = answer.checks;
  const bool banned = answer.banned;

  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(answer));
  } else {
    if (checks.empty()) std::cout << o.advertiser << ": the ledger has no platforms\n";
    for (const auto& c : checks) {
      std::cout << describe(c) << '\n';
      if (c.banned) {
        std::cout << "  reason: " << c.ban->description << '\n';
        std::cout << "  source: " << c.ban->source << '\n';
      }
    }
  }
  return banned ? kExitBanned : kExitOk;
}

// --batch prints CSV (the default format, or --format csv) or JSON Lines
// (--format json); nothing else.
void require_batch_format(const GlobalOptions& global) {
  Format f = output_format(global);
  if (f != Format::Table && f != Format::Csv && f != Format::Json)
    throw CLI::ValidationError("--format", global.format + ": ban-status --batch prints csv (the default) or json "
                                                           "(JSON Lines)");
  if (!global.table.empty()) throw CLI::ValidationError("--table", global.table + ": applies to --format csv of a report");
  if (!global.output.empty())
    throw CLI::ValidationError("--output", global.output + ": applies to --format csv of a report");
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

int run_ban_checks(const GlobalOptions& global, const BanStatusOptions& o) {
  // The checks' file first: a missing one is refused before the ledger is
  // opened.
  std::unique_ptr<std::FILE, FileCloser> file;
  std::FILE* in = stdin;
  std::string name = "stdin";
  if (o.batch != "-") {
    name = o.batch;
    std::error_code ec;
    if (std::filesystem::is_directory(o.batch, ec))
      throw ledger::Error(ledger::ErrorKind::Input, "file " + ledger::quote(o.batch) + ": is a directory");
    file.reset(std::fopen(o.batch.c_str(), "rb"));
    if (!file) throw ledger::Error(ledger::ErrorKind::Input, "file " + ledger::quote(o.batch) + ": cannot be read");
    in = file.get();
  }
  OpenLedger open = open_for_reading(global);
  // Everything the checks need, read once.
  ledger::BanIndex index(open.store->policy_actions(std::nullopt));
  ledger::BanChecker checker(index, open.store->advertisers(), open.store->platforms(),
                             output_format(global) == Format::Json ? ledger::BanChecksFormat::JsonLines
                                                                   : ledger::BanChecksFormat::Csv);
  // Every answer is held until the last line is answered: a bad line prints
  // its error and nothing else.
  ledger::ChunkedText answers;
  ledger::BanChecksSummary summary = checker.answer(in, name, answers);
  std::cout.flush();
  if (!answers.write_to(stdout))
    throw ledger::Error(ledger::ErrorKind::Input, "stdout: cannot be written: the answers are cut short");
  return summary.banned > 0 ? kExitBanned : kExitOk;
}

}  // namespace

void setup_ban_status(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto o = std::make_shared<BanStatusOptions>();
  auto* sub = app.add_subcommand("ban-status",
                                 "is an advertiser banned from buying ads on a platform on a day? "
                                 "exit 0: not banned, 1: banned, 2 or more: error");
  auto* advertiser = sub->add_option("--advertiser", o->advertiser, "advertiser id (required without --batch)");
  auto* platform = sub->add_option("--platform", o->platform, "platform id (default: every platform)");
  auto* on = sub->add_option("--on", o->on, "the day, YYYY-MM-DD (default: today, UTC)");
  auto* batch = sub->add_option("--batch", o->batch,
                  "check every line of FILE ('-': stdin), each advertiser,platform,YYYY-MM-DD; prints CSV, or JSON "
                  "Lines with --format json; exit 1 if any is banned")
      ->option_text("FILE")
      ->excludes(advertiser)
      ->excludes(platform)
      ->excludes(on);
  sub->callback([&global, &exit_code, o, advertiser, batch] {
    if (batch->count() > 0) {
      require_batch_format(global);
      exit_code = run_ban_checks(global, *o);
      return;
    }
    if (advertiser->count() == 0) throw CLI::RequiredError("--advertiser");
    require_simple_format(global, true);
    exit_code = run_ban_status(global, *o);
  });
}

}  // namespace adledger::cli
