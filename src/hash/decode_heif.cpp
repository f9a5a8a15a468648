// HEIC and AVIF through libheif: the primary image, with libheif's default transformations (irot,
// imir, clean aperture) applied, so the reported orientation is always 1. Output is 8-bit RGB(A).
#include <libheif/heif.h>

#include <algorithm>
#include <memory>
#include <string>

#include "hash/decoders.hpp"

namespace baove::hash::detail {

namespace {

struct ContextDeleter {
  void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HandleDeleter {
  void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct ImageDeleter {
  void operator()(heif_image* i) const { heif_image_release(i); }
};
struct OptionsDeleter {
  void operator()(heif_decoding_options* o) const { heif_decoding_options_free(o); }
};

Error heif_failure(const heif_error& e, const char* name) {
  const std::string detail =
      e.message != nullptr && e.message[0] != '\0' ? std::string(": ") + e.message : "";
  if (e.subcode == heif_suberror_End_of_data)
    return make_error(ErrorCode::corrupt, std::string("truncated ") + name + " data");
  if (e.subcode == heif_suberror_Security_limit_exceeded || e.code == heif_error_Memory_allocation_error) {
    return make_error(ErrorCode::limit_exceeded,
                      std::string(name) + " image exceeds a decoder limit" + detail);
  }
  if (e.code == heif_error_Unsupported_filetype || e.code == heif_error_Unsupported_feature ||
      e.subcode == heif_suberror_Unsupported_color_conversion) {
    return make_error(ErrorCode::unsupported, std::string("unsupported ") + name + detail);
  }
  return make_error(ErrorCode::corrupt, std::string("corrupt ") + name + " data" + detail);
}

}  // namespace

Status decode_heif(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink,
                   ImageFormat format) {
  const char* name = format == ImageFormat::avif ? "AVIF" : "HEIF";
  if (bytes.empty()) return make_error(ErrorCode::corrupt, "empty file");
  std::unique_ptr<heif_context, ContextDeleter> ctx(heif_context_alloc());
  if (!ctx) return make_error(ErrorCode::internal, "libheif could not start");
  // libheif's own limit applies to each side of the coded image (which may be padded beyond the
  // displayed size); the exact pixel limit is checked below, before decoding.
  const std::uint64_t side_limit = std::min<std::uint64_t>(options.max_pixels + 4096, 0x7FFFFFFF);
  heif_context_set_maximum_image_size_limit(ctx.get(), static_cast<int>(side_limit));
  // A derived primary image (grid, overlay) is decoded onto a canvas sized by its own descriptor.
  auto canvas = heif_derived_canvas(bytes);
  if (!canvas) return canvas.error();
  if (*canvas) BAOVE_TRY(check_dimensions((*canvas)->width, (*canvas)->height, options));
  heif_error e = heif_context_read_from_memory_without_copy(ctx.get(), bytes.data(), bytes.size(), nullptr);
  if (e.code != heif_error_Ok) return heif_failure(e, name);

  heif_image_handle* raw_handle = nullptr;
  e = heif_context_get_primary_image_handle(ctx.get(), &raw_handle);
  if (e.code != heif_error_Ok) return heif_failure(e, name);
  std::unique_ptr<heif_image_handle, HandleDeleter> handle(raw_handle);

  const int w = heif_image_handle_get_width(handle.get());
  const int h = heif_image_handle_get_height(handle.get());
  if (w <= 0 || h <= 0) return make_error(ErrorCode::corrupt, "image has zero width or height");
  BAOVE_TRY(check_dimensions(static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(h), options));
  const bool alpha = heif_image_handle_has_alpha_channel(handle.get()) != 0;

  ImageInfo info;
  info.format = format;
  info.width = info.stored_width = static_cast<std::uint32_t>(w);
  info.height = info.stored_height = static_cast<std::uint32_t>(h);
  info.channels = alpha ? 4 : 3;
  const int depth = heif_image_handle_get_luma_bits_per_pixel(handle.get());
  info.source_bit_depth = depth > 0 ? depth : 8;
  info.orientation = 1;

  std::unique_ptr<heif_decoding_options, OptionsDeleter> decode_options(heif_decoding_options_alloc());
  if (!decode_options) return make_error(ErrorCode::internal, "libheif could not start");
  decode_options->convert_hdr_to_8bit = 1;
  heif_image* raw_image = nullptr;
  e = heif_decode_image(handle.get(), &raw_image, heif_colorspace_RGB,
                        alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
                        decode_options.get());
  if (e.code != heif_error_Ok) return heif_failure(e, name);
  std::unique_ptr<heif_image, ImageDeleter> image(raw_image);

  int stride = 0;
  const std::uint8_t* plane = heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
  if (plane == nullptr || heif_image_get_width(image.get(), heif_channel_interleaved) != w ||
      heif_image_get_height(image.get(), heif_channel_interleaved) != h ||
      heif_image_get_bits_per_pixel_range(image.get(), heif_channel_interleaved) != 8 ||
      stride < w * info.channels) {
    // e.g. a grid whose canvas disagrees with its 'ispe': the file contradicts itself.
    return make_error(ErrorCode::corrupt, std::string("inconsistent ") + name + " image dimensions");
  }
  BAOVE_TRY(sink.begin(info));
  for (int y = 0; y < h; ++y) {
    sink.row(static_cast<std::uint32_t>(y),
             plane + static_cast<std::size_t>(y) * static_cast<std::size_t>(stride));
  }
  return {};
}

}  // namespace baove::hash::detail
