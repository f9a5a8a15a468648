// The configuration: defaults, file, environment, flags.
#include "platform/config.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <set>
#include <vector>

#include "util/file.hpp"

namespace baove::platform {
namespace {

constexpr std::uint64_t kMaxConfigFileBytes = 1 << 20;

// Every key, in the order of struct Config.
constexpr std::string_view kKeys[] = {"listen",
                                      "data_dir",
                                      "database",
                                      "root_unit_name",
                                      "io_threads",
                                      "workers",
                                      "max_connections",
                                      "header_limit_bytes",
                                      "body_limit_bytes",
                                      "request_timeout_seconds",
                                      "idle_timeout_seconds",
                                      "checkpoint_interval_seconds",
                                      "secure_cookies",
                                      "log_format",
                                      "bank_database",
                                      "vault_dir",
                                      "vault_key",
                                      "upload_file_limit_bytes",
                                      "upload_max_files",
                                      "report_rate_per_hour",
                                      "status_lookups_per_hour",
                                      "stats_suppression_threshold",
                                      "intake_unit",
                                      "zalo_app_id",
                                      "zalo_oa_secret",
                                      "facebook_app_secret",
                                      "facebook_verify_token",
                                      "fetch_allowed_hosts",
                                      "trusted_proxies",
                                      "metrics_allow",
                                      "fetch_allow_local"};

bool known_key(std::string_view key) {
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

// A key as it may be shown in an error: a plausible setting name, or a placeholder, so that a
// value pasted where a key belongs is never echoed.
std::string shown_key(std::string_view key) {
  const bool plausible = !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  return plausible ? "'" + std::string(key) + "'" : "(not a setting name)";
}

Error bad_value(std::string_view key, const std::string& expected) {
  return make_error(ErrorCode::invalid_argument, "key '" + std::string(key) + "': " + expected);
}

std::string_view trim(std::string_view s);

// The non-empty, trimmed items of a comma-separated list.
std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const auto item = trim(value.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  std::uint64_t v = 0;
  const auto [p, err] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (err != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Result<std::size_t> size_in(std::string_view key, std::string_view value, std::uint64_t min,
                            std::uint64_t max) {
  const auto v = parse_uint(value);
  if (!v || *v < min || *v > max) {
    return bad_value(key,
                     "expects a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<std::size_t>(*v);
}

Result<std::chrono::seconds> seconds_in(std::string_view key, std::string_view value, std::uint64_t max) {
  auto v = size_in(key, value, 1, max);
  if (!v) return v.error();
  return std::chrono::seconds(static_cast<std::chrono::seconds::rep>(*v));
}

bool valid_port(std::string_view p) {
  const auto v = parse_uint(p);
  return v && *v <= 65535 && p.size() <= 5;
}

// HOST:PORT, [IPv6]:PORT or :PORT (every IPv4 address).
bool valid_listen(std::string_view s) {
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close < 2 || close + 1 >= s.size() || s[close + 1] != ':')
      return false;
    return valid_port(s.substr(close + 2));
  }
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  const auto host = s.substr(0, colon);
  if (host.find(':') != std::string_view::npos) return false;  // bare IPv6 needs brackets
  if (!std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '-';
      })) {
    return false;
  }
  return valid_port(s.substr(colon + 1));
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// One line of the file: "" for blank and comment lines, else key and value. The error says what is
// wrong without quoting the line.
struct Line {
  std::string key;
  std::string value;
};
Result<std::optional<Line>> parse_line(std::string_view raw) {
  std::string_view s = trim(raw);
  if (s.empty() || s.front() == '#') return std::optional<Line>{};
  const auto eq = s.find('=');
  if (eq == std::string_view::npos) {
    return make_error(ErrorCode::invalid_argument, "expected 'key = value'");
  }
  Line line;
  line.key = std::string(trim(s.substr(0, eq)));
  std::string_view rest = trim(s.substr(eq + 1));
  if (line.key.empty()) return make_error(ErrorCode::invalid_argument, "expected 'key = value'");
  if (!rest.empty() && rest.front() == '"') {
    std::size_t i = 1;
    bool closed = false;
    for (; i < rest.size(); ++i) {
      const char c = rest[i];
      if (c == '\\' && i + 1 < rest.size() && (rest[i + 1] == '"' || rest[i + 1] == '\\')) {
        line.value.push_back(rest[++i]);
      } else if (c == '"') {
        closed = true;
        ++i;
        break;
      } else {
        line.value.push_back(c);
      }
    }
    if (!closed) {
      return make_error(ErrorCode::invalid_argument,
                        "key " + shown_key(line.key) + ": unterminated quoted value");
    }
    const std::string_view after = trim(rest.substr(i));
    if (!after.empty() && after.front() != '#') {
      return make_error(ErrorCode::invalid_argument,
                        "key " + shown_key(line.key) + ": text after the closing quote");
    }
    return std::optional<Line>{std::move(line)};
  }
  // Unquoted: a '#' after white space starts a comment.
  for (std::size_t i = 1; i < rest.size(); ++i) {
    if (rest[i] == '#' && (rest[i - 1] == ' ' || rest[i - 1] == '\t')) {
      rest = trim(rest.substr(0, i));
      break;
    }
  }
  if (!rest.empty() && rest.front() == '#') rest = {};
  line.value = std::string(rest);
  return std::optional<Line>{std::move(line)};
}

std::string env_name(std::string_view key) {
  std::string n = "BAOVE_";
  for (char c : key) n.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  return n;
}

std::string flag_name(std::string_view key) {
  std::string n = "--";
  for (char c : key) n.push_back(c == '_' ? '-' : c);
  return n;
}

}  // namespace

std::string Config::database_url() const {
  if (!database.empty()) return database;
  return "sqlite:" + (data_dir / "baove.db").string();
}

std::filesystem::path Config::bank_database_path() const {
  return bank_database.empty() ? data_dir / "baove.db" : bank_database;
}

std::filesystem::path Config::vault_path() const {
  return vault_dir.empty() ? data_dir / "vault" : vault_dir;
}

Status apply_setting(Config& config, std::string_view key, std::string_view value) {
  if (!known_key(key)) return make_error(ErrorCode::invalid_argument, "unknown key " + shown_key(key));
  constexpr std::uint64_t kDay = 24 * 60 * 60;
  if (key == "listen") {
    if (!valid_listen(value))
      return bad_value(key,
                       "expects HOST:PORT (IPv6 as [ADDRESS]:PORT, every address as :PORT), port 0..65535");
    config.listen = std::string(value);
  } else if (key == "data_dir") {
    if (value.empty() || value.find('\0') != std::string_view::npos)
      return bad_value(key, "expects a directory");
    config.data_dir = std::filesystem::path(std::string(value));
  } else if (key == "database") {
    if (!value.empty() && !(starts_with(value, "sqlite:") && value.size() > 7) &&
        !starts_with(value, "postgresql://") && !starts_with(value, "postgres://")) {
      return bad_value(key, "expects sqlite:PATH or a postgresql:// URL (empty: sqlite:<data_dir>/baove.db)");
    }
    config.database = std::string(value);
  } else if (key == "root_unit_name") {
    if (value.empty() || value.size() > 200) return bad_value(key, "expects a name of 1..200 bytes");
    config.root_unit_name = std::string(value);
  } else if (key == "io_threads") {
    auto v = size_in(key, value, 0, 1024);
    if (!v) return v.error();
    config.io_threads = *v;
  } else if (key == "workers") {
    auto v = size_in(key, value, 1, 4096);
    if (!v) return v.error();
    config.workers = *v;
  } else if (key == "max_connections") {
    auto v = size_in(key, value, 1, 1'000'000);
    if (!v) return v.error();
    config.max_connections = *v;
  } else if (key == "header_limit_bytes") {
    auto v = size_in(key, value, 1024, 1 << 20);
    if (!v) return v.error();
    config.header_limit_bytes = *v;
  } else if (key == "body_limit_bytes") {
    auto v = size_in(key, value, 1, std::uint64_t{1} << 32);
    if (!v) return v.error();
    config.body_limit_bytes = *v;
  } else if (key == "request_timeout_seconds") {
    auto v = seconds_in(key, value, kDay);
    if (!v) return v.error();
    config.request_timeout = *v;
  } else if (key == "idle_timeout_seconds") {
    auto v = seconds_in(key, value, kDay);
    if (!v) return v.error();
    config.idle_timeout = *v;
  } else if (key == "checkpoint_interval_seconds") {
    auto v = seconds_in(key, value, kDay);
    if (!v) return v.error();
    config.checkpoint_interval = *v;
  } else if (key == "secure_cookies") {
    if (value == "true" || value == "yes" || value == "on" || value == "1") {
      config.secure_cookies = true;
    } else if (value == "false" || value == "no" || value == "off" || value == "0") {
      config.secure_cookies = false;
    } else {
      return bad_value(key, "expects true or false");
    }
  } else if (key == "log_format") {
    if (value != "json" && value != "text") return bad_value(key, "expects json or text");
    config.log_format = std::string(value);
  } else if (key == "bank_database") {
    if (value.find('\0') != std::string_view::npos) return bad_value(key, "expects a file path");
    config.bank_database = std::filesystem::path(std::string(value));
  } else if (key == "vault_dir") {
    if (value.find('\0') != std::string_view::npos) return bad_value(key, "expects a directory");
    config.vault_dir = std::filesystem::path(std::string(value));
  } else if (key == "vault_key") {
    const auto v = trim(value);
    if (!v.empty() && (v.size() != 64 || !std::all_of(v.begin(), v.end(), [](char c) {
                         return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                       }))) {
      return bad_value(key, "expects 64 hex digits (empty: the key file keys/vault.key)");
    }
    config.vault_key = std::string(v);
  } else if (key == "upload_file_limit_bytes") {
    auto v = size_in(key, value, 1024, std::uint64_t{1} << 40);
    if (!v) return v.error();
    config.upload_file_limit_bytes = *v;
  } else if (key == "upload_max_files") {
    auto v = size_in(key, value, 0, 100);
    if (!v) return v.error();
    config.upload_max_files = *v;
  } else if (key == "report_rate_per_hour") {
    auto v = size_in(key, value, 1, 1'000'000);
    if (!v) return v.error();
    config.report_rate_per_hour = *v;
  } else if (key == "status_lookups_per_hour") {
    auto v = size_in(key, value, 1, 1'000'000);
    if (!v) return v.error();
    config.status_lookups_per_hour = *v;
  } else if (key == "stats_suppression_threshold") {
    auto v = size_in(key, value, 2, 1'000'000);
    if (!v) return v.error();
    config.stats_suppression_threshold = *v;
  } else if (key == "intake_unit") {
    if (value.size() > 64) return bad_value(key, "expects a unit id");
    config.intake_unit = std::string(value);
  } else if (key == "zalo_app_id" || key == "zalo_oa_secret" || key == "facebook_app_secret" ||
             key == "facebook_verify_token") {
    if (value.size() > 512 || value.find('\0') != std::string_view::npos)
      return bad_value(key, "expects a short text");
    std::string& target = key == "zalo_app_id"           ? config.zalo_app_id
                          : key == "zalo_oa_secret"      ? config.zalo_oa_secret
                          : key == "facebook_app_secret" ? config.facebook_app_secret
                                                         : config.facebook_verify_token;
    target = std::string(value);
  } else if (key == "fetch_allow_local") {
    if (value == "true" || value == "yes" || value == "on" || value == "1") {
      config.fetch_allow_local = true;
    } else if (value == "false" || value == "no" || value == "off" || value == "0") {
      config.fetch_allow_local = false;
    } else {
      return bad_value(key, "expects true or false");
    }
  } else if (key == "trusted_proxies" || key == "metrics_allow") {
    auto& list = key == "trusted_proxies" ? config.trusted_proxies : config.metrics_allow;
    list.clear();
    for (auto address : split_list(value)) {
      if (address.size() > 64 ||
          address.find_first_not_of("0123456789abcdefABCDEF.:") != std::string_view::npos)
        return bad_value(key, "expects comma-separated IP addresses");
      list.emplace_back(address);
    }
  } else if (key == "fetch_allowed_hosts") {
    config.fetch_allowed_hosts.clear();
    for (auto host : split_list(value)) config.fetch_allowed_hosts.emplace_back(host);
  }
  return {};
}

Result<Config> load_config(const std::filesystem::path& file, const Overrides& flags,
                           const std::function<const char*(const char*)>& getenv) {
  Config config;
  if (!file.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      return make_error(ErrorCode::not_found, file.string() + ": no such configuration file");
    }
    auto mapped = MappedFile::open(file, kMaxConfigFileBytes);
    if (!mapped) return mapped.error().with_context(file.string());
    const auto bytes = mapped->bytes();
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::set<std::string> seen;
    std::size_t line_no = 0;
    std::size_t start = 0;
    while (start < text.size()) {
      ++line_no;
      std::size_t nl = text.find('\n', start);
      if (nl == std::string_view::npos) nl = text.size();
      const std::string_view raw = text.substr(start, nl - start);
      start = nl + 1;
      const std::string where = file.string() + ":" + std::to_string(line_no);
      auto line = parse_line(raw);
      if (!line) return line.error().with_context(where);
      if (!*line) continue;
      if (!seen.insert((*line)->key).second && known_key((*line)->key)) {
        return make_error(ErrorCode::invalid_argument,
                          where + ": key " + shown_key((*line)->key) + " set twice");
      }
      Status s = apply_setting(config, (*line)->key, (*line)->value);
      if (!s) return s.error().with_context(where);
    }
  }
  if (getenv) {
    for (std::string_view key : kKeys) {
      const std::string name = env_name(key);
      const char* v = getenv(name.c_str());
      if (v == nullptr) continue;
      Status s = apply_setting(config, key, v);
      if (!s) return s.error().with_context("environment " + name);
    }
  }
  for (const auto& [key, value] : flags) {
    Status s = apply_setting(config, key, value);
    if (!s) return s.error().with_context(known_key(key) ? "flag " + flag_name(key) : std::string("flag"));
  }
  return config;
}

}  // namespace baove::platform
