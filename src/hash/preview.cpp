// Previews: rows are turned into luma and area-averaged into the preview grid as they arrive, the
// small grid is re-oriented and blurred, then written as a greyscale PNG. libpng reports errors by
// longjmp: the encoder's libpng calls are made from one step function holding the setjmp with only
// trivially destructible locals, as in decode_png.cpp.
#include "hash/preview.hpp"

#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <limits>
#include <new>
#include <optional>
#include <vector>

namespace baove::hash {

namespace {

constexpr int kBlurPasses = 3;

// Luma 0..255 of one pixel (BT.601, rounded), composited over white when it has alpha.
inline std::uint32_t luma(const std::uint8_t* p, int channels) {
  std::uint32_t y = 0;
  std::uint32_t alpha = 255;
  switch (channels) {
    case 1:
      return p[0];
    case 2:
      y = p[0];
      alpha = p[1];
      break;
    case 3:
      return (299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u;
    default:
      y = (299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u;
      alpha = p[3];
      break;
  }
  return (y * alpha + 255u * (255u - alpha) + 127u) / 255u;
}

// How source pixels along one axis spread over the preview's cells, walked in order. In units where
// a preview cell is `source` long, pixel i covers [i * target, (i + 1) * target): one cell or two,
// since target <= source. Integer weights keep the average exact; no per-pixel table is kept.
class AxisWalk {
 public:
  AxisWalk(std::uint32_t source, std::uint32_t target) : source_(source), target_(target), edge_(source) {}

  // Calls add(cell, weight) for the cells the next pixel covers.
  template <typename Add>
  void next(Add&& add) {
    const std::uint64_t end = start_ + target_;
    if (end < edge_) {
      add(cell_, target_);
    } else {
      add(cell_, static_cast<std::uint32_t>(edge_ - start_));
      if (end > edge_) add(cell_ + 1, static_cast<std::uint32_t>(end - edge_));
      ++cell_;
      edge_ += source_;
    }
    start_ = end;
  }

 private:
  std::uint64_t source_;
  std::uint32_t target_;
  std::uint64_t edge_;
  std::uint64_t start_ = 0;
  std::uint32_t cell_ = 0;
};

// The preview's size for a stored size: the longer side scaled to max_side, never up.
std::uint32_t scaled(std::uint32_t side, std::uint32_t longer, std::uint32_t max_side) {
  if (longer <= max_side) return side;
  const std::uint64_t s = (std::uint64_t{side} * max_side + longer / 2) / longer;
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(s, 1));
}

// Area-averages delivered rows into the preview grid (stored orientation), in constant memory.
class ScaleSink final : public RowSink {
 public:
  explicit ScaleSink(std::uint32_t max_side) : max_side_(max_side) {}

  Status begin(const ImageInfo& info) override {
    if (info.width == 0 || info.height == 0 || info.channels < 1 || info.channels > 4) {
      return make_error(ErrorCode::invalid_argument, "empty image or unknown pixel layout");
    }
    info_ = info;
    const std::uint32_t longer = std::max(info.width, info.height);
    width_ = scaled(info.width, longer, max_side_);
    height_ = scaled(info.height, longer, max_side_);
    rows_.emplace(info.height, height_);
    // Where each source column goes (in AxisWalk's units: pixel x covers [x * width_, (x + 1) *
    // width_), a cell is info.width long): its first cell and weight there; the rest of its weight
    // (width_ - weight, possibly 0) goes to the next cell. Built once per image, so that row() is
    // a straight loop.
    columns_.resize(info.width);
    for (std::uint32_t x = 0; x < info.width; ++x) {
      const std::uint64_t start = std::uint64_t{x} * width_;
      const std::uint64_t cell = start / info.width;
      const std::uint64_t room = (cell + 1) * info.width - start;  // left in that cell
      columns_[x] = Column{static_cast<std::uint32_t>(cell),
                           static_cast<std::uint32_t>(std::min<std::uint64_t>(room, width_))};
    }
    line_.assign(std::size_t{width_} + 1, 0);  // + 1: the last column's spill, always 0
    sums_.assign(std::size_t{width_} * height_, 0);
    return {};
  }

  void row(std::uint32_t y, const std::uint8_t* pixels) override {
    (void)y;  // rows arrive in order: rows_ walks them
    switch (info_.channels) {
      case 1:
        spread<1>(pixels);
        break;
      case 2:
        spread<2>(pixels);
        break;
      case 3:
        spread<3>(pixels);
        break;
      default:
        spread<4>(pixels);
        break;
    }
    rows_->next([&](std::uint32_t cell, std::uint32_t weight) { add_line(cell, weight); });
  }

  std::uint32_t width() const { return width_; }
  std::uint32_t height() const { return height_; }
  int orientation() const { return info_.orientation; }

  // The averages, row-major, 0..255.
  std::vector<float> averages() const {
    const double area = static_cast<double>(info_.width) * static_cast<double>(info_.height);
    std::vector<float> out(sums_.size());
    for (std::size_t i = 0; i < sums_.size(); ++i)
      out[i] = static_cast<float>(static_cast<double>(sums_[i]) / area);
    return out;
  }

 private:
  struct Column {
    std::uint32_t cell;
    std::uint32_t weight;  // in `cell`; target - weight goes to cell + 1
  };

  // Sets line_ to one source row's luma, each pixel spread over its one or two cells. A cell's
  // sum is kept in a register while its pixels pass (consecutive pixels' first cells differ by 0
  // or 1), rather than added to memory pixel by pixel.
  template <int Channels>
  void spread(const std::uint8_t* pixels) {
    const std::uint64_t target = width_;
    std::uint64_t* line = line_.data();
    const Column* col = columns_.data();
    std::uint32_t cell = 0;
    std::uint64_t sum = 0;    // of `cell`
    std::uint64_t spill = 0;  // of cell + 1
    for (std::uint32_t x = 0; x < info_.width; ++x, pixels += Channels) {
      if (col[x].cell != cell) {
        line[cell] = sum;
        sum = spill;
        spill = 0;
        cell = col[x].cell;
      }
      const std::uint64_t v = luma(pixels, Channels);
      sum += v * col[x].weight;
      spill += v * (target - col[x].weight);
    }
    line[cell] = sum;
    line[cell + 1] = spill;
  }

  void add_line(std::uint32_t cell, std::uint32_t weight) {
    std::uint64_t* out = sums_.data() + std::size_t{cell} * width_;
    for (std::uint32_t x = 0; x < width_; ++x) out[x] += line_[x] * weight;
  }

  std::uint32_t max_side_;
  ImageInfo info_;
  std::uint32_t width_ = 0;
  std::uint32_t height_ = 0;
  std::optional<AxisWalk> rows_;
  std::vector<Column> columns_;      // per source column
  std::vector<std::uint64_t> line_;  // one source row, averaged across (+ 1 spill cell)
  std::vector<std::uint64_t> sums_;  // weighted sums per preview pixel
};

struct Grid {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<float> v;
};

// Applies EXIF orientation 1..8: display (x', y') reads stored
//  1 (x', y')  2 (W-1-x', y')  3 (W-1-x', H-1-y')  4 (x', H-1-y')
//  5 (y', x')  6 (y', H-1-x')  7 (W-1-y', H-1-x')  8 (W-1-y', x')
Grid orient(Grid g, int o) {
  if (o < 2 || o > 8) return g;
  const std::int64_t w = g.width, h = g.height;
  const bool transposed = o >= 5;
  Grid out;
  out.width = transposed ? g.height : g.width;
  out.height = transposed ? g.width : g.height;
  out.v.resize(g.v.size());
  for (std::int64_t yd = 0; yd < out.height; ++yd) {
    for (std::int64_t xd = 0; xd < out.width; ++xd) {
      std::int64_t x = 0, y = 0;
      switch (o) {
        case 2:
          x = w - 1 - xd, y = yd;
          break;
        case 3:
          x = w - 1 - xd, y = h - 1 - yd;
          break;
        case 4:
          x = xd, y = h - 1 - yd;
          break;
        case 5:
          x = yd, y = xd;
          break;
        case 6:
          x = yd, y = h - 1 - xd;
          break;
        case 7:
          x = w - 1 - yd, y = h - 1 - xd;
          break;
        default:
          x = w - 1 - yd, y = xd;
          break;  // 8
      }
      out.v[static_cast<std::size_t>(yd * out.width + xd)] = g.v[static_cast<std::size_t>(y * w + x)];
    }
  }
  return out;
}

// One box-blur pass over `n` samples spaced `stride` apart, edges replicated.
void box_pass(float* p, std::size_t n, std::size_t stride, std::int64_t radius, std::vector<float>& tmp) {
  tmp.resize(n);
  for (std::size_t i = 0; i < n; ++i) tmp[i] = p[i * stride];
  const auto last = static_cast<std::int64_t>(n) - 1;
  const auto at = [&](std::int64_t i) {
    return static_cast<double>(tmp[static_cast<std::size_t>(std::clamp<std::int64_t>(i, 0, last))]);
  };
  double sum = 0;
  for (std::int64_t k = -radius; k <= radius; ++k) sum += at(k);
  const double scale = 1.0 / static_cast<double>(2 * radius + 1);
  for (std::int64_t i = 0; i <= last; ++i) {
    p[static_cast<std::size_t>(i) * stride] = static_cast<float>(sum * scale);
    sum += at(i + radius + 1) - at(i - radius);
  }
}

void blur(Grid& g) {
  const std::int64_t radius =
      std::max<std::int64_t>(1, std::lround(static_cast<double>(std::max(g.width, g.height)) / 16.0));
  std::vector<float> tmp;
  for (int pass = 0; pass < kBlurPasses; ++pass) {
    for (std::uint32_t y = 0; y < g.height; ++y)
      box_pass(g.v.data() + std::size_t{y} * g.width, g.width, 1, radius, tmp);
    for (std::uint32_t x = 0; x < g.width; ++x) box_pass(g.v.data() + x, g.height, g.width, radius, tmp);
  }
}

// ---- PNG encoding ----

// Everything libpng touches; trivially destructible.
struct Encoder {
  png_structp png;
  png_infop info;
  std::jmp_buf jump;
  std::string* out;
  bool out_of_memory;
  char message[256];
};

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  auto* e = static_cast<Encoder*>(png_get_error_ptr(png));
  std::snprintf(e->message, sizeof e->message, "PNG encoding failed: %s", message);
  std::longjmp(e->jump, 1);
}

void on_warning(png_structp, png_const_charp) {}

void on_write(png_structp png, png_bytep data, std::size_t length) {
  auto* e = static_cast<Encoder*>(png_get_io_ptr(png));
  try {
    e->out->append(reinterpret_cast<const char*>(data), length);
  } catch (const std::bad_alloc&) {
    e->out_of_memory = true;
  }
  if (e->out_of_memory) png_error(png, "out of memory");
}

void on_flush(png_structp) {}

bool write_png(Encoder& e, const std::uint8_t* pixels, std::uint32_t width, std::uint32_t height) {
  if (setjmp(e.jump)) return false;
  e.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, on_error, on_warning);
  if (e.png == nullptr) return false;
  e.info = png_create_info_struct(e.png);
  if (e.info == nullptr) return false;
  png_set_write_fn(e.png, &e, on_write, on_flush);
  png_set_IHDR(e.png, e.info, width, height, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // zlib's run-length strategy, made for filtered image rows: about three times faster than the
  // default on a photo's preview, and no larger (previews are made on the request path).
  png_set_compression_strategy(e.png, Z_RLE);
  png_write_info(e.png, e.info);
  for (std::uint32_t y = 0; y < height; ++y) png_write_row(e.png, pixels + std::size_t{y} * width);
  png_write_end(e.png, nullptr);
  return true;
}

class EncoderGuard {
 public:
  explicit EncoderGuard(Encoder& e) : e_(e) {}
  ~EncoderGuard() {
    if (e_.png != nullptr) png_destroy_write_struct(&e_.png, e_.info != nullptr ? &e_.info : nullptr);
  }
  EncoderGuard(const EncoderGuard&) = delete;
  EncoderGuard& operator=(const EncoderGuard&) = delete;

 private:
  Encoder& e_;
};

Result<std::string> encode_grey_png(const std::vector<std::uint8_t>& pixels, std::uint32_t width,
                                    std::uint32_t height) {
  std::string out;
  Encoder e{};
  e.out = &out;
  EncoderGuard guard(e);
  if (!write_png(e, pixels.data(), width, height)) {
    if (e.out_of_memory) return make_error(ErrorCode::internal, "out of memory encoding a preview");
    return make_error(ErrorCode::internal, e.message[0] != '\0' ? e.message : "libpng could not start");
  }
  return out;
}

Status check_options(const PreviewOptions& options) {
  if (options.max_side < 8)
    return make_error(ErrorCode::invalid_argument, "preview max_side must be at least 8");
  return {};
}

Result<std::string> finish(const ScaleSink& sink, const PreviewOptions& options) {
  Grid g{sink.width(), sink.height(), sink.averages()};
  g = orient(std::move(g), sink.orientation());
  if (options.blur) blur(g);
  std::vector<std::uint8_t> pixels(g.v.size());
  for (std::size_t i = 0; i < g.v.size(); ++i) {
    pixels[i] = static_cast<std::uint8_t>(std::clamp(std::lround(g.v[i]), 0L, 255L));
  }
  return encode_grey_png(pixels, g.width, g.height);
}

}  // namespace

Result<std::string> make_preview(const Image& image, const PreviewOptions& options) {
  BAOVE_TRY(check_options(options));
  const ImageInfo& info = image.info;
  if (info.width == 0 || info.height == 0 || info.channels < 1 || info.channels > 4) {
    return make_error(ErrorCode::invalid_argument, "empty image or unknown pixel layout");
  }
  const std::uint64_t stride = std::uint64_t{info.width} * static_cast<std::uint64_t>(info.channels);
  if (stride > std::numeric_limits<std::size_t>::max() / info.height ||
      image.pixels.size() != stride * info.height) {
    return make_error(ErrorCode::invalid_argument, "image pixel buffer does not match its size");
  }
  ScaleSink sink(static_cast<std::uint32_t>(options.max_side));
  BAOVE_TRY(sink.begin(info));
  for (std::uint32_t y = 0; y < info.height; ++y) sink.row(y, image.pixels.data() + y * stride);
  return finish(sink, options);
}

Result<std::string> make_preview(std::span<const std::uint8_t> file_bytes, const PreviewOptions& options,
                                 const DecodeOptions& decode_options) {
  BAOVE_TRY(check_options(options));
  DecodeOptions opts = decode_options;
  if (opts.jpeg_scale_min_side == 0) opts.jpeg_scale_min_side = static_cast<std::uint32_t>(options.max_side);
  ScaleSink sink(static_cast<std::uint32_t>(options.max_side));
  BAOVE_TRY(decode(file_bytes, opts, sink));
  return finish(sink, options);
}

struct PreviewSink::Impl {
  explicit Impl(int side) : max_side(side), sink(static_cast<std::uint32_t>(std::max(side, 1))) {}
  int max_side;
  ScaleSink sink;
  std::uint32_t rows = 0;
  std::uint32_t height = 0;
  bool begun = false;
};

PreviewSink::PreviewSink(int max_side) : impl_(std::make_unique<Impl>(max_side)) {}
PreviewSink::~PreviewSink() = default;

Status PreviewSink::begin(const ImageInfo& info) {
  BAOVE_TRY(check_options(PreviewOptions{impl_->max_side, true}));
  BAOVE_TRY(impl_->sink.begin(info));
  impl_->begun = true;
  impl_->rows = 0;
  impl_->height = info.height;
  return {};
}

void PreviewSink::row(std::uint32_t y, const std::uint8_t* pixels) {
  impl_->sink.row(y, pixels);
  ++impl_->rows;
}

Result<std::string> PreviewSink::png(bool blur) const {
  if (!impl_->begun || impl_->rows != impl_->height) {
    return make_error(ErrorCode::invalid_argument, "the image was not decoded completely");
  }
  return finish(impl_->sink, PreviewOptions{impl_->max_side, blur});
}

}  // namespace baove::hash
