// Units, users, role grants, passwords, TOTP, sessions and API keys, persisted through
// store::Connection (SQLite or PostgreSQL, component "auth"). Every security-relevant change is
// written to the audit log in the same transaction. See docs/AUTH.md.
//
// Secrets: passwords are hashed with Argon2id (crypto_pwhash_str); TOTP secrets are encrypted at
// rest with crypto_secretbox under Keys::secret_box; session tokens and API-key secrets are stored
// only as keyed BLAKE2b-256 hashes under Keys::token_hash. None of them is ever put in an error
// message or an audit event.
//
// Login failures all come back as the same error (ErrorCode::invalid_argument, message
// kLoginFailed), whatever was wrong: unknown user, wrong password, wrong or replayed code, disabled
// account. Throttled attempts come back as ErrorCode::limit_exceeded with kTooManyAttempts,
// whether or not the account exists.
//
// A Service is used by one thread at a time (like its Connection); besides its options it keeps
// only a dummy password hash (made on first use) that equalises the time of unknown-user logins.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.hpp"
#include "auth/policy.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace baove::auth {

inline constexpr std::string_view kLoginFailed = "login failed";
inline constexpr std::string_view kTooManyAttempts = "too many attempts; try again later";

using Timestamp = audit::Timestamp;

enum class UnitKind {
  national_department,  // Department of Children (national)
  hotline,              // hotline 111
  provincial_department,
  district_department,
  police_cyber_unit,
  infosec_authority,  // information-security authority
  ngo,
  platform,
  isp,
};
const char* to_string(UnitKind k) noexcept;
std::optional<UnitKind> parse_unit_kind(std::string_view s) noexcept;

struct Unit {
  std::string id;
  std::string name;
  UnitKind kind = UnitKind::national_department;
  std::string parent_id;  // "" for a root
};

struct User {
  std::string id;
  std::string username;
  std::string unit_id;
  std::vector<Grant> grants;
  bool disabled = false;
  bool must_change_password = false;
  bool totp_enrolled = false;
};

struct ApiKeyInfo {
  std::string id;
  std::string unit_id;
  std::string name;
  std::vector<std::string> scopes;
  std::int64_t rate_limit_per_minute = 0;
  bool revoked = false;
};

// Secrets the caller loads from its key files. 32 bytes each.
struct Keys {
  std::array<std::uint8_t, 32> secret_box{};  // encrypts TOTP secrets at rest
  std::array<std::uint8_t, 32> token_hash{};  // keys the BLAKE2b hash of session tokens and API keys
};

struct Throttle {
  int delay_after = 5;  // failures before each attempt waits 2^(failures - delay_after) seconds
  int lock_after = 10;  // failures that lock the key for lock_for
  std::chrono::seconds lock_for{15 * 60};
  std::chrono::seconds max_delay{5 * 60};
  // A key's failure count starts again after this long without a failure.
  std::chrono::seconds forget_after{15 * 60};
};

// libsodium's crypto_pwhash_OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE (checked at compile time).
inline constexpr std::uint64_t kPwhashOpsInteractive = 2;
inline constexpr std::size_t kPwhashMemInteractive = 67108864;

struct Options {
  Keys keys;
  // Argon2id limits. Production keeps the INTERACTIVE defaults; tests may pass the MIN ones.
  std::uint64_t pwhash_opslimit = kPwhashOpsInteractive;
  std::size_t pwhash_memlimit = kPwhashMemInteractive;
  Throttle per_account{};  // keyed by the user name typed (existing or not)
  Throttle per_address{20, 40, std::chrono::seconds(15 * 60), std::chrono::seconds(5 * 60),
                       std::chrono::seconds(15 * 60)};  // a whole office may share one address
  std::chrono::seconds session_idle{15 * 60};
  std::chrono::seconds session_absolute{12 * 60 * 60};
  std::string totp_issuer = "Baove";
  std::size_t min_password_length = 12;
  std::function<Timestamp()> clock;  // empty: the system clock
};

// Who did an administrative change, for the audit event.
struct Actor {
  std::string user_id;  // "" for the system (first start, the CLI run by root)
  std::string unit_id;
  std::vector<std::string> roles;
  std::string address;  // "" when local
};

struct LoginRequest {
  std::string username;
  std::string password;
  std::string totp_code;  // "" before enrolment
  std::string address;    // client IP address (IPv4 or IPv6 text), or "" when local
};

struct LoginResult {
  std::string session_token;  // 64 hex digits: the cookie value; shown only here
  std::string csrf_token;     // 64 hex digits
  std::string user_id;
  // The session may only change the password / enrol TOTP until these are done
  // (Principal::setup_only).
  bool must_change_password = false;
  bool must_enrol_totp = false;
};

struct SessionInfo {
  Principal principal;
  std::string csrf_token;
  std::string session_hash;  // audit::SessionHasher-style keyed hash, for audit events
  // The idle timer is due to move (check_session() was asked not to write): call touch_session().
  bool touch_due = false;
};

struct TotpEnrolment {
  std::string secret_base32;  // shown once, beside the QR code
  std::string otpauth_uri;
};

struct NewApiKey {
  ApiKeyInfo info;
  std::string key;  // "bk_<id>_<secret>": shown once, never stored
};

struct Bootstrap {
  std::string username;           // "admin"
  std::string one_time_password;  // print once; must be changed at first login
};

// A one-time password: 20 characters from an alphabet without look-alikes (~113 bits), from
// libsodium's random generator.
std::string random_password();

// An API-key scope: NAME:read or NAME:write, NAME of 1..32 of [a-z_].
bool valid_key_scope(std::string_view s);

class Service {
 public:
  // `db` and `log` must outlive the Service.
  Service(store::Connection& db, const audit::Log& log, Options options);

  // Creates or upgrades the auth tables (component "auth").
  static Status migrate(store::Connection& db);

  // First start: when no user exists, creates the root unit (national department) and the user
  // "admin" with the administrator role (scope all), a random one-time password and
  // must_change_password. Returns nullopt when users exist already.
  Result<std::optional<Bootstrap>> bootstrap(std::string_view root_unit_name);

  // ---- units ----
  Result<Unit> create_unit(const Actor& actor, std::string_view name, UnitKind kind,
                           std::string_view parent_id);
  Result<std::vector<Unit>> list_units();
  // The unit and every unit under it, sorted by id.
  Result<std::vector<std::string>> units_below(std::string_view unit_id);

  // ---- users ----
  // User names: 3..64 of [a-z0-9._-]. The password is checked for length only.
  Result<User> create_user(const Actor& actor, std::string_view username, std::string_view unit_id,
                           std::string_view password, bool must_change_password = true);
  Result<User> get_user(std::string_view user_id);
  Result<std::vector<User>> list_users();
  // Disables (or enables) the account; disabling ends its sessions at once.
  Status set_disabled(const Actor& actor, std::string_view user_id, bool disabled);
  // A new random one-time password (returned once); ends sessions and forces a change.
  Result<std::string> reset_password(const Actor& actor, std::string_view user_id);
  // The user changes their own password; the old one must verify.
  Status change_password(std::string_view user_id, std::string_view old_password,
                         std::string_view new_password, std::string_view address);
  Status grant_role(const Actor& actor, std::string_view user_id, Grant grant);
  Status revoke_role(const Actor& actor, std::string_view user_id, Grant grant);

  // ---- TOTP ----
  // A new secret for the user (replacing any unconfirmed one). The account stays without TOTP
  // until confirm_totp() succeeds with a code from it. Fails with conflict when TOTP is already
  // enrolled (reset_totp() first), so a stolen session cannot swap the second factor.
  Result<TotpEnrolment> begin_totp(std::string_view user_id);
  Status confirm_totp(std::string_view user_id, std::string_view code, std::string_view address);
  // Administrator: removes TOTP so the user enrols again at the next login.
  Status reset_totp(const Actor& actor, std::string_view user_id);

  // ---- login and sessions ----
  Result<LoginResult> login(const LoginRequest& request);
  // The principal of a live session, or not_found (expired, ended, unknown, user disabled).
  // Touches the idle timer (a write, in 15-second steps) and deletes an expired session, unless
  // `write` is false: then it only reads, and says in touch_due when touch_session() is due (a
  // server moves its writes off the network threads this way).
  Result<SessionInfo> check_session(std::string_view token, bool write = true);
  // Moves the idle timer of the session with this hash (SessionInfo::session_hash) to now.
  Status touch_session(std::string_view session_hash);
  // Deletes every session past its idle or absolute limit; returns how many.
  Result<std::int64_t> purge_sessions();
  // Constant-time comparison of the presented CSRF token with the session's.
  static bool csrf_valid(const SessionInfo& session, std::string_view presented);
  Status logout(std::string_view token, std::string_view address);

  // ---- API keys ----
  // Scopes: 1..32 of [a-z_]+:(read|write). rate_limit_per_minute >= 1.
  Result<NewApiKey> create_api_key(const Actor& actor, std::string_view unit_id, std::string_view name,
                                   std::span<const std::string> scopes, std::int64_t rate_limit_per_minute);
  Result<std::vector<ApiKeyInfo>> list_api_keys();
  Status revoke_api_key(const Actor& actor, std::string_view key_id);
  // The principal of a presented key, with the key's rate limit; not_found for anything else.
  Result<std::pair<Principal, std::int64_t>> authenticate_api_key(std::string_view presented);

 private:
  Timestamp now() const;
  std::string token_hash(std::string_view token) const;
  Result<std::string> hash_password(std::string_view password) const;
  Result<Principal> principal_for(const User& user);
  Status audit(const audit::Event& e);

  store::Connection& db_;
  const audit::Log& log_;
  Options options_;
  std::string dummy_hash_;
};

}  // namespace baove::auth
