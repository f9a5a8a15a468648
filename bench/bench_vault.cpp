// Vault throughput on one core, for a generated stream of --bytes (1 GiB by default):
//   - baseline: the same bytes copied and written to a file in 64 KiB writes, then fsync;
//   - encryption alone: crypto_secretstream_xchacha20poly1305 over the stream in memory;
//   - put() with SHA-256 only, and put() with MD5, SHA-1 and SHA-256 (as ingest runs it),
//     each encrypting, hashing, writing and fsyncing;
//   - get(): reading, authenticating and decrypting to a sink that drops the bytes;
//   - verify(): get() and SHA-256.
// Wall time and this thread's CPU time are both printed; the goal (issue 5) is encryption at
// 1 GB/s or more on one core.
// Usage: bench_vault [--bytes N] [--dir PATH] [--smoke]
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "vault/vault.hpp"

namespace {

using namespace baove;
using Clock = std::chrono::steady_clock;
constexpr double kGoalGBs = 1.0;

struct Options {
  std::uint64_t bytes = 1ULL << 30;
  std::string dir;
};

[[noreturn]] void fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "bench_vault: %s: %s\n", what.c_str(), e.message.c_str());
  std::exit(1);
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
  double wall = 0;
  double cpu = 0;
};

template <typename F>
Timing timed(F&& f) {
  const auto t0 = Clock::now();
  const double c0 = thread_cpu_seconds();
  f();
  return Timing{std::chrono::duration<double>(Clock::now() - t0).count(), thread_cpu_seconds() - c0};
}

// A stream of `total` bytes: a random 64 KiB pattern with a counter stamped into every piece, so
// that no two pieces (and no two runs with different seeds) are equal. Costs one memcpy.
class Generator {
 public:
  Generator(std::uint64_t total, std::uint64_t seed) : total_(total), counter_(seed << 40) {
    pattern_.resize(vault::kChunkBytes);
    randombytes_buf(pattern_.data(), pattern_.size());
  }
  std::size_t read(std::span<std::uint8_t> buf) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), total_ - done_));
    for (std::size_t off = 0; off < n; off += pattern_.size()) {
      const std::size_t m = std::min(pattern_.size(), n - off);
      std::memcpy(buf.data() + off, pattern_.data(), m);
      ++counter_;
      std::memcpy(buf.data() + off, &counter_, std::min<std::size_t>(8, m));
    }
    done_ += n;
    return n;
  }
  vault::Source source() {
    return [this](std::span<std::uint8_t> buf) -> Result<std::size_t> { return read(buf); };
  }

 private:
  std::uint64_t total_;
  std::uint64_t done_ = 0;
  std::uint64_t counter_;
  std::vector<std::uint8_t> pattern_;
};

void print(const char* what, std::uint64_t bytes, const Timing& t) {
  const double gb = static_cast<double>(bytes) / 1e9;
  std::printf("%-44s %7.3f s wall %7.2f GB/s | %7.3f s cpu %7.2f GB/s per core\n", what, t.wall, gb / t.wall,
              t.cpu, gb / t.cpu);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_vault: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smoke") {
      o.bytes = 4ULL << 20;
    } else if (a == "--bytes") {
      o.bytes = std::strtoull(next(), nullptr, 10);
    } else if (a == "--dir") {
      o.dir = next();
    } else {
      std::fprintf(stderr, "usage: bench_vault [--bytes N] [--dir PATH] [--smoke]\n");
      return 2;
    }
  }
  if (o.bytes == 0) {
    std::fprintf(stderr, "bench_vault: --bytes must be positive\n");
    return 2;
  }
  if (sodium_init() < 0) return 1;
  std::filesystem::path dir = o.dir;
  bool made_dir = false;
  if (dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "bench-vault-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "bench_vault: cannot make a temporary directory\n");
      return 1;
    }
    dir = pattern;
    made_dir = true;
  }
  std::printf("bench_vault: %.3f GB generated stream, 64 KiB chunks, one thread, directory %s\n",
              static_cast<double>(o.bytes) / 1e9, dir.c_str());

  // Baseline: copy and write the plain bytes, then fsync.
  {
    Generator gen(o.bytes, 1);
    std::vector<std::uint8_t> buf(vault::kChunkBytes), copy(vault::kChunkBytes);
    const auto path = dir / "baseline.bin";
    const Timing t = timed([&] {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) fail("baseline", make_error(ErrorCode::io, "cannot create file"));
      for (std::size_t n; (n = gen.read(buf)) > 0;) {
        std::memcpy(copy.data(), buf.data(), n);
        if (::write(fd, copy.data(), n) != static_cast<ssize_t>(n)) {
          fail("baseline", make_error(ErrorCode::io, "write failed"));
        }
      }
      if (::fsync(fd) != 0) fail("baseline", make_error(ErrorCode::io, "fsync failed"));
      ::close(fd);
    });
    print("baseline: memcpy + write + fsync", o.bytes, t);
    std::filesystem::remove(path);
  }
  // Encryption alone, in memory.
  double encrypt_only_gbs = 0;
  {
    Generator gen(o.bytes, 2);
    std::vector<std::uint8_t> buf(vault::kChunkBytes),
        out(vault::kChunkBytes + crypto_secretstream_xchacha20poly1305_ABYTES);
    std::array<std::uint8_t, crypto_secretstream_xchacha20poly1305_KEYBYTES> key{};
    crypto_secretstream_xchacha20poly1305_keygen(key.data());
    crypto_secretstream_xchacha20poly1305_state st;
    std::array<std::uint8_t, crypto_secretstream_xchacha20poly1305_HEADERBYTES> header{};
    const Timing t = timed([&] {
      crypto_secretstream_xchacha20poly1305_init_push(&st, header.data(), key.data());
      for (std::size_t n; (n = gen.read(buf)) > 0;) {
        unsigned long long len = 0;
        crypto_secretstream_xchacha20poly1305_push(&st, out.data(), &len, buf.data(), n, nullptr, 0, 0);
      }
    });
    print("encryption alone (secretstream, memory)", o.bytes, t);
    encrypt_only_gbs = static_cast<double>(o.bytes) / 1e9 / t.cpu;
  }

  auto v = vault::Vault::open(dir / "vault", vault::MasterKey::generate());
  if (!v) fail("open", v.error());
  double put_sha256_gbs = 0;
  double put_all_gbs = 0;
  std::string id;
  {
    Generator gen(o.bytes, 3);
    Result<vault::PutResult> r = make_error(ErrorCode::internal, "not run");
    const Timing t = timed([&] { r = v->put(gen.source(), vault::PutOptions{.legacy_digests = false}); });
    if (!r) fail("put", r.error());
    print("put(): encrypt + SHA-256 + write + fsync", o.bytes, t);
    put_sha256_gbs = static_cast<double>(o.bytes) / 1e9 / t.cpu;
    if (auto d = v->destroy(r->id); !d) fail("destroy", d.error());
  }
  {
    Generator gen(o.bytes, 4);
    Result<vault::PutResult> r = make_error(ErrorCode::internal, "not run");
    const Timing t = timed([&] { r = v->put(gen.source()); });
    if (!r) fail("put", r.error());
    print("put(): as above + MD5 + SHA-1", o.bytes, t);
    put_all_gbs = static_cast<double>(o.bytes) / 1e9 / t.cpu;
    id = r->id;
  }
  {
    std::uint64_t seen = 0;
    Result<std::uint64_t> r = make_error(ErrorCode::internal, "not run");
    const Timing t = timed([&] {
      r = v->get(id, [&seen](std::span<const std::uint8_t> b) -> Status {
        seen += b.size();
        return {};
      });
    });
    if (!r) fail("get", r.error());
    if (seen != o.bytes) fail("get", make_error(ErrorCode::internal, "size differs"));
    print("get(): read + authenticate + decrypt", o.bytes, t);
  }
  {
    Status s;
    const Timing t = timed([&] { s = v->verify(id); });
    if (!s) fail("verify", s.error());
    print("verify(): get() + SHA-256", o.bytes, t);
  }
  std::printf(
      "goal: encryption >= %.1f GB/s on one core: encryption alone %.2f GB/s (%s), put() with SHA-256 "
      "%.2f GB/s (%s), put() with all three digests %.2f GB/s (%s)\n",
      kGoalGBs, encrypt_only_gbs, encrypt_only_gbs >= kGoalGBs ? "met" : "NOT met", put_sha256_gbs,
      put_sha256_gbs >= kGoalGBs ? "met" : "NOT met", put_all_gbs,
      put_all_gbs >= kGoalGBs ? "met" : "NOT met");
  if (made_dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
