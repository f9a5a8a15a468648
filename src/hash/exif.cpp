// EXIF orientation from a TIFF-structured block: header, IFD0, tag 0x0112.
#include <cstddef>
#include <cstdint>

#include "hash/image.hpp"

namespace baove::hash {

namespace {

constexpr std::uint16_t kOrientationTag = 0x0112;
constexpr std::uint16_t kTypeShort = 3;
constexpr std::uint16_t kTypeLong = 4;
constexpr std::size_t kEntrySize = 12;

struct TiffReader {
  std::span<const std::uint8_t> bytes;
  bool big_endian = false;

  // Each read checks its own bounds; `ok` turns false on the first read past the end.
  bool ok = true;
  std::uint32_t u16(std::size_t at) {
    if (at > bytes.size() || bytes.size() - at < 2) {
      ok = false;
      return 0;
    }
    const std::uint32_t a = bytes[at], b = bytes[at + 1];
    return big_endian ? (a << 8 | b) : (b << 8 | a);
  }
  std::uint32_t u32(std::size_t at) {
    const std::uint32_t first = u16(at), second = u16(at + 2);
    return big_endian ? (first << 16 | second) : (second << 16 | first);
  }
};

}  // namespace

int exif_orientation(std::span<const std::uint8_t> tiff) noexcept {
  if (tiff.size() < 8) return 1;
  TiffReader r{tiff};
  if (tiff[0] == 'I' && tiff[1] == 'I') {
    r.big_endian = false;
  } else if (tiff[0] == 'M' && tiff[1] == 'M') {
    r.big_endian = true;
  } else {
    return 1;
  }
  if (r.u16(2) != 42) return 1;
  const std::size_t ifd = r.u32(4);
  const std::size_t count = r.u16(ifd);
  if (!r.ok) return 1;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t entry = ifd + 2 + i * kEntrySize;
    if (entry + kEntrySize > tiff.size()) return 1;
    if (r.u16(entry) != kOrientationTag) continue;
    const std::uint32_t type = r.u16(entry + 2);
    const std::uint32_t n = r.u32(entry + 4);
    if (n < 1) return 1;
    // A single SHORT or LONG value lies in the entry's own 4-byte value field.
    std::uint32_t value = 0;
    if (type == kTypeShort) {
      value = r.u16(entry + 8);
    } else if (type == kTypeLong && n == 1) {
      value = r.u32(entry + 8);
    } else {
      return 1;
    }
    return (r.ok && value >= 1 && value <= 8) ? static_cast<int>(value) : 1;
  }
  return 1;
}

}  // namespace baove::hash
