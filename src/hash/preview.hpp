// Preview thumbnails of evidence images: small greyscale PNGs, blurred unless asked otherwise, so
// that an analyst sees the shape of an image without its detail until they choose to unblur.
//
// Contract:
// - The preview is an 8-bit greyscale PNG (colour type 0) with only IHDR, IDAT and IEND chunks:
//   no text, time, EXIF or colour-profile metadata from the source or of its own.
// - Grey is BT.601 luma (0.299 R + 0.587 G + 0.114 B); transparent pixels are shown over white.
// - The EXIF orientation in ImageInfo::orientation (1..8) is applied, so the preview is upright as
//   a viewer shows the original.
// - Size: the upright image scaled by area averaging so that its longer side is max_side, each
//   side rounded and at least 1 pixel; an image whose longer side is already at most max_side keeps
//   its size (never upscaled).
// - Blur: three passes of a separable box blur of radius max(1, round(longer side / 16)) in each
//   direction (close to a Gaussian of that standard deviation), edges replicated. At that
//   strength faces and text at the preview's size cannot be made out; shapes and overall
//   brightness remain.
// - Memory: the bytes overload decodes rows one at a time into the scaler (it never holds the
//   full-size image) and, for JPEG when decode.jpeg_scale_min_side is 0, lets libjpeg decode at the
//   smallest DCT scale that keeps both sides at least max_side.
// - Errors: invalid_argument for an empty or inconsistent Image or max_side < 8; the decoder's
//   error (corrupt, unsupported, limit_exceeded) for file bytes it refuses; internal if libpng
//   fails to encode. Messages never hold image content.
// - Thread-safety: both functions are pure and may run concurrently.
#pragma once

#include <memory>

#include <cstdint>
#include <span>
#include <string>

#include "hash/image.hpp"
#include "util/result.hpp"

namespace baove::hash {

struct PreviewOptions {
  int max_side = 256;  // at least 8
  bool blur = true;
};

// The preview of a decoded image (Image::pixels: height rows of width * channels bytes).
Result<std::string> make_preview(const Image& image, const PreviewOptions& options);

// The preview of an image file in any format decode() reads, within `decode`'s limits.
Result<std::string> make_preview(std::span<const std::uint8_t> file_bytes, const PreviewOptions& options,
                                 const DecodeOptions& decode = {});

// Makes previews from the rows of a decode that runs anyway (the one PDQ needs: see
// Hasher::hash_bytes's `also`), so that an evidence image is decoded once for its hash and both
// of its previews. Same output as make_preview(). Not thread-safe; one per image.
class PreviewSink final : public RowSink {
 public:
  explicit PreviewSink(int max_side = 256);
  ~PreviewSink() override;
  PreviewSink(const PreviewSink&) = delete;
  PreviewSink& operator=(const PreviewSink&) = delete;

  Status begin(const ImageInfo& info) override;
  void row(std::uint32_t y, const std::uint8_t* pixels) override;

  // The preview PNG, blurred or not, once every row was delivered; invalid_argument before that or
  // for max_side < 8.
  Result<std::string> png(bool blur) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baove::hash
