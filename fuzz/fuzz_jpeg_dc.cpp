// The DC-only JPEG reader used by --fast, on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "hash/jpeg_dc.hpp"

namespace {
class CountingSink final : public baove::hash::RowSink {
 public:
  baove::Status begin(const baove::hash::ImageInfo& info) override {
    if (info.width == 0 || info.height == 0 || info.channels != 1) __builtin_trap();
    width_ = info.width;
    return {};
  }
  void row(std::uint32_t, const std::uint8_t* px) override {
    for (std::uint32_t x = 0; x < width_; ++x) sum_ += px[x];
  }

 private:
  std::uint32_t width_ = 0;
  std::uint64_t sum_ = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  baove::hash::DecodeOptions opts;
  opts.max_pixels = 64'000'000;
  CountingSink sink;
  (void)baove::hash::detail::decode_jpeg_dc_luma(std::span<const std::uint8_t>(data, size), opts, sink, 1);
  return 0;
}
