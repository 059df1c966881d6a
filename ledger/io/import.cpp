#include "ledger/io/import.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "ledger/error.hpp"
#include "ledger/io/json_locations.hpp"
#include "ledger/io/csv_reader.hpp"
#include "ledger/io/json_stream.hpp"
#include "ledger/io/record_rules.hpp"

namespace ledger {
namespace {

using json = nlohmann::json;

constexpr std::string_view kFormat = "adledger/1";
constexpr int kDepthMax = 32;  // an import needs 5 levels; more is a mistake or an attack

// A JSON value as an error message shows it: short, escaped, one line.
std::string shown(const json& v) { return quote(v.dump(-1, ' ', false, json::error_handler_t::replace)); }

// A field name as an error message shows it: as is when it is a plain
// name, else quoted (escaped and cut), so no key can flood or garble the
// terminal.
std::string field_name(std::string_view name) {
  bool plain = !name.empty() && name.size() <= 64;
  for (char c : name) plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  return plain ? std::string(name) : quote(name);
}

// A JSON Pointer into the document as the error messages name records:
// /spend/0/amount is spend[0].amount.
std::string label_of(const std::string& pointer) {
  std::string out;
  std::size_t i = 0;
  while (i < pointer.size()) {
    std::size_t next = pointer.find('/', i + 1);
    std::string token = pointer.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
    bool index = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
    out += index ? "[" + token + "]" : (out.empty() ? "" : ".") + field_name(token);
    i = next == std::string::npos ? pointer.size() : next;
  }
  return out.empty() ? "document" : out;
}

struct ParseFailure {
  std::size_t line;  // of the text parsed
  std::string reason;
};

// The document section a JSON Lines record's type belongs to, or null.
const std::string* section_of_type(const std::string& type) {
  static const std::map<std::string, std::string> kSection = {
      {"platform", "platforms"},
      {"advertiser", "advertisers"},
      {"handle", "handles"},
      {"policy_action", "policy_actions"},
      {"policy_withdrawal", "policy_withdrawals"},
      {"spend", "spend"},
      {"spend_reversal", "spend_reversals"},
      {"pledge", "pledges"},
      {"disbursement", "disbursements"},
      {"disclosure", "disclosures"},
      {"rate", "rates"}};
  auto it = kSection.find(type);
  return it == kSection.end() ? nullptr : &it->second;
}

// Parses strictly (check_json's checks: syntax, duplicate keys, depth, huge
// numbers, NUL bytes, each with its line) while building the value, in one
// pass over the text. Throws ParseFailure.
json parse_strict(std::string_view text, int depth_max = kDepthMax) {
  json value;
  if (auto problem = parse_json(text, depth_max, value)) throw ParseFailure{problem->line, problem->reason};
  return value;
}

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

  bool has(const std::string& name) const { return record_.contains(name) && !record_.at(name).is_null(); }

  // An optional id: absent or null lets the ledger assign one, but a
  // present id must be a valid slug (an empty string is not "no id").
  std::string opt_id(const std::string& name) const {
    std::optional<std::string> id = opt_string(name);
    if (!id) return "";
    field(name, [&] { check_slug(*id, name); });
    return *id;
  }

  std::string string(const std::string& name) const {
    if (!has(name)) fail_field(name, ErrorKind::Input, "is required");
    return opt_string(name).value();
  }
  std::optional<std::string> opt_string(const std::string& name) const {
    if (!has(name)) return std::nullopt;
    const json& v = record_.at(name);
    if (!v.is_string()) fail_field(name, ErrorKind::Input, "must be a string, not " + std::string(v.type_name()));
    return v.get<std::string>();
  }
  std::optional<std::int64_t> opt_count(const std::string& name) const {
    if (!has(name)) return std::nullopt;
    const json& v = record_.at(name);
    if (!v.is_number_integer()) fail_field(name, ErrorKind::Input, "must be a whole number, not " + shown(v));
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(kCountMax))
      fail_field(name, ErrorKind::Input, shown(v) + " is larger than the limit");
    return v.get<std::int64_t>();
  }
  bool boolean(const std::string& name, bool fallback) const {
    if (!has(name)) return fallback;
    const json& v = record_.at(name);
    if (!v.is_boolean()) fail_field(name, ErrorKind::Input, "must be true or false, not " + shown(v));
    return v.get<bool>();
  }
  std::vector<std::string> strings(const std::string& name) const {
    std::vector<std::string> out;
    if (!has(name)) return out;
    const json& v = record_.at(name);
    if (!v.is_array()) fail_field(name, ErrorKind::Input, "must be an array of strings");
    for (const json& item : v) {
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
    if (has(name) && !record_.at(name).is_string())
      fail_field(name, ErrorKind::Input, "must be a string such as \"274100.00\": JSON numbers are not exact");
    return string(name);
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
    if (!has(name)) return empty;
    const json& v = record_.at(name);
    if (!v.is_array()) fail_field(name, ErrorKind::Input, "must be an array");
    return v;
  }

  // Runs `parse` on field `name`; an error it throws is located at the field.
  template <typename F>
  auto field(const std::string& name, F parse) const -> decltype(parse()) {
    try {
      return parse();
    } catch (const Located&) {
      throw;
    } catch (const Error& e) {
      throw Located(e.kind(), location(pointer_ + "/" + name) + label_ + "." + e.what());
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
      throw Located(e.kind(), location(pointer_) + label_ + ": " + e.what());
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
  std::string location(const std::string& pointer) const {
    return file_ + ":" + std::to_string(locations_.line_of(pointer)) + ": ";
  }
  [[noreturn]] void fail_field(std::string_view name, ErrorKind kind, const std::string& reason) const {
    throw Located(kind, location(pointer_ + "/" + std::string(name)) + label_ + "." + field_name(name) + ": " + reason);
  }
  [[noreturn]] void fail_record(ErrorKind kind, const std::string& reason) const {
    throw Located(kind, location(pointer_) + label_ + ": " + reason);
  }

  const json& record_;
  std::string pointer_;
  std::string label_;
  const JsonLocations& locations_;
  const std::string& file_;
};

using Located = RecordReader::Located;

class Importer {
 public:
  Importer(Ledger& ledger, const JsonLocations& locations, const std::string& file, const ImportProgress& progress)
      : ledger_(ledger), locations_(&locations), file_(file), progress_(progress) {}

  // One record of a section of the document (platforms, advertisers, ...).
  void section_record(std::string_view section, const RecordReader& r) {
    r.record([&] {
      if (section == "platforms") platform(r);
      else if (section == "advertisers") advertiser(r);
      else if (section == "handles") handle(r);
      else if (section == "policy_actions") policy_action(r);
      else if (section == "policy_withdrawals") policy_withdrawal(r);
      else if (section == "spend") spend(r);
      else if (section == "spend_reversals") spend_reversal(r);
      else if (section == "pledges") pledge(r);
      else if (section == "disbursements") disbursement(r);
      else if (section == "disclosures") disclosure(r);
      else if (section == "rates") rate(r);
      else throw std::logic_error("Importer: no section " + std::string(section));
    });
  }

  // One JSON Lines record: {"type": "spend", ...the fields of a spend
  // entry in the document...}, located on line `line`.
  // `checked`, when given, is the record's schema check already made (by
  // the read-ahead thread of import_lines): the same check, made earlier.
  void line_record(json& record, const JsonLocations& locations,
                   const std::optional<std::optional<SchemaViolation>>& checked = std::nullopt) {
    locations_ = &locations;
    if (!record.is_object())
      throw Error(ErrorKind::Input, file_ + ":" + std::to_string(locations.line_of("")) + ": a record must be a JSON object");
    auto type = record.find("type");
    static const std::string kKinds =
        "platform, advertiser, handle, policy_action, policy_withdrawal, spend, spend_reversal, pledge, disbursement, "
        "disclosure or rate";
    if (type == record.end() || !type->is_string())
      throw Error(ErrorKind::Input, file_ + ":" + std::to_string(locations.line_of("")) + ": type: is required: " + kKinds);
    std::string kind = type->get<std::string>();
    const std::string* section = section_of_type(kind);
    if (!section)
      throw Error(ErrorKind::Input, file_ + ":" + std::to_string(locations.line_of("")) + ": type " + quote(kind) +
                                        ": expected " + kKinds);
    record.erase("type");
    const json& fields = record;
    RecordReader r(fields, "", kind, locations, file_);
    section_record(*section, r);
    if (auto violation = checked ? *checked : schema_violation(*section, fields))
      throw Error(ErrorKind::Input, file_ + ":" + std::to_string(locations.line_of("")) + ": " + kind +
                                        (violation->pointer.empty() ? "" : "." + label_of(violation->pointer)) + ": " +
                                        violation->reason + " (schemas/import.schema.json)");
  }

  // The schema decides too: the record against its section's definition,
  // by the schema's rules written by hand (check_record_rules, which give
  // valijson's answers). adledger's own checks run first, as the record is
  // recorded, since their messages say more ("exponents are not accepted"
  // rather than "does not match pattern"); a record they pass and the
  // schema refuses is refused before the transaction commits. The
  // violation's pointer is within the record ("" for the record itself).
  static std::optional<SchemaViolation> schema_violation(const std::string& section, const json& fields) {
    return check_record_rules(section, fields);
  }

  const ImportCounts& counts() const { return counts_; }
  // Where the records now being read stand in the file.
  void use(const JsonLocations& locations) { locations_ = &locations; }

 private:
  void platform(const RecordReader& r) {
    r.only({"id", "name"});
    ledger_.add_platform(Platform{r.string("id"), r.string("name")});
    count(counts_.platforms);
  }

  void advertiser(const RecordReader& r) {
    r.only({"id", "name", "country", "state_affiliated", "handles"});
    Advertiser a{r.string("id"), r.string("name"), r.opt_string("country"), r.boolean("state_affiliated", false)};
    r.field("id", [&] { check_slug(a.id, "id"); });
    ledger_.add_advertiser(a);
    count(counts_.advertisers);
    const json& handles = r.array("handles");
    for (std::size_t i = 0; i < handles.size(); ++i) {
      RecordReader h(handles[i], r.child_pointer("handles", i), r.label() + ".handles[" + std::to_string(i) + "]",
                     *locations_, file_);
      h.record([&] {
        h.only({"platform", "handle"});
        ledger_.link_handle(Handle{a.id, h.string("platform"), h.string("handle")});
      });
      count(counts_.handles);
    }
  }

  void handle(const RecordReader& r) {
    r.only({"advertiser", "platform", "handle"});
    ledger_.link_handle(Handle{r.string("advertiser"), r.string("platform"), r.string("handle")});
    count(counts_.handles);
  }

  void policy_withdrawal(const RecordReader& r) {
    r.only({"action", "reason", "source"});
    ledger_.withdraw_action(r.string("action"), r.string("reason"), r.string("source"));
    count(counts_.policy_withdrawals);
  }

  // A reversal names its entry by its number in the ledger (`entry`), by
  // its external id (`spend`), or as the k-th spend record of this file
  // (`file_entry`, from 1: what a JSON Lines export writes for an entry
  // without an id, so that it reverses the same entry in any ledger):
  // exactly one of the three.
  void spend_reversal(const RecordReader& r) {
    r.only({"entry", "spend", "file_entry", "reason", "source"});
    std::optional<std::int64_t> number = r.opt_count("entry");
    std::optional<std::string> external = r.opt_string("spend");
    std::optional<std::int64_t> in_file = r.opt_count("file_entry");
    if (number.has_value() + external.has_value() + in_file.has_value() != 1)
      r.record([] {
        throw Error(ErrorKind::Input, "give the entry's number (entry), its external id (spend) or its place among "
                                      "the file's spend records (file_entry): one of the three");
      });
    std::int64_t entry = 0;
    if (number) {
      entry = *number;
    } else if (in_file) {
      if (*in_file < 1 || static_cast<std::size_t>(*in_file) > file_entries_.size())
        r.field("file_entry", [&] {
          throw Error(ErrorKind::Input, "file_entry " + std::to_string(*in_file) + ": the file has " +
                                            std::to_string(file_entries_.size()) + " spend records before this one");
        });
      entry = file_entries_[static_cast<std::size_t>(*in_file - 1)];
    } else {
      std::optional<SpendEntry> e = ledger_.store().find_spend_by_external_id(*external);
      if (!e) r.field("spend", [&] { throw Error(ErrorKind::Rule, "spend " + quote(*external) + ": no spend entry has this id"); });
      entry = e->entry_id;
    }
    ledger_.reverse_spend(entry, r.string("reason"), r.string("source"));
    count(counts_.spend_reversals);
  }

  void policy_action(const RecordReader& r) {
    r.only({"id", "kind", "platform", "advertisers", "date", "end_date", "lifts", "accounts", "description",
            "source", "note"});
    PolicyAction a;
    a.id = r.opt_id("id");
    a.kind = r.field("kind", [&] { return parse_policy_kind(r.string("kind"), "kind"); });
    a.platform_id = r.string("platform");
    a.advertiser_ids = r.strings("advertisers");
    a.date = r.field("date", [&] { return parse_date(r.string("date"), "date"); });
    if (r.has("end_date")) a.end_date = r.field("end_date", [&] { return parse_date(r.string("end_date"), "end_date"); });
    a.lifts_action_id = r.opt_string("lifts");
    a.account_count = r.opt_count("accounts");
    a.description = r.string("description");
    a.source = r.string("source");
    a.note = r.opt_string("note");
    ledger_.record_policy_action(a);
    count(counts_.policy_actions);
  }

  void spend(const RecordReader& r) {
    r.only({"id", "advertiser", "platform", "handle", "amount", "upper", "currency", "period", "items", "market",
            "tags", "precision", "source", "note"});
    SpendEntry e;
    e.advertiser_id = r.string("advertiser");
    e.platform_id = r.string("platform");
    e.handle = r.opt_string("handle");
    if (r.has("precision"))
      e.precision = r.field("precision", [&] { return parse_precision(r.string("precision"), "precision"); });
    Currency currency = r.currency();
    // A range's lower bound may be zero; the ledger checks the rest.
    e.amount = e.precision == Precision::Range ? r.lower_bound(currency) : r.amount(currency);
    if (r.has("upper"))
      e.upper = r.field("upper", [&] { return Money::parse_positive(r.decimal_string("upper"), currency, "upper"); });
    e.period = r.field("period", [&] { return Period::parse(r.string("period"), "period"); });
    e.items = r.opt_count("items");
    e.market = r.string("market");
    e.tags = r.strings("tags");
    e.source = r.string("source");
    e.external_id = r.opt_string("id");
    e.note = r.opt_string("note");
    file_entries_.push_back(ledger_.record_spend(e).entry_id);
    count(counts_.spend);
  }

  void pledge(const RecordReader& r) {
    r.only({"id", "platform", "amount", "currency", "date", "beneficiary", "basis", "source", "note",
            "disbursements"});
    Pledge p;
    p.id = r.opt_id("id");
    p.platform_id = r.string("platform");
    Currency currency = r.currency();
    p.amount = r.amount(currency);
    p.date = r.field("date", [&] { return parse_date(r.string("date"), "date"); });
    p.beneficiary = r.string("beneficiary");
    p.source = r.string("source");
    p.note = r.opt_string("note");
    if (r.has("basis")) {
      // The basis is a nested object: read it with its own location.
      RecordReader b = r.nested("basis");
      b.only({"advertiser", "period"});
      p.basis_advertiser_id = b.opt_string("advertiser");
      if (b.has("period")) p.basis_period = b.field("period", [&] { return Period::parse(b.string("period"), "period"); });
    }
    p = ledger_.record_pledge(p);
    count(counts_.pledges);
    const json& disbursements = r.array("disbursements");
    for (std::size_t i = 0; i < disbursements.size(); ++i) {
      RecordReader d(disbursements[i], r.child_pointer("disbursements", i),
                     r.label() + ".disbursements[" + std::to_string(i) + "]", *locations_, file_);
      d.record([&] {
        d.only({"id", "amount", "date", "source"});
        Disbursement x;
        x.id = d.opt_id("id");
        x.pledge_id = p.id;
        x.amount = d.amount(currency);
        x.date = d.field("date", [&] { return parse_date(d.string("date"), "date"); });
        x.source = d.string("source");
        ledger_.disburse(x);
      });
      count(counts_.disbursements);
    }
  }

  // A disbursement recorded on its own, naming its pledge.
  void disbursement(const RecordReader& r) {
    r.only({"id", "pledge", "amount", "currency", "date", "source"});
    Disbursement x;
    x.id = r.opt_id("id");
    x.pledge_id = r.string("pledge");
    Currency currency = r.currency();
    if (std::optional<Pledge> p = ledger_.store().find_pledge(x.pledge_id); p && p->amount.currency() != currency)
      r.field("currency", [&] {
        throw Error(ErrorKind::Rule, "currency " + quote(currency.code()) + ": pledge " + x.pledge_id + " is in " +
                                         p->amount.currency().code());
      });
    x.amount = r.amount(currency);
    x.date = r.field("date", [&] { return parse_date(r.string("date"), "date"); });
    x.source = r.string("source");
    ledger_.disburse(x);
    count(counts_.disbursements);
  }

  void rate(const RecordReader& r) {
    r.only({"from", "to", "rate", "date", "source"});
    ExchangeRate x;
    x.from = r.field("from", [&] { return Currency::from_code(r.string("from"), "from"); });
    x.to = r.field("to", [&] { return Currency::from_code(r.string("to"), "to"); });
    x.rate = r.field("rate", [&] {
      if (r.has("rate") && !r.string_or_number("rate"))
        throw Error(ErrorKind::Input, "rate: must be a string such as \"0.9235\": JSON numbers are not exact");
      return Rate::parse(r.string("rate"), "rate");
    });
    x.date = r.field("date", [&] { return parse_date(r.string("date"), "date"); });
    x.source = r.string("source");
    ledger_.set_rate(x);
    count(counts_.rates);
  }

  void disclosure(const RecordReader& r) {
    r.only({"id", "platform", "advertiser", "amount", "currency", "period", "date", "precision", "source", "note"});
    DisclosedTotal d;
    d.id = r.opt_id("id");
    d.platform_id = r.string("platform");
    d.advertiser_id = r.string("advertiser");
    d.amount = r.amount(r.currency());
    d.period = r.field("period", [&] { return Period::parse(r.string("period"), "period"); });
    d.date = r.field("date", [&] { return parse_date(r.string("date"), "date"); });
    if (r.has("precision"))
      d.precision = r.field("precision", [&] { return parse_precision(r.string("precision"), "precision"); });
    d.source = r.string("source");
    d.note = r.opt_string("note");
    ledger_.record_disclosed_total(d);
    count(counts_.disclosures);
  }

  void count(std::size_t& of_kind) { count_record(counts_, of_kind, ledger_.last_outcome(), progress_); }

  Ledger& ledger_;
  const JsonLocations* locations_;
  const std::string& file_;
  const ImportProgress& progress_;
  ImportCounts counts_;
  std::vector<std::int64_t> file_entries_;  // the entry of each spend record of the file, in order
};

}  // namespace

namespace {

// The sections of a document, in the order they are recorded.
constexpr std::array<std::string_view, 11> kSections = {
    "platforms", "advertisers",     "handles", "policy_actions", "policy_withdrawals", "spend",
    "spend_reversals", "pledges", "disbursements",  "disclosures", "rates"};
constexpr std::size_t kFieldBytesMax = 1024 * 1024;  // a top-level key, or the format

// Where a section's array starts in the file, found by the first pass.
struct SectionPlace {
  bool present = false;
  std::uint64_t offset = 0;
  std::size_t line = 0;
};

// Reads a document from a seekable stream in two passes, never holding more
// than one record. The first pass reads the top-level object: its keys, the
// format, and where each section starts, skipping the records. The second
// reads each section from its place, in the canonical order, one record at
// a time: so a ban in the file refuses the spend in the file it covers
// whatever the order of the sections in the file, as when the document was
// read whole.
class DocumentReader {
 public:
  DocumentReader(Ledger& ledger, std::istream& in, const std::string& file, const ImportProgress& progress)
      : stream_(in), file_(file), importer_(ledger, no_locations_, file, progress) {}

  ImportCounts run() {
    try {
      survey();
      for (std::size_t i = 0; i < kSections.size(); ++i)
        if (places_[i].present) section(kSections[i], places_[i]);
    } catch (const JsonStreamError& e) {
      throw Error(ErrorKind::Input, at(e.line) + "malformed JSON: " + e.reason);
    }
    return importer_.counts();
  }

 private:
  std::string at(std::size_t line) const { return file_ + ":" + std::to_string(line) + ": "; }

  // Cuts out the next value and parses it strictly; syntax errors are
  // located in the file.
  json next_value(std::size_t max_bytes, int depth_max, std::size_t& line) {
    stream_.skip_space();
    line = stream_.line();
    stream_.capture(text_, max_bytes);
    try {
      return parse_strict(text_, depth_max);
    } catch (const ParseFailure& f) {
      throw Error(ErrorKind::Input, at(line + f.line - 1) + "malformed JSON: " + f.reason);
    }
  }

  void survey() {
    stream_.skip_byte_order_mark();
    stream_.skip_space();
    if (stream_.peek() != '{') {
      std::size_t line = 0;
      next_value(kLineBytesMax, kDepthMax, line);  // a syntax error first, if there is one
      throw Error(ErrorKind::Input, at(line) + "document: must be an object");
    }
    stream_.get();
    bool format = false;
    std::optional<std::string> unknown;
    std::set<std::string> keys;
    stream_.skip_space();
    if (stream_.peek() == '}') {
      stream_.get();
    } else {
      while (true) {
        stream_.skip_space();
        if (stream_.peek() != '"') stream_.expect('"', "expected a key in quotes");
        std::size_t line = 0;
        std::string key = next_value(kFieldBytesMax, 1, line).get<std::string>();
        if (!keys.insert(key).second)
          throw Error(ErrorKind::Input, at(line) + "malformed JSON: key " + quote(key) + " appears twice in one object");
        stream_.expect(':', "expected ':' after a key");
        stream_.skip_space();
        auto section = std::find(kSections.begin(), kSections.end(), key);
        if (key == "format") {
          check_format(line);
          format = true;
        } else if (section != kSections.end()) {
          SectionPlace& place = places_[static_cast<std::size_t>(section - kSections.begin())];
          place = SectionPlace{true, stream_.offset(), stream_.line()};
          if (stream_.peek() == '[') {
            stream_.skip_value();
          } else {
            std::size_t value_line = 0;
            json value = next_value(kLineBytesMax, kDepthMax, value_line);
            if (!value.is_null()) throw Error(ErrorKind::Input, at(line) + "document." + key + ": must be an array");
            place.present = false;  // null: no records, as when absent
          }
        } else {
          // Reported once the object is read: a JSON Lines file read as a
          // document is better told that a second value follows the first.
          if (!unknown) unknown = at(line) + "document." + field_name(key) + ": unknown field";
          stream_.skip_value();
        }
        stream_.skip_space();
        int c = stream_.peek();
        if (c == '}') {
          stream_.get();
          break;
        }
        stream_.expect(',', "expected ',' or '}' after a value");
      }
    }
    stream_.skip_space();
    stream_.expect_end("after the document");
    if (unknown) throw Error(ErrorKind::Input, *unknown);
    if (!format) throw Error(ErrorKind::Input, at(1) + "document.format: is required");
  }

  void check_format(std::size_t key_line) {
    std::size_t line = 0;
    json value = next_value(kFieldBytesMax, kDepthMax, line);
    if (!value.is_string())
      throw Error(ErrorKind::Input, at(key_line) + "document.format: must be a string, not " + value.type_name());
    if (value.get<std::string>() != kFormat)
      throw Error(ErrorKind::Input, at(key_line) + "format " + quote(value.get<std::string>()) +
                                        ": expected \"adledger/1\"");
  }

  // One section's records, each parsed, checked and recorded in turn.
  void section(std::string_view name, const SectionPlace& place) {
    stream_.seek(place.offset, place.line);
    stream_.expect('[', "expected '['");
    stream_.skip_space();
    if (stream_.peek() == ']') return;
    const std::string section_name(name);
    for (std::size_t i = 0;; ++i) {
      std::size_t line = 0;
      // A record sits two levels down in the document: the same limit.
      json record = next_value(kLineBytesMax, kDepthMax - 2, line);
      std::string pointer = "/" + section_name + "/" + std::to_string(i);
      JsonLocations locations = JsonLocations::scan_when_needed(text_, pointer, line);
      importer_.use(locations);
      RecordReader r(record, pointer, section_name + "[" + std::to_string(i) + "]", locations, file_);
      importer_.section_record(section_name, r);
      if (auto violation = Importer::schema_violation(section_name, record)) {
        std::string at_fault = pointer + violation->pointer;
        throw Error(ErrorKind::Input, at(locations.line_of(at_fault)) + label_of(at_fault) + ": " +
                                          violation->reason + " (schemas/import.schema.json)");
      }
      stream_.skip_space();
      if (stream_.peek() == ']') return;
      stream_.expect(',', "expected ',' or ']' after a record");
    }
  }

  JsonStream stream_;
  const std::string& file_;
  JsonLocations no_locations_ = JsonLocations::single_line(1);
  Importer importer_;
  std::array<SectionPlace, kSections.size()> places_{};
  std::string text_;  // the value last cut out
};

// A stream the document can be read from twice: `in` itself when it can
// seek (a file), else a copy of it in an unnamed temporary file (a pipe).
class Rereadable {
 public:
  explicit Rereadable(std::istream& in, const std::string& file_name) : in_(&in) {
    if (in.rdbuf()->pubseekoff(0, std::ios::cur, std::ios::in) != std::streampos(-1)) return;
    std::string path = (std::filesystem::temp_directory_path() / "adledger-import-XXXXXX").string();
    int fd = mkstemp(path.data());
    if (fd < 0) throw Error(ErrorKind::Input, file_name + ": cannot make a temporary copy to read: " + std::strerror(errno));
    close(fd);
    copy_.open(path, std::ios::in | std::ios::out | std::ios::binary | std::ios::trunc);
    std::filesystem::remove(path);  // gone when closed, whatever happens
    char buffer[1 << 16];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) copy_.write(buffer, in.gcount());
    if (in.bad() || !copy_) throw Error(ErrorKind::Input, file_name + ": cannot make a temporary copy to read");
    copy_.seekg(0);
    in_ = &copy_;
  }
  std::istream& stream() { return *in_; }

 private:
  std::istream* in_;
  std::fstream copy_;
};

}  // namespace

void count_record(ImportCounts& counts, std::size_t& of_kind, Outcome outcome, const ImportProgress& progress) {
  ++of_kind;
  if (outcome == Outcome::Unchanged) ++counts.unchanged;
  ++counts.records;
  if (progress) progress(counts);
}

ImportCounts import_document(Ledger& ledger, std::istream& in, const std::string& file_name,
                             const ImportProgress& progress) {
  Rereadable source(in, file_name);
  return DocumentReader(ledger, source.stream(), file_name, progress).run();
}

ImportCounts import_document(Ledger& ledger, std::string_view text, const std::string& file_name,
                             const ImportProgress& progress) {
  std::istringstream in{std::string(text)};
  return import_document(ledger, in, file_name, progress);
}

namespace {

// A CSV cell as the JSON value of its column: lists split on ";", counts
// and flags converted when they read as such (else left for the record's
// own checks to refuse with their reason), empty cells absent.
nlohmann::json csv_value(const std::string& column, const std::string& cell) {
  if (column == "tags" || column == "advertisers") {
    nlohmann::json list = nlohmann::json::array();
    std::size_t from = 0;
    while (from <= cell.size()) {
      std::size_t to = cell.find(';', from);
      if (to == std::string::npos) to = cell.size();
      std::string item = cell.substr(from, to - from);
      if (!item.empty()) list.push_back(item);
      from = to + 1;
    }
    return list;
  }
  if ((column == "items" || column == "accounts") && !cell.empty() &&
      cell.find_first_not_of("0123456789") == std::string::npos && cell.size() <= 18)
    return std::stoll(cell);
  if (column == "state_affiliated" && (cell == "true" || cell == "false")) return cell == "true";
  return cell;
}

}  // namespace

ImportCounts import_csv(Ledger& ledger, std::istream& in, const std::string& file_name,
                        const ImportProgress& progress) {
  JsonLocations none = JsonLocations::single_line(1);
  Importer importer(ledger, none, file_name, progress);
  std::vector<std::string> header, row;
  std::size_t line = 0;
  skip_byte_order_mark(in);
  if (!read_csv_row(in, header, line, file_name))
    throw Error(ErrorKind::Input, file_name + ":1: empty: a CSV file starts with a header row naming its columns");
  if (!header.empty() && header[0].starts_with("\xEF\xBB\xBF")) header[0].erase(0, 3);  // a UTF-8 BOM
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i].empty())
      throw Error(ErrorKind::Input, file_name + ":1: column " + std::to_string(i + 1) + ": has no name");
    for (std::size_t j = 0; j < i; ++j)
      if (header[j] == header[i])
        throw Error(ErrorKind::Input, file_name + ":1: column " + quote(header[i]) + ": appears twice");
  }
  const bool typed = std::find(header.begin(), header.end(), "type") != header.end();
  while (true) {
    std::size_t before = line;
    if (!read_csv_row(in, row, line, file_name)) break;
    std::size_t at = before + 1;
    if (row.size() == 1 && row[0].empty()) continue;  // a blank line
    if (row.size() != header.size())
      throw Error(ErrorKind::Input, file_name + ":" + std::to_string(at) + ": " + std::to_string(row.size()) +
                                        " columns where the header has " + std::to_string(header.size()));
    nlohmann::json record = nlohmann::json::object();
    if (!typed) record["type"] = "spend";  // without a type column, every row is a spend entry
    for (std::size_t i = 0; i < header.size(); ++i)
      if (!row[i].empty() || header[i] == "tags") record[header[i]] = csv_value(header[i], row[i]);
    JsonLocations here = JsonLocations::single_line(at);
    importer.line_record(record, here);
  }
  return importer.counts();
}

namespace {

// One line of a JSON Lines file, read and parsed, and checked against its
// section's schema when its type names one; or the error reading or
// parsing it gave, to be thrown in its turn.
struct ReadLine {
  std::size_t number = 0;
  json record;
  std::optional<std::optional<SchemaViolation>> checked;
  std::exception_ptr failure;
};

// The schema check line_record would make, when the record gets that far:
// the record's fields but its "type".
std::optional<std::optional<SchemaViolation>> check_ahead(const json& record) {
  if (!record.is_object()) return std::nullopt;
  auto type = record.find("type");
  if (type == record.end() || !type->is_string()) return std::nullopt;
  const std::string* section = section_of_type(type->get_ref<const std::string&>());
  if (!section) return std::nullopt;
  return check_record_rules(*section, record, TypeMember::Ignored);
}

// Reads the next line that is not blank into `out`; false at the end of
// the file. An error is kept in `out.failure`, not thrown.
bool read_next(std::istream& in, const std::string& file, std::string& line, std::size_t& number, ReadLine& out) {
  out = ReadLine{};
  try {
    do {
      if (!read_line(in, line, number, file)) return false;
    } while (line.find_first_not_of(" \t") == std::string::npos);  // blank lines are allowed
    out.number = number;
    try {
      out.record = parse_strict(line);
    } catch (const ParseFailure& f) {
      throw Error(ErrorKind::Input, file + ":" + std::to_string(number) + ": malformed JSON: " + f.reason);
    }
    out.checked = check_ahead(out.record);
  } catch (...) {
    out.failure = std::current_exception();
  }
  return true;
}

// Reads, parses and schema-checks the lines of a JSON Lines file on a
// second thread, while the ledger records the lines before them: these are
// a third of an import's work and need nothing from the ledger. Lines come
// out in order, in batches, and an error comes out in the place of its
// line, so that an import refuses the same line with the same message as
// when it reads one line at a time: a rule broken on line 9 is reported
// even when line 10 is malformed. The queue holds a few batches at most,
// so memory stays flat whatever the file's size.
class ReadAhead {
 public:
  static constexpr std::size_t kBatch = 256;
  static constexpr std::size_t kBatchesAhead = 4;

  ReadAhead(std::istream& in, const std::string& file) : thread_([this, &in, &file] { run(in, file); }) {}
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;
  ~ReadAhead() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  // The next batch, in file order; empty at the end of the file.
  std::vector<ReadLine> next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) return {};
    std::vector<ReadLine> batch = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return batch;
  }

 private:
  void run(std::istream& in, const std::string& file) {
    std::vector<ReadLine> batch;
    try {
      std::string line;
      std::size_t number = 0;
      ReadLine next;
      bool more = true;
      while (more && read_next(in, file, line, number, next)) {
        more = !next.failure;  // nothing is read after an error
        batch.push_back(std::move(next));
        if ((batch.size() == kBatch || !more) && !push(batch)) return;
      }
    } catch (...) {  // out of memory, say: the importer throws it in its turn
      batch.emplace_back().failure = std::current_exception();
    }
    if (!batch.empty() && !push(batch)) return;
    std::lock_guard lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }

  // Hands a batch over, waiting while the queue is full; false once the
  // importer has stopped.
  bool push(std::vector<ReadLine>& batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < kBatchesAhead || stop_; });
    if (stop_) return false;
    queue_.push_back(std::move(batch));
    batch.clear();
    changed_.notify_all();
    return true;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<ReadLine>> queue_;
  bool done_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: it starts once everything above exists
};

}  // namespace

ImportCounts import_lines(Ledger& ledger, std::istream& in, const std::string& file_name,
                          const ImportProgress& progress) {
  JsonLocations none = JsonLocations::single_line(1);
  Importer importer(ledger, none, file_name, progress);
  auto record = [&](ReadLine& line) {
    if (line.failure) std::rethrow_exception(line.failure);
    JsonLocations here = JsonLocations::single_line(line.number);
    importer.line_record(line.record, here, line.checked);
  };
  // A file is read ahead on a second thread. A pipe or a terminal is read
  // here, a line at a time: after an error the import must stop at once,
  // not wait for a writer that may never send the next line.
  if (in.rdbuf()->pubseekoff(0, std::ios::cur, std::ios::in) == std::streampos(-1)) {
    std::string text;
    std::size_t number = 0;
    ReadLine line;
    while (read_next(in, file_name, text, number, line)) record(line);
    return importer.counts();
  }
  ReadAhead lines(in, file_name);
  for (std::vector<ReadLine> batch = lines.next(); !batch.empty(); batch = lines.next())
    for (ReadLine& line : batch) record(line);
  return importer.counts();
}

}  // namespace ledger
