// DockerContainerRuntime: ContainerRuntime on the local Docker Engine.
//
// Containers are named "microscale-<instance>" and labelled with the cluster, node, app,
// instance and priority (container_mapping.h). Only containers carrying this agent's
// cluster and node labels are ever listed, stopped, paused or removed; a container of the
// same name owned by anyone else makes Start fail with FailedPrecondition and is left alone.
// Start = create + start (+ pause for standby); a name conflict adopts a live container
// (running, paused, or created and not yet started) and replaces an exited or dead one. A
// missing image is pulled; when that fails, Start is FailedPrecondition "image X not found
// locally and pull failed: ...". Stop = stop with the timeout, then remove; an unknown
// instance is OK. Watch follows /events for this cluster and node and turns start, die,
// oom, pause, unpause and destroy into v1::ContainerEvent.
// Health: spec.health_check becomes the engine's own Healthcheck (container_mapping.h), and
// every v1::Container of such a container carries its health: from the list entry's status
// text, inspect's State.Health, and "health_status" events (sent on as events of no kind).
// A paused or stopped container keeps the health it last had (the engine's list text names
// none then): the runtime remembers it per container, asking inspect once if it never knew.
// Ports: on network bridge each of spec.ports is published on `publish_address` and a host
// port from `port_range` (PortAllocator: round-robin, never one that a container of this
// cluster and node holds in any state, nor one the host has in use). Before picking, the
// runtime lists its containers, so a restarted agent never hands out a port a container it
// adopts already has. The mapping is kept in the io.microscale.ports label and every
// v1::Container reported carries it. FailedPrecondition "no free host port in --port-range
// LO-HI" when none is left.
// Thread-safety: all methods may be called concurrently; the event sink runs on the
// runtime's own thread, which the destructor stops and joins.
#ifndef MICROSCALE_NODE_AGENT_DOCKER_DOCKER_RUNTIME_H_
#define MICROSCALE_NODE_AGENT_DOCKER_DOCKER_RUNTIME_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "node-agent/core/port_allocator.h"
#include "node-agent/core/port_range.h"
#include "node-agent/docker/docker_client.h"
#include "node-agent/docker/docker_events.h"
#include "node-agent/runtime.h"

namespace microscale {

struct DockerRuntimeOptions {
  // "unix:///var/run/docker.sock" (the --docker-host form) or a plain socket path.
  std::string docker_host = "unix:///var/run/docker.sock";
  std::string cluster = "default";
  std::string node;
  // Told the operation, duration and outcome of every engine call (for metrics).
  docker::DockerCallObserver observer;
  absl::Duration call_timeout = absl::Seconds(30);
  // Where containers' ports are published on network bridge (--port-range,
  // --publish-address).
  PortRange port_range = {};
  std::string publish_address = "0.0.0.0";
};

class DockerContainerRuntime final : public ContainerRuntime {
 public:
  explicit DockerContainerRuntime(DockerRuntimeOptions options);
  ~DockerContainerRuntime() override;

  std::string Name() const override { return "docker"; }
  absl::StatusOr<v1::NodeCapacity> Capacity() override;
  absl::StatusOr<std::vector<v1::Container>> List() override;
  absl::StatusOr<v1::Container> Start(const std::string& instance,
                                      const v1::ContainerSpec& spec) override;
  absl::Status Stop(const std::string& instance, absl::Duration timeout) override;
  absl::StatusOr<v1::Container> Pause(const std::string& instance) override;
  absl::StatusOr<v1::Container> Resume(const std::string& instance) override;
  void Watch(ContainerEventSink sink) override;

  // The engine client underneath, e.g. for a readiness ping.
  docker::DockerClient& client() { return client_; }

 private:
  // Create (or adopt, or replace a dead container of the name) and start.
  absl::StatusOr<v1::Container> CreateAndStart(const std::string& instance,
                                               const v1::ContainerSpec& spec,
                                               const docker::CreateContainerRequest& request);
  // The ports a new container `name` of `spec` gets, host ports picked and held for it.
  absl::StatusOr<std::vector<v1::PublishedPort>> PickPorts(const std::string& name,
                                                           const v1::ContainerSpec& spec);
  // Makes ports_ hold what `listed` (this agent's containers, listed after `since`) holds.
  void SyncPorts(const std::vector<docker::ContainerSummary>& listed, uint64_t since);
  absl::StatusOr<std::string> CreateWithImage(const docker::CreateContainerRequest& request);
  absl::Status PullMissingImage(const std::string& image);
  absl::StatusOr<v1::Container> StartCreated(const std::string& instance, const std::string& id,
                                             bool start_paused);
  // The container of `instance` if this agent owns it; NotFound otherwise.
  absl::StatusOr<docker::ContainerDetails> InspectOwned(const std::string& instance);
  absl::StatusOr<v1::Container> SetPaused(const std::string& instance, bool paused);
  int64_t StartedMillis(const std::string& id, const std::string& state);
  // The health of a listed container with our check (see the class comment).
  v1::Health ListedHealth(const docker::ContainerSummary& summary);
  void RememberHealth(const v1::Container& container);
  void OnEngineEvent(const docker::EngineEvent& event, const ContainerEventSink& sink);

  const DockerRuntimeOptions options_;
  docker::DockerClient client_;
  // Host ports by container name.
  PortAllocator ports_;
  absl::Mutex mu_;
  // Start times by container id (a list entry lacks them; they never change once set).
  std::map<std::string, int64_t> started_ms_ ABSL_GUARDED_BY(mu_);
  // The last health known by container id, for containers with our check.
  std::map<std::string, v1::Health> health_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<docker::DockerEventStream> events_;
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_DOCKER_DOCKER_RUNTIME_H_
