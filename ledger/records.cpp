#include "ledger/records.hpp"

#include "ledger/error.hpp"

namespace ledger {
namespace {

// Returns the length of the valid UTF-8 sequence at s[i], or 0.
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

}  // namespace

Precision parse_precision(std::string_view text, std::string_view field) {
  if (text == "exact") return Precision::Exact;
  if (text == "approximate") return Precision::Approximate;
  if (text == "estimated") return Precision::Estimated;
  throw_input(field, text, "expected exact, approximate or estimated");
}

std::string_view to_string(Precision precision) {
  switch (precision) {
    case Precision::Exact: return "exact";
    case Precision::Approximate: return "approximate";
    case Precision::Estimated: return "estimated";
  }
  return "?";
}

PolicyKind parse_policy_kind(std::string_view text, std::string_view field) {
  if (text == "ad_ban") return PolicyKind::AdBan;
  if (text == "ban_lift") return PolicyKind::BanLift;
  if (text == "suspension") return PolicyKind::Suspension;
  if (text == "disclosure") return PolicyKind::Disclosure;
  if (text == "targeting_change") return PolicyKind::TargetingChange;
  throw_input(field, text, "expected ad_ban, ban_lift, suspension, disclosure or targeting_change");
}

std::string_view to_string(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::AdBan: return "ad_ban";
    case PolicyKind::BanLift: return "ban_lift";
    case PolicyKind::Suspension: return "suspension";
    case PolicyKind::Disclosure: return "disclosure";
    case PolicyKind::TargetingChange: return "targeting_change";
  }
  return "?";
}

void check_slug(std::string_view text, std::string_view field) {
  if (text.empty()) throw_input(field, text, "an id is required");
  if (text.size() > kSlugMax) throw_input(field, text, "an id is at most 64 characters");
  auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok_first(text.front()))
    throw_input(field, text, "an id starts with a lowercase letter or a digit");
  for (char c : text) {
    if (!ok_first(c) && c != '-' && c != '_')
      throw_input(field, text, "an id holds only lowercase letters, digits, '-' and '_'");
  }
}

void check_text(std::string_view text, std::string_view field) {
  if (text.empty()) throw_input(field, text, "must not be empty");
  if (text.size() > kTextMax)
    throw_input(field, text, "longer than " + std::to_string(kTextMax) + " bytes");
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) throw_input(field, text, "not valid UTF-8");
    auto c = static_cast<unsigned char>(text[i]);
    if (len == 1 && (c < 0x20 || c == 0x7f) && c != '\t')
      throw_input(field, text, "control characters are not allowed");
    i += len;
  }
}

}  // namespace ledger
