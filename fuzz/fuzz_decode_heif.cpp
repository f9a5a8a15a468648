// libFuzzer target: the HEIC/AVIF decoder (libheif).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "checking_sink.hpp"
#include "hash/decoders.hpp"

// libheif 1.15's dav1d glue leaks one small dav1d allocation when an AV1 stream fails to decode
// (40 bytes per corrupt AVIF, outside this code base). Only that library's leaks are excused.
extern "C" const char* __lsan_default_suppressions() { return "leak:libdav1d.so\n"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  baove::hash::DecodeOptions options;
  options.max_pixels = 1u << 22;  // keeps each run fast; the limit logic itself is exercised too
  const std::span<const std::uint8_t> bytes(data, size);
  baove::fuzzing::CheckingSink sink;
  const auto format = baove::hash::sniff_format(bytes) == baove::hash::ImageFormat::avif
                          ? baove::hash::ImageFormat::avif
                          : baove::hash::ImageFormat::heif;
  sink.finish(baove::hash::detail::decode_heif(bytes, options, sink, format).ok());
  return 0;
}
