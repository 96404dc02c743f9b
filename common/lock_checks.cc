#include "common/lock_checks.h"

#include "absl/synchronization/mutex.h"

namespace microscale {

void SkipLockOrderChecksInRelease() {
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
}

}  // namespace microscale
