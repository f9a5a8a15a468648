// One small database interface with two engines: SQLite (the embedded default) and PostgreSQL
// (libpq), so that moving from one server to several is configuration, not code.
//
// SQL text is shared between engines where possible: placeholders are written $1, $2, ... in
// both; types are limited to what both handle the same way (INTEGER/BIGINT, DOUBLE PRECISION /
// REAL, TEXT, BLOB/BYTEA). Engine-specific DDL goes in migrations keyed by engine.
//
// A Connection is used by one thread at a time. Errors come back as Status/Result with the
// engine's message; they never contain bound parameter values (which may be personal data).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/result.hpp"

namespace baove::store {

enum class Engine { sqlite, postgresql };

using Blob = std::vector<std::uint8_t>;
// A parameter or a column value.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;

// One result row; columns by position.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  bool is_null(std::size_t i) const { return std::holds_alternative<std::monostate>(values_.at(i)); }
  // Typed accessors; a NULL or a value of another type is a programming error (aborts), except
  // that integers read as double and text reads as blob.
  std::int64_t integer(std::size_t i) const;
  double real(std::size_t i) const;
  const std::string& text(std::size_t i) const;
  Blob blob(std::size_t i) const;
  std::optional<std::int64_t> opt_integer(std::size_t i) const;
  std::optional<std::string> opt_text(std::size_t i) const;
  const Value& value(std::size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Engine engine() const = 0;

  // Runs one or more statements without parameters (DDL, migrations).
  virtual Status exec_script(std::string_view sql) = 0;
  // Runs one statement; returns the rows it produced (none for INSERT/UPDATE without RETURNING).
  virtual Result<std::vector<Row>> query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Runs one statement; returns the number of rows changed.
  virtual Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params = {}) = 0;

  // Whether a transaction is open on this connection.
  virtual bool in_transaction() const = 0;
  virtual Status begin() = 0;   // BEGIN (SQLite: BEGIN IMMEDIATE)
  virtual Status commit() = 0;  // durable when it returns (SQLite: WAL + synchronous=FULL), unless deferred
  virtual Status rollback() = 0;

  // Durability in two steps, for a single committer that overlaps one batch's disk sync with the
  // next batch's work (GroupCommit). After defer_sync() returns true, commit() no longer waits for
  // the disk, and sync() makes every commit returned before it durable; sync() may be called from
  // another thread than the one using the connection. An engine that cannot (PostgreSQL) returns
  // false and its commit() stays durable by itself.
  virtual bool defer_sync() { return false; }
  virtual Status sync() { return {}; }
};

// Opens a connection from a URL:
//   sqlite:PATH            (file created if missing; parent directory must exist)
//   postgresql://...  or  postgres://...   (libpq connection URI)
Result<std::unique_ptr<Connection>> open(const std::string& url);

// The URL with any password replaced by "***" (userinfo and password= parameters), for logs
// and messages.
std::string redact_url(std::string_view url);

// Rolls back on destruction unless commit() succeeded. Opened while another transaction is open
// on the connection (work run by GroupCommit, say), it is a SAVEPOINT inside that one: commit()
// releases it and rollback undoes only its own changes; durability then comes with the outer
// commit.
class Transaction {
 public:
  explicit Transaction(Connection& c);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  const Status& started() const { return started_; }
  Status commit();

 private:
  Connection& c_;
  bool nested_;
  Status started_;
  bool done_ = false;
};

// A versioned schema change. `sql` runs on both engines unless `postgresql_sql` is set, which
// then replaces it on PostgreSQL.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
  std::string_view postgresql_sql = {};
};

// Applies, in one transaction each, every migration of `component` newer than the recorded
// version (table schema_migrations(component, version, name, applied_at)). Idempotent.
// Fails if the database records a version newer than any known (a newer Baove wrote it).
Status migrate(Connection& c, std::string_view component, std::span<const Migration> migrations);

}  // namespace baove::store
