// The repository tests of the store: the same cases against SQLite (a real file) and PostgreSQL
// (a throw-away server started once for the binary).
#include "store/store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <thread>

#include "store/tests/test_env.hpp"

namespace baove::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Starts the server lazily (a run filtered to SQLite needs none) and stops it at the end.
class PostgresEnvironment : public ::testing::Environment {
 public:
  const Result<std::string>& url() {
    if (!url_) {
      auto server = baove::testing::PostgresServer::start();
      if (!server.ok()) {
        url_.emplace(server.error());
      } else {
        server_ = std::move(*server);
        url_.emplace(server_->create_database("baove_store_test_" + std::to_string(getpid())));
      }
    }
    return *url_;
  }
  void TearDown() override {
    server_.reset();
    url_.reset();
  }

 private:
  std::unique_ptr<baove::testing::PostgresServer> server_;
  std::optional<Result<std::string>> url_;
};

PostgresEnvironment* const postgres_environment =
    static_cast<PostgresEnvironment*>(::testing::AddGlobalTestEnvironment(new PostgresEnvironment));

}  // namespace

namespace testing {
const Result<std::string>& postgres_url() { return postgres_environment->url(); }
}  // namespace testing

namespace {

Blob bytes(std::initializer_list<int> v) {
  Blob b;
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
  return b;
}

class StoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::sqlite) {
      ASSERT_FALSE(dir_.path().empty());
      url_ = "sqlite:" + (dir_.path() / "test.db").string();
    } else {
      const auto& url = testing::postgres_url();
      ASSERT_TRUE(url.ok()) << "PostgreSQL is needed for these tests: " << url.error().message;
      url_ = *url;
      auto c = open(url_);
      ASSERT_TRUE(c.ok()) << c.error().message;
      // A clean schema for each case.
      ASSERT_TRUE((*c)->exec_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public").ok());
    }
    db_ = connect();
    ASSERT_NE(db_, nullptr);
  }

  std::unique_ptr<Connection> connect() {
    auto c = open(url_);
    if (!c.ok()) {
      ADD_FAILURE() << "open " << redact_url(url_) << ": " << c.error().message;
      return nullptr;
    }
    return std::move(*c);
  }

  bool pg() const { return GetParam() == Engine::postgresql; }
  std::string blob_type() const { return pg() ? "BYTEA" : "BLOB"; }

  void must(Status s) { ASSERT_TRUE(s.ok()) << s.error().message; }

  std::vector<Row> rows(std::string_view sql, std::vector<Value> params = {}) {
    auto r = db_->query(sql, params);
    EXPECT_TRUE(r.ok()) << sql << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : std::vector<Row>{};
  }

  std::int64_t count(Connection& c, const std::string& table) {
    auto r = c.query("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() && !r->empty() ? r->front().integer(0) : -1;
  }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Connection> db_;
};

TEST_P(StoreTest, ReportsItsEngine) { EXPECT_EQ(db_->engine(), GetParam()); }

TEST_P(StoreTest, EveryValueTypeRoundTrips) {
  must(db_->exec_script("CREATE TABLE v (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, s TEXT, b " +
                        blob_type() + ")"));
  const std::string vietnamese = "Trẻ em có quyền được bảo vệ — đường dây nóng 111";
  const Blob with_nul = bytes({0x00, 0x01, 0xFF, 0x00, 0x5C, 0x78, 0x00});
  const std::vector<std::vector<Value>> inserted = {
      {std::int64_t{1}, std::numeric_limits<std::int64_t>::max(), 0.1, std::string(), Blob()},
      {std::int64_t{2}, std::numeric_limits<std::int64_t>::min(), -1e300, vietnamese, with_nul},
      {std::int64_t{3}, std::int64_t{-1}, 123456.789, std::string("\\x41 'quoted' \"d\""), bytes({0x5C})},
      {std::int64_t{4}, Value{}, Value{}, Value{}, Value{}},
      {std::int64_t{5}, std::int64_t{9007199254740993}, std::numeric_limits<double>::max(), std::string("a"),
       Blob(70000, 0xAB)},
  };
  for (const auto& row : inserted) {
    auto n = db_->execute("INSERT INTO v (id, i, r, s, b) VALUES ($1, $2, $3, $4, $5)", row);
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(*n, 1);
  }
  auto got = rows("SELECT id, i, r, s, b FROM v ORDER BY id");
  ASSERT_EQ(got.size(), inserted.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    ASSERT_EQ(got[k].size(), 5u);
    for (std::size_t col = 0; col < 5; ++col) {
      EXPECT_EQ(got[k].value(col), inserted[k][col]) << "row " << k << " column " << col;
    }
  }
  EXPECT_EQ(got[1].text(3), vietnamese);
  EXPECT_EQ(got[1].blob(4), with_nul);
  EXPECT_FALSE(got[0].is_null(3));  // empty text is not NULL
  EXPECT_FALSE(got[0].is_null(4));  // nor is an empty blob
  EXPECT_TRUE(got[3].is_null(1));
  EXPECT_EQ(got[3].opt_integer(1), std::nullopt);
  EXPECT_EQ(got[3].opt_text(3), std::nullopt);
  EXPECT_EQ(got[0].opt_integer(1), std::numeric_limits<std::int64_t>::max());
}

TEST_P(StoreTest, ParametersRoundTripThroughSelect) {
  const std::vector<Value> params = {std::int64_t{-42}, 2.5, std::string("Nguyễn"), bytes({0, 0, 7})};
  auto got = rows("SELECT $1, $2, $3, $4", params);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].integer(0), -42);
  EXPECT_EQ(got[0].real(1), 2.5);
  EXPECT_EQ(got[0].text(2), "Nguyễn");
  EXPECT_EQ(got[0].blob(3), bytes({0, 0, 7}));
  EXPECT_EQ(got[0].real(0), -42.0);  // integers read as reals
}

TEST_P(StoreTest, ComparisonsAndCountsReadAsIntegers) {
  // PostgreSQL's booleans and bigint counts come back as integers, as SQLite's do.
  must(db_->exec_script("CREATE TABLE c (x BIGINT)"));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(db_->execute("INSERT INTO c (x) VALUES ($1)", std::vector<Value>{std::int64_t{i}}).ok());
  auto got = rows("SELECT 1 = 1, 1 = 2, COUNT(*) FROM c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].integer(0), 1);
  EXPECT_EQ(got[0].integer(1), 0);
  EXPECT_EQ(got[0].integer(2), 3);
}

TEST_P(StoreTest, PlaceholdersBindByNumberNotPosition) {
  must(db_->exec_script("CREATE TABLE p (a TEXT, b BIGINT, c TEXT)"));
  auto n = db_->execute("INSERT INTO p (c, b, a) VALUES ($3, $1, $2)",
                        std::vector<Value>{std::int64_t{7}, std::string("first"), std::string("third")});
  ASSERT_TRUE(n.ok()) << n.error().message;
  auto got = rows("SELECT a, b, c FROM p WHERE b = $2 AND a = $1 AND c <> $1",
                  {std::string("first"), std::int64_t{7}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text(0), "first");
  EXPECT_EQ(got[0].integer(1), 7);
  EXPECT_EQ(got[0].text(2), "third");
}

TEST_P(StoreTest, WrongParameterCountIsRejected) {
  must(db_->exec_script("CREATE TABLE w (a BIGINT, b BIGINT)"));
  auto r = db_->execute("INSERT INTO w (a, b) VALUES ($1, $2)", std::vector<Value>{std::int64_t{1}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument) << r.error().message;
  EXPECT_EQ(count(*db_, "w"), 0);
}

TEST_P(StoreTest, BadTextParametersAreRejectedWithoutTheirContent) {
  const std::string nul("abc\0def", 7);
  auto r = db_->query("SELECT $1", std::vector<Value>{nul});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_THAT(r.error().message, HasSubstr("$1"));
  const std::string bad_utf8 = "secret\xC3\x28";
  r = db_->query("SELECT $2, $1", std::vector<Value>{std::string("ok"), bad_utf8});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_THAT(r.error().message, HasSubstr("$2"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("secret")));
}

TEST_P(StoreTest, ExecuteCountsChangedRowsAndReturningWorks) {
  must(db_->exec_script("CREATE TABLE e (id BIGINT PRIMARY KEY, n BIGINT)"));
  for (std::int64_t i = 1; i <= 5; ++i) {
    auto got = rows("INSERT INTO e (id, n) VALUES ($1, $2) RETURNING id * 10", {i, i % 2});
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].integer(0), i * 10);
  }
  auto changed = db_->execute("UPDATE e SET n = n + 1 WHERE n = $1", std::vector<Value>{std::int64_t{1}});
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(*changed, 3);
  auto none = db_->execute("DELETE FROM e WHERE id > $1", std::vector<Value>{std::int64_t{100}});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  auto ddl = db_->execute("CREATE TABLE e2 (x BIGINT)");
  ASSERT_TRUE(ddl.ok()) << ddl.error().message;
  EXPECT_EQ(*ddl, 0);
}

TEST_P(StoreTest, TransactionsCommitAndRollBack) {
  must(db_->exec_script("CREATE TABLE t (id BIGINT PRIMARY KEY)"));
  auto other = connect();
  ASSERT_NE(other, nullptr);

  must(db_->begin());
  ASSERT_TRUE(db_->execute("INSERT INTO t (id) VALUES (1)").ok());
  EXPECT_EQ(count(*other, "t"), 0);  // not visible before commit
  must(db_->commit());
  EXPECT_EQ(count(*other, "t"), 1);

  must(db_->begin());
  ASSERT_TRUE(db_->execute("INSERT INTO t (id) VALUES (2)").ok());
  EXPECT_EQ(count(*db_, "t"), 2);
  must(db_->rollback());
  EXPECT_EQ(count(*db_, "t"), 1);
  EXPECT_EQ(count(*other, "t"), 1);
}

TEST_P(StoreTest, TransactionObjectRollsBackUnlessCommitted) {
  must(db_->exec_script("CREATE TABLE t (id BIGINT PRIMARY KEY)"));
  {
    Transaction tx(*db_);
    ASSERT_TRUE(tx.started().ok()) << tx.started().error().message;
    ASSERT_TRUE(db_->execute("INSERT INTO t (id) VALUES (1)").ok());
  }
  EXPECT_EQ(count(*db_, "t"), 0);
  {
    Transaction tx(*db_);
    ASSERT_TRUE(db_->execute("INSERT INTO t (id) VALUES (2)").ok());
    must(tx.commit());
  }
  auto other = connect();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(count(*other, "t"), 1);
  // A failed statement inside: the whole transaction goes when the object does.
  {
    Transaction tx(*db_);
    ASSERT_TRUE(db_->execute("INSERT INTO t (id) VALUES (3)").ok());
    EXPECT_FALSE(db_->execute("INSERT INTO t (id) VALUES (2)").ok());
  }
  EXPECT_EQ(count(*db_, "t"), 1);
  // The connection is usable afterwards.
  EXPECT_TRUE(db_->execute("INSERT INTO t (id) VALUES (4)").ok());
  EXPECT_EQ(count(*other, "t"), 2);
}

TEST_P(StoreTest, UniqueViolationsAreConflicts) {
  must(db_->exec_script("CREATE TABLE u (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE)"));
  const std::string secret = "nguyen.van.a@example.vn";
  ASSERT_TRUE(
      db_->execute("INSERT INTO u (id, email) VALUES ($1, $2)", std::vector<Value>{std::int64_t{1}, secret})
          .ok());

  auto same_key = db_->execute("INSERT INTO u (id, email) VALUES ($1, $2)",
                               std::vector<Value>{std::int64_t{1}, std::string("x")});
  ASSERT_FALSE(same_key.ok());
  EXPECT_EQ(same_key.error().code, ErrorCode::conflict) << same_key.error().message;

  auto same_email =
      db_->execute("INSERT INTO u (id, email) VALUES ($1, $2)", std::vector<Value>{std::int64_t{2}, secret});
  ASSERT_FALSE(same_email.ok());
  EXPECT_EQ(same_email.error().code, ErrorCode::conflict) << same_email.error().message;
  EXPECT_THAT(same_email.error().message, Not(HasSubstr(secret)));  // PostgreSQL's DETAIL names the key

  auto null_email =
      db_->execute("INSERT INTO u (id, email) VALUES ($1, $2)", std::vector<Value>{std::int64_t{3}, Value{}});
  ASSERT_FALSE(null_email.ok());
  EXPECT_NE(null_email.error().code, ErrorCode::conflict);  // not "already exists"
  EXPECT_EQ(count(*db_, "u"), 1);
}

TEST_P(StoreTest, ErrorsCarryTheEngineMessageButNoValues) {
  auto syntax = db_->query("SELEC 1");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, ErrorCode::invalid_argument);
  EXPECT_THAT(syntax.error().message, HasSubstr("syntax error"));

  auto missing = db_->query("SELECT x FROM no_such_table");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("no_such_table"));

  must(db_->exec_script("CREATE TABLE k (n BIGINT CHECK (n < 10), s TEXT)"));
  auto check =
      db_->execute("INSERT INTO k (n, s) VALUES ($1, $2)",
                   std::vector<Value>{std::int64_t{987654321}, std::string("Trần Thị B, 0912345678")});
  ASSERT_FALSE(check.ok());
  EXPECT_THAT(check.error().message, Not(HasSubstr("987654321")));
  EXPECT_THAT(check.error().message, Not(HasSubstr("0912345678")));

  if (pg()) {
    // PostgreSQL quotes unparsable input in its message ('invalid input syntax for type
    // bigint: "..."'): the store removes it. (SQLite's CAST does not fail.)
    auto cast = db_->query("SELECT CAST($1 AS BIGINT)", std::vector<Value>{std::string("Lê Văn C")});
    ASSERT_FALSE(cast.ok());
    EXPECT_EQ(cast.error().code, ErrorCode::invalid_argument);
    EXPECT_THAT(cast.error().message, HasSubstr("bigint"));
    EXPECT_THAT(cast.error().message, Not(HasSubstr("Lê Văn C")));
  }
}

TEST_P(StoreTest, OneStatementPerQuery) {
  auto r = db_->query("SELECT 1; SELECT 2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  auto trailing = db_->query("SELECT 1;");  // a trailing separator is one statement
  ASSERT_TRUE(trailing.ok()) << trailing.error().message;
  EXPECT_EQ(trailing->size(), 1u);
}

TEST_P(StoreTest, ExecScriptRunsSeveralStatements) {
  must(
      db_->exec_script("CREATE TABLE s1 (x BIGINT);\n-- a comment\nINSERT INTO s1 (x) VALUES (1);\n"
                       "INSERT INTO s1 (x) VALUES (2);\n"));
  EXPECT_EQ(count(*db_, "s1"), 2);
  auto bad = db_->exec_script("INSERT INTO s1 (x) VALUES (3); SELEC oops;");
  EXPECT_FALSE(bad.ok());
}

TEST_P(StoreTest, CachedStatementsStayCorrect) {
  must(db_->exec_script("CREATE TABLE cache (id BIGINT PRIMARY KEY, v TEXT)"));
  for (std::int64_t i = 0; i < 300; ++i) {
    ASSERT_TRUE(db_->execute("INSERT INTO cache (id, v) VALUES ($1, $2)",
                             std::vector<Value>{i, "v" + std::to_string(i)})
                    .ok());
  }
  // More distinct statements than the cache holds, then the first ones again.
  for (int round = 0; round < 2; ++round) {
    for (std::int64_t i = 0; i < 200; ++i) {
      auto got =
          rows("SELECT v FROM cache WHERE id = $1 AND " + std::to_string(i) + " = " + std::to_string(i), {i});
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0].text(0), "v" + std::to_string(i));
    }
  }
  // The same text with NULL, then a value, then NULL again.
  must(db_->exec_script("CREATE TABLE nn (x BIGINT)"));
  for (Value v : {Value{}, Value{std::int64_t{5}}, Value{}}) {
    ASSERT_TRUE(db_->execute("INSERT INTO nn (x) VALUES ($1)", std::vector<Value>{v}).ok());
  }
  EXPECT_EQ(rows("SELECT COUNT(x) FROM nn")[0].integer(0), 1);
  // A table changing shape under a cached statement.
  EXPECT_EQ(rows("SELECT * FROM nn LIMIT 1")[0].size(), 1u);
  must(db_->exec_script("ALTER TABLE nn ADD COLUMN y TEXT"));
  auto after = rows("SELECT * FROM nn LIMIT 1");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].size(), 2u);
}

TEST_P(StoreTest, TwoConnectionsSeeEachOthersCommittedWrites) {
  must(db_->exec_script("CREATE TABLE shared (k TEXT PRIMARY KEY, v BIGINT)"));
  auto other = connect();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(db_->execute("INSERT INTO shared (k, v) VALUES ($1, $2)",
                           std::vector<Value>{std::string("a"), std::int64_t{1}})
                  .ok());
  auto seen = other->query("SELECT v FROM shared WHERE k = $1", std::vector<Value>{std::string("a")});
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0].integer(0), 1);

  ASSERT_TRUE(other
                  ->execute("UPDATE shared SET v = $1 WHERE k = $2",
                            std::vector<Value>{std::int64_t{2}, std::string("a")})
                  .ok());
  auto back = rows("SELECT v FROM shared WHERE k = $1", {std::string("a")});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].integer(0), 2);
}

// --- migrations ---

constexpr Migration kMigrations[] = {
    {1, "people",
     "CREATE TABLE people (id BIGINT PRIMARY KEY, name TEXT NOT NULL);"
     "INSERT INTO people (id, name) VALUES (1, 'seed');"},
    {2, "engine_note", "CREATE TABLE engine_note (engine TEXT); INSERT INTO engine_note VALUES ('sqlite');",
     "CREATE TABLE engine_note (engine TEXT); INSERT INTO engine_note VALUES ('postgresql');"},
};

TEST_P(StoreTest, MigrationsApplyOnceAndRecordVersions) {
  must(migrate(*db_, "core", kMigrations));
  must(migrate(*db_, "core", kMigrations));  // idempotent
  auto other = connect();
  ASSERT_NE(other, nullptr);
  must(migrate(*other, "core", kMigrations));
  EXPECT_EQ(count(*db_, "people"), 1);  // the seed row was inserted once

  auto recorded =
      rows("SELECT version, name, applied_at FROM schema_migrations WHERE component = $1 ORDER BY version",
           {std::string("core")});
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded[0].integer(0), 1);
  EXPECT_EQ(recorded[0].text(1), "people");
  EXPECT_EQ(recorded[1].integer(0), 2);
  EXPECT_EQ(recorded[1].text(1), "engine_note");
  EXPECT_EQ(recorded[0].text(2).size(), 20u);  // 2024-01-02T03:04:05Z
  EXPECT_EQ(recorded[0].text(2).back(), 'Z');

  auto note = rows("SELECT engine FROM engine_note");
  ASSERT_EQ(note.size(), 1u);
  EXPECT_EQ(note[0].text(0), pg() ? "postgresql" : "sqlite");
}

TEST_P(StoreTest, MigrationsResumeFromTheRecordedVersion) {
  must(migrate(*db_, "core", std::span(kMigrations).first(1)));
  EXPECT_EQ(rows("SELECT COUNT(*) FROM schema_migrations")[0].integer(0), 1);
  must(migrate(*db_, "core", kMigrations));
  EXPECT_EQ(rows("SELECT MAX(version) FROM schema_migrations")[0].integer(0), 2);
  EXPECT_EQ(count(*db_, "people"), 1);
  // Components are independent.
  const Migration other[] = {{1, "audit", "CREATE TABLE audit_rows (id BIGINT)"}};
  must(migrate(*db_, "audit", other));
  EXPECT_EQ(rows("SELECT COUNT(*) FROM schema_migrations")[0].integer(0), 3);
}

TEST_P(StoreTest, MigrationsRefuseANewerDatabase) {
  must(migrate(*db_, "core", kMigrations));
  ASSERT_TRUE(db_->execute("INSERT INTO schema_migrations (component, version, name, applied_at) "
                           "VALUES ($1, $2, $3, $4)",
                           std::vector<Value>{std::string("core"), std::int64_t{7}, std::string("future"),
                                              std::string("2031-01-01T00:00:00Z")})
                  .ok());
  Status s = migrate(*db_, "core", kMigrations);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::unsupported);
  EXPECT_THAT(s.error().message, HasSubstr("7"));
}

TEST_P(StoreTest, AFailedMigrationLeavesNoTrace) {
  const Migration broken[] = {
      kMigrations[0],
      {2, "broken", "CREATE TABLE half (x BIGINT); INSERT INTO no_such_table VALUES (1);"},
  };
  Status s = migrate(*db_, "core", broken);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("broken"));
  EXPECT_EQ(rows("SELECT MAX(version) FROM schema_migrations")[0].integer(0), 1);
  EXPECT_FALSE(db_->query("SELECT COUNT(*) FROM half").ok());  // rolled back with its migration
  // Fixed, it applies.
  must(migrate(*db_, "core", kMigrations));
  EXPECT_EQ(rows("SELECT MAX(version) FROM schema_migrations")[0].integer(0), 2);
}

TEST_P(StoreTest, MigrationListsMustIncrease) {
  const Migration unordered[] = {{2, "b", "SELECT 1"}, {1, "a", "SELECT 1"}};
  Status s = migrate(*db_, "core", unordered);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::invalid_argument);
}

TEST_P(StoreTest, ConcurrentMigrationsApplyEachVersionOnce) {
  // Not idempotent by itself: applied twice, CREATE TABLE fails and the row doubles.
  const Migration once[] = {
      {1, "once", "CREATE TABLE once_only (x BIGINT); INSERT INTO once_only VALUES (1);"},
      {2, "twice", "INSERT INTO once_only VALUES (2);"}};
  constexpr int kProcesses = 4;
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < kProcesses; ++i) {
    connections.push_back(connect());
    ASSERT_NE(connections.back(), nullptr);
  }
  std::vector<Status> results(kProcesses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kProcesses; ++i) {
    threads.emplace_back([&, i] { results[i] = migrate(*connections[i], "core", once); });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(count(*db_, "once_only"), 2);
  EXPECT_EQ(rows("SELECT COUNT(*) FROM schema_migrations")[0].integer(0), 2);
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, ::testing::Values(Engine::sqlite, Engine::postgresql),
                         [](const ::testing::TestParamInfo<Engine>& param) {
                           return param.param == Engine::sqlite ? std::string("SQLite")
                                                                : std::string("PostgreSQL");
                         });

// --- engine-independent ---

TEST(StoreOpen, RejectsUnknownUrls) {
  auto c = open("mysql://db/x");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(open("sqlite:").ok());
}

TEST(StoreOpen, SqliteInAMissingDirectoryFails) {
  auto c = open("sqlite:/nonexistent-dir-for-baove/x.db");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::io);
  EXPECT_THAT(c.error().message, HasSubstr("x.db"));
}

TEST(StoreOpen, SqliteUsesWalAndFullSync) {
  testing::TempDir dir;
  auto c = open("sqlite:" + (dir.path() / "w.db").string());
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto mode = (*c)->query("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ((*mode)[0].text(0), "wal");
  auto sync = (*c)->query("PRAGMA synchronous");
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ((*sync)[0].integer(0), 2);  // FULL
  auto fk = (*c)->query("PRAGMA foreign_keys");
  ASSERT_TRUE(fk.ok());
  EXPECT_EQ((*fk)[0].integer(0), 1);
}

TEST(StoreOpen, PostgresFailuresDoNotShowThePassword) {
  // Port 1 on loopback: nothing listens there.
  auto refused = open("postgresql://hotline:Pa55-w0rd-xyz@127.0.0.1:1/baove?connect_timeout=2");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::io);
  EXPECT_THAT(refused.error().message, Not(HasSubstr("Pa55-w0rd-xyz")));
  EXPECT_THAT(refused.error().message, HasSubstr("127.0.0.1"));

  auto malformed = open("postgresql://hotline:Pa55%zzword@127.0.0.1:1/baove?password=Other%41secret&bogus=1");
  ASSERT_FALSE(malformed.ok());
  EXPECT_THAT(malformed.error().message, Not(HasSubstr("Pa55")));
  EXPECT_THAT(malformed.error().message, Not(HasSubstr("Other")));
  EXPECT_THAT(malformed.error().message, Not(HasSubstr("OtherAsecret")));
}

TEST(StoreOpen, RedactUrlHidesPasswords) {
  EXPECT_EQ(redact_url("postgresql://u:secret@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(redact_url("postgresql://u@h/db?sslmode=require&password=secret"),
            "postgresql://u@h/db?sslmode=require&password=***");
  EXPECT_EQ(redact_url("postgresql://h/db"), "postgresql://h/db");
  EXPECT_EQ(redact_url("sqlite:/var/lib/baove/baove.db"), "sqlite:/var/lib/baove/baove.db");
}

TEST(StoreRow, AccessorsConvertOnlyWhereDocumented) {
  Row r({std::int64_t{3}, std::string("ab"), Value{}, 1.5});
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(r.real(0), 3.0);
  EXPECT_EQ(r.blob(1), bytes({'a', 'b'}));
  EXPECT_TRUE(r.is_null(2));
  EXPECT_EQ(r.real(3), 1.5);
  EXPECT_DEATH((void)r.integer(1), "holds text");
  EXPECT_DEATH((void)r.text(0), "holds integer");
  EXPECT_DEATH((void)r.integer(2), "holds NULL");
  EXPECT_DEATH((void)r.integer(9), "4 columns");
}

}  // namespace
}  // namespace baove::store
