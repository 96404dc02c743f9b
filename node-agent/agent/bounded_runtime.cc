#include "node-agent/agent/bounded_runtime.h"

#include <utility>

#include "absl/time/clock.h"

namespace microscale {
namespace {

bool IsOk(const absl::Status& s) { return s.ok(); }
template <typename T>
bool IsOk(const absl::StatusOr<T>& s) {
  return s.ok();
}

}  // namespace

BoundedRuntime::BoundedRuntime(ContainerRuntime* inner, int max_in_flight, AgentMetrics* metrics)
    : inner_(inner), max_in_flight_(max_in_flight > 0 ? max_in_flight : 1), metrics_(metrics) {}

void BoundedRuntime::Acquire() {
  absl::MutexLock lock(&mu_);
  const uint64_t ticket = next_ticket_++;
  auto admitted = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ticket == serving_ticket_ && in_flight_ < max_in_flight_;
  };
  mu_.Await(absl::Condition(&admitted));
  ++serving_ticket_;
  ++in_flight_;
}

bool BoundedRuntime::TryAcquire() {
  absl::MutexLock lock(&mu_);
  if (next_ticket_ != serving_ticket_ || in_flight_ >= max_in_flight_) return false;
  ++next_ticket_;
  ++serving_ticket_;
  ++in_flight_;
  return true;
}

void BoundedRuntime::Release() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

template <typename Call>
auto BoundedRuntime::Measure(const char* operation, Call&& call) {
  absl::Time start = absl::Now();
  auto result = call();
  if (metrics_ != nullptr)
    metrics_->ObserveRuntimeCall(operation, absl::Now() - start, IsOk(result));
  Release();
  return result;
}

absl::StatusOr<v1::NodeCapacity> BoundedRuntime::Capacity() {
  Acquire();
  return Measure("capacity", [&] { return inner_->Capacity(); });
}

absl::StatusOr<std::vector<v1::Container>> BoundedRuntime::List() {
  Acquire();
  return Measure("list", [&] { return inner_->List(); });
}

std::optional<absl::StatusOr<std::vector<v1::Container>>> BoundedRuntime::TryList() {
  if (!TryAcquire()) return std::nullopt;
  return Measure("list", [&] { return inner_->List(); });
}

absl::StatusOr<v1::Container> BoundedRuntime::Start(const std::string& instance,
                                                    const v1::ContainerSpec& spec) {
  Acquire();
  return Measure("start", [&] { return inner_->Start(instance, spec); });
}

absl::Status BoundedRuntime::Stop(const std::string& instance, absl::Duration timeout) {
  Acquire();
  return Measure("stop", [&] { return inner_->Stop(instance, timeout); });
}

absl::StatusOr<v1::Container> BoundedRuntime::Pause(const std::string& instance) {
  Acquire();
  return Measure("pause", [&] { return inner_->Pause(instance); });
}

absl::StatusOr<v1::Container> BoundedRuntime::Resume(const std::string& instance) {
  Acquire();
  return Measure("resume", [&] { return inner_->Resume(instance); });
}

}  // namespace microscale
