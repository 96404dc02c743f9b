#include "controller/core/world.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "controller/core/instance_id.h"

namespace microscale::core::internal {
namespace {

using NameIndex = absl::flat_hash_map<std::string_view, int>;

void BuildNodes(World& w, const ClusterState& state) {
  std::vector<const NodeInfo*> sorted;
  sorted.reserve(state.nodes.size());
  for (const NodeInfo& n : state.nodes) sorted.push_back(&n);
  std::sort(sorted.begin(), sorted.end(),
            [](const NodeInfo* a, const NodeInfo* b) { return a->name < b->name; });
  w.nodes.resize(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    const NodeInfo* n = sorted[i];
    w.nodes[i].info = n;
    w.nodes[i].placeable = n->status == NodeStatus::kReady && !n->cordoned && !n->draining;
  }
}

// With a nodeSelector: how many placeable nodes match it.
int32_t SelectableNodes(const World& w, const AppSpec& spec) {
  if (spec.node_selector.empty()) return -1;
  int32_t count = 0;
  for (const WorkNode& n : w.nodes) {
    count += n.placeable && LabelsMatch(spec.node_selector, n.info->labels);
  }
  return count;
}

void BuildApps(World& w, const ClusterState& state) {
  w.apps.resize(state.apps.size());
  for (size_t i = 0; i < state.apps.size(); ++i) {
    const AppInput& in = state.apps[i];
    WorkApp& a = w.apps[i];
    a.input = &in;
    a.input_index = static_cast<int>(i);
    a.desired = std::clamp(in.desired, in.spec.replicas.min,
                           std::max(in.spec.replicas.min, in.spec.replicas.max));
    a.next_ordinal = std::max<int64_t>(0, in.next_ordinal);
    a.figures.app = in.spec.name;
    a.figures.desired = a.desired;
    a.figures.selectable_nodes = SelectableNodes(w, in.spec);
  }
  std::sort(w.apps.begin(), w.apps.end(), [](const WorkApp& a, const WorkApp& b) {
    if (a.spec().priority != b.spec().priority) return a.spec().priority < b.spec().priority;
    return a.spec().name < b.spec().name;
  });
}

template <typename T, typename Name>
NameIndex IndexByName(const std::vector<T>& items, Name name) {
  NameIndex index;
  index.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) index.emplace(name(items[i]), static_cast<int>(i));
  return index;
}

int Find(const NameIndex& index, std::string_view name) {
  auto it = index.find(name);
  return it == index.end() ? -1 : it->second;
}

// The state a container is in once the commands in flight for it take effect.
ContainerState Effective(const ContainerInfo& c, const Command* cmd) {
  if (cmd == nullptr) return c.state;
  switch (cmd->kind) {
    case CommandKind::kStop:
      return ContainerState::kStopping;
    case CommandKind::kPause:  // paused once done; until then it holds its CPU (below)
    case CommandKind::kResume:
      return c.state == ContainerState::kPaused ? ContainerState::kRunning : c.state;
    case CommandKind::kStart:
      return c.state;
  }
  return c.state;
}

// Sorts the containers of a state into the allocation (slots on counted nodes) and the
// rest (departures and held room). Names are resolved once, up front, so that each app's
// and node's slot list can be sized before any slot is added.
class Classifier {
 public:
  explicit Classifier(World& w)
      : w_(w),
        apps_(
            IndexByName(w.apps, [](const WorkApp& a) { return std::string_view(a.spec().name); })),
        nodes_(IndexByName(w.nodes,
                           [](const WorkNode& n) { return std::string_view(n.info->name); })) {}

  void Reserve(size_t containers) { entries_.reserve(containers); }

  // Resolves one container's app and node, to be added by AddAll.
  void Resolve(const ContainerInfo& c, ContainerState state, const Command* cmd) {
    Entry e{&c, cmd, state, -1, -1};
    // Consecutive containers often belong to one app: skip the hash for a repeat.
    if (!entries_.empty() && entries_.back().app >= 0 && entries_.back().container->app == c.app) {
      e.app = entries_.back().app;
    } else {
      e.app = Find(apps_, c.app);
    }
    e.node = Find(nodes_, c.node);
    entries_.push_back(e);
  }

  void AddAll() {
    std::vector<int32_t> per_app(w_.apps.size(), 0);
    std::vector<int32_t> per_node(w_.nodes.size(), 0);
    for (const Entry& e : entries_) {
      if (e.app >= 0 && e.node >= 0) ++per_app[e.app], ++per_node[e.node];
    }
    for (size_t i = 0; i < per_app.size(); ++i) w_.apps[i].slots.reserve(per_app[i] + 4);
    for (size_t i = 0; i < per_node.size(); ++i) w_.nodes[i].slots.reserve(per_node[i] + 4);
    for (const Entry& e : entries_) Add(e);
    entries_.clear();
  }

 private:
  struct Entry {
    const ContainerInfo* container;
    const Command* cmd;
    ContainerState state;
    int app;
    int node;
  };

  void Add(const Entry& e) {
    const ContainerInfo& c = *e.container;
    if (e.node < 0 || w_.nodes[e.node].info->status != NodeStatus::kReady) {
      if (e.app >= 0) ++w_.apps[e.app].figures.unreachable;
      return;  // unreachable: neither counted nor stopped
    }
    WorkNode& n = w_.nodes[e.node];
    if (e.app < 0 || e.state == ContainerState::kStopping || n.info->draining) {
      const ContainerState held =
          e.state == ContainerState::kPaused ? e.state : ContainerState::kRunning;
      n.held.Add(e.app >= 0 ? UsageOf(w_.apps[e.app].spec(), held)
                            : UsageOf(c.resources.value_or(Resources{}), c.published_ports, held));
      if (e.app >= 0 && HoldsHostPorts(w_.apps[e.app].spec())) {
        n.host_port_leavers.push_back(e.app);
      }
      if (e.app >= 0) {  // its id stays taken while it drains
        WorkApp& a = w_.apps[e.app];
        a.next_ordinal =
            std::max(a.next_ordinal, InstanceOrdinal(c.app, c.instance).value_or(-1) + 1);
      }
      if (e.app >= 0 && e.state == ContainerState::kRunning) {
        w_.leaving.push_back({&c, e.app});
      } else if (e.state != ContainerState::kStopping) {
        w_.departures.push_back(
            {&c, e.app < 0 ? CommandReason::kAppDeleted : CommandReason::kNodeDrained});
      }
      return;
    }
    int slot = AddCounted(c, e.state, e.app, e.node);
    if (e.cmd != nullptr && e.cmd->kind == CommandKind::kPause && IsActive(e.state)) {
      w_.slots[slot].pause_in_flight = true;
      PauseSlot(w_, slot, e.cmd->reason);
    }
  }

  int AddCounted(const ContainerInfo& c, ContainerState state, int app, int node) {
    WorkApp& a = w_.apps[app];
    Slot s;
    s.app = app;
    s.node = node;
    s.ordinal = InstanceOrdinal(c.app, c.instance).value_or(-1);
    s.observed = &c;
    s.initial = s.target = state;
    a.next_ordinal = std::max(a.next_ordinal, s.ordinal + 1);
    if (state == ContainerState::kRunning) {
      ++a.figures.running;
      if (a.spec().demand.queue.has_value()) a.figures.running_since.push_back(c.started);
    }
    if (state == ContainerState::kRunning && c.healthy) ++a.figures.ready;
    if (state == ContainerState::kStarting) ++a.figures.starting;
    return AddSlot(w_, s);
  }

  World& w_;
  NameIndex apps_;
  NameIndex nodes_;
  std::vector<Entry> entries_;
};

void BuildSlots(World& w, const ClusterState& state) {
  absl::flat_hash_map<std::string_view, const Command*> in_flight;
  for (const Command& cmd : state.in_flight) in_flight[cmd.instance] = &cmd;
  Classifier classifier(w);
  w.slots.reserve(state.containers.size() + state.containers.size() / 4 + 16);
  classifier.Reserve(state.containers.size() + state.in_flight.size());
  for (const ContainerInfo& c : state.containers) {
    const Command* cmd = nullptr;
    if (!in_flight.empty()) {
      auto it = in_flight.find(c.instance);
      if (it != in_flight.end()) {
        cmd = it->second;
        in_flight.erase(it);
      }
    }
    classifier.Resolve(c, Effective(c, cmd), cmd);
  }
  // Starts in flight that no agent reports yet: starting containers. Iterated in input
  // order so the result does not depend on the hash map's order. A stop sent after the
  // start (a scale-down that took back a start still in flight) leaves it stopping: counted
  // as starting, it was stopped once more, and a second container with it.
  for (const Command& cmd : state.in_flight) {
    if (cmd.kind != CommandKind::kStart) continue;
    auto it = in_flight.find(cmd.instance);
    if (it == in_flight.end()) continue;
    const Command* later = it->second != &cmd ? it->second : nullptr;
    w.implied.push_back({cmd.instance, cmd.app, cmd.node,
                         cmd.start_paused ? ContainerState::kPaused : ContainerState::kStarting,
                         cmd.start_paused, std::nullopt});
    classifier.Resolve(w.implied.back(), Effective(w.implied.back(), later), later);
  }
  classifier.AddAll();
}

}  // namespace

Usage UsageOf(const Resources& r, int32_t ports, ContainerState state) {
  return {state == ContainerState::kPaused ? 0 : r.cpu_millis, r.memory_bytes, 1, ports};
}

Usage UsageOf(const AppSpec& spec, ContainerState state) {
  return UsageOf(spec.resources, PublishedPortCount(spec), state);
}

bool IsActive(ContainerState s) {
  return s == ContainerState::kStarting || s == ContainerState::kRunning;
}

namespace {

// Nodes of one shape and the same labels under every key some nodeSelector names share a
// class. Without selectors, that is the shape alone.
void BuildClasses(World& w) {
  std::set<std::string_view> selected_keys;
  for (const WorkApp& a : w.apps) {
    for (const auto& [key, value] : a.spec().node_selector) selected_keys.insert(key);
  }
  using Labels = std::map<std::string, std::string>;
  std::map<std::tuple<int64_t, int64_t, int32_t, int32_t, Labels>, int> shapes;
  for (size_t i = 0; i < w.nodes.size(); ++i) {
    WorkNode& n = w.nodes[i];
    if (!n.placeable) continue;
    Labels selected;
    for (std::string_view key : selected_keys) {
      auto label = n.info->labels.find(std::string(key));
      if (label != n.info->labels.end()) selected.insert(*label);
    }
    auto shape = std::make_tuple(n.info->cpu_millis, n.info->memory_bytes, n.info->max_containers,
                                 n.info->max_ports, std::move(selected));
    auto [it, added] = shapes.emplace(std::move(shape), static_cast<int>(w.classes.size()));
    if (added) {
      w.classes.push_back(NodeClass{n.info->cpu_millis,
                                    n.info->memory_bytes,
                                    n.info->max_containers,
                                    n.info->max_ports,
                                    std::get<4>(it->first),
                                    {}});
    }
    n.node_class = it->second;
    n.order_key = w.placement == PlacementStrategy::kSpread ? Load(n) : -Load(n);
    w.classes[it->second].order.insert({n.order_key, static_cast<int>(i)});
  }
}

}  // namespace

World BuildWorld(const ClusterState& state, const DecideOptions& options) {
  World w;
  w.placement = options.placement;
  BuildNodes(w, state);
  BuildApps(w, state);
  BuildSlots(w, state);
  BuildClasses(w);
  return w;
}

bool LabelsMatch(const std::map<std::string, std::string>& selector,
                 const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

bool Selects(const World& w, int app, int n) {
  const std::map<std::string, std::string>& selector = w.apps[app].spec().node_selector;
  return selector.empty() || LabelsMatch(selector, w.nodes[n].info->labels);
}

bool Admits(const World& w, int app, int n) {
  if (!Selects(w, app, n)) return false;
  if (!HoldsHostPorts(w.apps[app].spec())) return true;
  for (int s : w.nodes[n].slots) {
    if (w.slots[s].app == app && w.slots[s].alive) return false;
  }
  return true;
}

bool HostPortsFreeNow(const World& w, int app, int n) {
  if (!HoldsHostPorts(w.apps[app].spec())) return true;
  const WorkNode& node = w.nodes[n];
  // Its containers there that this plan stops hold the ports until gone, as do those
  // already on their way out.
  for (int s : node.slots) {
    const Slot& slot = w.slots[s];
    if (slot.app == app && !slot.alive && slot.observed != nullptr) return false;
  }
  return std::find(node.host_port_leavers.begin(), node.host_port_leavers.end(), app) ==
         node.host_port_leavers.end();
}

int AddSlot(World& w, Slot slot) {
  int index = static_cast<int>(w.slots.size());
  WorkApp& a = w.apps[slot.app];
  WorkNode& n = w.nodes[slot.node];
  n.used.Add(UsageOf(a.spec(), slot.target));
  if (IsActive(slot.target)) ++a.active;
  a.slots.push_back(index);
  n.slots.push_back(index);
  w.slots.push_back(slot);
  Track(w, w.slots.back(), +1);
  SyncReclaim(w, slot.app);
  Reindex(w, slot.node);
  return index;
}

void StopSlot(World& w, int s, CommandReason reason) {
  Slot& slot = w.slots[s];
  WorkApp& a = w.apps[slot.app];
  WorkNode& n = w.nodes[slot.node];
  Track(w, slot, -1);
  ++w.freed;
  w.freed_nodes.push_back(slot.node);
  Usage target = UsageOf(a.spec(), slot.target);
  n.used.Sub(target);
  if (slot.observed != nullptr) {
    // It holds what it held before the plan until it is gone. `held` already carries the
    // part of that beyond its target (the CPU of a container this plan pauses).
    Usage initial = UsageOf(a.spec(), slot.initial);
    n.held.Sub({std::max<int64_t>(0, initial.cpu - target.cpu), 0, 0});
    n.held.Add(initial);
  }
  if (IsActive(slot.target)) --a.active;
  if (reason == CommandReason::kPreempted && slot.reason != reason) ++a.figures.preempted;
  slot.alive = false;
  slot.reason = reason;
  SyncReclaim(w, slot.app);
  Reindex(w, slot.node);
}

void PauseSlot(World& w, int s, CommandReason reason) {
  Slot& slot = w.slots[s];
  WorkApp& a = w.apps[slot.app];
  WorkNode& n = w.nodes[slot.node];
  Track(w, slot, -1);
  ++w.freed;
  w.freed_nodes.push_back(slot.node);
  n.used.cpu -= a.spec().resources.cpu_millis;
  n.held.cpu += a.spec().resources.cpu_millis;
  --a.active;
  slot.target = ContainerState::kPaused;
  Track(w, slot, +1);
  slot.reason = reason;
  if (reason == CommandReason::kPreempted && !slot.pause_in_flight) ++a.figures.preempted;
  SyncReclaim(w, slot.app);
  Reindex(w, slot.node);
}

void ResumeSlot(World& w, int s) {
  Slot& slot = w.slots[s];
  WorkApp& a = w.apps[slot.app];
  WorkNode& n = w.nodes[slot.node];
  Usage extra{a.spec().resources.cpu_millis, 0, 0};
  slot.deferred = !FitsNow(n, extra);
  Track(w, slot, -1);
  n.used.Add(extra);
  ++a.active;
  slot.target = ContainerState::kRunning;
  // A standby container placed in this same decision and reclaimed now is a plain start.
  slot.start_paused = false;
  Track(w, slot, +1);
  slot.reason = CommandReason::kScaleUp;
  SyncReclaim(w, slot.app);
  Reindex(w, slot.node);
}

bool FitsUsed(const WorkNode& n, const Usage& u) {
  const NodeInfo& i = *n.info;
  return n.used.cpu + u.cpu <= i.cpu_millis && n.used.memory + u.memory <= i.memory_bytes &&
         (i.max_containers <= 0 || n.used.count + u.count <= i.max_containers) &&
         (i.max_ports <= 0 || u.ports == 0 || n.used.ports + u.ports <= i.max_ports);
}

bool FitsNow(const WorkNode& n, const Usage& u) {
  const NodeInfo& i = *n.info;
  return n.used.cpu + n.held.cpu + u.cpu <= i.cpu_millis &&
         n.used.memory + n.held.memory + u.memory <= i.memory_bytes &&
         (i.max_containers <= 0 || n.used.count + n.held.count + u.count <= i.max_containers) &&
         (i.max_ports <= 0 || u.ports == 0 || n.used.ports + n.held.ports + u.ports <= i.max_ports);
}

double Load(const WorkNode& n) {
  const NodeInfo& i = *n.info;
  double cpu = i.cpu_millis > 0 ? static_cast<double>(n.used.cpu) / i.cpu_millis : 1.0;
  double mem = i.memory_bytes > 0 ? static_cast<double>(n.used.memory) / i.memory_bytes : 1.0;
  return (cpu + mem) / 2;
}

bool NewerThan(const World& w, int a, int b) {
  const Slot& x = w.slots[a];
  const Slot& y = w.slots[b];
  if (x.ordinal != y.ordinal) return x.ordinal > y.ordinal;
  if (x.observed == nullptr || y.observed == nullptr) return a > b;
  return x.observed->instance > y.observed->instance;
}

}  // namespace microscale::core::internal
