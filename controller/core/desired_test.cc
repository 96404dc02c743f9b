#include "controller/core/desired.h"

#include <cmath>
#include <limits>
#include <vector>

#include "controller/core/test_util.h"
#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

namespace microscale::core {
namespace {

using testing::kT0;

AppSpec Spec(int32_t min, int32_t max, double target = 10) {
  AppSpec s;
  s.name = "api";
  s.replicas = {min, max};
  s.demand.target_per_container = target;
  return s;
}

// Feeds (seconds after kT0, reading) pairs in order and returns each desired count.
std::vector<int32_t> Feed(const AppSpec& spec,
                          const std::vector<std::pair<int, DemandReading>>& steps,
                          DesiredState state = {}) {
  std::vector<int32_t> out;
  for (const auto& [sec, reading] : steps) {
    DesiredResult r = ComputeDesired(spec, reading, state, kT0 + absl::Seconds(sec));
    out.push_back(r.desired);
    state = r.state;
  }
  return out;
}

DemandReading V(double v) { return DemandReading::Value(v); }
DemandReading Fail() { return DemandReading::Failure(); }

TEST(RawRecommendationTest, CeilOfDemandOverTargetClamped) {
  struct Case {
    double demand, target;
    int32_t min, max, want;
  };
  const Case cases[] = {{25, 10, 0, 20, 3},   {20, 10, 0, 20, 2},    {0, 10, 0, 20, 0},
                        {0, 10, 2, 20, 2},    {1000, 10, 0, 20, 20}, {-5, 10, 1, 20, 1},
                        {0.3, 0.1, 0, 20, 3}, {0.7, 0.1, 0, 20, 7},  {0.01, 10, 0, 20, 1},
                        {1e300, 1, 0, 9, 9},  {12, 1, 0, 10000, 12}};
  for (const Case& c : cases) {
    EXPECT_EQ(RawRecommendation(c.demand, c.target, c.min, c.max), c.want)
        << c.demand << "/" << c.target;
  }
}

TEST(ComputeDesiredTest, BeforeAnyReadingTheMinHolds) {
  EXPECT_EQ(Feed(Spec(2, 10), {{0, DemandReading::None()}}), std::vector<int32_t>{2});
}

TEST(ComputeDesiredTest, FollowsDemandUpAndDownWithoutWindow) {
  EXPECT_EQ(Feed(Spec(1, 10), {{0, V(35)}, {1, V(5)}, {2, V(500)}, {3, V(0)}}),
            (std::vector<int32_t>{4, 1, 10, 1}));
}

TEST(ComputeDesiredTest, ToleranceKeepsCurrentInsideTheDeadBand) {
  AppSpec spec = Spec(0, 100, 1);
  spec.demand.tolerance = 0.1;
  // From 10: 10.5 and 9.1 are within 10%, 11.5 and 8.9 are not.
  EXPECT_EQ(Feed(spec, {{0, V(10)}, {1, V(10.5)}, {2, V(9.1)}, {3, V(11.5)}}),
            (std::vector<int32_t>{10, 10, 10, 12}));
  EXPECT_EQ(Feed(spec, {{0, V(10)}, {1, V(8.9)}}), (std::vector<int32_t>{10, 9}));
  // From zero there is no ratio: any demand scales up.
  EXPECT_EQ(Feed(spec, {{0, V(0)}, {1, V(0.5)}}), (std::vector<int32_t>{0, 1}));
}

TEST(ComputeDesiredTest, ScaleDownWaitsForTheHighestRecommendationInWindow) {
  AppSpec spec = Spec(0, 100, 1);
  spec.demand.scale_down_delay_seconds = 60;
  EXPECT_EQ(Feed(spec, {{0, V(10)},   // up at once
                        {10, V(2)},   // 10 still in window
                        {30, V(5)},   // 10 still in window
                        {45, V(12)},  // up at once
                        {106, V(2)},  // 12 (t=45) expired; nothing else left above 2
                        {107, V(1)}}),
            (std::vector<int32_t>{10, 10, 10, 12, 2, 2}));
  EXPECT_EQ(Feed(spec, {{0, V(10)}, {30, V(5)}, {61, V(2)}, {91, V(2)}}),
            (std::vector<int32_t>{10, 10, 5, 2}));
}

TEST(ComputeDesiredTest, WindowHistoryStaysSmall) {
  AppSpec spec = Spec(0, 1000, 1);
  spec.demand.scale_down_delay_seconds = 300;
  DesiredState state;
  for (int i = 0; i < 1000; ++i) {
    state = ComputeDesired(spec, V(i), state, kT0 + absl::Seconds(i)).state;
  }
  EXPECT_EQ(state.history.size(), 1u);  // rising demand: only the newest can be a maximum
}

TEST(ComputeDesiredTest, FailureKeepsTheLastCountWithoutFallback) {
  EXPECT_EQ(Feed(Spec(0, 10), {{0, V(50)}, {1, Fail()}, {2, Fail()}, {3, Fail()}, {4, Fail()}}),
            (std::vector<int32_t>{5, 5, 5, 5, 5}));
  EXPECT_EQ(
      Feed(Spec(0, 10),
           {{0, V(50)}, {1, V(std::nan(""))}, {2, V(std::numeric_limits<double>::infinity())}}),
      (std::vector<int32_t>{5, 5, 5}));
}

TEST(ComputeDesiredTest, FallbackAfterConsecutiveFailures) {
  AppSpec spec = Spec(0, 10);
  spec.demand.fallback = Fallback{3, 2};
  EXPECT_EQ(Feed(spec, {{0, V(50)},
                        {1, Fail()},
                        {2, Fail()},
                        {3, Fail()},
                        {4, Fail()},
                        {5, V(70)},
                        {6, Fail()}}),
            (std::vector<int32_t>{5, 5, 5, 2, 2, 7, 7}));
  spec.demand.fallback = Fallback{2, 8};
  EXPECT_EQ(Feed(spec, {{0, V(10)}, {1, Fail()}, {2, Fail()}}), (std::vector<int32_t>{1, 1, 8}));
}

TEST(ComputeDesiredTest, FallbackIsClampedAndHeldByTheWindow) {
  AppSpec spec = Spec(3, 6);
  spec.demand.fallback = Fallback{1, 0};
  EXPECT_EQ(Feed(spec, {{0, V(50)}, {1, Fail()}}), (std::vector<int32_t>{5, 3}));
  spec.demand.scale_down_delay_seconds = 30;
  EXPECT_EQ(Feed(spec, {{0, V(50)}, {1, Fail()}, {40, Fail()}}), (std::vector<int32_t>{5, 5, 3}));
}

TEST(ComputeDesiredTest, SpecChangesAreClampedAtOnce) {
  DesiredState state;
  state.last = 9;
  EXPECT_EQ(ComputeDesired(Spec(0, 4), DemandReading::None(), state, kT0).desired, 4);
  EXPECT_EQ(ComputeDesired(Spec(12, 20), Fail(), state, kT0).desired, 12);
}

TEST(ComputeDesiredTest, SameInputSameResult) {
  AppSpec spec = Spec(0, 50, 3);
  spec.demand.tolerance = 0.05;
  spec.demand.scale_down_delay_seconds = 20;
  std::vector<std::pair<int, DemandReading>> steps;
  for (int i = 0; i < 100; ++i) steps.push_back({i, i % 7 == 0 ? Fail() : V((i * 37) % 120)});
  EXPECT_EQ(Feed(spec, steps), Feed(spec, steps));
}

// A settled reading, held for any time and then followed by any value, decides as the
// same value read every second until then would have (what the controller relies on when
// it stops reading a static source whose decision is settled).
RC_GTEST_PROP(DesiredProperty, ASettledValueHeldDecidesAsOneReadEverySecond, ()) {
  const int32_t min = *rc::gen::inRange(0, 4);
  AppSpec spec = Spec(min, min + *rc::gen::inRange(1, 40), *rc::gen::inRange(1, 8));
  spec.demand.tolerance = *rc::gen::element(0.0, 0.1, 0.3);
  spec.demand.scale_down_delay_seconds = *rc::gen::inRange(0, 120);
  const auto values =
      *rc::gen::container<std::vector<int>>(*rc::gen::inRange(1, 8), rc::gen::inRange(0, 300));
  DesiredState state;
  int t = 0;
  DesiredResult last;
  for (int v : values) {
    t += *rc::gen::inRange(1, 30);
    last = ComputeDesired(spec, V(v), state, kT0 + absl::Seconds(t));
    state = last.state;
  }
  RC_PRE(IsSettled(spec, V(values.back()), last));
  const int held = *rc::gen::inRange(1, 400);
  const int next = *rc::gen::inRange(0, 300);

  DesiredState read_on = state;
  for (int s = 1; s <= held; ++s) {
    DesiredResult again =
        ComputeDesired(spec, V(values.back()), read_on, kT0 + absl::Seconds(t + s));
    RC_ASSERT(again.desired == last.desired);
    RC_ASSERT(IsSettled(spec, V(values.back()), again));
    read_on = again.state;
  }
  DesiredState kept = HoldUntil(state, kT0 + absl::Seconds(t + held));
  RC_ASSERT(kept == read_on);
  // And from there on, whatever comes next, the two agree.
  for (int s = 1; s <= 150; s += 7) {
    const absl::Time at = kT0 + absl::Seconds(t + held + s);
    DesiredResult a = ComputeDesired(spec, V(next), read_on, at);
    DesiredResult b = ComputeDesired(spec, V(next), kept, at);
    RC_ASSERT(a.desired == b.desired);
    read_on = a.state;
    kept = b.state;
  }
}

TEST(ComputeDesiredTest, QueueModePredictiveAndAWindowStillFallingAreNotSettled) {
  AppSpec spec = Spec(0, 100, 1);
  spec.demand.scale_down_delay_seconds = 60;
  DesiredResult up = ComputeDesired(spec, V(10), {}, kT0);
  EXPECT_TRUE(IsSettled(spec, V(10), up));
  DesiredResult down = ComputeDesired(spec, V(2), up.state, kT0 + absl::Seconds(5));
  EXPECT_EQ(down.desired, 10);
  EXPECT_FALSE(IsSettled(spec, V(2), down)) << "10 is still in the window: 2 is yet to come";
  EXPECT_FALSE(IsSettled(spec, Fail(), ComputeDesired(spec, Fail(), up.state, kT0)));

  AppSpec predictive = spec;
  predictive.demand.predictive = PredictiveSpec{30};
  EXPECT_FALSE(IsSettled(predictive, V(10), ComputeDesired(predictive, V(10), {}, kT0)));
  AppSpec queue = spec;
  queue.demand.queue.emplace();
  queue.demand.queue->backlog_target = 10;
  EXPECT_FALSE(IsSettled(queue, V(10), ComputeDesired(queue, V(10), {}, kT0)));
}

}  // namespace
}  // namespace microscale::core
