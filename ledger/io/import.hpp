// The import document: a whole ledger's records in one JSON file.
//
//   { "format": "adledger/1",
//     "platforms": [...], "advertisers": [...], "handles": [...],
//     "policy_actions": [...], "policy_withdrawals": [...],
//     "spend": [...], "spend_reversals": [...],
//     "pledges": [...], "disbursements": [...], "disclosures": [...],
//     "disbursement_withdrawals": [...], "pledge_withdrawals": [...],
//     "disclosure_withdrawals": [...], "rates": [...] }
//
// schemas/import.schema.json describes it; fixtures/ holds an example. The
// sections are recorded in that order (so a ban in the file refuses spend
// in the file that it covers), each record through the same Ledger rules as
// the commands. The caller runs the whole import in one WriteTransaction:
// the file goes in whole or not at all. Errors name the file, the line and
// the field: `fixtures/x.json:14: spend[0].amount "1e5": ...`.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <string>
#include <string_view>

#include "ledger/ledger.hpp"

namespace ledger {

struct ImportCounts {
  std::size_t platforms = 0;
  std::size_t advertisers = 0;
  std::size_t handles = 0;
  std::size_t policy_actions = 0;
  std::size_t spend = 0;
  std::size_t pledges = 0;
  std::size_t disbursements = 0;
  std::size_t disclosures = 0;
  std::size_t policy_withdrawals = 0;
  std::size_t spend_reversals = 0;
  std::size_t withdrawals = 0;  // of pledges, disbursements and disclosed totals
  std::size_t rates = 0;
  std::size_t unchanged = 0;  // records of the file already in the ledger, the same: no-ops
  std::size_t running = 0;    // ad-library ads still running, not recorded (io/adlib_import.hpp)
  std::size_t records = 0;    // all of the above, handles and disbursements included
};

// Called after each record, for progress on a terminal.
using ImportProgress = std::function<void(const ImportCounts&)>;

// Counts a record of a file: `of_kind` (a member of `counts`), the records,
// and the unchanged ones when the ledger already had it (`outcome`, the
// ledger's last); then reports progress.
void count_record(ImportCounts& counts, std::size_t& of_kind, Outcome outcome, const ImportProgress& progress);

inline constexpr std::size_t kLineBytesMax = 16 * 1024 * 1024;  // one record: a JSON Lines line, a CSV row

// Reads the document as a stream: memory stays bounded by the records read
// ahead (ReadAhead::kBytesAhead of them, and the largest record,
// kLineBytesMax), whatever the file's size. The stream is read twice
// (see DocumentReader); one that cannot seek, such as a pipe, is first
// copied to a temporary file.
ImportCounts import_document(Ledger& ledger, std::istream& in, const std::string& file_name,
                             const ImportProgress& progress = {});
ImportCounts import_document(Ledger& ledger, std::string_view text, const std::string& file_name,
                             const ImportProgress& progress = {});

// JSON Lines: one record a line, {"type": "spend", ...}, with the fields a
// record of that section has in the document ("type" is platform,
// advertiser, handle, policy_action, policy_withdrawal, spend,
// spend_reversal, pledge, disbursement or disclosure); blank lines are
// allowed. Read as a stream: memory stays bounded whatever the file's size.
// Errors name the file and the line: `x.jsonl:14: spend.amount "1e5": ...`.
ImportCounts import_lines(Ledger& ledger, std::istream& in, const std::string& file_name,
                          const ImportProgress& progress = {});

// CSV (RFC 4180) with a header row naming the fields, one record a row:
// a `type` column says what each row is (as in JSON Lines); without one,
// every row is a spend entry. `tags` and `advertisers` hold lists separated
// by ";"; an empty cell is an absent field. Streamed like JSON Lines; a row
// may hold at most kCsvColumnsMax columns and kLineBytesMax bytes.
inline constexpr std::size_t kCsvColumnsMax = 1024;
ImportCounts import_csv(Ledger& ledger, std::istream& in, const std::string& file_name,
                        const ImportProgress& progress = {});

}  // namespace ledger
