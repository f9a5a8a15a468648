// Webhooks of the hotline's chat channels: a Zalo Official Account and a Facebook fanpage
// (Messenger). Each function authenticates the raw request body first, then turns the platform's
// events into ChannelMessages (message.hpp). The HTTP routes that call these live in the API layer.
//
// Zalo Official Account. Zalo's own guide (developers.zalo.me) was read through a Vietnamese
// tutorial that restates it and through open-source integrations (Chatwoot's Zalo OA channel,
// SDK type definitions), which agree on the following:
// - Header X-ZEvent-Signature: "mac=" + lower-case hex SHA-256 (a plain hash, not an HMAC) of
//   app id + raw body + timestamp + OA secret key, concatenated as text. The timestamp is the body's
//   own "timestamp" member (milliseconds since the epoch, sent as a JSON string; a number is
//   accepted and its decimal text used). The OA secret key is the Official Account's, not the app's.
// - One event per request: {"app_id", "user_id_by_app", "event_name", "timestamp",
//   "sender":{"id"}, "recipient":{"id"}, "message":{"msg_id", "text",
//   "attachments":[{"type","payload":{"url",...}}]}}. Message events are named user_send_* (text,
//   image, link, audio, video, sticker, gif, location, file, business_card); follow, unfollow,
//   user_seen_message, user_received_message, oa_send_* and the like are not messages.
// - Assumed (from SDK types, not from Zalo's page): anonymous_send_* (anonymous chats) are
//   messages of the same shape; a file's payload has "name"; a location's has
//   "coordinates":{"latitude","longitude"}; a link's payload "url" is the shared link; ids may be
//   JSON numbers. Zalo retries a delivery it could not hand over (for hours, with the same body
//   and timestamp), so the caller's `max_skew_ms` should be generous (hours, not minutes):
//   idempotency on msg_id already makes a replay harmless.
//
// Facebook Messenger, from Meta's pages (Graph API "Webhooks: Getting Started", "Meta Webhooks
// for Messenger Platform", the "messages" and "message_echoes" event references):
// - Header X-Hub-Signature-256: "sha256=" + lower-case hex HMAC-SHA256 keyed with the app secret
//   over the raw body exactly as received (Meta signs the escaped-Unicode JSON it sends, so the
//   body must not be re-encoded before checking).
// - {"object":"page","entry":[{"id","time","messaging":[{"sender":{"id"},"recipient":{"id"},
//   "timestamp","message":{"mid","text","attachments":[{"type","payload":{"url"}}]}}]}]}; several
//   entries and events may come in one body. Attachment types: image, video, audio, file, sticker,
//   reel, ig_reel, post, ig_post, and fallback (a shared link: payload.url, or url at the
//   attachment's top level in older versions). Echoes carry "is_echo": true.
// - Assumed: location attachments (older versions) carry payload.coordinates.lat/long; a file's
//   name is the last segment of its CDN address; a sender known only by "user_ref" (chat plugin)
//   is identified by that; an event without its own timestamp takes its entry's "time".
// - Events without "message" (delivery, read, postback, reaction, optin ...), echoes of the page's
//   own messages, and bodies whose "object" is not "page" give no messages. Events in "standby"
//   (handover protocol) are not read.
// - Verification: GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...; the endpoint
//   answers the challenge when the token matches (facebook_challenge()).
//
// Errors. Every failure's ErrorCode is invalid_argument (limit_exceeded for a body over the
// counts below) and its message starts with the kind's name and ": ", so that the caller can tell
// an unauthenticated request from a bad one with webhook_error():
//   bad_signature  the signature header is missing, malformed or does not match  -> 401
//   stale          Zalo only: the signed timestamp is further than max_skew_ms from now -> 401
//   malformed      authenticated but not the documented shape (not JSON, a message without
//                  id, sender or timestamp, an id over 200 bytes, over the limits)  -> 400/413
// The signature is always checked before the body is interpreted (Zalo's timestamp has to be read
// from the body to check it, so that body is parsed as JSON first and nothing else is read).
// Messages never hold body content, ids or secrets. Comparisons of secrets are constant-time.
// Limits: the caller caps the body (1 MB); at most kMaxMessagesPerBody messages per body,
// kMaxAttachmentsPerMessage attachments per message and kMaxTextBytes of text per message, beyond
// which the whole body is refused (limit_exceeded, kind malformed) rather than cut.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "intake/message.hpp"
#include "util/result.hpp"

namespace baove::intake {

enum class WebhookError { bad_signature, malformed, stale };

// "bad_signature", "malformed", "stale".
const char* to_string(WebhookError kind) noexcept;

// The kind of an error returned by parse_zalo() or parse_facebook() (read from its message
// prefix); malformed for any other error.
WebhookError webhook_error(const Error& error) noexcept;

// Zalo OA: verifies X-ZEvent-Signature (`signature_header`, the header's value) for `app_id` and
// `oa_secret`, checks the signed timestamp is within `max_skew_ms` of `now_ms`, then parses. When
// the body has an "app_id" it must be `app_id` (malformed otherwise). Non-message events give an
// empty list.
Result<std::vector<ChannelMessage>> parse_zalo(std::string_view raw_body, std::string_view signature_header,
                                               std::string_view app_id, std::string_view oa_secret,
                                               std::int64_t now_ms, std::int64_t max_skew_ms);

// Facebook Messenger: verifies X-Hub-Signature-256 (`signature_header`) with `app_secret`, then
// parses. Non-message events give an empty list.
Result<std::vector<ChannelMessage>> parse_facebook(std::string_view raw_body,
                                                   std::string_view signature_header,
                                                   std::string_view app_secret);

// GET verification: the challenge to echo when `mode` is "subscribe", `expected_token` is not empty
// and `token` equals it (constant time), and `challenge` is 1..128 characters of [A-Za-z0-9._~-]
// (Meta sends an integer; anything else is refused rather than reflected); else nullopt.
std::optional<std::string> facebook_challenge(std::string_view mode, std::string_view token,
                                              std::string_view challenge, std::string_view expected_token);

// The header values a platform would send for `raw_body` (for tests, fuzzing and local replays).
std::string zalo_signature(std::string_view raw_body, std::string_view app_id, std::string_view timestamp,
                           std::string_view oa_secret);
std::string facebook_signature(std::string_view raw_body, std::string_view app_secret);

}  // namespace baove::intake
