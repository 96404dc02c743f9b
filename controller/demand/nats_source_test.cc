#include "controller/demand/nats_source.h"

#include <string>

#include "controller/demand/testing/answer_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

NatsDemand Spec() { return {"http://127.0.0.1:8222", "ORDERS", "workers", ""}; }

// A /jsz?consumers=true answer as nats-server 2.9 writes it, trimmed to the fields read.
std::string Jsz(const std::string& accounts) {
  return R"({"server_id":"N1","streams":1,"consumers":1,"account_details":[)" + accounts + "]}";
}
std::string Account(const std::string& name, const std::string& streams) {
  return R"({"name":")" + name + R"(","id":")" + name + R"(","stream_detail":[)" + streams + "]}";
}
std::string Stream(const std::string& name, const std::string& consumers) {
  return R"({"name":")" + name + R"(","state":{"messages":9},"consumer_detail":[)" + consumers +
         "]}";
}
std::string Consumer(const std::string& name, int pending, int ack_pending) {
  return R"({"stream_name":"ORDERS","name":")" + name + R"(","num_ack_pending":)" +
         std::to_string(ack_pending) + R"(,"num_redelivered":0,"num_waiting":0,"num_pending":)" +
         std::to_string(pending) + "}";
}

TEST(ParseNatsJszTest, DemandIsPendingPlusAckPendingOfTheNamedConsumer) {
  std::string body = Jsz(Account(
      "$G", Stream("OTHER", Consumer("workers", 100, 100)) + "," +
                Stream("ORDERS", Consumer("audit", 50, 0) + "," + Consumer("workers", 3, 2))));
  absl::StatusOr<double> demand = ParseNatsJsz(200, body, Spec());
  ASSERT_TRUE(demand.ok()) << demand.status();
  EXPECT_EQ(*demand, 5);
}

TEST(ParseNatsJszTest, AnAccountPicksAmongStreamsOfTheSameName) {
  std::string body = Jsz(Account("A", Stream("ORDERS", Consumer("workers", 1, 0))) + "," +
                         Account("B", Stream("ORDERS", Consumer("workers", 7, 1))));
  absl::StatusOr<double> ambiguous = ParseNatsJsz(200, body, Spec());
  EXPECT_THAT(std::string(ambiguous.status().message()),
              HasSubstr("stream \"ORDERS\" is in more than one account (accounts: A, B); name "
                        "one with account"));
  NatsDemand in_b = Spec();
  in_b.account = "B";
  absl::StatusOr<double> demand = ParseNatsJsz(200, body, in_b);
  ASSERT_TRUE(demand.ok()) << demand.status();
  EXPECT_EQ(*demand, 8);
}

TEST(ParseNatsJszTest, RefusalsSayWhich) {
  struct Case {
    int status;
    std::string body;
    std::string account;
    absl::StatusCode code;
    std::string message;
  };
  const std::string orders = Jsz(Account("$G", Stream("ORDERS", Consumer("audit", 1, 1))));
  const Case cases[] = {
      {503, "", "", absl::StatusCode::kUnavailable, "answered HTTP 503"},
      {404, "", "", absl::StatusCode::kFailedPrecondition, "answered HTTP 404"},
      {200, "[]", "", absl::StatusCode::kFailedPrecondition, "is not a JSON object"},
      {200, "{", "", absl::StatusCode::kFailedPrecondition, "is not a JSON object"},
      {200, R"({"server_id":"N1","disabled":true})", "", absl::StatusCode::kFailedPrecondition,
       "JetStream is not enabled on this server (start nats-server with -js)"},
      {200, R"({"server_id":"N1"})", "", absl::StatusCode::kFailedPrecondition,
       "stream \"ORDERS\" not found (no streams)"},
      {200, Jsz(Account("$G", Stream("A", "") + "," + Stream("B", ""))), "",
       absl::StatusCode::kFailedPrecondition, "stream \"ORDERS\" not found (streams: A, B)"},
      {200, orders, "", absl::StatusCode::kFailedPrecondition,
       "consumer \"workers\" of stream \"ORDERS\" not found (consumers: audit)"},
      {200, orders, "TEAM", absl::StatusCode::kFailedPrecondition,
       "account \"TEAM\" has no JetStream streams here (accounts: $G)"},
      {200, Jsz(Account("$G", Stream("ORDERS", R"({"name":"workers","num_ack_pending":0})"))), "",
       absl::StatusCode::kFailedPrecondition, "the consumer has no num_pending"},
      {200,
       Jsz(Account("$G",
                   Stream("ORDERS", R"({"name":"workers","num_pending":-2,"num_ack_pending":0})"))),
       "", absl::StatusCode::kFailedPrecondition, "num_pending is not a count (got -2)"},
      {200,
       Jsz(Account(
           "$G", Stream("ORDERS", R"({"name":"workers","num_pending":1,"num_ack_pending":"1"})"))),
       "", absl::StatusCode::kFailedPrecondition, "num_ack_pending is not a count"},
      {200, R"({"account_details":{"name":"$G"}})", "", absl::StatusCode::kFailedPrecondition,
       "stream \"ORDERS\" not found (no streams)"},
  };
  for (const Case& c : cases) {
    NatsDemand spec = Spec();
    spec.account = c.account;
    absl::StatusOr<double> demand = ParseNatsJsz(c.status, c.body, spec);
    EXPECT_EQ(demand.status().code(), c.code) << c.status << " " << c.body;
    EXPECT_THAT(std::string(demand.status().message()), HasSubstr(c.message)) << c.body;
    EXPECT_THAT(std::string(demand.status().message()), HasSubstr("nats: ")) << c.body;
  }
}

TEST(ParseNatsJszTest, ANotFoundMessageListsAtMostTenNames) {
  std::string streams;
  for (int i = 0; i < 12; ++i) streams += (i ? "," : "") + Stream("S" + std::to_string(i), "");
  absl::StatusOr<double> demand = ParseNatsJsz(200, Jsz(Account("$G", streams)), Spec());
  EXPECT_THAT(std::string(demand.status().message()),
              HasSubstr("(streams: S0, S1, S2, S3, S4, S5, S6, S7, S8, S9 and 2 more)"));
}

TEST(NatsDemandSourceTest, CreateRefusesBadSettingsNamingTheField) {
  NatsDemand no_scheme = Spec();
  no_scheme.monitor_url = "127.0.0.1:8222";
  EXPECT_THAT(std::string(NatsDemandSource::Create(no_scheme, absl::Seconds(1)).status().message()),
              HasSubstr("demand.nats.monitorUrl"));
  NatsDemand no_consumer = Spec();
  no_consumer.consumer = "";
  EXPECT_THAT(
      std::string(NatsDemandSource::Create(no_consumer, absl::Seconds(1)).status().message()),
      HasSubstr("demand.nats.consumer"));
}

TEST(NatsDemandSourceTest, ReadsTheMonitoringEndpointUnderTheUrlsPath) {
  testing::AnswerServer server("/nats/jsz",
                               Jsz(Account("$G", Stream("ORDERS", Consumer("workers", 40, 0)))));
  NatsDemand spec = Spec();
  spec.monitor_url = server.url() + "/nats/";
  auto source = NatsDemandSource::Create(spec, absl::Seconds(5));
  ASSERT_TRUE(source.ok()) << source.status();
  absl::StatusOr<double> demand = (*source)->Read(absl::Now());
  ASSERT_TRUE(demand.ok()) << demand.status();
  EXPECT_EQ(*demand, 40);
}

TEST(NatsDemandSourceTest, AnAnswerLargerThanTheCapIsRefused) {
  testing::AnswerServer server("/jsz",
                               std::string(demand_internal::kMaxAnswerBytes + 1, ' ') + Jsz(""));
  NatsDemand spec = Spec();
  spec.monitor_url = server.url();
  auto source = NatsDemandSource::Create(spec, absl::Seconds(5));
  ASSERT_TRUE(source.ok());
  absl::StatusOr<double> demand = (*source)->Read(absl::Now());
  EXPECT_EQ(demand.status().code(), absl::StatusCode::kFailedPrecondition) << demand.status();
  EXPECT_THAT(std::string(demand.status().message()), HasSubstr("is larger than 4194304 bytes"));
}

TEST(NatsDemandSourceTest, UnreachableServerIsUnavailable) {
  NatsDemand spec = Spec();
  spec.monitor_url = "http://127.0.0.1:1";
  auto source = NatsDemandSource::Create(spec, absl::Seconds(1));
  ASSERT_TRUE(source.ok());
  absl::StatusOr<double> r = (*source)->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("nats: http://127.0.0.1:1 did not"));
}

}  // namespace
}  // namespace microscale
