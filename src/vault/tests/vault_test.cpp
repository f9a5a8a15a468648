// The vault over real files in a temporary directory.
#include "vault/vault.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "util/file.hpp"
#include "util/hex.hpp"

namespace baove::vault {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kBlock = kChunkBytes + 17;  // a chunk on disk: ciphertext and its tag
constexpr std::size_t kPrefix = 8 + 24;           // magic and stream header

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vault-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Bytes random_bytes(std::size_t n) {
  if (sodium_init() < 0) std::abort();
  Bytes b(n);
  if (n > 0) randombytes_buf(b.data(), b.size());
  return b;
}

std::string digest_hex(const EVP_MD* md, const Bytes& b) {
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  EVP_Digest(b.data(), b.size(), out.data(), &len, md, nullptr);
  return to_hex(std::span<const std::uint8_t>(out.data(), len));
}

// A source reading `data` in pieces of at most `piece` bytes.
Source source_of(const Bytes& data, std::size_t piece = 100000) {
  auto pos = std::make_shared<std::size_t>(0);
  return [&data, pos, piece](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    const std::size_t n = std::min({buf.size(), piece, data.size() - *pos});
    if (n > 0) std::memcpy(buf.data(), data.data() + *pos, n);
    *pos += n;
    return n;
  };
}

Result<Bytes> get_all(const Vault& v, std::string_view id) {
  Bytes out;
  auto r = v.get(id, [&out](std::span<const std::uint8_t> b) -> Status {
    out.insert(out.end(), b.begin(), b.end());
    return {};
  });
  if (!r) return r.error();
  if (*r != out.size()) return make_error(ErrorCode::internal, "size differs from the bytes given");
  return out;
}

Vault open_vault(const fs::path& dir, const MasterKey& key) {
  auto k = MasterKey::from_bytes(key.bytes());
  auto v = Vault::open(dir, std::move(*k));
  if (!v) {
    ADD_FAILURE() << v.error().message;
    std::abort();
  }
  return std::move(*v);
}

void write_bytes(const fs::path& p, const Bytes& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Bytes read_bytes(const fs::path& p) {
  auto r = read_file(p);
  return r ? *r : Bytes{};
}

std::vector<fs::path> all_files(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

void expect_corrupt(const Vault& v, const std::string& id) {
  auto g = get_all(v, id);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ErrorCode::corrupt) << g.error().message;
  EXPECT_NE(g.error().message.find(id), std::string::npos) << g.error().message;
  auto ver = v.verify(id);
  ASSERT_FALSE(ver.ok());
  EXPECT_EQ(ver.error().code, ErrorCode::corrupt) << ver.error().message;
}

class VaultTest : public ::testing::Test {
 protected:
  TempDir tmp;
  fs::path dir = tmp.path() / "vault";
  MasterKey key = MasterKey::generate();
  Vault vault = open_vault(dir, key);
};

TEST_F(VaultTest, RoundTripsEdgeSizes) {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, kChunkBytes - 1, kChunkBytes, kChunkBytes + 1,
                           3 * kChunkBytes, std::size_t{20'000'037}}) {
    SCOPED_TRACE(size);
    const Bytes data = random_bytes(size);
    auto put = vault.put(source_of(data, size % 7 == 0 ? 4096 : 100003));
    ASSERT_TRUE(put.ok()) << put.error().message;
    EXPECT_TRUE(put->stored);
    EXPECT_EQ(put->size, size);
    EXPECT_EQ(put->id, digest_hex(EVP_sha256(), data));
    EXPECT_EQ(put->md5, digest_hex(EVP_md5(), data));
    EXPECT_EQ(put->sha1, digest_hex(EVP_sha1(), data));
    // Every chunk but the last is full; the file is exactly prefix + chunks.
    const std::size_t chunks = size == 0 ? 1 : (size + kChunkBytes - 1) / kChunkBytes;
    EXPECT_EQ(fs::file_size(vault.object_path(put->id)), kPrefix + size + 17 * chunks);
    auto back = get_all(vault, put->id);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_TRUE(*back == data);
    EXPECT_TRUE(vault.verify(put->id).ok());
  }
}

TEST_F(VaultTest, DigestsOfAKnownInput) {
  std::istringstream in("abc");
  auto put = vault.put(in);
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(put->id, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(put->md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(put->sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  std::ostringstream out;
  auto got = vault.get(put->id, out);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(out.str(), "abc");
  auto fast = vault.put(source_of(Bytes{'x', 'y'}), PutOptions{.legacy_digests = false});
  ASSERT_TRUE(fast.ok());
  EXPECT_TRUE(fast->md5.empty());
  EXPECT_TRUE(fast->sha1.empty());
}

TEST_F(VaultTest, LayoutAndPermissions) {
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const Bytes data = random_bytes(1000);
  auto put = vault.put(source_of(data));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(vault.object_path(put->id), dir / "objects" / put->id.substr(0, 2) / put->id);
  EXPECT_TRUE(fs::exists(vault.object_path(put->id)));
  EXPECT_TRUE(fs::exists(vault.key_path(put->id)));
  EXPECT_TRUE(fs::is_empty(dir / "tmp"));
  auto listed = vault.list();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, std::vector<std::string>{put->id});
  // An existing directory open to others is refused.
  fs::permissions(dir, fs::perms(0750));
  auto again = Vault::open(dir, MasterKey::generate());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::invalid_argument);
}

TEST_F(VaultTest, OpenRemovesTemporariesLeftByACrash) {
  const fs::path old_tmp = dir / "tmp" / "object-crashed";
  const fs::path new_tmp = dir / "tmp" / "object-running";
  write_bytes(old_tmp, random_bytes(100));
  write_bytes(new_tmp, random_bytes(100));
  fs::last_write_time(old_tmp, fs::file_time_type::clock::now() - std::chrono::hours(48));
  const Vault reopened = open_vault(dir, key);
  EXPECT_FALSE(fs::exists(old_tmp));
  EXPECT_TRUE(fs::exists(new_tmp));
}

TEST_F(VaultTest, SameContentIsStoredOnce) {
  const Bytes data = random_bytes(200'000);
  auto first = vault.put(source_of(data));
  auto second = vault.put(source_of(data, 777));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(first->stored);
  EXPECT_FALSE(second->stored);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(all_files(dir / "objects").size(), 2u);  // one object, one wrapped key
  EXPECT_TRUE(fs::is_empty(dir / "tmp"));
  auto back = get_all(vault, first->id);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == data);
}

TEST_F(VaultTest, ConcurrentPutsOfOneContentAgree) {
  const Bytes data = random_bytes(3 * kChunkBytes + 5);
  std::vector<std::thread> threads;
  std::vector<int> stored(4, -1);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto r = vault.put(source_of(data));
      stored[static_cast<std::size_t>(t)] = r.ok() ? (r->stored ? 1 : 0) : -1;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(stored.begin(), stored.end(), 1), 1);
  EXPECT_EQ(std::count(stored.begin(), stored.end(), 0), 3);
  const std::string id = digest_hex(EVP_sha256(), data);
  EXPECT_TRUE(vault.verify(id).ok());
  EXPECT_TRUE(fs::is_empty(dir / "tmp"));
}

TEST_F(VaultTest, NoPlaintextOrKeyOnDisk) {
  const Bytes pattern = random_bytes(1 << 20);
  auto put = vault.put(source_of(pattern));
  ASSERT_TRUE(put.ok());
  std::istringstream in(std::string(pattern.begin(), pattern.end()));
  ASSERT_TRUE(vault.put(in).ok());  // the same through a stream: stored once
  // Probes of 32 bytes every 4 KiB, the master key and the plaintext's digest-free prefix.
  std::vector<Bytes> needles;
  for (std::size_t off = 0; off + 32 <= pattern.size(); off += 4096) {
    needles.emplace_back(pattern.begin() + static_cast<std::ptrdiff_t>(off),
                         pattern.begin() + static_cast<std::ptrdiff_t>(off + 32));
  }
  needles.emplace_back(key.bytes().begin(), key.bytes().end());
  const std::string key_hex = to_hex(key.bytes());
  needles.emplace_back(key_hex.begin(), key_hex.end());
  const auto files = all_files(dir);
  ASSERT_GE(files.size(), 2u);
  std::uint64_t scanned = 0;
  for (const auto& f : files) {
    const Bytes content = read_bytes(f);
    scanned += content.size();
    for (const Bytes& n : needles) {
      auto it =
          std::search(content.begin(), content.end(), std::boyer_moore_horspool_searcher(n.begin(), n.end()));
      EXPECT_TRUE(it == content.end()) << f << " holds plaintext or key bytes";
    }
  }
  EXPECT_GT(scanned, pattern.size());
}

TEST_F(VaultTest, TamperingWithAnyByteIsCorrupt) {
  const Bytes data = random_bytes(3 * kChunkBytes + 1000);
  auto put = vault.put(source_of(data));
  ASSERT_TRUE(put.ok());
  const fs::path obj = vault.object_path(put->id);
  const fs::path keyf = vault.key_path(put->id);
  const Bytes original = read_bytes(obj);
  const Bytes original_key = read_bytes(keyf);
  for (std::size_t pos : {std::size_t{0}, std::size_t{10}, kPrefix, kPrefix + kBlock + 5, original.size() / 2,
                          original.size() - 1}) {
    SCOPED_TRACE(pos);
    Bytes changed = original;
    changed[pos] ^= 0x01;
    write_bytes(obj, changed);
    expect_corrupt(vault, put->id);
  }
  write_bytes(obj, original);
  for (std::size_t pos :
       {std::size_t{0}, std::size_t{9}, std::size_t{20}, std::size_t{60}, original_key.size() - 1}) {
    SCOPED_TRACE(pos);
    Bytes changed = original_key;
    changed[pos] ^= 0x80;
    write_bytes(keyf, changed);
    expect_corrupt(vault, put->id);
  }
  write_bytes(keyf, original_key);
  EXPECT_TRUE(vault.verify(put->id).ok());
}

TEST_F(VaultTest, TruncationAndExtensionAreCorrupt) {
  const Bytes data = random_bytes(3 * kChunkBytes + 1000);
  auto put = vault.put(source_of(data));
  ASSERT_TRUE(put.ok());
  const fs::path obj = vault.object_path(put->id);
  const Bytes original = read_bytes(obj);
  const std::size_t last_start = kPrefix + 3 * kBlock;
  for (std::size_t len : {std::size_t{0}, std::size_t{5}, kPrefix, kPrefix + 17, kPrefix + kBlock, last_start,
                          last_start + 16, last_start + 17, original.size() - 1}) {
    SCOPED_TRACE(len);
    write_bytes(obj, Bytes(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(len)));
    expect_corrupt(vault, put->id);
  }
  Bytes longer = original;
  longer.push_back(0);
  write_bytes(obj, longer);
  expect_corrupt(vault, put->id);
  Bytes doubled = original;
  doubled.insert(doubled.end(), original.begin() + kPrefix, original.end());
  write_bytes(obj, doubled);
  expect_corrupt(vault, put->id);
}

TEST_F(VaultTest, ReorderedOrDuplicatedChunksAreCorrupt) {
  const Bytes data = random_bytes(3 * kChunkBytes + 1000);
  auto put = vault.put(source_of(data));
  ASSERT_TRUE(put.ok());
  const fs::path obj = vault.object_path(put->id);
  const Bytes original = read_bytes(obj);
  auto block = [&](std::size_t i) {
    return Bytes(original.begin() + static_cast<std::ptrdiff_t>(kPrefix + i * kBlock),
                 original.begin() + static_cast<std::ptrdiff_t>(kPrefix + (i + 1) * kBlock));
  };
  Bytes swapped(original.begin(), original.begin() + kPrefix);
  for (std::size_t i : {1, 0, 2}) {
    const Bytes b = block(i);
    swapped.insert(swapped.end(), b.begin(), b.end());
  }
  swapped.insert(swapped.end(), original.begin() + static_cast<std::ptrdiff_t>(kPrefix + 3 * kBlock),
                 original.end());
  ASSERT_EQ(swapped.size(), original.size());
  write_bytes(obj, swapped);
  expect_corrupt(vault, put->id);
  Bytes repeated(original.begin(), original.begin() + kPrefix);
  for (std::size_t i : {0, 0, 2}) {
    const Bytes b = block(i);
    repeated.insert(repeated.end(), b.begin(), b.end());
  }
  repeated.insert(repeated.end(), original.begin() + static_cast<std::ptrdiff_t>(kPrefix + 3 * kBlock),
                  original.end());
  write_bytes(obj, repeated);
  expect_corrupt(vault, put->id);
}

TEST_F(VaultTest, ObjectsSwappedUnderEachOtherAreCorrupt) {
  const Bytes one = random_bytes(100'000);
  const Bytes two = random_bytes(100'000);
  auto a = vault.put(source_of(one));
  auto b = vault.put(source_of(two));
  ASSERT_TRUE(a.ok() && b.ok());
  const Bytes obj_a = read_bytes(vault.object_path(a->id));
  const Bytes obj_b = read_bytes(vault.object_path(b->id));
  const Bytes key_a = read_bytes(vault.key_path(a->id));
  const Bytes key_b = read_bytes(vault.key_path(b->id));
  // The content files alone.
  write_bytes(vault.object_path(a->id), obj_b);
  write_bytes(vault.object_path(b->id), obj_a);
  expect_corrupt(vault, a->id);
  expect_corrupt(vault, b->id);
  // The content with its own key: the wrapped key is bound to its id.
  write_bytes(vault.key_path(a->id), key_b);
  write_bytes(vault.key_path(b->id), key_a);
  expect_corrupt(vault, a->id);
  expect_corrupt(vault, b->id);
}

TEST_F(VaultTest, WrongMasterKeyIsCorrupt) {
  const Bytes data = random_bytes(70'000);
  auto put = vault.put(source_of(data));
  ASSERT_TRUE(put.ok());
  const MasterKey other = MasterKey::generate();
  const Vault wrong = open_vault(dir, other);
  expect_corrupt(wrong, put->id);
  // Even when the wrapped key claims the wrong key's fingerprint.
  Bytes wrapped = read_bytes(vault.key_path(put->id));
  std::memcpy(wrapped.data() + 8, other.id().data(), 8);
  write_bytes(vault.key_path(put->id), wrapped);
  expect_corrupt(wrong, put->id);
}

TEST_F(VaultTest, DestroyShredsTheObject) {
  const Bytes data = random_bytes(150'000);
  auto put = vault.put(source_of(data));
  auto keep = vault.put(source_of(random_bytes(10)));
  ASSERT_TRUE(put.ok() && keep.ok());
  ASSERT_TRUE(vault.destroy(put->id).ok());
  auto g = get_all(vault, put->id);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ErrorCode::not_found);
  EXPECT_EQ(vault.verify(put->id).error().code, ErrorCode::not_found);
  EXPECT_FALSE(*vault.contains(put->id));
  EXPECT_FALSE(fs::exists(vault.object_path(put->id)));
  EXPECT_FALSE(fs::exists(vault.key_path(put->id)));
  EXPECT_EQ(vault.destroy(put->id).error().code, ErrorCode::not_found);
  EXPECT_EQ(*vault.list(), std::vector<std::string>{keep->id});
  // Storing the content again works.
  auto again = vault.put(source_of(data));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->stored);
  EXPECT_TRUE(vault.verify(put->id).ok());
}

TEST_F(VaultTest, ObjectWhoseKeyIsGoneIsNotFoundAndCanBeStoredAgain) {
  // As left by a crash between removing the key and removing the content.
  const Bytes data = random_bytes(1234);
  auto put = vault.put(source_of(data));
  ASSERT_TRUE(put.ok());
  fs::remove(vault.key_path(put->id));
  EXPECT_EQ(get_all(vault, put->id).error().code, ErrorCode::not_found);
  EXPECT_FALSE(*vault.contains(put->id));
  auto again = vault.put(source_of(data));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->stored);
  EXPECT_TRUE(vault.verify(put->id).ok());
}

TEST_F(VaultTest, RotationRewrapsWithoutReencrypting) {
  std::vector<std::pair<std::string, Bytes>> objects;
  for (std::size_t size : {std::size_t{0}, std::size_t{5000}, 2 * kChunkBytes + 3}) {
    Bytes data = random_bytes(size);
    auto put = vault.put(source_of(data));
    ASSERT_TRUE(put.ok());
    objects.emplace_back(put->id, std::move(data));
  }
  const Bytes content_before = read_bytes(vault.object_path(objects[2].first));
  const Bytes key_before = read_bytes(vault.key_path(objects[1].first));
  MasterKey fresh = MasterKey::generate();
  const std::string fresh_id = fresh.id_hex();
  auto report = vault.rotate_master_key(MasterKey::from_bytes(fresh.bytes()).value());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->rewrapped, 3u);
  EXPECT_EQ(report->already, 0u);
  EXPECT_TRUE(report->failed.empty());
  EXPECT_EQ(vault.master_key_id(), fresh_id);
  EXPECT_TRUE(read_bytes(vault.object_path(objects[2].first)) == content_before);
  for (const auto& [id, data] : objects) {
    auto back = get_all(vault, id);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_TRUE(*back == data);
  }
  const Vault with_new = open_vault(dir, fresh);
  const Vault with_old = open_vault(dir, key);
  for (const auto& [id, data] : objects) {
    EXPECT_TRUE(with_new.verify(id).ok());
    expect_corrupt(with_old, id);
  }
  // An interrupted rotation: one key file still wrapped by the old key. Running the rotation
  // again from the old key finishes it.
  const fs::path rotated_key = vault.key_path(objects[1].first);
  write_bytes(rotated_key, key_before);
  ::chmod(rotated_key.c_str(), 0600);
  Vault resumed = open_vault(dir, key);
  auto again = resumed.rotate_master_key(MasterKey::from_bytes(fresh.bytes()).value());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rewrapped, 1u);
  EXPECT_EQ(again->already, 2u);
  for (const auto& [id, data] : objects) EXPECT_TRUE(with_new.verify(id).ok());
}

TEST(MasterKeyTest, KeyFileIsCreatedPrivateAndReadBack) {
  TempDir tmp;
  const fs::path file = tmp.path() / "vault.key";
  auto created = MasterKey::load_or_create(file);
  ASSERT_TRUE(created.ok()) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = MasterKey::load(file);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->id_hex(), created->id_hex());
  EXPECT_EQ(to_hex(loaded->bytes()), to_hex(created->bytes()));
  // A vault opened from the key file reads what another opened from it wrote.
  auto v1 = Vault::open(tmp.path() / "v", file);
  ASSERT_TRUE(v1.ok());
  auto put = v1->put(source_of(Bytes{1, 2, 3}));
  ASSERT_TRUE(put.ok());
  auto v2 = Vault::open(tmp.path() / "v", file);
  ASSERT_TRUE(v2.ok());
  EXPECT_TRUE(v2->verify(put->id).ok());
  // save() never replaces a key file.
  EXPECT_EQ(MasterKey::generate().save(file).error().code, ErrorCode::conflict);
}

TEST(MasterKeyTest, GroupReadableKeyFileIsRefused) {
  TempDir tmp;
  const fs::path file = tmp.path() / "vault.key";
  ASSERT_TRUE(MasterKey::generate().save(file).ok());
  ::chmod(file.c_str(), 0640);
  auto v = Vault::open(tmp.path() / "v", file);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(v.error().message.find("chmod 600"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.path() / "v"));
  ::chmod(file.c_str(), 0604);
  EXPECT_EQ(MasterKey::load(file).error().code, ErrorCode::invalid_argument);
}

TEST(MasterKeyTest, MalformedKeysAreRefusedWithoutEchoingThem) {
  EXPECT_EQ(MasterKey::from_bytes(Bytes(31)).error().code, ErrorCode::invalid_argument);
  const std::string bad(64, 'g');
  auto r = MasterKey::from_hex(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("ggg"), std::string::npos);
  EXPECT_TRUE(MasterKey::from_hex("  " + std::string(64, 'a') + "\n").ok());
  TempDir tmp;
  const fs::path file = tmp.path() / "k";
  write_bytes(file, Bytes{'n', 'o', 'p', 'e'});
  ::chmod(file.c_str(), 0600);
  auto l = MasterKey::load(file);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, ErrorCode::corrupt);
  EXPECT_EQ(l.error().message.find("nope"), std::string::npos);
}

TEST_F(VaultTest, FailedSourceOrLimitStoresNothing) {
  std::size_t calls = 0;
  auto failing = [&calls](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    if (++calls > 5) return make_error(ErrorCode::io, "upload interrupted");
    std::memset(buf.data(), 'x', buf.size());
    return buf.size();
  };
  auto r = vault.put(failing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "upload interrupted");
  const Bytes big = random_bytes(200'000);
  auto limited = vault.put(source_of(big), PutOptions{.max_bytes = 100'000});
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, ErrorCode::limit_exceeded);
  EXPECT_TRUE(vault.list()->empty());
  EXPECT_TRUE(fs::is_empty(dir / "tmp"));
  EXPECT_TRUE(vault.put(source_of(big), PutOptions{.max_bytes = 200'000}).ok());
}

TEST_F(VaultTest, MalformedIdsAreRefused) {
  for (std::string_view id :
       {std::string_view(""), std::string_view("../../etc/passwd"),
        std::string_view("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")}) {
    EXPECT_EQ(get_all(vault, id).error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(vault.destroy(id).error().code, ErrorCode::invalid_argument);
  }
  EXPECT_EQ(get_all(vault, std::string(64, 'a')).error().code, ErrorCode::not_found);
}

long max_rss_kib() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

TEST_F(VaultTest, MemoryStaysBoundedForALargeStream) {
  constexpr std::uint64_t kTotal = 256ULL << 20;
  const long before = max_rss_kib();
  std::uint64_t produced = 0;
  std::uint64_t counter = 0;
  auto generator = [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), kTotal - produced));
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      ++counter;
      std::memcpy(buf.data() + i, &counter, 8);
    }
    produced += n;
    return n;
  };
  auto put = vault.put(generator, PutOptions{.legacy_digests = false});
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(put->size, kTotal);
  std::uint64_t seen = 0;
  auto got = vault.get(put->id, [&seen](std::span<const std::uint8_t> b) -> Status {
    seen += b.size();
    return {};
  });
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(seen, kTotal);
  const long grown_kib = max_rss_kib() - before;
  EXPECT_LT(grown_kib, 64 * 1024) << "resident memory grew by " << grown_kib << " KiB";
  RecordProperty("max_rss_growth_kib", std::to_string(grown_kib));
}

}  // namespace
}  // namespace baove::vault
