#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "platform/config.hpp"

namespace baove::platform {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "baove-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& text) {
    const fs::path p = dir_ / "baove.conf";
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::function<const char*(const char*)> env() {
    return [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, DefaultsServeOneHotlineOnLoopbackWithSqlite) {
  auto c = load_config({}, {}, env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->data_dir, fs::path("var"));
  EXPECT_EQ(c->database_url(), "sqlite:var/baove.db");
  EXPECT_EQ(c->checkpoint_interval, std::chrono::seconds(60));
  EXPECT_FALSE(c->secure_cookies);
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlags) {
  const auto file = write(
      "# Baove\n"
      "listen = 0.0.0.0:9000\n"
      "data_dir = /srv/file\n"
      "workers = 8\n"
      "checkpoint_interval_seconds = 30\n");
  env_["BAOVE_LISTEN"] = "127.0.0.1:9100";
  env_["BAOVE_DATA_DIR"] = "/srv/env";
  env_["BAOVE_SECURE_COOKIES"] = "true";
  auto c = load_config(file, {{"data_dir", "/srv/flag"}}, env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->workers, 8u);                                    // file only
  EXPECT_EQ(c->checkpoint_interval, std::chrono::seconds(30));  // file only
  EXPECT_EQ(c->listen, "127.0.0.1:9100");                       // env over file
  EXPECT_TRUE(c->secure_cookies);                               // env only
  EXPECT_EQ(c->data_dir, fs::path("/srv/flag"));                // flag over env and file
  EXPECT_EQ(c->database_url(), "sqlite:/srv/flag/baove.db");
  auto pg = load_config(file, {{"database", "postgresql://baove@db.example/baove"}}, env());
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->database_url(), "postgresql://baove@db.example/baove");
}

TEST_F(ConfigTest, CommentsAndQuotes) {
  const auto file = write(
      "  # indented comment\n"
      "\n"
      "root_unit_name = \"Cuc Tre em # 1 \\\"national\\\"\"  # the department\n"
      "log_format = text # trailing comment\r\n"
      "database = sqlite:/data/a#b.db\n");
  auto c = load_config(file, {}, env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->root_unit_name, "Cuc Tre em # 1 \"national\"");
  EXPECT_EQ(c->log_format, "text");
  EXPECT_EQ(c->database, "sqlite:/data/a#b.db");
}

TEST_F(ConfigTest, ABadValueNamesFileLineAndKeyButNotTheValue) {
  const auto file = write(
      "listen = 127.0.0.1:8080\n"
      "\n"
      "database = mysql://baove:S3cretPassw0rd@db/baove\n");
  auto c = load_config(file, {}, env());
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find(file.string() + ":3"), std::string::npos) << m;
  EXPECT_NE(m.find("key 'database'"), std::string::npos) << m;
  EXPECT_EQ(m.find("S3cret"), std::string::npos) << m;
  EXPECT_EQ(m.find("mysql"), std::string::npos) << m;

  auto n = load_config(write("workers = many\n"), {}, env());
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find(":1: key 'workers'"), std::string::npos) << n.error().message;
  EXPECT_EQ(n.error().message.find("many"), std::string::npos);

  // A value without a key: the line is not quoted back.
  auto line = load_config(write("listen = 127.0.0.1:1\npostgresql://u:Hunter2Secret@h/db\n"), {}, env());
  ASSERT_FALSE(line.ok());
  EXPECT_NE(line.error().message.find(":2:"), std::string::npos) << line.error().message;
  EXPECT_EQ(line.error().message.find("Hunter2"), std::string::npos) << line.error().message;

  auto quote = load_config(write("root_unit_name = \"Hidden Unit Name\n"), {}, env());
  ASSERT_FALSE(quote.ok());
  EXPECT_NE(quote.error().message.find("key 'root_unit_name'"), std::string::npos) << quote.error().message;
  EXPECT_EQ(quote.error().message.find("Hidden"), std::string::npos) << quote.error().message;
}

TEST_F(ConfigTest, AnUnknownKeyIsRefused) {
  auto c = load_config(write("listen = 127.0.0.1:8080\ncolour = blue\n"), {}, env());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(c.error().message.find(":2: unknown key 'colour'"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("blue"), std::string::npos);
  auto f = load_config({}, {{"colour", "blue"}}, env());
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("unknown key 'colour'"), std::string::npos) << f.error().message;
}

TEST_F(ConfigTest, AKeySetTwiceIsRefused) {
  auto c = load_config(write("workers = 2\nworkers = 3\n"), {}, env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find(":2: key 'workers' set twice"), std::string::npos) << c.error().message;
}

TEST_F(ConfigTest, EnvironmentAndFlagErrorsNameTheVariableOrFlag) {
  env_["BAOVE_DATABASE"] = "oracle://scott:TigerTiger@db";
  auto e = load_config({}, {}, env());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("BAOVE_DATABASE"), std::string::npos) << e.error().message;
  EXPECT_EQ(e.error().message.find("TigerTiger"), std::string::npos);
  env_.clear();
  auto f = load_config({}, {{"listen", "nowhere"}}, env());
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("flag --listen"), std::string::npos) << f.error().message;
  EXPECT_EQ(f.error().message.find("nowhere"), std::string::npos);
}

TEST_F(ConfigTest, AMissingFileIsNotFound) {
  auto c = load_config(dir_ / "absent.conf", {}, env());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::not_found);
  EXPECT_NE(c.error().message.find("absent.conf"), std::string::npos);
}

TEST_F(ConfigTest, ValuesAreChecked) {
  Config c;
  EXPECT_TRUE(apply_setting(c, "listen", "[::1]:0").ok());
  EXPECT_EQ(c.listen, "[::1]:0");
  EXPECT_TRUE(apply_setting(c, "listen", "localhost:8443").ok());
  EXPECT_TRUE(apply_setting(c, "listen", ":8080").ok());
  EXPECT_FALSE(apply_setting(c, "listen", "::1:80").ok());
  EXPECT_FALSE(apply_setting(c, "listen", "127.0.0.1:65536").ok());
  EXPECT_FALSE(apply_setting(c, "listen", "127.0.0.1").ok());
  EXPECT_FALSE(apply_setting(c, "workers", "0").ok());
  EXPECT_FALSE(apply_setting(c, "workers", "-1").ok());
  EXPECT_FALSE(apply_setting(c, "workers", "99999999999999999999999").ok());
  EXPECT_TRUE(apply_setting(c, "io_threads", "0").ok());
  EXPECT_FALSE(apply_setting(c, "request_timeout_seconds", "0").ok());
  EXPECT_TRUE(apply_setting(c, "idle_timeout_seconds", "5").ok());
  EXPECT_EQ(c.idle_timeout, std::chrono::seconds(5));
  EXPECT_FALSE(apply_setting(c, "secure_cookies", "maybe").ok());
  EXPECT_FALSE(apply_setting(c, "log_format", "xml").ok());
  EXPECT_FALSE(apply_setting(c, "data_dir", "").ok());
  EXPECT_FALSE(apply_setting(c, "database", "sqlite:").ok());
  EXPECT_TRUE(apply_setting(c, "database", "postgres://h/db").ok());
  EXPECT_TRUE(apply_setting(c, "database", "").ok());
  EXPECT_EQ(c.database_url(), "sqlite:var/baove.db");
  EXPECT_TRUE(c.trusted_proxies.empty());
  EXPECT_TRUE(apply_setting(c, "trusted_proxies", "10.0.0.2, ::1").ok());
  EXPECT_EQ(c.trusted_proxies, (std::vector<std::string>{"10.0.0.2", "::1"}));
  EXPECT_FALSE(apply_setting(c, "trusted_proxies", "proxy.example.org").ok());
  // Metrics: loopback by default, a list of addresses, or nobody.
  EXPECT_EQ(c.metrics_allow, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_TRUE(apply_setting(c, "metrics_allow", "10.0.0.9").ok());
  EXPECT_EQ(c.metrics_allow, (std::vector<std::string>{"10.0.0.9"}));
  EXPECT_TRUE(apply_setting(c, "metrics_allow", "").ok());
  EXPECT_TRUE(c.metrics_allow.empty());
  EXPECT_FALSE(apply_setting(c, "metrics_allow", "prometheus.local").ok());
  EXPECT_EQ(c.stats_suppression_threshold, 5u);
  EXPECT_TRUE(apply_setting(c, "stats_suppression_threshold", "10").ok());
  EXPECT_EQ(c.stats_suppression_threshold, 10u);
  EXPECT_FALSE(apply_setting(c, "stats_suppression_threshold", "1").ok());
}

}  // namespace
}  // namespace baove::platform
