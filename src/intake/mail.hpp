// E-mail reports: RFC 5322 messages with MIME (RFC 2045-2047, RFC 2231), read from a Maildir.
//
// parse_mail() turns one raw message into a MailMessage:
// - Headers are unfolded; names compare in any case; a line that is neither a header nor a
//   continuation ends the header block (recorded as a defect). A leading mbox "From " line is skipped.
// - Multipart bodies of any subtype are split on their boundary, nested up to kMaxMimeDepth levels.
//   multipart/alternative takes its text from the first alternative that has text/plain, else from
//   the last one with text/html (converted by html_to_text()); attachments are taken from every
//   alternative, so an image inline in the HTML version is kept. Other text/plain and text/html
//   parts that are not attachments are appended to the text in order. message/rfc822 parts are
//   kept whole as attachments (not opened). Every other part, and any part with
//   "Content-Disposition: attachment" or a file name, is an attachment.
// - Content-Transfer-Encoding base64, quoted-printable, 7bit, 8bit and binary are decoded; others
//   are kept as they are (defect). Broken base64 (stray characters, a cut-off last group) and bad
//   quoted-printable escapes are decoded as far as they go (defect).
// - Text is converted to UTF-8 from its charset (utf-8 and us-ascii validated; iso-8859-1 read as
//   windows-1252, as browsers do; windows-1258 (composed to precomposed letters), VISCII, TCVN and
//   other common charsets through the C library's iconv); bytes that do not decode become U+FFFD.
//   Line ends become "\n".
// - Subject and file names: RFC 2047 encoded words (B and Q; adjacent words joined so characters
//   split across words survive); file names also RFC 2231 (filename*=, continuations
//   filename*0*=...), then made safe (no path separators or control characters, <= 255 bytes).
// - message_id: the Message-ID without its angle brackets. When it is missing, "sha256:" and the
//   SHA-256 of the raw message; when over 200 bytes, "sha256:" and the SHA-256 of the id. The
//   Message-ID is chosen by the sender: key idempotency on (hashed from_address, message_id).
// - from_address: the first address of From (angle-addr or bare addr-spec, comments and display
//   names dropped), lower-cased; "" when none can be read. Personal data: the caller hashes it.
// - sent_at_ms: the Date header (RFC 5322, obsolete zone names accepted), or 0 when missing or
//   unreadable.
// - links: http(s) addresses in the subject and text, and the href of links in HTML parts.
// Errors: empty input (invalid_argument); over kMaxMailBytes, deeper than kMaxMimeDepth, or more
// than kMaxMimeParts parts (limit_exceeded); no header field at all (corrupt). Everything else is
// repaired and listed in `defects`. Messages and defects never hold content or addresses.
// Memory: the decoded text and attachments (at most about the message's size) plus the input.
// Thread-safe: all functions are pure; a Maildir object may be used from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "intake/message.hpp"
#include "util/result.hpp"

namespace baove::intake {

inline constexpr std::size_t kMaxMailBytes = 50u * 1024 * 1024;
inline constexpr int kMaxMimeDepth = 10;
inline constexpr std::size_t kMaxMimeParts = 100;

struct MailAttachment {
  std::string name;          // file name, safe and valid UTF-8; "" when the message gives none
  std::string content_type;  // lower-case "type/subtype" ("image/jpeg", "message/rfc822")
  std::string bytes;         // the decoded content
};

struct MailMessage {
  std::string message_id;    // idempotency key (see above), 1..200 bytes
  std::string from_address;  // lower-case address, or ""; personal data
  std::string subject;       // decoded, whitespace runs collapsed
  std::int64_t sent_at_ms = 0;
  std::string text;                // the body as plain UTF-8 text
  std::vector<std::string> links;  // http(s) links, no duplicates, at most kMaxLinks
  std::vector<MailAttachment> attachments;
  std::vector<std::string> defects;  // what was repaired ("part 3: truncated base64"); at most 50
};

// Parses one raw RFC 5322 message (see above).
Result<MailMessage> parse_mail(std::string_view raw);

// The message as a report's channel message: channel "email", external_id = "mail:" and the
// SHA-256 (hex) of from_address, "\n" and message_id (the idempotency key: one sender's message seen
// twice is one report; another sender reusing its Message-ID is not),
// sender_id = from_address, text = subject, a blank line and the text (cut at a character
// boundary to kMaxTextBytes; the full text stays in the MailMessage), links as found, and one
// Attachment per mail attachment, in the same order, with an empty url (the bytes are in
// mail.attachments[i].bytes), the name, and the type image, video, audio, email (message/rfc822)
// or file.
ChannelMessage to_channel_message(const MailMessage& mail);

// RFC 2047: the header value with its encoded words decoded to UTF-8 (other text validated as
// UTF-8; whitespace between adjacent encoded words dropped).
std::string decode_header_words(std::string_view value);

// RFC 5322 date-time ("Tue, 4 Jun 2024 09:05:00 +0700", obsolete forms included) as milliseconds
// since the Unix epoch; nullopt when it cannot be read.
std::optional<std::int64_t> parse_mail_date(std::string_view value);

// A Maildir (maildir(5)): the mail server delivers each message as a file into new/; after the
// caller has stored a message (idempotently, keyed on its id) it calls mark_seen(), which renames
// the file into cur/ with the ":2,S" flag. A crash before mark_seen() leaves the message in new/ to
// be read again (the store's idempotency drops the duplicate); a crash after it loses nothing.
class Maildir {
 public:
  // An existing Maildir: `root` with directories new/, cur/ and tmp/ (not_found otherwise).
  static Result<Maildir> open(const std::filesystem::path& root);

  // The names of the files waiting in new/, sorted (Maildir names start with the delivery time).
  // Names starting with '.' and anything not a regular file are skipped.
  Result<std::vector<std::string>> list_new() const;

  // The content of new/<name>: not_found when it is gone, limit_exceeded over kMaxMailBytes.
  Result<std::string> read_new(std::string_view name) const;

  // Moves new/<name> to cur/<name>:2,S (one rename, atomic) and syncs both directories.
  // Succeeds without doing anything when it was moved already. invalid_argument for a name that
  // is not a plain file name; not_found when it is in neither place.
  Status mark_seen(std::string_view name) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit Maildir(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

}  // namespace baove::intake
