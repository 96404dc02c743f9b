#include "cli/format_controllers.h"

#include <utility>
#include <vector>

#include "cli/output.h"
#include "cli/table.h"
#include "cli/time_format.h"

namespace microscale::cli {

std::string ControllerRoleName(v1::ControllerRole role) {
  switch (role) {
    case v1::LEADER:
      return "Leader";
    case v1::STANDBY:
      return "Standby";
    default:
      return "Unknown";
  }
}

std::string ControllersTable(const ControllerMessages& controllers, absl::Time now) {
  Table table({"NAME", "ADDRESS", "ROLE", "SINCE"});
  for (const v1::ControllerInfo& c : controllers) {
    table.AddRow({c.name().empty() ? "<unknown>" : c.name(), c.address(),
                  ControllerRoleName(c.role()),
                  c.since_unix_ms() > 0 ? FormatAgeSince(c.since_unix_ms(), now) : "<unknown>"});
  }
  return table.Render();
}

nlohmann::json ControllerListJson(const ControllerMessages& controllers) {
  nlohmann::json items = nlohmann::json::array();
  for (const v1::ControllerInfo& c : controllers) {
    items.push_back({{"name", c.name()},
                     {"address", c.address()},
                     {"role", ControllerRoleName(c.role())},
                     {"since", Rfc3339OrNull(c.since_unix_ms())}});
  }
  return ListObject("ControllerList", std::move(items));
}

}  // namespace microscale::cli
