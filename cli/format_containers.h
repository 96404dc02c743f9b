// Formatting of containers (`get containers`) and events (`events`): table rows and the
// kubectl-shaped list objects of the CLI contract.
//
// Pure functions of the API messages (the current time is passed in); thread-safe.
#ifndef MICROSCALE_CLI_FORMAT_CONTAINERS_H_
#define MICROSCALE_CLI_FORMAT_CONTAINERS_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "microscale/v1/control_plane.pb.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {

using ContainerMessages = google::protobuf::RepeatedPtrField<v1::Container>;
using EventMessages = google::protobuf::RepeatedPtrField<v1::Event>;

// "Starting", "Running", "Paused", "Stopping", "Exited" or "Unknown".
std::string ContainerStateName(v1::ContainerState state);

// INSTANCE APP NODE STATE AGE; with `wide` also CONTAINER-ID STANDBY. AGE counts from start.
std::string ContainersTable(const ContainerMessages& containers, bool wide, absl::Time now);

// {instance, app, node, state, containerId, startedAt (RFC 3339 or null)}.
nlohmann::json ContainerJson(const v1::Container& container);

// {"apiVersion": "microscale.io/v1", "kind": "ContainerList", "items": [ContainerJson...]}.
nlohmann::json ContainerListJson(const ContainerMessages& containers);

// Widths of the REASON and OBJECT columns: from the events listed, or (following, when the
// events are not known yet) wide enough for every reason and most objects.
struct EventColumns {
  int reason = 18;
  int object = 32;
};

// The column titles of an event line, and one event as a line (no newline) aligned to them:
// TIME REASON OBJECT MESSAGE. The same columns for every line, so they line up.
std::string EventHeaderLine(const EventColumns& columns = {});
EventColumns EventColumnsFor(const EventMessages& events);
std::string EventLine(const v1::Event& event, const EventColumns& columns = {});

// {time, reason, object, message}; and the EventList object around several.
nlohmann::json EventJson(const v1::Event& event);
nlohmann::json EventListJson(const EventMessages& events);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_FORMAT_CONTAINERS_H_
