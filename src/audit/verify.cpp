// Verification of the whole log: every leaf, the chain, the Merkle roots at every checkpoint, the
// signatures, the stored tree state and the auditor's trusted checkpoints.
#include <algorithm>
#include <limits>
#include <set>

#include "audit/audit.hpp"
#include "audit/record.hpp"

namespace baove::audit {
namespace {

using store::Value;

// How far from its place an event is looked for when its leaf hash does not match, and for how
// many events that search is made (it costs 2 * kWindow hashes each).
constexpr std::int64_t kWindow = 32;
constexpr int kMaxSearches = 256;
constexpr std::int64_t kPage = 2000;

enum class Source { stored, trusted, state };

struct Target {
  std::uint64_t size;
  Hash root;
  Hash chain_head;
  Source source;
};

bool pinned(ProblemKind k) {
  switch (k) {
    case ProblemKind::modified:
    case ProblemKind::deleted:
    case ProblemKind::inserted:
    case ProblemKind::reordered:
    case ProblemKind::chain_broken:
    case ProblemKind::malformed:
      return true;
    default:
      return false;
  }
}

std::string range_text(std::int64_t a, std::int64_t b) {
  return a == b ? "event " + std::to_string(a) : "events " + std::to_string(a) + ".." + std::to_string(b);
}

class Verifier {
 public:
  Verifier(store::Connection& c, const PublicKey& key, const VerifyOptions& o)
      : c_(c), key_(key), options_(o) {}

  Result<VerifyReport> run() {
    BAOVE_TRY(load_targets());
    check_targets();  // checkpoints of the empty log
    BAOVE_TRY(scan());
    finish();
    return std::move(report_);
  }

 private:
  void add(ProblemKind kind, std::int64_t first, std::int64_t last, std::string detail) {
    problems_.push_back(Problem{kind, first, last, std::move(detail)});
  }

  Status load_targets() {
    auto rows = c_.query(
        "SELECT tree_size, time_us, root_hash, chain_head, signature, public_key FROM audit_checkpoints "
        "ORDER BY tree_size");
    if (!rows) return rows.error().with_context("audit verify: reading checkpoints");
    for (const auto& r : *rows) {
      ++report_.checkpoints;
      const auto size = detail::as_integer(r.value(0));
      const auto time = detail::as_integer(r.value(1));
      const auto root = detail::as_hash(r.value(2));
      const auto head = detail::as_hash(r.value(3));
      const store::Blob* sig = std::get_if<store::Blob>(&r.value(4));
      const std::int64_t at = size.value_or(0);
      if (!size || *size < 0 || !time || !root || !head || sig == nullptr || sig->size() != 64) {
        add(ProblemKind::bad_signature, at, at, "a stored checkpoint row is malformed");
        continue;
      }
      Checkpoint cp;
      cp.size = static_cast<std::uint64_t>(*size);
      cp.time = detail::from_micros(*time);
      cp.root = *root;
      cp.chain_head = *head;
      std::copy(sig->begin(), sig->end(), cp.signature.begin());
      if (!cp.signature_valid(key_)) {
        std::string why = "the stored checkpoint at size " + std::to_string(cp.size) + " has a bad signature";
        const store::Blob* pk = std::get_if<store::Blob>(&r.value(5));
        if (pk != nullptr && pk->size() == 32 && !std::equal(pk->begin(), pk->end(), key_.bytes.begin())) {
          PublicKey other;
          std::copy(pk->begin(), pk->end(), other.bytes.begin());
          why += " (it names signing key " + other.to_hex() + ", not the key given)";
        }
        add(ProblemKind::bad_signature, at, at, why);
        continue;
      }
      targets_.push_back(Target{cp.size, cp.root, cp.chain_head, Source::stored});
    }
    for (const Checkpoint& cp : options_.trusted) {
      ++report_.trusted;
      const auto at = static_cast<std::int64_t>(cp.size);
      if (!cp.signature_valid(key_)) {
        add(ProblemKind::bad_signature, at, at,
            "the trusted checkpoint at size " + std::to_string(cp.size) + " has a bad signature");
        continue;
      }
      targets_.push_back(Target{cp.size, cp.root, cp.chain_head, Source::trusted});
    }
    auto state = c_.query("SELECT size, chain_head, frontier FROM audit_tree WHERE id = 1");
    if (!state) return state.error().with_context("audit verify: reading the tree state");
    bool state_ok = false;
    if (state->size() == 1) {
      const store::Row& r = state->front();
      const auto size = detail::as_integer(r.value(0));
      const auto head = detail::as_hash(r.value(1));
      const store::Blob* frontier = std::get_if<store::Blob>(&r.value(2));
      if (size && *size >= 0 && head && frontier != nullptr) {
        auto tree = CompactTree::restore(static_cast<std::uint64_t>(*size), *frontier);
        if (tree) {
          targets_.push_back(Target{tree->size(), tree->root(), *head, Source::state});
          state_ok = true;
        }
      }
    }
    if (!state_ok)
      add(ProblemKind::tree_state_mismatch, 1, 1, "the stored tree state is missing or malformed");
    std::stable_sort(targets_.begin(), targets_.end(),
                     [](const Target& a, const Target& b) { return a.size < b.size; });
    return {};
  }

  // The sequence number the record's leaf hash was computed with, looked for near `expected`.
  std::optional<std::int64_t> find_written_seq(const detail::Record& rec, const Hash& stored,
                                               std::int64_t expected) {
    if (searches_ >= kMaxSearches) return std::nullopt;
    ++searches_;
    for (std::int64_t d = 1; d <= kWindow; ++d) {
      for (std::int64_t k : {expected + d, expected - d}) {
        if (k >= 1 && leaf_hash(detail::canonical_bytes(k, rec)) == stored) return k;
      }
    }
    return std::nullopt;
  }

  Result<std::optional<detail::RawRow>> fetch(std::int64_t seq) {
    const std::string sql =
        "SELECT " + std::string(detail::kEventColumns) + " FROM audit_events WHERE seq = $1";
    const Value params[] = {seq};
    auto rows = c_.query(sql, params);
    if (!rows) return rows.error().with_context("audit verify: reading event");
    if (rows->empty()) return std::optional<detail::RawRow>();
    return detail::read_row(rows->front());
  }

  Status check_row(const detail::RawRow& row) {
    const std::int64_t s = row.seq;
    bool anomaly = false;
    if (s > expected_) {
      add(ProblemKind::deleted, expected_, s - 1,
          range_text(expected_, s - 1) + " missing (sequence jumps to " + std::to_string(s) + ")");
      anomaly = true;
    }
    const Hash leaf = leaf_hash(detail::canonical_bytes(s, row.record));
    bool content_ok = false;
    if (!row.problem.empty()) {
      add(ProblemKind::malformed, s, s, "event " + std::to_string(s) + ": " + row.problem);
      anomaly = true;
    } else if (leaf == row.leaf) {
      content_ok = true;
    } else if (shift_ != 0 && leaf_hash(detail::canonical_bytes(s + shift_, row.record)) == row.leaf) {
      content_ok = true;  // consistent with the renumbering already reported
    } else if (explained_.count(s) != 0) {
      anomaly = true;
    } else {
      anomaly = true;
      BAOVE_TRY(classify(row));
    }
    if (content_ok && !anomaly && !previous_anomaly_ &&
        row.chain != detail::chain_next(previous_chain_, row.leaf)) {
      add(ProblemKind::chain_broken, s, s,
          "event " + std::to_string(s) + ": stored chain hash does not follow from the previous event's");
      anomaly = true;
    }
    previous_chain_ = row.chain;
    previous_anomaly_ = anomaly;

    chain_ = detail::chain_next(chain_, leaf);
    tree_.append(leaf);
    check_targets();
    expected_ = s + 1;
    return {};
  }

  Status classify(const detail::RawRow& row) {
    const std::int64_t s = row.seq;
    const auto k = find_written_seq(row.record, row.leaf, s + shift_);
    if (!k) {
      add(ProblemKind::modified, s, s, "event " + std::to_string(s) + ": fields do not match its leaf hash");
      return {};
    }
    if (*k > s) {
      // Written as a later event. Either it swapped places with that event, or the events before
      // it were removed and the rest renumbered.
      auto other = fetch(*k);
      if (!other) return other.error();
      if (*other && (*other)->problem.empty() &&
          leaf_hash(detail::canonical_bytes(s, (*other)->record)) == (*other)->leaf) {
        add(ProblemKind::reordered, s, *k,
            "events " + std::to_string(s) + " and " + std::to_string(*k) + " hold each other's places");
        explained_.insert(*k);
        return {};
      }
      const std::int64_t missing = *k - (s + shift_);
      add(ProblemKind::deleted, s, s + missing - 1,
          std::to_string(missing) + " event(s) removed before event " + std::to_string(s) +
              " and the later events renumbered (it was written as event " + std::to_string(*k) + ")");
      shift_ = *k - s;
      return {};
    }
    // Written as an earlier event: rows were slipped in before it.
    const std::int64_t extra = (s + shift_) - *k;
    add(ProblemKind::inserted, s - extra, s - 1,
        range_text(s - extra, s - 1) + " inserted (event " + std::to_string(s) + " was written as event " +
            std::to_string(*k) + ")");
    shift_ = *k - s;
    return {};
  }

  void check_targets() {
    const std::uint64_t n = tree_.size();
    while (next_target_ < targets_.size() && targets_[next_target_].size <= n) {
      const Target& t = targets_[next_target_++];
      if (t.size < n) continue;  // only size 0, before any event
      compare(t, tree_.root(), chain_);
    }
  }

  void compare(const Target& t, const Hash& root, const Hash& chain) {
    const auto size = static_cast<std::int64_t>(t.size);
    if (t.root == root && t.chain_head == chain) {
      last_good_ = std::max(last_good_, size);
      return;
    }
    const std::int64_t lo = std::min(last_good_ + 1, size);
    const std::string what = t.root != root ? "Merkle root" : "chain head";
    switch (t.source) {
      case Source::stored:
        add(ProblemKind::checkpoint_mismatch, lo, size,
            "the " + what + " of the first " + std::to_string(size) +
                " events differs from the signed checkpoint: " + range_text(lo, size) + " changed");
        break;
      case Source::trusted:
        add(ProblemKind::rollback, lo, size,
            "the log diverges from the trusted checkpoint at size " + std::to_string(size) + " (" + what +
                " differs): rolled back or rewritten within " + range_text(lo, size));
        break;
      case Source::state:
        add(ProblemKind::tree_state_mismatch, lo, size,
            "the stored tree state's " + what + " differs from the events");
        break;
    }
  }

  Status scan() {
    std::int64_t after = std::numeric_limits<std::int64_t>::min();
    const std::string sql = "SELECT " + std::string(detail::kEventColumns) +
                            " FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2";
    while (true) {
      const Value params[] = {after, kPage};
      auto rows = c_.query(sql, params);
      if (!rows) return rows.error().with_context("audit verify: reading events");
      for (const auto& r : *rows) {
        auto row = detail::read_row(r);
        if (!row)
          return make_error(ErrorCode::corrupt, "audit verify: an event row has no usable sequence number");
        after = row->seq;
        ++report_.events;
        if (row->seq < 1) {
          add(ProblemKind::inserted, row->seq, row->seq,
              "event " + std::to_string(row->seq) + " has a sequence number the log never gives");
          continue;
        }
        BAOVE_TRY(check_row(*row));
      }
      if (static_cast<std::int64_t>(rows->size()) < kPage) break;
    }
    return {};
  }

  void finish() {
    const auto n = static_cast<std::int64_t>(tree_.size());
    for (; next_target_ < targets_.size(); ++next_target_) {
      const Target& t = targets_[next_target_];
      const auto size = static_cast<std::int64_t>(t.size);
      if (t.source == Source::trusted) {
        add(ProblemKind::rollback, n + 1, size,
            "the log holds " + std::to_string(n) + " events but a trusted checkpoint holds " +
                std::to_string(size) + ": truncated or rolled back");
      } else {
        add(ProblemKind::truncated, n + 1, size,
            "the log holds " + std::to_string(n) + " events but its " +
                (t.source == Source::state ? "tree state" : "signed checkpoint") + " records " +
                std::to_string(size) + ": " + range_text(n + 1, size) + " missing");
      }
    }
    // Rows past the size the tree state records were not written by append().
    for (const Target& t : targets_) {
      if (t.source == Source::state && static_cast<std::int64_t>(t.size) < n) {
        const auto first = static_cast<std::int64_t>(t.size) + 1;
        add(ProblemKind::inserted, first, n,
            range_text(first, n) + " lie beyond the size the tree state records (" + std::to_string(t.size) +
                ")");
      }
    }
    report_.root = tree_.root();
    report_.chain_head = chain_;

    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      if (a.seq != b.seq) return a.seq < b.seq;
      return pinned(a.kind) && !pinned(b.kind);
    });
    problems_.erase(std::unique(problems_.begin(), problems_.end(),
                                [](const Problem& a, const Problem& b) {
                                  return a.kind == b.kind && a.seq == b.seq && a.last_seq == b.last_seq &&
                                         a.detail == b.detail;
                                }),
                    problems_.end());
    report_.problems_total = problems_.size();
    if (problems_.size() > options_.max_problems) problems_.resize(options_.max_problems);
    report_.problems = std::move(problems_);
  }

  store::Connection& c_;
  const PublicKey& key_;
  const VerifyOptions& options_;
  VerifyReport report_;
  std::vector<Problem> problems_;
  std::vector<Target> targets_;
  std::size_t next_target_ = 0;
  std::int64_t last_good_ = 0;

  std::int64_t expected_ = 1;
  std::int64_t shift_ = 0;  // written seq minus current seq, once a renumbering was found
  std::set<std::int64_t> explained_;
  int searches_ = 0;
  Hash previous_chain_{};
  bool previous_anomaly_ = false;
  Hash chain_{};
  CompactTree tree_;
};

}  // namespace

const char* to_string(ProblemKind k) noexcept {
  switch (k) {
    case ProblemKind::modified:
      return "modified";
    case ProblemKind::deleted:
      return "deleted";
    case ProblemKind::inserted:
      return "inserted";
    case ProblemKind::reordered:
      return "reordered";
    case ProblemKind::chain_broken:
      return "chain_broken";
    case ProblemKind::malformed:
      return "malformed";
    case ProblemKind::truncated:
      return "truncated";
    case ProblemKind::rollback:
      return "rollback";
    case ProblemKind::checkpoint_mismatch:
      return "checkpoint_mismatch";
    case ProblemKind::bad_signature:
      return "bad_signature";
    case ProblemKind::tree_state_mismatch:
      return "tree_state_mismatch";
  }
  return "unknown";
}

const Problem* VerifyReport::first() const {
  if (problems.empty()) return nullptr;
  const Problem* best = &problems.front();
  if (pinned(best->kind)) return best;
  // A range problem: prefer a problem pinned to events that lies inside it.
  for (const Problem& p : problems) {
    if (p.seq > best->last_seq) break;
    if (pinned(p.kind)) return &p;
  }
  return best;
}

Result<VerifyReport> verify(store::Connection& c, const PublicKey& key, const VerifyOptions& options) {
  Verifier v(c, key, options);
  return v.run();
}

}  // namespace baove::audit
