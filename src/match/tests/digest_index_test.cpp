#include "match/digest_index.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

namespace baove::match {
namespace {

std::vector<std::uint8_t> random_digest(DigestKind kind, std::mt19937_64& rng) {
  std::vector<std::uint8_t> d(digest_size(kind));
  for (auto& b : d) b = static_cast<std::uint8_t>(rng());
  return d;
}

std::vector<std::uint64_t> ids_of(const DigestIndex& index, DigestKind kind,
                                  const std::vector<std::uint8_t>& d) {
  auto r = index.lookup(kind, d);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : std::vector<std::uint64_t>{};
}

TEST(DigestIndex, SizesAndNames) {
  EXPECT_EQ(digest_size(DigestKind::md5), 16u);
  EXPECT_EQ(digest_size(DigestKind::sha1), 20u);
  EXPECT_EQ(digest_size(DigestKind::sha256), 32u);
  EXPECT_STREQ(to_string(DigestKind::sha1), "sha1");
}

TEST(DigestIndex, LooksUpEachKindExactly) {
  std::mt19937_64 rng(1);
  DigestIndex index;
  for (DigestKind kind : {DigestKind::md5, DigestKind::sha1, DigestKind::sha256}) {
    const auto d = random_digest(kind, rng);
    ASSERT_TRUE(index.add(kind, d, 7).ok());
    EXPECT_EQ(ids_of(index, kind, d), std::vector<std::uint64_t>{7});
    auto other = d;
    other.back() ^= 1;
    EXPECT_TRUE(ids_of(index, kind, other).empty());
  }
  EXPECT_EQ(index.size(), 3u);
}

TEST(DigestIndex, KindsAreSeparateEvenForEqualLeadingBytes) {
  std::mt19937_64 rng(2);
  DigestIndex index;
  const auto sha1 = random_digest(DigestKind::sha1, rng);
  const std::vector<std::uint8_t> md5(sha1.begin(), sha1.begin() + 16);
  ASSERT_TRUE(index.add(DigestKind::sha1, sha1, 1).ok());
  EXPECT_TRUE(ids_of(index, DigestKind::md5, md5).empty());
  // A SHA-256 that is the SHA-1 followed by zeros is a different value.
  std::vector<std::uint8_t> sha256 = sha1;
  sha256.resize(32, 0);
  EXPECT_TRUE(ids_of(index, DigestKind::sha256, sha256).empty());
}

TEST(DigestIndex, WrongSizesAreRejected) {
  DigestIndex index;
  const std::vector<std::uint8_t> twenty(20, 0xab);
  auto st = index.add(DigestKind::md5, twenty, 1);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(st.error().message.find("md5"), std::string::npos);
  auto r = index.lookup(DigestKind::sha256, twenty);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(index.remove(DigestKind::sha256, twenty, 1));
  EXPECT_EQ(index.size(), 0u);
}

TEST(DigestIndex, ManyIdsPerDigestAscendingAndDuplicatesIgnored) {
  std::mt19937_64 rng(3);
  DigestIndex index;
  const auto d = random_digest(DigestKind::sha256, rng);
  for (std::uint64_t id : {30u, 10u, 20u, 10u}) ASSERT_TRUE(index.add(DigestKind::sha256, d, id).ok());
  EXPECT_EQ(ids_of(index, DigestKind::sha256, d), (std::vector<std::uint64_t>{10, 20, 30}));
  EXPECT_EQ(index.size(), 3u);
  EXPECT_TRUE(index.remove(DigestKind::sha256, d, 20));
  EXPECT_FALSE(index.remove(DigestKind::sha256, d, 20));
  EXPECT_FALSE(index.remove(DigestKind::sha256, d, 99));
  EXPECT_EQ(ids_of(index, DigestKind::sha256, d), (std::vector<std::uint64_t>{10, 30}));
}

TEST(DigestIndex, RemoveIdTakesEveryDigestOfThatId) {
  std::mt19937_64 rng(4);
  DigestIndex index;
  const auto md5 = random_digest(DigestKind::md5, rng);
  const auto sha1 = random_digest(DigestKind::sha1, rng);
  const auto sha256 = random_digest(DigestKind::sha256, rng);
  ASSERT_TRUE(index.add(DigestKind::md5, md5, 5).ok());
  ASSERT_TRUE(index.add(DigestKind::sha1, sha1, 5).ok());
  ASSERT_TRUE(index.add(DigestKind::sha256, sha256, 5).ok());
  ASSERT_TRUE(index.add(DigestKind::sha256, sha256, 6).ok());
  EXPECT_EQ(index.remove_id(5), 3u);
  EXPECT_EQ(index.remove_id(5), 0u);
  EXPECT_EQ(index.remove_id(12345), 0u);
  EXPECT_TRUE(ids_of(index, DigestKind::md5, md5).empty());
  EXPECT_TRUE(ids_of(index, DigestKind::sha1, sha1).empty());
  EXPECT_EQ(ids_of(index, DigestKind::sha256, sha256), std::vector<std::uint64_t>{6});
  EXPECT_EQ(index.size(), 1u);
  // A pair removed one by one leaves nothing for remove_id.
  EXPECT_TRUE(index.remove(DigestKind::sha256, sha256, 6));
  EXPECT_EQ(index.remove_id(6), 0u);
  EXPECT_EQ(index.size(), 0u);
}

TEST(DigestIndex, LookupHexAcceptsEitherCaseAndRejectsBadText) {
  DigestIndex index;
  std::vector<std::uint8_t> d(16);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(0xa0 + i);
  ASSERT_TRUE(index.add(DigestKind::md5, d, 9).ok());
  auto lower = index.lookup_hex(DigestKind::md5, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(*lower, std::vector<std::uint64_t>{9});
  auto upper = index.lookup_hex(DigestKind::md5, "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, std::vector<std::uint64_t>{9});
  auto bad = index.lookup_hex(DigestKind::md5, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(index.lookup_hex(DigestKind::sha1, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf").ok());
}

TEST(DigestIndex, LookupsRunConcurrentlyWithAdds) {
  std::mt19937_64 rng(5);
  DigestIndex index;
  constexpr int kCount = 5000;
  std::vector<std::vector<std::uint8_t>> digests;
  for (int i = 0; i < kCount; ++i) digests.push_back(random_digest(DigestKind::sha1, rng));
  std::atomic<int> added{0};
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  auto reader = [&] {
    while (!done.load()) {
      const int a = added.load(std::memory_order_acquire);
      for (int i = std::max(0, a - 50); i < a; ++i) {
        auto r = index.lookup(DigestKind::sha1, digests[i]);
        if (!r.ok() || *r != std::vector<std::uint64_t>{static_cast<std::uint64_t>(i)}) ++failures;
      }
    }
  };
  std::thread t1(reader);
  std::thread t2(reader);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(index.add(DigestKind::sha1, digests[i], static_cast<std::uint64_t>(i)).ok());
    added.store(i + 1, std::memory_order_release);
  }
  done.store(true);
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(index.size(), static_cast<std::size_t>(kCount));
  EXPECT_GT(index.memory_bytes(), static_cast<std::size_t>(kCount) * 20);
}

}  // namespace
}  // namespace baove::match
