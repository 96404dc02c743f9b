// The text of `describe app NAME`, in the style of kubectl describe: the spec summary,
// status counts, conditions, containers and recent events.
//
// A pure function of the API message (the current time is passed in); thread-safe.
#ifndef MICROSCALE_CLI_DESCRIBE_H_
#define MICROSCALE_CLI_DESCRIBE_H_

#include <string>

#include "absl/time/time.h"
#include "microscale/v1/control_plane.pb.h"

namespace microscale::cli {

std::string DescribeAppText(const v1::DescribeAppResponse& response, absl::Time now);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_DESCRIBE_H_
