// The journal written out for the tools users already have.
//
// - ledger, hledger, beancount: every transaction with its postings, and
//   the record it posts (spend entry, reversal, pledge, disbursement) as
//   metadata in each tool's own syntax: ledger `; key: value` lines, hledger
//   tags, beancount metadata. `ledger balance`, `hledger balance` and
//   `bean-check` read it, and give the balances `adledger balance` gives.
// - csv: one row a posting, with the record's fields as columns.
// - jsonl: every record in the order it was recorded, in the JSON Lines
//   import format: importing it into an empty ledger gives the same
//   balances and reports.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "ledger/ledger.hpp"
#include "ledger/time/period.hpp"

namespace ledger {

enum class ExportFormat { Ledger, Hledger, Beancount, Csv, Jsonl };
ExportFormat parse_export_format(std::string_view text);

struct ExportOptions {
  std::optional<Date> from;  // transactions dated on or after
  std::optional<Date> to;    // on or before
};

// Writes the export to `out`. A JSON Lines export is the whole ledger (so
// that it re-imports): a range is refused for it with an input error.
void export_journal(Ledger& ledger, ExportFormat format, const ExportOptions& options, std::ostream& out);

// An account name as beancount requires it: each segment capitalised
// (`Expenses:Ads:Rt:Twitter`), and `_`, which beancount refuses, written
// `-U-` (`tik_tok` is `Tik-U-tok`). adledger names have no capitals, so no
// other name maps to the same one.
std::string beancount_account(std::string_view account);

}  // namespace ledger
