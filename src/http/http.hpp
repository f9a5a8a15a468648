// Requests and responses as the handlers see them: plain values with no network types, so that
// the API layer never includes Boost.Beast. The server (server.hpp) fills a Request from the wire,
// runs the route's handler on a worker thread and writes the Response back.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace baove::http {

enum class Method { get, head, post, put, patch, delete_, options, other };
const char* to_string(Method m) noexcept;  // "GET", ...; "OTHER"
Method parse_method(std::string_view s) noexcept;
// POST, PUT, PATCH and DELETE change state (and need a CSRF token from cookie sessions).
bool is_unsafe(Method m) noexcept;

struct Header {
  std::string name;  // lower case
  std::string value;
};

struct Request {
  Method method = Method::get;
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded path, without the query
  std::string query;   // raw query string, without '?'
  std::vector<Header> headers;
  std::string body;
  std::string remote_address;                      // client IP address, canonical text
  std::string request_id;                          // the X-Request-Id of the response
  std::map<std::string, std::string> path_params;  // filled by the router: {id} -> value
  std::string route;                               // the matched route pattern, for logs and metrics

  // The first header of that name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  // The value of a cookie from the Cookie header, if present.
  std::optional<std::string> cookie(std::string_view name) const;
  // The first query parameter of that name, percent-decoded ('+' is a space); nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
  // Every query parameter name, in order (for refusing unknown ones).
  std::vector<std::string> query_names() const;
};

// A response body produced piece by piece (a large download) instead of held in memory. The
// server calls read() on a worker thread and writes each piece before asking for the next, so a
// slow client holds one piece, not the body. Released after the response (or when the client
// goes away), on a worker or network thread.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Fills the front of `out` with the next bytes and returns how many; 0 only at the end. An
  // error, or an end before the announced length, closes the connection: the client sees fewer
  // bytes than Content-Length and knows the download failed.
  virtual Result<std::size_t> read(std::span<std::uint8_t> out) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<Header> headers;  // extra headers (Set-Cookie, Location, Retry-After, ...)
  std::string body;
  // When set, the body is `stream_length` bytes read from `stream` (and `body` is ignored).
  std::shared_ptr<BodySource> stream;
  std::uint64_t stream_length = 0;

  static Response json(int status, std::string body);
  static Response no_content();
  Response& with_header(std::string name, std::string value);
};

// The error body of every failure: {"error":{"code":..,"message":..,"fields":[..]}}.
// `code` is one of the codes listed in the OpenAPI document (bad_request, validation_failed,
// unauthenticated, forbidden, not_found, method_not_allowed, conflict, payload_too_large,
// unsupported_media_type, too_many_requests, request_timeout, header_too_large, unavailable,
// internal). The message must not hold personal data or secrets.
Response error(int status, std::string_view code, std::string_view message,
               const std::vector<std::string>& fields = {});

// Percent-decoding; nullopt for a malformed escape. When `plus_is_space`, '+' decodes to ' '.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

// Escapes for a JSON string body (without the quotes).
std::string json_escape(std::string_view s);

}  // namespace baove::http
