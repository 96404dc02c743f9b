// The reconciler's start-up rules over a MemoryStateStore and a FakeClock: what it loads,
// what it tells a returning node to run, and when the startup grace is over. The loop
// itself, with agents, is covered in controller_loop_test.cc.
#include "controller/server/reconciler.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/clock.h"
#include "controller/store/memory_state_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

v1::Container Assigned(const std::string& instance, const std::string& app,
                       const std::string& node) {
  v1::Container c;
  c.set_instance(instance);
  c.set_app(app);
  c.set_node(node);
  c.set_state(v1::CONTAINER_STATE_RUNNING);
  return c;
}

v1::Hello Hello(const std::string& node) {
  v1::Hello hello;
  hello.set_node_name(node);
  return hello;
}

// A node with room for a few containers: 4 cores, 4 GiB.
v1::Hello RoomyHello(const std::string& node) {
  v1::Hello hello = Hello(node);
  hello.mutable_capacity()->set_cpu_millis(4000);
  hello.mutable_capacity()->set_memory_bytes(int64_t{4} << 30);
  return hello;
}

std::vector<std::string> Instances(const v1::Sync& sync) {
  std::vector<std::string> out;
  for (const v1::Container& c : sync.containers()) out.push_back(c.instance());
  return out;
}

class ReconcilerTest : public ::testing::Test {
 protected:
  std::unique_ptr<Reconciler> Make(absl::Duration grace) {
    ReconcilerOptions options;
    options.startup_grace = grace;
    return std::make_unique<Reconciler>(
        ReconcilerDeps{clock_, apps_, nodes_, tracker_, events_, metrics_, store_}, options);
  }

  // Puts the app "web" (image "img", `min` to 5 replicas) in the table.
  void AddWeb(int32_t min) {
    AppSpec web;
    web.name = "web";
    web.image = "img";
    web.replicas = {min, 5};
    apps_.Upsert(web, clock_.Now(), clock_.Now());
  }

  FakeClock clock_;
  MemoryStateStore store_{clock_};
  AppTable apps_;
  NodeRegistry nodes_{absl::Seconds(10)};
  CommandTracker tracker_;
  EventLog events_;
  ControllerMetrics metrics_;
};

TEST_F(ReconcilerTest, LoadGivesEachNodeItsStoredAssignmentsAsSync) {
  ASSERT_TRUE(
      store_
          .ReplaceAssignments({Assigned("web-0", "web", "n1"), Assigned("web-1", "web", "n2"),
                               Assigned("api-4", "api", "n1")})
          .ok());
  auto reconciler = Make(absl::Seconds(10));
  ASSERT_TRUE(reconciler->Load().ok());
  EXPECT_THAT(Instances(reconciler->SyncFor("n1")), ElementsAre("api-4", "web-0"));
  EXPECT_THAT(Instances(reconciler->SyncFor("n2")), ElementsAre("web-1"));
  EXPECT_THAT(Instances(reconciler->SyncFor("n3")), IsEmpty());
}

TEST_F(ReconcilerTest, LoadRaisesTheAppsOrdinalsFromTheStore) {
  AddWeb(0);
  ASSERT_TRUE(store_.SetNextOrdinals({{"web", 12}}).ok());
  auto reconciler = Make(absl::Seconds(10));
  ASSERT_TRUE(reconciler->Load().ok());
  EXPECT_EQ(apps_.Get("web")->next_ordinal, 12);
}

TEST_F(ReconcilerTest, WithoutStoredAssignmentsStartupIsSettledAtOnce) {
  auto reconciler = Make(absl::Seconds(10));
  ASSERT_TRUE(reconciler->Load().ok());
  EXPECT_TRUE(reconciler->StartupSettled());
}

TEST_F(ReconcilerTest, StartupWaitsForEveryExpectedNode) {
  ASSERT_TRUE(
      store_.ReplaceAssignments({Assigned("web-0", "web", "n1"), Assigned("web-1", "web", "n2")})
          .ok());
  auto reconciler = Make(absl::Seconds(10));
  ASSERT_TRUE(reconciler->Load().ok());
  EXPECT_FALSE(reconciler->StartupSettled());
  auto connection = std::make_shared<AgentConnection>(nullptr, nullptr, "peer");
  nodes_.Register(Hello("n1"), connection, clock_.Now());
  EXPECT_FALSE(reconciler->StartupSettled()) << "n2 is still away";
  nodes_.Register(Hello("n2"), std::make_shared<AgentConnection>(nullptr, nullptr, "peer"),
                  clock_.Now());
  EXPECT_TRUE(reconciler->StartupSettled());
}

TEST_F(ReconcilerTest, StartupGraceEndsEvenIfANodeNeverReturns) {
  ASSERT_TRUE(store_.ReplaceAssignments({Assigned("web-0", "web", "n1")}).ok());
  auto reconciler = Make(absl::Seconds(10));
  ASSERT_TRUE(reconciler->Load().ok());
  clock_.Advance(absl::Seconds(9));
  EXPECT_FALSE(reconciler->StartupSettled());
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(reconciler->StartupSettled());
}

TEST_F(ReconcilerTest, ReconcileBeforeTheGraceEndsSendsAndStoresNothing) {
  ASSERT_TRUE(store_.ReplaceAssignments({Assigned("web-0", "web", "n1")}).ok());
  auto reconciler = Make(absl::Seconds(10));
  ASSERT_TRUE(reconciler->Load().ok());
  reconciler->ReconcileOnce();
  EXPECT_THAT(tracker_.Pending(), IsEmpty());
  ASSERT_TRUE(reconciler->FlushAssignments());
  absl::StatusOr<std::vector<v1::Container>> stored = store_.ListAssignments();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u) << "the assignment of the absent node is kept";
}

TEST_F(ReconcilerTest, AssignmentsOfAbsentNodesSurviveAPassAfterTheGrace) {
  // n1 never comes back: its container is neither counted nor forgotten, so a later
  // return of n1 is still recognised.
  AddWeb(0);
  ASSERT_TRUE(store_.ReplaceAssignments({Assigned("web-0", "web", "n1")}).ok());
  auto reconciler = Make(absl::Seconds(10));
  ASSERT_TRUE(reconciler->Load().ok());
  clock_.Advance(absl::Seconds(11));
  reconciler->ReconcileOnce();
  EXPECT_THAT(tracker_.Pending(), IsEmpty()) << "no node to send to";
  ASSERT_TRUE(reconciler->FlushAssignments());
  EXPECT_THAT(Instances(reconciler->SyncFor("n1")), ElementsAre("web-0"));
  absl::StatusOr<std::vector<v1::Container>> stored = store_.ListAssignments();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].instance(), "web-0");
}

// Waits (up to a generous deadline) until `done` holds for the loop's counts.
bool WaitForLoop(const Reconciler& r, const std::function<bool(Reconciler::LoopCounts)>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (done(r.loop_counts())) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

TEST_F(ReconcilerTest, AResyncWithNothingChangedSkipsThePass) {
  nodes_.Register(Hello("n1"), std::make_shared<AgentConnection>(nullptr, nullptr, "peer"),
                  clock_.Now());
  ReconcilerOptions options;
  options.resync = absl::Milliseconds(5);
  options.startup_grace = absl::ZeroDuration();
  options.full_resync = absl::Seconds(30);
  Reconciler reconciler(ReconcilerDeps{clock_, apps_, nodes_, tracker_, events_, metrics_, store_},
                        options);
  ASSERT_TRUE(reconciler.Load().ok());
  reconciler.Start();
  // The first wake-up is dirty (a pass); the idle resyncs that follow run none.
  ASSERT_TRUE(WaitForLoop(reconciler, [](auto c) { return c.wakeups >= 20; }));
  EXPECT_EQ(reconciler.loop_counts().passes, 1);

  // Time alone turns the silent node NotReady: that is a change, and a pass runs.
  clock_.Advance(absl::Seconds(11));
  ASSERT_TRUE(WaitForLoop(reconciler, [](auto c) { return c.passes >= 2; }));
  int64_t wakeups = reconciler.loop_counts().wakeups;
  ASSERT_TRUE(WaitForLoop(reconciler, [&](auto c) { return c.wakeups >= wakeups + 20; }));
  EXPECT_EQ(reconciler.loop_counts().passes, 2);

  // A full pass still runs every full_resync, and MarkDirty runs one at once.
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(WaitForLoop(reconciler, [](auto c) { return c.passes >= 3; }));
  reconciler.MarkDirty();
  ASSERT_TRUE(WaitForLoop(reconciler, [](auto c) { return c.passes >= 4; }));
  reconciler.Stop();
}

// An agent stream where every write takes `per_write` of the fake clock's time (a stream
// held back by flow control, or a pass that only writes seconds after it began).
class SlowStream final
    : public grpc::ServerReaderWriterInterface<v1::ControllerMessage, v1::AgentMessage> {
 public:
  SlowStream(FakeClock& clock, absl::Duration per_write) : clock_(clock), per_write_(per_write) {}
  void SendInitialMetadata() override {}
  bool NextMessageSize(uint32_t* size) override {
    *size = 0;
    return false;
  }
  bool Read(v1::AgentMessage* /*message*/) override { return false; }
  bool Write(const v1::ControllerMessage& message, grpc::WriteOptions /*options*/) override {
    clock_.Advance(per_write_);
    written.push_back(message);
    return true;
  }
  std::vector<v1::ControllerMessage> written;

 private:
  FakeClock& clock_;
  const absl::Duration per_write_;
};

TEST_F(ReconcilerTest, ACommandsDeadlineRunsFromItsWriteNotFromThePassStart) {
  SlowStream stream(clock_, absl::Seconds(30));
  nodes_.Register(RoomyHello("n1"), std::make_shared<AgentConnection>(&stream, nullptr, "peer"),
                  clock_.Now());
  AddWeb(1);
  ReconcilerOptions options;
  options.startup_grace = absl::ZeroDuration();
  options.command_deadline = absl::Seconds(10);
  Reconciler reconciler(ReconcilerDeps{clock_, apps_, nodes_, tracker_, events_, metrics_, store_},
                        options);
  ASSERT_TRUE(reconciler.Load().ok());
  const absl::Time began = clock_.Now();
  reconciler.ReconcileOnce();
  reconciler.WaitForWrites();  // a pass hands its writes to the node writers
  ASSERT_EQ(stream.written.size(), 1u);
  ASSERT_TRUE(stream.written[0].has_start());
  ASSERT_EQ(tracker_.Pending().size(), 1u);
  EXPECT_EQ(tracker_.Pending()[0].sent, began + absl::Seconds(30)) << "written 30 s in";

  // 35 s after the pass began, 5 s after the write: within the deadline, not sent again.
  clock_.Advance(absl::Seconds(5));
  nodes_.Touch("n1", clock_.Now());
  reconciler.ReconcileOnce();
  reconciler.WaitForWrites();
  EXPECT_EQ(stream.written.size(), 1u);

  // 11 s after the write the deadline has passed: sent again, for the same instance.
  clock_.Advance(absl::Seconds(6));
  nodes_.Touch("n1", clock_.Now());
  reconciler.ReconcileOnce();
  reconciler.WaitForWrites();
  ASSERT_EQ(stream.written.size(), 2u);
  EXPECT_EQ(stream.written[1].start().instance(), stream.written[0].start().instance());
}

// A store that runs `before_ordinals` once, as a pass stores the ordinals it raised: after
// the pass read the cluster and before it persists the assignments.
class OrdinalHookStore final : public MemoryStateStore {
 public:
  using MemoryStateStore::MemoryStateStore;
  absl::Status SetNextOrdinals(const std::map<std::string, int64_t>& next) override {
    if (before_ordinals) std::exchange(before_ordinals, nullptr)();
    return MemoryStateStore::SetNextOrdinals(next);
  }
  std::function<void()> before_ordinals;
};

TEST_F(ReconcilerTest, ANodeDeletedDuringAPassStaysForgotten) {
  OrdinalHookStore store(clock_);
  ASSERT_TRUE(store.ReplaceAssignments({Assigned("web-0", "web", "n1")}).ok());
  v1::Hello n1 = Hello("n1");
  *n1.add_containers() = Assigned("web-0", "web", "n1");
  nodes_.Register(n1, std::make_shared<AgentConnection>(nullptr, nullptr, "peer"), clock_.Now());
  SlowStream to_n2(clock_, absl::ZeroDuration());
  nodes_.Register(RoomyHello("n2"), std::make_shared<AgentConnection>(&to_n2, nullptr, "peer"),
                  clock_.Now());
  AddWeb(2);
  ReconcilerOptions options;
  options.startup_grace = absl::ZeroDuration();
  Reconciler reconciler(ReconcilerDeps{clock_, apps_, nodes_, tracker_, events_, metrics_, store},
                        options);
  ASSERT_TRUE(reconciler.Load().ok());
  clock_.Advance(absl::Seconds(11));  // n1 is silent past the node timeout: NotReady
  nodes_.Touch("n2", clock_.Now());

  // The pass reads n1 and its container, orders starts on n2, and stores their ordinals;
  // n1 is deleted at that moment, before the pass persists what it read.
  absl::StatusOr<int> forgotten_in_pass;
  store.before_ordinals = [&] { forgotten_in_pass = reconciler.ForgetNode("n1", "deleted"); };
  reconciler.ReconcileOnce();
  reconciler.WaitForWrites();
  EXPECT_FALSE(to_n2.written.empty()) << "the pass ordered starts on n2";
  ASSERT_TRUE(forgotten_in_pass.ok()) << forgotten_in_pass.status();
  EXPECT_EQ(*forgotten_in_pass, 1);

  ASSERT_TRUE(reconciler.FlushAssignments());
  EXPECT_THAT(Instances(reconciler.SyncFor("n1")), IsEmpty()) << "not written back";
  absl::StatusOr<std::vector<v1::Container>> stored = store.ListAssignments();
  ASSERT_TRUE(stored.ok());
  for (const v1::Container& c : *stored) EXPECT_NE(c.node(), "n1") << c.instance();
  EXPECT_TRUE(absl::IsNotFound(reconciler.ForgetNode("n1", "deleted again").status()));
}

}  // namespace
}  // namespace microscale
