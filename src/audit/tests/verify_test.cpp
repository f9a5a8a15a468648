// Verification against direct tampering with the database: each attack must be found and named.
#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "audit/tests/test_db.hpp"

namespace baove::audit {
namespace {

using store::Value;
using testing::at;
using testing::sample_event;

class VerifyTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    log_.emplace(SigningKey::generate(),
                 LogOptions{dir_.path() / "checkpoints.log", std::chrono::seconds(60)});
    append_range(1, 20);
    auto cp20 = log_->checkpoint(*db_, at(1000));
    ASSERT_TRUE(cp20.ok()) << cp20.error().message;
    append_range(21, 40);
    auto cp40 = log_->checkpoint(*db_, at(2000));
    ASSERT_TRUE(cp40.ok());
    cp40_ = *cp40;
  }

  void append_range(int first, int last) {
    for (int i = first; i <= last; ++i) {
      store::Transaction tx(*db_);
      ASSERT_TRUE(log_->append(*db_, sample_event(i)).ok());
      ASSERT_TRUE(tx.commit().ok());
    }
  }

  void sql(const std::string& text, std::vector<Value> params = {}) {
    auto r = db_->execute(text, params);
    ASSERT_TRUE(r.ok()) << text << ": " << r.error().message;
  }

  VerifyReport run(std::span<const Checkpoint> trusted = {}) {
    auto r = verify(*db_, log_->public_key(), VerifyOptions{.trusted = trusted});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : VerifyReport{};
  }

  static std::string describe(const VerifyReport& r) {
    std::string s;
    for (const auto& p : r.problems) {
      s += std::string(to_string(p.kind)) + " " + std::to_string(p.seq) + ".." + std::to_string(p.last_seq) +
           ": " + p.detail + "\n";
    }
    return s;
  }

  Hash chain_of(std::int64_t seq) {
    const Value p[] = {seq};
    auto rows = db_->query("SELECT chain_hash FROM audit_events WHERE seq = $1", p);
    EXPECT_TRUE(rows.ok() && rows->size() == 1);
    Hash h{};
    const auto b = rows->front().blob(0);
    std::copy(b.begin(), b.end(), h.begin());
    return h;
  }

  // Rows as an attacker who knows the algorithm (but not the signing key) would write them.
  void insert_forged(std::int64_t seq, const Event& e, const Hash& prev_chain) {
    const Hash leaf = leaf_hash(serialize(seq, e));
    std::vector<std::uint8_t> both(prev_chain.begin(), prev_chain.end());
    both.insert(both.end(), leaf.begin(), leaf.end());
    const Hash chain = sha256(both);
    auto join = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
      return out;
    };
    sql("INSERT INTO audit_events (seq, time_us, actor, unit, roles, session_hash, address, action, "
        "object_type, "
        "object_id, fields, row_count, outcome, reason, leaf_hash, chain_hash) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        {seq, e.time.time_since_epoch().count(), e.actor, e.unit, join(e.roles), e.session_hash, e.address,
         std::string(to_string(e.action)), e.object_type, e.object_id, join(e.fields),
         e.row_count ? Value(*e.row_count) : Value(), std::string(to_string(e.outcome)), e.reason,
         store::Blob(leaf.begin(), leaf.end()), store::Blob(chain.begin(), chain.end())});
  }

  // Copies the audit tables aside / back: a rollback of the whole database to an earlier state.
  void snapshot() {
    for (const char* t : {"audit_events", "audit_tree", "audit_checkpoints"}) {
      sql(std::string("CREATE TABLE snap_") + t + " AS SELECT * FROM " + t);
    }
  }
  void restore_snapshot() {
    for (const char* t : {"audit_events", "audit_tree", "audit_checkpoints"}) {
      sql(std::string("DELETE FROM ") + t);
      sql(std::string("INSERT INTO ") + t + " SELECT * FROM snap_" + t);
    }
  }

  std::optional<Log> log_;
  Checkpoint cp40_;
};

TEST_P(VerifyTest, UntouchedLogVerifies) {
  const auto r = run(std::span(&cp40_, 1));
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.events, 40);
  EXPECT_EQ(r.checkpoints, 2U);
  EXPECT_EQ(r.trusted, 1U);
  EXPECT_EQ(r.root, cp40_.root);
  EXPECT_EQ(r.first(), nullptr);
}

TEST_P(VerifyTest, EditedEventIsFound) {
  sql("UPDATE audit_events SET object_id = 'case-999' WHERE seq = 17");
  const auto r = run();
  ASSERT_FALSE(r.ok());
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::modified) << describe(r);
  EXPECT_EQ(r.first()->seq, 17);
}

TEST_P(VerifyTest, EditWithRecomputedHashesIsCaughtBySignedCheckpoint) {
  // The attacker rewrites event 17 and recomputes every leaf, chain and the tree state after it:
  // only the signature, which needs the key, cannot be redone.
  Event e = sample_event(17);
  e.object_id = "case-999";
  const Hash forged_leaf = leaf_hash(serialize(17, e));
  sql("UPDATE audit_events SET object_id = 'case-999', leaf_hash = $1 WHERE seq = 17",
      {store::Blob(forged_leaf.begin(), forged_leaf.end())});
  Hash chain = chain_of(16);
  CompactTree tree;
  auto rows = db_->query("SELECT seq, leaf_hash FROM audit_events ORDER BY seq");
  ASSERT_TRUE(rows.ok());
  for (const auto& row : *rows) {
    Hash leaf;
    const auto b = row.blob(1);
    std::copy(b.begin(), b.end(), leaf.begin());
    tree.append(leaf);
    if (row.integer(0) < 17) continue;
    std::vector<std::uint8_t> both(chain.begin(), chain.end());
    both.insert(both.end(), leaf.begin(), leaf.end());
    chain = sha256(both);
    sql("UPDATE audit_events SET chain_hash = $1 WHERE seq = $2",
        {store::Blob(chain.begin(), chain.end()), row.integer(0)});
  }
  sql("UPDATE audit_tree SET chain_head = $1, frontier = $2",
      {store::Blob(chain.begin(), chain.end()), tree.frontier_bytes()});
  const auto r = run();
  ASSERT_FALSE(r.ok());
  for (const auto& p : r.problems) {
    EXPECT_EQ(p.kind, ProblemKind::checkpoint_mismatch) << describe(r);
  }
  ASSERT_NE(r.first(), nullptr);
  EXPECT_LE(r.first()->seq, 17);
  EXPECT_GE(r.first()->last_seq, 17);
  EXPECT_EQ(r.first()->last_seq, 20) << "the checkpoint at 20 is the first one that covers it";
}

TEST_P(VerifyTest, DeletedEventIsFound) {
  sql("DELETE FROM audit_events WHERE seq = 5");
  const auto r = run();
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::deleted) << describe(r);
  EXPECT_EQ(r.first()->seq, 5);
  EXPECT_EQ(r.first()->last_seq, 5);
}

TEST_P(VerifyTest, DeletedEventWithRenumberingIsFound) {
  sql("DELETE FROM audit_events WHERE seq = 5");
  sql("UPDATE audit_events SET seq = -(seq - 1) WHERE seq > 5");
  sql("UPDATE audit_events SET seq = -seq WHERE seq < 0");
  const auto r = run();
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::deleted) << describe(r);
  EXPECT_EQ(r.first()->seq, 5);
  // One deletion is one row-level problem, not one per renumbered event.
  int row_problems = 0;
  for (const auto& p : r.problems) row_problems += p.kind == ProblemKind::deleted ? 1 : 0;
  EXPECT_EQ(row_problems, 1) << describe(r);
}

TEST_P(VerifyTest, InsertedEventIsFound) {
  // Make room at 10 by renumbering the later events, then forge a well-formed event there.
  sql("UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= 10");
  sql("UPDATE audit_events SET seq = -seq WHERE seq < 0");
  Event forged = sample_event(9);
  forged.actor = "user-4";
  forged.object_id = "case-3";
  insert_forged(10, forged, chain_of(9));
  const auto r = run();
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::inserted) << describe(r);
  EXPECT_EQ(r.first()->seq, 10);
  EXPECT_EQ(r.first()->last_seq, 10);
}

TEST_P(VerifyTest, SwappedEventsAreFound) {
  sql("UPDATE audit_events SET seq = -1 WHERE seq = 3");
  sql("UPDATE audit_events SET seq = 3 WHERE seq = 8");
  sql("UPDATE audit_events SET seq = 8 WHERE seq = -1");
  const auto r = run();
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::reordered) << describe(r);
  EXPECT_EQ(r.first()->seq, 3);
  EXPECT_EQ(r.first()->last_seq, 8);
}

TEST_P(VerifyTest, TruncatedTailIsFound) {
  sql("DELETE FROM audit_events WHERE seq > 35");
  const auto r = run();
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::truncated) << describe(r);
  EXPECT_EQ(r.first()->seq, 36);
  EXPECT_EQ(r.first()->last_seq, 40);
}

TEST_P(VerifyTest, RollbackIsFoundAgainstTheAuditorsCheckpoint) {
  // The database is put back to how it was at 20 events (here by removing what came later and
  // restoring the tree state of then); everything in it is self-consistent.
  const auto before = run(std::span(&cp40_, 1));
  EXPECT_TRUE(before.ok()) << describe(before);

  sql("DELETE FROM audit_events WHERE seq > 20");
  sql("DELETE FROM audit_checkpoints WHERE tree_size > 20");
  auto cp20 = checkpoints(*db_);
  ASSERT_TRUE(cp20.ok());
  ASSERT_EQ(cp20->size(), 1U);
  sql("UPDATE audit_tree SET size = 20, chain_head = $1, frontier = $2",
      {store::Blob((*cp20)[0].chain_head.begin(), (*cp20)[0].chain_head.end()), [&] {
         auto rows = db_->query("SELECT leaf_hash FROM audit_events ORDER BY seq");
         CompactTree t;
         for (const auto& row : *rows) {
           Hash h;
           const auto b = row.blob(0);
           std::copy(b.begin(), b.end(), h.begin());
           t.append(h);
         }
         return t.frontier_bytes();
       }()});
  // Without the auditor's checkpoint the rolled-back database looks whole...
  EXPECT_TRUE(run().ok()) << describe(run());
  // ...with it, the rollback shows.
  const auto r = run(std::span(&cp40_, 1));
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::rollback) << describe(r);
  EXPECT_EQ(r.first()->seq, 21);
  // So does the checkpoint file kept beside the database.
  auto file = read_checkpoint_file(dir_.path() / "checkpoints.log");
  ASSERT_TRUE(file.ok());
  const auto from_file = run(*file);
  ASSERT_NE(from_file.first(), nullptr);
  EXPECT_EQ(from_file.first()->kind, ProblemKind::rollback);

  // Rolled back and then grown past the trusted size: a fork, still found.
  append_range(41, 70);
  const auto forked = run(std::span(&cp40_, 1));
  ASSERT_NE(forked.first(), nullptr);
  EXPECT_EQ(forked.first()->kind, ProblemKind::rollback) << describe(forked);
  EXPECT_EQ(forked.first()->seq, 21);
  EXPECT_EQ(forked.first()->last_seq, 40);
}

TEST_P(VerifyTest, RestoredBackupIsFoundAgainstTheAuditorsCheckpoint) {
  // A backup taken at 40 events, the log grows, then the backup is restored.
  snapshot();
  append_range(41, 60);
  auto cp60 = log_->checkpoint(*db_, at(3000));
  ASSERT_TRUE(cp60.ok());
  restore_snapshot();
  const auto r = run(std::span(&*cp60, 1));
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::rollback) << describe(r);
  EXPECT_EQ(r.first()->seq, 41);
  EXPECT_EQ(r.first()->last_seq, 60);
}

TEST_P(VerifyTest, ForgedCheckpointSignatureIsFound) {
  std::vector<std::uint8_t> sig(64, 0x5a);
  sql("UPDATE audit_checkpoints SET signature = $1 WHERE tree_size = 40", {store::Blob(sig)});
  const auto r = run();
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::bad_signature) << describe(r);
  EXPECT_EQ(r.first()->seq, 40);

  // A checkpoint signed by another key is not accepted either.
  Checkpoint foreign = cp40_;
  foreign.signature = SigningKey::generate().sign(foreign.signed_message());
  const auto t = run(std::span(&foreign, 1));
  bool found = false;
  for (const auto& p : t.problems)
    found |= p.kind == ProblemKind::bad_signature && p.detail.find("trusted") != std::string::npos;
  EXPECT_TRUE(found) << describe(t);
}

TEST_P(VerifyTest, RowsBeyondTheTreeStateAreInserted) {
  insert_forged(41, sample_event(41), chain_of(40));
  const auto r = run();
  ASSERT_NE(r.first(), nullptr);
  EXPECT_EQ(r.first()->kind, ProblemKind::inserted) << describe(r);
  EXPECT_EQ(r.first()->seq, 41);
}

INSTANTIATE_TEST_SUITE_P(Engines, VerifyTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql),
                         testing::engine_name);

}  // namespace
}  // namespace baove::audit
