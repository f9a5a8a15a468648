// The evidence vault: object format, put/get/verify/destroy and master-key rotation.
#include "vault/vault.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <istream>
#include <memory>
#include <ostream>
#include <utility>

#include "util/file.hpp"
#include "util/hex.hpp"

namespace baove::vault {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::uint8_t, 8> kObjectMagic = {'B', 'A', 'O', 'V', 'E', 'V', 'O', '1'};
constexpr std::array<std::uint8_t, 8> kKeyMagic = {'B', 'A', 'O', 'V', 'E', 'V', 'K', '1'};
constexpr std::string_view kKeyIdContext = "baove.vault.master-key-id.v1";
constexpr std::size_t kHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr std::size_t kChunkOverhead = crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr std::size_t kBlockBytes = kChunkBytes + kChunkOverhead;
constexpr std::size_t kObjectPrefix = kObjectMagic.size() + kHeaderBytes;
constexpr std::size_t kWrapNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kWrapTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
// magic, master key id, nonce, wrapped key and tag.
constexpr std::size_t kKeyFileBytes = kKeyMagic.size() + 8 + kWrapNonce + kKeyBytes + kWrapTag;
constexpr std::size_t kFinalAdBytes = 32 + 8;

static_assert(kKeyBytes == crypto_secretstream_xchacha20poly1305_KEYBYTES);
static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

Status ensure_sodium() {
  if (sodium_init() < 0) return make_error(ErrorCode::internal, "libsodium failed to initialise");
  return {};
}

Error errno_error(ErrorCode code, const fs::path& path, const char* what, int err) {
  return make_error(code, path.string() + ": " + what + ": " + std::strerror(err));
}

class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  int close() noexcept { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

// Wipes a buffer or key when it leaves scope.
template <typename T>
class Wipe {
 public:
  explicit Wipe(T& t) : t_(t) {}
  Wipe(const Wipe&) = delete;
  Wipe& operator=(const Wipe&) = delete;
  ~Wipe() { sodium_memzero(&t_, sizeof(T)); }

 private:
  T& t_;
};

// A temporary file that is removed unless released.
class TempFile {
 public:
  TempFile() = default;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  Result<int> create(const fs::path& dir, const char* prefix) {
    std::string tmpl = (dir / prefix).string() + "XXXXXX";
    const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return errno_error(ErrorCode::io, dir, "cannot create a temporary file", errno);
    path_ = tmpl;
    return fd;
  }
  const fs::path& path() const noexcept { return path_; }
  void release() noexcept { path_.clear(); }

 private:
  fs::path path_;
};

Status write_all(int fd, const std::uint8_t* data, std::size_t size, const fs::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(ErrorCode::io, path, "write failed", errno);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

// Reads exactly `size` bytes unless the file ends first; returns how many were read.
Result<std::size_t> read_full(int fd, std::uint8_t* data, std::size_t size, const fs::path& path) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(ErrorCode::io, path, "read failed", errno);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Status fsync_dir(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno_error(ErrorCode::io, dir, "cannot open directory", errno);
  if (::fsync(fd.get()) != 0) return errno_error(ErrorCode::io, dir, "fsync failed", errno);
  return {};
}

// Makes `dir` (mode 0700) when missing; returns whether it was made.
Result<bool> make_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return true;
  if (errno != EEXIST) return errno_error(ErrorCode::io, dir, "cannot create directory", errno);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return make_error(ErrorCode::io, dir.string() + ": not a directory");
  }
  return false;
}

// An exclusive lock on the vault's lock file, held while it lives.
class Lock {
 public:
  static Result<Lock> take(const fs::path& root) {
    const fs::path path = root / "lock";
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) return errno_error(ErrorCode::io, path, "cannot open lock file", errno);
    while (::flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) return errno_error(ErrorCode::io, path, "cannot lock", errno);
    }
    return Lock(std::move(fd));
  }

 private:
  explicit Lock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;  // closing it releases the lock
};

// Removes what a crashed put() left in tmp/ (encrypted already) once it is a day old; younger
// files may belong to a put() running in another process.
void remove_stale_temporaries(const fs::path& tmp_dir) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (fs::directory_iterator it(tmp_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ignored;
    if (it->is_regular_file(ignored) && it->last_write_time(ignored) < cutoff)
      fs::remove(it->path(), ignored);
  }
}

bool path_exists(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

std::array<std::uint8_t, 32> id_bytes(std::string_view id) {
  std::array<std::uint8_t, 32> out{};
  auto decoded = from_hex(id, 32);
  if (decoded) std::memcpy(out.data(), decoded->data(), 32);
  return out;
}

std::array<std::uint8_t, kFinalAdBytes> final_ad(std::span<const std::uint8_t, 32> id, std::uint64_t size) {
  std::array<std::uint8_t, kFinalAdBytes> ad{};
  std::memcpy(ad.data(), id.data(), 32);
  for (std::size_t i = 0; i < 8; ++i) ad[32 + i] = static_cast<std::uint8_t>(size >> (56 - 8 * i));
  return ad;
}

std::array<std::uint8_t, 48> wrap_ad(std::span<const std::uint8_t, 8> master_id,
                                     std::span<const std::uint8_t, 32> id) {
  std::array<std::uint8_t, 48> ad{};
  std::memcpy(ad.data(), kKeyMagic.data(), 8);
  std::memcpy(ad.data() + 8, master_id.data(), 8);
  std::memcpy(ad.data() + 16, id.data(), 32);
  return ad;
}

// The key file of an object: its key wrapped by `master`, bound to the id.
std::array<std::uint8_t, kKeyFileBytes> wrap_key(const MasterKey& master,
                                                 std::span<const std::uint8_t, 32> id,
                                                 std::span<const std::uint8_t, kKeyBytes> object_key) {
  std::array<std::uint8_t, kKeyFileBytes> out{};
  std::memcpy(out.data(), kKeyMagic.data(), 8);
  std::memcpy(out.data() + 8, master.id().data(), 8);
  std::uint8_t* nonce = out.data() + 16;
  randombytes_buf(nonce, kWrapNonce);
  const auto ad = wrap_ad(master.id(), id);
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + 16 + kWrapNonce, nullptr, object_key.data(),
                                             kKeyBytes, ad.data(), ad.size(), nullptr, nonce,
                                             master.bytes().data());
  return out;
}

// Unwraps the key file of `id` into `object_key`; corrupt on any mismatch.
Status unwrap_key(const MasterKey& master, std::string_view id, std::span<const std::uint8_t> file,
                  std::span<std::uint8_t, kKeyBytes> object_key) {
  if (file.size() != kKeyFileBytes || std::memcmp(file.data(), kKeyMagic.data(), 8) != 0) {
    return make_error(ErrorCode::corrupt,
                      "object " + std::string(id) + ": its key file is not a wrapped key");
  }
  if (sodium_memcmp(file.data() + 8, master.id().data(), 8) != 0) {
    return make_error(ErrorCode::corrupt,
                      "object " + std::string(id) + ": its key is wrapped by a different master key");
  }
  const auto raw_id = id_bytes(id);
  const auto ad = wrap_ad(master.id(), raw_id);
  unsigned long long out_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          object_key.data(), &out_len, nullptr, file.data() + 16 + kWrapNonce, kKeyBytes + kWrapTag,
          ad.data(), ad.size(), file.data() + 16, master.bytes().data()) != 0 ||
      out_len != kKeyBytes) {
    sodium_memzero(object_key.data(), object_key.size());
    return make_error(ErrorCode::corrupt,
                      "object " + std::string(id) + ": its wrapped key does not authenticate for this id");
  }
  return {};
}

// Reads a key file of at most kKeyFileBytes + 1 bytes.
Result<std::vector<std::uint8_t>> read_key_file(const fs::path& path, std::string_view id) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT)
      return make_error(ErrorCode::not_found, "object " + std::string(id) + ": not in the vault");
    return errno_error(ErrorCode::io, path, "cannot open key file", errno);
  }
  std::vector<std::uint8_t> bytes(kKeyFileBytes + 1);
  auto n = read_full(fd.get(), bytes.data(), bytes.size(), path);
  if (!n) return n.error();
  bytes.resize(*n);
  return bytes;
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
  }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  void update(const std::uint8_t* p, std::size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  std::array<std::uint8_t, 32> finish() {
    std::array<std::uint8_t, 32> out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, out.data(), &len);
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

// The legacy digests of put(): MD5 and SHA-1.
class LegacyDigests {
 public:
  LegacyDigests() : md5_(EVP_MD_CTX_new()), sha1_(EVP_MD_CTX_new()) {
    if (md5_ == nullptr || sha1_ == nullptr || EVP_DigestInit_ex(md5_, EVP_md5(), nullptr) != 1 ||
        EVP_DigestInit_ex(sha1_, EVP_sha1(), nullptr) != 1) {
      std::abort();  // OpenSSL without these digests is a broken installation
    }
  }
  LegacyDigests(const LegacyDigests&) = delete;
  LegacyDigests& operator=(const LegacyDigests&) = delete;
  ~LegacyDigests() {
    EVP_MD_CTX_free(md5_);
    EVP_MD_CTX_free(sha1_);
  }
  void update(const std::uint8_t* p, std::size_t n) {
    EVP_DigestUpdate(md5_, p, n);
    EVP_DigestUpdate(sha1_, p, n);
  }
  void finish(PutResult& r) {
    std::array<std::uint8_t, 16> md5{};
    std::array<std::uint8_t, 20> sha1{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(md5_, md5.data(), &len);
    EVP_DigestFinal_ex(sha1_, sha1.data(), &len);
    r.md5 = to_hex(md5);
    r.sha1 = to_hex(sha1);
  }

 private:
  EVP_MD_CTX* md5_;
  EVP_MD_CTX* sha1_;
};

// Fills `buf` from the source until it is full or the source ends.
Result<std::size_t> fill(const Source& source, std::span<std::uint8_t> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    auto n = source(buf.subspan(done));
    if (!n) return n.error();
    if (*n == 0) break;
    if (*n > buf.size() - done) return make_error(ErrorCode::internal, "the source returned more than asked");
    done += *n;
  }
  return done;
}

// Decrypts object `id`, giving each authenticated chunk to `sink`. Returns the size.
Result<std::uint64_t> decrypt(const Vault& vault, const MasterKey& master, std::string_view id,
                              const std::function<Status(std::span<const std::uint8_t>)>& sink) {
  if (!valid_id(id))
    return make_error(ErrorCode::invalid_argument, "an object id is 64 lower-case hex digits");
  const std::string sid(id);
  const fs::path obj_path = vault.object_path(id);
  Fd fd(::open(obj_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return make_error(ErrorCode::not_found, "object " + sid + ": not in the vault");
    return errno_error(ErrorCode::io, obj_path, "cannot open object", errno);
  }
  auto key_file = read_key_file(vault.key_path(id), id);
  if (!key_file) return key_file.error();

  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error(ErrorCode::io, obj_path, "cannot stat object", errno);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::corrupt, "object " + sid + ": not a regular file");
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (file_size < kObjectPrefix + kChunkOverhead) {
    return make_error(ErrorCode::corrupt, "object " + sid + ": truncated (shorter than its header)");
  }
  const std::uint64_t payload = file_size - kObjectPrefix;
  const std::uint64_t chunks = (payload + kBlockBytes - 1) / kBlockBytes;
  const std::uint64_t last_block = payload - (chunks - 1) * kBlockBytes;
  if (last_block < kChunkOverhead) {
    return make_error(ErrorCode::corrupt,
                      "object " + sid + ": truncated (its length is not a chunk boundary)");
  }
  const std::uint64_t size = payload - chunks * kChunkOverhead;

  std::array<std::uint8_t, kObjectPrefix> prefix{};
  auto got = read_full(fd.get(), prefix.data(), prefix.size(), obj_path);
  if (!got) return got.error();
  if (*got != prefix.size()) return make_error(ErrorCode::corrupt, "object " + sid + ": truncated");
  if (std::memcmp(prefix.data(), kObjectMagic.data(), kObjectMagic.size()) != 0) {
    return make_error(ErrorCode::corrupt, "object " + sid + ": not a vault object (bad magic)");
  }

  std::array<std::uint8_t, kKeyBytes> object_key{};
  Wipe wipe_key(object_key);
  BAOVE_TRY(unwrap_key(master, id, *key_file, object_key));
  crypto_secretstream_xchacha20poly1305_state state;
  Wipe wipe_state(state);
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state, prefix.data() + kObjectMagic.size(),
                                                      object_key.data()) != 0) {
    return make_error(ErrorCode::corrupt, "object " + sid + ": bad stream header");
  }
  sodium_memzero(object_key.data(), object_key.size());

  const auto raw_id = id_bytes(id);
  const auto ad = final_ad(raw_id, size);
  std::vector<std::uint8_t> block(kBlockBytes);
  std::vector<std::uint8_t> plain(kChunkBytes);
  Status result;
  for (std::uint64_t i = 0; i < chunks && result; ++i) {
    const bool last = i + 1 == chunks;
    const std::size_t want = last ? static_cast<std::size_t>(last_block) : kBlockBytes;
    got = read_full(fd.get(), block.data(), want, obj_path);
    if (!got) {
      result = got.error();
      break;
    }
    if (*got != want) {
      result = make_error(ErrorCode::corrupt, "object " + sid + ": truncated while reading");
      break;
    }
    unsigned long long plain_len = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&state, plain.data(), &plain_len, &tag, block.data(), want,
                                                   last ? ad.data() : nullptr, last ? ad.size() : 0) != 0) {
      result = make_error(ErrorCode::corrupt, "object " + sid + ": chunk " + std::to_string(i) +
                                                  " does not authenticate (changed, reordered or truncated)");
      break;
    }
    const unsigned char want_tag = last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                        : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    if (tag != want_tag) {
      result = make_error(ErrorCode::corrupt,
                          "object " + sid + ": chunk " + std::to_string(i) +
                              (last ? " is not the final chunk (truncated)" : " ends the stream early"));
      break;
    }
    result = sink(std::span<const std::uint8_t>(plain.data(), static_cast<std::size_t>(plain_len)));
  }
  sodium_memzero(plain.data(), plain.size());
  if (!result) return result.error();
  return size;
}

}  // namespace

bool valid_id(std::string_view id) noexcept {
  if (id.size() != 64) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// ---- MasterKey ----

MasterKey::MasterKey() = default;
MasterKey::MasterKey(MasterKey&& other) noexcept : key_(other.key_), id_(other.id_) {
  sodium_memzero(other.key_.data(), other.key_.size());
}
MasterKey& MasterKey::operator=(MasterKey&& other) noexcept {
  if (this != &other) {
    key_ = other.key_;
    id_ = other.id_;
    sodium_memzero(other.key_.data(), other.key_.size());
  }
  return *this;
}
MasterKey::~MasterKey() { sodium_memzero(key_.data(), key_.size()); }

void MasterKey::derive_id() {
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(kKeyIdContext.data()),
                     kKeyIdContext.size(), key_.data(), key_.size());
  std::memcpy(id_.data(), h.data(), id_.size());
}

MasterKey MasterKey::generate() {
  if (sodium_init() < 0) std::abort();  // libsodium cannot work at all: nothing sensible to return
  MasterKey k;
  randombytes_buf(k.key_.data(), k.key_.size());
  k.derive_id();
  return k;
}

Result<MasterKey> MasterKey::from_bytes(std::span<const std::uint8_t> bytes) {
  BAOVE_TRY(ensure_sodium());
  if (bytes.size() != kKeyBytes) return make_error(ErrorCode::invalid_argument, "a master key is 32 bytes");
  MasterKey k;
  std::memcpy(k.key_.data(), bytes.data(), kKeyBytes);
  k.derive_id();
  return k;
}

Result<MasterKey> MasterKey::from_hex(std::string_view hex) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!hex.empty() && is_space(hex.front())) hex.remove_prefix(1);
  while (!hex.empty() && is_space(hex.back())) hex.remove_suffix(1);
  if (hex.size() != 2 * kKeyBytes)
    return make_error(ErrorCode::invalid_argument, "a master key is 64 hex digits");
  auto decoded = baove::from_hex(hex, kKeyBytes);
  if (!decoded) return make_error(ErrorCode::invalid_argument, "a master key is 64 hex digits");
  auto k = from_bytes(*decoded);
  sodium_memzero(decoded->data(), decoded->size());
  return k;
}

Result<MasterKey> MasterKey::load(const fs::path& key_file) {
  auto bytes = read_private_file(key_file, 256);
  if (!bytes) return bytes.error();
  Result<MasterKey> k =
      bytes->size() == kKeyBytes
          ? from_bytes(*bytes)
          : from_hex(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  sodium_memzero(bytes->data(), bytes->size());
  if (!k)
    return make_error(ErrorCode::corrupt, key_file.string() + ": not a master key file (64 hex digits)");
  return k;
}

Status MasterKey::save(const fs::path& key_file) const {
  std::string text = to_hex(key_) + "\n";
  TempFile tmp;
  const fs::path dir = key_file.parent_path().empty() ? fs::path(".") : key_file.parent_path();
  std::string name = key_file.filename().string() + ".tmp";
  auto fd_r = tmp.create(dir, name.c_str());
  if (!fd_r) {
    sodium_memzero(text.data(), text.size());
    return fd_r.error();
  }
  Fd fd(*fd_r);
  Status s = write_all(fd.get(), reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), key_file);
  sodium_memzero(text.data(), text.size());
  if (s && ::fchmod(fd.get(), 0600) != 0) s = errno_error(ErrorCode::io, key_file, "fchmod failed", errno);
  if (s && ::fsync(fd.get()) != 0) s = errno_error(ErrorCode::io, key_file, "fsync failed", errno);
  if (!s) return s;
  fd.close();
  // link() never replaces: a key file that exists already is kept.
  if (::link(tmp.path().c_str(), key_file.c_str()) != 0) {
    if (errno == EEXIST) return make_error(ErrorCode::conflict, key_file.string() + ": exists already");
    return errno_error(ErrorCode::io, key_file, "cannot create key file", errno);
  }
  return fsync_dir(dir);
}

Result<MasterKey> MasterKey::load_or_create(const fs::path& key_file) {
  BAOVE_TRY(ensure_sodium());
  auto loaded = load(key_file);
  if (loaded || loaded.error().code != ErrorCode::not_found) return loaded;
  const MasterKey fresh = generate();
  Status saved = fresh.save(key_file);
  if (!saved && saved.error().code != ErrorCode::conflict) return saved.error();
  return load(key_file);  // ours, or the one another process created first
}

std::string MasterKey::id_hex() const { return to_hex(id_); }

// ---- Vault ----

Vault::Vault(fs::path root, MasterKey key) : root_(std::move(root)), key_(std::move(key)) {}

Result<Vault> Vault::open(const fs::path& dir, MasterKey key) {
  BAOVE_TRY(ensure_sodium());
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (!dir.parent_path().empty()) fs::create_directories(dir.parent_path(), ec);
    auto made = make_dir(dir);
    if (!made) return made.error();
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return make_error(ErrorCode::io, dir.string() + ": not a directory");
  }
  if ((st.st_mode & 077) != 0) {
    return make_error(ErrorCode::invalid_argument,
                      dir.string() + ": the vault directory is open to group or others; chmod 700 it");
  }
  auto objects = make_dir(dir / "objects");
  if (!objects) return objects.error();
  auto tmp = make_dir(dir / "tmp");
  if (!tmp) return tmp.error();
  if (*objects || *tmp) BAOVE_TRY(fsync_dir(dir));
  remove_stale_temporaries(dir / "tmp");
  return Vault(dir, std::move(key));
}

Result<Vault> Vault::open(const fs::path& dir, const fs::path& key_file) {
  auto key = MasterKey::load_or_create(key_file);
  if (!key) return key.error();
  return open(dir, std::move(*key));
}

fs::path Vault::object_path(std::string_view id) const {
  return root_ / "objects" / std::string(id.substr(0, 2)) / std::string(id);
}

fs::path Vault::key_path(std::string_view id) const {
  return root_ / "objects" / std::string(id.substr(0, 2)) / (std::string(id) + ".key");
}

Result<PutResult> Vault::put(const Source& source, const PutOptions& options) {
  const fs::path tmp_dir = root_ / "tmp";
  TempFile obj_tmp;
  auto fd_r = obj_tmp.create(tmp_dir, "object-");
  if (!fd_r) return fd_r.error();
  Fd fd(*fd_r);

  std::array<std::uint8_t, kKeyBytes> object_key{};
  Wipe wipe_key(object_key);
  crypto_secretstream_xchacha20poly1305_keygen(object_key.data());
  crypto_secretstream_xchacha20poly1305_state state;
  Wipe wipe_state(state);
  std::array<std::uint8_t, kObjectPrefix> prefix{};
  std::memcpy(prefix.data(), kObjectMagic.data(), kObjectMagic.size());
  crypto_secretstream_xchacha20poly1305_init_push(&state, prefix.data() + kObjectMagic.size(),
                                                  object_key.data());
  BAOVE_TRY(write_all(fd.get(), prefix.data(), prefix.size(), obj_tmp.path()));

  Sha256 sha256;
  std::unique_ptr<LegacyDigests> legacy;
  if (options.legacy_digests) legacy = std::make_unique<LegacyDigests>();
  // Two plaintext buffers: a chunk is final when the one after it is empty.
  std::vector<std::uint8_t> a(kChunkBytes), b(kChunkBytes), out(kBlockBytes);
  PutResult result;
  std::array<std::uint8_t, 32> id{};
  Status status;
  auto filled = fill(source, a);
  while (status) {
    if (!filled) {
      status = filled.error();
      break;
    }
    const std::size_t n = *filled;
    bool last = n < kChunkBytes;
    Result<std::size_t> next = std::size_t{0};
    if (!last) {
      next = fill(source, b);
      if (!next) {
        status = next.error();
        break;
      }
      last = *next == 0;
    }
    result.size += n;
    if (result.size > options.max_bytes) {
      status = make_error(ErrorCode::limit_exceeded,
                          "the content is larger than " + std::to_string(options.max_bytes) + " bytes");
      break;
    }
    sha256.update(a.data(), n);
    if (legacy) legacy->update(a.data(), n);
    unsigned long long out_len = 0;
    if (last) {
      id = sha256.finish();
      const auto ad = final_ad(id, result.size);
      crypto_secretstream_xchacha20poly1305_push(&state, out.data(), &out_len, a.data(), n, ad.data(),
                                                 ad.size(), crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    } else {
      crypto_secretstream_xchacha20poly1305_push(&state, out.data(), &out_len, a.data(), n, nullptr, 0,
                                                 crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    }
    status = write_all(fd.get(), out.data(), static_cast<std::size_t>(out_len), obj_tmp.path());
    if (last) break;
    std::swap(a, b);
    filled = next;
  }
  sodium_memzero(a.data(), a.size());
  sodium_memzero(b.data(), b.size());
  if (!status) return status.error();
  if (::fsync(fd.get()) != 0) return errno_error(ErrorCode::io, obj_tmp.path(), "fsync failed", errno);
  if (fd.close() != 0) return errno_error(ErrorCode::io, obj_tmp.path(), "close failed", errno);

  result.id = to_hex(id);
  if (legacy) legacy->finish(result);

  const auto wrapped = wrap_key(key_, id, object_key);
  sodium_memzero(object_key.data(), object_key.size());
  TempFile key_tmp;
  auto kfd_r = key_tmp.create(tmp_dir, "key-");
  if (!kfd_r) return kfd_r.error();
  Fd kfd(*kfd_r);
  BAOVE_TRY(write_all(kfd.get(), wrapped.data(), wrapped.size(), key_tmp.path()));
  if (::fsync(kfd.get()) != 0) return errno_error(ErrorCode::io, key_tmp.path(), "fsync failed", errno);
  if (kfd.close() != 0) return errno_error(ErrorCode::io, key_tmp.path(), "close failed", errno);

  // Commit: the key goes in first, so an object file always has its key beside it.
  const fs::path dir = root_ / "objects" / result.id.substr(0, 2);
  const fs::path obj_path = object_path(result.id);
  const fs::path key_file = key_path(result.id);
  {
    auto lock = Lock::take(root_);
    if (!lock) return lock.error();
    auto made = make_dir(dir);
    if (!made) return made.error();
    if (*made) BAOVE_TRY(fsync_dir(root_ / "objects"));
    if (path_exists(obj_path) && path_exists(key_file)) {
      // The same content is stored already; the temporary files go. Its time is renewed, so that
      // a sweep of objects nothing refers to spares it until the caller's record is committed.
      if (::utimensat(AT_FDCWD, obj_path.c_str(), nullptr, 0) != 0)
        return errno_error(ErrorCode::io, obj_path, "cannot renew the object's time", errno);
      result.stored = false;
      return result;
    }
    if (::rename(key_tmp.path().c_str(), key_file.c_str()) != 0) {
      return errno_error(ErrorCode::io, key_file, "cannot rename key file into place", errno);
    }
    key_tmp.release();
    if (::rename(obj_tmp.path().c_str(), obj_path.c_str()) != 0) {
      return errno_error(ErrorCode::io, obj_path, "cannot rename object into place", errno);
    }
    obj_tmp.release();
  }
  // Outside the lock, so that concurrent puts wait for each other's renames only, not for each
  // other's directory syncs; put() still returns only once its own renames are durable.
  BAOVE_TRY(fsync_dir(dir));
  result.stored = true;
  return result;
}

Result<PutResult> Vault::put(std::istream& in, const PutOptions& options) {
  return put(
      [&in](std::span<std::uint8_t> buf) -> Result<std::size_t> {
        in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
        if (in.bad()) return make_error(ErrorCode::io, "reading the input stream failed");
        return static_cast<std::size_t>(in.gcount());
      },
      options);
}

Result<std::uint64_t> Vault::get(std::string_view id, const Sink& sink) const {
  return decrypt(*this, key_, id, sink);
}

Result<std::uint64_t> Vault::get(std::string_view id, std::ostream& out) const {
  return decrypt(*this, key_, id, [&out](std::span<const std::uint8_t> bytes) -> Status {
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) return make_error(ErrorCode::io, "writing the output stream failed");
    return {};
  });
}

Status Vault::verify(std::string_view id) const {
  Sha256 sha;
  auto size = decrypt(*this, key_, id, [&sha](std::span<const std::uint8_t> bytes) -> Status {
    sha.update(bytes.data(), bytes.size());
    return {};
  });
  if (!size) return size.error();
  if (to_hex(sha.finish()) != id) {
    return make_error(ErrorCode::corrupt,
                      "object " + std::string(id) + ": its SHA-256 does not match its id");
  }
  return {};
}

Result<bool> Vault::contains(std::string_view id) const {
  if (!valid_id(id))
    return make_error(ErrorCode::invalid_argument, "an object id is 64 lower-case hex digits");
  return path_exists(object_path(id)) && path_exists(key_path(id));
}

Result<std::vector<std::string>> Vault::list() const {
  std::vector<std::string> ids;
  std::error_code ec;
  const fs::path objects = root_ / "objects";
  for (fs::directory_iterator dir(objects, ec), end; !ec && dir != end; dir.increment(ec)) {
    const std::string prefix = dir->path().filename().string();
    if (prefix.size() != 2 || !dir->is_directory(ec)) continue;
    for (fs::directory_iterator f(dir->path(), ec); !ec && f != end; f.increment(ec)) {
      const std::string name = f->path().filename().string();
      if (valid_id(name) && name.compare(0, 2, prefix) == 0) ids.push_back(name);
    }
    if (ec) break;
  }
  if (ec) return make_error(ErrorCode::io, objects.string() + ": cannot list objects: " + ec.message());
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status Vault::destroy(std::string_view id) { return destroy_if_stored_before(id, fs::file_time_type::max()); }

Result<fs::file_time_type> Vault::stored_at(std::string_view id) const {
  if (!valid_id(id))
    return make_error(ErrorCode::invalid_argument, "an object id is 64 lower-case hex digits");
  std::error_code ec;
  const auto t = fs::last_write_time(object_path(id), ec);
  if (ec) return make_error(ErrorCode::not_found, "object " + std::string(id) + ": not in the vault");
  return t;
}

Status Vault::destroy_if_stored_before(std::string_view id, fs::file_time_type cutoff) {
  if (!valid_id(id))
    return make_error(ErrorCode::invalid_argument, "an object id is 64 lower-case hex digits");
  const fs::path obj_path = object_path(id);
  const fs::path key_file = key_path(id);
  auto lock = Lock::take(root_);
  if (!lock) return lock.error();
  if (cutoff != fs::file_time_type::max()) {
    std::error_code ec;
    const auto t = fs::last_write_time(obj_path, ec);
    if (!ec && t >= cutoff)
      return make_error(ErrorCode::conflict, "object " + std::string(id) + ": stored again since the cutoff");
  }
  const bool have_key = path_exists(key_file);
  if (!path_exists(obj_path) && !have_key) {
    return make_error(ErrorCode::not_found, "object " + std::string(id) + ": not in the vault");
  }
  if (have_key) {
    // Overwrite the wrapped key before unlinking it, so that its blocks do not keep it.
    Fd fd(::open(key_file.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() >= 0) {
      const std::array<std::uint8_t, kKeyFileBytes> zeros{};
      (void)write_all(fd.get(), zeros.data(), zeros.size(), key_file);
      (void)::fsync(fd.get());
    }
    if (::unlink(key_file.c_str()) != 0 && errno != ENOENT) {
      return errno_error(ErrorCode::io, key_file, "cannot remove key file", errno);
    }
  }
  if (::unlink(obj_path.c_str()) != 0 && errno != ENOENT) {
    return errno_error(ErrorCode::io, obj_path, "cannot remove object", errno);
  }
  return fsync_dir(obj_path.parent_path());
}

Result<RotationReport> Vault::rotate_master_key(MasterKey new_key) {
  auto ids = list();
  if (!ids) return ids.error();
  RotationReport report;
  for (const std::string& id : *ids) {
    auto lock = Lock::take(root_);
    if (!lock) return lock.error();
    const fs::path key_file = key_path(id);
    auto bytes = read_key_file(key_file, id);
    if (!bytes) {
      if (bytes.error().code == ErrorCode::not_found) continue;  // destroyed meanwhile
      return bytes.error();
    }
    if (bytes->size() == kKeyFileBytes && std::memcmp(bytes->data(), kKeyMagic.data(), 8) == 0 &&
        sodium_memcmp(bytes->data() + 8, new_key.id().data(), 8) == 0) {
      ++report.already;
      continue;
    }
    std::array<std::uint8_t, kKeyBytes> object_key{};
    Wipe wipe_key(object_key);
    if (!unwrap_key(key_, id, *bytes, object_key)) {
      report.failed.push_back(id);
      continue;
    }
    const auto wrapped = wrap_key(new_key, id_bytes(id), object_key);
    sodium_memzero(object_key.data(), object_key.size());
    BAOVE_TRY(write_file_atomic(key_file, wrapped));
    ++report.rewrapped;
  }
  key_ = std::move(new_key);
  return report;
}

}  // namespace baove::vault
