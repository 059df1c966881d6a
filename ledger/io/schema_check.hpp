// The import checked against its JSON Schema (schemas/import.schema.json,
// compiled in) with valijson: the schema, not only adledger's own code,
// decides what an import may hold.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace ledger {

struct SchemaViolation {
  std::string pointer;  // JSON Pointer of the value at fault: /spend/0/amount
  std::string reason;   // valijson's description
};

// The first (most specific) violation of schemas/import.schema.json by a
// whole import document, if any.
std::optional<SchemaViolation> check_import_schema(const nlohmann::json& document);

}  // namespace ledger
