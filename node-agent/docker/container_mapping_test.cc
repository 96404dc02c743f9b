#include "node-agent/docker/container_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

namespace microscale::docker {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::Not;
using ::testing::Pair;

MATCHER_P3(Published, name, container_port, host_port, "") {
  return arg.name() == name && arg.container_port() == container_port &&
         arg.host_port() == host_port;
}

MATCHER_P3(Binds, container_port, host_ip, host_port, "") {
  return arg.container_port == container_port && arg.host_ip == host_ip &&
         arg.host_port == host_port;
}

v1::PublishedPort Port(const std::string& name, int container_port, int host_port) {
  v1::PublishedPort p;
  p.set_name(name);
  p.set_container_port(container_port);
  p.set_host_port(host_port);
  return p;
}

v1::ContainerSpec WebSpec() {
  v1::ContainerSpec spec;
  spec.set_app("web");
  spec.set_image("microscale/demo:latest");
  spec.add_command("/bin/sh");
  (*spec.mutable_env())["B"] = "2";
  (*spec.mutable_env())["A"] = "1";
  spec.mutable_resources()->set_cpu_millis(250);
  spec.mutable_resources()->set_memory_bytes(64 << 20);
  spec.set_priority(3);
  spec.set_stop_timeout_seconds(4);
  return spec;
}

TEST(BuildCreateRequestTest, NamesLabelsAndLimitsTheContainer) {
  CreateContainerRequest r = BuildCreateRequest("web-3", WebSpec(), "prod", "node-a");
  EXPECT_EQ(r.name, "microscale_prod_web-3");
  EXPECT_EQ(r.image, "microscale/demo:latest");
  EXPECT_THAT(r.cmd, ElementsAre("/bin/sh"));
  EXPECT_THAT(r.env, ElementsAre("A=1", "B=2"));
  EXPECT_THAT(r.labels, ElementsAre(Pair(kLabelApp, "web"), Pair(kLabelCluster, "prod"),
                                    Pair(kLabelInstance, "web-3"), Pair(kLabelManaged, "true"),
                                    Pair(kLabelNode, "node-a"), Pair(kLabelPriority, "3")));
  EXPECT_EQ(r.nano_cpus, 250'000'000);
  EXPECT_EQ(r.memory_bytes, 64 << 20);
  EXPECT_EQ(r.network_mode, "bridge");
  EXPECT_EQ(r.stop_timeout_seconds, 4);
  EXPECT_TRUE(r.no_new_privileges);
  EXPECT_FALSE(r.healthcheck.has_value()) << "without a check, none is sent";
  EXPECT_THAT(r.labels, Not(Contains(Key(kLabelHealthCheck))));
}

TEST(BuildCreateRequestTest, HealthCheckBecomesTheEnginesHealthcheckAndALabel) {
  v1::ContainerSpec spec = WebSpec();
  v1::HealthCheck* check = spec.mutable_health_check();
  check->add_command("/bin/test");
  check->add_command("-f");
  check->add_command("/tmp/ready");
  check->set_interval_seconds(5);
  check->set_timeout_seconds(0.25);
  check->set_retries(3);
  check->set_start_period_seconds(0);
  CreateContainerRequest r = BuildCreateRequest("web-3", spec, "prod", "node-a");
  ASSERT_TRUE(r.healthcheck.has_value());
  EXPECT_THAT(r.healthcheck->test, ElementsAre("CMD", "/bin/test", "-f", "/tmp/ready"));
  EXPECT_EQ(r.healthcheck->interval_ns, 5'000'000'000);
  EXPECT_EQ(r.healthcheck->timeout_ns, 250'000'000);
  EXPECT_EQ(r.healthcheck->retries, 3);
  EXPECT_EQ(r.healthcheck->start_period_ns, 0);
  EXPECT_THAT(r.labels, Contains(Pair(kLabelHealthCheck, "true")));
  EXPECT_THAT(CreateContainerBody(r),
              ::testing::HasSubstr(R"("Healthcheck":{"Interval":5000000000,"Retries":3,)"
                                   R"("StartPeriod":0,"Test":["CMD","/bin/test","-f",)"
                                   R"("/tmp/ready"],"Timeout":250000000})"));
}

// The engine refuses durations between 0 and 1 ms and negative retries.
TEST(ToHealthcheckTest, HoldsValuesWhereTheEngineTakesThem) {
  v1::HealthCheck check;
  EXPECT_FALSE(ToHealthcheck(check).has_value()) << "no command, no check";
  check.add_command("true");
  check.set_interval_seconds(1e-6);
  check.set_timeout_seconds(-2);
  check.set_start_period_seconds(1e300);
  check.set_retries(-1);
  std::optional<HealthcheckConfig> h = ToHealthcheck(check);
  ASSERT_TRUE(h.has_value());
  EXPECT_THAT(h->test, ElementsAre("CMD", "true"));
  EXPECT_EQ(h->interval_ns, 1'000'000);
  EXPECT_EQ(h->timeout_ns, 0);
  EXPECT_EQ(h->start_period_ns, int64_t{24} * 3600 * 1'000'000'000);
  EXPECT_EQ(h->retries, 0);
  check.set_interval_seconds(std::nan(""));
  check.set_timeout_seconds(std::numeric_limits<double>::infinity());
  h = ToHealthcheck(check);
  EXPECT_EQ(h->interval_ns, 0);
  EXPECT_EQ(h->timeout_ns, int64_t{24} * 3600 * 1'000'000'000);
}

// Two clusters on one Docker host never want the same name; a cluster name that would not
// make a valid or unambiguous name is hashed; the old name is kept for adoption.
TEST(ContainerNameTest, HoldsTheClusterAndTheInstance) {
  EXPECT_EQ(ContainerName("prod", "web-0"), "microscale_prod_web-0");
  EXPECT_EQ(ContainerName("docwalk2", "dup-0"), "microscale_docwalk2_dup-0");
  EXPECT_NE(ContainerName("a", "dup-0"), ContainerName("b", "dup-0"));
  const std::string odd = ContainerName("my cluster/one", "web-0");
  EXPECT_EQ(odd.rfind("microscale_", 0), 0u) << odd;
  EXPECT_EQ(odd.size(), std::string("microscale_").size() + 16 + std::string("_web-0").size());
  EXPECT_EQ(odd.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-"), std::string::npos)
      << odd;
  EXPECT_NE(odd, ContainerName("my cluster/two", "web-0"));
  EXPECT_NE(ContainerName("a_b", "c-0"), ContainerName("a", "b_c-0")) << "'_' is hashed";
  EXPECT_EQ(LegacyContainerName("web-0"), "microscale-web-0");
}

TEST(BuildCreateRequestTest, KeepsTheRequestedNetwork) {
  v1::ContainerSpec spec = WebSpec();
  spec.set_network("none");
  EXPECT_EQ(BuildCreateRequest("web-0", spec, "c", "n").network_mode, "none");
}

TEST(BuildCreateRequestTest, PublishesBridgePortsAndRecordsThemInALabel) {
  v1::ContainerSpec spec = WebSpec();
  const std::vector<v1::PublishedPort> ports = {Port("http", 8080, 30001), Port("", 9100, 30002)};
  CreateContainerRequest r = BuildCreateRequest("web-0", spec, "c", "n", ports, "127.0.0.1");
  EXPECT_THAT(r.port_bindings,
              ElementsAre(Binds(8080, "127.0.0.1", 30001), Binds(9100, "127.0.0.1", 30002)));
  EXPECT_THAT(r.labels, Contains(Pair(kLabelPorts, "http:8080:30001,9100:30002")));
}

// On the host network the container's ports are the host's: recorded, not published.
TEST(BuildCreateRequestTest, HostNetworkPortsAreRecordedNotPublished) {
  v1::ContainerSpec spec = WebSpec();
  spec.set_network("host");
  CreateContainerRequest r =
      BuildCreateRequest("web-0", spec, "c", "n", {Port("http", 8080, 8080)}, "127.0.0.1");
  EXPECT_THAT(r.port_bindings, IsEmpty());
  EXPECT_THAT(r.labels, Contains(Pair(kLabelPorts, "http:8080:8080")));
}

TEST(BuildCreateRequestTest, NoPortsNoLabel) {
  CreateContainerRequest r = BuildCreateRequest("web-0", WebSpec(), "c", "n");
  EXPECT_THAT(r.port_bindings, IsEmpty());
  EXPECT_THAT(r.labels, Not(Contains(Key(kLabelPorts))));
}

TEST(PortsLabelTest, RoundTrips) {
  const std::vector<v1::PublishedPort> ports = {Port("http", 8080, 30001), Port("", 9100, 30002),
                                                Port("metrics-2", 65535, 1)};
  const std::string label = FormatPortsLabel(ports);
  EXPECT_EQ(label, "http:8080:30001,9100:30002,metrics-2:65535:1");
  EXPECT_THAT(ParsePortsLabel(label),
              ElementsAre(Published("http", 8080, 30001), Published("", 9100, 30002),
                          Published("metrics-2", 65535, 1)));
  EXPECT_EQ(FormatPortsLabel({}), "");
  EXPECT_THAT(ParsePortsLabel(""), IsEmpty());
  // A name the controller would have refused is dropped, not allowed to spoil the value.
  EXPECT_EQ(FormatPortsLabel({Port("a:b", 80, 30001), Port("c,d", 81, 30002)}),
            "80:30001,81:30002");
}

// The label is read back from containers anyone could have labelled: what does not read as
// a port is skipped, the rest is kept.
TEST(PortsLabelTest, SkipsWhatDoesNotParse) {
  const char* const malformed[] = {"garbage",      "http:8080",  ":",
                                   "::",           "a:b:c",      "http:0:30001",
                                   "http:8080:0",  "8080:70000", "-1:30001",
                                   "a:1:2:3",      "8080:3e4",   "http:8080:",
                                   ":8080:30001x", ",,,",        "99999999999999999999:1"};
  for (const char* value : malformed) {
    EXPECT_THAT(ParsePortsLabel(value), IsEmpty()) << value;
  }
  EXPECT_THAT(ParsePortsLabel("junk,http:8080:30001,,9100:x,:9100:30002"),
              ElementsAre(Published("http", 8080, 30001), Published("", 9100, 30002)));
}

TEST(OwnershipTest, NeedsBothClusterAndNode) {
  LabelMap labels = {{kLabelCluster, "prod"}, {kLabelNode, "a"}};
  EXPECT_TRUE(IsOwnedBy(labels, "prod", "a"));
  EXPECT_FALSE(IsOwnedBy(labels, "dev", "a"));
  EXPECT_FALSE(IsOwnedBy(labels, "prod", "b"));
  EXPECT_FALSE(IsOwnedBy({}, "prod", "a"));
  EXPECT_THAT(OwnerLabels("prod", "a"), Contains(Pair(kLabelCluster, "prod")));
}

TEST(StateFromDockerTest, MapsEveryEngineState) {
  EXPECT_EQ(StateFromDocker("created"), v1::CONTAINER_STATE_STARTING);
  EXPECT_EQ(StateFromDocker("restarting"), v1::CONTAINER_STATE_STARTING);
  EXPECT_EQ(StateFromDocker("running"), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(StateFromDocker("paused"), v1::CONTAINER_STATE_PAUSED);
  EXPECT_EQ(StateFromDocker("removing"), v1::CONTAINER_STATE_STOPPING);
  EXPECT_EQ(StateFromDocker("exited"), v1::CONTAINER_STATE_EXITED);
  EXPECT_EQ(StateFromDocker("dead"), v1::CONTAINER_STATE_EXITED);
  EXPECT_EQ(StateFromDocker("???"), v1::CONTAINER_STATE_UNSPECIFIED);
}

TEST(ToContainerTest, FillsIdentityStateAndTimes) {
  ContainerDetails d;
  d.id = "abc";
  d.labels = {{kLabelInstance, "web-3"}, {kLabelApp, "web"}, {kLabelNode, "node-a"}};
  d.status = "exited";
  d.exit_code = 137;
  d.started_at = absl::FromUnixMillis(1714557600250);
  v1::Container c = ToContainer(d, "ignored");
  EXPECT_EQ(c.instance(), "web-3");
  EXPECT_EQ(c.app(), "web");
  EXPECT_EQ(c.node(), "node-a");
  EXPECT_EQ(c.state(), v1::CONTAINER_STATE_EXITED);
  EXPECT_EQ(c.container_id(), "abc");
  EXPECT_EQ(c.exit_code(), 137);
  EXPECT_EQ(c.started_unix_ms(), 1714557600250);
  EXPECT_THAT(c.ports(), IsEmpty());
}

TEST(ToContainerTest, ReadsThePortsLabelOfDetailsListEntriesAndEvents) {
  const LabelMap labels = {{kLabelInstance, "web-3"}, {kLabelPorts, "http:8080:30001,9100:30002"}};
  ContainerDetails d;
  d.labels = labels;
  ContainerSummary s;
  s.labels = labels;
  EngineEvent e;
  e.type = "container";
  e.action = "start";
  e.attributes = labels;
  auto event = ToContainerEvent(e, "n");
  ASSERT_TRUE(event.has_value());
  for (const v1::Container& c : {ToContainer(d, "n"), ToContainer(s, "n"), event->container()}) {
    EXPECT_THAT(c.ports(), ElementsAre(Published("http", 8080, 30001), Published("", 9100, 30002)));
  }
}

TEST(ToContainerTest, ListEntryTakesExitCodeFromStatusText) {
  ContainerSummary s;
  s.id = "x";
  s.state = "exited";
  s.status = "Exited (2) 1 second ago";
  v1::Container c = ToContainer(s, "node-b");
  EXPECT_EQ(c.node(), "node-b");
  EXPECT_EQ(c.exit_code(), 2);
  EXPECT_EQ(c.started_unix_ms(), 0);
}

TEST(ToContainerTest, HealthOnlyWithOurCheck) {
  ContainerSummary s;
  s.state = "running";
  s.status = "Up 5 seconds (healthy)";
  EXPECT_EQ(ToContainer(s, "n").health(), v1::HEALTH_UNSPECIFIED) << "the image's own check";
  s.labels = {{kLabelHealthCheck, "true"}};
  EXPECT_EQ(ToContainer(s, "n").health(), v1::HEALTH_HEALTHY);
  s.status = "Up 5 seconds (unhealthy)";
  EXPECT_EQ(ToContainer(s, "n").health(), v1::HEALTH_UNHEALTHY);
  s.status = "Up 1 second (health: starting)";
  EXPECT_EQ(ToContainer(s, "n").health(), v1::HEALTH_STARTING);
  s.status = "Created";
  EXPECT_EQ(ToContainer(s, "n").health(), v1::HEALTH_STARTING);

  ContainerDetails d;
  d.status = "running";
  d.health = "unhealthy";
  d.health_failing_streak = 3;
  EXPECT_EQ(ToContainer(d, "n").health(), v1::HEALTH_UNSPECIFIED);
  d.labels = {{kLabelHealthCheck, "true"}};
  EXPECT_EQ(ToContainer(d, "n").health(), v1::HEALTH_UNHEALTHY);
  d.health = "";
  EXPECT_EQ(ToContainer(d, "n").health(), v1::HEALTH_STARTING);
  d.health = "bogus";
  EXPECT_EQ(ToContainer(d, "n").health(), v1::HEALTH_STARTING);
}

// The engine says "unhealthy" as soon as its checks stop (pause, exit), with fewer failures
// in a row than retries; what the probes found is what the container last was.
TEST(HealthOfTest, SeesThroughTheEnginesUnhealthyOnStop) {
  ContainerDetails d;
  d.status = "running";
  d.health = "unhealthy";
  d.health_failing_streak = 3;
  d.health_probe_exit_codes = {1, 1, 1};
  EXPECT_EQ(HealthOf(d), v1::HEALTH_UNHEALTHY) << "3 failures, default retries 3";
  d.health_retries = 5;
  d.health_probe_exit_codes = {0, 1, 1, 1};
  EXPECT_EQ(HealthOf(d), v1::HEALTH_HEALTHY) << "3 of 5 failures: still healthy";
  d.status = "paused";
  d.health_failing_streak = 0;
  d.health_probe_exit_codes = {0, 0};
  EXPECT_EQ(HealthOf(d), v1::HEALTH_HEALTHY);
  d.health_probe_exit_codes = {};
  EXPECT_EQ(HealthOf(d), v1::HEALTH_STARTING) << "a standby paused before any probe";
  d.health_probe_exit_codes = {1};
  EXPECT_EQ(HealthOf(d), v1::HEALTH_STARTING) << "failed within its start period";
  d.health = "healthy";
  EXPECT_EQ(HealthOf(d), v1::HEALTH_HEALTHY);
  d.health = "starting";
  EXPECT_EQ(HealthOf(d), v1::HEALTH_STARTING);
  d.health = "";
  EXPECT_EQ(HealthOf(d), v1::HEALTH_STARTING);
  d.health_retries = -7;
  d.health = "unhealthy";
  EXPECT_EQ(HealthOf(d), v1::HEALTH_STARTING);
}

TEST(ToContainerEventTest, HealthStatusOfOurCheckIsAnEventOfNoKind) {
  EngineEvent e;
  e.type = "container";
  e.id = "abc";
  e.attributes = {{kLabelInstance, "web-1"}, {kLabelApp, "web"}, {kLabelHealthCheck, "true"}};
  e.action = "health_status: healthy";
  auto out = ToContainerEvent(e, "n");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->kind(), v1::ContainerEvent::KIND_UNSPECIFIED);
  EXPECT_EQ(out->container().instance(), "web-1");
  EXPECT_EQ(out->container().container_id(), "abc");
  EXPECT_EQ(out->container().state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(out->container().health(), v1::HEALTH_HEALTHY);
  e.action = "health_status:unhealthy";
  EXPECT_EQ(ToContainerEvent(e, "n")->container().health(), v1::HEALTH_UNHEALTHY);
  e.action = "start";
  EXPECT_EQ(ToContainerEvent(e, "n")->container().health(), v1::HEALTH_STARTING);
  e.action = "pause";
  EXPECT_EQ(ToContainerEvent(e, "n")->container().health(), v1::HEALTH_UNSPECIFIED)
      << "the runtime fills in what it last knew";
  for (const char* odd : {"health_status", "health_status: ", "health_status: bogus",
                          "health_statusx: healthy", "health_status healthy"}) {
    e.action = odd;
    EXPECT_FALSE(ToContainerEvent(e, "n").has_value()) << odd;
  }
  e.attributes.erase(kLabelHealthCheck);
  e.action = "health_status: healthy";
  EXPECT_FALSE(ToContainerEvent(e, "n").has_value()) << "not our check";
  e.action = "start";
  EXPECT_EQ(ToContainerEvent(e, "n")->container().health(), v1::HEALTH_UNSPECIFIED);
}

TEST(ToContainerEventTest, MapsLifecycleActions) {
  EngineEvent e;
  e.type = "container";
  e.id = "abc";
  e.time_nano = 1'700'000'000'123'000'000;
  e.attributes = {{kLabelInstance, "web-1"}, {kLabelApp, "web"}, {"exitCode", "137"}};
  e.action = "die";
  auto out = ToContainerEvent(e, "n");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->kind(), v1::ContainerEvent::EXITED);
  EXPECT_EQ(out->exit_code(), 137);
  EXPECT_EQ(out->container().instance(), "web-1");
  EXPECT_EQ(out->container().state(), v1::CONTAINER_STATE_EXITED);
  e.action = "start";
  EXPECT_EQ(ToContainerEvent(e, "n")->container().started_unix_ms(), 1'700'000'000'123);
  const std::pair<const char*, v1::ContainerEvent::Kind> kinds[] = {
      {"start", v1::ContainerEvent::STARTED},
      {"oom", v1::ContainerEvent::OOM_KILLED},
      {"pause", v1::ContainerEvent::PAUSED},
      {"unpause", v1::ContainerEvent::RESUMED},
      {"destroy", v1::ContainerEvent::REMOVED}};
  for (const auto& [action, kind] : kinds) {
    e.action = action;
    EXPECT_EQ(ToContainerEvent(e, "n")->kind(), kind) << action;
  }
}

TEST(ToContainerEventTest, IgnoresOtherActionsAndTypes) {
  EngineEvent e;
  e.type = "container";
  e.action = "exec_start: sh";
  EXPECT_FALSE(ToContainerEvent(e, "n").has_value());
  e.action = "create";
  EXPECT_FALSE(ToContainerEvent(e, "n").has_value());
  e.type = "network";
  e.action = "start";
  EXPECT_FALSE(ToContainerEvent(e, "n").has_value());
}

}  // namespace
}  // namespace microscale::docker
