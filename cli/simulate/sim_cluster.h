// SimCluster: the cluster the simulator runs the real decision core on. It holds the
// core's own ClusterState (apps with their desired counts, nodes, containers, commands in
// flight), calls core::Decide on it, and plays the plan's commands out the way agents do:
// a start is in flight for the start delay and then runs (or sits paused, for a standby
// start), a stop holds the container's resources for the stop delay and then it is gone,
// a pause takes effect at once, a resume is in flight for the unpause delay.
//
// The state is kept between decisions and changed in place, so a decision costs only
// core::Decide itself. Time is an argument (microseconds from the start), never read.
// Thread-safety: not thread-safe; one simulation owns it.
#ifndef MICROSCALE_CLI_SIMULATE_SIM_CLUSTER_H_
#define MICROSCALE_CLI_SIMULATE_SIM_CLUSTER_H_

#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/manifest/app.h"
#include "controller/core/types.h"

namespace microscale::simulate {

struct EngineDelays {
  int64_t start_us = 300'000;
  int64_t stop_us = 0;
  int64_t unpause_us = 30'000;
};

// An app's containers at one moment.
struct AppCounts {
  int32_t running = 0;   // running and not being stopped
  int32_t starting = 0;  // start in flight (not a standby start)
  int32_t paused = 0;    // paused (standby included), or a standby start in flight
  int32_t held = 0;      // every container that holds resources, stopping ones included
};

class SimCluster {
 public:
  SimCluster(const std::vector<AppSpec>& apps, const std::vector<core::NodeInfo>& nodes,
             EngineDelays delays, core::DecideOptions options);

  int app_count() const { return static_cast<int>(state_.apps.size()); }
  void SetDesired(int app, int32_t desired) { state_.apps[app].desired = desired; }

  // Runs core::Decide on the current state and plays its commands out from `now_us`.
  // Adds to `preemptions[app]` the app's containers the plan stopped or paused to make
  // room for others, and to `commands` the commands it applied. Returns true when the plan
  // changed the state at once (a pause), which the controller would see and decide on again.
  bool DecideAndApply(int64_t now_us, std::vector<int64_t>& preemptions, int64_t& commands);
  // Completes every transition due at or before `now_us`; true if any completed.
  bool CompleteDue(int64_t now_us);
  // When the next transition completes, if any is in flight (drops cancelled ones).
  std::optional<int64_t> NextTransitionUs();
  bool Busy() const { return !ops_.empty(); }
  // Whether the last plan left work waiting for room that is still being released
  // (AppAllocation::pending). Otherwise commands completing as the plan assumed cannot
  // change the next plan (the core's AppliedPlanDecidedAgainIsEmptyUnlessPending property),
  // so the simulator need not decide again on them.
  bool WaitingForRoom() const { return waiting_for_room_; }

  const std::vector<AppCounts>& Counts();
  const core::AppAllocation& Allocation(int app) const { return allocations_[app]; }
  const core::ClusterState& state() const { return state_; }
  int64_t decisions() const { return decisions_; }

 private:
  struct Op {
    uint64_t seq = 0;
    core::CommandKind kind = core::CommandKind::kStart;
  };
  struct Event {
    int64_t at_us = 0;
    uint64_t seq = 0;
    std::string instance;
    bool operator>(const Event& o) const {
      return at_us != o.at_us ? at_us > o.at_us : seq > o.seq;
    }
  };

  // Applies one command; false when it had nothing to act on.
  bool Apply(const core::Command& command, int64_t now_us, bool& immediate);
  void Begin(const core::Command& command, int64_t done_us);
  // Drops the command in flight for `instance`; returns it, if there was one.
  std::optional<core::Command> Cancel(const std::string& instance);
  // A container whose start is still in flight becomes a reported, starting container.
  void Materialize(const std::string& instance);
  void AddContainer(core::ContainerInfo container);
  void RemoveContainer(const std::string& instance);
  core::ContainerInfo* Find(const std::string& instance);
  void Complete(const Event& event);

  core::ClusterState state_;
  core::DecideOptions options_;
  EngineDelays delays_;
  absl::flat_hash_map<std::string, int> app_index_;
  absl::flat_hash_map<std::string, size_t> container_index_;  // into state_.containers
  absl::flat_hash_map<std::string, Op> ops_;                  // one command in flight each
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t next_seq_ = 1;
  std::vector<core::AppAllocation> allocations_;
  std::vector<AppCounts> counts_;
  bool counts_stale_ = true;
  int64_t decisions_ = 0;
  bool waiting_for_room_ = false;
};

}  // namespace microscale::simulate

#endif  // MICROSCALE_CLI_SIMULATE_SIM_CLUSTER_H_
