// End to end through microscalectl: standby pools and `preemption: pause` on the real
// controller, two real agents and the real dockerd. A scale-up from standby is an unpause
// (Docker's /events say so), the pool refills afterwards; a worker preempted with `pause`
// keeps its containers and gets them back; when memory is short, paused containers are
// stopped, lowest priority first. One cluster (two agents of 1100m and 96Mi each) is shared
// by the suite; every test uses its own app names and deletes them when it ends.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "node-agent/docker/docker_events.h"
#include "tests/e2e/e2e_cluster.h"
#include "tests/integration/docker/docker_test_env.h"

namespace microscale::testing {
namespace {

struct AppShape {
  std::string name;
  int priority = 10;
  int max = 4;
  int demand = 0;
  std::string cpu = "250m";
  std::string memory = "16Mi";
  int standby = 0;
  std::string preemption = "stop";
};

std::string Manifest(const AppShape& a) {
  return absl::StrCat("apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: ", a.name,
                      "\nspec:\n  priority: ", a.priority,
                      "\n  image: microscale/demo:latest\n  stopTimeoutSeconds: 1\n"
                      "  resources: {cpu: ",
                      a.cpu, ", memory: ", a.memory, "}\n  replicas: {min: 0, max: ", a.max,
                      "}\n  preemption: ", a.preemption, "\n  standby: ", a.standby,
                      "\n  demand:\n    source: static\n    value: ", a.demand, "\n");
}

// Container events of one cluster from Docker's /events, recorded from construction on.
class EngineEvents {
 public:
  explicit EngineEvents(const std::string& cluster) {
    docker::EventStreamOptions options;
    options.filters = {{"type", {"container"}}, {"label", {"io.microscale.cluster=" + cluster}}};
    options.on_connect = [this](bool ok) {
      if (ok && !connected_.HasBeenNotified()) connected_.Notify();
    };
    stream_ =
        std::make_unique<docker::DockerEventStream>(options, [this](const docker::EngineEvent& e) {
          absl::MutexLock lock(&mu_);
          actions_[e.id].push_back(e.action);
        });
  }
  bool WaitConnected() { return connected_.WaitForNotificationWithTimeout(absl::Seconds(30)); }
  // The actions (start, pause, unpause, die, ...) seen for container `id`, in order.
  std::vector<std::string> Actions(const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto it = actions_.find(id);
    return it == actions_.end() ? std::vector<std::string>{} : it->second;
  }

 private:
  absl::Notification connected_;
  absl::Mutex mu_;
  std::map<std::string, std::vector<std::string>> actions_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<docker::DockerEventStream> stream_;
};

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

class StandbyE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    E2eOptions options;
    options.agents = 2;
    options.agent_cpu = "1100m";
    options.agent_memory = "96Mi";
    cluster_ = new E2eCluster("standby", options);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void TearDown() override {
    for (const std::string& app : apps_) cluster_->Cli({"delete", "app", app});
    for (const std::string& app : apps_) {
      cluster_->WaitFor([&] { return DockerStates(app).empty(); },
                        "containers of " + app + " gone");
    }
  }

  E2eCluster& c() { return *cluster_; }

  std::string Apply(AppShape shape) {
    shape.name = c().App(shape.name);
    apps_.push_back(shape.name);
    CommandResult r = c().Cli({"apply", "-f", "-"}, Manifest(shape));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return shape.name;
  }
  void SetDemand(const std::string& app, int value) {
    CommandResult r = c().Cli({"demand", "set", app, std::to_string(value)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Docker's view: container id -> engine state (running, paused, ...) of `app`.
  std::map<std::string, std::string> DockerStates(const std::string& app) {
    std::map<std::string, std::string> out;
    for (const auto& container : c().DockerContainers()) {
      auto it = container.labels.find("io.microscale.app");
      if (it != container.labels.end() && it->second == app) out[container.id] = container.state;
    }
    return out;
  }
  std::set<std::string> DockerIds(const std::string& app, const std::string& state = "") {
    std::set<std::string> ids;
    for (const auto& [id, s] : DockerStates(app)) {
      if (state.empty() || s == state) ids.insert(id);
    }
    return ids;
  }
  // The controller's view through `get containers -o json`: state -> count.
  std::map<std::string, int> CliStates(const std::string& app) {
    std::map<std::string, int> out;
    nlohmann::json list = c().Json({"get", "containers", "--app", app});
    if (!list.is_object() || !list["items"].is_array()) return out;
    for (const auto& item : list["items"]) ++out[item["state"].get<std::string>()];
    return out;
  }

  // Waits until the controller and Docker agree on `running` and `paused` containers of
  // `app` and nothing else of it exists; on timeout, says what it saw.
  bool WaitShape(const std::string& app, int running, int paused) {
    std::map<std::string, int> want;
    if (running > 0) want["Running"] = running;
    if (paused > 0) want["Paused"] = paused;
    auto holds = [&] {
      return CliStates(app) == want &&
             DockerIds(app, "running").size() == static_cast<size_t>(running) &&
             DockerIds(app, "paused").size() == static_cast<size_t>(paused) &&
             DockerStates(app).size() ==
                 static_cast<size_t>(running) + static_cast<size_t>(paused) &&
             c().Status(app, "running") == running && c().Status(app, "paused") == paused;
    };
    if (c().WaitFor(holds, absl::StrCat(app, ": ", running, " running and ", paused, " paused"))) {
      return true;
    }
    ADD_FAILURE() << "seen:\n"
                  << c().Cli({"-o", "wide", "get", "apps"}).out
                  << c().Cli({"-o", "wide", "get", "containers"}).out << c().Cli({"events"}).out;
    return false;
  }

  static E2eCluster* cluster_;
  std::vector<std::string> apps_;
};

E2eCluster* StandbyE2eTest::cluster_ = nullptr;

TEST_F(StandbyE2eTest, ScaleUpFromStandbyIsAnUnpauseAndThePoolRefills) {
  std::string app = Apply({.name = "warm", .priority = 5, .demand = 0, .standby = 2});
  ASSERT_TRUE(WaitShape(app, 0, 2));
  EXPECT_EQ(c().Status(app, "standby"), 2);
  const std::set<std::string> pool = DockerIds(app, "paused");

  EngineEvents events(c().cluster());
  ASSERT_TRUE(events.WaitConnected());
  SetDemand(app, 1);
  ASSERT_TRUE(c().WaitFor([&] { return DockerIds(app, "running").size() == 1; },
                          app + " one container running"));
  const std::string served = *DockerIds(app, "running").begin();
  EXPECT_TRUE(pool.contains(served)) << "the running container came from the standby pool";
  ASSERT_TRUE(c().WaitFor([&] { return Contains(events.Actions(served), "unpause"); },
                          "an unpause event for " + served));
  EXPECT_FALSE(Contains(events.Actions(served), "start")) << "resumed, not started";

  // The pool refills in the background: a new container started, then paused.
  ASSERT_TRUE(WaitShape(app, 1, 2));
  EXPECT_EQ(c().Status(app, "standby"), 2);
  std::set<std::string> refilled = DockerIds(app, "paused");
  refilled.erase(*pool.begin());
  refilled.erase(*pool.rbegin());
  ASSERT_EQ(refilled.size(), 1u) << "one new standby container";
  const std::string fresh = *refilled.begin();
  ASSERT_TRUE(c().WaitFor([&] { return Contains(events.Actions(fresh), "pause"); },
                          "the new standby container paused"));
  EXPECT_EQ(events.Actions(fresh).front(), "create");
}

TEST_F(StandbyE2eTest, PausePreemptionKeepsTheWorkersContainersAndResumesThem) {
  std::string worker =
      Apply({.name = "worker", .priority = 2, .demand = 4, .cpu = "500m", .preemption = "pause"});
  ASSERT_TRUE(WaitShape(worker, 4, 0));
  const std::set<std::string> ids = DockerIds(worker);

  std::string api = Apply({.name = "api", .priority = 1, .max = 2, .demand = 0, .cpu = "500m"});
  SetDemand(api, 2);
  ASSERT_TRUE(WaitShape(api, 2, 0));
  ASSERT_TRUE(WaitShape(worker, 2, 2));
  EXPECT_EQ(DockerIds(worker), ids) << "paused, not removed";
  EXPECT_EQ(c().Status(worker, "standby"), 0) << "preempted, not standby";

  SetDemand(api, 0);
  ASSERT_TRUE(WaitShape(api, 0, 0));
  ASSERT_TRUE(WaitShape(worker, 4, 0));
  EXPECT_EQ(DockerIds(worker), ids) << "the same containers resumed";
}

// Uncordons a node when it goes out of scope, so a failing test leaves the cluster whole.
class CordonGuard {
 public:
  CordonGuard(E2eCluster& cluster, std::string node) : cluster_(cluster), node_(std::move(node)) {
    CommandResult r = cluster_.Cli({"cordon", node_});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  ~CordonGuard() { cluster_.Cli({"uncordon", node_}); }
  CordonGuard(const CordonGuard&) = delete;
  CordonGuard& operator=(const CordonGuard&) = delete;

 private:
  E2eCluster& cluster_;
  std::string node_;
};

TEST_F(StandbyE2eTest, WhenMemoryIsShortPausedContainersStopLowestPriorityFirst) {
  // Everything runs on node-1 (node-2 is cordoned), which offers 1100m and 96Mi. `low` and
  // `mid` (250m, 16Mi, pause) run two each. `top` (1000m, 16Mi) needs CPU alone, so all
  // four are paused and keep holding 64Mi. Then `cache` (10m, 32Mi) needs memory only:
  // paused containers are stopped, every one of `low`'s before any of `mid`'s.
  CordonGuard cordon(c(), c().node(1));
  std::string low = Apply({.name = "low", .priority = 3, .demand = 2, .preemption = "pause"});
  std::string mid = Apply({.name = "mid", .priority = 2, .demand = 2, .preemption = "pause"});
  ASSERT_TRUE(WaitShape(low, 2, 0));
  ASSERT_TRUE(WaitShape(mid, 2, 0));
  const std::set<std::string> low_ids = DockerIds(low);
  const std::set<std::string> mid_ids = DockerIds(mid);

  std::string top = Apply({.name = "top", .priority = 1, .max = 1, .demand = 1, .cpu = "1000m"});
  ASSERT_TRUE(WaitShape(top, 1, 0));
  ASSERT_TRUE(WaitShape(low, 0, 2)) << "CPU short: paused, not stopped";
  ASSERT_TRUE(WaitShape(mid, 0, 2));
  EXPECT_EQ(DockerIds(low), low_ids);
  EXPECT_EQ(DockerIds(mid), mid_ids);

  std::string cache =
      Apply({.name = "cache", .priority = 1, .demand = 0, .cpu = "10m", .memory = "32Mi"});
  SetDemand(cache, 1);
  ASSERT_TRUE(WaitShape(cache, 1, 0));
  ASSERT_TRUE(WaitShape(low, 0, 1)) << "memory short: the lowest priority's paused go first";
  ASSERT_TRUE(WaitShape(mid, 0, 2));
  EXPECT_EQ(DockerIds(mid), mid_ids);

  SetDemand(cache, 2);
  ASSERT_TRUE(WaitShape(cache, 2, 0));
  ASSERT_TRUE(WaitShape(low, 0, 0)) << "every paused container of the lowest priority went";
  ASSERT_TRUE(WaitShape(mid, 0, 1)) << "before the next priority lost one";
  const std::set<std::string> mid_kept = DockerIds(mid);
  for (const std::string& id : mid_kept) EXPECT_TRUE(mid_ids.contains(id)) << id;

  SetDemand(cache, 0);
  SetDemand(top, 0);
  ASSERT_TRUE(WaitShape(mid, 2, 0));
  for (const std::string& id : mid_kept) {
    EXPECT_TRUE(DockerIds(mid, "running").contains(id)) << "mid resumed its paused " << id;
  }
  ASSERT_TRUE(WaitShape(low, 2, 0));
}

}  // namespace
}  // namespace microscale::testing
