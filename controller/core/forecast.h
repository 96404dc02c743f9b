// Predictive scale-up (`spec.demand.predictive`): a forecast of the demand `horizon`
// seconds ahead from the trend of recent reads.
//
// The trend is an exponentially weighted least-squares line through the reads (time
// constant: the horizon), kept as running sums so each read costs O(1) and the state is a
// few numbers. The forecast is used only when the slope is significant (its t statistic
// above kTrendSignificance), so a series with no trend, however noisy, adds nothing.
// docs/decision.md explains the choices. Thread-safety: plain functions over values.
#ifndef MICROSCALE_CONTROLLER_CORE_FORECAST_H_
#define MICROSCALE_CONTROLLER_CORE_FORECAST_H_

#include <optional>

#include "absl/time/time.h"

namespace microscale::core {

// Weighted sums of the reads, with times in seconds relative to `at` (the last read).
struct TrendEstimate {
  bool primed = false;
  absl::Time at;
  double s0 = 0;   // Σw
  double st = 0;   // Σw·t
  double stt = 0;  // Σw·t²
  double sy = 0;   // Σw·y
  double sty = 0;  // Σw·t·y
  double syy = 0;  // Σw·y²
  bool operator==(const TrendEstimate&) const = default;
};

// The t statistic a slope needs before it is trusted.
inline constexpr double kTrendSignificance = 3.0;

// Adds the read `value` at `now` (reads at or before the last are ignored).
TrendEstimate AddToTrend(const TrendEstimate& previous, double value, absl::Time now,
                         double horizon_seconds);

// The fitted demand `horizon_seconds` after the last read, when the trend is significant
// and rising; nullopt otherwise (too few reads, flat, falling or not significant).
std::optional<double> ForecastRising(const TrendEstimate& trend, double horizon_seconds);

}  // namespace microscale::core

#endif  // MICROSCALE_CONTROLLER_CORE_FORECAST_H_
