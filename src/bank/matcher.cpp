// The Matcher: live bank entries in a PdqIndex and a DigestIndex, kept current from the
// store's change sequence.
#include "bank/matcher.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "hash/digest.hpp"
#include "match/digest_index.hpp"
#include "match/pdq_index.hpp"
#include "util/file.hpp"
#include "util/hex.hpp"

namespace baove::bank {

namespace {

constexpr char kMetaMagic[8] = {'B', 'A', 'O', 'V', 'E', 'M', 'X', '1'};
constexpr std::uint32_t kMetaVersion = 1;

match::DigestKind digest_kind(SignalType t) {
  switch (t) {
    case SignalType::md5:
      return match::DigestKind::md5;
    case SignalType::sha1:
      return match::DigestKind::sha1;
    default:
      return match::DigestKind::sha256;
  }
}

// Little-endian writer and bounds-checked reader for the snapshot's metadata file.
class Writer {
 public:
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  std::vector<std::uint8_t>& data() { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
  bool bytes(void* p, std::size_t n) {
    if (in_.size() - pos_ < n) return false;
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool u8(std::uint8_t& v) { return bytes(&v, 1); }
  bool u32(std::uint32_t& v) {
    std::uint8_t b[4];
    if (!bytes(b, 4)) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(b[i]) << (8 * i);
    return true;
  }
  bool u64(std::uint64_t& v) {
    std::uint8_t b[8];
    if (!bytes(b, 8)) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(b[i]) << (8 * i);
    return true;
  }
  bool str(std::string& s, std::size_t max) {
    std::uint32_t n = 0;
    if (!u32(n) || n > max || in_.size() - pos_ < n) return false;
    s.assign(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  std::size_t remaining() const { return in_.size() - pos_; }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};

std::filesystem::path meta_path(const std::filesystem::path& p) {
  std::filesystem::path m = p;
  m += ".meta";
  return m;
}

}  // namespace

struct Matcher::Impl {
  BankStore& store;
  BankScope scope;
  match::PdqIndex pdq;
  match::DigestIndex digests;

  std::mutex writer;                                  // refresh and save
  std::unordered_map<std::int64_t, SignalType> live;  // under writer
  std::int64_t seq = 0;                               // under writer
  std::size_t pdq_live = 0;                           // under writer
  std::size_t digest_live = 0;                        // under writer

  mutable std::shared_mutex banks_mu;
  std::unordered_map<std::int64_t, Bank> banks;

  Impl(BankStore& s, BankScope sc) : store(s), scope(std::move(sc)) {}

  // Reads a snapshot; any problem is returned as the reason to load from the store instead.
  Status read_snapshot(const std::filesystem::path& path);

  Status load_banks() {
    auto list = store.list_banks();
    if (!list) return list.error();
    std::unordered_map<std::int64_t, Bank> m;
    for (Bank& b : *list) m.emplace(b.id, std::move(b));
    std::unique_lock lock(banks_mu);
    banks = std::move(m);
    return {};
  }

  // Applies one entry state: drop what was indexed under its id, index it again if live.
  void apply(const EntryState& s) {
    if (auto it = live.find(s.id); it != live.end()) {
      if (it->second == SignalType::pdq) {
        pdq.remove(static_cast<std::uint64_t>(s.id));
        --pdq_live;
      } else {
        digests.remove_id(static_cast<std::uint64_t>(s.id));
        --digest_live;
      }
      live.erase(it);
    }
    if (!s.live) return;
    if (s.type == SignalType::pdq) {
      auto h = hash::PdqHash::from_hex(s.value);
      if (!h) return;  // the store only holds canonical values
      pdq.add(*h, static_cast<std::uint64_t>(s.id));
      ++pdq_live;
    } else {
      auto bytes = from_hex(s.value);
      if (!bytes) return;
      if (!digests.add(digest_kind(s.type), *bytes, static_cast<std::uint64_t>(s.id))) return;
      ++digest_live;
    }
    live.emplace(s.id, s.type);
  }

  Status full_load() {
    std::vector<hash::PdqHash> hashes;
    std::vector<std::uint64_t> ids;
    Status bad;
    auto loaded = store.scan_live(scope, [&](const EntryState& s) {
      if (s.type == SignalType::pdq) {
        auto h = hash::PdqHash::from_hex(s.value);
        if (!h) return;
        hashes.push_back(*h);
        ids.push_back(static_cast<std::uint64_t>(s.id));
        live.emplace(s.id, s.type);
        ++pdq_live;
      } else {
        auto bytes = from_hex(s.value);
        if (!bytes) return;
        if (!digests.add(digest_kind(s.type), *bytes, static_cast<std::uint64_t>(s.id))) return;
        live.emplace(s.id, s.type);
        ++digest_live;
      }
    });
    if (!loaded) return loaded.error();
    pdq = match::PdqIndex::build(hashes, ids);
    seq = *loaded;
    return load_banks();
  }

  Result<std::vector<Match>> resolve(std::vector<std::pair<std::int64_t, std::pair<int, int>>> hits) const {
    // hits: entry id -> (distance, variant)
    std::vector<std::int64_t> ids;
    ids.reserve(hits.size());
    for (const auto& h : hits) ids.push_back(h.first);
    auto entries = store.get_entries(ids);
    if (!entries) return entries.error();
    std::unordered_map<std::int64_t, Entry*> by_id;
    for (Entry& e : *entries) by_id.emplace(e.id, &e);
    std::vector<Match> out;
    std::shared_lock lock(banks_mu);
    for (const auto& [id, dv] : hits) {
      auto it = by_id.find(id);
      if (it == by_id.end() || it->second->disabled) continue;
      auto b = banks.find(it->second->bank_id);
      if (b == banks.end() || !b->second.enabled) continue;
      out.push_back(Match{std::move(*it->second), b->second.name, dv.first, dv.second});
    }
    std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) {
      return a.distance != b.distance ? a.distance < b.distance : a.entry.id < b.entry.id;
    });
    return out;
  }
};

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

Result<std::unique_ptr<Matcher>> Matcher::load(BankStore& store, BankScope scope) {
  auto impl = std::make_unique<Impl>(store, std::move(scope));
  BAOVE_TRY(impl->full_load());
  return std::unique_ptr<Matcher>(new Matcher(std::move(impl)));
}

Result<std::size_t> Matcher::refresh() {
  Impl& m = *impl_;
  std::lock_guard lock(m.writer);
  std::size_t applied = 0;
  // Bank names and states first, so that results for newly enabled banks resolve.
  BAOVE_TRY(m.load_banks());
  auto seq = m.store.scan_changes(m.seq, m.scope, [&](const EntryState& s) {
    m.apply(s);
    ++applied;
  });
  if (!seq) return seq.error();
  m.seq = *seq;
  return applied;
}

Result<std::vector<Match>> Matcher::match_pdq(const hash::PdqHash& query, int radius) const {
  return match_pdq_variants(std::span(&query, 1), radius);
}

Result<std::vector<Match>> Matcher::match_pdq_variants(std::span<const hash::PdqHash> variants,
                                                       int radius) const {
  if (radius < 0 || radius > match::kMaxRadius) {
    return make_error(ErrorCode::invalid_argument,
                      "radius must be between 0 and " + std::to_string(match::kMaxRadius));
  }
  std::unordered_map<std::int64_t, std::pair<int, int>> best;
  std::vector<match::PdqHit> hits;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    hits.clear();
    BAOVE_TRY(impl_->pdq.search(variants[v], radius, hits));
    const int variant = variants.size() > 1 ? static_cast<int>(v) : -1;
    for (const match::PdqHit& h : hits) {
      const auto id = static_cast<std::int64_t>(h.id);
      auto [it, fresh] = best.emplace(id, std::pair{h.distance, variant});
      if (!fresh && h.distance < it->second.first) it->second = {h.distance, variant};
    }
  }
  return impl_->resolve({best.begin(), best.end()});
}

Result<std::vector<Match>> Matcher::match_digest(SignalType type, std::string_view hex) const {
  if (!is_digest(type)) return make_error(ErrorCode::invalid_argument, "match_digest: pdq is not a digest");
  auto canon = canonical_value(type, hex);
  if (!canon) return canon.error();
  auto ids = impl_->digests.lookup_hex(digest_kind(type), *canon);
  if (!ids) return ids.error();
  std::vector<std::pair<std::int64_t, std::pair<int, int>>> hits;
  for (std::uint64_t id : *ids) hits.push_back({static_cast<std::int64_t>(id), {0, -1}});
  return impl_->resolve(std::move(hits));
}

Query query_from_hashes(const hash::FileHashes& hashes, bool dihedral) {
  Query q;
  if (hashes.info.width > 0) {
    if (dihedral) {
      for (const hash::PdqResult& v : hashes.dihedral) q.pdq.push_back(v.hash);
    } else {
      q.pdq.push_back(hashes.pdq.hash);
    }
    q.pdq_quality = hashes.pdq.quality;
  }
  if (hashes.digests) {
    q.digests.emplace_back(SignalType::md5, hashes.digests->md5_hex());
    q.digests.emplace_back(SignalType::sha1, hashes.digests->sha1_hex());
    q.digests.emplace_back(SignalType::sha256, hashes.digests->sha256_hex());
  }
  return q;
}

Result<std::vector<QueryMatch>> Matcher::match(const Query& query, int radius) const {
  std::vector<QueryMatch> out;
  if (!query.pdq.empty()) {
    auto ms = match_pdq_variants(query.pdq, radius);
    if (!ms) return ms.error();
    const bool low = query.pdq_quality && *query.pdq_quality < hash::kPdqMinQuality;
    for (Match& m : *ms) out.push_back(QueryMatch{SignalType::pdq, low, std::move(m)});
  }
  for (const auto& [type, hex] : query.digests) {
    if (!is_digest(type)) continue;
    auto ms = match_digest(type, hex);
    if (!ms) return ms.error();
    for (Match& m : *ms) out.push_back(QueryMatch{type, false, std::move(m)});
  }
  return out;
}

std::int64_t Matcher::change_seq() const {
  std::lock_guard lock(impl_->writer);
  return impl_->seq;
}

std::size_t Matcher::pdq_count() const {
  std::lock_guard lock(impl_->writer);
  return impl_->pdq_live;
}

std::size_t Matcher::digest_count() const {
  std::lock_guard lock(impl_->writer);
  return impl_->digest_live;
}

Status Matcher::save_snapshot(const std::filesystem::path& path) const {
  Impl& m = *impl_;
  std::lock_guard lock(m.writer);
  auto instance = m.store.instance_id();
  if (!instance) return instance.error();
  BAOVE_TRY(m.pdq.save(path));
  auto index_bytes = MappedFile::open(path);
  if (!index_bytes) return index_bytes.error();
  const hash::Digests index_digest = hash::compute_digests(index_bytes->bytes());

  Writer w;
  w.bytes(kMetaMagic, sizeof kMetaMagic);
  w.u32(kMetaVersion);
  w.str(*instance);
  w.u64(static_cast<std::uint64_t>(m.seq));
  w.u8(m.scope.all ? 1 : 0);
  w.u32(static_cast<std::uint32_t>(m.scope.bank_ids.size()));
  for (std::int64_t id : m.scope.bank_ids) w.u64(static_cast<std::uint64_t>(id));
  w.bytes(index_digest.sha256.data(), index_digest.sha256.size());
  // Digest entries in full (the DigestIndex has no snapshot of its own); PDQ entries by id.
  std::vector<std::int64_t> pdq_ids;
  std::uint64_t n_digests = 0;
  for (const auto& [id, type] : m.live) {
    if (type == SignalType::pdq) {
      pdq_ids.push_back(id);
    } else {
      ++n_digests;
    }
  }
  w.u64(pdq_ids.size());
  for (std::int64_t id : pdq_ids) w.u64(static_cast<std::uint64_t>(id));
  w.u64(n_digests);
  Status bad;
  for (const auto& [id, type] : m.live) {
    if (type == SignalType::pdq) continue;
    auto e = m.store.get_entry(id);
    if (!e) return e.error().with_context("snapshot");
    auto bytes = from_hex(e->value);
    if (!bytes) return bytes.error();
    w.u64(static_cast<std::uint64_t>(id));
    w.u8(static_cast<std::uint8_t>(type));
    w.u8(static_cast<std::uint8_t>(bytes->size()));
    w.bytes(bytes->data(), bytes->size());
  }
  const hash::Digests meta_digest = hash::compute_digests(w.data());
  w.bytes(meta_digest.sha256.data(), meta_digest.sha256.size());
  return write_file_atomic(meta_path(path), w.data());
}

Result<std::unique_ptr<Matcher>> Matcher::load_snapshot(BankStore& store, BankScope scope,
                                                        const std::filesystem::path& path,
                                                        std::string* fallback_reason) {
  auto impl = std::make_unique<Impl>(store, scope);
  Status s = impl->read_snapshot(path);
  if (s) {
    std::unique_ptr<Matcher> matcher(new Matcher(std::move(impl)));
    auto r = matcher->refresh();
    if (r) return matcher;
    s = r.error();
  }
  if (fallback_reason) *fallback_reason = s.error().message;
  return load(store, std::move(scope));
}

Status Matcher::Impl::read_snapshot(const std::filesystem::path& path) {
  Impl& m = *this;
  auto meta = read_file(meta_path(path));
  if (!meta) return meta.error();
  const auto corrupt = [&](const char* what) {
    return make_error(ErrorCode::corrupt, "snapshot " + meta_path(path).string() + ": " + what);
  };
  if (meta->size() < 32 + sizeof kMetaMagic) return corrupt("too short");
  const std::span<const std::uint8_t> body(meta->data(), meta->size() - 32);
  const hash::Digests d = hash::compute_digests(body);
  if (std::memcmp(d.sha256.data(), meta->data() + body.size(), 32) != 0) return corrupt("checksum mismatch");
  Reader r(body);
  char magic[8];
  std::uint32_t version = 0;
  std::string instance;
  std::uint64_t snap_seq = 0;
  std::uint8_t all = 0;
  std::uint32_t n_scope = 0;
  if (!r.bytes(magic, 8) || std::memcmp(magic, kMetaMagic, 8) != 0) return corrupt("not a matcher snapshot");
  if (!r.u32(version) || version != kMetaVersion) return corrupt("unsupported version");
  if (!r.str(instance, 256) || !r.u64(snap_seq) || !r.u8(all) || !r.u32(n_scope)) return corrupt("truncated");
  if (n_scope > r.remaining() / 8) return corrupt("truncated");
  BankScope snap_scope;
  snap_scope.all = all != 0;
  for (std::uint32_t i = 0; i < n_scope; ++i) {
    std::uint64_t id = 0;
    r.u64(id);
    snap_scope.bank_ids.push_back(static_cast<std::int64_t>(id));
  }
  auto current = m.store.instance_id();
  if (!current) return current.error();
  if (instance != *current) return corrupt("made from another database");
  if (snap_scope.all != m.scope.all || snap_scope.bank_ids != m.scope.bank_ids)
    return corrupt("made for other banks");
  std::uint8_t index_sha[32];
  if (!r.bytes(index_sha, 32)) return corrupt("truncated");

  auto index_file = MappedFile::open(path);
  if (!index_file) return index_file.error();
  const hash::Digests id = hash::compute_digests(index_file->bytes());
  if (std::memcmp(id.sha256.data(), index_sha, 32) != 0) return corrupt("index file does not belong to it");
  auto index = match::PdqIndex::load(path);
  if (!index) return index.error();

  std::uint64_t n_pdq = 0;
  if (!r.u64(n_pdq) || n_pdq > r.remaining() / 8) return corrupt("truncated");
  for (std::uint64_t i = 0; i < n_pdq; ++i) {
    std::uint64_t eid = 0;
    r.u64(eid);
    m.live.emplace(static_cast<std::int64_t>(eid), SignalType::pdq);
  }
  if (index->size() != n_pdq) return corrupt("index size does not match");
  m.pdq_live = n_pdq;
  std::uint64_t n_digests = 0;
  if (!r.u64(n_digests) || n_digests > r.remaining() / 10) return corrupt("truncated");
  for (std::uint64_t i = 0; i < n_digests; ++i) {
    std::uint64_t eid = 0;
    std::uint8_t type = 0, len = 0;
    std::uint8_t value[32];
    if (!r.u64(eid) || !r.u8(type) || !r.u8(len) || type < 1 || type > 3 || len > 32 ||
        !r.bytes(value, len)) {
      return corrupt("bad digest entry");
    }
    const auto t = static_cast<SignalType>(type);
    if (len * 2u != hex_length(t)) return corrupt("bad digest entry");
    if (!m.digests.add(digest_kind(t), std::span(value, len), eid)) return corrupt("bad digest entry");
    m.live.emplace(static_cast<std::int64_t>(eid), t);
    ++m.digest_live;
  }
  if (r.remaining() != 0) return corrupt("trailing data");
  m.pdq = std::move(*index);
  m.seq = static_cast<std::int64_t>(snap_seq);
  return m.load_banks();
}

}  // namespace baove::bank
