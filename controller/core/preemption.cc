#include "controller/core/preemption.h"

#include <algorithm>
#include <climits>
#include <tuple>

#include "controller/core/placement.h"

namespace microscale::core::internal {
namespace {

struct Need {
  int64_t cpu, memory, count;
  bool Met() const { return cpu <= 0 && memory <= 0 && count <= 0; }
};

Need NeedOn(const WorkNode& n, const Usage& u) {
  const NodeInfo& i = *n.info;
  int64_t count = i.max_containers > 0 ? n.used.count + u.count - i.max_containers : 0;
  return {n.used.cpu + u.cpu - i.cpu_millis, n.used.memory + u.memory - i.memory_bytes, count};
}

class NodeSearch {
 public:
  NodeSearch(const World& w, const VictimRule& rule)
      : w_(w),
        rule_(rule),
        priority_(w.apps[rule.app].spec().priority),
        usage_(UsageOf(w.apps[rule.app].spec().resources, ContainerState::kRunning)),
        picked_(w.apps.size(), 0) {}

  // Fills `room` with the victims that make room on `node`; false if they cannot.
  bool Evaluate(int node, Room& room, int& worst) {
    const WorkNode& n = w_.nodes[node];
    Need need = NeedOn(n, usage_);
    if (usage_.cpu > n.info->cpu_millis || usage_.memory > n.info->memory_bytes) return false;
    const bool pause_ok = need.memory <= 0 && need.count <= 0;
    Candidates(n);
    room = Room{node, {}, {}};
    worst = INT_MAX;
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
    if (!s.alive || s.app == rule_.app || !a.spec().preemptible) return false;
    bool paused = s.target == ContainerState::kPaused;
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
      if (need.memory <= 0 && need.count <= 0) return;  // frees no CPU: useless here
      need.memory -= r.memory_bytes, need.count -= 1;
      room.stops.push_back(s);
      return;
    }
    if (a.active - picked_[x.app] <= a.spec().replicas.min) return;
    // A container this plan was going to start is simply not started.
    if (pause_ok && a.spec().preemption == PreemptionMode::kPause && x.observed != nullptr) {
      need.cpu -= r.cpu_millis;
      room.pauses.push_back(s);
    } else {
      need.cpu -= r.cpu_millis, need.memory -= r.memory_bytes, need.count -= 1;
      room.stops.push_back(s);
    }
    ++picked_[x.app];
    worst = std::min(worst, a.spec().priority);
  }

  const World& w_;
  const VictimRule& rule_;
  const int32_t priority_;
  const Usage usage_;
  std::vector<int32_t> picked_;  // victims taken per app on the node being evaluated
  std::vector<int> cands_;
};

}  // namespace

Room FindRoom(const World& w, const VictimRule& rule) {
  NodeSearch search(w, rule);
  Room best;
  int best_worst = 0;
  size_t best_victims = 0;
  Room room;
  int worst = 0;
  for (size_t i = 0; i < w.nodes.size(); ++i) {
    if (!w.nodes[i].placeable || !search.Evaluate(static_cast<int>(i), room, worst)) continue;
    size_t victims = room.stops.size() + room.pauses.size();
    if (best.node < 0 || worst > best_worst || (worst == best_worst && victims < best_victims)) {
      best = room;
      best_worst = worst;
      best_victims = victims;
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
