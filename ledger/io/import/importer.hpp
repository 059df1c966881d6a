// The writer stage of an import: each record through the Ledger, counted.
//
// Whatever the format, a record ends here as a RecordReader over its JSON
// object and the section it belongs to (platforms, spend, ...). The Importer
// turns its fields into the record the ledger keeps and records it through
// the same Ledger rules as the commands, then counts it (ImportCounts) and
// reports progress. It also holds what an import remembers from record to
// record: the spend entries of the file, in order, which a reversal may
// name by their place (`file_entry`). A JSON Lines or CSV record comes in
// with its "type" (line_record); every record is also checked against its
// section's schema (schema_violation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/io/import.hpp"
#include "ledger/io/import/record_reader.hpp"
#include "ledger/io/import/shared.hpp"
#include "ledger/io/json_locations.hpp"
#include "ledger/io/record_rules.hpp"
#include "ledger/ledger.hpp"

namespace ledger::import_detail {

class Importer {
 public:
  Importer(Ledger& ledger, const JsonLocations& locations, const std::string& file, const ImportProgress& progress)
      : ledger_(ledger), locations_(&locations), file_(file), progress_(progress) {
    ledger_.bulk_load();
  }

  // One record of a section of the document (platforms, advertisers, ...).
  void section_record(std::string_view section, const RecordReader& r);

  // One JSON Lines record: {"type": "spend", ...the fields of a spend
  // entry in the document...}, located on line `line`.
  // `checked`, when given, is the record's schema check already made (by
  // the read-ahead thread of import_lines): the same check, made earlier.
  void line_record(json& record, const JsonLocations& locations,
                   const std::optional<std::optional<SchemaViolation>>& checked = std::nullopt);

  // The schema decides too: the record against its section's definition,
  // by the schema's rules written by hand (check_record_rules, which give
  // valijson's answers). adledger's own checks run first, as the record is
  // recorded, since their messages say more ("exponents are not accepted"
  // rather than "does not match pattern"); a record they pass and the
  // schema refuses is refused before the transaction commits. The
  // violation's pointer is within the record ("" for the record itself).
  static std::optional<SchemaViolation> schema_violation(const std::string& section, const json& fields) {
    return check_record_rules(section, fields);
  }

  // A spend record whose fields were read ahead (decode_spend, on the
  // read-ahead thread), with no schema violation: recorded as line_record
  // (a JSON Lines line or CSV row) or section_record (a document's record,
  // at `pointer`, called `label`) would record it, with the same messages.
  void line_spend(SpendEntry e, const JsonLocations& locations, const std::string& pointer = "",
                  const std::string& label = "spend");

  // A spend record's fields as the ledger takes them, checked for their
  // form but not against the ledger: it needs nothing from the ledger, so
  // the read-ahead thread calls it.
  static SpendEntry decode_spend(const RecordReader& r);
  static SourceDetails source_details(const RecordReader& r);

  const ImportCounts& counts() const { return counts_; }
  // Where the records now being read stand in the file.
  void use(const JsonLocations& locations) { locations_ = &locations; }

 private:
  void platform(const RecordReader& r);
  void advertiser(const RecordReader& r);
  void handle(const RecordReader& r);
  void policy_withdrawal(const RecordReader& r);
  void withdrawal(const RecordReader& r, Withdrawable record, const char* field);
  void spend_reversal(const RecordReader& r);
  void policy_action(const RecordReader& r);
  void spend(const RecordReader& r);
  void record_spend(SpendEntry e);
  void pledge(const RecordReader& r);
  void disbursement(const RecordReader& r);
  void rate(const RecordReader& r);
  void disclosure(const RecordReader& r);

  void count(std::size_t& of_kind) { count_record(counts_, of_kind, ledger_.last_outcome(), progress_); }

  Ledger& ledger_;
  const JsonLocations* locations_;
  const std::string& file_;
  const ImportProgress& progress_;
  ImportCounts counts_;
  std::vector<std::int64_t> file_entries_;  // the entry of each spend record of the file, in order
};

}  // namespace ledger::import_detail
