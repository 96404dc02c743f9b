// How Microscale containers look in Docker: names, labels, create requests, and the
// translation of the engine's containers and events back into v1 messages.
//
// A managed container is named "microscale-<instance>" (instance ids are "<app>-<n>") and
// labelled io.microscale.{managed,cluster,app,instance,priority,node}, plus
// io.microscale.ports when it has ports, so they are known again after an agent restart.
// Pure functions.
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

// The value of the ports label. A name that holds ':' or ',' (which the controller refuses)
// is left out rather than making the value unreadable.
std::string FormatPortsLabel(const std::vector<v1::PublishedPort>& ports);
// The ports in a ports label; an item that does not read as a port is skipped.
std::vector<v1::PublishedPort> ParsePortsLabel(std::string_view value);

// created/restarting -> STARTING, running -> RUNNING, paused -> PAUSED,
// removing -> STOPPING, exited/dead -> EXITED.
v1::ContainerState StateFromDocker(std::string_view docker_state);
bool IsLive(std::string_view docker_state);  // running, paused or restarting

// The container's ports come from its ports label.
v1::Container ToContainer(const ContainerDetails& details, std::string_view node);
// A list entry carries no start time; started_unix_ms is left 0.
v1::Container ToContainer(const ContainerSummary& summary, std::string_view node);

// start -> STARTED, die -> EXITED (with exitCode), oom -> OOM_KILLED, pause -> PAUSED,
// unpause -> RESUMED, destroy -> REMOVED; other actions and non-container events: nullopt.
std::optional<v1::ContainerEvent> ToContainerEvent(const EngineEvent& event, std::string_view node);

}  // namespace microscale::docker

#endif  // MICROSCALE_NODE_AGENT_DOCKER_CONTAINER_MAPPING_H_
