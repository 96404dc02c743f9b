// Preemption (internal): making room for one container by stopping or pausing others.
//
// On each placeable node, the eligible victims are taken in order until the container
// fits: paused containers first (they serve no demand; they free memory and a slot), then
// active ones from the lowest priority up (ties: the app last by name), not-yet-running
// first, newest first. A victim app never drops below its `min`; a non-preemptible app's
// containers are never victims. When CPU alone is short, a victim whose app says
// `preemption: pause` is paused instead of stopped. The node chosen is the one whose most
// important victim is the least important, then by name (a per-node bound from the
// reclaimable ledger skips nodes that cannot do better, so few nodes are evaluated).
// The new container's start waits until the victims are gone (no overcommit).
// Thread-safety: none; works on one World.
#ifndef MICROSCALE_CONTROLLER_CORE_PREEMPTION_H_
#define MICROSCALE_CONTROLLER_CORE_PREEMPTION_H_

#include <vector>

#include "controller/core/world.h"

namespace microscale::core::internal {

// Who may be a victim for a container of app `app`.
struct VictimRule {
  int app = -1;
  // -1: active containers of apps of a strictly lower priority (larger number), and paused
  // containers of any other app. Otherwise only active containers of this app (sharing
  // among equal priorities).
  int only_app = -1;
  int max_victims = 1 << 30;
};

struct Room {
  int node = -1;
  std::vector<int> stops;
  std::vector<int> pauses;
};

// The best room for one more container of `rule.app`; node -1 if there is none.
Room FindRoom(const World& w, const VictimRule& rule);

// Stops/pauses the room's victims and places the new container there.
void TakeRoom(World& w, int app, const Room& room);

}  // namespace microscale::core::internal

#endif  // MICROSCALE_CONTROLLER_CORE_PREEMPTION_H_
