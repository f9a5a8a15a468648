#include "hash/hasher.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "hash/tests/test_images.hpp"

namespace baove::hash {
namespace {

using testing::encode_jpeg;
using testing::encode_png;
using testing::make_pattern;
using testing::Pixels;

const std::string kImages = std::string(BAOVE_SHARED_DIR) + "/pdq-vectors/images";

PdqResult pdq_of(std::span<const std::uint8_t> bytes, HashOptions opts = {}) {
  opts.digests = false;
  auto r = hash_bytes(bytes, opts);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? r->pdq : PdqResult{};
}

Pixels drop_alpha(const Pixels& p) {
  Pixels out{p.width, p.height, p.channels - 1, {}};
  for (std::size_t i = 0; i < p.data.size(); i += static_cast<std::size_t>(p.channels)) {
    for (int c = 0; c < out.channels; ++c) out.data.push_back(p.data[i + static_cast<std::size_t>(c)]);
  }
  return out;
}

TEST(Hasher, SixteenBitImagesHashLikeTheirEightBitVersion) {
  // The reference keeps the low byte of 16-bit samples and so hashes noise; Baove scales.
  for (int channels : {1, 3}) {
    auto p = make_pattern(700, 420, channels, 7);
    auto h8 = pdq_of(encode_png(p, {.bit_depth = 8}));
    auto h16 = pdq_of(encode_png(p, {.bit_depth = 16}));
    EXPECT_EQ(h16.hash, h8.hash) << channels << " channels";
    EXPECT_EQ(h16.quality, h8.quality);
    EXPECT_GE(h8.quality, 50);
  }
}

TEST(Hasher, AlphaIsIgnoredAsTheReferenceCommandLineDoes) {
  auto rgba = make_pattern(600, 380, 4, 3);  // alpha varies across the image
  auto rgb = drop_alpha(rgba);
  EXPECT_EQ(pdq_of(encode_png(rgba)).hash, pdq_of(encode_png(rgb)).hash);
  auto ga = make_pattern(300, 200, 2, 5);
  EXPECT_EQ(pdq_of(encode_png(ga)).hash, pdq_of(encode_png(drop_alpha(ga))).hash);
}

// The stored image that displays as `upright` under EXIF orientation `o`.
Pixels stored_for(const Pixels& upright, int o) {
  const bool transposed = o >= 5;
  const std::uint32_t W = transposed ? upright.height : upright.width;  // stored size
  const std::uint32_t H = transposed ? upright.width : upright.height;
  Pixels s{W, H, upright.channels, std::vector<std::uint8_t>(upright.data.size())};
  for (std::uint32_t yd = 0; yd < upright.height; ++yd) {
    for (std::uint32_t xd = 0; xd < upright.width; ++xd) {
      std::uint32_t x = 0, y = 0;
      switch (o) {
        case 1:
          x = xd, y = yd;
          break;
        case 2:
          x = W - 1 - xd, y = yd;
          break;
        case 3:
          x = W - 1 - xd, y = H - 1 - yd;
          break;
        case 4:
          x = xd, y = H - 1 - yd;
          break;
        case 5:
          x = yd, y = xd;
          break;
        case 6:
          x = yd, y = H - 1 - xd;
          break;
        case 7:
          x = W - 1 - yd, y = H - 1 - xd;
          break;
        case 8:
          x = W - 1 - yd, y = xd;
          break;
      }
      for (int c = 0; c < upright.channels; ++c) {
        s.data[(std::size_t{y} * W + x) * static_cast<std::size_t>(s.channels) +
               static_cast<std::size_t>(c)] = upright.at(xd, yd, c);
      }
    }
  }
  return s;
}

TEST(Hasher, ExifOrientationTurnsTheImageUprightWhenAsked) {
  for (auto [w, h] : {std::pair{640u, 400u}, std::pair{300u, 200u}}) {  // squashed, and not
    auto upright = make_pattern(w, h, 3, 11);
    const auto want = pdq_of(encode_png(upright));
    HashOptions apply;
    apply.exif_orientation = true;
    for (int o = 1; o <= 8; ++o) {
      auto file = encode_png(stored_for(upright, o), {.orientation = o});
      EXPECT_EQ(pdq_of(file, apply).hash, want.hash) << "orientation " << o << " " << w << "x" << h;
      if (o != 1) {
        // Off by default: the stored pixels are hashed, as partners' hashers do.
        EXPECT_NE(pdq_of(file).hash, want.hash) << "orientation " << o;
      }
    }
  }
}

TEST(Hasher, ExifOrientationOfTheSamplePhotosIsReadAndChangesTheHashOnlyWhenAsked) {
  HashOptions apply, plain;
  apply.exif_orientation = true;
  apply.digests = plain.digests = false;
  for (auto [name, tag] : {std::pair{"exif-rotn-1.jpg", 1}, std::pair{"exif-rotn-3.jpg", 3},
                           std::pair{"exif-rotn-6.jpg", 6}, std::pair{"exif-rotn-8.jpg", 8}}) {
    auto a = hash_file(kImages + "/reg-test-input/exif-rotn/" + name, apply);
    auto p = hash_file(kImages + "/reg-test-input/exif-rotn/" + name, plain);
    ASSERT_TRUE(a.ok() && p.ok()) << name;
    EXPECT_EQ(a->info.orientation, tag) << name;
    if (tag == 1) {
      EXPECT_EQ(a->pdq.hash, p->pdq.hash);
    } else {
      EXPECT_GT(hamming(a->pdq.hash, p->pdq.hash), kPdqMatchThreshold) << name;
    }
  }
}

TEST(Hasher, FastModeStaysWithinPdqConformanceOnJpegs) {
  HashOptions exact, fast;
  exact.digests = fast.digests = false;
  fast.fast = true;
  int compared = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(kImages)) {
    if (e.path().extension() != ".jpg") continue;
    auto a = hash_file(e.path(), exact);
    auto b = hash_file(e.path(), fast);
    ASSERT_TRUE(a.ok() && b.ok()) << e.path();
    if (a->pdq.quality < 80) continue;
    EXPECT_LE(hamming(a->pdq.hash, b->pdq.hash), 10) << e.path();
    ++compared;
  }
  EXPECT_GE(compared, 20);
}

TEST(Hasher, DigestsAreOfTheFileBytes) {
  auto png = encode_png(make_pattern(64, 64, 3));
  auto r = hash_bytes(png, {});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->digests.has_value());
  EXPECT_EQ(r->digests->sha256, compute_digests(png).sha256);
  EXPECT_EQ(r->info.format, ImageFormat::png);
  EXPECT_EQ(r->info.stored_width, 64u);
}

TEST(Hasher, RefusesImagesOverThePixelLimitAndNamesTheFile) {
  HashOptions opts;
  opts.decode.max_pixels = 1000;
  auto r = hash_file(kImages + "/bridge-mods/aaa-orig.jpg", opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::limit_exceeded);
  EXPECT_NE(r.error().message.find("aaa-orig.jpg"), std::string::npos);
  auto missing = hash_file(kImages + "/no-such-file.jpg", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  auto empty = hash_bytes({}, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
}

TEST(Hasher, AHasherReusedAcrossSizesGivesTheSameHashesAsFreshOnes) {
  HashOptions opts;
  opts.digests = false;
  Hasher reused(opts);
  for (auto [w, h] :
       {std::pair{900u, 700u}, std::pair{40u, 30u}, std::pair{512u, 513u}, std::pair{200u, 600u}}) {
    auto png = encode_png(make_pattern(w, h, 3, w));
    auto a = reused.hash_bytes(png);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->pdq.hash, pdq_of(png).hash) << w << "x" << h;
  }
}

}  // namespace
}  // namespace baove::hash
