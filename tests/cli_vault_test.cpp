// End-to-end tests of `baove vault`: objects put through the vault library into a data directory,
// then verified, damaged and re-keyed through the real executable, and read back through the
// library with the key file the command left.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "platform/platform.hpp"
#include "report/keys.hpp"
#include "report/report.hpp"
#include "run_command.hpp"
#include "store/store.hpp"
#include "vault/vault.hpp"

namespace baove {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::run_command;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The value after "LABEL: " on its own line of `out`, or "".
std::string field(const std::string& out, const std::string& label) {
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(label + ": ", 0) == 0) return line.substr(label.size() + 2);
  }
  return "";
}

class CliVault : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "baove-cli-vault-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    for (const char* name : {"BAOVE_DATA_DIR", "BAOVE_VAULT_DIR", "BAOVE_VAULT_KEY"}) ::unsetenv(name);
    fs::create_directories(dir_ / "data" / "keys");
    fs::permissions(dir_ / "data", fs::perms::owner_all, fs::perm_options::replace);
    fs::permissions(dir_ / "data" / "keys", fs::perms::owner_all, fs::perm_options::replace);
    // Objects of several sizes (empty, under one chunk, several chunks) put through the library.
    auto v = vault::Vault::open(vault_dir(), key_file());
    ASSERT_TRUE(v.ok()) << v.error().message;
    std::mt19937_64 rng(7);
    for (std::size_t size :
         {std::size_t{0}, std::size_t{10}, std::size_t{70'000}, std::size_t{200'000}, std::size_t{65'536}}) {
      std::string content(size, '\0');
      for (auto& c : content) c = static_cast<char>(rng());
      std::istringstream in(content);
      auto put = v->put(in);
      ASSERT_TRUE(put.ok()) << put.error().message;
      contents_[put->id] = content;
    }
    old_key_id_ = v->master_key_id();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path vault_dir() const { return dir_ / "data" / "vault"; }
  fs::path key_file() const { return dir_ / "data" / "keys" / "vault.key"; }

  CommandResult vault_cmd(const std::string& sub) {
    return run_command({BAOVE_EXE, "vault", sub, "--data-dir", "data"}, "", dir_.string());
  }

  // Every object reads back, equal to what was put, with the master key in keys/vault.key.
  void expect_all_readable() {
    auto v = vault::Vault::open(vault_dir(), key_file());
    ASSERT_TRUE(v.ok()) << v.error().message;
    for (const auto& [id, content] : contents_) {
      std::ostringstream out;
      auto n = v->get(id, out);
      ASSERT_TRUE(n.ok()) << id << ": " << n.error().message;
      EXPECT_EQ(out.str(), content);
    }
  }

  void flip_byte(const std::string& id, std::streamoff offset) {
    auto v = vault::Vault::open(vault_dir(), key_file());
    ASSERT_TRUE(v.ok());
    std::fstream f(v->object_path(id), std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    f.seekg(offset);
    char c = 0;
    f.get(c);
    f.seekp(offset);
    f.put(static_cast<char>(c ^ 0x20));
  }

  fs::path dir_;
  std::map<std::string, std::string> contents_;
  std::string old_key_id_;
};

TEST_F(CliVault, AnIntactVaultVerifies) {
  auto r = vault_cmd("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "verified 5/5")) << r.err;
  EXPECT_TRUE(contains(r.out, "vault verified: 5 objects")) << r.out;
}

TEST_F(CliVault, ADamagedObjectIsNamed) {
  const std::string damaged = std::next(contents_.begin(), 2)->first;
  flip_byte(damaged, 5000);
  auto r = vault_cmd("verify");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "bad " + damaged + ": corrupt")) << r.out;
  EXPECT_TRUE(contains(r.out, "1 of 5 objects bad")) << r.out;
  for (const auto& [id, content] : contents_) {
    if (id != damaged) {
      EXPECT_FALSE(contains(r.out, id)) << "an intact object is not listed";
    }
  }
  // A lost key file is named too.
  const std::string keyless = std::next(contents_.begin(), 4)->first;
  auto v = vault::Vault::open(vault_dir(), key_file());
  ASSERT_TRUE(v.ok());
  fs::remove(v->key_path(keyless));
  r = vault_cmd("verify");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "bad " + keyless)) << r.out;
  EXPECT_TRUE(contains(r.out, "2 of 5 objects bad")) << r.out;
}

TEST_F(CliVault, RotationKeepsEverythingReadable) {
  auto r = vault_cmd("rotate-key");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(field(r.out, "old key"), old_key_id_);
  const std::string new_id = field(r.out, "new key");
  EXPECT_EQ(new_id.size(), 16u);
  EXPECT_NE(new_id, old_key_id_);
  EXPECT_TRUE(contains(r.out, "re-wrapped: 5, already re-wrapped: 0")) << r.out;
  EXPECT_FALSE(fs::exists(key_file().string() + ".new"));
  auto key = vault::MasterKey::load(key_file());
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->id_hex(), new_id) << "keys/vault.key holds the new key";
  expect_all_readable();
  r = vault_cmd("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // A second rotation moves on again.
  r = vault_cmd("rotate-key");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(field(r.out, "old key"), new_id);
  expect_all_readable();
}

TEST_F(CliVault, AnInterruptedRotationIsFinishedByRunningItAgain) {
  // The state a crash in the middle leaves: keys/vault.key.new saved, some key files re-wrapped
  // under it, the others still under the old key.
  const fs::path new_file = key_file().string() + ".new";
  auto fresh = vault::MasterKey::generate();
  const std::string new_id = fresh.id_hex();
  ASSERT_TRUE(fresh.save(new_file).ok());
  const fs::path saved = dir_ / "saved-keys";
  fs::create_directories(saved);
  {
    auto v = vault::Vault::open(vault_dir(), key_file());
    ASSERT_TRUE(v.ok());
    for (const auto& [id, content] : contents_) fs::copy_file(v->key_path(id), saved / id);
    auto new_key = vault::MasterKey::load(new_file);
    ASSERT_TRUE(new_key.ok());
    ASSERT_TRUE(v->rotate_master_key(std::move(*new_key)).ok());
    int restored = 0;
    for (const auto& [id, content] : contents_) {
      if (restored++ < 2) fs::copy_file(saved / id, v->key_path(id), fs::copy_options::overwrite_existing);
    }
  }
  // Neither key alone reads everything now.
  auto half = vault_cmd("verify");
  EXPECT_EQ(half.exit_code, 1);

  auto r = vault_cmd("rotate-key");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "resuming")) << r.err;
  EXPECT_EQ(field(r.out, "old key"), old_key_id_);
  EXPECT_EQ(field(r.out, "new key"), new_id) << "the saved new key is used, no third one";
  EXPECT_TRUE(contains(r.out, "re-wrapped: 2, already re-wrapped: 3")) << r.out;
  EXPECT_FALSE(fs::exists(new_file));
  EXPECT_EQ(vault::MasterKey::load(key_file())->id_hex(), new_id);
  expect_all_readable();
  EXPECT_EQ(vault_cmd("verify").exit_code, 0);
}

TEST_F(CliVault, NothingIsCreatedWhereNothingIs) {
  fs::remove(key_file());
  auto r = vault_cmd("verify");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "no vault key")) << r.err;
  EXPECT_FALSE(fs::exists(key_file())) << "verify never makes a key";
  r = vault_cmd("rotate-key");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(fs::exists(key_file().string() + ".new"));

  r = run_command({BAOVE_EXE, "vault", "verify", "--data-dir", "elsewhere"}, "", dir_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "no vault at")) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere"));
}

// Objects a crash left behind (no evidence record refers to them) are shredded once old enough;
// referenced objects, recent ones and one stored again by a duplicate upload are kept.
TEST_F(CliVault, SweepShredsOnlyOldObjectsNoEvidenceRefersTo) {
  auto dry = run_command({BAOVE_EXE, "vault", "sweep", "--dry-run", "--data-dir", "data"}, "", dir_.string());
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(contains(dry.err, "0 older than 24 h")) << dry.err;

  // Everything is made two days old; then one object gets an evidence record and one is stored
  // again (a duplicate upload).
  std::vector<std::string> ids;
  for (const auto& [id, content] : contents_) ids.push_back(id);
  auto v = vault::Vault::open(vault_dir(), key_file());
  ASSERT_TRUE(v.ok());
  for (const auto& id : ids)
    fs::last_write_time(v->object_path(id), fs::file_time_type::clock::now() - std::chrono::hours(48));
  const std::string referenced = ids[0], renewed = ids[1];
  {
    std::istringstream again(contents_[renewed]);
    auto put = v->put(again);
    ASSERT_TRUE(put.ok());
    EXPECT_FALSE(put->stored);
  }
  platform::Config config;
  config.data_dir = dir_ / "data";
  auto p = platform::Platform::open(config);
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto keys = report::Keys::load_or_create(config.data_dir / "keys" / "report.key");
  ASSERT_TRUE(keys.ok());
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  {
    store::Connection& db = (*p)->db();
    store::Transaction tx(db);
    ASSERT_TRUE(tx.started().ok());
    report::NewReport r;
    r.channel = "web";
    r.category = "sexual_abuse";
    r.unit = "unit-test";
    auto receipt = report::create(db, *keys, r, now);
    ASSERT_TRUE(receipt.ok()) << receipt.error().message;
    report::EvidenceFile f;
    f.sha256 = referenced;
    f.size = contents_[referenced].size();
    f.md5 = std::string(32, '0');
    f.sha1 = std::string(40, '0');
    f.media_type = "application/octet-stream";
    ASSERT_TRUE(report::add_evidence(db, receipt->report_id, f, now).ok());
    ASSERT_TRUE(tx.commit().ok());
  }

  dry = run_command({BAOVE_EXE, "vault", "sweep", "--dry-run", "--data-dir", "data"}, "", dir_.string());
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(contains(dry.err, "4 older than 24 h, 3 referenced by no evidence")) << dry.err;
  for (std::size_t i = 2; i < ids.size(); ++i) EXPECT_TRUE(contains(dry.out, "unreferenced " + ids[i]));
  for (const auto& id : ids) EXPECT_TRUE(v->contains(id).value()) << "a dry run destroys nothing";

  auto swept = run_command({BAOVE_EXE, "vault", "sweep", "--data-dir", "data"}, "", dir_.string());
  ASSERT_EQ(swept.exit_code, 0) << swept.err;
  EXPECT_TRUE(contains(swept.err, "3 destroyed, 0 kept, 0 failed")) << swept.err;
  EXPECT_TRUE(v->contains(referenced).value());
  EXPECT_TRUE(v->contains(renewed).value());
  for (std::size_t i = 2; i < ids.size(); ++i) {
    EXPECT_FALSE(v->contains(ids[i]).value()) << ids[i];
    EXPECT_TRUE(contains(swept.out, "destroyed " + ids[i]));
  }
  std::ostringstream out;
  ASSERT_TRUE(v->get(referenced, out).ok());
  EXPECT_EQ(out.str(), contents_[referenced]);

  // Each destruction is in the audit log.
  auto rows = (*p)->db().query(
      "SELECT COUNT(*) FROM audit_events WHERE action = 'delete' AND object_type = 'vault_object' AND reason "
      "= "
      "'vault-sweep'");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].integer(0), 3);

  auto again = run_command({BAOVE_EXE, "vault", "sweep", "--older-than-hours", "0", "--data-dir", "data"}, "",
                           dir_.string());
  EXPECT_NE(again.exit_code, 0) << "an age under an hour is refused";
}

}  // namespace
}  // namespace baove
