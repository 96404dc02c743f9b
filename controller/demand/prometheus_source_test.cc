#include "controller/demand/prometheus_source.h"

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

TEST(ParsePrometheusAnswerTest, ScalarIsTheValue) {
  auto r = ParsePrometheusAnswer(
      200, R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.1,"12.5"]}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 12.5);
}

TEST(ParsePrometheusAnswerTest, OneSampleVectorIsTheValue) {
  auto r = ParsePrometheusAnswer(200, R"({"status":"success","data":{"resultType":"vector",
      "result":[{"metric":{"job":"api"},"value":[1700000000,"42"]}]}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 42);
}

TEST(ParsePrometheusAnswerTest, EmptyVectorSaysNoSeriesMatched) {
  auto r = ParsePrometheusAnswer(
      200, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(Message(r), HasSubstr("empty result"));
}

TEST(ParsePrometheusAnswerTest, SeveralSeriesSaysHowMany) {
  auto r = ParsePrometheusAnswer(200, R"({"status":"success","data":{"resultType":"vector",
      "result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}})");
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(Message(r), HasSubstr("2 series"));
  EXPECT_THAT(Message(r), HasSubstr("sum()"));
}

TEST(ParsePrometheusAnswerTest, NanAndInfinityAreFailures) {
  auto nan = ParsePrometheusAnswer(
      200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}})");
  EXPECT_THAT(Message(nan), HasSubstr("NaN"));
  auto inf = ParsePrometheusAnswer(
      200,
      R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"+Inf"]}]}})");
  EXPECT_THAT(Message(inf), HasSubstr("infinite"));
}

TEST(ParsePrometheusAnswerTest, Non200NamesTheStatusAndPrometheusError) {
  auto bad_query = ParsePrometheusAnswer(
      400, R"({"status":"error","errorType":"bad_data","error":"parse error at char 4"})");
  EXPECT_EQ(bad_query.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(bad_query), HasSubstr("HTTP 400"));
  EXPECT_THAT(Message(bad_query), HasSubstr("bad_data: parse error at char 4"));
  auto down = ParsePrometheusAnswer(503, "Service Unavailable");
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Message(down), HasSubstr("HTTP 503"));
}

TEST(ParsePrometheusAnswerTest, RangeVectorAndGarbageAreFailures) {
  auto matrix = ParsePrometheusAnswer(
      200, R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  EXPECT_THAT(Message(matrix), HasSubstr("matrix"));
  EXPECT_THAT(Message(ParsePrometheusAnswer(200, "<html>")), HasSubstr("not JSON"));
  EXPECT_FALSE(ParsePrometheusAnswer(200, R"({"status":"success"})").ok());
  EXPECT_FALSE(ParsePrometheusAnswer(
                   200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"x"]}})")
                   .ok());
}

// Found by demand_answer_fuzz: a field of the wrong type made json::value throw, and the
// exception ended the controller.
TEST(ParsePrometheusAnswerTest, FieldsOfTheWrongTypeAreFailuresNotExceptions) {
  for (const char* body : {R"({"status":1})", R"({"status":"success","data":{"resultType":3,
                               "result":1}})",
                           R"({"status":"error","errorType":7,"error":"x"})", R"([1,2])"}) {
    absl::StatusOr<double> r = ParsePrometheusAnswer(200, body);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << body;
  }
  absl::StatusOr<double> typed_error =
      ParsePrometheusAnswer(400, R"({"status":"error","errorType":7,"error":"bad query"})");
  EXPECT_THAT(Message(typed_error), HasSubstr("HTTP 400: error: bad query"));
}

TEST(ParsePrometheusAnswerTest, OtherSpellingsOfNanAndInfinityAreFailures) {
  for (const char* value : {"nan", "inf", "-inf", "Infinity", "1e999"}) {
    std::string body = std::string(R"({"status":"success","data":{"resultType":"scalar",)") +
                       R"("result":[1,")" + value + R"("]}})";
    absl::StatusOr<double> r = ParsePrometheusAnswer(200, body);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << value;
  }
}

TEST(PrometheusDemandSourceTest, CreateRefusesBadSettings) {
  EXPECT_EQ(
      PrometheusDemandSource::Create({"127.0.0.1:9090", "up"}, absl::Seconds(1)).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PrometheusDemandSource::Create({"http://127.0.0.1:9090", ""}, absl::Seconds(1))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      PrometheusDemandSource::Create({"http://127.0.0.1:9090", "up"}, absl::Seconds(1)).ok());
}

TEST(PrometheusDemandSourceTest, UnreachableServerIsUnavailable) {
  // Port 1 on loopback refuses connections.
  auto source = PrometheusDemandSource::Create({"http://127.0.0.1:1", "up"}, absl::Seconds(1));
  ASSERT_TRUE(source.ok());
  auto r = (*source)->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

// A server that answers more than a demand answer can be is refused, not read into memory.
TEST(PrometheusDemandSourceTest, AnswerLargerThanTheLimitIsAFailedRead) {
  AnswerServer big("/api/v1/query",
                   std::string(R"({"status":"success","data":{"resultType":"scalar",)") +
                       R"("result":[1,"5"]},"pad":")" +
                       std::string(demand_internal::kMaxAnswerBytes, 'x') + "\"}");
  auto source = PrometheusDemandSource::Create({big.url(), "up"}, absl::Seconds(10));
  ASSERT_TRUE(source.ok()) << source.status();
  auto r = (*source)->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_THAT(Message(r), HasSubstr("larger than"));

  AnswerServer small("/api/v1/query",
                     R"({"status":"success","data":{"resultType":"scalar","result":[1,"5"]}})");
  auto fine = PrometheusDemandSource::Create({small.url(), "up"}, absl::Seconds(10));
  ASSERT_TRUE(fine.ok());
  auto five = (*fine)->Read(absl::Now());
  ASSERT_TRUE(five.ok()) << five.status();
  EXPECT_EQ(*five, 5);
}

}  // namespace
}  // namespace microscale
