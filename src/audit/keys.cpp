// Key files, the session hasher, Ed25519 signing and the checkpoint's text form.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "audit/audit.hpp"
#include "audit/record.hpp"
#include "util/file.hpp"
#include "util/hex.hpp"

namespace baove::audit {
namespace {

constexpr std::string_view kCheckpointTag = "baove-audit-checkpoint/1";
constexpr std::string_view kSignedTag = "baove.audit.checkpoint.v1";
constexpr std::uint64_t kMaxCheckpointFileBytes = 64ULL << 20;

Status ensure_sodium() {
  if (sodium_init() < 0) return make_error(ErrorCode::internal, "libsodium failed to initialise");
  return {};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::io, std::string("write failed: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Reads a 32-byte secret kept as 64 hex digits in a file only its owner may read.
Result<std::array<std::uint8_t, 32>> read_secret(const std::filesystem::path& path) {
  auto bytes = read_private_file(path);
  if (!bytes) return bytes.error();
  std::string text(bytes->begin(), bytes->end());
  auto decoded = from_hex(trim(text), 32);
  sodium_memzero(text.data(), text.size());
  sodium_memzero(bytes->data(), bytes->size());
  if (!decoded)
    return make_error(ErrorCode::corrupt,
                      path.string() + ": not a key file (" + decoded.error().message + ")");
  std::array<std::uint8_t, 32> out;
  std::memcpy(out.data(), decoded->data(), 32);
  sodium_memzero(decoded->data(), decoded->size());
  return out;
}

// Returns the secret in `path`, first creating the file with a random one when it is missing.
// The new file is written under a temporary name (mode 0600 from mkstemp) and linked into place,
// so a reader never sees a partial key and two racing creators agree on one key.
Result<std::array<std::uint8_t, 32>> load_or_create_secret(const std::filesystem::path& path) {
  BAOVE_TRY(ensure_sodium());
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return read_secret(path);
  const auto dir = path.parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
    return make_error(ErrorCode::not_found, dir.string() + ": directory for the key file does not exist");
  }
  std::array<std::uint8_t, 32> secret;
  randombytes_buf(secret.data(), secret.size());
  std::string text = to_hex(secret) + "\n";
  Status created = create_private_file(path, text);
  sodium_memzero(text.data(), text.size());
  if (!created) {
    sodium_memzero(secret.data(), secret.size());
    if (created.error().code == ErrorCode::conflict) return read_secret(path);  // another process was first
    return created.error();
  }
  return secret;
}

Result<std::uint64_t> parse_u64(std::string_view s, const char* what) {
  std::uint64_t v = 0;
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) {
    return make_error(ErrorCode::invalid_argument, std::string(what) + " is not a decimal number");
  }
  const auto [p, err] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (err != std::errc() || p != s.data() + s.size()) {
    return make_error(ErrorCode::invalid_argument, std::string(what) + " is not a decimal number");
  }
  return v;
}

void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

}  // namespace

SessionHasher::SessionHasher(std::span<const std::uint8_t, 32> key) {
  std::memcpy(key_.data(), key.data(), 32);
}
SessionHasher::~SessionHasher() { sodium_memzero(key_.data(), key_.size()); }

Result<SessionHasher> SessionHasher::load_or_create(const std::filesystem::path& path) {
  auto secret = load_or_create_secret(path);
  if (!secret) return secret.error();
  SessionHasher h(std::span<const std::uint8_t, 32>(secret->data(), 32));
  sodium_memzero(secret->data(), secret->size());
  return h;
}

std::string SessionHasher::hash(std::string_view session_token) const {
  std::array<std::uint8_t, 32> out;
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(session_token.data()),
                     session_token.size(), key_.data(), key_.size());
  return to_hex(out);
}

std::string PublicKey::to_hex() const { return baove::to_hex(bytes); }

Result<PublicKey> PublicKey::from_hex(std::string_view hex) {
  auto decoded = baove::from_hex(trim(hex), 32);
  if (!decoded) return decoded.error().with_context("audit public key");
  PublicKey k;
  std::memcpy(k.bytes.data(), decoded->data(), 32);
  return k;
}

SigningKey SigningKey::generate() {
  if (sodium_init() < 0) std::abort();  // libsodium cannot work at all: nothing sensible to return
  SigningKey k;
  crypto_sign_keypair(k.public_.bytes.data(), k.secret_.data());
  return k;
}

Result<SigningKey> SigningKey::load_or_create(const std::filesystem::path& path) {
  auto seed = load_or_create_secret(path);
  if (!seed) return seed.error();
  SigningKey k;
  crypto_sign_seed_keypair(k.public_.bytes.data(), k.secret_.data(), seed->data());
  sodium_memzero(seed->data(), seed->size());
  return k;
}

SigningKey::SigningKey(SigningKey&& other) noexcept : secret_(other.secret_), public_(other.public_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}
SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    public_ = other.public_;
    sodium_memzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}
SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

Signature SigningKey::sign(std::span<const std::uint8_t> message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

std::vector<std::uint8_t> Checkpoint::signed_message() const {
  std::vector<std::uint8_t> m(kSignedTag.begin(), kSignedTag.end());
  put_u64(m, size);
  m.insert(m.end(), root.begin(), root.end());
  m.insert(m.end(), chain_head.begin(), chain_head.end());
  put_u64(m, static_cast<std::uint64_t>(detail::to_micros(time)));
  return m;
}

bool Checkpoint::signature_valid(const PublicKey& key) const {
  if (sodium_init() < 0) return false;
  const auto m = signed_message();
  return crypto_sign_verify_detached(signature.data(), m.data(), m.size(), key.bytes.data()) == 0;
}

std::string Checkpoint::to_line() const {
  return std::string(kCheckpointTag) + " " + std::to_string(size) + " " +
         std::to_string(detail::to_micros(time)) + " " + audit::to_hex(root) + " " +
         audit::to_hex(chain_head) + " " + baove::to_hex(signature);
}

Result<Checkpoint> Checkpoint::from_line(std::string_view line) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= line.size()) {
    const std::size_t sp = line.find(' ', start);
    const std::size_t end = sp == std::string_view::npos ? line.size() : sp;
    parts.push_back(line.substr(start, end - start));
    if (parts.size() > 6 || sp == std::string_view::npos) break;
    start = sp + 1;
  }
  if (parts.size() != 6) {
    return make_error(ErrorCode::invalid_argument,
                      "a checkpoint line has 6 fields separated by single spaces");
  }
  if (parts[0] != kCheckpointTag) {
    return make_error(ErrorCode::invalid_argument,
                      "a checkpoint line starts with " + std::string(kCheckpointTag));
  }
  Checkpoint cp;
  auto size = parse_u64(parts[1], "size");
  if (!size) return size.error();
  if (*size > static_cast<std::uint64_t>(INT64_MAX))
    return make_error(ErrorCode::invalid_argument, "size is too large");
  cp.size = *size;
  auto time = parse_u64(parts[2], "time");
  if (!time) return time.error();
  if (*time > static_cast<std::uint64_t>(INT64_MAX))
    return make_error(ErrorCode::invalid_argument, "time is too large");
  cp.time = detail::from_micros(static_cast<std::int64_t>(*time));
  auto root = hash_from_hex(parts[3]);
  if (!root) return root.error().with_context("root");
  cp.root = *root;
  auto chain = hash_from_hex(parts[4]);
  if (!chain) return chain.error().with_context("chain head");
  cp.chain_head = *chain;
  auto sig = from_hex(parts[5], 64);
  if (!sig) return sig.error().with_context("signature");
  std::memcpy(cp.signature.data(), sig->data(), 64);
  return cp;
}

Result<std::vector<Checkpoint>> parse_checkpoint_file(std::string_view text) {
  if (text.size() > kMaxCheckpointFileBytes) {
    return make_error(ErrorCode::limit_exceeded, "checkpoint file is larger than 64 MiB");
  }
  std::vector<Checkpoint> out;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    ++line_no;
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto cp = Checkpoint::from_line(line);
    if (!cp) return cp.error().with_context("line " + std::to_string(line_no));
    out.push_back(*cp);
  }
  return out;
}

Result<std::vector<Checkpoint>> read_checkpoint_file(const std::filesystem::path& path) {
  auto mapped = MappedFile::open(path, kMaxCheckpointFileBytes);
  if (!mapped) return mapped.error();
  const auto bytes = mapped->bytes();
  auto parsed =
      parse_checkpoint_file(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  if (!parsed) return parsed.error().with_context(path.string());
  return parsed;
}

namespace detail {

// Appends one line to the checkpoint file and makes it durable. Used by Log.
Status append_checkpoint_line(const std::filesystem::path& path, const Checkpoint& cp) {
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return make_error(ErrorCode::io,
                      path.string() + ": cannot open checkpoint file: " + std::strerror(errno));
  }
  // A line torn by an earlier crash would glue onto this one; start on a fresh line.
  std::string line = cp.to_line() + "\n";
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') line.insert(line.begin(), '\n');
  }
  Status s = write_all(fd, line);
  if (s && ::fsync(fd) != 0) s = make_error(ErrorCode::io, "fsync failed");
  ::close(fd);
  if (!s) return s.error().with_context(path.string());
  return {};
}

}  // namespace detail
}  // namespace baove::audit
