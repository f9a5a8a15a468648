// PDQ, computed exactly as the reference (ThreatExchange pdq/cpp, pdqHash256FromFloatLuma):
// two passes of Jarosz box filters (rows, then columns), centre sampling to 64x64, the
// gradient quality metric, a 16x16 DCT of frequencies 1..16 and a threshold at the median.
//
// The arithmetic is reorganised for speed but every output value is produced by the same
// float operations in the same order as the reference, so the hash is identical bit for bit:
//  - box filters along a matrix's row index are vectorised across its columns (each column's
//    running sum still adds and subtracts in the reference's order, divides by the same count);
//    the along-rows passes run on a transposed copy so they take the same vectorised form;
//  - the last two passes compute only the 64 sampled columns and rows that decimation keeps;
//  - the DCT accumulates each coefficient over k in increasing order, like the reference.
// The build disables floating-point contraction (-ffp-contract=off): a fused multiply-add
// would change the low bits and so the hash.
#include "hash/pdq.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "util/hex.hpp"

namespace baove::hash {
namespace {

constexpr int kMinHashableDim = 5;
constexpr int kJaroszDivisor = 128;

int jarosz_window(int dim) { return (dim + kJaroszDivisor - 1) / kJaroszDivisor; }

// Row strides are padded past powers of two so that transposes do not thrash cache sets.
constexpr int kPad = 16;
int padded(int n) { return n + kPad; }

// out (cols x rows, row stride ldo) = transpose of in (rows x cols, row stride ldi).
void transpose(const float* in, int ldi, float* out, int ldo, int rows, int cols) {
  constexpr int kTile = 16;
  for (int i0 = 0; i0 < rows; i0 += kTile) {
    const int i1 = std::min(rows, i0 + kTile);
    for (int j0 = 0; j0 < cols; j0 += kTile) {
      const int j1 = std::min(cols, j0 + kTile);
      for (int i = i0; i < i1; ++i) {
        const float* r = in + static_cast<std::ptrdiff_t>(i) * ldi;
        for (int j = j0; j < j1; ++j) out[static_cast<std::ptrdiff_t>(j) * ldo + i] = r[j];
      }
    }
  }
}

// The phases of the reference's box1DFloat for a vector of length n and window w.
struct BoxPhases {
  int p1, p2, p3, p4;
  BoxPhases(int n, int w) {
    const int half = (w + 2) / 2;
    p1 = half - 1;
    p2 = w - half + 1;
    p3 = n - w;
    p4 = half - 1;
  }
};

// Row kernels of the box filters. Each element's operations are the reference's, in its order;
// the AVX2 clones only process more elements at once (IEEE division and addition give the same
// result at any vector width, and no fused multiply-add is enabled).
#define BAOVE_ROW_KERNEL __attribute__((target_clones("avx2", "default")))
BAOVE_ROW_KERNEL void row_add(float* __restrict sum, const float* __restrict r, int m) {
  for (int j = 0; j < m; ++j) sum[j] += r[j];
}
BAOVE_ROW_KERNEL void row_sub(float* __restrict sum, const float* __restrict l, int m) {
  for (int j = 0; j < m; ++j) sum[j] -= l[j];
}
BAOVE_ROW_KERNEL void row_add_sub(float* __restrict sum, const float* __restrict r, const float* __restrict l,
                                  int m) {
  for (int j = 0; j < m; ++j) {
    float v = sum[j] + r[j];
    v -= l[j];
    sum[j] = v;
  }
}
BAOVE_ROW_KERNEL void row_div(float* __restrict out, const float* __restrict sum, float c, int m) {
  for (int j = 0; j < m; ++j) out[j] = sum[j] / c;
}
#undef BAOVE_ROW_KERNEL

// Box filter along the row index of an n x m row-major matrix with row stride ld (each column
// filtered as the reference's box1DFloat filters a strided vector), vectorised across the m
// columns. Output row oi (m floats) goes where dest(oi) points (nullptr: not needed).
// `sum` is scratch of m floats.
template <typename Dest>
void box_along_rows_index(const float* in, int ld, int n, int m, int w, float* sum, Dest dest) {
  const BoxPhases ph(n, w);
  std::fill(sum, sum + m, 0.0f);
  int li = 0, ri = 0, oi = 0, count = 0;
  for (int i = 0; i < ph.p1; ++i, ++ri, ++count) row_add(sum, in + static_cast<std::ptrdiff_t>(ri) * ld, m);
  for (int i = 0; i < ph.p2; ++i, ++ri, ++oi) {
    row_add(sum, in + static_cast<std::ptrdiff_t>(ri) * ld, m);
    ++count;
    if (float* o = dest(oi)) row_div(o, sum, static_cast<float>(count), m);
  }
  {
    const float c = static_cast<float>(count);
    for (int i = 0; i < ph.p3; ++i, ++ri, ++li, ++oi) {
      row_add_sub(sum, in + static_cast<std::ptrdiff_t>(ri) * ld, in + static_cast<std::ptrdiff_t>(li) * ld,
                  m);
      if (float* o = dest(oi)) row_div(o, sum, c, m);
    }
  }
  for (int i = 0; i < ph.p4; ++i, ++li, ++oi) {
    row_sub(sum, in + static_cast<std::ptrdiff_t>(li) * ld, m);
    --count;
    if (float* o = dest(oi)) row_div(o, sum, static_cast<float>(count), m);
  }
}

// The reference's box1DFloat on a contiguous vector, keeping only the outputs at the sorted
// positions `targets` (duplicates allowed): out[q] = output at targets[q].
void box_1d_sampled(const float* in, int n, int w, const int* targets, int ntargets, float* out,
                    int out_stride) {
  const BoxPhases ph(n, w);
  float sum = 0.0f;
  int li = 0, ri = 0, oi = 0, count = 0, q = 0;
  auto emit = [&](float v) {
    while (q < ntargets && targets[q] == oi) out[(q++) * out_stride] = v;
  };
  for (int i = 0; i < ph.p1; ++i) sum += in[ri++], ++count;
  for (int i = 0; i < ph.p2; ++i, ++oi) {
    sum += in[ri++];
    ++count;
    emit(sum / static_cast<float>(count));
  }
  for (int i = 0; i < ph.p3; ++i, ++oi) {
    sum += in[ri++];
    sum -= in[li++];
    emit(sum / static_cast<float>(count));
  }
  for (int i = 0; i < ph.p4; ++i, ++oi) {
    sum -= in[li++];
    --count;
    emit(sum / static_cast<float>(count));
  }
}

struct DctMatrix {
  float d[16][64];   // D[i][j] = sqrt(2/64) cos(pi/128 (i+1)(2j+1)), as the reference
  float dt[64][16];  // its transpose
  DctMatrix() {
    const double scale = std::sqrt(2.0 / 64.0);
    for (int i = 0; i < 16; ++i) {
      for (int j = 0; j < 64; ++j) {
        d[i][j] = static_cast<float>(scale * std::cos((std::numbers::pi / 2 / 64.0) * (i + 1) * (2 * j + 1)));
        dt[j][i] = d[i][j];
      }
    }
  }
};

const DctMatrix& dct_matrix() {
  static const DctMatrix m;  // immutable after construction
  return m;
}

using Buf64 = float[64][64];
using Buf16 = float[16][16];

int quality_metric(const Buf64& b) {
  int gradient_sum = 0;
  for (int i = 0; i < 63; ++i) {
    for (int j = 0; j < 64; ++j) {
      const float u = b[i][j], v = b[i + 1][j];
      const int d = static_cast<int>(((u - v) * 100) / 255);
      gradient_sum += std::abs(d);
    }
  }
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 63; ++j) {
      const float u = b[i][j], v = b[i][j + 1];
      const int d = static_cast<int>(((u - v) * 100) / 255);
      gradient_sum += std::abs(d);
    }
  }
  return std::min(100, gradient_sum / 90);
}

void dct64_to_16(const Buf64& a, Buf16& b) {
  const DctMatrix& dm = dct_matrix();
  float t[16][64];
  for (int i = 0; i < 16; ++i) {
    float acc[64] = {};
    for (int k = 0; k < 64; ++k) {
      const float dik = dm.d[i][k];
      for (int j = 0; j < 64; ++j) acc[j] += dik * a[k][j];
    }
    std::copy(acc, acc + 64, t[i]);
  }
  for (int i = 0; i < 16; ++i) {
    float acc[16] = {};
    for (int k = 0; k < 64; ++k) {
      const float tik = t[i][k];
      for (int j = 0; j < 16; ++j) acc[j] += tik * dm.dt[k][j];
    }
    std::copy(acc, acc + 16, b[i]);
  }
}

// The 128th smallest of the 256 coefficients: the value the reference's Torben median returns.
float median256(const Buf16& b) {
  float v[256];
  std::copy(&b[0][0], &b[0][0] + 256, v);
  std::nth_element(v, v + 127, v + 256);
  return v[127];
}

PdqHash bits_from_dct(const Buf16& b) {
  const float median = median256(b);
  PdqHash h;
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) {
      if (b[i][j] > median) h.set_bit(i * 16 + j);
    }
  }
  return h;
}

bool hashable(int rows, int cols) { return rows >= kMinHashableDim && cols >= kMinHashableDim; }

template <typename T>
T* sized(std::vector<T>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

}  // namespace

struct PdqKernel {
  // Blur and decimate `luma` (rows x cols, left unchanged) to the reference's 64x64 buffer.
  static void blur_and_decimate(const float* luma, int rows, int cols, PdqWorkspace& ws, Buf64& out);
};

void PdqKernel::blur_and_decimate(const float* luma, int rows, int cols, PdqWorkspace& ws, Buf64& out) {
  const int wr = jarosz_window(cols);  // window along rows
  const int wc = jarosz_window(rows);  // window along columns
  const int big = std::max(rows, cols);
  const std::size_t n = static_cast<std::size_t>(big) * static_cast<std::size_t>(padded(big));
  float* x = sized(ws.x_, n);
  float* z = sized(ws.z_, n);
  float* sum = sized(ws.sum_, static_cast<std::size_t>(big));
  const int ldt = padded(rows);  // row stride of transposed (cols x rows) layouts
  const int lda = padded(cols);  // row stride of upright (rows x cols) layouts

  int row_targets[64], col_targets[64];
  for (int i = 0; i < 64; ++i) {
    row_targets[i] = static_cast<int>(((i + 0.5) * rows) / 64);
    col_targets[i] = static_cast<int>(((i + 0.5) * cols) / 64);
  }

  // Pass 1, along rows: on the transpose, rows become the filtered index.
  transpose(luma, cols, x, ldt, rows, cols);  // x: cols x rows
  box_along_rows_index(x, ldt, cols, rows, wr, sum,
                       [&](int oi) { return z + static_cast<std::ptrdiff_t>(oi) * ldt; });
  transpose(z, ldt, x, lda, cols, rows);  // x: rows x cols
  // Pass 2, along columns.
  box_along_rows_index(x, lda, rows, cols, wc, sum,
                       [&](int oi) { return z + static_cast<std::ptrdiff_t>(oi) * lda; });
  // Pass 3, along rows again, keeping only the 64 sampled columns: y[q] holds column
  // col_targets[q] of the result, over all rows.
  transpose(z, lda, x, ldt, rows, cols);  // x: cols x rows
  float* y = sized(ws.y_, static_cast<std::size_t>(64) * static_cast<std::size_t>(rows));
  {
    int q = 0;
    box_along_rows_index(x, ldt, cols, rows, wr, sum, [&](int oi) -> float* {
      if (q >= 64 || col_targets[q] != oi) return nullptr;
      float* dst = y + static_cast<std::ptrdiff_t>(q) * rows;
      ++q;
      while (q < 64 && col_targets[q] == oi) ++q;  // duplicates (narrow images): copied below
      return dst;
    });
    for (int k = 1; k < 64; ++k) {
      if (col_targets[k] == col_targets[k - 1]) {
        std::copy(y + static_cast<std::ptrdiff_t>(k - 1) * rows, y + static_cast<std::ptrdiff_t>(k) * rows,
                  y + static_cast<std::ptrdiff_t>(k) * rows);
      }
    }
  }
  // Pass 4, along columns, only at the 64 sampled rows of the 64 sampled columns.
  for (int q = 0; q < 64; ++q) {
    box_1d_sampled(y + static_cast<std::ptrdiff_t>(q) * rows, rows, wc, row_targets, 64, &out[0][q], 64);
  }
}

namespace {
// Sign and transpose rules turning the original's DCT into each dihedral variant's DCT.
void dihedral_dct(const Buf16& a, Dihedral which, Buf16& b) {
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) {
      const float v = a[i][j];
      switch (which) {
        case Dihedral::original:
          b[i][j] = v;
          break;
        case Dihedral::rot90:
          b[j][i] = (j & 1) ? v : -v;
          break;
        case Dihedral::rot180:
          b[i][j] = ((i + j) & 1) ? -v : v;
          break;
        case Dihedral::rot270:
          b[j][i] = (i & 1) ? v : -v;
          break;
        case Dihedral::flip_x:
          b[i][j] = (i & 1) ? v : -v;
          break;
        case Dihedral::flip_y:
          b[i][j] = (j & 1) ? v : -v;
          break;
        case Dihedral::flip_plus1:
          b[j][i] = v;
          break;
        case Dihedral::flip_minus1:
          b[j][i] = ((i + j) & 1) ? -v : v;
          break;
      }
    }
  }
}
}  // namespace

Result<PdqHash> PdqHash::from_hex(std::string_view hex) {
  if (hex.size() != 64) {
    return make_error(ErrorCode::invalid_argument,
                      "a PDQ hash has 64 hex characters, got " + std::to_string(hex.size()));
  }
  auto bytes = baove::from_hex(hex, 32);
  if (!bytes) return bytes.error();
  PdqHash h;
  // Text is w[3] .. w[0], each big-endian.
  for (int k = 0; k < 4; ++k) {
    std::uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v = (v << 8) | (*bytes)[static_cast<std::size_t>(k * 8 + b)];
    h.w[static_cast<std::size_t>(3 - k)] = v;
  }
  return h;
}

std::string PdqHash::to_hex() const {
  char buf[65];
  std::snprintf(buf, sizeof buf, "%016llx%016llx%016llx%016llx", static_cast<unsigned long long>(w[3]),
                static_cast<unsigned long long>(w[2]), static_cast<unsigned long long>(w[1]),
                static_cast<unsigned long long>(w[0]));
  return std::string(buf, 64);
}

PdqResult pdq_from_luma(const float* luma, int rows, int cols) {
  PdqWorkspace ws;
  return pdq_from_luma(luma, rows, cols, ws);
}

PdqResult pdq_from_luma(const float* luma, int rows, int cols, PdqWorkspace& ws) {
  if (!hashable(rows, cols)) return {};
  Buf64 b64;
  PdqKernel::blur_and_decimate(luma, rows, cols, ws, b64);
  Buf16 b16;
  dct64_to_16(b64, b16);
  return PdqResult{bits_from_dct(b16), quality_metric(b64)};
}

void pdq_dihedral_from_luma(const float* luma, int rows, int cols, PdqWorkspace& ws,
                            std::array<PdqResult, kDihedralCount>& out) {
  if (!hashable(rows, cols)) {
    out.fill(PdqResult{});
    return;
  }
  Buf64 b64;
  PdqKernel::blur_and_decimate(luma, rows, cols, ws, b64);
  Buf16 b16;
  dct64_to_16(b64, b16);
  const int quality = quality_metric(b64);
  for (int d = 0; d < kDihedralCount; ++d) {
    Buf16 v;
    dihedral_dct(b16, static_cast<Dihedral>(d), v);
    out[static_cast<std::size_t>(d)] = PdqResult{bits_from_dct(v), quality};
  }
}

}  // namespace baove::hash
