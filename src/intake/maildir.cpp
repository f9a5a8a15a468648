// Maildir reading and the new/ -> cur/ move (mail.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "intake/mail.hpp"
#include "util/file.hpp"

namespace baove::intake {

namespace {

namespace fs = std::filesystem;

bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  return name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

Status sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::io, "cannot open " + dir.string() + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return make_error(ErrorCode::io, "cannot sync " + dir.string() + ": " + std::strerror(err));
  return {};
}

bool present(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

// "<base>:2,<flags>" with S added to the flags (kept sorted, as maildir(5) asks).
std::string seen_name(std::string_view name) {
  const std::size_t colon = name.find(':');
  const std::string_view base = name.substr(0, colon);
  std::string flags;
  if (colon != std::string_view::npos && name.substr(colon).starts_with(":2,")) {
    flags = std::string(name.substr(colon + 3));
  }
  if (flags.find('S') == std::string::npos) flags += 'S';
  std::sort(flags.begin(), flags.end());
  return std::string(base) + ":2," + flags;
}

}  // namespace

Result<Maildir> Maildir::open(const fs::path& root) {
  for (const char* sub : {"new", "cur", "tmp"}) {
    std::error_code ec;
    if (!fs::is_directory(root / sub, ec)) {
      return make_error(ErrorCode::not_found,
                        root.string() + " is not a Maildir (no " + sub + "/ directory)");
    }
  }
  return Maildir(root);
}

Result<std::vector<std::string>> Maildir::list_new() const {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(root_ / "new", ec);
  if (ec) return make_error(ErrorCode::io, "cannot list " + (root_ / "new").string() + ": " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return make_error(ErrorCode::io, "cannot list " + (root_ / "new").string() + ": " + ec.message());
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code sec;
    if (!it->is_regular_file(sec) || it->is_symlink(sec)) continue;
    names.push_back(name);
  }
  if (ec) return make_error(ErrorCode::io, "cannot list " + (root_ / "new").string() + ": " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> Maildir::read_new(std::string_view name) const {
  if (!plain_name(name)) return make_error(ErrorCode::invalid_argument, "not a Maildir file name");
  auto file = MappedFile::open(root_ / "new" / std::string(name), kMaxMailBytes);
  if (!file) return file.error();
  const auto bytes = file->bytes();
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Status Maildir::mark_seen(std::string_view name) const {
  if (!plain_name(name)) return make_error(ErrorCode::invalid_argument, "not a Maildir file name");
  const fs::path from = root_ / "new" / std::string(name);
  const fs::path to = root_ / "cur" / seen_name(name);
  if (::rename(from.c_str(), to.c_str()) != 0) {
    const int err = errno;
    if (err == ENOENT && present(to)) return {};  // moved already (a run that stopped after the rename)
    if (err == ENOENT)
      return make_error(ErrorCode::not_found, "no message " + std::string(name) + " in new/");
    return make_error(ErrorCode::io, "cannot move " + from.string() + ": " + std::strerror(err));
  }
  BAOVE_TRY(sync_dir(root_ / "cur"));
  return sync_dir(root_ / "new");
}

}  // namespace baove::intake
