#include "hash/hasher.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "hash/jpeg_dc.hpp"
#include "util/file.hpp"

namespace baove::hash {
namespace {

constexpr int kSquashSide = 512;
// --fast (docs/HASHING.md gives the measured PDQ distances): JPEGs whose 1/8-scale image is at
// least kFastDcMinSide on both sides are read DC-only; others are decoded by libjpeg in the DCT
// domain at the smallest scale keeping both sides at least kFastMinSide.
constexpr std::uint32_t kFastDcMinSide = 128;
constexpr std::uint32_t kFastMinSide = 512;

// Maps a display (upright) coordinate pair to the stored image for EXIF orientation 1..8.
// For orientations 1-4 a display row comes from one stored row; for 5-8 a display column
// comes from one stored row (the image is transposed).
struct Orientation {
  int tag = 1;
  bool transposed() const { return tag >= 5 && tag <= 8; }
};

// Receives decoded rows and keeps only what PDQ needs: the luminance of the (possibly
// squashed, possibly re-oriented) image, at most 512x512 floats.
class LumaSink final : public RowSink {
 public:
  explicit LumaSink(bool apply_orientation) : apply_orientation_(apply_orientation) {}

  Status begin(const ImageInfo& info) override {
    info_ = info;
    if (info.channels < 1 || info.channels > 4) {
      return make_error(ErrorCode::internal, "decoder delivered an unexpected pixel layout");
    }
    const int o = apply_orientation_ && info.orientation >= 1 && info.orientation <= 8 ? info.orientation : 1;
    orient_.tag = o;
    const auto w = static_cast<std::int64_t>(info.width), h = static_cast<std::int64_t>(info.height);
    // Display (upright) size.
    const std::int64_t dw = orient_.transposed() ? h : w;
    const std::int64_t dh = orient_.transposed() ? w : h;
    // The reference squashes when the stored image is over 512 px on a side; a reduced-size
    // decode (--fast) is squashed (here: stretched) to the same 512x512 grid, so that sampling
    // and filter windows match exact mode.
    const bool squash = info.stored_width > kSquashSide || info.stored_height > kSquashSide ||
                        dw > kSquashSide || dh > kSquashSide;
    rows_ = static_cast<int>(squash ? kSquashSide : dh);
    cols_ = static_cast<int>(squash ? kSquashSide : dw);
    // Every element is written by row() before use; only grow, never clear.
    const std::size_t need = static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_);
    if (luma_.size() < need) luma_.resize(need);

    // Display sample positions (nearest neighbour, as the reference's squash).
    auto sample = [&](int k, int out_len, std::int64_t src_len) -> std::int64_t {
      return squash ? (static_cast<std::int64_t>(k) * src_len) / out_len : k;
    };
    // For each display row y' and column x', which stored row and column it reads.
    std::vector<std::int64_t> dy(static_cast<std::size_t>(rows_)), dx(static_cast<std::size_t>(cols_));
    for (int k = 0; k < rows_; ++k) dy[static_cast<std::size_t>(k)] = sample(k, rows_, dh);
    for (int k = 0; k < cols_; ++k) dx[static_cast<std::size_t>(k)] = sample(k, cols_, dw);
    // Stored coordinates: lines indexed by the display axis that maps to stored rows.
    // Orientation maps (x', y') -> (x, y):
    //  1 (x', y')  2 (W-1-x', y')  3 (W-1-x', H-1-y')  4 (x', H-1-y')
    //  5 (y', x')  6 (y', H-1-x')  7 (W-1-y', H-1-x')  8 (W-1-y', x')
    const bool flip_x = o == 2 || o == 3 || o == 7 || o == 8;                    // stored x reversed
    const bool flip_y = o == 3 || o == 4 || o == 6 || o == 7;                    // stored y reversed
    const std::vector<std::int64_t>& line_src = orient_.transposed() ? dx : dy;  // -> stored y
    const std::vector<std::int64_t>& col_src = orient_.transposed() ? dy : dx;   // -> stored x
    cols_in_line_.resize(col_src.size());
    for (std::size_t k = 0; k < col_src.size(); ++k) {
      cols_in_line_[k] = static_cast<std::uint32_t>(flip_x ? w - 1 - col_src[k] : col_src[k]);
    }
    lines_.clear();
    lines_.reserve(line_src.size());
    for (std::size_t k = 0; k < line_src.size(); ++k) {
      const std::int64_t sy = flip_y ? h - 1 - line_src[k] : line_src[k];
      lines_.push_back({static_cast<std::uint32_t>(sy), static_cast<int>(k)});
    }
    std::stable_sort(lines_.begin(), lines_.end(),
                     [](const Line& a, const Line& b) { return a.stored_row < b.stored_row; });
    next_line_ = 0;
    identity_ = !squash && o == 1;
    return {};
  }

  void row(std::uint32_t y, const std::uint8_t* px) override {
    const int ch = info_.channels;
    if (identity_) {
      float* out = luma_.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(cols_);
      luma_row(px, ch, cols_, nullptr, out, 1);
      return;
    }
    while (next_line_ < lines_.size() && lines_[next_line_].stored_row == y) {
      const int k = lines_[next_line_++].display_index;
      if (orient_.transposed()) {
        // Display column k, all display rows.
        luma_row(px, ch, rows_, cols_in_line_.data(), luma_.data() + k, cols_);
      } else {
        luma_row(px, ch, cols_, cols_in_line_.data(), luma_.data() + static_cast<std::ptrdiff_t>(k) * cols_,
                 1);
      }
    }
  }

  float* luma() { return luma_.data(); }
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  const ImageInfo& info() const { return info_; }

 private:
  struct Line {
    std::uint32_t stored_row;
    int display_index;
  };

  // Luminance as the reference computes it: grey samples as they are, colour as
  // 0.299 R + 0.587 G + 0.114 B in float, evaluated ((R term + G term) + B term). The products
  // come from tables of the same float products, so the result is identical. Alpha is not part
  // of the luminance.
  void luma_row(const std::uint8_t* px, int ch, int n, const std::uint32_t* cols, float* out,
                int stride) const {
    if (ch <= 2) {
      for (int k = 0; k < n; ++k) {
        const std::size_t x = cols ? cols[k] : static_cast<std::size_t>(k);
        out[static_cast<std::ptrdiff_t>(k) * stride] = px[x * static_cast<std::size_t>(ch)];
      }
      return;
    }
    for (int k = 0; k < n; ++k) {
      const std::size_t x = cols ? cols[k] : static_cast<std::size_t>(k);
      const std::uint8_t* p = px + x * static_cast<std::size_t>(ch);
      out[static_cast<std::ptrdiff_t>(k) * stride] = (tables_.r[p[0]] + tables_.g[p[1]]) + tables_.b[p[2]];
    }
  }

  struct LumaTables {
    std::array<float, 256> r{}, g{}, b{};
    LumaTables() {
      constexpr float kR = 0.299f, kG = 0.587f, kB = 0.114f;
      for (int v = 0; v < 256; ++v) {
        r[static_cast<std::size_t>(v)] = kR * static_cast<float>(v);
        g[static_cast<std::size_t>(v)] = kG * static_cast<float>(v);
        b[static_cast<std::size_t>(v)] = kB * static_cast<float>(v);
      }
    }
  };
  LumaTables tables_;

  bool apply_orientation_;
  Orientation orient_;
  ImageInfo info_;
  int rows_ = 0, cols_ = 0;
  std::vector<float> luma_;
  std::vector<std::uint32_t> cols_in_line_;
  std::vector<Line> lines_;
  std::size_t next_line_ = 0;
  bool identity_ = false;
};

}  // namespace

struct Hasher::State {
  explicit State(bool apply_orientation) : sink(apply_orientation) {}
  LumaSink sink;
  PdqWorkspace workspace;
};

Hasher::Hasher(HashOptions options)
    : options_(options), state_(std::make_unique<State>(options.exif_orientation)) {}
Hasher::~Hasher() = default;

Result<FileHashes> Hasher::hash_bytes(std::span<const std::uint8_t> bytes) {
  return hash_bytes(bytes, nullptr);
}

namespace {

// Hands each row to two sinks.
class TeeSink final : public RowSink {
 public:
  TeeSink(RowSink& a, RowSink& b) : a_(a), b_(b) {}
  Status begin(const ImageInfo& info) override {
    BAOVE_TRY(a_.begin(info));
    return b_.begin(info);
  }
  void row(std::uint32_t y, const std::uint8_t* pixels) override {
    a_.row(y, pixels);
    b_.row(y, pixels);
  }

 private:
  RowSink& a_;
  RowSink& b_;
};

}  // namespace

Result<FileHashes> Hasher::hash_bytes(std::span<const std::uint8_t> bytes, RowSink* also) {
  FileHashes out;
  if (options_.pdq || options_.dihedral) {
    if (bytes.empty()) return make_error(ErrorCode::corrupt, "empty file");
    DecodeOptions dopt = options_.decode;
    LumaSink& sink = state_->sink;
    bool decoded = false;
    if (options_.fast && sniff_format(bytes) == ImageFormat::jpeg) {
      auto st = detail::decode_jpeg_dc_luma(bytes, dopt, sink, kFastDcMinSide);
      if (!st.ok() && st.error().code != ErrorCode::unsupported) return st.error();
      decoded = st.ok();
      dopt.jpeg_scale_min_side = kFastMinSide;
    }
    if (!decoded) {
      if (also != nullptr) {
        TeeSink tee(sink, *also);
        BAOVE_TRY(decode(bytes, dopt, tee));
      } else {
        BAOVE_TRY(decode(bytes, dopt, sink));
      }
    }
    out.info = sink.info();
    if (options_.dihedral) {
      pdq_dihedral_from_luma(sink.luma(), sink.rows(), sink.cols(), state_->workspace, out.dihedral);
      out.pdq = out.dihedral[0];
    } else {
      out.pdq = pdq_from_luma(sink.luma(), sink.rows(), sink.cols(), state_->workspace);
    }
  }
  if (options_.digests) out.digests = compute_digests(bytes);
  return out;
}

Result<FileHashes> Hasher::hash_file(const std::filesystem::path& path) {
  auto file = MappedFile::open(path, options_.max_file_bytes);
  if (!file) return file.error();
  auto r = hash_bytes(file->bytes());
  if (!r) return r.error().with_context(path.string());
  return r;
}

Result<FileHashes> hash_bytes(std::span<const std::uint8_t> bytes, const HashOptions& options) {
  return Hasher(options).hash_bytes(bytes);
}

Result<FileHashes> hash_file(const std::filesystem::path& path, const HashOptions& options) {
  return Hasher(options).hash_file(path);
}

}  // namespace baove::hash
