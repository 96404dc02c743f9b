#include "node-agent/agent/spec_policy.h"

#include "absl/strings/str_cat.h"

namespace microscale {

absl::Status CheckSpecAllowed(const v1::ContainerSpec& spec, const SpecPolicy& policy) {
  const std::string& network = spec.network();
  if (network.empty() || network == "bridge" || network == "none") return absl::OkStatus();
  if (network == "host") {
    if (policy.host_network_allowed) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("spec.network: host is refused on this node: app \"", spec.app(),
                     "\" would share the node's network; the controller must run with "
                     "--allow-host-network"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("spec.network: \"", network,
                   "\" is refused (allowed: bridge, none, or host when the "
                   "controller runs with --allow-host-network)"));
}

}  // namespace microscale
