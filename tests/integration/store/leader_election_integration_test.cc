// Controllers sharing one etcd prefix (the real binaries on a real etcd): one leads, the
// others stand by: a standby answers reads (passed on to the leader), lists the controllers,
// refuses writes and agents naming the leader, and tells its metrics and readiness that it
// does not lead. The CLI and an agent (simulated runtime) given the whole list reach the
// leader. When the leader is killed (kill -9) a standby leads
// once the lease runs out, with the state the old leader wrote, and adopts the agent's
// containers: the same ones keep running, none is started twice. An orderly stop hands over
// at once; a leader whose key is taken away steps down at once and stands by again.
#include <signal.h>

#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controller/store/etcd_client.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/built_programs.h"
#include "tests/e2e/child_process.h"
#include "tests/integration/store/etcd_test_server.h"

namespace microscale::testing {
namespace {

constexpr char kApp[] =
    "apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: web}\nspec:\n"
    "  image: microscale/demo:latest\n  replicas: {max: 5}\n  demand: {source: static, value: 2}\n";

class LeaderElectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    etcd_ = SharedEtcd(&why);
    ASSERT_NE(etcd_, nullptr) << why;
    prefix_ = absl::StrCat("/election/",
                           ::testing::UnitTest::GetInstance()->current_test_info()->name(), "/");
    controllers_.reserve(4);  // references handed out stay valid
  }
  void TearDown() override {
    for (ChildProcess& c : controllers_) c.Kill();
    if (HasFailure()) {
      for (ChildProcess& c : controllers_) std::cerr << "---- controller log ----\n" << c.Log();
    }
    std::error_code ignored;
    for (ChildProcess& c : controllers_) std::filesystem::remove(c.log_path(), ignored);
    for (const std::string& log : logs_) std::filesystem::remove(log, ignored);
  }

  // Starts a controller on the shared prefix; its gRPC address in `addr`, its HTTP address
  // in `http` when given.
  ChildProcess& StartController(std::string* addr, std::string* http = nullptr) {
    *addr = absl::StrCat("127.0.0.1:", FreePort());
    const std::string http_addr = absl::StrCat("127.0.0.1:", FreePort());
    if (http != nullptr) *http = http_addr;
    controllers_.emplace_back(
        BuiltProgram("controller/microscale-controller"),
        std::vector<std::string>{"--store", "etcd://" + etcd_->endpoint(), "--etcd-prefix", prefix_,
                                 "--leader-lease", "3s", "--grpc-addr", *addr, "--http-addr",
                                 http_addr, "--startup-grace", "0s"},
        absl::StrCat("/tmp/microscale-election-", FreePort(), ".log"));
    return controllers_.back();
  }

  CommandResult Cli(const std::string& controllers, std::vector<std::string> args,
                    const std::string& input = "") {
    args.insert(args.begin(), {"--controller", controllers, "--timeout", "5s"});
    return RunCommand(BuiltProgram("cli/microscalectl"), args, input);
  }
  // The role `version -o json` reports at `addr` ("Leader", "Standby"), empty when it does
  // not answer.
  std::string Role(const std::string& addr) {
    CommandResult r = Cli(addr, {"version", "-o", "json"});
    nlohmann::json v = nlohmann::json::parse(r.out, nullptr, false);
    if (r.exit_code != 0 || v.is_discarded()) return "";
    return v.value("role", "");
  }
  bool Leads(const std::string& addr) { return Role(addr) == "Leader"; }

  // ROLE by ADDRESS from `get controllers -o json` through `addr`.
  std::map<std::string, std::string> Controllers(const std::string& addr) {
    std::map<std::string, std::string> roles;
    CommandResult r = Cli(addr, {"get", "controllers", "-o", "json"});
    nlohmann::json list = nlohmann::json::parse(r.out, nullptr, false);
    if (list.is_discarded() || !list.contains("items")) return roles;
    for (const nlohmann::json& c : list["items"]) {
      roles[c.value("address", "")] = c.value("role", "");
    }
    return roles;
  }

  // The instance ids of app web's running containers, as the controller at `addr` sees them.
  std::set<std::string> Running(const std::string& addr) {
    std::set<std::string> ids;
    CommandResult r = Cli(addr, {"get", "containers", "-o", "json"});
    nlohmann::json list = nlohmann::json::parse(r.out, nullptr, false);
    if (list.is_discarded() || !list.contains("items")) return ids;
    for (const nlohmann::json& c : list["items"]) {
      if (c.value("app", "") == "web" && c.value("state", "") == "Running") {
        ids.insert(c.value("instance", ""));
      }
    }
    return ids;
  }

  EtcdServer* etcd_ = nullptr;
  std::string prefix_;
  std::vector<ChildProcess> controllers_;
  std::vector<std::string> logs_;  // of other children, removed at the end
};

TEST_F(LeaderElectionTest, AStandbyLeadsWithTheStateAfterTheLeaderIsKilled) {
  std::string a, b;
  std::string b_http;
  ChildProcess& first = StartController(&a);
  ASSERT_TRUE(PollUntil([&] { return Leads(a); })) << first.Log();
  ChildProcess& second = StartController(&b, &b_http);
  ASSERT_TRUE(PollUntil([&] {
    return absl::StrContains(second.Log(), "standby: another controller leads") &&
           absl::StrContains(second.Log(), a);
  })) << second.Log();
  ASSERT_TRUE(PollUntil([&] { return Role(b) == "Standby"; })) << second.Log();
  // Both list the two controllers, the same way.
  const std::map<std::string, std::string> expected = {{a, "Leader"}, {b, "Standby"}};
  ASSERT_TRUE(PollUntil([&] { return Controllers(b) == expected; }))
      << Cli(b, {"get", "controllers"}).out;
  EXPECT_EQ(Controllers(a), expected);
  // The standby tells its metrics and readiness that it does not lead.
  CommandResult metrics = RunCommand("/usr/bin/curl", {"-s", "http://" + b_http + "/metrics"});
  EXPECT_TRUE(absl::StrContains(metrics.out, "microscale_controller_leader 0")) << metrics.out;
  CommandResult ready = RunCommand("/usr/bin/curl", {"-s", "-o", "/dev/null", "-w", "%{http_code}",
                                                     "http://" + b_http + "/readyz"});
  EXPECT_EQ(ready.out, "503");

  // The CLI and an agent given both addresses, the standby first, reach the leader.
  const std::string both = b + "," + a;
  ChildProcess agent(
      BuiltProgram("node-agent/agent/microscale-agent"),
      {"--runtime=sim", "--controller=" + both, "--node-name=sim-ha", "--http-addr=127.0.0.1:0",
       "--heartbeat-interval=200ms", "--cpu=8"},
      logs_.emplace_back(absl::StrCat("/tmp/microscale-election-agent-", FreePort(), ".log")));
  CommandResult applied = Cli(both, {"apply", "-f", "-"}, kApp);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ASSERT_EQ(Cli(both, {"demand", "set", "web", "4"}).exit_code, 0);
  ASSERT_TRUE(PollUntil([&] { return Running(a).size() == 4; })) << agent.Log();
  const std::set<std::string> before = Running(a);
  // The standby alone answers reads as the leader does, and refuses a write naming it.
  EXPECT_EQ(Running(b), before);
  EXPECT_TRUE(absl::StrContains(Cli(b, {"get", "apps", "-o", "json"}).out, "\"demand\": 4"));
  CommandResult refused = Cli(b, {"demand", "set", "web", "3"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(refused.err, "is a standby") &&
              absl::StrContains(refused.err, "the leader, " + a))
      << refused.err;

  first.Kill();  // kill -9: the lease runs out, nothing is handed over
  ASSERT_TRUE(PollUntil([&] { return Leads(b); })) << second.Log();
  EXPECT_TRUE(absl::StrContains(second.Log(), "leading")) << second.Log();
  // It loaded the state from the copy it kept as a standby, not from etcd.
  EXPECT_TRUE(absl::StrContains(second.Log(), "state loaded") &&
              absl::StrContains(second.Log(), "the standby's copy at revision"))
      << second.Log();
  CommandResult apps = Cli(both, {"get", "apps", "-o", "json"});
  ASSERT_EQ(apps.exit_code, 0) << apps.err;
  EXPECT_TRUE(absl::StrContains(apps.out, "\"demand\": 4")) << apps.out;
  // The agent follows the new leader, which adopts its containers: the same four.
  ASSERT_TRUE(PollUntil([&] { return Running(b) == before; })) << agent.Log() << second.Log();
  // Writes reach the new leader through the same list, and the containers follow.
  ASSERT_EQ(Cli(both, {"demand", "set", "web", "1"}).exit_code, 0);
  EXPECT_TRUE(absl::StrContains(Cli(b, {"get", "apps", "-o", "json"}).out, "\"demand\": 1"));
  ASSERT_TRUE(PollUntil([&] { return Running(b).size() == 1; })) << agent.Log();
  EXPECT_TRUE(before.contains(*Running(b).begin()));
  // The dead controller leaves the list once its lease runs out.
  const std::map<std::string, std::string> alone = {{b, "Leader"}};
  EXPECT_TRUE(PollUntil([&] { return Controllers(both) == alone; }))
      << Cli(both, {"get", "controllers"}).out;
}

TEST_F(LeaderElectionTest, AnOrderlyStopHandsOverAtOnce) {
  std::string a, b;
  ChildProcess& first = StartController(&a);
  ASSERT_TRUE(PollUntil([&] { return Leads(a); })) << first.Log();
  ChildProcess& second = StartController(&b);
  ASSERT_TRUE(PollUntil([&] { return absl::StrContains(second.Log(), "standby"); }))
      << second.Log();
  EXPECT_EQ(first.Terminate(), 0) << first.Log();
  ASSERT_TRUE(PollUntil([&] { return Leads(b); })) << second.Log();
}

// A leader whose key is taken away stops acting at once (its term ends: agent streams and
// store closed), stands by again without exiting, and leads again once it may.
TEST_F(LeaderElectionTest, ALeaderWhoseKeyIsTakenStepsDownAndLeadsAgain) {
  std::string a;
  ChildProcess& first = StartController(&a);
  ASSERT_TRUE(PollUntil([&] { return Leads(a); })) << first.Log();
  EtcdClient client({etcd_->endpoint()}, nullptr, absl::Seconds(5));
  etcdserverpb::TxnRequest take;
  take.add_success()->mutable_request_delete_range()->set_key(prefix_ + "leader");
  ASSERT_TRUE(client.Txn(take).ok());
  ASSERT_TRUE(PollUntil([&] {
    return absl::StrContains(first.Log(), "standing by again after losing leadership");
  })) << first.Log();
  EXPECT_TRUE(absl::StrContains(first.Log(), "lost leadership")) << first.Log();
  EXPECT_TRUE(absl::StrContains(first.Log(), "stepping down")) << first.Log();
  ASSERT_TRUE(PollUntil([&] { return Leads(a); })) << first.Log();
  EXPECT_TRUE(first.running());
  EXPECT_EQ(first.Terminate(), 0) << first.Log();
}

}  // namespace
}  // namespace microscale::testing
