#include <algorithm>

#include "controller/core/world.h"

namespace microscale::core::internal {
namespace {

void Ledger(World& w, const Slot& slot, int sign) {
  const WorkApp& a = w.apps[slot.app];
  bool paused = slot.target == ContainerState::kPaused;
  int32_t level = paused ? kPausedLevel : a.spec().priority;
  Usage u = UsageOf(a.spec(), slot.target);
  auto& reclaim = w.nodes[slot.node].reclaim;
  auto it = std::lower_bound(reclaim.begin(), reclaim.end(), level,
                             [](const auto& e, int32_t l) { return e.first < l; });
  if (it == reclaim.end() || it->first != level) {
    it = reclaim.insert(it, {level, Usage{}});
    w.level_nodes[level].insert(slot.node);
  }
  if (sign > 0) {
    it->second.Add(u);
  } else {
    it->second.Sub(u);
    if (it->second.count == 0) {
      reclaim.erase(it);
      w.level_nodes[level].erase(slot.node);
    }
  }
}

}  // namespace

void Reindex(World& w, int n) {
  WorkNode& node = w.nodes[n];
  if (node.node_class < 0) return;
  auto& order = w.classes[node.node_class].order;
  order.erase({node.order_key, n});
  double load = Load(node);
  node.order_key = w.placement == PlacementStrategy::kSpread ? load : -load;
  order.insert({node.order_key, n});
}

void Track(World& w, const Slot& slot, int sign) {
  if (!slot.alive) return;
  WorkApp& a = w.apps[slot.app];
  bool paused = slot.target == ContainerState::kPaused;
  if (paused) a.paused += sign;
  if (a.spec().preemptible && (paused || a.listed)) Ledger(w, slot, sign);
}

void SyncReclaim(World& w, int app) {
  WorkApp& a = w.apps[app];
  bool listed = a.spec().preemptible && a.active > a.spec().replicas.min;
  if (listed == a.listed) return;
  a.listed = listed;
  for (int s : a.slots) {
    const Slot& slot = w.slots[s];
    if (slot.alive && IsActive(slot.target)) Ledger(w, slot, listed ? +1 : -1);
  }
}

}  // namespace microscale::core::internal
