// `baove serve` as a child process for end-to-end tests: started on 127.0.0.1 with a free port
// and a data directory of the test's, killed or stopped by the test.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace baove::testing {

class ServeProcess {
 public:
  // Starts `exe serve --listen 127.0.0.1:0 --data-dir <data_dir> --log-format text <extra...>`
  // with standard output and error in files of `dir` (suffixed with `n`) and none of the test's
  // own BAOVE_* variables, and waits until it prints its address. Empty error() on success.
  ServeProcess(const std::string& exe, const std::filesystem::path& data_dir,
               const std::filesystem::path& dir, int n, const std::vector<std::string>& extra = {});
  // Kills the server (SIGKILL) if it still runs.
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& output() const { return stdout_; }
  std::string log() const;

  // Sends `sig` and waits; returns the wait status.
  int signal_and_wait(int sig);

 private:
  std::filesystem::path out_, err_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string stdout_;
  std::string error_;
};

}  // namespace baove::testing
