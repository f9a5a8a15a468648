#include "hash/jpeg_dc.hpp"

#include <gtest/gtest.h>
// clang-format off
#include <cstdio>
#include <jpeglib.h>
// clang-format on

#include "hash/hasher.hpp"
#include "hash/tests/test_images.hpp"

namespace baove::hash {
namespace {

using testing::encode_jpeg;
using testing::JpegOptions;
using testing::make_pattern;

struct Plane {
  std::uint32_t w = 0, h = 0;
  std::vector<std::uint8_t> px;
};

class PlaneSink final : public RowSink {
 public:
  Status begin(const ImageInfo& info) override {
    info_ = info;
    plane.w = info.width;
    plane.h = info.height;
    plane.px.resize(std::size_t{info.width} * info.height * static_cast<std::size_t>(info.channels));
    return {};
  }
  void row(std::uint32_t y, const std::uint8_t* p) override {
    std::copy(p, p + std::size_t{plane.w} * static_cast<std::size_t>(info_.channels),
              plane.px.begin() + static_cast<std::ptrdiff_t>(std::size_t{y} * plane.w *
                                                             static_cast<std::size_t>(info_.channels)));
  }
  Plane plane;
  ImageInfo info_;
};

// libjpeg's own 1/8-scale decode to greyscale: the luminance DC means.
Plane libjpeg_eighth(const std::vector<std::uint8_t>& jpeg) {
  jpeg_decompress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_decompress(&c);
  jpeg_mem_src(&c, jpeg.data(), static_cast<unsigned long>(jpeg.size()));
  jpeg_read_header(&c, TRUE);
  c.out_color_space = JCS_GRAYSCALE;
  c.scale_num = 1;
  c.scale_denom = 8;
  jpeg_start_decompress(&c);
  Plane p{c.output_width, c.output_height,
          std::vector<std::uint8_t>(std::size_t{c.output_width} * c.output_height)};
  while (c.output_scanline < c.output_height) {
    JSAMPROW row = p.px.data() + std::size_t{c.output_scanline} * p.w;
    jpeg_read_scanlines(&c, &row, 1);
  }
  jpeg_finish_decompress(&c);
  jpeg_destroy_decompress(&c);
  return p;
}

int max_diff(const Plane& a, const Plane& b) {
  int m = 0;
  for (std::size_t i = 0; i < a.px.size(); ++i) m = std::max(m, std::abs(a.px[i] - b.px[i]));
  return m;
}

struct Variant {
  const char* name;
  int channels;
  JpegOptions options;
  int tolerance;  // grey levels against libjpeg's 1/8 decode
};

TEST(JpegDc, EqualsLibjpegsEighthScaleLuminance) {
  const Variant variants[] = {
      {"baseline 4:2:0", 3, {.quality = 90}, 0},
      {"baseline 4:4:4", 3, {.quality = 85, .full_chroma = true}, 0},
      {"greyscale", 1, {.quality = 90}, 0},
      {"restart every MCU", 3, {.quality = 90, .restart_interval = 1}, 0},
      {"restart every 7 MCUs", 3, {.quality = 75, .restart_interval = 7}, 0},
      {"with EXIF", 3, {.quality = 90, .orientation = 6}, 0},
      // The first DC scan leaves out refinement bits: under one quantisation step of the mean.
      {"progressive", 3, {.quality = 90, .progressive = true}, 2},
      {"progressive greyscale", 1, {.quality = 90, .progressive = true}, 2},
  };
  for (const auto& v : variants) {
    auto jpeg = encode_jpeg(make_pattern(1100, 1030, v.channels, 3), v.options);
    PlaneSink sink;
    auto st = detail::decode_jpeg_dc_luma(jpeg, {}, sink, 64);
    ASSERT_TRUE(st.ok()) << v.name << ": " << st.error().message;
    Plane want = libjpeg_eighth(jpeg);
    ASSERT_EQ(sink.plane.w, want.w) << v.name;
    ASSERT_EQ(sink.plane.h, want.h) << v.name;
    EXPECT_LE(max_diff(sink.plane, want), v.tolerance) << v.name;
    EXPECT_EQ(sink.info_.stored_width, 1100u);
    if (v.options.orientation) {
      EXPECT_EQ(sink.info_.orientation, v.options.orientation);
    }
  }
}

TEST(JpegDc, DeclinesWhatItDoesNotHandleSoTheCallerFallsBack) {
  PlaneSink sink;
  auto small = encode_jpeg(make_pattern(300, 200, 3));
  auto st = detail::decode_jpeg_dc_luma(small, {}, sink, 128);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::unsupported);
  auto cmyk = encode_jpeg(make_pattern(1200, 1200, 3), {.cmyk = true});
  st = detail::decode_jpeg_dc_luma(cmyk, {}, sink, 64);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::unsupported);
  // Hashing in fast mode still works for both, through libjpeg.
  HashOptions fast;
  fast.fast = true;
  EXPECT_TRUE(hash_bytes(small, fast).ok());
  EXPECT_TRUE(hash_bytes(cmyk, fast).ok());
}

TEST(JpegDc, TruncatedOrCorruptDataIsAnError) {
  auto jpeg = encode_jpeg(make_pattern(1200, 1100, 3, 9), {.quality = 90, .restart_interval = 4});
  for (std::size_t cut : {std::size_t{20}, jpeg.size() / 3, jpeg.size() / 2, jpeg.size() - 200}) {
    PlaneSink sink;
    std::vector<std::uint8_t> part(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(cut));
    auto st = detail::decode_jpeg_dc_luma(part, {}, sink, 64);
    ASSERT_FALSE(st.ok()) << "cut at " << cut;
    EXPECT_NE(st.error().code, ErrorCode::unsupported);
    EXPECT_FALSE(st.error().message.empty());
  }
  // Bytes flipped in the entropy-coded data: an error or an image, never a crash.
  for (std::size_t at = jpeg.size() / 2; at < jpeg.size() - 10; at += 997) {
    auto bad = jpeg;
    bad[at] ^= 0x5a;
    PlaneSink sink;
    (void)detail::decode_jpeg_dc_luma(bad, {}, sink, 64);
  }
  HashOptions fast;
  fast.fast = true;
  std::vector<std::uint8_t> half(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2));
  EXPECT_FALSE(hash_bytes(half, fast).ok());
}

TEST(JpegDc, FastHashesStayWithinConformanceOfExact) {
  HashOptions exact, fast;
  exact.digests = fast.digests = false;
  fast.fast = true;
  for (bool progressive : {false, true}) {
    for (std::uint32_t seed : {1u, 2u, 3u}) {
      auto jpeg = encode_jpeg(make_pattern(2048, 1536, 3, seed), {.quality = 85, .progressive = progressive});
      auto a = hash_bytes(jpeg, exact);
      auto b = hash_bytes(jpeg, fast);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_GE(a->pdq.quality, kPdqMinQuality);  // a trusted hash
      EXPECT_LE(hamming(a->pdq.hash, b->pdq.hash), 10) << "seed " << seed << " progressive " << progressive;
    }
  }
}

}  // namespace
}  // namespace baove::hash
