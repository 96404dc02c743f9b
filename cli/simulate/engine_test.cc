// The simulation engine over small scenarios whose every figure can be worked out by hand.
#include "cli/simulate/engine.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/simulate/nodes_csv.h"
#include "cli/simulate/trace_csv.h"
#include "common/manifest/manifest.h"
#include "gtest/gtest.h"

namespace microscale::simulate {
namespace {

struct Step {
  double seconds = 0;
  std::vector<StepRow> rows;
};

class CollectingSink : public StepSink {
 public:
  void OnStep(double seconds, const std::vector<StepRow>& rows) override {
    steps.push_back({seconds, rows});
  }
  std::vector<Step> steps;
};

std::string AppWithDemand(const std::string& name, int priority, int max, const std::string& demand,
                          const std::string& extra = "") {
  return absl::StrCat("---\napiVersion: microscale.io/v1\nkind: App\nmetadata: {name: ", name,
                      "}\nspec:\n  priority: ", priority,
                      "\n  image: demo\n  resources: {cpu: 250m, memory: 64Mi}\n"
                      "  replicas: {min: 0, max: ",
                      max, "}\n", extra, "  demand: {source: static, ", demand, "}\n");
}

std::string App(const std::string& name, int priority, int max, const std::string& extra = "") {
  return AppWithDemand(name, priority, max, "value: 0", extra);
}

SimulationInput Input(const std::string& manifests, const std::string& nodes,
                      const std::string& trace) {
  SimulationInput input;
  auto apps = ParseManifests(manifests);
  EXPECT_TRUE(apps.ok()) << apps.status();
  if (apps.ok()) input.apps = *apps;
  auto parsed_nodes = ParseNodesCsv(nodes, "nodes.csv");
  EXPECT_TRUE(parsed_nodes.ok()) << parsed_nodes.status();
  if (parsed_nodes.ok()) input.nodes = *parsed_nodes;
  std::vector<std::string> names;
  for (const AppSpec& a : input.apps) names.push_back(a.name);
  auto parsed_trace = ParseDemandTrace(trace, "trace.csv", names);
  EXPECT_TRUE(parsed_trace.ok()) << parsed_trace.status();
  if (parsed_trace.ok()) input.trace = *parsed_trace;
  return input;
}

std::vector<Step> RunSim(const SimulationInput& input, const SimulationOptions& options,
                         SimulationSummary* summary = nullptr) {
  CollectingSink sink;
  auto result = Simulate(input, options, sink);
  EXPECT_TRUE(result.ok()) << result.status();
  if (summary != nullptr && result.ok()) *summary = *result;
  return sink.steps;
}

// The row of app `app` at `seconds`.
const StepRow& At(const std::vector<Step>& steps, double seconds, int app) {
  for (const Step& s : steps) {
    if (s.seconds == seconds) return s.rows.at(app);
  }
  ADD_FAILURE() << "no step at " << seconds;
  static const StepRow kNone;
  return kNone;
}

TEST(EngineTest, AStartDelayDelaysRunning) {
  SimulationInput input = Input(App("web", 1, 5), "n1,4,8Gi,0\n", "seconds,app,value\n0,web,2\n");
  SimulationOptions options;
  options.step = absl::Milliseconds(100);
  options.start_delay = absl::Milliseconds(300);
  options.duration = absl::Seconds(1);
  std::vector<Step> steps = RunSim(input, options);
  ASSERT_EQ(steps.size(), 10u);
  for (double t : {0.0, 0.1, 0.2}) {
    EXPECT_EQ(At(steps, t, 0).desired, 2) << t;
    EXPECT_EQ(At(steps, t, 0).allocated, 2) << t;
    EXPECT_EQ(At(steps, t, 0).running, 0) << t;
  }
  EXPECT_EQ(At(steps, 0.3, 0).running, 2);
  EXPECT_EQ(At(steps, 0.9, 0).running, 2);
}

TEST(EngineTest, ADelayShorterThanAStepIsHonouredWithinTheStep) {
  SimulationInput input =
      Input(App("web", 1, 5), "n1,4,8Gi,0\n", "seconds,app,value\n0,web,1\n3,web,3\n");
  SimulationOptions options;
  options.start_delay = absl::Milliseconds(1500);
  options.duration = absl::Seconds(6);
  std::vector<Step> steps = RunSim(input, options);
  EXPECT_EQ(At(steps, 0, 0).running, 0);
  EXPECT_EQ(At(steps, 1, 0).running, 0);
  EXPECT_EQ(At(steps, 2, 0).running, 1);  // running since 1.5 s
  EXPECT_EQ(At(steps, 3, 0).running, 1);
  EXPECT_EQ(At(steps, 3, 0).desired, 3);
  EXPECT_EQ(At(steps, 4, 0).running, 1);
  EXPECT_EQ(At(steps, 5, 0).running, 3);
}

// One node with room for four 250m containers: the priority-1 api takes the worker's
// room when its demand rises and gives it back when it falls.
TEST(EngineTest, AHigherPriorityPreemptsALowerOneAndGivesBack) {
  SimulationInput input = Input(App("api", 1, 4) + App("worker", 2, 4), "n1,1,8Gi,0\n",
                                "seconds,app,value\n"
                                "0,api,1\n0,worker,4\n"
                                "10,api,4\n"
                                "20,api,0\n");
  SimulationOptions options;
  options.duration = absl::Seconds(30);
  SimulationSummary summary;
  std::vector<Step> steps = RunSim(input, options, &summary);
  ASSERT_EQ(steps.size(), 30u);
  EXPECT_EQ(At(steps, 5, 0).running, 1);
  EXPECT_EQ(At(steps, 5, 1).running, 3);
  EXPECT_EQ(At(steps, 5, 1).desired, 4);
  EXPECT_EQ(At(steps, 5, 1).allocated, 3);

  EXPECT_EQ(At(steps, 10, 0).allocated, 4);
  EXPECT_EQ(At(steps, 10, 1).allocated, 0);
  EXPECT_EQ(At(steps, 10, 1).preemptions, 3);
  EXPECT_EQ(At(steps, 10, 1).running, 0);  // stops take no time here
  EXPECT_EQ(At(steps, 10, 0).running, 1);  // the three new ones are starting
  EXPECT_EQ(At(steps, 11, 0).running, 4);
  EXPECT_EQ(At(steps, 11, 1).preemptions, 0);

  EXPECT_EQ(At(steps, 20, 0).allocated, 0);
  EXPECT_EQ(At(steps, 20, 1).allocated, 4);
  EXPECT_EQ(At(steps, 21, 1).running, 4);
  EXPECT_EQ(At(steps, 21, 0).running, 0);
  EXPECT_EQ(summary.apps[1].preemptions, 3);
  EXPECT_EQ(summary.apps[0].preemptions, 0);
}

TEST(EngineTest, PausedPreemptionResumesAfterTheUnpauseDelay) {
  SimulationInput input =
      Input(App("api", 1, 4) + App("worker", 2, 2, "  preemption: pause\n"), "n1,1,8Gi,0\n",
            "seconds,app,value\n0,api,2\n0,worker,2\n5,api,4\n10,api,2\n");
  SimulationOptions options;
  options.step = absl::Milliseconds(10);
  options.unpause_delay = absl::Milliseconds(30);
  options.duration = absl::Seconds(12);
  std::vector<Step> steps = RunSim(input, options);
  EXPECT_EQ(At(steps, 4, 1).running, 2);
  EXPECT_EQ(At(steps, 5, 1).paused, 2);
  EXPECT_EQ(At(steps, 5, 1).running, 0);
  EXPECT_EQ(At(steps, 5, 1).preemptions, 2);
  EXPECT_EQ(At(steps, 10, 1).paused, 2);  // resuming
  EXPECT_EQ(At(steps, 10.02, 1).running, 0);
  EXPECT_EQ(At(steps, 10.03, 1).running, 2);
  EXPECT_EQ(At(steps, 10.03, 1).paused, 0);
}

TEST(EngineTest, LevelShortfallIsTheDemandNotServedOverTheStep) {
  // target 10 per container, room for two containers: 25 wanted, 20 served at best.
  SimulationInput input = Input(AppWithDemand("web", 1, 5, "value: 0, targetPerContainer: 10"),
                                "n1,500m,8Gi,0\n", "seconds,app,value\n0,web,25\n");
  SimulationOptions options;
  options.start_delay = absl::Milliseconds(500);
  options.duration = absl::Seconds(3);
  SimulationSummary summary;
  std::vector<Step> steps = RunSim(input, options, &summary);
  EXPECT_EQ(At(steps, 0, 0).desired, 3);
  EXPECT_EQ(At(steps, 0, 0).allocated, 2);
  // 25 unserved for 0.5 s, then 25 - 20 for 0.5 s.
  EXPECT_DOUBLE_EQ(At(steps, 0, 0).shortfall, 25 * 0.5 + 5 * 0.5);
  EXPECT_DOUBLE_EQ(At(steps, 1, 0).shortfall, 5);
  EXPECT_DOUBLE_EQ(At(steps, 2, 0).shortfall, 5);
  EXPECT_DOUBLE_EQ(summary.apps[0].shortfall, 25);
  EXPECT_DOUBLE_EQ(summary.apps[0].container_seconds, 6);  // 2 containers from 0 to 3 s
}

TEST(EngineTest, ArrivalsShortfallIsTheWaitOfTheBacklog) {
  // Level mode over the backlog: one container (max 1) once anything waits; it drains 2
  // items/s while 4 arrive, so the backlog grows 2/s until arrivals stop at 5 s.
  SimulationInput input = Input(AppWithDemand("worker", 1, 1, "value: 0"), "n1,1,8Gi,0\n",
                                "seconds,app,arrivals\n0,worker,4\n5,worker,0\n");
  SimulationOptions options;
  options.start_delay = absl::ZeroDuration();
  options.drain_rate = 2;
  options.duration = absl::Seconds(12);
  std::vector<Step> steps = RunSim(input, options);
  EXPECT_DOUBLE_EQ(*At(steps, 0, 0).demand, 0);
  EXPECT_EQ(At(steps, 0, 0).running, 0);
  EXPECT_DOUBLE_EQ(At(steps, 0, 0).shortfall, 2);  // 0 -> 4 items over the second
  EXPECT_DOUBLE_EQ(*At(steps, 1, 0).demand, 4);
  EXPECT_EQ(At(steps, 1, 0).running, 1);
  EXPECT_DOUBLE_EQ(At(steps, 1, 0).shortfall, 5);  // 4 -> 6
  EXPECT_DOUBLE_EQ(*At(steps, 5, 0).demand, 12);
  EXPECT_DOUBLE_EQ(At(steps, 5, 0).shortfall, 11);  // 12 -> 10, draining
  EXPECT_DOUBLE_EQ(*At(steps, 10, 0).demand, 2);
  EXPECT_DOUBLE_EQ(At(steps, 10, 0).shortfall, 1);  // 2 -> 0 in one second
  EXPECT_DOUBLE_EQ(*At(steps, 11, 0).demand, 0);
  EXPECT_DOUBLE_EQ(At(steps, 11, 0).shortfall, 0);
}

TEST(EngineTest, ASameInputGivesTheSameOutput) {
  std::string trace = "seconds,app,value\n";
  for (int t = 0; t < 120; t += 3) {
    absl::StrAppend(&trace, t, ",api,", (t * 7) % 5, "\n", t, ",worker,", (t * 11) % 9, "\n");
  }
  SimulationInput input =
      Input(App("api", 1, 6) + App("worker", 2, 8, "  preemption: pause\n  standby: 1\n"),
            "n1,1,1Gi,0\nn2,750m,1Gi,2\n", trace);
  SimulationOptions options;
  options.step = absl::Milliseconds(250);
  SimulationSummary first_summary, second_summary;
  std::vector<Step> first = RunSim(input, options, &first_summary);
  std::vector<Step> second = RunSim(input, options, &second_summary);
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    ASSERT_EQ(first[i].seconds, second[i].seconds);
    ASSERT_EQ(first[i].rows, second[i].rows) << "at " << first[i].seconds;
  }
  EXPECT_EQ(first_summary.apps, second_summary.apps);
  EXPECT_GT(first_summary.decisions, 0);
}

// The engine decides on a transition only when the last plan had work waiting for room;
// deciding after every transition, as the controller does, must give the same rows.
TEST(EngineTest, SkippingDecisionsOnAssumedTransitionsChangesNothing) {
  std::string trace = "seconds,app,value\n";
  for (int t = 0; t < 300; t += 2) {
    absl::StrAppend(&trace, t, ",api,", (t * 7) % 11, "\n", t, ",batch,", (t * 5) % 13, "\n", t,
                    ",worker,", (t * 11) % 9, "\n");
  }
  SimulationInput input = Input(App("api", 1, 8, "  standby: 2\n") + App("batch", 2, 10) +
                                    App("worker", 2, 8, "  preemption: pause\n  standby: 1\n"),
                                "n1,1,1Gi,0\nn2,750m,1Gi,2\nn3,2,512Mi,0\n", trace);
  for (auto placement : {core::PlacementStrategy::kSpread, core::PlacementStrategy::kBinpack}) {
    for (absl::Duration stop_delay : {absl::ZeroDuration(), absl::Milliseconds(700)}) {
      SimulationOptions options;
      options.step = absl::Milliseconds(500);
      options.stop_delay = stop_delay;
      options.placement = placement;
      SimulationSummary fast_summary, every_summary;
      std::vector<Step> fast = RunSim(input, options, &fast_summary);
      options.decide_on_every_transition = true;
      std::vector<Step> every = RunSim(input, options, &every_summary);
      ASSERT_EQ(fast.size(), every.size());
      for (size_t i = 0; i < fast.size(); ++i) {
        ASSERT_EQ(fast[i].rows, every[i].rows) << "at " << fast[i].seconds;
      }
      EXPECT_EQ(fast_summary.apps, every_summary.apps);
      EXPECT_EQ(fast_summary.commands, every_summary.commands);
      EXPECT_LT(fast_summary.decisions, every_summary.decisions);
    }
  }
}

TEST(EngineTest, WithoutADurationItRunsPastTheTraceUntilQuiet) {
  SimulationInput input =
      Input(App("web", 1, 5), "n1,4,8Gi,0\n", "seconds,app,value\n0,web,2\n20,web,1\n");
  SimulationSummary summary;
  std::vector<Step> steps = RunSim(input, SimulationOptions{}, &summary);
  ASSERT_FALSE(steps.empty());
  EXPECT_GT(steps.back().seconds, 20);
  EXPECT_LT(steps.back().seconds, 20 + kTrailingSeconds);
  EXPECT_EQ(steps.back().rows[0].running, 1);
}

TEST(EngineTest, AScaleDownDelayKeepsTheRunGoingUntilItHasPlayedOut) {
  SimulationInput input = Input(AppWithDemand("web", 1, 5, "value: 0, scaleDownDelaySeconds: 30"),
                                "n1,4,8Gi,0\n", "seconds,app,value\n0,web,3\n5,web,0\n");
  std::vector<Step> steps = RunSim(input, SimulationOptions{});
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(At(steps, 20, 0).running, 3);
  EXPECT_EQ(steps.back().rows[0].running, 0);
  EXPECT_EQ(At(steps, 36, 0).desired, 0);
}

TEST(EngineTest, RefusesWhatCannotRun) {
  SimulationInput input =
      Input(App("web", 1, 5), "n1,4,8Gi,0\n", "seconds,app,arrivals\n0,web,2\n");
  CollectingSink sink;
  auto no_rate = Simulate(input, SimulationOptions{}, sink);
  EXPECT_FALSE(no_rate.ok());
  EXPECT_NE(no_rate.status().message().find("--drain-rate"), absl::string_view::npos);

  SimulationOptions tiny;
  tiny.drain_rate = 1;
  tiny.step = absl::Microseconds(10);
  EXPECT_FALSE(Simulate(input, tiny, sink).ok());

  SimulationOptions too_long;
  too_long.drain_rate = 1;
  too_long.step = absl::Milliseconds(1);
  too_long.duration = absl::Hours(100);
  EXPECT_FALSE(Simulate(input, too_long, sink).ok());
  EXPECT_TRUE(sink.steps.empty());
}

}  // namespace
}  // namespace microscale::simulate
