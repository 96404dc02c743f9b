#include "node-agent/sim/sim_runtime.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node-agent/core/published_ports.h"

namespace microscale {
namespace {

bool InTransition(const v1::Container& c) {
  return c.state() == v1::CONTAINER_STATE_STARTING || c.state() == v1::CONTAINER_STATE_STOPPING;
}

bool IsLive(const v1::Container& c) {
  return c.state() == v1::CONTAINER_STATE_RUNNING || c.state() == v1::CONTAINER_STATE_PAUSED;
}

// A simulated health check passes as soon as the container runs.
void SetState(v1::Container* c, v1::ContainerState state) {
  c->set_state(state);
  if (state == v1::CONTAINER_STATE_RUNNING && c->health() != v1::HEALTH_UNSPECIFIED) {
    c->set_health(v1::HEALTH_HEALTHY);
  }
}

}  // namespace

SimulatedContainerRuntime::SimulatedContainerRuntime(SimRuntimeOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &RealClock::Get()),
      ports_(options_.port_range) {}

SimulatedContainerRuntime::~SimulatedContainerRuntime() {
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
  }
  if (dispatcher_.joinable()) dispatcher_.join();
}

absl::StatusOr<v1::NodeCapacity> SimulatedContainerRuntime::Capacity() {
  v1::NodeCapacity capacity;
  capacity.set_cpu_millis(options_.cpu_millis);
  capacity.set_memory_bytes(options_.memory_bytes);
  return capacity;
}

absl::StatusOr<std::vector<v1::Container>> SimulatedContainerRuntime::List() {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Container> out;
  out.reserve(containers_.size());
  for (const auto& [instance, c] : containers_) out.push_back(c);
  return out;
}

bool SimulatedContainerRuntime::Settled(const std::string* instance) const {
  auto it = containers_.find(*instance);
  return it == containers_.end() || !InTransition(it->second);
}

void SimulatedContainerRuntime::WaitSettled(const std::string& instance) {
  auto settled = [this, &instance]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return Settled(&instance); };
  mu_.Await(absl::Condition(&settled));
}

absl::StatusOr<v1::Container> SimulatedContainerRuntime::Start(const std::string& instance,
                                                               const v1::ContainerSpec& spec) {
  if (instance.empty()) return absl::InvalidArgumentError("empty instance id");
  {
    absl::MutexLock lock(&mu_);
    WaitSettled(instance);
    auto it = containers_.find(instance);
    if (it != containers_.end() && IsLive(it->second)) return it->second;
    // An exited container of the instance is replaced: its ports go with it.
    absl::StatusOr<std::vector<int>> picked =
        ports_.Allocate(instance, HostPortsToPick(spec), /*free_on_host=*/nullptr);
    if (!picked.ok()) return picked.status();
    v1::Container c;
    c.set_instance(instance);
    c.set_app(spec.app());
    c.set_node(options_.node);
    for (v1::PublishedPort& p : PublishedPorts(spec, *picked)) *c.add_ports() = std::move(p);
    ports_.Hold(instance, HostPortsOf(c));  // a host-network container's own ports too
    c.set_state(v1::CONTAINER_STATE_STARTING);
    if (!spec.health_check().command().empty()) c.set_health(v1::HEALTH_STARTING);
    c.set_container_id(absl::StrFormat("sim-%012x", next_id_++));
    containers_[instance] = std::move(c);
  }
  clock_->SleepFor(options_.start_delay);
  absl::MutexLock lock(&mu_);
  // Other callers wait while the record is STARTING, so it is still ours to finish.
  v1::Container& c = containers_[instance];
  SetState(&c, spec.start_paused() ? v1::CONTAINER_STATE_PAUSED : v1::CONTAINER_STATE_RUNNING);
  c.set_started_unix_ms(absl::ToUnixMillis(clock_->Now()));
  Emit(v1::ContainerEvent::STARTED, c);
  if (spec.start_paused()) Emit(v1::ContainerEvent::PAUSED, c);
  return c;
}

absl::Status SimulatedContainerRuntime::Stop(const std::string& instance, absl::Duration) {
  {
    absl::MutexLock lock(&mu_);
    WaitSettled(instance);
    auto it = containers_.find(instance);
    if (it == containers_.end()) return absl::OkStatus();
    it->second.set_state(v1::CONTAINER_STATE_STOPPING);
  }
  clock_->SleepFor(options_.stop_delay);
  absl::MutexLock lock(&mu_);
  auto it = containers_.find(instance);
  v1::Container c = std::move(it->second);
  containers_.erase(it);
  ports_.Release(instance);
  c.set_state(v1::CONTAINER_STATE_EXITED);
  Emit(v1::ContainerEvent::EXITED, c, c.exit_code());
  Emit(v1::ContainerEvent::REMOVED, c);
  return absl::OkStatus();
}

absl::StatusOr<v1::Container> SimulatedContainerRuntime::Pause(const std::string& instance) {
  return SetPaused(instance, true);
}

absl::StatusOr<v1::Container> SimulatedContainerRuntime::Resume(const std::string& instance) {
  return SetPaused(instance, false);
}

absl::StatusOr<v1::Container> SimulatedContainerRuntime::SetPaused(const std::string& instance,
                                                                   bool paused) {
  absl::MutexLock lock(&mu_);
  WaitSettled(instance);
  auto it = containers_.find(instance);
  if (it == containers_.end()) {
    return absl::NotFoundError(absl::StrCat("no simulated container for instance ", instance));
  }
  v1::Container& c = it->second;
  auto wanted = paused ? v1::CONTAINER_STATE_PAUSED : v1::CONTAINER_STATE_RUNNING;
  if (c.state() == wanted) return c;
  if (!IsLive(c)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", paused ? "pause " : "resume ", instance, ": it has exited"));
  }
  SetState(&c, wanted);
  Emit(paused ? v1::ContainerEvent::PAUSED : v1::ContainerEvent::RESUMED, c);
  return c;
}

absl::Status SimulatedContainerRuntime::SimulateExit(const std::string& instance, int exit_code,
                                                     bool oom_killed) {
  absl::MutexLock lock(&mu_);
  WaitSettled(instance);
  auto it = containers_.find(instance);
  if (it == containers_.end() || !IsLive(it->second)) {
    return absl::NotFoundError(absl::StrCat("no live simulated container for ", instance));
  }
  v1::Container& c = it->second;
  c.set_state(v1::CONTAINER_STATE_EXITED);
  c.set_exit_code(exit_code);
  if (oom_killed) Emit(v1::ContainerEvent::OOM_KILLED, c);
  Emit(v1::ContainerEvent::EXITED, c, exit_code);
  return absl::OkStatus();
}

void SimulatedContainerRuntime::Emit(v1::ContainerEvent::Kind kind, const v1::Container& c,
                                     int exit_code) {
  if (!watching_) return;
  v1::ContainerEvent event;
  event.set_kind(kind);
  *event.mutable_container() = c;
  event.set_exit_code(exit_code);
  events_.push_back(std::move(event));
}

void SimulatedContainerRuntime::Watch(ContainerEventSink sink) {
  absl::MutexLock lock(&mu_);
  if (watching_) return;
  watching_ = true;
  dispatcher_ = std::thread([this, sink = std::move(sink)] { Dispatch(sink); });
}

void SimulatedContainerRuntime::Dispatch(const ContainerEventSink& sink) {
  auto ready = [this]()
                   ABSL_NO_THREAD_SAFETY_ANALYSIS { return !events_.empty() || shutting_down_; };
  while (true) {
    v1::ContainerEvent event;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&ready));
      if (events_.empty()) return;  // shutting down with nothing left to deliver
      event = std::move(events_.front());
      events_.pop_front();
    }
    sink(event);
  }
}

}  // namespace microscale
