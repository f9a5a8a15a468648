// Contacts on both engines: schema, storing and reading, notes at rest, searches under the access
// filter, repeat contacts.
#include <gtest/gtest.h>

#include <algorithm>

#include "hotline/hotline.hpp"
#include "test_env.hpp"

namespace baove::hotline {
namespace {

using auth::Role;
using auth::Scope;
using testing::DbTest;

Timestamp at(std::int64_t unix_seconds) { return Timestamp(std::chrono::seconds(unix_seconds)); }
constexpr std::int64_t kJan2024 = 1704067200;  // 2024-01-01T00:00:00Z

NewContact recorded(const std::string& unit, const std::string& counsellor, std::int64_t start_s) {
  NewContact n;
  n.contact.channel = "phone";
  n.contact.start = at(start_s);
  n.contact.duration_s = 300;
  n.contact.unit_id = unit;
  n.contact.counsellor_id = counsellor;
  n.contact.recorded = true;
  n.contact.child = {"11_14", "girl", "ha_noi"};
  n.contact.categories = {"grooming", "sexual_abuse"};
  n.contact.indepth = true;
  n.contact.outcome = "indepth_counselling";
  n.contact.clip_notices = 2;
  n.contact.report_ids = {"report-2", "report-1"};
  n.notes = "Em kể bị người lạ nhắn tin đòi ảnh.";
  n.caller_phone = "0912 345 678";
  n.accounts = {"https://www.facebook.com/Ke.La/", "zalo Người Lạ"};
  return n;
}

NewContact silent_call(const std::string& unit, std::int64_t start_s) {
  NewContact n;
  n.contact.channel = "phone";
  n.contact.start = at(start_s);
  n.contact.duration_s = 4;
  n.contact.unit_id = unit;
  n.contact.outcome = "no_action";
  return n;
}

class ContactTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (HasFatalFailure()) return;
    hotline_ = unit("Hotline 111");
    north_ = unit("North office", hotline_);
    south_ = unit("South office", hotline_);
    a_ = principal("user-a", north_, Role::counsellor, Scope::unit);
    b_ = principal("user-b", south_, Role::counsellor, Scope::unit);
    boss_ = principal("user-s", hotline_, Role::supervisor, Scope::unit_and_below);
  }
  std::string hotline_, north_, south_;
  auth::Principal a_, b_, boss_;
  Timestamp now_ = at(kJan2024 + 86400 * 40);
};

TEST_P(ContactTest, MigrationsAreIdempotentAndCreateTheTables) {
  ASSERT_TRUE(migrate(*db_).ok());
  for (const char* table :
       {"hotline_contacts", "hotline_contact_notes", "hotline_contact_accounts", "hotline_contact_reports"}) {
    auto rows = db_->query(std::string("SELECT COUNT(*) FROM ") + table);
    ASSERT_TRUE(rows.ok()) << table << ": " << rows.error().message;
    EXPECT_EQ(rows->front().integer(0), 0) << table;
  }
  auto v = db_->query("SELECT MAX(version) FROM schema_migrations WHERE component = 'hotline'");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->front().integer(0), 1);
}

TEST_P(ContactTest, StoresAndReadsBackARecordedContact) {
  const NewContact in = recorded(north_, "user-a", kJan2024 + 3600);
  auto id = create(*db_, keys_, in, now_);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->size(), 29u);
  EXPECT_EQ(id->front(), 'c');

  auto got = get(*db_, *id, contacts_of(a_));
  ASSERT_TRUE(got.ok()) << got.error().message;
  Contact want = in.contact;
  want.id = *id;
  want.categories = {"sexual_abuse", "grooming"};  // taxonomy order
  want.report_ids = {"report-1", "report-2"};      // sorted
  want.has_caller_phone = true;
  want.created = now_;
  EXPECT_EQ(*got, want);

  auto notes = read_notes(*db_, keys_, *id, contacts_of(a_));
  ASSERT_TRUE(notes.ok()) << notes.error().message;
  EXPECT_EQ(*notes, in.notes);
}

TEST_P(ContactTest, NotesPhoneAndAccountsAreNotStoredInClear) {
  const NewContact in = recorded(north_, "user-a", kJan2024);
  auto id = create(*db_, keys_, in, now_);
  ASSERT_TRUE(id.ok());
  // Look through every stored byte of the contact's rows.
  std::string stored;
  for (const char* sql :
       {"SELECT sealed FROM hotline_contact_notes", "SELECT account_hash FROM hotline_contact_accounts",
        "SELECT phone_hash FROM hotline_contacts"}) {
    auto rows = db_->query(sql);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    for (const auto& r : *rows) {
      const store::Blob b = r.blob(0);
      stored.append(b.begin(), b.end());
    }
  }
  EXPECT_FALSE(stored.empty());
  for (const std::string& secret : {std::string("người lạ"), std::string("đòi ảnh"), std::string("912345678"),
                                    std::string("ke.la"), std::string("Ke.La")}) {
    EXPECT_EQ(stored.find(secret), std::string::npos) << secret;
  }
  // Another key cannot read the notes; neither can a copy of them on another contact.
  Keys other = testing::random_keys();
  auto wrong = read_notes(*db_, other, *id, contacts_of(a_));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::corrupt);
  EXPECT_EQ(wrong.error().message.find("đòi"), std::string::npos);
  auto id2 = create(*db_, keys_, recorded(north_, "user-a", kJan2024 + 60), now_);
  ASSERT_TRUE(id2.ok());
  const store::Value moved[] = {*id, *id2};
  ASSERT_TRUE(
      db_->execute("UPDATE hotline_contact_notes SET sealed = (SELECT sealed FROM hotline_contact_notes "
                   "WHERE contact_id = $1) WHERE contact_id = $2",
                   moved)
          .ok());
  auto swapped = read_notes(*db_, keys_, *id2, contacts_of(a_));
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.error().code, ErrorCode::corrupt);
}

TEST_P(ContactTest, AnUnrecordedCallIsAMinimalRow) {
  auto id = create(*db_, keys_, silent_call(north_, kJan2024), now_);
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto got = get(*db_, *id, contacts_of(a_));
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->recorded);
  EXPECT_EQ(got->counsellor_id, "");
  EXPECT_EQ(got->child, Child{});
  EXPECT_TRUE(got->categories.empty());
  EXPECT_EQ(*read_notes(*db_, keys_, *id, contacts_of(a_)), "");

  // Anything beyond the minimal row needs a contact file.
  auto with_phone = silent_call(north_, kJan2024);
  with_phone.caller_phone = "0912345678";
  auto with_category = silent_call(north_, kJan2024);
  with_category.contact.categories = {"other"};
  auto intervention = silent_call(north_, kJan2024);
  intervention.contact.outcome = "intervention";
  auto with_notes = silent_call(north_, kJan2024);
  with_notes.notes = "x";
  for (const NewContact& bad : {with_phone, with_category, intervention, with_notes}) {
    auto r = create(*db_, keys_, bad, now_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  }
}

TEST_P(ContactTest, ValidationNamesTheFieldAndNeverTheValue) {
  struct Case {
    std::string field;
    NewContact contact;
  };
  std::vector<Case> cases;
  auto base = [&] { return recorded(north_, "user-a", kJan2024); };
  cases.push_back({"channel", base()});
  cases.back().contact.contact.channel = "pigeon";
  cases.push_back({"unit_id", base()});
  cases.back().contact.contact.unit_id = "";
  cases.push_back({"duration", base()});
  cases.back().contact.contact.duration_s = -1;
  cases.push_back({"province", base()});
  cases.back().contact.contact.child.province = "ha_tay";
  cases.push_back({"categories", base()});
  cases.back().contact.contact.categories = {"sexual_abuse", "sexual_abuse"};
  cases.push_back({"categories", base()});
  cases.back().contact.contact.categories = {"secret-category-name"};
  cases.push_back({"outcome", base()});
  cases.back().contact.contact.outcome = "solved";
  cases.push_back({"indepth", base()});
  cases.back().contact.contact.indepth = false;
  cases.push_back({"phone number", base()});
  cases.back().contact.caller_phone = "call me maybe 0912";
  cases.push_back({"notes", base()});
  cases.back().contact.notes = std::string("\xC3\x28 bad utf-8");
  cases.push_back({"report_ids", base()});
  cases.back().contact.contact.report_ids = {"has space"};
  cases.push_back({"clip_notices", base()});
  cases.back().contact.contact.clip_notices = -3;
  for (const Case& c : cases) {
    auto r = create(*db_, keys_, c.contact, now_);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument) << c.field;
    EXPECT_NE(r.error().message.find(c.field), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("secret-category-name"), std::string::npos);
    EXPECT_EQ(r.error().message.find("call me"), std::string::npos);
    EXPECT_EQ(validate(c.contact).ok(), false) << c.field;
  }
  auto too_long = base();
  too_long.notes.assign(kMaxNotesBytes + 1, 'a');
  EXPECT_EQ(create(*db_, keys_, too_long, now_).error().code, ErrorCode::limit_exceeded);
  auto rows = db_->query("SELECT COUNT(*) FROM hotline_contacts");
  EXPECT_EQ(rows->front().integer(0), 0);
}

TEST_P(ContactTest, CreateManyIsAllOrNothing) {
  std::vector<NewContact> batch;
  for (int i = 0; i < 1200; ++i) {
    batch.push_back(i % 3 == 0 ? recorded(i % 2 ? north_ : south_, "user-a", kJan2024 + i)
                               : silent_call(north_, kJan2024 + i));
  }
  batch[1100].contact.channel = "telegraph";
  auto bad = create_many(*db_, keys_, batch, now_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("contact 1100"), std::string::npos) << bad.error().message;
  EXPECT_EQ(db_->query("SELECT COUNT(*) FROM hotline_contacts")->front().integer(0), 0);

  batch[1100].contact.channel = "zalo";
  auto n = create_many(*db_, keys_, batch, now_);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1200);
  EXPECT_EQ(db_->query("SELECT COUNT(*) FROM hotline_contacts")->front().integer(0), 1200);
  EXPECT_EQ(db_->query("SELECT COUNT(*) FROM hotline_contact_notes")->front().integer(0), 400);
  EXPECT_EQ(db_->query("SELECT COUNT(*) FROM hotline_contact_reports")->front().integer(0), 800);
  EXPECT_EQ(db_->query("SELECT COUNT(*) FROM hotline_contact_accounts")->front().integer(0), 800);
  // Every stored contact reads back with its own notes.
  auto all = list(*db_, at(kJan2024), at(kJan2024 + 2000), contacts_of(boss_), 1000);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->size(), 1000u);
  for (const Contact& k : *all) {
    if (!k.recorded) continue;
    EXPECT_EQ(k.report_ids.size(), 2u);
    EXPECT_EQ(*read_notes(*db_, keys_, k.id, contacts_of(boss_)), batch[0].notes);
  }
}

TEST_P(ContactTest, TheAccessFilterKeepsOtherUnitsOut) {
  auto mine = create(*db_, keys_, recorded(north_, "user-a", kJan2024), now_);
  auto theirs = create(*db_, keys_, recorded(south_, "user-b", kJan2024 + 10), now_);
  ASSERT_TRUE(mine.ok() && theirs.ok());

  // A counsellor of the north office sees the north contact only, whatever the search.
  auto by_phone = search_by_phone(*db_, keys_, "+84 912 345 678", contacts_of(a_));
  ASSERT_TRUE(by_phone.ok()) << by_phone.error().message;
  ASSERT_EQ(by_phone->size(), 1u);
  EXPECT_EQ(by_phone->front().id, *mine);
  auto by_account = search_by_account(*db_, keys_, "facebook.com/ke.la", contacts_of(a_));
  ASSERT_TRUE(by_account.ok()) << by_account.error().message;
  ASSERT_EQ(by_account->size(), 1u);
  EXPECT_EQ(by_account->front().id, *mine);
  EXPECT_EQ(get(*db_, *theirs, contacts_of(a_)).error().code, ErrorCode::not_found);
  EXPECT_EQ(read_notes(*db_, keys_, *theirs, contacts_of(a_)).error().code, ErrorCode::not_found);
  EXPECT_EQ(get(*db_, "c-no-such-contact", contacts_of(a_)).error().code, ErrorCode::not_found);

  // The supervisor of the hotline sees both offices, newest first.
  auto boss = search_by_phone(*db_, keys_, "84912345678", contacts_of(boss_));
  ASSERT_TRUE(boss.ok());
  ASSERT_EQ(boss->size(), 2u);
  EXPECT_EQ((*boss)[0].id, *theirs);
  EXPECT_EQ((*boss)[1].id, *mine);

  // A statistician reads no single contact; neither does a principal without grants.
  auto stat = principal("user-t", hotline_, Role::statistician, Scope::all);
  EXPECT_TRUE(search_by_phone(*db_, keys_, "0912345678", contacts_of(stat))->empty());
  EXPECT_EQ(get(*db_, *mine, contacts_of(stat)).error().code, ErrorCode::not_found);
  auth::Principal nobody;
  EXPECT_TRUE(search_by_account(*db_, keys_, "facebook.com/ke.la", contacts_of(nobody))->empty());

  // A different number or account finds nothing.
  EXPECT_TRUE(search_by_phone(*db_, keys_, "0912345679", contacts_of(boss_))->empty());
  EXPECT_TRUE(search_by_account(*db_, keys_, "facebook.com/ke.la2", contacts_of(boss_))->empty());
}

TEST_P(ContactTest, AFilterWithStrayPlaceholdersIsRefused) {
  auth::SqlFilter f{"unit_id = $2", {std::string("x")}};
  auto r = list(*db_, at(0), at(kJan2024), f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
}

TEST_P(ContactTest, RepeatContactsAreEarlierOnesTheCallerMaySee) {
  auto first = create(*db_, keys_, recorded(north_, "user-a", kJan2024), now_);
  auto other_unit = create(*db_, keys_, recorded(south_, "user-b", kJan2024 + 100), now_);
  NewContact same_account = recorded(north_, "user-a", kJan2024 + 200);
  same_account.caller_phone = "0987 654 321";
  same_account.accounts = {"facebook.com/ke.la"};
  auto second = create(*db_, keys_, same_account, now_);
  NewContact stranger = recorded(north_, "user-a", kJan2024 + 300);
  stranger.caller_phone = "0911 111 111";
  stranger.accounts = {};
  ASSERT_TRUE(create(*db_, keys_, stranger, now_).ok());
  NewContact latest = recorded(north_, "user-a", kJan2024 + 400);
  auto third = create(*db_, keys_, latest, now_);
  ASSERT_TRUE(first.ok() && other_unit.ok() && second.ok() && third.ok());

  // A new contact's form: the same phone number as the first.
  auto caller = caller_hashes(keys_, "+84912345678", {});
  ASSERT_TRUE(caller.ok());
  auto seen = repeat_contacts(*db_, *caller, at(kJan2024 + 1000), contacts_of(a_));
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  std::vector<std::string> ids;
  for (const auto& k : *seen) ids.push_back(k.id);
  EXPECT_EQ(ids, (std::vector<std::string>{*third, *first}));

  // By account only: the one that named the link (and those with the same account spelt otherwise).
  const std::vector<std::string> accounts = {"HTTPS://FACEBOOK.COM/KE.LA"};
  auto by_account = caller_hashes(keys_, "", accounts);
  ASSERT_TRUE(by_account.ok());
  seen = repeat_contacts(*db_, *by_account, at(kJan2024 + 1000), contacts_of(a_));
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->size(), 3u);  // first, second, third (the south contact is out of scope)

  // For a stored contact: the earlier ones sharing its phone or an account.
  auto of_third = repeat_contacts_of(*db_, *third, contacts_of(a_));
  ASSERT_TRUE(of_third.ok()) << of_third.error().message;
  ids.clear();
  for (const auto& k : *of_third) ids.push_back(k.id);
  EXPECT_EQ(ids, (std::vector<std::string>{*second, *first}));
  auto of_boss = repeat_contacts_of(*db_, *third, contacts_of(boss_));
  ASSERT_TRUE(of_boss.ok());
  EXPECT_EQ(of_boss->size(), 3u);
  EXPECT_EQ(repeat_contacts_of(*db_, *third, contacts_of(b_)).error().code, ErrorCode::not_found);
  EXPECT_TRUE(repeat_contacts(*db_, CallerHashes{}, at(kJan2024 + 1000), contacts_of(a_))->empty());
}

TEST_P(ContactTest, ListIsNewestFirstWithinThePeriod) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(create(*db_, keys_, silent_call(north_, kJan2024 + i * 60), now_).ok());
  auto l = list(*db_, at(kJan2024 + 60), at(kJan2024 + 240), contacts_of(a_));
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ((*l)[0].start, at(kJan2024 + 180));
  EXPECT_EQ((*l)[2].start, at(kJan2024 + 60));
  EXPECT_EQ(list(*db_, at(0), at(kJan2024 + 600), contacts_of(a_), 2)->size(), 2u);
  EXPECT_TRUE(list(*db_, at(0), at(kJan2024 + 600), contacts_of(b_))->empty());
  EXPECT_EQ(list(*db_, at(0), at(1), contacts_of(a_), 0).error().code, ErrorCode::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Engines, ContactTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql),
                         testing::engine_name);

}  // namespace
}  // namespace baove::hotline
