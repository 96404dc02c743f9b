#include "node-agent/agent/agent_session.h"

#include <grpcpp/grpcpp.h>

#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/thread_name.h"
#include "node-agent/agent/outbox.h"
#include "node-agent/agent/spec_policy.h"

namespace microscale {
namespace {

// A stream that stayed up this long counts as a success even if the controller never
// wrote on it, so the next redial starts again from the shortest delay.
constexpr absl::Duration kHealthyStream = absl::Seconds(10);

// A controller that takes unchanged heartbeats still gets the full list this often, so a
// view that drifted from the node's (whatever the cause) is mended within this time.
constexpr absl::Duration kFullHeartbeatEvery = absl::Seconds(30);
// The longest heartbeat interval a controller's Pace may set.
constexpr absl::Duration kSlowestHeartbeat = absl::Minutes(1);

// A fresh channel per dial, with a subchannel pool of its own, so our backoff alone paces
// redials and a controller that comes back is reached on the next one.
// GRPC_ARG_MIN_RECONNECT_BACKOFF_MS is left at its default: gRPC uses it as the deadline of
// one connection attempt, and a TLS handshake on a busy node can take longer than a short one.
// Keepalive pings every 10 s (answered within 5 s) notice a cut link even while the
// stream is quiet, so the agent redials instead of writing into a dead connection.
// No bandwidth probes: gRPC may answer a burst of commands with a ping the controller must
// acknowledge, to size windows for transfers far larger than a command.
std::shared_ptr<grpc::Channel> DialController(
    const AgentSessionOptions& options, const std::string& address,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  int max_ms = static_cast<int>(absl::ToInt64Milliseconds(options.reconnect_backoff.max));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, std::max(max_ms, 100));
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetMaxReceiveMessageSize(4 << 20);
  if (credentials == nullptr) credentials = grpc::InsecureChannelCredentials();
  return grpc::CreateCustomChannel(address, credentials, args);
}

// "a:7400,b:7400" -> {"a:7400", "b:7400"}; never empty.
std::vector<std::string> SplitControllers(const std::string& list) {
  std::vector<std::string> controllers = absl::StrSplit(list, ',', absl::SkipEmpty());
  if (controllers.empty()) controllers.push_back(list);
  return controllers;
}

}  // namespace

// Each dial gets a channel of its own, so a redial never inherits the backoff or the last
// error of a channel that failed before.
struct AgentSession::Connection {
  std::unique_ptr<v1::AgentGateway::Stub> stub;
  uint64_t epoch = 0;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::ControllerMessage>> stream;
  Outbox outbox;
  // Orders what the stream says of containers: a command's result or an engine event is
  // queued, and a heartbeat's list is taken and queued, under it. Each comes after the table
  // change it reports, so a list queued after a result has that result in it (a list taken
  // before a start finished and queued after its result would make the controller drop the
  // new container from its view until the next list).
  absl::Mutex send_mu;
  absl::Mutex mu;
  bool refresh_requested ABSL_GUARDED_BY(mu) = false;
  bool heartbeat_requested ABSL_GUARDED_BY(mu) = false;  // send one now, no need to list
  bool done ABSL_GUARDED_BY(mu) = false;
  // Who sends this stream's commands, from its Sync.
  std::string controller ABSL_GUARDED_BY(mu);
  int64_t leader_term ABSL_GUARDED_BY(mu) = 0;
  bool unchanged_heartbeats ABSL_GUARDED_BY(mu) = false;  // the controller takes them
  // --heartbeat-interval, or the longer one the controller paced this stream to.
  absl::Duration heartbeat_interval ABSL_GUARDED_BY(mu);
};

// Runtime events arrive on the runtime's thread, possibly after the session is gone; the
// relay forwards them only while the session lives.
struct AgentSession::EventRelay {
  absl::Mutex mu;
  AgentSession* session ABSL_GUARDED_BY(mu) = nullptr;
};

AgentSession::AgentSession(AgentSessionOptions options, ContainerRuntime* runtime,
                           AgentMetrics* metrics)
    : options_(std::move(options)),
      controllers_(SplitControllers(options_.controller)),
      credentials_(options_.credentials),
      metrics_(metrics),
      runtime_(runtime, options_.max_runtime_calls,
               options_.observe_runtime_calls ? metrics : nullptr),
      relay_(std::make_shared<EventRelay>()),
      executor_(
          options_.max_runtime_calls, [this](const v1::ControllerMessage& c) { return Execute(c); },
          [this](const std::string& id, const std::string& type, uint64_t epoch,
                 const CommandOutcome& outcome) { Report(id, type, epoch, outcome); }) {
  {
    absl::MutexLock lock(&relay_->mu);
    relay_->session = this;
  }
  runtime_.Watch([relay = relay_](const v1::ContainerEvent& event) {
    absl::MutexLock lock(&relay->mu);
    if (relay->session != nullptr) relay->session->OnRuntimeEvent(event);
  });
  if (metrics_ != nullptr) metrics_->SetConnected(false);
}

AgentSession::~AgentSession() {
  absl::MutexLock lock(&relay_->mu);
  relay_->session = nullptr;
}

bool AgentSession::ShuttingDown() const {
  absl::MutexLock lock(&mu_);
  return shutdown_;
}

void AgentSession::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
  if (current_ != nullptr) current_->context.TryCancel();
}

void AgentSession::Run() {
  Backoff backoff(options_.reconnect_backoff);
  // Controllers tried since one last answered: with several (a leader and standbys), one
  // that does not answer is followed at once by the next; the backoff applies per round.
  size_t unanswered = 0;
  while (!ShuttingDown()) {
    const Outcome outcome = ServeOnce();
    if (outcome == Outcome::kAnswered) {
      backoff.Reset();
      unanswered = 0;
    } else if (outcome == Outcome::kNoAnswer && controllers_.size() > 1) {
      controller_index_ = (controller_index_ + 1) % controllers_.size();
      if (++unanswered % controllers_.size() != 0) continue;
    }
    absl::Duration delay = backoff.Next();
    absl::MutexLock lock(&mu_);
    if (shutdown_) break;
    if (outcome == Outcome::kNoRuntime) {
      // The controller was not dialed: the engine is what to look at.
      LogInfo("asking the container runtime again",
              {{"runtime", runtime_.Name()}, {"in", delay}, {"attempt", backoff.attempts()}});
    } else {
      LogInfo("redialing the controller", {{"controller", controllers_[controller_index_]},
                                           {"in", delay},
                                           {"attempt", backoff.attempts()}});
    }
    mu_.AwaitWithTimeout(absl::Condition(&shutdown_), delay);
  }
  LogInfo("agent session stopped; containers are left running");
}

AgentSession::Outcome AgentSession::ServeOnce() {
  absl::StatusOr<v1::AgentMessage> hello = BuildHello();
  if (!hello.ok()) {
    LogWarn("cannot list the containers for the controller's Hello", {{"error", hello.status()}});
    return Outcome::kNoRuntime;
  }
  auto conn = std::make_shared<Connection>();
  {
    absl::MutexLock lock(&conn->mu);
    conn->heartbeat_interval = options_.heartbeat_interval;  // until a controller paces it
  }
  if (metrics_ != nullptr) metrics_->SetHeartbeatInterval(options_.heartbeat_interval);
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) return Outcome::kNoAnswer;
    conn->epoch = ++epoch_;
    current_ = conn;
  }
  if (options_.reload_credentials) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> fresh = options_.reload_credentials();
    if (fresh.ok()) {
      credentials_ = *std::move(fresh);
    } else {
      LogWarn("cannot read the TLS files again; dialing with the last good ones",
              {{"error", fresh.status()}});
    }
  }
  const std::string& controller = controllers_[controller_index_];
  conn->stub = v1::AgentGateway::NewStub(DialController(options_, controller, credentials_));
  conn->stream = conn->stub->Connect(&conn->context);
  const absl::Time began = absl::Now();
  bool answered = false;
  if (conn->stream->Write(*hello)) {
    connected_ = true;
    if (metrics_ != nullptr) metrics_->SetConnected(true);
    LogInfo("connected to the controller",
            {{"controller", controller}, {"containers", hello->hello().containers_size()}});
    std::thread writer([this, conn] {
      NameThisThread("stream-writer");
      WriterLoop(*conn);
    });
    std::thread heartbeat([this, conn] {
      NameThisThread("heartbeat");
      HeartbeatLoop(*conn);
    });
    v1::ControllerMessage message;
    while (conn->stream->Read(&message)) {
      answered = true;
      Dispatch(*conn, message);
    }
    connected_ = false;
    if (metrics_ != nullptr) metrics_->SetConnected(false);
    {
      absl::MutexLock lock(&conn->mu);
      conn->done = true;
    }
    conn->outbox.Close();
    writer.join();
    heartbeat.join();
  }
  {
    absl::MutexLock lock(&mu_);
    current_ = nullptr;
  }
  executor_.DropQueued();
  grpc::Status status = conn->stream->Finish();
  LogWarn("controller stream ended", {{"controller", controller},
                                      {"code", static_cast<int>(status.error_code())},
                                      {"error", status.error_message()}});
  return answered || absl::Now() - began >= kHealthyStream ? Outcome::kAnswered
                                                           : Outcome::kNoAnswer;
}

absl::StatusOr<v1::NodeCapacity> AgentSession::ResolveCapacity() {
  v1::NodeCapacity capacity;
  if (options_.cpu_millis == 0 || options_.memory_bytes == 0) {
    ASSIGN_OR_RETURN(capacity, runtime_.Capacity());
  }
  if (options_.cpu_millis > 0) capacity.set_cpu_millis(options_.cpu_millis);
  if (options_.memory_bytes > 0) capacity.set_memory_bytes(options_.memory_bytes);
  capacity.set_max_containers(options_.max_containers);
  capacity.set_ports(options_.host_ports);
  return capacity;
}

absl::Status AgentSession::RefreshTable(bool wait_for_slot) {
  const uint64_t since = table_.Sequence();
  absl::StatusOr<std::vector<v1::Container>> listed;
  if (wait_for_slot) {
    listed = runtime_.List();
  } else {
    auto tried = runtime_.TryList();
    if (!tried.has_value()) return absl::OkStatus();  // busy: events keep the table current
    listed = std::move(*tried);
  }
  if (!listed.ok()) return listed.status();
  table_.ReplaceAll(*listed, since);
  return absl::OkStatus();
}

absl::StatusOr<v1::AgentMessage> AgentSession::BuildHello() {
  ASSIGN_OR_RETURN(v1::NodeCapacity capacity, ResolveCapacity());
  RETURN_IF_ERROR(Annotate(RefreshTable(/*wait_for_slot=*/true), "listing containers"));
  v1::AgentMessage message;
  v1::Hello* hello = message.mutable_hello();
  hello->set_node_name(options_.node_name);
  *hello->mutable_capacity() = capacity;
  hello->mutable_labels()->insert(options_.labels.begin(), options_.labels.end());
  hello->set_advertise_address(options_.advertise_address);
  hello->set_agent_version(options_.agent_version);
  hello->set_runtime(runtime_.Name());
  hello->set_cluster(options_.cluster);
  hello->set_accepts_batches(true);
  for (v1::Container& c : table_.Snapshot()) {
    StampNode(&c);
    *hello->add_containers() = std::move(c);
  }
  return message;
}

void AgentSession::WriterLoop(Connection& conn) {
  std::vector<v1::AgentMessage> messages;
  while (conn.outbox.PopAll(&messages)) {
    for (size_t i = 0; i < messages.size(); ++i) {
      grpc::WriteOptions options;
      // All but the last of a burst may wait in gRPC's buffer: one flush for them all.
      if (i + 1 < messages.size()) options.set_buffer_hint();
      if (!conn.stream->Write(messages[i], options)) {
        conn.context.TryCancel();  // the reader sees the end of the stream and cleans up
        return;
      }
    }
  }
}

void AgentSession::HeartbeatLoop(Connection& conn) {
  absl::Time next = absl::Now() + options_.heartbeat_interval;
  absl::Duration interval = options_.heartbeat_interval;
  // The last list this stream carried, serialized, and when: an unchanged list is not sent
  // again (if the controller takes that) until kFullHeartbeatEvery has passed.
  std::string last_list;
  absl::Time last_list_at = absl::InfinitePast();
  while (true) {
    bool refresh = false;
    bool unchanged_ok = false;
    {
      absl::MutexLock lock(&conn.mu);
      auto wake = [&conn]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(conn.mu) {
        return conn.done || conn.refresh_requested || conn.heartbeat_requested;
      };
      conn.mu.AwaitWithDeadline(absl::Condition(&wake), next);
      if (conn.done) return;
      refresh = conn.refresh_requested;
      unchanged_ok = conn.unchanged_heartbeats;
      interval = conn.heartbeat_interval;
      conn.refresh_requested = false;
      conn.heartbeat_requested = false;
    }
    absl::Status listed = RefreshTable(/*wait_for_slot=*/refresh);
    if (!listed.ok()) LogWarn("cannot list containers", {{"error", listed}});
    {
      absl::MutexLock order(&conn.send_mu);  // the list, and its place in the stream
      v1::AgentMessage message;
      v1::Heartbeat* heartbeat = message.mutable_heartbeat();  // set even when empty
      std::vector<v1::Container> containers = table_.Snapshot();
      if (metrics_ != nullptr) metrics_->SetContainers(containers);
      for (v1::Container& c : containers) {
        StampNode(&c);
        *heartbeat->add_containers() = std::move(c);
      }
      const absl::Time now = absl::Now();
      std::string list = heartbeat->SerializeAsString();
      // A Sync asks for a fresh listing (refresh): that one always goes out in full.
      if (!refresh && unchanged_ok && list == last_list &&
          now - last_list_at < kFullHeartbeatEvery) {
        heartbeat->Clear();
        heartbeat->set_unchanged(true);
      } else {
        last_list = std::move(list);
        last_list_at = now;
      }
      conn.outbox.Push(std::move(message));
    }
    // The next one an interval after this one, however early this one came: a heartbeat
    // sent early (a Sync's refresh, a container's event) must not push the one after it to
    // almost two intervals away (with a 6 s interval, 12 s: past a 10 s node timeout).
    next = absl::Now() + interval;
  }
}

void AgentSession::Dispatch(Connection& conn, const v1::ControllerMessage& message) {
  if (IsContainerCommand(message)) {
    if (options_.command_log != nullptr) {
      ReceivedCommand received{absl::ToUnixMillis(absl::Now()),
                               "",
                               0,
                               CommandType(message),
                               CommandInstance(message),
                               message.command_id()};
      {
        absl::MutexLock lock(&conn.mu);
        received.controller = conn.controller;
        received.leader_term = conn.leader_term;
      }
      options_.command_log->Add(std::move(received));
    }
    executor_.Submit(message, conn.epoch);
    return;
  }
  switch (message.body_case()) {
    case v1::ControllerMessage::kSync:
      HandleSync(conn, message.sync());
      if (metrics_ != nullptr) metrics_->CountCommand("sync", true);
      return;
    case v1::ControllerMessage::kPace: {
      // Never slower than a minute, whatever a controller says.
      const absl::Duration paced =
          std::min(absl::Milliseconds(message.pace().heartbeat_interval_ms()), kSlowestHeartbeat);
      const absl::Duration interval = std::max(options_.heartbeat_interval, paced);
      if (metrics_ != nullptr) metrics_->SetHeartbeatInterval(interval);
      absl::MutexLock lock(&conn.mu);
      conn.heartbeat_interval = interval;
      conn.heartbeat_requested = true;  // one now, then the new interval from it
      return;
    }
    case v1::ControllerMessage::kBatch:
      for (const v1::ControllerMessage& command : message.batch().commands()) {
        if (IsContainerCommand(command)) {
          Dispatch(conn, command);
        } else {
          Report(command.command_id(), "unknown", conn.epoch,
                 CommandOutcome{
                     absl::InvalidArgumentError("a batch holds only start, stop, pause and resume"),
                     std::nullopt});
        }
      }
      return;
    default:
      Report(message.command_id(), "unknown", conn.epoch,
             CommandOutcome{absl::InvalidArgumentError("unknown command"), std::nullopt});
  }
}

void AgentSession::HandleSync(Connection& conn, const v1::Sync& sync) {
  host_network_allowed_ = sync.host_network_allowed();
  std::set<std::string> wanted;
  for (const v1::Container& c : sync.containers()) wanted.insert(c.instance());
  int unexpected = 0;
  for (const v1::Container& c : table_.Snapshot()) unexpected += wanted.count(c.instance()) == 0;
  LogInfo("sync from the controller", {{"controller", sync.controller()},
                                       {"leader_term", sync.leader_term()},
                                       {"wanted", static_cast<int>(wanted.size())},
                                       {"not_wanted_here", unexpected}});
  absl::MutexLock lock(&conn.mu);
  conn.refresh_requested = true;
  conn.controller = sync.controller();
  conn.leader_term = sync.leader_term();
  conn.unchanged_heartbeats = sync.unchanged_heartbeats();
}

CommandOutcome AgentSession::Execute(const v1::ControllerMessage& command) {
  const std::string instance = CommandInstance(command);
  HoldEvents(instance, command);
  CommandOutcome outcome = Perform(command, instance);
  ReleaseEvents(instance, outcome.status.ok());
  return outcome;
}

void AgentSession::HoldEvents(const std::string& instance, const v1::ControllerMessage& command) {
  if (instance.empty()) return;
  Holding holding;
  switch (command.body_case()) {
    case v1::ControllerMessage::kStart:
      holding.kinds = {v1::ContainerEvent::STARTED};
      if (command.start().spec().start_paused()) {
        holding.kinds.push_back(v1::ContainerEvent::PAUSED);
      }
      break;
    case v1::ControllerMessage::kStop:
      holding.kinds = {v1::ContainerEvent::EXITED, v1::ContainerEvent::REMOVED};
      break;
    case v1::ControllerMessage::kPause:
      holding.kinds = {v1::ContainerEvent::PAUSED};
      break;
    case v1::ControllerMessage::kResume:
      holding.kinds = {v1::ContainerEvent::RESUMED};
      break;
    default:
      return;
  }
  absl::MutexLock lock(&holding_mu_);
  holding_.insert_or_assign(instance, std::move(holding));
}

void AgentSession::ReleaseEvents(const std::string& instance, bool succeeded) {
  if (instance.empty()) return;
  std::shared_ptr<Connection> conn = CurrentConnection();
  std::optional<absl::MutexLock> order;
  if (conn != nullptr) order.emplace(&conn->send_mu);
  std::vector<v1::AgentMessage> held;
  {
    absl::MutexLock lock(&holding_mu_);
    auto it = holding_.find(instance);
    if (it == holding_.end()) return;
    held = std::move(it->second.held);
    holding_.erase(it);
  }
  // Sent before the result (Report follows), in the order they came.
  if (succeeded || conn == nullptr) return;
  for (v1::AgentMessage& message : held) conn->outbox.Push(std::move(message));
}

CommandOutcome AgentSession::Perform(const v1::ControllerMessage& command,
                                     const std::string& instance) {
  absl::StatusOr<v1::Container> result;
  switch (command.body_case()) {
    case v1::ControllerMessage::kStart: {
      SpecPolicy policy;
      policy.host_network_allowed = host_network_allowed_;
      if (absl::Status allowed = CheckSpecAllowed(command.start().spec(), policy); !allowed.ok()) {
        return {allowed, std::nullopt};
      }
      result = runtime_.Start(instance, command.start().spec());
      break;
    }
    case v1::ControllerMessage::kPause:
      result = runtime_.Pause(instance);
      break;
    case v1::ControllerMessage::kResume:
      result = runtime_.Resume(instance);
      break;
    case v1::ControllerMessage::kStop: {
      v1::Container gone = table_.Find(instance).value_or(v1::Container());
      absl::Status stopped =
          runtime_.Stop(instance, absl::Seconds(command.stop().timeout_seconds()));
      if (!stopped.ok()) return {stopped, std::nullopt};
      table_.Remove(instance);
      gone.set_instance(instance);
      gone.set_state(v1::CONTAINER_STATE_EXITED);
      return {absl::OkStatus(), gone};
    }
    default:
      return {absl::InvalidArgumentError("unknown command"), std::nullopt};
  }
  if (!result.ok()) return {result.status(), std::nullopt};
  table_.Upsert(*result);
  return {absl::OkStatus(), *result};
}

void AgentSession::Report(const std::string& command_id, const std::string& type, uint64_t epoch,
                          const CommandOutcome& outcome) {
  if (metrics_ != nullptr) metrics_->CountCommand(type, outcome.status.ok());
  if (!outcome.status.ok()) {
    LogWarn("command failed",
            {{"command_id", command_id}, {"type", type}, {"error", outcome.status}});
  }
  v1::AgentMessage message;
  v1::CommandResult* result = message.mutable_result();
  result->set_command_id(command_id);
  result->set_ok(outcome.status.ok());
  if (!outcome.status.ok()) result->set_error(outcome.status.ToString());
  if (outcome.container) {
    *result->mutable_container() = *outcome.container;
    StampNode(result->mutable_container());
  }
  Send(std::move(message), epoch);
}

void AgentSession::OnRuntimeEvent(const v1::ContainerEvent& event) {
  std::shared_ptr<Connection> conn = CurrentConnection();
  if (event.kind() == v1::ContainerEvent::KIND_UNSPECIFIED) {
    // A health change: the controller learns it from the table, in a heartbeat sent now.
    table_.ApplyEvent(event);
    if (conn == nullptr) return;
    absl::MutexLock lock(&conn->mu);
    conn->heartbeat_requested = true;
    return;
  }
  if (conn == nullptr) {
    table_.ApplyEvent(event);
    return;
  }
  v1::AgentMessage message;
  *message.mutable_event() = event;
  StampNode(message.mutable_event()->mutable_container());
  // The table change and its place in the stream together (see Connection::send_mu): an
  // exit applied before a stop's removal is queued before the stop's result, and one that
  // comes after it is dropped (ContainerTable::ApplyEvent), so the controller never sees a
  // stopped container come back as exited.
  absl::MutexLock order(&conn->send_mu);
  const ContainerTable::EventEffect effect = table_.ApplyEvent(event);
  if (effect == ContainerTable::EventEffect::kIgnored) return;
  // News of nothing: the table already said it, and everything the table says has gone out
  // or is queued (a start's result, queued before its engine event came). An OOM kill
  // still goes out: the controller records it as an event for the user.
  if (effect == ContainerTable::EventEffect::kUnchanged &&
      event.kind() != v1::ContainerEvent::OOM_KILLED) {
    return;
  }
  {
    absl::MutexLock lock(&holding_mu_);
    auto it = holding_.find(event.container().instance());
    if (it != holding_.end()) {
      Holding& holding = it->second;
      if (absl::c_linear_search(holding.kinds, event.kind())) {
        holding.held.push_back(std::move(message));
        return;
      }
      // Not the command's own outcome (an exit during a start, say): what was held goes
      // first, and this command holds nothing more.
      for (v1::AgentMessage& held : holding.held) conn->outbox.Push(std::move(held));
      holding.held.clear();
      holding.kinds.clear();
    }
  }
  conn->outbox.Push(std::move(message));
}

std::shared_ptr<AgentSession::Connection> AgentSession::CurrentConnection() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

bool AgentSession::Send(v1::AgentMessage message, uint64_t epoch) {
  std::shared_ptr<Connection> conn = CurrentConnection();
  if (conn == nullptr || (epoch != 0 && conn->epoch != epoch)) return false;
  absl::MutexLock order(&conn->send_mu);
  return conn->outbox.Push(std::move(message));
}

void AgentSession::StampNode(v1::Container* container) const {
  if (container->node().empty()) container->set_node(options_.node_name);
}

}  // namespace microscale
