// Table tests for the plan: instance ids, commands in flight, NotReady nodes, deleted
// apps, draining nodes, and idempotence.
#include <algorithm>
#include <string>
#include <vector>

#include "controller/core/decide.h"
#include "controller/core/test_util.h"
#include "gtest/gtest.h"

namespace microscale::core {
namespace {

using testing::Apply;
using testing::MakeApp;
using testing::MakeNode;
using testing::Running;

std::vector<std::string> Instances(const Plan& p, CommandKind kind) {
  std::vector<std::string> out;
  for (const Command& c : p.commands) {
    if (c.kind == kind) out.push_back(c.instance);
  }
  return out;
}

ClusterState TwoNodes() {
  ClusterState s;
  s.nodes = {MakeNode("n1"), MakeNode("n2")};
  return s;
}

TEST(PlanTest, InstanceIdsComeFromTheOrdinalCounter) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 3)};
  s.apps[0].next_ordinal = 41;
  Plan p = Decide(s);
  EXPECT_EQ(Instances(p, CommandKind::kStart),
            (std::vector<std::string>{"web-41", "web-42", "web-43"}));
  EXPECT_EQ(p.apps[0].next_ordinal, 44);
  EXPECT_EQ(p.commands[0].app, "web");
}

TEST(PlanTest, OrdinalCounterNeverFallsBehindWhatExists) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 2)};
  s.containers = {Running("web-7", "web", "n1")};
  EXPECT_EQ(Instances(Decide(s), CommandKind::kStart), (std::vector<std::string>{"web-8"}));
}

// Queue mode credits each running container the time it ran (queue.h): the allocation
// lists when each running container of a queue-mode app started, and nothing for others.
TEST(PlanTest, AQueueModeAppsAllocationSaysWhenItsRunningContainersStarted) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("worker", 1, 3), MakeApp("web", 1, 1)};
  s.apps[0].spec.demand.queue = QueueSpec{10, std::nullopt, std::nullopt};
  s.containers = {Running("worker-0", "worker", "n1"), Running("worker-1", "worker", "n2"),
                  Running("worker-2", "worker", "n1", ContainerState::kStarting),
                  Running("web-0", "web", "n1")};
  s.containers[0].started = kT0;
  s.containers[1].started = kT0 + absl::Seconds(2);
  s.containers[3].started = kT0;
  Plan p = Decide(s);
  EXPECT_EQ(p.apps[0].running, 2);
  std::vector<absl::Time> since = p.apps[0].running_since;
  std::sort(since.begin(), since.end());
  EXPECT_EQ(since, (std::vector<absl::Time>{kT0, kT0 + absl::Seconds(2)}));
  EXPECT_TRUE(p.apps[1].running_since.empty());
}

TEST(PlanTest, AppliedPlanThenDecidedAgainIsEmpty) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 5), MakeApp("batch", 2, 30)};
  Plan p = Decide(s);
  ASSERT_FALSE(p.commands.empty());
  ClusterState after = Apply(s, p);
  EXPECT_TRUE(Decide(after).commands.empty());
  EXPECT_EQ(Decide(after), Decide(after));
}

TEST(PlanTest, StartsInFlightAreNotRepeatedAndCount) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 3)};
  s.apps[0].next_ordinal = 2;
  s.in_flight = {Command{CommandKind::kStart, "web-0", "web", "n1"},
                 Command{CommandKind::kStart, "web-1", "web", "n2"}};
  Plan p = Decide(s);
  EXPECT_EQ(Instances(p, CommandKind::kStart), (std::vector<std::string>{"web-2"}));
  EXPECT_EQ(p.apps[0].starting, 2);
  EXPECT_EQ(p.apps[0].allocated, 3);
}

TEST(PlanTest, AStartInFlightWithAStopAfterItIsStoppingNotStarting) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 1)};
  s.apps[0].next_ordinal = 2;
  s.in_flight = {Command{CommandKind::kStart, "web-0", "web", "n1"},
                 Command{CommandKind::kStart, "web-1", "web", "n2"},
                 Command{CommandKind::kStop, "web-1", "web", "n2", CommandReason::kScaleDown}};
  Plan p = Decide(s);
  EXPECT_TRUE(p.commands.empty());  // web-0 stays, web-1 is not stopped twice
  EXPECT_EQ(p.apps[0].starting, 1);
  EXPECT_EQ(p.apps[0].allocated, 1);
}

TEST(PlanTest, StopsInFlightAreNotRepeatedAndFreeNothingYet) {
  ClusterState s;
  s.nodes = {MakeNode("n1", 200)};  // room for two
  s.apps = {MakeApp("web", 1, 2)};
  s.containers = {Running("web-0", "web", "n1"), Running("web-1", "web", "n1")};
  s.in_flight = {Command{CommandKind::kStop, "web-1", "web", "n1", CommandReason::kScaleDown}};
  Plan p = Decide(s);
  EXPECT_TRUE(Instances(p, CommandKind::kStop).empty());
  EXPECT_TRUE(Instances(p, CommandKind::kStart).empty());  // web-1 still holds its room
  EXPECT_EQ(p.apps[0].pending, 1);
  EXPECT_EQ(p.apps[0].allocated, 2);
}

TEST(PlanTest, StoppingContainersHoldTheirRoom) {
  ClusterState s;
  s.nodes = {MakeNode("n1", 300)};
  s.apps = {MakeApp("web", 1, 3)};
  s.containers = {Running("old-0", "gone", "n1", ContainerState::kStopping),
                  Running("web-0", "web", "n1")};
  s.containers[0].resources = Resources{200, 64 * testing::kMi};
  Plan p = Decide(s);
  EXPECT_TRUE(p.commands.empty());
  EXPECT_EQ(p.apps[0].pending, 2);
}

TEST(PlanTest, NotReadyNodeContainersAreReplacedNotStopped) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 2)};
  s.apps[0].next_ordinal = 2;
  s.containers = {Running("web-0", "web", "n1"), Running("web-1", "web", "n2")};
  s.nodes[1].status = NodeStatus::kNotReady;
  Plan p = Decide(s);
  EXPECT_TRUE(Instances(p, CommandKind::kStop).empty());
  ASSERT_EQ(Instances(p, CommandKind::kStart), (std::vector<std::string>{"web-2"}));
  EXPECT_EQ(p.commands[0].node, "n1");
  EXPECT_EQ(p.apps[0].unreachable, 1);
  // Unchanged while the node is away: no churn.
  s = Apply(s, p);
  EXPECT_TRUE(Decide(s).commands.empty());
  // The node returns: one surplus stops. web-1 sits alone on n2 while n1 holds two, so the
  // most loaded node gives one up: the replacement web-2, newest on n1.
  s.nodes[1].status = NodeStatus::kReady;
  p = Decide(s);
  EXPECT_EQ(Instances(p, CommandKind::kStop), (std::vector<std::string>{"web-2"}));
  EXPECT_TRUE(Decide(Apply(s, p)).commands.empty());
}

TEST(PlanTest, UnknownNodeContainersAreLeftAlone) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 1)};
  s.containers = {Running("web-0", "web", "ghost"), Running("x-0", "deleted", "ghost")};
  Plan p = Decide(s);
  EXPECT_TRUE(Instances(p, CommandKind::kStop).empty());
  EXPECT_EQ(Instances(p, CommandKind::kStart).size(), 1u);
}

TEST(PlanTest, ContainersOfDeletedAppsAreStopped) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 1)};
  s.containers = {Running("web-0", "web", "n1"), Running("old-3", "old", "n2"),
                  Running("old-4", "old", "n1", ContainerState::kStopping)};
  Plan p = Decide(s);
  ASSERT_EQ(p.commands.size(), 1u);
  EXPECT_EQ(p.commands[0].kind, CommandKind::kStop);
  EXPECT_EQ(p.commands[0].instance, "old-3");
  EXPECT_EQ(p.commands[0].reason, CommandReason::kAppDeleted);
}

// A drain starts the replacement first and stops the old container once the new one
// runs: the app never has fewer running than before.
TEST(PlanTest, DrainingNodeContainersServeUntilTheirReplacementsRun) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 2)};
  s.containers = {Running("web-0", "web", "n1"), Running("web-1", "web", "n2")};
  s.nodes[0].draining = true;
  Plan first = Decide(s);
  EXPECT_TRUE(Instances(first, CommandKind::kStop).empty());
  EXPECT_EQ(Instances(first, CommandKind::kStart), (std::vector<std::string>{"web-2"}));
  EXPECT_EQ(first.commands.back().node, "n2");
  EXPECT_EQ(first.apps[0].leaving, 1);

  ClusterState starting = s;  // the start is sent, the agent reports it starting
  starting.containers.push_back(Running("web-2", "web", "n2", ContainerState::kStarting));
  EXPECT_TRUE(Decide(starting).commands.empty()) << "the old one serves until web-2 runs";

  Plan then = Decide(Apply(s, first));  // web-2 runs
  ASSERT_EQ(then.commands.size(), 1u);
  EXPECT_EQ(then.commands[0].kind, CommandKind::kStop);
  EXPECT_EQ(then.commands[0].instance, "web-0");
  EXPECT_EQ(then.commands[0].reason, CommandReason::kNodeDrained);
  EXPECT_EQ(then.apps[0].leaving, 0);
}

// With room elsewhere for only one container, a drain keeps the app at its min: one of the
// three old containers stops at once, one when the replacement runs, and one stays on the
// draining node until room appears.
TEST(PlanTest, ADrainShortOfRoomKeepsTheAppAtItsMin) {
  ClusterState s = TwoNodes();
  s.nodes[1].max_containers = 1;
  AppInput web = MakeApp("web", 1, 3);
  web.spec.replicas.min = 2;
  s.apps = {web};
  s.containers = {Running("web-0", "web", "n1"), Running("web-1", "web", "n1"),
                  Running("web-2", "web", "n1")};
  s.nodes[0].draining = true;
  Plan first = Decide(s);
  EXPECT_EQ(Instances(first, CommandKind::kStart), (std::vector<std::string>{"web-3"}));
  EXPECT_EQ(Instances(first, CommandKind::kStop), (std::vector<std::string>{"web-2"}));
  ClusterState after = Apply(s, first);
  Plan then = Decide(after);
  EXPECT_EQ(Instances(then, CommandKind::kStop), (std::vector<std::string>{"web-1"}));
  EXPECT_TRUE(Instances(then, CommandKind::kStart).empty());
  EXPECT_TRUE(Decide(Apply(after, then)).commands.empty()) << "web-0 stays: min is 2";
}

// Only running containers serve: starting and paused ones on a draining node stop at once.
TEST(PlanTest, StartingAndPausedContainersOnADrainingNodeStopAtOnce) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 2)};
  s.containers = {Running("web-0", "web", "n1", ContainerState::kStarting),
                  Running("web-1", "web", "n1", ContainerState::kPaused)};
  s.nodes[0].draining = true;
  Plan p = Decide(s);
  EXPECT_EQ(Instances(p, CommandKind::kStop), (std::vector<std::string>{"web-0", "web-1"}));
  EXPECT_EQ(Instances(p, CommandKind::kStart).size(), 2u);
}

TEST(PlanTest, CordonedNodeContainersKeepRunningAndCount) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 3)};
  s.containers = {Running("web-0", "web", "n1"), Running("web-1", "web", "n1")};
  s.nodes[0].cordoned = true;
  Plan p = Decide(s);
  EXPECT_TRUE(Instances(p, CommandKind::kStop).empty());
  ASSERT_EQ(Instances(p, CommandKind::kStart).size(), 1u);
  EXPECT_EQ(p.commands[0].node, "n2");
}

TEST(PlanTest, SameInputSamePlanWhateverTheReportOrder) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 2), MakeApp("batch", 2, 30)};
  for (int i = 0; i < 8; ++i) {
    s.containers.push_back(Running("batch-" + std::to_string(i), "batch", i % 2 ? "n1" : "n2"));
  }
  s.containers.push_back(Running("web-0", "web", "n1"));
  ClusterState reversed = s;
  std::reverse(reversed.containers.begin(), reversed.containers.end());
  std::reverse(reversed.nodes.begin(), reversed.nodes.end());
  EXPECT_EQ(Decide(s), Decide(reversed));
}

TEST(PlanTest, UnchangedInputGivesNoChurn) {
  ClusterState s = TwoNodes();
  s.apps = {MakeApp("web", 1, 4)};
  s = Apply(s, Decide(s));
  EXPECT_TRUE(Decide(s).commands.empty());
}

}  // namespace
}  // namespace microscale::core
