#include "controller/demand/redis_stream_source.h"

#include <hiredis/hiredis.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

// A reply as hiredis's reader cuts it from the bytes a server sends.
RedisReply Parse(const std::string& resp) {
  redisReader* reader = redisReaderCreate();
  redisReaderFeed(reader, resp.data(), resp.size());
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader, &reply), REDIS_OK);
  redisReaderFree(reader);
  EXPECT_NE(reply, nullptr) << resp;
  return RedisReply(static_cast<redisReply*>(reply));
}

std::string Bulk(const std::string& s) { return absl::StrCat("$", s.size(), "\r\n", s, "\r\n"); }
std::string Int(long long n) { return absl::StrCat(":", n, "\r\n"); }
constexpr const char* kNil = "$-1\r\n";

// One group as Redis 7 describes it; `lag` is a RESP value (an integer or nil).
std::string Group(const std::string& name, long long pending, const std::string& last_id,
                  const std::string& lag) {
  return absl::StrCat("*12\r\n", Bulk("name"), Bulk(name), Bulk("consumers"), Int(1),
                      Bulk("pending"), Int(pending), Bulk("last-delivered-id"), Bulk(last_id),
                      Bulk("entries-read"), Int(3), Bulk("lag"), lag);
}

TEST(StreamGroupFromReplyTest, ReadsPendingLagAndLastIdOfTheNamedGroup) {
  RedisReply reply = Parse(absl::StrCat("*2\r\n", Group("audit", 1, "1-0", Int(50)),
                                        Group("workers", 4, "7-1", Int(30))));
  absl::StatusOr<StreamGroupState> state = StreamGroupFromReply(*reply, "orders", "workers");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->pending, 4);
  EXPECT_EQ(state->lag, 30);
  EXPECT_EQ(state->last_delivered_id, "7-1");
}

TEST(StreamGroupFromReplyTest, ANilLagIsUnknown) {
  RedisReply reply = Parse(absl::StrCat("*1\r\n", Group("workers", 2, "5-0", kNil)));
  absl::StatusOr<StreamGroupState> state = StreamGroupFromReply(*reply, "orders", "workers");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_FALSE(state->lag.has_value());
  EXPECT_EQ(state->pending, 2);
}

TEST(StreamGroupFromReplyTest, AServerWithoutLagFieldsIsRead) {  // Redis 5 and 6
  RedisReply reply =
      Parse(absl::StrCat("*1\r\n*8\r\n", Bulk("name"), Bulk("workers"), Bulk("consumers"), Int(0),
                         Bulk("pending"), Int(0), Bulk("last-delivered-id"), Bulk("0-0")));
  absl::StatusOr<StreamGroupState> state = StreamGroupFromReply(*reply, "orders", "workers");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_FALSE(state->lag.has_value());
  EXPECT_EQ(state->last_delivered_id, "0-0");
}

TEST(StreamGroupFromReplyTest, AMissingGroupOrStreamSaysWhichAndWhatExists) {
  RedisReply groups = Parse(absl::StrCat("*1\r\n", Group("audit", 0, "0-0", Int(0))));
  absl::StatusOr<StreamGroupState> state = StreamGroupFromReply(*groups, "orders", "workers");
  EXPECT_EQ(state.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(state.status().message()),
              HasSubstr("group \"workers\" not found on stream \"orders\" (groups: audit)"));

  RedisReply none = Parse("-ERR no such key\r\n");
  state = StreamGroupFromReply(*none, "orders", "workers");
  EXPECT_THAT(std::string(state.status().message()), HasSubstr("stream \"orders\" not found"));
}

TEST(StreamGroupFromReplyTest, RefusesRepliesRedisDoesNotGive) {
  for (const std::string& bad : {
           std::string(":5\r\n"),
           absl::StrCat("*1\r\n", Int(3)),
           absl::StrCat("*1\r\n", Group("workers", -1, "1-0", Int(0))),
           absl::StrCat("*1\r\n", Group("workers", 1, "1-0", Int(-4))),
           absl::StrCat("*1\r\n", Group("workers", 1, "", Int(0))),
           absl::StrCat("*1\r\n*2\r\n", Bulk("name"), Bulk("workers")),
       }) {
    RedisReply reply = Parse(bad);
    absl::StatusOr<StreamGroupState> state = StreamGroupFromReply(*reply, "orders", "workers");
    EXPECT_EQ(state.status().code(), absl::StatusCode::kFailedPrecondition) << bad;
  }
}

TEST(EntriesAddedFromReplyTest, ReadsTheCounterOrNothingBeforeRedis7) {
  RedisReply seven = Parse(absl::StrCat("*6\r\n", Bulk("length"), Int(3), Bulk("entries-added"),
                                        Int(47), Bulk("groups"), Int(1)));
  absl::StatusOr<std::optional<int64_t>> added = EntriesAddedFromReply(*seven);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 47);
  RedisReply six = Parse(absl::StrCat("*4\r\n", Bulk("length"), Int(3), Bulk("groups"), Int(1)));
  added = EntriesAddedFromReply(*six);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_FALSE(added->has_value());
  RedisReply negative = Parse(absl::StrCat("*2\r\n", Bulk("entries-added"), Int(-1)));
  EXPECT_THAT(std::string(EntriesAddedFromReply(*negative).status().message()),
              HasSubstr("entries-added that is not a count"));
  RedisReply error = Parse("-ERR no such key\r\n");
  EXPECT_THAT(std::string(EntriesAddedFromReply(*error).status().message()),
              HasSubstr("XINFO STREAM failed"));
}

TEST(EntriesAfterTest, CountsTheEntriesAfterTheLastDeliveredOne) {
  auto entry = [](const std::string& id) {
    return absl::StrCat("*2\r\n", Bulk(id), "*2\r\n", Bulk("k"), Bulk("v"));
  };
  RedisReply range = Parse(absl::StrCat("*3\r\n", entry("5-0"), entry("6-0"), entry("7-0")));
  EXPECT_EQ(*EntriesAfter(*range, "5-0"), 2);  // the range starts at the last delivered one
  EXPECT_EQ(*EntriesAfter(*range, "4-0"), 3);  // which may have been deleted
  RedisReply bad = Parse(absl::StrCat("*1\r\n", Int(1)));
  EXPECT_EQ(EntriesAfter(*bad, "0-0").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RedisStreamDemandSourceTest, CreateRefusesBadSettingsNamingTheField) {
  auto no_group = RedisStreamDemandSource::Create({"h:1", "orders", "", "", 0}, absl::Seconds(1));
  EXPECT_THAT(std::string(no_group.status().message()), HasSubstr("demand.redisStream.group"));
  auto no_host = RedisStreamDemandSource::Create({":1", "orders", "g", "", 0}, absl::Seconds(1));
  EXPECT_THAT(std::string(no_host.status().message()), HasSubstr("demand.redisStream.address"));
  EXPECT_TRUE(
      RedisStreamDemandSource::Create({"h:1", "orders", "g", "", 0}, absl::Seconds(1)).ok());
}

TEST(RedisStreamDemandSourceTest, UnreachableServerIsUnavailable) {
  auto source =
      RedisStreamDemandSource::Create({"127.0.0.1:1", "orders", "g", "", 0}, absl::Seconds(1));
  ASSERT_TRUE(source.ok());
  auto r = (*source)->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("redis-stream: cannot connect"));
}

}  // namespace
}  // namespace microscale
