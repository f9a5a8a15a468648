// WebP through libwebp: lossy, lossless, alpha; animated files give their first frame composed on
// the canvas (libwebpdemux). WebPDecode keeps libwebp's default fancy upsampling.
#include <webp/decode.h>
#include <webp/demux.h>

#include <cstring>
#include <memory>
#include <vector>

#include "hash/decoders.hpp"

namespace baove::hash::detail {

namespace {

Error status_error(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return make_error(ErrorCode::corrupt, "truncated WebP data");
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return make_error(ErrorCode::unsupported, "unsupported WebP feature");
    case VP8_STATUS_OUT_OF_MEMORY:
      return make_error(ErrorCode::limit_exceeded, "WebP decoder ran out of memory");
    default:
      return make_error(ErrorCode::corrupt, "corrupt WebP data");
  }
}

struct DemuxDeleter {
  void operator()(WebPDemuxer* d) const { WebPDemuxDelete(d); }
};
struct AnimDeleter {
  void operator()(WebPAnimDecoder* d) const { WebPAnimDecoderDelete(d); }
};

int orientation_of(const WebPDemuxer* demux) {
  if (demux == nullptr || (WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS) & EXIF_FLAG) == 0) return 1;
  WebPChunkIterator chunk;
  if (!WebPDemuxGetChunk(demux, "EXIF", 1, &chunk)) return 1;
  std::span<const std::uint8_t> exif(chunk.chunk.bytes, chunk.chunk.size);
  // Some writers keep JPEG's "Exif\0\0" prefix.
  if (exif.size() >= 6 && std::memcmp(exif.data(), "Exif\0\0", 6) == 0) exif = exif.subspan(6);
  const int orientation = exif_orientation(exif);
  WebPDemuxReleaseChunkIterator(&chunk);
  return orientation;
}

Status decode_animation(const WebPData& data, ImageInfo info, RowSink& sink) {
  WebPAnimDecoderOptions opts;
  if (!WebPAnimDecoderOptionsInit(&opts)) return make_error(ErrorCode::internal, "libwebp version mismatch");
  opts.color_mode = MODE_RGBA;
  opts.use_threads = 0;
  std::unique_ptr<WebPAnimDecoder, AnimDeleter> anim(WebPAnimDecoderNew(&data, &opts));
  if (!anim) return make_error(ErrorCode::corrupt, "corrupt animated WebP data");
  WebPAnimInfo anim_info;
  if (!WebPAnimDecoderGetInfo(anim.get(), &anim_info) || anim_info.canvas_width != info.width ||
      anim_info.canvas_height != info.height || anim_info.frame_count < 1) {
    return make_error(ErrorCode::corrupt, "corrupt animated WebP data");
  }
  std::uint8_t* canvas = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(anim.get(), &canvas, &timestamp) || canvas == nullptr) {
    return make_error(ErrorCode::corrupt, "corrupt animated WebP frame");
  }
  info.channels = 4;
  BAOVE_TRY(sink.begin(info));
  const std::size_t stride = std::size_t{info.width} * 4;
  for (std::uint32_t y = 0; y < info.height; ++y) sink.row(y, canvas + y * stride);
  return {};
}

}  // namespace

Status decode_webp(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink) {
  if (bytes.empty()) return make_error(ErrorCode::corrupt, "empty file");
  WebPBitstreamFeatures features;
  const VP8StatusCode status = WebPGetFeatures(bytes.data(), bytes.size(), &features);
  if (status != VP8_STATUS_OK) return status_error(status);
  if (features.width <= 0 || features.height <= 0)
    return make_error(ErrorCode::corrupt, "image has zero width or height");
  BAOVE_TRY(check_dimensions(static_cast<std::uint64_t>(features.width),
                             static_cast<std::uint64_t>(features.height), options));

  const WebPData data{bytes.data(), bytes.size()};
  std::unique_ptr<WebPDemuxer, DemuxDeleter> demux(WebPDemux(&data));

  ImageInfo info;
  info.format = ImageFormat::webp;
  info.width = info.stored_width = static_cast<std::uint32_t>(features.width);
  info.height = info.stored_height = static_cast<std::uint32_t>(features.height);
  info.source_bit_depth = 8;
  info.orientation = orientation_of(demux.get());
  if (features.has_animation) return decode_animation(data, info, sink);

  info.channels = features.has_alpha ? 4 : 3;
  const std::size_t stride = std::size_t{info.width} * static_cast<std::size_t>(info.channels);
  BAOVE_TRY(sink.begin(info));
  // A whole frame: libwebp decodes into memory bounded by the pixel limit.
  std::vector<std::uint8_t> pixels(stride * info.height);
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) return make_error(ErrorCode::internal, "libwebp version mismatch");
  config.output.colorspace = features.has_alpha ? MODE_RGBA : MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = pixels.data();
  config.output.u.RGBA.stride = static_cast<int>(stride);
  config.output.u.RGBA.size = pixels.size();
  const VP8StatusCode decoded = WebPDecode(bytes.data(), bytes.size(), &config);
  WebPFreeDecBuffer(&config.output);
  if (decoded != VP8_STATUS_OK) return status_error(decoded);
  for (std::uint32_t y = 0; y < info.height; ++y) sink.row(y, pixels.data() + y * stride);
  return {};
}

}  // namespace baove::hash::detail
