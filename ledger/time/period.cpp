#include "ledger/time/period.hpp"

#include <algorithm>
#include <cassert>
#include <boost/date_time/gregorian/formatters.hpp>
#include <charconv>
#include <utility>

#include "ledger/error.hpp"

namespace ledger {
namespace {

namespace g = boost::gregorian;

constexpr int kYearMin = 1400;  // Boost.Date_Time's range
constexpr int kYearMax = 9999;
constexpr std::size_t kPeriodTextMax = 64;

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int to_int(std::string_view s) {
  int value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

int parse_year(std::string_view text, std::string_view whole, std::string_view field) {
  if (text.size() != 4 || !all_digits(text)) throw_input(field, whole, "the year must have four digits");
  int year = to_int(text);
  if (year < kYearMin || year > kYearMax)
    throw_input(field, whole, "the year must be between 1400 and 9999");
  return year;
}

Date make_date(int year, int month, int day, std::string_view whole, std::string_view field) {
  if (month < 1 || month > 12) throw_input(field, whole, "there is no month " + std::to_string(month));
  int last = g::gregorian_calendar::end_of_month_day(static_cast<unsigned short>(year),
                                                     static_cast<unsigned short>(month));
  if (day < 1 || day > last)
    throw_input(field, whole,
                "no such day: " + std::to_string(year) + "-" + (month < 10 ? "0" : "") +
                    std::to_string(month) + " has " + std::to_string(last) + " days");
  return Date(static_cast<unsigned short>(year), static_cast<unsigned short>(month),
              static_cast<unsigned short>(day));
}

// The ISO 8601 week-numbering year and week of a day: weeks run Monday to
// Sunday, and week 1 is the one that holds the year's first Thursday.
std::pair<int, int> iso_week(const Date& day) {
  int week = day.week_number();
  int year = day.year();
  if (week >= 52 && day.month() == 1) --year;
  if (week == 1 && day.month() == 12) ++year;
  return {year, week};
}


// The Monday..Sunday week that holds `day`, clipped to the dates Boost can
// represent (1400-01-01 is a Wednesday).
Period iso_week_of(const Date& day) {
  int back = (day.day_of_week().as_number() + 6) % 7;  // days since Monday
  Date first = (day - first_day()).days() < back ? first_day() : day - g::days(back);
  Date last = (last_day() - day).days() < 6 - back ? last_day() : day + g::days(6 - back);
  return Period(first, last);
}

std::string two_digits(int n) {
  std::string text = std::to_string(n);
  if (n < 10) text.insert(0, 1, '0');
  return text;
}

Date end_of_month(int year, int month) {
  return Date(static_cast<unsigned short>(year), static_cast<unsigned short>(month), 1).end_of_month();
}

// Parses one side of a period (`2016`, `2016-Q4`, `2016-10`, `2016-10-26`).
Period parse_single(std::string_view text, std::string_view whole, std::string_view field) {
  const char* shape =
      "write a period as 2016, 2016-Q4, 2016-10, 2016-W05, 2016-10-26 or 2016-01-01..2016-06-30";
  if (text.size() == 4) {
    int year = parse_year(text, whole, field);
    return Period(make_date(year, 1, 1, whole, field), make_date(year, 12, 31, whole, field));
  }
  if (text.size() < 7 || text[4] != '-') throw_input(field, whole, shape);
  int year = parse_year(text.substr(0, 4), whole, field);
  std::string_view rest = text.substr(5);
  if (rest.size() == 2 && (rest[0] == 'Q' || rest[0] == 'q')) {
    if (rest[1] < '1' || rest[1] > '4') throw_input(field, whole, "a quarter is Q1 to Q4");
    int quarter = rest[1] - '0';
    int first_month = (quarter - 1) * 3 + 1;
    return Period(make_date(year, first_month, 1, whole, field), end_of_month(year, first_month + 2));
  }
  if (rest.size() == 3 && (rest[0] == 'W' || rest[0] == 'w') && all_digits(rest.substr(1))) {
    // ISO week: week 1 holds January 4th.
    int week = to_int(rest.substr(1));
    Date january_4th(static_cast<unsigned short>(year), 1, 4);
    int weeks = iso_week(Date(static_cast<unsigned short>(year), 12, 28)).second;
    if (week < 1 || week > weeks)
      throw_input(field, whole, std::to_string(year) + " has ISO weeks W01 to W" + two_digits(weeks));
    return iso_week_of(january_4th + g::weeks(week - 1));
  }
  if (rest.size() == 2 && all_digits(rest)) {
    int month = to_int(rest);
    Date first = make_date(year, month, 1, whole, field);
    return Period(first, first.end_of_month());
  }
  if (rest.size() == 5 && rest[2] == '-' && all_digits(rest.substr(0, 2)) && all_digits(rest.substr(3))) {
    Date day = make_date(year, to_int(rest.substr(0, 2)), to_int(rest.substr(3)), whole, field);
    return Period(day, day);
  }
  throw_input(field, whole, shape);
}

}  // namespace

Date first_day() { return Date(kYearMin, 1, 1); }
Date last_day() { return Date(kYearMax, 12, 31); }

Date parse_date(std::string_view text, std::string_view field) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !all_digits(text.substr(0, 4)) ||
      !all_digits(text.substr(5, 2)) || !all_digits(text.substr(8, 2)))
    throw_input(field, text, "write a date as YYYY-MM-DD, such as 2017-10-26");
  int year = parse_year(text.substr(0, 4), text, field);
  return make_date(year, to_int(text.substr(5, 2)), to_int(text.substr(8, 2)), text, field);
}

std::optional<Date> date_of_day_number(std::int64_t number) {
  static const auto first = static_cast<std::int64_t>(first_day().day_number());
  static const auto last = static_cast<std::int64_t>(last_day().day_number());
  if (number < first || number > last) return std::nullopt;
  auto ymd = boost::gregorian::gregorian_calendar::from_day_number(
      static_cast<boost::gregorian::gregorian_calendar::date_int_type>(number));
  return Date(ymd.year, ymd.month, ymd.day);
}

// By hand: boost's formatter goes through a locale-aware stream, and an
// import formats several dates an entry (3% of a million-entry import).
// Boost's dates run from 1400 to 9999, so the year always has four digits.
std::string format_date(const Date& date) {
  if (date.is_special()) return g::to_iso_extended_string(date);  // as boost writes them ("not-a-date-time")
  const g::date::ymd_type ymd = date.year_month_day();
  const int year = ymd.year, month = ymd.month, day = ymd.day;
  std::string out(10, '-');
  out[0] = static_cast<char>('0' + year / 1000);
  out[1] = static_cast<char>('0' + year / 100 % 10);
  out[2] = static_cast<char>('0' + year / 10 % 10);
  out[3] = static_cast<char>('0' + year % 10);
  out[5] = static_cast<char>('0' + month / 10);
  out[6] = static_cast<char>('0' + month % 10);
  out[8] = static_cast<char>('0' + day / 10);
  out[9] = static_cast<char>('0' + day % 10);
  return out;
}

Period::Period(Date first, Date last) : first_(first), last_(last) {
  assert(!first_.is_special() && !last_.is_special() && first_ <= last_ && "a period runs forwards");
}

Period Period::parse(std::string_view text, std::string_view field) {
  if (text.size() > kPeriodTextMax) throw_input(field, text.substr(0, kPeriodTextMax), "too long to be a period");
  if (auto dots = text.find(".."); dots != std::string_view::npos) {
    Period from = parse_single(text.substr(0, dots), text, field);
    Period to = parse_single(text.substr(dots + 2), text, field);
    if (to.last() < from.first())
      throw_input(field, text, "ends before it starts");
    return Period(from.first(), to.last());
  }
  return parse_single(text, text, field);
}

std::int64_t Period::days() const { return (last_ - first_).days() + 1; }

std::string Period::to_string() const {
  int y = first_.year();
  bool starts_month = first_.day() == 1;
  bool ends_month = last_ == last_.end_of_month();
  if (first_ == last_) return format_date(first_);
  if (days() == 7 && first_.day_of_week().as_number() == 1) {
    auto [year, week] = iso_week(first_);
    return std::to_string(year) + "-W" + two_digits(week);
  }
  if (starts_month && ends_month && first_.year() == last_.year()) {
    int m1 = first_.month(), m2 = last_.month();
    if (m1 == 1 && m2 == 12) return std::to_string(y);
    if (m1 == m2) return format_date(first_).substr(0, 7);
    if ((m1 - 1) % 3 == 0 && m2 == m1 + 2) return std::to_string(y) + "-Q" + std::to_string((m1 - 1) / 3 + 1);
  }
  return format_date(first_) + ".." + format_date(last_);
}

Granularity parse_granularity(std::string_view text, std::string_view field) {
  if (text == "year") return Granularity::Year;
  if (text == "quarter") return Granularity::Quarter;
  if (text == "month") return Granularity::Month;
  if (text == "week") return Granularity::Week;
  throw_input(field, text, "expected year, quarter, month or week");
}

std::string_view to_string(Granularity granularity) {
  switch (granularity) {
    case Granularity::Year: return "year";
    case Granularity::Quarter: return "quarter";
    case Granularity::Month: return "month";
    case Granularity::Week: return "week";
  }
  return "?";
}

Period bucket_of(const Date& day, Granularity granularity) {
  int y = day.year();
  int m = day.month();
  switch (granularity) {
    case Granularity::Year:
      return Period(Date(day.year(), 1, 1), Date(day.year(), 12, 31));
    case Granularity::Quarter: {
      int first_month = (m - 1) / 3 * 3 + 1;
      return Period(Date(static_cast<unsigned short>(y), static_cast<unsigned short>(first_month), 1),
                    end_of_month(y, first_month + 2));
    }
    case Granularity::Month:
      return Period(Date(day.year(), day.month(), 1), day.end_of_month());
    case Granularity::Week:
      return iso_week_of(day);
  }
  assert(false && "unknown granularity");
  return Period(day, day);
}

std::optional<Date> range_bound(const std::string& text, std::string_view field, bool first) {
  if (text.empty()) return std::nullopt;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') return parse_date(text, field);  // a day
  try {
    Period period = Period::parse(text, field);
    return first ? period.first() : period.last();
  } catch (const Error&) {
    // A text that starts as a year is a period with a mistake in it: the
    // period's own message says which (2016-W53, 2016-13). Else, the forms.
    if (text.size() >= 4 && std::all_of(text.begin(), text.begin() + 4, [](char c) { return c >= '0' && c <= '9'; }))
      throw;
    throw Error(ErrorKind::Input, std::string(field) + " " + quote(text) +
                                      ": expected a day (2016-06-30) or a period whose " + (first ? "first" : "last") +
                                      " day it means (2016, 2016-Q3, 2016-06, 2016-W05)");
  }
}

}  // namespace ledger
