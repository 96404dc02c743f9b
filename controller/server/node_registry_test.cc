#include "controller/server/node_registry.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

constexpr absl::Duration kTimeout = absl::Seconds(10);

v1::Container MakeContainer(const std::string& instance, const std::string& app,
                            v1::ContainerState state = v1::CONTAINER_STATE_RUNNING) {
  v1::Container c;
  c.set_instance(instance);
  c.set_app(app);
  c.set_state(state);
  return c;
}

v1::Hello MakeHello(const std::string& node, std::vector<v1::Container> containers = {}) {
  v1::Hello hello;
  hello.set_node_name(node);
  hello.mutable_capacity()->set_cpu_millis(2000);
  hello.mutable_capacity()->set_memory_bytes(int64_t{4} << 30);
  hello.mutable_capacity()->set_max_containers(7);
  (*hello.mutable_labels())["zone"] = "a";
  hello.set_agent_version("1.2.3");
  hello.set_runtime("sim");
  for (v1::Container& c : containers) *hello.add_containers() = std::move(c);
  return hello;
}

// A connection object the registry only stores: these tests never write to it.
std::shared_ptr<AgentConnection> Connection(const std::string& peer = "ipv4:127.0.0.1:5000") {
  return std::make_shared<AgentConnection>(nullptr, nullptr, peer);
}

std::vector<std::string> Instances(const NodeView& node) {
  std::vector<std::string> out;
  for (const auto& [instance, c] : node.containers) out.push_back(instance);
  return out;
}

class NodeRegistryTest : public ::testing::Test {
 protected:
  NodeView Get(const std::string& node) {
    std::optional<NodeView> view = registry_.Get(node, clock_.Now());
    EXPECT_TRUE(view.has_value()) << node;
    return view.value_or(NodeView{});
  }

  FakeClock clock_;
  NodeRegistry registry_{kTimeout};
};

TEST_F(NodeRegistryTest, RegisteredNodeIsReadyWithWhatHelloSaid) {
  auto connection = Connection("ipv4:10.0.0.5:4711");
  registry_.Register(MakeHello("n1", {MakeContainer("web-0", "web")}), connection, clock_.Now());

  NodeView view = Get("n1");
  EXPECT_EQ(view.health, NodeHealth::kReady);
  EXPECT_STREQ(NodeStateName(view), "Ready");
  EXPECT_FALSE(view.cordoned);
  EXPECT_EQ(view.capacity.cpu_millis(), 2000);
  EXPECT_EQ(view.capacity.max_containers(), 7);
  EXPECT_THAT(view.labels, ElementsAre(Pair("zone", "a")));
  EXPECT_EQ(view.address, "ipv4:10.0.0.5:4711");
  EXPECT_EQ(view.agent_version, "1.2.3");
  EXPECT_EQ(view.runtime, "sim");
  EXPECT_EQ(view.registered, clock_.Now());
  EXPECT_THAT(Instances(view), ElementsAre("web-0"));
  EXPECT_EQ(registry_.Connection("n1"), connection);
  EXPECT_FALSE(registry_.Get("n2", clock_.Now()).has_value());
  EXPECT_EQ(registry_.Connection("n2"), nullptr);
}

TEST_F(NodeRegistryTest, SilentNodeGoesNotReadyOnlyAfterTheTimeout) {
  registry_.Register(MakeHello("n1"), Connection(), clock_.Now());
  clock_.Advance(kTimeout);
  EXPECT_EQ(Get("n1").health, NodeHealth::kReady) << "exactly the timeout is still in time";
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Get("n1").health, NodeHealth::kNotReady);
  EXPECT_STREQ(NodeStateName(Get("n1")), "NotReady");
}

TEST_F(NodeRegistryTest, EveryKindOfContactKeepsTheNodeReady) {
  registry_.Register(MakeHello("n1"), Connection(), clock_.Now());
  clock_.Advance(absl::Seconds(8));
  registry_.OnHeartbeat("n1", v1::Heartbeat(), clock_.Now());
  clock_.Advance(absl::Seconds(8));
  EXPECT_EQ(Get("n1").health, NodeHealth::kReady);
  registry_.Touch("n1", clock_.Now());
  clock_.Advance(absl::Seconds(8));
  registry_.OnContainer("n1", MakeContainer("web-1", "web"), clock_.Now());
  clock_.Advance(absl::Seconds(8));
  registry_.OnContainerRemoved("n1", "web-1", clock_.Now());
  clock_.Advance(absl::Seconds(8));
  EXPECT_EQ(Get("n1").health, NodeHealth::kReady);
  EXPECT_EQ(Get("n1").last_contact, clock_.Now() - absl::Seconds(8));
  clock_.Advance(absl::Seconds(3));
  EXPECT_EQ(Get("n1").health, NodeHealth::kNotReady);
  registry_.OnHeartbeat("n1", v1::Heartbeat(), clock_.Now());
  EXPECT_EQ(Get("n1").health, NodeHealth::kReady) << "a late heartbeat brings it back";
}

// A heartbeat marked unchanged carries no list: the node's containers stay as the last
// full list (or the Hello) left them, and the node stays, or comes back, Ready.
TEST_F(NodeRegistryTest, AnUnchangedHeartbeatKeepsTheContainersAndTheNodeAlive) {
  registry_.Register(MakeHello("n1", {MakeContainer("web-0", "web")}), Connection(), clock_.Now());
  v1::Heartbeat unchanged;
  unchanged.set_unchanged(true);
  clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(registry_.OnHeartbeat("n1", unchanged, clock_.Now()));
  EXPECT_THAT(Instances(Get("n1")), ElementsAre("web-0"));
  clock_.Advance(kTimeout + absl::Seconds(1));
  EXPECT_EQ(Get("n1").health, NodeHealth::kNotReady);
  EXPECT_TRUE(registry_.OnHeartbeat("n1", unchanged, clock_.Now())) << "back Ready";
  EXPECT_EQ(Get("n1").health, NodeHealth::kReady);
  EXPECT_THAT(Instances(Get("n1")), ElementsAre("web-0"));
}

TEST_F(NodeRegistryTest, DroppedStreamIsUnreachableThenNotReadyAfterTheTimeout) {
  auto connection = Connection();
  registry_.Register(MakeHello("n1", {MakeContainer("web-0", "web")}), connection, clock_.Now());
  clock_.Advance(absl::Seconds(4));
  registry_.Unregister("n1", connection.get(), clock_.Now());

  NodeView view = Get("n1");
  EXPECT_EQ(view.health, NodeHealth::kUnreachable);
  EXPECT_STREQ(NodeStateName(view), "Ready") << "the API shows Ready until the timeout";
  EXPECT_THAT(Instances(view), ElementsAre("web-0")) << "its containers still count";
  EXPECT_EQ(registry_.Connection("n1"), nullptr);

  clock_.Advance(kTimeout);
  EXPECT_EQ(Get("n1").health, NodeHealth::kUnreachable) << "the timeout runs from the drop";
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Get("n1").health, NodeHealth::kNotReady);
}

// A partitioned node: nothing heard past the timeout, then its stream ends (keepalive).
// The end of the stream is no contact: the node stays NotReady and its containers stay
// replaced (a clean-clone e2e run once saw it counted Ready again for another timeout).
TEST_F(NodeRegistryTest, AStreamEndingAfterTheTimeoutLeavesTheNodeNotReady) {
  auto connection = Connection();
  registry_.Register(MakeHello("n1", {MakeContainer("web-0", "web")}), connection, clock_.Now());
  clock_.Advance(kTimeout + absl::Seconds(1));
  ASSERT_EQ(Get("n1").health, NodeHealth::kNotReady);
  registry_.Unregister("n1", connection.get(), clock_.Now());
  EXPECT_EQ(Get("n1").health, NodeHealth::kNotReady);
}

TEST_F(NodeRegistryTest, ReconnectedNodeIsReadyWithTheContainersOfItsNewHello) {
  auto first = Connection();
  registry_.Register(MakeHello("n1", {MakeContainer("web-0", "web")}), first, clock_.Now());
  registry_.Unregister("n1", first.get(), clock_.Now());
  clock_.Advance(absl::Minutes(5));
  ASSERT_EQ(Get("n1").health, NodeHealth::kNotReady);

  auto second = Connection();
  registry_.Register(
      MakeHello("n1", {MakeContainer("web-0", "web"), MakeContainer("api-3", "api")}), second,
      clock_.Now());
  NodeView view = Get("n1");
  EXPECT_EQ(view.health, NodeHealth::kReady);
  EXPECT_EQ(view.registered, clock_.Now());
  EXPECT_THAT(Instances(view), ElementsAre("api-3", "web-0"));
  EXPECT_EQ(registry_.Connection("n1"), second);
}

TEST_F(NodeRegistryTest, UnregisterOfAnOlderConnectionIsIgnored) {
  auto first = Connection();
  registry_.Register(MakeHello("n1"), first, clock_.Now());
  EXPECT_TRUE(registry_.Unregister("n1", first.get(), clock_.Now()));
  auto second = Connection();
  registry_.Register(MakeHello("n1"), second, clock_.Now());

  // The first stream's handler ends late, after the node reconnected.
  EXPECT_FALSE(registry_.Unregister("n1", first.get(), clock_.Now()));
  EXPECT_EQ(Get("n1").health, NodeHealth::kReady);
  EXPECT_EQ(registry_.Connection("n1"), second);
  // Unknown node: no effect.
  EXPECT_FALSE(registry_.Unregister("other", second.get(), clock_.Now()));
  EXPECT_EQ(registry_.Connection("n1"), second);
}

TEST_F(NodeRegistryTest, HeartbeatReplacesTheWholeContainerSet) {
  registry_.Register(
      MakeHello("n1", {MakeContainer("web-0", "web"), MakeContainer("web-1", "web")}), Connection(),
      clock_.Now());
  v1::Heartbeat heartbeat;
  *heartbeat.add_containers() = MakeContainer("web-1", "web", v1::CONTAINER_STATE_PAUSED);
  *heartbeat.add_containers() = MakeContainer("api-0", "api", v1::CONTAINER_STATE_STARTING);
  registry_.OnHeartbeat("n1", heartbeat, clock_.Now());

  NodeView view = Get("n1");
  EXPECT_THAT(Instances(view), ElementsAre("api-0", "web-1")) << "web-0 is gone";
  EXPECT_EQ(view.containers.at("web-1").state(), v1::CONTAINER_STATE_PAUSED);
  EXPECT_EQ(view.containers.at("api-0").state(), v1::CONTAINER_STATE_STARTING);

  registry_.OnHeartbeat("n1", v1::Heartbeat(), clock_.Now());
  EXPECT_THAT(Get("n1").containers, IsEmpty());
}

// Snapshots share each node's map of containers with the registry; a change the registry
// takes afterwards (event, removal, heartbeat in place or replacing the set) must not show
// in a snapshot taken before it.
TEST_F(NodeRegistryTest, ASnapshotKeepsWhatItSawWhileTheNodeChanges) {
  registry_.Register(
      MakeHello("n1", {MakeContainer("web-0", "web"), MakeContainer("web-1", "web")}), Connection(),
      clock_.Now());
  const std::vector<NodeView> before = registry_.Snapshot(clock_.Now());
  const NodeView got = Get("n1");  // another view sharing the map

  v1::Heartbeat same_instances;  // updated in place
  *same_instances.add_containers() = MakeContainer("web-0", "web", v1::CONTAINER_STATE_PAUSED);
  *same_instances.add_containers() = MakeContainer("web-1", "web");
  EXPECT_TRUE(registry_.OnHeartbeat("n1", same_instances, clock_.Now()));
  const std::vector<NodeView> paused = registry_.Snapshot(clock_.Now());
  registry_.OnContainer("n1", MakeContainer("web-2", "web"), clock_.Now());
  registry_.OnContainerRemoved("n1", "web-1", clock_.Now());

  for (const NodeView* view : {&before[0], &got}) {
    EXPECT_THAT(Instances(*view), ElementsAre("web-0", "web-1"));
    EXPECT_EQ(view->containers.at("web-0").state(), v1::CONTAINER_STATE_RUNNING);
  }
  EXPECT_THAT(Instances(paused[0]), ElementsAre("web-0", "web-1"));
  EXPECT_EQ(paused[0].containers.at("web-0").state(), v1::CONTAINER_STATE_PAUSED);
  const NodeView now = Get("n1");
  EXPECT_THAT(Instances(now), ElementsAre("web-0", "web-2"));
  EXPECT_EQ(now.containers.at("web-0").state(), v1::CONTAINER_STATE_PAUSED);

  v1::Heartbeat other_instances;  // replaces the set
  *other_instances.add_containers() = MakeContainer("api-0", "api");
  EXPECT_TRUE(registry_.OnHeartbeat("n1", other_instances, clock_.Now()));
  EXPECT_THAT(Instances(now), ElementsAre("web-0", "web-2"));
  EXPECT_THAT(Instances(Get("n1")), ElementsAre("api-0"));
}

TEST_F(NodeRegistryTest, SingleContainerUpdatesAddReplaceAndRemove) {
  registry_.Register(MakeHello("n1"), Connection(), clock_.Now());
  registry_.OnContainer("n1", MakeContainer("web-0", "web", v1::CONTAINER_STATE_STARTING),
                        clock_.Now());
  registry_.OnContainer("n1", MakeContainer("web-0", "web"), clock_.Now());
  registry_.OnContainer("n1", MakeContainer("", "web"), clock_.Now());  // no instance: ignored
  NodeView view = Get("n1");
  ASSERT_THAT(Instances(view), ElementsAre("web-0"));
  EXPECT_EQ(view.containers.at("web-0").state(), v1::CONTAINER_STATE_RUNNING);

  registry_.OnContainerRemoved("n1", "web-0", clock_.Now());
  registry_.OnContainerRemoved("n1", "never-there", clock_.Now());
  EXPECT_THAT(Get("n1").containers, IsEmpty());
}

TEST_F(NodeRegistryTest, MessagesForUnknownNodesAreIgnored) {
  v1::Heartbeat heartbeat;
  *heartbeat.add_containers() = MakeContainer("web-0", "web");
  registry_.OnHeartbeat("ghost", heartbeat, clock_.Now());
  registry_.OnContainer("ghost", MakeContainer("web-0", "web"), clock_.Now());
  registry_.Touch("ghost", clock_.Now());
  EXPECT_THAT(registry_.Snapshot(clock_.Now()), IsEmpty());
}

TEST_F(NodeRegistryTest, CordonMarksApplyToKnownAndFutureNodes) {
  registry_.Register(MakeHello("n1"), Connection(), clock_.Now());
  registry_.Register(MakeHello("n2"), Connection(), clock_.Now());
  registry_.SetCordons({"n1", "n3"});

  EXPECT_TRUE(Get("n1").cordoned);
  EXPECT_EQ(Get("n1").health, NodeHealth::kReady) << "cordoned is not unhealthy";
  EXPECT_STREQ(NodeStateName(Get("n1")), "Cordoned");
  EXPECT_FALSE(Get("n2").cordoned);
  registry_.Register(MakeHello("n3"), Connection(), clock_.Now());
  EXPECT_TRUE(Get("n3").cordoned) << "a node cordoned before it connects stays cordoned";

  clock_.Advance(kTimeout + absl::Seconds(1));
  EXPECT_STREQ(NodeStateName(Get("n1")), "NotReady") << "NotReady wins over Cordoned";

  registry_.SetCordons({"n2"});  // the set replaces the previous one
  EXPECT_FALSE(Get("n1").cordoned);
  EXPECT_TRUE(Get("n2").cordoned);
  EXPECT_FALSE(Get("n3").cordoned);
}

TEST_F(NodeRegistryTest, SnapshotListsEveryNodeByName) {
  registry_.Register(MakeHello("b"), Connection(), clock_.Now());
  registry_.Register(MakeHello("a"), Connection(), clock_.Now());
  std::vector<std::string> names;
  for (const NodeView& v : registry_.Snapshot(clock_.Now())) names.push_back(v.name);
  EXPECT_THAT(names, ElementsAre("a", "b"));
}

TEST_F(NodeRegistryTest, AnyMissingTellsWhetherExpectedNodesHaveConnected) {
  EXPECT_FALSE(registry_.AnyMissing({}));
  EXPECT_TRUE(registry_.AnyMissing({"n1"}));
  auto connection = Connection();
  registry_.Register(MakeHello("n1"), connection, clock_.Now());
  EXPECT_FALSE(registry_.AnyMissing({"n1"}));
  EXPECT_TRUE(registry_.AnyMissing({"n1", "n2"}));
  registry_.Unregister("n1", connection.get(), clock_.Now());
  EXPECT_FALSE(registry_.AnyMissing({"n1"})) << "it connected since the start";
}

TEST(NodeRegistryRaceTest, ConcurrentUpdatesAndSnapshotsAreSafe) {
  FakeClock clock;
  NodeRegistry registry(kTimeout);
  registry.Register(MakeHello("n1"), Connection(), clock.Now());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string instance = "app-" + std::to_string(t * 1000 + i);
        registry.OnContainer("n1", MakeContainer(instance, "app"), clock.Now());
        registry.Snapshot(clock.Now());
        registry.OnContainerRemoved("n1", instance, clock.Now());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(registry.Get("n1", clock.Now())->containers, IsEmpty());
}

TEST(HeartbeatIntervalTest, TheBaseUntilTheNodesWouldSendMoreThanTheMostASecond) {
  HeartbeatPacing pacing;  // 2 s, at most 100 a second
  EXPECT_EQ(HeartbeatInterval(0, pacing), absl::Seconds(2));
  EXPECT_EQ(HeartbeatInterval(200, pacing), absl::Seconds(2)) << "200 nodes every 2 s: 100/s";
  EXPECT_EQ(HeartbeatInterval(201, pacing), absl::Seconds(3)) << "whole seconds, rounded up";
  EXPECT_EQ(HeartbeatInterval(1000, pacing), absl::Seconds(10));
  pacing.max_per_second = 0;
  EXPECT_EQ(HeartbeatInterval(100000, pacing), absl::Seconds(2)) << "0: no pacing";
}

// One heartbeat a second in all: three nodes are told 3 s each, a node then stays Ready
// for 3 of its intervals (9 s, longer than the 5 s node timeout), and the interval
// follows the count of connected nodes.
TEST(HeartbeatPacingTest, NodesAreToldTheirIntervalAndTimedOutByIt) {
  FakeClock clock;
  HeartbeatPacing pacing;
  pacing.base = absl::Seconds(1);
  pacing.max_per_second = 1;
  NodeRegistry registry(absl::Seconds(5), pacing);
  auto dropped = Connection();
  auto first_b = Connection();
  registry.Register(MakeHello("a"), Connection(), clock.Now());
  registry.Register(MakeHello("b"), first_b, clock.Now());
  registry.Register(MakeHello("c"), dropped, clock.Now());
  EXPECT_EQ(registry.PaceToTell("a"), absl::Seconds(3));
  EXPECT_EQ(registry.PaceToTell("a"), std::nullopt) << "told once";
  EXPECT_EQ(registry.PaceToTell("b"), absl::Seconds(3));
  EXPECT_EQ(registry.PaceToTell("ghost"), std::nullopt);

  clock.Advance(absl::Seconds(9));
  EXPECT_EQ(registry.Get("a", clock.Now())->health, NodeHealth::kReady) << "3 x 3 s";
  EXPECT_EQ(registry.Get("c", clock.Now())->health, NodeHealth::kNotReady)
      << "never told: the node timeout";
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(registry.Get("a", clock.Now())->health, NodeHealth::kNotReady);

  registry.OnHeartbeat("a", v1::Heartbeat(), clock.Now());
  registry.Unregister("c", dropped.get(), clock.Now());
  EXPECT_EQ(registry.PaceToTell("c"), std::nullopt) << "no stream to tell";
  EXPECT_EQ(registry.PaceToTell("a"), absl::Seconds(2)) << "two connected nodes now";
  clock.Advance(absl::Seconds(6) + absl::Milliseconds(1));
  EXPECT_EQ(registry.Get("a", clock.Now())->health, NodeHealth::kNotReady) << "3 x 2 s";
  EXPECT_EQ(registry.Get("b", clock.Now())->health, NodeHealth::kNotReady);
  registry.OnHeartbeat("b", v1::Heartbeat(), clock.Now());
  registry.Unregister("b", first_b.get(), clock.Now());
  clock.Advance(absl::Seconds(5) + absl::Milliseconds(1));
  EXPECT_EQ(registry.Get("b", clock.Now())->health, NodeHealth::kNotReady)
      << "a dropped stream: the node timeout from the drop, whatever its pace";
  registry.Register(MakeHello("b"), Connection(), clock.Now());
  EXPECT_EQ(registry.PaceToTell("b"), absl::Seconds(2)) << "a new stream is told again";
}

TEST(HeartbeatPacingTest, WithoutPacingNothingIsTold) {
  HeartbeatPacing pacing;
  pacing.max_per_second = 0;
  FakeClock clock;
  NodeRegistry registry(kTimeout, pacing);
  registry.Register(MakeHello("a"), Connection(), clock.Now());
  EXPECT_EQ(registry.PaceToTell("a"), std::nullopt);
}

}  // namespace
}  // namespace microscale

namespace microscale {
namespace {

TEST_F(NodeRegistryTest, HeartbeatSaysWhetherAnythingChanged) {
  registry_.Register(MakeHello("n1", {MakeContainer("web-0", "web")}), Connection(), clock_.Now());
  v1::Heartbeat same;
  *same.add_containers() = MakeContainer("web-0", "web");
  EXPECT_FALSE(registry_.OnHeartbeat("n1", same, clock_.Now()));
  v1::Heartbeat paused;
  *paused.add_containers() = MakeContainer("web-0", "web", v1::CONTAINER_STATE_PAUSED);
  EXPECT_TRUE(registry_.OnHeartbeat("n1", paused, clock_.Now()));
  EXPECT_TRUE(registry_.OnHeartbeat("n1", v1::Heartbeat(), clock_.Now()));
  EXPECT_FALSE(registry_.OnHeartbeat("n1", v1::Heartbeat(), clock_.Now()));
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(registry_.OnHeartbeat("n1", v1::Heartbeat(), clock_.Now()))
      << "a NotReady node that speaks again is a change";
  EXPECT_FALSE(registry_.OnHeartbeat("ghost", same, clock_.Now()));
}

// A heartbeat in another order than the registry's, or with fields that decide nothing,
// is taken whole all the same: the node's view is always the last report.
TEST_F(NodeRegistryTest, AHeartbeatInAnyOrderReplacesTheNodesView) {
  registry_.Register(MakeHello("n1", {MakeContainer("a-0", "a"), MakeContainer("b-0", "b")}),
                     Connection(), clock_.Now());
  v1::Heartbeat started;
  *started.add_containers() = MakeContainer("a-0", "a");
  *started.add_containers() = MakeContainer("b-0", "b");
  started.mutable_containers(1)->set_started_unix_ms(1234);
  EXPECT_FALSE(registry_.OnHeartbeat("n1", started, clock_.Now()))
      << "a start time alone changes no container's fate";
  EXPECT_EQ(registry_.Get("n1", clock_.Now())->containers.at("b-0").started_unix_ms(), 1234);

  v1::Heartbeat reversed;
  *reversed.add_containers() = MakeContainer("b-0", "b", v1::CONTAINER_STATE_EXITED);
  *reversed.add_containers() = MakeContainer("a-0", "a");
  EXPECT_TRUE(registry_.OnHeartbeat("n1", reversed, clock_.Now()));
  EXPECT_EQ(registry_.Get("n1", clock_.Now())->containers.at("b-0").state(),
            v1::CONTAINER_STATE_EXITED);

  v1::Heartbeat twice;  // the same count, one instance twice and one missing
  *twice.add_containers() = MakeContainer("a-0", "a");
  *twice.add_containers() = MakeContainer("a-0", "a");
  EXPECT_TRUE(registry_.OnHeartbeat("n1", twice, clock_.Now()));
  EXPECT_THAT(registry_.Get("n1", clock_.Now())->containers, SizeIs(1));
}

}  // namespace
}  // namespace microscale
