// JSON shapes of what adledger prints with --format json.
//
// Field names are stable and documented in docs/formats.md ("JSON output"). Every
// amount is an object that carries its currency, the exact decimal string
// and the integer minor units, so that a reader never has to parse a float:
//   {"currency": "USD", "amount": "274100.00", "minor": 27410000}
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "ledger/ledger.hpp"
#include "ledger/report/advertiser_report.hpp"
#include "ledger/report/other_reports.hpp"
#include "ledger/storage/store.hpp"

namespace ledger {

nlohmann::json amount_json(std::int64_t minor, const Currency& currency);
// A source's details: null when none was given, else {"url", "accessed",
// "quote"}, each null when not given.
nlohmann::json source_details_json(const SourceDetails& details);
nlohmann::json to_json(const SpendEntry& entry);
nlohmann::json to_json(const PolicyAction& action);
nlohmann::json to_json(const PledgeStatus& status);
nlohmann::json to_json(const Disbursement& disbursement);
nlohmann::json to_json(const BanCheck& check);
nlohmann::json to_json(const DisclosureCheck& check);
nlohmann::json to_json(const AdvertiserReport& report);
nlohmann::json to_json(const PlatformReport& report);
nlohmann::json to_json(const PolicyTimeline& timeline);
nlohmann::json to_json(const PledgesReport& report);
nlohmann::json to_json(const Register& reg);
nlohmann::json to_json(const BalanceReport& report);

}  // namespace ledger
