// The prometheus source against a real Prometheus (Debian package prometheus) that the
// test starts, scraping a tiny exporter the test serves and whose values it changes.
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "controller/demand/prometheus_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/demand/test_servers.h"

namespace microscale {
namespace {

using ::microscale::testing::ChildProcess;
using ::microscale::testing::Eventually;
using ::microscale::testing::ScratchDir;
using ::testing::HasSubstr;

// Serves /metrics with two gauges in the Prometheus text format.
class Exporter {
 public:
  Exporter() {
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content("# TYPE demo_queue_depth gauge\ndemo_queue_depth " +
                               std::to_string(depth_.load()) +
                               "\n# TYPE demo_workers gauge\ndemo_workers 2\n",
                           "text/plain; version=0.0.4");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Exporter() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::atomic<int> depth_{5};

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class PrometheusIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::HaveProgram("prometheus"))
        << "prometheus is missing: install the Debian package prometheus";
    std::string config = dir_.path() + "/prometheus.yml";
    std::ofstream(config) << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                          << "scrape_configs:\n"
                          << "  - job_name: demo\n"
                          << "    static_configs: [{targets: ['127.0.0.1:" << exporter_.port()
                          << "']}]\n";
    port_ = testing::FreeLoopbackPort();
    prometheus_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"prometheus", "--config.file=" + config,
                                 "--storage.tsdb.path=" + dir_.path() + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
        dir_.path() + "/prometheus.log");
  }

  std::unique_ptr<PrometheusDemandSource> Source(const std::string& query) {
    auto source = PrometheusDemandSource::Create({Url(), query}, absl::Seconds(2));
    EXPECT_TRUE(source.ok()) << source.status();
    return std::move(*source);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Waits until `query` reads `want` (Prometheus needs a scrape or two to see a change).
  bool Reads(PrometheusDemandSource& source, double want) {
    return Eventually([&] {
      absl::StatusOr<double> value = source.Read(absl::Now());
      return value.ok() && *value == want;
    });
  }

  ScratchDir dir_;
  Exporter exporter_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> prometheus_;
};

TEST_F(PrometheusIntegrationTest, FollowsAScrapedGaugeUpAndDownAndReportsBadQueries) {
  auto depth = Source("demo_queue_depth");
  ASSERT_TRUE(Reads(*depth, 5)) << "prometheus never answered 5; see " << dir_.path();
  exporter_.depth_ = 17;
  EXPECT_TRUE(Reads(*depth, 17));
  exporter_.depth_ = 2;
  EXPECT_TRUE(Reads(*depth, 2));

  EXPECT_EQ(*Source("scalar(demo_workers) * 3")->Read(absl::Now()), 6);

  auto several = Source(R"({__name__=~"demo_.*"})")->Read(absl::Now());
  EXPECT_THAT(std::string(several.status().message()), HasSubstr("2 series"));
  auto empty = Source("no_such_metric")->Read(absl::Now());
  EXPECT_THAT(std::string(empty.status().message()), HasSubstr("empty result"));
  auto nan = Source("demo_workers - demo_workers + (0/0)")->Read(absl::Now());
  EXPECT_THAT(std::string(nan.status().message()), HasSubstr("NaN"));
  auto bad = Source("sum(")->Read(absl::Now());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("HTTP 400"));

  prometheus_->Stop();
  auto down = depth->Read(absl::Now());
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();
}

}  // namespace
}  // namespace microscale
