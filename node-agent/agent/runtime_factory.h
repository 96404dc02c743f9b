// Builds the ContainerRuntime that --runtime names, wired to the agent's metrics.
// Not thread-safe; called once from main.
#ifndef MICROSCALE_NODE_AGENT_AGENT_RUNTIME_FACTORY_H_
#define MICROSCALE_NODE_AGENT_AGENT_RUNTIME_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "node-agent/agent/agent_flags.h"
#include "node-agent/agent/agent_metrics.h"
#include "node-agent/runtime.h"

namespace microscale {

struct BuiltRuntime {
  std::unique_ptr<ContainerRuntime> runtime;
  // True when the runtime reports its own engine calls to the metrics.
  bool observes_calls = false;
};

// `metrics` must outlive the runtime.
absl::StatusOr<BuiltRuntime> MakeRuntime(const AgentConfig& config, AgentMetrics* metrics);

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_RUNTIME_FACTORY_H_
