// WorkerPool: a fixed set of threads running submitted tasks in submission order.
//
// Stop() discards tasks that have not started and waits for running ones; tasks must
// therefore bound their own running time (demand reads do, through their timeouts).
// Thread-safety: Submit and Stop are safe to call from any thread, except that Stop must
// not be called from a task.
#ifndef MICROSCALE_CONTROLLER_DEMAND_WORKER_POOL_H_
#define MICROSCALE_CONTROLLER_DEMAND_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace microscale::demand_internal {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; dropped silently after Stop().
  void Submit(std::function<void()> task);
  void Stop();

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace microscale::demand_internal

#endif  // MICROSCALE_CONTROLLER_DEMAND_WORKER_POOL_H_
