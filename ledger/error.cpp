#include "ledger/error.hpp"

#include <cstdio>

namespace ledger {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t len = (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  // Overlong three- and four-byte forms, surrogates, and code points past U+10FFFF.
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;
  if (c == 0xED && b(i + 1) > 0x9F) return 0;
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;
  if (c == 0xF4 && b(i + 1) > 0x8F) return 0;
  return len;
}


std::size_t bidi_control_length(std::string_view s, std::size_t i) {
  if (i + 2 >= s.size() || static_cast<unsigned char>(s[i]) != 0xE2) return 0;
  auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
  if (b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) return 3;  // U+202A..U+202E
  if (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) return 3;  // U+2066..U+2069
  return 0;
}

namespace {

std::string bidi_mark(std::string_view s, std::size_t i) {
  unsigned code = ((static_cast<unsigned char>(s[i]) & 0x0Fu) << 12) |
                  ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) | (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
  char buf[16];
  std::snprintf(buf, sizeof buf, "[U+%04X]", code);
  return buf;
}

}  // namespace

std::string neutralise_bidi(std::string text) {
  if (text.find('\xE2') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (bidi_control_length(text, i)) {
      out += bidi_mark(text, i);
      i += 3;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string quote(std::string_view value) {
  // At most 80 characters of the value, and at most 320 bytes of their
  // escapes (four for each, as "\xff" takes): a value of marks and escapes
  // cannot make the message longer than a value of plain text.
  constexpr std::size_t kShownMax = 80;
  constexpr std::size_t kBytesMax = 4 * kShownMax;
  std::string out = "\"";
  std::size_t shown = 0;
  for (std::size_t i = 0; i < value.size();) {
    if (shown == kShownMax || out.size() > kBytesMax) {
      out += "...";
      break;
    }
    ++shown;
    // Whole UTF-8 characters pass as they are and are never cut in half;
    // a byte that starts no valid character is shown escaped, so that the
    // message itself is always valid UTF-8.
    std::size_t len = utf8_sequence_length(value, i);
    if (bidi_control_length(value, i)) {
      out += bidi_mark(value, i);
      i += 3;
      continue;
    }
    if (len > 1) {
      out.append(value.substr(i, len));
      i += len;
      continue;
    }
    char c = value[i++];
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
    } else if (byte < 0x20 || byte >= 0x7f) {
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
