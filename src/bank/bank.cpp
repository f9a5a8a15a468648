// The bank model: signal types, canonical values, classifications, sources.
#include "bank/bank.hpp"

#include <ctime>

#include "hash/pdq.hpp"
#include "util/hex.hpp"

namespace baove::bank {

const char* to_string(SignalType type) noexcept {
  switch (type) {
    case SignalType::pdq:
      return "pdq";
    case SignalType::md5:
      return "md5";
    case SignalType::sha1:
      return "sha1";
    case SignalType::sha256:
      return "sha256";
  }
  return "unknown";
}

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool has_control_char(std::string_view s) noexcept {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

}  // namespace

std::optional<SignalType> parse_signal_type(std::string_view name) noexcept {
  for (int i = 0; i < kSignalTypeCount; ++i) {
    const auto t = static_cast<SignalType>(i);
    if (iequals(name, to_string(t))) return t;
  }
  return std::nullopt;
}

std::size_t hex_length(SignalType type) noexcept {
  switch (type) {
    case SignalType::pdq:
      return 64;
    case SignalType::md5:
      return 32;
    case SignalType::sha1:
      return 40;
    case SignalType::sha256:
      return 64;
  }
  return 0;
}

bool is_digest(SignalType type) noexcept { return type != SignalType::pdq; }

Result<std::string> canonical_value(SignalType type, std::string_view hex) {
  const std::size_t want = hex_length(type);
  if (hex.size() != want) {
    return make_error(ErrorCode::invalid_argument, std::string(to_string(type)) + " value must be " +
                                                       std::to_string(want) + " hex digits, got " +
                                                       std::to_string(hex.size()));
  }
  std::string out(hex);
  for (std::size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      const auto u = static_cast<unsigned char>(c);
      std::string shown = (u >= 0x20 && u < 0x7f) ? std::string("'") + c + "'" : "byte " + std::to_string(u);
      return make_error(ErrorCode::invalid_argument,
                        "bad hex character " + shown + " at position " + std::to_string(i + 1));
    }
  }
  return out;
}

std::string Classification::to_string() const {
  if (scheme.empty() && label.empty()) return {};
  return scheme + ":" + label;
}

Result<Classification> Classification::parse(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return make_error(ErrorCode::invalid_argument,
                      "classification must be scheme:label (for example inhope:baseline), got '" +
                          std::string(text.substr(0, 100)) + "'");
  }
  if (has_control_char(text) || text.size() > 200) {
    return make_error(ErrorCode::invalid_argument, "classification has control characters or is too long");
  }
  return Classification{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

std::string Source::to_string() const { return contributor + "/" + list + "/" + id; }

Status validate_bank_name(std::string_view name) {
  if (name.empty() || name.size() > 100) {
    return make_error(ErrorCode::invalid_argument, "bank name must be 1 to 100 bytes long");
  }
  if (has_control_char(name)) {
    return make_error(ErrorCode::invalid_argument, "bank name must not contain control characters");
  }
  if (name.find_first_not_of(' ') == std::string_view::npos) {
    return make_error(ErrorCode::invalid_argument, "bank name must not be blank");
  }
  return {};
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

}  // namespace baove::bank
