// The per-format decoders behind decode() (private to the hash module; the fuzz targets call
// them directly). Each one has decode()'s contract: it checks the header's dimensions with
// check_dimensions() before any allocation proportional to the image, then calls sink.begin()
// once and sink.row() for every row top to bottom; any failure is returned as a Status.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "hash/image.hpp"
#include "util/result.hpp"

namespace baove::hash::detail {

Status decode_jpeg(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink);
Status decode_png(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink);
Status decode_webp(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink);
Status decode_gif(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink);
// HEIC and AVIF (both through libheif); `format` (heif or avif) is reported in ImageInfo and messages.
Status decode_heif(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink,
                   ImageFormat format);

// The canvas of a derived primary image: a 'grid' or 'iovl' item's own output size, which the
// decoder allocates whatever the item's 'ispe' says. nullopt when the primary image is not derived
// (or the container cannot be read, which the decoder then reports); corrupt or unsupported when
// it is derived but its descriptor cannot be read.
struct HeifCanvas {
  std::uint64_t width = 0;
  std::uint64_t height = 0;
};
Result<std::optional<HeifCanvas>> heif_derived_canvas(std::span<const std::uint8_t> bytes);

// Refuses zero dimensions (corrupt) and width * height above options.max_pixels (limit_exceeded).
Status check_dimensions(std::uint64_t width, std::uint64_t height, const DecodeOptions& options);

}  // namespace baove::hash::detail
