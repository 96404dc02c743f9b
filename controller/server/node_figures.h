// The Node message the API shows: capacity, what its containers hold, and its state.
#ifndef MICROSCALE_CONTROLLER_SERVER_NODE_FIGURES_H_
#define MICROSCALE_CONTROLLER_SERVER_NODE_FIGURES_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "controller/server/app_table.h"
#include "controller/server/node_registry.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

// The apps' specs by name, built once for the NodeMessage of every node.
using AppSpecIndex = absl::flat_hash_map<std::string, const AppSpec*>;
AppSpecIndex IndexSpecs(const std::vector<AppEntry>& apps);

// Allocated CPU and memory count every container that is not exited; a paused container
// holds its memory but no CPU. `specs` must outlive the call (it points into the apps).
v1::Node NodeMessage(const NodeView& node, const AppSpecIndex& specs);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_NODE_FIGURES_H_
