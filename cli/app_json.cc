#include "cli/app_json.h"

#include <string>
#include <utility>

#include "common/manifest/app_proto.h"
#include "common/manifest/emit.h"
#include "google/protobuf/util/json_util.h"

namespace microscale::cli {

nlohmann::json AppManifestJson(const v1::AppSpec& spec) {
  absl::StatusOr<AppSpec> app = AppFromProto(spec);
  if (app.ok()) return AppToJson(*app);
  // A spec this client cannot read as a manifest (e.g. from a newer controller) is still
  // shown, in the message's own JSON mapping.
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  nlohmann::json fields = nlohmann::json::object();
  if (google::protobuf::util::MessageToJsonString(spec, &text, options).ok()) {
    fields = nlohmann::json::parse(text, nullptr, false);
    if (fields.is_object()) fields.erase("name");
  }
  return {{"apiVersion", "microscale.io/v1"},
          {"kind", "App"},
          {"metadata", {{"name", spec.name()}}},
          {"spec", std::move(fields)}};
}

}  // namespace microscale::cli
