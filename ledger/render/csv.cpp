// CSV as RFC 4180 gives it: one table, a header row, CRLF line ends, and a
// field quoted when it holds a comma, a quote, CR or LF.
//
// A cell that a spreadsheet would run as a formula, one that starts with
// `=`, `+`, `-`, `@`, a tab or a carriage return, is neutralised by a
// leading apostrophe (OWASP's advice for CSV injection), unless it is a
// plain number such as `-1500.00`, which a spreadsheet reads as a number,
// or a lone `-`, which stands for an unknown value.
#include "ledger/error.hpp"
#include "ledger/render/document.hpp"

namespace ledger::render {
namespace {

bool plain_number(const std::string& s) {
  std::size_t i = s[0] == '-' ? 1 : 0;
  std::size_t digits = 0, dots = 0;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') ++digits;
    else if (s[i] == '.' && dots == 0 && digits > 0) ++dots;
    else return false;
  }
  return digits > 0 && s.back() != '.';
}

}  // namespace

std::string csv_field(const std::string& cell) {
  std::string value = cell;
  if (!value.empty()) {
    char c = value[0];
    bool risky = c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
    // A lone "-" (an unknown value) runs nothing.
    if (risky && value != "-" && !plain_number(value)) value.insert(0, 1, '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

namespace {

void append_table(std::string& out, const Table& table) {
  auto emit = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_field(cells[i]);
    out += "\r\n";
  };
  std::vector<std::string> header;
  for (const auto& c : table.columns) header.push_back(c.name);
  emit(header);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const auto& c : row) cells.push_back(c.machine());
    emit(cells);
  }
}

std::string render_csv_unneutralised(const Document& doc, const std::optional<std::string>& table_id) {
  const Table* chosen = nullptr;
  std::string names;
  std::vector<const Table*> tables;
  for (const Section& s : doc.sections) {
    if (!s.table) continue;
    names += (names.empty() ? "" : ", ") + s.table->id;
    tables.push_back(&*s.table);
    if (!chosen && (!table_id || s.table->id == *table_id)) chosen = &*s.table;
  }
  if (tables.empty()) throw_input("format", "csv", "this output has no table");
  std::string out;
  if (table_id && *table_id == kAllTables) {
    // Every table, each after a line naming it and a blank line between.
    for (const Table* table : tables) {
      if (!out.empty()) out += "\r\n";
      out += "# table: " + table->id + "\r\n";
      append_table(out, *table);
    }
    return out;
  }
  if (!chosen)
    throw_input("table", table_id.value_or(""),
                "there is no such table here; the tables are " + names + " (or " + kAllTables + ": every one)");
  append_table(out, *chosen);
  return out;
}

}  // namespace

// Recorded text is printed as it was recorded, except the bidirectional
// controls, which are shown as marks: they could make a name read as
// another.
std::string render_csv(const Document& doc, const std::optional<std::string>& table_id) {
  return neutralise_bidi(render_csv_unneutralised(doc, table_id));
}

std::vector<std::string> table_ids(const Document& doc) {
  std::vector<std::string> out;
  for (const Section& s : doc.sections)
    if (s.table) out.push_back(s.table->id);
  return out;
}

}  // namespace ledger::render
