// The server end to end: `baove serve`'s components (Platform, Api, http::Server) in this
// process on 127.0.0.1, loaded by Debian's wrk over loopback.
//   - An authenticated, audited JSON read of one record (GET /api/v1/users/{id}) with an
//     administrator's session cookie, then the same route on a second server over the same data
//     with read auditing switched off (ApiOptions::audit_reads): requests/s, p50 and p99, and
//     what the audit event costs. Goals: >= 15,000 requests/s and p99 < 10 ms at 64 connections
//     on two cores; auditing costs <= 25%.
//   - Audited writes on SQLite (POST /api/v1/units with unique names and the CSRF header; each
//     creates a unit and its audit event in one durable transaction): writes/s. Goal: >= 2,000.
// After each run the database is checked: an audited run added at least one audit event per
// answered read, an unaudited one none, and every acknowledged (201) unit is stored.
//
// wrk runs as a child process with its own threads, on the same cores as the server.
// Usage: bench_server [--seconds N] [--write-seconds N] [--connections N] [--wrk-threads N]
//                     [--workers N] [--no-access-log] [--log PATH] [--wrk PATH] [--dir PATH] [--smoke]
// --log: where the server's log lines go (default /dev/null: formatted and written, not kept).
// Exit status: 0 when every run answered as expected (the goals are reported, not enforced),
// 1 on a failure, 2 on a usage error, 77 when wrk is missing (skipped).
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/api.hpp"
#include "auth/auth.hpp"
#include "auth/totp.hpp"
#include "http/server.hpp"
#include "platform/platform.hpp"
#include "support/http_client.hpp"

extern char** environ;

namespace {

using namespace baove;
namespace fs = std::filesystem;

constexpr int kSkipped = 77;

struct Options {
  int seconds = 10;
  int write_seconds = 10;
  int connections = 64;
  int wrk_threads = 2;
  std::size_t workers = 64;
  bool access_log = true;
  bool smoke = false;
  std::string wrk = "/usr/bin/wrk";
  std::string dir;
  std::string log = "/dev/null";  // the server's log lines
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench_server: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r.ok()) fail(what + ": " + r.error().message);
  return std::move(*r);
}

void must(const Status& s, const std::string& what) {
  if (!s.ok()) fail(what + ": " + s.error().message);
}

// ---------------------------------------------------------------- wrk

struct WrkResult {
  double requests_per_s = 0;
  long requests = 0;
  long non_2xx = 0;
  long socket_errors = 0;
  double p50_ms = -1, p75_ms = -1, p90_ms = -1, p99_ms = -1;
  double client_cpu_s = 0;  // wrk's user + system time
  std::string statuses;     // "500 x3, ..." when the script counts unexpected answers
  std::string output;
};

// "1.23ms", "512.00us", "1.02s", "2.00m" in milliseconds; -1 when unreadable.
double duration_ms(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return -1;
  const std::string unit(end);
  if (unit == "us") return v / 1000.0;
  if (unit == "ms") return v;
  if (unit == "s") return v * 1000.0;
  if (unit == "m") return v * 60'000.0;
  if (unit == "h") return v * 3'600'000.0;
  return -1;
}

// "12.3k" style counts are only in the thread table; totals are plain numbers.
WrkResult parse_wrk(const std::string& out) {
  WrkResult r;
  r.output = out;
  std::size_t pos = 0;
  while (pos < out.size()) {
    const auto nl = out.find('\n', pos);
    std::string line = out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? out.size() : nl + 1;
    const auto first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    line.erase(0, first);
    char word[64] = {};
    if (line.rfind("status ", 0) == 0) {
      r.statuses += (r.statuses.empty() ? "" : ", ") + line.substr(7);
    } else if (line.rfind("Requests/sec:", 0) == 0) {
      r.requests_per_s = std::strtod(line.c_str() + 13, nullptr);
    } else if (line.rfind("Non-2xx or 3xx responses:", 0) == 0) {
      r.non_2xx = std::strtol(line.c_str() + 25, nullptr, 10);
    } else if (line.rfind("Socket errors:", 0) == 0) {
      long c = 0, rd = 0, w = 0, t = 0;
      if (std::sscanf(line.c_str(), "Socket errors: connect %ld, read %ld, write %ld, timeout %ld", &c, &rd,
                      &w, &t) == 4) {
        r.socket_errors = c + rd + w + t;
      }
    } else if (line.find(" requests in ") != std::string::npos) {
      r.requests = std::strtol(line.c_str(), nullptr, 10);
    } else if (std::sscanf(line.c_str(), "50%% %63s", word) == 1) {
      r.p50_ms = duration_ms(word);
    } else if (std::sscanf(line.c_str(), "75%% %63s", word) == 1) {
      r.p75_ms = duration_ms(word);
    } else if (std::sscanf(line.c_str(), "90%% %63s", word) == 1) {
      r.p90_ms = duration_ms(word);
    } else if (std::sscanf(line.c_str(), "99%% %63s", word) == 1) {
      r.p99_ms = duration_ms(word);
    }
  }
  return r;
}

double cpu_seconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Runs wrk with a Lua script against `url`; fails the benchmark when wrk cannot run.
WrkResult run_wrk(const Options& o, const std::string& script, const std::string& url, int seconds,
                  const fs::path& dir) {
  const fs::path script_path = dir / "wrk-script.lua";
  {
    std::ofstream f(script_path);
    f << script;
    if (!f) fail("cannot write " + script_path.string());
  }
  const std::vector<std::string> args = {o.wrk,
                                         "--threads",
                                         std::to_string(o.wrk_threads),
                                         "--connections",
                                         std::to_string(o.connections),
                                         "--duration",
                                         std::to_string(seconds) + "s",
                                         "--timeout",
                                         "10s",
                                         "--latency",
                                         "--script",
                                         script_path.string(),
                                         url};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, o.wrk.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    fail("cannot run " + o.wrk + ": " + std::strerror(rc));
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) fail("waiting for wrk");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("wrk failed:\n" + out);
  WrkResult r = parse_wrk(out);
  r.client_cpu_s = cpu_seconds(usage);
  if (r.requests_per_s <= 0 || r.p99_ms < 0) fail("cannot read wrk's report:\n" + out);
  return r;
}

// ---------------------------------------------------------------- the server in this process

struct Session {
  std::string user_id;
  std::string token;
  std::string csrf;
};

struct Setup {
  Session admin;
  std::string root_unit;
  std::string target_user;  // the record the reads fetch
};

// First start, then the administrator's setup as a person does it: log in with the one-time
// password, change it, enrol TOTP and confirm a code. The session becomes a full one.
Setup set_up(platform::Platform& p) {
  auto boot = must(p.bootstrap(), "first start");
  if (!boot) fail("the data directory was not fresh");
  auth::Service svc(p.db(), p.audit_log(), p.auth_options());
  auto login = must(svc.login({boot->username, boot->one_time_password, "", ""}), "login");
  Setup s;
  s.admin = {login.user_id, login.session_token, login.csrf_token};
  must(svc.change_password(login.user_id, boot->one_time_password, "bench-server password 2024", ""),
       "change password");
  auto enrol = must(svc.begin_totp(login.user_id), "begin TOTP");
  auto secret = must(auth::totp::base32_decode(enrol.secret_base32), "TOTP secret");
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  must(svc.confirm_totp(login.user_id, auth::totp::code_at(secret, now), ""), "confirm TOTP");
  auto units = must(svc.list_units(), "list units");
  if (units.empty()) fail("no root unit");
  s.root_unit = units.front().id;
  auto admin = must(svc.get_user(login.user_id), "read administrator");
  auth::Actor actor{admin.id, admin.unit_id, {"administrator"}, ""};
  auto target = must(svc.create_user(actor, "bench.reader", s.root_unit, auth::random_password(), true),
                     "create the record to read");
  must(svc.grant_role(actor, target.id, {auth::Role::counsellor, auth::Scope::own}), "grant");
  s.target_user = target.id;
  return s;
}

std::int64_t count(platform::Platform& p, const char* table) {
  auto rows = must(p.db().query(std::string("SELECT COUNT(*) FROM ") + table), "count rows");
  return rows.empty() ? 0 : rows.front().integer(0);
}

// One server (Api + Router + http::Server) on 127.0.0.1:0, serving on a thread of its own.
class RunningServer {
 public:
  RunningServer(platform::Platform& p, const Options& o, bool audit_reads, std::FILE* log_file)
      : log_(http::Logger::Format::json, log_file) {
    api::ApiOptions ao;
    ao.workers = o.workers;
    ao.audit_reads = audit_reads;
    api_ = must(api::Api::create(p, metrics_, log_, ao), "start the API");
    api_->add_routes(router_);
    http::ServerOptions so;
    so.address = "127.0.0.1";
    so.port = 0;
    so.workers = o.workers;
    so.handle_signals = false;
    so.access_log = o.access_log;
    server_ = std::make_unique<http::Server>(so, router_, metrics_, log_);
    must(server_->listen(), "listen");
    thread_ = std::thread([this] { server_->run(); });
    // As `baove serve` does: every second, audit checkpoints when due and the WAL copied back.
    ticker_ = std::thread([this] {
      std::unique_lock lock(tick_mu_);
      while (!tick_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
        lock.unlock();
        (void)api_->tick();
        lock.lock();
      }
    });
  }
  ~RunningServer() {
    {
      std::lock_guard lock(tick_mu_);
      stopping_ = true;
    }
    tick_cv_.notify_all();
    ticker_.join();
    server_->stop();
    thread_.join();
  }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  std::uint16_t port() const { return server_->port(); }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }

 private:
  http::Metrics metrics_;
  http::Logger log_;
  std::unique_ptr<api::Api> api_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex tick_mu_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;
  std::thread ticker_;
};

struct Measured {
  WrkResult wrk;
  double server_cpu_s = 0;
  std::int64_t events_added = 0;
  std::int64_t units_added = 0;
};

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return cpu_seconds(u);
}

std::string cookie_lines(const Session& s, bool csrf) {
  std::string lua = "wrk.headers[\"Cookie\"] = \"baove_session=" + s.token + "\"\n";
  if (csrf) lua += "wrk.headers[\"X-CSRF-Token\"] = \"" + s.csrf + "\"\n";
  return lua;
}

// GET /api/v1/users/{id}: one 200 by hand first, then wrk.
Measured measure_reads(platform::Platform& p, const Options& o, const Setup& s, bool audited,
                       std::FILE* log_file, const fs::path& dir) {
  auto server = std::make_unique<RunningServer>(p, o, audited, log_file);
  const std::string path = "/api/v1/users/" + s.target_user;
  {
    testing::HttpClient client("127.0.0.1", server->port());
    auto r = client.request("GET", path, {}, {"Cookie: baove_session=" + s.admin.token});
    if (!r || r->status != 200) fail("the read route did not answer 200 before the run");
    if (nlohmann::json::parse(r->body, nullptr, false).value("id", "") != s.target_user)
      fail("the read route answered another record");
  }
  const std::string script = "wrk.method = \"GET\"\n" + cookie_lines(s.admin, false);
  if (!o.smoke) run_wrk(o, script, server->url(path), 1, dir);  // warm-up
  Measured m;
  const std::int64_t events_before = count(p, "audit_events");
  const double cpu0 = process_cpu_seconds();
  m.wrk = run_wrk(o, script, server->url(path), o.seconds, dir);
  m.server_cpu_s = process_cpu_seconds() - cpu0;
  server.reset();  // answers the requests still in flight, so the counts below are final
  m.events_added = count(p, "audit_events") - events_before;
  return m;
}

// POST /api/v1/units with a unique name per request: one 201 by hand first, then wrk.
Measured measure_writes(platform::Platform& p, const Options& o, const Setup& s, std::FILE* log_file,
                        const fs::path& dir) {
  auto server = std::make_unique<RunningServer>(p, o, true, log_file);
  const std::string body_start = "{\"kind\":\"ngo\",\"parent_id\":\"" + s.root_unit + "\",\"name\":\"";
  {
    testing::HttpClient client("127.0.0.1", server->port());
    auto r = client.request("POST", "/api/v1/units", body_start + "bench first\"}",
                            {"Cookie: baove_session=" + s.admin.token, "X-CSRF-Token: " + s.admin.csrf,
                             "Content-Type: application/json"});
    if (!r || r->status != 201) fail("the write route did not answer 201 before the run");
  }
  // Each wrk thread numbers its requests; answers other than 201 are counted by status and
  // printed at the end as "status N xCOUNT".
  const std::string script = "wrk.method = \"POST\"\n" + cookie_lines(s.admin, true) +
                             "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
                             "local body_start = '" +
                             body_start + "'\n" + R"lua(
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, body_start .. "bench " .. thread_no .. "-" .. n .. '"}')
end
unexpected = {}
function response(status, headers, body)
  if status ~= 201 then unexpected[status] = (unexpected[status] or 0) + 1 end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for status, count in pairs(t:get("unexpected")) do io.write("status ", status, " x", count, "\n") end
  end
end
)lua";
  Measured m;
  const std::int64_t events_before = count(p, "audit_events");
  const std::int64_t units_before = count(p, "auth_units");
  const double cpu0 = process_cpu_seconds();
  m.wrk = run_wrk(o, script, server->url("/api/v1/units"), o.write_seconds, dir);
  m.server_cpu_s = process_cpu_seconds() - cpu0;
  server.reset();  // answers the requests still in flight, so the counts below are final
  m.events_added = count(p, "audit_events") - events_before;
  m.units_added = count(p, "auth_units") - units_before;
  return m;
}

void print_run(const char* name, const Measured& m) {
  const auto& w = m.wrk;
  std::printf("%-18s %9.0f req/s  p50 %7.2f ms  p75 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  (%ld requests",
              name, w.requests_per_s, w.p50_ms, w.p75_ms, w.p90_ms, w.p99_ms, w.requests);
  if (w.non_2xx) std::printf(", %ld not 2xx", w.non_2xx);
  if (!w.statuses.empty()) std::printf(": %s", w.statuses.c_str());
  if (w.socket_errors) std::printf(", %ld socket errors", w.socket_errors);
  std::printf(")\n");
  const double per_request_us = w.requests > 0 ? m.server_cpu_s / static_cast<double>(w.requests) * 1e6 : 0;
  const double client_us = w.requests > 0 ? w.client_cpu_s / static_cast<double>(w.requests) * 1e6 : 0;
  std::printf("%-18s CPU: server %.1f s (%.0f us/request), wrk %.1f s (%.0f us/request)\n", "",
              m.server_cpu_s, per_request_us, w.client_cpu_s, client_us);
}

const char* verdict(bool ok) { return ok ? "meets" : "MISSES"; }

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool write_seconds_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_server: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smoke") {
      o.smoke = true;
    } else if (a == "--seconds") {
      o.seconds = std::atoi(next());
    } else if (a == "--write-seconds") {
      o.write_seconds = std::atoi(next());
      write_seconds_given = true;
    } else if (a == "--connections") {
      o.connections = std::atoi(next());
    } else if (a == "--wrk-threads") {
      o.wrk_threads = std::atoi(next());
    } else if (a == "--workers") {
      o.workers = static_cast<std::size_t>(std::atol(next()));
    } else if (a == "--no-access-log") {
      o.access_log = false;
    } else if (a == "--wrk") {
      o.wrk = next();
    } else if (a == "--log") {
      o.log = next();
    } else if (a == "--dir") {
      o.dir = next();
    } else {
      std::fprintf(
          stderr,
          "usage: bench_server [--seconds N] [--write-seconds N] [--connections N] [--wrk-threads N]\n"
          "                    [--workers N] [--no-access-log] [--log PATH] [--wrk PATH] [--dir PATH]\n"
          "                    [--smoke]\n");
      return 2;
    }
  }
  if (o.smoke) {
    o.seconds = 1;
    o.write_seconds = 1;
    o.connections = 16;
  } else if (!write_seconds_given) {
    o.write_seconds = o.seconds;
  }
  if (o.seconds < 1 || o.write_seconds < 1 || o.connections < 1 || o.wrk_threads < 1 || o.workers < 1 ||
      o.connections < o.wrk_threads) {
    std::fprintf(stderr, "bench_server: sizes must be positive, connections at least wrk threads\n");
    return 2;
  }
  if (access(o.wrk.c_str(), X_OK) != 0) {
    std::printf("bench_server: skipped: %s not found (scripts/install-deps installs Debian's wrk)\n",
                o.wrk.c_str());
    return kSkipped;
  }

  fs::path dir = o.dir;
  bool made_dir = false;
  if (dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "bench-server-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) fail("cannot make a temporary directory");
    dir = pattern;
    made_dir = true;
  }
  platform::Config config;
  config.data_dir = dir / "data";
  auto p = must(platform::Platform::open(config), "open the data directory");
  const Setup s = set_up(*p);
  std::FILE* log_file = std::fopen(o.log.c_str(), "w");
  if (log_file == nullptr) fail("cannot open " + o.log);

  const unsigned cores = std::thread::hardware_concurrency();
  std::printf("bench_server: SQLite (WAL, synchronous=FULL) in %s\n", dir.c_str());
  std::printf("server: %zu handler threads, one network thread per core, access log %s (to %s)\n", o.workers,
              o.access_log ? "on" : "off", o.log.c_str());
  std::printf("client: %s, %d threads, %d connections, %d s a run%s\n", o.wrk.c_str(), o.wrk_threads,
              o.connections, o.seconds, o.smoke ? " (smoke: figures are not targets)" : "");
  std::printf(
      "note: wrk and the server share this machine's %u cores; wrk's CPU time is shown beside each run\n\n",
      cores);

  std::printf("GET /api/v1/users/{id} as an administrator (session cookie, policy check, JSON):\n");
  const Measured audited = measure_reads(*p, o, s, true, log_file, dir);
  print_run("audited", audited);
  const Measured plain = measure_reads(*p, o, s, false, log_file, dir);
  print_run("not audited", plain);
  const double ratio =
      plain.wrk.requests_per_s > 0 ? audited.wrk.requests_per_s / plain.wrk.requests_per_s : 0;
  const double cost = (1.0 - ratio) * 100.0;
  std::printf("\nPOST /api/v1/units (a unit and its audit event, one durable transaction each):\n");
  const Measured writes = measure_writes(*p, o, s, log_file, dir);
  print_run("audited writes", writes);
  const long acknowledged = writes.wrk.requests - writes.wrk.non_2xx;

  std::printf("\nGoals (issue 4):\n");
  std::printf("  audited read      %9.0f req/s  vs >= 15,000 : %s\n", audited.wrk.requests_per_s,
              verdict(audited.wrk.requests_per_s >= 15000));
  std::printf("  audited read p99  %9.2f ms     vs < 10 ms    : %s\n", audited.wrk.p99_ms,
              verdict(audited.wrk.p99_ms < 10));
  std::printf("  audited/unaudited %9.3f        audit costs %.1f%% vs <= 25%% : %s\n", ratio, cost,
              verdict(cost <= 25));
  std::printf("  audited writes    %9.0f /s     vs >= 2,000   : %s\n", writes.wrk.requests_per_s,
              verdict(writes.wrk.requests_per_s >= 2000));

  std::printf("\nTable (chart-friendly):\n");
  std::printf("run\treq_per_s\tp50_ms\tp99_ms\trequests\tnon_2xx\tserver_cpu_us_per_req\n");
  for (const auto& [name, m] : {std::pair<const char*, const Measured*>{"read_audited", &audited},
                                {"read_unaudited", &plain},
                                {"write_audited", &writes}}) {
    const double us = m->wrk.requests > 0 ? m->server_cpu_s / static_cast<double>(m->wrk.requests) * 1e6 : 0;
    std::printf("%s\t%.0f\t%.3f\t%.3f\t%ld\t%ld\t%.0f\n", name, m->wrk.requests_per_s, m->wrk.p50_ms,
                m->wrk.p99_ms, m->wrk.requests, m->wrk.non_2xx, us);
  }

  // Checks: every answer as expected, and the database holds what was acknowledged.
  std::vector<std::string> problems;
  for (const auto& [name, m] : {std::pair<const char*, const Measured*>{"audited reads", &audited},
                                {"unaudited reads", &plain},
                                {"writes", &writes}}) {
    if (m->wrk.non_2xx != 0) problems.push_back(std::string(name) + ": responses other than 2xx");
    if (m->wrk.socket_errors != 0) problems.push_back(std::string(name) + ": socket errors");
  }
  if (audited.events_added < audited.wrk.requests)
    problems.push_back("audited reads: fewer audit events (" + std::to_string(audited.events_added) +
                       ") than answered reads");
  if (plain.events_added != 0)
    problems.push_back("unaudited reads: " + std::to_string(plain.events_added) + " audit events written");
  if (writes.units_added < acknowledged)
    problems.push_back("writes: " + std::to_string(acknowledged) + " acknowledged but " +
                       std::to_string(writes.units_added) + " stored");
  if (writes.events_added < writes.units_added)
    problems.push_back("writes: fewer audit events than units created");
  std::printf("\nchecks: %" PRId64 " audit events for %ld audited reads, %" PRId64
              " for unaudited ones; %ld writes acknowledged, %" PRId64 " units stored with %" PRId64
              " audit events\n",
              audited.events_added, audited.wrk.requests, plain.events_added, acknowledged,
              writes.units_added, writes.events_added);
  std::fclose(log_file);
  p.reset();
  if (made_dir) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  for (const auto& problem : problems) std::fprintf(stderr, "bench_server: FAILED: %s\n", problem.c_str());
  if (!problems.empty()) {
    std::fprintf(stderr, "wrk's report of the last run:\n%s", writes.wrk.output.c_str());
    return 1;
  }
  return 0;
}
