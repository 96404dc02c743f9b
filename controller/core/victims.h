// Scale-down victims (internal): which containers of an app stop when it has more than
// it wants.
//
// Not-yet-running (starting) containers go first, then running ones from the most loaded
// node (ties: the node first by name), newest (highest ordinal) first on that node; the
// load is recomputed after every stop, so a large scale-down drains the busiest nodes
// evenly. Paused containers beyond the app's standby pool (and, for `preemption: pause`,
// beyond the preempted ones it still wants back) stop newest first.
// Thread-safety: none; works on one World.
#ifndef MICROSCALE_CONTROLLER_CORE_VICTIMS_H_
#define MICROSCALE_CONTROLLER_CORE_VICTIMS_H_

#include "controller/core/world.h"

namespace microscale::core::internal {

// Stops `count` active slots of app `app` by the rule above.
void StopSurplus(World& w, int app, int count, CommandReason reason);

// Every app above its desired count is trimmed to it.
void TrimToDesired(World& w);

// Stops paused slots an app does not keep (see above).
void TrimPaused(World& w);

}  // namespace microscale::core::internal

#endif  // MICROSCALE_CONTROLLER_CORE_VICTIMS_H_
