#include "controller/server/command_tracker.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Instances(const std::vector<InFlightCommand>& commands) {
  std::vector<std::string> out;
  for (const InFlightCommand& c : commands) out.push_back(c.instance);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CommandTrackerTest, EmptyUntilACommandIsIssuedAndAgainOnceItCompletes) {
  FakeClock clock;
  CommandTracker tracker;
  EXPECT_TRUE(tracker.Empty());
  std::string id = tracker.Issue("n1", "web-0", "web", CommandType::kStart, clock.Now());
  EXPECT_FALSE(tracker.Empty());
  ASSERT_TRUE(tracker.Complete(id).has_value());
  EXPECT_TRUE(tracker.Empty());
}

TEST(CommandTrackerTest, IssueRecordsTheCommandUnderAFreshId) {
  FakeClock clock;
  CommandTracker tracker;
  std::string a = tracker.Issue("n1", "web-0", "web", CommandType::kStart, clock.Now());
  std::string b = tracker.Issue("n1", "web-0", "web", CommandType::kStop, clock.Now());
  EXPECT_NE(a, b);
  EXPECT_FALSE(a.empty());

  std::vector<InFlightCommand> pending = tracker.Pending();
  ASSERT_EQ(pending.size(), 2u);
  const InFlightCommand& first = pending[0].id == a ? pending[0] : pending[1];
  EXPECT_EQ(first.node, "n1");
  EXPECT_EQ(first.instance, "web-0");
  EXPECT_EQ(first.app, "web");
  EXPECT_EQ(first.type, CommandType::kStart);
  EXPECT_EQ(first.sent, clock.Now());
}

TEST(CommandTrackerTest, PendingListsCommandsInTheOrderTheyWereIssued) {
  FakeClock clock;
  CommandTracker tracker;
  std::vector<std::string> issued;
  // Past ten, so that the order of the ids' text ("c10" before "c2") would differ.
  for (int i = 0; i < 12; ++i) {
    issued.push_back(
        tracker.Issue("n1", absl::StrCat("web-", i), "web", CommandType::kStart, clock.Now()));
  }
  std::vector<std::string> pending;
  for (const InFlightCommand& c : tracker.Pending()) pending.push_back(c.id);
  EXPECT_EQ(pending, issued);
}

TEST(CommandTrackerTest, AnIdTheTrackerNeverIssuedFindsNothing) {
  FakeClock clock;
  CommandTracker tracker;
  std::string id = tracker.Issue("n1", "web-0", "web", CommandType::kStart, clock.Now());
  ASSERT_EQ(id, "c1");
  // An agent's result may carry any text: none of these is the command "c1".
  for (const char* other : {"c01", "1", "c", "", "c1 ", "c+1", "x1", "c-1", "C1",
                            "c18446744073709551617", "c99999999999999999999999"}) {
    EXPECT_FALSE(tracker.Find(other).has_value()) << other;
    EXPECT_FALSE(tracker.Complete(other).has_value()) << other;
  }
  tracker.MarkWritten({"c01", "c"}, clock.Now());
  EXPECT_TRUE(tracker.Find(id).has_value());
  EXPECT_TRUE(tracker.Complete(id).has_value());
}

TEST(CommandTrackerTest, CompleteReturnsThePendingCommandOnce) {
  FakeClock clock;
  CommandTracker tracker;
  std::string id = tracker.Issue("n1", "web-0", "web", CommandType::kPause, clock.Now());
  tracker.Issue("n1", "web-1", "web", CommandType::kResume, clock.Now());

  std::optional<InFlightCommand> done = tracker.Complete(id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->id, id);
  EXPECT_EQ(done->type, CommandType::kPause);
  EXPECT_FALSE(tracker.Complete(id).has_value()) << "a second result for the same id";
  EXPECT_FALSE(tracker.Complete("no-such-id").has_value());
  EXPECT_THAT(Instances(tracker.Pending()), ElementsAre("web-1"));
}

TEST(CommandTrackerTest, FindLeavesTheCommandPending) {
  FakeClock clock;
  CommandTracker tracker;
  std::string id = tracker.Issue("n1", "web-0", "web", CommandType::kStop, clock.Now());
  std::optional<InFlightCommand> found = tracker.Find(id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->instance, "web-0");
  EXPECT_EQ(found->type, CommandType::kStop);
  EXPECT_FALSE(tracker.Find("no-such-id").has_value());
  EXPECT_TRUE(tracker.Complete(id).has_value());
  EXPECT_FALSE(tracker.Find(id).has_value());
}

TEST(CommandTrackerTest, ExpireRemovesOnlyCommandsOlderThanTheTimeout) {
  FakeClock clock;
  CommandTracker tracker;
  std::string old_id = tracker.Issue("n1", "web-0", "web", CommandType::kStart, clock.Now());
  clock.Advance(absl::Seconds(30));
  tracker.Issue("n2", "web-1", "web", CommandType::kStart, clock.Now());
  clock.Advance(absl::Seconds(30));

  EXPECT_THAT(tracker.Expire(clock.Now(), absl::Seconds(60)), IsEmpty())
      << "exactly the timeout old is not expired yet";
  clock.Advance(absl::Seconds(1));
  std::vector<InFlightCommand> expired = tracker.Expire(clock.Now(), absl::Seconds(60));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, old_id);
  EXPECT_THAT(Instances(tracker.Pending()), ElementsAre("web-1"));
  EXPECT_FALSE(tracker.Complete(old_id).has_value()) << "a late result finds nothing";
}

TEST(CommandTrackerTest, ACommandAwaitingItsWriteDoesNotExpireUntilWritten) {
  FakeClock clock;
  CommandTracker tracker;
  CommandDelivery queued;
  queued.deadline = absl::Seconds(10);
  queued.awaiting_write = true;
  std::string id = tracker.Issue("n1", "web-0", "web", CommandType::kStart, clock.Now(), queued);
  clock.Advance(absl::Minutes(5));  // its node's writes waited this long for their turn
  EXPECT_THAT(tracker.Expire(clock.Now(), absl::Seconds(60)), IsEmpty());
  tracker.MarkWritten({id}, clock.Now());
  ASSERT_TRUE(tracker.Find(id).has_value());
  EXPECT_FALSE(tracker.Find(id)->awaiting_write);
  clock.Advance(absl::Seconds(10));
  EXPECT_THAT(tracker.Expire(clock.Now(), absl::Seconds(60)), IsEmpty()) << "10 s after it";
  clock.Advance(absl::Seconds(1));
  EXPECT_THAT(Instances(tracker.Expire(clock.Now(), absl::Seconds(60))), ElementsAre("web-0"));
}

TEST(CommandTrackerTest, DropNodeForgetsOnlyThatNodesCommands) {
  FakeClock clock;
  CommandTracker tracker;
  tracker.Issue("n1", "web-0", "web", CommandType::kStart, clock.Now());
  tracker.Issue("n1", "api-0", "api", CommandType::kStop, clock.Now());
  std::string kept = tracker.Issue("n2", "web-1", "web", CommandType::kStart, clock.Now());
  tracker.DropNode("n1");
  EXPECT_THAT(Instances(tracker.Pending()), ElementsAre("web-1"));
  tracker.DropNode("unknown");
  EXPECT_TRUE(tracker.Complete(kept).has_value());
  EXPECT_THAT(tracker.Pending(), IsEmpty());
}

TEST(CommandTrackerTest, TypeNamesMatchTheMetricLabels) {
  EXPECT_STREQ(CommandTypeName(CommandType::kStart), "start");
  EXPECT_STREQ(CommandTypeName(CommandType::kStop), "stop");
  EXPECT_STREQ(CommandTypeName(CommandType::kPause), "pause");
  EXPECT_STREQ(CommandTypeName(CommandType::kResume), "resume");
}

TEST(CommandTrackerTest, ConcurrentIssuersGetDistinctIds) {
  FakeClock clock;
  CommandTracker tracker;
  constexpr int kThreads = 4, kEach = 250;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        ids[t].push_back(tracker.Issue("n", "i", "a", CommandType::kStart, clock.Now()));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& list : ids) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads) * kEach);
  EXPECT_EQ(tracker.Pending().size(), static_cast<size_t>(kThreads) * kEach);
}

}  // namespace
}  // namespace microscale
