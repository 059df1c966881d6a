// The terminal rendering: aligned columns, readable in 80 columns. Free-text
// columns (descriptions, sources) wrap at word boundaries when a table would
// be wider than the terminal; figures never wrap.
#include <algorithm>

#include "ledger/error.hpp"
#include "ledger/render/document.hpp"

namespace ledger::render {
namespace {

constexpr std::size_t kIndent = 2;
constexpr std::size_t kGap = 2;
constexpr std::size_t kWrapMin = 12;  // a wrapped column is never narrower

// Width in code points, so that non-ASCII names line up.
std::size_t display_width(const std::string& s) {
  std::size_t width = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  return width;
}

// The byte offset just past `n` code points of `s` (or its size).
std::size_t prefix_bytes(const std::string& s, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t seen = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == n) break;
      ++seen;
    }
  }
  return i;
}

// Breaks `text` into lines of at most `width` code points: at a space
// where it can, else after a `:`, `-` or `,` (account names, ids), else
// mid-word.
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
  width = std::max<std::size_t>(width, 1);  // a line holds at least one code point
  std::vector<std::string> lines;
  std::string rest = text;
  while (display_width(rest) > width) {
    std::size_t cut = prefix_bytes(rest, width);
    std::size_t space = rest.rfind(' ', cut);
    std::size_t colon = cut > 0 ? rest.find_last_of(":-,", cut - 1) : std::string::npos;
    if (space != std::string::npos && space > 0) {
      lines.push_back(rest.substr(0, space));
      rest = rest.substr(space + 1);
    } else if (colon != std::string::npos && colon > 0) {
      lines.push_back(rest.substr(0, colon + 1));
      rest = rest.substr(colon + 1);
    } else {
      lines.push_back(rest.substr(0, cut));
      rest = rest.substr(cut);
    }
  }
  lines.push_back(rest);
  return lines;
}

void render_lines(std::string& out, const std::vector<std::string>& lines, std::size_t width,
                  std::size_t indent = kIndent);

// A table too wide for the terminal even with its text wrapped is printed
// as records, one "name: value" line per cell (psql's expanded display).
void render_records(std::string& out, const Table& table, std::size_t width) {
  std::size_t name_width = 0;
  for (const auto& c : table.columns) name_width = std::max(name_width, display_width(c.name));
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    if (r) out += '\n';
    for (std::size_t i = 0; i < table.columns.size() && i < table.rows[r].size(); ++i) {
      const std::string& name = table.columns[i].name;
      std::string label = name + ":" + std::string(name_width - display_width(name) + 1, ' ');
      std::vector<std::string> parts = wrap(table.rows[r][i].text, width > kIndent + name_width + 2 ? width - kIndent - name_width - 2 : 1);
      for (std::size_t k = 0; k < parts.size(); ++k)
        out += std::string(kIndent, ' ') + (k ? std::string(name_width + 2, ' ') : label) + parts[k] + '\n';
    }
  }
}

void render_table(std::string& out, const Table& input, std::size_t width) {
  Table table = for_people(input);  // tabs become spaces: a tab would break the alignment
  for (auto& row : table.rows)
    for (auto& cell : row) std::replace(cell.text.begin(), cell.text.end(), '\t', ' ');
  // The grid holds the columns that are not printed below their row.
  std::vector<std::size_t> grid, below;
  for (std::size_t i = 0; i < table.columns.size(); ++i) (table.columns[i].below ? below : grid).push_back(i);
  const std::size_t n = grid.size();
  std::vector<std::size_t> widths(n, 0);
  for (std::size_t g = 0; g < n; ++g) {
    std::size_t i = grid[g];
    widths[g] = display_width(table.columns[i].name);
    for (const auto& row : table.rows)
      if (i < row.size()) widths[g] = std::max(widths[g], display_width(row[i].text));
  }
  auto total = [&] {
    std::size_t sum = kIndent + (n ? (n - 1) * kGap : 0);
    for (auto w : widths) sum += w;
    return sum;
  };
  // Narrow the widest wrappable column, one at a time, until the table fits
  // or every wrappable column is at its minimum.
  while (total() > width) {
    std::size_t widest = n;
    for (std::size_t g = 0; g < n; ++g)
      if (table.columns[grid[g]].wrap && widths[g] > kWrapMin && (widest == n || widths[g] > widths[widest]))
        widest = g;
    if (widest == n) break;
    widths[widest] = std::max(kWrapMin, widths[widest] - std::min(widths[widest] - kWrapMin, total() - width));
  }
  if (total() > width) {
    render_records(out, table, width);
    return;
  }
  auto emit = [&](const std::vector<std::string>& cells) {
    std::vector<std::vector<std::string>> parts(n);
    std::size_t height = 1;
    for (std::size_t g = 0; g < n; ++g) {
      const std::string& cell = cells[grid[g]];
      parts[g] = table.columns[grid[g]].wrap ? wrap(cell, widths[g]) : std::vector<std::string>{cell};
      height = std::max(height, parts[g].size());
    }
    for (std::size_t k = 0; k < height; ++k) {
      std::string line(kIndent, ' ');
      for (std::size_t g = 0; g < n; ++g) {
        std::string cell = k < parts[g].size() ? parts[g][k] : "";
        std::size_t w = display_width(cell);
        std::string pad(widths[g] > w ? widths[g] - w : 0, ' ');
        line += table.columns[grid[g]].align == Align::Right ? pad + cell : cell + pad;
        if (g + 1 < n) line += std::string(kGap, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + '\n';
    }
  };
  std::vector<std::string> header;
  for (const auto& c : table.columns) header.push_back(c.name);
  emit(header);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const auto& c : row) cells.push_back(c.text);
    cells.resize(table.columns.size());
    emit(cells);
    for (std::size_t i : below)
      if (!cells[i].empty()) render_lines(out, {table.columns[i].name + ": " + cells[i]}, width, kIndent + 2);
  }
}

void render_lines(std::string& out, const std::vector<std::string>& lines, std::size_t width, std::size_t indent) {
  for (std::string line : lines) {
    std::replace(line.begin(), line.end(), '\t', ' ');
    for (const auto& part : wrap(line, width > indent ? width - indent : 1)) out += std::string(indent, ' ') + part + '\n';
  }
}

}  // namespace

namespace {

std::string render_text_unneutralised(const Document& doc, std::size_t width) {
  std::string out = doc.title + '\n';
  for (const auto& [key, value] : doc.facts) render_lines(out, {key + ": " + value}, width);
  for (const Section& s : doc.sections) {
    out += '\n' + s.title + '\n';
    render_lines(out, s.lines, width);
    if (s.table && !s.table->rows.empty()) render_table(out, *s.table, width);
    else if (s.table || s.lines.empty()) render_lines(out, {s.empty}, width);
    render_lines(out, s.notes, width);
  }
  return out;
}

}  // namespace

// Recorded text is printed as it was recorded, except the bidirectional
// controls, which are shown as marks: they could make a name read as
// another.
std::string render_text(const Document& doc, std::size_t width) {
  return neutralise_bidi(render_text_unneutralised(doc, width));
}

}  // namespace ledger::render
