// Fetching a message's attachments from the platform's file servers (libcurl), streamed to a
// sink in constant memory, with the protections a server that fetches addresses it was sent needs
// (server-side request forgery):
// - Only https, unless allow_http (tests, a local mirror). No user information in the address.
// - Only hosts matching allowed_host_suffixes when it is not empty ("zdn.vn" allows zdn.vn and
//   any name ending in ".zdn.vn"; an IP address literal matches only itself).
// - Never a private, loopback, link-local, shared (CGNAT), multicast, documentation or reserved
//   address, unless allow_private_addresses: IP literals are refused before connecting, and every
//   address a name resolves to is checked again at the moment of connecting (so DNS answers that
//   point inside the network, or change between check and use, are refused too).
// - Redirects are followed by hand, each target checked like the first address: by default only
//   to the same host and scheme (RedirectPolicy::same_host); never from https to http.
// - Proxies from the environment are ignored. TLS peers are verified with the system's CAs.
// - At most max_bytes of body (limit_exceeded, whether or not the server announced the length);
//   connect_timeout and total_timeout (limit_exceeded; the total covers all redirects).
// Errors: invalid_argument (address refused: scheme, host, user information, private address,
// redirect elsewhere), limit_exceeded (size, time, too many redirects), not_found (HTTP 404 or
// 410), io (DNS, connection, TLS, other HTTP statuses), or the sink's own error. Messages never
// hold the address (platform addresses carry access tokens) or the content. On any failure the
// bytes the sink received so far are incomplete and must be discarded.
// Thread-safety: a Fetcher is immutable; fetch() may run from many threads at once (one curl
// handle per call).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace baove::intake {

enum class RedirectPolicy {
  none,           // any redirect fails
  same_host,      // only to the same scheme, host and port
  allowed_hosts,  // to any address the options allow (the CDN of a platform that moves files)
};

struct FetchOptions {
  std::vector<std::string> allowed_host_suffixes;  // empty: any host (still never a private address)
  bool allow_http = false;
  bool allow_private_addresses = false;
  std::uint64_t max_bytes = 100ull * 1024 * 1024;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(120)};
  RedirectPolicy redirects = RedirectPolicy::same_host;
  int max_redirects = 5;
  std::string user_agent = "Baove-Intake/0.1";
};

struct FetchInfo {
  std::string content_type;  // the response's Content-Type, lower case, without parameters; "" if none
  std::uint64_t size = 0;    // bytes handed to the sink
  int redirects = 0;         // redirects followed
};

// Receives the body in pieces of at most 16 KiB; an error stops the transfer and is returned.
using FetchSink = std::function<Status(std::span<const std::uint8_t>)>;

class Fetcher {
 public:
  explicit Fetcher(FetchOptions options);

  // GETs `url` and streams a 2xx body to `sink` (see above).
  Result<FetchInfo> fetch(std::string_view url, const FetchSink& sink) const;

  // The checks fetch() makes on an address before connecting (no network): ok or invalid_argument.
  Status check_url(std::string_view url) const;

  const FetchOptions& options() const { return options_; }

 private:
  FetchOptions options_;
};

// True when `ip` is an IPv4 or IPv6 address literal (IPv6 with or without brackets) of a public
// unicast address; false for private, loopback, link-local, CGNAT, multicast, documentation,
// reserved and unspecified addresses (IPv4-mapped, NAT64 and 6to4 IPv6 addresses are judged by
// the IPv4 address inside) and for anything that is not an address literal.
bool is_public_ip(std::string_view ip);

}  // namespace baove::intake
