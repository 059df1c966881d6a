// What every adledger subcommand shares: the global options, opening the
// ledger, today's date, output formats and aligned tables.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ledger/audit/checkpoint.hpp"
#include "ledger/ledger.hpp"
#include "ledger/render/document.hpp"
#include "ledger/storage/open.hpp"

namespace adledger::cli {

enum class Format { Table, Json, Csv, Markdown, Html };

struct GlobalOptions {
  std::string db;                // --db, else $ADLEDGER_DB, else ./adledger.db
  std::string format = "table";  // --format table|json|csv|markdown|html
  std::string table;             // --table: which table --format csv writes
  std::string output;            // --output DIR: every table of a report, a CSV file each
  std::string as_of;             // --as-of: read the ledger as it stood then
  int wait_s = 30;               // --wait: seconds to wait for a busy ledger
  std::string author;            // --author, else $ADLEDGER_AUTHOR: who records
};

// Who the command records as: --author, else $ADLEDGER_AUTHOR, else none
// (the store's default then applies). Throws an input error for a bad name.
std::optional<std::string> named_author(const GlobalOptions& global);

// Exit statuses (docs/commands.md, "Exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitBanned = 1,  // ban-status only: the advertiser is banned
  kExitVerifyFailed = 1,  // verify only: a check failed
  kExitUsage = 2,   // the command line is wrong
  kExitInput = 3,   // a value is invalid (amount, date, file contents, ...)
  kExitRule = 4,    // the ledger refuses (unknown id, duplicate, ban, ...)
  kExitStorage = 5, // the database cannot be opened or used
  kExitInternal = 70,
};

std::string resolve_db_path(const GlobalOptions& global);
Format output_format(const GlobalOptions& global);

// Commands that are not reports print a table or JSON; asked for another
// format, they refuse with a usage error before doing anything.
// `reads_as_of`: the command honours --as-of (ban-status does).
void require_simple_format(const GlobalOptions& global, bool reads_as_of = false);

// Checks a report's output options (--table goes with --format csv) before
// the report opens the ledger.
void check_report_format(const GlobalOptions& global);

// Prints a report in the format asked for: JSON from `json`, every other
// format from `doc`.
void print_report(const GlobalOptions& global, const nlohmann::json& json, const ledger::render::Document& doc);
bool wants_json(const GlobalOptions& global);

// An open ledger: the store and the rules over it.
struct OpenLedger {
  std::unique_ptr<ledger::Store> store;
  std::unique_ptr<ledger::Ledger> ledger;
};

// What an HTML report ends with: the head of the ledger it read (as it
// stood, with --as-of), and when it was made ($ADLEDGER_NOW, else now).
std::vector<std::string> colophon(const GlobalOptions& global, OpenLedger& open);

// The same, building only what that format needs: a balance of ten
// thousand accounts spent a quarter of its time building JSON it then did
// not print. `Report` has ledger::to_json and ledger::to_document.
template <typename Report>
void print_report(const GlobalOptions& global, const Report& report, OpenLedger& open) {
  check_report_format(global);
  if (wants_json(global)) {
    print_report(global, to_json(report), ledger::render::Document{});
    return;
  }
  ledger::render::Document doc = to_document(report);
  if (output_format(global) == Format::Html) doc.colophon = colophon(global, open);
  print_report(global, nlohmann::json(), doc);
}
OpenLedger open_ledger(const GlobalOptions& global, ledger::OpenMode mode = ledger::OpenMode::OpenExisting);
// For commands that read: the ledger as it is, or with --as-of as it stood
// then (audit/replay.hpp).
OpenLedger open_for_reading(const GlobalOptions& global);

// Now, as a record's recorded_at: the system clock, or $ADLEDGER_NOW when
// set, which pins it as $ADLEDGER_TODAY pins today, for tests and
// reproducible ledgers (an input error when it is not a timestamp).
std::function<std::string()> clock();

// Today, in UTC, or $ADLEDGER_TODAY (YYYY-MM-DD) when set, so that tests and
// reproducible reports can pin it.
ledger::Date today();

void print_json(std::ostream& out, const nlohmann::json& value);
// --source-url, --source-accessed and --source-quote: the details of a
// command's --source, each optional (ledger::check_source_details).
struct SourceDetailOptions {
  std::optional<std::string> url, accessed, quote;
  ledger::SourceDetails details() const;  // parses the access date
};
void add_source_detail_options(CLI::App& command, SourceDetailOptions& options);

// The whole of a small file (a key, a checkpoint, a proof), or an input
// error naming it: missing, unreadable, or over `bytes_max`.
std::string read_small_file(const std::string& path, const std::string& what, std::size_t bytes_max);

// A table of text cells with aligned columns. Widths count UTF-8 code
// points, so non-ASCII names line up.
class Table {
 public:
  enum class Align { Left, Right };
  Table(std::vector<std::string> headers, std::vector<Align> aligns);
  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out, const std::string& indent = "  ") const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

std::string money_text(std::int64_t minor, const ledger::Currency& currency);  // "274,100.00 USD"
// How a write command starts its line: `verb` ("added", "recorded") when it
// recorded something, "unchanged (already recorded):" when the very same
// record was already there.
std::string said(const ledger::Ledger& ledger, const std::string& verb);
std::string amount_cell(std::int64_t minor, const ledger::Currency& currency);  // "274,100.00"
std::string join(const std::vector<std::string>& parts, const std::string& separator);

// Each subcommand: an options struct in its file, a setup function that
// registers it, and the run function the callback calls.
void setup_init(CLI::App& app, GlobalOptions& global);
void setup_platform(CLI::App& app, GlobalOptions& global);
void setup_advertiser(CLI::App& app, GlobalOptions& global);
void setup_spend(CLI::App& app, GlobalOptions& global);
void setup_policy(CLI::App& app, GlobalOptions& global);
void setup_pledge(CLI::App& app, GlobalOptions& global);
void setup_import(CLI::App& app, GlobalOptions& global);
void setup_ban_status(CLI::App& app, GlobalOptions& global, int& exit_code);
void setup_report(CLI::App& app, GlobalOptions& global);
void setup_register(CLI::App& app, GlobalOptions& global);
void setup_balance(CLI::App& app, GlobalOptions& global);
void setup_disclosure(CLI::App& app, GlobalOptions& global);
void setup_audit(CLI::App& app, GlobalOptions& global, int& exit_code);
void setup_export(CLI::App& app, GlobalOptions& global);
void setup_copy(CLI::App& app, GlobalOptions& global);
void setup_rate(CLI::App& app, GlobalOptions& global);
void setup_proof(CLI::App& app, GlobalOptions& global, int& exit_code);
void setup_serve(CLI::App& app, GlobalOptions& global);
void setup_token(CLI::App& app, GlobalOptions& global);
// policy list, pledge list, disclosure list: after setup_policy, setup_pledge
// and setup_disclosure, whose commands they join.
void setup_lists(CLI::App& app, GlobalOptions& global);
// `NAME ID --reason --source` under `parent`: withdraws the pledge,
// disbursement or disclosed total ID recorded by mistake.
void add_withdraw_command(CLI::App& parent, GlobalOptions& global, const std::string& name,
                          ledger::Withdrawable record);
void setup_completion(CLI::App& app);

// The signed checkpoint in `path` (an input error when it is not one); with
// `key`, its signature is checked, and `problem` says why it does not hold.
ledger::SignedCheckpoint read_checkpoint(const std::string& path, const std::optional<std::string>& key,
                                         std::string& problem);

}  // namespace adledger::cli
