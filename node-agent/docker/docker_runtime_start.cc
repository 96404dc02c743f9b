// DockerContainerRuntime::Start and its helpers: host ports, create (pulling a missing
// image), start, and the adoption or replacement of a container that already holds the name.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "node-agent/core/published_ports.h"
#include "node-agent/docker/container_mapping.h"
#include "node-agent/docker/docker_runtime.h"

namespace microscale {
namespace {

using docker::ContainerDetails;

bool IsValidInstance(const std::string& instance) {
  if (instance.empty() || instance.size() > 200) return false;
  for (char c : instance) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return instance.front() != '-' && instance.front() != '.' && instance.front() != '_';
}

// The engine answers a bad command (no such executable, ...) with a server error; retrying
// cannot help, so it is a precondition failure, not an outage.
absl::Status ClassifyStartError(const absl::Status& status) {
  const std::string message(status.message());
  bool bad_spec = absl::StrContains(message, "OCI runtime") ||
                  absl::StrContains(message, "executable file not found") ||
                  absl::StrContains(message, "no such file or directory");
  if (absl::IsUnavailable(status) && bad_spec && !absl::StrContains(message, "unreachable")) {
    return absl::FailedPreconditionError(message);
  }
  return status;
}

}  // namespace

absl::StatusOr<v1::Container> DockerContainerRuntime::Start(const std::string& instance,
                                                            const v1::ContainerSpec& spec) {
  if (!IsValidInstance(instance)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid instance id \"", instance, "\""));
  }
  if (spec.image().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("instance ", instance, ": no image"));
  }
  // A container an older agent made under the old name is this instance's: adopted as it
  // is (or started, if only created); an exited one is removed and made again.
  absl::StatusOr<ContainerDetails> legacy =
      client_.InspectContainer(docker::LegacyContainerName(instance));
  if (legacy.ok() && docker::IsOwnedBy(legacy->labels, options_.cluster, options_.node)) {
    if (docker::IsLive(legacy->status)) return docker::ToContainer(*legacy, options_.node);
    if (legacy->status == "created") return StartCreated(instance, legacy->id, spec.start_paused());
    absl::Status removed = legacy->status == "removing"
                               ? absl::OkStatus()
                               : client_.RemoveContainer(legacy->id, /*force=*/true);
    if (!removed.ok() && !absl::IsNotFound(removed)) {
      return Annotate(removed, absl::StrCat("replacing exited container ", legacy->name));
    }
  } else if (!legacy.ok() && !absl::IsNotFound(legacy.status())) {
    return legacy.status();
  }
  const std::string name = docker::ContainerName(options_.cluster, instance);
  ASSIGN_OR_RETURN(std::vector<v1::PublishedPort> ports, PickPorts(name, spec));
  absl::StatusOr<v1::Container> container =
      CreateAndStart(instance, spec,
                     docker::BuildCreateRequest(instance, spec, options_.cluster, options_.node,
                                                ports, options_.publish_address));
  // The name now holds what its container holds: the ports picked above, or those of a
  // container it adopted, or none after a failure (which leaves no container behind).
  if (container.ok()) {
    ports_.Hold(name, HostPortsOf(*container));
  } else {
    ports_.Release(name);
  }
  return container;
}

absl::StatusOr<v1::Container> DockerContainerRuntime::CreateAndStart(
    const std::string& instance, const v1::ContainerSpec& spec,
    const docker::CreateContainerRequest& request) {
  // Two rounds: the second follows the removal of a dead container holding the name.
  for (int round = 0; round < 2; ++round) {
    absl::StatusOr<std::string> id = CreateWithImage(request);
    if (id.ok()) return StartCreated(instance, *id, spec.start_paused());
    if (!absl::IsAlreadyExists(id.status())) return id.status();
    absl::StatusOr<ContainerDetails> existing = client_.InspectContainer(request.name);
    if (absl::IsNotFound(existing.status())) continue;  // removed meanwhile: create again
    RETURN_IF_ERROR(existing.status());
    if (!docker::IsOwnedBy(existing->labels, options_.cluster, options_.node)) {
      return absl::FailedPreconditionError(
          absl::StrCat("container name ", request.name, " is taken by a container that cluster ",
                       options_.cluster, " on node ", options_.node, " does not own"));
    }
    if (docker::IsLive(existing->status)) return docker::ToContainer(*existing, options_.node);
    if (existing->status == "created") {
      return StartCreated(instance, existing->id, spec.start_paused());
    }
    if (existing->status == "removing") {
      return absl::UnavailableError(absl::StrCat("container ", request.name, " is being removed"));
    }
    absl::Status removed = client_.RemoveContainer(existing->id, /*force=*/true);
    if (!removed.ok() && !absl::IsNotFound(removed)) {
      return Annotate(removed, absl::StrCat("replacing exited container ", request.name));
    }
  }
  return absl::UnavailableError(
      absl::StrCat("container name ", request.name, " is still taken after replacing it"));
}

absl::StatusOr<std::string> DockerContainerRuntime::CreateWithImage(
    const docker::CreateContainerRequest& request) {
  absl::StatusOr<std::string> id = client_.CreateContainer(request);
  if (!absl::IsNotFound(id.status())) return id;
  // NotFound means the image, or something else the spec names (a network), is missing.
  absl::StatusOr<docker::ImageDetails> image = client_.InspectImage(request.image);
  if (image.ok()) return absl::FailedPreconditionError(id.status().message());
  if (!absl::IsNotFound(image.status())) return image.status();
  RETURN_IF_ERROR(PullMissingImage(request.image));
  return client_.CreateContainer(request);
}

absl::Status DockerContainerRuntime::PullMissingImage(const std::string& image) {
  absl::Status pulled = client_.PullImage(image);
  if (pulled.ok()) return pulled;
  return absl::FailedPreconditionError(
      absl::StrCat("image ", image, " not found locally and pull failed: ", pulled.message()));
}

absl::StatusOr<v1::Container> DockerContainerRuntime::StartCreated(const std::string& instance,
                                                                   const std::string& id,
                                                                   bool start_paused) {
  absl::Status started = client_.StartContainer(id);
  if (!started.ok()) {
    // Leave no half-made container behind; the next Start creates it afresh.
    (void)client_.RemoveContainer(id, /*force=*/true);
    return Annotate(ClassifyStartError(started), absl::StrCat("starting ", instance));
  }
  absl::Status paused = start_paused ? client_.PauseContainer(id) : absl::OkStatus();
  ASSIGN_OR_RETURN(ContainerDetails details, client_.InspectContainer(id));
  if (!paused.ok() && details.status != "paused") {  // paused by a concurrent Start is fine
    return Annotate(paused, absl::StrCat("pausing standby ", instance));
  }
  v1::Container container = docker::ToContainer(details, options_.node);
  RememberHealth(container);
  absl::MutexLock lock(&mu_);
  started_ms_[id] = container.started_unix_ms();
  return container;
}

}  // namespace microscale
