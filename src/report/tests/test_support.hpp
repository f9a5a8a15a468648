// Shared by the report module's tests: temporary directories, databases on both engines, test
// images, digests computed independently with OpenSSL, and the process's peak memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "util/result.hpp"

namespace baove::report::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A URL of a throw-away PostgreSQL database shared by the whole test binary (started on first use).
const Result<std::string>& postgres_url();

// An empty database: a SQLite file in `dir`, or the PostgreSQL test database with its schema
// dropped and made again.
Result<std::unique_ptr<store::Connection>> fresh_database(store::Engine engine,
                                                          const std::filesystem::path& dir);

// A PNG (8-bit RGB) of a smooth pattern with some structure; `seed` changes it.
std::vector<std::uint8_t> make_png(std::uint32_t width, std::uint32_t height, std::uint32_t seed);
// A JPEG (quality 90) of the same kind of pattern.
std::vector<std::uint8_t> make_jpeg(std::uint32_t width, std::uint32_t height, std::uint32_t seed);

// Lower-case hex digests by OpenSSL's EVP interface ("md5", "sha1", "sha256").
std::string openssl_digest(const char* name, std::span<const std::uint8_t> bytes);

// Peak resident memory (VmHWM) in bytes, and its reset to the current resident size (through
// /proc/self/clear_refs); reset_peak_memory() returns false when the kernel does not allow it.
std::uint64_t peak_memory();
bool reset_peak_memory();

// Whether `needle` occurs in any file under `dir`.
bool any_file_contains(const std::filesystem::path& dir, std::span<const std::uint8_t> needle);

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path);

}  // namespace baove::report::testing
