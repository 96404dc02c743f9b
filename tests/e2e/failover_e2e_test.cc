// End to end: three controllers on a three-member etcd (started once for the suite, on
// loopback) with two agents driving the real dockerd. The leader killed with kill -9, a
// rolling restart of every controller under a demand step, and all of etcd down then back.
// Each test checks that nothing runs twice, that Docker has no container the controller
// does not know, and that no container was restarted: the containers that ran before run
// after, with the same Docker ids and start times. Each test has its own cluster (and so its
// own etcd prefix, /microscale/<cluster name>/) because it breaks it.
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/built_programs.h"
#include "tests/e2e/e2e_cluster.h"
#include "tests/e2e/etcd_cluster.h"

namespace microscale::testing {
namespace {

constexpr int kControllers = 3;

// A running container as Docker sees it: what a restart would change.
struct Started {
  std::string instance;
  std::string node;
  absl::Time started_at;
  int restart_count = 0;
  bool operator==(const Started&) const = default;
};

class FailoverE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    etcd_ = new EtcdCluster(3);
    started_ = etcd_->Start(&why_not_started_);
  }
  static void TearDownTestSuite() {
    delete etcd_;  // stops the members, removes their data
    etcd_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(started_) << why_not_started_; }
  void TearDown() override {
    if (HasFailure() && etcd_ != nullptr) std::cerr << "---- etcd ----\n" << etcd_->Logs();
  }

  // Three controllers on the suite's etcd; the product's defaults for --node-timeout and
  // --startup-grace (10 s each), a lease shorter than the default 5 s to keep the suite
  // short.
  static E2eOptions Options() {
    E2eOptions options;
    options.store = etcd_->store();
    options.controllers = kControllers;
    options.controller_flags = {"--leader-lease", "3s"};
    return options;
  }

  static CommandResult CliAt(const std::string& address, std::vector<std::string> args) {
    args.insert(args.begin(), {"--controller", address, "--timeout", "5s"});
    return RunCommand(BuiltProgram("cli/microscalectl"), args);
  }

  // The role controller i reports in `version -o json` (Leader, Standby), empty when it
  // does not answer.
  static std::string Role(E2eCluster& c, int i) {
    CommandResult r = CliAt(c.controller_address(i), {"version", "-o", "json"});
    nlohmann::json v = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    if (r.exit_code != 0 || !v.is_object()) return "";
    return v.value("role", "");
  }

  // The one controller that says it leads while every other one that answers stands by,
  // -1 when there is none (or more than one).
  static int Leader(E2eCluster& c) {
    int leader = -1;
    for (int i = 0; i < kControllers; ++i) {
      const std::string role = Role(c, i);
      if (role == "Leader") {
        if (leader >= 0) return -1;
        leader = i;
      } else if (!role.empty() && role != "Standby") {
        return -1;
      }
    }
    return leader;
  }

  // ROLE by ADDRESS, from `get controllers -o json` through the list of controllers.
  static std::map<std::string, std::string> Roster(E2eCluster& c) {
    std::map<std::string, std::string> roles;
    nlohmann::json list = c.Json({"get", "controllers"});
    if (!list.is_object() || list["kind"] != "ControllerList") return roles;
    for (const nlohmann::json& item : list["items"]) {
      roles[item.value("address", "")] = item.value("role", "");
    }
    return roles;
  }

  // The roster with `leader` leading and every other controller of `present` standing by.
  static std::map<std::string, std::string> ExpectedRoster(E2eCluster& c, int leader,
                                                           const std::set<int>& present) {
    std::map<std::string, std::string> roles;
    for (int i : present) roles[c.controller_address(i)] = i == leader ? "Leader" : "Standby";
    return roles;
  }

  // Waits until exactly one controller leads, all three being up (the others stand by)
  // and `get controllers` agrees; the leader's index, -1 on timeout.
  static int WaitOneLeader(E2eCluster& c) {
    int leader = -1;
    c.WaitFor([&] { return OneLeaderNow(c, &leader); }, "one leader, two standbys");
    return leader;
  }
  static bool OneLeaderNow(E2eCluster& c, int* leader) {
    *leader = Leader(c);
    return *leader >= 0 && Role(c, (*leader + 1) % kControllers) == "Standby" &&
           Role(c, (*leader + 2) % kControllers) == "Standby" &&
           Roster(c) == ExpectedRoster(c, *leader, {0, 1, 2});
  }

  // Applies a static app of `value` containers and waits until the cluster converged.
  static std::string ApplyStatic(E2eCluster& c, const std::string& base, int value) {
    std::string app = c.App(base);
    CommandResult r = c.Cli({"apply", "-f", "-"}, StaticApp(app, 1, 0, 8, value));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    WaitConverged(c, app, value);
    return app;
  }

  // Waits until `app` runs `count` containers and the cluster converged (E2eCluster::
  // Converged: no instance twice, no container the controller does not know).
  static bool WaitConverged(E2eCluster& c, const std::string& app, int count,
                            absl::Duration timeout = absl::Seconds(90)) {
    std::string why;
    const bool ok = c.WaitFor(
        [&] {
          if (c.Status(app, "running") != count) {
            why = absl::StrCat("running ", c.Status(app, "running"), " of ", count);
            return false;
          }
          return c.Converged({app}, &why);
        },
        absl::StrCat(app, ": ", count, " running, converged"), timeout);
    EXPECT_TRUE(ok) << "last check: " << why;
    return ok;
  }

  // Every running container of the cluster, by Docker id.
  static std::map<std::string, Started> Running(E2eCluster& c) {
    std::map<std::string, Started> out;
    for (const auto& summary : c.DockerContainers()) {
      if (summary.state != "running") continue;
      auto details = c.InspectContainer(summary.id);
      EXPECT_TRUE(details.ok()) << details.status();
      if (!details.ok()) continue;
      auto label = [&](const char* key) {
        auto it = details->labels.find(key);
        return it == details->labels.end() ? std::string() : it->second;
      };
      out[summary.id] = {label("io.microscale.instance"), label("io.microscale.node"),
                         details->started_at, details->restart_count};
    }
    return out;
  }

  // Running containers of `app` per node, as the controller lists them.
  static std::map<std::string, int> PerNode(E2eCluster& c, const std::string& app) {
    std::map<std::string, int> out;
    for (const nlohmann::json& item : c.ControllerContainers()) {
      if (item["app"] == app && item["state"] == "Running") ++out[item["node"].get<std::string>()];
    }
    return out;
  }

  // No container was restarted or removed: each of `before` runs, with the same id, start
  // time and restart count; and Docker holds exactly `total` containers of the cluster,
  // all running (nothing left exited or created, no orphan).
  static void ExpectSameContainers(E2eCluster& c, const std::map<std::string, Started>& before,
                                   size_t total) {
    const std::map<std::string, Started> after = Running(c);
    for (const auto& [id, was] : before) {
      auto it = after.find(id);
      if (it == after.end()) {
        ADD_FAILURE() << "container " << id << " (" << was.instance << ") no longer runs";
      } else {
        EXPECT_EQ(it->second, was)
            << "container " << id << " (" << was.instance << ") was restarted: started at "
            << it->second.started_at << ", before " << was.started_at;
      }
    }
    EXPECT_EQ(after.size(), total);
    EXPECT_EQ(c.DockerContainers().size(), total) << "containers of the cluster not running";
  }

  // Plays the supervisor (systemd Restart=on-failure, a container's restart policy) that
  // production runs controllers under: starts every controller that has exited and records
  // how it exited in `exits`. None should: a controller that loses its leadership, even
  // while it starts, stands by again.
  static void Supervise(E2eCluster& c, std::vector<std::string>* exits) {
    for (int i = 0; i < kControllers; ++i) {
      ChildProcess& controller = c.controller(i);
      if (controller.pid() > 0) {
        const int code = controller.WaitExit(20);
        if (code < 0) continue;  // still running
        exits->push_back(absl::StrCat(c.controller_address(i), " exited with code ", code));
      }
      c.StartController(i);
    }
  }

  static EtcdCluster* etcd_;
  static bool started_;
  static std::string why_not_started_;
};

EtcdCluster* FailoverE2eTest::etcd_ = nullptr;
bool FailoverE2eTest::started_ = false;
std::string FailoverE2eTest::why_not_started_;

TEST_F(FailoverE2eTest, AStandbyLeadsAfterTheLeaderIsKilledAndServesTheNextDemand) {
  E2eCluster c("ha-kill", Options());
  const int leader = WaitOneLeader(c);
  ASSERT_GE(leader, 0);
  const std::string app = ApplyStatic(c, "kill", 4);
  const std::map<std::string, int> per_node_before = PerNode(c, app);
  ASSERT_EQ(per_node_before.size(), 2u) << "both nodes run the app";
  const std::map<std::string, Started> before = Running(c);
  ASSERT_EQ(before.size(), 4u);

  c.KillController(leader);  // kill -9: nothing is handed over, the lease must run out
  const auto killed_at = std::chrono::steady_clock::now();
  int next = -1;
  ASSERT_TRUE(c.WaitFor(
      [&] {
        next = Leader(c);
        return next >= 0;
      },
      "a standby leads"));
  const auto took = std::chrono::steady_clock::now() - killed_at;
  std::cout << "controller " << c.controller_address(next) << " leads "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after kill -9 of " << c.controller_address(leader) << " (--leader-lease 3s)\n";
  EXPECT_NE(next, leader);
  // The dead controller leaves the roster once its own lease runs out.
  std::set<int> alive = {0, 1, 2};
  alive.erase(leader);
  EXPECT_TRUE(c.WaitFor([&] { return Roster(c) == ExpectedRoster(c, next, alive); },
                        "get controllers lists the new leader and one standby"));

  // Through the list of three (the dead one maybe first), the write reaches the new leader.
  CommandResult set = c.Cli({"demand", "set", app, "6"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  nlohmann::json on_leader = nlohmann::json::parse(
      CliAt(c.controller_address(next), {"get", "apps", app, "-o", "json"}).out, nullptr,
      /*allow_exceptions=*/false);
  ASSERT_TRUE(on_leader.is_object());
  EXPECT_EQ(on_leader["items"][0]["status"]["demand"], 6) << on_leader.dump();
  ASSERT_TRUE(WaitConverged(c, app, 6));
  // Both agents follow the new leader: each node starts containers of the new demand.
  const std::map<std::string, int> per_node_after = PerNode(c, app);
  for (const auto& [node, n] : per_node_before) {
    EXPECT_GT(per_node_after.at(node), n) << node << " did not follow the new demand";
  }
  ExpectSameContainers(c, before, 6);

  // Started again, the killed controller stands by.
  c.StartController(leader);
  EXPECT_TRUE(c.WaitFor([&] { return Role(c, leader) == "Standby"; }, "the old leader stands by"));
  EXPECT_EQ(Leader(c), next);
}

TEST_F(FailoverE2eTest, ARollingRestartUnderADemandStepLosesNothing) {
  E2eCluster c("ha-roll", Options());
  ASSERT_GE(WaitOneLeader(c), 0);
  const std::string app = ApplyStatic(c, "roll", 4);
  const std::map<std::string, Started> before = Running(c);
  ASSERT_EQ(before.size(), 4u);

  for (int i = 0; i < kControllers; ++i) {
    const std::string role = Role(c, i);
    // SIGTERM, as an upgrade does: the controller stops in order (exit 0) and a leader
    // hands over at once.
    EXPECT_EQ(c.TerminateController(i), 0) << c.Logs();
    std::cout << "controller " << c.controller_address(i) << " (" << role << ") stopped\n";
    if (i == 1) {  // midway: one controller down, one of the others leads
      ASSERT_TRUE(c.WaitFor([&] { return Leader(c) >= 0; }, "a leader while one is down"));
      CommandResult set = c.Cli({"demand", "set", app, "7"});
      ASSERT_EQ(set.exit_code, 0) << set.err;
    }
    c.StartController(i);
    ASSERT_TRUE(c.WaitFor(
        [&] {
          const std::string now = Role(c, i);
          return (now == "Leader" || now == "Standby") && Leader(c) >= 0;
        },
        absl::StrCat("controller ", i + 1, " back, and a leader")));
  }
  ASSERT_GE(WaitOneLeader(c), 0);
  ASSERT_TRUE(WaitConverged(c, app, 7));
  nlohmann::json apps = c.Json({"get", "apps"});
  ASSERT_TRUE(apps.is_object());
  ASSERT_EQ(apps["items"].size(), 1u) << apps.dump();
  EXPECT_EQ(apps["items"][0]["metadata"]["name"], app);
  EXPECT_EQ(apps["items"][0]["spec"]["priority"], 1);
  EXPECT_EQ(apps["items"][0]["status"]["demand"], 7);
  ExpectSameContainers(c, before, 7);
}

// All of etcd down: the leader cannot renew its lease and steps down; every controller
// stays up, the agents keep every container running, and a write through the CLI is
// refused naming etcd. When the members come back, a controller leads again (the test
// restarts any controller that exits meanwhile, as a supervisor would), adopts the same
// containers and serves the next demand.
TEST_F(FailoverE2eTest, WithAllOfEtcdDownContainersKeepRunningAndEverythingResumes) {
  E2eCluster c("ha-etcd", Options());
  const int leader = WaitOneLeader(c);
  ASSERT_GE(leader, 0);
  const std::string app = ApplyStatic(c, "outage", 4);
  const std::map<std::string, Started> before = Running(c);
  ASSERT_EQ(before.size(), 4u);

  const auto stopped_at = std::chrono::steady_clock::now();
  etcd_->Stop();
  ASSERT_TRUE(c.WaitFor(
      [&] {
        return absl::StrContains(c.controller(leader).Log(),
                                 "standing by again after losing leadership");
      },
      "the leader steps down"));
  std::cout << "the leader stepped down "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - stopped_at)
                   .count()
            << " ms after the members were told to stop (--leader-lease 3s)\n";
  EXPECT_TRUE(absl::StrContains(c.controller(leader).Log(), "lost leadership"));
  // Every controller stays up and answers, and none leads.
  std::vector<std::string> answers(kControllers);
  EXPECT_TRUE(c.WaitFor(
      [&] {
        bool all = true;
        for (int i = 0; i < kControllers; ++i) {
          CommandResult r = CliAt(c.controller_address(i), {"version", "-o", "json"});
          answers[i] = absl::StrCat("exit ", r.exit_code, ": ", r.out, r.err.substr(0, 400));
          all = all && !absl::StrContains(r.out, "Leader") &&
                ((r.exit_code == 0 && absl::StrContains(r.out, "Standby")) ||
                 (r.exit_code == 1 && absl::StrContains(r.err, "cannot reach etcd")));
        }
        return all;
      },
      "every controller answers and none leads"));
  for (int i = 0; i < kControllers; ++i) {
    std::cout << "version at " << c.controller_address(i) << " with etcd down: " << answers[i]
              << "\n";
  }
  CommandResult refused = c.Cli({"demand", "set", app, "2"});
  std::cout << "demand set with etcd down: exit " << refused.exit_code << ": "
            << refused.err.substr(0, 300) << "...\n";
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(refused.err, "cannot reach etcd, the state store")) << refused.err;
  for (int i = 0; i < kControllers; ++i) {
    EXPECT_TRUE(c.ControllerRunning(i)) << c.controller_address(i) << " exited";
  }
  ExpectSameContainers(c, before, 4);

  std::string why;
  ASSERT_TRUE(etcd_->Start(&why)) << why;
  const auto back_at = std::chrono::steady_clock::now();
  std::vector<std::string> exits;
  int next = -1;
  ASSERT_TRUE(c.WaitFor(
      [&] {
        Supervise(c, &exits);
        return OneLeaderNow(c, &next);
      },
      "one leader, two standbys once etcd is back", absl::Seconds(90)));
  std::cout << c.controller_address(next) << " leads "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - back_at)
                   .count()
            << " ms after etcd answered again\n";
  EXPECT_TRUE(exits.empty()) << absl::StrJoin(exits, "; ");
  EXPECT_EQ(c.Status(app, "demand"), 4) << "the refused write changed the demand";
  CommandResult set = c.Cli({"demand", "set", app, "6"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  ASSERT_TRUE(WaitConverged(c, app, 6));
  ExpectSameContainers(c, before, 6);
}

// The commands an agent received, from its /debug/commands (its HTTP port from its log).
nlohmann::json AgentCommands(E2eCluster& c, int agent) {
  const std::string log = c.agent(agent).Log();
  const size_t at = log.find("http_port=");
  if (at == std::string::npos) return nlohmann::json::array();
  const std::string port =
      log.substr(at + 10, log.find_first_not_of("0123456789", at + 10) - at - 10);
  CommandResult r = RunCommand(
      "/usr/bin/curl", {"-s", "--max-time", "5", "http://127.0.0.1:" + port + "/debug/commands"});
  nlohmann::json body = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  return body.is_object() ? body["commands"] : nlohmann::json::array();
}

// Controller 0 reaches only etcd member 0; the others reach members 1 and 2. With member 0
// stopped, the leader (controller 0) is cut off from etcd while the rest of the cluster
// keeps its quorum: it stops acting within its lease, another controller takes over, and
// the agents' records show that no two controllers ever commanded them at the same time.
TEST_F(FailoverE2eTest, ALeaderCutOffFromEtcdStopsActingBeforeAnotherLeads) {
  E2eOptions options = Options();
  options.controller_stores = {etcd_->store_of({0}), etcd_->store_of({1, 2}),
                               etcd_->store_of({1, 2})};
  E2eCluster c("ha-cut", options);
  int leader = WaitOneLeader(c);
  ASSERT_GE(leader, 0);
  // Make controller 0 the leader: with the other two stopped it is the only candidate, and
  // the two restarted ones stand by. (Handing the leadership over by restarting whoever led
  // until controller 0 won was a draw among the standbys; on a loaded machine controller 0,
  // which reaches one etcd member alone, lost 8 draws in a row.)
  if (leader != 0) {
    for (int i : {1, 2}) EXPECT_EQ(c.TerminateController(i), 0) << c.Logs();
    ASSERT_TRUE(c.WaitFor([&] { return Role(c, 0) == "Leader"; }, "controller 0 leads alone"));
    for (int i : {1, 2}) c.StartController(i);
    leader = WaitOneLeader(c);
  }
  ASSERT_EQ(leader, 0) << "controller 0 does not lead";
  const std::string app = ApplyStatic(c, "cut", 4);
  const std::map<std::string, Started> before = Running(c);
  ASSERT_EQ(before.size(), 4u);

  struct Restore {  // member 0 back for the next tests, whatever happens here
    ~Restore() {
      std::string why;
      if (!etcd->Start(&why)) ADD_FAILURE() << why;
    }
    EtcdCluster* etcd;
  } restore{etcd_};
  etcd_->StopMember(0);
  ASSERT_TRUE(c.WaitFor(
      [&] {
        return absl::StrContains(c.controller(0).Log(),
                                 "standing by again after losing leadership");
      },
      "the cut-off leader steps down"));
  int next = -1;
  ASSERT_TRUE(c.WaitFor(
      [&] {
        next = Leader(c);
        return next == 1 || next == 2;
      },
      "another controller leads"));
  CommandResult set = c.Cli({"demand", "set", app, "6"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  ASSERT_TRUE(WaitConverged(c, app, 6));
  ExpectSameContainers(c, before, 6);
  EXPECT_TRUE(c.ControllerRunning(0)) << "the cut-off controller exited";

  // Every command on both agents, by the leadership that sent it: first and last time.
  std::map<std::pair<std::string, int64_t>, std::pair<int64_t, int64_t>> terms;
  for (int agent = 0; agent < options.agents; ++agent) {
    for (const nlohmann::json& command : AgentCommands(c, agent)) {
      const auto key =
          std::make_pair(command.value("controller", ""), command.value("leaderTerm", int64_t{0}));
      const int64_t at = command.value("unixMs", int64_t{0});
      auto [it, added] = terms.try_emplace(key, at, at);
      it->second.first = std::min(it->second.first, at);
      it->second.second = std::max(it->second.second, at);
    }
  }
  for (const auto& [key, span] : terms) {
    std::cout << key.first << " (term " << key.second << ") commanded agents from " << span.first
              << " to " << span.second << " (unix ms)\n";
  }
  ASSERT_GE(terms.size(), 2u) << "commands of both leaderships expected";
  std::set<std::string> senders;
  for (const auto& [key, span] : terms) senders.insert(key.first);
  EXPECT_TRUE(senders.contains(c.controller_address(0)));
  EXPECT_TRUE(senders.contains(c.controller_address(next)));
  for (auto a = terms.begin(); a != terms.end(); ++a) {
    for (auto b = std::next(a); b != terms.end(); ++b) {
      const bool apart = a->second.second < b->second.first || b->second.second < a->second.first;
      EXPECT_TRUE(apart) << a->first.first << " (term " << a->first.second << ") commanded from "
                         << a->second.first << " to " << a->second.second << " ms, "
                         << b->first.first << " (term " << b->first.second << ") from "
                         << b->second.first << " to " << b->second.second << " ms";
    }
  }
}

}  // namespace
}  // namespace microscale::testing
