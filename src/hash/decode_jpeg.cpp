// JPEG through libjpeg(-turbo), with the library's defaults so that pixels equal those of other
// libjpeg-based decoders (ISLOW IDCT, fancy upsampling), unless DCT-domain scaling is asked for.
//
// libjpeg reports errors by calling error_exit, which must not return: it longjmps back to a
// setjmp. Every libjpeg call is therefore made from a small "step" function that holds the setjmp
// and has only trivially destructible locals; C++ objects (Status, buffers) live in the caller.
#include <algorithm>
#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>

// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include "hash/decoders.hpp"

namespace baove::hash::detail {

namespace {

// A progressive file may hold thousands of tiny scans, each a full pass over the image.
constexpr int kMaxScans = 1000;

struct ErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg hands back a pointer to it
  std::jmp_buf jump;
  ErrorCode code;
  char message[JMSG_LENGTH_MAX + 64];
};

// Everything libjpeg touches; trivially destructible, so longjmp over it is harmless.
struct Decoder {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  jpeg_progress_mgr progress;
  JSAMPARRAY row;      // out_color_components samples (libjpeg's pool, freed with cinfo)
  JSAMPARRAY rgb_row;  // CMYK converted to RGB
};

ErrorManager* manager(j_common_ptr cinfo) { return reinterpret_cast<ErrorManager*>(cinfo->err); }

[[noreturn]] void fail(j_common_ptr cinfo, ErrorCode code, const char* message) {
  ErrorManager* err = manager(cinfo);
  err->code = code;
  std::snprintf(err->message, sizeof err->message, "%s", message);
  std::longjmp(err->jump, 1);
}

void on_error_exit(j_common_ptr cinfo) {
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  ErrorManager* err = manager(cinfo);
  switch (cinfo->err->msg_code) {
    case JERR_NO_SOI:
      fail(cinfo, ErrorCode::corrupt, "not a JPEG file");
    case JERR_INPUT_EMPTY:
      fail(cinfo, ErrorCode::corrupt, "empty file");
    case JERR_INPUT_EOF:
      fail(cinfo, ErrorCode::corrupt, "truncated JPEG data");
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
      fail(cinfo, ErrorCode::limit_exceeded, "JPEG needs more memory than the pixel limit allows");
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_NO_ARITH_TABLE:
      err->code = ErrorCode::unsupported;
      std::snprintf(err->message, sizeof err->message, "unsupported JPEG: %s", text);
      std::longjmp(err->jump, 1);
    default:
      err->code = ErrorCode::corrupt;
      std::snprintf(err->message, sizeof err->message, "corrupt JPEG data: %s", text);
      std::longjmp(err->jump, 1);
  }
}

void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  // libjpeg pads a truncated stream with grey and only warns; a truncated file is an error here.
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) fail(cinfo, ErrorCode::corrupt, "truncated JPEG data");
  ++cinfo->err->num_warnings;  // other warnings (recoverable corruption) are tolerated silently
}

void on_output_message(j_common_ptr) {}

void on_progress(j_common_ptr cinfo) {
  if (cinfo->is_decompressor && reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > kMaxScans) {
    fail(cinfo, ErrorCode::corrupt, "corrupt JPEG data: too many scans");
  }
}

// Step 1: create the decompressor and read the header (and APP1 markers).
bool read_header(Decoder& d, const unsigned char* data, unsigned long size, long max_memory) {
  if (setjmp(d.err.jump)) return false;
  jpeg_create_decompress(&d.cinfo);
  d.cinfo.mem->max_memory_to_use = max_memory;
  d.progress.progress_monitor = on_progress;
  d.cinfo.progress = &d.progress;
  jpeg_mem_src(&d.cinfo, data, size);
  jpeg_save_markers(&d.cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&d.cinfo, TRUE);
  return true;
}

// Step 2: start decompression (progressive files are read whole here) and allocate rows.
bool start(Decoder& d, bool cmyk) {
  if (setjmp(d.err.jump)) return false;
  jpeg_start_decompress(&d.cinfo);
  const auto samples = static_cast<JDIMENSION>(d.cinfo.output_width * d.cinfo.output_components);
  d.row = (*d.cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&d.cinfo), JPOOL_IMAGE, samples, 1);
  if (cmyk) {
    d.rgb_row = (*d.cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&d.cinfo), JPOOL_IMAGE,
                                             d.cinfo.output_width * 3, 1);
  }
  return true;
}

// Step 3: read every row and hand it to the sink.
bool read_rows(Decoder& d, bool cmyk, RowSink& sink) {
  if (setjmp(d.err.jump)) return false;
  const JDIMENSION width = d.cinfo.output_width;
  while (d.cinfo.output_scanline < d.cinfo.output_height) {
    const JDIMENSION y = d.cinfo.output_scanline;
    if (jpeg_read_scanlines(&d.cinfo, d.row, 1) != 1)
      fail(reinterpret_cast<j_common_ptr>(&d.cinfo), ErrorCode::corrupt, "truncated JPEG data");
    const JSAMPLE* out = d.row[0];
    if (cmyk) {
      // Inverted (Adobe) CMYK as libjpeg delivers it: R = C * K / 255, rounded.
      const JSAMPLE* in = d.row[0];
      JSAMPLE* rgb = d.rgb_row[0];
      for (JDIMENSION x = 0; x < width; ++x, in += 4, rgb += 3) {
        const unsigned k = in[3];
        rgb[0] = static_cast<JSAMPLE>((in[0] * k + 127) / 255);
        rgb[1] = static_cast<JSAMPLE>((in[1] * k + 127) / 255);
        rgb[2] = static_cast<JSAMPLE>((in[2] * k + 127) / 255);
      }
      out = d.rgb_row[0];
    }
    sink.row(y, out);
  }
  return true;
}

int orientation_from_markers(const jpeg_decompress_struct& cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m != nullptr; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && std::memcmp(m->data, "Exif\0\0", 6) == 0) {
      return exif_orientation(std::span<const std::uint8_t>(m->data + 6, m->data_length - 6));
    }
  }
  return 1;
}

// The smallest N in 1..8 such that both sides scaled by N/8 (rounded up) stay >= min_side.
unsigned scale_numerator(std::uint64_t width, std::uint64_t height, std::uint64_t min_side) {
  for (unsigned n = 1; n < 8; ++n) {
    if ((width * n + 7) / 8 >= min_side && (height * n + 7) / 8 >= min_side) return n;
  }
  return 8;
}

class DecoderGuard {
 public:
  explicit DecoderGuard(Decoder& d) : d_(d) {}
  ~DecoderGuard() { jpeg_destroy_decompress(&d_.cinfo); }
  DecoderGuard(const DecoderGuard&) = delete;
  DecoderGuard& operator=(const DecoderGuard&) = delete;

 private:
  Decoder& d_;
};

Error failure(const Decoder& d) { return make_error(d.err.code, d.err.message); }

}  // namespace

Status decode_jpeg(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink) {
  if (bytes.empty()) return make_error(ErrorCode::corrupt, "empty file");
  Decoder d{};
  d.cinfo.err = jpeg_std_error(&d.err.pub);
  d.err.pub.error_exit = on_error_exit;
  d.err.pub.emit_message = on_emit_message;
  d.err.pub.output_message = on_output_message;
  d.err.code = ErrorCode::internal;
  DecoderGuard guard(d);

  // libjpeg's large buffers (whole-image coefficients of progressive files) scale with the pixel
  // count: up to 2 bytes per sample and component; bound them by the pixel limit.
  const std::uint64_t budget = std::min<std::uint64_t>(options.max_pixels, 1ull << 36) * 10 + (64u << 20);
  if (!read_header(d, bytes.data(), static_cast<unsigned long>(bytes.size()), static_cast<long>(budget))) {
    return failure(d);
  }
  jpeg_decompress_struct& cinfo = d.cinfo;
  BAOVE_TRY(check_dimensions(cinfo.image_width, cinfo.image_height, options));

  bool cmyk = false;
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_YCbCr:
    case JCS_RGB:
      cinfo.out_color_space = JCS_RGB;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo.out_color_space = JCS_CMYK;
      cmyk = true;
      break;
    default:
      return make_error(ErrorCode::unsupported, "unsupported JPEG colour space");
  }
  // DCT scaling keeps the default ISLOW IDCT and fancy upsampling: JDCT_IFAST and plain
  // upsampling were no faster on scaled decodes and moved PDQ hashes further from full decodes.
  if (options.jpeg_scale_min_side > 0) {
    cinfo.scale_num = scale_numerator(cinfo.image_width, cinfo.image_height, options.jpeg_scale_min_side);
    cinfo.scale_denom = 8;
  }
  if (!start(d, cmyk)) return failure(d);

  ImageInfo info;
  info.format = ImageFormat::jpeg;
  info.width = cinfo.output_width;
  info.height = cinfo.output_height;
  info.stored_width = cinfo.image_width;
  info.stored_height = cinfo.image_height;
  info.channels = cmyk ? 3 : cinfo.output_components;
  info.source_bit_depth = cinfo.data_precision;
  info.orientation = orientation_from_markers(cinfo);
  BAOVE_TRY(sink.begin(info));
  // The end of the stream after the last row is not read: trailing bytes do not matter.
  if (!read_rows(d, cmyk, sink)) return failure(d);
  return {};
}

}  // namespace baove::hash::detail
