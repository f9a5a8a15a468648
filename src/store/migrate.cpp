// Versioned migrations, one transaction each, serialised across processes: SQLite by
// BEGIN IMMEDIATE (the write lock), PostgreSQL by a transaction-scoped advisory lock.
#include <chrono>
#include <ctime>

#include "store/store.hpp"

namespace baove::store {
namespace {

// The advisory lock key that serialises migrations on PostgreSQL ("baove-mg" in ASCII).
constexpr std::int64_t kMigrationLockKey = 0x62616f76652d6d67;

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " component TEXT NOT NULL,"
    " version BIGINT NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL,"
    " PRIMARY KEY (component, version))";

std::string utc_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status check_list(std::string_view component, std::span<const Migration> migrations) {
  if (component.empty()) return make_error(ErrorCode::invalid_argument, "migrate: empty component name");
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return make_error(ErrorCode::invalid_argument,
                        "migrate " + std::string(component) + ": versions must be positive and increasing (" +
                            std::to_string(m.version) + " after " + std::to_string(previous) + ")");
    }
    previous = m.version;
  }
  return {};
}

// Inside a transaction: takes the migration lock and returns the recorded version (0: none).
Result<std::int64_t> lock_and_read(Connection& c, std::string_view component) {
  if (c.engine() == Engine::postgresql) {
    const Value key[] = {kMigrationLockKey};
    auto locked = c.query("SELECT pg_advisory_xact_lock($1)", key);
    if (!locked.ok()) return locked.error();
  }
  BAOVE_TRY(c.exec_script(kCreateTable));
  const Value name[] = {std::string(component)};
  auto rows = c.query("SELECT MAX(version) FROM schema_migrations WHERE component = $1", name);
  if (!rows.ok()) return rows.error();
  if (rows->empty() || rows->front().is_null(0)) return std::int64_t{0};
  return rows->front().integer(0);
}

}  // namespace

Status migrate(Connection& c, std::string_view component, std::span<const Migration> migrations) {
  BAOVE_TRY(check_list(component, migrations));
  const std::string label = "migrate " + std::string(component);
  const std::int64_t newest_known = migrations.empty() ? 0 : migrations.back().version;
  for (;;) {
    // BEGIN IMMEDIATE on SQLite: a second process waits here (busy timeout) until this one commits.
    Transaction tx(c);
    if (!tx.started().ok()) return tx.started().error().with_context(label);
    auto current = lock_and_read(c, component);
    if (!current.ok()) return current.error().with_context(label);
    if (*current > newest_known) {
      return make_error(ErrorCode::unsupported, label + ": the database is at version " +
                                                    std::to_string(*current) +
                                                    ", newer than this program knows (" +
                                                    std::to_string(newest_known) + "); upgrade Baove");
    }
    const Migration* next = nullptr;
    for (const Migration& m : migrations) {
      if (m.version > *current) {
        next = &m;
        break;
      }
    }
    if (next == nullptr) return tx.commit();  // releases the lock; nothing to do
    const std::string what =
        label + " " + std::to_string(next->version) + " (" + std::string(next->name) + ")";
    std::string_view sql =
        c.engine() == Engine::postgresql && !next->postgresql_sql.empty() ? next->postgresql_sql : next->sql;
    if (Status s = c.exec_script(sql); !s.ok()) return s.error().with_context(what);
    const Value record[] = {std::string(component), std::int64_t{next->version}, std::string(next->name),
                            utc_now()};
    auto inserted = c.execute(
        "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES ($1, $2, $3, $4)",
        record);
    if (!inserted.ok()) return inserted.error().with_context(what);
    if (Status s = tx.commit(); !s.ok()) return s.error().with_context(what);
  }
}

}  // namespace baove::store
