// End-to-end tests of `baove audit`: a real SQLite database written through the audit module,
// then verified, tampered with and queried through the real executable.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "run_command.hpp"
#include "store/store.hpp"

namespace baove {
namespace {

namespace fs = std::filesystem;
using testing::run_command;

class CliAudit : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("baove_cli_audit_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "var/keys");
    fs::create_directories(dir_ / "var/audit");
    auto c = store::open("sqlite:" + (dir_ / "var/baove.db").string());
    ASSERT_TRUE(c.ok()) << c.error().message;
    conn_ = std::move(*c);
    ASSERT_TRUE(audit::migrate(*conn_).ok());
    auto key = audit::SigningKey::load_or_create(dir_ / "var/keys/audit-signing.key");
    ASSERT_TRUE(key.ok());
    public_key_ = key->public_key().to_hex();
    audit::Log log(std::move(*key),
                   audit::LogOptions{dir_ / "var/audit/checkpoints.log", std::chrono::seconds(60)});
    const auto t0 = audit::Timestamp(std::chrono::seconds(1'795'000'000));
    for (int i = 1; i <= 30; ++i) {
      audit::Event e;
      e.actor = i % 3 == 0 ? "user-7" : "user-2";
      e.unit = "hotline";
      e.roles = {"counsellor"};
      e.address = i % 2 ? "10.0.0.5" : "10.0.0.9";
      e.time = t0 + std::chrono::minutes(i);
      e.action = audit::Action::read;
      e.object_type = "case";
      e.object_id = "case-" + std::to_string(i % 5);
      e.fields = {"summary"};
      store::Transaction tx(*conn_);
      ASSERT_TRUE(tx.started().ok());
      ASSERT_TRUE(log.append(*conn_, e).ok());
      ASSERT_TRUE(tx.commit().ok());
      if (i == 20) {
        ASSERT_TRUE(log.checkpoint(*conn_, e.time).ok());
      }
    }
    ASSERT_TRUE(log.checkpoint(*conn_, t0 + std::chrono::hours(1)).ok());
  }
  void TearDown() override {
    conn_.reset();
    fs::remove_all(dir_);
  }
  testing::CommandResult baove(std::vector<std::string> args) {
    args.insert(args.begin(), BAOVE_EXE);
    return run_command(args, "", dir_.string());
  }

  fs::path dir_;
  std::unique_ptr<store::Connection> conn_;
  std::string public_key_;
};

TEST_F(CliAudit, AnUntouchedLogVerifies) {
  auto r = baove({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("events: 30"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("audit log verified"), std::string::npos);
  auto pub = baove({"audit", "public-key"});
  EXPECT_EQ(pub.out, public_key_ + "\n");
  // An auditor with only the public key and a copy of the checkpoints.
  fs::copy_file(dir_ / "var/audit/checkpoints.log", dir_ / "kept.log");
  auto j = baove({"audit", "verify", "--public-key", public_key_, "--signing-key", "none", "--trusted",
                  "kept.log", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.out << j.err;
  auto report = nlohmann::json::parse(j.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["events"], 30);
  EXPECT_GE(report["trusted_checkpoints"].get<int>(), 2);
}

TEST_F(CliAudit, AnEditedEventIsNamed) {
  ASSERT_TRUE(conn_->execute("UPDATE audit_events SET object_id = 'case-99' WHERE seq = 17").ok());
  auto r = baove({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("first bad event is 17"), std::string::npos) << r.out;
}

TEST_F(CliAudit, ADeletedTailIsARollbackAgainstTheCheckpoints) {
  ASSERT_TRUE(conn_->execute("DELETE FROM audit_events WHERE seq > 25").ok());
  auto r = baove({"audit", "verify", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["ok"], false);
  bool named = false;
  for (const auto& p : report["problems"]) {
    const auto kind = p["kind"].get<std::string>();
    named |= kind == "truncated" || kind == "rollback";
  }
  EXPECT_TRUE(named) << r.out;
}

TEST_F(CliAudit, QueriesAnswerWhoAccessedARecordAndWhatAUserAccessed) {
  auto who = baove({"audit", "query", "--object", "case:case-3", "--json"});
  ASSERT_EQ(who.exit_code, 0) << who.err;
  int n = 0;
  std::istringstream in(who.out);
  for (std::string line; std::getline(in, line); ++n) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["object_id"], "case-3");
  }
  EXPECT_EQ(n, 6);  // i = 3, 8, 13, 18, 23, 28
  auto what = baove({"audit", "query", "--actor", "user-7", "--address", "10.0.0.5", "--json"});
  ASSERT_EQ(what.exit_code, 0) << what.err;
  n = 0;
  std::istringstream in2(what.out);
  for (std::string line; std::getline(in2, line); ++n) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["actor"], "user-7");
    EXPECT_EQ(j["address"], "10.0.0.5");
  }
  EXPECT_EQ(n, 5);  // odd multiples of 3 up to 30: 3, 9, 15, 21, 27
  auto bad = baove({"audit", "query", "--object", "nocolon"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("TYPE:ID"), std::string::npos);
}

TEST_F(CliAudit, MissingDatabaseOrKeyIsAClearError) {
  auto r = baove({"audit", "verify", "--db", "nowhere.db"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no database"), std::string::npos) << r.err;
  auto k = baove({"audit", "verify", "--signing-key", "missing.key"});
  EXPECT_EQ(k.exit_code, 1);
  EXPECT_NE(k.err.find("--public-key"), std::string::npos) << k.err;
}

}  // namespace
}  // namespace baove
