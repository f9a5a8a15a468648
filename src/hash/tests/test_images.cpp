#include "hash/tests/test_images.hpp"

#include <gif_lib.h>
#include <libheif/heif.h>
#include <png.h>
#include <webp/encode.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

// clang-format off
#include <jpeglib.h>
// clang-format on

namespace baove::hash::testing {

namespace {

[[noreturn]] void die(const char* what, const char* message) {
  std::fprintf(stderr, "test image encoder (%s): %s\n", what, message);
  std::abort();
}

void put_le(std::vector<std::uint8_t>& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void check_layout(const Pixels& p) {
  if (p.channels < 1 || p.channels > 4 || p.width == 0 || p.height == 0 ||
      p.data.size() != std::size_t{p.width} * p.height * static_cast<std::size_t>(p.channels)) {
    die("input", "bad pixel layout");
  }
}

}  // namespace

Pixels make_pattern(std::uint32_t width, std::uint32_t height, int channels, std::uint32_t seed) {
  Pixels p{width, height, channels, {}};
  p.data.resize(std::size_t{width} * height * static_cast<std::size_t>(channels));
  const double cx = width * 0.6, cy = height * 0.4, r2 = width * height * 0.04;
  std::size_t i = 0;
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      const double dx = x - cx, dy = y - cy;
      const bool disc = dx * dx + dy * dy < r2;
      const auto gx = static_cast<std::uint32_t>(std::uint64_t{x} * 255 / std::max(width - 1, 1u));
      const auto gy = static_cast<std::uint32_t>(std::uint64_t{y} * 255 / std::max(height - 1, 1u));
      const std::uint32_t stripes = ((x + seed * 3) / 8 % 2) != 0 ? 60 : 0;
      const std::uint32_t red = disc ? 230 : (gx + seed * 17) % 256;
      const std::uint32_t green = disc ? 40 : (gy + stripes) % 256;
      const std::uint32_t blue = (255 - gx / 2 - gy / 2 + seed * 29) % 256;
      const std::uint32_t alpha = disc ? 255 : (gx * 3 + gy) % 256;
      const std::uint32_t grey = (red * 2 + green * 5 + blue) / 8;
      std::uint32_t v[4] = {red, green, blue, alpha};
      if (channels <= 2) {
        v[0] = grey;
        v[1] = alpha;
      }
      for (int c = 0; c < channels; ++c) p.data[i++] = static_cast<std::uint8_t>(v[c]);
    }
  }
  return p;
}

Pixels make_tiles(std::uint32_t width, std::uint32_t height, int channels, int colours, std::uint32_t seed) {
  Pixels p{width, height, channels, {}};
  p.data.resize(std::size_t{width} * height * static_cast<std::size_t>(channels));
  std::size_t i = 0;
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::uint32_t k = ((x / 5) * 7 + (y / 3) * 3 + seed) % static_cast<std::uint32_t>(colours);
      for (int c = 0; c < channels; ++c) {
        p.data[i++] =
            static_cast<std::uint8_t>((k * (53 + 40 * static_cast<std::uint32_t>(c)) + 11 * c) % 256);
      }
    }
  }
  return p;
}

Pixels make_indices(std::uint32_t width, std::uint32_t height, int count, std::uint32_t seed) {
  Pixels p{width, height, 1, {}};
  p.data.resize(std::size_t{width} * height);
  for (std::uint32_t y = 0; y < height; ++y)
    for (std::uint32_t x = 0; x < width; ++x)
      p.data[std::size_t{y} * width + x] =
          static_cast<std::uint8_t>(((x / 3) * 5 + (y / 2) * 3 + seed) % static_cast<std::uint32_t>(count));
  return p;
}

Pixels to_pixels(const Image& image) {
  return Pixels{image.info.width, image.info.height, image.info.channels, image.pixels};
}

double mean_abs_diff(const Pixels& a, const Pixels& b) {
  if (a.data.size() != b.data.size() || a.data.empty()) return 1e9;
  double sum = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) sum += std::abs(int{a.data[i]} - int{b.data[i]});
  return sum / static_cast<double>(a.data.size());
}

int max_abs_diff(const Pixels& a, const Pixels& b) {
  if (a.data.size() != b.data.size()) return 1 << 20;
  int m = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) m = std::max(m, std::abs(int{a.data[i]} - int{b.data[i]}));
  return m;
}

std::vector<std::uint8_t> make_exif(int orientation, bool big_endian) {
  std::vector<std::uint8_t> out;
  auto u16 = [&](std::uint32_t v) {
    if (big_endian) {
      out.push_back(static_cast<std::uint8_t>(v >> 8));
      out.push_back(static_cast<std::uint8_t>(v));
    } else {
      put_le(out, v, 2);
    }
  };
  auto u32 = [&](std::uint32_t v) {
    if (big_endian) {
      u16(v >> 16);
      u16(v & 0xFFFF);
    } else {
      put_le(out, v, 4);
    }
  };
  out.push_back(big_endian ? 'M' : 'I');
  out.push_back(big_endian ? 'M' : 'I');
  u16(42);
  u32(8);  // IFD0 right after the header
  u16(3);  // entries: ImageWidth (LONG), Orientation (SHORT), ResolutionUnit (SHORT)
  u16(0x0100), u16(4), u32(1), u32(640);
  u16(0x0112), u16(3), u32(1), u16(static_cast<std::uint32_t>(orientation)), u16(0);
  u16(0x0128), u16(3), u32(1), u16(2), u16(0);
  u32(0);  // no next IFD
  return out;
}

// ---- JPEG ----

namespace {
void jpeg_die(j_common_ptr cinfo) {
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  die("jpeg", text);
}
}  // namespace

std::vector<std::uint8_t> encode_jpeg(const Pixels& pixels, const JpegOptions& options) {
  check_layout(pixels);
  if (pixels.channels != 1 && pixels.channels != 3) die("jpeg", "channels must be 1 or 3");
  if (options.cmyk && pixels.channels != 3) die("jpeg", "CMYK needs RGB input");
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  err.error_exit = jpeg_die;
  jpeg_create_compress(&c);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buffer, &size);
  c.image_width = pixels.width;
  c.image_height = pixels.height;
  c.input_components = options.cmyk ? 4 : pixels.channels;
  c.in_color_space = options.cmyk ? JCS_CMYK : (pixels.channels == 1 ? JCS_GRAYSCALE : JCS_RGB);
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, options.quality, TRUE);
  if (options.cmyk) jpeg_set_colorspace(&c, JCS_YCCK);  // as Photoshop writes it; adds the Adobe marker
  if (options.full_chroma) c.comp_info[0].h_samp_factor = c.comp_info[0].v_samp_factor = 1;
  c.restart_interval = static_cast<unsigned>(options.restart_interval);
  if (options.progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  if (options.orientation != 0) {
    std::vector<std::uint8_t> app1 = {'E', 'x', 'i', 'f', 0, 0};
    const auto tiff = make_exif(options.orientation, options.big_endian_exif);
    app1.insert(app1.end(), tiff.begin(), tiff.end());
    jpeg_write_marker(&c, JPEG_APP0 + 1, app1.data(), static_cast<unsigned>(app1.size()));
  }
  const std::size_t stride = std::size_t{pixels.width} * static_cast<std::size_t>(pixels.channels);
  std::vector<std::uint8_t> cmyk(std::size_t{pixels.width} * 4);
  while (c.next_scanline < c.image_height) {
    const std::uint8_t* src = pixels.data.data() + c.next_scanline * stride;
    JSAMPROW row = const_cast<JSAMPROW>(src);
    if (options.cmyk) {
      // Inverted CMYK such that R = C * K / 255: K = max(R, G, B), C = R * 255 / K.
      for (std::uint32_t x = 0; x < pixels.width; ++x) {
        const std::uint8_t* p = src + x * 3;
        const unsigned k = std::max({p[0], p[1], p[2]});
        for (int i = 0; i < 3; ++i) {
          cmyk[x * 4 + static_cast<std::size_t>(i)] =
              static_cast<std::uint8_t>(k == 0 ? 0 : (p[i] * 255u + k / 2) / k);
        }
        cmyk[x * 4 + 3] = static_cast<std::uint8_t>(k);
      }
      row = cmyk.data();
    }
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  std::vector<std::uint8_t> out(buffer, buffer + size);
  jpeg_destroy_compress(&c);
  std::free(buffer);
  return out;
}

// ---- PNG ----

namespace {
void png_die(png_structp, png_const_charp message) { die("png", message); }
void png_quiet(png_structp, png_const_charp) {}
void png_append(png_structp png, png_bytep data, std::size_t length) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + length);
}
void png_no_flush(png_structp) {}
}  // namespace

std::vector<std::uint8_t> encode_png(const Pixels& pixels, const PngOptions& options) {
  check_layout(pixels);
  const int bd = options.bit_depth;
  if (bd != 1 && bd != 2 && bd != 4 && bd != 8 && bd != 16) die("png", "bad bit depth");
  if (bd < 8 && (pixels.channels != 1 || options.palette)) die("png", "low bit depths are for grey only");
  if (options.palette && bd != 8) die("png", "palette images are written with 8-bit indices");

  std::vector<std::uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, png_die, png_quiet);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, png_append, png_no_flush);
  const int colour_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                              PNG_COLOR_TYPE_RGB_ALPHA};
  const int type = options.palette ? PNG_COLOR_TYPE_PALETTE : colour_types[pixels.channels - 1];
  png_set_IHDR(png, info, pixels.width, pixels.height, bd, type,
               options.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);

  const std::size_t n = std::size_t{pixels.width} * pixels.height;
  const auto ch = static_cast<std::size_t>(pixels.channels);
  std::vector<std::uint8_t> samples;  // what goes into the rows
  if (options.palette) {
    std::map<std::array<std::uint8_t, 4>, std::uint8_t> index;
    std::vector<png_color> colours;
    std::vector<png_byte> alphas;
    samples.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      std::array<std::uint8_t, 4> key{0, 0, 0, 255};
      const std::uint8_t* p = pixels.data.data() + i * ch;
      if (ch <= 2) {
        key[0] = key[1] = key[2] = p[0];
        if (ch == 2) key[3] = p[1];
      } else {
        key[0] = p[0], key[1] = p[1], key[2] = p[2];
        if (ch == 4) key[3] = p[3];
      }
      auto it = index.find(key);
      if (it == index.end()) {
        if (colours.size() == 256) die("png", "more than 256 colours for a palette");
        it = index.emplace(key, static_cast<std::uint8_t>(colours.size())).first;
        colours.push_back(png_color{key[0], key[1], key[2]});
        alphas.push_back(key[3]);
      }
      samples[i] = it->second;
    }
    png_set_PLTE(png, info, colours.data(), static_cast<int>(colours.size()));
    if (ch == 2 || ch == 4) png_set_tRNS(png, info, alphas.data(), static_cast<int>(alphas.size()), nullptr);
  } else if (bd == 16) {
    samples.resize(pixels.data.size() * 2);
    for (std::size_t i = 0; i < pixels.data.size(); ++i) {
      samples[2 * i] = samples[2 * i + 1] = pixels.data[i];  // big-endian v * 257
    }
  } else {
    samples.resize(pixels.data.size());
    for (std::size_t i = 0; i < pixels.data.size(); ++i) {
      samples[i] = static_cast<std::uint8_t>(pixels.data[i] >> (8 - bd));
    }
  }
  std::vector<std::uint8_t> exif;
  if (options.orientation != 0) {
    exif = make_exif(options.orientation, true);
    png_set_eXIf_1(png, info, static_cast<png_uint_32>(exif.size()), exif.data());
  }
  png_write_info(png, info);
  if (bd < 8) png_set_packing(png);  // one sample per byte in `samples`
  const std::size_t row_bytes = samples.size() / pixels.height;
  std::vector<png_bytep> rows(pixels.height);
  for (std::uint32_t y = 0; y < pixels.height; ++y) rows[y] = samples.data() + y * row_bytes;
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

// ---- WebP ----

namespace {

struct Chunk {
  std::string fourcc;
  std::vector<std::uint8_t> payload;
};

std::vector<Chunk> riff_chunks(const std::vector<std::uint8_t>& webp) {
  std::vector<Chunk> chunks;
  std::size_t at = 12;
  while (at + 8 <= webp.size()) {
    const std::uint32_t size =
        webp[at + 4] | webp[at + 5] << 8 | webp[at + 6] << 16 | std::uint32_t{webp[at + 7]} << 24;
    chunks.push_back(
        Chunk{std::string(webp.begin() + static_cast<std::ptrdiff_t>(at),
                          webp.begin() + static_cast<std::ptrdiff_t>(at + 4)),
              std::vector<std::uint8_t>(webp.begin() + static_cast<std::ptrdiff_t>(at + 8),
                                        webp.begin() + static_cast<std::ptrdiff_t>(at + 8 + size))});
    at += 8 + size + (size & 1);
  }
  return chunks;
}

void put_chunk(std::vector<std::uint8_t>& out, const std::string& fourcc,
               const std::vector<std::uint8_t>& payload) {
  out.insert(out.end(), fourcc.begin(), fourcc.end());
  put_le(out, static_cast<std::uint32_t>(payload.size()), 4);
  out.insert(out.end(), payload.begin(), payload.end());
  if (payload.size() % 2 != 0) out.push_back(0);
}

std::vector<std::uint8_t> riff(const std::vector<Chunk>& chunks) {
  std::vector<std::uint8_t> body = {'W', 'E', 'B', 'P'};
  for (const Chunk& c : chunks) put_chunk(body, c.fourcc, c.payload);
  std::vector<std::uint8_t> out = {'R', 'I', 'F', 'F'};
  put_le(out, static_cast<std::uint32_t>(body.size()), 4);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::vector<std::uint8_t> vp8x(std::uint8_t flags, std::uint32_t width, std::uint32_t height) {
  std::vector<std::uint8_t> p = {flags, 0, 0, 0};
  put_le(p, width - 1, 3);
  put_le(p, height - 1, 3);
  return p;
}

constexpr std::uint8_t kAnimationFlag = 0x02, kExifFlag = 0x08, kAlphaFlag = 0x10;

}  // namespace

std::vector<std::uint8_t> encode_webp(const Pixels& pixels, bool lossless, int quality, int orientation) {
  check_layout(pixels);
  if (pixels.channels != 3 && pixels.channels != 4) die("webp", "channels must be 3 or 4");
  const auto w = static_cast<int>(pixels.width), h = static_cast<int>(pixels.height);
  const int stride = w * pixels.channels;
  std::uint8_t* raw = nullptr;
  std::size_t size = 0;
  const auto q = static_cast<float>(quality);
  if (pixels.channels == 4) {
    size = lossless ? WebPEncodeLosslessRGBA(pixels.data.data(), w, h, stride, &raw)
                    : WebPEncodeRGBA(pixels.data.data(), w, h, stride, q, &raw);
  } else {
    size = lossless ? WebPEncodeLosslessRGB(pixels.data.data(), w, h, stride, &raw)
                    : WebPEncodeRGB(pixels.data.data(), w, h, stride, q, &raw);
  }
  if (size == 0) die("webp", "encoding failed");
  std::vector<std::uint8_t> out(raw, raw + size);
  WebPFree(raw);
  if (orientation == 0) return out;

  std::vector<Chunk> chunks = riff_chunks(out);
  if (chunks.empty() || chunks[0].fourcc != "VP8X") {
    chunks.insert(chunks.begin(),
                  Chunk{"VP8X", vp8x(pixels.channels == 4 ? kAlphaFlag : 0, pixels.width, pixels.height)});
  }
  chunks[0].payload[0] |= kExifFlag;
  chunks.push_back(Chunk{"EXIF", make_exif(orientation, false)});
  return riff(chunks);
}

std::vector<std::uint8_t> encode_webp_animation(const std::vector<Pixels>& frames) {
  if (frames.empty()) die("webp", "no frames");
  const Pixels& first = frames.front();
  std::vector<Chunk> chunks;
  chunks.push_back(Chunk{"VP8X", vp8x(kAnimationFlag | kAlphaFlag, first.width, first.height)});
  chunks.push_back(Chunk{"ANIM", {255, 255, 255, 255, 0, 0}});  // white background, loop forever
  for (const Pixels& frame : frames) {
    if (frame.width != first.width || frame.height != first.height) die("webp", "frames differ in size");
    std::vector<std::uint8_t> anmf;
    put_le(anmf, 0, 3);  // x / 2
    put_le(anmf, 0, 3);  // y / 2
    put_le(anmf, frame.width - 1, 3);
    put_le(anmf, frame.height - 1, 3);
    put_le(anmf, 100, 3);  // duration (ms)
    anmf.push_back(0x02);  // no blending, no disposal
    for (const Chunk& c : riff_chunks(encode_webp(frame, true))) {
      if (c.fourcc != "VP8X") put_chunk(anmf, c.fourcc, c.payload);
    }
    chunks.push_back(Chunk{"ANMF", anmf});
  }
  return riff(chunks);
}

// ---- GIF ----

namespace {
int gif_append(GifFileType* gif, const GifByteType* data, int length) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(gif->UserData);
  out->insert(out->end(), data, data + length);
  return length;
}
}  // namespace

std::vector<std::uint8_t> encode_gif(std::uint32_t screen_width, std::uint32_t screen_height,
                                     const std::vector<Rgb>& palette, const std::vector<GifFrame>& frames) {
  std::vector<std::uint8_t> out;
  int error = 0;
  GifFileType* gif = EGifOpen(&out, gif_append, &error);
  if (gif == nullptr) die("gif", "EGifOpen failed");
  EGifSetGifVersion(gif, true);
  int size = 2;
  while (size < static_cast<int>(palette.size())) size *= 2;
  std::vector<GifColorType> colours(static_cast<std::size_t>(size), GifColorType{0, 0, 0});
  for (std::size_t i = 0; i < palette.size(); ++i)
    colours[i] = GifColorType{palette[i][0], palette[i][1], palette[i][2]};
  ColorMapObject* map = GifMakeMapObject(size, colours.data());
  if (EGifPutScreenDesc(gif, static_cast<int>(screen_width), static_cast<int>(screen_height), 8, 0, map) ==
      GIF_ERROR) {
    die("gif", "screen descriptor");
  }
  for (const GifFrame& f : frames) {
    if (f.indices.channels != 1) die("gif", "frames hold palette indices (1 channel)");
    const GifByteType control[4] = {static_cast<GifByteType>(f.transparent >= 0 ? 0x01 : 0x00), 10, 0,
                                    static_cast<GifByteType>(f.transparent >= 0 ? f.transparent : 0)};
    EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, control);
    const auto w = static_cast<int>(f.indices.width), h = static_cast<int>(f.indices.height);
    if (EGifPutImageDesc(gif, static_cast<int>(f.left), static_cast<int>(f.top), w, h, f.interlaced,
                         nullptr) == GIF_ERROR) {
      die("gif", "image descriptor");
    }
    std::vector<int> order;
    if (f.interlaced) {
      const int start[] = {0, 4, 2, 1}, step[] = {8, 8, 4, 2};
      for (int pass = 0; pass < 4; ++pass)
        for (int y = start[pass]; y < h; y += step[pass]) order.push_back(y);
    } else {
      for (int y = 0; y < h; ++y) order.push_back(y);
    }
    for (int y : order) {
      auto* line = const_cast<GifPixelType*>(f.indices.data.data() + static_cast<std::size_t>(y * w));
      if (EGifPutLine(gif, line, w) == GIF_ERROR) die("gif", "line");
    }
  }
  if (EGifCloseFile(gif, &error) == GIF_ERROR) die("gif", "close");
  GifFreeMapObject(map);
  return out;
}

// ---- HEIF / AVIF ----

namespace {
heif_error heif_append(heif_context*, const void* data, std::size_t size, void* user) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(user);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
  return heif_error{heif_error_Ok, heif_suberror_Unspecified, "ok"};
}
}  // namespace

Result<std::vector<std::uint8_t>> encode_heif(const Pixels& pixels, bool avif, int quality) {
  check_layout(pixels);
  heif_context* ctx = heif_context_alloc();
  heif_encoder* encoder = nullptr;
  heif_error e =
      heif_context_get_encoder_for_format(ctx, avif ? heif_compression_AV1 : heif_compression_HEVC, &encoder);
  if (e.code != heif_error_Ok) {
    heif_context_free(ctx);
    return make_error(ErrorCode::unsupported,
                      std::string("libheif has no ") + (avif ? "AV1" : "HEVC") + " encoder");
  }
  heif_encoder_set_lossy_quality(encoder, quality);
  if (avif) heif_encoder_set_parameter(encoder, "speed", "9");
  const bool alpha = pixels.channels == 2 || pixels.channels == 4;
  heif_image* image = nullptr;
  heif_image_create(static_cast<int>(pixels.width), static_cast<int>(pixels.height), heif_colorspace_RGB,
                    alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, &image);
  heif_image_add_plane(image, heif_channel_interleaved, static_cast<int>(pixels.width),
                       static_cast<int>(pixels.height), 8);
  int stride = 0;
  std::uint8_t* plane = heif_image_get_plane(image, heif_channel_interleaved, &stride);
  const std::size_t out_ch = alpha ? 4 : 3;
  for (std::uint32_t y = 0; y < pixels.height; ++y) {
    for (std::uint32_t x = 0; x < pixels.width; ++x) {
      std::uint8_t* o = plane + static_cast<std::size_t>(y) * static_cast<std::size_t>(stride) + x * out_ch;
      if (pixels.channels <= 2) {
        o[0] = o[1] = o[2] = pixels.at(x, y, 0);
        if (alpha) o[3] = pixels.at(x, y, 1);
      } else {
        for (std::size_t c = 0; c < out_ch; ++c) o[c] = pixels.at(x, y, static_cast<int>(c));
      }
    }
  }
  e = heif_context_encode_image(ctx, image, encoder, nullptr, nullptr);
  heif_encoder_release(encoder);
  heif_image_release(image);
  std::vector<std::uint8_t> out;
  if (e.code == heif_error_Ok) {
    heif_writer writer{1, heif_append};
    e = heif_context_write(ctx, &writer, &out);
  }
  heif_context_free(ctx);
  if (e.code != heif_error_Ok)
    return make_error(ErrorCode::unsupported, std::string("libheif: ") + e.message);
  return out;
}

// ---- forged headers ----

std::vector<std::uint8_t> with_jpeg_size(std::vector<std::uint8_t> jpeg, std::uint16_t width,
                                         std::uint16_t height) {
  // Walk the markers to the first SOFn (C0..CF except C4, C8, CC).
  std::size_t at = 2;
  while (at + 9 < jpeg.size() && jpeg[at] == 0xFF) {
    const std::uint8_t m = jpeg[at + 1];
    const std::size_t len = std::size_t{jpeg[at + 2]} << 8 | jpeg[at + 3];
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      jpeg[at + 5] = static_cast<std::uint8_t>(height >> 8);
      jpeg[at + 6] = static_cast<std::uint8_t>(height);
      jpeg[at + 7] = static_cast<std::uint8_t>(width >> 8);
      jpeg[at + 8] = static_cast<std::uint8_t>(width);
      return jpeg;
    }
    at += 2 + len;
  }
  die("jpeg", "no SOF marker");
}

std::vector<std::uint8_t> with_png_size(std::vector<std::uint8_t> png, std::uint32_t width,
                                        std::uint32_t height) {
  if (png.size() < 33) die("png", "too short");
  for (int i = 0; i < 4; ++i) {
    png[16 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(width >> (24 - 8 * i));
    png[20 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(height >> (24 - 8 * i));
  }
  // CRC-32 of the IHDR type and data (bytes 12..28) at 29..32.
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 12; i < 29; ++i) {
    crc ^= png[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xFFFFFFFFu;
  for (int i = 0; i < 4; ++i)
    png[29 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
  return png;
}

}  // namespace baove::hash::testing

// libx265, behind libheif's HEVC encoder, leaks a small block per encoder it opens; without this
// every test that writes a HEIC file fails under LeakSanitizer. Only the encoder is excused.
extern "C" const char* __lsan_default_suppressions() { return "leak:libx265.so\n"; }
