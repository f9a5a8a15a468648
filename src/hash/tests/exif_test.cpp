// EXIF orientation parsing: valid blocks in both byte orders and malformed ones.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "hash/image.hpp"
#include "hash/tests/test_images.hpp"

namespace baove::hash {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(ExifOrientation, AllEightValuesInBothByteOrders) {
  for (bool be : {false, true})
    for (int o = 1; o <= 8; ++o)
      EXPECT_EQ(exif_orientation(testing::make_exif(o, be)), o) << "big-endian " << be;
}

TEST(ExifOrientation, ValuesOutsideOneToEightMeanOne) {
  for (int o : {0, 9, 255, 0x0100}) EXPECT_EQ(exif_orientation(testing::make_exif(o, false)), 1) << o;
  for (int o : {0, 9, 0x0600}) EXPECT_EQ(exif_orientation(testing::make_exif(o, true)), 1) << o;
}

// A minimal little-endian TIFF: header, IFD0 at 8 with one entry.
Bytes one_entry(std::uint16_t tag, std::uint16_t type, std::uint32_t count, std::uint16_t value) {
  return Bytes{'I',
               'I',
               42,
               0,
               8,
               0,
               0,
               0,  // header, IFD0 at 8
               1,
               0,  // one entry
               static_cast<std::uint8_t>(tag),
               static_cast<std::uint8_t>(tag >> 8),
               static_cast<std::uint8_t>(type),
               0,
               static_cast<std::uint8_t>(count),
               static_cast<std::uint8_t>(count >> 8),
               0,
               0,
               static_cast<std::uint8_t>(value),
               static_cast<std::uint8_t>(value >> 8),
               0,
               0,
               0,
               0,
               0,
               0};  // no next IFD
}

TEST(ExifOrientation, MinimalBlocks) {
  EXPECT_EQ(exif_orientation(one_entry(0x0112, 3, 1, 6)), 6);
  EXPECT_EQ(exif_orientation(one_entry(0x0112, 4, 1, 8)), 8);  // LONG, tolerated
  EXPECT_EQ(exif_orientation(one_entry(0x0112, 2, 1, 6)), 1);  // ASCII: wrong type
  EXPECT_EQ(exif_orientation(one_entry(0x0112, 3, 0, 6)), 1);  // no values
  EXPECT_EQ(exif_orientation(one_entry(0x0110, 3, 1, 6)), 1);  // another tag
}

TEST(ExifOrientation, MalformedBlocksMeanOne) {
  EXPECT_EQ(exif_orientation({}), 1);
  EXPECT_EQ(exif_orientation(Bytes{'I', 'I', 42, 0}), 1);
  Bytes good = one_entry(0x0112, 3, 1, 3);
  ASSERT_EQ(exif_orientation(good), 3);

  Bytes bad_order = good;
  bad_order[0] = 'X';
  EXPECT_EQ(exif_orientation(bad_order), 1);
  Bytes mixed = good;
  mixed[1] = 'M';
  EXPECT_EQ(exif_orientation(mixed), 1);
  Bytes bad_magic = good;
  bad_magic[2] = 43;
  EXPECT_EQ(exif_orientation(bad_magic), 1);

  // IFD0 offset past the end, at the very end, and huge.
  for (std::uint32_t offset : {std::uint32_t{26}, std::uint32_t{25}, std::uint32_t{24}, 0xFFFFFFF0u}) {
    Bytes b = good;
    b[4] = static_cast<std::uint8_t>(offset);
    b[5] = static_cast<std::uint8_t>(offset >> 8);
    b[6] = static_cast<std::uint8_t>(offset >> 16);
    b[7] = static_cast<std::uint8_t>(offset >> 24);
    EXPECT_EQ(exif_orientation(b), 1) << offset;
  }
  // An entry count claiming more entries than the block holds, before the orientation entry.
  Bytes many = good;
  many[10] = 0x00, many[11] = 0x01;  // first entry is no longer orientation
  many[8] = 0xFF, many[9] = 0xFF;
  EXPECT_EQ(exif_orientation(many), 1);
  // Every truncation of a valid block.
  for (std::size_t n = 0; n < good.size(); ++n) {
    const Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    const int o = exif_orientation(cut);
    EXPECT_TRUE(o == 1 || (o == 3 && n >= 22)) << n;
  }
}

TEST(ExifOrientation, IfdPointingAtItselfTerminates) {
  // IFD0 without orientation whose next-IFD link points back at IFD0: only IFD0 is read.
  Bytes loop = one_entry(0x0100, 3, 1, 640);
  loop[22] = 8;
  EXPECT_EQ(exif_orientation(loop), 1);
  // IFD0 offset pointing into the header itself.
  Bytes self = one_entry(0x0112, 3, 1, 6);
  self[4] = 0;
  EXPECT_EQ(exif_orientation(self), 1);
  // Big-endian block with the orientation after other entries.
  const Bytes be = testing::make_exif(5, true);
  EXPECT_EQ(be[0], 'M');
  EXPECT_EQ(exif_orientation(be), 5);
}

}  // namespace
}  // namespace baove::hash
