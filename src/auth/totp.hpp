// TOTP (RFC 6238) over HMAC-SHA1 (RFC 4226), with the parameters every authenticator app uses by
// default: 30-second steps, 6 digits. Base32 (RFC 4648) for the shared secret, and the
// otpauth:// URI that the console turns into a QR code.
//
// Pure functions; the caller supplies the time. Replay protection (refusing a step already used)
// is the caller's: verify() returns the step that matched so it can be recorded.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace baove::auth::totp {

inline constexpr std::int64_t kStepSeconds = 30;
inline constexpr int kDigits = 6;
inline constexpr std::size_t kSecretBytes = 20;  // 160 bits, as RFC 4226 recommends

// Upper-case RFC 4648 base32 without padding.
std::string base32_encode(std::span<const std::uint8_t> bytes);
// Accepts upper or lower case, optional '=' padding, and spaces (as people type it). Fails on
// any other character.
Result<std::vector<std::uint8_t>> base32_decode(std::string_view text);

// RFC 4226 HOTP value for `counter`, truncated to `digits` (6..8) digits.
std::uint32_t hotp(std::span<const std::uint8_t> secret, std::uint64_t counter, int digits = kDigits);

// The time step of `unix_seconds` (floor division; times before 1970 have no step: nullopt).
std::optional<std::uint64_t> step_of(std::int64_t unix_seconds);

// The code for a time, zero-padded to `digits`.
std::string code_at(std::span<const std::uint8_t> secret, std::int64_t unix_seconds, int digits = kDigits);

// Checks `code` (exactly kDigits ASCII digits) against the steps now-1, now, now+1 and returns
// the matching step, or nullopt. Comparison is constant-time per candidate.
std::optional<std::uint64_t> verify(std::span<const std::uint8_t> secret, std::string_view code,
                                    std::int64_t unix_seconds);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30,
// with issuer and account percent-encoded.
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret_base32);

}  // namespace baove::auth::totp
