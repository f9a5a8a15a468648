// The per-format decoders behind decode() (private to the hash module; the fuzz targets call
// them directly). Each one has decode()'s contract: it checks the header's dimensions with
// check_dimensions() before any allocation proportional to the image, then calls sink.begin()
// once and sink.row() for every row top to bottom; any failure is returned as a Status.
#pragma once

#include <cstdint>
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

// Refuses zero dimensions (corrupt) and width * height above options.max_pixels (limit_exceeded).
Status check_dimensions(std::uint64_t width, std::uint64_t height, const DecodeOptions& options);

}  // namespace baove::hash::detail
