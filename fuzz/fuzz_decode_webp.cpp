// libFuzzer target: the WebP decoder (libwebp, libwebpdemux), still and animated.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "checking_sink.hpp"
#include "hash/decoders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  baove::hash::DecodeOptions options;
  options.max_pixels = 1u << 22;  // keeps each run fast; the limit logic itself is exercised too
  baove::fuzzing::CheckingSink sink;
  sink.finish(
      baove::hash::detail::decode_webp(std::span<const std::uint8_t>(data, size), options, sink).ok());
  return 0;
}
