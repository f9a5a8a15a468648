// Shared by the store tests: temporary directories and the one PostgreSQL server of the binary.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "support/postgres_server.hpp"
#include "util/result.hpp"

namespace baove::store::testing {

// A fresh directory under the system's temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "baove-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The URL of this test binary's PostgreSQL database; the server starts on first use and stops
// when the tests end. An error says why it could not start.
const Result<std::string>& postgres_url();

}  // namespace baove::store::testing
