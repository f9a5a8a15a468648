// Image decoding from memory, for hashing: JPEG, PNG, WebP, GIF (first frame), HEIC/AVIF.
//
// Decoders stream rows top to bottom into a RowSink, so a caller that needs only some rows
// (PDQ samples at most 512 of them) never holds a full-size buffer. Every decoder:
//  - refuses images whose header claims more than DecodeOptions::max_pixels before any large
//    allocation (limit_exceeded);
//  - returns corrupt / unsupported / limit_exceeded errors with a plain reason, never crashes,
//    hangs or grows memory without bound on hostile input;
//  - delivers 8-bit samples: 16-bit sources are scaled to 8 bits (rounded), palettes expanded,
//    CMYK converted to RGB, so a 16-bit image hashes like its 8-bit version.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace baove::hash {

enum class ImageFormat { unknown, jpeg, png, webp, gif, heif, avif };
const char* to_string(ImageFormat f) noexcept;

// Recognises the format from the first bytes (magic numbers), whatever the file is called.
ImageFormat sniff_format(std::span<const std::uint8_t> bytes) noexcept;

struct DecodeOptions {
  std::uint64_t max_pixels = 100'000'000;  // refuse larger images (width * height)
  // JPEG only: decode at a reduced size in the DCT domain (libjpeg scaling) such that both
  // sides stay at least min_side, or the image's own size if smaller. 0: full size (exact).
  std::uint32_t jpeg_scale_min_side = 0;
};

struct ImageInfo {
  ImageFormat format = ImageFormat::unknown;
  std::uint32_t width = 0;  // of the rows delivered (smaller than stored when DCT-scaled)
  std::uint32_t height = 0;
  std::uint32_t stored_width = 0;  // as the file's header says
  std::uint32_t stored_height = 0;
  // Samples per pixel in delivered rows: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. 8 bits each.
  int channels = 0;
  int source_bit_depth = 8;  // bits per sample in the file
  // EXIF orientation tag 1..8 found in the file (1 when absent). Never applied by decoders.
  int orientation = 1;
};

// Receives the decoded image. begin() is called once, then row() for y = 0 .. height-1 in order.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // Returning an error stops decoding with that error.
  virtual Status begin(const ImageInfo& info) = 0;
  // `pixels` holds width * channels bytes, valid only during the call.
  virtual void row(std::uint32_t y, const std::uint8_t* pixels) = 0;
};

// Decodes `bytes` (format sniffed) into `sink`. On success every row was delivered.
Status decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink);

// A whole decoded image in memory (tests, previews).
struct Image {
  ImageInfo info;
  std::vector<std::uint8_t> pixels;  // height rows of width * channels bytes
};
Result<Image> decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {});

// Reads the EXIF orientation (1..8) from a TIFF-structured EXIF block (the payload after
// "Exif\0\0" in JPEG APP1, or a PNG eXIf / WebP EXIF chunk). Returns 1 for anything absent or
// malformed: orientation never makes a file fail.
int exif_orientation(std::span<const std::uint8_t> tiff) noexcept;

}  // namespace baove::hash
