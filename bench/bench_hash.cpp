// Hashing speed: exact PDQ against decoding alone, the PDQ arithmetic, --fast against exact,
// and two threads against one. Prints each figure beside the target it is held to.
//
//   bench_hash [--dir DIR] [--seconds S] [--smoke]
// DIR defaults to the shared test vectors; JPEGs of 1 megapixel and more and every PNG are used.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hash/hasher.hpp"
#include "util/file.hpp"

namespace {

using namespace baove;
using Clock = std::chrono::steady_clock;

struct Sample {
  std::string path;
  std::vector<std::uint8_t> bytes;
  hash::ImageFormat format;
  std::uint64_t pixels;
};

class NullSink final : public hash::RowSink {
 public:
  Status begin(const hash::ImageInfo&) override { return {}; }
  void row(std::uint32_t, const std::uint8_t* px) override { sink_ ^= px[0]; }
  std::uint8_t sink_ = 0;
};

// This thread's CPU time in seconds: single-thread figures use it so that other processes on the
// machine do not distort them.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `fn` over the set repeatedly for at least `seconds` of this thread's CPU time; returns
// images per CPU second (wall = false) or per wall-clock second (wall = true).
double rate(const std::vector<const Sample*>& set, double seconds,
            const std::function<void(const Sample&)>& fn, bool wall = false) {
  std::size_t n = 0;
  const double c0 = thread_cpu_seconds();
  const auto t0 = Clock::now();
  double el = 0;
  do {
    for (const Sample* s : set) fn(*s), ++n;
    el = wall ? std::chrono::duration<double>(Clock::now() - t0).count() : thread_cpu_seconds() - c0;
  } while (el < seconds);
  return static_cast<double>(n) / el;
}

void verdict(const char* what, double got, const char* op, double target) {
  const bool ok = std::strcmp(op, ">=") == 0 ? got >= target : got <= target;
  std::printf("  %-58s %10.3f  (target %s %g)  %s\n", what, got, op, target, ok ? "PASS" : "FAIL");
}

double djpeg_rate(const std::vector<const Sample*>& set) {
  // libjpeg-turbo's own command-line decoder on the same files, output discarded.
  if (access("/usr/bin/djpeg", X_OK) != 0) return 0;
  auto t0 = Clock::now();
  for (const Sample* s : set) {
    pid_t pid = fork();
    if (pid == 0) {
      execl("/usr/bin/djpeg", "djpeg", "-outfile", "/dev/null", s->path.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
  }
  return static_cast<double>(set.size()) / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = std::string(BAOVE_SHARED_DIR) + "/pdq-vectors/images";
  double seconds = 3.0;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--seconds" && i + 1 < argc)
      seconds = std::stod(argv[++i]);
    else if (a == "--smoke")
      smoke = true, seconds = 0.05;
    else {
      std::fprintf(stderr, "usage: bench_hash [--dir DIR] [--seconds S] [--smoke]\n");
      return 2;
    }
  }

  std::vector<Sample> samples;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto bytes = read_file(e.path());
    if (!bytes) continue;
    auto fmt = hash::sniff_format(*bytes);
    if (fmt != hash::ImageFormat::jpeg && fmt != hash::ImageFormat::png) continue;
    auto img = hash::decode_image(*bytes);
    if (!img) continue;
    const std::uint64_t px = std::uint64_t{img->info.width} * img->info.height;
    if (fmt == hash::ImageFormat::jpeg && px < 1'000'000) continue;
    samples.push_back({e.path().string(), std::move(*bytes), fmt, px});
  }
  std::sort(samples.begin(), samples.end(), [](auto& a, auto& b) { return a.path < b.path; });
  std::vector<const Sample*> jpegs, jpegs2mp, pngs;
  for (auto& s : samples) {
    if (s.format == hash::ImageFormat::jpeg) jpegs.push_back(&s);
    if (s.format == hash::ImageFormat::jpeg && s.pixels >= 2'000'000) jpegs2mp.push_back(&s);
    if (s.format == hash::ImageFormat::png) pngs.push_back(&s);
  }
  if (jpegs.empty()) {
    std::fprintf(stderr, "no JPEG of 1 megapixel or more under %s\n", dir.c_str());
    return 1;
  }
  double mp = 0;
  for (auto* s : jpegs) mp += static_cast<double>(s->pixels) / 1e6;
  std::printf(
      "Hashing benchmark: %zu JPEGs (1-12 MP, mean %.1f MP), %zu PNGs, from %s; one core unless stated\n",
      jpegs.size(), mp / static_cast<double>(jpegs.size()), pngs.size(), dir.c_str());

  hash::HashOptions exact_opts;
  exact_opts.digests = false;  // the default `baove hash` output: PDQ alone
  hash::Hasher exact(exact_opts);
  hash::HashOptions fast_opts = exact_opts;
  fast_opts.fast = true;
  hash::Hasher fast(fast_opts);
  NullSink null;
  auto decode_only = [&](const Sample& s) { (void)hash::decode(s.bytes, {}, null); };
  auto hash_exact = [&](const Sample& s) { (void)exact.hash_bytes(s.bytes); };
  auto hash_fast = [&](const Sample& s) { (void)fast.hash_bytes(s.bytes); };

  // Warm caches and allocators once.
  for (const auto& s : samples) hash_exact(s), hash_fast(s), decode_only(s);

  std::printf("\nExact mode against decoding alone (same files, in memory)\n");
  const double dec_j = rate(jpegs, seconds, decode_only);
  const double ex_j = rate(jpegs, seconds, hash_exact);
  std::printf("  JPEG decode alone (libjpeg-turbo, in process)   %8.2f images/s\n", dec_j);
  const double dj = smoke ? 0 : djpeg_rate(jpegs);
  if (dj > 0) std::printf("  JPEG decode by djpeg (process per file)        %8.2f images/s\n", dj);
  std::printf("  JPEG exact PDQ                                  %8.2f images/s\n", ex_j);
  verdict("JPEG: exact time / decode-alone time", dec_j / ex_j, "<=", 1.15);
  if (!pngs.empty()) {
    const double dec_p = rate(pngs, seconds, decode_only);
    const double ex_p = rate(pngs, seconds, hash_exact);
    std::printf("  PNG decode alone (libpng)                       %8.2f images/s\n", dec_p);
    std::printf("  PNG exact PDQ                                   %8.2f images/s\n", ex_p);
    verdict("PNG: exact time / decode-alone time", dec_p / ex_p, "<=", 1.15);
  }
  std::printf(
      "  The reference command-line hasher was measured at about 2.4 images/s on such files (ImageMagick\n"
      "  decoding), the reference code with decoders linked in at about 12 images/s.\n");
  verdict("JPEG exact images/s / 2.4 (reference CLI)", ex_j / 2.4, ">=", 10);

  std::printf("\nPDQ arithmetic after decoding (512x512 luminance)\n");
  {
    std::mt19937 rng(1);
    std::vector<float> luma(512 * 512);
    for (auto& v : luma) v = static_cast<float>(rng() % 256);
    hash::PdqWorkspace ws;
    (void)hash::pdq_from_luma(luma.data(), 512, 512, ws);
    int n = 0;
    const double c0 = thread_cpu_seconds();
    double el = 0;
    do {
      (void)hash::pdq_from_luma(luma.data(), 512, 512, ws);
      ++n;
      el = thread_cpu_seconds() - c0;
    } while (el < seconds / 2);
    verdict("ms per 512x512 image", 1000.0 * el / n, "<=", 1.0);
  }

  if (!jpegs2mp.empty()) {
    std::printf("\n--fast against exact on JPEGs of 2 megapixels and more (%zu files)\n", jpegs2mp.size());
    const double ex2 = rate(jpegs2mp, seconds, hash_exact);
    const double fa2 = rate(jpegs2mp, seconds, hash_fast);
    std::printf("  exact %8.2f images/s, fast %8.2f images/s\n", ex2, fa2);
    verdict("fast / exact", fa2 / ex2, ">=", 2.5);
  }

  std::printf("\nThreads (exact mode, JPEGs): each thread its own Hasher\n");
  {
    auto run_threads = [&](unsigned t) {
      std::vector<std::thread> ths;
      std::vector<double> rates(t);
      for (unsigned k = 0; k < t; ++k) {
        ths.emplace_back([&, k] {
          hash::Hasher h(exact_opts);
          // Each thread starts at a different file so they don't run in lockstep.
          std::vector<const Sample*> order = jpegs;
          std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k % order.size()),
                      order.end());
          rates[k] = rate(
              order, seconds, [&](const Sample& s) { (void)h.hash_bytes(s.bytes); }, true);
        });
      }
      for (auto& th : ths) th.join();
      double sum = 0;
      for (double r : rates) sum += r;
      return sum;
    };
    const double one = run_threads(1);
    const double two = run_threads(2);
    std::printf("  1 thread %8.2f images/s, 2 threads %8.2f images/s (%u cores here)\n", one, two,
                std::thread::hardware_concurrency());
    verdict("2 threads / 1 thread", two / one, ">=", 1.8);
  }
  return 0;
}
