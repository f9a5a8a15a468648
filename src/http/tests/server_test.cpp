// The server over real loopback HTTP: routing, limits, request ids, errors, keep-alive, metrics
// and graceful shutdown.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/http_client.hpp"

namespace baove::http {
namespace {

using testing::HttpClient;

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions opt = {}) {
    opt.address = "127.0.0.1";
    opt.port = 0;
    opt.io_threads = 2;
    opt.workers = 4;
    opt.handle_signals = false;
    opt.access_log = false;
    router_.add(Method::get, "/hello", [](Request& r) {
      return Response::json(200,
                            "{\"hello\":\"" + json_escape(r.query_param("name").value_or("world")) + "\"}");
    });
    router_.add(Method::get, "/items/{id}",
                [](Request& r) { return Response::json(200, r.path_params.at("id")); });
    router_.add(
        Method::post, "/echo", [](Request& r) { return Response::json(200, r.body); }, 1024);
    router_.add(Method::get, "/slow", [this](Request&) {
      ++slow_started_;
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return Response::json(200, "done");
    });
    // Streamed bodies: the byte count and an FNV-1a sum of the body, read in 64 KiB pieces.
    router_.add_stream(
        Method::post, "/upload",
        [](Request&, BodyReader& body) {
          std::vector<std::uint8_t> buf(64 * 1024);
          std::uint64_t n = 0, sum = 1469598103934665603ull;
          for (;;) {
            auto got = body.read(buf);
            if (!got.ok()) {
              return got.error().code == ErrorCode::limit_exceeded
                         ? error(413, "payload_too_large", got.error().message)
                         : error(400, "bad_request", got.error().message);
            }
            if (*got == 0) break;
            for (std::size_t i = 0; i < *got; ++i) sum = (sum ^ buf[i]) * 1099511628211ull;
            n += *got;
          }
          return Response::json(200, "{\"bytes\":" + std::to_string(n) + ",\"sum\":\"" + std::to_string(sum) +
                                         "\",\"complete\":" + (body.complete() ? "true" : "false") + "}");
        },
        1024 * 1024);
    // Answers after the first KiB, leaving the rest of the body unread.
    router_.add_stream(
        Method::post, "/upload-early",
        [](Request&, BodyReader& body) {
          std::vector<std::uint8_t> buf(1024);
          (void)body.read(buf);
          return error(400, "validation_failed", "refused early");
        },
        64 * 1024 * 1024);
    // A streamed download: `n` bytes of a counter pattern, read in pieces of at most 100,000 bytes;
    // with fail=1 the source fails after half of them.
    router_.add(Method::get, "/download", [](Request& r) {
      struct Counter final : BodySource {
        std::uint64_t n, at = 0;
        bool fail;
        Counter(std::uint64_t n_, bool fail_) : n(n_), fail(fail_) {}
        Result<std::size_t> read(std::span<std::uint8_t> out) override {
          if (fail && at >= n / 2) return make_error(ErrorCode::io, "disk gone");
          const std::size_t k =
              static_cast<std::size_t>(std::min<std::uint64_t>({out.size(), 100000, n - at}));
          for (std::size_t i = 0; i < k; ++i) out[i] = static_cast<std::uint8_t>((at + i) % 251);
          at += k;
          return k;
        }
      };
      const std::uint64_t n = std::stoull(r.query_param("n").value_or("0"));
      Response resp;
      resp.content_type = "application/octet-stream";
      resp.stream = std::make_shared<Counter>(n, r.query_param("fail").has_value());
      resp.stream_length = n;
      return resp;
    });
    router_.add(Method::get, "/whoami", [](Request& r) { return Response::json(200, r.remote_address); });
    router_.add(Method::get, "/throw", [](Request&) -> Response { throw std::runtime_error("x"); });
    router_.add(Method::get, "/metrics", [this](Request&) {
      Response r = Response::json(200, metrics_.render());
      r.content_type = "text/plain; version=0.0.4";
      return r;
    });
    server_ = std::make_unique<Server>(opt, router_, metrics_, log_);
    ASSERT_TRUE(server_->listen().ok());
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    if (server_) {
      server_->stop();
      thread_.join();
    }
  }
  std::uint16_t port() const { return server_->port(); }

  Router router_;
  Metrics metrics_;
  Logger log_{Logger::Format::json, nullptr};
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::atomic<int> slow_started_{0};
};

TEST_F(ServerTest, AnswersWithRequestIdAndSecurityHeadersOverKeepAlive) {
  start();
  HttpClient c("127.0.0.1", port());
  auto r1 = c.request("GET", "/hello?name=An");
  ASSERT_TRUE(r1) << c.last_error();
  EXPECT_EQ(r1->status, 200);
  EXPECT_EQ(r1->body, "{\"hello\":\"An\"}");
  EXPECT_EQ(r1->header("content-type"), "application/json");
  EXPECT_FALSE(r1->header("x-request-id").empty());
  EXPECT_EQ(r1->header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r1->header("cache-control"), "no-store");
  auto r2 = c.request("GET", "/items/a%20b", {}, {"X-Request-Id: trace-123"});
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "a b");
  EXPECT_EQ(r2->header("x-request-id"), "trace-123");
  // An id that could inject into logs is replaced.
  auto r3 = c.request("GET", "/hello", {}, {"X-Request-Id: bad id\"{"});
  ASSERT_TRUE(r3);
  EXPECT_NE(r3->header("x-request-id"), "bad id\"{");
  EXPECT_NE(r3->header("x-request-id"), r1->header("x-request-id"));
}

TEST_F(ServerTest, RoutingErrorsAreJson) {
  start();
  HttpClient c("127.0.0.1", port());
  auto r = c.request("GET", "/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(r->body.find("\"code\":\"not_found\""), std::string::npos);
  r = c.request("DELETE", "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET");
  r = c.request("GET", "/throw");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("\"code\":\"internal\""), std::string::npos);
  r = c.request("HEAD", "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(r->header("content-length"), "17");
}

TEST_F(ServerTest, StreamedResponsesArriveWholeOrVisiblyCut) {
  start();
  HttpClient c("127.0.0.1", port());
  const std::uint64_t n = 3'000'001;
  auto r = c.request("GET", "/download?n=" + std::to_string(n));
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), std::to_string(n));
  ASSERT_EQ(r->body.size(), n);
  bool same = true;
  for (std::uint64_t i = 0; i < n && same; ++i) same = static_cast<std::uint8_t>(r->body[i]) == i % 251;
  EXPECT_TRUE(same);
  // The connection stays usable after a streamed body; HEAD gets the length alone.
  auto again = c.request("HEAD", "/download?n=10");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->header("content-length"), "10");
  EXPECT_TRUE(again->body.empty());
  auto empty = c.request("GET", "/download?n=0");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->body.empty());
  // A source failing half-way: the client gets fewer bytes than announced, never a whole-looking body.
  HttpClient f("127.0.0.1", port());
  auto cut = f.request("GET", "/download?fail=1&n=" + std::to_string(n));
  EXPECT_FALSE(cut && cut->body.size() == n);
}

TEST(ClientAddress, OnlyTrustedProxiesMayNameTheClient) {
  const std::vector<std::string> proxies{"10.0.0.2", "10.0.0.3"};
  const std::vector<std::string> none;
  // A direct client's header is ignored, whatever it says.
  EXPECT_EQ(client_address("203.0.113.5", std::vector<std::string>{"198.51.100.1"}, proxies), "203.0.113.5");
  EXPECT_EQ(client_address("10.0.0.2", std::vector<std::string>{"198.51.100.1"}, none), "10.0.0.2");
  // Through a proxy: the hop the proxy appended.
  EXPECT_EQ(client_address("10.0.0.2", std::vector<std::string>{"198.51.100.1"}, proxies), "198.51.100.1");
  // A client that sends its own header cannot choose: the rightmost untrusted hop counts.
  EXPECT_EQ(client_address("10.0.0.2", std::vector<std::string>{"1.2.3.4, 198.51.100.1"}, proxies),
            "198.51.100.1");
  // Two proxies in a row, over two headers, IPv6 and IPv4-mapped forms.
  EXPECT_EQ(client_address("10.0.0.2", std::vector<std::string>{"2001:db8::1", "10.0.0.3"}, proxies),
            "2001:db8::1");
  EXPECT_EQ(client_address("10.0.0.2", std::vector<std::string>{"::ffff:198.51.100.9"}, proxies),
            "198.51.100.9");
  // Garbage ends the walk at the last trusted hop; no header leaves the proxy.
  EXPECT_EQ(client_address("10.0.0.2", std::vector<std::string>{"1.2.3.4, unknown, 10.0.0.3"}, proxies),
            "10.0.0.3");
  EXPECT_EQ(client_address("10.0.0.2", none, proxies), "10.0.0.2");
  EXPECT_EQ(canonical_ip("::ffff:127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(canonical_ip("not-an-ip"), "");
}

TEST_F(ServerTest, AForwardedClientIsSeenOnlyBehindATrustedProxy) {
  ServerOptions opt;
  opt.trusted_proxies = {"127.0.0.1"};
  start(opt);
  HttpClient c("127.0.0.1", port());
  auto r = c.request("GET", "/whoami", {}, {"X-Forwarded-For: 6.6.6.6, 198.51.100.7"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "198.51.100.7");
  r = c.request("GET", "/whoami");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "127.0.0.1");
}

TEST_F(ServerTest, ForwardedForIsIgnoredWithoutTrustedProxies) {
  start();
  HttpClient c("127.0.0.1", port());
  auto r = c.request("GET", "/whoami", {}, {"X-Forwarded-For: 198.51.100.7"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "127.0.0.1");
}

TEST_F(ServerTest, BodiesOverTheRouteLimitGet413) {
  start();
  HttpClient c("127.0.0.1", port());
  auto ok = c.request("POST", "/echo", std::string(1024, 'a'));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body.size(), 1024u);
  auto big = c.request("POST", "/echo", std::string(1025, 'a'));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_NE(big->body.find("payload_too_large"), std::string::npos);
  // Chunked bodies have no length up front: the limit still holds while reading.
  std::string chunked = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "200\r\n" + std::string(512, 'b') + "\r\n";
  chunked += "0\r\n\r\n";
  const std::string out = c.raw(chunked);
  EXPECT_NE(out.find("413"), std::string::npos) << out;
}

TEST_F(ServerTest, OversizedHeadersGet431AndGarbageGets400) {
  ServerOptions opt;
  opt.header_limit = 2048;
  start(opt);
  HttpClient c("127.0.0.1", port());
  auto r = c.request("GET", "/hello", {}, {"X-Big: " + std::string(4096, 'x')});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  const std::string out = c.raw("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("bad_request"), std::string::npos);
}

TEST_F(ServerTest, SlowClientsAreCut) {
  ServerOptions opt;
  opt.header_timeout = std::chrono::milliseconds(300);
  opt.request_timeout = std::chrono::milliseconds(300);
  start(opt);
  HttpClient c("127.0.0.1", port());
  const auto t0 = std::chrono::steady_clock::now();
  // A header that never ends: the server closes the connection after the header timeout.
  const std::string out = c.raw("GET /hello HTTP/1.1\r\nHost: x\r\n", 5000);
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(waited, std::chrono::seconds(3));
  // A body that never arrives: 408 is not promised, but the connection must not be held.
  const auto t1 = std::chrono::steady_clock::now();
  c.raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", 5000);
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::seconds(3));
  (void)out;
}

std::string fnv_json(std::string_view body) {
  std::uint64_t sum = 1469598103934665603ull;
  for (unsigned char ch : body) sum = (sum ^ ch) * 1099511628211ull;
  return "{\"bytes\":" + std::to_string(body.size()) + ",\"sum\":\"" + std::to_string(sum) +
         "\",\"complete\":true}";
}

TEST_F(ServerTest, StreamedBodiesArriveWholeAndInOrder) {
  start();
  HttpClient c("127.0.0.1", port());
  std::string body(1000 * 1000, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 7919) >> 3);
  auto r = c.request("POST", "/upload", body);
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, fnv_json(body));
  // The connection stays usable: the body was read to its end.
  auto empty = c.request("POST", "/upload", "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->body, fnv_json(""));
  // Chunked transfer encoding, with chunk boundaries inside the pieces the handler reads.
  const std::string chunked = c.raw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "3\r\nabc\r\n1\r\nd\r\n6\r\nefghij\r\n0\r\n\r\n");
  EXPECT_NE(chunked.find("200 OK"), std::string::npos) << chunked;
  EXPECT_NE(chunked.find(fnv_json("abcdefghij")), std::string::npos) << chunked;
}

TEST_F(ServerTest, StreamedBodiesOverTheLimitGet413) {
  start();
  HttpClient c("127.0.0.1", port());
  // Declared too large: refused before the handler runs.
  auto r = c.request("POST", "/upload", std::string(1024 * 1024 + 1, 'x'));
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 413);
  // Chunked, so only the reader can tell: the handler sees limit_exceeded.
  std::string req = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string piece(100000, 'y');
  for (int i = 0; i < 12; ++i) req += "186a0\r\n" + piece + "\r\n";
  req += "0\r\n\r\n";
  const std::string out = c.raw(req);
  EXPECT_NE(out.find("413"), std::string::npos) << out.substr(0, 200);
}

TEST_F(ServerTest, AnEarlyAnswerReachesAClientStillSending) {
  start();
  HttpClient c("127.0.0.1", port());
  auto r = c.request("POST", "/upload-early", std::string(4 * 1024 * 1024, 'z'));
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("connection"), "close");
}

TEST_F(ServerTest, ASlowStreamedBodyIsCut) {
  ServerOptions opt;
  opt.request_timeout = std::chrono::milliseconds(300);
  start(opt);
  HttpClient c("127.0.0.1", port());
  const auto t0 = std::chrono::steady_clock::now();
  const std::string out = c.raw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", 5000);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(out.find("200 OK"), std::string::npos) << out;
}

TEST_F(ServerTest, ConnectionsOverTheLimitGet503) {
  ServerOptions opt;
  opt.max_connections = 2;
  start(opt);
  HttpClient a("127.0.0.1", port()), b("127.0.0.1", port()), c("127.0.0.1", port());
  ASSERT_TRUE(a.request("GET", "/hello"));
  ASSERT_TRUE(b.request("GET", "/hello"));
  auto r = c.request("GET", "/hello");
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->header("retry-after"), "1");
  a.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  HttpClient d("127.0.0.1", port());
  auto r2 = d.request("GET", "/hello");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
}

TEST_F(ServerTest, MetricsCountRequestsByRoutePatternNotPath) {
  start();
  HttpClient c("127.0.0.1", port());
  ASSERT_TRUE(c.request("GET", "/items/secret-id-1"));
  ASSERT_TRUE(c.request("GET", "/items/secret-id-2"));
  auto m = c.request("GET", "/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("baove_http_requests_total{method=\"GET\",route=\"/items/{id}\",status=\"200\"} 2"),
            std::string::npos)
      << m->body;
  EXPECT_EQ(m->body.find("secret-id"), std::string::npos);
  EXPECT_NE(m->body.find("baove_http_request_duration_seconds_count{route=\"/items/{id}\"} 2"),
            std::string::npos);
}

TEST_F(ServerTest, StopLetsRequestsInProgressFinish) {
  start();
  std::optional<testing::HttpResponse> slow;
  std::thread t([&] {
    HttpClient c("127.0.0.1", port());
    slow = c.request("GET", "/slow");
  });
  HttpClient idle("127.0.0.1", port());
  ASSERT_TRUE(idle.request("GET", "/hello"));  // an idle keep-alive connection
  while (slow_started_.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  thread_.join();
  server_.reset();
  t.join();
  ASSERT_TRUE(slow.has_value());
  EXPECT_EQ(slow->status, 200);
  EXPECT_EQ(slow->body, "done");
  EXPECT_EQ(slow->header("connection"), "close");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

}  // namespace
}  // namespace baove::http
