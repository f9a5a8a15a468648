#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/platform.hpp"
#include "support/postgres_server.hpp"

namespace baove::platform {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 07777;
  return st.st_mode & 07777;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "baove-platform-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    config_.data_dir = dir_ / "data";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  Config config_;
};

TEST_F(PlatformTest, OpenCreatesTheDataDirectoryWithPrivateModes) {
  auto p = Platform::open(config_);
  ASSERT_TRUE(p.ok()) << p.error().message;
  const fs::path d = config_.data_dir;
  EXPECT_EQ(mode_of(d), 0700u);
  EXPECT_EQ(mode_of(d / "keys"), 0700u);
  EXPECT_EQ(mode_of(d / "audit"), 0700u);
  EXPECT_EQ(mode_of(d / "keys/audit-signing.key"), 0600u);
  EXPECT_EQ(mode_of(d / "keys/auth.key"), 0600u);
  EXPECT_TRUE(fs::is_regular_file(d / "baove.db"));
  // auth.key: two lines of 64 hex digits, the keys the service was given.
  const std::string text = slurp(d / "keys/auth.key");
  ASSERT_EQ(text.size(), 130u) << "two lines of 64 hex digits";
  EXPECT_EQ(text[64], '\n');
  EXPECT_EQ(text[129], '\n');
  const auto& keys = (*p)->auth_options().keys;
  EXPECT_NE(keys.secret_box, keys.token_hash);
  EXPECT_NE(keys.secret_box, (std::array<std::uint8_t, 32>{}));
  // Migrated: the auth and audit tables exist.
  auto users = (*p)->db().query("SELECT COUNT(*) FROM auth_users");
  ASSERT_TRUE(users.ok()) << users.error().message;
  auto events = (*p)->db().query("SELECT COUNT(*) FROM audit_events");
  ASSERT_TRUE(events.ok()) << events.error().message;
}

TEST_F(PlatformTest, ReopeningKeepsTheSameKeys) {
  audit::PublicKey first;
  auth::Keys first_keys;
  {
    auto p = Platform::open(config_);
    ASSERT_TRUE(p.ok()) << p.error().message;
    first = (*p)->audit_log().public_key();
    first_keys = (*p)->auth_options().keys;
  }
  auto p = Platform::open(config_);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ((*p)->audit_log().public_key(), first);
  EXPECT_EQ((*p)->auth_options().keys.secret_box, first_keys.secret_box);
  EXPECT_EQ((*p)->auth_options().keys.token_hash, first_keys.token_hash);
  // Another data directory has other keys.
  Config other = config_;
  other.data_dir = dir_ / "other";
  auto q = Platform::open(other);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_NE((*q)->audit_log().public_key(), first);
  EXPECT_NE((*q)->auth_options().keys.token_hash, first_keys.token_hash);
}

TEST_F(PlatformTest, KeyFilesReadableByOthersAreRefused) {
  ASSERT_TRUE(Platform::open(config_).ok());
  const fs::path auth_key = config_.data_dir / "keys/auth.key";
  ASSERT_EQ(::chmod(auth_key.c_str(), 0644), 0);
  auto p = Platform::open(config_);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("auth.key"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("chmod 600"), std::string::npos) << p.error().message;
  ASSERT_EQ(::chmod(auth_key.c_str(), 0600), 0);
  ASSERT_TRUE(Platform::open(config_).ok());

  const fs::path signing = config_.data_dir / "keys/audit-signing.key";
  ASSERT_EQ(::chmod(signing.c_str(), 0640), 0);
  auto s = Platform::open(config_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("audit-signing.key"), std::string::npos) << s.error().message;
}

TEST_F(PlatformTest, AMalformedAuthKeyFileIsRefusedWithoutQuotingIt) {
  ASSERT_TRUE(Platform::open(config_).ok());
  const fs::path auth_key = config_.data_dir / "keys/auth.key";
  const std::string text = slurp(auth_key);
  const std::string first_line = text.substr(0, 64);
  {
    std::ofstream out(auth_key, std::ios::binary | std::ios::trunc);
    out << first_line << "\n";  // one key only
  }
  auto p = Platform::open(config_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::corrupt);
  EXPECT_NE(p.error().message.find("auth.key"), std::string::npos) << p.error().message;
  EXPECT_EQ(p.error().message.find(first_line), std::string::npos);
  {
    std::ofstream out(auth_key, std::ios::binary | std::ios::trunc);
    out << first_line << "\n" << std::string(63, 'a') << "z\n";
  }
  auto q = Platform::open(config_);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().message.find(first_line), std::string::npos) << q.error().message;
}

TEST_F(PlatformTest, BootstrapOnceThenNothing) {
  config_.root_unit_name = "Cuc Tre em";
  auto p = Platform::open(config_);
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto b = (*p)->bootstrap();
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->username, "admin");
  EXPECT_EQ((*b)->one_time_password.size(), 20u);
  auto again = (*p)->bootstrap();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->has_value());

  // The one-time password logs in through a service built from the platform's options (the
  // session then has to change it and enrol TOTP).
  auto db = (*p)->connect();
  ASSERT_TRUE(db.ok()) << db.error().message;
  auth::Service service(**db, (*p)->audit_log(), (*p)->auth_options());
  auto login = service.login({"admin", (*b)->one_time_password, "", "127.0.0.1"});
  ASSERT_TRUE(login.ok()) << login.error().message;
  EXPECT_TRUE(login->must_change_password);
  EXPECT_TRUE(login->must_enrol_totp);
  auto units = service.list_units();
  ASSERT_TRUE(units.ok());
  ASSERT_EQ(units->size(), 1u);
  EXPECT_EQ(units->front().name, "Cuc Tre em");
  EXPECT_EQ(units->front().kind, auth::UnitKind::national_department);

  // Every change was audited, and the log proves itself with the key from the data directory.
  auto cp = (*p)->audit_log().checkpoint((*p)->db(), audit::Timestamp(std::chrono::seconds(1'800'000'000)));
  ASSERT_TRUE(cp.ok()) << cp.error().message;
  auto written = audit::read_checkpoint_file(config_.data_dir / "audit/checkpoints.log");
  ASSERT_TRUE(written.ok()) << written.error().message;
  ASSERT_EQ(written->size(), 1u);
  EXPECT_EQ(written->front(), *cp);
  auto report = audit::verify((*p)->db(), (*p)->audit_log().public_key(), {.trusted = *written});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_GE(report->events, 4);  // unit, user, grant, login
}

TEST_F(PlatformTest, AnUnreachableDatabaseIsNamedRedacted) {
  config_.database = "postgresql://baove:Sup3rSecret@127.0.0.1:1/baove?connect_timeout=2";
  auto p = Platform::open(config_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message.find("Sup3rSecret"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("127.0.0.1"), std::string::npos) << p.error().message;
}

TEST_F(PlatformTest, OpensAPostgresqlDatabase) {
  auto server = baove::testing::PostgresServer::start();
  ASSERT_TRUE(server.ok()) << "PostgreSQL is needed for this test: " << server.error().message;
  auto url = (*server)->create_database("baove_platform_test_" + std::to_string(getpid()));
  ASSERT_TRUE(url.ok()) << url.error().message;
  config_.database = *url;
  std::string admin_password;
  {
    auto p = Platform::open(config_);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ((*p)->db().engine(), store::Engine::postgresql);
    auto b = (*p)->bootstrap();
    ASSERT_TRUE(b.ok()) << b.error().message;
    ASSERT_TRUE(b->has_value());
    admin_password = (*b)->one_time_password;
  }
  EXPECT_FALSE(fs::exists(config_.data_dir / "baove.db")) << "no SQLite file beside a PostgreSQL database";
  EXPECT_TRUE(fs::exists(config_.data_dir / "keys/auth.key")) << "the keys stay in the data directory";
  auto p = Platform::open(config_);  // migrations are idempotent
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto again = (*p)->bootstrap();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->has_value());
  auto db = (*p)->connect();
  ASSERT_TRUE(db.ok()) << db.error().message;
  auth::Service service(**db, (*p)->audit_log(), (*p)->auth_options());
  EXPECT_TRUE(service.login({"admin", admin_password, "", ""}).ok());
}

}  // namespace
}  // namespace baove::platform
