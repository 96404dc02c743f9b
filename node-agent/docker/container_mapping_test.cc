#include "node-agent/docker/container_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
