// The import schema, compiled in and checked with valijson: it accepts the
// fixtures and points at the value at fault in a document it refuses.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "ledger/error.hpp"
#include "ledger/io/schema_check.hpp"
#include "ledger/money/currency.hpp"

namespace {

using json = nlohmann::json;

json fixture() {
  std::ifstream in(ADLEDGER_SOURCE_DIR "/fixtures/founding-case.json");
  return json::parse(in);
}

TEST(ImportSchema, AcceptsTheFixture) { EXPECT_EQ(ledger::check_import_schema(fixture()), std::nullopt); }

TEST(ImportSchema, PointsAtABadAmount) {
  json doc = fixture();
  doc["spend"][0]["amount"] = "1e5";
  auto v = ledger::check_import_schema(doc);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->pointer, "/spend/0/amount");
  EXPECT_NE(v->reason.find("pattern"), std::string::npos) << v->reason;
}

TEST(ImportSchema, PointsAtARecordWithAnUnknownField) {
  json doc = fixture();
  doc["platforms"][1]["url"] = "https://example.org";
  auto v = ledger::check_import_schema(doc);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->pointer, "/platforms/1");
  EXPECT_NE(v->reason.find("url"), std::string::npos) << v->reason;
}

TEST(ImportSchema, RefusesWhatTheTypesForbid) {
  json doc = fixture();
  doc["spend"][0]["items"] = "1823";  // a string for a count
  auto v = ledger::check_import_schema(doc);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->pointer, "/spend/0/items");

  json no_format = fixture();
  no_format.erase("format");
  ASSERT_TRUE(ledger::check_import_schema(no_format));

  json kind = fixture();
  kind["policy_actions"][0]["kind"] = "ban";  // not a policy kind
  v = ledger::check_import_schema(kind);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->pointer.rfind("/policy_actions/0", 0), 0u) << v->pointer;
}

TEST(ImportSchema, ADisclosureRecordAloneInItsSection) {
  // How JSON Lines and CSV records are checked: each as the one record of
  // its section of a document.
  json record = fixture()["disclosures"][0];
  json wrapped = {{"format", "adledger/1"}, {"disclosures", json::array({record})}};
  EXPECT_EQ(ledger::check_import_schema(wrapped), std::nullopt);
  wrapped["disclosures"][0]["precision"] = "roughly";
  auto v = ledger::check_import_schema(wrapped);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->pointer.rfind("/disclosures/0", 0), 0u) << v->pointer;
}



// The importer checks each record against its section's definition, with
// two rules left to its own checks (schema_check.hpp). These tests prove
// those checks decide them as the schema does, so leaving them out refuses
// nothing less.
json common_defs() {
  std::ifstream in(ADLEDGER_SOURCE_DIR "/schemas/common.schema.json");
  return json::parse(in).at("$defs");
}

bool listed(const json& def, const std::string& code) {
  for (const json& c : def.at("enum"))
    if (c == code) return true;
  return false;
}

TEST(ImportRecordSchema, TheCurrencyListIsTheLedgersExactly) {
  json defs = common_defs();
  std::size_t known = 0;
  for (char a = 'A'; a <= 'Z'; ++a)
    for (char b = 'A'; b <= 'Z'; ++b)
      for (char c = 'A'; c <= 'Z'; ++c) {
        std::string code{a, b, c};
        bool in_table = true;
        try {
          ledger::Currency::from_code(code);
        } catch (const ledger::Error&) {
          in_table = false;
        }
        EXPECT_EQ(in_table, listed(defs.at("currency"), code)) << code;
        known += in_table;
      }
  EXPECT_EQ(known, defs.at("currency").at("enum").size());
}

TEST(ImportRecordSchema, DecimalPlacesAreTheLedgersExactly) {
  json defs = common_defs();
  for (const json& code : defs.at("currency").at("enum")) {
    std::string c = code.get<std::string>();
    int schema_decimals = listed(defs.at("currency_0_decimals"), c)   ? 0
                          : listed(defs.at("currency_3_decimals"), c) ? 3
                          : listed(defs.at("currency_4_decimals"), c) ? 4
                                                                      : 2;
    EXPECT_EQ(ledger::Currency::from_code(c).decimals(), schema_decimals) << c;
  }
}

// Apart from those two rules, a record is refused as it is refused inside a
// whole document, at the same place and for the same reason.
TEST(ImportRecordSchema, AgreesWithTheWholeDocumentCheck) {
  const json base = fixture();
  std::vector<std::pair<std::string, std::function<void(json&)>>> edits = {
      {"as given", [](json&) {}},
      {"exponent", [](json& r) { r["amount"] = "1e5"; }},
      {"unknown field", [](json& r) { r["colour"] = "red"; }},
      {"missing source", [](json& r) { r.erase("source"); }},
      {"number amount", [](json& r) { r["amount"] = 100; }},
      {"bad precision", [](json& r) { r["precision"] = "roughly"; }},
      {"bad period", [](json& r) { r["period"] = "2016-13"; }},
      {"long market", [](json& r) { r["market"] = std::string(300, 'x'); }},
      {"tags not a list", [](json& r) { r["tags"] = "issue"; }},
      {"upper on exact", [](json& r) { r["upper"] = "5.00"; }},
  };
  for (const auto& [what, edit] : edits) {
    json record = base.at("spend").at(0);
    edit(record);
    json document = {{"format", base.at("format")}, {"spend", json::array({record})}};
    std::optional<ledger::SchemaViolation> whole = ledger::check_import_schema(document);
    std::optional<ledger::SchemaViolation> alone = ledger::check_import_record("spend", record);
    ASSERT_EQ(whole.has_value(), alone.has_value()) << what;
    if (!whole) continue;
    EXPECT_EQ(whole->pointer, "/spend/0" + alone->pointer) << what;
    EXPECT_EQ(whole->reason, alone->reason) << what;
  }
  for (const auto& [section, records] : base.items()) {
    if (!records.is_array()) continue;
    for (const json& record : records) EXPECT_EQ(ledger::check_import_record(section, record), std::nullopt) << section;
  }
}

}  // namespace
