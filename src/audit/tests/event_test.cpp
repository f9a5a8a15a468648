// Events: what validate() accepts and refuses, the canonical serialisation.
#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "audit/tests/test_db.hpp"

namespace baove::audit {
namespace {

using testing::sample_event;

TEST(Event, TypicalEventsAreValid) {
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(validate(sample_event(i)).ok()) << i;
  Event login;
  login.actor = "u:42";
  login.time = testing::at(0);
  login.action = Action::login;
  login.address = "2001:db8::7";
  EXPECT_TRUE(validate(login).ok());
  Event anonymous = login;  // a member of the public filing a report
  anonymous.actor.clear();
  anonymous.action = Action::create;
  anonymous.object_type = "report";
  anonymous.object_id = "rpt_8f3k2";
  EXPECT_TRUE(validate(anonymous).ok());
}

// Each case: something that is content rather than an identifier, and the field the error names.
TEST(Event, ContentIsRefusedNamingTheField) {
  struct Case {
    const char* field;
    void (*edit)(Event&);
  };
  const Case cases[] = {
      {"actor", [](Event& e) { e.actor = "Nguyen Van A"; }},
      {"actor", [](Event& e) { e.actor = "reporter@example.com"; }},
      {"actor", [](Event& e) { e.actor = std::string(65, 'a'); }},
      {"unit", [](Event& e) { e.unit = "unit\n"; }},
      {"roles[1]",
       [](Event& e) {
         e.roles = {"analyst", "Case Worker"};
       }},
      {"roles", [](Event& e) { e.roles = std::vector<std::string>(17, "r"); }},
      {"session_hash", [](Event& e) { e.session_hash = "raw-session-token"; }},
      {"session_hash", [](Event& e) { e.session_hash = std::string(64, 'A'); }},
      {"address", [](Event& e) { e.address = "example.com"; }},
      {"address", [](Event& e) { e.address = "10.0.0.256"; }},
      {"time", [](Event& e) { e.time = Timestamp{}; }},
      {"object_type", [](Event& e) { e.object_type = "Case"; }},
      {"object_id", [](Event& e) { e.object_id = "child named Lan, 9"; }},
      {"object_id", [](Event& e) { e.object_id = std::string(129, '1'); }},
      {"fields[0]", [](Event& e) { e.fields = {"the child's address is ..."}; }},
      {"fields", [](Event& e) { e.fields = std::vector<std::string>(65, "f"); }},
      {"row_count", [](Event& e) { e.row_count = -1; }},
      {"reason", [](Event& e) { e.reason = std::string(201, 'x'); }},
      {"reason", [](Event& e) { e.reason = "line one\nline two"; }},
      {"reason", [](Event& e) { e.reason = "\xC3\x28"; }},
      {"action", [](Event& e) { e.action = static_cast<Action>(99); }},
  };
  for (const auto& c : cases) {
    Event e = sample_event(1);
    c.edit(e);
    auto s = validate(e);
    ASSERT_FALSE(s.ok()) << c.field;
    EXPECT_EQ(s.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(s.error().message.rfind(c.field, 0), 0U) << s.error().message;
  }
  Event e = sample_event(1);
  e.reason = "Lý do: yêu cầu của giám sát viên";  // Vietnamese text within the limit is fine
  EXPECT_TRUE(validate(e).ok());
}

TEST(Event, AddressesAreStoredInCanonicalForm) {
  Event e = sample_event(1);
  e.address = "2001:DB8:0:0:0:0:0:1";
  auto n = normalize(e);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->address, "2001:db8::1");
}

TEST(Event, SerialisationHasTheDocumentedLayout) {
  Event e;
  e.actor = "u1";
  e.time = Timestamp(std::chrono::microseconds(0x0102030405060708LL));
  e.action = Action::read;
  e.roles = {"a", "bc"};
  e.row_count = 5;
  e.outcome = Outcome::denied;
  const auto bytes = serialize(0x1122, e);
  std::vector<std::uint8_t> want = {0x01, 0, 0, 0, 0, 0, 0, 0x11, 0x22, 1, 2, 3, 4, 5, 6, 7, 8};
  auto str = [&](std::string_view s) {
    const auto n = static_cast<std::uint32_t>(s.size());
    want.insert(want.end(), {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                             static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
    want.insert(want.end(), s.begin(), s.end());
  };
  str("u1");                              // actor
  str("");                                // unit
  want.insert(want.end(), {0, 0, 0, 2});  // roles: two
  str("a");
  str("bc");
  str("");                                               // session hash
  str("");                                               // address
  str("read");                                           // action
  str("");                                               // object type
  str("");                                               // object id
  want.insert(want.end(), {0, 0, 0, 0});                 // no fields
  want.insert(want.end(), {1, 0, 0, 0, 0, 0, 0, 0, 5});  // row count present: 5
  str("denied");
  str("");  // reason
  EXPECT_EQ(bytes, want);
}

TEST(Event, SerialisationIsUnambiguous) {
  Event a = sample_event(2);
  Event b = a;
  a.actor = "ab";
  a.unit = "c";
  b.actor = "a";
  b.unit = "bc";
  EXPECT_NE(serialize(1, a), serialize(1, b));
  a = b;
  a.roles = {"ab"};
  b.roles = {"a", "b"};
  EXPECT_NE(serialize(1, a), serialize(1, b));
  a = b;
  a.row_count.reset();
  b.row_count = 0;
  EXPECT_NE(serialize(1, a), serialize(1, b));
  EXPECT_NE(serialize(1, a), serialize(2, a));  // the position is part of what is hashed
}

}  // namespace
}  // namespace baove::audit
