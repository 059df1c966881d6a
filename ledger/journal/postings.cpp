#include "ledger/journal/postings.hpp"

#include <cassert>

namespace ledger {

JournalTxn spend_txn(const SpendEntry& e) {
  JournalTxn txn = make_transfer(e.period.first(), TxnKind::Spend,
                                 "spend " + e.advertiser_id + " on " + e.platform_id + " " + e.period.to_string(),
                                 spend_expense_account(e.advertiser_id, e.platform_id),
                                 spend_income_account(e.platform_id, e.advertiser_id), e.amount);
  txn.id = e.txn_id;
  return txn;
}

JournalTxn reversal_txn(const SpendEntry& e) {
  assert(e.reversal && "reversal_txn of an entry that was not reversed");
  JournalTxn original = spend_txn(e);
  JournalTxn txn;
  txn.id = e.reversal->txn_id;
  txn.date = original.date;
  txn.kind = TxnKind::Spend;
  txn.description = "reversal of spend #" + std::to_string(e.entry_id) + ": " + e.reversal->reason;
  for (const Posting& p : original.postings) txn.postings.push_back(Posting{p.account, p.amount.negated()});
  return txn;
}

JournalTxn pledge_txn(const Pledge& p) {
  JournalTxn txn = make_transfer(p.date, TxnKind::Pledge, "pledge " + p.id + " by " + p.platform_id,
                                 pledge_expense_account(p.platform_id), pledge_liability_account(p.platform_id, p.id),
                                 p.amount);
  txn.id = p.txn_id;
  return txn;
}

JournalTxn disbursement_txn(const Disbursement& d, const std::string& platform_id) {
  JournalTxn txn = make_transfer(d.date, TxnKind::Disbursement, "disbursement " + d.id + " of pledge " + d.pledge_id,
                                 pledge_liability_account(platform_id, d.pledge_id),
                                 disbursement_cash_account(platform_id), d.amount);
  txn.id = d.txn_id;
  return txn;
}

namespace {

// The postings of `original` with their signs turned, on its date.
JournalTxn undoing(const JournalTxn& original, std::int64_t id, std::string description) {
  JournalTxn txn;
  txn.id = id;
  txn.date = original.date;
  txn.kind = original.kind;
  txn.description = std::move(description);
  for (const Posting& p : original.postings) txn.postings.push_back(Posting{p.account, p.amount.negated()});
  return txn;
}

}  // namespace

JournalTxn withdrawal_txn(const Pledge& p) {
  assert(p.withdrawal && "withdrawal_txn of a pledge that was not withdrawn");
  return undoing(pledge_txn(p), p.withdrawal->txn_id, "withdrawal of pledge " + p.id + ": " + p.withdrawal->reason);
}

JournalTxn withdrawal_txn(const Disbursement& d, const std::string& platform_id) {
  assert(d.withdrawal && "withdrawal_txn of a disbursement that was not withdrawn");
  return undoing(disbursement_txn(d, platform_id), d.withdrawal->txn_id,
                 "withdrawal of disbursement " + d.id + ": " + d.withdrawal->reason);
}

}  // namespace ledger
