// The plan (internal): the diff between the allocation and what agents report, as
// commands with stable instance ids, plus the per-app figures.
//
// New containers get "<app>-<next ordinal>" in the order the allocation added them; a
// deferred start takes no ordinal, so the next decision gives it the same id. Commands
// are sorted: stops, pauses, resumes, starts, each by instance id.
// Thread-safety: none; reads one World.
#ifndef MICROSCALE_CONTROLLER_CORE_PLAN_H_
#define MICROSCALE_CONTROLLER_CORE_PLAN_H_

#include "controller/core/world.h"

namespace microscale::core::internal {

Plan EmitPlan(World& w);

}  // namespace microscale::core::internal

#endif  // MICROSCALE_CONTROLLER_CORE_PLAN_H_
