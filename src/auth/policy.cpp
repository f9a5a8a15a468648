#include "auth/policy.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>

namespace baove::auth {
namespace {

template <typename E, std::size_t N>
std::optional<E> parse_enum(std::string_view s, const E (&all)[N]) noexcept {
  for (E e : all) {
    if (s == to_string(e)) return e;
  }
  return std::nullopt;
}

using A = Action;
using T = ResourceType;

// One row of the role table: a role may do these actions on this resource type.
struct Rule {
  Role role;
  T type;
  std::initializer_list<A> actions;
};

// THE ROLE TABLE (documented in docs/AUTH.md; keep the two in step). Anything not listed is
// denied. The scope of each grant then limits which records the listed actions reach.
const Rule kRules[] = {
    {Role::counsellor, T::report, {A::read, A::list, A::create, A::update}},
    {Role::counsellor, T::contact, {A::read, A::list, A::create, A::update}},
    {Role::counsellor, T::case_record, {A::read, A::list, A::create}},
    {Role::counsellor, T::referral, {A::read, A::list, A::create}},

    {Role::case_worker, T::report, {A::read, A::list}},
    {Role::case_worker, T::contact, {A::read, A::list}},
    {Role::case_worker, T::case_record, {A::read, A::list, A::create, A::update}},
    {Role::case_worker, T::referral, {A::read, A::list, A::create, A::update, A::share}},
    {Role::case_worker, T::evidence, {A::read, A::list}},

    {Role::supervisor, T::report, {A::read, A::list, A::update}},
    {Role::supervisor, T::contact, {A::read, A::list}},
    {Role::supervisor, T::case_record, {A::read, A::list, A::create, A::update, A::approve}},
    {Role::supervisor, T::referral, {A::read, A::list, A::create, A::update, A::approve, A::share}},
    {Role::supervisor, T::evidence, {A::read, A::list, A::remove}},
    {Role::supervisor, T::statistics, {A::read, A::list}},

    {Role::analyst, T::report, {A::read, A::list}},
    {Role::analyst, T::evidence, {A::read, A::list, A::create, A::update, A::export_data}},
    {Role::analyst, T::bank_entry, {A::read, A::list, A::create, A::update, A::approve}},
    {Role::analyst, T::takedown, {A::read, A::list, A::create, A::update, A::share}},

    {Role::network_partner, T::referral, {A::read, A::list, A::update}},
    {Role::network_partner, T::takedown, {A::read, A::list, A::update}},

    {Role::statistician, T::statistics, {A::read, A::list, A::export_data}},

    {Role::security_officer, T::audit_event, {A::read, A::list, A::export_data}},
    {Role::security_officer, T::user, {A::read, A::list}},
    {Role::security_officer, T::unit, {A::read, A::list}},
    {Role::security_officer, T::api_key, {A::read, A::list}},

    {Role::administrator, T::user, {A::read, A::list, A::create, A::update, A::remove}},
    {Role::administrator, T::unit, {A::read, A::list, A::create, A::update, A::remove}},
    {Role::administrator, T::api_key, {A::read, A::list, A::create, A::remove}},
};

bool contains_unit(const std::vector<std::string>& sorted, const std::string& unit) {
  return std::binary_search(sorted.begin(), sorted.end(), unit);
}

bool valid_column(std::string_view c) {
  if (c.empty() || c.size() > 64) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
  });
}

bool key_has_scope(const Principal& p, const std::string& scope) {
  return std::find(p.scopes.begin(), p.scopes.end(), scope) != p.scopes.end();
}

Decision allow(std::string reason) { return Decision{true, Decision::Denial::none, std::move(reason)}; }
Decision deny(Decision::Denial d, std::string reason) { return Decision{false, d, std::move(reason)}; }

// Is `action` on `r` allowed, ignoring what a denial would be reported as?
std::optional<std::string> allowing_reason(const Principal& p, Action action, const Resource& r) {
  if (p.kind == Principal::Kind::api_client) {
    if (!key_has_scope(p, required_key_scope(action, r.type))) return std::nullopt;
    if (!r.unit.empty() && r.unit != p.unit) return std::nullopt;
    return "key:" + required_key_scope(action, r.type);
  }
  for (const Grant& g : p.grants) {
    if (permitted(g.role, action, r.type) && in_scope(p, g.scope, r)) {
      return std::string(to_string(g.role)) + "/" + to_string(g.scope);
    }
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(Role r) noexcept {
  switch (r) {
    case Role::counsellor:
      return "counsellor";
    case Role::case_worker:
      return "case_worker";
    case Role::supervisor:
      return "supervisor";
    case Role::analyst:
      return "analyst";
    case Role::network_partner:
      return "network_partner";
    case Role::statistician:
      return "statistician";
    case Role::security_officer:
      return "security_officer";
    case Role::administrator:
      return "administrator";
  }
  return "?";
}

const char* to_string(Scope s) noexcept {
  switch (s) {
    case Scope::own:
      return "own";
    case Scope::unit:
      return "unit";
    case Scope::unit_and_below:
      return "unit_and_below";
    case Scope::all:
      return "all";
  }
  return "?";
}

const char* to_string(Action a) noexcept {
  switch (a) {
    case Action::read:
      return "read";
    case Action::list:
      return "list";
    case Action::create:
      return "create";
    case Action::update:
      return "update";
    case Action::remove:
      return "delete";
    case Action::approve:
      return "approve";
    case Action::export_data:
      return "export";
    case Action::share:
      return "share";
  }
  return "?";
}

const char* to_string(ResourceType t) noexcept {
  switch (t) {
    case T::report:
      return "report";
    case T::contact:
      return "contact";
    case T::case_record:
      return "case";
    case T::referral:
      return "referral";
    case T::evidence:
      return "evidence";
    case T::bank_entry:
      return "bank_entry";
    case T::takedown:
      return "takedown";
    case T::statistics:
      return "statistics";
    case T::audit_event:
      return "audit_event";
    case T::user:
      return "user";
    case T::unit:
      return "unit";
    case T::api_key:
      return "api_key";
  }
  return "?";
}

const char* to_string(Sensitivity s) noexcept {
  switch (s) {
    case Sensitivity::normal:
      return "normal";
    case Sensitivity::personal:
      return "personal";
    case Sensitivity::restricted:
      return "restricted";
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view s) noexcept { return parse_enum(s, kAllRoles); }
std::optional<Scope> parse_scope(std::string_view s) noexcept { return parse_enum(s, kAllScopes); }
std::optional<Action> parse_action(std::string_view s) noexcept { return parse_enum(s, kAllActions); }
std::optional<ResourceType> parse_resource_type(std::string_view s) noexcept {
  return parse_enum(s, kAllResourceTypes);
}

bool permitted(Role role, Action action, ResourceType type) noexcept {
  for (const Rule& rule : kRules) {
    if (rule.role != role || rule.type != type) continue;
    for (A a : rule.actions) {
      if (a == action) return true;
    }
  }
  return false;
}

std::string required_key_scope(Action action, ResourceType type) {
  std::string name = type == T::bank_entry ? "match" : to_string(type);
  return name + ((action == A::read || action == A::list) ? ":read" : ":write");
}

bool in_scope(const Principal& p, Scope scope, const Resource& r) {
  switch (scope) {
    case Scope::own:
      return !p.id.empty() && r.owner == p.id;
    case Scope::unit:
      return !p.unit.empty() && r.unit == p.unit;
    case Scope::unit_and_below:
      return !r.unit.empty() && contains_unit(p.units_below, r.unit);
    case Scope::all:
      return true;
  }
  return false;
}

Decision decide(const Principal& p, Action action, const Resource& r) {
  if (p.id.empty()) return deny(Decision::Denial::not_found, "no-principal");
  if (p.setup_only) return deny(Decision::Denial::forbidden, "setup-required");
  if (auto why = allowing_reason(p, action, r)) return allow(*why);
  // Could the principal see the object? Then say "forbidden"; otherwise hide it.
  const bool visible = action == A::read || allowing_reason(p, A::read, r).has_value();
  const Decision::Denial d =
      (visible && action != A::read) ? Decision::Denial::forbidden : Decision::Denial::not_found;
  if (p.kind == Principal::Kind::api_client) {
    return deny(d, key_has_scope(p, required_key_scope(action, r.type))
                       ? std::string("out-of-scope")
                       : "missing-scope:" + required_key_scope(action, r.type));
  }
  bool any_role = false;
  for (const Grant& g : p.grants) any_role = any_role || permitted(g.role, action, r.type);
  return deny(d, any_role ? "out-of-scope" : "no-grant");
}

SqlFilter sql_filter(const Principal& p, Action action, ResourceType type, int first_placeholder,
                     std::string_view unit_column, std::string_view owner_column) {
  SqlFilter f;
  if (p.id.empty() || p.setup_only || !valid_column(unit_column) || !valid_column(owner_column)) {
    f.where = "1 = 0";
    return f;
  }
  const std::string ucol(unit_column), ocol(owner_column);
  int next = first_placeholder;
  auto placeholder = [&](store::Value v) {
    f.params.push_back(std::move(v));
    return "$" + std::to_string(next++);
  };
  std::vector<std::string> terms;
  if (p.kind == Principal::Kind::api_client) {
    if (key_has_scope(p, required_key_scope(action, type))) {
      terms.push_back("(" + ucol + " = '' OR " + ucol + " IS NULL OR " + ucol + " = " + placeholder(p.unit) +
                      ")");
    }
  } else {
    // The widest scope among grants that allow the action decides the unit part; "own" adds an
    // owner condition beside it.
    bool all = false, below = false, unit = false, own = false;
    for (const Grant& g : p.grants) {
      if (!permitted(g.role, action, type)) continue;
      all = all || g.scope == Scope::all;
      below = below || g.scope == Scope::unit_and_below;
      unit = unit || g.scope == Scope::unit;
      own = own || g.scope == Scope::own;
    }
    if (all) {
      terms.push_back("1 = 1");
    } else {
      if (below && !p.unit.empty()) {
        terms.push_back(ucol + " IN (SELECT descendant_id FROM auth_unit_closure WHERE ancestor_id = " +
                        placeholder(p.unit) + ")");
      } else if (unit && !p.unit.empty()) {
        terms.push_back(ucol + " = " + placeholder(p.unit));
      }
      if (own) terms.push_back(ocol + " = " + placeholder(p.id));
    }
  }
  if (terms.empty()) {
    f.where = "1 = 0";
  } else if (terms.size() == 1) {
    f.where = terms[0];
  } else {
    f.where = "(" + terms[0];
    for (std::size_t i = 1; i < terms.size(); ++i) f.where += " OR " + terms[i];
    f.where += ")";
  }
  return f;
}

}  // namespace baove::auth
