#include "hash/digest.hpp"

#include <gtest/gtest.h>

#include <string>

namespace baove::hash {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(Digest, KnownAnswers) {
  // FIPS 180 / RFC 1321 test vectors.
  auto d = compute_digests(bytes_of("abc"));
  EXPECT_EQ(d.md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(d.sha1_hex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(d.sha256_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto e = compute_digests({});
  EXPECT_EQ(e.md5_hex(), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(e.sha256_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, StreamingEqualsOneShotWhateverTheSlices) {
  std::string data;
  for (int i = 0; i < 300000; ++i) data.push_back(static_cast<char>((i * 131) ^ (i >> 7)));
  auto whole = compute_digests(bytes_of(data));
  DigestStream s;
  std::size_t off = 0, step = 1;
  while (off < data.size()) {
    std::size_t n = std::min(step, data.size() - off);
    s.update(bytes_of(data).subspan(off, n));
    off += n;
    step = step * 3 + 1;
  }
  auto streamed = s.finish();
  EXPECT_EQ(streamed.md5, whole.md5);
  EXPECT_EQ(streamed.sha1, whole.sha1);
  EXPECT_EQ(streamed.sha256, whole.sha256);
}

}  // namespace
}  // namespace baove::hash
