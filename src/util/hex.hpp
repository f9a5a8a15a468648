// Hexadecimal encoding and strict decoding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace baove {

// Lower-case hex of `bytes`.
std::string to_hex(std::span<const std::uint8_t> bytes);

// Decodes hex (either case) of exactly `expected_bytes` bytes (0: any even length).
// Fails with invalid_argument naming the problem (odd length, bad character at position N,
// wrong length) for anything else; surrounding whitespace is not accepted.
Result<std::vector<std::uint8_t>> from_hex(std::string_view hex, std::size_t expected_bytes = 0);

}  // namespace baove
