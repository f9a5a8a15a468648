// Evidence intake: an uploaded file into the vault, its hashes, its matches against the banks,
// and its previews; and the chain-of-custody events that follow each evidence file.
//
// EvidenceIngest::ingest() reads the upload once, in 64 KiB pieces, into vault::Vault::put(),
// which encrypts it as it goes and computes its SHA-256, MD5 and SHA-1. Memory stays constant for
// files that are not images. The first bytes decide: content that sniffs as an image
// (hash::sniff_format) is also kept in memory, up to IngestOptions::max_image_bytes_in_memory, to
// compute its PDQ hash with hash::Hasher (the code of `baove hash`) once the vault holds it.
// The file is then matched (bank::Matcher, when one is given) by MD5, SHA-1, SHA-256 and PDQ. A
// trusted match (any digest, or PDQ of quality >= 50 within the radius) makes it known material:
// no preview is made of it. Other images get two previews (hash::make_preview: a blurred
// greyscale thumbnail and a clear one), each a PNG put into the vault, so encrypted like the
// original. Plaintext is never written to disk.
//
// What the content is comes from its bytes (sniff_media), never from the name or the type the
// client declared; a declared type or a file-name extension that claims something else sets
// EvidenceFile::type_mismatch. Archives (zip, rar, 7z, gzip, ...) and programs are stored like any
// other evidence but flagged and never previewed. An image that does not decode is stored with
// its digests and problem "corrupt_image" (or "unsupported_image", "image_too_large"), no PDQ.
//
// Errors (nothing is stored by the failing call): invalid_argument for an empty file,
// limit_exceeded past IngestOptions::max_file_bytes, the source's own error when it fails, the
// vault's error otherwise. A failure after the original is durable (a preview that cannot be
// stored) is returned too; the original then stays in the vault unreferenced, where
// report::unreferenced() finds it. Errors never hold file content or the declared name.
//
// Durability order for the caller: ingest() returns once the original (and its previews) are
// durable in the vault; then add_evidence() and record_intake() in one transaction; then the
// answer to the uploader.
//
// Thread safety: ingest() may run from many threads at once on one EvidenceIngest (hashers are
// pooled, the vault and the matcher are thread-safe). The vault and the matcher must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.hpp"
#include "bank/matcher.hpp"
#include "report/report.hpp"
#include "store/store.hpp"
#include "util/result.hpp"
#include "vault/vault.hpp"

namespace baove::hash {
class Hasher;
}

namespace baove::report {

// What kind of thing a file is, from its first bytes.
enum class MediaKind { image, video, audio, document, text, archive, executable, other };
const char* to_string(MediaKind k) noexcept;

struct MediaInfo {
  std::string media_type = "application/octet-stream";  // "image/jpeg", "video/mp4", ...
  MediaKind kind = MediaKind::other;
};

// Recognises a file from its first bytes (512 are enough): JPEG, PNG, GIF, WebP, HEIC/AVIF, BMP,
// TIFF, MP4/QuickTime/3GP, WebM/Matroska, AVI, MPEG audio, WAV, Ogg, PDF, zip, rar, 7z, gzip,
// bzip2, xz, tar, ELF/PE/Mach-O programs, scripts (#!), and UTF-8 text. Pure, thread-safe.
MediaInfo sniff_media(std::span<const std::uint8_t> head) noexcept;

// Whether a client's claim (a declared media type, or "" for none, and a file name whose extension
// is looked at) contradicts what the content is. Unknown claims never do; generic ones
// ("application/octet-stream") neither.
bool claims_other_type(std::string_view declared_type, std::string_view file_name, const MediaInfo& actual);

struct IngestOptions {
  std::uint64_t max_file_bytes = 4ull << 30;            // larger uploads: limit_exceeded
  std::size_t max_image_bytes_in_memory = 64ull << 20;  // larger images are stored, not hashed
  int preview_max_side = 256;                           // pixels, longest side of a preview
  std::uint64_t max_pixels = 100'000'000;               // decode limit (PDQ and previews)
  int pdq_radius = hash::kPdqMatchThreshold;            // PDQ match radius (0..64)
  bool dihedral = true;  // also match rotated and mirrored copies (the 8 dihedral PDQ variants)
  bool previews = true;  // make previews of images that are not known material
};

// Everything add_evidence() needs (it takes the EvidenceFile part), and what matched.
struct IngestedFile : EvidenceFile {
  std::vector<bank::QueryMatch> matches;  // every match found (untrusted low-quality ones too)
  bool stored_new = false;                // false when the vault held this content already
  MediaKind kind = MediaKind::other;
};

class EvidenceIngest {
 public:
  // `matcher` may be null: nothing is then known material.
  EvidenceIngest(vault::Vault& vault, const bank::Matcher* matcher, IngestOptions options = {});
  ~EvidenceIngest();
  EvidenceIngest(const EvidenceIngest&) = delete;
  EvidenceIngest& operator=(const EvidenceIngest&) = delete;

  // Stores `source` (read to its end) and describes it. `declared_name` and `declared_type` are
  // what the client said (only recorded, sanitised, and compared with the content).
  Result<IngestedFile> ingest(const vault::Source& source, std::string_view declared_name,
                              std::string_view declared_type);

  const IngestOptions& options() const { return options_; }

 private:
  std::unique_ptr<hash::Hasher> take_hasher();
  void give_back(std::unique_ptr<hash::Hasher> hasher);

  vault::Vault& vault_;
  const bank::Matcher* matcher_;
  IngestOptions options_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<hash::Hasher>> pool_;
};

// ---- Chain of custody ----

// The steps of an evidence file's life, each an audit event.
enum class CustodyStep { received, hashed, matched, viewed, unblurred, exported, destroyed };
const char* to_string(CustodyStep s) noexcept;  // "received", "hashed", ...

// Appends the custody event for `evidence` to the audit log inside the caller's transaction:
// `base` gives who, from where and when; this sets the action (received: create, hashed and
// matched: update, viewed and unblurred: read, exported: export, destroyed: delete), object_type
// "evidence", object_id the evidence id, and reason "<step> sha256:<hex>". Before viewed,
// unblurred and exported, call reverify() and record the step only when it succeeds.
Status record_custody(store::Connection& tx, const audit::Log& log, audit::Event base, CustodyStep step,
                      const Evidence& evidence);

// The events of a fresh intake: received, hashed, and matched when the file is known material.
Status record_intake(store::Connection& tx, const audit::Log& log, const audit::Event& base,
                     const Evidence& evidence);

// add_evidence() then record_intake() in the caller's transaction: the usual way to keep an
// ingested file. `base` says who and from where (for the public: actor "", the client address);
// its time is replaced by `now`.
Result<Evidence> record_evidence(store::Connection& tx, const audit::Log& log, std::string_view report_id,
                                 const IngestedFile& file, Timestamp now, const audit::Event& base = {});

// Re-reads the evidence from the vault and checks that its content still has its SHA-256 (and
// that its previews, if any, are intact). not_found for destroyed evidence or a missing object,
// corrupt naming the id when the content changed.
Status reverify(const vault::Vault& vault, const Evidence& evidence);

}  // namespace baove::report
