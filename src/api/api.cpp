#include "api/api.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "api/internal.hpp"
#include "http/server.hpp"

namespace baove::api {

// ---------------------------------------------------------------- pool, limiter

void ContextPool::add(std::unique_ptr<Context> c) {
  std::lock_guard lock(mu_);
  free_.push_back(c.get());
  owned_.push_back(std::move(c));
}

ContextPool::Lease ContextPool::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !free_.empty(); });
  Context* c = free_.back();
  free_.pop_back();
  return Lease(*this, c);
}

ContextPool::Lease::~Lease() {
  if (c_ == nullptr) return;
  {
    std::lock_guard lock(pool_->mu_);
    pool_->free_.push_back(c_);
  }
  pool_->cv_.notify_one();
}

std::shared_ptr<const auth::SessionInfo> SessionCache::find(const std::string& token) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(token);
  if (it == entries_.end()) return nullptr;
  if (std::chrono::steady_clock::now() - it->second.checked >= kTtl) {
    entries_.erase(it);
    return nullptr;
  }
  return it->second.info;
}

void SessionCache::put(const std::string& token, std::shared_ptr<const auth::SessionInfo> info) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= 10000) entries_.clear();  // bounded; a miss only costs a database read
  entries_[token] = Entry{std::move(info), std::chrono::steady_clock::now()};
}

void SessionCache::forget(const std::string& token) {
  std::lock_guard lock(mu_);
  entries_.erase(token);
}

void SessionCache::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

std::optional<int> RateLimiter::take(const std::string& key_id, std::int64_t per_minute) {
  const auto now = std::chrono::steady_clock::now();
  const double capacity = static_cast<double>(std::max<std::int64_t>(per_minute, 1));
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key_id);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = capacity;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(capacity, b.tokens + elapsed * capacity / 60.0);
  }
  b.last = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - b.tokens) * 60.0 / capacity;
  return static_cast<int>(wait) + 1;
}

// ---------------------------------------------------------------- Api

Result<std::string> Api::Impl::receiving_unit() {
  {
    std::lock_guard lock(intake_mu);
    if (!intake_unit.empty()) return intake_unit;
  }
  auto ctx = pool.acquire();
  auto units = ctx->auth->list_units();
  if (!units.ok()) return units.error();
  for (const auto& u : *units) {
    if (u.parent_id.empty()) {
      std::lock_guard lock(intake_mu);
      intake_unit = u.id;
      return intake_unit;
    }
  }
  return make_error(ErrorCode::not_found, "no unit receives reports yet: run 'baove admin bootstrap'");
}

Api::Api(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Api::~Api() = default;

Result<std::unique_ptr<Api>> Api::create(platform::Platform& platform, http::Metrics& metrics,
                                         http::Logger& log, ApiOptions options) {
  auto impl = std::make_unique<Impl>(platform, metrics, log, options);
  for (const auto& address : platform.config().metrics_allow) {
    std::string ip = http::canonical_ip(address);
    if (ip.empty())
      return make_error(ErrorCode::invalid_argument, "metrics_allow: not an IP address: " + address);
    impl->metrics_allow.push_back(std::move(ip));
  }
  const std::size_t n = std::max<std::size_t>(options.workers, 1);
  for (std::size_t i = 0; i < n; ++i) {
    auto db = platform.connect();
    if (!db.ok()) return db.error();
    auto ctx = std::make_unique<Context>();
    ctx->db = std::move(*db);
    ctx->auth = std::make_unique<auth::Service>(*ctx->db, platform.audit_log(), platform.auth_options());
    impl->pool.add(std::move(ctx));
  }
  for (std::size_t i = 0; i < std::max<std::size_t>(options.io_threads, 1) + 1; ++i) {
    auto db = platform.connect();
    if (!db.ok()) return db.error();
    auto ctx = std::make_unique<Context>();
    ctx->db = std::move(*db);
    ctx->auth = std::make_unique<auth::Service>(*ctx->db, platform.audit_log(), platform.auth_options());
    impl->io_pool.add(std::move(ctx));
  }
  auto wdb = platform.connect();
  if (!wdb.ok()) return wdb.error();
  impl->writer_db = wdb->get();
  if ((*wdb)->engine() == store::Engine::sqlite) {
    // The writer commits all the time: its WAL checkpoints run from tick() instead, off the
    // requests' path.
    BAOVE_TRY((*wdb)->exec_script("PRAGMA wal_autocheckpoint=0"));
  }
  impl->writer_auth = std::make_unique<auth::Service>(**wdb, platform.audit_log(), platform.auth_options());
  impl->writer = std::make_unique<store::GroupCommit>(std::move(*wdb));
  auto tdb = platform.connect();
  if (!tdb.ok()) return tdb.error();
  impl->ticker_db = std::move(*tdb);
  // Reports and evidence: the report keys, the banks evidence is matched against, the ingest.
  auto rkeys = report::Keys::load_or_create(platform.config().data_dir / "keys" / "report.key");
  if (!rkeys.ok()) return rkeys.error();
  impl->report_keys = std::move(*rkeys);
  // The hotline's keys: a file of the same format (two 32-byte keys), kept apart from the reports'.
  auto hkeys = report::Keys::load_or_create(platform.config().data_dir / "keys" / "hotline.key");
  if (!hkeys.ok()) return hkeys.error();
  impl->hotline_keys.notes = hkeys->contact_key;
  impl->hotline_keys.lookup = hkeys->lookup_key;
  auto banks = bank::open_sqlite_store(platform.config().bank_database_path());
  if (!banks.ok()) return banks.error().with_context("bank database");
  impl->banks = std::move(*banks);
  auto matcher = bank::Matcher::load(*impl->banks);
  if (!matcher.ok()) return matcher.error().with_context("bank database");
  impl->matcher = std::move(*matcher);
  report::IngestOptions io;
  io.max_file_bytes = platform.config().upload_file_limit_bytes;
  impl->ingest = std::make_unique<report::EvidenceIngest>(platform.vault(), impl->matcher.get(), io);
  intake::FetchOptions fo;
  fo.allowed_host_suffixes = platform.config().fetch_allowed_hosts;
  fo.max_bytes = platform.config().upload_file_limit_bytes;
  fo.allow_http = platform.config().fetch_allow_local;
  fo.allow_private_addresses = platform.config().fetch_allow_local;
  impl->fetcher = std::make_unique<intake::Fetcher>(fo);
  impl->intake_unit = platform.config().intake_unit;

  const auto slots = static_cast<std::ptrdiff_t>(std::clamp<std::size_t>(options.password_hash_slots, 1, 64));
  for (std::ptrdiff_t i = 2; i > slots; --i) impl->hash_slots.acquire();
  for (std::ptrdiff_t i = 2; i < slots; ++i) impl->hash_slots.release();
  return std::unique_ptr<Api>(new Api(std::move(impl)));
}

void Api::add_routes(http::Router& router) {
  impl_->add_ops_routes(router);
  impl_->add_session_routes(router);
  impl_->add_admin_routes(router);
  impl_->add_audit_routes(router);
  impl_->add_console_routes(router);
  impl_->add_report_routes(router);
  impl_->add_report_staff_routes(router);
  impl_->add_hotline_routes(router);
  impl_->add_intake_routes(router);
}

Status Api::tick() {
  std::lock_guard lock(impl_->ticker_mu);
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto r = impl_->platform.audit_log().maybe_checkpoint(*impl_->ticker_db, now);
  if (!r.ok()) return r.error();
  if (r->has_value()) impl_->metrics.add("baove_audit_checkpoints_total", "Audit checkpoints signed.");
  // Expired sessions (the network threads only read sessions) go once a minute.
  if (++impl_->ticks % 60 == 1) {
    auto purged = impl_->write([](auth::Service& svc) { return svc.purge_sessions(); });
    if (!purged.ok()) return purged.error();
  }
  // Bank changes (imports, disabled entries) reach the matcher within a second.
  if (impl_->matcher) {
    auto refreshed = impl_->matcher->refresh();
    if (!refreshed.ok()) return refreshed.error();
  }
  if (impl_->ticker_db->engine() == store::Engine::sqlite) {
    BAOVE_TRY(impl_->ticker_db->exec_script("PRAGMA wal_checkpoint(PASSIVE)"));
  }
  return {};
}

// ---------------------------------------------------------------- authentication

namespace {

constexpr std::string_view kCookie = "baove_session";

std::vector<std::string> role_names(const auth::Principal& p) {
  std::vector<std::string> out;
  for (const auto& g : p.grants) {
    std::string r = auth::to_string(g.role);
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(std::move(r));
  }
  if (out.size() > audit::kMaxRoles) out.resize(audit::kMaxRoles);
  return out;
}

}  // namespace

Result<Caller> Api::Impl::authenticate(const http::Request& req, Context& ctx, bool allow_setup_only) {
  Caller caller;
  caller.address = req.remote_address;
  if (auto authz = req.header("authorization")) {
    std::string_view v = *authz;
    if (v.size() < 7 || (v.substr(0, 7) != "Bearer " && v.substr(0, 7) != "bearer ")) {
      return Error{ErrorCode::invalid_argument, "unauthenticated"};
    }
    v.remove_prefix(7);
    auto key = ctx.auth->authenticate_api_key(v);
    if (!key.ok()) {
      if (key.error().code == ErrorCode::not_found)
        return Error{ErrorCode::invalid_argument, "unauthenticated"};
      return key.error();
    }
    if (auto wait = limiter.take(key->first.id, key->second)) {
      return Error{ErrorCode::limit_exceeded, std::to_string(*wait)};
    }
    caller.principal_ptr = std::make_shared<const auth::Principal>(std::move(key->first));
    caller.is_key = true;
    return caller;
  }
  auto token = req.cookie(kCookie);
  if (!token) return Error{ErrorCode::invalid_argument, "unauthenticated"};
  std::shared_ptr<const auth::SessionInfo> s = sessions.find(*token);
  if (!s) {
    // Read only: a write here would queue for the database's write lock on a network thread.
    auto checked = ctx.auth->check_session(*token, /*write=*/false);
    if (!checked.ok()) {
      if (checked.error().code == ErrorCode::not_found)
        return Error{ErrorCode::invalid_argument, "unauthenticated"};
      return checked.error();
    }
    s = std::make_shared<const auth::SessionInfo>(std::move(*checked));
    sessions.put(*token, s);
    if (s->touch_due) {
      // The idle timer moves through the group commit, without waiting for it.
      writer->submit(
          [this, hash = s->session_hash](store::Connection&) { return writer_auth->touch_session(hash); },
          [](Status) {});
    }
  }
  if (http::is_unsafe(req.method)) {
    auto presented = req.header("x-csrf-token");
    if (!presented || !auth::Service::csrf_valid(*s, *presented)) {
      return Error{ErrorCode::conflict, "csrf"};
    }
  }
  if (s->principal.setup_only && !allow_setup_only) {
    return Error{ErrorCode::unsupported, "setup"};
  }
  caller.principal_ptr = std::shared_ptr<const auth::Principal>(s, &s->principal);
  caller.session_hash = s->session_hash;
  caller.csrf_token = s->csrf_token;
  caller.session_token = std::move(*token);
  caller.roles = role_names(caller.principal());
  return caller;
}

// The response for an authenticate() failure.
http::Response auth_failure(const Error& e, http::Logger& log, const http::Request& req) {
  if (e.code == ErrorCode::invalid_argument) {
    return http::error(401, "unauthenticated", "log in first, or send a valid API key");
  }
  if (e.code == ErrorCode::limit_exceeded) {
    http::Response r = http::error(429, "too_many_requests", "rate limit of this API key reached");
    r.with_header("Retry-After", e.message);
    return r;
  }
  if (e.code == ErrorCode::conflict) {
    return http::error(403, "forbidden", "missing or wrong X-CSRF-Token header");
  }
  if (e.code == ErrorCode::unsupported) {
    return http::error(403, "forbidden", "change your password and enrol two-factor authentication first");
  }
  return from_error(e, log, req);
}

audit::Event Api::Impl::event_for(const Caller& caller, audit::Action action, std::string object_type,
                                  std::string object_id) const {
  audit::Event e;
  e.actor = caller.principal().id;
  e.unit = caller.principal().unit;
  e.roles = caller.roles;
  e.session_hash = caller.session_hash;
  e.address = caller.address;
  e.time = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  e.action = action;
  e.object_type = std::move(object_type);
  e.object_id = std::move(object_id);
  return e;
}

auth::Actor Api::Impl::actor_for(const Caller& caller) const {
  return auth::Actor{caller.principal().id, caller.principal().unit, caller.roles, caller.address};
}

void Api::Impl::audited(Context& ctx, audit::Event event, AuditedFn fn, bool is_read, http::Respond respond) {
  if (is_read && !options.audit_reads) {
    respond(fn(*ctx.db, *ctx.auth, event));
    return;
  }
  struct Pending {
    audit::Event event;
    AuditedFn fn;
    http::Response response;
    http::Respond respond;
  };
  auto p = std::make_shared<Pending>(Pending{std::move(event), std::move(fn), {}, std::move(respond)});
  const audit::Log& audit_log = platform.audit_log();
  writer->submit(
      [this, p, &audit_log](store::Connection& c) -> Status {
        p->response = p->fn(c, *writer_auth, p->event);
        if (p->response.status >= 500) p->event.outcome = audit::Outcome::error;
        auto seq = audit_log.append(c, p->event);
        if (!seq.ok()) return seq.error();
        return {};
      },
      [this, p](Status s) {
        if (!s.ok()) {
          log.error("audit event not written; request refused", {{"code", to_string(s.error().code)}});
          p->respond(http::error(500, "internal", "the access could not be recorded, so it was refused"));
          return;
        }
        metrics.add("baove_audit_events_total", "Audit events written by requests.");
        p->respond(std::move(p->response));
      });
}

Status Api::Impl::append(store::Connection& tx, const audit::Event& e) {
  auto seq = platform.audit_log().append(tx, e);
  if (!seq.ok()) return seq.error();
  return {};
}

Result<std::optional<report::Report>> Api::Impl::report_to_update(store::Connection& tx, const Caller& caller,
                                                                  const std::string& id, audit::Event& e,
                                                                  std::optional<http::Response>& answer) {
  auto rep = report::get(tx, report_keys, id);
  if (!rep.ok()) {
    if (rep.error().code != ErrorCode::not_found) return rep.error();
    answer = http::error(404, "not_found", "not found");
    return std::optional<report::Report>{};
  }
  const auto d = auth::decide(
      caller.principal(), auth::Action::update,
      auth::Resource{auth::ResourceType::report, rep->unit, rep->owner, auth::Sensitivity::personal});
  if (!d.allowed) {
    e.outcome = audit::Outcome::denied;
    e.reason = d.reason;
    BAOVE_TRY(append(tx, e));
    answer = denied(d);
    return std::optional<report::Report>{};
  }
  e.reason = d.reason;
  return std::optional<report::Report>{std::move(*rep)};
}

Status Api::Impl::record(const Caller& caller, audit::Event event) {
  (void)caller;
  const audit::Log& log_ = platform.audit_log();
  Status s = writer->run([&](store::Connection& c) -> Status {
    auto seq = log_.append(c, event);
    if (!seq.ok()) return seq.error();
    return {};
  });
  if (s.ok()) metrics.add("baove_audit_events_total", "Audit events written by requests.");
  return s;
}

// ---------------------------------------------------------------- operations

std::string_view openapi_document();

void Api::Impl::add_ops_routes(http::Router& r) {
  r.add_async(http::Method::get, "/healthz", [](http::Request&, const http::Respond& respond) {
    respond(http::Response::json(200, "{\"status\":\"ok\"}"));
  });
  r.add(http::Method::get, "/readyz", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto rows = ctx->db->query("SELECT 1");
    if (!rows.ok()) {
      log.warn("not ready: database", {{"request_id", req.request_id}});
      return http::error(503, "unavailable", "database unavailable");
    }
    return http::Response::json(200, "{\"status\":\"ready\"}");
  });
  // Counts only, yet not for everyone: the addresses in metrics_allow (loopback by default), and
  // never through a proxy, so that a reverse proxy on the same machine does not publish it.
  r.add_async(http::Method::get, "/metrics", [this](http::Request& req, const http::Respond& respond) {
    const bool proxied = req.header("x-forwarded-for").has_value() || req.header("forwarded").has_value();
    if (proxied ||
        std::find(metrics_allow.begin(), metrics_allow.end(), req.remote_address) == metrics_allow.end()) {
      respond(http::error(404, "not_found", "no such endpoint"));  // as for a path that does not exist
      return;
    }
    http::Response resp = http::Response::json(200, metrics.render());
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    respond(std::move(resp));
  });
  r.add_async(http::Method::get, "/api/v1/openapi.json", [](http::Request&, const http::Respond& respond) {
    respond(http::Response::json(200, std::string(openapi_document())));
  });
}

void Api::Impl::add_console_routes(http::Router& r) {
  auto redirect = [](http::Request&) {
    http::Response resp;
    resp.status = 303;
    resp.content_type.clear();
    resp.with_header("Location", "/console/");
    return resp;
  };
  r.add(http::Method::get, "/console", redirect);
  // Each file carries a validator (its content's FNV-1a hash, computed once here): browsers keep
  // the console and ask again with If-None-Match, answered 304 while the build is the same.
  std::map<std::string_view, std::string> etags;
  for (const auto& a : console_assets()) {
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char ch : a.bytes) hash = (hash ^ ch) * 1099511628211ull;
    char text[24];
    std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
    etags.emplace(a.name, text);
  }
  auto serve = [etags = std::move(etags)](const http::Request& req, std::string_view name) {
    for (const auto& a : console_assets()) {
      if (a.name != name) continue;
      const std::string& etag = etags.at(a.name);
      const auto match = req.header("if-none-match");
      http::Response resp = http::Response::json(200, std::string(a.bytes));
      if (match && match->find(etag) != std::string_view::npos) {
        resp.status = 304;
        resp.body.clear();
      }
      resp.with_header("ETag", etag);
      const auto dot = name.rfind('.');
      const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
      resp.content_type = ext == "html"   ? "text/html; charset=utf-8"
                          : ext == "js"   ? "text/javascript; charset=utf-8"
                          : ext == "css"  ? "text/css; charset=utf-8"
                          : ext == "svg"  ? "image/svg+xml"
                          : ext == "png"  ? "image/png"
                          : ext == "json" ? "application/json"
                                          : "application/octet-stream";
      resp.with_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
      resp.with_header("Cache-Control", "no-cache");
      return resp;
    }
    return http::error(404, "not_found", "no such file");
  };
  r.add_async(http::Method::get, "/console/", [serve](http::Request& req, const http::Respond& respond) {
    respond(serve(req, "index.html"));
  });
  r.add_async(http::Method::get, "/console/{file}",
              [serve](http::Request& req, const http::Respond& respond) {
                respond(serve(req, req.path_params.at("file")));
              });
}

}  // namespace baove::api
