// `microscalectl simulate` end to end in-process: files in, printed rows out, and every
// way the command line or a file can be wrong. No controller is involved: the address
// points at a closed port, so a command that tried to call one would fail.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "cli/testing/run_cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {
namespace {

using ::testing::HasSubstr;
using testing::RunCliForTest;

constexpr char kApps[] = R"(apiVersion: microscale.io/v1
kind: App
metadata: {name: api}
spec:
  priority: 1
  image: demo
  resources: {cpu: 250m, memory: 64Mi}
  replicas: {max: 4}
  demand: {source: static, value: 0, targetPerContainer: 10}
---
apiVersion: microscale.io/v1
kind: App
metadata: {name: worker}
spec:
  priority: 2
  image: demo
  resources: {cpu: 250m, memory: 64Mi}
  replicas: {max: 4}
  demand: {source: static, value: 0}
)";

class SimulateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/microscale-simulate.XXXXXX";
    dir_ = mkdtemp(templ);
    Write("apps.yaml", kApps);
    Write("nodes.csv",
          "name,cpu,memory,maxContainers,labels\nnode-1,500m,1Gi,0,\nnode-2,500m,1Gi,0,\n");
    Write("trace.csv", "seconds,app,value\n0,api,10\n0,worker,4\n10,api,40\n20,api,5\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  testing::CliResult Simulate(std::vector<std::string> extra,
                              const std::string& trace = "trace.csv") {
    std::vector<std::string> args = {
        "--controller", "127.0.0.1:1",       "simulate", "--apps",          dir_ + "/apps.yaml",
        "--nodes",      dir_ + "/nodes.csv", "--demand", dir_ + "/" + trace};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCliForTest(args);
  }

  std::string dir_;
};

TEST_F(SimulateCommandTest, HelpShowsTheFilesAndAnExample) {
  auto result = RunCliForTest({"simulate", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* text :
       {"Examples:", "microscalectl simulate --apps apps.yaml", "--drain-rate", "--start-delay",
        "name,cpu,memory,maxContainers,labels", "seconds,app,value", "--plot"}) {
    EXPECT_THAT(result.out, HasSubstr(text));
  }
  EXPECT_THAT(RunCliForTest({"--help"}).out, HasSubstr("simulate"));
}

TEST_F(SimulateCommandTest, CsvHasOneLinePerStepAndApp) {
  auto result = Simulate({"-o", "csv", "--duration", "12s"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> lines = absl::StrSplit(result.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u + 12 * 2);
  EXPECT_EQ(lines[0], "seconds,app,demand,desired,allocated,running,paused,preemptions,shortfall");
  EXPECT_EQ(lines[1], "0,api,10,1,1,0,0,0,3");  // 0.3 s start delay with 10 unserved
  EXPECT_EQ(lines[2], "0,worker,4,4,3,0,0,0,1.9");
  EXPECT_EQ(lines[21], "10,api,40,4,4,1,0,0,9");
  EXPECT_EQ(lines[22], "10,worker,4,4,0,0,0,3,4");
  EXPECT_EQ(lines[23], "11,api,40,4,4,4,0,0,0");
}

TEST_F(SimulateCommandTest, TableEndsWithTheSummaryAndJsonParses) {
  auto table = Simulate({});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("SECONDS    APP"));
  EXPECT_THAT(table.out,
              HasSubstr("APP      CONTAINER-SECONDS   SHORTFALL   PREEMPTIONS   REVERSALS"));
  auto json = Simulate({"-o", "json", "--step", "500ms", "--start-delay", "0s"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["kind"], "SimulationResult");
  EXPECT_EQ(j["steps"][1]["seconds"], 0);
  EXPECT_EQ(j["steps"][2]["seconds"], 0.5);
  EXPECT_EQ(j["summary"]["worker"]["preemptions"], 3);
  // The global -o applies too when it is one simulate prints.
  auto global = RunCliForTest({"-o", "json", "simulate", "--apps", dir_ + "/apps.yaml", "--nodes",
                               dir_ + "/nodes.csv", "--demand", dir_ + "/trace.csv"});
  EXPECT_EQ(global.exit_code, 0) << global.err;
  EXPECT_TRUE(absl::StartsWith(global.out, "{"));
}

TEST_F(SimulateCommandTest, WritesThePlot) {
  auto result = Simulate({"--plot", dir_ + "/run.svg", "-o", "csv"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream in(dir_ + "/run.svg");
  std::stringstream text;
  text << in.rdbuf();
  const std::string svg = text.str();
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr(">worker</text>"));
  auto unwritable = Simulate({"--plot", dir_ + "/no/such/dir/run.svg"});
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_THAT(unwritable.err, HasSubstr("cannot write the plot"));
}

TEST_F(SimulateCommandTest, BadFilesAreRefusedWithFileAndLine) {
  Write("unknown.csv", "seconds,app,value\n0,api,1\n0,web,3\n");
  auto unknown = Simulate({}, "unknown.csv");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("unknown.csv:3: unknown app \"web\""));
  EXPECT_TRUE(unknown.out.empty());

  Write("back.csv", "seconds,app,value\n5,api,1\n4,api,3\n");
  EXPECT_THAT(Simulate({}, "back.csv").err, HasSubstr("back.csv:3: time goes backwards"));
  Write("column.csv", "seconds,app,level\n");
  EXPECT_THAT(Simulate({}, "column.csv").err, HasSubstr("column.csv:1: unknown column \"level\""));
  Write("nodes.csv", "node-1,4,8Gb,0,\n");
  auto node = Simulate({});
  EXPECT_EQ(node.exit_code, 1);
  EXPECT_THAT(node.err, HasSubstr("nodes.csv:1: memory: "));
  Write("nodes.csv", "node-1,1,1Gi,0\n");
  Write("apps.yaml", "apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: x}\nspec: {}\n");
  auto apps = Simulate({});
  EXPECT_EQ(apps.exit_code, 1);
  EXPECT_THAT(apps.err, HasSubstr("apps.yaml"));
  EXPECT_EQ(Simulate({}, "missing.csv").exit_code, 1);
}

TEST_F(SimulateCommandTest, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& extra :
       std::vector<std::vector<std::string>>{{"--step", "0s"},
                                             {"--step", "10us"},
                                             {"--step", "soon"},
                                             {"--start-delay", "-1s"},
                                             {"--duration", "0s"},
                                             {"--placement", "random"},
                                             {"-o", "yaml"},
                                             {"--drain-rate", "0"},
                                             {"--drain-rate", "2"},
                                             {"--bogus"}}) {
    auto result = Simulate(extra);
    EXPECT_EQ(result.exit_code, 2) << extra[0] << " " << (extra.size() > 1 ? extra[1] : "");
    EXPECT_THAT(result.err, HasSubstr("--help")) << result.err;
  }
  Write("arrivals.csv", "seconds,app,arrivals\n0,worker,3\n");
  auto no_rate = Simulate({}, "arrivals.csv");
  EXPECT_EQ(no_rate.exit_code, 2);
  EXPECT_THAT(no_rate.err, HasSubstr("--drain-rate is required"));
  EXPECT_EQ(Simulate({"--drain-rate", "2", "--duration", "5s"}, "arrivals.csv").exit_code, 0);
  EXPECT_EQ(RunCliForTest({"simulate", "--apps", "a"}).exit_code, 2);
}

}  // namespace
}  // namespace microscale::cli
