#include "ledger/io/adlib_import.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "ledger/audit/chain.hpp"
#include "ledger/error.hpp"
#include "ledger/io/csv_reader.hpp"
#include "ledger/io/json_locations.hpp"

namespace ledger {
namespace {

using json = nlohmann::json;

constexpr std::string_view kNoDisclaimer = "These ads ran without a disclaimer";
constexpr std::string_view kUnder100 = "\u2264100";  // "≤100": Meta's bucket for amounts of at most 100
constexpr int kDepthMax = 32;

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string trimmed(const std::string& s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The words of a text as a slug: ASCII letters and digits, lower case,
// anything else a single `-`, at most `max` characters.
std::string slug_words(const std::string& text, std::size_t max) {
  std::string out;
  for (char c : lower(text)) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) out += c;
    else if (!out.empty() && out.back() != '-') out += '-';
    if (out.size() >= max) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string hex_of(const std::string& text, std::size_t digits) { return to_hex(sha256(text)).substr(0, digits); }

// One ad library's rows, recorded as spend entries.
class AdLibraryImporter {
 public:
  AdLibraryImporter(Ledger& ledger, const std::string& file, const AdLibraryOptions& options,
                    const ImportProgress& progress)
      : ledger_(ledger), file_(file), o_(options), progress_(progress) {}

  std::string at(std::size_t line) const { return file_ + ":" + std::to_string(line) + ": "; }
  [[noreturn]] void fail(std::size_t line, const std::string& why, ErrorKind kind = ErrorKind::Input) const {
    throw Error(kind, at(line) + why);
  }

  // The platform: the one given, which must exist, or the source's own,
  // added when the ledger does not have it yet.
  std::string platform(const char* id, const char* name) {
    if (o_.platform) return *o_.platform;  // record_spend refuses an unknown one
    if (!ledger_.store().find_platform(id)) {
      ledger_.add_platform(Platform{id, name});
      count(counts_.platforms);
    }
    return id;
  }

  // The advertiser for a payer: the one the mapping names for `key`, or
  // `made_id`, added (named `name`) when the ledger does not have it yet.
  std::string advertiser(const std::string& key, const std::string& made_id, const std::string& name,
                         std::size_t line) {
    if (auto it = o_.advertiser_of.find(key); it != o_.advertiser_of.end()) return it->second;
    if (!ledger_.store().find_advertiser(made_id)) {
      located(line, [&] { ledger_.add_advertiser(Advertiser{made_id, name, std::nullopt, false}); });
      count(counts_.advertisers);
    }
    return made_id;
  }

  void spend(SpendEntry e, std::size_t line) {
    e.market = o_.market;
    e.source = o_.source + ", line " + std::to_string(line);
    // The same row twice in one file is a mistake in the file, not a
    // no-op: it would be one payment counted once.
    if (auto [it, fresh] = seen_.try_emplace(*e.external_id, line); !fresh)
      fail(line, "the row of line " + std::to_string(it->second) + " again (id " + quote(*e.external_id) +
                     "): a payment appears once in an export");
    // A newer export gives the rows of the older one again, from another
    // file and line: the entry first recorded keeps its citation, and any
    // other field that differs is a conflict, named by record_spend.
    if (std::optional<SpendEntry> known = ledger_.store().find_spend_by_external_id(*e.external_id)) {
      e.source = known->source;
      e.note = known->note;
    }
    located(line, [&] { ledger_.record_spend(e); });
    count(counts_.spend);
  }

  void running() { ++counts_.running; }
  ImportCounts counts() const { return counts_; }

 private:
  template <typename F>
  void located(std::size_t line, F act) {
    try {
      act();
    } catch (const Error& e) {
      throw Error(e.kind(), at(line) + e.what());
    }
  }
  void count(std::size_t& of_kind) { count_record(counts_, of_kind, ledger_.last_outcome(), progress_); }

  Ledger& ledger_;
  const std::string& file_;
  const AdLibraryOptions& o_;
  const ImportProgress& progress_;
  ImportCounts counts_;
  std::map<std::string, std::size_t> seen_;  // external id -> line, in this file
};

void require_market(const AdLibraryOptions& o) {
  if (o.market.empty())
    throw Error(ErrorKind::Input, "market: required: the country the export covers (an ad library's export does not "
                                  "say where the ads ran)");
}

// A header's names, as the error messages show them.
std::string header_text(const std::vector<std::string>& header) {
  std::string out;
  for (const std::string& h : header) out += (out.empty() ? "" : ",") + h;
  return quote(out);
}

// A row's fields as its note cites them: `Page ID 123, Page name "A"`.
std::string cited_row(const char* what, const std::vector<std::string>& header, const std::vector<std::string>& row) {
  std::string out = what;
  out += " row: ";
  for (std::size_t i = 0; i < header.size() && i < row.size(); ++i)
    out += (i ? ", " : "") + header[i] + " " + (all_digits(row[i]) ? row[i] : quote(row[i]));
  return out;
}

}  // namespace

std::string meta_payer_id(const std::string& payer) {
  std::string words = slug_words(payer, 45);
  return (words.empty() ? "meta-payer" : "meta-" + words) + "-" + hex_of(payer, 8);
}

std::map<std::string, std::string> read_advertiser_map(std::istream& in, const std::string& file_name) {
  std::map<std::string, std::string> out;
  std::map<std::string, std::size_t> line_of;
  std::vector<std::string> row;
  std::size_t line = 0;
  skip_byte_order_mark(in);
  if (!read_csv_row(in, row, line, file_name) || row != std::vector<std::string>{"source", "advertiser"})
    throw Error(ErrorKind::Input, file_name + ":1: header: expected the columns source,advertiser");
  while (true) {
    std::size_t at = line + 1;
    if (!read_csv_row(in, row, line, file_name)) break;
    if (row.size() == 1 && row[0].empty()) continue;
    if (row.size() != 2)
      throw Error(ErrorKind::Input, file_name + ":" + std::to_string(at) + ": " + std::to_string(row.size()) +
                                        " columns where the header has 2");
    try {
      check_slug(row[1], "advertiser");
    } catch (const Error& e) {
      throw Error(e.kind(), file_name + ":" + std::to_string(at) + ": " + e.what());
    }
    if (row[0].empty()) throw Error(ErrorKind::Input, file_name + ":" + std::to_string(at) + ": source: is empty");
    if (auto [it, fresh] = line_of.try_emplace(row[0], at); !fresh)
      throw Error(ErrorKind::Input, file_name + ":" + std::to_string(at) + ": source " + quote(row[0]) +
                                        ": already mapped on line " + std::to_string(it->second));
    out[row[0]] = row[1];
  }
  return out;
}

ImportCounts import_meta_report(Ledger& ledger, std::istream& in, const std::string& file_name,
                                const AdLibraryOptions& o, const ImportProgress& progress) {
  static const char* kExpected =
      "expected the columns Page ID,Page name,Disclaimer,Amount spent (CUR),Number of ads in Library, CUR being "
      "the report's currency (USD, EUR, ...)";
  AdLibraryImporter importer(ledger, file_name, o, progress);
  std::vector<std::string> header, row;
  std::size_t line = 0;
  skip_byte_order_mark(in);
  if (!read_csv_row(in, header, line, file_name)) importer.fail(1, std::string("empty: ") + kExpected);
  // The header, case aside (Meta has written "Page Name" and "Amount Spent").
  auto is = [&](std::size_t i, const char* name) { return i < header.size() && lower(header[i]) == name; };
  std::string amount_column = header.size() > 3 ? lower(header[3]) : "";
  bool shaped = header.size() == 5 && is(0, "page id") && is(1, "page name") && is(2, "disclaimer") &&
                is(4, "number of ads in library") && amount_column.size() == 18 &&
                amount_column.starts_with("amount spent (") && amount_column.ends_with(")");
  if (!shaped) importer.fail(1, "header " + header_text(header) + ": " + kExpected);
  std::string code = header[3].substr(14, 3);
  std::transform(code.begin(), code.end(), code.begin(), [](char c) { return c >= 'a' && c <= 'z' ? c - 32 : c; });
  Currency currency;
  try {
    currency = Currency::from_code(code, "Amount spent (CUR)");
  } catch (const Error& e) {
    importer.fail(1, std::string("header: ") + e.what());
  }
  if (!o.period)
    throw Error(ErrorKind::Input, "from, to: required: a Meta Ad Library report holds no dates; give the range it "
                                  "covers (its file name ends with the last day)");
  require_market(o);
  const std::string platform = importer.platform("facebook", "Facebook");
  const std::string range = format_date(o.period->first()) + ":" + format_date(o.period->last());
  while (true) {
    std::size_t at = line + 1;
    if (!read_csv_row(in, row, line, file_name)) break;
    if (row.size() == 1 && row[0].empty()) continue;
    if (row.size() != 5)
      importer.fail(at, std::to_string(row.size()) + " columns where the header has 5");
    const std::string& page_id = row[0];
    const std::string& page_name = row[1];
    const std::string& disclaimer = row[2];
    if (!all_digits(page_id)) importer.fail(at, "Page ID " + quote(page_id) + ": expected digits");
    SpendEntry e;
    e.platform_id = platform;
    e.period = *o.period;
    const bool payer = !disclaimer.empty() && disclaimer != kNoDisclaimer;
    e.tags = {"meta-report", "page:" + page_id};
    if (payer) {
      e.advertiser_id = importer.advertiser(disclaimer, meta_payer_id(disclaimer), disclaimer, at);
    } else {
      e.tags.push_back("no-disclaimer");
      e.advertiser_id = importer.advertiser("page:" + page_id, "meta-page-" + page_id,
                                            page_name.empty() ? "Meta page " + page_id : page_name, at);
    }
    std::string amount = trimmed(row[3]);
    try {
      if (amount == kUnder100) {  // at most 100 of the currency
        e.precision = Precision::Range;
        e.amount = Money(0, currency);
        e.upper = Money::parse_positive("100", currency, header[3]);
      } else {
        // Whole units; Meta's README says they may hold estimates and
        // amounts not yet invoiced: approximate.
        e.precision = Precision::Approximate;
        e.amount = Money::parse_positive(amount, currency, header[3]);
      }
    } catch (const Error& err) {
      bool words = amount.find_first_not_of("0123456789.,") != std::string::npos;
      importer.fail(at, std::string(err.what()) + (words ? " (a Meta amount is whole units, or \u2264100)" : ""));
    }
    if (!all_digits(trimmed(row[4]))) importer.fail(at, header[4] + " " + quote(row[4]) + ": expected a count of ads");
    std::string ads = trimmed(row[4]);
    if (ads.size() > 12) importer.fail(at, header[4] + " " + quote(ads) + ": larger than the limit");
    e.items = std::stoll(ads);
    e.external_id = "meta-report:" + o.market + ":" + currency.code() + ":" + page_id + ":" + hex_of(disclaimer, 16) +
                    ":" + range;
    e.note = cited_row("Meta Ad Library report", header, row);
    importer.spend(std::move(e), at);
  }
  return importer.counts();
}

namespace {

// A field of an ad-library record, checked, with the record's line.
class ApiRecord {
 public:
  ApiRecord(const json& j, const AdLibraryImporter& importer, std::size_t line)
      : j_(j), importer_(importer), line_(line) {}

  bool has(const char* name) const { return j_.contains(name) && !j_.at(name).is_null(); }
  [[noreturn]] void fail(const std::string& name, const std::string& why) const {
    importer_.fail(line_, name + ": " + why);
  }
  std::optional<std::string> opt_string(const char* name) const {
    if (!has(name)) return std::nullopt;
    if (!j_.at(name).is_string()) fail(name, "must be a string, not " + std::string(j_.at(name).type_name()));
    return j_.at(name).get<std::string>();
  }
  // An id or a bound: a string of digits, as Meta writes them, or a JSON
  // whole number.
  std::optional<std::string> opt_digits(const json& v, const std::string& name) const {
    if (v.is_null()) return std::nullopt;
    if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
    std::string s = v.is_string() ? v.get<std::string>() : "";
    if (!all_digits(s)) fail(name, quote(v.dump()) + ": expected a whole number");
    return s;
  }
  std::string digits(const char* name) const {
    if (!has(name)) fail(name, "is required");
    return *opt_digits(j_.at(name), name);
  }
  // A day: `2021-02-01`, or a time `2019-10-29T18:00:56+0000`, which gives
  // its day in UTC.
  std::optional<Date> opt_day(const char* name) const {
    std::optional<std::string> text = opt_string(name);
    if (!text) return std::nullopt;
    std::string_view t = *text;
    auto fail_time = [&] { fail(name, quote(t) + ": expected a date (2021-02-01) or a time (2021-02-01T18:00:00+0000)"); };
    if (t.size() < 10) fail_time();
    Date day;
    try {
      day = parse_date(t.substr(0, 10), name);
    } catch (const Error& e) {
      fail(name, e.what());
    }
    if (t.size() == 10) return day;
    // THH:MM:SS then Z or +hhmm / +hh:mm.
    auto num = [&](std::size_t at) {
      if (at + 2 > t.size() || !isdigit(static_cast<unsigned char>(t[at])) || !isdigit(static_cast<unsigned char>(t[at + 1])))
        fail_time();
      return (t[at] - '0') * 10 + (t[at + 1] - '0');
    };
    if (t[10] != 'T' || t.size() < 19 || t[13] != ':' || t[16] != ':') fail_time();
    if (num(11) > 23 || num(14) > 59 || num(17) > 60) fail_time();
    int minutes = num(11) * 60 + num(14);
    std::string_view zone = t.substr(19);
    int offset = 0;
    if (zone == "Z") {
      offset = 0;
    } else if ((zone.size() == 5 || zone.size() == 6) && (zone[0] == '+' || zone[0] == '-')) {
      std::size_t m = zone.size() == 6 ? 4 : 3;
      if (zone.size() == 6 && zone[3] != ':') fail_time();
      if (num(20) > 14 || num(19 + m) > 59) fail_time();
      offset = (num(20) * 60 + num(19 + m)) * (zone[0] == '-' ? -1 : 1);
    } else {
      fail_time();
    }
    int utc = minutes - offset;
    if ((utc < 0 && day == first_day()) || (utc >= 24 * 60 && day == last_day()))
      fail(name, quote(t) + ": its day in UTC is outside the years 1400 to 9999");
    if (utc < 0) return day - boost::gregorian::days(1);
    if (utc >= 24 * 60) return day + boost::gregorian::days(1);
    return day;
  }
  const json& at(const char* name) const { return j_.at(name); }

 private:
  const json& j_;
  const AdLibraryImporter& importer_;
  std::size_t line_;
};

}  // namespace

ImportCounts import_meta_api(Ledger& ledger, std::istream& in, const std::string& file_name, const AdLibraryOptions& o,
                             const ImportProgress& progress) {
  AdLibraryImporter importer(ledger, file_name, o, progress);
  require_market(o);
  const std::string platform = importer.platform("facebook", "Facebook");
  std::string text;
  std::size_t number = 0;
  while (read_line(in, text, number, file_name)) {
    if (number == 1 && text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    if (auto problem = check_json(text, kDepthMax)) importer.fail(number, "malformed JSON: " + problem->reason);
    json j = json::parse(text);
    if (!j.is_object()) importer.fail(number, "an ad must be a JSON object, as the Ad Library API gives it");
    ApiRecord r(j, importer, number);
    std::string id = r.digits("id");
    std::string page_id = r.digits("page_id");
    std::optional<std::string> page_name = r.opt_string("page_name");
    // "bylines" (who paid); "funding_entity" in data before 2021.
    std::optional<std::string> payer = r.has("bylines") ? r.opt_string("bylines") : r.opt_string("funding_entity");
    if (!r.has("currency")) r.fail("currency", "is required");
    Currency currency;
    try {
      currency = Currency::from_code(*r.opt_string("currency"), "currency");
    } catch (const Error& e) {
      importer.fail(number, e.what());
    }
    if (!r.has("spend")) r.fail("spend", "is required: the Ad Library gives it as lower_bound and upper_bound");
    const json& spend = r.at("spend");
    if (!spend.is_object()) r.fail("spend", "must be an object with lower_bound and upper_bound");
    for (const auto& [key, value] : spend.items())
      if (key != "lower_bound" && key != "upper_bound") r.fail("spend." + quote(key), "unknown field");
    if (!spend.contains("lower_bound")) r.fail("spend.lower_bound", "is required");
    std::optional<std::string> lower_text = r.opt_digits(spend.at("lower_bound"), "spend.lower_bound");
    std::optional<std::string> upper_text =
        spend.contains("upper_bound") ? r.opt_digits(spend.at("upper_bound"), "spend.upper_bound") : std::nullopt;
    if (!lower_text) r.fail("spend.lower_bound", "is required");
    std::optional<Date> start = r.opt_day("ad_delivery_start_time");
    if (!start) r.fail("ad_delivery_start_time", "is required");
    std::optional<Date> stop = r.opt_day("ad_delivery_stop_time");
    if (stop && *stop < *start)
      r.fail("ad_delivery_stop_time", format_date(*stop) + ": before ad_delivery_start_time " + format_date(*start));
    std::vector<std::string> publishers;
    if (r.has("publisher_platforms")) {
      const json& p = r.at("publisher_platforms");
      if (!p.is_array()) r.fail("publisher_platforms", "must be an array of strings");
      for (const json& name : p) {
        if (!name.is_string()) r.fail("publisher_platforms", "must be an array of strings");
        publishers.push_back("publisher:" + lower(name.get<std::string>()));
      }
    }
    if (!stop) {  // still running: its spend is not final
      importer.running();
      continue;
    }
    SpendEntry e;
    e.platform_id = platform;
    e.period = Period(*start, *stop);
    e.precision = Precision::Range;
    try {
      e.amount = Money::parse_nonnegative(*lower_text, currency, "spend.lower_bound");
      if (upper_text) e.upper = Money::parse_positive(*upper_text, currency, "spend.upper_bound");
    } catch (const Error& err) {
      importer.fail(number, err.what());
    }
    e.items = 1;
    e.tags = {"meta-api", "page:" + page_id};
    e.tags.insert(e.tags.end(), publishers.begin(), publishers.end());
    if (payer && !payer->empty() && *payer != kNoDisclaimer) {
      e.advertiser_id = importer.advertiser(*payer, meta_payer_id(*payer), *payer, number);
    } else {
      e.tags.push_back("no-disclaimer");
      e.advertiser_id = importer.advertiser("page:" + page_id, "meta-page-" + page_id,
                                            page_name && !page_name->empty() ? *page_name : "Meta page " + page_id,
                                            number);
    }
    e.external_id = "meta-api:" + id;
    // The citation: the record's fields that make the entry (never the
    // snapshot URL, which carries the downloader's access token).
    json cited = json::object();
    for (const char* key : {"id", "page_id", "page_name", "bylines", "funding_entity", "currency", "spend",
                            "impressions", "ad_delivery_start_time", "ad_delivery_stop_time", "publisher_platforms"})
      if (j.contains(key)) cited[key] = j.at(key);
    e.note = "Meta Ad Library API ad: " + cited.dump(-1, ' ', false, json::error_handler_t::replace);
    importer.spend(std::move(e), number);
  }
  return importer.counts();
}

ImportCounts import_google_weekly(Ledger& ledger, std::istream& in, const std::string& file_name,
                                  const AdLibraryOptions& o, const ImportProgress& progress) {
  static const char* kExpected =
      "expected the columns Advertiser_ID,Advertiser_Name,Week_Start_Date and a Spend_CUR column per currency "
      "(Spend_USD,Spend_EUR,...), Election_Cycle allowed";
  AdLibraryImporter importer(ledger, file_name, o, progress);
  std::vector<std::string> header, row;
  std::size_t line = 0;
  skip_byte_order_mark(in);
  if (!read_csv_row(in, header, line, file_name)) importer.fail(1, std::string("empty: ") + kExpected);
  std::map<std::string, std::size_t> column;
  std::vector<std::pair<std::size_t, Currency>> spend_columns;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string& h = header[i];
    if (h.size() == 9 && h.starts_with("Spend_")) {
      try {
        // The column's name goes into the message only once it is known
        // to be a currency's: a header may hold any bytes.
        spend_columns.emplace_back(i, Currency::from_code(h.substr(6), "column " + std::to_string(i + 1) + " (Spend_CUR)"));
      } catch (const Error& e) {
        importer.fail(1, std::string("header: ") + e.what());
      }
    } else if (h == "Advertiser_ID" || h == "Advertiser_Name" || h == "Week_Start_Date" || h == "Election_Cycle") {
      column[h] = i;
    } else {
      importer.fail(1, "header: column " + quote(h) + ": not one of the format's: " + kExpected);
    }
  }
  for (const char* required : {"Advertiser_ID", "Advertiser_Name", "Week_Start_Date"})
    if (!column.contains(required)) importer.fail(1, "header " + header_text(header) + ": no " + required + ": " + kExpected);
  if (spend_columns.empty()) importer.fail(1, "header " + header_text(header) + ": no Spend_CUR column: " + kExpected);
  require_market(o);
  const std::string platform = importer.platform("google", "Google");
  while (true) {
    std::size_t at = line + 1;
    if (!read_csv_row(in, row, line, file_name)) break;
    if (row.size() == 1 && row[0].empty()) continue;
    if (row.size() != header.size())
      importer.fail(at, std::to_string(row.size()) + " columns where the header has " + std::to_string(header.size()));
    const std::string& id = row[column["Advertiser_ID"]];
    const std::string& name = row[column["Advertiser_Name"]];
    std::string cycle = column.contains("Election_Cycle") ? row[column["Election_Cycle"]] : "";
    if (id.empty()) importer.fail(at, "Advertiser_ID: is empty");
    Date week;
    try {
      week = parse_date(row[column["Week_Start_Date"]], "Week_Start_Date");
    } catch (const Error& e) {
      importer.fail(at, e.what());
    }
    // Google's weeks run Sunday to Saturday: seven days from the start,
    // not an ISO week.
    Period period(week, week + boost::gregorian::days(6));
    std::string made = slug_words(id, 50);
    made = "google-" + (made.empty() ? hex_of(id, 16) : made);
    std::string advertiser;
    for (const auto& [i, currency] : spend_columns) {
      std::string cell = trimmed(row[i]);
      if (cell.empty() || cell.find_first_not_of('0') == std::string::npos) continue;  // nothing in this currency
      SpendEntry e;
      if (advertiser.empty()) advertiser = importer.advertiser(id, made, name.empty() ? "Google advertiser " + id : name, at);
      e.advertiser_id = advertiser;
      e.platform_id = platform;
      e.period = period;
      // Google reports weekly spend in steps of 100: approximate.
      e.precision = Precision::Approximate;
      try {
        e.amount = Money::parse_positive(cell, currency, header[i]);
      } catch (const Error& err) {
        importer.fail(at, err.what());
      }
      e.tags = {"google-weekly"};
      e.external_id = "google:" + id + ":" + format_date(week) + ":" + currency.code() + (cycle.empty() ? "" : ":" + cycle);
      e.note = cited_row("Google political ads weekly spend", header, row);
      importer.spend(std::move(e), at);
    }
  }
  return importer.counts();
}

}  // namespace ledger
