// Shared by the audit tests: temporary directories, databases on both engines (SQLite in a real
// file, PostgreSQL on a throw-away server started once for the binary) and sample events.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "audit/audit.hpp"
#include "store/store.hpp"

namespace baove::audit::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The URL of this binary's PostgreSQL database (the server starts on first use), or why not.
const Result<std::string>& postgres_url();

// A fixture parameterised by engine: url_ names an empty, migrated database; db_ is open on it.
class EngineTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override;
  std::unique_ptr<store::Connection> connect();

  TempDir dir_;
  std::string url_;
  std::unique_ptr<store::Connection> db_;
};

std::string engine_name(const ::testing::TestParamInfo<store::Engine>& info);

// A plausible event: a case worker reading a case; `i` varies the identifiers and time.
Event sample_event(int i);
// 2024-03-01T00:00:00Z plus `seconds`.
Timestamp at(std::int64_t seconds);

}  // namespace baove::audit::testing
