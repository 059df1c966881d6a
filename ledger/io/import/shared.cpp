#include "ledger/io/import/shared.hpp"

#include <map>

#include "ledger/error.hpp"
#include "ledger/io/json_locations.hpp"

namespace ledger::import_detail {

std::string shown(const json& v) { return quote(v.dump(-1, ' ', false, json::error_handler_t::replace)); }

std::string field_name(std::string_view name) {
  bool plain = !name.empty() && name.size() <= 64;
  for (char c : name) plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  return plain ? std::string(name) : quote(name);
}

std::string label_of(const std::string& pointer) {
  std::string out;
  std::size_t i = 0;
  while (i < pointer.size()) {
    std::size_t next = pointer.find('/', i + 1);
    std::string token = pointer.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
    bool index = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
    out += index ? "[" + token + "]" : (out.empty() ? "" : ".") + field_name(token);
    i = next == std::string::npos ? pointer.size() : next;
  }
  return out.empty() ? "document" : out;
}

const std::string* section_of_type(const std::string& type) {
  static const std::map<std::string, std::string> kSection = {
      {"platform", "platforms"},
      {"advertiser", "advertisers"},
      {"handle", "handles"},
      {"policy_action", "policy_actions"},
      {"policy_withdrawal", "policy_withdrawals"},
      {"spend", "spend"},
      {"spend_reversal", "spend_reversals"},
      {"pledge", "pledges"},
      {"disbursement", "disbursements"},
      {"disclosure", "disclosures"},
      {"disbursement_withdrawal", "disbursement_withdrawals"},
      {"pledge_withdrawal", "pledge_withdrawals"},
      {"disclosure_withdrawal", "disclosure_withdrawals"},
      {"rate", "rates"}};
  auto it = kSection.find(type);
  return it == kSection.end() ? nullptr : &it->second;
}

json parse_strict(std::string_view text, int depth_max) {
  json value;
  if (auto problem = parse_json(text, depth_max, value)) throw ParseFailure{problem->line, problem->reason};
  return value;
}

}  // namespace ledger::import_detail
