// Routes: (method, path pattern) -> handler, with per-route limits. Patterns are literal
// segments and `{name}` segments that match one non-empty segment ("/api/v1/users/{id}").
// Literal segments win over parameters. find() tells "no such path" (404) from "path exists but
// not for this method" (405, with the allowed methods).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/http.hpp"

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

struct Route {
  Method method = Method::get;
  std::string pattern;
  Handler handler;             // exactly one of handler and async is set
  std::size_t body_limit = 0;  // 0: the server's default body limit
  AsyncHandler async;
};

class Router {
 public:
  // Adds a route. A duplicate (method, pattern) replaces the earlier one.
  void add(Route route);
  void add(Method method, std::string pattern, Handler handler, std::size_t body_limit = 0);
  void add_async(Method method, std::string pattern, AsyncHandler handler, std::size_t body_limit = 0);

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
