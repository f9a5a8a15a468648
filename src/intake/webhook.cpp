// Zalo OA and Facebook Messenger webhooks (webhook.hpp).
#include "intake/webhook.hpp"

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "intake/internal.hpp"
#include "util/hex.hpp"

namespace baove::intake {

namespace {

using json = nlohmann::json;

// Attachment addresses longer than this make the body malformed (platform CDN addresses are a few
// hundred bytes).
constexpr std::size_t kMaxAttachmentUrlBytes = 8192;
constexpr std::size_t kMaxSenderIdBytes = 200;

Error fail(WebhookError kind, const std::string& message, ErrorCode code = ErrorCode::invalid_argument) {
  return Error{code, std::string(to_string(kind)) + ": " + message};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The 32-byte digest in a header "<prefix><64 hex digits>" (prefix compared in any case).
std::optional<Digest> header_digest(std::string_view header, std::string_view prefix) {
  header = trim(header);
  if (header.size() != prefix.size() + 64 || ascii_lower(header.substr(0, prefix.size())) != prefix) {
    return std::nullopt;
  }
  auto bytes = from_hex(header.substr(prefix.size()), 32);
  if (!bytes) return std::nullopt;
  Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = bytes.value()[i];
  return d;
}

// A JSON string, or an integer written as its decimal text.
std::optional<std::string> json_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  return std::nullopt;
}

std::optional<std::int64_t> parse_ms(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  return v;
}

// A millisecond timestamp: a non-negative JSON integer or a string of digits.
std::optional<std::int64_t> json_ms(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    return i < 0 ? std::nullopt : std::optional<std::int64_t>(i);
  }
  if (v.is_string()) return parse_ms(v.get_ref<const std::string&>());
  return std::nullopt;
}

const json* member(const json& o, const char* name) {
  if (!o.is_object()) return nullptr;
  const auto it = o.find(name);
  return it == o.end() ? nullptr : &*it;
}

std::optional<std::string> member_text(const json& o, const char* name) {
  const json* v = member(o, name);
  return v == nullptr ? std::nullopt : json_text(*v);
}

std::optional<double> json_number(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    double d = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && p == s.data() + s.size()) return d;
  }
  return std::nullopt;
}

// "geo:lat,long" for a location, or "" when the coordinates are missing or out of range.
std::string geo_uri(const json* lat, const json* lon) {
  const auto la = json_number(lat), lo = json_number(lon);
  if (!la || !lo || !(*la >= -90.0 && *la <= 90.0) || !(*lo >= -180.0 && *lo <= 180.0)) return {};
  char buf[64];
  std::string out = "geo:";
  auto r = std::to_chars(buf, buf + sizeof buf, *la);
  out.append(buf, r.ptr);
  out += ',';
  r = std::to_chars(buf, buf + sizeof buf, *lo);
  out.append(buf, r.ptr);
  return out;
}

// Checks and fills the fields every message shares.
Status set_ids(ChannelMessage& m, std::optional<std::string> id, std::optional<std::string> sender) {
  if (!id || id->empty()) return fail(WebhookError::malformed, "a message has no id");
  if (id->size() > kMaxExternalIdBytes)
    return fail(WebhookError::malformed, "a message id is over 200 bytes");
  if (!sender || sender->empty()) return fail(WebhookError::malformed, "a message has no sender id");
  if (sender->size() > kMaxSenderIdBytes)
    return fail(WebhookError::malformed, "a sender id is over 200 bytes");
  m.external_id = sanitize_utf8(*id);
  m.sender_id = sanitize_utf8(*sender);
  return {};
}

Status set_text(ChannelMessage& m, const json* text) {
  if (text == nullptr || text->is_null()) return {};
  if (!text->is_string()) return fail(WebhookError::malformed, "a message text is not a string");
  m.text = sanitize_utf8(text->get_ref<const std::string&>());
  if (m.text.size() > kMaxTextBytes) {
    return fail(WebhookError::malformed, "a message text is over the limit", ErrorCode::limit_exceeded);
  }
  return {};
}

// Adds an attachment served at `url` (skipped when it is not an http(s) address).
Status add_attachment(ChannelMessage& m, const std::string& url, const std::string& type, std::string name) {
  if (url.size() > kMaxAttachmentUrlBytes)
    return fail(WebhookError::malformed, "an attachment address is too long");
  std::string clean = sanitize_utf8(url);
  if (!is_http_url(clean)) return {};
  const std::size_t colon = clean.find(':');
  clean.replace(0, colon, ascii_lower(clean.substr(0, colon)));  // "Https:" -> "https:"
  m.attachments.push_back(Attachment{clean, sanitize_utf8(type),
                                     name.empty() ? file_name_from_url(clean) : safe_file_name(name)});
  return {};
}

void add_shared_link(ChannelMessage& m, const std::optional<std::string>& url) {
  if (!url) return;
  const std::string clean = sanitize_utf8(*url);
  if (is_http_url(clean) && clean.size() <= kMaxLinkBytes) merge_links(m.links, {clean});
}

const json* array_member(const json& o, const char* name, Status& status, const char* what) {
  const json* a = member(o, name);
  if (a == nullptr || a->is_null()) return nullptr;
  if (!a->is_array()) {
    status = fail(WebhookError::malformed, std::string(what) + " is not an array");
    return nullptr;
  }
  return a;
}

Status check_attachment_count(const json* atts) {
  if (atts != nullptr && atts->size() > kMaxAttachmentsPerMessage) {
    return fail(WebhookError::malformed, "a message has more than 10 attachments", ErrorCode::limit_exceeded);
  }
  return {};
}

}  // namespace

const char* to_string(WebhookError kind) noexcept {
  switch (kind) {
    case WebhookError::bad_signature:
      return "bad_signature";
    case WebhookError::malformed:
      return "malformed";
    case WebhookError::stale:
      return "stale";
  }
  return "malformed";
}

WebhookError webhook_error(const Error& error) noexcept {
  const std::string_view m = error.message;
  if (m.starts_with("bad_signature: ")) return WebhookError::bad_signature;
  if (m.starts_with("stale: ")) return WebhookError::stale;
  return WebhookError::malformed;
}

std::string zalo_signature(std::string_view raw_body, std::string_view app_id, std::string_view timestamp,
                           std::string_view oa_secret) {
  std::string signed_text;
  signed_text.reserve(app_id.size() + raw_body.size() + timestamp.size() + oa_secret.size());
  signed_text.append(app_id).append(raw_body).append(timestamp).append(oa_secret);
  return "mac=" + hex(sha256(signed_text));
}

std::string facebook_signature(std::string_view raw_body, std::string_view app_secret) {
  return "sha256=" + hex(hmac_sha256(app_secret, raw_body));
}

Result<std::vector<ChannelMessage>> parse_zalo(std::string_view raw_body, std::string_view signature_header,
                                               std::string_view app_id, std::string_view oa_secret,
                                               std::int64_t now_ms, std::int64_t max_skew_ms) {
  const auto given = header_digest(signature_header, "mac=");
  if (!given)
    return fail(WebhookError::bad_signature, "X-ZEvent-Signature is missing or not mac=<sha256 hex>");
  // Zalo signs the timestamp found inside the body, so the body is parsed before it is trusted.
  const json body = json::parse(raw_body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object())
    return fail(WebhookError::malformed, "body is not a JSON object");
  const auto ts_text = member_text(body, "timestamp");
  const auto ts = ts_text ? parse_ms(*ts_text) : std::nullopt;
  if (!ts) return fail(WebhookError::malformed, "timestamp is missing or not milliseconds");

  std::string signed_text;
  signed_text.reserve(app_id.size() + raw_body.size() + ts_text->size() + oa_secret.size());
  signed_text.append(app_id).append(raw_body).append(*ts_text).append(oa_secret);
  if (!digest_equal(sha256(signed_text), *given)) {
    return fail(WebhookError::bad_signature, "X-ZEvent-Signature does not match");
  }
  const std::uint64_t skew = *ts > now_ms
                                 ? static_cast<std::uint64_t>(*ts) - static_cast<std::uint64_t>(now_ms)
                                 : static_cast<std::uint64_t>(now_ms) - static_cast<std::uint64_t>(*ts);
  if (max_skew_ms < 0 || skew > static_cast<std::uint64_t>(max_skew_ms)) {
    return fail(WebhookError::stale, "timestamp is outside the allowed window");
  }
  if (const json* a = member(body, "app_id"); a != nullptr) {
    const auto text = json_text(*a);
    if (!text || *text != app_id) return fail(WebhookError::malformed, "app_id is not this application's");
  }

  std::vector<ChannelMessage> out;
  const auto event = member_text(body, "event_name");
  if (!event) return fail(WebhookError::malformed, "event_name is missing");
  if (!event->starts_with("user_send_") && !event->starts_with("anonymous_send_")) return out;

  const json* message = member(body, "message");
  if (message == nullptr || !message->is_object()) return fail(WebhookError::malformed, "message is missing");
  const json* sender = member(body, "sender");
  ChannelMessage m;
  m.channel = "zalo";
  m.sent_at_ms = *ts;
  BAOVE_TRY(set_ids(m, member_text(*message, "msg_id"),
                    sender == nullptr ? std::nullopt : member_text(*sender, "id")));
  BAOVE_TRY(set_text(m, member(*message, "text")));
  Status st;
  const json* atts = array_member(*message, "attachments", st, "message.attachments");
  BAOVE_TRY(st);
  BAOVE_TRY(check_attachment_count(atts));
  if (atts != nullptr) {
    for (const json& a : *atts) {
      if (!a.is_object()) return fail(WebhookError::malformed, "an attachment is not an object");
      const std::string type = member_text(a, "type").value_or("");
      const json* payload = member(a, "payload");
      if (payload == nullptr || !payload->is_object()) continue;
      if (type == "link") {
        add_shared_link(m, member_text(*payload, "url"));
      } else if (type == "location") {
        const json* c = member(*payload, "coordinates");
        if (c == nullptr) continue;
        const std::string geo = geo_uri(member(*c, "latitude"), member(*c, "longitude"));
        if (!geo.empty()) m.attachments.push_back(Attachment{geo, "location", ""});
      } else if (const auto url = member_text(*payload, "url")) {
        BAOVE_TRY(add_attachment(m, *url, type, member_text(*payload, "name").value_or("")));
      }
    }
  }
  merge_links(m.links, extract_links(m.text));
  out.push_back(std::move(m));
  return out;
}

Result<std::vector<ChannelMessage>> parse_facebook(std::string_view raw_body,
                                                   std::string_view signature_header,
                                                   std::string_view app_secret) {
  const auto given = header_digest(signature_header, "sha256=");
  if (!given) return fail(WebhookError::bad_signature, "X-Hub-Signature-256 is missing or not sha256=<hex>");
  if (!digest_equal(hmac_sha256(app_secret, raw_body), *given)) {
    return fail(WebhookError::bad_signature, "X-Hub-Signature-256 does not match");
  }
  const json body = json::parse(raw_body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object())
    return fail(WebhookError::malformed, "body is not a JSON object");
  std::vector<ChannelMessage> out;
  const auto object = member_text(body, "object");
  if (!object || *object != "page") return out;
  const json* entries = member(body, "entry");
  if (entries == nullptr || !entries->is_array())
    return fail(WebhookError::malformed, "entry is not an array");

  for (const json& entry : *entries) {
    if (!entry.is_object()) return fail(WebhookError::malformed, "an entry is not an object");
    Status st;
    const json* events = array_member(entry, "messaging", st, "entry.messaging");
    BAOVE_TRY(st);
    if (events == nullptr) continue;
    for (const json& ev : *events) {
      if (!ev.is_object()) return fail(WebhookError::malformed, "a messaging event is not an object");
      const json* message = member(ev, "message");
      if (message == nullptr) continue;  // delivery, read, postback, reaction, ...
      if (!message->is_object()) return fail(WebhookError::malformed, "a message is not an object");
      if (const json* echo = member(*message, "is_echo");
          echo != nullptr && echo->is_boolean() && echo->get<bool>()) {
        continue;  // the page's own message
      }
      ChannelMessage m;
      m.channel = "facebook";
      const json* sender = member(ev, "sender");
      std::optional<std::string> sender_id;
      if (sender != nullptr) {
        sender_id = member_text(*sender, "id");
        if (!sender_id) sender_id = member_text(*sender, "user_ref");
      }
      BAOVE_TRY(set_ids(m, member_text(*message, "mid"), sender_id));
      const json* ts = member(ev, "timestamp");
      auto ms = ts == nullptr ? std::nullopt : json_ms(*ts);
      if (!ms) {
        const json* time = member(entry, "time");
        ms = time == nullptr ? std::nullopt : json_ms(*time);
      }
      if (!ms) return fail(WebhookError::malformed, "a message has no timestamp");
      m.sent_at_ms = *ms;
      BAOVE_TRY(set_text(m, member(*message, "text")));
      const json* atts = array_member(*message, "attachments", st, "message.attachments");
      BAOVE_TRY(st);
      BAOVE_TRY(check_attachment_count(atts));
      if (atts != nullptr) {
        for (const json& a : *atts) {
          if (!a.is_object()) return fail(WebhookError::malformed, "an attachment is not an object");
          const std::string type = member_text(a, "type").value_or("");
          const json* payload = member(a, "payload");
          const bool has_payload = payload != nullptr && payload->is_object();
          if (type == "fallback") {
            add_shared_link(m, has_payload && member(*payload, "url") != nullptr
                                   ? member_text(*payload, "url")
                                   : member_text(a, "url"));
          } else if (!has_payload) {
            continue;
          } else if (type == "location") {
            const json* c = member(*payload, "coordinates");
            if (c == nullptr) continue;
            const std::string geo = geo_uri(member(*c, "lat"), member(*c, "long"));
            if (!geo.empty()) m.attachments.push_back(Attachment{geo, "location", ""});
          } else if (const auto url = member_text(*payload, "url")) {
            BAOVE_TRY(add_attachment(m, *url, type, member_text(*payload, "name").value_or("")));
          }
        }
      }
      merge_links(m.links, extract_links(m.text));
      if (m.text.empty() && m.attachments.empty() && m.links.empty()) continue;
      if (out.size() == kMaxMessagesPerBody) {
        return fail(WebhookError::malformed, "more than 100 messages in one body", ErrorCode::limit_exceeded);
      }
      out.push_back(std::move(m));
    }
  }
  return out;
}

std::optional<std::string> facebook_challenge(std::string_view mode, std::string_view token,
                                              std::string_view challenge, std::string_view expected_token) {
  // Evaluate every condition so the time taken does not depend on which one fails first.
  const bool token_ok = secret_equal(token, expected_token) && !expected_token.empty();
  const bool mode_ok = mode == "subscribe";
  bool challenge_ok = !challenge.empty() && challenge.size() <= 128;
  for (char c : challenge) {
    const bool allowed = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         c == '.' || c == '_' || c == '~' || c == '-';
    challenge_ok = challenge_ok && allowed;
  }
  if (!(token_ok && mode_ok && challenge_ok)) return std::nullopt;
  return std::string(challenge);
}

}  // namespace baove::intake
