#include "controller/demand/redis_list_source.h"

#include <hiredis/hiredis.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

TEST(ParseHostPortTest, ReadsHostAndPort) {
  EXPECT_EQ(*ParseRedisAddress("127.0.0.1:6380", 6379, "demand.redisList.address"),
            (RedisAddress{"127.0.0.1", 6380}));
  EXPECT_EQ(*ParseRedisAddress("redis", 6379, "demand.redisList.address"),
            (RedisAddress{"redis", 6379}));
  EXPECT_EQ(*ParseRedisAddress("[::1]:7000", 6379, "demand.redisList.address"),
            (RedisAddress{"::1", 7000}));
  EXPECT_EQ(*ParseRedisAddress("[::1]", 6379, "demand.redisList.address"),
            (RedisAddress{"::1", 6379}));
}

TEST(ParseHostPortTest, RefusesBadAddressesNamingTheField) {
  for (const char* bad :
       {"", ":6379", "host:", "host:0", "host:70000", "host:x", "::1:6379", "[::1"}) {
    auto r = ParseRedisAddress(bad, 6379, "demand.redisList.address");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("demand.redisList.address")) << bad;
  }
}

TEST(LlenReplyValueTest, IntegerIsTheLengthAndErrorsAreFailures) {
  redisReply length{};
  length.type = REDIS_REPLY_INTEGER;
  length.integer = 17;
  EXPECT_EQ(*LlenReplyValue(length), 17);

  std::string text = "WRONGTYPE Operation against a key holding the wrong kind of value";
  redisReply error{};
  error.type = REDIS_REPLY_ERROR;
  error.str = text.data();
  error.len = static_cast<int>(text.size());
  auto r = LlenReplyValue(error);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("WRONGTYPE"));
}

// Found by demand_answer_fuzz: a server answering ":-5" gave a negative demand.
TEST(LlenReplyValueTest, NegativeLengthIsAFailure) {
  redisReply negative{};
  negative.type = REDIS_REPLY_INTEGER;
  negative.integer = -5;
  auto r = LlenReplyValue(negative);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("negative"));
}

TEST(RedisListDemandSourceTest, CreateRefusesBadSettings) {
  EXPECT_FALSE(RedisListDemandSource::Create({"h:1", "", "", 0}, absl::Seconds(1)).ok());
  EXPECT_FALSE(RedisListDemandSource::Create({"h:1", "jobs", "", -1}, absl::Seconds(1)).ok());
  EXPECT_TRUE(RedisListDemandSource::Create({"h:1", "jobs", "", 0}, absl::Seconds(1)).ok());
}

TEST(RedisListDemandSourceTest, UnreachableServerIsUnavailable) {
  auto source = RedisListDemandSource::Create({"127.0.0.1:1", "jobs", "", 0}, absl::Seconds(1));
  ASSERT_TRUE(source.ok());
  auto r = (*source)->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("cannot connect"));
}

}  // namespace
}  // namespace microscale
