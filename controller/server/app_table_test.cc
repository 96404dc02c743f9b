#include "controller/server/app_table.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

AppSpec MakeApp(const std::string& name, int32_t min, int32_t max, double target = 10) {
  AppSpec spec;
  spec.name = name;
  spec.priority = 5;
  spec.image = "microscale/demo:latest";
  spec.replicas = {min, max};
  spec.demand.source = DemandSourceKind::kStatic;
  spec.demand.target_per_container = target;
  return spec;
}

const v1::Condition* FindCondition(const v1::AppStatus& status, const std::string& type) {
  for (const v1::Condition& c : status.conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

core::AppAllocation Allocation(const std::string& app, int32_t desired, int32_t allocated,
                               int32_t running, int32_t starting = 0) {
  core::AppAllocation a;
  a.app = app;
  a.desired = desired;
  a.allocated = allocated;
  a.running = running;
  a.ready = running;  // no health check: every running container is ready
  a.starting = starting;
  return a;
}

// Readings a second apart: the scale-down window (0 s here) holds every recommendation
// made at the same instant.
class AppTableTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  AppTable table_;
};

TEST_F(AppTableTest, NewAppWantsItsMinUntilTheFirstRead) {
  table_.Upsert(MakeApp("web", 2, 10), clock_.Now(), clock_.Now());
  std::optional<AppEntry> entry = table_.Get("web");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->desired, 2);
  EXPECT_FALSE(entry->demand.has_value());
  EXPECT_EQ(entry->created, clock_.Now());
  EXPECT_FALSE(table_.Get("api").has_value());
}

TEST_F(AppTableTest, ReadingsSetDesiredThroughTheCore) {
  table_.Upsert(MakeApp("web", 1, 8), clock_.Now(), clock_.Now());

  ReadingOutcome up = table_.ApplyReading("web", 41.0, clock_.Now());
  EXPECT_TRUE(up.known_app);
  EXPECT_TRUE(up.desired_changed);
  EXPECT_EQ(up.old_desired, 1);
  EXPECT_EQ(up.new_desired, 5) << "ceil(41 / 10)";
  EXPECT_FALSE(up.became_failing);
  EXPECT_FALSE(up.recovered);
  EXPECT_EQ(table_.Get("web")->desired, 5);
  EXPECT_EQ(table_.Get("web")->demand, 41.0);

  ReadingOutcome same = table_.ApplyReading("web", 45.0, clock_.Now());
  EXPECT_FALSE(same.desired_changed);
  EXPECT_EQ(same.new_desired, 5);

  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(table_.ApplyReading("web", 1000.0, clock_.Now()).new_desired, 8) << "clamped to max";
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(table_.ApplyReading("web", 0.0, clock_.Now()).new_desired, 1) << "clamped to min";
}

TEST_F(AppTableTest, ASettledValueNotReadForLongStillHoldsItsScaleDownWindow) {
  AppSpec app = MakeApp("web", 0, 20, 1);
  app.demand.scale_down_delay_seconds = 60;
  app.demand.interval_seconds = 1;
  table_.Upsert(app, clock_.Now(), clock_.Now());
  ReadingOutcome first = table_.ApplyReading("web", 10.0, clock_.Now());
  EXPECT_EQ(first.new_desired, 10);
  EXPECT_TRUE(first.settled) << "the same 10 read again would change nothing";

  // Held for 5 minutes (the controller then stops reading a static source): the 10 counts
  // as read until a second ago, so the window still holds it.
  clock_.Advance(absl::Minutes(5));
  ReadingOutcome lower = table_.ApplyReading("web", 2.0, clock_.Now());
  EXPECT_EQ(lower.new_desired, 10);
  EXPECT_FALSE(lower.settled) << "2 is yet to come once the window passes";
  clock_.Advance(absl::Seconds(58));
  EXPECT_EQ(table_.ApplyReading("web", 2.0, clock_.Now()).new_desired, 10);
  clock_.Advance(absl::Seconds(2));
  ReadingOutcome down = table_.ApplyReading("web", 2.0, clock_.Now());
  EXPECT_EQ(down.new_desired, 2);
  EXPECT_TRUE(down.settled);
}

TEST_F(AppTableTest, QueueModeReadsAgainstTheRunningCountAndShowsItsEstimates) {
  AppSpec app = MakeApp("worker", 0, 40);
  app.demand.source = DemandSourceKind::kHttpJson;
  app.demand.queue = QueueSpec{10.0, std::nullopt, 1.0};  // 1 item/s per container
  table_.Upsert(app, clock_.Now(), clock_.Now());
  // 10 containers run; the backlog grows by 5 items a second: 15 items/s arrive.
  table_.RecordAllocations({Allocation("worker", 10, 10, 10)}, clock_.Now());
  table_.ApplyReading("worker", 10.0, clock_.Now());
  clock_.Advance(absl::Seconds(1));
  ReadingOutcome outcome = table_.ApplyReading("worker", 15.0, clock_.Now());
  v1::AppStatus status = StatusOf(*table_.Get("worker"));
  ASSERT_TRUE(status.has_arrival_rate());
  EXPECT_NEAR(status.arrival_rate(), 15, 0.5);
  ASSERT_TRUE(status.has_drain_rate_per_container());
  EXPECT_NEAR(status.drain_rate_per_container(), 1, 0.1);
  EXPECT_GE(outcome.new_desired, 15) << "keeps up with 15 items/s";
  EXPECT_FALSE(StatusOf(*table_.Get("worker")).has_forecast());
  EXPECT_FALSE(status.arrivals_counted());
}

// A reading with the source's count of items ever enqueued measures arrivals from it, and
// the status says so.
TEST_F(AppTableTest, QueueModeMeasuresArrivalsFromACounter) {
  AppSpec app = MakeApp("worker", 0, 40);
  app.demand.source = DemandSourceKind::kHttpJson;
  app.demand.queue = QueueSpec{10.0, std::nullopt, 1.0};
  table_.Upsert(app, clock_.Now(), clock_.Now());
  // 10 containers run and keep the queue empty: the backlog alone says nothing of arrivals.
  table_.RecordAllocations({Allocation("worker", 10, 10, 10)}, clock_.Now());
  table_.ApplyReading("worker", 0.0, clock_.Now(), 1000);
  clock_.Advance(absl::Seconds(1));
  table_.ApplyReading("worker", 0.0, clock_.Now(), 1007);
  v1::AppStatus status = StatusOf(*table_.Get("worker"));
  ASSERT_TRUE(status.has_arrival_rate());
  EXPECT_NEAR(status.arrival_rate(), 7, 0.5);
  EXPECT_TRUE(status.arrivals_counted());
  // A read without the counter falls back to the backlog.
  clock_.Advance(absl::Seconds(1));
  table_.ApplyReading("worker", 0.0, clock_.Now());
  EXPECT_FALSE(StatusOf(*table_.Get("worker")).arrivals_counted());
}

// A pass that orders containers counts only what agents reported starting before it. A read
// right after must still count the containers it ordered (allocated minus running) as
// starting: the queue-mode bootstrap doubles the running count only once the last doubling
// runs, so it holds rather than ordering the same shortfall twice.
TEST_F(AppTableTest, QueueModeCountsContainersTheLastPassOrderedAsStarting) {
  AppSpec app = MakeApp("worker", 0, 40);
  app.demand.source = DemandSourceKind::kHttpJson;
  app.demand.queue = QueueSpec{10.0, std::nullopt, std::nullopt};  // drain rate unknown
  table_.Upsert(app, clock_.Now(), clock_.Now());
  auto read = [&](double backlog) {
    clock_.Advance(absl::Milliseconds(500));
    return table_.ApplyReading("worker", backlog, clock_.Now()).new_desired;
  };
  EXPECT_EQ(read(5), 1);
  table_.RecordAllocations({Allocation("worker", 1, 1, 1)}, clock_.Now());
  EXPECT_EQ(read(12), 2);
  table_.RecordAllocations({Allocation("worker", 2, 2, 2)}, clock_.Now());
  EXPECT_EQ(read(20), 4);
  // The pass ordered 2 more; one runs, the other is not reported at all yet.
  table_.RecordAllocations({Allocation("worker", 4, 4, 3, 0)}, clock_.Now());
  EXPECT_EQ(read(28), 4) << "one of the 4 is still starting: no doubling yet";
  table_.RecordAllocations({Allocation("worker", 4, 4, 4, 0)}, clock_.Now());
  EXPECT_EQ(read(36), 8) << "all 4 run and the backlog still grows";
}

TEST_F(AppTableTest, FailedReadKeepsTheCountAndIsCounted) {
  table_.Upsert(MakeApp("web", 0, 10), clock_.Now(), clock_.Now());
  table_.ApplyReading("web", 30.0, clock_.Now());

  ReadingOutcome first =
      table_.ApplyReading("web", absl::UnavailableError("redis down"), clock_.Now());
  EXPECT_TRUE(first.known_app);
  EXPECT_TRUE(first.became_failing);
  EXPECT_FALSE(first.desired_changed);
  EXPECT_EQ(first.new_desired, 3);
  ReadingOutcome second =
      table_.ApplyReading("web", absl::DeadlineExceededError("slow"), clock_.Now());
  EXPECT_FALSE(second.became_failing) << "only the first failure is news";

  std::optional<AppEntry> entry = table_.Get("web");
  EXPECT_EQ(entry->desired, 3);
  EXPECT_EQ(entry->consecutive_failures, 2);
  EXPECT_EQ(entry->last_error, "slow");
  EXPECT_EQ(entry->demand, 30.0) << "the last good reading is kept";

  clock_.Advance(absl::Seconds(1));
  ReadingOutcome back = table_.ApplyReading("web", 10.0, clock_.Now());
  EXPECT_TRUE(back.recovered);
  EXPECT_EQ(back.new_desired, 1);
  entry = table_.Get("web");
  EXPECT_EQ(entry->consecutive_failures, 0);
  EXPECT_THAT(entry->last_error, IsEmpty());
}

TEST_F(AppTableTest, FallbackAppliesAfterTheConfiguredFailures) {
  AppSpec spec = MakeApp("web", 0, 10);
  spec.demand.fallback = Fallback{2, 4};
  table_.Upsert(spec, clock_.Now(), clock_.Now());
  table_.ApplyReading("web", 80.0, clock_.Now());
  EXPECT_EQ(table_.ApplyReading("web", absl::UnavailableError("x"), clock_.Now()).new_desired, 8);
  clock_.Advance(absl::Seconds(1));
  ReadingOutcome fallback = table_.ApplyReading("web", absl::UnavailableError("x"), clock_.Now());
  EXPECT_TRUE(fallback.desired_changed);
  EXPECT_EQ(fallback.new_desired, 4);
}

TEST_F(AppTableTest, ReadingForAnUnknownAppChangesNothing) {
  ReadingOutcome outcome = table_.ApplyReading("ghost", 5.0, clock_.Now());
  EXPECT_FALSE(outcome.known_app);
  EXPECT_FALSE(outcome.desired_changed);
  EXPECT_THAT(table_.List(), IsEmpty());
}

TEST_F(AppTableTest, ReplacedAppKeepsItsReadingsAndCreationTime) {
  const absl::Time created = clock_.Now();
  table_.Upsert(MakeApp("web", 0, 10), created, clock_.Now());
  table_.ApplyReading("web", 50.0, clock_.Now());
  clock_.Advance(absl::Minutes(1));
  table_.Upsert(MakeApp("web", 0, 3), clock_.Now(), clock_.Now());

  std::optional<AppEntry> entry = table_.Get("web");
  EXPECT_EQ(entry->created, created);
  EXPECT_EQ(entry->demand, 50.0);
  EXPECT_EQ(entry->spec.replicas.max, 3);
  EXPECT_EQ(entry->desired, 3) << "the kept count is clamped to the new max";
}

TEST_F(AppTableTest, RemoveForgetsTheApp) {
  table_.Upsert(MakeApp("web", 0, 10), clock_.Now(), clock_.Now());
  table_.Upsert(MakeApp("api", 0, 10), clock_.Now(), clock_.Now());
  table_.Remove("web");
  table_.Remove("never-there");
  std::vector<std::string> names;
  for (const AppEntry& e : table_.List()) names.push_back(e.spec.name);
  EXPECT_THAT(names, ElementsAre("api"));
}

TEST_F(AppTableTest, InputsCarryDesiredAndOrdinalsThatOnlyRise) {
  table_.Upsert(MakeApp("web", 0, 10), clock_.Now(), clock_.Now());
  table_.ApplyReading("web", 25.0, clock_.Now());
  table_.SetNextOrdinal("web", 7);
  table_.SetNextOrdinal("web", 3);
  table_.SetNextOrdinal("ghost", 9);
  std::vector<core::AppInput> inputs = table_.Inputs();
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].spec.name, "web");
  EXPECT_EQ(inputs[0].desired, 3);
  EXPECT_EQ(inputs[0].next_ordinal, 7);
}

TEST_F(AppTableTest, RecordAllocationsReportsTheScaleReactionOnceSettled) {
  table_.Upsert(MakeApp("web", 0, 10), clock_.Now(), clock_.Now());
  table_.RecordAllocations({Allocation("web", 0, 0, 0)}, clock_.Now());  // settles creation
  const absl::Time changed = clock_.Now();
  table_.ApplyReading("web", 20.0, changed);

  clock_.Advance(absl::Milliseconds(300));
  EXPECT_THAT(table_.RecordAllocations({Allocation("web", 2, 2, 1, 1)}, clock_.Now()), IsEmpty())
      << "one still starting";
  core::AppAllocation unhealthy = Allocation("web", 2, 2, 2);
  unhealthy.ready = 1;
  EXPECT_THAT(table_.RecordAllocations({unhealthy}, clock_.Now()), IsEmpty())
      << "both run, one is not ready yet: demand is served by ready containers";
  clock_.Advance(absl::Milliseconds(200));
  core::AppAllocation done = Allocation("web", 2, 2, 2);
  done.next_ordinal = 2;
  EXPECT_THAT(table_.RecordAllocations({done, Allocation("ghost", 1, 1, 1)}, clock_.Now()),
              ElementsAre(Pair("web", absl::Milliseconds(500))));
  EXPECT_THAT(table_.RecordAllocations({done}, clock_.Now()), IsEmpty()) << "reported once";
  std::optional<AppEntry> entry = table_.Get("web");
  EXPECT_EQ(entry->allocation, done);
  EXPECT_EQ(entry->next_ordinal, 2);
}

TEST_F(AppTableTest, StatusBeforeAnyReadIsUnknownDemand) {
  table_.Upsert(MakeApp("web", 0, 10), clock_.Now(), clock_.Now());
  v1::AppStatus status = StatusOf(*table_.Get("web"));
  EXPECT_FALSE(status.has_demand());
  const v1::Condition* demand = FindCondition(status, "DemandAvailable");
  ASSERT_NE(demand, nullptr);
  EXPECT_EQ(demand->status(), "Unknown");
  EXPECT_EQ(demand->reason(), "NotReadYet");
}

TEST_F(AppTableTest, StatusShowsFiguresAndConditions) {
  table_.Upsert(MakeApp("web", 0, 10), clock_.Now(), clock_.Now());
  table_.ApplyReading("web", 42.0, clock_.Now());
  core::AppAllocation a = Allocation("web", 5, 3, 2, 1);
  a.paused = 1;
  a.standby = 1;
  table_.RecordAllocations({a}, clock_.Now());

  v1::AppStatus status = StatusOf(*table_.Get("web"));
  EXPECT_EQ(status.demand(), 42.0);
  EXPECT_EQ(status.desired(), 5);
  EXPECT_EQ(status.allocated(), 3);
  EXPECT_EQ(status.running(), 2);
  EXPECT_EQ(status.paused(), 1);
  EXPECT_EQ(status.standby(), 1);
  const v1::Condition* demand = FindCondition(status, "DemandAvailable");
  ASSERT_NE(demand, nullptr);
  EXPECT_EQ(demand->status(), "True");
  EXPECT_THAT(demand->message(), HasSubstr("42"));
  const v1::Condition* capacity = FindCondition(status, "CapacityAvailable");
  ASSERT_NE(capacity, nullptr);
  EXPECT_EQ(capacity->status(), "False");
  EXPECT_EQ(capacity->reason(), "InsufficientCapacity");
  EXPECT_THAT(capacity->message(), HasSubstr("3 of 5"));
  const v1::Condition* scaled = FindCondition(status, "Scaled");
  ASSERT_NE(scaled, nullptr);
  EXPECT_EQ(scaled->status(), "False");
  EXPECT_EQ(scaled->reason(), "Converging");

  table_.RecordAllocations({Allocation("web", 5, 5, 5)}, clock_.Now());
  status = StatusOf(*table_.Get("web"));
  EXPECT_EQ(FindCondition(status, "CapacityAvailable")->status(), "True");
  EXPECT_EQ(FindCondition(status, "Scaled")->status(), "True");
  EXPECT_EQ(FindCondition(status, "Scaled")->reason(), "AtAllocation");
}

TEST_F(AppTableTest, StatusOfAnAppNoNodeMatchesNamesTheLabels) {
  AppSpec spec = MakeApp("web", 0, 10);
  spec.node_selector = {{"zone", "a"}, {"disk", "ssd"}};
  table_.Upsert(spec, clock_.Now(), clock_.Now());
  table_.ApplyReading("web", 3.0, clock_.Now());
  core::AppAllocation a = Allocation("web", 3, 0, 0);
  a.selectable_nodes = 0;
  table_.RecordAllocations({a}, clock_.Now());
  v1::AppStatus status = StatusOf(*table_.Get("web"));
  const v1::Condition* capacity = FindCondition(status, "CapacityAvailable");
  ASSERT_NE(capacity, nullptr);
  EXPECT_EQ(capacity->status(), "False");
  EXPECT_EQ(capacity->reason(), "NoMatchingNode");
  EXPECT_THAT(capacity->message(), HasSubstr("disk=ssd,zone=a"));

  // Once a node matches, a shortfall is a matter of capacity again.
  a.selectable_nodes = 1;
  table_.RecordAllocations({a}, clock_.Now());
  status = StatusOf(*table_.Get("web"));
  capacity = FindCondition(status, "CapacityAvailable");
  ASSERT_NE(capacity, nullptr);
  EXPECT_EQ(capacity->reason(), "InsufficientCapacity");
}

TEST_F(AppTableTest, StatusOfAFailingSourceSaysWhy) {
  table_.Upsert(MakeApp("web", 0, 10), clock_.Now(), clock_.Now());
  table_.ApplyReading("web", 10.0, clock_.Now());
  table_.ApplyReading("web", absl::UnavailableError("connection refused"), clock_.Now());
  table_.ApplyReading("web", absl::UnavailableError("connection refused"), clock_.Now());
  v1::AppStatus status = StatusOf(*table_.Get("web"));
  const v1::Condition* demand = FindCondition(status, "DemandAvailable");
  ASSERT_NE(demand, nullptr);
  EXPECT_EQ(demand->status(), "False");
  EXPECT_EQ(demand->reason(), "ReadFailed");
  EXPECT_THAT(demand->message(), HasSubstr("2 failed read(s)"));
  EXPECT_THAT(demand->message(), HasSubstr("connection refused"));
  EXPECT_EQ(status.demand(), 10.0) << "the last good demand is still shown";
}

}  // namespace
}  // namespace microscale

namespace microscale {
namespace {

TEST(AppTableSeedTest, RestartKeepsTheRunningCountUntilTheFirstRead) {
  FakeClock clock;
  AppTable table;
  table.Upsert(MakeApp("web", 1, 10), clock.Now(), clock.Now());
  table.SeedDesired("web", 6, clock.Now());
  EXPECT_EQ(table.Get("web")->desired, 6);
  table.SeedDesired("web", 40, clock.Now());
  EXPECT_EQ(table.Get("web")->desired, 10) << "clamped to max";
  clock.Advance(absl::Seconds(1));
  table.ApplyReading("web", 20.0, clock.Now());
  EXPECT_EQ(table.Get("web")->desired, 2) << "the first read decides again";
  table.SeedDesired("web", 6, clock.Now());
  EXPECT_EQ(table.Get("web")->desired, 2) << "a seed never overrides a real reading";
}

}  // namespace
}  // namespace microscale

namespace microscale {
namespace {

TEST(AppTableConditionTest, LastTransitionTimeMovesOnlyWhenAStatusChanges) {
  FakeClock clock;
  AppTable table;
  table.Upsert(MakeApp("web", 0, 10), clock.Now(), clock.Now());
  clock.Advance(absl::Seconds(5));
  const absl::Time first_read = clock.Now();
  table.ApplyReading("web", 20.0, first_read);
  auto since = [&](const std::string& type) {
    v1::AppStatus status = StatusOf(*table.Get("web"));
    const v1::Condition* c = FindCondition(status, type);
    return c == nullptr ? int64_t{-1} : c->last_transition_unix_ms();
  };
  EXPECT_EQ(since("DemandAvailable"), absl::ToUnixMillis(first_read));
  clock.Advance(absl::Seconds(5));
  table.ApplyReading("web", 30.0, clock.Now());
  EXPECT_EQ(since("DemandAvailable"), absl::ToUnixMillis(first_read)) << "still True";
  clock.Advance(absl::Seconds(5));
  table.ApplyReading("web", absl::UnavailableError("down"), clock.Now());
  EXPECT_EQ(since("DemandAvailable"), absl::ToUnixMillis(clock.Now())) << "became False";
  clock.Advance(absl::Seconds(5));
  table.ApplyReading("web", 40.0, clock.Now());
  EXPECT_EQ(since("DemandAvailable"), absl::ToUnixMillis(clock.Now())) << "True again";
  EXPECT_EQ(since("CapacityAvailable"), absl::ToUnixMillis(first_read))
      << "still more wanted than allocated";
  clock.Advance(absl::Seconds(5));
  table.ApplyReading("web", 0.0, clock.Now());
  EXPECT_EQ(table.Get("web")->desired, 0);
  EXPECT_EQ(since("CapacityAvailable"), absl::ToUnixMillis(clock.Now()))
      << "nothing wanted, nothing short: the desired count alone turned it";
}

TEST(AppTableConditionTest, AnAllocationTurnsScaledOnlyWhenItChanges) {
  FakeClock clock;
  AppTable table;
  table.Upsert(MakeApp("web", 0, 10), clock.Now(), clock.Now());
  table.ApplyReading("web", 20.0, clock.Now());
  auto scaled = [&] {
    v1::AppStatus status = StatusOf(*table.Get("web"));
    const v1::Condition* c = FindCondition(status, "Scaled");
    return std::make_pair(c == nullptr ? "" : c->status(),
                          c == nullptr ? int64_t{-1} : c->last_transition_unix_ms());
  };
  clock.Advance(absl::Seconds(1));
  table.RecordAllocations({Allocation("web", 2, 2, 0, 2)}, clock.Now());
  const absl::Time converging = clock.Now();
  EXPECT_EQ(scaled(), std::make_pair(std::string("False"), absl::ToUnixMillis(converging)));
  clock.Advance(absl::Seconds(1));
  table.RecordAllocations({Allocation("web", 2, 2, 0, 2)}, clock.Now());
  EXPECT_EQ(scaled(), std::make_pair(std::string("False"), absl::ToUnixMillis(converging)))
      << "the same allocation again";
  clock.Advance(absl::Seconds(1));
  table.RecordAllocations({Allocation("web", 2, 2, 2)}, clock.Now());
  EXPECT_EQ(scaled(), std::make_pair(std::string("True"), absl::ToUnixMillis(clock.Now())))
      << "both running";
}

TEST(AppTableConditionTest, ASeededCountTurnsCapacityAvailable) {
  // After a restart the count comes from the store before any read; the next pass may
  // allocate exactly as before, so the seed notes its own transition.
  FakeClock clock;
  AppTable table;
  table.Upsert(MakeApp("web", 0, 10), clock.Now(), clock.Now());
  table.RecordAllocations({Allocation("web", 0, 0, 0)}, clock.Now());
  clock.Advance(absl::Seconds(1));
  table.SeedDesired("web", 3, clock.Now());
  const v1::AppStatus status = StatusOf(*table.Get("web"));
  const v1::Condition* c = FindCondition(status, "CapacityAvailable");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status(), "False");
  EXPECT_EQ(c->last_transition_unix_ms(), absl::ToUnixMillis(clock.Now()));
}

}  // namespace
}  // namespace microscale
