// libFuzzer target: arbitrary bytes as a Zalo OA or Facebook Messenger webhook body (the first
// byte picks the platform), signed correctly so that the parser is reached. A correctly signed
// body must never be refused as bad_signature; every message returned must respect the
// documented bounds and be valid UTF-8. The GET verification runs on slices of the input too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "intake/webhook.hpp"

namespace {

using namespace baove;
using namespace baove::intake;

constexpr std::string_view kAppId = "2553928453557884079";
constexpr std::string_view kSecret = "fuzz-secret";

void check_utf8(std::string_view s) {
  if (sanitize_utf8(s) != s) std::abort();
}

void check(const Result<std::vector<ChannelMessage>>& r, bool signed_ok) {
  if (!r.ok()) {
    if (signed_ok && webhook_error(r.error()) == WebhookError::bad_signature) std::abort();
    const ErrorCode c = r.error().code;
    if (c != ErrorCode::invalid_argument && c != ErrorCode::limit_exceeded) std::abort();
    return;
  }
  if (r->size() > kMaxMessagesPerBody) std::abort();
  for (const auto& m : r.value()) {
    if (m.external_id.empty() || m.external_id.size() > kMaxExternalIdBytes || m.sender_id.empty())
      std::abort();
    if (m.text.size() > kMaxTextBytes || m.attachments.size() > kMaxAttachmentsPerMessage) std::abort();
    if (m.links.size() > kMaxLinks) std::abort();
    check_utf8(m.external_id);
    check_utf8(m.sender_id);
    check_utf8(m.text);
    for (const auto& a : m.attachments) {
      check_utf8(a.url);
      check_utf8(a.type);
      check_utf8(a.name);
      if (!a.url.starts_with("http") && !a.url.starts_with("geo:")) std::abort();
    }
    for (const auto& l : m.links) check_utf8(l);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    // Zalo signs the timestamp found in the body: find it the way a sender would have written it.
    std::string ts;
    bool have_ts = false;
    const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object() && j.contains("timestamp")) {
      const auto& t = j["timestamp"];
      if (t.is_string()) {
        ts = t.get<std::string>();
        have_ts = true;
      } else if (t.is_number_unsigned()) {
        ts = std::to_string(t.get<std::uint64_t>());
        have_ts = true;
      } else if (t.is_number_integer()) {
        ts = std::to_string(t.get<std::int64_t>());
        have_ts = true;
      }
    }
    const std::string sig = zalo_signature(body, kAppId, ts, kSecret);
    check(parse_zalo(body, sig, kAppId, kSecret, 1700000000000, INT64_MAX), have_ts);
    // A wrong signature is always refused as such, before anything else.
    auto bad = parse_zalo(body, "mac=" + std::string(64, '0'), kAppId, kSecret, 0, 0);
    if (bad.ok()) std::abort();
  } else {
    check(parse_facebook(body, facebook_signature(body, kSecret), kSecret), true);
    auto bad = parse_facebook(body, facebook_signature(body, "other"), kSecret);
    if (bad.ok() || webhook_error(bad.error()) != WebhookError::bad_signature) std::abort();
  }
  const std::size_t third = body.size() / 3;
  const auto challenge =
      facebook_challenge(body.substr(0, third), body.substr(third, third), body.substr(2 * third), "token");
  if (challenge && (*challenge != body.substr(2 * third) || body.substr(third, third) != "token"))
    std::abort();
  return 0;
}
