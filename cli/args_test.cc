// Tests of argument parsing: help, version, and usage errors (exit 2, hint to --help).
// None of these reach a controller: the address points at a closed port, so a command
// that wrongly tried to call one would exit 1, not 2.
#include <string>
#include <vector>

#include "cli/testing/run_cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale::cli {
namespace {

using ::testing::HasSubstr;
using testing::RunCliForTest;

const std::vector<std::string> kClosed = {"--controller", "127.0.0.1:1"};

std::vector<std::string> With(std::vector<std::string> args) {
  args.insert(args.begin(), kClosed.begin(), kClosed.end());
  return args;
}

TEST(ArgsTest, HelpListsEveryCommandAndExitsZero) {
  auto result = RunCliForTest({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* command :
       {"apply", "get", "describe", "delete", "demand", "cordon", "uncordon", "drain", "events",
        "version", "--controller", "--output", "--timeout", "MICROSCALE_CONTROLLER"}) {
    EXPECT_THAT(result.out, HasSubstr(command));
  }
}

TEST(ArgsTest, SubcommandHelpHasDescriptionAndExamples) {
  auto result = RunCliForTest({"apply", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("Create or update"));
  EXPECT_THAT(result.out, HasSubstr("Examples:"));
  EXPECT_THAT(result.out, HasSubstr("--dry-run"));
  auto nested = RunCliForTest({"get", "containers", "--help"});
  EXPECT_EQ(nested.exit_code, 0);
  EXPECT_THAT(nested.out, HasSubstr("--app"));
  EXPECT_THAT(nested.out, HasSubstr("microscalectl get containers --app web"));
}

TEST(ArgsTest, GetEndpointsHelpSaysWhatAnEndpointIsAndWhereItIsServed) {
  auto result = RunCliForTest({"get", "endpoints", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("one published port of one running container"));
  EXPECT_THAT(result.out, HasSubstr("spec.ports"));
  EXPECT_THAT(result.out, HasSubstr("Only ready endpoints are served to"));
  EXPECT_THAT(result.out, HasSubstr("/sd/v1/endpoints"));
  EXPECT_THAT(result.out, HasSubstr("--watch"));
  EXPECT_THAT(result.out, HasSubstr("Examples:"));
  EXPECT_THAT(RunCliForTest({"get", "--help"}).out, HasSubstr("endpoints"));
}

// kubectl's singular forms name the same lists: the closed port fails them with exit 1
// (they parsed and called), not 2 (usage).
TEST(ArgsTest, SingularKindsAreAccepted) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"get", "app", "web"},
                                               {"get", "node", "node-1"},
                                               {"get", "container", "web-0"},
                                               {"get", "containers", "web-0", "--app", "web"},
                                               {"get", "endpoint", "web"},
                                               {"get", "endpoints", "web", "-w"},
                                               {"get", "endpoints", "--watch", "-o", "json"}}) {
    auto result = RunCliForTest(With(args));
    EXPECT_EQ(result.exit_code, 1) << ::testing::PrintToString(args) << result.err;
    EXPECT_THAT(result.err, HasSubstr("cannot reach the controller"));
  }
}

TEST(ArgsTest, VersionFlagPrintsClientVersion) {
  auto result = RunCliForTest({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("microscalectl "));
}

struct UsageCase {
  std::vector<std::string> args;
  std::string message;  // part of the error
  std::string hint;     // the command named in the --help hint
};

class UsageErrorTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(UsageErrorTest, ExitsTwoWithHint) {
  const UsageCase& c = GetParam();
  auto result = RunCliForTest(With(c.args));
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("Error: "));
  EXPECT_THAT(result.err, HasSubstr(c.message));
  EXPECT_THAT(result.err, HasSubstr("Run '" + c.hint + " --help' for usage."));
  EXPECT_EQ(result.out, "");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, UsageErrorTest,
    ::testing::Values(
        UsageCase{{}, "subcommand", "microscalectl"},
        UsageCase{{"frobnicate"}, "frobnicate", "microscalectl"},
        UsageCase{{"get"}, "subcommand", "microscalectl get"},
        UsageCase{{"get", "pods"}, "pods", "microscalectl get"},
        // kubectl habits get a hint at what was meant.
        UsageCase{
            {"describe", "web"}, "did you mean \"describe app web\"?", "microscalectl describe"},
        UsageCase{{"delete", "web"}, "did you mean \"delete app web\"?", "microscalectl delete"},
        UsageCase{
            {"apply", "apps.yaml"}, "did you mean \"apply -f apps.yaml\"?", "microscalectl apply"},
        UsageCase{{"apply", "-f", "x.yaml", "--dryrun"},
                  "did you mean --dry-run?",
                  "microscalectl apply"},
        UsageCase{{"get", "apps", "--bogus"}, "--bogus", "microscalectl get apps"},
        UsageCase{{"get", "apps", "a", "b"}, "b", "microscalectl get apps"},
        UsageCase{{"get", "endpoints", "a", "b"}, "b", "microscalectl get endpoints"},
        UsageCase{{"get", "endpoints", "--wacth"},
                  "did you mean --watch?",
                  "microscalectl get endpoints"},
        UsageCase{{"get", "endpoints", "-o", "xml"}, "xml", "microscalectl get endpoints"},
        UsageCase{{"get", "apps", "--watch"}, "--watch", "microscalectl get apps"},
        UsageCase{{"-o", "xml", "get", "apps"}, "xml", "microscalectl get apps"},
        UsageCase{{"get", "apps", "-o", "xml"}, "xml", "microscalectl get apps"},
        UsageCase{{"--timeout", "soon", "get", "apps"}, "soon", "microscalectl get apps"},
        UsageCase{{"--timeout", "0s", "version"}, "greater than zero", "microscalectl version"},
        UsageCase{{"apply"}, "--filename", "microscalectl apply"},
        UsageCase{{"apply", "-f", "x.yaml", "--wait-timeout", "-3s"},
                  "wait-timeout",
                  "microscalectl apply"},
        UsageCase{{"describe", "app"}, "NAME", "microscalectl describe app"},
        UsageCase{{"describe", "app", "web", "-o", "json"},
                  "prints text only; for JSON or YAML use \"microscalectl get app web -o json\"",
                  "microscalectl describe app"},
        UsageCase{{"delete", "app"}, "NAME", "microscalectl delete app"},
        UsageCase{{"delete", "node"}, "NAME", "microscalectl delete node"},
        UsageCase{{"demand", "set", "web"}, "VALUE", "microscalectl demand set"},
        UsageCase{{"demand", "set", "web", "abc"},
                  "not a non-negative number",
                  "microscalectl demand set"},
        UsageCase{{"demand", "set", "web", "nan"},
                  "not a non-negative number",
                  "microscalectl demand set"},
        UsageCase{{"demand", "set", "web", "inf"},
                  "not a non-negative number",
                  "microscalectl demand set"},
        UsageCase{{"demand", "set", "web", "1e999"},
                  "not a non-negative number",
                  "microscalectl demand set"},
        UsageCase{{"demand", "set", "web", "--", "-1"},
                  "not a non-negative number",
                  "microscalectl demand set"},
        UsageCase{{"demand", "set", "web", "0x10"},
                  "not a non-negative number",
                  "microscalectl demand set"},
        UsageCase{{"--controller", "", "version"}, "must not be empty", "microscalectl version"},
        UsageCase{{"--controller", "127.0.0.1", "version"},
                  "has no port: give HOST:PORT (e.g. 127.0.0.1:7400)",
                  "microscalectl version"},
        UsageCase{{"cordon"}, "NODE", "microscalectl cordon"},
        UsageCase{{"events", "--since", "1h"}, "--since", "microscalectl events"}));

}  // namespace
}  // namespace microscale::cli
