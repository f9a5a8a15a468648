// Phone numbers and account names: normalising, and the keyed hashes that are stored instead.
#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "hotline/hotline.hpp"
#include "taxonomy/taxonomy.hpp"

namespace baove::hotline {
namespace {

constexpr std::size_t kMaxPhoneInput = 64;
constexpr std::string_view kPhoneDomain{"baove.hotline.phone", 20};  // with its NUL: a separator
constexpr std::string_view kAccountDomain{"baove.hotline.account", 22};

Error bad_phone(const char* why) {
  return make_error(ErrorCode::invalid_argument, std::string("phone number: ") + why);
}

bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

LookupHash keyed_hash(const Keys& keys, std::string_view domain, std::string_view value) {
  if (sodium_init() < 0) std::abort();  // libsodium cannot work at all: nothing sensible to return
  crypto_generichash_state st;
  crypto_generichash_init(&st, keys.lookup.data(), keys.lookup.size(), 32);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(domain.data()), domain.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(value.data()), value.size());
  LookupHash out{};
  crypto_generichash_final(&st, out.data(), out.size());
  sodium_memzero(&st, sizeof st);
  return out;
}

// Whether `s` (folded, no spaces) looks like a link: a scheme, or a host name with a dot before
// the first "/" or the end.
bool looks_like_link(std::string_view s) {
  if (s.find("://") != std::string_view::npos) return true;
  const std::string_view host = s.substr(0, s.find('/'));
  const std::size_t dot = host.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= host.size()) return false;
  for (char ch : host) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-')) return false;
  }
  // The last label is a top-level domain: letters only.
  const std::string_view tld = host.substr(host.rfind('.') + 1);
  for (char ch : tld) {
    if (ch < 'a' || ch > 'z') return false;
  }
  return tld.size() >= 2;
}

}  // namespace

Result<std::string> normalise_phone(std::string_view phone) {
  if (phone.size() > kMaxPhoneInput) return make_error(ErrorCode::limit_exceeded, "phone number: too long");
  std::string digits;
  bool plus = false;
  for (char ch : phone) {
    if (ch >= '0' && ch <= '9') {
      digits += ch;
    } else if (ch == '+') {
      if (plus || !digits.empty()) return bad_phone("'+' only at the start");
      plus = true;
    } else if (!(is_space(ch) || ch == '.' || ch == '-' || ch == '(' || ch == ')')) {
      return bad_phone("only digits, '+', spaces, dots, dashes and brackets");
    }
  }
  if (!plus && digits.starts_with("00")) {
    plus = true;
    digits.erase(0, 2);
  }
  std::string national;
  if (plus) {
    if (!digits.starts_with("84")) {
      if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0')
        return bad_phone("not an international number");
      return "+" + digits;
    }
    national = digits.substr(2);
  } else if (digits.starts_with("84") && (digits.size() == 11 || digits.size() == 12)) {
    national = digits.substr(2);
  } else if (digits.starts_with("0")) {
    national = digits.substr(1);
  } else {
    national = digits;  // the leading 0 left out
  }
  if (national.starts_with("0")) national.erase(0, 1);  // "+84 0912 ...": the 0 typed anyway
  if (national.size() < 9 || national.size() > 10 || national[0] == '0') {
    return bad_phone("not a Vietnamese number of 9 or 10 digits after the 0");
  }
  return "+84" + national;
}

Result<std::string> normalise_account(std::string_view account) {
  if (account.size() > kMaxAccountBytes) return make_error(ErrorCode::limit_exceeded, "account: too long");
  const std::string folded = taxonomy::fold(account);
  std::string s;
  for (char ch : folded) {
    if (is_space(ch)) {
      if (!s.empty() && s.back() != ' ') s += ' ';
    } else {
      s += ch;
    }
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.find(' ') == std::string::npos && looks_like_link(s)) {
    if (auto scheme = s.find("://"); scheme != std::string::npos) s.erase(0, scheme + 3);
    for (std::string_view prefix : {"www.", "m.", "mobile."}) {
      if (s.starts_with(prefix)) {
        s.erase(0, prefix.size());
        break;
      }
    }
    if (auto hash = s.find('#'); hash != std::string::npos) s.erase(hash);
    while (!s.empty() && s.back() == '/') s.pop_back();
  }
  if (s.empty()) return make_error(ErrorCode::invalid_argument, "account: empty");
  return s;
}

Result<LookupHash> phone_hash(const Keys& keys, std::string_view phone) {
  auto n = normalise_phone(phone);
  if (!n.ok()) return n.error();
  return keyed_hash(keys, kPhoneDomain, *n);
}

Result<LookupHash> account_hash(const Keys& keys, std::string_view account) {
  auto n = normalise_account(account);
  if (!n.ok()) return n.error();
  return keyed_hash(keys, kAccountDomain, *n);
}

Result<CallerHashes> caller_hashes(const Keys& keys, std::string_view phone,
                                   std::span<const std::string> accounts) {
  if (accounts.size() > kMaxAccounts) return make_error(ErrorCode::limit_exceeded, "accounts: too many");
  CallerHashes out;
  if (!phone.empty()) {
    auto h = phone_hash(keys, phone);
    if (!h.ok()) return h.error();
    out.phone = *h;
  }
  for (const std::string& a : accounts) {
    auto h = account_hash(keys, a);
    if (!h.ok()) return h.error();
    if (std::find(out.accounts.begin(), out.accounts.end(), *h) == out.accounts.end())
      out.accounts.push_back(*h);
  }
  return out;
}

}  // namespace baove::hotline
