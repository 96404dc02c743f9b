// GrowingThreadPool: the task queue of the HTTP server, one connection per task.
//
// httplib's own pool starts a fixed number of threads and queues connections behind them,
// so as many slow or silent clients as there are threads starve everyone else. This pool
// starts a thread whenever a task arrives and no thread is idle, up to `max_threads`; only
// beyond that do tasks wait. Threads stay for reuse once started. Shutdown runs the tasks
// already queued, then joins every thread.
// Thread-safety: enqueue and shutdown may be called from any thread; shutdown once.
#ifndef MICROSCALE_COMMON_HTTP_GROWING_THREAD_POOL_H_
#define MICROSCALE_COMMON_HTTP_GROWING_THREAD_POOL_H_

#include <httplib.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace microscale::http_internal {

class GrowingThreadPool : public httplib::TaskQueue {
 public:
  explicit GrowingThreadPool(size_t max_threads);
  ~GrowingThreadPool() override;
  GrowingThreadPool(const GrowingThreadPool&) = delete;
  GrowingThreadPool& operator=(const GrowingThreadPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // Threads started so far (for tests).
  size_t threads() const;

 private:
  void Work();

  const size_t max_threads_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace microscale::http_internal

#endif  // MICROSCALE_COMMON_HTTP_GROWING_THREAD_POOL_H_
