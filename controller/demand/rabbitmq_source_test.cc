#include "controller/demand/rabbitmq_source.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

RabbitMqDemand Spec() { return {"http://127.0.0.1:15672", "/", "jobs", "worker", "pw"}; }

TEST(PercentEncodeTest, KeepsUnreservedBytesAndEncodesTheRest) {
  EXPECT_EQ(PercentEncode("/"), "%2F");
  EXPECT_EQ(PercentEncode("orders.v1_a-b~"), "orders.v1_a-b~");
  EXPECT_EQ(PercentEncode("a b/c?d#é"), "a%20b%2Fc%3Fd%23%C3%A9");
}

TEST(ParseRabbitMqQueueTest, DemandIsReadyPlusUnacknowledged) {
  absl::StatusOr<double> demand = ParseRabbitMqQueue(
      200, R"({"name":"jobs","messages":7,"messages_ready":5,"messages_unacknowledged":2})",
      Spec());
  ASSERT_TRUE(demand.ok()) << demand.status();
  EXPECT_EQ(*demand, 7);
}

TEST(ParseRabbitMqQueueTest, RefusalsSayWhich) {
  struct Case {
    int status;
    std::string body;
    absl::StatusCode code;
    std::string message;
  };
  const Case cases[] = {
      {401, R"({"error":"not_authorized"})", absl::StatusCode::kFailedPrecondition,
       "refused user \"worker\" (check username and password)"},
      {404, R"({"error":"Object Not Found"})", absl::StatusCode::kFailedPrecondition,
       "queue \"jobs\" in vhost \"/\" not found"},
      {503, "", absl::StatusCode::kUnavailable, "answered HTTP 503"},
      {400, "", absl::StatusCode::kFailedPrecondition, "answered HTTP 400"},
      {200, "[1]", absl::StatusCode::kFailedPrecondition, "is not a JSON object"},
      {200, R"({"name":"jobs"})", absl::StatusCode::kFailedPrecondition, "no messages_ready yet"},
      {200, R"({"messages_ready":-1,"messages_unacknowledged":0})",
       absl::StatusCode::kFailedPrecondition, "messages_ready is not a count"},
      {200, R"({"messages_ready":1,"messages_unacknowledged":"2"})",
       absl::StatusCode::kFailedPrecondition, "messages_unacknowledged is not a count"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<double> demand = ParseRabbitMqQueue(c.status, c.body, Spec());
    EXPECT_EQ(demand.status().code(), c.code) << c.status << " " << c.body;
    EXPECT_THAT(std::string(demand.status().message()), HasSubstr(c.message)) << c.body;
  }
}

TEST(RabbitMqDemandSourceTest, CreateRefusesBadSettingsNamingTheField) {
  RabbitMqDemand no_scheme = Spec();
  no_scheme.url = "127.0.0.1:15672";
  EXPECT_THAT(
      std::string(RabbitMqDemandSource::Create(no_scheme, absl::Seconds(1)).status().message()),
      HasSubstr("demand.rabbitmq.url"));
  RabbitMqDemand no_queue = Spec();
  no_queue.queue = "";
  EXPECT_THAT(
      std::string(RabbitMqDemandSource::Create(no_queue, absl::Seconds(1)).status().message()),
      HasSubstr("demand.rabbitmq.queue"));
  EXPECT_TRUE(RabbitMqDemandSource::Create(Spec(), absl::Seconds(1)).ok());
}

TEST(RabbitMqDemandSourceTest, UnreachableServerIsUnavailable) {
  RabbitMqDemand spec = Spec();
  spec.url = "http://127.0.0.1:1";
  auto source = RabbitMqDemandSource::Create(spec, absl::Seconds(1));
  ASSERT_TRUE(source.ok());
  absl::StatusOr<double> r = (*source)->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("rabbitmq: http://127.0.0.1:1"));
}

}  // namespace
}  // namespace microscale
