// The JSON API and the console: HTTP requests in, auth + policy + domain calls, audit events,
// JSON out. Registers its routes on an http::Router; never sees the network itself.
//
// Every route is listed in openapi.json (served at /api/v1/openapi.json); a test checks that the
// two agree. Each request runs on a worker thread with its own database connection and
// auth::Service; audited requests (every read, search or change of personal data) append their
// audit event through a shared group commit in the same transaction as the read or write, and
// answer only after it is durable. If the event cannot be written the request fails (500).
//
// Authentication: the HttpOnly `baove_session` cookie (unsafe methods also need X-CSRF-Token)
// or `Authorization: Bearer <API key>` (rate-limited per key). Objects the caller may not read
// answer 404; actions the caller may not do on objects it can read answer 403.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "http/log.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "platform/platform.hpp"
#include "util/result.hpp"

namespace baove::api {

struct ApiOptions {
  std::size_t workers = 64;    // database connections for handlers: one per server worker thread
  std::size_t io_threads = 2;  // database connections for the network threads' quick reads
  bool secure_cookies = false;
  // Benchmarks only (bench/bench_server): reads skip the audit event, to measure its cost. Not
  // reachable from configuration.
  bool audit_reads = true;
  // Concurrent password hashings (Argon2id, 64 MiB each): login, password changes, new users.
  std::size_t password_hash_slots = 2;
};

class Api {
 public:
  // `platform`, `metrics` and `log` must outlive the Api.
  static Result<std::unique_ptr<Api>> create(platform::Platform& platform, http::Metrics& metrics,
                                             http::Logger& log, ApiOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Adds every route (API, operations, console) to `router`.
  void add_routes(http::Router& router);

  // Signs an audit checkpoint when one is due, and copies SQLite's write-ahead log into the
  // database (the server calls it every second).
  Status tick();

  struct Impl;

 private:
  explicit Api(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The OpenAPI 3.1 document (the bytes of src/api/openapi.json).
std::string_view openapi_document();

}  // namespace baove::api
