// The tamper-evident audit log: every access to personal data or evidence becomes one event,
// appended in the same database transaction as the access, chained by hash and collected into an
// RFC 6962 Merkle tree whose root is signed (Ed25519) at least every minute. See docs/AUDIT.md.
//
// Events hold identifiers, never content: who (user, unit, roles, a keyed hash of the session),
// from where (IP address), when, what (action, object type and id, the names of the fields or
// the number of rows returned), the outcome and a short reason code. append() rejects values that
// do not look like identifiers (see validate()).
//
// Schema: migrate() creates audit_events, audit_tree (the single row holding the tree's size,
// frontier and chain head) and audit_checkpoints, on SQLite and on PostgreSQL.
//
// Concurrency: append() reads and rewrites the audit_tree row inside the caller's transaction.
// On SQLite the store's BEGIN IMMEDIATE makes writers take turns; on PostgreSQL append() locks the
// row with SELECT ... FOR UPDATE, so concurrent appenders wait for each other's commit. Either
// way sequence numbers are contiguous and the chain follows commit order.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/merkle.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace baove::audit {

// UTC, microseconds since the Unix epoch.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

enum class Action {
  read,         // "read": one record was shown
  search,       // "search": a list or search returned rows
  export_data,  // "export": data left the system as a file
  create,       // "create"
  update,       // "update"
  remove,       // "delete"
  login,        // "login"
  logout,       // "logout"
  download,     // "download": evidence or an attachment was fetched
  share,        // "share": sent to a partner (referral, takedown request)
  approve,      // "approve": a decision such as a case closure
};
const char* to_string(Action a) noexcept;
std::optional<Action> parse_action(std::string_view s) noexcept;

enum class Outcome { allowed, denied, error };
const char* to_string(Outcome o) noexcept;
std::optional<Outcome> parse_outcome(std::string_view s) noexcept;

// Limits enforced by validate(). Identifiers are printable ASCII from [A-Za-z0-9._:-]; names
// (roles, object types, field names) from [a-z0-9._-].
inline constexpr std::size_t kMaxIdLength = 64;
inline constexpr std::size_t kMaxObjectIdLength = 128;
inline constexpr std::size_t kMaxNameLength = 64;
inline constexpr std::size_t kMaxRoles = 16;
inline constexpr std::size_t kMaxFields = 64;
inline constexpr std::size_t kMaxReasonLength = 200;

struct Event {
  std::string actor;               // user or API-client id; "" for an anonymous member of the public
  std::string unit;                // the actor's unit id, or ""
  std::vector<std::string> roles;  // role names the request ran with
  std::string session_hash;        // SessionHasher::hash() of the session token (64 hex), or ""
  std::string address;             // client IP address (IPv4 or IPv6), or "" when there is none
  Timestamp time{};                // when the access happened (UTC)
  Action action = Action::read;
  std::string object_type;                // e.g. "case", "report", "evidence"; "" for login/logout
  std::string object_id;                  // the record's identifier, or "" for a search
  std::vector<std::string> fields;        // names of the fields returned or changed
  std::optional<std::int64_t> row_count;  // rows returned by a search or export
  Outcome outcome = Outcome::allowed;
  std::string reason;  // a short code or note (<= 200 bytes of UTF-8), never content

  bool operator==(const Event&) const = default;
};

// An event as stored, with its place in the log.
struct StoredEvent {
  std::int64_t seq = 0;  // 1, 2, 3, ...: leaf number seq - 1 of the Merkle tree
  Event event;
  Hash leaf_hash{};   // SHA-256(0x00 || serialize(seq, event))
  Hash chain_hash{};  // SHA-256(chain_hash of seq - 1 || leaf_hash); 32 zero bytes before seq 1
};

// Checks every field against the limits above; the error names the field (never its value).
// An address is also brought to its canonical text form by normalize().
Status validate(const Event& e);
// The event with its address in canonical form (inet_ntop of inet_pton), or the validation error.
Result<Event> normalize(Event e);

// The canonical, unambiguous bytes hashed into the log: a version byte 0x01, the sequence number
// (8 bytes, big-endian), the time (8 bytes, big-endian, microseconds), then each text field as a
// 4-byte big-endian length and its bytes and each list as a 4-byte count and its items, in the
// order of struct Event; row_count is a presence byte and, when present, 8 bytes.
std::vector<std::uint8_t> serialize(std::int64_t seq, const Event& e);

// Hashes session tokens with a keyed BLAKE2b-256 so that audit rows can link the requests of one
// session without holding anything that could be replayed.
class SessionHasher {
 public:
  explicit SessionHasher(std::span<const std::uint8_t, 32> key);
  SessionHasher(const SessionHasher&) = default;
  SessionHasher& operator=(const SessionHasher&) = default;
  ~SessionHasher();
  // Loads the 32-byte key from `path`, creating it (mode 0600, random) when the file is missing.
  // Fails when the file is readable by group or others, or is not a key.
  static Result<SessionHasher> load_or_create(const std::filesystem::path& path);
  // 64 lower-case hex digits.
  std::string hash(std::string_view session_token) const;

 private:
  std::array<std::uint8_t, 32> key_;
};

struct PublicKey {
  std::array<std::uint8_t, 32> bytes{};
  std::string to_hex() const;                               // 64 hex digits: what auditors are given
  static Result<PublicKey> from_hex(std::string_view hex);  // surrounding whitespace is ignored
  bool operator==(const PublicKey&) const = default;
};

using Signature = std::array<std::uint8_t, 64>;

// An Ed25519 signing key (libsodium). Move-only; the secret is wiped when the object dies.
class SigningKey {
 public:
  // A fresh random key held only in memory.
  static SigningKey generate();
  // Loads the key file at `path` (64 hex digits of the seed), creating it with mode 0600 when
  // missing; the parent directory must exist. Fails when the file is readable by group or
  // others, or does not hold a key. Safe when several processes race to create it.
  static Result<SigningKey> load_or_create(const std::filesystem::path& path);

  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  const PublicKey& public_key() const { return public_; }
  Signature sign(std::span<const std::uint8_t> message) const;

 private:
  SigningKey() = default;
  std::array<std::uint8_t, 64> secret_{};
  PublicKey public_;
};

// A signed statement of the log's state: its size, Merkle root and chain head at a time.
struct Checkpoint {
  std::uint64_t size = 0;
  Hash root{};
  Hash chain_head{};
  Timestamp time{};
  Signature signature{};

  // The bytes signed: "baove.audit.checkpoint.v1", size (8 bytes BE), root, chain head,
  // time (8 bytes BE, microseconds).
  std::vector<std::uint8_t> signed_message() const;
  bool signature_valid(const PublicKey& key) const;
  // One line of the checkpoint file, without the newline:
  //   baove-audit-checkpoint/1 SIZE TIME_US ROOT_HEX CHAIN_HEX SIGNATURE_HEX
  std::string to_line() const;
  // Parses to_line()'s format strictly; the error says what is wrong.
  static Result<Checkpoint> from_line(std::string_view line);
  bool operator==(const Checkpoint&) const = default;
};

// Parses a checkpoint file (one checkpoint a line; empty lines ignored). A malformed line fails
// the whole file, naming the line. Files over 64 MiB are refused.
Result<std::vector<Checkpoint>> parse_checkpoint_file(std::string_view text);
Result<std::vector<Checkpoint>> read_checkpoint_file(const std::filesystem::path& path);

// Creates or upgrades the audit tables (component "audit").
Status migrate(store::Connection& c);

struct LogOptions {
  // Every checkpoint is also appended to this file (one line each, fsync'd). Empty: database only.
  std::filesystem::path checkpoint_file;
  // maybe_checkpoint() signs when the latest checkpoint is at least this old and the log grew.
  std::chrono::microseconds interval = std::chrono::seconds(60);
};

class Log {
 public:
  Log(SigningKey key, LogOptions options);

  // Appends `e` inside the transaction open on `tx` (begun by the caller, who commits; if the
  // caller rolls back, the event disappears with the access it records). Returns the event's
  // sequence number. Fails with invalid_argument when validate() fails, and with the store's
  // error otherwise; the caller must then fail the request. Cost: three statements.
  Result<std::int64_t> append(store::Connection& tx, const Event& e) const;

  // Signs and stores a checkpoint when the log has grown since the latest one and that one is at
  // least options.interval old (or there is none). Call it every few seconds, outside any open
  // transaction (it runs its own; the check itself takes no write lock). Returns the checkpoint
  // written, if any.
  Result<std::optional<Checkpoint>> maybe_checkpoint(store::Connection& c, Timestamp now) const;
  // Signs a checkpoint of the current state now unless the latest one already covers it, which is
  // then returned. Runs its own transaction.
  Result<Checkpoint> checkpoint(store::Connection& c, Timestamp now) const;

  const PublicKey& public_key() const { return key_.public_key(); }

 private:
  SigningKey key_;
  LogOptions options_;
};

// Stored checkpoints, smallest size first.
Result<std::vector<Checkpoint>> checkpoints(store::Connection& c);

// The audit path of event `seq` in the tree of the first `tree_size` events, from the stored leaf
// hashes, for verify_inclusion(leaf_hash, seq - 1, tree_size, path, root).
Result<std::vector<Hash>> prove_inclusion(store::Connection& c, std::int64_t seq, std::uint64_t tree_size);
// A consistency proof between two sizes of the log, for verify_consistency().
Result<std::vector<Hash>> prove_consistency(store::Connection& c, std::uint64_t old_size,
                                            std::uint64_t new_size);

// ---- Verification ----

enum class ProblemKind {
  modified,             // the event's fields no longer hash to its leaf hash
  deleted,              // an event is missing (a gap, or later events renumbered over it)
  inserted,             // an event that was not written by the log sits in it
  reordered,            // events hold each other's places
  chain_broken,         // the stored chain hash does not follow from the previous one
  malformed,            // a row with a missing or mistyped column
  truncated,            // the log ends before the size its own tree state or checkpoints record
  rollback,             // the log is shorter than, or diverges from, a trusted checkpoint
  checkpoint_mismatch,  // a signed checkpoint's root or chain head differs from the recomputed one
  bad_signature,        // a checkpoint whose signature does not verify with the public key
  tree_state_mismatch,  // the stored tree state (size, frontier, chain head) differs from the events
};
const char* to_string(ProblemKind k) noexcept;

struct Problem {
  ProblemKind kind;
  std::int64_t seq;       // the first sequence number concerned
  std::int64_t last_seq;  // the last one: equal to seq when the problem is pinned to one event
  std::string detail;     // what was found (hashes and numbers, never event content)
};

struct VerifyReport {
  std::int64_t events = 0;         // rows read
  std::size_t checkpoints = 0;     // stored checkpoints checked
  std::size_t trusted = 0;         // trusted checkpoints checked
  Hash root{};                     // Merkle root recomputed from the events' fields
  Hash chain_head{};               // chain head recomputed from them
  std::vector<Problem> problems;   // ordered by seq; at most VerifyOptions::max_problems
  std::size_t problems_total = 0;  // including those left out

  bool ok() const { return problems_total == 0; }
  // The problem that names the first bad event: the one with the smallest seq, preferring one
  // pinned to a single event over a range that contains it. nullptr when ok().
  const Problem* first() const;
};

struct VerifyOptions {
  // Checkpoints the auditor kept (or read from the checkpoint file): the log must contain each
  // one's tree as a prefix. Their signatures are checked too.
  std::span<const Checkpoint> trusted = {};
  std::size_t max_problems = 100;
};

// Proves the whole log: recomputes every leaf and the chain in sequence order, checks sequence
// numbers are contiguous, recomputes the Merkle root at the size of every stored and trusted
// checkpoint and checks its signature, and checks the stored tree state. Fails only when the
// database cannot be read; everything found is in the report.
Result<VerifyReport> verify(store::Connection& c, const PublicKey& key, const VerifyOptions& options = {});

// ---- Queries for the security officer ----

struct Query {
  std::optional<std::string> object_type;  // with object_id: who accessed this record
  std::optional<std::string> object_id;
  std::optional<std::string> actor;  // what this user accessed
  std::optional<std::string> unit;
  std::optional<std::string> address;  // from where (exact address, canonical form)
  std::optional<Action> action;
  std::optional<Outcome> outcome;
  std::optional<Timestamp> since;  // inclusive
  std::optional<Timestamp> until;  // exclusive
  bool newest_first = true;
  std::optional<std::int64_t> after;  // the cursor of the previous page (Page::next)
  std::size_t limit = 100;            // 1..1000
};

struct Page {
  std::vector<StoredEvent> events;
  std::optional<std::int64_t> next;  // set when more events match: pass as Query::after
};

// Events matching every filter that is set, in sequence order, one page at a time.
Result<Page> query(store::Connection& c, const Query& q);

}  // namespace baove::audit
