// Reading whole files and walking paths, with errors that name the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace baove {

// A read-only view of a whole file, memory-mapped where possible. Owns the mapping.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  ~MappedFile();

  // Opens and maps `path`. Fails with not_found, io (unreadable, a directory) or
  // limit_exceeded when the file is larger than max_bytes.
  static Result<MappedFile> open(const std::filesystem::path& path, std::uint64_t max_bytes = UINT64_MAX);

  std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
};

// Reads a whole file into memory.
Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path);

// Reads a small secret file (a key) that only its owner may read: fails with not_found when it is
// missing, invalid_argument when group or others may read it ("chmod 600 it"), io when it is not
// a regular file, corrupt when it is larger than `max_size`. Messages name the path, never the
// content. The caller wipes the bytes when done.
Result<std::vector<std::uint8_t>> read_private_file(const std::filesystem::path& path,
                                                    std::size_t max_size = 4096);

// Creates `path` holding `bytes` (a key), readable by its owner alone, only if it does not exist
// yet: a temporary file made 0600, written and synced, then linked into place and the directory
// synced, so a reader never sees a partial file. Fails with conflict when the file exists (another
// process created it first: read that one instead). Messages name the path, never the bytes.
Status create_private_file(const std::filesystem::path& path, std::string_view bytes);

// Writes `bytes` to `path` atomically: a temporary file beside it, fsync, rename, fsync of
// the directory. After success the file holds exactly `bytes`, even across a crash.
Status write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

}  // namespace baove
