// A DC-only reader for Huffman-coded JPEGs (baseline, extended and progressive), for --fast.
//
// It walks the entropy-coded data of the scan that carries the luminance component and keeps
// only each 8x8 block's DC coefficient, turned into the block's mean exactly as libjpeg's 1/8
// scaled IDCT does ((DC * Q0 + 4) >> 3) + 128. AC coefficients are skipped without being
// dequantised or transformed, and decoding stops as soon as the luminance is complete, so it
// costs a fraction of a full decode. The result is a greyscale image at 1/8 scale, delivered
// to the sink as 1-channel rows.
//
// Only files whose first component is luminance are taken (JFIF YCbCr, greyscale); for RGB,
// CMYK/YCCK, arithmetic coding, lossless or 12-bit files it returns `unsupported` so the
// caller can fall back to libjpeg. Progressive files use their first DC scan (refinement bits
// are left out: an error of under one quantisation step of the mean). Corrupt or truncated
// data is an error, as in the full decoder.
#pragma once

#include <cstdint>
#include <span>

#include "hash/image.hpp"
#include "util/result.hpp"

namespace baove::hash::detail {

// `min_side`: when the 1/8-scale image would be shorter than this on either side the reader
// declines (unsupported) before decoding, so small images take the caller's finer path.
Status decode_jpeg_dc_luma(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink,
                           std::uint32_t min_side);

}  // namespace baove::hash::detail
