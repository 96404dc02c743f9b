#include "common/http/growing_thread_pool.h"

#include <utility>

namespace microscale::http_internal {

GrowingThreadPool::GrowingThreadPool(size_t max_threads)
    : max_threads_(max_threads > 0 ? max_threads : 1) {}

GrowingThreadPool::~GrowingThreadPool() { shutdown(); }

void GrowingThreadPool::enqueue(std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(fn));
  // Every queued task beyond the idle threads gets a new thread while the cap allows.
  if (tasks_.size() > idle_ && threads_.size() < max_threads_ && !shutdown_) {
    threads_.emplace_back([this] { Work(); });
  }
}

void GrowingThreadPool::shutdown() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) thread.join();
}

size_t GrowingThreadPool::threads() const {
  absl::MutexLock lock(&mu_);
  return threads_.size();
}

void GrowingThreadPool::Work() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      ++idle_;
      mu_.Await(absl::Condition(
          +[](GrowingThreadPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
            return !pool->tasks_.empty() || pool->shutdown_;
          },
          this));
      --idle_;
      if (tasks_.empty()) return;  // shut down with nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace microscale::http_internal
