#include "controller/demand/random_source.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

RandomDemand Walk(double min, double max, double every) {
  RandomDemand spec;
  spec.min = min;
  spec.max = max;
  spec.change_every_seconds = every;
  return spec;
}

// The value at the start of each of `steps` periods, read in order.
std::vector<double> Sequence(RandomWalkDemandSource& source, int steps, double every) {
  std::vector<double> values;
  for (int i = 0; i < steps; ++i) values.push_back(*source.Read(kStart + absl::Seconds(i * every)));
  return values;
}

TEST(RandomWalkDemandSourceTest, SameSeedAndTimesGiveTheSameValues) {
  RandomWalkDemandSource a(Walk(0, 40, 3), 7);
  RandomWalkDemandSource b(Walk(0, 40, 3), 7);
  EXPECT_EQ(Sequence(a, 200, 3), Sequence(b, 200, 3));
}

TEST(RandomWalkDemandSourceTest, DifferentSeedsGiveDifferentWalks) {
  RandomWalkDemandSource a(Walk(0, 1000, 1), 7);
  RandomWalkDemandSource b(Walk(0, 1000, 1), 8);
  EXPECT_NE(Sequence(a, 50, 1), Sequence(b, 50, 1));
}

TEST(RandomWalkDemandSourceTest, StaysWithinBoundsAndCoversTheRange) {
  RandomWalkDemandSource source(Walk(5, 45, 1), 42);
  std::vector<double> values = Sequence(source, 5000, 1);
  double low = 1e9;
  double high = -1e9;
  for (double v : values) {
    ASSERT_GE(v, 5);
    ASSERT_LE(v, 45);
    ASSERT_EQ(v, std::round(v)) << "whole bounds give whole values";
    low = std::min(low, v);
    high = std::max(high, v);
  }
  EXPECT_LE(low, 10);
  EXPECT_GE(high, 40);
}

TEST(RandomWalkDemandSourceTest, StepsAreBoundedByAQuarterOfTheRange) {
  RandomWalkDemandSource source(Walk(0, 100, 1), 3);
  std::vector<double> values = Sequence(source, 2000, 1);
  for (size_t i = 1; i < values.size(); ++i) {
    EXPECT_LE(std::abs(values[i] - values[i - 1]), 25 + 1) << "step " << i;
  }
}

TEST(RandomWalkDemandSourceTest, ChangesOnlyEveryPeriod) {
  RandomWalkDemandSource source(Walk(0, 1000, 3), 11);
  int changes = 0;
  double previous = *source.Read(kStart);
  for (int period = 0; period < 100; ++period) {
    absl::Time begin = kStart + absl::Seconds(3 * period);
    double at_begin = *source.Read(begin);
    EXPECT_EQ(*source.Read(begin + absl::Milliseconds(1500)), at_begin);
    EXPECT_EQ(*source.Read(begin + absl::Milliseconds(2999)), at_begin);
    if (at_begin != previous) ++changes;
    previous = at_begin;
  }
  EXPECT_GE(changes, 90);
}

TEST(RandomWalkDemandSourceTest, ValueIsAFunctionOfTimeNotOfReadOrder) {
  RandomWalkDemandSource in_order(Walk(0, 40, 2), 5);
  RandomWalkDemandSource jumping(Walk(0, 40, 2), 5);
  std::vector<double> expected = Sequence(in_order, 30, 2);
  ASSERT_EQ(*jumping.Read(kStart), expected[0]);  // the first read fixes the origin
  EXPECT_EQ(*jumping.Read(kStart + absl::Seconds(2 * 29)), expected[29]);
  EXPECT_EQ(*jumping.Read(kStart + absl::Seconds(2 * 10)), expected[10]);
  EXPECT_EQ(*jumping.Read(kStart + absl::Seconds(2 * 20)), expected[20]);
}

TEST(RandomWalkDemandSourceTest, FractionalBoundsGiveFractionalValues) {
  RandomWalkDemandSource source(Walk(0.5, 1.5, 1), 9);
  bool saw_fraction = false;
  for (double v : Sequence(source, 100, 1)) {
    EXPECT_GE(v, 0.5);
    EXPECT_LE(v, 1.5);
    if (v != std::round(v)) saw_fraction = true;
  }
  EXPECT_TRUE(saw_fraction);
}

TEST(RandomWalkDemandSourceTest, FactoryUsesTheManifestSeed) {
  AppSpec app;
  app.demand.source = DemandSourceKind::kRandom;
  app.demand.random = Walk(0, 40, 3);
  app.demand.random.seed = 7;
  auto a = MakeDemandSource(app);
  auto b = MakeDemandSource(app);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 50; ++i) {
    absl::Time t = kStart + absl::Seconds(3 * i);
    EXPECT_EQ(*(*a)->Read(t), *(*b)->Read(t));
  }
}

}  // namespace
}  // namespace microscale
