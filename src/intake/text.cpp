// UTF-8 repair, link extraction and HTML to text (message.hpp).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "intake/internal.hpp"
#include "intake/message.hpp"

namespace baove::intake {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// Length of a multi-byte separator that ends a link at `s[i]` (U+00A0, U+2000..U+200B, U+2028,
// U+2029, U+3000), or 0.
std::size_t unicode_space_at(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  if (b(0) == 0xC2 && b(1) == 0xA0) return 2;
  if (b(0) == 0xE2 && b(1) == 0x80 && ((b(2) >= 0x80 && b(2) <= 0x8B) || b(2) == 0xA8 || b(2) == 0xA9))
    return 3;
  if (b(0) == 0xE3 && b(1) == 0x80 && b(2) == 0x80) return 3;
  return 0;
}

bool ends_link(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7F || c == ' ') return true;
  switch (c) {
    case '<':
    case '>':
    case '"':
    case '`':
    case '{':
    case '}':
    case '|':
    case '\\':
    case '^':
      return true;
    default:
      return false;
  }
}

// Drops trailing punctuation that is more likely prose than address (linear in the link's length).
std::string_view trim_link(std::string_view link) {
  auto parens = std::count(link.begin(), link.end(), '(') - std::count(link.begin(), link.end(), ')');
  auto brackets = std::count(link.begin(), link.end(), '[') - std::count(link.begin(), link.end(), ']');
  while (!link.empty()) {
    const char c = link.back();
    if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'') {
      link.remove_suffix(1);
    } else if (c == ')' && parens < 0) {
      link.remove_suffix(1);
      ++parens;
    } else if (c == ']' && brackets < 0) {
      link.remove_suffix(1);
      ++brackets;
    } else {
      break;
    }
  }
  return link;
}

bool has_host(std::string_view link) {
  const std::size_t slashes = link.find("//");
  if (slashes == std::string_view::npos) return false;
  const std::size_t start = slashes + 2;
  const std::size_t end = link.find_first_of("/?#", start);
  const std::string_view authority =
      link.substr(start, end == std::string_view::npos ? link.npos : end - start);
  // The host is what follows any user information.
  const std::size_t at = authority.rfind('@');
  const std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  return !host.empty() && host[0] != ':';
}

void add_link(std::vector<std::string>& links, std::string_view link) {
  if (links.size() >= kMaxLinks || link.size() > kMaxLinkBytes || !has_host(link)) return;
  for (const auto& l : links) {
    if (l == link) return;
  }
  links.emplace_back(link);
}

}  // namespace

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    out += kReplacement;
  } else if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (b < 0x80) {
      // Copy the whole ASCII run at once.
      std::size_t j = i + 1;
      while (j < n && static_cast<unsigned char>(s[j]) < 0x80 && s[j] != '\0') ++j;
      out.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b == 0xE0) {
      len = 3;
      lo = 0xA0;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
      len = 3;
    } else if (b == 0xED) {
      len = 3;
      hi = 0x9F;
    } else if (b == 0xF0) {
      len = 4;
      lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      len = 4;
    } else if (b == 0xF4) {
      len = 4;
      hi = 0x8F;
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    bool ok = true;
    for (std::size_t k = 1; k < len; ++k, ++j) {
      const unsigned c = j < n ? static_cast<unsigned char>(s[j]) : 0u;
      const unsigned min = k == 1 ? lo : 0x80u, max = k == 1 ? hi : 0xBFu;
      if (j >= n || c < min || c > max) {
        ok = false;
        break;
      }
    }
    if (!ok) {
      out += kReplacement;
      i = j;  // the maximal subpart ends before the offending byte
      continue;
    }
    out.append(s.data() + i, len);
    i += len;
  }
  return out;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

std::vector<std::string> extract_links(std::string_view text) {
  std::vector<std::string> links;
  std::size_t i = 0;
  while (i < text.size() && links.size() < kMaxLinks) {
    const std::size_t h = text.find_first_of("hH", i);
    if (h == std::string_view::npos) break;
    std::size_t scheme = 0;
    if (starts_with_ci(text.substr(h), "https://")) {
      scheme = 8;
    } else if (starts_with_ci(text.substr(h), "http://")) {
      scheme = 7;
    }
    if (scheme == 0 || (h > 0 && is_alnum(text[h - 1]))) {
      i = h + 1;
      continue;
    }
    std::size_t end = h + scheme;
    while (end < text.size() && !ends_link(text[end]) && unicode_space_at(text, end) == 0) ++end;
    add_link(links, trim_link(text.substr(h, end - h)));
    i = end;
  }
  return links;
}

void merge_links(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& l : from) add_link(to, l);
}

bool is_http_url(std::string_view url) {
  return (starts_with_ci(url, "https://") || starts_with_ci(url, "http://")) && has_host(url);
}

std::string file_name_from_url(std::string_view url) {
  const std::size_t end = url.find_first_of("?#");
  std::string_view path = url.substr(0, end);
  const std::size_t scheme = path.find("//");
  if (scheme != std::string_view::npos) {
    const std::size_t slash = path.find('/', scheme + 2);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  const std::size_t last = path.rfind('/');
  const std::string_view segment = last == std::string_view::npos ? path : path.substr(last + 1);
  std::string decoded;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    const auto hexval = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      const char l = lower(c);
      return (l >= 'a' && l <= 'f') ? l - 'a' + 10 : -1;
    };
    if (segment[i] == '%' && i + 2 < segment.size() && hexval(segment[i + 1]) >= 0 &&
        hexval(segment[i + 2]) >= 0) {
      decoded += static_cast<char>(hexval(segment[i + 1]) * 16 + hexval(segment[i + 2]));
      i += 2;
    } else {
      decoded += segment[i];
    }
  }
  std::string name = safe_file_name(decoded);
  if (name.find('.') == std::string::npos) name.clear();
  return name;
}

std::string safe_file_name(std::string_view name) {
  std::string clean;
  for (char c : sanitize_utf8(name)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) continue;
    clean += (c == '/' || c == '\\') ? '_' : c;
  }
  // No leading or trailing spaces or dots ("..", ". hidden").
  std::size_t b = 0, e = clean.size();
  while (b < e && (clean[b] == ' ' || clean[b] == '.')) ++b;
  while (e > b && (clean[e - 1] == ' ' || clean[e - 1] == '.')) --e;
  return truncate_utf8(std::string_view(clean).substr(b, e - b), 255);
}

// ---------------------------------------------------------------------------------------------
// HTML to text

namespace {

// HTML 4 names of U+00A0..U+00FF, in order.
constexpr std::array<std::string_view, 96> kLatin1Entities = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",   "uml",    "copy",
    "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",   "deg",    "plusmn", "sup2",   "sup3",
    "acute",  "micro",  "para",   "middot", "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12",
    "frac34", "iquest", "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil",
    "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc",  "Iuml",   "ETH",    "Ntilde",
    "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",   "times",  "Oslash", "Ugrave", "Uacute", "Ucirc",
    "Uuml",   "Yacute", "THORN",  "szlig",  "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",
    "aelig",  "ccedil", "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",
    "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide", "oslash", "ugrave",
    "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};

struct NamedEntity {
  std::string_view name;
  std::uint32_t cp;
};
constexpr NamedEntity kOtherEntities[] = {
    {"amp", 38},      {"lt", 60},       {"gt", 62},       {"quot", 34},     {"apos", 39},     {"ndash", 8211},
    {"mdash", 8212},  {"lsquo", 8216},  {"rsquo", 8217},  {"sbquo", 8218},  {"ldquo", 8220},  {"rdquo", 8221},
    {"bdquo", 8222},  {"hellip", 8230}, {"bull", 8226},   {"euro", 8364},   {"trade", 8482},  {"zwnj", 8204},
    {"zwj", 8205},    {"lrm", 8206},    {"rlm", 8207},    {"thinsp", 8201}, {"ensp", 8194},   {"emsp", 8195},
    {"dagger", 8224}, {"Dagger", 8225}, {"permil", 8240}, {"lsaquo", 8249}, {"rsaquo", 8250}, {"OElig", 338},
    {"oelig", 339},   {"Scaron", 352},  {"scaron", 353},  {"Yuml", 376},    {"fnof", 402},    {"circ", 710},
    {"tilde", 732},   {"AMP", 38},      {"LT", 60},       {"GT", 62},       {"QUOT", 34}};

// Decodes the character reference at s[i] == '&'. On success appends the character and returns the
// length consumed; returns 0 when it is not a reference (the caller keeps the '&').
std::size_t decode_entity(std::string_view s, std::size_t i, std::string& out) {
  std::size_t j = i + 1;
  if (j < s.size() && s[j] == '#') {
    ++j;
    bool hex = false;
    if (j < s.size() && (s[j] == 'x' || s[j] == 'X')) {
      hex = true;
      ++j;
    }
    const std::size_t digits_start = j;
    std::uint32_t cp = 0;
    bool overflow = false;
    while (j < s.size() && j - digits_start < 10) {
      const char c = s[j];
      std::uint32_t d;
      if (c >= '0' && c <= '9') {
        d = static_cast<std::uint32_t>(c - '0');
      } else if (hex && lower(c) >= 'a' && lower(c) <= 'f') {
        d = static_cast<std::uint32_t>(lower(c) - 'a' + 10);
      } else {
        break;
      }
      cp = cp * (hex ? 16u : 10u) + d;
      if (cp > 0x10FFFF) overflow = true;
      ++j;
    }
    if (j == digits_start) return 0;
    if (j < s.size() && s[j] == ';') ++j;
    append_utf8(out, overflow || (cp >= 0x80 && cp <= 0x9F) ? 0xFFFDu : cp);
    return j - i;
  }
  while (j < s.size() && j - i <= 8 && is_alnum(s[j])) ++j;
  if (j >= s.size() || s[j] != ';' || j == i + 1) return 0;
  const std::string_view name = s.substr(i + 1, j - i - 1);
  for (std::size_t k = 0; k < kLatin1Entities.size(); ++k) {
    if (kLatin1Entities[k] == name) {
      append_utf8(out, static_cast<std::uint32_t>(0xA0 + k));
      return j + 1 - i;
    }
  }
  for (const auto& e : kOtherEntities) {
    if (e.name == name) {
      append_utf8(out, e.cp);
      return j + 1 - i;
    }
  }
  return 0;
}

std::string decode_entities(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      const std::size_t used = decode_entity(s, i, out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// Case-insensitive search for `needle` (lower case, starting with '<') from `from`.
std::size_t find_ci(std::string_view s, std::string_view needle, std::size_t from) {
  for (std::size_t i = s.find(needle[0], from); i != std::string_view::npos; i = s.find(needle[0], i + 1)) {
    if (starts_with_ci(s.substr(i), needle)) return i;
  }
  return std::string_view::npos;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

class TextBuilder {
 public:
  void text(std::string_view s, bool pre) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '&') {
        std::string decoded;
        const std::size_t used = decode_entity(s, i, decoded);
        if (used > 0) {
          if (decoded == "\xC2\xA0") decoded = " ";  // a non-breaking space reads as a space
          for (char d : decoded) put(d);
          i += used - 1;
          continue;
        }
      }
      if (pre) {
        if (c == '\r') continue;
        if (c == '\n') {
          out_ += '\n';
          line_start_ = true;
          space_ = false;
          newlines_ = 0;  // preformatted text keeps its blank lines
          continue;
        }
        put(c);
        continue;
      }
      if (is_space(c)) {
        space_ = true;
        continue;
      }
      put(c);
    }
  }
  // Starts a new line unless at the start of one (block elements).
  void block() {
    trim_spaces();
    if (!out_.empty() && !line_start_) {
      out_ += '\n';
      newlines_ = 1;
    }
    line_start_ = true;
  }
  // A line break (br): at most one blank line in a row.
  void line_break() {
    trim_spaces();
    if (!out_.empty() && newlines_ < 2) {
      out_ += '\n';
      ++newlines_;
    }
    line_start_ = true;
  }
  void space() { space_ = true; }
  void literal(std::string_view s) {
    for (char c : s) put(c);
  }
  std::string finish() {
    while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ')) out_.pop_back();
    return std::move(out_);
  }

 private:
  void trim_spaces() {
    while (!out_.empty() && out_.back() == ' ' && !line_start_) out_.pop_back();
    space_ = false;
  }
  void put(char c) {
    if (space_ && !line_start_) out_ += ' ';
    space_ = false;
    line_start_ = false;
    newlines_ = 0;
    out_ += c;
  }
  std::string out_;
  bool space_ = false;
  bool line_start_ = true;
  int newlines_ = 0;
};

bool is_block(std::string_view tag) {
  static constexpr std::string_view kBlocks[] = {
      "p",        "div",    "li",     "tr",   "h1",     "h2",         "h3",         "h4",     "h5",
      "h6",       "br",     "hr",     "ul",   "ol",     "table",      "blockquote", "pre",    "section",
      "article",  "header", "footer", "dl",   "dt",     "dd",         "address",    "center", "form",
      "fieldset", "nav",    "aside",  "main", "figure", "figcaption", "caption",    "tbody",  "thead"};
  for (auto b : kBlocks) {
    if (b == tag) return true;
  }
  return false;
}

}  // namespace

std::string html_to_text(std::string_view html, std::vector<std::string>* hrefs) {
  TextBuilder b;
  int pre_depth = 0;
  std::size_t i = 0;
  const std::size_t n = html.size();
  while (i < n) {
    const std::size_t lt = html.find('<', i);
    const std::size_t text_end = lt == std::string_view::npos ? n : lt;
    if (text_end > i) b.text(html.substr(i, text_end - i), pre_depth > 0);
    if (lt == std::string_view::npos) break;
    i = lt;
    // Comments, doctype, processing instructions.
    if (html.substr(i, 4) == "<!--") {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? n : end + 3;
      continue;
    }
    if (i + 1 < n && (html[i + 1] == '!' || html[i + 1] == '?')) {
      const std::size_t end = html.find('>', i + 2);
      i = end == std::string_view::npos ? n : end + 1;
      continue;
    }
    std::size_t j = i + 1;
    const bool closing = j < n && html[j] == '/';
    if (closing) ++j;
    if (j >= n || !((html[j] >= 'a' && html[j] <= 'z') || (html[j] >= 'A' && html[j] <= 'Z'))) {
      b.text("<", pre_depth > 0);  // a lone '<' is text
      i = lt + 1;
      continue;
    }
    const std::size_t name_start = j;
    while (j < n && is_alnum(html[j])) ++j;
    std::string name;
    for (std::size_t k = name_start; k < j && k - name_start < 16; ++k) name += lower(html[k]);
    // Attributes, up to the closing '>' (quotes respected).
    std::string href;
    while (j < n && html[j] != '>') {
      if (is_space(html[j]) || html[j] == '/') {
        ++j;
        continue;
      }
      const std::size_t attr_start = j;
      while (j < n && !is_space(html[j]) && html[j] != '=' && html[j] != '>' && html[j] != '/') ++j;
      std::string attr;
      for (std::size_t k = attr_start; k < j && k - attr_start < 16; ++k) attr += lower(html[k]);
      while (j < n && is_space(html[j])) ++j;
      if (j < n && html[j] == '=') {
        ++j;
        while (j < n && is_space(html[j])) ++j;
        std::size_t value_start = j, value_end;
        if (j < n && (html[j] == '"' || html[j] == '\'')) {
          const char q = html[j];
          value_start = j + 1;
          const std::size_t close = html.find(q, value_start);
          value_end = close == std::string_view::npos ? n : close;
          j = close == std::string_view::npos ? n : close + 1;
        } else {
          while (j < n && !is_space(html[j]) && html[j] != '>') ++j;
          value_end = j;
        }
        if (attr == "href" && name == "a" && !closing && hrefs != nullptr) {
          href = decode_entities(html.substr(value_start, value_end - value_start));
        }
      } else if (j == attr_start) {
        ++j;  // a stray character such as a quote
      }
    }
    i = j < n ? j + 1 : n;
    if (!href.empty()) {
      std::string_view h = href;
      while (!h.empty() && is_space(h.front())) h.remove_prefix(1);
      while (!h.empty() && is_space(h.back())) h.remove_suffix(1);
      if ((starts_with_ci(h, "https://") || starts_with_ci(h, "http://")) &&
          std::none_of(h.begin(), h.end(), [](char c) { return ends_link(c); })) {
        add_link(*hrefs, h);
      }
    }
    // Elements whose content is not text.
    if (!closing && (name == "script" || name == "style" || name == "title" || name == "template" ||
                     name == "textarea" || name == "noscript")) {
      const std::size_t end = find_ci(html, "</" + name, i);
      if (end == std::string_view::npos) {
        i = n;
      } else {
        const std::size_t gt = html.find('>', end);
        i = gt == std::string_view::npos ? n : gt + 1;
      }
      continue;
    }
    if (name == "pre") pre_depth = closing ? std::max(0, pre_depth - 1) : pre_depth + 1;
    if (name == "td" || name == "th") {
      b.space();
    } else if (name == "li" && !closing) {
      b.block();
      b.literal("- ");
    } else if (name == "br") {
      b.line_break();
    } else if (is_block(name)) {
      b.block();
    }
  }
  return b.finish();
}

}  // namespace baove::intake
