// `baove vault`: checks and key rotation of the evidence vault (docs/VAULT.md), on the data
// directory and configuration `baove serve` uses (defaults, --config file, BAOVE_* environment,
// flags): the vault in <data-dir>/vault (or `vault_dir`), its master key in
// <data-dir>/keys/vault.key (or `vault_key`).
//
//   verify       decrypts every object and checks its SHA-256; progress on standard error
//                ("verified N/M"); every bad object named on standard output. Exit 1 when any is bad.
//   rotate-key   re-wraps every object key under a new master key without touching the content.
//   sweep        crypto-shreds objects that no evidence record refers to and that were last stored
//                more than --older-than-hours ago (default 24, at least 1): what a crash between
//                storing a file and committing its report, or between a destruction's commit and
//                its shredding, leaves behind. --dry-run only lists them. Each destruction is
//                audited (action delete, object type vault_object, reason vault-sweep) before it is
//                done. Safe while `baove serve` runs: an object stored again (a duplicate upload)
//                counts as new, and the age check is made again under the vault's lock.
//
// Rotation, and how an interrupted one is finished (the resume rule):
//   1. a new key is generated and saved as keys/vault.key.new (mode 0600, fsynced);
//   2. every object's key is re-wrapped under it (each key file replaced atomically);
//   3. keys/vault.key.new is renamed over keys/vault.key and the directory fsynced.
// A crash before 3 leaves keys/vault.key (old) and keys/vault.key.new: each object is then wrapped
// by one of the two. Running `baove vault rotate-key` again finds keys/vault.key.new and finishes
// the rotation with those same two keys (objects already re-wrapped are skipped); it never makes
// a third key while keys/vault.key.new exists. Never delete keys/vault.key.new by hand. A crash
// after 3 leaves the rotation done. Stop `baove serve` while rotating: it holds the old key.
// The old key is gone afterwards (that is the point of rotating after destructions): keep a copy
// apart first if backups of the vault taken before the rotation must stay readable.
//
// Exit status: 0 done, 1 failed (a bad object, a missing vault or key, an I/O error), 2 usage
// error or bad configuration.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "cli/commands.hpp"
#include "platform/config.hpp"
#include "platform/platform.hpp"
#include "report/report.hpp"
#include "store/store.hpp"
#include "vault/vault.hpp"

namespace baove::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kFailed = 1;
constexpr int kUsage = 2;

struct VaultArgs {
  std::string config_file;
  std::string data_dir;
  int older_than_hours = 24;
  bool dry_run = false;
};

int fail(const std::string& message) {
  std::cerr << "baove: " << message << "\n";
  return kFailed;
}

struct Paths {
  fs::path vault_dir;
  fs::path key_file;    // keys/vault.key
  std::string key_hex;  // the key from the configuration instead of the file, when set
};

Result<Paths> resolve(const VaultArgs& a, int& exit_code) {
  platform::Overrides flags;
  if (!a.data_dir.empty()) flags["data_dir"] = a.data_dir;
  auto config = platform::load_config(a.config_file, flags, [](const char* n) { return std::getenv(n); });
  if (!config) {
    exit_code = kUsage;
    std::cerr << "baove: " << config.error().message << "\n";
    return config.error();
  }
  Paths p;
  p.vault_dir = config->vault_path();
  p.key_file = config->data_dir / "keys" / "vault.key";
  p.key_hex = config->vault_key;
  return p;
}

// The vault with its current master key; neither the directory nor the key is created.
Result<vault::Vault> open_existing(const Paths& p) {
  std::error_code ec;
  if (!fs::is_directory(p.vault_dir / "objects", ec))
    return make_error(ErrorCode::not_found, "no vault at " + p.vault_dir.string());
  auto key = p.key_hex.empty() ? vault::MasterKey::load(p.key_file) : vault::MasterKey::from_hex(p.key_hex);
  if (!key) {
    if (!p.key_hex.empty()) return make_error(key.error().code, "vault_key: expects 64 hex digits");
    if (key.error().code == ErrorCode::not_found)
      return make_error(ErrorCode::not_found, "no vault key at " + p.key_file.string());
    return key.error();
  }
  return vault::Vault::open(p.vault_dir, std::move(*key));
}

int run_verify(const VaultArgs& a) {
  int exit_code = kFailed;
  auto paths = resolve(a, exit_code);
  if (!paths) return exit_code;
  auto v = open_existing(*paths);
  if (!v) return fail(v.error().message);
  auto ids = v->list();
  if (!ids) return fail(ids.error().message);
  using Clock = std::chrono::steady_clock;
  auto last = Clock::now();
  std::size_t done = 0, bad = 0;
  for (const std::string& id : *ids) {
    Status s = v->verify(id);
    ++done;
    if (!s) {
      ++bad;
      std::printf("bad %s: %s: %s\n", id.c_str(), to_string(s.error().code), s.error().message.c_str());
      std::fflush(stdout);
    }
    if (Clock::now() - last >= std::chrono::seconds(1)) {
      last = Clock::now();
      std::fprintf(stderr, "verified %zu/%zu\n", done, ids->size());
    }
  }
  std::fprintf(stderr, "verified %zu/%zu\n", done, ids->size());
  if (bad > 0) {
    std::printf("VAULT DAMAGED: %zu of %zu objects bad (listed above)\n", bad, ids->size());
    return kFailed;
  }
  std::printf("vault verified: %zu objects, every one intact (master key %s)\n", ids->size(),
              v->master_key_id().c_str());
  return 0;
}

Status fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::io, dir.string() + ": cannot open: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return make_error(ErrorCode::io, dir.string() + ": fsync failed: " + std::strerror(err));
  return {};
}

int run_rotate(const VaultArgs& a) {
  int exit_code = kFailed;
  auto paths = resolve(a, exit_code);
  if (!paths) return exit_code;
  if (!paths->key_hex.empty()) {
    std::cerr << "baove: the vault's master key is set by the configuration (vault_key / BAOVE_VAULT_KEY); "
                 "rotate-key rotates the key file keys/vault.key only\n";
    return kUsage;
  }
  const fs::path& key_file = paths->key_file;
  const fs::path new_file = fs::path(key_file.string() + ".new");
  auto v = open_existing(*paths);
  if (!v) return fail(v.error().message);
  const std::string old_id = v->master_key_id();

  std::error_code ec;
  if (fs::exists(new_file, ec)) {
    std::cerr << "baove: resuming an interrupted rotation with the key in " << new_file.string() << "\n";
  } else {
    Status saved = vault::MasterKey::generate().save(new_file);
    if (!saved) return fail(saved.error().message);
  }
  // The new key as stored: what the vault uses from now on is what the file holds.
  auto new_key = vault::MasterKey::load(new_file);
  if (!new_key) return fail(new_key.error().message);
  const std::string new_id = new_key->id_hex();
  if (new_id == old_id) {
    // keys/vault.key.new equals keys/vault.key: a rotation whose rename was the only step left.
    std::cerr << "baove: " << new_file.string() << " holds the current key already\n";
  }
  auto report = v->rotate_master_key(std::move(*new_key));
  if (!report) {
    return fail(report.error().message +
                " (run 'baove vault rotate-key' again to finish the rotation; keep " + new_file.string() +
                ")");
  }
  if (::rename(new_file.c_str(), key_file.c_str()) != 0) {
    return fail(key_file.string() + ": cannot replace it with " + new_file.string() + ": " +
                std::strerror(errno));
  }
  if (Status s = fsync_dir(key_file.parent_path()); !s) return fail(s.error().message);

  std::printf("old key: %s\nnew key: %s\nre-wrapped: %zu, already re-wrapped: %zu\n", old_id.c_str(),
              new_id.c_str(), report->rewrapped, report->already);
  if (!report->failed.empty()) {
    for (const auto& id : report->failed)
      std::printf("bad %s: its key is wrapped by neither key\n", id.c_str());
    std::printf("%zu object(s) could not be re-wrapped: they did not open with the old key either\n",
                report->failed.size());
    return kFailed;
  }
  return 0;
}

int run_sweep(const VaultArgs& a) {
  platform::Overrides flags;
  if (!a.data_dir.empty()) flags["data_dir"] = a.data_dir;
  auto config = platform::load_config(a.config_file, flags, [](const char* n) { return std::getenv(n); });
  if (!config) {
    std::cerr << "baove: " << config.error().message << "\n";
    return kUsage;
  }
  std::error_code ec;
  if (!fs::is_directory(config->vault_path() / "objects", ec))
    return fail("no vault at " + config->vault_path().string());
  auto p = platform::Platform::open(*config);
  if (!p) return fail(p.error().message);
  platform::Platform& platform = **p;
  vault::Vault& v = platform.vault();
  auto ids = v.list();
  if (!ids) return fail(ids.error().message);
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(a.older_than_hours);
  std::vector<std::string> old;
  for (const auto& id : *ids) {
    auto t = v.stored_at(id);
    if (t && *t < cutoff) old.push_back(id);
  }
  std::size_t orphans = 0, destroyed = 0, kept = 0, failed = 0;
  constexpr std::size_t kBatch = 500;
  for (std::size_t at = 0; at < old.size(); at += kBatch) {
    const std::span<const std::string> batch(old.data() + at, std::min(kBatch, old.size() - at));
    auto unreferenced = report::unreferenced(platform.db(), batch);
    if (!unreferenced) return fail(unreferenced.error().message);
    for (const auto& id : *unreferenced) {
      ++orphans;
      if (a.dry_run) {
        std::printf("unreferenced %s\n", id.c_str());
        continue;
      }
      audit::Event e;
      e.time = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
      e.action = audit::Action::remove;
      e.object_type = "vault_object";
      e.object_id = id;
      e.reason = "vault-sweep";
      store::Transaction tx(platform.db());
      Status s = tx.started();
      if (s) {
        auto seq = platform.audit_log().append(platform.db(), e);
        s = seq ? tx.commit() : Status(seq.error());
      }
      if (s) s = v.destroy_if_stored_before(id, cutoff);
      if (s) {
        ++destroyed;
        std::printf("destroyed %s\n", id.c_str());
      } else if (s.error().code == ErrorCode::conflict || s.error().code == ErrorCode::not_found) {
        ++kept;  // stored again meanwhile, or gone already
      } else {
        ++failed;
        std::fprintf(stderr, "baove: %s: %s\n", id.c_str(), s.error().message.c_str());
      }
    }
  }
  std::fprintf(stderr, "%zu objects, %zu older than %d h, %zu referenced by no evidence; %s\n", ids->size(),
               old.size(), a.older_than_hours, orphans,
               a.dry_run ? "nothing destroyed (dry run)"
                         : (std::to_string(destroyed) + " destroyed, " + std::to_string(kept) + " kept, " +
                            std::to_string(failed) + " failed")
                               .c_str());
  return failed == 0 ? 0 : kFailed;
}

}  // namespace

void register_vault(CLI::App& app, Registry& registry) {
  auto args = std::make_shared<VaultArgs>();
  auto* cmd = app.add_subcommand(
      "vault", "The encrypted evidence vault: verify it, rotate its master key, sweep orphans");
  cmd->require_subcommand(1);
  auto common = [&](CLI::App* c) {
    c->add_option("--config", args->config_file, "Configuration file (as for baove serve)");
    c->add_option("--data-dir", args->data_dir, "The server's data directory (default var)");
  };

  auto* verify = cmd->add_subcommand(
      "verify", "Decrypt every object and check its SHA-256; exit 1 naming every bad object");
  common(verify);
  verify->callback([args, &registry] { registry.exit_code = run_verify(*args); });

  auto* rotate = cmd->add_subcommand(
      "rotate-key",
      "Re-wrap every object key under a new master key (keys/vault.key.new, then renamed over "
      "keys/vault.key); run it again to finish an interrupted rotation. Stop baove serve first.");
  common(rotate);
  rotate->callback([args, &registry] { registry.exit_code = run_rotate(*args); });

  auto* sweep = cmd->add_subcommand(
      "sweep",
      "Crypto-shred objects no evidence record refers to, last stored more than --older-than-hours ago "
      "(left by crashes); each destruction is audited first");
  common(sweep);
  sweep->add_option("--older-than-hours", args->older_than_hours, "Minimum age in hours (default 24)")
      ->check(CLI::Range(1, 24 * 365));
  sweep->add_flag("--dry-run", args->dry_run, "Only list what would be destroyed");
  sweep->callback([args, &registry] { registry.exit_code = run_sweep(*args); });
}

}  // namespace baove::cli
