// The hotline's routes over real HTTP: the queue with claim and release, contacts with repeat
// contacts and searches, access between provinces, the audit trail, and the statistics with their
// exports.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "api/tests/api_test_env.hpp"
#include "hotline/hotline.hpp"
#include "report/keys.hpp"
#include "report/report.hpp"
#include "store/store.hpp"

namespace baove::api::testing {
namespace {

using std::chrono::microseconds;
using Time = std::chrono::sys_time<microseconds>;

Time now_us() { return std::chrono::time_point_cast<microseconds>(std::chrono::system_clock::now()); }

class HotlineApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    root_ = make_unit("Cục Trẻ em", "", auth::UnitKind::national_department);
    hanoi_ = make_unit("Hà Nội", root_);
    danang_ = make_unit("Đà Nẵng", root_);
    hn_ = ready_user("tuvan.hn", hanoi_, {{auth::Role::counsellor, auth::Scope::unit}});
    hn2_ = ready_user("tuvan2.hn", hanoi_, {{auth::Role::counsellor, auth::Scope::unit}});
    dn_ = ready_user("tuvan.dn", danang_, {{auth::Role::counsellor, auth::Scope::unit}});
  }

  // A report waiting in `unit`'s queue, stored as the public form would store it.
  std::string waiting_report(const std::string& unit, bool danger, const std::string& age_band,
                             Time received) {
    auto keys = report::Keys::load_or_create(server().platform().config().data_dir / "keys" / "report.key");
    EXPECT_TRUE(keys.ok());
    report::NewReport r;
    r.channel = "web";
    r.category = "sexual_abuse";
    r.description = "Có người lạ nhắn tin đòi ảnh.";
    r.age_band = age_band;
    r.danger_now = danger;
    r.unit = unit;
    store::Transaction tx(server().db());
    EXPECT_TRUE(tx.started().ok());
    auto receipt = report::create(server().db(), *keys, r, received);
    EXPECT_TRUE(receipt.ok()) << receipt.error().message;
    EXPECT_TRUE(tx.commit().ok());
    return receipt.ok() ? receipt->report_id : "";
  }

  json post(const std::string& target, const Session& s, const json& body, int expect) {
    auto r = call_json("POST", target, s, body);
    EXPECT_EQ(r.status, expect) << target << " " << r.body;
    return body_of(r);
  }
  json get(const std::string& target, const Session& s, int expect = 200) {
    auto r = call("GET", target, &s);
    EXPECT_EQ(r.status, expect) << target << " " << r.body;
    return body_of(r);
  }

  // The audit events of `action` on `object_type` (with their text, to look for leaks).
  std::vector<std::string> audit_rows(const std::string& action, const std::string& object_type) {
    std::vector<store::Value> params{action, object_type};
    auto rows = server().db().query(
        "SELECT actor, object_id, reason, outcome, COALESCE(row_count, -1) FROM audit_events WHERE action = "
        "$1 AND "
        "object_type = $2 ORDER BY seq",
        params);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    std::vector<std::string> out;
    if (!rows.ok()) return out;
    for (const auto& row : *rows) {
      out.push_back(row.text(0) + "|" + row.text(1) + "|" + row.text(2) + "|" + row.text(3) + "|" +
                    std::to_string(row.integer(4)));
    }
    return out;
  }

  std::string root_, hanoi_, danang_;
  Session hn_, hn2_, dn_;
};

TEST_P(HotlineApiTest, QueueIsMostUrgentFirstAndOneCounsellorTakesEachItem) {
  const Time t0 = now_us() - std::chrono::hours(2);
  const std::string teen = waiting_report(hanoi_, false, "15_17", t0);
  const std::string small = waiting_report(hanoi_, false, "under_6", t0 + std::chrono::minutes(30));
  const std::string danger = waiting_report(hanoi_, true, "15_17", t0 + std::chrono::minutes(60));
  const std::string elsewhere = waiting_report(danang_, true, "under_6", t0);

  json q = get("/api/v1/queue", hn_);
  EXPECT_EQ(q["total"], 3);
  ASSERT_EQ(q["items"].size(), 3u);
  EXPECT_EQ(q["items"][0]["report_id"], danger);
  EXPECT_EQ(q["items"][0]["priority"], "urgent");
  EXPECT_EQ(q["items"][1]["report_id"], small);
  EXPECT_EQ(q["items"][2]["report_id"], teen);
  EXPECT_GE(q["items"][2]["waiting_s"].get<std::int64_t>(), 7100);
  EXPECT_EQ(q["items"][0]["owner_id"], "");
  json page = get("/api/v1/queue?limit=1&offset=1", hn_);
  EXPECT_EQ(page["total"], 3);
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["report_id"], small);
  EXPECT_EQ(error_code(call("GET", "/api/v1/queue?limit=0", &hn_)), "validation_failed");

  // The top item is taken once: the second counsellor is told someone has it.
  json claimed = post("/api/v1/queue/" + danger + "/claim", hn_, json::object(), 200);
  EXPECT_EQ(claimed["owner_id"], hn_.user_id);
  post("/api/v1/queue/" + danger + "/claim", hn_, json::object(), 200);
  auto second = call_json("POST", "/api/v1/queue/" + danger + "/claim", hn2_, json::object());
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(error_code(second), "conflict");
  json seen_by_other = get("/api/v1/queue", hn2_);
  EXPECT_EQ(seen_by_other["items"][0]["owner_id"], hn_.user_id);
  EXPECT_EQ(seen_by_other["items"][0]["mine"], false);
  EXPECT_EQ(get("/api/v1/queue", hn_)["items"][0]["mine"], true);
  EXPECT_EQ(call_json("POST", "/api/v1/queue/" + danger + "/release", hn2_, json::object()).status, 409);

  // Another province's counsellor neither sees nor takes it.
  json dn_queue = get("/api/v1/queue", dn_);
  EXPECT_EQ(dn_queue["total"], 1);
  EXPECT_EQ(dn_queue["items"][0]["report_id"], elsewhere);
  EXPECT_EQ(call_json("POST", "/api/v1/queue/" + danger + "/claim", dn_, json::object()).status, 404);

  // Release gives it back; then classifying it as a contact takes it off the queue.
  post("/api/v1/queue/" + danger + "/release", hn_, json::object(), 200);
  EXPECT_EQ(get("/api/v1/queue", hn2_)["items"][0]["owner_id"], "");
  post("/api/v1/queue/" + danger + "/claim", hn_, json::object(), 200);
  json created = post("/api/v1/contacts", hn_,
                      {{"channel", "web"},
                       {"categories", {"sexual_abuse", "grooming"}},
                       {"outcome", "referred"},
                       {"child", {{"age_band", "15_17"}, {"province", "ha_noi"}}},
                       {"report_ids", {danger}}},
                      201);
  EXPECT_EQ(created["contact"]["report_ids"], json::array({danger}));
  json after = get("/api/v1/queue", hn_);
  EXPECT_EQ(after["total"], 2);
  EXPECT_EQ(after["items"][0]["report_id"], small);
  json rep = get("/api/v1/reports/" + danger, hn_);
  EXPECT_EQ(rep["state"], "in_review");
  EXPECT_EQ(rep["owner_id"], hn_.user_id);

  // Linking a report of another province is refused, and stores nothing.
  auto foreign =
      call_json("POST", "/api/v1/contacts", hn_, {{"channel", "phone"}, {"report_ids", {elsewhere}}});
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(error_fields(foreign), std::vector<std::string>{"report_ids"});

  // Claims, the refused claims and the queue reads are in the audit log.
  const auto updates = audit_rows("update", "report");
  int claims = 0, refused = 0;
  for (const auto& row : updates) {
    if (row.find("|claim|allowed") != std::string::npos) ++claims;
    if (row.find("held-by-another|denied") != std::string::npos) ++refused;
  }
  EXPECT_EQ(claims, 3);
  EXPECT_EQ(refused, 2);
  int queue_reads = 0;
  for (const auto& row : audit_rows("search", "report"))
    if (row.find("|queue|") != std::string::npos) ++queue_reads;
  EXPECT_GE(queue_reads, 6);
}

TEST_P(HotlineApiTest, ContactsRepeatCallersSearchAndProvinces) {
  json first = post("/api/v1/contacts", hn_,
                    {{"channel", "phone"},
                     {"duration_s", 1260},
                     {"indepth", true},
                     {"outcome", "indepth_counselling"},
                     {"categories", {"violence_bullying"}},
                     {"child", {{"age_band", "11_14"}, {"gender", "girl"}, {"province", "ha_noi"}}},
                     {"notes", "Em bị bạn cùng lớp bắt nạt trên nhóm chat."},
                     {"caller_phone", "0912 345 678"}},
                    201);
  const std::string first_id = first["contact"]["id"];
  EXPECT_EQ(first["contact"]["indepth"], true);
  EXPECT_EQ(first["contact"]["has_caller_phone"], true);
  EXPECT_EQ(first["contact"]["counsellor_id"], hn_.user_id);
  EXPECT_EQ(first["contact"]["unit_id"], hanoi_);
  EXPECT_TRUE(first["repeats"].empty());

  // The same number written another way is the same caller: the form hears of the earlier contact
  // before saving, and again in the answer.
  json before = post("/api/v1/contacts/repeats", hn2_, {{"caller_phone", "+84 912 345 678"}}, 200);
  ASSERT_EQ(before["contacts"].size(), 1u);
  EXPECT_EQ(before["contacts"][0]["id"], first_id);
  json second =
      post("/api/v1/contacts", hn2_,
           {{"channel", "phone"}, {"caller_phone", "+84 912 345 678"}, {"outcome", "information"}}, 201);
  ASSERT_EQ(second["repeats"].size(), 1u);
  EXPECT_EQ(second["repeats"][0]["id"], first_id);
  const std::string second_id = second["contact"]["id"];
  json repeats = get("/api/v1/contacts/" + second_id + "/repeats", hn_);
  ASSERT_EQ(repeats["contacts"].size(), 1u);
  EXPECT_EQ(repeats["contacts"][0]["id"], first_id);

  // Found by phone, newest first; the record has its notes.
  json found = post("/api/v1/contacts/search", hn_, {{"phone", "0912345678"}}, 200);
  ASSERT_EQ(found["contacts"].size(), 2u);
  EXPECT_EQ(found["contacts"][0]["id"], second_id);
  EXPECT_EQ(found["contacts"][1]["id"], first_id);
  json record = get("/api/v1/contacts/" + first_id, hn_);
  EXPECT_EQ(record["notes"], "Em bị bạn cùng lớp bắt nạt trên nhóm chat.");
  EXPECT_EQ(record["duration_s"], 1260);
  EXPECT_EQ(record["categories"], json::array({"violence_bullying"}));
  json listed = get("/api/v1/contacts", hn_);
  EXPECT_EQ(listed["contacts"].size(), 2u);

  // Đà Nẵng's counsellor cannot open either, find them, or learn of the caller.
  EXPECT_EQ(error_code(call("GET", "/api/v1/contacts/" + first_id, &dn_)), "not_found");
  EXPECT_EQ(call("GET", "/api/v1/contacts/" + second_id, &dn_).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/contacts/" + first_id + "/repeats", &dn_).status, 404);
  EXPECT_TRUE(post("/api/v1/contacts/search", dn_, {{"phone", "0912345678"}}, 200)["contacts"].empty());
  EXPECT_TRUE(
      post("/api/v1/contacts/repeats", dn_, {{"caller_phone", "0912345678"}}, 200)["contacts"].empty());
  EXPECT_TRUE(get("/api/v1/contacts", dn_)["contacts"].empty());

  // Every read is audited, the refusals too, and no phone number reaches the log.
  bool read_first = false, refused_first = false;
  for (const auto& row : audit_rows("read", "contact")) {
    if (row.rfind(hn_.user_id + "|" + first_id + "||allowed", 0) == 0) read_first = true;
    if (row.rfind(dn_.user_id + "|" + first_id + "|not-found|denied", 0) == 0) refused_first = true;
  }
  EXPECT_TRUE(read_first);
  EXPECT_TRUE(refused_first);
  bool phone_search = false;
  for (const auto& row : audit_rows("search", "contact"))
    if (row.rfind(hn_.user_id + "||by-phone|allowed|2", 0) == 0) phone_search = true;
  EXPECT_TRUE(phone_search);
  // (The number's nine digits: ids are random hex and may hold a short run of digits by chance.)
  auto leaked = server().db().query(
      "SELECT COUNT(*) FROM audit_events WHERE reason LIKE '%912345678%' OR object_id LIKE '%912345678%' OR "
      "fields LIKE '%912345678%' OR address LIKE '%912345678%'");
  ASSERT_TRUE(leaked.ok()) << leaked.error().message;
  EXPECT_EQ((*leaked)[0].integer(0), 0);
}

TEST_P(HotlineApiTest, ContactInputIsCheckedFieldByField) {
  auto r =
      call_json("POST", "/api/v1/contacts", hn_, {{"channel", "phone"}, {"categories", {"not_a_category"}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"categories"});
  r = call_json("POST", "/api/v1/contacts", hn_, {{"channel", "pigeon"}});
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"channel"});
  r = call_json("POST", "/api/v1/contacts", hn_, {{"channel", "phone"}, {"caller_phone", "not a number"}});
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"caller_phone"});
  r = call_json("POST", "/api/v1/contacts", hn_,
                {{"channel", "phone"}, {"child", {{"province", "atlantis"}}}});
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"child.province"});
  r = call_json("POST", "/api/v1/contacts", hn_, {{"channel", "phone"}, {"colour", "blue"}});
  EXPECT_EQ(r.status, 400);
  r = call_json("POST", "/api/v1/contacts", hn_, {{"channel", "phone"}, {"outcome", "indepth_counselling"}});
  EXPECT_EQ(error_fields(r), std::vector<std::string>{"indepth"});
  // A silent call is counted with no file: nothing but the minimum.
  json silent =
      post("/api/v1/contacts", hn_, {{"channel", "phone"}, {"recorded", false}, {"duration_s", 4}}, 201);
  EXPECT_EQ(silent["contact"]["recorded"], false);
  r = call_json("POST", "/api/v1/contacts", hn_,
                {{"channel", "phone"}, {"recorded", false}, {"categories", {"grooming"}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(call_json("POST", "/api/v1/contacts/search", hn_, {{"phone", "1"}, {"account", "x"}}).status,
            400);
  EXPECT_EQ(call_json("POST", "/api/v1/contacts/search", hn_, {{"receipt", "nonsense"}}).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/contacts/not-an-id", &hn_).status, 404);
}

TEST_P(HotlineApiTest, CategoryPickerAndVocabulary) {
  json found = get("/api/v1/categories?q=" + url_encode("xam hai"), hn_);
  ASSERT_FALSE(found["categories"].empty());
  EXPECT_EQ(found["categories"][0]["key"], "sexual_abuse");
  json accented = get("/api/v1/categories?q=" + url_encode("Xâm hại"), hn_);
  EXPECT_EQ(accented["categories"][0]["key"], "sexual_abuse");
  EXPECT_EQ(get("/api/v1/categories", hn_)["categories"].size(),
            get("/api/v1/taxonomy", hn_)["categories"].size());
  json vocab = get("/api/v1/taxonomy", hn_);
  EXPECT_EQ(vocab["provinces"].size(), 35u);  // 34 and "unknown"
  EXPECT_EQ(vocab["channels"][0]["key"], "phone");
  EXPECT_EQ(call("GET", "/api/v1/taxonomy").status, 401);
}

TEST_P(HotlineApiTest, StatisticsForTheStatisticianOnly) {
  Session stat = ready_user("thongke", root_, {{auth::Role::statistician, auth::Scope::all}});
  Session sup = ready_user("giamsat.hn", hanoi_, {{auth::Role::supervisor, auth::Scope::unit_and_below}});
  // Four calls in 2022 by Viet Nam's clock (one of them 1 a.m. on 1 January, still 2021 in UTC),
  // one in 2023; two of 2022's with a contact file about online sexual abuse.
  // "YYYY-MM-DDTHH:MM:SS" in UTC.
  auto at = [](const char* text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    EXPECT_EQ(std::sscanf(text, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec), 6);
    const std::chrono::sys_days day = std::chrono::year{y} / std::chrono::month{static_cast<unsigned>(mo)} /
                                      std::chrono::day{static_cast<unsigned>(d)};
    return std::chrono::time_point_cast<microseconds>(day + std::chrono::hours{h} + std::chrono::minutes{mi} +
                                                      std::chrono::seconds{sec});
  };
  std::vector<hotline::NewContact> contacts;
  auto add = [&](const char* when, bool recorded, std::vector<std::string> categories, std::string outcome) {
    hotline::NewContact n;
    n.contact.channel = "phone";
    n.contact.start = at(when);
    n.contact.unit_id = hanoi_;
    n.contact.recorded = recorded;
    n.contact.categories = std::move(categories);
    n.contact.outcome = std::move(outcome);
    contacts.push_back(std::move(n));
  };
  add("2021-12-31T18:00:00", false, {}, "");
  add("2022-03-01T10:00:00", true, {"sexual_abuse"}, "counselled");
  add("2022-06-01T10:00:00", true, {"sexual_abuse"}, "intervention");
  add("2022-12-31T16:59:00", false, {}, "no_action");
  add("2022-12-31T17:00:00", false, {}, "");  // 1 January 2023, 00:00 in Viet Nam
  auto keys = report::Keys::load_or_create(server().platform().config().data_dir / "keys" / "hotline.key");
  ASSERT_TRUE(keys.ok());
  hotline::Keys hkeys;
  hkeys.notes = keys->contact_key;
  hkeys.lookup = keys->lookup_key;
  ASSERT_TRUE(hotline::create_many(server().db(), hkeys, contacts, now_us()).ok());

  json table = get("/api/v1/stats/hotline?year=2022", stat);
  auto count = [&](const std::string& key) -> std::int64_t {
    for (const auto& row : table["rows"])
      if (row["key"] == key) return row["count"];
    return -1;
  };
  EXPECT_EQ(count("total_calls"), 4);
  EXPECT_EQ(count("recorded_calls"), 2);
  EXPECT_EQ(count("online_abuse"), 2);
  EXPECT_EQ(count("online_counselling"), 1);
  EXPECT_EQ(count("oi_sexual_abuse"), 1);
  EXPECT_EQ(count("intervention_cases"), 1);
  EXPECT_EQ(table["from"], "2021-12-31T17:00:00.000000Z");
  EXPECT_EQ(get("/api/v1/stats/hotline?from=2022-01-01&to=2023-01-01", stat)["rows"], table["rows"]);

  // The export: the ministry's layout, the same counts; for the public, small counts hidden.
  auto csv = call("GET", "/api/v1/stats/hotline/export?year=2022&format=csv", &stat);
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.header("content-disposition").find("hotline-2022.csv"), std::string::npos);
  EXPECT_NE(csv.body.find("key,parent,label_vi,label_en,2022\r\n"), std::string::npos)
      << csv.body.substr(0, 200);
  EXPECT_NE(csv.body.find("total_calls,,"), std::string::npos);
  EXPECT_NE(csv.body.find(",4\r\n"), std::string::npos);
  auto pub = call("GET", "/api/v1/stats/hotline/export?year=2022&format=csv&public=true", &stat);
  ASSERT_EQ(pub.status, 200);
  EXPECT_EQ(pub.body.find(",4\r\n"), std::string::npos) << "4 is below the threshold of 5";
  EXPECT_NE(pub.body.find("<5"), std::string::npos);
  auto xlsx = call("GET", "/api/v1/stats/hotline/export?year=2022&format=xlsx", &stat);
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");

  // Breakdowns for the charts.
  json channels =
      get("/api/v1/stats/breakdown?dimension=channel&by=year&from=2022-01-01&to=2024-01-01", stat);
  EXPECT_EQ(channels["partition"], true);
  std::int64_t phone_2022 = -1, phone_2023 = -1;
  for (const auto& row : channels["rows"]) {
    if (row["key"] == "phone" && row["period"] == "2022") phone_2022 = row["count"];
    if (row["key"] == "phone" && row["period"] == "2023") phone_2023 = row["count"];
  }
  EXPECT_EQ(phone_2022, 4);
  EXPECT_EQ(phone_2023, 1);
  auto bx = call("GET", "/api/v1/stats/breakdown/export?dimension=category&year=2022&format=csv", &stat);
  EXPECT_EQ(bx.status, 200);
  EXPECT_EQ(error_fields(call("GET", "/api/v1/stats/breakdown?dimension=colour&year=2022", &stat)),
            std::vector<std::string>{"dimension"});
  EXPECT_EQ(call("GET", "/api/v1/stats/hotline?year=22", &stat).status, 400);

  // A supervisor reads their province's table but does not export; a counsellor sees neither.
  json province = get("/api/v1/stats/hotline?year=2022", sup);
  EXPECT_EQ(province["rows"][0]["key"], "total_calls");
  EXPECT_EQ(province["rows"][0]["count"], 4);
  Session sup_dn = ready_user("giamsat.dn", danang_, {{auth::Role::supervisor, auth::Scope::unit_and_below}});
  EXPECT_EQ(get("/api/v1/stats/hotline?year=2022", sup_dn)["rows"][0]["count"], 0);
  EXPECT_EQ(call("GET", "/api/v1/stats/hotline/export?year=2022", &sup).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/stats/hotline?year=2022", &hn_).status, 404);
  // A statistician of one province counts and exports that province alone.
  Session stat_dn =
      ready_user("thongke.dn", danang_, {{auth::Role::statistician, auth::Scope::unit_and_below}});
  EXPECT_EQ(get("/api/v1/stats/hotline?year=2022", stat_dn)["rows"][0]["count"], 0);
  auto dn_csv = call("GET", "/api/v1/stats/hotline/export?year=2022&format=csv", &stat_dn);
  ASSERT_EQ(dn_csv.status, 200);
  EXPECT_NE(dn_csv.body.find("total_calls,,"), std::string::npos);
  EXPECT_EQ(dn_csv.body.find(",4\r\n"), std::string::npos) << "Hà Nội's calls are not Đà Nẵng's";
  auto dn_breakdown =
      call("GET", "/api/v1/stats/breakdown/export?dimension=channel&year=2022&format=csv", &stat_dn);
  ASSERT_EQ(dn_breakdown.status, 200);
  EXPECT_EQ(dn_breakdown.body.find(",4\r\n"), std::string::npos);
  // The statistician never sees a single contact.
  EXPECT_TRUE(get("/api/v1/contacts", stat)["contacts"].empty());

  int exports = 0;
  for (const auto& row : audit_rows("export", "statistics"))
    if (row.rfind(stat.user_id + "|hotline_table|", 0) == 0) ++exports;
  EXPECT_EQ(exports, 3);
}

INSTANTIATE_TEST_SUITE_P(Engines, HotlineApiTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);

}  // namespace
}  // namespace baove::api::testing
