#include "controller/server/agent_gateway_service.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/tls/tls_credentials.h"
#include "controller/server/grpc_status.h"

namespace microscale {
namespace {

bool IsNodeName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateHello(const v1::Hello& hello, const std::string& cluster) {
  if (!IsNodeName(hello.node_name())) {
    return absl::InvalidArgumentError(
        absl::StrCat("hello.node_name: \"", hello.node_name(),
                     "\" is not a valid node name (1-253 characters of [A-Za-z0-9._-])"));
  }
  if (!hello.cluster().empty() && hello.cluster() != cluster) {
    return absl::FailedPreconditionError(
        absl::StrCat("hello.cluster: agent belongs to cluster \"", hello.cluster(),
                     "\", this controller runs \"", cluster, "\""));
  }
  if (hello.capacity().cpu_millis() < 0 || hello.capacity().memory_bytes() < 0 ||
      hello.capacity().max_containers() < 0 || hello.capacity().ports() < 0) {
    return absl::InvalidArgumentError("hello.capacity: must not be negative");
  }
  return absl::OkStatus();
}

AgentGatewayService::AgentGatewayService(Clock& clock, NodeRegistry& registry,
                                         CommandTracker& tracker, EventLog& events,
                                         AgentGatewayHooks hooks, std::string cluster,
                                         AgentGatewayPolicy policy)
    : clock_(clock),
      registry_(registry),
      tracker_(tracker),
      events_(events),
      hooks_(std::move(hooks)),
      cluster_(std::move(cluster)),
      policy_(std::move(policy)),
      stream_limiter_(clock, policy_.stream_rate) {}

grpc::Status AgentGatewayService::Connect(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::ControllerMessage, v1::AgentMessage>* stream) {
  if (policy_.require_client_certificate &&
      !PeerHasVerifiedCertificate(context->auth_context().get())) {
    grpc::Status refused(grpc::StatusCode::UNAUTHENTICATED,
                         "this controller serves TLS: agents must present a client certificate "
                         "signed by its --tls-ca (agent flags --tls-cert and --tls-key)");
    Refused(RefusalReason::kUnauthenticated, context->peer(), refused.error_message());
    return refused;
  }
  v1::AgentMessage first;
  if (!stream->Read(&first)) return grpc::Status::OK;
  if (!first.has_hello()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message on the stream must be Hello");
  }
  const v1::Hello& hello = first.hello();
  if (absl::Status s = ValidateHello(hello, cluster_); !s.ok()) return ToGrpcStatus(s);
  const std::string node = hello.node_name();
  if (policy_.require_client_certificate && policy_.check_node_name) {
    if (absl::Status s = PeerCertificateNames(context->auth_context().get(), node); !s.ok()) {
      Refused(RefusalReason::kDenied, context->peer(), std::string(s.message()));
      return ToGrpcStatus(s);
    }
  }
  auto connection =
      std::make_shared<AgentConnection>(stream, context, context->peer(), hello.accepts_batches());
  registry_.Register(hello, connection, clock_.Now());
  LogInfo("agent connected", {{"node", node},
                              {"peer", context->peer()},
                              {"containers", absl::StrCat(hello.containers_size())}});
  events_.Add(clock_.Now(), "NodeConnected", "node/" + node,
              absl::StrCat("agent ", hello.agent_version(), " (", hello.runtime(),
                           ") connected with ", hello.containers_size(), " containers"));
  v1::ControllerMessage sync;
  *sync.mutable_sync() = hooks_.sync_for(node);
  sync.mutable_sync()->set_host_network_allowed(policy_.host_network_allowed);
  sync.mutable_sync()->set_controller(policy_.controller);
  sync.mutable_sync()->set_leader_term(policy_.leader_term);
  sync.mutable_sync()->set_unchanged_heartbeats(true);
  connection->Send(sync);
  TellPace(node);
  hooks_.mark_dirty();

  v1::AgentMessage message;
  grpc::Status ended = grpc::Status::OK;
  while (stream->Read(&message)) {
    if (!stream_limiter_.Admit(context->peer())) {
      ended = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("more than ", policy_.stream_rate.per_second,
                       " messages a second (bursts of ", policy_.stream_rate.burst, "); redial"));
      Refused(RefusalReason::kRateLimited, context->peer(),
              absl::StrCat("node ", node, ": ", ended.error_message()));
      break;
    }
    Dispatch(node, message);
  }

  const bool current = registry_.Unregister(node, connection.get(), clock_.Now());
  // The stream goes away when this handler returns: a sender that still holds the
  // connection (a pass writing its batch) must find it closed, not write into freed memory.
  connection->Detach();
  // The node's commands in flight are dropped only when this was its current stream. A
  // stream that ends after the agent has reconnected would otherwise drop what was sent on
  // the new one: a start resumed there looked unsent, and the next pass sent it again
  // (ControllerLoopTest.ContainerLeftStartingByARestartedAgentIsStartedAgain, 2 runs of 300
  // under load). What was sent on the old stream gets no result and is sent again after the
  // command timeout; agents take commands idempotently by instance.
  if (current) tracker_.DropNode(node);
  LogInfo("agent disconnected", {{"node", node}});
  events_.Add(clock_.Now(), "NodeDisconnected", "node/" + node, "agent stream closed");
  hooks_.mark_dirty();
  return ended;
}

void AgentGatewayService::Refused(RefusalReason reason, std::string_view peer,
                                  std::string_view detail) {
  if (hooks_.on_refused) {
    hooks_.on_refused(reason, peer, detail);
  } else {
    LogWarn("agent refused", {{"reason", RefusalReasonName(reason)}, {"peer", peer}});
  }
}

void AgentGatewayService::TellPace(const std::string& node) {
  std::optional<absl::Duration> pace = registry_.PaceToTell(node);
  if (!pace.has_value()) return;
  std::shared_ptr<AgentConnection> connection = registry_.Connection(node);
  if (connection == nullptr) return;
  v1::ControllerMessage message;
  message.mutable_pace()->set_heartbeat_interval_ms(absl::ToInt64Milliseconds(*pace));
  connection->Send(message);
}

void AgentGatewayService::Dispatch(const std::string& node, const v1::AgentMessage& message) {
  const absl::Time now = clock_.Now();
  switch (message.body_case()) {
    case v1::AgentMessage::kHeartbeat: {
      const bool changed = registry_.OnHeartbeat(node, message.heartbeat(), now);
      TellPace(node);
      // A heartbeat that changes nothing only keeps the node alive: with many nodes,
      // waking the reconciler for each would keep it busy doing nothing.
      if (!changed) return;
      break;
    }
    case v1::AgentMessage::kResult: {
      const v1::CommandResult& result = message.result();
      // The registry takes the outcome before the command leaves the tracker, so a
      // reconcile pass (which reads the tracker first) always sees one of the two and
      // never plans a second container for a start that just succeeded.
      std::optional<InFlightCommand> command = tracker_.Find(result.command_id());
      if (command && command->type == CommandType::kStop && result.ok()) {
        registry_.OnContainerRemoved(node, command->instance, now);
      } else if (result.has_container() && !result.container().instance().empty()) {
        registry_.OnContainer(node, result.container(), now);
      } else {
        registry_.Touch(node, now);
      }
      if (command) command = tracker_.Complete(result.command_id());
      if (command) hooks_.on_result(*command, result);
      break;
    }
    case v1::AgentMessage::kEvent: {
      const v1::ContainerEvent& event = message.event();
      if (event.kind() == v1::ContainerEvent::REMOVED) {
        registry_.OnContainerRemoved(node, event.container().instance(), now);
      } else {
        registry_.OnContainer(node, event.container(), now);
      }
      hooks_.on_event(node, event);
      break;
    }
    case v1::AgentMessage::kHello:
      registry_.Touch(node, now);
      break;
    case v1::AgentMessage::BODY_NOT_SET:
      break;
  }
  hooks_.mark_dirty();
}

}  // namespace microscale
