// balance: the trial balance, every account in every currency, and a total
// per currency that double entry keeps at zero.
#include <iostream>
#include <map>

#include "cli/context.hpp"
#include "ledger/io/json_output.hpp"

namespace adledger::cli {
namespace {

void run_balance(const GlobalOptions& global) {
  OpenLedger open = open_ledger(global);
  std::vector<ledger::BalanceRow> rows = open.store->trial_balance();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::trial_balance_json(rows));
    return;
  }
  Table table({"account", "currency", "balance"}, {Table::Align::Left, Table::Align::Left, Table::Align::Right});
  std::map<std::string, std::int64_t> totals;
  for (const auto& row : rows) {
    ledger::Currency c = ledger::Currency::from_code(row.currency);
    table.add_row({row.account, row.currency, amount_cell(row.balance_minor, c)});
    totals[row.currency] = ledger::checked_add(totals[row.currency], row.balance_minor, "trial balance total");
  }
  if (totals.empty()) table.add_row({"total", "", "0"});
  for (const auto& [code, minor] : totals)
    table.add_row({"total", code, amount_cell(minor, ledger::Currency::from_code(code))});
  table.print(std::cout, "");
}

}  // namespace

void setup_balance(CLI::App& app, GlobalOptions& global) {
  auto* sub = app.add_subcommand("balance", "print the trial balance: every account, every currency, and the totals");
  sub->callback([&global] { run_balance(global); });
}

}  // namespace adledger::cli
