#include "match/pdq_index.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace baove::match {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Sizes scale down under sanitizers, which slow everything by an order of magnitude.
constexpr std::size_t scaled(std::size_t n) { return kSanitized ? std::max<std::size_t>(n / 8, 1) : n; }

constexpr int kRadii[] = {0, 1, 10, 31, 32, 50, 64};

struct Entry {
  PdqHash hash;
  std::uint64_t id = 0;
  bool live = true;
};

PdqHash random_hash(std::mt19937_64& rng) {
  PdqHash h;
  for (auto& w : h.w) w = rng();
  return h;
}

// `h` with exactly k distinct bits flipped.
PdqHash flip(const PdqHash& h, int k, std::mt19937_64& rng) {
  PdqHash out = h;
  std::vector<int> bits(256);
  for (int i = 0; i < 256; ++i) bits[i] = i;
  for (int i = 0; i < k; ++i) {
    std::uniform_int_distribution<int> pick(i, 255);
    std::swap(bits[i], bits[pick(rng)]);
    out.w[bits[i] >> 6] ^= std::uint64_t{1} << (bits[i] & 63);
  }
  return out;
}

std::vector<PdqHit> brute_force(const std::vector<Entry>& entries, const PdqHash& q, int r) {
  std::vector<PdqHit> out;
  for (const auto& e : entries) {
    if (!e.live) continue;
    const int d = hamming(e.hash, q);
    if (d <= r) out.push_back(PdqHit{e.id, d});
  }
  std::sort(out.begin(), out.end(), [](const PdqHit& a, const PdqHit& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
  return out;
}

PdqIndex build_from(const std::vector<Entry>& entries) {
  std::vector<PdqHash> hs;
  std::vector<std::uint64_t> ids;
  for (const auto& e : entries) {
    hs.push_back(e.hash);
    ids.push_back(e.id);
  }
  return PdqIndex::build(hs, ids);
}

std::vector<PdqHit> search(const PdqIndex& index, const PdqHash& q, int r) {
  std::vector<PdqHit> out;
  auto st = index.search(q, r, out);
  EXPECT_TRUE(st.ok());
  return out;
}

// Queries: near-duplicates of indexed hashes at distances spread over 0..40, and random hashes.
std::vector<PdqHash> make_queries(const std::vector<Entry>& entries, std::size_t count,
                                  std::mt19937_64& rng) {
  std::vector<PdqHash> qs;
  for (std::size_t i = 0; i < count; ++i) {
    if (entries.empty() || i % 4 == 3) {
      qs.push_back(random_hash(rng));
    } else {
      const auto& base = entries[rng() % entries.size()].hash;
      qs.push_back(flip(base, static_cast<int>(rng() % 41), rng));
    }
  }
  return qs;
}

// Compares search() and search_batch() with brute force for every radius of interest.
void expect_exact(const PdqIndex& index, const std::vector<Entry>& entries,
                  const std::vector<PdqHash>& queries, const std::string& label) {
  for (int r : kRadii) {
    std::vector<std::vector<PdqHit>> batch;
    ASSERT_TRUE(index.search_batch(queries, r, batch).ok());
    ASSERT_EQ(batch.size(), queries.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
      const auto want = brute_force(entries, queries[i], r);
      ASSERT_EQ(search(index, queries[i], r), want) << label << " radius " << r << " query " << i;
      ASSERT_EQ(batch[i], want) << label << " (batch) radius " << r << " query " << i;
    }
  }
}

std::vector<Entry> random_entries(std::size_t n, std::mt19937_64& rng) {
  std::vector<Entry> e(n);
  for (std::size_t i = 0; i < n; ++i) e[i] = Entry{random_hash(rng), i * 7 + 3};
  return e;
}

// Clusters of near-duplicates (distances up to 12 from a centre), exact duplicates under
// different ids, and ids repeated across different hashes; some clusters are large enough to
// overflow the compact bucket encoding.
std::vector<Entry> clustered_entries(std::size_t n, std::mt19937_64& rng) {
  std::vector<Entry> e;
  e.reserve(n);
  std::uint64_t next_id = 1;
  while (e.size() < n) {
    const PdqHash centre = random_hash(rng);
    const std::size_t size = (rng() % 10 == 0) ? 40 : 1 + rng() % 8;
    for (std::size_t k = 0; k < size && e.size() < n; ++k) {
      const int kind = static_cast<int>(rng() % 4);
      PdqHash h = kind == 0 ? centre : flip(centre, static_cast<int>(rng() % 13), rng);
      std::uint64_t id = next_id++;
      if (kind == 1 && !e.empty()) id = e[rng() % e.size()].id;  // repeated id
      e.push_back(Entry{h, id});
    }
  }
  return e;
}

TEST(PdqIndex, EmptyIndexFindsNothingAndValidatesRadius) {
  PdqIndex index;
  std::mt19937_64 rng(1);
  const PdqHash q = random_hash(rng);
  EXPECT_TRUE(search(index, q, 64).empty());
  EXPECT_EQ(index.size(), 0u);
  std::vector<PdqHit> out;
  auto bad = index.search(q, -1, out);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  ASSERT_FALSE(index.search(q, kMaxRadius + 1, out).ok());
  std::vector<std::vector<PdqHit>> batch;
  ASSERT_FALSE(index.search_batch(std::span<const PdqHash>(&q, 1), 65, batch).ok());

  auto built = PdqIndex::build({}, {});
  EXPECT_TRUE(search(built, q, 64).empty());
}

TEST(PdqIndex, SingleEntryAtEachDistanceBoundary) {
  std::mt19937_64 rng(2);
  const PdqHash h = random_hash(rng);
  const std::uint64_t id = 42;
  auto index = PdqIndex::build(std::span<const PdqHash>(&h, 1), std::span<const std::uint64_t>(&id, 1));
  EXPECT_EQ(index.size(), 1u);
  for (int d : {0, 1, 10, 31, 32, 50, 64, 65, 128, 256}) {
    const PdqHash q = flip(h, d, rng);
    for (int r : kRadii) {
      auto got = search(index, q, r);
      if (d <= r) {
        ASSERT_EQ(got, (std::vector<PdqHit>{{id, d}})) << "d=" << d << " r=" << r;
      } else {
        ASSERT_TRUE(got.empty()) << "d=" << d << " r=" << r;
      }
    }
  }
}

TEST(PdqIndex, ExactOnRandomDataAcrossSizes) {
  std::mt19937_64 rng(3);
  for (std::size_t n : {std::size_t{2}, std::size_t{17}, std::size_t{1000}, scaled(30000), scaled(300000)}) {
    const auto entries = random_entries(n, rng);
    const auto index = build_from(entries);
    EXPECT_EQ(index.size(), n);
    expect_exact(index, entries, make_queries(entries, kSanitized ? 12 : 40, rng), "n=" + std::to_string(n));
  }
}

TEST(PdqIndex, ExactOnClusteredDataWithDuplicatesAndRepeatedIds) {
  std::mt19937_64 rng(4);
  for (std::size_t n : {std::size_t{50}, scaled(20000), scaled(200000)}) {
    const auto entries = clustered_entries(n, rng);
    const auto index = build_from(entries);
    expect_exact(index, entries, make_queries(entries, kSanitized ? 12 : 40, rng),
                 "clustered n=" + std::to_string(n));
  }
}

// Large batches take a different path (probes sorted across queries, in passes of a few
// thousand queries); their answers must equal those of single searches and brute force.
TEST(PdqIndex, LargeBatchesEqualSingleSearches) {
  std::mt19937_64 rng(11);
  auto entries = clustered_entries(scaled(200000), rng);
  const auto extra = random_entries(scaled(100000), rng);
  for (const auto& e : extra) entries.push_back(Entry{e.hash, e.id + 50'000'000});
  const auto index = build_from(entries);
  const auto queries = make_queries(entries, kSanitized ? 600 : 5000, rng);
  for (int r : {0, 10, 31, 32}) {
    std::vector<std::vector<PdqHit>> batch;
    ASSERT_TRUE(index.search_batch(queries, r, batch).ok());
    ASSERT_EQ(batch.size(), queries.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
      ASSERT_EQ(batch[i], search(index, queries[i], r)) << "radius " << r << " query " << i;
      if (i < 40) {
        ASSERT_EQ(batch[i], brute_force(entries, queries[i], r)) << "radius " << r << " query " << i;
      }
    }
  }
}

TEST(PdqIndex, ManyIdenticalHashesAreEachReturnedOnce) {
  std::mt19937_64 rng(5);
  auto entries = random_entries(scaled(50000), rng);
  const PdqHash dup = random_hash(rng);
  for (std::uint64_t k = 0; k < 300; ++k) entries.push_back(Entry{dup, 1'000'000 + k});
  entries.push_back(Entry{dup, 1'000'000});  // the same (hash, id) twice: two entries
  const auto index = build_from(entries);
  for (int r : {0, 5, 31}) {
    auto got = search(index, dup, r);
    EXPECT_EQ(got, brute_force(entries, dup, r));
    EXPECT_GE(got.size(), 301u);
  }
}

TEST(PdqIndex, AddsAreVisibleAtOnceAndRemovesHideEveryEntryOfAnId) {
  std::mt19937_64 rng(6);
  auto entries = random_entries(scaled(20000), rng);
  auto index = build_from(entries);
  EXPECT_FALSE(index.remove(999'999'999));  // unknown id

  const PdqHash q = random_hash(rng);
  const PdqHash near = flip(q, 7, rng);
  index.add(near, 5'000'000);
  EXPECT_EQ(search(index, q, 31), (std::vector<PdqHit>{{5'000'000, 7}}));
  EXPECT_EQ(index.size(), entries.size() + 1);

  // The id of a built entry also added again elsewhere: remove() takes both.
  const std::uint64_t shared_id = entries[10].id;
  index.add(flip(q, 3, rng), shared_id);
  EXPECT_EQ(search(index, q, 31).size(), 2u);
  EXPECT_TRUE(index.remove(shared_id));
  EXPECT_EQ(search(index, q, 31), (std::vector<PdqHit>{{5'000'000, 7}}));
  EXPECT_TRUE(search(index, entries[10].hash, 0).empty());
  EXPECT_FALSE(index.remove(shared_id));  // already gone
  EXPECT_EQ(index.size(), entries.size());

  EXPECT_TRUE(index.remove(5'000'000));
  EXPECT_TRUE(search(index, q, 31).empty());
  index.add(near, 5'000'000);  // re-added after removal
  EXPECT_EQ(search(index, q, 31), (std::vector<PdqHit>{{5'000'000, 7}}));
}

// Enough adds to pass the merge threshold several times, with removes interleaved, so that
// background rebuilds run and swap in; results stay exact throughout and after.
TEST(PdqIndex, StaysExactAcrossBackgroundRebuilds) {
  std::mt19937_64 rng(7);
  auto entries = clustered_entries(scaled(40000), rng);
  auto index = build_from(entries);
  const auto queries = make_queries(entries, 20, rng);
  const std::size_t adds = kSanitized ? 9000 : 30000;
  std::uint64_t next_id = 10'000'000;
  for (std::size_t i = 0; i < adds; ++i) {
    const PdqHash h = i % 2 ? random_hash(rng)
                            : flip(entries[rng() % entries.size()].hash, static_cast<int>(rng() % 20), rng);
    index.add(h, next_id);
    entries.push_back(Entry{h, next_id});
    ++next_id;
    if (i % 7 == 0) {
      const std::uint64_t victim = entries[rng() % entries.size()].id;
      bool any = false;
      for (auto& e : entries) {
        if (e.id == victim && e.live) {
          e.live = false;
          any = true;
        }
      }
      EXPECT_EQ(index.remove(victim), any);
    }
    if (i % 5000 == 0) {
      for (const auto& q : queries) ASSERT_EQ(search(index, q, 31), brute_force(entries, q, 31));
    }
  }
  const auto live = static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [](const Entry& e) { return e.live; }));
  EXPECT_EQ(index.size(), live);
  // Wait for the last rebuild to swap in (its append log is released), then check again.
  const std::size_t before = index.memory_bytes();
  for (int i = 0; i < 200 && index.memory_bytes() == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  expect_exact(index, entries, queries, "after rebuilds");
  EXPECT_EQ(index.size(), live);
}

// Readers search while a writer adds near-duplicates of one query and removes the odd ones.
// A reader must see every add and remove that returned before its search began.
TEST(PdqIndex, SearchesRunConcurrentlyWithAddsAndRemoves) {
  std::mt19937_64 rng(8);
  const auto base = random_entries(scaled(30000), rng);
  auto index = build_from(base);
  const PdqHash q = random_hash(rng);
  const auto expected_base = brute_force(base, q, 31);
  const std::uint64_t first_id = 100'000'000;
  const std::uint64_t count = kSanitized ? 6000 : 12000;
  std::vector<PdqHash> added(count);
  for (auto& h : added) h = flip(q, static_cast<int>(rng() % 32), rng);

  std::atomic<std::uint64_t> added_upto{0};    // ids below first_id + this were added
  std::atomic<std::uint64_t> removed_upto{0};  // odd ids below first_id + this were removed
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};

  auto reader = [&] {
    std::vector<PdqHit> out;
    while (!done.load()) {
      const std::uint64_t a = added_upto.load(std::memory_order_acquire);
      const std::uint64_t rm = removed_upto.load(std::memory_order_acquire);
      out.clear();
      if (!index.search(q, 31, out).ok()) ++failures;
      std::vector<bool> seen(count, false);
      std::size_t base_seen = 0;
      for (const auto& h : out) {
        if (h.id >= first_id) {
          const std::uint64_t k = h.id - first_id;
          if (k >= count || seen[k] || h.distance != hamming(added[k], q)) ++failures;
          if (k < count) seen[k] = true;
        } else {
          ++base_seen;
        }
      }
      if (base_seen != expected_base.size()) ++failures;
      for (std::uint64_t k = 0; k < a; ++k) {
        if (k % 2 == 0 && !seen[k]) ++failures;           // added, never removed
        if (k % 2 == 1 && k < rm && seen[k]) ++failures;  // removed (later odd ids may be in progress)
      }
    }
  };
  std::thread r1(reader);
  std::thread r2(reader);
  for (std::uint64_t k = 0; k < count; ++k) {
    index.add(added[k], first_id + k);
    // Visible to this thread at once.
    std::vector<PdqHit> out;
    ASSERT_TRUE(index.search(added[k], 0, out).ok());
    ASSERT_TRUE(std::find(out.begin(), out.end(), PdqHit{first_id + k, 0}) != out.end());
    added_upto.store(k + 1, std::memory_order_release);
    if (k % 2 == 1 && k % 10 == 9) {
      // Remove the odd ids added so far that are not yet removed.
      const std::uint64_t from = removed_upto.load();
      for (std::uint64_t j = from + (from % 2 == 0 ? 1 : 0); j <= k; j += 2) {
        ASSERT_TRUE(index.remove(first_id + j)) << j;
      }
      removed_upto.store(k + 1, std::memory_order_release);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  done.store(true);
  r1.join();
  r2.join();
  EXPECT_EQ(failures.load(), 0);
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("baove_pdq_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::vector<char> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}
void write_bytes(const std::filesystem::path& p, const std::vector<char>& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

TEST(PdqIndex, SnapshotRoundTripKeepsLiveEntries) {
  std::mt19937_64 rng(9);
  TempDir dir;
  auto entries = clustered_entries(scaled(30000), rng);
  auto index = build_from(entries);
  for (int i = 0; i < 100; ++i) {
    Entry e{random_hash(rng), 77'000'000u + static_cast<std::uint64_t>(i)};
    index.add(e.hash, e.id);
    entries.push_back(e);
  }
  for (int i = 0; i < 50; ++i) {
    const std::uint64_t victim = entries[rng() % entries.size()].id;
    index.remove(victim);
    for (auto& e : entries) e.live = e.live && e.id != victim;
  }
  const auto path = dir / "bank.pdqidx";
  ASSERT_TRUE(index.save(path).ok());
  auto loaded = PdqIndex::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->size(), index.size());
  expect_exact(*loaded, entries, make_queries(entries, 10, rng), "loaded");

  PdqIndex empty;
  ASSERT_TRUE(empty.save(dir / "empty.pdqidx").ok());
  auto loaded_empty = PdqIndex::load(dir / "empty.pdqidx");
  ASSERT_TRUE(loaded_empty.ok());
  EXPECT_EQ(loaded_empty->size(), 0u);
}

TEST(PdqIndex, DamagedSnapshotsAreRefused) {
  std::mt19937_64 rng(10);
  TempDir dir;
  const auto entries = random_entries(500, rng);
  const auto path = dir / "good.pdqidx";
  ASSERT_TRUE(build_from(entries).save(path).ok());
  const auto good = read_bytes(path);
  ASSERT_GT(good.size(), 500u * 40);

  auto expect_refused = [&](const std::vector<char>& bytes, ErrorCode code, const std::string& what) {
    const auto p = dir / "bad.pdqidx";
    write_bytes(p, bytes);
    auto r = PdqIndex::load(p);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, code) << what << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("bad.pdqidx"), std::string::npos) << r.error().message;
  };
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, std::size_t{24}, good.size() / 2, good.size() - 40,
                          good.size() - 1}) {
    expect_refused(std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut)),
                   ErrorCode::corrupt, "truncated to " + std::to_string(cut));
  }
  for (std::size_t at : {std::size_t{0}, std::size_t{13}, std::size_t{30}, good.size() / 2, good.size() - 12,
                         good.size() - 3}) {
    auto bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    expect_refused(bad, ErrorCode::corrupt, "byte flipped at " + std::to_string(at));
  }
  auto future = good;
  future[8] = 2;  // a later format version
  expect_refused(future, ErrorCode::unsupported, "version 2");
  auto longer = good;
  longer.push_back(0);
  expect_refused(longer, ErrorCode::corrupt, "trailing byte");

  auto missing = PdqIndex::load(dir / "missing.pdqidx");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

std::vector<PdqHash> read_hex_lines(const std::string& file) {
  std::ifstream in(std::string(BAOVE_SHARED_DIR) + "/pdq-vectors/" + file);
  std::vector<PdqHash> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto h = PdqHash::from_hex(line);
    EXPECT_TRUE(h.ok()) << line;
    if (h.ok()) out.push_back(*h);
  }
  return out;
}

// The reference index tests' haystack and needles: real PDQ hashes, strongly correlated. Alone
// the haystack is small enough to be scanned; with unrelated hashes around it the index probes.
TEST(PdqIndex, ExactOnReferenceHaystack) {
  const auto haystack = read_hex_lines("haystack.txt");
  const auto needles = read_hex_lines("needles.txt");
  ASSERT_EQ(haystack.size(), 1350u);
  ASSERT_EQ(needles.size(), 100u);
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < haystack.size(); ++i) entries.push_back(Entry{haystack[i], i});
  std::mt19937_64 rng(12);
  for (const auto& e : random_entries(40000, rng)) entries.push_back(Entry{e.hash, e.id + 1'000'000});
  const auto index = build_from(entries);
  std::size_t matched = 0;
  for (const auto& q : needles) {
    const auto got = search(index, q, 31);
    ASSERT_EQ(got, brute_force(entries, q, 31));
    matched += got.empty() ? 0 : 1;
  }
  EXPECT_GT(matched, 0u);
  expect_exact(index, entries, needles, "haystack");
}

}  // namespace
}  // namespace baove::match
