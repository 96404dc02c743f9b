// Emission of Apps as manifest-shaped JSON, and of any JSON value as block-style YAML.
//
// AppToJson writes every field of the spec, defaults included, with the manifest's
// camelCase names and quantities as strings ("250m", "64Mi"); only the chosen demand
// source's block is written. JsonToYaml writes YAML that reads back as the same JSON
// value: strings that would read as another type ("10", "true", "null", "") are quoted.
// So ParseManifests(JsonToYaml(AppToJson(app))) gives back `app` for every valid app.
// Pure functions; thread-safe.
#ifndef MICROSCALE_COMMON_MANIFEST_EMIT_H_
#define MICROSCALE_COMMON_MANIFEST_EMIT_H_

#include <string>

#include "common/manifest/app.h"
#include "nlohmann/json.hpp"

namespace microscale {

// {"apiVersion": "microscale.io/v1", "kind": "App", "metadata": {...}, "spec": {...}}.
nlohmann::json AppToJson(const AppSpec& app);

// Block-style YAML of `value`, ending in a newline. Object keys keep their JSON order.
std::string JsonToYaml(const nlohmann::json& value);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_MANIFEST_EMIT_H_
