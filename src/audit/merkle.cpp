#include "audit/merkle.hpp"

#include <openssl/sha.h>

#include <bit>
#include <cstring>

#include "util/hex.hpp"

namespace baove::audit {
namespace {

// The largest power of two strictly smaller than n (n >= 2).
std::uint64_t split_point(std::uint64_t n) { return std::bit_floor(n - 1); }

Hash mth(std::span<const Hash> leaves) {
  if (leaves.empty()) return empty_root();
  if (leaves.size() == 1) return leaves[0];
  const std::size_t k = split_point(leaves.size());
  return node_hash(mth(leaves.subspan(0, k)), mth(leaves.subspan(k)));
}

void path(std::span<const Hash> leaves, std::uint64_t m, std::vector<Hash>& out) {
  if (leaves.size() <= 1) return;
  const std::size_t k = split_point(leaves.size());
  if (m < k) {
    path(leaves.subspan(0, k), m, out);
    out.push_back(mth(leaves.subspan(k)));
  } else {
    path(leaves.subspan(k), m - k, out);
    out.push_back(mth(leaves.subspan(0, k)));
  }
}

void subproof(std::span<const Hash> leaves, std::uint64_t m, bool complete, std::vector<Hash>& out) {
  const std::uint64_t n = leaves.size();
  if (m == n) {
    if (!complete) out.push_back(mth(leaves));
    return;
  }
  const std::size_t k = split_point(n);
  if (m <= k) {
    subproof(leaves.subspan(0, k), m, complete, out);
    out.push_back(mth(leaves.subspan(k)));
  } else {
    subproof(leaves.subspan(k), m - k, false, out);
    out.push_back(mth(leaves.subspan(0, k)));
  }
}

}  // namespace

Hash sha256(std::span<const std::uint8_t> data) {
  Hash h;
  SHA256(data.data(), data.size(), h.data());
  return h;
}

Hash leaf_hash(std::span<const std::uint8_t> data) {
  Hash h;
  std::vector<std::uint8_t> buf(data.size() + 1);
  buf[0] = 0x00;
  if (!data.empty()) std::memcpy(buf.data() + 1, data.data(), data.size());
  SHA256(buf.data(), buf.size(), h.data());
  return h;
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::array<std::uint8_t, 65> buf;
  buf[0] = 0x01;
  std::memcpy(buf.data() + 1, left.data(), 32);
  std::memcpy(buf.data() + 33, right.data(), 32);
  Hash h;
  SHA256(buf.data(), buf.size(), h.data());
  return h;
}

Hash empty_root() { return sha256({}); }

std::string to_hex(const Hash& h) { return baove::to_hex(h); }

Result<Hash> hash_from_hex(std::string_view hex) {
  auto bytes = from_hex(hex, 32);
  if (!bytes) return bytes.error();
  Hash h;
  std::memcpy(h.data(), bytes->data(), 32);
  return h;
}

Result<CompactTree> CompactTree::restore(std::uint64_t size, std::span<const Hash> frontier) {
  if (static_cast<std::size_t>(std::popcount(size)) != frontier.size()) {
    return make_error(ErrorCode::corrupt, "Merkle frontier holds " + std::to_string(frontier.size()) +
                                              " hashes, a tree of " + std::to_string(size) +
                                              " leaves needs " + std::to_string(std::popcount(size)));
  }
  CompactTree t;
  t.size_ = size;
  t.frontier_.assign(frontier.begin(), frontier.end());
  return t;
}

Result<CompactTree> CompactTree::restore(std::uint64_t size, std::span<const std::uint8_t> frontier_bytes) {
  if (frontier_bytes.size() % 32 != 0) {
    return make_error(ErrorCode::corrupt, "Merkle frontier is " + std::to_string(frontier_bytes.size()) +
                                              " bytes, not a multiple of 32");
  }
  std::vector<Hash> hashes(frontier_bytes.size() / 32);
  for (std::size_t i = 0; i < hashes.size(); ++i)
    std::memcpy(hashes[i].data(), frontier_bytes.data() + 32 * i, 32);
  return restore(size, hashes);
}

void CompactTree::append(const Hash& leaf) {
  // Each trailing set bit of the old size is a perfect subtree of the same height as the one
  // being carried: merge them, as in binary addition.
  Hash carry = leaf;
  for (std::uint64_t s = size_; (s & 1U) != 0; s >>= 1) {
    carry = node_hash(frontier_.back(), carry);
    frontier_.pop_back();
  }
  frontier_.push_back(carry);
  ++size_;
}

Hash CompactTree::root() const {
  if (frontier_.empty()) return empty_root();
  Hash r = frontier_.back();
  for (std::size_t i = frontier_.size() - 1; i-- > 0;) r = node_hash(frontier_[i], r);
  return r;
}

std::vector<std::uint8_t> CompactTree::frontier_bytes() const {
  std::vector<std::uint8_t> out(frontier_.size() * 32);
  for (std::size_t i = 0; i < frontier_.size(); ++i)
    std::memcpy(out.data() + 32 * i, frontier_[i].data(), 32);
  return out;
}

Hash root_from_leaves(std::span<const Hash> leaves) { return mth(leaves); }

Result<std::vector<Hash>> inclusion_proof(std::span<const Hash> leaves, std::uint64_t index) {
  if (index >= leaves.size()) {
    return make_error(ErrorCode::invalid_argument, "leaf " + std::to_string(index) + " is not in a tree of " +
                                                       std::to_string(leaves.size()) + " leaves");
  }
  std::vector<Hash> out;
  path(leaves, index, out);
  return out;
}

Result<std::vector<Hash>> consistency_proof(std::span<const Hash> leaves, std::uint64_t m) {
  if (m == 0 || m > leaves.size()) {
    return make_error(ErrorCode::invalid_argument, "no consistency proof from size " + std::to_string(m) +
                                                       " to size " + std::to_string(leaves.size()));
  }
  std::vector<Hash> out;
  subproof(leaves, m, true, out);
  return out;
}

bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size, std::span<const Hash> proof,
                      const Hash& root) {
  if (index >= size) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1U) != 0 || fn == sn) {
      r = node_hash(p, r);
      while ((fn & 1U) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                        const Hash& new_root, std::span<const Hash> proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();
  if (proof.empty()) return false;
  std::vector<Hash> path_hashes;
  path_hashes.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path_hashes.push_back(old_root);
  path_hashes.insert(path_hashes.end(), proof.begin(), proof.end());
  std::uint64_t fn = old_size - 1;
  std::uint64_t sn = new_size - 1;
  while ((fn & 1U) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path_hashes[0];
  Hash sr = path_hashes[0];
  for (std::size_t i = 1; i < path_hashes.size(); ++i) {
    const Hash& c = path_hashes[i];
    if (sn == 0) return false;
    if ((fn & 1U) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while ((fn & 1U) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

}  // namespace baove::audit
