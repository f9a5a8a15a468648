// libFuzzer target: the PNG decoder (libpng).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "hash/decoders.hpp"

namespace {

// Checks decode()'s contract: one begin(), then rows 0..height-1 in order, each fully readable.
class CheckingSink final : public baove::hash::RowSink {
 public:
  baove::Status begin(const baove::hash::ImageInfo& info) override {
    if (begun_ || info.width == 0 || info.height == 0 || info.channels < 1 || info.channels > 4) std::abort();
    begun_ = true;
    info_ = info;
    return {};
  }
  void row(std::uint32_t y, const std::uint8_t* pixels) override {
    if (!begun_ || y != rows_) std::abort();
    ++rows_;
    const std::size_t n = std::size_t{info_.width} * static_cast<std::size_t>(info_.channels);
    for (std::size_t i = 0; i < n; ++i) sum_ += pixels[i];  // reads every byte (ASan checks bounds)
  }
  void finish(bool ok) const {
    if (ok && (!begun_ || rows_ != info_.height)) std::abort();
  }

 private:
  baove::hash::ImageInfo info_;
  bool begun_ = false;
  std::uint32_t rows_ = 0;
  std::uint64_t sum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  baove::hash::DecodeOptions options;
  options.max_pixels = 1u << 22;  // keeps each run fast; the limit logic itself is exercised too
  CheckingSink sink;
  sink.finish(baove::hash::detail::decode_png(std::span<const std::uint8_t>(data, size), options, sink).ok());
  return 0;
}
