// libFuzzer target: the JPEG decoder (libjpeg-turbo), at full size and DCT-scaled.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "checking_sink.hpp"
#include "hash/decoders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  baove::hash::DecodeOptions options;
  options.max_pixels = 1u << 22;  // keeps each run fast; the limit logic itself is exercised too
  const std::span<const std::uint8_t> bytes(data, size);
  {
    baove::fuzzing::CheckingSink sink;
    sink.finish(baove::hash::detail::decode_jpeg(bytes, options, sink).ok());
  }
  // DCT-scaled decoding takes other code paths (reduced IDCTs, plain upsampling).
  if (size > 0 && (data[size - 1] & 1) != 0) {
    options.jpeg_scale_min_side = 1u + data[size - 1];
    baove::fuzzing::CheckingSink sink;
    sink.finish(baove::hash::detail::decode_jpeg(bytes, options, sink).ok());
  }
  return 0;
}
