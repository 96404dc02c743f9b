#include "controller/store/measured_state_store.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "controller/store/etcd_state_store.h"
#include "controller/store/memory_state_store.h"
#include "controller/store/store_test_util.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

struct Seen {
  int writes = 0;
  std::map<std::string, int> failures;
};

StoreObserver Observe(Seen& seen) {
  return {[&seen](double seconds) {
            EXPECT_GE(seconds, 0);
            ++seen.writes;
          },
          [&seen](const char* op) { ++seen.failures[op]; }};
}

TEST(MeasuredStateStore, TimesEveryWriteAndPassesAnswersThrough) {
  Seen seen;
  MeasuredStateStore store(std::make_unique<MemoryStateStore>(), Observe(seen));
  auto changes = store.ApplyApps({testing::Spec("api")});
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->at(0).action, ApplyAction::kCreated);
  ASSERT_TRUE(store.SetStaticDemand("api", 3).ok());
  ASSERT_TRUE(store.UpsertAssignment(testing::Assigned("api", 0, "node-1")).ok());
  EXPECT_EQ(store.GetStaticDemands()->at("api"), 3);
  EXPECT_EQ(store.ListAssignments()->size(), 1u);
  EXPECT_EQ(seen.writes, 3);  // reads are not timed
  // Refusals of a request are answers, not store failures.
  EXPECT_TRUE(absl::IsNotFound(store.DeleteApp("nope")));
  EXPECT_TRUE(absl::IsInvalidArgument(store.SetNextOrdinals({{"api", -1}})));
  EXPECT_EQ(seen.writes, 5);
  EXPECT_TRUE(seen.failures.empty());
}

TEST(MeasuredStateStore, CountsFailuresOfTheStoreByOperation) {
  Seen seen;
  // An etcd nobody answers: every call fails as the store would when etcd is down.
  auto client = std::make_shared<EtcdClient>(std::vector<std::string>{"127.0.0.1:1"}, nullptr,
                                             absl::Seconds(2));
  MeasuredStateStore store(std::make_unique<EtcdStateStore>(client, "/measured/"), Observe(seen));
  EXPECT_FALSE(store.ApplyApps({testing::Spec("api")}).ok());
  EXPECT_FALSE(store.ApplyApps({testing::Spec("api")}).ok());
  EXPECT_FALSE(store.ListApps().ok());
  EXPECT_EQ(seen.writes, 2);
  EXPECT_EQ(seen.failures, (std::map<std::string, int>{{"ApplyApps", 2}, {"ListApps", 1}}));
}

}  // namespace
}  // namespace microscale
