#include "cli/format_containers.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/output.h"
#include "cli/table.h"
#include "cli/time_format.h"

namespace microscale::cli {
namespace {

std::string EventRow(const EventColumns& columns, std::string_view time, std::string_view reason,
                     std::string_view object, std::string_view message) {
  return absl::StrFormat("%-20s   %-*s   %-*s   %s", time, columns.reason, reason, columns.object,
                         object, message);
}

std::vector<std::string> ContainerRow(const v1::Container& container, bool wide, absl::Time now) {
  std::vector<std::string> row = {container.instance(), container.app(), container.node(),
                                  ContainerStateName(container.state()),
                                  FormatAgeSince(container.started_unix_ms(), now)};
  if (wide) {
    row.push_back(container.container_id().substr(0, 12));
    row.push_back(container.standby() ? "true" : "false");
  }
  return row;
}

}  // namespace

std::string ContainerStateName(v1::ContainerState state) {
  switch (state) {
    case v1::CONTAINER_STATE_STARTING:
      return "Starting";
    case v1::CONTAINER_STATE_RUNNING:
      return "Running";
    case v1::CONTAINER_STATE_PAUSED:
      return "Paused";
    case v1::CONTAINER_STATE_STOPPING:
      return "Stopping";
    case v1::CONTAINER_STATE_EXITED:
      return "Exited";
    default:
      return "Unknown";
  }
}

std::string ContainersTable(const ContainerMessages& containers, bool wide, absl::Time now) {
  std::vector<std::string> header = {"INSTANCE", "APP", "NODE", "STATE", "AGE"};
  if (wide) header.insert(header.end(), {"CONTAINER-ID", "STANDBY"});
  Table table(std::move(header));
  for (const v1::Container& container : containers) {
    table.AddRow(ContainerRow(container, wide, now));
  }
  return table.Render();
}

nlohmann::json ContainerJson(const v1::Container& container) {
  return {{"instance", container.instance()},
          {"app", container.app()},
          {"node", container.node()},
          {"state", ContainerStateName(container.state())},
          {"containerId", container.container_id()},
          {"startedAt", Rfc3339OrNull(container.started_unix_ms())}};
}

nlohmann::json ContainerListJson(const ContainerMessages& containers) {
  nlohmann::json items = nlohmann::json::array();
  for (const v1::Container& container : containers) items.push_back(ContainerJson(container));
  return ListObject("ContainerList", std::move(items));
}

EventColumns EventColumnsFor(const EventMessages& events) {
  EventColumns columns{std::string_view("REASON").size(), std::string_view("OBJECT").size()};
  for (const v1::Event& event : events) {
    columns.reason = std::max(columns.reason, static_cast<int>(event.kind().size()));
    columns.object = std::max(columns.object, static_cast<int>(event.object().size()));
  }
  return columns;
}

std::string EventHeaderLine(const EventColumns& columns) {
  return EventRow(columns, "TIME", "REASON", "OBJECT", "MESSAGE");
}

std::string EventLine(const v1::Event& event, const EventColumns& columns) {
  return EventRow(columns, FormatRfc3339(event.unix_ms()), event.kind(), event.object(),
                  event.message());
}

nlohmann::json EventJson(const v1::Event& event) {
  return {{"time", Rfc3339OrNull(event.unix_ms())},
          {"reason", event.kind()},
          {"object", event.object()},
          {"message", event.message()}};
}

nlohmann::json EventListJson(const EventMessages& events) {
  nlohmann::json items = nlohmann::json::array();
  for (const v1::Event& event : events) items.push_back(EventJson(event));
  return ListObject("EventList", std::move(items));
}

}  // namespace microscale::cli
