#include "node-agent/agent/runtime_factory.h"

#include <string_view>

#include "node-agent/docker/docker_runtime.h"
#include "node-agent/sim/sim_runtime.h"

namespace microscale {

absl::StatusOr<BuiltRuntime> MakeRuntime(const AgentConfig& config, AgentMetrics* metrics) {
  BuiltRuntime built;
  if (config.runtime == "docker") {
    DockerRuntimeOptions options;
    options.docker_host = config.docker_host;
    options.cluster = config.cluster_name;
    options.node = config.node_name;
    options.port_range = config.port_range;
    options.publish_address = config.publish_address;
    options.observer = [metrics](std::string_view operation, absl::Duration elapsed, bool ok) {
      metrics->ObserveRuntimeCall(operation, elapsed, ok);
    };
    built.runtime = std::make_unique<DockerContainerRuntime>(options);
    built.observes_calls = true;
    return built;
  }
  if (config.runtime == "sim") {
    SimRuntimeOptions options;
    options.node = config.node_name;
    options.start_delay = config.sim_start_delay;
    options.port_range = config.port_range;
    built.runtime = std::make_unique<SimulatedContainerRuntime>(options);
    return built;
  }
  return absl::InvalidArgumentError("unknown runtime \"" + config.runtime + "\"");
}

}  // namespace microscale
