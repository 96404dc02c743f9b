// Queue mode (`spec.demand.queue`): the container count that holds a backlog near its
// target, from the arrival rate and the drain rate per container estimated from
// successive backlog reads and the running count.
//
// The model: between two reads the backlog B changes as dB/dt = λ - μ·r while the queue
// is not empty, where λ is the arrival rate, μ the drain rate of one container and r the
// running count. λ and μ are estimated together by a two-state Kalman filter: λ may move
// quickly (its process noise is large), μ is a property of the workload and moves slowly,
// so a change of r that changes the slope of B teaches μ, and a change of slope with r
// unchanged teaches λ. A declared perContainerRate seeds μ with a small variance.
//
// The count: enough containers to match arrivals, plus those that bring the backlog
// (projected to when the containers already starting are running) back to its target
// within kCorrectionSeconds; a hysteresis band keeps noise from turning into churn.
// docs/decision.md explains the choices. Thread-safety: plain functions over values.
#ifndef MICROSCALE_CONTROLLER_CORE_QUEUE_H_
#define MICROSCALE_CONTROLLER_CORE_QUEUE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "common/manifest/app.h"

namespace microscale::core {

// The estimator's state, carried from one read to the next.
struct QueueEstimate {
  bool primed = false;  // a first backlog has been seen
  absl::Time last_at;
  double last_backlog = 0;
  int32_t last_running = 0;
  // Kalman state: [arrival λ, drain per container μ] and its covariance.
  double arrival = 0;
  double drain = 0;
  double p_aa = 0;
  double p_ad = 0;
  double p_dd = 0;
  bool rose = false;           // the last read found a rise of the arrival rate
  double drift = 0;            // running mean of the innovations, in standard deviations
  int32_t drain_samples = 0;   // reads that carried information about μ (r > 0, B > 0)
  bool drain_learned = false;  // μ has been learned (until doubted: DoubtTheDrainRate)
  bool doubted = false;        // a learned μ was doubted and forgotten, at least once
  double noise = 0;            // the measurement variance of dB/dt, learned from innovations
  int32_t noise_samples = 0;
  double empty_seconds = 0;  // how long the queue has read empty
  // How long it has read exactly empty, at both ends of every interval, with containers
  // running (see Observe).
  double quiet_seconds = 0;
  // The arrival estimate is a guess that an empty queue decayed, and no read has measured
  // arrivals since (see Observe).
  bool guessed = false;
  double empty_share = 0;      // the share of reads that found it empty, averaged
  double ordered_backlog = 0;  // the backlog when the last scale-up was ordered
  // The drain rate the last scale-up was ordered on (0: none, or ordered by the bootstrap).
  double ordered_drain = 0;
  int32_t last_move = 0;  // +1 up, -1 down, 0 none yet
  bool trimmed = false;   // the last move trimmed a young order (see RecommendQueueCount)
  absl::Time last_move_at;
  absl::Time last_probe_at;     // the last probe down of an empty queue
  absl::Time probe_hold_until;  // no probes before this (the last one proved the count)
  int32_t probes_in_a_row = 0;  // probes since the queue last held a backlog
  int32_t last_probe_step = 0;  // containers the last probe took away
  // While a backlog that a probe brought back stays within its target, the count is at most
  // this (the count before the probe); 0: no such backlog.
  int32_t give_back = 0;
  // The queue emptied at a read that cut the arrival estimate by a quarter or more (from
  // settled_arrival, the estimate after the last non-empty read that was no jump down).
  bool fell = false;
  double settled_arrival = 0;
  bool emptied_at_balance = false;  // the last emptying read: see EmptiedAtBalance
  // Since when the backlog has been far above its target, what it was then, and halfway
  // (-1 until then): see DoubtTheDrainRate.
  absl::Time high_since = absl::InfiniteFuture();
  double high_from = 0;
  double high_mid = -1;
  // Whether the last interval measured arrivals from the source's count of items ever
  // enqueued (see UpdateQueueEstimate).
  bool counted = false;
  // The counter's dispersion: the variance of counted arrivals over their mean (1 for
  // Poisson arrivals, near 0 for a steady stream), learned; and its recent reads, newest
  // last (the last read's, when it had one), for the test of a change over several reads
  // (see CountedChange).
  double dispersion = 1;
  int32_t dispersion_samples = 0;
  double last_count_rate = -1;  // the last interval's counted rate; -1: none (or a change)
  struct Count {
    absl::Time at;
    double total = 0;
    bool operator==(const Count&) const = default;
  };
  std::vector<Count> recent_counts;
  // With a counter, μ is measured over a window of reads that all held a backlog: the items
  // drained (arrived less the backlog's growth) over the container-seconds that ran, so the
  // rounding of whole-item reads counts once for the window, not once a read. `window_prior`
  // and its variance are μ's estimate when the window opened, fused with the window's.
  bool in_window = false;
  double window_drained = 0;
  double window_run = 0;
  double window_variance = 0;  // items², from the timing of count changes within it
  double window_first_running = 0;
  double window_prior = 0;
  double window_prior_variance = 0;
  // The reads since the backlog last held without a break (none emptied it, no jump of
  // arrivals), oldest first, for the fit of μ over them (see FitTheDrainRate): each read's
  // time, backlog, the container-seconds that ran since the first, and its interval's count.
  struct Balance {
    absl::Time at;
    double backlog = 0;
    double ran = 0;
    double running = 0;
    bool operator==(const Balance&) const = default;
  };
  std::vector<Balance> balance;
  std::vector<double> recent_fits;  // μ as fitted at the last few reads, oldest first
  bool fitted = false;              // the fit set μ within this window of reads
  // The last read whose interval the running count changed over (see ObserveCounted).
  absl::Time count_changed_at = absl::InfinitePast();
  // The last jump of the arrival estimate: when, which way (+1 up, -1 down), the running
  // count of its interval, and how many jumps before it in a row followed the count (see
  // FollowsTheCount).
  absl::Time jump_at = absl::InfinitePast();
  int32_t jump_sign = 0;
  double jump_running = 0;
  int32_t jumps_following = 0;
  bool operator==(const QueueEstimate&) const = default;
};

// One read of the backlog and of the app's containers at that moment.
struct QueueReading {
  double backlog = 0;
  int32_t running = 0;
  int32_t starting = 0;
  // When each of the `running` containers started, when known (empty, or any unknown, or
  // not one per running container: unknown). A container that started within the
  // interval since the last read drained for part of it only; without these times the
  // estimate credits the change of the count to the middle of the interval.
  std::vector<absl::Time> running_since;
  // The items ever enqueued, when the source counts them (a stream's entries added, a
  // queue's published total): a counter that only grows. Two reads of it measure the
  // arrival rate directly, where the backlog alone cannot tell arrivals from drain while
  // the queue is empty. A counter that goes backwards (reset) is a fresh start.
  std::optional<double> arrivals_total = std::nullopt;
};

struct QueueDecision {
  int32_t count = 0;  // the recommended count, before clamping to [min, max]
  QueueEstimate estimate;
  std::optional<double> arrival_rate;  // set once estimated
  std::optional<double> drain_rate;    // set once μ is known (declared or learned)
};

// The seconds within which an excess backlog is brought back to its target, and within
// which a backlog below its target is let refill.
inline constexpr double kCorrectionSeconds = 60;
inline constexpr double kRefillSeconds = 20;

// Folds `reading` at `now` into the estimate (a read at or before the last one changes
// nothing).
QueueEstimate UpdateQueueEstimate(const QueueSpec& spec, const QueueReading& reading,
                                  const QueueEstimate& previous, absl::Time now);

// The count for the estimate. `current` is the count decided last time (the hysteresis
// band is around it); `arrival_forecast`, when above the estimated arrival rate, is used in
// its place (predictive scale-up). Never recommends fewer containers than the arrival rate
// needs while the backlog is not empty, and at least one while it is not empty; with an
// empty queue and no arrivals it recommends 0.
QueueDecision RecommendQueueCount(const QueueSpec& spec, const QueueReading& reading,
                                  const QueueEstimate& estimate, int32_t current,
                                  std::optional<double> arrival_forecast);

// UpdateQueueEstimate, then RecommendQueueCount without a forecast.
QueueDecision DecideQueue(const QueueSpec& spec, const QueueReading& reading,
                          const QueueEstimate& previous, int32_t current, absl::Time now);

// The estimates, once known: arrivals after a first interval, the drain rate once declared
// or learned from running containers.
std::optional<double> EstimatedArrivalRate(const QueueEstimate& estimate);
std::optional<double> EstimatedDrainRate(const QueueEstimate& estimate);

// A fresh estimate for `spec`: μ seeded from perContainerRate when declared.
QueueEstimate InitialQueueEstimate(const QueueSpec& spec);

}  // namespace microscale::core

#endif  // MICROSCALE_CONTROLLER_CORE_QUEUE_H_
