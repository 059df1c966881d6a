// The import schema's rules for one record, written by hand.
//
// Every record of an import is checked against its section's definition in
// schemas/import.schema.json. valijson did that on the import's hot path,
// matching every pattern with std::regex; these functions decide the same
// rules directly on the parsed value, with no regex and no allocation unless
// the record is refused. They give the very violation valijson gives: the
// same value at fault and the same description, found in the order valijson
// visits the schema (the keywords of a schema in valijson's fixed order, the
// properties by name, all of a record before its required fields), so that
// an import refuses the same records with the same messages.
// tests/unit/record_rules_test.cpp runs both over the test corpora and over
// mutations of valid records and requires the same answer from each.
//
// As with check_import_record (schema_check.hpp), two rules are left to the
// importer's own checks: that a currency is one the ledger knows, and that a
// spend entry's, disclosure's or disbursement's amount has no more decimals
// than its currency. A pledge's decimals stay: the schema spells them out in
// the pledge's definition itself.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ledger {

struct SchemaViolation {
  std::string pointer;  // JSON Pointer of the value at fault, within what was checked: /amount
  std::string reason;   // valijson's description
};

// Whether a JSON Lines record's "type" member is checked as a field: a
// document's record has none, and one there is an unknown field.
enum class TypeMember { Field, Ignored };

// The first violation of section `section`'s record definition (`spend`,
// `pledges`, ...) by `record`, if any. Throws std::out_of_range for an
// unknown section.
std::optional<SchemaViolation> check_record_rules(std::string_view section, const nlohmann::json& record,
                                                  TypeMember type = TypeMember::Field);

}  // namespace ledger
