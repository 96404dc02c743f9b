// Maps Docker Engine HTTP replies to absl::Status, keeping the engine's message text.
//
//   2xx, 304 -> OK            404 -> NotFound           400 -> InvalidArgument
//   409 -> AlreadyExists (when the call creates something) or FailedPrecondition
//   5xx -> Unavailable        other codes -> FailedPrecondition
// A broken connection is already Unavailable in DockerTransport. Pure functions.
#ifndef MICROSCALE_NODE_AGENT_DOCKER_DOCKER_STATUS_H_
#define MICROSCALE_NODE_AGENT_DOCKER_DOCKER_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "node-agent/docker/docker_transport.h"

namespace microscale::docker {

enum class ConflictMeans { kFailedPrecondition, kAlreadyExists };

// OK for a success reply; otherwise "docker <operation>: <engine message> (HTTP <code>)".
absl::Status StatusFromReply(std::string_view operation, const HttpReply& reply,
                             ConflictMeans conflict = ConflictMeans::kFailedPrecondition);

bool IsSuccess(int http_status);

}  // namespace microscale::docker

#endif  // MICROSCALE_NODE_AGENT_DOCKER_DOCKER_STATUS_H_
