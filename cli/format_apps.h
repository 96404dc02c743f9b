// Formatting of apps for `get apps` and `describe app`: table rows and the kubectl-shaped
// AppList object of the CLI contract.
//
// Pure functions of the API messages (the current time is passed in); thread-safe.
#ifndef MICROSCALE_CLI_FORMAT_APPS_H_
#define MICROSCALE_CLI_FORMAT_APPS_H_

#include <string>

#include "google/protobuf/repeated_field.h"
#include "microscale/v1/control_plane.pb.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {

using AppMessages = google::protobuf::RepeatedPtrField<v1::App>;

// A demand value as the table shows it: "12", "12.5", "0.333".
std::string FormatDemand(double demand);

// NAME PRIORITY SOURCE DEMAND DESIRED ALLOCATED RUNNING MIN MAX, and with `wide`
// also STANDBY PAUSED IMAGE CPU MEMORY.
std::string AppsTable(const AppMessages& apps, bool wide);

// {demand (null until first read), desired, allocated, running, paused, standby, conditions},
// plus arrivalRate, drainRatePerContainer and forecast when the controller has set them.
nlohmann::json AppStatusJson(const v1::AppStatus& status);

// The manifest of the app (apiVersion, kind App, metadata, spec) plus its status.
nlohmann::json AppJson(const v1::App& app);

// {"apiVersion": "microscale.io/v1", "kind": "AppList", "items": [AppJson...]}.
nlohmann::json AppListJson(const AppMessages& apps);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_FORMAT_APPS_H_
