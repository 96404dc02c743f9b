// End to end, Microscale as a Prometheus target: a real Prometheus (Debian's
// `prometheus`) scrapes the HTTP /metrics of a real controller and two real agents on
// dockerd. All three are `up`, and the controller's per-app gauges and the agents'
// container gauges, read back through Prometheus's own query API, follow `demand set`.
//
// Prometheus needs fixed target addresses before it starts, so this test runs its own
// controller and agents with --http-addr on free loopback ports (E2eCluster binds port 0).
#include <limits.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>

#include "gtest/gtest.h"
#include "tests/e2e/child_process.h"
#include "tests/e2e/e2e_cluster.h"
#include "tests/e2e/real_servers.h"
#include "tests/integration/docker/docker_test_env.h"

namespace microscale::testing {
namespace {

// The build directory: this test binary lives in <build>/tests/e2e.
std::string BuildDir() {
  char self[PATH_MAX] = {};
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return ".";
  return std::filesystem::path(std::string(self, static_cast<size_t>(n)))
      .parent_path()
      .parent_path()
      .parent_path()
      .string();
}

std::string Loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

// A controller and two agents whose HTTP servers listen on known ports; killed, and their
// containers removed, on destruction.
class ScrapedCluster {
 public:
  ScrapedCluster() : bin_(BuildDir()), grpc_port_(FreePort()) {
    DockerTestEnv& env = DockerTestEnv::Get();
    absl::Status prepared = env.Prepare();
    EXPECT_TRUE(prepared.ok()) << prepared;
    env.SweepAtExit();
    cluster_ = env.Cluster("scrape");
    controller_http_ = FreePort();
    controller_ = ChildProcess(
        bin_ + "/controller/microscale-controller",
        {"--grpc-addr", Loopback(grpc_port_), "--http-addr", Loopback(controller_http_),
         "--data-dir", dir_.path() + "/data", "--cluster-name", cluster_, "--startup-grace", "2s"},
        dir_.path() + "/controller.log");
    for (int i = 0; i < 2; ++i) {
      agent_http_.push_back(FreePort());
      agents_.push_back(ChildProcess(
          bin_ + "/node-agent/agent/microscale-agent",
          {"--controller", Loopback(grpc_port_), "--node-name", "node-" + std::to_string(i + 1),
           "--cluster-name", cluster_, "--http-addr", Loopback(agent_http_.back()), "--cpu", "1",
           "--memory", "1Gi", "--heartbeat-interval", "1s"},
          dir_.path() + "/agent-" + std::to_string(i + 1) + ".log"));
    }
  }
  ~ScrapedCluster() {
    for (ChildProcess& agent : agents_) agent.Kill();
    controller_.Kill();
    DockerTestEnv::Get().Sweep();
    if (::testing::Test::HasFailure()) std::cerr << Logs();
  }

  // Every /metrics endpoint, as a Prometheus target.
  std::vector<std::string> Targets() const {
    std::vector<std::string> targets = {Loopback(controller_http_)};
    for (int port : agent_http_) targets.push_back(Loopback(port));
    return targets;
  }

  CommandResult Cli(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--controller", Loopback(grpc_port_)});
    return RunCommand(bin_ + "/cli/microscalectl", args, input);
  }

  std::string Logs() const {
    std::string out = "== controller\n" + controller_.Log();
    for (size_t i = 0; i < agents_.size(); ++i) {
      out += "== agent " + std::to_string(i + 1) + "\n" + agents_[i].Log();
    }
    return out;
  }

  const std::string& cluster() const { return cluster_; }

 private:
  TempDir dir_;
  std::string bin_;
  std::string cluster_;
  int grpc_port_;
  int controller_http_ = 0;
  std::vector<int> agent_http_;
  ChildProcess controller_;
  std::vector<ChildProcess> agents_;
};

// The value of every sample in a query result, keyed by `label`.
std::map<std::string, double> ByLabel(const nlohmann::json& result, const std::string& label) {
  std::map<std::string, double> out;
  if (!result.is_array()) return out;
  for (const nlohmann::json& sample : result) {
    std::string key = sample["metric"].value(label, "");
    out[key] = std::stod(sample["value"][1].get<std::string>());
  }
  return out;
}

// The single value of a one-sample result; -1 otherwise.
double OneValue(const nlohmann::json& result) {
  if (!result.is_array() || result.size() != 1) return -1;
  return std::stod(result[0]["value"][1].get<std::string>());
}

bool Poll(const std::function<bool()>& check, const std::string& what, int seconds = 60) {
  if (PollUntil(check, seconds)) return true;
  ADD_FAILURE() << "timed out after " << seconds << " s waiting for: " << what;
  return false;
}

TEST(PrometheusScrapeE2eTest, PrometheusScrapesControllerAndAgentsAndSeesTheRunningCount) {
  ASSERT_FALSE(FindProgram("prometheus").empty()) << "install the Debian package prometheus";
  ScrapedCluster cluster;
  PrometheusServer prometheus("microscale", cluster.Targets());
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();

  // up == 1 for the controller and both agents, by instance.
  std::map<std::string, double> all_up;
  for (const std::string& target : cluster.Targets()) all_up[target] = 1;
  std::map<std::string, double> up;
  Poll(
      [&] {
        up = ByLabel(prometheus.Query("up{job=\"microscale\"}"), "instance");
        return up == all_up;
      },
      "up == 1 for the controller and both agents");
  EXPECT_EQ(up, all_up);
  Poll([&] { return OneValue(prometheus.Query("microscale_nodes{state=\"Ready\"}")) == 2; },
       "the controller's microscale_nodes{state=\"Ready\"} == 2");
  Poll(
      [&] { return OneValue(prometheus.Query("sum(microscale_agent_controller_connected)")) == 2; },
      "both agents report microscale_agent_controller_connected 1");

  const std::string app = DockerTestEnv::Get().App("scraped");
  CommandResult applied = cluster.Cli({"apply", "-f", "-"}, StaticApp(app, 3, 0, 6, 0));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  const std::string running = "microscale_app_running_containers{app=\"" + app + "\"}";
  const std::string agents_running =
      "sum(microscale_agent_containers{app=\"" + app + "\",state=\"running\"})";
  for (int demand : {2, 5, 1}) {
    CommandResult set = cluster.Cli({"demand", "set", app, std::to_string(demand)});
    ASSERT_EQ(set.exit_code, 0) << set.err;
    Poll([&] { return OneValue(prometheus.Query(running)) == demand; },
         running + " == " + std::to_string(demand));
    Poll([&] { return OneValue(prometheus.Query(agents_running)) == demand; },
         agents_running + " == " + std::to_string(demand));
  }
  nlohmann::json series = prometheus.Query(running);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0]["metric"]["priority"], "3") << series;
  EXPECT_EQ(OneValue(prometheus.Query("microscale_app_demand{app=\"" + app + "\"}")), 1);
  EXPECT_EQ(OneValue(prometheus.Query("microscale_app_desired_containers{app=\"" + app + "\"}")),
            1);
  EXPECT_EQ(cluster.Cli({"delete", "app", app}).exit_code, 0);
}

}  // namespace
}  // namespace microscale::testing
