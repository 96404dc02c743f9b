// Eventually: polls a condition until it holds or a deadline passes, for tests that wait
// on another thread or process without sleeping a fixed time. Thread-compatible.
#ifndef MICROSCALE_NODE_AGENT_AGENT_TESTING_EVENTUALLY_H_
#define MICROSCALE_NODE_AGENT_AGENT_TESTING_EVENTUALLY_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace microscale {

inline bool Eventually(const std::function<bool()>& condition,
                       absl::Duration timeout = absl::Seconds(30)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_TESTING_EVENTUALLY_H_
