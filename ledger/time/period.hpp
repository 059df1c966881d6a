// Dates and periods.
//
// A date is a Boost.Date_Time Gregorian day, written `2017-10-26`. A period
// is an inclusive range of days, the span a spend entry covers, written as
// a year `2016`, a quarter `2016-Q4`, a month `2016-10`, an ISO week
// `2016-W05`, a day `2016-10-26`,
// or a range `2016-01-01..2016-06-30` whose ends may themselves be any of
// those forms (`2016-01..2016-06` is the first half of 2016).
#pragma once

#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledger {

using Date = boost::gregorian::date;

// The first and last days a date can be (Boost.Date_Time's range, as the
// parsers accept it): 1400-01-01 and 9999-12-31. An open end of a range
// reaches them.
Date first_day();
Date last_day();
// The day of a Julian day number (boost's day_number()), or none when it
// falls outside first_day()..last_day(): stored numbers are checked, not
// trusted.
std::optional<Date> date_of_day_number(std::int64_t number);

// Parses `YYYY-MM-DD` strictly; refuses impossible days (`2017-02-30`)
// with an input error naming `field`.
Date parse_date(std::string_view text, std::string_view field = "date");
std::string format_date(const Date& date);  // `2017-10-26`

class Period {
 public:
  Period() : Period(Date(1970, 1, 1), Date(1970, 1, 1)) {}  // a placeholder
  // Both ends inclusive; asserts first <= last (parse() checks user input).
  Period(Date first, Date last);

  static Period parse(std::string_view text, std::string_view field = "period");

  const Date& first() const noexcept { return first_; }
  const Date& last() const noexcept { return last_; }
  std::int64_t days() const;  // number of days covered, at least 1

  bool contains(const Date& day) const { return first_ <= day && day <= last_; }
  bool overlaps(const Period& other) const { return first_ <= other.last_ && other.first_ <= last_; }

  // The canonical text: `2016` for a whole year, `2016-Q4`, `2016-10`,
  // `2016-W05` (Monday to Sunday), `2016-10-26` when it is exactly one of
  // those, else `first..last`.
  std::string to_string() const;

  friend bool operator==(const Period&, const Period&) = default;

 private:
  Date first_;
  Date last_;
};

// The calendar buckets a report can split a period into.
// Weeks are ISO 8601 weeks, Monday to Sunday, named by their week-numbering
// year: 2016-W01 runs from 2016-01-04 to 2016-01-10, and 2015-12-31 falls in
// 2015-W53.
enum class Granularity { Year, Quarter, Month, Week };
Granularity parse_granularity(std::string_view text, std::string_view field = "by");
std::string_view to_string(Granularity granularity);

// The bucket of `granularity` that holds `day`, as a Period.
Period bucket_of(const Date& day, Granularity granularity);

// A range's bound as people give it: a day (2016-06-30), or a period whose
// first day (`first`, for a range's start) or last day it means, as hledger
// reads -b 2016 and -e 2016-06: 2016, 2016-Q3, 2016-06, 2016-W05. Empty
// text: no bound. Throws an input error naming `field`.
std::optional<Date> range_bound(const std::string& text, std::string_view field, bool first);

}  // namespace ledger
