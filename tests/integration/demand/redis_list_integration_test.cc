// The redis-list source against a real redis-server (Debian package redis-server) that
// the test starts on a free loopback port with a password.
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "controller/demand/redis_list_source.h"
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

class RedisListIntegrationTest : public RedisServerTest {
 protected:
  std::unique_ptr<RedisListDemandSource> Source(const std::string& password, int db) {
    auto source = RedisListDemandSource::Create(
        {"127.0.0.1:" + std::to_string(redis_->port()), "jobs", password, db}, absl::Seconds(2));
    EXPECT_TRUE(source.ok()) << source.status();
    return std::move(*source);
  }
};

TEST_F(RedisListIntegrationTest, FollowsTheListLengthInTheChosenDatabase) {
  auto source = Source(kRedisPassword, 2);
  EXPECT_EQ(*source->Read(absl::Now()), 0);
  ASSERT_EQ(redis_->Run(2, {"RPUSH", "jobs", "a", "b", "c"}), 3);
  ASSERT_EQ(redis_->Run(0, {"RPUSH", "jobs", "other-db"}), 1);
  EXPECT_EQ(*source->Read(absl::Now()), 3);
  redis_->Run(2, {"LPOP", "jobs"});
  redis_->Run(2, {"LPOP", "jobs"});
  EXPECT_EQ(*source->Read(absl::Now()), 1);
}

TEST_F(RedisListIntegrationTest, WrongPasswordAndWrongTypeAreFailures) {
  auto wrong = Source("nope", 0);
  auto r = wrong->Read(absl::Now());
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("AUTH failed"));

  redis_->Run(0, {"DEL", "jobs"});
  redis_->Run(0, {"SADD", "jobs", "x"});
  auto source = Source(kRedisPassword, 0);
  r = source->Read(absl::Now());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("WRONGTYPE"));
}

TEST_F(RedisListIntegrationTest, StoppedServerFailsAndRestartedServerIsReadAgain) {
  auto source = Source(kRedisPassword, 0);
  redis_->Run(0, {"RPUSH", "jobs", "a"});
  ASSERT_EQ(*source->Read(absl::Now()), 1);

  redis_->Stop();
  auto r = source->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();

  redis_->Start();  // same port; the data was not saved, so the list starts empty
  ASSERT_TRUE(Eventually([&] { return redis_->Ready(); }));
  redis_->Run(0, {"RPUSH", "jobs", "a", "b"});
  r = source->Read(absl::Now());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 2);
}

TEST_F(RedisListIntegrationTest, ConnectionIsReusedAcrossReads) {
  auto source = Source(kRedisPassword, 0);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(source->Read(absl::Now()).ok());
  // One connection from the source plus this client's own; CLIENT LIST counts them.
  long long clients = -1;
  redisContext* c = redisConnect("127.0.0.1", redis_->port());
  freeReplyObject(redisCommand(c, "AUTH %s", kRedisPassword));
  auto* reply = static_cast<redisReply*>(redisCommand(c, "INFO clients"));
  std::string info(reply->str, static_cast<size_t>(reply->len));
  freeReplyObject(reply);
  redisFree(c);
  size_t at = info.find("connected_clients:");
  ASSERT_NE(at, std::string::npos);
  clients = std::stoll(info.substr(at + 18));
  EXPECT_EQ(clients, 2);
}

}  // namespace
}  // namespace microscale
