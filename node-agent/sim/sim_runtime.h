// SimulatedContainerRuntime: ContainerRuntime over in-memory records, no engine at all.
//
// For scale benchmarks and fast tests of the agent and controller. It reports itself as
// "sim" and gives every container an id beginning "sim-", so a simulated container can
// never be mistaken for a real one. Start takes `start_delay` of the injected clock on the
// calling thread (other calls proceed meanwhile), then reports the container running (or
// paused, for standby); Stop takes `stop_delay`, then forgets it. Semantics follow the
// Docker runtime: Start of a live instance returns it unchanged, an exited one is replaced,
// Stop of an unknown instance is OK, Pause/Resume of a container already in that state is
// OK. Events go to the Watch sink from the runtime's own thread, in order. Ports are picked
// from `port_range` as the Docker runtime picks them (round-robin, never one a container
// of this runtime holds in any state) and reported the same way; nothing is bound or
// probed. Start fails with FailedPrecondition when the range has no free port left.
// Health: a container started with spec.health_check is HEALTH_STARTING until it first runs
// (unpaused), then HEALTH_HEALTHY for good, so simulations see it ready at once; a paused
// container keeps the health it had. Without a check it is HEALTH_UNSPECIFIED.
// Thread-safety: all methods may be called concurrently.
#ifndef MICROSCALE_NODE_AGENT_SIM_SIM_RUNTIME_H_
#define MICROSCALE_NODE_AGENT_SIM_SIM_RUNTIME_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "node-agent/core/port_allocator.h"
#include "node-agent/core/port_range.h"
#include "node-agent/runtime.h"

namespace microscale {

struct SimRuntimeOptions {
  std::string node = "sim";
  int64_t cpu_millis = 64'000;  // what Capacity() reports
  int64_t memory_bytes = int64_t{256} << 30;
  absl::Duration start_delay = absl::ZeroDuration();
  absl::Duration stop_delay = absl::ZeroDuration();
  Clock* clock = nullptr;     // nullptr: the real clock
  PortRange port_range = {};  // --port-range
};

class SimulatedContainerRuntime final : public ContainerRuntime {
 public:
  explicit SimulatedContainerRuntime(SimRuntimeOptions options = {});
  ~SimulatedContainerRuntime() override;

  std::string Name() const override { return "sim"; }
  absl::StatusOr<v1::NodeCapacity> Capacity() override;
  absl::StatusOr<std::vector<v1::Container>> List() override;
  absl::StatusOr<v1::Container> Start(const std::string& instance,
                                      const v1::ContainerSpec& spec) override;
  absl::Status Stop(const std::string& instance, absl::Duration timeout) override;
  absl::StatusOr<v1::Container> Pause(const std::string& instance) override;
  absl::StatusOr<v1::Container> Resume(const std::string& instance) override;
  void Watch(ContainerEventSink sink) override;

  // Simulates the container's process ending by itself (a crash, an OOM kill): it stays
  // listed as exited and an EXITED (or OOM_KILLED then EXITED) event is sent.
  // NotFound if the instance is not live.
  absl::Status SimulateExit(const std::string& instance, int exit_code, bool oom_killed = false);

 private:
  // An instance with a Start or Stop in progress is "in transition".
  bool Settled(const std::string* instance) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WaitSettled(const std::string& instance) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Emit(v1::ContainerEvent::Kind kind, const v1::Container& c, int exit_code = 0)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<v1::Container> SetPaused(const std::string& instance, bool paused);
  void Dispatch(const ContainerEventSink& sink);

  const SimRuntimeOptions options_;
  Clock* const clock_;
  PortAllocator ports_;  // host ports by instance
  absl::Mutex mu_;
  std::map<std::string, v1::Container> containers_ ABSL_GUARDED_BY(mu_);  // by instance
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool watching_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<v1::ContainerEvent> events_ ABSL_GUARDED_BY(mu_);
  std::thread dispatcher_;
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_SIM_SIM_RUNTIME_H_
