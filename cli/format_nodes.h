// Formatting of nodes for `get nodes`: table rows and the kubectl-shaped NodeList object
// of the CLI contract.
//
// Pure functions of the API messages (the current time is passed in); thread-safe.
#ifndef MICROSCALE_CLI_FORMAT_NODES_H_
#define MICROSCALE_CLI_FORMAT_NODES_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "microscale/v1/control_plane.pb.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {

using NodeMessages = google::protobuf::RepeatedPtrField<v1::Node>;

// NAME STATUS CPU MEMORY CONTAINERS AGE, with CPU and MEMORY as allocated/capacity; with
// `wide` also ADDRESS RUNTIME VERSION LAST-HEARTBEAT. AGE counts from registration.
std::string NodesTable(const NodeMessages& nodes, bool wide, absl::Time now);

// {apiVersion, kind: Node, metadata: {name, labels}, status: {state, capacity, allocated,
// containers, address, lastHeartbeat}}.
nlohmann::json NodeJson(const v1::Node& node);

// {"apiVersion": "microscale.io/v1", "kind": "NodeList", "items": [NodeJson...]}.
nlohmann::json NodeListJson(const NodeMessages& nodes);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_FORMAT_NODES_H_
