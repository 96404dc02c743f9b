// Readiness of applied apps, for `apply --wait`.
//
// An app is ready when its demand has been read, running == allocated == desired, and no
// condition reports a failure (status "False", or a failure-named condition such as
// "Failed" or "Degraded" that is "True").
// Pure functions; thread-safe.
#ifndef MICROSCALE_CLI_READINESS_H_
#define MICROSCALE_CLI_READINESS_H_

#include <string>
#include <vector>

#include "microscale/v1/control_plane.pb.h"

namespace microscale::cli {

struct AppReadiness {
  std::string name;
  bool ready = false;
  std::string detail;  // e.g. "2/3 running", "not found", "DemandAvailable=False: timeout"
};

// The readiness of each app in `names` (in that order), looked up in `apps`.
std::vector<AppReadiness> EvaluateReadiness(const google::protobuf::RepeatedPtrField<v1::App>& apps,
                                            const std::vector<std::string>& names);

bool AllReady(const std::vector<AppReadiness>& readiness);

// "1/2 apps ready; waiting for web (2/3 running)".
std::string ProgressLine(const std::vector<AppReadiness>& readiness);

// "web (2/3 running), worker (not found)": the apps not ready yet.
std::string NotReadySummary(const std::vector<AppReadiness>& readiness);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_READINESS_H_
