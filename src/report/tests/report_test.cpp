// Reports on both engines: receipts, the public status lookup, validation, contact encryption,
// priorities, the staff queue, evidence records; and the report key file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <regex>
#include <set>

#include "report/report.hpp"
#include "test_support.hpp"

namespace baove::report {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string engine_name(const ::testing::TestParamInfo<store::Engine>& param) {
  return param.param == store::Engine::sqlite ? "sqlite" : "postgresql";
}

Timestamp at_second(std::int64_t s) { return Timestamp(std::chrono::seconds(1'790'000'000 + s)); }

NewReport sample(std::string unit = "hotline") {
  NewReport r;
  r.channel = "web";
  r.category = "images_dignity";
  r.description = "Có người gửi ảnh của em cho bạn bè.";
  r.platform = "facebook";
  r.links = {"https://www.facebook.com/some.page/posts/1"};
  r.accounts = "some.page";
  r.period = "this_week";
  r.age_band = "11_14";
  r.province = "ha_noi";
  r.unit = std::move(unit);
  r.language = "vi";
  return r;
}

EvidenceFile sample_file(char fill) {
  EvidenceFile f;
  f.sha256 = std::string(64, fill);
  f.size = 1234;
  f.md5 = std::string(32, 'a');
  f.sha1 = std::string(40, 'b');
  f.media_type = "image/jpeg";
  f.original_name = "ảnh 1.jpg";
  f.pdq = std::string(64, 'c');
  f.pdq_quality = 90;
  f.preview_blurred = std::string(64, 'd');
  f.preview_clear = std::string(64, 'e');
  return f;
}

class ReportTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    auto c = testing::fresh_database(GetParam(), dir_.path());
    ASSERT_TRUE(c.ok()) << "a database is needed for these tests: " << c.error().message;
    db_ = std::move(*c);
    ASSERT_TRUE(migrate(*db_).ok());
    ASSERT_TRUE(migrate(*db_).ok()) << "migrations are idempotent";
  }

  Receipt make(const NewReport& r, Timestamp now) {
    store::Transaction tx(*db_);
    EXPECT_TRUE(tx.started().ok());
    auto rc = create(*db_, keys_, r, now);
    EXPECT_TRUE(rc.ok()) << rc.error().message;
    EXPECT_TRUE(tx.commit().ok());
    return rc.ok() ? *rc : Receipt{};
  }

  Result<Evidence> add(std::string_view report_id, const EvidenceFile& f, Timestamp now) {
    store::Transaction tx(*db_);
    auto e = add_evidence(*db_, report_id, f, now);
    if (e.ok()) {
      EXPECT_TRUE(tx.commit().ok());
    }
    return e;
  }

  std::int64_t count_rows(const std::string& table) {
    auto rows = db_->query("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? (*rows)[0].integer(0) : -1;
  }

  TempDir dir_;
  Keys keys_ = Keys::generate();
  std::unique_ptr<store::Connection> db_;
};

TEST_P(ReportTest, ReceiptCodesAreUniqueAndReadable) {
  const std::regex code_format("BV-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{5}-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{5}");
  const std::regex secret_format("([0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}-){3}[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}");
  const std::regex id_format("[0-9a-f]{32}");
  std::set<std::string> codes, secrets, ids;
  std::set<char> seen_chars;
  for (int i = 0; i < 200; ++i) {
    const Receipt rc = make(sample(), at_second(i));
    EXPECT_TRUE(rc.created);
    EXPECT_TRUE(std::regex_match(rc.code, code_format)) << rc.code;
    EXPECT_TRUE(std::regex_match(rc.secret, secret_format)) << rc.secret;
    EXPECT_TRUE(std::regex_match(rc.report_id, id_format)) << rc.report_id;
    codes.insert(rc.code);
    secrets.insert(rc.secret);
    ids.insert(rc.report_id);
    for (char c : rc.code.substr(3)) seen_chars.insert(c);
  }
  EXPECT_EQ(codes.size(), 200u);
  EXPECT_EQ(secrets.size(), 200u);
  EXPECT_EQ(ids.size(), 200u);
  // 200 codes of 10 random characters use (nearly) the whole alphabet of 32, not a counter's few.
  EXPECT_GE(seen_chars.size(), 30u);
  EXPECT_EQ(count_rows("report_reports"), 200);
  // Only a hash of the secret is stored.
  auto rows = db_->query("SELECT secret_hash FROM report_reports");
  ASSERT_TRUE(rows.ok());
  for (const auto& row : *rows) {
    EXPECT_EQ(row.text(0).size(), 64u);
    EXPECT_EQ(secrets.count(row.text(0)), 0u);
  }
}

TEST_P(ReportTest, StatusNeedsTheRightCodeAndSecret) {
  const Receipt rc = make(sample(), at_second(5));
  auto st = status(*db_, keys_, rc.code, rc.secret);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, State::received);
  EXPECT_EQ(st->received_at, at_second(5));
  EXPECT_EQ(st->updated_at, at_second(5));

  // As typed on a phone: lower case, no dashes, spaces, O for 0 and l for 1.
  std::string typed_code, typed_secret;
  for (char c : rc.code) {
    if (c == '-') continue;
    typed_code.push_back(c == '0' ? 'o' : c == '1' ? 'l' : static_cast<char>(std::tolower(c)));
  }
  for (char c : rc.secret) typed_secret.push_back(c == '-' ? ' ' : static_cast<char>(std::tolower(c)));
  st = status(*db_, keys_, " " + typed_code + " ", typed_secret);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(status(*db_, keys_, rc.code.substr(3), rc.secret).ok()) << "the BV prefix may be left out";

  // A wrong secret (one character changed), a wrong code, another report's secret, garbage: all
  // the same not_found.
  std::string wrong_secret = rc.secret;
  wrong_secret[0] = wrong_secret[0] == 'A' ? 'B' : 'A';
  std::string wrong_code = rc.code;
  wrong_code.back() = wrong_code.back() == 'Z' ? 'Y' : 'Z';
  const Receipt other = make(sample(), at_second(6));
  const std::vector<std::pair<std::string, std::string>> attempts = {
      {rc.code, wrong_secret}, {wrong_code, rc.secret}, {rc.code, other.secret}, {other.code, rc.secret},
      {rc.code, ""},           {"", rc.secret},         {"BV-!!!!!-!!!!!", "x"}, {rc.code, rc.secret + "A"}};
  for (const auto& [code, secret] : attempts) {
    auto bad = status(*db_, keys_, code, secret);
    ASSERT_FALSE(bad.ok()) << code << " / " << secret;
    EXPECT_EQ(bad.error().code, ErrorCode::not_found);
    EXPECT_EQ(bad.error().message, kNoSuchReport);
  }
  // Another key set (a leaked database without report.key) cannot check secrets either.
  EXPECT_FALSE(status(*db_, Keys::generate(), rc.code, rc.secret).ok());
}

TEST_P(ReportTest, ReceiptCodesParseAsPeopleTypeThem) {
  EXPECT_EQ(parse_receipt_code("bv-7k3qm-x9pta"), "BV-7K3QM-X9PTA");
  EXPECT_EQ(parse_receipt_code("7K3QM X9PTA"), "BV-7K3QM-X9PTA");
  EXPECT_EQ(parse_receipt_code("BV7K3QMX9PTA"), "BV-7K3QM-X9PTA");
  EXPECT_EQ(parse_receipt_code("BV-OIL00-00000"), "BV-01100-00000");
  EXPECT_EQ(parse_receipt_code("BV-7K3QM-X9PT"), std::nullopt);
  EXPECT_EQ(parse_receipt_code("BV-7K3QM-X9PTU"), std::nullopt) << "U is not in the alphabet";
  EXPECT_EQ(parse_receipt_code("XX-7K3QM-X9PTA"), std::nullopt);
  EXPECT_EQ(parse_receipt_code(""), std::nullopt);
  EXPECT_TRUE(std::regex_match(make_receipt_code(), std::regex("BV-[0-9A-Z]{5}-[0-9A-Z]{5}")));
  EXPECT_NE(make_secret(), make_secret());
}

TEST_P(ReportTest, AChannelMessageSeenTwiceMakesOneReport) {
  NewReport r = sample();
  r.channel = "zalo";
  r.external_id = "msg-8812:abc";
  const Receipt first = make(r, at_second(1));
  ASSERT_TRUE(first.created);
  EXPECT_FALSE(first.secret.empty());
  const Receipt again = make(r, at_second(2));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.report_id, first.report_id);
  EXPECT_EQ(again.code, first.code);
  EXPECT_TRUE(again.secret.empty());
  EXPECT_EQ(again.received_at, at_second(1));
  EXPECT_EQ(count_rows("report_reports"), 1);
  // The first secret still works.
  EXPECT_TRUE(status(*db_, keys_, first.code, first.secret).ok());

  // The same id on another channel is another message; web reports have no id and never merge.
  r.channel = "facebook";
  EXPECT_TRUE(make(r, at_second(3)).created);
  NewReport web = sample();
  EXPECT_TRUE(make(web, at_second(4)).created);
  EXPECT_TRUE(make(web, at_second(5)).created);
  EXPECT_EQ(count_rows("report_reports"), 4);
}

TEST_P(ReportTest, ValidationNamesEachBadField) {
  EXPECT_TRUE(validate(sample()).empty());
  NewReport minimal;
  minimal.channel = "phone";
  minimal.category = "other";
  minimal.unit = "u1";
  EXPECT_TRUE(validate(minimal).empty()) << "optional fields may be empty";

  NewReport r = sample();
  r.channel = "carrier_pigeon";
  r.category = "";
  r.description = std::string(5001, 'a');
  r.platform = "myspace";
  r.links = {"https://ok.example/a", "javascript:alert(1)", "https://ok.example/b"};
  r.accounts = std::string(501, 'x');
  r.period = "yesterday";
  r.age_band = "40_50";
  r.province = "atlantis";
  r.contact = ContactDetails{"Lan", "12", "not-an-email", "evening", false, ""};
  r.unit = "";
  r.external_id = "has space";
  r.language = "fr";
  const std::vector<std::string> expected = {"channel",
                                             "category",
                                             "description",
                                             "platform",
                                             "links[1]",
                                             "accounts",
                                             "period",
                                             "age_band",
                                             "province",
                                             "contact.phone",
                                             "contact.email",
                                             "contact.consent",
                                             "contact.consent_version",
                                             "unit",
                                             "external_id",
                                             "language"};
  EXPECT_EQ(validate(r), expected);

  // create() refuses it, naming fields and never their values.
  store::Transaction tx(*db_);
  auto rc = create(*db_, keys_, r, at_second(0));
  ASSERT_FALSE(rc.ok());
  EXPECT_EQ(rc.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(rc.error().message.find("contact.consent"), std::string::npos);
  EXPECT_EQ(rc.error().message.find("not-an-email"), std::string::npos);
  EXPECT_EQ(rc.error().message.find("javascript"), std::string::npos);
}

TEST_P(ReportTest, ValidationLimits) {
  NewReport r = sample();
  // 5000 Vietnamese characters (two or three bytes each) are allowed; one more is not.
  std::string text;
  for (int i = 0; i < 2500; ++i) text += "ệa";
  r.description = text;
  EXPECT_TRUE(validate(r).empty());
  r.description += "ư";
  EXPECT_EQ(validate(r), std::vector<std::string>{"description"});
  r.description = "line one\nline two\ttabbed";
  EXPECT_TRUE(validate(r).empty());
  r.description = std::string("bad \x01 control");
  EXPECT_EQ(validate(r), std::vector<std::string>{"description"});
  r.description = std::string("bad \xC3 utf8");
  EXPECT_EQ(validate(r), std::vector<std::string>{"description"});
  r.description = "";

  r.links.assign(20, "https://example.com/x");
  EXPECT_TRUE(validate(r).empty());
  r.links.push_back("https://example.com/y");
  EXPECT_EQ(validate(r), std::vector<std::string>{"links"});
  r.links.clear();

  ContactDetails c{"Nguyễn Văn A", "+84 912 345 678", "", "sau 18 giờ", true, "report-form-1"};
  r.contact = c;
  EXPECT_TRUE(validate(r).empty());
  r.contact->phone = "";
  EXPECT_EQ(validate(r), (std::vector<std::string>{"contact.phone", "contact.email"}))
      << "a call-back needs a phone number or an e-mail address";
  r.contact->email = "a@example.vn";
  EXPECT_TRUE(validate(r).empty());
  r.contact->name = std::string(201, 'n');
  r.contact->preferred_time = std::string(201, 't');
  EXPECT_EQ(validate(r), (std::vector<std::string>{"contact.name", "contact.preferred_time"}));
}

TEST_P(ReportTest, LinksAreNormalisedOrRefused) {
  const std::vector<std::pair<std::string, std::string>> good = {
      {"https://www.facebook.com/page", "https://www.facebook.com/page"},
      {"  HTTPS://WWW.Example.COM/Path?Q=1#F  ", "https://www.example.com/Path?Q=1#F"},
      {"http://example.com:80/a", "http://example.com/a"},
      {"https://example.com:443", "https://example.com/"},
      {"https://example.com:8443/x", "https://example.com:8443/x"},
      {"www.tiktok.com/@user/video/1", "https://www.tiktok.com/@user/video/1"},
      {"example.com:8080/x", "https://example.com:8080/x"},
      {"https://example.com?x=1", "https://example.com/?x=1"},
      {"https://[2001:db8::1]:8080/a", "https://[2001:db8::1]:8080/a"},
      {"https://zalo.me/g/abc", "https://zalo.me/g/abc"},
  };
  for (const auto& [in, out] : good) {
    auto n = normalize_link(in);
    ASSERT_TRUE(n.ok()) << in << ": " << n.error().message;
    EXPECT_EQ(*n, out);
  }
  const std::vector<std::string> bad = {
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      "data:text/html;base64,PHNjcmlwdD4=",
      "file:///etc/passwd",
      "ftp://example.com/x",
      "mailto:a@example.com",
      "https://user:pass@example.com/",
      "https://user@example.com/",
      "https:example.com",
      "https://",
      "https://exa mple.com/",
      "https://example.com/a b",
      std::string("https://example.com/\x01"),
      "https://example.com:99999/",
      "https://example.com:/",
      "https://exa%6dple.com/",
      "https://example..com/",
      "https://example.com\\@evil.com/",
      "https://" + std::string(2040, 'a') + ".com/",
      "",
      "   ",
  };
  for (const auto& in : bad) {
    auto n = normalize_link(in);
    EXPECT_FALSE(n.ok()) << in << " -> " << (n.ok() ? *n : "");
    if (!n.ok()) {
      EXPECT_EQ(n.error().code, ErrorCode::invalid_argument);
      if (in.size() > 8) {
        EXPECT_EQ(n.error().message.find(in), std::string::npos) << "never repeats the link";
      }
    }
  }
  // Stored normalised.
  NewReport r = sample();
  r.links = {" WWW.Example.com/a ", "http://x.example:80"};
  const Receipt rc = make(r, at_second(1));
  auto got = get(*db_, keys_, rc.report_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->links, (std::vector<std::string>{"https://www.example.com/a", "http://x.example/"}));
}

TEST_P(ReportTest, ContactDetailsAreEncryptedAtRest) {
  NewReport r = sample();
  const ContactDetails contact{"Nguyễn Thị Hoa Mai",  "0912 345 678", "hoamai.parent@example.vn",
                               "buổi tối sau 19 giờ", true,           "report-form-1"};
  r.contact = contact;
  const Receipt rc = make(r, at_second(1));
  const Receipt without = make(sample(), at_second(2));

  auto got = get(*db_, keys_, rc.report_id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->contact.has_value());
  EXPECT_EQ(*got->contact, contact);
  EXPECT_EQ(got->code, rc.code);
  EXPECT_EQ(got->description, r.description);
  auto plain = get(*db_, keys_, without.report_id);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->contact.has_value());

  // The stored column holds neither the phone number nor the name, and opens with no other key.
  auto rows = db_->query("SELECT contact_sealed, contact_consent_version FROM report_reports WHERE id = $1",
                         std::vector<store::Value>{rc.report_id});
  ASSERT_TRUE(rows.ok());
  const std::string sealed = (*rows)[0].text(0);
  EXPECT_EQ(sealed.find("0912"), std::string::npos);
  EXPECT_EQ((*rows)[0].text(1), "report-form-1") << "the consent version is kept in the clear";
  auto other_keys = get(*db_, Keys::generate(), rc.report_id);
  ASSERT_FALSE(other_keys.ok());
  EXPECT_EQ(other_keys.error().code, ErrorCode::corrupt);
  EXPECT_EQ(other_keys.error().message.find("0912"), std::string::npos);

  // Sealed details moved to another report do not open there.
  ASSERT_TRUE(db_->execute("UPDATE report_reports SET contact_sealed = $1 WHERE id = $2",
                           std::vector<store::Value>{sealed, without.report_id})
                  .ok());
  auto moved = get(*db_, keys_, without.report_id);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, ErrorCode::corrupt);

  if (GetParam() == store::Engine::sqlite) {
    // Every byte SQLite wrote (database, WAL) is free of the phone number, the e-mail and the name.
    db_.reset();
    for (const std::string needle :
         {"0912 345 678", "0912345678", "hoamai.parent", "Nguyễn Thị Hoa Mai", "Hoa Mai"}) {
      const std::vector<std::uint8_t> bytes(needle.begin(), needle.end());
      EXPECT_FALSE(testing::any_file_contains(dir_.path(), bytes)) << needle;
    }
    // The scan does find what is stored in the clear (so it would have found the contact).
    const std::string description = sample().description;
    EXPECT_TRUE(testing::any_file_contains(
        dir_.path(), std::vector<std::uint8_t>(description.begin(), description.end())));
  }
}

TEST_P(ReportTest, PriorityFollowsDangerAndKnownMaterial) {
  NewReport urgent = sample();
  urgent.danger_now = true;
  const Receipt u = make(urgent, at_second(30));
  const Receipt n1 = make(sample(), at_second(10));
  const Receipt n2 = make(sample(), at_second(20));
  const Receipt h = make(sample(), at_second(40));
  auto pr = [&](const std::string& id) { return get(*db_, keys_, id)->priority; };
  EXPECT_EQ(pr(u.report_id), Priority::urgent);
  EXPECT_EQ(pr(n1.report_id), Priority::normal);

  // Ordinary evidence leaves it normal; known material makes it high.
  ASSERT_TRUE(add(h.report_id, sample_file('1'), at_second(41)).ok());
  EXPECT_EQ(pr(h.report_id), Priority::normal);
  EvidenceFile known = sample_file('2');
  known.known = true;
  known.match = MatchSummary{"national", 42, 3, "pdq", "inhope:baseline"};
  ASSERT_TRUE(add(h.report_id, known, at_second(42)).ok());
  EXPECT_EQ(pr(h.report_id), Priority::high);
  // Urgent stays urgent with known material.
  ASSERT_TRUE(add(u.report_id, known, at_second(43)).ok());
  EXPECT_EQ(pr(u.report_id), Priority::urgent);

  // The queue: urgent, high, then normal oldest first.
  ListFilter f;
  f.access = auth::SqlFilter{"1 = 1", {}};
  auto rows = list(*db_, f);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  std::vector<std::string> order;
  for (const auto& s : *rows) order.push_back(s.id);
  EXPECT_EQ(order, (std::vector<std::string>{u.report_id, h.report_id, n1.report_id, n2.report_id}));
  EXPECT_EQ((*rows)[1].priority, Priority::high);
  EXPECT_EQ((*rows)[1].evidence_count, 2);
  f.min_priority = Priority::high;
  rows = list(*db_, f);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 2u);
}

TEST_P(ReportTest, ListKeepsToTheUnitsThePrincipalMaySee) {
  std::vector<std::string> hanoi, hue;
  for (int i = 0; i < 3; ++i) hanoi.push_back(make(sample("unit-hanoi"), at_second(i)).report_id);
  for (int i = 0; i < 2; ++i) hue.push_back(make(sample("unit-hue"), at_second(10 + i)).report_id);
  NewReport with_contact = sample("unit-hue");
  with_contact.contact = ContactDetails{"", "0912345678", "", "", true, "v1"};
  hue.push_back(make(with_contact, at_second(20)).report_id);

  auth::Principal counsellor;
  counsellor.id = "user-1";
  counsellor.unit = "unit-hue";
  counsellor.grants = {{auth::Role::counsellor, auth::Scope::unit}};
  ListFilter f;
  f.access = auth::sql_filter(counsellor, auth::Action::list, auth::ResourceType::report);
  auto rows = list(*db_, f);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  std::vector<std::string> ids;
  for (const auto& s : *rows) {
    ids.push_back(s.id);
    EXPECT_EQ(s.unit, "unit-hue");
  }
  EXPECT_EQ(ids, hue);
  EXPECT_TRUE(rows->back().has_contact);
  EXPECT_FALSE(rows->front().has_contact);

  // A principal with no grant sees nothing; an empty filter is refused.
  auth::Principal nobody;
  nobody.id = "user-2";
  nobody.unit = "unit-hue";
  f.access = auth::sql_filter(nobody, auth::Action::list, auth::ResourceType::report);
  rows = list(*db_, f);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
  f.access = {};
  EXPECT_EQ(list(*db_, f).error().code, ErrorCode::invalid_argument);

  // The explicit unit and state filters, paging.
  f.access = auth::SqlFilter{"1 = 1", {}};
  f.unit = "unit-hanoi";
  rows = list(*db_, f);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 3u);
  {
    store::Transaction tx(*db_);
    ASSERT_TRUE(set_state(*db_, hanoi[1], State::in_review, at_second(100)).ok());
    ASSERT_TRUE(tx.commit().ok());
  }
  f.state = State::in_review;
  rows = list(*db_, f);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].id, hanoi[1]);
  f.state.reset();
  f.limit = 2;
  f.offset = 2;
  rows = list(*db_, f);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].id, hanoi[2]);
  f.limit = 0;
  EXPECT_FALSE(list(*db_, f).ok());
}

TEST_P(ReportTest, StateChangesShowOnTheStatusPage) {
  const Receipt rc = make(sample(), at_second(1));
  {
    store::Transaction tx(*db_);
    ASSERT_TRUE(set_state(*db_, rc.report_id, State::action_taken, at_second(50)).ok());
    ASSERT_TRUE(set_owner(*db_, rc.report_id, "user-7", at_second(51)).ok());
    ASSERT_TRUE(tx.commit().ok());
  }
  auto st = status(*db_, keys_, rc.code, rc.secret);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state, State::action_taken);
  EXPECT_EQ(st->received_at, at_second(1));
  EXPECT_EQ(st->updated_at, at_second(51));
  EXPECT_EQ(get(*db_, keys_, rc.report_id)->owner, "user-7");
  EXPECT_EQ(find_by_code(*db_, rc.code.substr(3)).value(), rc.report_id);
  EXPECT_EQ(find_by_code(*db_, "BV-00000-00000").error().code, ErrorCode::not_found);

  store::Transaction tx(*db_);
  EXPECT_EQ(set_state(*db_, std::string(32, 'f'), State::closed, at_second(60)).error().code,
            ErrorCode::not_found);
  EXPECT_EQ(get(*db_, keys_, std::string(32, 'f')).error().code, ErrorCode::not_found);
  EXPECT_EQ(parse_state("action_taken"), State::action_taken);
  EXPECT_EQ(parse_state("nope"), std::nullopt);
}

TEST_P(ReportTest, EvidenceRecords) {
  const Receipt rc = make(sample(), at_second(1));
  const Receipt other = make(sample(), at_second(2));
  EvidenceFile f = sample_file('1');
  f.original_name = "../../etc/ảnh\x01\xC3 bé.jpg";
  f.type_mismatch = true;
  auto e1 = add(rc.report_id, f, at_second(3));
  ASSERT_TRUE(e1.ok()) << e1.error().message;
  EXPECT_TRUE(std::regex_match(e1->id, std::regex("[0-9a-f]{32}")));
  EXPECT_EQ(e1->original_name, "ảnh bé.jpg");
  // The same content in another report (the vault holds it once).
  auto e2 = add(other.report_id, sample_file('1'), at_second(4));
  ASSERT_TRUE(e2.ok());
  auto e3 = add(rc.report_id, sample_file('9'), at_second(5));
  ASSERT_TRUE(e3.ok());

  auto listed = list_evidence(*db_, rc.report_id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  const Evidence& got = (*listed)[0];
  EXPECT_EQ(got.id, e1->id);
  EXPECT_EQ(got.report_id, rc.report_id);
  EXPECT_EQ(got.sha256, f.sha256);
  EXPECT_EQ(got.size, 1234u);
  EXPECT_EQ(got.md5, f.md5);
  EXPECT_EQ(got.sha1, f.sha1);
  EXPECT_EQ(got.pdq, f.pdq);
  EXPECT_EQ(got.pdq_quality, 90);
  EXPECT_EQ(got.media_type, "image/jpeg");
  EXPECT_TRUE(got.type_mismatch);
  EXPECT_FALSE(got.known);
  EXPECT_FALSE(got.match.has_value());
  EXPECT_EQ(got.preview_blurred, f.preview_blurred);
  EXPECT_EQ(got.state, EvidenceState::stored);
  EXPECT_EQ(got.received_at, at_second(3));
  EXPECT_EQ((*listed)[1].id, e3->id);
  EXPECT_EQ(get(*db_, keys_, rc.report_id)->evidence_count, 2);

  // Destroying e1: its content is still e2's, so only its previews... which e2 shares too.
  {
    store::Transaction tx(*db_);
    auto freed = mark_destroyed(*db_, e1->id, at_second(6));
    ASSERT_TRUE(freed.ok()) << freed.error().message;
    EXPECT_TRUE(freed->empty());
    ASSERT_TRUE(tx.commit().ok());
  }
  auto destroyed = get_evidence(*db_, e1->id);
  ASSERT_TRUE(destroyed.ok());
  EXPECT_EQ(destroyed->state, EvidenceState::destroyed);
  EXPECT_EQ(destroyed->destroyed_at, at_second(6));
  {
    store::Transaction tx(*db_);
    EXPECT_EQ(mark_destroyed(*db_, e1->id, at_second(7)).error().code, ErrorCode::conflict);
  }
  // Destroying e2 frees the content.
  {
    store::Transaction tx(*db_);
    auto freed = mark_destroyed(*db_, e2->id, at_second(8));
    ASSERT_TRUE(freed.ok());
    EXPECT_EQ(*freed, std::vector<std::string>{f.sha256}) << "e3 still shows the same previews";
    ASSERT_TRUE(tx.commit().ok());
  }
  const std::vector<std::string> candidates = {f.sha256, sample_file('9').sha256, std::string(64, '7')};
  auto unref = unreferenced(*db_, candidates);
  ASSERT_TRUE(unref.ok());
  EXPECT_EQ(*unref, (std::vector<std::string>{f.sha256, std::string(64, '7')}));

  // Learning later that e3 is known material drops its previews and raises the priority.
  {
    store::Transaction tx(*db_);
    auto freed = mark_known(*db_, e3->id, MatchSummary{"national", 7, 0, "sha256", ""}, at_second(9));
    ASSERT_TRUE(freed.ok()) << freed.error().message;
    EXPECT_EQ(*freed, (std::vector<std::string>{std::string(64, 'd'), std::string(64, 'e')}));
    ASSERT_TRUE(tx.commit().ok());
  }
  auto k = get_evidence(*db_, e3->id);
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->known);
  ASSERT_TRUE(k->match.has_value());
  EXPECT_EQ(k->match->entry_id, 7);
  EXPECT_EQ(k->match->signal, "sha256");
  EXPECT_TRUE(k->preview_blurred.empty());
  EXPECT_EQ(get(*db_, keys_, rc.report_id)->priority, Priority::high);

  // Refused records.
  EvidenceFile bad = sample_file('1');
  bad.sha256 = "not-a-digest";
  EXPECT_EQ(add(rc.report_id, bad, at_second(10)).error().code, ErrorCode::invalid_argument);
  bad = sample_file('1');
  bad.pdq_quality = -1;
  EXPECT_EQ(add(rc.report_id, bad, at_second(10)).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(add(std::string(32, 'f'), sample_file('1'), at_second(10)).error().code, ErrorCode::not_found);
  EXPECT_EQ(get_evidence(*db_, std::string(32, 'f')).error().code, ErrorCode::not_found);

  // Known material handed in with preview ids keeps none.
  EvidenceFile known = sample_file('5');
  known.known = true;
  known.match = MatchSummary{"b", 1, 2, "pdq", ""};
  auto kept = add(rc.report_id, known, at_second(11));
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->preview_blurred.empty());
  EXPECT_TRUE(get_evidence(*db_, kept->id)->preview_clear.empty());
}

TEST_P(ReportTest, EvidencePerReportIsLimited) {
  const Receipt rc = make(sample(), at_second(1));
  for (std::size_t i = 0; i < kMaxEvidencePerReport; ++i) {
    EvidenceFile f = sample_file('1');
    f.preview_blurred.clear();
    f.preview_clear.clear();
    ASSERT_TRUE(add(rc.report_id, f, at_second(2)).ok());
  }
  EXPECT_EQ(add(rc.report_id, sample_file('1'), at_second(3)).error().code, ErrorCode::limit_exceeded);
}

TEST_P(ReportTest, QueueOrdersByDangerKnownMaterialAgeAndWaiting) {
  auto with_age = [](std::string age, bool danger = false) {
    NewReport r = sample();
    r.age_band = std::move(age);
    r.danger_now = danger;
    return r;
  };
  const Receipt teen_old = make(with_age("15_17"), at_second(1));
  const Receipt unknown_age = make(with_age(""), at_second(2));
  const Receipt small_child = make(with_age("under_6"), at_second(5));
  const Receipt teen_new = make(with_age("15_17"), at_second(6));
  const Receipt danger_teen = make(with_age("15_17", true), at_second(9));
  const Receipt known = make(with_age("11_14"), at_second(8));
  EvidenceFile file = sample_file('3');
  file.known = true;
  file.match = MatchSummary{"national", 7, 0, "sha256", ""};
  ASSERT_TRUE(add(known.report_id, file, at_second(8)).ok());
  const Receipt handled = make(with_age("under_6"), at_second(0));
  {
    store::Transaction tx(*db_);
    ASSERT_TRUE(set_state(*db_, handled.report_id, State::in_review, at_second(3)).ok());
    ASSERT_TRUE(tx.commit().ok());
  }

  const auth::SqlFilter all{"1 = 1", {}};
  auto page = queue(*db_, all);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->total, 6);
  std::vector<std::string> order;
  for (const auto& s : page->items) order.push_back(s.id);
  EXPECT_EQ(order, (std::vector<std::string>{danger_teen.report_id, known.report_id, small_child.report_id,
                                             teen_old.report_id, teen_new.report_id, unknown_age.report_id}));
  EXPECT_EQ(page->items[2].age_band, "under_6");

  // Paging keeps the order and the total.
  page = queue(*db_, all, 2, 3);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 6);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, teen_old.report_id);
  EXPECT_EQ(queue(*db_, all, 0).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(queue(*db_, auth::SqlFilter{}).error().code, ErrorCode::invalid_argument);
}

TEST_P(ReportTest, OneCounsellorAtATimeHoldsAReport) {
  const Receipt r = make(sample(), at_second(1));
  auto in_tx = [&](auto fn) {
    store::Transaction tx(*db_);
    Status s = fn();
    EXPECT_TRUE(tx.commit().ok());
    return s;
  };
  EXPECT_TRUE(in_tx([&] { return claim(*db_, r.report_id, "user-a", at_second(2)); }).ok());
  EXPECT_TRUE(in_tx([&] { return claim(*db_, r.report_id, "user-a", at_second(3)); }).ok()) << "already mine";
  Status other = in_tx([&] { return claim(*db_, r.report_id, "user-b", at_second(4)); });
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::conflict);
  EXPECT_EQ(get(*db_, keys_, r.report_id)->owner, "user-a");
  Status steal = in_tx([&] { return release(*db_, r.report_id, "user-b", at_second(5)); });
  EXPECT_EQ(steal.error().code, ErrorCode::conflict);

  // Released, it can be taken by another; a supervisor's release (no user) frees it whoever holds it.
  EXPECT_TRUE(in_tx([&] { return release(*db_, r.report_id, "user-a", at_second(6)); }).ok());
  EXPECT_EQ(get(*db_, keys_, r.report_id)->owner, "");
  EXPECT_TRUE(in_tx([&] { return claim(*db_, r.report_id, "user-b", at_second(7)); }).ok());
  EXPECT_TRUE(in_tx([&] { return release(*db_, r.report_id, "", at_second(8)); }).ok());
  EXPECT_EQ(get(*db_, keys_, r.report_id)->owner, "");

  // A report no longer waiting cannot be taken; an unknown one is not found.
  EXPECT_TRUE(in_tx([&] { return set_state(*db_, r.report_id, State::in_review, at_second(9)); }).ok());
  EXPECT_EQ(in_tx([&] { return claim(*db_, r.report_id, "user-a", at_second(10)); }).error().code,
            ErrorCode::conflict);
  EXPECT_EQ(in_tx([&] { return claim(*db_, std::string(32, 'f'), "user-a", at_second(10)); }).error().code,
            ErrorCode::not_found);
  EXPECT_EQ(in_tx([&] { return release(*db_, std::string(32, 'f'), "user-a", at_second(10)); }).error().code,
            ErrorCode::not_found);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReportTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);

TEST(FileNames, AreSanitised) {
  EXPECT_EQ(sanitize_file_name("C:\\Users\\me\\Ảnh chụp.PNG"), "Ảnh chụp.PNG");
  EXPECT_EQ(sanitize_file_name("/tmp/../x.jpg"), "x.jpg");
  EXPECT_EQ(sanitize_file_name("a\nb\tc\x7f.jpg"), "abc.jpg");
  EXPECT_EQ(sanitize_file_name("evil\xE2\x80\xAEgpj.exe"), "evilgpj.exe") << "right-to-left override removed";
  EXPECT_EQ(sanitize_file_name("  ..hidden. "), "hidden");
  EXPECT_EQ(sanitize_file_name(".."), "");
  EXPECT_EQ(sanitize_file_name(""), "");
  const std::string long_name(300, 'x');
  EXPECT_EQ(sanitize_file_name(long_name).size(), kMaxFileNameBytes);
  std::string viet;
  for (int i = 0; i < 100; ++i) viet += "ệ";  // 3 bytes each
  const std::string cut = sanitize_file_name(viet);
  EXPECT_LE(cut.size(), kMaxFileNameBytes);
  EXPECT_EQ(cut.size() % 3, 0u) << "cut on a character boundary";
}

TEST(ReportKeys, FileIsCreatedPrivateAndReadBack) {
  TempDir dir;
  const fs::path path = dir / "report.key";
  auto created = Keys::load_or_create(path);
  ASSERT_TRUE(created.ok()) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string l1, l2, l3;
  std::getline(in, l1);
  std::getline(in, l2);
  EXPECT_TRUE(std::regex_match(l1, std::regex("[0-9a-f]{64}")));
  EXPECT_TRUE(std::regex_match(l2, std::regex("[0-9a-f]{64}")));
  EXPECT_FALSE(std::getline(in, l3));
  EXPECT_NE(l1, l2);
  auto again = Keys::load_or_create(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->contact_key, created->contact_key);
  EXPECT_EQ(again->lookup_key, created->lookup_key);

  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto open = Keys::load_or_create(path);
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(open.error().message.find(l1), std::string::npos);

  const fs::path bad = dir / "bad.key";
  {
    std::ofstream out(bad);
    out << l1 << "\n";
  }
  ASSERT_EQ(::chmod(bad.c_str(), 0600), 0);
  auto one_line = Keys::load_or_create(bad);
  ASSERT_FALSE(one_line.ok());
  EXPECT_EQ(one_line.error().code, ErrorCode::corrupt);
  EXPECT_EQ(one_line.error().message.find(l1), std::string::npos);
}

}  // namespace
}  // namespace baove::report
