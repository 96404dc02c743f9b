// Tests of the endpoint list: hosts, readiness, order and the http_sd shape.
#include "controller/server/endpoints.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace microscale {
namespace {

TEST(EndpointHostTest, AdvertisedElseThePeersIp) {
  EXPECT_EQ(EndpointHost("", "ipv4:10.0.0.5:41234"), "10.0.0.5");
  EXPECT_EQ(EndpointHost("", "ipv6:[fd00::5]:41234"), "[fd00::5]");
  EXPECT_EQ(EndpointHost("node-1.example.com", "ipv4:10.0.0.5:41234"), "node-1.example.com");
  EXPECT_EQ(EndpointHost("127.0.0.1", "ipv4:10.0.0.5:41234"), "127.0.0.1");
  EXPECT_EQ(EndpointHost("fd00::7", "ipv4:10.0.0.5:41234"), "[fd00::7]");
  EXPECT_EQ(EndpointHost("", "unix:/run/agent.sock"), "");
}

v1::Container Published(const std::string& instance, const std::string& app,
                        v1::ContainerState state,
                        const std::vector<std::pair<std::string, int>>& ports) {
  v1::Container c;
  c.set_instance(instance);
  c.set_app(app);
  c.set_state(state);
  int container_port = 8080;
  for (const auto& [name, host_port] : ports) {
    v1::PublishedPort& p = *c.add_ports();
    p.set_name(name);
    p.set_container_port(container_port++);
    p.set_host_port(host_port);
  }
  return c;
}

NodeView Node(const std::string& name, NodeHealth health, std::vector<v1::Container> containers) {
  NodeView n;
  n.name = name;
  n.health = health;
  n.address = "ipv4:10.0.0." + name.substr(name.size() - 1) + ":5000";
  for (v1::Container& c : containers) n.containers.Mutable()[c.instance()] = std::move(c);
  return n;
}

class BuildEndpointsTest : public ::testing::Test {
 protected:
  BuildEndpointsTest() {
    web_.name = "web";
    web_.priority = 1;
    web_.ports = {{"http", 8080}, {"metrics", 8081}};
    batch_.name = "batch";
    batch_.priority = 5;
    apps_ = {{"web", &web_}, {"batch", &batch_}};
  }

  AppSpec web_;
  AppSpec batch_;  // no ports
  AppSpecIndex apps_;
};

TEST_F(BuildEndpointsTest, OnePerPortReadyWhenRunningOnAReadyNodeAndNotLeaving) {
  std::vector<NodeView> nodes = {
      Node("node-1", NodeHealth::kReady,
           {Published("web-1", "web", v1::CONTAINER_STATE_RUNNING,
                      {{"http", 30001}, {"metrics", 30002}}),
            Published("web-0", "web", v1::CONTAINER_STATE_RUNNING,
                      {{"http", 30003}, {"metrics", 30004}}),
            Published("web-2", "web", v1::CONTAINER_STATE_PAUSED,
                      {{"http", 30005}, {"metrics", 30006}}),
            Published("web-3", "web", v1::CONTAINER_STATE_EXITED,
                      {{"http", 30007}, {"metrics", 30008}}),
            Published("batch-0", "batch", v1::CONTAINER_STATE_RUNNING, {})}),
      Node("node-2", NodeHealth::kUnreachable,
           {Published("web-4", "web", v1::CONTAINER_STATE_RUNNING,
                      {{"http", 30001}, {"metrics", 30002}})}),
      Node("node-3", NodeHealth::kNotReady,
           {Published("web-5", "web", v1::CONTAINER_STATE_RUNNING,
                      {{"http", 30001}, {"metrics", 30002}})}),
  };
  nodes[0].containers.Mutable()["web-1"].set_node("node-1");
  std::vector<v1::Endpoint> all = BuildEndpoints(nodes, apps_, {"web-1"}, "");
  std::vector<std::string> seen;
  for (const v1::Endpoint& e : all) {
    seen.push_back(e.instance() + " " + e.port_name() + " " + e.address() +
                   (e.ready() ? " ready" : ""));
  }
  // By instance, ports in order; the exited one and the NotReady node's are not listed.
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "web-0 http 10.0.0.1:30003 ready", "web-0 metrics 10.0.0.1:30004 ready",
                      "web-1 http 10.0.0.1:30001", "web-1 metrics 10.0.0.1:30002",  // leaving
                      "web-2 http 10.0.0.1:30005", "web-2 metrics 10.0.0.1:30006",  // paused
                      "web-4 http 10.0.0.2:30001", "web-4 metrics 10.0.0.2:30002",  // unreachable
                  }));
  EXPECT_EQ(all[0].node(), "node-1");
  EXPECT_EQ(all[0].container_port(), 8080);
  EXPECT_EQ(all[0].priority(), 1);
  EXPECT_TRUE(BuildEndpoints(nodes, apps_, {}, "batch").empty());
  EXPECT_EQ(BuildEndpoints(nodes, apps_, {}, "web").size(), all.size());
  // An app deleted while its containers still run lists nothing.
  AppSpecIndex none;
  EXPECT_TRUE(BuildEndpoints(nodes, none, {}, "").empty());
}

TEST_F(BuildEndpointsTest, HttpSdListsReadyOnesWithTheirLabels) {
  std::vector<NodeView> nodes = {Node(
      "node-1", NodeHealth::kReady,
      {Published("web-0", "web", v1::CONTAINER_STATE_RUNNING, {{"http", 30001}, {"", 30002}}),
       Published("web-1", "web", v1::CONTAINER_STATE_STARTING, {{"http", 30003}, {"", 30004}})})};
  nlohmann::json groups = nlohmann::json::parse(HttpSdJson(BuildEndpoints(nodes, apps_, {}, "")));
  EXPECT_EQ(groups, nlohmann::json::parse(R"([
    {"targets": ["10.0.0.1:30001"],
     "labels": {"app": "web", "instance": "web-0", "node": "node-1", "port_name": "http",
                "priority": "1"}},
    {"targets": ["10.0.0.1:30002"],
     "labels": {"app": "web", "instance": "web-0", "node": "node-1", "port_name": "",
                "priority": "1"}}])"));
  EXPECT_EQ(HttpSdJson({}), "[]");
}

}  // namespace
}  // namespace microscale
