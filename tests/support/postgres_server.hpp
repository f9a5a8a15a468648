// A throw-away PostgreSQL server for tests and benchmarks.
//
// start() finds Debian's server binaries (/usr/lib/postgresql/<version>/bin, the newest), runs
// initdb into a new temporary directory, and starts the server listening only on 127.0.0.1 at a
// free port (and on a Unix socket inside that directory), with trust authentication for the
// superuser "postgres" and a database "baove_test". When the process runs as root (PostgreSQL
// refuses to), the server runs as the unprivileged "postgres" user that Debian's package
// creates. By default the server trades durability for speed (fsync=off); Options::durable
// keeps PostgreSQL's durable defaults, for benchmarks.
//
// The destructor stops the server and removes the directory. If the process dies first, a
// small watchdog process notices (its pipe closes) and does the same.
//
// With BAOVE_TEST_POSTGRES_URL set, nothing is started: url() is that URL (an existing server)
// and create_database() creates databases there, which the destructor drops again.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace baove::testing {

class PostgresServer {
 public:
  struct Options {
    bool durable = false;  // fsync, synchronous_commit and full_page_writes as in production
  };

  // Fails with a message that says what is missing (the binaries, the postgres user) or why the
  // server did not start (the tail of its log).
  static Result<std::unique_ptr<PostgresServer>> start(const Options& options);
  static Result<std::unique_ptr<PostgresServer>> start() { return start(Options{}); }

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A libpq URL of the database "baove_test" (or BAOVE_TEST_POSTGRES_URL).
  const std::string& url() const { return url_; }
  // True when the server came from BAOVE_TEST_POSTGRES_URL.
  bool external() const { return external_; }
  // Creates an empty database (name: letters, digits, underscores) and returns its URL.
  Result<std::string> create_database(const std::string& name);
  // Drops a database made by create_database() (connections to it are terminated).
  Status drop_database(const std::string& name);

 private:
  PostgresServer() = default;
  Status start_managed(const Options& options);
  Status run_tool(const std::vector<std::string>& argv, const std::string& log);
  Status admin_sql(const std::string& sql);
  void stop();

  std::string url_;
  bool external_ = false;
  std::string bin_;  // the server binaries' directory
  std::string dir_;  // the temporary directory (data/, the socket, logs)
  int port_ = 0;
  bool as_postgres_ = false;  // running as root: tools run as the postgres user
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool running_ = false;
  pid_t watchdog_ = -1;
  int watchdog_pipe_ = -1;
  std::vector<std::string> created_;
};

// `url` with its database name replaced by `database`.
std::string with_database(const std::string& url, const std::string& database);

// A database on one server shared by the whole test binary: the server is started and database
// `name` created on the first call; later calls return the same URL (whatever name they give), and
// the server stops when the binary exits. When PostgreSQL cannot start, every call returns the same
// error (the test then says why). Thread-safe.
const Result<std::string>& shared_postgres_database(const std::string& name);

}  // namespace baove::testing
