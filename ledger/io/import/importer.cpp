#include "ledger/io/import/importer.hpp"

#include <stdexcept>

#include "ledger/error.hpp"

namespace ledger {

void count_record(ImportCounts& counts, std::size_t& of_kind, Outcome outcome, const ImportProgress& progress) {
  ++of_kind;
  if (outcome == Outcome::Unchanged) ++counts.unchanged;
  ++counts.records;
  if (progress) progress(counts);
}

namespace import_detail {

void Importer::section_record(std::string_view section, const RecordReader& r) {
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
    else if (section == "disbursement_withdrawals") withdrawal(r, Withdrawable::Disbursement, "disbursement");
    else if (section == "pledge_withdrawals") withdrawal(r, Withdrawable::Pledge, "pledge");
    else if (section == "disclosure_withdrawals") withdrawal(r, Withdrawable::DisclosedTotal, "disclosure");
    else if (section == "rates") rate(r);
    else throw std::logic_error("Importer: no section " + std::string(section));
  });
}

void Importer::line_record(json& record, const JsonLocations& locations,
                           const std::optional<std::optional<SchemaViolation>>& checked) {
  locations_ = &locations;
  if (!record.is_object())
    throw Error(ErrorKind::Input, file_ + ":" + std::to_string(locations.line_of("")) + ": a record must be a JSON object");
  auto type = record.find("type");
  static const std::string kKinds =
      "platform, advertiser, handle, policy_action, policy_withdrawal, spend, spend_reversal, pledge, disbursement, "
      "disclosure, disbursement_withdrawal, pledge_withdrawal, disclosure_withdrawal or rate";
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

void Importer::platform(const RecordReader& r) {
  r.only({"id", "name"});
  ledger_.add_platform(Platform{r.string("id"), r.string("name")});
  count(counts_.platforms);
}

void Importer::advertiser(const RecordReader& r) {
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

void Importer::handle(const RecordReader& r) {
  r.only({"advertiser", "platform", "handle"});
  ledger_.link_handle(Handle{r.string("advertiser"), r.string("platform"), r.string("handle")});
  count(counts_.handles);
}

// The details of a record's source (source_url, source_accessed,
// source_quote), each optional.
SourceDetails Importer::source_details(const RecordReader& r) {
  SourceDetails d;
  d.url = r.opt_string("source_url");
  if (r.has("source_accessed"))
    d.accessed = r.field("source_accessed", [&] { return parse_date(r.string("source_accessed"), "source_accessed"); });
  d.quote = r.opt_string("source_quote");
  return d;
}

void Importer::policy_withdrawal(const RecordReader& r) {
  r.only({"action", "reason", "source", "source_url", "source_accessed", "source_quote"});
  ledger_.withdraw_action(r.string("action"), r.string("reason"), r.string("source"), source_details(r));
  count(counts_.policy_withdrawals);
}

// A withdrawal names its record by id (`pledge`, `disbursement` or
// `disclosure`, as `field` says).
void Importer::withdrawal(const RecordReader& r, Withdrawable record, const char* field) {
  r.only({field, "reason", "source", "source_url", "source_accessed", "source_quote"});
  ledger_.withdraw(record, r.string(field), r.string("reason"), r.string("source"), source_details(r));
  count(counts_.withdrawals);
}

// A reversal names its entry by its number in the ledger (`entry`), by
// its external id (`spend`), or as the k-th spend record of this file
// (`file_entry`, from 1: what a JSON Lines export writes for an entry
// without an id, so that it reverses the same entry in any ledger):
// exactly one of the three.
void Importer::spend_reversal(const RecordReader& r) {
  r.only({"entry", "spend", "file_entry", "reason", "source", "source_url", "source_accessed", "source_quote"});
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
  ledger_.reverse_spend(entry, r.string("reason"), r.string("source"), source_details(r));
  count(counts_.spend_reversals);
}

void Importer::policy_action(const RecordReader& r) {
  r.only({"id", "kind", "platform", "advertisers", "date", "end_date", "lifts", "accounts", "description",
          "source", "source_url", "source_accessed", "source_quote", "note"});
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
  a.source_details = source_details(r);
  a.note = r.opt_string("note");
  ledger_.record_policy_action(a);
  count(counts_.policy_actions);
}

SpendEntry Importer::decode_spend(const RecordReader& r) {
  r.only({"id", "advertiser", "platform", "handle", "amount", "upper", "currency", "period", "items",
          "items_precision", "market", "tags", "precision", "source", "source_url", "source_accessed",
          "source_quote", "note"});
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
  if (r.has("items_precision"))
    e.items_precision =
        r.field("items_precision", [&] { return parse_count_precision(r.string("items_precision")); });
  e.market = r.string("market");
  e.tags = r.strings("tags");
  e.source = r.string("source");
  e.source_details = source_details(r);
  e.external_id = r.opt_string("id");
  e.note = r.opt_string("note");
  return e;
}

void Importer::spend(const RecordReader& r) { record_spend(decode_spend(r)); }

void Importer::record_spend(SpendEntry e) {
  file_entries_.push_back(ledger_.record_spend(std::move(e)).entry_id);
  count(counts_.spend);
}

void Importer::line_spend(SpendEntry e, const JsonLocations& locations, const std::string& pointer,
                          const std::string& label) {
  locations_ = &locations;
  static const json kRead = json::object();  // its fields are in `e`
  RecordReader r(kRead, pointer, label, locations, file_);
  r.record([&] { record_spend(std::move(e)); });
}

void Importer::pledge(const RecordReader& r) {
  r.only({"id", "platform", "amount", "currency", "date", "beneficiary", "basis", "source", "source_url",
          "source_accessed", "source_quote", "note", "disbursements"});
  Pledge p;
  p.id = r.opt_id("id");
  p.platform_id = r.string("platform");
  Currency currency = r.currency();
  p.amount = r.amount(currency);
  p.date = r.field("date", [&] { return parse_date(r.string("date"), "date"); });
  p.beneficiary = r.string("beneficiary");
  p.source = r.string("source");
  p.source_details = source_details(r);
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
      d.only({"id", "amount", "date", "source", "source_url", "source_accessed", "source_quote"});
      Disbursement x;
      x.id = d.opt_id("id");
      x.pledge_id = p.id;
      x.amount = d.amount(currency);
      x.date = d.field("date", [&] { return parse_date(d.string("date"), "date"); });
      x.source = d.string("source");
      x.source_details = source_details(d);
      ledger_.disburse(x);
    });
    count(counts_.disbursements);
  }
}

// A disbursement recorded on its own, naming its pledge.
void Importer::disbursement(const RecordReader& r) {
  r.only({"id", "pledge", "amount", "currency", "date", "source", "source_url", "source_accessed", "source_quote"});
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
  x.source_details = source_details(r);
  ledger_.disburse(x);
  count(counts_.disbursements);
}

void Importer::rate(const RecordReader& r) {
  r.only({"from", "to", "rate", "date", "source", "source_url", "source_accessed", "source_quote"});
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
  x.source_details = source_details(r);
  ledger_.set_rate(x);
  count(counts_.rates);
}

void Importer::disclosure(const RecordReader& r) {
  r.only({"id", "platform", "advertiser", "amount", "currency", "period", "date", "precision", "source", "source_url",
          "source_accessed", "source_quote", "note"});
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
  d.source_details = source_details(r);
  d.note = r.opt_string("note");
  ledger_.record_disclosed_total(d);
  count(counts_.disclosures);
}

}  // namespace import_detail
}  // namespace ledger
