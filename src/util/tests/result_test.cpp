#include "util/result.hpp"

#include <gtest/gtest.h>

namespace baove {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return make_error(ErrorCode::invalid_argument, "not positive");
  return v;
}

Status twice(int v, int& out) {
  auto r = parse_positive(v);
  BAOVE_TRY(r);
  out = 2 * r.value();
  return {};
}

TEST(Result, HoldsValueOrError) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(bad.error().with_context("line 7").message, "line 7: not positive");
}

TEST(Result, TryPropagatesTheError) {
  int out = 0;
  EXPECT_TRUE(twice(4, out).ok());
  EXPECT_EQ(out, 8);
  auto st = twice(0, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "not positive");
  EXPECT_STREQ(to_string(st.error().code), "invalid_argument");
}

TEST(ResultDeathTest, ReadingTheWrongSideAborts) {
  auto bad = parse_positive(-1);
  EXPECT_DEATH((void)bad.value(), "");
}

}  // namespace
}  // namespace baove
