#include "common/http/growing_thread_pool.h"

#include <utility>

#include "common/thread_name.h"

namespace microscale::http_internal {

GrowingThreadPool::GrowingThreadPool(size_t max_threads, absl::Duration idle_timeout)
    : max_threads_(max_threads > 0 ? max_threads : 1), idle_timeout_(idle_timeout) {}

GrowingThreadPool::~GrowingThreadPool() { shutdown(); }

void GrowingThreadPool::enqueue(std::function<void()> fn) {
  JoinEnded();
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(fn));
  // Every queued task beyond the idle threads gets a new thread while the cap allows.
  if (tasks_.size() > idle_ && threads_.size() < max_threads_ && !shutdown_) {
    threads_.emplace_back();
    auto self = std::prev(threads_.end());
    *self = std::thread([this, self] {
      NameThisThread("http");
      Work(self);
    });
  }
}

void GrowingThreadPool::shutdown() {
  std::list<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) thread.join();
  JoinEnded();
}

void GrowingThreadPool::JoinEnded() {
  std::list<std::thread> ended;
  {
    absl::MutexLock lock(&mu_);
    ended.swap(ended_);
  }
  for (std::thread& thread : ended) thread.join();
}

size_t GrowingThreadPool::threads() const {
  absl::MutexLock lock(&mu_);
  return threads_.size();
}

void GrowingThreadPool::Work(std::list<std::thread>::iterator self) {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      ++idle_;
      const bool woken = mu_.AwaitWithTimeout(
          absl::Condition(
              +[](GrowingThreadPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
                return !pool->tasks_.empty() || pool->shutdown_;
              },
              this),
          idle_timeout_);
      --idle_;
      if (!woken && !shutdown_) {
        // Idle too long: this thread ends, and the next enqueue (or shutdown) joins it.
        // Its std::thread moves from threads_ to ended_ (splice keeps it in place).
        ended_.splice(ended_.end(), threads_, self);
        return;
      }
      if (tasks_.empty()) return;  // shut down with nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace microscale::http_internal
