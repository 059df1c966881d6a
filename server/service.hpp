// adledger serve: the ledger as a website and a JSON API.
//
// The service answers one request at a time per calling thread, with no
// knowledge of sockets (http.hpp carries requests to it), so that every
// route, status and header can be tested without a network. Its JSON is the
// document the command line prints with --format json for the same
// question, from the same functions (ledger/report/answers.hpp and the
// reports); its pages are the same HTML renderer's.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/ledger.hpp"
#include "ledger/storage/store.hpp"
#include "ledger/time/period.hpp"

namespace adledger::server {

struct Request {
  std::string method;  // GET, HEAD, POST, ...
  std::string target;  // the path and query, as sent: /api/v1/ban-status?advertiser=rt
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
};

struct ServiceOptions {
  std::string db;              // the ledger: an SQLite file or a postgresql:// URL
  std::int64_t wait_ms = 30000;
  // Today, UTC (reports and ban-status without a day use it); tests pin it.
  std::function<ledger::Date()> today;
  // The Content-Security-Policy of every response: no script anywhere, the
  // one stylesheet by its hash, forms posted only here.
  std::string content_security_policy;
  // Answers kept for a GET asked again while the ledger is unchanged: an
  // answer is a function of the question, the ledger's head and the day.
  std::size_t cache_bytes = std::size_t{64} << 20;
  // Reads need a token too (any role): a ledger shared inside an
  // organisation, not published.
  bool private_reads = false;
  // The time each record written over HTTP is recorded at (utc_now unless
  // given; tests pin it).
  std::function<std::string()> clock;
};

// The limits of one request's parameters.
inline constexpr std::size_t kQueryMax = 4096;            // bytes of a query string
inline constexpr std::size_t kBanChecksBodyMax = 8 << 20;  // a batch of ban checks, a write of records
inline constexpr std::size_t kImportBodyMax = 64 << 20;    // a file imported over HTTP
// Writes committed together: at most kGroupMax in one transaction, and a
// write whose body is over kGroupedBodyMax goes alone (were it refused,
// the others would be made again after it).
inline constexpr std::size_t kGroupMax = 64;
inline constexpr std::size_t kGroupedBodyMax = 64 << 10;

class Service {
 public:
  explicit Service(ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Opens a store for reads and one for writes before the first request
  // needs them, so that the first client does not wait for the connections
  // (on PostgreSQL, tens of milliseconds). A ledger that cannot be opened
  // now, or not for writes (a role that may only read), is not an error
  // here: each request says why, as it would anyway.
  void open_stores_ahead();

  // Never throws: every failure is a problem document (RFC 9457) for the
  // API, a page for the website. A HEAD request is answered as a GET; the
  // transport sends the header alone.
  Response handle(const Request& request);
  // Answers requests that were all received before the call, in turn,
  // `answer(i, response)` as soon as the i-th is made. The reads among
  // them share one snapshot of the ledger, taken after the call began:
  // each sees every write acknowledged before it was sent, as it would
  // alone, and the snapshot is renewed once for them all rather than once
  // each (on PostgreSQL, a round trip to the server).
  void handle_together(const std::vector<const Request*>& requests,
                       const std::function<void(std::size_t, Response)>& answer);
  // What the transport answers when it refuses a request before the
  // service sees it (413, 431, 400, 503), with the same headers.
  Response refusal(int status, const std::string& detail) const;

  // Whether a request writes (POST /api/v1/records, /api/v1/import): the
  // transport lets it wait for its group's commit off its io threads.
  static bool is_write(std::string_view method, std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    return method == "POST" && (path == "/api/v1/records" || path == "/api/v1/import");
  }
  // The largest request body the route of `target` accepts (the transport
  // refuses a larger one with 413 before reading it).
  static std::size_t body_max(std::string_view target) {
    return target.starts_with("/api/v1/import") ? kImportBodyMax : kBanChecksBodyMax;
  }

 private:
  struct Reader;
  class Lease;
  Lease lease();
  // handle(), on `lease` if it still holds a reader, else on a new one.
  Response handle_on(const Request& request, std::optional<Lease>& lease);
  void give_back(std::unique_ptr<Reader> reader);
  Response route(const Request& request, Lease& lease);
  // A write (POST /api/v1/import, /api/v1/records): authorised, made and
  // kept under its Idempotency-Key in one transaction on a writer's store,
  // the transaction of a group of writes committed together.
  Response write(const Request& request, const std::string& path, std::string_view query);
  struct PendingWrite;
  class WriteQueue;
  void commit_group(const std::vector<PendingWrite*>& group);
  // What the token a write presents allows: looked up once a group.
  struct Access {
    std::optional<Response> denied;
    std::optional<ledger::ApiToken> token;
  };
  Response write_one(ledger::Store& store, ledger::Ledger& ledger, std::map<std::string, Access>& access,
                     PendingWrite& write);
  // A store that writes, and the Ledger that writes through it: kept
  // together from one group to the next, so that what the Ledger read (a
  // platform's policy actions, balances) serves the next group as long as
  // nothing else was committed between them (Store::cache_generation).
  struct Writer {
    std::unique_ptr<ledger::Store> store;
    std::unique_ptr<ledger::Ledger> ledger;
  };
  Writer take_writer();
  void give_back_writer(Writer writer);

  ServiceOptions options_;
  class Cache;
  std::unique_ptr<Cache> cache_;  // answers by target, at one head and day
  std::mutex mutex_;
  std::vector<std::unique_ptr<Reader>> idle_;  // open stores, one per request in flight at most
  std::vector<Writer> idle_writers_;  // the same, for writes
  std::unique_ptr<WriteQueue> writes_;  // writes waiting to be committed, a group at a time
  // The SHA-256 of Authorization headers a write was let in with: a write
  // that presents one again goes straight to its group, where its token is
  // checked in the transaction as every write's is (a token revoked since
  // is refused there, and forgotten). Only the check on a reader before the
  // queue, which keeps requests without a valid token out of it, is saved.
  bool known_writer(const Request& request);
  void remember_writer(const Request& request);
  void forget_writer(const Request& request);
  std::mutex writers_mutex_;
  std::set<ledger::Hash> known_writers_;
};

// The security headers every response carries.
std::vector<std::pair<std::string, std::string>> security_headers(const std::string& content_security_policy);

// A Content-Security-Policy that allows no script and the report pages'
// one inline stylesheet, by its hash.
std::string default_content_security_policy();

}  // namespace adledger::server
