// Units, users and API keys. Reads and searches of users are audited through the group commit;
// changes are audited by auth::Service in its own transaction; refusals are audited as denials.
#include "api/internal.hpp"

namespace baove::api {

namespace {

auth::Resource user_resource(const auth::User& u) {
  return auth::Resource{auth::ResourceType::user, u.unit_id, u.id, auth::Sensitivity::personal};
}

int scope_rank(auth::Scope s) {
  switch (s) {
    case auth::Scope::own:
      return 0;
    case auth::Scope::unit:
      return 1;
    case auth::Scope::unit_and_below:
      return 2;
    case auth::Scope::all:
      return 3;
  }
  return 0;
}

// An administrator may hand out grants no wider than their own administrator grant.
bool may_grant(const auth::Principal& p, const auth::Grant& g) {
  int best = -1;
  for (const auto& own : p.grants) {
    if (own.role == auth::Role::administrator) best = std::max(best, scope_rank(own.scope));
  }
  return best >= 0 && scope_rank(g.scope) <= best;
}

const std::vector<std::string> kUserFields = {
    "id", "username", "unit_id", "grants", "disabled", "must_change_password", "totp_enrolled"};

}  // namespace

void Api::Impl::add_admin_routes(http::Router& r) {
  using auth::Action;
  using auth::ResourceType;
  using http::Method;

  // ---- units ----
  r.add(Method::get, "/api/v1/units", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    auto units = ctx->auth->list_units();
    if (!units.ok()) return from_error(units.error(), log, req);
    json out = json::array();
    for (const auto& u : *units) {
      if (auth::decide(caller->principal(), Action::list,
                       {ResourceType::unit, u.id, "", auth::Sensitivity::normal})
              .allowed) {
        out.push_back(to_json(u));
      }
    }
    return json_response(200, {{"units", out}});
  });

  r.add(
      Method::post, "/api/v1/units",
      [this](http::Request& req) {
        auto ctx = pool.acquire();
        auto caller = authenticate(req, *ctx);
        if (!caller.ok()) return auth_failure(caller.error(), log, req);
        auto body = parse_object(req, {"name", "kind", "parent_id"});
        if (!body.ok()) return body_error(body.error());
        std::vector<std::string> bad;
        const std::string name = get_string(*body, "name", bad, true, 200);
        const std::string kind_text = get_string(*body, "kind", bad, true, 64);
        const std::string parent = get_string(*body, "parent_id", bad, true, 64);
        const auto kind = auth::parse_unit_kind(kind_text);
        if (!kind_text.empty() && !kind) bad.emplace_back("kind");
        if (name.empty() && std::find(bad.begin(), bad.end(), "name") == bad.end()) bad.emplace_back("name");
        if (!bad.empty()) return validation_failed(bad);
        const auto d = auth::decide(caller->principal(), Action::create,
                                    {ResourceType::unit, parent, "", auth::Sensitivity::normal});
        if (!d.allowed) {
          auto e = event_for(*caller, audit::Action::create, "unit", "");
          e.outcome = audit::Outcome::denied;
          e.reason = d.reason;
          if (!record(*caller, e).ok())
            return http::error(500, "internal", "the refusal could not be recorded");
          return denied(d);
        }
        auto unit = write(
            [&](auth::Service& svc) { return svc.create_unit(actor_for(*caller), name, *kind, parent); });
        if (!unit.ok()) {
          if (unit.error().code == ErrorCode::not_found)
            return validation_failed({"parent_id"}, "no such parent unit");
          return from_error(unit.error(), log, req);
        }
        return json_response(201, to_json(*unit));
      },
      16 * 1024);

  // ---- users ----
  r.add_async(Method::get, "/api/v1/users", [this](http::Request& req, const http::Respond& respond) {
    auto ctx = io_pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
    auto event = event_for(*caller, audit::Action::search, "user", "");
    event.fields = kUserFields;
    audited(
        *ctx, event,
        [this, &req, principal = caller->principal_ptr](store::Connection&, auth::Service& svc,
                                                        audit::Event& e) {
          auto users = svc.list_users();
          if (!users.ok()) return from_error(users.error(), log, req);
          json out = json::array();
          for (const auto& u : *users) {
            if (auth::decide(*principal, Action::list, user_resource(u)).allowed) out.push_back(to_json(u));
          }
          e.row_count = static_cast<std::int64_t>(out.size());
          return json_response(200, {{"users", out}});
        },
        /*is_read=*/true, respond);
  });

  r.add_async(Method::get, "/api/v1/users/{id}", [this](http::Request& req, const http::Respond& respond) {
    auto ctx = io_pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
    const std::string id = req.path_params.at("id");
    if (!id_like(id)) return respond(http::error(404, "not_found", "not found"));
    auto event = event_for(*caller, audit::Action::read, "user", id);
    audited(
        *ctx, event,
        [this, &req, id, principal = caller->principal_ptr](store::Connection&, auth::Service& svc,
                                                            audit::Event& e) {
          auto user = svc.get_user(id);
          if (!user.ok()) {
            if (user.error().code != ErrorCode::not_found) return from_error(user.error(), log, req);
            e.outcome = audit::Outcome::denied;
            e.reason = "not-found";
            return http::error(404, "not_found", "not found");
          }
          const auto d = auth::decide(*principal, Action::read, user_resource(*user));
          if (!d.allowed) {
            e.outcome = audit::Outcome::denied;
            e.reason = d.reason;
            return denied(d);
          }
          e.reason = d.reason;
          e.fields = kUserFields;
          return json_response(200, to_json(*user));
        },
        /*is_read=*/true, respond);
  });

  r.add(
      Method::post, "/api/v1/users",
      [this](http::Request& req) {
        auto ctx = pool.acquire();
        auto caller = authenticate(req, *ctx);
        if (!caller.ok()) return auth_failure(caller.error(), log, req);
        auto body = parse_object(req, {"username", "unit_id", "grants"});
        if (!body.ok()) return body_error(body.error());
        std::vector<std::string> bad;
        const std::string username = get_string(*body, "username", bad, true, 64);
        const std::string unit = get_string(*body, "unit_id", bad, true, 64);
        const auto grants = get_grants(*body, "grants", bad);
        if (!bad.empty()) return validation_failed(bad);
        const auto d = auth::decide(caller->principal(), Action::create,
                                    {ResourceType::user, unit, "", auth::Sensitivity::personal});
        bool escalates = false;
        for (const auto& g : grants) escalates = escalates || !may_grant(caller->principal(), g);
        if (!d.allowed || escalates) {
          auto e = event_for(*caller, audit::Action::create, "user", "");
          e.outcome = audit::Outcome::denied;
          e.reason = d.allowed ? "grant-wider-than-own" : d.reason;
          if (!record(*caller, e).ok())
            return http::error(500, "internal", "the refusal could not be recorded");
          return d.allowed ? http::error(403, "forbidden", "you may not grant a scope wider than your own")
                           : denied(d);
        }
        const std::string password = auth::random_password();
        Result<auth::User> user = [&] {
          HashSlot slot(hash_slots);
          return ctx->auth->create_user(actor_for(*caller), username, unit, password, true);
        }();
        if (!user.ok()) {
          if (user.error().code == ErrorCode::invalid_argument)
            return validation_failed({"username"}, user.error().message);
          if (user.error().code == ErrorCode::not_found)
            return validation_failed({"unit_id"}, "no such unit");
          if (user.error().code == ErrorCode::conflict)
            return http::error(409, "conflict", "that user name is taken");
          return from_error(user.error(), log, req);
        }
        for (const auto& g : grants) {
          Status s =
              write([&](auth::Service& svc) { return svc.grant_role(actor_for(*caller), user->id, g); });
          if (!s.ok()) return from_error(s.error(), log, req);
        }
        auto fresh = ctx->auth->get_user(user->id);
        if (!fresh.ok()) return from_error(fresh.error(), log, req);
        return json_response(201, {{"user", to_json(*fresh)}, {"one_time_password", password}});
      },
      16 * 1024);

  // Changes to one user: look the user up (404 when not visible), decide `update`, then act.
  auto user_change = [this](http::Request& req, auto&& act) -> http::Response {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    const std::string id = req.path_params.at("id");
    if (!id_like(id)) return http::error(404, "not_found", "not found");
    auto user = ctx->auth->get_user(id);
    auth::Decision d;
    if (user.ok()) {
      d = auth::decide(caller->principal(), Action::update, user_resource(*user));
    } else if (user.error().code == ErrorCode::not_found) {
      d = auth::Decision{false, auth::Decision::Denial::not_found, "not-found"};
    } else {
      return from_error(user.error(), log, req);
    }
    // Nobody may change an account that holds more than they could grant themselves (an
    // administrator of one unit must not reset the password of an administrator of all units).
    if (d.allowed) {
      for (const auto& g : user->grants) {
        if (!may_grant(caller->principal(), g))
          d = auth::Decision{false, auth::Decision::Denial::forbidden, "target-outranks"};
      }
    }
    if (!d.allowed) {
      auto e = event_for(*caller, audit::Action::update, "user", id);
      e.outcome = audit::Outcome::denied;
      e.reason = d.reason;
      if (!record(*caller, e).ok()) return http::error(500, "internal", "the refusal could not be recorded");
      return denied(d);
    }
    http::Response resp = act(*ctx, *caller, *user);
    sessions.clear();  // the user's sessions may have ended or changed rights
    return resp;
  };

  r.add(Method::post, "/api/v1/users/{id}/disable", [this, user_change](http::Request& req) {
    return user_change(req, [&](Context&, const Caller& caller, const auth::User& u) {
      if (u.id == caller.principal().id)
        return http::error(409, "conflict", "you cannot disable your own account");
      Status s = write([&](auth::Service& svc) { return svc.set_disabled(actor_for(caller), u.id, true); });
      return s.ok() ? http::Response::no_content() : from_error(s.error(), log, req);
    });
  });
  r.add(Method::post, "/api/v1/users/{id}/enable", [this, user_change](http::Request& req) {
    return user_change(req, [&](Context&, const Caller& caller, const auth::User& u) {
      Status s = write([&](auth::Service& svc) { return svc.set_disabled(actor_for(caller), u.id, false); });
      return s.ok() ? http::Response::no_content() : from_error(s.error(), log, req);
    });
  });
  r.add(Method::post, "/api/v1/users/{id}/reset-password", [this, user_change](http::Request& req) {
    return user_change(req, [&](Context& ctx, const Caller& caller, const auth::User& u) {
      HashSlot slot(hash_slots);
      auto pw = ctx.auth->reset_password(actor_for(caller), u.id);
      return pw.ok() ? json_response(200, {{"one_time_password", *pw}}) : from_error(pw.error(), log, req);
    });
  });
  r.add(Method::post, "/api/v1/users/{id}/reset-totp", [this, user_change](http::Request& req) {
    return user_change(req, [&](Context&, const Caller& caller, const auth::User& u) {
      Status s = write([&](auth::Service& svc) { return svc.reset_totp(actor_for(caller), u.id); });
      return s.ok() ? http::Response::no_content() : from_error(s.error(), log, req);
    });
  });
  r.add(
      Method::post, "/api/v1/users/{id}/grants",
      [this, user_change](http::Request& req) {
        auto body = parse_object(req, {"role", "scope"});
        if (!body.ok()) return body_error(body.error());
        std::vector<std::string> bad;
        const auto role = auth::parse_role(get_string(*body, "role", bad));
        const auto scope = auth::parse_scope(get_string(*body, "scope", bad));
        if (!role) bad.emplace_back("role");
        if (!scope) bad.emplace_back("scope");
        if (!bad.empty()) return validation_failed(bad);
        return user_change(req, [&](Context&, const Caller& caller, const auth::User& u) {
          const auth::Grant g{*role, *scope};
          if (!may_grant(caller.principal(), g)) {
            return http::error(403, "forbidden", "you may not grant a scope wider than your own");
          }
          Status s = write([&](auth::Service& svc) { return svc.grant_role(actor_for(caller), u.id, g); });
          return s.ok() ? http::Response::no_content() : from_error(s.error(), log, req);
        });
      },
      4 * 1024);
  r.add(Method::delete_, "/api/v1/users/{id}/grants", [this, user_change](http::Request& req) {
    std::vector<std::string> bad;
    const auto role = auth::parse_role(req.query_param("role").value_or(""));
    const auto scope = auth::parse_scope(req.query_param("scope").value_or(""));
    if (!role) bad.emplace_back("role");
    if (!scope) bad.emplace_back("scope");
    if (!bad.empty()) return validation_failed(bad);
    return user_change(req, [&](Context&, const Caller& caller, const auth::User& u) {
      Status s = write([&](auth::Service& svc) {
        return svc.revoke_role(actor_for(caller), u.id, auth::Grant{*role, *scope});
      });
      return s.ok() ? http::Response::no_content() : from_error(s.error(), log, req);
    });
  });

  // ---- API keys ----
  r.add(Method::get, "/api/v1/api-keys", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    auto keys = ctx->auth->list_api_keys();
    if (!keys.ok()) return from_error(keys.error(), log, req);
    json out = json::array();
    for (const auto& k : *keys) {
      if (auth::decide(caller->principal(), Action::list,
                       {ResourceType::api_key, k.unit_id, "", auth::Sensitivity::normal})
              .allowed) {
        out.push_back(to_json(k));
      }
    }
    return json_response(200, {{"keys", out}});
  });

  r.add(
      Method::post, "/api/v1/api-keys",
      [this](http::Request& req) {
        auto ctx = pool.acquire();
        auto caller = authenticate(req, *ctx);
        if (!caller.ok()) return auth_failure(caller.error(), log, req);
        auto body = parse_object(req, {"unit_id", "name", "scopes", "rate_limit_per_minute"});
        if (!body.ok()) return body_error(body.error());
        std::vector<std::string> bad;
        const std::string unit = get_string(*body, "unit_id", bad, true, 64);
        const std::string name = get_string(*body, "name", bad, true, 200);
        const auto scopes = get_strings(*body, "scopes", bad);
        const auto rate = get_int(*body, "rate_limit_per_minute", bad);
        if (rate && (*rate < 1 || *rate > 1'000'000)) bad.emplace_back("rate_limit_per_minute");
        // Machine clients never administer or audit: those scopes are for people, with TOTP.
        for (const auto& sc : scopes) {
          const auto type = sc.substr(0, sc.find(':'));
          if (type == "user" || type == "unit" || type == "api_key" || type == "audit_event") {
            bad.emplace_back("scopes");
            break;
          }
        }
        if (!bad.empty()) return validation_failed(bad);
        const auto d = auth::decide(caller->principal(), Action::create,
                                    {ResourceType::api_key, unit, "", auth::Sensitivity::normal});
        if (!d.allowed) {
          auto e = event_for(*caller, audit::Action::create, "api_key", "");
          e.outcome = audit::Outcome::denied;
          e.reason = d.reason;
          if (!record(*caller, e).ok())
            return http::error(500, "internal", "the refusal could not be recorded");
          return denied(d);
        }
        auto key = write([&](auth::Service& svc) {
          return svc.create_api_key(actor_for(*caller), unit, name, scopes, *rate);
        });
        if (!key.ok()) {
          if (key.error().code == ErrorCode::invalid_argument) {
            const std::string& m = key.error().message;
            return validation_failed({m.rfind("scope", 0) == 0      ? "scopes"
                                      : m.rfind("key name", 0) == 0 ? "name"
                                                                    : "rate_limit_per_minute"},
                                     m);
          }
          if (key.error().code == ErrorCode::not_found) return validation_failed({"unit_id"}, "no such unit");
          return from_error(key.error(), log, req);
        }
        return json_response(201, {{"key", to_json(key->info)}, {"secret", key->key}});
      },
      16 * 1024);

  r.add(Method::delete_, "/api/v1/api-keys/{id}", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    const std::string id = req.path_params.at("id");
    if (!id_like(id)) return http::error(404, "not_found", "not found");
    auto keys = ctx->auth->list_api_keys();
    if (!keys.ok()) return from_error(keys.error(), log, req);
    const auth::ApiKeyInfo* found = nullptr;
    for (const auto& k : *keys) {
      if (k.id == id) found = &k;
    }
    auth::Decision d{false, auth::Decision::Denial::not_found, "not-found"};
    if (found != nullptr) {
      d = auth::decide(caller->principal(), Action::remove,
                       {ResourceType::api_key, found->unit_id, "", auth::Sensitivity::normal});
    }
    if (!d.allowed) {
      auto e = event_for(*caller, audit::Action::remove, "api_key", id);
      e.outcome = audit::Outcome::denied;
      e.reason = d.reason;
      if (!record(*caller, e).ok()) return http::error(500, "internal", "the refusal could not be recorded");
      return denied(d);
    }
    Status s = write([&](auth::Service& svc) { return svc.revoke_api_key(actor_for(*caller), id); });
    return s.ok() ? http::Response::no_content() : from_error(s.error(), log, req);
  });
}

}  // namespace baove::api
