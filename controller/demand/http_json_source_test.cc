#include "controller/demand/http_json_source.h"

#include <string>
#include <utility>

#include "controller/demand/http_target.h"
#include "controller/demand/testing/answer_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

using ::microscale::testing::AnswerServer;
using ::microscale::testing::Message;

TEST(ExtractJsonNumberTest, FindsNumbersByPointer) {
  const char* body = R"({"queue":{"depth":17,"rates":[1.5,2.5]},"a/b":{"~x":3}})";
  EXPECT_EQ(*ExtractJsonNumber(body, "/queue/depth"), 17);
  EXPECT_EQ(*ExtractJsonNumber(body, "/queue/rates/1"), 2.5);
  EXPECT_EQ(*ExtractJsonNumber(body, "/a~1b/~0x"), 3);
  EXPECT_EQ(*ExtractJsonNumber("42", ""), 42);
}

TEST(ExtractJsonNumberTest, MissingPointerIsAFailure) {
  const char* body = R"({"queue":{"depth":17,"rates":[1]}})";
  EXPECT_THAT(Message(ExtractJsonNumber(body, "/queue/length")), HasSubstr("nothing at pointer"));
  EXPECT_THAT(Message(ExtractJsonNumber(body, "/queue/rates/5")), HasSubstr("nothing at pointer"));
  EXPECT_THAT(Message(ExtractJsonNumber(body, "/queue/rates/x")), HasSubstr("nothing at pointer"));
}

TEST(ExtractJsonNumberTest, NonNumbersAreFailures) {
  const char* body = R"({"s":"12","b":true,"n":null,"o":{}})";
  EXPECT_THAT(Message(ExtractJsonNumber(body, "/s")), HasSubstr("is a string, not a number"));
  EXPECT_THAT(Message(ExtractJsonNumber(body, "/b")), HasSubstr("boolean"));
  EXPECT_THAT(Message(ExtractJsonNumber(body, "/n")), HasSubstr("null"));
  EXPECT_THAT(Message(ExtractJsonNumber(body, "/o")), HasSubstr("object"));
}

TEST(ExtractJsonNumberTest, GarbageAndBadPointersAreFailures) {
  EXPECT_THAT(Message(ExtractJsonNumber("{not json", "/a")), HasSubstr("not JSON"));
  EXPECT_EQ(ExtractJsonNumber("{}", "no-slash").status().code(),
            absl::StatusCode::kInvalidArgument);
  // A bad pointer is the fault whatever the answer (found by demand_answer_fuzz).
  EXPECT_EQ(ExtractJsonNumber("", ":-5\r").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(CheckJsonPointer("/a/~2").ok());
  EXPECT_TRUE(CheckJsonPointer("/a/0").ok());
}

TEST(ParseHttpTargetTest, SplitsOriginPathAndQuery) {
  auto t = demand_internal::ParseHttpTarget("http://host:8080/stats/q?x=1#frag", "f");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->origin, "http://host:8080");
  EXPECT_EQ(t->path, "/stats/q");
  EXPECT_EQ(t->query, "x=1");
  auto bare = demand_internal::ParseHttpTarget("https://prom", "f");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->origin, "https://prom");
  EXPECT_EQ(bare->path, "");
}

TEST(ParseHttpTargetTest, RefusesOtherSchemesAndMissingHostsNamingTheField) {
  auto ftp = demand_internal::ParseHttpTarget("ftp://host/x", "demand.httpJson.url");
  EXPECT_EQ(ftp.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ftp.status().message()), HasSubstr("demand.httpJson.url"));
  EXPECT_FALSE(demand_internal::ParseHttpTarget("http:///x", "f").ok());
  EXPECT_FALSE(demand_internal::ParseHttpTarget("http://:80", "f").ok());
  EXPECT_FALSE(demand_internal::ParseHttpTarget("host:80", "f").ok());
}

TEST(HttpJsonDemandSourceTest, CreateRefusesBadSettings) {
  EXPECT_FALSE(HttpJsonDemandSource::Create({"nohost", "/a", {}}, absl::Seconds(1)).ok());
  EXPECT_FALSE(HttpJsonDemandSource::Create({"http://h/x", "a", {}}, absl::Seconds(1)).ok());
  EXPECT_TRUE(HttpJsonDemandSource::Create({"http://h/x", "/a", {}}, absl::Seconds(1)).ok());
}

// A server that answers more than a demand answer can be is refused, not read into memory.
TEST(HttpJsonDemandSourceTest, AnswerLargerThanTheLimitIsAFailedRead) {
  AnswerServer big(
      "/stats", "{\"n\":1,\"pad\":\"" + std::string(demand_internal::kMaxAnswerBytes, 'x') + "\"}");
  auto source = HttpJsonDemandSource::Create({big.url() + "/stats", "/n", {}}, absl::Seconds(10));
  ASSERT_TRUE(source.ok()) << source.status();
  auto r = (*source)->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_THAT(Message(r), HasSubstr("larger than"));

  AnswerServer small("/stats", R"({"n":7})");
  auto fine = HttpJsonDemandSource::Create({small.url() + "/stats", "/n", {}}, absl::Seconds(10));
  ASSERT_TRUE(fine.ok());
  auto seven = (*fine)->Read(absl::Now());
  ASSERT_TRUE(seven.ok()) << seven.status();
  EXPECT_EQ(*seven, 7);
}

}  // namespace
}  // namespace microscale
