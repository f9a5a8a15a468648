// Routes: (method, path pattern) -> handler, with per-route limits. Patterns are literal
// segments and `{name}` segments that match one non-empty segment ("/api/v1/users/{id}").
// Literal segments win over parameters. find() tells "no such path" (404) from "path exists but
// not for this method" (405, with the allowed methods).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/http.hpp"
#include "util/result.hpp"

namespace baove::http {

// A plain handler: runs on a worker thread and may block (database, password hashing).
using Handler = std::function<Response(Request&)>;

// Answers a request; call exactly once, from any thread (later calls are ignored).
using Respond = std::function<void(Response)>;
// An asynchronous handler: runs on a network thread, so it must not block for long (short
// database reads are fine; waiting on another thread is not). It answers through `respond`, now
// or later from any thread; the Request stays valid until then. Used where the answer waits on
// shared work (the audit group commit) so that no thread sits idle waiting for it.
using AsyncHandler = std::function<void(Request&, Respond)>;

// The body of a request whose route streams it (large uploads): the handler pulls it in pieces
// instead of receiving it whole in Request::body, so memory stays constant whatever its size.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Fills the front of `buffer` with the next bytes of the body; returns how many, 0 at its end
  // (also for a request without a body). Blocks until some bytes arrive. Errors: limit_exceeded
  // when the body goes past the route's limit; io when the client stops sending for longer than
  // the server's request timeout, closes the connection, or sends a malformed (chunked) body.
  // After an error every further read() fails the same way. Not thread-safe.
  virtual Result<std::size_t> read(std::span<std::uint8_t> buffer) = 0;
  // Body bytes delivered so far.
  virtual std::uint64_t bytes_read() const = 0;
  // Whether the whole body has been read (a handler that answers before the end makes the server
  // close the connection after the response).
  virtual bool complete() const = 0;
};

// A streaming handler: runs on a worker thread like Handler; Request::body stays empty.
using StreamHandler = std::function<Response(Request&, BodyReader&)>;

struct Route {
  Method method = Method::get;
  std::string pattern;
  Handler handler;               // exactly one of handler, async and stream is set
  std::uint64_t body_limit = 0;  // 0: the server's default body limit
  AsyncHandler async;
  StreamHandler stream;
};

class Router {
 public:
  // Adds a route. A duplicate (method, pattern) replaces the earlier one.
  void add(Route route);
  void add(Method method, std::string pattern, Handler handler, std::size_t body_limit = 0);
  void add_async(Method method, std::string pattern, AsyncHandler handler, std::size_t body_limit = 0);
  // A route whose body the handler reads itself (BodyReader), up to `body_limit` bytes.
  void add_stream(Method method, std::string pattern, StreamHandler handler, std::uint64_t body_limit);

  struct Found {
    const Route* route = nullptr;               // null when nothing matched
    std::vector<Method> allowed;                // when the path matched for other methods only
    std::map<std::string, std::string> params;  // path parameters, percent-decoded
  };
  // HEAD finds GET routes (the server drops the body).
  Found find(Method method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> segments_;  // routes_[i]'s pattern, split once
};

}  // namespace baove::http
