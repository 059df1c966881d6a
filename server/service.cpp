#include "server/service.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <exception>
#include <list>
#include <unordered_map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "ledger/audit/checkpoint.hpp"
#include "ledger/audit/replay.hpp"
#include "ledger/error.hpp"
#include "ledger/io/ban_checks.hpp"
#include "ledger/io/json_output.hpp"
#include "ledger/ledger.hpp"
#include "ledger/render/document.hpp"
#include "ledger/report/answers.hpp"
#include "ledger/report/documents.hpp"
#include "ledger/report/other_reports.hpp"
#include "ledger/storage/open.hpp"
#include "ledger/io/adlib_import.hpp"
#include "server/pages.hpp"
#include "server/schemas.hpp"
#include "server/tokens.hpp"

namespace adledger::server {

using ledger::Error;
using ledger::ErrorKind;
using nlohmann::json;

// ---------------------------------------------------------------------------
// Requests: the target's path and parameters.

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding (RFC 3986); in a query, '+' is a space as forms send it.
// The result must be valid UTF-8 without control characters.
std::string decode(std::string_view text, bool query, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      const bool room = i + 2 < text.size();
      const int hi = room ? hex_value(text[i + 1]) : -1;
      const int lo = room ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        throw Error(ErrorKind::Input, std::string(what) + " " + ledger::quote(text) + ": a % not followed by two hex digits");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && query) {
      out += ' ';
    } else {
      out += c;
    }
  }
  for (std::size_t i = 0; i < out.size();) {
    unsigned char c = static_cast<unsigned char>(out[i]);
    if (c < 0x20 || c == 0x7f)
      throw Error(ErrorKind::Input, std::string(what) + " " + ledger::quote(out) + ": holds a control character");
    std::size_t n = ledger::utf8_sequence_length(out, i);
    if (n == 0) throw Error(ErrorKind::Input, std::string(what) + " " + ledger::quote(out) + ": not valid UTF-8");
    i += n;
  }
  return out;
}

// A request's parameters: each route says which it takes, and any other, or
// one given twice, is refused, so that a misspelt filter is never silently
// ignored.
class Params {
 public:
  Params(std::string_view query, std::string path) : path_(std::move(path)) {
    if (query.size() > kQueryMax)
      throw Error(ErrorKind::Input, "query: over " + std::to_string(kQueryMax) + " bytes");
    while (!query.empty()) {
      std::size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      std::size_t eq = pair.find('=');
      std::string name = decode(pair.substr(0, eq), true, "parameter");
      std::string value = eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1), true, name);
      for (const auto& [n, v] : values_)
        if (n == name) throw Error(ErrorKind::Input, "parameter " + ledger::quote(name) + ": given twice");
      values_.emplace_back(std::move(name), std::move(value));
    }
  }

  // Refuses a parameter this route does not take, naming those it does.
  void allow(std::initializer_list<const char*> names) const {
    for (const auto& [name, value] : values_) {
      bool known = std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
      if (known) continue;
      std::string list;
      for (const char* n : names) list += std::string(list.empty() ? "" : ", ") + n;
      throw Error(ErrorKind::Input, "parameter " + ledger::quote(name) + ": " + path_ + " takes " +
                                        (list.empty() ? std::string("no parameters") : list));
    }
  }

  // A parameter's value; an empty value counts as not given, as a form's
  // empty field does.
  std::optional<std::string> get(const char* name) const {
    for (const auto& [n, v] : values_)
      if (n == name) return v.empty() ? std::nullopt : std::optional(v);
    return std::nullopt;
  }
  std::string required(const char* name) const {
    std::optional<std::string> v = get(name);
    if (!v) throw Error(ErrorKind::Input, "parameter " + ledger::quote(name) + ": is required");
    return *v;
  }
  std::optional<std::int64_t> integer(const char* name, std::int64_t min, std::int64_t max) const {
    std::optional<std::string> v = get(name);
    if (!v) return std::nullopt;
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    const bool ok = ec == std::errc() && end == v->data() + v->size() && !v->starts_with('-') && !v->starts_with('+');
    if (!ok || n < min || n > max)
      ledger::throw_input(name, *v, "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return n;
  }

 private:
  std::string path_;
  std::vector<std::pair<std::string, std::string>> values_;
};

struct Target {
  std::string path;                   // decoded
  std::vector<std::string> segments;  // the path's, decoded
  std::string_view query;             // raw
};

Target parse_target(const std::string& target) {
  Target t;
  std::string_view raw(target);
  std::size_t q = raw.find('?');
  std::string_view path = raw.substr(0, q);
  if (q != std::string_view::npos) t.query = raw.substr(q + 1);
  if (path.empty() || path[0] != '/') throw Error(ErrorKind::Input, "path " + ledger::quote(path) + ": must start with /");
  std::string_view rest = path.substr(1);
  while (true) {
    std::size_t slash = rest.find('/');
    std::string segment = decode(rest.substr(0, slash), false, "path");
    if (segment.find('/') != std::string::npos)
      throw Error(ErrorKind::Input, "path " + ledger::quote(path) + ": an encoded / in a segment");
    t.segments.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  if (t.segments.size() > 1 && t.segments.back().empty()) t.segments.pop_back();  // a trailing slash
  for (const auto& s : t.segments) t.path += "/" + s;
  if (t.path.empty()) t.path = "/";
  return t;
}

// ---------------------------------------------------------------------------
// Responses.

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 201: return "Created";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "Error";
}

// A body of a media type its path does not take: 415, where another input
// error is 400.
class UnsupportedMediaType : public Error {
 public:
  explicit UnsupportedMediaType(const std::string& message) : Error(ErrorKind::Input, message) {}
};

int status_of(const Error& e) {
  if (dynamic_cast<const UnsupportedMediaType*>(&e)) return 415;
  switch (e.reason()) {
    case ledger::Reason::NotFound: return 404;
    case ledger::Reason::Conflict: return 409;
    case ledger::Reason::Busy: return 503;
    case ledger::Reason::None: break;
  }
  switch (e.kind()) {
    case ErrorKind::Input: return 400;
    case ErrorKind::Rule: return 422;
    case ErrorKind::Storage: return 503;
  }
  return 500;
}

const char* kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Input: return "input";
    case ErrorKind::Rule: return "rule";
    case ErrorKind::Storage: return "storage";
  }
  return "internal";
}

std::string json_text(const json& value) {
  // As the command line prints it: the same bytes for the same question.
  return value.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Response json_response(const json& value) {
  return Response{200, "application/json", json_text(value), {}};
}

}  // namespace

// A problem document (RFC 9457): the status, its phrase, and the message the
// command line would print for the same mistake.
Response problem(int status, const std::string& detail, const char* kind) {
  json doc = {{"type", "about:blank"}, {"title", reason_phrase(status)}, {"status", status}, {"detail", detail}};
  if (kind) doc["kind"] = kind;
  Response r{status, "application/problem+json", json_text(doc), {}};
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

std::vector<std::pair<std::string, std::string>> security_headers(const std::string& csp) {
  return {{"Content-Security-Policy", csp},
          {"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "no-referrer"},
          {"Cross-Origin-Opener-Policy", "same-origin"},
          {"Cross-Origin-Resource-Policy", "same-origin"}};
}

std::string default_content_security_policy() {
  ledger::Hash digest = ledger::sha256(ledger::render::html_page_style());
  std::string style_hash =
      ledger::base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  return "default-src 'none'; style-src 'sha256-" + style_hash +
         "'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
}

// ---------------------------------------------------------------------------
// The cache of answers: a GET's answer is a function of its target, the
// ledger's head and the day, all three in its key, so an answer kept is
// never stale; the least recently used go first past the bound.

class Service::Cache {
 public:
  explicit Cache(std::size_t bytes_max) : bytes_max_(bytes_max) {}

  std::optional<Response> find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    entries_.splice(entries_.begin(), entries_, it->second);  // now the most recent
    return it->second->second;
  }

  void put(const std::string& key, const Response& response) {
    const std::size_t bytes = cost(key, response);
    if (bytes > bytes_max_ / 8) return;  // one answer never takes much of it
    std::lock_guard<std::mutex> lock(mutex_);
    if (index_.contains(key)) return;
    entries_.emplace_front(key, response);
    index_.emplace(key, entries_.begin());
    bytes_ += bytes;
    while (bytes_ > bytes_max_ && !entries_.empty()) {
      auto& last = entries_.back();
      bytes_ -= cost(last.first, last.second);
      index_.erase(last.first);
      entries_.pop_back();
    }
  }

 private:
  static std::size_t cost(const std::string& key, const Response& r) {
    std::size_t bytes = key.size() * 2 + r.body.size() + r.content_type.size() + 128;
    for (const auto& [name, value] : r.headers) bytes += name.size() + value.size();
    return bytes;
  }

  std::mutex mutex_;
  std::size_t bytes_max_;
  std::size_t bytes_ = 0;
  std::list<std::pair<std::string, Response>> entries_;  // the most recent first
  std::unordered_map<std::string, std::list<std::pair<std::string, Response>>::iterator> index_;
};

// ---------------------------------------------------------------------------
// Readers: an open store per request in flight, reused.

struct Service::Reader {
  std::unique_ptr<ledger::Store> store;
  // The ledger's bans, indexed at the head they were read at: rebuilt when
  // the ledger has grown, else reused by every ban-status question.
  std::optional<ledger::TreeHead> bans_head;
  std::unique_ptr<ledger::BanSnapshot> bans;
};

class Service::Lease {
 public:
  Lease(Service& service, std::unique_ptr<Reader> reader) : service_(service), reader_(std::move(reader)) {}
  Lease(Lease&& other) noexcept : service_(other.service_), reader_(std::move(other.reader_)), broken_(other.broken_) {}
  ~Lease() {
    if (reader_ && !broken_) service_.give_back(std::move(reader_));
  }
  ledger::Store& store() { return *reader_->store; }
  const ledger::BanSnapshot& bans(const ledger::TreeHead& head) {
    Reader& r = *reader_;
    if (!r.bans || !r.bans_head || r.bans_head->size != head.size || r.bans_head->root != head.root) {
      r.bans.reset();
      r.bans = std::make_unique<ledger::BanSnapshot>(*r.store);
      r.bans_head = head;
    }
    return *r.bans;
  }
  // A store that failed (a connection lost) is closed, not reused.
  void break_it() { broken_ = true; }
  // Whether the lease still has its reader (not given back, not broken).
  bool held() const noexcept { return reader_ && !broken_; }
  // Given back before the request is answered: a write waits for its
  // group's commit without holding a reader.
  void give_back() {
    if (reader_ && !broken_) service_.give_back(std::move(reader_));
    reader_.reset();
  }

 private:
  Service& service_;
  std::unique_ptr<Reader> reader_;
  bool broken_ = false;
};

Service::Service(ServiceOptions options)
    : options_(std::move(options)),
      cache_(std::make_unique<Cache>(options_.cache_bytes)),
      writes_(std::make_unique<WriteQueue>()) {
  if (!options_.today) options_.today = [] { return ledger::Date(boost::gregorian::day_clock::universal_day()); };
  if (options_.content_security_policy.empty()) options_.content_security_policy = default_content_security_policy();
  if (!options_.clock) options_.clock = ledger::utc_now;
}

Service::~Service() = default;

Service::Lease Service::lease() {
  std::unique_ptr<Reader> reader;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      reader = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (reader) {
    try {
      reader->store->renew_read();  // the ledger as it is now
      return Lease(*this, std::move(reader));
    } catch (const Error&) {
      reader.reset();  // a connection lost while idle: open another
    }
  }
  reader = std::make_unique<Reader>();
  reader->store = ledger::open_store(options_.db, ledger::OpenMode::ReadExisting,
                                     ledger::StoreOptions{options_.wait_ms});
  return Lease(*this, std::move(reader));
}

void Service::give_back(std::unique_ptr<Reader> reader) {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(reader));
}

// ---------------------------------------------------------------------------
// Routes.

namespace {

// The ledger a request reads: as it is, or with as_of as it stood then.
struct Reading {
  std::unique_ptr<ledger::Store> as_of_store;  // set with as_of
  std::unique_ptr<ledger::Ledger> ledger;
};

Reading reading(ledger::Store& store, const Params& params) {
  Reading r;
  if (std::optional<std::string> as_of = params.get("as_of")) {
    (void)ledger::as_of_timestamp(*as_of);  // checked first
    r.as_of_store = ledger::ledger_as_of(store, *as_of);
    r.ledger = std::make_unique<ledger::Ledger>(*r.as_of_store);
  } else {
    r.ledger = std::make_unique<ledger::Ledger>(store);
  }
  return r;
}

std::optional<ledger::Currency> currency_param(const Params& params) {
  std::optional<std::string> code = params.get("convert");
  if (!code) return std::nullopt;
  return ledger::Currency::from_code(*code, "convert");
}

std::optional<ledger::Granularity> by_param(const Params& params) {
  std::optional<std::string> by = params.get("by");
  if (!by) return std::nullopt;
  return ledger::parse_granularity(*by, "by");
}

// The register's and balance's account filter is a regular expression on
// the command line; over HTTP, where anyone may send one, only its plain
// forms are taken (a text, ^prefix, suffix$), which cannot take a worker
// for long.
std::optional<std::string> account_param(const Params& params) {
  std::optional<std::string> account = params.get("account");
  if (!account) return std::nullopt;
  if (account->size() > 200) ledger::throw_input("account", *account, "over 200 bytes");
  std::string_view inner(*account);
  if (inner.starts_with('^')) inner.remove_prefix(1);
  if (inner.ends_with('$')) inner.remove_suffix(1);
  for (char c : inner)
    if (std::string_view(".[]()*+?{}|\\^$").find(c) != std::string_view::npos)
      ledger::throw_input("account", *account,
                          "over HTTP, a text to find in account names, with ^ to anchor it at the start or $ at the "
                          "end; no other regular expression");
  return account;
}

ledger::JournalFilter journal_filter(const Params& params) {
  return ledger::JournalFilter{account_param(params), params.get("advertiser"), params.get("platform"),
                               ledger::range_bound(params.get("from").value_or(""), "from", true),
                               ledger::range_bound(params.get("to").value_or(""), "to", false)};
}

ledger::SpendFilter spend_filter(const Params& params) {
  ledger::SpendFilter f;
  f.advertiser_id = params.get("advertiser");
  f.platform_id = params.get("platform");
  if (auto from = params.get("from")) f.first = ledger::parse_date(*from, "from");
  if (auto to = params.get("to")) f.last = ledger::parse_date(*to, "to");
  f.market = params.get("market");
  f.tag = params.get("tag");
  f.source = params.get("source");
  f.search = params.get("search");
  f.after = params.integer("after", 0, INT64_MAX).value_or(0);
  f.limit = params.integer("limit", 1, 1000).value_or(100);
  ledger::check_spend_filter(f);
  return f;
}

// The filter of the policy-action, pledge and disclosure lists, as the
// command line reads it.
ledger::RecordFilter record_filter(const Params& params) {
  auto text = [&](const char* name) { return params.get(name).value_or(""); };
  return ledger::parse_record_filter(text("platform"), text("advertiser"), text("from"), text("to"), text("kind"));
}

ledger::PolicyTimeline policy_timeline(ledger::Store& store, const Params& params, const ledger::Date& today) {
  ledger::PolicyFilter filter;
  filter.platform_id = params.get("platform");
  filter.advertiser_id = params.get("advertiser");
  if (auto kind = params.get("kind")) filter.kind = ledger::parse_policy_kind(*kind, "kind");
  filter.from = ledger::range_bound(params.get("from").value_or(""), "from", true);
  filter.to = ledger::range_bound(params.get("to").value_or(""), "to", false);
  Reading r = reading(store, params);
  return ledger::build_policy_timeline(*r.ledger, filter, today);
}

// The media type of a request's body, without its parameters, in lower
// case (media types are case-insensitive).
std::string media_type(const Request& request) {
  std::string type = request.header("content-type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  while (!type.empty() && type.front() == ' ') type.erase(0, 1);
  for (char& c : type)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return type;
}

// POST /api/v1/ban-status: a batch of checks, one a line, as `ban-status
// --batch` reads them: CSV in, CSV out (text/csv), or JSON Lines in, JSON
// Lines out (application/jsonl or application/x-ndjson). All or nothing: a
// bad line is a problem naming it, and no answer.
Response answer_ban_checks(const Request& request, ledger::Store& store, const Params& params) {
  params.allow({"as_of"});
  const std::string type = media_type(request);
  ledger::BanChecksFormat format;
  std::string out_type;
  if (type == "text/csv") {
    format = ledger::BanChecksFormat::Csv;
    out_type = "text/csv; charset=utf-8";
  } else if (type == "application/jsonl" || type == "application/x-ndjson") {
    format = ledger::BanChecksFormat::JsonLines;
    out_type = "application/jsonl";
  } else {
    return problem(415, "content-type " + ledger::quote(type) +
                            ": send the checks as text/csv or application/jsonl, one advertiser,platform,YYYY-MM-DD "
                            "a line",
                   "input");
  }
  Reading r = reading(store, params);
  ledger::Store& source = r.as_of_store ? *r.as_of_store : store;
  ledger::BanIndex index(source.policy_actions(std::nullopt));
  ledger::BanChecker checker(index, source.advertisers(), source.platforms(), format,
                             ledger::BanChecksLimits{kBanChecksBodyMax, std::size_t{256} << 20});
  ledger::ChunkedText answers;
  checker.answer(std::string_view(request.body), "body", answers);
  return Response{200, out_type, answers.str(), {}};
}

bool is_get(const Request& request) { return request.method == "GET" || request.method == "HEAD"; }

Response method_not_allowed(const std::string& allow) {
  Response r = problem(405, "method: this path answers " + allow, "input");
  r.headers.emplace_back("Allow", allow);
  return r;
}

// An entity tag for what a GET answers: the ledger's head and the day
// (reports and ban-status read "today"), so that an unchanged ledger on the
// same day answers 304.
std::string entity_tag(const ledger::TreeHead& head, const ledger::Date& today) {
  return "\"" + std::to_string(head.size) + "-" + ledger::to_hex(head.root).substr(0, 32) + "-" +
         ledger::format_date(today) + "\"";
}

bool matches(const std::string& if_none_match, const std::string& tag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  // A list of tags, weak or strong: a GET compares them weakly (RFC 9110).
  std::size_t at = 0;
  while (at < if_none_match.size()) {
    std::size_t comma = if_none_match.find(',', at);
    std::string one = if_none_match.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    while (!one.empty() && one.front() == ' ') one.erase(0, 1);
    while (!one.empty() && one.back() == ' ') one.pop_back();
    if (one.starts_with("W/")) one.erase(0, 2);
    if (one == tag) return true;
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------
// Who may do what: the bearer token a request presents (server/tokens.hpp).

namespace {

// Why a request may not go on, as a response (401 or 403), or none when the
// token it presents allows `needed`; `token` is then the token.
std::optional<Response> refused_access(ledger::Store& store, const Request& request, Role needed, bool api,
                                       std::optional<ledger::ApiToken>& token) {
  const std::string authorization = request.header("authorization");
  auto refuse = [&](int status, const std::string& challenge, const std::string& detail) {
    Response r = api ? problem(status, detail, "input") : page_problem(status, reason_phrase(status), detail);
    r.headers.emplace_back("WWW-Authenticate", challenge);
    return r;
  };
  const std::string realm = "Bearer realm=\"adledger\"";
  if (authorization.empty())
    return refuse(401, realm,
                  needed == Role::Reader
                      ? "authorization: this ledger is private: send Authorization: Bearer <token> (adledger token "
                        "add NAME --role reader makes one)"
                      : "authorization: a write needs a token: send Authorization: Bearer <token> (adledger token "
                        "add NAME --role recorder makes one)");
  token = presented_token(store, authorization);
  if (!token)
    return refuse(401, realm + ", error=\"invalid_token\"",
                  "authorization: not a bearer token of this ledger (Authorization: Bearer adl_...)");
  if (token->revoked_at)
    return refuse(401, realm + ", error=\"invalid_token\"",
                  "authorization: token " + token->name + " was revoked at " + *token->revoked_at);
  if (parse_role(token->role, "role") < needed)
    return refuse(403, realm + ", error=\"insufficient_scope\"",
                  "authorization: token " + token->name + " is a " + token->role + "'s: " +
                      (needed == Role::Admin ? "only an admin token may correct (reverse spend, withdraw a record)"
                                             : "a recorder or admin token may write"));
  return std::nullopt;
}

// An Idempotency-Key header: a key of 1 to 255 visible ASCII characters,
// bare or as a quoted string (draft-ietf-httpapi-idempotency-key-header).
std::optional<std::string> idempotency_key(const Request& request) {
  std::string key = request.header("idempotency-key");
  if (key.empty()) return std::nullopt;
  if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
  if (key.empty() || key.size() > 255)
    ledger::throw_input("Idempotency-Key", key, "expected 1 to 255 characters");
  for (char c : key)
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
      ledger::throw_input("Idempotency-Key", key, "only visible ASCII characters, no quote or backslash");
  return key;
}

// What a write sends, checked before the ledger is touched: the format, the
// body as that format reads it, and an ad library's options.
struct WriteBody {
  std::string format;  // json, jsonl, csv or an ad library's
  std::string text;
  std::string name;    // the file's name, as messages (and a Meta report's range) use it
  ledger::AdLibraryOptions options;
};

// POST /api/v1/records: one record, {"type": "spend", ...}, or an array of
// them, as JSON; or JSON Lines. Each record has the fields of a JSON Lines
// import's line.
WriteBody records_body(const Request& request) {
  const std::string type = media_type(request);
  WriteBody w{"jsonl", "", "body", {}};
  if (type == "application/jsonl" || type == "application/x-ndjson") {
    w.text = request.body;
    return w;
  }
  if (type != "application/json")
    throw UnsupportedMediaType("content-type " + ledger::quote(type) +
                                      ": send a record, or an array of them, as application/json, or records as "
                                      "application/jsonl");
  json value = json::parse(request.body, nullptr, false);
  if (value.is_discarded())
    throw Error(ErrorKind::Input, "body: malformed JSON: send a record {\"type\": \"spend\", ...} or an array of them");
  if (value.is_object()) value = json::array({std::move(value)});
  if (!value.is_array() || value.empty())
    throw Error(ErrorKind::Input, "body: expected a record {\"type\": \"spend\", ...} or a non-empty array of them");
  for (const json& record : value) {
    w.text += record.dump(-1, ' ', false, json::error_handler_t::strict);
    w.text += '\n';
  }
  return w;
}

// POST /api/v1/import: a file in any import format, named by `format` or
// by the body's media type.
WriteBody import_body(const Request& request, const Params& params) {
  params.allow({"format", "name", "source", "market", "from", "to", "platform"});
  WriteBody w;
  const std::string type = media_type(request);
  if (auto format = params.get("format")) w.format = *format;
  else if (type == "application/json") w.format = "json";
  else if (type == "application/jsonl" || type == "application/x-ndjson") w.format = "jsonl";
  else if (type == "text/csv") w.format = "csv";
  else
    throw UnsupportedMediaType("content-type " + ledger::quote(type) +
                                      ": send an import as application/json, application/jsonl or text/csv, or name "
                                      "its format with ?format= (an ad library's export: meta-report, meta-api, "
                                      "google-weekly, google-creative, google-geo, google-advertiser-geo)");
  const bool ad_library = ledger::is_ad_library_format(w.format);
  if (!ad_library && w.format != "json" && w.format != "jsonl" && w.format != "csv")
    ledger::throw_input("format", w.format,
                        "expected json, jsonl, csv, meta-report, meta-api, google-weekly, google-creative, google-geo "
                        "or google-advertiser-geo");
  w.name = params.get("name").value_or("body");
  if (w.name.size() > 255) ledger::throw_input("name", w.name, "over 255 bytes");
  ledger::check_text(w.name, "name");
  for (const char* option : {"source", "market", "from", "to", "platform"})
    if (!ad_library && params.get(option))
      ledger::throw_input(option, *params.get(option), "only for an ad library's export (format=meta-report, ...)");
  ledger::AdLibraryOptions& a = w.options;
  a.source = params.get("source").value_or(w.name);
  a.market = params.get("market").value_or("");
  for (char& c : a.market)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  a.platform = params.get("platform");
  auto from = params.get("from"), to = params.get("to");
  if (from || to) {
    if (!from || !to) throw Error(ErrorKind::Input, "from, to: give both: the range the file covers");
    ledger::Date first = ledger::parse_date(*from, "from"), last = ledger::parse_date(*to, "to");
    if (last < first) ledger::throw_input("to", *to, "before from " + ledger::quote(*from));
    a.period = ledger::Period(first, last);
  }
  w.text = request.body;
  return w;
}

}  // namespace

Service::Writer Service::take_writer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_writers_.empty()) {
      Writer writer = std::move(idle_writers_.back());
      idle_writers_.pop_back();
      return writer;
    }
  }
  Writer writer;
  writer.store = ledger::open_store(options_.db, ledger::OpenMode::OpenExisting, ledger::StoreOptions{options_.wait_ms});
  writer.ledger = std::make_unique<ledger::Ledger>(*writer.store, options_.clock);
  return writer;
}

void Service::open_stores_ahead() {
  try {
    lease();  // given back at once
  } catch (const Error&) {
    // The first request opens one, and says why it cannot.
  }
  try {
    give_back_writer(take_writer());
  } catch (const Error&) {
    // The same, for the first write.
  }
}

void Service::give_back_writer(Writer writer) {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_writers_.push_back(std::move(writer));
}

// A write waiting for its group's commit, then its answer: a response, or
// the error that refused it.
struct Service::PendingWrite {
  PendingWrite(const Request& r, WriteBody b) : request(r), body(std::move(b)) {}
  const Request& request;
  WriteBody body;
  bool ad_library = false;
  std::optional<std::string> key;
  ledger::Hash digest{};
  std::optional<Response> response;
  std::exception_ptr error;
  bool done = false;
  bool alone() const { return body.text.size() > kGroupedBodyMax; }
};

// The writes waiting, and whether one of their threads is committing a
// group (the leader): the others wait for it to answer them.
class Service::WriteQueue {
 public:
  std::mutex mutex;
  std::condition_variable answered;
  std::deque<PendingWrite*> waiting;
  bool leading = false;
};

Response Service::write(const Request& request, const std::string& path, std::string_view query) {
  const Params params(query, path);
  if (path == "/api/v1/records") params.allow({});
  PendingWrite w(request, path == "/api/v1/records" ? records_body(request) : import_body(request, params));
  w.ad_library = ledger::is_ad_library_format(w.body.format);
  w.key = idempotency_key(request);
  w.digest = ledger::sha256(request.method + '\n' + request.target + '\n' + media_type(request) + '\n' + request.body);

  // Group commit: the writes that arrive while a group commits wait, and
  // the first of them to find no group committing commits them all, in
  // order, in one transaction: one lock, one commit and one wait for the
  // disk for many writes. A refused write is taken out of its group (the
  // transaction goes back to its start, keeping the lock, and the rest are
  // made again without it), so each write is answered exactly as if the
  // writes had run one after another.
  WriteQueue& q = *writes_;
  std::unique_lock<std::mutex> lock(q.mutex);
  q.waiting.push_back(&w);
  while (!w.done) {
    if (q.leading) {
      q.answered.wait(lock);
      continue;
    }
    q.leading = true;
    std::vector<PendingWrite*> group;
    while (!q.waiting.empty() && group.size() < kGroupMax) {
      PendingWrite* next = q.waiting.front();
      if (!group.empty() && (next->alone() || group.front()->alone())) break;  // a large write goes alone
      group.push_back(next);
      q.waiting.pop_front();
    }
    lock.unlock();
    commit_group(group);
    lock.lock();
    for (PendingWrite* done : group) done->done = true;
    q.leading = false;
    q.answered.notify_all();
  }
  if (w.error) std::rethrow_exception(w.error);
  return std::move(*w.response);
}

void Service::commit_group(const std::vector<PendingWrite*>& group) {
  const bool restartable = group.size() > 1;
  std::vector<bool> refused(group.size(), false);
  try {
    Writer writer = take_writer();
    ledger::Store* store = writer.store.get();
    std::optional<ledger::WriteTransaction> txn;
    if (restartable) txn.emplace(*store, ledger::WriteTransaction::Restartable{});
    else txn.emplace(*store);
    // One Ledger for the group, so that what it reads once a transaction
    // (a platform's policy actions, balances) is read once a group at
    // most; each write is a part of its own (Ledger::begin_part), and the
    // tokens presented are looked up once a group (none is revoked while
    // the group holds the lock).
    ledger::Ledger& ledger = *writer.ledger;
    std::map<std::string, Access> access;
    for (bool again = true; again;) {
      again = false;
      for (std::size_t i = 0; i < group.size() && !again; ++i) {
        if (refused[i]) continue;
        PendingWrite& w = *group[i];
        w.response.reset();
        w.error = nullptr;
        try {
          w.response = write_one(*store, ledger, access, w);
          if (w.response->status < 400) continue;
        } catch (const Error& e) {
          // A write alone that the store failed: the store may be broken.
          // In a group, this write's alone unless going back to the
          // group's start fails too (a connection lost).
          if (e.kind() == ErrorKind::Storage && !restartable) throw;
          w.error = std::current_exception();
        } catch (const std::bad_alloc&) {
          throw;
        } catch (const std::exception&) {
          w.error = std::current_exception();
        }
        // Refused: what it wrote goes, with everything after the group's
        // start, and the group is made again without it.
        refused[i] = true;
        if (restartable) {
          store->restart_write();
          access.clear();  // each a read of the transaction that was undone
          again = true;
        }
      }
    }
    if (std::find(refused.begin(), refused.end(), false) != refused.end()) txn->commit();
    txn.reset();
    give_back_writer(std::move(writer));
  } catch (...) {
    // Nothing of the group was written: each write not refused on its own
    // gets the group's error (a storage error: the connection, the commit).
    for (std::size_t i = 0; i < group.size(); ++i)
      if (!refused[i]) {
        group[i]->response.reset();
        group[i]->error = std::current_exception();
      }
    // The store is closed, not reused: it may be broken.
  }
}

// One write of a group, inside the group's transaction on `store`.
Response Service::write_one(ledger::Store& store, ledger::Ledger& ledger, std::map<std::string, Access>& access,
                            PendingWrite& w) {
  const Request& request = w.request;
  // Checked again inside the transaction: a token revoked since the
  // request came in writes nothing.
  auto [checked, added] = access.try_emplace(request.header("authorization"));
  if (added) checked->second.denied = refused_access(store, request, Role::Recorder, true, checked->second.token);
  if (checked->second.denied) {
    forget_writer(request);  // checked on a reader again, before the queue, next time
    return *checked->second.denied;
  }
  const std::optional<ledger::ApiToken>& token = checked->second.token;
  if (w.key) {
    if (std::optional<ledger::IdempotentWrite> kept = store.find_idempotent_write(token->name, *w.key)) {
      if (kept->request_sha256 != w.digest)
        return problem(422, "Idempotency-Key " + ledger::quote(*w.key) + ": token " + token->name +
                                " used it at " + kept->created_at +
                                " for another request; a key names one request (its method, path, type and body)",
                       "input");
      return Response{kept->status, "application/json", kept->answer, {{"Idempotent-Replayed", "true"}}};
    }
  }
  ledger.begin_part();
  ledger.set_author(token->name);
  // The body is read again if the group is made again: a copy each time.
  std::istringstream in(w.body.text);
  const std::vector<ledger::AdLibraryInput> inputs{{&in, w.body.name, w.body.options.source}};
  const ledger::AdLibraryCounts counts = ledger::import_format(ledger, w.body.format, inputs, w.body.options);
  if ((counts.spend_reversals > 0 || counts.policy_withdrawals > 0 || counts.withdrawals > 0) &&
      parse_role(token->role, "role") < Role::Admin)
    return problem(403, "authorization: token " + token->name + " is a " + token->role +
                            "'s: only an admin token may correct (reverse spend, withdraw a record); "
                            "nothing was recorded",
                   "input");
  const int status = counts.records > counts.unchanged ? 201 : 200;
  Response r = json_response(ledger::import_result_json(w.body.name, counts, w.ad_library));
  r.status = status;
  if (w.key)
    store.add_idempotent_write(ledger::IdempotentWrite{token->name, *w.key, w.digest, status, r.body, options_.clock()});
  return r;
}

bool Service::known_writer(const Request& request) {
  const ledger::Hash digest = ledger::sha256(request.header("authorization"));
  std::lock_guard<std::mutex> lock(writers_mutex_);
  return known_writers_.contains(digest);
}

void Service::remember_writer(const Request& request) {
  constexpr std::size_t kKnownWritersMax = 1024;
  const ledger::Hash digest = ledger::sha256(request.header("authorization"));
  std::lock_guard<std::mutex> lock(writers_mutex_);
  if (known_writers_.size() >= kKnownWritersMax) known_writers_.clear();
  known_writers_.insert(digest);
}

void Service::forget_writer(const Request& request) {
  const ledger::Hash digest = ledger::sha256(request.header("authorization"));
  std::lock_guard<std::mutex> lock(writers_mutex_);
  known_writers_.erase(digest);
}

Response Service::handle(const Request& request) {
  std::optional<Lease> lease;
  return handle_on(request, lease);
}

void Service::handle_together(const std::vector<const Request*>& requests,
                              const std::function<void(std::size_t, Response)>& answer) {
  // The lease's snapshot is renewed as it is taken, after every one of the
  // requests was received, and kept for them all unless one breaks it (or
  // gives it back, to wait for a write): the next then takes another.
  std::optional<Lease> lease;
  for (std::size_t i = 0; i < requests.size(); ++i) answer(i, handle_on(*requests[i], lease));
}

Response Service::handle_on(const Request& request, std::optional<Lease>& lease) {
  Response response;
  const bool api = request.target.starts_with("/api/");
  try {
    if (is_write(request.method, request.target) && known_writer(request)) {
      const Target target = parse_target(request.target);
      response = write(request, target.path, target.query);
    } else {
      if (!lease || !lease->held()) lease.emplace(this->lease());
      try {
        response = route(request, *lease);
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::Storage) {
          lease->break_it();
          lease.reset();
        }
        throw;
      }
    }
  } catch (const Error& e) {
    response = api ? problem(status_of(e), e.what(), kind_name(e.kind()))
                   : page_problem(status_of(e), reason_phrase(status_of(e)), e.what());
  } catch (const std::bad_alloc&) {
    response = problem(503, "the server is out of memory for this request", "storage");
  } catch (const std::exception& e) {
    response = api ? problem(500, std::string("internal: ") + e.what(), nullptr)
                   : page_problem(500, reason_phrase(500), std::string("internal: ") + e.what());
  }
  for (auto& header : security_headers(options_.content_security_policy)) response.headers.push_back(std::move(header));
  return response;
}

Response Service::refusal(int status, const std::string& detail) const {
  Response response = problem(status, detail, "input");
  for (auto& header : security_headers(options_.content_security_policy)) response.headers.push_back(std::move(header));
  return response;
}

Response Service::route(const Request& request, Lease& lease) {
  const Target target = parse_target(request.target);
  const std::vector<std::string>& seg = target.segments;
  const Params params(target.query, target.path);
  ledger::Store& store = lease.store();
  const ledger::Date today = options_.today();
  const ledger::TreeHead head = store.tree_head();

  // What every GET shares: the entity tag, and 304 when it matches.
  std::string etag;
  auto conditional = [&]() -> std::optional<Response> {
    etag = entity_tag(head, today);
    if (matches(request.header("if-none-match"), etag))
      return Response{304, "", "", {{"ETag", etag}}};
    return std::nullopt;
  };
  auto tagged = [&](Response r) {
    r.headers.emplace_back("ETag", etag);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  };
  // A GET: 304 when the ETag matches, else the answer kept for this
  // target at this head and day, else the answer, made and kept.
  auto get = [&](auto&& make) -> Response {
    if (!is_get(request)) return method_not_allowed("GET, HEAD");
    if (auto not_modified = conditional()) return *not_modified;
    const std::string key = request.target + '\n' + etag;
    if (auto kept = cache_->find(key)) return *kept;
    Response r = tagged(make());
    if (r.status == 200) cache_->put(key, r);
    return r;
  };
  auto get_json = [&](auto&& answer) -> Response { return get([&] { return json_response(answer()); }); };
  auto get_page = [&](auto&& page) -> Response { return get(page); };
  PageContext context{store, today};

  const bool api = seg.size() >= 2 && seg[0] == "api" && seg[1] == "v1";
  if (api && seg.size() == 3 && (seg[2] == "import" || seg[2] == "records")) {
    if (request.method != "POST") return method_not_allowed("POST");
    // Refused here, on a reader's store, before a write lock is taken.
    std::optional<ledger::ApiToken> token;
    if (auto denied = refused_access(store, request, Role::Recorder, true, token)) return *denied;
    remember_writer(request);
    lease.give_back();
    return write(request, target.path, target.query);
  }
  if (options_.private_reads) {
    std::optional<ledger::ApiToken> token;
    if (auto denied = refused_access(store, request, Role::Reader, api, token)) return *denied;
  }

  if (seg.size() >= 2 && seg[0] == "api" && seg[1] == "v1") {
    const std::size_t n = seg.size();
    const std::string at = n > 2 ? seg[2] : "";
    if (n == 3 && at == "openapi.json") {
      params.allow({});
      if (!is_get(request)) return method_not_allowed("GET, HEAD");
      return Response{200, "application/json", openapi_document(), {{"Cache-Control", "no-cache"}}};
    }
    if (n == 4 && at == "schemas") {
      params.allow({});
      if (!is_get(request)) return method_not_allowed("GET, HEAD");
      std::optional<std::string> schema = schema_document(seg[3]);
      if (!schema) return problem(404, "schema " + ledger::quote(seg[3]) + ": no such schema", "input");
      return Response{200, "application/schema+json", *schema, {{"Cache-Control", "no-cache"}}};
    }
    if (n == 3 && at == "head") {
      params.allow({});
      return get_json([&] { return ledger::to_json(ledger::head_of(store)); });
    }
    if (n == 3 && at == "ban-status") {
      if (request.method == "POST") return answer_ban_checks(request, store, params);
      params.allow({"advertiser", "platform", "on", "as_of"});
      return get_json([&] {
        std::string advertiser = params.required("advertiser");
        std::optional<std::string> on_text = params.get("on");
        ledger::Date on = on_text ? ledger::parse_date(*on_text, "on") : today;
        if (!params.get("as_of"))
          if (auto answer = ledger::ban_status_of(lease.bans(head), advertiser, params.get("platform"), on))
            return ledger::to_json(*answer);
        Reading r = reading(store, params);
        return ledger::to_json(ledger::ban_status_of(*r.ledger, advertiser, params.get("platform"), on));
      });
    }
    if (n == 3 && at == "advertisers") {
      params.allow({});
      return get_json([&] { return ledger::advertisers_json(store); });
    }
    if (n == 3 && at == "platforms") {
      params.allow({});
      return get_json([&] { return ledger::platforms_json(store); });
    }
    if (n == 3 && at == "spend") {
      params.allow({"advertiser", "platform", "from", "to", "market", "tag", "source", "search", "after", "limit",
                    "as_of"});
      return get_json([&] {
        ledger::SpendFilter filter = spend_filter(params);
        Reading r = reading(store, params);
        return ledger::to_json(ledger::list_spend(*r.ledger, filter));
      });
    }
    if (n == 3 && (at == "policy-actions" || at == "pledges" || at == "disclosures")) {
      if (at == "policy-actions") params.allow({"platform", "advertiser", "kind", "from", "to", "as_of"});
      else params.allow({"platform", "advertiser", "from", "to", "as_of"});
      return get_json([&] {
        ledger::RecordFilter filter = record_filter(params);
        Reading r = reading(store, params);
        if (at == "policy-actions") return ledger::to_json(ledger::list_policy_actions(*r.ledger, filter));
        if (at == "pledges") return ledger::to_json(ledger::list_pledges(*r.ledger, filter));
        return ledger::to_json(ledger::list_disclosures(*r.ledger, filter));
      });
    }
    if (n == 5 && at == "reports" && (seg[3] == "advertiser" || seg[3] == "platform")) {
      params.allow({"from", "to", "by", "convert", "as_of"});
      return get_json([&] {
        auto from = ledger::range_bound(params.get("from").value_or(""), "from", true);
        auto to = ledger::range_bound(params.get("to").value_or(""), "to", false);
        Reading r = reading(store, params);
        if (seg[3] == "advertiser")
          return ledger::to_json(ledger::build_advertiser_report(
              *r.ledger, seg[4], {from, to, by_param(params), today, currency_param(params)}));
        return ledger::to_json(ledger::build_platform_report(*r.ledger, seg[4],
                                                             {from, to, by_param(params), today, currency_param(params)}));
      });
    }
    if (n == 4 && at == "reports" && seg[3] == "policies") {
      params.allow({"platform", "advertiser", "kind", "from", "to", "as_of"});
      return get_json([&] { return ledger::to_json(policy_timeline(store, params, today)); });
    }
    if (n == 4 && at == "reports" && seg[3] == "pledges") {
      params.allow({"platform", "advertiser", "as_of"});
      return get_json([&] {
        Reading r = reading(store, params);
        return ledger::to_json(ledger::build_pledges_report(*r.ledger, params.get("platform"), params.get("advertiser")));
      });
    }
    if (n == 3 && at == "register") {
      params.allow({"account", "advertiser", "platform", "from", "to", "as_of"});
      return get_json([&] {
        ledger::JournalFilter filter = journal_filter(params);
        Reading r = reading(store, params);
        return ledger::to_json(ledger::build_register(*r.ledger, filter));
      });
    }
    if (n == 3 && at == "balance") {
      params.allow({"account", "advertiser", "platform", "from", "to", "by", "depth", "as_of"});
      return get_json([&] {
        ledger::BalanceOptions options{journal_filter(params), by_param(params), std::nullopt};
        if (auto depth = params.integer("depth", 1, 100)) options.depth = static_cast<int>(*depth);
        Reading r = reading(store, params);
        return ledger::to_json(ledger::build_balance(*r.ledger, options));
      });
    }
    return problem(404, "path " + ledger::quote(target.path) + ": no such path in the API (see /api/v1/openapi.json)",
                   "input");
  }

  // The website.
  if (target.path == "/") {
    params.allow({});
    return get_page([&] { return home_page(context); });
  }
  if (target.path == "/search") {
    params.allow({"q"});
    return get_page([&] { return search_page(context, params.get("q").value_or("")); });
  }
  if (target.path == "/ban-status") {
    params.allow({"advertiser", "platform", "on"});
    return get_page([&] {
      return ban_status_page(context, params.get("advertiser"), params.get("platform"), params.get("on"));
    });
  }
  if (seg.size() == 2 && (seg[0] == "advertisers" || seg[0] == "platforms")) {
    params.allow({"from", "to", "by", "convert"});
    return get_page([&] {
      auto from = ledger::range_bound(params.get("from").value_or(""), "from", true);
      auto to = ledger::range_bound(params.get("to").value_or(""), "to", false);
      ledger::Ledger reader(store);
      if (seg[0] == "advertisers")
        return report_page(context, ledger::to_document(ledger::build_advertiser_report(
                                        reader, seg[1], {from, to, by_param(params), today, currency_param(params)})));
      return report_page(context, ledger::to_document(ledger::build_platform_report(
                                      reader, seg[1], {from, to, by_param(params), today, currency_param(params)})));
    });
  }
  if (target.path == "/policies") {
    params.allow({"platform", "advertiser", "kind", "from", "to"});
    return get_page([&] { return report_page(context, ledger::to_document(policy_timeline(store, params, today))); });
  }
  if (target.path == "/pledges") {
    params.allow({"platform", "advertiser"});
    return get_page([&] {
      ledger::Ledger reader(store);
      return report_page(context, ledger::to_document(ledger::build_pledges_report(reader, params.get("platform"),
                                                                                   params.get("advertiser"))));
    });
  }
  return page_problem(404, reason_phrase(404), "path " + ledger::quote(target.path) + ": no such page");
}

}  // namespace adledger::server
