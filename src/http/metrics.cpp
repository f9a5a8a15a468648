#include "http/metrics.hpp"

#include <cstdio>

namespace baove::http {

void Metrics::request_done(std::string_view method, std::string_view route, int status,
                           std::chrono::nanoseconds d) {
  std::string key;
  key.reserve(method.size() + route.size() + 6);
  key.append(method).push_back('\0');
  key.append(route).push_back('\0');
  key += std::to_string(status);
  const double seconds = static_cast<double>(d.count()) / 1e9;
  std::lock_guard lock(mu_);
  ++requests_[key];
  auto& s = durations_[std::string(route)];
  ++s.count;
  s.sum += seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++s.buckets[i];
  }
}

void Metrics::add(std::string_view name, std::string_view help, std::int64_t delta) {
  std::lock_guard lock(mu_);
  auto& c = counters_[std::string(name)];
  if (c.first.empty()) c.first = help;
  c.second += delta;
}

namespace {

// Label values are route patterns and methods: escape \ " and newline anyway.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  out += "# HELP baove_http_requests_total HTTP requests answered, by method, route and status.\n";
  out += "# TYPE baove_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto a = key.find('\0');
    const auto b = key.find('\0', a + 1);
    out += "baove_http_requests_total{method=\"" + label(key.substr(0, a)) + "\",route=\"" +
           label(key.substr(a + 1, b - a - 1)) + "\",status=\"" + key.substr(b + 1) + "\"} " +
           std::to_string(n) + "\n";
  }
  out +=
      "# HELP baove_http_request_duration_seconds Time from the request's first byte read to the response "
      "handed to the network.\n";
  out += "# TYPE baove_http_request_duration_seconds histogram\n";
  for (const auto& [route, s] : durations_) {
    const std::string r = label(route);
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out += "baove_http_request_duration_seconds_bucket{route=\"" + r + "\",le=\"" + number(kBuckets[i]) +
             "\"} " + std::to_string(s.buckets[i]) + "\n";
    }
    out += "baove_http_request_duration_seconds_bucket{route=\"" + r + "\",le=\"+Inf\"} " +
           std::to_string(s.count) + "\n";
    out += "baove_http_request_duration_seconds_sum{route=\"" + r + "\"} " + number(s.sum) + "\n";
    out += "baove_http_request_duration_seconds_count{route=\"" + r + "\"} " + std::to_string(s.count) + "\n";
  }
  out += "# HELP baove_http_connections_open Client connections open now.\n";
  out += "# TYPE baove_http_connections_open gauge\n";
  out += "baove_http_connections_open " + std::to_string(connections_open_.load()) + "\n";
  out += "# HELP baove_http_connections_refused_total Connections refused over max_connections.\n";
  out += "# TYPE baove_http_connections_refused_total counter\n";
  out += "baove_http_connections_refused_total " + std::to_string(connections_refused_.load()) + "\n";
  for (const auto& [name, c] : counters_) {
    out += "# HELP " + name + " " + c.first + "\n# TYPE " + name + " counter\n";
    out += name + " " + std::to_string(c.second) + "\n";
  }
  return out;
}

}  // namespace baove::http
