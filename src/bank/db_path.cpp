// Where the command-line tools find the bank database.
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "bank/store.hpp"

namespace baove::bank {

Result<std::filesystem::path> resolve_db_path(const std::string& flag) {
  if (!flag.empty()) return std::filesystem::path(flag);
  if (const char* env = std::getenv("BAOVE_DB"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env);
  }
  const std::filesystem::path dir = "var";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(ErrorCode::io, "cannot create directory ./var: " + std::string(std::strerror(errno)));
  }
  return dir / "baove.db";
}

}  // namespace baove::bank
