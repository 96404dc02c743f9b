// Placement of new containers (internal): filter, score, select.
//
// Filter: placeable nodes (Ready, uncordoned, not draining) that the app's nodeSelector
// matches, where the container fits the
// allocation's room (CPU, memory, container cap). Among those, nodes where it also fits
// right now (no draining container still holding the room) come first, so a start is
// only deferred when nothing else will do. Score: `spread` takes the node with the least
// allocated fraction after placing (mean of CPU and memory), `binpack` the most. Ties go
// to the node first by name. Existing containers are never moved.
// Thread-safety: none; works on one World.
#ifndef MICROSCALE_CONTROLLER_CORE_PLACEMENT_H_
#define MICROSCALE_CONTROLLER_CORE_PLACEMENT_H_

#include "controller/core/world.h"

namespace microscale::core::internal {

// The node for one more container of app `app` using `u`, or -1 if none has room. Only
// nodes the app's nodeSelector matches are considered.
int ChooseNode(const World& w, int app, const Usage& u);

// Adds a new slot of app `app` on node `node` (start, or start paused for standby).
int PlaceNew(World& w, int app, int node, bool standby);

// The paused slot of `app` best resumed (its node has CPU for it in the allocation;
// where that CPU is free now first, then as `spread` scores, then the oldest), or -1.
int PausedToResume(const World& w, int app);

// Starts paused standby containers up to each app's `standby`, in priority order, in
// room nothing else was given; standby never displaces anything.
void FillStandby(World& w);

}  // namespace microscale::core::internal

#endif  // MICROSCALE_CONTROLLER_CORE_PLACEMENT_H_
