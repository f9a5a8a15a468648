// The SQLite BankStore. All of the bank module's SQL lives in this file.
//
// Settings: WAL journal, synchronous=FULL (a commit is on disk before it is acknowledged),
// foreign keys on, a busy timeout so that several processes can share the database, and
// BEGIN IMMEDIATE for every write so that a writer waits for the lock instead of failing midway.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "bank/store.hpp"

namespace baove::bank {

namespace {

// Declares `var` from a Result-returning expression, returning its error from the enclosing function.
#define BAOVE_TRY_ASSIGN(var, expr) \
  auto var = (expr);                \
  if (!var) return var.error()

#define kSelectEntry                                                                                     \
  "SELECT id, bank_id, signal_type, value, class_scheme, class_label, source_contributor, source_list, " \
  "source_id, added_at, note, disabled FROM entries"

// Each migration brings the schema from version (index) to version (index + 1).
// Never edit a released migration: add a new one.
const char* const kMigrations[] = {
    // 1: banks, entries, the change log, the database's instance id.
    R"sql(
CREATE TABLE banks (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  owner_unit  TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at  TEXT NOT NULL,
  seq         INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE entries (
  id                 INTEGER PRIMARY KEY,  -- never reused (see next_entry_id)
  bank_id            INTEGER NOT NULL REFERENCES banks (id),
  signal_type        TEXT NOT NULL CHECK (signal_type IN ('pdq', 'md5', 'sha1', 'sha256')),
  value              TEXT NOT NULL,
  class_scheme       TEXT NOT NULL DEFAULT '',
  class_label        TEXT NOT NULL DEFAULT '',
  source_contributor TEXT NOT NULL DEFAULT '',
  source_list        TEXT NOT NULL DEFAULT '',
  source_id          TEXT NOT NULL DEFAULT '',
  added_at           TEXT NOT NULL,
  note               TEXT NOT NULL DEFAULT '',
  disabled           INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  seq                INTEGER NOT NULL,
  UNIQUE (bank_id, signal_type, value)
);
CREATE INDEX entries_seq ON entries (seq);
CREATE TABLE change_log (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  at       TEXT NOT NULL,
  kind     TEXT NOT NULL,
  bank_id  INTEGER,
  entry_id INTEGER
);
CREATE TABLE store_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO store_meta (key, value) VALUES ('instance_id', lower(hex(randomblob(16))));
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);

constexpr std::size_t kMaxTextField = 1000;
constexpr std::size_t kMaxNote = 10000;

Error sql_error(sqlite3* db, const std::string& what) {
  const int code = sqlite3_extended_errcode(db);
  ErrorCode ec = ErrorCode::io;
  if ((code & 0xff) == SQLITE_CONSTRAINT) ec = ErrorCode::conflict;
  if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB) ec = ErrorCode::corrupt;
  return make_error(ec, "database: " + what + ": " + sqlite3_errmsg(db));
}

// A prepared statement. Text is bound without copying: bound strings must outlive step().
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    if (this != &o) {
      sqlite3_finalize(s_);
      db_ = o.db_;
      s_ = o.s_;
      o.s_ = nullptr;
    }
    return *this;
  }
  ~Stmt() { sqlite3_finalize(s_); }

  static Result<Stmt> prepare(sqlite3* db, const char* sql) {
    Stmt st;
    st.db_ = db;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st.s_, nullptr) != SQLITE_OK) {
      return sql_error(db, "prepare");
    }
    return st;
  }

  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), nullptr);
    return *this;
  }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // SQLITE_ROW: true; SQLITE_DONE: false; anything else an error naming `what`.
  Result<bool> step(const char* what) {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error e = sql_error(db_, what);
    sqlite3_reset(s_);
    return e;
  }
  Status run(const char* what) {
    auto r = step(what);
    reset();
    if (!r) return r.error();
    return {};
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    const int n = sqlite3_column_bytes(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

Status exec(sqlite3* db, const char* sql, const char* what) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errmsg(db);
    sqlite3_free(msg);
    return make_error(ErrorCode::io, std::string("database: ") + what + ": " + m);
  }
  return {};
}

// Ends a transaction where nothing can be done about a failure (a rollback, the end of a read).
void finish(sqlite3* db, const char* sql) { sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }

Result<SignalType> type_from_db(const std::string& s) {
  auto t = parse_signal_type(s);
  if (!t) return make_error(ErrorCode::corrupt, "database: unknown signal type '" + s + "'");
  return *t;
}

Status check_text(std::string_view field, const std::string& v, std::size_t max) {
  if (v.size() > max) {
    return make_error(ErrorCode::invalid_argument,
                      std::string(field) + " is longer than " + std::to_string(max) + " bytes");
  }
  return {};
}

Status validate_entry(const NewEntry& e) {
  bool canonical = e.value.size() == hex_length(e.type);
  for (char c : e.value) canonical = canonical && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!canonical) {
    auto canon = canonical_value(e.type, e.value);
    if (!canon) return canon.error();
    return make_error(ErrorCode::invalid_argument, "value is not in canonical form (lower-case hex)");
  }
  BAOVE_TRY(check_text("classification scheme", e.classification.scheme, kMaxTextField));
  BAOVE_TRY(check_text("classification label", e.classification.label, kMaxTextField));
  BAOVE_TRY(check_text("source contributor", e.source.contributor, kMaxTextField));
  BAOVE_TRY(check_text("source list", e.source.list, kMaxTextField));
  BAOVE_TRY(check_text("source id", e.source.id, kMaxTextField));
  BAOVE_TRY(check_text("note", e.note, kMaxNote));
  BAOVE_TRY(check_text("added time", e.added_at, 64));
  return {};
}

class SqliteStore;

class SqliteBatch final : public EntryBatch {
 public:
  SqliteBatch(SqliteStore& store, std::unique_lock<std::mutex> lock, std::int64_t bank_id)
      : store_(store), lock_(std::move(lock)), bank_id_(bank_id) {}
  ~SqliteBatch() override;
  Result<AddOutcome> add(const NewEntry& entry) override;
  Status commit() override;

 private:
  SqliteStore& store_;
  std::unique_lock<std::mutex> lock_;
  std::int64_t bank_id_;
  std::int64_t seq_ = 0;  // allocated at the first add
  std::int64_t next_id_ = 0;
  std::string now_ = utc_now_iso8601();
  bool done_ = false;
};

class SqliteStore final : public BankStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override {
    stmts_.clear();
    sqlite3_close_v2(db_);
  }

  Status init(const SqliteOptions& options) {
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    sqlite3_extended_result_codes(db_, 1);
    {
      BAOVE_TRY_ASSIGN(st, prepare("PRAGMA journal_mode=WAL"));
      auto row = st->step("set WAL mode");
      if (!row) return row.error();
      const std::string mode = *row ? st->text(0) : std::string();
      st->reset();
      if (mode != "wal")
        return make_error(ErrorCode::io, "database: cannot use WAL mode (got '" + mode + "')");
    }
    // A larger page cache keeps bulk imports into big banks from thrashing the value index.
    BAOVE_TRY(
        exec(db_, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;", "settings"));
    return migrate();
  }

  Status migrate() {
    BAOVE_TRY(exec(db_, "BEGIN IMMEDIATE", "begin migration"));
    Status s = migrate_locked();
    if (!s) {
      finish(db_, "ROLLBACK");
      return s;
    }
    return exec(db_, "COMMIT", "commit migration");
  }

  Result<Bank> create_bank(const NewBank& nb) override {
    BAOVE_TRY(validate_bank_name(nb.name));
    BAOVE_TRY(check_text("owner unit", nb.owner_unit, kMaxTextField));
    BAOVE_TRY(check_text("description", nb.description, kMaxNote));
    std::lock_guard lock(mu_);
    const std::string now = utc_now_iso8601();
    auto id = write_txn([&]() -> Result<std::int64_t> {
      auto& st = stmt(
          "INSERT INTO banks (name, owner_unit, description, enabled, created_at) VALUES (?, ?, ?, ?, ?)");
      st.bind(1, nb.name).bind(2, nb.owner_unit).bind(3, nb.description);
      st.bind(4, std::int64_t{nb.enabled ? 1 : 0}).bind(5, now);
      auto r = st.run("create bank");
      if (!r) {
        if (r.error().code == ErrorCode::conflict) {
          return make_error(ErrorCode::conflict, "a bank named '" + nb.name + "' already exists");
        }
        return r.error();
      }
      return sqlite3_last_insert_rowid(db_);
    });
    if (!id) return id.error();
    return Bank{*id, nb.name, nb.owner_unit, nb.description, nb.enabled, now};
  }

  Result<std::vector<Bank>> list_banks() override {
    std::lock_guard lock(mu_);
    auto& st = stmt("SELECT id, name, owner_unit, description, enabled, created_at FROM banks ORDER BY name");
    std::vector<Bank> out;
    for (;;) {
      auto row = st.step("list banks");
      if (!row) return row.error();
      if (!*row) break;
      out.push_back(bank_from(st));
    }
    st.reset();
    return out;
  }

  Result<Bank> find_bank(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto& st =
        stmt("SELECT id, name, owner_unit, description, enabled, created_at FROM banks WHERE name = ?");
    st.bind(1, name);
    auto b = one_bank(st);
    if (!b && b.error().code == ErrorCode::not_found) {
      return make_error(ErrorCode::not_found, "no bank named '" + std::string(name) + "'");
    }
    return b;
  }

  Result<Bank> get_bank(std::int64_t id) override {
    std::lock_guard lock(mu_);
    return get_bank_locked(id);
  }

  Status set_bank_enabled(std::int64_t bank_id, bool enabled) override {
    std::lock_guard lock(mu_);
    auto r = write_txn([&]() -> Result<bool> {
      auto b = get_bank_locked(bank_id);
      if (!b) return b.error();
      if (b->enabled == enabled) return false;
      auto seq = log_change(enabled ? "bank_enabled" : "bank_disabled", bank_id, std::nullopt);
      if (!seq) return seq.error();
      auto& st = stmt("UPDATE banks SET enabled = ?, seq = ? WHERE id = ?");
      st.bind(1, std::int64_t{enabled ? 1 : 0}).bind(2, *seq).bind(3, bank_id);
      BAOVE_TRY(st.run("update bank"));
      return true;
    });
    if (!r) return r.error();
    return {};
  }

  Result<AddOutcome> add_entry(std::int64_t bank_id, const NewEntry& entry) override {
    BAOVE_TRY(validate_entry(entry));
    std::lock_guard lock(mu_);
    return write_txn([&]() -> Result<AddOutcome> {
      BAOVE_TRY(require_bank(bank_id));
      auto existing = find_existing(bank_id, entry);
      if (!existing) return existing.error();
      if (*existing) return AddOutcome{**existing, false};
      auto seq = log_change("entry_added", bank_id, std::nullopt);
      if (!seq) return seq.error();
      auto next_id = next_entry_id();
      if (!next_id) return next_id.error();
      auto out = insert_entry(bank_id, entry, *seq, utc_now_iso8601(), *next_id);
      if (!out) return out.error();
      auto& st = stmt("UPDATE change_log SET entry_id = ? WHERE seq = ?");
      st.bind(1, out->id).bind(2, *seq);
      BAOVE_TRY(st.run("log change"));
      return *out;
    });
  }

  Result<std::unique_ptr<EntryBatch>> begin_batch(std::int64_t bank_id) override {
    std::unique_lock lock(mu_);
    BAOVE_TRY(exec(db_, "BEGIN IMMEDIATE", "begin"));
    Status s = require_bank(bank_id);
    if (!s) {
      finish(db_, "ROLLBACK");
      return s.error();
    }
    return std::unique_ptr<EntryBatch>(std::make_unique<SqliteBatch>(*this, std::move(lock), bank_id));
  }

  Status set_entry_disabled(std::int64_t entry_id, bool disabled) override {
    std::lock_guard lock(mu_);
    auto r = write_txn([&]() -> Result<bool> {
      auto& q = stmt("SELECT bank_id, disabled FROM entries WHERE id = ?");
      q.bind(1, entry_id);
      auto row = q.step("read entry");
      if (!row) return row.error();
      if (!*row) {
        q.reset();
        return make_error(ErrorCode::not_found, "no entry with id " + std::to_string(entry_id));
      }
      const std::int64_t bank_id = q.i64(0);
      const bool was = q.i64(1) != 0;
      q.reset();
      if (was == disabled) return false;
      auto seq = log_change(disabled ? "entry_disabled" : "entry_enabled", bank_id, entry_id);
      if (!seq) return seq.error();
      auto& st = stmt("UPDATE entries SET disabled = ?, seq = ? WHERE id = ?");
      st.bind(1, std::int64_t{disabled ? 1 : 0}).bind(2, *seq).bind(3, entry_id);
      BAOVE_TRY(st.run("update entry"));
      return true;
    });
    if (!r) return r.error();
    return {};
  }

  Status remove_entry(std::int64_t entry_id) override {
    std::lock_guard lock(mu_);
    auto r = write_txn([&]() -> Result<bool> {
      auto& q = stmt("SELECT bank_id FROM entries WHERE id = ?");
      q.bind(1, entry_id);
      auto row = q.step("read entry");
      if (!row) return row.error();
      if (!*row) {
        q.reset();
        return make_error(ErrorCode::not_found, "no entry with id " + std::to_string(entry_id));
      }
      const std::int64_t bank_id = q.i64(0);
      q.reset();
      auto seq = log_change("entry_removed", bank_id, entry_id);
      if (!seq) return seq.error();
      // Ids are never given out again: remember the highest one removed.
      auto& floor = stmt(
          "INSERT INTO store_meta (key, value) VALUES ('entry_id_floor', ?1) ON CONFLICT (key) DO UPDATE "
          "SET value = CAST(max(CAST(value AS INTEGER), ?1) AS TEXT)");
      floor.bind(1, entry_id);
      BAOVE_TRY(floor.run("record removed id"));
      auto& st = stmt("DELETE FROM entries WHERE id = ?");
      st.bind(1, entry_id);
      BAOVE_TRY(st.run("delete entry"));
      return true;
    });
    if (!r) return r.error();
    return {};
  }

  Result<Entry> get_entry(std::int64_t entry_id) override {
    std::lock_guard lock(mu_);
    auto& st = stmt(kSelectEntry " WHERE id = ?");
    st.bind(1, entry_id);
    auto row = st.step("read entry");
    if (!row) return row.error();
    if (!*row) {
      st.reset();
      return make_error(ErrorCode::not_found, "no entry with id " + std::to_string(entry_id));
    }
    auto e = entry_from(st);
    st.reset();
    return e;
  }

  Result<std::vector<Entry>> get_entries(std::span<const std::int64_t> ids) override {
    std::lock_guard lock(mu_);
    std::vector<Entry> out;
    out.reserve(ids.size());
    auto& st = stmt(kSelectEntry " WHERE id = ?");
    for (std::int64_t id : ids) {
      st.bind(1, id);
      auto row = st.step("read entry");
      if (!row) return row.error();
      if (*row) {
        auto e = entry_from(st);
        if (!e) {
          st.reset();
          return e.error();
        }
        out.push_back(std::move(*e));
      }
      st.reset();
    }
    return out;
  }

  Status for_each_entry(std::int64_t bank_id, const std::function<Status(const Entry&)>& fn) override {
    std::lock_guard lock(mu_);
    BAOVE_TRY(exec(db_, "BEGIN", "begin read"));
    Status s = [&]() -> Status {
      BAOVE_TRY(require_bank(bank_id));
      // Not the cached statement: fn may be slow and the cursor stays open for the whole scan.
      BAOVE_TRY_ASSIGN(st, prepare(kSelectEntry " WHERE bank_id = ? ORDER BY id"));
      st->bind(1, bank_id);
      for (;;) {
        auto row = st->step("read entries");
        if (!row) return row.error();
        if (!*row) return {};
        auto e = entry_from(*st);
        if (!e) return e.error();
        BAOVE_TRY(fn(*e));
      }
    }();
    finish(db_, "COMMIT");
    return s;
  }

  Result<BankStats> stats(std::optional<std::int64_t> bank_id) override {
    std::lock_guard lock(mu_);
    BAOVE_TRY(exec(db_, "BEGIN", "begin read"));
    auto r = [&]() -> Result<BankStats> {
      if (bank_id) BAOVE_TRY(require_bank(*bank_id));
      BankStats s;
      const char* where = bank_id ? " WHERE bank_id = ?1" : " WHERE ?1 IS NULL";
      auto bind = [&](Stmt& st) {
        if (bank_id) {
          st.bind(1, *bank_id);
        } else {
          st.bind_null(1);
        }
      };
      {
        BAOVE_TRY_ASSIGN(
            st,
            prepare(
                (std::string("SELECT signal_type, count(*) FROM entries") + where + " GROUP BY 1").c_str()));
        bind(*st);
        for (;;) {
          auto row = st->step("stats");
          if (!row) return row.error();
          if (!*row) break;
          s.by_signal_type[st->text(0)] = st->i64(1);
        }
      }
      {
        BAOVE_TRY_ASSIGN(st, prepare((std::string("SELECT class_scheme, class_label, count(*) FROM entries") +
                                      where + " GROUP BY 1, 2")
                                         .c_str()));
        bind(*st);
        for (;;) {
          auto row = st->step("stats");
          if (!row) return row.error();
          if (!*row) break;
          s.by_classification[Classification{st->text(0), st->text(1)}.to_string()] += st->i64(2);
        }
      }
      {
        BAOVE_TRY_ASSIGN(
            st,
            prepare((std::string("SELECT disabled, count(*) FROM entries") + where + " GROUP BY 1").c_str()));
        bind(*st);
        for (;;) {
          auto row = st->step("stats");
          if (!row) return row.error();
          if (!*row) break;
          (st->i64(0) != 0 ? s.disabled_entries : s.enabled_entries) += st->i64(1);
        }
      }
      s.entries = s.enabled_entries + s.disabled_entries;
      return s;
    }();
    finish(db_, "COMMIT");
    return r;
  }

  Result<std::string> instance_id() override {
    std::lock_guard lock(mu_);
    auto& st = stmt("SELECT value FROM store_meta WHERE key = 'instance_id'");
    auto row = st.step("read instance id");
    if (!row) return row.error();
    std::string v = *row ? st.text(0) : std::string();
    st.reset();
    if (v.empty()) return make_error(ErrorCode::corrupt, "database: no instance id");
    return v;
  }

  Result<std::int64_t> change_seq() override {
    std::lock_guard lock(mu_);
    return max_seq();
  }

  Result<std::int64_t> scan_live(const BankScope& scope, const EntryStateFn& fn) override {
    std::lock_guard lock(mu_);
    return read_txn([&]() -> Result<std::int64_t> {
      auto seq = max_seq();
      if (!seq) return seq.error();
      auto visit = [&](Stmt& st) -> Status {
        for (;;) {
          auto row = st.step("load entries");
          if (!row) return row.error();
          if (!*row) return {};
          auto t = type_from_db(st.text(2));
          if (!t) return t.error();
          fn(EntryState{st.i64(0), st.i64(1), *t, st.text(3), true});
        }
      };
      if (scope.all) {
        BAOVE_TRY_ASSIGN(st,
                         prepare("SELECT e.id, e.bank_id, e.signal_type, e.value FROM entries e "
                                 "JOIN banks b ON b.id = e.bank_id WHERE b.enabled = 1 AND e.disabled = 0"));
        BAOVE_TRY(visit(*st));
      } else {
        BAOVE_TRY_ASSIGN(st, prepare("SELECT e.id, e.bank_id, e.signal_type, e.value FROM entries e "
                                     "JOIN banks b ON b.id = e.bank_id "
                                     "WHERE e.bank_id = ? AND b.enabled = 1 AND e.disabled = 0"));
        for (std::int64_t id : scope.bank_ids) {
          st->bind(1, id);
          Status s = visit(*st);
          st->reset();
          BAOVE_TRY(s);
        }
      }
      return *seq;
    });
  }

  Result<std::int64_t> scan_changes(std::int64_t since, const BankScope& scope,
                                    const EntryStateFn& fn) override {
    std::lock_guard lock(mu_);
    return read_txn([&]() -> Result<std::int64_t> {
      auto seq = max_seq();
      if (!seq) return seq.error();
      if (since > *seq) {
        return make_error(ErrorCode::conflict, "change sequence " + std::to_string(since) +
                                                   " is ahead of the database's (" + std::to_string(*seq) +
                                                   ")");
      }
      if (since == *seq) return *seq;
      auto visit = [&](Stmt& st) -> Status {
        for (;;) {
          auto row = st.step("read changes");
          if (!row) return row.error();
          if (!*row) return {};
          const std::int64_t bank_id = st.i64(1);
          if (!scope.contains(bank_id)) continue;
          auto t = type_from_db(st.text(2));
          if (!t) return t.error();
          fn(EntryState{st.i64(0), bank_id, *t, st.text(3), st.i64(4) == 0 && st.i64(5) == 1});
        }
      };
      // Banks enabled or disabled: every entry of theirs.
      {
        BAOVE_TRY_ASSIGN(banks, prepare("SELECT id FROM banks WHERE seq > ?"));
        banks->bind(1, since);
        std::vector<std::int64_t> changed;
        for (;;) {
          auto row = banks->step("read bank changes");
          if (!row) return row.error();
          if (!*row) break;
          if (scope.contains(banks->i64(0))) changed.push_back(banks->i64(0));
        }
        BAOVE_TRY_ASSIGN(st, prepare("SELECT e.id, e.bank_id, e.signal_type, e.value, e.disabled, b.enabled "
                                     "FROM entries e JOIN banks b ON b.id = e.bank_id WHERE e.bank_id = ?"));
        for (std::int64_t id : changed) {
          st->bind(1, id);
          Status s = visit(*st);
          st->reset();
          BAOVE_TRY(s);
        }
      }
      // Entries added, disabled or enabled.
      {
        BAOVE_TRY_ASSIGN(st, prepare("SELECT e.id, e.bank_id, e.signal_type, e.value, e.disabled, b.enabled "
                                     "FROM entries e JOIN banks b ON b.id = e.bank_id WHERE e.seq > ?"));
        st->bind(1, since);
        BAOVE_TRY(visit(*st));
      }
      // Entries removed (ids are never reused).
      {
        BAOVE_TRY_ASSIGN(st, prepare("SELECT entry_id, bank_id FROM change_log "
                                     "WHERE seq > ? AND kind = 'entry_removed'"));
        st->bind(1, since);
        for (;;) {
          auto row = st->step("read removals");
          if (!row) return row.error();
          if (!*row) break;
          if (!scope.contains(st->i64(1))) continue;
          fn(EntryState{st->i64(0), st->i64(1), SignalType::pdq, {}, false});
        }
      }
      return *seq;
    });
  }

 private:
  friend class SqliteBatch;

  Result<Stmt> prepare(const char* sql) { return Stmt::prepare(db_, sql); }

  // A cached statement (prepared once per store). Statements that fail to prepare are bugs.
  Stmt& stmt(const char* sql) {
    auto it = stmts_.find(sql);
    if (it != stmts_.end()) return it->second;
    auto st = Stmt::prepare(db_, sql);
    if (!st) std::abort();
    return stmts_.emplace(sql, std::move(*st)).first->second;
  }

  template <typename F>
  auto write_txn(F&& body) -> decltype(body()) {
    auto b = exec(db_, "BEGIN IMMEDIATE", "begin");
    if (!b) return b.error();
    auto r = body();
    if (!r) {
      finish(db_, "ROLLBACK");
      return r;
    }
    auto c = exec(db_, "COMMIT", "commit");
    if (!c) {
      finish(db_, "ROLLBACK");
      return c.error();
    }
    return r;
  }

  template <typename F>
  auto read_txn(F&& body) -> decltype(body()) {
    auto b = exec(db_, "BEGIN", "begin read");
    if (!b) return b.error();
    auto r = body();
    finish(db_, "COMMIT");
    return r;
  }

  Status migrate_locked() {
    BAOVE_TRY(
        exec(db_,
             "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT "
             "NULL)",
             "create schema_version"));
    BAOVE_TRY_ASSIGN(q, prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
    auto row = q->step("read schema version");
    if (!row) return row.error();
    const std::int64_t current = q->i64(0);
    q->reset();
    if (current > kSchemaVersion) {
      return make_error(ErrorCode::unsupported, "database schema version " + std::to_string(current) +
                                                    " is newer than this program's (" +
                                                    std::to_string(kSchemaVersion) + ")");
    }
    for (std::int64_t v = current; v < kSchemaVersion; ++v) {
      BAOVE_TRY(exec(db_, kMigrations[v], ("migration " + std::to_string(v + 1)).c_str()));
      BAOVE_TRY_ASSIGN(ins, prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"));
      const std::string now = utc_now_iso8601();
      ins->bind(1, v + 1).bind(2, now);
      BAOVE_TRY(ins->run("record migration"));
    }
    return {};
  }

  Result<std::int64_t> max_seq() {
    auto& st = stmt("SELECT COALESCE(MAX(seq), 0) FROM change_log");
    auto row = st.step("read change sequence");
    if (!row) return row.error();
    const std::int64_t v = st.i64(0);
    st.reset();
    return v;
  }

  Result<std::int64_t> log_change(const char* kind, std::int64_t bank_id,
                                  std::optional<std::int64_t> entry_id) {
    auto& st = stmt("INSERT INTO change_log (at, kind, bank_id, entry_id) VALUES (?, ?, ?, ?)");
    const std::string now = utc_now_iso8601();
    st.bind(1, now).bind(2, std::string_view(kind)).bind(3, bank_id);
    if (entry_id) {
      st.bind(4, *entry_id);
    } else {
      st.bind_null(4);
    }
    BAOVE_TRY(st.run("log change"));
    return sqlite3_last_insert_rowid(db_);
  }

  Status require_bank(std::int64_t bank_id) {
    auto& st = stmt("SELECT 1 FROM banks WHERE id = ?");
    st.bind(1, bank_id);
    auto row = st.step("read bank");
    st.reset();
    if (!row) return row.error();
    if (!*row) return make_error(ErrorCode::not_found, "no bank with id " + std::to_string(bank_id));
    return {};
  }

  Result<std::optional<std::int64_t>> find_existing(std::int64_t bank_id, const NewEntry& e) {
    auto& st = stmt("SELECT id FROM entries WHERE bank_id = ? AND signal_type = ? AND value = ?");
    st.bind(1, bank_id).bind(2, std::string_view(to_string(e.type))).bind(3, e.value);
    auto row = st.step("find entry");
    if (!row) return row.error();
    std::optional<std::int64_t> id;
    if (*row) id = st.i64(0);
    st.reset();
    return id;
  }

  // The id the next new entry gets: above every id present or ever removed. (Explicit ids
  // instead of AUTOINCREMENT, which costs a sqlite_sequence update per row.)
  Result<std::int64_t> next_entry_id() {
    auto& st = stmt(
        "SELECT max(COALESCE((SELECT MAX(id) FROM entries), 0), "
        "COALESCE((SELECT CAST(value AS INTEGER) FROM store_meta WHERE key = 'entry_id_floor'), 0)) + 1");
    auto row = st.step("next entry id");
    if (!row) return row.error();
    const std::int64_t v = st.i64(0);
    st.reset();
    return v;
  }

  // Inserts with id `next_id` (then advanced) unless (bank, type, value) exists; then returns
  // the existing id with added=false.
  Result<AddOutcome> insert_entry(std::int64_t bank_id, const NewEntry& e, std::int64_t seq,
                                  const std::string& now, std::int64_t& next_id) {
    auto& st = stmt(
        "INSERT INTO entries (bank_id, signal_type, value, class_scheme, class_label, source_contributor, "
        "source_list, source_id, added_at, note, disabled, seq, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, "
        "?, ?) "
        "ON CONFLICT (bank_id, signal_type, value) DO NOTHING");
    st.bind(1, bank_id).bind(2, std::string_view(to_string(e.type))).bind(3, e.value);
    st.bind(4, e.classification.scheme).bind(5, e.classification.label);
    st.bind(6, e.source.contributor).bind(7, e.source.list).bind(8, e.source.id);
    st.bind(9, e.added_at.empty() ? now : e.added_at).bind(10, e.note).bind(11, seq).bind(12, next_id);
    BAOVE_TRY(st.run("add entry"));
    if (sqlite3_changes(db_) == 1) return AddOutcome{next_id++, true};
    auto existing = find_existing(bank_id, e);
    if (!existing) return existing.error();
    if (!*existing) return make_error(ErrorCode::internal, "database: entry neither added nor present");
    return AddOutcome{**existing, false};
  }

  static Bank bank_from(const Stmt& st) {
    return Bank{st.i64(0), st.text(1), st.text(2), st.text(3), st.i64(4) != 0, st.text(5)};
  }

  Result<Bank> one_bank(Stmt& st) {
    auto row = st.step("read bank");
    if (!row) return row.error();
    if (!*row) {
      st.reset();
      return make_error(ErrorCode::not_found, "no such bank");
    }
    Bank b = bank_from(st);
    st.reset();
    return b;
  }

  Result<Bank> get_bank_locked(std::int64_t id) {
    auto& st = stmt("SELECT id, name, owner_unit, description, enabled, created_at FROM banks WHERE id = ?");
    st.bind(1, id);
    auto b = one_bank(st);
    if (!b && b.error().code == ErrorCode::not_found) {
      return make_error(ErrorCode::not_found, "no bank with id " + std::to_string(id));
    }
    return b;
  }

  static Result<Entry> entry_from(const Stmt& st) {
    auto t = type_from_db(st.text(2));
    if (!t) return t.error();
    Entry e;
    e.id = st.i64(0);
    e.bank_id = st.i64(1);
    e.type = *t;
    e.value = st.text(3);
    e.classification = {st.text(4), st.text(5)};
    e.source = {st.text(6), st.text(7), st.text(8)};
    e.added_at = st.text(9);
    e.note = st.text(10);
    e.disabled = st.i64(11) != 0;
    return e;
  }

  std::mutex mu_;
  sqlite3* db_;
  std::unordered_map<const char*, Stmt> stmts_;  // keyed by the SQL literal's address
};

SqliteBatch::~SqliteBatch() {
  if (!done_) finish(store_.db_, "ROLLBACK");
}

Result<AddOutcome> SqliteBatch::add(const NewEntry& entry) {
  if (done_) return make_error(ErrorCode::internal, "batch already finished");
  BAOVE_TRY(validate_entry(entry));
  if (seq_ == 0) {
    auto seq = store_.log_change("entries_imported", bank_id_, std::nullopt);
    if (!seq) return seq.error();
    auto next = store_.next_entry_id();
    if (!next) return next.error();
    seq_ = *seq;
    next_id_ = *next;
  }
  return store_.insert_entry(bank_id_, entry, seq_, now_, next_id_);
}

Status SqliteBatch::commit() {
  if (done_) return make_error(ErrorCode::internal, "batch already finished");
  done_ = true;
  Status c = exec(store_.db_, "COMMIT", "commit");
  if (!c) finish(store_.db_, "ROLLBACK");
  return c;
}

}  // namespace

bool BankScope::contains(std::int64_t bank_id) const {
  if (all) return true;
  for (std::int64_t id : bank_ids) {
    if (id == bank_id) return true;
  }
  return false;
}

int sqlite_schema_version() noexcept { return kSchemaVersion; }

Result<std::unique_ptr<BankStore>> open_sqlite_store(const std::filesystem::path& path,
                                                     const SqliteOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return make_error(ErrorCode::io, "cannot open database " + path.string() + ": is a directory");
  }
  // Create the file ourselves so that it (and SQLite's -wal and -shm files, which copy its mode)
  // is readable by the owner only.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                      "cannot open database " + path.string() + ": " + std::strerror(errno));
  }
  ::close(fd);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return make_error(ErrorCode::io, "cannot open database " + path.string() + ": " + msg);
  }
  auto store = std::make_unique<SqliteStore>(db);
  Status s = store->init(options);
  if (!s) return s.error().with_context(path.string());
  return std::unique_ptr<BankStore>(std::move(store));
}

}  // namespace baove::bank
