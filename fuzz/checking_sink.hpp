// The RowSink the decoder fuzz targets share: it checks decode()'s contract (one begin(), then
// rows 0..height-1 in order, each fully readable) and aborts on any breach.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "hash/image.hpp"

namespace baove::fuzzing {

class CheckingSink final : public hash::RowSink {
 public:
  Status begin(const hash::ImageInfo& info) override {
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
  // After decoding: a successful decode must have delivered every row.
  void finish(bool ok) const {
    if (ok && (!begun_ || rows_ != info_.height)) std::abort();
  }

 private:
  hash::ImageInfo info_;
  bool begun_ = false;
  std::uint32_t rows_ = 0;
  std::uint64_t sum_ = 0;
};

}  // namespace baove::fuzzing
