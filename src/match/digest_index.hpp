// Exact lookup of cryptographic digests (MD5, SHA-1, SHA-256) of known material: a digest maps
// to the ids of the bank entries that carry it.
//
// Thread safety: every method may be called from any number of threads at once; lookups run
// in parallel, adds and removes are serialised internally. A lookup sees every add and remove
// that returned before it began.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace baove::match {

enum class DigestKind : std::uint8_t { md5, sha1, sha256 };

// 16, 20 or 32.
std::size_t digest_size(DigestKind kind) noexcept;
// "md5", "sha1", "sha256".
const char* to_string(DigestKind kind) noexcept;

class DigestIndex {
 public:
  DigestIndex();
  ~DigestIndex();
  DigestIndex(DigestIndex&&) noexcept;
  DigestIndex& operator=(DigestIndex&&) noexcept;

  // Indexes `digest` (of `kind`) under `id`. Adding the same (kind, digest, id) again changes
  // nothing. Fails with invalid_argument when digest.size() != digest_size(kind).
  Status add(DigestKind kind, std::span<const std::uint8_t> digest, std::uint64_t id);

  // Removes (kind, digest, id); false if it was not indexed (or the digest has the wrong size).
  bool remove(DigestKind kind, std::span<const std::uint8_t> digest, std::uint64_t id);
  // Removes every digest indexed under `id`; returns how many (kind, digest) pairs were removed.
  std::size_t remove_id(std::uint64_t id);

  // The ids indexed under `digest`, ascending; empty when none. Fails with invalid_argument
  // when digest.size() != digest_size(kind).
  Result<std::vector<std::uint64_t>> lookup(DigestKind kind, std::span<const std::uint8_t> digest) const;
  // As lookup(), for the digest in hex (either case, exactly 2 * digest_size(kind) characters).
  Result<std::vector<std::uint64_t>> lookup_hex(DigestKind kind, std::string_view hex) const;

  std::size_t size() const noexcept;          // indexed (kind, digest, id) triples
  std::size_t memory_bytes() const noexcept;  // approximate heap held

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baove::match
