#include "node-agent/docker/docker_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "node-agent/docker/docker_json.h"

namespace microscale::docker {
namespace {

absl::StatusCode CodeFor(int http_status, ConflictMeans conflict) {
  if (http_status == 404) return absl::StatusCode::kNotFound;
  if (http_status == 409) {
    return conflict == ConflictMeans::kAlreadyExists ? absl::StatusCode::kAlreadyExists
                                                     : absl::StatusCode::kFailedPrecondition;
  }
  if (http_status == 400) return absl::StatusCode::kInvalidArgument;
  if (http_status >= 500) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kFailedPrecondition;
}

}  // namespace

bool IsSuccess(int http_status) {
  return (http_status >= 200 && http_status < 300) || http_status == 304;
}

absl::Status StatusFromReply(std::string_view operation, const HttpReply& reply,
                             ConflictMeans conflict) {
  if (IsSuccess(reply.status)) return absl::OkStatus();
  std::string message = absl::StrCat("docker ", ToAbsl(operation), ": ", ErrorMessage(reply.body),
                                     " (HTTP ", reply.status, ")");
  return absl::Status(CodeFor(reply.status, conflict), message);
}

}  // namespace microscale::docker
