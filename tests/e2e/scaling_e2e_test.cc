// End to end through microscalectl only: scaling from `demand set`, preemption by
// priority and its release, min, delete, cordon and drain, node selectors, bad manifests,
// concurrent applies. One cluster (controller + two agents, 1 CPU each, labelled zone=a
// and zone=b) is shared by the suite; every test uses its own app names.
#include <algorithm>
#include <map>
#include <thread>

#include "gtest/gtest.h"
#include "tests/e2e/e2e_cluster.h"

namespace microscale::testing {
namespace {

class ScalingE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    E2eOptions options;
    options.agent_launch[0].flags = {"--labels", "zone=a,disk=ssd"};
    options.agent_launch[1].flags = {"--labels", "zone=b"};
    cluster_ = new E2eCluster("scaling", options);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void TearDown() override {
    for (const std::string& app : apps_) cluster_->Cli({"delete", "app", app});
    for (const std::string& app : apps_) {
      cluster_->WaitFor([&] { return cluster_->DockerRunning(app) == 0; },
                        "containers of " + app + " gone");
    }
  }

  E2eCluster& c() { return *cluster_; }
  // `extra` is appended to the spec (two-space indented lines).
  std::string Apply(const std::string& base, int priority, int min, int max, double value,
                    bool preemptible = true, const std::string& extra = "") {
    std::string name = c().App(base);
    apps_.push_back(name);
    CommandResult r = c().Cli({"apply", "-f", "-"},
                              StaticApp(name, priority, min, max, value, preemptible) + extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("app/" + name + " created"), std::string::npos) << r.out;
    return name;
  }
  void SetDemand(const std::string& app, int value) {
    CommandResult r = c().Cli({"demand", "set", app, std::to_string(value)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Waits until both the controller and the Docker Engine agree that `n` run.
  bool WaitRunning(const std::string& app, int n) {
    return c().WaitFor(
        [&] { return c().Status(app, "running") == n && c().DockerRunning(app) == n; },
        app + " running " + std::to_string(n));
  }
  std::map<std::string, int> PerNode(const std::string& app) {
    std::map<std::string, int> out;
    nlohmann::json list = c().Json({"get", "containers", "--app", app});
    if (!list.is_object()) return out;
    for (const auto& item : list["items"]) {
      if (item["state"] == "Running") ++out[item["node"].get<std::string>()];
    }
    return out;
  }

  static E2eCluster* cluster_;
  std::vector<std::string> apps_;
};

E2eCluster* ScalingE2eTest::cluster_ = nullptr;

TEST_F(ScalingE2eTest, ScalesUpAndDownWithDemandSet) {
  std::string web = Apply("web", 1, 0, 6, 0);
  WaitRunning(web, 0);
  SetDemand(web, 3);
  WaitRunning(web, 3);
  SetDemand(web, 1);
  WaitRunning(web, 1);
  SetDemand(web, 0);
  WaitRunning(web, 0);
}

TEST_F(ScalingE2eTest, MinIsHonouredWithoutDemand) {
  std::string app = Apply("floor", 3, 2, 5, 0);
  WaitRunning(app, 2);
  EXPECT_EQ(c().Status(app, "desired"), 2);
}

TEST_F(ScalingE2eTest, PriorityOnePreemptsPriorityTwoAndGivesBack) {
  // Two nodes of 1 CPU hold 8 containers of 250m.
  std::string batch = Apply("batch", 2, 0, 8, 8);
  std::string api = Apply("api", 1, 0, 8, 0);
  WaitRunning(batch, 8);
  SetDemand(api, 5);
  WaitRunning(api, 5);
  WaitRunning(batch, 3);
  SetDemand(api, 1);
  WaitRunning(api, 1);
  WaitRunning(batch, 7);
}

// node-1 is zone=a, node-2 zone=b. A priority-1 app selecting zone=b preempts only on
// node-2, even with node-1 full of a lower priority it could take from; an app no node
// matches gets nothing and says why.
TEST_F(ScalingE2eTest, NodeSelectorPlacesOnlyOnMatchingNodesEvenUnderPreemption) {
  nlohmann::json nodes = c().Json({"get", "nodes"});
  ASSERT_TRUE(nodes.is_object());
  std::map<std::string, std::string> zones;
  for (const auto& n : nodes["items"]) {
    zones[n["metadata"]["name"].get<std::string>()] =
        n["metadata"]["labels"].value("zone", std::string("<none>"));
  }
  EXPECT_EQ(zones, (std::map<std::string, std::string>{{c().node(0), "a"}, {c().node(1), "b"}}));
  CommandResult wide = c().Cli({"get", "nodes", "-o", "wide"});
  EXPECT_NE(wide.out.find("disk=ssd,zone=a"), std::string::npos) << wide.out;

  // Two nodes of 1 CPU hold 8 containers of 250m: the batch fills both.
  std::string batch = Apply("sel-batch", 5, 0, 8, 8);
  WaitRunning(batch, 8);
  std::string api = Apply("sel-api", 1, 0, 8, 3, true, "  nodeSelector: {zone: b}\n");
  WaitRunning(api, 3);
  WaitRunning(batch, 5);
  EXPECT_EQ(PerNode(api), (std::map<std::string, int>{{c().node(1), 3}}));
  EXPECT_EQ(PerNode(batch), (std::map<std::string, int>{{c().node(0), 4}, {c().node(1), 1}}));
  // More than zone b holds: the rest stays unplaced rather than taking node-1.
  SetDemand(api, 6);
  WaitRunning(api, 4);
  WaitRunning(batch, 4);
  EXPECT_EQ(c().Status(api, "desired"), 6);
  EXPECT_EQ(PerNode(api), (std::map<std::string, int>{{c().node(1), 4}}));
  EXPECT_EQ(PerNode(batch), (std::map<std::string, int>{{c().node(0), 4}}));

  std::string nowhere = Apply("sel-nowhere", 1, 0, 2, 2, true, "  nodeSelector: {zone: c}\n");
  std::string reason;
  nlohmann::json app;
  c().WaitFor(
      [&] {
        app = c().Json({"get", "app", nowhere});
        if (!app.is_object() || app["items"].size() != 1) return false;
        for (const auto& cond : app["items"][0]["status"]["conditions"]) {
          if (cond["type"] == "CapacityAvailable") {
            reason = cond.value("reason", "");
            return reason == "NoMatchingNode" &&
                   cond.value("message", "").find("zone=c") != std::string::npos;
          }
        }
        return false;
      },
      "CapacityAvailable=False NoMatchingNode naming zone=c");
  EXPECT_EQ(reason, "NoMatchingNode") << app.dump();
  EXPECT_EQ(c().DockerRunning(nowhere), 0);
  EXPECT_EQ(c().Status(nowhere, "allocated"), 0);
}

TEST_F(ScalingE2eTest, NonPreemptibleContainersAreNeverVictims) {
  std::string steady = Apply("steady", 5, 0, 8, 8, /*preemptible=*/false);
  WaitRunning(steady, 8);
  std::string urgent = Apply("urgent", 1, 0, 4, 4);
  c().WaitFor([&] { return c().Status(urgent, "desired") == 4; }, "urgent desires 4");
  WaitRunning(steady, 8);
  EXPECT_EQ(c().DockerRunning(urgent), 0);
  EXPECT_EQ(c().Status(urgent, "allocated"), 0);
}

TEST_F(ScalingE2eTest, DeleteStopsAndForgetsTheApp) {
  std::string app = Apply("doomed", 4, 0, 4, 2);
  WaitRunning(app, 2);
  CommandResult r = c().Cli({"delete", "app", app});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  c().WaitFor([&] { return c().DockerRunning(app) == 0; }, "deleted app's containers gone");
  CommandResult get = c().Cli({"get", "apps", app});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_NE(get.err.find("not found"), std::string::npos) << get.err;
}

TEST_F(ScalingE2eTest, CordonKeepsNewContainersAwayAndDrainMovesThem) {
  std::string app = Apply("mover", 2, 0, 4, 2);
  WaitRunning(app, 2);
  ASSERT_EQ(c().Cli({"cordon", c().node(0)}).exit_code, 0);
  const int on_cordoned = PerNode(app)[c().node(0)];
  SetDemand(app, 4);
  WaitRunning(app, 4);
  // Containers already on the cordoned node stay; none is added there.
  EXPECT_EQ(PerNode(app)[c().node(0)], on_cordoned);
  // A drain starts the replacements before it stops the old containers: the engines never
  // run fewer than 4 (sampled between the polls of the wait).
  ASSERT_EQ(c().Cli({"drain", c().node(0)}).exit_code, 0);
  int lowest = 4;
  c().WaitFor(
      [&] {
        lowest = std::min(lowest, c().DockerRunning(app));
        return PerNode(app) == std::map<std::string, int>{{c().node(1), 4}} &&
               c().DockerRunning(app) == 4;
      },
      "all four on node-2 after the drain");
  EXPECT_EQ(lowest, 4) << "the running count dipped during the drain";
  WaitRunning(app, 4);
  ASSERT_EQ(c().Cli({"uncordon", c().node(0)}).exit_code, 0);
  c().WaitFor(
      [&] {
        nlohmann::json nodes = c().Json({"get", "nodes", c().node(0)});
        return nodes.is_object() && nodes["items"].size() == 1 &&
               nodes["items"][0]["status"]["state"] == "Ready";
      },
      "node-1 Ready again");
}

TEST_F(ScalingE2eTest, BadManifestsAreRefusedWithTheFieldAndChangeNothing) {
  std::string keep = Apply("keep", 9, 1, 2, 0);
  WaitRunning(keep, 1);
  struct Case {
    std::string yaml;
    std::string field;
  };
  const std::string name = c().App("bad");
  const std::string head = "apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: " + name +
                           "\nspec:\n  image: microscale/demo:latest\n";
  const std::vector<Case> cases = {
      {head + "  replicas: {min: 3, max: 1}\n  demand: {source: static}\n", "spec.replicas.max"},
      {head + "  priority: 0\n  replicas: {max: 1}\n  demand: {source: static}\n", "spec.priority"},
      {head + "  replicas: {max: 1}\n  resources: {cpu: lots}\n  demand: {source: static}\n",
       "spec.resources.cpu"},
      {head + "  replicas: {max: 1}\n  demand: {source: prometheus}\n", "spec.demand.prometheus"},
      {head + "  replicas: {max: 1}\n  colour: blue\n  demand: {source: static}\n", "spec.colour"},
      {"apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: Not_A_Name\nspec:\n"
       "  image: x\n  replicas: {max: 1}\n  demand: {source: static}\n",
       "metadata.name"},
      // A good document then a bad one: nothing of the file is applied.
      {StaticApp(c().App("partial"), 5, 0, 1, 0) + "---\n" + head +
           "  replicas: {max: -1}\n  demand: {source: static}\n",
       "spec.replicas.max"},
  };
  nlohmann::json before = c().Json({"get", "apps"});
  for (const Case& tc : cases) {
    CommandResult r = c().Cli({"apply", "-f", "-"}, tc.yaml);
    EXPECT_EQ(r.exit_code, 1) << tc.yaml;
    EXPECT_NE(r.err.find(tc.field), std::string::npos) << "stderr: " << r.err;
  }
  nlohmann::json after = c().Json({"get", "apps"});
  ASSERT_TRUE(after.is_object());
  EXPECT_EQ(after["items"].size(), before["items"].size());
  EXPECT_EQ(c().Cli({"get", "apps", c().App("partial")}).exit_code, 1);
}

TEST_F(ScalingE2eTest, ConcurrentAppliesBothLand) {
  std::string a = c().App("conc-a");
  std::string b = c().App("conc-b");
  apps_.push_back(a);
  apps_.push_back(b);
  CommandResult ra, rb;
  std::thread ta([&] { ra = c().Cli({"apply", "-f", "-"}, StaticApp(a, 6, 1, 2, 0)); });
  std::thread tb([&] { rb = c().Cli({"apply", "-f", "-"}, StaticApp(b, 6, 1, 2, 0)); });
  ta.join();
  tb.join();
  EXPECT_EQ(ra.exit_code, 0) << ra.err;
  EXPECT_EQ(rb.exit_code, 0) << rb.err;
  WaitRunning(a, 1);
  WaitRunning(b, 1);
}

}  // namespace
}  // namespace microscale::testing
