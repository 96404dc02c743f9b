// Simulate: `microscalectl simulate`'s engine. It runs the controller's real decision core
// (core::ComputeDesired per app at the app's reading interval, core::Decide on the whole
// cluster) offline over a demand trace, on simulated nodes and containers (sim_cluster.h),
// with no clock: simulated time jumps from one event to the next (a step boundary, a
// reading, a trace row, a container transition), so delays shorter than a step are
// honoured exactly and a day of one-second steps runs in seconds.
//
// At every instant, in the controller's order: transitions that completed are taken in,
// the trace moves on, apps due for a reading get ComputeDesired with the reading and their
// running and starting counts, and if anything changed (a desired count, a container)
// Decide runs and its commands start playing out; a decision whose commands take effect
// at once (a pause, a zero delay) is followed by another at the same instant. A container
// transition that the last plan already assumed (a start or resume done, a stop gone)
// needs no new decision unless that plan had work waiting for room.
//
// Output is one row per app per step, on the step grid. A row at time t shows the state
// right after the decisions at t (demand, desired, allocated, running, paused) and what
// happened over [t, t + step): preemptions and shortfall (demand_model.h). The same input
// always gives the same output. Thread-safety: a pure function of its arguments.
#ifndef MICROSCALE_CLI_SIMULATE_ENGINE_H_
#define MICROSCALE_CLI_SIMULATE_ENGINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/simulate/nodes_csv.h"
#include "cli/simulate/trace_csv.h"
#include "common/manifest/app.h"
#include "controller/core/types.h"

namespace microscale::simulate {

struct SimulationOptions {
  absl::Duration step = absl::Seconds(1);
  absl::Duration start_delay = absl::Milliseconds(300);
  absl::Duration stop_delay = absl::ZeroDuration();
  absl::Duration unpause_delay = absl::Milliseconds(30);
  // Unset: until the last trace time + kTrailingSeconds, or earlier once the cluster is
  // quiet after the last trace time (nothing in flight, no count changed for a while).
  std::optional<absl::Duration> duration;
  double drain_rate = 0;  // arrivals trace: items/s one running container drains (> 0)
  core::PlacementStrategy placement = core::PlacementStrategy::kSpread;
  // Decide after every completed transition, as the controller does, rather than only
  // when the last plan had work waiting for room (SimCluster::WaitingForRoom). Both give
  // the same rows (tested); the default makes a day of steps several times faster.
  bool decide_on_every_transition = false;
};

inline constexpr int64_t kTrailingSeconds = 60;
inline constexpr int64_t kMaxSteps = 100'000'000;

struct SimulationInput {
  std::vector<AppSpec> apps;  // names unique; rows follow this order
  std::vector<SimNode> nodes;
  DemandTrace trace;
};

struct StepRow {
  int app = 0;                   // index into SimulationInput::apps
  std::optional<double> demand;  // the reading (level) or backlog (arrivals); unset: none yet
  int32_t desired = 0;
  int32_t allocated = 0;
  int32_t running = 0;
  int32_t paused = 0;
  int64_t preemptions = 0;  // containers of the app stopped or paused for others in the step
  double shortfall = 0;     // unit-seconds (level) or item-seconds (arrivals) over the step
  bool operator==(const StepRow&) const = default;
};

// Receives the rows of each step, in time order, as the simulation produces them.
class StepSink {
 public:
  virtual ~StepSink() = default;
  virtual void OnStep(double seconds, const std::vector<StepRow>& rows) = 0;
};

struct AppSummary {
  std::string app;
  double container_seconds = 0;  // ∫ containers holding resources (any state) dt
  double shortfall = 0;          // the sum of the step shortfalls
  int64_t preemptions = 0;
  int64_t reversals = 0;  // times the desired count turned from rising to falling or back
  bool operator==(const AppSummary&) const = default;
};

struct SimulationSummary {
  TraceKind kind = TraceKind::kLevel;
  double step_seconds = 1;
  double seconds = 0;  // simulated time covered by the rows
  int64_t steps = 0;
  int64_t decisions = 0;  // core::Decide calls
  int64_t commands = 0;   // commands the plans issued
  std::vector<AppSummary> apps;
};

// Runs the simulation, passing each step's rows to `sink`. InvalidArgument for options
// that cannot run (a step under 1ms, a negative delay, no app or node, an arrivals trace
// without a drain rate, more than kMaxSteps steps).
absl::StatusOr<SimulationSummary> Simulate(const SimulationInput& input,
                                           const SimulationOptions& options, StepSink& sink);

}  // namespace microscale::simulate

#endif  // MICROSCALE_CLI_SIMULATE_ENGINE_H_
