#include "auth/totp.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baove::auth::totp {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

const std::vector<std::uint8_t> kRfcSecret = bytes("12345678901234567890");

TEST(Hotp, Rfc4226AppendixD) {
  const std::uint32_t expected[] = {755224, 287082, 359152, 969429, 338314,
                                    254676, 287922, 162583, 399871, 520489};
  for (std::uint64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(hotp(kRfcSecret, counter), expected[counter]) << "counter " << counter;
  }
}

TEST(Totp, Rfc6238AppendixBSha1) {
  struct Vector {
    std::int64_t time;
    const char* code;
  };
  const Vector vectors[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
                            {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& v : vectors) EXPECT_EQ(code_at(kRfcSecret, v.time, 8), v.code) << "T=" << v.time;
}

TEST(Totp, VerifyAcceptsOneStepEitherSideOnly) {
  const std::int64_t t = 1111111111;
  const auto now_step = *step_of(t);
  EXPECT_EQ(verify(kRfcSecret, code_at(kRfcSecret, t), t), now_step);
  EXPECT_EQ(verify(kRfcSecret, code_at(kRfcSecret, t - 30), t), now_step - 1);
  EXPECT_EQ(verify(kRfcSecret, code_at(kRfcSecret, t + 30), t), now_step + 1);
  EXPECT_FALSE(verify(kRfcSecret, code_at(kRfcSecret, t - 60), t).has_value());
  EXPECT_FALSE(verify(kRfcSecret, code_at(kRfcSecret, t + 60), t).has_value());
}

TEST(Totp, VerifyRejectsMalformedCodes) {
  const std::int64_t t = 1111111111;
  const std::string good = code_at(kRfcSecret, t);
  EXPECT_FALSE(verify(kRfcSecret, "", t).has_value());
  EXPECT_FALSE(verify(kRfcSecret, good.substr(0, 5), t).has_value());
  EXPECT_FALSE(verify(kRfcSecret, good + "0", t).has_value());
  EXPECT_FALSE(verify(kRfcSecret, "12a456", t).has_value());
  EXPECT_FALSE(verify(kRfcSecret, good, -5).has_value());
}

TEST(Base32, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "MY"},
                                                         {"fo", "MZXQ"},
                                                         {"foo", "MZXW6"},
                                                         {"foob", "MZXW6YQ"},
                                                         {"fooba", "MZXW6YTB"},
                                                         {"foobar", "MZXW6YTBOI"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base32_encode(bytes(plain)), encoded);
    auto back = base32_decode(encoded);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, bytes(plain));
  }
}

TEST(Base32, DecodeIsLenientAboutCaseSpacesAndPadding) {
  auto a = base32_decode("mzxw 6ytb oi======");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, bytes("foobar"));
}

TEST(Base32, DecodeRejectsOtherCharacters) {
  for (const char* bad : {"MZXW1", "MZ XW8", "MY=A", "MZ-W"}) {
    auto r = base32_decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  }
}

TEST(Totp, OtpauthUriEncodesIssuerAndAccount) {
  EXPECT_EQ(otpauth_uri("Baove 111", "nguyen.an", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/Baove%20111:nguyen.an?secret=JBSWY3DPEHPK3PXP&issuer=Baove%20111"
            "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace baove::auth::totp
