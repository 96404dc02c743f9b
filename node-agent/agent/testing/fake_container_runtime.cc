#include "node-agent/agent/testing/fake_container_runtime.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace microscale {

void FakeContainerRuntime::Enter() {
  ++total_calls_;
  ++in_flight_;
  max_in_flight_ = std::max(max_in_flight_, in_flight_);
}

void FakeContainerRuntime::Leave() { --in_flight_; }

absl::StatusOr<v1::NodeCapacity> FakeContainerRuntime::Capacity() {
  v1::NodeCapacity capacity;
  capacity.set_cpu_millis(4000);
  capacity.set_memory_bytes(int64_t{8} << 30);
  return capacity;
}

absl::StatusOr<std::vector<v1::Container>> FakeContainerRuntime::List() {
  absl::MutexLock lock(&mu_);
  Enter();
  std::vector<v1::Container> out;
  for (const auto& [instance, c] : containers_) out.push_back(c);
  Leave();
  return out;
}

absl::StatusOr<v1::Container> FakeContainerRuntime::Start(const std::string& instance,
                                                          const v1::ContainerSpec& spec) {
  absl::MutexLock lock(&mu_);
  Enter();
  ++start_calls_[instance];
  ++blocked_starts_;
  mu_.Await(absl::Condition(
      +[](bool* hold) { return !*hold; }, &hold_starts_));
  --blocked_starts_;
  absl::StatusOr<v1::Container> result;
  if (!start_error_.ok()) {
    result = start_error_;
  } else if (auto it = containers_.find(instance); it != containers_.end()) {
    result = it->second;
  } else {
    v1::Container c;
    c.set_instance(instance);
    c.set_app(spec.app());
    c.set_state(spec.start_paused() ? v1::CONTAINER_STATE_PAUSED : v1::CONTAINER_STATE_RUNNING);
    c.set_container_id(absl::StrCat("fake-", ++next_id_));
    containers_[instance] = c;
    result = c;
  }
  Leave();
  return result;
}

absl::Status FakeContainerRuntime::Stop(const std::string& instance, absl::Duration) {
  absl::MutexLock lock(&mu_);
  Enter();
  ++stop_calls_[instance];
  containers_.erase(instance);
  Leave();
  return absl::OkStatus();
}

absl::StatusOr<v1::Container> FakeContainerRuntime::Pause(const std::string& instance) {
  absl::MutexLock lock(&mu_);
  Enter();
  auto it = containers_.find(instance);
  absl::StatusOr<v1::Container> result = absl::NotFoundError(instance);
  if (it != containers_.end()) {
    it->second.set_state(v1::CONTAINER_STATE_PAUSED);
    result = it->second;
  }
  Leave();
  return result;
}

absl::StatusOr<v1::Container> FakeContainerRuntime::Resume(const std::string& instance) {
  absl::MutexLock lock(&mu_);
  Enter();
  auto it = containers_.find(instance);
  absl::StatusOr<v1::Container> result = absl::NotFoundError(instance);
  if (it != containers_.end()) {
    it->second.set_state(v1::CONTAINER_STATE_RUNNING);
    result = it->second;
  }
  Leave();
  return result;
}

void FakeContainerRuntime::Watch(ContainerEventSink sink) {
  absl::MutexLock lock(&mu_);
  sink_ = std::move(sink);
}

void FakeContainerRuntime::AddExisting(const v1::Container& container) {
  absl::MutexLock lock(&mu_);
  containers_[container.instance()] = container;
}

void FakeContainerRuntime::HoldStarts() {
  absl::MutexLock lock(&mu_);
  hold_starts_ = true;
}

void FakeContainerRuntime::ReleaseStarts() {
  absl::MutexLock lock(&mu_);
  hold_starts_ = false;
}

void FakeContainerRuntime::FailStarts(absl::Status status) {
  absl::MutexLock lock(&mu_);
  start_error_ = std::move(status);
}

void FakeContainerRuntime::Emit(const v1::ContainerEvent& event) {
  ContainerEventSink sink;
  {
    absl::MutexLock lock(&mu_);
    sink = sink_;
    const std::string& instance = event.container().instance();
    if (event.kind() == v1::ContainerEvent::REMOVED) {
      containers_.erase(instance);
    } else if (event.kind() == v1::ContainerEvent::EXITED ||
               event.kind() == v1::ContainerEvent::OOM_KILLED) {
      // The exit of a container that is gone (a late event of its stop) lists nothing.
      auto it = containers_.find(instance);
      if (it != containers_.end()) {
        it->second.set_state(v1::CONTAINER_STATE_EXITED);
        it->second.set_exit_code(event.exit_code());
      }
    }
  }
  if (sink) sink(event);
}

std::map<std::string, v1::Container> FakeContainerRuntime::containers() const {
  absl::MutexLock lock(&mu_);
  return containers_;
}

int FakeContainerRuntime::start_calls(const std::string& instance) const {
  absl::MutexLock lock(&mu_);
  auto it = start_calls_.find(instance);
  return it == start_calls_.end() ? 0 : it->second;
}

int FakeContainerRuntime::stop_calls(const std::string& instance) const {
  absl::MutexLock lock(&mu_);
  auto it = stop_calls_.find(instance);
  return it == stop_calls_.end() ? 0 : it->second;
}

int FakeContainerRuntime::total_calls() const {
  absl::MutexLock lock(&mu_);
  return total_calls_;
}

int FakeContainerRuntime::in_flight() const {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

int FakeContainerRuntime::max_in_flight() const {
  absl::MutexLock lock(&mu_);
  return max_in_flight_;
}

int FakeContainerRuntime::blocked_starts() const {
  absl::MutexLock lock(&mu_);
  return blocked_starts_;
}

bool FakeContainerRuntime::watching() const {
  absl::MutexLock lock(&mu_);
  return static_cast<bool>(sink_);
}

}  // namespace microscale
