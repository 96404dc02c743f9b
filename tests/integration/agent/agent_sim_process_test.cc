// The real microscale-agent binary with --runtime=sim against an in-process test
// AgentGateway: the wiring of main (flags, runtime, session, signals), without Docker.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "node-agent/agent/testing/test_agent_gateway.h"
#include "tests/integration/agent/agent_process.h"

namespace microscale::testing {
namespace {

using Messages = std::vector<v1::AgentMessage>;

// A passing test leaves no log behind; a failing one keeps it for a look.
void RemoveLog(const AgentProcess& agent) {
  if (::testing::Test::HasFailure()) return;
  std::error_code ignored;
  std::filesystem::remove(agent.log_path(), ignored);
}

TEST(AgentSimProcess, ServesTheStreamAndExitsCleanlyOnSigterm) {
  TestAgentGateway gateway;
  ASSERT_TRUE(gateway.Start().ok());
  AgentProcess agent(
      MICROSCALE_AGENT_BINARY,
      {"--runtime=sim", "--controller=" + gateway.address(), "--node-name=sim-1",
       "--cluster-name=sim-test", "--http-addr=127.0.0.1:0", "--heartbeat-interval=100ms",
       "--cpu=3", "--labels=zone=z9", "--log-format=json"},
      absl::StrCat(::testing::TempDir(), "agent-sim-", getpid(), ".log"));
  ASSERT_TRUE(agent.Start().ok());
  ASSERT_TRUE(gateway.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }))
      << agent.Log();
  const v1::Hello hello = gateway.received().front().hello();
  EXPECT_EQ(hello.runtime(), "sim");
  EXPECT_EQ(hello.node_name(), "sim-1");
  EXPECT_EQ(hello.cluster(), "sim-test");
  EXPECT_EQ(hello.capacity().cpu_millis(), 3000);
  EXPECT_EQ(hello.labels().at("zone"), "z9");

  v1::ControllerMessage start;
  start.set_command_id("c1");
  start.mutable_start()->set_instance("web-1");
  start.mutable_start()->mutable_spec()->set_app("web");
  start.mutable_start()->mutable_spec()->set_image("microscale/demo:latest");
  ASSERT_TRUE(gateway.Send(start));
  ASSERT_TRUE(gateway.WaitFor([](const Messages& m) {
    const v1::CommandResult* r = FindResult(m, "c1");
    return r != nullptr && r->ok() && r->container().container_id().rfind("sim-", 0) == 0;
  })) << agent.Log();
  ASSERT_TRUE(gateway.WaitFor([](const Messages& m) {
    return m.back().has_heartbeat() && m.back().heartbeat().containers_size() == 1;
  }));

  auto exit_code = agent.Terminate();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << agent.Log();
  EXPECT_NE(agent.Log().find("\"msg\":\"agent session stopped"), std::string::npos) << agent.Log();
  RemoveLog(agent);
}

}  // namespace
}  // namespace microscale::testing

namespace microscale::testing {
namespace {

// The agent holds the Docker socket, which is root on the node: it refuses a host-network
// start until the controller's Sync says --allow-host-network is on.
TEST(AgentSimProcess, RefusesHostNetworkUntilTheControllerAllowsIt) {
  TestAgentGateway gateway;
  ASSERT_TRUE(gateway.Start().ok());
  AgentProcess agent(MICROSCALE_AGENT_BINARY,
                     {"--runtime=sim", "--controller=" + gateway.address(), "--node-name=sim-2",
                      "--cluster-name=sim-test", "--http-addr=127.0.0.1:0"},
                     absl::StrCat(::testing::TempDir(), "agent-sim-host-", getpid(), ".log"));
  ASSERT_TRUE(agent.Start().ok());
  ASSERT_TRUE(gateway.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }))
      << agent.Log();
  auto start = [](const std::string& id, const std::string& network) {
    v1::ControllerMessage message;
    message.set_command_id(id);
    message.mutable_start()->set_instance("host-" + id);
    message.mutable_start()->mutable_spec()->set_app("host");
    message.mutable_start()->mutable_spec()->set_image("microscale/demo:latest");
    message.mutable_start()->mutable_spec()->set_network(network);
    return message;
  };
  auto sync = [](bool allowed) {
    v1::ControllerMessage message;
    message.set_command_id(allowed ? "sync-allow" : "sync-deny");
    message.mutable_sync()->set_host_network_allowed(allowed);
    return message;
  };

  ASSERT_TRUE(gateway.Send(sync(false)));
  ASSERT_TRUE(gateway.Send(start("c1", "host")));
  ASSERT_TRUE(gateway.Send(start("c2", "container:abc")));
  ASSERT_TRUE(gateway.WaitFor([](const Messages& m) {
    return FindResult(m, "c1") != nullptr && FindResult(m, "c2") != nullptr;
  })) << agent.Log();
  Messages received = gateway.received();
  const v1::CommandResult* host = FindResult(received, "c1");
  EXPECT_FALSE(host->ok());
  EXPECT_NE(host->error().find("--allow-host-network"), std::string::npos) << host->error();
  EXPECT_FALSE(FindResult(received, "c2")->ok());

  ASSERT_TRUE(gateway.Send(sync(true)));
  ASSERT_TRUE(gateway.Send(start("c3", "host")));
  ASSERT_TRUE(gateway.WaitFor([](const Messages& m) {
    const v1::CommandResult* r = FindResult(m, "c3");
    return r != nullptr && r->ok();
  })) << agent.Log();
  RemoveLog(agent);
}

}  // namespace
}  // namespace microscale::testing
