#include "controller/server/node_writers.h"

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;

TEST(NodeWritersTest, ANodesWritesRunInTheOrderPosted) {
  absl::Mutex mu;
  std::map<std::string, std::vector<int>> seen;
  {
    NodeWriters writers(3);
    for (int i = 0; i < 200; ++i) {
      for (const char* node : {"n1", "n2", "n3", "n4"}) {
        writers.Post(node, [&mu, &seen, node, i] {
          absl::MutexLock lock(&mu);
          seen[node].push_back(i);
        });
      }
    }
    writers.Wait();
    EXPECT_EQ(writers.Pending(), 0u);
  }
  ASSERT_EQ(seen.size(), 4u);
  for (const auto& [node, order] : seen) {
    ASSERT_EQ(order.size(), 200u) << node;
    for (int i = 0; i < 200; ++i) ASSERT_EQ(order[i], i) << node;
  }
}

TEST(NodeWritersTest, ABlockedNodeHoldsOneThreadNotTheOthersNorThePoster) {
  NodeWriters writers(2);
  absl::Notification release;
  absl::Notification blocked_started;
  std::atomic<bool> second_of_stuck_ran{false};
  writers.Post("stuck", [&] {
    blocked_started.Notify();
    release.WaitForNotification();  // an agent that stopped reading
  });
  writers.Post("stuck", [&] { second_of_stuck_ran = true; });
  blocked_started.WaitForNotification();
  // Post returned at once; another node's writes go through while "stuck" blocks.
  absl::Notification other_done;
  writers.Post("other", [&] { other_done.Notify(); });
  EXPECT_TRUE(other_done.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_FALSE(second_of_stuck_ran) << "a node's next write waits for the one before";
  // "other" counts as pending until its thread returns from the write, just after the
  // notification; wait for that rather than read the count at once.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (writers.Pending() != 2u && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(writers.Pending(), 2u) << "the stuck node's two writes";
  release.Notify();
  writers.Wait();
  EXPECT_TRUE(second_of_stuck_ran);
}

TEST(NodeWritersTest, StoppingRunsWhatWasPosted) {
  std::vector<int> ran;
  {
    NodeWriters writers(1);
    for (int i = 0; i < 5; ++i) writers.Post("n1", [&ran, i] { ran.push_back(i); });
  }
  EXPECT_THAT(ran, ElementsAre(0, 1, 2, 3, 4));
}

}  // namespace
}  // namespace microscale
