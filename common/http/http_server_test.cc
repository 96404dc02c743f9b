#include "common/http/http_server.h"

#include <httplib.h>

#include <memory>

#include "absl/status/status.h"
#include "common/http/host_port.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

TEST(ParseHostPort, SplitsHostAndPort) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:7402")->host, "127.0.0.1");
  EXPECT_EQ(ParseHostPort("127.0.0.1:7402")->port, 7402);
  EXPECT_EQ(ParseHostPort(":7401")->host, "0.0.0.0");
  EXPECT_EQ(ParseHostPort("[::1]:80")->host, "::1");
  EXPECT_EQ(ParseHostPort("localhost:0")->port, 0);
}

TEST(ParseHostPort, RefusesWhatIsNotHostPort) {
  for (const char* bad :
       {"", "localhost", "host:", "host:http", "host:70000", "host:-1", "::1:80", "host:+80"}) {
    EXPECT_EQ(ParseHostPort(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseHostPort("h").status().message(), "\"h\" is not host:port (missing port)");
}

HttpServerOptions Options(const std::string& address) {
  HttpServerOptions options;
  options.address = address;
  return options;
}

class HttpServerTest : public ::testing::Test {
 protected:
  httplib::Result Get(const HttpServer& server, const std::string& path) {
    httplib::Client client("127.0.0.1", server.port());
    return client.Get(path);
  }
};

TEST_F(HttpServerTest, ServesMetricsHealthAndExtraHandlers) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("microscale_test_requests_total")
      .Help("Requests seen by the test.")
      .Register(*registry)
      .Add({{"kind", "a"}})
      .Increment(3);
  HttpServerOptions options = Options("127.0.0.1:0");
  options.registry = registry;
  HttpServer server(options);
  server.Handle("GET", "/hello", [](const HttpRequest& req) {
    auto it = req.params.find("name");
    return HttpResponse{200, "text/plain", "hello " + (it == req.params.end() ? "" : it->second)};
  });
  ASSERT_TRUE(server.Start().ok());
  ASSERT_GT(server.port(), 0);

  auto metrics = Get(server, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->body, HasSubstr("microscale_test_requests_total{kind=\"a\"} 3"));
  EXPECT_THAT(metrics->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));

  auto health = Get(server, "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  auto hello = Get(server, "/hello?name=ada");
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->body, "hello ada");

  auto missing = Get(server, "/readyz");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpServerTest, ReadyzFollowsTheCallback) {
  std::atomic<bool> ready{false};
  HttpServerOptions options = Options("127.0.0.1:0");
  options.readiness = [&ready] {
    return ready ? absl::OkStatus() : absl::UnavailableError("waiting for agents");
  };
  HttpServer server(options);
  ASSERT_TRUE(server.Start().ok());
  auto before = Get(server, "/readyz");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 503);
  EXPECT_EQ(before->body, "waiting for agents\n");
  ready = true;
  auto after = Get(server, "/readyz");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(HttpServerTest, StopClosesThePortAndIsIdempotent) {
  HttpServer server(Options("127.0.0.1:0"));
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(server.Start().code(), absl::StatusCode::kFailedPrecondition);
  server.Stop();
  server.Stop();
  EXPECT_FALSE(Get(server, "/healthz"));
}

TEST_F(HttpServerTest, ReportsAnAddressInUseAndABadAddress) {
  HttpServer first(Options("127.0.0.1:0"));
  ASSERT_TRUE(first.Start().ok());
  HttpServer second(Options("127.0.0.1:" + std::to_string(first.port())));
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kUnavailable);
  HttpServer bad(Options("nowhere"));
  EXPECT_EQ(bad.Start().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace microscale
