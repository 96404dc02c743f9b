#include "controller/core/preemption.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "controller/core/placement.h"

namespace microscale::core::internal {
namespace {

struct Need {
  int64_t cpu, memory, count, ports;
  bool Met() const { return cpu <= 0 && memory <= 0 && count <= 0 && ports <= 0; }
  // Whether freeing `u` lowers something still short (a victim that frees none is useless).
  bool Helps(const Usage& u) const {
    return (cpu > 0 && u.cpu > 0) || (memory > 0 && u.memory > 0) || (count > 0 && u.count > 0) ||
           (ports > 0 && u.ports > 0);
  }
  // What freeing `u` leaves needed.
  void Free(const Usage& u) {
    cpu -= u.cpu, memory -= u.memory, count -= u.count, ports -= u.ports;
  }
};

Need NeedOn(const WorkNode& n, const Usage& u) {
  const NodeInfo& i = *n.info;
  int64_t count = i.max_containers > 0 ? n.used.count + u.count - i.max_containers : 0;
  int64_t ports = i.max_ports > 0 && u.ports > 0 ? n.used.ports + u.ports - i.max_ports : 0;
  return {n.used.cpu + u.cpu - i.cpu_millis, n.used.memory + u.memory - i.memory_bytes, count,
          ports};
}

class NodeSearch {
 public:
  NodeSearch(const World& w, const VictimRule& rule)
      : w_(w),
        rule_(rule),
        priority_(w.apps[rule.app].spec().priority),
        usage_(UsageOf(w.apps[rule.app].spec(), ContainerState::kRunning)),
        picked_(w.picked) {
    picked_.resize(w.apps.size(), 0);
  }

  // Fills `room` with the victims that make room on `node`; false if they cannot.
  bool Evaluate(int node, Room& room, int& worst) {
    const WorkNode& n = w_.nodes[node];
    Need need = NeedOn(n, usage_);
    if (usage_.cpu > n.info->cpu_millis || usage_.memory > n.info->memory_bytes) return false;
    // A paused container keeps its memory, its slot and its ports: pausing frees CPU only.
    const bool pause_ok = need.memory <= 0 && need.count <= 0 && need.ports <= 0;
    Candidates(n);
    room = Room{node, {}, {}};
    worst = kPausedLevel;
    for (int s : cands_) {
      if (need.Met() || Victims(room) >= rule_.max_victims) break;
      Take(s, pause_ok, need, room, worst);
    }
    for (int s : room.stops) picked_[w_.slots[s].app] = 0;
    for (int s : room.pauses) picked_[w_.slots[s].app] = 0;
    return need.Met();
  }

 private:
  static int Victims(const Room& r) { return static_cast<int>(r.stops.size() + r.pauses.size()); }

  bool Eligible(const Slot& s) const {
    const WorkApp& a = w_.apps[s.app];
    bool paused = s.target == ContainerState::kPaused;
    // The app's own paused containers may go too, so whether room exists depends only on
    // the priority and the size asked for, never on which app asks.
    if (!s.alive || (s.app == rule_.app && !paused) || !a.spec().preemptible) return false;
    if (rule_.only_app >= 0) return !paused && s.app == rule_.only_app;
    return paused || a.spec().priority > priority_;
  }

  // Eligible victims on `n` in the order they are taken.
  void Candidates(const WorkNode& n) {
    cands_.clear();
    for (int s : n.slots) {
      if (Eligible(w_.slots[s])) cands_.push_back(s);
    }
    auto key = [&](int s) {
      const Slot& x = w_.slots[s];
      return std::make_tuple(x.target != ContainerState::kPaused, -x.app,
                             x.target != ContainerState::kStarting);
    };
    std::sort(cands_.begin(), cands_.end(), [&](int a, int b) {
      auto ka = key(a), kb = key(b);
      if (ka != kb) return ka < kb;
      return NewerThan(w_, a, b);
    });
  }

  void Take(int s, bool pause_ok, Need& need, Room& room, int& worst) {
    const Slot& x = w_.slots[s];
    const WorkApp& a = w_.apps[x.app];
    const Resources& r = a.spec().resources;
    if (x.target == ContainerState::kPaused) {
      // It frees no CPU: useless unless memory, a slot or ports are short.
      const Usage freed = UsageOf(a.spec(), ContainerState::kPaused);
      if (!need.Helps(freed)) return;
      need.Free(freed);
      room.stops.push_back(s);
      return;
    }
    if (a.active - picked_[x.app] <= a.spec().replicas.min) return;
    if (!need.Helps(UsageOf(a.spec(), ContainerState::kRunning))) return;
    // A container this plan was going to start is simply not started.
    if (pause_ok && a.spec().preemption == PreemptionMode::kPause && x.observed != nullptr) {
      need.cpu -= r.cpu_millis;
      room.pauses.push_back(s);
    } else {
      need.Free(UsageOf(a.spec(), ContainerState::kRunning));
      room.stops.push_back(s);
    }
    ++picked_[x.app];
    worst = std::min(worst, a.spec().priority);
  }

  const World& w_;
  const VictimRule& rule_;
  const int32_t priority_;
  const Usage usage_;
  std::vector<int32_t>& picked_;  // victims taken per app on the node being evaluated
  std::vector<int> cands_;
};

}  // namespace

namespace {

// An upper bound on how unimportant the most important victim on `n` can be: the
// largest level L such that everything reclaimable at levels >= L (levels above
// `priority` only) would make room. 0 if even all of it would not.
int32_t BoundLevel(const WorkNode& n, int32_t priority, Need need) {
  for (auto it = n.reclaim.rbegin(); it != n.reclaim.rend() && it->first > priority; ++it) {
    need.Free(it->second);
    if (need.Met()) return it->first;
  }
  return 0;
}

// Sharing among equal priorities: the first node (by name) where one of the peer's
// containers makes room.
Room FindRoomFromPeer(const World& w, const VictimRule& rule, NodeSearch& search) {
  std::vector<int> nodes;
  for (int s : w.apps[rule.only_app].slots) {
    const Slot& x = w.slots[s];
    if (x.alive && IsActive(x.target) && w.nodes[x.node].placeable && Admits(w, rule.app, x.node)) {
      nodes.push_back(x.node);
    }
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  Room room;
  int32_t worst = 0;
  for (int n : nodes) {
    if (search.Evaluate(n, room, worst)) return room;
  }
  return Room{};
}

}  // namespace

Room FindRoom(const World& w, const VictimRule& rule) {
  NodeSearch search(w, rule);
  if (rule.only_app >= 0) return FindRoomFromPeer(w, rule, search);
  const int32_t priority = w.apps[rule.app].spec().priority;
  const Usage u = UsageOf(w.apps[rule.app].spec(), ContainerState::kRunning);
  // Branch and bound over levels, least important first. A node's bound level caps
  // what its evaluation can give, and a node is visited at its bound level (it has
  // reclaimable containers there), so the search stops as soon as no level left can beat
  // the best room found.
  Room best, room;
  int32_t best_worst = -1, worst = 0;
  for (auto level_it = w.level_nodes.rbegin();
       level_it != w.level_nodes.rend() && level_it->first > priority; ++level_it) {
    const int32_t level = level_it->first;
    if (best.node >= 0 && level < best_worst) break;
    for (int i : level_it->second) {
      if (best.node >= 0 && level == best_worst && i > best.node) break;
      const WorkNode& n = w.nodes[static_cast<size_t>(i)];
      if (!n.placeable || !Admits(w, rule.app, i) ||
          BoundLevel(n, priority, NeedOn(n, u)) != level) {
        continue;
      }
      if (!search.Evaluate(i, room, worst)) continue;
      if (best.node < 0 || worst > best_worst || (worst == best_worst && i < best.node)) {
        best = room;
        best_worst = worst;
      }
    }
  }
  return best;
}

void TakeRoom(World& w, int app, const Room& room) {
  for (int s : room.stops) StopSlot(w, s, CommandReason::kPreempted);
  for (int s : room.pauses) PauseSlot(w, s, CommandReason::kPreempted);
  PlaceNew(w, app, room.node, /*standby=*/false);
}

}  // namespace microscale::core::internal
