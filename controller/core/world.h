// The decision's working model (internal): nodes, apps and containers as indices, with
// two capacity ledgers per node.
//
//   used: what the allocation keeps or adds: containers that will exist after the plan
//         (a paused one counts its memory and its slot, no CPU).
//   held: what containers on their way out still hold: stopping ones, this plan's victims,
//         containers of deleted apps. A new container may be allocated into held room (it
//         will be free), but it is only started once that room is really free, so a node
//         is never overcommitted while containers drain.
// Built from a ClusterState with in-flight commands applied. Thread-safety: none; one
// World lives inside one Decide() call.
#ifndef MICROSCALE_CONTROLLER_CORE_WORLD_H_
#define MICROSCALE_CONTROLLER_CORE_WORLD_H_

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "controller/core/types.h"

namespace microscale::core::internal {

struct Usage {
  int64_t cpu = 0;
  int64_t memory = 0;
  int32_t count = 0;
  int32_t ports = 0;  // host ports from the node's --port-range
  void Add(const Usage& u) { cpu += u.cpu, memory += u.memory, count += u.count, ports += u.ports; }
  void Sub(const Usage& u) { cpu -= u.cpu, memory -= u.memory, count -= u.count, ports -= u.ports; }
  // Needs no more of anything than `u`.
  bool Within(const Usage& u) const {
    return cpu <= u.cpu && memory <= u.memory && count <= u.count && ports <= u.ports;
  }
};

// What one container of `r` publishing `ports` host ports uses in `state`: a paused
// container holds no CPU (it keeps its memory, its slot and its ports).
Usage UsageOf(const Resources& r, int32_t ports, ContainerState state);
// The same for a container of `spec`.
Usage UsageOf(const AppSpec& spec, ContainerState state);

// The reclaim level of paused containers: they go before any active one.
inline constexpr int32_t kPausedLevel = 1 << 30;

struct WorkNode {
  const NodeInfo* info = nullptr;
  bool placeable = false;  // Ready, uncordoned, not draining: new containers may go here
  Usage used;
  Usage held;
  std::vector<int> slots;  // counted slots on this node, in creation order
  // What preemption could take back here, by level (an app's priority, or kPausedLevel),
  // levels ascending: the alive containers of preemptible apps (mins not subtracted).
  std::vector<std::pair<int32_t, Usage>> reclaim;
  // Apps holding host ports (network host) with a container on its way out here: it keeps
  // its ports until gone, so no new container of those apps may come here meanwhile.
  std::vector<int> host_port_leavers;
  int node_class = -1;   // index into World::classes; -1 when not placeable
  double order_key = 0;  // its key in that class's order
};

// Placeable nodes of one shape (CPU, memory, cap), ordered by placement preference:
// for `spread` least allocated first, for `binpack` most allocated first; ties by name.
// A container adds the same fraction to every node of a shape, so this order is also
// the order of the score after placing it.
struct NodeClass {
  int64_t cpu = 0;
  int64_t memory = 0;
  int32_t max_containers = 0;
  int32_t max_ports = 0;
  // Its nodes' labels under the keys some app's nodeSelector names (the same on each of
  // its nodes), so a class is selected or not as a whole.
  std::map<std::string, std::string> labels;
  std::set<std::pair<double, int>> order;  // (order key, node)
};

// A container of the allocation: one that exists (observed or started in flight) on a
// counted node, or a new one this plan adds.
struct Slot {
  int app = -1;                             // index into World::apps
  int node = -1;                            // index into World::nodes
  int64_t ordinal = -1;                     // -1 when the instance id has no ordinal
  const ContainerInfo* observed = nullptr;  // null: new in this plan
  ContainerState initial = ContainerState::kStarting;
  ContainerState target = ContainerState::kStarting;  // kStarting/kRunning/kPaused
  bool alive = true;                                  // false: stopped by this plan
  bool deferred = false;         // new or resumed, but its room is still held by others
  bool start_paused = false;     // new standby container
  bool pause_in_flight = false;  // running, a pause already sent: counted paused, CPU held
  CommandReason reason = CommandReason::kScaleUp;
};

bool IsActive(ContainerState s);

struct WorkApp {
  const AppInput* input = nullptr;
  int input_index = 0;
  int32_t desired = 0;  // clamped to [min, max]
  int64_t next_ordinal = 0;
  int32_t active = 0;      // alive slots whose target is starting or running
  int32_t paused = 0;      // alive slots whose target is paused
  bool listed = false;     // its active slots are in the reclaim ledgers (active > min)
  std::vector<int> slots;  // its slots (all), in creation order
  AppAllocation figures;
  const AppSpec& spec() const { return input->spec; }
};

struct Departure {
  const ContainerInfo* container = nullptr;
  CommandReason reason = CommandReason::kAppDeleted;
};

// A running container on a draining node. It is not counted (its replacement is
// allocated elsewhere) but keeps serving until that replacement runs (EmitPlan).
struct Leaving {
  const ContainerInfo* container = nullptr;
  int app = -1;
};

struct World {
  PlacementStrategy placement = PlacementStrategy::kSpread;
  std::vector<WorkNode> nodes;  // by name
  std::vector<NodeClass> classes;
  std::vector<WorkApp> apps;  // by (priority, name)
  std::vector<Slot> slots;
  std::vector<Departure> departures;  // containers to stop that are not slots
  std::vector<Leaving> leaving;       // running on draining nodes, by instance
  std::deque<ContainerInfo> implied;  // containers implied by starts in flight
  int64_t freed = 0;  // counts stops and pauses: room may have appeared since a failure
  // Nodes where room was freed (a stop or pause), in order. Adding containers only takes
  // room, so a size that found no room anywhere can later only fit on these.
  std::vector<int> freed_nodes;
  struct NoRoom {
    Usage size;  // no node had room for this size (or any larger)...
    const std::map<std::string, std::string>* selector;  // ...among nodes matching this...
    size_t since;  // ...when freed_nodes had this many entries
  };
  mutable std::vector<NoRoom> no_room;
  // Nodes with an entry at each reclaim level, by level (see WorkNode::reclaim).
  std::map<int32_t, std::set<int>> level_nodes;
  // Scratch for the preemption search: victims taken per app on the node being evaluated.
  mutable std::vector<int32_t> picked;
};

World BuildWorld(const ClusterState& state, const DecideOptions& options);

// Adds a slot to the allocation and to its node's `used` ledger; returns its index.
int AddSlot(World& w, Slot slot);

// Removes slot `s` from the allocation (stop). An existing container keeps holding its
// resources until gone; a new one simply vanishes.
void StopSlot(World& w, int s, CommandReason reason);

// Pauses an active slot: its CPU leaves `used` and is held until the pause is done.
void PauseSlot(World& w, int s, CommandReason reason);

// Resumes a paused slot (CPU joins `used`); deferred if that CPU is not free yet.
void ResumeSlot(World& w, int s);

// Whether `labels` holds every pair of `selector` (an empty selector matches anything).
bool LabelsMatch(const std::map<std::string, std::string>& selector,
                 const std::map<std::string, std::string>& labels);
// Whether app `app` may get new containers on node `n`: its nodeSelector matches.
bool Selects(const World& w, int app, int n);
// Whether a new container of app `app` may go to node `n`: Selects, and for an app that
// holds host ports (network host), no container of it stays on `n`.
bool Admits(const World& w, int app, int n);
// For an app that holds host ports: no container of it is leaving `n` (stopped by this plan
// or stopping), so its ports are free now. A new container placed where they are not is
// deferred, like one placed in room still held.
bool HostPortsFreeNow(const World& w, int app, int n);

bool FitsUsed(const WorkNode& n, const Usage& u);  // the allocation's room
bool FitsNow(const WorkNode& n, const Usage& u);   // room free right now (used + held)

// Allocated fraction of the node (mean of CPU and memory), by the allocation's ledger.
double Load(const WorkNode& n);

// Moves node `n` to its place in its class's order after its `used` changed (ledger.cc).
void Reindex(World& w, int n);

// Reclaim ledgers (ledger.cc). Track adds (+1) or removes (-1) an alive slot's share:
// paused slots of preemptible apps always, active ones while their app is `listed`.
// SyncReclaim lists or unlists all of an app's active slots when it crosses its min.
void Track(World& w, const Slot& slot, int sign);
void SyncReclaim(World& w, int app);

// Orders slots of one app for scale-down: true if `a` goes before `b` among slots on the
// same node (newest first).
bool NewerThan(const World& w, int a, int b);

}  // namespace microscale::core::internal

#endif  // MICROSCALE_CONTROLLER_CORE_WORLD_H_
