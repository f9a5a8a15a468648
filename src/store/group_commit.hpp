// Group commit: many callers' small write transactions share one database transaction and one
// durable commit (one fsync on SQLite), which is what makes thousands of audited requests a
// second possible on a disk that syncs a few hundred times a second.
//
// Each caller's function runs on the committer's own connection, inside a SAVEPOINT of the
// shared transaction: if the function fails, its changes alone are rolled back and its Status
// returned; the others still commit. run() returns only after the shared transaction has
// committed (so a success is durable) or failed (then every caller in it gets the error and
// nothing of theirs was written).
//
// Functions run one at a time on the committer's thread, in arrival order; they may open
// store::Transactions (which become savepoints) but must not commit the shared one. A batch is
// closed when the queue is empty or max_batch functions have run.
//
// Where the engine can defer the disk sync (SQLite: Connection::defer_sync()), a second thread
// syncs each committed batch while the committer already runs the next one, so the disk's sync
// time and the batches' work overlap; callers still hear back only once their batch is durable.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <semaphore>
#include <thread>
#include <vector>

#include "store/store.hpp"
#include "util/result.hpp"

namespace baove::store {

class GroupCommit {
 public:
  using Work = std::function<Status(Connection&)>;

  struct Stats {
    std::uint64_t commits = 0;
    std::uint64_t works = 0;
  };

  // Takes the connection; starts the committer thread.
  explicit GroupCommit(std::unique_ptr<Connection> connection, std::size_t max_batch = 512);
  // Finishes the queued work, then stops the thread.
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `work` in the next shared transaction and waits for its commit. Thread-safe.
  Status run(const Work& work);
  // The same without waiting: `done` is called on the committer's thread once the transaction has
  // committed or failed, with the outcome run() would return. `done` must be quick (hand the
  // result to another thread) and must not call run(). Thread-safe.
  void submit(Work work, std::function<void(Status)> done);

  Stats stats() const;

 private:
  struct Job {
    const Work* work = nullptr;
    Status result;
    std::binary_semaphore done{0};  // run(): released by the committer, waking this caller alone
    Work owned;                     // submit(): the work and the callback, owned by the job
    std::function<void(Status)> callback;
  };
  void loop();
  void sync_loop();
  // Hands each job its result (the commit's failure, if any) and wakes or calls back its caller.
  void finish(const std::vector<Job*>& batch, const Status& committed);

  std::unique_ptr<Connection> connection_;
  std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable queued_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  Stats stats_;
  bool deferred_ = false;  // commits are synced by syncer_
  std::mutex sync_mu_;
  std::condition_variable sync_wanted_;
  std::vector<Job*> to_sync_;
  bool sync_stopping_ = false;
  std::thread thread_;
  std::thread syncer_;
};

}  // namespace baove::store
