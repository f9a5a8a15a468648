// The report module's own keys, kept apart from the vault's master key and the auth keys.
//
// File format (var/keys/report.key, mode 0600): two lines of 64 lower-case hex digits, the contact
// key then the lookup key (the same format as keys/auth.key).
//   contact_key  encrypts reporters' contact details at rest (XChaCha20-Poly1305, libsodium)
//   lookup_key   keys the BLAKE2b hashes of receipt secrets (only the hash is stored)
// Losing the file makes stored contact details unreadable and every receipt secret invalid:
// back it up with the database, on another medium than the database.
//
// Thread-safety: a Keys value is plain data; const access from many threads is safe.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>

#include "util/result.hpp"

namespace baove::report {

struct Keys {
  std::array<std::uint8_t, 32> contact_key{};
  std::array<std::uint8_t, 32> lookup_key{};

  Keys() = default;
  Keys(const Keys&) = default;
  Keys& operator=(const Keys&) = default;
  ~Keys();  // wipes both keys

  // Two fresh random keys (tests, or a caller that keeps keys elsewhere).
  static Keys generate();
  // Reads `path`, creating it (mode 0600, two random keys) when it is missing; two processes
  // racing to create it end up with the same keys. The parent directory must exist. Fails with
  // invalid_argument when group or others may read the file ("chmod 600 it"), corrupt when it
  // does not hold two lines of 64 hex digits, io otherwise. Messages name the path, never the
  // content.
  static Result<Keys> load_or_create(const std::filesystem::path& path);
};

}  // namespace baove::report
