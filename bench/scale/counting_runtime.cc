#include "bench/scale/counting_runtime.h"

#include <utility>

namespace microscale {

CountingRuntime::CountingRuntime(std::unique_ptr<ContainerRuntime> inner)
    : inner_(std::move(inner)) {}

absl::StatusOr<v1::Container> CountingRuntime::Start(const std::string& instance,
                                                     const v1::ContainerSpec& spec) {
  absl::StatusOr<v1::Container> started = inner_->Start(instance, spec);
  if (started.ok()) {
    absl::MutexLock lock(&mu_);
    live_.insert(instance);
    ++calls_;
  }
  return started;
}

absl::Status CountingRuntime::Stop(const std::string& instance, absl::Duration timeout) {
  absl::Status stopped = inner_->Stop(instance, timeout);
  if (stopped.ok()) {
    absl::MutexLock lock(&mu_);
    live_.erase(instance);
    ++calls_;
  }
  return stopped;
}

size_t CountingRuntime::live() const {
  absl::MutexLock lock(&mu_);
  return live_.size();
}

size_t CountingRuntime::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

}  // namespace microscale
