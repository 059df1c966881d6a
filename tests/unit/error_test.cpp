#include <gtest/gtest.h>

#include "ledger/error.hpp"
#include "ledger/records.hpp"
#include "test_support.hpp"

namespace {

using ledger::ErrorKind;
using ledger::quote;

// True when `s` is well-formed UTF-8 (no cut or stray sequences).
bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

TEST(Quote, EscapesWhatWouldBreakTheLine) {
  EXPECT_EQ(quote("plain"), "\"plain\"");
  EXPECT_EQ(quote(""), "\"\"");
  EXPECT_EQ(quote("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(quote("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(quote("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(quote("a\rb\tc"), "\"a\\rb\\tc\"");
  EXPECT_EQ(quote(std::string("a\x01") + "b"), "\"a\\x01b\"");
  EXPECT_EQ(quote("a\x7f"), "\"a\\x7f\"");
  EXPECT_EQ(quote("Спутник"), "\"Спутник\"");
}

TEST(Quote, CutsLongValues) {
  std::string q = quote(std::string(10 * 1024 * 1024, 'x'));
  EXPECT_LT(q.size(), 200u);
  EXPECT_NE(q.find("..."), std::string::npos);
  EXPECT_EQ(quote(std::string(80, 'x')), "\"" + std::string(80, 'x') + "\"");
}

// A value of bidirectional controls, each shown as an eight-character mark,
// is cut by the bytes it takes: no longer than a value of escaped bytes.
TEST(Quote, MarksAreCutByTheirLength) {
  std::string controls;
  for (int i = 0; i < 200; ++i) controls += "\u2068";
  std::string bytes(200, '\x01');
  EXPECT_LE(quote(controls).size(), quote(bytes).size() + 8);
  EXPECT_NE(quote(controls).find("..."), std::string::npos);
}

TEST(Quote, CutNeverSplitsAUtf8Character) {
  // 1 ASCII byte then two-byte Cyrillic letters: a cut at a fixed byte count
  // lands inside a letter.
  std::string value = "a";
  for (int i = 0; i < 60; ++i) value += "Я";
  std::string q = quote(value);
  EXPECT_TRUE(valid_utf8(q)) << q;
  std::string emoji = "ab";
  for (int i = 0; i < 40; ++i) emoji += "\xF0\x9F\x98\x80";  // U+1F600
  EXPECT_TRUE(valid_utf8(quote(emoji)));
}

TEST(ThrowInput, ShapeOfAnInputError) {
  auto e = adledger_test::error_of([] { ledger::throw_input("amount", "1e5", "exponents are not accepted"); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind(), ErrorKind::Input);
  EXPECT_STREQ(e->what(), "amount \"1e5\": exponents are not accepted");
}

TEST(CheckSlug, AcceptsAndRefuses) {
  EXPECT_NO_THROW(ledger::check_slug("rt", "advertiser"));
  EXPECT_NO_THROW(ledger::check_slug("unattributed-fb_2", "advertiser"));
  EXPECT_NO_THROW(ledger::check_slug("9gag", "advertiser"));
  EXPECT_NO_THROW(ledger::check_slug(std::string(64, 'a'), "advertiser"));
  EXPECT_ERROR(ErrorKind::Input, "advertiser \"\"", ledger::check_slug("", "advertiser"));
  EXPECT_ERROR(ErrorKind::Input, "advertiser \"-rt\"", ledger::check_slug("-rt", "advertiser"));
  EXPECT_ERROR(ErrorKind::Input, "advertiser \"_rt\"", ledger::check_slug("_rt", "advertiser"));
  EXPECT_ERROR(ErrorKind::Input, "advertiser \"RT\"", ledger::check_slug("RT", "advertiser"));
  EXPECT_ERROR(ErrorKind::Input, "advertiser \"r t\"", ledger::check_slug("r t", "advertiser"));
  EXPECT_ERROR(ErrorKind::Input, "advertiser \"r:t\"", ledger::check_slug("r:t", "advertiser"));
  EXPECT_ERROR(ErrorKind::Input, "advertiser", ledger::check_slug(std::string(65, 'a'), "advertiser"));
  EXPECT_ERROR(ErrorKind::Input, "advertiser \"спутник\"", ledger::check_slug("спутник", "advertiser"));
}

TEST(CheckText, AcceptsAndRefuses) {
  EXPECT_NO_THROW(ledger::check_text("RT en français", "name"));
  EXPECT_NO_THROW(ledger::check_text("tab\tinside", "name"));
  EXPECT_NO_THROW(ledger::check_text(std::string(ledger::kTextMax, 'x'), "name"));
  EXPECT_ERROR(ErrorKind::Input, "name", ledger::check_text(std::string(ledger::kTextMax + 1, 'x'), "name"));
  EXPECT_ERROR(ErrorKind::Input, "name \"\"", ledger::check_text("", "name"));
  EXPECT_ERROR(ErrorKind::Input, "control characters are not allowed", ledger::check_text("a\nb", "name"));
  EXPECT_ERROR(ErrorKind::Input, "not valid UTF-8", ledger::check_text("\xC3", "name"));
  EXPECT_ERROR(ErrorKind::Input, "not valid UTF-8", ledger::check_text("\xC0\xAF", "name"));        // overlong
  EXPECT_ERROR(ErrorKind::Input, "not valid UTF-8", ledger::check_text("\xED\xA0\x80", "name"));    // surrogate
  EXPECT_ERROR(ErrorKind::Input, "not valid UTF-8", ledger::check_text("\xF4\x90\x80\x80", "name"));  // > U+10FFFF
}

// Printable ASCII is taken in one pass; every other byte goes through the
// careful loop. Each byte value, alone in the middle of a long printable
// text (as a note's single accented letter would be), gets its own answer.
TEST(CheckText, JudgesEveryByteInsidePrintableText) {
  const std::string around(300, 'a');
  for (int b = 0; b < 256; ++b) {
    SCOPED_TRACE(b);
    std::string text = around + static_cast<char>(b) + around;
    if ((b >= 0x20 && b < 0x7f) || b == '\t')
      EXPECT_NO_THROW(ledger::check_text(text, "note"));
    else if (b < 0x80)
      EXPECT_ERROR(ErrorKind::Input, "control characters are not allowed", ledger::check_text(text, "note"));
    else
      EXPECT_ERROR(ErrorKind::Input, "not valid UTF-8", ledger::check_text(text, "note"));
  }
  EXPECT_NO_THROW(ledger::check_text(around + "\u00e9" + around, "note"));
  EXPECT_ERROR(ErrorKind::Input, "bidirectional control characters",
               ledger::check_text(around + "\u202E" + around, "note"));
}

// U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP
// DIRECTIONAL ISOLATE: each would make "RT" display as another name.
TEST(CheckText, RefusesBidirectionalControls) {
  for (const char* control : {"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068",
                              "\u2069"}) {
    SCOPED_TRACE(control);
    EXPECT_ERROR(ErrorKind::Input, "bidirectional control characters", ledger::check_text(std::string("R") + control + "T", "name"));
  }
  // Neighbours of the range and right-to-left text itself are fine.
  EXPECT_NO_THROW(ledger::check_text("a\u2029b\u2065c\u206Ad\u2029", "name"));
  EXPECT_NO_THROW(ledger::check_text("\u202F\u2060", "name"));
  EXPECT_NO_THROW(ledger::check_text("روسيا اليوم", "name"));
}

TEST(NeutraliseBidi, ShowsEachControlAsAMark) {
  EXPECT_EQ(ledger::neutralise_bidi("evil\u202Egnp.exe"), "evil[U+202E]gnp.exe");
  EXPECT_EQ(ledger::neutralise_bidi("\u2066a\u2069"), "[U+2066]a[U+2069]");
  EXPECT_EQ(ledger::neutralise_bidi("plain é \u2029"), "plain é \u2029");
  EXPECT_EQ(ledger::neutralise_bidi("cut \xE2\x80"), "cut \xE2\x80");  // a sequence cut short is left alone
  EXPECT_EQ(ledger::quote("a\u202Eb"), "\"a[U+202E]b\"");
}

TEST(Records, EnumNames) {
  using ledger::PolicyKind;
  using ledger::Precision;
  for (PolicyKind k : {PolicyKind::AdBan, PolicyKind::BanLift, PolicyKind::Suspension, PolicyKind::Disclosure,
                       PolicyKind::TargetingChange})
    EXPECT_EQ(ledger::parse_policy_kind(ledger::to_string(k)), k);
  EXPECT_EQ(ledger::to_string(PolicyKind::AdBan), "ad_ban");
  EXPECT_EQ(ledger::to_string(PolicyKind::TargetingChange), "targeting_change");
  for (Precision p : {Precision::Exact, Precision::Approximate, Precision::Estimated})
    EXPECT_EQ(ledger::parse_precision(ledger::to_string(p)), p);
  EXPECT_ERROR(ErrorKind::Input, "kind \"ban\": expected ad_ban", ledger::parse_policy_kind("ban"));
  EXPECT_ERROR(ErrorKind::Input, "precision \"Exact\": expected exact, approximate, estimated or range",
               ledger::parse_precision("Exact"));
}

}  // namespace
