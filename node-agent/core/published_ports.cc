#include "node-agent/core/published_ports.h"

namespace microscale {
namespace {

bool IsBridge(const v1::ContainerSpec& spec) {
  return spec.network().empty() || spec.network() == "bridge";
}

}  // namespace

int HostPortsToPick(const v1::ContainerSpec& spec) {
  return IsBridge(spec) ? spec.ports_size() : 0;
}

std::vector<v1::PublishedPort> PublishedPorts(const v1::ContainerSpec& spec,
                                              const std::vector<int>& picked) {
  const bool bridge = IsBridge(spec);
  if (!bridge && spec.network() != "host") return {};
  std::vector<v1::PublishedPort> out;
  for (int i = 0; i < spec.ports_size(); ++i) {
    if (bridge && i >= static_cast<int>(picked.size())) break;
    v1::PublishedPort& p = out.emplace_back();
    p.set_name(spec.ports(i).name());
    p.set_container_port(spec.ports(i).container_port());
    p.set_host_port(bridge ? picked[i] : spec.ports(i).container_port());
  }
  return out;
}

std::vector<int> HostPortsOf(const v1::Container& container) {
  std::vector<int> out;
  for (const v1::PublishedPort& p : container.ports()) {
    if (p.host_port() > 0) out.push_back(p.host_port());
  }
  return out;
}

}  // namespace microscale
