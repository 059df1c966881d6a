// The import checked against its JSON Schema (schemas/import.schema.json,
// compiled in) with valijson: the schema, not only adledger's own code,
// decides what an import may hold. An import checks its records with the
// same rules written by hand (record_rules.hpp), which give the same
// answers faster; valijson stays as their reference, and the tests hold
// the two to the same answers.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ledger/io/record_rules.hpp"

namespace ledger {

// The first (most specific) violation of schemas/import.schema.json by a
// whole import document, if any.
std::optional<SchemaViolation> check_import_schema(const nlohmann::json& document);

// One record of a section of the import document (`spend`, `pledges`, ...),
// checked against that section's definition, as the importer checks each
// record once its own checks have passed. Two rules of the schema are left
// to those checks, which decide them exactly as the schema does (tested in
// tests/unit/schema_check_test.cpp) and say more: that a currency is one
// the ledger knows (Currency::from_code, the enum of common.schema.json's
// currency), and that an amount has no more decimals than its currency
// (Money's parsers, the schema's amount_fits_currency). The pointer is
// within the record. Throws std::out_of_range for an unknown section.
std::optional<SchemaViolation> check_import_record(const std::string& section, const nlohmann::json& record);

}  // namespace ledger
