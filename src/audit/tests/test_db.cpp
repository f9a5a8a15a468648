#include "audit/tests/test_db.hpp"

#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "support/postgres_server.hpp"

namespace baove::audit::testing {
namespace {

class PostgresEnvironment : public ::testing::Environment {
 public:
  const Result<std::string>& url() {
    if (!url_) {
      auto server = baove::testing::PostgresServer::start();
      if (!server.ok()) {
        url_.emplace(server.error());
      } else {
        server_ = std::move(*server);
        url_.emplace(server_->create_database("baove_audit_test_" + std::to_string(getpid())));
      }
    }
    return *url_;
  }
  void TearDown() override {
    server_.reset();
    url_.reset();
  }

 private:
  std::unique_ptr<baove::testing::PostgresServer> server_;
  std::optional<Result<std::string>> url_;
};

PostgresEnvironment* const postgres_environment =
    static_cast<PostgresEnvironment*>(::testing::AddGlobalTestEnvironment(new PostgresEnvironment));

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "baove-audit-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}
TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

const Result<std::string>& postgres_url() { return postgres_environment->url(); }

void EngineTest::SetUp() {
  ASSERT_FALSE(dir_.path().empty());
  if (GetParam() == store::Engine::sqlite) {
    url_ = "sqlite:" + (dir_.path() / "audit.db").string();
  } else {
    const auto& url = postgres_url();
    ASSERT_TRUE(url.ok()) << "PostgreSQL is needed for these tests: " << url.error().message;
    url_ = *url;
    auto c = store::open(url_);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE((*c)->exec_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public").ok());
  }
  db_ = connect();
  ASSERT_NE(db_, nullptr);
  auto migrated = migrate(*db_);
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
}

std::unique_ptr<store::Connection> EngineTest::connect() {
  auto c = store::open(url_);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  if (!c.ok()) return nullptr;
  return std::move(*c);
}

std::string engine_name(const ::testing::TestParamInfo<store::Engine>& info) {
  return info.param == store::Engine::sqlite ? "sqlite" : "postgresql";
}

Timestamp at(std::int64_t seconds) { return Timestamp(std::chrono::seconds(1709251200LL + seconds)); }

Event sample_event(int i) {
  Event e;
  e.actor = "user-" + std::to_string(i % 5);
  e.unit = "unit-hn-" + std::to_string(i % 3);
  e.roles = {"case_worker"};
  if (i % 4 == 0) e.roles.push_back("supervisor");
  e.session_hash = std::string(64, static_cast<char>('a' + i % 6));
  e.address = "10.0." + std::to_string(i % 7) + ".1";
  e.time = at(i) + std::chrono::microseconds(i);
  e.action = i % 5 == 0 ? Action::search : Action::read;
  e.object_type = "case";
  e.object_id = "case-" + std::to_string(i % 11);
  if (e.action == Action::search) {
    e.row_count = i;
  } else {
    e.fields = {"summary", "status"};
  }
  e.outcome = i % 13 == 0 ? Outcome::denied : Outcome::allowed;
  e.reason = i % 13 == 0 ? "not-assigned" : "";
  return e;
}

}  // namespace baove::audit::testing
