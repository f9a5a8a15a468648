// Helpers shared by the report module's sources (not a public header).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "report/report.hpp"

namespace baove::report::detail {

inline std::int64_t micros(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp from_micros(std::int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

// Lower-case hex of `bytes` random bytes.
std::string random_hex(std::size_t bytes);

// Decodes one UTF-8 character at s[i]; returns its length (1..4) and sets `cp`, or 0 when the
// bytes there are not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF too).
std::size_t utf8_next(std::string_view s, std::size_t i, char32_t& cp) noexcept;

// The number of characters of `s` when it is valid UTF-8 without control characters (tab, line
// feed and carriage return allowed when `multiline`); nullopt otherwise.
std::optional<std::size_t> text_chars(std::string_view s, bool multiline) noexcept;

// Whether `s` is 1..max bytes of [A-Za-z0-9._:-] (an identifier as audit events take them).
bool is_identifier(std::string_view s, std::size_t max) noexcept;

// Whether `s` is exactly `n` lower-case hex digits.
bool is_lower_hex(std::string_view s, std::size_t n) noexcept;

}  // namespace baove::report::detail

namespace baove::report {
// A declared media type lower-cased, without parameters (";charset=...") or surrounding white
// space; "" for anything that is not type/subtype of [a-z0-9.+_-].
std::string normalize_declared_type(std::string_view t);
}  // namespace baove::report
