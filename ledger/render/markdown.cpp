// Markdown as GitHub renders it (GitHub Flavored Markdown): a heading per
// section and pipe tables. Recorded text is escaped so that it shows as
// written: markup characters get a backslash, so `<script>` is text, not a
// tag, and `|` cannot split a cell.
#include "ledger/error.hpp"
#include "ledger/render/document.hpp"

namespace ledger::render {

std::string markdown_escape(const std::string& text) {
  std::string out;
  // A leading `-`, `+` or `=` could start a list or underline a heading.
  if (!text.empty() && (text[0] == '-' || text[0] == '+' || text[0] == '=')) out += '\\';
  for (char c : text) {
    switch (c) {
      case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
      case '|': case '~': case '#': case '&': case '!':
        out += '\\';
        out += c;
        break;
      case '\n': case '\r': case '\t':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string render_markdown_unneutralised(const Document& doc) {
  std::string out = "# " + markdown_escape(doc.title) + "\n\n";
  for (const auto& [key, value] : doc.facts) out += "- **" + markdown_escape(key) + ":** " + markdown_escape(value) + '\n';
  if (!doc.facts.empty()) out += '\n';
  for (const Section& s : doc.sections) {
    out += "## " + markdown_escape(s.title) + "\n\n";
    for (const auto& line : s.lines) out += markdown_escape(line) + "\n\n";
    if (s.table && !s.table->rows.empty()) {
      const Table t = for_people(*s.table);
      std::string header = "|", rule = "|";
      for (const auto& c : t.columns) {
        header += " " + markdown_escape(c.name) + " |";
        rule += c.align == Align::Right ? " ---: |" : " --- |";
      }
      out += header + '\n' + rule + '\n';
      for (const auto& row : t.rows) {
        std::string line = "|";
        for (const auto& cell : row) line += " " + markdown_escape(cell.text) + " |";
        out += line + '\n';
      }
      out += '\n';
    } else if (s.table || s.lines.empty()) {
      out += "_" + markdown_escape(s.empty) + "_\n\n";
    }
    for (const auto& note : s.notes) out += markdown_escape(note) + "\n\n";
  }
  while (out.size() > 1 && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

}  // namespace

// Recorded text is printed as it was recorded, except the bidirectional
// controls, which are shown as marks: they could make a name read as
// another.
std::string render_markdown(const Document& doc) {
  return neutralise_bidi(render_markdown_unneutralised(doc));
}

}  // namespace ledger::render
