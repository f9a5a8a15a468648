// Reports: validation, receipts, the public status lookup, the staff queue.
#include "report/report.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "report/internal.hpp"
#include "taxonomy/taxonomy.hpp"
#include "util/hex.hpp"

namespace baove::report {
namespace detail {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out = to_hex(std::span(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::size_t utf8_next(std::string_view s, std::size_t i, char32_t& cp) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1Fu;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0Fu;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const std::uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

std::optional<std::size_t> text_chars(std::string_view s, bool multiline) noexcept {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t len = utf8_next(s, i, cp);
    if (len == 0) return std::nullopt;
    const bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029;
    if (control && !(multiline && (cp == '\n' || cp == '\r' || cp == '\t'))) return std::nullopt;
    ++count;
    i += len;
  }
  return count;
}

bool is_identifier(std::string_view s, std::size_t max) noexcept {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

bool is_lower_hex(std::string_view s, std::size_t n) noexcept {
  if (s.size() != n) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace detail

namespace {

using detail::from_micros;
using detail::micros;
using store::Value;

constexpr store::Migration kMigrations[] = {
    {1, "report tables", R"SQL(
CREATE TABLE report_reports (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  secret_hash TEXT NOT NULL,
  channel TEXT NOT NULL,
  external_id TEXT NOT NULL,
  category TEXT NOT NULL,
  description TEXT NOT NULL,
  platform TEXT NOT NULL,
  links TEXT NOT NULL,
  accounts TEXT NOT NULL,
  period TEXT NOT NULL,
  age_band TEXT NOT NULL,
  province TEXT NOT NULL,
  danger_now BIGINT NOT NULL,
  contact_sealed TEXT,
  contact_consent_version TEXT,
  unit_id TEXT NOT NULL,
  owner_id TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL,
  state TEXT NOT NULL,
  priority BIGINT NOT NULL,
  received_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL
);
CREATE UNIQUE INDEX report_reports_external ON report_reports (channel, external_id) WHERE external_id <> '';
CREATE INDEX report_reports_queue ON report_reports (state, priority DESC, received_us);
CREATE INDEX report_reports_unit ON report_reports (unit_id, state, priority DESC, received_us);
CREATE TABLE report_evidence (
  id TEXT PRIMARY KEY,
  report_id TEXT NOT NULL REFERENCES report_reports (id),
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  md5 TEXT NOT NULL,
  sha1 TEXT NOT NULL,
  pdq TEXT NOT NULL,
  pdq_quality BIGINT NOT NULL,
  media_type TEXT NOT NULL,
  declared_type TEXT NOT NULL,
  original_name TEXT NOT NULL,
  type_mismatch BIGINT NOT NULL,
  archive BIGINT NOT NULL,
  executable BIGINT NOT NULL,
  problem TEXT NOT NULL,
  known BIGINT NOT NULL,
  match_bank TEXT,
  match_entry BIGINT,
  match_distance BIGINT,
  match_signal TEXT,
  match_classification TEXT,
  preview_blurred TEXT NOT NULL,
  preview_clear TEXT NOT NULL,
  state TEXT NOT NULL,
  received_us BIGINT NOT NULL,
  destroyed_us BIGINT
);
CREATE INDEX report_evidence_report ON report_evidence (report_id, received_us);
CREATE INDEX report_evidence_sha256 ON report_evidence (sha256);
CREATE INDEX report_evidence_preview_blurred ON report_evidence (preview_blurred) WHERE preview_blurred <> '';
CREATE INDEX report_evidence_preview_clear ON report_evidence (preview_clear) WHERE preview_clear <> '';
)SQL"},
};

constexpr const char* kStates[] = {"received", "in_review", "action_taken", "closed"};
constexpr const char* kPriorities[] = {"normal", "high", "urgent"};

// Crockford's base32: no I, L, O or U, so nothing is mistaken when read aloud or typed.
constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kCodeChars = 10;    // 50 bits
constexpr std::size_t kSecretChars = 16;  // 80 bits
constexpr std::string_view kCodePrefix = "BV";

std::string random_crockford(std::size_t n) {
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(kCrockford[randombytes_uniform(32)]);
  return out;
}

// One typed character as a Crockford digit (O -> 0, I/L -> 1), or '\0'.
char crockford_char(char c) noexcept {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'O') return '0';
  if (c == 'I' || c == 'L') return '1';
  if (c == 'U') return '\0';
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) return c;
  return '\0';
}

// The characters of `text` without spaces and dashes, as Crockford digits; nullopt for anything
// else or a result longer than `max`.
std::optional<std::string> crockford_digits(std::string_view text, std::size_t max,
                                            bool keep_prefix_letters) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '\t') continue;
    if (out.size() >= max) return std::nullopt;
    if (keep_prefix_letters) {
      // The prefix letters are kept as typed (upper-cased) so that "BV" is recognised below.
      char u = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      out.push_back(u);
      continue;
    }
    const char d = crockford_char(c);
    if (d == '\0') return std::nullopt;
    out.push_back(d);
  }
  return out;
}

std::string format_code(std::string_view digits) {
  return std::string(kCodePrefix) + "-" + std::string(digits.substr(0, 5)) + "-" +
         std::string(digits.substr(5));
}

std::string format_secret(std::string_view digits) {
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(digits[i]);
  }
  return out;
}

// The 16 Crockford digits of a secret as typed, or nullopt.
std::optional<std::string> parse_secret(std::string_view text) {
  auto digits = crockford_digits(text, kSecretChars + 1, false);
  if (!digits || digits->size() != kSecretChars) return std::nullopt;
  return digits;
}

// Keyed BLAKE2b-256 of a receipt secret, bound to its report.
std::array<std::uint8_t, 32> secret_hash(const Keys& keys, std::string_view report_id,
                                         std::string_view digits) {
  std::string message = "baove.report.secret.v1:";
  message += report_id;
  message += ':';
  message += digits;
  std::array<std::uint8_t, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size(), keys.lookup_key.data(), keys.lookup_key.size());
  sodium_memzero(message.data(), message.size());
  return out;
}

// ---- contact details, sealed ----

constexpr std::string_view kContactAd = "baove.report.contact.v1:";
constexpr std::size_t kContactPadBlock = 64;

void put_text(std::vector<std::uint8_t>& out, std::string_view s) {
  out.push_back(static_cast<std::uint8_t>(s.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(s.size() & 0xFF));
  out.insert(out.end(), s.begin(), s.end());
}

std::vector<std::uint8_t> contact_ad(std::string_view report_id) {
  std::vector<std::uint8_t> ad(kContactAd.size() + report_id.size());
  std::copy(kContactAd.begin(), kContactAd.end(), ad.begin());
  std::copy(report_id.begin(), report_id.end(), ad.begin() + static_cast<std::ptrdiff_t>(kContactAd.size()));
  return ad;
}

// hex(nonce || ciphertext) of: version 1, consent byte, then name, phone, email, preferred time
// and consent version, each a 2-byte big-endian length and its bytes, padded (ISO/IEC 7816-4) to a
// multiple of 64 bytes so the length shows little.
std::string seal_contact(const Keys& keys, std::string_view report_id, const ContactDetails& c) {
  std::vector<std::uint8_t> plain;
  plain.push_back(1);
  plain.push_back(c.consent ? 1 : 0);
  put_text(plain, c.name);
  put_text(plain, c.phone);
  put_text(plain, c.email);
  put_text(plain, c.preferred_time);
  put_text(plain, c.consent_version);
  const std::size_t unpadded = plain.size();
  plain.resize(unpadded + kContactPadBlock);
  std::size_t padded = 0;
  sodium_pad(&padded, plain.data(), unpadded, kContactPadBlock, plain.size());
  plain.resize(padded);
  const auto ad = contact_ad(report_id);
  std::vector<std::uint8_t> sealed(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plain.size() +
                                   crypto_aead_xchacha20poly1305_ietf_ABYTES);
  randombytes_buf(sealed.data(), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                             &written, plain.data(), plain.size(), ad.data(), ad.size(),
                                             nullptr, sealed.data(), keys.contact_key.data());
  sodium_memzero(plain.data(), plain.size());
  return to_hex(sealed);
}

Result<ContactDetails> open_contact(const Keys& keys, std::string_view report_id, std::string_view hex) {
  const Error bad =
      make_error(ErrorCode::corrupt,
                 "report " + std::string(report_id) + ": contact details do not decrypt (wrong report key?)");
  auto sealed = from_hex(hex);
  if (!sealed) return bad;
  constexpr std::size_t overhead =
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed->size() < overhead) return bad;
  std::vector<std::uint8_t> plain(sealed->size() - overhead);
  const auto ad = contact_ad(report_id);
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.data(), &plain_len, nullptr, sealed->data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          sealed->size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, ad.data(), ad.size(), sealed->data(),
          keys.contact_key.data()) != 0) {
    return bad;
  }
  std::size_t unpadded = 0;
  if (sodium_unpad(&unpadded, plain.data(), plain.size(), kContactPadBlock) != 0 || unpadded < 2 ||
      plain[0] != 1) {
    sodium_memzero(plain.data(), plain.size());
    return bad;
  }
  ContactDetails c;
  c.consent = plain[1] == 1;
  std::size_t pos = 2;
  bool ok = true;
  auto get_text = [&](std::string& out) {
    if (!ok || pos + 2 > unpadded) {
      ok = false;
      return;
    }
    const std::size_t n = (std::size_t{plain[pos]} << 8) | plain[pos + 1];
    pos += 2;
    if (pos + n > unpadded) {
      ok = false;
      return;
    }
    out.assign(reinterpret_cast<const char*>(plain.data() + pos), n);
    pos += n;
  };
  get_text(c.name);
  get_text(c.phone);
  get_text(c.email);
  get_text(c.preferred_time);
  get_text(c.consent_version);
  sodium_memzero(plain.data(), plain.size());
  if (!ok || pos != unpadded) return bad;
  return c;
}

// ---- validation ----

bool in_list(std::span<const taxonomy::Term> list, std::string_view key) {
  return taxonomy::find(list, key) != nullptr;
}

bool optional_key(std::span<const taxonomy::Term> list, std::string_view key) {
  return key.empty() || in_list(list, key);
}

bool text_within(std::string_view s, std::size_t max_chars, bool multiline) {
  auto n = detail::text_chars(s, multiline);
  return n && *n <= max_chars;
}

bool valid_phone(std::string_view p) {
  if (p.size() > kMaxContactFieldChars) return false;
  std::size_t digits = 0;
  for (char c : p) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (!(c == ' ' || c == '+' || c == '-' || c == '(' || c == ')' || c == '.')) {
      return false;
    }
  }
  return digits >= 6 && digits <= 20;
}

bool valid_email(std::string_view e) {
  if (e.size() > kMaxContactFieldChars || !text_within(e, kMaxContactFieldChars, false)) return false;
  const auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos) return false;
  const auto domain = e.substr(at + 1);
  if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.')
    return false;
  return std::none_of(e.begin(), e.end(),
                      [](char c) { return c == ' ' || c == '<' || c == '>' || c == ','; });
}

bool valid_consent_version(std::string_view v) { return detail::is_identifier(v, kMaxContactFieldChars); }

bool valid_external_id(std::string_view s) {
  if (s.size() > kMaxExternalIdBytes) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

// ---- links ----

bool is_scheme_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (first) return alpha;
  return alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

Error bad_link(const char* why) {
  return make_error(ErrorCode::invalid_argument, std::string("link: ") + why);
}

bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 4) return false;
    return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
    });
  }
  std::size_t label = 0;
  for (std::size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || u >= 0x80))
      return false;
    if (++label > 63) return false;
  }
  return label > 0 || host.size() > 1;  // a trailing dot is allowed, an empty last label only then
}

}  // namespace

const char* to_string(State s) noexcept { return kStates[static_cast<int>(s)]; }
std::optional<State> parse_state(std::string_view s) noexcept {
  for (std::size_t i = 0; i < std::size(kStates); ++i) {
    if (s == kStates[i]) return static_cast<State>(i);
  }
  return std::nullopt;
}
const char* to_string(Priority p) noexcept { return kPriorities[static_cast<int>(p)]; }
std::optional<Priority> parse_priority(std::string_view s) noexcept {
  for (std::size_t i = 0; i < std::size(kPriorities); ++i) {
    if (s == kPriorities[i]) return static_cast<Priority>(i);
  }
  return std::nullopt;
}

Result<std::string> normalize_link(std::string_view link) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!link.empty() && is_space(link.front())) link.remove_prefix(1);
  while (!link.empty() && is_space(link.back())) link.remove_suffix(1);
  if (link.empty()) return bad_link("empty");
  if (link.size() > kMaxLinkBytes) return bad_link("longer than 2048 bytes");
  if (!detail::text_chars(link, false)) return bad_link("holds control characters or is not UTF-8");
  if (link.find(' ') != std::string_view::npos) return bad_link("holds spaces");

  // A scheme: letters, digits, + - . up to the first ':'.
  std::string scheme;
  std::string_view rest = link;
  std::size_t i = 0;
  while (i < link.size() && is_scheme_char(link[i], i == 0)) ++i;
  if (i > 0 && i < link.size() && link[i] == ':') {
    std::string candidate;
    for (std::size_t k = 0; k < i; ++k) candidate.push_back(lower(link[k]));
    if (candidate == "http" || candidate == "https") {
      if (link.substr(i + 1, 2) != "//") return bad_link("http and https links need '//' after the scheme");
      scheme = candidate;
      rest = link.substr(i + 3);
    } else {
      // "example.com:8080/x" is a host and a port, not a scheme; anything else is refused.
      std::size_t k = i + 1;
      while (k < link.size() && link[k] >= '0' && link[k] <= '9') ++k;
      const bool port = k > i + 1 && (k == link.size() || link[k] == '/' || link[k] == '?' || link[k] == '#');
      if (!port) return bad_link("only http and https links are accepted");
    }
  }
  if (scheme.empty()) {
    if (rest.substr(0, 2) == "//") rest.remove_prefix(2);
    scheme = "https";
  }
  const std::size_t auth_end = std::min(rest.find_first_of("/?#"), rest.size());
  const std::string_view authority = rest.substr(0, auth_end);
  const std::string_view tail = rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos)
    return bad_link("user names or passwords are not accepted");
  if (authority.find('\\') != std::string_view::npos || authority.find('%') != std::string_view::npos)
    return bad_link("malformed host");
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_link("malformed host");
    host = authority.substr(0, close + 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_link("malformed host");
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  std::string host_lower;
  for (char c : host) host_lower.push_back(lower(c));
  if (!valid_host(host_lower)) return bad_link("malformed host");
  std::string out = scheme + "://" + host_lower;
  if (!port.empty() || authority.find(':') != std::string_view::npos) {
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad_link("malformed port");
    const long value = std::stol(std::string(port));
    if (value < 1 || value > 65535) return bad_link("malformed port");
    const bool default_port = (scheme == "http" && value == 80) || (scheme == "https" && value == 443);
    if (!default_port) out += ":" + std::to_string(value);
  }
  if (tail.empty() || tail.front() != '/') out += "/";
  out += tail;
  if (out.size() > kMaxLinkBytes) return bad_link("longer than 2048 bytes");
  return out;
}

std::vector<std::string> validate(const NewReport& r) {
  std::vector<std::string> bad;
  if (!in_list(taxonomy::channels(), r.channel)) bad.emplace_back("channel");
  if (!in_list(taxonomy::categories(), r.category)) bad.emplace_back("category");
  if (!text_within(r.description, kMaxDescriptionChars, true)) bad.emplace_back("description");
  if (!optional_key(taxonomy::platforms(), r.platform)) bad.emplace_back("platform");
  if (r.links.size() > kMaxLinks) bad.emplace_back("links");
  for (std::size_t i = 0; i < r.links.size() && i < kMaxLinks; ++i) {
    if (!normalize_link(r.links[i])) bad.push_back("links[" + std::to_string(i) + "]");
  }
  if (!text_within(r.accounts, kMaxAccountsChars, true)) bad.emplace_back("accounts");
  if (!optional_key(taxonomy::periods(), r.period)) bad.emplace_back("period");
  if (!optional_key(taxonomy::age_bands(), r.age_band)) bad.emplace_back("age_band");
  if (!optional_key(taxonomy::provinces(), r.province)) bad.emplace_back("province");
  if (r.contact) {
    const ContactDetails& c = *r.contact;
    if (!text_within(c.name, kMaxContactFieldChars, false)) bad.emplace_back("contact.name");
    const bool reachable = !c.phone.empty() || !c.email.empty();
    if ((!c.phone.empty() && !valid_phone(c.phone)) || !reachable) bad.emplace_back("contact.phone");
    if ((!c.email.empty() && !valid_email(c.email)) || !reachable) bad.emplace_back("contact.email");
    if (!text_within(c.preferred_time, kMaxContactFieldChars, false))
      bad.emplace_back("contact.preferred_time");
    if (!c.consent) bad.emplace_back("contact.consent");
    if (!valid_consent_version(c.consent_version)) bad.emplace_back("contact.consent_version");
  }
  if (!detail::is_identifier(r.unit, kMaxUnitIdBytes)) bad.emplace_back("unit");
  if (!valid_external_id(r.external_id)) bad.emplace_back("external_id");
  if (!(r.language.empty() || r.language == "vi" || r.language == "en")) bad.emplace_back("language");
  return bad;
}

std::optional<std::string> parse_receipt_code(std::string_view text) {
  auto raw = crockford_digits(text, kCodeChars + kCodePrefix.size() + 1, true);
  if (!raw) return std::nullopt;
  std::string_view body = *raw;
  if (body.size() == kCodeChars + kCodePrefix.size() && body.substr(0, kCodePrefix.size()) == kCodePrefix)
    body.remove_prefix(kCodePrefix.size());
  if (body.size() != kCodeChars) return std::nullopt;
  std::string digits;
  for (char c : body) {
    const char d = crockford_char(c);
    if (d == '\0') return std::nullopt;
    digits.push_back(d);
  }
  return format_code(digits);
}

std::string make_receipt_code() { return format_code(random_crockford(kCodeChars)); }
std::string make_secret() { return format_secret(random_crockford(kSecretChars)); }

Status migrate(store::Connection& c) { return store::migrate(c, "report", kMigrations); }

namespace {

constexpr std::string_view kReportColumns =
    "id, code, channel, external_id, category, description, platform, links, accounts, period, age_band, "
    "province, danger_now, contact_sealed, unit_id, owner_id, language, state, priority, received_us, "
    "updated_us, (SELECT COUNT(*) FROM report_evidence WHERE report_evidence.report_id = report_reports.id "
    "AND report_evidence.state = 'stored')";

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto nl = s.find('\n', i);
    const auto end = nl == std::string::npos ? s.size() : nl;
    if (end > i) out.push_back(s.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

State state_of(const std::string& s) { return parse_state(s).value_or(State::received); }
Priority priority_of(std::int64_t p) {
  return p >= 2 ? Priority::urgent : p == 1 ? Priority::high : Priority::normal;
}

Result<Receipt> existing_receipt(store::Connection& tx, const NewReport& r) {
  std::vector<Value> params{r.channel, r.external_id};
  auto rows = tx.query(
      "SELECT id, code, received_us FROM report_reports WHERE channel = $1 AND external_id = $2", params);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorCode::not_found, "no report for this channel message");
  Receipt rc;
  rc.report_id = (*rows)[0].text(0);
  rc.code = (*rows)[0].text(1);
  rc.received_at = from_micros((*rows)[0].integer(2));
  rc.created = false;
  return rc;
}

Status expect_one(Result<std::int64_t> changed, std::string_view what, std::string_view id) {
  if (!changed) return changed.error();
  if (*changed == 0)
    return make_error(ErrorCode::not_found, "no " + std::string(what) + " " + std::string(id));
  return {};
}

}  // namespace

Result<Receipt> create(store::Connection& tx, const Keys& keys, const NewReport& r, Timestamp now) {
  const auto bad = validate(r);
  if (!bad.empty()) {
    std::string names;
    for (const auto& b : bad) names += (names.empty() ? "" : ", ") + b;
    return make_error(ErrorCode::invalid_argument, "report: invalid fields: " + names);
  }
  if (!r.external_id.empty()) {
    auto found = existing_receipt(tx, r);
    if (found) return found;
    if (found.error().code != ErrorCode::not_found) return found.error();
  }
  std::string links;
  for (const auto& l : r.links) {
    auto n = normalize_link(l);
    if (!n) return n.error();
    if (!links.empty()) links += '\n';
    links += *n;
  }
  const std::int64_t priority = r.danger_now ? 2 : 0;
  const std::string language = r.language.empty() ? "vi" : r.language;
  for (int attempt = 0; attempt < 16; ++attempt) {
    Receipt rc;
    rc.report_id = detail::random_hex(16);
    const std::string code_digits = random_crockford(kCodeChars);
    rc.code = format_code(code_digits);
    const std::string secret_digits = random_crockford(kSecretChars);
    rc.secret = format_secret(secret_digits);
    auto hash = secret_hash(keys, rc.report_id, secret_digits);
    const std::string hash_hex = to_hex(hash);
    Value sealed, consent_version;
    if (r.contact) {
      sealed = seal_contact(keys, rc.report_id, *r.contact);
      consent_version = r.contact->consent_version;
    }
    std::vector<Value> params{rc.report_id,
                              rc.code,
                              hash_hex,
                              r.channel,
                              r.external_id,
                              r.category,
                              r.description,
                              r.platform,
                              links,
                              r.accounts,
                              r.period,
                              r.age_band,
                              r.province,
                              std::int64_t{r.danger_now ? 1 : 0},
                              sealed,
                              consent_version,
                              r.unit,
                              language,
                              std::string(to_string(State::received)),
                              priority,
                              micros(now),
                              micros(now)};
    auto changed = tx.execute(
        "INSERT INTO report_reports (id, code, secret_hash, channel, external_id, category, description, "
        "platform, links, accounts, period, age_band, province, danger_now, contact_sealed, "
        "contact_consent_version, unit_id, language, state, priority, received_us, updated_us) VALUES ($1, "
        "$2, "
        "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) "
        "ON CONFLICT DO NOTHING",
        params);
    if (!changed) return changed.error();
    if (*changed == 1) {
      rc.created = true;
      rc.received_at = now;
      return rc;
    }
    // A clash: the same channel message stored meanwhile, or (rarely) a code or id taken.
    if (!r.external_id.empty()) {
      auto found = existing_receipt(tx, r);
      if (found) return found;
      if (found.error().code != ErrorCode::not_found) return found.error();
    }
  }
  return make_error(ErrorCode::internal, "report: no free receipt code found");
}

Result<PublicStatus> status(store::Connection& c, const Keys& keys, std::string_view code,
                            std::string_view secret) {
  const Error no_such = make_error(ErrorCode::not_found, std::string(kNoSuchReport));
  const auto canonical_code = parse_receipt_code(code);
  auto digits = parse_secret(secret);
  std::vector<store::Row> rows;
  if (canonical_code) {
    std::vector<Value> params{*canonical_code};
    auto r = c.query(
        "SELECT id, secret_hash, state, received_us, updated_us FROM report_reports WHERE code = $1", params);
    if (!r) return r.error();
    rows = std::move(*r);
  }
  // The same work whether or not the code exists: hash and compare against a dummy.
  const std::string report_id = rows.empty() ? std::string(32, '0') : rows[0].text(0);
  const auto computed = secret_hash(keys, report_id, digits ? *digits : std::string(kSecretChars, '0'));
  std::array<std::uint8_t, 32> stored{};
  bool stored_ok = false;
  if (!rows.empty()) {
    auto decoded = from_hex(rows[0].text(1), 32);
    if (decoded) {
      std::memcpy(stored.data(), decoded->data(), 32);
      stored_ok = true;
    }
  }
  const bool equal = sodium_memcmp(stored.data(), computed.data(), 32) == 0;
  if (!(equal && stored_ok && digits && !rows.empty())) return no_such;
  PublicStatus s;
  s.state = state_of(rows[0].text(2));
  s.received_at = from_micros(rows[0].integer(3));
  s.updated_at = from_micros(rows[0].integer(4));
  return s;
}

Result<Report> get(store::Connection& c, const Keys& keys, std::string_view report_id) {
  std::vector<Value> params{std::string(report_id)};
  auto rows = c.query("SELECT " + std::string(kReportColumns) + " FROM report_reports WHERE id = $1", params);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorCode::not_found, "no report " + std::string(report_id));
  const store::Row& row = (*rows)[0];
  Report r;
  r.id = row.text(0);
  r.code = row.text(1);
  r.channel = row.text(2);
  r.external_id = row.text(3);
  r.category = row.text(4);
  r.description = row.text(5);
  r.platform = row.text(6);
  r.links = split_lines(row.text(7));
  r.accounts = row.text(8);
  r.period = row.text(9);
  r.age_band = row.text(10);
  r.province = row.text(11);
  r.danger_now = row.integer(12) != 0;
  if (!row.is_null(13)) {
    auto contact = open_contact(keys, r.id, row.text(13));
    if (!contact) return contact.error();
    r.contact = std::move(*contact);
  }
  r.unit = row.text(14);
  r.owner = row.text(15);
  r.language = row.text(16);
  r.state = state_of(row.text(17));
  r.priority = priority_of(row.integer(18));
  r.received_at = from_micros(row.integer(19));
  r.updated_at = from_micros(row.integer(20));
  r.evidence_count = row.integer(21);
  return r;
}

Result<std::string> find_by_code(store::Connection& c, std::string_view code) {
  const auto canonical = parse_receipt_code(code);
  if (!canonical) return make_error(ErrorCode::not_found, "no report has this receipt code");
  std::vector<Value> params{*canonical};
  auto rows = c.query("SELECT id FROM report_reports WHERE code = $1", params);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorCode::not_found, "no report has this receipt code");
  return (*rows)[0].text(0);
}

namespace {

// The columns summaries() reads, in its order.
constexpr const char* kSummaryColumns =
    "SELECT id, code, channel, category, platform, danger_now, contact_sealed IS NOT NULL, unit_id, "
    "owner_id, "
    "state, priority, received_us, updated_us, (SELECT COUNT(*) FROM report_evidence WHERE "
    "report_evidence.report_id = report_reports.id AND report_evidence.state = 'stored'), age_band "
    "FROM report_reports ";

std::vector<ReportSummary> summaries(const std::vector<store::Row>& rows) {
  std::vector<ReportSummary> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    ReportSummary s;
    s.id = row.text(0);
    s.code = row.text(1);
    s.channel = row.text(2);
    s.category = row.text(3);
    s.platform = row.text(4);
    s.danger_now = row.integer(5) != 0;
    s.has_contact = row.integer(6) != 0;
    s.unit = row.text(7);
    s.owner = row.text(8);
    s.state = state_of(row.text(9));
    s.priority = priority_of(row.integer(10));
    s.received_at = from_micros(row.integer(11));
    s.updated_at = from_micros(row.integer(12));
    s.evidence_count = row.integer(13);
    s.age_band = row.text(14);
    out.push_back(std::move(s));
  }
  return out;
}

// Appends a parameter and returns its placeholder.
std::string bind(std::vector<Value>& params, Value v) {
  params.push_back(std::move(v));
  return "$" + std::to_string(params.size());
}

}  // namespace

Result<std::vector<ReportSummary>> list(store::Connection& c, const ListFilter& f) {
  if (f.access.where.empty())
    return make_error(ErrorCode::invalid_argument, "report list: an access filter is required");
  if (f.limit < 1 || f.limit > 1000)
    return make_error(ErrorCode::invalid_argument, "report list: limit must be 1..1000");
  std::vector<Value> params = f.access.params;
  std::string sql = std::string(kSummaryColumns) + "WHERE (" + f.access.where + ")";
  if (f.state) sql += " AND state = " + bind(params, std::string(to_string(*f.state)));
  if (f.unit) sql += " AND unit_id = " + bind(params, *f.unit);
  if (f.min_priority)
    sql += " AND priority >= " + bind(params, std::int64_t{static_cast<int>(*f.min_priority)});
  sql += " ORDER BY priority DESC, received_us ASC, id ASC LIMIT " +
         bind(params, static_cast<std::int64_t>(f.limit));
  sql += " OFFSET " + bind(params, static_cast<std::int64_t>(f.offset));
  auto rows = c.query(sql, params);
  if (!rows) return rows.error();
  return summaries(*rows);
}

Result<QueuePage> queue(store::Connection& c, const auth::SqlFilter& access, std::size_t limit,
                        std::size_t offset) {
  if (access.where.empty())
    return make_error(ErrorCode::invalid_argument, "report queue: an access filter is required");
  if (limit < 1 || limit > 1000)
    return make_error(ErrorCode::invalid_argument, "report queue: limit must be 1..1000");
  std::vector<Value> params = access.params;
  const std::string waiting =
      "WHERE (" + access.where + ") AND state = " + bind(params, std::string("received"));
  QueuePage page;
  auto count = c.query("SELECT COUNT(*) FROM report_reports " + waiting, params);
  if (!count) return count.error();
  page.total = (*count)[0].integer(0);
  // The age band's rank: its position in the taxonomy (youngest first), unknown last.
  std::string rank = "CASE age_band";
  const auto bands = taxonomy::age_bands();
  for (std::size_t i = 0; i < bands.size(); ++i) {
    if (bands[i].key == "unknown") continue;
    rank += " WHEN " + bind(params, std::string(bands[i].key)) + " THEN " +
            bind(params, static_cast<std::int64_t>(i));
  }
  rank += " ELSE " + bind(params, static_cast<std::int64_t>(bands.size())) + " END";
  std::string sql = std::string(kSummaryColumns) + waiting + " ORDER BY priority DESC, " + rank +
                    ", received_us ASC, id ASC LIMIT " + bind(params, static_cast<std::int64_t>(limit)) +
                    " OFFSET " + bind(params, static_cast<std::int64_t>(offset));
  auto rows = c.query(sql, params);
  if (!rows) return rows.error();
  page.items = summaries(*rows);
  return page;
}

namespace {

// Why a conditional update changed nothing: not_found, or conflict when the report exists.
Status explain_no_change(store::Connection& tx, std::string_view report_id, const char* conflict) {
  std::vector<Value> params{std::string(report_id)};
  auto rows = tx.query("SELECT 1 FROM report_reports WHERE id = $1", params);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorCode::not_found, "no such report");
  return make_error(ErrorCode::conflict, conflict);
}

}  // namespace

Status claim(store::Connection& tx, std::string_view report_id, std::string_view user, Timestamp now) {
  if (!detail::is_identifier(user, audit::kMaxIdLength))
    return make_error(ErrorCode::invalid_argument, "report owner: not a user id");
  std::vector<Value> params{std::string(user), micros(now), std::string(report_id)};
  auto changed = tx.execute(
      "UPDATE report_reports SET owner_id = $1, updated_us = $2 WHERE id = $3 AND state = 'received' AND "
      "(owner_id = '' OR owner_id = $1)",
      params);
  if (!changed) return changed.error();
  if (*changed == 1) return {};
  return explain_no_change(tx, report_id, "another counsellor holds this report, or it is no longer waiting");
}

Status release(store::Connection& tx, std::string_view report_id, std::string_view user, Timestamp now) {
  std::vector<Value> params{micros(now), std::string(report_id)};
  std::string sql = "UPDATE report_reports SET owner_id = '', updated_us = $1 WHERE id = $2";
  if (!user.empty()) sql += " AND (owner_id = '' OR owner_id = " + bind(params, std::string(user)) + ")";
  auto changed = tx.execute(sql, params);
  if (!changed) return changed.error();
  if (*changed == 1) return {};
  return explain_no_change(tx, report_id, "another counsellor holds this report");
}

Status set_state(store::Connection& tx, std::string_view report_id, State state, Timestamp now) {
  std::vector<Value> params{std::string(to_string(state)), micros(now), std::string(report_id)};
  return expect_one(tx.execute("UPDATE report_reports SET state = $1, updated_us = $2 WHERE id = $3", params),
                    "report", report_id);
}

Status set_owner(store::Connection& tx, std::string_view report_id, std::string_view owner, Timestamp now) {
  if (!owner.empty() && !detail::is_identifier(owner, audit::kMaxIdLength))
    return make_error(ErrorCode::invalid_argument, "report owner: not a user id");
  std::vector<Value> params{std::string(owner), micros(now), std::string(report_id)};
  return expect_one(
      tx.execute("UPDATE report_reports SET owner_id = $1, updated_us = $2 WHERE id = $3", params), "report",
      report_id);
}

}  // namespace baove::report
