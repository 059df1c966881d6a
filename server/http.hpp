// HTTP/1.1 for the service: Boost.Beast, asynchronous, on a few threads.
//
// Hardened by default: a request's header and body are bounded as they are
// read (431 and 413 before the rest is read), the whole read of a request
// and the idle time between two are bounded by timeouts (a slow or idle
// client holds a connection, never a thread), connections are bounded (past
// the bound, 503 and closed), only the service's paths answer, and SIGTERM
// or SIGINT stops accepting, lets the requests in flight finish and answer,
// closes idle connections, and returns. With a rate per client, a client
// over it is answered 429.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "server/service.hpp"

namespace adledger::server {

struct HttpOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0: a free port, reported to on_listening
  int threads = 2;             // threads that run requests
  std::size_t connections_max = 512;
  std::size_t header_max = 16 * 1024;  // the request line and headers
  std::chrono::milliseconds read_timeout{10000};   // to read one whole request, and to wait for the next
  std::chrono::milliseconds write_timeout{30000};  // to send one response
  std::chrono::milliseconds shutdown_grace{10000};  // requests in flight get this long on SIGTERM
  // Requests a second from one client address, with bursts of twice as
  // many; past it, 429. 0: no limit.
  double requests_per_second = 0;
};

// Serves until SIGTERM or SIGINT. `on_listening` is called once with the
// port bound, before the first request is read. Throws ledger::Error
// (storage) when the address cannot be bound.
void serve_http(Service& service, const HttpOptions& options, const std::function<void(unsigned short)>& on_listening);

}  // namespace adledger::server
