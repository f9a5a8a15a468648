#include "util/file.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace baove {
namespace {

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("baove_file_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(File, AtomicWriteThenMapReadsTheSameBytes) {
  auto dir = temp_dir();
  std::vector<std::uint8_t> data = {0, 1, 2, 250, 255};
  ASSERT_TRUE(write_file_atomic(dir / "x.bin", data).ok());
  auto m = MappedFile::open(dir / "x.bin");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(std::vector<std::uint8_t>(m->bytes().begin(), m->bytes().end()), data);
  // No temporary file is left behind.
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) (void)e, ++n;
  EXPECT_EQ(n, 1);
  std::filesystem::remove_all(dir);
}

TEST(File, ErrorsNameTheFile) {
  auto dir = temp_dir();
  auto missing = MappedFile::open(dir / "nope.jpg");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find("nope.jpg"), std::string::npos);

  auto d = MappedFile::open(dir);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("directory"), std::string::npos);

  std::ofstream(dir / "big.bin") << std::string(100, 'x');
  auto big = MappedFile::open(dir / "big.bin", 10);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::limit_exceeded);

  std::ofstream(dir / "empty.bin").close();
  auto empty = MappedFile::open(dir / "empty.bin");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->bytes().empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace baove

namespace baove {
namespace {

TEST(File, PrivateFilesMustBeTheOwnersAlone) {
  const auto dir = temp_dir();
  const auto key = dir / "secret.key";
  EXPECT_EQ(read_private_file(key).error().code, ErrorCode::not_found);
  const std::vector<std::uint8_t> bytes{'k', 'e', 'y'};
  ASSERT_TRUE(write_file_atomic(key, bytes).ok());
  std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto ok = read_private_file(key);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, bytes);
  std::filesystem::permissions(key, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  auto shared = read_private_file(key);
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(shared.error().message.find("chmod 600"), std::string::npos);
  EXPECT_EQ(shared.error().message.find("key\n"), std::string::npos);
  std::filesystem::permissions(key, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::remove);
  EXPECT_EQ(read_private_file(key, 2).error().code, ErrorCode::corrupt);
  EXPECT_EQ(read_private_file(dir).error().code, ErrorCode::io);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace baove
