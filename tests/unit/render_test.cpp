// The renderers: CSV (RFC 4180, formula neutralisation), HTML (escaping, no
// script, no network, charts), Markdown (escaping, tables) and the terminal
// table (alignment, wrapping). Expected outputs are written out by hand.
#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/money/currency.hpp"
#include "ledger/audit/checkpoint.hpp"
#include "ledger/render/document.hpp"
#include "test_support.hpp"

namespace {

using ledger::ErrorKind;
using ledger::render::Align;
using ledger::render::BarChart;
using ledger::render::Cell;
using ledger::render::Column;
using ledger::render::csv_field;
using ledger::render::Document;
using ledger::render::html_escape;
using ledger::render::markdown_escape;
using ledger::render::money_cell;
using ledger::render::render_csv;
using ledger::render::render_html;
using ledger::render::render_markdown;
using ledger::render::render_text;
using ledger::render::Section;
using ledger::render::Table;
using ledger::render::text_cell;
using ledger::render::Timeline;

const char* const kEvil = "<script>alert(1)</script>";

ledger::Currency usd_currency() { return ledger::Currency::from_code("USD"); }

Column column(const std::string& name, Align align = Align::Left, bool wrap = false) {
  Column c;
  c.name = name;
  c.align = align;
  c.wrap = wrap;
  return c;
}

Table table(const std::string& id, std::vector<Column> columns, std::vector<std::vector<Cell>> rows) {
  Table t;
  t.id = id;
  t.columns = std::move(columns);
  t.rows = std::move(rows);
  return t;
}

Section section(const std::string& title, std::optional<Table> t) {
  Section s;
  s.title = title;
  s.table = std::move(t);
  return s;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// ---------------------------------------------------------------- CSV

TEST(RenderCsvField, PlainTextIsUnchanged) {
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("Google"), "Google");
  EXPECT_EQ(csv_field("Russia Today"), "Russia Today");
  EXPECT_EQ(csv_field("274100.00"), "274100.00");
}

TEST(RenderCsvField, QuotesPerRfc4180) {
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  // A quote is doubled inside a quoted field.
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("\""), "\"\"\"\"");
  EXPECT_EQ(csv_field("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(csv_field("carriage\rreturn"), "\"carriage\rreturn\"");
  EXPECT_EQ(csv_field("crlf\r\nend"), "\"crlf\r\nend\"");
}

TEST(RenderCsvField, NeutralisesFormulas) {
  EXPECT_EQ(csv_field("=HYPERLINK(A1)"), "'=HYPERLINK(A1)");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_field("+1+2"), "'+1+2");
  EXPECT_EQ(csv_field("-1+2"), "'-1+2");
  EXPECT_EQ(csv_field("=1"), "'=1");
  EXPECT_EQ(csv_field("+1"), "'+1");  // only a leading minus makes a plain number
  EXPECT_EQ(csv_field("\tcmd"), "'\tcmd");
  // A leading CR is neutralised and, being a CR, also quoted.
  EXPECT_EQ(csv_field("\rcmd"), "\"'\rcmd\"");
}

TEST(RenderCsvField, NeutralisedCellWithCommaOrQuoteIsAlsoQuoted) {
  EXPECT_EQ(csv_field("=1,2"), "\"'=1,2\"");
  EXPECT_EQ(csv_field("=HYPERLINK(\"http://evil.example\",\"click\")"),
            "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\"");
}

TEST(RenderCsvField, PlainNumbersAreNotNeutralised) {
  EXPECT_EQ(csv_field("-1500.00"), "-1500.00");
  EXPECT_EQ(csv_field("-3"), "-3");
  EXPECT_EQ(csv_field("-0.01"), "-0.01");
  EXPECT_EQ(csv_field("1500"), "1500");
}

TEST(RenderCsvField, LoneDashForAnUnknownValueStaysAsItIs) {
  // "-" alone runs nothing in a spreadsheet; it is how reports say a value
  // (an item count, an entry list) is unknown.
  EXPECT_EQ(csv_field("-"), "-");
  EXPECT_EQ(csv_field("- "), "'- ");
  EXPECT_EQ(csv_field("-x"), "'-x");
}

TEST(RenderCsvField, AlmostNumbersAreNeutralised) {
  EXPECT_EQ(csv_field("-.5"), "'-.5");
  EXPECT_EQ(csv_field("-5."), "'-5.");
  EXPECT_EQ(csv_field("--5"), "'--5");
  EXPECT_EQ(csv_field("-1.2.3"), "'-1.2.3");
  EXPECT_EQ(csv_field("-1,500.00"), "\"'-1,500.00\"");  // the human spelling is not a plain number
  EXPECT_EQ(csv_field("-1e5"), "'-1e5");
}

Document two_table_document() {
  Document doc;
  doc.title = "Advertiser report";
  doc.facts = {{"country", "RU"}};
  const auto usd = usd_currency();
  doc.sections.push_back(section("Summary", std::nullopt));
  doc.sections.back().lines = {"A paragraph, no table."};
  doc.sections.push_back(section(
      "Spend", table("spend", {column("period"), column("platform"), column("amount", Align::Right)},
                     {{text_cell("2016-Q4"), text_cell("Google, Inc."), money_cell(27410000, usd)},
                      {text_cell("2017-Q1"), text_cell("=cmd"), money_cell(-150000, usd)}})));
  doc.sections.push_back(section("Bans", table("bans", {column("date"), column("platform")},
                                               {{text_cell("2017-10-26"), text_cell("Twitter")}})));
  return doc;
}

TEST(RenderCsv, DefaultIsTheFirstTableWithMachineSpellingsAndCrlf) {
  Document doc = two_table_document();
  // money_cell's text is "274,100.00"; CSV writes the plain "274100.00".
  EXPECT_EQ(render_csv(doc, std::nullopt),
            "period,platform,amount\r\n"
            "2016-Q4,\"Google, Inc.\",274100.00\r\n"
            "2017-Q1,'=cmd,-1500.00\r\n");
}

TEST(RenderCsv, ChoosesTheTableById) {
  Document doc = two_table_document();
  EXPECT_EQ(render_csv(doc, std::string("bans")), "date,platform\r\n2017-10-26,Twitter\r\n");
  EXPECT_EQ(render_csv(doc, std::string("spend")), render_csv(doc, std::nullopt));
}

TEST(RenderCsv, EmptyTableIsJustTheHeader) {
  Document doc;
  doc.sections.push_back(section("Bans", table("bans", {column("date"), column("platform")}, {})));
  EXPECT_EQ(render_csv(doc, std::nullopt), "date,platform\r\n");
}

TEST(RenderCsv, HeaderNamesAreEscapedToo) {
  Document doc;
  doc.sections.push_back(section("S", table("t", {column("a,b"), column("=c")}, {{text_cell("1"), text_cell("2")}})));
  EXPECT_EQ(render_csv(doc, std::nullopt), "\"a,b\",'=c\r\n1,2\r\n");
}

TEST(RenderCsv, UnknownTableIdIsAnInputErrorNamingTheTables) {
  Document doc = two_table_document();
  EXPECT_ERROR(ErrorKind::Input, "\"nope\"", render_csv(doc, std::string("nope")));
  EXPECT_ERROR(ErrorKind::Input, "spend, bans", render_csv(doc, std::string("nope")));
  EXPECT_EQ(ERROR_MESSAGE(render_csv(doc, std::string("nope"))),
            "table \"nope\": there is no such table here; the tables are spend, bans (or all: every one)");
}

TEST(RenderCsv, AllWritesEveryTableAfterItsName) {
  Document doc = two_table_document();
  EXPECT_EQ(render_csv(doc, std::string("all")), "# table: spend\r\n" + render_csv(doc, std::string("spend")) +
                                                     "\r\n# table: bans\r\n" + render_csv(doc, std::string("bans")));
}

TEST(RenderCsv, DocumentWithoutATableThrows) {
  Document doc;
  doc.title = "Nothing";
  doc.sections.push_back(section("Summary", std::nullopt));
  EXPECT_ERROR(ErrorKind::Input, "no table", render_csv(doc, std::nullopt));
  EXPECT_ERROR(ErrorKind::Input, "no table", render_csv(Document{}, std::nullopt));
  EXPECT_TRUE(adledger_test::error_of([&] { (void)render_csv(doc, std::string("spend")); }).has_value());
}

// ---------------------------------------------------------------- HTML

TEST(RenderHtmlEscape, EscapesTheFiveCharacters) {
  EXPECT_EQ(html_escape("&"), "&amp;");
  EXPECT_EQ(html_escape("<"), "&lt;");
  EXPECT_EQ(html_escape(">"), "&gt;");
  EXPECT_EQ(html_escape("\""), "&quot;");
  EXPECT_EQ(html_escape("'"), "&#39;");
  EXPECT_EQ(html_escape("a < b && c > \"d\" 'e'"), "a &lt; b &amp;&amp; c &gt; &quot;d&quot; &#39;e&#39;");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");  // not mistaken for an entity
  EXPECT_EQ(html_escape("Россия Сегодня"), "Россия Сегодня");
  EXPECT_EQ(html_escape(""), "");
}

// A document with the hostile text in every place a recorded string can go.
Document hostile_document() {
  const std::string evil = kEvil;
  const auto usd = usd_currency();
  Document doc;
  doc.title = evil;
  doc.facts = {{evil, evil}};
  Section s = section(evil, table(evil, {column(evil), column("amount", Align::Right)},
                                  {{text_cell(evil), money_cell(100, usd)}}));
  s.lines = {evil};
  s.notes = {evil};
  BarChart chart;
  chart.title = evil;
  chart.currency = usd;
  chart.category_label = evil;
  chart.categories = {evil};
  chart.series = {{evil, {100}}};
  s.charts.push_back(chart);
  Timeline timeline;
  timeline.events = {{adledger_test::date("2017-10-26"), std::nullopt, true, evil, evil},
                     {adledger_test::date("2018-01-01"), std::nullopt, false, evil, evil}};
  timeline.axis_end = adledger_test::date("2019-01-01");
  s.timeline = timeline;
  doc.sections.push_back(s);
  Section empty = section(evil, table("empty", {column("a")}, {}));
  empty.empty = evil;
  doc.sections.push_back(empty);
  return doc;
}

TEST(RenderHtml, RecordedTextNeverBecomesMarkup) {
  std::string html = render_html(hostile_document());
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("<SCRIPT"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // Title, h1, fact key and value, section title, paragraph, column name,
  // cell, note, empty text, chart title/caption/category/series/legend,
  // timeline lane and labels: well over ten places.
  EXPECT_GE(count_of(html, "&lt;script&gt;"), 10u);
}

TEST(RenderHtml, HasAContentSecurityPolicyForbiddingEverything) {
  std::string html = render_html(hostile_document());
  std::size_t meta = html.find("<meta http-equiv=\"Content-Security-Policy\"");
  ASSERT_NE(meta, std::string::npos);
  std::size_t end = html.find('>', meta);
  ASSERT_NE(end, std::string::npos);
  std::string tag = html.substr(meta, end - meta);
  EXPECT_NE(tag.find("default-src 'none'"), std::string::npos) << tag;
  // The policy comes before anything the document says.
  EXPECT_LT(meta, html.find("<title>"));
}

// A section's attachment is a download link holding the file itself, in
// base64: nothing of it is markup, and nothing is fetched.
TEST(RenderHtml, AnAttachmentIsADownloadLinkHoldingTheFile) {
  Document doc;
  doc.title = "t";
  ledger::render::Section section;
  section.title = "Proofs";
  section.lines.push_back("proven");
  section.attachment = ledger::render::Attachment{"a\"b.json", "application/json", "{\"x\":\"</a><script>\"}\n",
                                                  "<Download>"};
  doc.sections.push_back(section);
  std::string html = render_html(doc);
  EXPECT_NE(html.find("<p><a download=\"a&quot;b.json\" href=\"data:application/json;base64," +
                      ledger::base64_encode("{\"x\":\"</a><script>\"}\n") + "\">&lt;Download&gt;</a></p>"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  // The other formats say how to get it in the lines, and carry no link.
  EXPECT_EQ(ledger::render::render_text(doc).find("base64"), std::string::npos);
}

TEST(RenderHtml, FetchesNothingFromTheNetwork) {
  std::string html = render_html(hostile_document());
  const std::string svg_ns = "http://www.w3.org/2000/svg";
  // Two SVGs (one chart, one timeline), each with its namespace; no other URL.
  EXPECT_EQ(count_of(html, svg_ns), 2u);
  EXPECT_EQ(count_of(html, "http://"), count_of(html, svg_ns)) << html;
  EXPECT_EQ(count_of(html, "https://"), 0u);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
}

TEST(RenderHtml, BarChartDrawsOneBarPerCategoryAndSeries) {
  BarChart chart;
  chart.title = "Spend by quarter";
  chart.currency = usd_currency();
  chart.category_label = "quarter";
  chart.categories = {"2016-Q3", "2016-Q4", "2017-Q1"};
  chart.series = {{"Google", {100000, 250000, 0}}, {"Facebook", {50000, 0, 75000}}};
  Section s;
  s.title = "Spend";
  s.charts.push_back(chart);
  s.lines = {"chart only"};
  Document doc;
  doc.title = "Report";
  doc.sections.push_back(s);
  std::string html = render_html(doc);

  std::size_t svg = html.find("<svg ");
  ASSERT_NE(svg, std::string::npos);
  std::string svg_tag = html.substr(svg, html.find('>', svg) - svg);
  EXPECT_NE(svg_tag.find("class=\"chart\""), std::string::npos) << svg_tag;
  EXPECT_EQ(count_of(html, "<svg "), 1u);
  EXPECT_EQ(count_of(html, "<rect class=\"bar\""), 3u * 2u);
  // A bar for a zero value still exists (with zero height).
  EXPECT_NE(html.find("2017-Q1, Google: 0.00 USD"), std::string::npos);
  EXPECT_NE(html.find("2016-Q4, Google: 2,500.00 USD"), std::string::npos);
  // The legend names each series, in order.
  ASSERT_EQ(count_of(html, "<g class=\"legend\">"), 2u);
  std::size_t first = html.find("<g class=\"legend\">");
  std::size_t second = html.find("<g class=\"legend\">", first + 1);
  std::string legend1 = html.substr(first, html.find("</g>", first) - first);
  std::string legend2 = html.substr(second, html.find("</g>", second) - second);
  EXPECT_NE(legend1.find(">Google</text>"), std::string::npos) << legend1;
  EXPECT_NE(legend2.find(">Facebook</text>"), std::string::npos) << legend2;
  EXPECT_NE(html.find(">amount (USD)</text>"), std::string::npos);
  EXPECT_NE(html.find(">quarter</text>"), std::string::npos);
  EXPECT_NE(html.find("<figcaption>Spend by quarter</figcaption>"), std::string::npos);
}

TEST(RenderHtml, TimelineDrawsBansAsBarsAndOtherActionsAsDots) {
  Timeline timeline;
  timeline.events = {
      {adledger_test::date("2017-10-26"), std::nullopt, true, "Twitter", "ban on RT and Sputnik"},
      {adledger_test::date("2016-03-01"), adledger_test::date("2016-09-01"), true, "Google", "ban, lifted"},
      {adledger_test::date("2017-11-20"), std::nullopt, false, "Google", "demotion in News"},
  };
  timeline.axis_end = adledger_test::date("2019-06-30");
  Section s;
  s.title = "Policy actions";
  s.timeline = timeline;
  s.lines = {"timeline only"};
  Document doc;
  doc.title = "Report";
  doc.sections.push_back(s);
  std::string html = render_html(doc);

  std::size_t svg = html.find("<svg ");
  ASSERT_NE(svg, std::string::npos);
  std::string svg_tag = html.substr(svg, html.find('>', svg) - svg);
  EXPECT_NE(svg_tag.find("class=\"timeline\""), std::string::npos) << svg_tag;
  EXPECT_EQ(count_of(html, "<rect class=\"ban\""), 2u);
  EXPECT_EQ(count_of(html, "<circle"), 1u);
  // One lane label per platform.
  EXPECT_NE(html.find(">Twitter</text>"), std::string::npos);
  EXPECT_NE(html.find(">Google</text>"), std::string::npos);
  EXPECT_NE(html.find("<title>2017-11-20 demotion in News</title></circle>"), std::string::npos);
}

TEST(RenderHtml, EmptyTableShowsTheSectionsEmptyText) {
  Document doc;
  doc.title = "Report";
  Section s = section("Bans", table("bans", {column("date"), column("platform")}, {}));
  s.empty = "no bans recorded";
  doc.sections.push_back(s);
  std::string html = render_html(doc);
  EXPECT_NE(html.find("<p class=\"empty\">no bans recorded</p>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<table"), std::string::npos);
}

TEST(RenderHtml, TableCellsAndAlignment) {
  Document doc;
  doc.title = "Report";
  doc.sections.push_back(section("Spend", table("spend", {column("platform"), column("amount", Align::Right)},
                                                {{text_cell("Google"), money_cell(27410000, usd_currency())}})));
  std::string html = render_html(doc);
  EXPECT_NE(html.find("<table id=\"table-spend\">"), std::string::npos);
  EXPECT_NE(html.find("<th>platform</th><th class=\"num\">amount</th>"), std::string::npos);
  // HTML shows the human spelling; a column that does not wrap in the
  // terminal does not wrap in the page either.
  EXPECT_NE(html.find("<td class=\"nw\">Google</td><td class=\"num\">274,100.00</td>"), std::string::npos);
}

// ---------------------------------------------------------------- Markdown

// The number of `|` that are not escaped by a backslash.
std::size_t unescaped_pipes(const std::string& line) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;  // skip the escaped character
      continue;
    }
    if (line[i] == '|') ++n;
  }
  return n;
}

TEST(RenderMarkdownEscape, EscapesMarkup) {
  EXPECT_EQ(markdown_escape("a|b"), "a\\|b");
  EXPECT_EQ(markdown_escape("<script>"), "\\<script\\>");
  EXPECT_EQ(markdown_escape("*bold* _it_ `code` [x](y)"), "\\*bold\\* \\_it\\_ \\`code\\` \\[x\\](y)");
  EXPECT_EQ(markdown_escape("a\\b"), "a\\\\b");
  EXPECT_EQ(markdown_escape("line\nbreak"), "line break");
  EXPECT_EQ(markdown_escape("plain text 123"), "plain text 123");
  EXPECT_EQ(markdown_escape(""), "");
}

Document markdown_document() {
  Document doc;
  doc.title = "Report on RT";
  doc.facts = {{"country", "RU"}};
  doc.sections.push_back(section("Spend", table("spend", {column("platform"), column("amount", Align::Right)},
                                                {{text_cell("A|B"), money_cell(27410000, usd_currency())},
                                                 {text_cell(kEvil), money_cell(1, usd_currency())}})));
  doc.sections.push_back(section("Bans", table("bans", {column("date")}, {})));
  return doc;
}

TEST(RenderMarkdown, HeadingsForTitleAndSections) {
  std::string md = render_markdown(markdown_document());
  std::vector<std::string> lines = lines_of(md);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "# Report on RT");
  EXPECT_NE(md.find("\n## Spend\n"), std::string::npos) << md;
  EXPECT_NE(md.find("\n## Bans\n"), std::string::npos) << md;
  EXPECT_NE(md.find("- **country:** RU\n"), std::string::npos) << md;
  EXPECT_NE(md.find("_none recorded_"), std::string::npos) << md;
}

TEST(RenderMarkdown, TableWithAlignmentAndEscapedCells) {
  std::string md = render_markdown(markdown_document());
  EXPECT_NE(md.find("| platform | amount |\n| --- | ---: |\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| A\\|B | 274,100.00 |\n"), std::string::npos) << md;
  // Every row of the two-column table has exactly three cell borders: the
  // pipe in "A|B" does not split its cell.
  for (const std::string& line : lines_of(md))
    if (!line.empty() && line[0] == '|') {
      EXPECT_EQ(unescaped_pipes(line), 3u) << line;
    }
}

TEST(RenderMarkdown, ScriptShowsAsText) {
  std::string md = render_markdown(markdown_document());
  EXPECT_NE(md.find("| \\<script\\>alert(1)\\</script\\> | 0.01 |"), std::string::npos) << md;
  // No `<` anywhere that is not escaped.
  for (std::size_t at = md.find('<'); at != std::string::npos; at = md.find('<', at + 1)) {
    ASSERT_GT(at, 0u);
    EXPECT_EQ(md[at - 1], '\\') << "unescaped '<' at " << at << " in " << md;
  }
}

// ---------------------------------------------------------------- Text

TEST(RenderText, AlignsColumnsExactly) {
  Document doc;
  doc.title = "Report";
  doc.facts = {{"country", "RU"}};
  doc.sections.push_back(section("Spend", table("spend", {column("platform"), column("amount", Align::Right)},
                                                {{text_cell("Google"), money_cell(150000, usd_currency())},
                                                 {text_cell("RT"), money_cell(27410000, usd_currency())}})));
  // platform: 8 wide ("platform"); amount: 10 wide ("274,100.00"), right
  // aligned; two spaces of indent and two between columns.
  EXPECT_EQ(render_text(doc),
            "Report\n"
            "  country: RU\n"
            "\n"
            "Spend\n"
            "  platform      amount\n"
            "  Google      1,500.00\n"
            "  RT        274,100.00\n");
}

TEST(RenderText, EmptyTableSaysTheEmptyText) {
  Document doc;
  doc.title = "Report";
  Section s = section("Bans", table("bans", {column("date")}, {}));
  s.empty = "no bans recorded";
  doc.sections.push_back(s);
  EXPECT_EQ(render_text(doc), "Report\n\nBans\n  no bans recorded\n");
}

TEST(RenderText, Utf8NamesAlignByCodePoints) {
  Document doc;
  doc.title = "Report";
  doc.sections.push_back(section("Spend", table("spend", {column("advertiser"), column("amount", Align::Right)},
                                                {{text_cell("Россия Сегодня"), text_cell("1.00")},
                                                 {text_cell("RT"), text_cell("2.00")}})));
  // advertiser: 14 code points wide ("Россия Сегодня" is 6 + 1 + 7), though 27 bytes.
  EXPECT_EQ(render_text(doc),
            "Report\n"
            "\n"
            "Spend\n"
            "  advertiser      amount\n"
            "  Россия Сегодня    1.00\n"
            "  RT                2.00\n");
}

TEST(RenderText, LongFreeTextWrapsWithinTheWidthKeepingEveryWord) {
  const std::string description =
      "Advertising bought by the broadcaster to promote its own programmes on the platform during the "
      "campaign, as disclosed by the platform in its written evidence to the committee, including the "
      "promoted posts that were later removed and the accounts that were suspended for it";
  Document doc;
  doc.title = "Report";
  doc.sections.push_back(section(
      "Entries", table("entries",
                       {column("date"), column("amount", Align::Right), column("description", Align::Left, true)},
                       {{text_cell("2016-10-26"), money_cell(27410000, usd_currency()), text_cell(description)},
                        {text_cell("2016-10-27"), money_cell(100, usd_currency()), text_cell("short")}})));
  std::string text = render_text(doc);
  std::vector<std::string> lines = lines_of(text);
  for (const std::string& line : lines) EXPECT_LE(code_points(line), 80u) << "\"" << line << "\"\n" << text;

  // The description column starts where its header does; collect what each
  // line of the first row holds there.
  std::size_t header = 0;
  while (header < lines.size() && lines[header].find("description") == std::string::npos) ++header;
  ASSERT_LT(header, lines.size()) << text;
  const std::size_t at = lines[header].find("description");
  // date 10 + gap 2 + amount 10 + gap 2, after the indent of 2.
  EXPECT_EQ(at, 2u + 10u + 2u + 10u + 2u);
  std::string collected;
  std::size_t row_lines = 0;
  for (std::size_t i = header + 1; i < lines.size(); ++i) {
    if (lines[i].find("2016-10-27") != std::string::npos) break;
    ASSERT_GT(lines[i].size(), at) << lines[i];
    collected += lines[i].substr(at) + " ";
    ++row_lines;
    // Continuation lines leave the figure columns blank.
    if (i > header + 1) {
      EXPECT_EQ(lines[i].substr(0, at), std::string(at, ' ')) << lines[i];
    }
  }
  EXPECT_GT(row_lines, 1u) << text;
  EXPECT_EQ(words_of(collected), words_of(description)) << text;
  // The figures are on the first line of the row, whole.
  EXPECT_EQ(lines[header + 1].substr(0, at), "  2016-10-26  274,100.00  ");
}

TEST(RenderText, NonWrapColumnsNeverWrap) {
  // The free-text column has to give up room; the advertiser name, the date
  // and the amount, which are not free text, stay whole on the row's line.
  const std::string description =
      "Promoted posts and accounts of the broadcaster, as disclosed by the platform to the committee in "
      "its written evidence of October 2017, with the amounts it gave per quarter";
  Document doc;
  doc.title = "Report";
  doc.sections.push_back(section(
      "Entries", table("entries",
                       {column("advertiser"), column("date"), column("amount", Align::Right),
                        column("description", Align::Left, true)},
                       {{text_cell("Russia Today (RT) America"), text_cell("2017-10-31"),
                         money_cell(-27410000, usd_currency()), text_cell(description)}})));
  std::string text = render_text(doc);
  for (const std::string& line : lines_of(text)) EXPECT_LE(code_points(line), 80u) << "\"" << line << "\"\n" << text;
  // advertiser 25, date 10, amount 11 ("-274,100.00"): the row's first line
  // starts with all three, whole, each followed by the two-space gap.
  EXPECT_NE(text.find("\n  Russia Today (RT) America  2017-10-31  -274,100.00  "), std::string::npos) << text;
  EXPECT_EQ(count_of(text, "Russia Today (RT) America"), 1u) << text;
  EXPECT_EQ(count_of(text, "-274,100.00"), 1u) << text;
}

TEST(RenderText, TableTooWideEvenWrappedStaysWithinTheWidth) {
  // A non-wrap cell wider than the terminal: whatever the layout, no line
  // is wider than 80 and the text is all there, in order.
  const std::string source =
      "https://example.org/transparency/reports/2017/russia-today-and-sputnik-advertising-disclosure-"
      "to-the-senate-judiciary-subcommittee";
  Document doc;
  doc.title = "Report";
  doc.sections.push_back(section("Sources", table("sources", {column("date"), column("source")},
                                                  {{text_cell("2017-10-31"), text_cell(source)}})));
  std::string text = render_text(doc);
  for (const std::string& line : lines_of(text)) EXPECT_LE(code_points(line), 80u) << "\"" << line << "\"\n" << text;
  std::string squeezed;
  for (char c : text)
    if (c != ' ' && c != '\n') squeezed += c;
  EXPECT_NE(squeezed.find(source), std::string::npos) << text;
  EXPECT_NE(squeezed.find("2017-10-31"), std::string::npos) << text;
}

TEST(RenderText, ShortTablesAreNotWrapped) {
  Document doc;
  doc.title = "Report";
  doc.sections.push_back(section(
      "Entries", table("entries", {column("date"), column("description", Align::Left, true)},
                       {{text_cell("2016-10-26"), text_cell("a description of a few words that fits easily")}})));
  EXPECT_EQ(render_text(doc),
            "Report\n\nEntries\n"
            "  date        description\n"
            "  2016-10-26  a description of a few words that fits easily\n");
}

}  // namespace

namespace {

// Text recorded before adledger refused bidirectional controls, or written
// behind its back, is shown with each control as a visible mark in every
// format people read, so "RT" cannot display as another name.
TEST(RenderBidi, EveryFormatShowsTheControlsAsMarks) {
  using namespace ledger::render;
  Document doc;
  doc.title = "Advertiser \xE2\x80\xAEtr";
  doc.facts.push_back({"name", "a\xE2\x81\xA6" "b"});
  Section s;
  s.title = "Spend";
  Table t;
  t.id = "spend";
  t.columns.push_back(Column{"name", Align::Left});
  t.rows.push_back({text_cell("x\xE2\x80\xAEy")});
  s.table = t;
  doc.sections.push_back(s);
  for (const std::string& out : {render_text(doc), render_markdown(doc), render_html(doc), render_csv(doc, std::nullopt)}) {
    EXPECT_EQ(out.find("\xE2\x80\xAE"), std::string::npos) << out;
    EXPECT_EQ(out.find("\xE2\x81\xA6"), std::string::npos) << out;
    EXPECT_NE(out.find("[U+202E]"), std::string::npos) << out;
  }
}

}  // namespace

// A bar that holds a share of a longer period's figure is hatched in its
// series' colour, and the legend says so; a chart with none has no pattern.
TEST(RenderHtml, ProRataBarsAreHatchedAndTheLegendSaysSo) {
  auto page_with = [](std::vector<bool> pro_rata) {
    Document doc;
    doc.title = "t";
    Section s;
    s.title = "Spend by quarter";
    BarChart chart;
    chart.title = "spend";
    chart.currency = ledger::Currency::from_code("USD");
    chart.category_label = "quarter";
    chart.categories = {"2016-Q1", "2016-Q2"};
    chart.series = {{"twitter", {100, 200}, std::move(pro_rata)}};
    s.charts.push_back(chart);
    doc.sections.push_back(s);
    return render_html(doc);
  };
  std::string split = page_with({true, false});
  EXPECT_EQ(count_of(split, "class=\"bar pro-rata\""), 1u) << split;
  EXPECT_EQ(count_of(split, "class=\"bar\""), 1u);
  EXPECT_NE(split.find("<pattern id=\"chart-1-hatch-0\""), std::string::npos);
  EXPECT_NE(split.find("fill=\"url(#chart-1-hatch-0)\""), std::string::npos);
  EXPECT_NE(split.find("hatched: pro rata by days"), std::string::npos);
  std::string measured = page_with({});
  EXPECT_EQ(measured.find("<pattern"), std::string::npos);
  EXPECT_EQ(measured.find("pro-rata"), std::string::npos);
  EXPECT_EQ(count_of(measured, "class=\"bar\""), 2u);
}

// Two actions days apart on one platform would be drawn over each other on
// a timeline of years: the second goes on a row of its own, and each shows
// its tag where there is room.
TEST(RenderHtml, TimelineMarksThatWouldOverlapGoOnRowsOfTheirOwn) {
  Document doc;
  doc.title = "t";
  Section s;
  s.title = "Timeline";
  Timeline timeline;
  timeline.events = {{adledger_test::date("2017-09-14"), std::nullopt, false, "facebook", "first", "disclosure"},
                     {adledger_test::date("2017-09-22"), std::nullopt, false, "facebook", "second", "suspension"},
                     {adledger_test::date("2021-01-01"), std::nullopt, false, "facebook", "later", "disclosure"}};
  timeline.axis_end = adledger_test::date("2026-11-22");
  s.timeline = timeline;
  doc.sections.push_back(s);
  const std::string html = render_html(doc);
  auto attribute_values = [&](const std::string& name) {
    std::vector<std::string> out;
    for (std::size_t at = html.find("<circle"); at != std::string::npos; at = html.find("<circle", at + 1)) {
      std::size_t v = html.find(name + "=\"", at) + name.size() + 2;
      out.push_back(html.substr(v, html.find('"', v) - v));
    }
    return out;
  };
  const std::vector<std::string> cy = attribute_values("cy");
  ASSERT_EQ(cy.size(), 3u) << html;
  EXPECT_NE(cy[0], cy[1]);  // days apart: two rows
  EXPECT_EQ(cy[0], cy[2]);  // years later: back on the first row
  EXPECT_EQ(count_of(html, "<text class=\"tag\""), 3u);
}

// A link column: HTML makes each web address a link, escaped as an
// attribute and as text; an empty cell is no link. An optional column that
// is empty in every row is left out for people and kept in CSV.
TEST(RenderHtml, AddressesBecomeEscapedLinksAndEmptyOptionalColumnsAreLeftOut) {
  Column url = column("url");
  url.link = true;
  url.optional = true;
  Column quote = column("quote");
  quote.optional = true;
  Document doc;
  doc.title = "t";
  doc.sections.push_back(section("Sources", table("sources", {column("source"), url, quote},
                                                  {{text_cell("a"), text_cell("https://example.org/?a=1&b=\"<x>"),
                                                    text_cell("")},
                                                   {text_cell("b"), text_cell(""), text_cell("")},
                                                   {text_cell("c"), text_cell("javascript:alert(1)"), text_cell("")}})));
  const std::string html = render_html(doc);
  EXPECT_NE(html.find("<td class=\"nw\"><a href=\"https://example.org/?a=1&amp;b=&quot;&lt;x&gt;\" rel=\"nofollow noopener "
                      "noreferrer\">https://example.org/?a=1&amp;b=&quot;&lt;x&gt;</a></td>"),
            std::string::npos)
      << html;
  EXPECT_EQ(count_of(html, "<a href="), 1u);  // not the empty cell, nor one a damaged ledger could hold
  EXPECT_NE(html.find("<td class=\"nw\">javascript:alert(1)</td>"), std::string::npos);
  EXPECT_EQ(html.find("<th>quote</th>"), std::string::npos);
  EXPECT_EQ(render_markdown(doc).find("quote"), std::string::npos);
  EXPECT_EQ(render_csv(doc, std::nullopt),
            "source,url,quote\r\na,\"https://example.org/?a=1&b=\"\"<x>\",\r\nb,,\r\nc,javascript:alert(1),\r\n");
  // With a quotation in one row, the column is shown.
  doc.sections[0].table->rows[1][2] = text_cell("said so");
  EXPECT_NE(render_html(doc).find("<th>quote</th>"), std::string::npos);
}
