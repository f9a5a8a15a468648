// The HTTP/1.1 server: Boost.Beast with C++20 coroutines, keep-alive, and limits on headers,
// bodies (per route), time and connections. Handlers run on a pool of worker threads so that a
// handler may block on the database without stalling the network threads.
//
// Every response carries X-Request-Id (the client's, when it is 1..64 of [A-Za-z0-9._-], else a
// new one) and the security headers (nosniff, no-referrer, frame denial, no-store for the API).
// Failures the server decides itself: 400 malformed request, 404/405 routing, 408 request too
// slow, 413 body over the route's limit, 431 header over the limit, 503 over max_connections or
// shutting down; all as JSON errors (http.hpp). A handler that throws answers 500, logged.
//
// Shutdown: stop() (or SIGTERM/SIGINT when handle_signals) stops accepting, lets requests in
// progress finish and answer with `Connection: close`, closes idle connections, and makes run()
// return once all are done (or after `drain_timeout`).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "http/log.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "util/result.hpp"

namespace baove::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;   // 0: any free port (see Server::port())
  std::size_t io_threads = 0;  // 0: one per core
  std::size_t workers = 64;    // handler threads
  std::size_t max_connections = 2048;
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;                                 // routes without their own limit
  std::chrono::milliseconds header_timeout{std::chrono::seconds(60)};   // idle keep-alive + header read
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  // body read, response write
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(20)};
  bool handle_signals = true;  // SIGTERM and SIGINT call stop()
  bool access_log = true;      // one log line per request
  // Reverse proxies (IP addresses) whose X-Forwarded-For is believed: a request from one of them
  // is attributed to the rightmost X-Forwarded-For address that is not itself a trusted proxy (see
  // client_address()). Empty: the TCP peer is the client, and X-Forwarded-For is ignored.
  std::vector<std::string> trusted_proxies;
};

// The client's address for a request from `peer` (canonical text) with `forwarded_for` (every
// X-Forwarded-For header, in order): `peer` unless it is in `trusted_proxies`; then, walking the
// forwarded list from the right, the first address that is not a trusted proxy. An entry that is
// not an IP address ends the walk (the last trusted hop stays the client), so a client cannot
// choose its address by sending the header itself: only the hops a trusted proxy appended count.
// IPv4-mapped IPv6 addresses become IPv4. `trusted_proxies` holds canonical addresses.
std::string client_address(std::string_view peer, std::span<const std::string> forwarded_for,
                           std::span<const std::string> trusted_proxies);
// The canonical text of an IP address, or "" when `text` is not one.
std::string canonical_ip(std::string_view text);

class Server {
 public:
  // `router`, `metrics` and `log` must outlive the server; routes must not change once started.
  Server(ServerOptions options, const Router& router, Metrics& metrics, Logger& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; fails naming the address when it cannot.
  Status listen();
  // The bound port (after listen()).
  std::uint16_t port() const;
  // Serves until stop() or a signal; returns after the drain. Call once, after listen().
  void run();
  // Thread-safe; may be called from a handler or a signal.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baove::http
