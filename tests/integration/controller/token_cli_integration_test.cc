// The real binaries: `microscale-controller token create|list|revoke` on the data
// directory of a running microscale-controller, and microscalectl using the printed
// tokens. Tokens take effect and stop working without a restart; roles are enforced.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
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

constexpr char kManifest[] = R"(apiVersion: microscale.io/v1
kind: App
metadata:
  name: web
spec:
  image: microscale/demo:latest
  replicas: {max: 3}
  demand: {source: static, value: 0}
)";

class TokenCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/microscale-tokens.XXXXXX";
    dir_ = mkdtemp(templ);
    grpc_addr_ = absl::StrCat("127.0.0.1:", FreePort());
    std::ofstream(dir_ + "/web.yaml") << kManifest;
    controller_ = ChildProcess(
        BuiltProgram("controller/microscale-controller"),
        {"--grpc-addr", grpc_addr_, "--http-addr", absl::StrCat("127.0.0.1:", FreePort()),
         "--data-dir", Data(), "--startup-grace", "0s"},
        dir_ + "/controller.log");
    ASSERT_TRUE(WaitFor([&] { return Ctl({"version"}).exit_code == 0; })) << controller_.Log();
  }
  void TearDown() override {
    controller_.Kill();
    if (HasFailure()) std::cerr << "---- controller log ----\n" << controller_.Log();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Data() const { return dir_ + "/data"; }

  CommandResult Token(const std::vector<std::string>& args) const {
    std::vector<std::string> full = {"token"};
    full.insert(full.end(), args.begin(), args.end());
    full.push_back("--data-dir");
    full.push_back(Data());
    return RunCommand(BuiltProgram("controller/microscale-controller"), full);
  }

  // microscalectl against the controller, with `token` as --token when not empty.
  CommandResult Ctl(std::vector<std::string> args, const std::string& token = "") const {
    std::vector<std::string> full = {"--controller", grpc_addr_};
    if (!token.empty()) full.insert(full.end(), {"--token", token});
    full.insert(full.end(), args.begin(), args.end());
    return RunCommand(BuiltProgram("cli/microscalectl"), full);
  }

  // Creates a token and returns the secret printed on stdout.
  std::string Create(const std::string& name, const std::string& role) const {
    CommandResult r = Token({"create", "--name", name, "--role", role});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(absl::StrContains(r.err, "created token \"" + name + "\"")) << r.err;
    std::string secret = r.out;
    while (!secret.empty() && secret.back() == '\n') secret.pop_back();
    EXPECT_TRUE(absl::StartsWith(secret, "mst_")) << r.out;
    return secret;
  }

  static bool WaitFor(const std::function<bool()>& condition) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      if (condition()) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return condition();
  }

  std::string dir_;
  std::string grpc_addr_;
  ChildProcess controller_;
};

TEST_F(TokenCliTest, TokensMadeByTheCommandGuardTheRunningController) {
  ASSERT_EQ(Ctl({"get", "apps"}).exit_code, 0);  // open: no token yet

  std::string admin = Create("ops", "admin");
  std::string read = Create("viewer", "read");
  ASSERT_TRUE(WaitFor([&] {
    CommandResult r = Ctl({"get", "apps"});
    return r.exit_code == 1 && absl::StrContains(r.err, "not authenticated");
  }));
  CommandResult anonymous = Ctl({"get", "apps"});
  EXPECT_TRUE(absl::StrContains(anonymous.err, "MICROSCALE_TOKEN")) << anonymous.err;

  setenv("MICROSCALE_TOKEN", read.c_str(), 1);
  CommandResult get = Ctl({"get", "apps"});
  CommandResult apply = Ctl({"apply", "-f", dir_ + "/web.yaml"});
  unsetenv("MICROSCALE_TOKEN");
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(apply.err, "permission denied: token \"viewer\" has role read"))
      << apply.err;

  CommandResult applied = Ctl({"apply", "-f", dir_ + "/web.yaml"}, admin);
  EXPECT_EQ(applied.exit_code, 0) << applied.err;
  CommandResult apps = Ctl({"get", "apps"}, read);
  EXPECT_TRUE(absl::StrContains(apps.out, "web")) << apps.out << apps.err;

  CommandResult list = Token({"list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(absl::StrContains(list.out, "ops") && absl::StrContains(list.out, "viewer"))
      << list.out;
  EXPECT_FALSE(absl::StrContains(list.out, admin.substr(4, 12))) << list.out;
  EXPECT_FALSE(absl::StrContains(list.out, read.substr(4, 12))) << list.out;

  CommandResult revoked = Token({"revoke", "viewer"});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_TRUE(WaitFor([&] {
    CommandResult r = Ctl({"get", "apps"}, read);
    return r.exit_code == 1 && absl::StrContains(r.err, "not authenticated");
  }));
  EXPECT_EQ(Ctl({"get", "apps"}, admin).exit_code, 0);
  EXPECT_TRUE(controller_.running());
}

}  // namespace
}  // namespace microscale::testing
