// End-to-end tests of `baove admin`: the real executable on a fresh data directory (real SQLite
// file, real key files), checked through the output a user reads, through the auth service opened
// on the same directory, and through `baove audit verify` and `baove audit query`.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "platform/platform.hpp"
#include "run_command.hpp"
#include "support/postgres_server.hpp"

namespace baove {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::run_command;

// The value after "LABEL: " on its own line of `out`, or "".
std::string field(const std::string& out, const std::string& label) {
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(label + ": ", 0) == 0) return line.substr(label.size() + 2);
  }
  return "";
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class CliAdmin : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "baove-cli-admin-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // The commands run with this process's environment: settings from it would override the file.
    for (const char* name : {"BAOVE_DATA_DIR", "BAOVE_DATABASE", "BAOVE_ROOT_UNIT_NAME"}) ::unsetenv(name);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `baove admin ARGS... --data-dir data` in the test's directory.
  CommandResult admin(std::vector<std::string> args) {
    args.insert(args.begin(), {BAOVE_EXE, "admin"});
    args.insert(args.end(), {"--data-dir", "data"});
    return run_command(args, "", dir_.string());
  }
  CommandResult baove(std::vector<std::string> args) {
    args.insert(args.begin(), BAOVE_EXE);
    return run_command(args, "", dir_.string());
  }
  nlohmann::json list(const std::string& what) {
    auto r = admin({what, "list", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
  // Bootstraps and returns the root unit's id.
  std::string bootstrap() {
    auto r = admin({"bootstrap"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto units = list("unit");
    return units.empty() ? "" : units[0]["id"].get<std::string>();
  }
  // The platform and auth service on the same data directory, as `baove serve` would open them.
  struct Opened {
    std::unique_ptr<platform::Platform> platform;
    std::unique_ptr<auth::Service> service;
  };
  Opened open() {
    platform::Config c;
    c.data_dir = dir_ / "data";
    auto p = platform::Platform::open(c);
    EXPECT_TRUE(p.ok()) << p.error().message;
    if (!p) return {};
    Opened o;
    o.platform = std::move(*p);
    o.service = std::make_unique<auth::Service>(o.platform->db(), o.platform->audit_log(),
                                                o.platform->auth_options());
    return o;
  }
  // Every byte under the data directory, to check that no secret was stored in clear.
  std::string all_stored_bytes() {
    std::string all;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "data")) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      all += ss.str();
    }
    return all;
  }

  fs::path dir_;
};

TEST_F(CliAdmin, BootstrapCreatesTheAdministratorOnce) {
  auto r = admin({"bootstrap"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(field(r.out, "user"), "admin");
  const std::string password = field(r.out, "one-time password");
  EXPECT_EQ(password.size(), 20u) << r.out;
  EXPECT_TRUE(contains(r.err, "shown only now")) << r.err;
  // The data directory is private.
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir_ / "data/keys/auth.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto again = admin({"bootstrap"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "") << "no second password";
  EXPECT_TRUE(contains(again.err, "users exist already")) << again.err;

  auto users = list("user");
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["username"], "admin");
  EXPECT_EQ(users[0]["grants"], nlohmann::json::array({"administrator:all"}));
  EXPECT_EQ(users[0]["must_change_password"], true);
  auto units = list("unit");
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0]["kind"], "national_department");
  EXPECT_EQ(units[0]["name"], "Department of Children");
  EXPECT_TRUE(units[0]["parent_id"].is_null());

  // The printed password is the account's: it logs in (and must then be changed).
  auto o = open();
  auto login = o.service->login({"admin", password, "", ""});
  ASSERT_TRUE(login.ok()) << login.error().message;
  EXPECT_TRUE(login->must_change_password);
  EXPECT_FALSE(contains(all_stored_bytes(), password)) << "the password is stored only hashed";
}

TEST_F(CliAdmin, UnitsUsersAndKeysAreManagedAuditedAndTheLogVerifies) {
  const std::string root = bootstrap();
  ASSERT_FALSE(root.empty());

  // Units: the parent defaults to the root.
  auto hotline = admin({"unit", "add", "--name", "Hotline 111", "--kind", "hotline"});
  ASSERT_EQ(hotline.exit_code, 0) << hotline.err;
  const std::string hotline_id = trimmed(hotline.out);
  EXPECT_EQ(hotline_id.rfind("unit-", 0), 0u) << hotline.out;
  auto province =
      admin({"unit", "add", "--name", "Ha Noi", "--kind", "provincial_department", "--parent", root});
  ASSERT_EQ(province.exit_code, 0) << province.err;
  auto district = admin({"unit", "add", "--name", "Ba Dinh", "--kind", "district_department", "--parent",
                         trimmed(province.out)});
  ASSERT_EQ(district.exit_code, 0) << district.err;
  auto units = list("unit");
  ASSERT_EQ(units.size(), 4u);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& u : units) by_name[u["name"].get<std::string>()] = u;
  EXPECT_EQ(by_name["Hotline 111"]["parent_id"], root);
  EXPECT_EQ(by_name["Hotline 111"]["kind"], "hotline");
  EXPECT_EQ(by_name["Ba Dinh"]["parent_id"], trimmed(province.out));
  auto table = admin({"unit", "list"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_TRUE(contains(table.out, hotline_id + "\thotline\t" + root + "\tHotline 111\n")) << table.out;

  // A user with two grants; the one-time password is printed once and works.
  auto added = admin({"user", "add", "--username", "lan.nguyen", "--unit", hotline_id, "--grant",
                      "counsellor:own", "--grant", "supervisor:unit"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const std::string user_id = field(added.out, "user id");
  const std::string first_password = field(added.out, "one-time password");
  EXPECT_EQ(user_id.rfind("user-", 0), 0u) << added.out;
  EXPECT_EQ(first_password.size(), 20u);
  auto users = list("user");
  ASSERT_EQ(users.size(), 2u);
  const auto lan = users[0]["username"] == "lan.nguyen" ? users[0] : users[1];
  EXPECT_EQ(lan["id"], user_id);
  EXPECT_EQ(lan["unit_id"], hotline_id);
  EXPECT_EQ(lan["grants"], nlohmann::json::array({"counsellor:own", "supervisor:unit"}));
  EXPECT_EQ(lan["disabled"], false);
  EXPECT_EQ(lan["totp_enrolled"], false);
  {
    auto o = open();
    EXPECT_TRUE(o.service->login({"lan.nguyen", first_password, "", ""}).ok());
  }

  // Disable by name, enable by id.
  auto disabled = admin({"user", "disable", "lan.nguyen"});
  ASSERT_EQ(disabled.exit_code, 0) << disabled.err;
  EXPECT_EQ(list("user")[1]["disabled"], true);
  {
    auto o = open();
    EXPECT_FALSE(o.service->login({"lan.nguyen", first_password, "", ""}).ok())
        << "a disabled user cannot log in";
  }
  ASSERT_EQ(admin({"user", "enable", user_id}).exit_code, 0);
  EXPECT_EQ(list("user")[1]["disabled"], false);

  // A new one-time password replaces the old one.
  auto reset = admin({"user", "reset-password", "lan.nguyen"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  const std::string second_password = field(reset.out, "one-time password");
  EXPECT_EQ(second_password.size(), 20u) << reset.out;
  EXPECT_NE(second_password, first_password);
  {
    auto o = open();
    EXPECT_FALSE(o.service->login({"lan.nguyen", first_password, "", ""}).ok());
    EXPECT_TRUE(o.service->login({"lan.nguyen", second_password, "", ""}).ok());
  }
  ASSERT_EQ(admin({"user", "reset-totp", "lan.nguyen"}).exit_code, 0);

  // Grants.
  auto granted = admin({"user", "grant", "lan.nguyen", "analyst:all"});
  ASSERT_EQ(granted.exit_code, 0) << granted.err;
  auto revoked = admin({"user", "revoke", user_id, "counsellor:own"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(list("user")[1]["grants"], nlohmann::json::array({"analyst:all", "supervisor:unit"}));

  // API keys: the key is printed once, works, and stops working when revoked.
  auto key = admin({"key", "add", "--unit", hotline_id, "--name", "Platform X", "--scope", "match:read",
                    "--scope", "takedown:write", "--rate-limit", "600"});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  const std::string key_id = field(key.out, "key id");
  const std::string secret = field(key.out, "api key");
  EXPECT_EQ(secret.rfind("bk_" + key_id + "_", 0), 0u) << key.out;
  auto keys = list("key");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0]["id"], key_id);
  EXPECT_EQ(keys[0]["unit_id"], hotline_id);
  EXPECT_EQ(keys[0]["scopes"], nlohmann::json::array({"match:read", "takedown:write"}));
  EXPECT_EQ(keys[0]["rate_limit_per_minute"], 600);
  EXPECT_EQ(keys[0]["revoked"], false);
  const std::string secret_part = secret.substr(secret.rfind('_') + 1);
  auto key_table = admin({"key", "list"});
  EXPECT_FALSE(contains(key_table.out + keys.dump(), secret_part)) << "lists never show the secret";
  {
    auto o = open();
    auto p = o.service->authenticate_api_key(secret);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->second, 600);
  }
  ASSERT_EQ(admin({"key", "revoke", key_id}).exit_code, 0);
  EXPECT_EQ(list("key")[0]["revoked"], true);
  {
    auto o = open();
    EXPECT_FALSE(o.service->authenticate_api_key(secret).ok());
  }
  const std::string stored = all_stored_bytes();
  EXPECT_FALSE(contains(stored, first_password));
  EXPECT_FALSE(contains(stored, second_password));
  EXPECT_FALSE(contains(stored, secret_part));

  // The audit log proves itself with the data directory's key and checkpoint file...
  auto verify =
      baove({"audit", "verify", "--db", "data/baove.db", "--signing-key", "data/keys/audit-signing.key",
             "--checkpoint-file", "data/audit/checkpoints.log", "--json"});
  ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto report = nlohmann::json::parse(verify.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_GE(report["events"].get<int>(), 15);
  EXPECT_GE(report["trusted_checkpoints"].get<int>(), 1);

  // ... and answers what was done to the user and which objects were created.
  auto about_user =
      baove({"audit", "query", "--db", "data/baove.db", "--object", "user:" + user_id, "--json"});
  ASSERT_EQ(about_user.exit_code, 0) << about_user.err;
  std::set<std::string> reasons;
  std::istringstream lines(about_user.out);
  for (std::string line; std::getline(lines, line);) {
    auto e = nlohmann::json::parse(line);
    reasons.insert(e["reason"].get<std::string>());
    EXPECT_EQ(e["actor"], "") << "the CLI acts as the system";
  }
  for (const char* want : {"disabled", "enabled", "password-reset", "totp-reset", "grant:counsellor/own",
                           "grant:supervisor/unit", "grant:analyst/all", "revoke:counsellor/own"}) {
    EXPECT_TRUE(reasons.count(want)) << want << " in " << about_user.out;
  }
  auto created = baove({"audit", "query", "--db", "data/baove.db", "--action", "create", "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::map<std::string, int> types;
  std::istringstream created_lines(created.out);
  for (std::string line; std::getline(created_lines, line);) {
    ++types[nlohmann::json::parse(line)["object_type"].get<std::string>()];
  }
  EXPECT_EQ(types["unit"], 4);
  EXPECT_EQ(types["user"], 2);
  EXPECT_EQ(types["api_key"], 1);
  auto key_events =
      baove({"audit", "query", "--db", "data/baove.db", "--object", "api_key:" + key_id, "--json"});
  EXPECT_TRUE(contains(key_events.out, "\"reason\":\"revoked\"")) << key_events.out;
}

TEST_F(CliAdmin, MistakesAreClearErrors) {
  // Before bootstrap there is no root unit to hang a unit under.
  auto early = admin({"unit", "add", "--name", "Hotline", "--kind", "hotline"});
  EXPECT_EQ(early.exit_code, 1);
  EXPECT_TRUE(contains(early.err, "baove admin bootstrap")) << early.err;
  const std::string root = bootstrap();

  auto kind = admin({"unit", "add", "--name", "Somewhere", "--kind", "ministry"});
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_TRUE(contains(kind.err, "unknown unit kind")) << kind.err;
  EXPECT_TRUE(contains(kind.err, "provincial_department")) << "the kinds are listed: " << kind.err;
  auto parent =
      admin({"unit", "add", "--name", "Orphan", "--kind", "ngo", "--parent", "unit-0000000000000000"});
  EXPECT_EQ(parent.exit_code, 1);
  EXPECT_TRUE(contains(parent.err, "parent unit not found")) << parent.err;

  auto no_unit = admin(
      {"user", "add", "--username", "minh", "--unit", "unit-0000000000000000", "--grant", "counsellor:own"});
  EXPECT_EQ(no_unit.exit_code, 1);
  EXPECT_TRUE(contains(no_unit.err, "unit not found")) << no_unit.err;
  EXPECT_EQ(no_unit.out, "") << "no password for a user that was not created";
  for (const char* bad : {"counsellor", "wizard:all", "counsellor:everything", ":own"}) {
    auto g = admin({"user", "add", "--username", "minh", "--unit", root, "--grant", bad});
    EXPECT_EQ(g.exit_code, 2) << bad;
    EXPECT_TRUE(contains(g.err, "ROLE:SCOPE")) << g.err;
    EXPECT_EQ(g.out, "");
  }
  auto no_grant = admin({"user", "add", "--username", "minh", "--unit", root});
  EXPECT_EQ(no_grant.exit_code, 2) << no_grant.err;
  auto bad_name =
      admin({"user", "add", "--username", "Minh Tran", "--unit", root, "--grant", "analyst:unit"});
  EXPECT_EQ(bad_name.exit_code, 1);
  EXPECT_TRUE(contains(bad_name.err, "user name")) << bad_name.err;
  auto taken = admin({"user", "add", "--username", "admin", "--unit", root, "--grant", "analyst:unit"});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_TRUE(contains(taken.err, "already taken")) << taken.err;
  EXPECT_EQ(list("user").size(), 1u) << "no failed attempt left a user behind";

  auto nobody = admin({"user", "disable", "nobody.here"});
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_TRUE(contains(nobody.err, "no such user")) << nobody.err;
  EXPECT_FALSE(contains(nobody.err, "nobody.here")) << "user names are not echoed";
  auto bad_grant = admin({"user", "grant", "admin", "administrator"});
  EXPECT_EQ(bad_grant.exit_code, 2);
  auto no_such_grant = admin({"user", "revoke", "admin", "analyst:own"});
  EXPECT_EQ(no_such_grant.exit_code, 1);
  EXPECT_TRUE(contains(no_such_grant.err, "no such grant")) << no_such_grant.err;

  auto scope =
      admin({"key", "add", "--unit", root, "--name", "X", "--scope", "match:delete", "--rate-limit", "5"});
  EXPECT_EQ(scope.exit_code, 2);
  EXPECT_TRUE(contains(scope.err, "NAME:read")) << scope.err;
  auto rate =
      admin({"key", "add", "--unit", root, "--name", "X", "--scope", "match:read", "--rate-limit", "0"});
  EXPECT_EQ(rate.exit_code, 2);
  auto key_unit = admin({"key", "add", "--unit", "unit-0000000000000000", "--name", "X", "--scope",
                         "match:read", "--rate-limit", "5"});
  EXPECT_EQ(key_unit.exit_code, 1);
  EXPECT_TRUE(contains(key_unit.err, "unit not found")) << key_unit.err;
  auto revoke = admin({"key", "revoke", "key-0000000000000000"});
  EXPECT_EQ(revoke.exit_code, 1);
  EXPECT_TRUE(contains(revoke.err, "no such active key")) << revoke.err;
  EXPECT_EQ(admin({"unit"}).exit_code, 2) << "a group without a command is a usage error";

  // A key file others can read is refused.
  ASSERT_EQ(::chmod((dir_ / "data/keys/auth.key").c_str(), 0644), 0);
  auto exposed = admin({"user", "list"});
  EXPECT_EQ(exposed.exit_code, 1);
  EXPECT_TRUE(contains(exposed.err, "auth.key")) << exposed.err;
  EXPECT_TRUE(contains(exposed.err, "chmod 600")) << exposed.err;
}

TEST_F(CliAdmin, TheConfigurationFileAndFlagsChooseTheDataDirectory) {
  {
    std::ofstream(dir_ / "baove.conf") << "# test configuration\n"
                                          "data_dir = from-file\n"
                                          "root_unit_name = \"Cuc Tre em\"\n";
  }
  auto r = baove({"admin", "--config", "baove.conf", "bootstrap"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "from-file/keys/auth.key"));
  EXPECT_TRUE(fs::exists(dir_ / "from-file/baove.db"));
  EXPECT_FALSE(fs::exists(dir_ / "var")) << "the default data directory is not touched";
  auto units = baove({"admin", "unit", "list", "--config", "baove.conf", "--json"});
  ASSERT_EQ(units.exit_code, 0) << units.err;
  EXPECT_EQ(nlohmann::json::parse(units.out)[0]["name"], "Cuc Tre em");

  // A flag wins over the file; so does an explicit --database.
  auto flag = baove({"admin", "--config", "baove.conf", "--data-dir", "from-flag", "bootstrap"});
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_TRUE(fs::exists(dir_ / "from-flag/keys/auth.key"));
  auto db = baove({"admin", "--config", "baove.conf", "--database", "sqlite:elsewhere.db", "user", "list"});
  ASSERT_EQ(db.exit_code, 0) << db.err;
  EXPECT_TRUE(fs::exists(dir_ / "elsewhere.db"));
  EXPECT_EQ(db.out, "ID\tUSERNAME\tUNIT\tSTATE\tGRANTS\n") << "a different, empty database";

  // A bad file names the line and key, never the value.
  { std::ofstream(dir_ / "bad.conf") << "data_dir = d\ndatabase = mysql://u:Pa55wordPa55@db/x\n"; }
  auto bad = baove({"admin", "--config", "bad.conf", "user", "list"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "bad.conf:2")) << bad.err;
  EXPECT_TRUE(contains(bad.err, "'database'")) << bad.err;
  EXPECT_FALSE(contains(bad.err, "Pa55word")) << bad.err;
  auto missing = baove({"admin", "--config", "absent.conf", "user", "list"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, "absent.conf")) << missing.err;
}

TEST_F(CliAdmin, APostgresqlDatabaseServesTheSameCommands) {
  auto server = baove::testing::PostgresServer::start();
  ASSERT_TRUE(server.ok()) << "PostgreSQL is needed for this test: " << server.error().message;
  auto url = (*server)->create_database("baove_cli_admin_" + std::to_string(getpid()));
  ASSERT_TRUE(url.ok()) << url.error().message;
  auto pg = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BAOVE_EXE, "admin", "--data-dir", "data", "--database", *url});
    return run_command(args, "", dir_.string());
  };
  auto boot = pg({"bootstrap"});
  ASSERT_EQ(boot.exit_code, 0) << boot.err;
  EXPECT_EQ(field(boot.out, "one-time password").size(), 20u);
  auto units = pg({"unit", "list", "--json"});
  ASSERT_EQ(units.exit_code, 0) << units.err;
  const std::string root = nlohmann::json::parse(units.out)[0]["id"];
  auto added = pg({"user", "add", "--username", "thu.pham", "--unit", root, "--grant", "statistician:all"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto users = pg({"user", "list", "--json"});
  ASSERT_EQ(users.exit_code, 0) << users.err;
  EXPECT_EQ(nlohmann::json::parse(users.out).size(), 2u);
  EXPECT_FALSE(fs::exists(dir_ / "data/baove.db")) << "the users are in PostgreSQL, not in a SQLite file";
  auto verify = baove({"audit", "verify", "--db", *url, "--signing-key", "data/keys/audit-signing.key",
                       "--checkpoint-file", "data/audit/checkpoints.log"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace baove
