// The API's description (schemas/openapi.json) and the JSON Schemas its
// responses follow (schemas/*.schema.json), compiled in: the server serves
// the very files the tests validate its answers with.
#pragma once

#include <optional>
#include <string>

namespace adledger::server {

const std::string& openapi_document();
// A schema by its file name (ban-status.schema.json), or none.
std::optional<std::string> schema_document(const std::string& name);

}  // namespace adledger::server
