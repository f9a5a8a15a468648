// RFC 6962 Merkle tree: roots, the incremental tree, audit paths and consistency proofs, checked
// against the Certificate Transparency reference vectors, hand-built trees and the RFC's
// definitions on every small size.
#include "audit/merkle.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/hex.hpp"

namespace baove::audit {
namespace {

// The leaves and roots used by Certificate Transparency's test suites for RFC 6962.
const char* const kLeaves[] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
const char* const kRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

Hash H(const char* hex) {
  auto h = hash_from_hex(hex);
  EXPECT_TRUE(h.ok());
  return h.ok() ? *h : Hash{};
}

std::vector<Hash> vector_leaves() {
  std::vector<Hash> out;
  for (const char* l : kLeaves) {
    auto bytes = from_hex(l);
    EXPECT_TRUE(bytes.ok());
    out.push_back(leaf_hash(*bytes));
  }
  return out;
}

std::vector<Hash> numbered_leaves(std::size_t n) {
  std::vector<Hash> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string s = "leaf " + std::to_string(i);
    out.push_back(leaf_hash(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())));
  }
  return out;
}

TEST(Merkle, RootsMatchReferenceVectors) {
  const auto leaves = vector_leaves();
  EXPECT_EQ(to_hex(empty_root()), kRoots[0]);
  CompactTree tree;
  EXPECT_EQ(to_hex(tree.root()), kRoots[0]);
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    tree.append(leaves[n - 1]);
    EXPECT_EQ(to_hex(tree.root()), kRoots[n]) << "size " << n;
    EXPECT_EQ(to_hex(root_from_leaves(std::span(leaves).first(n))), kRoots[n]) << "size " << n;
  }
}

TEST(Merkle, HandBuiltTrees) {
  const auto l = numbered_leaves(7);
  // Three leaves: the left subtree holds two (the largest power of two below 3).
  EXPECT_EQ(root_from_leaves(std::span(l).first(3)), node_hash(node_hash(l[0], l[1]), l[2]));
  // Five: a perfect tree of four, then the fifth leaf alone.
  const Hash four = node_hash(node_hash(l[0], l[1]), node_hash(l[2], l[3]));
  EXPECT_EQ(root_from_leaves(std::span(l).first(5)), node_hash(four, l[4]));
  // Seven: four, then (two, one).
  EXPECT_EQ(root_from_leaves(l), node_hash(four, node_hash(node_hash(l[4], l[5]), l[6])));
  // Leaf and node hashes are domain-separated: a node is not the leaf of its children's bytes.
  std::vector<std::uint8_t> both(l[0].begin(), l[0].end());
  both.insert(both.end(), l[1].begin(), l[1].end());
  EXPECT_NE(leaf_hash(both), node_hash(l[0], l[1]));
}

TEST(Merkle, CompactTreeEqualsDirectRootAtEverySize) {
  const auto leaves = numbered_leaves(300);
  CompactTree tree;
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    tree.append(leaves[n - 1]);
    ASSERT_EQ(tree.size(), n);
    ASSERT_EQ(tree.frontier().size(), static_cast<std::size_t>(std::popcount(n)));
    ASSERT_EQ(tree.root(), root_from_leaves(std::span(leaves).first(n))) << "size " << n;
  }
}

TEST(Merkle, CompactTreeRestoresFromStoredFrontier) {
  const auto leaves = numbered_leaves(45);
  CompactTree tree;
  for (std::size_t i = 0; i < 37; ++i) tree.append(leaves[i]);
  auto restored = CompactTree::restore(tree.size(), tree.frontier_bytes());
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  for (std::size_t i = 37; i < 45; ++i) restored->append(leaves[i]);
  EXPECT_EQ(restored->root(), root_from_leaves(leaves));

  // 37 leaves make three perfect subtrees; 39 would need four.
  auto bad = CompactTree::restore(39, tree.frontier_bytes());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::corrupt);
  auto odd_bytes = CompactTree::restore(1, std::vector<std::uint8_t>(31));
  ASSERT_FALSE(odd_bytes.ok());
  EXPECT_EQ(odd_bytes.error().code, ErrorCode::corrupt);
}

TEST(Merkle, AuditPathsMatchReferenceVectors) {
  const auto leaves = vector_leaves();
  auto p0 = inclusion_proof(leaves, 0);
  ASSERT_TRUE(p0.ok());
  const std::vector<Hash> want0 = {H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                                   H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                                   H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")};
  EXPECT_EQ(*p0, want0);
  auto p5 = inclusion_proof(leaves, 5);
  ASSERT_TRUE(p5.ok());
  const std::vector<Hash> want5 = {H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                                   H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                                   H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  EXPECT_EQ(*p5, want5);
  EXPECT_TRUE(verify_inclusion(leaves[5], 5, 8, want5, H(kRoots[8])));
  EXPECT_FALSE(inclusion_proof(leaves, 8).ok());
}

TEST(Merkle, ConsistencyProofsMatchReferenceVectors) {
  const auto leaves = vector_leaves();
  auto p68 = consistency_proof(leaves, 6);
  ASSERT_TRUE(p68.ok());
  const std::vector<Hash> want68 = {H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                                    H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                                    H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  EXPECT_EQ(*p68, want68);
  auto p25 = consistency_proof(std::span(leaves).first(5), 2);
  ASSERT_TRUE(p25.ok());
  const std::vector<Hash> want25 = {H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                                    H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")};
  EXPECT_EQ(*p25, want25);
  EXPECT_TRUE(verify_consistency(6, 8, H(kRoots[6]), H(kRoots[8]), want68));
  EXPECT_TRUE(verify_consistency(2, 5, H(kRoots[2]), H(kRoots[5]), want25));
  EXPECT_FALSE(consistency_proof(leaves, 0).ok());
  EXPECT_FALSE(consistency_proof(leaves, 9).ok());
}

TEST(Merkle, EveryAuditPathVerifiesAndTamperingFails) {
  const auto leaves = numbered_leaves(40);
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    const auto tree = std::span(leaves).first(n);
    const Hash root = root_from_leaves(tree);
    for (std::size_t i = 0; i < n; ++i) {
      auto proof = inclusion_proof(tree, i);
      ASSERT_TRUE(proof.ok());
      ASSERT_TRUE(verify_inclusion(leaves[i], i, n, *proof, root)) << i << " in " << n;
      // The wrong leaf, the wrong index, the wrong size or a flipped bit must all fail.
      EXPECT_FALSE(verify_inclusion(leaves[(i + 1) % leaves.size()], i, n, *proof, root));
      if (n > 1) {
        EXPECT_FALSE(verify_inclusion(leaves[i], (i + 1) % n, n, *proof, root));
      }
      if (!proof->empty()) {
        auto bad = *proof;
        bad.back()[7] ^= 0x20;
        EXPECT_FALSE(verify_inclusion(leaves[i], i, n, bad, root));
        bad = *proof;
        bad.pop_back();
        EXPECT_FALSE(verify_inclusion(leaves[i], i, n, bad, root));
      }
    }
  }
}

TEST(Merkle, EveryConsistencyProofVerifiesAndTamperingFails) {
  const auto leaves = numbered_leaves(40);
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    const Hash new_root = root_from_leaves(std::span(leaves).first(n));
    for (std::size_t m = 1; m <= n; ++m) {
      const Hash old_root = root_from_leaves(std::span(leaves).first(m));
      auto proof = consistency_proof(std::span(leaves).first(n), m);
      ASSERT_TRUE(proof.ok());
      ASSERT_TRUE(verify_consistency(m, n, old_root, new_root, *proof)) << m << " -> " << n;
      if (m < n) {
        EXPECT_FALSE(verify_consistency(m, n, new_root, new_root, *proof));
        auto bad = *proof;
        bad.front()[0] ^= 1;
        EXPECT_FALSE(verify_consistency(m, n, old_root, new_root, bad)) << m << " -> " << n;
        // A different history of the same size is not consistent.
        auto other = std::vector<Hash>(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n));
        other[m - 1][0] ^= 1;
        EXPECT_FALSE(verify_consistency(m, n, old_root, root_from_leaves(other), *proof));
      }
    }
  }
  EXPECT_FALSE(verify_consistency(5, 4, empty_root(), empty_root(), {}));
  EXPECT_TRUE(verify_consistency(0, 4, empty_root(), root_from_leaves(std::span(leaves).first(4)), {}));
}

TEST(Merkle, HexRoundTripIsStrict) {
  const Hash h = leaf_hash({});
  auto back = hash_from_hex(to_hex(h));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, h);
  EXPECT_FALSE(hash_from_hex(to_hex(h).substr(2)).ok());
  EXPECT_FALSE(hash_from_hex("zz" + to_hex(h).substr(2)).ok());
}

}  // namespace
}  // namespace baove::audit
