#include "node-agent/agent/spec_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "node-agent/docker/container_mapping.h"
#include "node-agent/docker/docker_json.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

v1::ContainerSpec Spec(const std::string& network) {
  v1::ContainerSpec spec;
  spec.set_app("web");
  spec.set_image("microscale/demo:latest");
  spec.set_network(network);
  return spec;
}

TEST(SpecPolicyTest, BridgeAndNoneAreAlwaysAllowed) {
  for (const char* network : {"", "bridge", "none"}) {
    EXPECT_TRUE(CheckSpecAllowed(Spec(network), SpecPolicy{}).ok()) << network;
  }
}

TEST(SpecPolicyTest, HostNetworkNeedsTheControllersAllowance) {
  absl::Status refused = CheckSpecAllowed(Spec("host"), SpecPolicy{});
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), HasSubstr("spec.network: host"));
  EXPECT_THAT(refused.message(), HasSubstr("--allow-host-network"));
  EXPECT_TRUE(CheckSpecAllowed(Spec("host"), SpecPolicy{true}).ok());
}

TEST(SpecPolicyTest, OtherNetworkModesAreRefusedEvenWhenHostIsAllowed) {
  for (const char* network : {"container:abc123", "default", "HOST", "host "}) {
    absl::Status refused = CheckSpecAllowed(Spec(network), SpecPolicy{true});
    EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied) << network;
    EXPECT_THAT(refused.message(), HasSubstr("spec.network")) << network;
  }
}

// Whatever a spec holds, the body sent to the Docker Engine asks for no privilege.
TEST(SpecPolicyTest, TheDockerCreateBodyNeverAsksForPrivilegeOrHostMounts) {
  v1::ContainerSpec spec = Spec("bridge");
  spec.add_command("/bin/sh");
  (*spec.mutable_env())["Privileged"] = "true";
  (*spec.mutable_env())["Binds"] = "/:/host";
  std::string body =
      docker::CreateContainerBody(docker::BuildCreateRequest("web-1", spec, "c", "node-1"));
  nlohmann::json json = nlohmann::json::parse(body);
  const nlohmann::json& host = json["HostConfig"];
  for (const char* key : {"Privileged", "Binds", "Mounts", "CapAdd", "PidMode", "IpcMode",
                          "Devices", "UsernsMode", "Sysctls"}) {
    EXPECT_FALSE(host.contains(key)) << key << " in " << body;
    EXPECT_FALSE(json.contains(key)) << key << " in " << body;
  }
  EXPECT_EQ(host["SecurityOpt"], nlohmann::json({"no-new-privileges"}));
}

}  // namespace
}  // namespace microscale
