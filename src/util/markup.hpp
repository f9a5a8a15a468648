// Escaping text for HTML and XML documents.
#pragma once

#include <string>
#include <string_view>

namespace baove {

// `text` made safe as HTML or XML 1.0 character data and as a double- or single-quoted attribute
// value: & < > " ' become entities, and the C0 control characters other than tab, line feed and
// carriage return (which XML 1.0 forbids and HTML parses as errors) are dropped. Bytes of 0x80 and
// above pass unchanged (UTF-8 is the caller's to check).
std::string escape_markup(std::string_view text);

}  // namespace baove
