#include "auth/policy.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

namespace baove::auth {
namespace {

// Where a resource lies relative to the principal (unit U, with child unit C under it).
enum class Relation { own, unit, child_unit, other_unit };
constexpr Relation kAllRelations[] = {Relation::own, Relation::unit, Relation::child_unit,
                                      Relation::other_unit};
const char* name(Relation r) {
  switch (r) {
    case Relation::own:
      return "own";
    case Relation::unit:
      return "unit";
    case Relation::child_unit:
      return "child_unit";
    case Relation::other_unit:
      return "other_unit";
  }
  return "?";
}

// The scope semantics, written out as the truth table of docs/AUTH.md.
bool covers(Scope s, Relation r) {
  static const std::map<std::pair<Scope, Relation>, bool> table = {
      {{Scope::own, Relation::own}, true},
      {{Scope::own, Relation::unit}, false},
      {{Scope::own, Relation::child_unit}, false},
      {{Scope::own, Relation::other_unit}, false},
      {{Scope::unit, Relation::own}, true},
      {{Scope::unit, Relation::unit}, true},
      {{Scope::unit, Relation::child_unit}, false},
      {{Scope::unit, Relation::other_unit}, false},
      {{Scope::unit_and_below, Relation::own}, true},
      {{Scope::unit_and_below, Relation::unit}, true},
      {{Scope::unit_and_below, Relation::child_unit}, true},
      {{Scope::unit_and_below, Relation::other_unit}, false},
      {{Scope::all, Relation::own}, true},
      {{Scope::all, Relation::unit}, true},
      {{Scope::all, Relation::child_unit}, true},
      {{Scope::all, Relation::other_unit}, true},
  };
  return table.at({s, r});
}

Principal staff(Grant g) {
  Principal p;
  p.id = "user-me";
  p.unit = "unit-u";
  p.units_below = {"unit-c", "unit-u"};
  p.grants = {g};
  return p;
}

Resource resource(ResourceType type, Relation r) {
  switch (r) {
    case Relation::own:
      return {type, "unit-u", "user-me", Sensitivity::normal};
    case Relation::unit:
      return {type, "unit-u", "user-other", Sensitivity::normal};
    case Relation::child_unit:
      return {type, "unit-c", "user-other", Sensitivity::normal};
    case Relation::other_unit:
      return {type, "unit-o", "user-other", Sensitivity::normal};
  }
  return {};
}

// The role table as docs/AUTH.md states it, between its role-table markers.
std::set<std::tuple<Role, Action, ResourceType>> documented_table() {
  std::ifstream in(std::string(BAOVE_SOURCE_DIR) + "/docs/AUTH.md");
  std::set<std::tuple<Role, Action, ResourceType>> out;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.find("<!-- role-table -->") != std::string::npos) inside = true;
    if (line.find("<!-- /role-table -->") != std::string::npos) inside = false;
    if (!inside || line.rfind("| ", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) {
      const auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    }
    if (cells.size() < 3) continue;
    auto role = parse_role(cells[0]);
    auto type = parse_resource_type(cells[1]);
    if (!role || !type) continue;  // the header row
    std::stringstream actions(cells[2]);
    std::string a;
    while (std::getline(actions, a, ',')) {
      a.erase(0, a.find_first_not_of(' '));
      a.erase(a.find_last_not_of(' ') + 1);
      auto action = parse_action(a);
      EXPECT_TRUE(action.has_value()) << "docs/AUTH.md names an unknown action: " << a;
      if (action) out.insert({*role, *action, *type});
    }
  }
  return out;
}

TEST(Policy, CodeTableMatchesDocumentedTable) {
  const auto documented = documented_table();
  ASSERT_GT(documented.size(), 50u) << "role table not found in docs/AUTH.md";
  for (Role r : kAllRoles) {
    for (Action a : kAllActions) {
      for (ResourceType t : kAllResourceTypes) {
        EXPECT_EQ(permitted(r, a, t), documented.count({r, a, t}) == 1)
            << to_string(r) << " " << to_string(a) << " " << to_string(t);
      }
    }
  }
}

// Every role x scope x action x resource type x relation: allowed exactly when the table lists
// the action and the scope covers the relation; a denial hides the object (not_found) exactly
// when the same grant could not read it.
TEST(Policy, EveryCombinationFollowsTheTable) {
  int checked = 0, allowed = 0;
  for (Role role : kAllRoles) {
    for (Scope scope : kAllScopes) {
      const Principal p = staff({role, scope});
      for (Action action : kAllActions) {
        for (ResourceType type : kAllResourceTypes) {
          for (Relation rel : kAllRelations) {
            const Decision d = decide(p, action, resource(type, rel));
            const bool expect = permitted(role, action, type) && covers(scope, rel);
            const std::string where = std::string(to_string(role)) + "/" + to_string(scope) + " " +
                                      to_string(action) + " " + to_string(type) + " " + name(rel);
            ASSERT_EQ(d.allowed, expect) << where;
            ++checked;
            if (expect) {
              ++allowed;
              EXPECT_EQ(d.denial, Decision::Denial::none) << where;
              EXPECT_EQ(d.reason, std::string(to_string(role)) + "/" + to_string(scope)) << where;
              continue;
            }
            const bool can_read = permitted(role, Action::read, type) && covers(scope, rel);
            const auto expected_denial = (can_read && action != Action::read) ? Decision::Denial::forbidden
                                                                              : Decision::Denial::not_found;
            EXPECT_EQ(d.denial, expected_denial) << where;
            EXPECT_EQ(d.reason, permitted(role, action, type) ? "out-of-scope" : "no-grant") << where;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 8 * 4 * 8 * 12 * 4);
  EXPECT_GT(allowed, 0);
}

// A few rows a reviewer would check first, stated independently of the table.
TEST(Policy, KeyRowsOfTheTable) {
  EXPECT_TRUE(permitted(Role::supervisor, Action::approve, ResourceType::case_record));
  EXPECT_FALSE(permitted(Role::counsellor, Action::approve, ResourceType::case_record));
  EXPECT_FALSE(permitted(Role::case_worker, Action::approve, ResourceType::case_record));
  EXPECT_FALSE(permitted(Role::statistician, Action::read, ResourceType::case_record));
  EXPECT_FALSE(permitted(Role::administrator, Action::read, ResourceType::case_record));
  EXPECT_FALSE(permitted(Role::administrator, Action::read, ResourceType::evidence));
  EXPECT_FALSE(permitted(Role::network_partner, Action::read, ResourceType::evidence));
  EXPECT_TRUE(permitted(Role::analyst, Action::approve, ResourceType::bank_entry));
  EXPECT_TRUE(permitted(Role::security_officer, Action::read, ResourceType::audit_event));
  for (Role r : kAllRoles) {
    if (r != Role::security_officer) {
      EXPECT_FALSE(permitted(r, Action::read, ResourceType::audit_event)) << to_string(r);
    }
    for (ResourceType t : kAllResourceTypes) {
      // Evidence files may be destroyed (by supervisors); their record stays, marked destroyed.
      EXPECT_FALSE(permitted(r, Action::remove, t) && t != ResourceType::user && t != ResourceType::unit &&
                   t != ResourceType::api_key && !(t == ResourceType::evidence && r == Role::supervisor))
          << "records are never deleted through the policy: " << to_string(r) << " " << to_string(t);
    }
  }
}

TEST(Policy, SeveralGrantsAllowTheUnionAndNoGrantsDenyEverything) {
  Principal p = staff({Role::counsellor, Scope::own});
  p.grants.push_back({Role::supervisor, Scope::unit});
  EXPECT_TRUE(decide(p, Action::approve, resource(ResourceType::case_record, Relation::unit)).allowed);
  EXPECT_TRUE(decide(p, Action::create, resource(ResourceType::contact, Relation::own)).allowed);
  EXPECT_FALSE(decide(p, Action::create, resource(ResourceType::contact, Relation::unit)).allowed);

  Principal none = staff({Role::counsellor, Scope::own});
  none.grants.clear();
  for (Action a : kAllActions) {
    for (ResourceType t : kAllResourceTypes) {
      const Decision d = decide(none, a, resource(t, Relation::own));
      EXPECT_FALSE(d.allowed);
      EXPECT_EQ(d.denial, Decision::Denial::not_found);
    }
  }
}

TEST(Policy, SetupOnlyAndAnonymousPrincipalsAreDenied) {
  Principal p = staff({Role::administrator, Scope::all});
  p.setup_only = true;
  const Decision d = decide(p, Action::read, resource(ResourceType::user, Relation::unit));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "setup-required");
  Principal anon;
  anon.grants = {{Role::administrator, Scope::all}};
  EXPECT_FALSE(decide(anon, Action::read, resource(ResourceType::user, Relation::unit)).allowed);
}

TEST(Policy, ApiKeysNeedTheScopeAndStayInTheirUnit) {
  Principal k;
  k.kind = Principal::Kind::api_client;
  k.id = "key-1";
  k.unit = "unit-platform";
  k.units_below = {"unit-platform"};
  k.scopes = {"match:read", "takedown:write", "takedown:read"};
  EXPECT_EQ(required_key_scope(Action::read, ResourceType::bank_entry), "match:read");
  EXPECT_EQ(required_key_scope(Action::update, ResourceType::takedown), "takedown:write");

  EXPECT_TRUE(decide(k, Action::read, {ResourceType::bank_entry, "", "", Sensitivity::normal}).allowed);
  const Decision write = decide(k, Action::create, {ResourceType::bank_entry, "", "", Sensitivity::normal});
  EXPECT_FALSE(write.allowed);
  EXPECT_EQ(write.denial, Decision::Denial::forbidden);
  EXPECT_EQ(write.reason, "missing-scope:match:write");
  EXPECT_TRUE(
      decide(k, Action::update, {ResourceType::takedown, "unit-platform", "", Sensitivity::normal}).allowed);
  const Decision other =
      decide(k, Action::update, {ResourceType::takedown, "unit-other", "", Sensitivity::normal});
  EXPECT_FALSE(other.allowed);
  EXPECT_EQ(other.denial, Decision::Denial::not_found);
  EXPECT_FALSE(
      decide(k, Action::read, {ResourceType::case_record, "unit-platform", "", Sensitivity::normal}).allowed);
}

TEST(Policy, NamesRoundTrip) {
  for (Role r : kAllRoles) EXPECT_EQ(parse_role(to_string(r)), r);
  for (Scope s : kAllScopes) EXPECT_EQ(parse_scope(to_string(s)), s);
  for (Action a : kAllActions) EXPECT_EQ(parse_action(to_string(a)), a);
  for (ResourceType t : kAllResourceTypes) EXPECT_EQ(parse_resource_type(to_string(t)), t);
  EXPECT_FALSE(parse_role("root").has_value());
  EXPECT_FALSE(parse_scope("").has_value());
}

TEST(Policy, SqlFilterShapes) {
  auto f = sql_filter(staff({Role::case_worker, Scope::unit_and_below}), Action::list,
                      ResourceType::case_record, 3);
  EXPECT_EQ(f.where, "unit_id IN (SELECT descendant_id FROM auth_unit_closure WHERE ancestor_id = $3)");
  ASSERT_EQ(f.params.size(), 1u);
  EXPECT_EQ(std::get<std::string>(f.params[0]), "unit-u");

  Principal two = staff({Role::counsellor, Scope::own});
  two.grants.push_back({Role::supervisor, Scope::unit});
  f = sql_filter(two, Action::list, ResourceType::case_record, 1, "c.unit_id", "c.owner_id");
  EXPECT_EQ(f.where, "(c.unit_id = $1 OR c.owner_id = $2)");
  EXPECT_EQ(
      sql_filter(staff({Role::statistician, Scope::all}), Action::list, ResourceType::case_record).where,
      "1 = 0");
  EXPECT_EQ(sql_filter(staff({Role::case_worker, Scope::all}), Action::list, ResourceType::case_record).where,
            "1 = 1");
  EXPECT_EQ(sql_filter(staff({Role::case_worker, Scope::all}), Action::list, ResourceType::case_record, 1,
                       "unit_id; DROP TABLE x")
                .where,
            "1 = 0");
}

}  // namespace
}  // namespace baove::auth
