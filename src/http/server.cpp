// The only translation unit that includes Boost.Beast.
#include "http/server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace baove::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// How much of an unread streamed body is read and dropped before closing the connection.
constexpr std::uint64_t kDrainBytes = 8ull * 1024 * 1024;
// The read buffer of a connection whose request body is streamed.
constexpr std::size_t kStreamBufferBytes = 256 * 1024;

namespace {

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string address_text(const tcp::endpoint& ep) {
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a.to_string();
}

}  // namespace

std::string canonical_ip(std::string_view text) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(text), ec);
  if (ec) return {};
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a.to_string();
}

std::string client_address(std::string_view peer, std::span<const std::string> forwarded_for,
                           std::span<const std::string> trusted_proxies) {
  auto trusted = [&](std::string_view a) {
    return std::find(trusted_proxies.begin(), trusted_proxies.end(), a) != trusted_proxies.end();
  };
  std::string client(peer);
  if (!trusted(client)) return client;
  std::vector<std::string> hops;
  for (const auto& header : forwarded_for) {
    std::size_t start = 0;
    while (start <= header.size()) {
      std::size_t comma = header.find(',', start);
      if (comma == std::string::npos) comma = header.size();
      std::string_view hop(header.data() + start, comma - start);
      while (!hop.empty() && (hop.front() == ' ' || hop.front() == '\t')) hop.remove_prefix(1);
      while (!hop.empty() && (hop.back() == ' ' || hop.back() == '\t')) hop.remove_suffix(1);
      hops.emplace_back(hop);
      start = comma + 1;
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const std::string hop = canonical_ip(*it);
    if (hop.empty()) break;
    client = hop;
    if (!trusted(hop)) break;
  }
  return client;
}

// One client connection. Lives on its own strand; `idle` is only touched there.
struct Connection {
  explicit Connection(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  bool idle = true;
};

// The BodyReader of a streamed route. read() runs on a worker thread; each call posts one
// asynchronous read to the connection's strand (where the session coroutine is suspended until
// the handler returns, so no other operation is pending on the stream) and waits for it.
class StreamReader final : public BodyReader {
 public:
  using Parser = bhttp::request_parser<bhttp::buffer_body>;
  StreamReader(Connection& c, beast::flat_buffer& buffer, Parser& parser, std::chrono::milliseconds timeout)
      : c_(c), buffer_(buffer), parser_(parser), timeout_(timeout), done_(parser.is_done()) {}

  Result<std::size_t> read(std::span<std::uint8_t> out) override {
    if (failed_) return *failed_;
    if (done_ || out.empty()) return std::size_t{0};
    for (;;) {
      // Shared so that a read abandoned by a stopped server breaks the promise instead of
      // leaving this thread waiting.
      auto promise = std::make_shared<std::promise<Outcome>>();
      auto future = promise->get_future();
      asio::post(c_.stream.get_executor(), [this, out, promise]() mutable { read_more(out, 0, promise); });
      promise.reset();
      Outcome outcome;
      try {
        outcome = future.get();
      } catch (const std::future_error&) {
        outcome = {asio::error::operation_aborted, 0};
      }
      const auto [ec, got] = outcome;
      if (ec) {
        if (ec == bhttp::error::body_limit) {
          failed_ = make_error(ErrorCode::limit_exceeded, "request body too large");
        } else if (ec == beast::error::timeout) {
          failed_ = make_error(ErrorCode::io, "request body too slow");
        } else if (ec == bhttp::error::partial_message || ec == asio::error::eof ||
                   ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                   ec == asio::error::operation_aborted) {
          failed_ = make_error(ErrorCode::io, "connection closed before the end of the body");
        } else {
          failed_ = make_error(ErrorCode::io, "malformed request body");
        }
        return *failed_;
      }
      bytes_ += got;
      done_ = parser_.is_done();
      if (got > 0 || done_) return got;
      // Only framing was read (a chunk header): read on.
    }
  }
  std::uint64_t bytes_read() const override { return bytes_; }
  bool complete() const override { return done_; }

 private:
  using Outcome = std::pair<boost::system::error_code, std::size_t>;
  // On the strand: reads into out[filled..] until `out` is full, the body ends or the read fails,
  // so that each read() costs one hand-over between threads, not one per TCP segment.
  void read_more(std::span<std::uint8_t> out, std::size_t filled,
                 std::shared_ptr<std::promise<Outcome>> promise) {
    auto& body = parser_.get().body();
    body.data = out.data() + filled;
    body.size = out.size() - filled;
    body.more = true;
    c_.stream.expires_after(timeout_);
    bhttp::async_read_some(c_.stream, buffer_, parser_,
                           [this, out, promise](boost::system::error_code ec, std::size_t) mutable {
                             const std::size_t got = out.size() - parser_.get().body().size;
                             if (ec == bhttp::error::need_buffer) ec = {};
                             if (!ec && got < out.size() && !parser_.is_done()) {
                               read_more(out, got, std::move(promise));
                               return;
                             }
                             promise->set_value({ec, got});
                           });
  }

  Connection& c_;
  beast::flat_buffer& buffer_;
  Parser& parser_;
  std::chrono::milliseconds timeout_;
  bool done_;
  std::uint64_t bytes_ = 0;
  std::optional<Error> failed_;
};

struct Server::Impl {
  Impl(ServerOptions o, const Router& r, Metrics& m, Logger& l)
      : opt(std::move(o)),
        router(r),
        metrics(m),
        log(l),
        workers(opt.workers == 0 ? 1 : opt.workers),
        acceptor(ioc),
        signals(ioc),
        drain_timer(ioc) {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    id_prefix = buf;
  }

  ServerOptions opt;
  const Router& router;
  Metrics& metrics;
  Logger& log;
  asio::io_context ioc;
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open{0};
  std::mutex mu;
  std::set<std::shared_ptr<Connection>> connections;
  std::string id_prefix;
  std::atomic<std::uint64_t> next_id{0};
  std::uint16_t bound_port = 0;

  std::string new_request_id() {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s-%llx", id_prefix.c_str(),
                  static_cast<unsigned long long>(next_id.fetch_add(1, std::memory_order_relaxed)));
    return buf;
  }

  // Runs `call` (which runs the route's handler) on a worker thread; resumes the coroutine on its
  // own strand with the result. A handler that throws answers 500.
  template <typename Call>
  asio::awaitable<Response> on_worker(const Request& req, Call call) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
        [this, &req, call = std::move(call)](auto handler) mutable {
          auto ex = asio::get_associated_executor(handler);
          auto guard = asio::make_work_guard(ex);
          asio::post(workers, [this, &req, call = std::move(call), handler = std::move(handler),
                               guard = std::move(guard)]() mutable {
            Response r;
            try {
              r = call();
            } catch (const std::exception& e) {
              log.error("handler failed", {{"request_id", req.request_id}, {"route", req.route}});
              r = error(500, "internal", "internal error");
            }
            auto ex2 = guard.get_executor();
            asio::post(ex2, [handler = std::move(handler), r = std::move(r)]() mutable {
              std::move(handler)(std::move(r));
            });
          });
        },
        asio::use_awaitable);
  }

  // Runs an asynchronous handler here, on the connection's strand; resumes when it responds.
  asio::awaitable<Response> on_strand(const Route& route, Request& req) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
        [this, &route, &req](auto handler) {
          using H = decltype(handler);
          auto ex = asio::get_associated_executor(handler);
          using Guard = decltype(asio::make_work_guard(ex));
          // The Respond function may outlive the server (a group commit's job still holds it
          // after answering): once it has answered, the state holds neither the handler nor the
          // guard and its executor, which are released on the strand while the server exists.
          struct State {
            State(H h, Guard g) : handler(std::move(h)), guard(std::move(g)) {}
            std::optional<H> handler;
            std::optional<Guard> guard;
            std::atomic<bool> answered{false};
          };
          auto state = std::make_shared<State>(std::move(handler), asio::make_work_guard(ex));
          Respond respond = [state](Response r) {
            if (state->answered.exchange(true)) return;
            auto target = state->guard->get_executor();
            asio::post(target, [state, r = std::move(r)]() mutable {
              auto h = std::move(*state->handler);
              state->handler.reset();
              std::move(h)(std::move(r));
              state->guard.reset();
            });
          };
          try {
            route.async(req, respond);
          } catch (const std::exception&) {
            log.error("handler failed", {{"request_id", req.request_id}, {"route", req.route}});
            respond(error(500, "internal", "internal error"));
          }
        },
        asio::use_awaitable);
  }

  // Reads the next piece of a streamed body on a worker thread; resumes on the connection's strand.
  asio::awaitable<Result<std::size_t>> read_on_worker(BodySource& source, std::span<std::uint8_t> out) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Result<std::size_t>)>(
        [this, &source, out](auto handler) {
          auto ex = asio::get_associated_executor(handler);
          auto guard = asio::make_work_guard(ex);
          asio::post(workers,
                     [&source, out, handler = std::move(handler), guard = std::move(guard)]() mutable {
                       Result<std::size_t> got = make_error(ErrorCode::internal, "the body source failed");
                       try {
                         got = source.read(out);
                       } catch (const std::exception&) {
                       }
                       auto ex2 = guard.get_executor();
                       asio::post(ex2, [handler = std::move(handler), got = std::move(got)]() mutable {
                         std::move(handler)(std::move(got));
                       });
                     });
        },
        asio::use_awaitable);
  }

  // The headers every response carries, and the response's own.
  template <typename Body>
  void set_headers(bhttp::response<Body>& res, const Response& resp, const Request& req, bool keep_alive) {
    bool has_csp = false, has_cache = false;
    for (const auto& h : resp.headers) {
      if (h.name == "Content-Security-Policy") has_csp = true;
      if (h.name == "Cache-Control") has_cache = true;
      res.insert(h.name, h.value);
    }
    if (!resp.content_type.empty()) res.set(bhttp::field::content_type, resp.content_type);
    res.set("X-Request-Id", req.request_id);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    if (!has_csp) res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (!has_cache) res.set(bhttp::field::cache_control, "no-store");
    res.keep_alive(keep_alive);
  }

  // Writes the response; false when the connection must close (a write failed, or a streamed body
  // ended early or failed after its header was sent).
  asio::awaitable<bool> write(Connection& c, Response& resp, const Request& req, bool keep_alive, bool head) {
    if (resp.stream) {
      std::shared_ptr<BodySource> source = std::move(resp.stream);
      bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(resp.status), 11};
      set_headers(res, resp, req, keep_alive);
      res.content_length(resp.stream_length);
      bhttp::response_serializer<bhttp::empty_body> sr{res};
      c.stream.expires_after(opt.request_timeout);
      auto [hec, hn] = co_await bhttp::async_write_header(c.stream, sr, kTuple);
      (void)hn;
      if (hec) co_return false;
      if (head) co_return true;
      std::vector<std::uint8_t> piece(256 * 1024);
      std::uint64_t sent = 0;
      while (sent < resp.stream_length) {
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), resp.stream_length - sent));
        auto got = co_await read_on_worker(*source, std::span(piece.data(), want));
        if (!got.ok() || *got == 0 || *got > want) {
          log.warn("streamed response cut", {{"request_id", req.request_id},
                                             {"route", req.route},
                                             {"sent", static_cast<std::int64_t>(sent)}});
          co_return false;
        }
        c.stream.expires_after(opt.request_timeout);
        auto [ec, n] = co_await asio::async_write(c.stream, asio::buffer(piece.data(), *got), kTuple);
        (void)n;
        if (ec) co_return false;
        sent += *got;
      }
      co_return true;
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(resp.status), 11};
    set_headers(res, resp, req, keep_alive);
    const std::size_t length = resp.body.size();
    if (!head) res.body() = std::move(resp.body);
    res.prepare_payload();
    if (head) res.content_length(length);
    c.stream.expires_after(opt.request_timeout);
    auto [ec, n] = co_await bhttp::async_write(c.stream, res, kTuple);
    (void)n;
    co_return !ec;
  }

  void finish(const Request& req, int status, std::chrono::steady_clock::time_point start) {
    const auto d = std::chrono::steady_clock::now() - start;
    const std::string_view route =
        req.route.empty() ? std::string_view("unmatched") : std::string_view(req.route);
    metrics.request_done(to_string(req.method), route, status, d);
    if (opt.access_log) {
      log.info("request", {{"request_id", req.request_id},
                           {"method", to_string(req.method)},
                           {"route", route},
                           {"status", static_cast<std::int64_t>(status)},
                           {"ms", std::chrono::duration<double, std::milli>(d).count()}});
    }
  }

  asio::awaitable<void> session(std::shared_ptr<Connection> conn) {
    Connection& c = *conn;
    beast::flat_buffer buffer;
    boost::system::error_code aec;
    const auto peer = c.stream.socket().remote_endpoint(aec);
    const std::string remote = aec ? std::string() : address_text(peer);
    for (;;) {
      if (stopping.load()) break;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opt.header_limit));
      // No body limit yet: the route decides it once the header is read (a Content-Length over it
      // is answered 413 there, not refused as a malformed header).
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      c.idle = true;
      c.stream.expires_after(opt.header_timeout);
      auto [ec, n] = co_await bhttp::async_read_header(c.stream, buffer, parser, kTuple);
      (void)n;
      c.idle = false;
      const auto start = std::chrono::steady_clock::now();
      Request req;
      req.remote_address = remote;
      if (ec) {
        // A quiet close (end of stream, idle timeout, shutdown) gets no answer; a broken request does.
        if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            (ec == beast::error::timeout && buffer.size() == 0)) {
          break;
        }
        req.request_id = new_request_id();
        Response r = ec == bhttp::error::header_limit
                         ? error(431, "header_too_large", "request header too large")
                     : ec == beast::error::timeout ? error(408, "request_timeout", "request too slow")
                                                   : error(400, "bad_request", "malformed HTTP request");
        if (ec != beast::error::timeout) co_await write(c, r, req, false, false);
        finish(req, r.status, start);
        break;
      }
      auto& msg = parser.get();
      const auto rid = msg["X-Request-Id"];
      req.request_id = valid_request_id(std::string_view(rid.data(), rid.size()))
                           ? std::string(rid.data(), rid.size())
                           : new_request_id();
      req.method = parse_method(std::string_view(msg.method_string().data(), msg.method_string().size()));
      req.target = std::string(msg.target());
      const auto q = req.target.find('?');
      auto path = percent_decode(std::string_view(req.target).substr(0, q), false);
      if (q != std::string::npos) req.query = req.target.substr(q + 1);
      for (const auto& f : msg) {
        std::string name(f.name_string());
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        req.headers.push_back(Header{std::move(name), std::string(f.value())});
      }
      if (!opt.trusted_proxies.empty()) {
        std::vector<std::string> forwarded;
        for (const auto& h : req.headers)
          if (h.name == "x-forwarded-for") forwarded.push_back(h.value);
        req.remote_address = client_address(remote, forwarded, opt.trusted_proxies);
      }
      bool keep_alive = msg.keep_alive() && !stopping.load();
      const bool head = req.method == Method::head;
      const bool has_body = parser.content_length().value_or(0) > 0 || parser.chunked();
      if (!path || path->empty() || path->front() != '/' || path->find('\0') != std::string::npos) {
        Response r = error(400, "bad_request", "malformed request path");
        co_await write(c, r, req, false, head);
        finish(req, r.status, start);
        break;
      }
      req.path = std::move(*path);
      auto found = router.find(req.method, req.path);
      if (found.route == nullptr) {
        Response r;
        if (!found.allowed.empty()) {
          std::string allow;
          for (auto m : found.allowed) allow += std::string(allow.empty() ? "" : ", ") + to_string(m);
          r = error(405, "method_not_allowed", "method not allowed on this path");
          r.with_header("Allow", allow);
        } else {
          r = error(404, "not_found", "no such endpoint");
        }
        // The body, if any, is not read: the connection closes after the answer.
        co_await write(c, r, req, keep_alive && !has_body, head);
        finish(req, r.status, start);
        if (!keep_alive || has_body) break;
        continue;
      }
      req.route = found.route->pattern;
      req.path_params = std::move(found.params);
      const std::uint64_t limit = found.route->body_limit ? found.route->body_limit : opt.body_limit;
      if (parser.content_length() && *parser.content_length() > limit) {
        Response r = error(413, "payload_too_large", "request body too large");
        co_await write(c, r, req, false, head);
        finish(req, r.status, start);
        break;
      }
      parser.body_limit(limit);
      if (found.route->stream) {
        if (!parser.is_done() && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
          c.stream.expires_after(opt.request_timeout);
          auto [wec, wn] = co_await bhttp::async_write(c.stream, cont, kTuple);
          (void)wn;
          if (wec) break;
        }
        // The header is read and no body byte yet: the parser can change its body type.
        StreamReader::Parser body_parser{std::move(parser)};
        body_parser.body_limit(limit);
        // Beast reads as much as the buffer has room for: without room, 512 bytes a system call.
        if (buffer.capacity() < kStreamBufferBytes) buffer.reserve(kStreamBufferBytes);
        StreamReader reader(c, buffer, body_parser, opt.request_timeout);
        const Route& route = *found.route;
        Response resp =
            co_await on_worker(req, [&route, &req, &reader] { return route.stream(req, reader); });
        const int status = resp.status;
        // A body the handler did not read to its end cannot be skipped safely: close after answering.
        keep_alive = keep_alive && reader.complete() && !stopping.load();
        keep_alive = co_await write(c, resp, req, keep_alive, head) && keep_alive;
        finish(req, status, start);
        if (!keep_alive) {
          // Let a client still sending see the answer: read and drop a little more of the body
          // before closing, since closing with unread data resets the connection.
          if (!reader.complete()) {
            // Raw reads: the parser may have failed (a body over the limit), the socket has not.
            std::vector<char> drop(64 * 1024);
            std::uint64_t dropped = 0;
            const auto drain_end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            while (dropped < kDrainBytes && std::chrono::steady_clock::now() < drain_end) {
              // Stop as soon as the client pauses: it has sent what it had.
              c.stream.expires_after(std::chrono::milliseconds(250));
              auto [dec, dn] = co_await c.stream.async_read_some(asio::buffer(drop), kTuple);
              if (dec) break;
              dropped += dn;
            }
          }
          break;
        }
        continue;
      }
      if (!parser.is_done()) {
        const auto expect = msg[bhttp::field::expect];
        if (beast::iequals(expect, "100-continue")) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
          c.stream.expires_after(opt.request_timeout);
          auto [wec, wn] = co_await bhttp::async_write(c.stream, cont, kTuple);
          (void)wn;
          if (wec) break;
        }
        c.stream.expires_after(opt.request_timeout);
        auto [bec, bn] = co_await bhttp::async_read(c.stream, buffer, parser, kTuple);
        (void)bn;
        if (bec) {
          Response r = bec == bhttp::error::body_limit
                           ? error(413, "payload_too_large", "request body too large")
                       : bec == beast::error::timeout ? error(408, "request_timeout", "request too slow")
                                                      : error(400, "bad_request", "malformed request body");
          if (bec != beast::error::timeout && bec != asio::error::eof && bec != bhttp::error::end_of_stream &&
              bec != asio::error::connection_reset) {
            co_await write(c, r, req, false, head);
          }
          finish(req, r.status, start);
          break;
        }
      }
      req.body = std::move(parser.get().body());
      // (Not a conditional expression: GCC 12 mishandles co_await inside ?:.)
      Response resp;
      if (found.route->async) {
        resp = co_await on_strand(*found.route, req);
      } else {
        const Route& route = *found.route;
        resp = co_await on_worker(req, [&route, &req] { return route.handler(req); });
      }
      const int status = resp.status;
      keep_alive = keep_alive && !stopping.load();
      keep_alive = co_await write(c, resp, req, keep_alive, head) && keep_alive;
      finish(req, status, start);
      if (!keep_alive) break;
    }
    boost::system::error_code sec;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, sec);
    c.stream.close();
  }

  asio::awaitable<void> refuse(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    Request req;
    req.request_id = new_request_id();
    Response r = error(503, "unavailable", "server busy; try again");
    r.with_header("Retry-After", "1");
    bhttp::response<bhttp::string_body> res{bhttp::status::service_unavailable, 11};
    res.set(bhttp::field::content_type, r.content_type);
    res.set("X-Request-Id", req.request_id);
    res.set("Retry-After", "1");
    res.keep_alive(false);
    res.body() = r.body;
    res.prepare_payload();
    stream.expires_after(std::chrono::seconds(2));
    co_await bhttp::async_write(stream, res, kTuple);
    stream.close();
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto strand = asio::make_strand(ioc);
      auto [ec, socket] = co_await acceptor.async_accept(strand, kTuple);
      if (stopping.load() || ec == asio::error::operation_aborted) co_return;
      if (ec) continue;  // e.g. too many open files: try the next one
      socket.set_option(tcp::no_delay(true), ec);
      if (open.load() >= opt.max_connections) {
        metrics.connection_refused();
        asio::co_spawn(strand, refuse(std::move(socket)), asio::detached);
        continue;
      }
      auto conn = std::make_shared<Connection>(std::move(socket));
      {
        std::lock_guard lock(mu);
        connections.insert(conn);
      }
      open.fetch_add(1);
      metrics.connection_opened();
      asio::co_spawn(strand, session(conn), [this, conn](std::exception_ptr) {
        {
          std::lock_guard lock(mu);
          connections.erase(conn);
        }
        metrics.connection_closed();
        if (open.fetch_sub(1) == 1 && stopping.load()) {
          asio::post(ioc, [this] { drain_timer.cancel(); });
        }
      });
    }
  }

  void begin_stop() {
    if (stopping.exchange(true)) return;
    log.info("shutting down", {{"open_connections", static_cast<std::int64_t>(open.load())}});
    boost::system::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    std::vector<std::shared_ptr<Connection>> all;
    {
      std::lock_guard lock(mu);
      all.assign(connections.begin(), connections.end());
    }
    for (auto& c : all) {
      asio::post(c->stream.get_executor(), [c] {
        if (c->idle) c->stream.cancel();
      });
    }
    if (open.load() > 0) {
      drain_timer.expires_after(opt.drain_timeout);
      drain_timer.async_wait([this](boost::system::error_code wec) {
        if (!wec) {
          log.warn("drain timeout: closing remaining connections");
          ioc.stop();
        }
      });
    }
  }
};

Server::Server(ServerOptions options, const Router& router, Metrics& metrics, Logger& log)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics, log)) {}

Server::~Server() { impl_->workers.join(); }

Status Server::listen() {
  auto& i = *impl_;
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(i.opt.address, ec);
  if (ec)
    return make_error(ErrorCode::invalid_argument,
                      "listen address '" + i.opt.address + "' is not an IP address");
  const tcp::endpoint ep(addr, i.opt.port);
  const std::string where = i.opt.address + ":" + std::to_string(i.opt.port);
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(ErrorCode::io, "cannot listen on " + where + ": " + ec.message());
  i.bound_port = i.acceptor.local_endpoint().port();
  return {};
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::run() {
  auto& i = *impl_;
  if (i.opt.handle_signals) {
    i.signals.add(SIGTERM);
    i.signals.add(SIGINT);
    i.signals.async_wait([&i](boost::system::error_code ec, int) {
      if (!ec) i.begin_stop();
    });
  }
  asio::co_spawn(i.ioc, i.accept_loop(), asio::detached);
  std::size_t n = i.opt.io_threads ? i.opt.io_threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (std::size_t k = 1; k < n; ++k) threads.emplace_back([&i] { i.ioc.run(); });
  i.ioc.run();
  for (auto& t : threads) t.join();
}

void Server::stop() {
  auto& i = *impl_;
  asio::post(i.ioc, [&i] { i.begin_stop(); });
}

}  // namespace baove::http
