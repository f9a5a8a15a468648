// Administration over the API (units, users, grants, API keys) and refusal of bad input.
#include <algorithm>
#include <set>

#include "api_test_env.hpp"

namespace baove::api::testing {
namespace {

class AdminTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    root_ = make_unit("Department of Children", "", auth::UnitKind::national_department);
    chief_ = ready_user("chief", root_, {{auth::Role::administrator, auth::Scope::all}});
  }

  json user_json(const std::string& id) {
    const HttpResponse r = call("GET", "/api/v1/users/" + id, &chief_);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }
  static bool has_grant(const json& user, const std::string& role, const std::string& scope) {
    for (const auto& g : user.value("grants", json::array())) {
      if (g.value("role", "") == role && g.value("scope", "") == scope) return true;
    }
    return false;
  }

  std::string root_;
  Session chief_;
};

TEST_P(AdminTest, UnitsUsersDisableResetPasswordAndGrants) {
  // A unit under the root.
  HttpResponse r =
      call_json("POST", "/api/v1/units", chief_,
                {{"name", "Ha Noi Department"}, {"kind", "provincial_department"}, {"parent_id", root_}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string unit_a = body_of(r).value("id", "");
  EXPECT_EQ(body_of(r).value("parent_id", ""), root_);
  EXPECT_EQ(body_of(r).value("kind", ""), "provincial_department");
  r = call("GET", "/api/v1/units", &chief_);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(unit_a), std::string::npos);

  // A user: the one-time password comes back once, in the creation answer only.
  r = call_json("POST", "/api/v1/users", chief_,
                {{"username", "lan"},
                 {"unit_id", unit_a},
                 {"grants", json::array({{{"role", "counsellor"}, {"scope", "own"}}})}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json created = body_of(r);
  const std::string lan_id = created["user"].value("id", "");
  const std::string lan_password = created.value("one_time_password", "");
  ASSERT_FALSE(lan_id.empty());
  ASSERT_GE(lan_password.size(), 12u);
  EXPECT_EQ(created["user"].value("must_change_password", false), true);
  EXPECT_TRUE(has_grant(created["user"], "counsellor", "own")) << r.body;
  r = call("GET", "/api/v1/users/" + lan_id, &chief_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find(lan_password), std::string::npos);
  EXPECT_EQ(r.body.find("one_time_password"), std::string::npos);
  r = call("GET", "/api/v1/users", &chief_);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(lan_id), std::string::npos);
  EXPECT_EQ(r.body.find(lan_password), std::string::npos);
  // The same name again is a conflict.
  r = call_json("POST", "/api/v1/users", chief_,
                {{"username", "lan"}, {"unit_id", unit_a}, {"grants", json::array()}});
  EXPECT_EQ(r.status, 409) << r.body;

  // Disabling ends the user's existing session at once.
  auto lan = login("lan", lan_password, "", &r);
  ASSERT_TRUE(lan.has_value()) << r.body;
  r = call("GET", "/api/v1/session", &*lan);
  ASSERT_EQ(r.status, 200) << r.body;
  r = call("POST", "/api/v1/users/" + lan_id + "/disable", &chief_);
  ASSERT_EQ(r.status, 204) << r.body;
  r = call("GET", "/api/v1/session", &*lan);
  EXPECT_EQ(r.status, 401) << "a disabled user's session must end at once: " << r.body;
  r = call("GET", "/api/v1/whoami", &*lan);
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(user_json(lan_id).value("disabled", false), true);
  HttpResponse refused;
  EXPECT_FALSE(login("lan", lan_password, "", &refused));
  EXPECT_EQ(refused.status, 401) << refused.body;
  // An administrator cannot disable themself.
  r = call("POST", "/api/v1/users/" + chief_.user_id + "/disable", &chief_);
  EXPECT_EQ(r.status, 409) << r.body;

  // Enable, then reset the password: a new one-time password, the old one stops working.
  r = call("POST", "/api/v1/users/" + lan_id + "/enable", &chief_);
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(user_json(lan_id).value("disabled", true), false);
  r = call("POST", "/api/v1/users/" + lan_id + "/reset-password", &chief_);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string reset_password = body_of(r).value("one_time_password", "");
  ASSERT_GE(reset_password.size(), 12u);
  EXPECT_NE(reset_password, lan_password);
  EXPECT_FALSE(login("lan", lan_password, "", &r));
  EXPECT_EQ(r.status, 401);
  auto again = login("lan", reset_password, "", &r);
  ASSERT_TRUE(again.has_value()) << r.body;
  EXPECT_EQ(body_of(r).value("must_change_password", false), true);

  // Grants: add, then revoke.
  r = call_json("POST", "/api/v1/users/" + lan_id + "/grants", chief_,
                {{"role", "supervisor"}, {"scope", "unit"}});
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(has_grant(user_json(lan_id), "supervisor", "unit"));
  r = call("DELETE", "/api/v1/users/" + lan_id + "/grants?role=supervisor&scope=unit", &chief_);
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_FALSE(has_grant(user_json(lan_id), "supervisor", "unit"));
  EXPECT_TRUE(has_grant(user_json(lan_id), "counsellor", "own"));
  r = call_json("POST", "/api/v1/users/" + lan_id + "/grants", chief_, {{"role", "pope"}, {"scope", "unit"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"role"});
  r = call("DELETE", "/api/v1/users/" + lan_id + "/grants?role=supervisor&scope=everywhere", &chief_);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"scope"});
  // Unknown users answer 404.
  r = call("POST", "/api/v1/users/user-does-not-exist/disable", &chief_);
  EXPECT_EQ(r.status, 404) << r.body;
  r = call("GET", "/api/v1/users/user-does-not-exist", &chief_);
  EXPECT_EQ(r.status, 404) << r.body;
}

TEST_P(AdminTest, AnAdministratorOfOneUnitCannotGrantScopeAll) {
  const std::string unit_a = make_unit("Unit A", root_);
  const std::string unit_b = make_unit("Unit B", root_);
  Session hoa = ready_user("hoa", unit_a, {{auth::Role::administrator, auth::Scope::unit}});
  ASSERT_FALSE(HasFatalFailure());
  auto staff = fixtures().create_user(kSystem, "staff-a", unit_a, auth::random_password(), true);
  ASSERT_TRUE(staff.ok());
  auto other = fixtures().create_user(kSystem, "staff-b", unit_b, auth::random_password(), true);
  ASSERT_TRUE(other.ok());

  HttpResponse r = call_json("POST", "/api/v1/users/" + staff->id + "/grants", hoa,
                             {{"role", "counsellor"}, {"scope", "all"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(error_code(r), "forbidden");
  r = call_json("POST", "/api/v1/users/" + staff->id + "/grants", hoa,
                {{"role", "administrator"}, {"scope", "unit_and_below"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_TRUE(fixtures().get_user(staff->id)->grants.empty()) << "a refused grant must not be stored";
  r = call_json("POST", "/api/v1/users", hoa,
                {{"username", "minh"},
                 {"unit_id", unit_a},
                 {"grants", json::array({{{"role", "administrator"}, {"scope", "all"}}})}});
  EXPECT_EQ(r.status, 403) << r.body;
  auto users = fixtures().list_users();
  ASSERT_TRUE(users.ok());
  EXPECT_TRUE(
      std::none_of(users->begin(), users->end(), [](const auth::User& u) { return u.username == "minh"; }));
  // Within its own scope it may.
  r = call_json("POST", "/api/v1/users/" + staff->id + "/grants", hoa,
                {{"role", "counsellor"}, {"scope", "unit"}});
  EXPECT_EQ(r.status, 204) << r.body;
  // And a user of another unit is not even visible to it.
  r = call("GET", "/api/v1/users/" + other->id, &hoa);
  EXPECT_EQ(r.status, 404) << r.body;
  r = call_json("POST", "/api/v1/users/" + other->id + "/grants", hoa,
                {{"role", "counsellor"}, {"scope", "unit"}});
  EXPECT_EQ(r.status, 404) << r.body;
}

TEST_P(AdminTest, ApiKeysAuthenticateAreRateLimitedAndRevoked) {
  const std::string unit_a = make_unit("Platform Co", root_, auth::UnitKind::platform);
  HttpResponse r = call_json("POST", "/api/v1/api-keys", chief_,
                             {{"unit_id", unit_a},
                              {"name", "upload scanner"},
                              {"scopes", json::array({"match:read"})},
                              {"rate_limit_per_minute", 3}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string secret = body_of(r).value("secret", "");
  const std::string key_id = body_of(r)["key"].value("id", "");
  ASSERT_FALSE(secret.empty());
  ASSERT_FALSE(key_id.empty());
  r = call("GET", "/api/v1/api-keys", &chief_);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(key_id), std::string::npos);
  EXPECT_EQ(r.body.find(secret), std::string::npos) << "the secret is shown once";

  const std::vector<std::string> bearer{"Authorization: Bearer " + secret};
  r = call("GET", "/api/v1/whoami", nullptr, {}, bearer);
  ASSERT_EQ(r.status, 200) << r.body;
  const json who = body_of(r);
  EXPECT_EQ(who.value("kind", ""), "api_client");
  EXPECT_EQ(who.value("id", ""), key_id);
  EXPECT_EQ(who.value("unit_id", ""), unit_a);
  EXPECT_EQ(who["scopes"], json::array({"match:read"}));
  // A wrong secret is 401.
  std::string wrong = secret;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  r = call("GET", "/api/v1/whoami", nullptr, {}, {"Authorization: Bearer " + wrong});
  EXPECT_EQ(r.status, 401) << r.body;

  // Three a minute: two more pass, the next is 429 with Retry-After.
  int passed = 1;
  for (int i = 0; i < 5; ++i) {
    r = call("GET", "/api/v1/whoami", nullptr, {}, bearer);
    if (r.status != 200) break;
    ++passed;
  }
  EXPECT_EQ(passed, 3);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(error_code(r), "too_many_requests");
  const std::string retry = r.header("retry-after");
  ASSERT_FALSE(retry.empty());
  EXPECT_EQ(retry.find_first_not_of("0123456789"), std::string::npos) << retry;
  EXPECT_GE(std::stoi(retry), 1);
  EXPECT_LE(std::stoi(retry), 60);

  // Revoked: 401 at once.
  r = call("DELETE", "/api/v1/api-keys/" + key_id, &chief_);
  ASSERT_EQ(r.status, 204) << r.body;
  r = call("GET", "/api/v1/whoami", nullptr, {}, bearer);
  EXPECT_EQ(r.status, 401) << r.body;
  r = call("GET", "/api/v1/api-keys", &chief_);
  for (const auto& k : body_of(r).value("keys", json::array())) {
    if (k.value("id", "") == key_id) {
      EXPECT_EQ(k.value("revoked", false), true);
    }
  }
  r = call("DELETE", "/api/v1/api-keys/" + key_id, &chief_);
  EXPECT_EQ(r.status, 404) << "revoking twice: " << r.body;
}

// No way around the rule that an administrator hands out nothing wider than its own grant.
TEST_P(AdminTest, ApiKeysCannotCarryAdministrationOrAuditScopes) {
  const std::string unit_a = make_unit("Platform Co", root_, auth::UnitKind::platform);
  for (const char* scope : {"audit_event:read", "user:write", "unit:read", "api_key:write"}) {
    HttpResponse r = call_json("POST", "/api/v1/api-keys", chief_,
                               {{"unit_id", unit_a},
                                {"name", "too powerful"},
                                {"scopes", json::array({"match:read", scope})},
                                {"rate_limit_per_minute", 60}});
    EXPECT_EQ(r.status, 400) << scope << ": " << r.body;
    EXPECT_EQ(body_of(r)["error"]["fields"], json::array({"scopes"})) << scope;
  }
  HttpResponse list = call("GET", "/api/v1/api-keys", &chief_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find("too powerful"), std::string::npos) << "no key was created";
}

TEST_P(AdminTest, AnAdministratorOfOneUnitCannotTakeOverAWiderAdministratorOfItsUnit) {
  const std::string unit_a = make_unit("Unit A", root_);
  const std::string unit_b = make_unit("Unit B", root_);
  Session boss = ready_user("boss", unit_a, {{auth::Role::administrator, auth::Scope::all}});
  Session hoa = ready_user("hoa", unit_a, {{auth::Role::administrator, auth::Scope::unit}});
  ASSERT_FALSE(HasFatalFailure());
  auto elsewhere = fixtures().create_user(kSystem, "elsewhere", unit_b, auth::random_password(), true);
  ASSERT_TRUE(elsewhere.ok());
  HttpResponse r = call("GET", "/api/v1/users/" + elsewhere->id, &hoa);
  ASSERT_EQ(r.status, 404) << "precondition: hoa cannot see unit B";

  const HttpResponse totp_reset = call("POST", "/api/v1/users/" + boss.user_id + "/reset-totp", &hoa);
  EXPECT_EQ(totp_reset.status, 403) << "an administrator with scope unit must not reset the second factor of "
                                       "an administrator with scope all";
  const HttpResponse pw_reset = call("POST", "/api/v1/users/" + boss.user_id + "/reset-password", &hoa);
  EXPECT_EQ(pw_reset.status, 403)
      << "an administrator with scope unit must not reset the password of an administrator with scope all";
  if (pw_reset.status == 200 && totp_reset.status == 204) {
    // Show what the refusal prevents: hoa logs in as boss and reaches beyond its own unit.
    const std::string otp = body_of(pw_reset).value("one_time_password", "");
    auto taken = login("boss", otp, "", &r);
    ASSERT_TRUE(taken.has_value()) << r.body;
    const std::string chosen = "hoa chose this password";
    r = call_json("POST", "/api/v1/session/password", *taken,
                  {{"old_password", otp}, {"new_password", chosen}});
    ASSERT_EQ(r.status, 204) << r.body;
    enrol_totp(*taken);
    r = call("GET", "/api/v1/users/" + elsewhere->id, &*taken);
    EXPECT_NE(r.status, 200)
        << "escalation: an administrator with scope unit took over an administrator with "
           "scope all of its unit and read a user of another unit";
  }
}

// A key reaches resources of its own unit only (docs/AUTH.md), the audit log included.
TEST_P(AdminTest, AnApiKeyReadsOnlyTheAuditEventsOfItsOwnUnit) {
  const std::string unit_a = make_unit("Unit A", root_, auth::UnitKind::isp);
  const std::string unit_b = make_unit("Unit B", root_);
  Session bee = ready_user("bee", unit_b, {{auth::Role::counsellor, auth::Scope::own}});
  ASSERT_FALSE(HasFatalFailure());
  auto key = fixtures().create_api_key(kSystem, unit_a, "log shipper",
                                       std::vector<std::string>{"audit_event:read"}, 600);
  ASSERT_TRUE(key.ok()) << key.error().message;
  const std::vector<std::string> bearer{"Authorization: Bearer " + key->key};
  HttpResponse r = call("GET", "/api/v1/audit/events?unit=" + url_encode(unit_b), nullptr, {}, bearer);
  EXPECT_EQ(r.status, 403) << "another unit's events, asked for by name: " << r.body.substr(0, 200);
  r = call("GET", "/api/v1/audit/events?limit=1000", nullptr, {}, bearer);
  if (r.status == 200) {
    std::set<std::string> units;
    for (const auto& e : body_of(r).value("events", json::array())) units.insert(e.value("unit", ""));
    EXPECT_EQ(units.count(unit_b), 0u)
        << "a key of unit A read the audit events of unit B (e.g. bee's login)";
    EXPECT_EQ(units.count(root_), 0u) << "a key of unit A read the audit events of the root unit";
  } else {
    EXPECT_EQ(r.status, 403) << r.body;
  }
}

class BadInputTest : public AdminTest {};

TEST_P(BadInputTest, MalformedJsonUnknownFieldsAndWrongTypesAre400NamingTheFields) {
  // Malformed JSON.
  HttpResponse r = call("POST", "/api/v1/units", &chief_, "{\"name\": \"x\", ");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_code(r), "bad_request");
  r = call("POST", "/api/v1/units", &chief_, "[1, 2]");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_code(r), "bad_request");
  r = call("POST", "/api/v1/session", nullptr, "\xff\xfe{");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_code(r), "bad_request");

  // Unknown fields, named.
  r = call_json("POST", "/api/v1/units", chief_,
                {{"name", "X"}, {"kind", "ngo"}, {"parent_id", root_}, {"colour", "red"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_code(r), "validation_failed");
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"colour"});
  r = call_json("POST", "/api/v1/session", chief_,
                {{"username", "chief"}, {"password", "x"}, {"remember_me", true}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"remember_me"});

  // Wrong types, each named.
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  r = call_json("POST", "/api/v1/api-keys", chief_,
                {{"unit_id", 5}, {"name", true}, {"scopes", "match:read"}, {"rate_limit_per_minute", "60"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_code(r), "validation_failed");
  EXPECT_EQ(sorted(error_fields(r)),
            (std::vector<std::string>{"name", "rate_limit_per_minute", "scopes", "unit_id"}));
  r = call_json("POST", "/api/v1/users", chief_,
                {{"username", 7}, {"unit_id", json::array()}, {"grants", json::object()}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(sorted(error_fields(r)), (std::vector<std::string>{"grants", "unit_id", "username"}));
  r = call_json("POST", "/api/v1/units", chief_, {{"name", 1.5}, {"kind", "castle"}, {"parent_id", nullptr}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(sorted(error_fields(r)), (std::vector<std::string>{"kind", "name", "parent_id"}));
  r = call("POST", "/api/v1/session", nullptr, json{{"username", 1}, {"password", false}}.dump());
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(sorted(error_fields(r)), (std::vector<std::string>{"password", "username"}));
  r = call_json("POST", "/api/v1/users/" + chief_.user_id + "/grants", chief_,
                {{"role", 3}, {"scope", "all"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"role"}) << "each field named once";

  // None of it changed anything.
  r = call("GET", "/api/v1/units", &chief_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r)["units"].size(), 1u) << r.body;
  auto keys = fixtures().list_api_keys();
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
}

TEST_P(BadInputTest, OversizedBodiesAre413) {
  const std::string big_name(20 * 1024, 'x');
  HttpResponse r =
      call_json("POST", "/api/v1/units", chief_, {{"name", big_name}, {"kind", "ngo"}, {"parent_id", root_}});
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  EXPECT_EQ(error_code(r), "payload_too_large");
  r = call("POST", "/api/v1/session", nullptr,
           json{{"username", "chief"}, {"password", std::string(9000, 'p')}}.dump());
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  // The default limit covers routes without their own.
  // (Announced only: the server answers as soon as it has read the header.)
  std::string head = "POST /api/v1/users/" + chief_.user_id + "/reset-totp HTTP/1.1\r\nHost: x\r\n";
  for (const auto& h : chief_.headers()) head += h + "\r\n";
  head += "Content-Length: 2097152\r\n\r\n";
  const std::string out = client_->raw(head, 5000);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u)
      << "a body announced over the server's default limit (1 MiB): " << out.substr(0, 200);
  // The server is still fine afterwards.
  r = call("GET", "/api/v1/units", &chief_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r)["units"].size(), 1u) << r.body;
}

TEST_P(BadInputTest, UnknownOrBadQueryParametersOnAuditEventsAre400NamingThem) {
  Session officer = ready_user("officer", root_, {{auth::Role::security_officer, auth::Scope::all}});
  ASSERT_FALSE(HasFatalFailure());
  HttpResponse r = call("GET", "/api/v1/audit/events?colour=red", &officer);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_code(r), "validation_failed");
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"colour"});
  r = call("GET", "/api/v1/audit/events?actor=x&sort=asc&limit=5", &officer);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"sort"});
  r = call("GET", "/api/v1/audit/events?since=yesterday", &officer);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"since"});
  r = call("GET", "/api/v1/audit/events?limit=0", &officer);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"limit"});
  r = call("GET", "/api/v1/audit/events?action=peek&outcome=maybe", &officer);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_fields(r), (std::vector<std::string>{"action", "outcome"}));
  r = call("GET", "/api/v1/audit/events?limit=5&order=oldest", &officer);
  EXPECT_EQ(r.status, 200) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Engines, AdminTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);
INSTANTIATE_TEST_SUITE_P(Engines, BadInputTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);

}  // namespace
}  // namespace baove::api::testing
