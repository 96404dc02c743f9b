// The printed forms of a simulation.
#include "cli/simulate/output.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace microscale::simulate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

SimulationSummary Summary() {
  SimulationSummary s;
  s.steps = 2;
  s.seconds = 1;
  s.step_seconds = 0.5;
  s.decisions = 3;
  s.commands = 4;
  s.apps = {{"api", 1.5, 2.25, 0, 1}, {"we\"ird", 0, 0, 3, 0}};
  return s;
}

std::string Write(OutputKind kind) {
  std::ostringstream out;
  std::unique_ptr<OutputWriter> writer = MakeWriter(kind, {"api", "we\"ird"}, out);
  writer->OnStep(0, {{0, 5.0, 2, 2, 0, 0, 0, 2.25}, {1, std::nullopt, 0, 0, 0, 0, 3, 0}});
  writer->OnStep(0.5, {{0, 5.0, 2, 2, 2, 0, 0, 0}, {1, 1.0 / 3, 1, 0, 0, 1, 0, 0}});
  writer->Finish(Summary());
  return out.str();
}

TEST(OutputTest, CsvHasTheContractHeaderAndOneLinePerStepAndApp) {
  std::vector<std::string> lines = absl::StrSplit(Write(OutputKind::kCsv), '\n');
  EXPECT_THAT(lines, ElementsAre("seconds,app,demand,desired,allocated,running,paused,"
                                 "preemptions,shortfall",
                                 "0,api,5,2,2,0,0,0,2.25", "0,we\"ird,,0,0,0,0,3,0",
                                 "0.5,api,5,2,2,2,0,0,0", "0.5,we\"ird,0.333,1,0,0,1,0,0", ""));
}

TEST(OutputTest, JsonIsASimulationResultWithStepsAndASummaryPerApp) {
  nlohmann::json j = nlohmann::json::parse(Write(OutputKind::kJson));
  EXPECT_EQ(j["apiVersion"], "microscale.io/v1");
  EXPECT_EQ(j["kind"], "SimulationResult");
  ASSERT_EQ(j["steps"].size(), 4u);
  EXPECT_EQ(j["steps"][0], nlohmann::json::parse(R"({"seconds": 0, "app": "api", "demand": 5,
      "desired": 2, "allocated": 2, "running": 0, "paused": 0, "preemptions": 0,
      "shortfall": 2.25})"));
  EXPECT_TRUE(j["steps"][1]["demand"].is_null());
  EXPECT_EQ(j["steps"][1]["app"], "we\"ird");
  EXPECT_DOUBLE_EQ(j["steps"][3]["demand"].get<double>(), 0.333333);
  EXPECT_EQ(j["summary"]["api"], nlohmann::json::parse(R"({"containerSeconds": 1.5,
      "shortfall": 2.25, "preemptions": 0, "reversals": 1})"));
  EXPECT_EQ(j["summary"]["we\"ird"]["preemptions"], 3);
}

TEST(OutputTest, JsonWithoutStepsIsStillValid) {
  std::ostringstream out;
  std::unique_ptr<OutputWriter> writer = MakeWriter(OutputKind::kJson, {}, out);
  writer->Finish(SimulationSummary{});
  nlohmann::json j = nlohmann::json::parse(out.str());
  EXPECT_TRUE(j["steps"].empty());
  EXPECT_TRUE(j["summary"].empty());
}

TEST(OutputTest, TableAlignsColumnsAndEndsWithTheSummary) {
  std::string table = Write(OutputKind::kTable);
  std::vector<std::string> lines = absl::StrSplit(table, '\n');
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0],
            "SECONDS    APP      DEMAND     DESIRED   ALLOCATED   RUNNING   PAUSED   PREEMPTIONS   "
            "SHORTFALL");
  EXPECT_EQ(lines[1],
            "0          api      5          2         2           0         0        0             "
            "2.25");
  EXPECT_EQ(
      lines[2],
      "0          we\"ird   -          0         0           0         0        3             0");
  EXPECT_THAT(table, HasSubstr("SUMMARY: 2 steps of 0.5 s (1 s), 3 decisions, 4 commands\n"));
  EXPECT_THAT(table, HasSubstr("APP      CONTAINER-SECONDS   SHORTFALL   PREEMPTIONS   REVERSALS\n"
                               "api      1.5                 2.25        0             1\n"));
  EXPECT_THAT(table, HasSubstr("shortfall: demand-unit-seconds"));
  for (const std::string& line : lines) EXPECT_FALSE(absl::EndsWith(line, " ")) << line;
}

TEST(OutputTest, NumbersPrintExactlyWhenWholeElseRounded) {
  EXPECT_EQ(FormatNumber(2), "2");
  EXPECT_EQ(FormatNumber(-0.0), "0");
  EXPECT_EQ(FormatNumber(0.25), "0.25");
  EXPECT_EQ(FormatNumber(1.0 / 3), "0.333");
  EXPECT_EQ(FormatNumber(1.0 / 3, 6), "0.333333");
  EXPECT_EQ(FormatNumber(1e-7), "0");
  EXPECT_EQ(FormatNumber(86400), "86400");
}

}  // namespace
}  // namespace microscale::simulate
