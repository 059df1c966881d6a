#include "ledger/render/document.hpp"

#include "ledger/money/money.hpp"

namespace ledger::render {

Cell text_cell(std::string text) { return Cell{std::move(text), {}}; }

Cell money_cell(std::int64_t minor, const Currency& currency) {
  return Cell{format_minor(minor, currency.decimals(), Grouping::Thousands),
              format_minor(minor, currency.decimals(), Grouping::None)};
}

Cell count_cell(std::int64_t count) {
  return Cell{format_count(count, Grouping::Thousands), format_count(count, Grouping::None)};
}

Table for_people(const Table& table) {
  Table out;
  out.id = table.id;
  std::vector<std::size_t> keep;
  auto empty = [&](std::size_t i) {
    for (const auto& row : table.rows)
      if (i < row.size() && !row[i].text.empty()) return false;
    return true;
  };
  for (std::size_t i = 0; i < table.columns.size(); ++i)
    if (!table.columns[i].csv_only && !(table.columns[i].optional && empty(i))) {
      keep.push_back(i);
      out.columns.push_back(table.columns[i]);
    }
  for (const auto& row : table.rows) {
    std::vector<Cell> cells;
    for (std::size_t i : keep) cells.push_back(i < row.size() ? row[i] : Cell{});
    out.rows.push_back(std::move(cells));
  }
  return out;
}

}  // namespace ledger::render
