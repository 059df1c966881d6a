// The import's hand-written record rules (io/record_rules.hpp) against
// valijson over the import schema (io/schema_check.hpp), the reference they
// replace on the hot path: over every record of the test corpora (the fuzz
// corpora, the e2e data and golden cases' files, the fixtures) and over
// mutations of valid records, each checked as a record of every section,
// both must refuse the same records, at the same value, with the same
// description. The CLI's message is made of those two, so it is the same.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/error.hpp"
#include "ledger/io/csv_reader.hpp"
#include "ledger/io/json_locations.hpp"
#include "ledger/io/record_rules.hpp"
#include "ledger/io/schema_check.hpp"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr std::array<const char*, 11> kSections = {"platforms",       "advertisers",   "handles",     "policy_actions",
                                                    "policy_withdrawals", "spend",     "spend_reversals", "pledges",
                                                    "disbursements",   "disclosures",   "rates"};

const char* section_of_type(const std::string& type) {
  static const std::map<std::string, const char*> kSection = {
      {"platform", "platforms"},   {"advertiser", "advertisers"}, {"handle", "handles"},
      {"policy_action", "policy_actions"}, {"policy_withdrawal", "policy_withdrawals"}, {"spend", "spend"},
      {"spend_reversal", "spend_reversals"}, {"pledge", "pledges"}, {"disbursement", "disbursements"},
      {"disclosure", "disclosures"}, {"rate", "rates"}};
  auto it = kSection.find(type);
  return it == kSection.end() ? nullptr : it->second;
}

std::string shown(const std::optional<ledger::SchemaViolation>& v) {
  return v ? v->pointer + ": " + v->reason : std::string("accepted");
}

// Runs both checks over records and counts what they agreed on.
class Comparison {
 public:
  // `record` as a record of `section`; a JSON Lines record keeps its
  // "type", which the rules then ignore and valijson never sees.
  void compare(const std::string& section, const json& record, const std::string& what,
               ledger::TypeMember type = ledger::TypeMember::Field) {
    json fields = record;
    if (type == ledger::TypeMember::Ignored && fields.is_object()) fields.erase("type");
    std::optional<ledger::SchemaViolation> expected = ledger::check_import_record(section, fields);
    std::optional<ledger::SchemaViolation> actual = ledger::check_record_rules(section, record, type);
    ++compared;
    refused += expected.has_value();
    if (shown(expected) == shown(actual)) return;
    ++differed;
    ADD_FAILURE() << what << " as " << section << ": " << record.dump(-1, ' ', false, json::error_handler_t::replace)
                  << "\n  valijson: " << shown(expected) << "\n  rules:    " << shown(actual);
  }
  // As a record of every section: each rule meets every kind of value.
  void compare_everywhere(const json& record, const std::string& what,
                          ledger::TypeMember type = ledger::TypeMember::Field) {
    for (const char* section : kSections) compare(section, record, what, type);
  }

  std::size_t compared = 0;
  std::size_t refused = 0;
  std::size_t differed = 0;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A CSV row as the importer makes it a record (import.cpp's csv_value).
json csv_record(const std::vector<std::string>& header, const std::vector<std::string>& row) {
  json record = json::object();
  if (std::find(header.begin(), header.end(), "type") == header.end()) record["type"] = "spend";
  for (std::size_t i = 0; i < header.size() && i < row.size(); ++i) {
    const std::string& column = header[i];
    const std::string& cell = row[i];
    if (cell.empty() && column != "tags") continue;
    if (column == "tags" || column == "advertisers") {
      json list = json::array();
      std::stringstream items(cell);
      for (std::string item; std::getline(items, item, ';');)
        if (!item.empty()) list.push_back(item);
      record[column] = list;
    } else if ((column == "items" || column == "accounts") && cell.size() <= 18 &&
               cell.find_first_not_of("0123456789") == std::string::npos) {
      record[column] = std::stoll(cell);
    } else if (column == "state_affiliated" && (cell == "true" || cell == "false")) {
      record[column] = cell == "true";
    } else {
      record[column] = cell;
    }
  }
  return record;
}

// Every record `text` holds, as a document, as JSON Lines or as CSV, each
// compared as a record of every section.
void compare_text(Comparison& c, const std::string& text, const std::string& what) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_object()) {
    for (const auto& [key, value] : document.items()) {
      if (!value.is_array()) continue;
      for (std::size_t i = 0; i < value.size(); ++i) c.compare_everywhere(value[i], what + ":" + key + "[" + std::to_string(i) + "]");
    }
  }
  std::istringstream lines(text);
  std::size_t number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object()) continue;
    auto type = record.find("type");
    const char* section = type != record.end() && type->is_string() ? section_of_type(type->get<std::string>()) : nullptr;
    std::string where = what + ":" + std::to_string(number);
    if (section) c.compare(section, record, where, ledger::TypeMember::Ignored);
    c.compare_everywhere(record, where);
  }
  try {
    std::istringstream in(text);
    std::vector<std::string> header, row;
    std::size_t line = 0;
    if (!ledger::read_csv_row(in, header, line, what) || header.size() < 2) return;
    while (ledger::read_csv_row(in, row, line, what)) {
      if (row.size() != header.size()) continue;
      json record = csv_record(header, row);
      const char* section = record.contains("type") && record["type"].is_string()
                                ? section_of_type(record["type"].get<std::string>())
                                : nullptr;
      if (section) c.compare(section, record, what + ":" + std::to_string(line) + " (csv)", ledger::TypeMember::Ignored);
    }
  } catch (const ledger::Error&) {
    // Not CSV, or CSV the importer refuses before any record.
  }
}

TEST(RecordRules, AgreeWithValijsonOnTheCorpora) {
  Comparison c;
  std::size_t files = 0;
  for (const char* dir : {"/tests/fuzz", "/tests/e2e/data", "/fixtures"}) {
    for (const auto& entry : fs::recursive_directory_iterator(ADLEDGER_SOURCE_DIR + std::string(dir))) {
      if (!entry.is_regular_file()) continue;
      std::string ext = entry.path().extension().string();
      if (ext == ".cpp" || ext == ".hpp" || ext == ".sh" || ext == ".txt" || ext == ".db" || ext == ".dict") continue;
      compare_text(c, read_file(entry.path()), entry.path().lexically_relative(ADLEDGER_SOURCE_DIR).string());
      ++files;
    }
  }
  // The files of the golden cases: "%file NAME" ... "%end".
  for (const auto& entry : fs::directory_iterator(ADLEDGER_SOURCE_DIR "/tests/e2e/cases")) {
    std::istringstream in(read_file(entry.path()));
    std::string name, body;
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
      if (!inside && line.rfind("%file ", 0) == 0) {
        inside = true;
        name = line.substr(6);
        body.clear();
      } else if (inside && line == "%end") {
        inside = false;
        compare_text(c, body, entry.path().filename().string() + ":" + name);
        ++files;
      } else if (inside) {
        body += line + "\n";
      }
    }
  }
  std::cout << "[ corpora  ] " << files << " files, " << c.compared << " comparisons, " << c.refused
            << " refused, " << c.differed << " differed\n";
  EXPECT_GT(files, 90u);
  EXPECT_GT(c.compared, 2000u);
  EXPECT_EQ(c.differed, 0u);
}

// Values of every kind, and at every boundary the schema draws.
std::vector<json> palette() {
  std::vector<json> v = {
      nullptr, true, false, 0, 1, -1, 2, 1.5, 2.0, -0.5, 1000000000000, 1000000000001, 1e13, 9223372036854775807LL,
      json(9223372036854775808ULL), json(18446744073709551615ULL), json(-9223372036854775807LL - 1), 1e300,
      "", "x", "a", "0", "00", "0.00", "0,000", "0.", ".", ".5", "5.", "1", "1.5", "1.25", "1.234", "1.2345", "1.23456",
      "1,000", "1,000.5", "1,00", "12,345,678.90", "1000,000", "01", "1e5", "-1", "+1", " 1", "1 ", "274100.00",
      "0.000000000001", "1.0000000000001", std::string(40, '1'), std::string(41, '1'), std::string(64, '9'),
      std::string(65, '9'), "1400", "1399", "9999", "2016", "2016-Q4", "2016-q1", "2016-Q5", "2016-W01", "2016-w53",
      "2016-W54", "2016-W00", "2016-10", "2016-13", "2016-00", "2016-10-26", "2016-10-32", "2016-02-30", "2016-10-",
      "2016-", "2016..2017", "2016-10-26..2017-Q1", "2016-W01..2016-W02", "2016...2017", "2016..", "..2016",
      "2016-10-26..", "2016-1-1", "20161026", "2016-10-26T00:00", "ad_ban", "ban_lift", "suspension", "disclosure",
      "targeting_change", "ban", "range", "exact", "approximate", "estimated", "roughly", "Range", "USD", "JPY", "KWD",
      "CLF", "EUR", "usd", "XXX", "RU", "ru", "RUS", "R", "twitter", "Twitter", "tw-1_x", "-tw", "_tw", "tw.x",
      std::string(64, 'a'), std::string(65, 'a'), "abc\n", "\nabc", "a\tb", "a\x01" "b", "a\x7f" "b", "a\x1f",
      std::string("\0abc", 4), std::string("abc\0", 4), "\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
      std::string(255, 'x'), std::string(256, 'x'), std::string(257, 'x'), std::string(4095, 'x'),
      std::string(4096, 'x'), std::string(4097, 'x'), std::string(2048, 'x') + std::string(2048, '\xC3') ,
      [] {
        std::string s;
        for (int i = 0; i < 257; ++i) s += "\xC3\xA9";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 256; ++i) s += "\xC3\xA9";
        return s;
      }(),
      json::array(), json::array({"a"}), json::array({"a", "b"}), json::array({"a", 1}), json::array({""}),
      json::array({nullptr}), json::array({json::object()}),
      json::array({{{"platform", "twitter"}, {"handle", "@x"}}}),
      json::array({{{"platform", "Twitter"}, {"handle", "@x"}}}),
      json::array({{{"platform", "twitter"}, {"handle", "@x"}, {"url", "u"}}}),
      json::array({{{"platform", "twitter"}}}),
      json::array({{{"amount", "1.5"}, {"date", "2020-01-01"}, {"source", "s"}}}),
      json::array({{{"amount", "1.234"}, {"date", "2020-01-01"}, {"source", "s"}}}),
      json::array({{{"amount", "1"}, {"date", "2020-01-01"}, {"source", "s"}, {"x", 1}}}),
      json::array({{{"amount", 5}, {"date", "2020-01-01"}, {"source", "s"}}}),
      json::array({"x", {{"amount", "1.5"}}}),
      json::object(), json::object({{"advertiser", "x"}}), json::object({{"advertiser", "X"}}),
      json::object({{"period", "2016"}}), json::object({{"period", "2016-13"}, {"advertiser", nullptr}}),
      json::object({{"x", 1}}),
  };
  return v;
}

// A valid record of each section, with every optional field given.
std::vector<std::pair<std::string, json>> valid_records() {
  return {
      {"platforms", {{"id", "twitter"}, {"name", "Twitter"}}},
      {"advertisers",
       {{"id", "rt"}, {"name", "RT"}, {"country", "RU"}, {"state_affiliated", true},
        {"handles", json::array({{{"platform", "twitter"}, {"handle", "@RT_com"}}})}}},
      {"handles", {{"advertiser", "rt"}, {"platform", "twitter"}, {"handle", "@RT_com"}}},
      {"policy_actions",
       {{"id", "tw-ban"}, {"kind", "ad_ban"}, {"platform", "twitter"}, {"advertisers", json::array({"rt"})},
        {"date", "2017-10-26"}, {"end_date", "2018-01-01"}, {"description", "d"}, {"source", "s"}, {"note", "n"}}},
      {"policy_actions",
       {{"kind", "ban_lift"}, {"platform", "twitter"}, {"lifts", "tw-ban"}, {"date", "2018-01-01"},
        {"description", "d"}, {"source", "s"}}},
      {"policy_actions",
       {{"kind", "suspension"}, {"platform", "twitter"}, {"accounts", 12}, {"date", "2018-01-01"},
        {"description", "d"}, {"source", "s"}}},
      {"policy_actions",
       {{"kind", "disclosure"}, {"platform", "twitter"}, {"date", "2018-01-01"}, {"description", "d"},
        {"source", "s"}}},
      {"policy_withdrawals", {{"action", "tw-ban"}, {"reason", "r"}, {"source", "s"}}},
      {"spend",
       {{"id", "s1"}, {"advertiser", "rt"}, {"platform", "twitter"}, {"handle", "@RT_com"}, {"amount", "274,100.00"},
        {"currency", "USD"}, {"period", "2016"}, {"items", 1823}, {"market", "US"}, {"tags", json::array({"a"})},
        {"precision", "exact"}, {"source", "s"}, {"note", "n"}}},
      {"spend",
       {{"advertiser", "rt"}, {"platform", "twitter"}, {"amount", "0"}, {"upper", "1000"}, {"currency", "JPY"},
        {"period", "2016-10-26..2017-Q1"}, {"market", "US"}, {"precision", "range"}, {"source", "s"}}},
      {"spend_reversals", {{"entry", 4}, {"reason", "r"}, {"source", "s"}}},
      {"spend_reversals", {{"spend", "s1"}, {"reason", "r"}, {"source", "s"}}},
      {"spend_reversals", {{"file_entry", 1}, {"reason", "r"}, {"source", "s"}}},
      {"pledges",
       {{"id", "p1"}, {"platform", "twitter"}, {"amount", "1,900,000"}, {"currency", "USD"}, {"date", "2017-10-26"},
        {"beneficiary", "b"}, {"basis", {{"advertiser", "rt"}, {"period", "2011..2017"}}}, {"source", "s"},
        {"note", "n"},
        {"disbursements", json::array({{{"id", "d1"}, {"amount", "1.50"}, {"date", "2018-01-01"}, {"source", "s"}}})}}},
      {"pledges",
       {{"platform", "twitter"}, {"amount", "1.500"}, {"currency", "KWD"}, {"date", "2017-10-26"},
        {"beneficiary", "b"}, {"source", "s"}}},
      {"disbursements",
       {{"id", "d2"}, {"pledge", "p1"}, {"amount", "5"}, {"currency", "USD"}, {"date", "2018-01-01"}, {"source", "s"}}},
      {"disclosures",
       {{"id", "x"}, {"platform", "twitter"}, {"advertiser", "rt"}, {"amount", "1900000"}, {"currency", "USD"},
        {"period", "2011..2017-10-26"}, {"date", "2018-01-19"}, {"precision", "approximate"}, {"source", "s"},
        {"note", "n"}}},
      {"rates", {{"from", "EUR"}, {"to", "USD"}, {"rate", "1.0823"}, {"date", "2020-01-01"}, {"source", "s"}}},
  };
}

// Every field of every section, and some no section has.
std::vector<std::string> field_names() {
  return {"id", "name", "country", "state_affiliated", "handles", "advertiser", "platform", "handle", "kind",
          "advertisers", "date", "end_date", "lifts", "accounts", "description", "source", "note", "action",
          "reason", "amount", "upper", "currency", "period", "items", "market", "tags", "precision", "entry",
          "spend", "file_entry", "beneficiary", "basis", "disbursements", "pledge", "from", "to", "rate", "type",
          "colour", "", "Amount", "~/x"};
}

TEST(RecordRules, AgreeWithValijsonOnMutationsOfValidRecords) {
  Comparison c;
  const std::vector<json> values = palette();
  for (const auto& [section, base] : valid_records()) {
    c.compare(section, base, "valid");
    EXPECT_EQ(ledger::check_record_rules(section, base), std::nullopt) << section << " " << base.dump();
    for (const std::string& name : field_names()) {
      json removed = base;
      removed.erase(name);
      c.compare(section, removed, "without " + name);
      for (const json& value : values) {
        json changed = base;
        changed[name] = value;
        c.compare(section, changed, "with " + name);
      }
    }
    for (const json& value : values) c.compare(section, value, "a record that is a value");
  }
  std::cout << "[ mutations] " << c.compared << " comparisons, " << c.refused << " refused, " << c.differed
            << " differed\n";
  EXPECT_GT(c.compared, 100000u);
  EXPECT_EQ(c.differed, 0u);
}

// The fields whose rules hang on another field's value (a policy action's
// kind, a spend entry's precision, a pledge's currency, a reversal's three
// references), in pairs over the values that matter to them.
TEST(RecordRules, AgreeWithValijsonOnTheConditionalRules) {
  Comparison c;
  const json absent = "<absent>";
  const std::vector<json> values = {
      absent, nullptr, "ad_ban", "ban_lift", "suspension", "disclosure", "range", "exact", "JPY", "KWD", "CLF",
      "USD", 5, "0", "0.00", "1", "1.5", "1.234", "1.2345", "1,000", "x", "tw-ban", "2018-01-01", 0, 1, 1.5, true,
      json::array(), json::array({"rt"}), json::array({1}), json::object(),
      json::array({{{"amount", "1.5"}, {"date", "2018-01-01"}, {"source", "s"}}}),
      json::array({{{"amount", "1.234"}, {"date", "2018-01-01"}, {"source", "s"}}}),
      json::array({{{"amount", "1"}, {"date", "2018-01-01"}, {"source", "s"}}})};
  const std::map<std::string, std::vector<std::string>> fields = {
      {"policy_actions", {"kind", "end_date", "lifts", "accounts", "advertisers"}},
      {"spend", {"precision", "amount", "upper", "currency"}},
      {"pledges", {"currency", "amount", "disbursements"}},
      {"spend_reversals", {"entry", "spend", "file_entry"}},
      {"disclosures", {"precision", "amount", "currency"}},
      {"disbursements", {"amount", "currency"}},
  };
  for (const auto& [section, base] : valid_records()) {
    auto it = fields.find(section);
    if (it == fields.end()) continue;
    const std::vector<std::string>& names = it->second;
    for (std::size_t i = 0; i < names.size(); ++i)
      for (std::size_t j = i + 1; j < names.size(); ++j)
        for (const json& a : values)
          for (const json& b : values) {
            json record = base;
            if (a == absent) record.erase(names[i]);
            else record[names[i]] = a;
            if (b == absent) record.erase(names[j]);
            else record[names[j]] = b;
            c.compare(section, record, names[i] + " and " + names[j]);
          }
  }
  std::cout << "[ pairs    ] " << c.compared << " comparisons, " << c.refused << " refused, " << c.differed
            << " differed\n";
  EXPECT_GT(c.compared, 40000u);
  EXPECT_EQ(c.differed, 0u);
}

// The import parses a record once (parse_json), where it used to check it
// (check_json) and then parse it (nlohmann::json::parse): the same problem
// on the same line, or the same value, for every file of the corpora and
// every line of each, at the import's depth limit and at a small one.
TEST(ParseJson, AgreesWithCheckJsonThenParse) {
  std::size_t texts = 0, refused = 0;
  auto compare = [&](std::string_view text, const std::string& what) {
    for (int depth_max : {32, 2}) {
      ++texts;
      json value;
      std::optional<ledger::JsonProblem> once = ledger::parse_json(text, depth_max, value);
      std::optional<ledger::JsonProblem> checked = ledger::check_json(text, depth_max);
      ASSERT_EQ(once.has_value(), checked.has_value()) << what;
      if (checked) {
        ++refused;
        EXPECT_EQ(once->line, checked->line) << what;
        EXPECT_EQ(once->reason, checked->reason) << what;
        continue;
      }
      EXPECT_EQ(value, json::parse(text.begin(), text.end())) << what;
    }
  };
  for (const char* dir : {"/tests/fuzz/corpus", "/tests/e2e/data", "/fixtures"}) {
    for (const auto& entry : fs::recursive_directory_iterator(ADLEDGER_SOURCE_DIR + std::string(dir))) {
      if (!entry.is_regular_file()) continue;
      std::string text = read_file(entry.path());
      compare(text, entry.path().string());
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);) compare(line, entry.path().string() + ": " + line.substr(0, 80));
    }
  }
  for (std::string_view text : {"", " ", "{", "[1,2", "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}", "1e999",
                                "[[[[[]]]]]", "\"\\u0000\"", "{\"a\":1}\n{\"b\":2}", "tru", "[1,]", "{\"a\" 1}"})
    compare(text, std::string(text));
  std::cout << "[ parse    ] " << texts << " texts, " << refused << " refused\n";
  EXPECT_GT(texts, 1500u);
}

TEST(RecordRules, IgnoreTheTypeOfAJsonLinesRecordOnly) {
  json record = {{"type", "platform"}, {"id", "twitter"}, {"name", "Twitter"}};
  EXPECT_EQ(ledger::check_record_rules("platforms", record, ledger::TypeMember::Ignored), std::nullopt);
  auto v = ledger::check_record_rules("platforms", record);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->pointer, "");
  EXPECT_EQ(v->reason,
            "Object contains a property that could not be validated using 'properties' or 'additionalProperties' "
            "constraints: 'type'.");
}

TEST(RecordRules, RefuseAnUnknownSection) {
  EXPECT_THROW(ledger::check_record_rules("spends", json::object()), std::out_of_range);
}

}  // namespace
