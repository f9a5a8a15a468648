#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "audit/audit.hpp"
#include "auth/auth.hpp"
#include "auth/totp.hpp"
#include "store/store.hpp"
#include "support/postgres_server.hpp"

namespace baove::auth {
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
        url_.emplace(server_->create_database("baove_auth_test_" + std::to_string(getpid())));
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

const Actor kRoot{"", "", {}, ""};

std::string engine_name(const ::testing::TestParamInfo<store::Engine>& param) {
  return param.param == store::Engine::sqlite ? "sqlite" : "postgresql";
}

class AuthTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "baove-auth-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    std::string url;
    if (GetParam() == store::Engine::sqlite) {
      url = "sqlite:" + (dir_ / "auth.db").string();
    } else {
      const auto& pg = postgres_environment->url();
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
    auto m = Service::migrate(*db_);
    ASSERT_TRUE(m.ok()) << m.error().message;
    ASSERT_TRUE(Service::migrate(*db_).ok()) << "migrations are idempotent";
    randombytes_buf(options_.keys.secret_box.data(), 32);
    randombytes_buf(options_.keys.token_hash.data(), 32);
    options_.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
    options_.pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
    options_.clock = [this] { return now_; };
    service_.emplace(*db_, log_, options_);
  }
  void TearDown() override {
    service_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::int64_t seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
  }
  void advance(std::chrono::seconds s) { now_ += s; }

  Unit unit(const std::string& name, const std::string& parent = "") {
    auto u = service_->create_unit(
        kRoot, name, parent.empty() ? UnitKind::national_department : UnitKind::provincial_department,
        parent);
    EXPECT_TRUE(u.ok()) << u.error().message;
    return *u;
  }

  // A user who has set a password and enrolled TOTP; returns the user and the TOTP secret.
  std::pair<User, std::vector<std::uint8_t>> ready_user(const std::string& name, const std::string& unit_id,
                                                        const std::string& password) {
    auto u = service_->create_user(kRoot, name, unit_id, password, false);
    EXPECT_TRUE(u.ok()) << u.error().message;
    auto e = service_->begin_totp(u->id);
    EXPECT_TRUE(e.ok());
    auto secret = totp::base32_decode(e->secret_base32);
    EXPECT_TRUE(secret.ok());
    auto c = service_->confirm_totp(u->id, totp::code_at(*secret, seconds()), "10.0.0.1");
    EXPECT_TRUE(c.ok()) << c.error().message;
    advance(std::chrono::seconds(30));
    return {*service_->get_user(u->id), *secret};
  }

  Result<LoginResult> login(const std::string& user, const std::string& password, const std::string& code,
                            const std::string& address = "192.0.2.7") {
    return service_->login(LoginRequest{user, password, code, address});
  }

  std::vector<audit::StoredEvent> events(audit::Action action) {
    audit::Query q;
    q.action = action;
    q.newest_first = false;
    q.limit = 1000;
    auto p = audit::query(*db_, q);
    EXPECT_TRUE(p.ok());
    return p->events;
  }
  static bool has_reason(const std::vector<audit::StoredEvent>& es, const std::string& reason) {
    return std::any_of(es.begin(), es.end(), [&](const auto& e) { return e.event.reason == reason; });
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Connection> db_;
  audit::Log log_{audit::SigningKey::generate(), audit::LogOptions{}};
  Options options_;
  Timestamp now_ = Timestamp(std::chrono::seconds(1767225600));  // 2026-01-01T00:00:00Z
  std::optional<Service> service_;
};

TEST_P(AuthTest, FirstStartCreatesAnAdministratorWhoMustChangePasswordAndEnrol) {
  auto b = service_->bootstrap("Department of Children");
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_TRUE(b->has_value());
  EXPECT_GE((*b)->one_time_password.size(), 20u);
  auto again = service_->bootstrap("Department of Children");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value()) << "only the first start creates an administrator";

  auto first = login("admin", (*b)->one_time_password, "");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->must_change_password);
  EXPECT_TRUE(first->must_enrol_totp);
  auto s = service_->check_session(first->session_token);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->principal.setup_only);
  EXPECT_EQ(decide(s->principal, Action::list, {ResourceType::user, s->principal.unit, "", {}}).reason,
            "setup-required");

  ASSERT_TRUE(
      service_
          ->change_password(first->user_id, (*b)->one_time_password, "a much better passphrase", "192.0.2.7")
          .ok());
  auto enrol = service_->begin_totp(first->user_id);
  ASSERT_TRUE(enrol.ok());
  EXPECT_EQ(enrol->otpauth_uri.rfind("otpauth://totp/Baove:admin?secret=" + enrol->secret_base32, 0), 0u);
  auto secret = totp::base32_decode(enrol->secret_base32);
  ASSERT_TRUE(secret.ok());
  const std::string wrong = totp::code_at(*secret, seconds() + 3600);
  if (wrong != totp::code_at(*secret, seconds()) && wrong != totp::code_at(*secret, seconds() - 30) &&
      wrong != totp::code_at(*secret, seconds() + 30)) {
    EXPECT_FALSE(service_->confirm_totp(first->user_id, wrong, "192.0.2.7").ok());
  }
  ASSERT_TRUE(service_->confirm_totp(first->user_id, totp::code_at(*secret, seconds()), "192.0.2.7").ok());
  advance(std::chrono::seconds(30));

  EXPECT_FALSE(login("admin", (*b)->one_time_password, totp::code_at(*secret, seconds())).ok())
      << "the one-time password no longer works";
  auto full = login("admin", "a much better passphrase", totp::code_at(*secret, seconds()));
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_FALSE(full->must_change_password || full->must_enrol_totp);
  auto s2 = service_->check_session(full->session_token);
  ASSERT_TRUE(s2.ok());
  EXPECT_FALSE(s2->principal.setup_only);
  EXPECT_TRUE(
      decide(s2->principal, Action::create, {ResourceType::user, s2->principal.unit, "", {}}).allowed);
  EXPECT_FALSE(
      decide(s2->principal, Action::read, {ResourceType::case_record, s2->principal.unit, "", {}}).allowed);
}

TEST_P(AuthTest, EveryLoginFailureLooksTheSame) {
  const Unit u = unit("Hotline");
  auto [user, secret] = ready_user("lan.tran", u.id, "correct horse battery");
  auto [other, other_secret] = ready_user("minh.le", u.id, "another long password");
  ASSERT_TRUE(service_->set_disabled(kRoot, other.id, true).ok());
  const std::string code = totp::code_at(secret, seconds());
  std::vector<Result<LoginResult>> failures;
  failures.push_back(login("lan.tran", "wrong password!!", code));          // password
  failures.push_back(login("nobody.here", "correct horse battery", code));  // user
  failures.push_back(login("lan.tran", "correct horse battery", code == "123456" ? "654321" : "123456"));
  failures.push_back(login("lan.tran", "correct horse battery", ""));  // missing code
  failures.push_back(login("minh.le", "another long password", totp::code_at(other_secret, seconds())));
  for (const auto& f : failures) {
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(f.error().message, kLoginFailed);
  }
  EXPECT_TRUE(login("lan.tran", "correct horse battery", code).ok());
  const auto logins = events(audit::Action::login);
  EXPECT_TRUE(has_reason(logins, "bad-credentials"));
  EXPECT_TRUE(has_reason(logins, "bad-code"));
  EXPECT_TRUE(has_reason(logins, "disabled"));
  EXPECT_EQ(std::count_if(logins.begin(), logins.end(),
                          [](const auto& e) { return e.event.outcome == audit::Outcome::denied; }),
            5);
}

TEST_P(AuthTest, TotpCodeCannotBeReplayed) {
  const Unit u = unit("Hotline");
  auto [user, secret] = ready_user("lan.tran", u.id, "correct horse battery");
  const std::string code = totp::code_at(secret, seconds());
  ASSERT_TRUE(login("lan.tran", "correct horse battery", code).ok());
  advance(std::chrono::seconds(10));
  auto replay = login("lan.tran", "correct horse battery", code);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().message, kLoginFailed);
  EXPECT_TRUE(has_reason(events(audit::Action::login), "replayed-code"));
  advance(std::chrono::seconds(30));
  EXPECT_TRUE(login("lan.tran", "correct horse battery", totp::code_at(secret, seconds())).ok());
}

TEST_P(AuthTest, EnrolledTotpCannotBeReplacedWithoutAReset) {
  const Unit u = unit("Hotline");
  auto [user, secret] = ready_user("lan.tran", u.id, "correct horse battery");
  EXPECT_EQ(service_->begin_totp(user.id).error().code, ErrorCode::conflict);
  auto l = login("lan.tran", "correct horse battery", totp::code_at(secret, seconds()));
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE(service_->reset_totp(kRoot, user.id).ok());
  EXPECT_FALSE(service_->check_session(l->session_token).ok()) << "a TOTP reset ends sessions";
  advance(std::chrono::seconds(30));
  auto again = login("lan.tran", "correct horse battery", "");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->must_enrol_totp);
  EXPECT_TRUE(service_->begin_totp(user.id).ok());
}

TEST_P(AuthTest, FailuresSlowDownThenLockTheAccount) {
  const Unit u = unit("Hotline");
  auto [user, secret] = ready_user("lan.tran", u.id, "correct horse battery");
  auto good = [&] { return login("lan.tran", "correct horse battery", totp::code_at(secret, seconds())); };
  for (int i = 0; i < 5; ++i) {
    auto f = login("lan.tran", "wrong password!!", "000000");
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().code, ErrorCode::invalid_argument) << "attempt " << i;
  }
  // Five failures: the next attempt must wait 2^0 = 1 s, even with the right password.
  auto throttled = good();
  ASSERT_FALSE(throttled.ok());
  EXPECT_EQ(throttled.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(throttled.error().message, kTooManyAttempts);
  // Unknown names are throttled the same way, so throttling does not reveal which names exist.
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(login("ghost.user", "wrong password!!", "", "198.51.100.1").ok());
  EXPECT_EQ(login("ghost.user", "wrong password!!", "", "198.51.100.1").error().code,
            ErrorCode::limit_exceeded);

  // Keep failing, each time after the delay, up to ten failures: then the account is locked.
  for (int failures = 5; failures < 10; ++failures) {
    advance(std::chrono::seconds(1 << (failures - 5)));
    auto f = login("lan.tran", "wrong password!!", "000000");
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().code, ErrorCode::invalid_argument) << "failure " << failures + 1;
  }
  EXPECT_TRUE(has_reason(events(audit::Action::login), "lockout"));
  advance(std::chrono::seconds(60));
  auto locked = good();
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code, ErrorCode::limit_exceeded);
  advance(std::chrono::minutes(15));
  auto after = good();
  ASSERT_TRUE(after.ok()) << after.error().message;
  // Success clears the account's count.
  ASSERT_FALSE(login("lan.tran", "wrong password!!", "000000").ok());
  advance(std::chrono::seconds(30));
  EXPECT_TRUE(good().ok());
}

TEST_P(AuthTest, OneAddressTryingManyNamesIsThrottled) {
  const Unit u = unit("Hotline");
  auto [user, secret] = ready_user("lan.tran", u.id, "correct horse battery");
  for (int i = 0; i < options_.per_address.delay_after; ++i) {
    ASSERT_EQ(login("name" + std::to_string(i), "some password", "", "203.0.113.9").error().code,
              ErrorCode::invalid_argument);
  }
  auto r = login("lan.tran", "correct horse battery", totp::code_at(secret, seconds()), "203.0.113.9");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::limit_exceeded);
  EXPECT_TRUE(
      login("lan.tran", "correct horse battery", totp::code_at(secret, seconds()), "203.0.113.10").ok());
}

TEST_P(AuthTest, SessionsExpireAndEndWhenTheUserIsDisabled) {
  const Unit u = unit("Hotline");
  auto [user, secret] = ready_user("lan.tran", u.id, "correct horse battery");
  ASSERT_TRUE(service_->grant_role(kRoot, user.id, {Role::counsellor, Scope::own}).ok());
  auto l = login("lan.tran", "correct horse battery", totp::code_at(secret, seconds()));
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->session_token.size(), 64u);
  auto s = service_->check_session(l->session_token);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->principal.id, user.id);
  EXPECT_EQ(s->principal.grants, (std::vector<Grant>{{Role::counsellor, Scope::own}}));
  EXPECT_TRUE(Service::csrf_valid(*s, l->csrf_token));
  EXPECT_FALSE(Service::csrf_valid(*s, std::string(64, '0')));
  EXPECT_FALSE(Service::csrf_valid(*s, ""));
  EXPECT_EQ(service_->check_session(std::string(64, 'a')).error().code, ErrorCode::not_found);

  // Idle: used every 14 minutes it lives; 15 minutes and a second of silence end it.
  for (int i = 0; i < 3; ++i) {
    advance(std::chrono::minutes(14));
    ASSERT_TRUE(service_->check_session(l->session_token).ok()) << i;
  }
  advance(std::chrono::minutes(15) + std::chrono::seconds(1));
  EXPECT_EQ(service_->check_session(l->session_token).error().code, ErrorCode::not_found);

  // Absolute: 12 hours even when used all the time.
  advance(std::chrono::seconds(30));
  auto l2 = login("lan.tran", "correct horse battery", totp::code_at(secret, seconds()));
  ASSERT_TRUE(l2.ok());
  for (int i = 0; i < 12 * 5; ++i) {
    advance(std::chrono::minutes(12));
    ASSERT_TRUE(service_->check_session(l2->session_token).ok()) << i;
  }
  advance(std::chrono::minutes(1));
  EXPECT_FALSE(service_->check_session(l2->session_token).ok());

  // Disabling ends sessions at once.
  advance(std::chrono::seconds(30));
  auto l3 = login("lan.tran", "correct horse battery", totp::code_at(secret, seconds()));
  ASSERT_TRUE(l3.ok());
  ASSERT_TRUE(service_->set_disabled(kRoot, user.id, true).ok());
  EXPECT_EQ(service_->check_session(l3->session_token).error().code, ErrorCode::not_found);
  EXPECT_TRUE(has_reason(events(audit::Action::update), "disabled"));

  // Logout.
  ASSERT_TRUE(service_->set_disabled(kRoot, user.id, false).ok());
  advance(std::chrono::seconds(30));
  auto l4 = login("lan.tran", "correct horse battery", totp::code_at(secret, seconds()));
  ASSERT_TRUE(l4.ok());
  ASSERT_TRUE(service_->logout(l4->session_token, "192.0.2.7").ok());
  EXPECT_FALSE(service_->check_session(l4->session_token).ok());
  EXPECT_EQ(events(audit::Action::logout).size(), 1u);
}

TEST_P(AuthTest, ReadOnlySessionChecksLeaveTheTouchAndThePurgeToTheCaller) {
  const Unit u = unit("Hotline");
  auto [user, secret] = ready_user("mai.le", u.id, "correct horse battery");
  auto l = login("mai.le", "correct horse battery", totp::code_at(secret, seconds()));
  ASSERT_TRUE(l.ok());
  auto fresh = service_->check_session(l->session_token, /*write=*/false);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->touch_due);
  // 14 minutes on, the timer is due; a read-only check does not move it...
  advance(std::chrono::minutes(14));
  auto due = service_->check_session(l->session_token, false);
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->touch_due);
  // ...so without touch_session() the session ends 15 minutes after the login,
  advance(std::chrono::minutes(1) + std::chrono::seconds(1));
  EXPECT_FALSE(service_->check_session(l->session_token, false).ok());

  auto l2 = login("mai.le", "correct horse battery", totp::code_at(secret, seconds()));
  ASSERT_TRUE(l2.ok());
  advance(std::chrono::minutes(14));
  auto d2 = service_->check_session(l2->session_token, false);
  ASSERT_TRUE(d2.ok() && d2->touch_due);
  // ...and with it the session lives on.
  ASSERT_TRUE(service_->touch_session(d2->session_hash).ok());
  advance(std::chrono::minutes(14));
  auto still = service_->check_session(l2->session_token, false);
  ASSERT_TRUE(still.ok());

  // The expired first session is still a row (read-only checks delete nothing) until purged.
  auto before = db_->query("SELECT COUNT(*) FROM auth_sessions");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->front().integer(0), 2);
  auto purged = service_->purge_sessions();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_TRUE(service_->check_session(l2->session_token, false).ok());
}

TEST_P(AuthTest, SecretsAreNotStoredInTheClear) {
  const Unit u = unit("Hotline");
  auto created = service_->create_user(kRoot, "lan.tran", u.id, "correct horse battery", false);
  ASSERT_TRUE(created.ok());
  auto e = service_->begin_totp(created->id);
  ASSERT_TRUE(e.ok());
  auto secret = totp::base32_decode(e->secret_base32);
  ASSERT_TRUE(service_->confirm_totp(created->id, totp::code_at(*secret, seconds()), "").ok());
  advance(std::chrono::seconds(30));
  auto l = login("lan.tran", "correct horse battery", totp::code_at(*secret, seconds()));
  ASSERT_TRUE(l.ok());
  const std::vector<std::string> key_scopes = {"match:read"};
  auto k = service_->create_api_key(kRoot, u.id, "platform", key_scopes, 60);
  ASSERT_TRUE(k.ok());

  auto dump = db_->query(
      "SELECT password_hash || ' ' || COALESCE(totp_secret, '') FROM auth_users UNION ALL "
      "SELECT token_hash || ' ' || csrf_token FROM auth_sessions UNION ALL SELECT secret_hash FROM "
      "auth_api_keys");
  ASSERT_TRUE(dump.ok()) << dump.error().message;
  std::string all;
  for (const auto& row : *dump) all += row.text(0) + "\n";
  std::string secret_hex(secret->size() * 2 + 1, '\0');
  sodium_bin2hex(secret_hex.data(), secret_hex.size(), secret->data(), secret->size());
  secret_hex.pop_back();
  EXPECT_EQ(all.find("correct horse battery"), std::string::npos);
  EXPECT_NE(all.find("$argon2id$"), std::string::npos);
  EXPECT_EQ(all.find(e->secret_base32), std::string::npos);
  EXPECT_EQ(all.find(secret_hex), std::string::npos);
  EXPECT_EQ(all.find(l->session_token), std::string::npos);
  EXPECT_EQ(all.find(k->key.substr(k->key.rfind('_') + 1)), std::string::npos);

  // Without the right secret-box key, the TOTP secret cannot be opened: an error, not a login.
  Options wrong = options_;
  randombytes_buf(wrong.keys.secret_box.data(), 32);
  Service other(*db_, log_, wrong);
  advance(std::chrono::seconds(30));
  auto r = other.login({"lan.tran", "correct horse battery", totp::code_at(*secret, seconds()), "192.0.2.7"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::corrupt);
}

TEST_P(AuthTest, WeakerHashesAreUpgradedAtLogin) {
  const Unit u = unit("Hotline");
  auto [user, secret] = ready_user("lan.tran", u.id, "correct horse battery");
  auto before = db_->query("SELECT password_hash FROM auth_users");
  ASSERT_TRUE(before.ok());
  Options stronger = options_;
  stronger.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN + 1;
  Service upgraded(*db_, log_, stronger);
  ASSERT_TRUE(
      upgraded.login({"lan.tran", "correct horse battery", totp::code_at(secret, seconds()), "192.0.2.7"})
          .ok());
  auto after = db_->query("SELECT password_hash FROM auth_users");
  ASSERT_TRUE(after.ok());
  EXPECT_NE(before->front().text(0), after->front().text(0));
  EXPECT_EQ(crypto_pwhash_str_needs_rehash(after->front().text(0).c_str(), stronger.pwhash_opslimit,
                                           stronger.pwhash_memlimit),
            0);
}

TEST_P(AuthTest, AdministrationFunctions) {
  const Unit root = unit("Department of Children");
  const Unit hn = unit("Ha Noi", root.id);
  auto created = service_->create_user(kRoot, "lan.tran", hn.id, "correct horse battery");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(service_->create_user(kRoot, "lan.tran", hn.id, "correct horse battery").error().code,
            ErrorCode::conflict);
  EXPECT_EQ(service_->create_user(kRoot, "Bad Name", hn.id, "correct horse battery").error().code,
            ErrorCode::invalid_argument);
  EXPECT_EQ(service_->create_user(kRoot, "short.pw", hn.id, "short").error().code,
            ErrorCode::invalid_argument);
  EXPECT_EQ(service_->create_user(kRoot, "no.unit", "unit-none", "correct horse battery").error().code,
            ErrorCode::not_found);
  EXPECT_EQ(service_->create_unit(kRoot, "Orphan", UnitKind::ngo, "unit-none").error().code,
            ErrorCode::not_found);

  ASSERT_TRUE(service_->grant_role(kRoot, created->id, {Role::case_worker, Scope::unit_and_below}).ok());
  ASSERT_TRUE(service_->grant_role(kRoot, created->id, {Role::supervisor, Scope::unit}).ok());
  auto users = service_->list_users();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ(users->front().grants.size(), 2u);
  EXPECT_TRUE(users->front().must_change_password);
  ASSERT_TRUE(service_->revoke_role(kRoot, created->id, {Role::supervisor, Scope::unit}).ok());
  EXPECT_EQ(service_->revoke_role(kRoot, created->id, {Role::supervisor, Scope::unit}).error().code,
            ErrorCode::not_found);
  EXPECT_EQ(service_->get_user(created->id)->grants,
            (std::vector<Grant>{{Role::case_worker, Scope::unit_and_below}}));

  auto pw = service_->reset_password(kRoot, created->id);
  ASSERT_TRUE(pw.ok());
  auto l = login("lan.tran", *pw, "");
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_TRUE(l->must_change_password);

  auto units = service_->list_units();
  ASSERT_TRUE(units.ok());
  EXPECT_EQ(units->size(), 2u);
  auto below = service_->units_below(root.id);
  ASSERT_TRUE(below.ok());
  EXPECT_EQ(below->size(), 2u);

  const std::vector<std::string> scopes = {"match:read", "takedown:write"};
  auto key = service_->create_api_key(kRoot, hn.id, "Example platform", scopes, 600);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->key.rfind("bk_" + key->info.id + "_", 0), 0u);
  auto who = service_->authenticate_api_key(key->key);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->first.kind, Principal::Kind::api_client);
  EXPECT_EQ(who->first.scopes, scopes);
  EXPECT_EQ(who->second, 600);
  std::string tampered = key->key;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(service_->authenticate_api_key(tampered).error().code, ErrorCode::not_found);
  EXPECT_EQ(service_->authenticate_api_key("bk_").error().code, ErrorCode::not_found);
  EXPECT_EQ(service_->authenticate_api_key("nonsense").error().code, ErrorCode::not_found);
  const std::vector<std::string> bad_scopes = {"match:everything"};
  EXPECT_EQ(service_->create_api_key(kRoot, hn.id, "x", bad_scopes, 1).error().code,
            ErrorCode::invalid_argument);
  ASSERT_TRUE(service_->revoke_api_key(kRoot, key->info.id).ok());
  EXPECT_FALSE(service_->authenticate_api_key(key->key).ok());
  auto keys = service_->list_api_keys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE(keys->front().revoked);

  const auto updates = events(audit::Action::update);
  EXPECT_TRUE(has_reason(updates, "grant:case_worker/unit_and_below"));
  EXPECT_TRUE(has_reason(updates, "revoke:supervisor/unit"));
  EXPECT_TRUE(has_reason(updates, "password-reset"));
  EXPECT_EQ(events(audit::Action::create).size(), 2u + 1u + 1u);  // units, user, key
  EXPECT_TRUE(has_reason(events(audit::Action::remove), "revoked"));
  auto report = audit::verify(*db_, log_.public_key());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
}

// Lists filtered with sql_filter() return exactly the rows decide() allows, for every role and
// scope, over a real unit tree.
TEST_P(AuthTest, SqlFilterAgreesWithDecide) {
  const Unit root = unit("National");
  const Unit prov = unit("Province", root.id);
  const Unit dist = unit("District", prov.id);
  const Unit other = unit("Other province", root.id);
  ASSERT_TRUE(
      db_->exec_script("CREATE TABLE items (id BIGINT PRIMARY KEY, unit_id TEXT, owner_id TEXT)").ok());
  const std::vector<std::string> units = {root.id, prov.id, dist.id, other.id, ""};
  const std::vector<std::string> owners = {"user-me", "user-x", ""};
  std::int64_t id = 0;
  for (const auto& u : units) {
    for (const auto& o : owners) {
      ASSERT_TRUE(db_->execute("INSERT INTO items (id, unit_id, owner_id) VALUES ($1, $2, $3)",
                               std::vector<store::Value>{++id, u, o})
                      .ok());
    }
  }
  auto below = service_->units_below(prov.id);
  ASSERT_TRUE(below.ok());
  int checked = 0;
  for (Role role : kAllRoles) {
    for (Scope scope : kAllScopes) {
      for (ResourceType type : {ResourceType::case_record, ResourceType::referral, ResourceType::user}) {
        Principal p;
        p.id = "user-me";
        p.unit = prov.id;
        p.units_below = *below;
        p.grants = {{role, scope}, {Role::counsellor, Scope::own}};
        const SqlFilter f = sql_filter(p, Action::list, type, 2);
        std::vector<store::Value> params = {std::int64_t{0}};
        params.insert(params.end(), f.params.begin(), f.params.end());
        auto got = db_->query("SELECT id FROM items WHERE id > $1 AND " + f.where + " ORDER BY id", params);
        ASSERT_TRUE(got.ok()) << f.where << ": " << got.error().message;
        std::set<std::int64_t> listed;
        for (const auto& row : *got) listed.insert(row.integer(0));
        std::set<std::int64_t> expected;
        std::int64_t n = 0;
        for (const auto& u : units) {
          for (const auto& o : owners) {
            ++n;
            if (decide(p, Action::list, {type, u, o, Sensitivity::normal}).allowed) expected.insert(n);
          }
        }
        EXPECT_EQ(listed, expected) << to_string(role) << "/" << to_string(scope) << " " << to_string(type);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 8 * 4 * 3);

  // An API key: its own unit and unowned rows, only with the scope.
  for (const std::vector<std::string>& key_scopes :
       {std::vector<std::string>{"takedown:read"}, std::vector<std::string>{"case:write"}}) {
    Principal k;
    k.kind = Principal::Kind::api_client;
    k.id = "key-1";
    k.unit = dist.id;
    k.units_below = {dist.id};
    k.scopes = key_scopes;
    const SqlFilter f = sql_filter(k, Action::list, ResourceType::takedown);
    auto got = db_->query("SELECT id FROM items WHERE " + f.where + " ORDER BY id", f.params);
    ASSERT_TRUE(got.ok()) << f.where << ": " << got.error().message;
    std::set<std::int64_t> listed, expected;
    for (const auto& row : *got) listed.insert(row.integer(0));
    std::int64_t n = 0;
    for (const auto& u : units) {
      for (const auto& o : owners) {
        ++n;
        if (decide(k, Action::list, {ResourceType::takedown, u, o, Sensitivity::normal}).allowed)
          expected.insert(n);
      }
    }
    EXPECT_EQ(listed, expected) << key_scopes[0];
    EXPECT_EQ(expected.empty(), key_scopes[0] != "takedown:read");
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, AuthTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql), engine_name);

}  // namespace
}  // namespace baove::auth
