#include "hash/digest.hpp"

#include <openssl/evp.h>

#include <cstdlib>

#include "util/hex.hpp"

namespace baove::hash {

std::string Digests::md5_hex() const { return to_hex(md5); }
std::string Digests::sha1_hex() const { return to_hex(sha1); }
std::string Digests::sha256_hex() const { return to_hex(sha256); }

struct DigestStream::Impl {
  EVP_MD_CTX* md5 = EVP_MD_CTX_new();
  EVP_MD_CTX* sha1 = EVP_MD_CTX_new();
  EVP_MD_CTX* sha256 = EVP_MD_CTX_new();
  Impl() {
    if (!md5 || !sha1 || !sha256 || EVP_DigestInit_ex(md5, EVP_md5(), nullptr) != 1 ||
        EVP_DigestInit_ex(sha1, EVP_sha1(), nullptr) != 1 ||
        EVP_DigestInit_ex(sha256, EVP_sha256(), nullptr) != 1) {
      std::abort();  // OpenSSL without these digests is a broken installation
    }
  }
  ~Impl() {
    EVP_MD_CTX_free(md5);
    EVP_MD_CTX_free(sha1);
    EVP_MD_CTX_free(sha256);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

DigestStream::DigestStream() : impl_(std::make_unique<Impl>()) {}
DigestStream::~DigestStream() = default;

void DigestStream::update(std::span<const std::uint8_t> bytes) {
  // Feed in slices that stay in cache for the three digests.
  constexpr std::size_t kSlice = 64 * 1024;
  for (std::size_t off = 0; off < bytes.size(); off += kSlice) {
    const std::size_t n = std::min(kSlice, bytes.size() - off);
    EVP_DigestUpdate(impl_->md5, bytes.data() + off, n);
    EVP_DigestUpdate(impl_->sha1, bytes.data() + off, n);
    EVP_DigestUpdate(impl_->sha256, bytes.data() + off, n);
  }
}

Digests DigestStream::finish() {
  Digests d;
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->md5, d.md5.data(), &len);
  EVP_DigestFinal_ex(impl_->sha1, d.sha1.data(), &len);
  EVP_DigestFinal_ex(impl_->sha256, d.sha256.data(), &len);
  return d;
}

Digests compute_digests(std::span<const std::uint8_t> bytes) {
  DigestStream s;
  s.update(bytes);
  return s.finish();
}

}  // namespace baove::hash
