// Shared by the API tests: a real Platform (fresh data directory; SQLite or a fresh PostgreSQL
// database), the real Api and http::Server on 127.0.0.1 at a free port, and a loopback HTTP
// client. Fixture users are created through auth::Service directly (with the smallest Argon2id
// limits, so that creating many is quick) and then log in and enrol TOTP through the API like
// anyone else.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/api.hpp"
#include "auth/auth.hpp"
#include "http/server.hpp"
#include "platform/platform.hpp"
#include "store/store.hpp"
#include "support/http_client.hpp"

namespace baove::api::testing {

using json = nlohmann::json;
using baove::testing::HttpClient;
using baove::testing::HttpResponse;

// The system as the actor of fixture changes.
inline const auth::Actor kSystem{"", "", {}, ""};

// A fresh, empty PostgreSQL database on this binary's throw-away server (started on first use).
Result<std::string> fresh_postgres_database();

// A logged-in user: the session cookie, its CSRF token and what is needed to log in again.
struct Session {
  std::string user_id;
  std::string username;
  std::string unit_id;
  std::string password;
  std::string token;  // the baove_session cookie value
  std::string csrf;
  std::vector<std::uint8_t> totp_secret;  // empty until enrolled
  std::vector<auth::Grant> grants;

  // "Cookie: ..." and, when `with_csrf`, "X-CSRF-Token: ...".
  std::vector<std::string> headers(bool with_csrf = true) const;
};

// One running server over its own data directory.
class TestServer {
 public:
  // Opens the platform (migrations), creates the Api and starts the server thread.
  // `configure`, when given, adjusts the configuration first (limits, channel secrets).
  static Result<std::unique_ptr<TestServer>> start(
      store::Engine engine, const std::function<void(platform::Config&)>& configure = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  platform::Platform& platform() { return *platform_; }
  Api& api() { return *api_; }
  const http::Router& router() const { return router_; }
  std::uint16_t port() const { return server_->port(); }
  // A connection of the test's own, for checks (the audit log, verify()).
  store::Connection& db() { return *db_; }
  // auth::Service on its own connection with the platform's keys and the MIN Argon2id limits.
  auth::Service& fixtures() { return *fixtures_; }
  const auth::Options& fixture_options() const { return fixture_options_; }

 private:
  TestServer() = default;
  std::filesystem::path dir_;
  std::unique_ptr<platform::Platform> platform_;
  http::Metrics metrics_;
  http::Logger log_{http::Logger::Format::json, nullptr};
  std::unique_ptr<Api> api_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::unique_ptr<store::Connection> db_;
  std::unique_ptr<store::Connection> fixtures_db_;
  auth::Options fixture_options_;
  std::unique_ptr<auth::Service> fixtures_;
};

std::string engine_name(const ::testing::TestParamInfo<store::Engine>& info);

// The current Unix time in seconds.
std::int64_t unix_now();
// The TOTP code of `secret` for the 30-second step that holds `unix_seconds`.
std::string totp_code(const std::vector<std::uint8_t>& secret, std::int64_t unix_seconds);
// The response body as JSON (null when it is not JSON).
json body_of(const HttpResponse& r);
// The baove_session value from the Set-Cookie header, or "".
std::string session_cookie_of(const HttpResponse& r);
// The error code and fields of a JSON error body.
std::string error_code(const HttpResponse& r);
std::vector<std::string> error_fields(const HttpResponse& r);
// RFC 3339 UTC text with microseconds ("2026-01-01T00:00:00.000000Z").
std::string rfc3339_utc(std::chrono::sys_time<std::chrono::microseconds> t);
// Percent-encodes a query parameter value.
std::string url_encode(std::string_view s);

class ApiTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override;
  // Configuration changes for this fixture's server (none by default).
  virtual void configure(platform::Config&) {}
  void TearDown() override;

  TestServer& server() { return *server_; }
  auth::Service& fixtures() { return server_->fixtures(); }

  // One request over the test's keep-alive connection. A failed connection is a test failure
  // (status 0 then).
  HttpResponse call(std::string_view method, std::string_view target, const Session* session = nullptr,
                    std::string_view body = {}, std::vector<std::string> headers = {});
  HttpResponse call_json(std::string_view method, std::string_view target, const Session& session,
                         const json& body);

  // Logs in over the API; the session on success (nullopt otherwise, with the response in `out`).
  std::optional<Session> login(const std::string& username, const std::string& password,
                               const std::string& totp = "", HttpResponse* out = nullptr);
  // Begins and confirms TOTP enrolment over the API for `s`'s user; stores the secret in `s`.
  void enrol_totp(Session& s);

  // A unit made directly through the fixture service.
  std::string make_unit(const std::string& name, const std::string& parent_id,
                        auth::UnitKind kind = auth::UnitKind::provincial_department);
  // A user with exactly `grants` whose password needs no change, logged in over the API and
  // enrolled in TOTP over the API: a session with full access.
  Session ready_user(const std::string& username, const std::string& unit_id,
                     std::vector<auth::Grant> grants);

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace baove::api::testing
