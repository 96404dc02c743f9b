// ContainerRuntime: the narrow interface through which the agent runs containers.
//
// Two implementations: DockerContainerRuntime (node-agent/docker, the Docker Engine API on
// its unix socket) and SimulatedContainerRuntime (node-agent/sim, in-memory records for
// scale benchmarks and fast tests, always reported with runtime name "sim").
//
// Every call is idempotent by instance id and touches only containers labelled with this
// agent's cluster (io.microscale.cluster); anything else on the host is invisible to it.
// Errors: NotFound (no such instance), Unavailable (engine unreachable: retry),
// FailedPrecondition / InvalidArgument (bad spec, missing image that cannot be pulled:
// do not retry). Thread-safety: all methods may be called concurrently.
#ifndef MICROSCALE_NODE_AGENT_RUNTIME_H_
#define MICROSCALE_NODE_AGENT_RUNTIME_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "microscale/v1/agent_gateway.pb.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

// Receives container events (started, exited with code, OOM-killed, paused, resumed,
// removed) from the runtime's own watcher thread. A change of health of a container started
// with a health check comes as an event of kind KIND_UNSPECIFIED whose container carries its
// identity, state and new health; the agent reports it in a heartbeat sent at once (no
// ContainerEvent kind on the wire means it).
using ContainerEventSink = std::function<void(const v1::ContainerEvent&)>;

class ContainerRuntime {
 public:
  virtual ~ContainerRuntime() = default;

  // "docker" or "sim".
  virtual std::string Name() const = 0;

  // What the host offers: CPUs (as millicores) and memory. max_containers is left 0.
  virtual absl::StatusOr<v1::NodeCapacity> Capacity() = 0;

  // Every managed container of this cluster on this host, whatever its state.
  virtual absl::StatusOr<std::vector<v1::Container>> List() = 0;

  // Creates and starts the container of `instance` (paused right after start when
  // spec.start_paused). Already running: returns it unchanged (adoption). A dead
  // container of that name is replaced.
  virtual absl::StatusOr<v1::Container> Start(const std::string& instance,
                                              const v1::ContainerSpec& spec) = 0;

  // Stops (SIGTERM, SIGKILL after `timeout`) and removes. An unknown instance is OK.
  virtual absl::Status Stop(const std::string& instance, absl::Duration timeout) = 0;

  // Freezes / thaws the container's processes. Already in that state is OK.
  virtual absl::StatusOr<v1::Container> Pause(const std::string& instance) = 0;
  virtual absl::StatusOr<v1::Container> Resume(const std::string& instance) = 0;

  // Starts delivering events to `sink` from a background thread, until destruction.
  // Called at most once.
  virtual void Watch(ContainerEventSink sink) = 0;
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_RUNTIME_H_
