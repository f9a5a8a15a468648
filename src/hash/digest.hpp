// MD5, SHA-1 and SHA-256 of bytes, in one pass (OpenSSL 3), as the hash lists of NCMEC,
// Project VIC and IWF carry them.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace baove::hash {

struct Digests {
  std::array<std::uint8_t, 16> md5{};
  std::array<std::uint8_t, 20> sha1{};
  std::array<std::uint8_t, 32> sha256{};
  std::string md5_hex() const;
  std::string sha1_hex() const;
  std::string sha256_hex() const;
};

// Incremental: update() any number of times, then finish() once.
class DigestStream {
 public:
  DigestStream();
  ~DigestStream();
  DigestStream(const DigestStream&) = delete;
  DigestStream& operator=(const DigestStream&) = delete;
  void update(std::span<const std::uint8_t> bytes);
  Digests finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digests compute_digests(std::span<const std::uint8_t> bytes);

}  // namespace baove::hash
