// Public reports and their evidence over real loopback HTTP, on SQLite and PostgreSQL: the form
// as a browser posts it (multipart, and urlencoded without files), the receipt and the status
// page, bad input, the honeypot and the rate limit; the staff's list, record, previews with the
// chain of custody, unblurring; known material never shown; and the channel webhooks
// (signatures, idempotency, attachments fetched from a local fake of the platform's file server).

#include <atomic>
#include <regex>
#include <thread>

#include "api_test_env.hpp"
#include "bank/store.hpp"
#include "hash/digest.hpp"
#include "hash/preview.hpp"
#include "http/server.hpp"
#include "intake/webhook.hpp"
#include "report/report.hpp"

namespace baove::api::testing {
namespace {

constexpr const char* kBoundary = "----testboundary4f2a";

// A PNG made here (a pattern that differs with `seed`), not taken from any shared vector.
std::string make_png(int seed, int w = 96, int h = 64) {
  hash::Image img;
  img.info.width = static_cast<std::uint32_t>(w);
  img.info.height = static_cast<std::uint32_t>(h);
  img.info.channels = 3;
  img.pixels.resize(static_cast<std::size_t>(w * h * 3));
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const auto i = static_cast<std::size_t>((y * w + x) * 3);
      img.pixels[i] = static_cast<std::uint8_t>((x * 7 + seed * 31) & 0xFF);
      img.pixels[i + 1] = static_cast<std::uint8_t>(((x / 8 + y / 8 + seed) % 2) * 200);
      img.pixels[i + 2] = static_cast<std::uint8_t>((y * 5 + seed) & 0xFF);
    }
  }
  hash::PreviewOptions o;
  o.max_side = std::max(w, h);
  o.blur = false;
  auto png = hash::make_preview(img, o);
  EXPECT_TRUE(png.ok());
  return png.ok() ? *png : std::string();
}

std::string sha256_hex(std::string_view s) {
  return hash::compute_digests({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}).sha256_hex();
}

struct FilePart {
  std::string name;
  std::string type;
  std::string bytes;
};

std::string multipart(const std::vector<std::pair<std::string, std::string>>& fields,
                      const std::vector<FilePart>& files) {
  std::string b;
  for (const auto& [k, v] : fields) {
    b += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" +
         v + "\r\n";
  }
  for (const auto& f : files) {
    b += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" +
         f.name + "\"\r\nContent-Type: " + f.type + "\r\n\r\n" + f.bytes + "\r\n";
  }
  b += std::string("--") + kBoundary + "--\r\n";
  return b;
}

struct Receipt {
  std::string code, secret;
};

// The receipt code and secret shown on a receipt page.
Receipt receipt_of(const std::string& html) {
  static const std::regex code("BV-[0-9A-Z]{5}-[0-9A-Z]{5}");
  static const std::regex secret("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}");
  Receipt r;
  std::smatch m;
  if (std::regex_search(html, m, code)) r.code = m.str();
  if (std::regex_search(html, m, secret)) r.secret = m.str();
  return r;
}

class ReportApiTest : public ApiTest {
 protected:
  void configure(platform::Config& c) override {
    c.report_rate_per_hour = rate_per_hour;
    c.facebook_app_secret = "fb-app-secret";
    c.facebook_verify_token = "verify-me";
    c.zalo_app_id = "123456";
    c.zalo_oa_secret = "zalo-oa-secret";
    c.fetch_allow_local = true;
    c.fetch_allowed_hosts = {"127.0.0.1"};
    c.upload_max_files = 3;
  }
  void SetUp() override {
    ApiTest::SetUp();
    root_ = make_unit("Department of Children", "", auth::UnitKind::national_department);
  }

  HttpResponse raw_post(const std::string& target, const std::string& body,
                        const std::string& type = std::string("multipart/form-data; boundary=") + kBoundary) {
    auto r = client_->request("POST", target, body, {"Content-Type: " + type});
    if (!r) {
      ADD_FAILURE() << "no response: " << client_->last_error();
      return {};
    }
    return *r;
  }
  // The id of the one evidence file of the one report `s` can list ("" after a failed check).
  std::string only_evidence_id(const Session& s) {
    const json reports = body_of(call("GET", "/api/v1/reports", &s))["reports"];
    EXPECT_EQ(reports.size(), 1u);
    if (reports.size() != 1) return "";
    const json ev =
        body_of(call("GET", "/api/v1/reports/" + reports[0]["id"].get<std::string>(), &s))["evidence"];
    EXPECT_EQ(ev.size(), 1u);
    return ev.size() == 1 ? ev[0]["id"].get<std::string>() : "";
  }

  std::vector<std::pair<std::string, std::string>> basic_fields(const std::string& lang = "vi") {
    return {{"lang", lang},
            {"category", "grooming"},
            {"description", "Một người lạ nhắn tin cho em"},
            {"platform", "facebook"},
            {"links", "https://example.com/p/1\nwww.example.org/x"},
            {"period", "this_week"},
            {"age_band", "11_14"},
            {"province", "ha_noi"},
            {"website", ""}};
  }
  std::int64_t count(const std::string& sql) {
    auto rows = server().db().query(sql);
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    return rows.ok() ? (*rows)[0].integer(0) : -1;
  }
  std::size_t rate_per_hour = 1000;
  std::string root_;
};

TEST_P(ReportApiTest, AReportWithAPhotoGetsAReceiptAndAStatus) {
  const std::string photo = make_png(1);
  auto r = raw_post("/report", multipart(basic_fields(), {{"ảnh chụp.png", "image/png", photo}}));
  ASSERT_EQ(r.status, 201) << r.body.substr(0, 400);
  EXPECT_EQ(r.header("cache-control"), "no-store");
  const Receipt rc = receipt_of(r.body);
  ASSERT_FALSE(rc.code.empty());
  ASSERT_FALSE(rc.secret.empty());

  // The status page, with the code typed in lower case and without dashes.
  std::string code = rc.code;
  for (auto& ch : code) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto st =
      raw_post("/report/status", "lang=en&code=" + url_encode(code) + "&secret=" + url_encode(rc.secret),
               "application/x-www-form-urlencoded");
  EXPECT_EQ(st.status, 200) << st.body.substr(0, 300);
  EXPECT_NE(st.body.find("Received"), std::string::npos);
  // A wrong secret and an unknown code look the same.
  auto wrong = raw_post("/report/status", "code=" + rc.code + "&secret=AAAA-AAAA-AAAA-AAAA",
                        "application/x-www-form-urlencoded");
  auto unknown = raw_post("/report/status", "code=BV-00000-00000&secret=" + rc.secret,
                          "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong.status, 404);
  EXPECT_EQ(unknown.status, 404);

  // Stored: one report, one evidence file whose SHA-256 is the photo's, in the vault encrypted.
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports"), 1);
  auto rows = server().db().query("SELECT sha256, preview_blurred FROM report_evidence");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].text(0), sha256_hex(photo));
  EXPECT_FALSE((*rows)[0].text(1).empty());
  EXPECT_TRUE(server().platform().vault().verify((*rows)[0].text(0)).ok());
  // Custody: received and hashed events for the file, and the report's creation, without an address.
  auto events = server().db().query(
      "SELECT reason, address FROM audit_events WHERE object_type = 'evidence' ORDER BY seq");
  ASSERT_TRUE(events.ok());
  ASSERT_GE(events->size(), 2u);
  EXPECT_EQ((*events)[0].text(0), "received sha256:" + sha256_hex(photo));
  EXPECT_EQ((*events)[1].text(0), "hashed sha256:" + sha256_hex(photo));
  EXPECT_EQ((*events)[0].text(1), "");
}

TEST_P(ReportApiTest, TheFormWorksWithoutFilesAndShowsErrorsKeepingWhatWasTyped) {
  // A plain urlencoded post (a form without a file input).
  auto ok = raw_post("/report", "category=money_fraud&description=L%E1%BB%ABa+ti%E1%BB%81n&lang=en",
                     "application/x-www-form-urlencoded");
  EXPECT_EQ(ok.status, 201) << ok.body.substr(0, 300);
  // Missing category: the form again, 422, with the description kept (escaped).
  auto fields = basic_fields();
  fields[1].second = "";
  fields[2].second = "<script>alert(1)</script> em sợ";
  auto bad = raw_post("/report", multipart(fields, {{"a.png", "image/png", make_png(2)}}));
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body.find("<script>alert(1)</script>"), std::string::npos);
  EXPECT_NE(bad.body.find("&lt;script&gt;alert(1)&lt;/script&gt; em sợ"), std::string::npos);
  EXPECT_NE(bad.body.find("aria-invalid=\"true\""), std::string::npos);
  // Nothing was stored for the refused report, not even its file.
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_evidence"), 0);
  auto ids = server().platform().vault().list();
  ASSERT_TRUE(ids.ok());
  EXPECT_TRUE(ids->empty());
  // Consent is needed to keep contact details.
  auto no_consent = basic_fields();
  no_consent.push_back({"wants_callback", "1"});
  no_consent.push_back({"contact_phone", "0912 345 678"});
  auto nc = raw_post("/report", multipart(no_consent, {}));
  EXPECT_EQ(nc.status, 422);
  no_consent.push_back({"consent", "1"});
  auto yes = raw_post("/report", multipart(no_consent, {}));
  EXPECT_EQ(yes.status, 201);
}

TEST_P(ReportApiTest, BadFilesAreNamedAndTheRestOfTheReportIsKept) {
  const std::string good = make_png(3);
  std::string corrupt = make_png(4);
  corrupt.resize(corrupt.size() / 2);
  auto r = raw_post("/report", multipart(basic_fields("en"), {{"../../etc/passwd.png", "image/png", good},
                                                              {"empty.jpg", "image/jpeg", ""},
                                                              {"broken.png", "image/png", corrupt},
                                                              {"notes.txt", "image/jpeg", "just text"},
                                                              {"fifth.png", "image/png", make_png(5)}}));
  ASSERT_EQ(r.status, 201) << r.body.substr(0, 400);
  // Three files kept (the limit here is 3); the empty one and the one over the count refused.
  auto rows = server().db().query(
      "SELECT original_name, problem, type_mismatch FROM report_evidence ORDER BY original_name");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].text(0), "broken.png");
  EXPECT_EQ((*rows)[0].text(1), "corrupt_image");
  EXPECT_EQ((*rows)[1].text(0), "notes.txt");
  EXPECT_EQ((*rows)[1].integer(2), 1);          // declared a JPEG, is text
  EXPECT_EQ((*rows)[2].text(0), "passwd.png");  // path parts removed
  EXPECT_NE(r.body.find("empty.jpg"), std::string::npos);
  EXPECT_NE(r.body.find("fifth.png"), std::string::npos);
}

TEST_P(ReportApiTest, MalformedUploadsAreRefusedWithoutAReport) {
  const std::string body = multipart(basic_fields(), {{"a.png", "image/png", make_png(6)}});
  // Truncated before the closing boundary.
  auto cut = raw_post("/report", body.substr(0, body.size() - 10));
  EXPECT_EQ(cut.status, 400);
  // Not a form at all.
  auto json_body = raw_post("/report", "{\"category\":\"grooming\"}", "application/json");
  EXPECT_EQ(json_body.status, 415);
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports"), 0);
}

TEST_P(ReportApiTest, TheHoneypotKeepsNothing) {
  auto fields = basic_fields();
  fields.back().second = "http://spam.example";
  auto r = raw_post("/report", multipart(fields, {{"a.png", "image/png", make_png(7)}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(receipt_of(r.body).code.empty());  // it looks like a receipt
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports"), 0);
}

TEST_P(ReportApiTest, StaffSeeTheQueueAndBlurredPreviewsAndOnlyAnalystsUnblur) {
  auto r = raw_post("/report", multipart(basic_fields(), {{"a.png", "image/png", make_png(8, 400, 300)}}));
  ASSERT_EQ(r.status, 201);
  Session counsellor = ready_user("counsellor1", root_, {{auth::Role::counsellor, auth::Scope::unit}});
  Session analyst = ready_user("analyst1", root_, {{auth::Role::analyst, auth::Scope::unit}});
  const std::string other = make_unit("Province B", root_);
  Session outsider = ready_user("counsellor2", other, {{auth::Role::counsellor, auth::Scope::unit}});

  auto list = call("GET", "/api/v1/reports", &counsellor);
  ASSERT_EQ(list.status, 200) << list.body;
  const json reports = body_of(list)["reports"];
  ASSERT_EQ(reports.size(), 1u);
  const std::string id = reports[0]["id"];
  EXPECT_EQ(reports[0]["category"], "grooming");
  EXPECT_EQ(body_of(call("GET", "/api/v1/reports", &outsider))["reports"].size(), 0u);
  EXPECT_EQ(call("GET", "/api/v1/reports/" + id, &outsider).status, 404);

  auto detail = call("GET", "/api/v1/reports/" + id, &counsellor);
  ASSERT_EQ(detail.status, 200);
  const json ev = body_of(detail)["evidence"];
  ASSERT_EQ(ev.size(), 1u);
  const std::string eid = ev[0]["id"];
  EXPECT_TRUE(ev[0]["has_preview"].get<bool>());

  // The blurred preview: a small greyscale PNG, with a custody event.
  auto blurred = call("GET", "/api/v1/evidence/" + eid + "/preview", &analyst);
  ASSERT_EQ(blurred.status, 200) << blurred.body;
  EXPECT_EQ(blurred.header("content-type"), "image/png");
  EXPECT_EQ(blurred.header("x-baove-preview"), "blurred");
  auto img = hash::decode_image(
      std::span(reinterpret_cast<const std::uint8_t*>(blurred.body.data()), blurred.body.size()));
  ASSERT_TRUE(img.ok());
  EXPECT_LE(std::max(img->info.width, img->info.height), 256u);

  // Counsellors do not see evidence at all; supervisors see the blurred preview but may not
  // unblur; analysts may, for a while.
  EXPECT_EQ(call("GET", "/api/v1/evidence/" + eid + "/preview", &counsellor).status, 404);
  Session supervisor = ready_user("supervisor1", root_, {{auth::Role::supervisor, auth::Scope::unit}});
  EXPECT_EQ(call("GET", "/api/v1/evidence/" + eid + "/preview", &supervisor).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/evidence/" + eid + "/unblur", &supervisor).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/evidence/" + eid + "/preview", &outsider).status, 404);
  auto unblur = call("POST", "/api/v1/evidence/" + eid + "/unblur", &analyst);
  ASSERT_EQ(unblur.status, 200) << unblur.body;
  auto clear = call("GET", "/api/v1/evidence/" + eid + "/preview", &analyst);
  EXPECT_EQ(clear.header("x-baove-preview"), "clear");
  EXPECT_NE(clear.body, blurred.body);
  // ... for that analyst only.
  Session analyst2 = ready_user("analyst2", root_, {{auth::Role::analyst, auth::Scope::unit}});
  EXPECT_EQ(call("GET", "/api/v1/evidence/" + eid + "/preview", &analyst2).header("x-baove-preview"),
            "blurred");

  auto custody = server().db().query(
      "SELECT reason FROM audit_events WHERE object_type = 'evidence' AND object_id = $1 AND outcome = "
      "'allowed' "
      "ORDER BY seq",
      std::vector<store::Value>{eid});
  ASSERT_TRUE(custody.ok());
  std::vector<std::string> steps;
  for (const auto& row : *custody) steps.push_back(row.text(0).substr(0, row.text(0).find(' ')));
  EXPECT_EQ(steps, (std::vector<std::string>{"received", "hashed", "viewed", "viewed", "unblurred", "viewed",
                                             "viewed"}));
  // The refusal is on record too.
  EXPECT_GE(count("SELECT COUNT(*) FROM audit_events WHERE object_type = 'evidence' AND outcome = 'denied'"),
            2);
}

TEST_P(ReportApiTest, KnownMaterialRaisesPriorityAndIsNeverShown) {
  const std::string photo = make_png(9, 200, 150);
  {
    auto banks = bank::open_sqlite_store(server().platform().config().bank_database_path());
    ASSERT_TRUE(banks.ok()) << banks.error().message;
    bank::NewBank nb;
    nb.name = "hotline-confirmed";
    auto b = (*banks)->create_bank(nb);
    ASSERT_TRUE(b.ok()) << b.error().message;
    bank::NewEntry e;
    e.type = bank::SignalType::sha256;
    e.value = sha256_hex(photo);
    ASSERT_TRUE((*banks)->add_entry(b->id, e).ok());
  }
  ASSERT_TRUE(server().api().tick().ok());  // the matcher picks the new entry up
  auto r = raw_post("/report", multipart(basic_fields(), {{"a.png", "image/png", photo}}));
  ASSERT_EQ(r.status, 201);
  Session analyst = ready_user("analyst3", root_, {{auth::Role::analyst, auth::Scope::unit}});
  const json reports = body_of(call("GET", "/api/v1/reports", &analyst))["reports"];
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0]["priority"], "high");
  const json ev =
      body_of(call("GET", "/api/v1/reports/" + reports[0]["id"].get<std::string>(), &analyst))["evidence"];
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0]["known"].get<bool>());
  EXPECT_FALSE(ev[0]["has_preview"].get<bool>());
  EXPECT_EQ(ev[0]["match"]["bank"], "hotline-confirmed");
  auto p = call("GET", "/api/v1/evidence/" + ev[0]["id"].get<std::string>() + "/preview", &analyst);
  EXPECT_EQ(p.status, 403);
  EXPECT_EQ(error_code(p), "known_material");
  EXPECT_EQ(call("POST", "/api/v1/evidence/" + ev[0]["id"].get<std::string>() + "/unblur", &analyst).status,
            403);
  // Only the original is in the vault: no preview was ever made.
  auto ids = server().platform().vault().list();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<std::string>{sha256_hex(photo)});
}

TEST_P(ReportApiTest, AnalystsExportAndSupervisorsDestroyEvidenceOnTheRecord) {
  const std::string photo = make_png(11, 120, 80);
  ASSERT_EQ(raw_post("/report", multipart(basic_fields(), {{"a.png", "image/png", photo}})).status, 201);
  Session analyst = ready_user("analyst4", root_, {{auth::Role::analyst, auth::Scope::unit}});
  Session supervisor = ready_user("supervisor2", root_, {{auth::Role::supervisor, auth::Scope::unit}});
  Session counsellor = ready_user("counsellor3", root_, {{auth::Role::counsellor, auth::Scope::unit}});
  const std::string eid = only_evidence_id(analyst);
  ASSERT_FALSE(eid.empty());

  // Export: analysts only, the exact bytes, as a download.
  EXPECT_EQ(call("GET", "/api/v1/evidence/" + eid + "/content", &counsellor).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/evidence/" + eid + "/content", &supervisor).status, 403);
  auto content = call("GET", "/api/v1/evidence/" + eid + "/content", &analyst);
  ASSERT_EQ(content.status, 200) << content.body;
  EXPECT_EQ(content.body, photo);
  EXPECT_EQ(content.header("content-type"), "application/octet-stream");
  EXPECT_EQ(content.header("content-disposition").rfind("attachment", 0), 0u);

  // Destroy: supervisors only; the file's key is shredded and every later access answers 410.
  EXPECT_EQ(call("DELETE", "/api/v1/evidence/" + eid, &analyst).status, 403);
  auto gone = call("DELETE", "/api/v1/evidence/" + eid, &supervisor);
  ASSERT_EQ(gone.status, 200) << gone.body;
  // The file and its previews (stored once when equal) are all gone: nothing else refers to them.
  EXPECT_GE(body_of(gone)["objects_destroyed"].get<int>(), 2);
  auto left = server().platform().vault().list();
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
  EXPECT_EQ(call("GET", "/api/v1/evidence/" + eid + "/content", &analyst).status, 410);
  EXPECT_EQ(call("GET", "/api/v1/evidence/" + eid + "/preview", &analyst).status, 410);
  EXPECT_EQ(call("DELETE", "/api/v1/evidence/" + eid, &supervisor).status, 410);

  auto custody = server().db().query(
      "SELECT reason FROM audit_events WHERE object_type = 'evidence' AND object_id = $1 AND outcome = "
      "'allowed' "
      "ORDER BY seq",
      std::vector<store::Value>{eid});
  ASSERT_TRUE(custody.ok());
  std::vector<std::string> steps;
  for (const auto& row : *custody) steps.push_back(row.text(0).substr(0, row.text(0).find(' ')));
  EXPECT_EQ(steps, (std::vector<std::string>{"received", "hashed", "exported", "destroyed"}));
}

class ReportRateTest : public ReportApiTest {
 protected:
  void configure(platform::Config& c) override {
    rate_per_hour = 2;
    ReportApiTest::configure(c);
  }
};

TEST_P(ReportRateTest, TooManyReportsFromOneAddressGet429) {
  EXPECT_EQ(raw_post("/report", multipart(basic_fields(), {})).status, 201);
  EXPECT_EQ(raw_post("/report", multipart(basic_fields(), {})).status, 201);
  auto third = raw_post("/report", multipart(basic_fields(), {}));
  EXPECT_EQ(third.status, 429);
  EXPECT_FALSE(third.header("retry-after").empty());
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports"), 2);
}

// A fake of a platform's file server on 127.0.0.1.
class FakeFileServer {
 public:
  explicit FakeFileServer(std::string image) : image_(std::move(image)) {
    router_.add(http::Method::get, "/files/{name}", [this](http::Request& req) {
      ++hits;
      if (req.path_params.at("name") != "photo.png") return http::error(404, "not_found", "no");
      http::Response r;
      r.content_type = "image/png";
      r.body = image_;
      return r;
    });
    http::ServerOptions so;
    so.address = "127.0.0.1";
    so.port = 0;
    so.io_threads = 1;
    so.workers = 2;
    so.handle_signals = false;
    so.access_log = false;
    server_ = std::make_unique<http::Server>(so, router_, metrics_, log_);
    EXPECT_TRUE(server_->listen().ok());
    thread_ = std::thread([this] { server_->run(); });
  }
  ~FakeFileServer() {
    server_->stop();
    thread_.join();
  }
  std::string url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/files/" + name;
  }
  std::atomic<int> hits{0};

 private:
  std::string image_;
  http::Router router_;
  http::Metrics metrics_;
  http::Logger log_{http::Logger::Format::json, nullptr};
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

TEST_P(ReportApiTest, FacebookMessagesBecomeReportsOnceWithTheirAttachments) {
  const std::string photo = make_png(10);
  FakeFileServer files(photo);
  // Verification handshake.
  auto v =
      call("GET",
           "/api/v1/intake/facebook?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444");
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.body, "1158201444");
  EXPECT_EQ(
      call("GET", "/api/v1/intake/facebook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1").status,
      403);

  const json body = {
      {"object", "page"},
      {"entry",
       json::array(
           {{{"id", "PAGE"},
             {"time", 1700000000000},
             {"messaging",
              json::array(
                  {{{"sender", {{"id", "USER-1"}}},
                    {"recipient", {{"id", "PAGE"}}},
                    {"timestamp", 1700000000000},
                    {"message",
                     {{"mid", "m_abc"},
                      {"text", "Có người tung ảnh của em https://example.com/bad"},
                      {"attachments",
                       json::array(
                           {{{"type", "image"}, {"payload", {{"url", files.url("photo.png")}}}},
                            {{"type", "image"}, {"payload", {{"url", files.url("gone.png")}}}}})}}}}})}}})}};
  const std::string raw = body.dump();
  const std::string sig = intake::facebook_signature(raw, "fb-app-secret");
  auto post = [&](const std::string& signature) {
    auto r = client_->request("POST", "/api/v1/intake/facebook", raw,
                              {"Content-Type: application/json", "X-Hub-Signature-256: " + signature});
    return r ? *r : HttpResponse{};
  };
  EXPECT_EQ(post("sha256=" + std::string(64, '0')).status, 401);
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports"), 0);
  auto first = post(sig);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(body_of(first)["filed"], 1);
  EXPECT_EQ(body_of(first)["attachments_failed"], 1);  // the second address answers 404
  // Delivered again: nothing new.
  auto again = post(sig);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(body_of(again)["filed"], 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports WHERE channel = 'facebook'"), 1);
  auto rows = server().db().query("SELECT sha256 FROM report_evidence");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].text(0), sha256_hex(photo));
}

TEST_P(ReportApiTest, ZaloMessagesNeedTheOaSignature) {
  const std::string ts = std::to_string(unix_now() * 1000);
  const json body = {{"app_id", "123456"},
                     {"event_name", "user_send_text"},
                     {"timestamp", ts},
                     {"sender", {{"id", "246810"}}},
                     {"recipient", {{"id", "OA"}}},
                     {"message", {{"msg_id", "zmsg-1"}, {"text", "Em bị bắt nạt trên mạng"}}}};
  const std::string raw = body.dump();
  auto post = [&](const std::string& signature) {
    auto r = client_->request("POST", "/api/v1/intake/zalo", raw,
                              {"Content-Type: application/json", "X-ZEvent-Signature: " + signature});
    return r ? *r : HttpResponse{};
  };
  EXPECT_EQ(post(intake::zalo_signature(raw, "123456", ts, "wrong-secret")).status, 401);
  auto ok = post(intake::zalo_signature(raw, "123456", ts, "zalo-oa-secret"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports WHERE channel = 'zalo' AND category = 'other'"), 1);
}

class ChannelOffTest : public ApiTest {};

TEST_P(ChannelOffTest, UnconfiguredChannelsAreNotThere) {
  EXPECT_EQ(call("POST", "/api/v1/intake/zalo", nullptr, "{}").status, 403);
  EXPECT_EQ(call("POST", "/api/v1/intake/facebook", nullptr, "{}").status, 403);
  EXPECT_EQ(
      call("GET", "/api/v1/intake/facebook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1").status,
      403);
}

// A file larger than what is exported from memory streams out of the vault, byte for byte, on
// the record like any export.
TEST_P(ReportApiTest, LargeEvidenceIsStreamedOut) {
  std::string video(9 * 1024 * 1024 + 12345, '\0');
  std::uint32_t x = 12345;
  for (auto& ch : video) {
    x = x * 1664525u + 1013904223u;
    ch = static_cast<char>(x >> 24);
  }
  ASSERT_EQ(raw_post("/report", multipart(basic_fields(), {{"clip.mp4", "video/mp4", video}})).status, 201);
  Session analyst = ready_user("analyst9", root_, {{auth::Role::analyst, auth::Scope::unit}});
  const std::string eid = only_evidence_id(analyst);
  ASSERT_FALSE(eid.empty());
  auto content = call("GET", "/api/v1/evidence/" + eid + "/content", &analyst);
  ASSERT_EQ(content.status, 200);
  EXPECT_EQ(content.header("content-length"), std::to_string(video.size()));
  EXPECT_EQ(content.header("x-baove-sha256"), sha256_hex(video));
  EXPECT_TRUE(content.body == video);
  // The connection serves the next request after the streamed body.
  EXPECT_EQ(call("GET", "/api/v1/reports", &analyst).status, 200);
  auto exported = server().db().query(
      "SELECT COUNT(*) FROM audit_events WHERE object_type = 'evidence' AND object_id = $1 AND action = "
      "'export'",
      std::vector<store::Value>{eid});
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ((*exported)[0].integer(0), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReportApiTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);
INSTANTIATE_TEST_SUITE_P(Engines, ReportRateTest, ::testing::Values(store::Engine::sqlite), engine_name);
INSTANTIATE_TEST_SUITE_P(Engines, ChannelOffTest, ::testing::Values(store::Engine::sqlite), engine_name);

}  // namespace
}  // namespace baove::api::testing
