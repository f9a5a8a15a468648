// libFuzzer target: arbitrary bytes as an e-mail message, through parse_mail(), the conversion to a
// channel message, and the header helpers. Every failure must be one of the documented codes;
// everything parse_mail() returns must be valid UTF-8 within the documented bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "intake/mail.hpp"

namespace {

using namespace baove;
using namespace baove::intake;

void check_utf8(std::string_view s) {
  if (sanitize_utf8(s) != s) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto r = parse_mail(raw);
  if (!r.ok()) {
    const ErrorCode c = r.error().code;
    if (c != ErrorCode::invalid_argument && c != ErrorCode::limit_exceeded && c != ErrorCode::corrupt)
      std::abort();
    if (c == ErrorCode::invalid_argument && size != 0) std::abort();
  } else {
    const MailMessage& m = r.value();
    if (m.message_id.empty() || m.message_id.size() > kMaxExternalIdBytes) std::abort();
    check_utf8(m.message_id);
    check_utf8(m.from_address);
    check_utf8(m.subject);
    check_utf8(m.text);
    if (m.links.size() > kMaxLinks || m.defects.size() > 50 || m.attachments.size() > kMaxMimeParts)
      std::abort();
    for (const auto& l : m.links) {
      check_utf8(l);
      if (l.size() > kMaxLinkBytes) std::abort();
    }
    for (const auto& a : m.attachments) {
      check_utf8(a.name);
      if (a.name.size() > 255 || a.name.find('/') != std::string::npos) std::abort();
      if (a.content_type.find('/') == std::string::npos) std::abort();
    }
    const ChannelMessage c = to_channel_message(m);
    if (c.text.size() > kMaxTextBytes || c.attachments.size() != m.attachments.size()) std::abort();
    check_utf8(c.text);
  }
  // The helpers on their own, over a prefix (headers are short).
  const std::string_view head = raw.substr(0, 4096);
  check_utf8(decode_header_words(head));
  (void)parse_mail_date(head.substr(0, 200));
  const std::string text = sanitize_utf8(head);
  check_utf8(html_to_text(text));
  for (const auto& l : extract_links(text)) check_utf8(l);
  return 0;
}
