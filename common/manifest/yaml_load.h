// Loading of YAML text into yaml-cpp nodes, with every yaml-cpp failure turned into an
// InvalidArgument that names the document, line and column.
//
// Besides catching yaml-cpp's exceptions, it guards against yaml-cpp 0.7 looping forever:
// given a stray ',' where a document's top node should start, its parser never consumes
// the token and yields empty documents without end. A first pass with yaml-cpp's event
// parser notices a document that starts where the previous one started and refuses the
// input. Pure; thread-safe.
#ifndef MICROSCALE_COMMON_MANIFEST_YAML_LOAD_H_
#define MICROSCALE_COMMON_MANIFEST_YAML_LOAD_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace microscale::manifest_internal {

// The documents of `text` in order; an empty document is a null node.
absl::StatusOr<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text);

}  // namespace microscale::manifest_internal

#endif  // MICROSCALE_COMMON_MANIFEST_YAML_LOAD_H_
