// Helpers shared by the intake sources; not part of the module's interface.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace baove::intake {

using Digest = std::array<std::uint8_t, 32>;

// Appends code point `cp` as UTF-8 (U+FFFD for NUL, surrogates and values past U+10FFFF).
void append_utf8(std::string& out, std::uint32_t cp);

Digest sha256(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view data);
std::string hex(const Digest& d);
// Constant-time equality of two digests.
bool digest_equal(const Digest& a, const Digest& b) noexcept;
// Constant-time equality of two strings of any length (compares their SHA-256 digests).
bool secret_equal(std::string_view a, std::string_view b);

std::string ascii_lower(std::string_view s);

// True when `url` starts with http:// or https:// (any case) and names a host.
bool is_http_url(std::string_view url);

// The last segment of `url`'s path, percent-decoded and made a safe file name (no path
// separators or control characters, valid UTF-8, at most 255 bytes); "" when it has no '.' in it.
std::string file_name_from_url(std::string_view url);

// `name` made a safe file name: valid UTF-8, control characters dropped, path separators
// replaced with "_", leading and trailing dots and spaces removed, at most 255 bytes.
std::string safe_file_name(std::string_view name);

// `bytes` in `charset` (a MIME charset label, any case) as valid UTF-8 (charset.cpp). utf-8,
// us-ascii and unknown labels are validated as UTF-8; iso-8859-1, latin1 and windows-1252 are
// decoded as windows-1252 (as browsers do); a fixed list of other charsets (windows-125x,
// iso-8859-x, koi8, utf-16, Vietnamese VISCII/TCVN, Chinese, Japanese, Korean) goes through the C
// library's iconv. Bytes a charset cannot decode become U+FFFD.
std::string charset_to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace baove::intake
