#include "controller/core/decide.h"

#include "controller/core/allocate.h"
#include "controller/core/plan.h"
#include "controller/core/world.h"

namespace microscale::core {

Plan Decide(const ClusterState& state, const DecideOptions& options) {
  internal::World world = internal::BuildWorld(state, options);
  internal::Allocate(world);
  return internal::EmitPlan(world);
}

}  // namespace microscale::core
