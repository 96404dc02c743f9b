// The http-json source against a real HTTP server on loopback, served by the test.
#include <httplib.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "controller/demand/demand_poller.h"
#include "controller/demand/http_json_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/demand/test_servers.h"

namespace microscale {
namespace {

using ::microscale::testing::Eventually;
using ::testing::HasSubstr;

// A stats endpoint whose depth the test sets; it wants a bearer token, and can answer
// garbage or hang on request.
class StatsServer {
 public:
  StatsServer() {
    server_.Get("/stats", [this](const httplib::Request& request, httplib::Response& response) {
      if (request.get_header_value("Authorization") != "Bearer t0ken") {
        response.status = 401;
        return;
      }
      if (hang_.load()) release_.WaitForNotificationWithTimeout(absl::Seconds(30));
      std::string body = garbage_.load() ? "{oops"
                                         : R"({"queue":{"depth":)" + std::to_string(depth_.load()) +
                                               R"(,"enqueued":)" + enqueued_.load() + "}}";
      response.set_content(body, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~StatsServer() { Stop(); }

  void Stop() {
    if (!release_.HasBeenNotified()) release_.Notify();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  HttpJsonDemand Spec(const std::string& token = "t0ken") const {
    return {"http://127.0.0.1:" + std::to_string(port_) + "/stats",
            "/queue/depth",
            {{"Authorization", "Bearer " + token}},
            std::nullopt};
  }

  std::atomic<int> depth_{0};
  // The JSON text of the items-ever-enqueued counter.
  std::atomic<const char*> enqueued_{"0"};
  std::atomic<bool> garbage_{false};
  std::atomic<bool> hang_{false};
  absl::Notification release_;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(HttpJsonIntegrationTest, FollowsTheValueAtThePointer) {
  StatsServer server;
  auto source = HttpJsonDemandSource::Create(server.Spec(), absl::Seconds(2));
  ASSERT_TRUE(source.ok()) << source.status();
  server.depth_ = 7;
  EXPECT_EQ(*(*source)->Read(absl::Now()), 7);
  server.depth_ = 31;
  EXPECT_EQ(*(*source)->Read(absl::Now()), 31);
}

TEST(HttpJsonIntegrationTest, WrongTokenGarbageAndMissingPointerAreFailures) {
  StatsServer server;
  auto unauthorized = HttpJsonDemandSource::Create(server.Spec("wrong"), absl::Seconds(2));
  auto r = (*unauthorized)->Read(absl::Now());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("HTTP 401"));

  auto source = HttpJsonDemandSource::Create(server.Spec(), absl::Seconds(2));
  server.garbage_ = true;
  r = (*source)->Read(absl::Now());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("not JSON"));
  server.garbage_ = false;

  HttpJsonDemand missing = server.Spec();
  missing.pointer = "/queue/length";
  auto no_pointer = HttpJsonDemandSource::Create(missing, absl::Seconds(2));
  r = (*no_pointer)->Read(absl::Now());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("nothing at pointer"));
}

TEST(HttpJsonIntegrationTest, ReadsTheArrivalsCounterFromTheSameAnswer) {
  StatsServer server;
  HttpJsonDemand spec = server.Spec();
  spec.arrivals_pointer = "/queue/enqueued";
  auto source = HttpJsonDemandSource::Create(spec, absl::Seconds(2));
  ASSERT_TRUE(source.ok()) << source.status();
  server.depth_ = 4;
  server.enqueued_ = "1200";
  EXPECT_EQ(*(*source)->Read(absl::Now()), 4);
  EXPECT_EQ((*source)->ArrivalsTotal(), 1200);
  server.enqueued_ = "1234.5";
  EXPECT_EQ(*(*source)->Read(absl::Now()), 4);
  EXPECT_EQ((*source)->ArrivalsTotal(), 1234.5);

  // Without the pointer there is no counter, whatever the answer holds.
  auto plain = HttpJsonDemandSource::Create(server.Spec(), absl::Seconds(2));
  EXPECT_EQ(*(*plain)->Read(absl::Now()), 4);
  EXPECT_EQ((*plain)->ArrivalsTotal(), std::nullopt);
}

TEST(HttpJsonIntegrationTest, AnArrivalsCounterThatCannotBeReadFailsTheRead) {
  StatsServer server;
  HttpJsonDemand spec = server.Spec();
  spec.arrivals_pointer = "/queue/published";
  auto missing = HttpJsonDemandSource::Create(spec, absl::Seconds(2));
  auto r = (*missing)->Read(absl::Now());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("nothing at pointer \"/queue/published\" (arrivalsPointer)"));
  EXPECT_EQ((*missing)->ArrivalsTotal(), std::nullopt);

  spec.arrivals_pointer = "/queue/enqueued";
  auto source = HttpJsonDemandSource::Create(spec, absl::Seconds(2));
  for (const char* bad : {"-3", "\"12\"", "true"}) {
    server.enqueued_ = bad;
    r = (*source)->Read(absl::Now());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("/queue/enqueued")) << bad;
    EXPECT_EQ((*source)->ArrivalsTotal(), std::nullopt) << bad;
  }

  spec.arrivals_pointer = "queue";
  auto refused = HttpJsonDemandSource::Create(spec, absl::Seconds(2));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HttpJsonIntegrationTest, HangingServerFailsTheReadAndStoppedServerIsUnavailable) {
  StatsServer server;
  auto source = HttpJsonDemandSource::Create(server.Spec(), absl::Milliseconds(300));
  server.hang_ = true;
  auto r = (*source)->Read(absl::Now());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  server.Stop();
  r = (*source)->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

TEST(HttpJsonIntegrationTest, PollerFollowsTheEndpointUpAndDown) {
  StatsServer server;
  absl::Mutex mu;
  double last = -1;
  std::optional<double> last_arrivals;
  DemandPoller poller([&](const DemandObservation& o) {
    absl::MutexLock lock(&mu);
    if (o.value.ok()) last = *o.value;
    if (o.value.ok()) last_arrivals = o.arrivals_total;
  });
  AppSpec app;
  app.name = "worker";
  app.demand.source = DemandSourceKind::kHttpJson;
  app.demand.interval_seconds = 0.05;
  app.demand.http_json = server.Spec();
  app.demand.http_json.arrivals_pointer = "/queue/enqueued";
  app.demand.queue = QueueSpec{10, std::nullopt, std::nullopt};
  server.enqueued_ = "77";
  server.depth_ = 12;
  poller.UpdateApps({app});
  auto last_is = [&](double want) {
    return Eventually([&] {
      absl::MutexLock lock(&mu);
      return last == want;
    });
  };
  EXPECT_TRUE(last_is(12));
  {
    // The poller hands the counter on with the reading it came with.
    absl::MutexLock lock(&mu);
    EXPECT_EQ(last_arrivals, 77);
  }
  server.depth_ = 40;
  EXPECT_TRUE(last_is(40));
  server.depth_ = 3;
  EXPECT_TRUE(last_is(3));
  poller.Stop();
}

}  // namespace
}  // namespace microscale
