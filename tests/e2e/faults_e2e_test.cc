// End to end: what happens when processes die or stop. Agent kill -9 and restart,
// controller kill -9 and restart on the same data dir, and an agent frozen with SIGSTOP
// (NotReady, replaced elsewhere, surplus stopped when it thaws). Each test has its own
// cluster because it breaks it.
#include <signal.h>

#include <set>

#include "gtest/gtest.h"
#include "tests/e2e/e2e_cluster.h"

namespace microscale::testing {
namespace {

std::set<std::string> RunningIds(E2eCluster& c, const std::string& app) {
  std::set<std::string> ids;
  for (const auto& container : c.DockerContainers()) {
    auto it = container.labels.find("io.microscale.app");
    if (it != container.labels.end() && it->second == app && container.state == "running") {
      ids.insert(container.id);
    }
  }
  return ids;
}

std::string ApplyStatic(E2eCluster& c, const std::string& base, int value) {
  std::string app = c.App(base);
  CommandResult r = c.Cli({"apply", "-f", "-"}, StaticApp(app, 1, 0, 8, value));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  c.WaitFor([&] { return c.Status(app, "running") == value && c.DockerRunning(app) == value; },
            app + " running");
  return app;
}

TEST(FaultsE2eTest, AgentKilledAndRestartedAdoptsItsContainers) {
  E2eOptions options;
  options.controller_flags = {"--node-timeout", "20s", "--startup-grace", "5s"};
  E2eCluster c("agentkill", options);
  std::string app = ApplyStatic(c, "adopt", 4);
  const std::set<std::string> before = RunningIds(c, app);
  ASSERT_EQ(before.size(), 4u);
  c.KillAgent(0);
  c.StartAgent(0);
  c.WaitNodesReady(2);
  // No duplicate and no orphan: the same four containers, all known to the controller.
  c.WaitFor(
      [&] {
        nlohmann::json list = c.Json({"get", "containers", "--app", app});
        return list.is_object() && list["items"].size() == 4 && RunningIds(c, app) == before &&
               c.Status(app, "running") == 4;
      },
      "the same four containers after the agent restart");
  EXPECT_EQ(c.DockerContainers().size(), 4u);
}

TEST(FaultsE2eTest, ControllerKilledAndRestartedCausesNoChurn) {
  E2eCluster c("ctlkill");
  std::string app = ApplyStatic(c, "steady", 4);
  const std::set<std::string> before = RunningIds(c, app);
  c.KillController();
  c.StartController();
  c.WaitNodesReady(2);
  c.WaitFor([&] { return c.Status(app, "running") == 4; }, "app known and running after restart");
  nlohmann::json apps = c.Json({"get", "apps", app});
  ASSERT_TRUE(apps.is_object());
  EXPECT_EQ(apps["items"][0]["spec"]["priority"], 1);
  EXPECT_EQ(RunningIds(c, app), before);
  EXPECT_EQ(c.DockerContainers().size(), 4u);
}

TEST(FaultsE2eTest, FrozenAgentGoesNotReadyAndItsContainersAreReplaced) {
  E2eCluster c("sigstop");
  std::string app = ApplyStatic(c, "critical", 2);
  c.agent(0).Signal(SIGSTOP);
  c.WaitFor(
      [&] {
        nlohmann::json nodes = c.Json({"get", "nodes", c.node(0)});
        return nodes.is_object() && nodes["items"][0]["status"]["state"] == "NotReady";
      },
      "node-1 NotReady");
  // Replaced on node-2: the controller counts two running there.
  c.WaitFor(
      [&] {
        nlohmann::json list = c.Json({"get", "containers", "--node", c.node(1), "--app", app});
        int running = 0;
        if (list.is_object()) {
          for (const auto& item : list["items"]) running += item["state"] == "Running";
        }
        return running == 2 && c.Status(app, "running") == 2;
      },
      "two containers of the app on node-2");
  c.agent(0).Signal(SIGCONT);
  c.WaitNodesReady(2);
  // The surplus is stopped: two running in all, as the Docker Engine sees it.
  c.WaitFor([&] { return c.DockerRunning(app) == 2 && c.Status(app, "running") == 2; },
            "surplus stopped after the node returned");
}

}  // namespace
}  // namespace microscale::testing
