// The real microscale-agent binary on the real Docker Engine, driven through an in-process
// test AgentGateway: start commands create containers, an agent killed with SIGKILL adopts
// them when it comes back (no duplicate, no orphan), containers without this cluster's
// label are never touched, and published ports reach the controller and survive a restart.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node-agent/agent/testing/eventually.h"
#include "node-agent/agent/testing/test_agent_gateway.h"
#include "node-agent/docker/container_mapping.h"
#include "tests/integration/agent/agent_process.h"
#include "tests/integration/docker/docker_test_env.h"

namespace microscale::testing {
namespace {

using Messages = std::vector<v1::AgentMessage>;

class AgentDockerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.Prepare().ok()) << env_.Prepare();
    env_.SweepAtExit();
    ASSERT_TRUE(gateway_.Start().ok());
    cluster_ = env_.Cluster(::testing::UnitTest::GetInstance()->current_test_info()->name());
    app_ = env_.App("web");
    log_path_ = absl::StrCat(::testing::TempDir(), "agent-", getpid(), "-", cluster_, ".log");
  }

  void TearDown() override {
    if (HasFailure() && agent_ != nullptr) std::cerr << "agent log:\n" << agent_->Log();
    agent_.reset();
    std::error_code ignored;
    std::filesystem::remove(log_path_, ignored);
  }

  void StartAgent(const std::vector<std::string>& more_flags = {}) {
    std::vector<std::string> flags = {"--runtime=docker",
                                      "--controller=" + gateway_.address(),
                                      "--cluster-name=" + cluster_,
                                      "--node-name=it-node",
                                      "--http-addr=127.0.0.1:0",
                                      "--heartbeat-interval=200ms",
                                      "--cpu=2",
                                      "--memory=2Gi"};
    flags.insert(flags.end(), more_flags.begin(), more_flags.end());
    agent_ = std::make_unique<AgentProcess>(MICROSCALE_AGENT_BINARY, flags, log_path_);
    ASSERT_TRUE(agent_->Start().ok());
  }

  v1::ControllerMessage StartCommand(const std::string& id, const std::string& instance) {
    v1::ControllerMessage m;
    m.set_command_id(id);
    m.mutable_start()->set_instance(instance);
    v1::ContainerSpec* spec = m.mutable_start()->mutable_spec();
    spec->set_app(app_);
    spec->set_image(kTestImage);
    spec->set_network("none");
    spec->mutable_resources()->set_cpu_millis(100);
    spec->mutable_resources()->set_memory_bytes(int64_t{64} << 20);
    spec->set_priority(5);
    spec->set_stop_timeout_seconds(2);
    return m;
  }

  v1::CommandResult SendAndWait(const v1::ControllerMessage& command) {
    EXPECT_TRUE(gateway_.Send(command));
    const std::string& id = command.command_id();
    EXPECT_TRUE(gateway_.WaitFor([&](const Messages& m) { return FindResult(m, id) != nullptr; },
                                 absl::Seconds(60)))
        << "no result for " << id;
    const Messages messages = gateway_.received();
    const v1::CommandResult* result = FindResult(messages, id);
    return result == nullptr ? v1::CommandResult() : *result;
  }

  // Container ids by instance of this cluster's containers, as the engine lists them.
  std::map<std::string, std::string> EngineContainers() {
    auto list = env_.client().ListContainers({{docker::kLabelCluster, cluster_}});
    EXPECT_TRUE(list.ok()) << list.status();
    std::map<std::string, std::string> out;
    if (!list.ok()) return out;
    for (const auto& c : *list) {
      EXPECT_EQ(out.count(c.labels.at(docker::kLabelInstance)), 0u) << "duplicate " << c.name;
      out[c.labels.at(docker::kLabelInstance)] = c.id;
    }
    return out;
  }

  std::map<std::string, std::string> HelloContainers(int nth) {
    std::map<std::string, std::string> out;
    int seen = 0;
    for (const auto& m : gateway_.received()) {
      if (!m.has_hello() || ++seen != nth) continue;
      for (const auto& c : m.hello().containers()) out[c.instance()] = c.container_id();
    }
    return out;
  }

  // A container made behind Microscale's back, labelled only for this run's sweep.
  std::string CreateForeign(const std::string& name, docker::LabelMap labels) {
    docker::CreateContainerRequest request;
    request.name = name;
    request.image = kTestImage;
    request.network_mode = "none";
    request.labels = std::move(labels);
    request.labels[kRunLabel] = env_.run_id();
    auto id = env_.client().CreateContainer(request);
    EXPECT_TRUE(id.ok()) << id.status();
    if (!id.ok()) return "";
    EXPECT_TRUE(env_.client().StartContainer(*id).ok());
    return *id;
  }

  bool Running(const std::string& id) {
    auto details = env_.client().InspectContainer(id);
    return details.ok() && details->status == "running";
  }

  DockerTestEnv& env_ = DockerTestEnv::Get();
  ScopedSweep sweep_;
  TestAgentGateway gateway_;
  std::string cluster_;
  std::string app_;
  std::string log_path_;
  std::unique_ptr<AgentProcess> agent_;
};

TEST_F(AgentDockerTest, StartsContainersAndAdoptsThemAfterAKill) {
  StartAgent();
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }));
  EXPECT_TRUE(HelloContainers(1).empty());

  std::vector<std::string> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(absl::StrCat(app_, "-", i));
  for (size_t i = 0; i < instances.size(); ++i) {
    ASSERT_TRUE(gateway_.Send(StartCommand(absl::StrCat("start-", i), instances[i])));
  }
  std::map<std::string, std::string> started;
  for (size_t i = 0; i < instances.size(); ++i) {
    v1::CommandResult r = SendAndWait(StartCommand(absl::StrCat("again-", i), instances[i]));
    ASSERT_TRUE(r.ok()) << r.error();
    started[instances[i]] = r.container().container_id();
  }
  EXPECT_EQ(EngineContainers(), started);
  for (const auto& [instance, id] : started) EXPECT_TRUE(Running(id)) << instance;

  agent_->Kill();
  for (const auto& [instance, id] : started) EXPECT_TRUE(Running(id)) << instance;

  StartAgent();
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 2; }));
  EXPECT_EQ(HelloContainers(2), started);  // every container adopted, nothing else

  v1::CommandResult again = SendAndWait(StartCommand("after-restart", instances[0]));
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again.container().container_id(), started[instances[0]]);
  EXPECT_EQ(EngineContainers(), started);  // no duplicate

  v1::ControllerMessage stop;
  stop.set_command_id("stop-1");
  stop.mutable_stop()->set_instance(instances[1]);
  stop.mutable_stop()->set_timeout_seconds(2);
  v1::CommandResult stopped = SendAndWait(stop);
  ASSERT_TRUE(stopped.ok()) << stopped.error();
  started.erase(instances[1]);
  EXPECT_EQ(EngineContainers(), started);

  // A clean stop of the agent leaves its containers running.
  auto exit_code = agent_->Terminate();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  for (const auto& [instance, id] : started) EXPECT_TRUE(Running(id)) << instance;
}

// --port-range and --publish-address reach the runtime: the Hello offers the range's size,
// a start publishes its port on 127.0.0.1 and says where, heartbeats report it, and an
// agent that comes back after SIGKILL reports the same port.
TEST_F(AgentDockerTest, PublishedPortsReachTheControllerAndSurviveAKill) {
  const int first = FreeLoopbackPorts(4);
  const std::vector<std::string> port_flags = {absl::StrCat("--port-range=", first, "-", first + 3),
                                               "--publish-address=127.0.0.1"};
  StartAgent(port_flags);
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }));
  for (const auto& m : gateway_.received()) {
    if (m.has_hello()) {
      EXPECT_EQ(m.hello().capacity().ports(), 4);
    }
  }

  const std::string instance = absl::StrCat(app_, "-0");
  v1::ControllerMessage start = StartCommand("start-web", instance);
  v1::ContainerSpec* spec = start.mutable_start()->mutable_spec();
  spec->set_network("bridge");
  for (const std::string& arg : HttpServerCommand(8080)) spec->add_command(arg);
  v1::PortSpec* port = spec->add_ports();
  port->set_name("http");
  port->set_container_port(8080);
  v1::CommandResult started = SendAndWait(start);
  ASSERT_TRUE(started.ok()) << started.error();
  ASSERT_EQ(started.container().ports_size(), 1);
  const v1::PublishedPort published = started.container().ports(0);
  EXPECT_EQ(published.name(), "http");
  EXPECT_EQ(published.container_port(), 8080);
  EXPECT_GE(published.host_port(), first);
  EXPECT_LE(published.host_port(), first + 3);
  EXPECT_TRUE(HttpGetWhenUp(published.host_port(), "/bin/idle").ok());

  // The host port of `instance` in the last message of `kind` (hello or heartbeat).
  auto reported_port = [&](bool hello) {
    int found = 0;
    for (const auto& m : gateway_.received()) {
      if (hello ? !m.has_hello() : !m.has_heartbeat()) continue;
      const auto& containers = hello ? m.hello().containers() : m.heartbeat().containers();
      for (const auto& c : containers) {
        if (c.instance() == instance && c.ports_size() == 1) found = c.ports(0).host_port();
      }
    }
    return found;
  };
  EXPECT_TRUE(Eventually([&] { return reported_port(/*hello=*/false) == published.host_port(); }));

  agent_->Kill();
  StartAgent(port_flags);
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 2; }));
  EXPECT_EQ(reported_port(/*hello=*/true), published.host_port());
}

TEST_F(AgentDockerTest, ContainersWithoutTheClusterLabelSurvive) {
  // One container nobody labelled, named as the agent would name an instance; one managed
  // by another cluster.
  const std::string squatted = absl::StrCat(app_, "-squat");
  std::string foreign = CreateForeign(docker::ContainerName(cluster_, squatted), {});
  std::string other_cluster = CreateForeign(absl::StrCat("microscale-", app_, "-other"),
                                            {{docker::kLabelManaged, "true"},
                                             {docker::kLabelCluster, env_.Cluster("someone-else")},
                                             {docker::kLabelInstance, absl::StrCat(app_, "-other")},
                                             {docker::kLabelNode, "it-node"}});
  ASSERT_FALSE(foreign.empty());
  ASSERT_FALSE(other_cluster.empty());

  StartAgent();
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }));
  EXPECT_TRUE(HelloContainers(1).empty());

  v1::CommandResult start = SendAndWait(StartCommand("start-squat", squatted));
  EXPECT_FALSE(start.ok());
  v1::ControllerMessage stop;
  stop.set_command_id("stop-squat");
  stop.mutable_stop()->set_instance(squatted);
  stop.mutable_stop()->set_timeout_seconds(1);
  SendAndWait(stop);
  v1::ControllerMessage sync;
  sync.set_command_id("sync");
  sync.mutable_sync();
  ASSERT_TRUE(gateway_.Send(sync));
  size_t after_sync = gateway_.received().size();
  ASSERT_TRUE(gateway_.WaitFor([after_sync](const Messages& m) {
    for (size_t i = after_sync; i < m.size(); ++i) {
      if (m[i].has_heartbeat()) return true;
    }
    return false;
  }));
  for (const auto& m : gateway_.received()) {
    if (m.has_heartbeat()) {
      EXPECT_EQ(m.heartbeat().containers_size(), 0);
    }
  }

  agent_->Kill();
  EXPECT_TRUE(Running(foreign));
  EXPECT_TRUE(Running(other_cluster));
}

}  // namespace
}  // namespace microscale::testing
