// The attachment fetcher against a local stand-in for a platform's file server (Baove's own HTTP
// server on 127.0.0.1): streaming, size and time limits, redirects, the host allow-list and the
// private-address guard.
#include "intake/fetch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/server.hpp"

namespace baove::intake {
namespace {

std::string pseudo_random_bytes(std::size_t n, std::uint32_t seed) {
  std::string s(n, '\0');
  for (auto& c : s) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return s;
}

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    photo_ = pseudo_random_bytes(100 * 1000, 7);
    router_.add(http::Method::get, "/files/{name}", [this](http::Request& r) {
      ++requests_;
      if (r.path_params.at("name") != "photo.jpg") return http::error(404, "not_found", "no such file");
      http::Response res = http::Response::json(200, photo_);
      res.content_type = "image/jpeg";
      return res;
    });
    router_.add(http::Method::get, "/slow", [this](http::Request&) {
      ++requests_;
      std::this_thread::sleep_for(std::chrono::milliseconds(1200));
      return http::Response::json(200, "{}");
    });
    router_.add(http::Method::get, "/redirect/same", [this](http::Request&) {
      ++requests_;
      return http::Response::json(302, "").with_header("Location", "/files/photo.jpg");
    });
    router_.add(http::Method::get, "/redirect/other", [this](http::Request&) {
      ++requests_;
      return http::Response::json(302, "").with_header(
          "Location", "http://localhost:" + std::to_string(server_->port()) + "/files/photo.jpg");
    });
    router_.add(http::Method::get, "/redirect/loop", [this](http::Request&) {
      ++requests_;
      return http::Response::json(302, "").with_header("Location", "/redirect/loop");
    });
    router_.add(http::Method::get, "/error", [this](http::Request&) {
      ++requests_;
      return http::error(500, "internal", "broken");
    });
    http::ServerOptions opt;
    opt.address = "127.0.0.1";
    opt.port = 0;
    opt.io_threads = 2;
    opt.workers = 16;
    opt.handle_signals = false;
    opt.access_log = false;
    server_ = std::make_unique<http::Server>(opt, router_, metrics_, log_);
    ASSERT_TRUE(server_->listen().ok());
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(server_->port()) + path;
  }
  static FetchOptions local() {
    FetchOptions o;
    o.allow_http = true;
    o.allow_private_addresses = true;
    return o;
  }

  std::string photo_;
  std::atomic<int> requests_{0};
  http::Router router_;
  http::Metrics metrics_;
  http::Logger log_{http::Logger::Format::json, nullptr};
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

TEST_F(FetchTest, StreamsTheBodyInPiecesToTheSink) {
  const Fetcher f(local());
  std::string got;
  std::size_t pieces = 0, largest = 0;
  auto r = f.fetch(url("/files/photo.jpg"), [&](std::span<const std::uint8_t> piece) -> Status {
    got.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    ++pieces;
    largest = std::max(largest, piece.size());
    return {};
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(got, photo_);
  EXPECT_EQ(r->size, photo_.size());
  EXPECT_EQ(r->content_type, "image/jpeg");
  EXPECT_EQ(r->redirects, 0);
  EXPECT_GT(pieces, 1u);
  EXPECT_LE(largest, 16u * 1024u);
}

TEST_F(FetchTest, BodiesOverTheLimitFail) {
  FetchOptions o = local();
  o.max_bytes = 50 * 1000;
  const Fetcher f(o);
  std::size_t received = 0;
  auto r = f.fetch(url("/files/photo.jpg"), [&](std::span<const std::uint8_t> p) -> Status {
    received += p.size();
    return {};
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::limit_exceeded);
  EXPECT_LE(received, o.max_bytes);
  o.max_bytes = photo_.size();
  EXPECT_TRUE(Fetcher(o).fetch(url("/files/photo.jpg"), [](auto) -> Status { return {}; }).ok());
}

TEST_F(FetchTest, SlowServersHitTheTotalTimeout) {
  FetchOptions o = local();
  o.total_timeout = std::chrono::milliseconds(300);
  const Fetcher f(o);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = f.fetch(url("/slow"), [](auto) -> Status { return {}; });
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::limit_exceeded);
  EXPECT_LT(took, std::chrono::milliseconds(1100));
}

TEST_F(FetchTest, RedirectsFollowThePolicy) {
  const auto sink = [](auto) -> Status { return {}; };
  auto same = Fetcher(local()).fetch(url("/redirect/same"), sink);
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->redirects, 1);
  EXPECT_EQ(same->size, photo_.size());

  // To another host name (the same server, but named "localhost"): refused by default.
  auto other = Fetcher(local()).fetch(url("/redirect/other"), sink);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::invalid_argument);
  FetchOptions o = local();
  o.redirects = RedirectPolicy::allowed_hosts;
  EXPECT_TRUE(Fetcher(o).fetch(url("/redirect/other"), sink).ok());
  o.allowed_host_suffixes = {"127.0.0.1"};  // localhost is not on the list
  auto listed = Fetcher(o).fetch(url("/redirect/other"), sink);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::invalid_argument);

  o = local();
  o.redirects = RedirectPolicy::none;
  EXPECT_EQ(Fetcher(o).fetch(url("/redirect/same"), sink).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(Fetcher(local()).fetch(url("/redirect/loop"), sink).error().code, ErrorCode::limit_exceeded);
}

TEST_F(FetchTest, HttpStatusesMapToErrors) {
  const auto sink = [](auto) -> Status { return {}; };
  const Fetcher f(local());
  EXPECT_EQ(f.fetch(url("/files/other.jpg"), sink).error().code, ErrorCode::not_found);
  EXPECT_EQ(f.fetch(url("/no/such/route"), sink).error().code, ErrorCode::not_found);
  auto e = f.fetch(url("/error"), sink);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::io);
  EXPECT_EQ(e.error().message.find("127.0.0.1"), std::string::npos);  // no address in messages
}

TEST_F(FetchTest, PrivateAddressesAreRefusedBeforeAnyRequest) {
  const auto sink = [](auto) -> Status { return {}; };
  FetchOptions o;
  o.allow_http = true;  // but not private addresses
  const Fetcher f(o);
  auto literal = f.fetch(url("/files/photo.jpg"), sink);
  ASSERT_FALSE(literal.ok());
  EXPECT_EQ(literal.error().code, ErrorCode::invalid_argument);
  // A name is checked after it resolves: localhost is 127.0.0.1 (and ::1).
  auto named = f.fetch(url("/files/photo.jpg", "localhost"), sink);
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(named.error().message.find("private"), std::string::npos);
  EXPECT_EQ(requests_.load(), 0);
}

TEST_F(FetchTest, HostAllowList) {
  const auto sink = [](auto) -> Status { return {}; };
  FetchOptions o = local();
  o.allowed_host_suffixes = {"example.org"};
  EXPECT_EQ(Fetcher(o).fetch(url("/files/photo.jpg"), sink).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(requests_.load(), 0);
  o.allowed_host_suffixes = {"example.org", ".localhost"};
  EXPECT_TRUE(Fetcher(o).fetch(url("/files/photo.jpg", "localhost"), sink).ok());
}

TEST_F(FetchTest, SinkErrorsStopTheTransfer) {
  const Fetcher f(local());
  int calls = 0;
  auto r = f.fetch(url("/files/photo.jpg"), [&](auto) -> Status {
    ++calls;
    return make_error(ErrorCode::io, "disk full");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "disk full");
  EXPECT_EQ(calls, 1);
}

TEST_F(FetchTest, ConcurrentFetchesShareOneFetcher) {
  const Fetcher f(local());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        std::string got;
        auto r = f.fetch(url("/files/photo.jpg"), [&](std::span<const std::uint8_t> p) -> Status {
          got.append(reinterpret_cast<const char*>(p.data()), p.size());
          return {};
        });
        if (r && got == photo_) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
}

TEST(FetchUrl, ChecksBeforeConnecting) {
  FetchOptions o;
  o.allowed_host_suffixes = {"zdn.vn", "fbcdn.net"};
  const Fetcher f(o);
  EXPECT_TRUE(f.check_url("https://f21-zfile.zdn.vn/abc/x.pdf?token=1").ok());
  EXPECT_TRUE(f.check_url("https://zdn.vn./x").ok());
  EXPECT_TRUE(f.check_url("https://SCONTENT.XX.FBCDN.NET/v/t1/a.jpg").ok());
  for (const char* bad : {"http://f21.zdn.vn/x", "https://evilzdn.vn/x", "https://zdn.vn.evil.example/x",
                          "https://user:pw@f21.zdn.vn/x", "ftp://f21.zdn.vn/x", "file:///etc/passwd",
                          "f21.zdn.vn/x", "", "https:///x"}) {
    const Status s = f.check_url(bad);
    EXPECT_FALSE(s.ok()) << bad;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, ErrorCode::invalid_argument) << bad;
    }
  }
  const Fetcher any{FetchOptions{}};
  EXPECT_TRUE(any.check_url("https://8.8.8.8/x").ok());
  for (const char* bad : {"https://127.0.0.1/", "https://[::1]/", "https://169.254.169.254/latest/meta-data",
                          "https://10.1.2.3/", "https://[::ffff:192.168.1.1]/", "https://2130706433/",
                          "https://0x7f.0.0.1/", "https://[fd00::1]/"}) {
    EXPECT_FALSE(any.check_url(bad).ok()) << bad;
  }
}

TEST(FetchUrl, PublicAddresses) {
  for (const char* pub : {"8.8.8.8", "1.1.1.1", "113.160.1.1", "2001:4860:4860::8888", "[2606:4700::1111]",
                          "64:ff9b::808:808"}) {
    EXPECT_TRUE(is_public_ip(pub)) << pub;
  }
  for (const char* priv :
       {"0.0.0.0",         "10.0.0.1",       "100.64.0.1",      "127.0.0.1",   "169.254.169.254",
        "172.16.0.1",      "172.31.255.255", "192.0.2.1",       "192.168.1.1", "198.18.0.1",
        "203.0.113.5",     "224.0.0.1",      "255.255.255.255", "::",          "::1",
        "::ffff:10.0.0.1", "fe80::1",        "fc00::1",         "fd12::1",     "ff02::1",
        "2001:db8::1",     "64:ff9b::a00:1", "2002:7f00:1::",   "not an ip",   ""}) {
    EXPECT_FALSE(is_public_ip(priv)) << priv;
  }
  EXPECT_TRUE(is_public_ip("172.32.0.1"));
  EXPECT_TRUE(is_public_ip("100.128.0.1"));
}

}  // namespace
}  // namespace baove::intake
