// Decide: the decision core's entry point. From the apps (with their desired counts, see
// desired.h), the nodes, the containers agents report and the commands in flight, it
// computes the allocation and the plan that moves the cluster towards it.
//
// Guarantees (tested as properties in decide_property_test.cc):
//   - no node is ever over its CPU, memory or container cap, counting containers that
//     are still draining (a start waits until the room is really free: `pending`);
//   - priority order: an app short of its desired count means no lower-priority
//     preemptible app holds containers above its min that could make room;
//   - the same input gives the same plan; the plan applied (starts running, stops gone)
//     and decided again gives no further commands once nothing is pending;
//   - containers on NotReady nodes are neither counted nor stopped; containers of deleted
//     apps and draining nodes are stopped, but a running one on a draining node only once
//     its replacement runs (never taking the app below what runs, or below min);
//     non-preemptible containers are never stopped for another app.
// Complexity and the algorithm: docs/decision.md. Thread-safety: a pure function.
#ifndef MICROSCALE_CONTROLLER_CORE_DECIDE_H_
#define MICROSCALE_CONTROLLER_CORE_DECIDE_H_

#include "controller/core/types.h"

namespace microscale::core {

Plan Decide(const ClusterState& state, const DecideOptions& options = {});

}  // namespace microscale::core

#endif  // MICROSCALE_CONTROLLER_CORE_DECIDE_H_
