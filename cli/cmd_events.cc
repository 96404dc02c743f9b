// events [--follow], version.
#include "cli/commands.h"
#include "cli/format_containers.h"
#include "cli/format_controllers.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {
namespace {

// Without --follow the events are collected and printed as one table or EventList; with
// it each event prints as it arrives (one line, or one compact JSON object per line).
int FollowEvents(CommandContext& context) {
  const OutputFormat format = context.options().output;
  if (!IsStructured(format)) context.out() << EventHeaderLine() << '\n' << std::flush;
  absl::Status status = context.client().WatchEvents(true, [&](const v1::Event& event) {
    if (format == OutputFormat::kJson) {
      context.out() << EventJson(event).dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace);
    } else if (format == OutputFormat::kYaml) {
      context.out() << "---\n";
      PrintStructured(EventJson(event), format, context.out());
      return;
    } else {
      context.out() << EventLine(event);
    }
    context.out() << '\n' << std::flush;
  });
  if (!status.ok()) return context.Fail(status);
  return 0;
}

}  // namespace

int RunEvents(CommandContext& context, bool follow) {
  if (follow) return FollowEvents(context);
  EventMessages events;
  absl::Status status =
      context.client().WatchEvents(false, [&](const v1::Event& event) { *events.Add() = event; });
  if (!status.ok()) return context.Fail(status);
  const OutputFormat format = context.options().output;
  if (IsStructured(format)) {
    PrintStructured(EventListJson(events), format, context.out());
    return 0;
  }
  if (events.empty()) {
    context.err() << "No events found.\n";
    return 0;
  }
  // Columns as wide as the longest reason and object listed, so none shifts a row.
  const EventColumns columns = EventColumnsFor(events);
  context.out() << EventHeaderLine(columns) << '\n';
  for (const v1::Event& event : events) context.out() << EventLine(event, columns) << '\n';
  return 0;
}

int RunVersion(CommandContext& context) {
  const OutputFormat format = context.options().output;
  auto server = context.client().Version();
  if (IsStructured(format)) {
    nlohmann::json object = {{"clientVersion", ClientVersion()}};
    if (server.ok()) {
      object["serverVersion"] = server->version();
      object["cluster"] = server->cluster();
      if (server->role() != v1::CONTROLLER_ROLE_UNSPECIFIED) {
        object["role"] = ControllerRoleName(server->role());
        object["leader"] = server->leader();
      }
    }
    PrintStructured(object, format, context.out());
  } else {
    context.out() << "Client Version: " << ClientVersion() << '\n';
    if (server.ok()) {
      context.out() << "Server Version: " << server->version() << " (cluster " << server->cluster()
                    << ")\n";
      if (server->role() == v1::STANDBY) {
        context.out() << "Role: Standby (leader "
                      << (server->leader().empty() ? "<none>" : server->leader()) << ")\n";
      } else if (server->role() == v1::LEADER) {
        context.out() << "Role: Leader\n";
      }
    }
  }
  if (!server.ok()) return context.Fail(server.status());
  return 0;
}

}  // namespace microscale::cli
