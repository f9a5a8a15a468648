// PDQ perceptual hashing, bit-for-bit equal to Meta's C++ reference (ThreatExchange pdq/cpp).
//
// A PdqHash is 256 bits. Bit k (0..255) lives in w[k / 64], bit k % 64. The reference prints
// 16 words of 16 bits from word 15 down to word 0; with this layout that is w[3], w[2], w[1],
// w[0] each as 16 hex digits, so to_hex() equals the reference's text exactly.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace baove::hash {

struct PdqHash {
  std::array<std::uint64_t, 4> w{};

  // Parses exactly 64 hex characters (either case). Errors name the problem.
  static Result<PdqHash> from_hex(std::string_view hex);
  // 64 lower-case hex characters, as the reference prints.
  std::string to_hex() const;

  bool bit(int k) const noexcept { return (w[static_cast<unsigned>(k) >> 6] >> (k & 63)) & 1u; }
  void set_bit(int k) noexcept { w[static_cast<unsigned>(k) >> 6] |= std::uint64_t{1} << (k & 63); }

  friend bool operator==(const PdqHash&, const PdqHash&) = default;
};

inline int hamming(const PdqHash& a, const PdqHash& b) noexcept {
  return std::popcount(a.w[0] ^ b.w[0]) + std::popcount(a.w[1] ^ b.w[1]) + std::popcount(a.w[2] ^ b.w[2]) +
         std::popcount(a.w[3] ^ b.w[3]);
}

// PDQ's match threshold and the quality below which a hash is not trusted.
inline constexpr int kPdqMatchThreshold = 31;
inline constexpr int kPdqMinQuality = 50;

struct PdqResult {
  PdqHash hash;
  int quality = 0;  // 0..100
};

// The 8 dihedral variants, in the reference's order (--pdqdih).
enum class Dihedral { original, rot90, rot180, rot270, flip_x, flip_y, flip_plus1, flip_minus1 };
inline constexpr int kDihedralCount = 8;

// Working memory for PDQ, reused across images so that hashing allocates nothing once it has
// seen an image of the largest size. Not shared between threads: one per thread.
class PdqWorkspace {
 public:
  PdqWorkspace() = default;

 private:
  friend struct PdqKernel;
  std::vector<float> x_, z_, y_, sum_;
};

// Hashes a luminance image (row-major floats, values 0..255, `rows` x `cols`, unchanged by the
// call) exactly as the reference's pdqHash256FromFloatLuma does. Images smaller than 5 pixels
// on a side give an all-zero hash of quality 0, as the reference.
PdqResult pdq_from_luma(const float* luma, int rows, int cols, PdqWorkspace& workspace);
PdqResult pdq_from_luma(const float* luma, int rows, int cols);  // with a temporary workspace

// As pdq_from_luma, and also the 8 dihedral hashes (out[0] is the original's hash), derived
// from one DCT as the reference's pdqDihedralHash256esFromFloatLuma does.
void pdq_dihedral_from_luma(const float* luma, int rows, int cols, PdqWorkspace& workspace,
                            std::array<PdqResult, kDihedralCount>& out);

}  // namespace baove::hash
