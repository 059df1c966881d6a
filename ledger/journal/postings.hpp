// The journal transaction each record posts, derived from the record alone.
//
// From schema version 7 a record that moves money carries its double entry
// in its own row (the account it debits, the one it credits, the amount),
// and its transaction is rebuilt from the record whenever the journal is
// read: these functions are the one place that says what each record
// posts, with which description, on which date. The ledger builds the
// transaction it posts with them, and the store and the record log rebuild
// the same transaction from the stored record.
#pragma once

#include <string>

#include "ledger/journal/journal.hpp"
#include "ledger/records.hpp"

namespace ledger {

// A spend entry debits the advertiser's expense account on the platform and
// credits the platform's income from the advertiser, on the first day of
// its period (nothing when its amount, a range's lower bound, is zero).
JournalTxn spend_txn(const SpendEntry& entry);
// A reversal posts the entry's postings with their signs turned, on the
// entry's date. `entry.reversal` must be set.
JournalTxn reversal_txn(const SpendEntry& entry);
JournalTxn pledge_txn(const Pledge& pledge);
// A disbursement pays the pledge's liability out of the platform's cash.
JournalTxn disbursement_txn(const Disbursement& disbursement, const std::string& platform_id);
// A withdrawn pledge or disbursement: its postings with their signs turned,
// on its date. Its `withdrawal` must be set.
JournalTxn withdrawal_txn(const Pledge& pledge);
JournalTxn withdrawal_txn(const Disbursement& disbursement, const std::string& platform_id);

}  // namespace ledger
