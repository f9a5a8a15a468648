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

// Matches the path's segments against a pattern's. Returns the number of literal segments (for
// preferring literal matches), or -1.
int score(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path) {
  if (pattern.size() != path.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      if (path[i].empty()) return -1;
    } else {
      if (pattern[i] != path[i]) return -1;
      ++literals;
    }
  }
  return literals;
}

}  // namespace

void Router::add(Route route) {
  auto same = [&](const Route& r) { return r.method == route.method && r.pattern == route.pattern; };
  std::vector<std::string> split;
  for (auto seg : segments(route.pattern)) split.emplace_back(seg);
  auto it = std::find_if(routes_.begin(), routes_.end(), same);
  if (it != routes_.end()) {
    segments_[static_cast<std::size_t>(it - routes_.begin())] = std::move(split);
    *it = std::move(route);
  } else {
    routes_.push_back(std::move(route));
    segments_.push_back(std::move(split));
  }
}

void Router::add(Method method, std::string pattern, Handler handler, std::size_t body_limit) {
  Route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.body_limit = body_limit;
  r.handler = std::move(handler);
  add(std::move(r));
}

void Router::add_async(Method method, std::string pattern, AsyncHandler handler, std::size_t body_limit) {
  Route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.body_limit = body_limit;
  r.async = std::move(handler);
  add(std::move(r));
}

void Router::add_stream(Method method, std::string pattern, StreamHandler handler, std::uint64_t body_limit) {
  Route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.body_limit = body_limit;
  r.stream = std::move(handler);
  add(std::move(r));
}

Router::Found Router::find(Method method, std::string_view path) const {
  Found found;
  const bool trailing = path.size() > 1 && path.back() == '/';
  const auto segs = segments(path);
  const Method wanted = method == Method::head ? Method::get : method;
  int best = -1;
  std::size_t best_index = 0;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    const bool pattern_trailing = r.pattern.size() > 1 && r.pattern.back() == '/';
    if (pattern_trailing != trailing) continue;
    const int sc = score(segments_[i], segs);
    if (sc < 0) continue;
    if (r.method != wanted) {
      if (std::find(found.allowed.begin(), found.allowed.end(), r.method) == found.allowed.end())
        found.allowed.push_back(r.method);
      continue;
    }
    if (sc > best) {
      best = sc;
      best_index = i;
    }
  }
  if (best < 0) return found;
  found.allowed.clear();
  found.route = &routes_[best_index];
  const auto& pattern = segments_[best_index];
  for (std::size_t k = 0; k < pattern.size(); ++k) {
    if (is_param(pattern[k]))
      found.params.emplace(pattern[k].substr(1, pattern[k].size() - 2), std::string(segs[k]));
  }
  return found;
}

}  // namespace baove::http
