// Allocation by priority (internal): how many containers each app gets, and where.
//
//   0. Apps above their desired count are trimmed to it (victims.h).
//   1. Every app gets its `min`, in priority order (1 first; ties by name).
//   2. Every app gets up to its desired count, in priority order. Apps of equal priority
//      take turns one container at a time, the one with the fewest first (ties by name),
//      so they share fairly; when they are short, one holding two or more containers more
//      than another gives one up (if preemptible and above its min).
//   3. Paused containers beyond what an app keeps are stopped; standby pools are refilled
//      in free room.
// One more container for an app is found, in order: resuming one of its paused
// containers where the CPU is free now, a new container where there is room now
// (placement.h), the same two in room still held by draining containers (the start
// waits for it), or preemption (preemption.h). Thread-safety: none; works on one World.
#ifndef MICROSCALE_CONTROLLER_CORE_ALLOCATE_H_
#define MICROSCALE_CONTROLLER_CORE_ALLOCATE_H_

#include "controller/core/world.h"

namespace microscale::core::internal {

void Allocate(World& w);

// One more active container for `app` (steps above, without sharing); false if none.
bool AddOne(World& w, int app);

}  // namespace microscale::core::internal

#endif  // MICROSCALE_CONTROLLER_CORE_ALLOCATE_H_
