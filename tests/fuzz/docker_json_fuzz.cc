// Fuzzes every parser of the Docker Engine's replies (container inspect and list, info,
// version, image inspect, one /events object, pull progress, error bodies, engine times,
// "Exited (N)" status text) and their translation into v1 messages and absl::Status.
// Nothing may crash or throw; beyond that:
//  - an inspected container survives a round trip: the inspect JSON written back from
//    the parsed fields parses to the same fields, and a create request built from them
//    carries the same image, command, environment, labels and limits;
//  - an engine time is "never" or after 1970, and a mapped start time agrees with it;
//  - a list entry's exit code is the one its status text names;
//  - a mapped event is a container event with the event's id;
//  - an error reply maps to a non-OK status that names the HTTP code; a success to OK.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "node-agent/docker/container_mapping.h"
#include "node-agent/docker/docker_json.h"
#include "node-agent/docker/docker_status.h"
#include "tests/fuzz/fuzz_check.h"

namespace microscale::docker {
namespace {

using fuzz::FuzzCheck;
using nlohmann::json;

// The inspect JSON the engine would send for `d` (the fields Microscale reads).
std::string InspectJson(const ContainerDetails& d) {
  json state = {{"Status", d.status}, {"OOMKilled", d.oom_killed}, {"ExitCode", d.exit_code}};
  if (d.started_at != absl::InfinitePast()) {
    state["StartedAt"] = absl::FormatTime(absl::RFC3339_full, d.started_at, absl::UTCTimeZone());
  }
  json config = {{"Image", d.image},
                 {"Labels", d.labels},
                 {"Cmd", d.cmd},
                 {"Env", d.env},
                 {"StopTimeout", d.stop_timeout_seconds}};
  json host = {{"NanoCpus", d.nano_cpus},
               {"Memory", d.memory_bytes},
               {"NetworkMode", d.network_mode},
               {"SecurityOpt", d.security_opt}};
  json all = {{"Id", d.id},       {"Name", "/" + d.name}, {"State", state},
              {"Config", config}, {"HostConfig", host},   {"RestartCount", d.restart_count}};
  return all.dump();
}

bool SameDetails(const ContainerDetails& a, const ContainerDetails& b) {
  return a.id == b.id && a.name == b.name && a.image == b.image && a.labels == b.labels &&
         a.status == b.status && a.oom_killed == b.oom_killed && a.exit_code == b.exit_code &&
         a.started_at == b.started_at && a.restart_count == b.restart_count &&
         a.nano_cpus == b.nano_cpus && a.memory_bytes == b.memory_bytes &&
         a.network_mode == b.network_mode && a.security_opt == b.security_opt && a.cmd == b.cmd &&
         a.env == b.env && a.stop_timeout_seconds == b.stop_timeout_seconds;
}

void CheckCreateBody(const ContainerDetails& d, std::string_view input) {
  CreateContainerRequest request;
  request.name = d.name;
  request.image = d.image;
  request.cmd = d.cmd;
  request.env = d.env;
  request.labels = d.labels;
  request.nano_cpus = d.nano_cpus;
  request.memory_bytes = d.memory_bytes;
  request.network_mode = d.network_mode;
  json body = json::parse(CreateContainerBody(request), nullptr, false);
  FuzzCheck(body.is_object(), "a create body must be a JSON object", input);
  FuzzCheck(body["Image"] == d.image && body["Labels"] == json(d.labels),
            "a create body must carry the image and labels", input);
  FuzzCheck(d.cmd.empty() ? !body.contains("Cmd") : body["Cmd"] == json(d.cmd),
            "a create body must carry the command", input);
  FuzzCheck(d.env.empty() ? !body.contains("Env") : body["Env"] == json(d.env),
            "a create body must carry the environment", input);
  const json& host = body["HostConfig"];
  FuzzCheck(d.nano_cpus > 0 ? host["NanoCpus"] == d.nano_cpus : !host.contains("NanoCpus"),
            "a create body must carry the CPU limit", input);
  FuzzCheck(d.memory_bytes > 0 ? host["Memory"] == d.memory_bytes : !host.contains("Memory"),
            "a create body must carry the memory limit", input);
}

void CheckDetails(std::string_view input) {
  absl::StatusOr<ContainerDetails> d = ParseContainerDetails(input);
  if (!d.ok()) return;
  FuzzCheck(d->started_at == absl::InfinitePast() || d->started_at > absl::UnixEpoch(),
            "a start time is never or after 1970", input);
  absl::StatusOr<ContainerDetails> again = ParseContainerDetails(InspectJson(*d));
  FuzzCheck(again.ok() && SameDetails(*again, *d), "inspect must round trip", input);
  v1::Container c = ToContainer(*d, "node-1");
  FuzzCheck(c.state() == StateFromDocker(d->status) && c.container_id() == d->id,
            "a mapped container keeps state and id", input);
  FuzzCheck((c.started_unix_ms() != 0) ==
                (d->started_at != absl::InfinitePast() && absl::ToUnixMillis(d->started_at) != 0),
            "a mapped start time agrees with the engine's", input);
  CheckCreateBody(*d, input);
}

void CheckList(std::string_view input) {
  absl::StatusOr<std::vector<ContainerSummary>> list = ParseContainerList(input);
  if (!list.ok()) return;
  for (const ContainerSummary& s : *list) {
    v1::Container c = ToContainer(s, "node-1");
    FuzzCheck(c.exit_code() == ExitCodeFromStatusText(s.status),
              "a listed exit code comes from the status text", input);
    FuzzCheck(!IsLive(s.state) || (c.state() != v1::CONTAINER_STATE_EXITED &&
                                   c.state() != v1::CONTAINER_STATE_UNSPECIFIED),
              "a live container is not exited", input);
    FuzzCheck(IsOwnedBy(s.labels, "c", "n") ==
                  (s.labels.count(kLabelCluster) == 1 && s.labels.at(kLabelCluster) == "c" &&
                   s.labels.count(kLabelNode) == 1 && s.labels.at(kLabelNode) == "n"),
              "ownership is the cluster and node labels", input);
  }
}

void CheckEvent(std::string_view input) {
  absl::StatusOr<EngineEvent> event = ParseEngineEvent(input);
  if (!event.ok()) return;
  std::optional<v1::ContainerEvent> mapped = ToContainerEvent(*event, "node-1");
  if (!mapped.has_value()) return;
  FuzzCheck(event->type == "container", "only container events map", input);
  FuzzCheck(mapped->container().container_id() == event->id, "a mapped event keeps the id", input);
}

void CheckReplies(std::string_view input) {
  FuzzCheck(!ErrorMessage(input).empty(), "an error message is never empty", input);
  for (int code : {200, 204, 304, 400, 404, 409, 418, 500, 503}) {
    absl::Status status =
        StatusFromReply("op", HttpReply{code, std::string(input)}, ConflictMeans::kAlreadyExists);
    FuzzCheck(status.ok() == IsSuccess(code), "a reply is OK exactly when it succeeded", input);
    FuzzCheck(status.ok() || absl::StrContains(status.message(), absl::StrCat("(HTTP ", code)),
              "a failed reply names its HTTP code", input);
  }
}

}  // namespace
}  // namespace microscale::docker

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace microscale::docker;  // NOLINT(google-build-using-namespace)
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckDetails(input);
  CheckList(input);
  CheckEvent(input);
  CheckReplies(input);
  (void)ParseEngineInfo(input);
  (void)ParseEngineVersion(input);
  (void)ParseImageDetails(input);
  (void)PullStreamError(input);
  (void)ExitCodeFromStatusText(input);
  absl::Time t = ParseEngineTime(input);
  microscale::fuzz::FuzzCheck(t == absl::InfinitePast() || t > absl::UnixEpoch(),
                              "an engine time is never or after 1970", input);
  return 0;
}
