#include "node-agent/docker/docker_client.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "node-agent/docker/json_fields.h"

namespace microscale::docker {
namespace {

constexpr std::string_view kImageChars = "/:@";

std::string ContainerPath(std::string_view id_or_name, std::string_view suffix = "") {
  return absl::StrCat("/containers/", UrlEncode(id_or_name), ToAbsl(suffix));
}

std::string LabelFilterQuery(const LabelMap& labels) {
  std::vector<std::string> values;
  for (const auto& [key, value] : labels) {
    values.push_back(value.empty() ? key : absl::StrCat(key, "=", value));
  }
  return UrlEncode(FiltersJson({{"label", values}}));
}

}  // namespace

ImageReference SplitImageReference(std::string_view image) {
  size_t at = image.find('@');
  if (at != std::string_view::npos) return {std::string(image), ""};
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool has_tag =
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  if (!has_tag) return {std::string(image), "latest"};
  return {std::string(image.substr(0, colon)), std::string(image.substr(colon + 1))};
}

DockerClient::DockerClient(DockerClientOptions options)
    : options_(std::move(options)), transport_(options_.socket_path) {}

absl::StatusOr<std::string> DockerClient::Call(std::string_view operation, HttpMethod method,
                                               const std::string& path, const std::string& body,
                                               absl::Duration timeout, ConflictMeans conflict,
                                               bool observe) {
  auto begin = std::chrono::steady_clock::now();
  absl::StatusOr<HttpReply> reply = transport_.Send(method, path, body, timeout);
  absl::Status status = reply.ok()
                            ? StatusFromReply(operation, *reply, conflict)
                            : Annotate(reply.status(), absl::StrCat("docker ", ToAbsl(operation)));
  if (observe) Observe(operation, begin, status.ok());
  if (!status.ok()) return status;
  return std::move(reply->body);
}

void DockerClient::Observe(std::string_view operation, std::chrono::steady_clock::time_point begin,
                           bool ok) {
  if (!options_.observer) return;
  options_.observer(operation, absl::FromChrono(std::chrono::steady_clock::now() - begin), ok);
}

absl::Status DockerClient::PostAction(std::string_view operation, std::string_view id_or_name,
                                      std::string_view action, std::string_view query,
                                      absl::Duration extra_timeout) {
  std::string path = ContainerPath(id_or_name, absl::StrCat("/", ToAbsl(action), ToAbsl(query)));
  return Call(operation, HttpMethod::kPost, path, "", options_.timeout + extra_timeout).status();
}

absl::Status DockerClient::Ping() {
  return Call("ping", HttpMethod::kGet, "/_ping", "", options_.timeout).status();
}

absl::StatusOr<EngineVersion> DockerClient::Version() {
  ASSIGN_OR_RETURN(std::string body,
                   Call("version", HttpMethod::kGet, "/version", "", options_.timeout));
  return ParseEngineVersion(body);
}

absl::StatusOr<EngineInfo> DockerClient::Info() {
  ASSIGN_OR_RETURN(std::string body, Call("info", HttpMethod::kGet, "/info", "", options_.timeout));
  return ParseEngineInfo(body);
}

absl::StatusOr<std::vector<ContainerSummary>> DockerClient::ListContainers(const LabelMap& labels) {
  std::string path = absl::StrCat("/containers/json?all=true&filters=", LabelFilterQuery(labels));
  ASSIGN_OR_RETURN(std::string body, Call("list", HttpMethod::kGet, path, "", options_.timeout));
  return ParseContainerList(body);
}

absl::StatusOr<std::string> DockerClient::CreateContainer(const CreateContainerRequest& request) {
  std::string path = absl::StrCat("/containers/create?name=", UrlEncode(request.name));
  ASSIGN_OR_RETURN(std::string body,
                   Call("create", HttpMethod::kPost, path, CreateContainerBody(request),
                        options_.timeout, ConflictMeans::kAlreadyExists));
  absl::StatusOr<internal::Json> parsed = internal::ParseJson(body, "container create");
  std::string id = parsed.ok() ? internal::StringField(*parsed, "Id") : "";
  if (id.empty()) return absl::InternalError("docker create: reply carries no container id");
  return id;
}

absl::Status DockerClient::StartContainer(std::string_view id_or_name) {
  return PostAction("start", id_or_name, "start");
}

absl::Status DockerClient::StopContainer(std::string_view id_or_name, absl::Duration timeout) {
  int64_t seconds =
      std::max<int64_t>(0, absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1))));
  return PostAction("stop", id_or_name, "stop", absl::StrCat("?t=", seconds),
                    absl::Seconds(seconds));
}

absl::Status DockerClient::KillContainer(std::string_view id_or_name, std::string_view signal) {
  return PostAction("kill", id_or_name, "kill", absl::StrCat("?signal=", UrlEncode(signal)));
}

absl::Status DockerClient::RemoveContainer(std::string_view id_or_name, bool force) {
  std::string path = ContainerPath(id_or_name, force ? "?force=true&v=true" : "?v=true");
  return Call("remove", HttpMethod::kDelete, path, "", options_.timeout).status();
}

absl::Status DockerClient::PauseContainer(std::string_view id_or_name) {
  return PostAction("pause", id_or_name, "pause");
}

absl::Status DockerClient::UnpauseContainer(std::string_view id_or_name) {
  return PostAction("unpause", id_or_name, "unpause");
}

absl::StatusOr<ContainerDetails> DockerClient::InspectContainer(std::string_view id_or_name) {
  ASSIGN_OR_RETURN(
      std::string body,
      Call("inspect", HttpMethod::kGet, ContainerPath(id_or_name, "/json"), "", options_.timeout));
  return ParseContainerDetails(body);
}

absl::StatusOr<ImageDetails> DockerClient::InspectImage(std::string_view image) {
  std::string path = absl::StrCat("/images/", UrlEncode(image, kImageChars), "/json");
  ASSIGN_OR_RETURN(std::string body,
                   Call("image_inspect", HttpMethod::kGet, path, "", options_.timeout));
  return ParseImageDetails(body);
}

absl::Status DockerClient::PullImage(std::string_view image) {
  ImageReference ref = SplitImageReference(image);
  std::string path = absl::StrCat("/images/create?fromImage=", UrlEncode(ref.repository));
  if (!ref.tag.empty()) absl::StrAppend(&path, "&tag=", UrlEncode(ref.tag));
  auto begin = std::chrono::steady_clock::now();
  absl::StatusOr<std::string> body = Call("image_pull", HttpMethod::kPost, path, "",
                                          options_.pull_timeout, ConflictMeans::kFailedPrecondition,
                                          /*observe=*/false);
  absl::Status status = body.status();
  // The engine may answer 200 and report the failure inside the progress stream.
  std::string error = body.ok() ? PullStreamError(*body) : "";
  if (!error.empty()) status = absl::UnavailableError(absl::StrCat("docker image_pull: ", error));
  Observe("image_pull", begin, status.ok());
  return status;
}

}  // namespace microscale::docker
