// The redis-stream source against a real redis-server (Debian package redis-server) that
// the test starts on a free loopback port with a password: a consumer group's lag plus its
// pending entries, as entries are added, delivered and acknowledged.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/demand/redis_stream_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/demand/redis_test_server.h"
#include "tests/integration/demand/test_servers.h"

namespace microscale {
namespace {

using ::microscale::testing::Eventually;
using ::microscale::testing::kRedisPassword;
using ::microscale::testing::RedisServerTest;
using ::testing::HasSubstr;

class RedisStreamIntegrationTest : public RedisServerTest {
 protected:
  std::unique_ptr<RedisStreamDemandSource> Source(const std::string& group,
                                                  bool count_arrivals = false) {
    auto source = RedisStreamDemandSource::Create(
        {redis_->address(), "orders", group, kRedisPassword, 1}, absl::Seconds(2), count_arrivals);
    EXPECT_TRUE(source.ok()) << source.status();
    return std::move(*source);
  }

  // Adds entries with ids first-0 .. last-0 to the stream in database 1.
  void Add(int first, int last) {
    for (int i = first; i <= last; ++i) {
      ASSERT_TRUE(redis_->RunOk(1, {"XADD", "orders", std::to_string(i) + "-0", "n", "1"})) << i;
    }
  }

  double Read(RedisStreamDemandSource& source) {
    absl::StatusOr<double> demand = source.Read(absl::Now());
    EXPECT_TRUE(demand.ok()) << demand.status();
    return demand.value_or(-1);
  }
};

TEST_F(RedisStreamIntegrationTest, FollowsLagAndPendingAsEntriesAreDeliveredAndAcknowledged) {
  ASSERT_TRUE(redis_->RunOk(1, {"XGROUP", "CREATE", "orders", "workers", "$", "MKSTREAM"}));
  auto source = Source("workers");
  EXPECT_EQ(Read(*source), 0);
  Add(1, 40);
  EXPECT_EQ(Read(*source), 40);  // all 40 not yet delivered
  ASSERT_TRUE(redis_->RunOk(
      1, {"XREADGROUP", "GROUP", "workers", "c1", "COUNT", "15", "STREAMS", "orders", ">"}));
  EXPECT_EQ(Read(*source), 40);  // 25 to deliver, 15 pending
  std::vector<std::string> ack = {"XACK", "orders", "workers"};
  for (int i = 1; i <= 15; ++i) ack.push_back(std::to_string(i) + "-0");
  ASSERT_EQ(redis_->Run(1, ack), 15);
  EXPECT_EQ(Read(*source), 25);
}

// The arrivals counter of queue mode: the entries ever added to the stream, which
// delivering, acknowledging and deleting do not change. Without queue mode it is not read.
TEST_F(RedisStreamIntegrationTest, CountsTheEntriesAddedInQueueMode) {
  ASSERT_TRUE(redis_->RunOk(1, {"XGROUP", "CREATE", "orders", "workers", "$", "MKSTREAM"}));
  auto plain = Source("workers");
  EXPECT_EQ(Read(*plain), 0);
  EXPECT_EQ(plain->ArrivalsTotal(), std::nullopt);
  auto source = Source("workers", true);
  EXPECT_EQ(Read(*source), 0);
  EXPECT_EQ(source->ArrivalsTotal(), 0);
  Add(1, 40);
  EXPECT_EQ(Read(*source), 40);
  EXPECT_EQ(source->ArrivalsTotal(), 40);
  ASSERT_TRUE(redis_->RunOk(
      1, {"XREADGROUP", "GROUP", "workers", "c1", "COUNT", "15", "STREAMS", "orders", ">"}));
  std::vector<std::string> ack = {"XACK", "orders", "workers"};
  for (int i = 1; i <= 10; ++i) ack.push_back(std::to_string(i) + "-0");
  ASSERT_EQ(redis_->Run(1, ack), 10);
  Add(41, 47);
  EXPECT_EQ(Read(*source), 37);  // 32 to deliver, 5 pending
  EXPECT_EQ(source->ArrivalsTotal(), 47);
  // An unread entry deleted: the lag is counted from the stream, the counter stays.
  ASSERT_EQ(redis_->Run(1, {"XDEL", "orders", "45-0"}), 1);
  EXPECT_EQ(Read(*source), 36);
  EXPECT_EQ(source->ArrivalsTotal(), 47);
}

// After XDEL of an entry the group has not read, Redis 7 cannot tell the lag (XINFO GROUPS
// gives nil): the entries after the last delivered one are counted instead.
TEST_F(RedisStreamIntegrationTest, AnUnknownLagIsCountedFromTheStream) {
  ASSERT_TRUE(redis_->RunOk(1, {"XGROUP", "CREATE", "orders", "workers", "0", "MKSTREAM"}));
  Add(1, 40);
  ASSERT_TRUE(redis_->RunOk(
      1, {"XREADGROUP", "GROUP", "workers", "c1", "COUNT", "15", "STREAMS", "orders", ">"}));
  ASSERT_EQ(redis_->Run(1, {"XDEL", "orders", "30-0"}), 1);
  auto source = Source("workers");
  EXPECT_EQ(Read(*source), 24 + 15);  // 16..40 but 30, and 15 pending
}

TEST_F(RedisStreamIntegrationTest, MissingStreamGroupAndWrongPasswordSayWhich) {
  auto source = Source("workers");
  absl::StatusOr<double> r = source->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("stream \"orders\" not found"));

  ASSERT_TRUE(redis_->RunOk(1, {"XGROUP", "CREATE", "orders", "audit", "$", "MKSTREAM"}));
  r = source->Read(absl::Now());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("group \"workers\" not found on stream \"orders\" (groups: audit)"));

  auto wrong = RedisStreamDemandSource::Create({redis_->address(), "orders", "audit", "nope", 1},
                                               absl::Seconds(2));
  ASSERT_TRUE(wrong.ok());
  r = (*wrong)->Read(absl::Now());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("redis-stream: AUTH failed"));
}

TEST_F(RedisStreamIntegrationTest, StoppedServerIsUnavailableAndARestartedOneIsReadAgain) {
  ASSERT_TRUE(redis_->RunOk(1, {"XGROUP", "CREATE", "orders", "workers", "$", "MKSTREAM"}));
  auto source = Source("workers");
  Add(1, 3);
  ASSERT_EQ(Read(*source), 3);

  redis_->Stop();
  absl::StatusOr<double> r = source->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();

  redis_->Start();  // same port; nothing was saved, so the stream is made again
  ASSERT_TRUE(Eventually([&] { return redis_->Ready(); }));
  ASSERT_TRUE(redis_->RunOk(1, {"XGROUP", "CREATE", "orders", "workers", "$", "MKSTREAM"}));
  Add(1, 2);
  EXPECT_EQ(Read(*source), 2);
}

}  // namespace
}  // namespace microscale
