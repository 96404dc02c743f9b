#include "node-agent/docker/docker_json.h"

#include <cctype>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/strings.h"
#include "node-agent/docker/json_fields.h"

namespace microscale::docker {

using internal::BoolField;
using internal::Field;
using internal::IntField;
using internal::Json;
using internal::StringField;
using internal::StringListField;
using internal::StringMapField;

std::string CreateContainerBody(const CreateContainerRequest& request) {
  Json host = {{"NetworkMode", request.network_mode}};
  if (request.nano_cpus > 0) host["NanoCpus"] = request.nano_cpus;
  if (request.memory_bytes > 0) {
    host["Memory"] = request.memory_bytes;
    host["MemorySwap"] = request.memory_bytes;  // no swap beyond the limit
  }
  if (request.no_new_privileges) host["SecurityOpt"] = Json::array({"no-new-privileges"});
  Json exposed = Json::object();
  for (const PortBinding& p : request.port_bindings) {
    // The engine takes the host port as a string, and an array of bindings per port.
    const std::string port = absl::StrCat(p.container_port, "/tcp");
    exposed[port] = Json::object();
    host["PortBindings"][port].push_back(
        Json::object({{"HostIp", p.host_ip}, {"HostPort", absl::StrCat(p.host_port)}}));
  }
  Json body = {{"Image", request.image}, {"Labels", request.labels}, {"HostConfig", host}};
  if (!exposed.empty()) body["ExposedPorts"] = exposed;
  if (!request.cmd.empty()) body["Cmd"] = request.cmd;
  if (!request.env.empty()) body["Env"] = request.env;
  if (request.stop_timeout_seconds > 0) body["StopTimeout"] = request.stop_timeout_seconds;
  if (request.healthcheck) {
    const HealthcheckConfig& check = *request.healthcheck;
    body["Healthcheck"] = {{"Test", check.test},
                           {"Interval", check.interval_ns},
                           {"Timeout", check.timeout_ns},
                           {"Retries", check.retries},
                           {"StartPeriod", check.start_period_ns}};
  }
  return internal::DumpJson(body);
}

absl::StatusOr<ContainerDetails> ParseContainerDetails(std::string_view body) {
  absl::StatusOr<Json> parsed = internal::ParseJson(body, "container inspect");
  if (!parsed.ok()) return parsed.status();
  const Json& j = *parsed;
  if (!j.is_object()) return absl::InternalError("docker container inspect: not an object");
  const Json& state = Field(j, "State");
  const Json& config = Field(j, "Config");
  const Json& host = Field(j, "HostConfig");
  ContainerDetails d;
  d.id = StringField(j, "Id");
  d.name = std::string(absl::StripPrefix(StringField(j, "Name"), "/"));
  d.image = StringField(config, "Image");
  d.labels = StringMapField(config, "Labels");
  d.status = StringField(state, "Status");
  d.oom_killed = BoolField(state, "OOMKilled");
  d.exit_code = static_cast<int>(IntField(state, "ExitCode"));
  d.started_at = ParseEngineTime(StringField(state, "StartedAt"));
  d.restart_count = static_cast<int>(IntField(j, "RestartCount"));
  d.nano_cpus = IntField(host, "NanoCpus");
  d.memory_bytes = IntField(host, "Memory");
  d.network_mode = StringField(host, "NetworkMode");
  d.security_opt = StringListField(host, "SecurityOpt");
  d.cmd = StringListField(config, "Cmd");
  d.env = StringListField(config, "Env");
  d.stop_timeout_seconds = static_cast<int>(IntField(config, "StopTimeout"));
  const Json& health = Field(state, "Health");
  d.health = StringField(health, "Status");
  d.health_failing_streak = static_cast<int>(IntField(health, "FailingStreak"));
  if (const Json& log = Field(health, "Log"); log.is_array()) {
    for (const Json& probe : log) {
      if (probe.is_object()) d.health_probe_exit_codes.push_back(IntField(probe, "ExitCode"));
    }
  }
  d.health_retries = static_cast<int>(IntField(Field(config, "Healthcheck"), "Retries"));
  return d;
}

absl::StatusOr<std::vector<ContainerSummary>> ParseContainerList(std::string_view body) {
  absl::StatusOr<Json> parsed = internal::ParseJson(body, "container list");
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_array()) return absl::InternalError("docker container list: not an array");
  std::vector<ContainerSummary> out;
  for (const Json& item : *parsed) {
    if (!item.is_object()) continue;
    ContainerSummary s;
    s.id = StringField(item, "Id");
    std::vector<std::string> names = StringListField(item, "Names");
    if (!names.empty()) s.name = std::string(absl::StripPrefix(names.front(), "/"));
    s.image = StringField(item, "Image");
    s.labels = StringMapField(item, "Labels");
    s.state = StringField(item, "State");
    s.status = StringField(item, "Status");
    s.created_unix_s = IntField(item, "Created");
    out.push_back(std::move(s));
  }
  return out;
}

int ExitCodeFromStatusText(std::string_view status) {
  constexpr std::string_view kPrefix = "Exited (";
  size_t start = status.find(kPrefix);
  if (start == std::string_view::npos) return 0;
  start += kPrefix.size();
  size_t end = status.find(')', start);
  if (end == std::string_view::npos) return 0;
  int code = 0;
  if (!absl::SimpleAtoi(ToAbsl(status.substr(start, end - start)), &code)) return 0;
  return code;
}

std::string HealthFromStatusText(std::string_view status) {
  // What the engine writes after the uptime of a running container with a health check.
  constexpr std::pair<std::string_view, std::string_view> kMarks[] = {
      {"(health: starting)", "starting"}, {"(healthy)", "healthy"}, {"(unhealthy)", "unhealthy"}};
  for (const auto& [mark, health] : kMarks) {
    if (status.find(mark) != std::string_view::npos) return std::string(health);
  }
  return "";
}

absl::StatusOr<EngineInfo> ParseEngineInfo(std::string_view body) {
  absl::StatusOr<Json> parsed = internal::ParseJson(body, "info");
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return absl::InternalError("docker info: not an object");
  EngineInfo info;
  info.ncpu = static_cast<int>(IntField(*parsed, "NCPU"));
  info.mem_total_bytes = IntField(*parsed, "MemTotal");
  info.name = StringField(*parsed, "Name");
  info.server_version = StringField(*parsed, "ServerVersion");
  return info;
}

absl::StatusOr<EngineVersion> ParseEngineVersion(std::string_view body) {
  absl::StatusOr<Json> parsed = internal::ParseJson(body, "version");
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return absl::InternalError("docker version: not an object");
  EngineVersion v;
  v.version = StringField(*parsed, "Version");
  v.api_version = StringField(*parsed, "ApiVersion");
  v.min_api_version = StringField(*parsed, "MinAPIVersion");
  return v;
}

absl::StatusOr<ImageDetails> ParseImageDetails(std::string_view body) {
  absl::StatusOr<Json> parsed = internal::ParseJson(body, "image inspect");
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return absl::InternalError("docker image inspect: not an object");
  ImageDetails d;
  d.id = StringField(*parsed, "Id");
  d.repo_tags = StringListField(*parsed, "RepoTags");
  d.labels = StringMapField(Field(*parsed, "Config"), "Labels");
  return d;
}

absl::StatusOr<EngineEvent> ParseEngineEvent(std::string_view line) {
  absl::StatusOr<Json> parsed = internal::ParseJson(line, "event");
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return absl::InternalError("docker event: not an object");
  const Json& actor = Field(*parsed, "Actor");
  EngineEvent e;
  e.type = StringField(*parsed, "Type");
  e.action = StringField(*parsed, "Action");
  e.id = StringField(actor, "ID");
  if (e.id.empty()) e.id = StringField(*parsed, "id");
  e.attributes = StringMapField(actor, "Attributes");
  e.time_nano = IntField(*parsed, "timeNano");
  if (e.time_nano == 0) {
    // Seconds beyond what nanoseconds can hold (or before 1970) are no usable time.
    const int64_t seconds = IntField(*parsed, "time");
    if (seconds > 0 && seconds <= INT64_MAX / 1'000'000'000) e.time_nano = seconds * 1'000'000'000;
  }
  return e;
}

std::string PullStreamError(std::string_view body) {
  while (!body.empty()) {
    size_t eol = body.find('\n');
    std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view() : body.substr(eol + 1);
    absl::StatusOr<Json> parsed = internal::ParseJson(line, "pull progress");
    if (!parsed.ok()) continue;
    std::string error = StringField(*parsed, "error");
    if (error.empty()) error = StringField(Field(*parsed, "errorDetail"), "message");
    if (!error.empty()) return error;
  }
  return "";
}

std::string ErrorMessage(std::string_view body) {
  absl::StatusOr<Json> parsed = internal::ParseJson(body, "error");
  if (parsed.ok()) {
    std::string message = StringField(*parsed, "message");
    if (!message.empty()) return message;
  }
  constexpr size_t kMaxRaw = 512;
  std::string raw(absl::StripAsciiWhitespace(ToAbsl(body.substr(0, kMaxRaw))));
  return raw.empty() ? std::string("(no message)") : raw;
}

std::string FiltersJson(const std::map<std::string, std::vector<std::string>>& filters) {
  Json j = Json::object();
  for (const auto& [key, values] : filters) j[key] = values;
  return internal::DumpJson(j);
}

absl::Time ParseEngineTime(std::string_view text) {
  absl::Time t;
  std::string err;
  if (text.empty() || !absl::ParseTime(absl::RFC3339_full, ToAbsl(text), &t, &err)) {
    return absl::InfinitePast();
  }
  if (t <= absl::UnixEpoch()) return absl::InfinitePast();  // 0001-01-01: never happened
  return t;
}

}  // namespace microscale::docker
