// AgentGatewayService: the server side of microscale.v1.AgentGateway/Connect.
//
// One stream per agent. With TLS on, the agent must present a client certificate of the
// controller's CA. The first message must be Hello; the node is then registered,
// sent a Sync with what it should run, and every later message (heartbeat, command result,
// container event) updates the NodeRegistry and wakes the reconciler. A stream that sends
// faster than the policy's rate is ended. The service holds no
// decisions: it only records what agents say and carries commands to them.
// Thread-safety: gRPC calls Connect concurrently, one thread per stream.
#ifndef MICROSCALE_CONTROLLER_SERVER_AGENT_GATEWAY_SERVICE_H_
#define MICROSCALE_CONTROLLER_SERVER_AGENT_GATEWAY_SERVICE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/clock.h"
#include "controller/server/command_tracker.h"
#include "controller/server/event_log.h"
#include "controller/server/node_registry.h"
#include "controller/server/rate_limiter.h"
#include "controller/server/refusal_log.h"
#include "microscale/v1/agent_gateway.grpc.pb.h"

namespace microscale {

struct AgentGatewayHooks {
  // Something changed that the reconciler should look at.
  std::function<void()> mark_dirty;
  // What `node` should run, sent right after its Hello.
  std::function<v1::Sync(const std::string& node)> sync_for;
  // A command got its result (called after the registry is updated).
  std::function<void(const InFlightCommand&, const v1::CommandResult&)> on_result;
  // A container exited or was OOM-killed.
  std::function<void(const std::string& node, const v1::ContainerEvent&)> on_event;
  // An agent was refused (optional): counted and logged by the controller's RefusalLog.
  std::function<void(RefusalReason, std::string_view peer, std::string_view detail)> on_refused;
};

// What the gateway enforces on agents, from the controller's flags.
struct AgentGatewayPolicy {
  // TLS is on: an agent must present a certificate that --tls-ca verified.
  bool require_client_certificate = false;
  // With a certificate required: its CN or a DNS SAN must be the node name the agent says
  // it is (off with --tls-allow-any-node-name: any certificate of the CA may be any node).
  bool check_node_name = true;
  // --allow-host-network; agents refuse host-network specs unless told so (in Sync).
  bool host_network_allowed = false;
  // Who this controller is, told to agents in Sync: its --advertise-addr and leadership.
  std::string controller;
  int64_t leader_term = 0;
  // Messages an agent stream may send: heartbeats, results and events of a busy node stay
  // far below; a stream above it is ended (the agent redials and says Hello again).
  RateLimit stream_rate{.per_second = 500, .burst = 5000, .max_peers = 10000};
};

class AgentGatewayService final : public v1::AgentGateway::Service {
 public:
  AgentGatewayService(Clock& clock, NodeRegistry& registry, CommandTracker& tracker,
                      EventLog& events, AgentGatewayHooks hooks, std::string cluster,
                      AgentGatewayPolicy policy = {});

  grpc::Status Connect(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ControllerMessage, v1::AgentMessage>* stream) override;

 private:
  // Tells the node's agent its heartbeat interval, when that changed (NodeRegistry pacing).
  void TellPace(const std::string& node);
  void Dispatch(const std::string& node, const v1::AgentMessage& message);
  void Refused(RefusalReason reason, std::string_view peer, std::string_view detail);

  Clock& clock_;
  NodeRegistry& registry_;
  CommandTracker& tracker_;
  EventLog& events_;
  AgentGatewayHooks hooks_;
  const std::string cluster_;
  const AgentGatewayPolicy policy_;
  PeerRateLimiter stream_limiter_;
};

// Checks a Hello before its node is admitted; the error names the field.
absl::Status ValidateHello(const v1::Hello& hello, const std::string& cluster);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_AGENT_GATEWAY_SERVICE_H_
