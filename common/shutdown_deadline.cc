#include "common/shutdown_deadline.h"

#include <unistd.h>

#include <utility>

#include "common/log.h"

namespace microscale {

ShutdownDeadline::ShutdownDeadline(std::string daemon, absl::Duration limit)
    : daemon_(std::move(daemon)), limit_(limit) {}

ShutdownDeadline::~ShutdownDeadline() { Disarm(); }

void ShutdownDeadline::Arm() {
  absl::MutexLock lock(&mu_);
  if (armed_ || done_) return;
  armed_ = true;
  watcher_ = std::thread([this] {
    absl::MutexLock wait(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&done_), limit_)) return;
    LogError("stop took too long; exiting with work still in flight",
             {{"daemon", daemon_}, {"limit", absl::FormatDuration(limit_)}});
    _exit(1);
  });
}

void ShutdownDeadline::Disarm() {
  std::thread watcher;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    watcher = std::move(watcher_);
  }
  if (watcher.joinable()) watcher.join();
}

}  // namespace microscale
