// FakeAgent: a node agent for controller tests that keeps its containers in memory.
//
// It dials AgentGateway.Connect over real gRPC, introduces itself with a Hello (capacity
// and every container it holds), heartbeats on a timer, and obeys the controller: a Start
// adds a running container to its set and answers CommandResult with that container, a
// Stop removes it, Pause and Resume change its state. No process or Docker container
// exists behind it. Tests read what it was told (every Start and Stop, in order) and can
// make it misbehave: refuse starts of an app, stop heartbeating while staying connected
// (as a SIGSTOPped agent would), drop its stream and come back with the same containers,
// or report a container as exited.
// Thread-safety: every public method is safe to call from any thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_TESTING_FAKE_AGENT_H_
#define MICROSCALE_CONTROLLER_SERVER_TESTING_FAKE_AGENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "microscale/v1/agent_gateway.grpc.pb.h"

namespace microscale {

struct FakeAgentOptions {
  std::string node;
  int64_t cpu_millis = 8000;
  int64_t memory_bytes = int64_t{16} << 30;
  int32_t max_containers = 0;  // 0 = no cap
  int32_t ports = 0;           // host ports to publish on (capacity.ports); 0 = no cap
  std::string cluster;         // empty: whatever the controller runs
  absl::Duration heartbeat_every = absl::Milliseconds(200);
};

class FakeAgent {
 public:
  explicit FakeAgent(FakeAgentOptions options);
  ~FakeAgent();  // Disconnect()
  FakeAgent(const FakeAgent&) = delete;
  FakeAgent& operator=(const FakeAgent&) = delete;

  // Dials `target`, sends Hello with the containers held now, and returns once the
  // controller's Sync arrives. The stream's status when the controller refuses the agent;
  // DeadlineExceeded when no Sync comes within `timeout`.
  absl::Status Connect(const std::string& target, absl::Duration timeout = absl::Seconds(20));
  // Drops the stream from the agent's side; the containers stay (static stability).
  void Disconnect();
  // True while the stream is open (the controller has not ended it).
  bool connected() const;

  // Stops or resumes heartbeats; the stream stays open either way.
  void SetHeartbeating(bool on);
  // Sends one heartbeat now with the current container set.
  void HeartbeatNow();
  // From now on, Start commands for `app` fail with `error` (empty error: they succeed again).
  void FailStartsOf(const std::string& app, const std::string& error);
  // From now on, every Stop fails with `error`, the container staying (empty: they succeed).
  void FailStops(const std::string& error);
  // The next `n` commands are lost: no effect, no result (Lost() lists their instances).
  void LoseNextCommands(int n);
  std::vector<std::string> Lost() const;
  // Marks a held container exited with `code` and reports the ContainerEvent.
  void ExitContainer(const std::string& instance, int32_t code);

  // Makes the agent hold `container` as it is (reported from the next Hello or heartbeat),
  // e.g. one left Starting by a predecessor killed mid-start. A start of it completes it.
  void Hold(const v1::Container& container);
  const std::string& node() const { return options_.node; }
  std::map<std::string, v1::Container> Containers() const;
  // Containers of `app` in state RUNNING.
  int Running(const std::string& app) const;
  // Every Start and Stop received, by instance id, in arrival order (repeats included).
  std::vector<std::string> Starts() const;
  std::vector<std::string> Stops() const;
  // Sets a held container's health (as the engine's health check would) and heartbeats.
  void SetHealth(const std::string& instance, v1::Health health);
  // When the first Stop of `instance` arrived (wall clock), if one did.
  std::optional<absl::Time> StopReceivedAt(const std::string& instance) const;
  // The Syncs received, one per connection so far.
  std::vector<v1::Sync> Syncs() const;
  // Status of the last stream, once it has ended.
  std::optional<grpc::Status> last_stream_status() const;

 private:
  using Stream = grpc::ClientReaderWriter<v1::AgentMessage, v1::ControllerMessage>;

  void ReadLoop();
  void HeartbeatLoop();
  void Handle(const v1::ControllerMessage& message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::CommandResult Start(const v1::StartContainer& start) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::CommandResult Stop(const v1::StopContainer& stop) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::CommandResult SetState(const std::string& instance, v1::ContainerState state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes under mu_, so what the agent says is in the order its state changed.
  void Write(const v1::AgentMessage& message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::AgentMessage HeartbeatMessage() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const FakeAgentOptions options_;

  mutable absl::Mutex mu_;
  std::map<std::string, v1::Container> containers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> failing_apps_ ABSL_GUARDED_BY(mu_);
  std::string failing_stops_ ABSL_GUARDED_BY(mu_);
  int lose_next_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> lost_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> starts_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> stops_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> stop_received_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Sync> syncs_ ABSL_GUARDED_BY(mu_);
  bool heartbeating_ ABSL_GUARDED_BY(mu_) = true;
  bool stream_open_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_container_id_ ABSL_GUARDED_BY(mu_) = 1;
  int32_t next_host_port_ ABSL_GUARDED_BY(mu_) = 30000;
  std::optional<grpc::Status> last_status_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<v1::AgentGateway::Stub> stub_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<grpc::ClientContext> context_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Stream> stream_ ABSL_GUARDED_BY(mu_);

  std::thread reader_;
  std::thread heartbeat_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_TESTING_FAKE_AGENT_H_
