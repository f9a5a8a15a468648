// RFC 5322 + MIME parsing (mail.hpp).
#include "intake/mail.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "intake/internal.hpp"

namespace baove::intake {

namespace {

constexpr std::size_t kMaxHeaders = 1000;  // per entity; more are ignored
constexpr std::size_t kMaxDefects = 50;
constexpr std::size_t kMaxBoundaryBytes = 200;
constexpr std::size_t kMaxAddressBytes = 320;
constexpr std::size_t kMaxEncodedWordText = 4096;  // RFC 2047 says 75 characters; mailers write more

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

// Whitespace runs (CR and LF included) as one space, ends trimmed.
std::string collapse_ws(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (is_ws(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Transfer encodings

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Lenient base64: whitespace skipped; other stray characters skipped (`bad`); '=' ends a group; a
// group cut after one character is dropped (`bad`).
std::string decode_base64(std::string_view in, bool& bad) {
  std::string out;
  out.reserve(in.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0, chars = 0;
  for (char c : in) {
    const int v = base64_value(c);
    if (v >= 0) {
      acc = (acc << 6) | static_cast<std::uint32_t>(v);
      bits += 6;
      ++chars;
      if (bits >= 8) {
        bits -= 8;
        out += static_cast<char>((acc >> bits) & 0xFF);
      }
      acc &= (1u << bits) - 1;
      continue;
    }
    if (c == '=') {
      if (chars % 4 == 1) bad = true;
      acc = 0;
      bits = 0;
      chars = 0;
      continue;
    }
    if (!is_ws(c)) bad = true;
  }
  if (chars % 4 == 1) bad = true;
  return out;
}

// Quoted-printable (RFC 2045 6.7): soft line breaks removed, =XX decoded, trailing whitespace
// of lines dropped; a bad escape is kept as written (`bad`). Line ends become `eol`.
std::string decode_qp(std::string_view in, std::string_view eol, bool& bad) {
  std::string out;
  out.reserve(in.size());
  std::size_t pos = 0;
  while (pos <= in.size()) {
    const std::size_t nl = in.find('\n', pos);
    const bool last = nl == std::string_view::npos;
    std::string_view line = in.substr(pos, last ? in.npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && is_wsp(line.back())) line.remove_suffix(1);
    bool soft = false;
    if (!line.empty() && line.back() == '=') {
      soft = true;
      line.remove_suffix(1);
    }
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '=') {
        const int hi = i + 1 < line.size() ? hex_value(line[i + 1]) : -1;
        const int lo = i + 2 < line.size() ? hex_value(line[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
          out += static_cast<char>(hi * 16 + lo);
          i += 2;
          continue;
        }
        bad = true;
      }
      out += line[i];
    }
    if (last) break;
    if (!soft) out += eol;
    pos = nl + 1;
  }
  return out;
}

// "\r\n" and lone "\r" as "\n".
std::string normalize_eol(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Headers

struct Header {
  std::string name;  // lower case
  std::string value;
};

struct Entity {
  std::vector<Header> headers;
  std::string_view body;
  bool missing_separator = false;  // a non-header line ended the header block

  const std::string* get(std::string_view name) const {
    for (const auto& h : headers) {
      if (h.name == name) return &h.value;
    }
    return nullptr;
  }
};

bool valid_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
  }
  return true;
}

Entity parse_entity(std::string_view data) {
  Entity e;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const std::size_t nl = data.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? data.size() : nl;
    std::string_view line = data.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t next = nl == std::string_view::npos ? data.size() : nl + 1;
    if (line.empty()) {
      e.body = data.substr(next);
      return e;
    }
    if (is_wsp(line[0])) {
      if (!e.headers.empty() && e.headers.size() <= kMaxHeaders) e.headers.back().value.append(line);
      pos = next;
      continue;
    }
    const std::size_t colon = line.find(':');
    std::string_view name = colon == std::string_view::npos ? std::string_view() : line.substr(0, colon);
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
    if (!valid_field_name(name)) {
      e.missing_separator = true;
      e.body = data.substr(pos);
      return e;
    }
    if (e.headers.size() < kMaxHeaders) {
      e.headers.push_back(Header{ascii_lower(name), std::string(line.substr(colon + 1))});
    } else if (e.headers.size() == kMaxHeaders) {
      e.headers.push_back(Header{"", ""});  // a sentinel: later continuations are ignored
    }
    pos = next;
  }
  e.body = std::string_view();
  return e;
}

// ---------------------------------------------------------------------------------------------
// RFC 2047 encoded words

struct EncodedWord {
  std::string charset;
  std::string bytes;
  std::size_t length = 0;  // characters consumed from the input
};

std::optional<EncodedWord> read_encoded_word(std::string_view s, std::size_t i) {
  // =?charset?B?text?=
  if (s.substr(i, 2) != "=?") return std::nullopt;
  // Searches are bounded so that a header full of "=?" stays linear.
  const std::size_t q1 = s.substr(0, std::min(s.size(), i + 82)).find('?', i + 2);
  if (q1 == std::string_view::npos || q1 == i + 2) return std::nullopt;
  if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::nullopt;
  const char enc = s[q1 + 1];
  if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return std::nullopt;
  const std::size_t text_start = q1 + 3;
  // The encoded text holds no '?' and no whitespace: the first of those must start "?=".
  std::size_t close = text_start;
  const std::size_t limit = std::min(s.size(), text_start + kMaxEncodedWordText);
  while (close < limit && s[close] != '?' && !is_ws(s[close])) ++close;
  if (close + 1 >= s.size() || s[close] != '?' || s[close + 1] != '=') return std::nullopt;
  const std::string_view text = s.substr(text_start, close - text_start);
  std::string_view charset = s.substr(i + 2, q1 - i - 2);
  if (const std::size_t star = charset.find('*'); star != std::string_view::npos)
    charset = charset.substr(0, star);
  for (char c : charset) {
    if (is_ws(c)) return std::nullopt;
  }
  EncodedWord w;
  w.charset = std::string(charset);
  w.length = close + 2 - i;
  if (enc == 'B' || enc == 'b') {
    bool bad = false;
    w.bytes = decode_base64(text, bad);
  } else {
    for (std::size_t k = 0; k < text.size(); ++k) {
      const char c = text[k];
      if (c == '_') {
        w.bytes += ' ';
      } else if (c == '=') {
        const int hi = k + 1 < text.size() ? hex_value(text[k + 1]) : -1;
        const int lo = k + 2 < text.size() ? hex_value(text[k + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
          w.bytes += static_cast<char>(hi * 16 + lo);
          k += 2;
        } else {
          w.bytes += c;
        }
      } else {
        w.bytes += c;
      }
    }
  }
  return w;
}

}  // namespace

std::string decode_header_words(std::string_view value) {
  std::string out;
  std::string pending, pending_charset;  // decoded bytes of adjacent words in one charset
  const auto flush = [&] {
    if (!pending.empty()) out += charset_to_utf8(pending, pending_charset);
    pending.clear();
  };
  const auto all_ws = [](std::string_view t) { return std::all_of(t.begin(), t.end(), is_ws); };
  std::size_t i = 0, plain_start = 0;
  bool after_word = false;
  while (i < value.size()) {
    if (value[i] == '=' && i + 1 < value.size() && value[i + 1] == '?') {
      if (auto w = read_encoded_word(value, i)) {
        // Whitespace between two encoded words is dropped (their bytes are joined, so a character
        // split between them survives); any other text between them is kept.
        const std::string_view between = value.substr(plain_start, i - plain_start);
        if (!(after_word && all_ws(between)) && !between.empty()) {
          flush();
          out += sanitize_utf8(between);
        }
        if (!pending.empty() && ascii_lower(w->charset) != ascii_lower(pending_charset)) flush();
        pending_charset = w->charset;
        pending += w->bytes;
        i += w->length;
        plain_start = i;
        after_word = true;
        continue;
      }
    }
    ++i;
  }
  flush();
  out += sanitize_utf8(value.substr(plain_start));
  return out;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Parameters (RFC 2045, RFC 2231)

struct HeaderValue {
  std::string value;                          // lower-case main value ("multipart/mixed")
  std::map<std::string, std::string> params;  // lower-case names; values decoded to UTF-8
};

// Reads one token or quoted string from s[i]; stops at ';' outside quotes.
std::string read_param_value(std::string_view s, std::size_t& i) {
  while (i < s.size() && is_ws(s[i])) ++i;
  std::string v;
  if (i < s.size() && s[i] == '"') {
    ++i;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      v += s[i++];
    }
    if (i < s.size()) ++i;  // closing quote
    while (i < s.size() && s[i] != ';') ++i;
    return v;
  }
  while (i < s.size() && s[i] != ';') v += s[i++];
  return std::string(trim(v));
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      const int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

HeaderValue parse_header_value(std::string_view s) {
  HeaderValue hv;
  std::size_t i = 0;
  // The main value, up to the first ';'.
  const std::size_t semi = s.find(';');
  hv.value = ascii_lower(trim(s.substr(0, semi)));
  if (semi == std::string_view::npos) return hv;
  i = semi + 1;
  struct Section {
    std::string text;
    bool extended = false;
  };
  std::map<std::string, std::map<int, Section>> continued;  // RFC 2231 sections by name
  std::map<std::string, std::string> extended_single;       // name*=charset'lang'value
  while (i < s.size()) {
    while (i < s.size() && (is_ws(s[i]) || s[i] == ';')) ++i;
    const std::size_t name_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
    const std::string name = ascii_lower(trim(s.substr(name_start, i - name_start)));
    if (i >= s.size() || s[i] != '=') continue;  // a name without a value
    ++i;
    std::string value = read_param_value(s, i);
    if (name.empty() || name.size() > 80) continue;
    const std::size_t star = name.find('*');
    if (star == std::string::npos) {
      hv.params.emplace(name, std::move(value));
      continue;
    }
    const std::string base = name.substr(0, star);
    std::string_view rest = std::string_view(name).substr(star + 1);
    if (rest.empty()) {
      extended_single[base] = std::move(value);
      continue;
    }
    bool extended = false;
    if (rest.back() == '*') {
      extended = true;
      rest.remove_suffix(1);
    }
    int index = 0;
    const auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
    if (ec != std::errc() || p != rest.data() + rest.size() || index < 0 || index > 99) continue;
    auto& sections = continued[base];
    if (sections.size() < 100) sections[index] = Section{std::move(value), extended};
  }
  // charset'language'percent-encoded, to UTF-8.
  const auto decode_extended = [](std::string_view v, bool has_charset) {
    std::string charset;
    if (has_charset) {
      const std::size_t q1 = v.find('\'');
      const std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
      if (q2 != std::string_view::npos) {
        charset = std::string(v.substr(0, q1));
        v = v.substr(q2 + 1);
      }
    }
    return std::make_pair(charset, percent_decode(v));
  };
  for (auto& [base, sections] : continued) {
    std::string bytes, charset;
    int expect = 0;
    for (auto& [index, section] : sections) {
      if (index != expect++) break;  // a gap ends the value
      if (section.extended) {
        auto [cs, decoded] = decode_extended(section.text, index == 0);
        if (index == 0) charset = cs;
        bytes += decoded;
      } else {
        bytes += section.text;
      }
    }
    hv.params[base] = charset_to_utf8(bytes, charset.empty() ? "utf-8" : charset);
  }
  for (auto& [base, v] : extended_single) {
    auto [cs, decoded] = decode_extended(v, true);
    hv.params[base] = charset_to_utf8(decoded, cs.empty() ? "utf-8" : cs);
  }
  return hv;
}

// ---------------------------------------------------------------------------------------------
// Addresses and dates

std::string first_address(std::string_view from) {
  std::string bare;  // the text outside comments and quoted strings
  std::string angle;
  bool in_quote = false, in_angle = false, have_angle = false;
  int comment = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    const char c = from[i];
    if (in_quote) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_quote = false;
      }
      continue;
    }
    if (comment > 0) {
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++comment;
      } else if (c == ')') {
        --comment;
      }
      continue;
    }
    if (in_angle) {
      if (c == '>') {
        in_angle = false;
        have_angle = true;
      } else {
        angle += c;
      }
      continue;
    }
    if (c == '"') {
      in_quote = true;
    } else if (c == '(') {
      comment = 1;
    } else if (c == '<' && !have_angle) {
      in_angle = true;
      angle.clear();
    } else if (c == ',' || c == ';') {
      if (have_angle || bare.find('@') != std::string::npos) break;
      bare.clear();  // a group name or an empty entry
    } else if (c == ':') {
      bare.clear();  // "group: addr, ..."
    } else {
      bare += c;
    }
  }
  std::string addr = std::string(trim(have_angle ? std::string_view(angle) : std::string_view(bare)));
  // A source route "@a,@b:user@host" keeps only the address.
  if (const std::size_t colon = addr.rfind(':'); colon != std::string::npos) addr = addr.substr(colon + 1);
  if (addr.empty() || addr.size() > kMaxAddressBytes || addr.find('@') == std::string::npos) return {};
  for (char c : addr) {
    if (is_ws(c) || static_cast<unsigned char>(c) < 0x20) return {};
  }
  return ascii_lower(sanitize_utf8(addr));
}

std::string message_id_of(const std::string* header, std::string_view raw) {
  std::string id;
  if (header != nullptr) {
    std::string_view v = trim(*header);
    const std::size_t lt = v.find('<');
    if (lt != std::string_view::npos) {
      const std::size_t gt = v.find('>', lt + 1);
      v = v.substr(lt + 1, gt == std::string_view::npos ? v.npos : gt - lt - 1);
    }
    for (char c : sanitize_utf8(v)) {
      if (!is_ws(c)) id += c;
    }
  }
  if (id.empty()) return "sha256:" + hex(sha256(raw));
  if (id.size() > kMaxExternalIdBytes) return "sha256:" + hex(sha256(id));
  return id;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<int> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::int64_t> parse_mail_date(std::string_view value) {
  // Drop comments, split on whitespace and commas.
  std::string clean;
  int comment = 0;
  for (char c : value) {
    if (c == '(') {
      ++comment;
    } else if (c == ')') {
      if (comment > 0) --comment;
    } else if (comment == 0) {
      clean += (c == ',' || is_ws(c)) ? ' ' : c;
    }
  }
  std::vector<std::string_view> tok;
  std::string_view rest = clean;
  while (!rest.empty() && tok.size() < 12) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const std::size_t sp = rest.find(' ');
    const std::string_view t = rest.substr(0, sp);
    if (!t.empty()) tok.push_back(t);
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp);
  }
  std::size_t k = 0;
  static constexpr std::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  if (k < tok.size() && tok[k].size() >= 3 &&
      std::find(std::begin(kDays), std::end(kDays), ascii_lower(tok[k].substr(0, 3))) != std::end(kDays)) {
    ++k;
  }
  if (tok.size() < k + 4) return std::nullopt;
  const auto day = parse_int(tok[k]);
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (tok[k + 1].size() < 3) return std::nullopt;
  const std::string mon = ascii_lower(tok[k + 1].substr(0, 3));
  const auto mit = std::find(std::begin(kMonths), std::end(kMonths), mon);
  auto year = parse_int(tok[k + 2]);
  if (!day || mit == std::end(kMonths) || !year) return std::nullopt;
  if (tok[k + 2].size() == 2) {
    *year += *year < 50 ? 2000 : 1900;
  } else if (tok[k + 2].size() == 3) {
    *year += 1900;
  }
  // hh:mm[:ss]
  const std::string_view time = tok[k + 3];
  const std::size_t c1 = time.find(':');
  if (c1 == std::string_view::npos) return std::nullopt;
  const std::size_t c2 = time.find(':', c1 + 1);
  const auto hour = parse_int(time.substr(0, c1));
  const auto minute = parse_int(time.substr(c1 + 1, c2 == std::string_view::npos ? time.npos : c2 - c1 - 1));
  const auto second = c2 == std::string_view::npos ? std::optional<int>(0) : parse_int(time.substr(c2 + 1));
  const auto month = static_cast<unsigned>(mit - std::begin(kMonths) + 1);
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (!hour || !minute || !second || *day < 1 || *day > kMonthDays[month - 1] || *year < 1970 ||
      *year > 9999 || *hour > 23 || *minute > 59 || *second > 60 || *hour < 0 || *minute < 0 || *second < 0) {
    return std::nullopt;
  }
  // Zone: +hhmm / -hhmm, or an obsolete name; unknown and missing zones count as UTC.
  int offset_min = 0;
  if (k + 4 < tok.size()) {
    const std::string_view z = tok[k + 4];
    if (z.size() == 5 && (z[0] == '+' || z[0] == '-')) {
      const auto hhmm = parse_int(z.substr(1));
      if (hhmm && z.substr(1).find_first_not_of("0123456789") == std::string_view::npos) {
        offset_min = (*hhmm / 100) * 60 + *hhmm % 100;
        if (z[0] == '-') offset_min = -offset_min;
      }
    } else {
      static constexpr std::pair<std::string_view, int> kZones[] = {
          {"ut", 0},        {"utc", 0},       {"gmt", 0},       {"z", 0},
          {"est", -5 * 60}, {"edt", -4 * 60}, {"cst", -6 * 60}, {"cdt", -5 * 60},
          {"mst", -7 * 60}, {"mdt", -6 * 60}, {"pst", -8 * 60}, {"pdt", -7 * 60}};
      const std::string lz = ascii_lower(z);
      for (const auto& [name, off] : kZones) {
        if (name == lz) offset_min = off;
      }
    }
  }
  const std::int64_t days = days_from_civil(*year, month, static_cast<unsigned>(*day));
  const std::int64_t seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_min * 60;
  return seconds * 1000;
}

namespace {

// ---------------------------------------------------------------------------------------------
// The MIME walk

struct TextPiece {
  std::string text;
  bool from_html = false;
};

struct Collected {
  std::vector<TextPiece> texts;
  std::vector<MailAttachment> attachments;
  std::vector<std::string> hrefs;
};

class Walker {
 public:
  explicit Walker(std::vector<std::string>& defects) : defects_(defects) {}

  Status walk(const Entity& e, int depth, std::string_view default_type, Collected& out) {
    if (depth > kMaxMimeDepth) {
      return make_error(ErrorCode::limit_exceeded,
                        "MIME parts nested deeper than " + std::to_string(kMaxMimeDepth));
    }
    if (++parts_ > kMaxMimeParts) {
      return make_error(ErrorCode::limit_exceeded,
                        "more than " + std::to_string(kMaxMimeParts) + " MIME parts");
    }
    const std::size_t part = parts_;
    if (e.missing_separator) defect(part, "no blank line after the headers");
    const std::string* ct_header = e.get("content-type");
    HeaderValue ct = ct_header != nullptr ? parse_header_value(*ct_header) : HeaderValue{};
    if (ct.value.empty() || ct.value.find('/') == std::string::npos) {
      if (ct_header != nullptr) defect(part, "unreadable Content-Type");
      ct.value = std::string(default_type);
    }
    const std::string type = ct.value;

    if (type.starts_with("multipart/")) {
      const auto b = ct.params.find("boundary");
      if (b == ct.params.end() || b->second.empty() || b->second.size() > kMaxBoundaryBytes) {
        defect(part, "multipart without a usable boundary");
        out.texts.push_back(TextPiece{normalize_eol(charset_to_utf8(e.body, "utf-8")), false});
        return {};
      }
      const std::vector<std::string_view> children = split(e.body, b->second, part);
      const std::string_view child_default = type == "multipart/digest" ? "message/rfc822" : "text/plain";
      if (type == "multipart/alternative") return alternative(children, depth, child_default, out);
      for (std::string_view c : children) BAOVE_TRY(walk(parse_entity(c), depth + 1, child_default, out));
      return {};
    }

    const std::string* cte_header = e.get("content-transfer-encoding");
    const std::string cte = cte_header != nullptr ? ascii_lower(trim(*cte_header)) : std::string();
    const bool is_text = type == "text/plain" || type == "text/html";
    const std::string* cd_header = e.get("content-disposition");
    const HeaderValue cd = cd_header != nullptr ? parse_header_value(*cd_header) : HeaderValue{};
    std::string name;
    if (auto f = cd.params.find("filename"); f != cd.params.end()) name = f->second;
    if (name.empty()) {
      if (auto n = ct.params.find("name"); n != ct.params.end()) name = n->second;
    }
    name = safe_file_name(decode_header_words(name));
    const bool attachment = !is_text || cd.value == "attachment" || !name.empty();
    std::string bytes = decode_body(e.body, cte, is_text && !attachment, part);

    if (attachment) {
      if (type == "message/rfc822" && name.empty()) name = "message.eml";
      out.attachments.push_back(MailAttachment{std::move(name), type, std::move(bytes)});
      return {};
    }
    const auto cs = ct.params.find("charset");
    std::string text = normalize_eol(charset_to_utf8(bytes, cs == ct.params.end() ? "us-ascii" : cs->second));
    if (type == "text/html") {
      out.texts.push_back(TextPiece{html_to_text(text, &out.hrefs), true});
    } else {
      out.texts.push_back(TextPiece{std::move(text), false});
    }
    return {};
  }

 private:
  void defect(std::size_t part, const std::string& what) {
    if (defects_.size() < kMaxDefects) defects_.push_back("part " + std::to_string(part) + ": " + what);
  }

  std::string decode_body(std::string_view body, const std::string& cte, bool text, std::size_t part) {
    bool bad = false;
    std::string out;
    if (cte == "base64") {
      out = decode_base64(body, bad);
      if (bad) defect(part, "invalid base64");
    } else if (cte == "quoted-printable") {
      out = decode_qp(body, text ? "\n" : "\r\n", bad);
      if (bad) defect(part, "invalid quoted-printable escape");
    } else {
      if (!cte.empty() && cte != "7bit" && cte != "8bit" && cte != "binary") {
        defect(part, "unknown Content-Transfer-Encoding kept as is");
      }
      out = std::string(body);
    }
    return out;
  }

  // The bodies of the parts of a multipart body with `boundary`.
  std::vector<std::string_view> split(std::string_view body, std::string_view boundary, std::size_t part) {
    const std::string delim = "--" + std::string(boundary);
    std::vector<std::string_view> parts;
    std::size_t search = 0;
    std::size_t part_start = std::string_view::npos;  // where the current part's content begins
    bool closed = false;
    while (search < body.size()) {
      const std::size_t at = body.find(delim, search);
      if (at == std::string_view::npos) break;
      search = at + 1;
      if (at != 0 && body[at - 1] != '\n') continue;  // not at the start of a line
      std::size_t after = at + delim.size();
      const bool close = body.substr(after, 2) == "--";
      if (close) after += 2;
      // The rest of the delimiter line may only be whitespace.
      std::size_t eol = body.find('\n', after);
      const std::string_view tail =
          body.substr(after, eol == std::string_view::npos ? body.npos : eol - after);
      if (!std::all_of(tail.begin(), tail.end(), [](char c) { return is_ws(c); })) continue;
      if (part_start != std::string_view::npos) {
        // The line break before the delimiter belongs to the delimiter.
        std::size_t end = at;
        if (end > part_start && body[end - 1] == '\n') --end;
        if (end > part_start && body[end - 1] == '\r') --end;
        parts.push_back(body.substr(part_start, end - part_start));
      }
      if (close) {
        closed = true;
        part_start = std::string_view::npos;
        break;
      }
      part_start = eol == std::string_view::npos ? body.size() : eol + 1;
      search = part_start;
    }
    if (!closed) {
      if (part_start != std::string_view::npos) {
        parts.push_back(body.substr(part_start));
        defect(part, "multipart without its closing boundary");
      } else if (parts.empty()) {
        defect(part, "multipart without any boundary line");
      }
    }
    return parts;
  }

  Status alternative(const std::vector<std::string_view>& children, int depth, std::string_view child_default,
                     Collected& out) {
    std::vector<Collected> alts(children.size());
    for (std::size_t i = 0; i < children.size(); ++i) {
      BAOVE_TRY(walk(parse_entity(children[i]), depth + 1, child_default, alts[i]));
    }
    // The first alternative with plain text, else the last with any text.
    std::optional<std::size_t> chosen;
    for (std::size_t i = 0; i < alts.size() && !chosen; ++i) {
      for (const auto& t : alts[i].texts) {
        if (!t.from_html) chosen = i;
      }
    }
    for (std::size_t i = alts.size(); i-- > 0 && !chosen;) {
      if (!alts[i].texts.empty()) chosen = i;
    }
    for (std::size_t i = 0; i < alts.size(); ++i) {
      if (chosen && *chosen == i) {
        for (auto& t : alts[i].texts) out.texts.push_back(std::move(t));
      }
      for (auto& a : alts[i].attachments) out.attachments.push_back(std::move(a));
      merge_links(out.hrefs, alts[i].hrefs);
    }
    return {};
  }

  std::vector<std::string>& defects_;
  std::size_t parts_ = 0;
};

std::string attachment_kind(std::string_view content_type) {
  if (content_type.starts_with("image/")) return "image";
  if (content_type.starts_with("video/")) return "video";
  if (content_type.starts_with("audio/")) return "audio";
  if (content_type == "message/rfc822") return "email";
  return "file";
}

}  // namespace

Result<MailMessage> parse_mail(std::string_view raw) {
  if (raw.empty()) return make_error(ErrorCode::invalid_argument, "empty e-mail message");
  if (raw.size() > kMaxMailBytes) {
    return make_error(ErrorCode::limit_exceeded,
                      "e-mail message larger than " + std::to_string(kMaxMailBytes / (1024 * 1024)) + " MiB");
  }
  std::string_view data = raw;
  if (data.starts_with("From ")) {  // an mbox separator line
    const std::size_t nl = data.find('\n');
    data = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
  }
  const Entity top = parse_entity(data);
  if (top.headers.empty()) return make_error(ErrorCode::corrupt, "not an e-mail message: no header field");

  MailMessage m;
  Collected c;
  Walker walker(m.defects);
  BAOVE_TRY(walker.walk(top, 0, "text/plain", c));

  m.message_id = message_id_of(top.get("message-id"), raw);
  if (const std::string* from = top.get("from")) m.from_address = first_address(*from);
  if (const std::string* subject = top.get("subject")) m.subject = collapse_ws(decode_header_words(*subject));
  if (const std::string* date = top.get("date")) {
    if (auto ms = parse_mail_date(*date)) {
      m.sent_at_ms = *ms;
    } else if (m.defects.size() < kMaxDefects) {
      m.defects.emplace_back("unreadable Date");
    }
  }
  for (auto& t : c.texts) {
    std::string_view piece = trim(t.text);
    if (piece.empty()) continue;
    if (!m.text.empty()) m.text += "\n\n";
    m.text += piece;
  }
  m.links = extract_links(m.subject);
  merge_links(m.links, extract_links(m.text));
  merge_links(m.links, c.hrefs);
  m.attachments = std::move(c.attachments);
  return m;
}

ChannelMessage to_channel_message(const MailMessage& mail) {
  ChannelMessage c;
  c.channel = "email";
  // The sender chooses the Message-ID: keyed with the sender's address, so that a message forged
  // with someone else's Message-ID is not taken for theirs and dropped as seen before.
  c.external_id = "mail:" + hex(sha256(mail.from_address + '\n' + mail.message_id));
  c.sender_id = mail.from_address;
  c.sent_at_ms = mail.sent_at_ms;
  std::string text = mail.subject;
  if (!mail.text.empty()) {
    if (!text.empty()) text += "\n\n";
    text += mail.text;
  }
  c.text = truncate_utf8(text, kMaxTextBytes);
  c.links = mail.links;
  for (const auto& a : mail.attachments)
    c.attachments.push_back(Attachment{"", attachment_kind(a.content_type), a.name});
  return c;
}

}  // namespace baove::intake
