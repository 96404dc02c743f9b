#include "cli/format_nodes.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/output.h"
#include "cli/table.h"
#include "cli/time_format.h"
#include "common/quantity.h"

namespace microscale::cli {
namespace {

std::string ContainersCell(const v1::Node& node) {
  const int32_t cap = node.capacity().max_containers();
  if (cap > 0) return absl::StrCat(node.containers(), "/", cap);
  return absl::StrCat(node.containers());
}

std::vector<std::string> NodeRow(const v1::Node& node, bool wide, absl::Time now) {
  std::vector<std::string> row = {
      node.name(),
      node.state(),
      absl::StrCat(FormatCpuMillis(node.allocated().cpu_millis()), "/",
                   FormatCpuMillis(node.capacity().cpu_millis())),
      absl::StrCat(FormatMemoryBytes(node.allocated().memory_bytes()), "/",
                   FormatMemoryBytes(node.capacity().memory_bytes())),
      ContainersCell(node),
      FormatAgeSince(node.registered_unix_ms(), now)};
  if (wide) {
    // Host ports in use of the --port-range.
    row.push_back(node.capacity().ports() > 0
                      ? absl::StrCat(node.allocated().ports(), "/", node.capacity().ports())
                      : absl::StrCat(node.allocated().ports()));
    row.push_back(node.address());
    row.push_back(node.runtime() == "sim" ? "sim (simulated)" : node.runtime());
    row.push_back(node.agent_version());
    row.push_back(FormatAgeSince(node.last_heartbeat_unix_ms(), now));
    row.push_back(JoinPairs(node.labels()));
  }
  return row;
}

nlohmann::json CapacityJson(const v1::NodeCapacity& capacity) {
  return {{"cpu", FormatCpuMillis(capacity.cpu_millis())},
          {"memory", FormatMemoryBytes(capacity.memory_bytes())},
          {"maxContainers", capacity.max_containers()},
          {"ports", capacity.ports()}};
}

}  // namespace

std::string NodesTable(const NodeMessages& nodes, bool wide, absl::Time now) {
  std::vector<std::string> header = {"NAME", "STATUS", "CPU", "MEMORY", "CONTAINERS", "AGE"};
  if (wide) {
    header.insert(header.end(),
                  {"PORTS", "ADDRESS", "RUNTIME", "VERSION", "LAST-HEARTBEAT", "LABELS"});
  }
  Table table(std::move(header));
  for (const v1::Node& node : nodes) table.AddRow(NodeRow(node, wide, now));
  return table.Render();
}

nlohmann::json NodeJson(const v1::Node& node) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, value] : node.labels()) labels[key] = value;
  return {{"apiVersion", kApiVersion},
          {"kind", "Node"},
          {"metadata", {{"name", node.name()}, {"labels", std::move(labels)}}},
          {"status",
           {{"state", node.state()},
            {"draining", node.draining()},
            {"capacity", CapacityJson(node.capacity())},
            {"allocated", CapacityJson(node.allocated())},
            {"containers", node.containers()},
            {"address", node.address()},
            {"lastHeartbeat", Rfc3339OrNull(node.last_heartbeat_unix_ms())}}}};
}

nlohmann::json NodeListJson(const NodeMessages& nodes) {
  nlohmann::json items = nlohmann::json::array();
  for (const v1::Node& node : nodes) items.push_back(NodeJson(node));
  return ListObject("NodeList", std::move(items));
}

}  // namespace microscale::cli
