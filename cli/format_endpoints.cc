#include "cli/format_endpoints.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/output.h"
#include "cli/table.h"

namespace microscale::cli {
namespace {

std::vector<std::string> EndpointRow(const v1::Endpoint& endpoint, bool wide) {
  std::vector<std::string> row = {endpoint.app(), endpoint.instance(), endpoint.node(),
                                  endpoint.address(), endpoint.ready() ? "true" : "false"};
  if (wide) {
    row.push_back(endpoint.port_name().empty() ? "<none>" : endpoint.port_name());
    row.push_back(absl::StrCat(endpoint.container_port()));
  }
  return row;
}

}  // namespace

std::string EndpointsTable(const EndpointMessages& endpoints, bool wide) {
  std::vector<std::string> header = {"APP", "INSTANCE", "NODE", "ADDRESS:PORT", "READY"};
  if (wide) header.insert(header.end(), {"PORT-NAME", "CONTAINER-PORT"});
  Table table(std::move(header));
  for (const v1::Endpoint& endpoint : endpoints) table.AddRow(EndpointRow(endpoint, wide));
  return table.Render();
}

nlohmann::json EndpointJson(const v1::Endpoint& endpoint) {
  return {{"app", endpoint.app()},
          {"instance", endpoint.instance()},
          {"node", endpoint.node()},
          {"portName", endpoint.port_name()},
          {"containerPort", endpoint.container_port()},
          {"address", endpoint.address()},
          {"ready", endpoint.ready()},
          {"priority", endpoint.priority()}};
}

nlohmann::json EndpointListJson(const EndpointMessages& endpoints) {
  nlohmann::json items = nlohmann::json::array();
  for (const v1::Endpoint& endpoint : endpoints) items.push_back(EndpointJson(endpoint));
  return ListObject("EndpointList", std::move(items));
}

}  // namespace microscale::cli
