// The simulator's node file: one node a line, `name,cpu,memory,maxContainers,labels`.
//
//   name,cpu,memory,maxContainers,labels      <- optional header, exactly these columns
//   node-1,4,8Gi,0,zone=a;disk=ssd
//   node-2,4000m,8Gi,20,
//
// cpu is cores or millicores ("4", "0.5", "4000m"), memory a Kubernetes quantity ("8Gi"),
// maxContainers a whole number (0 = no cap), labels `k=v` pairs separated by `;` (may be
// empty; the labels column may be left out). Errors are InvalidArgument "FILE:LINE: reason";
// a file without any node is refused. Pure functions; thread-safe.
#ifndef MICROSCALE_CLI_SIMULATE_NODES_CSV_H_
#define MICROSCALE_CLI_SIMULATE_NODES_CSV_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controller/core/types.h"

namespace microscale::simulate {

struct SimNode {
  core::NodeInfo info;  // Ready, not cordoned; labels as an agent's --labels give them
};

absl::StatusOr<std::vector<SimNode>> ParseNodesCsv(absl::string_view text,
                                                   absl::string_view source);

}  // namespace microscale::simulate

#endif  // MICROSCALE_CLI_SIMULATE_NODES_CSV_H_
