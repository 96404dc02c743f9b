// Tests of --token and the TLS flags: what microscalectl sends, where the values come from,
// how it reports refusals (exit 1, one line) and bad flag values (exit 2, naming them).
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/testing/fake_control_plane.h"
#include "cli/testing/run_cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale::cli {
namespace {

using testing::CliResult;
using testing::FakeControlPlaneServer;
using ::testing::HasSubstr;
using testing::RunCliForTest;

constexpr char kToken[] = "mst_0123456789abcdef";

class AuthFlagsTest : public ::testing::Test {
 protected:
  CliResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--controller", server_.address()});
    return RunCliForTest(args);
  }
  testing::FakeControlPlane& fake() { return server_.service(); }

  FakeControlPlaneServer server_;
};

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

TEST_F(AuthFlagsTest, TokenTravelsAsBearerOnUnaryCallsAndStreams) {
  for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
           {"get", "apps"}, {"version"}, {"events"}, {"get", "nodes"}}) {
    std::vector<std::string> args = {"--token", kToken};
    args.insert(args.end(), command.begin(), command.end());
    CliResult result = Run(args);
    EXPECT_EQ(result.exit_code, 0) << command[0] << ": " << result.err;
    EXPECT_EQ(fake().last_authorization(), std::string("Bearer ") + kToken) << command[0];
  }
}

TEST_F(AuthFlagsTest, TokenComesFromTheEnvironmentAndTheFlagWins) {
  ScopedEnv env("MICROSCALE_TOKEN", "mst_from_env");
  ASSERT_EQ(Run({"get", "apps"}).exit_code, 0);
  EXPECT_EQ(fake().last_authorization(), "Bearer mst_from_env");
  ASSERT_EQ(Run({"--token", kToken, "get", "apps"}).exit_code, 0);
  EXPECT_EQ(fake().last_authorization(), std::string("Bearer ") + kToken);
}

TEST_F(AuthFlagsTest, WithoutATokenNoAuthorizationIsSent) {
  ASSERT_EQ(Run({"get", "apps"}).exit_code, 0);
  EXPECT_EQ(fake().last_authorization(), "");
}

TEST_F(AuthFlagsTest, RefusalsAreOneLineErrorsExitingOne) {
  struct Case {
    grpc::StatusCode code;
    std::string server_message;
    std::string printed;
  };
  for (const Case& c : std::vector<Case>{
           {grpc::StatusCode::UNAUTHENTICATED,
            "this controller requires a token: pass --token or set MICROSCALE_TOKEN",
            "Error: not authenticated: this controller requires a token: pass --token or set "
            "MICROSCALE_TOKEN\n"},
           {grpc::StatusCode::PERMISSION_DENIED,
            "token \"ci\" has role read; ApplyApps needs a token with role admin",
            "Error: permission denied: token \"ci\" has role read; ApplyApps needs a token with "
            "role admin\n"},
           {grpc::StatusCode::RESOURCE_EXHAUSTED,
            "rate limit: at most 200 requests per second per connection",
            "Error: refused by a limit of the controller at " + server_.address() +
                ": rate limit: at most 200 requests per second per connection\n"},
       }) {
    fake().FailMethod("GetApps", grpc::Status(c.code, c.server_message));
    CliResult result = Run({"get", "apps"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err, c.printed);
  }
}

TEST_F(AuthFlagsTest, TokenWithSpacesOrControlCharactersIsAUsageError) {
  for (const std::string& token : {std::string("mst_a b"), std::string("mst_a\n")}) {
    CliResult result = Run({"--token", token, "get", "apps"});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_THAT(result.err, HasSubstr("--token"));
    EXPECT_THAT(result.err, HasSubstr("must not contain spaces or control characters"));
  }
  EXPECT_EQ(fake().calls("GetApps"), 0);
}

TEST_F(AuthFlagsTest, TlsFlagProblemsAreUsageErrorsNamingTheFlagOrFile) {
  CliResult half = Run({"--tls-ca", "/nonexistent/ca.pem", "--tls-cert", "c.pem", "get", "apps"});
  EXPECT_EQ(half.exit_code, 2) << half.err;
  EXPECT_THAT(half.err, HasSubstr("--tls-key"));
  CliResult missing = Run({"--tls-ca", "/nonexistent/ca.pem", "get", "apps"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/ca.pem"));
  {
    ScopedEnv env("MICROSCALE_TLS_CA", "/nonexistent/env-ca.pem");
    CliResult from_env = Run({"get", "apps"});
    EXPECT_EQ(from_env.exit_code, 2) << from_env.err;
    EXPECT_THAT(from_env.err, HasSubstr("/nonexistent/env-ca.pem"));
  }
  EXPECT_EQ(fake().calls("GetApps"), 0);
}

TEST(AuthFlagsHelpTest, HelpNamesTheFlagsAndTheirEnvironmentVariables) {
  CliResult result = RunCliForTest({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* text : {"--token", "--tls-ca", "--tls-cert", "--tls-key", "MICROSCALE_TOKEN",
                           "MICROSCALE_TLS_CA", "MICROSCALE_TLS_CERT", "MICROSCALE_TLS_KEY"}) {
    EXPECT_THAT(result.out, HasSubstr(text));
  }
}

}  // namespace
}  // namespace microscale::cli
