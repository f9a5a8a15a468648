// The access policy over HTTP, generated from the policy itself: for every route that acts on a
// resource type (users, units, API keys, audit events), every role and every scope, a user holding
// exactly that one grant (in unit A under the root, TOTP enrolled) calls the route on fixture
// objects in its own unit, in a sibling unit and in a unit below its own. The answer must be 2xx
// exactly when auth::decide() allows that (principal, action, resource), and otherwise 404 when
// decide() says not_found and 403 when it says forbidden. List routes answer 200 and must list
// the object exactly when decide() allows listing it.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "api_test_env.hpp"
#include "auth/policy.hpp"

namespace baove::api::testing {
namespace {

using auth::Action;
using auth::ResourceType;

// How a route meets its resource.
enum class Shape {
  list,         // GET of a collection: always 200; the object is listed exactly when decide() allows
  create,       // POST to a collection: the object is made in (or under) the target unit
  object,       // acts on one object named by its id in the path
  unit_filter,  // the audit search restricted to the target unit (?unit=): 200 or 403
  caller_unit,  // decides on the caller's own unit whatever the target: 200 or 403
};

struct RouteCase {
  const char* method;
  const char* pattern;
  Action action;
  ResourceType type;
  Shape shape;
};

// THE TABLE: each route that acts on a resource type, with the (action, resource type) it asks the
// policy about. RouteTableCoversTheDocumentedRoutes checks it against openapi.json.
const RouteCase kRoutes[] = {
    {"GET", "/api/v1/units", Action::list, ResourceType::unit, Shape::list},
    {"POST", "/api/v1/units", Action::create, ResourceType::unit, Shape::create},
    {"GET", "/api/v1/users", Action::list, ResourceType::user, Shape::list},
    {"POST", "/api/v1/users", Action::create, ResourceType::user, Shape::create},
    {"GET", "/api/v1/users/{id}", Action::read, ResourceType::user, Shape::object},
    {"POST", "/api/v1/users/{id}/disable", Action::update, ResourceType::user, Shape::object},
    {"POST", "/api/v1/users/{id}/enable", Action::update, ResourceType::user, Shape::object},
    {"POST", "/api/v1/users/{id}/reset-password", Action::update, ResourceType::user, Shape::object},
    {"POST", "/api/v1/users/{id}/reset-totp", Action::update, ResourceType::user, Shape::object},
    {"POST", "/api/v1/users/{id}/grants", Action::update, ResourceType::user, Shape::object},
    {"DELETE", "/api/v1/users/{id}/grants", Action::update, ResourceType::user, Shape::object},
    {"GET", "/api/v1/api-keys", Action::list, ResourceType::api_key, Shape::list},
    {"POST", "/api/v1/api-keys", Action::create, ResourceType::api_key, Shape::create},
    {"DELETE", "/api/v1/api-keys/{id}", Action::remove, ResourceType::api_key, Shape::object},
    {"GET", "/api/v1/audit/events", Action::list, ResourceType::audit_event, Shape::unit_filter},
    {"GET", "/api/v1/audit/checkpoint", Action::read, ResourceType::audit_event, Shape::caller_unit},
};

// Paths under these prefixes act on a resource type and must all be in the table.
bool acts_on_resource(const std::string& path) {
  for (const char* p : {"/api/v1/users", "/api/v1/units", "/api/v1/api-keys", "/api/v1/audit"}) {
    if (path.rfind(p, 0) == 0) return true;
  }
  return false;
}

TEST(PolicyMatrixTable, RouteTableCoversTheDocumentedRoutes) {
  const json doc = json::parse(openapi_document(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : doc["paths"].items()) {
    if (!acts_on_resource(path)) continue;
    for (const auto& [method, op] : item.items()) {
      if (!op.is_object() || !op.contains("responses")) continue;
      std::string m = method;
      for (char& c : m) c = static_cast<char>(c - 'a' + 'A');
      documented.emplace(m, path);
      const RouteCase* row = nullptr;
      for (const auto& rc : kRoutes) {
        if (m == rc.method && path == rc.pattern) row = &rc;
      }
      ASSERT_NE(row, nullptr) << m << " " << path
                              << " acts on a resource but is not in the policy matrix table";
      // Where the document names the audited action and object type, they agree with the table.
      if (op.contains("x-baove-audit")) {
        std::istringstream words(op["x-baove-audit"].get<std::string>());
        std::string verb, type;
        words >> verb >> type;
        EXPECT_EQ(type, auth::to_string(row->type)) << m << " " << path;
        const std::map<std::string, Action> verbs = {{"read", Action::read},
                                                     {"search", Action::list},
                                                     {"create", Action::create},
                                                     {"update", Action::update},
                                                     {"delete", Action::remove}};
        ASSERT_TRUE(verbs.count(verb)) << verb;
        EXPECT_STREQ(auth::to_string(verbs.at(verb)), auth::to_string(row->action)) << m << " " << path;
      }
    }
  }
  for (const auto& rc : kRoutes) {
    EXPECT_TRUE(documented.count({rc.method, rc.pattern}))
        << rc.method << " " << rc.pattern << " is not documented";
  }
}

class PolicyMatrixTest : public ApiTest {};

struct Target {
  std::string name;  // "own unit", "sibling unit", "unit below"
  std::string unit;  // the target unit
  std::string user;  // a user of that unit (fresh per caller)
  std::string key;   // an API key of that unit (fresh per caller)
};

std::string describe(const auth::Decision& d) {
  if (d.allowed) return "allowed (" + d.reason + ")";
  return std::string(d.denial == auth::Decision::Denial::not_found ? "not_found" : "forbidden") + " (" +
         d.reason + ")";
}

TEST_P(PolicyMatrixTest, EveryRouteRoleAndScopeAnswersAsThePolicyDecides) {
  const std::string root = make_unit("Department of Children", "", auth::UnitKind::national_department);
  const std::string unit_a = make_unit("Unit A", root);
  const std::string unit_b = make_unit("Unit B (sibling)", root);
  const std::string unit_a1 = make_unit("Unit A1 (below A)", unit_a, auth::UnitKind::district_department);
  ASSERT_FALSE(HasFatalFailure());
  std::vector<std::string> below_a{unit_a, unit_a1};
  std::sort(below_a.begin(), below_a.end());
  {
    auto b = fixtures().units_below(unit_a);
    ASSERT_TRUE(b.ok());
    ASSERT_EQ(*b, below_a);
  }

  // The callers: one per (role, scope), each holding exactly that grant. Made once for the run.
  struct Caller {
    auth::Grant grant;
    Session session;
    auth::Principal principal;
  };
  std::vector<Caller> callers;
  for (auth::Role role : auth::kAllRoles) {
    for (auth::Scope scope : auth::kAllScopes) {
      Caller c;
      c.grant = {role, scope};
      std::string name = std::string("m-") + auth::to_string(role) + "-" + auth::to_string(scope);
      std::replace(name.begin(), name.end(), '_', '.');
      c.session = ready_user(name, unit_a, {c.grant});
      ASSERT_FALSE(HasFatalFailure()) << name;
      ASSERT_FALSE(c.session.token.empty()) << name;
      c.principal.kind = auth::Principal::Kind::user;
      c.principal.id = c.session.user_id;
      c.principal.unit = unit_a;
      c.principal.units_below = below_a;
      c.principal.grants = {c.grant};
      callers.push_back(std::move(c));
    }
  }
  ASSERT_EQ(callers.size(), 32u);
  ASSERT_TRUE(server().api().tick().ok());  // a signed checkpoint exists for the checkpoint route

  std::vector<std::string> mismatches;
  std::map<std::string, std::pair<int, int>> seen;  // route -> (allowed, denied) cases
  int serial = 0;

  for (const Caller& caller : callers) {
    const std::string who =
        std::string(auth::to_string(caller.grant.role)) + "/" + auth::to_string(caller.grant.scope);
    // Fresh fixture objects for this caller (changes by earlier callers must not matter).
    std::vector<Target> targets = {
        {"own unit", unit_a, "", ""}, {"sibling unit", unit_b, "", ""}, {"unit below", unit_a1, "", ""}};
    for (auto& t : targets) {
      auto u = fixtures().create_user(kSystem, "target" + std::to_string(++serial), t.unit,
                                      auth::random_password(), true);
      ASSERT_TRUE(u.ok()) << u.error().message;
      t.user = u->id;
      auto k = fixtures().create_api_key(kSystem, t.unit, "fixture " + std::to_string(serial),
                                         std::vector<std::string>{"match:read"}, 60);
      ASSERT_TRUE(k.ok()) << k.error().message;
      t.key = k->info.id;
    }

    auto check = [&](const RouteCase& rc, const std::string& target_name, const auth::Resource& resource,
                     const HttpResponse& r) {
      const auth::Decision d = auth::decide(caller.principal, rc.action, resource);
      auto& count = seen[std::string(rc.method) + " " + rc.pattern];
      (d.allowed ? count.first : count.second)++;
      int want_low = 200, want_high = 299;
      if (!d.allowed) {
        const bool hides = rc.shape == Shape::object || rc.shape == Shape::create;
        want_low = want_high = (hides && d.denial == auth::Decision::Denial::not_found) ? 404 : 403;
      }
      if (r.status < want_low || r.status > want_high) {
        mismatches.push_back(std::string(rc.method) + " " + rc.pattern + " as " + who + " on " + target_name +
                             ": policy " + describe(d) + ", got " + std::to_string(r.status) + " " +
                             r.body.substr(0, 160));
      }
    };
    auto check_listed = [&](const RouteCase& rc, const std::string& target_name,
                            const auth::Resource& resource, const HttpResponse& r, const std::string& id) {
      const auth::Decision d = auth::decide(caller.principal, rc.action, resource);
      auto& count = seen[std::string(rc.method) + " " + rc.pattern];
      (d.allowed ? count.first : count.second)++;
      const bool listed = r.status == 200 && r.body.find("\"" + id + "\"") != std::string::npos;
      if (r.status != 200 || listed != d.allowed) {
        mismatches.push_back(std::string(rc.method) + " " + rc.pattern + " as " + who + " on " + target_name +
                             ": policy " + describe(d) + ", got " + std::to_string(r.status) +
                             (listed ? " listed" : " not listed"));
      }
    };
    auto user_resource = [](const std::string& unit, const std::string& id) {
      return auth::Resource{ResourceType::user, unit, id, auth::Sensitivity::personal};
    };

    for (const RouteCase& rc : kRoutes) {
      const std::string pattern = rc.pattern;
      switch (rc.shape) {
        case Shape::list: {
          const HttpResponse r = call(rc.method, pattern, &caller.session);
          for (const auto& t : targets) {
            if (rc.type == ResourceType::unit) {
              check_listed(rc, t.name, {ResourceType::unit, t.unit, "", auth::Sensitivity::normal}, r,
                           t.unit);
            } else if (rc.type == ResourceType::user) {
              check_listed(rc, t.name, user_resource(t.unit, t.user), r, t.user);
            } else {
              check_listed(rc, t.name, {ResourceType::api_key, t.unit, "", auth::Sensitivity::normal}, r,
                           t.key);
            }
          }
          if (rc.type == ResourceType::user) {
            check_listed(rc, "self", user_resource(unit_a, caller.session.user_id), r,
                         caller.session.user_id);
          }
          break;
        }
        case Shape::create: {
          for (const auto& t : targets) {
            const std::string n = std::to_string(++serial);
            HttpResponse r;
            auth::Resource res{rc.type, t.unit, "", auth::Sensitivity::normal};
            if (rc.type == ResourceType::unit) {
              r = call_json("POST", pattern, caller.session,
                            {{"name", "made " + n}, {"kind", "district_department"}, {"parent_id", t.unit}});
            } else if (rc.type == ResourceType::user) {
              res.sensitivity = auth::Sensitivity::personal;
              r = call_json("POST", pattern, caller.session,
                            {{"username", "made" + n}, {"unit_id", t.unit}, {"grants", json::array()}});
            } else {
              r = call_json("POST", pattern, caller.session,
                            {{"unit_id", t.unit},
                             {"name", "made " + n},
                             {"scopes", json::array({"match:read"})},
                             {"rate_limit_per_minute", 60}});
            }
            check(rc, t.name, res, r);
          }
          break;
        }
        case Shape::object: {
          for (const auto& t : targets) {
            std::string path = pattern;
            const std::string& id = rc.type == ResourceType::api_key ? t.key : t.user;
            path.replace(path.find("{id}"), 4, id);
            HttpResponse r;
            if (pattern == "/api/v1/users/{id}/grants" && std::string(rc.method) == "POST") {
              r = call_json("POST", path, caller.session, {{"role", "counsellor"}, {"scope", "own"}});
            } else if (pattern == "/api/v1/users/{id}/grants") {
              r = call("DELETE", path + "?role=counsellor&scope=own", &caller.session);
            } else {
              r = call(rc.method, path, &caller.session);
            }
            const auth::Resource res =
                rc.type == ResourceType::api_key
                    ? auth::Resource{ResourceType::api_key, t.unit, "", auth::Sensitivity::normal}
                    : user_resource(t.unit, t.user);
            check(rc, t.name, res, r);
          }
          if (pattern == "/api/v1/users/{id}") {
            // The caller's own record: where the scope "own" applies.
            const HttpResponse r = call("GET", "/api/v1/users/" + caller.session.user_id, &caller.session);
            check(rc, "self", user_resource(unit_a, caller.session.user_id), r);
          }
          break;
        }
        case Shape::unit_filter: {
          for (const auto& t : targets) {
            const HttpResponse r =
                call("GET", pattern + "?limit=1&unit=" + url_encode(t.unit), &caller.session);
            check(rc, t.name, {ResourceType::audit_event, t.unit, "", auth::Sensitivity::restricted}, r);
          }
          break;
        }
        case Shape::caller_unit: {
          const HttpResponse r = call(rc.method, pattern, &caller.session);
          check(rc, "own unit", {ResourceType::audit_event, unit_a, "", auth::Sensitivity::restricted}, r);
          break;
        }
      }
    }
    // The caller's own session must have survived its requests.
    const HttpResponse alive = call("GET", "/api/v1/session", &caller.session);
    ASSERT_EQ(alive.status, 200) << who << ": " << alive.body;
  }

  // Every route met both answers (the matrix is not vacuous).
  for (const RouteCase& rc : kRoutes) {
    const auto& count = seen[std::string(rc.method) + " " + rc.pattern];
    EXPECT_GT(count.first, 0) << rc.method << " " << rc.pattern << ": never allowed";
    EXPECT_GT(count.second, 0) << rc.method << " " << rc.pattern << ": never denied";
  }
  std::string listing;
  for (std::size_t i = 0; i < mismatches.size() && i < 40; ++i) listing += "\n  " + mismatches[i];
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " answers differ from the policy:" << listing;

  // Every allowed or denied call above was recorded; the log still proves.
  auto report = audit::verify(server().db(), server().platform().audit_log().public_key());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->ok()) << (report->first() ? report->first()->detail : "");
}

INSTANTIATE_TEST_SUITE_P(Engines, PolicyMatrixTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);

}  // namespace
}  // namespace baove::api::testing
