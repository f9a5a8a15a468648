// The whole path from untrusted bytes to hashes: format sniffing, every decoder, EXIF
// orientation, the squash and PDQ (with dihedral variants), the digests, and the previews made from
// the same decode (as evidence ingest does). The first byte picks the options so that every
// combination is exercised.
#include <cstddef>
#include <cstdint>
#include <span>

#include "hash/hasher.hpp"
#include "hash/preview.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  baove::hash::HashOptions opts;
  opts.dihedral = (data[0] & 1) != 0;
  opts.exif_orientation = (data[0] & 2) != 0;
  opts.fast = (data[0] & 4) != 0;
  opts.digests = (data[0] & 8) != 0;
  opts.decode.max_pixels = 4'000'000;  // keep each run small; the limit path itself is exercised
  baove::hash::Hasher hasher(opts);
  const bool previews = (data[0] & 16) != 0;
  baove::hash::PreviewSink preview(8 + (data[0] >> 5) * 36);  // 8 .. 260 pixels
  auto r =
      hasher.hash_bytes(std::span<const std::uint8_t>(data + 1, size - 1), previews ? &preview : nullptr);
  if (r.ok() && (r->pdq.quality < 0 || r->pdq.quality > 100)) __builtin_trap();
  if (r.ok() && previews) {
    // An image decoded in full always gives both previews, as PNG files (the fast JPEG path hands
    // the sink nothing: then png() must refuse, not crash).
    for (const bool blur : {true, false}) {
      auto png = preview.png(blur);
      if (!opts.fast && (!png.ok() || png->size() < 8 || png->compare(1, 3, "PNG") != 0)) __builtin_trap();
    }
  }
  return 0;
}
