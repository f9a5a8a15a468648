#include "hash/pdq.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hash/hasher.hpp"

namespace baove::hash {
namespace {

const std::string kVectors = std::string(BAOVE_SHARED_DIR) + "/pdq-vectors";

// The reference's algorithm written plainly, one operation at a time, as pdqHash256FromFloatLuma
// describes it: the optimised kernel must agree with it bit for bit on every size.
namespace plain {

void box1d(const float* in, float* out, int n, int stride, int w) {
  const int half = (w + 2) / 2;
  const int p1 = half - 1, p2 = w - half + 1, p3 = n - w, p4 = half - 1;
  int li = 0, ri = 0, oi = 0, count = 0;
  float sum = 0.0f;
  for (int i = 0; i < p1; ++i) sum += in[ri], ++count, ri += stride;
  for (int i = 0; i < p2; ++i) {
    sum += in[ri];
    ++count;
    out[oi] = sum / static_cast<float>(count);
    ri += stride, oi += stride;
  }
  for (int i = 0; i < p3; ++i) {
    sum += in[ri];
    sum -= in[li];
    out[oi] = sum / static_cast<float>(count);
    li += stride, ri += stride, oi += stride;
  }
  for (int i = 0; i < p4; ++i) {
    sum -= in[li];
    --count;
    out[oi] = sum / static_cast<float>(count);
    li += stride, oi += stride;
  }
}

PdqResult hash(std::vector<float> a, int rows, int cols) {
  if (rows < 5 || cols < 5) return {};
  std::vector<float> b(a.size());
  const int wr = (cols + 127) / 128, wc = (rows + 127) / 128;
  for (int rep = 0; rep < 2; ++rep) {
    for (int i = 0; i < rows; ++i)
      box1d(&a[static_cast<std::size_t>(i * cols)], &b[static_cast<std::size_t>(i * cols)], cols, 1, wr);
    for (int j = 0; j < cols; ++j)
      box1d(&b[static_cast<std::size_t>(j)], &a[static_cast<std::size_t>(j)], rows, cols, wc);
  }
  float d64[64][64];
  for (int i = 0; i < 64; ++i) {
    const int ini = static_cast<int>(((i + 0.5) * rows) / 64);
    for (int j = 0; j < 64; ++j) {
      const int inj = static_cast<int>(((j + 0.5) * cols) / 64);
      d64[i][j] = a[static_cast<std::size_t>(ini * cols + inj)];
    }
  }
  int gsum = 0;
  for (int i = 0; i < 63; ++i)
    for (int j = 0; j < 64; ++j)
      gsum += std::abs(static_cast<int>(((d64[i][j] - d64[i + 1][j]) * 100) / 255));
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 63; ++j)
      gsum += std::abs(static_cast<int>(((d64[i][j] - d64[i][j + 1]) * 100) / 255));
  float dct[16][64];
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 64; ++j)
      dct[i][j] = static_cast<float>(std::sqrt(2.0 / 64.0) *
                                     std::cos((std::numbers::pi / 2 / 64.0) * (i + 1) * (2 * j + 1)));
  float t[16][64], c[16][16];
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 64; ++j) {
      float s = 0.0f;
      for (int k = 0; k < 64; ++k) s += dct[i][k] * d64[k][j];
      t[i][j] = s;
    }
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) {
      float s = 0.0f;
      for (int k = 0; k < 64; ++k) s += t[i][k] * dct[j][k];
      c[i][j] = s;
    }
  std::vector<float> sorted(&c[0][0], &c[0][0] + 256);
  std::sort(sorted.begin(), sorted.end());
  const float median = sorted[127];
  PdqResult r;
  for (int i = 0; i < 256; ++i)
    if (c[i / 16][i % 16] > median) r.hash.set_bit(i);
  r.quality = std::min(100, gsum / 90);
  return r;
}

}  // namespace plain

std::vector<float> random_luma(std::mt19937& rng, int rows, int cols, bool smooth) {
  std::vector<float> v(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  std::uniform_int_distribution<int> px(0, 255);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      float x = static_cast<float>(px(rng));
      if (smooth)
        x = static_cast<float>(
            std::floor(127.5 + 100 * std::sin(i * 0.05 + j * 0.03) + static_cast<double>(x - 128.0f) * 0.1));
      v[static_cast<std::size_t>(i * cols + j)] = x;
    }
  return v;
}

TEST(Pdq, OptimisedKernelEqualsThePlainAlgorithmOnEverySize) {
  std::mt19937 rng(20261122);
  PdqWorkspace ws;  // reused across sizes, as a worker thread does
  const int sizes[][2] = {{5, 5},     {5, 9},     {64, 64},  {63, 65},   {1, 100},   {100, 4},  {127, 129},
                          {128, 128}, {129, 300}, {256, 17}, {512, 512}, {511, 300}, {40, 700}, {700, 40}};
  for (auto [rows, cols] : sizes) {
    for (bool smooth : {false, true}) {
      auto luma = random_luma(rng, rows, cols, smooth);
      const auto copy = luma;
      PdqResult fast = pdq_from_luma(luma.data(), rows, cols, ws);
      PdqResult ref = plain::hash(luma, rows, cols);
      EXPECT_EQ(fast.hash.to_hex(), ref.hash.to_hex()) << rows << "x" << cols << " smooth=" << smooth;
      EXPECT_EQ(fast.quality, ref.quality) << rows << "x" << cols;
      EXPECT_EQ(luma, copy) << "input must be left unchanged";
    }
  }
}

TEST(Pdq, TooSmallImagesHashToZeroWithQualityZero) {
  std::vector<float> luma(4 * 100, 200.0f);
  auto r = pdq_from_luma(luma.data(), 4, 100);
  EXPECT_EQ(r.hash, PdqHash{});
  EXPECT_EQ(r.quality, 0);
}

TEST(Pdq, HexRoundTripAndErrors) {
  const std::string hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
  auto h = PdqHash::from_hex(hex);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->to_hex(), hex);
  auto upper = PdqHash::from_hex("D8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C4E9C9B22");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, *h);
  // Bit k is word k/16 of the reference: the last hex digit holds bits 0..3.
  PdqHash one;
  one.set_bit(0);
  std::string one_hex(64, '0'), top_hex(64, '0');
  one_hex[63] = '1';
  top_hex[0] = '8';
  EXPECT_EQ(one.to_hex(), one_hex);
  PdqHash top;
  top.set_bit(255);
  EXPECT_EQ(top.to_hex(), top_hex);
  EXPECT_EQ(hamming(one, top), 2);
  EXPECT_EQ(hamming(*h, *h), 0);

  EXPECT_FALSE(PdqHash::from_hex(hex.substr(1)).ok());
  EXPECT_FALSE(PdqHash::from_hex(hex + "0").ok());
  auto bad = PdqHash::from_hex("x" + hex.substr(1));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("position 1"), std::string::npos);
}

struct Expected {
  std::string hash;
  int quality;
  std::string path;
};

std::vector<Expected> read_expected(const std::string& file) {
  std::vector<Expected> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto a = line.find(','), b = line.find(',', a + 1);
    out.push_back({line.substr(0, a), std::stoi(line.substr(a + 1, b - a - 1)), line.substr(b + 1)});
  }
  return out;
}

TEST(PdqVectors, EveryImageHashesExactlyAsTheReference) {
  auto expected = read_expected(kVectors + "/expected.csv");
  ASSERT_GE(expected.size(), 40u);
  HashOptions opts;
  opts.digests = false;
  Hasher hasher(opts);
  for (const auto& e : expected) {
    auto r = hasher.hash_file(kVectors + "/images/" + e.path);
    ASSERT_TRUE(r.ok()) << e.path << ": " << r.error().message;
    EXPECT_EQ(r->pdq.hash.to_hex(), e.hash) << e.path;
    EXPECT_EQ(r->pdq.quality, e.quality) << e.path;
  }
}

TEST(PdqVectors, DihedralHashesEqualTheReference) {
  auto expected = read_expected(kVectors + "/expected-dihedral-bridge-1.txt");
  ASSERT_EQ(expected.size(), 8u);
  HashOptions opts;
  opts.dihedral = true;
  auto r = hash_file(kVectors + "/images/" + expected[0].path, opts);
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(r->dihedral[static_cast<std::size_t>(k)].hash.to_hex(),
              expected[static_cast<std::size_t>(k)].hash)
        << "variant " << k;
    EXPECT_EQ(r->dihedral[static_cast<std::size_t>(k)].quality,
              expected[static_cast<std::size_t>(k)].quality);
  }
  EXPECT_EQ(r->pdq.hash, r->dihedral[0].hash);
}

TEST(PdqVectors, DihedralOfATransformedImageFindsTheOriginal) {
  // The rotated and flipped copies of the bridge: one of each copy's 8 variants matches the
  // original's hash under PDQ's threshold (they were re-encoded and squashed, so not identical).
  HashOptions opts;
  opts.digests = false;
  auto original = hash_file(kVectors + "/images/reg-test-input/dih/bridge-1-original.jpg", opts);
  ASSERT_TRUE(original.ok());
  opts.dihedral = true;
  for (const char* name :
       {"bridge-2-rotate-90.jpg", "bridge-3-rotate-180.jpg", "bridge-4-rotate-270.jpg", "bridge-5-flipx.jpg",
        "bridge-6-flipy.jpg", "bridge-7-flip-plus-1.jpg", "bridge-8-flip-minus-1.jpg"}) {
    auto r = hash_file(kVectors + "/images/reg-test-input/dih/" + name, opts);
    ASSERT_TRUE(r.ok());
    int best = 256;
    for (const auto& v : r->dihedral) best = std::min(best, hamming(v.hash, original->pdq.hash));
    EXPECT_LE(best, kPdqMatchThreshold) << name;
    EXPECT_GT(hamming(r->pdq.hash, original->pdq.hash), kPdqMatchThreshold)
        << name << " should differ untransformed";
  }
}

}  // namespace
}  // namespace baove::hash
