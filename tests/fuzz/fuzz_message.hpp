// What the fuzz targets require of an error message: one line of valid
// UTF-8 without control characters (what the command line prints).
#pragma once

#include <cstddef>
#include <string_view>

#include "ledger/error.hpp"

// Why `message` cannot be printed as one line, or nullptr when it can.
inline const char* unprintable(std::string_view message) {
  for (std::size_t i = 0; i < message.size();) {
    auto c = static_cast<unsigned char>(message[i]);
    if (c < 0x20 || c == 0x7f) return "control character in message";
    std::size_t len = ledger::utf8_sequence_length(message, i);
    if (len == 0) return "invalid UTF-8 in message";
    i += len;
  }
  return nullptr;
}
