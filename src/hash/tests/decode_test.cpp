// Decoding: the shared test vectors, generated images of every format and layout, pixel limits,
// and malformed input.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "hash/image.hpp"
#include "hash/tests/test_images.hpp"
#include "util/file.hpp"

namespace baove::hash {
namespace {

using testing::Pixels;
namespace fs = std::filesystem;

const fs::path kImages = fs::path(BAOVE_SHARED_DIR) / "pdq-vectors" / "images";

std::vector<std::uint8_t> load(const fs::path& path) {
  auto bytes = read_file(path);
  if (!bytes) {
    ADD_FAILURE() << "cannot read " << path << ": " << bytes.error().message;
    return {};
  }
  return std::move(bytes.value());
}

Image must_decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {}) {
  auto image = decode_image(bytes, options);
  if (!image) {
    ADD_FAILURE() << "decode failed: " << image.error().message;
    return {};
  }
  return std::move(image.value());
}

Pixels decoded(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {}) {
  return testing::to_pixels(must_decode(bytes, options));
}

// Luma as 0.299 R + 0.587 G + 0.114 B.
Pixels luma(const Pixels& rgb) {
  Pixels out{rgb.width, rgb.height, 1, {}};
  out.data.resize(std::size_t{rgb.width} * rgb.height);
  for (std::size_t i = 0; i < out.data.size(); ++i) {
    const std::uint8_t* p = rgb.data.data() + i * static_cast<std::size_t>(rgb.channels);
    out.data[i] = static_cast<std::uint8_t>(std::lround(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]));
  }
  return out;
}

// Drops channels: RGBA -> RGB, GA -> G.
Pixels without_alpha(const Pixels& p) {
  const int keep = p.channels == 4 ? 3 : 1;
  Pixels out{p.width, p.height, keep, {}};
  for (std::size_t i = 0; i < std::size_t{p.width} * p.height; ++i)
    for (int c = 0; c < keep; ++c)
      out.data.push_back(p.data[i * static_cast<std::size_t>(p.channels) + static_cast<std::size_t>(c)]);
  return out;
}

// ---- sniffing ----

TEST(DecodeSniff, RecognisesMagicNumbers) {
  auto sniff = [](std::vector<std::uint8_t> b) { return sniff_format(b); };
  EXPECT_EQ(sniff({0xFF, 0xD8, 0xFF, 0xE0}), ImageFormat::jpeg);
  EXPECT_EQ(sniff({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}), ImageFormat::png);
  EXPECT_EQ(sniff({'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'}), ImageFormat::webp);
  EXPECT_EQ(sniff({'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E'}), ImageFormat::unknown);
  EXPECT_EQ(sniff({'G', 'I', 'F', '8', '7', 'a'}), ImageFormat::gif);
  EXPECT_EQ(sniff({'G', 'I', 'F', '8', '9', 'a'}), ImageFormat::gif);
  EXPECT_EQ(sniff({0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c',
                   0, 0, 0, 0,  'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'}),
            ImageFormat::heif);
  EXPECT_EQ(sniff({0, 0, 0, 20, 'f', 't', 'y', 'p', 'a', 'v', 'i', 'f', 0, 0, 0, 0, 'm', 'i', 'f', '1'}),
            ImageFormat::avif);
  // A generic major brand with AVIF among the compatible brands.
  EXPECT_EQ(sniff({0, 0, 0, 24, 'f', 't', 'y', 'p', 'm', 'i', 'f', '1',
                   0, 0, 0, 0,  'm', 'i', 'a', 'f', 'a', 'v', 'i', 'f'}),
            ImageFormat::avif);
  EXPECT_EQ(sniff({0, 0, 0, 20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 0, 0, 'm', 'p', '4', '1'}),
            ImageFormat::unknown);
  EXPECT_EQ(sniff({}), ImageFormat::unknown);
  EXPECT_EQ(sniff({0xFF, 0xD8}), ImageFormat::unknown);
  EXPECT_STREQ(to_string(ImageFormat::avif), "avif");
  EXPECT_STREQ(to_string(ImageFormat::unknown), "unknown");
}

TEST(DecodeSniff, UnknownAndEmptyInputFail) {
  const std::vector<std::uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  auto r = decode_image(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::unsupported);
  EXPECT_EQ(r.error().message, "unsupported or unrecognised image format");
  auto e = decode_image(std::span<const std::uint8_t>());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "empty file");
}

// ---- the shared test vectors ----

struct Vector {
  const char* path;
  std::uint32_t width, height;
  int channels;
  ImageFormat format;
  int orientation;
};

// Dimensions and layout as `file` reports them.
const Vector kVectors[] = {
    {"bridge-mods/aaa-orig.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},  // orientation tag 0: invalid
    {"bridge-mods/blur-a-little.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/blur-a-lot.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/high-contrast.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/high-saturation.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/sharpen-a-little.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/sharpen-a-lot.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/shrink-a-little.jpg", 1152, 723, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/shrink-a-lot.jpg", 160, 100, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/square-128x128.jpg", 128, 128, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/square-256x256.jpg", 256, 256, 3, ImageFormat::jpeg, 1},
    {"bridge-mods/square-512x512.jpg", 512, 512, 3, ImageFormat::jpeg, 1},
    {"misc-images/c.png", 1432, 812, 4, ImageFormat::png, 1},
    {"misc-images/modes/1.png", 1600, 1004, 1, ImageFormat::png, 1},
    {"misc-images/modes/CMYK.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"misc-images/modes/F.webp", 1600, 1004, 3, ImageFormat::webp, 1},
    {"misc-images/modes/HSV.webp", 1600, 1004, 3, ImageFormat::webp, 1},
    {"misc-images/modes/I.webp", 1600, 1004, 3, ImageFormat::webp, 1},
    {"misc-images/modes/L.png", 1600, 1004, 1, ImageFormat::png, 1},
    {"misc-images/modes/LA.png", 1600, 1004, 2, ImageFormat::png, 1},
    {"misc-images/modes/LAB.webp", 1600, 1004, 3, ImageFormat::webp, 1},
    {"misc-images/modes/P.png", 1600, 1004, 3, ImageFormat::png, 1},
    {"misc-images/modes/PA.webp", 1600, 1004, 3, ImageFormat::webp, 1},
    {"misc-images/modes/RGB.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"misc-images/modes/RGBA.png", 1600, 1004, 4, ImageFormat::png, 1},
    {"misc-images/modes/YCbCr.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"misc-images/modes/original.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"misc-images/small.jpg", 224, 399, 3, ImageFormat::jpeg, 1},
    {"misc-images/wee.jpg", 34, 42, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/dih/bridge-1-original.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/dih/bridge-2-rotate-90.jpg", 1004, 1600, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/dih/bridge-3-rotate-180.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/dih/bridge-4-rotate-270.jpg", 1004, 1600, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/dih/bridge-5-flipx.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/dih/bridge-6-flipy.jpg", 1600, 1004, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/dih/bridge-7-flip-plus-1.jpg", 1004, 1600, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/dih/bridge-8-flip-minus-1.jpg", 1004, 1600, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/exif-rotn/exif-rotn-1.jpg", 4032, 3024, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/exif-rotn/exif-rotn-3.jpg", 4032, 3024, 3, ImageFormat::jpeg, 3},
    {"reg-test-input/exif-rotn/exif-rotn-6.jpg", 4032, 3024, 3, ImageFormat::jpeg, 6},
    {"reg-test-input/exif-rotn/exif-rotn-8.jpg", 4032, 3024, 3, ImageFormat::jpeg, 8},
    {"reg-test-input/labelme-subset/q0003.jpg", 256, 256, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/labelme-subset/q0004.jpg", 256, 256, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/labelme-subset/q0122.jpg", 256, 256, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/labelme-subset/q0291.jpg", 256, 256, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/labelme-subset/q0746.jpg", 256, 256, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/labelme-subset/q1050.jpg", 256, 256, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/labelme-subset/q2821.jpg", 256, 256, 3, ImageFormat::jpeg, 1},
    {"reg-test-input/pen-and-coaster.png", 924, 735, 4, ImageFormat::png, 1},
};

// Counts rows and checks their order, without keeping the pixels.
class CheckingSink final : public RowSink {
 public:
  Status begin(const ImageInfo& info) override {
    ++begins;
    info_ = info;
    return {};
  }
  void row(std::uint32_t y, const std::uint8_t*) override {
    if (y != rows) in_order = false;
    ++rows;
  }
  ImageInfo info_;
  int begins = 0;
  std::uint32_t rows = 0;
  bool in_order = true;
};

TEST(DecodeVectors, EveryImageMatchesItsHeader) {
  int seen = 0;
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(v.path);
    const auto bytes = load(kImages / v.path);
    EXPECT_EQ(sniff_format(bytes), v.format);
    CheckingSink sink;
    const Status s = decode(bytes, {}, sink);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(sink.begins, 1);
    EXPECT_EQ(sink.info_.format, v.format);
    EXPECT_EQ(sink.info_.width, v.width);
    EXPECT_EQ(sink.info_.height, v.height);
    EXPECT_EQ(sink.info_.stored_width, v.width);
    EXPECT_EQ(sink.info_.stored_height, v.height);
    EXPECT_EQ(sink.info_.channels, v.channels);
    EXPECT_EQ(sink.info_.orientation, v.orientation);
    EXPECT_EQ(sink.rows, v.height);
    EXPECT_TRUE(sink.in_order);
    ++seen;
  }
  // Every image in the vector folder is listed above.
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kImages)) {
    if (entry.is_regular_file() && entry.path().extension() != ".md") ++files;
  }
  EXPECT_EQ(seen, files) << "vector images not covered by the table";
}

TEST(DecodeVectors, AdobeCmykJpegDecodesLikeTheRgbOne) {
  const Pixels rgb = decoded(load(kImages / "misc-images/modes/RGB.jpg"));
  const Pixels cmyk = decoded(load(kImages / "misc-images/modes/CMYK.jpg"));
  ASSERT_EQ(cmyk.channels, 3);
  const double mad = testing::mean_abs_diff(rgb, cmyk);
  // Both files are separate lossy encodings of original.jpg. Measured mean differences: CMYK vs
  // RGB 1.91, CMYK vs original 1.77, RGB vs original 2.44. CMYK samples read as uninverted, or
  // without K, would be off by tens.
  EXPECT_LT(mad, 2.5);
  const Pixels original = decoded(load(kImages / "misc-images/modes/original.jpg"));
  EXPECT_LT(testing::mean_abs_diff(original, cmyk), 2.5);
}

TEST(DecodeVectors, GreyPngIsTheLuminanceOfTheColourOriginal) {
  const Pixels grey = decoded(load(kImages / "misc-images/modes/L.png"));
  const Pixels original = decoded(load(kImages / "misc-images/modes/original.jpg"));
  ASSERT_EQ(grey.channels, 1);
  // L.png was made from original.jpg with L = 0.299 R + 0.587 G + 0.114 B; equal pixels mean the
  // JPEG decodes to the same RGB as the encoder's decoder saw (measured: mean 0.000002, max 1,
  // i.e. one rounding difference in 1.6 million pixels).
  EXPECT_LT(testing::mean_abs_diff(grey, luma(original)), 0.001);
  EXPECT_LE(testing::max_abs_diff(grey, luma(original)), 1);
  const Pixels grey_alpha = decoded(load(kImages / "misc-images/modes/LA.png"));
  ASSERT_EQ(grey_alpha.channels, 2);
  EXPECT_EQ(without_alpha(grey_alpha).data, grey.data);
}

TEST(DecodeVectors, PaletteAndWebpVersionsAgreeWithTheOriginal) {
  const Pixels original = decoded(load(kImages / "misc-images/modes/original.jpg"));
  const Pixels rgba = decoded(load(kImages / "misc-images/modes/RGBA.png"));
  EXPECT_EQ(without_alpha(rgba).data, original.data);  // RGBA.png is a lossless copy
  // Dithered to the web palette (P.png) or lossy (PA.webp), they stay close to the original
  // (measured means: 14.9 and 10.0; another picture would differ by about 60).
  EXPECT_LT(testing::mean_abs_diff(decoded(load(kImages / "misc-images/modes/P.png")), original), 20.0);
  EXPECT_LT(testing::mean_abs_diff(decoded(load(kImages / "misc-images/modes/PA.webp")), original), 14.0);
  const Pixels other = decoded(load(kImages / "reg-test-input/dih/bridge-3-rotate-180.jpg"));
  EXPECT_GT(testing::mean_abs_diff(other, original), 30.0);
}

// ---- JPEG ----

TEST(DecodeJpeg, BaselineProgressiveAndGreyDecodeCloseToTheSource) {
  const Pixels src = testing::make_pattern(96, 80, 3);
  for (bool progressive : {false, true}) {
    SCOPED_TRACE(progressive);
    const Image image = must_decode(testing::encode_jpeg(src, {.quality = 95, .progressive = progressive}));
    EXPECT_EQ(image.info.format, ImageFormat::jpeg);
    EXPECT_EQ(image.info.channels, 3);
    EXPECT_EQ(image.info.source_bit_depth, 8);
    // Measured 4.8: the pattern's sharp red disc suffers from 4:2:0 chroma subsampling.
    EXPECT_LT(testing::mean_abs_diff(testing::to_pixels(image), src), 7.0);
  }
  // Progressive and baseline encodings of the same coefficients decode identically.
  EXPECT_EQ(decoded(testing::encode_jpeg(src, {.quality = 80, .progressive = true})).data,
            decoded(testing::encode_jpeg(src, {.quality = 80, .progressive = false})).data);
  const Pixels grey = testing::make_pattern(64, 48, 1);
  const Pixels g = decoded(testing::encode_jpeg(grey, {.quality = 95}));
  EXPECT_EQ(g.channels, 1);
  EXPECT_LT(testing::mean_abs_diff(g, grey), 3.0);
}

TEST(DecodeJpeg, AdobeCmykBecomesRgb) {
  const Pixels src = testing::make_pattern(64, 64, 3);
  const Image image =
      must_decode(testing::encode_jpeg(src, {.quality = 95, .cmyk = true, .full_chroma = true}));
  EXPECT_EQ(image.info.channels, 3);
  EXPECT_LT(testing::mean_abs_diff(testing::to_pixels(image), src), 6.0);  // measured 4.2
}

TEST(DecodeJpeg, ReportsExifOrientationInBothByteOrders) {
  const Pixels src = testing::make_pattern(32, 24, 3);
  for (int o = 1; o <= 8; ++o) {
    for (bool be : {false, true}) {
      const Image image = must_decode(testing::encode_jpeg(src, {.orientation = o, .big_endian_exif = be}));
      EXPECT_EQ(image.info.orientation, o) << "big-endian " << be;
      EXPECT_EQ(image.info.width, 32u);  // never applied
    }
  }
  EXPECT_EQ(must_decode(testing::encode_jpeg(src)).info.orientation, 1);
}

TEST(DecodeJpeg, ScaledDecodeKeepsTheMinimumSide) {
  const Pixels src = testing::make_pattern(800, 600, 3);
  const auto jpeg = testing::encode_jpeg(src, {.quality = 90});
  const Image full = must_decode(jpeg);
  struct Case {
    std::uint32_t min_side, width, height;
  };
  // N/8 with the smallest N keeping both sides >= min_side: 600 * 2/8 = 150, 600 * 3/8 = 225.
  for (const Case c : {Case{64, 100, 75}, Case{75, 100, 75}, Case{150, 200, 150}, Case{200, 300, 225},
                       Case{600, 800, 600}, Case{1000, 800, 600}}) {
    SCOPED_TRACE(c.min_side);
    const Image small = must_decode(jpeg, {.jpeg_scale_min_side = c.min_side});
    EXPECT_EQ(small.info.width, c.width);
    EXPECT_EQ(small.info.height, c.height);
    EXPECT_EQ(small.info.stored_width, 800u);
    EXPECT_EQ(small.info.stored_height, 600u);
    EXPECT_EQ(small.pixels.size(), std::size_t{c.width} * c.height * 3);
  }
  // The 1/4 scale image resembles the full one sampled at every 4th pixel's block centre.
  const Pixels quarter = decoded(jpeg, {.jpeg_scale_min_side = 150});
  const Pixels whole = testing::to_pixels(full);
  double sum = 0;
  for (std::uint32_t y = 0; y < 150; ++y)
    for (std::uint32_t x = 0; x < 200; ++x)
      for (int c = 0; c < 3; ++c) {
        int acc = 0;
        for (std::uint32_t dy = 0; dy < 4; ++dy)
          for (std::uint32_t dx = 0; dx < 4; ++dx) acc += whole.at(x * 4 + dx, y * 4 + dy, c);
        sum += std::abs(acc / 16.0 - quarter.at(x, y, c));
      }
  EXPECT_LT(sum / (150.0 * 200 * 3), 6.0);
}

TEST(DecodeJpeg, TruncatedDataIsAnErrorNotGreyPadding) {
  const auto jpeg = testing::encode_jpeg(testing::make_pattern(64, 64, 3));
  for (bool progressive : {false, true}) {
    auto bytes = testing::encode_jpeg(testing::make_pattern(64, 64, 3), {.progressive = progressive});
    bytes.resize(bytes.size() * 2 / 3);
    auto r = decode_image(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::corrupt);
    EXPECT_EQ(r.error().message, "truncated JPEG data");
  }
  // Even a file missing only its end-of-image marker makes libjpeg read past the end of the data.
  auto no_eoi = jpeg;
  no_eoi.resize(no_eoi.size() - 2);
  auto r = decode_image(no_eoi);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "truncated JPEG data");
  EXPECT_TRUE(decode_image(jpeg).ok());
}

// ---- PNG ----

TEST(DecodePng, RoundTripIsExactForEveryLayout) {
  for (int channels = 1; channels <= 4; ++channels) {
    SCOPED_TRACE(channels);
    const Pixels src = testing::make_pattern(67, 41, channels, 3);
    const Image image = must_decode(testing::encode_png(src));
    EXPECT_EQ(image.info.format, ImageFormat::png);
    EXPECT_EQ(image.info.channels, channels);
    EXPECT_EQ(image.pixels, src.data);
  }
}

TEST(DecodePng, SixteenBitDecodesLikeEightBit) {
  for (int channels = 1; channels <= 4; ++channels) {
    SCOPED_TRACE(channels);
    const Pixels src = testing::make_pattern(50, 30, channels, 1);
    const Image wide = must_decode(testing::encode_png(src, {.bit_depth = 16}));
    EXPECT_EQ(wide.info.source_bit_depth, 16);
    EXPECT_EQ(wide.info.channels, channels);
    EXPECT_EQ(wide.pixels, decoded(testing::encode_png(src)).data);
    EXPECT_EQ(wide.pixels, src.data);
  }
}

TEST(DecodePng, LowBitGreyExpandsToTheFullRange) {
  const Pixels src = testing::make_pattern(37, 19, 1);
  for (int bd : {1, 2, 4}) {
    SCOPED_TRACE(bd);
    const Image image = must_decode(testing::encode_png(src, {.bit_depth = bd}));
    EXPECT_EQ(image.info.source_bit_depth, bd);
    ASSERT_EQ(image.info.channels, 1);
    const int max = (1 << bd) - 1;
    for (std::size_t i = 0; i < src.data.size(); ++i) {
      const int level = src.data[i] >> (8 - bd);
      ASSERT_EQ(image.pixels[i], level * 255 / max) << "sample " << i;
    }
  }
}

TEST(DecodePng, PaletteWithTransparencyBecomesRgba) {
  const Pixels rgba = testing::make_tiles(40, 30, 4, 12);
  const Image image = must_decode(testing::encode_png(rgba, {.palette = true}));
  EXPECT_EQ(image.info.channels, 4);
  EXPECT_EQ(image.info.source_bit_depth, 8);
  EXPECT_EQ(image.pixels, rgba.data);
  const Pixels rgb = testing::make_tiles(40, 30, 3, 200);
  const Image opaque = must_decode(testing::encode_png(rgb, {.palette = true}));
  EXPECT_EQ(opaque.info.channels, 3);
  EXPECT_EQ(opaque.pixels, rgb.data);
}

TEST(DecodePng, InterlacedEqualsNonInterlaced) {
  for (int channels : {1, 3, 4}) {
    const Pixels src = testing::make_pattern(45, 33, channels, 2);
    for (int bd : {8, 16}) {
      const Image image = must_decode(testing::encode_png(src, {.bit_depth = bd, .interlaced = true}));
      EXPECT_EQ(image.pixels, src.data) << channels << " channels, " << bd << " bits";
    }
  }
  // Smaller than one Adam7 block: some passes are empty.
  const Pixels tiny = testing::make_pattern(3, 2, 3);
  EXPECT_EQ(decoded(testing::encode_png(tiny, {.interlaced = true})).data, tiny.data);
}

TEST(DecodePng, ReportsExifOrientation) {
  const Pixels src = testing::make_pattern(16, 16, 3);
  for (int o = 1; o <= 8; ++o)
    EXPECT_EQ(must_decode(testing::encode_png(src, {.orientation = o})).info.orientation, o);
  EXPECT_EQ(must_decode(testing::encode_png(src)).info.orientation, 1);
}

// ---- WebP ----

TEST(DecodeWebp, LosslessIsExact) {
  for (int channels : {3, 4}) {
    const Pixels src = testing::make_pattern(61, 47, channels);
    const Image image = must_decode(testing::encode_webp(src, true));
    EXPECT_EQ(image.info.format, ImageFormat::webp);
    EXPECT_EQ(image.info.channels, channels);
    ASSERT_EQ(image.pixels.size(), src.data.size());
    // The encoder does not keep the colour of fully transparent pixels; everything else is exact.
    for (std::size_t i = 0; i < src.data.size(); i += static_cast<std::size_t>(channels)) {
      if (channels == 4 && src.data[i + 3] == 0) {
        ASSERT_EQ(image.pixels[i + 3], 0) << i;
        continue;
      }
      for (std::size_t c = 0; c < static_cast<std::size_t>(channels); ++c)
        ASSERT_EQ(image.pixels[i + c], src.data[i + c]) << i;
    }
  }
}

TEST(DecodeWebp, LossyWithAndWithoutAlpha) {
  for (int channels : {3, 4}) {
    const Pixels src = testing::make_pattern(64, 48, channels);
    const Image image = must_decode(testing::encode_webp(src, false, 95));
    EXPECT_EQ(image.info.channels, channels);
    EXPECT_LT(testing::mean_abs_diff(testing::to_pixels(image), src), 8.0) << channels;  // measured 5.7
  }
}

TEST(DecodeWebp, ReportsExifOrientation) {
  for (int channels : {3, 4})
    for (bool lossless : {false, true})
      for (int o : {1, 3, 6, 8}) {
        const Image image =
            must_decode(testing::encode_webp(testing::make_pattern(20, 10, channels), lossless, 90, o));
        EXPECT_EQ(image.info.orientation, o);
        EXPECT_EQ(image.info.width, 20u);
        EXPECT_EQ(image.info.channels, channels);
      }
}

TEST(DecodeWebp, AnimationGivesItsFirstFrame) {
  const Pixels first = testing::make_pattern(30, 20, 4, 1);
  const Pixels second = testing::make_pattern(30, 20, 4, 7);
  const Image image = must_decode(testing::encode_webp_animation({first, second}));
  EXPECT_EQ(image.info.channels, 4);
  EXPECT_EQ(image.info.width, 30u);
  EXPECT_EQ(image.info.height, 20u);
  // Lossless frames, no blending: the canvas after frame 1 is frame 1 (RGB of fully transparent
  // pixels is not kept by the encoder, so compare where alpha is not 0).
  for (std::size_t i = 0; i < first.data.size(); i += 4) {
    if (first.data[i + 3] == 0) continue;
    ASSERT_EQ(image.pixels[i], first.data[i]) << i;
    ASSERT_EQ(image.pixels[i + 3], first.data[i + 3]) << i;
  }
}

// ---- GIF ----

std::vector<testing::Rgb> gif_palette() {
  std::vector<testing::Rgb> palette;
  for (int i = 0; i < 16; ++i)
    palette.push_back({static_cast<std::uint8_t>(i * 16), static_cast<std::uint8_t>(255 - i * 16),
                       static_cast<std::uint8_t>(i * 5)});
  return palette;
}

TEST(DecodeGif, FirstFrameOnlyWithTransparency) {
  const auto palette = gif_palette();
  const Pixels a = testing::make_indices(24, 18, 16, 0);
  const Pixels b = testing::make_indices(24, 18, 16, 5);
  const auto gif = testing::encode_gif(24, 18, palette, {{.indices = a, .transparent = 3}, {.indices = b}});
  const Image image = must_decode(gif);
  EXPECT_EQ(image.info.format, ImageFormat::gif);
  ASSERT_EQ(image.info.channels, 4);
  for (std::uint32_t y = 0; y < 18; ++y)
    for (std::uint32_t x = 0; x < 24; ++x) {
      const std::uint8_t index = a.at(x, y, 0);
      const std::uint8_t* p = image.pixels.data() + (y * 24 + x) * 4;
      ASSERT_EQ(p[0], palette[index][0]);
      ASSERT_EQ(p[1], palette[index][1]);
      ASSERT_EQ(p[2], palette[index][2]);
      ASSERT_EQ(p[3], index == 3 ? 0 : 255);
    }
  // Without transparency and covering the screen: RGB.
  const Image opaque = must_decode(testing::encode_gif(24, 18, palette, {{.indices = a}}));
  EXPECT_EQ(opaque.info.channels, 3);
}

TEST(DecodeGif, InterlacedFrameIsPlacedOnTheScreen) {
  const auto palette = gif_palette();
  const Pixels a = testing::make_indices(20, 13, 16, 2);
  const Image plain =
      must_decode(testing::encode_gif(30, 25, palette, {{.left = 4, .top = 7, .indices = a}}));
  const Image laced = must_decode(
      testing::encode_gif(30, 25, palette, {{.left = 4, .top = 7, .indices = a, .interlaced = true}}));
  EXPECT_EQ(plain.pixels, laced.pixels);
  ASSERT_EQ(plain.info.width, 30u);
  ASSERT_EQ(plain.info.height, 25u);
  ASSERT_EQ(plain.info.channels, 4);  // the frame leaves part of the screen uncovered
  for (std::uint32_t y = 0; y < 25; ++y)
    for (std::uint32_t x = 0; x < 30; ++x) {
      const std::uint8_t* p = plain.pixels.data() + (y * 30 + x) * 4;
      const bool inside = x >= 4 && x < 24 && y >= 7 && y < 20;
      ASSERT_EQ(p[3], inside ? 255 : 0) << x << "," << y;
      if (inside) {
        ASSERT_EQ(p[0], palette[a.at(x - 4, y - 7, 0)][0]);
      }
    }
}

TEST(DecodeGif, StopsAfterTheFirstFrame) {
  const auto palette = gif_palette();
  const Pixels a = testing::make_indices(16, 16, 16, 1);
  auto gif = testing::encode_gif(16, 16, palette, {{.indices = a}, {.indices = a}});
  const auto whole = decoded(gif);
  // Damage everything after the first frame's data: the first frame is all that is read.
  const auto single = testing::encode_gif(16, 16, palette, {{.indices = a}});
  for (std::size_t i = single.size() - 1; i < gif.size(); ++i) gif[i] = 0xEE;
  EXPECT_EQ(decoded(gif).data, whole.data);
}

// ---- HEIF / AVIF ----

void heif_round_trip(bool avif) {
  for (int channels : {3, 4}) {
    const Pixels src = testing::make_pattern(64, 64, channels);
    auto encoded = testing::encode_heif(src, avif, 90);
    if (!encoded) {
      GTEST_SKIP() << encoded.error().message;
    }
    EXPECT_EQ(sniff_format(*encoded), avif ? ImageFormat::avif : ImageFormat::heif);
    const Image image = must_decode(*encoded);
    EXPECT_EQ(image.info.format, avif ? ImageFormat::avif : ImageFormat::heif);
    EXPECT_EQ(image.info.width, 64u);
    EXPECT_EQ(image.info.height, 64u);
    EXPECT_EQ(image.info.channels, channels);
    EXPECT_EQ(image.info.orientation, 1);
    EXPECT_LT(testing::mean_abs_diff(testing::to_pixels(image), src), 6.0) << channels;
  }
}

TEST(DecodeHeif, HeicRoundTrip) { heif_round_trip(false); }
TEST(DecodeHeif, AvifRoundTrip) { heif_round_trip(true); }

// ---- limits ----

TEST(DecodeLimits, HugeHeaderIsRefusedBeforeDecoding) {
  const auto jpeg =
      testing::with_jpeg_size(testing::encode_jpeg(testing::make_pattern(16, 16, 3)), 30000, 30000);
  const auto png =
      testing::with_png_size(testing::encode_png(testing::make_pattern(16, 16, 3)), 30000, 30000);
  const auto gif = [] {
    auto g = testing::encode_gif(16, 16, gif_palette(), {{.indices = testing::make_indices(16, 16, 16)}});
    g[6] = g[8] = 0x30, g[7] = g[9] = 0x75;  // logical screen 30000x30000
    return g;
  }();
  for (const auto& bytes : {jpeg, png, gif}) {
    const auto start = std::chrono::steady_clock::now();
    auto r = decode_image(bytes);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::limit_exceeded);
    EXPECT_EQ(r.error().message, "image of 30000x30000 pixels exceeds the limit of 100000000");
    EXPECT_LT(seconds, 0.5);
  }
}

TEST(DecodeLimits, EveryFormatHonoursMaxPixels) {
  const Pixels src = testing::make_pattern(40, 30, 3);
  std::vector<std::vector<std::uint8_t>> files = {
      testing::encode_jpeg(src), testing::encode_png(src), testing::encode_webp(src, true),
      testing::encode_webp_animation({testing::make_pattern(40, 30, 4)}),
      testing::encode_gif(40, 30, gif_palette(), {{.indices = testing::make_indices(40, 30, 16)}})};
  if (auto heic = testing::encode_heif(src, false)) files.push_back(*heic);
  for (const auto& bytes : files) {
    SCOPED_TRACE(to_string(sniff_format(bytes)));
    EXPECT_TRUE(decode_image(bytes, {.max_pixels = 1200}).ok());
    auto r = decode_image(bytes, {.max_pixels = 1199});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::limit_exceeded);
    EXPECT_EQ(r.error().message, "image of 40x30 pixels exceeds the limit of 1199");
  }
}

TEST(DecodeLimits, ZeroDimensionsAreRefused) {
  auto png = testing::with_png_size(testing::encode_png(testing::make_pattern(8, 8, 1)), 0, 8);
  auto r = decode_image(png);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.error().message.empty());
  auto jpeg = testing::with_jpeg_size(testing::encode_jpeg(testing::make_pattern(8, 8, 1)), 0, 8);
  EXPECT_FALSE(decode_image(jpeg).ok());
}

TEST(DecodeLimits, SinkErrorStopsDecoding) {
  struct Refusing final : RowSink {
    Status begin(const ImageInfo&) override { return make_error(ErrorCode::conflict, "no thanks"); }
    void row(std::uint32_t, const std::uint8_t*) override { ++rows; }
    int rows = 0;
  };
  const Pixels src = testing::make_pattern(20, 20, 3);
  for (const auto& bytes :
       {testing::encode_jpeg(src), testing::encode_png(src), testing::encode_webp(src, true)}) {
    Refusing sink;
    const Status s = decode(bytes, {}, sink);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, "no thanks");
    EXPECT_EQ(sink.rows, 0);
  }
}

// ---- malformed input ----

struct Sample {
  const char* name;
  std::vector<std::uint8_t> bytes;
  // Lossy VP8 data has no checksum and no invalid bit patterns: random bytes in place of the
  // compressed data decode to (garbage) pixels.
  bool garbage_detectable = true;
};

std::vector<Sample> samples() {
  const Pixels rgb = testing::make_pattern(48, 40, 3);
  std::vector<Sample> out = {
      {"jpeg", testing::encode_jpeg(rgb)},
      {"jpeg-progressive", testing::encode_jpeg(rgb, {.progressive = true})},
      {"png", testing::encode_png(rgb)},
      {"png-interlaced", testing::encode_png(rgb, {.interlaced = true})},
      {"webp-lossy", testing::encode_webp(rgb, false), false},
      {"webp-lossless", testing::encode_webp(testing::make_pattern(48, 40, 4), true)},
      {"gif", testing::encode_gif(48, 40, gif_palette(), {{.indices = testing::make_indices(48, 40, 16)}})},
  };
  if (auto heic = testing::encode_heif(rgb, false)) out.push_back({"heic", *heic});
  if (auto avif = testing::encode_heif(rgb, true)) out.push_back({"avif", *avif});
  return out;
}

// Decodes without crashing; an error must say something.
Status try_decode(std::span<const std::uint8_t> bytes) {
  auto r = decode_image(bytes);
  if (!r.ok()) {
    EXPECT_FALSE(r.error().message.empty());
    return r.error();
  }
  EXPECT_GT(r->info.width, 0u);
  EXPECT_EQ(r->pixels.size(),
            std::size_t{r->info.width} * r->info.height * static_cast<std::size_t>(r->info.channels));
  return {};
}

TEST(DecodeMalformed, TruncationsWrongMagicAndGarbageFail) {
  for (const Sample& s : samples()) {
    SCOPED_TRACE(s.name);
    ASSERT_TRUE(try_decode(s.bytes).ok());
    // Empty, one byte, and cuts through the header and the image data.
    for (std::size_t keep :
         {std::size_t{0}, std::size_t{1}, std::size_t{6}, std::size_t{20}, s.bytes.size() / 4,
          s.bytes.size() / 2, s.bytes.size() * 3 / 4, s.bytes.size() - 16}) {
      const std::vector<std::uint8_t> cut(s.bytes.begin(),
                                          s.bytes.begin() + static_cast<std::ptrdiff_t>(keep));
      EXPECT_FALSE(try_decode(cut).ok()) << "kept " << keep << " of " << s.bytes.size();
    }
    auto wrong = s.bytes;
    wrong[0] ^= 0x5A;
    EXPECT_FALSE(try_decode(wrong).ok()) << "wrong magic";
    // Header kept, the rest replaced by garbage.
    auto garbage = s.bytes;
    std::uint32_t state = 12345;
    for (std::size_t i = std::min<std::size_t>(64, garbage.size() / 4); i < garbage.size(); ++i) {
      state = state * 1103515245u + 12345u;
      garbage[i] = static_cast<std::uint8_t>(state >> 16);
    }
    const bool failed = !try_decode(garbage).ok();
    if (s.garbage_detectable) {
      EXPECT_TRUE(failed) << "garbage";
    }
    // Zero-filled tail.
    auto zeros = s.bytes;
    std::fill(zeros.begin() + static_cast<std::ptrdiff_t>(zeros.size() / 3), zeros.end(), 0);
    (void)try_decode(zeros);
  }
}

TEST(DecodeMalformed, BitFlipsNeverCrash) {
  for (const Sample& s : samples()) {
    SCOPED_TRACE(s.name);
    std::uint32_t state = 99;
    int errors = 0;
    for (int round = 0; round < 60; ++round) {
      auto bytes = s.bytes;
      for (int k = 0; k < 1 + round % 4; ++k) {
        state = state * 1103515245u + 12345u;
        const std::size_t at = (state >> 8) % bytes.size();
        bytes[at] ^= static_cast<std::uint8_t>(1u << (state % 8));
      }
      if (!try_decode(bytes).ok()) ++errors;
    }
    // Reported for information: some flips only change pixels.
    RecordProperty(std::string(s.name) + "_flip_errors", errors);
  }
}

}  // namespace
}  // namespace baove::hash
