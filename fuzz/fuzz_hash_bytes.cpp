// The whole path from untrusted bytes to hashes: format sniffing, every decoder, EXIF
// orientation, the squash and PDQ (with dihedral variants), and the digests. The first byte
// picks the options so that every combination is exercised.
#include <cstddef>
#include <cstdint>
#include <span>

#include "hash/hasher.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  baove::hash::HashOptions opts;
  opts.dihedral = (data[0] & 1) != 0;
  opts.exif_orientation = (data[0] & 2) != 0;
  opts.fast = (data[0] & 4) != 0;
  opts.digests = (data[0] & 8) != 0;
  opts.decode.max_pixels = 4'000'000;  // keep each run small; the limit path itself is exercised
  baove::hash::Hasher hasher(opts);
  auto r = hasher.hash_bytes(std::span<const std::uint8_t>(data + 1, size - 1));
  if (r.ok() && (r->pdq.quality < 0 || r->pdq.quality > 100)) __builtin_trap();
  return 0;
}
