#include "node-agent/sim/sim_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;

v1::ContainerSpec Spec(bool start_paused = false) {
  v1::ContainerSpec spec;
  spec.set_app("web");
  spec.set_image("microscale/demo:latest");
  spec.set_start_paused(start_paused);
  return spec;
}

// A spec with `count` ports, 8080, 8081, ..., the first named "http".
v1::ContainerSpec WithPorts(int count, const std::string& network = "bridge") {
  v1::ContainerSpec spec = Spec();
  spec.set_network(network);
  for (int i = 0; i < count; ++i) {
    v1::PortSpec* port = spec.add_ports();
    if (i == 0) port->set_name("http");
    port->set_container_port(8080 + i);
  }
  return spec;
}

std::vector<int> HostPorts(const absl::StatusOr<v1::Container>& c) {
  EXPECT_TRUE(c.ok()) << c.status();
  std::vector<int> out;
  if (c.ok()) {
    for (const v1::PublishedPort& p : c->ports()) out.push_back(p.host_port());
  }
  return out;
}

// A clock whose SleepFor blocks until the test opens the gate.
class GateClock : public Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixSeconds(1'700'000'000); }
  void SleepFor(absl::Duration) override {
    sleeping_.Notify();
    gate_.WaitForNotification();
  }
  absl::Notification sleeping_;
  absl::Notification gate_;
};

// Collects events; Await waits (with a generous deadline) until `n` have arrived.
class EventLog {
 public:
  ContainerEventSink Sink() {
    return [this](const v1::ContainerEvent& e) {
      absl::MutexLock lock(&mu_);
      kinds_.push_back(e.kind());
      threads_.insert(std::this_thread::get_id());
    };
  }
  std::vector<v1::ContainerEvent::Kind> Await(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return kinds_.size() >= n; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(20));
    return kinds_;
  }
  bool OnlyOtherThreads() {
    absl::MutexLock lock(&mu_);
    return !threads_.contains(std::this_thread::get_id());
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::ContainerEvent::Kind> kinds_;
  std::set<std::thread::id> threads_;
};

TEST(SimRuntimeTest, IsLabelledSimulatedAndReportsConfiguredCapacity) {
  SimulatedContainerRuntime sim({.node = "n1", .cpu_millis = 4000, .memory_bytes = 1 << 30});
  EXPECT_EQ(sim.Name(), "sim");
  auto capacity = sim.Capacity();
  ASSERT_TRUE(capacity.ok());
  EXPECT_EQ(capacity->cpu_millis(), 4000);
  EXPECT_EQ(capacity->memory_bytes(), 1 << 30);
  auto c = sim.Start("web-0", Spec());
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(absl::StartsWith(c->container_id(), "sim-"));
  EXPECT_EQ(c->node(), "n1");
}

// Ports are picked as the Docker runtime picks them, so the controller's port counting
// works in simulations: round-robin, held in any state until removal, a clear failure when
// none is left.
TEST(SimRuntimeTest, PicksHostPortsFromTheRange) {
  SimulatedContainerRuntime sim({.port_range = {30000, 30003}});
  auto web0 = sim.Start("web-0", WithPorts(2));
  EXPECT_THAT(HostPorts(web0), ElementsAre(30000, 30001));
  ASSERT_TRUE(web0.ok());
  EXPECT_EQ(web0->ports(0).name(), "http");
  EXPECT_EQ(web0->ports(0).container_port(), 8080);
  EXPECT_EQ(web0->ports(1).container_port(), 8081);
  EXPECT_THAT(HostPorts(sim.Start("web-0", WithPorts(2))), ElementsAre(30000, 30001))
      << "a live instance keeps its ports";
  EXPECT_THAT(HostPorts(sim.Start("web-1", WithPorts(1))), ElementsAre(30002));
  ASSERT_TRUE(sim.Stop("web-0", absl::Seconds(1)).ok());
  EXPECT_THAT(HostPorts(sim.Start("web-2", WithPorts(2))), ElementsAre(30003, 30000))
      << "round-robin: the ports just freed come last";
  ASSERT_TRUE(sim.SimulateExit("web-1", 1).ok());
  EXPECT_THAT(HostPorts(sim.Start("web-3", WithPorts(1))), ElementsAre(30001));
  auto full = sim.Start("web-4", WithPorts(1));
  EXPECT_TRUE(absl::IsFailedPrecondition(full.status())) << full.status();
  EXPECT_EQ(full.status().message(), "no free host port in --port-range 30000-30003")
      << "an exited container still holds its port";
  EXPECT_THAT(HostPorts(sim.Start("web-1", WithPorts(1))), ElementsAre(30002))
      << "replacing an exited container may reuse its port when nothing else is free";
  auto list = sim.List();
  ASSERT_TRUE(list.ok());
  std::vector<int> listed;
  for (const v1::Container& c : *list) {
    for (const v1::PublishedPort& p : c.ports()) listed.push_back(p.host_port());
  }
  EXPECT_THAT(listed, ::testing::UnorderedElementsAre(30000, 30001, 30002, 30003));
}

TEST(SimRuntimeTest, HostAndNoNetworkPublishNothing) {
  SimulatedContainerRuntime sim({.port_range = {30000, 30000}});
  auto host = sim.Start("web-0", WithPorts(2, "host"));
  EXPECT_THAT(HostPorts(host), ElementsAre(8080, 8081));
  auto none = sim.Start("web-1", WithPorts(2, "none"));
  EXPECT_THAT(HostPorts(none), ::testing::IsEmpty());
  EXPECT_THAT(HostPorts(sim.Start("web-2", WithPorts(1))), ElementsAre(30000))
      << "neither took a port of the range";
}

TEST(SimRuntimeTest, StartTakesTheDelayThenRuns) {
  FakeClock clock(absl::FromUnixSeconds(100));
  SimulatedContainerRuntime sim({.start_delay = absl::Milliseconds(300), .clock = &clock});
  auto c = sim.Start("web-0", Spec());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(c->instance(), "web-0");
  EXPECT_EQ(c->app(), "web");
  EXPECT_EQ(c->started_unix_ms(), 100'300);
}

TEST(SimRuntimeTest, AStartInProgressDoesNotBlockOtherCalls) {
  GateClock clock;
  SimulatedContainerRuntime sim({.start_delay = absl::Seconds(1), .clock = &clock});
  absl::StatusOr<v1::Container> started;
  std::thread starter([&] { started = sim.Start("web-0", Spec()); });
  clock.sleeping_.WaitForNotification();
  auto list = sim.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].state(), v1::CONTAINER_STATE_STARTING);
  EXPECT_TRUE(sim.Stop("other-0", absl::Seconds(1)).ok());
  EXPECT_TRUE(absl::IsNotFound(sim.Pause("other-0").status()));
  clock.gate_.Notify();
  starter.join();
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->state(), v1::CONTAINER_STATE_RUNNING);
}

TEST(SimRuntimeTest, StartIsIdempotentAndReplacesAnExitedContainer) {
  SimulatedContainerRuntime sim;
  auto first = sim.Start("web-0", Spec());
  auto again = sim.Start("web-0", Spec());
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->container_id(), again->container_id());
  ASSERT_TRUE(sim.SimulateExit("web-0", 137).ok());
  auto list = sim.List();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].state(), v1::CONTAINER_STATE_EXITED);
  EXPECT_EQ((*list)[0].exit_code(), 137);
  auto replaced = sim.Start("web-0", Spec());
  ASSERT_TRUE(replaced.ok());
  EXPECT_NE(replaced->container_id(), first->container_id());
  EXPECT_EQ(replaced->state(), v1::CONTAINER_STATE_RUNNING);
}

TEST(SimRuntimeTest, StopRemovesAndUnknownInstancesAreFine) {
  SimulatedContainerRuntime sim;
  ASSERT_TRUE(sim.Start("web-0", Spec()).ok());
  EXPECT_TRUE(sim.Stop("web-0", absl::Seconds(1)).ok());
  EXPECT_TRUE(sim.List()->empty());
  EXPECT_TRUE(sim.Stop("web-0", absl::Seconds(1)).ok());
}

TEST(SimRuntimeTest, PauseAndResumeKeepTheContainerAndAreIdempotent) {
  SimulatedContainerRuntime sim;
  auto c = sim.Start("work-0", Spec());
  ASSERT_TRUE(c.ok());
  auto paused = sim.Pause("work-0");
  ASSERT_TRUE(paused.ok());
  EXPECT_EQ(paused->state(), v1::CONTAINER_STATE_PAUSED);
  EXPECT_TRUE(sim.Pause("work-0").ok());
  auto resumed = sim.Resume("work-0");
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(resumed->container_id(), c->container_id());
  EXPECT_TRUE(sim.Resume("work-0").ok());
  ASSERT_TRUE(sim.SimulateExit("work-0", 1).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(sim.Pause("work-0").status()));
}

TEST(SimRuntimeTest, StandbyStartsPaused) {
  SimulatedContainerRuntime sim;
  auto c = sim.Start("work-0", Spec(/*start_paused=*/true));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state(), v1::CONTAINER_STATE_PAUSED);
}

TEST(SimRuntimeTest, AContainerWithAHealthCheckIsHealthyOnceItRuns) {
  SimulatedContainerRuntime sim;
  v1::ContainerSpec checked = Spec();
  checked.mutable_health_check()->add_command("/bin/true");
  auto c = sim.Start("web-0", checked);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->health(), v1::HEALTH_HEALTHY);
  auto plain = sim.Start("web-1", Spec());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->health(), v1::HEALTH_UNSPECIFIED);
  auto listed = sim.List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].health(), v1::HEALTH_HEALTHY);
  EXPECT_EQ((*listed)[1].health(), v1::HEALTH_UNSPECIFIED);
  EXPECT_EQ(sim.Pause("web-0")->health(), v1::HEALTH_HEALTHY) << "a pause keeps it";
}

TEST(SimRuntimeTest, AStandbyWithAHealthCheckIsHealthyOnceResumed) {
  SimulatedContainerRuntime sim;
  v1::ContainerSpec checked = Spec(/*start_paused=*/true);
  checked.mutable_health_check()->add_command("/bin/true");
  auto c = sim.Start("web-0", checked);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->health(), v1::HEALTH_STARTING);
  EXPECT_EQ(sim.Resume("web-0")->health(), v1::HEALTH_HEALTHY);
}

TEST(SimRuntimeTest, DeliversEventsInOrderFromItsOwnThread) {
  EventLog log;
  SimulatedContainerRuntime sim;
  sim.Watch(log.Sink());
  ASSERT_TRUE(sim.Start("a-0", Spec(/*start_paused=*/true)).ok());
  ASSERT_TRUE(sim.Resume("a-0").ok());
  ASSERT_TRUE(sim.SimulateExit("a-0", 9, /*oom_killed=*/true).ok());
  ASSERT_TRUE(sim.Stop("a-0", absl::Seconds(1)).ok());
  using E = v1::ContainerEvent;
  EXPECT_THAT(log.Await(7), ElementsAre(E::STARTED, E::PAUSED, E::RESUMED, E::OOM_KILLED, E::EXITED,
                                        E::EXITED, E::REMOVED));
  EXPECT_TRUE(log.OnlyOtherThreads());
}

TEST(SimRuntimeTest, ParallelStartsAllRunWithDistinctIds) {
  SimulatedContainerRuntime sim({.start_delay = absl::Milliseconds(1)});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&sim, t] {
      for (int i = t; i < 20; i += 4) ASSERT_TRUE(sim.Start(absl::StrCat("web-", i), Spec()).ok());
    });
  }
  for (auto& th : threads) th.join();
  auto list = sim.List();
  ASSERT_EQ(list->size(), 20u);
  std::set<std::string> ids;
  for (const auto& c : *list) {
    EXPECT_EQ(c.state(), v1::CONTAINER_STATE_RUNNING);
    ids.insert(c.container_id());
  }
  EXPECT_EQ(ids.size(), 20u);
}

}  // namespace
}  // namespace microscale
