#include "http/log.hpp"

#include <chrono>
#include <cinttypes>
#include <ctime>

#include "http/http.hpp"

namespace baove::http {

namespace {

// A field's value as JSON (quoted, escaped text) or as plain text.
std::string value_text(const Logger::Value& value, bool json) {
  if (const auto* s = std::get_if<std::string_view>(&value)) {
    return json ? "\"" + json_escape(*s) + "\"" : std::string(*s);
  }
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", *d);
    return buf;
  }
  return std::get<bool>(value) ? "true" : "false";
}

}  // namespace

void Logger::write(std::string_view level, std::string_view msg, std::initializer_list<Field> fields) {
  if (out_ == nullptr) return;
  const auto now = std::chrono::system_clock::now();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<std::int64_t>(us % 1000000));
  std::string line;
  if (format_ == Format::json) {
    line = "{\"time\":\"" + std::string(stamp) + "\",\"level\":\"" + std::string(level) + "\",\"msg\":\"" +
           json_escape(msg) + "\"";
    for (const auto& [name, value] : fields) {
      line += ",\"" + json_escape(name) + "\":" + value_text(value, true);
    }
    line += "}\n";
  } else {
    line = std::string(stamp) + " " + std::string(level) + " " + std::string(msg);
    for (const auto& [name, value] : fields) {
      line += " " + std::string(name) + "=" + value_text(value, false);
    }
    line += "\n";
  }
  const auto steady = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  buffer_ += line;
  if (level != "info" || buffer_.size() >= 16 * 1024 ||
      steady - last_flush_ >= std::chrono::milliseconds(250)) {
    flush_locked();
    last_flush_ = steady;
  }
}

void Logger::flush() {
  std::lock_guard lock(mu_);
  flush_locked();
}

void Logger::flush_locked() {
  if (out_ == nullptr || buffer_.empty()) return;
  std::fwrite(buffer_.data(), 1, buffer_.size(), out_);
  std::fflush(out_);
  buffer_.clear();
}

}  // namespace baove::http
