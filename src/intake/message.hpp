// What every intake channel (Zalo, Facebook Messenger, e-mail) hands to the report layer: one
// message with its channel, the platform's ids, its text, its attachments and the links it holds;
// plus the text helpers the channels share (UTF-8 repair, link extraction, HTML to text).
//
// Contract:
// - Every string in a ChannelMessage is valid UTF-8 without NUL bytes: invalid bytes and NULs are
//   replaced with U+FFFD (sanitize_utf8()).
// - external_id is the platform's message id, 1..kMaxExternalIdBytes bytes: the idempotency key
//   of the report the caller files (a platform retries deliveries; e-mail may be fetched twice).
// - sender_id is personal data: the caller stores only a keyed hash of it and never logs it.
// - attachments are things the platform hosts for the sender (images, files, audio, video,
//   stickers; a location as a "geo:lat,long" URI); the caller fetches the http(s) ones as evidence
//   (intake/fetch.hpp). links are the http(s) addresses the sender pointed to (in the text, or
//   shared as a link); they are never fetched automatically.
// - All functions here are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace baove::intake {

inline constexpr std::size_t kMaxExternalIdBytes = 200;
inline constexpr std::size_t kMaxTextBytes = 20000;  // UTF-8 bytes of ChannelMessage::text
inline constexpr std::size_t kMaxMessagesPerBody = 100;
inline constexpr std::size_t kMaxAttachmentsPerMessage = 10;
inline constexpr std::size_t kMaxLinks = 100;       // links kept per message (first ones win)
inline constexpr std::size_t kMaxLinkBytes = 2048;  // longer addresses are not kept

struct Attachment {
  std::string url;   // where the platform serves it (http(s), scheme in lower case), or a geo: URI
  std::string type;  // image, video, audio, file, sticker, gif, location, ... as the platform says
  std::string name;  // the file name when the platform gives one (or its URL path ends in one), else ""
};

struct ChannelMessage {
  std::string channel;          // "zalo" | "facebook" | "email" (taxonomy channel keys)
  std::string external_id;      // the platform's message id (idempotency key), <= 200 bytes
  std::string sender_id;        // the platform's user id (the caller keyed-hashes it; never logged)
  std::int64_t sent_at_ms = 0;  // platform timestamp, milliseconds since the Unix epoch (0: unknown)
  std::string text;             // message text, valid UTF-8, <= kMaxTextBytes
  std::vector<Attachment> attachments;
  std::vector<std::string> links;  // http(s) links found in the text or shared as links, no duplicates
};

// `bytes` as valid UTF-8: each maximal invalid subsequence (Unicode's "substitution of maximal
// subparts") and each NUL becomes U+FFFD. Valid input comes back unchanged.
std::string sanitize_utf8(std::string_view bytes);

// `text` (valid UTF-8) cut to at most `max_bytes` bytes at a character boundary.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

// The http:// and https:// addresses in `text`, in order of appearance, without duplicates, at most
// kMaxLinks, each at most kMaxLinkBytes. An address starts at "http://" or "https://" (any case)
// not preceded by a letter or digit and runs to whitespace (ASCII or U+00A0), a control character,
// or one of < > " ` { } | \ ^; trailing . , ; : ! ? ' and unbalanced ) ] are not part of it. An
// address needs a host (something after "//" before any '/', '?' or '#').
std::vector<std::string> extract_links(std::string_view text);

// Appends the links of `from` to `to`, keeping `to` free of duplicates and at most kMaxLinks long.
void merge_links(std::vector<std::string>& to, const std::vector<std::string>& from);

// Plain text of an HTML document or fragment (valid UTF-8 in, valid UTF-8 out): tags removed;
// script, style, head, title and template contents dropped; comments dropped; line breaks for
// br, p, div, li, tr, headings, blockquote, pre, hr and tables; whitespace collapsed as a browser
// would (kept inside pre); character references decoded (numeric ones and the HTML 4 named
// ones for Latin-1 and common punctuation; unknown names are left as written). The http(s)
// addresses of <a href> are appended to `hrefs` when it is not null. Linear in the input.
std::string html_to_text(std::string_view html, std::vector<std::string>* hrefs = nullptr);

}  // namespace baove::intake
