// The SQLite BankStore on real database files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>
#include <thread>

#include "bank/store.hpp"
#include "bank/tests/temp_dir.hpp"

namespace baove::bank {
namespace {

using testing::TempDir;

std::unique_ptr<BankStore> open_or_die(const std::filesystem::path& p) {
  auto s = open_sqlite_store(p);
  if (!s) ADD_FAILURE() << s.error().message;
  return s ? std::move(*s) : nullptr;
}

NewEntry md5_entry(int i) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", i);
  NewEntry e;
  e.type = SignalType::md5;
  e.value = buf;
  return e;
}

// Reads one integer with raw SQLite, to look at what the store wrote.
std::int64_t query_int(const std::filesystem::path& db, const char* sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  std::int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

TEST(Store, CreatesSchemaOnceAndReopens) {
  TempDir dir;
  const auto db = dir / "banks.db";
  {
    auto s = open_or_die(db);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->create_bank({"national", "analysts", "confirmed material", true}));
  }
  for (int i = 0; i < 3; ++i) {
    auto s = open_or_die(db);
    ASSERT_TRUE(s);
    auto banks = s->list_banks();
    ASSERT_TRUE(banks);
    ASSERT_EQ(banks->size(), 1u);
    EXPECT_EQ((*banks)[0].name, "national");
    EXPECT_EQ((*banks)[0].owner_unit, "analysts");
    EXPECT_EQ((*banks)[0].description, "confirmed material");
  }
  // Each migration ran exactly once; the file is in WAL mode and private to its owner.
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM schema_version"), sqlite_schema_version());
  EXPECT_EQ(query_int(db, "SELECT max(version) FROM schema_version"), sqlite_schema_version());
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
  struct stat st {};
  ASSERT_EQ(::stat(db.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Store, RefusesANewerSchema) {
  TempDir dir;
  const auto db = dir / "banks.db";
  ASSERT_TRUE(open_or_die(db));
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "INSERT INTO schema_version VALUES (999, 'x')", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(h);
  auto s = open_sqlite_store(db);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::unsupported);
  EXPECT_NE(s.error().message.find("999"), std::string::npos);
}

TEST(Store, OpenErrorsNameTheFile) {
  TempDir dir;
  auto missing_parent = open_sqlite_store(dir / "no-such-dir" / "x.db");
  ASSERT_FALSE(missing_parent);
  EXPECT_NE(missing_parent.error().message.find("no-such-dir"), std::string::npos);
  auto directory = open_sqlite_store(dir.path());
  ASSERT_FALSE(directory);
  EXPECT_NE(directory.error().message.find("directory"), std::string::npos);
  // A file that is not a database.
  const auto junk = dir / "junk.db";
  {
    FILE* f = std::fopen(junk.c_str(), "w");
    std::fputs("this is not an SQLite database, not at all, and it is long enough to look like a header", f);
    std::fclose(f);
  }
  auto bad = open_sqlite_store(junk);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("junk.db"), std::string::npos);
}

TEST(Store, BankNamesAreUniqueAndValidated) {
  TempDir dir;
  auto s = open_or_die(dir / "b.db");
  auto a = s->create_bank({"partner-list", "", "", true});
  ASSERT_TRUE(a);
  auto again = s->create_bank({"partner-list", "", "", true});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  EXPECT_NE(again.error().message.find("partner-list"), std::string::npos);
  for (const char* bad : {"", "   ", "tab\there", "new\nline"}) {
    auto r = s->create_bank({bad, "", "", true});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  }
  auto found = s->find_bank("partner-list");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a->id);
  EXPECT_TRUE(found->enabled);
  EXPECT_EQ(found->created_at.size(), 20u);  // 2024-05-01T09:30:00Z
  EXPECT_EQ(found->created_at.back(), 'Z');
  auto missing = s->find_bank("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST(Store, EntryRoundTripAndDuplicates) {
  TempDir dir;
  auto s = open_or_die(dir / "e.db");
  auto bank = s->create_bank({"national", "", "", true});
  ASSERT_TRUE(bank);
  NewEntry e;
  e.type = SignalType::pdq;
  e.value = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
  e.classification = {"inhope", "baseline"};
  e.source = {"hotline-111", "reports-2024", "R-17"};
  e.note = "confirmed by two analysts";
  e.added_at = "2024-05-01T09:30:00Z";
  auto added = s->add_entry(bank->id, e);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_TRUE(added->added);
  auto got = s->get_entry(added->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bank_id, bank->id);
  EXPECT_EQ(got->type, SignalType::pdq);
  EXPECT_EQ(got->value, e.value);
  EXPECT_EQ(got->classification, e.classification);
  EXPECT_EQ(got->source, e.source);
  EXPECT_EQ(got->note, e.note);
  EXPECT_EQ(got->added_at, e.added_at);
  EXPECT_FALSE(got->disabled);

  auto dup = s->add_entry(bank->id, e);
  ASSERT_TRUE(dup);
  EXPECT_FALSE(dup->added);
  EXPECT_EQ(dup->id, added->id);
  // The same value as another type is another entry.
  NewEntry sha = e;
  sha.type = SignalType::sha256;
  auto other = s->add_entry(bank->id, sha);
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->added);

  NewEntry upper = e;
  upper.value[0] = 'D';
  auto bad = s->add_entry(bank->id, upper);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  auto nobank = s->add_entry(bank->id + 100, e);
  ASSERT_FALSE(nobank);
  EXPECT_EQ(nobank.error().code, ErrorCode::not_found);
}

TEST(Store, DisableEnableRemoveAndStats) {
  TempDir dir;
  auto s = open_or_die(dir / "d.db");
  auto bank = s->create_bank({"b", "", "", true});
  ASSERT_TRUE(bank);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    NewEntry e = md5_entry(i);
    e.classification = {"inhope", i < 3 ? "baseline" : "national"};
    auto r = s->add_entry(bank->id, e);
    ASSERT_TRUE(r);
    ids.push_back(r->id);
  }
  NewEntry p;
  p.type = SignalType::pdq;
  p.value = std::string(64, 'a');
  ASSERT_TRUE(s->add_entry(bank->id, p));

  ASSERT_TRUE(s->set_entry_disabled(ids[1], true));
  ASSERT_TRUE(s->set_entry_disabled(ids[1], true));  // again: no change, no error
  EXPECT_TRUE(s->get_entry(ids[1])->disabled);
  ASSERT_TRUE(s->remove_entry(ids[4]));
  EXPECT_EQ(s->get_entry(ids[4]).error().code, ErrorCode::not_found);
  EXPECT_EQ(s->remove_entry(ids[4]).error().code, ErrorCode::not_found);
  EXPECT_EQ(s->set_entry_disabled(999999, true).error().code, ErrorCode::not_found);
  // Ids are never reused, even the highest one after its removal.
  auto last = s->add_entry(bank->id, md5_entry(100));
  ASSERT_TRUE(last);
  ASSERT_TRUE(s->remove_entry(last->id));
  auto next = s->add_entry(bank->id, md5_entry(101));
  ASSERT_TRUE(next);
  EXPECT_GT(next->id, last->id);
  ASSERT_TRUE(s->remove_entry(next->id));
  {
    auto batch = s->begin_batch(bank->id);
    ASSERT_TRUE(batch);
    auto in_batch = (*batch)->add(md5_entry(102));
    ASSERT_TRUE(in_batch);
    EXPECT_GT(in_batch->id, next->id);
    ASSERT_TRUE((*batch)->commit());
  }
  ASSERT_TRUE(s->add_entry(bank->id, md5_entry(4)));  // the one removed above may come back

  auto st = s->stats(bank->id);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->entries, 7);
  EXPECT_EQ(st->enabled_entries, 6);
  EXPECT_EQ(st->disabled_entries, 1);
  EXPECT_EQ(st->by_signal_type["md5"], 6);
  EXPECT_EQ(st->by_signal_type["pdq"], 1);
  EXPECT_EQ(st->by_classification["inhope:baseline"], 3);
  EXPECT_EQ(st->by_classification["inhope:national"], 1);
  EXPECT_EQ(st->by_classification[""], 3);

  ASSERT_TRUE(s->set_entry_disabled(ids[1], false));
  EXPECT_FALSE(s->get_entry(ids[1])->disabled);
  ASSERT_TRUE(s->set_bank_enabled(bank->id, false));
  EXPECT_FALSE(s->find_bank("b")->enabled);
  EXPECT_EQ(s->set_bank_enabled(bank->id + 7, false).error().code, ErrorCode::not_found);
}

TEST(Store, BatchIsAllOrNothing) {
  TempDir dir;
  auto s = open_or_die(dir / "batch.db");
  auto bank = s->create_bank({"b", "", "", true});
  ASSERT_TRUE(bank);
  {
    auto batch = s->begin_batch(bank->id);
    ASSERT_TRUE(batch);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*batch)->add(md5_entry(i)));
    // Dropped without commit.
  }
  EXPECT_EQ(s->stats(bank->id)->entries, 0);
  {
    auto batch = s->begin_batch(bank->id);
    ASSERT_TRUE(batch);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*batch)->add(md5_entry(i % 7)));
    ASSERT_TRUE((*batch)->commit());
  }
  EXPECT_EQ(s->stats(bank->id)->entries, 7);
  EXPECT_EQ(s->begin_batch(bank->id + 1).error().code, ErrorCode::not_found);
}

TEST(Store, TwoConnectionsSeeEachOthersCommits) {
  TempDir dir;
  auto a = open_or_die(dir / "shared.db");
  auto b = open_or_die(dir / "shared.db");
  auto bank = a->create_bank({"b", "", "", true});
  ASSERT_TRUE(bank);
  const auto seq0 = b->change_seq();
  ASSERT_TRUE(seq0);
  auto added = a->add_entry(bank->id, md5_entry(1));
  ASSERT_TRUE(added);
  auto seen = b->get_entry(added->id);
  ASSERT_TRUE(seen);
  EXPECT_GT(*b->change_seq(), *seq0);
  // A writer waits for another's open transaction instead of failing.
  auto batch = a->begin_batch(bank->id);
  ASSERT_TRUE(batch);
  ASSERT_TRUE((*batch)->add(md5_entry(2)));
  std::thread committer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_TRUE((*batch)->commit());
  });
  auto other = b->add_entry(bank->id, md5_entry(3));
  committer.join();
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(b->stats(bank->id)->entries, 3);
}

// A process adding entries one by one is killed at a random moment; every add it had
// acknowledged (written to the pipe after add_entry returned) must be in the database.
TEST(Store, AcknowledgedAddsSurviveSigkill) {
  TempDir dir;
  const auto db = dir / "crash.db";
  std::int64_t bank_id = 0;
  {
    auto s = open_or_die(db);
    auto bank = s->create_bank({"crash", "", "", true});
    ASSERT_TRUE(bank);
    bank_id = bank->id;
  }
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::size_t total_acked = 0;
  for (int round = 0; round < 5; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto s = open_sqlite_store(db);
      if (!s) ::_exit(2);
      for (int i = 0;; ++i) {
        auto r = (*s)->add_entry(bank_id, md5_entry(round * 1'000'000 + i));
        if (!r || !r->added) ::_exit(3);
        if (::write(fds[1], &r->id, sizeof r->id) != sizeof r->id) ::_exit(4);
      }
    }
    ::close(fds[1]);
    std::vector<std::int64_t> acked;
    const std::size_t before_kill = std::uniform_int_distribution<std::size_t>(1, 60)(rng);
    std::int64_t id = 0;
    while (acked.size() < before_kill && ::read(fds[0], &id, sizeof id) == sizeof id) acked.push_back(id);
    ::usleep(std::uniform_int_distribution<unsigned>(0, 5000)(rng));
    ::kill(pid, SIGKILL);
    while (::read(fds[0], &id, sizeof id) == sizeof id) acked.push_back(id);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself, status " << status;
    ASSERT_GE(acked.size(), before_kill);

    auto s = open_or_die(db);
    ASSERT_TRUE(s);
    auto found = s->get_entries(acked);
    ASSERT_TRUE(found);
    std::set<std::int64_t> present;
    for (const Entry& e : *found) present.insert(e.id);
    for (std::int64_t a : acked) EXPECT_TRUE(present.count(a)) << "acknowledged entry " << a << " lost";
    total_acked += acked.size();
    // The database stays usable for the next writer.
    EXPECT_TRUE(s->add_entry(bank_id, md5_entry(round * 1'000'000 + 999'999)));
  }
  auto s = open_or_die(db);
  EXPECT_GE(s->stats(bank_id)->entries, static_cast<std::int64_t>(total_acked));
}

}  // namespace
}  // namespace baove::bank
