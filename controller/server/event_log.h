// EventLog: the controller's recent events (scaled, preempted, node lost...), kept in a
// bounded ring and streamed to followers (`microscalectl events --follow`).
// Thread-safety: every method is safe to call concurrently.
#ifndef MICROSCALE_CONTROLLER_SERVER_EVENT_LOG_H_
#define MICROSCALE_CONTROLLER_SERVER_EVENT_LOG_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

class EventLog {
 public:
  explicit EventLog(size_t capacity = 1000) : capacity_(capacity) {}

  void Add(absl::Time now, std::string kind, std::string object, std::string message);

  // Events with sequence number >= `from`, and the next sequence number to ask for.
  std::vector<v1::Event> Since(uint64_t from, uint64_t* next) const;
  // Events about `object` (e.g. "app/web"), newest last, at most `limit`.
  std::vector<v1::Event> About(const std::string& object, size_t limit) const;
  // Blocks until an event with sequence >= `from` exists or `deadline` passes.
  void WaitFor(uint64_t from, absl::Time deadline) const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<v1::Event> events_ ABSL_GUARDED_BY(mu_);
  uint64_t first_seq_ ABSL_GUARDED_BY(mu_) = 0;  // sequence number of events_.front()
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_EVENT_LOG_H_
