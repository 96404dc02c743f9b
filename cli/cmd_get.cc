// get apps | nodes | containers | endpoints | controllers.
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/format_apps.h"
#include "cli/format_containers.h"
#include "cli/format_controllers.h"
#include "cli/format_endpoints.h"
#include "cli/format_nodes.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {
namespace {

int NotFound(CommandContext& context, const char* kind, const std::string& name) {
  return context.FailWith(absl::StrCat(kind, " \"", name, "\" not found"));
}

// Tables of nothing say so on stderr, like kubectl, so stdout stays parseable.
void PrintTable(CommandContext& context, int rows, const char* plural, const std::string& text) {
  if (rows == 0) {
    context.err() << "No " << plural << " found.\n";
    return;
  }
  context.out() << text;
}

// Keeps the items named `name` (all when it is empty), whatever filter the server applied.
template <typename Message, typename NameOf>
void KeepNamed(google::protobuf::RepeatedPtrField<Message>& items, const std::string& name,
               NameOf name_of) {
  if (name.empty()) return;
  google::protobuf::RepeatedPtrField<Message> kept;
  for (Message& item : items) {
    if (name_of(item) == name) *kept.Add() = std::move(item);
  }
  items.Swap(&kept);
}

bool Wide(const CommandContext& context) { return context.options().output == OutputFormat::kWide; }

void PrintEndpoints(CommandContext& context, const EndpointMessages& endpoints) {
  const OutputFormat format = context.options().output;
  if (IsStructured(format)) {
    PrintStructured(EndpointListJson(endpoints), format, context.out());
  } else {
    PrintTable(context, endpoints.size(), "endpoints", EndpointsTable(endpoints, Wide(context)));
  }
}

// Prints each list as it arrives, whole: a table (after a blank line when one came before),
// one compact EndpointList per line with -o json, one YAML document each with -o yaml.
// Flushed at once, so a pipe sees every list when it changes.
int WatchEndpoints(CommandContext& context, const std::string& app) {
  const OutputFormat format = context.options().output;
  bool table_printed = false;
  absl::Status status = context.client().WatchEndpoints(app, [&](const v1::EndpointList& list) {
    if (format == OutputFormat::kJson) {
      context.out() << EndpointListJson(list.endpoints())
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                    << '\n';
    } else if (format == OutputFormat::kYaml) {
      context.out() << "---\n";
      PrintStructured(EndpointListJson(list.endpoints()), format, context.out());
    } else {
      if (table_printed && !list.endpoints().empty()) context.out() << '\n';
      table_printed = table_printed || !list.endpoints().empty();
      PrintEndpoints(context, list.endpoints());
    }
    context.out() << std::flush;
    context.err() << std::flush;
  });
  if (!status.ok()) return context.Fail(status);
  return 0;
}

}  // namespace

int RunGetApps(CommandContext& context, const std::string& name) {
  v1::GetAppsRequest request;
  request.set_name(name);
  auto response = context.client().GetApps(request);
  if (!response.ok()) {
    if (!name.empty() && response.status().code() == absl::StatusCode::kNotFound) {
      return NotFound(context, "app", name);
    }
    return context.Fail(response.status());
  }
  KeepNamed(*response->mutable_apps(), name, [](const v1::App& a) { return a.spec().name(); });
  if (!name.empty() && response->apps().empty()) return NotFound(context, "app", name);
  if (IsStructured(context.options().output)) {
    PrintStructured(AppListJson(response->apps()), context.options().output, context.out());
  } else {
    PrintTable(context, response->apps_size(), "apps", AppsTable(response->apps(), Wide(context)));
  }
  return 0;
}

int RunGetNodes(CommandContext& context, const std::string& name) {
  v1::GetNodesRequest request;
  request.set_name(name);
  auto response = context.client().GetNodes(request);
  if (!response.ok()) {
    if (!name.empty() && response.status().code() == absl::StatusCode::kNotFound) {
      return NotFound(context, "node", name);
    }
    return context.Fail(response.status());
  }
  KeepNamed(*response->mutable_nodes(), name, [](const v1::Node& n) { return n.name(); });
  if (!name.empty() && response->nodes().empty()) return NotFound(context, "node", name);
  if (IsStructured(context.options().output)) {
    PrintStructured(NodeListJson(response->nodes()), context.options().output, context.out());
  } else {
    PrintTable(context, response->nodes_size(), "nodes",
               NodesTable(response->nodes(), Wide(context), absl::Now()));
  }
  return 0;
}

int RunGetContainers(CommandContext& context, const std::string& app, const std::string& node,
                     const std::string& name) {
  v1::GetContainersRequest request;
  request.set_app(app);
  request.set_node(node);
  auto response = context.client().GetContainers(request);
  if (!response.ok()) return context.Fail(response.status());
  KeepNamed(*response->mutable_containers(), name,
            [](const v1::Container& c) { return c.instance(); });
  if (!name.empty() && response->containers().empty()) {
    return NotFound(context, "container", name);
  }
  if (IsStructured(context.options().output)) {
    PrintStructured(ContainerListJson(response->containers()), context.options().output,
                    context.out());
  } else {
    PrintTable(context, response->containers_size(), "containers",
               ContainersTable(response->containers(), Wide(context), absl::Now()));
  }
  return 0;
}

int RunGetEndpoints(CommandContext& context, const std::string& app, bool watch) {
  if (watch) return WatchEndpoints(context, app);
  auto list = context.client().ListEndpoints(app);
  if (!list.ok()) return context.Fail(list.status());
  PrintEndpoints(context, list->endpoints());
  return 0;
}

int RunGetControllers(CommandContext& context) {
  auto response = context.client().ListControllers();
  if (!response.ok()) return context.Fail(response.status());
  if (IsStructured(context.options().output)) {
    PrintStructured(ControllerListJson(response->controllers()), context.options().output,
                    context.out());
  } else {
    PrintTable(context, response->controllers_size(), "controllers",
               ControllersTable(response->controllers(), absl::Now()));
  }
  return 0;
}

}  // namespace microscale::cli
