#include "util/hex.hpp"

namespace baove {
namespace {
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return out;
}

Result<std::vector<std::uint8_t>> from_hex(std::string_view hex, std::size_t expected_bytes) {
  if (expected_bytes != 0 && hex.size() != expected_bytes * 2) {
    return make_error(ErrorCode::invalid_argument, "expected " + std::to_string(expected_bytes * 2) +
                                                       " hex characters, got " + std::to_string(hex.size()));
  }
  if (hex.size() % 2 != 0) return make_error(ErrorCode::invalid_argument, "odd number of hex characters");
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); ++i) {
    int v = nibble(hex[i]);
    if (v < 0) {
      return make_error(ErrorCode::invalid_argument,
                        "invalid hex character at position " + std::to_string(i + 1));
    }
    if (i % 2 == 0) {
      out[i / 2] = static_cast<std::uint8_t>(v << 4);
    } else {
      out[i / 2] = static_cast<std::uint8_t>(out[i / 2] | v);
    }
  }
  return out;
}

}  // namespace baove
