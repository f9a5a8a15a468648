#include "match/digest_index.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "util/hex.hpp"

namespace baove::match {
namespace {

// A digest padded with zeros to 32 bytes; the kind selects the map, so padding is unambiguous.
using Key = std::array<std::uint8_t, 32>;

struct KeyHash {
  std::size_t operator()(const Key& k) const noexcept {
    std::uint64_t a;
    std::uint64_t b;
    std::memcpy(&a, k.data(), 8);
    std::memcpy(&b, k.data() + 8, 8);
    return static_cast<std::size_t>(a ^ (b * 0x9E3779B97F4A7C15ull));
  }
};

Key make_key(std::span<const std::uint8_t> digest) {
  Key k{};
  std::memcpy(k.data(), digest.data(), digest.size());
  return k;
}

constexpr std::size_t kKinds = 3;

}  // namespace

std::size_t digest_size(DigestKind kind) noexcept {
  switch (kind) {
    case DigestKind::md5:
      return 16;
    case DigestKind::sha1:
      return 20;
    case DigestKind::sha256:
      return 32;
  }
  return 0;
}

const char* to_string(DigestKind kind) noexcept {
  switch (kind) {
    case DigestKind::md5:
      return "md5";
    case DigestKind::sha1:
      return "sha1";
    case DigestKind::sha256:
      return "sha256";
  }
  return "unknown";
}

struct DigestIndex::Impl {
  mutable std::shared_mutex mu;
  // Ids per digest, ascending, one map per kind.
  std::array<std::unordered_map<Key, std::vector<std::uint64_t>, KeyHash>, kKinds> by_digest;
  // What each id is indexed under, for remove_id.
  std::unordered_map<std::uint64_t, std::vector<std::pair<DigestKind, Key>>> by_id;
  std::size_t count = 0;

  // Removes (kind, key, id) from by_digest only. Caller holds mu exclusively.
  bool erase_digest(DigestKind kind, const Key& key, std::uint64_t id) {
    auto& map = by_digest[static_cast<std::size_t>(kind)];
    auto it = map.find(key);
    if (it == map.end()) return false;
    auto& ids = it->second;
    auto pos = std::lower_bound(ids.begin(), ids.end(), id);
    if (pos == ids.end() || *pos != id) return false;
    ids.erase(pos);
    if (ids.empty()) map.erase(it);
    --count;
    return true;
  }
};

namespace {

Status check_size(DigestKind kind, std::span<const std::uint8_t> digest) {
  if (digest.size() != digest_size(kind)) {
    return make_error(ErrorCode::invalid_argument, std::string(to_string(kind)) + " digest must be " +
                                                       std::to_string(digest_size(kind)) + " bytes, got " +
                                                       std::to_string(digest.size()));
  }
  return {};
}

}  // namespace

DigestIndex::DigestIndex() : impl_(std::make_unique<Impl>()) {}
DigestIndex::~DigestIndex() = default;
DigestIndex::DigestIndex(DigestIndex&&) noexcept = default;
DigestIndex& DigestIndex::operator=(DigestIndex&&) noexcept = default;

Status DigestIndex::add(DigestKind kind, std::span<const std::uint8_t> digest, std::uint64_t id) {
  BAOVE_TRY(check_size(kind, digest));
  if (!impl_) impl_ = std::make_unique<Impl>();
  const Key key = make_key(digest);
  std::unique_lock lock(impl_->mu);
  auto& ids = impl_->by_digest[static_cast<std::size_t>(kind)][key];
  auto pos = std::lower_bound(ids.begin(), ids.end(), id);
  if (pos != ids.end() && *pos == id) return {};
  ids.insert(pos, id);
  impl_->by_id[id].emplace_back(kind, key);
  ++impl_->count;
  return {};
}

bool DigestIndex::remove(DigestKind kind, std::span<const std::uint8_t> digest, std::uint64_t id) {
  if (!impl_ || digest.size() != digest_size(kind)) return false;
  const Key key = make_key(digest);
  std::unique_lock lock(impl_->mu);
  if (!impl_->erase_digest(kind, key, id)) return false;
  auto it = impl_->by_id.find(id);
  if (it != impl_->by_id.end()) {
    auto& list = it->second;
    list.erase(std::find(list.begin(), list.end(), std::pair<DigestKind, Key>(kind, key)));
    if (list.empty()) impl_->by_id.erase(it);
  }
  return true;
}

std::size_t DigestIndex::remove_id(std::uint64_t id) {
  if (!impl_) return 0;
  std::unique_lock lock(impl_->mu);
  auto it = impl_->by_id.find(id);
  if (it == impl_->by_id.end()) return 0;
  std::size_t removed = 0;
  for (const auto& [kind, key] : it->second) removed += impl_->erase_digest(kind, key, id) ? 1 : 0;
  impl_->by_id.erase(it);
  return removed;
}

Result<std::vector<std::uint64_t>> DigestIndex::lookup(DigestKind kind,
                                                       std::span<const std::uint8_t> digest) const {
  BAOVE_TRY(check_size(kind, digest));
  std::vector<std::uint64_t> out;
  if (!impl_) return out;
  const Key key = make_key(digest);
  std::shared_lock lock(impl_->mu);
  const auto& map = impl_->by_digest[static_cast<std::size_t>(kind)];
  auto it = map.find(key);
  if (it != map.end()) out = it->second;
  return out;
}

Result<std::vector<std::uint64_t>> DigestIndex::lookup_hex(DigestKind kind, std::string_view hex) const {
  auto bytes = from_hex(hex, digest_size(kind));
  if (!bytes) return bytes.error().with_context(std::string(to_string(kind)) + " digest");
  return lookup(kind, *bytes);
}

std::size_t DigestIndex::size() const noexcept {
  if (!impl_) return 0;
  std::shared_lock lock(impl_->mu);
  return impl_->count;
}

std::size_t DigestIndex::memory_bytes() const noexcept {
  if (!impl_) return 0;
  std::shared_lock lock(impl_->mu);
  // Node-based maps: count each node's payload and two pointers, plus the bucket arrays.
  std::size_t bytes = sizeof(Impl);
  for (const auto& map : impl_->by_digest) {
    bytes += map.bucket_count() * sizeof(void*);
    for (const auto& [key, ids] : map) {
      bytes += sizeof(key) + sizeof(ids) + 2 * sizeof(void*) + ids.capacity() * sizeof(std::uint64_t);
    }
  }
  bytes += impl_->by_id.bucket_count() * sizeof(void*);
  for (const auto& [id, list] : impl_->by_id) {
    bytes += sizeof(id) + sizeof(list) + 2 * sizeof(void*) + list.capacity() * sizeof(list[0]);
  }
  return bytes;
}

}  // namespace baove::match
