// Group commit on both engines: every caller's write lands, commits are shared, and one caller's
// failure rolls back only that caller's changes.
#include "store/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "store/tests/test_env.hpp"

namespace baove::store {
namespace {

class GroupCommitTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::sqlite) {
      url_ = "sqlite:" + (dir_.path() / "group.db").string();
    } else {
      const auto& pg = testing::postgres_url();
      ASSERT_TRUE(pg.ok()) << pg.error().message;
      url_ = *pg;
    }
    auto c = open(url_);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE((*c)->exec_script("DROP TABLE IF EXISTS gc_items; "
                                  "CREATE TABLE gc_items (id BIGINT PRIMARY KEY, who BIGINT NOT NULL)")
                    .ok());
  }
  std::unique_ptr<Connection> connect() {
    auto c = open(url_);
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  testing::TempDir dir_;
  std::string url_;
};

TEST_P(GroupCommitTest, ConcurrentCallersShareCommitsAndAllLand) {
  GroupCommit gc(connect());
  constexpr int kThreads = 16, kEach = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::int64_t id = t * 1000 + i;
        Status s = gc.run([&](Connection& c) -> Status {
          const Value p[] = {id, std::int64_t{t}};
          auto n = c.execute("INSERT INTO gc_items (id, who) VALUES ($1, $2)", p);
          if (!n.ok()) return n.error();
          return {};
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto check = connect();
  auto rows = check->query("SELECT COUNT(*) FROM gc_items");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->front().integer(0), kThreads * kEach);
  const auto stats = gc.stats();
  EXPECT_EQ(stats.works, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_LE(stats.commits, stats.works);
}

TEST_P(GroupCommitTest, AFailingCallerLosesOnlyItsOwnChanges) {
  GroupCommit gc(connect());
  ASSERT_TRUE(gc.run([](Connection& c) -> Status {
                  const Value p[] = {std::int64_t{1}, std::int64_t{1}};
                  auto n = c.execute("INSERT INTO gc_items (id, who) VALUES ($1, $2)", p);
                  return n.ok() ? Status{} : Status(n.error());
                }).ok());
  // Inserts a row, then fails on a duplicate key: both of its changes must vanish.
  Status bad = gc.run([](Connection& c) -> Status {
    const Value a[] = {std::int64_t{2}, std::int64_t{2}};
    auto n = c.execute("INSERT INTO gc_items (id, who) VALUES ($1, $2)", a);
    if (!n.ok()) return n.error();
    const Value b[] = {std::int64_t{1}, std::int64_t{2}};
    auto m = c.execute("INSERT INTO gc_items (id, who) VALUES ($1, $2)", b);
    return m.ok() ? Status{} : Status(m.error());
  });
  EXPECT_FALSE(bad.ok());
  Status good = gc.run([](Connection& c) -> Status {
    const Value p[] = {std::int64_t{3}, std::int64_t{3}};
    auto n = c.execute("INSERT INTO gc_items (id, who) VALUES ($1, $2)", p);
    return n.ok() ? Status{} : Status(n.error());
  });
  EXPECT_TRUE(good.ok()) << good.error().message;
  auto check = connect();
  auto rows = check->query("SELECT id FROM gc_items ORDER BY id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].integer(0), 1);
  EXPECT_EQ((*rows)[1].integer(0), 3);
}

TEST_P(GroupCommitTest, TransactionsInsideWorkAreSavepoints) {
  GroupCommit gc(connect());
  Status s = gc.run([](Connection& c) -> Status {
    {
      Transaction kept(c);  // nested: a savepoint, released by commit()
      if (!kept.started().ok()) return kept.started();
      const Value p[] = {std::int64_t{10}, std::int64_t{1}};
      auto n = c.execute("INSERT INTO gc_items (id, who) VALUES ($1, $2)", p);
      if (!n.ok()) return n.error();
      if (auto r = kept.commit(); !r.ok()) return r;
    }
    {
      Transaction dropped(c);  // nested and never committed: only its own row goes
      if (!dropped.started().ok()) return dropped.started();
      const Value p[] = {std::int64_t{11}, std::int64_t{1}};
      auto n = c.execute("INSERT INTO gc_items (id, who) VALUES ($1, $2)", p);
      if (!n.ok()) return n.error();
    }
    return {};
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto check = connect();
  auto rows = check->query("SELECT id FROM gc_items ORDER BY id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].integer(0), 10);
  EXPECT_FALSE(check->in_transaction());
}

TEST_P(GroupCommitTest, SubmittedWorkCallsBackAfterItsCommit) {
  GroupCommit gc(connect());
  std::mutex mu;
  std::condition_variable cv;
  int done = 0, ok = 0;
  constexpr int kJobs = 50;
  for (int i = 0; i < kJobs; ++i) {
    gc.submit(
        [i](Connection& c) -> Status {
          const Value p[] = {std::int64_t{i}, std::int64_t{0}};
          auto n = c.execute("INSERT INTO gc_items (id, who) VALUES ($1, $2)", p);
          return n.ok() ? Status{} : Status(n.error());
        },
        [&, url = url_, i](Status s) {
          // Called after the commit: a fresh connection already sees the row.
          auto check = open(url);
          bool seen = false;
          if (check.ok()) {
            const Value p[] = {std::int64_t{i}};
            auto rows = (*check)->query("SELECT id FROM gc_items WHERE id = $1", p);
            seen = rows.ok() && rows->size() == 1;
          }
          std::lock_guard lock(mu);
          ++done;
          if (s.ok() && seen) ++ok;
          cv.notify_one();
        });
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return done == kJobs; }));
  EXPECT_EQ(ok, kJobs);
}

INSTANTIATE_TEST_SUITE_P(Engines, GroupCommitTest, ::testing::Values(Engine::sqlite, Engine::postgresql),
                         [](const auto& p) { return p.param == Engine::sqlite ? "sqlite" : "postgresql"; });

}  // namespace
}  // namespace baove::store
