// How Microscale containers look in Docker: names, labels, create requests, and the
// translation of the engine's containers and events back into v1 messages.
//
// A managed container is named "microscale-<instance>" (instance ids are "<app>-<n>") and
// labelled io.microscale.{managed,cluster,app,instance,priority,node}, plus
// io.microscale.ports when it has ports and io.microscale.health-check when it was created
// with spec.health_check, so they are known again after an agent restart. Only a container
// with that label reports a health: one without reports HEALTH_UNSPECIFIED even when its
// image brings a HEALTHCHECK of its own. Pure functions.
#ifndef MICROSCALE_NODE_AGENT_DOCKER_CONTAINER_MAPPING_H_
#define MICROSCALE_NODE_AGENT_DOCKER_CONTAINER_MAPPING_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "microscale/v1/agent_gateway.pb.h"
#include "microscale/v1/types.pb.h"
#include "node-agent/docker/docker_json.h"

namespace microscale::docker {

inline constexpr char kLabelManaged[] = "io.microscale.managed";
inline constexpr char kLabelCluster[] = "io.microscale.cluster";
inline constexpr char kLabelApp[] = "io.microscale.app";
inline constexpr char kLabelInstance[] = "io.microscale.instance";
inline constexpr char kLabelPriority[] = "io.microscale.priority";
inline constexpr char kLabelNode[] = "io.microscale.node";
// "name:container_port:host_port" per port, comma-separated ("http:8080:30001,9100:30002");
// a port without a name is "container_port:host_port".
inline constexpr char kLabelPorts[] = "io.microscale.ports";
// "true" on a container created with spec.health_check.
inline constexpr char kLabelHealthCheck[] = "io.microscale.health-check";

// The engine's name of an instance's container: `microscale_<cluster>_<instance>`, so two
// clusters on one Docker host never want the same name. A cluster name that holds other
// characters than letters, digits, '.' and '-' (the name's separator is '_') is replaced by
// a hash of it. Instance ids (app names and ordinals) hold no '_'.
std::string ContainerName(std::string_view cluster, std::string_view instance);
// The name agents gave containers before the cluster was in it: `microscale-<instance>`.
// Containers of this agent's cluster and node found under it are adopted, not duplicated.
std::string LegacyContainerName(std::string_view instance);

// The labels that mark a container as this agent's: its cluster and node.
LabelMap OwnerLabels(std::string_view cluster, std::string_view node);
bool IsOwnedBy(const LabelMap& labels, std::string_view cluster, std::string_view node);

// `ports` are the container's as published (node-agent/core/published_ports.h): recorded in
// the ports label, and on network bridge published on `publish_address`.
CreateContainerRequest BuildCreateRequest(std::string_view instance, const v1::ContainerSpec& spec,
                                          std::string_view cluster, std::string_view node,
                                          const std::vector<v1::PublishedPort>& ports = {},
                                          std::string_view publish_address = "0.0.0.0");

// Docker's Healthcheck for `check` ({"CMD", command...}); nullopt without a command. A
// duration that is not positive (or not a number) is 0, the engine's default; others are
// held within 1 ms (the engine refuses less) and 24 h. Negative retries are 0.
std::optional<HealthcheckConfig> ToHealthcheck(const v1::HealthCheck& check);

// The value of the ports label. A name that holds ':' or ',' (which the controller refuses)
// is left out rather than making the value unreadable.
std::string FormatPortsLabel(const std::vector<v1::PublishedPort>& ports);
// The ports in a ports label; an item that does not read as a port is skipped.
std::vector<v1::PublishedPort> ParsePortsLabel(std::string_view value);

// created/restarting -> STARTING, running -> RUNNING, paused -> PAUSED,
// removing -> STOPPING, exited/dead -> EXITED.
v1::ContainerState StateFromDocker(std::string_view docker_state);
bool IsLive(std::string_view docker_state);  // running, paused or restarting

// starting -> STARTING, healthy -> HEALTHY, unhealthy -> UNHEALTHY, else UNSPECIFIED.
v1::Health HealthFromDocker(std::string_view docker_health);
// True when the labels say the container was created with our health check.
bool HasHealthCheck(const LabelMap& labels);
// The health of an inspected container with our check. The engine's, except where it says
// "unhealthy" only because its checks stopped (paused, exited: fewer failures in a row
// than retries); then what the probes last found: no probe yet -> STARTING, the last one
// or an earlier one in the log passed -> HEALTHY, else STARTING.
v1::Health HealthOf(const ContainerDetails& details);

// The container's ports come from its ports label. With the health-check label, its health
// is HealthOf(details).
v1::Container ToContainer(const ContainerDetails& details, std::string_view node);
// A list entry carries no start time; started_unix_ms is left 0. With the health-check
// label, its health is the one its status text names, or STARTING when the text names none
// (a paused container's does not: the caller keeps what it knew before). After a resume
// the text says "unhealthy" until the next probe (see HealthOf); inspect tells.
v1::Container ToContainer(const ContainerSummary& summary, std::string_view node);

// start -> STARTED, die -> EXITED (with exitCode), oom -> OOM_KILLED, pause -> PAUSED,
// unpause -> RESUMED, destroy -> REMOVED; a start of a container with the health-check
// label also carries HEALTH_STARTING (the engine starts its checks afresh).
// "health_status: <health>" of a container with that label -> kind KIND_UNSPECIFIED, a
// running container with that health. Other actions and non-container events: nullopt.
std::optional<v1::ContainerEvent> ToContainerEvent(const EngineEvent& event, std::string_view node);

}  // namespace microscale::docker

#endif  // MICROSCALE_NODE_AGENT_DOCKER_CONTAINER_MAPPING_H_
