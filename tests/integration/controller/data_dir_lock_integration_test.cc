// The real binary: one controller per data directory. A second controller on the same
// --data-dir exits 1 naming the directory and the first one's pid; after the first is
// killed with kill -9, a new one starts on that directory at once.
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/e2e/built_programs.h"
#include "tests/e2e/child_process.h"

namespace microscale::testing {
namespace {

class DataDirLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/microscale-lock.XXXXXX";
    dir_ = mkdtemp(templ);
    controllers_.reserve(4);  // references handed out stay valid
  }
  void TearDown() override {
    for (ChildProcess& c : controllers_) c.Kill();
    if (HasFailure()) {
      for (ChildProcess& c : controllers_) std::cerr << "---- controller log ----\n" << c.Log();
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::vector<std::string> Args(const std::string& grpc_addr) {
    return {
        "--grpc-addr", grpc_addr,      "--http-addr",     absl::StrCat("127.0.0.1:", FreePort()),
        "--data-dir",  dir_ + "/data", "--startup-grace", "0s"};
  }

  // Starts a controller in the background and waits until it answers on gRPC.
  ChildProcess& StartServing() {
    const std::string addr = absl::StrCat("127.0.0.1:", FreePort());
    controllers_.emplace_back(BuiltProgram("controller/microscale-controller"), Args(addr),
                              absl::StrCat(dir_, "/controller-", controllers_.size(), ".log"));
    ChildProcess& c = controllers_.back();
    EXPECT_TRUE(PollUntil([&] {
      return RunCommand(BuiltProgram("cli/microscalectl"), {"--controller", addr, "version"})
                 .exit_code == 0;
    })) << c.Log();
    return c;
  }

  std::string dir_;
  std::vector<ChildProcess> controllers_;
};

TEST_F(DataDirLockTest, ASecondControllerOnTheSameDirectoryIsRefused) {
  ChildProcess& first = StartServing();
  // Under `timeout`: a second controller that wrongly starts serving fails the test (124)
  // instead of hanging it.
  std::vector<std::string> args = {"30", BuiltProgram("controller/microscale-controller")};
  for (const std::string& a : Args(absl::StrCat("127.0.0.1:", FreePort()))) args.push_back(a);
  CommandResult second = RunCommand("/usr/bin/timeout", args);
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  const std::string said = second.out + second.err;
  EXPECT_TRUE(absl::StrContains(said, dir_ + "/data")) << said;
  EXPECT_TRUE(absl::StrContains(said, absl::StrCat("pid ", first.pid()))) << said;
  EXPECT_TRUE(first.running()) << "the first controller is left alone";
}

// An upgrade restarts the controller at once after SIGTERM, while the old one may still be
// closing its streams (an `events --follow` client is attached): the new one waits for the
// data directory's lock and the ports instead of failing to start.
TEST_F(DataDirLockTest, AControllerRestartedAtOnceAfterSigtermStarts) {
  const std::string addr = absl::StrCat("127.0.0.1:", FreePort());
  const std::vector<std::string> args = Args(addr);  // the same ports and directory twice
  controllers_.emplace_back(BuiltProgram("controller/microscale-controller"), args,
                            dir_ + "/controller-old.log");
  ChildProcess& old = controllers_.back();
  ASSERT_TRUE(PollUntil([&] {
    return RunCommand(BuiltProgram("cli/microscalectl"), {"--controller", addr, "version"})
               .exit_code == 0;
  })) << old.Log();
  // An event to follow (an app applied), then a follower that has printed it: its stream
  // is open, and the old controller's stop waits for it (up to 2 s).
  CommandResult applied =
      RunCommand(BuiltProgram("cli/microscalectl"), {"--controller", addr, "apply", "-f", "-"},
                 "apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: followed}\nspec:\n"
                 "  image: microscale/demo:latest\n  replicas: {max: 1}\n"
                 "  demand: {source: static, value: 0}\n");
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ChildProcess follower(BuiltProgram("cli/microscalectl"),
                        {"--controller", addr, "events", "--follow"}, dir_ + "/follow.log");
  ASSERT_TRUE(PollUntil([&] { return absl::StrContains(follower.Log(), "followed"); }))
      << follower.Log();

  kill(old.pid(), SIGTERM);
  controllers_.emplace_back(BuiltProgram("controller/microscale-controller"), args,
                            dir_ + "/controller-new.log");
  ChildProcess& fresh = controllers_.back();
  EXPECT_EQ(controllers_[0].Terminate(60'000), 0) << controllers_[0].Log();
  EXPECT_TRUE(PollUntil([&] {
    return RunCommand(BuiltProgram("cli/microscalectl"), {"--controller", addr, "version"})
               .exit_code == 0;
  })) << fresh.Log();
  EXPECT_TRUE(fresh.running()) << fresh.Log();
  follower.Kill();
}

TEST_F(DataDirLockTest, AKilledControllerLeavesNoStaleLock) {
  ChildProcess& first = StartServing();
  first.Kill();  // SIGKILL: the lock file stays, the lock does not
  ASSERT_TRUE(std::filesystem::exists(dir_ + "/data/controller.lock"));
  ChildProcess& second = StartServing();
  EXPECT_TRUE(second.running());
}

}  // namespace
}  // namespace microscale::testing
