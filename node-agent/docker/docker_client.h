// DockerClient: the Docker Engine API calls Microscale uses, one method per call.
//
// Each method is one HTTP request over DockerTransport (API 1.41, pooled keep-alive
// connections, a per-call timeout) whose reply is mapped by StatusFromReply: NotFound,
// AlreadyExists (create only), FailedPrecondition, InvalidArgument, Unavailable, with the
// engine's message kept. Every call reports its operation name, duration and outcome to
// the optional observer, so the agent can export request metrics without this code
// depending on a metrics library. Bounding concurrency is the caller's job.
// Thread-safety: all methods may be called concurrently.
#ifndef MICROSCALE_NODE_AGENT_DOCKER_DOCKER_CLIENT_H_
#define MICROSCALE_NODE_AGENT_DOCKER_DOCKER_CLIENT_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node-agent/docker/docker_json.h"
#include "node-agent/docker/docker_status.h"
#include "node-agent/docker/docker_transport.h"

namespace microscale::docker {

// Called after every engine call: operation (e.g. "create", "start", "image_pull"), how long
// it took, and whether it succeeded (a 2xx/304 reply). Called from the calling thread.
using DockerCallObserver =
    std::function<void(std::string_view operation, absl::Duration elapsed, bool ok)>;

struct DockerClientOptions {
  std::string socket_path = "/var/run/docker.sock";
  absl::Duration timeout = absl::Seconds(30);  // per call; stop adds its own grace period
  absl::Duration pull_timeout = absl::Minutes(5);
  DockerCallObserver observer;
};

// An image reference split for /images/create: fromImage and tag (tag empty for digests).
struct ImageReference {
  std::string repository;
  std::string tag;
};
ImageReference SplitImageReference(std::string_view image);

class DockerClient {
 public:
  explicit DockerClient(DockerClientOptions options);

  absl::Status Ping();
  absl::StatusOr<EngineVersion> Version();
  absl::StatusOr<EngineInfo> Info();

  // All containers (any state) carrying every label of `labels` ("key" -> "value"; an
  // empty value matches any value of that key).
  absl::StatusOr<std::vector<ContainerSummary>> ListContainers(const LabelMap& labels);

  // Returns the new container's id. AlreadyExists when the name is taken; NotFound when the
  // image (or the network) does not exist.
  absl::StatusOr<std::string> CreateContainer(const CreateContainerRequest& request);

  // Starting a running container and stopping a stopped one are OK.
  absl::Status StartContainer(std::string_view id_or_name);
  absl::Status StopContainer(std::string_view id_or_name, absl::Duration timeout);
  absl::Status KillContainer(std::string_view id_or_name, std::string_view signal = "KILL");
  absl::Status RemoveContainer(std::string_view id_or_name, bool force);
  absl::Status PauseContainer(std::string_view id_or_name);
  absl::Status UnpauseContainer(std::string_view id_or_name);
  absl::StatusOr<ContainerDetails> InspectContainer(std::string_view id_or_name);

  absl::StatusOr<ImageDetails> InspectImage(std::string_view image);
  // Pulls `image` from its registry; fails with the engine's message (e.g. no registry).
  absl::Status PullImage(std::string_view image);

  const DockerClientOptions& options() const { return options_; }

 private:
  // Sends one request, maps the reply, reports to the observer; the body on success.
  absl::StatusOr<std::string> Call(std::string_view operation, HttpMethod method,
                                   const std::string& path, const std::string& body,
                                   absl::Duration timeout,
                                   ConflictMeans conflict = ConflictMeans::kFailedPrecondition,
                                   bool observe = true);
  void Observe(std::string_view operation, std::chrono::steady_clock::time_point begin, bool ok);
  absl::Status PostAction(std::string_view operation, std::string_view id_or_name,
                          std::string_view action, std::string_view query = "",
                          absl::Duration extra_timeout = absl::ZeroDuration());

  DockerClientOptions options_;
  DockerTransport transport_;
};

}  // namespace microscale::docker

#endif  // MICROSCALE_NODE_AGENT_DOCKER_DOCKER_CLIENT_H_
