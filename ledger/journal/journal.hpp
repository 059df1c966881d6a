// The journal: double-entry transactions and the chart of accounts.
//
// Every movement of money is a transaction of two or more postings whose
// amounts sum to zero in each currency. Debits are positive, credits
// negative, as in ledger-cli and hledger, so the journal reads the same in
// any plain-text accounting tool.
//
// Chart of accounts (segments are slugs, so names never need quoting):
//   expenses:ads:<advertiser>:<platform>     debited by a spend entry
//   income:ads:<platform>:<advertiser>       credited by a spend entry
//   expenses:pledges:<platform>              debited by a pledge
//   liabilities:pledges:<platform>:<pledge>  credited by a pledge,
//                                            debited by a disbursement
//   assets:cash:<platform>                   credited by a disbursement
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ledger/money/money.hpp"
#include "ledger/time/period.hpp"

namespace ledger {

struct Posting {
  std::string account;
  Money amount;  // signed: debit > 0, credit < 0
};

enum class TxnKind { Spend, Pledge, Disbursement };
std::string_view to_string(TxnKind kind);

struct JournalTxn {
  std::int64_t id = 0;  // assigned by the store
  Date date;
  TxnKind kind = TxnKind::Spend;
  std::string description;
  std::vector<Posting> postings;
};

// Refuses (with a rule error) a transaction of one posting, a zero posting,
// or postings that do not sum to zero in every currency. A transaction of
// no postings posts nothing and is accepted: a spend range whose lower
// bound is zero.
void check_balanced(const JournalTxn& txn);

// Hashes and compares a pair of strings, such as (account, currency code)
// or (advertiser, platform), for the maps the import's hot path keeps by
// them. Transparent: a lookup by a pair of string_views builds no key.
//
// The hash is deliberately not noexcept: libstdc++ then keeps each key's
// hash in its node (its manual, "Unordered Associative Containers", hash
// code caching), so a lookup compares hashes before strings and never
// hashes a neighbour's key again to find its bucket's end. Without it, a
// million-entry import spent a fifth of its main thread in these maps.
using StringPairView = std::pair<std::string_view, std::string_view>;
struct StringPairHash {
  using is_transparent = void;
  std::size_t operator()(StringPairView k) const {
    return std::hash<std::string_view>{}(k.first) * 31 + std::hash<std::string_view>{}(k.second);
  }
};
struct StringPairEqual {
  using is_transparent = void;
  bool operator()(StringPairView a, StringPairView b) const noexcept { return a == b; }
};
static_assert(!std::is_nothrow_invocable_v<const StringPairHash&, const std::pair<std::string, std::string>&>,
              "StringPairHash must not be noexcept: see above");
template <typename Value>
using StringPairMap = std::unordered_map<std::pair<std::string, std::string>, Value, StringPairHash, StringPairEqual>;

// The chart of accounts.
std::string spend_expense_account(std::string_view advertiser, std::string_view platform);
std::string spend_income_account(std::string_view platform, std::string_view advertiser);
std::string pledge_expense_account(std::string_view platform);
std::string pledge_liability_account(std::string_view platform, std::string_view pledge);
std::string disbursement_cash_account(std::string_view platform);

// A transaction of two postings: `amount` debited to `debit`, credited to
// `credit`; of none when `amount` is zero.
JournalTxn make_transfer(Date date, TxnKind kind, std::string description, const std::string& debit,
                         const std::string& credit, const Money& amount);

}  // namespace ledger
