// The plain structs the decision core reads and writes.
//
// The controller fills a ClusterState from its store and from what agents report, calls
// Decide() (decide.h) and sends the Plan's commands. Nothing here does I/O or reads a
// clock; every value is data. Thread-safety: plain values; copy freely.
#ifndef MICROSCALE_CONTROLLER_CORE_TYPES_H_
#define MICROSCALE_CONTROLLER_CORE_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/manifest/app.h"

namespace microscale::core {

// The lifecycle states the core reasons about. Exited containers are not reported to it.
enum class ContainerState {
  kStarting,  // start issued or container created, not yet running
  kRunning,
  kPaused,    // frozen: holds memory, no CPU (standby or preempted with `preemption: pause`)
  kStopping,  // stop issued; holds its resources until it is gone
};

enum class NodeStatus { kReady, kNotReady };

struct NodeInfo {
  std::string name;
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int32_t max_containers = 0;  // 0 = no cap
  int32_t max_ports = 0;       // host ports to publish on (the agent's --port-range); 0 = no cap
  NodeStatus status = NodeStatus::kReady;
  bool cordoned = false;  // no new containers; the ones there keep running and count
  bool draining = false;  // its containers are stopped and replaced elsewhere
  // The agent's --labels: an app with a spec.nodeSelector gets new containers only on
  // nodes whose labels include every pair of it.
  std::map<std::string, std::string> labels;
};

// One managed container as agents report it (or as a command in flight implies).
struct ContainerInfo {
  std::string instance;  // "<app>-<ordinal>"; the Docker name is "microscale-<instance>"
  std::string app;
  std::string node;
  ContainerState state = ContainerState::kRunning;
  bool standby = false;  // paused as warm standby rather than preempted
  // The container's limits. Only read for containers whose app no longer exists (they
  // hold these until gone); the app's spec is used otherwise.
  std::optional<Resources> resources;
  int32_t published_ports = 0;  // host ports it holds; likewise only read once its app is gone
  // Passes its app's health check (always, for an app without one): a running container
  // counts as ready only then.
  bool healthy = true;
  // When its process started (the engine's StartedAt); InfinitePast when unknown.
  absl::Time started = absl::InfinitePast();
};

enum class CommandKind { kStart, kStop, kPause, kResume };

// Why a stop or pause was planned; for events and metrics (e.g. microscale_preemptions_total).
enum class CommandReason {
  kScaleUp,      // starts and resumes
  kScaleDown,    // the app wants fewer containers
  kPreempted,    // room for a more important (or, to share fairly, an equal) priority
  kAppDeleted,   // the app no longer exists
  kNodeDrained,  // its node is draining
  kStandby,      // start a warm standby container paused, or trim the standby pool
};

struct Command {
  CommandKind kind = CommandKind::kStart;
  std::string instance;
  std::string app;
  std::string node;
  CommandReason reason = CommandReason::kScaleUp;
  bool start_paused = false;  // kStart only: start then pause at once (standby)
  bool operator==(const Command&) const = default;
};

struct AppInput {
  AppSpec spec;
  int32_t desired = 0;       // from ComputeDesired (desired.h); clamped to [min, max] again here
  int64_t next_ordinal = 0;  // the next instance ordinal to use for this app
};

struct ClusterState {
  std::vector<AppInput> apps;   // names unique
  std::vector<NodeInfo> nodes;  // names unique
  std::vector<ContainerInfo> containers;
  std::vector<Command> in_flight;  // sent, not yet acknowledged; their effect is assumed
};

enum class PlacementStrategy { kSpread, kBinpack };

struct DecideOptions {
  PlacementStrategy placement = PlacementStrategy::kSpread;
};

// Per-app figures for `get apps`, status and metrics, after the plan.
struct AppAllocation {
  std::string app;
  int32_t desired = 0;      // the wanted count, clamped to [min, max]
  int32_t allocated = 0;    // containers the allocation gives the app (active after the plan)
  int32_t running = 0;      // reported running on Ready nodes now
  int32_t ready = 0;        // of which healthy (all of them for an app without a health check)
  int32_t starting = 0;     // reported starting (or start in flight) on Ready nodes now
  int32_t paused = 0;       // paused after the plan (standby included)
  int32_t standby = 0;      // of which warm standby
  int32_t preempted = 0;    // containers this plan stops or pauses to make room for others
  int32_t pending = 0;      // allocated but waiting for draining capacity to be released
  int32_t leaving = 0;      // running on draining nodes, kept until their replacements run
  int32_t unreachable = 0;  // on NotReady or unknown nodes: not counted, not stopped
  // With a spec.nodeSelector: the placeable nodes (Ready, uncordoned, not draining) whose
  // labels match it. -1 for an app without one.
  int32_t selectable_nodes = -1;
  int64_t next_ordinal = 0;  // store this and pass it back next time
  // For an app in queue mode: when each of its `running` containers started, so that the
  // drain a read sees can be credited to the time each container ran (queue.h).
  std::vector<absl::Time> running_since;
  bool operator==(const AppAllocation&) const = default;
};

struct Plan {
  std::vector<Command> commands;    // stops, then pauses, resumes, starts; each by instance
  std::vector<AppAllocation> apps;  // one per input app, in input order
  bool operator==(const Plan&) const = default;
};

}  // namespace microscale::core

#endif  // MICROSCALE_CONTROLLER_CORE_TYPES_H_
