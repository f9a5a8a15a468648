#include "auth/totp.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <algorithm>
#include <array>

namespace baove::auth::totp {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == '@') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<std::vector<std::uint8_t>> base32_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  bool padding = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == ' ') continue;
    if (ch == '=') {
      padding = true;
      continue;
    }
    int v = -1;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    if (ch >= 'a' && ch <= 'z') v = ch - 'a';
    if (ch >= '2' && ch <= '7') v = ch - '2' + 26;
    if (v < 0 || padding) {
      return make_error(ErrorCode::invalid_argument, "base32: bad character at offset " + std::to_string(i));
    }
    buffer = ((buffer << 5) | static_cast<std::uint32_t>(v)) & 0xFFFFu;
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::uint32_t hotp(std::span<const std::uint8_t> secret, std::uint64_t counter, int digits) {
  std::array<std::uint8_t, 8> msg{};
  for (int i = 7; i >= 0; --i) {
    msg[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter & 0xFF);
    counter >>= 8;
  }
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), msg.data(), msg.size(), mac.data(), &len);
  const std::size_t offset = mac[19] & 0x0F;
  const std::uint32_t bin = (static_cast<std::uint32_t>(mac[offset] & 0x7F) << 24) |
                            (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                            (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  if (digits < 6) digits = 6;
  if (digits > 8) digits = 8;
  std::uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  return bin % mod;
}

std::optional<std::uint64_t> step_of(std::int64_t unix_seconds) {
  if (unix_seconds < 0) return std::nullopt;
  return static_cast<std::uint64_t>(unix_seconds / kStepSeconds);
}

std::string code_at(std::span<const std::uint8_t> secret, std::int64_t unix_seconds, int digits) {
  const auto step = step_of(unix_seconds);
  std::string s = std::to_string(hotp(secret, step.value_or(0), digits));
  const std::size_t width = static_cast<std::size_t>(std::clamp(digits, 6, 8));
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return s;
}

std::optional<std::uint64_t> verify(std::span<const std::uint8_t> secret, std::string_view code,
                                    std::int64_t unix_seconds) {
  if (code.size() != static_cast<std::size_t>(kDigits)) return std::nullopt;
  for (char ch : code) {
    if (ch < '0' || ch > '9') return std::nullopt;
  }
  const auto now = step_of(unix_seconds);
  if (!now) return std::nullopt;
  std::optional<std::uint64_t> found;
  for (std::uint64_t step = (*now == 0 ? 0 : *now - 1); step <= *now + 1; ++step) {
    std::string expected = std::to_string(hotp(secret, step, kDigits));
    expected.insert(0, static_cast<std::size_t>(kDigits) - expected.size(), '0');
    if (sodium_memcmp(expected.data(), code.data(), expected.size()) == 0 && !found) found = step;
  }
  return found;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret_base32) {
  const std::string iss = percent_encode(issuer);
  return "otpauth://totp/" + iss + ":" + percent_encode(account) + "?secret=" + std::string(secret_base32) +
         "&issuer=" + iss + "&algorithm=SHA1&digits=" + std::to_string(kDigits) +
         "&period=" + std::to_string(kStepSeconds);
}

}  // namespace baove::auth::totp
