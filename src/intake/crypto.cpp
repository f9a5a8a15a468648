// SHA-256, HMAC-SHA256 and constant-time comparisons (OpenSSL).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <span>

#include "intake/internal.hpp"
#include "util/hex.hpp"

namespace baove::intake {

Digest sha256(std::string_view data) {
  Digest d{};
  if (SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data()) == nullptr)
    std::abort();
  return d;
}

Digest hmac_sha256(std::string_view key, std::string_view data) {
  Digest d{};
  unsigned int len = 0;
  // HMAC() with an empty key still needs a non-null pointer.
  static const unsigned char kEmpty = 0;
  const unsigned char* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), d.data(), &len) == nullptr ||
      len != d.size()) {
    std::abort();
  }
  return d;
}

std::string hex(const Digest& d) { return to_hex(std::span<const std::uint8_t>(d)); }

bool digest_equal(const Digest& a, const Digest& b) noexcept {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool secret_equal(std::string_view a, std::string_view b) { return digest_equal(sha256(a), sha256(b)); }

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace baove::intake
