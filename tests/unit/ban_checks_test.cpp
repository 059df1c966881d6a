// ban-status --batch (ledger/io/ban_checks.hpp): the answers agree with the
// single check, and every bad line is refused with its file, line, field,
// value and reason.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "ledger/io/ban_checks.hpp"
#include "ledger/io/json_output.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::date;
using ledger::BanChecker;
using ledger::BanChecksFormat;
using ledger::ChunkedText;
using ledger::ErrorKind;
using ledger::PolicyAction;
using ledger::PolicyKind;

PolicyAction action(PolicyKind kind, const char* id, const char* platform, std::vector<std::string> advertisers,
                    const char* on) {
  PolicyAction a;
  a.id = id;
  a.kind = kind;
  a.platform_id = platform;
  a.advertiser_ids = std::move(advertisers);
  a.date = date(on);
  // Text that JSON must escape: quotes, a backslash, a tab, non-ASCII.
  a.description = std::string("bans \"") + id + "\" \\ from buying ads\t(café)";
  a.source = "https://example.org/" + std::string(id);
  return a;
}

// A ledger with bans that overlap, abut, end and are lifted, for three
// advertisers on three platforms.
struct BanChecksTest : ::testing::Test {
  adledger_test::TempLedger t;
  ledger::Ledger& ledger = t.ledger;

  void SetUp() override {
    t.write([&] {
      for (const char* p : {"twitter", "facebook", "google"}) ledger.add_platform({p, p});
      for (const char* a : {"rt", "sputnik", "acme"}) ledger.add_advertiser({a, a, std::nullopt, false});
      ledger.record_policy_action(action(PolicyKind::AdBan, "tw-ban", "twitter", {"rt", "sputnik"}, "2017-10-26"));
      PolicyAction lift = action(PolicyKind::BanLift, "tw-lift", "twitter", {"sputnik"}, "2019-03-01");
      lift.lifts_action_id = "tw-ban";
      ledger.record_policy_action(lift);
      PolicyAction first = action(PolicyKind::AdBan, "fb-ban-1", "facebook", {"acme"}, "2018-01-01");
      first.end_date = date("2018-03-01");
      ledger.record_policy_action(first);
      ledger.record_policy_action(action(PolicyKind::AdBan, "fb-ban-2", "facebook", {"acme"}, "2018-03-01"));
      ledger.record_policy_action(action(PolicyKind::BanLift, "fb-lift", "facebook", {"acme"}, "2018-06-01"));
      PolicyAction later = action(PolicyKind::AdBan, "g-ban", "google", {"rt"}, "2020-02-29");
      later.end_date = date("2020-03-01");
      ledger.record_policy_action(later);
    });
  }

  // The checker over the ledger as `ban-status --batch` reads it.
  struct Batch {
    Batch(ledger::Store& store, BanChecksFormat format, ledger::BanChecksLimits limits)
        : index(store.policy_actions(std::nullopt)),
          checker(index, store.advertisers(), store.platforms(), format, limits) {}
    ledger::BanIndex index;
    BanChecker checker;
  };
  std::unique_ptr<Batch> batch(BanChecksFormat format, ledger::BanChecksLimits limits = {}) {
    return std::make_unique<Batch>(*t.store, format, limits);
  }

  std::string answer(const std::string& text, BanChecksFormat format = BanChecksFormat::Csv,
                     ledger::BanChecksLimits limits = {}) {
    auto b = batch(format, limits);
    ChunkedText out;
    b->checker.answer(text, "checks.csv", out);
    return out.str();
  }
};

TEST_F(BanChecksTest, CsvAnswersEachLineInOrder) {
  EXPECT_EQ(answer("rt,twitter,2017-10-25\n"
                   "rt,twitter,2017-10-26\n"
                   "sputnik,twitter,2019-02-28\n"
                   "sputnik,twitter,2019-03-01\n"
                   "acme,facebook,2018-01-01\n"
                   "acme,facebook,2018-05-31\n"
                   "acme,facebook,2018-06-01\n"
                   "rt,google,2020-02-29\n"),
            "advertiser,platform,date,banned,ban,until,lifted_by\r\n"
            "rt,twitter,2017-10-25,false,-,-,-\r\n"
            "rt,twitter,2017-10-26,true,tw-ban,-,-\r\n"
            "sputnik,twitter,2019-02-28,true,tw-ban,2019-03-01,tw-lift\r\n"
            "sputnik,twitter,2019-03-01,false,-,-,-\r\n"
            "acme,facebook,2018-01-01,true,fb-ban-1,2018-06-01,fb-lift\r\n"
            "acme,facebook,2018-05-31,true,fb-ban-2,2018-06-01,fb-lift\r\n"
            "acme,facebook,2018-06-01,false,-,-,-\r\n"
            "rt,google,2020-02-29,true,g-ban,2020-03-01,-\r\n");
}

TEST_F(BanChecksTest, EmptyInputAnswersNothing) {
  EXPECT_EQ(answer(""), "advertiser,platform,date,banned,ban,until,lifted_by\r\n");
  EXPECT_EQ(answer("", BanChecksFormat::JsonLines), "");
}

TEST_F(BanChecksTest, CrlfAndAMissingLastLineEndAreAccepted) {
  EXPECT_EQ(answer("rt,twitter,2017-10-25\r\nrt,twitter,2017-10-26"),
            answer("rt,twitter,2017-10-25\nrt,twitter,2017-10-26\n"));
}

// The batch and Ledger::ban_status give the same answer, field for field,
// on every day around each ban: JSON Lines are to_json(BanCheck), one a line.
TEST_F(BanChecksTest, JsonLinesAreTheSingleChecksJson) {
  std::string input, want;
  ledger::Date from = date("2017-10-20");
  for (const char* a : {"rt", "sputnik", "acme"}) {
    for (const char* p : {"twitter", "facebook", "google"}) {
      for (int d = 0; d < 1000; d += 1) {
        ledger::Date on = from + boost::gregorian::days(d * 1);
        std::string day = ledger::format_date(on);
        input += std::string(a) + "," + p + "," + day + "\n";
        want += ledger::to_json(ledger.ban_status(a, p, on)).dump(-1, ' ', false,
                                                                  nlohmann::json::error_handler_t::replace) +
                "\n";
      }
    }
  }
  EXPECT_EQ(answer(input, BanChecksFormat::JsonLines), want);
}

TEST_F(BanChecksTest, SummaryCountsChecksAndBans) {
  auto b = batch(BanChecksFormat::Csv);
  ChunkedText out;
  auto summary = b->checker.answer("rt,twitter,2017-10-25\nrt,twitter,2017-10-26\nacme,google,2020-01-01\n", "c", out);
  EXPECT_EQ(summary.checks, 3u);
  EXPECT_EQ(summary.banned, 1u);
}

std::string error_of(BanChecksTest& test, const std::string& text, ErrorKind kind,
                     ledger::BanChecksLimits limits = {}) {
  auto b = test.batch(BanChecksFormat::Csv, limits);
  ChunkedText out;
  auto e = adledger_test::error_of([&] { b->checker.answer(text, "checks.csv", out); });
  if (!e) return "no error";
  EXPECT_EQ(e->kind(), kind) << e->what();
  return e->what();
}

TEST_F(BanChecksTest, BadLinesNameTheFileLineFieldValueAndReason) {
  EXPECT_EQ(error_of(*this, "rt,twitter,2017-10-26\nrt,twitter,2017-02-30\n", ErrorKind::Input),
            "checks.csv:2: date \"2017-02-30\": no such day: 2017-02 has 28 days");
  EXPECT_EQ(error_of(*this, "rt,twitter,26/10/2017\n", ErrorKind::Input),
            "checks.csv:1: date \"26/10/2017\": write a date as YYYY-MM-DD, such as 2017-10-26");
  EXPECT_EQ(error_of(*this, "rt,twitter,2017-10-26 \n", ErrorKind::Input),
            "checks.csv:1: date \"2017-10-26 \": write a date as YYYY-MM-DD, such as 2017-10-26");
  EXPECT_EQ(error_of(*this, "nobody,twitter,2017-10-26\n", ErrorKind::Rule),
            "checks.csv:1: advertiser \"nobody\": no such advertiser");
  EXPECT_EQ(error_of(*this, "rt,myspace,2017-10-26\n", ErrorKind::Rule),
            "checks.csv:1: platform \"myspace\": no such platform");
  EXPECT_EQ(error_of(*this, "rt,twitter\n", ErrorKind::Input),
            "checks.csv:1: line \"rt,twitter\": 2 fields, not 3; a check is advertiser,platform,YYYY-MM-DD");
  EXPECT_EQ(error_of(*this, "rt\n", ErrorKind::Input),
            "checks.csv:1: line \"rt\": 1 field, not 3; a check is advertiser,platform,YYYY-MM-DD");
  EXPECT_EQ(error_of(*this, "rt,twitter,2017-10-26,x\n", ErrorKind::Input),
            "checks.csv:1: line \"rt,twitter,2017-10-26,x\": 4 fields, not 3; a check is "
            "advertiser,platform,YYYY-MM-DD");
  EXPECT_EQ(error_of(*this, "rt,twitter,2017-10-26\n\nrt,twitter,2017-10-26\n", ErrorKind::Input),
            "checks.csv:2: line \"\": blank; every line is a check, and a check is advertiser,platform,YYYY-MM-DD");
  EXPECT_EQ(error_of(*this, "rt,twitter,2017-10-26\n\r\n", ErrorKind::Input),
            "checks.csv:2: line \"\": blank; every line is a check, and a check is advertiser,platform,YYYY-MM-DD");
  // A header is not a check.
  EXPECT_EQ(error_of(*this, "advertiser,platform,date\n", ErrorKind::Rule),
            "checks.csv:1: advertiser \"advertiser\": no such advertiser");
  EXPECT_EQ(error_of(*this, "\xEF\xBB\xBFrt,twitter,2017-10-26\n", ErrorKind::Input),
            "checks.csv:1: line \"\xEF\xBB\xBFrt,twitter,2017-10-26\": starts with a byte order mark (U+FEFF); save "
            "the file without one");
  // Control bytes are shown escaped, so the message stays one line.
  EXPECT_EQ(error_of(*this, "rt\x01,twitter,2017-10-26\n", ErrorKind::Rule),
            "checks.csv:1: advertiser \"rt\\x01\": no such advertiser");
}

TEST_F(BanChecksTest, ALineMayHoldUpTo256Bytes) {
  // 256 bytes: refused for its advertiser, not its length.
  std::string longest = std::string(237, 'a') + ",twitter,2017-10-26";
  ASSERT_EQ(longest.size(), 256u);
  EXPECT_EQ(error_of(*this, longest + "\r\n", ErrorKind::Rule).substr(0, 27), "checks.csv:1: advertiser \"a");
  std::string message = error_of(*this, "a" + longest + "\n", ErrorKind::Input);
  EXPECT_TRUE(message.starts_with("checks.csv:1: line \"aaaa")) << message;
  EXPECT_TRUE(message.ends_with("...\": longer than 256 bytes; a check is advertiser,platform,YYYY-MM-DD")) << message;
}

TEST_F(BanChecksTest, LimitsOfABatch) {
  ledger::BanChecksLimits two;
  two.checks_max = 2;
  EXPECT_EQ(error_of(*this, "rt,twitter,2017-10-26\nrt,twitter,2017-10-26\nrt,twitter,2017-10-26\n", ErrorKind::Input,
                     two),
            "checks.csv:3: line \"rt,twitter,2017-10-26\": more than 2 checks in one batch; split the file");
  EXPECT_EQ(answer("rt,twitter,2017-10-26\nrt,twitter,2017-10-26\n", BanChecksFormat::Csv, two).size(),
            answer("rt,twitter,2017-10-26\nrt,twitter,2017-10-26\n").size());
  ledger::BanChecksLimits small;
  small.output_bytes_max = 100;
  EXPECT_EQ(error_of(*this, "rt,twitter,2017-10-25\nrt,twitter,2017-10-26\n", ErrorKind::Input, small),
            "checks.csv:2: line \"rt,twitter,2017-10-26\": the answers pass 100 bytes; split the file");
}

// Read from a stream in blocks of 1 MiB: lines cut by a block's end are
// answered whole, and an over-long line is refused without being read to
// its end.
TEST_F(BanChecksTest, ReadsAStreamAcrossBlocks) {
  std::string input;
  std::string line = "sputnik,twitter,2019-02-28\r\n";
  while (input.size() < (std::size_t{3} << 20)) input += line;
  input += "rt,google,2020-02-29";  // no line end
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(std::fwrite(input.data(), 1, input.size(), file), input.size());
  std::rewind(file);
  auto b = batch(BanChecksFormat::Csv);
  ChunkedText out;
  auto summary = b->checker.answer(file, "big.csv", out);
  std::fclose(file);
  EXPECT_EQ(out.str(), answer(input));
  EXPECT_EQ(summary.checks, input.size() / line.size() + 1);
  EXPECT_EQ(summary.banned, summary.checks);

  std::string endless = "rt,twitter,2017-10-26\n" + std::string(std::size_t{3} << 20, 'x');
  file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(std::fwrite(endless.data(), 1, endless.size(), file), endless.size());
  std::rewind(file);
  ChunkedText refused;
  auto e = adledger_test::error_of([&] { b->checker.answer(file, "endless.csv", refused); });
  std::fclose(file);
  ASSERT_TRUE(e);
  EXPECT_TRUE(std::string(e->what()).starts_with("endless.csv:2: line \"xxxx")) << e->what();
  EXPECT_TRUE(std::string(e->what()).ends_with("longer than 256 bytes; a check is advertiser,platform,YYYY-MM-DD"));
}

TEST(ChunkedText, HoldsTextAcrossChunks) {
  ChunkedText text;
  std::string want;
  for (int i = 0; i < 300000; ++i) {
    std::string piece = "line " + std::to_string(i) + "\n";
    text.append(piece);
    want += piece;
  }
  std::string big(std::size_t{5} << 20, 'z');  // larger than a chunk
  text.append(big);
  want += big;
  EXPECT_EQ(text.size(), want.size());
  EXPECT_EQ(text.str(), want);
}

}  // namespace
