#include "ledger/error.hpp"

#include <cstdio>

namespace ledger {

std::string quote(std::string_view value) {
  constexpr std::size_t kShownMax = 80;
  std::string out = "\"";
  std::size_t shown = 0;
  for (char c : value) {
    if (shown == kShownMax) {
      out += "...";
      break;
    }
    ++shown;
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

void throw_input(std::string_view field, std::string_view value, std::string_view reason) {
  throw Error(ErrorKind::Input,
              std::string(field) + " " + quote(value) + ": " + std::string(reason));
}

}  // namespace ledger
