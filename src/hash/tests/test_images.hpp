// In-memory test images: a synthetic pattern generator and encoders for every decoded format
// (through the same libraries the decoders use), plus helpers to build EXIF blocks and to forge
// headers. For tests only: encoder misuse aborts with a message.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hash/image.hpp"
#include "util/result.hpp"

namespace baove::hash::testing {

// An 8-bit image: height rows of width * channels samples (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).
struct Pixels {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int channels = 0;
  std::vector<std::uint8_t> data;

  std::uint8_t at(std::uint32_t x, std::uint32_t y, int c) const {
    return data[(std::size_t{y} * width + x) * static_cast<std::size_t>(channels) +
                static_cast<std::size_t>(c)];
  }
};

// A deterministic picture with smooth gradients, a disc and stripes that spans 0..255 in every
// channel; alpha (channels 2 and 4) varies too. `seed` shifts the pattern.
Pixels make_pattern(std::uint32_t width, std::uint32_t height, int channels, std::uint32_t seed = 0);
// Tiles of at most `colours` distinct pixel values (for palettes); channels 1..4.
Pixels make_tiles(std::uint32_t width, std::uint32_t height, int channels, int colours,
                  std::uint32_t seed = 0);
// Palette indices 0..count-1 in tiles (channels 1), for GIF frames.
Pixels make_indices(std::uint32_t width, std::uint32_t height, int count, std::uint32_t seed = 0);
// The pixels of a decoded image.
Pixels to_pixels(const Image& image);
// Mean and maximum absolute sample difference of two images of the same size and channels.
double mean_abs_diff(const Pixels& a, const Pixels& b);
int max_abs_diff(const Pixels& a, const Pixels& b);

// A TIFF-structured EXIF block (no "Exif\0\0" prefix) whose IFD0 holds an orientation tag among
// a few other tags.
std::vector<std::uint8_t> make_exif(int orientation, bool big_endian);

struct JpegOptions {
  int quality = 90;
  bool progressive = false;
  int orientation = 0;  // 1..8: add an APP1 EXIF block with this orientation; 0: none
  bool big_endian_exif = false;
  bool cmyk = false;         // RGB input written as Adobe (inverted) CMYK with an Adobe marker
  bool full_chroma = false;  // 4:4:4 instead of 4:2:0
  int restart_interval = 0;  // MCUs between restart markers (0: none)
};
// Channels 1 (greyscale JPEG) or 3.
std::vector<std::uint8_t> encode_jpeg(const Pixels& pixels, const JpegOptions& options = {});

struct PngOptions {
  int bit_depth = 8;     // 1, 2, 4 (grey only: the top bits of each sample), 8, or 16 (samples v * 257)
  bool palette = false;  // colour type 3: at most 256 distinct pixels; alpha goes to tRNS
  bool interlaced = false;
  int orientation = 0;  // 1..8: add an eXIf chunk
};
std::vector<std::uint8_t> encode_png(const Pixels& pixels, const PngOptions& options = {});

// Channels 3 or 4. `orientation` 1..8 wraps the file in a VP8X container with an EXIF chunk.
std::vector<std::uint8_t> encode_webp(const Pixels& pixels, bool lossless, int quality = 90,
                                      int orientation = 0);
// An animated WebP (VP8X + ANIM + ANMF) whose frames all cover the canvas; lossless frames.
std::vector<std::uint8_t> encode_webp_animation(const std::vector<Pixels>& frames);

struct GifFrame {
  std::uint32_t left = 0;
  std::uint32_t top = 0;
  Pixels indices;  // channels 1: indices into the palette
  bool interlaced = false;
  int transparent = -1;  // palette index that is transparent, or -1
};
using Rgb = std::array<std::uint8_t, 3>;
std::vector<std::uint8_t> encode_gif(std::uint32_t screen_width, std::uint32_t screen_height,
                                     const std::vector<Rgb>& palette, const std::vector<GifFrame>& frames);

// HEIC (HEVC) or AVIF (AV1) through libheif's encoders; unsupported when this build of libheif
// has no such encoder. Grey input is written as RGB.
Result<std::vector<std::uint8_t>> encode_heif(const Pixels& pixels, bool avif, int quality = 90);

// Forged headers: the same file claiming other dimensions (CRC fixed for PNG).
std::vector<std::uint8_t> with_jpeg_size(std::vector<std::uint8_t> jpeg, std::uint16_t width,
                                         std::uint16_t height);
std::vector<std::uint8_t> with_png_size(std::vector<std::uint8_t> png, std::uint32_t width,
                                        std::uint32_t height);

}  // namespace baove::hash::testing
