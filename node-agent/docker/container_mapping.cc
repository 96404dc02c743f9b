#include "node-agent/docker/container_mapping.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/strings.h"

namespace microscale::docker {
namespace {

std::string LabelOr(const LabelMap& labels, const char* key, std::string_view fallback = "") {
  auto it = labels.find(key);
  return it == labels.end() ? std::string(fallback) : it->second;
}

// Identity and ports: what the labels say about a container.
void FillIdentity(const LabelMap& labels, std::string_view node, v1::Container* c) {
  c->set_instance(LabelOr(labels, kLabelInstance));
  c->set_app(LabelOr(labels, kLabelApp));
  c->set_node(LabelOr(labels, kLabelNode, node));
  for (v1::PublishedPort& p : ParsePortsLabel(LabelOr(labels, kLabelPorts))) {
    *c->add_ports() = std::move(p);
  }
}

// The engine refuses a health check duration below 1 ms (other than 0, its default); the
// upper bound keeps the nanoseconds far from overflow.
int64_t HealthcheckNanos(double seconds) {
  if (!(seconds > 0)) return 0;  // also NaN
  constexpr double kMin = 1e-3;
  constexpr double kMax = 24 * 3600;
  return static_cast<int64_t>(std::llround(std::clamp(seconds, kMin, kMax) * 1e9));
}

// "health_status: healthy" -> "healthy"; "" for any other action.
std::string_view HealthStatusAction(std::string_view action) {
  constexpr std::string_view kPrefix = "health_status";
  if (action.substr(0, kPrefix.size()) != kPrefix) return "";
  absl::string_view rest = ToAbsl(action.substr(kPrefix.size()));
  if (!absl::ConsumePrefix(&rest, ":")) return "";
  rest = absl::StripAsciiWhitespace(rest);
  return {rest.data(), rest.size()};
}

bool ParsePort(absl::string_view text, int* port) {
  return absl::SimpleAtoi(text, port) && *port >= 1 && *port <= 65535;
}

struct EventKind {
  const char* action;
  v1::ContainerEvent::Kind kind;
  v1::ContainerState state;
};

constexpr EventKind kEventKinds[] = {
    {"start", v1::ContainerEvent::STARTED, v1::CONTAINER_STATE_RUNNING},
    {"die", v1::ContainerEvent::EXITED, v1::CONTAINER_STATE_EXITED},
    {"oom", v1::ContainerEvent::OOM_KILLED, v1::CONTAINER_STATE_UNSPECIFIED},
    {"pause", v1::ContainerEvent::PAUSED, v1::CONTAINER_STATE_PAUSED},
    {"unpause", v1::ContainerEvent::RESUMED, v1::CONTAINER_STATE_RUNNING},
    {"destroy", v1::ContainerEvent::REMOVED, v1::CONTAINER_STATE_EXITED},
};

// The health of a container with our check: the engine's, or STARTING when it names none.
v1::Health CheckedHealth(std::string_view docker_health) {
  v1::Health health = HealthFromDocker(docker_health);
  return health == v1::HEALTH_UNSPECIFIED ? v1::HEALTH_STARTING : health;
}

}  // namespace

std::string ContainerName(std::string_view cluster, std::string_view instance) {
  const bool plain = !cluster.empty() && cluster.size() <= 63 &&
                     std::all_of(cluster.begin(), cluster.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '.';
                     });
  if (plain) return absl::StrCat("microscale_", ToAbsl(cluster), "_", ToAbsl(instance));
  // FNV-1a: stable across versions and hosts, unlike std::hash.
  uint64_t hash = 1469598103934665603ULL;
  for (char c : cluster) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return absl::StrCat("microscale_", absl::Hex(hash, absl::kZeroPad16), "_", ToAbsl(instance));
}

std::string LegacyContainerName(std::string_view instance) {
  return absl::StrCat("microscale-", ToAbsl(instance));
}

LabelMap OwnerLabels(std::string_view cluster, std::string_view node) {
  return {{kLabelCluster, std::string(cluster)}, {kLabelNode, std::string(node)}};
}

bool IsOwnedBy(const LabelMap& labels, std::string_view cluster, std::string_view node) {
  return LabelOr(labels, kLabelCluster) == cluster && LabelOr(labels, kLabelNode) == node;
}

CreateContainerRequest BuildCreateRequest(std::string_view instance, const v1::ContainerSpec& spec,
                                          std::string_view cluster, std::string_view node,
                                          const std::vector<v1::PublishedPort>& ports,
                                          std::string_view publish_address) {
  CreateContainerRequest r;
  r.name = ContainerName(cluster, instance);
  r.image = spec.image();
  r.cmd.assign(spec.command().begin(), spec.command().end());
  for (const auto& [key, value] : spec.env()) r.env.push_back(absl::StrCat(key, "=", value));
  std::sort(r.env.begin(), r.env.end());  // protobuf maps have no stable order
  r.labels = {{kLabelManaged, "true"},
              {kLabelCluster, std::string(cluster)},
              {kLabelApp, spec.app()},
              {kLabelInstance, std::string(instance)},
              {kLabelPriority, absl::StrCat(spec.priority())},
              {kLabelNode, std::string(node)}};
  r.nano_cpus = spec.resources().cpu_millis() * 1'000'000;
  r.memory_bytes = spec.resources().memory_bytes();
  r.network_mode = spec.network().empty() ? "bridge" : spec.network();
  if (!ports.empty()) r.labels[kLabelPorts] = FormatPortsLabel(ports);
  if (r.network_mode == "bridge") {
    for (const v1::PublishedPort& p : ports) {
      r.port_bindings.push_back({p.container_port(), std::string(publish_address), p.host_port()});
    }
  }
  r.stop_timeout_seconds = spec.stop_timeout_seconds();
  r.no_new_privileges = true;
  r.healthcheck = ToHealthcheck(spec.health_check());
  if (r.healthcheck) r.labels[kLabelHealthCheck] = "true";
  return r;
}

std::optional<HealthcheckConfig> ToHealthcheck(const v1::HealthCheck& check) {
  if (check.command().empty()) return std::nullopt;
  HealthcheckConfig out;
  out.test.emplace_back("CMD");
  out.test.insert(out.test.end(), check.command().begin(), check.command().end());
  out.interval_ns = HealthcheckNanos(check.interval_seconds());
  out.timeout_ns = HealthcheckNanos(check.timeout_seconds());
  out.start_period_ns = HealthcheckNanos(check.start_period_seconds());
  out.retries = std::max(check.retries(), 0);
  return out;
}

std::string FormatPortsLabel(const std::vector<v1::PublishedPort>& ports) {
  return absl::StrJoin(ports, ",", [](std::string* out, const v1::PublishedPort& p) {
    const bool named = !p.name().empty() && p.name().find_first_of(":,") == std::string::npos;
    absl::StrAppend(out, named ? p.name() + ":" : "", p.container_port(), ":", p.host_port());
  });
}

std::vector<v1::PublishedPort> ParsePortsLabel(std::string_view value) {
  std::vector<v1::PublishedPort> out;
  for (absl::string_view item : absl::StrSplit(ToAbsl(value), ',', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ':');
    if (parts.size() == 2) parts.insert(parts.begin(), "");
    int container_port = 0;
    int host_port = 0;
    if (parts.size() != 3 || !ParsePort(parts[1], &container_port) ||
        !ParsePort(parts[2], &host_port)) {
      continue;
    }
    v1::PublishedPort& p = out.emplace_back();
    p.set_name(std::string(parts[0]));
    p.set_container_port(container_port);
    p.set_host_port(host_port);
  }
  return out;
}

v1::ContainerState StateFromDocker(std::string_view docker_state) {
  if (docker_state == "running") return v1::CONTAINER_STATE_RUNNING;
  if (docker_state == "paused") return v1::CONTAINER_STATE_PAUSED;
  if (docker_state == "created" || docker_state == "restarting") {
    return v1::CONTAINER_STATE_STARTING;
  }
  if (docker_state == "removing") return v1::CONTAINER_STATE_STOPPING;
  if (docker_state == "exited" || docker_state == "dead") return v1::CONTAINER_STATE_EXITED;
  return v1::CONTAINER_STATE_UNSPECIFIED;
}

bool IsLive(std::string_view docker_state) {
  return docker_state == "running" || docker_state == "paused" || docker_state == "restarting";
}

v1::Health HealthFromDocker(std::string_view docker_health) {
  if (docker_health == "starting") return v1::HEALTH_STARTING;
  if (docker_health == "healthy") return v1::HEALTH_HEALTHY;
  if (docker_health == "unhealthy") return v1::HEALTH_UNHEALTHY;
  return v1::HEALTH_UNSPECIFIED;
}

bool HasHealthCheck(const LabelMap& labels) { return LabelOr(labels, kLabelHealthCheck) == "true"; }

v1::Health HealthOf(const ContainerDetails& details) {
  const int retries = details.health_retries > 0 ? details.health_retries : 3;
  if (details.health != "unhealthy" || details.health_failing_streak >= retries) {
    return CheckedHealth(details.health);
  }
  const std::vector<int>& probes = details.health_probe_exit_codes;
  if (std::find(probes.begin(), probes.end(), 0) != probes.end()) return v1::HEALTH_HEALTHY;
  return v1::HEALTH_STARTING;
}

v1::Container ToContainer(const ContainerDetails& details, std::string_view node) {
  v1::Container c;
  FillIdentity(details.labels, node, &c);
  c.set_state(StateFromDocker(details.status));
  c.set_container_id(details.id);
  if (details.started_at != absl::InfinitePast()) {
    c.set_started_unix_ms(absl::ToUnixMillis(details.started_at));
  }
  c.set_exit_code(details.exit_code);
  if (HasHealthCheck(details.labels)) c.set_health(HealthOf(details));
  return c;
}

v1::Container ToContainer(const ContainerSummary& summary, std::string_view node) {
  v1::Container c;
  FillIdentity(summary.labels, node, &c);
  c.set_state(StateFromDocker(summary.state));
  c.set_container_id(summary.id);
  c.set_exit_code(ExitCodeFromStatusText(summary.status));
  if (HasHealthCheck(summary.labels)) {
    c.set_health(CheckedHealth(HealthFromStatusText(summary.status)));
  }
  return c;
}

std::optional<v1::ContainerEvent> ToContainerEvent(const EngineEvent& event,
                                                   std::string_view node) {
  if (event.type != "container") return std::nullopt;
  const bool checked = HasHealthCheck(event.attributes);
  if (const std::string_view health = HealthStatusAction(event.action); !health.empty()) {
    if (!checked || HealthFromDocker(health) == v1::HEALTH_UNSPECIFIED) return std::nullopt;
    v1::ContainerEvent out;
    v1::Container* c = out.mutable_container();
    FillIdentity(event.attributes, node, c);
    c->set_container_id(event.id);
    c->set_state(v1::CONTAINER_STATE_RUNNING);
    c->set_health(HealthFromDocker(health));
    return out;
  }
  const EventKind* match = nullptr;
  for (const EventKind& k : kEventKinds) {
    if (event.action == k.action) match = &k;
  }
  if (match == nullptr) return std::nullopt;
  v1::ContainerEvent out;
  out.set_kind(match->kind);
  v1::Container* c = out.mutable_container();
  FillIdentity(event.attributes, node, c);
  c->set_container_id(event.id);
  c->set_state(match->state);
  if (match->kind == v1::ContainerEvent::STARTED) {
    c->set_started_unix_ms(event.time_nano / 1'000'000);
    if (checked) c->set_health(v1::HEALTH_STARTING);
  }
  int exit_code = 0;
  auto it = event.attributes.find("exitCode");
  if (it != event.attributes.end() && absl::SimpleAtoi(it->second, &exit_code)) {
    out.set_exit_code(exit_code);
    c->set_exit_code(exit_code);
  }
  return out;
}

}  // namespace microscale::docker
