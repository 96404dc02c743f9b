// AgentSession: the agent's side of the controller <-> agent protocol (DESIGN.md).
//
// Dials microscale.v1.AgentGateway/Connect and keeps one bidirectional stream: sends Hello
// (node, capacity, labels, version, runtime, cluster and every managed container, which is
// how a restarted agent adopts what it finds), a Heartbeat with the container states every
// `heartbeat_interval`, a CommandResult per command and every runtime ContainerEvent as it
// comes, except a change of health (an event of no kind, runtime.h), which goes out in a
// heartbeat sent at once, and the events that a running command's result will report (see
// HoldEvents). Start/Stop/Pause/Resume run on a small worker pool, idempotent by
// instance, with at most `max_runtime_calls` runtime calls in flight. Sync makes the next heartbeat
// a fresh listing of every managed container; the agent never stops anything on its own.
//
// When the stream is lost the session redials with jittered exponential backoff and keeps
// every container running. Thread-safety: Run() on one thread; Shutdown() and connected()
// from any thread. The runtime and the metrics must outlive the session.
#ifndef MICROSCALE_NODE_AGENT_AGENT_AGENT_SESSION_H_
#define MICROSCALE_NODE_AGENT_AGENT_AGENT_SESSION_H_

#include <grpcpp/security/credentials.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/backoff.h"
#include "microscale/v1/agent_gateway.grpc.pb.h"
#include "node-agent/agent/agent_metrics.h"
#include "node-agent/agent/bounded_runtime.h"
#include "node-agent/agent/command_executor.h"
#include "node-agent/agent/command_log.h"
#include "node-agent/agent/container_table.h"
#include "node-agent/runtime.h"

namespace microscale {

struct AgentSessionOptions {
  // One controller's address, or several separated by commas (a leader and its standbys):
  // the agent stays with the one that answers and moves to the next when it does not.
  std::string controller = "127.0.0.1:7400";
  std::string node_name;
  std::string cluster = "default";
  std::map<std::string, std::string> labels;
  std::string agent_version;
  int64_t cpu_millis = 0;    // 0: what the runtime reports
  int64_t memory_bytes = 0;  // 0: what the runtime reports
  int32_t max_containers = 0;
  int32_t host_ports = 0;         // NodeCapacity.ports: the size of --port-range; 0 = no cap
  std::string advertise_address;  // Hello.advertise_address (AdvertisedHost)
  absl::Duration heartbeat_interval = absl::Seconds(2);
  BackoffOptions reconnect_backoff;
  int max_runtime_calls = 8;  // --max-engine-calls
  // Record each runtime call in microscale_agent_docker_request_duration_seconds. Off when
  // the runtime reports its own engine calls (the Docker runtime's call observer).
  bool observe_runtime_calls = true;
  // How to dial the controller; null means plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // When set, called before each dial for fresh credentials (TLS files read again, so a
  // rotated certificate is used from the next connection on); an error keeps the last good.
  std::function<absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>()> reload_credentials;
  // When set, every command received is recorded there with the controller that sent it.
  CommandLog* command_log = nullptr;
};

class AgentSession {
 public:
  // `metrics` may be null.
  AgentSession(AgentSessionOptions options, ContainerRuntime* runtime, AgentMetrics* metrics);
  ~AgentSession();
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;

  // Dials, serves and redials until Shutdown(); then returns. Containers are left running.
  void Run();
  // Ends Run(): cancels the stream and any backoff wait. Safe from any thread, any time.
  void Shutdown();
  // True while a stream is up and Hello was sent on it.
  bool connected() const { return connected_.load(); }

 private:
  struct Connection;
  struct EventRelay;

  enum class Outcome {
    kAnswered,   // the controller answered the Hello
    kNoAnswer,   // the dial or the stream failed before an answer
    kNoRuntime,  // no Hello: the container runtime did not list the containers
  };
  // One dial: Hello, then serve until the stream ends.
  Outcome ServeOnce();
  absl::StatusOr<v1::AgentMessage> BuildHello();
  absl::StatusOr<v1::NodeCapacity> ResolveCapacity();
  absl::Status RefreshTable(bool wait_for_slot);
  void WriterLoop(Connection& conn);
  void HeartbeatLoop(Connection& conn);
  void Dispatch(Connection& conn, const v1::ControllerMessage& message);
  void HandleSync(Connection& conn, const v1::Sync& sync);
  CommandOutcome Execute(const v1::ControllerMessage& command);
  CommandOutcome Perform(const v1::ControllerMessage& command, const std::string& instance);
  // While a command runs, the engine's events that report its own outcome (a start's
  // STARTED, a stop's EXITED and REMOVED...) are applied to the table but held back from the
  // stream: the command's result reports the same state, one message instead of two or
  // three. A command that fails sends what it held before its result; any other event of
  // the instance sends the held ones before it and ends the holding.
  void HoldEvents(const std::string& instance, const v1::ControllerMessage& command);
  void ReleaseEvents(const std::string& instance, bool succeeded);
  void Report(const std::string& command_id, const std::string& type, uint64_t epoch,
              const CommandOutcome& outcome);
  void OnRuntimeEvent(const v1::ContainerEvent& event);
  // Queues `message` on the current stream, if there is one of `epoch` (0: any).
  bool Send(v1::AgentMessage message, uint64_t epoch = 0);
  // The stream's connection now, or null between connections.
  std::shared_ptr<Connection> CurrentConnection() const;
  void StampNode(v1::Container* container) const;
  bool ShuttingDown() const;

  const AgentSessionOptions options_;
  const std::vector<std::string> controllers_;  // options_.controller, split
  size_t controller_index_ = 0;                 // the one dialed next; Run thread only
  // The credentials of the next dial: options_.credentials, then the last good reload.
  // Only the Run thread uses them.
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  AgentMetrics* const metrics_;
  BoundedRuntime runtime_;
  ContainerTable table_;
  std::shared_ptr<EventRelay> relay_;
  std::atomic<bool> connected_{false};
  // What the controller's last Sync allowed (--allow-host-network there).
  std::atomic<bool> host_network_allowed_{false};

  // The instances whose command is running: the event kinds its result covers, and the
  // events held so far (see HoldEvents). Taken under a Connection's send_mu.
  struct Holding {
    std::vector<v1::ContainerEvent::Kind> kinds;
    std::vector<v1::AgentMessage> held;
  };
  absl::Mutex holding_mu_;
  absl::flat_hash_map<std::string, Holding> holding_ ABSL_GUARDED_BY(holding_mu_);

  mutable absl::Mutex mu_;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  std::shared_ptr<Connection> current_ ABSL_GUARDED_BY(mu_);

  // Last member: its workers call into everything above and are joined first.
  CommandExecutor executor_;
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_AGENT_SESSION_H_
