// The evidence vault: an encrypted, content-addressed store of files (docs/VAULT.md).
//
// Layout of a vault directory (created 0700):
//   objects/<first 2 hex digits>/<sha256 hex>      the encrypted object
//   objects/<first 2 hex digits>/<sha256 hex>.key  its key, wrapped by the master key
//   tmp/                                           objects being written (encrypted already)
//   lock                                           serialises commits, destroys and re-wraps
//
// Contract:
// - An object's id is the lower-case hex SHA-256 of its plaintext. The same content put twice is
//   stored once.
// - Each object has its own random 32-byte key. Its content is encrypted with libsodium's
//   crypto_secretstream_xchacha20poly1305 in 64 KiB chunks; the final chunk carries the id and the
//   size as additional data. The object key is wrapped by the master key with
//   crypto_aead_xchacha20poly1305_ietf, the id being additional data of the wrap.
// - Plaintext never reaches the disk: put() encrypts each chunk in memory before writing it.
// - put() and get() use constant memory (a few 64 KiB buffers) whatever the object's size.
// - A successful put() is durable: temporary file, fsync, rename, fsync of the directory.
// - Every failure to authenticate (a changed byte, truncation, reordered chunks, an object file
//   moved under another id, a wrong master key) is ErrorCode::corrupt with a message naming the
//   id. Error messages name ids and paths, never content or key material. Keys held in memory
//   are wiped with sodium_memzero.
// - put(), get(), verify(), contains() and destroy() may run at the same time from several
//   threads or processes over one directory. rotate_master_key() must run alone.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace baove::vault {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kChunkBytes = 64 * 1024;

// A 32-byte master key. Not copyable; the bytes are wiped when it is destroyed or moved from.
class MasterKey {
 public:
  MasterKey(const MasterKey&) = delete;
  MasterKey& operator=(const MasterKey&) = delete;
  MasterKey(MasterKey&& other) noexcept;
  MasterKey& operator=(MasterKey&& other) noexcept;
  ~MasterKey();

  // A fresh random key.
  static MasterKey generate();
  // Exactly 32 bytes; invalid_argument otherwise.
  static Result<MasterKey> from_bytes(std::span<const std::uint8_t> bytes);
  // 64 hex digits, surrounding whitespace allowed (as kept in an environment variable).
  static Result<MasterKey> from_hex(std::string_view hex);
  // Reads a key file: 64 hex digits (and a newline) or 32 raw bytes, readable by its owner alone.
  // not_found when missing, invalid_argument when group or others may read it, corrupt when it
  // holds something else. Messages name the path, never the content.
  static Result<MasterKey> load(const std::filesystem::path& key_file);
  // As load(), but first creates the file (mode 0600, 64 hex digits) with a random key when it is
  // missing. Two processes racing to create it end up with the same key.
  static Result<MasterKey> load_or_create(const std::filesystem::path& key_file);
  // Writes this key to a new key file (mode 0600). conflict when the file exists already.
  Status save(const std::filesystem::path& key_file) const;

  // A public fingerprint of the key (16 hex digits), stored beside each wrapped key so that a
  // vault can tell which master key wrapped it. Reveals nothing about the key.
  std::string id_hex() const;

  std::span<const std::uint8_t, kKeyBytes> bytes() const noexcept { return std::span(key_); }
  std::span<const std::uint8_t, 8> id() const noexcept { return std::span(id_); }

 private:
  MasterKey();
  void derive_id();
  std::array<std::uint8_t, kKeyBytes> key_{};
  std::array<std::uint8_t, 8> id_{};
};

// Fills `buffer` with up to buffer.size() bytes of the content; returns how many, 0 at the end.
using Source = std::function<Result<std::size_t>(std::span<std::uint8_t> buffer)>;
// Receives the content in order, in pieces of at most kChunkBytes.
using Sink = std::function<Status(std::span<const std::uint8_t> bytes)>;

struct PutOptions {
  // Also compute MD5 and SHA-1 (as hash lists carry them). MD5 is the slowest step of put().
  bool legacy_digests = true;
  // Refuse content larger than this (limit_exceeded; nothing is stored).
  std::uint64_t max_bytes = UINT64_MAX;
};

struct PutResult {
  std::string id;  // SHA-256, lower-case hex
  std::uint64_t size = 0;
  std::string md5;      // lower-case hex; empty when legacy_digests is off
  std::string sha1;     // lower-case hex; empty when legacy_digests is off
  bool stored = false;  // false when the content was already in the vault
};

struct RotationReport {
  std::size_t rewrapped = 0;        // keys re-wrapped by this call
  std::size_t already = 0;          // keys found wrapped by the new key already (a resumed rotation)
  std::vector<std::string> failed;  // ids whose key the old master key could not unwrap
};

class Vault {
 public:
  // Opens (creating when missing, mode 0700) the vault in `dir`. invalid_argument when an
  // existing directory is open to group or others.
  static Result<Vault> open(const std::filesystem::path& dir, MasterKey key);
  // The same with the master key read from (or created in) `key_file`.
  static Result<Vault> open(const std::filesystem::path& dir, const std::filesystem::path& key_file);

  // Reads the content from `source` to its end, encrypting and hashing it in one pass, and
  // stores it under its SHA-256. Errors from the source are passed on; nothing is stored then.
  Result<PutResult> put(const Source& source, const PutOptions& options = {});
  // The same from a stream (io when it fails before its end).
  Result<PutResult> put(std::istream& in, const PutOptions& options = {});

  // Streams the decrypted content of `id` to `sink` and returns its size. Each chunk is
  // authenticated before the sink sees it; when a later chunk fails (corrupt) or the sink fails,
  // the sink has received a prefix of the content and the caller must discard it.
  // invalid_argument for a malformed id, not_found when the vault has no such object.
  Result<std::uint64_t> get(std::string_view id, const Sink& sink) const;
  Result<std::uint64_t> get(std::string_view id, std::ostream& out) const;

  // Decrypts the whole object and checks that the SHA-256 of its content equals the id.
  Status verify(std::string_view id) const;

  // Whether the vault holds `id` (its object and its wrapped key).
  Result<bool> contains(std::string_view id) const;

  // Every id in the vault, sorted.
  Result<std::vector<std::string>> list() const;

  // Destroys the object: its wrapped key is overwritten and removed first (crypto-shredding),
  // then the encrypted content. not_found when there is no such object.
  Status destroy(std::string_view id);
  // The same, but only when the object was last stored before `cutoff` (put() of content the
  // vault holds already marks it stored now): conflict otherwise. The check and the destruction
  // hold the vault's lock together, so a put() racing a sweep either comes before the check (and
  // the object is kept) or after the destruction (and stores it again).
  Status destroy_if_stored_before(std::string_view id, std::filesystem::file_time_type cutoff);
  // When the object was last stored (the modification time of its file). not_found without it.
  Result<std::filesystem::file_time_type> stored_at(std::string_view id) const;

  // Re-wraps every object's key with `new_key` without touching the content; each key file is
  // replaced atomically, so a crash leaves every object readable by the old key or the new one.
  // Keys already wrapped by `new_key` are skipped, so an interrupted rotation is resumed by
  // calling it again with the same keys. On success the vault uses `new_key` from then on; the
  // caller stores the new key before calling and keeps the old one until this returns.
  Result<RotationReport> rotate_master_key(MasterKey new_key);

  const std::filesystem::path& root() const noexcept { return root_; }
  std::string master_key_id() const { return key_.id_hex(); }

  // Where the object and its wrapped key live (for tests and repair tools).
  std::filesystem::path object_path(std::string_view id) const;
  std::filesystem::path key_path(std::string_view id) const;

 private:
  Vault(std::filesystem::path root, MasterKey key);
  std::filesystem::path root_;
  MasterKey key_;
};

// Whether `id` is 64 lower-case hex digits.
bool valid_id(std::string_view id) noexcept;

}  // namespace baove::vault
