#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace baove::testing {

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

HttpClient::~HttpClient() { close(); }

void HttpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool HttpClient::connect() {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error_ = std::strerror(errno);
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    close();
    return false;
  }
  return true;
}

namespace {

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                                std::string_view body,
                                                const std::vector<std::string>& headers) {
  std::string req;
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host_).append("\r\n");
  for (const auto& h : headers) req.append(h).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  req.append("\r\n").append(body);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool fresh = fd_ < 0;
    if (fd_ < 0 && !connect()) return std::nullopt;
    if (!send_all(fd_, req)) {
      close();
      if (fresh) {
        error_ = "send failed";
        return std::nullopt;
      }
      continue;
    }
    std::string buf;
    char chunk[16384];
    std::size_t header_end = std::string::npos;
    HttpResponse resp;
    std::size_t content_length = 0;
    bool close_after = false;
    bool got_any = false;
    for (;;) {
      if (header_end == std::string::npos) {
        header_end = buf.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          std::string_view head(buf.data(), header_end);
          const auto line_end = head.find("\r\n");
          const std::string_view status_line = head.substr(0, line_end);
          if (status_line.size() < 12) {
            error_ = "bad status line";
            close();
            return std::nullopt;
          }
          resp.status = std::stoi(std::string(status_line.substr(9, 3)));
          std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
          while (!rest.empty()) {
            const auto e = rest.find("\r\n");
            std::string_view line = rest.substr(0, e);
            rest = e == std::string_view::npos ? "" : rest.substr(e + 2);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            std::string name = lower(std::string(line.substr(0, colon)));
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            if (name == "content-length") content_length = std::stoul(std::string(value));
            if (name == "connection" && lower(std::string(value)) == "close") close_after = true;
            resp.headers.emplace_back(std::move(name), std::string(value));
          }
          if (resp.status == 100) {  // 100 Continue: skip it, read the real response
            buf.erase(0, header_end + 4);
            header_end = std::string::npos;
            resp = HttpResponse{};
            content_length = 0;
            continue;
          }
        }
      }
      if (header_end != std::string::npos) {
        const bool no_body = method == "HEAD" || resp.status == 204 || resp.status == 304;
        const std::size_t want = header_end + 4 + (no_body ? 0 : content_length);
        if (buf.size() >= want) {
          resp.body = buf.substr(header_end + 4, no_body ? 0 : content_length);
          if (close_after) close();
          return resp;
        }
      }
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got_any = true;
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    close();
    if (got_any || fresh) {
      error_ = "connection closed before a whole response";
      return std::nullopt;
    }
    // A kept-alive connection the server had closed: try once more on a fresh one.
  }
  error_ = "connection closed";
  return std::nullopt;
}

std::string HttpClient::raw(std::string_view bytes, int timeout_ms) {
  close();
  if (!connect()) return {};
  send_all(fd_, bytes);
  std::string out;
  char chunk[4096];
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  close();
  return out;
}

}  // namespace baove::testing
