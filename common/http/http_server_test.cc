#include "common/http/http_server.h"

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/clock.h"
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
    return HttpResponse{
        200, "text/plain", "hello " + (it == req.params.end() ? "" : it->second), {}, {}};
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

// Handlers see the request's headers (names in lower case) and the client's address, and
// may set response headers; a pattern route passes its groups.
TEST(HttpRoutesTest, HeadersPeerAndPatternRoutes) {
  HttpServer server(Options("127.0.0.1:0"));
  server.HandlePattern("POST", "/api/v1/apps/([a-z0-9-]+)/demand", [](const HttpRequest& req) {
    HttpResponse r;
    r.body = req.matches.at(0) + " " + req.Header("x-token") + " " + req.remote_ip;
    r.headers.push_back({"Content-Security-Policy", "default-src 'self'"});
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Post("/api/v1/apps/web-2/demand", {{"X-Token", "abc"}}, "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "web-2 abc 127.0.0.1");
  EXPECT_EQ(res->get_header_value("Content-Security-Policy"), "default-src 'self'");
  auto other = client.Post("/api/v1/apps/WEB/demand", "", "text/plain");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404) << "the pattern matches the whole path";
}

// A streamed response goes on past the request deadline, chunk by chunk, until its
// producer returns; Stop() ends a stream that would go on for ever.
TEST(HttpStreamTest, AStreamOutlivesTheRequestDeadline) {
  HttpServerOptions options = Options("127.0.0.1:0");
  options.request_deadline = absl::Milliseconds(300);
  HttpServer server(options);
  server.Handle("GET", "/stream", [](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/event-stream";
    r.stream = [](HttpStreamWriter& out) {
      for (int i = 0; i < 4; ++i) {
        if (!out.Write("data: " + std::to_string(i) + "\n\n")) return;
        absl::SleepFor(absl::Milliseconds(200));  // 0.8 s in all: past the deadline
      }
    };
    return r;
  });
  server.Handle("GET", "/forever", [](const HttpRequest&) {
    HttpResponse r;
    r.stream = [](HttpStreamWriter& out) {
      while (out.Write("x")) absl::SleepFor(absl::Milliseconds(20));
    };
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  std::string got;
  auto res = client.Get("/stream", [&](const char* data, size_t n) {
    got.append(data, n);
    return true;
  });
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_EQ(got, "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\n");

  std::atomic<size_t> forever_bytes{0};
  std::thread reader([&] {
    httplib::Client c("127.0.0.1", server.port());
    c.Get("/forever", [&](const char*, size_t n) {
      forever_bytes += n;
      return true;
    });
  });
  while (forever_bytes.load() < 3) absl::SleepFor(absl::Milliseconds(10));
  server.Stop();  // returns: the stream is cut
  reader.join();
  EXPECT_GE(forever_bytes.load(), 3u);
}

}  // namespace
}  // namespace microscale
