// libFuzzer target: the parts of a request the handlers read, from arbitrary bytes. The input is
// "METHOD TARGET" on its first line and "name: value" header lines after it; the target is split
// and percent-decoded as the server does, then routed through a Router holding every route of
// the OpenAPI document and the console, and read through Request's query, cookie and header
// accessors. Checks: decoding inverts percent-encoding; a route found matches the path segment
// by segment for the right method; cookie and query values survive being sent back; error bodies
// naming query parameters are valid JSON.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.hpp"
#include "http/http.hpp"
#include "http/router.hpp"

namespace {

using namespace baove;
using json = nlohmann::json;

http::Router make_router() {
  http::Router r;
  const json doc = json::parse(api::openapi_document());
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(c - 'a' + 'A');
      const http::Method m = http::parse_method(upper);
      if (m == http::Method::other) continue;
      r.add(m, path, [](http::Request&) { return http::Response::no_content(); });
    }
  }
  for (const char* path : {"/", "/console", "/console/", "/console/{file}"}) {
    r.add(http::Method::get, path, [](http::Request&) { return http::Response::no_content(); });
  }
  return r;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Whether `s` is valid UTF-8, by an independent judge: nlohmann::json refuses to dump anything else.
bool valid_utf8(std::string_view s) {
  try {
    (void)json(std::string(s)).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

// json_escape() makes a JSON string of any bytes; valid UTF-8 comes back unchanged.
void check_escape(std::string_view s) {
  const json back = json::parse("\"" + http::json_escape(s) + "\"", nullptr, /*allow_exceptions=*/false);
  if (back.is_discarded() || !back.is_string()) __builtin_trap();
  if (valid_utf8(s) && back.get_ref<const std::string&>() != s) __builtin_trap();
}

void check_decode(std::string_view raw, bool plus_is_space) {
  const auto d = http::percent_decode(raw, plus_is_space);
  if (!d) return;
  if (d->size() > raw.size()) __builtin_trap();
  if (raw.find('%') == std::string_view::npos &&
      (!plus_is_space || raw.find('+') == std::string_view::npos) && *d != raw)
    __builtin_trap();
  const auto again = http::percent_decode(percent_encode(*d), plus_is_space);
  if (!again || *again != *d) __builtin_trap();
}

void check_route(const http::Router& router, http::Method method, const std::string& path) {
  const auto found = router.find(method, path);
  const http::Method wanted = method == http::Method::head ? http::Method::get : method;
  if (found.route == nullptr) {
    for (auto m : found.allowed) {
      if (m == wanted) __builtin_trap();
    }
    return;
  }
  if (found.route->method != wanted || !found.allowed.empty()) __builtin_trap();
  const bool trailing = path.size() > 1 && path.back() == '/';
  const std::string& pattern = found.route->pattern;
  if (trailing != (pattern.size() > 1 && pattern.back() == '/')) __builtin_trap();
  const auto want = segments(pattern);
  const auto got = segments(path);
  if (want.size() != got.size()) __builtin_trap();
  std::size_t params = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      const auto it = found.params.find(std::string(want[i].substr(1, want[i].size() - 2)));
      if (it == found.params.end() || it->second != got[i] || it->second.empty()) __builtin_trap();
      ++params;
    } else if (want[i] != got[i]) {
      __builtin_trap();
    }
  }
  if (params != found.params.size()) __builtin_trap();
}

void check_request(const http::Request& req) {
  // Query parameters: each name decodes, and a decoded pair sent back encoded reads the same.
  const auto names = req.query_names();
  for (const auto& n : names) {
    const auto v = req.query_param(n);
    if (!v) continue;
    http::Request echo;
    echo.query = percent_encode(n) + "=" + percent_encode(*v);
    const auto back = echo.query_param(n);
    if (!back || *back != *v || echo.query_names() != std::vector<std::string>{n}) __builtin_trap();
  }
  // The error the audit search sends for unknown parameters names them: it must stay JSON.
  std::vector<std::string> fields;
  for (const auto& n : names) fields.push_back(n.substr(0, 64));
  const http::Response err = http::error(400, "validation_failed", "unknown query parameters", fields);
  const json body = json::parse(err.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || body["error"]["fields"].size() != fields.size()) __builtin_trap();

  // Cookies: a value found is trimmed, holds no ';', and is found again after another cookie.
  if (const auto c = req.cookie("baove_session")) {
    if (c->find(';') != std::string::npos) __builtin_trap();
    if (!c->empty() && (c->front() == ' ' || c->front() == '\t' || c->back() == ' ' || c->back() == '\t'))
      __builtin_trap();
    http::Request echo;
    echo.headers.push_back({"cookie", "theme=dark; baove_session=" + *c});
    if (echo.cookie("baove_session") != c) __builtin_trap();
  }
  // Header names match whatever their case.
  for (const auto& h : req.headers) {
    std::string upper = h.name;
    for (auto& ch : upper) {
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    const auto a = req.header(h.name);
    const auto b = req.header(upper);
    if (!a || !b || *a != *b) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const http::Router router = make_router();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto first_end = input.find('\n');
  const std::string_view line = input.substr(0, first_end);
  const auto space = line.find(' ');
  http::Request req;
  req.method = http::parse_method(line.substr(0, space));
  req.target = std::string(space == std::string_view::npos ? std::string_view() : line.substr(space + 1));
  std::string_view rest =
      first_end == std::string_view::npos ? std::string_view() : input.substr(first_end + 1);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view h = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    const auto colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(h.substr(0, colon));
    for (auto& ch : name) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    std::string_view value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.push_back({std::move(name), std::string(value)});
  }

  // As the server does: the path is decoded without '+' rules; the query is kept raw.
  const auto q = req.target.find('?');
  const std::string_view raw_path = std::string_view(req.target).substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  check_decode(raw_path, false);
  check_decode(req.query, true);
  const auto path = http::percent_decode(raw_path, false);
  if (path && !path->empty() && path->front() == '/' && path->find('\0') == std::string::npos) {
    req.path = *path;
    check_route(router, req.method, req.path);
    check_escape(req.path);
  }
  check_request(req);
  return 0;
}
