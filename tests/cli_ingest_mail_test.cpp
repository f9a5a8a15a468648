// End-to-end tests of `baove ingest-mail`: e-mails delivered into a Maildir (and one on standard
// input) become reports with their attachments as evidence; each message is filed once, however
// often the command runs.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "hash/digest.hpp"
#include "run_command.hpp"
#include "store/store.hpp"

namespace baove {
namespace {

namespace fs = std::filesystem;
using testing::run_command;

std::string base64(std::string_view in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
    if (out.size() % 78 == 76) out += "\r\n";
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string sha256_hex(std::string_view s) {
  return hash::compute_digests({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}).sha256_hex();
}

// A message as a webmail client sends it: text and an attachment.
std::string mail(const std::string& id, const std::string& attachment) {
  return "From: Phu huynh <parent@example.com>\r\n"
         "To: hotline@example.org\r\n"
         "Subject: =?UTF-8?B?" +
         base64("Báo cáo: có người đe doạ con tôi") +
         "?=\r\n"
         "Date: Mon, 23 Nov 2026 09:05:00 +0700\r\n"
         "Message-ID: <" +
         id +
         "@mail.example.com>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
         "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
         "Con tôi bị một tài khoản lạ nhắn tin. Đường dẫn: https://example.com/u/abc\r\n"
         "--b1\r\nContent-Type: application/octet-stream; name=\"chup-man-hinh.bin\"\r\n"
         "Content-Disposition: attachment; filename=\"chup-man-hinh.bin\"\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n" +
         base64(attachment) + "\r\n--b1--\r\n";
}

class CliIngestMail : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "baove-cli-mail-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    for (const char* name : {"BAOVE_DATA_DIR", "BAOVE_DATABASE", "BAOVE_INTAKE_UNIT"}) ::unsetenv(name);
    for (const char* sub : {"new", "cur", "tmp"}) fs::create_directories(dir_ / "Maildir" / sub);
    auto boot = run_command({BAOVE_EXE, "admin", "bootstrap", "--data-dir", data()});
    ASSERT_EQ(boot.exit_code, 0) << boot.err;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string data() const { return (dir_ / "data").string(); }
  void deliver(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / "Maildir" / "new" / name, std::ios::binary) << text;
  }
  std::int64_t count(const std::string& sql) {
    auto db = store::open("sqlite:" + (dir_ / "data" / "baove.db").string());
    EXPECT_TRUE(db.ok());
    auto rows = (*db)->query(sql);
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    return rows.ok() ? (*rows)[0].integer(0) : -1;
  }
  fs::path dir_;
};

TEST_F(CliIngestMail, MaildirMessagesBecomeReportsOnce) {
  const std::string a1(5000, 'x'), a2 = "second attachment bytes";
  deliver("1700000000.1.host", mail("one", a1));
  deliver("1700000001.2.host", mail("two", a2));
  auto r =
      run_command({BAOVE_EXE, "ingest-mail", "--maildir", (dir_ / "Maildir").string(), "--data-dir", data()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  EXPECT_NE(r.out.find("filed BV-"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("parent@example.com"), std::string::npos);  // never the sender
  EXPECT_TRUE(fs::is_empty(dir_ / "Maildir" / "new"));
  EXPECT_TRUE(fs::exists(dir_ / "Maildir" / "cur" / "1700000000.1.host:2,S"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports WHERE channel = 'email'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_evidence WHERE sha256 = '" + sha256_hex(a1) + "'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports WHERE description LIKE '%https://example.com/u/abc%'"),
            2);

  // The same message again (a second delivery, or read from standard input): nothing new.
  auto again = run_command({BAOVE_EXE, "ingest-mail", "--data-dir", data()}, mail("one", a1));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("seen before"), std::string::npos) << again.out;
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports"), 2);

  // The vault holds the attachments, intact, and the audit log proves.
  auto verify = run_command({BAOVE_EXE, "vault", "verify", "--data-dir", data()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto audit = run_command({BAOVE_EXE, "audit", "verify", "--data-dir", data()});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

TEST_F(CliIngestMail, AnUnreadableMessageStaysForTheNextRun) {
  deliver("1700000002.3.host", "");
  deliver("1700000003.4.host", mail("three", "abc"));
  auto r =
      run_command({BAOVE_EXE, "ingest-mail", "--maildir", (dir_ / "Maildir").string(), "--data-dir", data()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "Maildir" / "new" / "1700000002.3.host"));
  EXPECT_TRUE(fs::exists(dir_ / "Maildir" / "cur" / "1700000003.4.host:2,S"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM report_reports"), 1);
}

}  // namespace
}  // namespace baove
