// The SQLite engine: raw sqlite3 API, WAL + synchronous=FULL, a per-connection LRU cache of
// prepared statements keyed by SQL text, $N placeholders bound by name.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <list>
#include <unordered_map>

#include "store/engines.hpp"

namespace baove::store::detail {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::size_t kStatementCacheSize = 128;

ErrorCode map_code(int extended) {
  if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY)
    return ErrorCode::conflict;
  switch (extended & 0xFF) {
    case SQLITE_ERROR:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return ErrorCode::invalid_argument;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      return ErrorCode::io;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::corrupt;
    case SQLITE_TOOBIG:
      return ErrorCode::limit_exceeded;
    default:
      return ErrorCode::internal;
  }
}

// The engine's message for the last failure on `db`: SQLite's messages name tables, columns
// and constraints, never bound values.
Error sqlite_error(sqlite3* db, int rc) {
  int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  if ((extended & 0xFF) != (rc & 0xFF)) extended = rc;
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return make_error(map_code(extended), "sqlite: " + message);
}

bool only_separators(const char* p, const char* end) {
  for (; p < end; ++p) {
    if (*p != ';' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return false;
  }
  return true;
}

// Parses "$N" (N >= 1, no leading zero); 0 otherwise.
std::size_t placeholder_number(const char* name) {
  if (name == nullptr || name[0] != '$' || name[1] < '1' || name[1] > '9') return 0;
  std::string_view digits(name + 1);
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return 0;
  return n;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct Statement {
  sqlite3_stmt* stmt = nullptr;
  std::vector<int> slot;  // slot[n - 1]: SQLite's index of placeholder $n
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& entry : lru_) sqlite3_finalize(entry.second.stmt);
    sqlite3_close_v2(db_);
    if (wal_fd_ >= 0) ::close(wal_fd_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Engine engine() const override { return Engine::sqlite; }

  Status exec_script(std::string_view sql) override {
    const char* p = sql.data();
    const char* end = sql.data() + sql.size();
    while (p < end) {
      sqlite3_stmt* stmt = nullptr;
      const char* tail = nullptr;
      int rc = sqlite3_prepare_v2(db_, p, static_cast<int>(end - p), &stmt, &tail);
      if (rc != SQLITE_OK) return sqlite_error(db_, rc);
      if (stmt == nullptr) break;  // only whitespace or comments left
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      }
      if (rc != SQLITE_DONE) {
        Error e = sqlite_error(db_, rc);
        sqlite3_finalize(stmt);
        return e;
      }
      sqlite3_finalize(stmt);
      p = tail;
    }
    return {};
  }

  Result<std::vector<Row>> query(std::string_view sql, std::span<const Value> params) override {
    std::vector<Row> rows;
    BAOVE_TRY(run(sql, params, &rows));
    return rows;
  }

  Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params) override {
    sqlite3_int64 before = sqlite3_total_changes64(db_);
    BAOVE_TRY(run(sql, params, nullptr));
    if (sqlite3_total_changes64(db_) == before) return std::int64_t{0};
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }

  // WAL mode with synchronous=NORMAL writes a commit's frames to the write-ahead log without
  // syncing it; sync() then fdatasync()s the log file itself. A commit whose frames are on disk is
  // recovered at the next open, so after sync() every earlier commit is durable. (Checkpoints
  // under NORMAL still sync the log before copying it and the database after.)
  bool defer_sync() override {
    const char* file = sqlite3_db_filename(db_, "main");
    if (file == nullptr || *file == '\0') return false;  // in-memory
    if (!run("PRAGMA synchronous=NORMAL", {}, nullptr).ok()) return false;
    wal_path_ = std::string(file) + "-wal";
    return true;
  }

  Status sync() override {
    if (wal_path_.empty()) return {};
    // The log may have been replaced since it was opened (it is deleted when the last connection
    // closes): sync the file the path names now.
    struct stat now {};
    const bool exists = ::stat(wal_path_.c_str(), &now) == 0;
    if (wal_fd_ >= 0 && exists) {
      struct stat held {};
      if (::fstat(wal_fd_, &held) != 0 || held.st_ino != now.st_ino || held.st_dev != now.st_dev) {
        ::close(wal_fd_);
        wal_fd_ = -1;
      }
    }
    if (!exists) return {};  // no log: every commit is already in the database file
    if (wal_fd_ < 0) {
      wal_fd_ = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (wal_fd_ < 0) return make_error(ErrorCode::io, "sqlite: cannot open the write-ahead log to sync it");
    }
    if (::fdatasync(wal_fd_) != 0)
      return make_error(ErrorCode::io, "sqlite: syncing the write-ahead log failed");
    return {};
  }
  Status begin() override { return run("BEGIN IMMEDIATE", {}, nullptr); }
  Status commit() override { return run("COMMIT", {}, nullptr); }
  Status rollback() override {
    // Some failures (a full disk, I/O errors) already rolled the transaction back.
    if (sqlite3_get_autocommit(db_) != 0) return {};
    return run("ROLLBACK", {}, nullptr);
  }

  Status configure(const std::string& path) {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    std::vector<Row> rows;
    BAOVE_TRY(run("PRAGMA journal_mode=WAL", {}, &rows));
    std::string mode = rows.empty() || rows[0].is_null(0) ? "" : rows[0].text(0);
    if (mode != "wal" && path != ":memory:") {
      return make_error(ErrorCode::unsupported,
                        "sqlite: could not switch " + path + " to WAL (journal mode " + mode + ")");
    }
    BAOVE_TRY(run("PRAGMA synchronous=FULL", {}, nullptr));
    BAOVE_TRY(run("PRAGMA foreign_keys=ON", {}, nullptr));
    return {};
  }

 private:
  using Lru = std::list<std::pair<std::string, Statement>>;

  Result<Statement*> prepare(std::string_view sql) {
    if (auto it = index_.find(sql); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return &it->second->second;
    }
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, &tail);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc);
    if (stmt == nullptr) return make_error(ErrorCode::invalid_argument, "sqlite: empty statement");
    if (!only_separators(tail, sql.data() + sql.size())) {
      sqlite3_finalize(stmt);
      return make_error(ErrorCode::invalid_argument,
                        "sqlite: query() and execute() run one statement (use exec_script for several)");
    }
    Statement s;
    s.stmt = stmt;
    const int count = sqlite3_bind_parameter_count(stmt);
    s.slot.assign(static_cast<std::size_t>(count), 0);
    for (int j = 1; j <= count; ++j) {
      std::size_t n = placeholder_number(sqlite3_bind_parameter_name(stmt, j));
      if (n == 0 || n > static_cast<std::size_t>(count)) {
        sqlite3_finalize(stmt);
        return make_error(ErrorCode::invalid_argument,
                          "sqlite: placeholders must be $1, $2, ... without gaps (statement has " +
                              std::to_string(count) + ")");
      }
      s.slot[n - 1] = j;
    }
    if (lru_.size() >= kStatementCacheSize) {
      sqlite3_finalize(lru_.back().second.stmt);
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    lru_.emplace_front(std::string(sql), std::move(s));
    index_.emplace(lru_.front().first, lru_.begin());
    return &lru_.front().second;
  }

  Status bind(const Statement& s, std::span<const Value> params) {
    if (params.size() != s.slot.size()) {
      return make_error(ErrorCode::invalid_argument, "sqlite: statement takes " +
                                                         std::to_string(s.slot.size()) + " parameters, " +
                                                         std::to_string(params.size()) + " given");
    }
    for (std::size_t n = 0; n < params.size(); ++n) {
      const int j = s.slot[n];
      const Value& v = params[n];
      int rc = SQLITE_OK;
      switch (v.index()) {
        case 0:
          rc = sqlite3_bind_null(s.stmt, j);
          break;
        case 1:
          rc = sqlite3_bind_int64(s.stmt, j, std::get<std::int64_t>(v));
          break;
        case 2:
          rc = sqlite3_bind_double(s.stmt, j, std::get<double>(v));
          break;
        case 3: {
          const std::string& t = std::get<std::string>(v);
          BAOVE_TRY(check_text_param(t, n + 1));
          rc = sqlite3_bind_text64(s.stmt, j, t.data(), t.size(), SQLITE_STATIC, SQLITE_UTF8);
          break;
        }
        default: {
          const Blob& b = std::get<Blob>(v);
          // A zero-length blob must not bind as NULL (which a null pointer would).
          rc = b.empty() ? sqlite3_bind_zeroblob(s.stmt, j, 0)
                         : sqlite3_bind_blob64(s.stmt, j, b.data(), b.size(), SQLITE_STATIC);
          break;
        }
      }
      if (rc != SQLITE_OK) return sqlite_error(db_, rc);
    }
    return {};
  }

  static Value column_value(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER:
        return std::int64_t{sqlite3_column_int64(stmt, i)};
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, i);
      case SQLITE_TEXT: {
        const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        const int n = sqlite3_column_bytes(stmt, i);
        return t == nullptr ? std::string() : std::string(t, static_cast<std::size_t>(n));
      }
      case SQLITE_BLOB: {
        const auto* b = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, i));
        const int n = sqlite3_column_bytes(stmt, i);
        return b == nullptr ? Blob() : Blob(b, b + n);
      }
      default:
        return std::monostate{};
    }
  }

  // Runs one cached statement; collects rows into `rows` when given.
  Status run(std::string_view sql, std::span<const Value> params, std::vector<Row>* rows) {
    auto prepared = prepare(sql);
    if (!prepared.ok()) return prepared.error();
    const Statement& s = **prepared;
    struct Reset {
      sqlite3_stmt* stmt;
      ~Reset() {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
      }
    } reset{s.stmt};
    BAOVE_TRY(bind(s, params));
    int rc;
    while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) {
      if (rows == nullptr) continue;
      // Counted after the step: a schema change re-prepares the statement inside sqlite3_step.
      const int columns = sqlite3_column_count(s.stmt);
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int i = 0; i < columns; ++i) values.push_back(column_value(s.stmt, i));
      rows->emplace_back(std::move(values));
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, rc);
    return {};
  }

  sqlite3* db_;
  std::string wal_path_;  // set by defer_sync()
  int wal_fd_ = -1;       // used by sync() only
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator, StringHash, std::equal_to<>> index_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc).with_context("cannot open " + path);
    sqlite3_close_v2(db);
    return e;
  }
  auto c = std::make_unique<SqliteConnection>(db);
  Status s = c->configure(path);
  if (!s.ok()) return s.error().with_context(path);
  return std::unique_ptr<Connection>(std::move(c));
}

}  // namespace baove::store::detail
