// The security officer's questions, paginated.
#include <gtest/gtest.h>

#include <set>

#include "audit/audit.hpp"
#include "audit/tests/test_db.hpp"

namespace baove::audit {
namespace {

using testing::at;
using testing::sample_event;

class QueryTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    const Log log(SigningKey::generate(), LogOptions{});
    store::Transaction tx(*db_);
    for (int i = 1; i <= kEvents; ++i) ASSERT_TRUE(log.append(*db_, sample_event(i)).ok());
    ASSERT_TRUE(tx.commit().ok());
  }
  static constexpr int kEvents = 120;

  // Every page of `q`, checking each page's size and order.
  std::vector<StoredEvent> all_pages(Query q) {
    std::vector<StoredEvent> out;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = query(*db_, q);
      EXPECT_TRUE(page.ok()) << page.error().message;
      if (!page.ok()) break;
      EXPECT_LE(page->events.size(), q.limit);
      for (const auto& e : page->events) {
        if (!out.empty()) {
          EXPECT_EQ(out.back().seq > e.seq, q.newest_first);
        }
        out.push_back(e);
      }
      if (!page->next) break;
      EXPECT_EQ(page->events.size(), q.limit);
      q.after = page->next;
    }
    return out;
  }
  // The sequence numbers of sample events 1..kEvents for which `pred` holds.
  template <typename Pred>
  std::vector<std::int64_t> expected(Pred pred, bool newest_first) {
    std::vector<std::int64_t> out;
    for (int i = 1; i <= kEvents; ++i) {
      if (pred(sample_event(i))) out.push_back(i);
    }
    if (newest_first) std::reverse(out.begin(), out.end());
    return out;
  }
  static std::vector<std::int64_t> seqs(const std::vector<StoredEvent>& v) {
    std::vector<std::int64_t> out;
    for (const auto& e : v) out.push_back(e.seq);
    return out;
  }
};

TEST_P(QueryTest, WhoAccessedThisRecord) {
  Query q;
  q.object_type = "case";
  q.object_id = "case-4";
  q.limit = 3;
  const auto got = all_pages(q);
  EXPECT_EQ(seqs(got), expected([](const Event& e) { return e.object_id == "case-4"; }, true));
  for (const auto& e : got) EXPECT_EQ(e.event, sample_event(static_cast<int>(e.seq)));
}

TEST_P(QueryTest, WhatDidThisUserAccessAndWhen) {
  Query q;
  q.actor = "user-2";
  q.since = at(30);
  q.until = at(90);
  q.newest_first = false;
  q.limit = 4;
  EXPECT_EQ(
      seqs(all_pages(q)),
      expected([](const Event& e) { return e.actor == "user-2" && e.time >= at(30) && e.time < at(90); },
               false));
}

TEST_P(QueryTest, FromWhereAndWithWhatOutcome) {
  Query q;
  q.address = "10.0.3.1";
  EXPECT_EQ(seqs(all_pages(q)), expected([](const Event& e) { return e.address == "10.0.3.1"; }, true));
  Query denied;
  denied.outcome = Outcome::denied;
  denied.action = Action::read;
  EXPECT_EQ(seqs(all_pages(denied)),
            expected([](const Event& e) { return e.outcome == Outcome::denied && e.action == Action::read; },
                     true));
}

TEST_P(QueryTest, AddressFilterUsesTheCanonicalForm) {
  const Log log(SigningKey::generate(), LogOptions{});
  Event e = sample_event(1);
  e.address = "2001:db8::9";
  store::Transaction tx(*db_);
  auto seq = log.append(*db_, e);
  ASSERT_TRUE(seq.ok());
  ASSERT_TRUE(tx.commit().ok());
  Query q;
  q.address = "2001:DB8:0::9";
  auto page = query(*db_, q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 1U);
  EXPECT_EQ(page->events[0].seq, *seq);
}

TEST_P(QueryTest, BadQueriesAreRefused) {
  Query q;
  q.limit = 0;
  EXPECT_FALSE(query(*db_, q).ok());
  q.limit = 1001;
  EXPECT_FALSE(query(*db_, q).ok());
  Query id_only;
  id_only.object_id = "case-1";
  EXPECT_FALSE(query(*db_, id_only).ok());
  Query bad_address;
  bad_address.address = "not-an-address";
  EXPECT_FALSE(query(*db_, bad_address).ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, QueryTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql),
                         testing::engine_name);

}  // namespace
}  // namespace baove::audit
