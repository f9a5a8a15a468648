#include "run_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace baove::testing {

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text,
                          const std::string& cwd) {
  std::signal(SIGPIPE, SIG_IGN);  // a child that stops reading must not kill the test
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) std::abort();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  CommandResult r;
  std::size_t written = 0;
  if (stdin_text.empty()) {
    close(in[1]);
    in[1] = -1;
  } else {
    fcntl(in[1], F_SETFL, O_NONBLOCK);
  }
  int fds_open[2] = {out[0], err[0]};
  std::string* dest[2] = {&r.out, &r.err};
  char buf[65536];
  while (fds_open[0] >= 0 || fds_open[1] >= 0) {
    pollfd fds[3];
    int who[3];
    nfds_t n = 0;
    for (int k = 0; k < 2; ++k) {
      if (fds_open[k] >= 0) fds[n] = {fds_open[k], POLLIN, 0}, who[n++] = k;
    }
    if (in[1] >= 0) fds[n] = {in[1], POLLOUT, 0}, who[n++] = 2;
    if (poll(fds, n, -1) < 0) continue;
    for (nfds_t i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR))) continue;
      if (who[i] == 2) {
        ssize_t w = write(in[1], stdin_text.data() + written, stdin_text.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (w < 0 || written == stdin_text.size()) {
          close(in[1]);
          in[1] = -1;
        }
        continue;
      }
      const int k = who[i];
      ssize_t got = read(fds_open[k], buf, sizeof buf);
      if (got <= 0) {
        close(fds_open[k]);
        fds_open[k] = -1;
      } else {
        dest[k]->append(buf, static_cast<std::size_t>(got));
      }
    }
  }
  if (in[1] >= 0) close(in[1]);
  int st = 0;
  waitpid(pid, &st, 0);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace baove::testing
