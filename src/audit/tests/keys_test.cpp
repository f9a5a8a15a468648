// Key files, session hashing, checkpoint signatures and the checkpoint file format.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "audit/audit.hpp"
#include "audit/tests/test_db.hpp"

namespace baove::audit {
namespace {

using testing::TempDir;

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 0777;
}

void write_text(const std::filesystem::path& p, const std::string& s) { std::ofstream(p) << s; }

TEST(SigningKey, CreatedOnceWithOwnerOnlyModeAndReloaded) {
  TempDir dir;
  const auto path = dir.path() / "audit-signing.key";
  auto first = SigningKey::load_or_create(path);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(mode_of(path), 0600U);
  auto again = SigningKey::load_or_create(path);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(first->public_key(), again->public_key());
  EXPECT_NE(first->public_key(), SigningKey::generate().public_key());
  // Only the key file is left in the directory (no temporary files).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(SigningKey, RefusesKeyFilesOthersCanRead) {
  TempDir dir;
  const auto path = dir.path() / "k";
  ASSERT_TRUE(SigningKey::load_or_create(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto loaded = SigningKey::load_or_create(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("chmod 600"), std::string::npos);
}

TEST(SigningKey, RefusesFilesThatAreNotKeysAndMissingDirectories) {
  TempDir dir;
  const auto path = dir.path() / "k";
  write_text(path, "not a key\n");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto loaded = SigningKey::load_or_create(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::corrupt);
  auto missing = SigningKey::load_or_create(dir.path() / "no-such-dir" / "k");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST(SigningKey, RacingCreatorsAgreeOnOneKey) {
  TempDir dir;
  const auto path = dir.path() / "k";
  std::vector<PublicKey> seen(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] {
      auto k = SigningKey::load_or_create(path);
      if (k.ok()) seen[i] = k->public_key();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& k : seen) EXPECT_EQ(k, seen[0]);
  EXPECT_NE(seen[0], PublicKey{});
}

TEST(SessionHasher, KeyedStableAndOpaque) {
  TempDir dir;
  auto h = SessionHasher::load_or_create(dir.path() / "session.key");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(mode_of(dir.path() / "session.key"), 0600U);
  const std::string token = "s3cr3t-session-token";
  const std::string a = h->hash(token);
  EXPECT_EQ(a.size(), 64U);
  EXPECT_EQ(a.find(token), std::string::npos);
  EXPECT_EQ(a, h->hash(token));
  EXPECT_NE(a, h->hash(token + "x"));
  auto reloaded = SessionHasher::load_or_create(dir.path() / "session.key");
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->hash(token), a);
  std::array<std::uint8_t, 32> other_key{};
  EXPECT_NE(SessionHasher(other_key).hash(token), a);
  // The hash is what Event::session_hash expects.
  Event e = testing::sample_event(1);
  e.session_hash = a;
  EXPECT_TRUE(validate(e).ok());
}

Checkpoint sample_checkpoint(const SigningKey& key) {
  Checkpoint cp;
  cp.size = 1234;
  cp.root = leaf_hash(std::vector<std::uint8_t>{1, 2, 3});
  cp.chain_head = leaf_hash(std::vector<std::uint8_t>{4});
  cp.time = testing::at(60);
  cp.signature = key.sign(cp.signed_message());
  return cp;
}

TEST(Checkpoint, SignatureCoversEveryField) {
  const SigningKey key = SigningKey::generate();
  const Checkpoint cp = sample_checkpoint(key);
  EXPECT_TRUE(cp.signature_valid(key.public_key()));
  EXPECT_FALSE(cp.signature_valid(SigningKey::generate().public_key()));
  Checkpoint c = cp;
  c.size += 1;
  EXPECT_FALSE(c.signature_valid(key.public_key()));
  c = cp;
  c.root[31] ^= 1;
  EXPECT_FALSE(c.signature_valid(key.public_key()));
  c = cp;
  c.chain_head[0] ^= 1;
  EXPECT_FALSE(c.signature_valid(key.public_key()));
  c = cp;
  c.time += std::chrono::microseconds(1);
  EXPECT_FALSE(c.signature_valid(key.public_key()));
}

TEST(Checkpoint, LineRoundTripsAndBadLinesAreNamed) {
  const SigningKey key = SigningKey::generate();
  const Checkpoint cp = sample_checkpoint(key);
  const std::string line = cp.to_line();
  EXPECT_EQ(line.rfind("baove-audit-checkpoint/1 1234 ", 0), 0U) << line;
  auto back = Checkpoint::from_line(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, cp);

  auto file = parse_checkpoint_file(line + "\n\n" + line + "\r\n");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->size(), 2U);

  const std::string bad_lines[] = {
      line + " extra",
      line.substr(0, line.size() - 2),
      "baove-audit-checkpoint/2" + line.substr(24),
      "baove-audit-checkpoint/1 01234" + line.substr(29),
      "baove-audit-checkpoint/1  1234" + line.substr(29),
      "baove-audit-checkpoint/1 -5" + line.substr(29),
  };
  for (const auto& bad : bad_lines) {
    EXPECT_FALSE(Checkpoint::from_line(bad).ok()) << bad;
    auto f = parse_checkpoint_file(line + "\n" + bad + "\n");
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().message.rfind("line 2: ", 0), 0U) << f.error().message;
  }
}

TEST(PublicKey, HexRoundTrip) {
  const auto k = SigningKey::generate().public_key();
  auto back = PublicKey::from_hex(k.to_hex() + "\n");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, k);
  EXPECT_FALSE(PublicKey::from_hex(k.to_hex().substr(1)).ok());
}

}  // namespace
}  // namespace baove::audit
