// A report as a document: what it says, independent of how it is printed.
//
// Every report (report advertiser, platform, policies, pledges, register,
// balance) is built once as a Document, and each output format renders the
// same Document, so that a table, a Markdown page, a CSV file and an HTML
// page can never disagree about a figure. JSON is the exception: it is built
// from the report structures themselves (io/json_output.hpp), with stable
// field names and exact amounts.
//
// A cell carries two spellings: `text`, for people (`274,100.00`), and
// `plain`, for machines (`274100.00`), which CSV writes. Recorded text is
// kept as it was recorded; each renderer escapes it for its format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/money/currency.hpp"
#include "ledger/time/period.hpp"

namespace ledger::render {

enum class Align { Left, Right };

struct Cell {
  std::string text;
  std::string plain;  // empty: the same as text
  const std::string& machine() const { return plain.empty() ? text : plain; }
};

Cell text_cell(std::string text);
Cell money_cell(std::int64_t minor, const Currency& currency);  // "274,100.00" / "274100.00"
Cell count_cell(std::int64_t count);                            // "1,823" / "1823"

struct Column {
  std::string name;
  Align align = Align::Left;
  bool wrap = false;   // free text that the terminal table may wrap
  bool below = false;  // long text: the terminal prints it under its row, as "name: text"
  bool csv_only = false;  // for machines: people see the same thing another way (a `*` mark)
  bool link = false;  // web addresses (checked http or https when recorded): HTML makes each a link
  bool optional = false;  // people see it only when a row has something in it; machines (CSV) always
};

struct Table {
  std::string id;  // names the table for `--format csv --table ID`
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
};

// A bar chart of amounts in one currency: one group of bars per category
// (a period), one bar per series (a platform or an advertiser).
struct BarChart {
  std::string title;
  Currency currency;
  std::string category_label;  // the x axis: "quarter"
  std::vector<std::string> categories;
  struct Series {
    std::string name;
    std::vector<std::int64_t> values;  // minor units, one per category
    // Per category: the value holds a share of a longer period's figure,
    // split pro rata by days, not a figure measured for that category
    // alone. Drawn hatched. Empty: none is.
    std::vector<bool> pro_rata = {};
  };
  std::vector<Series> series;
};

// Policy actions on a time axis, one lane per platform.
struct Timeline {
  struct Event {
    Date date;
    std::optional<Date> end;  // a ban's first free day; bans without one run to the axis end
    bool ban = false;         // drawn as a bar rather than a mark
    std::string lane;
    std::string label;     // the whole of it, shown on hover
    std::string tag = {};  // a few words shown beside the mark, where there is room
  };
  // Marks that would overlap in a lane are drawn on rows of their own
  // within it.
  std::vector<Event> events;
  Date axis_end;  // the report's day (a ban still in force reaches it)
};

// A file the reader can take away with the report (HTML offers it as a
// download link; the other formats say how to get it in the lines).
struct Attachment {
  std::string file_name;   // proofs.json
  std::string media_type;  // application/json
  std::string content;
  std::string label;       // the link's text
};

struct Section {
  std::string title;
  std::vector<std::string> lines;  // paragraphs before the table
  std::optional<Table> table;
  std::string empty = "none recorded";  // said when the table has no rows
  std::vector<std::string> notes;       // footnotes after the table
  std::vector<BarChart> charts;         // drawn in HTML only
  std::optional<Timeline> timeline;     // drawn in HTML only
  std::optional<Attachment> attachment;  // offered in HTML only
};

struct Document {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;  // "country" -> "RU"
  std::vector<Section> sections;
  // What a published page ends with: the ledger's head it was built from,
  // the moment it read the ledger as of, when it was made (HTML only).
  std::vector<std::string> colophon;
};

// The renderers. Each writes the whole document; render_csv writes one
// table, the one named `table_id` or else the document's first, and throws
// an input error naming the tables there are when there is no such table;
// `table_id` kAllTables writes every table, each after a line
// `# table: ID`, with a blank line between two.
inline constexpr const char* kAllTables = "all";
std::string render_text(const Document& doc, std::size_t width = 80);
std::string render_markdown(const Document& doc);
std::string render_csv(const Document& doc, const std::optional<std::string>& table_id);
// The ids of the document's tables, in order (what `--table` takes).
std::vector<std::string> table_ids(const Document& doc);
std::string render_html(const Document& doc);

// A page of the website (adledger serve): the reports' style, a navigation
// bar and a footer around markup the caller has built and escaped.
struct HtmlPage {
  std::string title;  // text
  std::string nav_html;
  std::string main_html;
  std::string footer_html;
};
std::string render_html_page(const HtmlPage& page);
// A document's heading, facts and sections: what render_html puts in <main>.
std::string render_html_main(const Document& doc);
// The stylesheet render_html_page puts inline, which a Content-Security-
// Policy allows by its hash.
std::string html_page_style();

// The table without its csv_only columns, nor its optional ones that are
// empty in every row: what people see.
Table for_people(const Table& table);

// Exposed for tests.
std::string csv_field(const std::string& cell);  // RFC 4180 quoting, formula neutralised
std::string html_escape(const std::string& text);
std::string markdown_escape(const std::string& text);

}  // namespace ledger::render
