// Appends, the stored chain and tree, checkpoints, proofs and concurrent writers, on both engines.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "audit/audit.hpp"
#include "audit/tests/test_db.hpp"

namespace baove::audit {
namespace {

using testing::at;
using testing::EngineTest;
using testing::sample_event;

Query oldest_first() {
  Query q;
  q.newest_first = false;
  return q;
}

class LogTest : public EngineTest {
 protected:
  Log make_log(std::chrono::seconds interval = std::chrono::seconds(60)) {
    return Log(SigningKey::generate(), LogOptions{dir_.path() / "checkpoints.log", interval});
  }
  // Appends events first..last, each in its own committed transaction.
  void append_range(const Log& log, int first, int last) {
    for (int i = first; i <= last; ++i) {
      store::Transaction tx(*db_);
      ASSERT_TRUE(tx.started().ok());
      auto seq = log.append(*db_, sample_event(i));
      ASSERT_TRUE(seq.ok()) << seq.error().message;
      ASSERT_TRUE(tx.commit().ok());
    }
  }
  std::vector<Hash> stored_leaves() {
    std::vector<Hash> out;
    auto rows = db_->query("SELECT leaf_hash FROM audit_events ORDER BY seq");
    EXPECT_TRUE(rows.ok());
    for (const auto& r : *rows) {
      const auto b = r.blob(0);
      Hash h;
      std::copy(b.begin(), b.end(), h.begin());
      out.push_back(h);
    }
    return out;
  }
};

TEST_P(LogTest, AppendsChainAndHashTheCanonicalEvent) {
  const Log log = make_log();
  Hash chain{};
  for (int i = 1; i <= 5; ++i) {
    store::Transaction tx(*db_);
    auto seq = log.append(*db_, sample_event(i));
    ASSERT_TRUE(seq.ok()) << seq.error().message;
    EXPECT_EQ(*seq, i);
    ASSERT_TRUE(tx.commit().ok());
  }
  auto page = query(*db_, oldest_first());
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->events.size(), 5U);
  for (int i = 1; i <= 5; ++i) {
    const StoredEvent& s = page->events[static_cast<std::size_t>(i - 1)];
    EXPECT_EQ(s.seq, i);
    EXPECT_EQ(s.event, sample_event(i));
    EXPECT_EQ(s.leaf_hash, leaf_hash(serialize(i, sample_event(i))));
    std::vector<std::uint8_t> both(chain.begin(), chain.end());
    both.insert(both.end(), s.leaf_hash.begin(), s.leaf_hash.end());
    chain = sha256(both);
    EXPECT_EQ(s.chain_hash, chain);
  }
  // Migrating again changes nothing.
  ASSERT_TRUE(migrate(*db_).ok());
  auto report = verify(*db_, log.public_key());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->root, root_from_leaves(stored_leaves()));
  EXPECT_EQ(report->chain_head, chain);
}

TEST_P(LogTest, InvalidEventsAndRolledBackTransactionsLeaveNoTrace) {
  const Log log = make_log();
  append_range(log, 1, 2);
  {
    store::Transaction tx(*db_);
    Event bad = sample_event(3);
    bad.reason = std::string(300, 'x');
    auto seq = log.append(*db_, bad);
    ASSERT_FALSE(seq.ok());
    EXPECT_EQ(seq.error().code, ErrorCode::invalid_argument);
    // The request's own work is rolled back with it; here an accepted append then a rollback.
    ASSERT_TRUE(log.append(*db_, sample_event(3)).ok());
  }  // destroyed without commit: rolls back
  append_range(log, 4, 4);
  auto page = query(*db_, oldest_first());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 3U);
  EXPECT_EQ(page->events[2].seq, 3);
  EXPECT_EQ(page->events[2].event, sample_event(4));
  auto report = verify(*db_, log.public_key());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << to_string(report->first()->kind);
}

TEST_P(LogTest, CheckpointsFollowTheIntervalAndGrowth) {
  const Log log = make_log();
  auto none = log.maybe_checkpoint(*db_, at(0));
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value()) << "empty log";

  append_range(log, 1, 3);
  auto first = log.maybe_checkpoint(*db_, at(10));
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->has_value()) << "first checkpoint is due at once";
  EXPECT_EQ((*first)->size, 3U);
  EXPECT_EQ((*first)->root, root_from_leaves(stored_leaves()));
  EXPECT_TRUE((*first)->signature_valid(log.public_key()));

  append_range(log, 4, 6);
  auto early = log.maybe_checkpoint(*db_, at(69));
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value()) << "59 s after the last one";
  auto due = log.maybe_checkpoint(*db_, at(70));
  ASSERT_TRUE(due.ok());
  ASSERT_TRUE(due->has_value()) << "60 s after the last one and the log grew";
  EXPECT_EQ((*due)->size, 6U);
  auto idle = log.maybe_checkpoint(*db_, at(500));
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(idle->has_value()) << "the log did not grow";

  // The forced form returns the latest when nothing changed.
  auto forced = log.checkpoint(*db_, at(600));
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(*forced, **due);

  // Stored in the database and in the file, the same.
  auto stored = checkpoints(*db_);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2U);
  EXPECT_EQ((*stored)[0], **first);
  EXPECT_EQ((*stored)[1], **due);
  auto file = read_checkpoint_file(dir_.path() / "checkpoints.log");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(*file, *stored);
}

TEST_P(LogTest, CheckpointOfTheEmptyLogVerifies) {
  const Log log = make_log();
  auto cp = log.checkpoint(*db_, at(0));
  ASSERT_TRUE(cp.ok()) << cp.error().message;
  EXPECT_EQ(cp->size, 0U);
  EXPECT_EQ(cp->root, empty_root());
  auto report = verify(*db_, log.public_key(), VerifyOptions{.trusted = std::span(&*cp, 1)});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->first()->detail;
  append_range(log, 1, 2);
  report = verify(*db_, log.public_key(), VerifyOptions{.trusted = std::span(&*cp, 1)});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->first()->detail;
}

TEST_P(LogTest, ProofsFromTheDatabaseVerifyAgainstCheckpoints) {
  const Log log = make_log();
  append_range(log, 1, 13);
  auto old_cp = log.checkpoint(*db_, at(100));
  ASSERT_TRUE(old_cp.ok());
  append_range(log, 14, 30);
  auto new_cp = log.checkpoint(*db_, at(200));
  ASSERT_TRUE(new_cp.ok());
  const auto leaves = stored_leaves();

  for (std::int64_t seq : {1, 7, 13}) {
    auto path = prove_inclusion(*db_, seq, old_cp->size);
    ASSERT_TRUE(path.ok()) << path.error().message;
    EXPECT_TRUE(verify_inclusion(leaves[static_cast<std::size_t>(seq - 1)],
                                 static_cast<std::uint64_t>(seq - 1), old_cp->size, *path, old_cp->root));
  }
  auto proof = prove_consistency(*db_, old_cp->size, new_cp->size);
  ASSERT_TRUE(proof.ok()) << proof.error().message;
  EXPECT_TRUE(verify_consistency(old_cp->size, new_cp->size, old_cp->root, new_cp->root, *proof));
  EXPECT_FALSE(prove_inclusion(*db_, 31, 30).ok());
  EXPECT_FALSE(prove_consistency(*db_, 10, 31).ok());
}

TEST_P(LogTest, ConcurrentWritersKeepTheChainContiguous) {
  const Log log = make_log();
  constexpr int kThreads = 4;
  constexpr int kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = store::open(url_);
      if (!c.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kEach; ++i) {
        store::Transaction tx(**c);
        if (!tx.started().ok() || !log.append(**c, sample_event(t * kEach + i)).ok() || !tx.commit().ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto report = verify(*db_, log.public_key());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->events, kThreads * kEach);
  EXPECT_TRUE(report->ok()) << to_string(report->first()->kind) << ": " << report->first()->detail;
}

INSTANTIATE_TEST_SUITE_P(Engines, LogTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql),
                         testing::engine_name);

}  // namespace
}  // namespace baove::audit
