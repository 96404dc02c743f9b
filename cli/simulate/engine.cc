#include "cli/simulate/engine.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/simulate/demand_model.h"
#include "cli/simulate/sim_cluster.h"
#include "controller/core/desired.h"

namespace microscale::simulate {
namespace {

// Decisions at one instant before time moves on; only a plan whose own effects keep
// asking for more (never expected) reaches it.
constexpr int kMaxDecisionsPerInstant = 16;
constexpr int64_t kSecondUs = 1'000'000;
// The least time without any change after the last trace row before the run may end.
constexpr int64_t kMinQuietUs = 5 * kSecondUs;

int64_t Micros(absl::Duration d) { return absl::ToInt64Microseconds(d); }
int64_t SecondsToMicros(double s) { return std::llround(std::max(0.0, s) * 1e6); }
int64_t RoundUp(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

std::vector<core::NodeInfo> NodeInfos(const std::vector<SimNode>& nodes) {
  std::vector<core::NodeInfo> infos;
  infos.reserve(nodes.size());
  for (const SimNode& n : nodes) infos.push_back(n.info);
  return infos;
}

class Simulation {
 public:
  Simulation(const SimulationInput& input, const SimulationOptions& options, StepSink& sink)
      : input_(input),
        sink_(sink),
        step_us_(Micros(options.step)),
        cluster_(input.apps, NodeInfos(input.nodes),
                 EngineDelays{Micros(options.start_delay), Micros(options.stop_delay),
                              Micros(options.unpause_delay)},
                 core::DecideOptions{options.placement}),
        demand_(input.trace, input.apps, options.drain_rate),
        decide_on_every_transition_(options.decide_on_every_transition) {
    const size_t n = input.apps.size();
    desired_state_.resize(n);
    desired_.resize(n);
    direction_.assign(n, 0);
    next_read_us_.assign(n, 0);
    rows_.resize(n);
    preemptions_.assign(n, 0);
    shortfall_.assign(n, 0);
    container_us_.assign(n, 0);
    summary_.kind = input.trace.kind;
    summary_.step_seconds = absl::ToDoubleSeconds(options.step);
    int64_t quiet = std::max(kMinQuietUs, step_us_);
    for (size_t i = 0; i < n; ++i) {
      const AppSpec& spec = input.apps[i];
      interval_us_.push_back(
          std::max<int64_t>(1000, SecondsToMicros(spec.demand.interval_seconds)));
      double horizon = spec.demand.predictive ? spec.demand.predictive->horizon_seconds : 0;
      quiet = std::max(quiet, SecondsToMicros(spec.demand.scale_down_delay_seconds + horizon) +
                                  2 * interval_us_.back());
      summary_.apps.push_back(AppSummary{spec.name, 0, 0, 0, 0});
      rows_[i].app = static_cast<int>(i);
      // As the controller does when an app is created: the count before any reading.
      core::DesiredResult r =
          core::ComputeDesired(spec, core::DemandReading::None(), desired_state_[i], TimeOf(0));
      desired_state_[i] = std::move(r.state);
      desired_[i] = r.desired;
      cluster_.SetDesired(static_cast<int>(i), r.desired);
    }
    quiet_us_ = quiet;
    const int64_t last = input.trace.last_at_us();
    fixed_end_ = options.duration.has_value();
    end_us_ = RoundUp(fixed_end_ ? Micros(*options.duration) : last + kTrailingSeconds * kSecondUs,
                      step_us_);
    trace_last_us_ = last;
  }

  SimulationSummary Run() {
    int64_t t = 0;
    int64_t boundary = 0;
    bool first = true;
    while (true) {
      const bool at_boundary = t == boundary;
      if (at_boundary) {
        if (t > 0) EmitRows(t - step_us_);
        if (t >= end_us_ || (!fixed_end_ && Quiet(t))) break;
      }
      ProcessInstant(t, first);
      first = false;
      if (at_boundary) {
        SnapshotRows();
        boundary += step_us_;
      }
      const int64_t next = std::clamp(NextEventUs(), t + 1, boundary);
      Integrate(t, next);
      t = next;
    }
    summary_.seconds = static_cast<double>(summary_.steps) * summary_.step_seconds;
    summary_.decisions = cluster_.decisions();
    summary_.commands = commands_;
    return summary_;
  }

 private:
  static absl::Time TimeOf(int64_t us) { return absl::UnixEpoch() + absl::Microseconds(us); }

  // True when transitions completed that call for a new decision.
  bool CompleteDue(int64_t t) {
    const bool waiting = cluster_.WaitingForRoom();
    if (!cluster_.CompleteDue(t)) return false;
    last_change_us_ = t;
    return waiting || decide_on_every_transition_;
  }

  void ProcessInstant(int64_t t, bool dirty) {
    dirty |= CompleteDue(t);
    if (demand_.AdvanceTo(t)) last_change_us_ = t;
    for (int i = 0; i < cluster_.app_count(); ++i) {
      if (next_read_us_[i] > t) continue;
      dirty |= Read(i, t);
      while (next_read_us_[i] <= t) next_read_us_[i] += interval_us_[i];
    }
    for (int pass = 0; dirty && pass < kMaxDecisionsPerInstant; ++pass) {
      const int64_t before = commands_;
      const bool immediate = cluster_.DecideAndApply(t, preemptions_, commands_);
      if (commands_ != before) last_change_us_ = t;
      dirty = CompleteDue(t) ||
              (immediate && (cluster_.WaitingForRoom() || decide_on_every_transition_));
    }
  }

  // One demand reading of app `i`; true if its desired count changed.
  bool Read(int i, int64_t t) {
    std::optional<double> value = demand_.Reading(i);
    if (!value) return false;  // nothing to read yet: the count holds, as in the controller
    const AppCounts& counts = cluster_.Counts()[i];
    core::DesiredResult r = core::ComputeDesired(
        input_.apps[i], core::DemandReading::Value(*value, counts.running, counts.starting),
        std::move(desired_state_[i]), TimeOf(t));
    desired_state_[i] = std::move(r.state);
    if (r.desired == desired_[i]) return false;
    const int direction = r.desired > desired_[i] ? 1 : -1;
    if (direction_[i] != 0 && direction != direction_[i]) ++summary_.apps[i].reversals;
    direction_[i] = direction;
    desired_[i] = r.desired;
    cluster_.SetDesired(i, r.desired);
    last_change_us_ = t;
    return true;
  }

  int64_t NextEventUs() {
    int64_t next = end_us_;
    for (int64_t read : next_read_us_) next = std::min(next, read);
    if (std::optional<int64_t> row = demand_.NextChangeUs()) next = std::min(next, *row);
    if (std::optional<int64_t> done = cluster_.NextTransitionUs()) next = std::min(next, *done);
    return next;
  }

  void Integrate(int64_t from, int64_t to) {
    const std::vector<AppCounts>& counts = cluster_.Counts();
    demand_.Integrate(from, to, counts, shortfall_);
    for (size_t i = 0; i < counts.size(); ++i) container_us_[i] += counts[i].held * (to - from);
  }

  bool Quiet(int64_t t) const {
    return t > trace_last_us_ && !cluster_.Busy() && !demand_.Moving() &&
           t - last_change_us_ >= quiet_us_;
  }

  void SnapshotRows() {
    const std::vector<AppCounts>& counts = cluster_.Counts();
    for (int i = 0; i < cluster_.app_count(); ++i) {
      StepRow& row = rows_[i];
      row.demand = demand_.Reading(i);
      row.desired = desired_[i];
      row.allocated = cluster_.Allocation(i).allocated;
      row.running = counts[i].running;
      row.paused = counts[i].paused;
    }
  }

  void EmitRows(int64_t row_start_us) {
    for (size_t i = 0; i < rows_.size(); ++i) {
      StepRow& row = rows_[i];
      row.preemptions = std::exchange(preemptions_[i], 0);
      row.shortfall = std::exchange(shortfall_[i], 0);
      AppSummary& s = summary_.apps[i];
      s.preemptions += row.preemptions;
      s.shortfall += row.shortfall;
      s.container_seconds = static_cast<double>(container_us_[i]) / 1e6;
    }
    sink_.OnStep(static_cast<double>(row_start_us) / 1e6, rows_);
    ++summary_.steps;
  }

  const SimulationInput& input_;
  StepSink& sink_;
  const int64_t step_us_;
  SimCluster cluster_;
  DemandModel demand_;
  const bool decide_on_every_transition_;
  std::vector<core::DesiredState> desired_state_;
  std::vector<int32_t> desired_;
  std::vector<int> direction_;  // of the last change of desired: +1, -1, 0 before any
  std::vector<int64_t> interval_us_;
  std::vector<int64_t> next_read_us_;
  std::vector<StepRow> rows_;
  std::vector<int64_t> preemptions_;  // over the current step
  std::vector<double> shortfall_;     // over the current step
  std::vector<int64_t> container_us_;
  int64_t commands_ = 0;
  int64_t last_change_us_ = 0;
  int64_t quiet_us_ = 0;
  int64_t trace_last_us_ = 0;
  int64_t end_us_ = 0;
  bool fixed_end_ = false;
  SimulationSummary summary_;
};

absl::Status CheckInput(const SimulationInput& input, const SimulationOptions& options) {
  if (options.step < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError("--step must be at least 1ms");
  }
  if (options.start_delay < absl::ZeroDuration() || options.stop_delay < absl::ZeroDuration() ||
      options.unpause_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("delays must not be negative");
  }
  if (options.duration && *options.duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--duration must be greater than zero");
  }
  if (input.apps.empty()) return absl::InvalidArgumentError("no apps to simulate");
  if (input.nodes.empty()) return absl::InvalidArgumentError("no nodes to simulate on");
  for (const TracePoint& p : input.trace.points) {
    if (p.app < 0 || static_cast<size_t>(p.app) >= input.apps.size()) {
      return absl::InvalidArgumentError("the trace names an app that is not in the input");
    }
  }
  if (input.trace.kind == TraceKind::kArrivals &&
      !(options.drain_rate > 0 && std::isfinite(options.drain_rate))) {
    return absl::InvalidArgumentError(
        "an arrivals trace needs --drain-rate (items/s one running container drains, > 0)");
  }
  const int64_t step_us = Micros(options.step);
  const int64_t end_us = options.duration ? Micros(*options.duration)
                                          : input.trace.last_at_us() + kTrailingSeconds * kSecondUs;
  if (end_us / step_us > kMaxSteps) {
    return absl::InvalidArgumentError(
        absl::StrCat("the run would take ", end_us / step_us, " steps, more than ", kMaxSteps,
                     "; use a longer --step or a shorter --duration"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SimulationSummary> Simulate(const SimulationInput& input,
                                           const SimulationOptions& options, StepSink& sink) {
  if (absl::Status status = CheckInput(input, options); !status.ok()) return status;
  Simulation simulation(input, options, sink);
  return simulation.Run();
}

}  // namespace microscale::simulate
