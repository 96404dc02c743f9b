// FakeContainerRuntime: an in-memory ContainerRuntime for the agent's unit tests.
//
// A test double, not the simulated runtime: it records every call, counts the calls in
// flight (and the most ever in flight at once), can hold Start() calls until the test
// releases them, can fail the next calls with a chosen status, and lets the test emit
// runtime events. Idempotent like a real runtime: Start of a running instance returns it.
// Thread-safe.
#ifndef MICROSCALE_NODE_AGENT_AGENT_TESTING_FAKE_CONTAINER_RUNTIME_H_
#define MICROSCALE_NODE_AGENT_AGENT_TESTING_FAKE_CONTAINER_RUNTIME_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "node-agent/runtime.h"

namespace microscale {

class FakeContainerRuntime final : public ContainerRuntime {
 public:
  std::string Name() const override { return "fake"; }
  absl::StatusOr<v1::NodeCapacity> Capacity() override;
  absl::StatusOr<std::vector<v1::Container>> List() override;
  absl::StatusOr<v1::Container> Start(const std::string& instance,
                                      const v1::ContainerSpec& spec) override;
  absl::Status Stop(const std::string& instance, absl::Duration timeout) override;
  absl::StatusOr<v1::Container> Pause(const std::string& instance) override;
  absl::StatusOr<v1::Container> Resume(const std::string& instance) override;
  void Watch(ContainerEventSink sink) override;

  // Puts a container in place as if found on the host (for adoption).
  void AddExisting(const v1::Container& container);
  // While held, Start() calls block until ReleaseStarts().
  void HoldStarts();
  void ReleaseStarts();
  // The next Start() calls fail with `status`.
  void FailStarts(absl::Status status);
  // Delivers `event` to the watcher, as the runtime's own thread would.
  void Emit(const v1::ContainerEvent& event);

  std::map<std::string, v1::Container> containers() const;
  // Number of Start/Stop/Pause/Resume calls per instance, e.g. start_calls("a-1").
  int start_calls(const std::string& instance) const;
  int stop_calls(const std::string& instance) const;
  int total_calls() const;
  int in_flight() const;
  int max_in_flight() const;
  int blocked_starts() const;
  bool watching() const;

 private:
  void Enter() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Leave() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, v1::Container> containers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> start_calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> stop_calls_ ABSL_GUARDED_BY(mu_);
  int total_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int max_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int blocked_starts_ ABSL_GUARDED_BY(mu_) = 0;
  bool hold_starts_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status start_error_ ABSL_GUARDED_BY(mu_);
  int next_id_ ABSL_GUARDED_BY(mu_) = 0;
  ContainerEventSink sink_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_TESTING_FAKE_CONTAINER_RUNTIME_H_
