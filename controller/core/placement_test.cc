// Table tests for placement (filter, score, ties) and scale-down victims, through Decide.
#include <map>
#include <string>
#include <vector>

#include "controller/core/decide.h"
#include "controller/core/test_util.h"
#include "gtest/gtest.h"

namespace microscale::core {
namespace {

using testing::MakeApp;
using testing::MakeNode;
using testing::Running;

std::map<std::string, int> StartsPerNode(const Plan& p) {
  std::map<std::string, int> out;
  for (const Command& c : p.commands) {
    if (c.kind == CommandKind::kStart) ++out[c.node];
  }
  return out;
}

std::vector<std::string> Stopped(const Plan& p) {
  std::vector<std::string> out;
  for (const Command& c : p.commands) {
    if (c.kind == CommandKind::kStop) out.push_back(c.instance);
  }
  return out;
}

TEST(PlacementTest, SpreadTakesTheLeastAllocatedNodeTiesByName) {
  ClusterState s;
  s.nodes = {MakeNode("c"), MakeNode("a"), MakeNode("b")};
  s.apps = {MakeApp("web", 1, 4)};
  Plan p = Decide(s);
  EXPECT_EQ(StartsPerNode(p), (std::map<std::string, int>{{"a", 2}, {"b", 1}, {"c", 1}}));
  // The first start goes to "a" (all empty: tie by name), then "b", "c", then "a".
  ASSERT_EQ(p.commands.size(), 4u);
  EXPECT_EQ(p.commands[0].instance, "web-0");
  EXPECT_EQ(p.commands[0].node, "a");
  EXPECT_EQ(p.commands[1].node, "b");
  EXPECT_EQ(p.commands[2].node, "c");
  EXPECT_EQ(p.commands[3].node, "a");
}

TEST(PlacementTest, SpreadUsesFractionsSoBigNodesTakeMore) {
  ClusterState s;
  s.nodes = {MakeNode("big", 4000, 16384 * testing::kMi),
             MakeNode("small", 1000, 4096 * testing::kMi)};
  s.apps = {MakeApp("web", 1, 5)};
  EXPECT_EQ(StartsPerNode(Decide(s)), (std::map<std::string, int>{{"big", 4}, {"small", 1}}));
}

TEST(PlacementTest, BinpackFillsTheMostAllocatedNodeFirst) {
  ClusterState s;
  s.nodes = {MakeNode("a"), MakeNode("b"), MakeNode("c")};
  s.containers = {Running("web-0", "web", "b")};
  s.apps = {MakeApp("web", 1, 12)};
  Plan p = Decide(s, {PlacementStrategy::kBinpack});
  // "b" already has one: it fills to 10 (CPU 1000m / 100m), the rest go to "a".
  EXPECT_EQ(StartsPerNode(p), (std::map<std::string, int>{{"a", 2}, {"b", 9}}));
}

TEST(PlacementTest, FilterHonoursCpuMemoryAndContainerCap) {
  ClusterState s;
  s.nodes = {MakeNode("cpu-poor", 150), MakeNode("mem-poor", 4000, 100 * testing::kMi),
             MakeNode("capped", 4000, 4096 * testing::kMi, 1),
             MakeNode("roomy", 4000, 4096 * testing::kMi)};
  s.apps = {MakeApp("web", 1, 5, 0, 100, 200, 128 * testing::kMi)};
  EXPECT_EQ(StartsPerNode(Decide(s)), (std::map<std::string, int>{{"capped", 1}, {"roomy", 4}}));
}

TEST(PlacementTest, ANodeWithNoFreePortGetsNoContainerThatPublishesOne) {
  ClusterState s;
  s.nodes = {MakeNode("a"), MakeNode("b")};
  s.nodes[0].max_ports = 3;  // a: 3 host ports in its --port-range; b: no cap
  s.apps = {MakeApp("web", 1, 6)};
  s.apps[0].spec.ports = {{"http", 8080}, {"metrics", 9100}};
  // Two ports each: "a" holds one container (2 of its 3 ports), "b" the rest.
  EXPECT_EQ(StartsPerNode(Decide(s)), (std::map<std::string, int>{{"a", 1}, {"b", 5}}));
  // Containers without ports still use "a" as before.
  s.apps[0].spec.ports.clear();
  EXPECT_EQ(StartsPerNode(Decide(s)), (std::map<std::string, int>{{"a", 3}, {"b", 3}}));
}

TEST(PlacementTest, AHostNetworkAppWithPortsRunsOnePerNode) {
  ClusterState s;
  s.nodes = {MakeNode("a"), MakeNode("b")};
  s.apps = {MakeApp("edge", 1, 5)};
  s.apps[0].spec.network = NetworkMode::kHost;
  s.apps[0].spec.ports = {{"http", 8080}};
  Plan p = Decide(s);
  EXPECT_EQ(StartsPerNode(p), (std::map<std::string, int>{{"a", 1}, {"b", 1}}));
  EXPECT_EQ(p.apps[0].allocated, 2);
  // Host ports are the node's own, not the --port-range's: a node with none left takes it.
  s.nodes[0].max_ports = 1;
  s.containers = {Running("web-0", "web", "a")};
  s.apps.push_back(MakeApp("web", 2, 1));
  s.apps[1].spec.ports = {{"http", 8080}};
  EXPECT_EQ(StartsPerNode(Decide(s)), (std::map<std::string, int>{{"a", 1}, {"b", 1}}));
}

TEST(PlacementTest, AHostPortAppWaitsForItsStoppingContainerToGo) {
  ClusterState s;
  s.nodes = {MakeNode("a")};
  s.apps = {MakeApp("edge", 1, 1)};
  s.apps[0].spec.network = NetworkMode::kHost;
  s.apps[0].spec.ports = {{"http", 8080}};
  s.containers = {Running("edge-0", "edge", "a")};
  s.containers[0].state = ContainerState::kStopping;  // still holds port 8080
  EXPECT_TRUE(StartsPerNode(Decide(s)).empty());
  s.containers.clear();
  EXPECT_EQ(StartsPerNode(Decide(s)), (std::map<std::string, int>{{"a", 1}}));
}

TEST(PlacementTest, NeverUsesCordonedDrainingOrNotReadyNodes) {
  ClusterState s;
  s.nodes = {MakeNode("cordoned"), MakeNode("draining"), MakeNode("down"), MakeNode("ok")};
  s.nodes[0].cordoned = true;
  s.nodes[1].draining = true;
  s.nodes[2].status = NodeStatus::kNotReady;
  s.apps = {MakeApp("web", 1, 3)};
  EXPECT_EQ(StartsPerNode(Decide(s)), (std::map<std::string, int>{{"ok", 3}}));
}

TEST(PlacementTest, ExistingContainersStayWhereTheyAre) {
  ClusterState s;
  s.nodes = {MakeNode("a"), MakeNode("b")};
  s.containers = {Running("web-0", "web", "a"), Running("web-1", "web", "a"),
                  Running("web-2", "web", "a")};
  s.apps = {MakeApp("web", 1, 4)};
  Plan p = Decide(s);
  EXPECT_EQ(StartsPerNode(p), (std::map<std::string, int>{{"b", 1}}));
  EXPECT_TRUE(Stopped(p).empty());
}

TEST(VictimTest, StartingFirstThenMostLoadedNodeNewestFirst) {
  ClusterState s;
  s.nodes = {MakeNode("a"), MakeNode("b")};
  s.apps = {MakeApp("web", 1, 2), MakeApp("other", 2, 0)};
  s.containers = {Running("web-0", "web", "a"), Running("web-1", "web", "a"),
                  Running("web-2", "web", "a"), Running("web-3", "web", "b"),
                  Running("web-4", "web", "b", ContainerState::kStarting)};
  // web-4 is not running yet: first. Then "a" (3 of web) is the most loaded: web-2, newest.
  // Then "a" and "b" both hold 2... after web-2 a has 2, b has 1: a again -> web-1.
  EXPECT_EQ(Stopped(Decide(s)), (std::vector<std::string>{"web-1", "web-2", "web-4"}));
}

TEST(VictimTest, EqualLoadTakesTheNodeFirstByNameNewestFirst) {
  ClusterState s;
  s.nodes = {MakeNode("b"), MakeNode("a")};
  s.apps = {MakeApp("web", 1, 2)};
  s.containers = {Running("web-0", "web", "b"), Running("web-5", "web", "a"),
                  Running("web-3", "web", "a"), Running("web-9", "web", "b")};
  EXPECT_EQ(Stopped(Decide(s)), (std::vector<std::string>{"web-5", "web-9"}));
}

TEST(VictimTest, LoadCountsOtherAppsToo) {
  ClusterState s;
  s.nodes = {MakeNode("a"), MakeNode("b")};
  s.apps = {MakeApp("web", 1, 1), MakeApp("batch", 2, 5)};
  s.containers = {Running("web-0", "web", "a"), Running("web-1", "web", "b")};
  for (int i = 0; i < 5; ++i)
    s.containers.push_back(Running("batch-" + std::to_string(i), "batch", "b"));
  EXPECT_EQ(Stopped(Decide(s)), (std::vector<std::string>{"web-1"}));
}

}  // namespace
}  // namespace microscale::core
