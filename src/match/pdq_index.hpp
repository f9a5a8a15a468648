// Exact PDQ range search: every indexed hash within Hamming distance r of a query, nothing
// farther. Multi-index hashing over disjoint bit chunks with pigeonhole thresholds, falling back
// to a linear scan where that is cheaper (large radius), plus a small append buffer so that adds
// are visible at once without rebuilding.
//
// Thread safety: search() may run from any number of threads at once, concurrently with one
// writer calling add()/remove(). Writers are serialised by the caller or an internal mutex
// (see each method). A search sees every add/remove that returned before the search began.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "hash/pdq.hpp"
#include "util/result.hpp"

namespace baove::match {

using hash::PdqHash;

struct PdqHit {
  std::uint64_t id = 0;  // the caller's id for the entry (a bank entry id)
  int distance = 0;
  friend bool operator==(const PdqHit&, const PdqHit&) = default;
};

inline constexpr int kMaxRadius = 64;

class PdqIndex {
 public:
  PdqIndex();
  ~PdqIndex();
  PdqIndex(PdqIndex&&) noexcept;
  PdqIndex& operator=(PdqIndex&&) noexcept;

  // Builds an index over hashes[i] with ids[i]. Ids need not be dense or sorted; the same id
  // twice is allowed (both are returned). Contract: hashes.size() == ids.size().
  static PdqIndex build(std::span<const PdqHash> hashes, std::span<const std::uint64_t> ids);

  // Adds one hash; visible to searches that start after it returns.
  void add(const PdqHash& hash, std::uint64_t id);
  // Removes every entry with this id (a disable or delete); false if none was present.
  bool remove(std::uint64_t id);

  // Appends to `out` every live entry within `radius` (0..kMaxRadius) of `query`, each once,
  // ordered by distance then id. Fails with invalid_argument for a radius out of range.
  Status search(const PdqHash& query, int radius, std::vector<PdqHit>& out) const;

  // Answers many queries; results[i] for queries[i]. Faster per query than search().
  Status search_batch(std::span<const PdqHash> queries, int radius,
                      std::vector<std::vector<PdqHit>>& results) const;

  std::size_t size() const noexcept;          // live entries
  std::size_t memory_bytes() const noexcept;  // heap held by the index

  // Snapshot to and from a file (versioned, checksummed; load refuses a damaged file).
  Status save(const std::filesystem::path& path) const;
  static Result<PdqIndex> load(const std::filesystem::path& path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baove::match
