// Output formats of microscalectl (`-o table|wide|json|yaml`) and the printing of
// structured objects in the machine-readable ones.
//
// Pure functions; thread-safe.
#ifndef MICROSCALE_CLI_OUTPUT_H_
#define MICROSCALE_CLI_OUTPUT_H_

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "google/protobuf/map.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {

enum class OutputFormat { kTable, kWide, kJson, kYaml };

inline constexpr const char* kApiVersion = "microscale.io/v1";

// "table" -> kTable, ...; nullopt for any other spelling.
std::optional<OutputFormat> ParseOutputFormat(std::string_view text);

bool IsStructured(OutputFormat format);

// Prints `object` as indented JSON (kJson) or YAML (kYaml), ending in a newline.
void PrintStructured(const nlohmann::json& object, OutputFormat format, std::ostream& out);

// "k=v,k2=v2" sorted by key, "<none>" when empty (labels, env, node selectors).
std::string JoinPairs(const google::protobuf::Map<std::string, std::string>& map);

// {"apiVersion": "microscale.io/v1", "kind": kind, "items": items}.
nlohmann::json ListObject(const std::string& kind, nlohmann::json items);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_OUTPUT_H_
