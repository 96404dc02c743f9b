// BoundedRuntime: a ContainerRuntime decorator that lets at most `max_in_flight` calls reach
// the wrapped runtime at once, admitted in arrival order, and records every call's duration
// and failure in AgentMetrics.
//
// The bound keeps a burst of commands from flooding the Docker Engine (DESIGN.md: at most 4
// Docker calls in flight per node). Thread-safe; the wrapped runtime and the metrics must
// outlive it.
#ifndef MICROSCALE_NODE_AGENT_AGENT_BOUNDED_RUNTIME_H_
#define MICROSCALE_NODE_AGENT_AGENT_BOUNDED_RUNTIME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "node-agent/agent/agent_metrics.h"
#include "node-agent/runtime.h"

namespace microscale {

class BoundedRuntime final : public ContainerRuntime {
 public:
  // `metrics` may be null.
  BoundedRuntime(ContainerRuntime* inner, int max_in_flight, AgentMetrics* metrics);

  std::string Name() const override { return inner_->Name(); }
  absl::StatusOr<v1::NodeCapacity> Capacity() override;
  absl::StatusOr<std::vector<v1::Container>> List() override;
  absl::StatusOr<v1::Container> Start(const std::string& instance,
                                      const v1::ContainerSpec& spec) override;
  absl::Status Stop(const std::string& instance, absl::Duration timeout) override;
  absl::StatusOr<v1::Container> Pause(const std::string& instance) override;
  absl::StatusOr<v1::Container> Resume(const std::string& instance) override;
  void Watch(ContainerEventSink sink) override { inner_->Watch(std::move(sink)); }

  // List() if a slot is free right now and nobody waits for one; nullopt otherwise.
  std::optional<absl::StatusOr<std::vector<v1::Container>>> TryList();

 private:
  void Acquire();
  bool TryAcquire();
  void Release();
  template <typename Call>
  auto Measure(const char* operation, Call&& call);

  ContainerRuntime* const inner_;
  const int max_in_flight_;
  AgentMetrics* const metrics_;

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;     // handed to the next caller
  uint64_t serving_ticket_ ABSL_GUARDED_BY(mu_) = 0;  // the next caller to admit
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_BOUNDED_RUNTIME_H_
