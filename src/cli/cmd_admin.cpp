// `baove admin`: units, users and API keys from the command line, on the same data directory and
// database as `baove serve` (the same configuration: defaults, --config file, BAOVE_* environment,
// flags). The changes are made as the system (an actor with no user id) through auth::Service, which
// audits each one in its own transaction; after a change a checkpoint of the audit log is signed.
//
// Secrets are printed only by the commands that exist to show them once: the one-time passwords of
// `bootstrap`, `user add` and `user reset-password`, and the key of `key add`.
//
// Exit status: 0 done (also `bootstrap` when users exist already), 1 failed (nothing found, the
// database or a key file refused, ...), 2 usage error or bad configuration (as for `baove serve`).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth.hpp"
#include "cli/commands.hpp"
#include "platform/config.hpp"
#include "platform/platform.hpp"

namespace baove::cli {
namespace {

constexpr int kFailed = 1;
constexpr int kUsage = 2;

struct AdminArgs {
  // common
  std::string config_file;
  std::string data_dir;
  std::string database;
  bool json = false;
  // units
  std::string name;
  std::string kind;
  std::string parent;
  // users
  std::string username;
  std::string unit;
  std::vector<std::string> grants;
  std::string user;   // a user name or id
  std::string grant;  // role:scope
  // keys
  std::vector<std::string> scopes;
  std::int64_t rate_limit = 0;
  std::string key_id;
};

int fail(const std::string& message) {
  std::cerr << "baove: " << message << "\n";
  return kFailed;
}

int usage(const std::string& message) {
  std::cerr << "baove: " << message << "\n";
  return kUsage;
}

template <typename E>
std::string names_of(const E& all) {
  std::string out;
  for (const auto& v : all) {
    if (!out.empty()) out += ", ";
    out += auth::to_string(v);
  }
  return out;
}

constexpr auth::UnitKind kAllUnitKinds[] = {auth::UnitKind::national_department,
                                            auth::UnitKind::hotline,
                                            auth::UnitKind::provincial_department,
                                            auth::UnitKind::district_department,
                                            auth::UnitKind::police_cyber_unit,
                                            auth::UnitKind::infosec_authority,
                                            auth::UnitKind::ngo,
                                            auth::UnitKind::platform,
                                            auth::UnitKind::isp};

// ROLE:SCOPE, e.g. case_worker:unit_and_below.
std::optional<auth::Grant> parse_grant(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const auto role = auth::parse_role(std::string_view(text).substr(0, colon));
  const auto scope = auth::parse_scope(std::string_view(text).substr(colon + 1));
  if (!role || !scope) return std::nullopt;
  return auth::Grant{*role, *scope};
}

std::string grant_usage() {
  return "a grant is ROLE:SCOPE, e.g. case_worker:unit; roles: " + names_of(auth::kAllRoles) +
         "; scopes: " + names_of(auth::kAllScopes);
}

std::string grant_text(const auth::Grant& g) {
  return std::string(auth::to_string(g.role)) + ":" + auth::to_string(g.scope);
}

// The opened data directory and a service acting on it.
struct Admin {
  std::unique_ptr<platform::Platform> platform;
  std::unique_ptr<auth::Service> service;
  auth::Actor actor{};  // the system: no user id, no unit, no roles, local

  // Signs a checkpoint covering the changes just made, so the log is provable right away. The
  // changes are committed already: a failure here is a warning.
  void checkpoint() {
    const auto now =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    auto cp = platform->audit_log().checkpoint(platform->db(), now);
    if (!cp) {
      std::cerr << "baove: warning: the change is made, but no audit checkpoint could be signed ("
                << cp.error().message << "); the server signs one when it next runs\n";
    }
  }
};

// Opens the data directory; a failure is reported here and its exit status returned (2 for a bad
// configuration, as `baove serve` does, 1 otherwise).
Result<Admin> open_admin(const AdminArgs& a, int& exit_code) {
  platform::Overrides flags;
  if (!a.data_dir.empty()) flags["data_dir"] = a.data_dir;
  if (!a.database.empty()) flags["database"] = a.database;
  auto config = platform::load_config(a.config_file, flags, [](const char* n) { return std::getenv(n); });
  if (!config) {
    exit_code = usage(config.error().message);
    return config.error();
  }
  auto p = platform::Platform::open(*config);
  if (!p) {
    exit_code = fail(p.error().message);
    return p.error();
  }
  Admin admin;
  admin.platform = std::move(*p);
  admin.service = std::make_unique<auth::Service>(admin.platform->db(), admin.platform->audit_log(),
                                                  admin.platform->auth_options());
  return admin;
}

// A user by id, else by user name.
Result<auth::User> find_user(auth::Service& service, const std::string& name_or_id) {
  auto users = service.list_users();
  if (!users) return users.error();
  for (const auto& u : *users) {
    if (u.id == name_or_id) return u;
  }
  for (const auto& u : *users) {
    if (u.username == name_or_id) return u;
  }
  return make_error(ErrorCode::not_found, "no such user (give a user name or a user id)");
}

// The root of the unit tree, for `unit add` without --parent.
Result<std::string> root_unit(auth::Service& service) {
  auto units = service.list_units();
  if (!units) return units.error();
  std::vector<std::string> roots;
  for (const auto& u : *units) {
    if (u.parent_id.empty()) roots.push_back(u.id);
  }
  if (roots.empty())
    return make_error(ErrorCode::not_found, "no root unit yet: run 'baove admin bootstrap' first");
  if (roots.size() > 1) return make_error(ErrorCode::conflict, "there are several root units: give --parent");
  return roots.front();
}

void print_json(const nlohmann::json& j) {
  std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

// ---------------------------------------------------------------- commands

int run_bootstrap(const AdminArgs& a) {
  int failed = 0;
  auto admin = open_admin(a, failed);
  if (!admin) return failed;
  auto b = admin->platform->bootstrap();
  if (!b) return fail(b.error().message);
  if (!b->has_value()) {
    std::cerr << "baove: users exist already; no administrator was created\n";
    return 0;
  }
  admin->checkpoint();
  std::printf("user: %s\none-time password: %s\n", (*b)->username.c_str(), (*b)->one_time_password.c_str());
  std::fflush(stdout);
  std::cerr << "The password is shown only now. Log in to the console with it, then change it and enrol "
               "TOTP.\n";
  return 0;
}

int run_unit_list(const AdminArgs& a) {
  int failed = 0;
  auto admin = open_admin(a, failed);
  if (!admin) return failed;
  auto units = admin->service->list_units();
  if (!units) return fail(units.error().message);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& u : *units) {
      out.push_back({{"id", u.id},
                     {"name", u.name},
                     {"kind", auth::to_string(u.kind)},
                     {"parent_id", u.parent_id.empty() ? nlohmann::json() : nlohmann::json(u.parent_id)}});
    }
    print_json(out);
    return 0;
  }
  std::printf("ID\tKIND\tPARENT\tNAME\n");
  for (const auto& u : *units) {
    std::printf("%s\t%s\t%s\t%s\n", u.id.c_str(), auth::to_string(u.kind),
                u.parent_id.empty() ? "-" : u.parent_id.c_str(), u.name.c_str());
  }
  return 0;
}

int run_unit_add(const AdminArgs& a) {
  const auto kind = auth::parse_unit_kind(a.kind);
  if (!kind) return usage("unknown unit kind; kinds: " + names_of(kAllUnitKinds));
  int failed = 0;
  auto admin = open_admin(a, failed);
  if (!admin) return failed;
  std::string parent = a.parent;
  if (parent.empty()) {
    auto root = root_unit(*admin->service);
    if (!root) return fail(root.error().message);
    parent = *root;
  }
  auto unit = admin->service->create_unit(admin->actor, a.name, *kind, parent);
  if (!unit) return fail(unit.error().message);
  admin->checkpoint();
  std::printf("%s\n", unit->id.c_str());
  return 0;
}

int run_user_list(const AdminArgs& a) {
  int failed = 0;
  auto admin = open_admin(a, failed);
  if (!admin) return failed;
  auto users = admin->service->list_users();
  if (!users) return fail(users.error().message);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& u : *users) {
      nlohmann::json grants = nlohmann::json::array();
      for (const auto& g : u.grants) grants.push_back(grant_text(g));
      out.push_back({{"id", u.id},
                     {"username", u.username},
                     {"unit_id", u.unit_id},
                     {"disabled", u.disabled},
                     {"must_change_password", u.must_change_password},
                     {"totp_enrolled", u.totp_enrolled},
                     {"grants", grants}});
    }
    print_json(out);
    return 0;
  }
  std::printf("ID\tUSERNAME\tUNIT\tSTATE\tGRANTS\n");
  for (const auto& u : *users) {
    std::string state = u.disabled ? "disabled" : "active";
    if (u.must_change_password) state += ",must-change-password";
    state += u.totp_enrolled ? ",totp" : ",no-totp";
    std::string grants;
    for (const auto& g : u.grants) grants += (grants.empty() ? "" : " ") + grant_text(g);
    std::printf("%s\t%s\t%s\t%s\t%s\n", u.id.c_str(), u.username.c_str(), u.unit_id.c_str(), state.c_str(),
                grants.empty() ? "-" : grants.c_str());
  }
  return 0;
}

int run_user_add(const AdminArgs& a) {
  std::vector<auth::Grant> grants;
  for (const auto& text : a.grants) {
    auto g = parse_grant(text);
    if (!g) return usage("bad --grant: " + grant_usage());
    grants.push_back(*g);
  }
  int failed = 0;
  auto admin = open_admin(a, failed);
  if (!admin) return failed;
  const std::string password = auth::random_password();
  auto user = admin->service->create_user(admin->actor, a.username, a.unit, password, true);
  if (!user) return fail(user.error().message);
  for (const auto& g : grants) {
    Status s = admin->service->grant_role(admin->actor, user->id, g);
    if (!s) {
      admin->checkpoint();
      std::printf("user id: %s\none-time password: %s\n", user->id.c_str(), password.c_str());
      std::fflush(stdout);
      return fail("the user was created, but granting " + grant_text(g) + " failed: " + s.error().message);
    }
  }
  admin->checkpoint();
  std::printf("user id: %s\none-time password: %s\n", user->id.c_str(), password.c_str());
  std::fflush(stdout);
  std::cerr << "The password is shown only now. The user changes it and enrols TOTP at first login.\n";
  return 0;
}

// The user named by a.user, or the exit status of the failure.
template <typename F>
int with_user(const AdminArgs& a, F&& action) {
  int failed = 0;
  auto admin = open_admin(a, failed);
  if (!admin) return failed;
  auto user = find_user(*admin->service, a.user);
  if (!user) return fail(user.error().message);
  return action(*admin, *user);
}

int run_user_set_disabled(const AdminArgs& a, bool disabled) {
  return with_user(a, [&](Admin& admin, const auth::User& user) {
    Status s = admin.service->set_disabled(admin.actor, user.id, disabled);
    if (!s) return fail(s.error().message);
    admin.checkpoint();
    std::printf("%s %s\n", user.id.c_str(), disabled ? "disabled; its sessions are ended" : "enabled");
    return 0;
  });
}

int run_user_reset_password(const AdminArgs& a) {
  return with_user(a, [&](Admin& admin, const auth::User& user) {
    auto password = admin.service->reset_password(admin.actor, user.id);
    if (!password) return fail(password.error().message);
    admin.checkpoint();
    std::printf("one-time password: %s\n", password->c_str());
    std::fflush(stdout);
    std::cerr << "The password is shown only now; the user's sessions are ended and the user must change "
                 "it at the next login.\n";
    return 0;
  });
}

int run_user_reset_totp(const AdminArgs& a) {
  return with_user(a, [&](Admin& admin, const auth::User& user) {
    Status s = admin.service->reset_totp(admin.actor, user.id);
    if (!s) return fail(s.error().message);
    admin.checkpoint();
    std::printf("%s: TOTP removed; the user enrols again at the next login\n", user.id.c_str());
    return 0;
  });
}

int run_user_grant(const AdminArgs& a, bool grant) {
  const auto g = parse_grant(a.grant);
  if (!g) return usage("bad grant: " + grant_usage());
  return with_user(a, [&](Admin& admin, const auth::User& user) {
    Status s = grant ? admin.service->grant_role(admin.actor, user.id, *g)
                     : admin.service->revoke_role(admin.actor, user.id, *g);
    if (!s) return fail(s.error().message);
    admin.checkpoint();
    std::printf("%s: %s %s\n", user.id.c_str(), grant ? "granted" : "revoked", grant_text(*g).c_str());
    return 0;
  });
}

int run_key_list(const AdminArgs& a) {
  int failed = 0;
  auto admin = open_admin(a, failed);
  if (!admin) return failed;
  auto keys = admin->service->list_api_keys();
  if (!keys) return fail(keys.error().message);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& k : *keys) {
      out.push_back({{"id", k.id},
                     {"unit_id", k.unit_id},
                     {"name", k.name},
                     {"scopes", k.scopes},
                     {"rate_limit_per_minute", k.rate_limit_per_minute},
                     {"revoked", k.revoked}});
    }
    print_json(out);
    return 0;
  }
  std::printf("ID\tUNIT\tSTATE\tRATE/MIN\tSCOPES\tNAME\n");
  for (const auto& k : *keys) {
    std::string scopes;
    for (const auto& s : k.scopes) scopes += (scopes.empty() ? "" : " ") + s;
    std::printf("%s\t%s\t%s\t%lld\t%s\t%s\n", k.id.c_str(), k.unit_id.c_str(),
                k.revoked ? "revoked" : "active", static_cast<long long>(k.rate_limit_per_minute),
                scopes.c_str(), k.name.c_str());
  }
  return 0;
}

int run_key_add(const AdminArgs& a) {
  for (const auto& s : a.scopes) {
    if (!auth::valid_key_scope(s))
      return usage("bad --scope: a scope is NAME:read or NAME:write, e.g. match:read");
  }
  int failed = 0;
  auto admin = open_admin(a, failed);
  if (!admin) return failed;
  auto key = admin->service->create_api_key(admin->actor, a.unit, a.name, a.scopes, a.rate_limit);
  if (!key) return fail(key.error().message);
  admin->checkpoint();
  std::printf("key id: %s\napi key: %s\n", key->info.id.c_str(), key->key.c_str());
  std::fflush(stdout);
  std::cerr << "The key is shown only now; Baove keeps only a hash of it. Give it to the client over a "
               "safe channel.\n";
  return 0;
}

int run_key_revoke(const AdminArgs& a) {
  int failed = 0;
  auto admin = open_admin(a, failed);
  if (!admin) return failed;
  Status s = admin->service->revoke_api_key(admin->actor, a.key_id);
  if (!s) return fail(s.error().message);
  admin->checkpoint();
  std::printf("%s revoked\n", a.key_id.c_str());
  return 0;
}

}  // namespace

void register_admin(CLI::App& app, Registry& registry) {
  auto args = std::make_shared<AdminArgs>();
  auto* cmd = app.add_subcommand("admin", "Units, users and API keys (as the system, audited)");
  cmd->require_subcommand(1);
  cmd->add_option("--config", args->config_file, "Configuration file (key = value lines, as for serve)");
  cmd->add_option("--data-dir", args->data_dir, "Data directory (default: $BAOVE_DATA_DIR, else ./var)");
  cmd->add_option("--database", args->database,
                  "Database URL: sqlite:PATH or postgresql://... (default: sqlite:DATA_DIR/baove.db)");
  // The options above may also follow the subcommands (children inherit fallthrough).
  cmd->fallthrough();
  auto on_run = [&registry, args](int (*run)(const AdminArgs&)) {
    return [&registry, args, run] { registry.exit_code = run(*args); };
  };

  auto* boot =
      cmd->add_subcommand("bootstrap",
                          "First start: create the root unit and user 'admin' with a one-time password "
                          "(does nothing, exit 0, when users exist)");
  boot->callback(on_run(run_bootstrap));

  // ---- units
  auto* unit = cmd->add_subcommand("unit", "Units (organisations) in a tree");
  unit->require_subcommand(1);
  auto* unit_list = unit->add_subcommand("list", "List every unit");
  unit_list->add_flag("--json", args->json, "A JSON array");
  unit_list->callback(on_run(run_unit_list));
  auto* unit_add = unit->add_subcommand("add", "Add a unit; prints its id");
  unit_add->add_option("--name", args->name, "The unit's name")->required();
  unit_add->add_option("--kind", args->kind, "One of: " + names_of(kAllUnitKinds))->required();
  unit_add->add_option("--parent", args->parent, "Parent unit id (default: the root unit)");
  unit_add->callback(on_run(run_unit_add));

  // ---- users
  auto* user = cmd->add_subcommand("user", "Staff accounts");
  user->require_subcommand(1);
  auto* user_list = user->add_subcommand("list", "List every user with its grants");
  user_list->add_flag("--json", args->json, "A JSON array");
  user_list->callback(on_run(run_user_list));
  auto* user_add = user->add_subcommand("add", "Add a user; prints its id and a one-time password, once");
  user_add->add_option("--username", args->username, "3..64 characters of [a-z0-9._-]")->required();
  user_add->add_option("--unit", args->unit, "The user's unit id")->required();
  user_add->add_option("--grant", args->grants, "ROLE:SCOPE, e.g. case_worker:unit (repeatable)")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  user_add->callback(on_run(run_user_add));
  auto add_user_arg = [&](CLI::App* c) {
    c->add_option("user", args->user, "User name or user id")->required();
  };
  auto* disable = user->add_subcommand("disable", "Disable an account and end its sessions");
  add_user_arg(disable);
  disable->callback([&registry, args] { registry.exit_code = run_user_set_disabled(*args, true); });
  auto* enable = user->add_subcommand("enable", "Enable a disabled account");
  add_user_arg(enable);
  enable->callback([&registry, args] { registry.exit_code = run_user_set_disabled(*args, false); });
  auto* reset_pw =
      user->add_subcommand("reset-password", "A new one-time password (printed once); ends the sessions");
  add_user_arg(reset_pw);
  reset_pw->callback(on_run(run_user_reset_password));
  auto* reset_totp =
      user->add_subcommand("reset-totp", "Remove TOTP: the user enrols again at the next login");
  add_user_arg(reset_totp);
  reset_totp->callback(on_run(run_user_reset_totp));
  auto* grant = user->add_subcommand("grant", "Grant a role with a scope");
  add_user_arg(grant);
  grant->add_option("grant", args->grant, "ROLE:SCOPE, e.g. supervisor:unit_and_below")->required();
  grant->callback([&registry, args] { registry.exit_code = run_user_grant(*args, true); });
  auto* revoke = user->add_subcommand("revoke", "Revoke a role with a scope");
  add_user_arg(revoke);
  revoke->add_option("grant", args->grant, "ROLE:SCOPE")->required();
  revoke->callback([&registry, args] { registry.exit_code = run_user_grant(*args, false); });

  // ---- API keys
  auto* key = cmd->add_subcommand("key", "API keys for machine clients (platforms, ISPs)");
  key->require_subcommand(1);
  auto* key_list = key->add_subcommand("list", "List every key (never the secret)");
  key_list->add_flag("--json", args->json, "A JSON array");
  key_list->callback(on_run(run_key_list));
  auto* key_add = key->add_subcommand("add", "Add a key; prints it once");
  key_add->add_option("--unit", args->unit, "The client's unit id")->required();
  key_add->add_option("--name", args->name, "A name for the key")->required();
  key_add->add_option("--scope", args->scopes, "NAME:read or NAME:write, e.g. match:read (repeatable)")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  key_add->add_option("--rate-limit", args->rate_limit, "Requests a minute")
      ->required()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000}));
  key_add->callback(on_run(run_key_add));
  auto* key_revoke = key->add_subcommand("revoke", "Revoke a key at once");
  key_revoke->add_option("id", args->key_id, "The key id (key-...)")->required();
  key_revoke->callback(on_run(run_key_revoke));
}

}  // namespace baove::cli
