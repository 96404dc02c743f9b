// The manifest form (apiVersion, kind App, metadata, spec) of an app the controller
// returns, as a JSON object, written by the manifest library so that `get apps -o yaml`
// prints what `apply -f` accepts.
//
// A pure function; thread-safe.
#ifndef MICROSCALE_CLI_APP_JSON_H_
#define MICROSCALE_CLI_APP_JSON_H_

#include "microscale/v1/types.pb.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {

nlohmann::json AppManifestJson(const v1::AppSpec& spec);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_APP_JSON_H_
