// Answers "is this known?" against the enabled banks.
//
// A Matcher holds the live entries (enabled entries of enabled banks in its scope) of a
// BankStore in memory: PDQ hashes in a match::PdqIndex (range search by Hamming distance),
// MD5/SHA-1/SHA-256 in a match::DigestIndex (exact). refresh() applies only what changed in the
// store since the Matcher last looked (adds, disables, enables, removals, whole banks turned on
// or off), so a server that calls it every second sees every change within a second without
// rebuilding. save_snapshot() / load_snapshot() write and read the index (PdqIndex::save) with
// the change sequence it reflects, for a fast start.
//
// Results carry the entry id, bank, distance, classification and source, read from the store
// when the match is found, so that a false positive can be traced and disabled. An entry
// disabled in the store is never reported, even before the next refresh.
//
// Thread safety: match_*() may run from any number of threads at once, concurrently with one
// refresh() or save_snapshot(); refresh() calls are serialised internally. The store must
// outlive the Matcher.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bank/bank.hpp"
#include "bank/store.hpp"
#include "hash/hasher.hpp"
#include "hash/pdq.hpp"
#include "util/result.hpp"

namespace baove::bank {

struct Match {
  Entry entry;       // the bank entry: id, type, value, classification, source, note, added time
  std::string bank;  // the bank's name
  int distance = 0;  // PDQ: Hamming distance to the query (0..256); digests: 0
  int variant = -1;  // match_pdq_dihedral: which query variant (0..7) matched closest; else -1
};

// Everything known about one thing being looked up (an upload, a line of a hash file).
struct Query {
  // No PDQ (empty), its PDQ hash, or its 8 dihedral variants (matches then say which).
  std::vector<hash::PdqHash> pdq;
  std::optional<int> pdq_quality;  // 0..100 when known
  // md5 / sha1 / sha256 values in hex; pdq values here are ignored (put them in `pdq`).
  std::vector<std::pair<SignalType, std::string>> digests;
};

// The query of an image hashed by hash::hash_file: its PDQ hash (all 8 variants when the
// dihedral hashes were computed and `dihedral` is set) with its quality, and its digests.
Query query_from_hashes(const hash::FileHashes& hashes, bool dihedral);

struct QueryMatch {
  SignalType type = SignalType::pdq;  // which of the query's signals matched
  bool low_quality = false;           // a PDQ match for a hash of quality below kPdqMinQuality
  Match match;
};

class Matcher {
 public:
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Loads every live entry of the banks in scope.
  static Result<std::unique_ptr<Matcher>> load(BankStore& store, BankScope scope = {});

  // Loads from a snapshot written by save_snapshot() (files `path` and `path`.meta), then
  // applies the store's later changes. When the snapshot is missing, damaged, from another
  // database or scope, or ahead of the store, loads from the store instead and, if
  // `fallback_reason` is given, says why there.
  static Result<std::unique_ptr<Matcher>> load_snapshot(BankStore& store, BankScope scope,
                                                        const std::filesystem::path& path,
                                                        std::string* fallback_reason = nullptr);

  // Writes the current state atomically (each file replaced whole).
  Status save_snapshot(const std::filesystem::path& path) const;

  // Applies every change committed to the store since the last load or refresh. Returns the
  // number of entry changes applied.
  Result<std::size_t> refresh();

  // Entries within `radius` (0..64) of `query`, by distance then entry id.
  Result<std::vector<Match>> match_pdq(const hash::PdqHash& query, int radius) const;
  // As match_pdq for several variants of one image (its 8 dihedral hashes): each entry once, at
  // its smallest distance, with the index of the variant that gave it.
  Result<std::vector<Match>> match_pdq_variants(std::span<const hash::PdqHash> variants, int radius) const;
  // Entries holding exactly this digest (`hex` in either case). invalid_argument for a pdq type
  // or a malformed value.
  Result<std::vector<Match>> match_digest(SignalType type, std::string_view hex) const;

  // All matches of a query: PDQ matches (by distance, then entry id), then digest matches in
  // the order of query.digests. Low-quality PDQ hashes are answered, their matches flagged.
  Result<std::vector<QueryMatch>> match(const Query& query, int radius) const;

  std::int64_t change_seq() const;   // the store change the Matcher reflects
  std::size_t pdq_count() const;     // live PDQ entries
  std::size_t digest_count() const;  // live digest entries

 private:
  struct Impl;
  explicit Matcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace baove::bank
