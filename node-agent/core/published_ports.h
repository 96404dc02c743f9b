// Which ports of a container the agent publishes, and where, by its network mode.
//
// Network bridge (or unset): each of spec.ports is published on a host port the agent picks
// from its --port-range. Host: the container's port is the host's own; nothing is
// published. None (or anything else): no ports at all; the controller refuses ports there.
// Pure functions.
#ifndef MICROSCALE_NODE_AGENT_CORE_PUBLISHED_PORTS_H_
#define MICROSCALE_NODE_AGENT_CORE_PUBLISHED_PORTS_H_

#include <vector>

#include "microscale/v1/agent_gateway.pb.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

// How many host ports a start of `spec` must pick: spec.ports_size() on bridge, else 0.
int HostPortsToPick(const v1::ContainerSpec& spec);

// The ports of a container of `spec`: on bridge, spec.ports(i) on `picked[i]` (as many as
// both have); on host, each port as its own host port; otherwise none.
std::vector<v1::PublishedPort> PublishedPorts(const v1::ContainerSpec& spec,
                                              const std::vector<int>& picked);

// The host ports `container` holds, in order (a port of 0 or less is no port).
std::vector<int> HostPortsOf(const v1::Container& container);

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_CORE_PUBLISHED_PORTS_H_
