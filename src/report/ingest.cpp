// Evidence intake: one pass into the vault, then hashes, matches and previews; custody events.
#include "report/ingest.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "hash/hasher.hpp"
#include "hash/preview.hpp"
#include "report/internal.hpp"

namespace baove::report {
namespace {

// Enough of the start of a file to tell what it is (a tar header's magic sits at 257).
constexpr std::size_t kHeadBytes = 512;

// Watches the bytes on their way into the vault: keeps the first kHeadBytes, and the whole file
// while it may be an image small enough to hash in memory.
class Observer {
 public:
  explicit Observer(std::size_t keep_limit) : keep_limit_(keep_limit) {}
  ~Observer() { drop(); }
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

  void see(std::span<const std::uint8_t> data) {
    total_ += data.size();
    if (head_.size() < kHeadBytes) {
      const std::size_t n = std::min(kHeadBytes - head_.size(), data.size());
      head_.insert(head_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    }
    if (mode_ == Mode::undecided && head_.size() >= kHeadBytes) decide();
    if (mode_ == Mode::dropped) return;
    if (bytes_.size() + data.size() > keep_limit_) {
      too_large_ = true;
      drop();
      return;
    }
    if (bytes_.size() + data.size() > bytes_.capacity()) {
      bytes_.reserve(std::min(keep_limit_, std::max(bytes_.size() + data.size(), bytes_.capacity() * 2)));
    }
    bytes_.insert(bytes_.end(), data.begin(), data.end());
  }

  // At the end of the file.
  void finish() {
    if (mode_ == Mode::undecided) decide();
  }

  std::uint64_t total() const { return total_; }
  std::span<const std::uint8_t> head() const { return head_; }
  // The whole file when it is an image held in memory; empty otherwise.
  std::span<const std::uint8_t> image() const {
    return mode_ == Mode::keeping ? std::span<const std::uint8_t>(bytes_) : std::span<const std::uint8_t>{};
  }
  bool is_image() const { return image_; }
  bool too_large() const { return too_large_; }

 private:
  enum class Mode { undecided, keeping, dropped };

  void decide() {
    image_ = hash::sniff_format(head_) != hash::ImageFormat::unknown;
    if (image_ && !too_large_) {
      mode_ = Mode::keeping;
    } else {
      drop();
    }
  }
  void drop() {
    mode_ = Mode::dropped;
    if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
    std::vector<std::uint8_t>().swap(bytes_);
  }

  std::size_t keep_limit_;
  std::uint64_t total_ = 0;
  std::vector<std::uint8_t> head_;
  std::vector<std::uint8_t> bytes_;
  Mode mode_ = Mode::undecided;
  bool image_ = false;
  bool too_large_ = false;
};

const char* problem_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::unsupported:
      return "unsupported_image";
    case ErrorCode::limit_exceeded:
      return "image_too_large";
    default:
      return "corrupt_image";
  }
}

// The best trusted match: a digest match first, else the closest PDQ match of trusted quality.
const bank::QueryMatch* best_match(const std::vector<bank::QueryMatch>& matches) {
  const bank::QueryMatch* best = nullptr;
  for (const auto& m : matches) {
    if (m.low_quality) continue;
    if (best == nullptr) {
      best = &m;
      continue;
    }
    const bool m_digest = m.type != bank::SignalType::pdq;
    const bool b_digest = best->type != bank::SignalType::pdq;
    if (m_digest != b_digest) {
      if (m_digest) best = &m;
    } else if (m.match.distance < best->match.distance) {
      best = &m;
    }
  }
  return best;
}

Result<std::string> put_bytes(vault::Vault& vault, const std::string& bytes) {
  std::size_t offset = 0;
  vault::Source source = [&](std::span<std::uint8_t> buffer) -> Result<std::size_t> {
    const std::size_t n = std::min(buffer.size(), bytes.size() - offset);
    std::memcpy(buffer.data(), bytes.data() + offset, n);
    offset += n;
    return n;
  };
  vault::PutOptions options;
  options.legacy_digests = false;
  auto put = vault.put(source, options);
  if (!put) return put.error();
  return put->id;
}

}  // namespace

EvidenceIngest::EvidenceIngest(vault::Vault& vault, const bank::Matcher* matcher, IngestOptions options)
    : vault_(vault), matcher_(matcher), options_(options) {
  if (sodium_init() < 0) std::abort();
}

EvidenceIngest::~EvidenceIngest() = default;

std::unique_ptr<hash::Hasher> EvidenceIngest::take_hasher() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!pool_.empty()) {
      auto h = std::move(pool_.back());
      pool_.pop_back();
      return h;
    }
  }
  hash::HashOptions h;
  h.decode.max_pixels = options_.max_pixels;
  h.dihedral = options_.dihedral;
  h.pdq = true;
  h.digests = false;  // the vault computed them while storing
  h.max_file_bytes = options_.max_image_bytes_in_memory;
  return std::make_unique<hash::Hasher>(h);
}

void EvidenceIngest::give_back(std::unique_ptr<hash::Hasher> hasher) {
  std::lock_guard lock(pool_mutex_);
  if (pool_.size() < 16) pool_.push_back(std::move(hasher));
}

Result<IngestedFile> EvidenceIngest::ingest(const vault::Source& source, std::string_view declared_name,
                                            std::string_view declared_type) {
  Observer seen(options_.max_image_bytes_in_memory);
  vault::Source watched = [&](std::span<std::uint8_t> buffer) -> Result<std::size_t> {
    auto n = source(buffer);
    if (!n) return n.error();
    if (*n > buffer.size()) return make_error(ErrorCode::internal, "evidence source returned too many bytes");
    if (*n == 0 && seen.total() == 0) return make_error(ErrorCode::invalid_argument, "the file is empty");
    seen.see(buffer.first(*n));
    return *n;
  };
  vault::PutOptions put_options;
  put_options.legacy_digests = true;
  put_options.max_bytes = options_.max_file_bytes;
  auto put = vault_.put(watched, put_options);
  if (!put) return put.error();
  seen.finish();

  IngestedFile out;
  out.sha256 = put->id;
  out.size = put->size;
  out.md5 = put->md5;
  out.sha1 = put->sha1;
  out.stored_new = put->stored;
  const MediaInfo media = sniff_media(seen.head());
  out.kind = media.kind;
  out.media_type = media.media_type;
  out.declared_type = normalize_declared_type(declared_type);
  out.original_name = sanitize_file_name(declared_name);
  out.type_mismatch = claims_other_type(declared_type, out.original_name, media);
  out.archive = media.kind == MediaKind::archive;
  out.executable = media.kind == MediaKind::executable;

  // PDQ of images held in memory.
  std::optional<hash::FileHashes> hashes;
  std::optional<hash::PreviewSink> previews;
  if (seen.is_image()) {
    if (seen.too_large()) {
      out.problem = "image_too_large";
    } else {
      auto hasher = take_hasher();
      // The previews are made from the same decode (kept only if the file is not known material).
      if (options_.previews) previews.emplace(options_.preview_max_side);
      auto h = hasher->hash_bytes(seen.image(), previews ? &*previews : nullptr);
      give_back(std::move(hasher));
      if (h) {
        hashes = std::move(*h);
        out.pdq = hashes->pdq.hash.to_hex();
        out.pdq_quality = hashes->pdq.quality;
      } else {
        out.problem = problem_for(h.error().code);
      }
    }
  }

  // Matching: digests always, PDQ when there is one.
  bool matched_ok = true;
  if (matcher_ != nullptr) {
    bank::Query query;
    if (hashes) {
      query = bank::query_from_hashes(*hashes, options_.dihedral);
    }
    query.digests = {{bank::SignalType::md5, out.md5},
                     {bank::SignalType::sha1, out.sha1},
                     {bank::SignalType::sha256, out.sha256}};
    auto matches = matcher_->match(query, options_.pdq_radius);
    if (matches) {
      out.matches = std::move(*matches);
    } else {
      matched_ok = false;
      if (out.problem.empty()) out.problem = "match_failed";
    }
  }
  if (const bank::QueryMatch* best = best_match(out.matches)) {
    out.known = true;
    MatchSummary m;
    m.bank = best->match.bank;
    m.entry_id = best->match.entry.id;
    m.distance = best->match.distance;
    m.signal = bank::to_string(best->type);
    m.classification = best->match.entry.classification.to_string();
    out.match = std::move(m);
  }

  // Previews: only of images that decoded, are not known material, and were checked.
  if (options_.previews && hashes && !out.known && matched_ok) {
    hash::DecodeOptions decode;
    decode.max_pixels = options_.max_pixels;
    for (const bool blur : {true, false}) {
      // From the hash's decode when it fed the preview sink, else (a fast DC-only decode) anew.
      auto png = previews ? previews->png(blur)
                          : hash::make_preview(seen.image(),
                                               hash::PreviewOptions{options_.preview_max_side, blur}, decode);
      if (!png && previews) {
        png = hash::make_preview(seen.image(), hash::PreviewOptions{options_.preview_max_side, blur}, decode);
      }
      if (!png) {
        if (out.problem.empty()) out.problem = "preview_failed";
        out.preview_blurred.clear();
        out.preview_clear.clear();
        break;
      }
      auto id = put_bytes(vault_, *png);
      sodium_memzero(png->data(), png->size());
      if (!id) return id.error();
      (blur ? out.preview_blurred : out.preview_clear) = *id;
    }
  }
  return out;
}

// ---- chain of custody ----

const char* to_string(CustodyStep s) noexcept {
  switch (s) {
    case CustodyStep::received:
      return "received";
    case CustodyStep::hashed:
      return "hashed";
    case CustodyStep::matched:
      return "matched";
    case CustodyStep::viewed:
      return "viewed";
    case CustodyStep::unblurred:
      return "unblurred";
    case CustodyStep::exported:
      return "exported";
    case CustodyStep::destroyed:
      break;
  }
  return "destroyed";
}

Status record_custody(store::Connection& tx, const audit::Log& log, audit::Event base, CustodyStep step,
                      const Evidence& evidence) {
  if (!vault::valid_id(evidence.sha256))
    return make_error(ErrorCode::invalid_argument, "evidence " + evidence.id + ": malformed sha256");
  switch (step) {
    case CustodyStep::received:
      base.action = audit::Action::create;
      break;
    case CustodyStep::hashed:
    case CustodyStep::matched:
      base.action = audit::Action::update;
      break;
    case CustodyStep::viewed:
    case CustodyStep::unblurred:
      base.action = audit::Action::read;
      break;
    case CustodyStep::exported:
      base.action = audit::Action::export_data;
      break;
    case CustodyStep::destroyed:
      base.action = audit::Action::remove;
      break;
  }
  base.object_type = "evidence";
  base.object_id = evidence.id;
  base.reason = std::string(to_string(step)) + " sha256:" + evidence.sha256;
  auto seq = log.append(tx, base);
  if (!seq) return seq.error();
  return {};
}

Status record_intake(store::Connection& tx, const audit::Log& log, const audit::Event& base,
                     const Evidence& evidence) {
  BAOVE_TRY(record_custody(tx, log, base, CustodyStep::received, evidence));
  BAOVE_TRY(record_custody(tx, log, base, CustodyStep::hashed, evidence));
  if (evidence.known) BAOVE_TRY(record_custody(tx, log, base, CustodyStep::matched, evidence));
  return {};
}

Result<Evidence> record_evidence(store::Connection& tx, const audit::Log& log, std::string_view report_id,
                                 const IngestedFile& file, Timestamp now, const audit::Event& base) {
  auto e = add_evidence(tx, report_id, file, now);
  if (!e) return e.error();
  audit::Event event = base;
  event.time = now;
  BAOVE_TRY(record_intake(tx, log, event, *e));
  return e;
}

Status reverify(const vault::Vault& vault, const Evidence& evidence) {
  if (evidence.state == EvidenceState::destroyed)
    return make_error(ErrorCode::not_found, "evidence " + evidence.id + " is destroyed");
  BAOVE_TRY(vault.verify(evidence.sha256));
  if (!evidence.preview_blurred.empty()) BAOVE_TRY(vault.verify(evidence.preview_blurred));
  if (!evidence.preview_clear.empty()) BAOVE_TRY(vault.verify(evidence.preview_clear));
  return {};
}

}  // namespace baove::report
