// A minimal HTTP/1.1 client over loopback TCP for tests and benchmarks: plain sockets, one
// request at a time per Client, keep-alive, Content-Length bodies (what the server sends).
// Not a general client: no chunked responses, no TLS, no redirects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baove::testing {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  // The first header of that name (lower case), or "".
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the response. `headers` are extra "Name: value" lines. Returns
  // nullopt when the connection fails or closes before a whole response (the error is in
  // last_error()). Reconnects when the server closed a kept-alive connection before the request.
  std::optional<HttpResponse> request(std::string_view method, std::string_view target,
                                      std::string_view body = {},
                                      const std::vector<std::string>& headers = {});
  // Writes raw bytes on a fresh connection and reads whatever comes back until the server closes
  // or `timeout_ms` passes: for malformed-request tests.
  std::string raw(std::string_view bytes, int timeout_ms = 5000);

  const std::string& last_error() const { return error_; }
  void close();

 private:
  bool connect();
  std::string host_;
  std::uint16_t port_;
  int fd_ = -1;
  std::string error_;
};

}  // namespace baove::testing
