// Table tests for allocation by priority: mins, desired, equal-priority turns,
// preemption (stop and pause), standby; and the seed demo.
#include <map>
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

// Decides and applies until nothing is left to do (at most `rounds` times).
ClusterState Settle(ClusterState s, int rounds = 5) {
  for (int i = 0; i < rounds; ++i) {
    Plan p = Decide(s);
    if (p.commands.empty()) return s;
    s = Apply(s, p);
  }
  ADD_FAILURE() << "no fixpoint after " << rounds << " rounds";
  return s;
}

int Allocated(const Plan& p, const std::string& app) {
  for (const AppAllocation& a : p.apps) {
    if (a.app == app) return a.allocated;
  }
  return -1;
}

// One node with room for 10 containers of 100m.
ClusterState TenSlots() {
  ClusterState s;
  s.nodes = {MakeNode("n1")};
  return s;
}

TEST(AllocateTest, HigherPriorityGetsDesiredFirst) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("low", 5, 8), MakeApp("high", 1, 7)};
  Plan p = Decide(s);
  EXPECT_EQ(Allocated(p, "high"), 7);
  EXPECT_EQ(Allocated(p, "low"), 3);
  EXPECT_EQ(p.apps[0].app, "low");  // figures come back in input order
}

TEST(AllocateTest, MinsComeBeforeAnyDesired) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("high", 1, 10, 2), MakeApp("mid", 2, 10, 3), MakeApp("low", 3, 10, 4)};
  Plan p = Decide(s);
  EXPECT_EQ(Allocated(p, "high"), 3);  // 2 + 3 + 4 mins = 9, then high takes the last
  EXPECT_EQ(Allocated(p, "mid"), 3);
  EXPECT_EQ(Allocated(p, "low"), 4);
}

TEST(AllocateTest, MinsInPriorityOrderWhenTheyDoNotAllFit) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("low", 3, 6, 6), MakeApp("high", 1, 6, 6)};
  Plan p = Decide(s);
  EXPECT_EQ(Allocated(p, "high"), 6);
  EXPECT_EQ(Allocated(p, "low"), 4);
}

TEST(AllocateTest, DesiredIsClampedToMinAndMax) {
  ClusterState s;
  s.nodes = {MakeNode("n1", 10000)};
  s.apps = {MakeApp("a", 1, 50, 0, 4), MakeApp("b", 1, 0, 3, 10)};
  Plan p = Decide(s);
  EXPECT_EQ(Allocated(p, "a"), 4);
  EXPECT_EQ(Allocated(p, "b"), 3);
  EXPECT_EQ(p.apps[0].desired, 4);
}

TEST(AllocateTest, EqualPrioritiesTakeTurns) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("b", 2, 9), MakeApp("a", 2, 9), MakeApp("c", 2, 2)};
  Plan p = Decide(s);
  EXPECT_EQ(Allocated(p, "c"), 2);
  EXPECT_EQ(Allocated(p, "a"), 4);
  EXPECT_EQ(Allocated(p, "b"), 4);
  s.apps[2].desired = 1;  // 9 slots for a and b: the odd one goes to "a" (name)
  p = Decide(s);
  EXPECT_EQ(Allocated(p, "a"), 5);
  EXPECT_EQ(Allocated(p, "b"), 4);
}

TEST(AllocateTest, EqualPrioritiesRebalanceTowardsAFairShare) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("a", 2, 10), MakeApp("b", 2, 10)};
  for (int i = 0; i < 10; ++i) s.containers.push_back(Running("a-" + std::to_string(i), "a", "n1"));
  s = Settle(s);
  EXPECT_EQ(testing::ActivePerApp(s), (std::map<std::string, int>{{"a", 5}, {"b", 5}}));
}

TEST(AllocateTest, PreemptsLowerPriorityAboveItsMinLowestFirst) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("api", 1, 6), MakeApp("worker", 2, 10, 2), MakeApp("batch", 3, 10, 1)};
  for (int i = 0; i < 5; ++i)
    s.containers.push_back(Running("worker-" + std::to_string(i), "worker", "n1"));
  for (int i = 0; i < 5; ++i)
    s.containers.push_back(Running("batch-" + std::to_string(i), "batch", "n1"));
  Plan p = Decide(s);
  // api needs 6: batch gives 4 (down to its min 1), worker gives 2 more.
  EXPECT_EQ(Allocated(p, "api"), 6);
  EXPECT_EQ(Allocated(p, "batch"), 1);
  EXPECT_EQ(Allocated(p, "worker"), 3);
  EXPECT_EQ(p.apps[2].preempted, 4);
  EXPECT_EQ(p.apps[1].preempted, 2);
  // The starts wait until the victims are gone: no overcommit while they drain.
  EXPECT_EQ(testing::CountKind(p, CommandKind::kStart), 0);
  EXPECT_EQ(p.apps[0].pending, 6);
  s = Settle(s);
  EXPECT_EQ(testing::ActivePerApp(s),
            (std::map<std::string, int>{{"api", 6}, {"batch", 1}, {"worker", 3}}));
}

TEST(AllocateTest, PreemptsForPortsWhenCpuAndMemoryAreAmple) {
  ClusterState s;
  s.nodes = {testing::MakeNode("n1", 4000, 4096 * testing::kMi)};
  s.nodes[0].max_ports = 4;
  s.apps = {MakeApp("api", 1, 2), MakeApp("batch", 3, 4)};
  for (AppInput& a : s.apps) a.spec.ports = {{"http", 8080}};
  // A paused container keeps its ports: pausing would free none.
  s.apps[1].spec.preemption = PreemptionMode::kPause;
  for (int i = 0; i < 4; ++i)
    s.containers.push_back(Running("batch-" + std::to_string(i), "batch", "n1"));
  Plan p = Decide(s);
  EXPECT_EQ(Allocated(p, "api"), 2);
  EXPECT_EQ(Allocated(p, "batch"), 2);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kStop), 2);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kPause), 0);
  s = Settle(s);
  EXPECT_EQ(testing::ActivePerApp(s), (std::map<std::string, int>{{"api", 2}, {"batch", 2}}));
}

TEST(AllocateTest, PreemptionForPortsStopsOnlyContainersThatHoldPorts) {
  ClusterState s;
  s.nodes = {testing::MakeNode("n1", 4000, 4096 * testing::kMi)};
  s.nodes[0].max_ports = 2;
  s.apps = {MakeApp("api", 1, 1), MakeApp("batch", 4, 2), MakeApp("web", 3, 2)};
  s.apps[0].spec.ports = {{"http", 8080}};
  s.apps[2].spec.ports = {{"http", 8080}};
  for (int i = 0; i < 2; ++i) {
    s.containers.push_back(Running("batch-" + std::to_string(i), "batch", "n1"));
    s.containers.push_back(Running("web-" + std::to_string(i), "web", "n1"));
  }
  Plan p = Decide(s);
  // Only a port is short: batch, the least important, holds none and is not a victim;
  // one web container goes.
  EXPECT_EQ(Allocated(p, "api"), 1);
  EXPECT_EQ(Allocated(p, "batch"), 2);
  EXPECT_EQ(Allocated(p, "web"), 1);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kStop), 1);
}

TEST(AllocateTest, NonPreemptibleContainersAreNeverVictims) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("api", 1, 10), MakeApp("db", 5, 10)};
  s.apps[1].spec.preemptible = false;
  for (int i = 0; i < 8; ++i)
    s.containers.push_back(Running("db-" + std::to_string(i), "db", "n1"));
  Plan p = Decide(s);
  EXPECT_EQ(Allocated(p, "api"), 2);
  EXPECT_EQ(Allocated(p, "db"), 8);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kStop), 0);
}

TEST(AllocateTest, EqualPriorityNeverPreemptsWhenShareIsFair) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("a", 2, 6), MakeApp("b", 2, 10)};
  for (int i = 0; i < 5; ++i) s.containers.push_back(Running("b-" + std::to_string(i), "b", "n1"));
  for (int i = 0; i < 5; ++i) s.containers.push_back(Running("a-" + std::to_string(i), "a", "n1"));
  EXPECT_TRUE(Decide(s).commands.empty());
}

TEST(AllocateTest, PauseModeVictimsArePausedWhenOnlyCpuIsShort) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("api", 1, 2), MakeApp("worker", 2, 10)};
  s.apps[1].spec.preemption = PreemptionMode::kPause;
  for (int i = 0; i < 10; ++i)
    s.containers.push_back(Running("worker-" + std::to_string(i), "worker", "n1"));
  Plan p = Decide(s);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kPause), 2);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kStop), 0);
  s = Settle(s);
  p = Decide(s);
  EXPECT_EQ(p.apps[1].paused, 2);
  EXPECT_EQ(p.apps[1].allocated, 8);
  // Demand falls: the paused workers resume (once api's CPU is really free) instead of
  // new containers starting.
  s.apps[0].desired = 0;
  p = Decide(s);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kStop), 2);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kResume), 0);
  EXPECT_EQ(p.apps[1].pending, 2);
  p = Decide(Apply(s, p));
  EXPECT_EQ(testing::CountKind(p, CommandKind::kResume), 2);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kStart), 0);
}

TEST(AllocateTest, PauseModeVictimsAreStoppedWhenMemoryIsShort) {
  ClusterState s;
  s.nodes = {MakeNode("n1", 10000, 640 * testing::kMi)};  // memory for 10
  s.apps = {MakeApp("api", 1, 2), MakeApp("worker", 2, 10)};
  s.apps[1].spec.preemption = PreemptionMode::kPause;
  for (int i = 0; i < 10; ++i)
    s.containers.push_back(Running("worker-" + std::to_string(i), "worker", "n1"));
  Plan p = Decide(s);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kPause), 0);
  EXPECT_EQ(testing::CountKind(p, CommandKind::kStop), 2);
}

TEST(AllocateTest, StandbyIsFilledInFreeRoomAndResumedFirst) {
  ClusterState s = TenSlots();
  s.apps = {MakeApp("api", 1, 2)};
  s.apps[0].spec.standby = 2;
  Plan p = Decide(s);
  int paused_starts = 0;
  for (const Command& c : p.commands)
    paused_starts += c.kind == CommandKind::kStart && c.start_paused;
  EXPECT_EQ(paused_starts, 2);
  s = Settle(s);
  s.apps[0].desired = 3;
  p = Decide(s);
  // One standby resumes; the pool is refilled by one new paused container.
  EXPECT_EQ(testing::CountKind(p, CommandKind::kResume), 1);
  ASSERT_EQ(testing::CountKind(p, CommandKind::kStart), 1);
  EXPECT_TRUE(p.commands.back().start_paused);
}

TEST(AllocateTest, StandbyNeverDisplacesRunningContainers) {
  ClusterState s;
  s.nodes = {MakeNode("n1", 1000, 4096 * testing::kMi, 10)};
  s.apps = {MakeApp("api", 1, 0), MakeApp("worker", 9, 10)};
  s.apps[0].spec.standby = 3;
  for (int i = 0; i < 10; ++i)
    s.containers.push_back(Running("worker-" + std::to_string(i), "worker", "n1"));
  EXPECT_TRUE(Decide(s).commands.empty());
}

// The seed's demo: two nodes; "api" (priority 1) follows a random demand, "worker"
// (priority 2) fills whatever is left, giving containers back when api needs them.
TEST(AllocateTest, SeedDemoPriorityTwoFillsWhatPriorityOneLeaves) {
  ClusterState s;
  s.nodes = {MakeNode("node-1"), MakeNode("node-2")};  // 20 slots of 100m
  s.apps = {MakeApp("api", 1, 0, 0, 20), MakeApp("worker", 2, 20, 0, 20)};
  const int demand[] = {3, 8, 15, 20, 12, 4, 0, 17, 9};
  for (int api : demand) {
    s.apps[0].desired = api;
    s = Settle(s);
    auto active = testing::ActivePerApp(s);
    EXPECT_EQ(active["api"], api);
    EXPECT_EQ(active["worker"], 20 - api) << "api=" << api;
  }
}

}  // namespace
}  // namespace microscale::core
