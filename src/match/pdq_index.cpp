// Exact PDQ range search by multi-index hashing.
//
// Layout of the immutable part (a "Main"):
// - hashes[] and ids[] of every entry, ordered by the key of chunk 0, so that chunk 0's buckets
//   are ranges of hashes[] directly and its table holds no positions;
// - for chunk i >= 1 a position list pos_i[] (uint32 into hashes[]) grouped by chunk key;
// - for every chunk a bucket table: for each key the range of its bucket, in 64-byte lines of
//   128 keys (see BucketTable), exact for any distribution of hashes;
// - by_id[]: positions sorted by id, for removes;
// - dead[]: a tombstone bitset, set by removes while searches run.
//
// The 256 bits are split into m disjoint chunks. If d(q, x) <= r and chunk i is searched with
// threshold t_i, where sum over searched chunks of (t_i + 1) >= r + 1, then some chunk has
// d_i(q, x) <= t_i (otherwise d >= sum(t_i + 1) > r). Enumerating each searched chunk's
// Hamming ball of radius t_i therefore finds every entry within r; each candidate is verified
// with the full 256-bit distance. The t_i are chosen per radius by a small dynamic programme over
// a cost model, and a linear scan replaces the probes where it is cheaper (large radii).
//
// Entries added after a build go to an append log that searches scan linearly. When the log
// passes a threshold a background thread rebuilds the Main from all live entries and publishes
// a new generation; searches hold the generation they started with.
#include "match/pdq_index.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "util/file.hpp"

namespace baove::match {
namespace {

constexpr int kMaxChunks = 32;
constexpr int kMaxChunkBits = 28;
constexpr std::uint32_t kLineBits = 7;
constexpr std::uint32_t kKeysPerLine = 1u << kLineBits;
// Positions are 32-bit.
constexpr std::size_t kMaxEntries = 0xFFFFFFFFu;

// Cost model in nanoseconds per operation (one core, data far larger than the caches).
constexpr double kLineNs = 30.0;       // a bucket-table line and a position-list line, prefetched
constexpr double kKeyNs = 2.0;         // one key's bucket decoded
constexpr double kCandidateNs = 17.0;  // one hash fetched and compared, prefetched
constexpr double kScanNs = 1.4;        // one hash compared in a sequential scan
constexpr double kFixedNs = 2000.0;    // per-query overhead of the probing path
// A scan's cost is predictable, large probe sets run slower than the model (their scratch
// leaves the caches): probe only where the model says it is twice as fast as a scan.
constexpr double kScanPreference = 2.0;
// Bytes of index structure (beyond hash and id) allowed per entry, plus a fixed allowance.
constexpr double kStructureBytesPerEntry = 50.0;
constexpr double kStructureBytesFixed = 4.0 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Memory

// Zeroed memory, 64-byte aligned; large blocks come from mmap with huge pages advised (random
// access over hundreds of MB is dominated by TLB misses without them).
class Region {
 public:
  Region() = default;
  explicit Region(std::size_t bytes) {
    if (bytes == 0) return;
    if (bytes >= kHugeThreshold) {
      // Map with room to align the start to a huge page, then give back the slack at both ends.
      const std::size_t len = (bytes + kPage - 1) / kPage * kPage;
      const std::size_t span = len + kHuge;
      void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (raw == MAP_FAILED) throw std::bad_alloc();
      const auto addr = reinterpret_cast<std::uintptr_t>(raw);
      const std::size_t head = (kHuge - addr % kHuge) % kHuge;
      auto* start = static_cast<char*>(raw) + head;
      if (head > 0) ::munmap(raw, head);
      if (span - head > len) ::munmap(start + len, span - head - len);
#ifdef MADV_HUGEPAGE
      ::madvise(start, len, MADV_HUGEPAGE);
#endif
      p_ = start;
      bytes_ = len;
      mapped_ = true;
    } else {
      std::size_t rounded = (bytes + 63) / 64 * 64;
      void* p = std::aligned_alloc(64, rounded);
      if (p == nullptr) throw std::bad_alloc();
      std::memset(p, 0, rounded);
      p_ = p;
      bytes_ = rounded;
    }
  }
  ~Region() { release(); }
  Region(Region&& o) noexcept
      : p_(std::exchange(o.p_, nullptr)), bytes_(std::exchange(o.bytes_, 0)), mapped_(o.mapped_) {}
  Region& operator=(Region&& o) noexcept {
    if (this != &o) {
      release();
      p_ = std::exchange(o.p_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
      mapped_ = o.mapped_;
    }
    return *this;
  }
  void* data() const noexcept { return p_; }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  static constexpr std::size_t kHuge = std::size_t{2} << 20;
  static constexpr std::size_t kPage = 4096;
  static constexpr std::size_t kHugeThreshold = std::size_t{1} << 20;
  void release() noexcept {
    if (p_ == nullptr) return;
    if (mapped_) {
      ::munmap(p_, bytes_);
    } else {
      std::free(p_);
    }
    p_ = nullptr;
  }
  void* p_ = nullptr;
  std::size_t bytes_ = 0;
  bool mapped_ = false;
};

// A fixed-size zeroed array of a trivially copyable type.
template <typename T>
class Array {
 public:
  Array() = default;
  explicit Array(std::size_t n) : region_(n * sizeof(T)), n_(n) {}
  T* data() noexcept { return static_cast<T*>(region_.data()); }
  const T* data() const noexcept { return static_cast<const T*>(region_.data()); }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }
  std::size_t size() const noexcept { return n_; }
  std::size_t bytes() const noexcept { return region_.bytes(); }

 private:
  Region region_;
  std::size_t n_ = 0;
};

template <typename T>
std::size_t vector_bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

inline void prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }

// ---------------------------------------------------------------------------------------------
// Sorting

// Stable LSD radix sort of a[0..n) by the low `bits` bits of key(a[i]); tmp has room for n.
template <typename T, typename KeyFn>
void radix_sort(T* a, T* tmp, std::size_t n, int bits, KeyFn key) {
  if (bits <= 0 || n < 2) return;
  const int passes = (bits + 11) / 12;
  const int digit = (bits + passes - 1) / passes;
  const std::uint64_t mask = (std::uint64_t{1} << digit) - 1;
  std::vector<std::size_t> count(std::size_t{1} << digit);
  T* src = a;
  T* dst = tmp;
  for (int pass = 0; pass < passes; ++pass) {
    const int shift = pass * digit;
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < n; ++i) ++count[(key(src[i]) >> shift) & mask];
    if (count[(key(src[0]) >> shift) & mask] == n) continue;  // every key shares this digit
    std::size_t sum = 0;
    for (auto& c : count) {
      std::size_t k = c;
      c = sum;
      sum += k;
    }
    for (std::size_t i = 0; i < n; ++i) dst[count[(key(src[i]) >> shift) & mask]++] = src[i];
    std::swap(src, dst);
  }
  if (src != a) std::memcpy(a, src, n * sizeof(T));
}

// ---------------------------------------------------------------------------------------------
// Chunks and Hamming balls

struct Chunk {
  int offset = 0;
  int bits = 0;
};

inline std::uint32_t chunk_key(const PdqHash& h, Chunk c) noexcept {
  const unsigned w = static_cast<unsigned>(c.offset) >> 6;
  const unsigned s = static_cast<unsigned>(c.offset) & 63;
  std::uint64_t v = h.w[w] >> s;
  if (s + static_cast<unsigned>(c.bits) > 64) v |= h.w[w + 1] << (64 - s);
  return static_cast<std::uint32_t>(v & ((std::uint64_t{1} << c.bits) - 1));
}

// Number of b-bit keys within distance t of a key.
double ball_size(int b, int t) {
  double sum = 0;
  double c = 1;  // C(b, w)
  for (int w = 0; w <= t && w <= b; ++w) {
    sum += c;
    c = c * (b - w) / (w + 1);
  }
  return sum;
}

// Calls f(mask) for every b-bit mask of popcount exactly w (Gosper's hack).
template <typename F>
void for_each_mask(int b, int w, F&& f) {
  if (w == 0) {
    f(std::uint32_t{0});
    return;
  }
  if (w > b) return;
  const std::uint64_t limit = std::uint64_t{1} << b;
  std::uint64_t v = (std::uint64_t{1} << w) - 1;
  while (v < limit) {
    f(static_cast<std::uint32_t>(v));
    const std::uint64_t t = v | (v - 1);
    v = (t + 1) | (((~t & (t + 1)) - 1) >> (std::countr_zero(v) + 1));
  }
}

// ---------------------------------------------------------------------------------------------
// Bucket table: key -> [start, end) in a list grouped by key.
//
// Keys are grouped 128 to a 64-byte line: the start of the line's first bucket (uint32) and
// the 128 bucket sizes as three bit planes, so that the sizes of the keys before key j sum to
// popcount(plane0 & below) + 2 popcount(plane1 & below) + 4 popcount(plane2 & below). A size of
// 7 or more (clusters of near-duplicates) is stored as 7 with its exact value elsewhere: up to
// three such buckets of a line in the line's last word, more in a sorted side list whose first
// entry for the line the line's first word holds. The table is thus exact for any distribution
// and costs one more read only on lines with many large buckets. Keys that differ only in their
// 7 low bits share a line, and the probes of a Hamming ball are ordered so that such keys come
// together, which roughly halves the lines a query touches.
//
// Line words: [0] start (low 32 bits), side-list index (high 32 bits); [1..2] plane 0;
// [3..4] plane 1; [5..6] plane 2; [7] three 21-bit slots (bit 20 set: used; bits 7..19: exact
// size - 7; bits 0..6: key in line), bit 63: this line's large buckets are in the side list.

class BucketTable {
 public:
  BucketTable() = default;

  // Builds from n items whose key (item >> 32) is non-decreasing and below 2^bits.
  BucketTable(int bits, const std::uint64_t* items, std::size_t n) {
    const std::uint64_t keys = std::uint64_t{1} << bits;
    const std::size_t lines = static_cast<std::size_t>((keys + kKeysPerLine - 1) / kKeysPerLine);
    lines_ = Array<std::uint64_t>(lines * 8);
    std::size_t cursor = 0;
    std::vector<std::pair<std::uint32_t, std::size_t>> large;  // (key in line, exact size)
    for (std::size_t l = 0; l < lines; ++l) {
      std::uint64_t* line = lines_.data() + l * 8;
      line[0] = cursor;
      large.clear();
      const std::uint64_t first = static_cast<std::uint64_t>(l) * kKeysPerLine;
      for (std::uint32_t j = 0; j < kKeysPerLine; ++j) {
        std::size_t c = 0;
        while (cursor < n && (items[cursor] >> 32) == first + j) {
          ++cursor;
          ++c;
        }
        if (c >= kEscape) large.emplace_back(j, c);
        const std::size_t stored = std::min<std::size_t>(c, kEscape);
        const std::uint64_t bit = std::uint64_t{1} << (j & 63);
        for (int plane = 0; plane < 3; ++plane) {
          if ((stored >> plane) & 1u) line[1 + 2 * plane + (j >> 6)] |= bit;
        }
      }
      bool inline_fits = large.size() <= kSlots;
      for (const auto& [j, c] : large) inline_fits = inline_fits && c - kEscape <= kSlotMaxExtra;
      if (inline_fits) {
        for (std::size_t k = 0; k < large.size(); ++k) {
          const std::uint64_t slot = kSlotUsed | ((large[k].second - kEscape) << 7) | large[k].first;
          line[7] |= slot << (kSlotBits * k);
        }
      } else {
        line[0] |= static_cast<std::uint64_t>(escapes_.size()) << 32;
        line[7] = kSideList;
        for (const auto& [j, c] : large) escapes_.push_back(((first + j) << 32) | c);
      }
    }
    escapes_.shrink_to_fit();
  }

  const std::uint64_t* line(std::uint32_t key) const noexcept {
    return lines_.data() + static_cast<std::size_t>(key >> kLineBits) * 8;
  }
  void range(std::uint32_t key, std::uint32_t& start, std::uint32_t& end) const noexcept {
    const std::uint64_t* l = line(key);
    const std::uint32_t j = key & (kKeysPerLine - 1);
    // Keys below j in each half of the planes.
    const std::uint64_t below_lo = j >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << j) - 1;
    const std::uint64_t below_hi = j >= 64 ? (std::uint64_t{1} << (j - 64)) - 1 : 0;
    std::uint32_t sum = 0;
    std::uint32_t own = 0;
    const std::uint32_t half = j >> 6;
    for (int plane = 0; plane < 3; ++plane) {
      const std::uint64_t lo = l[1 + 2 * plane];
      const std::uint64_t hi = l[2 + 2 * plane];
      const auto c = static_cast<std::uint32_t>(std::popcount(lo & below_lo) + std::popcount(hi & below_hi));
      sum += c << plane;
      own |= static_cast<std::uint32_t>((l[1 + 2 * plane + half] >> (j & 63)) & 1u) << plane;
    }
    const std::uint64_t esc_lo = l[1] & l[3] & l[5];
    const std::uint64_t esc_hi = l[2] & l[4] & l[6];
    if (((esc_lo & below_lo) | (esc_hi & below_hi)) != 0 || own == kEscape) {
      const std::uint64_t w7 = l[7];
      if ((w7 & kSideList) == 0) {
        for (std::uint32_t k = 0; k < kSlots; ++k) {
          const std::uint64_t slot = w7 >> (kSlotBits * k);
          if ((slot & kSlotUsed) == 0) break;
          const auto at = static_cast<std::uint32_t>(slot & 127);
          const auto extra = static_cast<std::uint32_t>((slot >> 7) & kSlotMaxExtra);
          if (at < j) sum += extra;
          if (at == j) own += extra;
        }
      } else {
        for (std::size_t e = l[0] >> 32; e < escapes_.size(); ++e) {
          const std::uint64_t k = escapes_[e] >> 32;
          if (k > key) break;
          const auto exact = static_cast<std::uint32_t>(escapes_[e]);
          if (k < key) {
            sum += exact - kEscape;
          } else {
            own = exact;
          }
        }
      }
    }
    start = static_cast<std::uint32_t>(l[0]) + sum;
    end = start + own;
  }
  std::size_t bytes() const noexcept { return lines_.bytes() + vector_bytes(escapes_); }

 private:
  static constexpr std::uint32_t kEscape = 7;
  static constexpr std::size_t kSlots = 3;
  static constexpr unsigned kSlotBits = 21;
  static constexpr std::uint64_t kSlotUsed = std::uint64_t{1} << 20;
  static constexpr std::uint64_t kSlotMaxExtra = (std::uint64_t{1} << 13) - 1;
  static constexpr std::uint64_t kSideList = std::uint64_t{1} << 63;
  Array<std::uint64_t> lines_;
  std::vector<std::uint64_t> escapes_;  // (key << 32) | exact size, ascending
};

// ---------------------------------------------------------------------------------------------
// Parameters and plans

struct Layout {
  int m = 0;  // 0: no tables, searches scan
  std::array<Chunk, kMaxChunks> chunks{};
};

Layout layout_for(int m) {
  Layout l;
  l.m = m;
  int offset = 0;
  for (int i = 0; i < m; ++i) {
    const int bits = 256 / m + (i < 256 % m ? 1 : 0);
    l.chunks[i] = Chunk{offset, bits};
    offset += bits;
  }
  return l;
}

struct Plan {
  bool scan = true;
  std::array<std::int8_t, kMaxChunks> t{};  // -1: chunk not probed
  double cost_ns = 0;
  double candidates = 0;  // expected per query (uniform data)
  double max_probes = 0;  // the most keys probed in one chunk
  double probes = 0;      // keys probed in all chunks
};

double chunk_cost(int bits, int t, std::size_t n) {
  if (t < 0) return 0;
  const double keys = ball_size(bits, t);
  // Precomputed ball masks (t <= 3) keep keys of one line together; others come unordered.
  const double lines = t <= 3 ? ball_size(std::max(0, bits - static_cast<int>(kLineBits)), t) : keys;
  return lines * kLineNs + keys * (kKeyNs + kCandidateNs * static_cast<double>(n) / std::ldexp(1.0, bits));
}

// Cheapest thresholds with sum over probed chunks of (t_i + 1) >= r + 1.
Plan plan_for(const Layout& l, std::size_t n, int r) {
  Plan p;
  p.scan = true;
  p.cost_ns = kScanNs * static_cast<double>(n);
  if (l.m == 0) return p;
  const int need = r + 1;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // dp[i][s]: least cost over chunks [0, i) reaching coverage s (capped at need).
  std::vector<std::vector<double>> dp(l.m + 1, std::vector<double>(need + 1, kInf));
  std::vector<std::vector<int>> choice(l.m + 1, std::vector<int>(need + 1, -1));
  std::vector<std::vector<int>> from(l.m + 1, std::vector<int>(need + 1, 0));
  dp[0][0] = 0;
  for (int i = 0; i < l.m; ++i) {
    const int bits = l.chunks[i].bits;
    for (int s = 0; s <= need; ++s) {
      if (dp[i][s] == kInf) continue;
      for (int t = -1; t <= bits && t < need; ++t) {
        const double c = dp[i][s] + chunk_cost(bits, t, n);
        const int ns = std::min(need, s + t + 1);
        if (c < dp[i + 1][ns]) {
          dp[i + 1][ns] = c;
          choice[i + 1][ns] = t;
          from[i + 1][ns] = s;
        }
      }
    }
  }
  if (dp[l.m][need] == kInf) return p;
  const double cost = dp[l.m][need] + kFixedNs;
  if (cost * kScanPreference >= p.cost_ns) return p;
  p.scan = false;
  p.cost_ns = cost;
  for (int i = l.m, s = need; i > 0; --i) {
    const int t = choice[i][s];
    p.t[i - 1] = static_cast<std::int8_t>(t);
    s = from[i][s];
    if (t < 0) continue;
    const double keys = ball_size(l.chunks[i - 1].bits, t);
    p.candidates += keys * static_cast<double>(n) / std::ldexp(1.0, l.chunks[i - 1].bits);
    p.max_probes = std::max(p.max_probes, keys);
    p.probes += keys;
  }
  return p;
}

double structure_bytes(const Layout& l, std::size_t n) {
  double bytes = 4.0 * (l.m > 0 ? l.m - 1 : 0) * static_cast<double>(n);
  for (int i = 0; i < l.m; ++i) {
    bytes += 64.0 * std::ceil(std::ldexp(1.0, l.chunks[i].bits) / kKeysPerLine);
  }
  return bytes;
}

// The chunk count with the cheapest default-radius search whose structure fits the memory
// allowance; 0 (scan only) where a scan is cheaper.
Layout choose_layout(std::size_t n) {
  Layout best;  // scan
  if (n == 0) return best;
  double best_cost = kScanNs * static_cast<double>(n);
  const double allowance = kStructureBytesPerEntry * static_cast<double>(n) + kStructureBytesFixed;
  Layout smallest;
  double smallest_bytes = std::numeric_limits<double>::infinity();
  for (int m = 2; m <= kMaxChunks; ++m) {
    const Layout l = layout_for(m);
    if (l.chunks[0].bits > kMaxChunkBits) continue;
    const double bytes = structure_bytes(l, n);
    if (bytes < smallest_bytes) {
      smallest_bytes = bytes;
      smallest = l;
    }
    if (bytes > allowance) continue;
    const Plan p = plan_for(l, n, hash::kPdqMatchThreshold);
    if (!p.scan && p.cost_ns < best_cost) {
      best_cost = p.cost_ns;
      best = l;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// The immutable index over a set of entries (tombstones aside).

struct Main {
  std::size_t n = 0;
  Layout layout;
  Array<PdqHash> hashes;
  Array<std::uint64_t> ids;
  Array<std::uint32_t> by_id;  // positions ordered by (id, position)
  mutable Array<std::uint64_t> dead;
  std::vector<BucketTable> tables;
  std::vector<Array<std::uint32_t>> pos;  // pos[i] for chunk i >= 1
  std::array<Plan, kMaxRadius + 1> plans;
  // masks[b][t]: the b-bit masks of popcount <= t (t <= 3), those that share their bits above
  // the line's 7 low bits kept together.
  std::array<std::array<std::vector<std::uint32_t>, 4>, kMaxChunkBits + 1> masks;

  bool is_dead(std::size_t p) const noexcept {
    return (std::atomic_ref<std::uint64_t>(dead[p >> 6]).load(std::memory_order_acquire) >> (p & 63)) & 1u;
  }
  // Sets the tombstone; true if it was not set.
  bool kill(std::size_t p) const noexcept {
    const std::uint64_t bit = std::uint64_t{1} << (p & 63);
    return (std::atomic_ref<std::uint64_t>(dead[p >> 6]).fetch_or(bit, std::memory_order_acq_rel) & bit) == 0;
  }
  // Positions of `id`: [first, last) in by_id.
  std::pair<std::size_t, std::size_t> id_range(std::uint64_t id) const noexcept {
    std::size_t lo = 0;
    std::size_t hi = n;
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (ids[by_id[mid]] < id) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    std::size_t end = lo;
    while (end < n && ids[by_id[end]] == id) ++end;
    return {lo, end};
  }
  std::size_t bytes() const noexcept {
    std::size_t b = sizeof(Main) + hashes.bytes() + ids.bytes() + by_id.bytes() + dead.bytes();
    for (const auto& t : tables) b += t.bytes();
    for (const auto& p : pos) b += p.bytes();
    for (const auto& per_bits : masks) {
      for (const auto& m : per_bits) b += vector_bytes(m);
    }
    return b;
  }
};

// An uninitialised scratch buffer (filled before it is read).
template <typename T>
std::unique_ptr<T[]> scratch(std::size_t n) {
  return std::unique_ptr<T[]>(new T[n]);
}

// Sorts positions by (id, position) into M.by_id. items and tmp have room for n.
void build_by_id(Main& M, std::uint64_t* items, std::uint64_t* tmp) {
  const std::size_t n = M.n;
  std::uint64_t all = 0;
  for (std::size_t p = 0; p < n; ++p) all |= M.ids[p];
  const int id_bits = static_cast<int>(std::bit_width(all));
  if (id_bits <= 32) {
    for (std::size_t p = 0; p < n; ++p) items[p] = (M.ids[p] << 32) | p;
    radix_sort(items, tmp, n, id_bits, [](std::uint64_t v) { return v >> 32; });
    for (std::size_t k = 0; k < n; ++k) M.by_id[k] = static_cast<std::uint32_t>(items[k]);
    return;
  }
  struct IdPos {
    std::uint64_t id;
    std::uint64_t pos;
  };
  auto v = scratch<IdPos>(n);
  auto vtmp = scratch<IdPos>(n);
  for (std::size_t p = 0; p < n; ++p) v[p] = IdPos{M.ids[p], p};
  radix_sort(v.get(), vtmp.get(), n, id_bits, [](const IdPos& x) { return x.id; });
  for (std::size_t k = 0; k < n; ++k) M.by_id[k] = static_cast<std::uint32_t>(v[k].pos);
}

// Builds the index over hs[i] with in_ids[i], using up to `threads` threads.
std::shared_ptr<Main> build_main(std::span<const PdqHash> hs, std::span<const std::uint64_t> in_ids,
                                 int threads = 1) {
  const std::size_t n = hs.size();
  if (n > kMaxEntries || in_ids.size() != n) std::abort();  // contract (see the header)
  auto mp = std::make_shared<Main>();
  Main& M = *mp;
  M.n = n;
  M.layout = choose_layout(n);
  M.hashes = Array<PdqHash>(n);
  M.ids = Array<std::uint64_t>(n);
  M.by_id = Array<std::uint32_t>(n);
  M.dead = Array<std::uint64_t>((n + 63) / 64);
  for (int r = 0; r <= kMaxRadius; ++r) M.plans[r] = plan_for(M.layout, n, r);
  if (n == 0) return mp;
  const int m = M.layout.m;
  auto by_key = [](std::uint64_t v) { return v >> 32; };
  auto items = scratch<std::uint64_t>(n);
  auto tmp = scratch<std::uint64_t>(n);
  if (m == 0) {
    std::memcpy(M.hashes.data(), hs.data(), n * sizeof(PdqHash));
    std::memcpy(M.ids.data(), in_ids.data(), n * sizeof(std::uint64_t));
    build_by_id(M, items.get(), tmp.get());
    return mp;
  }
  // Entries in the order of chunk 0's key: its buckets are ranges of hashes[].
  const Chunk c0 = M.layout.chunks[0];
  for (std::size_t i = 0; i < n; ++i) items[i] = (std::uint64_t{chunk_key(hs[i], c0)} << 32) | i;
  radix_sort(items.get(), tmp.get(), n, c0.bits, by_key);
  for (std::size_t p = 0; p < n; ++p) {
    const auto src = static_cast<std::uint32_t>(items[p]);
    M.hashes[p] = hs[src];
    M.ids[p] = in_ids[src];
  }
  M.tables.resize(m);
  M.pos.resize(m);
  M.tables[0] = BucketTable(c0.bits, items.get(), n);
  // Tasks 1..m-1 build chunk i's table; task m the id order. Threads take tasks in turn.
  std::atomic<int> next{1};
  auto work = [&](std::uint64_t* it, std::uint64_t* tm) {
    for (int task = next++; task <= m; task = next++) {
      if (task == m) {
        build_by_id(M, it, tm);
        continue;
      }
      const Chunk c = M.layout.chunks[task];
      for (std::size_t p = 0; p < n; ++p) it[p] = (std::uint64_t{chunk_key(M.hashes[p], c)} << 32) | p;
      radix_sort(it, tm, n, c.bits, by_key);
      Array<std::uint32_t> pos(n);
      std::uint32_t* out = pos.data();
      for (std::size_t p = 0; p < n; ++p) out[p] = static_cast<std::uint32_t>(it[p]);
      M.pos[task] = std::move(pos);
      M.tables[task] = BucketTable(c.bits, it, n);
    }
  };
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads; ++t) {
    helpers.emplace_back([&] {
      auto it = scratch<std::uint64_t>(n);
      auto tm = scratch<std::uint64_t>(n);
      work(it.get(), tm.get());
    });
  }
  work(items.get(), tmp.get());
  for (auto& h : helpers) h.join();
  for (int i = 0; i < m; ++i) {
    const int b = M.layout.chunks[i].bits;
    auto& lists = M.masks[b];
    if (!lists[0].empty()) continue;
    std::vector<std::uint32_t> all;
    for (int t = 0; t <= 3; ++t) {
      for_each_mask(b, t, [&](std::uint32_t mask) { all.push_back(mask); });
      lists[t] = all;
      std::stable_sort(lists[t].begin(), lists[t].end(),
                       [](std::uint32_t x, std::uint32_t y) { return (x >> kLineBits) < (y >> kLineBits); });
    }
  }
  return mp;
}

// Threads for a build the caller waits for (not for background rebuilds, which leave the
// cores to searches).
int build_threads() { return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u)); }

// ---------------------------------------------------------------------------------------------
// Append log: fixed-capacity segmented storage, one writer, lock-free readers.

class Log {
 public:
  static constexpr std::size_t kSegmentBits = 12;
  static constexpr std::size_t kSegmentSize = std::size_t{1} << kSegmentBits;
  static constexpr std::size_t kMaxSegments = 4096;
  static constexpr std::size_t kCapacity = kSegmentSize * kMaxSegments;

  struct Segment {
    std::array<PdqHash, kSegmentSize> hash;
    std::array<std::uint64_t, kSegmentSize> id;
    std::array<std::atomic<std::uint8_t>, kSegmentSize> dead;
  };

  std::size_t size() const noexcept { return size_.load(std::memory_order_acquire); }
  bool full() const noexcept { return size() == kCapacity; }

  // Writer only. Contract: !full().
  void push(const PdqHash& h, std::uint64_t id, bool dead = false) {
    const std::size_t i = size_.load(std::memory_order_relaxed);
    auto& seg = segments_[i >> kSegmentBits];
    if (!seg) seg = std::make_unique<Segment>();
    const std::size_t k = i & (kSegmentSize - 1);
    seg->hash[k] = h;
    seg->id[k] = id;
    seg->dead[k].store(dead ? 1 : 0, std::memory_order_relaxed);
    by_id_.emplace(id, i);
    size_.store(i + 1, std::memory_order_release);
  }

  // Writer only: calls f(position) for each entry with this id.
  template <typename F>
  void for_each_of_id(std::uint64_t id, F&& f) const {
    auto [first, last] = by_id_.equal_range(id);
    for (auto it = first; it != last; ++it) f(it->second);
  }

  const PdqHash& hash(std::size_t i) const noexcept {
    return segments_[i >> kSegmentBits]->hash[i & (kSegmentSize - 1)];
  }
  std::uint64_t id(std::size_t i) const noexcept {
    return segments_[i >> kSegmentBits]->id[i & (kSegmentSize - 1)];
  }
  bool is_dead(std::size_t i) const noexcept {
    return segments_[i >> kSegmentBits]->dead[i & (kSegmentSize - 1)].load(std::memory_order_acquire) != 0;
  }
  // Sets the tombstone; true if it was not set.
  bool kill(std::size_t i) noexcept {
    return segments_[i >> kSegmentBits]->dead[i & (kSegmentSize - 1)].exchange(
               1, std::memory_order_acq_rel) == 0;
  }

  // Calls f(position, distance) for every live entry of [0, size) within r of q.
  template <typename F>
  void scan(const PdqHash& q, int r, std::size_t size, F&& f) const {
    for (std::size_t s = 0; s * kSegmentSize < size; ++s) {
      const Segment& seg = *segments_[s];
      const std::size_t count = std::min(kSegmentSize, size - s * kSegmentSize);
      for (std::size_t k = 0; k < count; ++k) {
        const int d = hamming(seg.hash[k], q);
        if (d <= r && seg.dead[k].load(std::memory_order_acquire) == 0) f(s * kSegmentSize + k, d);
      }
    }
  }

  // Readers may call this while the writer adds: the id map is then estimated from the size.
  std::size_t bytes() const noexcept {
    std::size_t b = sizeof(Log);
    for (std::size_t s = 0; s * kSegmentSize < size(); ++s) b += sizeof(Segment);
    // Hash-map node (key, value, next pointer, cached hash) and bucket pointer per entry.
    return b + size() * (4 * sizeof(std::uint64_t) + sizeof(void*));
  }

 private:
  std::array<std::unique_ptr<Segment>, kMaxSegments> segments_;
  std::atomic<std::size_t> size_{0};
  std::unordered_multimap<std::uint64_t, std::size_t> by_id_;  // writer only
};

// ---------------------------------------------------------------------------------------------
// Search

struct Generation {
  std::shared_ptr<Main> main;
  std::shared_ptr<Log> log;
};

struct Probe {
  std::uint32_t key;
  std::uint32_t table;
};
struct Span {
  const std::uint32_t* p;
  std::uint32_t n;
};
struct Hit {
  std::uint32_t pos;
  std::int32_t distance;
};

struct Scratch {
  std::vector<Probe> probes;
  std::vector<const std::uint64_t*> lines;
  std::vector<Span> spans;
  std::vector<std::uint32_t> candidates;
  std::vector<Hit> hits;
};

// How far ahead of use the probing loops prefetch.
constexpr std::size_t kAhead = 32;

// Collects (position, distance) of main entries within r (duplicates possible, tombstones not
// checked).
void probe_main(const Main& M, const Plan& plan, const PdqHash& q, int r, Scratch& S) {
  auto& probes = S.probes;
  auto& spans = S.spans;
  auto& cands = S.candidates;
  probes.clear();
  spans.clear();
  cands.clear();
  probes.reserve(static_cast<std::size_t>(plan.probes));
  spans.reserve(static_cast<std::size_t>(plan.probes));
  cands.reserve(static_cast<std::size_t>(plan.candidates * 1.5) + 64);
  // Keys of each chunk's Hamming ball, those sharing a bucket-table line together; the
  // distinct lines in order, so that prefetching can run a fixed number of lines ahead.
  auto& lines = S.lines;
  lines.clear();
  for (int i = 0; i < M.layout.m; ++i) {
    const int t = plan.t[i];
    if (t < 0) continue;
    const Chunk c = M.layout.chunks[i];
    const std::uint32_t qk = chunk_key(q, c);
    const auto ti = static_cast<std::uint32_t>(i);
    const BucketTable& table = M.tables[i];
    std::uint32_t last = ~0u;
    auto emit = [&](std::uint32_t mask) {
      const std::uint32_t key = qk ^ mask;
      probes.push_back(Probe{key, ti});
      if ((key >> kLineBits) != last) {
        last = key >> kLineBits;
        lines.push_back(table.line(key));
      }
    };
    if (t <= 3) {
      for (std::uint32_t mask : M.masks[c.bits][t]) emit(mask);
    } else {
      for (int w = 0; w <= t; ++w) for_each_mask(c.bits, w, emit);
    }
  }
  // Bucket ranges.
  const std::size_t nl = lines.size();
  for (std::size_t k = 0; k < std::min(kAhead, nl); ++k) prefetch(lines[k]);
  std::size_t next_line = std::min(kAhead, nl);
  const std::uint64_t* current = nullptr;
  for (const Probe& pr : probes) {
    const BucketTable& table = M.tables[pr.table];
    const std::uint64_t* line = table.line(pr.key);
    if (line != current) {
      current = line;
      if (next_line < nl) prefetch(lines[next_line++]);
    }
    std::uint32_t start;
    std::uint32_t end;
    table.range(pr.key, start, end);
    if (start == end) continue;
    if (pr.table == 0) {
      for (std::uint32_t p = start; p < end; ++p) cands.push_back(p);
    } else {
      spans.push_back(Span{M.pos[pr.table].data() + start, end - start});
    }
  }
  // Position lists.
  const std::size_t ns = spans.size();
  for (std::size_t k = 0; k < std::min(kAhead, ns); ++k) prefetch(spans[k].p);
  for (std::size_t k = 0; k < ns; ++k) {
    if (k + kAhead < ns) prefetch(spans[k + kAhead].p);
    const Span& s = spans[k];
    for (std::uint32_t x = 0; x < s.n; ++x) cands.push_back(s.p[x]);
  }
  // Verification.
  const std::size_t nc = cands.size();
  const PdqHash* hashes = M.hashes.data();
  for (std::size_t k = 0; k < std::min(kAhead, nc); ++k) prefetch(hashes + cands[k]);
  for (std::size_t k = 0; k < nc; ++k) {
    if (k + kAhead < nc) prefetch(hashes + cands[k + kAhead]);
    const std::uint32_t p = cands[k];
    const int d = hamming(hashes[p], q);
    if (d <= r) S.hits.push_back(Hit{p, d});
  }
}

void scan_main(const Main& M, const PdqHash& q, int r, Scratch& S) {
  const PdqHash* h = M.hashes.data();
  for (std::size_t p = 0; p < M.n; ++p) {
    const int d = hamming(h[p], q);
    if (d <= r) S.hits.push_back(Hit{static_cast<std::uint32_t>(p), d});
  }
}

// Turns main-index hits (possibly repeated) into the answer: live entries once each, the
// append log's matches, ordered by distance then id.
void finish(const Generation& g, const PdqHash& q, int r, std::vector<Hit>& hits, bool may_repeat,
            std::vector<PdqHit>& out) {
  const std::size_t first = out.size();
  const Main& M = *g.main;
  if (may_repeat) {
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.pos < b.pos; });
    hits.erase(
        std::unique(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.pos == b.pos; }),
        hits.end());
  }
  for (const Hit& h : hits) {
    if (!M.is_dead(h.pos)) out.push_back(PdqHit{M.ids[h.pos], h.distance});
  }
  const Log& log = *g.log;
  log.scan(q, r, log.size(), [&](std::size_t i, int d) { out.push_back(PdqHit{log.id(i), d}); });
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
            [](const PdqHit& a, const PdqHit& b) {
              return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
            });
}

void search_one(const Generation& g, const PdqHash& q, int r, Scratch& S, std::vector<PdqHit>& out) {
  const Main& M = *g.main;
  S.hits.clear();
  const Plan& plan = M.plans[r];
  if (M.n > 0) {
    if (plan.scan) {
      scan_main(M, q, r, S);
    } else {
      probe_main(M, plan, q, r, S);
    }
  }
  finish(g, q, r, S.hits, !plan.scan, out);
}

// Batches: the probes of many queries are sorted by key, table by table, so that bucket lines
// and position lists are read in address order instead of at random; candidates are grouped
// by partitions of the hash array small enough to stay in cache while they are verified.
constexpr std::size_t kMaxPass = 8192;           // queries per pass at most
constexpr double kPassScratchBytes = 128 << 20;  // scratch per pass, roughly
constexpr std::size_t kMinBatch = 256;           // below this, queries go one by one
constexpr unsigned kPartitionBits = 14;          // 16384 hashes, 512 KiB
static_assert(kMaxPass <= (std::size_t{1} << (32 - kPartitionBits)));

// Queries per pass: as many as the scratch allowance holds (candidates at 4 bytes with room
// for growth, one chunk's probes at 16 bytes).
std::size_t pass_size(const Plan& plan) {
  const double per_query = plan.candidates * 6.0 + plan.max_probes * 16.0 + 64.0;
  return std::clamp(static_cast<std::size_t>(kPassScratchBytes / per_query), kMinBatch, kMaxPass);
}

// Scratch of one search_batch call, sized for its passes once (huge-page backed, so that
// touching it costs few page faults) and reused by every pass.
struct BatchScratch {
  BatchScratch(const Main& M, const Plan& plan, std::size_t pass)
      : nparts(((M.n - 1) >> kPartitionBits) + 1),
        // Room for the expected candidates (uniform data) and a quarter more.
        cap(static_cast<std::size_t>(plan.candidates * static_cast<double>(pass) * 1.25 /
                                     static_cast<double>(nparts)) +
            16),
        probes(static_cast<std::size_t>(plan.max_probes) * pass),
        tmp(probes.size()),
        slots(nparts * cap),
        fill(nparts),
        spill(nparts) {}

  std::size_t nparts;
  std::size_t cap;                // slots per partition
  Array<std::uint64_t> probes;    // (key << 32) | query
  Array<std::uint64_t> tmp;       // radix sort buffer
  Array<std::uint32_t> slots;     // per partition: (position low bits) | (query << kPartitionBits)
  std::vector<std::size_t> fill;  // slots used per partition
  std::vector<std::vector<std::uint32_t>> spill;  // beyond cap (clustered data)
  std::vector<std::uint32_t> masks;
  std::vector<std::vector<Hit>> hits;  // per query
  std::uint64_t sink = 0;              // keeps the streaming reads
};

void probe_main_batch(const Main& M, const Plan& plan, const PdqHash* qs, std::size_t nq, int r,
                      BatchScratch& B) {
  constexpr std::uint32_t kLow = (1u << kPartitionBits) - 1;
  const std::size_t nparts = B.nparts;
  std::fill(B.fill.begin(), B.fill.end(), 0);
  for (auto& v : B.spill) v.clear();
  B.hits.resize(nq);
  for (auto& h : B.hits) h.clear();
  std::uint32_t* slots = B.slots.data();
  auto emit = [&](std::uint32_t pos, std::uint32_t qi) {
    const std::size_t k = pos >> kPartitionBits;
    const std::uint32_t v = (pos & kLow) | (qi << kPartitionBits);
    if (B.fill[k] < B.cap) {
      slots[k * B.cap + B.fill[k]++] = v;
    } else {
      B.spill[k].push_back(v);
    }
  };
  for (int i = 0; i < M.layout.m; ++i) {
    const int t = plan.t[i];
    if (t < 0) continue;
    const Chunk c = M.layout.chunks[i];
    const std::vector<std::uint32_t>* masks = nullptr;
    if (t <= 3) {
      masks = &M.masks[c.bits][t];
    } else {
      B.masks.clear();
      for (int w = 0; w <= t; ++w) {
        for_each_mask(c.bits, w, [&](std::uint32_t mask) { B.masks.push_back(mask); });
      }
      masks = &B.masks;
    }
    std::uint64_t* probes = B.probes.data();
    std::size_t np = 0;
    for (std::size_t qi = 0; qi < nq; ++qi) {
      const std::uint32_t qk = chunk_key(qs[qi], c);
      for (std::uint32_t mask : *masks) probes[np++] = (std::uint64_t{qk ^ mask} << 32) | qi;
    }
    radix_sort(probes, B.tmp.data(), np, c.bits, [](std::uint64_t v) { return v >> 32; });
    const BucketTable& table = M.tables[i];
    const std::uint32_t* pos = i == 0 ? nullptr : M.pos[i].data();
    for (std::size_t k = 0; k < np; ++k) {
      const std::uint64_t p = probes[k];
      std::uint32_t start;
      std::uint32_t end;
      table.range(static_cast<std::uint32_t>(p >> 32), start, end);
      const auto qi = static_cast<std::uint32_t>(p);
      if (pos == nullptr) {
        for (std::uint32_t x = start; x < end; ++x) emit(x, qi);
      } else {
        for (std::uint32_t x = start; x < end; ++x) emit(pos[x], qi);
      }
    }
  }
  const PdqHash* hashes = M.hashes.data();
  for (std::size_t k = 0; k < nparts; ++k) {
    if (B.fill[k] == 0) continue;
    const auto base = static_cast<std::uint32_t>(k << kPartitionBits);
    // Most of the partition is needed: read it in address order first, which streams.
    const std::size_t end = std::min(M.n, std::size_t{base} + (std::size_t{1} << kPartitionBits));
    std::uint64_t touch = 0;
    for (std::size_t p = base; p < end; p += 2) touch += hashes[p].w[0];
    B.sink ^= touch;
    auto check = [&](std::uint32_t v) {
      const std::uint32_t p = base | (v & kLow);
      const std::uint32_t qi = v >> kPartitionBits;
      const int d = hamming(hashes[p], qs[qi]);
      if (d <= r) B.hits[qi].push_back(Hit{p, d});
    };
    const std::uint32_t* part = slots + k * B.cap;
    for (std::size_t x = 0; x < B.fill[k]; ++x) check(part[x]);
    for (const std::uint32_t v : B.spill[k]) check(v);
  }
}

// ---------------------------------------------------------------------------------------------
// Snapshot format (little-endian):
//   0  magic "BAOVEPDQ"       8 bytes
//   8  format version (1)     u32
//   12 record size (40)       u32
//   16 reserved (0)           u64
//   24 records: hash words w[0..3] (4 x u64), id (u64)
//   .. entry count            u64
//   .. checksum               u64, of every byte before it
constexpr char kMagic[8] = {'B', 'A', 'O', 'V', 'E', 'P', 'D', 'Q'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kRecordSize = 40;
constexpr std::size_t kHeaderSize = 24;
constexpr std::size_t kTrailerSize = 16;

// A 64-bit checksum: four multiply-rotate lanes over 32-byte stripes, then a final mix.
class Checksum {
 public:
  void update(const std::uint8_t* p, std::size_t n) {
    total_ += n;
    if (buffered_ > 0) {
      const std::size_t take = std::min(n, sizeof(buf_) - buffered_);
      std::memcpy(buf_ + buffered_, p, take);
      buffered_ += take;
      p += take;
      n -= take;
      if (buffered_ < sizeof(buf_)) return;
      stripe(buf_);
      buffered_ = 0;
    }
    while (n >= 32) {
      stripe(p);
      p += 32;
      n -= 32;
    }
    std::memcpy(buf_, p, n);
    buffered_ = n;
  }
  std::uint64_t finish() const {
    std::uint64_t h =
        std::rotl(lane_[0], 1) + std::rotl(lane_[1], 7) + std::rotl(lane_[2], 12) + std::rotl(lane_[3], 18);
    h ^= total_ * kA;
    for (std::size_t i = 0; i < buffered_; ++i) h = std::rotl(h ^ (buf_[i] * kB), 11) * kA;
    h ^= h >> 33;
    h *= kB;
    h ^= h >> 29;
    h *= kA;
    h ^= h >> 32;
    return h;
  }

 private:
  static constexpr std::uint64_t kA = 0x9E3779B97F4A7C15ull;
  static constexpr std::uint64_t kB = 0xD6E8FEB86659FD93ull;
  void stripe(const std::uint8_t* p) {
    for (int k = 0; k < 4; ++k) {
      std::uint64_t w;
      std::memcpy(&w, p + 8 * k, 8);
      lane_[k] = std::rotl(lane_[k] + w * kB, 31) * kA;
    }
  }
  std::array<std::uint64_t, 4> lane_{0x243F6A8885A308D3ull, 0x13198A2E03707344ull, 0xA4093822299F31D0ull,
                                     0x082EFA98EC4E6C89ull};
  std::uint8_t buf_[32]{};
  std::size_t buffered_ = 0;
  std::uint64_t total_ = 0;
};

void put_u32(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, 4); }
void put_u64(std::uint8_t* p, std::uint64_t v) { std::memcpy(p, &v, 8); }
std::uint32_t get_u32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

Error io_error(const std::filesystem::path& path, const char* what, int err) {
  return make_error(ErrorCode::io, path.string() + ": " + what + ": " + std::strerror(err));
}

// Buffered writer to a file descriptor that checksums what it writes.
class SnapshotWriter {
 public:
  SnapshotWriter(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) { buf_.reserve(kBuf); }
  Status put(const std::uint8_t* p, std::size_t n, bool checksummed = true) {
    if (checksummed) sum_.update(p, n);
    buf_.insert(buf_.end(), p, p + n);
    if (buf_.size() >= kBuf) return flush();
    return {};
  }
  Status flush() {
    std::size_t done = 0;
    while (done < buf_.size()) {
      const ssize_t w = ::write(fd_, buf_.data() + done, buf_.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        return io_error(path_, "write failed", errno);
      }
      done += static_cast<std::size_t>(w);
    }
    buf_.clear();
    return {};
  }
  std::uint64_t checksum() const { return sum_.finish(); }

 private:
  static constexpr std::size_t kBuf = std::size_t{1} << 20;
  int fd_;
  std::filesystem::path path_;
  std::vector<std::uint8_t> buf_;
  Checksum sum_;
};

std::size_t merge_threshold(std::size_t main_size) {
  return std::clamp<std::size_t>(main_size / 512, 4096, 65536);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct PdqIndex::Impl {
  // The current generation. Searches copy the pointer under gen_mu (a few nanoseconds) and
  // then work on their copy without any lock.
  mutable std::mutex gen_mu;
  std::shared_ptr<const Generation> gen;
  std::atomic<std::size_t> live{0};

  std::mutex mu;  // writers, the rebuild's swap
  std::condition_variable swapped;
  bool rebuilding = false;
  bool stopping = false;
  std::vector<std::uint64_t> journal;  // ids removed while a rebuild runs
  std::thread worker;

  explicit Impl(std::shared_ptr<Main> main) {
    live.store(main->n, std::memory_order_relaxed);
    publish(std::make_shared<const Generation>(Generation{std::move(main), std::make_shared<Log>()}));
  }
  ~Impl() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    if (worker.joinable()) worker.join();
  }

  std::shared_ptr<const Generation> current() const {
    std::lock_guard lock(gen_mu);
    return gen;
  }
  void publish(std::shared_ptr<const Generation> next) {
    {
      std::lock_guard lock(gen_mu);
      gen.swap(next);
    }
    // The previous generation is released here, outside the lock (or later by its last reader).
  }

  // Starts a background rebuild of the current generation. Caller holds mu.
  void start_rebuild(const std::shared_ptr<const Generation>& g) {
    if (worker.joinable()) worker.join();  // finished: it cleared `rebuilding` under mu
    rebuilding = true;
    journal.clear();
    const std::size_t upto = g->log->size();
    worker = std::thread([this, g, upto] { rebuild(g, upto); });
  }

  void rebuild(std::shared_ptr<const Generation> g, std::size_t upto) {
    const Main& M = *g->main;
    const Log& log = *g->log;
    std::vector<PdqHash> hs;
    std::vector<std::uint64_t> is;
    hs.reserve(M.n + upto);
    is.reserve(M.n + upto);
    for (std::size_t p = 0; p < M.n; ++p) {
      if (M.is_dead(p)) continue;
      hs.push_back(M.hashes[p]);
      is.push_back(M.ids[p]);
    }
    for (std::size_t i = 0; i < upto; ++i) {
      if (log.is_dead(i)) continue;
      hs.push_back(log.hash(i));
      is.push_back(log.id(i));
    }
    std::shared_ptr<Main> next = build_main(hs, is);
    hs = {};
    is = {};
    std::lock_guard lock(mu);
    if (!stopping) {
      auto next_log = std::make_shared<Log>();
      const std::size_t end = log.size();
      for (std::size_t i = upto; i < end; ++i) next_log->push(log.hash(i), log.id(i), log.is_dead(i));
      for (std::uint64_t id : journal) {
        auto [lo, hi] = next->id_range(id);
        for (std::size_t k = lo; k < hi; ++k) next->kill(next->by_id[k]);
      }
      publish(std::make_shared<const Generation>(Generation{std::move(next), std::move(next_log)}));
    }
    journal.clear();
    rebuilding = false;
    swapped.notify_all();
  }
};

PdqIndex::PdqIndex() : impl_(std::make_unique<Impl>(build_main({}, {}))) {}
PdqIndex::~PdqIndex() = default;
PdqIndex::PdqIndex(PdqIndex&&) noexcept = default;
PdqIndex& PdqIndex::operator=(PdqIndex&&) noexcept = default;

PdqIndex PdqIndex::build(std::span<const PdqHash> hashes, std::span<const std::uint64_t> ids) {
  PdqIndex index;
  index.impl_ = std::make_unique<Impl>(build_main(hashes, ids, build_threads()));
  return index;
}

void PdqIndex::add(const PdqHash& hash, std::uint64_t id) {
  if (!impl_) impl_ = std::make_unique<Impl>(build_main({}, {}));
  Impl& s = *impl_;
  std::unique_lock lock(s.mu);
  for (;;) {
    auto g = s.current();
    if (!g->log->full()) {
      g->log->push(hash, id);
      s.live.fetch_add(1, std::memory_order_release);
      if (!s.rebuilding && g->log->size() >= merge_threshold(g->main->n)) s.start_rebuild(g);
      return;
    }
    // The log is at capacity: wait for a rebuild to absorb it.
    if (!s.rebuilding) s.start_rebuild(g);
    s.swapped.wait(lock, [&] { return !s.rebuilding; });
  }
}

bool PdqIndex::remove(std::uint64_t id) {
  if (!impl_) return false;
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  auto g = s.current();
  std::size_t removed = 0;
  const Main& M = *g->main;
  auto [lo, hi] = M.id_range(id);
  for (std::size_t k = lo; k < hi; ++k) removed += M.kill(M.by_id[k]) ? 1 : 0;
  Log& log = *g->log;
  log.for_each_of_id(id, [&](std::size_t i) { removed += log.kill(i) ? 1 : 0; });
  if (s.rebuilding) s.journal.push_back(id);
  s.live.fetch_sub(removed, std::memory_order_release);
  return removed > 0;
}

Status PdqIndex::search(const PdqHash& query, int radius, std::vector<PdqHit>& out) const {
  if (radius < 0 || radius > kMaxRadius) {
    return make_error(ErrorCode::invalid_argument,
                      "radius " + std::to_string(radius) + " is outside 0.." + std::to_string(kMaxRadius));
  }
  if (!impl_) return {};
  const auto g = impl_->current();
  Scratch scratch;
  search_one(*g, query, radius, scratch, out);
  return {};
}

Status PdqIndex::search_batch(std::span<const PdqHash> queries, int radius,
                              std::vector<std::vector<PdqHit>>& results) const {
  if (radius < 0 || radius > kMaxRadius) {
    return make_error(ErrorCode::invalid_argument,
                      "radius " + std::to_string(radius) + " is outside 0.." + std::to_string(kMaxRadius));
  }
  results.resize(queries.size());
  for (auto& r : results) r.clear();
  if (!impl_) return {};
  const auto g = impl_->current();
  const Main& M = *g->main;
  const Plan& plan = M.plans[radius];
  if (M.n == 0 || plan.scan || queries.size() < kMinBatch) {
    Scratch scratch;
    for (std::size_t i = 0; i < queries.size(); ++i) search_one(*g, queries[i], radius, scratch, results[i]);
    return {};
  }
  const std::size_t pass = std::min(pass_size(plan), queries.size());
  BatchScratch scratch(M, plan, pass);
  for (std::size_t from = 0; from < queries.size(); from += pass) {
    const std::size_t nq = std::min(pass, queries.size() - from);
    probe_main_batch(M, plan, queries.data() + from, nq, radius, scratch);
    for (std::size_t k = 0; k < nq; ++k) {
      finish(*g, queries[from + k], radius, scratch.hits[k], true, results[from + k]);
    }
  }
  return {};
}

std::size_t PdqIndex::size() const noexcept {
  return impl_ ? impl_->live.load(std::memory_order_acquire) : 0;
}

std::size_t PdqIndex::memory_bytes() const noexcept {
  if (!impl_) return 0;
  const auto g = impl_->current();
  return sizeof(Impl) + sizeof(Generation) + g->main->bytes() + g->log->bytes();
}

Status PdqIndex::save(const std::filesystem::path& path) const {
  std::shared_ptr<const Generation> g;
  if (impl_) {
    g = impl_->current();
  } else {
    g = std::make_shared<const Generation>(Generation{build_main({}, {}), std::make_shared<Log>()});
  }
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(tmp, "cannot create", errno);
  auto fail = [&](Error e) -> Status {
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  SnapshotWriter w(fd, tmp);
  std::uint8_t header[kHeaderSize] = {};
  std::memcpy(header, kMagic, 8);
  put_u32(header + 8, kVersion);
  put_u32(header + 12, kRecordSize);
  if (auto st = w.put(header, sizeof(header)); !st) return fail(st.error());
  std::uint64_t count = 0;
  std::uint8_t rec[kRecordSize];
  auto put_record = [&](const PdqHash& h, std::uint64_t id) -> Status {
    for (int k = 0; k < 4; ++k) put_u64(rec + 8 * k, h.w[k]);
    put_u64(rec + 32, id);
    ++count;
    return w.put(rec, sizeof(rec));
  };
  const Main& M = *g->main;
  for (std::size_t p = 0; p < M.n; ++p) {
    if (M.is_dead(p)) continue;
    if (auto st = put_record(M.hashes[p], M.ids[p]); !st) return fail(st.error());
  }
  const Log& log = *g->log;
  const std::size_t ln = log.size();
  for (std::size_t i = 0; i < ln; ++i) {
    if (log.is_dead(i)) continue;
    if (auto st = put_record(log.hash(i), log.id(i)); !st) return fail(st.error());
  }
  std::uint8_t tail[kTrailerSize];
  put_u64(tail, count);
  if (auto st = w.put(tail, 8); !st) return fail(st.error());
  put_u64(tail + 8, w.checksum());
  if (auto st = w.put(tail + 8, 8, false); !st) return fail(st.error());
  if (auto st = w.flush(); !st) return fail(st.error());
  if (::fsync(fd) != 0) return fail(io_error(tmp, "fsync failed", errno));
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return io_error(tmp, "close failed", errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return io_error(path, "rename failed", err);
  }
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<PdqIndex> PdqIndex::load(const std::filesystem::path& path) {
  auto file = MappedFile::open(path);
  if (!file) return file.error();
  const auto bytes = file->bytes();
  const std::string name = path.string();
  auto corrupt = [&](const std::string& what) {
    return make_error(ErrorCode::corrupt, name + ": not a valid PDQ index snapshot: " + what);
  };
  if (bytes.size() < kHeaderSize + kTrailerSize) {
    return corrupt("file of " + std::to_string(bytes.size()) + " bytes is too short");
  }
  const std::uint8_t* p = bytes.data();
  if (std::memcmp(p, kMagic, 8) != 0) return corrupt("bad magic");
  const std::uint32_t version = get_u32(p + 8);
  if (version != kVersion) {
    return make_error(ErrorCode::unsupported,
                      name + ": PDQ index snapshot version " + std::to_string(version) + " is not supported");
  }
  if (get_u32(p + 12) != kRecordSize) return corrupt("bad record size");
  if (get_u64(p + 16) != 0) return corrupt("reserved header field is not zero");
  const std::size_t body = bytes.size() - kHeaderSize - kTrailerSize;
  if (body % kRecordSize != 0)
    return corrupt("truncated record (file length " + std::to_string(bytes.size()) + ")");
  const std::uint64_t count = get_u64(p + bytes.size() - kTrailerSize);
  if (count != body / kRecordSize) {
    return corrupt("entry count " + std::to_string(count) + " does not match the file length");
  }
  if (count > kMaxEntries) return corrupt("too many entries");
  Checksum sum;
  sum.update(p, bytes.size() - 8);
  if (sum.finish() != get_u64(p + bytes.size() - 8)) return corrupt("checksum mismatch");
  const auto n = static_cast<std::size_t>(count);
  std::vector<PdqHash> hs(n);
  std::vector<std::uint64_t> ids(n);
  const std::uint8_t* rec = p + kHeaderSize;
  for (std::size_t i = 0; i < n; ++i, rec += kRecordSize) {
    for (int k = 0; k < 4; ++k) hs[i].w[k] = get_u64(rec + 8 * k);
    ids[i] = get_u64(rec + 32);
  }
  file = MappedFile{};
  return build(hs, ids);
}

}  // namespace baove::match
