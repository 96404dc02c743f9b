// A closed queue loop in simulated time, for tests of queue mode: arrivals go into a
// queue, every running container drains it at a fixed rate, the backlog is read at the
// app's interval and fed to ComputeDesired, and the desired count starts or stops
// containers (a start takes `start_delay` to run). Used by queue_test.cc; the figures it
// reports are those of the closed-loop table. Thread-safety: none; one per test.
#ifndef MICROSCALE_CONTROLLER_CORE_QUEUE_LOOP_H_
#define MICROSCALE_CONTROLLER_CORE_QUEUE_LOOP_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "common/manifest/app.h"

namespace microscale::core::testing {

struct LoopOptions {
  double drain_per_container = 1;  // μ, items/s
  double start_delay = 0.75;       // seconds from order to running
  // A busy engine finishes one start at a time: at most one per this many seconds (0: all
  // at once). Orders of many containers then arrive spread out, as on a real dockerd.
  double start_spacing = 0;
  double tick = 0.05;    // integration step, seconds
  bool poisson = false;  // Poisson arrivals (seeded) instead of a fluid stream
  uint64_t seed = 1;
  // The source also counts the items ever enqueued (QueueReading.arrivals_total).
  bool count_arrivals = false;
  // A container starts draining this long after the start its reads report (its process
  // coming up; on bench/queue polling the engine, the poll's own delay).
  double drain_lag = 0;
};

struct LoopSample {
  double t = 0;
  double arrival_rate = 0;
  double backlog = 0;
  int32_t desired = 0;
  int32_t running = 0;
  double arrival_estimate = -1;  // -1 until estimated
  double drain_estimate = -1;
};

// An app in queue mode as the loop's tests run it: `queue: {backlogTarget: backlog_target}`
// (no declared rate), read every 0.5 s from an http-json source, 0 to `max` containers.
AppSpec QueueLoopApp(double backlog_target, int32_t max = 40);

// Runs `seconds` of the loop with arrival rate `lambda(t)`; one sample per read.
std::vector<LoopSample> RunQueueLoop(const AppSpec& spec,
                                     const std::function<double(double)>& lambda, double seconds,
                                     const LoopOptions& options = {});

// Direction changes of the running count among `samples` with t in [from, to).
int32_t Reversals(const std::vector<LoopSample>& samples, double from, double to);

// Container-seconds the running count spent among `samples` with t in [from, to), each
// sample's count held until the next sample.
double ContainerSeconds(const std::vector<LoopSample>& samples, double from, double to);

// Seconds from `from` to the first sample at or after it with nothing running and nothing
// desired; -1 if none.
double SecondsToZero(const std::vector<LoopSample>& samples, double from);

}  // namespace microscale::core::testing

#endif  // MICROSCALE_CONTROLLER_CORE_QUEUE_LOOP_H_
