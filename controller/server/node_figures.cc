#include "controller/server/node_figures.h"

#include <string>
#include <vector>

namespace microscale {

AppSpecIndex IndexSpecs(const std::vector<AppEntry>& apps) {
  AppSpecIndex by_name;
  by_name.reserve(apps.size());
  for (const AppEntry& app : apps) by_name[app.spec.name] = &app.spec;
  return by_name;
}

v1::Node NodeMessage(const NodeView& node, const AppSpecIndex& by_name) {
  v1::Node out;
  out.set_name(node.name);
  out.set_state(NodeStateName(node));
  *out.mutable_capacity() = node.capacity;
  out.set_address(node.address);
  out.set_last_heartbeat_unix_ms(absl::ToUnixMillis(node.last_contact));
  out.set_registered_unix_ms(absl::ToUnixMillis(node.registered));
  for (const auto& [k, v] : node.labels) (*out.mutable_labels())[k] = v;
  out.set_agent_version(node.agent_version);
  out.set_runtime(node.runtime);
  int64_t cpu = 0, memory = 0;
  int containers = 0, ports = 0;
  for (const auto& [instance, container] : node.containers) {
    if (container.state() == v1::CONTAINER_STATE_EXITED) continue;
    ++containers;
    auto it = by_name.find(container.app());
    if (it == by_name.end()) {
      ports += container.ports_size();
      continue;
    }
    ports += PublishedPortCount(*it->second);
    memory += it->second->resources.memory_bytes;
    if (container.state() != v1::CONTAINER_STATE_PAUSED) cpu += it->second->resources.cpu_millis;
  }
  out.mutable_allocated()->set_cpu_millis(cpu);
  out.mutable_allocated()->set_memory_bytes(memory);
  out.mutable_allocated()->set_max_containers(containers);
  out.mutable_allocated()->set_ports(ports);
  out.set_containers(containers);
  return out;
}

}  // namespace microscale
