// Format recognition, dispatch to the per-format decoders, and whole-image decoding.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "hash/decoders.hpp"
#include "hash/image.hpp"

namespace baove::hash {

const char* to_string(ImageFormat f) noexcept {
  switch (f) {
    case ImageFormat::jpeg:
      return "jpeg";
    case ImageFormat::png:
      return "png";
    case ImageFormat::webp:
      return "webp";
    case ImageFormat::gif:
      return "gif";
    case ImageFormat::heif:
      return "heif";
    case ImageFormat::avif:
      return "avif";
    case ImageFormat::unknown:
      break;
  }
  return "unknown";
}

namespace {

bool starts_with(std::span<const std::uint8_t> bytes, std::size_t offset, const char* magic) {
  const std::size_t n = std::strlen(magic);
  return bytes.size() >= offset + n && std::memcmp(bytes.data() + offset, magic, n) == 0;
}

// ISO-BMFF: the first box is 'ftyp' with a major brand and a list of compatible brands.
ImageFormat sniff_bmff(std::span<const std::uint8_t> bytes) {
  if (!starts_with(bytes, 4, "ftyp") || bytes.size() < 12) return ImageFormat::unknown;
  std::size_t box_size = (std::size_t{bytes[0]} << 24) | (std::size_t{bytes[1]} << 16) |
                         (std::size_t{bytes[2]} << 8) | std::size_t{bytes[3]};
  box_size = std::min({box_size, bytes.size(), std::size_t{4096}});
  static constexpr std::array<const char*, 2> kAvif = {"avif", "avis"};
  static constexpr std::array<const char*, 9> kHeif = {"heic", "heix", "hevc", "hevx", "heim",
                                                       "heis", "hevm", "mif1", "msf1"};
  bool heif = false;
  auto check = [&](std::size_t at) {
    for (const char* b : kAvif)
      if (starts_with(bytes, at, b)) return true;
    for (const char* b : kHeif)
      if (starts_with(bytes, at, b)) heif = true;
    return false;
  };
  if (check(8)) return ImageFormat::avif;
  // Compatible brands follow the 4-byte minor version.
  for (std::size_t at = 16; at + 4 <= box_size; at += 4)
    if (check(at)) return ImageFormat::avif;
  return heif ? ImageFormat::heif : ImageFormat::unknown;
}

}  // namespace

ImageFormat sniff_format(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return ImageFormat::jpeg;
  if (starts_with(bytes, 0, "\x89PNG\r\n\x1a\n")) return ImageFormat::png;
  if (starts_with(bytes, 0, "RIFF") && starts_with(bytes, 8, "WEBP")) return ImageFormat::webp;
  if (starts_with(bytes, 0, "GIF87a") || starts_with(bytes, 0, "GIF89a")) return ImageFormat::gif;
  return sniff_bmff(bytes);
}

namespace detail {

Status check_dimensions(std::uint64_t width, std::uint64_t height, const DecodeOptions& options) {
  if (width == 0 || height == 0) return make_error(ErrorCode::corrupt, "image has zero width or height");
  // Both sides fit in 32 bits for every supported format, so the product cannot overflow.
  if (width > 0xFFFFFFFFu || height > 0xFFFFFFFFu || width * height > options.max_pixels) {
    return make_error(ErrorCode::limit_exceeded,
                      "image of " + std::to_string(width) + "x" + std::to_string(height) +
                          " pixels exceeds the limit of " + std::to_string(options.max_pixels));
  }
  return {};
}

}  // namespace detail

Status decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink) {
  if (bytes.empty()) return make_error(ErrorCode::corrupt, "empty file");
  switch (sniff_format(bytes)) {
    case ImageFormat::jpeg:
      return detail::decode_jpeg(bytes, options, sink);
    case ImageFormat::png:
      return detail::decode_png(bytes, options, sink);
    case ImageFormat::webp:
      return detail::decode_webp(bytes, options, sink);
    case ImageFormat::gif:
      return detail::decode_gif(bytes, options, sink);
    case ImageFormat::heif:
      return detail::decode_heif(bytes, options, sink, ImageFormat::heif);
    case ImageFormat::avif:
      return detail::decode_heif(bytes, options, sink, ImageFormat::avif);
    case ImageFormat::unknown:
      break;
  }
  return make_error(ErrorCode::unsupported, "unsupported or unrecognised image format");
}

namespace {

class BufferSink final : public RowSink {
 public:
  explicit BufferSink(Image& image) : image_(image) {}
  Status begin(const ImageInfo& info) override {
    image_.info = info;
    stride_ = std::size_t{info.width} * static_cast<std::size_t>(info.channels);
    image_.pixels.assign(stride_ * info.height, 0);
    return {};
  }
  void row(std::uint32_t y, const std::uint8_t* pixels) override {
    std::memcpy(image_.pixels.data() + std::size_t{y} * stride_, pixels, stride_);
  }

 private:
  Image& image_;
  std::size_t stride_ = 0;
};

}  // namespace

Result<Image> decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  Image image;
  BufferSink sink(image);
  BAOVE_TRY(decode(bytes, options, sink));
  return image;
}

}  // namespace baove::hash
