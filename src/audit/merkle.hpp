// RFC 6962 (Certificate Transparency) Merkle tree hashing, an incremental tree, audit paths and
// consistency proofs, and their verification.
//
// Hashes are SHA-256. A leaf hash is SHA-256(0x00 || data) and an interior node is
// SHA-256(0x01 || left || right); the root of n leaves is MTH of RFC 6962 section 2.1 (the left
// subtree holds the largest power of two smaller than n leaves); the empty tree's root is
// SHA-256 of the empty string. Leaves are numbered from 0.
//
// Every function here is pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace baove::audit {

using Hash = std::array<std::uint8_t, 32>;

Hash sha256(std::span<const std::uint8_t> data);
// SHA-256(0x00 || data).
Hash leaf_hash(std::span<const std::uint8_t> data);
// SHA-256(0x01 || left || right).
Hash node_hash(const Hash& left, const Hash& right);
// SHA-256 of nothing: the root of the empty tree.
Hash empty_root();

std::string to_hex(const Hash& h);
// Exactly 64 hex digits; fails with invalid_argument otherwise.
Result<Hash> hash_from_hex(std::string_view hex);

// A Merkle tree kept as its "frontier": the roots of the perfect subtrees that make up its leaves,
// largest first (one per set bit of size()). Appending is O(log n) and so is computing the root;
// the leaves themselves are not kept.
class CompactTree {
 public:
  CompactTree() = default;

  // Rebuilds a tree from size() and frontier() as stored earlier. Fails with corrupt when the
  // number of hashes does not match the number of set bits of `size`.
  static Result<CompactTree> restore(std::uint64_t size, std::span<const Hash> frontier);
  // Same from the frontier's bytes (hashes concatenated).
  static Result<CompactTree> restore(std::uint64_t size, std::span<const std::uint8_t> frontier_bytes);

  void append(const Hash& leaf);
  std::uint64_t size() const { return size_; }
  Hash root() const;
  const std::vector<Hash>& frontier() const { return frontier_; }
  std::vector<std::uint8_t> frontier_bytes() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> frontier_;
};

// MTH(D[0:n]) computed directly from all leaf hashes (O(n)).
Hash root_from_leaves(std::span<const Hash> leaves);

// PATH(index, D[0:n]) of RFC 6962 2.1.1: the audit path of leaf `index` in the tree of all
// `leaves`. Fails with invalid_argument when index >= leaves.size().
Result<std::vector<Hash>> inclusion_proof(std::span<const Hash> leaves, std::uint64_t index);

// PROOF(m, D[0:n]) of RFC 6962 2.1.2, n = leaves.size(): proves the tree of the first m leaves
// is a prefix of the tree of all of them. Fails with invalid_argument unless 0 < m <= n.
Result<std::vector<Hash>> consistency_proof(std::span<const Hash> leaves, std::uint64_t m);

// True when `proof` shows that `leaf` is leaf number `index` of the tree of `size` leaves whose
// root is `root` (algorithm of RFC 9162 2.1.3.2).
bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size, std::span<const Hash> proof,
                      const Hash& root);

// True when `proof` shows that the tree of `old_size` leaves with root `old_root` is a prefix of
// the tree of `new_size` leaves with root `new_root` (algorithm of RFC 9162 2.1.4.2). Equal
// sizes need an empty proof and equal roots; old_size 0 is consistent with anything (empty proof).
bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                        const Hash& new_root, std::span<const Hash> proof);

}  // namespace baove::audit
