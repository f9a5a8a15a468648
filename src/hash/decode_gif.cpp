// GIF through giflib: the first frame only (the rest of the file is never read), de-interlaced,
// placed on the logical screen, with its transparent colour as alpha.
#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "hash/decoders.hpp"

namespace baove::hash::detail {

namespace {

struct Reader {
  std::span<const std::uint8_t> bytes;
  std::size_t pos = 0;
};

int on_read(GifFileType* gif, GifByteType* out, int length) {
  auto* r = static_cast<Reader*>(gif->UserData);
  const std::size_t n = std::min(static_cast<std::size_t>(std::max(length, 0)), r->bytes.size() - r->pos);
  std::memcpy(out, r->bytes.data() + r->pos, n);
  r->pos += n;
  return static_cast<int>(n);
}

struct GifCloser {
  void operator()(GifFileType* gif) const {
    int error = 0;
    DGifCloseFile(gif, &error);
  }
};

Error gif_error(int code) {
  switch (code) {
    case D_GIF_ERR_READ_FAILED:
    case D_GIF_ERR_EOF_TOO_SOON:
      return make_error(ErrorCode::corrupt, "truncated GIF data");
    case D_GIF_ERR_NOT_GIF_FILE:
      return make_error(ErrorCode::corrupt, "not a GIF file");
    case D_GIF_ERR_NOT_ENOUGH_MEM:
      return make_error(ErrorCode::limit_exceeded, "GIF decoder ran out of memory");
    default: {
      const char* text = GifErrorString(code);
      return make_error(ErrorCode::corrupt,
                        std::string("corrupt GIF data: ") + (text != nullptr ? text : "unknown error"));
    }
  }
}

}  // namespace

Status decode_gif(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink) {
  if (bytes.empty()) return make_error(ErrorCode::corrupt, "empty file");
  Reader reader{bytes};
  int error = 0;
  std::unique_ptr<GifFileType, GifCloser> gif(DGifOpen(&reader, on_read, &error));
  if (!gif) return gif_error(error);

  // Records up to the first image descriptor; only the graphic control extension matters.
  int transparent = NO_TRANSPARENT_COLOR;
  bool seen_control = false;
  for (;;) {
    GifRecordType type = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(gif.get(), &type) == GIF_ERROR) return gif_error(gif->Error);
    if (type == IMAGE_DESC_RECORD_TYPE) break;
    if (type == TERMINATE_RECORD_TYPE) return make_error(ErrorCode::corrupt, "GIF file without an image");
    if (type != EXTENSION_RECORD_TYPE) return make_error(ErrorCode::corrupt, "corrupt GIF data");
    int code = 0;
    GifByteType* block = nullptr;
    if (DGifGetExtension(gif.get(), &code, &block) == GIF_ERROR) return gif_error(gif->Error);
    if (code == GRAPHICS_EXT_FUNC_CODE && block != nullptr && block[0] >= 4 && !seen_control) {
      GraphicsControlBlock gcb;
      if (DGifExtensionToGCB(block[0], block + 1, &gcb) == GIF_OK) transparent = gcb.TransparentColor;
      seen_control = true;
    }
    while (block != nullptr) {
      if (DGifGetExtensionNext(gif.get(), &block) == GIF_ERROR) return gif_error(gif->Error);
    }
  }
  if (DGifGetImageDesc(gif.get()) == GIF_ERROR) return gif_error(gif->Error);

  const GifImageDesc& frame = gif->Image;
  if (frame.Width <= 0 || frame.Height <= 0 || frame.Left < 0 || frame.Top < 0) {
    return make_error(ErrorCode::corrupt, "image has zero width or height");
  }
  // The canvas is the logical screen, grown to hold the first frame if the screen is too small.
  const auto frame_w = static_cast<std::uint32_t>(frame.Width);
  const auto frame_h = static_cast<std::uint32_t>(frame.Height);
  const auto left = static_cast<std::uint32_t>(frame.Left);
  const auto top = static_cast<std::uint32_t>(frame.Top);
  const std::uint32_t width = std::max(static_cast<std::uint32_t>(std::max(gif->SWidth, 0)), left + frame_w);
  const std::uint32_t height = std::max(static_cast<std::uint32_t>(std::max(gif->SHeight, 0)), top + frame_h);
  BAOVE_TRY(check_dimensions(width, height, options));

  const ColorMapObject* map = frame.ColorMap != nullptr ? frame.ColorMap : gif->SColorMap;
  if (map == nullptr || map->Colors == nullptr || map->ColorCount <= 0) {
    return make_error(ErrorCode::corrupt, "GIF image without a colour table");
  }
  const bool covers = left == 0 && top == 0 && frame_w == width && frame_h == height;
  const bool alpha = transparent != NO_TRANSPARENT_COLOR || !covers;

  ImageInfo info;
  info.format = ImageFormat::gif;
  info.width = info.stored_width = width;
  info.height = info.stored_height = height;
  info.channels = alpha ? 4 : 3;
  info.source_bit_depth = map->BitsPerPixel;
  BAOVE_TRY(sink.begin(info));

  // Interlaced frames arrive in four passes, so the frame is composed in a full canvas buffer.
  const std::size_t channels = alpha ? 4 : 3;
  const std::size_t stride = std::size_t{width} * channels;
  std::vector<std::uint8_t> canvas(stride * height, 0);
  std::vector<GifPixelType> line(frame_w);
  static constexpr std::array<std::uint32_t, 4> kStart = {0, 4, 2, 1};
  static constexpr std::array<std::uint32_t, 4> kStep = {8, 8, 4, 2};
  const int passes = frame.Interlace ? 4 : 1;
  for (int pass = 0; pass < passes; ++pass) {
    const std::uint32_t start = frame.Interlace ? kStart[static_cast<std::size_t>(pass)] : 0;
    const std::uint32_t step = frame.Interlace ? kStep[static_cast<std::size_t>(pass)] : 1;
    for (std::uint32_t y = start; y < frame_h; y += step) {
      if (DGifGetLine(gif.get(), line.data(), frame.Width) == GIF_ERROR) return gif_error(gif->Error);
      std::uint8_t* out = canvas.data() + (top + y) * stride + left * channels;
      for (std::uint32_t x = 0; x < frame_w; ++x, out += channels) {
        const int index = line[x];
        if (index < map->ColorCount) {
          const GifColorType& c = map->Colors[index];
          out[0] = c.Red;
          out[1] = c.Green;
          out[2] = c.Blue;
        }  // an index past the colour table is black
        if (alpha) out[3] = index == transparent ? 0 : 255;
      }
    }
  }
  for (std::uint32_t y = 0; y < height; ++y) sink.row(y, canvas.data() + y * stride);
  return {};
}

}  // namespace baove::hash::detail
