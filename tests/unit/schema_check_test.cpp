// The import schema, compiled in and checked with valijson: it accepts the
// fixtures and points at the value at fault in a document it refuses.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ledger/io/schema_check.hpp"

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

}  // namespace
