// The record log: every record, once, in the order it was recorded, each
// hashed, so that anyone can check that nothing recorded was changed or
// lost, and that a ledger published earlier only grew.
//
// Each record becomes one line of canonical JSON (keys sorted, no spaces,
// UTF-8 as is; nlohmann::json's dump()):
//
//   line(n) = {"content":{...},"kind":"spend","recorded_at":"2026-11-22T10:00:00.000Z","ref":"1","seq":n}
//
// From schema version 9 a record may carry who recorded it: the line then
// begins {"author":"desk","content":...}. A record without an author (every
// record before version 9, and a record nobody was named for) has no such
// key, so its line, and its hash, are what they always were.
//
// `content` is the record as stored: ids, amounts in minor units with their
// currency, dates, texts, and the postings it made in the journal. From
// schema version 7 the line is rebuilt from the record's rows whenever it is
// needed (the log keeps no copy), and the log keeps its leaf hash,
// SHA-256(0x00 || line(n)), a leaf of the Merkle tree of merkle.hpp. The
// head is (the number of records, the tree's root); publishing it next to a
// report lets anyone later prove the ledger behind it is a prefix of the
// ledger then.
//
// Before version 7 the log was a linear chain, and the heads published then
// are its hashes, which still prove the same prefix:
//
//   hash(n) = SHA-256(hash(n-1) || line(n)),   hash(0) = 32 zero bytes

#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/journal/journal.hpp"
#include "ledger/records.hpp"

namespace ledger {

using Hash = std::array<std::uint8_t, 32>;

std::string to_hex(const Hash& hash);
// Parses 64 hex digits; throws an input error naming `field` otherwise.
Hash parse_hash(std::string_view hex, std::string_view field = "head");

// One record of the log, as stored.
struct LogRecord {
  std::int64_t seq = 0;
  std::string kind;  // platform, advertiser, handle, spend, spend_reversal, policy_action, pledge, ...
  std::string ref;   // the record's key within its kind
  std::string recorded_at;  // UTC, 2026-11-22T10:00:00.000Z
  std::string content;      // canonical JSON
  std::string author;       // who recorded it; empty: nobody was named
  Hash hash{};              // the leaf hash (merkle.hpp); before version 7, the chain hash
  std::string row_problem;  // why the content could not be rebuilt from the rows, if it could not
};

// The line that is hashed, and the chain step.
std::string chain_line(std::int64_t seq, std::string_view kind, std::string_view ref, std::string_view recorded_at,
                       std::string_view content, std::string_view author = {});
inline std::string chain_line(const LogRecord& r) {
  return chain_line(r.seq, r.kind, r.ref, r.recorded_at, r.content, r.author);
}

// Who recorded a record, as a user names them (--author, a token's name, a
// database role): 1 to 200 bytes of UTF-8 text without control characters,
// not starting or ending with a space. Throws an input error naming `field`.
void check_author(std::string_view author, std::string_view field = "author");
Hash chain_hash(const Hash& previous, std::string_view line);
// SHA-256 of `data` alone (OpenSSL libcrypto).
Hash sha256(std::string_view data);

// The canonical content of each kind of record. A record that posts to the
// journal includes its postings, so that the journal is in the chain too.
nlohmann::json content_of(const Platform& platform);
nlohmann::json content_of(const Advertiser& advertiser);
nlohmann::json content_of(const Handle& handle);
nlohmann::json content_of(const SpendEntry& entry, const JournalTxn& txn);
nlohmann::json content_of(const PolicyAction& action);
nlohmann::json content_of(const Pledge& pledge, const JournalTxn& txn);
nlohmann::json content_of(const Disbursement& disbursement, const JournalTxn& txn);
nlohmann::json content_of(const DisclosedTotal& disclosed);
nlohmann::json content_of(const SpendReversal& reversal, const JournalTxn& txn);
nlohmann::json content_of(const PolicyWithdrawal& withdrawal);
// The withdrawal of a record (its `withdrawal` must be set), with the
// transaction that undoes a pledge's or a disbursement's postings.
nlohmann::json content_of_withdrawal(const Pledge& pledge, const JournalTxn& txn);
nlohmann::json content_of_withdrawal(const Disbursement& disbursement, const JournalTxn& txn);
nlohmann::json content_of_withdrawal(const DisclosedTotal& disclosed);
// The details of a record's source in its content (`source_url`,
// `source_accessed`, `source_quote`), each present only when given.
SourceDetails source_details_in(const nlohmann::json& content);
nlohmann::json content_of(const ExchangeRate& rate);
std::string canonical(const nlohmann::json& content);  // dump(): sorted keys, no spaces
// canonical(content_of(entry, txn)), written directly: the bytes are the
// same (a test holds them to it), without building a JSON value, for the
// import's hot path.
std::string canonical_spend(const SpendEntry& entry, const JournalTxn& txn);
// Appends `text` as a JSON string, escaped as canonical() escapes it.
void append_json_string(std::string& out, std::string_view text);

// The name a user knows a content field by: "minor" is the amount, "first"
// and "last" the period, and so on.
std::string field_label(const std::string& content_key);

// The fields in which two contents differ, by their field_label, once
// each, in key order.
std::vector<std::string> differing_fields(const nlohmann::json& a, const nlohmann::json& b);

// The ref of a handle: "platform/handle" (handles are unique per platform).
std::string handle_ref(const Handle& handle);
std::string rate_ref(const ExchangeRate& rate);  // USD/EUR/2019-05-31

// The time a record is recorded, as the log writes it (UTC, milliseconds):
// 2026-11-22T10:00:00.000Z. Checks the shape of a given one.
std::string utc_now();
// The same time as milliseconds since 1970-01-01T00:00:00.000Z, as the log
// stores it from version 7, and back.
std::int64_t timestamp_ms(std::string_view text);
std::string format_timestamp_ms(std::int64_t ms);
void check_timestamp(std::string_view text, std::string_view field);

class Store;

// Who recorded each journal transaction (Store::each_txn_author), read once
// for a report or an export. Names are kept once each, so a million
// transactions by a few authors cost a number each.
class TxnAuthors {
 public:
  explicit TxnAuthors(Store& store);
  const std::string& of(std::int64_t txn_id) const;  // empty: nobody named
  bool empty() const { return by_txn_.empty(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::int64_t, std::uint32_t> by_txn_;
};

// Appends a record to the store's log, chained to the head; inside a write
// transaction. Returns the new record.
// `author`: who recorded it (empty: nobody named; check_author otherwise).
LogRecord append_record(Store& store, const std::string& kind, const std::string& ref, const nlohmann::json& content,
                        const std::string& recorded_at, const std::string& author = {});
// The same, with the content already canonical.
LogRecord append_record(Store& store, const std::string& kind, const std::string& ref, std::string content,
                        const std::string& recorded_at, const std::string& author = {});

// Logs every record of a ledger from before the record log (schema version
// 2), in a fixed order: platforms, advertisers, handles, spend, policy
// actions, pledges with their disbursements, disclosed totals. (Spend comes
// before bans: version 2 refused spend inside a ban recorded before it.)
void backfill_log(Store& store, const std::string& recorded_at);

}  // namespace ledger
