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
    live_count_.store(live_.size(), std::memory_order_relaxed);
    ++calls_;
  }
  return started;
}

absl::Status CountingRuntime::Stop(const std::string& instance, absl::Duration timeout) {
  absl::Status stopped = inner_->Stop(instance, timeout);
  if (stopped.ok()) {
    absl::MutexLock lock(&mu_);
    live_.erase(instance);
    live_count_.store(live_.size(), std::memory_order_relaxed);
    ++calls_;
  }
  return stopped;
}

}  // namespace microscale
