#include "controller/server/endpoints.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace microscale {

std::string EndpointHost(std::string_view advertise_address, std::string_view peer) {
  std::string_view host = advertise_address;
  if (host.empty()) {
    if (peer.starts_with("ipv4:")) {
      host = peer.substr(5, peer.rfind(':') - 5);
    } else if (peer.starts_with("ipv6:[")) {
      // Keeps the brackets: "[::1]".
      size_t close = peer.find(']');
      if (close != std::string_view::npos) return std::string(peer.substr(5, close - 4));
    }
  }
  if (host.find(':') != std::string_view::npos && !host.starts_with("[")) {
    return "[" + std::string(host) + "]";
  }
  return std::string(host);
}

std::vector<v1::Endpoint> BuildEndpoints(const std::vector<NodeView>& nodes,
                                         const AppSpecIndex& apps,
                                         const std::set<std::string>& leaving,
                                         std::string_view app) {
  std::vector<v1::Endpoint> out;
  for (const NodeView& node : nodes) {
    if (node.health == NodeHealth::kNotReady) continue;  // its containers do not count
    std::string host;
    for (const auto& [instance, container] : node.containers) {
      if (container.ports().empty() || (!app.empty() && container.app() != app)) continue;
      const v1::ContainerState state = container.state();
      if (state != v1::CONTAINER_STATE_STARTING && state != v1::CONTAINER_STATE_RUNNING &&
          state != v1::CONTAINER_STATE_PAUSED) {
        continue;
      }
      auto spec = apps.find(container.app());
      if (spec == apps.end() || spec->second->ports.empty()) continue;  // app gone or portless
      if (host.empty()) host = EndpointHost(node.advertise_address, node.address);
      const bool healthy =
          !spec->second->health_check || container.health() == v1::HEALTH_HEALTHY ||
          container.health() == v1::HEALTH_UNSPECIFIED;  // created before the app had a check
      const bool ready = state == v1::CONTAINER_STATE_RUNNING && healthy &&
                         node.health == NodeHealth::kReady && !leaving.contains(instance);
      for (const v1::PublishedPort& port : container.ports()) {
        v1::Endpoint& e = out.emplace_back();
        e.set_app(container.app());
        e.set_instance(instance);
        e.set_node(node.name);
        e.set_port_name(port.name());
        e.set_container_port(port.container_port());
        e.set_address(absl::StrCat(host, ":", port.host_port()));
        e.set_ready(ready);
        e.set_priority(spec->second->priority);
      }
    }
  }
  // By app, then instance; a container's ports keep their order (stable).
  std::stable_sort(out.begin(), out.end(), [](const v1::Endpoint& a, const v1::Endpoint& b) {
    return std::tie(a.app(), a.instance()) < std::tie(b.app(), b.instance());
  });
  return out;
}

std::string HttpSdJson(const std::vector<v1::Endpoint>& endpoints) {
  nlohmann::json groups = nlohmann::json::array();
  for (const v1::Endpoint& e : endpoints) {
    if (!e.ready()) continue;
    groups.push_back({{"targets", {e.address()}},
                      {"labels",
                       {{"app", e.app()},
                        {"instance", e.instance()},
                        {"node", e.node()},
                        {"port_name", e.port_name()},
                        {"priority", std::to_string(e.priority())}}}});
  }
  return groups.dump();
}

}  // namespace microscale
