// What the import's readers share: strict parsing and the names errors use.
//
// Every format ends in the same JSON values: the document's records, a JSON
// Lines line, a CSV row turned into an object. These are the pieces each
// reader needs around them: parsing a value strictly with its line, the
// section a record's "type" names, and how an error message shows a value,
// a field name and a place in the document (spend[0].amount). Internal to
// ledger/io/import/: the public API is ledger/io/import.hpp.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ledger::import_detail {

using json = nlohmann::json;

inline constexpr int kDepthMax = 32;  // an import needs 5 levels; more is a mistake or an attack

// A JSON value as an error message shows it: short, escaped, one line.
std::string shown(const json& v);

// A field name as an error message shows it: as is when it is a plain
// name, else quoted (escaped and cut), so no key can flood or garble the
// terminal.
std::string field_name(std::string_view name);

// A JSON Pointer into the document as the error messages name records:
// /spend/0/amount is spend[0].amount.
std::string label_of(const std::string& pointer);

struct ParseFailure {
  std::size_t line;  // of the text parsed
  std::string reason;
};

// The document section a JSON Lines record's type belongs to, or null.
const std::string* section_of_type(const std::string& type);

// Parses strictly (check_json's checks: syntax, duplicate keys, depth, huge
// numbers, NUL bytes, each with its line) while building the value, in one
// pass over the text. Throws ParseFailure.
json parse_strict(std::string_view text, int depth_max = kDepthMax);

}  // namespace ledger::import_detail
