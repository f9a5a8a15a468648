// SQLite durability: a writer killed at random moments loses no acknowledged commit.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>
#include <set>

#include "store/store.hpp"
#include "store/tests/test_env.hpp"

namespace baove::store {
namespace {

using Clock = std::chrono::steady_clock;

// The child: inserts ids from `first` upwards, each in its own committed transaction, and
// writes each id to `ack` after commit() returned. Never returns.
[[noreturn]] void writer(const std::string& url, std::int64_t first, int ack) {
  auto c = open(url);
  if (!c.ok()) _exit(2);
  const std::string payload(200, 'p');
  for (std::int64_t id = first;; ++id) {
    Transaction tx(**c);
    if (!tx.started().ok()) _exit(3);
    const Value params[] = {id, payload};
    if (!(*c)->execute("INSERT INTO acked (id, payload) VALUES ($1, $2)", params).ok()) _exit(4);
    if (!tx.commit().ok()) _exit(5);
    if (write(ack, &id, sizeof id) != static_cast<ssize_t>(sizeof id)) _exit(6);
  }
}

// Reads whole ids from `fd` into `out`; false at end of file.
bool drain(int fd, std::set<std::int64_t>& out, std::string& partial) {
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) return n < 0 && errno == EAGAIN;
  partial.append(buf, static_cast<std::size_t>(n));
  std::size_t whole = partial.size() / sizeof(std::int64_t) * sizeof(std::int64_t);
  for (std::size_t i = 0; i < whole; i += sizeof(std::int64_t)) {
    std::int64_t id;
    std::memcpy(&id, partial.data() + i, sizeof id);
    out.insert(id);
  }
  partial.erase(0, whole);
  return true;
}

TEST(SqliteDurability, AcknowledgedCommitsSurviveSigkill) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string url = "sqlite:" + (dir.path() / "durable.db").string();
  {
    auto c = open(url);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE((*c)->exec_script("CREATE TABLE acked (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)").ok());
  }
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> lifetime_ms(30, 300);
  SCOPED_TRACE("seed " + std::to_string(seed));

  std::set<std::int64_t> acked;
  int kills = 0;
  std::int64_t next = 1;
  const auto end = Clock::now() + std::chrono::seconds(2);
  while (kills < 4 || (Clock::now() < end && kills < 12)) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      writer(url, next, fds[1]);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    std::set<std::int64_t> round;
    std::string partial;
    const auto kill_at = Clock::now() + std::chrono::milliseconds(lifetime_ms(rng));
    bool open_pipe = true;
    while (open_pipe && Clock::now() < kill_at) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - Clock::now()).count();
      pollfd p{fds[0], POLLIN, 0};
      poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
      open_pipe = drain(fds[0], round, partial);
    }
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // Ids written before the kill were acknowledged too.
    fcntl(fds[0], F_SETFL, 0);
    while (drain(fds[0], round, partial)) {
    }
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer failed on its own (exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
        << ")";
    ++kills;
    acked.insert(round.begin(), round.end());
    // The killed writer may have committed one id past its last acknowledgement.
    next = (round.empty() ? next : *round.rbegin() + 1) + 1;
  }

  auto c = open(url);
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto check = (*c)->query("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  EXPECT_EQ((*check)[0].text(0), "ok");
  auto rows = (*c)->query("SELECT id FROM acked");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  std::set<std::int64_t> present;
  for (const Row& r : *rows) present.insert(r.integer(0));
  ASSERT_GT(acked.size(), 0u) << "no writer acknowledged a commit";
  std::size_t lost = 0;
  for (std::int64_t id : acked) lost += present.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(lost, 0u) << "of " << acked.size() << " acknowledged commits";
  // At most one commit per kill can be present without its acknowledgement.
  EXPECT_LE(present.size(), acked.size() + static_cast<std::size_t>(kills));
  std::printf("durability: %d kills, %zu acknowledged commits, all present\n", kills, acked.size());
}

}  // namespace
}  // namespace baove::store
