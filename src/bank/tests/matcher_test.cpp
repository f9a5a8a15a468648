// The Matcher over a real SQLite store: results, refresh, snapshots.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>

#include "bank/matcher.hpp"
#include "bank/tests/temp_dir.hpp"

namespace baove::bank {
namespace {

using hash::PdqHash;
using testing::TempDir;

PdqHash random_hash(std::mt19937_64& rng) {
  PdqHash h;
  for (auto& w : h.w) w = rng();
  return h;
}

// `h` with `bits` distinct bits flipped.
PdqHash flip(PdqHash h, int bits, int offset = 0) {
  for (int k = 0; k < bits; ++k) {
    const int b = (offset + k * 37) % 256;
    h.w[static_cast<std::size_t>(b / 64)] ^= std::uint64_t{1} << (b % 64);
  }
  return h;
}

NewEntry pdq_entry(const PdqHash& h, Classification c = {}, Source s = {}) {
  NewEntry e;
  e.type = SignalType::pdq;
  e.value = h.to_hex();
  e.classification = std::move(c);
  e.source = std::move(s);
  return e;
}

class MatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_sqlite_store(dir_ / "m.db");
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    auto a = store_->create_bank({"national", "analysts", "", true});
    auto b = store_->create_bank({"partner", "ngo", "", true});
    ASSERT_TRUE(a && b);
    national_ = a->id;
    partner_ = b->id;
  }
  std::int64_t add(std::int64_t bank, const NewEntry& e) {
    auto r = store_->add_entry(bank, e);
    EXPECT_TRUE(r && r->added);
    return r ? r->id : 0;
  }
  // Many random PDQ entries in one transaction.
  void add_random(std::int64_t bank, int n) {
    auto batch = store_->begin_batch(bank);
    ASSERT_TRUE(batch);
    for (int i = 0; i < n; ++i) ASSERT_TRUE((*batch)->add(pdq_entry(random_hash(rng_))));
    ASSERT_TRUE((*batch)->commit());
  }

  TempDir dir_;
  std::unique_ptr<BankStore> store_;
  std::int64_t national_ = 0, partner_ = 0;
  std::mt19937_64 rng_{42};
};

TEST_F(MatcherTest, PdqResultsCarryDistanceClassificationAndSource) {
  const PdqHash base = random_hash(rng_);
  const auto near =
      add(national_, pdq_entry(flip(base, 5), {"inhope", "baseline"}, {"hotline", "2024", "R-1"}));
  const auto edge = add(partner_, pdq_entry(flip(base, 31, 100), {"projectvic", "1"}, {"ngo", "vics", "77"}));
  add(national_, pdq_entry(flip(base, 32, 7)));  // just outside the default radius
  add(national_, pdq_entry(random_hash(rng_)));
  auto m = Matcher::load(*store_);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ((*m)->pdq_count(), 4u);

  auto r = (*m)->match_pdq(base, hash::kPdqMatchThreshold);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].entry.id, near);
  EXPECT_EQ((*r)[0].distance, 5);
  EXPECT_EQ((*r)[0].bank, "national");
  EXPECT_EQ((*r)[0].entry.classification.to_string(), "inhope:baseline");
  EXPECT_EQ((*r)[0].entry.source, (Source{"hotline", "2024", "R-1"}));
  EXPECT_EQ((*r)[0].variant, -1);
  EXPECT_EQ((*r)[1].entry.id, edge);
  EXPECT_EQ((*r)[1].distance, 31);
  EXPECT_EQ((*r)[1].bank, "partner");
  EXPECT_EQ((*r)[1].entry.source.id, "77");

  auto wide = (*m)->match_pdq(base, 32);
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->size(), 3u);
  EXPECT_FALSE((*m)->match_pdq(base, 65));
  EXPECT_FALSE((*m)->match_pdq(base, -1));
}

TEST_F(MatcherTest, DigestsMatchExactly) {
  NewEntry e;
  e.type = SignalType::sha1;
  e.value = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
  e.classification = {"inhope", "national"};
  const auto id = add(national_, e);
  e.type = SignalType::md5;
  e.value = "d41d8cd98f00b204e9800998ecf8427e";
  add(partner_, e);
  auto m = Matcher::load(*store_);
  ASSERT_TRUE(m);
  auto hit = (*m)->match_digest(SignalType::sha1, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
  ASSERT_TRUE(hit);
  ASSERT_EQ(hit->size(), 1u);
  EXPECT_EQ((*hit)[0].entry.id, id);
  EXPECT_EQ((*hit)[0].distance, 0);
  EXPECT_EQ((*hit)[0].entry.classification.label, "national");
  auto miss = (*m)->match_digest(SignalType::sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80708");
  ASSERT_TRUE(miss);
  EXPECT_TRUE(miss->empty());
  // The same digest under another type does not match.
  auto other = (*m)->match_digest(SignalType::md5, "da39a3ee5e6b4b0d3255bfef95601890");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
  EXPECT_FALSE((*m)->match_digest(SignalType::sha1, "abc"));
  EXPECT_FALSE((*m)->match_digest(SignalType::pdq, std::string(64, '0')));
}

TEST_F(MatcherTest, LowQualityHashesAreAnsweredButFlagged) {
  const PdqHash h = random_hash(rng_);
  add(national_, pdq_entry(h));
  NewEntry d;
  d.type = SignalType::md5;
  d.value = "0123456789abcdef0123456789abcdef";
  add(national_, d);
  auto m = Matcher::load(*store_);
  ASSERT_TRUE(m);
  for (int quality : {0, 49, 50, 100}) {
    Query q;
    q.pdq = {flip(h, 3)};
    q.pdq_quality = quality;
    q.digests = {{SignalType::md5, d.value}};
    auto r = (*m)->match(q, 31);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].type, SignalType::pdq);
    EXPECT_EQ((*r)[0].low_quality, quality < 50) << quality;
    EXPECT_EQ((*r)[0].match.distance, 3);
    EXPECT_EQ((*r)[1].type, SignalType::md5);
    EXPECT_FALSE((*r)[1].low_quality);  // an exact digest is as good as ever
  }
  Query unknown;
  unknown.pdq = {h};
  auto r = (*m)->match(unknown, 31);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_FALSE((*r)[0].low_quality);
}

TEST_F(MatcherTest, VariantsReportTheClosestOne) {
  const PdqHash h = random_hash(rng_);
  const auto id = add(national_, pdq_entry(h));
  std::vector<PdqHash> variants;
  for (int v = 0; v < 8; ++v)
    variants.push_back(v == 5 ? flip(h, 2) : v == 2 ? flip(h, 20) : random_hash(rng_));
  auto m = Matcher::load(*store_);
  ASSERT_TRUE(m);
  auto r = (*m)->match_pdq_variants(variants, 31);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].entry.id, id);
  EXPECT_EQ((*r)[0].variant, 5);
  EXPECT_EQ((*r)[0].distance, 2);
}

TEST_F(MatcherTest, ScopeLimitsTheBanks) {
  const PdqHash h = random_hash(rng_);
  add(national_, pdq_entry(h));
  const auto p = add(partner_, pdq_entry(flip(h, 1)));
  BankScope scope;
  scope.all = false;
  scope.bank_ids = {partner_};
  auto m = Matcher::load(*store_, scope);
  ASSERT_TRUE(m);
  auto r = (*m)->match_pdq(h, 31);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].entry.id, p);
  // Later adds to banks out of scope stay out.
  add(national_, pdq_entry(flip(h, 2)));
  ASSERT_TRUE((*m)->refresh());
  EXPECT_EQ((*m)->match_pdq(h, 31)->size(), 1u);
}

// Changes made through another connection (another process in production) are seen after
// refresh(), without a reload.
TEST_F(MatcherTest, RefreshSeesAddsDisablesRemovalsAndWholeBanks) {
  const PdqHash h = random_hash(rng_);
  const auto first = add(national_, pdq_entry(h));
  add_random(partner_, 2000);
  auto m = Matcher::load(*store_);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)->pdq_count(), 2001u);

  auto other = open_sqlite_store(dir_ / "m.db");
  ASSERT_TRUE(other);
  BankStore& writer = **other;

  // An add.
  auto added = writer.add_entry(partner_, pdq_entry(flip(h, 4)));
  ASSERT_TRUE(added);
  EXPECT_EQ((*m)->match_pdq(h, 31)->size(), 1u);  // not yet
  const auto t0 = std::chrono::steady_clock::now();
  auto applied = (*m)->refresh();
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(*applied, 1u);  // only the change, not the whole bank
  EXPECT_LT(took, std::chrono::seconds(1));
  auto r = (*m)->match_pdq(h, 31);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].entry.id, added->id);
  EXPECT_EQ((*r)[1].bank, "partner");

  // A disable is never reported, even before the refresh; after it the index drops it.
  ASSERT_TRUE(writer.set_entry_disabled(first, true));
  r = (*m)->match_pdq(h, 31);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].entry.id, added->id);
  ASSERT_TRUE((*m)->refresh());
  EXPECT_EQ((*m)->pdq_count(), 2001u);
  // Re-enabled.
  ASSERT_TRUE(writer.set_entry_disabled(first, false));
  ASSERT_TRUE((*m)->refresh());
  EXPECT_EQ((*m)->match_pdq(h, 31)->size(), 2u);

  // A whole bank disabled, then enabled again.
  ASSERT_TRUE(writer.set_bank_enabled(partner_, false));
  ASSERT_TRUE((*m)->refresh());
  r = (*m)->match_pdq(h, 31);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].entry.id, first);
  EXPECT_EQ((*m)->pdq_count(), 1u);
  ASSERT_TRUE(writer.set_bank_enabled(partner_, true));
  ASSERT_TRUE((*m)->refresh());
  EXPECT_EQ((*m)->pdq_count(), 2002u);
  EXPECT_EQ((*m)->match_pdq(h, 31)->size(), 2u);

  // A removal.
  ASSERT_TRUE(writer.remove_entry(added->id));
  ASSERT_TRUE((*m)->refresh());
  r = (*m)->match_pdq(h, 31);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].entry.id, first);
  EXPECT_EQ((*m)->pdq_count(), 2001u);

  // A batch import of digests.
  auto batch = writer.begin_batch(national_);
  ASSERT_TRUE(batch);
  NewEntry d;
  d.type = SignalType::sha256;
  d.value = std::string(64, 'c');
  ASSERT_TRUE((*batch)->add(d));
  ASSERT_TRUE((*batch)->commit());
  batch->reset();
  ASSERT_TRUE((*m)->refresh());
  EXPECT_EQ((*m)->match_digest(SignalType::sha256, d.value)->size(), 1u);
  EXPECT_EQ((*m)->change_seq(), *writer.change_seq());
  // Nothing changed: nothing applied.
  EXPECT_EQ(*(*m)->refresh(), 0u);
}

TEST_F(MatcherTest, SnapshotsRestoreAndCatchUp) {
  const PdqHash h = random_hash(rng_);
  add(national_, pdq_entry(h));
  NewEntry d;
  d.type = SignalType::md5;
  d.value = "00112233445566778899aabbccddeeff";
  add(partner_, d);
  add_random(partner_, 500);
  const auto snap = dir_ / "matcher.snap";
  {
    auto m = Matcher::load(*store_);
    ASSERT_TRUE(m);
    ASSERT_TRUE((*m)->save_snapshot(snap));
  }
  // Changes after the snapshot.
  const auto late = add(national_, pdq_entry(flip(h, 9)));
  std::string why;
  auto m = Matcher::load_snapshot(*store_, {}, snap, &why);
  ASSERT_TRUE(m);
  EXPECT_EQ(why, "");
  EXPECT_EQ((*m)->pdq_count(), 502u);
  EXPECT_EQ((*m)->digest_count(), 1u);
  auto r = (*m)->match_pdq(h, 31);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].entry.id, late);
  EXPECT_EQ((*m)->match_digest(SignalType::md5, d.value)->size(), 1u);

  // Another scope: not usable, loaded from the store instead.
  BankScope partner_only;
  partner_only.all = false;
  partner_only.bank_ids = {partner_};
  auto scoped = Matcher::load_snapshot(*store_, partner_only, snap, &why);
  ASSERT_TRUE(scoped);
  EXPECT_NE(why.find("other banks"), std::string::npos) << why;
  EXPECT_EQ((*scoped)->pdq_count(), 500u);

  // A damaged snapshot: refused, loaded from the store instead.
  {
    std::fstream f(snap.string() + ".meta", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x5a');
  }
  why.clear();
  auto damaged = Matcher::load_snapshot(*store_, {}, snap, &why);
  ASSERT_TRUE(damaged);
  EXPECT_NE(why.find("checksum"), std::string::npos) << why;
  EXPECT_EQ((*damaged)->pdq_count(), 502u);

  // A snapshot of another database.
  TempDir other_dir;
  auto other = open_sqlite_store(other_dir / "o.db");
  ASSERT_TRUE(other);
  {
    auto m2 = Matcher::load(**other);
    ASSERT_TRUE(m2);
    ASSERT_TRUE((*m2)->save_snapshot(other_dir / "o.snap"));
  }
  why.clear();
  auto foreign = Matcher::load_snapshot(*store_, {}, other_dir / "o.snap", &why);
  ASSERT_TRUE(foreign);
  EXPECT_NE(why.find("another database"), std::string::npos) << why;
  EXPECT_EQ((*foreign)->pdq_count(), 502u);

  // No snapshot at all.
  why.clear();
  auto none = Matcher::load_snapshot(*store_, {}, dir_ / "missing.snap", &why);
  ASSERT_TRUE(none);
  EXPECT_FALSE(why.empty());
}

}  // namespace
}  // namespace baove::bank
