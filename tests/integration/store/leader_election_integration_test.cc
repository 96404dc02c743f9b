// Controllers sharing one etcd prefix (the real binaries on a real etcd): one leads and
// serves, the others stand by without serving; the CLI and an agent (simulated runtime)
// given the whole list reach the leader. When the leader is killed (kill -9) a standby leads
// once the lease runs out, with the state the old leader wrote, and adopts the agent's
// containers: the same ones keep running, none is started twice. An orderly stop hands over
// at once; a leader whose key is taken away stops at once with exit code 1.
#include <signal.h>

#include <functional>
#include <iostream>
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
  }

  // Starts a controller on the shared prefix; its gRPC address in `addr`.
  ChildProcess& StartController(std::string* addr) {
    *addr = absl::StrCat("127.0.0.1:", FreePort());
    controllers_.emplace_back(
        BuiltProgram("controller/microscale-controller"),
        std::vector<std::string>{"--store", "etcd://" + etcd_->endpoint(), "--etcd-prefix", prefix_,
                                 "--leader-lease", "3s", "--grpc-addr", *addr, "--http-addr",
                                 absl::StrCat("127.0.0.1:", FreePort()), "--startup-grace", "0s"},
        absl::StrCat("/tmp/microscale-election-", FreePort(), ".log"));
    return controllers_.back();
  }

  CommandResult Cli(const std::string& controllers, std::vector<std::string> args,
                    const std::string& input = "") {
    args.insert(args.begin(), {"--controller", controllers, "--timeout", "5s"});
    return RunCommand(BuiltProgram("cli/microscalectl"), args, input);
  }
  bool Serves(const std::string& addr) { return Cli(addr, {"version"}).exit_code == 0; }

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
};

TEST_F(LeaderElectionTest, AStandbyLeadsWithTheStateAfterTheLeaderIsKilled) {
  std::string a, b;
  ChildProcess& first = StartController(&a);
  ASSERT_TRUE(PollUntil([&] { return Serves(a); })) << first.Log();
  ChildProcess& second = StartController(&b);
  ASSERT_TRUE(PollUntil([&] {
    return absl::StrContains(second.Log(), "standby: another controller leads") &&
           absl::StrContains(second.Log(), a);
  })) << second.Log();
  EXPECT_FALSE(Serves(b)) << "a standby must not serve";

  // The CLI and an agent given both addresses, the standby first, reach the leader.
  const std::string both = b + "," + a;
  ChildProcess agent(BuiltProgram("node-agent/agent/microscale-agent"),
                     {"--runtime=sim", "--controller=" + both, "--node-name=sim-ha",
                      "--http-addr=127.0.0.1:0", "--heartbeat-interval=200ms", "--cpu=8"},
                     absl::StrCat("/tmp/microscale-election-agent-", FreePort(), ".log"));
  CommandResult applied = Cli(both, {"apply", "-f", "-"}, kApp);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ASSERT_EQ(Cli(both, {"demand", "set", "web", "4"}).exit_code, 0);
  ASSERT_TRUE(PollUntil([&] { return Running(a).size() == 4; })) << agent.Log();
  const std::set<std::string> before = Running(a);

  first.Kill();  // kill -9: the lease runs out, nothing is handed over
  ASSERT_TRUE(PollUntil([&] { return Serves(b); })) << second.Log();
  EXPECT_TRUE(absl::StrContains(second.Log(), "leading")) << second.Log();
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
}

TEST_F(LeaderElectionTest, AnOrderlyStopHandsOverAtOnce) {
  std::string a, b;
  ChildProcess& first = StartController(&a);
  ASSERT_TRUE(PollUntil([&] { return Serves(a); })) << first.Log();
  ChildProcess& second = StartController(&b);
  ASSERT_TRUE(PollUntil([&] { return absl::StrContains(second.Log(), "standby"); }))
      << second.Log();
  EXPECT_EQ(first.Terminate(), 0) << first.Log();
  ASSERT_TRUE(PollUntil([&] { return Serves(b); })) << second.Log();
}

TEST_F(LeaderElectionTest, ALeaderWhoseKeyIsTakenStopsWithExitCodeOne) {
  std::string a;
  ChildProcess& first = StartController(&a);
  ASSERT_TRUE(PollUntil([&] { return Serves(a); })) << first.Log();
  EtcdClient client({etcd_->endpoint()}, nullptr, absl::Seconds(5));
  etcdserverpb::TxnRequest take;
  take.add_success()->mutable_request_delete_range()->set_key(prefix_ + "leader");
  ASSERT_TRUE(client.Txn(take).ok());
  EXPECT_EQ(first.WaitExit(60'000), 1) << first.Log();
  EXPECT_TRUE(absl::StrContains(first.Log(), "lost leadership")) << first.Log();
}

}  // namespace
}  // namespace microscale::testing
