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
#include <vector>

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
  // key "bank_database": the SQLite file of the known-material banks ("" means <data_dir>/baove.db,
  // where `baove bank` keeps them by default)
  std::filesystem::path bank_database;
  std::filesystem::path vault_dir;  // key "vault_dir": the evidence vault ("" means <data_dir>/vault)
  // key "vault_key": the vault's master key as 64 hex digits, normally from the environment
  // (BAOVE_VAULT_KEY); "" means the key file <data_dir>/keys/vault.key (created when missing)
  std::string vault_key;
  std::uint64_t upload_file_limit_bytes = 2ull << 30;  // key "upload_file_limit_bytes": per evidence file
  std::size_t upload_max_files = 10;                   // key "upload_max_files": per report
  std::size_t report_rate_per_hour = 20;     // key "report_rate_per_hour": public reports per network address
  std::size_t status_lookups_per_hour = 60;  // key "status_lookups_per_hour": receipt lookups per address
  // key "stats_suppression_threshold": in public statistics exports, counts from 1 to this - 1 are
  // shown as "<N" (docs/STATISTICS.md)
  std::size_t stats_suppression_threshold = 5;
  std::string intake_unit;  // key "intake_unit": unit receiving public reports ("" = root)
  // Channel webhooks (secrets: set them in the environment, never in a file others can read).
  std::string zalo_app_id;            // key "zalo_app_id"
  std::string zalo_oa_secret;         // key "zalo_oa_secret"
  std::string facebook_app_secret;    // key "facebook_app_secret"
  std::string facebook_verify_token;  // key "facebook_verify_token"
  // key "trusted_proxies": comma-separated IP addresses of the reverse proxies in front of the server
  // whose X-Forwarded-For is believed (per-address limits and audit events then see the client, not
  // the proxy); empty: X-Forwarded-For is ignored
  std::vector<std::string> trusted_proxies;
  // key "metrics_allow": comma-separated IP addresses that may read GET /metrics (a Prometheus
  // server); anyone else, and any request carrying X-Forwarded-For or Forwarded (one that came
  // through a proxy), gets 404. Empty: nobody.
  std::vector<std::string> metrics_allow = {"127.0.0.1", "::1"};
  // key "fetch_allowed_hosts": comma-separated host suffixes attachments may be fetched from
  // key "fetch_allow_local": also fetch over plain http and from private or loopback addresses.
  // Only for tests and a local mirror: it opens the server to request forgery.
  bool fetch_allow_local = false;
  std::vector<std::string> fetch_allowed_hosts = {"zalo.me",   "zadn.vn",      "zdn.vn",
                                                  "fbcdn.net", "facebook.com", "fbsbx.com"};

  // The database URL with the default applied.
  std::string database_url() const;
  std::filesystem::path bank_database_path() const;
  std::filesystem::path vault_path() const;
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
