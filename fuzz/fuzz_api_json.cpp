// libFuzzer target: arbitrary bytes as an API request body, through parse_object() with the
// members of each route that takes a body, the field readers (get_string, get_int, get_strings,
// get_grants), the 400 answers they lead to, and parse_rfc3339 (the audit search's times). Every
// refusal must be a 400 whose body is valid JSON naming the fields; every value a reader returns
// must be what the body holds; every time parse_rfc3339 accepts must print back to itself.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "api/internal.hpp"

namespace {

using namespace baove;
using api::json;

// The body is one valid JSON document (UTF-8 included) in the error shape with these fields.
void check_error_body(const http::Response& r, int status, const std::vector<std::string>* fields) {
  if (r.status != status) __builtin_trap();
  const json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || !body.contains("error")) __builtin_trap();
  const json& e = body["error"];
  if (!e["code"].is_string() || !e["message"].is_string() || !e["fields"].is_array()) __builtin_trap();
  if (fields != nullptr && e["fields"] != json(*fields)) __builtin_trap();
}

bool named(const std::vector<std::string>& bad, const char* name) {
  for (const auto& b : bad) {
    if (b == name) return true;
  }
  return false;
}

// Reads every field the routes read, checking each reader's answer against the document.
void read_fields(const json& o) {
  std::vector<std::string> bad;
  for (const char* name :
       {"name", "kind", "parent_id", "username", "unit_id", "password", "totp_code", "code"}) {
    const std::size_t before = bad.size();
    const std::string v = api::get_string(o, name, bad, /*required=*/true, 64);
    if (!v.empty()) {
      if (bad.size() != before || !o.at(name).is_string() || o.at(name).get<std::string>() != v ||
          v.size() > 64)
        __builtin_trap();
    }
    if (bad.size() != before && !v.empty()) __builtin_trap();
  }
  {
    const std::size_t before = bad.size();
    const auto v = api::get_string(o, "old_password", bad, /*required=*/false);
    const bool present = o.contains("old_password") && !o["old_password"].is_null();
    if (!present && (bad.size() != before || !v.empty())) __builtin_trap();
  }
  {
    const std::size_t before = bad.size();
    const auto v = api::get_int(o, "rate_limit_per_minute", bad);
    if (v && (bad.size() != before || !o["rate_limit_per_minute"].is_number_integer() ||
              o["rate_limit_per_minute"].get<std::int64_t>() != *v))
      __builtin_trap();
    if (!v && bad.size() != before + 1) __builtin_trap();
  }
  {
    const std::size_t before = bad.size();
    const auto v = api::get_strings(o, "scopes", bad);
    if (bad.size() == before) {
      const json& a = o["scopes"];
      if (!a.is_array() || a.size() != v.size() || v.size() > 64) __builtin_trap();
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (a[i] != v[i] || v[i].size() > 128) __builtin_trap();
      }
    } else if (!v.empty()) {
      __builtin_trap();
    }
  }
  {
    const std::size_t before = bad.size();
    const auto grants = api::get_grants(o, "grants", bad);
    if (bad.size() == before) {
      const json& a = o["grants"];
      if (!a.is_array() || a.size() != grants.size() || grants.size() > 32) __builtin_trap();
      for (std::size_t i = 0; i < grants.size(); ++i) {
        if (a[i]["role"] != auth::to_string(grants[i].role) ||
            a[i]["scope"] != auth::to_string(grants[i].scope))
          __builtin_trap();
      }
    } else if (!grants.empty()) {
      __builtin_trap();
    }
  }
  if (!bad.empty()) check_error_body(api::validation_failed(bad), 400, &bad);
  if (named(bad, "name") && o.contains("name") && o["name"].is_string() &&
      o["name"].get<std::string>().size() <= 64 && !o["name"].get<std::string>().empty())
    __builtin_trap();
}

// Accepted times print (as UTC with microseconds) to text that parses back to the same time.
void check_time(std::string_view text) {
  const auto t = api::parse_rfc3339(text);
  if (!t) return;
  using namespace std::chrono;
  // rfc3339() prints four-digit years: the round trip holds from year 1 to 9998.
  const auto lo = time_point_cast<microseconds>(sys_days(year{1} / January / 2));
  const auto hi = time_point_cast<microseconds>(sys_days(year{9998} / December / 30));
  if (*t < lo || *t > hi) return;
  const std::string printed = api::rfc3339(*t);
  const auto again = api::parse_rfc3339(printed);
  if (!again || *again != *t) __builtin_trap();
}

void parse_with(const http::Request& req, std::initializer_list<const char*> allowed) {
  auto body = api::parse_object(req, allowed);
  if (!body.ok()) {
    const http::Response r = api::body_error(body.error());
    check_error_body(r, 400, nullptr);
    if (body.error().code == ErrorCode::conflict) {
      // Unknown members: each named (at most 64 bytes of its name), none of them allowed.
      const json fields = json::parse(r.body)["error"]["fields"];
      if (fields.empty()) __builtin_trap();
      for (const auto& f : fields) {
        const std::string& name = f.get_ref<const std::string&>();
        if (name.size() > 64) __builtin_trap();
        for (const char* a : allowed) {
          if (name == a) __builtin_trap();
        }
      }
    }
    return;
  }
  if (!body->is_object()) __builtin_trap();
  for (const auto& [k, v] : body->items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) __builtin_trap();
  }
  read_fields(*body);
  for (const auto& [k, v] : body->items()) {
    if (v.is_string()) check_time(v.get_ref<const std::string&>());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::Request req;
  req.method = http::Method::post;
  req.body.assign(reinterpret_cast<const char*>(data), size);
  // The members of each route with a body, then all of them (so more bodies reach the readers).
  parse_with(req, {"name", "kind", "parent_id"});
  parse_with(req, {"username", "unit_id", "grants"});
  parse_with(req, {"unit_id", "name", "scopes", "rate_limit_per_minute"});
  parse_with(req, {"username", "password", "totp_code"});
  parse_with(req, {"old_password", "new_password"});
  parse_with(req, {"code"});
  parse_with(req, {"name", "kind", "parent_id", "username", "unit_id", "grants", "scopes",
                   "rate_limit_per_minute", "password", "totp_code", "old_password", "new_password", "code"});
  check_time(req.body);
  (void)api::id_like(req.body);
  return 0;
}
