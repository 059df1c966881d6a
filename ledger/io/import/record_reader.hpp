// The record rules every format shares: reading the fields of one record.
//
// A record reaches the importer as a JSON object, whichever format it came
// in: a member of a document's section, a JSON Lines line, a CSV row. A
// RecordReader reads its fields one by one, checking each one's type and
// refusing fields it does not know, so that a misspelt field is an error
// rather than silently dropped. Any error it or the ledger throws while a
// field or the record is read comes out located: the file, the line (from
// the record's JsonLocations) and the field, `x.json:14: spend[0].amount`.
// The accessors stay in the class, inline as on the import's hot path; the
// error paths are in record_reader.cpp.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/error.hpp"
#include "ledger/io/import/shared.hpp"
#include "ledger/io/json_locations.hpp"
#include "ledger/ledger.hpp"

namespace ledger::import_detail {

// Reads one record's fields, checking types and unknown names, and turns any
// error into one that names the file, the line and the field.
class RecordReader {
 public:
  RecordReader(const json& record, std::string pointer, std::string label, const JsonLocations& locations,
               const std::string& file)
      : record_(record), pointer_(std::move(pointer)), label_(std::move(label)), locations_(locations), file_(file) {
    if (!record_.is_object()) fail_record(ErrorKind::Input, "must be an object");
  }

  // Refuses fields other than `known`, so that a misspelt field is an error
  // rather than silently dropped.
  void only(std::initializer_list<std::string_view> known) const {
    for (const auto& [name, value] : record_.items()) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || k == name;
      if (!ok) fail_field(name, ErrorKind::Input, "unknown field");
    }
  }

  bool has(const std::string& name) const { return value(name) != nullptr; }

  // An optional id: absent or null lets the ledger assign one, but a
  // present id must be a valid slug (an empty string is not "no id").
  std::string opt_id(const std::string& name) const {
    std::optional<std::string> id = opt_string(name);
    if (!id) return "";
    field(name, [&] { check_slug(*id, name); });
    return *id;
  }

  std::string string(const std::string& name) const {
    const json* v = value(name);
    if (!v) fail_field(name, ErrorKind::Input, "is required");
    return string_of(name, *v);
  }
  std::optional<std::string> opt_string(const std::string& name) const {
    const json* v = value(name);
    if (!v) return std::nullopt;
    return string_of(name, *v);
  }
  std::optional<std::int64_t> opt_count(const std::string& name) const {
    const json* v = value(name);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) fail_field(name, ErrorKind::Input, "must be a whole number, not " + shown(*v));
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(kCountMax))
      fail_field(name, ErrorKind::Input, shown(*v) + " is larger than the limit");
    return v->get<std::int64_t>();
  }
  bool boolean(const std::string& name, bool fallback) const {
    const json* v = value(name);
    if (!v) return fallback;
    if (!v->is_boolean()) fail_field(name, ErrorKind::Input, "must be true or false, not " + shown(*v));
    return v->get<bool>();
  }
  std::vector<std::string> strings(const std::string& name) const {
    std::vector<std::string> out;
    const json* v = value(name);
    if (!v) return out;
    if (!v->is_array()) fail_field(name, ErrorKind::Input, "must be an array of strings");
    for (const json& item : *v) {
      if (!item.is_string()) fail_field(name, ErrorKind::Input, "must be an array of strings, has " + shown(item));
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  // Amounts are strings so that no JSON reader turns them into binary
  // floating point on the way; a JSON number is refused with that reason.
  // True when the field is a string (false for a JSON number and the rest).
  bool string_or_number(const std::string& name) const { return record_.at(name).is_string(); }
  std::string decimal_string(const std::string& name) const {
    const json* v = value(name);
    if (!v) fail_field(name, ErrorKind::Input, "is required");
    if (!v->is_string())
      fail_field(name, ErrorKind::Input, "must be a string such as \"274100.00\": JSON numbers are not exact");
    return v->get<std::string>();
  }
  Currency currency() const {
    return field("currency", [&] { return Currency::from_code(string("currency"), "currency"); });
  }
  Money amount(const Currency& currency) const {
    return field("amount", [&] { return Money::parse_positive(decimal_string("amount"), currency, "amount"); });
  }
  Money lower_bound(const Currency& currency) const {
    return field("amount", [&] { return Money::parse_nonnegative(decimal_string("amount"), currency, "amount"); });
  }
  RecordReader nested(const std::string& name) const {
    return RecordReader(record_.at(name), pointer_ + "/" + name, label_ + "." + name, locations_, file_);
  }
  const json& array(const std::string& name) const {
    static const json empty = json::array();
    const json* v = value(name);
    if (!v) return empty;
    if (!v->is_array()) fail_field(name, ErrorKind::Input, "must be an array");
    return *v;
  }

  // Runs `parse` on field `name`; an error it throws is located at the field.
  template <typename F>
  auto field(const std::string& name, F parse) const -> decltype(parse()) {
    try {
      return parse();
    } catch (const Located&) {
      throw;
    } catch (const Error& e) {
      throw Located(e.kind(), location(pointer_ + "/" + name) + label_ + "." + e.what(), e.reason());
    }
  }

  // Runs `act` for the whole record; an error not yet located is located at
  // the record.
  template <typename F>
  void record(F act) const {
    try {
      act();
    } catch (const Located&) {
      throw;
    } catch (const Error& e) {
      throw Located(e.kind(), location(pointer_) + label_ + ": " + e.what(), e.reason());
    }
  }

  std::string child_pointer(const std::string& name, std::size_t index) const {
    return pointer_ + "/" + name + "/" + std::to_string(index);
  }
  const std::string& label() const { return label_; }

  struct Located : Error {
    using Error::Error;
  };

 private:
  // Field `name`'s value, or null when it is absent or JSON null: one
  // look-up, as each field is read once a record.
  const json* value(std::string_view name) const {
    auto it = record_.find(name);
    return it == record_.end() || it->is_null() ? nullptr : &*it;
  }
  std::string string_of(std::string_view name, const json& v) const {
    if (!v.is_string()) fail_field(name, ErrorKind::Input, "must be a string, not " + std::string(v.type_name()));
    return v.get<std::string>();
  }

  std::string location(const std::string& pointer) const;
  [[noreturn]] void fail_field(std::string_view name, ErrorKind kind, const std::string& reason) const;
  [[noreturn]] void fail_record(ErrorKind kind, const std::string& reason) const;

  const json& record_;
  std::string pointer_;
  std::string label_;
  const JsonLocations& locations_;
  const std::string& file_;
};

using Located = RecordReader::Located;

}  // namespace ledger::import_detail
