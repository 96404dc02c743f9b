// Formatting of endpoints (`get endpoints`): table rows and the kubectl-shaped EndpointList
// object of the CLI contract. An endpoint is one published port of one running container
// of an app with spec.ports, as clients reach it.
//
// Pure functions of the API messages; thread-safe.
#ifndef MICROSCALE_CLI_FORMAT_ENDPOINTS_H_
#define MICROSCALE_CLI_FORMAT_ENDPOINTS_H_

#include <string>

#include "google/protobuf/repeated_field.h"
#include "microscale/v1/control_plane.pb.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {

using EndpointMessages = google::protobuf::RepeatedPtrField<v1::Endpoint>;

// APP INSTANCE NODE ADDRESS:PORT READY (READY true or false); with `wide` also PORT-NAME
// (<none> for a port without a name) and CONTAINER-PORT. Rows in the order given.
std::string EndpointsTable(const EndpointMessages& endpoints, bool wide);

// {app, instance, node, portName, containerPort, address ("host:port"), ready, priority}.
nlohmann::json EndpointJson(const v1::Endpoint& endpoint);

// {"apiVersion": "microscale.io/v1", "kind": "EndpointList", "items": [EndpointJson...]}.
nlohmann::json EndpointListJson(const EndpointMessages& endpoints);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_FORMAT_ENDPOINTS_H_
