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

}  // namespace ledger::render
