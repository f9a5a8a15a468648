// var/keys/report.key: two lines of 64 hex digits (contact key, lookup key).
#include "report/keys.hpp"

#include <sodium.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "util/file.hpp"
#include "util/hex.hpp"

namespace baove::report {
namespace {

namespace fs = std::filesystem;

struct WipedText {
  std::string text;
  ~WipedText() { sodium_memzero(text.data(), text.size()); }
};

Result<Keys> read_keys(const fs::path& path) {
  auto bytes = read_private_file(path);
  if (!bytes) return bytes.error();
  WipedText text{std::string(bytes->begin(), bytes->end())};
  sodium_memzero(bytes->data(), bytes->size());
  std::vector<std::string_view> lines;
  std::string_view rest = text.text;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
  }
  const Error malformed = make_error(
      ErrorCode::corrupt, path.string() + ": not a report key file (expected two lines of 64 hex digits)");
  if (lines.size() != 2) return malformed;
  Keys keys;
  for (std::size_t i = 0; i < 2; ++i) {
    auto decoded = from_hex(lines[i], 32);
    if (!decoded) return malformed;
    std::memcpy(i == 0 ? keys.contact_key.data() : keys.lookup_key.data(), decoded->data(), 32);
    sodium_memzero(decoded->data(), decoded->size());
  }
  return keys;
}

}  // namespace

Keys::~Keys() {
  sodium_memzero(contact_key.data(), contact_key.size());
  sodium_memzero(lookup_key.data(), lookup_key.size());
}

Keys Keys::generate() {
  if (sodium_init() < 0) std::abort();
  Keys keys;
  randombytes_buf(keys.contact_key.data(), keys.contact_key.size());
  randombytes_buf(keys.lookup_key.data(), keys.lookup_key.size());
  return keys;
}

Result<Keys> Keys::load_or_create(const fs::path& path) {
  if (sodium_init() < 0) return make_error(ErrorCode::internal, "libsodium failed to initialise");
  std::error_code ec;
  if (fs::exists(path, ec)) return read_keys(path);
  Keys keys = generate();
  WipedText text{to_hex(keys.contact_key) + "\n" + to_hex(keys.lookup_key) + "\n"};
  Status created = create_private_file(path, text.text);
  if (!created) {
    if (created.error().code == ErrorCode::conflict) return read_keys(path);  // another process was first
    return created.error();
  }
  return keys;
}

}  // namespace baove::report
