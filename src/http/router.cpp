#include "http/router.hpp"

#include <algorithm>

namespace baove::http {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool is_param(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

// Matches `path` against `pattern`; fills params. Returns the number of literal segments (for
// preferring literal matches), or -1.
int match(std::string_view pattern, const std::vector<std::string_view>& path_segs,
          std::map<std::string, std::string>& params) {
  const auto pat = segments(pattern);
  if (pat.size() != path_segs.size()) return -1;
  // A trailing slash matters: "/console/" is not "/console".
  int literals = 0;
  params.clear();
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (is_param(pat[i])) {
      if (path_segs[i].empty()) return -1;
      params.emplace(std::string(pat[i].substr(1, pat[i].size() - 2)), std::string(path_segs[i]));
    } else {
      if (pat[i] != path_segs[i]) return -1;
      ++literals;
    }
  }
  return literals;
}

}  // namespace

void Router::add(Route route) {
  auto same = [&](const Route& r) { return r.method == route.method && r.pattern == route.pattern; };
  auto it = std::find_if(routes_.begin(), routes_.end(), same);
  if (it != routes_.end()) {
    *it = std::move(route);
  } else {
    routes_.push_back(std::move(route));
  }
}

void Router::add(Method method, std::string pattern, Handler handler, std::size_t body_limit) {
  add(Route{method, std::move(pattern), std::move(handler), body_limit, {}});
}

void Router::add_async(Method method, std::string pattern, AsyncHandler handler, std::size_t body_limit) {
  Route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.body_limit = body_limit;
  r.async = std::move(handler);
  add(std::move(r));
}

Router::Found Router::find(Method method, std::string_view path) const {
  Found found;
  const bool trailing = path.size() > 1 && path.back() == '/';
  const auto segs = segments(path);
  const Method wanted = method == Method::head ? Method::get : method;
  int best = -1;
  std::map<std::string, std::string> params;
  for (const auto& r : routes_) {
    const bool pattern_trailing = r.pattern.size() > 1 && r.pattern.back() == '/';
    if (pattern_trailing != trailing) continue;
    const int score = match(r.pattern, segs, params);
    if (score < 0) continue;
    if (r.method != wanted) {
      if (std::find(found.allowed.begin(), found.allowed.end(), r.method) == found.allowed.end())
        found.allowed.push_back(r.method);
      continue;
    }
    if (score > best) {
      best = score;
      found.route = &r;
      found.params = params;
    }
  }
  if (found.route != nullptr) found.allowed.clear();
  return found;
}

}  // namespace baove::http
