// The whole controller in-process (SQLite store in a temp dir, FakeClock, loopback gRPC)
// driven through its ControlPlane API, with FakeAgents that dial AgentGateway.Connect and
// obey its commands. Every wait polls a condition with a generous deadline.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "controller/server/controller.h"
#include "controller/server/testing/fake_agent.h"
#include "controller/server/testing/test_controller.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "microscale/v1/control_plane.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace microscale {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

class ControllerLoopTest : public ::testing::Test {
 protected:
  void SetUp() override { StartController(); }

  void StartController(TestControllerOptions options = {}) {
    absl::StatusOr<std::unique_ptr<Controller>> started =
        StartTestController(dir_.path(), clock_, options);
    ASSERT_TRUE(started.ok()) << started.status();
    controller_ = *std::move(started);
    target_ = absl::StrCat("127.0.0.1:", controller_->grpc_port());
    api_ =
        v1::ControlPlane::NewStub(grpc::CreateChannel(target_, grpc::InsecureChannelCredentials()));
  }

  void StopController() {
    api_.reset();
    controller_.reset();
  }

  FakeAgent& AddAgent(const std::string& node, int max_containers = 0, int ports = 0) {
    FakeAgentOptions options;
    options.node = node;
    options.max_containers = max_containers;
    options.ports = ports;
    agents_.push_back(std::make_unique<FakeAgent>(options));
    absl::Status connected = agents_.back()->Connect(target_);
    EXPECT_TRUE(connected.ok()) << connected;
    return *agents_.back();
  }

  grpc::Status Apply(const std::vector<v1::AppSpec>& apps) {
    v1::ApplyAppsRequest request;
    for (const v1::AppSpec& app : apps) *request.add_apps() = app;
    v1::ApplyAppsResponse response;
    grpc::ClientContext context;
    return api_->ApplyApps(&context, request, &response);
  }

  grpc::Status SetDemand(const std::string& app, double value) {
    v1::SetDemandRequest request;
    request.set_app(app);
    request.set_value(value);
    v1::SetDemandResponse response;
    grpc::ClientContext context;
    return api_->SetDemand(&context, request, &response);
  }

  grpc::Status Delete(const std::string& app) {
    v1::DeleteAppRequest request;
    request.set_name(app);
    v1::DeleteAppResponse response;
    grpc::ClientContext context;
    return api_->DeleteApp(&context, request, &response);
  }

  grpc::Status Cordon(const std::string& node, bool cordon, bool drain = false) {
    v1::CordonRequest request;
    request.set_node(node);
    request.set_cordon(cordon);
    request.set_drain(drain);
    v1::CordonResponse response;
    grpc::ClientContext context;
    return api_->Cordon(&context, request, &response);
  }

  grpc::Status Describe(const std::string& app, v1::DescribeAppResponse* response) {
    v1::DescribeAppRequest request;
    request.set_name(app);
    grpc::ClientContext context;
    return api_->DescribeApp(&context, request, response);
  }

  // The app as GetApps shows it; an App without a name when the call fails.
  v1::App GetApp(const std::string& name) {
    v1::GetAppsRequest request;
    request.set_name(name);
    v1::GetAppsResponse response;
    grpc::ClientContext context;
    if (!api_->GetApps(&context, request, &response).ok() || response.apps_size() != 1) return {};
    return response.apps(0);
  }

  std::map<std::string, v1::Node> GetNodes() {
    v1::GetNodesResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(api_->GetNodes(&context, v1::GetNodesRequest(), &response).ok());
    std::map<std::string, v1::Node> out;
    for (const v1::Node& n : response.nodes()) out[n.name()] = n;
    return out;
  }

  std::vector<v1::Event> Events() {
    v1::WatchEventsRequest request;
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::Event>> reader = api_->WatchEvents(&context, request);
    std::vector<v1::Event> out;
    v1::Event event;
    while (reader->Read(&event)) out.push_back(event);
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  }

  bool HasEvent(const std::string& kind, const std::string& object, const std::string& text) {
    for (const v1::Event& e : Events()) {
      if (e.kind() == kind && e.object() == object && e.message().find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  // Running containers of `app` summed over every agent.
  int Running(const std::string& app) {
    int n = 0;
    for (const auto& agent : agents_) n += agent->Running(app);
    return n;
  }

  int Held(const std::string& app) {
    int n = 0;
    for (const auto& agent : agents_) {
      for (const auto& [instance, c] : agent->Containers()) n += c.app() == app ? 1 : 0;
    }
    return n;
  }

  std::vector<std::string> AllStarts() {
    std::vector<std::string> out;
    for (const auto& agent : agents_) {
      std::vector<std::string> starts = agent->Starts();
      out.insert(out.end(), starts.begin(), starts.end());
    }
    return out;
  }

  // The app's containers on the agents and its status both show `n` running.
  bool Converged(const std::string& app, int n) {
    if (Running(app) != n || Held(app) != n) return false;
    v1::App shown = GetApp(app);
    return shown.status().running() == n && shown.status().allocated() == n &&
           shown.status().desired() == n;
  }

  std::string MetricsText() {
    httplib::Client http("127.0.0.1", controller_->http_port());
    httplib::Result result = http.Get("/metrics");
    return result && result->status == 200 ? result->body : "";
  }

  // The value of an unlabelled series in the controller's /metrics, -1 if absent.
  int MetricValue(const std::string& series) {
    const std::string text = MetricsText();
    const std::string name = "\n" + series + " ";  // the sample, not its # HELP line
    const size_t at = text.find(name);
    if (at == std::string::npos) return -1;
    const size_t end = text.find('\n', at + name.size());
    double value = -1;
    if (!absl::SimpleAtod(text.substr(at + name.size(), end - at - name.size()), &value)) {
      return -1;
    }
    return static_cast<int>(value);
  }

  // Reconcile passes finished so far, from the controller's own histogram.
  int FinishedPasses() { return MetricValue("microscale_reconcile_duration_seconds_count"); }

  // Waits until the pass running now, if any, has finished and its writes are done: a
  // command the agents have received counts as sent only once its node writer has
  // finished writing it (MarkWritten), so a test that moves the fake clock past a
  // command's deadline waits for this first, or the stamp lands after the jump. Passes run
  // one at a time, so one more finished pass is that one, or a later one if it had already
  // finished (with a command pending, a pass runs every resync).
  void WaitForThePassUnderWay() {
    const int before = FinishedPasses();
    ASSERT_GE(before, 0) << "no reconcile histogram in /metrics";
    ASSERT_TRUE(WaitUntil([&] { return FinishedPasses() > before; }));
    ASSERT_TRUE(WaitUntil([&] { return MetricValue("microscale_node_writes_queued") == 0; }));
  }

  // Applies app "web" (demand 1) with `agent` losing the first command: its start.
  // `instance` is the instance it was for.
  void LoseTheStartOfOneWeb(FakeAgent& agent, std::string* instance) {
    agent.LoseNextCommands(1);
    ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
    ASSERT_TRUE(SetDemand("web", 1).ok());
    ASSERT_TRUE(WaitUntil([&] { return agent.Lost().size() == 1; }));
    *instance = agent.Lost().front();
  }

  // Moves the fake clock past the lost start's first 10 s deadline: the start goes again,
  // for the same instance and only once, and "web" gets its container.
  void ExpectTheStartSentAgainAfterItsDeadline(FakeAgent& agent, const std::string& instance) {
    WaitForThePassUnderWay();
    clock_.Advance(absl::Seconds(11));
    ASSERT_TRUE(WaitUntil([&] { return Converged("web", 1); }));
    EXPECT_EQ(agent.Starts(), std::vector<std::string>{instance});
  }

  int ReadyzStatus() {
    httplib::Client http("127.0.0.1", controller_->http_port());
    httplib::Result result = http.Get("/readyz");
    return result ? result->status : -1;
  }

  // The instances named by the last Sync the agent received.
  static std::vector<std::string> LastSync(const FakeAgent& agent) {
    std::vector<v1::Sync> syncs = agent.Syncs();
    std::vector<std::string> out;
    if (syncs.empty()) return out;
    for (const v1::Container& c : syncs.back().containers()) out.push_back(c.instance());
    return out;
  }

  // The fake clock stands still unless a test moves it. A lower count waits for the
  // scale-down window, which holds every recommendation made at the same instant, so a
  // test moves the clock on a little before it lowers demand.
  grpc::Status LowerDemand(const std::string& app, double value) {
    clock_.Advance(absl::Seconds(1));
    return SetDemand(app, value);
  }

  static bool HasNoRepeats(const std::vector<std::string>& v) {
    return std::set<std::string>(v.begin(), v.end()).size() == v.size();
  }

  // Declared first so they are destroyed last: agents disconnect before the controller stops.
  FakeClock clock_;
  TempDataDir dir_;
  std::unique_ptr<Controller> controller_;
  std::string target_;
  std::unique_ptr<v1::ControlPlane::Stub> api_;
  std::vector<std::unique_ptr<FakeAgent>> agents_;
};

TEST_F(ControllerLoopTest, AgentGetsASyncAndShowsAsAReadyNode) {
  FakeAgent& agent = AddAgent("n1");
  ASSERT_EQ(agent.Syncs().size(), 1u);
  EXPECT_EQ(agent.Syncs()[0].containers_size(), 0);
  std::map<std::string, v1::Node> nodes = GetNodes();
  ASSERT_TRUE(nodes.contains("n1"));
  EXPECT_EQ(nodes["n1"].state(), "Ready");
  EXPECT_EQ(nodes["n1"].runtime(), "fake");
  EXPECT_EQ(nodes["n1"].capacity().cpu_millis(), 8000);
}

TEST_F(ControllerLoopTest, DemandScalesContainersUpAndDownAcrossAgents) {
  FakeAgent& n1 = AddAgent("n1");
  FakeAgent& n2 = AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 4).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); })) << Running("web");
  EXPECT_EQ(n1.Running("web"), 2) << "spread placement";
  EXPECT_EQ(n2.Running("web"), 2);

  ASSERT_TRUE(LowerDemand("web", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 1); })) << Running("web");
  std::vector<std::string> starts = AllStarts();
  EXPECT_EQ(starts.size(), 4u);
  EXPECT_TRUE(HasNoRepeats(starts));
  EXPECT_EQ(n1.Stops().size() + n2.Stops().size(), 3u);

  v1::App web = GetApp("web");
  EXPECT_EQ(web.status().demand(), 1);
  EXPECT_TRUE(HasEvent("DesiredChanged", "app/web", "desired 4 -> 1"));
  EXPECT_TRUE(HasEvent("Scaling", "app/web", "stopped"));
}

TEST_F(ControllerLoopTest, ReplicasMaxCapsTheCount) {
  AddAgent("n1");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 3)}).ok());
  ASSERT_TRUE(SetDemand("web", 50).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 3); })) << Running("web");
}

TEST_F(ControllerLoopTest, MinIsRunningWithoutAnyDemand) {
  AddAgent("n1");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 5, /*min=*/2)}).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); })) << Running("web");
}

TEST_F(ControllerLoopTest, HigherPriorityTakesSlotsAndGivesThemBack) {
  FakeAgent& node = AddAgent("n1", /*max_containers=*/4);
  ASSERT_TRUE(Apply({StaticApp("api", 1, 10), StaticApp("worker", 2, 10)}).ok());
  ASSERT_TRUE(SetDemand("worker", 10).ok());
  ASSERT_TRUE(WaitUntil([&] { return Running("worker") == 4; })) << Running("worker");
  EXPECT_EQ(GetApp("worker").status().desired(), 10);

  ASSERT_TRUE(SetDemand("api", 3).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("api", 3) && Running("worker") == 1; }))
      << "api " << Running("api") << " worker " << Running("worker");
  EXPECT_EQ(node.Containers().size(), 4u) << "never above the node's cap";
  EXPECT_TRUE(HasEvent("Scaling", "app/worker", "(preempted)"));
  v1::App worker = GetApp("worker");
  EXPECT_EQ(worker.status().allocated(), 1);
  bool short_of_capacity = false;
  for (const v1::Condition& c : worker.status().conditions()) {
    if (c.type() == "CapacityAvailable" && c.status() == "False") short_of_capacity = true;
  }
  EXPECT_TRUE(short_of_capacity);

  ASSERT_TRUE(LowerDemand("api", 0).ok());
  ASSERT_TRUE(WaitUntil([&] { return Running("api") == 0 && Running("worker") == 4; }))
      << "api " << Running("api") << " worker " << Running("worker");
  EXPECT_TRUE(HasNoRepeats(node.Starts()));
}

TEST_F(ControllerLoopTest, PortsAreSentCountedAndShownPerContainerAndNode) {
  AddAgent("n1", /*max_containers=*/0, /*ports=*/3);
  v1::AppSpec web = StaticApp("web", 1, 10);
  v1::PortSpec& http = *web.add_ports();
  http.set_name("http");
  http.set_container_port(8080);
  web.add_ports()->set_container_port(9100);
  ASSERT_TRUE(Apply({web}).ok());
  ASSERT_TRUE(SetDemand("web", 3).ok());
  // Two host ports a container, three on the node: one container, and the app says why.
  ASSERT_TRUE(
      WaitUntil([&] { return Running("web") == 1 && GetApp("web").status().allocated() == 1; }));
  bool short_of_capacity = false;
  const v1::App app = GetApp("web");
  for (const v1::Condition& c : app.status().conditions()) {
    if (c.type() == "CapacityAvailable" && c.status() == "False") short_of_capacity = true;
  }
  EXPECT_TRUE(short_of_capacity);
  const v1::Node node = GetNodes()["n1"];
  EXPECT_EQ(node.capacity().ports(), 3);
  EXPECT_EQ(node.allocated().ports(), 2);
  // The container carries what the agent published, as describe shows it.
  v1::DescribeAppResponse described;
  ASSERT_TRUE(Describe("web", &described).ok());
  ASSERT_EQ(described.containers_size(), 1);
  ASSERT_EQ(described.containers(0).ports_size(), 2);
  EXPECT_EQ(described.containers(0).ports(0).name(), "http");
  EXPECT_EQ(described.containers(0).ports(0).container_port(), 8080);
  EXPECT_EQ(described.containers(0).ports(0).host_port(), 30000);
  // A node with no port cap takes the rest.
  AddAgent("n2");
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 3); })) << Running("web");
}

// The ready endpoints of `app` now, by ListEndpoints (no watch): instance -> addresses.
std::set<std::string> ReadyInstances(const v1::EndpointList& list) {
  std::set<std::string> out;
  for (const v1::Endpoint& e : list.endpoints()) {
    if (e.ready()) out.insert(e.instance());
  }
  return out;
}

TEST_F(ControllerLoopTest, EndpointsFollowContainersAndAStoppedOneLeavesBeforeItsStopIsSent) {
  FakeAgent& n1 = AddAgent("n1");
  v1::AppSpec web = StaticApp("web", 1, 10);
  v1::PortSpec& http_port = *web.add_ports();
  http_port.set_name("http");
  http_port.set_container_port(8080);
  ASSERT_TRUE(Apply({web, StaticApp("worker", 2, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 3).ok());
  ASSERT_TRUE(SetDemand("worker", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 3) && Converged("worker", 1); }));

  auto list = [&](const std::string& app) {
    v1::ListEndpointsRequest request;
    request.set_app(app);
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::EndpointList>> reader =
        api_->ListEndpoints(&context, request);
    v1::EndpointList out, more;
    EXPECT_TRUE(reader->Read(&out));
    EXPECT_FALSE(reader->Read(&more)) << "one list without watch";
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  };
  v1::EndpointList all = list("");
  ASSERT_EQ(all.endpoints_size(), 3) << "web's three, none of the portless worker";
  EXPECT_EQ(ReadyInstances(all).size(), 3u);
  EXPECT_EQ(all.endpoints(0).port_name(), "http");
  EXPECT_EQ(all.endpoints(0).address(), "127.0.0.1:30000") << "the agent's connection's host";
  {
    v1::ListEndpointsRequest request;
    request.set_app("nope");
    grpc::ClientContext context;
    v1::EndpointList ignored;
    std::unique_ptr<grpc::ClientReader<v1::EndpointList>> reader =
        api_->ListEndpoints(&context, request);
    EXPECT_FALSE(reader->Read(&ignored));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  }

  // A watch follows the scale-down; a poller records what each list said and when it was
  // asked for.
  grpc::ClientContext watch_context;
  watch_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::ListEndpointsRequest watch_request;
  watch_request.set_app("web");
  watch_request.set_watch(true);
  std::unique_ptr<grpc::ClientReader<v1::EndpointList>> watch =
      api_->ListEndpoints(&watch_context, watch_request);
  v1::EndpointList watched;
  ASSERT_TRUE(watch->Read(&watched));
  EXPECT_EQ(ReadyInstances(watched).size(), 3u);
  std::atomic<bool> polling{true};
  absl::Mutex polls_mu;
  std::vector<std::pair<absl::Time, std::set<std::string>>> polls;
  std::thread poller([&] {
    while (polling) {
      const absl::Time asked = absl::Now();
      std::set<std::string> ready = ReadyInstances(list("web"));
      {
        absl::MutexLock lock(&polls_mu);
        polls.emplace_back(asked, std::move(ready));
      }
      absl::SleepFor(absl::Milliseconds(10));  // well inside the API's rate limit
    }
  });
  absl::Cleanup stop_polling = [&] {
    polling = false;
    if (poller.joinable()) poller.join();
  };
  // The two stops are lost on the way: the containers still run and the agent still
  // reports them, but with their stops sent they serve no traffic.
  n1.LoseNextCommands(2);
  ASSERT_TRUE(LowerDemand("web", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return n1.Lost().size() == 2; }));
  EXPECT_EQ(n1.Running("web"), 3);
  v1::EndpointList during = list("web");
  EXPECT_EQ(during.endpoints_size(), 3);
  EXPECT_EQ(ReadyInstances(during).size(), 1u);
  for (const std::string& lost : n1.Lost()) EXPECT_FALSE(ReadyInstances(during).contains(lost));
  WaitForThePassUnderWay();
  // Past the stops' deadline (10 s plus the app's stop timeout): they are sent again.
  clock_.Advance(absl::Seconds(21));
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 1); }));
  bool watch_saw_one = false;
  while (!watch_saw_one && watch->Read(&watched)) watch_saw_one = watched.endpoints_size() == 1;
  EXPECT_TRUE(watch_saw_one) << "the watch sends the list again when it changes";
  watch_context.TryCancel();
  watch->Finish().IgnoreError();
  ASSERT_EQ(n1.Stops().size(), 2u);
  absl::Time last_stop = absl::InfinitePast();
  for (const std::string& stopped : n1.Stops()) {
    last_stop = std::max(last_stop, n1.StopReceivedAt(stopped).value_or(absl::InfinitePast()));
  }
  ASSERT_TRUE(WaitUntil([&] {
    absl::MutexLock lock(&polls_mu);
    return !polls.empty() && polls.back().first > last_stop;
  }));
  std::move(stop_polling).Invoke();

  // Every list asked for after a stop reached the agent leaves that container out.
  int after_stops = 0;
  for (const std::string& stopped : n1.Stops()) {
    std::optional<absl::Time> stop = n1.StopReceivedAt(stopped);
    ASSERT_TRUE(stop.has_value());
    for (const auto& [asked, ready] : polls) {
      if (asked <= *stop) continue;
      ++after_stops;
      EXPECT_FALSE(ready.contains(stopped)) << stopped << " listed after its stop";
    }
  }
  EXPECT_GT(after_stops, 0);

  // Prometheus's http_sd format on the HTTP port.
  httplib::Client http("127.0.0.1", controller_->http_port());
  httplib::Result sd = http.Get("/sd/v1/endpoints?app=web");
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->status, 200);
  nlohmann::json groups = nlohmann::json::parse(sd->body);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0]["labels"]["app"], "web");
  EXPECT_EQ(groups[0]["labels"]["port_name"], "http");
  EXPECT_EQ(groups[0]["labels"]["priority"], "1");
  EXPECT_EQ(groups[0]["targets"].size(), 1u);
  sd = http.Get("/sd/v1/endpoints?app=worker");
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->body, "[]");
  sd = http.Get("/sd/v1/endpoints?app=nope");
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->status, 200) << "a deleted app's targets go, rather than Prometheus keeping them";
  EXPECT_EQ(sd->body, "[]");
}

TEST_F(ControllerLoopTest, AHealthCheckGatesReadinessAndAnUnhealthyContainerIsReplaced) {
  FakeAgent& n1 = AddAgent("n1");
  v1::AppSpec web = StaticApp("web", 1, 10);
  web.add_ports()->set_container_port(8080);
  v1::HealthCheck& check = *web.mutable_health_check();
  check.add_command("/bin/test");
  check.add_command("-f");
  check.add_command("/tmp/ready");
  check.set_interval_seconds(1);
  check.set_timeout_seconds(1);
  check.set_retries(2);
  ASSERT_TRUE(Apply({web}).ok());
  ASSERT_TRUE(SetDemand("web", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return Running("web") == 1; }));
  const std::string first = n1.Starts().front();
  // Running, but not healthy yet: not ready, and not served.
  ASSERT_TRUE(WaitUntil([&] { return GetApp("web").status().running() == 1; }));
  EXPECT_EQ(GetApp("web").status().ready(), 0);
  auto ready_endpoints = [&] {
    v1::ListEndpointsRequest request;
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::EndpointList>> reader =
        api_->ListEndpoints(&context, request);
    v1::EndpointList list;
    EXPECT_TRUE(reader->Read(&list));
    reader->Finish().IgnoreError();
    return ReadyInstances(list);
  };
  EXPECT_TRUE(ready_endpoints().empty());

  n1.SetHealth(first, v1::HEALTH_HEALTHY);
  ASSERT_TRUE(WaitUntil([&] { return GetApp("web").status().ready() == 1; }));
  EXPECT_EQ(ready_endpoints(), std::set<std::string>{first});

  // Unhealthy: stopped and replaced by a new instance, with an event that says why.
  n1.SetHealth(first, v1::HEALTH_UNHEALTHY);
  ASSERT_TRUE(WaitUntil([&] { return n1.Stops() == std::vector<std::string>{first}; }));
  ASSERT_TRUE(WaitUntil([&] { return n1.Starts().size() == 2 && Running("web") == 1; }));
  EXPECT_NE(n1.Starts().back(), first);
  EXPECT_TRUE(HasEvent("Unhealthy", "app/web", "replacing " + first));
  // The status is the last pass's: the pass after the replacement's start counts it, not
  // ready while it is not healthy.
  EXPECT_TRUE(WaitUntil([&] { return GetApp("web").status().ready() == 0; }))
      << "the replacement is not healthy yet";
}

TEST_F(ControllerLoopTest, TwoHostNetworkAppsSharingAPortAreRefusedWithNothingApplied) {
  StopController();
  StartController({.allow_host_network = true});
  auto host_app = [](const std::string& name, int32_t port) {
    v1::AppSpec app = StaticApp(name, 1, 3);
    app.set_network("host");
    app.add_ports()->set_container_port(port);
    return app;
  };
  ASSERT_TRUE(Apply({host_app("edge-a", 8080)}).ok());
  ASSERT_TRUE(Apply({host_app("edge-a", 8080)}).ok()) << "an app may apply its own port again";
  grpc::Status status = Apply({host_app("edge-b", 9090), host_app("edge-c", 8080)});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("app edge-c: spec.ports[0].containerPort: host port 8080 is already used "
                        "by app edge-a"));
  EXPECT_EQ(GetApp("edge-b").spec().name(), "") << "nothing of the apply was applied";
  // The same port within one apply, and on bridge (published elsewhere) which is fine.
  status = Apply({host_app("edge-d", 7070), host_app("edge-e", 7070)});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("app edge-e: spec.ports[0].containerPort"));
  v1::AppSpec bridge = host_app("web", 8080);
  bridge.set_network("bridge");
  EXPECT_TRUE(Apply({bridge}).ok());
  // Moving edge-a off the port frees it for another app in the same apply.
  EXPECT_TRUE(Apply({host_app("edge-a", 8081), host_app("edge-f", 8080)}).ok());
}

TEST_F(ControllerLoopTest, DeletedAppHasItsContainersStopped) {
  FakeAgent& n1 = AddAgent("n1");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10), StaticApp("api", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 3).ok());
  ASSERT_TRUE(SetDemand("api", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 3) && Converged("api", 1); }));

  ASSERT_TRUE(Delete("web").ok());
  ASSERT_TRUE(WaitUntil([&] { return Held("web") == 0; })) << Held("web");
  EXPECT_EQ(n1.Stops().size(), 3u);
  EXPECT_EQ(Running("api"), 1) << "the other app is untouched";
  EXPECT_EQ(GetApp("web").spec().name(), "") << "gone from the API";
  EXPECT_TRUE(HasEvent("Deleted", "app/web", "stopped"));
  ASSERT_TRUE(WaitUntil([&] {
    std::string metrics = MetricsText();
    return metrics.find("microscale_app_running_containers{app=\"api\"") != std::string::npos &&
           metrics.find("app=\"web\"") == std::string::npos;
  })) << "a deleted app's series are removed:\n"
      << MetricsText();
}

TEST_F(ControllerLoopTest, CordonedNodeGetsNothingNewAndKeepsWhatItRuns) {
  FakeAgent& n1 = AddAgent("n1");
  FakeAgent& n2 = AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); }));
  ASSERT_EQ(n1.Running("web"), 1);

  ASSERT_TRUE(Cordon("n1", true).ok());
  EXPECT_EQ(GetNodes()["n1"].state(), "Cordoned");
  ASSERT_TRUE(SetDemand("web", 6).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 6); })) << Running("web");
  EXPECT_EQ(n1.Running("web"), 1) << "its container stays, nothing new lands";
  EXPECT_EQ(n2.Running("web"), 5);
  EXPECT_TRUE(n1.Stops().empty());

  ASSERT_TRUE(Cordon("n1", false).ok());
  EXPECT_EQ(GetNodes()["n1"].state(), "Ready");
  ASSERT_TRUE(SetDemand("web", 8).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 8); })) << Running("web");
  EXPECT_EQ(n1.Running("web"), 3) << "placement uses the node again";
  EXPECT_TRUE(HasEvent("Cordoned", "node/n1", ""));
  EXPECT_TRUE(HasEvent("Uncordoned", "node/n1", "may be placed here again"));
}

TEST_F(ControllerLoopTest, DrainMovesContainersToOtherNodes) {
  FakeAgent& n1 = AddAgent("n1");
  FakeAgent& n2 = AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 4).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); }));

  ASSERT_TRUE(Cordon("n1", true, /*drain=*/true).ok());
  ASSERT_TRUE(WaitUntil([&] { return n1.Containers().empty() && n2.Running("web") == 4; }))
      << "n1 " << n1.Containers().size() << " n2 " << n2.Running("web");
  EXPECT_EQ(GetNodes()["n1"].state(), "Cordoned");
  EXPECT_TRUE(HasEvent("Draining", "node/n1", ""));
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); }));
}

// A drain is an operator's decision: a restart in the middle of one must not turn it into
// a plain cordon. n1 is away when it is drained, so its containers are still there when
// the controller restarts; when n1 comes back they move to n2.
TEST_F(ControllerLoopTest, DrainMarkSurvivesARestart) {
  FakeAgent& n1 = AddAgent("n1");
  FakeAgent& n2 = AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 4).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); }));
  ASSERT_FALSE(n1.Containers().empty());
  n1.Disconnect();
  ASSERT_TRUE(WaitUntil([&] { return HasEvent("NodeDisconnected", "node/n1", ""); }));
  ASSERT_TRUE(Cordon("n1", true, /*drain=*/true).ok());
  EXPECT_TRUE(GetNodes()["n1"].draining());

  StopController();
  ASSERT_TRUE(WaitUntil([&] { return !n2.connected(); }));
  StartController(TestControllerOptions{absl::Seconds(30), absl::Seconds(10)});
  ASSERT_TRUE(n2.Connect(target_).ok());
  ASSERT_TRUE(n1.Connect(target_).ok());
  EXPECT_TRUE(GetNodes()["n1"].draining()) << "the drain mark comes back from the data dir";
  EXPECT_EQ(GetNodes()["n1"].state(), "Cordoned");
  ASSERT_TRUE(WaitUntil([&] { return n1.Containers().empty() && n2.Running("web") == 4; }))
      << "n1 " << n1.Containers().size() << " n2 " << n2.Running("web");

  ASSERT_TRUE(Cordon("n1", false).ok());
  EXPECT_FALSE(GetNodes()["n1"].draining()) << "uncordon ends the drain";
}

TEST_F(ControllerLoopTest, DeleteNodeForgetsANotReadyNodeAndRefusesAReadyOne) {
  FakeAgent& n1 = AddAgent("n1");
  FakeAgent& n2 = AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 4).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); }));
  const size_t on_n1 = n1.Containers().size();
  ASSERT_GT(on_n1, 0u);
  ASSERT_TRUE(Cordon("n1", true).ok());

  auto delete_node = [&](const std::string& name, v1::DeleteNodeResponse* response) {
    v1::DeleteNodeRequest request;
    request.set_name(name);
    grpc::ClientContext context;
    return api_->DeleteNode(&context, request, response);
  };
  v1::DeleteNodeResponse response;
  grpc::Status status = delete_node("n1", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("node n1 is Ready"));
  EXPECT_EQ(delete_node("ghost", &response).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(delete_node("", &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  n1.Disconnect();
  ASSERT_TRUE(WaitUntil([&] { return HasEvent("NodeDisconnected", "node/n1", ""); }));
  clock_.Advance(absl::Seconds(11));  // past the node timeout: NotReady
  ASSERT_TRUE(delete_node("n1", &response).ok());
  EXPECT_EQ(response.forgotten_instances(), static_cast<int32_t>(on_n1));
  EXPECT_FALSE(GetNodes().contains("n1"));
  EXPECT_TRUE(HasEvent("NodeDeleted", "node/n1", "deleted by an operator"));
  ASSERT_TRUE(WaitUntil([&] {
    return n2.Running("web") == 4 && GetApp("web").status().running() == 4;
  })) << "replaced on n2";
  EXPECT_EQ(delete_node("n1", &response).error_code(), grpc::StatusCode::NOT_FOUND);

  // Its cordon went with it: an agent of that name later is a new, schedulable node.
  ASSERT_TRUE(n1.Connect(target_).ok());
  ASSERT_TRUE(WaitUntil([&] { return GetNodes()["n1"].state() == "Ready"; }));
}

TEST_F(ControllerLoopTest, NodeGcForgetsANodeNotReadyTooLong) {
  StopController();
  StartController(TestControllerOptions{.node_gc = absl::Minutes(5)});
  FakeAgent& n1 = AddAgent("n1");
  AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); }));
  n1.Disconnect();
  ASSERT_TRUE(WaitUntil([&] { return HasEvent("NodeDisconnected", "node/n1", ""); }));
  clock_.Advance(absl::Minutes(4));
  ASSERT_TRUE(WaitUntil([&] { return GetNodes()["n1"].state() == "NotReady"; }));
  // n2 must have been heard from at the new time, or the next step makes it look silent too.
  const int64_t now_ms = absl::ToUnixMillis(clock_.Now());
  ASSERT_TRUE(WaitUntil([&] { return GetNodes()["n2"].last_heartbeat_unix_ms() >= now_ms; }));
  clock_.Advance(absl::Minutes(2));  // 10 s timeout + 5 min gc are past
  ASSERT_TRUE(WaitUntil([&] { return !GetNodes().contains("n1"); }));
  // The event is recorded just after the node goes from the list.
  EXPECT_TRUE(WaitUntil([&] { return HasEvent("NodeDeleted", "node/n1", "--node-gc"); }));
  EXPECT_TRUE(GetNodes().contains("n2")) << "a Ready node is never collected";
}

TEST_F(ControllerLoopTest, ReconnectingAgentWithItsContainersGetsNoDuplicateStarts) {
  FakeAgent& n1 = AddAgent("n1");
  FakeAgent& n2 = AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 4).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); }));
  std::map<std::string, v1::Container> on_n1 = n1.Containers();
  std::vector<std::string> before = AllStarts();

  n1.Disconnect();
  ASSERT_TRUE(WaitUntil([&] { return HasEvent("NodeDisconnected", "node/n1", ""); }));
  ASSERT_TRUE(n1.Connect(target_).ok());

  std::vector<std::string> held;
  for (const auto& [instance, c] : on_n1) held.push_back(instance);
  EXPECT_THAT(LastSync(n1), UnorderedElementsAreArray(held)) << "Sync names what n1 should run";

  // A later change proves the loop ran after the reconnect: exactly one new start.
  ASSERT_TRUE(SetDemand("web", 5).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 5); })) << Running("web");
  std::vector<std::string> after = AllStarts();
  EXPECT_EQ(after.size(), before.size() + 1);
  EXPECT_TRUE(HasNoRepeats(after));
  EXPECT_TRUE(n1.Stops().empty());
  EXPECT_TRUE(n2.Stops().empty());
  EXPECT_EQ(n1.Containers().size() + n2.Containers().size(), 5u);
}

TEST_F(ControllerLoopTest, ContainerLeftStartingByARestartedAgentIsStartedAgain) {
  FakeAgent& n1 = AddAgent("n1");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); }));
  const size_t starts_before = AllStarts().size();

  // The agent dies between create and start of one container; its successor finds it
  // created (Starting) and reports it so in its Hello.
  n1.Disconnect();
  v1::Container half_started = n1.Containers().begin()->second;
  half_started.set_state(v1::CONTAINER_STATE_STARTING);
  n1.Hold(half_started);
  ASSERT_TRUE(n1.Connect(target_).ok());

  ASSERT_TRUE(WaitUntil([&] {
    return n1.Containers()[half_started.instance()].state() == v1::CONTAINER_STATE_RUNNING;
  })) << "the controller starts it again";
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); }));
  std::vector<std::string> starts = AllStarts();
  ASSERT_EQ(starts.size(), starts_before + 1);
  EXPECT_EQ(starts.back(), half_started.instance()) << "the same instance, not a new one";
  EXPECT_TRUE(n1.Stops().empty());
}

TEST_F(ControllerLoopTest, SecondConnectionForTheSameNodeReplacesTheFirst) {
  FakeAgent& first = AddAgent("n1");
  FakeAgentOptions options;
  options.node = "n1";
  FakeAgent second(options);
  ASSERT_TRUE(second.Connect(target_).ok());
  EXPECT_TRUE(WaitUntil([&] { return !first.connected(); }));
  EXPECT_TRUE(second.connected());
  EXPECT_EQ(GetNodes()["n1"].state(), "Ready");
  second.Disconnect();
}

TEST_F(ControllerLoopTest, HelloIsCheckedBeforeTheNodeIsAdmitted) {
  FakeAgentOptions bad_name;
  bad_name.node = "no spaces allowed";
  FakeAgent unnamed(bad_name);
  absl::Status status = unnamed.Connect(target_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr("hello.node_name"));

  FakeAgentOptions other_cluster;
  other_cluster.node = "n1";
  other_cluster.cluster = "elsewhere";
  FakeAgent stranger(other_cluster);
  status = stranger.Connect(target_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("hello.cluster"));
  EXPECT_THAT(GetNodes(), IsEmpty());
}

TEST_F(ControllerLoopTest, SilentNodeIsReplacedElsewhereAndItsSurplusStoppedWhenBack) {
  FakeAgent& n1 = AddAgent("n1");
  FakeAgent& n2 = AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 4).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); }));
  ASSERT_EQ(n1.Running("web"), 2);

  // n1 stays connected but says nothing (as a SIGSTOPped agent would); time passes.
  n1.SetHeartbeating(false);
  clock_.Advance(absl::Seconds(11));
  ASSERT_TRUE(WaitUntil([&] { return GetNodes()["n1"].state() == "NotReady"; }));
  EXPECT_TRUE(WaitUntil([&] { return HasEvent("NodeNotReady", "node/n1", "no longer count"); }));
  ASSERT_TRUE(WaitUntil([&] { return n2.Running("web") == 4; })) << n2.Running("web");
  EXPECT_EQ(n1.Running("web"), 2) << "a NotReady node's containers are not stopped";
  EXPECT_TRUE(n1.Stops().empty());

  n1.SetHeartbeating(true);
  n1.HeartbeatNow();
  ASSERT_TRUE(WaitUntil([&] { return GetNodes()["n1"].state() == "Ready"; }));
  EXPECT_TRUE(WaitUntil([&] { return HasEvent("NodeReady", "node/n1", "count again"); }));
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); }))
      << "n1 " << n1.Running("web") << " n2 " << n2.Running("web");
  EXPECT_EQ(n1.Stops().size() + n2.Stops().size(), 2u) << "exactly the surplus is stopped";
  EXPECT_TRUE(HasNoRepeats(AllStarts()));
}

TEST_F(ControllerLoopTest, FailedStartBacksOffAndShowsAnEvent) {
  FakeAgent& n1 = AddAgent("n1");
  n1.FailStartsOf("web", "image microscale/demo:latest not found");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10), StaticApp("witness", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return HasEvent("StartFailed", "app/web", "not found"); }));

  // The fake clock stands still, so the backoff never ends. Later passes (they start the
  // witness app) must not try web again. The first pass may have sent one or two starts:
  // the first failure can come back before the second start is sent.
  auto web_starts = [&] {
    size_t n = 0;
    for (const std::string& s : n1.Starts()) n += s.rfind("web-", 0) == 0 ? 1 : 0;
    return n;
  };
  ASSERT_TRUE(SetDemand("witness", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("witness", 1); }));
  const size_t tried = web_starts();
  EXPECT_GE(tried, 1u);
  EXPECT_LE(tried, 2u);
  ASSERT_TRUE(SetDemand("witness", 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("witness", 2); }));
  EXPECT_EQ(web_starts(), tried) << ::testing::PrintToString(n1.Starts());
  v1::App web = GetApp("web");
  EXPECT_EQ(web.status().running(), 0);
  bool converging = false;
  for (const v1::Condition& c : web.status().conditions()) {
    if (c.type() == "Scaled" && c.status() == "False") converging = true;
  }
  EXPECT_TRUE(converging);

  // Once the backoff has passed and the image is there, the starts succeed.
  n1.FailStartsOf("web", "");
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); })) << Running("web");
}

// An agent may report a container it just stopped for us as exited after the stop's
// result (its engine's exit event raced the removal). That exit is our stop: no crash, no
// backoff, no event (a scale-down of a random demo app once showed CrashLoopBackOff).
TEST_F(ControllerLoopTest, TheExitOfAContainerWeStoppedIsNoCrash) {
  FakeAgent& n1 = AddAgent("n1");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); }));
  const std::map<std::string, v1::Container> before = n1.Containers();
  ASSERT_TRUE(LowerDemand("web", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 1) && n1.Stops().size() == 1; }));
  const std::string stopped = n1.Stops().front();
  v1::Container late = before.at(stopped);
  late.set_state(v1::CONTAINER_STATE_EXITED);
  late.set_exit_code(0);
  n1.Hold(late);
  n1.HeartbeatNow();
  ASSERT_TRUE(WaitUntil([&] { return n1.Stops().size() >= 2; })) << "cleared up again";
  EXPECT_FALSE(HasEvent("CrashLoopBackOff", "app/web", ""));
  EXPECT_FALSE(HasEvent("ContainerExited", "app/web", ""));
  ASSERT_TRUE(SetDemand("web", 2).ok());
  EXPECT_TRUE(WaitUntil([&] { return Converged("web", 2); })) << "no backoff holds the start";
}

// A container that exits soon after its start is removed at once, and its replacement
// waits 10 s, then 20 s after the next crash (crash-loop backoff); the app shows why, and
// another app is served meanwhile.
TEST_F(ControllerLoopTest, ExitedContainerIsRemovedAndItsReplacementBacksOff) {
  FakeAgent& n1 = AddAgent("n1");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10), StaticApp("witness", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); }));
  const std::string victim = n1.Containers().begin()->first;

  n1.ExitContainer(victim, 137);
  ASSERT_TRUE(WaitUntil([&] {
    return !n1.Containers().contains(victim) &&
           HasEvent("CrashLoopBackOff", "app/web", "its replacement starts in 10s");
  }));
  EXPECT_TRUE(HasEvent("CrashLoopBackOff", "app/web", "exited with code 137"));
  // The fake clock stands still: the witness app starts, web's replacement does not.
  ASSERT_TRUE(SetDemand("witness", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("witness", 1); }));
  auto web_starts = [&] {
    size_t n = 0;
    for (const std::string& s : n1.Starts()) n += s.rfind("web-", 0) == 0 ? 1 : 0;
    return n;
  };
  EXPECT_EQ(web_starts(), 2u);
  bool shown = false;
  const v1::App web = GetApp("web");
  for (const v1::Condition& c : web.status().conditions()) {
    if (c.type() == "CrashLoopBackOff" && c.status() == "True" &&
        absl::StrContains(c.message(), "exited with code 137")) {
      shown = true;
    }
  }
  EXPECT_TRUE(shown);
  EXPECT_TRUE(
      absl::StrContains(MetricsText(), "microscale_app_container_crashes_total{app=\"web\"} 1"));

  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); }));
  EXPECT_EQ(web_starts(), 3u);

  // A second crash in a row waits twice as long.
  n1.ExitContainer(n1.Containers().begin()->first, 1);
  ASSERT_TRUE(WaitUntil([&] {
    return HasEvent("CrashLoopBackOff", "app/web",
                    "(crash 2 in a row); its replacement "
                    "starts in 20s");
  }));
}

// While an engine is down (restarting, say) the removal of an exited container fails, and
// the agent keeps reporting the container exited. Its exit is one crash, however often it
// is seen again, and the failed removal is sent again after a backoff, not on every pass:
// a storm of failed stops once counted every retry as a crash, holding the app's starts
// for minutes.
TEST_F(ControllerLoopTest, AnExitSeenAgainWhileItsRemovalFailsIsOneCrash) {
  FakeAgent& n1 = AddAgent("n1");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10), StaticApp("witness", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 2); }));
  const std::string victim = n1.Containers().begin()->first;
  n1.FailStops("docker engine unreachable");
  n1.ExitContainer(victim, 137);
  ASSERT_TRUE(WaitUntil([&] { return HasEvent("StopFailed", "app/web", "unreachable"); }));
  auto stops_of_victim = [&] {
    size_t n = 0;
    for (const std::string& s : n1.Stops()) n += s == victim ? 1 : 0;
    return n;
  };
  const size_t tried = stops_of_victim();
  // The fake clock stands still: reports of the same exit and passes for another app
  // neither count it again nor send its removal again.
  for (int i = 1; i <= 3; ++i) {
    n1.HeartbeatNow();
    ASSERT_TRUE(SetDemand("witness", i).ok());
    ASSERT_TRUE(WaitUntil([&] { return Converged("witness", i); }));
  }
  EXPECT_EQ(stops_of_victim(), tried) << ::testing::PrintToString(n1.Stops());
  EXPECT_TRUE(HasEvent("CrashLoopBackOff", "app/web", "(crash 1 in a row)"));
  EXPECT_FALSE(HasEvent("CrashLoopBackOff", "app/web", "(crash 2 in a row)"));
  EXPECT_TRUE(
      absl::StrContains(MetricsText(), "microscale_app_container_crashes_total{app=\"web\"} 1"));
  // The engine is back: after the backoff the removal is sent again and succeeds.
  n1.FailStops("");
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(WaitUntil([&] { return !n1.Containers().contains(victim); }));
  EXPECT_GT(stops_of_victim(), tried);
}

// A command whose result never comes (lost on the way) is sent again for the same
// instance once its deadline passes: the app gets its container, and no second instance
// id is used for it.
TEST_F(ControllerLoopTest, ALostStartIsSentAgainForTheSameInstance) {
  FakeAgent& n1 = AddAgent("n1");
  std::string instance;
  ASSERT_NO_FATAL_FAILURE(LoseTheStartOfOneWeb(n1, &instance));
  EXPECT_EQ(Running("web"), 0);
  ASSERT_NO_FATAL_FAILURE(ExpectTheStartSentAgainAfterItsDeadline(n1, instance));
  EXPECT_TRUE(absl::StrContains(MetricsText(),
                                "microscale_commands_total{result=\"timeout\",type=\"start\"} 1"))
      << MetricsText();
}

// A container that its node reports starting while its start is still in flight is left
// to that start: only a start with no command in flight is sent again.
TEST_F(ControllerLoopTest, AContainerReportedStartingWithItsStartInFlightIsNotStartedTwice) {
  FakeAgent& n1 = AddAgent("n1");
  std::string instance;
  ASSERT_NO_FATAL_FAILURE(LoseTheStartOfOneWeb(n1, &instance));
  v1::Container starting;
  starting.set_instance(instance);
  starting.set_app("web");
  starting.set_node("n1");
  starting.set_state(v1::CONTAINER_STATE_STARTING);
  n1.Hold(starting);
  const int before = FinishedPasses();
  n1.HeartbeatNow();
  // The fake clock stands still, so the start stays in flight through these passes.
  ASSERT_TRUE(WaitUntil([&] { return FinishedPasses() >= before + 3; }));
  EXPECT_TRUE(n1.Starts().empty()) << "the lost start is not counted; no other was sent";
  ASSERT_NO_FATAL_FAILURE(ExpectTheStartSentAgainAfterItsDeadline(n1, instance));
}

TEST_F(ControllerLoopTest, ApiShowsAppNodeAndContainerFigures) {
  FakeAgent& n1 = AddAgent("n1", 10);
  AddAgent("n2", 10);
  v1::AppSpec web = StaticApp("web", 3, 10);
  web.mutable_resources()->set_cpu_millis(250);
  ASSERT_TRUE(Apply({web}).ok());
  ASSERT_TRUE(SetDemand("web", 3).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 3); }));

  v1::App app = GetApp("web");
  EXPECT_EQ(app.spec().priority(), 3);
  EXPECT_EQ(app.spec().resources().cpu_millis(), 250);
  EXPECT_EQ(app.status().demand(), 3);
  EXPECT_EQ(app.status().desired(), 3);
  EXPECT_EQ(app.status().allocated(), 3);
  EXPECT_EQ(app.status().running(), 3);
  EXPECT_GT(app.created_unix_ms(), 0);

  std::map<std::string, v1::Node> nodes = GetNodes();
  ASSERT_EQ(nodes.size(), 2u);
  int total = 0;
  for (const auto& [name, node] : nodes) {
    EXPECT_EQ(node.state(), "Ready");
    EXPECT_EQ(node.capacity().max_containers(), 10);
    EXPECT_EQ(node.allocated().cpu_millis(), 250 * node.containers()) << name;
    EXPECT_EQ(node.allocated().memory_bytes(), (int64_t{64} << 20) * node.containers()) << name;
    total += node.containers();
  }
  EXPECT_EQ(total, 3);

  v1::GetContainersRequest request;
  request.set_node("n1");
  v1::GetContainersResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(api_->GetContainers(&context, request, &response).ok());
  std::vector<std::string> listed;
  for (const v1::Container& c : response.containers()) {
    EXPECT_EQ(c.node(), "n1");
    EXPECT_EQ(c.app(), "web");
    EXPECT_EQ(c.state(), v1::CONTAINER_STATE_RUNNING);
    EXPECT_THAT(c.container_id(), HasSubstr("fake-n1-"));
    listed.push_back(c.instance());
  }
  std::vector<std::string> held;
  for (const auto& [instance, c] : n1.Containers()) held.push_back(instance);
  EXPECT_THAT(listed, UnorderedElementsAreArray(held));

  v1::GetContainersRequest by_app;
  by_app.set_app("nope");
  v1::GetContainersResponse none;
  grpc::ClientContext context2;
  ASSERT_TRUE(api_->GetContainers(&context2, by_app, &none).ok());
  EXPECT_EQ(none.containers_size(), 0);

  v1::DescribeAppResponse described;
  ASSERT_TRUE(Describe("web", &described).ok());
  EXPECT_EQ(described.containers_size(), 3);
  EXPECT_FALSE(described.events().empty());
}

TEST_F(ControllerLoopTest, BadRequestsGetCodesThatNameTheProblem) {
  AddAgent("n1");
  v1::AppSpec bad = StaticApp("web", 1, 2, /*min=*/5);
  grpc::Status status = Apply({bad});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("spec.replicas.max"));
  EXPECT_THAT(status.error_message(), HasSubstr("web"));

  v1::AppSpec bad_priority = StaticApp("api", 0, 2);
  bad_priority.set_priority(5000);
  status = Apply({StaticApp("fine", 1, 2), bad_priority});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("spec.priority"));
  EXPECT_EQ(GetApp("fine").spec().name(), "") << "nothing of a refused apply is kept";

  status = Apply({StaticApp("twice", 1, 2), StaticApp("twice", 1, 3)});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("metadata.name"));
  EXPECT_EQ(Apply({}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(SetDemand("ghost", 1).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Delete("ghost").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(Delete("ghost").error_message(), HasSubstr("ghost"));
  v1::GetAppsRequest get;
  get.set_name("ghost");
  v1::GetAppsResponse got;
  grpc::ClientContext context;
  EXPECT_EQ(api_->GetApps(&context, get, &got).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::DescribeAppResponse described;
  EXPECT_EQ(Describe("ghost", &described).error_code(), grpc::StatusCode::NOT_FOUND);
  status = Cordon("ghost-node", true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("ghost-node"));
  v1::GetNodesRequest node;
  node.set_name("ghost-node");
  v1::GetNodesResponse nodes;
  grpc::ClientContext context3;
  EXPECT_EQ(api_->GetNodes(&context3, node, &nodes).error_code(), grpc::StatusCode::NOT_FOUND);

  v1::AppSpec random = StaticApp("rnd", 1, 5);
  random.mutable_demand()->clear_value();
  random.mutable_demand()->set_source("random");
  random.mutable_demand()->mutable_random()->set_min(0);
  random.mutable_demand()->mutable_random()->set_max(3);
  random.mutable_demand()->mutable_random()->set_change_every_seconds(1);
  ASSERT_TRUE(Apply({random}).ok());
  status = SetDemand("rnd", 2);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("random"));

  ASSERT_TRUE(Apply({StaticApp("web", 1, 2)}).ok());
  status = SetDemand("web", -1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("value"));
}

TEST_F(ControllerLoopTest, ApplyReportsCreatedConfiguredAndUnchanged) {
  v1::ApplyAppsRequest request;
  *request.add_apps() = StaticApp("web", 1, 2);
  v1::ApplyAppsResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(api_->ApplyApps(&context, request, &response).ok());
    ASSERT_EQ(response.changes_size(), 1);
    EXPECT_EQ(response.changes(0).action(), "created");
  }
  {
    grpc::ClientContext context;
    response.Clear();
    ASSERT_TRUE(api_->ApplyApps(&context, request, &response).ok());
    EXPECT_EQ(response.changes(0).action(), "unchanged");
  }
  {
    request.mutable_apps(0)->mutable_replicas()->set_max(3);
    request.set_dry_run(true);
    grpc::ClientContext context;
    response.Clear();
    ASSERT_TRUE(api_->ApplyApps(&context, request, &response).ok());
    EXPECT_EQ(response.changes(0).action(), "configured");
    EXPECT_EQ(GetApp("web").spec().replicas().max(), 2) << "a dry run changes nothing";
  }
}

TEST_F(ControllerLoopTest, RestartedControllerKeepsAppsAndDoesNotChurnContainers) {
  FakeAgent& n1 = AddAgent("n1");
  FakeAgent& n2 = AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10), StaticApp("worker", 2, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 3).ok());
  ASSERT_TRUE(SetDemand("worker", 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 3) && Converged("worker", 2); }));
  std::vector<std::string> starts_before = AllStarts();
  std::map<std::string, v1::Container> n1_before = n1.Containers();
  std::map<std::string, v1::Container> n2_before = n2.Containers();

  StopController();
  ASSERT_TRUE(WaitUntil([&] { return !n1.connected() && !n2.connected(); }));
  // The fake clock stands still, so only the agents' return can end the startup grace.
  StartController(TestControllerOptions{absl::Seconds(30), absl::Seconds(10)});

  v1::App web = GetApp("web");
  EXPECT_EQ(web.spec().name(), "web") << "apps come back from the data dir";
  EXPECT_EQ(web.spec().replicas().max(), 10);
  EXPECT_EQ(GetApp("worker").spec().priority(), 2);

  ASSERT_TRUE(n1.Connect(target_).ok());
  std::vector<std::string> held;
  for (const auto& [instance, c] : n1_before) held.push_back(instance);
  EXPECT_THAT(LastSync(n1), UnorderedElementsAreArray(held))
      << "assignments come from the data dir";
  ASSERT_TRUE(n2.Connect(target_).ok());

  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 3) && Converged("worker", 2); }))
      << "static demand values come back too";
  // The stored values are the first ones read: the manifests' 0 is never seen (a restart
  // once read it first, in a race, and scaled down for a moment).
  for (const v1::Event& e : Events()) {
    EXPECT_FALSE(e.kind() == "DesiredChanged" && absl::StrContains(e.message(), "(demand 0)"))
        << e.object() << ": " << e.message();
  }
  // An apply of another app leaves web's stored value alone (its source is not made
  // again with the manifest's 0). Once the new app's second value has been read, any read
  // of a remade web source, due at the apply, has been delivered too.
  ASSERT_TRUE(
      Apply({StaticApp("web", 1, 10), StaticApp("worker", 2, 10), StaticApp("other", 3, 10)}).ok());
  ASSERT_TRUE(SetDemand("other", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return GetApp("other").status().demand() == 1; }));
  EXPECT_EQ(GetApp("web").status().demand(), 3);
  ASSERT_TRUE(SetDemand("web", 4).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); }));

  std::vector<std::string> starts_after = AllStarts();
  ASSERT_EQ(starts_after.size(), starts_before.size() + 2)
      << "one start for the new app, one for web's new demand";
  EXPECT_TRUE(HasNoRepeats(starts_after)) << "instance ordinals survive the restart";
  EXPECT_TRUE(n1.Stops().empty());
  EXPECT_TRUE(n2.Stops().empty());
  std::map<std::string, v1::Container> n1_after = n1.Containers();
  for (const auto& [instance, c] : n1_before) {
    ASSERT_TRUE(n1_after.contains(instance)) << instance;
    EXPECT_EQ(n1_after[instance].container_id(), c.container_id());
  }
  std::map<std::string, v1::Container> n2_after = n2.Containers();
  for (const auto& [instance, c] : n2_before) EXPECT_TRUE(n2_after.contains(instance)) << instance;
}

TEST_F(ControllerLoopTest, RestartedControllerWaitsForAbsentAgentsBeforeReplacing) {
  FakeAgent& n1 = AddAgent("n1");
  FakeAgent& n2 = AddAgent("n2");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 10)}).ok());
  ASSERT_TRUE(SetDemand("web", 4).ok());
  ASSERT_TRUE(WaitUntil([&] { return Converged("web", 4); }));
  const size_t starts_before = AllStarts().size();

  StopController();
  ASSERT_TRUE(WaitUntil([&] { return !n1.connected() && !n2.connected(); }));
  StartController(TestControllerOptions{absl::Seconds(30), absl::Seconds(10)});
  ASSERT_TRUE(n1.Connect(target_).ok());

  // n2 stays away: the controller is not ready and acts on nothing, not even a new app.
  EXPECT_EQ(ReadyzStatus(), 503);
  ASSERT_TRUE(Apply({StaticApp("witness", 1, 1, /*min=*/1)}).ok());
  EXPECT_EQ(AllStarts().size(), starts_before) << "nothing starts during the grace";
  EXPECT_TRUE(n1.Stops().empty());

  // The grace ends: n2's containers are neither counted nor stopped; replacements go to n1.
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(ReadyzStatus(), 200);
  ASSERT_TRUE(WaitUntil([&] { return n1.Running("web") == 4 && n1.Running("witness") == 1; }))
      << n1.Running("web");
  EXPECT_TRUE(n1.Stops().empty());
}

}  // namespace
}  // namespace microscale
