// libFuzzer target: arbitrary bytes as a vault object. The input is a wrapped-key file (its first
// 88 bytes) followed by an object file; both are placed under the id of a known object in a vault
// with a fixed master key, then read with get() and verify(). Every refusal must be a clean
// corrupt error naming the id; anything get() accepts must hash to the id.
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "util/hex.hpp"
#include "vault/vault.hpp"

namespace {

using namespace baove;

constexpr std::size_t kKeyFileBytes = 88;
constexpr std::string_view kContent = "baove vault fuzz seed: a small object\n";

struct Fixture {
  std::unique_ptr<vault::Vault> vault;
  std::string id;
};

void write_file(const std::filesystem::path& path, const std::uint8_t* data, std::size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n <= 0) std::abort();
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  ::close(fd);
}

Fixture& fixture() {
  static Fixture f = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "fuzz-vault-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) std::abort();
    std::array<std::uint8_t, 32> key_bytes{};
    key_bytes.fill(0x42);  // fixed, so that the seed corpus holds genuine objects
    auto key = vault::MasterKey::from_bytes(key_bytes);
    auto v = vault::Vault::open(std::filesystem::path(dir) / "vault", std::move(*key));
    if (!v) std::abort();
    Fixture out;
    out.vault = std::make_unique<vault::Vault>(std::move(*v));
    std::size_t pos = 0;
    auto put = out.vault->put([&pos](std::span<std::uint8_t> buf) -> Result<std::size_t> {
      const std::size_t n = std::min(buf.size(), kContent.size() - pos);
      std::copy_n(kContent.data() + pos, n, buf.data());
      pos += n;
      return n;
    });
    if (!put) std::abort();
    out.id = put->id;
    return out;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& f = fixture();
  const std::size_t key_len = std::min(size, kKeyFileBytes);
  write_file(f.vault->key_path(f.id), data, key_len);
  write_file(f.vault->object_path(f.id), data + key_len, size - key_len);

  std::string out;
  auto got = f.vault->get(f.id, [&out](std::span<const std::uint8_t> b) -> Status {
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
    return {};
  });
  auto verified = f.vault->verify(f.id);
  if (got.ok() != verified.ok()) __builtin_trap();
  if (!got.ok()) {
    if (got.error().code != ErrorCode::corrupt || verified.error().code != ErrorCode::corrupt)
      __builtin_trap();
    if (got.error().message.find(f.id) == std::string::npos) __builtin_trap();
    return 0;
  }
  if (*got != out.size()) __builtin_trap();
  std::array<std::uint8_t, 32> sha{};
  unsigned int len = 0;
  EVP_Digest(out.data(), out.size(), sha.data(), &len, EVP_sha256(), nullptr);
  if (to_hex(sha) != f.id) __builtin_trap();
  return 0;
}
