// The external source against a real gRPC server of the ExternalScaler service (in this
// process, on loopback): sums, IsActive, metadata, errors, slow answers, a scaler that stops
// and comes back, TLS.
#include "controller/demand/external_source.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/tls/tls_credentials.h"
#include "controller/demand/testing/test_external_scaler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::microscale::testing::TestExternalScaler;
using ::testing::HasSubstr;

std::unique_ptr<ExternalDemandSource> Source(const std::string& address,
                                             std::optional<ExternalTls> tls = std::nullopt,
                                             absl::Duration timeout = absl::Seconds(5)) {
  auto source = ExternalDemandSource::Create(
      "orders", ExternalDemand{address, {{"queue", "orders"}, {"region", "eu"}}, std::move(tls)},
      timeout);
  EXPECT_TRUE(source.ok()) << source.status();
  return source.ok() ? std::move(*source) : nullptr;
}

TEST(ExternalDemandSourceTest, SumsTheMetricsAndAsksForTheSpecOnce) {
  TestExternalScaler scaler;
  scaler.SetMetrics({{"pending", 7.5}, {"retries", 2}});
  auto source = Source(scaler.address());
  EXPECT_EQ(*source->Read(absl::Now()), 9.5);
  scaler.SetMetrics({{"pending", 12}, {"retries", 0}});
  EXPECT_EQ(*source->Read(absl::Now()), 12);
  scaler.SetMetrics({{"pending", 3}, {"retries", 1}}, /*as_integer=*/true);
  EXPECT_EQ(*source->Read(absl::Now()), 4);
  EXPECT_EQ(scaler.spec_calls(), 1);
  externalscaler::ScaledObjectRef ref = scaler.last_ref();
  EXPECT_EQ(ref.name(), "orders");
  EXPECT_EQ(ref.namespace_(), "microscale");
  EXPECT_EQ(ref.scalermetadata().at("queue"), "orders");
  EXPECT_EQ(ref.scalermetadata().at("region"), "eu");
}

TEST(ExternalDemandSourceTest, NotActiveIsADemandOfZero) {
  TestExternalScaler scaler;
  scaler.SetMetrics({{"pending", 40}});
  scaler.SetActive(false);
  auto source = Source(scaler.address());
  EXPECT_EQ(*source->Read(absl::Now()), 0);
  scaler.SetActive(true);
  EXPECT_EQ(*source->Read(absl::Now()), 40);
}

TEST(ExternalDemandSourceTest, ErrorsAndBadAnswersAreFailedReadsThatSayWhich) {
  TestExternalScaler scaler;
  scaler.SetMetrics({{"pending", 5}});
  auto source = Source(scaler.address());
  ASSERT_EQ(*source->Read(absl::Now()), 5);
  scaler.SetError(grpc::Status(grpc::StatusCode::NOT_FOUND, "queue orders does not exist"));
  absl::StatusOr<double> r = source->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("IsActive failed: NOT_FOUND: queue orders does not exist"));
  scaler.SetError(grpc::Status::OK);
  scaler.SetMetrics({{"pending", -3}});
  r = source->Read(absl::Now());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("\"pending\" the value -3"));

  TestExternalScaler empty;
  auto nothing = Source(empty.address());
  r = nothing->Read(absl::Now());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("GetMetricSpec named no metric"));
}

TEST(ExternalDemandSourceTest, ASlowScalerIsUnavailableAfterTheTimeout) {
  TestExternalScaler scaler;
  scaler.SetMetrics({{"pending", 5}});
  scaler.SetDelay(absl::Milliseconds(1500));
  auto source = Source(scaler.address(), std::nullopt, absl::Milliseconds(300));
  absl::StatusOr<double> r = source->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("did not answer within the timeout"));
}

TEST(ExternalDemandSourceTest, AStoppedScalerIsUnavailableAndIsReadAgainWhenBack) {
  auto scaler = std::make_unique<TestExternalScaler>();
  scaler->SetMetrics({{"pending", 6}});
  const int port = scaler->port();
  auto source = Source(scaler->address());
  ASSERT_EQ(*source->Read(absl::Now()), 6);
  scaler->Stop();
  absl::StatusOr<double> r = source->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("the scaler at 127.0.0.1:"));

  scaler = std::make_unique<TestExternalScaler>(port);  // back, with another metric
  ASSERT_TRUE(scaler->serving());
  scaler->SetMetrics({{"lag", 11}});
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {  // the channel reconnects with a backoff of at most a second
    r = source->Read(absl::Now());
  } while (!r.ok() && absl::Now() < deadline);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 11);  // the spec was asked again
  EXPECT_EQ(scaler->spec_calls(), 1);
}

TEST(ExternalDemandSourceTest, ACallTheScalerDropsIsUnavailable) {
  TestExternalScaler scaler;
  scaler.SetMetrics({{"pending", 5}});
  auto source = Source(scaler.address());
  ASSERT_EQ(*source->Read(absl::Now()), 5);
  // What a scaler shutting down gives the calls it still holds.
  scaler.SetError(grpc::Status(grpc::StatusCode::CANCELLED, "Cancelled"));
  absl::StatusOr<double> r = source->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("the scaler at 127.0.0.1:" + std::to_string(scaler.port()) +
                        " dropped the call (IsActive: Cancelled)"));
}

TEST(ExternalDemandSourceTest, TlsVerifiesTheScalerAgainstTheGivenCa) {
  char pattern[] = "/tmp/microscale-external-tls.XXXXXX";
  const std::string dir = mkdtemp(pattern);
  for (const char* ca : {"good", "other"}) {
    std::string command =
        absl::StrCat(MICROSCALE_SOURCE_DIR, "/scripts/make-test-ca ", dir, "/", ca, " 2>/dev/null");
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  auto server_credentials = MakeServerCredentials(
      TlsFiles{dir + "/good/controller.crt", dir + "/good/controller.key", dir + "/good/ca.crt"});
  ASSERT_TRUE(server_credentials.ok()) << server_credentials.status();
  TestExternalScaler scaler(0, *server_credentials);
  scaler.SetMetrics({{"pending", 8}});

  auto trusted = Source(scaler.address(), ExternalTls{dir + "/good/ca.crt", "", ""});
  absl::StatusOr<double> r = trusted->Read(absl::Now());
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r.value_or(-1), 8);

  auto wrong_ca =
      Source(scaler.address(), ExternalTls{dir + "/other/ca.crt", "", ""}, absl::Seconds(2));
  EXPECT_FALSE(wrong_ca->Read(absl::Now()).ok());
  auto plaintext = Source(scaler.address(), std::nullopt, absl::Seconds(2));
  EXPECT_FALSE(plaintext->Read(absl::Now()).ok());

  auto missing = ExternalDemandSource::Create(
      "orders", ExternalDemand{scaler.address(), {}, ExternalTls{dir + "/none.crt", "", ""}},
      absl::Seconds(1));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("demand.external.tls"));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

TEST(ExternalDemandSourceTest, CreateRefusesABadAddressNamingTheField) {
  auto r = ExternalDemandSource::Create("a", ExternalDemand{"no-port", {}, std::nullopt},
                                        absl::Seconds(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("demand.external.address"));
}

}  // namespace
}  // namespace microscale
