#include "controller/core/desired.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace microscale::core {
namespace {

// Rounding slack so that e.g. 0.3 / 0.1 (2.9999999999999996) is not pushed up to 4.
constexpr double kRoundingSlack = 1e-9;

int32_t Clamp(int64_t count, const Replicas& replicas) {
  return static_cast<int32_t>(std::clamp<int64_t>(count, replicas.min, replicas.max));
}

bool WithinTolerance(double demand, int32_t current, const DemandSpec& spec) {
  if (current <= 0 || spec.tolerance <= 0) return false;
  double ratio = demand / (static_cast<double>(current) * spec.target_per_container);
  return std::abs(ratio - 1.0) <= spec.tolerance;
}

// Records `rec` and returns the highest recommendation within the window ending at `now`.
int32_t WindowMaximum(DesiredState& state, absl::Time now, double window_seconds, int32_t rec) {
  absl::Time oldest = now - absl::Seconds(std::max(0.0, window_seconds));
  auto& h = state.history;
  h.erase(h.begin(), std::find_if(h.begin(), h.end(),
                                  [&](const Recommendation& r) { return r.at >= oldest; }));
  while (!h.empty() && h.back().count <= rec) h.pop_back();
  h.push_back({now, rec});
  return h.front().count;
}

// Applies the stabilization window: scale up at once, scale down only as far as the
// window's highest recommendation allows.
int32_t Stabilize(const AppSpec& spec, DesiredState& state, absl::Time now, int32_t current,
                  int32_t rec) {
  int32_t window_max = WindowMaximum(state, now, spec.demand.scale_down_delay_seconds, rec);
  if (rec >= current) return rec;
  return std::min(current, window_max);
}

// Level mode: ceil(demand / target), on the forecast when predictive and above the read.
int32_t LevelRecommendation(const AppSpec& spec, double demand, int32_t current,
                            DesiredState& state, absl::Time now, DesiredResult& out) {
  if (spec.demand.predictive.has_value()) {
    const double horizon = spec.demand.predictive->horizon_seconds;
    state.trend = AddToTrend(state.trend, demand, now, horizon);
    std::optional<double> forecast = ForecastRising(state.trend, horizon);
    if (forecast.has_value() && *forecast > demand) {
      out.forecast = forecast;
      demand = *forecast;
    }
  }
  const Replicas& r = spec.replicas;
  return WithinTolerance(demand, current, spec.demand)
             ? current
             : RawRecommendation(demand, spec.demand.target_per_container, r.min, r.max);
}

// Queue mode: the count that holds the backlog near its target (queue.h); predictive
// forecasts the arrival rate.
int32_t QueueRecommendation(const AppSpec& spec, const DemandReading& reading, int32_t current,
                            DesiredState& state, absl::Time now, DesiredResult& out) {
  const QueueSpec& queue = *spec.demand.queue;
  QueueReading q{reading.value, reading.running, reading.starting, reading.running_since,
                 reading.arrivals_total};
  state.queue = UpdateQueueEstimate(queue, q, state.queue, now);
  std::optional<double> forecast;
  if (spec.demand.predictive.has_value()) {
    if (std::optional<double> arrival = EstimatedArrivalRate(state.queue)) {
      const double horizon = spec.demand.predictive->horizon_seconds;
      state.trend = AddToTrend(state.trend, *arrival, now, horizon);
      forecast = ForecastRising(state.trend, horizon);
      if (forecast.has_value() && *forecast > *arrival) out.forecast = forecast;
    }
  }
  QueueDecision decision = RecommendQueueCount(queue, q, state.queue, current, forecast);
  state.queue = decision.estimate;
  return decision.count;
}

}  // namespace

int32_t RawRecommendation(double demand, double target, int32_t min, int32_t max) {
  if (!(target > 0)) target = 1;
  double q = std::max(0.0, demand) / target;
  if (q >= static_cast<double>(max)) return max;
  int64_t n = static_cast<int64_t>(std::ceil(q - kRoundingSlack));
  return static_cast<int32_t>(std::clamp<int64_t>(n, min, max));
}

DesiredResult ComputeDesired(const AppSpec& spec, const DemandReading& reading,
                             DesiredState previous, absl::Time now) {
  DesiredResult out;
  out.state = std::move(previous);
  DesiredState& state = out.state;
  const Replicas& r = spec.replicas;
  const int32_t current = Clamp(state.last.value_or(r.min), r);
  bool failed = reading.kind == DemandReading::Kind::kFailure ||
                (reading.kind == DemandReading::Kind::kValue && !std::isfinite(reading.value));
  std::optional<int32_t> rec;
  if (failed) {
    ++state.consecutive_failures;
    const auto& fb = spec.demand.fallback;
    if (fb.has_value() && state.consecutive_failures >= fb->after_failures) {
      rec = Clamp(fb->replicas, r);
    }
  } else if (reading.kind == DemandReading::Kind::kValue) {
    state.consecutive_failures = 0;
    rec = spec.demand.queue.has_value()
              ? Clamp(QueueRecommendation(spec, reading, current, state, now, out), r)
              : LevelRecommendation(spec, reading.value, current, state, now, out);
  }
  out.desired = rec.has_value() ? Clamp(Stabilize(spec, state, now, current, *rec), r) : current;
  state.last = out.desired;
  if (spec.demand.queue.has_value()) {
    out.arrival_rate = EstimatedArrivalRate(state.queue);
    out.drain_rate_per_container = EstimatedDrainRate(state.queue);
    out.arrivals_counted = state.queue.counted;
  }
  return out;
}

bool IsSettled(const AppSpec& spec, const DemandReading& reading, const DesiredResult& result) {
  return reading.kind == DemandReading::Kind::kValue && std::isfinite(reading.value) &&
         !spec.demand.queue.has_value() && !spec.demand.predictive.has_value() &&
         result.state.history.size() == 1 && result.state.history.back().count == result.desired;
}

DesiredState HoldUntil(DesiredState state, absl::Time last) {
  if (!state.history.empty() && state.history.back().at < last) state.history.back().at = last;
  return state;
}

}  // namespace microscale::core
