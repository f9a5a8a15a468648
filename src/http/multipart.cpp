#include "http/multipart.hpp"

#include <string.h>  // memmem, memrchr (GNU)
#include <algorithm>
#include <cstring>

#include "http/http.hpp"

namespace baove::http {

namespace {

constexpr std::size_t kMaxBoundary = 70;

bool is_space(char c) { return c == ' ' || c == '\t'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 7230 tchar: the characters of header names and parameter names.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

// RFC 2046 bchars.
bool valid_boundary(std::string_view b) {
  if (b.empty() || b.size() > kMaxBoundary || b.back() == ' ') return false;
  for (const char c : b) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c != '\0' && std::strchr("'()+_,-./:=? ", c) != nullptr);
    if (!ok) return false;
  }
  return true;
}

Error invalid(const char* message) { return make_error(ErrorCode::invalid_argument, message); }

struct Param {
  std::string name;  // lower case
  std::string value;
};

// Parameters after a header value's first item: *( OWS ";" OWS name OWS "=" OWS value ), a value
// being a token-like run up to the next ';' or a quoted string. In a quoted string a backslash
// escapes only '"' and '\' and is otherwise kept, since browsers send Windows paths unescaped.
Result<std::vector<Param>> parse_params(std::string_view s, const char* what) {
  std::vector<Param> params;
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < s.size() && is_space(s[i])) ++i;
  };
  while (true) {
    skip_space();
    if (i == s.size()) return params;
    if (s[i] != ';') return make_error(ErrorCode::invalid_argument, std::string("malformed ") + what);
    ++i;
    skip_space();
    if (i == s.size()) return params;  // a trailing ';'
    const std::size_t name_start = i;
    while (i < s.size() && is_tchar(s[i])) ++i;
    if (i == name_start) return make_error(ErrorCode::invalid_argument, std::string("malformed ") + what);
    Param p;
    p.name = lowered(s.substr(name_start, i - name_start));
    skip_space();
    if (i == s.size() || s[i] != '=') {
      return make_error(ErrorCode::invalid_argument, std::string("malformed ") + what);
    }
    ++i;
    skip_space();
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        const char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < s.size() && (s[i] == '"' || s[i] == '\\')) {
          p.value += s[i++];
        } else {
          p.value += c;
        }
      }
      if (!closed) {
        return make_error(ErrorCode::invalid_argument, std::string("unterminated quoted string in ") + what);
      }
    } else {
      const std::size_t start = i;
      while (i < s.size() && s[i] != ';') ++i;
      p.value = std::string(trim(s.substr(start, i - start)));
    }
    for (const auto& q : params) {
      if (q.name == p.name) {
        return make_error(ErrorCode::invalid_argument, std::string("repeated parameter in ") + what);
      }
    }
    params.push_back(std::move(p));
  }
}

// RFC 5987 ext-value: charset "'" [language] "'" percent-encoded bytes. nullopt for a charset other
// than UTF-8 or ISO-8859-1 (the plain filename is used then); ISO-8859-1 is converted to UTF-8.
Result<std::optional<std::string>> decode_ext_value(std::string_view v) {
  const auto q1 = v.find('\'');
  const auto q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return invalid("malformed filename* in Content-Disposition");
  const std::string_view charset = v.substr(0, q1);
  auto decoded = percent_decode(v.substr(q2 + 1), false);
  if (!decoded) return invalid("malformed percent escape in filename* of Content-Disposition");
  if (iequals(charset, "utf-8")) return std::optional<std::string>(std::move(*decoded));
  if (iequals(charset, "iso-8859-1")) {
    std::string out;
    for (const char c : *decoded) {
      const auto b = static_cast<unsigned char>(c);
      if (b < 0x80) {
        out += c;
      } else {
        out += static_cast<char>(0xC0 | (b >> 6));
        out += static_cast<char>(0x80 | (b & 0x3F));
      }
    }
    return std::optional<std::string>(std::move(out));
  }
  return std::optional<std::string>();
}

Status parse_disposition(std::string_view value, PartHeader& part) {
  const auto semi = value.find(';');
  if (!iequals(trim(value.substr(0, semi)), "form-data")) {
    return invalid("Content-Disposition of a part is not form-data");
  }
  auto params = parse_params(semi == std::string_view::npos ? std::string_view() : value.substr(semi),
                             "Content-Disposition");
  if (!params) return params.error();
  bool named = false;
  std::optional<std::string> ext_filename;
  for (auto& p : *params) {
    if (p.name == "name") {
      part.name = std::move(p.value);
      named = true;
    } else if (p.name == "filename") {
      part.filename = std::move(p.value);
    } else if (p.name == "filename*") {
      auto decoded = decode_ext_value(p.value);
      if (!decoded) return decoded.error();
      ext_filename = std::move(*decoded);
    }
  }
  if (!named) return invalid("part without a name in Content-Disposition");
  if (ext_filename) part.filename = std::move(ext_filename);
  return {};
}

// Header field values may hold any byte but control characters (HTAB excepted).
bool valid_value(std::string_view v) {
  for (const char c : v) {
    const auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && c != '\t') || b == 0x7F) return false;
  }
  return true;
}

// The lines of a part's header block (CRLF-separated, without the blank line), unfolded.
Result<PartHeader> parse_part_headers(std::string_view block) {
  std::vector<std::pair<std::string, std::string>> fields;
  while (!block.empty()) {
    const auto end = block.find("\r\n");
    const std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view() : block.substr(end + 2);
    if (!valid_value(line)) return invalid("control character in a part header");
    if (is_space(line.front())) {  // a folded continuation line; never empty here
      if (fields.empty()) return invalid("part header block starts with a continuation line");
      const std::string_view more = trim(line);
      if (!more.empty()) {
        if (!fields.back().second.empty()) fields.back().second += ' ';
        fields.back().second += more;
      }
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return invalid("malformed part header line");
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_tchar)) return invalid("malformed part header name");
    fields.emplace_back(lowered(name), std::string(trim(line.substr(colon + 1))));
  }
  PartHeader part;
  bool disposition = false;
  bool type = false;
  for (auto& [name, value] : fields) {
    // Folding can leave trailing blanks from an empty continuation.
    const std::string_view v = trim(value);
    if (name == "content-disposition") {
      if (disposition) return invalid("repeated Content-Disposition in a part");
      disposition = true;
      BAOVE_TRY(parse_disposition(v, part));
    } else if (name == "content-type") {
      if (type) return invalid("repeated Content-Type in a part");
      type = true;
      part.content_type = lowered(v);
    }
  }
  if (!disposition) return invalid("part without Content-Disposition");
  return part;
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data")) {
    return invalid("Content-Type is not multipart/form-data");
  }
  auto params = parse_params(semi == std::string_view::npos ? std::string_view() : content_type.substr(semi),
                             "Content-Type");
  if (!params) return params.error();
  for (auto& p : *params) {
    if (p.name != "boundary") continue;
    if (!valid_boundary(p.value)) return invalid("invalid multipart boundary");
    return std::move(p.value);
  }
  return invalid("multipart Content-Type without a boundary");
}

MultipartParser::MultipartParser(std::string boundary, Callbacks callbacks)
    : MultipartParser(std::move(boundary), std::move(callbacks), Limits{}) {}

MultipartParser::MultipartParser(std::string boundary, Callbacks callbacks, Limits limits)
    : delimiter_("\r\n--" + boundary), callbacks_(std::move(callbacks)), limits_(limits) {
  if (!valid_boundary(boundary)) error_ = invalid("invalid multipart boundary");
  // The first delimiter may open the body: scan as if a CRLF came before it.
  held_ = "\r\n";
}

Status MultipartParser::fail(Error error) {
  error_ = error;
  return error;
}

Status MultipartParser::fail(ErrorCode code, const char* message) { return fail(make_error(code, message)); }

Status MultipartParser::emit(std::span<const std::uint8_t> bytes) {
  if (state_ != State::body || bytes.empty() || !callbacks_.on_part_data) return {};
  return callbacks_.on_part_data(bytes);
}

Result<std::size_t> MultipartParser::scan(std::span<const std::uint8_t> bytes) {
  const std::uint8_t* p = bytes.data();
  const std::size_t n = bytes.size();
  const std::size_t dlen = delimiter_.size();
  std::size_t used = 0;
  // A delimiter begun at the end of the last feed: complete it or give the held bytes back as data.
  // They hold a CR only at their start (bchars exclude CR), so no later match starts inside them.
  if (!held_.empty()) {
    const std::size_t want = dlen - held_.size();
    const std::size_t take = std::min(want, n);
    if (std::memcmp(p, delimiter_.data() + held_.size(), take) == 0) {
      if (take < want) {
        held_.append(reinterpret_cast<const char*>(p), take);
        return n;
      }
      used = take;
    } else {
      const std::string held = std::move(held_);
      held_.clear();
      BAOVE_TRY(emit(std::span(reinterpret_cast<const std::uint8_t*>(held.data()), held.size())));
    }
  }
  if (used == 0) {
    const void* found = ::memmem(p, n, delimiter_.data(), dlen);
    if (found == nullptr) {
      // Keep back a tail that may begin a delimiter: only the last CR within dlen - 1 bytes can.
      const std::size_t tail = n > dlen - 1 ? n - (dlen - 1) : 0;
      const void* cr = ::memrchr(p + tail, '\r', n - tail);
      std::size_t data_end = n;
      if (cr != nullptr) {
        const auto j = static_cast<std::size_t>(static_cast<const std::uint8_t*>(cr) - p);
        if (std::memcmp(p + j, delimiter_.data(), n - j) == 0) data_end = j;
      }
      BAOVE_TRY(emit(bytes.first(data_end)));
      held_.assign(reinterpret_cast<const char*>(p + data_end), n - data_end);
      return n;
    }
    const auto at = static_cast<std::size_t>(static_cast<const std::uint8_t*>(found) - p);
    BAOVE_TRY(emit(bytes.first(at)));
    used = at + dlen;
  }
  held_.clear();
  if (state_ == State::body && callbacks_.on_part_end) BAOVE_TRY(callbacks_.on_part_end());
  state_ = State::after_delimiter;
  return used;
}

Status MultipartParser::begin_part() {
  if (parts_ >= limits_.max_parts) return fail(ErrorCode::limit_exceeded, "too many parts in multipart body");
  ++parts_;
  header_ = "\r\n";
  state_ = State::headers;
  return {};
}

Result<std::size_t> MultipartParser::read_headers(std::span<const std::uint8_t> bytes) {
  // header_ starts with the CRLF that ended the delimiter line, so the block always ends with
  // CRLF CRLF, even when it is empty. It never grows past the limit plus a few bytes.
  const std::size_t cap = limits_.max_header_bytes + 2 + 3;
  const std::size_t old = header_.size();
  const std::size_t take = std::min(bytes.size(), cap > old ? cap - old : 0);
  header_.append(reinterpret_cast<const char*>(bytes.data()), take);
  const auto end = header_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
  if (end == std::string::npos || end + 2 > limits_.max_header_bytes) {
    if (header_.size() - 2 > limits_.max_header_bytes) {
      return make_error(ErrorCode::limit_exceeded, "part header block too large");
    }
    return take;
  }
  const std::size_t block_end = end + 4;  // in header_
  auto part = parse_part_headers(std::string_view(header_).substr(2, end >= 2 ? end - 2 : 0));
  if (!part) return part.error();
  header_.clear();
  header_.shrink_to_fit();
  state_ = State::body;
  if (callbacks_.on_part_begin) {
    auto status = callbacks_.on_part_begin(*part);
    if (!status) return status.error();
  }
  return block_end - old;
}

Status MultipartParser::feed(std::string_view bytes) {
  return feed(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

Status MultipartParser::feed(std::span<const std::uint8_t> bytes) {
  if (error_) return *error_;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const auto rest = bytes.subspan(pos);
    switch (state_) {
      case State::preamble:
      case State::body: {
        auto used = scan(rest);
        if (!used) return fail(used.error());
        pos += *used;
        break;
      }
      case State::headers: {
        auto used = read_headers(rest);
        if (!used) return fail(used.error());
        pos += *used;
        break;
      }
      case State::epilogue:
        return {};
      case State::after_delimiter: {
        const auto c = static_cast<char>(rest[0]);
        ++pos;
        padding_ = 0;
        if (c == '-') {
          state_ = State::close_dash;
        } else if (c == '\r') {
          state_ = State::delimiter_lf;
        } else if (is_space(c)) {
          state_ = State::padding;
        } else {
          return fail(ErrorCode::invalid_argument, "malformed multipart delimiter line");
        }
        break;
      }
      case State::close_dash:
        if (rest[0] != '-') return fail(ErrorCode::invalid_argument, "malformed multipart delimiter line");
        ++pos;
        state_ = State::epilogue;
        break;
      case State::padding: {
        const auto c = static_cast<char>(rest[0]);
        ++pos;
        if (c == '\r') {
          state_ = State::delimiter_lf;
        } else if (!is_space(c)) {
          return fail(ErrorCode::invalid_argument, "malformed multipart delimiter line");
        } else if (++padding_ > limits_.max_header_bytes) {
          return fail(ErrorCode::limit_exceeded, "multipart delimiter line too long");
        }
        break;
      }
      case State::delimiter_lf:
        if (rest[0] != '\n') return fail(ErrorCode::invalid_argument, "malformed multipart delimiter line");
        ++pos;
        BAOVE_TRY(begin_part());
        break;
    }
  }
  return {};
}

Status MultipartParser::finish() {
  if (error_) return *error_;
  if (state_ != State::epilogue) {
    return fail(ErrorCode::invalid_argument, "truncated multipart body: no closing delimiter");
  }
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> parse_urlencoded(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t index = 0;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    ++index;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>(std::string())
                                              : percent_decode(pair.substr(eq + 1), true);
    if (!name || !value) {
      return make_error(ErrorCode::invalid_argument,
                        "malformed percent escape in form field " + std::to_string(index));
    }
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace baove::http
