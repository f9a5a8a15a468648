// Audit log throughput on SQLite (WAL, synchronous=FULL):
//   - audited writes per second, each in its own committed transaction (a row written by the
//     request and its audit event, as a request does);
//   - the same, 100 per transaction;
//   - the cost of append() alone inside an open transaction;
//   - the time to verify a log of --verify-events events.
// Usage: bench_audit [--single N] [--batched N] [--verify-events N] [--dir PATH] [--smoke]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "audit/audit.hpp"
#include "store/store.hpp"

namespace {

using namespace baove;
using Clock = std::chrono::steady_clock;

struct Options {
  long single = 2000;
  long batched = 20000;
  long verify_events = 100000;
  std::string dir;
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

audit::Event event(long i) {
  audit::Event e;
  e.actor = "user-" + std::to_string(i % 97);
  e.unit = "unit-" + std::to_string(i % 7);
  e.roles = {"case_worker"};
  e.session_hash = std::string(64, 'a');
  e.address = "10.1." + std::to_string(i % 200) + ".7";
  e.time = audit::Timestamp(std::chrono::microseconds(1709251200000000LL + i * 1000));
  e.action = audit::Action::read;
  e.object_type = "case";
  e.object_id = "case-" + std::to_string(i);
  e.fields = {"summary", "status", "assigned_to"};
  return e;
}

void fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "bench_audit: %s: %s\n", what.c_str(), e.message.c_str());
  std::exit(1);
}

std::unique_ptr<store::Connection> open_db(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::filesystem::remove(path.string() + "-wal", ec);
  std::filesystem::remove(path.string() + "-shm", ec);
  auto c = store::open("sqlite:" + path.string());
  if (!c) fail("open", c.error());
  if (auto m = audit::migrate(**c); !m) fail("migrate", m.error());
  if (auto s = (*c)->exec_script("CREATE TABLE work (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)"); !s) {
    fail("create table", s.error());
  }
  return std::move(*c);
}

// Writes `n` requests' worth of work, `per_tx` to a transaction; with `audited`, each also
// appends its event. Returns seconds.
double run_writes(store::Connection& c, const audit::Log& log, long n, long per_tx, bool audited,
                  long offset) {
  const auto t0 = Clock::now();
  for (long i = 0; i < n; i += per_tx) {
    if (auto b = c.begin(); !b) fail("begin", b.error());
    for (long j = i; j < std::min(n, i + per_tx); ++j) {
      const store::Value p[] = {std::string("payload-") + std::to_string(j)};
      if (auto w = c.execute("INSERT INTO work (payload) VALUES ($1)", p); !w) fail("insert", w.error());
      if (audited) {
        if (auto a = log.append(c, event(offset + j)); !a) fail("append", a.error());
      }
    }
    if (auto m = c.commit(); !m) fail("commit", m.error());
  }
  return seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_audit: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smoke") {
      o.single = 100;
      o.batched = 1000;
      o.verify_events = 3000;
    } else if (a == "--single") {
      o.single = std::atol(next());
    } else if (a == "--batched") {
      o.batched = std::atol(next());
    } else if (a == "--verify-events") {
      o.verify_events = std::atol(next());
    } else if (a == "--dir") {
      o.dir = next();
    } else {
      std::fprintf(
          stderr,
          "usage: bench_audit [--single N] [--batched N] [--verify-events N] [--dir PATH] [--smoke]\n");
      return 2;
    }
  }
  if (o.single < 1 || o.batched < 100 || o.verify_events < 1) {
    std::fprintf(stderr, "bench_audit: sizes must be positive (--batched at least 100)\n");
    return 2;
  }
  std::filesystem::path dir = o.dir;
  bool made_dir = false;
  if (dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "bench-audit-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "bench_audit: cannot make a temporary directory\n");
      return 1;
    }
    dir = pattern;
    made_dir = true;
  }
  const audit::Log log(audit::SigningKey::generate(), audit::LogOptions{dir / "checkpoints.log"});
  std::printf("bench_audit: SQLite, WAL, synchronous=FULL, directory %s\n", dir.c_str());

  {
    auto c = open_db(dir / "single.db");
    const double bare = run_writes(*c, log, o.single, 1, false, 0);
    const double audited = run_writes(*c, log, o.single, 1, true, 0);
    std::printf(
        "one write per transaction:  %8.0f writes/s without audit, %8.0f audited writes/s (%ld each)\n",
        static_cast<double>(o.single) / bare, static_cast<double>(o.single) / audited, o.single);
  }
  {
    auto c = open_db(dir / "batched.db");
    const double bare = run_writes(*c, log, o.batched, 100, false, 0);
    const double audited = run_writes(*c, log, o.batched, 100, true, 0);
    const double per_append_us = (audited - bare) / static_cast<double>(o.batched) * 1e6;
    std::printf(
        "100 writes per transaction: %8.0f writes/s without audit, %8.0f audited writes/s (%ld each)\n",
        static_cast<double>(o.batched) / bare, static_cast<double>(o.batched) / audited, o.batched);
    std::printf("append() inside a transaction: %.1f us per event\n", per_append_us);
  }
  {
    auto c = open_db(dir / "verify.db");
    (void)run_writes(*c, log, o.verify_events, 1000, true, 0);
    auto cp = log.checkpoint(*c, audit::Timestamp(std::chrono::microseconds(1709251200000000LL)));
    if (!cp) fail("checkpoint", cp.error());
    const auto t0 = Clock::now();
    auto report = audit::verify(*c, log.public_key());
    const double secs = seconds_since(t0);
    if (!report) fail("verify", report.error());
    if (!report->ok() || report->events != o.verify_events) {
      std::fprintf(stderr, "bench_audit: verify found problems in an untouched log\n");
      return 1;
    }
    std::printf("verify %ld events: %.3f s (%.0f events/s)\n", o.verify_events, secs,
                static_cast<double>(o.verify_events) / secs);
  }
  if (made_dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
