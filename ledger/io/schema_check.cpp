#include "ledger/io/schema_check.hpp"

#include <map>
#include <memory>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "ledger/error.hpp"
#include "schemas_json.hpp"

namespace ledger {
namespace {

using json = nlohmann::json;

// valijson asks for the documents that $ref names by URI; the only one the
// import schema refers to is common.schema.json.
const json* fetch_document(const std::string& uri) {
  if (uri.find("common.schema.json") == std::string::npos) return nullptr;
  return new json(json::parse(generated::kCommonSchema));
}
// The same, for the importer's per-record check: the currency list is
// left to Currency::from_code (see schema_check.hpp).
const json* fetch_document_for_records(const std::string& uri) {
  if (uri.find("common.schema.json") == std::string::npos) return nullptr;
  auto* document = new json(json::parse(generated::kCommonSchema));
  json& currency = (*document)["$defs"]["currency"];
  currency.erase("enum");
  currency["type"] = "string";
  return document;
}
void free_document(const json* document) { delete document; }

// Parsed once per process. The schemas are draft 2020-12; what the import
// schema uses of it ($defs reached by JSON Pointer, if/then/else, patterns,
// required, additionalProperties) valijson reads as draft 7.
const valijson::Schema& import_schema() {
  static const std::unique_ptr<valijson::Schema> schema = [] {
    auto s = std::make_unique<valijson::Schema>();
    json document = json::parse(generated::kImportSchema);
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    parser.populateSchema(adapter, *s, fetch_document, free_document);
    return s;
  }();
  return *schema;
}

// Each section's record definition as a schema of its own, parsed once per
// process: {"$ref": "#/$defs/spend"} beside the import schema's $defs.
const valijson::Schema& record_schema(const std::string& section) {
  static const std::map<std::string, std::unique_ptr<valijson::Schema>> schemas = [] {
    std::map<std::string, std::unique_ptr<valijson::Schema>> out;
    const json import = json::parse(generated::kImportSchema);
    json defs = import.at("$defs");
    defs["amount_fits_currency"] = json::object();  // left to Money's parsers (see schema_check.hpp)
    for (const auto& [name, property] : import.at("properties").items()) {
      if (!property.contains("items")) continue;  // "format"
      json document = {{"$id", import.at("$id")}, {"$defs", defs}, {"$ref", property.at("items").at("$ref")}};
      auto schema = std::make_unique<valijson::Schema>();
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(document);
      parser.populateSchema(adapter, *schema, fetch_document_for_records, free_document);
      out.emplace(name, std::move(schema));
    }
    return out;
  }();
  return *schemas.at(section);
}

// valijson's context, ["<root>", "[spend]", "[0]", "[amount]"], as a JSON
// Pointer, /spend/0/amount.
std::string pointer_of(const std::vector<std::string>& context) {
  std::string out;
  for (const std::string& part : context) {
    if (part.size() < 2 || part.front() != '[' || part.back() != ']') continue;
    std::string token = part.substr(1, part.size() - 2);
    if (token.size() >= 2 && token.front() == '"' && token.back() == '"') token = token.substr(1, token.size() - 2);
    std::string escaped;
    for (char c : token) escaped += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    out += "/" + escaped;
  }
  return out;
}

std::optional<SchemaViolation> validate(const valijson::Schema& schema, const json& document) {
  // One validator per thread: it keeps the patterns it has compiled, and
  // compiling them again for every record of a million-line file would
  // cost twenty times the import itself.
  thread_local valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(document);
  if (validator.validate(schema, target, &results)) return std::nullopt;
  valijson::ValidationResults::Error error;
  if (!results.popError(error)) return SchemaViolation{"", "does not match the import schema"};
  return SchemaViolation{pointer_of(error.context), error.description};
}

}  // namespace

std::optional<SchemaViolation> check_import_schema(const json& document) {
  return validate(import_schema(), document);
}

std::optional<SchemaViolation> check_import_record(const std::string& section, const json& record) {
  return validate(record_schema(section), record);
}

}  // namespace ledger
