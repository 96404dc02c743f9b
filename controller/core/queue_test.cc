// Queue mode: the estimator and the count on their own, and the closed loop of the issue
// (arrivals, a start delay, containers that drain) in simulated time.
#include "controller/core/queue.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/core/desired.h"
#include "controller/core/queue_loop.h"
#include "controller/core/test_util.h"
#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

namespace microscale::core {
namespace {

using testing::LoopOptions;
using testing::LoopSample;
using testing::QueueLoopApp;
using testing::Reversals;
using testing::RunQueueLoop;

using testing::kT0;

// The loop's options for an engine that starts a container `delay` seconds after its order,
// one at a time at most every `spacing` seconds (0: all at once).
LoopOptions OnEngine(double delay, double spacing = 0) {
  LoopOptions options;
  options.start_delay = delay;
  options.start_spacing = spacing;
  return options;
}

// The figures of the table for a step of arrivals from 0 to `lambda` at `step`
// seconds, held until `stop`.
struct StepFigures {
  double reach = -1;        // seconds from the step until `needed` run
  int32_t peak = 0;         // most containers running while arrivals are on
  int32_t reversals = 0;    // in the 120 s after the step
  double steady_max = 0;    // highest backlog over the last 60 s before `stop`
  double back_to_min = -1;  // seconds after `stop` until none run
};

StepFigures Measure(const std::vector<LoopSample>& samples, double step, double stop,
                    int32_t needed) {
  StepFigures f;
  for (const LoopSample& s : samples) {
    if (s.t >= step && s.t < stop) {
      if (f.reach < 0 && s.running >= needed) f.reach = s.t - step;
      f.peak = std::max(f.peak, s.running);
      if (s.t >= stop - 60) f.steady_max = std::max(f.steady_max, s.backlog);
    }
  }
  f.back_to_min = SecondsToZero(samples, stop);
  f.reversals = Reversals(samples, step, step + 120);
  return f;
}

// The goals, and where a test states a known miss.
struct StepLimits {
  double reach = 5;            // seconds from the step until the needed count runs
  double peak_fraction = 1.1;  // most running, as a multiple of the need
  double drain_slack = 5;      // seconds beyond the drain time to get back to min
  int32_t reversals = 2;       // in the 120 s after the step
  double steady_backlog = 20;  // the highest backlog over the last 60 s of arrivals
};

void ExpectStepGoals(double lambda, const LoopOptions& options,
                     std::optional<double> declared_rate = std::nullopt, StepLimits limits = {},
                     double step = 5, double stop = 155) {
  const int32_t needed = static_cast<int32_t>(std::ceil(lambda / options.drain_per_container));
  AppSpec spec = QueueLoopApp(10);
  spec.demand.queue->per_container_rate = declared_rate;
  auto arrivals = [&](double t) { return t >= step && t < stop ? lambda : 0.0; };
  std::vector<LoopSample> samples = RunQueueLoop(spec, arrivals, stop + 60, options);
  StepFigures f = Measure(samples, step, stop, needed);
  SCOPED_TRACE(::testing::Message() << "lambda " << lambda << ": reach " << f.reach << " s, peak "
                                    << f.peak << ", reversals " << f.reversals << ", steady max "
                                    << f.steady_max << ", back to min " << f.back_to_min << " s");
  EXPECT_GE(f.reach, 0);
  EXPECT_LE(f.reach, limits.reach + 1e-6);
  EXPECT_LE(f.peak, std::floor(needed * limits.peak_fraction + 1e-9));
  EXPECT_LE(f.reversals, limits.reversals);
  EXPECT_LE(f.steady_max, limits.steady_backlog);
  // Back to min within the drain time (the steady backlog over the spare capacity) + 5 s.
  EXPECT_GE(f.back_to_min, 0);
  EXPECT_LE(f.back_to_min,
            f.steady_max / (options.drain_per_container * needed) + limits.drain_slack);
}

TEST(QueueLoopTest, StepTo10WithoutADeclaredRate) { ExpectStepGoals(10, {}); }

// The queue empties within one read, so the arrival estimate is left at the bound that
// read allows and the last containers go by probing: one container per probe took 9 s,
// probes of 1, 1, 2, 4... 7 s, and the quicker probes after a fall (probes of 1, 2, 4...
// a second apart) 4 s.
TEST(QueueLoopTest, StepTo20WithoutADeclaredRate) { ExpectStepGoals(20, {}); }

// Starts as a busy real engine makes them (bench/queue on a real dockerd): a second before
// the first runs, then one more every 0.15 s. Doubling the running count again while the
// last doubling was still starting overshot to twice the need there, with 6 reversals and
// 28 s back to min for λ = 10. Known miss: the engine's pace alone puts N = 20 past 5 s.
// Each container is credited the time it ran since its start: credited to the middle of
// the read interval instead, the first reads taught μ up to 20 % low, and the count
// overshot to 12 and 23.
TEST(QueueLoopTest, StepsOnABusyEngine) {
  LoopOptions options = OnEngine(1, 0.15);
  const StepLimits limits{.reach = 7};
  ExpectStepGoals(10, options, std::nullopt, limits);
  ExpectStepGoals(20, options, std::nullopt, limits);
}

// A count ordered on a young drain rate that later reads raise is trimmed back to the need
// while its containers still start: the trim stops only containers not yet running, so the
// running count never turns. The first μ, learned from a few containers, was often 10-25 %
// low, and the floor λ/μ ordered up to 25 containers for a need of 20 at once
// (bench/queue/queue_sweep: steps past 10 % overshoot in 22 runs of 100, 4 with the trim).
TEST(QueueLoopTest, ACountOrderedOnAYoungDrainRateIsTrimmedWhileItStarts) {
  for (const LoopOptions& options : {OnEngine(1, 0.15), OnEngine(1.5, 0.3)}) {
    for (double lambda : {10.0, 20.0}) {
      for (int phase = 0; phase < 10; ++phase) {
        const double step = 5 + 0.05 * phase;
        std::vector<LoopSample> samples = RunQueueLoop(
            QueueLoopApp(10), [&](double t) { return t >= step ? lambda : 0.0; }, 90, options);
        StepFigures f = Measure(samples, step, 90, static_cast<int32_t>(lambda));
        EXPECT_LE(f.peak, std::floor(lambda * 1.1 + 1e-9))
            << "engine " << options.start_delay << "/" << options.start_spacing << ", lambda "
            << lambda << ", phase " << phase;
        EXPECT_LE(f.reversals, 2) << "engine " << options.start_delay << "/"
                                  << options.start_spacing << ", lambda " << lambda << ", phase "
                                  << phase;
      }
    }
  }
}

// Containers that drain from a moment after the start their reads report (0.2 s here) make
// the first μ low while they start, and it rises over the next reads: each of them trims
// what is still starting, down to what a move up would order now (μ at the optimistic end
// of its spread). Trimmed once, and to the point estimate's count, the count stayed at
// 23-25 for a need of 20 on this engine (bench/queue/queue_sweep --lag 0.2).
TEST(QueueLoopTest, AYoungOrderIsTrimmedAtEachReadThatRaisesTheDrainRate) {
  LoopOptions options = OnEngine(1.5, 0.3);
  options.drain_lag = 0.2;
  for (int phase = 0; phase < 10; ++phase) {
    const double step = 5 + 0.05 * phase;
    std::vector<LoopSample> samples = RunQueueLoop(
        QueueLoopApp(10), [&](double t) { return t >= step ? 20.0 : 0.0; }, 90, options);
    StepFigures f = Measure(samples, step, 90, 20);
    EXPECT_LE(f.peak, 22) << "phase " << phase;
    EXPECT_LE(f.reversals, 2) << "phase " << phase;
  }
}

// A ramp to half the top, which the count follows (only λ - μ·r is seen while it does: the
// drain rate is learned near half the true one), then a step to the top: the jumps of the
// arrival estimate follow the count, and the wrong rate is forgotten. Before, the count ran
// between 20 and 40 every 2 s for as long as arrivals lasted (131 reversals at 30 items/s).
TEST(QueueLoopTest, JumpsThatFollowTheCountForgetAWrongDrainRate) {
  for (const LoopOptions& options : {OnEngine(0.5), OnEngine(0.75)}) {
    for (double top : {20.0, 30.0, 40.0}) {
      for (int phase = 0; phase < 4; ++phase) {
        const double start = 5 + 0.1 * phase;
        const double step = start + 1.5 * top;  // the ramp gains 1 item/s every 3 s
        auto lambda = [&](double t) {
          if (t < start) return 0.0;
          return t < step ? std::min(top / 2, (t - start) / 3) : top;
        };
        std::vector<LoopSample> samples =
            RunQueueLoop(QueueLoopApp(10, 40), lambda, step + 120, options);
        // Settled within 20 s of the step, and at the need (the max is 40).
        EXPECT_LE(Reversals(samples, step + 20, step + 120), 1)
            << "engine " << options.start_delay << ", top " << top << ", phase " << phase;
        int32_t last = samples.back().running;
        EXPECT_GE(last, static_cast<int32_t>(top)) << "top " << top << ", phase " << phase;
        EXPECT_LE(last, static_cast<int32_t>(std::floor(top * 1.1 + 1e-9)))
            << "engine " << options.start_delay << ", top " << top << ", phase " << phase;
      }
    }
  }
}

// A step to 20 on an engine that starts a container every 0.5 s: the backlog grows past 5
// times its target for over 10 s while the ordered containers start. That growth is the
// engine's pace, not a wrong drain rate: the rate learned is kept (doubting it on a real
// dockerd sent the count back to the bootstrap, which doubled it to 40).
TEST(QueueLoopTest, ABacklogGrowingWhileOrderedContainersStartKeepsTheDrainRate) {
  LoopOptions options = OnEngine(1, 0.5);
  std::vector<LoopSample> samples = RunQueueLoop(
      QueueLoopApp(10), [](double t) { return t >= 5 ? 20.0 : 0.0; }, 60, options);
  int32_t peak = 0;
  double highest = 0;
  for (const LoopSample& s : samples) {
    peak = std::max(peak, s.running);
    highest = std::max(highest, s.backlog);
  }
  ASSERT_GT(highest, 100) << "the backlog must grow far past 5 times its target";
  EXPECT_LE(peak, 24);
}

// With the drain rate declared there is no bootstrap: the count follows the arrival
// estimate from the second read, so a busy engine's pace is the only delay, and every goal
// of the issue holds (the mode bench/queue runs as `declared`).
TEST(QueueLoopTest, ADeclaredRateMeetsEveryGoalOnABusyEngine) {
  LoopOptions options = OnEngine(1, 0.15);
  ExpectStepGoals(10, options, 1.0);
  ExpectStepGoals(20, options, 1.0);
}

// A ramp (λ 0 -> 20 over 60 s, then 20 for 120 s) with the drain rate declared. The
// arrival estimate, which averages over 20 s, lagged the ramp by about 7 items/s: the count
// followed late, the backlog grew to 70 and took a minute to drain, and the count peaked at
// 23. Innovations that keep one sign now count as a drift that the estimate follows.
TEST(QueueLoopTest, ADeclaredRateFollowsARamp) {
  AppSpec spec = QueueLoopApp(10);
  spec.demand.queue->per_container_rate = 1;
  const double stop = 185;
  auto lambda = [&](double t) {
    if (t < 5 || t >= stop) return 0.0;
    return std::min(20.0, (t - 5) / 3.0);
  };
  std::vector<LoopSample> samples = RunQueueLoop(spec, lambda, stop + 60, {});
  int32_t peak = 0;
  double steady_max = 0;
  for (const LoopSample& s : samples) {
    if (s.t < stop) peak = std::max(peak, s.running);
    if (s.t >= stop - 60 && s.t < stop) steady_max = std::max(steady_max, s.backlog);
  }
  EXPECT_LE(peak, 22);
  EXPECT_LE(Reversals(samples, 5, stop), 2);
  EXPECT_LE(steady_max, 20);
}

// Ramps of λ from 0 to 10 over 30 s and to 20 over 60 s, then 120 s at the top, each at 10
// phases 50 ms apart: at most 10 % over the need, at most `reversals` turns while arrivals
// last, and a backlog within twice its target over the last minute.
void ExpectRampGoals(const LoopOptions& options, int32_t reversals) {
  for (double top : {10.0, 20.0}) {
    for (int phase = 0; phase < 10; ++phase) {
      const double start = 5 + 0.05 * phase;
      const double stop = start + 3 * top + 120;
      auto lambda = [&](double t) {
        if (t < start || t >= stop) return 0.0;
        return std::min(top, (t - start) / 3.0);
      };
      std::vector<LoopSample> samples = RunQueueLoop(QueueLoopApp(10), lambda, stop + 60, options);
      int32_t peak = 0;
      double steady_max = 0;
      for (const LoopSample& s : samples) {
        if (s.t < stop) peak = std::max(peak, s.running);
        if (s.t >= stop - 60 && s.t < stop) steady_max = std::max(steady_max, s.backlog);
      }
      SCOPED_TRACE(::testing::Message() << "top " << top << ", phase " << phase);
      EXPECT_LE(peak, std::floor(1.1 * top + 1e-9));
      EXPECT_LE(Reversals(samples, start, stop), reversals);
      EXPECT_LE(steady_max, 20);
    }
  }
}

// Ramps (λ 0 -> 10 over 30 s and 0 -> 20 over 60 s, then 120 s at the top) without a
// declared rate, at 10 phases 50 ms apart on the default engine. The estimate took λ for
// steady between jumps, so the ramp that the bootstrap's containers followed was read as
// a falling μ (learned 3-5x low) and the count went to twice the need: in these 20 runs
// 16 overshot by more than 10 % (peak 1.9x on average) and all had 6-10 reversals
// (bench/queue/queue_sweep). λ may now wander while μ is young. Then μ was still learned
// at 0.4 (see ARampThatTheCountFollowsTeachesItsDrainRate), and 3 of the 20 runs turned 4
// times at the top. Known miss: 2 of the 20 runs turn 3 times (the bootstrap's 8, where μ
// then asks for 6, and one container more at the top while the ramp's backlog drains).
TEST(QueueLoopTest, ARampWithoutADeclaredRateIsFollowed) { ExpectRampGoals({}, 3); }

// A ramp that the count follows shows only λ - μ·r while r follows λ: the filter alone
// learned μ at 0.4-0.5 for 1 (and λ as low), and at the top the backlog's drain, read through
// that μ, moved the count by 2-3 containers where 1 drained it (21 -> 19 -> 20 for 20). The
// fit over the backlog's reads (a ramp of λ, and each change of the count) corrects μ when it
// is sure. It is not always: a count that steps up by one every 3 s as λ does is nearly the
// unidentifiable case, and μ then drifts low again. The mean of μ's estimate from halfway up
// the ramp to 15 s past its top, at 10 phases on the default engine and a slower one: 0.42-0.51
// in every run without the fit, 0.53-1.21 with it (0.77 and 0.95 on average).
TEST(QueueLoopTest, ARampThatTheCountFollowsTeachesItsDrainRate) {
  for (const LoopOptions& options : {LoopOptions{}, OnEngine(1, 0.15)}) {
    double sum = 0;
    for (int phase = 0; phase < 10; ++phase) {
      const double start = 5 + 0.05 * phase;
      auto lambda = [&](double t) { return t < start ? 0.0 : std::min(20.0, (t - start) / 3.0); };
      double run_sum = 0;
      int reads = 0;
      for (const LoopSample& s : RunQueueLoop(QueueLoopApp(10), lambda, start + 75, options)) {
        if (s.t < start + 30) continue;
        run_sum += s.drain_estimate;
        ++reads;
      }
      ASSERT_GT(reads, 0);
      const double mean = run_sum / reads;
      EXPECT_GE(mean, 0.5) << "delay " << options.start_delay << ", phase " << phase;
      EXPECT_LE(mean, 1.5) << "delay " << options.start_delay << ", phase " << phase;
      sum += mean;
    }
    EXPECT_GE(sum / 10, 0.7) << "delay " << options.start_delay;
    EXPECT_LE(sum / 10, 1.3) << "delay " << options.start_delay;
  }
}

// The reads of a real dockerd run (bench/queue, λ 0 -> 20, no declared rate): the step
// lands just before a read, and by the next one the first container already runs. The
// backlog's growth then is arrivals, not a negative drain rate: the estimate once put it
// down to μ (clamped at zero) and read λ as 2 for ten seconds.
TEST(QueueEstimateTest, AStepSeenWhileTheFirstContainersRunRaisesArrivals) {
  const QueueSpec spec{10, std::nullopt, std::nullopt};
  struct Read {
    double t, backlog;
    int32_t running;
  };
  const Read reads[] = {{0, 0, 0},     {0.5, 2, 0},   {1.0, 12, 1},  {1.5, 21, 2},
                        {2.0, 31, 4},  {2.5, 39, 4},  {3.0, 47, 7},  {3.5, 55, 8},
                        {4.0, 61, 10}, {4.5, 67, 12}, {5.0, 72, 13}, {5.5, 76, 16}};
  QueueEstimate e;
  for (const Read& r : reads) {
    e = UpdateQueueEstimate(spec, {r.backlog, r.running, 0, {}, std::nullopt}, e,
                            kT0 + absl::Seconds(r.t));
    if (r.t < 1.0) continue;  // from the first read that saw the step in full
    SCOPED_TRACE(::testing::Message() << "read at " << r.t << " s");
    ASSERT_TRUE(EstimatedArrivalRate(e).has_value());
    EXPECT_GT(*EstimatedArrivalRate(e), 15);
    EXPECT_LT(*EstimatedArrivalRate(e), 25);
  }
}

// The reads of a step to 10 on a real dockerd (bench/queue step10, repeat 2), each with the
// count the controller had then: 11 containers drained the step's backlog one item every
// second, two reads per item, and the controller had just taken the count to 10. The count's
// arrival estimate then wandered with the reads' rounding; with a 3 s time constant (applied
// to every steady stream, not only after the fit of μ), it read 10.25 items/s at 23.19 s and
// the floor took 10 containers back to 11: 4 reversals where 2 were the goal.
TEST(QueueEstimateTest, ASteadyCountIsNotMovedByTheRoundingOfItsReads) {
  const QueueSpec spec{10, std::nullopt, std::nullopt};
  struct Read {
    double t, backlog;
    int32_t running, count;
  };
  const Read reads[] = {
      {0.04, 1, 0, 0},     {0.19, 2, 0, 0},     {0.69, 7, 1, 1},     {1.19, 12, 2, 2},
      {1.70, 15, 3, 4},    {2.20, 18, 4, 4},    {2.70, 21, 6, 8},    {3.21, 22, 11, 11},
      {3.71, 22, 11, 11},  {4.21, 21, 11, 11},  {4.71, 21, 11, 11},  {5.17, 20, 11, 11},
      {5.67, 20, 11, 11},  {6.17, 19, 11, 11},  {6.67, 19, 11, 11},  {7.18, 18, 11, 11},
      {7.68, 18, 11, 11},  {8.18, 17, 11, 11},  {8.69, 17, 11, 11},  {9.19, 16, 11, 11},
      {9.69, 16, 11, 11},  {10.20, 15, 11, 11}, {10.70, 15, 11, 11}, {11.20, 14, 11, 11},
      {11.71, 14, 11, 11}, {12.21, 13, 11, 11}, {12.71, 13, 11, 11}, {13.22, 12, 11, 11},
      {13.67, 12, 11, 11}, {14.17, 11, 11, 11}, {14.68, 11, 11, 11}, {15.18, 10, 11, 11},
      {15.68, 10, 11, 11}, {16.18, 9, 11, 11},  {16.69, 9, 11, 11},  {17.19, 8, 11, 11},
      {17.69, 8, 11, 11},  {18.20, 7, 11, 11},  {18.70, 7, 11, 11},  {19.20, 6, 11, 11},
      {19.71, 6, 11, 11},  {20.21, 5, 11, 11},  {20.72, 5, 11, 11},  {21.17, 4, 11, 11},
      {21.68, 4, 11, 11},  {22.18, 3, 11, 11},  {22.69, 3, 11, 11},  {23.19, 3, 10, 10}};
  QueueEstimate e;
  int32_t decided = 0;
  for (const Read& r : reads) {
    const QueueDecision d = DecideQueue(
        spec, {r.backlog, r.running, std::max(0, r.count - r.running), {}, std::nullopt}, e,
        r.count, kT0 + absl::Seconds(r.t));
    e = d.estimate;
    decided = d.count;
  }
  EXPECT_EQ(decided, 10) << "arrivals " << EstimatedArrivalRate(e).value_or(-1) << ", drain "
                         << EstimatedDrainRate(e).value_or(-1);
}

// A steady λ = 20 into an idle queue, drained by containers (μ = 1) that a busy engine
// starts one at a time, each 0.05 s before a read, from 2.45 s on (the backlog read
// exactly, so that only the crediting differs). Each read sees one more container that
// ran for 0.05 s. Credited to the middle of the interval, each is credited 0.25 s: μ read
// 0.72 with 2 running, 0.88 with 4 (where the floor λ/μ asks for 23 containers for a need
// of 20), 0.95 with 8. With the start times each is credited the time it ran.
TEST(QueueEstimateTest, ContainersAreCreditedTheTimeTheyRan) {
  const QueueSpec spec{10, std::nullopt, std::nullopt};
  auto started = [](int c) { return 2.45 + 0.5 * c; };  // container c = 0, 1, ...
  QueueEstimate e;
  for (int i = 0; i <= 20; ++i) {
    const double t = 0.5 * i;
    QueueReading r{20 * t, 0, 0, {}, std::nullopt};
    for (int c = 0; started(c) <= t; ++c) {
      r.backlog -= t - started(c);
      ++r.running;
      r.running_since.push_back(kT0 + absl::Seconds(started(c)));
    }
    e = UpdateQueueEstimate(spec, r, e, kT0 + absl::Seconds(t));
    if (r.running < 5) continue;  // learned to within 30 % from 5 on
    SCOPED_TRACE(::testing::Message() << r.running << " running");
    ASSERT_TRUE(EstimatedDrainRate(e).has_value());
    EXPECT_NEAR(*EstimatedDrainRate(e), 1.0, 0.02);
    EXPECT_NEAR(*EstimatedArrivalRate(e), 20.0, 0.4);
  }
}

// The first container starts a moment before a read: it drained for 2 % of the interval,
// and that read of Poisson arrivals came in at 8 items/s against 15 before. Taught to μ,
// the shortfall divided by so small a share of a container put μ in the tens (on a real
// dockerd most likely 37 for 1, and the count asked for a tenth of the need until the
// doubt undid it). The read teaches arrivals only.
TEST(QueueEstimateTest, AContainerThatRanForAMomentDoesNotTeachTheDrainRate) {
  const QueueSpec spec{10, std::nullopt, std::nullopt};
  QueueEstimate e;
  int i = 0;
  for (double backlog : {0.0, 3.0, 9.0, 17.0}) {
    e = UpdateQueueEstimate(spec, {backlog, 0, 0, {}, std::nullopt}, e,
                            kT0 + absl::Seconds(0.5 * i++));
  }
  const absl::Time now = kT0 + absl::Seconds(0.5 * i++);
  e = UpdateQueueEstimate(spec, {21, 1, 0, {now - absl::Milliseconds(10)}, std::nullopt}, e, now);
  e = UpdateQueueEstimate(spec, {27, 1, 0, {now - absl::Milliseconds(10)}, std::nullopt}, e,
                          kT0 + absl::Seconds(0.5 * i++));
  EXPECT_LT(e.drain, 5);
  ASSERT_TRUE(EstimatedArrivalRate(e).has_value());
  EXPECT_LT(*EstimatedArrivalRate(e), 20);
}

// The reads of another real dockerd run (bench/queue, λ 0 -> 10, no declared rate): the
// first read after the step saw 6 items/s of it, the next one 10, and from the one after
// that the first containers ran. The estimate once took the second read for half a rise,
// stayed at λ = 8 while the containers came, and so learned μ = 0.68: the count then
// asked for 16 containers where 10 do.
TEST(QueueEstimateTest, TheReadAfterAPartialRiseRaisesArrivalsBeforeContainersRun) {
  const QueueSpec spec{10, std::nullopt, std::nullopt};
  struct Read {
    double t, backlog;
    int32_t running;
  };
  const Read reads[] = {{-0.22, 0, 0}, {0.28, 3, 0},  {0.79, 8, 0},  {1.24, 13, 1},
                        {1.74, 17, 1}, {2.25, 21, 2}, {2.75, 25, 2}, {3.26, 29, 4},
                        {3.77, 32, 4}, {4.28, 34, 8}, {4.78, 35, 8}, {5.25, 35, 12}};
  QueueEstimate e;
  for (const Read& r : reads) {
    e = UpdateQueueEstimate(spec, {r.backlog, r.running, 0, {}, std::nullopt}, e,
                            kT0 + absl::Seconds(r.t));
    if (r.t < 1.0) continue;
    SCOPED_TRACE(::testing::Message() << "read at " << r.t << " s");
    ASSERT_TRUE(EstimatedArrivalRate(e).has_value());
    EXPECT_GT(*EstimatedArrivalRate(e), 8.5);
    EXPECT_LT(*EstimatedArrivalRate(e), 11.5);
    if (std::optional<double> drain = EstimatedDrainRate(e)) {
      EXPECT_GT(*drain, 0.8);
      EXPECT_LT(*drain, 1.25);
    }
  }
  EXPECT_TRUE(EstimatedDrainRate(e).has_value());
}

// The step lands just before a read, so that read sees a tenth of it, and the first
// container runs before the next read (a fast engine). Before the estimate told a rise of
// arrivals from a drain rate (QueueEstimateTest above), λ = 20 doubled to 40 on a real
// dockerd; before it took the read after a rise for the rest of that rise, the arrival
// estimate stayed at what the partial read saw, the drain rate was learned a fifth low
// with it, and λ = 20 overshot to 24 with 4 reversals. Known misses: back to min takes
// 10.5 s (λ = 10) and 9 s (λ = 20). With arrivals an exact multiple of the drain rate,
// the count settles at exactly the need with a backlog of 1, so when arrivals stop the
// queue is simply empty, and only probes (1, 1, 2, 4... containers, 2 s apart) find it out.
// Arrivals that stop just after a read (at 145.25 s) on a busy engine: the fall
// shows over several reads, each cutting the arrival estimate by less than a jump, and the
// read before the empty one had already taken the estimate down. Judged against that
// read's estimate it was no fall, and the slow probes took 8.2 s back to min, where the
// goal allows 5.9 (the same on engines of 0.5/0 and 1.5/0.3 s).
TEST(QueueLoopTest, AFallOverSeveralReadsIsAFall) {
  LoopOptions options = OnEngine(1, 0.15);
  ExpectStepGoals(10, options, std::nullopt, {.reach = 7}, 5.25, 145.25);
}

TEST(QueueLoopTest, AStepJustBeforeAReadWithAFastEngine) {
  LoopOptions options = OnEngine(0.3);
  // Known miss: held at a backlog of 1, the queue empties with no sign of how far
  // arrivals fell, and the count goes by the slow probes.
  ExpectStepGoals(10, options, std::nullopt, {.drain_slack = 11}, 5.45);
  ExpectStepGoals(20, options, std::nullopt, {}, 5.45);
}

// The queue empties because one container more than arrivals need is running: the count
// probes down by one and, when the backlog comes back, holds; it never collapses while
// arrivals go on (seen on a real dockerd before probes were paced).
TEST(QueueLoopTest, AnEmptyQueueIsProbedOneContainerAtATime) {
  for (double lambda : {9.5, 13.0}) {
    AppSpec spec = QueueLoopApp(10);
    std::vector<LoopSample> samples =
        RunQueueLoop(spec, [&](double t) { return t >= 5 ? lambda : 0.0; }, 300, {});
    const int32_t needed = static_cast<int32_t>(std::ceil(lambda));
    bool reached = false;
    int32_t lowest = needed;
    for (const LoopSample& s : samples) {
      reached |= s.running >= needed;
      if (reached) lowest = std::min(lowest, s.running);
    }
    EXPECT_TRUE(reached) << lambda;
    EXPECT_GE(lowest, needed - 1) << lambda;
  }
}

TEST(QueueLoopTest, StepWithASlowerDeclaredDrainAndStart) {
  LoopOptions options = OnEngine(2);
  options.drain_per_container = 0.5;
  // Known limit (docs/decision.md): as arrivals stop, the count falls with the arrival
  // estimate before the last of the backlog is gone, so the tail drains more slowly.
  ExpectStepGoals(5, options, 0.5, {.drain_slack = 10});
}

TEST(QueueLoopTest, PoissonArrivalsHoldSteadyAndCostNearTheIdeal) {
  for (uint64_t seed : {1, 2, 3}) {
    LoopOptions options;
    options.poisson = true;
    options.seed = seed;
    AppSpec spec = QueueLoopApp(10);
    const double warmup = 60;
    const double end = warmup + 300;
    std::vector<LoopSample> samples = RunQueueLoop(
        spec, [](double) { return 10.0; }, end, options);
    const double container_seconds = ContainerSeconds(samples, warmup, end);
    const double ideal = 10.0 * (end - warmup);
    const double per_minute = Reversals(samples, warmup, end) / ((end - warmup) / 60);
    SCOPED_TRACE(::testing::Message()
                 << "seed " << seed << ": container-seconds " << container_seconds << " (ideal "
                 << ideal << "), reversals/min " << per_minute);
    EXPECT_LE(per_minute, 4);
    EXPECT_LE(std::abs(container_seconds - ideal), 0.15 * ideal);
  }
}

TEST(QueueLoopTest, ADeclaredRateIsUsedFromTheFirstRead) {
  AppSpec spec = QueueLoopApp(10);
  spec.demand.queue->per_container_rate = 1;
  QueueReading reading{40, 0, 0, {}, std::nullopt};
  QueueDecision first = DecideQueue(*spec.demand.queue, reading, {}, 0, kT0);
  ASSERT_TRUE(first.drain_rate.has_value());
  EXPECT_DOUBLE_EQ(*first.drain_rate, 1);
  reading.backlog = 45;  // 10 items/s arrive over the next half second
  QueueDecision second = DecideQueue(*spec.demand.queue, reading, first.estimate, first.count,
                                     kT0 + absl::Seconds(0.5));
  ASSERT_TRUE(second.arrival_rate.has_value());
  EXPECT_NEAR(*second.arrival_rate, 10, 0.5);
  // At least the 10 that keep up, and at most one more to bring the backlog down.
  EXPECT_GE(second.count, 10);
  EXPECT_LE(second.count, 11);
}

// Successive reads of one queue, 0.5 s apart, each decided on the count of the last.
struct QueueReads {
  explicit QueueReads(const QueueSpec& queue_spec, int32_t initial = 0)
      : spec(queue_spec), count(initial) {}
  QueueDecision Read(double backlog, int32_t running) {
    QueueDecision d = DecideQueue(spec, {backlog, running, 0, {}, std::nullopt}, e, count, t);
    e = d.estimate;
    count = d.count;
    t += absl::Seconds(0.5);
    return d;
  }
  QueueSpec spec;
  QueueEstimate e;
  int32_t count;
  absl::Time t = kT0;
};

// Arrivals that fall from 20 items/s to a lower rate, not to 0: the queue empties at the
// fall and may stay empty, so the count probes down, after a fall 2, 4, 8... containers at a
// time. It must find the new need again without leaving more than 2 below it, and end at it
// (or one above).
TEST(QueueLoopTest, ArrivalsThatFallButGoOnAreFoundWithoutFallingFar) {
  for (double after : {2.0, 5.0, 10.0}) {
    for (double phase : {0.0, 0.1, 0.2, 0.3, 0.4}) {
      const double fall = 125 + phase;
      std::vector<LoopSample> samples = RunQueueLoop(QueueLoopApp(10),
                                                     [&](double t) {
                                                       return t < 5 ? 0.0 : t < fall ? 20.0 : after;
                                                     },
                                                     fall + 120, {});
      const auto need = static_cast<int32_t>(after);
      int32_t lowest = 40;
      double worst_backlog = 0;
      for (const LoopSample& s : samples) {
        if (s.t < fall) continue;
        lowest = std::min(lowest, s.running);
        if (s.t >= fall + 10) worst_backlog = std::max(worst_backlog, s.backlog);
      }
      const LoopSample& last = samples.back();
      SCOPED_TRACE(::testing::Message()
                   << after << " items/s after the fall, phase " << phase << ": lowest " << lowest
                   << ", backlog after 10 s at most " << worst_backlog << ", ends at "
                   << last.running << ", reversals " << Reversals(samples, fall, fall + 120));
      EXPECT_GE(lowest, need - 2);
      EXPECT_LE(worst_backlog, 20);
      EXPECT_GE(last.running, need);
      EXPECT_LE(last.running, need + 1);
    }
  }
}

// Before the drain rate is known, a queue that reads empty says nothing of how many of the
// running containers arrivals need (a slow ramp kept just drained): the count holds, and
// only a queue empty for over 10 s without a fall lets it go. It once fell from 8 to 0 at
// one empty read while 6 items a second arrived, and started them all again a read later;
// halved after 2 s of an empty queue, a ramp's bootstrap turned twice on a real dockerd.
TEST(QueueLoopTest, ABootstrapCountHoldsThroughABriefEmptyQueue) {
  QueueReads q(*QueueLoopApp(10).demand.queue);
  int32_t& count = q.count;
  auto read = [&](double backlog, int32_t running) { return q.Read(backlog, running); };
  for (double b : {4.0, 12.0, 25.0}) read(b, 0);  // arrivals, nothing running yet
  ASSERT_GE(count, 2);
  const int32_t ordered = count;
  QueueDecision d = read(3, ordered);
  ASSERT_FALSE(d.drain_rate.has_value()) << "still bootstrapping";
  ASSERT_FALSE(q.e.fell) << "the backlog drained: no fall";
  // For 10 s of an empty queue (at 0.5 s a read) the count holds.
  for (int i = 0; i < 20; ++i) {
    d = read(0, count);
    ASSERT_FALSE(d.drain_rate.has_value());
    EXPECT_EQ(count, ordered) << "read " << i;
  }
  // Then it halves at each read, down to 0.
  int halvings = 0;
  while (count > 0 && halvings < 10) {
    read(0, count);
    ++halvings;
  }
  EXPECT_EQ(count, 0);
  EXPECT_LE(halvings, 3) << "from " << ordered;

  // After a doubt (a learned μ forgotten), the bootstrap's count came from a wrong μ: an
  // empty queue halves it after 2 s.
  QueueReads again(*QueueLoopApp(10).demand.queue);
  for (double b : {4.0, 12.0, 25.0}) again.Read(b, 0);
  again.e.doubted = true;
  const int32_t held = again.count;
  again.Read(3, held);
  int reads = 0;
  while (again.count >= held - 1 && reads < 40) {
    again.Read(0, again.count);
    ++reads;
  }
  EXPECT_GE(reads, 4) << "held while the queue read empty for 2 s";
  EXPECT_LE(reads, 6);

  // A first bootstrap holds through a fall too: before μ is known the arrival estimate is
  // rough, and a ramp's doubled count that drained the queue read as one (2.2 items/s to 0.6
  // on a real dockerd, where 6 arrived): halved 1 s later, 8 -> 4 -> 8, two reversals.
  QueueReads fell(*QueueLoopApp(10).demand.queue);
  for (double b : {4.0, 12.0, 25.0}) fell.Read(b, 0);
  const int32_t before_fall = fell.count;
  ASSERT_GE(before_fall, 2);
  fell.Read(0, before_fall);
  fell.e.fell = true;  // as the emptying read judged it
  for (int i = 0; i < 19; ++i) {
    fell.Read(0, fell.count);
    EXPECT_EQ(fell.count, before_fall) << "read " << i;
  }
}

// The probe of a bootstrap count whose queue reads empty at most reads is for a count that
// came from a doubted μ (ABootstrapCountAboveTheNeedComesDown). A first bootstrap's count came
// from a backlog that grew: at the start of a ramp on a real dockerd the probe took 6
// containers to 5 while the trickle kept the queue mostly empty, and the backlog brought
// them back 2 s later.
TEST(QueueLoopTest, AFirstBootstrapDoesNotProbeAMostlyEmptyQueue) {
  QueueReads q(*QueueLoopApp(10).demand.queue);
  for (double b : {4.0, 12.0, 25.0}) q.Read(b, 0);
  const int32_t ordered = q.count;
  ASSERT_GE(ordered, 2);
  for (int i = 0; i < 60; ++i) {  // 30 s: an item at one read in four
    const QueueDecision d = q.Read(i % 4 == 3 ? 1 : 0, q.count);
    ASSERT_FALSE(d.drain_rate.has_value()) << "read " << i;
    ASSERT_EQ(q.count, ordered) << "read " << i;
  }
  q.e.doubted = true;  // the same count after a doubt is probed
  for (int i = 0; i < 10 && q.count == ordered; ++i) q.Read(i % 4 == 3 ? 1 : 0, q.count);
  EXPECT_EQ(q.count, ordered - 1);
}

// The first item of a ramp (a twentieth of one, read as 1) is drained by the one container
// it started, and the estimate's cut from 2 items/s (one item in half a second) to 0 reads
// as a fall. The last container still waits for 6 s of an empty queue: on a real dockerd it
// went after 2 s and came back a second later, two reversals (the first reads below).
TEST(QueueLoopTest, TheBootstrapsLastContainerWaitsAfterAFallToo) {
  QueueReads q(*QueueLoopApp(10).demand.queue);
  q.Read(1, 0);
  q.Read(1, 0);
  ASSERT_EQ(q.count, 1);
  int reads = 0;
  while (q.count > 0 && reads < 20) {
    q.Read(0, 1);
    ++reads;
  }
  EXPECT_GE(reads, 12) << "the last container stayed until the queue had read empty for 6 s";
}

// Reads of an empty queue with nothing running say nothing of a count that keeps it empty:
// they do not count towards the share of empty reads that makes the bootstrap probe down. A
// ramp that began after 9 s of an idle queue once doubled 1 container to 2 at a backlog of 2,
// took the second back at the next read and started it again a second later (4 reversals
// before μ was learned, in bench/queue/queue_sweep --trace ramp 20 0.5 0 1 4).
TEST(QueueLoopTest, AnIdleQueueBeforeArrivalsDoesNotProbeTheBootstrapDown) {
  QueueReads q(*QueueLoopApp(10).demand.queue);
  for (int i = 0; i < 120; ++i) q.Read(0, 0);  // a minute of an empty queue, nothing running
  q.Read(1, 0);
  ASSERT_EQ(q.count, 1);
  for (int i = 0; i < 4; ++i) q.Read(1, 1);
  q.Read(2, 1);
  ASSERT_EQ(q.count, 2) << "the backlog grew: the bootstrap doubles";
  for (int i = 0; i < 6; ++i) {
    q.Read(2, 1 + std::min(i, 1));
    EXPECT_EQ(q.count, 2) << "read " << i << " after the doubling, at a backlog of 2";
  }
}

// A bootstrap's move up is a move for the turn rules: the first count that a learned μ asks
// for, a container or two below it, waits kTurnSeconds instead of taking it back at once
// (15 -> 13 -> 15 on a ramp on a real dockerd, where the bootstrap's moves did not count).
TEST(QueueLoopTest, ABootstrapMoveUpIsAMoveForTheTurns) {
  QueueReads q(*QueueLoopApp(10).demand.queue);
  for (double b : {4.0, 12.0}) q.Read(b, 0);  // arrivals, nothing running yet
  ASSERT_GE(q.count, 1);
  const absl::Time at = q.t - absl::Seconds(0.5);  // the read that ordered them
  EXPECT_FALSE(q.e.drain_learned);
  EXPECT_EQ(q.e.last_move, 1);
  EXPECT_EQ(q.e.last_move_at, at);
}

// Declared rate 1, λ = 10 held by 10 containers at a backlog of `held`; then one read of
// `last` and the queue reads empty. Returns the time from the empty read until the count
// is 0 (30 s if it never gets there).
absl::Duration FromTheEmptyReadToZero(double held, double last) {
  AppSpec spec = QueueLoopApp(10);
  spec.demand.queue->per_container_rate = 1;
  QueueReads q(*spec.demand.queue, 10);
  auto read = [&](double backlog) { q.Read(backlog, q.count); };
  for (int i = 0; i < 60; ++i) read(held);
  EXPECT_EQ(q.count, 10);
  read(last);
  read(0);
  const absl::Time emptied = q.t;
  while (q.count > 0 && q.t < emptied + absl::Seconds(30)) read(0);
  return q.count == 0 ? q.t - emptied : absl::Seconds(30);
}

// The reads of a real dockerd run (declared rate 1, λ 10 -> 0, a backlog of 7 held): the
// fall shows over two reads, 7 -> 3 (arrivals cut at once) -> 0. The emptying read itself
// cut little, and the slow probes took 6 s from 2 containers to 0; measured from the
// estimate before the fall, it is a fall, and the quick probes follow.
TEST(QueueLoopTest, AFallSeenOverTwoReadsProbesQuickly) {
  EXPECT_LE(FromTheEmptyReadToZero(7, 3), absl::Seconds(4));
}

// The reads of a real dockerd run (declared rate 1, λ 10 -> 0): a steady stream held at a
// backlog of 2 by 10 containers, then 1, then empty. The read that found the queue empty
// bounded arrivals at 10 (one item's slack), no fall, so the count waited 2 s and probed a
// container every 2 s: 12 s from the empty read to 0. A steady stream that empties with no
// spare capacity and stays empty has fallen.
TEST(QueueLoopTest, ASteadyStreamThatStaysEmptyHasFallen) {
  EXPECT_LE(FromTheEmptyReadToZero(2, 1), absl::Seconds(5));
}

// The reads of a real dockerd run (declared rate 1, λ 10 -> 0) held at 3: the read of 1
// cut the arrival estimate to 6.2 and the count to 7, and the empty read after it was
// consistent with that, so no fall was judged and the slow probes took 8.5 s to 0.
TEST(QueueLoopTest, AFallThatTheReadBeforeTheEmptyOneCutIsAFall) {
  EXPECT_LE(FromTheEmptyReadToZero(3, 1), absl::Seconds(5));
  EXPECT_LE(FromTheEmptyReadToZero(4, 1), absl::Seconds(5));
}

// The reads of a real dockerd run (declared rate 1, λ = 10): 11 containers drained a
// backlog of 18, and the count stepped down to the 10 that arrivals need as it emptied. At
// balance the queue stays empty; that is no fall. (Taken for one, the count was probed at
// once, the backlog came back, and 12 ran for the next minute.)
// Declared rate 1, λ = 10 learned at balance with a backlog of 18, which 11 containers
// then drain by one item a second until the queue reads empty.
QueueReads DrainedByOneAboveTheNeed() {
  AppSpec spec = QueueLoopApp(10);
  spec.demand.queue->per_container_rate = 1;
  QueueReads q(*spec.demand.queue, 10);
  for (int i = 0; i < 40; ++i) q.Read(18, 10);
  for (int b = 17; b >= 1; --b) {
    q.Read(b, 11);
    q.Read(b, 11);
  }
  q.Read(0, 11);
  return q;
}

TEST(QueueLoopTest, ABacklogDrainedByACountAboveTheNeedIsNoFall) {
  QueueReads q = DrainedByOneAboveTheNeed();
  for (int i = 0; i < 4; ++i) {  // 2 s at balance: 10 run, the queue stays empty
    q.Read(0, 10);
    EXPECT_FALSE(q.e.fell) << "read " << i;
    EXPECT_GE(q.count, 10) << "read " << i;
  }
}

// The same run, on: with 10 running at balance the queue stayed empty, the count probed
// down to 9, and the backlog came back. The read that brought it back jumped the arrival
// estimate to 11.3, and the floor that sets (12) overrode the rule that a probe gets back
// what it took, no more: on a real dockerd 12 then ran for the minute no probe follows.
TEST(QueueLoopTest, ABacklogThatAProbeBringsBackGetsBackWhatItTookNoMore) {
  QueueReads q = DrainedByOneAboveTheNeed();
  // λ = 10 goes on; each read, what the count does not drain stays (0.6 item is left from
  // the drain, as in that run: the first read after the probe found one item).
  double backlog = 0.6;
  int32_t lowest = q.count;
  int32_t highest = q.count;
  bool probed = false;
  for (int i = 0; i < 60; ++i) {
    backlog = std::max(0.0, backlog + (10 - q.count) * 0.5);
    q.Read(std::floor(backlog), q.count);
    probed = probed || q.count < 10;
    lowest = std::min(lowest, q.count);
    if (probed) highest = std::max(highest, q.count);
  }
  ASSERT_TRUE(probed) << "the empty queue was probed";
  EXPECT_GE(lowest, 9) << "one probe";
  EXPECT_EQ(highest, 10) << "then back to what it took, no more";
  EXPECT_EQ(q.count, 10);
  EXPECT_LE(backlog, 10) << "the backlog a probe brought back stays small";
}

// A probe that the backlog answered holds further probes off for a minute: the count it
// left was needed. A fall of arrivals ends that. On a real dockerd (λ = 20, μ learned at
// 1.00) a probe from 20 to 19 brought the backlog back 56 s before arrivals stopped; the
// fall took the count to 14 at once, and the hold kept those 14 for 5 s more (9.3 s from
// the stop to 0, where about 5.1 s was the goal). The same here with λ = 10: probed and
// held as in the test above, then arrivals stop.
TEST(QueueLoopTest, AFallEndsTheHoldOfAnAnsweredProbe) {
  QueueReads q = DrainedByOneAboveTheNeed();
  double backlog = 0.6;
  for (int i = 0; i < 60; ++i) {
    backlog = std::max(0.0, backlog + (10 - q.count) * 0.5);
    q.Read(std::floor(backlog), q.count);
  }
  ASSERT_EQ(q.count, 10);
  for (int i = 0; i < 4 && backlog < 2; ++i) {  // a backlog of a couple of items, as there
    backlog += 1;
    q.Read(std::floor(backlog), q.count);
  }
  ASSERT_GT(q.e.probe_hold_until, q.t + absl::Seconds(10)) << "the probe's hold is on";
  const absl::Time stop = q.t;  // arrivals stop
  const double drain_seconds = backlog / q.count;
  while (q.count > 0 && q.t < stop + absl::Seconds(60)) {
    backlog = std::max(0.0, backlog - q.count * 0.5);
    q.Read(std::floor(backlog), q.count);
  }
  EXPECT_EQ(q.count, 0);
  EXPECT_LE(q.t - stop, absl::Seconds(drain_seconds + 5));
}

// The reads of a real dockerd run (declared rate 1, λ 0 -> 10): three empty reads, then a
// step whose first read saw 2 items. That read sat just under the jump threshold and was
// learned as noise, which hid the rest of the step: λ read 1.3 to 3 and the count stayed
// at 2-5 for 10 s. Arrivals into an idle queue are a rise: the count is 10 by the second
// read of the step.
TEST(QueueLoopTest, ArrivalsIntoAnIdleQueueAreARiseHoweverSmallTheFirstRead) {
  AppSpec spec = QueueLoopApp(10);
  spec.demand.queue->per_container_rate = 1;
  QueueReads q(*spec.demand.queue);
  const int32_t& count = q.count;
  auto read = [&](double backlog, int32_t running) { return q.Read(backlog, running); };
  for (int i = 0; i < 3; ++i) read(0, 0);
  read(2, 0);
  QueueDecision d = read(7, 0);
  ASSERT_TRUE(d.arrival_rate.has_value());
  EXPECT_NEAR(*d.arrival_rate, 10, 1);
  EXPECT_GE(count, 10);
  EXPECT_LE(count, 11);
}

TEST(QueueLoopTest, TargetWaitSetsTheBacklogTargetFromArrivals) {
  AppSpec spec = QueueLoopApp(0);
  spec.demand.queue = QueueSpec{std::nullopt, 2.0, 1.0};  // 2 s wait: 20 items at 10/s
  QueueEstimate e;
  int32_t count = 0;
  for (int i = 0; i <= 20; ++i) {  // a backlog held at 20 by 10 running: λ = 10
    QueueDecision d = DecideQueue(*spec.demand.queue, {20, 10, 0, {}, std::nullopt}, e, count,
                                  kT0 + absl::Seconds(0.5 * i));
    e = d.estimate;
    count = d.count;
  }
  EXPECT_EQ(count, 10);
}

// --- properties -------------------------------------------------------------------------

QueueSpec ArbitrarySpec() {
  QueueSpec spec;
  if (*rc::gen::arbitrary<bool>()) {
    spec.backlog_target = *rc::gen::inRange(0, 100);
  } else {
    spec.target_wait_seconds = *rc::gen::inRange(1, 30);
  }
  if (*rc::gen::arbitrary<bool>()) spec.per_container_rate = *rc::gen::inRange(1, 50) / 10.0;
  return spec;
}

// Whether a property runs with an arrivals counter, and its next value: it grows by up to 300
// items a read, and now and then starts again from zero (a restarted queue server).
struct ArbitraryCounter {
  bool on = *rc::gen::arbitrary<bool>();
  double total = 0;
  std::optional<double> Next() {
    if (!on) return std::nullopt;
    total = *rc::gen::inRange(0, 50) == 0 ? 0 : total + *rc::gen::inRange(0, 300);
    return total;
  }
};

RC_GTEST_PROP(QueuePropertyTest, NeverBelowWhatTheBacklogNeeds, ()) {
  QueueSpec spec = ArbitrarySpec();
  QueueEstimate e;
  int32_t count = 0;
  ArbitraryCounter counter;
  const int reads = *rc::gen::inRange(1, 40);
  for (int i = 0; i < reads; ++i) {
    QueueReading r{static_cast<double>(*rc::gen::inRange(0, 500)),
                   *rc::gen::inRange(0, 50),
                   *rc::gen::inRange(0, 5),
                   {},
                   counter.Next()};
    const absl::Time now = kT0 + absl::Milliseconds(500 * i);
    if (*rc::gen::arbitrary<bool>()) {  // with the start of each running container
      for (int32_t c = 0; c < r.running; ++c) {
        r.running_since.push_back(now - absl::Milliseconds(*rc::gen::inRange(0, 10'000)));
      }
    }
    QueueDecision d = DecideQueue(spec, r, e, count, now);
    if (r.backlog > 0) {
      RC_ASSERT(d.count >= 1);
      if (d.arrival_rate && d.drain_rate) {  // to within a tenth of a container, up to the cap
        // A counted arrival rate at the low end of its spread (one standard deviation) while
        // the backlog is within twice its target, as the count's moves take it.
        double arrival = *d.arrival_rate;
        const double target = spec.target_wait_seconds.has_value()
                                  ? arrival * *spec.target_wait_seconds
                                  : spec.backlog_target.value_or(0);
        if (d.estimate.counted && arrival > 0 && r.backlog <= 2 * std::max(target, 1.0)) {
          arrival = std::max(0.0, arrival - std::sqrt(std::max(0.0, d.estimate.p_aa)));
        }
        const double need = std::ceil(arrival / *d.drain_rate - 0.1 - 1e-6);
        RC_ASSERT(d.count >= static_cast<int32_t>(std::min(need, 1e6)));
      }
    }
    e = d.estimate;
    count = d.count;
  }
}

RC_GTEST_PROP(QueuePropertyTest, AConstantInputGivesAConstantCount, ()) {
  QueueSpec spec = ArbitrarySpec();
  QueueReading r{static_cast<double>(*rc::gen::inRange(0, 500)),
                 *rc::gen::inRange(0, 50),
                 0,
                 {},
                 std::nullopt};
  // With a counter, a constant input counts the same arrivals every read.
  const bool counted = *rc::gen::arbitrary<bool>();
  const int per_read = *rc::gen::inRange(0, 100);
  QueueEstimate e;
  int32_t count = *rc::gen::inRange(0, 50);
  std::vector<int32_t> counts;
  for (int i = 0; i < 400; ++i) {
    if (counted) r.arrivals_total = 1000.0 + per_read * i;
    QueueDecision d = DecideQueue(spec, r, e, count, kT0 + absl::Milliseconds(500 * i));
    e = d.estimate;
    count = d.count;
    counts.push_back(count);
  }
  // After the estimates settle (well within 100 s), the count never moves again.
  RC_ASSERT(std::all_of(counts.begin() + 200, counts.end(), [&](int32_t c) { return c == count; }));
}

RC_GTEST_PROP(QueuePropertyTest, NoArrivalsAndAnEmptyQueueReachMin, ()) {
  AppSpec app = QueueLoopApp(0);
  app.demand.queue = ArbitrarySpec();
  app.replicas.min = *rc::gen::inRange(0, 3);
  app.replicas.max = app.replicas.min + *rc::gen::inRange(1, 40);
  DesiredState state;
  // Some arrivals first, so the estimator has learned something to unlearn.
  double backlog = *rc::gen::inRange(0, 300);
  int32_t running = *rc::gen::inRange(0, 40);
  int32_t desired = 0;
  // With a counter, it stands still: nothing arrives.
  const bool counted = *rc::gen::arbitrary<bool>();
  const double total = *rc::gen::inRange(0, 100'000);
  for (int i = 0; i < 600; ++i) {  // 300 s of reads while the queue drains and stays empty
    DemandReading reading = DemandReading::Value(backlog, running, 0);
    if (counted) reading.arrivals_total = total;
    DesiredResult result = ComputeDesired(app, reading, state, kT0 + absl::Milliseconds(500 * i));
    state = result.state;
    desired = result.desired;
    running = desired;
    backlog = std::max(0.0, backlog - 0.5 * running);
  }
  RC_ASSERT(desired == app.replicas.min);
}

// Poisson arrivals into an idle queue, with no declared rate, on a busy engine (a second
// to the first start, then one every 0.15 s). The first reads of a Poisson stream are
// noisy, and one of them, read as the drain of the first container, could set the drain
// rate at 3 to 28 times the truth; the count then asked for a fraction of the need, and
// nothing corrected it while the count held (λ - μ·r alone is seen). In the simulated loop
// 20 of 60 seeds took 20-53 s to reach the need, and held a median backlog of up to 107
// (on a real dockerd the backlog grew to 673). A backlog that keeps growing far above its
// target now sends the estimate back to the bootstrap.
TEST(QueueLoopTest, PoissonArrivalsIntoAnIdleQueueAreServedWithoutADeclaredRate) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    LoopOptions options = OnEngine(1, 0.15);
    options.poisson = true;
    options.seed = seed;
    const double step = 2;
    std::vector<LoopSample> samples = RunQueueLoop(
        QueueLoopApp(10), [&](double t) { return t >= step ? 10.0 : 0.0; }, 180, options);
    double reach = -1;
    std::vector<double> backlogs;
    for (const LoopSample& s : samples) {
      if (reach < 0 && s.running >= 10) reach = s.t - step;
      if (s.t >= 60) backlogs.push_back(s.backlog);
    }
    std::nth_element(backlogs.begin(), backlogs.begin() + backlogs.size() / 2, backlogs.end());
    const double median = backlogs[backlogs.size() / 2];
    EXPECT_GE(reach, 0) << "seed " << seed;
    EXPECT_LE(reach, 40) << "seed " << seed;
    EXPECT_LE(median, 40) << "seed " << seed;
  }
}

// A declared rate of 1, arrivals of 10 held by 10 containers, then 12 that drain the
// backlog and keep the queue empty: one item that shows between two reads came into an
// empty queue, where the 12 stood idle for part of the interval, so it says only that
// arrivals are between 2 and 14 items/s. Read as 2 + 12, it raised the estimate to 14 and
// the count with it: each such item in a queue kept empty ratcheted the count up.
TEST(QueueEstimateTest, AnItemInAQueueThatWasEmptyIsNotTheWholeCapacity) {
  AppSpec spec = QueueLoopApp(10);
  spec.demand.queue->per_container_rate = 1;
  QueueReads q(*spec.demand.queue, 10);
  for (int i = 0; i < 8; ++i) q.Read(2, 10);
  ASSERT_NEAR(*q.Read(2, 10).arrival_rate, 10, 0.5);
  q.count = 12;
  q.Read(1, 12);
  q.Read(0, 12);
  q.Read(0, 12);
  const QueueDecision d = q.Read(1, 12);
  ASSERT_TRUE(d.arrival_rate.has_value());
  EXPECT_LE(*d.arrival_rate, 10.5);
  EXPECT_LE(d.count, 12);
}

// The container-seconds of `seconds` of Poisson arrivals at 10/s from t = 5 s, as a
// multiple of the ideal (10 containers throughout), the running counts while they last, and
// the seconds from their stop until nothing runs or is wanted (-1: not within 30 s).
struct PoissonRun {
  double cost = 0;
  std::vector<int32_t> running;
  double back = -1;
};
PoissonRun RunPoissonArrivals(const AppSpec& spec, LoopOptions options, uint64_t seed,
                              double seconds) {
  options.poisson = true;
  options.seed = seed;
  const double start = 5;
  const double stop = start + seconds;
  std::vector<LoopSample> samples = RunQueueLoop(
      spec, [&](double t) { return t >= start && t < stop ? 10.0 : 0.0; }, stop + 30, options);
  PoissonRun run;
  for (const LoopSample& s : samples) {
    if (s.t >= start && s.t < stop) run.running.push_back(s.running);
  }
  run.back = SecondsToZero(samples, stop);
  run.cost = ContainerSeconds(samples, start, stop) / (10 * seconds);
  return run;
}

// Poisson arrivals at 10/s for 180 s, seeds 1-40, in four groups: on a fast and on a busy
// engine, with and without a declared rate. `check` gets each group's name and runs (seed 1
// first).
void CheckPoissonGroups(
    const std::function<void(const std::string&, const std::vector<PoissonRun>&)>& check) {
  for (bool declared : {false, true}) {
    AppSpec spec = QueueLoopApp(10, 20);
    if (declared) spec.demand.queue->per_container_rate = 1;
    for (const auto& [delay, spacing] : {std::pair{0.5, 0.0}, std::pair{1.0, 0.15}}) {
      const LoopOptions options = OnEngine(delay, spacing);
      std::vector<PoissonRun> runs;
      for (uint64_t seed = 1; seed <= 40; ++seed) {
        runs.push_back(RunPoissonArrivals(spec, options, seed, 180));
      }
      check(absl::StrCat("declared ", declared, ", engine ", delay, "/", spacing), runs);
    }
  }
}

// Items that showed in a queue kept empty used to raise the arrival estimate to the whole
// capacity, and the count with it: 13 of these 160 runs cost more than 1.25x the ideal
// container-seconds, up to 1.89x (seed 1 without a declared rate on the fast engine). Every
// run now stays within 1.25x, and the mean within the goal's 15 %.
TEST(QueueLoopTest, PoissonArrivalsDoNotRatchetTheCountUp) {
  CheckPoissonGroups([](const std::string& group, const std::vector<PoissonRun>& runs) {
    double sum = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
      sum += runs[i].cost;
      EXPECT_LE(runs[i].cost, 1.25) << group << ", seed " << i + 1;
    }
    EXPECT_LE(sum / static_cast<double>(runs.size()), 1.15) << group;
  });
}

// Poisson arrivals that stop let every container go within seconds, with or without a
// declared rate. A drain rate learned several times too high from the first reads (6.8
// where containers drained 1, and arrivals at 85 where 10 came) saw the stop as a small dip
// of the arrivals, and a probe's hold kept 13 containers for a minute after the queue
// emptied (seed 6 on the fast engine); the mean over these seeds was 11-19 s. A noisy queue
// that reads exactly empty for a few seconds now counts as a fall.
TEST(QueueLoopTest, PoissonArrivalsThatStopLetEveryContainerGo) {
  CheckPoissonGroups([](const std::string& group, const std::vector<PoissonRun>& runs) {
    double sum = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
      sum += runs[i].back < 0 ? 30 : runs[i].back;
      EXPECT_GE(runs[i].back, 0) << group << ", seed " << i + 1;
      EXPECT_LE(runs[i].back, 15) << group << ", seed " << i + 1;
    }
    EXPECT_LE(sum / static_cast<double>(runs.size()), 8) << group;
  });
}

// While arrivals go on, the count never falls back to nothing once the need has been
// reached. A young drain rate (0.52 where containers drained 1) once read a backlog that 14
// containers took from 50 to 46 in half a second as arrivals of 0, and the count went from
// 20 to 0 at the next empty read (seed 23 on this engine): the backlog's fall bounds the
// drain rate from below, since arrivals are never negative.
TEST(QueueLoopTest, ArrivalsThatGoOnNeverLoseEveryContainer) {
  LoopOptions options = OnEngine(1, 0.15);
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const PoissonRun run = RunPoissonArrivals(QueueLoopApp(10, 20), options, seed, 180);
    bool reached = false;
    int32_t lowest = 20;
    for (int32_t running : run.running) {
      reached |= running >= 10;
      if (reached) lowest = std::min(lowest, running);
    }
    EXPECT_TRUE(reached) << "seed " << seed;
    EXPECT_GE(lowest, 2) << "seed " << seed;
  }
}

// A bootstrap doubling is capped by what μ asks at the optimistic end of its spread, and
// still adds a container. On a real dockerd the first μ, 0.84 for 1 from containers that had
// run for a second, capped a doubling from 8 at 13 for a need of 10 (30 % over); a μ
// learned twice too high must not hold a growing backlog's count where it is.
TEST(QueueEstimateTest, ABootstrapDoublingIsCappedAtTheOptimisticDrainRate) {
  const QueueSpec spec = *QueueLoopApp(10).demand.queue;
  QueueEstimate e = InitialQueueEstimate(spec);
  e.primed = true;
  e.arrival = 9.92;
  e.p_aa = 1;
  e.drain = 0.84;
  e.p_dd = 0.3 * 0.3;  // σ/μ = 0.36: some footing, not learned
  e.drain_samples = 2;
  e.ordered_backlog = 17;
  QueueDecision d = RecommendQueueCount(spec, {18, 8, 0, {}, std::nullopt}, e, 8, std::nullopt);
  ASSERT_FALSE(d.drain_rate.has_value()) << "still bootstrapping";
  EXPECT_EQ(d.count, 10) << "1.1 x 9.92 / (0.84 + 0.3); 13 at the point estimate";

  e.arrival = 12.7;
  e.drain = 2;  // twice the truth
  e.p_dd = 0.8 * 0.8;
  e.ordered_backlog = 40;
  d = RecommendQueueCount(spec, {45, 7, 0, {}, std::nullopt}, e, 7, std::nullopt);
  ASSERT_FALSE(d.drain_rate.has_value());
  EXPECT_EQ(d.count, 8) << "the backlog grows: one more, though μ says 7 are plenty";
}

// A drain rate that the backlog contradicted is forgotten (DoubtTheDrainRate) and the
// bootstrap takes over; a count it holds above the need teaches nothing of μ, since only
// λ - μ·r is seen while r holds. On a real dockerd, Poisson arrivals held 14 containers for
// a need of 10 for 100 s that way: the queue showed an item or two at most reads, so it
// never read empty long enough for the bootstrap to let go. Here the loop is replayed read
// by read from the doubt on: arrivals of 10/s, each running container drains 1/s.
TEST(QueueLoopTest, ABootstrapCountAboveTheNeedComesDown) {
  QueueReads q(*QueueLoopApp(10).demand.queue);
  q.Read(5, 0);
  q.Read(10, 0);
  QueueEstimate& e = q.e;
  e.p_aa = e.arrival * e.arrival + 100;  // what the doubt leaves
  e.p_ad = 0;
  e.p_dd = 1e4;
  e.drain_samples = 0;
  e.drain_learned = false;
  e.doubted = true;
  q.count = 14;
  double backlog = 0;
  double came_down = -1;           // seconds
  int32_t lowest = 14;             // over the second minute
  for (int i = 0; i < 240; ++i) {  // two minutes
    const int32_t running = q.count;
    // Arrivals bunch: 9, 1, 8, 2 items a read, 10/s in all.
    const double arrived = std::vector<double>{9, 1, 8, 2}[i % 4];
    backlog = std::max(0.0, backlog + arrived - 0.5 * running);
    q.Read(std::round(backlog), running);
    if (came_down < 0 && q.count < 14) came_down = 0.5 * i;
    if (i >= 120) lowest = std::min(lowest, q.count);
  }
  EXPECT_GE(came_down, 0);
  EXPECT_LE(came_down, 60);
  EXPECT_GE(lowest, 9);
  EXPECT_GE(q.count, 10);
  EXPECT_LE(q.count, 11);
}

// With an arrivals counter (httpJson.arrivalsPointer, a stream's entries added) the loop
// measures λ directly, and μ from what the containers drained while a backlog lasted.
LoopOptions Counted(double start_delay = 0.75, double start_spacing = 0) {
  LoopOptions options = OnEngine(start_delay, start_spacing);
  options.count_arrivals = true;
  return options;
}

// The steps of the issue on a quick engine and on the default one. Known miss: the need
// within 5 s. μ is learned from what the first containers drain, which takes them a second
// or two of running, and the first estimate is often high (an item of rounding over the
// first fraction of a second a container ran): here 10 run 6 s after the step (μ read 1.2,
// 9 ordered, the tenth 2 s later). Over queue_sweep --counted's 10 phases a step, 7 of 20
// runs on this engine and 20 of 20 on a busier one (a second to the first start, then one
// every 0.15 s) take longer than 5 s; none overshoots.
TEST(QueueLoopTest, CountedArrivalsMeetTheStepGoals) {
  ExpectStepGoals(10, Counted(0.5));
  ExpectStepGoals(20, Counted(0.5));
  StepLimits known_miss;
  known_miss.reach = 6;
  ExpectStepGoals(10, Counted(), std::nullopt, known_miss);
  ExpectStepGoals(20, Counted());
}

// A container drains a while after the start its reads report (its process comes up; on
// bench/queue polling the engine, the poll's own delay). Intervals in which the count changed
// then credit the new containers with time they did not drain: read as drain, the first
// learned μ fell to 0.87 for 1 as 17 containers started, and the floor asked for 23 where
// 20 do (bench/queue/queue_sweep --counted --lag 0.15: overshoot past 10 % in 3-14 runs of
// 20 per engine). Once μ is learned, those intervals and the one after are left out of its
// window: 0-5 runs of 20.
TEST(QueueLoopTest, CountedArrivalsWithAStartLagDoNotOvershoot) {
  for (double lag : {0.15, 0.3}) {
    LoopOptions options = Counted(1, 0.05);
    options.drain_lag = lag;
    SCOPED_TRACE(::testing::Message() << "drain lag " << lag);
    ExpectStepGoals(10, options);
    ExpectStepGoals(20, options);
  }
}

// Without a counter, the estimate averages λ over 20 s and a ramp is followed by its drift
// test; a steady stream's counts have little spread (its dispersion is learned), so the
// counted estimate follows it within a couple of seconds. In queue_sweep the ramps made 2.3-3.9
// reversals on average without the counter and 0.5 with it.
TEST(QueueLoopTest, ACountedRampIsFollowedWithoutChurn) { ExpectRampGoals(Counted(1, 0.15), 2); }

// Poisson arrivals at 10/s counted: the count holds within the goals of the issue, and
// once arrivals stop it is back at 0 within a few seconds: three reads that count nothing
// where 15 items were due are a change, where the backlog alone cannot tell arrivals that
// stopped from a queue that more containers than needed keep empty.
// λ = 20 exactly, counted, for a declared μ = 1: the need is exactly 20. Reads 0.49 and
// 0.51 s apart see 9, 10 or 11 whole items, so the point estimate wanders (19.5-20.3 on a
// real dockerd); the floor, taking it at face value, raised 20 containers to 21 at each
// upward wander. With a backlog within its target the count holds at 20.
TEST(QueueEstimateTest, AnExactCountedNeedHoldsDespiteTheReadsRounding) {
  const QueueSpec spec{10, std::nullopt, 1.0};
  QueueEstimate e;
  int32_t count = 20;
  double t = 0;
  for (int i = 0; i < 400; ++i) {
    t += i % 3 == 0 ? 0.49 : (i % 3 == 1 ? 0.51 : 0.5);
    const QueueReading r{3, 20, 0, {}, std::floor(20 * t)};
    QueueDecision d = DecideQueue(spec, r, e, count, kT0 + absl::Seconds(t));
    e = d.estimate;
    if (i >= 20) {  // once the arrival rate is known
      SCOPED_TRACE(::testing::Message()
                   << "read " << i << " at " << t << " s, λ " << d.arrival_rate.value_or(-1));
      ASSERT_EQ(d.count, 20);
    }
    count = d.count;
  }
}

// A trickle of counted arrivals (1 item/s) that one container keeps up with, before μ is
// learned: the queue reads empty because the container drains it, so the count holds
// (it went to 0 and a second later back to 1 at the start of a ramp on a real dockerd).
// Once the counter stops, the count goes to 0.
TEST(QueueEstimateTest, ACountedTrickleKeepsItsContainerUntilArrivalsStop) {
  const QueueSpec spec{10, std::nullopt, std::nullopt};
  QueueEstimate e;
  int32_t count = 1;
  double total = 0;
  for (int i = 1; i <= 120; ++i) {
    const double t = 0.5 * i;
    if (t <= 40) total = std::floor(t);  // 1 item/s until 40 s, none after
    const QueueReading r{0, count, 0, {}, total};
    QueueDecision d = DecideQueue(spec, r, e, count, kT0 + absl::Seconds(t));
    e = d.estimate;
    count = d.count;
    if (t > 3 && t <= 40) {
      ASSERT_EQ(count, 1) << "at " << t << " s, arrivals go on";
    }
  }
  EXPECT_EQ(count, 0) << "20 s after the last arrival";
}

// Arrivals that stop leave a backlog that every running container drains, even while the
// arrival estimate, two reads after the stop, is still above half a container: on a real
// dockerd (λ = 10.6 -> 6.7 -> 0.68 for μ = 1.06) the count went from 10 to 1 with 6 items
// left, and they trickled through one container for 6 s. A tenth of the settled estimate
// counts as stopped.
TEST(QueueEstimateTest, ABacklogLeftWhenArrivalsStopDrainsWithEveryContainer) {
  const QueueSpec spec{10, std::nullopt, 1.0};
  QueueEstimate e;
  int32_t count = 10;
  double t = 0;
  auto read = [&](double backlog) {
    t += 0.5;
    QueueDecision d = DecideQueue(spec, QueueReading{backlog, 10, 0, {}, std::nullopt}, e, count,
                                  kT0 + absl::Seconds(t));
    e = d.estimate;
    count = d.count;
  };
  for (int i = 0; i < 60; ++i) read(20);  // 10 items/s into a backlog that 10 hold at 20
  ASSERT_EQ(count, 10);
  // Arrivals stop; the backlog falls at 9.4 items/s (the last items arrived just after the
  // stop), and the estimate settles near 0.6 items/s.
  for (double backlog = 20 - 4.7; backlog > 0; backlog -= 4.7) {
    read(backlog);
    EXPECT_EQ(count, 10) << "at " << t << " s, " << backlog << " items left, arrivals estimated at "
                         << e.arrival;
  }
  for (int i = 0; i < 20; ++i) read(0);
  EXPECT_EQ(count, 0) << "10 s after the queue emptied";
}

TEST(QueueLoopTest, CountedPoissonArrivalsHoldSteadyAndStopQuickly) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    LoopOptions options = Counted(1, 0.05);
    options.poisson = true;
    options.seed = seed;
    const double warmup = 60;
    const double stop = warmup + 180;
    std::vector<LoopSample> samples = RunQueueLoop(
        QueueLoopApp(10), [&](double t) { return t < stop ? 10.0 : 0.0; }, stop + 30, options);
    const double container_seconds = ContainerSeconds(samples, warmup, stop);
    const double ideal = 10.0 * (stop - warmup);
    const double per_minute = Reversals(samples, warmup, stop) / ((stop - warmup) / 60);
    const double back_to_min = SecondsToZero(samples, stop);
    double backlog_at_stop = 0;
    for (const LoopSample& s : samples) {
      if (s.t < stop) backlog_at_stop = s.backlog;
    }
    SCOPED_TRACE(::testing::Message()
                 << "seed " << seed << ": container-seconds " << container_seconds << " (ideal "
                 << ideal << "), reversals/min " << per_minute << ", back to 0 after "
                 << back_to_min << " s, backlog at the stop " << backlog_at_stop);
    EXPECT_LE(per_minute, 4);
    EXPECT_LE(std::abs(container_seconds - ideal), 0.15 * ideal);
    EXPECT_GE(back_to_min, 0);
    EXPECT_LE(back_to_min, backlog_at_stop / 10 + 5);
  }
}

// A counter that goes backwards (the queue's server restarted) is a fresh start, not
// negative arrivals: the estimate carries on from the next read.
TEST(QueueEstimateTest, ACounterThatGoesBackwardsIsAFreshStart) {
  const QueueSpec spec = *QueueLoopApp(10).demand.queue;
  QueueEstimate e;
  double total = 5000;
  for (int i = 0; i < 40; ++i) {  // 10 items/s, 10 containers that keep the backlog at 5
    total += 5;
    e = UpdateQueueEstimate(spec, {5, 10, 0, {}, total}, e, kT0 + absl::Milliseconds(500 * i));
  }
  ASSERT_TRUE(EstimatedArrivalRate(e).has_value());
  EXPECT_NEAR(*EstimatedArrivalRate(e), 10, 0.5);
  total = 3;  // the restart
  for (int i = 40; i < 44; ++i) {
    e = UpdateQueueEstimate(spec, {5, 10, 0, {}, total}, e, kT0 + absl::Milliseconds(500 * i));
    total += 5;
  }
  EXPECT_NEAR(*EstimatedArrivalRate(e), 10, 1);
  ASSERT_TRUE(EstimatedDrainRate(e).has_value());
  EXPECT_NEAR(*EstimatedDrainRate(e), 1, 0.1);
}

}  // namespace
}  // namespace microscale::core
