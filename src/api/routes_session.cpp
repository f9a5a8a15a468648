// Login, logout, the session, password change and TOTP enrolment.
#include "api/internal.hpp"

namespace baove::api {

namespace {

std::string session_cookie(const std::string& token, bool secure, std::int64_t max_age) {
  std::string c =
      "baove_session=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (secure) c += "; Secure";
  return c;
}

json session_json(const auth::User& u, const std::string& csrf) {
  return {{"user_id", u.id},
          {"username", u.username},
          {"unit_id", u.unit_id},
          {"grants", grants_json(u.grants)},
          {"csrf_token", csrf},
          {"must_change_password", u.must_change_password},
          {"must_enrol_totp", !u.totp_enrolled}};
}

}  // namespace

void Api::Impl::add_session_routes(http::Router& r) {
  using http::Method;
  r.add(
      Method::post, "/api/v1/session",
      [this](http::Request& req) {
        auto body = parse_object(req, {"username", "password", "totp_code"});
        if (!body.ok()) return body_error(body.error());
        std::vector<std::string> bad;
        auth::LoginRequest lr;
        lr.username = get_string(*body, "username", bad, true, 256);
        lr.password = get_string(*body, "password", bad, true, 1024);
        lr.totp_code = get_string(*body, "totp_code", bad, false, 16);
        lr.address = req.remote_address;
        if (!bad.empty()) return validation_failed(bad);
        auto ctx = pool.acquire();
        Result<auth::LoginResult> res = [&] {
          HashSlot slot(hash_slots);
          return ctx->auth->login(lr);
        }();
        if (!res.ok()) {
          if (res.error().code == ErrorCode::invalid_argument) {
            return http::error(401, "unauthenticated", auth::kLoginFailed);
          }
          if (res.error().code == ErrorCode::limit_exceeded) {
            http::Response resp = http::error(429, "too_many_requests", auth::kTooManyAttempts);
            resp.with_header("Retry-After", "60");
            return resp;
          }
          return from_error(res.error(), log, req);
        }
        auto user = ctx->auth->get_user(res->user_id);
        if (!user.ok()) return from_error(user.error(), log, req);
        http::Response resp = json_response(200, session_json(*user, res->csrf_token));
        const auto max_age =
            std::chrono::duration_cast<std::chrono::seconds>(platform.auth_options().session_absolute)
                .count();
        resp.with_header("Set-Cookie", session_cookie(res->session_token, options.secure_cookies, max_age));
        return resp;
      },
      8 * 1024);

  r.add(Method::get, "/api/v1/session", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx, /*allow_setup_only=*/true);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    if (caller->is_key)
      return http::error(400, "bad_request", "API keys have no session; see /api/v1/whoami");
    auto user = ctx->auth->get_user(caller->principal().id);
    if (!user.ok()) return from_error(user.error(), log, req);
    return json_response(200, session_json(*user, caller->csrf_token));
  });

  r.add(Method::delete_, "/api/v1/session", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx, true);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    if (caller->is_key) return http::error(400, "bad_request", "API keys have no session");
    Status s = ctx->auth->logout(caller->session_token, req.remote_address);
    sessions.forget(caller->session_token);
    if (!s.ok() && s.error().code != ErrorCode::not_found) return from_error(s.error(), log, req);
    http::Response resp = http::Response::no_content();
    resp.with_header("Set-Cookie", session_cookie("", options.secure_cookies, 0));
    return resp;
  });

  r.add(
      Method::post, "/api/v1/session/password",
      [this](http::Request& req) {
        auto ctx = pool.acquire();
        auto caller = authenticate(req, *ctx, true);
        if (!caller.ok()) return auth_failure(caller.error(), log, req);
        if (caller->is_key) return http::error(400, "bad_request", "API keys have no password");
        auto body = parse_object(req, {"old_password", "new_password"});
        if (!body.ok()) return body_error(body.error());
        std::vector<std::string> bad;
        const std::string old_pw = get_string(*body, "old_password", bad, true, 1024);
        const std::string new_pw = get_string(*body, "new_password", bad, true, 1024);
        if (!bad.empty()) return validation_failed(bad);
        if (new_pw.size() < platform.auth_options().min_password_length) {
          return validation_failed({"new_password"},
                                   "the new password must have at least " +
                                       std::to_string(platform.auth_options().min_password_length) +
                                       " characters");
        }
        Status s = [&] {
          HashSlot slot(hash_slots);
          return ctx->auth->change_password(caller->principal().id, old_pw, new_pw, req.remote_address);
        }();
        sessions.clear();
        if (!s.ok()) {
          if (s.error().code == ErrorCode::invalid_argument) {
            return validation_failed({"old_password"},
                                     "the current password is wrong, or the new one is refused");
          }
          return from_error(s.error(), log, req);
        }
        return http::Response::no_content();
      },
      8 * 1024);

  r.add(Method::post, "/api/v1/session/totp", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx, true);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    if (caller->is_key) return http::error(400, "bad_request", "API keys have no second factor");
    auto e = ctx->auth->begin_totp(caller->principal().id);
    if (!e.ok()) {
      if (e.error().code == ErrorCode::conflict) {
        return http::error(409, "conflict", "two-factor authentication is already enrolled");
      }
      return from_error(e.error(), log, req);
    }
    return json_response(
        200,
        {{"secret", e->secret_base32}, {"otpauth_uri", e->otpauth_uri}, {"qr_svg", qr_svg(e->otpauth_uri)}});
  });

  r.add(
      Method::post, "/api/v1/session/totp/confirm",
      [this](http::Request& req) {
        auto ctx = pool.acquire();
        auto caller = authenticate(req, *ctx, true);
        if (!caller.ok()) return auth_failure(caller.error(), log, req);
        if (caller->is_key) return http::error(400, "bad_request", "API keys have no second factor");
        auto body = parse_object(req, {"code"});
        if (!body.ok()) return body_error(body.error());
        std::vector<std::string> bad;
        const std::string code = get_string(*body, "code", bad, true, 16);
        if (!bad.empty()) return validation_failed(bad);
        Status s = ctx->auth->confirm_totp(caller->principal().id, code, req.remote_address);
        sessions.clear();
        if (!s.ok()) {
          if (s.error().code == ErrorCode::invalid_argument || s.error().code == ErrorCode::not_found) {
            return validation_failed({"code"}, "the code is wrong or expired; try the next one");
          }
          return from_error(s.error(), log, req);
        }
        return http::Response::no_content();
      },
      1024);

  r.add(Method::get, "/api/v1/whoami", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx, true);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    const auto& p = caller->principal();
    json j = {{"kind", caller->is_key ? "api_client" : "user"}, {"id", p.id}, {"unit_id", p.unit}};
    if (caller->is_key) {
      j["scopes"] = p.scopes;
    } else {
      j["grants"] = grants_json(p.grants);
    }
    return json_response(200, j);
  });
}

}  // namespace baove::api
