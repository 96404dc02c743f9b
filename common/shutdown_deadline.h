// ShutdownDeadline bounds how long a daemon may take to stop once told to: armed when the
// stop signal arrives, it ends the process with exit code 1 and a log line if the orderly
// stop has not finished (and disarmed it) within the limit. An orderly stop exits 0, so an
// exit code of 1 after SIGTERM means something in flight did not finish in time.
// Thread-safe: Arm and Disarm may be called from any thread, each at most once.
#ifndef MICROSCALE_COMMON_SHUTDOWN_DEADLINE_H_
#define MICROSCALE_COMMON_SHUTDOWN_DEADLINE_H_

#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace microscale {

class ShutdownDeadline {
 public:
  // `daemon` names the process in the log line ("controller", "agent").
  ShutdownDeadline(std::string daemon, absl::Duration limit);
  ~ShutdownDeadline();  // disarms
  ShutdownDeadline(const ShutdownDeadline&) = delete;
  ShutdownDeadline& operator=(const ShutdownDeadline&) = delete;

  // Starts the clock.
  void Arm();
  // The orderly stop finished: the process may exit 0.
  void Disarm();

 private:
  const std::string daemon_;
  const absl::Duration limit_;
  absl::Mutex mu_;
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
};

// How long a daemon may take to stop after SIGTERM.
inline constexpr absl::Duration kShutdownLimit = absl::Seconds(5);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_SHUTDOWN_DEADLINE_H_
