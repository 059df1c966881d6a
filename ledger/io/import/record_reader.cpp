#include "ledger/io/import/record_reader.hpp"

namespace ledger::import_detail {

std::string RecordReader::location(const std::string& pointer) const {
  return file_ + ":" + std::to_string(locations_.line_of(pointer)) + ": ";
}

void RecordReader::fail_field(std::string_view name, ErrorKind kind, const std::string& reason) const {
  throw Located(kind, location(pointer_ + "/" + std::string(name)) + label_ + "." + field_name(name) + ": " + reason);
}

void RecordReader::fail_record(ErrorKind kind, const std::string& reason) const {
  throw Located(kind, location(pointer_) + label_ + ": " + reason);
}

}  // namespace ledger::import_detail
