// `baove hash`: PDQ and MD5/SHA-1/SHA-256 of images, in the reference's `hash,quality,path`
// lines or as JSON objects, in input order whatever the number of threads.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "hash/hasher.hpp"
#include "util/file.hpp"

namespace baove::cli {
namespace {

namespace fs = std::filesystem;
using hash::FileHashes;

struct HashArgs {
  std::vector<std::string> paths;
  bool json = false;
  bool dihedral = false;
  bool exif_orientation = false;
  bool fast = false;
  bool from_stdin = false;
  bool quiet = false;
  unsigned threads = 0;
  std::uint64_t max_pixels = 100'000'000;
};

// One unit of work: a path, and whether it was found by walking a directory (then a file that is
// not an image at all is skipped rather than reported).
struct Job {
  std::string path;
  bool from_walk = false;
};

// What a job prints: standard output text, an error line, or a silent skip.
struct Outcome {
  std::string out;
  std::string err;
  bool failed = false;
  bool skipped = false;
};

std::string format_outcome_text(const HashArgs& a, const std::string& path, const FileHashes& h) {
  std::string s;
  if (a.json) {
    nlohmann::json j;
    j["path"] = path;
    j["pdq"] = h.pdq.hash.to_hex();
    j["quality"] = h.pdq.quality;
    if (h.digests) {
      j["md5"] = h.digests->md5_hex();
      j["sha1"] = h.digests->sha1_hex();
      j["sha256"] = h.digests->sha256_hex();
    }
    j["width"] = h.info.stored_width;
    j["height"] = h.info.stored_height;
    j["format"] = hash::to_string(h.info.format);
    if (a.exif_orientation) j["orientation"] = h.info.orientation;
    if (a.dihedral) {
      static constexpr const char* kNames[] = {"original", "rot90", "rot180",    "rot270",
                                               "flipx",    "flipy", "flipplus1", "flipminus1"};
      nlohmann::json d = nlohmann::json::object();
      for (int k = 0; k < hash::kDihedralCount; ++k)
        d[kNames[k]] = h.dihedral[static_cast<std::size_t>(k)].hash.to_hex();
      j["dihedral"] = d;
    }
    s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    s += '\n';
    return s;
  }
  auto line = [&](const hash::PdqResult& r) {
    s += r.hash.to_hex();
    s += ',';
    s += std::to_string(r.quality);
    s += ',';
    s += path;
    s += '\n';
  };
  if (a.dihedral) {
    for (const auto& r : h.dihedral) line(r);
  } else {
    line(h.pdq);
  }
  return s;
}

Outcome run_job(const HashArgs& a, hash::Hasher& hasher, const Job& job) {
  Outcome o;
  auto file = MappedFile::open(job.path, hasher.options().max_file_bytes);
  if (!file) {
    o.failed = true;
    o.err = "baove: " + file.error().message + "\n";
    return o;
  }
  if (job.from_walk && hash::sniff_format(file->bytes()) == hash::ImageFormat::unknown) {
    o.skipped = true;
    return o;
  }
  auto r = hasher.hash_bytes(file->bytes());
  if (!r) {
    o.failed = true;
    o.err = "baove: " + job.path + ": " + r.error().message + "\n";
    return o;
  }
  o.out = format_outcome_text(a, job.path, *r);
  return o;
}

// Expands the command line's paths: files as given, directories walked in sorted order.
void expand(const std::string& p, std::vector<Job>& jobs, std::vector<std::string>& errors) {
  std::error_code ec;
  if (!fs::is_directory(p, ec)) {
    jobs.push_back({p, false});
    return;
  }
  std::vector<std::string> found;
  for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2)) found.push_back(it->path().string());
  }
  if (ec) errors.push_back("baove: " + p + ": " + ec.message() + "\n");
  std::sort(found.begin(), found.end());
  for (auto& f : found) jobs.push_back({std::move(f), true});
}

// A progress line on standard error, only when it is a terminal and the work takes a while.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO)) {}
  void update(std::size_t done, std::optional<std::size_t> total) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 1.0 || now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    shown_ = true;
    const double rate = static_cast<double>(done) / elapsed;
    if (total && *total > 0) {
      const int width = 30;
      const int filled = static_cast<int>(static_cast<double>(width) * static_cast<double>(done) /
                                          static_cast<double>(*total));
      std::fprintf(stderr, "\r[%s%s] %zu/%zu images, %.1f/s ",
                   std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(width - filled), '.').c_str(), done, *total, rate);
    } else {
      std::fprintf(stderr, "\r%zu images, %.1f/s ", done, rate);
    }
    std::fflush(stderr);
  }
  void finish() {
    if (shown_) std::fputs("\r\033[K", stderr);
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

// Runs jobs on `threads` workers and prints outcomes in input order. `next` yields jobs until
// it returns nullopt. Returns the exit code.
template <typename Next>
int run_all(const HashArgs& a, const hash::HashOptions& opts, unsigned threads, Next next,
            std::optional<std::size_t> total) {
  Progress progress(!a.quiet);
  std::size_t done = 0, skipped = 0;
  bool any_failed = false;
  auto emit = [&](const Outcome& o) {
    if (!o.out.empty()) std::fwrite(o.out.data(), 1, o.out.size(), stdout);
    if (!o.err.empty()) {
      std::fflush(stdout);
      progress.finish();
      std::fwrite(o.err.data(), 1, o.err.size(), stderr);
    }
    any_failed |= o.failed;
    skipped += o.skipped ? 1 : 0;
    progress.update(++done, total);
  };

  if (threads <= 1) {
    hash::Hasher hasher(opts);
    while (auto job = next()) emit(run_job(a, hasher, *job));
  } else {
    std::mutex mu;
    std::condition_variable cv_work, cv_done;
    std::deque<std::pair<std::size_t, Job>> queue;
    std::map<std::size_t, Outcome> ready;
    bool closed = false;
    const std::size_t window = threads * 8;  // jobs in flight: bounds memory
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        hash::Hasher hasher(opts);
        for (;;) {
          std::pair<std::size_t, Job> item;
          {
            std::unique_lock lk(mu);
            cv_work.wait(lk, [&] { return closed || !queue.empty(); });
            if (queue.empty()) return;
            item = std::move(queue.front());
            queue.pop_front();
          }
          Outcome o = run_job(a, hasher, item.second);
          {
            std::lock_guard lk(mu);
            ready.emplace(item.first, std::move(o));
          }
          cv_done.notify_one();
        }
      });
    }
    std::size_t submitted = 0, printed = 0;
    auto drain = [&](std::unique_lock<std::mutex>& lk, bool all) {
      for (;;) {
        auto it = ready.find(printed);
        if (it == ready.end()) {
          if (printed == submitted || (!all && submitted - printed < window)) return;
          cv_done.wait(lk);
          continue;
        }
        Outcome o = std::move(it->second);
        ready.erase(it);
        ++printed;
        lk.unlock();
        emit(o);
        lk.lock();
      }
    };
    while (auto job = next()) {
      std::unique_lock lk(mu);
      queue.emplace_back(submitted++, std::move(*job));
      cv_work.notify_one();
      drain(lk, false);
    }
    {
      std::unique_lock lk(mu);
      closed = true;
      cv_work.notify_all();
      drain(lk, true);
    }
    for (auto& w : workers) w.join();
  }
  progress.finish();
  std::fflush(stdout);
  if (skipped > 0 && !a.quiet)
    std::fprintf(stderr, "baove: skipped %zu %s\n", skipped,
                 skipped == 1 ? "file that is not an image" : "files that are not images");
  return any_failed ? 1 : 0;
}

int run_hash(const HashArgs& a) {
  hash::HashOptions opts;
  opts.fast = a.fast;
  opts.dihedral = a.dihedral;
  opts.exif_orientation = a.exif_orientation;
  opts.digests = a.json;  // the default text output carries PDQ alone
  opts.decode.max_pixels = a.max_pixels;
  const unsigned threads = a.threads ? a.threads : std::max(1u, std::thread::hardware_concurrency());

  if (a.from_stdin) {
    std::string line;
    auto next = [&]() -> std::optional<Job> {
      while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) return Job{line, false};
      }
      return std::nullopt;
    };
    return run_all(a, opts, threads, next, std::nullopt);
  }
  std::vector<Job> jobs;
  std::vector<std::string> errors;
  for (const auto& p : a.paths) expand(p, jobs, errors);
  for (const auto& e : errors) std::fputs(e.c_str(), stderr);
  std::size_t i = 0;
  auto next = [&]() -> std::optional<Job> {
    if (i >= jobs.size()) return std::nullopt;
    return std::move(jobs[i++]);
  };
  int rc = run_all(a, opts, threads, next, jobs.size());
  return errors.empty() ? rc : 1;
}

}  // namespace

void register_hash(CLI::App& app, Registry& registry) {
  auto args = std::make_shared<HashArgs>();
  auto* cmd = app.add_subcommand("hash", "PDQ and MD5/SHA-1/SHA-256 of images");
  cmd->footer(
      "Output: `pdq,quality,path` lines as Meta's reference hasher prints them, or with --json one object "
      "per\n"
      "line: path, pdq, quality, md5, sha1, sha256, width, height, format. Directories are walked; files in\n"
      "them that are not images are skipped. A file that cannot be hashed gets one line on standard error "
      "and\n"
      "the exit status is 1 at the end; the other files are still hashed.");
  cmd->add_option("paths", args->paths, "Image files or directories");
  cmd->add_flag("--json", args->json, "One JSON object per line, with the digests");
  cmd->add_flag("--dihedral", args->dihedral, "The 8 dihedral PDQ hashes (rotations and flips)");
  cmd->add_flag("--exif-orientation", args->exif_orientation,
                "Turn the image upright per its EXIF orientation first (off: comparable with partners)");
  cmd->add_flag("--fast", args->fast, "Faster, near-identical hashes: JPEGs decoded at reduced size");
  cmd->add_flag("-i,--stdin", args->from_stdin, "Read paths from standard input, one per line");
  cmd->add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--max-pixels", args->max_pixels, "Refuse images with more pixels than this")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  cmd->add_flag("-q,--quiet", args->quiet, "No progress bar or summary on standard error");
  cmd->callback([args, &registry] {
    if (args->paths.empty() && !args->from_stdin) throw CLI::RequiredError("paths (or -i)");
    registry.exit_code = run_hash(*args);
  });
}

}  // namespace baove::cli
