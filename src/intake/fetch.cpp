// Attachment fetching with libcurl (fetch.hpp).
#include "intake/fetch.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "intake/internal.hpp"
#include "intake/message.hpp"

namespace baove::intake {

namespace {

bool private_v4(std::uint32_t a) {  // host byte order
  const auto in = [a](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0u : ~0u << (32 - bits);
    return (a & mask) == net;
  };
  return in(0x00000000, 8) ||   // "this network"
         in(0x0A000000, 8) ||   // 10/8
         in(0x64400000, 10) ||  // 100.64/10 shared address space (CGNAT)
         in(0x7F000000, 8) ||   // loopback
         in(0xA9FE0000, 16) ||  // 169.254/16 link-local (cloud metadata services)
         in(0xAC100000, 12) ||  // 172.16/12
         in(0xC0000000, 24) ||  // 192.0.0/24 IETF protocol assignments
         in(0xC0000200, 24) ||  // 192.0.2/24 documentation
         in(0xC0586300, 24) ||  // 192.88.99/24 6to4 relay anycast
         in(0xC0A80000, 16) ||  // 192.168/16
         in(0xC6120000, 15) ||  // 198.18/15 benchmarking
         in(0xC6336400, 24) ||  // 198.51.100/24 documentation
         in(0xCB007100, 24) ||  // 203.0.113/24 documentation
         a >= 0xE0000000;       // multicast, reserved, broadcast
}

std::uint32_t v4_at(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

bool private_v6(const std::uint8_t* b) {
  static constexpr std::uint8_t kZero[10] = {};
  const bool first80_zero = std::memcmp(b, kZero, 10) == 0;
  if (first80_zero && b[10] == 0xFF && b[11] == 0xFF) return private_v4(v4_at(b + 12));  // ::ffff:a.b.c.d
  if (first80_zero && b[10] == 0 && b[11] == 0) return true;  // ::, ::1, deprecated ::a.b.c.d
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B) {
    if (b[4] == 0 && b[5] == 0 && std::memcmp(b + 6, kZero, 6) == 0)
      return private_v4(v4_at(b + 12));  // NAT64
    return true;                         // 64:ff9b:1::/48 local-use NAT64
  }
  if (b[0] == 0x01 && b[1] == 0x00 && std::memcmp(b + 2, kZero, 6) == 0) return true;  // 100::/64 discard
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02) return true;  // 2001::/23 (Teredo, ORCHID, ...)
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return true;  // 2001:db8::/32
  if (b[0] == 0x20 && b[1] == 0x02) return private_v4(v4_at(b + 2));  // 6to4 carries an IPv4 address
  if ((b[0] & 0xFE) == 0xFC) return true;                             // fc00::/7 unique local
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return true;             // fe80::/10 link-local
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return true;             // fec0::/10 site-local
  if (b[0] == 0xFF) return true;                                      // multicast
  return false;
}

// Which address literal `host` is, if any.
enum class Literal { none, v4, v6 };
Literal literal_kind(const std::string& host, std::array<std::uint8_t, 16>& bytes) {
  std::string h = host;
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (const std::size_t pct = h.find('%'); pct != std::string::npos) h = h.substr(0, pct);  // zone id
  if (::inet_pton(AF_INET, h.c_str(), bytes.data()) == 1) return Literal::v4;
  if (::inet_pton(AF_INET6, h.c_str(), bytes.data()) == 1) return Literal::v6;
  return Literal::none;
}

bool host_allowed(const std::string& host, const std::vector<std::string>& suffixes, bool literal) {
  if (suffixes.empty()) return true;
  for (const auto& s : suffixes) {
    std::string suffix = ascii_lower(s);
    while (!suffix.empty() && suffix.front() == '.') suffix.erase(0, 1);
    if (suffix.empty()) continue;
    if (host == suffix) return true;
    if (!literal && host.size() > suffix.size() && host.ends_with(suffix) &&
        host[host.size() - suffix.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

struct CurlUrl {
  CURLU* h = curl_url();
  ~CurlUrl() { curl_url_cleanup(h); }
  CurlUrl() = default;
  CurlUrl(const CurlUrl&) = delete;
  CurlUrl& operator=(const CurlUrl&) = delete;

  std::optional<std::string> part(CURLUPart what) const {
    char* v = nullptr;
    if (curl_url_get(h, what, &v, 0) != CURLUE_OK || v == nullptr) return std::nullopt;
    std::string s(v);
    curl_free(v);
    return s;
  }
};

struct Target {
  std::string url;     // as curl normalised it
  std::string scheme;  // lower case
  std::string host;    // lower case, brackets kept for IPv6
  std::string port;    // explicit or the scheme's default
};

Result<Target> parse_target(std::string_view url, const FetchOptions& o) {
  const auto refuse = [](const char* why) {
    return make_error(ErrorCode::invalid_argument, std::string("fetch: ") + why);
  };
  if (url.size() > 16 * 1024) return refuse("address too long");
  CurlUrl u;
  if (u.h == nullptr) return make_error(ErrorCode::internal, "fetch: out of memory");
  const std::string text(url);
  if (text.find('\0') != std::string::npos ||
      curl_url_set(u.h, CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return refuse("not an absolute http(s) address");
  }
  Target t;
  t.scheme = ascii_lower(u.part(CURLUPART_SCHEME).value_or(""));
  if (t.scheme != "https" && !(t.scheme == "http" && o.allow_http)) return refuse("scheme not allowed");
  if (u.part(CURLUPART_USER) || u.part(CURLUPART_PASSWORD)) return refuse("user information not allowed");
  t.host = ascii_lower(u.part(CURLUPART_HOST).value_or(""));
  while (!t.host.empty() && t.host.back() == '.') t.host.pop_back();
  if (t.host.empty()) return refuse("no host");
  char* port = nullptr;
  if (curl_url_get(u.h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK && port != nullptr) {
    t.port = port;
    curl_free(port);
  }
  std::array<std::uint8_t, 16> bytes{};
  const Literal lit = literal_kind(t.host, bytes);
  if (!host_allowed(t.host, o.allowed_host_suffixes, lit != Literal::none)) return refuse("host not allowed");
  if (!o.allow_private_addresses) {
    if ((lit == Literal::v4 && private_v4(v4_at(bytes.data()))) ||
        (lit == Literal::v6 && private_v6(bytes.data()))) {
      return refuse("address not allowed (private, local or reserved)");
    }
  }
  t.url = u.part(CURLUPART_URL).value_or(text);
  return t;
}

struct Transfer {
  const FetchSink* sink = nullptr;
  std::uint64_t max_bytes = 0;
  bool allow_private = false;
  CURL* curl = nullptr;
  bool decided = false;  // whether the status was looked at
  bool deliver = false;  // a 2xx body, handed to the sink
  bool too_big = false;
  bool blocked = false;  // a resolved address was refused
  std::uint64_t size = 0;
  std::optional<Error> sink_error;
};

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (!t->decided) {
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    t->deliver = status >= 200 && status < 300;
    t->decided = true;
  }
  if (!t->deliver) return 0;  // a redirect or error body is not wanted: stop reading it
  if (n > t->max_bytes - t->size) {
    t->too_big = true;
    return 0;
  }
  t->size += n;
  if (n == 0) return 0;
  Status st = (*t->sink)(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data), n));
  if (!st.ok()) {
    t->sink_error = st.error();
    return 0;
  }
  return n;
}

curl_socket_t on_open_socket(void* user, curlsocktype purpose, struct curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (!t->allow_private) {
    bool refused = true;
    if (address->family == AF_INET) {
      sockaddr_in in{};
      std::memcpy(&in, &address->addr, sizeof in);
      refused = private_v4(ntohl(in.sin_addr.s_addr));
    } else if (address->family == AF_INET6) {
      sockaddr_in6 in6{};
      std::memcpy(&in6, &address->addr, sizeof in6);
      refused = private_v6(in6.sin6_addr.s6_addr);
    }
    if (refused) {
      t->blocked = true;
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) std::abort();
  });
}

std::string media_type(const char* content_type) {
  if (content_type == nullptr) return {};
  std::string_view v(content_type);
  v = v.substr(0, v.find(';'));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  return sanitize_utf8(ascii_lower(v));
}

}  // namespace

bool is_public_ip(std::string_view ip) {
  std::array<std::uint8_t, 16> bytes{};
  switch (literal_kind(std::string(ip), bytes)) {
    case Literal::v4:
      return !private_v4(v4_at(bytes.data()));
    case Literal::v6:
      return !private_v6(bytes.data());
    case Literal::none:
      return false;
  }
  return false;
}

Fetcher::Fetcher(FetchOptions options) : options_(std::move(options)) { global_init(); }

Status Fetcher::check_url(std::string_view url) const {
  auto t = parse_target(url, options_);
  if (!t) return t.error();
  return {};
}

Result<FetchInfo> Fetcher::fetch(std::string_view url, const FetchSink& sink) const {
  const auto deadline = std::chrono::steady_clock::now() + options_.total_timeout;
  auto target = parse_target(url, options_);
  if (!target) return target.error();
  FetchInfo info;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return make_error(ErrorCode::limit_exceeded, "fetch: took longer than the time limit");
    std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
    if (!curl) return make_error(ErrorCode::internal, "fetch: cannot create a transfer");
    CURL* c = curl.get();
    Transfer t;
    t.sink = &sink;
    t.max_bytes = options_.max_bytes;
    t.allow_private = options_.allow_private_addresses;
    t.curl = c;
    const auto connect_ms = std::min(options_.connect_timeout, left);
    bool ok =
        curl_easy_setopt(c, CURLOPT_URL, target->url.c_str()) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, options_.allow_http ? "http,https" : "https") ==
            CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_ms.count())) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count())) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(std::min<std::uint64_t>(options_.max_bytes, INT64_MAX))) ==
            CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str()) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_write) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &t) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, &on_open_socket) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
    if (!ok) return make_error(ErrorCode::internal, "fetch: cannot configure the transfer");

    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (t.blocked) {
      return make_error(ErrorCode::invalid_argument,
                        "fetch: the host resolves to a private, local or reserved address");
    }
    if (t.sink_error) return *t.sink_error;
    if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
      return make_error(ErrorCode::limit_exceeded,
                        "fetch: body larger than " + std::to_string(options_.max_bytes) + " bytes");
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return make_error(ErrorCode::limit_exceeded, "fetch: took longer than the time limit");
    }
    const bool aborted_unwanted_body = rc == CURLE_WRITE_ERROR && t.decided && !t.deliver;
    if (rc != CURLE_OK && !aborted_unwanted_body) {
      return make_error(ErrorCode::io, std::string("fetch: ") + curl_easy_strerror(rc));
    }
    if (status >= 200 && status < 300) {
      char* ct = nullptr;
      curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
      info.content_type = media_type(ct);
      info.size = t.size;
      return info;
    }
    if (status == 404 || status == 410)
      return make_error(ErrorCode::not_found, "fetch: HTTP status " + std::to_string(status));
    if (status >= 300 && status < 400 && status != 304) {
      char* location = nullptr;
      curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
      if (location == nullptr) return make_error(ErrorCode::io, "fetch: redirect without a Location");
      if (options_.redirects == RedirectPolicy::none) {
        return make_error(ErrorCode::invalid_argument, "fetch: redirects are not followed");
      }
      if (info.redirects >= options_.max_redirects)
        return make_error(ErrorCode::limit_exceeded, "fetch: too many redirects");
      auto next = parse_target(location, options_);
      if (!next) return next.error();
      if (target->scheme == "https" && next->scheme != "https") {
        return make_error(ErrorCode::invalid_argument, "fetch: redirect from https to http refused");
      }
      if (options_.redirects == RedirectPolicy::same_host &&
          (next->host != target->host || next->port != target->port || next->scheme != target->scheme)) {
        return make_error(ErrorCode::invalid_argument, "fetch: redirect to another host refused");
      }
      ++info.redirects;
      target = std::move(next);
      continue;
    }
    return make_error(ErrorCode::io, "fetch: HTTP status " + std::to_string(status));
  }
}

}  // namespace baove::intake
