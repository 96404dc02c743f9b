#include "controller/server/container_spec.h"

#include "common/manifest/app_proto.h"

namespace microscale {

v1::ContainerSpec ContainerSpecFor(const AppSpec& app, bool start_paused) {
  v1::ContainerSpec spec;
  spec.set_app(app.name);
  spec.set_image(app.image);
  for (const std::string& arg : app.command) spec.add_command(arg);
  for (const auto& [k, v] : app.env) (*spec.mutable_env())[k] = v;
  spec.set_network(NetworkModeName(app.network));
  spec.mutable_resources()->set_cpu_millis(app.resources.cpu_millis);
  spec.mutable_resources()->set_memory_bytes(app.resources.memory_bytes);
  spec.set_priority(app.priority);
  spec.set_stop_timeout_seconds(app.stop_timeout_seconds);
  spec.set_start_paused(start_paused);
  if (app.health_check) HealthCheckToProto(*app.health_check, *spec.mutable_health_check());
  for (const PortSpec& port : app.ports) {
    v1::PortSpec& p = *spec.add_ports();
    p.set_name(port.name);
    p.set_container_port(port.container_port);
  }
  return spec;
}

}  // namespace microscale
