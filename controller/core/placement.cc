#include "controller/core/placement.h"

#include <map>
#include <string>

namespace microscale::core::internal {
namespace {

double LoadAfter(const WorkNode& n, const Usage& u) {
  const NodeInfo& i = *n.info;
  double cpu = i.cpu_millis > 0 ? static_cast<double>(n.used.cpu + u.cpu) / i.cpu_millis : 1.0;
  double mem =
      i.memory_bytes > 0 ? static_cast<double>(n.used.memory + u.memory) / i.memory_bytes : 1.0;
  return (cpu + mem) / 2;
}

// Is `a` (fits now: `a_now`, score `a_score`) a better node than the best so far?
bool Better(bool a_now, double a_score, bool b_now, double b_score, PlacementStrategy p) {
  if (a_now != b_now) return a_now;
  return p == PlacementStrategy::kSpread ? a_score < b_score : a_score > b_score;
}

// The best node so far for a container using `u`, by the order of placement.h.
struct Choice {
  int node = -1;
  bool now = false;
  double score = 0;

  void Consider(const World& w, int i, const Usage& u) {
    const WorkNode& n = w.nodes[static_cast<size_t>(i)];
    bool n_now = FitsNow(n, u);
    double n_score = LoadAfter(n, u);
    bool better = node < 0 || Better(n_now, n_score, now, score, w.placement);
    if (!better && n_now == now && n_score == score) better = i < node;
    if (better) *this = Choice{i, n_now, n_score};
  }
};

// The first node of class `c` that fits now, else the first that fits; -1 if none.
// `host_ports`: skip the nodes that hold a container of `app` already.
int FirstInClass(const World& w, const NodeClass& c, int app, bool host_ports, const Usage& u) {
  int pick = -1;
  for (const auto& [key, i] : c.order) {
    const WorkNode& n = w.nodes[static_cast<size_t>(i)];
    if (!FitsUsed(n, u) || (host_ports && !Admits(w, app, i))) continue;
    if (pick < 0) pick = i;
    if (FitsNow(n, u)) return i;
  }
  return pick;
}

// When no node the app may use had room for a size at most `u` and only the nodes freed
// since may have room now: the answer among those. False if no such record exists.
bool FromFreedSince(const World& w, int app, const Usage& u, int& out) {
  const std::map<std::string, std::string>& selector = w.apps[app].spec().node_selector;
  for (World::NoRoom& r : w.no_room) {
    if (!r.size.Within(u) || *r.selector != selector) continue;
    Choice best;
    for (size_t k = r.since; k < w.freed_nodes.size(); ++k) {
      int i = w.freed_nodes[k];
      if (w.nodes[static_cast<size_t>(i)].placeable && Admits(w, app, i) &&
          FitsUsed(w.nodes[static_cast<size_t>(i)], u)) {
        best.Consider(w, i, u);
      }
    }
    if (best.node < 0 && r.size.cpu == u.cpu && r.size.memory == u.memory &&
        r.size.ports == u.ports) {
      r.since = w.freed_nodes.size();
    }
    out = best.node;
    return true;
  }
  return false;
}

}  // namespace

int ChooseNode(const World& w, int app, const Usage& u) {
  // Where an app holding host ports fits depends on where it already runs, not on its size
  // alone: it neither uses nor leaves a no-room record.
  const bool host_ports = HoldsHostPorts(w.apps[app].spec());
  int known = -1;
  if (!host_ports && FromFreedSince(w, app, u, known)) return known;
  const std::map<std::string, std::string>& selector = w.apps[app].spec().node_selector;
  Choice best;
  for (const NodeClass& c : w.classes) {
    if (u.cpu > c.cpu || u.memory > c.memory || (c.max_ports > 0 && u.ports > c.max_ports) ||
        !LabelsMatch(selector, c.labels)) {
      continue;
    }
    int pick = FirstInClass(w, c, app, host_ports, u);
    if (pick >= 0) best.Consider(w, pick, u);
  }
  if (best.node < 0 && !host_ports) w.no_room.push_back({u, &selector, w.freed_nodes.size()});
  return best.node;
}

int PlaceNew(World& w, int app, int node, bool standby) {
  Slot s;
  s.app = app;
  s.node = node;
  s.initial = s.target = standby ? ContainerState::kPaused : ContainerState::kStarting;
  s.start_paused = standby;
  s.reason = standby ? CommandReason::kStandby : CommandReason::kScaleUp;
  s.deferred = !FitsNow(w.nodes[node], UsageOf(w.apps[app].spec(), s.target)) ||
               !HostPortsFreeNow(w, app, node);
  return AddSlot(w, s);
}

int PausedToResume(const World& w, int app) {
  const Usage cpu{w.apps[app].spec().resources.cpu_millis, 0, 0};
  int best = -1;
  bool best_now = false;
  double best_score = 0;
  for (int s : w.apps[app].slots) {
    const Slot& slot = w.slots[s];
    const WorkNode& n = w.nodes[slot.node];
    if (!slot.alive || slot.target != ContainerState::kPaused || !n.placeable ||
        !Selects(w, app, slot.node) || !FitsUsed(n, cpu)) {
      continue;
    }
    bool now = FitsNow(n, cpu);
    double score = LoadAfter(n, cpu);
    bool better = best < 0 || Better(now, score, best_now, best_score, PlacementStrategy::kSpread);
    bool tie = best >= 0 && now == best_now && score == best_score;
    // Ties: the node first by name, then the oldest paused container.
    if (tie) {
      int bn = w.slots[best].node;
      better = slot.node != bn ? slot.node < bn : NewerThan(w, best, s);
    }
    if (better) {
      best = s;
      best_now = now;
      best_score = score;
    }
  }
  return best;
}

void FillStandby(World& w) {
  for (size_t a = 0; a < w.apps.size(); ++a) {
    const AppSpec& spec = w.apps[a].spec();
    if (spec.standby <= 0) continue;
    int paused = 0;
    for (int s : w.apps[a].slots) {
      paused += w.slots[s].alive && w.slots[s].target == ContainerState::kPaused;
    }
    const Usage u = UsageOf(spec, ContainerState::kPaused);
    for (; paused < spec.standby; ++paused) {
      int node = ChooseNode(w, static_cast<int>(a), u);
      if (node < 0) break;
      PlaceNew(w, static_cast<int>(a), node, /*standby=*/true);
    }
  }
}

}  // namespace microscale::core::internal
