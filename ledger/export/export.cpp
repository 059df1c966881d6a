#include "ledger/export/export.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "ledger/audit/chain.hpp"
#include "ledger/error.hpp"
#include "ledger/render/document.hpp"

namespace ledger {
namespace {

using json = nlohmann::json;

// What a transaction posts, as key/value pairs in a fixed order: the
// metadata each tool shows beside the transaction, so that every figure
// traces back to its record and its source.
using Fields = std::vector<std::pair<std::string, std::string>>;

void add(Fields& f, const char* key, const std::string& value) { f.emplace_back(key, value); }
void add(Fields& f, const char* key, const std::optional<std::string>& value) {
  if (value) f.emplace_back(key, *value);
}
// A source and its details.
void add_source(Fields& f, const std::string& source, const SourceDetails& d) {
  f.emplace_back("source", source);
  add(f, "source_url", d.url);
  if (d.accessed) add(f, "source_accessed", format_date(*d.accessed));
  add(f, "source_quote", d.quote);
}

std::string joined(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : std::string(sep)) + item;
  return out;
}

// The record behind each journal transaction, by transaction id.
std::map<std::int64_t, Fields> records_by_txn(Store& store) {
  std::map<std::int64_t, Fields> out;
  for (const SpendEntry& e : store.spend(SpendQuery{})) {
    Fields& f = out[e.txn_id];
    add(f, "entry", std::to_string(e.entry_id));
    add(f, "advertiser", e.advertiser_id);
    add(f, "platform", e.platform_id);
    add(f, "handle", e.handle);
    add(f, "period", e.period.to_string());
    if (e.items) add(f, "items", std::to_string(*e.items));
    if (e.items_precision != Precision::Exact) add(f, "items_precision", std::string(to_string(e.items_precision)));
    add(f, "market", e.market);
    if (!e.tags.empty()) add(f, "tags", joined(e.tags, "; "));
    add(f, "precision", std::string(to_string(e.precision)));
    if (e.precision == Precision::Range) {
      add(f, "lower", e.amount.format() + " " + e.amount.currency().code());
      add(f, "upper", e.upper ? e.upper->format() + " " + e.upper->currency().code() : "open");
    }
    add_source(f, e.source, e.source_details);
    add(f, "id", e.external_id);
    add(f, "note", e.note);
    if (e.reversal) {
      Fields& r = out[e.reversal->txn_id];
      add(r, "reverses", std::to_string(e.entry_id));
      add(r, "reason", e.reversal->reason);
      add_source(r, e.reversal->source, e.reversal->source_details);
    }
  }
  for (const Pledge& p : store.pledges()) {
    Fields& f = out[p.txn_id];
    add(f, "pledge", p.id);
    add(f, "beneficiary", p.beneficiary);
    add(f, "basis_advertiser", p.basis_advertiser_id);
    if (p.basis_period) add(f, "basis_period", p.basis_period->to_string());
    add_source(f, p.source, p.source_details);
    add(f, "note", p.note);
    if (p.withdrawal) {
      Fields& w = out[p.withdrawal->txn_id];
      add(w, "pledge", p.id);
      add(w, "reason", p.withdrawal->reason);
      add_source(w, p.withdrawal->source, p.withdrawal->source_details);
    }
    for (const Disbursement& d : store.disbursements_of(p.id)) {
      Fields& g = out[d.txn_id];
      add(g, "disbursement", d.id);
      add(g, "pledge", d.pledge_id);
      add_source(g, d.source, d.source_details);
      if (d.withdrawal) {
        Fields& w = out[d.withdrawal->txn_id];
        add(w, "disbursement", d.id);
        add(w, "pledge", d.pledge_id);
        add(w, "reason", d.withdrawal->reason);
        add_source(w, d.withdrawal->source, d.withdrawal->source_details);
      }
    }
  }
  // Who recorded it, last: a record nobody was named for has no author line.
  const TxnAuthors authors(store);
  if (!authors.empty())
    for (auto& [txn_id, fields] : out)
      if (const std::string& author = authors.of(txn_id); !author.empty()) add(fields, "author", author);
  return out;
}

std::vector<JournalTxn> transactions(Store& store, const ExportOptions& o) {
  std::vector<JournalTxn> out;
  for (JournalTxn& txn : store.journal())
    if ((!o.from || txn.date >= *o.from) && (!o.to || txn.date <= *o.to)) out.push_back(std::move(txn));
  return out;
}

// Free text on a transaction's first line: one line, single spaces, and no
// `;` (which starts a comment in ledger and hledger). The text itself is
// kept unchanged in the metadata.
std::string header_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\t') c = ' ';
    if (c == ';') c = ',';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// A metadata value on a comment line: tabs become spaces.
std::string comment_text(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (c == '\t') c = ' ';
  return out;
}

constexpr const char* kPostsNothing = "; posts nothing: a range whose lower bound is zero\n";

std::string amount_text(const Money& m) { return m.format() + " " + m.currency().code(); }

// The currencies the transactions use, each with its number of decimals.
std::map<std::string, int> currencies_of(const std::vector<JournalTxn>& txns) {
  std::map<std::string, int> out;
  for (const JournalTxn& t : txns)
    for (const Posting& p : t.postings) out.emplace(p.amount.currency().code(), p.amount.currency().decimals());
  return out;
}

// A sample amount that declares a commodity's display: no thousands
// separator, `.` as the decimal mark, and the currency's decimals, so that
// `1.500 KWD` reads as one and a half. hledger wants the decimal mark even
// with no decimals (`1000. JPY`); ledger's `format` takes `1000 JPY`.
std::string commodity_sample(const std::string& code, int decimals, ExportFormat format) {
  std::string mark = decimals > 0 || format == ExportFormat::Hledger ? "." : "";
  return "1000" + mark + std::string(static_cast<std::size_t>(decimals), '0') + " " + code;
}

void write_plain_text(const std::vector<JournalTxn>& txns, const std::map<std::int64_t, Fields>& records,
                      ExportFormat format, std::ostream& out) {
  out << "; adledger journal export for " << (format == ExportFormat::Ledger ? "ledger" : "hledger") << ", "
      << "transactions: " << txns.size() << "\n\n";
  for (const auto& [code, decimals] : currencies_of(txns)) {
    if (format == ExportFormat::Ledger)
      out << "commodity " << code << "\n    format " << commodity_sample(code, decimals, format) << "\n";
    else
      out << "commodity " << commodity_sample(code, decimals, format) << "\n";
  }
  for (const JournalTxn& t : txns) {
    // A transaction that posts nothing (a range from zero) is kept as a
    // comment: the tools have no such transaction.
    const char* c = t.postings.empty() ? "; " : "";
    out << "\n";
    if (t.postings.empty()) out << kPostsNothing;
    out << c << format_date(t.date) << " * " << header_text(t.description) << "\n";
    out << c << "    ; txn: " << t.id << "\n";
    out << c << "    ; kind: " << to_string(t.kind) << "\n";
    if (auto it = records.find(t.id); it != records.end())
      for (const auto& [key, value] : it->second) out << c << "    ; " << key << ": " << comment_text(value) << "\n";
    for (const Posting& p : t.postings) out << "    " << p.account << "    " << amount_text(p.amount) << "\n";
  }
}

std::string beancount_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void write_beancount(const std::vector<JournalTxn>& txns, const std::map<std::int64_t, Fields>& records,
                     std::ostream& out) {
  // Every account is opened on the day of its first posting, with its
  // adledger name as metadata. The names map one to one (a check keeps it
  // so: two accounts are never merged).
  std::map<std::string, std::pair<Date, std::string>> opened;  // beancount name -> (first day, adledger name)
  for (const JournalTxn& t : txns)
    for (const Posting& p : t.postings) {
      std::string name = beancount_account(p.account);
      auto [it, fresh] = opened.try_emplace(name, t.date, p.account);
      if (!fresh && it->second.second != p.account)
        throw Error(ErrorKind::Rule, "accounts " + quote(it->second.second) + " and " + quote(p.account) +
                                         " would both be " + quote(name) + " in beancount");
      if (t.date < it->second.first) it->second.first = t.date;
    }
  out << "; adledger journal export for beancount, transactions: " << txns.size() << "\n";
  out << "option \"title\" \"adledger export\"\n\n";
  for (const auto& [name, first] : opened)
    out << format_date(first.first) << " open " << name << "\n  adledger-account: " << beancount_string(first.second)
        << "\n";
  for (const JournalTxn& t : txns) {
    const char* c = t.postings.empty() ? "; " : "";
    out << "\n";
    if (t.postings.empty()) out << kPostsNothing;
    out << c << format_date(t.date) << " * " << beancount_string(t.description) << "\n";
    out << c << "  txn: \"" << t.id << "\"\n";
    out << c << "  kind: \"" << to_string(t.kind) << "\"\n";
    if (auto it = records.find(t.id); it != records.end())
      for (const auto& [key, value] : it->second) out << c << "  " << key << ": " << beancount_string(value) << "\n";
    for (const Posting& p : t.postings) out << "  " << beancount_account(p.account) << "  " << amount_text(p.amount) << "\n";
  }
}

void write_csv(const std::vector<JournalTxn>& txns, const std::map<std::int64_t, Fields>& records, std::ostream& out) {
  static const std::vector<std::string> kColumns = {
      "txn",         "date",      "kind",         "description",     "account",    "amount",       "currency",
      "entry",       "advertiser", "platform",    "handle",          "period",     "items",        "items_precision",
      "market",      "tags",      "precision",    "source",          "source_url", "source_accessed", "source_quote",
      "id",          "note",      "lower",        "upper",           "reverses",   "reason",       "pledge",
      "disbursement", "beneficiary", "basis_advertiser", "basis_period", "author"};
  auto row = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << render::csv_field(cells[i]);
    out << "\r\n";
  };
  row(kColumns);
  for (const JournalTxn& t : txns) {
    std::map<std::string, std::string> fields;
    if (auto it = records.find(t.id); it != records.end())
      for (const auto& [key, value] : it->second) fields[key] = value;
    for (const Posting& p : t.postings) {
      std::vector<std::string> cells = {std::to_string(t.id), format_date(t.date), std::string(to_string(t.kind)),
                                        t.description,        p.account,           p.amount.format(),
                                        p.amount.currency().code()};
      for (std::size_t i = cells.size(); i < kColumns.size(); ++i) {
        auto it = fields.find(kColumns[i]);
        cells.push_back(it == fields.end() ? "" : it->second);
      }
      row(cells);
    }
  }
}

// JSON Lines: each logged record as the import reads it, in the order it
// was recorded, so that every record replays as it was first recorded (a
// ban recorded after spend it covers does not refuse that spend).
std::string amount_of(const nlohmann::ordered_json& c) {
  return Money(c.at("minor").get<std::int64_t>(), Currency::from_code(c.at("currency").get<std::string>())).format();
}
std::string period_of(const nlohmann::ordered_json& c, const char* first, const char* last) {
  return Period(parse_date(c.at(first).get<std::string>(), first), parse_date(c.at(last).get<std::string>(), last))
      .to_string();
}

// Fields in a readable order: the type first, then as the record has them.
using ordered_json = nlohmann::ordered_json;

ordered_json import_record(Store& store, const LogRecord& r, std::map<std::int64_t, std::int64_t>& file_entry) {
  ordered_json c = ordered_json::parse(r.content);
  ordered_json out = ordered_json::object();
  auto copy = [&](const char* from, const char* to) {
    if (c.contains(from) && !c.at(from).is_null()) out[to] = c.at(from);
  };
  const std::string& k = r.kind;
  if (k == "platform" || k == "advertiser" || k == "handle" || k == "policy_withdrawal") {
    out["type"] = k;
    for (auto& [key, value] : c.items())
      if (!value.is_null()) out[key] = value;
  } else if (k == "pledge_withdrawal" || k == "disbursement_withdrawal" || k == "disclosed_total_withdrawal") {
    // The record's id, the reason and the source; the undoing postings
    // follow from the record withdrawn.
    out["type"] = k == "disclosed_total_withdrawal" ? "disclosure_withdrawal" : k;
    for (auto& [key, value] : c.items())
      if (key != "txn") out[key] = value;
  } else if (k == "spend") {
    out["type"] = "spend";
    file_entry.emplace(c.at("entry").get<std::int64_t>(), static_cast<std::int64_t>(file_entry.size()) + 1);
    copy("external_id", "id");
    copy("advertiser", "advertiser");
    copy("platform", "platform");
    copy("handle", "handle");
    out["amount"] = amount_of(c);
    if (c.contains("upper") && !c.at("upper").is_null())
      out["upper"] = Money(c.at("upper").get<std::int64_t>(), Currency::from_code(c.at("currency").get<std::string>()))
                         .format();
    out["currency"] = c.at("currency");
    out["period"] = period_of(c, "first", "last");
    copy("items", "items");
    copy("items_precision", "items_precision");
    copy("market", "market");
    if (!c.at("tags").empty()) out["tags"] = c.at("tags");
    copy("precision", "precision");
    copy("source", "source");
    for (const char* key : {"source_url", "source_accessed", "source_quote"}) copy(key, key);
    copy("note", "note");
  } else if (k == "spend_reversal") {
    // By the entry's external id, else by its place among the spend
    // records of this file: its number here may be another entry's in the
    // ledger the file is imported into.
    out["type"] = "spend_reversal";
    std::int64_t entry = c.at("entry").get<std::int64_t>();
    std::optional<SpendEntry> e = store.find_spend(entry);
    if (e && e->external_id) out["spend"] = *e->external_id;
    else if (auto it = file_entry.find(entry); it != file_entry.end()) out["file_entry"] = it->second;
    else throw Error(ErrorKind::Storage, "record " + std::to_string(r.seq) + " reverses spend #" +
                                             std::to_string(entry) + ", which no record before it logs");
    copy("reason", "reason");
    copy("source", "source");
    for (const char* key : {"source_url", "source_accessed", "source_quote"}) copy(key, key);
  } else if (k == "policy_action") {
    out["type"] = "policy_action";
    for (auto& [key, value] : c.items())
      if (!value.is_null()) out[key] = value;
  } else if (k == "pledge") {
    out["type"] = "pledge";
    copy("id", "id");
    copy("platform", "platform");
    out["amount"] = amount_of(c);
    out["currency"] = c.at("currency");
    copy("date", "date");
    copy("beneficiary", "beneficiary");
    ordered_json basis = ordered_json::object();
    if (!c.at("basis_advertiser").is_null()) basis["advertiser"] = c.at("basis_advertiser");
    if (!c.at("basis_first").is_null()) basis["period"] = period_of(c, "basis_first", "basis_last");
    if (!basis.empty()) out["basis"] = basis;
    copy("source", "source");
    for (const char* key : {"source_url", "source_accessed", "source_quote"}) copy(key, key);
    copy("note", "note");
  } else if (k == "disbursement") {
    out["type"] = "disbursement";
    copy("id", "id");
    copy("pledge", "pledge");
    out["amount"] = amount_of(c);
    out["currency"] = c.at("currency");
    copy("date", "date");
    copy("source", "source");
    for (const char* key : {"source_url", "source_accessed", "source_quote"}) copy(key, key);
  } else if (k == "rate") {
    out["type"] = "rate";
    for (const char* key : {"from", "to", "rate", "date", "source", "source_url", "source_accessed", "source_quote"})
      copy(key, key);
  } else if (k == "disclosed_total") {
    out["type"] = "disclosure";
    copy("id", "id");
    copy("platform", "platform");
    copy("advertiser", "advertiser");
    out["amount"] = amount_of(c);
    out["currency"] = c.at("currency");
    out["period"] = period_of(c, "first", "last");
    copy("date", "date");
    copy("precision", "precision");
    copy("source", "source");
    for (const char* key : {"source_url", "source_accessed", "source_quote"}) copy(key, key);
    copy("note", "note");
  } else {
    throw Error(ErrorKind::Storage, "record " + std::to_string(r.seq) + ": kind " + quote(k) + " cannot be exported");
  }
  return out;
}

void write_jsonl(Store& store, std::ostream& out) {
  std::map<std::int64_t, std::int64_t> file_entry;  // entry number -> its place among the file's spend records
  store.each_log([&](const LogRecord& r) {
    out << import_record(store, r, file_entry).dump(-1, ' ', false, ordered_json::error_handler_t::strict) << "\n";
  });
}

}  // namespace

ExportFormat parse_export_format(std::string_view text) {
  if (text == "ledger") return ExportFormat::Ledger;
  if (text == "hledger") return ExportFormat::Hledger;
  if (text == "beancount") return ExportFormat::Beancount;
  if (text == "csv") return ExportFormat::Csv;
  if (text == "jsonl") return ExportFormat::Jsonl;
  throw Error(ErrorKind::Input, "format " + quote(text) + ": expected ledger, hledger, beancount, csv or jsonl");
}

std::string beancount_account(std::string_view account) {
  std::string out;
  bool start = true;
  for (char c : account) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == '_') out += "-U-";
    else out += c;
    start = c == ':';
  }
  return out;
}

void export_journal(Ledger& ledger, ExportFormat format, const ExportOptions& options, std::ostream& out) {
  if (options.from && options.to && *options.to < *options.from)
    throw Error(ErrorKind::Input, "to " + quote(format_date(*options.to)) + ": before from " +
                                      quote(format_date(*options.from)));
  Store& store = ledger.store();
  if (format == ExportFormat::Jsonl) {
    if (options.from || options.to)
      throw Error(ErrorKind::Input,
                  "format \"jsonl\": exports the whole ledger, so that it re-imports; --from and --to apply to "
                  "ledger, hledger, beancount and csv");
    write_jsonl(store, out);
    return;
  }
  std::vector<JournalTxn> txns = transactions(store, options);
  std::map<std::int64_t, Fields> records = records_by_txn(store);
  switch (format) {
    case ExportFormat::Ledger:
    case ExportFormat::Hledger: write_plain_text(txns, records, format, out); break;
    case ExportFormat::Beancount: write_beancount(txns, records, out); break;
    case ExportFormat::Csv: write_csv(txns, records, out); break;
    case ExportFormat::Jsonl: break;
  }
}

}  // namespace ledger
