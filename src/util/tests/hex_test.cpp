#include "util/hex.hpp"

#include <gtest/gtest.h>

namespace baove {
namespace {

TEST(Hex, RoundTrips) {
  std::vector<std::uint8_t> b = {0x00, 0xab, 0xff, 0x10};
  EXPECT_EQ(to_hex(b), "00abff10");
  auto back = from_hex("00ABff10");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, b);
}

TEST(Hex, RejectsMalformedInputWithAReason) {
  auto odd = from_hex("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().message.find("odd"), std::string::npos);
  auto bad = from_hex("zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("position 1"), std::string::npos);
  auto len = from_hex("abcd", 4);
  ASSERT_FALSE(len.ok());
  EXPECT_NE(len.error().message.find("expected 8"), std::string::npos);
}

}  // namespace
}  // namespace baove
