// PNG through libpng: every bit depth and colour type, delivered as 8-bit grey, grey+alpha, RGB or
// RGBA. libpng reports errors by longjmp; as for JPEG, each libpng call is made from a step function
// holding the setjmp with only trivially destructible locals, and C++ objects live in the caller.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "hash/decoders.hpp"

namespace baove::hash::detail {

namespace {

constexpr png_alloc_size_t kMaxChunkBytes = 16u << 20;
constexpr png_uint_32 kMaxChunks = 1000;

// Everything libpng touches; trivially destructible.
struct Decoder {
  png_structp png;
  png_infop info;
  std::jmp_buf jump;
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos;
  ErrorCode code;
  char message[256];
  // Header, after step 1.
  png_uint_32 width, height;
  int bit_depth, color_type, interlace;
  // Delivered layout, after step 2.
  int channels, passes;
  std::size_t rowbytes;
};

Decoder* decoder(png_structp png) { return static_cast<Decoder*>(png_get_error_ptr(png)); }

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  Decoder* d = decoder(png);
  if (d->code == ErrorCode::internal) {  // not already set by a more precise failure
    d->code = ErrorCode::corrupt;
    std::snprintf(d->message, sizeof d->message, "corrupt PNG data: %s", message);
  }
  std::longjmp(d->jump, 1);
}

void on_warning(png_structp, png_const_charp) {}

void on_read(png_structp png, png_bytep out, std::size_t length) {
  auto* d = static_cast<Decoder*>(png_get_io_ptr(png));
  if (length > d->size - d->pos) {
    d->code = ErrorCode::corrupt;
    std::snprintf(d->message, sizeof d->message, "truncated PNG data");
    png_error(png, "truncated");
  }
  std::memcpy(out, d->data + d->pos, length);
  d->pos += length;
}

// Step 1: read everything up to the image data.
bool read_header(Decoder& d) {
  if (setjmp(d.jump)) return false;
  d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, on_error, on_warning);
  if (d.png == nullptr) return false;
  d.info = png_create_info_struct(d.png);
  if (d.info == nullptr) return false;
  png_set_read_fn(d.png, &d, on_read);
  // Dimensions are limited by the caller's pixel limit instead of libpng's per-side default.
  png_set_user_limits(d.png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  // Ancillary chunks may claim any length: bound what libpng allocates for one, and the number
  // kept. Text, ICC profiles and suggested palettes are not needed for pixels: skip them unread.
  // eXIf is skipped too (libpng allocates its claimed length unchecked) and read by exif_chunk().
  png_set_chunk_malloc_max(d.png, kMaxChunkBytes);
  png_set_chunk_cache_max(d.png, kMaxChunks);
  static const png_byte kSkipped[] = {'t', 'E', 'X', 't', '\0', 'z', 'T', 'X', 't', '\0',
                                      'i', 'T', 'X', 't', '\0', 'i', 'C', 'C', 'P', '\0',
                                      's', 'P', 'L', 'T', '\0', 'e', 'X', 'I', 'f', '\0'};
  png_set_keep_unknown_chunks(d.png, PNG_HANDLE_CHUNK_NEVER, kSkipped, 6);
  png_read_info(d.png, d.info);
  png_get_IHDR(d.png, d.info, &d.width, &d.height, &d.bit_depth, &d.color_type, &d.interlace, nullptr,
               nullptr);
  return true;
}

// Step 2: ask for 8-bit grey / grey+alpha / RGB / RGBA output.
bool set_transforms(Decoder& d) {
  if (setjmp(d.jump)) return false;
  if (d.color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(d.png);
  if (d.color_type == PNG_COLOR_TYPE_GRAY && d.bit_depth < 8) png_set_expand_gray_1_2_4_to_8(d.png);
  if (png_get_valid(d.png, d.info, PNG_INFO_tRNS) != 0) png_set_tRNS_to_alpha(d.png);
  if (d.bit_depth == 16) png_set_scale_16(d.png);
  d.passes = png_set_interlace_handling(d.png);
  png_read_update_info(d.png, d.info);
  d.channels = png_get_channels(d.png, d.info);
  d.rowbytes = png_get_rowbytes(d.png, d.info);
  return true;
}

// Step 3: rows one by one; an interlaced image is built up in `image` over its passes first.
bool read_rows(Decoder& d, std::uint8_t* row, std::uint8_t* image, RowSink& sink) {
  if (setjmp(d.jump)) return false;
  if (image == nullptr) {
    for (png_uint_32 y = 0; y < d.height; ++y) {
      png_read_row(d.png, row, nullptr);
      sink.row(y, row);
    }
    return true;
  }
  for (int pass = 0; pass < d.passes; ++pass) {
    for (png_uint_32 y = 0; y < d.height; ++y) png_read_row(d.png, image + y * d.rowbytes, nullptr);
  }
  for (png_uint_32 y = 0; y < d.height; ++y) sink.row(y, image + y * d.rowbytes);
  return true;
}

// The payload of the first eXIf chunk before the image data, found by walking the chunk list in
// the file itself; empty when there is none or the chunk does not fit in the file.
std::span<const std::uint8_t> exif_chunk(std::span<const std::uint8_t> png) {
  std::size_t at = 8;
  while (png.size() - at >= 12) {
    const std::size_t length = (std::size_t{png[at]} << 24) | (std::size_t{png[at + 1]} << 16) |
                               (std::size_t{png[at + 2]} << 8) | std::size_t{png[at + 3]};
    const std::uint8_t* type = png.data() + at + 4;
    if (std::memcmp(type, "IDAT", 4) == 0 || std::memcmp(type, "IEND", 4) == 0) break;
    if (length > png.size() - at - 12) break;
    if (std::memcmp(type, "eXIf", 4) == 0) return png.subspan(at + 8, length);
    at += 12 + length;
  }
  return {};
}

class DecoderGuard {
 public:
  explicit DecoderGuard(Decoder& d) : d_(d) {}
  ~DecoderGuard() {
    if (d_.png != nullptr) png_destroy_read_struct(&d_.png, d_.info != nullptr ? &d_.info : nullptr, nullptr);
  }
  DecoderGuard(const DecoderGuard&) = delete;
  DecoderGuard& operator=(const DecoderGuard&) = delete;

 private:
  Decoder& d_;
};

Error failure(const Decoder& d) {
  if (d.code == ErrorCode::internal) return make_error(ErrorCode::internal, "libpng could not start");
  return make_error(d.code, d.message);
}

}  // namespace

Status decode_png(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink) {
  if (bytes.empty()) return make_error(ErrorCode::corrupt, "empty file");
  if (bytes.size() < 8 || png_sig_cmp(bytes.data(), 0, 8) != 0) {
    return make_error(ErrorCode::corrupt, "not a PNG file");
  }
  Decoder d{};
  d.data = bytes.data();
  d.size = bytes.size();
  d.code = ErrorCode::internal;
  DecoderGuard guard(d);

  if (!read_header(d)) return failure(d);
  BAOVE_TRY(check_dimensions(d.width, d.height, options));
  if (!set_transforms(d)) return failure(d);
  if (d.channels < 1 || d.channels > 4 ||
      d.rowbytes != std::size_t{d.width} * static_cast<std::size_t>(d.channels)) {
    return make_error(ErrorCode::internal, "unexpected PNG row layout");
  }

  ImageInfo info;
  info.format = ImageFormat::png;
  info.width = info.stored_width = d.width;
  info.height = info.stored_height = d.height;
  info.channels = d.channels;
  info.source_bit_depth = d.bit_depth;
  info.orientation = exif_orientation(exif_chunk(bytes));
  BAOVE_TRY(sink.begin(info));

  std::vector<std::uint8_t> row(d.rowbytes);
  std::vector<std::uint8_t> image;
  if (d.passes > 1) image.assign(d.rowbytes * d.height, 0);
  if (!read_rows(d, row.data(), image.empty() ? nullptr : image.data(), sink)) return failure(d);
  return {};
}

}  // namespace baove::hash::detail
