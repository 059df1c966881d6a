#include "server/http.hpp"

// Boost 1.74's Asio needs <utility> first under C++20.
#include <utility>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ledger/error.hpp"

namespace adledger::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Session;

constexpr std::size_t kWriterThreads = 32;

// The HTTP message of a service's Response, its body left out for HEAD.
void fill(http::response<http::string_body>& res, Response&& response, bool keep_alive, bool head) {
  res.set(http::field::server, "adledger");
  if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) res.insert(name, value);
  res.keep_alive(keep_alive);
  const std::size_t length = response.body.size();
  if (!head) res.body() = std::move(response.body);
  res.prepare_payload();
  if (head && response.status != 304) res.content_length(length);  // what a GET would send
}

// A token bucket per client address: `rate` requests a second, bursts of
// twice that. The table is bounded: past kClientsMax addresses, those not
// seen for a minute are forgotten (a full bucket is what a new client gets
// anyway).
class RateLimit {
 public:
  explicit RateLimit(double rate) : rate_(rate) {}
  bool on() const { return rate_ > 0; }

  bool allow(const std::string& client) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    if (buckets_.size() >= kClientsMax) forget_idle(now);
    auto [it, added] = buckets_.try_emplace(client, Bucket{2 * rate_, now});
    Bucket& b = it->second;
    if (!added) {
      const double elapsed = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min(2 * rate_, b.tokens + elapsed * rate_);
      b.last = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  static constexpr std::size_t kClientsMax = 100000;
  void forget_idle(std::chrono::steady_clock::time_point now) {
    for (auto it = buckets_.begin(); it != buckets_.end();)
      it = now - it->second.last > std::chrono::minutes(1) ? buckets_.erase(it) : std::next(it);
  }
  double rate_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// A request read, waiting to be answered with others (ReadQueue).
struct PendingRead {
  std::shared_ptr<Session> session;
  Request request;
  unsigned version = 11;
  bool keep_alive = true;
};

// Requests that only read, answered a batch at a time. A request goes into
// the queue once it is read whole; a batch is taken by a task on the io
// threads, which runs after the handlers of the other requests read at the
// same time, so the requests that arrive together are taken together, and
// every request of a batch was received before the batch was taken. Their
// reads then share one snapshot of the ledger, renewed after the take
// (Service::handle_together): each sees every write acknowledged before it
// was sent, as it would alone, for one renewal rather than one each. While
// a batch is answered, the requests that come meanwhile are taken by
// another task, on another io thread; a batch has at most kBatchMax
// requests, so that a long one (a report) leaves the rest to that thread.
class ReadQueue {
 public:
  static constexpr std::size_t kBatchMax = 16;

  ReadQueue(net::io_context& io, Service& service) : io_(io), service_(service) {}

  void add(PendingRead read) {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(read));
    post_locked();
  }

 private:
  // A task to take the next batch, unless one is already waiting to run.
  void post_locked() {
    if (posted_ || queue_.empty()) return;
    posted_ = true;
    net::post(io_, [this] { answer_batch(); });
  }

  void answer_batch();  // below Session, whose answer() it calls

  net::io_context& io_;
  Service& service_;
  std::mutex mutex_;
  std::deque<PendingRead> queue_;
  bool posted_ = false;
};

// What the listener and every session share.
struct Shared {
  Shared(Service& s, const HttpOptions& o) : service(s), options(o), limit(o.requests_per_second) {}
  Service& service;
  const HttpOptions& options;
  net::thread_pool* writers = nullptr;  // where writes wait for their group's commit
  ReadQueue* reads = nullptr;           // where reads wait to be answered together
  RateLimit limit;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open{0};
  std::mutex mutex;
  std::map<Session*, std::weak_ptr<Session>> sessions;  // for a graceful stop
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {}
  ~Session() {
    std::lock_guard<std::mutex> lock(shared_.mutex);
    shared_.sessions.erase(this);
    --shared_.open;
  }

  void start() {
    {
      std::lock_guard<std::mutex> lock(shared_.mutex);
      shared_.sessions.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read_header, shared_from_this()));
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

  // On SIGTERM, on the session's strand: a connection waiting for its next
  // request, with nothing of it received, is closed; one that is reading or
  // answering a request finishes it, and closes after its response.
  void stop_if_idle() {
    beast::error_code ec;
    if (waiting_ && parser_ && !parser_->got_some() && buffer_.size() == 0 && stream_.socket().available(ec) == 0) {
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
    }
  }

 private:
  void read_header() {
    if (shared_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.options.header_max));
    parser_->body_limit(kImportBodyMax);  // the most of any path (Beast checks Content-Length with the header)
    stream_.expires_after(shared_.options.read_timeout);  // the idle wait and the whole request's read
    waiting_ = true;
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  // A failed read: the client left or was too slow (closed), or sent what
  // is not a request we take (answered, then closed).
  bool refused(beast::error_code ec) {
    if (!ec) return false;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      close();
      return true;
    }
    if (ec == http::error::body_limit) {
      // Found from Content-Length as the header ended, or as the body came:
      // the path, and so its limit, is known either way.
      auto target = parser_->get().target();
      const std::size_t body_max = Service::body_max(std::string_view(target.data(), target.size()));
      send_problem(413, "body: over " + std::to_string(body_max) + " bytes, the most this path takes");
    }
    else if (ec == http::error::header_limit)
      send_problem(431, "header: the request line and headers are over " +
                            std::to_string(shared_.options.header_max) + " bytes");
    else if (ec.category() == http::make_error_code(http::error::bad_target).category())
      send_problem(400, "request: not HTTP/1.1 as this server reads it (" + ec.message() + ")");
    else
      close();
    return true;
  }

  void on_header(beast::error_code ec, std::size_t) {
    waiting_ = false;
    if (refused(ec)) return;
    auto& request = parser_->get();
    const std::size_t body_max = Service::body_max(std::string_view(request.target().data(), request.target().size()));
    parser_->body_limit(body_max);
    if (auto length = parser_->content_length(); length && *length > body_max)
      return send_problem(413, "body: " + std::to_string(*length) + " bytes, over the " + std::to_string(body_max) +
                                   " this path takes");
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      // The client waits for a go-ahead before it sends the body.
      auto go = std::make_shared<http::response<http::empty_body>>(http::status::continue_, request.version());
      return http::async_write(stream_, *go, [self = shared_from_this(), go](beast::error_code e, std::size_t) {
        if (!e) self->read_body();
      });
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (refused(ec)) return;
    auto message = parser_->release();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
      std::string value(field.value());
      auto [it, added] = request.headers.emplace(name, value);
      if (!added) it->second += ", " + value;  // repeated: one list (RFC 9110)
    }
    request.body = std::move(message.body());
    if (shared_.limit.on()) {
      beast::error_code ec_address;
      const std::string client = stream_.socket().remote_endpoint(ec_address).address().to_string();
      if (!shared_.limit.allow(client)) {
        Response busy = shared_.service.refusal(
            429, "client " + client + ": over " + std::to_string(static_cast<long>(shared_.options.requests_per_second)) +
                     " requests a second; retry");
        busy.headers.emplace_back("Retry-After", "1");
        return send(std::move(busy), message.version(), message.keep_alive() && !shared_.stopping,
                    request.method == "HEAD");
      }
    }
    if (Service::is_write(request.method, request.target)) {
      // A write waits for its group's commit (Service::write), on a thread
      // of the writers' pool: the io threads go on serving meanwhile, and
      // the writes that wait together are committed together. The tracked
      // executor keeps the io_context running until the answer is sent.
      auto answer_on = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
      net::post(*shared_.writers, [self = shared_from_this(), request = std::move(request), answer_on,
                                   version = message.version(), keep_alive = message.keep_alive()]() mutable {
        Response response = self->shared_.service.handle(request);
        net::post(answer_on, [self, response = std::move(response), version, keep_alive]() mutable {
          self->send(std::move(response), version, keep_alive && !self->shared_.stopping, false);
        });
      });
      return;
    }
    // Answered on the io threads, with the reads that arrived with it
    // (ReadQueue): the ledger's work is short, and the threads are as many
    // as the cores that can do it.
    shared_.reads->add(PendingRead{shared_from_this(), std::move(request), message.version(), message.keep_alive()});
  }

 public:
  // The response to a read taken from the queue, sent on this session's
  // strand.
  static void answer(const PendingRead& read, Response response) {
    net::post(read.session->stream_.get_executor(),
              [self = read.session, response = std::move(response), version = read.version,
               keep_alive = read.keep_alive, head = read.request.method == "HEAD"]() mutable {
                self->send(std::move(response), version, keep_alive && !self->shared_.stopping, head);
              });
  }

 private:
  void send_problem(int status, const std::string& detail) {
    request_unread_ = true;
    send(shared_.service.refusal(status, detail), 11, false, false);
  }

  void send(Response response, unsigned version, bool keep_alive, bool head) {
    res_.emplace(static_cast<http::status>(response.status), version);
    fill(*res_, std::move(response), keep_alive, head);
    stream_.expires_after(shared_.options.write_timeout);
    if (head) {
      // The header alone: a serializer for it, with the GET's length.
      auto sr = std::make_shared<http::response_serializer<http::string_body>>(*res_);
      sr->split(true);
      return http::async_write_header(stream_, *sr, [self = shared_from_this(), sr](beast::error_code ec, std::size_t) {
        self->on_write(ec);
      });
    }
    http::async_write(stream_, *res_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (ec) return close();
    if (!res_->keep_alive()) return request_unread_ ? linger() : close();
    res_.reset();
    read_header();
  }

  // A request refused before its body was read (413): the client may still
  // be sending it. Closing at once would reset the connection, and the
  // client could lose the answer; so the sending side is shut, and what
  // comes is read and dropped until the client closes or a short while.
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    drop_rest();
  }
  void drop_rest() {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drop_rest();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  bool waiting_ = false;  // for a request's header
  bool request_unread_ = false;  // refused before its end was read
  std::array<char, 8192> scratch_{};
};

void ReadQueue::answer_batch() {
  std::vector<PendingRead> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_ = false;
    const auto n = static_cast<std::ptrdiff_t>(std::min(queue_.size(), kBatchMax));
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
    queue_.erase(queue_.begin(), queue_.begin() + n);
    post_locked();  // for what is left, on another thread
  }
  std::vector<const Request*> requests;
  requests.reserve(batch.size());
  for (const PendingRead& read : batch) requests.push_back(&read.request);
  service_.handle_together(requests,
                           [&](std::size_t i, Response response) { Session::answer(batch[i], std::move(response)); });
}

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& io, tcp::endpoint endpoint, Shared& shared)
      : io_(io), acceptor_(net::make_strand(io)), shared_(shared) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      throw ledger::Error(ledger::ErrorKind::Storage, "listen " + ledger::quote(endpoint.address().to_string() + ":" +
                                                                                  std::to_string(endpoint.port())) +
                                                          ": " + ec.message());
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  void start() { accept(); }
  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(io_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      if (shared_.open.fetch_add(1) >= shared_.options.connections_max) {
        --shared_.open;
        turn_away(std::move(socket));
      } else {
        std::make_shared<Session>(std::move(socket), shared_)->start();
      }
    }
    accept();
  }
  // Past the bound on connections: a 503 written at once (it fits the
  // socket's buffer) and the connection closed, without reading it.
  void turn_away(tcp::socket socket) {
    Response r = shared_.service.refusal(503, "the server has " + std::to_string(shared_.options.connections_max) +
                                                  " connections open, the most it takes; retry");
    http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
    fill(res, std::move(r), false, false);
    beast::error_code ec;
    socket.non_blocking(true, ec);
    http::write(socket, res, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  Shared& shared_;
};

}  // namespace

void serve_http(Service& service, const HttpOptions& options, const std::function<void(unsigned short)>& on_listening) {
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(options.address, ec);
  if (ec) ledger::throw_input("listen", options.address, "not an IP address");
  const int threads = std::max(1, options.threads);
  // Before the io_context: sessions still queued when it is destroyed (past
  // the grace) reach it from their destructors.
  Shared shared(service, options);
  net::io_context io(threads);
  // Threads for the writes waiting for their group's commit: each blocks
  // while it waits, and more waiting writes make larger groups. Joined
  // before the io_context goes: a write in flight finishes.
  net::thread_pool writers(kWriterThreads);
  shared.writers = &writers;
  ReadQueue reads(io, service);
  shared.reads = &reads;
  auto listener = std::make_shared<Listener>(io, tcp::endpoint(address, options.port), shared);
  listener->start();

  // Stopping: no new connection; idle ones closed; those answering finish
  // (their response says Connection: close); past the grace, the rest cut.
  net::signal_set signals(io, SIGINT, SIGTERM);
  net::steady_timer deadline(io);
  net::steady_timer poll(io);
  std::function<void()> wait_for_sessions = [&] {
    poll.expires_after(std::chrono::milliseconds(20));
    poll.async_wait([&](beast::error_code e) {
      if (e) return;
      std::vector<std::shared_ptr<Session>> live;
      {
        std::lock_guard<std::mutex> lock(shared.mutex);
        for (auto& [ptr, weak] : shared.sessions)
          if (auto s = weak.lock()) live.push_back(std::move(s));
      }
      if (live.empty()) {
        deadline.cancel();
        return;
      }
      for (auto& s : live) net::post(s->executor(), [s] { s->stop_if_idle(); });
      wait_for_sessions();
    });
  };
  signals.async_wait([&](beast::error_code e, int) {
    if (e) return;
    shared.stopping = true;
    listener->stop();
    deadline.expires_after(options.shutdown_grace);
    deadline.async_wait([&](beast::error_code d) {
      if (!d) io.stop();  // the grace is over
      poll.cancel();
    });
    wait_for_sessions();
  });
  on_listening(listener->port());

  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : workers) t.join();
  writers.join();
}

}  // namespace adledger::server
