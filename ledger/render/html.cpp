// HTML: one self-contained page. No script, no network: styles are inline,
// charts are inline SVG, and a Content-Security-Policy forbids fetching
// anything, so the page reads the same offline, archived or attached to an
// email. Every piece of text is escaped; recorded text never becomes markup.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

#include "ledger/audit/checkpoint.hpp"
#include "ledger/money/money.hpp"
#include "ledger/error.hpp"
#include "ledger/render/document.hpp"

namespace ledger::render {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// Okabe and Ito's palette: distinguishable with the common colour-vision
// deficiencies.
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                    "#CC79A7", "#56B4E9", "#F0E442", "#000000"};
constexpr std::size_t kPaletteSize = sizeof kPalette / sizeof kPalette[0];

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1b1b1b;background:#fff}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .75rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
div.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#f2f2f2}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.nw{white-space:nowrap}
p.note{font-size:.85rem;color:#444}
p.empty{font-style:italic;color:#444}
figure{margin:1rem 0}
figcaption{font-size:.9rem;color:#444}
svg text{font-family:inherit;font-size:12px;fill:#1b1b1b}
svg .axis{stroke:#1b1b1b;stroke-width:1}
svg .grid{stroke:#ddd;stroke-width:1}
svg .ban{fill:#D55E00;fill-opacity:.35;stroke:#D55E00}
svg text.tag{font-size:11px}
footer{max-width:72rem;margin:0 auto;padding:0 1.5rem 1.5rem;font-size:.8rem;color:#555}
)";

std::string num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

std::int64_t pow10(int n) {
  std::int64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

// A "nice" tick step (1, 2 or 5 times a power of ten) giving at most five
// steps up to `max`.
std::int64_t nice_step(std::int64_t max) {
  std::int64_t step = 1;
  while (true) {
    for (std::int64_t m : {1, 2, 5}) {
      if (step > INT64_MAX / 5 / m) return step * m;
      if (max <= step * m * 5) return step * m;
    }
    step *= 10;
  }
}

std::string bar_chart(const BarChart& chart, std::size_t index) {
  const double width = 720, height = 340, left = 96, right = 16, top = 16, bottom = 56;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  const std::size_t ncat = chart.categories.size();
  const std::size_t nser = chart.series.size();
  std::int64_t max = 0;
  for (const auto& s : chart.series)
    for (auto v : s.values) max = std::max(max, v);
  std::int64_t step = nice_step(std::max<std::int64_t>(max, 1));
  std::int64_t steps = max / step + (max % step != 0);  // no overflow near INT64_MAX
  if (steps == 0) steps = 1;
  double axis_max = static_cast<double>(step) * static_cast<double>(steps);
  const int decimals = chart.currency.decimals();
  bool whole = step % pow10(decimals) == 0;
  auto tick_label = [&](std::int64_t minor) {
    if (whole) return format_count(minor / pow10(decimals), Grouping::Thousands);
    return format_minor(minor, decimals, Grouping::Thousands);
  };

  std::string id = "chart-" + std::to_string(index);
  std::string out = "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"" + id +
                    "\" role=\"img\" aria-labelledby=\"" + id + "-title\" viewBox=\"0 0 " + num(width) + " " +
                    num(height) + "\" width=\"" + num(width) + "\" height=\"" + num(height) + "\">\n";
  out += "<title id=\"" + id + "-title\">" + html_escape(chart.title) + "</title>\n";
  // A bar that holds a share of a longer period's figure, split pro rata by
  // days, is hatched in its series' colour: it was not measured for its
  // category alone.
  auto pro_rata = [&](std::size_t s, std::size_t c) {
    const auto& flags = chart.series[s].pro_rata;
    return c < flags.size() && flags[c];
  };
  bool any_pro_rata = false;
  for (std::size_t s = 0; s < nser; ++s)
    for (std::size_t c = 0; c < ncat; ++c) any_pro_rata = any_pro_rata || pro_rata(s, c);
  auto hatch_id = [&](std::size_t s) { return id + "-hatch-" + std::to_string(s % kPaletteSize); };
  if (any_pro_rata) {
    out += "<defs>";
    for (std::size_t s = 0; s < std::min(nser, kPaletteSize); ++s)
      out += std::string("<pattern id=\"") + hatch_id(s) +
             "\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">"
             "<rect width=\"6\" height=\"6\" fill=\"" + kPalette[s] + "\" fill-opacity=\"0.3\"/>"
             "<rect width=\"3\" height=\"6\" fill=\"" + kPalette[s] + "\"/></pattern>";
    out += "</defs>\n";
  }
  // Grid and y ticks.
  for (std::int64_t k = 0; k <= steps; ++k) {
    if (k > 0 && step > INT64_MAX / k) break;  // a tick past the int64 range: amounts cannot reach it
    double y = top + plot_h - plot_h * static_cast<double>(k) / static_cast<double>(steps);
    out += "<line class=\"grid\" x1=\"" + num(left) + "\" x2=\"" + num(left + plot_w) + "\" y1=\"" + num(y) +
           "\" y2=\"" + num(y) + "\"/>";
    out += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
           html_escape(tick_label(step * k)) + "</text>\n";
  }
  // Bars.
  double group_w = ncat ? plot_w / static_cast<double>(ncat) : plot_w;
  double bar_w = nser ? group_w * 0.8 / static_cast<double>(nser) : 0;
  for (std::size_t c = 0; c < ncat; ++c) {
    for (std::size_t s = 0; s < nser; ++s) {
      std::int64_t v = c < chart.series[s].values.size() ? chart.series[s].values[c] : 0;
      double h = plot_h * static_cast<double>(std::max<std::int64_t>(v, 0)) / axis_max;
      double x = left + group_w * static_cast<double>(c) + group_w * 0.1 + bar_w * static_cast<double>(s);
      const bool split = pro_rata(s, c);
      out += std::string("<rect class=\"bar") + (split ? " pro-rata" : "") + "\" x=\"" + num(x) + "\" y=\"" +
             num(top + plot_h - h) + "\" width=\"" + num(std::max(bar_w - 1, 1.0)) + "\" height=\"" + num(h) +
             "\" fill=\"" + (split ? "url(#" + hatch_id(s) + ")" : std::string(kPalette[s % kPaletteSize])) +
             (split ? "\" stroke=\"" + std::string(kPalette[s % kPaletteSize]) : std::string()) + "\"><title>" +
             html_escape(chart.categories[c]) + ", " + html_escape(chart.series[s].name) + ": " +
             html_escape(format_minor(v, decimals, Grouping::Thousands) + " " + chart.currency.code()) +
             (split ? " (a share of a longer period's figure, pro rata by days)" : "") + "</title></rect>\n";
    }
  }
  // X labels: at most 12, evenly spaced.
  std::size_t every = ncat > 12 ? (ncat + 11) / 12 : 1;
  for (std::size_t c = 0; c < ncat; c += every) {
    double x = left + group_w * (static_cast<double>(c) + 0.5);
    out += "<text x=\"" + num(x) + "\" y=\"" + num(top + plot_h + 16) + "\" text-anchor=\"middle\">" +
           html_escape(chart.categories[c]) + "</text>\n";
  }
  // Axes and their labels.
  out += "<line class=\"axis\" x1=\"" + num(left) + "\" x2=\"" + num(left) + "\" y1=\"" + num(top) + "\" y2=\"" +
         num(top + plot_h) + "\"/>";
  out += "<line class=\"axis\" x1=\"" + num(left) + "\" x2=\"" + num(left + plot_w) + "\" y1=\"" + num(top + plot_h) +
         "\" y2=\"" + num(top + plot_h) + "\"/>\n";
  out += "<text class=\"axis-label\" x=\"" + num(left + plot_w / 2) + "\" y=\"" + num(height - 24) +
         "\" text-anchor=\"middle\">" + html_escape(chart.category_label) + "</text>\n";
  out += "<text class=\"axis-label\" transform=\"translate(14 " + num(top + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">amount (" + html_escape(chart.currency.code()) + ")</text>\n";
  // Legend, along the bottom.
  double lx = left;
  for (std::size_t s = 0; s < nser; ++s) {
    out += "<g class=\"legend\"><rect x=\"" + num(lx) + "\" y=\"" + num(height - 12) +
           "\" width=\"10\" height=\"10\" fill=\"" + kPalette[s % kPaletteSize] + "\"/><text x=\"" + num(lx + 14) +
           "\" y=\"" + num(height - 3) + "\">" + html_escape(chart.series[s].name) + "</text></g>\n";
    lx += 28 + 7.0 * static_cast<double>(chart.series[s].name.size());
  }
  if (any_pro_rata)
    out += "<g class=\"legend pro-rata\"><rect x=\"" + num(lx) + "\" y=\"" + num(height - 12) +
           "\" width=\"10\" height=\"10\" fill=\"url(#" + hatch_id(0) + ")\" stroke=\"" + kPalette[0] +
           "\"/><text x=\"" + num(lx + 14) + "\" y=\"" + num(height - 3) +
           "\">hatched: pro rata by days</text></g>\n";
  out += "</svg>\n<figcaption>" + html_escape(chart.title) + "</figcaption>\n</figure>\n";
  return out;
}

// Where each mark of a timeline goes: its lane, its row within the lane
// (marks that would overlap go on rows of their own), its extent, and
// whether its tag is drawn (when the row has room for it).
struct Placed {
  std::size_t lane = 0;
  std::size_t row = 0;
  double x = 0, x2 = 0;  // the mark: a dot at x, or a bar from x to x2
  bool tagged = false;
};

constexpr double kTagCharWidth = 6.5;  // px per character of 11 px text, generously

std::vector<Placed> place_marks(const Timeline& t, const std::vector<std::string>& lanes,
                                const std::function<double(const Date&)>& x_of, double right_edge,
                                std::vector<std::size_t>& rows_of_lane) {
  std::vector<Placed> placed(t.events.size());
  std::vector<std::size_t> order(t.events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return t.events[a].date < t.events[b].date; });
  rows_of_lane.assign(lanes.size(), 1);
  std::vector<std::vector<double>> row_ends(lanes.size());  // where each row is free from
  for (std::size_t i : order) {
    const Timeline::Event& e = t.events[i];
    Placed& p = placed[i];
    p.lane = static_cast<std::size_t>(std::find(lanes.begin(), lanes.end(), e.lane) - lanes.begin());
    p.x = x_of(e.date);
    p.x2 = e.ban ? std::max(x_of(e.end ? *e.end : std::max(t.axis_end, e.date)), p.x + 2) : p.x;
    const double tag_w = kTagCharWidth * static_cast<double>(e.tag.size());
    // A dot's tag goes after it; a bar's inside it, when it fits.
    double start = e.ban ? p.x : p.x - 6;
    double end = e.ban ? p.x2 : p.x + 6;
    p.tagged = !e.tag.empty() && (e.ban ? p.x2 - p.x >= tag_w + 8 : p.x + 8 + tag_w <= right_edge);
    if (p.tagged && !e.ban) end = p.x + 8 + tag_w;
    auto& ends = row_ends[p.lane];
    std::size_t row = 0;
    while (row < ends.size() && ends[row] + 2 > start) ++row;
    if (row == ends.size()) ends.push_back(end);
    else ends[row] = end;
    p.row = row;
    rows_of_lane[p.lane] = std::max(rows_of_lane[p.lane], row + 1);
  }
  return placed;
}

std::string timeline_svg(const Timeline& t, std::size_t index) {
  if (t.events.empty()) return "";
  std::vector<std::string> lanes;
  Date first = t.events.front().date, last = t.axis_end;
  for (const auto& e : t.events) {
    if (std::find(lanes.begin(), lanes.end(), e.lane) == lanes.end()) lanes.push_back(e.lane);
    first = std::min(first, e.date);
    last = std::max(last, e.end ? *e.end : e.date);
  }
  // Whole years, so that the axis starts and ends on a labelled tick.
  Date axis_first(first.year(), 1, 1);
  Date axis_last(static_cast<unsigned short>(std::min(9999, last.year() + 1)), 1, 1);
  if (last.year() == 9999) axis_last = Date(9999, 12, 31);
  const double span = static_cast<double>((axis_last - axis_first).days());
  const double width = 720, left = 110, right = 16, top = 12, row_h = 24, lane_pad = 6;
  const double plot_w = width - left - right;
  auto x_of = [&](const Date& d) { return left + plot_w * static_cast<double>((d - axis_first).days()) / span; };
  std::vector<std::size_t> rows_of_lane;
  const std::vector<Placed> placed = place_marks(t, lanes, x_of, left + plot_w, rows_of_lane);
  // Each lane as tall as its rows; lane_top[i] is where lane i starts.
  std::vector<double> lane_top(lanes.size() + 1, top);
  for (std::size_t i = 0; i < lanes.size(); ++i)
    lane_top[i + 1] = lane_top[i] + row_h * static_cast<double>(rows_of_lane[i]) + 2 * lane_pad;
  const double axis_y = lane_top.back();
  const double height = axis_y + 32;

  std::string id = "timeline-" + std::to_string(index);
  std::string out = "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" id=\"" + id +
                    "\" role=\"img\" aria-labelledby=\"" + id + "-title\" viewBox=\"0 0 " + num(width) + " " +
                    num(height) + "\" width=\"" + num(width) + "\" height=\"" + num(height) + "\">\n";
  out += "<title id=\"" + id + "-title\">Policy actions over time, one row per platform</title>\n";
  int years = axis_last.year() - axis_first.year();
  int every = years > 40 ? 10 : years > 15 ? 5 : years > 8 ? 2 : 1;
  for (int y = axis_first.year(); y <= axis_last.year(); y += every) {
    double x = x_of(Date(static_cast<unsigned short>(y), 1, 1));
    out += "<line class=\"grid\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(top) + "\" y2=\"" +
           num(axis_y) + "\"/><text x=\"" + num(x) + "\" y=\"" + num(axis_y + 16) + "\" text-anchor=\"middle\">" +
           std::to_string(y) + "</text>\n";
  }
  out += "<line class=\"axis\" x1=\"" + num(left) + "\" x2=\"" + num(left + plot_w) + "\" y1=\"" + num(axis_y) +
         "\" y2=\"" + num(axis_y) + "\"/>\n";
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    double y = (lane_top[i] + lane_top[i + 1]) / 2;
    out += "<text x=\"" + num(left - 8) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" + html_escape(lanes[i]) +
           "</text>\n";
  }
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Timeline::Event& e = t.events[i];
    const Placed& p = placed[i];
    double y = lane_top[p.lane] + lane_pad + row_h * (static_cast<double>(p.row) + 0.5);
    std::string title = "<title>" + html_escape(format_date(e.date) + " " + e.label) + "</title>";
    if (e.ban) {
      out += "<rect class=\"ban\" x=\"" + num(p.x) + "\" y=\"" + num(y - 8) + "\" width=\"" + num(p.x2 - p.x) +
             "\" height=\"16\">" + title + "</rect>\n";
      if (p.tagged)
        out += "<text class=\"tag\" x=\"" + num(p.x + 4) + "\" y=\"" + num(y + 4) + "\">" + html_escape(e.tag) +
               "</text>\n";
    } else {
      out += "<circle class=\"event\" cx=\"" + num(p.x) + "\" cy=\"" + num(y) + "\" r=\"5\" fill=\"#0072B2\">" +
             title + "</circle>\n";
      if (p.tagged)
        out += "<text class=\"tag\" x=\"" + num(p.x + 8) + "\" y=\"" + num(y + 4) + "\">" + html_escape(e.tag) +
               "</text>\n";
    }
  }
  out += "</svg>\n<figcaption>Bans are bars from their effective date to their end (or to " +
         html_escape(format_date(t.axis_end)) + " while in force); other actions are dots. Marks that would "
         "overlap are drawn on rows of their own; hover over one for what it is.</figcaption>\n</figure>\n";
  return out;
}

// Whether `text` is a web address: a link column's cells are links only
// then, whatever a damaged ledger holds (the ledger refuses any other
// address when it is recorded).
bool web_address(std::string_view text) {
  auto starts = [&](std::string_view scheme) {
    if (text.size() <= scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(text[i])) != scheme[i]) return false;
    return true;
  };
  return starts("http://") || starts("https://");
}

std::string html_table(const Table& t) {
  std::string out = "<div class=\"scroll\"><table id=\"table-" + html_escape(t.id) + "\">\n<thead><tr>";
  for (const auto& c : t.columns)
    out += std::string(c.align == Align::Right ? "<th class=\"num\">" : "<th>") + html_escape(c.name) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      bool right = i < t.columns.size() && t.columns[i].align == Align::Right;
      bool nowrap = i < t.columns.size() && !t.columns[i].wrap;
      const std::string text = html_escape(row[i].text);
      const bool link = i < t.columns.size() && t.columns[i].link && web_address(row[i].text);
      out += std::string(right ? "<td class=\"num\">" : nowrap ? "<td class=\"nw\">" : "<td>") +
             (link ? "<a href=\"" + text + "\" rel=\"nofollow noopener noreferrer\">" + text + "</a>" : text) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table></div>\n";
}

}  // namespace

namespace {

// What the website's pages add to the report's style: a navigation bar and
// forms.
constexpr const char* kPageStyle = R"(
nav{max-width:72rem;margin:0 auto;padding:.75rem 1.5rem 0;font-size:.95rem}
nav a{margin-right:1rem}
form{margin:.5rem 0 1rem}
form label{margin-right:.75rem}
input{font:inherit;padding:.15rem .3rem}
p.answer{font-size:1.1rem;font-weight:600}
)";

std::string page_head(const std::string& title, const std::string& style) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html_escape(title) + "</title>\n<style>" + style + "</style>\n</head>\n<body>\n";
}

std::string render_html_unneutralised(const Document& doc) {
  std::string footer = "Made with adledger. Every figure is traceable to the ledger's entries and the sources "
                       "listed above.";
  for (const auto& line : doc.colophon) footer += "<br>\n" + html_escape(line);
  return page_head(doc.title, kStyle) + "<main>\n" + render_html_main(doc) + "</main>\n<footer>" + footer +
         "</footer>\n</body>\n</html>\n";
}

}  // namespace

std::string render_html_main(const Document& doc) {
  std::string out = "<h1>" + html_escape(doc.title) + "</h1>\n";
  if (!doc.facts.empty()) {
    out += "<dl class=\"facts\">\n";
    for (const auto& [key, value] : doc.facts)
      out += "<dt>" + html_escape(key) + "</dt><dd>" + html_escape(value) + "</dd>\n";
    out += "</dl>\n";
  }
  std::size_t charts = 0, timelines = 0;
  for (std::size_t i = 0; i < doc.sections.size(); ++i) {
    const Section& s = doc.sections[i];
    out += "<section id=\"section-" + std::to_string(i + 1) + "\">\n<h2>" + html_escape(s.title) + "</h2>\n";
    for (const auto& line : s.lines) out += "<p>" + html_escape(line) + "</p>\n";
    for (const auto& chart : s.charts) out += bar_chart(chart, ++charts);
    if (s.timeline) out += timeline_svg(*s.timeline, ++timelines);
    if (s.table && !s.table->rows.empty()) out += html_table(for_people(*s.table));
    else if (s.table || s.lines.empty()) out += "<p class=\"empty\">" + html_escape(s.empty) + "</p>\n";
    for (const auto& note : s.notes) out += "<p class=\"note\">" + html_escape(note) + "</p>\n";
    if (s.attachment)
      out += "<p><a download=\"" + html_escape(s.attachment->file_name) + "\" href=\"data:" +
             html_escape(s.attachment->media_type) + ";base64," + base64_encode(s.attachment->content) + "\">" +
             html_escape(s.attachment->label) + "</a></p>\n";
    out += "</section>\n";
  }
  return out;
}

std::string html_page_style() { return std::string(kStyle) + kPageStyle; }

std::string render_html_page(const HtmlPage& page) {
  return neutralise_bidi(page_head(page.title, html_page_style()) + "<nav>" + page.nav_html + "</nav>\n<main>\n" +
                         page.main_html + "</main>\n<footer>" + page.footer_html + "</footer>\n</body>\n</html>\n");
}

// Recorded text is printed as it was recorded, except the bidirectional
// controls, which are shown as marks: they could make a name read as
// another.
std::string render_html(const Document& doc) {
  return neutralise_bidi(render_html_unneutralised(doc));
}

}  // namespace ledger::render
