// SpecPolicy: what a node agent lets a start command ask of its host.
//
// The Docker socket is root on the node, so the agent does not run whatever the controller
// sends. The wire format has no field for privileged mode, host mounts, capabilities or host
// PID/IPC namespaces, and the Docker runtime never sets them (no-new-privileges is always on).
// What remains is the network mode: bridge and none are allowed, host only when the
// controller runs with --allow-host-network (it says so in its Sync), and anything else
// ("container:<id>" joins another container's namespaces) is refused. Pure; thread-safe.
#ifndef MICROSCALE_NODE_AGENT_AGENT_SPEC_POLICY_H_
#define MICROSCALE_NODE_AGENT_AGENT_SPEC_POLICY_H_

#include "absl/status/status.h"
#include "microscale/v1/agent_gateway.pb.h"

namespace microscale {

struct SpecPolicy {
  bool host_network_allowed = false;
};

// OK when the agent may start `spec`; PermissionDenied naming the field otherwise.
absl::Status CheckSpecAllowed(const v1::ContainerSpec& spec, const SpecPolicy& policy);

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_SPEC_POLICY_H_
