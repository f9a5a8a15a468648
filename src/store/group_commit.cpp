#include "store/group_commit.hpp"

#include <vector>

namespace baove::store {

GroupCommit::GroupCommit(std::unique_ptr<Connection> connection, std::size_t max_batch)
    : connection_(std::move(connection)), max_batch_(max_batch == 0 ? 1 : max_batch) {
  deferred_ = connection_->defer_sync();
  thread_ = std::thread([this] { loop(); });
  if (deferred_) syncer_ = std::thread([this] { sync_loop(); });
}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  thread_.join();
  if (deferred_) {
    {
      std::lock_guard lock(sync_mu_);
      sync_stopping_ = true;
    }
    sync_wanted_.notify_all();
    syncer_.join();
  }
}

Status GroupCommit::run(const Work& work) {
  Job job;
  job.work = &work;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return make_error(ErrorCode::internal, "group commit: shutting down");
    queue_.push_back(&job);
  }
  queued_.notify_one();
  job.done.acquire();
  return job.result;
}

void GroupCommit::submit(Work work, std::function<void(Status)> done) {
  auto job = std::make_unique<Job>();
  job->owned = std::move(work);
  job->work = &job->owned;
  job->callback = std::move(done);
  bool refused = false;
  {
    std::lock_guard lock(mu_);
    refused = stopping_;
    if (!refused) queue_.push_back(job.release());
  }
  if (refused) {
    job->callback(make_error(ErrorCode::internal, "group commit: shutting down"));
    return;
  }
  queued_.notify_one();
}

GroupCommit::Stats GroupCommit::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void GroupCommit::loop() {
  Connection& c = *connection_;
  std::vector<Job*> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
    }
    batch.clear();
    Status begun = c.begin();
    // Run queued work until the queue is empty or the batch is full; work arriving meanwhile
    // joins this batch.
    for (;;) {
      Job* job = nullptr;
      {
        std::lock_guard lock(mu_);
        if (queue_.empty() || batch.size() >= max_batch_) break;
        job = queue_.front();
        queue_.pop_front();
      }
      batch.push_back(job);
      if (!begun.ok()) {
        job->result = begun.error();
        continue;
      }
      // (execute(), not exec_script(): the statements stay prepared between jobs.)
      auto sp = c.execute("SAVEPOINT baove_work");
      if (!sp.ok()) {
        job->result = sp.error();
        continue;
      }
      Status r;
      try {
        r = (*job->work)(c);
      } catch (const std::exception& e) {
        r = make_error(ErrorCode::internal, std::string("group commit: work threw: ") + e.what());
      }
      if (r.ok()) {
        auto rel = c.execute("RELEASE SAVEPOINT baove_work");
        job->result = rel.ok() ? Status{} : Status(rel.error());
      } else {
        job->result = r;
        auto back = c.execute("ROLLBACK TO SAVEPOINT baove_work");
        if (back.ok()) back = c.execute("RELEASE SAVEPOINT baove_work");
        if (!back.ok()) {
          // The transaction is in an unknown state: fail the whole batch.
          begun = back.error();
        }
      }
    }
    Status committed = begun.ok() ? c.commit() : Status(begun.error());
    if (!committed.ok() && begun.ok()) (void)c.rollback();
    if (!begun.ok()) (void)c.rollback();
    {
      std::lock_guard lock(mu_);
      ++stats_.commits;
      stats_.works += batch.size();
    }
    if (committed.ok() && deferred_) {
      // Durable once the syncer's next sync() returns; meanwhile the next batch runs.
      {
        std::lock_guard lock(sync_mu_);
        to_sync_.insert(to_sync_.end(), batch.begin(), batch.end());
      }
      sync_wanted_.notify_one();
      continue;
    }
    finish(batch, committed);
  }
}

void GroupCommit::sync_loop() {
  std::vector<Job*> batch;
  for (;;) {
    {
      std::unique_lock lock(sync_mu_);
      sync_wanted_.wait(lock, [&] { return sync_stopping_ || !to_sync_.empty(); });
      if (to_sync_.empty()) return;  // stopping, nothing left
      batch.swap(to_sync_);
    }
    finish(batch, connection_->sync());
    batch.clear();
  }
}

void GroupCommit::finish(const std::vector<Job*>& batch, const Status& committed) {
  for (Job* job : batch) {
    if (!committed.ok() && job->result.ok()) job->result = committed.error();
    if (job->callback) {
      std::unique_ptr<Job> owned(job);
      try {
        job->callback(job->result);
      } catch (...) {
        // A callback must not throw; the committer keeps going whatever it does.
      }
    } else {
      job->done.release();  // the caller may return (and destroy the job) from here on
    }
  }
}

}  // namespace baove::store
