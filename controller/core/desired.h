// Stage 1 of the decision: the container count an app wants, from its demand readings.
//
//   desired = clamp(ceil(demand / targetPerContainer), min, max)
//
// with an HPA-style tolerance dead band around the current count, a scale-down
// stabilization window (scale down only to the highest count recommended within
// scaleDownDelaySeconds) and a fallback after consecutive failed reads. A pure function:
// the previous state goes in and the new state comes out; the caller stores it.
// Thread-safety: plain functions over values.
#ifndef MICROSCALE_CONTROLLER_CORE_DESIRED_H_
#define MICROSCALE_CONTROLLER_CORE_DESIRED_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "common/manifest/app.h"
#include "controller/core/forecast.h"
#include "controller/core/queue.h"

namespace microscale::core {

// What the demand source gave this time.
struct DemandReading {
  enum class Kind {
    kNone,     // nothing read yet (a new app): keep the last count, or min
    kValue,    // a number was read
    kFailure,  // the read failed (timeout, bad answer, NaN)
  };
  Kind kind = Kind::kNone;
  double value = 0;
  // The app's containers when the value was read: running (draining the queue) and
  // starting (ordered, not yet running). Queue mode needs them; level mode ignores them.
  int32_t running = 0;
  int32_t starting = 0;
  // When each running container started, when known (queue mode: see QueueReading).
  std::vector<absl::Time> running_since;
  // The items ever enqueued, when the source counts them (queue mode: see QueueReading).
  std::optional<double> arrivals_total = std::nullopt;

  static DemandReading None() { return {}; }
  static DemandReading Value(double v, int32_t running = 0, int32_t starting = 0,
                             std::vector<absl::Time> running_since = {}) {
    return {Kind::kValue, v, running, starting, std::move(running_since), std::nullopt};
  }
  static DemandReading Failure() { return {Kind::kFailure, 0, 0, 0, {}, std::nullopt}; }
};

struct Recommendation {
  absl::Time at;
  int32_t count = 0;
  bool operator==(const Recommendation&) const = default;
};

struct DesiredState {
  std::optional<int32_t> last;       // the count decided last time; unset before the first
  int32_t consecutive_failures = 0;  // failed reads since the last good one
  // Recommendations within the stabilization window, oldest first, counts strictly
  // decreasing (an older entry not above a newer one can never be the window's maximum).
  std::vector<Recommendation> history;
  QueueEstimate queue;  // queue mode: arrival and drain estimates (queue.h)
  TrendEstimate trend;  // predictive: the recent trend of the demand (forecast.h)
  bool operator==(const DesiredState&) const = default;
};

struct DesiredResult {
  int32_t desired = 0;
  DesiredState state;
  // Queue mode only (unset otherwise, and until estimated): for status and metrics.
  std::optional<double> arrival_rate;              // items/s
  std::optional<double> drain_rate_per_container;  // items/s per running container
  bool arrivals_counted = false;                   // the last read measured arrivals from a counter
  std::optional<double> forecast;                  // predictive only: demand at the horizon
};

// The count `spec` wants at `now` given `reading` and the state returned last time (taken
// by value: a caller that keeps only the new state moves the old one in).
// Without a reading, or on a failed read, the last count holds (never lowered by a
// failure alone); after fallback.afterFailures consecutive failures, fallback.replicas
// (if configured) becomes the recommendation, subject to the same window and clamp.
DesiredResult ComputeDesired(const AppSpec& spec, const DemandReading& reading,
                             DesiredState previous, absl::Time now);

// Whether `result`, computed from `reading`, is settled: the same value read at any later
// time gives the same count and the same state but for the time of its one recommendation.
// So a source whose value only changes when someone sets it (static) need not be read again
// while nothing changes; before it is, HoldUntil brings the state to the moment of the read.
// Level mode only, without predictive (its trend moves with time), with the stabilization
// window holding the current recommendation alone.
bool IsSettled(const AppSpec& spec, const DemandReading& reading, const DesiredResult& result);

// A settled state (IsSettled) whose value was not read again since: the state as if the
// same value had been read again at `last` (a state read since then is returned as it is),
// so that a window that starts from it counts the time it was held.
DesiredState HoldUntil(DesiredState state, absl::Time last);

// ceil(demand / target), clamped to [min, max]; negative demand counts as 0.
int32_t RawRecommendation(double demand, double target, int32_t min, int32_t max);

}  // namespace microscale::core

#endif  // MICROSCALE_CONTROLLER_CORE_DESIRED_H_
