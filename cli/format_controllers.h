// Formatting of controllers (`get controllers`): table rows and the kubectl-shaped
// ControllerList object of the CLI contract.
//
// Pure functions of the API messages; thread-safe.
#ifndef MICROSCALE_CLI_FORMAT_CONTROLLERS_H_
#define MICROSCALE_CLI_FORMAT_CONTROLLERS_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "microscale/v1/control_plane.pb.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {

using ControllerMessages = google::protobuf::RepeatedPtrField<v1::ControllerInfo>;

// "Leader", "Standby", or "Unknown".
std::string ControllerRoleName(v1::ControllerRole role);

// NAME ADDRESS ROLE SINCE (SINCE as an age at `now`, <unknown> when not reported; NAME
// <unknown> for a leader that has not listed itself). Rows in the order given.
std::string ControllersTable(const ControllerMessages& controllers, absl::Time now);

// {"apiVersion": "microscale.io/v1", "kind": "ControllerList", "items": [{name, address,
// role, since (RFC 3339 or null)}...]}.
nlohmann::json ControllerListJson(const ControllerMessages& controllers);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_FORMAT_CONTROLLERS_H_
