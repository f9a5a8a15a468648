// The security officer's questions to the audit log: who accessed this record, what did this
// user access, from where, when. Each query is itself audited (a search with its row count).
#include "api/internal.hpp"

namespace baove::api {

void Api::Impl::add_audit_routes(http::Router& r) {
  using auth::Action;
  using auth::ResourceType;
  using http::Method;

  r.add_async(Method::get, "/api/v1/audit/events", [this](http::Request& req, const http::Respond& respond) {
    auto ctx = io_pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
    static constexpr const char* kKnown[] = {"object_type", "object_id", "actor",   "unit",
                                             "address",     "action",    "outcome", "since",
                                             "until",       "order",     "after",   "limit"};
    std::vector<std::string> bad;
    for (const auto& name : req.query_names()) {
      if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown))
        bad.push_back(name.substr(0, 64));
    }
    if (!bad.empty()) return respond(validation_failed(bad, "unknown query parameters"));
    audit::Query q;
    auto text = [&](const char* name, std::optional<std::string>& into) {
      auto v = req.query_param(name);
      if (!v && req.query.find(std::string(name) + "=") != std::string::npos) {
        bad.emplace_back(name);  // present but not decodable
        return;
      }
      if (v && !v->empty()) {
        if (v->size() > 128) {
          bad.emplace_back(name);
          return;
        }
        into = *v;
      }
    };
    text("object_type", q.object_type);
    text("object_id", q.object_id);
    text("actor", q.actor);
    text("unit", q.unit);
    text("address", q.address);
    if (auto a = req.query_param("action"); a && !a->empty()) {
      q.action = audit::parse_action(*a);
      if (!q.action) bad.emplace_back("action");
    }
    if (auto o = req.query_param("outcome"); o && !o->empty()) {
      q.outcome = audit::parse_outcome(*o);
      if (!q.outcome) bad.emplace_back("outcome");
    }
    if (auto s = req.query_param("since"); s && !s->empty()) {
      q.since = parse_rfc3339(*s);
      if (!q.since) bad.emplace_back("since");
    }
    if (auto u = req.query_param("until"); u && !u->empty()) {
      q.until = parse_rfc3339(*u);
      if (!q.until) bad.emplace_back("until");
    }
    if (auto o = req.query_param("order"); o && !o->empty()) {
      if (*o == "oldest") {
        q.newest_first = false;
      } else if (*o != "newest") {
        bad.emplace_back("order");
      }
    }
    auto integer = [&](const char* name) -> std::optional<std::int64_t> {
      auto v = req.query_param(name);
      if (!v || v->empty()) return std::nullopt;
      std::int64_t n = 0;
      for (char c : *v) {
        if (c < '0' || c > '9' || n > 1'000'000'000'000LL) {
          bad.emplace_back(name);
          return std::nullopt;
        }
        n = n * 10 + (c - '0');
      }
      return n;
    };
    q.after = integer("after");
    if (auto l = integer("limit")) {
      if (*l < 1 || *l > 1000) {
        bad.emplace_back("limit");
      } else {
        q.limit = static_cast<std::size_t>(*l);
      }
    }
    if (!bad.empty()) return respond(validation_failed(bad));

    // Which units' events may the caller see? Every unit's only with a grant of scope "all";
    // otherwise one unit at a time that the policy lets it list (its own when none is named).
    auth::Decision d;
    bool sees_all = false;
    if (!caller->principal().setup_only && caller->principal().kind == auth::Principal::Kind::user) {
      for (const auto& g : caller->principal().grants) {
        sees_all = sees_all || (g.scope == auth::Scope::all &&
                                auth::permitted(g.role, Action::list, ResourceType::audit_event));
      }
    }
    if (!q.unit && !sees_all) q.unit = caller->principal().unit;
    if (q.unit) {
      d = auth::decide(caller->principal(), Action::list,
                       {ResourceType::audit_event, *q.unit, "", auth::Sensitivity::restricted});
    } else {
      d = auth::Decision{true, auth::Decision::Denial::none, "scope-all"};
    }
    auto event = event_for(*caller, audit::Action::search, "audit_event", "");
    if (!d.allowed) {
      event.outcome = audit::Outcome::denied;
      event.reason = d.reason;
      return audited(
          *ctx, event,
          [](store::Connection&, auth::Service&, audit::Event&) {
            return http::error(403, "forbidden", "you may not read the audit log");
          },
          /*is_read=*/false, respond);
    }
    event.reason = d.reason;
    audited(
        *ctx, event,
        [this, &req, q](store::Connection& c, auth::Service&, audit::Event& e) {
          auto page = audit::query(c, q);
          if (!page.ok()) {
            if (page.error().code == ErrorCode::invalid_argument)
              return validation_failed({}, page.error().message);
            return from_error(page.error(), log, req);
          }
          json events = json::array();
          for (const auto& s : page->events) events.push_back(to_json(s));
          e.row_count = static_cast<std::int64_t>(page->events.size());
          json out = {{"events", events}};
          out["next"] = page->next ? json(*page->next) : json(nullptr);
          return json_response(200, out);
        },
        /*is_read=*/true, respond);
  });

  r.add(Method::get, "/api/v1/audit/checkpoint", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    const auto d = auth::decide(
        caller->principal(), Action::read,
        {ResourceType::audit_event, caller->principal().unit, "", auth::Sensitivity::restricted});
    if (!d.allowed) return http::error(403, "forbidden", "you may not read the audit log");
    auto all = audit::checkpoints(*ctx->db);
    if (!all.ok()) return from_error(all.error(), log, req);
    if (all->empty()) return http::error(404, "not_found", "no checkpoint has been signed yet");
    const auto& c = all->back();
    auto hex = [](std::span<const std::uint8_t> b) {
      static constexpr char kDigits[] = "0123456789abcdef";
      std::string out;
      for (auto x : b) {
        out += kDigits[x >> 4];
        out += kDigits[x & 15];
      }
      return out;
    };
    return json_response(200, {{"size", c.size},
                               {"root", hex(c.root)},
                               {"chain_head", hex(c.chain_head)},
                               {"time", rfc3339(c.time)},
                               {"signature", hex(c.signature)},
                               {"public_key", platform.audit_log().public_key().to_hex()},
                               {"line", c.to_line()}});
  });
}

}  // namespace baove::api
