#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "audit/audit.hpp"
#include "audit/record.hpp"

namespace baove::audit {
namespace {

constexpr std::array<std::pair<Action, const char*>, 11> kActions{{
    {Action::read, "read"},
    {Action::search, "search"},
    {Action::export_data, "export"},
    {Action::create, "create"},
    {Action::update, "update"},
    {Action::remove, "delete"},
    {Action::login, "login"},
    {Action::logout, "logout"},
    {Action::download, "download"},
    {Action::share, "share"},
    {Action::approve, "approve"},
}};

constexpr std::array<std::pair<Outcome, const char*>, 3> kOutcomes{{
    {Outcome::allowed, "allowed"},
    {Outcome::denied, "denied"},
    {Outcome::error, "error"},
}};

// 2000-01-01 and 2200-01-01 UTC in microseconds: anything outside is a clock or caller bug.
constexpr std::int64_t kMinTimeUs = 946684800LL * 1000000LL;
constexpr std::int64_t kMaxTimeUs = 7258118400LL * 1000000LL;

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

Status check_id(std::string_view field, const std::string& v, std::size_t max, bool allow_empty) {
  if (v.empty() && !allow_empty)
    return make_error(ErrorCode::invalid_argument, std::string(field) + " is empty");
  if (v.size() > max) {
    return make_error(ErrorCode::invalid_argument,
                      std::string(field) + " is longer than " + std::to_string(max) + " characters");
  }
  for (char c : v) {
    if (!is_id_char(c)) {
      return make_error(ErrorCode::invalid_argument,
                        std::string(field) + " is not an identifier (allowed: A-Z a-z 0-9 . _ : -)");
    }
  }
  return {};
}

Status check_name(std::string_view field, const std::string& v, bool allow_empty) {
  if (v.empty() && !allow_empty)
    return make_error(ErrorCode::invalid_argument, std::string(field) + " is empty");
  if (v.size() > kMaxNameLength) {
    return make_error(ErrorCode::invalid_argument, std::string(field) + " is longer than " +
                                                       std::to_string(kMaxNameLength) + " characters");
  }
  for (char c : v) {
    if (!is_name_char(c)) {
      return make_error(ErrorCode::invalid_argument,
                        std::string(field) + " is not a name (allowed: a-z 0-9 . _ -)");
    }
  }
  return {};
}

Status check_names(std::string_view field, const std::vector<std::string>& v, std::size_t max_count) {
  if (v.size() > max_count) {
    return make_error(ErrorCode::invalid_argument,
                      std::string(field) + " has more than " + std::to_string(max_count) + " entries");
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    BAOVE_TRY(check_name(std::string(field) + "[" + std::to_string(i) + "]", v[i], false));
  }
  return {};
}

// Well-formed UTF-8 (no overlongs, no surrogates) without control characters.
bool is_clean_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1FU;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0FU;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07U;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3FU);
    }
    const std::uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp >= 0x80 && cp < 0xA0) return false;  // C1 controls
    i += len;
  }
  return true;
}

std::optional<std::string> canonical_address(const std::string& a) {
  if (a.size() > 45) return std::nullopt;
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, a.c_str(), buf) == 1) {
    if (inet_ntop(AF_INET, buf, out, sizeof out) == nullptr) return std::nullopt;
    return std::string(out);
  }
  if (inet_pton(AF_INET6, a.c_str(), buf) == 1) {
    if (inet_ntop(AF_INET6, buf, out, sizeof out) == nullptr) return std::nullopt;
    return std::string(out);
  }
  return std::nullopt;
}

bool is_lower_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
void put_str(std::vector<std::uint8_t>& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  if (s.empty()) return parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
}
void put_list(std::vector<std::uint8_t>& out, std::string_view joined) {
  const auto parts = split(joined);
  put_u32(out, static_cast<std::uint32_t>(parts.size()));
  for (auto p : parts) put_str(out, p);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += v[i];
  }
  return out;
}

}  // namespace

const char* to_string(Action a) noexcept {
  for (const auto& [k, name] : kActions) {
    if (k == a) return name;
  }
  return "unknown";
}
std::optional<Action> parse_action(std::string_view s) noexcept {
  for (const auto& [k, name] : kActions) {
    if (s == name) return k;
  }
  return std::nullopt;
}
const char* to_string(Outcome o) noexcept {
  for (const auto& [k, name] : kOutcomes) {
    if (k == o) return name;
  }
  return "unknown";
}
std::optional<Outcome> parse_outcome(std::string_view s) noexcept {
  for (const auto& [k, name] : kOutcomes) {
    if (s == name) return k;
  }
  return std::nullopt;
}

Status validate(const Event& e) {
  BAOVE_TRY(check_id("actor", e.actor, kMaxIdLength, true));
  BAOVE_TRY(check_id("unit", e.unit, kMaxIdLength, true));
  BAOVE_TRY(check_names("roles", e.roles, kMaxRoles));
  if (!e.session_hash.empty() && !is_lower_hex64(e.session_hash)) {
    return make_error(ErrorCode::invalid_argument,
                      "session_hash is not 64 lower-case hex digits (pass SessionHasher::hash of the token)");
  }
  if (!e.address.empty() && !canonical_address(e.address)) {
    return make_error(ErrorCode::invalid_argument, "address is not an IPv4 or IPv6 address");
  }
  const std::int64_t us = detail::to_micros(e.time);
  if (us < kMinTimeUs || us >= kMaxTimeUs) {
    return make_error(ErrorCode::invalid_argument, "time is outside 2000-01-01..2200-01-01 UTC");
  }
  if (parse_action(to_string(e.action)) != e.action)
    return make_error(ErrorCode::invalid_argument, "action is unknown");
  if (parse_outcome(to_string(e.outcome)) != e.outcome) {
    return make_error(ErrorCode::invalid_argument, "outcome is unknown");
  }
  BAOVE_TRY(check_name("object_type", e.object_type, true));
  BAOVE_TRY(check_id("object_id", e.object_id, kMaxObjectIdLength, true));
  BAOVE_TRY(check_names("fields", e.fields, kMaxFields));
  if (e.row_count && *e.row_count < 0)
    return make_error(ErrorCode::invalid_argument, "row_count is negative");
  if (e.reason.size() > kMaxReasonLength) {
    return make_error(
        ErrorCode::invalid_argument,
        "reason is longer than " + std::to_string(kMaxReasonLength) + " bytes (identifiers only)");
  }
  if (!is_clean_utf8(e.reason)) {
    return make_error(ErrorCode::invalid_argument, "reason is not UTF-8 text without control characters");
  }
  return {};
}

Result<Event> normalize(Event e) {
  BAOVE_TRY(validate(e));
  if (!e.address.empty()) e.address = *canonical_address(e.address);
  return e;
}

std::vector<std::uint8_t> serialize(std::int64_t seq, const Event& e) {
  return detail::canonical_bytes(seq, detail::to_record(e));
}

namespace detail {

std::int64_t to_micros(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp from_micros(std::int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

Record to_record(const Event& e) {
  Record r;
  r.time_us = to_micros(e.time);
  r.actor = e.actor;
  r.unit = e.unit;
  r.roles = join(e.roles);
  r.session_hash = e.session_hash;
  r.address = e.address;
  r.action = to_string(e.action);
  r.object_type = e.object_type;
  r.object_id = e.object_id;
  r.fields = join(e.fields);
  r.row_count = e.row_count;
  r.outcome = to_string(e.outcome);
  r.reason = e.reason;
  return r;
}

Result<Event> to_event(const Record& r) {
  Event e;
  e.time = from_micros(r.time_us);
  e.actor = r.actor;
  e.unit = r.unit;
  for (auto p : split(r.roles)) e.roles.emplace_back(p);
  e.session_hash = r.session_hash;
  e.address = r.address;
  const auto action = parse_action(r.action);
  if (!action) return make_error(ErrorCode::corrupt, "audit event has an unknown action");
  e.action = *action;
  e.object_type = r.object_type;
  e.object_id = r.object_id;
  for (auto p : split(r.fields)) e.fields.emplace_back(p);
  e.row_count = r.row_count;
  const auto outcome = parse_outcome(r.outcome);
  if (!outcome) return make_error(ErrorCode::corrupt, "audit event has an unknown outcome");
  e.outcome = *outcome;
  e.reason = r.reason;
  return e;
}

std::vector<std::uint8_t> canonical_bytes(std::int64_t seq, const Record& r) {
  std::vector<std::uint8_t> out;
  out.reserve(128 + r.actor.size() + r.unit.size() + r.roles.size() + r.session_hash.size() +
              r.address.size() + r.object_type.size() + r.object_id.size() + r.fields.size() +
              r.reason.size());
  out.push_back(0x01);
  put_u64(out, static_cast<std::uint64_t>(seq));
  put_u64(out, static_cast<std::uint64_t>(r.time_us));
  put_str(out, r.actor);
  put_str(out, r.unit);
  put_list(out, r.roles);
  put_str(out, r.session_hash);
  put_str(out, r.address);
  put_str(out, r.action);
  put_str(out, r.object_type);
  put_str(out, r.object_id);
  put_list(out, r.fields);
  out.push_back(r.row_count ? 1 : 0);
  if (r.row_count) put_u64(out, static_cast<std::uint64_t>(*r.row_count));
  put_str(out, r.outcome);
  put_str(out, r.reason);
  return out;
}

Hash chain_next(const Hash& prev, const Hash& leaf) {
  std::array<std::uint8_t, 64> buf;
  std::memcpy(buf.data(), prev.data(), 32);
  std::memcpy(buf.data() + 32, leaf.data(), 32);
  return sha256(buf);
}

std::optional<std::int64_t> as_integer(const store::Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return std::nullopt;
}
std::optional<std::string> as_text(const store::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return std::nullopt;
}
std::optional<Hash> as_hash(const store::Value& v) {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  if (const auto* b = std::get_if<store::Blob>(&v)) {
    data = b->data();
    size = b->size();
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    data = reinterpret_cast<const std::uint8_t*>(s->data());
    size = s->size();
  }
  if (data == nullptr || size != 32) return std::nullopt;
  Hash h;
  std::memcpy(h.data(), data, 32);
  return h;
}
store::Blob to_blob(const Hash& h) { return store::Blob(h.begin(), h.end()); }

std::optional<RawRow> read_row(const store::Row& row) {
  if (row.size() < 16) return std::nullopt;
  const auto seq = as_integer(row.value(0));
  if (!seq) return std::nullopt;
  RawRow out;
  out.seq = *seq;
  auto note = [&](const char* column) {
    if (out.problem.empty()) out.problem = std::string("column ") + column + " is NULL or mistyped";
  };
  if (auto t = as_integer(row.value(1)))
    out.record.time_us = *t;
  else
    note("time_us");
  std::string* texts[] = {&out.record.actor,        &out.record.unit,      &out.record.roles,
                          &out.record.session_hash, &out.record.address,   &out.record.action,
                          &out.record.object_type,  &out.record.object_id, &out.record.fields};
  const char* names[] = {"actor",  "unit",        "roles",     "session_hash", "address",
                         "action", "object_type", "object_id", "fields"};
  for (std::size_t i = 0; i < 9; ++i) {
    if (auto s = as_text(row.value(2 + i)))
      *texts[i] = std::move(*s);
    else
      note(names[i]);
  }
  if (!row.is_null(11)) {
    if (auto n = as_integer(row.value(11)))
      out.record.row_count = *n;
    else
      note("row_count");
  }
  if (auto s = as_text(row.value(12)))
    out.record.outcome = std::move(*s);
  else
    note("outcome");
  if (auto s = as_text(row.value(13)))
    out.record.reason = std::move(*s);
  else
    note("reason");
  if (auto h = as_hash(row.value(14)))
    out.leaf = *h;
  else
    note("leaf_hash");
  if (auto h = as_hash(row.value(15)))
    out.chain = *h;
  else
    note("chain_hash");
  return out;
}

}  // namespace detail
}  // namespace baove::audit
