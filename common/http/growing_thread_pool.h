// GrowingThreadPool: the task queue of the HTTP server, one connection per task.
//
// httplib's own pool starts a fixed number of threads and queues connections behind them,
// so as many slow or silent clients as there are threads starve everyone else. This pool
// starts a thread whenever a task arrives and no thread is idle, up to `max_threads`; only
// beyond that do tasks wait. A thread stays for reuse while tasks keep coming, and ends
// once it has been idle for `idle_timeout`, so a flood of connections leaves no threads
// behind. Shutdown runs the tasks already queued, then joins every thread.
// Thread-safety: enqueue and shutdown may be called from any thread; shutdown once.
#ifndef MICROSCALE_COMMON_HTTP_GROWING_THREAD_POOL_H_
#define MICROSCALE_COMMON_HTTP_GROWING_THREAD_POOL_H_

#include <httplib.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace microscale::http_internal {

class GrowingThreadPool : public httplib::TaskQueue {
 public:
  explicit GrowingThreadPool(size_t max_threads, absl::Duration idle_timeout = absl::Seconds(30));
  ~GrowingThreadPool() override;
  GrowingThreadPool(const GrowingThreadPool&) = delete;
  GrowingThreadPool& operator=(const GrowingThreadPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // Threads alive (started and not ended for idleness).
  size_t threads() const;

 private:
  void Work(std::list<std::thread>::iterator self);
  // Joins the threads that ended for idleness.
  void JoinEnded() ABSL_LOCKS_EXCLUDED(mu_);

  const size_t max_threads_;
  const absl::Duration idle_timeout_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  std::list<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  std::list<std::thread> ended_ ABSL_GUARDED_BY(mu_);  // ended for idleness, to be joined
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace microscale::http_internal

#endif  // MICROSCALE_COMMON_HTTP_GROWING_THREAD_POOL_H_
