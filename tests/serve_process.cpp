#include "serve_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

namespace baove::testing {

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

ServeProcess::ServeProcess(const std::string& exe, const std::filesystem::path& data_dir,
                           const std::filesystem::path& dir, int n, const std::vector<std::string>& extra)
    : out_(dir / ("serve-" + std::to_string(n) + ".out")),
      err_(dir / ("serve-" + std::to_string(n) + ".err")) {
  std::vector<std::string> args = {exe,          "serve",           "--listen",     "127.0.0.1:0",
                                   "--data-dir", data_dir.string(), "--log-format", "text"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The server reads BAOVE_* settings from its environment: the test's own must not leak in.
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("BAOVE_", 0) != 0) env.push_back(*e);
  }
  env.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int rc = posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    error_ = "cannot run " + exe;
    return;
  }
  const std::string marker = "listening on http://127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    stdout_ = slurp(out_);
    const auto at = stdout_.find(marker);
    if (at != std::string::npos && stdout_.find('\n', at) != std::string::npos) {
      port_ = static_cast<std::uint16_t>(std::stoi(stdout_.substr(at + marker.size())));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "baove serve exited before listening:\n" + slurp(err_);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  error_ = "baove serve did not start listening within 60 s:\n" + slurp(err_);
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string ServeProcess::log() const { return slurp(err_); }

int ServeProcess::signal_and_wait(int sig) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

}  // namespace baove::testing
