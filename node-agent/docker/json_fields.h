// Non-throwing accessors over nlohmann::json for reading the engine's replies.
//
// Each returns the field's value when present with the expected type and a zero value
// otherwise, so odd or partial JSON never throws. Internal to node-agent/docker.
#ifndef MICROSCALE_NODE_AGENT_DOCKER_JSON_FIELDS_H_
#define MICROSCALE_NODE_AGENT_DOCKER_JSON_FIELDS_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace microscale::docker::internal {

using Json = nlohmann::json;

// Parses `text` without exceptions; Internal when it is not JSON.
absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view what);

// Serializes without exceptions (invalid UTF-8 is replaced).
std::string DumpJson(const Json& j);

const Json& Field(const Json& object, std::string_view key);  // null Json when absent
std::string StringField(const Json& object, std::string_view key);
int64_t IntField(const Json& object, std::string_view key);
bool BoolField(const Json& object, std::string_view key);
std::vector<std::string> StringListField(const Json& object, std::string_view key);
std::map<std::string, std::string> StringMapField(const Json& object, std::string_view key);

}  // namespace microscale::docker::internal

#endif  // MICROSCALE_NODE_AGENT_DOCKER_JSON_FIELDS_H_
