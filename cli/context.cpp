#include "cli/context.hpp"

#include <boost/date_time/gregorian/gregorian.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <ostream>

#include "ledger/audit/replay.hpp"
#include "ledger/error.hpp"

namespace adledger::cli {

std::string resolve_db_path(const GlobalOptions& global) {
  if (!global.db.empty()) return global.db;
  if (const char* env = std::getenv("ADLEDGER_DB"); env && *env) return env;
  return "adledger.db";
}

Format output_format(const GlobalOptions& global) {
  if (global.format == "json") return Format::Json;
  if (global.format == "csv") return Format::Csv;
  if (global.format == "markdown") return Format::Markdown;
  if (global.format == "html") return Format::Html;
  return Format::Table;
}

void require_simple_format(const GlobalOptions& global, bool reads_as_of) {
  Format f = output_format(global);
  if (f != Format::Table && f != Format::Json)
    throw CLI::ValidationError("--format", global.format + ": this command prints table or json; csv, markdown and "
                                               "html are for reports (report ..., register, balance)");
  if (!global.table.empty())
    throw CLI::ValidationError("--table", global.table + ": applies to --format csv of a report");
  if (!global.output.empty())
    throw CLI::ValidationError("--output", global.output + ": applies to --format csv of a report");
  if (!global.as_of.empty() && !reads_as_of)
    throw CLI::ValidationError("--as-of", global.as_of + ": applies to reports, register, balance, ban-status, export, rate list and spend list");
}

void check_report_format(const GlobalOptions& global) {
  if (!global.table.empty() && output_format(global) != Format::Csv)
    throw CLI::ValidationError("--table", global.table + ": applies to --format csv only");
  if (!global.output.empty() && output_format(global) != Format::Csv)
    throw CLI::ValidationError("--output", global.output + ": writes a report's tables as CSV files: give --format csv");
  if (!global.output.empty() && !global.table.empty())
    throw CLI::ValidationError("--output", global.output + ": writes every table; --table picks one for stdout");
}

namespace {

// --output DIR: each table of the report in DIR/ID.csv, the directory made
// if need be. Each file is written beside its place and renamed there, so a
// reader never sees half a file; the files written are listed.
void write_tables(const std::string& dir, const ledger::render::Document& doc) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw ledger::Error(ledger::ErrorKind::Input, "output " + ledger::quote(dir) + ": cannot be made a directory (" +
                                                      (ec ? ec.message() : std::string("a file is there")) + ")");
  const std::vector<std::string> ids = ledger::render::table_ids(doc);
  if (ids.empty()) ledger::throw_input("format", "csv", "this output has no table");
  std::vector<std::string> texts;
  for (const std::string& id : ids) texts.push_back(ledger::render::render_csv(doc, id));  // all, before any file
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const fs::path file = fs::path(dir) / (ids[i] + ".csv");
    const fs::path temporary = fs::path(dir) / ("." + ids[i] + ".csv.tmp");
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << texts[i];
      out.close();
      if (!out)
        throw ledger::Error(ledger::ErrorKind::Input, "output " + ledger::quote(temporary.string()) +
                                                          ": cannot be written (" + std::strerror(errno) + ")");
    }
    fs::rename(temporary, file, ec);
    if (ec)
      throw ledger::Error(ledger::ErrorKind::Input,
                          "output " + ledger::quote(file.string()) + ": cannot be written (" + ec.message() + ")");
    std::cout << "wrote " << file.string() << '\n';
  }
}

}  // namespace

bool wants_json(const GlobalOptions& global) { return output_format(global) == Format::Json; }

void print_report(const GlobalOptions& global, const nlohmann::json& json, const ledger::render::Document& doc) {
  check_report_format(global);
  switch (output_format(global)) {
    case Format::Json: print_json(std::cout, json); return;
    case Format::Csv:
      if (!global.output.empty()) return write_tables(global.output, doc);
      std::cout << ledger::render::render_csv(doc, global.table.empty() ? std::nullopt
                                                                         : std::optional<std::string>(global.table));
      return;
    case Format::Markdown: std::cout << ledger::render::render_markdown(doc); return;
    case Format::Html: std::cout << ledger::render::render_html(doc); return;
    case Format::Table: std::cout << ledger::render::render_text(doc); return;
  }
}

std::optional<std::string> named_author(const GlobalOptions& global) {
  if (!global.author.empty()) {
    ledger::check_author(global.author, "author");
    return global.author;
  }
  if (const char* env = std::getenv("ADLEDGER_AUTHOR"); env && *env) {
    ledger::check_author(env, "ADLEDGER_AUTHOR");
    return std::string(env);
  }
  return std::nullopt;
}

OpenLedger open_ledger(const GlobalOptions& global, ledger::OpenMode mode) {
  // Checked before the ledger is opened: a bad name changes nothing.
  std::optional<std::string> author = named_author(global);
  OpenLedger open;
  open.store = ledger::open_store(resolve_db_path(global), mode,
                                  ledger::StoreOptions{std::int64_t{global.wait_s} * 1000});
  open.ledger = std::make_unique<ledger::Ledger>(*open.store, clock());
  if (mode != ledger::OpenMode::ReadExisting) open.ledger->set_author(author ? *author : open.store->default_author());
  return open;
}

OpenLedger open_for_reading(const GlobalOptions& global) {
  if (global.as_of.empty()) return open_ledger(global, ledger::OpenMode::ReadExisting);
  std::string as_of = ledger::as_of_timestamp(global.as_of);  // checked before the file is opened
  OpenLedger source = open_ledger(global, ledger::OpenMode::ReadExisting);
  OpenLedger open;
  open.store = ledger::ledger_as_of(*source.store, as_of);
  open.ledger = std::make_unique<ledger::Ledger>(*open.store);
  return open;
}

std::vector<std::string> colophon(const GlobalOptions& global, OpenLedger& open) {
  const ledger::TreeHead head = open.store->tree_head();
  std::string ledger_line = "From the ledger at " + std::to_string(head.size) + " records, head " +
                            ledger::to_hex(head.root);
  if (!global.as_of.empty()) ledger_line += ", as it stood at " + ledger::as_of_timestamp(global.as_of);
  return {ledger_line + ".", "Generated at " + clock()() + " by adledger " + ADLEDGER_VERSION + "."};
}

std::function<std::string()> clock() {
  if (const char* env = std::getenv("ADLEDGER_NOW"); env && *env) {
    std::string now = env;
    ledger::check_timestamp(now, "ADLEDGER_NOW");
    return [now] { return now; };
  }
  return ledger::utc_now;
}

ledger::Date today() {
  if (const char* env = std::getenv("ADLEDGER_TODAY"); env && *env) return ledger::parse_date(env, "ADLEDGER_TODAY");
  return boost::gregorian::day_clock::universal_day();
}

ledger::SourceDetails SourceDetailOptions::details() const {
  ledger::SourceDetails d;
  d.url = url;
  if (accessed) d.accessed = ledger::parse_date(*accessed, "source-accessed");
  d.quote = quote;
  return d;
}

void add_source_detail_options(CLI::App& command, SourceDetailOptions& o) {
  command.add_option("--source-url", o.url, "where the source is read: an http:// or https:// address");
  command.add_option("--source-accessed", o.accessed, "the day it was read there, YYYY-MM-DD (needs --source-url)");
  command.add_option("--source-quote", o.quote, "the source's words that support the record");
}

std::string read_small_file(const std::string& path, const std::string& what, std::size_t bytes_max) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ledger::Error(ledger::ErrorKind::Input, what + " " + ledger::quote(path) + ": cannot be read (" +
                                                      std::strerror(errno) + ")");
  std::string out;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    out.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (out.size() > bytes_max)
      throw ledger::Error(ledger::ErrorKind::Input, what + " " + ledger::quote(path) + ": over " +
                                                        std::to_string(bytes_max) + " bytes; not a " + what);
  }
  if (in.bad())
    throw ledger::Error(ledger::ErrorKind::Input, what + " " + ledger::quote(path) + ": cannot be read");
  return out;
}

void print_json(std::ostream& out, const nlohmann::json& value) {
  // error_handler::replace: recorded text is valid UTF-8 (checked on the
  // way in), so this only guards against a ledger edited behind our back.
  out << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

namespace {

std::size_t display_width(const std::string& s) {
  std::size_t width = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  return width;
}

}  // namespace

Table::Table(std::vector<std::string> headers, std::vector<Align> aligns)
    : headers_(std::move(headers)), aligns_(std::move(aligns)) {}

void Table::add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

void Table::print(std::ostream& out, const std::string& indent) const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line = indent;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      std::string pad(widths[i] - display_width(cell), ' ');
      bool last = i + 1 == widths.size();
      if (aligns_[i] == Align::Right) line += pad + cell;
      else line += last ? cell : cell + pad;
      if (!last) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  emit(headers_);
  for (const auto& row : rows_) emit(row);
}

std::string amount_cell(std::int64_t minor, const ledger::Currency& currency) {
  return ledger::format_minor(minor, currency.decimals(), ledger::Grouping::Thousands);
}

std::string money_text(std::int64_t minor, const ledger::Currency& currency) {
  return amount_cell(minor, currency) + " " + currency.code();
}

std::string said(const ledger::Ledger& ledger, const std::string& verb) {
  return ledger.last_outcome() == ledger::Outcome::Unchanged ? "unchanged (already recorded):" : verb;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}

}  // namespace adledger::cli
