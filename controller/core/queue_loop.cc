#include "controller/core/queue_loop.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <random>
#include <utility>

#include "absl/time/time.h"
#include "controller/core/desired.h"

namespace microscale::core::testing {

AppSpec QueueLoopApp(double backlog_target, int32_t max) {
  AppSpec s;
  s.name = "worker";
  s.replicas = {0, max};
  s.demand.source = DemandSourceKind::kHttpJson;
  s.demand.interval_seconds = 0.5;
  s.demand.queue = QueueSpec{backlog_target, std::nullopt, std::nullopt};
  return s;
}

std::vector<LoopSample> RunQueueLoop(const AppSpec& spec,
                                     const std::function<double(double)>& lambda, double seconds,
                                     const LoopOptions& options) {
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  std::mt19937_64 rng(options.seed);
  std::deque<double> starting;        // the time each ordered container will be running
  std::vector<double> running_since;  // the time each running container started
  int32_t running = 0;
  double backlog = 0;
  double arrived = 0;  // items ever enqueued
  DesiredState state;
  std::vector<LoopSample> out;
  const double interval = spec.demand.interval_seconds;
  double next_read = 0;
  for (double t = 0; t < seconds; t += options.tick) {
    while (!starting.empty() && starting.front() <= t) {
      running_since.push_back(starting.front());
      starting.pop_front();
      ++running;
    }
    const double rate = std::max(0.0, lambda(t));
    const double arrivals =
        options.poisson
            ? static_cast<double>(std::poisson_distribution<int64_t>(rate * options.tick)(rng))
            : rate * options.tick;
    backlog += arrivals;
    arrived += arrivals;
    // A container drains from drain_lag after its start (the start a read reports).
    int32_t draining = 0;
    for (double s : running_since) draining += t >= s + options.drain_lag ? 1 : 0;
    backlog = std::max(0.0, backlog - options.drain_per_container * draining * options.tick);
    if (t + 1e-9 < next_read) continue;
    next_read += interval;
    const double read = std::floor(backlog + 1e-9);  // a queue reports whole items
    // Each read says when each running container started, as the controller's reads do.
    std::vector<absl::Time> since;
    for (double s : running_since) since.push_back(t0 + absl::Seconds(s));
    auto reading = DemandReading::Value(read, running, static_cast<int32_t>(starting.size()),
                                        std::move(since));
    if (options.count_arrivals) reading.arrivals_total = std::floor(arrived + 1e-9);
    DesiredResult result = ComputeDesired(spec, reading, state, t0 + absl::Seconds(t));
    state = result.state;
    int32_t have = running + static_cast<int32_t>(starting.size());
    for (; have < result.desired; ++have) {
      double ready = t + options.start_delay;
      if (!starting.empty()) ready = std::max(ready, starting.back() + options.start_spacing);
      starting.push_back(ready);
    }
    for (; have > result.desired; --have) {  // not-yet-running ones go first
      if (!starting.empty()) {
        starting.pop_back();
      } else {
        --running;
        running_since.pop_back();
      }
    }
    out.push_back({t, rate, read, result.desired, running, result.arrival_rate.value_or(-1),
                   result.drain_rate_per_container.value_or(-1)});
  }
  return out;
}

int32_t Reversals(const std::vector<LoopSample>& samples, double from, double to) {
  int32_t reversals = 0;
  int direction = 0;
  int32_t last = -1;
  for (const LoopSample& s : samples) {
    if (s.t < from || s.t >= to) continue;
    if (last >= 0 && s.running != last) {
      int d = s.running > last ? 1 : -1;
      if (direction != 0 && d != direction) ++reversals;
      direction = d;
    }
    last = s.running;
  }
  return reversals;
}

double ContainerSeconds(const std::vector<LoopSample>& samples, double from, double to) {
  double seconds = 0;
  for (size_t i = 0; i + 1 < samples.size(); ++i) {
    const LoopSample& s = samples[i];
    if (s.t >= from && s.t < to) seconds += s.running * (samples[i + 1].t - s.t);
  }
  return seconds;
}

double SecondsToZero(const std::vector<LoopSample>& samples, double from) {
  for (const LoopSample& s : samples) {
    if (s.t >= from && s.running == 0 && s.desired == 0) return s.t - from;
  }
  return -1;
}

}  // namespace microscale::core::testing
