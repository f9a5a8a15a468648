#include "api_test_env.hpp"

#include <sodium.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>

#include "auth/totp.hpp"
#include "support/postgres_server.hpp"

namespace baove::api::testing {
namespace {

// The one PostgreSQL server of this binary, started on first use and stopped after the tests.
class PostgresEnvironment : public ::testing::Environment {
 public:
  Result<std::string> fresh_database() {
    if (!server_ && !failure_) {
      auto s = baove::testing::PostgresServer::start();
      if (!s.ok()) {
        failure_ = s.error();
      } else {
        server_ = std::move(*s);
      }
    }
    if (failure_) return *failure_;
    return server_->create_database("baove_api_test_" + std::to_string(getpid()) + "_" +
                                    std::to_string(++databases_));
  }
  void TearDown() override { server_.reset(); }

 private:
  std::unique_ptr<baove::testing::PostgresServer> server_;
  std::optional<Error> failure_;
  int databases_ = 0;
};

PostgresEnvironment* const postgres_environment =
    static_cast<PostgresEnvironment*>(::testing::AddGlobalTestEnvironment(new PostgresEnvironment));

}  // namespace

Result<std::string> fresh_postgres_database() { return postgres_environment->fresh_database(); }

std::vector<std::string> Session::headers(bool with_csrf) const {
  std::vector<std::string> h{"Cookie: baove_session=" + token};
  if (with_csrf) h.push_back("X-CSRF-Token: " + csrf);
  return h;
}

Result<std::unique_ptr<TestServer>> TestServer::start(
    store::Engine engine, const std::function<void(platform::Config&)>& configure) {
  std::unique_ptr<TestServer> t(new TestServer());
  std::string pattern = (std::filesystem::temp_directory_path() / "baove-api-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return make_error(ErrorCode::io, "mkdtemp failed");
  t->dir_ = pattern;
  platform::Config config;
  config.data_dir = t->dir_ / "data";
  config.listen = "127.0.0.1:0";
  if (engine == store::Engine::postgresql) {
    auto url = fresh_postgres_database();
    if (!url.ok()) return url.error().with_context("PostgreSQL is needed for these tests");
    config.database = *url;
  }
  if (configure) configure(config);
  auto p = platform::Platform::open(config);
  if (!p.ok()) return p.error();
  t->platform_ = std::move(*p);

  ApiOptions ao;
  ao.workers = 8;
  auto api = Api::create(*t->platform_, t->metrics_, t->log_, ao);
  if (!api.ok()) return api.error();
  t->api_ = std::move(*api);
  t->api_->add_routes(t->router_);

  http::ServerOptions so;
  so.address = "127.0.0.1";
  so.port = 0;
  so.io_threads = 2;
  so.workers = 8;
  so.handle_signals = false;
  so.access_log = false;
  t->server_ = std::make_unique<http::Server>(so, t->router_, t->metrics_, t->log_);
  BAOVE_TRY(t->server_->listen());
  t->thread_ = std::thread([s = t->server_.get()] { s->run(); });

  auto db = t->platform_->connect();
  if (!db.ok()) return db.error();
  t->db_ = std::move(*db);
  auto fdb = t->platform_->connect();
  if (!fdb.ok()) return fdb.error();
  t->fixtures_db_ = std::move(*fdb);
  t->fixture_options_ = t->platform_->auth_options();
  t->fixture_options_.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
  t->fixture_options_.pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
  t->fixtures_ =
      std::make_unique<auth::Service>(*t->fixtures_db_, t->platform_->audit_log(), t->fixture_options_);
  return t;
}

TestServer::~TestServer() {
  if (server_) {
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  fixtures_.reset();
  fixtures_db_.reset();
  db_.reset();
  api_.reset();
  platform_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string engine_name(const ::testing::TestParamInfo<store::Engine>& info) {
  return info.param == store::Engine::sqlite ? "sqlite" : "postgresql";
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string totp_code(const std::vector<std::uint8_t>& secret, std::int64_t unix_seconds) {
  return auth::totp::code_at(secret, unix_seconds);
}

json body_of(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json() : j;
}

std::string session_cookie_of(const HttpResponse& r) {
  const std::string c = r.header("set-cookie");
  const std::string prefix = "baove_session=";
  if (c.rfind(prefix, 0) != 0) return {};
  const auto end = c.find(';');
  return c.substr(prefix.size(), end == std::string::npos ? std::string::npos : end - prefix.size());
}

std::string error_code(const HttpResponse& r) {
  const json j = body_of(r);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object() || !j["error"].contains("code") ||
      !j["error"]["code"].is_string()) {
    return {};
  }
  return j["error"]["code"].get<std::string>();
}

std::vector<std::string> error_fields(const HttpResponse& r) {
  const json j = body_of(r);
  std::vector<std::string> out;
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return out;
  const json& f = j["error"].value("fields", json::array());
  for (const auto& v : f) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string rfc3339_utc(std::chrono::sys_time<std::chrono::microseconds> t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(days);
  const std::chrono::hh_mm_ss<std::chrono::microseconds> hms(t - days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<long long>(hms.subseconds().count()));
  return buf;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void ApiTest::SetUp() {
  auto s = TestServer::start(GetParam(), [this](platform::Config& c) { configure(c); });
  ASSERT_TRUE(s.ok()) << s.error().message;
  server_ = std::move(*s);
  client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
}

void ApiTest::TearDown() {
  client_.reset();
  server_.reset();
}

HttpResponse ApiTest::call(std::string_view method, std::string_view target, const Session* session,
                           std::string_view body, std::vector<std::string> headers) {
  if (session != nullptr) {
    for (auto& h : session->headers()) headers.push_back(std::move(h));
  }
  if (!body.empty()) headers.emplace_back("Content-Type: application/json");
  auto r = client_->request(method, target, body, headers);
  if (!r) {
    ADD_FAILURE() << method << " " << target << ": no response: " << client_->last_error();
    return HttpResponse{};
  }
  return *r;
}

HttpResponse ApiTest::call_json(std::string_view method, std::string_view target, const Session& session,
                                const json& body) {
  return call(method, target, &session, body.dump());
}

std::optional<Session> ApiTest::login(const std::string& username, const std::string& password,
                                      const std::string& totp, HttpResponse* out) {
  json body = {{"username", username}, {"password", password}};
  if (!totp.empty()) body["totp_code"] = totp;
  HttpResponse r = call("POST", "/api/v1/session", nullptr, body.dump());
  if (out != nullptr) *out = r;
  if (r.status != 200) return std::nullopt;
  const json j = body_of(r);
  Session s;
  s.username = username;
  s.password = password;
  s.token = session_cookie_of(r);
  s.csrf = j.value("csrf_token", "");
  s.user_id = j.value("user_id", "");
  s.unit_id = j.value("unit_id", "");
  return s;
}

void ApiTest::enrol_totp(Session& s) {
  HttpResponse begin = call("POST", "/api/v1/session/totp", &s);
  ASSERT_EQ(begin.status, 200) << begin.body;
  const json j = body_of(begin);
  ASSERT_TRUE(j.contains("secret")) << begin.body;
  auto secret = auth::totp::base32_decode(j["secret"].get<std::string>());
  ASSERT_TRUE(secret.ok());
  HttpResponse confirm =
      call_json("POST", "/api/v1/session/totp/confirm", s, {{"code", totp_code(*secret, unix_now())}});
  ASSERT_EQ(confirm.status, 204) << confirm.body;
  s.totp_secret = *secret;
}

std::string ApiTest::make_unit(const std::string& name, const std::string& parent_id, auth::UnitKind kind) {
  auto u = fixtures().create_unit(kSystem, name, kind, parent_id);
  EXPECT_TRUE(u.ok()) << u.error().message;
  return u.ok() ? u->id : std::string();
}

Session ApiTest::ready_user(const std::string& username, const std::string& unit_id,
                            std::vector<auth::Grant> grants) {
  const std::string password = auth::random_password();
  auto u = fixtures().create_user(kSystem, username, unit_id, password, /*must_change_password=*/false);
  EXPECT_TRUE(u.ok()) << username << ": " << u.error().message;
  if (!u.ok()) return {};
  for (const auto& g : grants) {
    auto s = fixtures().grant_role(kSystem, u->id, g);
    EXPECT_TRUE(s.ok()) << s.error().message;
  }
  HttpResponse r;
  auto s = login(username, password, "", &r);
  EXPECT_TRUE(s.has_value()) << username << ": login " << r.status << " " << r.body;
  if (!s) return {};
  enrol_totp(*s);
  s->grants = std::move(grants);
  s->unit_id = unit_id;
  return *s;
}

}  // namespace baove::api::testing
