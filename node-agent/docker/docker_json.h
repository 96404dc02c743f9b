// The JSON shapes of the Docker Engine API (v1.41) that Microscale reads and writes.
//
// Builders turn plain structs into request bodies; parsers turn response bodies into plain
// structs. Parsing is defensive: a body that is not JSON, or not the expected object, is an
// Internal status; a missing or mistyped field takes its zero value. Nothing here throws.
// Thread-safety: pure functions over values.
#ifndef MICROSCALE_NODE_AGENT_DOCKER_DOCKER_JSON_H_
#define MICROSCALE_NODE_AGENT_DOCKER_DOCKER_JSON_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace microscale::docker {

using LabelMap = std::map<std::string, std::string>;

// One container port published on the host (tcp): ExposedPorts and HostConfig.PortBindings.
struct PortBinding {
  int container_port = 0;
  std::string host_ip;  // the host address the port binds to, e.g. "0.0.0.0"
  int host_port = 0;
};

// Config.Healthcheck: a command the engine runs in the container now and then; exit 0 is
// healthy. Durations are nanoseconds, each 0 (the engine's default) or at least 1 ms.
struct HealthcheckConfig {
  std::vector<std::string> test;  // {"CMD", executable, args...}
  int64_t interval_ns = 0;
  int64_t timeout_ns = 0;
  int64_t start_period_ns = 0;
  int retries = 0;  // 0: the engine's default
};

// POST /containers/create body (plus the name, which travels in the query).
struct CreateContainerRequest {
  std::string name;
  std::string image;
  std::vector<std::string> cmd;  // empty: the image's default command
  std::vector<std::string> env;  // "KEY=VALUE"
  LabelMap labels;
  int64_t nano_cpus = 0;     // 0: no CPU limit
  int64_t memory_bytes = 0;  // 0: no memory limit
  std::string network_mode = "bridge";
  std::vector<PortBinding> port_bindings;
  int stop_timeout_seconds = 0;  // 0: the engine's default
  bool no_new_privileges = true;
  std::optional<HealthcheckConfig> healthcheck;  // nullopt: none sent (the image's, if any)
};

std::string CreateContainerBody(const CreateContainerRequest& request);

// GET /containers/{id}/json.
struct ContainerDetails {
  std::string id;
  std::string name;  // without the leading '/'
  std::string image;
  LabelMap labels;
  std::string status;  // created | running | paused | restarting | removing | exited | dead
  bool oom_killed = false;
  int exit_code = 0;
  absl::Time started_at = absl::InfinitePast();  // InfinitePast: never started
  int restart_count = 0;
  int64_t nano_cpus = 0;
  int64_t memory_bytes = 0;
  std::string network_mode;
  std::vector<std::string> security_opt;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  int stop_timeout_seconds = 0;
  // State.Health: "starting" | "healthy" | "unhealthy" ("" without a check), the failed
  // probes in a row, and the exit codes of the last few probes, oldest first. The engine
  // says "unhealthy" whenever its checks are stopped (paused, exited), whatever they found.
  std::string health;
  int health_failing_streak = 0;
  std::vector<int> health_probe_exit_codes;
  int health_retries = 0;  // Config.Healthcheck.Retries; 0: the engine's default (3)
};

absl::StatusOr<ContainerDetails> ParseContainerDetails(std::string_view body);

// One entry of GET /containers/json.
struct ContainerSummary {
  std::string id;
  std::string name;  // the first name, without the leading '/'
  std::string image;
  LabelMap labels;
  std::string state;   // created | running | paused | restarting | removing | exited | dead
  std::string status;  // human text, e.g. "Exited (137) 3 seconds ago"
  int64_t created_unix_s = 0;
};

absl::StatusOr<std::vector<ContainerSummary>> ParseContainerList(std::string_view body);

// The exit code inside a summary status such as "Exited (137) 3 seconds ago"; 0 if none.
int ExitCodeFromStatusText(std::string_view status);

// The health inside a summary status such as "Up 5 seconds (health: starting)": "starting",
// "healthy" or "unhealthy"; "" if it names none (no check, or not running: a paused
// container's text is "Up 5 seconds (Paused)").
std::string HealthFromStatusText(std::string_view status);

// GET /info.
struct EngineInfo {
  int ncpu = 0;
  int64_t mem_total_bytes = 0;
  std::string name;
  std::string server_version;
};

absl::StatusOr<EngineInfo> ParseEngineInfo(std::string_view body);

// GET /version.
struct EngineVersion {
  std::string version;
  std::string api_version;
  std::string min_api_version;
};

absl::StatusOr<EngineVersion> ParseEngineVersion(std::string_view body);

// GET /images/{name}/json.
struct ImageDetails {
  std::string id;
  std::vector<std::string> repo_tags;
  LabelMap labels;
};

absl::StatusOr<ImageDetails> ParseImageDetails(std::string_view body);

// One object of the /events stream.
struct EngineEvent {
  std::string type;    // container, image, network, ...
  std::string action;  // start, die, oom, pause, unpause, destroy, "health_status: healthy", ...
  std::string id;
  LabelMap attributes;  // container labels, plus name, image, exitCode, ...
  int64_t time_nano = 0;
};

absl::StatusOr<EngineEvent> ParseEngineEvent(std::string_view line);

// The first error in an image-pull progress stream (JSON objects, one per line); "" if none.
std::string PullStreamError(std::string_view body);

// The `message` of an engine error body; the trimmed raw body when it is not such JSON.
std::string ErrorMessage(std::string_view body);

// The `filters` query value: {"key": ["v1", "v2"], ...}, JSON-encoded (not URL-encoded).
std::string FiltersJson(const std::map<std::string, std::vector<std::string>>& filters);

// RFC 3339 with nanoseconds as the engine writes it; InfinitePast for the zero time.
absl::Time ParseEngineTime(std::string_view text);

}  // namespace microscale::docker

#endif  // MICROSCALE_NODE_AGENT_DOCKER_DOCKER_JSON_H_
