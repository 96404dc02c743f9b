#include "cli/output.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/manifest/emit.h"

namespace microscale::cli {

std::optional<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "wide") return OutputFormat::kWide;
  if (text == "json") return OutputFormat::kJson;
  if (text == "yaml") return OutputFormat::kYaml;
  return std::nullopt;
}

std::string JoinPairs(const google::protobuf::Map<std::string, std::string>& map) {
  if (map.empty()) return "<none>";
  std::vector<std::string> pairs;
  for (const auto& [key, value] : map) pairs.push_back(absl::StrCat(key, "=", value));
  std::sort(pairs.begin(), pairs.end());
  return absl::StrJoin(pairs, ",");
}

bool IsStructured(OutputFormat format) {
  return format == OutputFormat::kJson || format == OutputFormat::kYaml;
}

void PrintStructured(const nlohmann::json& object, OutputFormat format, std::ostream& out) {
  if (format == OutputFormat::kYaml) {
    std::string yaml = JsonToYaml(object);
    out << yaml;
    if (yaml.empty() || yaml.back() != '\n') out << '\n';
    return;
  }
  out << object.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

nlohmann::json ListObject(const std::string& kind, nlohmann::json items) {
  return {{"apiVersion", kApiVersion}, {"kind", kind}, {"items", std::move(items)}};
}

}  // namespace microscale::cli
