// Zalo OA and Facebook Messenger webhooks: signatures computed here independently (OpenSSL), with
// bodies in the shapes the platforms document.
#include "intake/webhook.hpp"

#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace baove::intake {
namespace {

std::string hex_of(const unsigned char* d, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[d[i] >> 4];
    out += digits[d[i] & 15];
  }
  return out;
}

// "mac=" + sha256(appId + body + timestamp + OA secret key), as Zalo documents it.
std::string zalo_mac(const std::string& app_id, const std::string& body, const std::string& ts,
                     const std::string& secret) {
  const std::string all = app_id + body + ts + secret;
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(all.data()), all.size(), d);
  return "mac=" + hex_of(d, sizeof d);
}

// "sha256=" + HMAC-SHA256(app secret, raw body), as Meta documents it.
std::string fb_sig(const std::string& body, const std::string& secret) {
  unsigned char d[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), d, &len);
  return "sha256=" + hex_of(d, len);
}

constexpr const char* kAppId = "2553928453557884079";
constexpr const char* kOaSecret = "oa-secret-key-123";
constexpr std::int64_t kNow = 1699003881354;
constexpr std::int64_t kSkew = 6LL * 3600 * 1000;

std::string zalo_event(const std::string& event, const std::string& message,
                       const std::string& ts = "1699003881354") {
  return std::string("{\"app_id\":\"") + kAppId + "\",\"event_name\":\"" + event +
         "\",\"sender\":{\"id\":\"6142494823000000001\"},\"recipient\":{\"id\":\"3662729599332560487\"},"
         "\"message\":" +
         message + ",\"timestamp\":\"" + ts + "\",\"user_id_by_app\":\"979122185046046317\"}";
}

Result<std::vector<ChannelMessage>> zalo(const std::string& body, const std::string& ts = "1699003881354") {
  return parse_zalo(body, zalo_mac(kAppId, body, ts, kOaSecret), kAppId, kOaSecret, kNow, kSkew);
}

TEST(Zalo, TextMessageBecomesOneChannelMessage) {
  const std::string body = zalo_event(
      "user_send_text",
      R"({"text":"Chào 111, con tôi bị đe doạ trên https://t.me/xau_xa ạ","msg_id":"cb31dff1c39642cc1b83"})");
  auto r = zalo(body);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const ChannelMessage& m = r->front();
  EXPECT_EQ(m.channel, "zalo");
  EXPECT_EQ(m.external_id, "cb31dff1c39642cc1b83");
  EXPECT_EQ(m.sender_id, "6142494823000000001");
  EXPECT_EQ(m.sent_at_ms, 1699003881354);
  EXPECT_EQ(m.text, "Chào 111, con tôi bị đe doạ trên https://t.me/xau_xa ạ");
  EXPECT_EQ(m.links, std::vector<std::string>{"https://t.me/xau_xa"});
  EXPECT_TRUE(m.attachments.empty());
  // The library's own signer agrees with the documented construction.
  EXPECT_EQ(zalo_signature(body, kAppId, "1699003881354", kOaSecret),
            zalo_mac(kAppId, body, "1699003881354", kOaSecret));
}

TEST(Zalo, AttachmentsKeepTheirTypeNameAndAddress) {
  const std::string body = zalo_event("user_send_file", R"({"msg_id":"f1","attachments":[
      {"type":"file","payload":{"url":"https://f21-zfile.zdn.vn/abc/bao-cao.pdf?token=1","name":"báo cáo.pdf",
       "size":"1234","checksum":"x","type":"pdf"}},
      {"type":"image","payload":{"thumbnail":"https://photo.zdn.vn/t.jpg","url":"https://photo.zdn.vn/anh%20goc.jpg"}},
      {"type":"link","payload":{"url":"https://link.example/bai-viet","description":"d","thumbnail":"t"}},
      {"type":"location","payload":{"coordinates":{"latitude":"21.0285","longitude":"105.8542"}}},
      {"type":"sticker","payload":{"id":"s1","url":"HTTPS://sticker.zdn.vn/1.png"}},
      {"type":"image","payload":{"url":"ftp://not-http.example/x.jpg"}}]})");
  auto r = zalo(body);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const auto& a = r->front().attachments;
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].type, "file");
  EXPECT_EQ(a[0].url, "https://f21-zfile.zdn.vn/abc/bao-cao.pdf?token=1");
  EXPECT_EQ(a[0].name, "báo cáo.pdf");
  EXPECT_EQ(a[1].type, "image");
  EXPECT_EQ(a[1].url, "https://photo.zdn.vn/anh%20goc.jpg");
  EXPECT_EQ(a[1].name, "anh goc.jpg");  // from the address when the platform gives no name
  EXPECT_EQ(a[2].type, "location");
  EXPECT_EQ(a[2].url, "geo:21.0285,105.8542");
  EXPECT_EQ(a[3].type, "sticker");
  EXPECT_EQ(a[3].url, "https://sticker.zdn.vn/1.png");  // the scheme in lower case
  EXPECT_EQ(r->front().links, std::vector<std::string>{"https://link.example/bai-viet"});
}

TEST(Zalo, TimestampMayBeANumberAndAnonymousChatsCount) {
  const std::string body =
      R"({"app_id":"2553928453557884079","event_name":"anonymous_send_text","timestamp":1699003881354,)"
      R"("sender":{"id":"anon-1"},"message":{"msg_id":"m2","text":"ẩn danh","conversation_id":"c"}})";
  auto r = zalo(body);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->front().sender_id, "anon-1");
  EXPECT_EQ(r->front().text, "ẩn danh");
}

TEST(Zalo, EventsThatAreNotMessagesGiveNothing) {
  for (const char* ev :
       {"follow", "unfollow", "user_seen_message", "user_received_message", "oa_send_text"}) {
    const std::string body = std::string("{\"app_id\":\"") + kAppId + "\",\"event_name\":\"" + ev +
                             "\",\"timestamp\":\"1699003881354\",\"follower\":{\"id\":\"1\"}}";
    auto r = zalo(body);
    ASSERT_TRUE(r) << ev << ": " << r.error().message;
    EXPECT_TRUE(r->empty()) << ev;
  }
}

TEST(Zalo, SignatureFailuresAreToldApartFromBadBodies) {
  const std::string body = zalo_event("user_send_text", R"({"text":"x","msg_id":"m"})");
  const std::string good = zalo_mac(kAppId, body, "1699003881354", kOaSecret);
  const auto kind = [](const Result<std::vector<ChannelMessage>>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? WebhookError::malformed : webhook_error(r.error());
  };
  EXPECT_EQ(kind(parse_zalo(body, "", kAppId, kOaSecret, kNow, kSkew)), WebhookError::bad_signature);
  EXPECT_EQ(kind(parse_zalo(body, "mac=zz", kAppId, kOaSecret, kNow, kSkew)), WebhookError::bad_signature);
  EXPECT_EQ(kind(parse_zalo(body, good.substr(4), kAppId, kOaSecret, kNow, kSkew)),
            WebhookError::bad_signature);
  EXPECT_EQ(kind(parse_zalo(body, zalo_mac(kAppId, body, "1699003881354", "wrong"), kAppId, kOaSecret, kNow,
                            kSkew)),
            WebhookError::bad_signature);
  std::string tampered = body;
  tampered.replace(tampered.find("\"x\""), 3, "\"y\"");
  EXPECT_EQ(kind(parse_zalo(tampered, good, kAppId, kOaSecret, kNow, kSkew)), WebhookError::bad_signature);
  // Upper-case hex and surrounding spaces are accepted.
  std::string upper = good;
  for (std::size_t i = 4; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(parse_zalo(body, " " + upper + " ", kAppId, kOaSecret, kNow, kSkew).ok());
  // Stale: the same signed body, received much later (or from the future).
  auto late = parse_zalo(body, good, kAppId, kOaSecret, kNow + kSkew + 1, kSkew);
  EXPECT_EQ(kind(late), WebhookError::stale);
  EXPECT_EQ(late.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(kind(parse_zalo(body, good, kAppId, kOaSecret, kNow - kSkew - 1, kSkew)), WebhookError::stale);
  EXPECT_TRUE(parse_zalo(body, good, kAppId, kOaSecret, kNow + kSkew, kSkew).ok());
  // Not JSON: nothing can be checked, so it is a bad request.
  auto junk = parse_zalo("not json", good, kAppId, kOaSecret, kNow, kSkew);
  EXPECT_EQ(kind(junk), WebhookError::malformed);
  EXPECT_EQ(junk.error().message.find("not json"), std::string::npos);
  EXPECT_EQ(junk.error().message.find(kOaSecret), std::string::npos);
}

TEST(Zalo, AuthenticatedButMalformedBodies) {
  const auto kind_of = [](const std::string& body) {
    auto r = zalo(body);
    EXPECT_FALSE(r.ok()) << body;
    return r.ok() ? std::make_pair(WebhookError::bad_signature, ErrorCode::internal)
                  : std::make_pair(webhook_error(r.error()), r.error().code);
  };
  const auto malformed = std::make_pair(WebhookError::malformed, ErrorCode::invalid_argument);
  EXPECT_EQ(kind_of(zalo_event("user_send_text", R"({"text":"no id"})")), malformed);
  EXPECT_EQ(kind_of(zalo_event("user_send_text", "{\"msg_id\":\"" + std::string(201, 'a') + "\"}")),
            malformed);
  EXPECT_EQ(kind_of(zalo_event("user_send_text", R"({"msg_id":"m","text":42})")), malformed);
  EXPECT_EQ(kind_of(zalo_event("user_send_text", R"("not an object")")), malformed);
  std::string other_app = zalo_event("user_send_text", R"({"msg_id":"m"})");
  other_app.replace(other_app.find(kAppId), std::string(kAppId).size(), "1111");
  EXPECT_EQ(kind_of(other_app), malformed);
  std::string many = R"({"msg_id":"m","attachments":[)";
  for (int i = 0; i < 11; ++i)
    many += std::string(i ? "," : "") + R"({"type":"image","payload":{"url":"https://p.zdn.vn/a.jpg"}})";
  many += "]}";
  EXPECT_EQ(kind_of(zalo_event("user_send_image", many)),
            std::make_pair(WebhookError::malformed, ErrorCode::limit_exceeded));
  const std::string long_text = "{\"msg_id\":\"m\",\"text\":\"" + std::string(kMaxTextBytes + 1, 'a') + "\"}";
  EXPECT_EQ(kind_of(zalo_event("user_send_text", long_text)),
            std::make_pair(WebhookError::malformed, ErrorCode::limit_exceeded));
}

std::string fb_body(const std::string& messaging) {
  return R"({"object":"page","entry":[{"id":"682498302938465","time":1518479195594,"messaging":[)" +
         messaging + "]}]}";
}

TEST(Facebook, TextAndAttachmentMessages) {
  // Meta sends non-ASCII as \u escapes and signs those bytes.
  const std::string body = fb_body(
      R"({"sender":{"id":"PSID-1"},"recipient":{"id":"PAGE"},"timestamp":1458692752478,)"
      R"("message":{"mid":"mid.1457764197618:41d102a3e1ae206a38","text":"Ch\u00e0o, xem https:\/\/bad.example\/v"}},)"
      R"({"sender":{"id":"PSID-1"},"recipient":{"id":"PAGE"},"timestamp":1518479195308,)"
      R"("message":{"mid":"mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c","attachments":[)"
      R"({"type":"image","payload":{"url":"https:\/\/scontent.xx.fbcdn.net\/v\/t1\/12_n.jpg?_nc=1"}},)"
      R"({"type":"file","payload":{"url":"https:\/\/cdn.fbsbx.com\/v\/t59\/file.pdf\/B%C3%A1o_c%C3%A1o.pdf?x=1"}},)"
      R"({"type":"fallback","payload":{"url":"https:\/\/link.example\/post","title":"t"}},)"
      R"({"type":"fallback","title":"old","url":"https:\/\/old.example\/x","payload":null},)"
      R"({"type":"location","payload":{"coordinates":{"lat":10.7769,"long":106.7009}}}]}})");
  auto r = parse_facebook(body, fb_sig(body, "app-secret"), "app-secret");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  const ChannelMessage& t = (*r)[0];
  EXPECT_EQ(t.channel, "facebook");
  EXPECT_EQ(t.external_id, "mid.1457764197618:41d102a3e1ae206a38");
  EXPECT_EQ(t.sender_id, "PSID-1");
  EXPECT_EQ(t.sent_at_ms, 1458692752478);
  EXPECT_EQ(t.text, "Chào, xem https://bad.example/v");
  EXPECT_EQ(t.links, std::vector<std::string>{"https://bad.example/v"});
  const ChannelMessage& a = (*r)[1];
  EXPECT_TRUE(a.text.empty());
  ASSERT_EQ(a.attachments.size(), 3u);
  EXPECT_EQ(a.attachments[0].type, "image");
  EXPECT_EQ(a.attachments[0].url, "https://scontent.xx.fbcdn.net/v/t1/12_n.jpg?_nc=1");
  EXPECT_EQ(a.attachments[0].name, "12_n.jpg");
  EXPECT_EQ(a.attachments[1].type, "file");
  EXPECT_EQ(a.attachments[1].name, "Báo_cáo.pdf");
  EXPECT_EQ(a.attachments[2].url, "geo:10.7769,106.7009");
  EXPECT_EQ(a.links, (std::vector<std::string>{"https://link.example/post", "https://old.example/x"}));
  EXPECT_EQ(facebook_signature(body, "app-secret"), fb_sig(body, "app-secret"));
}

TEST(Facebook, EchoesDeliveriesReadsAndOtherObjectsGiveNothing) {
  const std::string body = fb_body(
      R"({"sender":{"id":"PAGE"},"recipient":{"id":"PSID"},"timestamp":1,"message":{"is_echo":true,"app_id":1,"mid":"e","text":"từ trang"}},)"
      R"({"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"delivery":{"mids":["m"],"watermark":1}},)"
      R"({"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"timestamp":1,"read":{"watermark":1}},)"
      R"({"sender":{"id":"PSID"},"recipient":{"id":"PAGE"},"timestamp":1,"postback":{"title":"b","payload":"p"}})");
  auto r = parse_facebook(body, fb_sig(body, "s"), "s");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->empty());
  const std::string ig = R"({"object":"instagram","entry":[]})";
  auto r2 = parse_facebook(ig, fb_sig(ig, "s"), "s");
  ASSERT_TRUE(r2);
  EXPECT_TRUE(r2->empty());
}

TEST(Facebook, SignatureIsCheckedBeforeAnythingElse) {
  const std::string body = fb_body(R"({"sender":{"id":"P"},"timestamp":1,"message":{"mid":"m","text":"x"}})");
  for (const std::string& header : {std::string(), std::string("sha256="), fb_sig(body, "other"),
                                    fb_sig(body, "s").substr(7), "sha1=" + fb_sig(body, "s").substr(7)}) {
    auto r = parse_facebook(body, header, "s");
    ASSERT_FALSE(r.ok()) << header;
    EXPECT_EQ(webhook_error(r.error()), WebhookError::bad_signature) << header;
  }
  // Garbage with a bad signature is unauthenticated, not malformed.
  auto g = parse_facebook("{{{", "sha256=" + std::string(64, '0'), "s");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(webhook_error(g.error()), WebhookError::bad_signature);
  // Garbage with a good signature is malformed.
  auto m = parse_facebook("{{{", fb_sig("{{{", "s"), "s");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(webhook_error(m.error()), WebhookError::malformed);
}

TEST(Facebook, LimitsAndMissingFields) {
  std::string events;
  for (int i = 0; i <= 100; ++i) {
    events += std::string(i ? "," : "") + R"({"sender":{"id":"P"},"timestamp":1,"message":{"mid":"m)" +
              std::to_string(i) + R"(","text":"x"}})";
  }
  const std::string body = fb_body(events);
  auto r = parse_facebook(body, fb_sig(body, "s"), "s");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::limit_exceeded);
  const std::string no_mid = fb_body(R"({"sender":{"id":"P"},"timestamp":1,"message":{"text":"x"}})");
  auto r2 = parse_facebook(no_mid, fb_sig(no_mid, "s"), "s");
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(webhook_error(r2.error()), WebhookError::malformed);
  // The entry's time stands in for a missing event timestamp; user_ref for a missing id.
  const std::string plugin = fb_body(R"({"sender":{"user_ref":"ref-9"},"message":{"mid":"m","text":"x"}})");
  auto r3 = parse_facebook(plugin, fb_sig(plugin, "s"), "s");
  ASSERT_TRUE(r3) << r3.error().message;
  ASSERT_EQ(r3->size(), 1u);
  EXPECT_EQ(r3->front().sender_id, "ref-9");
  EXPECT_EQ(r3->front().sent_at_ms, 1518479195594);
}

TEST(Facebook, VerificationEchoesTheChallengeOnlyForTheRightToken) {
  EXPECT_EQ(facebook_challenge("subscribe", "meatyhamhock", "1158201444", "meatyhamhock"), "1158201444");
  EXPECT_EQ(facebook_challenge("subscribe", "wrong", "1158201444", "meatyhamhock"), std::nullopt);
  EXPECT_EQ(facebook_challenge("unsubscribe", "meatyhamhock", "1158201444", "meatyhamhock"), std::nullopt);
  EXPECT_EQ(facebook_challenge("subscribe", "", "1", ""), std::nullopt);
  EXPECT_EQ(facebook_challenge("subscribe", "t", "<script>", "t"), std::nullopt);
  EXPECT_EQ(facebook_challenge("subscribe", "t", "", "t"), std::nullopt);
  EXPECT_EQ(facebook_challenge("subscribe", "t", std::string(129, '1'), "t"), std::nullopt);
}

}  // namespace
}  // namespace baove::intake
