// End to end: what happens when processes die or stop, links break or the engine restarts.
// Agent kill -9 and restart, controller kill -9 and restart on the same data dir (also in
// the middle of a scale-up of 20, and at three random points of one of 30), an agent
// frozen with SIGSTOP (NotReady, replaced elsewhere, surplus stopped when it thaws), an
// agent cut off in a network namespace, and the agent's own dockerd restarted under it.
// Each test has its own cluster because it breaks it.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "tests/e2e/e2e_cluster.h"
#include "tests/e2e/net_namespace.h"
#include "tests/e2e/private_dockerd.h"

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

// Waits until the cluster has converged (see E2eCluster::Converged); fails with the last
// thing that did not hold.
bool WaitConverged(E2eCluster& c, const std::vector<std::string>& apps,
                   absl::Duration timeout = absl::Seconds(120)) {
  std::string why;
  bool ok = c.WaitFor([&] { return c.Converged(apps, &why); }, "convergence", timeout);
  EXPECT_TRUE(ok) << "last check: " << why;
  return ok;
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

// An upgrade restarts the daemons with SIGTERM, one at a time. Each stops in order (exit
// 0: it closed its streams and finished what was in flight within the 5 s it is allowed,
// past which it exits 1), and no app is restarted: the same containers run throughout,
// and a pass after each restart (a second app started) leaves them alone.
TEST(FaultsE2eTest, SigtermRestartsOfControllerAndAgentsRestartNoApp) {
  E2eCluster c("upgrade");
  std::string app = ApplyStatic(c, "served", 4);
  const std::set<std::string> before = RunningIds(c, app);
  ASSERT_EQ(before.size(), 4u);

  EXPECT_EQ(c.TerminateController(), 0) << c.Logs();
  EXPECT_EQ(RunningIds(c, app), before) << "the controller's stop touched containers";
  c.StartController();
  c.WaitNodesReady(2);
  std::string probe = ApplyStatic(c, "after-controller", 1);
  EXPECT_EQ(RunningIds(c, app), before);

  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(c.TerminateAgent(i), 0) << c.Logs();
    EXPECT_EQ(RunningIds(c, app), before) << "agent " << i << "'s stop touched containers";
    c.StartAgent(i);
    c.WaitNodesReady(2);
  }
  std::string last = ApplyStatic(c, "after-agents", 1);
  EXPECT_TRUE(WaitConverged(c, {app, probe, last}));
  EXPECT_EQ(RunningIds(c, app), before);
  EXPECT_EQ(c.Status(app, "running"), 4);
}

// The events of `reason` about `app`, oldest first.
std::vector<std::string> EventMessages(E2eCluster& c, const std::string& reason,
                                       const std::string& app) {
  std::vector<std::string> out;
  nlohmann::json events = c.Json({"events"});
  if (!events.is_object()) return out;
  for (const auto& e : events["items"]) {
    if (e["reason"] == reason && e["object"] == "app/" + app) out.push_back(e["message"]);
  }
  return out;
}

// A container whose command exits at once is started again after 10 s, then 20 s: no
// tight loop. The app shows CrashLoopBackOff with the exit code, and another app on the
// same nodes keeps running untouched.
TEST(FaultsE2eTest, ACrashingContainerBacksOffAndStarvesNoOtherApp) {
  E2eCluster c("crashloop");
  std::string steady = ApplyStatic(c, "steady", 2);
  const std::set<std::string> steady_ids = RunningIds(c, steady);
  const std::string crasher = c.App("crasher");
  CommandResult applied =
      c.Cli({"apply", "-f", "-"},
            absl::StrCat("apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: ", crasher,
                         "\nspec:\n  priority: 1\n  image: microscale/demo:latest\n"
                         "  command: [\"/bin/sh\", \"-c\", \"exit 3\"]\n"
                         "  resources: {cpu: 100m, memory: 16Mi}\n  replicas: {min: 1, max: 1}\n"
                         "  demand: {source: static, value: 1}\n"));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ASSERT_TRUE(c.WaitFor([&] { return EventMessages(c, "CrashLoopBackOff", crasher).size() >= 2; },
                        "two crashes of " + crasher, absl::Seconds(120)));
  std::vector<std::string> crashes = EventMessages(c, "CrashLoopBackOff", crasher);
  EXPECT_NE(crashes[0].find("exited with code 3"), std::string::npos) << crashes[0];
  EXPECT_NE(crashes[0].find("(crash 1 in a row); its replacement starts in 10s"), std::string::npos)
      << crashes[0];
  EXPECT_NE(crashes[1].find("(crash 2 in a row); its replacement starts in 20s"), std::string::npos)
      << crashes[1];
  EXPECT_TRUE(EventMessages(c, "ContainerExited", crasher).empty())
      << "a crash is replaced at once";

  nlohmann::json app = c.Json({"get", "apps", crasher});
  ASSERT_TRUE(app.is_object());
  bool shown = false;
  for (const auto& condition : app["items"][0]["status"]["conditions"]) {
    if (condition["type"] == "CrashLoopBackOff") {
      shown = condition["status"] == "True" && condition["message"].get<std::string>().find(
                                                   "exited with code 3") != std::string::npos;
    }
  }
  EXPECT_TRUE(shown) << app.dump();
  EXPECT_EQ(RunningIds(c, steady), steady_ids) << "the other app was disturbed";
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

// Polls (every 20 ms, up to 60 s) until Docker runs at least one container of `app`;
// returns how many it runs then.
int WaitFirstRunning(E2eCluster& c, const std::string& app) {
  int running = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    running = c.DockerRunning(app);
    if (running >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return running;
}

TEST(FaultsE2eTest, AgentKilledDuringScaleUpLeavesNothingHalfStarted) {
  E2eOptions options;
  options.agents = 1;
  options.agent_cpu = "2";  // room for 20 containers of 100m
  options.controller_flags = {"--node-timeout", "20s", "--startup-grace", "5s"};
  E2eCluster c("agentscaleupkill", options);
  const std::string app = c.App("burst");
  CommandResult r = c.Cli({"apply", "-f", "-"}, StaticApp(app, 1, 0, 20, 0, true, "100m"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = c.Cli({"demand", "set", app, "20"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The agent runs four engine calls at a time, each a create then a start: killed now,
  // some containers are only created. (The engine finishes a start it was already asked
  // for, so most of those run anyway; one created between the agent's create and its start
  // request stays created until the controller sends its start again.)
  const int running = WaitFirstRunning(c, app);
  c.KillAgent(0);
  ASSERT_GE(running, 1) << "no container started within 60 s\n" << c.Logs();
  ASSERT_LT(running, 20) << "the scale-up finished before the agent could be killed";
  int created = 0;
  for (const auto& container : c.DockerContainers()) created += container.state == "created";
  std::cerr << "agent killed with " << running << " running and " << created
            << " created containers\n";
  c.StartAgent(0);
  c.WaitNodesReady(1);
  WaitConverged(c, {app});
  EXPECT_EQ(c.DockerRunning(app), 20);
}

// Two nodes with room for 20 containers of 100m each, restarts that wait for both agents.
E2eOptions ScaleUpKillOptions() {
  E2eOptions options;
  options.agent_cpu = "2";
  options.controller_flags = {"--node-timeout", "10s", "--startup-grace", "20s"};
  return options;
}

// Applies a static app of 100m containers and sets its demand to `n`: a scale-up begins.
std::string StartScaleUp(E2eCluster& c, int n) {
  std::string app = c.App("burst");
  CommandResult r = c.Cli({"apply", "-f", "-"}, StaticApp(app, 1, 0, n, 0, true, "100m"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = c.Cli({"demand", "set", app, absl::StrCat(n)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return app;
}

// After the restarts: the app converges to exactly `n` containers, every instance id once.
void ExpectExactlyOnce(E2eCluster& c, const std::string& app, int n) {
  WaitConverged(c, {app});
  EXPECT_EQ(c.Status(app, "allocated"), n);
  EXPECT_EQ(c.DockerRunning(app), n);
  std::set<std::string> instances;
  for (const auto& container : c.DockerContainers()) {
    EXPECT_TRUE(instances.insert(container.labels.at("io.microscale.instance")).second)
        << "instance " << container.labels.at("io.microscale.instance") << " twice";
  }
  EXPECT_EQ(instances.size(), static_cast<size_t>(n)) << "a container left behind";
}

TEST(FaultsE2eTest, ControllerKilledDuringScaleUpConvergesWithoutDuplicatesOrOrphans) {
  E2eCluster c("scaleupkill", ScaleUpKillOptions());
  const std::string app = StartScaleUp(c, 20);
  // Kill the controller while the scale-up is under way: some containers run, not all.
  const int running = WaitFirstRunning(c, app);
  c.KillController();
  ASSERT_GE(running, 1) << "no container started within 60 s\n" << c.Logs();
  ASSERT_LT(running, 20) << "the scale-up finished before the controller could be killed";
  c.StartController();
  c.WaitNodesReady(2);
  ExpectExactlyOnce(c, app, 20);
}

// kill -9 of the controller at three random points of one scale-up (each after a random
// number of containers runs, seed printed): after each restart it resumes, and at the end
// the app has exactly its containers, every instance id once.
TEST(FaultsE2eTest, ControllerKilledAtRandomPointsOfAScaleUpNeverRepeatsAnId) {
  E2eCluster c("randomkill", ScaleUpKillOptions());
  const std::string app = StartScaleUp(c, 30);
  const uint32_t seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::cerr << "kill points seed " << seed << "\n";
  int floor = 0;
  for (int kill = 0; kill < 3; ++kill) {
    // Kill once between floor + 1 and floor + 8 containers run (or whatever runs if the
    // scale-up finishes first).
    const int at = std::min(30, std::uniform_int_distribution<int>(floor + 1, floor + 8)(rng));
    int running = 0;
    c.WaitFor(
        [&] {
          running = c.DockerRunning(app);
          return running >= at;
        },
        absl::StrCat(at, " running"), absl::Seconds(90));
    c.KillController();
    std::cerr << "controller killed with " << running << " of 30 running\n";
    floor = running;
    c.StartController();
    c.WaitNodesReady(2);
  }
  ExpectExactlyOnce(c, app, 30);
}

// The node's state as `get nodes` shows it, "" when unknown.
std::string NodeState(E2eCluster& c, int i) {
  nlohmann::json nodes = c.Json({"get", "nodes", c.node(i)});
  if (!nodes.is_object() || !nodes["items"].is_array() || nodes["items"].empty()) return "";
  return nodes["items"][0]["status"]["state"].get<std::string>();
}

// Running containers of `app` on node i, as the controller sees them.
int RunningOn(E2eCluster& c, const std::string& app, int i) {
  nlohmann::json list = c.Json({"get", "containers", "--node", c.node(i), "--app", app});
  int running = 0;
  if (list.is_object()) {
    for (const auto& item : list["items"]) running += item["state"] == "Running";
  }
  return running;
}

TEST(FaultsE2eTest, PartitionedAgentIsReplacedAndItsSurplusStoppedWhenItHeals) {
  NetworkNamespace ns;
  ASSERT_TRUE(ns.ok()) << ns.status();
  E2eOptions options;
  options.grpc_bind = "0.0.0.0";  // the namespaced agent dials the host end of the veth
  options.controller_flags = {"--node-timeout", "4s", "--startup-grace", "5s"};
  options.agent_launch[0] = AgentLaunch{ns.ExecPrefix(), ns.host_address(), {}};
  E2eCluster c("partition", options);
  // Each node has room for four containers of 250m: the critical app takes two on each,
  // the batch app fills the rest, so replacing node-1's critical containers on node-2
  // means preempting batch there.
  const std::string critical = c.App("critical");
  const std::string batch = c.App("batch");
  CommandResult r = c.Cli({"apply", "-f", "-"}, StaticApp(critical, 1, 0, 4, 4));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(WaitConverged(c, {critical}));
  ASSERT_EQ(RunningOn(c, critical, 0), 2) << "spread placement puts two on each node";
  r = c.Cli({"apply", "-f", "-"}, StaticApp(batch, 5, 0, 4, 4));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(WaitConverged(c, {critical, batch}));
  ASSERT_EQ(c.Status(batch, "running"), 4);

  ASSERT_TRUE(ns.Cut().ok());
  c.WaitFor([&] { return NodeState(c, 0) == "NotReady"; }, "node-1 NotReady after the cut");
  c.WaitFor([&] { return RunningOn(c, critical, 1) == 4 && c.Status(critical, "running") == 4; },
            "the critical app's four containers on node-2");
  EXPECT_EQ(c.Status(batch, "allocated"), 0) << "batch was preempted on node-2";

  ASSERT_TRUE(ns.Heal().ok());
  c.WaitFor([&] { return NodeState(c, 0) == "Ready"; }, "node-1 Ready after the heal",
            absl::Seconds(120));
  WaitConverged(c, {critical, batch});
  EXPECT_EQ(c.DockerRunning(critical), 4);
  EXPECT_EQ(c.DockerRunning(batch), 4);
}

// StaticApp with `network: none`, for an engine without a bridge.
std::string NoNetworkApp(const std::string& name, int priority, int max, int value) {
  std::string manifest = StaticApp(name, priority, 0, max, value);
  manifest.insert(manifest.find("  image:"), "  network: none\n");
  return manifest;
}

TEST(FaultsE2eTest, DockerdRestartedUnderTheAgentConverges) {
  PrivateDockerd dockerd;
  ASSERT_TRUE(dockerd.Start().ok()) << dockerd.Log();
  ASSERT_TRUE(dockerd.LoadImage("microscale/demo:latest").ok());
  E2eOptions options;
  options.agents = 1;
  options.agent_cpu = "2";
  options.docker_socket = dockerd.socket();
  E2eCluster c("dockerd", options);
  const std::string app = c.App("survivor");
  CommandResult r = c.Cli({"apply", "-f", "-"}, NoNetworkApp(app, 1, 6, 3));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(WaitConverged(c, {app}));
  // dockerd stops its containers when it stops: they come back exited, not running.
  dockerd.Stop();
  ASSERT_TRUE(dockerd.Start().ok()) << dockerd.Log();
  // The agent reports what the engine now has; the controller replaces what died.
  WaitConverged(c, {app});
  EXPECT_EQ(c.DockerRunning(app), 3);
  // And it still acts on the restarted engine: a scale-up lands there.
  r = c.Cli({"demand", "set", app, "5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  c.WaitFor([&] { return c.Status(app, "allocated") == 5; }, "allocation 5");
  WaitConverged(c, {app});
  EXPECT_EQ(c.DockerRunning(app), 5);
}

}  // namespace
}  // namespace microscale::testing
