// From file bytes to every hash Baove keeps: PDQ (optionally its 8 dihedral variants) and the
// MD5/SHA-1/SHA-256 of the bytes. This is the one code path behind `baove hash`, `baove match`
// and the evidence vault's ingest, so all three always agree.
//
// Exact mode reproduces the reference hasher: the image decoded at full size to 8-bit RGB,
// EXIF orientation ignored, images over 512 px on a side squashed to 512x512 by nearest
// neighbour, then PDQ. Differences from the reference, by design (docs/HASHING.md):
//  - 16-bit images hash like their 8-bit version (the reference keeps the low byte: noise);
//  - alpha is ignored: the colour samples are hashed as stored (as the reference's command line
//    does), where the reference's library aborts;
//  - with exif_orientation the image is first turned upright.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>

#include "hash/digest.hpp"
#include "hash/image.hpp"
#include "hash/pdq.hpp"
#include "util/result.hpp"

namespace baove::hash {

struct HashOptions {
  DecodeOptions decode;           // pixel limit and the like
  bool fast = false;              // JPEG: DCT-domain scaled decoding (docs/HASHING.md gives distances)
  bool dihedral = false;          // also the 8 dihedral hashes
  bool exif_orientation = false;  // apply EXIF orientation before hashing
  bool pdq = true;                // decode and hash the image
  bool digests = true;            // MD5/SHA-1/SHA-256 of the bytes
  std::uint64_t max_file_bytes = 1ull << 32;  // refuse larger files before reading them
};

struct FileHashes {
  ImageInfo info;                                    // set when pdq was asked for
  PdqResult pdq;                                     // valid when options.pdq
  std::array<PdqResult, kDihedralCount> dihedral{};  // valid when options.dihedral
  std::optional<Digests> digests;                    // set when options.digests
};

// A reusable hasher: keeps its working memory between images, so hashing many files allocates
// almost nothing. Not thread-safe: one per thread.
class Hasher {
 public:
  explicit Hasher(HashOptions options);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  const HashOptions& options() const { return options_; }
  Result<FileHashes> hash_bytes(std::span<const std::uint8_t> bytes);
  // The same, also handing every decoded row to `also` (when not null), so that another consumer
  // (previews) shares the one decode. `also` sees the full-size decode; with `fast` on a JPEG it
  // receives nothing (the DC-only decode is for PDQ alone) and the caller decodes for itself.
  Result<FileHashes> hash_bytes(std::span<const std::uint8_t> bytes, RowSink* also);
  Result<FileHashes> hash_file(const std::filesystem::path& path);

 private:
  struct State;
  HashOptions options_;
  std::unique_ptr<State> state_;
};

// One-off convenience forms of Hasher::hash_bytes / hash_file.
// Hashes an image held in memory. Fails (with the decoder's reason) when options.pdq is set and
// the bytes are not a decodable image within the limits.
Result<FileHashes> hash_bytes(std::span<const std::uint8_t> bytes, const HashOptions& options);

// Hashes a file; errors name the file and the reason.
Result<FileHashes> hash_file(const std::filesystem::path& path, const HashOptions& options);

}  // namespace baove::hash
