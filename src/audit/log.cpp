// Schema, appends, checkpoints and proofs over the stored log.
#include <algorithm>

#include "audit/audit.hpp"
#include "audit/record.hpp"

namespace baove::audit {
namespace {

using store::Value;

constexpr std::string_view kSchemaSqlite = R"sql(
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  time_us INTEGER NOT NULL,
  actor TEXT NOT NULL,
  unit TEXT NOT NULL,
  roles TEXT NOT NULL,
  session_hash TEXT NOT NULL,
  address TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  fields TEXT NOT NULL,
  row_count INTEGER,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  leaf_hash BLOB NOT NULL,
  chain_hash BLOB NOT NULL
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_address ON audit_events (address, seq);
CREATE INDEX audit_events_time ON audit_events (time_us);
CREATE TABLE audit_tree (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  chain_head BLOB NOT NULL,
  frontier BLOB NOT NULL
);
INSERT INTO audit_tree (id, size, chain_head, frontier) VALUES (1, 0, zeroblob(32), zeroblob(0));
CREATE TABLE audit_checkpoints (
  tree_size INTEGER PRIMARY KEY,
  time_us INTEGER NOT NULL,
  root_hash BLOB NOT NULL,
  chain_head BLOB NOT NULL,
  signature BLOB NOT NULL,
  public_key BLOB NOT NULL
);
)sql";

constexpr std::string_view kSchemaPostgres = R"sql(
CREATE TABLE audit_events (
  seq BIGINT PRIMARY KEY,
  time_us BIGINT NOT NULL,
  actor TEXT NOT NULL,
  unit TEXT NOT NULL,
  roles TEXT NOT NULL,
  session_hash TEXT NOT NULL,
  address TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  fields TEXT NOT NULL,
  row_count BIGINT,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  leaf_hash BYTEA NOT NULL,
  chain_hash BYTEA NOT NULL
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_address ON audit_events (address, seq);
CREATE INDEX audit_events_time ON audit_events (time_us);
CREATE TABLE audit_tree (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size BIGINT NOT NULL,
  chain_head BYTEA NOT NULL,
  frontier BYTEA NOT NULL
);
INSERT INTO audit_tree (id, size, chain_head, frontier) VALUES (1, 0, decode(repeat('00', 32), 'hex'), ''::bytea);
CREATE TABLE audit_checkpoints (
  tree_size BIGINT PRIMARY KEY,
  time_us BIGINT NOT NULL,
  root_hash BYTEA NOT NULL,
  chain_head BYTEA NOT NULL,
  signature BYTEA NOT NULL,
  public_key BYTEA NOT NULL
);
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "audit log: events, tree state, checkpoints", kSchemaSqlite, kSchemaPostgres},
};

struct TreeState {
  std::int64_t size = 0;
  Hash chain_head{};
  CompactTree tree;
};

// Reads the single tree-state row; on PostgreSQL it is locked until the transaction ends.
Result<TreeState> read_tree_state(store::Connection& c, bool lock) {
  const std::string_view sql =
      (lock && c.engine() == store::Engine::postgresql)
          ? "SELECT size, chain_head, frontier FROM audit_tree WHERE id = 1 FOR UPDATE"
          : "SELECT size, chain_head, frontier FROM audit_tree WHERE id = 1";
  auto rows = c.query(sql);
  if (!rows) return rows.error().with_context("audit: reading the tree state");
  if (rows->size() != 1)
    return make_error(ErrorCode::corrupt, "audit: the tree state row is missing (not migrated?)");
  const store::Row& r = rows->front();
  const auto size = detail::as_integer(r.value(0));
  const auto head = detail::as_hash(r.value(1));
  const store::Blob* frontier = std::get_if<store::Blob>(&r.value(2));
  if (!size || *size < 0 || !head || frontier == nullptr) {
    return make_error(ErrorCode::corrupt, "audit: the tree state row is malformed");
  }
  auto tree = CompactTree::restore(static_cast<std::uint64_t>(*size), *frontier);
  if (!tree) return tree.error().with_context("audit: tree state");
  return TreeState{*size, *head, std::move(*tree)};
}

Result<std::optional<Checkpoint>> latest_checkpoint(store::Connection& c) {
  auto rows = c.query(
      "SELECT tree_size, time_us, root_hash, chain_head, signature FROM audit_checkpoints "
      "ORDER BY tree_size DESC LIMIT 1");
  if (!rows) return rows.error().with_context("audit: reading checkpoints");
  if (rows->empty()) return std::optional<Checkpoint>();
  const store::Row& r = rows->front();
  const auto size = detail::as_integer(r.value(0));
  const auto time = detail::as_integer(r.value(1));
  const auto root = detail::as_hash(r.value(2));
  const auto head = detail::as_hash(r.value(3));
  const store::Blob* sig = std::get_if<store::Blob>(&r.value(4));
  if (!size || *size < 0 || !time || !root || !head || sig == nullptr || sig->size() != 64) {
    return make_error(ErrorCode::corrupt, "audit: a checkpoint row is malformed");
  }
  Checkpoint cp;
  cp.size = static_cast<std::uint64_t>(*size);
  cp.time = detail::from_micros(*time);
  cp.root = *root;
  cp.chain_head = *head;
  std::copy(sig->begin(), sig->end(), cp.signature.begin());
  return std::optional<Checkpoint>(cp);
}

Result<std::vector<Hash>> stored_leaves(store::Connection& c, std::uint64_t count) {
  std::vector<Hash> leaves;
  leaves.reserve(count);
  std::int64_t after = 0;
  while (leaves.size() < count) {
    const Value params[] = {after,
                            static_cast<std::int64_t>(std::min<std::uint64_t>(count - leaves.size(), 10000))};
    auto rows =
        c.query("SELECT seq, leaf_hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2", params);
    if (!rows) return rows.error().with_context("audit: reading leaf hashes");
    if (rows->empty()) break;
    for (const auto& r : *rows) {
      const auto seq = detail::as_integer(r.value(0));
      const auto h = detail::as_hash(r.value(1));
      if (!seq || !h || *seq != static_cast<std::int64_t>(leaves.size()) + 1) {
        return make_error(ErrorCode::corrupt, "audit: the log is damaged near event " +
                                                  std::to_string(leaves.size() + 1) + "; run verify");
      }
      leaves.push_back(*h);
      after = *seq;
    }
  }
  if (leaves.size() < count) {
    return make_error(ErrorCode::invalid_argument, "audit: the log holds only " +
                                                       std::to_string(leaves.size()) + " events, not " +
                                                       std::to_string(count));
  }
  return leaves;
}

}  // namespace

Status migrate(store::Connection& c) { return store::migrate(c, "audit", kMigrations); }

Log::Log(SigningKey key, LogOptions options) : key_(std::move(key)), options_(std::move(options)) {}

Result<std::int64_t> Log::append(store::Connection& tx, const Event& e) const {
  auto event = normalize(e);
  if (!event) return event.error().with_context("audit event");
  auto state = read_tree_state(tx, true);
  if (!state) return state.error();
  const std::int64_t seq = state->size + 1;
  const detail::Record rec = detail::to_record(*event);
  const Hash leaf = leaf_hash(detail::canonical_bytes(seq, rec));
  const Hash chain = detail::chain_next(state->chain_head, leaf);
  state->tree.append(leaf);

  const Value row[] = {seq,
                       rec.time_us,
                       rec.actor,
                       rec.unit,
                       rec.roles,
                       rec.session_hash,
                       rec.address,
                       rec.action,
                       rec.object_type,
                       rec.object_id,
                       rec.fields,
                       rec.row_count ? Value(*rec.row_count) : Value(),
                       rec.outcome,
                       rec.reason,
                       detail::to_blob(leaf),
                       detail::to_blob(chain)};
  auto inserted = tx.execute(
      "INSERT INTO audit_events (seq, time_us, actor, unit, roles, session_hash, address, action, "
      "object_type, "
      "object_id, fields, row_count, outcome, reason, leaf_hash, chain_hash) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
      row);
  if (!inserted) return inserted.error().with_context("audit: writing event");

  const Value update[] = {seq, detail::to_blob(chain), state->tree.frontier_bytes(), state->size};
  auto updated = tx.execute(
      "UPDATE audit_tree SET size = $1, chain_head = $2, frontier = $3 WHERE id = 1 AND size = $4", update);
  if (!updated) return updated.error().with_context("audit: updating the tree state");
  if (*updated != 1) {
    return make_error(ErrorCode::conflict,
                      "audit: the tree state changed under this transaction (append outside a transaction?)");
  }
  return seq;
}

Result<Checkpoint> Log::checkpoint(store::Connection& c, Timestamp now) const {
  store::Transaction tx(c);
  if (!tx.started()) return tx.started().error().with_context("audit: checkpoint");
  auto state = read_tree_state(c, true);
  if (!state) return state.error();
  auto latest = latest_checkpoint(c);
  if (!latest) return latest.error();
  if (*latest && (*latest)->size >= static_cast<std::uint64_t>(state->size)) return **latest;

  Checkpoint cp;
  cp.size = static_cast<std::uint64_t>(state->size);
  cp.root = state->tree.root();
  cp.chain_head = state->chain_head;
  cp.time = now;
  cp.signature = key_.sign(cp.signed_message());
  const Value row[] = {state->size,
                       detail::to_micros(now),
                       detail::to_blob(cp.root),
                       detail::to_blob(cp.chain_head),
                       store::Blob(cp.signature.begin(), cp.signature.end()),
                       store::Blob(public_key().bytes.begin(), public_key().bytes.end())};
  auto inserted = c.execute(
      "INSERT INTO audit_checkpoints (tree_size, time_us, root_hash, chain_head, signature, public_key) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      row);
  if (!inserted) return inserted.error().with_context("audit: writing checkpoint");
  // The file is written before the commit: a checkpoint in the file but not in the database (the
  // commit failed) still truthfully describes the log, while the reverse would leave a gap.
  if (!options_.checkpoint_file.empty())
    BAOVE_TRY(detail::append_checkpoint_line(options_.checkpoint_file, cp));
  auto committed = tx.commit();
  if (!committed) return committed.error().with_context("audit: committing checkpoint");
  return cp;
}

Result<std::optional<Checkpoint>> Log::maybe_checkpoint(store::Connection& c, Timestamp now) const {
  // A cheap look without a write lock first: most calls find nothing to do.
  auto state = read_tree_state(c, false);
  if (!state) return state.error();
  auto latest = latest_checkpoint(c);
  if (!latest) return latest.error();
  if (*latest) {
    if ((*latest)->size >= static_cast<std::uint64_t>(state->size)) return std::optional<Checkpoint>();
    if (now - (*latest)->time < options_.interval) return std::optional<Checkpoint>();
  } else if (state->size == 0) {
    return std::optional<Checkpoint>();
  }
  auto cp = checkpoint(c, now);
  if (!cp) return cp.error();
  return std::optional<Checkpoint>(*cp);
}

Result<std::vector<Checkpoint>> checkpoints(store::Connection& c) {
  auto rows = c.query(
      "SELECT tree_size, time_us, root_hash, chain_head, signature FROM audit_checkpoints ORDER BY "
      "tree_size");
  if (!rows) return rows.error().with_context("audit: reading checkpoints");
  std::vector<Checkpoint> out;
  for (const auto& r : *rows) {
    const auto size = detail::as_integer(r.value(0));
    const auto time = detail::as_integer(r.value(1));
    const auto root = detail::as_hash(r.value(2));
    const auto head = detail::as_hash(r.value(3));
    const store::Blob* sig = std::get_if<store::Blob>(&r.value(4));
    if (!size || *size < 0 || !time || !root || !head || sig == nullptr || sig->size() != 64) {
      return make_error(ErrorCode::corrupt, "audit: a checkpoint row is malformed");
    }
    Checkpoint cp;
    cp.size = static_cast<std::uint64_t>(*size);
    cp.time = detail::from_micros(*time);
    cp.root = *root;
    cp.chain_head = *head;
    std::copy(sig->begin(), sig->end(), cp.signature.begin());
    out.push_back(cp);
  }
  return out;
}

Result<std::vector<Hash>> prove_inclusion(store::Connection& c, std::int64_t seq, std::uint64_t tree_size) {
  if (seq < 1 || static_cast<std::uint64_t>(seq) > tree_size) {
    return make_error(ErrorCode::invalid_argument, "audit: event " + std::to_string(seq) +
                                                       " is not in a tree of " + std::to_string(tree_size));
  }
  auto leaves = stored_leaves(c, tree_size);
  if (!leaves) return leaves.error();
  return inclusion_proof(*leaves, static_cast<std::uint64_t>(seq - 1));
}

Result<std::vector<Hash>> prove_consistency(store::Connection& c, std::uint64_t old_size,
                                            std::uint64_t new_size) {
  if (old_size == 0 || old_size > new_size) {
    return make_error(ErrorCode::invalid_argument, "audit: no consistency proof from size " +
                                                       std::to_string(old_size) + " to " +
                                                       std::to_string(new_size));
  }
  auto leaves = stored_leaves(c, new_size);
  if (!leaves) return leaves.error();
  return consistency_proof(*leaves, old_size);
}

}  // namespace baove::audit
