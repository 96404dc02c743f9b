#include "controller/server/testing/fake_agent.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace microscale {

FakeAgent::FakeAgent(FakeAgentOptions options) : options_(std::move(options)) {}

FakeAgent::~FakeAgent() { Disconnect(); }

absl::Status FakeAgent::Connect(const std::string& target, absl::Duration timeout) {
  Disconnect();  // joins the threads of a stream the controller may have ended
  absl::MutexLock lock(&mu_);
  stub_ =
      v1::AgentGateway::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  context_ = std::make_unique<grpc::ClientContext>();
  stream_ = stub_->Connect(context_.get());
  stream_open_ = true;
  last_status_.reset();
  const size_t syncs_before = syncs_.size();
  v1::AgentMessage hello;
  v1::Hello* h = hello.mutable_hello();
  h->set_node_name(options_.node);
  h->set_cluster(options_.cluster);
  h->set_agent_version("fake");
  h->set_runtime("fake");
  h->mutable_capacity()->set_cpu_millis(options_.cpu_millis);
  h->mutable_capacity()->set_memory_bytes(options_.memory_bytes);
  h->mutable_capacity()->set_max_containers(options_.max_containers);
  h->mutable_capacity()->set_ports(options_.ports);
  for (const auto& [instance, container] : containers_) *h->add_containers() = container;
  Write(hello);
  reader_ = std::thread([this] { ReadLoop(); });
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
  auto answered = [this, syncs_before]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return syncs_.size() > syncs_before || last_status_.has_value();
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&answered), timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat(options_.node, ": no Sync within ", absl::FormatDuration(timeout)));
  }
  if (syncs_.size() > syncs_before) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(last_status_->error_code()),
                      last_status_->error_message());
}

void FakeAgent::Disconnect() {
  {
    absl::MutexLock lock(&mu_);
    if (context_ == nullptr) return;
    stopping_ = true;
    context_->TryCancel();
  }
  if (reader_.joinable()) reader_.join();
  if (heartbeat_.joinable()) heartbeat_.join();
  absl::MutexLock lock(&mu_);
  stream_.reset();
  context_.reset();
  stub_.reset();
  stopping_ = false;
}

bool FakeAgent::connected() const {
  absl::MutexLock lock(&mu_);
  return stream_open_;
}

void FakeAgent::ReadLoop() {
  Stream* stream = nullptr;
  {
    absl::MutexLock lock(&mu_);
    stream = stream_.get();
  }
  v1::ControllerMessage message;
  while (stream->Read(&message)) {
    absl::MutexLock lock(&mu_);
    Handle(message);
  }
  absl::MutexLock lock(&mu_);
  stream_open_ = false;
  last_status_ = stream->Finish();
}

void FakeAgent::HeartbeatLoop() {
  absl::MutexLock lock(&mu_);
  auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || !stream_open_; };
  while (!mu_.AwaitWithTimeout(absl::Condition(&woken), options_.heartbeat_every)) {
    if (heartbeating_) Write(HeartbeatMessage());
  }
}

void FakeAgent::SetHeartbeating(bool on) {
  absl::MutexLock lock(&mu_);
  heartbeating_ = on;
}

void FakeAgent::HeartbeatNow() {
  absl::MutexLock lock(&mu_);
  Write(HeartbeatMessage());
}

void FakeAgent::FailStops(const std::string& error) {
  absl::MutexLock lock(&mu_);
  failing_stops_ = error;
}

void FakeAgent::FailStartsOf(const std::string& app, const std::string& error) {
  absl::MutexLock lock(&mu_);
  if (error.empty()) {
    failing_apps_.erase(app);
  } else {
    failing_apps_[app] = error;
  }
}

void FakeAgent::LoseNextCommands(int n) {
  absl::MutexLock lock(&mu_);
  lose_next_ = n;
}

std::vector<std::string> FakeAgent::Lost() const {
  absl::MutexLock lock(&mu_);
  return lost_;
}

void FakeAgent::ExitContainer(const std::string& instance, int32_t code) {
  absl::MutexLock lock(&mu_);
  auto it = containers_.find(instance);
  if (it == containers_.end()) return;
  it->second.set_state(v1::CONTAINER_STATE_EXITED);
  it->second.set_exit_code(code);
  v1::AgentMessage message;
  v1::ContainerEvent* event = message.mutable_event();
  event->set_kind(v1::ContainerEvent::EXITED);
  event->set_exit_code(code);
  *event->mutable_container() = it->second;
  Write(message);
}

void FakeAgent::Handle(const v1::ControllerMessage& message) {
  v1::CommandResult result;
  if (message.has_batch()) {  // sent only to an agent whose Hello offers batches
    for (const v1::ControllerMessage& each : message.batch().commands()) Handle(each);
    return;
  }
  const bool command = message.body_case() != v1::ControllerMessage::kSync &&
                       message.body_case() != v1::ControllerMessage::kPace;
  if (command && lose_next_ > 0) {
    --lose_next_;
    lost_.push_back(message.has_start()  ? message.start().instance()
                    : message.has_stop() ? message.stop().instance()
                                         : "");
    return;
  }
  switch (message.body_case()) {
    case v1::ControllerMessage::kSync:
      syncs_.push_back(message.sync());
      return;
    case v1::ControllerMessage::kPace:  // heartbeats are the test's to send
      return;
    case v1::ControllerMessage::kStart:
      result = Start(message.start());
      break;
    case v1::ControllerMessage::kStop:
      result = Stop(message.stop());
      break;
    case v1::ControllerMessage::kPause:
      result = SetState(message.pause().instance(), v1::CONTAINER_STATE_PAUSED);
      break;
    case v1::ControllerMessage::kResume:
      result = SetState(message.resume().instance(), v1::CONTAINER_STATE_RUNNING);
      break;
    case v1::ControllerMessage::kBatch:
    case v1::ControllerMessage::BODY_NOT_SET:
      return;
  }
  result.set_command_id(message.command_id());
  v1::AgentMessage reply;
  *reply.mutable_result() = std::move(result);
  Write(reply);
}

v1::CommandResult FakeAgent::Start(const v1::StartContainer& start) {
  starts_.push_back(start.instance());
  v1::CommandResult result;
  auto failing = failing_apps_.find(start.spec().app());
  if (failing != failing_apps_.end()) {
    result.set_ok(false);
    result.set_error(failing->second);
    return result;
  }
  auto [it, inserted] = containers_.try_emplace(start.instance());
  v1::Container& c = it->second;
  if (inserted) {
    c.set_instance(start.instance());
    c.set_app(start.spec().app());
    c.set_node(options_.node);
    c.set_container_id(absl::StrCat("fake-", options_.node, "-", next_container_id_++));
    c.set_started_unix_ms(absl::ToUnixMillis(absl::Now()));
    c.set_state(start.spec().start_paused() ? v1::CONTAINER_STATE_PAUSED
                                            : v1::CONTAINER_STATE_RUNNING);
    c.set_standby(start.spec().start_paused());
    // The engine checks health from the start: not healthy yet.
    if (start.spec().has_health_check()) c.set_health(v1::HEALTH_STARTING);
    // Published as an agent would: bridge ports on host ports of their own, host ones as is.
    for (const v1::PortSpec& port : start.spec().ports()) {
      v1::PublishedPort& p = *c.add_ports();
      p.set_name(port.name());
      p.set_container_port(port.container_port());
      p.set_host_port(start.spec().network() == "host" ? port.container_port() : next_host_port_++);
    }
  }
  if (c.state() == v1::CONTAINER_STATE_STARTING) c.set_state(v1::CONTAINER_STATE_RUNNING);
  result.set_ok(true);
  *result.mutable_container() = c;
  return result;
}

void FakeAgent::Hold(const v1::Container& container) {
  absl::MutexLock lock(&mu_);
  containers_[container.instance()] = container;
}

v1::CommandResult FakeAgent::Stop(const v1::StopContainer& stop) {
  stops_.push_back(stop.instance());
  stop_received_.try_emplace(stop.instance(), absl::Now());
  v1::CommandResult result;
  if (!failing_stops_.empty()) {
    result.set_ok(false);
    result.set_error(failing_stops_);
    return result;
  }
  containers_.erase(stop.instance());
  result.set_ok(true);
  return result;
}

v1::CommandResult FakeAgent::SetState(const std::string& instance, v1::ContainerState state) {
  v1::CommandResult result;
  auto it = containers_.find(instance);
  if (it == containers_.end()) {
    result.set_ok(false);
    result.set_error(absl::StrCat("no container ", instance));
    return result;
  }
  it->second.set_state(state);
  result.set_ok(true);
  *result.mutable_container() = it->second;
  return result;
}

void FakeAgent::Write(const v1::AgentMessage& message) {
  if (stream_ != nullptr && stream_open_) stream_->Write(message);
}

v1::AgentMessage FakeAgent::HeartbeatMessage() const {
  v1::AgentMessage message;
  v1::Heartbeat* heartbeat = message.mutable_heartbeat();
  for (const auto& [instance, container] : containers_) *heartbeat->add_containers() = container;
  return message;
}

std::map<std::string, v1::Container> FakeAgent::Containers() const {
  absl::MutexLock lock(&mu_);
  return containers_;
}

int FakeAgent::Running(const std::string& app) const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& [instance, c] : containers_) {
    if (c.app() == app && c.state() == v1::CONTAINER_STATE_RUNNING) ++n;
  }
  return n;
}

std::vector<std::string> FakeAgent::Starts() const {
  absl::MutexLock lock(&mu_);
  return starts_;
}

void FakeAgent::SetHealth(const std::string& instance, v1::Health health) {
  {
    absl::MutexLock lock(&mu_);
    auto it = containers_.find(instance);
    if (it == containers_.end()) return;
    it->second.set_health(health);
  }
  HeartbeatNow();
}

std::optional<absl::Time> FakeAgent::StopReceivedAt(const std::string& instance) const {
  absl::MutexLock lock(&mu_);
  auto it = stop_received_.find(instance);
  if (it == stop_received_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeAgent::Stops() const {
  absl::MutexLock lock(&mu_);
  return stops_;
}

std::vector<v1::Sync> FakeAgent::Syncs() const {
  absl::MutexLock lock(&mu_);
  return syncs_;
}

std::optional<grpc::Status> FakeAgent::last_stream_status() const {
  absl::MutexLock lock(&mu_);
  return last_status_;
}

}  // namespace microscale
