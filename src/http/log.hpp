// Structured logs: one JSON object a line (or plain text) on a stream, each with the time, the
// level, a message and the fields the caller gives. Callers pass identifiers and numbers only:
// never personal data, secrets, request bodies or query strings. Thread-safe.
//
// Info lines are buffered and written when 16 KiB have gathered, when 250 ms have passed since the
// last write, or on flush(); warnings and errors are written at once (with what was buffered).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace baove::http {

class Logger {
 public:
  enum class Format { json, text };
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;
  using Field = std::pair<std::string_view, Value>;

  // Writes to `out` (not owned; stderr by default). `out` may be null: logging is then off.
  explicit Logger(Format format = Format::json, std::FILE* out = stderr) : format_(format), out_(out) {}

  void info(std::string_view msg, std::initializer_list<Field> fields = {}) { write("info", msg, fields); }
  void warn(std::string_view msg, std::initializer_list<Field> fields = {}) { write("warn", msg, fields); }
  void error(std::string_view msg, std::initializer_list<Field> fields = {}) { write("error", msg, fields); }
  // Writes out what is buffered.
  void flush();
  ~Logger() { flush(); }
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

 private:
  void write(std::string_view level, std::string_view msg, std::initializer_list<Field> fields);
  Format format_;
  void flush_locked();
  std::FILE* out_;
  std::mutex mu_;
  std::string buffer_;
  std::chrono::steady_clock::time_point last_flush_{};
};

}  // namespace baove::http
