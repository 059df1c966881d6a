#include "ledger/io/record_rules.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>

namespace ledger {
namespace {

using json = nlohmann::json;
using Result = std::optional<SchemaViolation>;

// valijson's descriptions, word for word.
constexpr const char* kType = "Value type not permitted by 'type' constraint.";
constexpr const char* kPattern = "Failed to match regex specified by 'pattern' constraint.";
constexpr const char* kEnum = "Failed to match against any enum values.";
constexpr const char* kMinOneItem = "Array should contain no fewer than 1 elements.";
constexpr const char* kNotExactlyOne = "Failed to validate against exactly one child schema.";

Result fail(std::string reason) { return SchemaViolation{"", std::move(reason)}; }

// A violation found within member `name`, as seen from its parent.
Result in_member(Result r, std::string_view name) {
  if (r) r->pointer.insert(0, "/" + std::string(name));
  return r;
}
Result in_item(Result r, std::size_t index) {
  if (r) r->pointer.insert(0, "/" + std::to_string(index));
  return r;
}

// ---------------------------------------------------------------------------
// String lengths as valijson counts them (utils::u8_strlen over c_str()):
// characters up to the first NUL, a character being a lead byte and the
// continuation bytes after it, and counting stops at one whose code works
// out to zero. Counts no further than `stop_at`.

std::size_t length_of(const std::string& s, std::size_t stop_at) {
  static constexpr std::array<std::uint64_t, 6> kOffsets = {0x00000000UL, 0x00003080UL, 0x000E2080UL,
                                                             0x03C82080UL, 0xFA082080UL, 0x82082080UL};
  const char* p = s.c_str();
  std::size_t count = 0;
  std::size_t i = 0;
  while (p[i] != 0 && count < stop_at) {
    std::uint64_t code = 0;
    std::size_t size = 0;
    do {
      code = (code << 6) + static_cast<unsigned char>(p[i++]);
      ++size;
    } while (p[i] != 0 && (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80);
    code -= kOffsets[std::min<std::size_t>(size, kOffsets.size()) - 1];
    if (code == 0) break;
    ++count;
  }
  return count;
}

// ---------------------------------------------------------------------------
// The patterns of common.schema.json and import.schema.json, each decided
// by hand over the bytes, as std::regex matches them.

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || is_digit(c); }

// ^[a-z0-9][a-z0-9_-]{0,63}$
bool matches_slug(std::string_view s) {
  if (s.empty() || s.size() > 64 || !is_lower_or_digit(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) { return is_lower_or_digit(c) || c == '_' || c == '-'; });
}

// (1[4-9][0-9]{2}|[2-9][0-9]{3}) at `s`: a year from 1400 to 9999.
bool is_year(std::string_view s) {
  if (s.size() < 4 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3])) return false;
  return s[0] >= '2' || (s[0] == '1' && s[1] >= '4');
}
// (0[1-9]|1[0-2])
bool is_month(std::string_view s) {
  return s.size() >= 2 && ((s[0] == '0' && s[1] >= '1' && s[1] <= '9') || (s[0] == '1' && s[1] >= '0' && s[1] <= '2'));
}
// (0[1-9]|[12][0-9]|3[01])
bool is_day(std::string_view s) {
  if (s.size() < 2 || !is_digit(s[1])) return false;
  return (s[0] == '0' && s[1] != '0') || s[0] == '1' || s[0] == '2' || (s[0] == '3' && s[1] <= '1');
}

// ^YEAR-MONTH-DAY$
bool matches_date(std::string_view s) {
  return s.size() == 10 && is_year(s) && s[4] == '-' && is_month(s.substr(5)) && s[7] == '-' && is_day(s.substr(8));
}

// One end of a period: YEAR(-([Qq][1-4]|[Ww](0[1-9]|[1-4][0-9]|5[0-3])|MONTH|MONTH-DAY))?
// The bytes it takes from the start of `s` (the longest form, which is the
// only one that can be followed by the end or by ".."), or 0.
std::size_t period_point(std::string_view s) {
  if (!is_year(s)) return 0;
  if (s.size() == 4 || s[4] != '-') return 4;
  std::string_view rest = s.substr(5);
  if (rest.size() >= 2 && (rest[0] == 'Q' || rest[0] == 'q') && rest[1] >= '1' && rest[1] <= '4') return 7;
  if (rest.size() >= 3 && (rest[0] == 'W' || rest[0] == 'w')) {
    char a = rest[1], b = rest[2];
    bool week = (a == '0' && b >= '1' && b <= '9') || (a >= '1' && a <= '4' && is_digit(b)) || (a == '5' && b >= '0' && b <= '3');
    if (week) return 8;
  }
  if (is_month(rest)) {
    if (rest.size() >= 5 && rest[2] == '-' && is_day(rest.substr(3))) return 10;
    return 7;
  }
  return 4;  // the '-' is left unmatched, which the caller refuses
}

// ^POINT(\.\.POINT)?$
bool matches_period(std::string_view s) {
  std::size_t first = period_point(s);
  if (first == 0) return false;
  if (first == s.size()) return true;
  if (s.size() < first + 2 || s[first] != '.' || s[first + 1] != '.') return false;
  std::string_view rest = s.substr(first + 2);
  std::size_t second = period_point(rest);
  return second != 0 && second == rest.size();
}

// ^(0|[1-9][0-9]{0,2}(,[0-9]{3})*|[1-9][0-9]*)(\.[0-9]{1,DECIMALS})?$
bool matches_amount(std::string_view s, std::size_t decimals_max) {
  std::size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  if (dot != std::string_view::npos) {
    std::string_view fraction = s.substr(dot + 1);
    if (fraction.empty() || fraction.size() > decimals_max || !std::all_of(fraction.begin(), fraction.end(), is_digit))
      return false;
  }
  if (whole == "0") return true;
  if (whole.empty() || whole[0] < '1' || whole[0] > '9') return false;
  if (std::all_of(whole.begin(), whole.end(), is_digit)) return true;
  // Grouped: 1 to 3 digits, then groups of a comma and 3 digits.
  std::size_t comma = whole.find(',');
  if (comma > 3) return false;
  if (!std::all_of(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(comma), is_digit)) return false;
  for (std::size_t i = comma; i < whole.size(); i += 4) {
    if (whole.size() - i < 4 || whole[i] != ',' || !is_digit(whole[i + 1]) || !is_digit(whole[i + 2]) ||
        !is_digit(whole[i + 3]))
      return false;
  }
  return true;
}

// The lookahead (?![0,]*(\.0*)?$) of `decimal`, and (?!0*(\.0*)?$) of a
// rate: true when `s` is all zeros (and, for an amount, commas), with an
// optional point.
bool is_zero_text(std::string_view s, bool commas) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == '0' || (commas && s[i] == ','))) ++i;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i) + 1, s.end(), [](char c) { return c == '0'; });
}

bool matches_decimal_or_zero(std::string_view s) { return matches_amount(s, 4); }
bool matches_decimal(std::string_view s) { return !is_zero_text(s, /*commas=*/true) && matches_amount(s, 4); }

// ^(?!0*(\.0*)?$)[0-9]+(\.[0-9]{1,12})?$
bool matches_rate(std::string_view s) {
  if (is_zero_text(s, /*commas=*/false)) return false;
  std::size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  if (whole.empty() || !std::all_of(whole.begin(), whole.end(), is_digit)) return false;
  if (dot == std::string_view::npos) return true;
  std::string_view fraction = s.substr(dot + 1);
  return !fraction.empty() && fraction.size() <= 12 && std::all_of(fraction.begin(), fraction.end(), is_digit);
}

// ^[^\u0000-\u0008\u000a-\u001f\u007f]*$: no control character but tab.
bool matches_text(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto b = static_cast<unsigned char>(c);
    return (b < 0x20 && b != '\t') || b == 0x7f;
  });
}

// ^[Hh][Tt][Tt][Pp][Ss]?://[^\u0000-\u0020\u007f/?#][^\u0000-\u0020\u007f]*$: http or
// https, a host, and no space or control character.
bool matches_url(std::string_view s) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  std::size_t i = 0;
  for (char c : std::string_view("http")) {
    if (i >= s.size() || lower(s[i]) != c) return false;
    ++i;
  }
  if (i < s.size() && lower(s[i]) == 's') ++i;
  if (s.substr(i, 3) != "://") return false;
  i += 3;
  auto plain = [](char c) {
    auto b = static_cast<unsigned char>(c);
    return b > 0x20 && b != 0x7f;
  };
  if (i >= s.size() || !plain(s[i]) || s[i] == '/' || s[i] == '?' || s[i] == '#') return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(), plain);
}

// ^[A-Z]{2}$
bool matches_country(std::string_view s) {
  return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

// A pledge's amount in a currency of 0, 3 or 2 decimals:
// ^[^.]*$, ^[^.]*(\.[0-9]{1,3})?$, ^[^.]*(\.[0-9]{1,2})?$.
bool matches_places(std::string_view s, std::size_t decimals_max) {
  std::size_t dot = s.find('.');
  if (dot == std::string_view::npos) return true;
  std::string_view fraction = s.substr(dot + 1);
  return !fraction.empty() && fraction.size() <= decimals_max && std::all_of(fraction.begin(), fraction.end(), is_digit);
}

// ---------------------------------------------------------------------------
// The definitions a field refers to. valijson applies a schema's keywords
// in a fixed order (allOf, anyOf, const, enum, items, if, maximum, maxItems,
// maxLength, minimum, minItems, minLength, oneOf, pattern, properties,
// required, type); the first that fails gives the description.

using Pattern = bool (*)(std::string_view);

// {"type": "string", "maxLength": MAX, "minLength": MIN, "pattern": P}, any
// of them absent (0 or null).
Result check_string(const json& v, std::size_t length_max, std::size_t length_min, Pattern pattern) {
  if (!v.is_string()) return fail(kType);
  const std::string& s = v.get_ref<const std::string&>();
  if (length_max != 0 && s.size() > length_max && length_of(s, length_max + 1) > length_max)
    return fail("String should be no more than " + std::to_string(length_max) + " characters in length.");
  if (length_min != 0 && length_of(s, length_min) < length_min)
    return fail("String should be no fewer than " + std::to_string(length_min) + " characters in length.");
  if (pattern && !pattern(s)) return fail(kPattern);
  return std::nullopt;
}

Result check_slug(const json& v) { return check_string(v, 0, 0, matches_slug); }
Result check_date(const json& v) { return check_string(v, 0, 0, matches_date); }
Result check_period(const json& v) { return check_string(v, 64, 0, matches_period); }
Result check_text(const json& v) { return check_string(v, 4096, 1, matches_text); }
Result check_url(const json& v) { return check_string(v, 2048, 0, matches_url); }
Result check_short_text(const json& v) { return check_string(v, 256, 1, matches_text); }
Result check_decimal(const json& v) { return check_string(v, 64, 0, matches_decimal); }
Result check_decimal_or_zero(const json& v) { return check_string(v, 64, 0, matches_decimal_or_zero); }
Result check_country(const json& v) { return check_string(v, 0, 0, matches_country); }
Result check_rate(const json& v) { return check_string(v, 40, 0, matches_rate); }
// The currency of a record: a string (its list is the ledger's, schema_check.hpp).
Result check_currency(const json& v) { return v.is_string() ? std::nullopt : fail(kType); }

Result check_enum(const json& v, std::initializer_list<std::string_view> values) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    for (std::string_view value : values)
      if (s == value) return std::nullopt;
  }
  return fail(kEnum);
}
Result check_precision(const json& v) { return check_enum(v, {"exact", "approximate", "estimated", "range"}); }
Result check_count_precision(const json& v) { return check_enum(v, {"exact", "approximate", "estimated"}); }
Result check_policy_kind(const json& v) {
  return check_enum(v, {"ad_ban", "ban_lift", "suspension", "disclosure", "targeting_change"});
}

// A number as valijson reads it: a float as is, an integer through int64_t.
double number_of(const json& v) {
  return v.is_number_float() ? v.get<double>() : static_cast<double>(v.get<std::int64_t>());
}

// {"type": "integer", "minimum": MIN, "maximum": MAX}
Result check_integer(const json& v, double minimum, double maximum) {
  if (v.is_number()) {
    double x = number_of(v);
    if (x > maximum) return fail("Expected number less than or equal to " + std::to_string(maximum));
    if (x < minimum) return fail("Expected number greater than or equal to " + std::to_string(minimum));
  }
  if (!v.is_number_integer()) return fail(kType);
  return std::nullopt;
}
Result check_count(const json& v) { return check_integer(v, 0, 1e12); }

// {"anyOf": [RULE, {"type": "null"}]}: RULE's violation is the first valijson reports.
template <typename Rule>
Result or_null(const json& v, Rule rule) {
  return v.is_null() ? std::nullopt : rule(v);
}

// {"type": ["array", "null"], "items": RULE}: the items first, then the type.
template <typename Rule>
Result check_list(const json& v, Rule rule) {
  if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i)
      if (Result r = rule(v[i])) return in_item(std::move(r), i);
    return std::nullopt;
  }
  return v.is_null() ? std::nullopt : fail(kType);
}

// ---------------------------------------------------------------------------
// An object's members, looked up without copying a name.

class Members {
 public:
  Members(const json::object_t& object, TypeMember type) : object_(object), type_(type) {}

  const json* find(std::string_view name) const {
    auto it = object_.find(name);
    return it == object_.end() ? nullptr : &it->second;
  }

  // `rule` over member `name` when it is present.
  template <typename Rule>
  Result check(std::string_view name, Rule rule) const {
    const json* v = find(name);
    return v ? in_member(rule(*v), name) : std::nullopt;
  }

  // "additionalProperties": false: the first member by name that is not
  // one of `known`.
  Result only(std::initializer_list<std::string_view> known) const {
    for (const auto& [name, value] : object_) {
      if (type_ == TypeMember::Ignored && name == "type") continue;
      if (std::find(known.begin(), known.end(), name) == known.end())
        return fail("Object contains a property that could not be validated using 'properties' or "
                    "'additionalProperties' constraints: '" +
                    name + "'.");
    }
    return std::nullopt;
  }

  // "required": the first absent member by name (valijson keeps the
  // required names sorted, whatever the schema's order).
  Result required(std::initializer_list<std::string_view> names) const {
    std::optional<std::string_view> missing;
    for (std::string_view name : names)
      if (!find(name) && (!missing || name < *missing)) missing = name;
    if (!missing) return std::nullopt;
    return fail("Missing required property '" + std::string(*missing) + "'.");
  }

 private:
  const json::object_t& object_;
  TypeMember type_;
};

// Returns the first violation of a sequence of checks, each run only when
// those before it passed.
#define ADLEDGER_RULE(expr)         \
  do {                              \
    if (Result r_ = (expr)) return r_; \
  } while (false)

// The object definitions, each in valijson's order: its allOf, its oneOf,
// its properties by name, the unknown members, the required ones.

Result check_handle(const json& v) {
  if (!v.is_object()) return fail(kType);
  Members m(v.get_ref<const json::object_t&>(), TypeMember::Field);
  ADLEDGER_RULE(m.check("handle", check_short_text));
  ADLEDGER_RULE(m.check("platform", check_slug));
  ADLEDGER_RULE(m.only({"handle", "platform"}));
  return m.required({"platform", "handle"});
}

Result check_basis(const json& v) {
  if (!v.is_object()) return fail(kType);
  Members m(v.get_ref<const json::object_t&>(), TypeMember::Field);
  ADLEDGER_RULE(m.check("advertiser", [](const json& x) { return or_null(x, check_slug); }));
  ADLEDGER_RULE(m.check("period", [](const json& x) { return or_null(x, check_period); }));
  return m.only({"advertiser", "period"});
}

Result check_disbursement(const json& v) {
  if (!v.is_object()) return fail(kType);
  Members m(v.get_ref<const json::object_t&>(), TypeMember::Field);
  ADLEDGER_RULE(m.check("amount", check_decimal));
  ADLEDGER_RULE(m.check("date", check_date));
  ADLEDGER_RULE(m.check("id", [](const json& x) { return or_null(x, check_slug); }));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.only({"amount", "date", "id", "source", "source_accessed", "source_quote", "source_url"}));
  return m.required({"amount", "date", "source"});
}

Result platform(const Members& m) {
  ADLEDGER_RULE(m.check("id", check_slug));
  ADLEDGER_RULE(m.check("name", check_text));
  ADLEDGER_RULE(m.only({"id", "name"}));
  return m.required({"id", "name"});
}

Result advertiser(const Members& m) {
  ADLEDGER_RULE(m.check("country", [](const json& x) { return or_null(x, check_country); }));
  ADLEDGER_RULE(m.check("handles", [](const json& x) { return check_list(x, check_handle); }));
  ADLEDGER_RULE(m.check("id", check_slug));
  ADLEDGER_RULE(m.check("name", check_text));
  ADLEDGER_RULE(m.check("state_affiliated", [](const json& x) {
    return x.is_boolean() || x.is_null() ? std::nullopt : fail(kType);
  }));
  ADLEDGER_RULE(m.only({"country", "handles", "id", "name", "state_affiliated"}));
  return m.required({"id", "name"});
}

Result handle_record(const Members& m) {
  ADLEDGER_RULE(m.check("advertiser", check_slug));
  ADLEDGER_RULE(m.check("handle", check_short_text));
  ADLEDGER_RULE(m.check("platform", check_slug));
  ADLEDGER_RULE(m.only({"advertiser", "handle", "platform"}));
  return m.required({"advertiser", "platform", "handle"});
}

// {"type": "array", "minItems": 1} under "properties", in a conditional.
Result check_nonempty_array(const json& v) {
  if (v.is_array() && v.empty()) return fail(kMinOneItem);
  return v.is_array() ? std::nullopt : fail(kType);
}

Result policy_action(const Members& m) {
  // The allOf of conditionals on the kind, in order. "properties": {"kind":
  // {"const": K}} holds when the kind is absent or K.
  const json* kind = m.find("kind");
  auto kind_may_be = [&](std::string_view k) { return !kind || (kind->is_string() && *kind == k); };
  auto null_unless = [&](std::string_view k, std::string_view field) -> Result {
    if (kind_may_be(k)) return std::nullopt;
    return m.check(field, [](const json& x) { return x.is_null() ? std::nullopt : fail(kType); });
  };
  ADLEDGER_RULE(null_unless("ad_ban", "end_date"));
  ADLEDGER_RULE(null_unless("ban_lift", "lifts"));
  ADLEDGER_RULE(null_unless("suspension", "accounts"));
  if (kind_may_be("ad_ban")) {
    ADLEDGER_RULE(m.check("advertisers", check_nonempty_array));
    ADLEDGER_RULE(m.required({"advertisers"}));
  }
  // anyOf [{required: [F], F: TYPE}, {required: [advertisers], advertisers:
  // non-empty array}]: when both fail, the first one's violation.
  auto either = [&](std::string_view field, bool (*is_type)(const json&)) -> Result {
    const json* advertisers = m.find("advertisers");
    if (advertisers && advertisers->is_array() && !advertisers->empty()) return std::nullopt;
    const json* v = m.find(field);
    if (!v) return m.required({field});
    return is_type(*v) ? std::nullopt : in_member(fail(kType), field);
  };
  if (kind_may_be("ban_lift")) ADLEDGER_RULE(either("lifts", [](const json& x) { return x.is_string(); }));
  if (kind_may_be("suspension")) ADLEDGER_RULE(either("accounts", [](const json& x) { return x.is_number_integer(); }));

  ADLEDGER_RULE(m.check("accounts", [](const json& x) { return or_null(x, [](const json& y) { return check_integer(y, 1, 1e12); }); }));
  ADLEDGER_RULE(m.check("advertisers", [](const json& x) { return check_list(x, check_slug); }));
  ADLEDGER_RULE(m.check("date", check_date));
  ADLEDGER_RULE(m.check("description", check_text));
  ADLEDGER_RULE(m.check("end_date", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("id", [](const json& x) { return or_null(x, check_slug); }));
  ADLEDGER_RULE(m.check("kind", check_policy_kind));
  ADLEDGER_RULE(m.check("lifts", [](const json& x) { return or_null(x, check_slug); }));
  ADLEDGER_RULE(m.check("note", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("platform", check_slug));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.only({"accounts", "advertisers", "date", "description", "end_date", "id", "kind", "lifts", "note",
                        "platform", "source", "source_accessed", "source_quote", "source_url"}));
  return m.required({"kind", "platform", "date", "description", "source"});
}

Result policy_withdrawal(const Members& m) {
  ADLEDGER_RULE(m.check("action", check_slug));
  ADLEDGER_RULE(m.check("reason", check_text));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.only({"action", "reason", "source", "source_accessed", "source_quote", "source_url"}));
  return m.required({"action", "reason", "source"});
}

// A pledge's, a disbursement's or a disclosed total's withdrawal: the
// record's id under `field`, the reason and the source.
Result withdrawal_of(const Members& m, const char* field) {
  ADLEDGER_RULE(m.check(field, check_slug));
  ADLEDGER_RULE(m.check("reason", check_text));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.only({field, "reason", "source", "source_accessed", "source_quote", "source_url"}));
  return m.required({field, "reason", "source"});
}
Result disbursement_withdrawal(const Members& m) { return withdrawal_of(m, "disbursement"); }
Result pledge_withdrawal(const Members& m) { return withdrawal_of(m, "pledge"); }
Result disclosure_withdrawal(const Members& m) { return withdrawal_of(m, "disclosure"); }

Result spend(const Members& m) {
  // allOf: amount_fits_currency (left to Money's parsers), then "only a
  // range may have a zero amount or an upper bound".
  const json* precision = m.find("precision");
  bool range = precision && precision->is_string() && *precision == "range";
  if (!range) {
    ADLEDGER_RULE(m.check("amount", check_decimal));
    ADLEDGER_RULE(m.check("upper", [](const json& x) { return x.is_null() ? std::nullopt : fail(kType); }));
  }
  ADLEDGER_RULE(m.check("advertiser", check_slug));
  ADLEDGER_RULE(m.check("amount", check_decimal_or_zero));
  ADLEDGER_RULE(m.check("currency", check_currency));
  ADLEDGER_RULE(m.check("handle", [](const json& x) { return or_null(x, check_short_text); }));
  ADLEDGER_RULE(m.check("id", [](const json& x) { return or_null(x, check_short_text); }));
  ADLEDGER_RULE(m.check("items", [](const json& x) { return or_null(x, check_count); }));
  ADLEDGER_RULE(m.check("items_precision", [](const json& x) { return or_null(x, check_count_precision); }));
  ADLEDGER_RULE(m.check("market", check_short_text));
  ADLEDGER_RULE(m.check("note", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("period", check_period));
  ADLEDGER_RULE(m.check("platform", check_slug));
  ADLEDGER_RULE(m.check("precision", [](const json& x) { return or_null(x, check_precision); }));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.check("tags", [](const json& x) { return check_list(x, check_short_text); }));
  ADLEDGER_RULE(m.check("upper", [](const json& x) { return or_null(x, check_decimal); }));
  ADLEDGER_RULE(m.only({"advertiser", "amount", "currency", "handle", "id", "items", "items_precision", "market",
                        "note", "period", "platform", "precision", "source", "source_accessed", "source_quote",
                        "source_url", "tags", "upper"}));
  return m.required({"advertiser", "platform", "amount", "currency", "period", "market", "source"});
}

Result spend_reversal(const Members& m) {
  // oneOf [{required: [entry]}, {required: [spend]}, {required: [file_entry]}]
  int named = (m.find("entry") != nullptr) + (m.find("spend") != nullptr) + (m.find("file_entry") != nullptr);
  if (named == 0) return m.required({"entry"});
  if (named > 1) return fail(kNotExactlyOne);
  constexpr double kEntryMax = 9223372036854775807.0;
  ADLEDGER_RULE(m.check("entry", [](const json& x) { return check_integer(x, 1, kEntryMax); }));
  ADLEDGER_RULE(m.check("file_entry", [](const json& x) { return check_integer(x, 1, kEntryMax); }));
  ADLEDGER_RULE(m.check("reason", check_text));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.check("spend", check_short_text));
  ADLEDGER_RULE(m.only(
      {"entry", "file_entry", "reason", "source", "source_accessed", "source_quote", "source_url", "spend"}));
  return m.required({"reason", "source"});
}

bool currency_in(const json* currency, std::initializer_list<std::string_view> codes) {
  // "properties": {"currency": {"enum": [...]}} holds when the currency is absent too.
  if (!currency) return true;
  if (!currency->is_string()) return false;
  const std::string& code = currency->get_ref<const std::string&>();
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

Result pledge(const Members& m) {
  // allOf: the amount's and the disbursements' decimal places, by the
  // currency's (common.schema.json's currency_N_decimals).
  const json* currency = m.find("currency");
  Pattern places = nullptr;
  if (currency_in(currency, {"BIF", "BYR", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
                             "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}))
    places = [](std::string_view s) { return matches_places(s, 0); };
  else if (currency_in(currency, {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}))
    places = [](std::string_view s) { return matches_places(s, 3); };
  else if (!currency_in(currency, {"CLF", "UYW"}))
    places = [](std::string_view s) { return matches_places(s, 2); };
  if (places) {
    if (const json* amount = m.find("amount"); amount && amount->is_string() && !places(amount->get_ref<const std::string&>()))
      return in_member(fail(kPattern), "amount");
    // anyOf [{type: null}, {items: {properties: {amount: {pattern}}}}]:
    // when both fail, the first one's violation, the type.
    if (const json* list = m.find("disbursements"); list && list->is_array()) {
      for (const json& item : *list) {
        if (!item.is_object()) continue;
        auto amount = item.find("amount");
        if (amount != item.end() && amount->is_string() && !places(amount->get_ref<const std::string&>()))
          return in_member(fail(kType), "disbursements");
      }
    }
  }
  ADLEDGER_RULE(m.check("amount", check_decimal));
  ADLEDGER_RULE(m.check("basis", [](const json& x) { return or_null(x, check_basis); }));
  ADLEDGER_RULE(m.check("beneficiary", check_text));
  ADLEDGER_RULE(m.check("currency", check_currency));
  ADLEDGER_RULE(m.check("date", check_date));
  ADLEDGER_RULE(m.check("disbursements", [](const json& x) { return check_list(x, check_disbursement); }));
  ADLEDGER_RULE(m.check("id", [](const json& x) { return or_null(x, check_slug); }));
  ADLEDGER_RULE(m.check("note", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("platform", check_slug));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.only({"amount", "basis", "beneficiary", "currency", "date", "disbursements", "id", "note",
                        "platform", "source", "source_accessed", "source_quote", "source_url"}));
  return m.required({"platform", "amount", "currency", "date", "beneficiary", "source"});
}

Result disbursement_record(const Members& m) {
  ADLEDGER_RULE(m.check("amount", check_decimal));
  ADLEDGER_RULE(m.check("currency", check_currency));
  ADLEDGER_RULE(m.check("date", check_date));
  ADLEDGER_RULE(m.check("id", [](const json& x) { return or_null(x, check_slug); }));
  ADLEDGER_RULE(m.check("pledge", check_slug));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.only(
      {"amount", "currency", "date", "id", "pledge", "source", "source_accessed", "source_quote", "source_url"}));
  return m.required({"pledge", "amount", "currency", "date", "source"});
}

Result disclosure(const Members& m) {
  ADLEDGER_RULE(m.check("advertiser", check_slug));
  ADLEDGER_RULE(m.check("amount", check_decimal));
  ADLEDGER_RULE(m.check("currency", check_currency));
  ADLEDGER_RULE(m.check("date", check_date));
  ADLEDGER_RULE(m.check("id", [](const json& x) { return or_null(x, check_slug); }));
  ADLEDGER_RULE(m.check("note", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("period", check_period));
  ADLEDGER_RULE(m.check("platform", check_slug));
  // The schema's "not": {"const": "range"} stands beside a $ref, which
  // valijson (reading draft 7) follows alone: the importer refuses a range.
  ADLEDGER_RULE(m.check("precision", [](const json& x) { return or_null(x, check_precision); }));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.only({"advertiser", "amount", "currency", "date", "id", "note", "period", "platform", "precision",
                        "source", "source_accessed", "source_quote", "source_url"}));
  return m.required({"platform", "advertiser", "amount", "currency", "period", "date", "source"});
}

Result rate(const Members& m) {
  ADLEDGER_RULE(m.check("date", check_date));
  ADLEDGER_RULE(m.check("from", check_currency));
  ADLEDGER_RULE(m.check("rate", check_rate));
  ADLEDGER_RULE(m.check("source", check_text));
  ADLEDGER_RULE(m.check("source_accessed", [](const json& x) { return or_null(x, check_date); }));
  ADLEDGER_RULE(m.check("source_quote", [](const json& x) { return or_null(x, check_text); }));
  ADLEDGER_RULE(m.check("source_url", [](const json& x) { return or_null(x, check_url); }));
  ADLEDGER_RULE(m.check("to", check_currency));
  ADLEDGER_RULE(m.only({"date", "from", "rate", "source", "source_accessed", "source_quote", "source_url", "to"}));
  return m.required({"from", "to", "rate", "date", "source"});
}

#undef ADLEDGER_RULE

struct SectionRules {
  std::string_view name;
  Result (*check)(const Members&);
};
constexpr std::array<SectionRules, 14> kSections = {{
    {"platforms", platform},
    {"advertisers", advertiser},
    {"handles", handle_record},
    {"policy_actions", policy_action},
    {"policy_withdrawals", policy_withdrawal},
    {"spend", spend},
    {"spend_reversals", spend_reversal},
    {"pledges", pledge},
    {"disbursements", disbursement_record},
    {"disclosures", disclosure},
    {"disbursement_withdrawals", disbursement_withdrawal},
    {"pledge_withdrawals", pledge_withdrawal},
    {"disclosure_withdrawals", disclosure_withdrawal},
    {"rates", rate},
}};

}  // namespace

std::optional<SchemaViolation> check_record_rules(std::string_view section, const json& record, TypeMember type) {
  auto rules = std::find_if(kSections.begin(), kSections.end(), [&](const SectionRules& s) { return s.name == section; });
  if (rules == kSections.end()) throw std::out_of_range("check_record_rules: no section " + std::string(section));
  if (!record.is_object()) {
    // Every keyword but "type" passes a value that is not an object, and
    // so do the three branches of a reversal's oneOf: too many.
    return fail(rules->name == "spend_reversals" ? kNotExactlyOne : kType);
  }
  return rules->check(Members(record.get_ref<const json::object_t&>(), type));
}

}  // namespace ledger
