// serve: the ledger as a website and a JSON API over HTTP (server/).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/context.hpp"
#include "ledger/error.hpp"
#include "ledger/report/answers.hpp"
#include "server/http.hpp"
#include "server/service.hpp"

namespace adledger::cli {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;  // 0: one per core, at least 2
  std::size_t connections = 512;
  double read_timeout_s = 10;
  double rate = 0;
  bool private_reads = false;
};

// ADDRESS:PORT, [IPv6]:PORT, or :PORT (loopback).
void parse_listen(const std::string& text, server::HttpOptions& http) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    ledger::throw_input("listen", text, "expected ADDRESS:PORT (127.0.0.1:8080; port 0 picks a free one)");
  std::string address = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  if (address.empty()) address = "127.0.0.1";
  bool digits = !port.empty() && port.size() <= 5 &&
                std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoi(port) > 65535) ledger::throw_input("listen", text, "the port must be a number from 0 to 65535");
  http.address = address;
  http.port = static_cast<unsigned short>(std::stoi(port));
}

void run_serve(const GlobalOptions& global, const ServeOptions& o) {
  server::HttpOptions http;
  parse_listen(o.listen, http);
  http.threads = o.threads > 0 ? o.threads : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  http.connections_max = o.connections;
  http.read_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.read_timeout_s * 1000));
  http.requests_per_second = o.rate;
  const std::string db = resolve_db_path(global);
  // The ledger is opened once first: one that is missing or is not a ledger
  // is refused before anything listens.
  std::int64_t records = 0;
  {
    OpenLedger open = open_ledger(global, ledger::OpenMode::ReadExisting);
    records = ledger::head_of(*open.store).tree.size;
  }
  server::ServiceOptions options;
  options.db = db;
  options.wait_ms = std::int64_t{global.wait_s} * 1000;
  options.today = [] { return today(); };
  options.clock = clock();
  options.private_reads = o.private_reads;
  server::Service service(std::move(options));
  service.open_stores_ahead();
  server::serve_http(service, http, [&](unsigned short port) {
    std::string host = http.address.find(':') != std::string::npos ? "[" + http.address + "]" : http.address;
    std::cout << "adledger serve: http://" << host << ":" << port << "/ (" << ledger::display_location(db) << ", "
              << records << " records; SIGTERM or Ctrl-C stops)" << std::endl;
  });
  std::cout << "adledger serve: stopped" << std::endl;
}

}  // namespace

void setup_serve(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<ServeOptions>();
  auto* sub = app.add_subcommand("serve",
                                 "serve the ledger as a website and a JSON API (/api/v1/, described at "
                                 "/api/v1/openapi.json): reads for anyone, writes with a token (adledger token)");
  sub->add_option("--listen", o->listen, "ADDRESS:PORT to listen on (default 127.0.0.1:8080; port 0: a free one)");
  sub->add_option("--threads", o->threads, "threads that answer requests (default: one per core, at least 2)")
      ->check(CLI::Range(1, 256));
  sub->add_option("--max-connections", o->connections,
                  "connections open at once; past it, 503 (default 512)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  sub->add_option("--read-timeout", o->read_timeout_s,
                  "seconds a client has to send a whole request, and that an idle connection is kept (default 10)")
      ->check(CLI::Range(0.1, 3600.0));
  sub->add_option("--rate-limit", o->rate,
                  "requests a second from one client address, bursts of twice as many; past it, 429 (default: no "
                  "limit)")
      ->check(CLI::Range(0.0, 1e9));
  sub->add_flag("--private", o->private_reads,
                "reads need a token too (any role), as writes always do: a ledger kept inside an organisation");
  sub->callback([&global, o] {
    require_simple_format(global);
    if (global.format != "table") throw CLI::ValidationError("--format", "serve answers in every format; give none");
    run_serve(global, *o);
  });
}

}  // namespace adledger::cli
