#include "ledger/report/documents.hpp"

#include <algorithm>
#include <map>

namespace ledger {
namespace {

using render::Align;
using render::Cell;
using render::Column;
using render::Document;
using render::Section;
using render::Table;
using render::count_cell;
using render::money_cell;
using render::text_cell;

constexpr const char* kProRataNote =
    "* pro rata: part of an entry, split by days (largest remainder, exact to the minor unit)";
constexpr const char* kPeriodNote =
    "Period figures are pro rata: each entry is split over the days it covers, in whole minor units, by the "
    "largest-remainder rule, so the rows add up exactly to the entries (to their share of the range, when "
    "--from or --to cuts them). A period cut by the range is named by its whole bucket.";

Column left(std::string name) { return Column{std::move(name), Align::Left, false}; }
Column right(std::string name) { return Column{std::move(name), Align::Right, false}; }
Column wrapping(std::string name) { return Column{std::move(name), Align::Left, true}; }
Column below(std::string name) { return Column{std::move(name), Align::Left, true, true}; }
Column csv_only(std::string name) { return Column{std::move(name), Align::Left, false, false, true}; }

std::string entry_refs(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "#" : " #") + std::to_string(id);
  return out.empty() ? "-" : out;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}


// An item count where some entries have none is a lower bound, "1,823+";
// where none has one it is unknown, "-"; one given as approximate or
// estimated is marked "~2,200". CSV writes the number alone, and says
// whether it is complete and how exact it is in columns of their own.
Cell items_cell(std::int64_t items, bool complete, Precision precision) {
  if (!complete && items == 0) return Cell{"-", "-"};
  Cell c = count_cell(items);
  if (!complete) c.text += "+";
  if (precision != Precision::Exact) c.text.insert(0, "~");
  return c;
}

constexpr const char* kItemsPrecisionNote =
    "~ marks an item count the source gives as approximate or estimated (items precision in CSV and JSON).";

// An amount marked `*` when it holds a pro rata part (the mark is text
// only: CSV has a pro_rata column instead).
Cell amount_cell(std::int64_t minor, const Currency& currency, bool pro_rata) {
  Cell c = money_cell(minor, currency);
  if (pro_rata) c.text += "*";
  return c;
}

std::string money_text(std::int64_t minor, const Currency& currency) {
  return format_minor(minor, currency.decimals(), Grouping::Thousands) + " " + currency.code();
}

std::string str(Precision p) { return std::string(to_string(p)); }

// A range's bounds, for people and for machines: the lower bound is the
// amount (what the journal posts), the upper one a column of its own.
Cell lower_cell(std::int64_t minor, const Currency& currency, bool pro_rata) {
  Cell c = amount_cell(minor, currency, pro_rata);
  c.text = "at least " + c.text;
  return c;
}
Cell upper_cell(std::int64_t minor, bool open, const Currency& currency, bool pro_rata) {
  if (open) return Cell{"no upper bound", "open"};
  return amount_cell(minor, currency, pro_rata);  // in the "at most" column
}

// A figure in a sentence: "274,100.00 USD exact", or for a range "at least
// 5,000.00 USD, at most 9,999.00 USD (range)".
std::string figure_text(std::int64_t minor, const Currency& currency, Precision precision, std::int64_t upper_minor,
                        bool upper_open) {
  if (precision != Precision::Range) return money_text(minor, currency) + " " + str(precision);
  return "at least " + money_text(minor, currency) +
         (upper_open ? ", with no upper bound" : ", at most " + money_text(upper_minor, currency)) + " (range)";
}

constexpr const char* kRangeNote =
    "A range is spend given by its bounds, as ad libraries publish it: at least the lower bound, which is what the "
    "journal posts, and at most the upper bound, if there is one. Ranges are never added to other figures.";
std::string str(PolicyKind k) { return std::string(to_string(k)); }
std::string yes_no(bool b) { return b ? "yes" : "no"; }

// A table of spend figures: `group_name` heads the group column (none for
// by-precision tables), and period tables lead with the period.
Section figures_section(std::string title, std::string id, const std::vector<SpendFigure>& figures,
                        const char* group_name, bool with_period) {
  Section s;
  s.title = std::move(title);
  Table t;
  t.id = std::move(id);
  if (with_period) t.columns.push_back(left("period"));
  if (group_name) t.columns.push_back(left(group_name));
  const bool ranges = std::any_of(figures.begin(), figures.end(),
                                  [](const SpendFigure& f) { return f.precision == Precision::Range; });
  t.columns.push_back(left("currency"));
  t.columns.push_back(right("amount"));
  if (ranges) t.columns.push_back(right("at most"));
  for (Column c : {right("items"), csv_only("items complete"), csv_only("items precision"), left("precision"),
                   csv_only("pro rata"), left("entries")})
    t.columns.push_back(c);
  bool any_pro_rata = false, any_inexact_items = false;
  for (const SpendFigure& f : figures) {
    std::vector<Cell> row;
    if (with_period) row.push_back(text_cell(f.bucket ? f.bucket->to_string() : ""));
    if (group_name) row.push_back(text_cell(f.group));
    row.push_back(text_cell(f.currency.code()));
    const bool range = f.precision == Precision::Range;
    row.push_back(range ? lower_cell(f.amount_minor, f.currency, f.pro_rata)
                        : amount_cell(f.amount_minor, f.currency, f.pro_rata));
    if (ranges) row.push_back(range ? upper_cell(f.upper_minor, f.upper_open, f.currency, f.pro_rata) : text_cell("-"));
    row.push_back(items_cell(f.items, f.items_complete, f.items_precision));
    row.push_back(text_cell(yes_no(f.items_complete)));
    row.push_back(text_cell(str(f.items_precision)));
    any_inexact_items = any_inexact_items || f.items_precision != Precision::Exact;
    row.push_back(text_cell(str(f.precision)));
    row.push_back(text_cell(yes_no(f.pro_rata)));
    row.push_back(text_cell(entry_refs(f.entry_ids)));
    t.rows.push_back(std::move(row));
    any_pro_rata = any_pro_rata || f.pro_rata;
  }
  // The pro rata column is for CSV; people see amounts marked `*` instead.
  s.table = std::move(t);
  if (any_pro_rata) s.notes.push_back(kProRataNote);
  if (ranges) s.notes.push_back(kRangeNote);
  if (any_inexact_items) s.notes.push_back(kItemsPrecisionNote);
  return s;
}

// Drops a column that a report does not need (the advertiser column in an
// advertiser's own report).
void drop_column(Table& t, const std::string& name) {
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].name != name) continue;
    t.columns.erase(t.columns.begin() + static_cast<std::ptrdiff_t>(i));
    for (auto& row : t.rows)
      if (i < row.size()) row.erase(row.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
}

// Bar charts of period figures, one per currency: categories are the
// buckets, series the groups (with the precision when not exact).
std::vector<render::BarChart> period_charts(const std::vector<SpendFigure>& periods, Granularity by,
                                            const std::string& what) {
  std::map<std::string, render::BarChart> charts;
  std::map<std::string, std::vector<Date>> buckets;
  for (const SpendFigure& f : periods) {
    auto& b = buckets[f.currency.code()];
    if (std::find(b.begin(), b.end(), f.bucket->first()) == b.end()) b.push_back(f.bucket->first());
  }
  for (auto& [code, b] : buckets) {
    std::sort(b.begin(), b.end());
    render::BarChart& c = charts[code];
    c.currency = Currency::from_code(code);
    c.title = what + " by " + std::string(to_string(by)) + " (" + code + ", pro rata by days)";
    c.category_label = std::string(to_string(by));
    for (const Date& d : b) c.categories.push_back(bucket_of(d, by).to_string());
  }
  for (const SpendFigure& f : periods) {
    render::BarChart& c = charts[f.currency.code()];
    std::string name = f.group + (f.precision == Precision::Exact ? "" : " (" + str(f.precision) + ")");
    auto it = std::find_if(c.series.begin(), c.series.end(), [&](const auto& s) { return s.name == name; });
    if (it == c.series.end()) {
      c.series.push_back({name, std::vector<std::int64_t>(c.categories.size(), 0),
                          std::vector<bool>(c.categories.size(), false)});
      it = c.series.end() - 1;
    }
    const auto& b = buckets[f.currency.code()];
    auto index = static_cast<std::size_t>(std::find(b.begin(), b.end(), f.bucket->first()) - b.begin());
    it->values[index] = checked_add(it->values[index], f.amount_minor, "chart value");
    if (f.pro_rata) it->pro_rata[index] = true;
  }
  std::vector<render::BarChart> out;
  for (auto& [code, c] : charts) out.push_back(std::move(c));
  return out;
}

// The spend sections that advertiser and platform reports share.
void add_spend_sections(Document& doc, const SpendRollup& spend, const std::optional<Granularity>& by,
                        const std::string& noun, const char* group_name) {
  Section totals = figures_section(noun + " by " + group_name, "totals", spend.by_group, group_name, false);
  if (!by) totals.charts = period_charts(spend.by_period, Granularity::Year, noun);
  doc.sections.push_back(std::move(totals));
  if (by) {
    Section periods = figures_section(noun + " by " + std::string(to_string(*by)), "periods", spend.by_period,
                                      group_name, true);
    periods.lines.push_back(kPeriodNote);
    periods.charts = period_charts(spend.by_period, *by, noun);
    doc.sections.push_back(std::move(periods));
  }
  Section tags = figures_section(noun + " by tag", "tags", spend.by_tag, "tag", false);
  if (!spend.by_tag.empty())
    tags.notes.push_back("An entry with several tags counts under each of them, so these rows can add up to more "
                         "than the total.");
  doc.sections.push_back(std::move(tags));
  Section markets = figures_section(noun + " by market", "markets", spend.by_market, "market", false);
  doc.sections.push_back(std::move(markets));
  Section precision = figures_section(noun + " by precision", "precision", spend.by_precision, nullptr, false);
  precision.notes.insert(precision.notes.begin(),
                         "Exact, approximate and estimated figures are kept apart and never added together.");
  doc.sections.push_back(std::move(precision));
}

// The note under a table that lists a withdrawn record.
std::string withdrawn_note(const std::string& what, const std::string& id, const RecordWithdrawal& w) {
  return "Withdrawn: " + what + " " + id + " was recorded by mistake (" + w.reason + "; source: " + w.source +
         "). It is listed and counts for nothing" +
         (w.txn_id > 0 ? ": transaction " + std::to_string(w.txn_id) + " undoes its postings." : ".");
}

void add_disclosures_section(Document& doc, const std::vector<DisclosureCheck>& checks) {
  Section s;
  s.title = "Disclosed totals beside itemised spend";
  Table t;
  t.id = "disclosures";
  t.columns = {left("disclosure"), left("platform"),           left("advertiser"),
               left("range"),      left("currency"),           right("disclosed"),
               right("itemised"),  right("share"),             left("disclosed precision"),
               left("itemised precision"), csv_only("pro rata"), left("entries")};
  for (const DisclosureCheck& c : checks) {
    const DisclosedTotal& d = c.disclosed;
    const Currency& cur = d.amount.currency();
    auto row = [&](Cell itemised, std::string precision, std::string share, bool pro_rata, std::string entries) {
      t.rows.push_back({text_cell(d.id + (d.withdrawal ? " (withdrawn)" : "")), text_cell(d.platform_id),
                        text_cell(d.advertiser_id),
                        text_cell(d.period.to_string()), text_cell(cur.code()), money_cell(d.amount.minor(), cur),
                        std::move(itemised), text_cell(std::move(share)), text_cell(str(d.precision)),
                        text_cell(std::move(precision)), text_cell(yes_no(pro_rata)), text_cell(std::move(entries))});
    };
    // The headline, in a sentence: what was disclosed, how much of it the
    // ledger itemises.
    if (d.withdrawal) s.notes.push_back(withdrawn_note("disclosed total", d.id, *d.withdrawal));
    std::string line = (d.withdrawal ? "Withdrawn: " : "") + d.platform_id + " disclosed " +
                       money_text(d.amount.minor(), cur) + " (" + str(d.precision) + ") from " + d.advertiser_id +
                       " for " + d.period.to_string() + "; itemised here: ";
    if (c.comparison.itemised.empty()) line += "nothing (0.0%)";
    for (std::size_t k = 0; k < c.comparison.itemised.size(); ++k) {
      const Itemised& i = c.comparison.itemised[k];
      line += std::string(k ? ", " : "") + figure_text(i.amount_minor, cur, i.precision, i.upper_minor, i.upper_open) +
              " (" + share_text(i.amount_minor, d.amount.minor()) + ")";
    }
    s.lines.push_back(line + ".");
    if (c.comparison.itemised.empty()) row(money_cell(0, cur), "-", share_text(0, d.amount.minor()), false, "-");
    for (const Itemised& i : c.comparison.itemised)
      row(i.precision == Precision::Range ? lower_cell(i.amount_minor, cur, i.pro_rata)
                                          : amount_cell(i.amount_minor, cur, i.pro_rata),
          str(i.precision), share_text(i.amount_minor, d.amount.minor()), i.pro_rata, entry_refs(i.entry_ids));
    if (!c.comparison.other_currency.empty())
      s.notes.push_back("Not compared with " + d.id + ", being in another currency: " +
                        entry_refs(c.comparison.other_currency) + ".");
    if (d.note) s.notes.push_back("Note on " + d.id + ": " + *d.note);
  }
  s.table = std::move(t);
  if (!checks.empty()) {
    s.notes.insert(s.notes.begin(),
                   "A disclosed total is a figure the platform published for a whole range, recorded as evidence: "
                   "it is not added to the ledger's money. Itemised is the spend recorded here for the same "
                   "advertiser, platform and range; share is itemised as a part of disclosed.");
    for (const auto& row : s.table->rows)
      if (row[6].text.ends_with("*")) {
        s.notes.push_back(kProRataNote);
        break;
      }
  }
  doc.sections.push_back(std::move(s));
}

std::string action_details(const PolicyAction& a) {
  std::string what = a.description;
  if (a.end_date) what += " (until " + format_date(*a.end_date) + ")";
  if (a.lifts_action_id) what += " (lifts " + *a.lifts_action_id + ")";
  if (a.account_count) what += " (" + format_count(*a.account_count, Grouping::Thousands) + " accounts)";
  if (a.withdrawal)
    what += " [WITHDRAWN as recorded by mistake: " + a.withdrawal->reason + " (source: " + a.withdrawal->source +
            "); it counts for nothing]";
  return what;
}

// Bans end where ban_ends says (their end date, or the lift that ends
// them), so a lifted ban is not drawn as still in force.
render::Timeline timeline_of(const std::vector<PolicyAction>& actions, const Date& axis_end,
                             const std::map<std::string, std::optional<Date>>& ends) {
  render::Timeline t;
  t.axis_end = axis_end;
  for (const PolicyAction& a : actions) {
    std::string label = str(a.kind) + " " + a.id + ": " + a.description + (a.withdrawal ? " (withdrawn)" : "");
    std::optional<Date> end = a.end_date;
    if (auto it = ends.find(a.id); it != ends.end()) end = it->second;
    t.events.push_back(
        render::Timeline::Event{a.date, end, a.kind == PolicyKind::AdBan, a.platform_id, label, str(a.kind)});
  }
  return t;
}

Section actions_section(std::string title, const std::vector<PolicyAction>& actions, const Date& axis_end,
                        const std::map<std::string, std::optional<Date>>& ends, bool with_advertisers) {
  Section s;
  s.title = std::move(title);
  Table t;
  t.id = "actions";
  t.columns = {left("date"), left("platform"), left("kind"), left("id")};
  if (with_advertisers) t.columns.push_back(wrapping("advertisers"));
  t.columns.push_back(below("description"));
  for (const PolicyAction& a : actions) {
    std::vector<Cell> row{text_cell(format_date(a.date)), text_cell(a.platform_id), text_cell(str(a.kind)),
                          text_cell(a.id)};
    if (with_advertisers) row.push_back(text_cell(a.advertiser_ids.empty() ? "-" : join(a.advertiser_ids, ", ")));
    row.push_back(text_cell(action_details(a)));
    t.rows.push_back(std::move(row));
    if (a.note) s.notes.push_back("Note on " + a.id + ": " + *a.note);
  }
  s.table = std::move(t);
  if (!actions.empty()) s.timeline = timeline_of(actions, axis_end, ends);
  return s;
}

Section pledges_section(std::string title, const std::vector<PledgeStatus>& pledges) {
  Section s;
  s.title = std::move(title);
  Table t;
  t.id = "pledges";
  t.columns = {left("pledge"),    left("platform"),    left("date"),  left("currency"), right("pledged"),
               right("disbursed"), right("outstanding"), left("basis"), below("beneficiary")};
  for (const PledgeStatus& p : pledges) {
    const Currency& c = p.pledge.amount.currency();
    std::string basis = p.pledge.basis_advertiser_id.value_or("");
    if (p.pledge.basis_period) basis += (basis.empty() ? "" : " ") + p.pledge.basis_period->to_string();
    t.rows.push_back({text_cell(p.pledge.id + (p.pledge.withdrawal ? " (withdrawn)" : "")),
                      text_cell(p.pledge.platform_id), text_cell(format_date(p.pledge.date)),
                      text_cell(c.code()), money_cell(p.pledge.amount.minor(), c), money_cell(p.disbursed_minor, c),
                      money_cell(p.outstanding_minor, c), text_cell(basis.empty() ? "-" : basis),
                      text_cell(p.pledge.beneficiary)});
    if (p.pledge.note) s.notes.push_back("Note on " + p.pledge.id + ": " + *p.pledge.note);
    if (p.pledge.withdrawal) s.notes.push_back(withdrawn_note("pledge", p.pledge.id, *p.pledge.withdrawal));
    for (const Disbursement& d : p.disbursements)
      if (d.withdrawal) s.notes.push_back(withdrawn_note("disbursement", d.id, *d.withdrawal));
  }
  s.table = std::move(t);
  return s;
}

Section entries_section(const std::vector<SpendEntry>& entries) {
  Section s;
  s.title = "Spend entries";
  Table t;
  t.id = "entries";
  const bool ranges = std::any_of(entries.begin(), entries.end(),
                                  [](const SpendEntry& e) { return e.precision == Precision::Range; });
  t.columns = {left("entry"),  wrapping("period"), left("advertiser"), left("platform"), left("currency"),
               right("amount"), right("items"),     csv_only("items precision"), left("market"),
               left("precision"), below("tags"),    below("reversed")};
  if (ranges) t.columns.insert(t.columns.begin() + 6, right("at most"));
  for (const SpendEntry& e : entries) {
    const Currency& cur = e.amount.currency();
    const bool range = e.precision == Precision::Range;
    std::vector<Cell> row = {text_cell("#" + std::to_string(e.entry_id)), text_cell(e.period.to_string()),
                             text_cell(e.advertiser_id), text_cell(e.platform_id), text_cell(cur.code()),
                             range ? lower_cell(e.amount.minor(), cur, false) : money_cell(e.amount.minor(), cur),
                             e.items ? items_cell(*e.items, true, e.items_precision) : text_cell("-"),
                             text_cell(e.items ? str(e.items_precision) : ""), text_cell(e.market),
                             text_cell(str(e.precision)), text_cell(join(e.tags, ", ")),
                             text_cell(e.reversal ? "by transaction " + std::to_string(e.reversal->txn_id) + ": " +
                                                        e.reversal->reason + " (source: " + e.reversal->source + ")"
                                                  : "")};
    if (ranges)
      row.insert(row.begin() + 6, range ? upper_cell(e.upper ? e.upper->minor() : 0, !e.upper, cur, false)
                                        : text_cell("-"));
    t.rows.push_back(std::move(row));
    if (e.reversal) s.notes.push_back("#" + std::to_string(e.entry_id) + " is reversed: it counts in no figure.");
    if (e.note) s.notes.push_back("Note on #" + std::to_string(e.entry_id) + ": " + *e.note);
  }
  if (std::none_of(entries.begin(), entries.end(), [](const SpendEntry& e) { return e.reversal.has_value(); }))
    drop_column(t, "reversed");
  s.table = std::move(t);
  if (std::any_of(entries.begin(), entries.end(),
                  [](const SpendEntry& e) { return e.items && e.items_precision != Precision::Exact; }))
    s.notes.push_back(kItemsPrecisionNote);
  return s;
}

Section sources_section(const std::vector<SourceCitation>& sources) {
  Section s;
  s.title = "Sources";
  s.empty = "none";
  Table t;
  t.id = "sources";
  // A source's details, in columns people see when a source has them.
  auto detail = [](std::string name) {
    Column c = below(std::move(name));
    c.optional = true;
    return c;
  };
  Column url = detail("url");
  url.link = true;
  t.columns = {right("ref"), wrapping("source"), url, detail("accessed"), detail("quote"), below("cited by")};
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const SourceDetails& d = sources[i].details;
    t.rows.push_back({text_cell("[" + std::to_string(i + 1) + "]"), text_cell(sources[i].source),
                      text_cell(d.url.value_or("")), text_cell(d.accessed ? format_date(*d.accessed) : ""),
                      text_cell(d.quote.value_or("")), text_cell(join(sources[i].cited_by, ", "))});
  }
  s.table = std::move(t);
  return s;
}

void add_range_facts(Document& doc, const std::optional<Date>& from, const std::optional<Date>& to,
                     bool spend = true) {
  if (!from && !to) return;
  std::string range;
  if (from) range += "from " + format_date(*from);
  if (to) range += std::string(range.empty() ? "" : " ") + "to " + format_date(*to);
  doc.facts.emplace_back("range", range + (spend ? " (inclusive; entries that straddle it count pro rata by days)"
                                                 : " (inclusive)"));
}

}  // namespace

// How the figures were converted (--convert): each entry's amount, the
// rate it was converted at, with its day and source, and what it became.
void add_conversion_section(Document& doc, const std::optional<Converted>& converted) {
  if (!converted) return;
  const Currency& to = converted->currency;
  Section s;
  s.title = "Converted to " + to.code();
  s.empty = "every entry is in " + to.code() + "; nothing to convert";
  Table t;
  t.id = "conversions";
  t.columns = {left("entry"),       left("currency"),  right("amount"), left("rate"), left("rate date"),
               right("converted"), below("rate source")};
  bool ranges = false;
  for (const Conversion& c : converted->conversions) {
    ranges = ranges || c.from_upper;
    Cell amount = money_cell(c.from.minor(), c.from.currency());
    Cell out = money_cell(c.to.minor(), to);
    if (c.from_upper) {  // a range: both bounds
      amount.text += ".." + money_cell(c.from_upper->minor(), c.from.currency()).text;
      amount.plain += ".." + money_cell(c.from_upper->minor(), c.from.currency()).plain;
      out.text += ".." + money_cell(c.to_upper->minor(), to).text;
      out.plain += ".." + money_cell(c.to_upper->minor(), to).plain;
    }
    t.rows.push_back({text_cell("#" + std::to_string(c.entry_id)), text_cell(c.from.currency().code()), amount,
                      text_cell(c.rate.rate.to_string()), text_cell(format_date(c.rate.date)), out,
                      text_cell(c.rate.source)});
  }
  if (!t.rows.empty()) s.table = std::move(t);
  s.notes.push_back("Each entry in another currency is converted at the latest rate on or before the last day of its "
                    "period (adledger rate set), rounded half to even once for the entry as a whole; the figures "
                    "above are the sums of the converted entries. The entries below keep their recorded amounts.");
  if (ranges) s.notes.push_back("A range's bounds are converted each at the same rate.");
  if (!converted->unconverted.empty())
    s.notes.push_back("Not converted, having no rate to " + to.code() + " on or before the end of their period: " +
                      entry_refs(converted->unconverted) + ". They stay in their own currency in the figures above.");
  doc.sections.push_back(std::move(s));
}

Document to_document(const AdvertiserReport& r) {
  const Advertiser& a = r.advertiser;
  Document doc;
  doc.title = "Advertiser " + a.id + ": " + a.name;
  doc.facts.emplace_back("country", a.country.value_or("unknown"));
  doc.facts.emplace_back("state-affiliated", yes_no(a.state_affiliated));
  std::vector<std::string> handles;
  for (const auto& h : r.handles) handles.push_back(h.handle + " (" + h.platform_id + ")");
  doc.facts.emplace_back("handles", handles.empty() ? "none recorded" : join(handles, ", "));
  add_range_facts(doc, r.from, r.to);

  add_spend_sections(doc, r.spend, r.by, "Spend", "platform");
  add_conversion_section(doc, r.converted);
  add_disclosures_section(doc, r.disclosures);

  Section bans;
  bans.title = "Ban status on " + format_date(r.status_on);
  bans.empty = "no platforms recorded";
  Table bt;
  bt.id = "ban-status";
  bt.columns = {left("platform"), left("status"), left("since"), left("until"), left("by")};
  for (const BanCheck& c : r.ban_status) {
    if (!c.banned) {
      bt.rows.push_back({text_cell(c.platform_id), text_cell("not banned"), text_cell("-"), text_cell("-"),
                         text_cell("-")});
      continue;
    }
    bt.rows.push_back({text_cell(c.platform_id), text_cell("banned"), text_cell(format_date(c.ban->date)),
                       text_cell(c.until ? format_date(*c.until) : "no end date"), text_cell(c.ban->id)});
  }
  bans.table = std::move(bt);
  doc.sections.push_back(std::move(bans));

  doc.sections.push_back(actions_section("Policy actions naming " + a.id, r.actions, r.status_on, r.ban_ends, false));
  doc.sections.push_back(pledges_section("Pledges computed from " + a.id + "'s spend", r.pledges));

  Section violations;
  violations.title = "Spend inside a ban (violations)";
  violations.empty = "none";
  Table vt;
  vt.id = "violations";
  vt.columns = {left("entry"),     left("platform"),  left("period"),      left("currency"),
                right("entry amount"), right("inside ban"), left("precision"), csv_only("pro rata"),
                left("ban"),       left("effective"), left("days inside")};
  bool any_cut = false;
  for (const Violation& v : r.violations) {
    const Currency& c = v.entry.amount.currency();
    bool cut = v.overlap != v.entry.period;
    any_cut = any_cut || cut;
    vt.rows.push_back({text_cell("#" + std::to_string(v.entry.entry_id)), text_cell(v.entry.platform_id),
                       text_cell(v.entry.period.to_string()), text_cell(c.code()),
                       money_cell(v.entry.amount.minor(), c), amount_cell(v.inside_minor, c, cut),
                       text_cell(str(v.entry.precision)), text_cell(yes_no(cut)), text_cell(v.ban.id),
                       text_cell(format_date(v.ban.date)), text_cell(v.overlap.to_string())});
  }
  if (any_cut) violations.notes.push_back(kProRataNote);
  violations.table = std::move(vt);
  doc.sections.push_back(std::move(violations));

  Section entries = entries_section(r.entries);
  drop_column(*entries.table, "advertiser");
  doc.sections.push_back(std::move(entries));
  doc.sections.push_back(sources_section(r.sources));
  return doc;
}

Document to_document(const PlatformReport& r) {
  Document doc;
  doc.title = "Platform " + r.platform.id + ": " + r.platform.name;
  add_range_facts(doc, r.from, r.to);
  doc.facts.emplace_back("advertisers with spend", std::to_string([&] {
                           std::vector<std::string> ids;
                           for (const auto& f : r.revenue.by_group)
                             if (std::find(ids.begin(), ids.end(), f.group) == ids.end()) ids.push_back(f.group);
                           return ids.size();
                         }()));
  add_spend_sections(doc, r.revenue, r.by, "Revenue", "advertiser");
  add_conversion_section(doc, r.converted);
  add_disclosures_section(doc, r.disclosures);
  doc.sections.push_back(
      actions_section("Policy actions by " + r.platform.id, r.actions, r.status_on, r.ban_ends, true));
  doc.sections.push_back(pledges_section("Pledges by " + r.platform.id, r.pledges));
  Section entries = entries_section(r.entries);
  drop_column(*entries.table, "platform");
  doc.sections.push_back(std::move(entries));
  doc.sections.push_back(sources_section(r.sources));
  return doc;
}

Document to_document(const PolicyTimeline& t) {
  Document doc;
  doc.title = "Policy actions";
  const PolicyFilter& f = t.filter;
  if (f.platform_id) doc.facts.emplace_back("platform", *f.platform_id);
  if (f.advertiser_id) doc.facts.emplace_back("advertiser", *f.advertiser_id);
  if (f.kind) doc.facts.emplace_back("kind", str(*f.kind));
  add_range_facts(doc, f.from, f.to, false);
  doc.facts.emplace_back("actions", std::to_string(t.actions.size()));
  Section s = actions_section("Timeline", t.actions, f.to.value_or(t.today), t.ban_ends, true);
  doc.sections.push_back(std::move(s));
  std::vector<SourceCitation> sources;
  for (const PolicyAction& a : t.actions) {
    cite(sources, a.source, a.source_details, "policy " + a.id);
    if (a.withdrawal) cite(sources, a.withdrawal->source, a.withdrawal->source_details, "withdrawal of policy " + a.id);
  }
  doc.sections.push_back(sources_section(sources));
  return doc;
}

Document to_document(const PledgesReport& r) {
  Document doc;
  doc.title = "Pledges";
  if (r.platform_id) doc.facts.emplace_back("platform", *r.platform_id);
  if (r.advertiser_id) doc.facts.emplace_back("basis advertiser", *r.advertiser_id);
  std::vector<PledgeStatus> statuses;
  std::vector<DisclosureCheck> disclosed;
  for (const PledgeCheck& c : r.pledges) {
    statuses.push_back(c.status);
    for (const DisclosureCheck& d : c.disclosed)
      if (std::none_of(disclosed.begin(), disclosed.end(), [&](const auto& x) { return x.disclosed.id == d.disclosed.id; }))
        disclosed.push_back(d);
  }
  doc.sections.push_back(pledges_section("Pledged, disbursed, outstanding", statuses));

  Section bases;
  bases.title = "Each pledge's basis beside the spend itemised for it";
  Table t;
  t.id = "bases";
  t.columns = {left("pledge"),    left("advertiser"), left("basis range"), left("currency"),
               right("pledged"),  right("itemised"),  left("precision"),   right("share"),
               csv_only("pro rata"), left("entries")};
  bool pro_rata = false;
  for (const PledgeCheck& c : r.pledges) {
    const Pledge& p = c.status.pledge;
    const Currency& cur = p.amount.currency();
    if (!c.basis_spend) continue;
    auto row = [&](Cell itemised, std::string precision, std::string share, bool cut, std::string entries) {
      t.rows.push_back({text_cell(p.id + (p.withdrawal ? " (withdrawn)" : "")), text_cell(*p.basis_advertiser_id),
                        text_cell(p.basis_period ? p.basis_period->to_string() : "all recorded"), text_cell(cur.code()),
                        money_cell(p.amount.minor(), cur), std::move(itemised), text_cell(std::move(precision)),
                        text_cell(std::move(share)), text_cell(yes_no(cut)), text_cell(std::move(entries))});
    };
    if (c.basis_spend->itemised.empty()) row(money_cell(0, cur), "-", share_text(0, p.amount.minor()), false, "-");
    for (const Itemised& i : c.basis_spend->itemised) {
      pro_rata = pro_rata || i.pro_rata;
      row(i.precision == Precision::Range ? lower_cell(i.amount_minor, cur, i.pro_rata)
                                          : amount_cell(i.amount_minor, cur, i.pro_rata),
          str(i.precision), share_text(i.amount_minor, p.amount.minor()), i.pro_rata, entry_refs(i.entry_ids));
    }
    if (!c.basis_spend->other_currency.empty())
      bases.notes.push_back("Not compared with " + p.id + ", being in another currency: " +
                            entry_refs(c.basis_spend->other_currency) + ".");
  }
  bases.table = std::move(t);
  if (!r.pledges.empty()) bases.empty = "no pledge names the advertiser it is based on";
  if (!bases.table->rows.empty())
    bases.notes.insert(bases.notes.begin(),
                       "Itemised is the spend recorded here by the basis advertiser on the pledging platform over the "
                       "basis range; share is itemised as a part of pledged.");
  if (pro_rata) bases.notes.push_back(kProRataNote);
  doc.sections.push_back(std::move(bases));
  add_disclosures_section(doc, disclosed);

  Section payments;
  payments.title = "Disbursements";
  Table pt;
  pt.id = "disbursements";
  pt.columns = {left("disbursement"), left("pledge"), left("date"), left("currency"), right("amount"),
                wrapping("source")};
  std::vector<SourceCitation> sources;
  for (const PledgeCheck& c : r.pledges) {
    cite(sources, c.status);
    for (const Disbursement& d : c.status.disbursements) {
      const Currency& cur = d.amount.currency();
      pt.rows.push_back({text_cell(d.id + (d.withdrawal ? " (withdrawn)" : "")), text_cell(d.pledge_id),
                         text_cell(format_date(d.date)), text_cell(cur.code()), money_cell(d.amount.minor(), cur),
                         text_cell(d.source)});
      if (d.withdrawal) payments.notes.push_back(withdrawn_note("disbursement", d.id, *d.withdrawal));
    }
  }
  payments.table = std::move(pt);
  doc.sections.push_back(std::move(payments));
  for (const DisclosureCheck& d : disclosed) cite(sources, d.disclosed);
  doc.sections.push_back(sources_section(sources));
  return doc;
}

namespace {

void add_filter_facts(Document& doc, const JournalFilter& f) {
  if (f.account_pattern) doc.facts.emplace_back("accounts matching", *f.account_pattern);
  if (f.advertiser_id) doc.facts.emplace_back("advertiser", *f.advertiser_id);
  if (f.platform_id) doc.facts.emplace_back("platform", *f.platform_id);
  if (f.from || f.to) {
    std::string range;
    if (f.from) range += "from " + format_date(*f.from);
    if (f.to) range += std::string(range.empty() ? "" : " ") + "to " + format_date(*f.to);
    doc.facts.emplace_back("dates", range + " (inclusive)");
  }
}

}  // namespace

Document to_document(const Register& r) {
  Document doc;
  doc.title = "Register";
  add_filter_facts(doc, r.filter);
  Section s;
  s.title = "Postings";
  Table t;
  t.id = "register";
  t.columns = {left("date"),     right("txn"),    wrapping("account"), left("currency"),
               right("amount"), right("running"), below("description")};
  // Who recorded each transaction, once any record names someone.
  const bool authored =
      std::any_of(r.lines.begin(), r.lines.end(), [](const RegisterLine& l) { return !l.author.empty(); });
  if (authored) t.columns.insert(t.columns.begin() + 2, left("author"));
  std::int64_t last_txn = 0;
  for (const RegisterLine& l : r.lines) {
    const Currency& c = l.amount.currency();
    // As ledger register does, people see a transaction's description once,
    // under its first posting; CSV repeats it on every row.
    Cell description{l.txn_id == last_txn ? "" : l.description, l.description};
    if (description.text.empty()) description.plain = l.description;
    last_txn = l.txn_id;
    t.rows.push_back({text_cell(format_date(l.date)), text_cell(std::to_string(l.txn_id)), text_cell(l.account),
                      text_cell(c.code()), money_cell(l.amount.minor(), c), money_cell(l.running_minor, c),
                      std::move(description)});
    if (authored) t.rows.back().insert(t.rows.back().begin() + 2, text_cell(l.author));
  }
  s.table = std::move(t);
  s.empty = "no postings match";
  s.notes.push_back("Debits are positive, credits negative; the running balance is per currency, over the postings "
                    "shown.");
  doc.sections.push_back(std::move(s));
  return doc;
}

Document to_document(const BalanceReport& r) {
  Document doc;
  doc.title = r.options.by ? "Balance changes by " + std::string(to_string(*r.options.by)) : "Trial balance";
  add_filter_facts(doc, r.options.filter);
  if (r.options.depth) doc.facts.emplace_back("depth", std::to_string(*r.options.depth));
  Section s;
  s.title = "Accounts";
  s.empty = "no postings";
  Table t;
  t.id = "balance";
  t.columns = {left("account"), left("currency")};
  for (const Period& p : r.columns) t.columns.push_back(right(p.to_string()));
  t.columns.push_back(right(r.columns.empty() ? "balance" : "total"));
  auto add = [&](const BalanceReport::Row& row, const std::string& account) {
    std::vector<Cell> cells{text_cell(account), text_cell(row.currency.code())};
    for (std::int64_t v : row.amounts) cells.push_back(money_cell(v, row.currency));
    cells.push_back(money_cell(row.total, row.currency));
    t.rows.push_back(std::move(cells));
  };
  for (const auto& row : r.rows) add(row, row.account);
  for (const auto& row : r.totals) add(row, "total");
  s.table = std::move(t);
  const JournalFilter& f = r.options.filter;
  bool whole_journal = !f.account_pattern && !f.advertiser_id && !f.platform_id && !f.from && !f.to;
  if (!r.rows.empty())
    s.notes.push_back(whole_journal ? "The total rows sum every account; they are zero, since every transaction "
                                      "balances."
                                    : "The total rows sum the accounts shown.");
  doc.sections.push_back(std::move(s));
  return doc;
}

}  // namespace ledger
