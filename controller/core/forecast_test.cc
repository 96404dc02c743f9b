#include "controller/core/forecast.h"

#include <random>

#include "controller/core/test_util.h"
#include "gtest/gtest.h"

namespace microscale::core {
namespace {

using testing::kT0;

TrendEstimate Feed(const std::vector<double>& values, double horizon) {
  TrendEstimate trend;
  for (size_t i = 0; i < values.size(); ++i) {
    trend = AddToTrend(trend, values[i], kT0 + absl::Seconds(static_cast<double>(i)), horizon);
  }
  return trend;
}

TEST(ForecastTest, ARampIsExtrapolatedByItsSlope) {
  std::vector<double> ramp;
  for (int i = 0; i < 60; ++i) ramp.push_back(5 + 0.5 * i);  // last value 34.5
  std::optional<double> f = ForecastRising(Feed(ramp, 20), 20);
  ASSERT_TRUE(f.has_value());
  EXPECT_NEAR(*f, 34.5 + 0.5 * 20, 1e-6);
}

TEST(ForecastTest, AFallingOrFlatSeriesHasNoForecast) {
  std::vector<double> falling;
  std::vector<double> flat(60, 12.0);
  for (int i = 0; i < 60; ++i) falling.push_back(100 - i);
  EXPECT_FALSE(ForecastRising(Feed(falling, 20), 20).has_value());
  EXPECT_FALSE(ForecastRising(Feed(flat, 20), 20).has_value());
}

TEST(ForecastTest, NoiseWithoutATrendRarelyForecasts) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(50, 10);
  TrendEstimate trend;
  int forecasts = 0;
  const int reads = 3600;
  for (int i = 0; i < reads; ++i) {
    trend = AddToTrend(trend, noise(rng), kT0 + absl::Seconds(i), 30);
    if (ForecastRising(trend, 30).has_value()) ++forecasts;
  }
  EXPECT_LT(forecasts, reads / 20);  // under 5% of reads, against half for a bare slope
}

TEST(ForecastTest, TooFewReadsOrOldReadsAreIgnored) {
  EXPECT_FALSE(ForecastRising(Feed({1, 2}, 10), 10).has_value());
  TrendEstimate t = Feed({1, 2, 3, 4, 5, 6}, 10);
  EXPECT_EQ(AddToTrend(t, 100, kT0, 10), t);  // not after the last read
}

}  // namespace
}  // namespace microscale::core
