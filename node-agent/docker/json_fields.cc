#include "node-agent/docker/json_fields.h"

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale::docker::internal {
namespace {

const Json& NullJson() {
  static const Json* const kNull = new Json(nullptr);
  return *kNull;
}

}  // namespace

absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view what) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InternalError(
        absl::StrCat("docker engine sent malformed JSON for ", ToAbsl(what)));
  }
  return j;
}

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json& Field(const Json& object, std::string_view key) {
  if (!object.is_object()) return NullJson();
  auto it = object.find(std::string(key));
  if (it == object.end()) return NullJson();
  return *it;
}

std::string StringField(const Json& object, std::string_view key) {
  const Json& v = Field(object, key);
  return v.is_string() ? v.get_ref<const std::string&>() : std::string();
}

int64_t IntField(const Json& object, std::string_view key) {
  const Json& v = Field(object, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d >= -9.2e18 && d <= 9.2e18) return static_cast<int64_t>(d);
  }
  return 0;
}

bool BoolField(const Json& object, std::string_view key) {
  const Json& v = Field(object, key);
  return v.is_boolean() && v.get<bool>();
}

std::vector<std::string> StringListField(const Json& object, std::string_view key) {
  std::vector<std::string> out;
  const Json& v = Field(object, key);
  if (!v.is_array()) return out;
  for (const Json& item : v) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> StringMapField(const Json& object, std::string_view key) {
  std::map<std::string, std::string> out;
  const Json& v = Field(object, key);
  if (!v.is_object()) return out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

}  // namespace microscale::docker::internal
