// Prometheus metrics of the server, in the text exposition format (version 0.0.4). Thread-safe.
// Labels are route patterns and status codes only: never paths, queries or identifiers.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace baove::http {

class Metrics {
 public:
  // Histogram bucket bounds of request durations, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  void request_done(std::string_view method, std::string_view route, int status, std::chrono::nanoseconds d);
  void connection_opened() { connections_open_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() { connections_open_.fetch_sub(1, std::memory_order_relaxed); }
  void connection_refused() { connections_refused_.fetch_add(1, std::memory_order_relaxed); }
  std::int64_t connections_open() const { return connections_open_.load(std::memory_order_relaxed); }
  // A counter of the application's own ("baove_audit_events_total", ...), with a help text.
  void add(std::string_view name, std::string_view help, std::int64_t delta = 1);

  // The whole exposition text.
  std::string render() const;

 private:
  struct Series {
    std::uint64_t count = 0;
    double sum = 0;
    std::array<std::uint64_t, kBuckets.size()> buckets{};
  };
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> requests_;                         // key: method\0route\0status
  std::map<std::string, Series> durations_;                               // key: route
  std::map<std::string, std::pair<std::string, std::int64_t>> counters_;  // name -> (help, value)
  std::atomic<std::int64_t> connections_open_{0};
  std::atomic<std::int64_t> connections_refused_{0};
};

}  // namespace baove::http
