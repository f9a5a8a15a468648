// Preview thumbnails: size and aspect, grey conversion, area averaging, blur strength, orientation,
// metadata-free PNG output and errors. Previews are read back with the module's own PNG decoder.
#include "hash/preview.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hash/tests/test_images.hpp"

namespace baove::hash {
namespace {

using testing::Pixels;

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Image to_image(const Pixels& p, int orientation = 1) {
  Image image;
  image.info.format = ImageFormat::png;
  image.info.width = image.info.stored_width = p.width;
  image.info.height = image.info.stored_height = p.height;
  image.info.channels = p.channels;
  image.info.orientation = orientation;
  image.pixels = p.data;
  return image;
}

Pixels solid(std::uint32_t w, std::uint32_t h, std::vector<std::uint8_t> pixel) {
  Pixels p{w, h, static_cast<int>(pixel.size()), {}};
  for (std::size_t i = 0; i < std::size_t{w} * h; ++i)
    p.data.insert(p.data.end(), pixel.begin(), pixel.end());
  return p;
}

// Black and white squares of `cell` pixels, RGB.
Pixels checkerboard(std::uint32_t w, std::uint32_t h, std::uint32_t cell) {
  Pixels p{w, h, 3, std::vector<std::uint8_t>(std::size_t{w} * h * 3)};
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      const std::uint8_t v = ((x / cell + y / cell) % 2) != 0 ? 255 : 0;
      std::memset(p.data.data() + (std::size_t{y} * w + x) * 3, v, 3);
    }
  }
  return p;
}

// Dark strokes on a light page in character cells, like a scanned page of large print.
Pixels text_page(std::uint32_t w, std::uint32_t h) {
  Pixels p{w, h, 1, std::vector<std::uint8_t>(std::size_t{w} * h, 235)};
  std::mt19937 rng(3);
  const std::uint32_t cw = 64, ch = 96, stroke = 12;
  for (std::uint32_t cy = 0; cy + ch <= h; cy += ch) {
    for (std::uint32_t cx = 0; cx + cw <= w; cx += cw) {
      for (int s = 0; s < 3; ++s) {
        const bool horizontal = rng() % 2 == 0;
        const std::uint32_t x0 =
            cx + 8 + (horizontal ? 0 : static_cast<std::uint32_t>(rng() % (cw - 16 - stroke)));
        const std::uint32_t y0 =
            cy + 8 + (horizontal ? static_cast<std::uint32_t>(rng() % (ch - 16 - stroke)) : 0);
        const std::uint32_t x1 = horizontal ? cx + cw - 8 : x0 + stroke;
        const std::uint32_t y1 = horizontal ? y0 + stroke : cy + ch - 8;
        for (std::uint32_t y = y0; y < y1; ++y) {
          for (std::uint32_t x = x0; x < x1; ++x) p.data[std::size_t{y} * w + x] = 20;
        }
      }
    }
  }
  return p;
}

// Decodes a preview with the module's decoder; it must be an 8-bit greyscale PNG.
Pixels read_preview(const std::string& png) {
  auto image = decode_image(bytes_of(png));
  if (!image) {
    ADD_FAILURE() << "preview does not decode: " << image.error().message;
    return {};
  }
  EXPECT_EQ(image->info.format, ImageFormat::png);
  EXPECT_EQ(image->info.channels, 1);
  EXPECT_EQ(image->info.source_bit_depth, 8);
  return testing::to_pixels(*image);
}

Pixels preview_of(const Pixels& p, PreviewOptions options, int orientation = 1) {
  auto png = make_preview(to_image(p, orientation), options);
  if (!png) {
    ADD_FAILURE() << "make_preview failed: " << png.error().message;
    return {};
  }
  return read_preview(*png);
}

// Mean absolute difference between horizontally and vertically adjacent pixels.
double local_contrast(const Pixels& p) {
  double sum = 0;
  std::size_t n = 0;
  for (std::uint32_t y = 0; y < p.height; ++y) {
    for (std::uint32_t x = 0; x < p.width; ++x) {
      if (x + 1 < p.width) sum += std::abs(p.at(x + 1, y, 0) - p.at(x, y, 0)), ++n;
      if (y + 1 < p.height) sum += std::abs(p.at(x, y + 1, 0) - p.at(x, y, 0)), ++n;
    }
  }
  return n == 0 ? 0 : sum / static_cast<double>(n);
}

double mean(const Pixels& p) {
  double sum = 0;
  for (const auto v : p.data) sum += v;
  return sum / static_cast<double>(p.data.size());
}

// The chunk types of a PNG file, in order.
std::vector<std::string> chunk_types(const std::string& png) {
  std::vector<std::string> types;
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::size_t at = 8;
  while (at + 12 <= png.size()) {
    const auto* b = reinterpret_cast<const std::uint8_t*>(png.data() + at);
    const std::size_t length =
        (std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) | (std::size_t{b[2]} << 8) | b[3];
    types.push_back(png.substr(at + 4, 4));
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size());
  return types;
}

TEST(Preview, IsAGreyscalePngOfTheExpectedSize) {
  const Pixels source = testing::make_pattern(1024, 768, 3);
  for (const bool blur : {true, false}) {
    const Pixels out = preview_of(source, {256, blur});
    EXPECT_EQ(out.width, 256u);
    EXPECT_EQ(out.height, 192u);
  }
  const Pixels small = preview_of(source, {100, true});
  EXPECT_EQ(small.width, 100u);
  EXPECT_EQ(small.height, 75u);
}

TEST(Preview, KeepsTheAspectRatio) {
  struct Case {
    std::uint32_t w, h;
    int max_side;
    std::uint32_t want_w, want_h;
  };
  for (const Case& c :
       {Case{1000, 250, 256, 256, 64}, Case{250, 1000, 256, 64, 256}, Case{3000, 7, 256, 256, 1},
        Case{641, 480, 256, 256, 192}, Case{1000, 999, 8, 8, 8}, Case{999, 1000, 64, 64, 64}}) {
    const Pixels out = preview_of(testing::make_pattern(c.w, c.h, 1), {c.max_side, true});
    EXPECT_EQ(out.width, c.want_w) << c.w << "x" << c.h;
    EXPECT_EQ(out.height, c.want_h) << c.w << "x" << c.h;
  }
}

TEST(Preview, NeverUpscales) {
  for (const auto& [w, h] : {std::pair<std::uint32_t, std::uint32_t>{20, 10}, {1, 1}, {256, 256}, {3, 200}}) {
    const Pixels source = testing::make_pattern(w, h, 1);
    const Pixels out = preview_of(source, {256, true});
    EXPECT_EQ(out.width, w);
    EXPECT_EQ(out.height, h);
    // Unblurred at its own size, the preview is the image itself.
    const Pixels plain = preview_of(source, {256, false});
    EXPECT_EQ(plain.data, source.data) << w << "x" << h;
  }
}

TEST(Preview, GreyIsBt601LumaOverWhite) {
  struct Case {
    std::vector<std::uint8_t> pixel;
    int want;
  };
  const std::vector<Case> cases = {
      {{200, 0, 0}, 60},       {{0, 200, 0}, 117}, {{0, 0, 200}, 23},   {{255, 255, 255}, 255},
      {{10, 20, 30}, 18},      {{77}, 77},         {{0, 0, 0, 0}, 255}, {{0, 0, 0, 255}, 0},
      {{200, 0, 0, 128}, 157}, {{40, 255}, 40},    {{40, 0}, 255},      {{40, 51}, 212},
  };
  for (const auto& c : cases) {
    for (const bool blur : {true, false}) {
      const Pixels out = preview_of(solid(300, 120, c.pixel), {64, blur});
      ASSERT_EQ(out.data.size(), 64u * 26u);
      for (const auto v : out.data) ASSERT_NEAR(v, c.want, 1) << "channels " << c.pixel.size();
    }
  }
}

TEST(Preview, ScalesByAreaAveraging) {
  // One-pixel checkers halved: every preview pixel averages two black and two white pixels
  // (nearest-neighbour sampling would give black or white).
  const Pixels halved = preview_of(checkerboard(512, 256, 1), {256, false});
  ASSERT_EQ(halved.width, 256u);
  for (const auto v : halved.data) ASSERT_TRUE(v == 127 || v == 128) << int(v);
  // A non-integer factor keeps the overall brightness and stays near grey.
  const Pixels odd = preview_of(checkerboard(700, 300, 1), {256, false});
  EXPECT_NEAR(mean(odd), 127.5, 1.0);
  for (const auto v : odd.data) ASSERT_NEAR(v, 127.5, 40) << int(v);
  // Halves of black and white meet at a soft edge.
  Pixels halves = solid(1000, 100, {0});
  for (std::uint32_t y = 0; y < 100; ++y) std::memset(halves.data.data() + y * 1000 + 500, 255, 500);
  const Pixels edge = preview_of(halves, {256, false});
  EXPECT_EQ(edge.at(0, 10, 0), 0);
  EXPECT_EQ(edge.at(255, 10, 0), 255);
  EXPECT_EQ(edge.at(127, 10, 0), 0);
  EXPECT_EQ(edge.at(128, 10, 0), 255);
}

TEST(Preview, BlurRemovesDetailButKeepsBrightness) {
  struct Case {
    const char* what;
    Pixels source;
  };
  const std::vector<Case> cases = {{"checkerboard", checkerboard(1024, 1024, 32)},
                                   {"text", text_page(1024, 768)},
                                   {"pattern", testing::make_pattern(1600, 1200, 3)}};
  for (const auto& c : cases) {
    const Pixels sharp = preview_of(c.source, {256, false});
    const Pixels blurred = preview_of(c.source, {256, true});
    const double before = local_contrast(sharp);
    const double after = local_contrast(blurred);
    std::printf("%s: local contrast %.2f -> %.2f\n", c.what, before, after);
    EXPECT_GT(before, 5.0) << c.what;
    EXPECT_LT(after, before * 0.05) << c.what;
    EXPECT_NEAR(mean(blurred), mean(sharp), 8.0) << c.what;
  }
  // Away from the edges (replicated by the blur), the checkerboard's cells (8 px in the preview)
  // are gone altogether: everything is close to mid-grey.
  const Pixels board = preview_of(checkerboard(1024, 1024, 32), {256, true});
  for (std::uint32_t y = 32; y < 224; ++y) {
    for (std::uint32_t x = 32; x < 224; ++x) ASSERT_NEAR(board.at(x, y, 0), 127.5, 4) << x << "," << y;
  }
}

TEST(Preview, AppliesExifOrientation) {
  // Stored: dark left half, light right half, a mid-grey mark in the top-left corner.
  Pixels source = solid(400, 200, {30});
  for (std::uint32_t y = 0; y < 200; ++y) std::memset(source.data.data() + y * 400 + 200, 220, 200);
  for (std::uint32_t y = 0; y < 40; ++y) std::memset(source.data.data() + y * 400, 128, 40);
  enum Corner { top_left, top_right, bottom_right, bottom_left };
  struct Case {
    int orientation;
    bool transposed;  // 128 x 256, the dark half at the top or bottom
    bool dark_first;  // the dark half on the left or at the top
    Corner mark;
  };
  for (const Case& c :
       {Case{1, false, true, top_left}, Case{2, false, false, top_right}, Case{3, false, false, bottom_right},
        Case{4, false, true, bottom_left}, Case{5, true, true, top_left}, Case{6, true, true, top_right},
        Case{7, true, false, bottom_right}, Case{8, true, false, bottom_left}}) {
    const Pixels out = preview_of(source, {256, false}, c.orientation);
    ASSERT_EQ(out.width, c.transposed ? 128u : 256u) << c.orientation;
    ASSERT_EQ(out.height, c.transposed ? 256u : 128u) << c.orientation;
    const std::uint8_t first = c.transposed ? out.at(out.width / 2, out.height / 2 - 20, 0)
                                            : out.at(out.width / 2 - 20, out.height / 2, 0);
    const std::uint8_t last = c.transposed ? out.at(out.width / 2, out.height / 2 + 20, 0)
                                           : out.at(out.width / 2 + 20, out.height / 2, 0);
    EXPECT_EQ(first, c.dark_first ? 30 : 220) << c.orientation;
    EXPECT_EQ(last, c.dark_first ? 220 : 30) << c.orientation;
    const std::uint32_t right = out.width - 2, bottom = out.height - 2;
    const std::uint8_t corners[] = {out.at(1, 1, 0), out.at(right, 1, 0), out.at(right, bottom, 0),
                                    out.at(1, bottom, 0)};
    for (int k = 0; k < 4; ++k) {
      EXPECT_EQ(corners[k] == 128, k == c.mark) << "orientation " << c.orientation << " corner " << k;
    }
  }
}

TEST(Preview, FromFileBytes) {
  const Pixels pattern = testing::make_pattern(900, 600, 3);
  const auto png = testing::encode_png(pattern);
  auto from_file = make_preview(png, {});
  auto from_image = make_preview(to_image(pattern), {});
  ASSERT_TRUE(from_file.ok()) << from_file.error().message;
  ASSERT_TRUE(from_image.ok());
  EXPECT_EQ(*from_file, *from_image);  // the same pixels give the same preview

  // A large JPEG (decoded at a reduced DCT scale), rotated by its EXIF tag.
  testing::JpegOptions jpeg_options;
  jpeg_options.orientation = 6;
  const auto jpeg = testing::encode_jpeg(testing::make_pattern(2400, 1600, 3), jpeg_options);
  auto jpeg_preview = make_preview(jpeg, {256, true});
  ASSERT_TRUE(jpeg_preview.ok()) << jpeg_preview.error().message;
  const Pixels jp = read_preview(*jpeg_preview);
  EXPECT_EQ(jp.width, 171u);
  EXPECT_EQ(jp.height, 256u);

  // GIF and WebP through the same path.
  const Pixels indices = testing::make_indices(300, 200, 4);
  const auto gif =
      testing::encode_gif(300, 200, {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}}, {{0, 0, indices}});
  auto gif_preview = make_preview(gif, {64, true});
  ASSERT_TRUE(gif_preview.ok()) << gif_preview.error().message;
  EXPECT_EQ(read_preview(*gif_preview).width, 64u);
  const auto webp = testing::encode_webp(testing::make_pattern(320, 240, 4), true);
  auto webp_preview = make_preview(webp, {256, false});
  ASSERT_TRUE(webp_preview.ok()) << webp_preview.error().message;
  EXPECT_EQ(read_preview(*webp_preview).height, 192u);
}

TEST(Preview, HasNoMetadataChunks) {
  testing::PngOptions png_options;
  png_options.orientation = 3;  // the source carries an eXIf chunk
  const auto source = testing::encode_png(testing::make_pattern(500, 300, 3), png_options);
  for (const bool blur : {true, false}) {
    auto preview = make_preview(source, {256, blur});
    ASSERT_TRUE(preview.ok()) << preview.error().message;
    const auto types = chunk_types(*preview);
    ASSERT_GE(types.size(), 3u);
    EXPECT_EQ(types.front(), "IHDR");
    EXPECT_EQ(types.back(), "IEND");
    for (std::size_t i = 1; i + 1 < types.size(); ++i) EXPECT_EQ(types[i], "IDAT");
    // IHDR: 8-bit greyscale, not interlaced.
    EXPECT_EQ(static_cast<int>((*preview)[24]), 8);
    EXPECT_EQ(static_cast<int>((*preview)[25]), 0);
    EXPECT_EQ(static_cast<int>((*preview)[28]), 0);
    // The orientation was applied, not copied.
    auto back = decode_image(bytes_of(*preview));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->info.orientation, 1);
  }
}

TEST(Preview, RefusesBadInput) {
  const Pixels pattern = testing::make_pattern(64, 64, 3);
  auto st = make_preview(to_image(pattern), {7, true});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
  EXPECT_TRUE(make_preview(to_image(pattern), {8, true}).ok());

  Image empty;
  st = make_preview(empty, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
  Image short_buffer = to_image(pattern);
  short_buffer.pixels.pop_back();
  st = make_preview(short_buffer, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
  Image bad_channels = to_image(pattern);
  bad_channels.info.channels = 5;
  st = make_preview(bad_channels, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
  Image no_rows = to_image(pattern);
  no_rows.info.height = 0;
  no_rows.pixels.clear();
  EXPECT_FALSE(make_preview(no_rows, {}).ok());
}

TEST(Preview, CorruptFilesGiveTheDecodersError) {
  const auto png = testing::encode_png(testing::make_pattern(200, 100, 3));
  const auto jpeg = testing::encode_jpeg(testing::make_pattern(200, 100, 3));
  std::vector<std::uint8_t> garbage(1000);
  std::mt19937 rng(9);
  for (auto& b : garbage) b = static_cast<std::uint8_t>(rng());
  const std::vector<std::vector<std::uint8_t>> bad = {
      {},
      garbage,
      std::vector<std::uint8_t>(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2)),
      std::vector<std::uint8_t>(png.begin(), png.begin() + 40),
      std::vector<std::uint8_t>(jpeg.begin(), jpeg.begin() + 300),
  };
  for (const auto& bytes : bad) {
    auto preview = make_preview(bytes, {});
    ASSERT_FALSE(preview.ok()) << bytes.size();
    auto decoded = decode_image(bytes);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(preview.error().code, decoded.error().code) << bytes.size();
    EXPECT_NE(preview.error().code, ErrorCode::internal);
  }
  // Decode limits apply.
  DecodeOptions limits;
  limits.max_pixels = 100 * 100;
  auto over = make_preview(png, {}, limits);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::limit_exceeded);
}

}  // namespace
}  // namespace baove::hash
