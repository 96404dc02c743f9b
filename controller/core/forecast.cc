#include "controller/core/forecast.h"

#include <algorithm>
#include <cmath>

namespace microscale::core {
namespace {

// The trend looks back about this far at least, so a short horizon still fits a line
// through several reads.
constexpr double kMinTimeConstant = 10;
// Fewer weighted reads than this cannot give a meaningful slope and spread.
constexpr double kMinWeight = 4;

double TimeConstant(double horizon_seconds) { return std::max(kMinTimeConstant, horizon_seconds); }

}  // namespace

TrendEstimate AddToTrend(const TrendEstimate& previous, double value, absl::Time now,
                         double horizon_seconds) {
  if (!std::isfinite(value)) return previous;
  TrendEstimate e = previous;
  if (e.primed) {
    if (now <= e.at) return previous;
    // Re-express the sums with times relative to `now`, then age them.
    const double d = absl::ToDoubleSeconds(now - e.at);
    e.stt = e.stt - 2 * d * e.st + d * d * e.s0;
    e.sty = e.sty - d * e.sy;
    e.st = e.st - d * e.s0;
    const double w = std::exp(-d / TimeConstant(horizon_seconds));
    e.s0 *= w, e.st *= w, e.stt *= w, e.sy *= w, e.sty *= w, e.syy *= w;
  }
  e.primed = true;
  e.at = now;
  e.s0 += 1;
  e.sy += value;
  e.syy += value * value;
  return e;
}

std::optional<double> ForecastRising(const TrendEstimate& trend, double horizon_seconds) {
  if (!trend.primed || trend.s0 < kMinWeight) return std::nullopt;
  const double sxx = trend.stt - trend.st * trend.st / trend.s0;
  if (!(sxx > 0)) return std::nullopt;
  const double slope = (trend.sty - trend.st * trend.sy / trend.s0) / sxx;
  if (!(slope > 0)) return std::nullopt;
  const double intercept = (trend.sy - slope * trend.st) / trend.s0;  // the line at `at`
  // Weighted residual sum of squares of the line.
  const double sse = trend.syy - 2 * intercept * trend.sy - 2 * slope * trend.sty +
                     intercept * intercept * trend.s0 + 2 * intercept * slope * trend.st +
                     slope * slope * trend.stt;
  const double variance = std::max(0.0, sse) / (trend.s0 - 2);
  const double slope_error = std::sqrt(variance / sxx);
  if (slope_error > 0 && slope / slope_error < kTrendSignificance) return std::nullopt;
  return intercept + slope * std::max(0.0, horizon_seconds);
}

}  // namespace microscale::core
