// The canvas of derived HEIF images (grid, overlay), read before libheif allocates it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "hash/decoders.hpp"
#include "hash/image.hpp"
#include "util/file.hpp"

namespace baove::hash::detail {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Out of line: GCC 12 reports false overflows when these vector appends are inlined at -O3.
[[gnu::noinline]] void put(Bytes& out, std::uint64_t value, int size) {
  for (int i = size - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
[[gnu::noinline]] void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}
[[gnu::noinline]] void append(Bytes& out, const std::string& more) {
  out.insert(out.end(), more.begin(), more.end());
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}
Bytes box(const std::string& type, const Bytes& payload) {
  Bytes out;
  put(out, payload.size() + 8, 4);
  append(out, type);
  append(out, payload);
  return out;
}
Bytes full(int version, const Bytes& payload) {
  Bytes out;
  put(out, static_cast<std::uint64_t>(version), 1);
  put(out, 0, 3);
  append(out, payload);
  return out;
}
Bytes infe(std::uint16_t id, const std::string& type) {
  Bytes p;
  put(p, id, 2);
  put(p, 0, 2);
  append(p, type);
  put(p, 0, 1);  // item name
  return box("infe", full(2, p));
}
Bytes grid_descriptor(std::uint32_t width, std::uint32_t height, bool wide) {
  Bytes d{0, static_cast<std::uint8_t>(wide ? 1 : 0), 1, 2};  // 2 rows, 3 columns
  put(d, width, wide ? 4 : 2);
  put(d, height, wide ? 4 : 2);
  return d;
}
Bytes overlay_descriptor(std::uint16_t width, std::uint16_t height) {
  Bytes d{0, 0};
  put(d, 0, 8);  // fill values
  put(d, width, 2);
  put(d, height, 2);
  put(d, 0, 4);  // one tile's offsets
  return d;
}

// ftyp + meta with two items: 1 (an hvc1 tile) and 2 (the primary, of `type`), whose descriptor
// sits in 'idat' (in_idat) or in an 'mdat' after the meta box (located by absolute offset).
Bytes container(const std::string& type, const Bytes& descriptor, bool in_idat, std::uint16_t primary = 2) {
  const Bytes ftyp =
      box("ftyp", Bytes{'h', 'e', 'i', 'c', 0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'});
  Bytes pitm_payload;
  put(pitm_payload, primary, 2);
  Bytes iinf_payload;
  put(iinf_payload, 2, 2);
  iinf_payload = cat({iinf_payload, infe(1, "hvc1"), infe(2, type)});
  auto make_meta = [&](std::uint32_t descriptor_offset) {
    Bytes iloc;
    put(iloc, 0x44, 1);  // offset and length: 4 bytes
    put(iloc, 0x00, 1);  // no base offset, no index
    put(iloc, 2, 2);
    put(iloc, 1, 2), put(iloc, 0, 2), put(iloc, 0, 2), put(iloc, 1, 2);  // item 1, method 0
    put(iloc, 0, 4), put(iloc, 0, 4);
    put(iloc, 2, 2), put(iloc, in_idat ? 1 : 0, 2), put(iloc, 0, 2), put(iloc, 1, 2);  // item 2
    put(iloc, in_idat ? 0 : descriptor_offset, 4), put(iloc, descriptor.size(), 4);
    Bytes children = cat({box("hdlr", full(0, Bytes(21, 0))), box("pitm", full(0, pitm_payload)),
                          box("iinf", full(0, iinf_payload)), box("iloc", full(1, iloc))});
    if (in_idat) children = cat({children, box("idat", descriptor)});
    return box("meta", full(0, children));
  };
  const std::size_t meta_size = make_meta(0).size();
  const auto offset = static_cast<std::uint32_t>(ftyp.size() + meta_size + 8);
  Bytes out = cat({ftyp, make_meta(offset)});
  if (!in_idat) out = cat({out, box("mdat", descriptor)});
  return out;
}

TEST(HeifCanvas, GridInIdatGivesItsOutputSize) {
  auto canvas = heif_derived_canvas(container("grid", grid_descriptor(3000, 2000, false), true));
  ASSERT_TRUE(canvas.ok()) << canvas.error().message;
  ASSERT_TRUE(canvas->has_value());
  EXPECT_EQ((*canvas)->width, 3000u);
  EXPECT_EQ((*canvas)->height, 2000u);
}

TEST(HeifCanvas, GridWithWideFieldsInMdat) {
  auto canvas = heif_derived_canvas(container("grid", grid_descriptor(100000, 70000, true), false));
  ASSERT_TRUE(canvas.ok()) << canvas.error().message;
  ASSERT_TRUE(canvas->has_value());
  EXPECT_EQ((*canvas)->width, 100000u);
  EXPECT_EQ((*canvas)->height, 70000u);
}

TEST(HeifCanvas, OverlayGivesItsCanvas) {
  auto canvas = heif_derived_canvas(container("iovl", overlay_descriptor(640, 480), true));
  ASSERT_TRUE(canvas.ok()) << canvas.error().message;
  ASSERT_TRUE(canvas->has_value());
  EXPECT_EQ((*canvas)->width, 640u);
  EXPECT_EQ((*canvas)->height, 480u);
}

TEST(HeifCanvas, CodedPrimaryIsNotDerived) {
  auto canvas = heif_derived_canvas(container("grid", grid_descriptor(3000, 2000, false), true, 1));
  ASSERT_TRUE(canvas.ok());
  EXPECT_FALSE(canvas->has_value());
  auto none = heif_derived_canvas(Bytes{1, 2, 3});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(HeifCanvas, TruncatedDescriptorIsCorrupt) {
  Bytes cut = grid_descriptor(3000, 2000, true);
  cut.resize(9);
  auto canvas = heif_derived_canvas(container("grid", cut, true));
  ASSERT_FALSE(canvas.ok());
  EXPECT_EQ(canvas.error().code, ErrorCode::corrupt);
  EXPECT_EQ(canvas.error().message, "unreadable grid descriptor");
}

// Decoding refuses an oversized canvas from the descriptor alone, before libheif allocates it.
TEST(HeifCanvas, OversizedGridIsRefusedBeforeDecoding) {
  const auto bytes = container("grid", grid_descriptor(30000, 30000, false), true);
  ASSERT_EQ(sniff_format(bytes), ImageFormat::heif);
  auto image = decode_image(bytes);
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(image.error().message, "image of 30000x30000 pixels exceeds the limit of 100000000");
}

// Found by fuzz_decode_heif: the grid's extent starts 7 bytes into an 8-byte 'idat', and libheif
// 1.15 reads the descriptor from beyond the box, sizing a canvas of hundreds of megabytes for an
// image whose 'ispe' says 544x32. The file is refused as corrupt before the decoder runs.
TEST(HeifCanvas, GridDescriptorOutsideItsBoxIsRefused) {
  auto bytes =
      read_file(std::string(BAOVE_SOURCE_DIR) + "/fuzz/corpus/fuzz_decode_heif/grid-canvas-oversized");
  ASSERT_TRUE(bytes.ok());
  const auto start = std::chrono::steady_clock::now();
  auto image = decode_image(*bytes, {.max_pixels = 1u << 22});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.error().code, ErrorCode::corrupt);
  EXPECT_EQ(image.error().message, "unreadable grid descriptor");
  EXPECT_LT(seconds, 0.5);
}

}  // namespace
}  // namespace baove::hash::detail
