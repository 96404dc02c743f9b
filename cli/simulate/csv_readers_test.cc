// The simulator's input files: every refusal names the file and line.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "cli/simulate/nodes_csv.h"
#include "cli/simulate/trace_csv.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale::simulate {
namespace {

using ::testing::HasSubstr;

TEST(NodesCsvTest, ReadsNodesWithAndWithoutHeader) {
  auto nodes = ParseNodesCsv(
      "name,cpu,memory,maxContainers,labels\n"
      "node-1,4,8Gi,0,zone=a;disk=ssd\r\n"
      "\n"
      "# a comment\n"
      " node-2 , 1500m , 512Mi , 20 , \n"
      "node-3,2,1G,3\n",
      "nodes.csv");
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 3u);
  EXPECT_EQ((*nodes)[0].info.name, "node-1");
  EXPECT_EQ((*nodes)[0].info.cpu_millis, 4000);
  EXPECT_EQ((*nodes)[0].info.memory_bytes, int64_t{8} << 30);
  EXPECT_EQ((*nodes)[0].info.max_containers, 0);
  EXPECT_EQ((*nodes)[0].info.labels,
            (std::map<std::string, std::string>{{"disk", "ssd"}, {"zone", "a"}}));
  EXPECT_EQ((*nodes)[1].info.cpu_millis, 1500);
  EXPECT_EQ((*nodes)[1].info.memory_bytes, int64_t{512} << 20);
  EXPECT_EQ((*nodes)[1].info.max_containers, 20);
  EXPECT_TRUE((*nodes)[1].info.labels.empty());
  EXPECT_EQ((*nodes)[2].info.memory_bytes, 1'000'000'000);

  auto headerless = ParseNodesCsv("n1,1,1Gi,0,\n", "x.csv");
  ASSERT_TRUE(headerless.ok()) << headerless.status();
  EXPECT_EQ(headerless->size(), 1u);
}

struct BadInput {
  std::string text;
  std::string error;
};

class BadNodesTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadNodesTest, IsRefusedWithFileAndLine) {
  auto nodes = ParseNodesCsv(GetParam().text, "nodes.csv");
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(nodes.status().message()), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Refusals, BadNodesTest,
    ::testing::Values(
        BadInput{"", "nodes.csv: no nodes"},
        BadInput{"name,cpu,memory,maxContainers,labels\n", "nodes.csv: no nodes"},
        BadInput{"name,cpu,ram,maxContainers\n", "nodes.csv:1: unknown column \"ram\""},
        BadInput{"name,cpu,memory,maxContainers,labels,zone\n",
                 "nodes.csv:1: unknown column \"zone\""},
        BadInput{"name,cpu,memory\n", "nodes.csv:1: missing column \"maxContainers\""},
        BadInput{"n1,1,1Gi\n", "nodes.csv:1: expected 4 or 5 fields"},
        BadInput{"n1,1,1Gi,0,,x\n", "nodes.csv:1: expected 4 or 5 fields"},
        BadInput{"n1,1,1Gi,0\nn 2,1,1Gi,0\n", "nodes.csv:2: node name \"n 2\""},
        BadInput{",1,1Gi,0\n", "nodes.csv:1: node name \"\""},
        BadInput{"n1,lots,1Gi,0\n", "nodes.csv:1: cpu: "},
        BadInput{"n1,-1,1Gi,0\n", "nodes.csv:1: cpu: "},
        BadInput{"n1,1,8Gb,0\n", "nodes.csv:1: memory: "},
        BadInput{"n1,1,1Gi,-1\n", "nodes.csv:1: maxContainers: \"-1\""},
        BadInput{"n1,1,1Gi,2.5\n", "nodes.csv:1: maxContainers: \"2.5\""},
        BadInput{"n1,1,1Gi,0,zone\n", "nodes.csv:1: labels: label \"zone\" is not key=value"},
        BadInput{"n1,1,1Gi,0,=a\n", "nodes.csv:1: labels: label \"=a\" is not key=value"},
        BadInput{"n1,1,1Gi,0,a=1;a=2\n", "nodes.csv:1: labels: label \"a\" given twice"},
        BadInput{"n1,1,1Gi,0,zone=a b\n",
                 "nodes.csv:1: labels: label \"zone=a b\": is not a valid label value"},
        BadInput{"n1,1,1Gi,0\n\nn1,2,1Gi,0\n", "nodes.csv:3: node \"n1\" is listed twice"},
        BadInput{"\"n1\",1,1Gi,0\n", "nodes.csv:1: quoted fields are not supported"},
        BadInput{std::string("n1,1,1Gi,0\x01\n"), "nodes.csv:1: control character"}));

const std::vector<std::string> kApps = {"api", "worker"};

TEST(TraceCsvTest, ReadsALevelTrace) {
  auto trace = ParseDemandTrace(
      "seconds,app,value\n"
      "0,api,5\n"
      "0,worker,40\n"
      "2.5,api,12.5\n"
      "2.5,worker,0\n",
      "t.csv", kApps);
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->kind, TraceKind::kLevel);
  EXPECT_EQ(trace->points, (std::vector<TracePoint>{
                               {0, 0, 5}, {0, 1, 40}, {2'500'000, 0, 12.5}, {2'500'000, 1, 0}}));
  EXPECT_EQ(trace->last_at_us(), 2'500'000);
}

TEST(TraceCsvTest, ReadsAnArrivalsTrace) {
  auto trace = ParseDemandTrace("seconds,app,arrivals\n1,worker,3\n", "t.csv", kApps);
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->kind, TraceKind::kArrivals);
  EXPECT_EQ(trace->points, (std::vector<TracePoint>{{1'000'000, 1, 3}}));
}

TEST(TraceCsvTest, AHeaderAloneIsAnEmptyTrace) {
  auto trace = ParseDemandTrace("seconds,app,value\n", "t.csv", kApps);
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_TRUE(trace->points.empty());
}

class BadTraceTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadTraceTest, IsRefusedWithFileAndLine) {
  auto trace = ParseDemandTrace(GetParam().text, "t.csv", kApps);
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(trace.status().message()), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Refusals, BadTraceTest,
    ::testing::Values(
        BadInput{"", "t.csv: empty trace"}, BadInput{"0,api,5\n", "t.csv:1: unknown column \"0\""},
        BadInput{"seconds,app,demand\n", "t.csv:1: unknown column \"demand\""},
        BadInput{"time,app,value\n", "t.csv:1: unknown column \"time\""},
        BadInput{"seconds,app,value,extra\n", "t.csv:1: unknown column \"extra\""},
        BadInput{"seconds,app\n", "t.csv:1: missing column"},
        BadInput{"seconds,app,value\n0,api\n", "t.csv:2: expected 3 fields (seconds,app,value)"},
        BadInput{"seconds,app,arrivals\n0,api,1,2\n",
                 "t.csv:2: expected 3 fields (seconds,app,arrivals)"},
        BadInput{"seconds,app,value\nsoon,api,1\n", "t.csv:2: seconds: \"soon\""},
        BadInput{"seconds,app,value\n-1,api,1\n", "t.csv:2: seconds: \"-1\""},
        BadInput{"seconds,app,value\ninf,api,1\n", "t.csv:2: seconds: \"inf\""},
        BadInput{"seconds,app,value\n1e9,api,1\n", "t.csv:2: seconds: \"1e9\""},
        BadInput{"seconds,app,value\n0,web,1\n",
                 "t.csv:2: unknown app \"web\" (not in the --apps file)"},
        BadInput{"seconds,app,value\n0,api,-2\n", "t.csv:2: value: \"-2\" is not a number >= 0"},
        BadInput{"seconds,app,arrivals\n0,api,nan\n", "t.csv:2: arrivals: \"nan\""},
        BadInput{"seconds,app,value\n5,api,1\n\n3,worker,1\n",
                 "t.csv:4: time goes backwards: 3 after 5"},
        BadInput{"seconds,app,value\n5,api,1\n5,api,2\n",
                 "t.csv:3: app \"api\" already has a row at 5 s"},
        BadInput{"seconds,app,value\n\"0\",api,1\n", "t.csv:2: quoted fields"}));

}  // namespace
}  // namespace microscale::simulate
