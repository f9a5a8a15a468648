#include "test_env.hpp"

#include <sodium.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "support/postgres_server.hpp"

namespace baove::hotline::testing {
namespace {

const auth::Actor kRoot{"", "", {}, ""};

}  // namespace

std::string engine_name(const ::testing::TestParamInfo<store::Engine>& param) {
  return param.param == store::Engine::sqlite ? "sqlite" : "postgresql";
}

Keys random_keys() {
  if (sodium_init() < 0) std::abort();
  Keys k;
  randombytes_buf(k.notes.data(), k.notes.size());
  randombytes_buf(k.lookup.data(), k.lookup.size());
  return k;
}

void DbTest::SetUp() {
  std::string pattern = (std::filesystem::temp_directory_path() / "baove-hotline-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  dir_ = pattern;
  std::string url;
  if (GetParam() == store::Engine::sqlite) {
    url = "sqlite:" + (dir_ / "hotline.db").string();
  } else {
    const auto& pg =
        baove::testing::shared_postgres_database("baove_hotline_test_" + std::to_string(getpid()));
    ASSERT_TRUE(pg.ok()) << "PostgreSQL is needed for these tests: " << pg.error().message;
    url = *pg;
    auto c = store::open(url);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE((*c)->exec_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public").ok());
  }
  auto c = store::open(url);
  ASSERT_TRUE(c.ok()) << c.error().message;
  db_ = std::move(*c);
  ASSERT_TRUE(audit::migrate(*db_).ok());
  auto a = auth::Service::migrate(*db_);
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto m = migrate(*db_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  auth::Options options;
  randombytes_buf(options.keys.secret_box.data(), 32);
  randombytes_buf(options.keys.token_hash.data(), 32);
  auth_.emplace(*db_, log_, options);
  keys_ = random_keys();
}

void DbTest::TearDown() {
  auth_.reset();
  db_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string DbTest::unit(const std::string& name, const std::string& parent) {
  auto u = auth_->create_unit(
      kRoot, name, parent.empty() ? auth::UnitKind::hotline : auth::UnitKind::provincial_department, parent);
  EXPECT_TRUE(u.ok()) << u.error().message;
  return u.ok() ? u->id : std::string();
}

auth::Principal DbTest::principal(const std::string& user_id, const std::string& unit_id, auth::Role role,
                                  auth::Scope scope) {
  auth::Principal p;
  p.id = user_id;
  p.unit = unit_id;
  auto below = auth_->units_below(unit_id);
  EXPECT_TRUE(below.ok());
  if (below.ok()) p.units_below = *below;
  p.grants = {auth::Grant{role, scope}};
  return p;
}

auth::SqlFilter DbTest::contacts_of(const auth::Principal& p) {
  return auth::sql_filter(p, auth::Action::list, auth::ResourceType::contact);
}

std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += ch;
      }
      continue;
    }
    if (ch == '"') {
      quoted = true;
      any = true;
    } else if (ch == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (ch == '\r' || ch == '\n') {
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      field += ch;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string read_shared_csv() {
  std::ifstream in(std::string(BAOVE_SHARED_DIR) + "/domain/hotline111_statistics_2020_2023.csv",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace baove::hotline::testing
