// JSON input validation and output shapes shared by the routes.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "api/internal.hpp"

namespace baove::api {

Result<json> parse_object(const http::Request& req, std::initializer_list<const char*> allowed) {
  json body;
  if (req.body.empty()) {
    body = json::object();
  } else {
    body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return Error{ErrorCode::invalid_argument, "the request body is not valid JSON"};
  }
  if (!body.is_object()) return Error{ErrorCode::invalid_argument, "the request body must be a JSON object"};
  json unknown = json::array();
  for (const auto& [k, v] : body.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (ok) continue;
    // At most 64 bytes of the name, cut at a character boundary.
    std::size_t n = std::min<std::size_t>(k.size(), 64);
    while (n > 0 && n < k.size() && (static_cast<unsigned char>(k[n]) & 0xC0) == 0x80) --n;
    unknown.push_back(k.substr(0, n));
  }
  // conflict marks "unknown fields" for the caller; the message is their names as a JSON array.
  if (!unknown.empty()) return Error{ErrorCode::conflict, unknown.dump()};
  return body;
}

std::string get_string(const json& o, const char* name, std::vector<std::string>& bad, bool required,
                       std::size_t max_length) {
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) {
    if (required) bad.emplace_back(name);
    return {};
  }
  if (!it->is_string() || it->get_ref<const std::string&>().size() > max_length) {
    bad.emplace_back(name);
    return {};
  }
  return it->get<std::string>();
}

std::optional<std::int64_t> get_int(const json& o, const char* name, std::vector<std::string>& bad,
                                    bool required) {
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) {
    if (required) bad.emplace_back(name);
    return std::nullopt;
  }
  if (!it->is_number_integer()) {
    bad.emplace_back(name);
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

std::vector<std::string> get_strings(const json& o, const char* name, std::vector<std::string>& bad,
                                     bool required) {
  std::vector<std::string> out;
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) {
    if (required) bad.emplace_back(name);
    return out;
  }
  if (!it->is_array() || it->size() > 64) {
    bad.emplace_back(name);
    return out;
  }
  for (const auto& v : *it) {
    if (!v.is_string() || v.get_ref<const std::string&>().size() > 128) {
      bad.emplace_back(name);
      return {};
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

bool record_id_like(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void query_number(const http::Request& req, const char* name, std::size_t lo, std::size_t hi,
                  std::size_t& out, std::vector<std::string>& bad) {
  auto v = req.query_param(name);
  if (!v) return;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v->c_str(), &end, 10);
  if (v->empty() || (*v)[0] == '-' || *end != '\0' || n < lo || n > hi)
    bad.emplace_back(name);
  else
    out = static_cast<std::size_t>(n);
}

std::vector<auth::Grant> get_grants(const json& o, const char* name, std::vector<std::string>& bad) {
  std::vector<auth::Grant> out;
  auto it = o.find(name);
  if (it == o.end() || !it->is_array() || it->size() > 32) {
    bad.emplace_back(name);
    return out;
  }
  for (const auto& g : *it) {
    if (!g.is_object() || g.size() != 2 || !g.contains("role") || !g.contains("scope") ||
        !g["role"].is_string() || !g["scope"].is_string()) {
      bad.emplace_back(name);
      return {};
    }
    auto role = auth::parse_role(g["role"].get<std::string>());
    auto scope = auth::parse_scope(g["scope"].get<std::string>());
    if (!role || !scope) {
      bad.emplace_back(name);
      return {};
    }
    out.push_back(auth::Grant{*role, *scope});
  }
  return out;
}

http::Response validation_failed(const std::vector<std::string>& named, std::string_view message) {
  std::vector<std::string> fields;  // each once, in the order first named
  for (const auto& f : named) {
    if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
  }
  std::string m(message);
  if (m.empty()) {
    m = "invalid or missing: ";
    for (std::size_t i = 0; i < fields.size(); ++i) m += (i ? ", " : "") + fields[i];
  }
  return http::error(400, "validation_failed", m, fields);
}

http::Response json_response(int status, const json& body) {
  return http::Response::json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

http::Response from_error(const Error& e, http::Logger& log, const http::Request& req) {
  switch (e.code) {
    case ErrorCode::invalid_argument:
      return http::error(400, "validation_failed", e.message);
    case ErrorCode::not_found:
      return http::error(404, "not_found", "not found");
    case ErrorCode::conflict:
      return http::error(409, "conflict", e.message);
    case ErrorCode::limit_exceeded: {
      http::Response r = http::error(429, "too_many_requests", e.message);
      r.with_header("Retry-After", "60");
      return r;
    }
    case ErrorCode::unsupported:
    case ErrorCode::corrupt:
    case ErrorCode::io:
    case ErrorCode::internal:
      break;
  }
  log.error("request failed",
            {{"request_id", req.request_id}, {"route", req.route}, {"code", to_string(e.code)}});
  return http::error(500, "internal", "internal error; the request id identifies it in the server's log");
}

http::Response denied(const auth::Decision& d) {
  if (d.denial == auth::Decision::Denial::not_found) return http::error(404, "not_found", "not found");
  return http::error(403, "forbidden", "you may not do this");
}

json grants_json(const std::vector<auth::Grant>& grants) {
  json a = json::array();
  for (const auto& g : grants)
    a.push_back({{"role", auth::to_string(g.role)}, {"scope", auth::to_string(g.scope)}});
  return a;
}

json to_json(const auth::User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"unit_id", u.unit_id},
          {"grants", grants_json(u.grants)},
          {"disabled", u.disabled},
          {"must_change_password", u.must_change_password},
          {"totp_enrolled", u.totp_enrolled}};
}

json to_json(const auth::Unit& u) {
  return {{"id", u.id}, {"name", u.name}, {"kind", auth::to_string(u.kind)}, {"parent_id", u.parent_id}};
}

json to_json(const auth::ApiKeyInfo& k) {
  return {{"id", k.id},
          {"unit_id", k.unit_id},
          {"name", k.name},
          {"scopes", k.scopes},
          {"rate_limit_per_minute", k.rate_limit_per_minute},
          {"revoked", k.revoked}};
}

std::string rfc3339(audit::Timestamp t) {
  const std::int64_t us = t.time_since_epoch().count();
  std::int64_t secs = us / 1000000;
  std::int64_t frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::optional<audit::Timestamp> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+HH:MM|-HH:MM); a date alone means its midnight UTC.
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!digits(0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
      !digits(8, 2, d))
    return std::nullopt;
  std::size_t pos = 10;
  std::int64_t frac_us = 0;
  std::int64_t offset_s = 0;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, h) || s.size() < 19 ||
        s[13] != ':' || !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se))
      return std::nullopt;
    pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int n = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (n < 6) frac_us = frac_us * 10 + (s[pos] - '0');
        ++n;
        ++pos;
      }
      if (n == 0) return std::nullopt;
      for (int k = n; k < 6; ++k) frac_us *= 10;
    }
    if (pos >= s.size()) return std::nullopt;
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(pos + 4, 2, om))
        return std::nullopt;
      offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
      pos += 6;
    } else {
      return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const auto days = std::chrono::sys_days(ymd);
  const auto t = std::chrono::time_point_cast<std::chrono::microseconds>(days) + std::chrono::hours(h) +
                 std::chrono::minutes(mi) + std::chrono::seconds(se) - std::chrono::seconds(offset_s) +
                 std::chrono::microseconds(frac_us);
  return t;
}

json to_json(const audit::StoredEvent& s) {
  const auto& e = s.event;
  json j = {{"seq", s.seq},
            {"actor", e.actor},
            {"unit", e.unit},
            {"roles", e.roles},
            {"session_hash", e.session_hash},
            {"address", e.address},
            {"time", rfc3339(e.time)},
            {"action", audit::to_string(e.action)},
            {"object_type", e.object_type},
            {"object_id", e.object_id},
            {"fields", e.fields},
            {"outcome", audit::to_string(e.outcome)},
            {"reason", e.reason}};
  j["row_count"] = e.row_count ? json(*e.row_count) : json(nullptr);
  return j;
}

}  // namespace baove::api

namespace baove::api {

bool id_like(std::string_view id) {
  if (id.empty() || id.size() > audit::kMaxObjectIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

http::Response body_error(const Error& e) {
  if (e.code == ErrorCode::conflict) {
    std::vector<std::string> fields;
    const json names = json::parse(e.message, nullptr, /*allow_exceptions=*/false);
    if (names.is_array()) {
      for (const auto& n : names) fields.push_back(n.get<std::string>());
    }
    return validation_failed(fields, "unknown fields in the request body");
  }
  return http::error(400, "bad_request", e.message);
}

}  // namespace baove::api
