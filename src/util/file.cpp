#include "util/file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace baove {
namespace {

Error errno_error(const std::filesystem::path& path, int err) {
  ErrorCode code = err == ENOENT ? ErrorCode::not_found : ErrorCode::io;
  const char* what = err == ENOENT ? "no such file" : std::strerror(err);
  return make_error(code, path.string() + ": " + what);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, false)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    this->~MappedFile();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, false);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (mapped_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

Result<MappedFile> MappedFile::open(const std::filesystem::path& path, std::uint64_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_error(path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error(path, errno);
  if (S_ISDIR(st.st_mode)) return make_error(ErrorCode::io, path.string() + ": is a directory");
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::io, path.string() + ": not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return make_error(ErrorCode::limit_exceeded, path.string() + ": file of " + std::to_string(st.st_size) +
                                                     " bytes exceeds the limit of " +
                                                     std::to_string(max_bytes));
  }
  MappedFile f;
  if (st.st_size == 0) return f;  // empty file: an empty span
  void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) return errno_error(path, errno);
  // Advice values are not flags: give each separately.
  ::madvise(p, static_cast<std::size_t>(st.st_size), MADV_SEQUENTIAL);
  ::madvise(p, static_cast<std::size_t>(st.st_size), MADV_WILLNEED);
  f.data_ = static_cast<const std::uint8_t*>(p);
  f.size_ = static_cast<std::size_t>(st.st_size);
  f.mapped_ = true;
  return f;
}

Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path) {
  auto m = MappedFile::open(path);
  if (!m) return m.error();
  auto b = m->bytes();
  return std::vector<std::uint8_t>(b.begin(), b.end());
}

Result<std::vector<std::uint8_t>> read_private_file(const std::filesystem::path& path, std::size_t max_size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return make_error(ErrorCode::not_found, path.string() + ": no such key file");
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::io, path.string() + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    return make_error(ErrorCode::invalid_argument,
                      path.string() + ": key file is readable by group or others; chmod 600 it");
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_size) {
    return make_error(ErrorCode::corrupt, path.string() + ": not a key file (too large)");
  }
  return read_file(path);
}

Status create_private_file(const std::filesystem::path& path, std::string_view bytes) {
  std::string tmpl = path.string() + ".tmpXXXXXX";
  int err = 0;
  {
    Fd fd(::mkstemp(tmpl.data()));
    if (fd.get() < 0) return errno_error(path, errno);
    while (err == 0 && !bytes.empty()) {
      const ssize_t n = ::write(fd.get(), bytes.data(), bytes.size());
      if (n < 0) {
        if (errno != EINTR) err = errno;
        continue;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    if (err == 0 && ::fchmod(fd.get(), 0600) != 0) err = errno;
    if (err == 0 && ::fsync(fd.get()) != 0) err = errno;
  }
  if (err == 0 && ::link(tmpl.c_str(), path.c_str()) != 0) err = errno;
  ::unlink(tmpl.c_str());
  if (err == EEXIST) return make_error(ErrorCode::conflict, path.string() + ": exists already");
  if (err != 0) return errno_error(path, err);
  auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0 || ::fsync(dfd.get()) != 0) return errno_error(dir, errno);
  return {};
}

Status write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) return errno_error(tmp, errno);
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::unlink(tmp.c_str());
        return errno_error(tmp, err);
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return errno_error(tmp, err);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return errno_error(path, err);
  }
  auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0 || ::fsync(dfd.get()) != 0) return errno_error(dir, errno);
  return {};
}

}  // namespace baove
