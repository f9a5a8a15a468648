// Audited reads over the API, the security officer's questions, and a log that still verifies.
#include <algorithm>
#include <set>

#include "api_test_env.hpp"
#include "audit/audit.hpp"

namespace baove::api::testing {
namespace {

class AuditTest : public ApiTest {
 protected:
  // Every stored event matching `q`, oldest first, read straight from the database.
  std::vector<audit::StoredEvent> stored(audit::Query q) {
    q.newest_first = false;
    q.limit = 1000;
    auto page = audit::query(server().db(), q);
    EXPECT_TRUE(page.ok()) << page.error().message;
    return page.ok() ? page->events : std::vector<audit::StoredEvent>{};
  }
  // The events an officer's query over the API returns.
  std::vector<json> officer_query(const Session& officer, const std::string& query) {
    const HttpResponse r = call("GET", "/api/v1/audit/events?" + query, &officer);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    std::vector<json> out;
    for (const auto& e : body_of(r).value("events", json::array())) out.push_back(e);
    return out;
  }
  static bool contains_seq(const std::vector<json>& events, std::int64_t seq) {
    return std::any_of(events.begin(), events.end(),
                       [&](const json& e) { return e.value("seq", -1) == seq; });
  }
};

TEST_P(AuditTest, ReadsAreAuditedBeforeAnsweringAndTheOfficerCanFindThem) {
  const std::string root = make_unit("Department of Children", "", auth::UnitKind::national_department);
  const std::string unit_a = make_unit("Da Nang", root);
  const std::string unit_b = make_unit("Hue", root);
  Session reader = ready_user("reader", unit_a, {{auth::Role::administrator, auth::Scope::unit}});
  Session officer = ready_user("officer", root, {{auth::Role::security_officer, auth::Scope::all}});
  ASSERT_FALSE(HasFatalFailure());
  auto target = fixtures().create_user(kSystem, "target", unit_a, auth::random_password(), true);
  auto hidden = fixtures().create_user(kSystem, "hidden", unit_b, auth::random_password(), true);
  ASSERT_TRUE(target.ok() && hidden.ok());
  const auto before =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const audit::SessionHasher hasher(server().platform().auth_options().keys.token_hash);

  // An allowed read: the event is stored by the time the answer arrives.
  HttpResponse r = call("GET", "/api/v1/users/" + target->id, &reader);
  ASSERT_EQ(r.status, 200) << r.body;
  audit::Query by_object;
  by_object.object_type = "user";
  by_object.object_id = target->id;
  by_object.action = audit::Action::read;
  auto events = stored(by_object);
  ASSERT_EQ(events.size(), 1u) << "one read event for the read";
  const audit::Event& e = events[0].event;
  EXPECT_EQ(e.action, audit::Action::read);
  EXPECT_EQ(e.outcome, audit::Outcome::allowed);
  EXPECT_EQ(e.actor, reader.user_id);
  EXPECT_EQ(e.unit, unit_a);
  EXPECT_EQ(e.roles, std::vector<std::string>{"administrator"});
  EXPECT_EQ(e.session_hash, hasher.hash(reader.token)) << "the hashed session id";
  EXPECT_NE(e.session_hash, reader.token);
  EXPECT_EQ(e.address, "127.0.0.1");
  EXPECT_EQ(e.object_type, "user");
  EXPECT_EQ(e.object_id, target->id);
  // The fields named are exactly the fields returned.
  std::set<std::string> returned;
  const json read_body = body_of(r);
  for (const auto& [k, v] : read_body.items()) returned.insert(k);
  EXPECT_EQ(std::set<std::string>(e.fields.begin(), e.fields.end()), returned);
  EXPECT_GE(e.time, before);
  // No content in the event: not the user name that was returned.
  for (const auto& f : e.fields) EXPECT_NE(f, "target");
  EXPECT_NE(e.reason.find("administrator"), std::string::npos) << e.reason;

  // A denied read of a user of another unit: 404, and an event saying so.
  r = call("GET", "/api/v1/users/" + hidden->id, &reader);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.body.find("hidden"), std::string::npos);
  audit::Query by_hidden;
  by_hidden.object_type = "user";
  by_hidden.object_id = hidden->id;
  by_hidden.action = audit::Action::read;
  auto denied = stored(by_hidden);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].event.outcome, audit::Outcome::denied);
  EXPECT_EQ(denied[0].event.actor, reader.user_id);
  EXPECT_EQ(denied[0].event.action, audit::Action::read);
  EXPECT_TRUE(denied[0].event.fields.empty()) << "nothing was returned";
  EXPECT_FALSE(denied[0].event.reason.empty());
  // A search is audited with its row count.
  r = call("GET", "/api/v1/users", &reader);
  ASSERT_EQ(r.status, 200);
  audit::Query searches;
  searches.actor = reader.user_id;
  searches.action = audit::Action::search;
  auto search_events = stored(searches);
  ASSERT_EQ(search_events.size(), 1u);
  ASSERT_TRUE(search_events[0].event.row_count.has_value());
  EXPECT_EQ(*search_events[0].event.row_count, static_cast<std::int64_t>(body_of(r)["users"].size()));
  const auto after =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()) +
      std::chrono::seconds(1);

  // The officer's questions over the API.
  const std::int64_t read_seq = events[0].seq, denied_seq = denied[0].seq;
  // Who accessed this record?
  auto found = officer_query(officer, "object_type=user&object_id=" + url_encode(target->id));
  EXPECT_TRUE(contains_seq(found, read_seq));
  EXPECT_FALSE(contains_seq(found, denied_seq));
  for (const auto& ev : found) EXPECT_EQ(ev.value("object_id", ""), target->id);
  for (const json& ev : found) {
    if (ev.value("seq", -1) != read_seq) continue;
    EXPECT_EQ(ev.value("actor", ""), reader.user_id);
    EXPECT_EQ(ev.value("unit", ""), unit_a);
    EXPECT_EQ(ev.value("address", ""), "127.0.0.1");
    EXPECT_EQ(ev.value("session_hash", ""), hasher.hash(reader.token));
    EXPECT_EQ(ev.value("action", ""), "read");
    EXPECT_EQ(ev.value("outcome", ""), "allowed");
  }
  // What did this user access?
  found = officer_query(officer, "actor=" + url_encode(reader.user_id) + "&limit=1000");
  EXPECT_TRUE(contains_seq(found, read_seq));
  EXPECT_TRUE(contains_seq(found, denied_seq));
  for (const auto& ev : found) EXPECT_EQ(ev.value("actor", ""), reader.user_id);
  found = officer_query(officer, "actor=" + url_encode(reader.user_id) + "&outcome=denied");
  EXPECT_TRUE(contains_seq(found, denied_seq));
  EXPECT_FALSE(contains_seq(found, read_seq));
  // From where?
  found = officer_query(officer, "address=127.0.0.1&limit=1000");
  EXPECT_TRUE(contains_seq(found, read_seq));
  EXPECT_TRUE(contains_seq(found, denied_seq));
  found = officer_query(officer, "address=192.0.2.1");
  EXPECT_TRUE(found.empty());
  // When?
  found = officer_query(officer, "since=" + url_encode(rfc3339_utc(before)) +
                                     "&until=" + url_encode(rfc3339_utc(after)) + "&limit=1000");
  EXPECT_TRUE(contains_seq(found, read_seq));
  EXPECT_TRUE(contains_seq(found, denied_seq));
  found = officer_query(officer, "until=" + url_encode(rfc3339_utc(before)) +
                                     "&object_type=user&object_id=" + url_encode(target->id));
  EXPECT_FALSE(contains_seq(found, read_seq));
  found = officer_query(officer,
                        "since=" + url_encode(rfc3339_utc(after)) + "&actor=" + url_encode(reader.user_id));
  EXPECT_TRUE(found.empty());
  // The officer's own queries are audited too.
  audit::Query officer_searches;
  officer_searches.actor = officer.user_id;
  officer_searches.object_type = "audit_event";
  EXPECT_GE(stored(officer_searches).size(), 8u);

  // Anyone else: 403, and the refusal is recorded.
  r = call("GET", "/api/v1/audit/events", &reader);
  EXPECT_EQ(r.status, 403) << r.body;
  r = call("GET", "/api/v1/audit/events?actor=" + url_encode(officer.user_id), &reader);
  EXPECT_EQ(r.status, 403) << r.body;
  audit::Query refused;
  refused.actor = reader.user_id;
  refused.object_type = "audit_event";
  refused.outcome = audit::Outcome::denied;
  EXPECT_EQ(stored(refused).size(), 2u);

  // The checkpoint route shows a signed checkpoint once one exists.
  ASSERT_TRUE(server().api().tick().ok());
  r = call("GET", "/api/v1/audit/checkpoint", &officer);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r).value("public_key", ""), server().platform().audit_log().public_key().to_hex());
  r = call("GET", "/api/v1/audit/checkpoint", &reader);
  EXPECT_EQ(r.status, 403) << r.body;

  // The whole log still proves.
  auto report = audit::verify(server().db(), server().platform().audit_log().public_key());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->ok()) << (report->first() ? report->first()->detail : "");
  EXPECT_GE(report->events, 10);
  EXPECT_GE(report->checkpoints, 1u);
}

TEST_P(AuditTest, ApiKeyRequestsAreAuditedWithTheKeyAsActor) {
  const std::string root = make_unit("Department of Children", "", auth::UnitKind::national_department);
  Session chief = ready_user("chief", root, {{auth::Role::administrator, auth::Scope::all}});
  ASSERT_FALSE(HasFatalFailure());
  auto key =
      fixtures().create_api_key(kSystem, root, "directory sync", std::vector<std::string>{"user:read"}, 100);
  ASSERT_TRUE(key.ok()) << key.error().message;
  auto target = fixtures().create_user(kSystem, "target", root, auth::random_password(), true);
  ASSERT_TRUE(target.ok());
  HttpResponse r =
      call("GET", "/api/v1/users/" + target->id, nullptr, {}, {"Authorization: Bearer " + key->key});
  ASSERT_EQ(r.status, 200) << r.body;
  audit::Query q;
  q.object_type = "user";
  q.object_id = target->id;
  q.action = audit::Action::read;
  auto events = stored(q);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event.actor, key->info.id);
  EXPECT_EQ(events[0].event.unit, root);
  EXPECT_TRUE(events[0].event.session_hash.empty());
  EXPECT_EQ(events[0].event.address, "127.0.0.1");
  auto report = audit::verify(server().db(), server().platform().audit_log().public_key());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);

}  // namespace
}  // namespace baove::api::testing
