// The OpenAPI document against the router: every documented operation is served, every served
// API or operations route is documented, and the document served is the one in the source tree.
#include <fstream>
#include <set>
#include <sstream>

#include "api_test_env.hpp"

namespace baove::api::testing {
namespace {

using Operation = std::pair<std::string, std::string>;  // (METHOD, path pattern)

std::set<Operation> documented() {
  std::set<Operation> out;
  const json doc = json::parse(openapi_document(), nullptr, false);
  if (doc.is_discarded() || !doc.contains("paths")) return out;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      static const std::set<std::string> kMethods = {"get",   "put",  "post",   "delete",
                                                     "patch", "head", "options"};
      if (!kMethods.count(method)) continue;
      std::string m = method;
      for (char& c : m) c = static_cast<char>(c - 'a' + 'A');
      out.emplace(m, path);
    }
  }
  return out;
}

bool is_api_route(const std::string& pattern) {
  return pattern.rfind("/api/v1/", 0) == 0 || pattern == "/healthz" || pattern == "/readyz" ||
         pattern == "/metrics";
}
// Pages for people (the console, the public report pages), not API operations.
bool is_console_route(const std::string& pattern) {
  return pattern == "/" || pattern == "/console" || pattern.rfind("/console/", 0) == 0 ||
         pattern == "/report" || pattern == "/report/status" || pattern == "/assets/{name}";
}

class OpenApiTest : public ApiTest {};

TEST_P(OpenApiTest, DocumentIsValidOpenApi31) {
  const json doc = json::parse(openapi_document(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "openapi.json is not JSON";
  ASSERT_TRUE(doc.contains("openapi"));
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.1", 0), 0u) << doc["openapi"];
  ASSERT_TRUE(doc.contains("paths"));
  std::set<std::string> ids;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (!op.is_object() || !op.contains("responses")) continue;
      ASSERT_TRUE(op.contains("operationId")) << method << " " << path;
      EXPECT_TRUE(ids.insert(op["operationId"].get<std::string>()).second)
          << "duplicate operationId " << op["operationId"];
      // Every path parameter of the template is declared.
      std::size_t open = path.find('{');
      while (open != std::string::npos) {
        const std::string name = path.substr(open + 1, path.find('}', open) - open - 1);
        bool declared = false;
        for (const auto& p : op.value("parameters", json::array())) {
          declared = declared || (p.value("in", "") == "path" && p.value("name", "") == name);
        }
        EXPECT_TRUE(declared) << method << " " << path << ": path parameter " << name << " not declared";
        open = path.find('{', open + 1);
      }
    }
  }
}

TEST_P(OpenApiTest, EveryDocumentedOperationIsRoutedAndEveryApiRouteIsDocumented) {
  const std::set<Operation> doc = documented();
  ASSERT_FALSE(doc.empty());
  std::set<Operation> routed;
  for (const auto& r : server().router().routes()) {
    const Operation op{http::to_string(r.method), r.pattern};
    if (is_api_route(r.pattern)) {
      routed.insert(op);
      EXPECT_TRUE(doc.count(op)) << op.first << " " << op.second << " is served but not in openapi.json";
    } else {
      EXPECT_TRUE(is_console_route(r.pattern))
          << op.first << " " << op.second << " is neither an API route nor a console route";
    }
  }
  for (const auto& op : doc) {
    EXPECT_TRUE(routed.count(op)) << op.first << " " << op.second << " is in openapi.json but not served";
    // And the router finds that very route for a concrete path.
    std::string path = op.second;
    for (auto open = path.find('{'); open != std::string::npos; open = path.find('{')) {
      path.replace(open, path.find('}', open) - open + 1, "x1");
    }
    const auto found = server().router().find(http::parse_method(op.first), path);
    ASSERT_NE(found.route, nullptr) << op.first << " " << path;
    EXPECT_EQ(found.route->pattern, op.second);
  }
}

TEST_P(OpenApiTest, EveryDocumentedOperationAnswersOverHttp) {
  // Unauthenticated calls: each answers from its own handler (200, 400, 401), never the router's
  // 404 or 405.
  for (const auto& [method, pattern] : documented()) {
    std::string path = pattern;
    for (auto open = path.find('{'); open != std::string::npos; open = path.find('{')) {
      path.replace(open, path.find('}', open) - open + 1, "x1");
    }
    const HttpResponse r = call(method, path, nullptr, method == "GET" || method == "DELETE" ? "" : "{}");
    EXPECT_NE(r.status, 405) << method << " " << path << ": " << r.body;
    EXPECT_NE(r.status, 404) << method << " " << path << ": " << r.body;
    EXPECT_NE(r.status, 0);
    EXPECT_LT(r.status, 500) << method << " " << path << ": " << r.body;
    EXPECT_FALSE(r.header("x-request-id").empty());
  }
}

TEST_P(OpenApiTest, ServedDocumentIsTheSourceFile) {
  const HttpResponse r = call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type").rfind("application/json", 0), 0u);
  EXPECT_EQ(r.body, std::string(openapi_document()));
  std::ifstream in(std::string(BAOVE_SOURCE_DIR) + "/src/api/openapi.json", std::ios::binary);
  ASSERT_TRUE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(json::parse(r.body), json::parse(ss.str())) << "the embedded document is stale";
}

TEST_P(OpenApiTest, OperationsEndpointsAnswer) {
  HttpResponse r = call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  r = call("GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  r = call("GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type").rfind("text/plain", 0), 0u);
  EXPECT_NE(r.body.find("baove_http_requests_total"), std::string::npos) << r.body;
}

TEST_P(OpenApiTest, MetricsAreNotServedThroughAProxy) {
  // A reverse proxy on this machine connects from loopback too: what it forwards carries
  // X-Forwarded-For (or Forwarded), and gets the answer of a path that does not exist.
  for (const std::string header : {"X-Forwarded-For: 203.0.113.9", "Forwarded: for=203.0.113.9"}) {
    const HttpResponse r = call("GET", "/metrics", nullptr, {}, {header});
    EXPECT_EQ(r.status, 404) << header;
    EXPECT_EQ(r.body.find("baove_http_requests_total"), std::string::npos) << header;
    EXPECT_EQ(error_code(r), "not_found");
  }
  EXPECT_EQ(call("GET", "/metrics").status, 200);
}

// A server whose metrics only a Prometheus host elsewhere may read.
class MetricsElsewhereTest : public ApiTest {
 protected:
  void configure(platform::Config& c) override { c.metrics_allow = {"10.20.30.40"}; }
};

TEST_P(MetricsElsewhereTest, OnlyTheListedAddressesReadMetrics) {
  const HttpResponse r = call("GET", "/metrics");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find("baove_http_requests_total"), std::string::npos);
  EXPECT_EQ(call("GET", "/healthz").status, 200);
}

TEST(MetricsAllow, AServerWithAnAddressThatIsNotOneDoesNotStart) {
  auto s =
      TestServer::start(store::Engine::sqlite, [](platform::Config& c) { c.metrics_allow = {"10.0.0.300"}; });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("metrics_allow"), std::string::npos) << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(Engines, MetricsElsewhereTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);

INSTANTIATE_TEST_SUITE_P(Engines, OpenApiTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);

}  // namespace
}  // namespace baove::api::testing
