#include "node-agent/core/published_ports.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace microscale {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

MATCHER_P3(Published, name, container_port, host_port, "") {
  return arg.name() == name && arg.container_port() == container_port &&
         arg.host_port() == host_port;
}

v1::ContainerSpec WithPorts(const std::string& network) {
  v1::ContainerSpec spec;
  spec.set_network(network);
  v1::PortSpec* http = spec.add_ports();
  http->set_name("http");
  http->set_container_port(8080);
  spec.add_ports()->set_container_port(9100);
  return spec;
}

TEST(PublishedPortsTest, BridgePublishesEachPortOnAPickedHostPort) {
  for (const std::string network : {"", "bridge"}) {
    v1::ContainerSpec spec = WithPorts(network);
    EXPECT_EQ(HostPortsToPick(spec), 2) << network;
    EXPECT_THAT(PublishedPorts(spec, {30001, 30002}),
                ElementsAre(Published("http", 8080, 30001), Published("", 9100, 30002)))
        << network;
  }
}

TEST(PublishedPortsTest, HostNetworkPortsAreTheHostsOwn) {
  v1::ContainerSpec spec = WithPorts("host");
  EXPECT_EQ(HostPortsToPick(spec), 0);
  EXPECT_THAT(PublishedPorts(spec, {}),
              ElementsAre(Published("http", 8080, 8080), Published("", 9100, 9100)));
}

TEST(PublishedPortsTest, NoNetworkHasNoPorts) {
  v1::ContainerSpec spec = WithPorts("none");
  EXPECT_EQ(HostPortsToPick(spec), 0);
  EXPECT_THAT(PublishedPorts(spec, {30001, 30002}), IsEmpty());
  EXPECT_EQ(HostPortsToPick(v1::ContainerSpec()), 0);
}

TEST(PublishedPortsTest, HostPortsOfLeavesOutNonPorts) {
  v1::Container c;
  c.add_ports()->set_host_port(30001);
  c.add_ports()->set_host_port(0);
  c.add_ports()->set_host_port(30003);
  EXPECT_THAT(HostPortsOf(c), ElementsAre(30001, 30003));
}

}  // namespace
}  // namespace microscale
