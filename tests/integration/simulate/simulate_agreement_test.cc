// Agreement of `microscalectl simulate` with the real system. One scenario (two apps of
// priority 1 and 2 on two small nodes; static demand changed four times over 40 s) runs
// on a real microscale-controller with two `microscale-agent --runtime sim` agents whose
// containers take the simulator's start delay, driven by `microscalectl demand set`,
// while the test samples the controller's allocated counts. The simulator then runs the
// same apps, nodes and demand changes (at the moments they were really sent). For every
// step of the simulation and every app, the controller must have shown the simulator's
// allocated count within one step of that time.
//
// Waits poll a condition with a generous deadline; the only timed waits are the scenario's
// own schedule. Child processes are killed by their owners' destructors, also on failure.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/simulate/engine.h"
#include "cli/simulate/nodes_csv.h"
#include "cli/simulate/trace_csv.h"
#include "common/manifest/manifest.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/built_programs.h"
#include "tests/e2e/child_process.h"

namespace microscale::testing {
namespace {

constexpr char kStartDelay[] = "300ms";
constexpr char kNodesCsv[] =
    "name,cpu,memory,maxContainers,labels\n"
    "node-1,500m,1Gi,0,\n"
    "node-2,500m,1Gi,0,\n";

std::string Manifest() {
  std::string yaml;
  for (auto [name, priority, target] : {std::tuple{"api", 1, 10}, std::tuple{"worker", 2, 1}}) {
    absl::StrAppend(&yaml, "---\napiVersion: microscale.io/v1\nkind: App\nmetadata: {name: ", name,
                    "}\nspec:\n  priority: ", priority,
                    "\n  image: microscale/demo:latest\n  resources: {cpu: 250m, memory: 64Mi}\n"
                    "  replicas: {min: 0, max: 4}\n  stopTimeoutSeconds: 1\n"
                    "  demand: {source: static, value: 0, targetPerContainer: ",
                    target, "}\n");
  }
  return yaml;
}

struct DemandChange {
  double at;  // seconds after the start of the scenario
  std::string app;
  int value;
};

// api (10 per container) and worker (1 per container) share four 250m slots.
const std::vector<DemandChange> kScenario = {
    {0, "api", 10},  {0, "worker", 4},  // api 1, worker 3
    {10, "api", 40},                    // api takes all four: worker preempted
    {20, "api", 15},                    // api 2, worker gets 2 back
    {30, "api", 0},                     // worker 4
};
constexpr double kScenarioSeconds = 40;

struct Sample {
  double at;  // seconds after the start of the scenario
  std::map<std::string, int> allocated;
};

class SimulateAgreementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/microscale-sim-agree.XXXXXX";
    dir_ = mkdtemp(templ);
    grpc_addr_ = absl::StrCat("127.0.0.1:", FreePort());
    controller_ = ChildProcess(BuiltProgram("controller/microscale-controller"),
                               {"--grpc-addr", grpc_addr_, "--http-addr", "127.0.0.1:0",
                                "--data-dir", dir_ + "/data", "--startup-grace", "0s"},
                               dir_ + "/controller.log");
    for (int i = 1; i <= 2; ++i) {
      agents_.emplace_back(
          BuiltProgram("node-agent/agent/microscale-agent"),
          std::vector<std::string>{"--controller", grpc_addr_, "--node-name",
                                   absl::StrCat("node-", i), "--http-addr", "127.0.0.1:0",
                                   "--runtime", "sim", "--sim-start-delay", kStartDelay, "--cpu",
                                   "500m", "--memory", "1Gi"},
          absl::StrCat(dir_, "/agent-", i, ".log"));
    }
  }
  void TearDown() override {
    for (ChildProcess& agent : agents_) agent.Kill();
    controller_.Kill();
    if (HasFailure()) {
      std::cerr << "---- controller log ----\n" << controller_.Log();
      for (const ChildProcess& agent : agents_) std::cerr << "---- agent ----\n" << agent.Log();
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  CommandResult Ctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--controller", grpc_addr_});
    return RunCommand(BuiltProgram("cli/microscalectl"), args);
  }

  nlohmann::json Json(std::vector<std::string> args) const {
    args.insert(args.end(), {"-o", "json"});
    CommandResult r = Ctl(args);
    if (r.exit_code != 0) return nullptr;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  static bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (condition()) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return condition();
  }

  std::map<std::string, int> Allocated() const {
    std::map<std::string, int> out;
    nlohmann::json apps = Json({"get", "apps"});
    if (!apps.is_object() || !apps.contains("items")) return out;
    for (const auto& item : apps["items"]) {
      out[item["metadata"]["name"].get<std::string>()] = item["status"].value("allocated", 0);
    }
    return out;
  }

  std::string dir_;
  std::string grpc_addr_;
  ChildProcess controller_;
  std::vector<ChildProcess> agents_;
};

TEST_F(SimulateAgreementTest, ControllerAllocatesAsTheSimulatorWithinOneStep) {
  ASSERT_TRUE(WaitFor(
      [&] {
        nlohmann::json nodes = Json({"get", "nodes"});
        if (!nodes.is_object() || nodes["items"].size() != 2) return false;
        for (const auto& n : nodes["items"]) {
          if (n["status"]["state"] != "Ready") return false;
        }
        return true;
      },
      absl::Seconds(60)))
      << "two Ready nodes";
  std::ofstream(dir_ + "/apps.yaml") << Manifest();
  CommandResult applied = Ctl({"apply", "-f", dir_ + "/apps.yaml"});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ASSERT_TRUE(WaitFor([&] { return Allocated().size() == 2; }, absl::Seconds(30)));

  // The scenario: demand changes on schedule, the controller's allocation sampled between.
  // A second of samples before the first change, so the first step has a window too.
  std::vector<Sample> samples;
  std::vector<DemandChange> sent;
  const absl::Time start = absl::Now() + absl::Seconds(1);
  auto since = [&] { return absl::ToDoubleSeconds(absl::Now() - start); };
  while (since() < 0) {
    const double before = since();
    std::map<std::string, int> allocated = Allocated();
    if (allocated.size() == 2) samples.push_back({(before + since()) / 2, allocated});
    absl::SleepFor(absl::Milliseconds(100));
  }
  size_t next = 0;
  while (since() < kScenarioSeconds) {
    while (next < kScenario.size() && kScenario[next].at <= since()) {
      const DemandChange& change = kScenario[next++];
      const double at = since();
      CommandResult set = Ctl({"demand", "set", change.app, absl::StrCat(change.value)});
      ASSERT_EQ(set.exit_code, 0) << set.err;
      sent.push_back({at, change.app, change.value});
    }
    const double before = since();
    std::map<std::string, int> allocated = Allocated();
    // The moment of a sample is uncertain by the time the call took; keep the middle.
    if (allocated.size() == 2) samples.push_back({(before + since()) / 2, allocated});
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_GT(samples.size(), 40u) << "too few samples of the controller";

  // The simulator over the same inputs, with the changes at the moments they were sent.
  simulate::SimulationInput input;
  input.apps = *ParseManifests(Manifest());
  input.nodes = *simulate::ParseNodesCsv(kNodesCsv, "nodes.csv");
  std::string trace = "seconds,app,value\n";
  for (const DemandChange& c : sent) absl::StrAppend(&trace, c.at, ",", c.app, ",", c.value, "\n");
  auto parsed = simulate::ParseDemandTrace(trace, "trace.csv", {"api", "worker"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  input.trace = *parsed;
  simulate::SimulationOptions options;
  options.start_delay = absl::Milliseconds(300);
  options.duration = absl::Seconds(kScenarioSeconds - 1);
  struct Collect : simulate::StepSink {
    void OnStep(double seconds, const std::vector<simulate::StepRow>& rows) override {
      for (const auto& r : rows) steps.push_back({seconds, r.app, r.allocated});
    }
    struct Row {
      double at;
      int app;
      int allocated;
    };
    std::vector<Row> steps;
  } sim;
  ASSERT_TRUE(simulate::Simulate(input, options, sim).ok());

  const double step = 1;
  const std::vector<std::string> names = {"api", "worker"};
  int compared = 0;
  for (const auto& row : sim.steps) {
    bool seen = false;
    bool any = false;  // a sample at or after the step (one before it may predate a change)
    std::string seen_values;
    for (const Sample& s : samples) {
      if (s.at < row.at - step || s.at > row.at + step) continue;
      any |= s.at >= row.at;
      const int got = s.allocated.at(names[row.app]);
      absl::StrAppend(&seen_values, " ", got, "@", absl::StrFormat("%.2f", s.at));
      seen |= got == row.allocated;
    }
    // A loaded machine can leave a window with samples before the step only (in one
    // clean-clone run a 2 s window held one sample, taken before the change): nothing to
    // judge there.
    if (!any) continue;
    ++compared;
    EXPECT_TRUE(seen) << names[row.app] << " at " << row.at << " s: the simulator allocates "
                      << row.allocated << ", the controller showed" << seen_values;
  }
  EXPECT_GT(compared, 60);
  // The scenario did what it is meant to: the worker lost everything to the api, then got
  // it back.
  EXPECT_EQ(samples.back().allocated.at("worker"), 4);
  bool worker_starved = false;
  for (const Sample& s : samples) worker_starved |= s.allocated.at("worker") == 0;
  EXPECT_TRUE(worker_starved);
}

}  // namespace
}  // namespace microscale::testing
