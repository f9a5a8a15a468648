// The one access policy: every (principal, action, resource) becomes allow or deny, with a reason.
// Deny unless allowed. See docs/AUTH.md for the role table and the scope semantics.
//
// A staff principal holds role grants, each with a scope:
//   own           the resource's owner is the user
//   unit          the resource belongs to the user's unit
//   unit_and_below the resource belongs to the user's unit or a unit under it
//   all           any unit
// A grant allows an action when the static role table (permitted()) lists the action for the
// resource type and the resource lies inside the grant's scope.
//
// A denial is either `forbidden` (the caller may see the object but not do this to it) or
// `not_found` (the caller may not even read it, so its existence is not revealed: HTTP 404).
//
// Lists and searches use sql_filter(), built from the same table and scopes, so a search returns
// exactly the rows decide() would let the principal read.
//
// Everything here is pure (no database, no clock) and safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace baove::auth {

enum class Role {
  counsellor,
  case_worker,
  supervisor,
  analyst,
  network_partner,
  statistician,
  security_officer,
  administrator,
};
inline constexpr Role kAllRoles[] = {Role::counsellor,       Role::case_worker,     Role::supervisor,
                                     Role::analyst,          Role::network_partner, Role::statistician,
                                     Role::security_officer, Role::administrator};

enum class Scope { own, unit, unit_and_below, all };
inline constexpr Scope kAllScopes[] = {Scope::own, Scope::unit, Scope::unit_and_below, Scope::all};

enum class Action { read, list, create, update, remove, approve, export_data, share };
inline constexpr Action kAllActions[] = {Action::read,   Action::list,    Action::create,      Action::update,
                                         Action::remove, Action::approve, Action::export_data, Action::share};

enum class ResourceType {
  report,       // a report from the public
  contact,      // a hotline call, chat or e-mail contact
  case_record,  // a case ("case")
  referral,     // a referral to a network partner
  evidence,     // an evidence item in the vault
  bank_entry,   // an entry of the known-material hash bank
  takedown,     // a takedown request to a platform or ISP
  statistics,   // aggregated tables and exports
  audit_event,  // the audit log
  user,
  unit,
  api_key,
};
inline constexpr ResourceType kAllResourceTypes[] = {
    ResourceType::report,      ResourceType::contact,    ResourceType::case_record, ResourceType::referral,
    ResourceType::evidence,    ResourceType::bank_entry, ResourceType::takedown,    ResourceType::statistics,
    ResourceType::audit_event, ResourceType::user,       ResourceType::unit,        ResourceType::api_key};

enum class Sensitivity { normal, personal, restricted };

// Lower-case snake_case names ("case_worker", "unit_and_below", "export", "case", ...), as stored
// in the database and written to audit events.
const char* to_string(Role r) noexcept;
const char* to_string(Scope s) noexcept;
const char* to_string(Action a) noexcept;
const char* to_string(ResourceType t) noexcept;
const char* to_string(Sensitivity s) noexcept;
std::optional<Role> parse_role(std::string_view s) noexcept;
std::optional<Scope> parse_scope(std::string_view s) noexcept;
std::optional<Action> parse_action(std::string_view s) noexcept;
std::optional<ResourceType> parse_resource_type(std::string_view s) noexcept;

struct Grant {
  Role role = Role::counsellor;
  Scope scope = Scope::own;
  bool operator==(const Grant&) const = default;
};

// Who is asking. Built by auth::Service from a session or an API key; tests build it directly.
struct Principal {
  enum class Kind { user, api_client };
  Kind kind = Kind::user;
  std::string id;    // user id or API key id
  std::string unit;  // the user's (or the key's) unit id
  // The user's unit and every unit below it (from the unit closure table), sorted.
  std::vector<std::string> units_below;
  std::vector<Grant> grants;        // users only
  std::vector<std::string> scopes;  // API clients only: "match:read", "takedown:write", ...
  // A session that may only change the password and enrol TOTP: everything else is denied.
  bool setup_only = false;
};

struct Resource {
  ResourceType type = ResourceType::report;
  std::string unit;   // owning unit id; "" for resources no unit owns (the bank, statistics)
  std::string owner;  // owner user id; "" when none
  Sensitivity sensitivity = Sensitivity::normal;
};

struct Decision {
  enum class Denial { none, forbidden, not_found };
  bool allowed = false;
  Denial denial = Denial::forbidden;
  // A short code for the audit log: the allowing grant ("case_worker/unit") or why not
  // ("no-grant", "out-of-scope", "setup-required", "missing-scope:takedown:write").
  std::string reason;
};

// The static role table: may `role` do `action` on `type` at all (scope aside)?
bool permitted(Role role, Action action, ResourceType type) noexcept;

// The API-key scope that an action on a type needs: "<type>:read" for read and list,
// "<type>:write" for everything else. ("bank_entry" is spelt "match" so that platform keys read
// "match:read"; takedowns are "takedown:...".)
std::string required_key_scope(Action action, ResourceType type);

// Whether `resource` lies inside `scope` for `principal` (a pure scope check).
bool in_scope(const Principal& principal, Scope scope, const Resource& resource);

// The decision. Deny unless some grant (or key scope) allows. A denied action the principal
// could not even read the resource for comes back as not_found; otherwise forbidden.
Decision decide(const Principal& principal, Action action, const Resource& resource);

// A WHERE fragment that keeps exactly the rows of `type` the principal may `action` (normally
// Action::list or Action::read), over the columns `unit_column` and `owner_column` of the listed
// table, with parameters numbered from `first_placeholder` ($N). "Unit and below" becomes
//   unit_column IN (SELECT descendant_id FROM auth_unit_closure WHERE ancestor_id = $N)
// which the closure table's primary key serves. No access gives "1 = 0".
struct SqlFilter {
  std::string where;
  std::vector<store::Value> params;
};
SqlFilter sql_filter(const Principal& principal, Action action, ResourceType type, int first_placeholder = 1,
                     std::string_view unit_column = "unit_id", std::string_view owner_column = "owner_id");

}  // namespace baove::auth
