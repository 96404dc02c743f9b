#include "node-agent/docker/docker_runtime.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "node-agent/core/published_ports.h"
#include "node-agent/docker/container_mapping.h"
#include "node-agent/docker/host_port_probe.h"

namespace microscale {

using docker::ContainerDetails;

DockerContainerRuntime::DockerContainerRuntime(DockerRuntimeOptions options)
    : options_(std::move(options)),
      client_({docker::SocketPathFromHost(options_.docker_host), options_.call_timeout,
               absl::Minutes(5), options_.observer}),
      ports_(options_.port_range) {}

DockerContainerRuntime::~DockerContainerRuntime() { events_.reset(); }

absl::StatusOr<v1::NodeCapacity> DockerContainerRuntime::Capacity() {
  ASSIGN_OR_RETURN(docker::EngineInfo info, client_.Info());
  v1::NodeCapacity capacity;
  capacity.set_cpu_millis(int64_t{info.ncpu} * 1000);
  capacity.set_memory_bytes(info.mem_total_bytes);
  return capacity;
}

absl::StatusOr<std::vector<v1::Container>> DockerContainerRuntime::List() {
  const uint64_t since = ports_.Sequence();
  ASSIGN_OR_RETURN(std::vector<docker::ContainerSummary> summaries,
                   client_.ListContainers(docker::OwnerLabels(options_.cluster, options_.node)));
  SyncPorts(summaries, since);
  std::vector<v1::Container> out;
  std::set<std::string> seen;
  for (const docker::ContainerSummary& summary : summaries) {
    v1::Container c = docker::ToContainer(summary, options_.node);
    c.set_started_unix_ms(StartedMillis(summary.id, summary.state));
    if (docker::HasHealthCheck(summary.labels)) c.set_health(ListedHealth(summary));
    seen.insert(summary.id);
    out.push_back(std::move(c));
  }
  absl::MutexLock lock(&mu_);
  std::erase_if(started_ms_, [&](const auto& entry) { return !seen.contains(entry.first); });
  std::erase_if(health_, [&](const auto& entry) { return !seen.contains(entry.first); });
  return out;
}

v1::Health DockerContainerRuntime::ListedHealth(const docker::ContainerSummary& summary) {
  const v1::Health named = docker::HealthFromDocker(docker::HealthFromStatusText(summary.status));
  {
    absl::MutexLock lock(&mu_);
    auto known = health_.find(summary.id);
    if (named == v1::HEALTH_STARTING || named == v1::HEALTH_HEALTHY) {
      return health_[summary.id] = named;
    }
    // No health in the text (paused, exited): what it last was. "unhealthy" may only mean
    // the checks were stopped a moment ago (a resume): believed once inspect confirms it.
    if (known != health_.end() && (named == v1::HEALTH_UNSPECIFIED || known->second == named)) {
      return known->second;
    }
  }
  if (summary.state == "created") return v1::HEALTH_STARTING;
  absl::StatusOr<ContainerDetails> details = client_.InspectContainer(summary.id);
  if (!details.ok()) return named == v1::HEALTH_UNSPECIFIED ? v1::HEALTH_STARTING : named;
  v1::Container inspected = docker::ToContainer(*details, options_.node);
  RememberHealth(inspected);
  return inspected.health();
}

void DockerContainerRuntime::RememberHealth(const v1::Container& container) {
  if (container.health() == v1::HEALTH_UNSPECIFIED) return;
  absl::MutexLock lock(&mu_);
  health_[container.container_id()] = container.health();
}

void DockerContainerRuntime::SyncPorts(const std::vector<docker::ContainerSummary>& listed,
                                       uint64_t since) {
  std::map<std::string, std::vector<int>> held;
  for (const docker::ContainerSummary& summary : listed) {
    std::vector<int> ports = HostPortsOf(docker::ToContainer(summary, options_.node));
    if (!ports.empty()) held[summary.name] = std::move(ports);
  }
  ports_.ReplaceAll(held, since);
}

absl::StatusOr<std::vector<v1::PublishedPort>> DockerContainerRuntime::PickPorts(
    const std::string& name, const v1::ContainerSpec& spec) {
  const int count = HostPortsToPick(spec);
  if (count == 0) return PublishedPorts(spec, {});
  // What this agent's containers hold now, whatever it knew before (it may just have
  // restarted and not listed yet).
  const uint64_t since = ports_.Sequence();
  absl::StatusOr<std::vector<docker::ContainerSummary>> listed =
      client_.ListContainers(docker::OwnerLabels(options_.cluster, options_.node));
  RETURN_IF_ERROR(Annotate(listed.status(), "listing the host ports in use"));
  SyncPorts(*listed, since);
  ASSIGN_OR_RETURN(std::vector<int> picked, ports_.Allocate(name, count, [this](int port) {
    return docker::HostPortFree(options_.publish_address, port);
  }));
  return PublishedPorts(spec, picked);
}

int64_t DockerContainerRuntime::StartedMillis(const std::string& id, const std::string& state) {
  {
    absl::MutexLock lock(&mu_);
    auto it = started_ms_.find(id);
    if (it != started_ms_.end()) return it->second;
  }
  if (state == "created") return 0;  // never started: nothing to look up
  absl::StatusOr<ContainerDetails> details = client_.InspectContainer(id);
  if (!details.ok()) return 0;
  int64_t ms = docker::ToContainer(*details, options_.node).started_unix_ms();
  absl::MutexLock lock(&mu_);
  started_ms_[id] = ms;
  return ms;
}

absl::StatusOr<ContainerDetails> DockerContainerRuntime::InspectOwned(const std::string& instance) {
  // Under its name, or under the name an older agent gave it.
  for (const std::string& name :
       {docker::ContainerName(options_.cluster, instance), docker::LegacyContainerName(instance)}) {
    absl::StatusOr<ContainerDetails> details = client_.InspectContainer(name);
    if (absl::IsNotFound(details.status())) continue;
    RETURN_IF_ERROR(details.status());
    if (docker::IsOwnedBy(details->labels, options_.cluster, options_.node)) return details;
  }
  return absl::NotFoundError(absl::StrCat("no container of instance ", instance,
                                          " owned by cluster ", options_.cluster, " on node ",
                                          options_.node));
}

absl::Status DockerContainerRuntime::Stop(const std::string& instance, absl::Duration timeout) {
  absl::StatusOr<ContainerDetails> details = InspectOwned(instance);
  if (absl::IsNotFound(details.status())) return absl::OkStatus();
  RETURN_IF_ERROR(details.status());
  if (details->status == "paused") {
    // A frozen process cannot act on SIGTERM: thaw it so it can shut down cleanly.
    absl::Status thawed = client_.UnpauseContainer(details->id);
    if (absl::IsNotFound(thawed)) return absl::OkStatus();
  }
  // Docker answers a stop of a container that is not running with a body-less 304 that
  // the HTTP client would wait on until its timeout: only running containers get a stop.
  const bool running = details->status == "running" || details->status == "paused" ||
                       details->status == "restarting";
  if (running) {
    absl::Status stopped = client_.StopContainer(details->id, timeout);
    if (absl::IsNotFound(stopped)) return absl::OkStatus();
    RETURN_IF_ERROR(Annotate(stopped, absl::StrCat("stopping ", instance)));
  }
  absl::Status removed = client_.RemoveContainer(details->id, /*force=*/true);
  // NotFound: already gone. FailedPrecondition: a removal is already in progress.
  if (absl::IsNotFound(removed) || absl::IsFailedPrecondition(removed)) removed = absl::OkStatus();
  if (removed.ok()) ports_.Release(details->name);
  return Annotate(removed, absl::StrCat("removing ", instance));
}

absl::StatusOr<v1::Container> DockerContainerRuntime::Pause(const std::string& instance) {
  return SetPaused(instance, true);
}

absl::StatusOr<v1::Container> DockerContainerRuntime::Resume(const std::string& instance) {
  return SetPaused(instance, false);
}

absl::StatusOr<v1::Container> DockerContainerRuntime::SetPaused(const std::string& instance,
                                                                bool paused) {
  ASSIGN_OR_RETURN(ContainerDetails details, InspectOwned(instance));
  const std::string wanted = paused ? "paused" : "running";
  const std::string from = paused ? "running" : "paused";
  if (details.status == wanted) return docker::ToContainer(details, options_.node);
  if (details.status != from) {
    return absl::FailedPreconditionError(absl::StrCat("cannot ", paused ? "pause " : "resume ",
                                                      instance, ": container is ", details.status));
  }
  absl::Status status =
      paused ? client_.PauseContainer(details.id) : client_.UnpauseContainer(details.id);
  if (!status.ok()) {
    // A concurrent caller may have got there first; that is success too.
    ASSIGN_OR_RETURN(ContainerDetails now, InspectOwned(instance));
    if (now.status == wanted) return docker::ToContainer(now, options_.node);
    return status;
  }
  details.status = wanted;
  return docker::ToContainer(details, options_.node);
}

void DockerContainerRuntime::Watch(ContainerEventSink sink) {
  docker::EventStreamOptions stream;
  stream.socket_path = docker::SocketPathFromHost(options_.docker_host);
  stream.filters = {{"type", {"container"}},
                    {"label",
                     {absl::StrCat(docker::kLabelCluster, "=", options_.cluster),
                      absl::StrCat(docker::kLabelNode, "=", options_.node)}}};
  events_ = std::make_unique<docker::DockerEventStream>(
      std::move(stream),
      [this, sink = std::move(sink)](const docker::EngineEvent& e) { OnEngineEvent(e, sink); });
}

void DockerContainerRuntime::OnEngineEvent(const docker::EngineEvent& event,
                                           const ContainerEventSink& sink) {
  std::optional<v1::ContainerEvent> out = docker::ToContainerEvent(event, options_.node);
  if (!out) return;
  {
    absl::MutexLock lock(&mu_);
    // A (re)start changes the start time; the next List reads it afresh.
    if (out->kind() == v1::ContainerEvent::STARTED || out->kind() == v1::ContainerEvent::REMOVED) {
      started_ms_.erase(event.id);
    }
    v1::Container* c = out->mutable_container();
    if (out->kind() == v1::ContainerEvent::REMOVED) {
      health_.erase(event.id);
    } else if (c->health() != v1::HEALTH_UNSPECIFIED) {
      health_[event.id] = c->health();
    } else if (auto it = health_.find(event.id);
               it != health_.end() && docker::HasHealthCheck(event.attributes)) {
      c->set_health(it->second);  // paused, exited: what it last was
    }
  }
  sink(*out);
}

}  // namespace microscale
