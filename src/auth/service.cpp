#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "auth/auth.hpp"
#include "auth/totp.hpp"

namespace baove::auth {
namespace {

using store::Value;

// One schema for both engines: identifiers, secrets (hex) and flags are TEXT/BIGINT.
constexpr store::Migration kMigrations[] = {
    {1, "auth tables", R"SQL(
CREATE TABLE auth_units (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  parent_id TEXT REFERENCES auth_units (id),
  created_us BIGINT NOT NULL
);
CREATE TABLE auth_unit_closure (
  ancestor_id TEXT NOT NULL REFERENCES auth_units (id),
  descendant_id TEXT NOT NULL REFERENCES auth_units (id),
  depth BIGINT NOT NULL,
  PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX auth_unit_closure_descendant ON auth_unit_closure (descendant_id);
CREATE TABLE auth_users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  unit_id TEXT NOT NULL REFERENCES auth_units (id),
  password_hash TEXT NOT NULL,
  disabled BIGINT NOT NULL DEFAULT 0,
  must_change_password BIGINT NOT NULL DEFAULT 1,
  totp_secret TEXT,
  totp_confirmed BIGINT NOT NULL DEFAULT 0,
  totp_last_step BIGINT NOT NULL DEFAULT -1,
  created_us BIGINT NOT NULL
);
CREATE TABLE auth_grants (
  user_id TEXT NOT NULL REFERENCES auth_users (id),
  role TEXT NOT NULL,
  scope TEXT NOT NULL,
  PRIMARY KEY (user_id, role, scope)
);
CREATE TABLE auth_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES auth_users (id),
  created_us BIGINT NOT NULL,
  last_seen_us BIGINT NOT NULL,
  csrf_token TEXT NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);
CREATE TABLE auth_throttle (
  key_hash TEXT PRIMARY KEY,
  failures BIGINT NOT NULL,
  last_failure_us BIGINT NOT NULL,
  locked_until_us BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE auth_api_keys (
  id TEXT PRIMARY KEY,
  unit_id TEXT NOT NULL REFERENCES auth_units (id),
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  rate_limit BIGINT NOT NULL,
  revoked BIGINT NOT NULL DEFAULT 0,
  created_us BIGINT NOT NULL
);
)SQL"},
};

constexpr const char* kUnitKinds[] = {"national_department",
                                      "hotline",
                                      "provincial_department",
                                      "district_department",
                                      "police_cyber_unit",
                                      "infosec_authority",
                                      "ngo",
                                      "platform",
                                      "isp"};

std::int64_t micros(Timestamp t) { return t.time_since_epoch().count(); }

std::string hex(std::span<const std::uint8_t> bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> b(bytes);
  randombytes_buf(b.data(), b.size());
  std::string h = hex(b);
  sodium_memzero(b.data(), b.size());
  return h;
}

std::string new_id(std::string_view prefix) { return std::string(prefix) + random_hex(8); }

Error login_failed() { return make_error(ErrorCode::invalid_argument, std::string(kLoginFailed)); }
Error too_many() { return make_error(ErrorCode::limit_exceeded, std::string(kTooManyAttempts)); }

bool valid_username(std::string_view u) {
  if (u.size() < 3 || u.size() > 64) return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto j = s.find(' ', i);
    const auto end = j == std::string::npos ? s.size() : j;
    if (end > i) out.push_back(s.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

std::vector<std::string> role_names(const std::vector<Grant>& grants) {
  std::vector<std::string> out;
  for (const Grant& g : grants) {
    std::string r = to_string(g.role);
    if (std::find(out.begin(), out.end(), r) == out.end() && out.size() < audit::kMaxRoles) out.push_back(r);
  }
  return out;
}

Status exec(store::Connection& db, std::string_view sql, std::vector<Value> params) {
  auto r = db.execute(sql, params);
  if (!r.ok()) return r.error();
  return {};
}

Result<std::vector<store::Row>> rows(store::Connection& db, std::string_view sql, std::vector<Value> params) {
  return db.query(sql, params);
}

}  // namespace

// A one-time password: 20 characters from an alphabet without look-alikes (~113 bits).
bool valid_key_scope(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 32) return false;
  for (char c : s.substr(0, colon)) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  const auto what = s.substr(colon + 1);
  return what == "read" || what == "write";
}

std::string random_password() {
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
  constexpr std::uint32_t n = sizeof(kAlphabet) - 1;
  std::string p;
  for (int i = 0; i < 20; ++i) p.push_back(kAlphabet[randombytes_uniform(n)]);
  return p;
}

const char* to_string(UnitKind k) noexcept { return kUnitKinds[static_cast<int>(k)]; }

std::optional<UnitKind> parse_unit_kind(std::string_view s) noexcept {
  for (std::size_t i = 0; i < std::size(kUnitKinds); ++i) {
    if (s == kUnitKinds[i]) return static_cast<UnitKind>(i);
  }
  return std::nullopt;
}

static_assert(kPwhashOpsInteractive == crypto_pwhash_OPSLIMIT_INTERACTIVE);
static_assert(kPwhashMemInteractive == crypto_pwhash_MEMLIMIT_INTERACTIVE);

Service::Service(store::Connection& db, const audit::Log& log, Options options)
    : db_(db), log_(log), options_(std::move(options)) {
  if (sodium_init() < 0) std::abort();
}

Status Service::migrate(store::Connection& db) { return store::migrate(db, "auth", kMigrations); }

Timestamp Service::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::string Service::token_hash(std::string_view token) const {
  std::array<std::uint8_t, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), options_.keys.token_hash.data(), options_.keys.token_hash.size());
  return hex(out);
}

Result<std::string> Service::hash_password(std::string_view password) const {
  if (password.size() < options_.min_password_length) {
    return make_error(ErrorCode::invalid_argument,
                      "password: at least " + std::to_string(options_.min_password_length) + " characters");
  }
  if (password.size() > 1024)
    return make_error(ErrorCode::invalid_argument, "password: at most 1024 characters");
  std::string out(crypto_pwhash_STRBYTES, '\0');
  if (crypto_pwhash_str(out.data(), password.data(), password.size(), options_.pwhash_opslimit,
                        options_.pwhash_memlimit) != 0) {
    return make_error(ErrorCode::internal, "password hashing failed (out of memory?)");
  }
  out.resize(std::strlen(out.c_str()));
  return out;
}

Status Service::audit(const audit::Event& e) {
  auto r = log_.append(db_, e);
  if (!r.ok()) return r.error().with_context("audit");
  return {};
}

namespace {
audit::Event event_of(const Actor& a, Timestamp t, audit::Action action, std::string type, std::string id,
                      std::string reason) {
  audit::Event e;
  e.actor = a.user_id;
  e.unit = a.unit_id;
  e.roles = a.roles;
  e.address = a.address;
  e.time = t;
  e.action = action;
  e.object_type = std::move(type);
  e.object_id = std::move(id);
  e.reason = std::move(reason);
  return e;
}
}  // namespace

// ---------------------------------------------------------------- units

Result<Unit> Service::create_unit(const Actor& actor, std::string_view name, UnitKind kind,
                                  std::string_view parent_id) {
  if (name.empty() || name.size() > 200)
    return make_error(ErrorCode::invalid_argument, "unit name: 1..200 bytes");
  Unit u{new_id("unit-"), std::string(name), kind, std::string(parent_id)};
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  if (!u.parent_id.empty()) {
    auto p = rows(db_, "SELECT id FROM auth_units WHERE id = $1", {u.parent_id});
    if (!p.ok()) return p.error();
    if (p->empty()) return make_error(ErrorCode::not_found, "parent unit not found");
  }
  const Value parent = u.parent_id.empty() ? Value{} : Value{u.parent_id};
  BAOVE_TRY(exec(db_,
                 "INSERT INTO auth_units (id, name, kind, parent_id, created_us) VALUES ($1, $2, $3, $4, $5)",
                 {u.id, u.name, std::string(to_string(kind)), parent, micros(now())}));
  BAOVE_TRY(exec(db_, "INSERT INTO auth_unit_closure (ancestor_id, descendant_id, depth) VALUES ($1, $1, 0)",
                 {u.id}));
  if (!u.parent_id.empty()) {
    BAOVE_TRY(exec(db_,
                   "INSERT INTO auth_unit_closure (ancestor_id, descendant_id, depth) "
                   "SELECT ancestor_id, $1, depth + 1 FROM auth_unit_closure WHERE descendant_id = $2",
                   {u.id, u.parent_id}));
  }
  BAOVE_TRY(audit(event_of(actor, now(), audit::Action::create, "unit", u.id, to_string(kind))));
  BAOVE_TRY(tx.commit());
  return u;
}

Result<std::vector<Unit>> Service::list_units() {
  auto r = rows(db_, "SELECT id, name, kind, parent_id FROM auth_units ORDER BY name, id", {});
  if (!r.ok()) return r.error();
  std::vector<Unit> out;
  for (const auto& row : *r) {
    auto kind = parse_unit_kind(row.text(2));
    if (!kind) return make_error(ErrorCode::corrupt, "unit " + row.text(0) + ": unknown kind");
    out.push_back(Unit{row.text(0), row.text(1), *kind, row.opt_text(3).value_or("")});
  }
  return out;
}

Result<std::vector<std::string>> Service::units_below(std::string_view unit_id) {
  auto r =
      rows(db_, "SELECT descendant_id FROM auth_unit_closure WHERE ancestor_id = $1 ORDER BY descendant_id",
           {std::string(unit_id)});
  if (!r.ok()) return r.error();
  std::vector<std::string> out;
  for (const auto& row : *r) out.push_back(row.text(0));
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------- users

namespace {
const char* kUserColumns =
    "SELECT id, username, unit_id, disabled, must_change_password, totp_confirmed FROM auth_users ";

User user_of(const store::Row& row) {
  User u;
  u.id = row.text(0);
  u.username = row.text(1);
  u.unit_id = row.text(2);
  u.disabled = row.integer(3) != 0;
  u.must_change_password = row.integer(4) != 0;
  u.totp_enrolled = row.integer(5) != 0;
  return u;
}

Status load_grants(store::Connection& db, User& u) {
  auto g = db.query("SELECT role, scope FROM auth_grants WHERE user_id = $1 ORDER BY role, scope",
                    std::vector<Value>{u.id});
  if (!g.ok()) return g.error();
  for (const auto& row : *g) {
    auto role = parse_role(row.text(0));
    auto scope = parse_scope(row.text(1));
    if (role && scope) u.grants.push_back({*role, *scope});
  }
  return {};
}
}  // namespace

Result<User> Service::create_user(const Actor& actor, std::string_view username, std::string_view unit_id,
                                  std::string_view password, bool must_change_password) {
  if (!valid_username(username)) {
    return make_error(ErrorCode::invalid_argument, "user name: 3..64 characters of [a-z0-9._-]");
  }
  auto hash = hash_password(password);
  if (!hash.ok()) return hash.error();
  User u;
  u.id = new_id("user-");
  u.username = std::string(username);
  u.unit_id = std::string(unit_id);
  u.must_change_password = must_change_password;
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  auto unit = rows(db_, "SELECT id FROM auth_units WHERE id = $1", {u.unit_id});
  if (!unit.ok()) return unit.error();
  if (unit->empty()) return make_error(ErrorCode::not_found, "unit not found");
  auto existing = rows(db_, "SELECT id FROM auth_users WHERE username = $1", {u.username});
  if (!existing.ok()) return existing.error();
  if (!existing->empty()) return make_error(ErrorCode::conflict, "user name already taken");
  BAOVE_TRY(
      exec(db_,
           "INSERT INTO auth_users (id, username, unit_id, password_hash, must_change_password, created_us) "
           "VALUES ($1, $2, $3, $4, $5, $6)",
           {u.id, u.username, u.unit_id, *hash, std::int64_t{must_change_password ? 1 : 0}, micros(now())}));
  BAOVE_TRY(audit(event_of(actor, now(), audit::Action::create, "user", u.id, "")));
  BAOVE_TRY(tx.commit());
  return u;
}

Result<User> Service::get_user(std::string_view user_id) {
  auto r = rows(db_, std::string(kUserColumns) + "WHERE id = $1", {std::string(user_id)});
  if (!r.ok()) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "user not found");
  User u = user_of(r->front());
  BAOVE_TRY(load_grants(db_, u));
  return u;
}

Result<std::vector<User>> Service::list_users() {
  auto r = rows(db_, std::string(kUserColumns) + "ORDER BY username", {});
  if (!r.ok()) return r.error();
  std::vector<User> out;
  for (const auto& row : *r) {
    User u = user_of(row);
    BAOVE_TRY(load_grants(db_, u));
    out.push_back(std::move(u));
  }
  return out;
}

Status Service::set_disabled(const Actor& actor, std::string_view user_id, bool disabled) {
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  auto n = db_.execute("UPDATE auth_users SET disabled = $1 WHERE id = $2",
                       std::vector<Value>{std::int64_t{disabled ? 1 : 0}, std::string(user_id)});
  if (!n.ok()) return n.error();
  if (*n == 0) return make_error(ErrorCode::not_found, "user not found");
  if (disabled) BAOVE_TRY(exec(db_, "DELETE FROM auth_sessions WHERE user_id = $1", {std::string(user_id)}));
  BAOVE_TRY(audit(event_of(actor, now(), audit::Action::update, "user", std::string(user_id),
                           disabled ? "disabled" : "enabled")));
  return tx.commit();
}

Result<std::string> Service::reset_password(const Actor& actor, std::string_view user_id) {
  std::string password = random_password();
  auto hash = hash_password(password);
  if (!hash.ok()) return hash.error();
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  auto n = db_.execute("UPDATE auth_users SET password_hash = $1, must_change_password = 1 WHERE id = $2",
                       std::vector<Value>{*hash, std::string(user_id)});
  if (!n.ok()) return n.error();
  if (*n == 0) return make_error(ErrorCode::not_found, "user not found");
  BAOVE_TRY(exec(db_, "DELETE FROM auth_sessions WHERE user_id = $1", {std::string(user_id)}));
  BAOVE_TRY(
      audit(event_of(actor, now(), audit::Action::update, "user", std::string(user_id), "password-reset")));
  BAOVE_TRY(tx.commit());
  return password;
}

Status Service::change_password(std::string_view user_id, std::string_view old_password,
                                std::string_view new_password, std::string_view address) {
  auto r = rows(db_, "SELECT password_hash, unit_id FROM auth_users WHERE id = $1", {std::string(user_id)});
  if (!r.ok()) return r.error();
  if (r->empty() ||
      crypto_pwhash_str_verify(r->front().text(0).c_str(), old_password.data(), old_password.size()) != 0) {
    return make_error(ErrorCode::invalid_argument, "current password is wrong");
  }
  if (new_password == old_password) {
    return make_error(ErrorCode::invalid_argument, "new password must differ from the current one");
  }
  auto hash = hash_password(new_password);
  if (!hash.ok()) return hash.error();
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  BAOVE_TRY(exec(db_, "UPDATE auth_users SET password_hash = $1, must_change_password = 0 WHERE id = $2",
                 {*hash, std::string(user_id)}));
  Actor self{std::string(user_id), r->front().text(1), {}, std::string(address)};
  BAOVE_TRY(
      audit(event_of(self, now(), audit::Action::update, "user", std::string(user_id), "password-changed")));
  return tx.commit();
}

Status Service::grant_role(const Actor& actor, std::string_view user_id, Grant grant) {
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  auto u = rows(db_, "SELECT id FROM auth_users WHERE id = $1", {std::string(user_id)});
  if (!u.ok()) return u.error();
  if (u->empty()) return make_error(ErrorCode::not_found, "user not found");
  auto have =
      rows(db_, "SELECT role FROM auth_grants WHERE user_id = $1 AND role = $2 AND scope = $3",
           {std::string(user_id), std::string(to_string(grant.role)), std::string(to_string(grant.scope))});
  if (!have.ok()) return have.error();
  if (!have->empty()) return tx.commit();
  BAOVE_TRY(
      exec(db_, "INSERT INTO auth_grants (user_id, role, scope) VALUES ($1, $2, $3)",
           {std::string(user_id), std::string(to_string(grant.role)), std::string(to_string(grant.scope))}));
  BAOVE_TRY(audit(event_of(actor, now(), audit::Action::update, "user", std::string(user_id),
                           std::string("grant:") + to_string(grant.role) + "/" + to_string(grant.scope))));
  return tx.commit();
}

Status Service::revoke_role(const Actor& actor, std::string_view user_id, Grant grant) {
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  auto n = db_.execute("DELETE FROM auth_grants WHERE user_id = $1 AND role = $2 AND scope = $3",
                       std::vector<Value>{std::string(user_id), std::string(to_string(grant.role)),
                                          std::string(to_string(grant.scope))});
  if (!n.ok()) return n.error();
  if (*n == 0) return make_error(ErrorCode::not_found, "no such grant");
  BAOVE_TRY(audit(event_of(actor, now(), audit::Action::update, "user", std::string(user_id),
                           std::string("revoke:") + to_string(grant.role) + "/" + to_string(grant.scope))));
  return tx.commit();
}

Result<std::optional<Bootstrap>> Service::bootstrap(std::string_view root_unit_name) {
  auto any = rows(db_, "SELECT id FROM auth_users LIMIT 1", {});
  if (!any.ok()) return any.error();
  if (!any->empty()) return std::optional<Bootstrap>{};
  Actor system{};
  auto unit = create_unit(system, root_unit_name, UnitKind::national_department, "");
  if (!unit.ok()) return unit.error();
  Bootstrap b{"admin", random_password()};
  auto user = create_user(system, b.username, unit->id, b.one_time_password, true);
  if (!user.ok()) return user.error();
  BAOVE_TRY(grant_role(system, user->id, Grant{Role::administrator, Scope::all}));
  return std::optional<Bootstrap>{std::move(b)};
}

// ---------------------------------------------------------------- TOTP

namespace {
struct Box {
  std::vector<std::uint8_t> plain;
  ~Box() { sodium_memzero(plain.data(), plain.size()); }
};
}  // namespace

Result<TotpEnrolment> Service::begin_totp(std::string_view user_id) {
  auto u = get_user(user_id);
  if (!u.ok()) return u.error();
  // An enrolled account keeps its secret; an administrator resets it first (reset_totp).
  if (u->totp_enrolled) {
    return make_error(ErrorCode::conflict, "TOTP already enrolled; an administrator must reset it first");
  }
  Box secret;
  secret.plain.resize(totp::kSecretBytes);
  randombytes_buf(secret.plain.data(), secret.plain.size());
  std::vector<std::uint8_t> sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                   secret.plain.size());
  randombytes_buf(sealed.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(sealed.data() + crypto_secretbox_NONCEBYTES, secret.plain.data(), secret.plain.size(),
                        sealed.data(), options_.keys.secret_box.data());
  BAOVE_TRY(exec(db_, "UPDATE auth_users SET totp_secret = $1, totp_last_step = -1 WHERE id = $2",
                 {hex(sealed), std::string(user_id)}));
  TotpEnrolment e;
  e.secret_base32 = totp::base32_encode(secret.plain);
  e.otpauth_uri = totp::otpauth_uri(options_.totp_issuer, u->username, e.secret_base32);
  return e;
}

namespace {
// The decrypted secret of a stored sealed hex value, or nullopt.
std::optional<std::vector<std::uint8_t>> open_secret(const std::string& sealed_hex,
                                                     const std::array<std::uint8_t, 32>& key) {
  std::vector<std::uint8_t> sealed(sealed_hex.size() / 2);
  std::size_t len = 0;
  if (sodium_hex2bin(sealed.data(), sealed.size(), sealed_hex.data(), sealed_hex.size(), nullptr, &len,
                     nullptr) != 0 ||
      len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> plain(len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(plain.data(), sealed.data() + crypto_secretbox_NONCEBYTES,
                                 len - crypto_secretbox_NONCEBYTES, sealed.data(), key.data()) != 0) {
    return std::nullopt;
  }
  return plain;
}

std::int64_t unix_seconds(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

Status Service::confirm_totp(std::string_view user_id, std::string_view code, std::string_view address) {
  auto r = rows(db_, "SELECT totp_secret, totp_confirmed, unit_id FROM auth_users WHERE id = $1",
                {std::string(user_id)});
  if (!r.ok()) return r.error();
  if (r->empty() || r->front().is_null(0) || r->front().integer(1) != 0) {
    return make_error(ErrorCode::invalid_argument, "no TOTP enrolment in progress");
  }
  auto secret = open_secret(r->front().text(0), options_.keys.secret_box);
  if (!secret) return make_error(ErrorCode::corrupt, "stored TOTP secret does not decrypt (wrong key?)");
  Box wipe{std::move(*secret)};
  const Timestamp t = now();
  auto step = totp::verify(wipe.plain, code, unix_seconds(t));
  if (!step) return make_error(ErrorCode::invalid_argument, "wrong code");
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  BAOVE_TRY(exec(db_, "UPDATE auth_users SET totp_confirmed = 1, totp_last_step = $1 WHERE id = $2",
                 {static_cast<std::int64_t>(*step), std::string(user_id)}));
  Actor self{std::string(user_id), r->front().text(2), {}, std::string(address)};
  BAOVE_TRY(audit(event_of(self, t, audit::Action::update, "user", std::string(user_id), "totp-enrolled")));
  return tx.commit();
}

Status Service::reset_totp(const Actor& actor, std::string_view user_id) {
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  auto n = db_.execute(
      "UPDATE auth_users SET totp_secret = NULL, totp_confirmed = 0, totp_last_step = -1 "
      "WHERE id = $1",
      std::vector<Value>{std::string(user_id)});
  if (!n.ok()) return n.error();
  if (*n == 0) return make_error(ErrorCode::not_found, "user not found");
  BAOVE_TRY(exec(db_, "DELETE FROM auth_sessions WHERE user_id = $1", {std::string(user_id)}));
  BAOVE_TRY(audit(event_of(actor, now(), audit::Action::update, "user", std::string(user_id), "totp-reset")));
  return tx.commit();
}

// ---------------------------------------------------------------- login

namespace {
// Whether the throttle row (failures, last failure, locked until) refuses an attempt at `now`.
bool throttled(const Throttle& t, std::int64_t failures, std::int64_t last_us, std::int64_t locked_until_us,
               std::int64_t now_us) {
  const std::int64_t forget = std::chrono::duration_cast<std::chrono::microseconds>(t.forget_after).count();
  if (now_us - last_us > forget) return false;
  if (locked_until_us > now_us) return true;
  if (failures < t.delay_after) return false;
  const std::int64_t exponent = std::min<std::int64_t>(failures - t.delay_after, 30);
  const std::int64_t max_delay = std::chrono::duration_cast<std::chrono::microseconds>(t.max_delay).count();
  const std::int64_t delay = std::min<std::int64_t>((std::int64_t{1} << exponent) * 1000000, max_delay);
  return now_us < last_us + delay;
}
}  // namespace

Result<LoginResult> Service::login(const LoginRequest& req) {
  const Timestamp t = now();
  const std::int64_t now_us = micros(t);
  const std::string account_key = token_hash("throttle:user:" + req.username);
  const std::string address_key = token_hash("throttle:addr:" + req.address);
  Actor anonymous{"", "", {}, req.address};

  // 1. Throttling, before any password is checked.
  auto th = rows(db_,
                 "SELECT key_hash, failures, last_failure_us, locked_until_us FROM auth_throttle "
                 "WHERE key_hash = $1 OR key_hash = $2",
                 {account_key, address_key});
  if (!th.ok()) return th.error();
  for (const auto& row : *th) {
    const Throttle& policy = row.text(0) == account_key ? options_.per_account : options_.per_address;
    if (throttled(policy, row.integer(1), row.integer(2), row.integer(3), now_us)) {
      store::Transaction tx(db_);
      BAOVE_TRY(tx.started());
      BAOVE_TRY(audit(event_of(anonymous, t, audit::Action::login, "", "", "throttled")));
      BAOVE_TRY(tx.commit());
      return too_many();
    }
  }

  // 2. Credentials (outside any transaction: Argon2 takes tens of milliseconds).
  auto ur =
      rows(db_,
           "SELECT id, unit_id, password_hash, disabled, must_change_password, totp_secret, totp_confirmed, "
           "totp_last_step FROM auth_users WHERE username = $1",
           {req.username});
  if (!ur.ok()) return ur.error();
  std::string reason;
  std::string user_id, unit_id;
  std::optional<std::uint64_t> step;
  bool must_change = false, must_enrol = false, rehash = false;
  if (ur->empty()) {
    // Spend the same time as a real check so that timing does not reveal unknown names.
    if (dummy_hash_.empty()) {
      auto h = hash_password(std::string(options_.min_password_length, 'x'));
      if (h.ok()) dummy_hash_ = *h;
    }
    if (!dummy_hash_.empty()) {
      const int discarded =
          crypto_pwhash_str_verify(dummy_hash_.c_str(), req.password.data(), req.password.size());
      static_cast<void>(discarded);
    }
    reason = "bad-credentials";
  } else {
    const auto& row = ur->front();
    user_id = row.text(0);
    unit_id = row.text(1);
    const std::string& hash = row.text(2);
    if (crypto_pwhash_str_verify(hash.c_str(), req.password.data(), req.password.size()) != 0) {
      reason = "bad-credentials";
    } else if (row.integer(3) != 0) {
      reason = "disabled";
    } else {
      rehash = crypto_pwhash_str_needs_rehash(hash.c_str(), options_.pwhash_opslimit,
                                              options_.pwhash_memlimit) != 0;
      must_change = row.integer(4) != 0;
      if (row.integer(6) != 0) {
        auto secret = row.is_null(5) ? std::nullopt : open_secret(row.text(5), options_.keys.secret_box);
        if (!secret)
          return make_error(ErrorCode::corrupt, "stored TOTP secret does not decrypt (wrong key?)");
        Box wipe{std::move(*secret)};
        step = totp::verify(wipe.plain, req.totp_code, unix_seconds(t));
        if (!step) {
          reason = "bad-code";
        } else if (static_cast<std::int64_t>(*step) <= row.integer(7)) {
          reason = "replayed-code";
        }
      } else {
        must_enrol = true;
      }
    }
  }

  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  if (reason.empty() && step) {
    // Claim the step; a concurrent login with the same code loses here.
    auto n = db_.execute("UPDATE auth_users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
                         std::vector<Value>{static_cast<std::int64_t>(*step), user_id});
    if (!n.ok()) return n.error();
    if (*n == 0) reason = "replayed-code";
  }
  Actor who{user_id, unit_id, {}, req.address};
  if (!reason.empty()) {
    bool locked = false;
    for (const auto& [key, policy] :
         {std::pair{account_key, &options_.per_account}, std::pair{address_key, &options_.per_address}}) {
      const std::int64_t cutoff =
          now_us - std::chrono::duration_cast<std::chrono::microseconds>(policy->forget_after).count();
      BAOVE_TRY(exec(db_,
                     "INSERT INTO auth_throttle (key_hash, failures, last_failure_us, locked_until_us) "
                     "VALUES ($1, 1, $2, 0) ON CONFLICT (key_hash) DO UPDATE SET "
                     "failures = CASE WHEN auth_throttle.last_failure_us < $3 THEN 1 "
                     "ELSE auth_throttle.failures + 1 END, last_failure_us = $2",
                     {key, now_us, cutoff}));
      auto f = rows(db_, "SELECT failures FROM auth_throttle WHERE key_hash = $1", {key});
      if (!f.ok()) return f.error();
      if (!f->empty() && f->front().integer(0) >= policy->lock_after) {
        const std::int64_t until =
            now_us + std::chrono::duration_cast<std::chrono::microseconds>(policy->lock_for).count();
        BAOVE_TRY(
            exec(db_, "UPDATE auth_throttle SET locked_until_us = $1 WHERE key_hash = $2", {until, key}));
        if (f->front().integer(0) == policy->lock_after) locked = true;
      }
    }
    audit::Event e = event_of(who, t, audit::Action::login, "", "", reason);
    e.outcome = audit::Outcome::denied;
    BAOVE_TRY(audit(e));
    if (locked) {
      audit::Event l = event_of(who, t, audit::Action::login, "", "", "lockout");
      l.outcome = audit::Outcome::denied;
      BAOVE_TRY(audit(l));
    }
    BAOVE_TRY(tx.commit());
    return login_failed();
  }

  if (rehash) {
    auto h = hash_password(req.password);
    if (h.ok()) BAOVE_TRY(exec(db_, "UPDATE auth_users SET password_hash = $1 WHERE id = $2", {*h, user_id}));
  }
  BAOVE_TRY(exec(db_, "DELETE FROM auth_throttle WHERE key_hash = $1", {account_key}));
  LoginResult out;
  out.session_token = random_hex(32);
  out.csrf_token = random_hex(32);
  out.user_id = user_id;
  out.must_change_password = must_change;
  out.must_enrol_totp = must_enrol;
  const std::string session_hash = token_hash(out.session_token);
  BAOVE_TRY(exec(db_,
                 "INSERT INTO auth_sessions (token_hash, user_id, created_us, last_seen_us, csrf_token) "
                 "VALUES ($1, $2, $3, $3, $4)",
                 {session_hash, user_id, now_us, out.csrf_token}));
  User u{user_id, req.username, unit_id, {}, false, false, false};
  BAOVE_TRY(load_grants(db_, u));
  audit::Event e =
      event_of(who, t, audit::Action::login, "", "", must_change || must_enrol ? "setup-required" : "");
  e.roles = role_names(u.grants);
  e.session_hash = session_hash;
  BAOVE_TRY(audit(e));
  BAOVE_TRY(tx.commit());
  return out;
}

Result<Principal> Service::principal_for(const User& u) {
  Principal p;
  p.kind = Principal::Kind::user;
  p.id = u.id;
  p.unit = u.unit_id;
  p.grants = u.grants;
  p.setup_only = u.must_change_password || !u.totp_enrolled;
  auto below = units_below(u.unit_id);
  if (!below.ok()) return below.error();
  p.units_below = std::move(*below);
  return p;
}

constexpr std::int64_t kTouchStepUs = 15'000'000;

Result<SessionInfo> Service::check_session(std::string_view token, bool write) {
  const Error gone = make_error(ErrorCode::not_found, "no such session");
  if (token.size() != 64) return gone;
  const std::string h = token_hash(token);
  auto r = rows(
      db_, "SELECT user_id, created_us, last_seen_us, csrf_token FROM auth_sessions WHERE token_hash = $1",
      {h});
  if (!r.ok()) return r.error();
  if (r->empty()) return gone;
  const std::int64_t now_us = micros(now());
  const auto idle = std::chrono::duration_cast<std::chrono::microseconds>(options_.session_idle).count();
  const auto absolute =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.session_absolute).count();
  const auto& row = r->front();
  auto user = get_user(row.text(0));
  if (!user.ok() && user.error().code != ErrorCode::not_found) return user.error();
  if (now_us - row.integer(2) > idle || now_us - row.integer(1) > absolute || !user.ok() || user->disabled) {
    if (write) BAOVE_TRY(exec(db_, "DELETE FROM auth_sessions WHERE token_hash = $1", {h}));
    return gone;
  }
  // The idle timer moves in steps of kTouchStep: a busy session writes once per step, not once per
  // request, and expires at most one step early.
  const bool due = now_us - row.integer(2) >= kTouchStepUs;
  if (due && write) {
    BAOVE_TRY(exec(db_, "UPDATE auth_sessions SET last_seen_us = $1 WHERE token_hash = $2", {now_us, h}));
  }
  auto p = principal_for(*user);
  if (!p.ok()) return p.error();
  return SessionInfo{std::move(*p), row.text(3), h, due && !write};
}

Status Service::touch_session(std::string_view session_hash) {
  return exec(db_, "UPDATE auth_sessions SET last_seen_us = $1 WHERE token_hash = $2",
              {micros(now()), std::string(session_hash)});
}

Result<std::int64_t> Service::purge_sessions() {
  const std::int64_t now_us = micros(now());
  const auto idle = std::chrono::duration_cast<std::chrono::microseconds>(options_.session_idle).count();
  const auto absolute =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.session_absolute).count();
  return db_.execute("DELETE FROM auth_sessions WHERE last_seen_us < $1 OR created_us < $2",
                     std::vector<Value>{now_us - idle, now_us - absolute});
}

bool Service::csrf_valid(const SessionInfo& s, std::string_view presented) {
  return presented.size() == s.csrf_token.size() && !presented.empty() &&
         sodium_memcmp(presented.data(), s.csrf_token.data(), presented.size()) == 0;
}

Status Service::logout(std::string_view token, std::string_view address) {
  const std::string h = token_hash(token);
  auto r = rows(db_,
                "SELECT s.user_id, u.unit_id FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id "
                "WHERE s.token_hash = $1",
                {h});
  if (!r.ok()) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "no such session");
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  BAOVE_TRY(exec(db_, "DELETE FROM auth_sessions WHERE token_hash = $1", {h}));
  audit::Event e = event_of(Actor{r->front().text(0), r->front().text(1), {}, std::string(address)}, now(),
                            audit::Action::logout, "", "", "");
  e.session_hash = h;
  BAOVE_TRY(audit(e));
  return tx.commit();
}

// ---------------------------------------------------------------- API keys

Result<NewApiKey> Service::create_api_key(const Actor& actor, std::string_view unit_id, std::string_view name,
                                          std::span<const std::string> scopes, std::int64_t rate_limit) {
  if (name.empty() || name.size() > 200)
    return make_error(ErrorCode::invalid_argument, "key name: 1..200 bytes");
  if (scopes.empty() || scopes.size() > 32) return make_error(ErrorCode::invalid_argument, "scopes: 1..32");
  std::string joined;
  for (const auto& s : scopes) {
    if (!valid_key_scope(s))
      return make_error(ErrorCode::invalid_argument, "scope: must look like name:read");
    if (!joined.empty()) joined += ' ';
    joined += s;
  }
  if (rate_limit < 1) return make_error(ErrorCode::invalid_argument, "rate limit: at least 1 a minute");
  NewApiKey k;
  k.info = ApiKeyInfo{new_id("key-"),    std::string(unit_id),
                      std::string(name), std::vector<std::string>(scopes.begin(), scopes.end()),
                      rate_limit,        false};
  const std::string secret = random_hex(32);
  k.key = "bk_" + k.info.id + "_" + secret;
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  auto unit = rows(db_, "SELECT id FROM auth_units WHERE id = $1", {k.info.unit_id});
  if (!unit.ok()) return unit.error();
  if (unit->empty()) return make_error(ErrorCode::not_found, "unit not found");
  BAOVE_TRY(
      exec(db_,
           "INSERT INTO auth_api_keys (id, unit_id, name, secret_hash, scopes, rate_limit, created_us) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7)",
           {k.info.id, k.info.unit_id, k.info.name, token_hash(secret), joined, rate_limit, micros(now())}));
  BAOVE_TRY(audit(event_of(actor, now(), audit::Action::create, "api_key", k.info.id, "")));
  BAOVE_TRY(tx.commit());
  return k;
}

Result<std::vector<ApiKeyInfo>> Service::list_api_keys() {
  auto r = rows(
      db_, "SELECT id, unit_id, name, scopes, rate_limit, revoked FROM auth_api_keys ORDER BY name, id", {});
  if (!r.ok()) return r.error();
  std::vector<ApiKeyInfo> out;
  for (const auto& row : *r) {
    out.push_back(ApiKeyInfo{row.text(0), row.text(1), row.text(2), split_spaces(row.text(3)), row.integer(4),
                             row.integer(5) != 0});
  }
  return out;
}

Status Service::revoke_api_key(const Actor& actor, std::string_view key_id) {
  store::Transaction tx(db_);
  BAOVE_TRY(tx.started());
  auto n = db_.execute("UPDATE auth_api_keys SET revoked = 1 WHERE id = $1 AND revoked = 0",
                       std::vector<Value>{std::string(key_id)});
  if (!n.ok()) return n.error();
  if (*n == 0) return make_error(ErrorCode::not_found, "no such active key");
  BAOVE_TRY(audit(event_of(actor, now(), audit::Action::remove, "api_key", std::string(key_id), "revoked")));
  return tx.commit();
}

Result<std::pair<Principal, std::int64_t>> Service::authenticate_api_key(std::string_view presented) {
  const Error bad = make_error(ErrorCode::not_found, "unknown API key");
  if (presented.size() > 200 || presented.substr(0, 3) != "bk_") return bad;
  const auto sep = presented.rfind('_');
  if (sep <= 3) return bad;
  const std::string id(presented.substr(3, sep - 3));
  const std::string_view secret = presented.substr(sep + 1);
  auto r = rows(
      db_, "SELECT unit_id, secret_hash, scopes, rate_limit, revoked FROM auth_api_keys WHERE id = $1", {id});
  if (!r.ok()) return r.error();
  if (r->empty()) return bad;
  const auto& row = r->front();
  const std::string h = token_hash(secret);
  if (row.text(1).size() != h.size() || sodium_memcmp(row.text(1).data(), h.data(), h.size()) != 0 ||
      row.integer(4) != 0) {
    return bad;
  }
  Principal p;
  p.kind = Principal::Kind::api_client;
  p.id = id;
  p.unit = row.text(0);
  p.units_below = {p.unit};
  p.scopes = split_spaces(row.text(2));
  return std::pair{std::move(p), row.integer(3)};
}

}  // namespace baove::auth
