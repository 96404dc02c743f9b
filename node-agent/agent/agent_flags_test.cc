#include "node-agent/agent/agent_flags.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

AgentFlagsResult Parse(const std::vector<std::string>& args) {
  std::vector<const char*> argv = {"microscale-agent"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseAgentFlags(static_cast<int>(argv.size()), argv.data(), "1.2.3");
}

TEST(ParseAgentFlags, DefaultsFollowTheDesign) {
  AgentFlagsResult r = Parse({});
  ASSERT_TRUE(r.config.has_value()) << r.message;
  EXPECT_EQ(r.config->controller, "127.0.0.1:7400");
  EXPECT_EQ(r.config->http_addr, "0.0.0.0:7402");
  EXPECT_EQ(r.config->cluster_name, "default");
  EXPECT_EQ(r.config->docker_host, "unix:///var/run/docker.sock");
  EXPECT_EQ(r.config->runtime, "docker");
  EXPECT_FALSE(r.config->node_name.empty());
  EXPECT_EQ(r.config->cpu_millis, 0);
  EXPECT_EQ(r.config->memory_bytes, 0);
  EXPECT_EQ(r.config->max_containers, 0);
  EXPECT_EQ(r.config->max_engine_calls, 8);
  EXPECT_EQ(r.config->heartbeat_interval, absl::Seconds(2));
  EXPECT_EQ(r.config->log_format, LogFormat::kText);
  EXPECT_EQ(r.config->port_range, (PortRange{30000, 32767}));
  EXPECT_EQ(r.config->port_range.Size(), 2768);
  EXPECT_EQ(r.config->publish_address, "0.0.0.0");
}

TEST(ParseAgentFlags, ReadsEveryFlag) {
  AgentFlagsResult r =
      Parse({"--controller=10.0.0.1:7400", "--node-name=n1", "--cluster-name=prod",
             "--http-addr=127.0.0.1:0", "--runtime=sim", "--sim-start-delay=250ms", "--cpu=3500m",
             "--memory=4Gi", "--max-containers=30", "--labels=zone=a,disk=ssd", "--log-format=json",
             "--heartbeat-interval=500ms", "--port-range=40000-40099",
             "--publish-address=127.0.0.1", "--max-engine-calls=12"});
  ASSERT_TRUE(r.config.has_value()) << r.message;
  EXPECT_EQ(r.config->controller, "10.0.0.1:7400");
  AgentFlagsResult several = Parse({"--controller=c1:7400,[::1]:7400,c3:7400"});
  ASSERT_TRUE(several.config.has_value()) << several.message;
  EXPECT_EQ(several.config->controller, "c1:7400,[::1]:7400,c3:7400");
  EXPECT_EQ(r.config->node_name, "n1");
  EXPECT_EQ(r.config->cluster_name, "prod");
  EXPECT_EQ(r.config->runtime, "sim");
  EXPECT_EQ(r.config->sim_start_delay, absl::Milliseconds(250));
  EXPECT_EQ(r.config->cpu_millis, 3500);
  EXPECT_EQ(r.config->memory_bytes, int64_t{4} << 30);
  EXPECT_EQ(r.config->max_containers, 30);
  EXPECT_EQ(r.config->max_engine_calls, 12);
  EXPECT_EQ(r.config->labels, (std::map<std::string, std::string>{{"zone", "a"}, {"disk", "ssd"}}));
  EXPECT_EQ(r.config->log_format, LogFormat::kJson);
  EXPECT_EQ(r.config->heartbeat_interval, absl::Milliseconds(500));
  EXPECT_EQ(r.config->port_range, (PortRange{40000, 40099}));
  EXPECT_EQ(r.config->publish_address, "127.0.0.1");
}

TEST(ParseAgentFlags, PortRangeAndPublishAddressTakeEveryValidForm) {
  for (const auto& [range, want] : std::vector<std::pair<std::string, PortRange>>{
           {"1-65535", {1, 65535}}, {"8080-8080", {8080, 8080}}}) {
    AgentFlagsResult r = Parse({"--port-range=" + range});
    ASSERT_TRUE(r.config.has_value()) << r.message;
    EXPECT_EQ(r.config->port_range, want) << range;
  }
  for (const std::string address : {"127.0.0.1", "0.0.0.0", "::", "::1", "fd00::5"}) {
    AgentFlagsResult r = Parse({"--publish-address=" + address});
    ASSERT_TRUE(r.config.has_value()) << r.message;
    EXPECT_EQ(r.config->publish_address, address);
  }
  setenv("MICROSCALE_PORT_RANGE", "31000-31009", 1);
  setenv("MICROSCALE_PUBLISH_ADDRESS", "127.0.0.1", 1);
  AgentFlagsResult from_env = Parse({});
  unsetenv("MICROSCALE_PORT_RANGE");
  unsetenv("MICROSCALE_PUBLISH_ADDRESS");
  ASSERT_TRUE(from_env.config.has_value()) << from_env.message;
  EXPECT_EQ(from_env.config->port_range, (PortRange{31000, 31009}));
  EXPECT_EQ(from_env.config->publish_address, "127.0.0.1");
}

TEST(ParseAgentFlags, TheAdvertisedHostIsTheFlagElseASpecificPublishAddress) {
  AgentFlagsResult r = Parse({});
  ASSERT_TRUE(r.config.has_value()) << r.message;
  EXPECT_EQ(AdvertisedHost(*r.config), "") << "0.0.0.0: the controller uses the agent's address";
  r = Parse({"--publish-address=127.0.0.1"});
  ASSERT_TRUE(r.config.has_value()) << r.message;
  EXPECT_EQ(AdvertisedHost(*r.config), "127.0.0.1");
  r = Parse({"--publish-address=::"});
  ASSERT_TRUE(r.config.has_value()) << r.message;
  EXPECT_EQ(AdvertisedHost(*r.config), "");
  for (const std::string host : {"node-1.example.com", "10.0.0.5", "fd00::5"}) {
    r = Parse({"--publish-address=127.0.0.1", "--advertise-address=" + host});
    ASSERT_TRUE(r.config.has_value()) << r.message;
    EXPECT_EQ(AdvertisedHost(*r.config), host);
  }
}

TEST(ParseAgentFlags, EnvTwinsApplyAndTheCommandLineWins) {
  setenv("MICROSCALE_NODE_NAME", "from-env", 1);
  setenv("MICROSCALE_MAX_CONTAINERS", "5", 1);
  AgentFlagsResult r = Parse({"--max-containers=9"});
  unsetenv("MICROSCALE_NODE_NAME");
  unsetenv("MICROSCALE_MAX_CONTAINERS");
  ASSERT_TRUE(r.config.has_value()) << r.message;
  EXPECT_EQ(r.config->node_name, "from-env");
  EXPECT_EQ(r.config->max_containers, 9);
}

TEST(ParseAgentFlags, BadValuesAreUsageErrorsNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--cpu=lots", "--cpu"},
      {"--memory=12 bytes", "--memory"},
      {"--heartbeat-interval=fast", "--heartbeat-interval"},
      {"--heartbeat-interval=0s", "--heartbeat-interval"},
      {"--sim-start-delay=soon", "--sim-start-delay"},
      {"--runtime=podman", "--runtime"},
      {"--labels=zone", "--labels"},
      {"--max-containers=-1", "--max-containers"},
      {"--max-engine-calls=0", "--max-engine-calls: \"0\" is not a whole number from 1 to 64"},
      {"--max-engine-calls=65", "--max-engine-calls: \"65\""},
      {"--max-engine-calls=many", "--max-engine-calls: \"many\""},
      {"--log-format=xml", "--log-format"},
      {"--controller=nohost", "--controller"},
      {"--controller=a:7400,,b:7400", "--controller: an address in \"a:7400,,b:7400\" is empty"},
      {"--controller=a:7400,b", "--controller: \"b\""},
      {"--http-addr=1.2.3.4:99999", "--http-addr"},
      {"--port-range=30000", "--port-range: \"30000\" is not a port range LO-HI"},
      {"--port-range=", "--port-range"},
      {"--port-range=1-2-3", "--port-range: \"1-2-3\" is not a port range LO-HI"},
      {"--port-range=0-100", "--port-range: \"0-100\": \"0\" is not a port between 1 and 65535"},
      {"--port-range=30000-65536", "\"65536\" is not a port between 1 and 65535"},
      {"--port-range=a-b", "--port-range: \"a-b\": \"a\" is not a port"},
      {"--port-range=-5-10", "--port-range"},
      {"--port-range=32767-30000", "--port-range: \"32767-30000\": 32767 is above 30000"},
      {"--publish-address=localhost", "--publish-address: \"localhost\" is not an IPv4 or IPv6"},
      {"--publish-address=[::1]", "--publish-address"},
      {"--publish-address=127.0.0.1:80", "--publish-address"},
      {"--publish-address=", "--publish-address"},
      {"--publish-address=256.0.0.1", "--publish-address"},
      {"--advertise-address=node-1:8080", "--advertise-address: \"node-1:8080\" is neither a host"},
      {"--advertise-address=a b", "--advertise-address"},
      {"--bogus=1", "--bogus"},
  };
  for (const auto& [arg, flag] : cases) {
    AgentFlagsResult r = Parse({arg});
    EXPECT_FALSE(r.config.has_value()) << arg;
    EXPECT_EQ(r.exit_code, 2) << arg;
    EXPECT_TRUE(r.message_to_stderr) << arg;
    EXPECT_THAT(r.message, HasSubstr(flag)) << arg;
  }
}

// A bad value that came from the environment names the variable too; the same value on
// the command line names the flag alone.
TEST(ParseAgentFlags, ABadValueFromTheEnvironmentNamesTheVariable) {
  setenv("MICROSCALE_HEARTBEAT_INTERVAL", "10", 1);
  AgentFlagsResult from_env = Parse({});
  AgentFlagsResult from_argv = Parse({"--heartbeat-interval=10"});
  unsetenv("MICROSCALE_HEARTBEAT_INTERVAL");
  EXPECT_EQ(from_env.exit_code, 2);
  EXPECT_THAT(from_env.message,
              HasSubstr("--heartbeat-interval (from MICROSCALE_HEARTBEAT_INTERVAL=10): "));
  EXPECT_EQ(from_argv.exit_code, 2);
  EXPECT_THAT(from_argv.message, HasSubstr("--heartbeat-interval: "));
  EXPECT_THAT(from_argv.message, ::testing::Not(HasSubstr("MICROSCALE_HEARTBEAT_INTERVAL")));
}

TEST(ParseAgentFlags, HelpAndVersionExitZero) {
  AgentFlagsResult help = Parse({"--help"});
  EXPECT_FALSE(help.config.has_value());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.message, HasSubstr("MICROSCALE_CONTROLLER"));
  EXPECT_THAT(help.message, HasSubstr("--port-range"));
  EXPECT_THAT(help.message, HasSubstr("MICROSCALE_PUBLISH_ADDRESS"));
  AgentFlagsResult version = Parse({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.message, "microscale-agent 1.2.3\n");
}

TEST(ParseLabels, SplitsPairs) {
  EXPECT_TRUE(ParseLabels("")->empty());
  EXPECT_EQ(ParseLabels("a=1,example.com/b=x_y")->at("example.com/b"), "x_y");
  EXPECT_EQ(ParseLabels("zone=")->at("zone"), "");
  EXPECT_FALSE(ParseLabels("=1").ok());
  EXPECT_FALSE(ParseLabels("a=1,,b=2").ok());
  // Every label can be selected by a spec.nodeSelector: the same rules for keys and values.
  EXPECT_THAT(ParseLabels("a=1,b=x=y").status().message(),
              testing::HasSubstr("label \"b=x=y\": is not a valid label value"));
  EXPECT_THAT(ParseLabels("bad key=1").status().message(),
              testing::HasSubstr("is not a valid label key"));
  EXPECT_THAT(ParseLabels("a=1,a=2").status().message(),
              testing::HasSubstr("label \"a\" given twice"));
}

}  // namespace
}  // namespace microscale
