#include "ledger/journal/journal.hpp"

#include <map>

#include "ledger/error.hpp"

namespace ledger {

std::string_view to_string(TxnKind kind) {
  switch (kind) {
    case TxnKind::Spend: return "spend";
    case TxnKind::Pledge: return "pledge";
    case TxnKind::Disbursement: return "disbursement";
  }
  return "?";
}

void check_balanced(const JournalTxn& txn) {
  if (txn.postings.empty()) return;  // posts nothing: a range whose lower bound is zero
  if (txn.postings.size() < 2)
    throw Error(ErrorKind::Rule, "transaction \"" + txn.description + "\": needs at least two postings, has " +
                                     std::to_string(txn.postings.size()));
  std::map<std::string, std::int64_t> sums;
  for (const Posting& p : txn.postings) {
    if (p.amount.minor() == 0)
      throw Error(ErrorKind::Rule, "transaction \"" + txn.description + "\": posting to " + p.account +
                                       " is zero");
    auto& sum = sums[p.amount.currency().code()];
    sum = checked_add(sum, p.amount.minor(), "transaction \"" + txn.description + "\" sum");
  }
  for (const auto& [code, sum] : sums) {
    if (sum != 0) {
      auto decimals = Currency::from_code(code).decimals();
      throw Error(ErrorKind::Rule, "transaction \"" + txn.description + "\": does not balance, " + code +
                                       " postings sum to " + format_minor(sum, decimals, Grouping::None));
    }
  }
}

std::string spend_expense_account(std::string_view advertiser, std::string_view platform) {
  return "expenses:ads:" + std::string(advertiser) + ":" + std::string(platform);
}
std::string spend_income_account(std::string_view platform, std::string_view advertiser) {
  return "income:ads:" + std::string(platform) + ":" + std::string(advertiser);
}
std::string pledge_expense_account(std::string_view platform) {
  return "expenses:pledges:" + std::string(platform);
}
std::string pledge_liability_account(std::string_view platform, std::string_view pledge) {
  return "liabilities:pledges:" + std::string(platform) + ":" + std::string(pledge);
}
std::string disbursement_cash_account(std::string_view platform) {
  return "assets:cash:" + std::string(platform);
}

JournalTxn make_transfer(Date date, TxnKind kind, std::string description, const std::string& debit,
                         const std::string& credit, const Money& amount) {
  JournalTxn txn;
  txn.date = date;
  txn.kind = kind;
  txn.description = std::move(description);
  if (amount.minor() == 0) return txn;  // nothing to post
  txn.postings.push_back(Posting{debit, amount});
  txn.postings.push_back(Posting{credit, amount.negated()});
  return txn;
}

}  // namespace ledger
