// Login over the API: the first administrator from the bootstrap, setup-only sessions, password
// change, TOTP enrolment, two-factor login, identical failures, throttling, cookies, CSRF and
// logout.
#include <algorithm>

#include "api_test_env.hpp"
#include "auth/totp.hpp"

namespace baove::api::testing {
namespace {

class SessionTest : public ApiTest {};

// A six-digit code that none of the steps around now accepts.
std::string wrong_code(const std::vector<std::uint8_t>& secret) {
  const std::int64_t now = unix_now();
  for (int candidate = 0; candidate < 1000000; candidate += 7919) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06d", candidate);
    bool valid = false;
    for (int d = -3; d <= 3; ++d) valid = valid || totp_code(secret, now + d * 30) == buf;
    if (!valid) return buf;
  }
  return "000000";
}

TEST_P(SessionTest, FirstAdministratorLogsInChangesPasswordEnrolsTotpAndThenNeedsTheCode) {
  auto boot = server().platform().bootstrap();
  ASSERT_TRUE(boot.ok()) << boot.error().message;
  ASSERT_TRUE(boot->has_value());
  const std::string username = (*boot)->username;
  const std::string one_time = (*boot)->one_time_password;

  // 1. The one-time password opens a setup-only session.
  HttpResponse r;
  auto s = login(username, one_time, "", &r);
  ASSERT_TRUE(s.has_value()) << r.status << " " << r.body;
  {
    const json j = body_of(r);
    EXPECT_EQ(j.value("must_change_password", false), true) << r.body;
    EXPECT_EQ(j.value("must_enrol_totp", false), true) << r.body;
    EXPECT_EQ(s->csrf.size(), 64u);
    EXPECT_EQ(s->token.size(), 64u);
    // Cookie attributes.
    const std::string cookie = r.header("set-cookie");
    EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP without secure_cookies: " << cookie;
    // The token is not in the body.
    EXPECT_EQ(r.body.find(s->token), std::string::npos);
  }
  r = call("GET", "/api/v1/users", &*s);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(error_code(r), "forbidden");
  r = call("GET", "/api/v1/session", &*s);
  EXPECT_EQ(r.status, 200) << r.body;

  // TOTP enrolment alone does not lift the restriction while the password must change (and the
  // other way round): do the password first.
  const std::string new_password = "correct horse battery staple";
  // Setup-only sessions need the CSRF token too.
  r = call("POST", "/api/v1/session/password", nullptr,
           json{{"old_password", one_time}, {"new_password", new_password}}.dump(), s->headers(false));
  EXPECT_EQ(r.status, 403) << r.body;
  r = call_json("POST", "/api/v1/session/password", *s,
                {{"old_password", "not the password"}, {"new_password", new_password}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"old_password"});
  r = call_json("POST", "/api/v1/session/password", *s,
                {{"old_password", one_time}, {"new_password", "short"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"new_password"});
  r = call_json("POST", "/api/v1/session/password", *s,
                {{"old_password", one_time}, {"new_password", new_password}});
  ASSERT_EQ(r.status, 204) << r.body;
  r = call("GET", "/api/v1/users", &*s);
  EXPECT_EQ(r.status, 403) << "TOTP not enrolled yet: " << r.body;

  enrol_totp(*s);
  ASSERT_FALSE(HasFatalFailure());
  r = call("GET", "/api/v1/users", &*s);
  EXPECT_EQ(r.status, 200) << r.body;
  r = call("GET", "/api/v1/session", &*s);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r).value("must_change_password", true), false) << r.body;
  EXPECT_EQ(body_of(r).value("must_enrol_totp", true), false) << r.body;
  // A second enrolment is refused: a stolen session cannot swap the second factor.
  r = call("POST", "/api/v1/session/totp", &*s);
  EXPECT_EQ(r.status, 409) << r.body;

  // 2. From now on login needs the code; every wrong part gives the same 401.
  HttpResponse old_pw, wrong_pw, no_code, bad_code, unknown;
  EXPECT_FALSE(login(username, one_time, totp_code(s->totp_secret, unix_now() + 30), &old_pw));
  EXPECT_FALSE(login(username, "wrong password 123", totp_code(s->totp_secret, unix_now() + 30), &wrong_pw));
  EXPECT_FALSE(login(username, new_password, "", &no_code));
  EXPECT_FALSE(login(username, new_password, wrong_code(s->totp_secret), &bad_code));
  EXPECT_FALSE(login("nobody-at-all", new_password, "123456", &unknown));
  for (const HttpResponse* f : {&old_pw, &wrong_pw, &no_code, &bad_code, &unknown}) {
    EXPECT_EQ(f->status, 401) << f->body;
    EXPECT_EQ(f->body, wrong_pw.body) << "failures must not say which part was wrong";
    EXPECT_TRUE(f->header("set-cookie").empty());
  }
  EXPECT_EQ(error_code(wrong_pw), "unauthenticated");

  // The code of the next step (the enrolment used the current one).
  const std::string next_code = totp_code(s->totp_secret, unix_now() + 30);
  auto full = login(username, new_password, next_code, &r);
  ASSERT_TRUE(full.has_value()) << r.status << " " << r.body;
  EXPECT_EQ(body_of(r).value("must_enrol_totp", true), false);
  EXPECT_NE(full->token, s->token);
  r = call("GET", "/api/v1/users", &*full);
  EXPECT_EQ(r.status, 200) << r.body;
  // The same code again is a replay.
  EXPECT_FALSE(login(username, new_password, next_code, &r));
  EXPECT_EQ(r.status, 401);

  // 3. Logout ends the session at once; the other session lives on.
  r = call("DELETE", "/api/v1/session", &*full);
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_NE(r.header("set-cookie").find("Max-Age=0"), std::string::npos) << r.header("set-cookie");
  r = call("GET", "/api/v1/session", &*full);
  EXPECT_EQ(r.status, 401) << r.body;
  r = call("GET", "/api/v1/users", &*full);
  EXPECT_EQ(r.status, 401) << r.body;
  r = call("GET", "/api/v1/session", &*s);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_P(SessionTest, RepeatedFailuresAreThrottledWith429EvenForTheRightPassword) {
  const std::string root = make_unit("Root", "", auth::UnitKind::national_department);
  Session u = ready_user("thu", root, {{auth::Role::counsellor, auth::Scope::own}});
  ASSERT_FALSE(HasFatalFailure());
  HttpResponse r;
  int failures = 0;
  bool throttled = false;
  for (int i = 0; i < 12 && !throttled; ++i) {
    login(u.username, "not the password 1", "123456", &r);
    if (r.status == 429) {
      throttled = true;
    } else {
      EXPECT_EQ(r.status, 401) << r.body;
      ++failures;
    }
  }
  ASSERT_TRUE(throttled) << "no 429 after " << failures << " failures";
  EXPECT_GE(failures, 3) << "throttled too early";
  EXPECT_EQ(error_code(r), "too_many_requests");
  EXPECT_FALSE(r.header("retry-after").empty());
  // Even the right password and code are turned away while throttled.
  login(u.username, u.password, totp_code(u.totp_secret, unix_now() + 30), &r);
  EXPECT_EQ(r.status, 429) << r.body;
  // Another account from the same address is not locked out by this one.
  Session other = ready_user("hai", root, {{auth::Role::counsellor, auth::Scope::own}});
  EXPECT_FALSE(other.token.empty());
}

TEST_P(SessionTest, UnsafeRequestsNeedTheCsrfTokenAndChangeNothingWithoutIt) {
  const std::string root = make_unit("Root", "", auth::UnitKind::national_department);
  Session admin = ready_user("chief", root, {{auth::Role::administrator, auth::Scope::all}});
  ASSERT_FALSE(HasFatalFailure());
  const std::string body =
      json{{"name", "Province X"}, {"kind", "provincial_department"}, {"parent_id", root}}.dump();
  auto cookie_only = admin.headers(/*with_csrf=*/false);
  HttpResponse r = call("POST", "/api/v1/units", nullptr, body, cookie_only);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(error_code(r), "forbidden");
  auto wrong = cookie_only;
  std::string bad = admin.csrf;
  bad[0] = bad[0] == 'a' ? 'b' : 'a';
  wrong.push_back("X-CSRF-Token: " + bad);
  r = call("POST", "/api/v1/units", nullptr, body, wrong);
  EXPECT_EQ(r.status, 403) << r.body;
  // Another session's token does not do either.
  Session other = ready_user("deputy", root, {{auth::Role::administrator, auth::Scope::all}});
  auto crossed = cookie_only;
  crossed.push_back("X-CSRF-Token: " + other.csrf);
  r = call("POST", "/api/v1/units", nullptr, body, crossed);
  EXPECT_EQ(r.status, 403) << r.body;
  // Logout is unsafe too.
  r = call("DELETE", "/api/v1/session", nullptr, {}, cookie_only);
  EXPECT_EQ(r.status, 403) << r.body;

  // Nothing changed: no unit was made and the session lives.
  r = call("GET", "/api/v1/units", &admin);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("Province X"), std::string::npos) << r.body;
  r = call("GET", "/api/v1/session", nullptr, {}, cookie_only);
  EXPECT_EQ(r.status, 200) << "safe requests need no token: " << r.body;
  // With the token the same request works.
  r = call("POST", "/api/v1/units", &admin, body);
  EXPECT_EQ(r.status, 201) << r.body;
}

// The console's files are kept by browsers and revalidated: the same build answers 304.
TEST_P(SessionTest, ConsoleFilesAreRevalidatedNotDownloadedAgain) {
  auto first = call("GET", "/console/app.js");
  ASSERT_EQ(first.status, 200);
  EXPECT_FALSE(first.body.empty());
  const std::string etag = first.header("etag");
  ASSERT_EQ(etag.size(), 18u) << etag;
  EXPECT_EQ(first.header("cache-control"), "no-cache");
  auto again = call("GET", "/console/app.js", nullptr, {}, {"If-None-Match: " + etag});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("etag"), etag);
  // Another file, or a changed one, is sent whole.
  auto other = call("GET", "/console/i18n.js", nullptr, {}, {"If-None-Match: " + etag});
  EXPECT_EQ(other.status, 200);
  EXPECT_NE(other.header("etag"), etag);
  auto stale = call("GET", "/console/app.js", nullptr, {}, {"If-None-Match: \"0000000000000000\""});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, first.body);
  // The connection goes on after a 304.
  EXPECT_EQ(call("GET", "/console/").status, 200);
}

TEST_P(SessionTest, RequestsWithoutCredentialsAre401) {
  for (const char* target : {"/api/v1/users", "/api/v1/units", "/api/v1/api-keys", "/api/v1/session",
                             "/api/v1/whoami", "/api/v1/audit/events"}) {
    HttpResponse r = call("GET", target);
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(error_code(r), "unauthenticated") << target;
    r = call("GET", target, nullptr, {}, {"Cookie: baove_session=" + std::string(64, 'a')});
    EXPECT_EQ(r.status, 401) << target;
    r = call("GET", target, nullptr, {}, {"Authorization: Bearer bk_nope_nope"});
    EXPECT_EQ(r.status, 401) << target;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, SessionTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);

}  // namespace
}  // namespace baove::api::testing
