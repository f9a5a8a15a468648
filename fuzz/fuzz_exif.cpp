// libFuzzer target: the EXIF orientation parser, which must return 1..8 for any input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "hash/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int orientation = baove::hash::exif_orientation(std::span<const std::uint8_t>(data, size));
  if (orientation < 1 || orientation > 8) std::abort();
  return 0;
}
