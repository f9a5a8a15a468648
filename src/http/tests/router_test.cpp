#include "http/router.hpp"

#include <gtest/gtest.h>

namespace baove::http {
namespace {

Handler named(std::string name) {
  return [name](Request&) { return Response::json(200, name); };
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  Router r;
  r.add(Method::get, "/api/v1/users/{id}", named("one"));
  r.add(Method::get, "/api/v1/users/me", named("me"));
  auto f = r.find(Method::get, "/api/v1/users/me");
  ASSERT_NE(f.route, nullptr);
  EXPECT_EQ(f.route->pattern, "/api/v1/users/me");
  f = r.find(Method::get, "/api/v1/users/u-42");
  ASSERT_NE(f.route, nullptr);
  EXPECT_EQ(f.route->pattern, "/api/v1/users/{id}");
  EXPECT_EQ(f.params.at("id"), "u-42");
}

TEST(Router, TellsNotFoundFromMethodNotAllowed) {
  Router r;
  r.add(Method::get, "/api/v1/units", named("list"));
  r.add(Method::post, "/api/v1/units", named("create"));
  auto f = r.find(Method::delete_, "/api/v1/units");
  EXPECT_EQ(f.route, nullptr);
  EXPECT_EQ(f.allowed.size(), 2u);
  f = r.find(Method::get, "/api/v1/unitz");
  EXPECT_EQ(f.route, nullptr);
  EXPECT_TRUE(f.allowed.empty());
}

TEST(Router, HeadFindsGetAndSegmentCountsMustAgree) {
  Router r;
  r.add(Method::get, "/a/{x}", named("a"));
  EXPECT_NE(r.find(Method::head, "/a/1").route, nullptr);
  EXPECT_EQ(r.find(Method::get, "/a/1/2").route, nullptr);
  EXPECT_EQ(r.find(Method::get, "/a").route, nullptr);
  EXPECT_EQ(r.find(Method::get, "/a/").route, nullptr);
}

TEST(Router, TrailingSlashIsItsOwnRoute) {
  Router r;
  r.add(Method::get, "/console/", named("index"));
  r.add(Method::get, "/console", named("redirect"));
  EXPECT_EQ(r.find(Method::get, "/console/").route->pattern, "/console/");
  EXPECT_EQ(r.find(Method::get, "/console").route->pattern, "/console");
}

TEST(Request, CookiesQueriesAndHeaders) {
  Request q;
  q.headers = {{"cookie", "a=1; baove_session=abc ;other=x"}, {"x-thing", "v"}};
  q.query = "name=J%C3%BAlia+B&flag&bad=%zz&x=1";
  EXPECT_EQ(q.cookie("baove_session").value(), "abc");
  EXPECT_FALSE(q.cookie("missing").has_value());
  EXPECT_EQ(q.header("X-Thing").value(), "v");
  EXPECT_EQ(q.query_param("name").value(),
            "J\xc3\xba"
            "lia B");
  EXPECT_EQ(q.query_param("flag").value(), "");
  EXPECT_FALSE(q.query_param("bad").has_value());
  EXPECT_FALSE(q.query_param("nope").has_value());
  EXPECT_EQ(q.query_names(), (std::vector<std::string>{"name", "flag", "bad", "x"}));
}

TEST(Errors, BodyIsTheDocumentedJsonShape) {
  auto r = error(400, "validation_failed", "bad \"input\"", {"name", "unit_id"});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      "{\"error\":{\"code\":\"validation_failed\",\"message\":\"bad \\\"input\\\"\",\"fields\":[\"name\","
      "\"unit_id\"]}}");
  EXPECT_FALSE(percent_decode("%4", false).has_value());
  EXPECT_EQ(percent_decode("a%2Fb+c", false).value(), "a/b+c");
}

}  // namespace
}  // namespace baove::http
