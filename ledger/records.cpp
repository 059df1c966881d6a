#include "ledger/records.hpp"

#include "ledger/error.hpp"

namespace ledger {

Precision parse_precision(std::string_view text, std::string_view field) {
  if (text == "exact") return Precision::Exact;
  if (text == "approximate") return Precision::Approximate;
  if (text == "estimated") return Precision::Estimated;
  if (text == "range") return Precision::Range;
  throw_input(field, text, "expected exact, approximate, estimated or range");
}

Precision parse_count_precision(std::string_view text, std::string_view field) {
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
    case Precision::Range: return "range";
  }
  return "?";
}

std::string_view log_kind_of_withdrawal(Withdrawable record) {
  switch (record) {
    case Withdrawable::Pledge: return "pledge_withdrawal";
    case Withdrawable::Disbursement: return "disbursement_withdrawal";
    case Withdrawable::DisclosedTotal: return "disclosed_total_withdrawal";
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
  // Most text is printable ASCII, which is valid UTF-8 with neither
  // controls nor bidirectional controls (those are three bytes long): one
  // pass with no branch a byte tells, and the loop below runs only on
  // text with other bytes, to find which one and why.
  unsigned char outside = 0;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    outside |= static_cast<unsigned char>((byte < 0x20) | (byte >= 0x7f));
  }
  if (!outside) return;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) throw_input(field, text, "not valid UTF-8");
    auto c = static_cast<unsigned char>(text[i]);
    if (len == 1 && (c < 0x20 || c == 0x7f) && c != '\t')
      throw_input(field, text, "control characters are not allowed");
    if (bidi_control_length(text, i))
      throw_input(field, text,
                  "bidirectional control characters (U+202A to U+202E, U+2066 to U+2069) are not allowed: they make "
                  "text display in another order than it is recorded");
    i += len;
  }
}

void check_source_details(const SourceDetails& details, const Date& today, std::string_view prefix) {
  const std::string p(prefix);
  if (details.url) {
    const std::string field = p + "_url";
    const std::string& url = *details.url;
    if (url.size() > kUrlMax) throw_input(field, url, "longer than " + std::to_string(kUrlMax) + " bytes");
    // Only web addresses: a report makes the address a link, and a link
    // to javascript: or data: would run in the reader's browser.
    auto starts_with = [&](std::string_view scheme) {
      if (url.size() < scheme.size()) return false;
      for (std::size_t i = 0; i < scheme.size(); ++i) {
        char c = url[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != scheme[i]) return false;
      }
      return true;
    };
    std::size_t host = starts_with("https://") ? 8 : starts_with("http://") ? 7 : 0;
    if (host == 0) throw_input(field, url, "not an http:// or https:// address");
    if (host == url.size() || url[host] == '/' || url[host] == '?' || url[host] == '#')
      throw_input(field, url, "the address names no host");
    bool ascii = true;
    for (char c : url) {
      auto byte = static_cast<unsigned char>(c);
      if (byte <= 0x20 || byte == 0x7f)
        throw_input(field, url, "an address holds no spaces or control characters (write a space as %20)");
      ascii = ascii && byte < 0x80;
    }
    if (!ascii) check_text(url, field);  // valid UTF-8, and no bidirectional controls
  }
  if (details.accessed) {
    const std::string field = p + "_accessed";
    if (!details.url) throw_input(field, format_date(*details.accessed), "an access date needs " + p + "_url");
    if (*details.accessed > today)
      throw_input(field, format_date(*details.accessed), "after today (" + format_date(today) + ")");
  }
  if (details.quote) check_text(*details.quote, p + "_quote");
}

}  // namespace ledger
