// Endpoints: where the containers of apps with spec.ports are reached, built from what the
// agents report, for `microscalectl get endpoints`, ControlPlane.ListEndpoints and the
// Prometheus http_sd list at /sd/v1/endpoints.
//
// One endpoint per published port of each container of an app that declares ports, on a
// Ready or briefly unreachable node. It is ready when the container runs, passes the app's
// health check if it has one, its node is Ready, and no stop or pause has been sent for it: a
// container being stopped leaves the ready list before its stop reaches the agent, so traffic
// drains first. The host is the node's advertised address, else the address its agent connects
// from. Pure functions.
#ifndef MICROSCALE_CONTROLLER_SERVER_ENDPOINTS_H_
#define MICROSCALE_CONTROLLER_SERVER_ENDPOINTS_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "controller/server/node_figures.h"
#include "controller/server/node_registry.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

// The host part of a node's endpoints: its advertised address, else the IP of its agent's
// connection (`peer` as gRPC names it: "ipv4:10.0.0.5:41234", "ipv6:[::1]:41234"). An
// IPv6 host comes back bracketed, ready for ":port". Empty when neither says.
std::string EndpointHost(std::string_view advertise_address, std::string_view peer);

// The endpoints of `app` (every app when empty), by app, instance, then the app's port
// order. `leaving`: instances with a stop or pause sent and not yet done.
std::vector<v1::Endpoint> BuildEndpoints(const std::vector<NodeView>& nodes,
                                         const AppSpecIndex& apps,
                                         const std::set<std::string>& leaving,
                                         std::string_view app);

// The ready ones as Prometheus http_sd_config JSON: one target group per endpoint, with the
// labels app, instance, node, port_name and priority.
std::string HttpSdJson(const std::vector<v1::Endpoint>& endpoints);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_ENDPOINTS_H_
