// The server's configuration: defaults, then a file, then the environment, then flags, each
// overriding the one before. The defaults serve a single hotline: 127.0.0.1:8080, data under
// ./var, SQLite at ./var/baove.db.
//
// File format (baove.conf): one `key = value` a line; a line starting with `#` is a comment, and
// so is the rest of a line from a `#` that follows white space; values may be quoted with double
// quotes (inside them `\"` and `\\` stand for `"` and `\`, and `#` is text); keys are the names
// below, each at most once. An unknown key or a bad value fails with an error naming the file,
// the line and the key ("baove.conf:7: key 'listen': expects HOST:PORT ..."), never the value,
// which may be a database password.
// Environment: BAOVE_<KEY in upper case>, e.g. BAOVE_LISTEN, BAOVE_DATA_DIR, BAOVE_DATABASE; the
// error names the variable. Flags: --<key with '-' for '_'>, e.g. --listen, --data-dir,
// --database (the caller's CLI maps them into the `flags` argument of load_config()); the error
// names the flag.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace baove::platform {

struct Config {
  // key "listen": HOST:PORT, [IPv6]:PORT, or :PORT for every IPv4 address; port 0 picks a free port
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path data_dir = "var";  // key "data_dir": keys, database, checkpoint file
  // key "database": store URL (sqlite:PATH or postgresql://...); "" means sqlite:<data_dir>/baove.db
  std::string database;
  std::string root_unit_name = "Department of Children";  // key "root_unit_name": first start only
  std::size_t io_threads = 0;                             // key "io_threads": 0 = one per core
  std::size_t workers = 64;  // key "workers": threads running request handlers (each a DB connection)
  std::size_t max_connections = 2048;            // key "max_connections"
  std::size_t header_limit_bytes = 16 * 1024;    // key "header_limit_bytes"
  std::size_t body_limit_bytes = 1024 * 1024;    // key "body_limit_bytes": default per-route limit
  std::chrono::seconds request_timeout{30};      // key "request_timeout_seconds": whole request read
  std::chrono::seconds idle_timeout{60};         // key "idle_timeout_seconds": keep-alive idle
  std::chrono::seconds checkpoint_interval{60};  // key "checkpoint_interval_seconds"
  bool secure_cookies = false;      // key "secure_cookies": set when clients reach Baove over TLS (a proxy)
  std::string log_format = "json";  // key "log_format": json | text

  // The database URL with the default applied.
  std::string database_url() const;
};

// Key/value overrides (key names as in the file) from flags. Values are text, parsed as the file's.
using Overrides = std::map<std::string, std::string>;

// Builds the configuration: defaults, then `file` if non-empty (missing file: not_found), then the
// environment (read through `getenv`, so tests can pass their own), then `flags`.
Result<Config> load_config(const std::filesystem::path& file, const Overrides& flags,
                           const std::function<const char*(const char*)>& getenv);

// Applies one `key = value` to `config` (shared by file, environment and flags). The error names
// the key only.
Status apply_setting(Config& config, std::string_view key, std::string_view value);

}  // namespace baove::platform
