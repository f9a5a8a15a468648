// Benchmark of the store (store/store.hpp) on both engines.
//
//   bench_store [--seconds S] [--smoke] [--postgres-url URL] [--no-postgres] [--dir DIR]
//
// For each engine it prints single-row INSERT commits per second (each INSERT its own durable
// transaction: SQLite in WAL with synchronous=FULL; PostgreSQL with fsync on) and point SELECTs
// by primary key per second, on one connection. SQLite's file goes in --dir (default: the
// temporary directory), since the figure is the disk's fsync rate. PostgreSQL is a throw-away
// server with durable settings (tests/support/postgres_server.hpp) unless --postgres-url names
// one. The line "target: ..." states whether SQLite reaches the platform's 2,000 durable audited
// writes per second at the raw store level. --smoke runs a fraction of a second per figure.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "store/store.hpp"
#include "support/postgres_server.hpp"

namespace {

using baove::store::Connection;
using baove::store::Value;
using Clock = std::chrono::steady_clock;

constexpr double kTargetWritesPerSecond = 2000;

struct Figures {
  double commits_per_s = 0;
  double selects_per_s = 0;
  long commits = 0;
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool run(const std::string& label, Connection& c, double seconds, Figures& out) {
  const char* blob_type = c.engine() == baove::store::Engine::postgresql ? "BYTEA" : "BLOB";
  auto s =
      c.exec_script(std::string("DROP TABLE IF EXISTS bench_rows; CREATE TABLE bench_rows (id BIGINT PRIMARY "
                                "KEY, kind TEXT NOT NULL, at BIGINT NOT NULL, body ") +
                    blob_type + ")");
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", label.c_str(), s.error().message.c_str());
    return false;
  }
  const baove::store::Blob body(120, 0x5A);
  std::int64_t id = 0;
  auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    for (int k = 0; k < 20; ++k) {
      ++id;
      const Value params[] = {id, std::string("case.update"), id * 1000, body};
      auto r = c.execute("INSERT INTO bench_rows (id, kind, at, body) VALUES ($1, $2, $3, $4)", params);
      if (!r.ok()) {
        std::fprintf(stderr, "%s insert: %s\n", label.c_str(), r.error().message.c_str());
        return false;
      }
    }
  }
  out.commits = static_cast<long>(id);
  out.commits_per_s = static_cast<double>(id) / seconds_since(start);

  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::int64_t> pick(1, id);
  long selects = 0;
  start = Clock::now();
  while (seconds_since(start) < seconds) {
    for (int k = 0; k < 100; ++k, ++selects) {
      const Value params[] = {pick(rng)};
      auto r = c.query("SELECT kind, at, body FROM bench_rows WHERE id = $1", params);
      if (!r.ok() || r->size() != 1) {
        std::fprintf(stderr, "%s select: %s\n", label.c_str(),
                     r.ok() ? "row missing" : r.error().message.c_str());
        return false;
      }
    }
  }
  out.selects_per_s = static_cast<double>(selects) / seconds_since(start);
  std::printf("%-11s single-row INSERT commits: %8.0f /s (%ld rows)   point SELECTs: %9.0f /s\n",
              label.c_str(), out.commits_per_s, out.commits, out.selects_per_s);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  bool smoke = false;
  bool postgres = true;
  std::string postgres_url;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--smoke") {
      smoke = true;
      seconds = 0.3;
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--postgres-url" && i + 1 < argc) {
      postgres_url = argv[++i];
    } else if (a == "--no-postgres") {
      postgres = false;
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(
          stderr,
          "usage: bench_store [--seconds S] [--smoke] [--postgres-url URL] [--no-postgres] [--dir DIR]\n");
      return 2;
    }
  }
  std::printf("bench_store: %.1f s per figure, one connection, each INSERT its own transaction\n", seconds);

  // SQLite: a fresh file.
  std::string pattern = (dir / "baove-bench-store-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "mkdtemp %s: %s\n", pattern.c_str(), std::strerror(errno));
    return 1;
  }
  const std::filesystem::path sqlite_dir = pattern;
  Figures sqlite;
  bool ok = true;
  {
    auto c = baove::store::open("sqlite:" + (sqlite_dir / "bench.db").string());
    if (!c.ok()) {
      std::fprintf(stderr, "sqlite: %s\n", c.error().message.c_str());
      return 1;
    }
    ok = run("sqlite", **c, seconds, sqlite);
  }
  std::error_code ec;
  std::filesystem::remove_all(sqlite_dir, ec);
  if (!ok) return 1;
  std::printf("target: %.0f durable audited writes/s on SQLite (raw store, %s): %s (%.0f /s)\n",
              kTargetWritesPerSecond, sqlite_dir.parent_path().c_str(),
              sqlite.commits_per_s >= kTargetWritesPerSecond ? "reached" : "NOT reached",
              sqlite.commits_per_s);

  if (postgres) {
    std::unique_ptr<baove::testing::PostgresServer> server;
    if (postgres_url.empty()) {
      auto started =
          baove::testing::PostgresServer::start(baove::testing::PostgresServer::Options{.durable = true});
      if (!started.ok()) {
        std::fprintf(stderr, "postgresql: %s\n", started.error().message.c_str());
        return 1;
      }
      server = std::move(*started);
      postgres_url = server->url();
      std::printf("postgresql: throw-away local server, fsync on, over TCP loopback\n");
    }
    auto c = baove::store::open(postgres_url);
    if (!c.ok()) {
      std::fprintf(stderr, "postgresql: %s\n", c.error().message.c_str());
      return 1;
    }
    Figures pg;
    if (!run("postgresql", **c, seconds, pg)) return 1;
    (void)(*c)->exec_script("DROP TABLE bench_rows");
  }
  if (smoke) std::printf("(smoke run: figures at this length are indicative only)\n");
  return 0;
}
