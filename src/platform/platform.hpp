// Everything a Baove process needs from its data directory: the database (migrated), the key
// files, the audit log and the options of the auth service. `baove serve` and `baove admin`
// open the same Platform, so they agree on where everything is.
//
// Layout of the data directory (created mode 0700 when missing):
//   baove.db                    the SQLite database (unless `database` points elsewhere)
//   keys/audit-signing.key      Ed25519 seed that signs audit checkpoints (0600)
//   keys/auth.key               two 32-byte keys: TOTP-secret encryption and token hashing (0600),
//                               one a line as 64 hex digits, in that order
//   audit/checkpoints.log       every signed checkpoint, one line each (for the auditor)
//   keys/vault.key              the evidence vault's master key (0600), unless `vault_key` is set
//   vault/                      the evidence vault (docs/VAULT.md), unless `vault_dir` is set
// Missing directories are created mode 0700 and missing key files 0600 with random keys; a key
// file readable by group or others, or malformed, is refused (the error names the file, never
// its content).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "audit/audit.hpp"
#include "auth/auth.hpp"
#include "platform/config.hpp"
#include "store/store.hpp"
#include "util/result.hpp"
#include "vault/vault.hpp"

namespace baove::platform {

class Platform {
 public:
  // Creates the data directory and key files when missing, opens the database, and runs the
  // migrations of every component (audit, auth). Fails with a message naming the path or the
  // (redacted) database URL.
  static Result<std::unique_ptr<Platform>> open(const Config& config);

  const Config& config() const { return config_; }
  // The connection opened by open(): used by one thread at a time.
  store::Connection& db() { return *db_; }
  // A further connection to the same database (one per worker thread).
  Result<std::unique_ptr<store::Connection>> connect() const;
  const audit::Log& audit_log() const { return *log_; }
  // Options for auth::Service (keys loaded from keys/auth.key).
  const auth::Options& auth_options() const { return auth_options_; }
  // The evidence vault (thread-safe for put/get/verify; see vault.hpp).
  vault::Vault& vault() { return *vault_; }

  // First start: creates the root unit (config().root_unit_name) and user "admin" with a
  // one-time password; nullopt when users exist already.
  Result<std::optional<auth::Bootstrap>> bootstrap();

 private:
  Platform() = default;
  Config config_;
  std::unique_ptr<store::Connection> db_;
  std::unique_ptr<audit::Log> log_;
  auth::Options auth_options_;
  std::unique_ptr<vault::Vault> vault_;
};

// Opens the vault the configuration names, with its master key from `vault_key` or the key file
// (created when missing). For `baove vault` and Platform::open.
Result<vault::Vault> open_vault(const Config& config);

}  // namespace baove::platform
