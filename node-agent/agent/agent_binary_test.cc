// Runs the real microscale-agent binary to check its exit codes and messages.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

Outcome RunAgent(const std::string& env, const std::string& args) {
  std::string command = env + " " + MICROSCALE_AGENT_BINARY + " " + args + " 2>&1";
  Outcome outcome;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return outcome;
  std::array<char, 512> buffer;
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    outcome.output.append(buffer.data(), n);
  int status = pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

TEST(AgentBinary, BadFlagValuesExitTwoNamingTheFlag) {
  for (const char* flag :
       {"--cpu=lots", "--memory=huge", "--heartbeat-interval=soon", "--runtime=podman",
        "--labels=nokey", "--max-containers=x", "--log-format=xml", "--no-such-flag"}) {
    Outcome outcome = RunAgent("", flag);
    EXPECT_EQ(outcome.exit_code, 2) << flag << ": " << outcome.output;
    std::string name(flag);
    name = name.substr(0, name.find('='));
    EXPECT_THAT(outcome.output, HasSubstr(name)) << flag;
  }
}

TEST(AgentBinary, BadEnvTwinValueExitsTwoNamingTheFlag) {
  Outcome outcome = RunAgent("MICROSCALE_CPU=lots", "");
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_THAT(outcome.output, HasSubstr("--cpu"));
}

TEST(AgentBinary, HelpAndVersion) {
  Outcome help = RunAgent("", "--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("--controller"));
  EXPECT_THAT(help.output, HasSubstr("MICROSCALE_RUNTIME"));
  Outcome version = RunAgent("", "--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, HasSubstr("microscale-agent "));
}

}  // namespace
