#include <gtest/gtest.h>

#include <istream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "ledger/io/csv_reader.hpp"
#include "ledger/io/import.hpp"
#include "ledger/io/import/read_ahead.hpp"
#include "ledger/io/json_locations.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::TempLedger;
using ledger::ErrorKind;

// A document built line by line, so that a test can name the line of any
// part of it.
struct Doc {
  std::vector<std::string> lines;

  std::string text() const {
    std::string out;
    for (const std::string& l : lines) out += l + "\n";
    return out;
  }
  // The 1-based line of the first line containing `needle`.
  std::size_t line_of(const std::string& needle) const {
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (lines[i].find(needle) != std::string::npos) return i + 1;
    ADD_FAILURE() << "no line contains " << needle;
    return 0;
  }
};

// platforms and advertisers every spend test needs, then `spend` lines.
Doc doc_with_spend(const std::vector<std::string>& spend) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [",
      "    {\"id\": \"twitter\", \"name\": \"Twitter\"}",
      "  ],",
      "  \"advertisers\": [",
      "    {\"id\": \"rt\", \"name\": \"RT\", \"country\": \"RU\", \"state_affiliated\": true}",
      "  ],",
      "  \"spend\": [",
  }};
  for (const std::string& l : spend) d.lines.push_back(l);
  d.lines.push_back("  ]");
  d.lines.push_back("}");
  return d;
}

std::vector<std::string> spend_record(const std::string& amount_line) {
  return {
      "    {",
      "      \"advertiser\": \"rt\",",
      "      \"platform\": \"twitter\",",
      "      \"currency\": \"USD\",",
      amount_line,
      "      \"period\": \"2016\",",
      "      \"market\": \"worldwide\",",
      "      \"precision\": \"exact\",",
      "      \"source\": \"https://example.org\"",
      "    }",
  };
}

// The lines read_line gives, in order, of `text`.
std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  std::string line;
  std::size_t number = 0;
  while (ledger::read_line(in, line, number, "f.jsonl")) lines.push_back(line);
  EXPECT_EQ(number, lines.size());
  return lines;
}

TEST(ReadLine, GivesEachLineWithoutItsEnd) {
  using Lines = std::vector<std::string>;
  EXPECT_EQ(lines_of(""), Lines{});
  EXPECT_EQ(lines_of("\n"), Lines{""});
  EXPECT_EQ(lines_of("a\n\nb"), (Lines{"a", "", "b"}));  // the last without its newline
  EXPECT_EQ(lines_of("a\r\nb\r\n"), (Lines{"a", "b"}));
  EXPECT_EQ(lines_of("a\rb\n"), Lines{"a\rb"});  // a carriage return inside stays
  // Lines longer than the reader's chunk, and lines at its edges.
  for (std::size_t n : {std::size_t{64 * 1024 - 2}, std::size_t{64 * 1024 - 1}, std::size_t{64 * 1024},
                        std::size_t{64 * 1024 + 1}, std::size_t{200000}}) {
    const std::string one(n, 'x'), two(n, 'y');
    EXPECT_EQ(lines_of(one + "\n" + two + "\r\n" + "z"), (Lines{one, two, "z"})) << n;
    EXPECT_EQ(lines_of(one), Lines{one}) << n;
  }
}

TEST(ReadLine, ALineOfTheLimitIsReadAndOneByteMoreIsRefusedWithItsNumber) {
  const std::string longest(ledger::kLineBytesMax, '{');
  EXPECT_EQ(lines_of("a\n" + longest + "\nb\n"), (std::vector<std::string>{"a", longest, "b"}));
  std::istringstream in("a\n" + longest + "{\nb\n");
  std::string line;
  std::size_t number = 0;
  ASSERT_TRUE(ledger::read_line(in, line, number, "f.jsonl"));
  EXPECT_ERROR(ErrorKind::Input, "f.jsonl:2: longer than the 16 MiB a line may be",
               ledger::read_line(in, line, number, "f.jsonl"));
}

struct ImportTest : ::testing::Test {
  TempLedger t;

  // Imports in one transaction, committed only when the whole file goes in.
  ledger::ImportCounts import(const std::string& text, const std::string& file = "f.json") {
    ledger::WriteTransaction txn(*t.store);
    ledger::ImportCounts counts = ledger::import_document(t.ledger, text, file);
    txn.commit();
    return counts;
  }
  std::string error_of_import(const std::string& text, ErrorKind kind = ErrorKind::Input) {
    auto e = adledger_test::error_of([&] { import(text); });
    if (!e) {
      ADD_FAILURE() << "import did not fail";
      return "";
    }
    EXPECT_EQ(e->kind(), kind) << e->what();
    return e->what();
  }
};

TEST_F(ImportTest, ValidDocumentImportsEverything) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [",
      "    {\"id\": \"twitter\", \"name\": \"Twitter\"},",
      "    {\"id\": \"facebook\", \"name\": \"Facebook\"}",
      "  ],",
      "  \"advertisers\": [",
      "    {\"id\": \"rt\", \"name\": \"RT\", \"country\": \"RU\", \"state_affiliated\": true,",
      "     \"handles\": [{\"platform\": \"twitter\", \"handle\": \"@RT_com\"},",
      "                 {\"platform\": \"twitter\", \"handle\": \"@RT_America\"}]},",
      "    {\"id\": \"sputnik\", \"name\": \"Спутник\"}",
      "  ],",
      "  \"policy_actions\": [",
      "    {\"id\": \"twitter-ad-ban-2017-10-26\", \"kind\": \"ad_ban\", \"platform\": \"twitter\",",
      "     \"advertisers\": [\"rt\", \"sputnik\"], \"date\": \"2017-10-26\",",
      "     \"description\": \"state-backed media\", \"source\": \"https://blog.twitter.com\"},",
      "    {\"kind\": \"suspension\", \"platform\": \"facebook\", \"accounts\": 470, \"date\": \"2017-09-06\",",
      "     \"description\": \"inauthentic accounts\", \"source\": \"https://fb.com\"}",
      "  ],",
      "  \"spend\": [",
      "    {\"id\": \"tw-rt-2016\", \"advertiser\": \"rt\", \"platform\": \"twitter\", \"handle\": \"@RT_com\",",
      "     \"amount\": \"274,100.00\", \"currency\": \"USD\", \"period\": \"2016\", \"items\": 1823,",
      "     \"market\": \"US\", \"tags\": [\"election\"], \"precision\": \"exact\",",
      "     \"source\": \"https://blog.twitter.com\", \"note\": \"n\"},",
      "    {\"advertiser\": \"sputnik\", \"platform\": \"facebook\", \"amount\": \"100\", \"currency\": \"RUB\",",
      "     \"period\": \"2017-Q4\", \"market\": \"RU\", \"precision\": \"approximate\", \"source\": \"s\"}",
      "  ],",
      "  \"pledges\": [",
      "    {\"platform\": \"twitter\", \"amount\": \"1900000\", \"currency\": \"USD\", \"date\": \"2017-10-26\",",
      "     \"beneficiary\": \"research\", \"basis\": {\"advertiser\": \"rt\", \"period\": \"2011..2017\"},",
      "     \"source\": \"s\",",
      "     \"disbursements\": [{\"amount\": \"500000\", \"date\": \"2018-01-01\", \"source\": \"s\"}]}",
      "  ]",
      "}",
  }};
  ledger::ImportCounts c = import(d.text());
  EXPECT_EQ(c.platforms, 2u);
  EXPECT_EQ(c.advertisers, 2u);
  EXPECT_EQ(c.handles, 2u);
  EXPECT_EQ(c.policy_actions, 2u);
  EXPECT_EQ(c.spend, 2u);
  EXPECT_EQ(c.pledges, 1u);
  EXPECT_EQ(c.disbursements, 1u);

  auto entry = t.store->find_spend_by_external_id("tw-rt-2016");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->amount.minor(), 27410000);
  EXPECT_EQ(entry->items, std::optional<std::int64_t>(1823));
  EXPECT_EQ(entry->handle, std::optional<std::string>("@RT_com"));
  EXPECT_EQ(t.store->find_advertiser("sputnik")->name, "Спутник");
  auto pledges = t.store->pledges();
  ASSERT_EQ(pledges.size(), 1u);
  auto status = t.ledger.pledge_status(pledges[0].id);
  EXPECT_EQ(status.outstanding_minor, 140000000);
  EXPECT_EQ(pledges[0].basis_period, std::optional<ledger::Period>(ledger::Period::parse("2011..2017")));
  auto suspensions = t.store->policy_actions(std::string("facebook"));
  ASSERT_EQ(suspensions.size(), 1u);
  EXPECT_EQ(suspensions[0].id, "facebook-suspension-2017-09-06");
  EXPECT_EQ(suspensions[0].account_count, std::optional<std::int64_t>(470));
}

TEST_F(ImportTest, EmptySectionsAreOptional) {
  ledger::ImportCounts c = import("{\"format\": \"adledger/1\"}");
  EXPECT_EQ(c.platforms + c.advertisers + c.spend + c.pledges + c.policy_actions, 0u);
}

TEST_F(ImportTest, MalformedJsonNamesTheLine) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [",
      "    {\"id\": \"twitter\", \"name\": \"Twitter\"},",
      "  ]",
      "}",
  }};
  std::string what = error_of_import(d.text());
  EXPECT_EQ(what.rfind("f.json:" + std::to_string(d.line_of("  ]")) + ": malformed JSON: ", 0), 0u) << what;
}

TEST_F(ImportTest, MalformedJsonMissingComma) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\"",
      "  \"platforms\": []",
      "}",
  }};
  std::string what = error_of_import(d.text());
  EXPECT_EQ(what.rfind("f.json:3: malformed JSON: ", 0), 0u) << what;
}

TEST_F(ImportTest, MalformedJsonOnTheFirstLine) {
  std::string what = error_of_import("{\"format\": adledger}");
  EXPECT_EQ(what.rfind("f.json:1: malformed JSON: ", 0), 0u) << what;
  what = error_of_import("");
  EXPECT_EQ(what.rfind("f.json:1: malformed JSON: ", 0), 0u) << what;
}

TEST_F(ImportTest, MalformedJsonTruncated) {
  std::string what = error_of_import("{\n  \"format\": \"adledger/1\",\n  \"platforms\": [");
  EXPECT_EQ(what.rfind("f.json:3: malformed JSON: ", 0), 0u) << what;
}

TEST_F(ImportTest, MalformedJsonRawNewlineInString) {
  // The string breaks at the end of line 3; the error belongs to line 3.
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [{\"id\": \"twitter\", \"name\": \"Twit",
      "ter\"}]",
      "}",
  }};
  std::string what = error_of_import(d.text());
  EXPECT_EQ(what.rfind("f.json:3: malformed JSON: ", 0), 0u) << what;
}

TEST_F(ImportTest, BadAmountNamesFileLineAndField) {
  Doc d = doc_with_spend(spend_record("      \"amount\": \"274100.001\","));
  std::size_t line = d.line_of("274100.001");
  ASSERT_GT(line, 10u);
  std::string what = error_of_import(d.text());
  EXPECT_EQ(what, "f.json:" + std::to_string(line) + ": spend[0].amount \"274100.001\": USD has 2 decimal places");
}

TEST_F(ImportTest, BadAmountInSecondRecord) {
  std::vector<std::string> records = spend_record("      \"amount\": \"100.00\",");
  records.back() += ",";
  for (const std::string& l : spend_record("      \"amount\": \"1e5\",")) records.push_back(l);
  Doc d = doc_with_spend(records);
  std::string what = error_of_import(d.text());
  std::string prefix = "f.json:" + std::to_string(d.line_of("1e5")) + ": spend[1].amount \"1e5\": ";
  EXPECT_EQ(what.rfind(prefix, 0), 0u) << what;
  EXPECT_NE(what.find("exponents"), std::string::npos) << what;
  // Nothing of the file went in: the first record was rolled back too.
  EXPECT_TRUE(t.store->spend({}).empty());
  EXPECT_TRUE(t.store->platforms().empty());
}

TEST_F(ImportTest, UnknownFieldIsRefused) {
  std::vector<std::string> records = spend_record("      \"amount\": \"100.00\",");
  records.insert(records.begin() + 3, "      \"amout\": \"5\",");
  Doc d = doc_with_spend(records);
  std::string what = error_of_import(d.text());
  EXPECT_EQ(what, "f.json:" + std::to_string(d.line_of("amout")) + ": spend[0].amout: unknown field");

  std::string top = error_of_import("{\n  \"format\": \"adledger/1\",\n  \"extra\": 1\n}");
  EXPECT_EQ(top, "f.json:3: document.extra: unknown field");
}

TEST_F(ImportTest, MissingOrWrongFormat) {
  std::string missing = error_of_import("{\n  \"platforms\": []\n}");
  EXPECT_NE(missing.find("format"), std::string::npos) << missing;
  EXPECT_NE(missing.find("is required"), std::string::npos) << missing;
  EXPECT_EQ(missing.rfind("f.json:", 0), 0u) << missing;

  std::string wrong = error_of_import("{\n  \"format\": \"adledger/2\"\n}");
  EXPECT_EQ(wrong, "f.json:2: format \"adledger/2\": expected \"adledger/1\"");

  std::string not_string = error_of_import("{\n  \"format\": 1\n}");
  EXPECT_NE(not_string.find("must be a string"), std::string::npos) << not_string;
}

TEST_F(ImportTest, DocumentMustBeAnObject) {
  std::string what = error_of_import("[]");
  EXPECT_NE(what.find("must be an object"), std::string::npos) << what;
  EXPECT_EQ(what.rfind("f.json:1: ", 0), 0u) << what;
}

TEST_F(ImportTest, JsonNumberAmountIsRefused) {
  Doc d = doc_with_spend(spend_record("      \"amount\": 274100.00,"));
  std::string what = error_of_import(d.text());
  EXPECT_EQ(what, "f.json:" + std::to_string(d.line_of("274100.00")) +
                      ": spend[0].amount: must be a string such as \"274100.00\": JSON numbers are not exact");
  Doc integer = doc_with_spend(spend_record("      \"amount\": 274100,"));
  EXPECT_NE(error_of_import(integer.text()).find("JSON numbers are not exact"), std::string::npos);
}

TEST_F(ImportTest, WrongTypesAreRefused) {
  std::vector<std::string> records = spend_record("      \"amount\": \"100\",");
  records.insert(records.begin() + 1, "      \"items\": \"12\",");
  Doc d = doc_with_spend(records);
  std::string what = error_of_import(d.text());
  EXPECT_EQ(what.rfind("f.json:" + std::to_string(d.line_of("\"items\"")) + ": spend[0].items: must be a whole number", 0), 0u)
      << what;

  std::vector<std::string> tags = spend_record("      \"amount\": \"100\",");
  tags.insert(tags.begin() + 1, "      \"tags\": [\"a\", 5],");
  Doc t2 = doc_with_spend(tags);
  std::string tag_error = error_of_import(t2.text());
  EXPECT_EQ(tag_error.rfind("f.json:" + std::to_string(t2.line_of("\"tags\"")) + ": spend[0].tags: must be an array of strings", 0), 0u)
      << tag_error;
}

TEST_F(ImportTest, MissingRequiredField) {
  std::vector<std::string> records = spend_record("      \"amount\": \"100\",");
  records.erase(records.begin() + 6);  // "market"
  Doc d = doc_with_spend(records);
  std::string what = error_of_import(d.text());
  EXPECT_NE(what.find("spend[0].market: is required"), std::string::npos) << what;
}

TEST_F(ImportTest, RuleErrorIsLocatedAtTheRecord) {
  std::vector<std::string> records = spend_record("      \"amount\": \"100\",");
  records[1] = "      \"advertiser\": \"nobody\",";
  Doc d = doc_with_spend(records);
  auto e = adledger_test::error_of([&] { import(d.text()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Rule);
  std::size_t record_line = d.line_of("\"spend\"") + 1;
  EXPECT_STREQ(e->what(), ("f.json:" + std::to_string(record_line) +
                           ": spend[0]: advertiser \"nobody\": no such advertiser").c_str());
}

TEST_F(ImportTest, BanInTheFileRefusesSpendInTheFile) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [{\"id\": \"twitter\", \"name\": \"Twitter\"}],",
      "  \"advertisers\": [{\"id\": \"rt\", \"name\": \"RT\"}],",
      "  \"policy_actions\": [{\"kind\": \"ad_ban\", \"platform\": \"twitter\", \"advertisers\": [\"rt\"],",
      "    \"date\": \"2017-10-26\", \"description\": \"ban\", \"source\": \"https://ban\"}],",
      "  \"spend\": [",
      "    {\"advertiser\": \"rt\", \"platform\": \"twitter\", \"amount\": \"1\", \"currency\": \"USD\",",
      "     \"period\": \"2017-11\", \"market\": \"US\", \"precision\": \"exact\", \"source\": \"s\"}",
      "  ]",
      "}",
  }};
  auto e = adledger_test::error_of([&] { import(d.text()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Rule);
  std::string what = e->what();
  EXPECT_EQ(what.rfind("f.json:8: spend[0]: spend refused: advertiser rt is banned on twitter from 2017-10-26", 0), 0u)
      << what;
  EXPECT_NE(what.find("twitter-ad-ban-2017-10-26"), std::string::npos) << what;
  EXPECT_TRUE(t.store->policy_actions(std::nullopt).empty());
}

// The document is streamed, but its sections are still recorded in their
// canonical order, whatever their order in the file: the format, platforms
// and advertisers may come last and the ban still refuses the spend.
TEST_F(ImportTest, SectionsOutOfOrderAreRecordedInCanonicalOrder) {
  Doc d{{
      "{",
      "  \"spend\": [",
      "    {\"advertiser\": \"rt\", \"platform\": \"twitter\", \"amount\": \"1\", \"currency\": \"USD\",",
      "     \"period\": \"2017-11\", \"market\": \"US\", \"precision\": \"exact\", \"source\": \"s\"}",
      "  ],",
      "  \"policy_actions\": [{\"kind\": \"ad_ban\", \"platform\": \"twitter\", \"advertisers\": [\"rt\"],",
      "    \"date\": \"2017-10-26\", \"description\": \"ban\", \"source\": \"https://ban\"}],",
      "  \"advertisers\": [{\"id\": \"rt\", \"name\": \"RT\"}],",
      "  \"platforms\": [{\"id\": \"twitter\", \"name\": \"Twitter\"}],",
      "  \"format\": \"adledger/1\"",
      "}",
  }};
  auto e = adledger_test::error_of([&] { import(d.text()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Rule);
  std::string what = e->what();
  EXPECT_EQ(what.rfind("f.json:3: spend[0]: spend refused: advertiser rt is banned on twitter from 2017-10-26", 0), 0u)
      << what;
  EXPECT_TRUE(t.store->platforms().empty());

  // Without the ban, the same order imports everything.
  Doc ok = d;
  ok.lines.erase(ok.lines.begin() + 5, ok.lines.begin() + 7);
  ledger::ImportCounts c = import(ok.text());
  EXPECT_EQ(c.platforms, 1u);
  EXPECT_EQ(c.advertisers, 1u);
  EXPECT_EQ(c.spend, 1u);
  EXPECT_EQ(c.records, 3u);
}

TEST_F(ImportTest, NullSectionIsNoRecords) {
  ledger::ImportCounts c = import("{\"format\": \"adledger/1\", \"platforms\": null, \"spend\": []}");
  EXPECT_EQ(c.records, 0u);
  std::string what = error_of_import("{\n  \"format\": \"adledger/1\",\n  \"spend\": {}\n}");
  EXPECT_EQ(what, "f.json:3: document.spend: must be an array");
}

TEST_F(ImportTest, TextAfterTheDocumentIsRefused) {
  EXPECT_EQ(error_of_import("{\"format\": \"adledger/1\"}\n{}\n"),
            "f.json:2: malformed JSON: unexpected '{' after the document; expected end of input");
  EXPECT_EQ(error_of_import(std::string("{\"format\": \"adledger/1\"}\n\n", 26) + std::string(1, '\0')),
            "f.json:3: malformed JSON: unexpected a NUL byte after the document; expected end of input");
  // A misspelt section is reported, but only once the document is known to
  // be one document.
  EXPECT_EQ(error_of_import("{\"format\": \"adledger/1\",\n \"spnd\": []}"), "f.json:2: document.spnd: unknown field");
}

TEST_F(ImportTest, RecordsBetweenSectionsAreLocatedInTheFile) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [{\"id\": \"twitter\", \"name\": \"Twitter\"},",
      "                {\"id\": \"vk\",",
      "                 \"name\": \"VK\", \"nme\": 1}],",
      "  \"advertisers\": []",
      "}",
  }};
  EXPECT_EQ(error_of_import(d.text()), "f.json:5: platforms[1].nme: unknown field");
  Doc missing_comma{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [{\"id\": \"twitter\", \"name\": \"Twitter\"}",
      "                {\"id\": \"vk\", \"name\": \"VK\"}]",
      "}",
  }};
  std::string what = error_of_import(missing_comma.text());
  EXPECT_EQ(what.rfind("f.json:4: malformed JSON: ", 0), 0u) << what;
  EXPECT_TRUE(t.store->platforms().empty());
}

// A stream that cannot seek, as a pipe: the document is copied to a
// temporary file and read from there.
class PipeBuffer : public std::streambuf {
 public:
  explicit PipeBuffer(std::string text) : text_(std::move(text)) {
    setg(text_.data(), text_.data(), text_.data() + text_.size());
  }

 private:
  std::string text_;  // seekoff and seekpos stay std::streambuf's: they fail
};

TEST_F(ImportTest, UnseekableStreamIsRead) {
  Doc d = doc_with_spend(spend_record("      \"amount\": \"100.00\","));
  PipeBuffer pipe(d.text());
  std::istream in(&pipe);
  ASSERT_EQ(in.rdbuf()->pubseekoff(0, std::ios::cur, std::ios::in), std::streampos(-1));
  ledger::WriteTransaction txn(*t.store);
  ledger::ImportCounts c = ledger::import_document(t.ledger, in, "-");
  txn.commit();
  EXPECT_EQ(c.spend, 1u);
  EXPECT_EQ(t.store->spend({}).size(), 1u);
}

TEST_F(ImportTest, NestedRecordsAreLocated) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [{\"id\": \"twitter\", \"name\": \"Twitter\"}],",
      "  \"advertisers\": [",
      "    {\"id\": \"rt\", \"name\": \"RT\", \"handles\": [",
      "      {\"platform\": \"twitter\", \"handle\": \"@RT_com\"},",
      "      {\"platform\": \"myspace\", \"handle\": \"@RT\"}",
      "    ]}",
      "  ]",
      "}",
  }};
  auto e = adledger_test::error_of([&] { import(d.text()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Rule);
  EXPECT_STREQ(e->what(), "f.json:7: advertisers[0].handles[1]: platform \"myspace\": no such platform");
}

TEST_F(ImportTest, DisbursementErrorsAreLocated) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [{\"id\": \"twitter\", \"name\": \"Twitter\"}],",
      "  \"pledges\": [",
      "    {\"platform\": \"twitter\", \"amount\": \"100\", \"currency\": \"USD\", \"date\": \"2017-10-26\",",
      "     \"beneficiary\": \"b\", \"source\": \"s\", \"disbursements\": [",
      "       {\"amount\": \"60\", \"date\": \"2018-01-01\", \"source\": \"s\"},",
      "       {\"amount\": \"60\", \"date\": \"2018-02-01\", \"source\": \"s\"}",
      "     ]}",
      "  ]",
      "}",
  }};
  auto e = adledger_test::error_of([&] { import(d.text()); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Rule);
  std::string what = e->what();
  EXPECT_EQ(what.rfind("f.json:8: pledges[0].disbursements[1]: amount \"60.00\": exceeds what is outstanding", 0), 0u)
      << what;
}

TEST_F(ImportTest, BasisPeriodErrorIsLocated) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [{\"id\": \"twitter\", \"name\": \"Twitter\"}],",
      "  \"pledges\": [",
      "    {\"platform\": \"twitter\", \"amount\": \"100\", \"currency\": \"USD\", \"date\": \"2017-10-26\",",
      "     \"beneficiary\": \"b\", \"source\": \"s\",",
      "     \"basis\": {",
      "       \"period\": \"2017-Q5\"",
      "     }}",
      "  ]",
      "}",
  }};
  std::string what = error_of_import(d.text());
  EXPECT_EQ(what, "f.json:8: pledges[0].basis.period \"2017-Q5\": a quarter is Q1 to Q4");
}

TEST_F(ImportTest, NonObjectRecordIsLocatedAtItsLine) {
  Doc d{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [",
      "    \"twitter\",",
      "    5",
      "  ]",
      "}",
  }};
  std::string what = error_of_import(d.text());
  EXPECT_EQ(what, "f.json:4: platforms[0]: must be an object");
  Doc second{{
      "{",
      "  \"format\": \"adledger/1\",",
      "  \"platforms\": [",
      "    {\"id\": \"twitter\", \"name\": \"Twitter\"},",
      "    5",
      "  ]",
      "}",
  }};
  // The number is on line 5, and so is the error.
  EXPECT_EQ(error_of_import(second.text()), "f.json:5: platforms[1]: must be an object");
}

TEST_F(ImportTest, FileNameIsUsedAsGiven) {
  auto e = adledger_test::error_of([&] {
    ledger::WriteTransaction txn(*t.store);
    ledger::import_document(t.ledger, "{\n}", "fixtures/x.json");
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(std::string(e->what()).rfind("fixtures/x.json:", 0), 0u) << e->what();
}

TEST(JsonLocations, LinesOfValuesAndKeys) {
  std::string text =
      "{\n"
      "  \"a\": 1,\n"
      "  \"b\": [\n"
      "    {\"c\": \"x\"},\n"
      "    true,\n"
      "    \"s\"\n"
      "  ],\n"
      "  \"d/e\":\n"
      "    \"v\"\n"
      "}";
  auto loc = ledger::JsonLocations::scan(text);
  EXPECT_EQ(loc.line_of(""), 1u);
  EXPECT_EQ(loc.line_of("/a"), 2u);
  EXPECT_EQ(loc.line_of("/b"), 3u);
  EXPECT_EQ(loc.line_of("/b/0"), 4u);
  EXPECT_EQ(loc.line_of("/b/0/c"), 4u);
  EXPECT_EQ(loc.line_of("/b/1"), 5u);
  EXPECT_EQ(loc.line_of("/b/2"), 6u);
  EXPECT_EQ(loc.line_of("/d~1e"), 8u);  // the key's line
  EXPECT_EQ(loc.line_of("/b/0/missing"), 4u);  // nearest ancestor
  EXPECT_EQ(loc.line_of("/nothing/here"), 1u);
}

TEST(JsonLocations, NumberAtTheEndOfALine) {
  std::string text =
      "[\n"
      "  1,\n"
      "  2\n"
      "]";
  auto loc = ledger::JsonLocations::scan(text);
  EXPECT_EQ(loc.line_of("/0"), 2u);
  EXPECT_EQ(loc.line_of("/1"), 3u);
}

}  // namespace

// JSON Lines files are read ahead on a second thread, in batches of 256
// lines; a pipe is read a line at a time. Both must refuse the same line
// with the same message, whichever batch it falls in and whatever errors
// follow it, and leave nothing behind.
struct LinesTest : ImportTest {
  // `n` spend lines after a platform and an advertiser, as JSON Lines.
  static std::vector<std::string> lines(std::size_t n) {
    std::vector<std::string> out = {R"({"type": "platform", "id": "twitter", "name": "Twitter"})",
                                    R"({"type": "advertiser", "id": "rt", "name": "RT"})"};
    for (std::size_t i = 1; i <= n; ++i)
      out.push_back(R"({"type": "spend", "id": "s)" + std::to_string(i) +
                    R"(", "advertiser": "rt", "platform": "twitter", "amount": "1.00", "currency": "USD", )"
                    R"("period": "2016-01-01", "market": "US", "source": "test"})");
    return out;
  }
  static std::string text(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& l : lines) out += l + "\n";
    return out;
  }
  // The import's error message, read as a file (read ahead) and as a pipe
  // (a line at a time): the two must agree.
  std::string refusal(const std::vector<std::string>& file_lines) {
    return refusal_of(text(file_lines), [&](std::istream& in) { ledger::import_lines(t.ledger, in, "f.jsonl"); });
  }
  template <typename Import>
  std::string refusal_of(const std::string& text, Import import) {
    std::string messages[2];
    for (int pipe = 0; pipe < 2; ++pipe) {
      std::istringstream file(text);
      PipeBuffer buffer(text);
      std::istream piped(&buffer);
      std::istream& in = pipe ? piped : static_cast<std::istream&>(file);
      auto e = adledger_test::error_of([&] {
        ledger::WriteTransaction txn(*t.store);
        import(in);
        txn.commit();
      });
      EXPECT_TRUE(e) << (pipe ? "pipe" : "file");
      if (e) messages[pipe] = e->what();
      EXPECT_TRUE(t.store->platforms().empty()) << "the import left records behind";
    }
    EXPECT_EQ(messages[0], messages[1]);
    return messages[0];
  }
};

TEST_F(LinesTest, AFileOfManyBatchesImportsInOrder) {
  std::istringstream in(text(lines(1000)));
  ledger::WriteTransaction txn(*t.store);
  ledger::ImportCounts c = ledger::import_lines(t.ledger, in, "f.jsonl");
  txn.commit();
  EXPECT_EQ(c.spend, 1000u);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 1000u);
  for (std::size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(*entries[i].external_id, "s" + std::to_string(i + 1));
}

TEST_F(LinesTest, ARuleBrokenBeforeAMalformedLineIsReportedFirst) {
  std::vector<std::string> l = lines(700);
  // Line 603 (spend s601) names an unknown advertiser; line 604 is not JSON.
  l[602] = R"({"type": "spend", "advertiser": "nobody", "platform": "twitter", "amount": "1.00", )"
           R"("currency": "USD", "period": "2016", "market": "US", "source": "test"})";
  l[603] = "{not json";
  EXPECT_EQ(refusal(l), "f.jsonl:603: spend: advertiser \"nobody\": no such advertiser");
}

TEST_F(LinesTest, AMalformedLineLateInTheFileIsReportedAtItsLine) {
  std::vector<std::string> l = lines(700);
  l[650] = R"({"type": "spend", "type": "spend"})";
  std::string what = refusal(l);
  EXPECT_EQ(what.rfind("f.jsonl:651: malformed JSON: ", 0), 0u) << what;
}

// A string longer than adledger accepts is refused by adledger's own checks,
// with their message, on the read-ahead thread too: the schema's rules,
// checked ahead, neither get in first nor choke on it (valijson, which
// matched patterns with std::regex, recursed per character).
TEST_F(LinesTest, AHugeStringIsRefusedBeforeTheSchemaSeesIt) {
  std::vector<std::string> l = lines(300);
  // The amount has a pattern in the schema.
  l[299] = R"({"type": "spend", "advertiser": "rt", "platform": "twitter", "amount": "1)" + std::string(1'000'000, '0') +
           R"(", "currency": "USD", "period": "2016", "market": "US", "source": "test"})";
  std::string what = refusal(l);
  EXPECT_EQ(what.rfind("f.jsonl:300: spend.amount \"1000", 0), 0u) << what.substr(0, 200);
  EXPECT_NE(what.find("too long to be an amount"), std::string::npos) << what.substr(0, 200);
}

// A spend record's fields are read on the read-ahead thread: an error in
// them waits for its turn, behind a rule broken earlier, and is reported
// before a rule broken later.
TEST_F(LinesTest, ASpendFieldErrorReadAheadWaitsForItsTurn) {
  std::vector<std::string> l = lines(700);
  l[399] = R"({"type": "spend", "advertiser": "rt", "platform": "twitter", "amount": "1.00", )"
           R"("currency": "USD", "period": "2016-13", "market": "US", "source": "test"})";
  l[499] = R"({"type": "spend", "advertiser": "nobody", "platform": "twitter", "amount": "1.00", )"
           R"("currency": "USD", "period": "2016", "market": "US", "source": "test"})";
  std::string first = refusal(l);
  EXPECT_EQ(first.rfind("f.jsonl:400: spend.period \"2016-13\": ", 0), 0u) << first;

  l[299] = l[499];
  EXPECT_EQ(refusal(l), "f.jsonl:300: spend: advertiser \"nobody\": no such advertiser");
}

// CSV rows are read ahead as JSON Lines are: the same refusals, in the same
// order, from a file and from a pipe.
struct CsvTest : LinesTest {
  static std::string csv(std::size_t n) {
    std::string out = "type,id,name,advertiser,platform,amount,currency,period,market,source,tags\n"
                      "platform,twitter,Twitter,,,,,,,,\n"
                      "advertiser,rt,RT,,,,,,,,\n";
    for (std::size_t i = 1; i <= n; ++i)
      out += "spend,s" + std::to_string(i) + ",,rt,twitter,1.00,USD,2016-01-01,US,test,\n";
    return out;
  }
  // Replaces the line numbered `number` (from 1, the header's) of `text`.
  static std::string with_line(const std::string& text, std::size_t number, const std::string& line) {
    std::size_t from = 0;
    for (std::size_t i = 1; i < number; ++i) from = text.find('\n', from) + 1;
    return text.substr(0, from) + line + text.substr(text.find('\n', from));
  }
  std::string csv_refusal(const std::string& text) {
    return refusal_of(text, [&](std::istream& in) { ledger::import_csv(t.ledger, in, "f.csv"); });
  }
};

TEST_F(CsvTest, AFileOfManyBatchesImportsInOrder) {
  std::istringstream in(csv(1000));
  ledger::WriteTransaction txn(*t.store);
  ledger::ImportCounts c = ledger::import_csv(t.ledger, in, "f.csv");
  txn.commit();
  EXPECT_EQ(c.platforms, 1u);
  EXPECT_EQ(c.advertisers, 1u);
  EXPECT_EQ(c.spend, 1000u);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 1000u);
  for (std::size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(*entries[i].external_id, "s" + std::to_string(i + 1));
}

TEST_F(CsvTest, ARuleBrokenBeforeABadRowIsReportedFirst) {
  std::string text = with_line(csv(700), 603, "spend,,,nobody,twitter,1.00,USD,2016,US,test,");
  text = with_line(text, 604, "spend,too,many,columns,,,,,,,,,,");
  EXPECT_EQ(csv_refusal(text), "f.csv:603: spend: advertiser \"nobody\": no such advertiser");
}

TEST_F(CsvTest, ABadRowLateInTheFileIsReportedAtItsLine) {
  std::string text = with_line(csv(700), 651, "spend,\"unclosed,,rt");
  EXPECT_EQ(csv_refusal(text), "f.csv:651: a quoted field is not closed");
}

TEST_F(CsvTest, ASpendFieldErrorIsReportedAtItsRow) {
  std::string text = with_line(csv(700), 400, "spend,,,rt,twitter,1e5,USD,2016,US,test,");
  EXPECT_EQ(csv_refusal(text), "f.csv:400: spend.amount \"1e5\": exponents are not accepted; write the digits out");
}

// A document's records are read ahead too: across batches, a rule broken
// by one record is reported before a bad field or a record refused by the
// parser after it (a syntax error is found by the first pass, before any
// record), at its own line, and nothing is left behind.
struct DocumentAheadTest : ImportTest {
  // A document of `n` spend records, one a line from line 5.
  static std::vector<std::string> records(std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 1; i <= n; ++i)
      out.push_back(R"({"id": "s)" + std::to_string(i) +
                    R"(", "advertiser": "rt", "platform": "twitter", "amount": "1.00", "currency": "USD", )"
                    R"("period": "2016-01-01", "market": "US", "source": "test"})");
    return out;
  }
  static std::string text(const std::vector<std::string>& spend) {
    std::string out = "{\"format\": \"adledger/1\",\n\"platforms\": [{\"id\": \"twitter\", \"name\": \"Twitter\"}],\n"
                      "\"advertisers\": [{\"id\": \"rt\", \"name\": \"RT\"}],\n\"spend\": [\n";
    for (std::size_t i = 0; i < spend.size(); ++i) out += spend[i] + (i + 1 < spend.size() ? ",\n" : "\n");
    return out + "]}\n";
  }
};

TEST_F(DocumentAheadTest, AManyBatchDocumentImportsInOrder) {
  ledger::ImportCounts c = import(text(records(1000)));
  EXPECT_EQ(c.spend, 1000u);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 1000u);
  for (std::size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(*entries[i].external_id, "s" + std::to_string(i + 1));
}

TEST_F(DocumentAheadTest, ARuleBrokenFirstIsReportedFirst) {
  std::vector<std::string> r = records(700);
  r[599] = R"({"advertiser": "nobody", "platform": "twitter", "amount": "1.00", "currency": "USD", )"
           R"("period": "2016", "market": "US", "source": "test"})";
  r[600] = R"({"advertiser": "rt", "platform": "twitter", "amount": "1e5", "currency": "USD", )"
           R"("period": "2016", "market": "US", "source": "test"})";
  r[601] = R"({"id": "x", "id": "y"})";  // well formed, as the first pass reads it; not as a record
  // spend[i] is on line 5 + i.
  EXPECT_EQ(error_of_import(text(r), ErrorKind::Rule),
            "f.json:604: spend[599]: advertiser \"nobody\": no such advertiser");
  EXPECT_TRUE(t.store->platforms().empty());

  r[599] = records(700)[599];
  EXPECT_EQ(error_of_import(text(r)),
            "f.json:605: spend[600].amount \"1e5\": exponents are not accepted; write the digits out");
  EXPECT_TRUE(t.store->platforms().empty());

  r[600] = records(700)[600];
  std::string what = error_of_import(text(r));
  EXPECT_EQ(what.rfind("f.json:606: malformed JSON: ", 0), 0u) << what;
  EXPECT_TRUE(t.store->platforms().empty());
}

// Large records are read ahead a few at a time, not a batch of 256: a
// batch closes once its records took kBatchBytes of the file, and the queue
// holds at most kBytesAhead (or one batch). A record of 5 MiB is a batch of
// its own; small records still come 256 to a batch.
TEST(ReadAhead, BatchesAreBoundedByBytesAsWellAsByCount) {
  using ledger::import_detail::ReadAhead;
  using ledger::import_detail::ReadLine;
  std::size_t produced = 0;
  ReadAhead ahead([&](ReadLine& out) {
    if (produced == 300 + 6) return false;
    out = ReadLine{};
    out.number = ++produced;
    out.bytes = produced <= 6 ? 5 * 1024 * 1024 : 100;
    return true;
  });
  std::vector<std::size_t> sizes;
  std::size_t next_number = 1;
  for (std::vector<ReadLine> batch = ahead.next(); !batch.empty(); batch = ahead.next()) {
    sizes.push_back(batch.size());
    for (const ReadLine& line : batch) EXPECT_EQ(line.number, next_number++);
  }
  EXPECT_EQ(next_number, 307u);
  ASSERT_GE(sizes.size(), 8u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(sizes[i], 1u) << i;
  EXPECT_EQ(sizes[6], ReadAhead::kBatch);
}
