// End to end, service discovery on the real dockerd: an app with spec.ports runs busybox
// httpd in each container, the agents publish it on 127.0.0.1, and the controller lists the
// ready endpoints at /sd/v1/endpoints in Prometheus's http_sd_config format. The list
// follows `demand set` up and down, every listed target answers HTTP, `microscalectl get
// endpoints` agrees with it, and a container is never listed once it has stopped (it
// leaves the list before its stop is sent). A real Prometheus (Debian's `prometheus`) finds
// the containers through that list alone and scrapes each one's /metrics.
//
// One cluster is shared by the suite: a controller on a known HTTP port and two agents that
// publish on 127.0.0.1 only, each from a port range of its own (two agents share this host;
// on separate hosts both would use the default range). Each test has its own app.
#include <httplib.h>

#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/child_process.h"
#include "tests/e2e/e2e_cluster.h"
#include "tests/e2e/real_servers.h"
#include "tests/integration/docker/docker_test_env.h"

namespace microscale::testing {
namespace {

constexpr int kPortsPerAgent = 8;
constexpr absl::Duration kScaleDeadline = absl::Seconds(120);

// An app of up to 3 containers, each serving on port 8080 an index page and a
// Prometheus text file at /metrics. Busybox httpd sends no Content-Type for a file name
// without a suffix, and Prometheus 2.x reads such a body as its text format.
std::string WebApp(const std::string& name) {
  return absl::StrCat("apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: ", name,
                      R"yaml(
spec:
  priority: 2
  image: microscale/demo:latest
  ports: [{name: http, containerPort: 8080}]
  command:
    - /bin/sh
    - -c
    - |
      trap 'exit 0' TERM INT
      mkdir -p /tmp/www
      echo "web: container $(hostname)" >/tmp/www/index.html
      printf '# TYPE web_demo_info gauge\nweb_demo_info 1\n' >/tmp/www/metrics
      httpd -f -p 8080 -h /tmp/www &
      wait $!
  stopTimeoutSeconds: 1
  resources: {cpu: 100m, memory: 16Mi}
  replicas: {min: 0, max: 3}
  demand:
    source: static
    value: 0
)yaml");
}

// One target group of the http_sd list: its single address and its labels.
struct Target {
  std::string address;
  std::map<std::string, std::string> labels;
  std::string label(const std::string& key) const {
    auto it = labels.find(key);
    return it == labels.end() ? "" : it->second;
  }
  std::string instance() const { return label("instance"); }
};

// GET /sd/v1/endpoints`query` from the controller; nullopt unless it answers 200 with a
// JSON array of groups that each hold one target. `why` says what went wrong.
std::optional<std::vector<Target>> SdTargets(int http_port, const std::string& query,
                                             std::string* why = nullptr) {
  std::string ignored;
  if (why == nullptr) why = &ignored;
  httplib::Client client("127.0.0.1", http_port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  httplib::Result r = client.Get("/sd/v1/endpoints" + query);
  if (!r || r->status != 200) {
    *why = r ? absl::StrCat("status ", r->status, ": ", r->body) : httplib::to_string(r.error());
    return std::nullopt;
  }
  nlohmann::json groups = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (!groups.is_array()) {
    *why = "not a JSON array: " + r->body;
    return std::nullopt;
  }
  std::vector<Target> targets;
  for (const nlohmann::json& group : groups) {
    if (!group.is_object() || !group["targets"].is_array() || group["targets"].size() != 1 ||
        !group["targets"][0].is_string() || !group["labels"].is_object()) {
      *why = "a target group is not one target with labels: " + r->body;
      return std::nullopt;
    }
    Target target{group["targets"][0].get<std::string>(), {}};
    for (const auto& [key, value] : group["labels"].items()) {
      target.labels[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    targets.push_back(std::move(target));
  }
  return targets;
}

// instance -> address of `targets`.
std::map<std::string, std::string> ByInstance(const std::vector<Target>& targets) {
  std::map<std::string, std::string> out;
  for (const Target& t : targets) out[t.instance()] = t.address;
  return out;
}

// The port of a "127.0.0.1:PORT" address; 0 for any other host.
int LoopbackPort(const std::string& address) {
  constexpr std::string_view kHost = "127.0.0.1:";
  int port = 0;
  if (!address.starts_with(kHost) || !absl::SimpleAtoi(address.substr(kHost.size()), &port)) {
    return 0;
  }
  return port;
}

// GETs http://`address``path` until it answers 200 (the container may still be opening
// its port); the body, or the failure.
absl::StatusOr<std::string> GetFromTarget(const std::string& address, const std::string& path) {
  const int port = LoopbackPort(address);
  if (port == 0) return absl::InvalidArgumentError(address + " is not on 127.0.0.1");
  return HttpGetWhenUp(port, path);
}

// The single value of a one-sample result; -1 otherwise.
double OneValue(const nlohmann::json& result) {
  if (!result.is_array() || result.size() != 1) return -1;
  return std::stod(result[0]["value"][1].get<std::string>());
}

// The values of `label` over the samples of a query result.
std::set<std::string> LabelValues(const nlohmann::json& result, const std::string& label) {
  std::set<std::string> out;
  if (!result.is_array()) return out;
  for (const nlohmann::json& sample : result) out.insert(sample["metric"].value(label, ""));
  return out;
}

class EndpointsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    http_port_ = FreePort();
    E2eOptions options;
    options.controller_http_port = http_port_;
    options.agent_flags = {"--publish-address", "127.0.0.1"};
    const int first = FreeLoopbackPorts(options.agents * kPortsPerAgent);
    for (int i = 0; i < options.agents; ++i) {
      const int lo = first + i * kPortsPerAgent;
      options.agent_launch[i].flags = {"--port-range",
                                       absl::StrCat(lo, "-", lo + kPortsPerAgent - 1)};
    }
    cluster_ = new E2eCluster("endpoints", options);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void TearDown() override {
    for (const std::string& app : apps_) c().Cli({"delete", "app", app});
    for (const std::string& app : apps_) {
      c().WaitFor([&] { return c().DockerRunning(app) == 0; }, "containers of " + app + " gone");
    }
  }

  E2eCluster& c() { return *cluster_; }

  // Applies WebApp(), or `manifest(name)` when given; the app's name.
  std::string Apply(const std::string& base,
                    const std::function<std::string(const std::string&)>& manifest = WebApp) {
    std::string name = c().App(base);
    apps_.push_back(name);
    CommandResult r = c().Cli({"apply", "-f", "-"}, manifest(name));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return name;
  }
  void SetDemand(const std::string& app, int value) {
    CommandResult r = c().Cli({"demand", "set", app, std::to_string(value)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Polls the list of `app` until it holds `n` targets; the last list read.
  std::vector<Target> WaitTargets(const std::string& app, size_t n) {
    std::vector<Target> targets;
    std::string why;
    const bool listed = c().WaitFor(
        [&] {
          why.clear();
          std::optional<std::vector<Target>> read = SdTargets(http_port_, "?app=" + app, &why);
          if (read) targets = *read;
          return read && targets.size() == n;
        },
        absl::StrCat("/sd/v1/endpoints?app=", app, " lists ", n, " targets"), kScaleDeadline);
    if (!listed) ADD_FAILURE() << "the last list read held " << targets.size() << " " << why;
    return targets;
  }
  // Instances of `app` whose Docker container runs.
  std::set<std::string> DockerRunningInstances(const std::string& app) {
    std::set<std::string> out;
    for (const auto& container : c().DockerContainers()) {
      auto label = [&container](const char* key) {
        auto it = container.labels.find(key);
        return it == container.labels.end() ? std::string() : it->second;
      };
      if (label("io.microscale.app") == app && container.state == "running") {
        out.insert(label("io.microscale.instance"));
      }
    }
    return out;
  }
  // instance -> address of the ready endpoints `microscalectl get endpoints APP -o json`
  // lists, each checked against the shape the CLI promises; empty on failure.
  std::map<std::string, std::string> CliReadyEndpoints(const std::string& app) {
    std::map<std::string, std::string> out;
    nlohmann::json list = c().Json({"get", "endpoints", app});
    if (!list.is_object() || list["kind"] != "EndpointList" || !list["items"].is_array()) {
      return out;
    }
    for (const nlohmann::json& item : list["items"]) {
      EXPECT_EQ(item["app"], app) << item;
      EXPECT_EQ(item["portName"], "http") << item;
      EXPECT_EQ(item["containerPort"], 8080) << item;
      if (item["ready"] == true) out[item.value("instance", "")] = item.value("address", "");
    }
    return out;
  }

  static int http_port_;
  static E2eCluster* cluster_;
  std::vector<std::string> apps_;
};

int EndpointsE2eTest::http_port_ = 0;
E2eCluster* EndpointsE2eTest::cluster_ = nullptr;

TEST_F(EndpointsE2eTest, ListsEveryReadyContainerAndNeverOneThatStopped) {
  const std::string app = Apply("web");
  // Another app runs a container that publishes no port: it has no endpoint.
  const std::string other =
      Apply("other", [](const std::string& name) { return StaticApp(name, 3, 0, 1, 1); });
  WaitTargets(app, 0);

  SetDemand(app, 3);
  const std::vector<Target> three = WaitTargets(app, 3);
  ASSERT_EQ(three.size(), 3u);
  const std::map<std::string, std::string> at_three = ByInstance(three);
  std::set<std::string> addresses;
  for (const Target& t : three) {
    addresses.insert(t.address);
    EXPECT_NE(LoopbackPort(t.address), 0) << "published beyond 127.0.0.1: " << t.address;
    EXPECT_EQ(t.label("app"), app);
    EXPECT_EQ(t.label("port_name"), "http");
    EXPECT_EQ(t.label("priority"), "2");
    EXPECT_TRUE(t.label("node") == c().node(0) || t.label("node") == c().node(1))
        << t.label("node");
    absl::StatusOr<std::string> index = GetFromTarget(t.address, "/");
    ASSERT_TRUE(index.ok()) << t.instance() << ": " << index.status();
    EXPECT_NE(index->find("web: container"), std::string::npos) << *index;
    absl::StatusOr<std::string> metrics = GetFromTarget(t.address, "/metrics");
    ASSERT_TRUE(metrics.ok()) << t.instance() << ": " << metrics.status();
    EXPECT_NE(metrics->find("web_demo_info 1"), std::string::npos) << *metrics;
  }
  EXPECT_EQ(at_three.size(), 3u) << "instances are not distinct";
  EXPECT_EQ(addresses.size(), 3u) << "addresses are not distinct";
  EXPECT_EQ(DockerRunningInstances(app).size(), 3u);

  std::map<std::string, std::string> from_cli;
  c().WaitFor(
      [&] {
        from_cli = CliReadyEndpoints(app);
        return from_cli == at_three;
      },
      "microscalectl get endpoints " + app + " -o json lists the same 3 ready endpoints");
  EXPECT_EQ(from_cli, at_three);

  c().WaitFor([&] { return c().DockerRunning(other) == 1; }, other + " runs 1 container");
  std::optional<std::vector<Target>> of_other = SdTargets(http_port_, "?app=" + other);
  ASSERT_TRUE(of_other.has_value());
  EXPECT_TRUE(of_other->empty());
  std::optional<std::vector<Target>> all = SdTargets(http_port_, "");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(ByInstance(*all), at_three);

  // Scale down. Each poll first reads which containers Docker still runs, then the list: a
  // container seen stopped before a read must not be in that read.
  SetDemand(app, 1);
  std::set<std::string> stopped;
  std::set<std::string> listed_after_stop;
  std::vector<Target> one;
  std::string why;
  c().WaitFor(
      [&] {
        const std::set<std::string> running = DockerRunningInstances(app);
        for (const auto& [instance, address] : at_three) {
          if (!running.contains(instance)) stopped.insert(instance);
        }
        why.clear();
        std::optional<std::vector<Target>> read = SdTargets(http_port_, "?app=" + app, &why);
        if (!read) return false;
        one = *read;
        for (const Target& t : one) {
          for (const std::string& gone : stopped) {
            if (t.instance() == gone || t.address == at_three.at(gone)) {
              listed_after_stop.insert(absl::StrCat(t.instance(), " at ", t.address));
            }
          }
        }
        return stopped.size() == 2 && running.size() == 1 && one.size() == 1;
      },
      app + ": 2 containers stopped, 1 runs and is listed", kScaleDeadline);
  EXPECT_EQ(stopped.size(), 2u) << why;
  EXPECT_TRUE(listed_after_stop.empty())
      << "listed after their container stopped: " << absl::StrJoin(listed_after_stop, ", ");
  ASSERT_EQ(one.size(), 1u);
  const std::string kept = one[0].instance();
  ASSERT_TRUE(at_three.contains(kept)) << kept;
  EXPECT_FALSE(stopped.contains(kept));
  EXPECT_EQ(one[0].address, at_three.at(kept));
  absl::StatusOr<std::string> index = GetFromTarget(one[0].address, "/");
  EXPECT_TRUE(index.ok()) << index.status();

  const std::map<std::string, std::string> at_one = {{kept, one[0].address}};
  c().WaitFor(
      [&] {
        from_cli = CliReadyEndpoints(app);
        return from_cli == at_one;
      },
      "microscalectl get endpoints " + app + " -o json lists the one ready endpoint");
  EXPECT_EQ(from_cli, at_one);
}

TEST_F(EndpointsE2eTest, PrometheusDiscoversTheReadyContainersAndScrapesThem) {
  ASSERT_FALSE(FindProgram("prometheus").empty()) << "install the Debian package prometheus";
  const std::string app = Apply("scraped-web");
  PrometheusServer prometheus(PrometheusServer::HttpSd(
      "apps", absl::StrCat("http://127.0.0.1:", http_port_, "/sd/v1/endpoints?app=", app)));
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();

  const std::string up = "up{app=\"" + app + "\"}";
  const std::string up_ready = "count(" + up + " == 1)";
  const std::string up_all = "count(" + up + ")";
  const std::string scraped = "sum(web_demo_info{app=\"" + app + "\"})";
  for (int demand : {3, 1}) {
    SetDemand(app, demand);
    const std::vector<Target> ready = WaitTargets(app, static_cast<size_t>(demand));
    std::set<std::string> instances;
    for (const Target& t : ready) instances.insert(t.instance());
    c().WaitFor(
        [&] {
          return OneValue(prometheus.Query(up_ready)) == demand &&
                 OneValue(prometheus.Query(up_all)) == demand &&
                 LabelValues(prometheus.Query(up), "instance") == instances;
        },
        absl::StrCat(up_ready, " and ", up_all, " == ", demand, ", the listed instances"),
        kScaleDeadline);
    c().WaitFor([&] { return OneValue(prometheus.Query(scraped)) == demand; },
                absl::StrCat(scraped, " == ", demand));
  }
  if (HasFailure()) std::cerr << "---- prometheus ----\n" << prometheus.log();
}

// WebApp with a health check that passes only once /tmp/ready exists. Failures in the
// start period do not count, so the container waits unready instead of being replaced.
std::string CheckedWebApp(const std::string& name) {
  return WebApp(name) +
         "  healthCheck: {command: [/bin/test, -f, /tmp/ready], intervalSeconds: 1, "
         "timeoutSeconds: 1, retries: 1, startPeriodSeconds: 300}\n";
}

TEST_F(EndpointsE2eTest, AHealthCheckKeepsARunningContainerUnreadyUntilItPasses) {
  const std::string app = Apply("checked", CheckedWebApp);
  SetDemand(app, 1);
  auto status = [&] {
    nlohmann::json list = c().Json({"get", "app", app});
    return list.is_object() && list["items"].size() == 1 ? list["items"][0]["status"]
                                                         : nlohmann::json::object();
  };
  ASSERT_TRUE(c().WaitFor([&] { return status().value("running", 0) == 1; }, app + " runs 1",
                          kScaleDeadline));
  // The engine checks every second and the file is not there: over several checks the
  // container runs, is not ready, and is not served.
  for (int check = 0; check < 4; ++check) {
    nlohmann::json s = status();
    EXPECT_EQ(s.value("running", -1), 1) << s;
    EXPECT_EQ(s.value("ready", -1), 0) << s;
    EXPECT_TRUE(CliReadyEndpoints(app).empty());
    absl::SleepFor(absl::Seconds(1));  // the next check's result, not a wait for a condition
  }
  std::string id;
  for (const auto& container : c().DockerContainers()) {
    auto label = container.labels.find("io.microscale.app");
    if (label != container.labels.end() && label->second == app) id = container.id;
  }
  ASSERT_FALSE(id.empty());
  absl::StatusOr<int> touched = DockerTestEnv::Get().Exec(id, {"/bin/touch", "/tmp/ready"});
  ASSERT_TRUE(touched.ok()) << touched.status();
  ASSERT_EQ(*touched, 0);
  EXPECT_TRUE(
      c().WaitFor([&] { return status().value("ready", 0) == 1; }, app + " ready", kScaleDeadline));
  EXPECT_EQ(WaitTargets(app, 1).size(), 1u);
  EXPECT_EQ(CliReadyEndpoints(app).size(), 1u);
}

}  // namespace
}  // namespace microscale::testing
