#include "support/postgres_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace baove::testing {
namespace {

namespace fs = std::filesystem;

// The newest /usr/lib/postgresql/<version>/bin that holds initdb, pg_ctl and postgres.
std::string find_binaries() {
  std::error_code ec;
  int best = -1;
  std::string found;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string version = entry.path().filename().string();
    const fs::path bin = entry.path() / "bin";
    if (!fs::exists(bin / "initdb") || !fs::exists(bin / "pg_ctl") || !fs::exists(bin / "postgres")) continue;
    int v = std::atoi(version.c_str());
    if (v > best) {
      best = v;
      found = bin.string();
    }
  }
  return found;
}

Result<int> free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(ErrorCode::io, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int e = errno;
    close(fd);
    return make_error(ErrorCode::io, std::string("cannot find a free loopback port: ") + std::strerror(e));
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string tail_of(const std::string& path, std::size_t max = 1500) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max) s = "..." + s.substr(s.size() - max);
  return s;
}

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() < 60 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// argv as a null-terminated array of pointers into `args` (built before fork: the child may
// only call async-signal-safe functions).
std::vector<char*> c_argv(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string with_database(const std::string& url, const std::string& database) {
  std::size_t scheme = url.find("://");
  std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  std::size_t slash = url.find('/', start);
  std::size_t query = url.find('?', start);
  if (slash == std::string::npos || (query != std::string::npos && slash > query)) {
    std::size_t at = query == std::string::npos ? url.size() : query;
    return url.substr(0, at) + "/" + database + url.substr(at);
  }
  std::size_t end = query == std::string::npos ? url.size() : query;
  return url.substr(0, slash + 1) + database + url.substr(end);
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start(const Options& options) {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  if (const char* env = std::getenv("BAOVE_TEST_POSTGRES_URL"); env != nullptr && *env != '\0') {
    server->external_ = true;
    server->url_ = env;
    return server;
  }
  Status s = server->start_managed(options);
  if (!s.ok()) return s.error();
  return server;
}

Status PostgresServer::start_managed(const Options& options) {
  bin_ = find_binaries();
  if (bin_.empty()) {
    return make_error(
        ErrorCode::not_found,
        "PostgreSQL server binaries not found (/usr/lib/postgresql/<version>/bin/initdb, pg_ctl, "
        "postgres): install Debian's 'postgresql' package (scripts/install-deps does), or set "
        "BAOVE_TEST_POSTGRES_URL to an existing server");
  }
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      return make_error(
          ErrorCode::not_found,
          "running as root, and PostgreSQL refuses to: there is no 'postgres' user to run it as "
          "(Debian's postgresql-common package creates one)");
    }
    as_postgres_ = true;
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
  }

  std::error_code ec;
  fs::path tmp = fs::temp_directory_path(ec);
  if (ec || tmp.string().size() > 60) tmp = "/tmp";  // the socket path must stay short
  std::string pattern = (tmp / "baove-pg-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return make_error(ErrorCode::io, "mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  dir_ = pattern;
  if (as_postgres_ && chown(dir_.c_str(), uid_, gid_) != 0) {
    return make_error(ErrorCode::io, "chown " + dir_ + ": " + std::strerror(errno));
  }

  // The watchdog: waits for the pipe to close (this process ended), then stops the server and
  // removes the directory. It leaves the process group, so a Ctrl-C or a test timeout that
  // kills the group still leaves it to clean up.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return make_error(ErrorCode::io, std::string("pipe: ") + std::strerror(errno));
  std::vector<std::string> args = {
      "/bin/sh", "-c",
      "f=\"$0/data/postmaster.pid\"; if [ -f \"$f\" ]; then p=$(head -n 1 \"$f\"); kill -QUIT \"$p\" "
      "2>/dev/null; "
      "i=0; while [ -f \"$f\" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; fi; rm -rf \"$0\"",
      dir_};
  std::vector<char*> argv = c_argv(args);
  pid_t pid = fork();
  if (pid < 0) return make_error(ErrorCode::io, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    setsid();
    close(fds[1]);
    // Hold nothing of this process's but the pipe's read end.
    if (fds[0] > 3) close_range(3, static_cast<unsigned>(fds[0]) - 1, 0);
    close_range(static_cast<unsigned>(fds[0]) + 1, ~0U, 0);
    char byte;
    while (read(fds[0], &byte, 1) != 0) {
    }
    int null = ::open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[0]);
  watchdog_ = pid;
  watchdog_pipe_ = fds[1];

  const std::string data = dir_ + "/data";
  BAOVE_TRY(run_tool({bin_ + "/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--locale=C", "--no-sync"},
                     dir_ + "/initdb.log"));
  {
    std::ofstream conf(data + "/postgresql.conf", std::ios::app);
    conf << "\n# throw-away test server\n"
         << "listen_addresses = '127.0.0.1'\n"
         << "unix_socket_directories = '" << dir_ << "'\n"
         << "shared_buffers = 16MB\n"
         << "max_connections = 40\n"
         << "max_wal_senders = 0\n"
         << "wal_level = minimal\n"
         << "autovacuum = off\n"
         << "log_min_messages = warning\n";
    if (!options.durable) conf << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
    if (!conf) return make_error(ErrorCode::io, "cannot write " + data + "/postgresql.conf");
  }
  // Another process may take the port between choosing and binding it: try a few.
  Status started = make_error(ErrorCode::internal, "not started");
  for (int attempt = 0; attempt < 5 && !started.ok(); ++attempt) {
    auto port = free_port();
    if (!port.ok()) return port.error();
    port_ = *port;
    started = run_tool({bin_ + "/pg_ctl", "-D", data, "-l", dir_ + "/server.log", "-w", "-t", "60", "-o",
                        "-p " + std::to_string(port_), "start"},
                       dir_ + "/pg_ctl.log");
    if (!started.ok() && tail_of(dir_ + "/server.log").find("could not bind") == std::string::npos) break;
  }
  if (!started.ok()) {
    return make_error(ErrorCode::io,
                      started.error().message + "\nserver log:\n" + tail_of(dir_ + "/server.log"));
  }
  running_ = true;
  const std::string base = "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
  url_ = base;
  BAOVE_TRY(admin_sql("CREATE DATABASE baove_test"));
  url_ = with_database(base, "baove_test");
  return {};
}

Status PostgresServer::run_tool(const std::vector<std::string>& command, const std::string& log) {
  std::vector<std::string> args = command;
  std::vector<char*> argv = c_argv(args);
  const bool drop = as_postgres_;
  const uid_t uid = uid_;
  const gid_t gid = gid_;
  const char* dir = dir_.c_str();
  pid_t pid = fork();
  if (pid < 0) return make_error(ErrorCode::io, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    if (drop && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) _exit(126);
    if (chdir(dir) != 0) _exit(126);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    // The server must not inherit this process's descriptors (databases, pipes).
    close_range(3, ~0U, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return make_error(ErrorCode::io, std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : "a signal";
  return make_error(ErrorCode::io,
                    fs::path(command[0]).filename().string() + " failed (" + how + "):\n" + tail_of(log));
}

Status PostgresServer::admin_sql(const std::string& sql) {
  PGconn* conn = PQconnectdb(url_.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return make_error(ErrorCode::io, "cannot connect to the test server: " + message);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  Status s;
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    s = make_error(ErrorCode::io, sql + ": " + PQerrorMessage(conn));
  }
  PQclear(res);
  PQfinish(conn);
  return s;
}

Result<std::string> PostgresServer::create_database(const std::string& name) {
  if (!valid_name(name)) return make_error(ErrorCode::invalid_argument, "bad database name: " + name);
  BAOVE_TRY(admin_sql("CREATE DATABASE " + name));
  created_.push_back(name);
  return with_database(url_, name);
}

Status PostgresServer::drop_database(const std::string& name) {
  if (!valid_name(name)) return make_error(ErrorCode::invalid_argument, "bad database name: " + name);
  BAOVE_TRY(admin_sql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
  created_.erase(std::remove(created_.begin(), created_.end(), name), created_.end());
  return {};
}

void PostgresServer::stop() {
  if (watchdog_ > 0) {
    kill(watchdog_, SIGKILL);
    waitpid(watchdog_, nullptr, 0);
    watchdog_ = -1;
  }
  if (watchdog_pipe_ >= 0) {
    close(watchdog_pipe_);
    watchdog_pipe_ = -1;
  }
  if (running_) {
    (void)run_tool({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "-t", "30", "stop"},
                   dir_ + "/pg_ctl.log");
    running_ = false;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

PostgresServer::~PostgresServer() {
  if (external_) {
    for (const std::string& name : std::vector<std::string>(created_)) (void)drop_database(name);
    return;
  }
  stop();
}

const Result<std::string>& shared_postgres_database(const std::string& name) {
  struct Shared {
    std::unique_ptr<PostgresServer> server;
    Result<std::string> url = make_error(ErrorCode::internal, "not started");
  };
  static Shared shared = [&] {
    Shared s;
    auto server = PostgresServer::start();
    if (!server.ok()) {
      s.url = server.error();
    } else {
      s.server = std::move(*server);
      s.url = s.server->create_database(name);
    }
    return s;
  }();
  return shared.url;
}

}  // namespace baove::testing
