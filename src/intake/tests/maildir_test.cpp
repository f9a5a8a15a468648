// Maildir: listing new messages, reading them, and moving them to cur/ once stored.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "intake/mail.hpp"

namespace baove::intake {
namespace {

namespace fs = std::filesystem;

class MaildirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "baove-maildir-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    for (const char* d : {"new", "cur", "tmp"}) fs::create_directory(root_ / d);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void deliver(const std::string& name, const std::string& content) {
    std::ofstream(root_ / "new" / name, std::ios::binary) << content;
  }
  fs::path root_;
};

TEST_F(MaildirTest, ListsReadsAndMovesMessagesOnce) {
  deliver("1717466700.M1P100.mx", "From: a@b.example\n\none");
  deliver("1717466600.M2P100.mx", "From: c@d.example\n\ntwo");
  deliver(".hidden", "x");
  fs::create_directory(root_ / "new" / "a-directory");
  auto md = Maildir::open(root_);
  ASSERT_TRUE(md) << md.error().message;
  auto names = md->list_new();
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_EQ(*names, (std::vector<std::string>{"1717466600.M2P100.mx", "1717466700.M1P100.mx"}));

  auto content = md->read_new("1717466600.M2P100.mx");
  ASSERT_TRUE(content);
  auto mail = parse_mail(*content);
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->text, "two");

  ASSERT_TRUE(md->mark_seen("1717466600.M2P100.mx").ok());
  EXPECT_FALSE(fs::exists(root_ / "new" / "1717466600.M2P100.mx"));
  EXPECT_TRUE(fs::exists(root_ / "cur" / "1717466600.M2P100.mx:2,S"));
  std::ifstream moved(root_ / "cur" / "1717466600.M2P100.mx:2,S", std::ios::binary);
  std::string moved_content((std::istreambuf_iterator<char>(moved)), std::istreambuf_iterator<char>());
  EXPECT_EQ(moved_content, "From: c@d.example\n\ntwo");
  EXPECT_EQ(*md->list_new(), std::vector<std::string>{"1717466700.M1P100.mx"});

  // A second run after a crash between the store and the listing: marking again is harmless.
  EXPECT_TRUE(md->mark_seen("1717466600.M2P100.mx").ok());
  EXPECT_EQ(md->read_new("1717466600.M2P100.mx").error().code, ErrorCode::not_found);
  EXPECT_EQ(md->mark_seen("never-delivered").error().code, ErrorCode::not_found);
}

TEST_F(MaildirTest, KeepsExistingFlagsAndRefusesPathNames) {
  deliver("123.M1.mx:2,F", "x");
  auto md = Maildir::open(root_);
  ASSERT_TRUE(md);
  ASSERT_TRUE(md->mark_seen("123.M1.mx:2,F").ok());
  EXPECT_TRUE(fs::exists(root_ / "cur" / "123.M1.mx:2,FS"));
  for (const char* bad : {"", ".", "..", "../cur/x", "a/b"}) {
    EXPECT_EQ(md->mark_seen(bad).error().code, ErrorCode::invalid_argument) << bad;
    EXPECT_EQ(md->read_new(bad).error().code, ErrorCode::invalid_argument) << bad;
  }
}

TEST_F(MaildirTest, OpenNeedsTheThreeDirectories) {
  fs::remove(root_ / "tmp");
  auto md = Maildir::open(root_);
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.error().code, ErrorCode::not_found);
  EXPECT_EQ(Maildir::open(root_ / "missing").error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace baove::intake
