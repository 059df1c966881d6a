#include "ledger/audit/chain.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "ledger/audit/merkle.hpp"
#include "ledger/error.hpp"
#include "ledger/storage/store.hpp"

namespace ledger {
namespace {

using json = nlohmann::json;

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json optional_date(const std::optional<Date>& value) {
  return value ? json(format_date(*value)) : json(nullptr);
}

json postings_json(const JournalTxn& txn) {
  json postings = json::array();
  for (const Posting& p : txn.postings)
    postings.push_back(json{{"account", p.account}, {"currency", p.amount.currency().code()},
                            {"minor", p.amount.minor()}});
  return json{{"id", txn.id},
              {"date", format_date(txn.date)},
              {"kind", std::string(to_string(txn.kind))},
              {"description", txn.description},
              {"postings", postings}};
}

}  // namespace

std::string to_hex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hash.size() * 2);
  for (std::uint8_t b : hash) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0F];
  }
  return out;
}

Hash parse_hash(std::string_view hex, std::string_view field) {
  if (hex.size() != 64) throw_input(field, hex, "a head hash is 64 hexadecimal digits");
  Hash out{};
  auto digit = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw_input(field, hex, "a head hash is 64 hexadecimal digits");
  };
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(digit(hex[2 * i]) * 16 + digit(hex[2 * i + 1]));
  return out;
}

void append_json_string(std::string& out, std::string_view text) {
  // As nlohmann::json's dump() without ensure_ascii: UTF-8 as it is, the
  // two characters JSON reserves and the C0 controls escaped (the short
  // forms where JSON has them, \u00XX in lower case otherwise).
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // the start of the run of bytes copied as they are
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[byte >> 4];
        out += kHex[byte & 0x0F];
    }
  }
  out.append(text, plain, text.size() - plain);
  out += '"';
}

std::string chain_line(std::int64_t seq, std::string_view kind, std::string_view ref, std::string_view recorded_at,
                       std::string_view content, std::string_view author) {
  // Written by hand so that the content is hashed byte for byte; it is
  // itself canonical JSON, so the line is too (keys in order, no spaces).
  std::string line;
  line.reserve(content.size() + kind.size() + ref.size() + recorded_at.size() + author.size() + 80);
  if (!author.empty()) {
    line += "{\"author\":";
    append_json_string(line, author);
    line += ",\"content\":";
  } else {
    line += "{\"content\":";
  }
  line += content;
  line += ",\"kind\":";
  append_json_string(line, kind);
  line += ",\"recorded_at\":";
  append_json_string(line, recorded_at);
  line += ",\"ref\":";
  append_json_string(line, ref);
  line += ",\"seq\":";
  line += std::to_string(seq);
  line += '}';
  return line;
}

namespace {

// SHA-256 of the parts, one after the other.
Hash digest(std::initializer_list<std::string_view> parts) {
  Hash out{};
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  for (std::string_view part : parts) ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx, out.data(), &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || length != out.size()) throw Error(ErrorKind::Storage, "SHA-256 failed (OpenSSL libcrypto)");
  return out;
}

}  // namespace

Hash chain_hash(const Hash& previous, std::string_view line) {
  return digest({std::string_view(reinterpret_cast<const char*>(previous.data()), previous.size()), line});
}

Hash sha256(std::string_view data) { return digest({data}); }

std::string canonical(const json& content) {
  return content.dump(-1, ' ', false, json::error_handler_t::strict);
}

std::string field_label(const std::string& key) {
  if (key == "minor") return "amount";
  if (key == "first" || key == "last") return "period";
  if (key.starts_with("basis_")) return "basis";
  if (key == "external_id") return "id";
  if (key == "advertisers") return "advertiser";
  if (key == "txn") return "postings";
  return key;
}

std::vector<std::string> differing_fields(const json& a, const json& b) {
  std::vector<std::string> out;
  auto note = [&](const std::string& key) {
    std::string name = field_label(key);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  for (const auto& [key, value] : a.items())
    if (!b.contains(key) || b[key] != value) note(key);
  for (const auto& [key, value] : b.items())
    if (!a.contains(key)) note(key);
  return out;
}

std::string handle_ref(const Handle& handle) { return handle.platform_id + "/" + handle.handle; }
std::string rate_ref(const ExchangeRate& r) { return r.from.code() + "/" + r.to.code() + "/" + format_date(r.date); }

std::string utc_now() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[96];  // room for any int the compiler imagines; 24 are used
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buffer;
}

void check_timestamp(std::string_view text, std::string_view field) {
  const char* shape = "write a time as 2026-11-22T10:00:00.000Z (UTC, milliseconds)";
  if (text.size() != 24 || text[10] != 'T' || text[19] != '.' || text[23] != 'Z' || text[13] != ':' ||
      text[16] != ':')
    throw_input(field, text, shape);
  parse_date(text.substr(0, 10), field);
  auto two = [&](std::size_t at, int max) {
    char a = text[at], b = text[at + 1];
    if (a < '0' || a > '9' || b < '0' || b > '9' || (a - '0') * 10 + (b - '0') > max) throw_input(field, text, shape);
  };
  two(11, 23);
  two(14, 59);
  two(17, 59);
  for (std::size_t i = 20; i < 23; ++i)
    if (text[i] < '0' || text[i] > '9') throw_input(field, text, shape);
}

void check_author(std::string_view author, std::string_view field) {
  constexpr std::size_t kAuthorMax = 200;
  if (author.empty()) throw_input(field, author, "must not be empty");
  if (author.size() > kAuthorMax) throw_input(field, author, "longer than " + std::to_string(kAuthorMax) + " bytes");
  if (author.front() == ' ' || author.back() == ' ') throw_input(field, author, "starts or ends with a space");
  if (author.find('\t') != std::string_view::npos) throw_input(field, author, "control characters are not allowed");
  check_text(author, field);
}

std::int64_t timestamp_ms(std::string_view text) {
  check_timestamp(text, "recorded_at");
  constexpr std::int64_t kUnixEpochDay = 2440588;  // the Julian day number of 1970-01-01
  auto number = [&](std::size_t at, std::size_t digits) {
    std::int64_t n = 0;
    for (std::size_t i = 0; i < digits; ++i) n = n * 10 + (text[at + i] - '0');
    return n;
  };
  std::int64_t day = static_cast<std::int64_t>(parse_date(text.substr(0, 10), "recorded_at").day_number());
  return (((day - kUnixEpochDay) * 24 + number(11, 2)) * 60 + number(14, 2)) * 60000 + number(17, 2) * 1000 +
         number(20, 3);
}

std::string format_timestamp_ms(std::int64_t ms) {
  constexpr std::int64_t kUnixEpochDay = 2440588;
  constexpr std::int64_t kDayMs = 86'400'000;
  std::int64_t day = ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs);
  std::int64_t rest = ms - day * kDayMs;
  std::int64_t jdn = day + kUnixEpochDay;
  std::optional<Date> date = date_of_day_number(jdn);
  if (!date) throw Error(ErrorKind::Storage, "recorded time " + std::to_string(ms) + " ms is not a time adledger records");
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s T%02d:%02d:%02d.%03dZ", format_date(*date).c_str(),
                static_cast<int>(rest / 3'600'000), static_cast<int>(rest / 60'000 % 60),
                static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000));
  std::string out(buffer);
  out.erase(10, 1);  // the space that kept the format string readable
  return out;
}

TxnAuthors::TxnAuthors(Store& store) {
  std::unordered_map<std::string, std::uint32_t> index;
  store.each_txn_author([&](std::int64_t txn_id, const std::string& author) {
    auto [it, added] = index.try_emplace(author, static_cast<std::uint32_t>(names_.size()));
    if (added) names_.push_back(author);
    by_txn_[txn_id] = it->second;
  });
}

const std::string& TxnAuthors::of(std::int64_t txn_id) const {
  static const std::string kNobody;
  auto it = by_txn_.find(txn_id);
  return it == by_txn_.end() ? kNobody : names_[it->second];
}

LogRecord append_record(Store& store, const std::string& kind, const std::string& ref, const json& content,
                        const std::string& recorded_at, const std::string& author) {
  return append_record(store, kind, ref, canonical(content), recorded_at, author);
}

LogRecord append_record(Store& store, const std::string& kind, const std::string& ref, std::string content,
                        const std::string& recorded_at, const std::string& author) {
  std::optional<LogRecord> head = store.log_head();
  LogRecord r;
  r.seq = head ? head->seq + 1 : 1;
  r.kind = kind;
  r.ref = ref;
  // The log's times never go backwards, even if the clock does: the records
  // up to any moment are then a prefix of the log (--as-of relies on it).
  r.recorded_at = head && recorded_at < head->recorded_at ? head->recorded_at : recorded_at;
  r.content = std::move(content);
  r.author = author;
  if (!r.author.empty() && store.log_format() != LogFormat::Tree)
    throw Error(ErrorKind::Storage, "a record's author needs schema version 9; this ledger is older");
  std::string line = chain_line(r);
  // Version 7 hashes each record as a leaf of the Merkle tree; a migration
  // to an older version extends that version's chain.
  r.hash = store.log_format() == LogFormat::Tree ? leaf_hash(line) : chain_hash(head ? head->hash : Hash{}, line);
  store.append_log(r);
  return r;
}

void backfill_log(Store& store, const std::string& recorded_at) {
  auto txn_of = [&](std::int64_t id) {
    std::optional<JournalTxn> t = store.find_txn(id);
    if (!t) throw Error(ErrorKind::Storage, "transaction " + std::to_string(id) + " is missing");
    return *t;
  };
  for (const Platform& p : store.platforms()) append_record(store, "platform", p.id, content_of(p), recorded_at);
  for (const Advertiser& a : store.advertisers())
    append_record(store, "advertiser", a.id, content_of(a), recorded_at);
  for (const Handle& h : store.handles()) append_record(store, "handle", handle_ref(h), content_of(h), recorded_at);
  // Spend before policy actions: a version-2 ledger refused spend inside a
  // ban recorded before it, so spend that overlaps a ban was recorded
  // first; logging it first keeps verify's ban check true to that.
  std::vector<SpendEntry> entries = store.spend(SpendQuery{});
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.entry_id < b.entry_id; });
  for (const SpendEntry& e : entries)
    append_record(store, "spend", std::to_string(e.entry_id), content_of(e, txn_of(e.txn_id)), recorded_at);
  for (const PolicyAction& a : store.policy_actions(std::nullopt))
    append_record(store, "policy_action", a.id, content_of(a), recorded_at);
  for (const Pledge& p : store.pledges()) {
    append_record(store, "pledge", p.id, content_of(p, txn_of(p.txn_id)), recorded_at);
    for (const Disbursement& d : store.disbursements_of(p.id))
      append_record(store, "disbursement", d.id, content_of(d, txn_of(d.txn_id)), recorded_at);
  }
  for (const DisclosedTotal& d : store.disclosed_totals(std::nullopt, std::nullopt))
    append_record(store, "disclosed_total", d.id, content_of(d), recorded_at);
}

// A source's details are in a record's content only when given, each under
// a key of its own: records recorded before sources had details keep their
// content and hash.
namespace {

void add_source_details(json& content, const SourceDetails& d) {
  if (d.url) content["source_url"] = *d.url;
  if (d.accessed) content["source_accessed"] = format_date(*d.accessed);
  if (d.quote) content["source_quote"] = *d.quote;
}

json with_source_details(json content, const SourceDetails& d) {
  add_source_details(content, d);
  return content;
}

}  // namespace

SourceDetails source_details_in(const json& content) {
  SourceDetails d;
  if (auto it = content.find("source_url"); it != content.end()) d.url = it->get<std::string>();
  if (auto it = content.find("source_accessed"); it != content.end())
    d.accessed = parse_date(it->get<std::string>(), "source_accessed");
  if (auto it = content.find("source_quote"); it != content.end()) d.quote = it->get<std::string>();
  return d;
}

json content_of(const Platform& p) { return json{{"id", p.id}, {"name", p.name}}; }

json content_of(const Advertiser& a) {
  return json{{"id", a.id}, {"name", a.name}, {"country", optional_json(a.country)},
              {"state_affiliated", a.state_affiliated}};
}

json content_of(const Handle& h) {
  return json{{"advertiser", h.advertiser_id}, {"platform", h.platform_id}, {"handle", h.handle}};
}

json content_of(const SpendEntry& e, const JournalTxn& txn) {
  json c{{"entry", e.entry_id},
              {"advertiser", e.advertiser_id},
              {"platform", e.platform_id},
              {"handle", optional_json(e.handle)},
              {"currency", e.amount.currency().code()},
              {"minor", e.amount.minor()},
              {"first", format_date(e.period.first())},
              {"last", format_date(e.period.last())},
              {"items", optional_json(e.items)},
              {"market", e.market},
              {"tags", e.tags},
              {"precision", std::string(to_string(e.precision))},
              {"source", e.source},
              {"external_id", optional_json(e.external_id)},
              {"note", optional_json(e.note)},
              {"txn", postings_json(txn)}};
  // Only a range has an upper bound, and only a range's content holds it:
  // entries recorded before ranges existed keep their content and hash.
  if (e.precision == Precision::Range) c["upper"] = e.upper ? json(e.upper->minor()) : json(nullptr);
  // Only an item count that is not exact says so: entries recorded before
  // counts had a precision keep their content and hash.
  if (e.items_precision != Precision::Exact) c["items_precision"] = std::string(to_string(e.items_precision));
  add_source_details(c, e.source_details);
  return c;
}

std::string canonical_spend(const SpendEntry& e, const JournalTxn& txn) {
  // The keys of content_of(entry, txn) in the order dump() sorts them.
  std::string out;
  out.reserve(512);
  auto key = [&](const char* name) {
    out += out.empty() ? "{\"" : ",\"";
    out += name;
    out += "\":";
  };
  auto text = [&](const char* name, std::string_view value) {
    key(name);
    append_json_string(out, value);
  };
  auto optional_text = [&](const char* name, const std::optional<std::string>& value) {
    key(name);
    if (value) append_json_string(out, *value);
    else out += "null";
  };
  auto number = [&](const char* name, std::int64_t value) {
    key(name);
    out += std::to_string(value);
  };
  text("advertiser", e.advertiser_id);
  text("currency", e.amount.currency().code());
  number("entry", e.entry_id);
  optional_text("external_id", e.external_id);
  text("first", format_date(e.period.first()));
  optional_text("handle", e.handle);
  key("items");
  out += e.items ? std::to_string(*e.items) : std::string("null");
  if (e.items_precision != Precision::Exact) text("items_precision", to_string(e.items_precision));
  text("last", format_date(e.period.last()));
  text("market", e.market);
  number("minor", e.amount.minor());
  optional_text("note", e.note);
  text("platform", e.platform_id);
  text("precision", to_string(e.precision));
  text("source", e.source);
  if (e.source_details.accessed) text("source_accessed", format_date(*e.source_details.accessed));
  if (e.source_details.quote) text("source_quote", *e.source_details.quote);
  if (e.source_details.url) text("source_url", *e.source_details.url);
  key("tags");
  out += '[';
  for (std::size_t i = 0; i < e.tags.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, e.tags[i]);
  }
  out += ']';
  key("txn");
  out += "{\"date\":";
  append_json_string(out, format_date(txn.date));
  out += ",\"description\":";
  append_json_string(out, txn.description);
  out += ",\"id\":" + std::to_string(txn.id) + ",\"kind\":";
  append_json_string(out, to_string(txn.kind));
  out += ",\"postings\":[";
  for (std::size_t i = 0; i < txn.postings.size(); ++i) {
    const Posting& p = txn.postings[i];
    out += i ? ",{\"account\":" : "{\"account\":";
    append_json_string(out, p.account);
    out += ",\"currency\":";
    append_json_string(out, p.amount.currency().code());
    out += ",\"minor\":" + std::to_string(p.amount.minor()) + "}";
  }
  out += "]}";
  // Only a range's content holds its upper bound (see content_of).
  if (e.precision == Precision::Range) {
    key("upper");
    out += e.upper ? std::to_string(e.upper->minor()) : std::string("null");
  }
  out += '}';
  return out;
}

json content_of(const PolicyAction& a) {
  return with_source_details(json{{"id", a.id},
                                  {"kind", std::string(to_string(a.kind))},
                                  {"platform", a.platform_id},
                                  {"advertisers", a.advertiser_ids},
                                  {"date", format_date(a.date)},
                                  {"end_date", optional_date(a.end_date)},
                                  {"lifts", optional_json(a.lifts_action_id)},
                                  {"accounts", optional_json(a.account_count)},
                                  {"description", a.description},
                                  {"source", a.source},
                                  {"note", optional_json(a.note)}},
                             a.source_details);
}

json content_of(const Pledge& p, const JournalTxn& txn) {
  json c{{"id", p.id},
         {"platform", p.platform_id},
         {"currency", p.amount.currency().code()},
         {"minor", p.amount.minor()},
         {"date", format_date(p.date)},
         {"beneficiary", p.beneficiary},
         {"basis_advertiser", optional_json(p.basis_advertiser_id)},
         {"basis_first", p.basis_period ? json(format_date(p.basis_period->first())) : json(nullptr)},
         {"basis_last", p.basis_period ? json(format_date(p.basis_period->last())) : json(nullptr)},
         {"source", p.source},
         {"note", optional_json(p.note)},
         {"txn", postings_json(txn)}};
  add_source_details(c, p.source_details);
  return c;
}

json content_of(const Disbursement& d, const JournalTxn& txn) {
  return with_source_details(json{{"id", d.id},
                                  {"pledge", d.pledge_id},
                                  {"currency", d.amount.currency().code()},
                                  {"minor", d.amount.minor()},
                                  {"date", format_date(d.date)},
                                  {"source", d.source},
                                  {"txn", postings_json(txn)}},
                             d.source_details);
}

json content_of(const DisclosedTotal& d) {
  return with_source_details(json{{"id", d.id},
                                  {"platform", d.platform_id},
                                  {"advertiser", d.advertiser_id},
                                  {"currency", d.amount.currency().code()},
                                  {"minor", d.amount.minor()},
                                  {"first", format_date(d.period.first())},
                                  {"last", format_date(d.period.last())},
                                  {"date", format_date(d.date)},
                                  {"precision", std::string(to_string(d.precision))},
                                  {"source", d.source},
                                  {"note", optional_json(d.note)}},
                             d.source_details);
}

json content_of(const ExchangeRate& r) {
  return with_source_details(json{{"from", r.from.code()}, {"to", r.to.code()}, {"date", format_date(r.date)},
                                  {"rate", r.rate.to_string()}, {"source", r.source}},
                             r.source_details);
}

json content_of(const PolicyWithdrawal& w) {
  return with_source_details(json{{"action", w.action_id}, {"reason", w.reason}, {"source", w.source}},
                             w.source_details);
}

json content_of_withdrawal(const Pledge& p, const JournalTxn& txn) {
  return with_source_details(json{{"pledge", p.id},
                                  {"reason", p.withdrawal->reason},
                                  {"source", p.withdrawal->source},
                                  {"txn", postings_json(txn)}},
                             p.withdrawal->source_details);
}

json content_of_withdrawal(const Disbursement& d, const JournalTxn& txn) {
  return with_source_details(json{{"disbursement", d.id},
                                  {"reason", d.withdrawal->reason},
                                  {"source", d.withdrawal->source},
                                  {"txn", postings_json(txn)}},
                             d.withdrawal->source_details);
}

json content_of_withdrawal(const DisclosedTotal& d) {
  return with_source_details(
      json{{"disclosure", d.id}, {"reason", d.withdrawal->reason}, {"source", d.withdrawal->source}},
      d.withdrawal->source_details);
}

json content_of(const SpendReversal& r, const JournalTxn& txn) {
  return with_source_details(
      json{{"entry", r.entry_id}, {"reason", r.reason}, {"source", r.source}, {"txn", postings_json(txn)}},
      r.source_details);
}

}  // namespace ledger
