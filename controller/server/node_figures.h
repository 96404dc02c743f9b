// The Node message the API shows: capacity, what its containers hold, and its state.
#ifndef MICROSCALE_CONTROLLER_SERVER_NODE_FIGURES_H_
#define MICROSCALE_CONTROLLER_SERVER_NODE_FIGURES_H_

#include <vector>

#include "controller/server/app_table.h"
#include "controller/server/node_registry.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

// Allocated CPU and memory count every container that is not exited; a paused container
// holds its memory but no CPU.
v1::Node NodeMessage(const NodeView& node, const std::vector<AppEntry>& apps);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_NODE_FIGURES_H_
